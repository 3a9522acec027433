/*
 * sctpd.h - the withsctp daemon's state (struct sctpd, owned by sctpd.c with
 * the main loop) and its process-wide calls.  Each concern has its own
 * header: sock.h, port.h, chan.h, ctl.h, limit.h, log.h, addr.h, tcpinfo.h.
 *
 * sctpd hosts one libesctp engine per local SCTP port (host.c) and owns
 * every association.  Each emulated socket (wsock) is an AF_UNIX stream pair:
 * the daemon keeps one end (fd) and hands the other (the "app end") to the
 * program.  Bytes written by the program become SCTP user messages on stream
 * 0; received messages are written back as bytes (chan.c).  The
 * control server (ctl.c) creates sockets and answers the calls the
 * shim cannot do natively; sockets, ports and engine events live in
 * sock.c; the process, logging and signals in sctpd.c.
 */
#ifndef CLI_SCTPD_H
#define CLI_SCTPD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "esctp.h"
#include "host.h"
#include "loop.h"

typedef struct sctpd sctpd;
typedef struct wsock wsock;
typedef struct wsport wsport;
typedef struct sd_usage sd_usage;

#define SD_CONTROL_MAX 108 /* sizeof(sun_path) */

#define SD_ROUTE_CACHE 8
#define SD_ROUTE_TTL (2 * ESCTP_SECOND)

/* The source address the kernel picks towards a peer (getsockname shows
 * it), remembered briefly: asking costs four system calls. */
typedef struct sd_route {
	esctp_addr peer, src;
	esctp_tstamp at;
} sd_route;

struct sctpd {
	/* Who decides a socket's life when its channel or port reports
	 * something (sock.c, sd_sock_init). */
	const struct sd_chan_owner *chan_owner;
	const struct sd_port_owner *port_owner;
	const struct sd_nchan_owner *nchan_owner;
	int32_t next_assoc_id; /* native associations (native.c) */
	uint32_t *ends;	       /* association-end counters (ends.c) */
	int ends_fd;
	loop *l;
	host *h;
	int log_level;
	int log_fd;
	char log_path[1024];
	bool log_default; /* no --log: sd_log_open_default() chooses */
	char control[SD_CONTROL_MAX];
	int ctl_fd;
	uint16_t udp_port;
	uid_t uid;
	bool allow_all;
	unsigned max_user_socks; /* --max-sockets-per-user, 0: no cap */
	sd_usage *usage;	 /* sockets per capped user (limit.c) */
	size_t nusage, usage_cap;
	int unpriv_port; /* net.ipv4.ip_unprivileged_port_start */
	unsigned idle_secs;
	loop_timer idle_t;
	loop_timer stop_t;
	loop_timer sweep_t;
	loop_timer autoclose_t; /* SCTP_AUTOCLOSE (native.c) */
	loop_timer hold_t;	/* peeloffs whose hand-back never ended */
	/* Native channels whose pump stopped at its budget with work left
	 * (nchan.c), by cookie: pumped again at once, after the others. */
	loop_timer again_t;
	uint64_t *again;
	size_t nagain, again_cap;
	sd_route routes[SD_ROUTE_CACHE];
	unsigned route_next;
	pid_t pid;
	bool stopping;
	bool stop_requested; /* WSP_STOP: the main loop starts the stop */
	int sig_fd;
	unsigned nclients;
	unsigned nsocks;
	uint64_t seq;
	wsock *socks;
	wsock **hash; /* by cookie */
	size_t nhash;
	wsport *ports;
	wsport *dead_ports; /* freed before the loop sleeps */
	uint8_t *rbuf;	    /* shared receive buffer */
	size_t rbuf_len;
};

#endif
