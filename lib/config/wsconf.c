/*
 * wsconf.c - the layers of withsctp's configuration: INI text and files,
 * WITHSCTP_* variables, launcher options, their merge (wsconf_load) and the
 * effective settings written back as text (--print-config).
 *
 * A file is read whole into memory (at most WSCONF_FILE_MAX bytes) and then
 * walked three times: every line checked on a scratch copy, then the
 * [global] lines applied, then the lines of the matching [program NAME]
 * sections, so that program sections win over [global] wherever they are in
 * the file and a file with an error changes nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wsconf_int.h"

extern char **environ;

int wsconf_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen == 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

void wsconf_outf(wsconf_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->len < o->cap ? o->buf + o->len : NULL,
		      o->len < o->cap ? o->cap - o->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

/* ---- INI text ---- */

enum pass { PASS_CHECK, PASS_GLOBAL, PASS_PROGRAM };
enum section { SEC_GLOBAL, SEC_MATCH, SEC_OTHER };

typedef struct parser {
	const char *name;    /* file name for messages */
	const char *program; /* base name, or NULL: no [program] matches */
	enum pass pass;
	enum section sec;
	size_t lineno;
	char *err;
	size_t errlen;
} parser;

static bool blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

static char *trim(char *s)
{
	size_t n;

	while (blank(*s))
		s++;
	n = strlen(s);
	while (n > 0 && blank(s[n - 1]))
		s[--n] = 0;
	return s;
}

/* Cuts a comment off: '#' or ';' at the start or after a blank.  Values
 * cannot hold such a pair (wsconf_set_index refuses it), so cutting the whole
 * line is safe. */
static void cut_comment(char *s)
{
	for (char *p = s; *p; p++)
		if ((*p == '#' || *p == ';') && (p == s || blank(p[-1]))) {
			*p = 0;
			return;
		}
}

