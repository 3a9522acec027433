/*
 * checksctp - tell whether programs can use SCTP on this host
 * (man/checksctp.8): kernel SCTP, and the embedded engine of sctpd asked
 * with a HELLO on its control address (wsproto.h).
 *
 * Exit 0 when either works, 1 when neither does, 2 on bad usage or a bad
 * configuration.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cliopt.h"
#include "wsconf.h"
#include "wsproto.h"

/* A live daemon answers in microseconds; this bounds a stopped one. */
#define HELLO_TIMEOUT_MS 2000

typedef struct opts {
	bool verbose;
	bool quiet;
	const char *control; /* -c, or NULL for the configured one */
} opts;

static const char usage_text[] = "usage: checksctp [-v] [-q] [-c CONTROL]\n"
				 "See checksctp(8).\n";

static const char help_text[] =
    "usage: checksctp [-v] [-q] [-c CONTROL]\n"
    "Tells whether programs can use SCTP here: kernel SCTP, or sctpd's\n"
    "embedded engine.  Exit 0 when either works, 1 when neither does.\n"
    "  -v, --verbose       where the settings came from, the daemon's\n"
    "                      UDP port and process, the files read\n"
    "  -q, --quiet         print nothing: only the exit status answers\n"
    "  -c, --control ADDR  the daemon at ADDR (@NAME or a path)\n"
    "  -h, --help          this text\n"
    "  -V, --version       the version\n"
    "See checksctp(8).\n";

__attribute__((format(printf, 2, 3))) static void say(const opts *o,
						      const char *fmt, ...)
{
	va_list ap;

	if (o->quiet)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

/* "+": stop at the first argument; ":": tell a missing argument apart. */
#define OPTSTRING "+:vqc:hV"

static int parse_opts(int argc, char **argv, opts *o)
{
	static const struct option lo[] = {
	    {"verbose", no_argument, NULL, 'v'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"control", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0}};

	opterr = 0;
	for (;;) {
		int at = optind;
		int c = getopt_long(argc, argv, OPTSTRING, lo, NULL);
		if (c == -1)
			break;
		switch (c) {
		case 'v':
			o->verbose = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'c':
			o->control = optarg;
			break;
		case 'h':
			fputs(help_text, stdout);
			exit(0);
		case 'V':
			printf("checksctp (withsctp) 0.3\n");
			exit(0);
		default:
			cli_bad_option("checksctp", c, optopt,
				       at < argc ? argv[at] : NULL);
			fputs(usage_text, stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "checksctp: unexpected argument '%s'\n%s",
			argv[optind], usage_text);
		return -1;
	}
	return 0;
}

/* ---- kernel SCTP ---- */

static bool probe_kernel(const opts *o)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_SCTP);

	if (fd >= 0) {
		close(fd);
		say(o, "kernel SCTP: available\n");
		return true;
	}
	int e = errno;
	if (e == EPROTONOSUPPORT || e == ESOCKTNOSUPPORT || e == EAFNOSUPPORT)
		say(o,
		    "kernel SCTP: not available (%s); modprobe sctp, or use "
		    "the embedded engine\n",
		    strerror(e));
	else
		say(o, "kernel SCTP: not available (%s)\n", strerror(e));
	return false;
}

/* ---- the daemon ---- */

/* One line for a daemon that could not be asked. */
static void report_unreachable(const opts *o, const char *control, int e)
{
	switch (e) {
	case ECONNREFUSED:
	case ENOENT:
		say(o,
		    "embedded engine: no daemon at %s (withsctp starts one; or "
		    "run sctpd)\n",
		    control);
		break;
	case ETIMEDOUT:
		say(o,
		    "embedded engine: the daemon at %s does not answer within "
		    "%d s (stopped? see sctpd(8))\n",
		    control, HELLO_TIMEOUT_MS / 1000);
		break;
	case ECONNRESET:
		say(o,
		    "embedded engine: the daemon at %s closed the connection "
		    "without answering\n",
		    control);
		break;
	case EPROTO:
		say(o,
		    "embedded engine: what answers at %s is not an sctpd of "
		    "this version (restart it with this build's sctpd)\n",
		    control);
		break;
	default:
		say(o, "embedded engine: cannot reach %s: %s\n", control,
		    strerror(e));
	}
}

