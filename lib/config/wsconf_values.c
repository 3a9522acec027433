/*
 * wsconf_values.c - the settings: their names, defaults, how each value is
 * read and checked, and how it is written back.  One table row per key, so a
 * new setting is one row, one field and one line in withsctp.conf(5).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wsconf_int.h"

enum ktype {
	K_ENGINE,
	K_PORTS,
	K_UINT,
	K_SIZE,
	K_BOOL,
	K_ADDRS,
	K_CONTROL,
	K_PATH,
	K_LOGLEVEL,
};

typedef struct key_info {
	const char *name;
	enum ktype type;
	size_t off;	   /* the uint32_t field of K_UINT and K_SIZE */
	uint32_t min, max; /* K_UINT */
	const char *what;  /* K_UINT: "'V' is not WHAT (MIN-MAX)" */
} key_info;

#define U32(f) offsetof(wsconf, f)
#define MS_MAX 86400000u /* one day, the kernel's SCTP_RTO_HARD_MAX */
#define SIZE_MAX_BYTES (1024u * 1024u * 1024u)

static const key_info keys[WSCONF_NKEYS] = {
    {"engine", K_ENGINE, 0, 0, 0, NULL},
    {"ports", K_PORTS, 0, 0, 0, NULL},
    {"streams", K_UINT, U32(streams), 1, 65535, "a number of streams"},
    {"max_in_streams", K_UINT, U32(max_in_streams), 1, 65535,
     "a number of streams"},
    {"local_addresses", K_ADDRS, 0, 0, 0, NULL},
    {"udp_port", K_UINT, U32(udp_port), 1, 65535, "a port"},
    {"control", K_CONTROL, 0, 0, 0, NULL},
    {"daemon", K_PATH, offsetof(wsconf, daemon), 0, 0, NULL},
    {"nodelay", K_BOOL, 0, 0, 0, NULL},
    {"heartbeat_interval", K_UINT, U32(heartbeat_interval), 0, MS_MAX,
     "a time in milliseconds"},
    {"rto_initial", K_UINT, U32(rto_initial), 1, MS_MAX,
     "a time in milliseconds"},
    {"rto_min", K_UINT, U32(rto_min), 1, MS_MAX, "a time in milliseconds"},
    {"rto_max", K_UINT, U32(rto_max), 1, MS_MAX, "a time in milliseconds"},
    {"max_init_retransmits", K_UINT, U32(max_init_retransmits), 0, 255,
     "a number of retransmissions"},
    {"sndbuf", K_SIZE, U32(sndbuf), 0, 0, NULL},
    {"rcvbuf", K_SIZE, U32(rcvbuf), 0, 0, NULL},
    {"log_level", K_LOGLEVEL, 0, 0, 0, NULL},
    {"log_file", K_PATH, offsetof(wsconf, log_file), 0, 0, NULL},
};

static const char *const engine_names[] = {"auto", "embedded", "kernel"};
static const char *const level_names[] = {"error", "warn", "info", "debug"};

static uint32_t *u32_field(wsconf *c, int i)
{
	return (uint32_t *)((char *)c + keys[i].off);
}

static uint32_t u32_value(const wsconf *c, int i)
{
	return *(const uint32_t *)((const char *)c + keys[i].off);
}

void wsconf_defaults(wsconf *c)
{
	memset(c, 0, sizeof(*c));
	c->engine = WSCONF_ENGINE_AUTO;
	memset(c->ports, 0xff, sizeof(c->ports));
	c->streams = 10;
	c->max_in_streams = 65535;
	c->udp_port = WSCONF_DEFAULT_UDP_PORT;
	strcpy(c->control, WSCONF_DEFAULT_CONTROL);
	c->nodelay = false;
	c->heartbeat_interval = 30000;
	/* RFC 9260 §16: RTO.Initial 1 second, RTO.Min 1 second, RTO.Max 60
	 * seconds, Max.Init.Retransmits 8 attempts. */
	c->rto_initial = 1000;
	c->rto_min = 1000;
	c->rto_max = 60000;
	c->max_init_retransmits = 8;
	c->log_level = WSCONF_LOG_WARN;
}

