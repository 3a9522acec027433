/*
 * esctp-peer - SCTP test services over UDP encapsulation (RFC 6951) on the
 * embedded engine: a server (daytime, echo, discard, sink, chargen) and a
 * client (daytime, echo, source, sink).  See man/esctp-peer.1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "host.h"

#define container_of(p, type, member)                                          \
	((type *)(void *)((char *)(p)-offsetof(type, member)))

enum svc {
	SVC_DAYTIME,
	SVC_ECHO,
	SVC_DISCARD,
	SVC_SINK,
	SVC_CHARGEN,
	SVC_SOURCE
};

static const struct {
	const char *name;
	uint16_t port; /* well-known SCTP port of the server */
	bool server, client;
} svcs[] = {
    [SVC_DAYTIME] = {"daytime", 13, true, true},
    [SVC_ECHO] = {"echo", 7, true, true},
    [SVC_DISCARD] = {"discard", 9, true, false},
    [SVC_SINK] = {"sink", 5001, true, true},
    [SVC_CHARGEN] = {"chargen", 19, true, false},
    [SVC_SOURCE] = {"source", 5001, false, true},
};

#define DAYTIME_PPID 40 /* what usrsctp's daytime_server uses */

typedef struct opts {
	bool server;
	enum svc svc;
	const char *host;
	uint16_t sctp_port, local_sctp_port;
	uint16_t udp_port, remote_udp_port;
	bool udp_port_set;
	uint32_t length;
	uint64_t count, bytes;
	double duration, timeout;
	uint16_t streams, mtu;
	uint32_t rcvbuf, sndbuf;
	bool unordered, nagle, once, no_hash, verbose;
} opts;

typedef struct conn conn;

typedef struct app {
	host_handler hd; /* the endpoint's handler */
	opts o;
	loop *l;
	host *h;
	host_ep *e;
	conn *conns;
	int failures, finished;
	uint8_t *base; /* message pattern, o.length bytes */
	uint8_t *rbuf; /* read buffer */
	size_t rbuf_len;
	loop_timer timeout, stop_sending;
	bool sending_over; /* -T elapsed */
	int status;
} app;

struct conn {
	host_handler hd; /* the association's handler */
	app *app;
	conn *next;
	esctp_assoc *a;
	EVP_MD_CTX *sha;
	esctp_tstamp t_up, t_end;
	uint64_t msgs_sent, bytes_sent, msgs_recv, bytes_recv;
	uint64_t echo_bad;
	uint8_t *msg; /* message being reassembled (echo) */
	size_t msg_len, msg_cap;
	esctp_rcvinfo msg_info;
	bool msg_ready; /* msg holds a whole message not yet echoed */
	bool up, peer_shutdown, closing, done;
	uint16_t next_stream, nstreams;
	uint32_t chargen_pos;
	uint64_t failed_msgs, failed_bytes; /* SEND_FAILED events */
	uint8_t *seen;	  /* echo client: bitmap of messages echoed */
	uint64_t *last_k; /* echo client: per stream, last message + 1 */
};

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "esctp-peer: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(2);
}

/* ---- logging ---- */

static const char *ev_name(esctp_event_type t)
{
	static const char *const n[] = {"NONE",
					"COMM_UP",
					"COMM_LOST",
					"RESTART",
					"SHUTDOWN_COMP",
					"CANT_START",
					"PEER_ADDR_CHANGE",
					"SEND_FAILED",
					"PARTIAL_DELIVERY_ABORTED",
					"DATA",
					"SHUTDOWN",
					"REMOTE_ERROR",
					"SENDER_DRY",
					"ACCEPT"};
	return (unsigned)t < sizeof(n) / sizeof(n[0]) ? n[t] : "?";
}

static void log_event(const app *ap, const esctp_event *ev)
{
	char a[64];

	if (!ap->o.verbose)
		return;
	fprintf(stderr, "event %s", ev_name(ev->type));
	if (ev->assoc)
		fprintf(stderr, " state=%s",
			esctp_state_name(esctp_assoc_state(ev->assoc)));
	if (ev->type == ESCTP_EV_DATA)
		fprintf(stderr, " stream=%u ssn=%u tsn=%u len=%u flags=%#x",
			ev->stream, ev->ssn, ev->tsn, ev->len, ev->flags);
	if (ev->error)
		fprintf(stderr, " error=%s", esctp_strerror(ev->error));
	if (ev->cause)
		fprintf(stderr, " cause=%u", ev->cause);
	if (ev->type == ESCTP_EV_PEER_ADDR_CHANGE)
		fprintf(stderr, " addr=%s state=%d",
			udp_addr_str(&ev->addr, a, sizeof(a)), ev->path_state);
	fputc('\n', stderr);
}