static bool probe_daemon(const opts *o, const wsconf *c)
{
	wsp_rep rep;

	if (wsp_hello(c->control, "checksctp", &rep, HELLO_TIMEOUT_MS) < 0) {
		report_unreachable(o, c->control, errno);
		return false;
	}
	if (rep.err == EACCES) {
		say(o, "embedded engine: %s: %s\n", c->control, rep.msg);
		if (o->verbose)
			say(o, "  serves this user (uid %u): no\n",
			    (unsigned)getuid());
		return false;
	}
	if (rep.err) {
		say(o, "embedded engine: the daemon at %s answers: %s\n",
		    c->control, rep.msg[0] ? rep.msg : strerror(rep.err));
		return false;
	}
	say(o, "embedded engine: sctpd %d answers on %s, UDP port %u\n",
	    (int)rep.val, c->control, (unsigned)rep.udp_port);
	if (o->verbose) {
		say(o, "  daemon: process %d, UDP port %u\n", (int)rep.val,
		    (unsigned)rep.udp_port);
		say(o, "  serves this user (uid %u): yes\n",
		    (unsigned)getuid());
	}
	return true;
}

/* ---- -v: the configuration ---- */

static const char *file_state(const char *path)
{
	if (access(path, R_OK) == 0)
		return "read";
	return errno == ENOENT ? "not present" : strerror(errno);
}

/* The files wsconf_load() reads, named as withsctp.conf(5) says. */
static void show_files(const opts *o)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	const char *extra = getenv(WSCONF_ENV_CONFIG);
	char user[WSCONF_PATH_MAX + 32];

	say(o, "  configuration files: %s (%s)", WSCONF_SYSTEM_FILE,
	    file_state(WSCONF_SYSTEM_FILE));
	user[0] = '\0';
	if (xdg && xdg[0] == '/')
		snprintf(user, sizeof(user), "%s/%s", xdg, WSCONF_FILE_NAME);
	else if (home && home[0])
		snprintf(user, sizeof(user), "%s/.config/%s", home,
			 WSCONF_FILE_NAME);
	if (user[0])
		say(o, ", %s (%s)", user, file_state(user));
	if (extra && extra[0])
		say(o, ", %s (%s, from %s)", extra, file_state(extra),
		    WSCONF_ENV_CONFIG);
	say(o, "\n");
}

/* "(default)", or "(from FILE:LINE)", "(from WITHSCTP_KEY)"... */
static void show_setting(const opts *o, const wsconf *c, const char *what,
			 const char *key, const char *value)
{
	const char *from = wsconf_origin(c, key);
	bool dflt = !from || !strcmp(from, "default");

	say(o, "  %s: %s (%s%s)\n", what, value, dflt ? "" : "from ",
	    dflt ? "default" : from);
}

static void show_config(const opts *o, const wsconf *c)
{
	char port[16];

	snprintf(port, sizeof(port), "%u", (unsigned)c->udp_port);
	show_setting(o, c, "control address", "control", c->control);
	show_setting(o, c, "configured UDP port", "udp_port", port);
	show_files(o);
}

static int load_config(const opts *o, wsconf *c)
{
	char err[512];

	if (wsconf_load(c, NULL, NULL, 0, err, sizeof(err)) < 0 ||
	    (o->control && wsconf_set(c, "control", o->control, "option -c",
				      err, sizeof(err)) < 0)) {
		if (!o->quiet)
			fprintf(stderr, "checksctp: %s\n", err);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	opts o = {0};
	static wsconf c; /* about 13 KiB */

	if (parse_opts(argc, argv, &o) < 0 || load_config(&o, &c) < 0)
		return 2;
	bool kernel = probe_kernel(&o);
	bool daemon = probe_daemon(&o, &c);
	if (o.verbose)
		show_config(&o, &c);
	return kernel || daemon ? 0 : 1;
}