/* ---- keys ---- */

static char norm(char ch)
{
	return ch == '-' ? '_' : (char)tolower((unsigned char)ch);
}

int wsconf_key_index(const char *key, size_t len)
{
	for (int i = 0; i < WSCONF_NKEYS; i++) {
		const char *n = keys[i].name;
		size_t j = 0;
		while (j < len && n[j] && norm(key[j]) == n[j])
			j++;
		if (j == len && !n[j])
			return i;
	}
	return -1;
}

const char *wsconf_key_name(int i)
{
	return keys[i].name;
}

/* Edit distance between the normalised key and a name, capped at 9. */
static unsigned distance(const char *key, size_t len, const char *name)
{
	unsigned row[64], nlen = (unsigned)strlen(name);

	if (len >= 32)
		return 9;
	for (unsigned j = 0; j <= nlen; j++)
		row[j] = j;
	for (size_t i = 1; i <= len; i++) {
		unsigned diag = row[0];
		row[0] = (unsigned)i;
		for (unsigned j = 1; j <= nlen; j++) {
			unsigned up = row[j];
			unsigned sub = diag + (norm(key[i - 1]) != name[j - 1]);
			unsigned best =
			    up + 1 < row[j - 1] + 1 ? up + 1 : row[j - 1] + 1;
			row[j] = sub < best ? sub : best;
			diag = up;
		}
	}
	return row[nlen] < 9 ? row[nlen] : 9;
}

int wsconf_unknown_key(const char *key, size_t len, const char *where, bool env,
		       char *err, size_t errlen)
{
	unsigned best = 3;
	int bi = -1;

	for (int i = 0; i < WSCONF_NKEYS; i++) {
		unsigned d = distance(key, len, keys[i].name);
		if (d < best) {
			best = d;
			bi = i;
		}
	}
	if (bi < 0)
		return wsconf_errf(err, errlen,
				   "%s: unknown setting (see withsctp.conf(5))",
				   where);
	if (!env)
		return wsconf_errf(err, errlen,
				   "%s: unknown setting (did you mean '%s'?)",
				   where, keys[bi].name);
	char up[64];
	size_t n = 0;
	for (const char *s = keys[bi].name; *s && n + 1 < sizeof(up); s++)
		up[n++] = (char)toupper((unsigned char)*s);
	up[n] = 0;
	return wsconf_errf(err, errlen,
			   "%s: unknown setting (did you mean %s%s?)", where,
			   WSCONF_ENV_PREFIX, up);
}

/* ---- values ---- */

/* Finds v (case-insensitive) in names; -1 when absent. */
static int lookup(const char *v, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (strcasecmp(v, names[i]) == 0)
			return i;
	return -1;
}

/* Reads a decimal number without sign or spaces; false on anything else or
 * above max. */
static bool read_u32(const char *v, size_t len, uint32_t max, uint32_t *out)
{
	uint64_t x = 0;

	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
		x = x * 10 + (uint64_t)(v[i] - '0');
		if (x > max)
			return false;
	}
	*out = (uint32_t)x;
	return true;
}

static int set_uint(wsconf *c, int i, const char *v, char *err, size_t errlen)
{
	const key_info *k = &keys[i];
	uint32_t x;

	if (!read_u32(v, strlen(v), k->max, &x) || x < k->min)
		return wsconf_errf(err, errlen, "'%s' is not %s (%u-%u)", v,
				   k->what, k->min, k->max);
	*u32_field(c, i) = x;
	return 0;
}

static int set_size(wsconf *c, int i, const char *v, char *err, size_t errlen)
{
	size_t len = strlen(v);
	uint32_t mult = 1, x;

	if (len > 0 && (v[len - 1] == 'K' || v[len - 1] == 'k'))
		mult = 1024;
	else if (len > 0 && (v[len - 1] == 'M' || v[len - 1] == 'm'))
		mult = 1024 * 1024;
	if (mult > 1)
		len--;
	if (!read_u32(v, len, SIZE_MAX_BYTES / mult, &x))
		return wsconf_errf(
		    err, errlen,
		    "'%s' is not a size (bytes, or with a K or M "
		    "suffix; at most 1024M)",
		    v);
	*u32_field(c, i) = x * mult;
	return 0;
}

