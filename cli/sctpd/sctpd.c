/*
 * sctpd.c - the withsctp daemon: options, daemonizing, logging, signals,
 * idle exit.  See sctpd(8) and DESIGN.md §2.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"
#include "ends.h"
#include "limit.h"
#include "log.h"
#include "port.h"
#include "sctpd.h"
#include "native.h"
#include "sock.h"

#define STOP_GRACE_MS 5000
#define RBUF_LEN (256 * 1024)
#define HASH_SLOTS 4096

/* Opens (or, on SIGHUP, reopens) the log: --log's file, or the default
 * place chosen afresh each time (the one used before may be gone). */
static int log_open(sctpd *d, char *err, size_t errlen)
{
	int fd;

	if (d->log_default) {
		fd = sd_log_open_default(d->uid, d->log_path,
					 sizeof(d->log_path), err, errlen);
		if (fd < 0)
			return -1;
	} else if (!d->log_path[0]) {
		return 0;
	} else {
		fd = open(d->log_path,
			  O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	}
	if (fd < 0) {
		snprintf(err, errlen,
			 "log file %.300s: %s (choose another "
			 "with --log)",
			 d->log_path, strerror(errno));
		return -1;
	}
	if (d->log_fd > 2)
		close(d->log_fd);
	d->log_fd = fd;
	return 0;
}

/* ---- idle exit and stop ---- */

static void on_idle(loop *l, loop_timer *t, void *arg)
{
	sctpd *d = arg;

	(void)t;
	if (d->nsocks || d->nclients)
		return;
	sd_log(d, LOG_INFO_, "idle for %u s: exiting", d->idle_secs);
	loop_stop(l);
}

/* Re-evaluates the idle timer (and ends a stop once the last socket is
 * gone): run before each sleep, so no other file needs to call back here. */
static void idle_check(sctpd *d)
{
	if (d->stopping) {
		if (!d->nsocks)
			loop_stop(d->l);
		return;
	}
	if (!d->idle_secs)
		return;
	if (d->nsocks || d->nclients)
		loop_timer_cancel(d->l, &d->idle_t);
	else if (!loop_timer_armed(&d->idle_t))
		loop_timer_set(d->l, &d->idle_t,
			       loop_now(d->l) +
				   (esctp_tstamp)d->idle_secs * ESCTP_SECOND);
}

static void on_stop_timer(loop *l, loop_timer *t, void *arg)
{
	sctpd *d = arg;

	(void)t;
	sd_log(d, LOG_WARN_, "%u sockets still closing after %d ms: aborted",
	       d->nsocks, STOP_GRACE_MS);
	sd_sock_free_all(d);
	loop_stop(l);
}

static void stop(sctpd *d)
{
	if (d->stopping)
		return;
	d->stopping = true;
	sd_ctl_close(d);
	sd_sock_shutdown_all(d);
	loop_timer_set(d->l, &d->stop_t,
		       loop_now(d->l) + STOP_GRACE_MS * ESCTP_MS);
}

static void on_signal(loop *l, int fd, unsigned events, void *arg)
{
	sctpd *d = arg;
	struct signalfd_siginfo si;

	(void)l;
	(void)events;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			char err[256];
			if (log_open(d, err, sizeof(err)) < 0)
				sd_log(d, LOG_ERR_, "%s", err);
			continue;
		}
		sd_log(d, LOG_INFO_, "signal %d: shutting %u sockets down",
		       (int)si.ssi_signo, d->nsocks);
		stop(d);
	}
}

static void on_sweep(loop *l, loop_timer *t, void *arg)
{
	(void)l;
	(void)t;
	sd_sweep(arg);
}

static void on_autoclose(loop *l, loop_timer *t, void *arg)
{
	(void)l;
	(void)t;
	sd_native_autoclose(arg);
}

static void on_hold(loop *l, loop_timer *t, void *arg)
{
	(void)l;
	(void)t;
	sd_native_hold_expire(arg);
}

static void on_again(loop *l, loop_timer *t, void *arg)
{
	(void)l;
	(void)t;
	sd_nchan_run_again(arg);
}

static void before_sleep(loop *l, void *arg)
{
	sctpd *d = arg;

	(void)l;
	host_pump(d->h);
	sd_port_reap(d);
	if (d->stop_requested)
		stop(d);
	idle_check(d);
}

/* ---- start-up ---- */