static int line_err(parser *ps, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int line_err(parser *ps, const char *fmt, ...)
{
	char why[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return wsconf_errf(ps->err, ps->errlen, "%s:%zu: %s", ps->name,
			   ps->lineno, why);
}

/* "[global]" or "[program NAME]"; s is the line after its '['.  The last
 * ']' closes the header, so patterns may hold brackets ("[program [st]sh]"). */
static int section(parser *ps, char *s)
{
	char *end, *name;

	end = strrchr(s, ']');
	if (!end)
		return line_err(ps, "missing ']' in a section header");
	*end = 0;
	if (*trim(end + 1))
		return line_err(ps, "unexpected '%s' after ']'", trim(end + 1));
	s = trim(s);
	name = s + strcspn(s, " \t");
	if (*name)
		*name++ = 0;
	name = trim(name);
	if (strcasecmp(s, "global") == 0) {
		if (*name)
			return line_err(ps, "[global] takes no name ('%s')",
					name);
		ps->sec = SEC_GLOBAL;
		return 0;
	}
	if (strcasecmp(s, "program") != 0)
		return line_err(ps,
				"unknown section '[%s]' (expected [global] or "
				"[program NAME])",
				s);
	if (!*name)
		return line_err(ps,
				"[program] needs a program name or pattern, "
				"e.g. [program telnet]");
	if (strchr(name, '/'))
		return line_err(ps,
				"program pattern '%s' contains '/' (sections "
				"match the program's base name)",
				name);
	ps->sec = ps->program && fnmatch(name, ps->program, 0) == 0 ? SEC_MATCH
								    : SEC_OTHER;
	return 0;
}

static int assignment(wsconf *c, parser *ps, char *s)
{
	char *eq = strchr(s, '='), where[WSCONF_PATH_MAX + 128];
	char origin[WSCONF_ORIGIN_MAX], at[32];
	char *key;
	int i;

	if (!eq)
		return line_err(ps, "expected 'key = value', a [section] or a "
				    "comment");
	*eq = 0;
	key = trim(s);
	if (!*key)
		return line_err(ps, "missing key before '='");
	snprintf(where, sizeof(where), "%s:%zu: %s", ps->name, ps->lineno, key);
	i = wsconf_key_index(key, strlen(key));
	if (i < 0)
		return wsconf_unknown_key(key, strlen(key), where, false,
					  ps->err, ps->errlen);
	if ((ps->pass == PASS_GLOBAL && ps->sec != SEC_GLOBAL) ||
	    (ps->pass == PASS_PROGRAM && ps->sec != SEC_MATCH))
		return 0;
	/* The origin keeps the line number even when the name is long. */
	snprintf(at, sizeof(at), ":%zu", ps->lineno);
	snprintf(origin, sizeof(origin), "%.*s%s",
		 (int)(sizeof(origin) - strlen(at) - 1), ps->name, at);
	return wsconf_set_index(c, i, trim(eq + 1), where, origin, ps->err,
				ps->errlen);
}

static int one_line(wsconf *c, parser *ps, char *line)
{
	char *s;

	cut_comment(line);
	s = trim(line);

	if (!*s || *s == '#' || *s == ';')
		return 0;
	if (*s == '[')
		return section(ps, s + 1);
	return assignment(c, ps, s);
}

/* Walks a fresh copy of text in buf (len + 1 bytes), cutting it in place
 * into lines. */
static int run_pass(wsconf *c, parser *ps, const char *text, char *buf,
		    size_t len)
{
	char *p = buf, *end = buf + len;

	memcpy(buf, text, len);
	buf[len] = 0;
	ps->sec = SEC_GLOBAL; /* lines before any header are global */
	ps->lineno = 0;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl)
			*nl = 0;
		ps->lineno++;
		if (one_line(c, ps, p) < 0)
			return -1;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

static const char *base_name(const char *program)
{
	const char *slash;

	if (!program)
		return NULL;
	slash = strrchr(program, '/');
	if (slash)
		program = slash + 1;
	return *program ? program : NULL;
}

/* A NUL byte would cut a line short silently: name its line. */
static int check_nul(parser *ps, const char *text, size_t len)
{
	const char *nul = memchr(text, 0, len);

	if (!nul)
		return 0;
	ps->lineno = 1;
	for (const char *p = text; p < nul; p++)
		ps->lineno += *p == '\n';
	return line_err(ps, "contains a NUL byte");
}

static int run_passes(wsconf *c, parser *ps, const char *text, char *buf,
		      size_t len)
{
	wsconf work;

	memcpy(&work, c, sizeof(work));
	ps->pass = PASS_CHECK;
	if (run_pass(&work, ps, text, buf, len) < 0)
		return -1;
	memcpy(&work, c, sizeof(work));
	ps->pass = PASS_GLOBAL;
	if (run_pass(&work, ps, text, buf, len) < 0)
		return -1;
	ps->pass = PASS_PROGRAM;
	if (ps->program && run_pass(&work, ps, text, buf, len) < 0)
		return -1;
	memcpy(c, &work, sizeof(work));
	return 0;
}

static int parse_text(wsconf *c, const char *text, size_t len, const char *name,
		      const char *program, char *err, size_t errlen)
{
	parser ps = {.name = name ? name : "<string>",
		     .program = base_name(program),
		     .err = err,
		     .errlen = errlen};
	char *buf;
	int r;

	if (check_nul(&ps, text, len) < 0)
		return -1;
	buf = malloc(len + 1);
	if (!buf)
		return wsconf_errf(err, errlen, "%s: out of memory", ps.name);
	r = run_passes(c, &ps, text, buf, len);
	free(buf);
	return r;
}

int wsconf_parse_string(wsconf *c, const char *text,
			const char *name_for_errors, const char *program,
			char *err, size_t errlen)
{
	return parse_text(c, text, strlen(text), name_for_errors, program, err,
			  errlen);
}

/* ---- files ---- */

static int too_big(const char *path, char *err, size_t errlen)
{
	return wsconf_errf(err, errlen, "%s: larger than %d bytes", path,
			   WSCONF_FILE_MAX);
}

/* Reads fd to the end into *out (malloc'd, the caller frees); hint is the
 * expected size.  Reading stops one byte past the limit. */
static int read_all(int fd, const char *path, size_t hint, char **out,
		    size_t *outlen, char *err, size_t errlen)
{
	size_t cap = (hint < 4096 ? 4096 : hint) + 1, len = 0;
	char *buf;

	if (cap > WSCONF_FILE_MAX + 1)
		cap = WSCONF_FILE_MAX + 1;
	buf = malloc(cap);
	for (;;) {
		if (!buf)
			return wsconf_errf(err, errlen, "%s: out of memory",
					   path);
		if (len == cap) {
			if (cap > WSCONF_FILE_MAX) {
				free(buf);
				return too_big(path, err, errlen);
			}
			size_t ncap = cap * 2 > WSCONF_FILE_MAX + 1
					  ? WSCONF_FILE_MAX + 1
					  : cap * 2;
			char *nbuf = realloc(buf, ncap);
			if (!nbuf)
				free(buf);
			buf = nbuf;
			cap = ncap;
			continue;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			free(buf);
			return wsconf_errf(err, errlen, "%s: %s", path,
					   strerror(e));
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

/* Opens and reads path.  Returns 1 with the text, 0 when it is absent and
 * may be, -1 on error. */
static int load_file(const char *path, bool must_exist, const char *label,
		     char **out, size_t *outlen, char *err, size_t errlen)
{
	struct stat st;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int e = errno;
		if (!must_exist && (e == ENOENT || e == ENOTDIR))
			return 0;
		return wsconf_errf(err, errlen, "%s%s%s: %s",
				   label ? label : "", label ? ": " : "", path,
				   strerror(e));
	}
	if (fstat(fd, &st) < 0)
		st.st_mode = 0;
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return wsconf_errf(err, errlen, "%s: is a directory", path);
	}
	if (S_ISREG(st.st_mode) && st.st_size > WSCONF_FILE_MAX) {
		close(fd);
		return too_big(path, err, errlen);
	}
	r = read_all(fd, path, S_ISREG(st.st_mode) ? (size_t)st.st_size : 0,
		     out, outlen, err, errlen);
	close(fd);
	return r < 0 ? -1 : 1;
}

static int parse_file(wsconf *c, const char *path, const char *program,
		      bool must_exist, const char *label, char *err,
		      size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	int r = load_file(path, must_exist, label, &text, &len, err, errlen);

	if (r <= 0)
		return r;
	r = parse_text(c, text, len, path, program, err, errlen);
	free(text);
	return r;
}

int wsconf_parse_file(wsconf *c, const char *path, const char *program,
		      bool must_exist, char *err, size_t errlen)
{
	return parse_file(c, path, program, must_exist, NULL, err, errlen);
}

/* ---- environment and options ---- */

/* The value of NAME in envp, or NULL. */
static const char *env_get(const char *const *envp, const char *name)
{
	size_t n = strlen(name);

	for (; envp && *envp; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

static int apply_env(wsconf *c, const char *const *envp, char *err,
		     size_t errlen)
{
	const size_t plen = strlen(WSCONF_ENV_PREFIX);

	for (; envp && *envp; envp++) {
		const char *e = *envp, *eq = strchr(e, '=');
		char name[96];
		if (!eq || strncmp(e, WSCONF_ENV_PREFIX, plen) != 0 ||
		    strncmp(e, WSCONF_ENV_RESERVED,
			    strlen(WSCONF_ENV_RESERVED)) == 0 ||
		    strncmp(e, WSCONF_ENV_CONFIG "=",
			    strlen(WSCONF_ENV_CONFIG) + 1) == 0)
			continue;
		size_t klen = (size_t)(eq - e) - plen;
		snprintf(name, sizeof(name), "%.*s", (int)(eq - e), e);
		int i = wsconf_key_index(e + plen, klen);
		if (i < 0)
			return wsconf_unknown_key(e + plen, klen, name, true,
						  err, errlen);
		if (wsconf_set_index(c, i, eq + 1, name, name, err, errlen) < 0)
			return -1;
	}
	return 0;
}

int wsconf_apply_env(wsconf *c, const char *const *envp, char *err,
		     size_t errlen)
{
	wsconf work;

	memcpy(&work, c, sizeof(work));
	if (apply_env(&work, envp, err, errlen) < 0)
		return -1;
	memcpy(c, &work, sizeof(work));
	return 0;
}

static int apply_option(wsconf *c, const char *opt, char *err, size_t errlen)
{
	const char *eq = strchr(opt, '=');
	char key[64], where[96];
	size_t b = 0, e;

	if (eq) {
		e = (size_t)(eq - opt);
		while (b < e && blank(opt[b]))
			b++;
		while (e > b && blank(opt[e - 1]))
			e--;
	}
	if (!eq || e == b)
		return wsconf_errf(err, errlen,
				   "option '%s': expected KEY=VALUE", opt);
	snprintf(key, sizeof(key), "%.*s", (int)(e - b), opt + b);
	snprintf(where, sizeof(where), "option %s", key);
	int i = wsconf_key_index(opt + b, e - b);
	if (i < 0)
		return wsconf_unknown_key(opt + b, e - b, where, false, err,
					  errlen);
	return wsconf_set_index(c, i, eq + 1, where, where, err, errlen);
}

static int apply_options(wsconf *c, const char *const *options, size_t noptions,
			 char *err, size_t errlen)
{
	for (size_t k = 0; k < noptions; k++)
		if (apply_option(c, options[k], err, errlen) < 0)
			return -1;
	return 0;
}

int wsconf_apply_options(wsconf *c, const char *const *options, size_t noptions,
			 char *err, size_t errlen)
{
	wsconf work;

	memcpy(&work, c, sizeof(work));
	if (apply_options(&work, options, noptions, err, errlen) < 0)
		return -1;
	memcpy(c, &work, sizeof(work));
	return 0;
}

/* ---- all layers ---- */

/* The user file's path into buf: $XDG_CONFIG_HOME/withsctp.conf, else
 * $HOME/.config/withsctp.conf.  The XDG Base Directory specification says
 * a relative XDG_CONFIG_HOME is invalid and to be ignored.  Returns 1 with
 * a path, 0 when there is none, -1 when it does not fit. */
static int user_file(const char *const *envp, char *buf, size_t cap, char *err,
		     size_t errlen)
{
	const char *xdg = env_get(envp, "XDG_CONFIG_HOME");
	const char *home = env_get(envp, "HOME");
	int n;

	if (xdg && xdg[0] == '/')
		n = snprintf(buf, cap, "%s/%s", xdg, WSCONF_FILE_NAME);
	else if (home && home[0] == '/')
		n = snprintf(buf, cap, "%s/.config/%s", home, WSCONF_FILE_NAME);
	else
		return 0;
	if (n < 0 || (size_t)n >= cap)
		return wsconf_errf(err, errlen,
				   "%s: the user configuration file's path is "
				   "too long",
				   xdg && xdg[0] == '/' ? "XDG_CONFIG_HOME"
							: "HOME");
	return 1;
}

static int load_layers(wsconf *c, const wsconf_sources *src,
		       const char *program, char *err, size_t errlen)
{
	const char *sys =
	    src->system_file ? src->system_file : WSCONF_SYSTEM_FILE;
	const char *cfg = env_get(src->envp, WSCONF_ENV_CONFIG);
	char path[WSCONF_PATH_MAX + 64];
	int r;

	if (parse_file(c, sys, program, false, NULL, err, errlen) < 0)
		return -1;
	r = user_file(src->envp, path, sizeof(path), err, errlen);
	if (r < 0 || (r > 0 && parse_file(c, path, program, false, NULL, err,
					  errlen) < 0))
		return -1;
	if (cfg && !*cfg)
		return wsconf_errf(err, errlen,
				   "%s is set but empty (unset it or name a "
				   "file)",
				   WSCONF_ENV_CONFIG);
	if (cfg && parse_file(c, cfg, program, true, WSCONF_ENV_CONFIG, err,
			      errlen) < 0)
		return -1;
	if (apply_env(c, src->envp, err, errlen) < 0 ||
	    apply_options(c, src->options, src->noptions, err, errlen) < 0)
		return -1;
	return wsconf_check(c, err, errlen);
}

int wsconf_load_env(wsconf *c, const wsconf_sources *src, const char *program,
		    char *err, size_t errlen)
{
	wsconf work;

	wsconf_defaults(&work);
	if (load_layers(&work, src, program, err, errlen) < 0)
		return -1;
	memcpy(c, &work, sizeof(work));
	return 0;
}

int wsconf_load(wsconf *c, const char *program, const char *const *options,
		size_t noptions, char *err, size_t errlen)
{
	wsconf_sources src = {.system_file = WSCONF_SYSTEM_FILE,
			      .envp = (const char *const *)environ,
			      .options = options,
			      .noptions = noptions};

	return wsconf_load_env(c, &src, program, err, errlen);
}

/* ---- writing back ---- */

int wsconf_format(const wsconf *c, unsigned flags, char *buf, size_t cap)
{
	wsconf_out o = {.buf = buf, .cap = cap, .len = 0};

	if (cap > 0)
		buf[0] = 0;
	wsconf_outf(&o, "[global]\n");
	for (int i = 0; i < WSCONF_NKEYS; i++) {
		wsconf_outf(&o, "%s = ", wsconf_key_name(i));
		wsconf_format_value(c, i, &o);
		if ((flags & WSCONF_FORMAT_ORIGINS) && c->origin[i][0])
			wsconf_outf(&o, "  # from %s", c->origin[i]);
		wsconf_outf(&o, "\n");
	}
	return o.len > 0x7fffffff ? 0x7fffffff : (int)o.len;
}