static int set_bool(wsconf *c, const char *v, char *err, size_t errlen)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	if (lookup(v, yes, 4) >= 0)
		c->nodelay = true;
	else if (lookup(v, no, 4) >= 0)
		c->nodelay = false;
	else
		return wsconf_errf(err, errlen,
				   "'%s' is not a boolean (yes/no, true/false, "
				   "on/off, 1/0)",
				   v);
	return 0;
}

static int parse_addr(wsconf_addr *a, const char *tok, size_t len, char *err,
		      size_t errlen)
{
	char s[INET6_ADDRSTRLEN + 1];

	memset(a, 0, sizeof(*a));
	if (len < sizeof(s)) {
		memcpy(s, tok, len);
		s[len] = 0;
		if (inet_pton(AF_INET, s, &a->sin.sin_addr) == 1) {
			a->sin.sin_family = AF_INET;
			return 0;
		}
		if (inet_pton(AF_INET6, s, &a->sin6.sin6_addr) == 1) {
			a->sin6.sin6_family = AF_INET6;
			return 0;
		}
	}
	return wsconf_errf(err, errlen, "'%.*s' is not an IPv4 or IPv6 address",
			   (int)len, tok);
}

static bool addr_equal(const wsconf_addr *a, const wsconf_addr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->sin.sin_addr.s_addr == b->sin.sin_addr.s_addr;
	return memcmp(&a->sin6.sin6_addr, &b->sin6.sin6_addr, 16) == 0;
}

static int set_addrs(wsconf *c, const char *v, char *err, size_t errlen)
{
	wsconf_addr list[WSCONF_MAX_ADDRS];
	size_t n = 0;

	for (const char *s = v; *s;) {
		size_t len = strcspn(s, ", \t");
		if (len == 0) {
			s++;
			continue;
		}
		if (n == WSCONF_MAX_ADDRS)
			return wsconf_errf(err, errlen,
					   "more than %d addresses",
					   WSCONF_MAX_ADDRS);
		if (parse_addr(&list[n], s, len, err, errlen) < 0)
			return -1;
		for (size_t j = 0; j < n; j++)
			if (addr_equal(&list[j], &list[n]))
				return wsconf_errf(err, errlen,
						   "'%.*s' is listed twice",
						   (int)len, s);
		n++;
		s += len;
	}
	memcpy(c->local, list, n * sizeof(list[0]));
	memset(c->local + n, 0, (WSCONF_MAX_ADDRS - n) * sizeof(list[0]));
	c->nlocal = n;
	return 0;
}

static int set_control(wsconf *c, const char *v, char *err, size_t errlen)
{
	if (!((v[0] == '@' && v[1]) || v[0] == '/'))
		return wsconf_errf(err, errlen,
				   "'%s' is not an abstract socket name "
				   "(@NAME) or an absolute path",
				   v);
	if (strlen(v) >= sizeof(c->control))
		return wsconf_errf(err, errlen,
				   "'%s' is too long for a socket address "
				   "(at most %zu bytes)",
				   v, sizeof(c->control) - 1);
	memset(c->control, 0, sizeof(c->control));
	strcpy(c->control, v);
	return 0;
}

static int set_path(wsconf *c, int i, const char *v, char *err, size_t errlen)
{
	char *dst = (char *)c + keys[i].off;

	/* Programs change directory (daemons chdir to /), so a relative
	 * path would name different files in different processes. */
	if (v[0] && v[0] != '/')
		return wsconf_errf(err, errlen, "'%s' is not an absolute path",
				   v);
	if (strlen(v) >= WSCONF_PATH_MAX)
		return wsconf_errf(err, errlen, "path longer than %d bytes",
				   WSCONF_PATH_MAX - 1);
	memset(dst, 0, WSCONF_PATH_MAX);
	strcpy(dst, v);
	return 0;
}