static const char *peer_str(const conn *c, char *buf, size_t len)
{
	esctp_status st;

	esctp_assoc_status(c->a, &st);
	if (!st.npaths)
		return "(unknown)";
	return udp_addr_str(&st.paths[0].addr, buf, len);
}

/* ---- message pattern: message k is base with k in its first bytes ---- */

static void make_base(app *ap)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;

	ap->base = malloc(ap->o.length ? ap->o.length : 1);
	if (!ap->base)
		die("%s", "out of memory");
	for (uint32_t i = 0; i < ap->o.length; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		ap->base[i] = (uint8_t)x;
	}
}

static void stamp(uint8_t *msg, uint32_t len, uint64_t k)
{
	for (uint32_t i = 0; i < len && i < 8; i++)
		msg[i] = (uint8_t)(k >> (8 * i));
}

static uint64_t read_stamp(const uint8_t *msg, size_t len)
{
	uint64_t k = 0;

	for (size_t i = 0; i < len && i < 8; i++)
		k |= (uint64_t)msg[i] << (8 * i);
	return k;
}

/* ---- connections ---- */

static void hash_update(conn *c, const void *p, size_t n)
{
	if (c->sha)
		EVP_DigestUpdate(c->sha, p, n);
}

static const char *hash_hex(conn *c, char out[65])
{
	uint8_t md[32];
	unsigned int len = 0;

	if (!c->sha)
		return "-";
	EVP_DigestFinal_ex(c->sha, md, &len);
	for (unsigned i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
	return out;
}

static void conn_on_event(host_handler *self, host_ep *e,
			  const esctp_event *ev);

static conn *conn_new(app *ap, esctp_assoc *a)
{
	conn *c = calloc(1, sizeof(*c));

	if (!c)
		die("%s", "out of memory");
	c->hd.on_event = conn_on_event;
	c->app = ap;
	c->a = a;
	c->nstreams = ap->o.streams;
	bool hashed = ap->o.svc == SVC_SINK || ap->o.svc == SVC_SOURCE ||
		      ap->o.svc == SVC_CHARGEN;
	if (hashed && !ap->o.no_hash) {
		c->sha = EVP_MD_CTX_new();
		if (!c->sha || !EVP_DigestInit_ex(c->sha, EVP_sha256(), NULL))
			die("%s", "cannot initialise SHA-256");
	}
	c->next = ap->conns;
	ap->conns = c;
	esctp_assoc_set_user(a, &c->hd);
	return c;
}

static void conn_unlink(conn *c)
{
	for (conn **p = &c->app->conns; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			return;
		}
}

static double conn_seconds(const conn *c)
{
	esctp_tstamp end = c->t_end ? c->t_end : host_now(c->app->h);

	if (!c->t_up || end <= c->t_up)
		return 0;
	return (double)(end - c->t_up) / 1e9;
}

/* One line per finished association, key=value for scripts. */
static void conn_report(conn *c)
{
	app *ap = c->app;
	char hex[65], peer[64];
	double s = conn_seconds(c);
	bool sent = ap->o.svc == SVC_SOURCE || ap->o.svc == SVC_CHARGEN;
	uint64_t bytes = sent ? c->bytes_sent : c->bytes_recv;
	uint64_t msgs = sent ? c->msgs_sent : c->msgs_recv;

	switch (ap->o.svc) {
	case SVC_SINK:
	case SVC_SOURCE:
	case SVC_CHARGEN:
	case SVC_DISCARD:
		printf("%s: peer=%s bytes=%llu messages=%llu seconds=%.3f "
		       "MB/s=%.1f sha256=%s\n",
		       svcs[ap->o.svc].name, peer_str(c, peer, sizeof(peer)),
		       (unsigned long long)bytes, (unsigned long long)msgs, s,
		       s > 0 ? (double)bytes / s / 1e6 : 0.0, hash_hex(c, hex));
		break;
	case SVC_ECHO:
		printf("echo: peer=%s sent=%llu echoed=%llu bytes=%llu "
		       "mismatches=%llu\n",
		       peer_str(c, peer, sizeof(peer)),
		       (unsigned long long)c->msgs_sent,
		       (unsigned long long)c->msgs_recv,
		       (unsigned long long)c->bytes_recv,
		       (unsigned long long)c->echo_bad);
		break;
	case SVC_DAYTIME:
		break;
	}
	fflush(stdout);
}

/* Did the service do its job? (checked once the association is closed) */
static bool conn_succeeded(const conn *c)
{
	const opts *o = &c->app->o;

	if (o->server)
		return o->svc != SVC_ECHO || c->msgs_sent == c->msgs_recv;
	switch (o->svc) {
	case SVC_DAYTIME:
		return c->bytes_recv > 0;
	case SVC_ECHO:
		return c->echo_bad == 0 && c->msgs_recv == o->count;
	case SVC_SOURCE:
		return o->duration > 0 || c->msgs_sent == o->count;
	default:
		return true;
	}
}

static void conn_finish(conn *c, bool graceful)
{
	app *ap = c->app;

	if (c->done)
		return;
	c->done = true;
	c->t_end = c->t_end ? c->t_end : host_now(ap->h);
	bool ok = graceful && conn_succeeded(c) && !c->failed_msgs;
	conn_report(c);
	if (c->failed_msgs)
		fprintf(stderr,
			"esctp-peer: %llu messages (%llu bytes) were not "
			"delivered\n",
			(unsigned long long)c->failed_msgs,
			(unsigned long long)c->failed_bytes);
	if (!ok) {
		ap->failures++;
		fprintf(stderr, "esctp-peer: %s %s failed\n",
			svcs[ap->o.svc].name,
			ap->o.server ? "server" : "client");
	}
	ap->finished++;
	conn_unlink(c);
	esctp_assoc_free(c->a);
	if (c->sha)
		EVP_MD_CTX_free(c->sha);
	free(c->msg);
	free(c->seen);
	free(c->last_k);
	free(c);
	if (!ap->o.server || ap->o.once)
		loop_stop(ap->l);
}

/* ---- sending ---- */

static int conn_send(conn *c, uint16_t stream, uint32_t ppid, const void *data,
		     size_t len)
{
	esctp_sndinfo si = {.stream = stream, .ppid = ppid};

	if (c->app->o.unordered)
		si.flags |= ESCTP_UNORDERED;
	return esctp_assoc_send(c->a, &si, data, len, host_now(c->app->h));
}

static void conn_shutdown(conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	int rc = esctp_assoc_shutdown(c->a, host_now(c->app->h));
	if (rc < 0 && c->app->o.verbose)
		fprintf(stderr, "shutdown: %s\n", esctp_strerror(rc));
}

/* A send error other than a full buffer ends the association. */
static bool send_failed(conn *c, int rc)
{
	if (rc == 0 || rc == ESCTP_ERR_AGAIN)
		return false;
	fprintf(stderr, "esctp-peer: send: %s\n", esctp_strerror(rc));
	esctp_assoc_abort(c->a, "send failed", host_now(c->app->h));
	return true;
}

static bool source_done(const conn *c)
{
	const opts *o = &c->app->o;

	return o->duration > 0 ? c->app->sending_over
			       : c->msgs_sent >= o->count;
}

/* source and echo clients: queue numbered messages while there is room. */
static void numbered_pump(conn *c)
{
	app *ap = c->app;
	uint32_t len = ap->o.length;

	while (!c->closing && !source_done(c)) {
		stamp(ap->base, len, c->msgs_sent);
		int rc = conn_send(c, c->next_stream, 0, ap->base, len);
		if (rc == ESCTP_ERR_AGAIN)
			return;
		if (send_failed(c, rc))
			return;
		if (ap->o.svc == SVC_SOURCE)
			hash_update(c, ap->base, len);
		c->msgs_sent++;
		c->bytes_sent += len;
		c->next_stream = (uint16_t)((c->next_stream + 1) % c->nstreams);
	}
	if (ap->o.svc == SVC_SOURCE && !c->closing)
		conn_shutdown(c);
}

static void chargen_pump(conn *c)
{
	app *ap = c->app;
	uint32_t len = ap->o.length;

	while (!c->peer_shutdown && !c->closing) {
		/* RFC 864 style: 72 printable characters per line, rotating. */
		for (uint32_t i = 0; i < len; i++, c->chargen_pos++) {
			uint32_t col = c->chargen_pos % 74,
				 line = c->chargen_pos / 74;
			ap->rbuf[i] = col == 72 ? '\r'
				      : col == 73
					  ? '\n'
					  : (uint8_t)(' ' + (line + col) % 95);
		}
		int rc = conn_send(c, 0, 0, ap->rbuf, len);
		if (rc == ESCTP_ERR_AGAIN) {
			c->chargen_pos -= len;
			return;
		}
		if (send_failed(c, rc))
			return;
		hash_update(c, ap->rbuf, len);
		c->msgs_sent++;
		c->bytes_sent += len;
	}
}

/* echo server: send the reassembled message back on its stream. */
static void echo_flush(conn *c)
{
	if (!c->msg_ready)
		return;
	uint16_t stream =
	    c->msg_info.stream < c->nstreams ? c->msg_info.stream : 0;
	esctp_sndinfo si = {.stream = stream,
			    .ppid = c->msg_info.ppid,
			    .flags = c->msg_info.flags & ESCTP_UNORDERED};
	int rc = esctp_assoc_send(c->a, &si, c->msg, c->msg_len,
				  host_now(c->app->h));
	if (rc == ESCTP_ERR_AGAIN)
		return;
	if (send_failed(c, rc))
		return;
	c->msgs_sent++;
	c->bytes_sent += c->msg_len;
	c->msg_ready = false;
	c->msg_len = 0;
}

/* ---- receiving ---- */

static void msg_append(conn *c, const uint8_t *p, size_t n,
		       const esctp_rcvinfo *info)
{
	if (c->msg_len == 0)
		c->msg_info = *info;
	if (c->msg_len + n > c->msg_cap) {
		size_t cap = c->msg_cap ? c->msg_cap : 65536;
		while (cap < c->msg_len + n)
			cap *= 2;
		uint8_t *m = realloc(c->msg, cap);
		if (!m)
			die("%s", "out of memory");
		c->msg = m;
		c->msg_cap = cap;
	}
	memcpy(c->msg + c->msg_len, p, n);
	c->msg_len += n;
}

/* echo client: the echo of message k must be the pattern stamped with k,
 * come back once, and (ordered) after the earlier messages of its stream.
 * Messages shorter than the 8-byte stamp are taken in arrival order. */
static bool echo_seen(conn *c, uint64_t k)
{
	if (!c->seen) {
		c->seen = calloc((size_t)(c->app->o.count / 8 + 1), 1);
		c->last_k = calloc(c->nstreams, sizeof(*c->last_k));
		if (!c->seen || !c->last_k)
			die("%s", "out of memory");
	}
	bool dup = c->seen[k / 8] & (1u << (k % 8));
	c->seen[k / 8] |= (uint8_t)(1u << (k % 8));
	uint16_t s = c->msg_info.stream < c->nstreams ? c->msg_info.stream : 0;
	bool late = !c->app->o.unordered && c->last_k[s] > k;
	c->last_k[s] = k + 1;
	return dup || late;
}

static void echo_check(conn *c)
{
	app *ap = c->app;
	uint32_t len = ap->o.length;
	uint64_t k = len >= 8 ? read_stamp(c->msg, c->msg_len) : c->msgs_recv;
	size_t head = len < 8 ? len : 8;
	uint8_t want[8];

	stamp(want, (uint32_t)head, k);
	bool ok = c->msg_len == len && k < c->msgs_sent &&
		  memcmp(c->msg, want, head) == 0 &&
		  memcmp(c->msg + head, ap->base + head, len - head) == 0 &&
		  !echo_seen(c, k);
	if (!ok) {
		c->echo_bad++;
		if (ap->o.verbose)
			fprintf(stderr, "echo: message %llu differs\n",
				(unsigned long long)k);
	}
	c->msgs_recv++;
	c->bytes_recv += c->msg_len;
	c->msg_len = 0;
	if (c->msgs_recv >= ap->o.count)
		conn_shutdown(c);
}

static void sink_check_limits(conn *c)
{
	const opts *o = &c->app->o;

	if (o->server)
		return;
	if ((o->count && c->msgs_recv >= o->count) ||
	    (o->bytes && c->bytes_recv >= o->bytes))
		conn_shutdown(c);
}

static void on_piece(conn *c, const uint8_t *p, size_t n,
		     const esctp_rcvinfo *info)
{
	const opts *o = &c->app->o;
	bool eor = info->flags & ESCTP_EOR;

	if (o->svc == SVC_ECHO) {
		msg_append(c, p, n, info);
		if (!eor)
			return;
		if (!o->server) {
			echo_check(c);
			return;
		}
		c->msgs_recv++;
		c->bytes_recv += c->msg_len;
		c->msg_ready = true;
		echo_flush(c);
		return;
	}
	if (o->svc == SVC_DAYTIME && !o->server) {
		fwrite(p, 1, n, stdout);
		fflush(stdout);
	}
	if (o->svc == SVC_SINK)
		hash_update(c, p, n);
	c->bytes_recv += n;
	c->msgs_recv += eor;
	sink_check_limits(c);
}

static void conn_read(conn *c)
{
	app *ap = c->app;
	esctp_rcvinfo info;

	/* An echo waiting for send room holds further input in the engine, so
	 * the receive window closes and the peer slows down. */
	while (!c->done && !c->msg_ready) {
		int n = esctp_assoc_recv(c->a, ap->rbuf, ap->rbuf_len, &info);
		if (n < 0)
			return;
		on_piece(c, ap->rbuf, (size_t)n, &info);
	}
}

/* ---- events ---- */

static void conn_up(conn *c)
{
	app *ap = c->app;
	esctp_status st;

	c->up = true;
	c->t_up = host_now(ap->h);
	esctp_assoc_status(c->a, &st);
	if (st.out_streams && st.out_streams < c->nstreams)
		c->nstreams = st.out_streams;
	if (ap->o.verbose) {
		char peer[64];
		fprintf(stderr,
			"association up with %s, streams in/out %u/%u\n",
			peer_str(c, peer, sizeof(peer)), st.in_streams,
			st.out_streams);
	}
	if (ap->o.server && ap->o.svc == SVC_DAYTIME) {
		char buf[80];
		time_t now = time(NULL);
		snprintf(buf, sizeof(buf), "%s", ctime(&now));
		int rc = conn_send(c, 0, htonl(DAYTIME_PPID), buf, strlen(buf));
		if (!send_failed(c, rc)) {
			c->msgs_sent++;
			c->bytes_sent += strlen(buf);
			conn_shutdown(c);
		}
	}
}

static void conn_pump(conn *c)
{
	const opts *o = &c->app->o;

	if (c->done || !c->up)
		return;
	if (o->svc == SVC_ECHO && o->server) {
		echo_flush(c);
		conn_read(c);
	} else if (!o->server && (o->svc == SVC_SOURCE || o->svc == SVC_ECHO)) {
		numbered_pump(c);
	} else if (o->server && o->svc == SVC_CHARGEN) {
		chargen_pump(c);
	}
}

static void conn_on_event(host_handler *self, host_ep *e, const esctp_event *ev)
{
	conn *c = container_of(self, conn, hd);

	(void)e;
	log_event(c->app, ev);
	switch (ev->type) {
	case ESCTP_EV_COMM_UP:
		conn_up(c);
		conn_pump(c);
		break;
	case ESCTP_EV_DATA:
		conn_read(c);
		break;
	case ESCTP_EV_SHUTDOWN:
		c->peer_shutdown = true;
		conn_read(c);
		break;
	case ESCTP_EV_SHUTDOWN_COMP:
		conn_read(c);
		conn_finish(c, true);
		break;
	case ESCTP_EV_COMM_LOST:
	case ESCTP_EV_CANT_START:
		fprintf(stderr, "esctp-peer: association %s: %s (cause %u)\n",
			ev->type == ESCTP_EV_CANT_START ? "could not start"
							: "lost",
			esctp_strerror(ev->error), ev->cause);
		conn_finish(c, false);
		break;
	case ESCTP_EV_SEND_FAILED:
		c->failed_msgs++;
		c->failed_bytes += ev->len;
		break;
	default:
		break;
	}
}

/* The endpoint's handler: new associations, and the top-up hook. */
static void app_on_event(host_handler *self, host_ep *e, const esctp_event *ev)
{
	app *ap = container_of(self, app, hd);

	if (ev->assoc && ap->o.server &&
	    (ev->type == ESCTP_EV_ACCEPT || ev->type == ESCTP_EV_COMM_UP)) {
		conn *c = conn_new(ap, ev->assoc);
		if (ev->type == ESCTP_EV_COMM_UP)
			conn_on_event(&c->hd, e, ev);
		else
			log_event(ap, ev);
		return;
	}
	log_event(ap, ev);
}

static void app_on_ready(host_handler *self, host_ep *e)
{
	app *ap = container_of(self, app, hd);

	(void)e;
	for (conn *c = ap->conns, *next; c; c = next) {
		next = c->next;
		conn_pump(c);
	}
}

/* ---- timers and signals ---- */

static void abort_all(app *ap, const char *why)
{
	for (conn *c = ap->conns; c; c = c->next)
		esctp_assoc_abort(c->a, why, host_now(ap->h));
	host_kick(ap->e);
}

static void on_timeout(loop *l, loop_timer *t, void *arg)
{
	app *ap = arg;

	(void)t;
	if (ap->conns || !ap->o.server) {
		fprintf(stderr, "esctp-peer: timed out after %g s (use -t)\n",
			ap->o.timeout);
		ap->status = 1;
		abort_all(ap, "esctp-peer timeout");
	}
	loop_stop(l);
}

static void on_stop_sending(loop *l, loop_timer *t, void *arg)
{
	app *ap = arg;

	(void)l;
	(void)t;
	ap->sending_over = true;
	for (conn *c = ap->conns; c; c = c->next)
		if (ap->o.svc == SVC_SINK && !ap->o.server)
			conn_shutdown(c);
	host_kick(ap->e);
}

static void on_signal(loop *l, int fd, unsigned events, void *arg)
{
	app *ap = arg;
	struct signalfd_siginfo si;

	(void)events;
	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return;
	if (ap->conns) {
		fprintf(stderr, "esctp-peer: interrupted, aborting\n");
		ap->status = 1;
		abort_all(ap, "esctp-peer interrupted");
	}
	loop_stop(l);
}

static int signals_open(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* ---- options ---- */

static const char usage[] =
    "usage: esctp-peer [options] server daytime|echo|discard|sink|chargen\n"
    "       esctp-peer [options] client HOST SCTP-PORT "
    "daytime|echo|source|sink\n"
    "SCTP over UDP encapsulation (RFC 6951) on the embedded engine.\n"
    "  -E, --udp-port P         local UDP port (server 9899, client 0 = "
    "any)\n"
    "  -U, --remote-udp-port P  the peer's UDP port (default 9899)\n"
    "  -p, --port P             server: SCTP port (default: the "
    "service's)\n"
    "  -P, --local-port P       client: local SCTP port (default random)\n"
    "  -l, --length L           message length (default 1024)\n"
    "  -n, --count N            messages to send or receive\n"
    "  -B, --bytes B            source/sink: bytes (rounded up to "
    "messages)\n"
    "  -T, --duration S         source/sink: seconds\n"
    "  -s, --streams N          outbound streams, used in turn (default "
    "1)\n"
    "  -u, --unordered          send unordered messages\n"
    "  -m, --mtu M              largest SCTP packet (default: per path)\n"
    "  -R, --rcvbuf B / -S, --sndbuf B   engine buffers (default 4 MiB)\n"
    "  -N, --nagle              bundle small messages (default: no "
    "delay)\n"
    "  -1, --once               server: exit after one association\n"
    "  -H, --no-hash            skip the SHA-256 of the data\n"
    "  -t, --timeout S          give up after S seconds (default 30, 0 = "
    "never)\n"
    "  -v, --verbose            log every event on stderr\n"
    "  -h, --help               this text\n"
    "Exit status: 0 when every association did its job and shut down "
    "gracefully.\n";

static uint64_t num(const char *s, const char *what, uint64_t max)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *end || v > max)
		die("bad %s (see --help)", what);
	return v;
}