typedef struct opts {
	bool foreground;
	const char *control;
	unsigned udp_port;
	const char *log_path;
	int log_level;
	unsigned idle;
	bool allow_all;
	long max_user_socks; /* -1: the default (sd_limit_default) */
} opts;

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: sctpd [options]\n"
	    "  -f, --foreground     stay in the foreground (log to stderr)\n"
	    "  -c, --control ADDR   control socket: @NAME (abstract) or a "
	    "path (@withsctp)\n"
	    "  -u, --udp-port PORT  UDP encapsulation port (9899)\n"
	    "  -L, --log FILE       log file\n"
	    "  -l, --log-level L    error, warn, info or debug (info)\n"
	    "  -i, --idle SECS      exit after SECS idle seconds (0: never)\n"
	    "  -a, --allow-all      serve every user (system service)\n"
	    "      --max-sockets-per-user N\n"
	    "                       sockets a user other than root and the\n"
	    "                       daemon's may hold (0: no cap; default a\n"
	    "                       quarter of the descriptor limit)\n"
	    "  -h, --help           this text\n"
	    "  -V, --version        the version\n"
	    "See sctpd(8).\n");
}

static int parse_opts(int argc, char **argv, opts *o)
{
	enum { OPT_MAX_USER = 256 };
	static const struct option lo[] = {
	    {"foreground", no_argument, NULL, 'f'},
	    {"control", required_argument, NULL, 'c'},
	    {"udp-port", required_argument, NULL, 'u'},
	    {"log", required_argument, NULL, 'L'},
	    {"log-level", required_argument, NULL, 'l'},
	    {"idle", required_argument, NULL, 'i'},
	    {"allow-all", no_argument, NULL, 'a'},
	    {"max-sockets-per-user", required_argument, NULL, OPT_MAX_USER},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0}};
	int c;
	char *end;

	while ((c = getopt_long(argc, argv, "fc:u:L:l:i:ahV", lo, NULL)) !=
	       -1) {
		switch (c) {
		case 'f':
			o->foreground = true;
			break;
		case 'c':
			if (!optarg[0] || strlen(optarg) >= SD_CONTROL_MAX) {
				fprintf(stderr, "sctpd: --control: empty or "
						"longer than 107 bytes\n");
				return 2;
			}
			o->control = optarg;
			break;
		case 'u':
			o->udp_port = (unsigned)strtoul(optarg, &end, 10);
			if (*end || !o->udp_port || o->udp_port > 65535) {
				fprintf(stderr,
					"sctpd: --udp-port: '%s' is "
					"not a port (1-65535)\n",
					optarg);
				return 2;
			}
			break;
		case 'L':
			o->log_path = optarg;
			break;
		case 'l':
			o->log_level = sd_log_level(optarg);
			if (o->log_level < 0) {
				fprintf(stderr,
					"sctpd: --log-level: '%s' is "
					"not error, warn, info or "
					"debug\n",
					optarg);
				return 2;
			}
			break;
		case 'i':
			o->idle = (unsigned)strtoul(optarg, &end, 10);
			if (*end || !optarg[0]) {
				fprintf(stderr,
					"sctpd: --idle: '%s' is not "
					"a number of seconds\n",
					optarg);
				return 2;
			}
			break;
		case 'a':
			o->allow_all = true;
			break;
		case OPT_MAX_USER:
			errno = 0;
			o->max_user_socks = strtol(optarg, &end, 10);
			if (*end || !optarg[0] || errno ||
			    o->max_user_socks < 0 ||
			    o->max_user_socks > 0x7fffffff) {
				fprintf(stderr,
					"sctpd: --max-sockets-per-user: '%s' "
					"is not a number of sockets (0: no "
					"cap)\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("sctpd (withsctp) 0.3\n");
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sctpd: unexpected argument '%s'\n",
			argv[optind]);
		return 2;
	}
	return 0;
}

static int unpriv_port_start(void)
{
	int v = 1024;
	FILE *f = fopen("/proc/sys/net/ipv4/ip_unprivileged_port_start", "re");
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = 1024;
		fclose(f);
	}
	return v;
}