static int set_enum(int *field, const char *v, const char *const *names, int n,
		    const char *what, const char *list, char *err,
		    size_t errlen)
{
	int x = lookup(v, names, n);

	if (x < 0)
		return wsconf_errf(err, errlen, "'%s' is not %s (%s)", v, what,
				   list);
	*field = x;
	return 0;
}

static int set_typed(wsconf *c, int i, const char *v, char *err, size_t errlen)
{
	int x = 0;

	switch (keys[i].type) {
	case K_ENGINE:
		if (set_enum(&x, v, engine_names, 3, "an engine",
			     "auto, embedded, kernel", err, errlen) < 0)
			return -1;
		c->engine = (wsconf_engine)x;
		return 0;
	case K_PORTS:
		return wsconf_ports_parse(c->ports, v, err, errlen);
	case K_UINT:
		return set_uint(c, i, v, err, errlen);
	case K_SIZE:
		return set_size(c, i, v, err, errlen);
	case K_BOOL:
		return set_bool(c, v, err, errlen);
	case K_ADDRS:
		return set_addrs(c, v, err, errlen);
	case K_CONTROL:
		return set_control(c, v, err, errlen);
	case K_PATH:
		return set_path(c, i, v, err, errlen);
	case K_LOGLEVEL:
		/* "warning" is what syslog and many programs call it. */
		if (strcasecmp(v, "warning") == 0)
			v = "warn";
		if (set_enum(&x, v, level_names, 4, "a log level",
			     "error, warn, info, debug", err, errlen) < 0)
			return -1;
		c->log_level = (wsconf_log_level)x;
		return 0;
	}
	return wsconf_errf(err, errlen, "internal error: key type");
}

/* Characters a value may not hold: control characters (they cannot be
 * written back to a file) and a blank followed by '#' or ';', which a file
 * reads as the start of a comment. */
static int check_chars(const char *v, char *err, size_t errlen)
{
	for (const char *s = v; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return wsconf_errf(
			    err, errlen, "value contains a control character");
		if ((ch == ' ' || ch == '\t') && (s[1] == '#' || s[1] == ';'))
			return wsconf_errf(
			    err, errlen,
			    "'%s' contains '%c%c', which starts a "
			    "comment in a file",
			    v, ch == '\t' ? ' ' : ch, s[1]);
	}
	return 0;
}

int wsconf_set_index(wsconf *c, int i, const char *value, const char *where,
		     const char *origin, char *err, size_t errlen)
{
	char why[512], *v;
	size_t len;
	int r;

	while (*value == ' ' || *value == '\t')
		value++;
	len = strlen(value);
	while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t'))
		len--;
	if (len == 0 && keys[i].type != K_PATH && keys[i].type != K_ADDRS)
		return wsconf_errf(err, errlen, "%s: no value given", where);
	/* Values have no length limit of their own (a file's is 1 MiB). */
	v = strndup(value, len);
	if (!v)
		return wsconf_errf(err, errlen, "%s: out of memory", where);
	r = check_chars(v, why, sizeof(why));
	if (r == 0)
		r = set_typed(c, i, v, why, sizeof(why));
	free(v);
	if (r < 0)
		return wsconf_errf(err, errlen, "%s: %s", where, why);
	if (origin)
		snprintf(c->origin[i], sizeof(c->origin[i]), "%s", origin);
	return 0;
}

int wsconf_set(wsconf *c, const char *key, const char *value, const char *where,
	       char *err, size_t errlen)
{
	char optwhere[96];
	size_t len = strlen(key);
	int i = wsconf_key_index(key, len);

	if (!where) {
		snprintf(optwhere, sizeof(optwhere), "option %s", key);
		where = optwhere;
	}
	if (i < 0)
		return wsconf_unknown_key(key, len, where, false, err, errlen);
	return wsconf_set_index(c, i, value, where, where, err, errlen);
}

/* ---- writing back ---- */

static void format_size(uint32_t x, wsconf_out *o)
{
	if (x && x % (1024 * 1024) == 0)
		wsconf_outf(o, "%uM", x / (1024 * 1024));
	else if (x && x % 1024 == 0)
		wsconf_outf(o, "%uK", x / 1024);
	else
		wsconf_outf(o, "%u", x);
}