static double seconds(const char *s, const char *what)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || *end || v < 0)
		die("bad %s (see --help)", what);
	return v;
}

static enum svc find_svc(const char *name, bool server)
{
	for (size_t i = 0; i < sizeof(svcs) / sizeof(svcs[0]); i++)
		if (!strcmp(svcs[i].name, name) &&
		    (server ? svcs[i].server : svcs[i].client))
			return (enum svc)i;
	fprintf(stderr, "esctp-peer: unknown %s service '%s'\n%s",
		server ? "server" : "client", name, usage);
	exit(2);
}

/* One option of getopt_long(). */
static void parse_opt(opts *o, int ch, const char *arg)
{
	switch (ch) {
	case 'E':
		o->udp_port = (uint16_t)num(arg, "UDP port", 65535);
		o->udp_port_set = true;
		break;
	case 'U':
		o->remote_udp_port =
		    (uint16_t)num(arg, "remote UDP port", 65535);
		break;
	case 'p':
		o->sctp_port = (uint16_t)num(arg, "SCTP port", 65535);
		break;
	case 'P':
		o->local_sctp_port =
		    (uint16_t)num(arg, "local SCTP port", 65535);
		break;
	case 'l':
		o->length = (uint32_t)num(arg, "length", 1u << 24);
		break;
	case 'n':
		o->count = num(arg, "count", UINT64_MAX);
		break;
	case 'B':
		o->bytes = num(arg, "byte count", UINT64_MAX);
		break;
	case 'T':
		o->duration = seconds(arg, "duration");
		break;
	case 's':
		o->streams = (uint16_t)num(arg, "streams", 65535);
		break;
	case 'u':
		o->unordered = true;
		break;
	case 'm':
		o->mtu = (uint16_t)num(arg, "MTU", 65535);
		break;
	case 'R':
		o->rcvbuf = (uint32_t)num(arg, "rcvbuf", 1u << 30);
		break;
	case 'S':
		o->sndbuf = (uint32_t)num(arg, "sndbuf", 1u << 30);
		break;
	case 'N':
		o->nagle = true;
		break;
	case '1':
		o->once = true;
		break;
	case 'H':
		o->no_hash = true;
		break;
	case 't':
		o->timeout = seconds(arg, "timeout");
		break;
	case 'v':
		o->verbose = true;
		break;
	case 'h':
		fputs(usage, stdout);
		exit(0);
	default:
		fputs(usage, stderr);
		exit(2);
	}
}

