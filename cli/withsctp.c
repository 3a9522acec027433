/*
 * withsctp.c - the launcher: withsctp [options] [--] PROGRAM [ARGS...]
 * runs PROGRAM with libwithsctp.so preloaded so that its TCP sockets
 * become SCTP associations (withsctp(1)).  It checks the configuration for
 * PROGRAM, makes sure sctpd answers when the embedded engine is used
 * (starting it when it does not), exports the options as WITHSCTP_*
 * variables so they keep the highest precedence in every process of the
 * program, appends the shim to LD_PRELOAD and execs PROGRAM.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wsconf.h"
#include "wsproto.h"

#define EXIT_WS 125 /* withsctp's own failure, as env(1) */
#define MAX_OPTS 64
#define START_WAIT_MS 8000
#define START_ATTEMPTS 4
#define HELLO_TIMEOUT_MS 2000

typedef struct launch {
	const char *opts[MAX_OPTS];
	char *owned[MAX_OPTS];
	size_t nopts;
	bool print_config;
	bool no_start;
} launch;

static void usage(FILE *f)
{
	fprintf(
	    f, "usage: withsctp [options] [--] PROGRAM [ARGS...]\n"
	       "Runs PROGRAM so that its TCP sockets become SCTP "
	       "associations.\n"
	       "  -c, --config FILE     configuration file (WITHSCTP_CONFIG)\n"
	       "  -e, --engine E        auto, embedded or kernel\n"
	       "  -p, --ports LIST      ports to convert, e.g. 13,80,8000-8100,"
	       "!8080 or all\n"
	       "  -l, --log-level L     error, warn, info or debug\n"
	       "  -o, --set KEY=VALUE   any setting of withsctp.conf(5)\n"
	       "      --print-config    print PROGRAM's settings and their "
	       "origins\n"
	       "      --no-start        do not start sctpd when it does not "
	       "answer\n"
	       "  -h, --help            this text\n"
	       "  -V, --version         the version\n"
	       "See withsctp(1) and withsctp.conf(5).\n");
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("withsctp: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(EXIT_WS);
}

static void add_opt(launch *L, const char *key, const char *value)
{
	if (L->nopts == MAX_OPTS)
		die("too many options (at most %d)", MAX_OPTS);
	char *s;
	if (asprintf(&s, "%s=%s", key, value) < 0)
		die("out of memory");
	L->owned[L->nopts] = s;
	L->opts[L->nopts++] = s;
}

static int parse_args(int argc, char **argv, launch *L)
{
	enum { OPT_PRINT = 256, OPT_NOSTART };
	static const struct option lo[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"engine", required_argument, NULL, 'e'},
	    {"ports", required_argument, NULL, 'p'},
	    {"log-level", required_argument, NULL, 'l'},
	    {"set", required_argument, NULL, 'o'},
	    {"print-config", no_argument, NULL, OPT_PRINT},
	    {"no-start", no_argument, NULL, OPT_NOSTART},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0}};
	int c;

	while ((c = getopt_long(argc, argv, "+c:e:p:l:o:hV", lo, NULL)) != -1) {
		switch (c) {
		case 'c': {
			char abs[PATH_MAX];
			/* Children may run elsewhere: an absolute path. */
			if (!realpath(optarg, abs))
				die("--config %s: %s", optarg, strerror(errno));
			setenv(WSCONF_ENV_CONFIG, abs, 1);
			break;
		}
		case 'e':
			add_opt(L, "engine", optarg);
			break;
		case 'p':
			add_opt(L, "ports", optarg);
			break;
		case 'l':
			add_opt(L, "log_level", optarg);
			break;
		case 'o': {
			const char *eq = strchr(optarg, '=');
			if (!eq || eq == optarg)
				die("--set %s: expected KEY=VALUE", optarg);
			if (L->nopts == MAX_OPTS)
				die("too many options (at most %d)", MAX_OPTS);
			L->opts[L->nopts++] = optarg;
			break;
		}
		case OPT_PRINT:
			L->print_config = true;
			break;
		case OPT_NOSTART:
			L->no_start = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("withsctp 0.3\n");
			exit(0);
		default:
			usage(stderr);
			exit(EXIT_WS);
		}
	}
	return optind;
}

/* WITHSCTP_<KEY>=VALUE for each option, so PROGRAM and its children see
 * them above their files (the shim reads no launcher options). */
static void export_opts(const launch *L)
{
	for (size_t i = 0; i < L->nopts; i++) {
		const char *eq = strchr(L->opts[i], '=');
		char name[96] = WSCONF_ENV_PREFIX;
		size_t n = strlen(name);
		for (const char *k = L->opts[i]; k < eq && n < sizeof(name) - 1;
		     k++) {
			if (isspace((unsigned char)*k))
				continue;
			name[n++] = *k == '-' ? '_' : (char)toupper(*k);
		}
		name[n] = '\0';
		const char *v = eq + 1;
		while (isspace((unsigned char)*v))
			v++;
		setenv(name, v, 1);
	}
}

/* ---- the daemon ---- */

static void self_dir(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	if (n <= 0)
		die("cannot find my own path (/proc/self/exe): %s",
		    strerror(errno));
	buf[n] = '\0';
	char *slash = strrchr(buf, '/');
	if (slash)
		*slash = '\0';
}

static const char *level_name(wsconf_log_level l)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};
	return names[l];
}