static void format_addrs(const wsconf *c, wsconf_out *o)
{
	char s[INET6_ADDRSTRLEN];

	for (size_t j = 0; j < c->nlocal; j++) {
		const wsconf_addr *a = &c->local[j];
		const void *p = a->sa.sa_family == AF_INET
				    ? (const void *)&a->sin.sin_addr
				    : (const void *)&a->sin6.sin6_addr;
		if (!inet_ntop(a->sa.sa_family, p, s, sizeof(s)))
			s[0] = 0;
		wsconf_outf(o, "%s%s", j ? ", " : "", s);
	}
}

void wsconf_format_value(const wsconf *c, int i, wsconf_out *o)
{
	switch (keys[i].type) {
	case K_ENGINE:
		wsconf_outf(o, "%s", wsconf_engine_name(c->engine));
		break;
	case K_PORTS:
		wsconf_ports_format(c->ports, o);
		break;
	case K_UINT:
		wsconf_outf(o, "%u", u32_value(c, i));
		break;
	case K_SIZE:
		format_size(u32_value(c, i), o);
		break;
	case K_BOOL:
		wsconf_outf(o, "%s", c->nodelay ? "yes" : "no");
		break;
	case K_ADDRS:
		format_addrs(c, o);
		break;
	case K_CONTROL:
		wsconf_outf(o, "%s", c->control);
		break;
	case K_PATH:
		wsconf_outf(o, "%s", (const char *)c + keys[i].off);
		break;
	case K_LOGLEVEL:
		wsconf_outf(o, "%s", wsconf_log_level_name(c->log_level));
		break;
	}
}

bool wsconf_equal(const wsconf *a, const wsconf *b)
{
	if (a->engine != b->engine || a->nodelay != b->nodelay ||
	    a->log_level != b->log_level || a->nlocal != b->nlocal ||
	    memcmp(a->ports, b->ports, sizeof(a->ports)) != 0 ||
	    strcmp(a->control, b->control) != 0 ||
	    strcmp(a->daemon, b->daemon) != 0 ||
	    strcmp(a->log_file, b->log_file) != 0)
		return false;
	for (int i = 0; i < WSCONF_NKEYS; i++)
		if ((keys[i].type == K_UINT || keys[i].type == K_SIZE) &&
		    u32_value(a, i) != u32_value(b, i))
			return false;
	for (size_t j = 0; j < a->nlocal; j++)
		if (!addr_equal(&a->local[j], &b->local[j]))
			return false;
	return true;
}

const char *wsconf_origin(const wsconf *c, const char *key)
{
	int i = wsconf_key_index(key, strlen(key));

	if (i < 0)
		return NULL;
	return c->origin[i][0] ? c->origin[i] : "default";
}

const char *wsconf_engine_name(wsconf_engine e)
{
	return (unsigned)e < 3 ? engine_names[e] : "?";
}

const char *wsconf_log_level_name(wsconf_log_level l)
{
	return (unsigned)l < 4 ? level_names[l] : "?";
}

/* ---- rules across settings ---- */

static int order_error(const wsconf *c, int lo, int hi, char *err,
		       size_t errlen)
{
	const char *olo = c->origin[lo], *ohi = c->origin[hi];

	return wsconf_errf(err, errlen,
			   "%s (%u, %s%s) is above %s (%u, %s%s): "
			   "rto_min <= rto_initial <= rto_max must hold",
			   keys[lo].name, u32_value(c, lo),
			   olo[0] ? "from " : "the default", olo, keys[hi].name,
			   u32_value(c, hi), ohi[0] ? "from " : "the default",
			   ohi);
}

int wsconf_check(const wsconf *c, char *err, size_t errlen)
{
	int imin = wsconf_key_index("rto_min", 7);
	int iinit = wsconf_key_index("rto_initial", 11);
	int imax = wsconf_key_index("rto_max", 7);

	if (c->rto_min > c->rto_initial)
		return order_error(c, imin, iinit, err, errlen);
	if (c->rto_initial > c->rto_max)
		return order_error(c, iinit, imax, err, errlen);
	return 0;
}