/* The words after the options: server SERVICE | client HOST PORT SERVICE. */
static void parse_words(opts *o, int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[0], "server")) {
		o->server = true;
		o->svc = find_svc(argv[1], true);
		if (!o->sctp_port)
			o->sctp_port = svcs[o->svc].port;
		if (!o->udp_port_set)
			o->udp_port = UDP_ENCAP_PORT;
	} else if (argc == 4 && !strcmp(argv[0], "client")) {
		o->host = argv[1];
		o->sctp_port = (uint16_t)num(argv[2], "SCTP port", 65535);
		o->svc = find_svc(argv[3], false);
	} else {
		fputs(usage, stderr);
		exit(2);
	}
	if (!o->streams || !o->sctp_port || (o->svc == SVC_ECHO && !o->length))
		die("%s",
		    "streams, SCTP port and echo length must be non-zero");
	if (o->bytes && o->length)
		o->count = (o->bytes + o->length - 1) / o->length;
	if (!o->server && !o->count && !o->duration &&
	    (o->svc == SVC_SOURCE || o->svc == SVC_ECHO))
		o->count = o->svc == SVC_ECHO ? 10 : 1000;
}

static void parse_opts(opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
	    {"udp-port", 1, 0, 'E'}, {"remote-udp-port", 1, 0, 'U'},
	    {"port", 1, 0, 'p'},     {"local-port", 1, 0, 'P'},
	    {"length", 1, 0, 'l'},   {"count", 1, 0, 'n'},
	    {"bytes", 1, 0, 'B'},    {"duration", 1, 0, 'T'},
	    {"streams", 1, 0, 's'},  {"unordered", 0, 0, 'u'},
	    {"mtu", 1, 0, 'm'},	     {"rcvbuf", 1, 0, 'R'},
	    {"sndbuf", 1, 0, 'S'},   {"nagle", 0, 0, 'N'},
	    {"once", 0, 0, '1'},     {"no-hash", 0, 0, 'H'},
	    {"timeout", 1, 0, 't'},  {"verbose", 0, 0, 'v'},
	    {"help", 0, 0, 'h'},     {0, 0, 0, 0}};
	int ch;

	*o = (opts){.remote_udp_port = UDP_ENCAP_PORT,
		    .length = 1024,
		    .timeout = 30,
		    .streams = 1,
		    .rcvbuf = 4u << 20,
		    .sndbuf = 4u << 20};
	while ((ch = getopt_long(argc, argv, "E:U:p:P:l:n:B:T:s:um:R:S:N1Ht:vh",
				 lo, NULL)) != -1) {
		parse_opt(o, ch, optarg);
	}
	parse_words(o, argc - optind, argv + optind);
}