static int setup(sctpd *d, char *err, size_t errlen)
{
	/* Every emulated socket costs the daemon one fd (two while it
	 * connects): take what the hard limit allows. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	d->l = loop_new();
	d->hash = calloc(HASH_SLOTS, sizeof(*d->hash));
	d->rbuf = malloc(RBUF_LEN);
	if (!d->l || !d->hash || !d->rbuf) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	d->nhash = HASH_SLOTS;
	d->rbuf_len = RBUF_LEN;
	loop_timer_init(&d->idle_t, on_idle, d);
	loop_timer_init(&d->stop_t, on_stop_timer, d);
	loop_timer_init(&d->sweep_t, on_sweep, d);
	loop_timer_init(&d->autoclose_t, on_autoclose, d);
	loop_timer_init(&d->hold_t, on_hold, d);
	loop_timer_init(&d->again_t, on_again, d);
	host_config hc;
	host_config_default(&hc);
	hc.udp.port = (uint16_t)d->udp_port;
	d->h = host_new(d->l, &hc, err, errlen);
	if (!d->h)
		return -1;
	loop_set_before_sleep(d->l, before_sleep, d);
	sd_sock_init(d);
	if (sd_ctl_open(d, err, errlen) < 0)
		return -1;
	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->sig_fd = signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->sig_fd < 0 ||
	    loop_fd_set(d->l, d->sig_fd, LOOP_READ, on_signal, d) < 0) {
		snprintf(err, errlen, "signalfd: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Forks; the parent waits until the child is ready (or says why not) so
 * that its exit status tells whoever started it. */
static int daemonize(int *notify)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(p[1]);
		char msg[512];
		ssize_t n = read(p[0], msg, sizeof(msg) - 1);
		if (n > 0 && msg[0] == '+')
			_exit(0);
		if (n > 1) {
			msg[n] = '\0';
			fprintf(stderr, "sctpd: %s\n", msg + 1);
		} else {
			fprintf(stderr,
				"sctpd: the daemon died while starting\n");
		}
		_exit(1);
	}
	close(p[0]);
	setsid();
	/* A daemon keeps no file of whoever started it: a pipe held open
	 * would keep its reader (a shell, a test harness) waiting for EOF. */
	int keep = p[1];
	if (keep > 3)
		close_range(3, (unsigned)keep - 1, 0);
	close_range((unsigned)keep + 1, ~0U, 0);
	*notify = keep;
	return 0;
}

static void notify_parent(int fd, const char *msg)
{
	if (fd < 0)
		return;
	ssize_t w = write(fd, msg, strlen(msg));
	(void)w;
	close(fd);
}

int main(int argc, char **argv)
{
	opts o = {.control = "@withsctp",
		  .udp_port = 9899,
		  .log_level = 2,
		  .max_user_socks = -1};
	int rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc;
	sctpd d = {.log_level = o.log_level,
		   .log_fd = 2,
		   .ctl_fd = -1,
		   .sig_fd = -1,
		   .ends_fd = -1,
		   .udp_port = (uint16_t)o.udp_port,
		   .uid = getuid(),
		   .allow_all = o.allow_all,
		   .idle_secs = o.idle};
	snprintf(d.control, sizeof(d.control), "%s", o.control);
	d.unpriv_port = unpriv_port_start();
	if (o.log_path)
		snprintf(d.log_path, sizeof(d.log_path), "%s", o.log_path);
	else
		d.log_default = !o.foreground;
	char err[512];
	int notify = -1;
	if (!o.foreground && daemonize(&notify) < 0) {
		fprintf(stderr, "sctpd: fork: %s\n", strerror(errno));
		return 1;
	}
	d.pid = getpid();
	if (log_open(&d, err, sizeof(err)) < 0 ||
	    setup(&d, err, sizeof(err)) < 0) {
		if (notify >= 0) {
			char m[520];
			snprintf(m, sizeof(m), "-%s", err);
			notify_parent(notify, m);
		} else {
			fprintf(stderr, "sctpd: %s\n", err);
		}
		return 1;
	}
	/* The default follows the descriptor limit setup() raised. */
	d.max_user_socks = o.max_user_socks < 0 ? sd_limit_default()
						: (unsigned)o.max_user_socks;
	char cap[96] = "no cap on sockets per user";
	if (d.max_user_socks && d.uid)
		snprintf(
		    cap, sizeof(cap),
		    "at most %u sockets per user (root and uid %u: no cap)",
		    d.max_user_socks, (unsigned)d.uid);
	else if (d.max_user_socks)
		snprintf(cap, sizeof(cap),
			 "at most %u sockets per user (root: no cap)",
			 d.max_user_socks);
	sd_log(&d, LOG_INFO_,
	       "started: control %s, UDP port %u, %s, idle %u s, %s", d.control,
	       d.udp_port,
	       d.allow_all ? "serving every user" : "serving its user and root",
	       d.idle_secs, cap);
	if (notify >= 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			if (d.log_fd != 2)
				dup2(null, 2);
			close(null);
		}
		notify_parent(notify, "+");
	}
	loop_run(d.l);
	sd_log(&d, LOG_INFO_, "stopped");
	sd_sock_free_all(&d);
	sd_port_reap(&d);
	sd_ctl_close(&d);
	sd_limit_free(&d);
	host_free(d.h);
	loop_free(d.l);
	sd_ends_close(&d);
	free(d.hash);
	free(d.rbuf);
	free(d.again);
	return 0;
}