/* Runs sctpd (it daemonizes and exits once ready, or says why not) and
 * keeps what it said in why: it may lose a race against another daemon
 * starting, or one still stopping, which is worth a message only when
 * nobody answers in the end. */
static int start_daemon(const wsconf *c, char *why, size_t whylen)
{
	char path[PATH_MAX + 16], dir[PATH_MAX], port[16];
	if (c->daemon[0]) {
		snprintf(path, sizeof(path), "%s", c->daemon);
	} else {
		self_dir(dir, sizeof(dir));
		snprintf(path, sizeof(path), "%s/sctpd", dir);
	}
	snprintf(port, sizeof(port), "%u", c->udp_port);
	const char *argv[16] = {
	    path,	  "--control",	 c->control,
	    "--udp-port", port,		 "--idle",
	    "60",	  "--log-level", level_name(c->log_level)};
	int argc = 9;
	if (c->log_file[0]) {
		argv[argc++] = "--log";
		argv[argc++] = c->log_file;
	}
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(p[1], 2);
		execv(path, (char *const *)argv);
		fprintf(stderr,
			"cannot run the daemon %s: %s (set daemon = "
			"PATH in withsctp.conf)\n",
			path, strerror(errno));
		_exit(127);
	}
	close(p[1]);
	size_t got = 0;
	ssize_t n;
	while (got + 1 < whylen &&
	       (n = read(p[0], why + got, whylen - 1 - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		got += (size_t)n;
	}
	why[got] = '\0';
	if (got && why[got - 1] == '\n')
		why[got - 1] = '\0';
	close(p[0]);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

/* True once the daemon answers within wait_ms; dies when it refuses us. */
static bool answers(const wsconf *c, int wait_ms)
{
	wsp_rep rep;

	for (int ms = 0;; ms += 20) {
		if (wsp_hello(c->control, "withsctp", &rep, HELLO_TIMEOUT_MS) ==
		    0) {
			if (rep.err)
				die("%s", rep.msg);
			return true;
		}
		if (ms >= wait_ms)
			return false;
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

static void ensure_daemon(const wsconf *c, bool no_start)
{
	char why[512] = "";

	if (answers(c, 0))
		return;
	if (no_start)
		die("no sctpd answers at %s (--no-start): start it with "
		    "sctpd(8)",
		    c->control);
	/* A daemon still stopping holds the UDP port for up to 5 s. */
	for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
		int rc = start_daemon(c, why, sizeof(why));
		if (answers(c, START_WAIT_MS / START_ATTEMPTS))
			return;
		/* Only a port or address in use is worth another try. */
		if (rc != 0 && !strstr(why, "in use"))
			break;
	}
	die("sctpd does not answer at %s%s%s", c->control,
	    why[0] ? ": "
		   : " (see its log: log_file, or sctpd.log under "
		     "/var/log, $XDG_RUNTIME_DIR, ~/.cache or "
		     "/tmp/withsctp-UID)",
	    why);
}

static bool kernel_has_sctp(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_SCTP);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static void set_preload(void)
{
	char dir[PATH_MAX], shim[PATH_MAX + 32];
	self_dir(dir, sizeof(dir));
	snprintf(shim, sizeof(shim), "%s/../lib/libwithsctp.so", dir);
	char real[PATH_MAX];
	if (!realpath(shim, real) || access(real, R_OK) < 0)
		die("cannot find the shim %s: %s (reinstall withsctp)", shim,
		    strerror(errno));
	const char *old = getenv("LD_PRELOAD");
	if (old && strstr(old, real))
		return;
	if (!old || !old[0]) {
		setenv("LD_PRELOAD", real, 1);
		return;
	}
	char *both;
	if (asprintf(&both, "%s:%s", old, real) < 0)
		die("out of memory");
	setenv("LD_PRELOAD", both, 1);
	free(both);
}

static void free_opts(launch *L)
{
	for (size_t i = 0; i < L->nopts; i++)
		free(L->owned[i]);
	memset(L->owned, 0, sizeof(L->owned));
}

int main(int argc, char **argv)
{
	launch L = {0};
	int first = parse_args(argc, argv, &L);
	if (first >= argc) {
		usage(stderr);
		return EXIT_WS;
	}
	const char *program = argv[first];
	wsconf c;
	char err[1024];
	if (wsconf_load(&c, program, L.opts, L.nopts, err, sizeof(err)) < 0)
		die("%s", err);
	if (L.print_config) {
		static char text[64 * 1024];
		wsconf_format(&c, WSCONF_FORMAT_ORIGINS, text, sizeof(text));
		fputs(text, stdout);
		free_opts(&L);
		return 0;
	}
	export_opts(&L);
	bool kernel = c.engine == WSCONF_ENGINE_KERNEL ||
		      (c.engine == WSCONF_ENGINE_AUTO && kernel_has_sctp());
	if (c.engine == WSCONF_ENGINE_KERNEL && !kernel_has_sctp())
		die("engine = kernel (from %s), but this kernel has no SCTP "
		    "(%s): load it (modprobe sctp) or use engine = embedded",
		    wsconf_origin(&c, "engine"), strerror(errno));
	if (!kernel)
		ensure_daemon(&c, L.no_start);
	set_preload();
	free_opts(&L);
	execvp(program, argv + first);
	int e = errno;
	fprintf(stderr, "withsctp: %s: %s\n", program, strerror(e));
	return e == ENOENT ? 127 : 126;
}