/* ---- main ---- */

static void resolve(const opts *o, esctp_addr *peer)
{
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM}, *res;

	int rc = getaddrinfo(o->host, NULL, &hints, &res);
	if (rc)
		die("cannot resolve %s", o->host);
	if (udp_addr_from_sockaddr(peer, res->ai_addr, res->ai_addrlen) < 0)
		die("unsupported address family for %s", o->host);
	freeaddrinfo(res);
	peer->port = o->remote_udp_port;
}

static host_ep *start_endpoint(app *ap, const esctp_addr *peer)
{
	const opts *o = &ap->o;
	esctp_config cfg;
	uint16_t port = o->server ? o->sctp_port : o->local_sctp_port;

	while (!port) {
		const esctp_ops *ops = host_ops(ap->h);
		ops->random(ops->user, &port, sizeof(port));
		port |= 0xc000; /* the dynamic range, RFC 6335 */
	}
	host_endpoint_config(ap->h, &cfg);
	if (peer)
		cfg.mtu = host_mtu_for(ap->h, peer);
	cfg.local_port = port;
	cfg.out_streams = o->streams;
	cfg.nodelay = !o->nagle;
	cfg.sndbuf = o->sndbuf;
	uint32_t limit = (uint32_t)(host_udp(ap->h)->rcvbuf / 2);
	cfg.rcvbuf = o->rcvbuf < limit || !limit ? o->rcvbuf : limit;
	if (cfg.max_message < o->length)
		cfg.max_message = o->length;
	esctp_endpoint *ep = esctp_endpoint_new(&cfg, host_ops(ap->h));
	if (!ep)
		die("%s",
		    "cannot create the SCTP endpoint (bad configuration?)");
	host_ep *e = host_add_endpoint(ap->h, ep, port, &ap->hd);
	if (!e)
		die("SCTP port in use: %s", strerror(errno));
	return e;
}

