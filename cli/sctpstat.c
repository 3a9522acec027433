/*
 * sctpstat - list the sockets and associations of sctpd, as ss(8) does for
 * TCP (man/sctpstat.8).  One WSP_LIST request on the control address
 * (wsproto.h): the daemon answers with one wsp_stat per socket the caller
 * may see, then a wsp_rep.
 *
 * Exit 0 on success, 1 when the daemon cannot be reached or refuses us,
 * 2 on bad usage or a bad configuration.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <poll.h>
#include <pwd.h>
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

/* The daemon sends the whole list at once; this bounds a stopped one. */
#define LIST_TIMEOUT_MS 5000

typedef struct opts {
	bool listening; /* -l */
	bool all;	/* -a */
	bool extended;	/* -e */
	const char *control;
} opts;

/* What came back for WSP_LIST. */
typedef struct listing {
	wsp_stat *st;
	size_t n, cap;
	wsp_rep rep;
} listing;

enum {
	COL_STATE,
	COL_TYPE,
	COL_LOCAL,
	COL_PEER,
	COL_STREAMS,
	COL_PROC,
	COL_USER,
	NCOLS
};

/* One line of the table, formatted. */
typedef struct row {
	char col[NCOLS][96];
	const wsp_stat *st;
} row;

static const char usage_text[] =
    "usage: sctpstat [-c CONTROL] [-l] [-a] [-n] [-e]\n"
    "See sctpstat(8).\n";

static const char help_text[] =
    "usage: sctpstat [-c CONTROL] [-l] [-a] [-n] [-e]\n"
    "Lists the sockets and associations of sctpd, as ss(8) does for TCP.\n"
    "  -c, --control ADDR  the daemon at ADDR (@NAME or a path)\n"
    "  -l, --listening     listening sockets only\n"
    "  -a, --all           also sockets closing or closed\n"
    "  -n, --numeric       numeric output (always)\n"
    "  -e, --extended      counters, RTO, SRTT, cwnd... per association\n"
    "  -h, --help          this text\n"
    "  -V, --version       the version\n"
    "See sctpstat(8).\n";

/* "+": stop at the first argument; ":": tell a missing argument apart. */
#define OPTSTRING "+:c:lanehV"

static int parse_opts(int argc, char **argv, opts *o)
{
	static const struct option lo[] = {
	    {"control", required_argument, NULL, 'c'},
	    {"listening", no_argument, NULL, 'l'},
	    {"all", no_argument, NULL, 'a'},
	    {"numeric", no_argument, NULL, 'n'},
	    {"extended", no_argument, NULL, 'e'},
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
		case 'c':
			o->control = optarg;
			break;
		case 'l':
			o->listening = true;
			break;
		case 'a':
			o->all = true;
			break;
		case 'n': /* always numeric */
			break;
		case 'e':
			o->extended = true;
			break;
		case 'h':
			fputs(help_text, stdout);
			exit(0);
		case 'V':
			printf("sctpstat (withsctp) 0.3\n");
			exit(0);
		default:
			cli_bad_option("sctpstat", c, optopt,
				       at < argc ? argv[at] : NULL);
			fputs(usage_text, stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sctpstat: unexpected argument '%s'\n%s",
			argv[optind], usage_text);
		return -1;
	}
	return 0;
}

/* ---- talking to the daemon ---- */

/* Connects to the control address ("@NAME" or a path; wsconf keeps it
 * shorter than sun_path).  Returns the fd, or -1 with errno set. */
static int ctl_connect(const char *control)
{
	/* Non-blocking: a full backlog fails with EAGAIN instead of
	 * hanging. */
	return wsp_control_connect(control, SOCK_NONBLOCK);
}

/* Reads one datagram within LIST_TIMEOUT_MS.  Returns its length (0: the
 * daemon closed the connection), or -1 with errno (ETIMEDOUT). */
static ssize_t recv_within(int fd, void *buf, size_t len)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int r;

	while ((r = poll(&p, 1, LIST_TIMEOUT_MS)) < 0 && errno == EINTR)
		;
	if (r <= 0) {
		if (r == 0)
			errno = ETIMEDOUT;
		return -1;
	}
	return recv(fd, buf, len, 0);
}