static void start_client(app *ap, const esctp_addr *peer)
{
	esctp_assoc *a;

	int rc = esctp_endpoint_connect(host_ep_endpoint(ap->e), peer, 1,
					ap->o.sctp_port, host_now(ap->h), &a);
	if (rc < 0)
		die("connect: %s", esctp_strerror(rc));
	conn_new(ap, a);
	host_kick(ap->e);
}

static void start_timers(app *ap, int sigfd)
{
	esctp_tstamp now = loop_now(ap->l);

	loop_timer_init(&ap->timeout, on_timeout, ap);
	loop_timer_init(&ap->stop_sending, on_stop_sending, ap);
	if (ap->o.timeout > 0)
		loop_timer_set(ap->l, &ap->timeout,
			       now + (esctp_tstamp)(ap->o.timeout * 1e9));
	if (ap->o.duration > 0)
		loop_timer_set(ap->l, &ap->stop_sending,
			       now + (esctp_tstamp)(ap->o.duration * 1e9));
	if (sigfd >= 0)
		loop_fd_set(ap->l, sigfd, LOOP_READ, on_signal, ap);
}

static void finish(app *ap, int sigfd)
{
	/* Let queued ABORTs leave before the endpoint goes. */
	loop_run_once(ap->l, 0);
	while (ap->conns) {
		ap->conns->t_end = host_now(ap->h);
		conn_finish(ap->conns, false);
	}
	esctp_endpoint *ep = host_ep_endpoint(ap->e);
	host_del_endpoint(ap->e);
	esctp_endpoint_free(ep);
	if (sigfd >= 0) {
		loop_fd_del(ap->l, sigfd);
		close(sigfd);
	}
	host_free(ap->h);
	loop_free(ap->l);
	free(ap->base);
	free(ap->rbuf);
}