static int listing_add(listing *l, const wsp_stat *st)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		wsp_stat *p = realloc(l->st, cap * sizeof(*p));
		if (!p)
			return -1;
		l->st = p;
		l->cap = cap;
	}
	l->st[l->n++] = *st;
	return 0;
}

/* Reads wsp_stat datagrams up to the closing wsp_rep into *l.  Returns 0,
 * or -1 with errno: ETIMEDOUT, ECONNRESET (closed early), EPROTO (a
 * datagram of another build), ENOMEM. */
static int read_listing(int fd, listing *l)
{
	/* Room for the larger of the two, and one byte more. */
	union {
		wsp_stat st;
		wsp_rep rep;
		char raw[sizeof(wsp_rep) + sizeof(wsp_stat) + 1];
	} u;

	for (;;) {
		ssize_t n = recv_within(fd, &u, sizeof(u));
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = ECONNRESET;
			return -1;
		}
		if ((size_t)n == sizeof(u.rep) && u.rep.magic == WSP_MAGIC) {
			l->rep = u.rep;
			l->rep.msg[sizeof(l->rep.msg) - 1] = '\0';
			return 0;
		}
		if ((size_t)n != sizeof(u.st) || u.st.magic != WSP_MAGIC) {
			errno = EPROTO;
			return -1;
		}
		if (listing_add(l, &u.st) < 0)
			return -1;
	}
}

/* Sends WSP_LIST and reads the answer.  Returns 0 (l->rep.err may say the
 * daemon refuses us), or -1 with errno (the connect() error, or see
 * read_listing). */
static int fetch(const char *control, listing *l)
{
	wsp_req q = {.magic = WSP_MAGIC, .op = WSP_LIST};
	int fd = ctl_connect(control);

	if (fd < 0)
		return -1;
	snprintf(q.comm, sizeof(q.comm), "sctpstat");
	int r = send(fd, &q, sizeof(q), MSG_NOSIGNAL) < 0 ? -1
							  : read_listing(fd, l);
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

static void report_fetch_error(const char *control, int e)
{
	switch (e) {
	case ETIMEDOUT:
		fprintf(stderr,
			"sctpstat: sctpd at %s does not answer within %d s "
			"(stopped? see sctpd(8))\n",
			control, LIST_TIMEOUT_MS / 1000);
		break;
	case ECONNRESET:
		fprintf(stderr,
			"sctpstat: sctpd at %s closed the connection before "
			"the list was complete\n",
			control);
		break;
	case EPROTO:
		fprintf(stderr,
			"sctpstat: what answers at %s is not an sctpd of this "
			"version (restart it with this build's sctpd)\n",
			control);
		break;
	case ENOMEM:
		fprintf(stderr, "sctpstat: out of memory\n");
		break;
	default:
		fprintf(stderr,
			"sctpstat: no sctpd at %s: %s (is a withsctp program "
			"running? see sctpd(8))\n",
			control, strerror(e));
	}
}

/* ---- the table ---- */

static const char *state_name(int32_t state)
{
	static const char *const names[] = {
	    [WSP_ST_NEW] = "NEW",	    [WSP_ST_BOUND] = "BOUND",
	    [WSP_ST_LISTEN] = "LISTEN",	    [WSP_ST_CONNECTING] = "CONNECTING",
	    [WSP_ST_ESTABLISHED] = "ESTAB", [WSP_ST_CLOSING] = "CLOSING",
	    [WSP_ST_CLOSED] = "CLOSED",
	};

	if (state < 0 || (size_t)state >= sizeof(names) / sizeof(names[0]))
		return "UNKNOWN";
	return names[state];
}

/* What the program asked for: a TCP socket it runs over SCTP, or one of
 * its own SCTP sockets (sctp(7)'s styles). */
static const char *kind_name(const wsp_stat *st)
{
	switch (st->kind) {
	case WSP_K_SCTP_STREAM:
		return "1-to-1";
	case WSP_K_SCTP_SEQPACKET:
		return "1-to-many";
	case WSP_K_SCTP_PEELED:
		return "peeled";
	}
	return "tcp";
}

static bool wanted(const opts *o, const wsp_stat *st)
{
	if (o->all)
		return true;
	if (o->listening)
		return st->state == WSP_ST_LISTEN;
	return st->state == WSP_ST_LISTEN || st->state == WSP_ST_CONNECTING ||
	       st->state == WSP_ST_ESTABLISHED;
}

/* "ADDR:PORT", "[ADDR6%IF]:PORT", or "*:*" for no address; port 0 is
 * "*", as ss(8) shows it. */
static void format_addr(const wsp_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN], port[8], scope[IF_NAMESIZE + 12] = "";

	snprintf(port, sizeof(port), "%u", (unsigned)a->port);
	if (!a->port)
		snprintf(port, sizeof(port), "*");
	if (a->family == AF_INET && inet_ntop(AF_INET, a->ip, ip, sizeof(ip))) {
		snprintf(buf, len, "%s:%s", ip, port);
		return;
	}
	if (a->family != AF_INET6 ||
	    !inet_ntop(AF_INET6, a->ip, ip, sizeof(ip))) {
		snprintf(buf, len, "*:*");
		return;
	}
	char ifname[IF_NAMESIZE];
	if (a->scope && if_indextoname(a->scope, ifname))
		snprintf(scope, sizeof(scope), "%%%s", ifname);
	else if (a->scope)
		snprintf(scope, sizeof(scope), "%%%u", (unsigned)a->scope);
	snprintf(buf, len, "[%s%s]:%s", ip, scope, port);
}

static void format_row(const wsp_stat *st, row *r)
{
	char comm[sizeof(st->comm) + 1];
	const struct passwd *pw = getpwuid(st->uid);

	r->st = st;
	snprintf(r->col[COL_STATE], sizeof(r->col[0]), "%s",
		 state_name(st->state));
	snprintf(r->col[COL_TYPE], sizeof(r->col[0]), "%s", kind_name(st));
	format_addr(&st->local, r->col[COL_LOCAL], sizeof(r->col[0]));
	format_addr(&st->peer, r->col[COL_PEER], sizeof(r->col[0]));
	if (st->engine_state[0] && (st->in_streams || st->out_streams))
		snprintf(r->col[COL_STREAMS], sizeof(r->col[0]), "%u/%u",
			 (unsigned)st->in_streams, (unsigned)st->out_streams);
	else
		snprintf(r->col[COL_STREAMS], sizeof(r->col[0]), "-");
	memcpy(comm, st->comm, sizeof(st->comm));
	comm[sizeof(st->comm)] = '\0';
	snprintf(r->col[COL_PROC], sizeof(r->col[0]), "%s[%d]",
		 comm[0] ? comm : "?", (int)st->pid);
	if (pw)
		snprintf(r->col[COL_USER], sizeof(r->col[0]), "%s",
			 pw->pw_name);
	else
		snprintf(r->col[COL_USER], sizeof(r->col[0]), "%u",
			 (unsigned)st->uid);
}

/* Listeners next to the associations they accepted: by local port, then
 * LISTEN first, then by peer port. */
static int row_cmp(const void *a, const void *b)
{
	const wsp_stat *x = ((const row *)a)->st, *y = ((const row *)b)->st;

	if (x->local.port != y->local.port)
		return x->local.port < y->local.port ? -1 : 1;
	if ((x->state == WSP_ST_LISTEN) != (y->state == WSP_ST_LISTEN))
		return x->state == WSP_ST_LISTEN ? -1 : 1;
	if (x->peer.port != y->peer.port)
		return x->peer.port < y->peer.port ? -1 : 1;
	return 0;
}

/* The notifications a native socket subscribed to (SCTP_EVENTS order). */
static void print_events(const wsp_stat *st)
{
	static const char *const names[] = {
	    "data_io",	   "association", "address",	"send_failure",
	    "peer_error",  "shutdown",	  "partial_delivery",
	    "adaptation",  "authentication", "sender_dry", "stream_reset",
	    "assoc_reset", "stream_change",  "send_failure_event"};
	const char *sep = "";

	printf("	 assoc:%d events:", (int)st->assoc);
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (st->subscribe & (1u << i)) {
			printf("%s%s", sep, names[i]);
			sep = ",";
		}
	printf("%s\n", *sep ? "" : "none");
}