int main(int argc, char **argv)
{
	static app ap;
	char err[256];
	host_config hc;

	parse_opts(&ap.o, argc, argv);
	ap.hd.on_event = app_on_event;
	ap.hd.on_ready = app_on_ready;
	make_base(&ap);
	ap.rbuf_len = ap.o.length > 65536 ? ap.o.length : 65536;
	ap.rbuf = malloc(ap.rbuf_len);
	ap.l = loop_new();
	if (!ap.rbuf || !ap.l)
		die("%s", "out of memory");
	host_config_default(&hc);
	hc.udp.port = ap.o.udp_port;
	hc.mtu = ap.o.mtu;
	hc.verbose = ap.o.verbose;
	ap.h = host_new(ap.l, &hc, err, sizeof(err));
	if (!ap.h) {
		fprintf(stderr, "esctp-peer: %s\n", err);
		return 2;
	}
	esctp_addr peer;
	if (!ap.o.server)
		resolve(&ap.o, &peer);
	ap.e = start_endpoint(&ap, ap.o.server ? NULL : &peer);
	int sigfd = signals_open();
	start_timers(&ap, sigfd);
	if (ap.o.server) {
		esctp_endpoint_listen(host_ep_endpoint(ap.e), true);
		fprintf(stderr,
			"esctp-peer: %s server on SCTP port %u, UDP port %u\n",
			svcs[ap.o.svc].name, ap.o.sctp_port,
			host_udp_port(ap.h));
	} else {
		start_client(&ap, &peer);
	}
	if (loop_run(ap.l) < 0)
		perror("esctp-peer: epoll_wait");
	bool client_done = ap.finished > 0 || (ap.o.server && !ap.o.once);
	finish(&ap, sigfd);
	return ap.status || ap.failures || !client_done ? 1 : 0;
}