static void print_extended(const wsp_stat *st)
{
	if (st->kind != WSP_K_TCP)
		print_events(st);
	if (!st->engine_state[0])
		return; /* no association */
	printf(
	    "\t bytes_in:%llu bytes_out:%llu msgs_in:%llu msgs_out:%llu "
	    "retrans:%llu rto:%u srtt:%u cwnd:%u flight:%u rwnd:%u "
	    "paths:%u\n",
	    (unsigned long long)st->bytes_in, (unsigned long long)st->bytes_out,
	    (unsigned long long)st->msgs_in, (unsigned long long)st->msgs_out,
	    (unsigned long long)st->retransmits, (unsigned)st->rto_ms,
	    (unsigned)st->srtt_ms, (unsigned)st->cwnd, (unsigned)st->flight,
	    (unsigned)st->peer_rwnd, (unsigned)st->npaths);
}

static void print_table(const opts *o, row *rows, size_t n)
{
	static const char *const head[NCOLS] = {"State",
						"Type",
						"Local Address:Port",
						"Peer Address:Port",
						"Streams",
						"Process",
						"User"};
	/* The narrowest columns, as in the manual's example. */
	static const int min[NCOLS] = {9, 0, 21, 20, 0, 0, 0};
	int w[NCOLS];

	for (int c = 0; c < NCOLS; c++) {
		w[c] = (int)strlen(head[c]);
		if (w[c] < min[c])
			w[c] = min[c];
		for (size_t i = 0; i < n; i++)
			if ((int)strlen(rows[i].col[c]) > w[c])
				w[c] = (int)strlen(rows[i].col[c]);
	}
	for (int c = 0; c < NCOLS - 1; c++)
		printf("%-*s  ", w[c], head[c]);
	printf("%s\n", head[NCOLS - 1]);
	for (size_t i = 0; i < n; i++) {
		for (int c = 0; c < NCOLS - 1; c++)
			printf("%-*s  ", w[c], rows[i].col[c]);
		printf("%s\n", rows[i].col[NCOLS - 1]);
		if (o->extended)
			print_extended(rows[i].st);
	}
}

static int show(const opts *o, const listing *l)
{
	row *rows = calloc(l->n ? l->n : 1, sizeof(*rows));
	size_t n = 0;

	if (!rows) {
		fprintf(stderr, "sctpstat: out of memory\n");
		return 1;
	}
	for (size_t i = 0; i < l->n; i++)
		if (wanted(o, &l->st[i]))
			format_row(&l->st[i], &rows[n++]);
	qsort(rows, n, sizeof(*rows), row_cmp);
	print_table(o, rows, n);
	free(rows);
	return 0;
}

static int load_config(const opts *o, wsconf *c)
{
	char err[512];

	if (wsconf_load(c, NULL, NULL, 0, err, sizeof(err)) < 0 ||
	    (o->control && wsconf_set(c, "control", o->control, "option -c",
				      err, sizeof(err)) < 0)) {
		fprintf(stderr, "sctpstat: %s\n", err);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	opts o = {0};
	static wsconf c; /* about 13 KiB */
	listing l = {0};
	int rc;

	if (parse_opts(argc, argv, &o) < 0 || load_config(&o, &c) < 0)
		return 2;
	if (fetch(c.control, &l) < 0) {
		report_fetch_error(c.control, errno);
		rc = 1;
	} else if (l.rep.err == EACCES) {
		fprintf(stderr, "sctpstat: %s: %s\n", c.control, l.rep.msg);
		rc = 1;
	} else {
		if (l.rep.err) /* e.g. a truncated list: show what came */
			fprintf(stderr, "sctpstat: %s: %s\n", c.control,
				l.rep.msg[0] ? l.rep.msg : strerror(l.rep.err));
		rc = show(&o, &l) || l.rep.err ? 1 : 0;
	}
	free(l.st);
	return rc;
}
