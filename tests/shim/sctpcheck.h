/*
 * sctpcheck.h - shared by the parts of sctpcheck (tests/shim/sctpcheck*.c):
 * the list of tests, the failure reporting and the socket helpers.
 *
 * Each test is a function t_NAME(void) that returns when every check held
 * and calls fail() (which exits) at the first that did not.  A test runs in
 * its own process (sctpcheck NAME PORT), so exit closes its sockets.  The
 * SCTP ports it may use are port(0)..port(9), on 127.0.0.1 and ::1.
 */
#ifndef TESTS_SHIM_SCTPCHECK_H
#define TESTS_SHIM_SCTPCHECK_H

#include <errno.h>
#include <netinet/in.h>
#include <netinet/sctp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Every test, in the order `sctpcheck list` prints them. */
#define SCTPCHECK_TESTS(X)                                                     \
	X(socket_types)                                                        \
	X(socket_flags)                                                        \
	X(socket_opts)                                                         \
	X(o2o_blocking)                                                        \
	X(o2o_names)                                                           \
	X(o2o_nonblock_connect)                                                \
	X(o2o_refused)                                                         \
	X(o2o_recv_enotconn)                                                   \
	X(o2o_send_listener)                                                   \
	X(o2o_shut_wr)                                                         \
	X(o2m_implicit)                                                        \
	X(o2m_assoc_number)                                                    \
	X(o2m_recv_enotconn)                                                   \
	X(o2m_sendall)                                                         \
	X(o2m_peeloff)                                                         \
	X(o2m_peeloff_queued)                                                  \
	X(msg_sinfo)                                                           \
	X(msg_partial)                                                         \
	X(msg_large)                                                           \
	X(msg_peek)                                                            \
	X(msg_trunc)                                                           \
	X(msg_dontwait)                                                        \
	X(msg_rcvtimeo)                                                        \
	X(msg_unordered)                                                       \
	X(msg_readwrite_o2o)                                                   \
	X(msg_readwrite_o2m)                                                   \
	X(send_eof_data)                                                       \
	X(send_zero_len)                                                       \
	X(send_eof_stream)                                                     \
	X(send_bad_stream)                                                     \
	X(send_unknown_assoc)                                                  \
	X(send_ended_assoc)                                                    \
	X(send_shutdown_assoc)                                                 \
	X(send_peer_shutdown)                                                  \
	X(send_o2o_peer_shutdown)                                              \
	X(send_dflt_stream)                                                    \
	X(cmsg_late_subscribe)                                                 \
	X(send_emsgsize)                                                       \
	X(cmsg_sndrcv)                                                         \
	X(cmsg_rcvinfo)                                                        \
	X(cmsg_sndinfo)                                                        \
	X(cmsg_sendv_recvv)                                                    \
	X(notif_comm_up)                                                       \
	X(notif_comm_lost)                                                     \
	X(notif_comm_lost_reason)                                              \
	X(notif_shutdown_comp)                                                 \
	X(notif_cant_str_assoc)                                                \
	X(notif_shutdown_event)                                                \
	X(notif_sender_dry)                                                    \
	X(notif_adaptation)                                                    \
	X(notif_events_len)                                                    \
	X(notif_event_types)                                                   \
	X(opt_initmsg)                                                         \
	X(opt_nodelay)                                                         \
	X(opt_autoclose)                                                       \
	X(opt_default_send_param)                                              \
	X(opt_default_sndinfo)                                                 \
	X(opt_maxseg)                                                          \
	X(opt_maxseg_assoc)                                                    \
	X(opt_status)                                                          \
	X(opt_peer_addr_info)                                                  \
	X(opt_peer_addr_params)                                                \
	X(opt_rtoinfo)                                                         \
	X(opt_associnfo)                                                       \
	X(opt_delayed_sack)                                                    \
	X(opt_context)                                                         \
	X(opt_fragment_interleave)                                             \
	X(opt_partial_delivery_point)                                          \
	X(opt_max_burst)                                                       \
	X(opt_assoc_id_list)                                                   \
	X(opt_pr_supported)                                                    \
	X(opt_recvrcvinfo)                                                     \
	X(opt_recvnxtinfo)                                                     \
	X(opt_mapped_v4)                                                       \
	X(opt_bufs)                                                            \
	X(opt_supported)                                                       \
	X(opt_auth)                                                            \
	X(opt_asconf)                                                          \
	X(opt_stream_reset)                                                    \
	X(opt_scheduler)                                                       \
	X(opt_pf_expose)                                                       \
	X(opt_thresholds)                                                      \
	X(opt_encaps_port)                                                     \
	X(opt_probe_interval)                                                  \
	X(opt_assoc_stats)                                                     \
	X(notif_send_failed_data)                                              \
	X(send_flags_wire)                                                     \
	X(msg_maxseg_wire)                                                     \
	X(lib_bindx)                                                           \
	X(lib_connectx)                                                        \
	X(lib_getaddrs)                                                        \
	X(lib_opt_info)                                                        \
	X(poll_o2m_writable)                                                   \
	X(poll_notif)                                                          \
	X(poll_partial)                                                        \
	X(poll_listener)                                                       \
	X(close_o2m_graceful)                                                  \
	X(close_o2m_unread)                                                    \
	X(close_fork)

#define SCTPCHECK_DECLARE(name) void t_##name(void);
SCTPCHECK_TESTS(SCTPCHECK_DECLARE)

/* How long a test waits for something that should come (ms). */
#define WAIT_MS 5000

typedef union {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
	struct sockaddr_storage ss;
} addr;

/* ---- reporting (sctpcheck.c) ---- */

/* Prints "FAIL NAME: ..." and exits 1. */
void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* The errno's name ("EINVAL"). */
const char *ename(int e);

#define EXPECT(cond, ...)                                                      \
	do {                                                                   \
		if (!(cond))                                                   \
			fail(__VA_ARGS__);                                     \
	} while (0)

/* A call that must succeed: its result, or FAIL with the call and errno. */
long sys_(long r, const char *what);
#define SYS(call) sys_((long)(call), #call)

/* A value that must equal another. */
#define EXPECT_EQ(got, want)                                                   \
	do {                                                                   \
		long long g_ = (long long)(got), w_ = (long long)(want);       \
		if (g_ != w_)                                                  \
			fail("%s: expected %lld, got %lld", #got, w_, g_);     \
	} while (0)

/* A call that must fail with errno err. */
#define EXPECT_ERR(call, err)                                                  \
	do {                                                                   \
		errno = 0;                                                     \
		long r_ = (long)(call);                                        \
		if (r_ != -1 || errno != (err))                                \
			fail("%s: expected -1 %s, got %ld %s", #call,          \
			     ename(err), r_, r_ == -1 ? ename(errno) : "");    \
	} while (0)

/* ---- sockets (sctpcheck.c) ---- */

/* SCTP port n (0..9) of this test. */
int port(int n);
/* 127.0.0.1 (fam AF_INET) or ::1 (AF_INET6) at port(n); its length. */
socklen_t loop_addr(addr *a, int fam, int n);
/* An SCTP socket (type SOCK_STREAM or SOCK_SEQPACKET, flags or'ed in). */
int sk(int fam, int type);
/* A socket bound to the loopback address at port(n). */
int sk_bound(int fam, int type, int n);
/* A listening socket at port(n). */
int sk_listen(int fam, int type, int n);
/* Connects fd to the loopback address at port(n) (blocking). */
void sk_connect(int fd, int fam, int n);
/* A one-to-one association on port(n): the listener, the client, the
 * accepted socket. */
void o2o_pair(int fam, int n, int *lis, int *cli, int *srv);
/* An int option's value; sets one. */
int get_int(int fd, int level, int name);
void set_int(int fd, int level, int name, int v);
/* Subscribes fd to one notification type with SCTP_EVENT (assoc id 0). */
void subscribe(int fd, uint16_t type);
/* Subscribes to SCTP_ASSOC_CHANGE and sctp_data_io_event with SCTP_EVENTS. */
void subscribe_assoc_io(int fd);
/* True when fd gets POLLIN (or the events asked) within ms. */
bool wait_ev(int fd, short ev, int ms);
/* poll's revents for fd after waiting up to ms for one of ev. */
short revents(int fd, short ev, int ms);
/* The association id of fd's only association (SCTP_STATUS with id 0 on
 * one-to-one; SCTP_GET_ASSOC_ID_LIST on one-to-many). */
sctp_assoc_t assoc_id(int fd);

/* One received message or piece: what recvmsg said. */
typedef struct rmsg {
	ssize_t n;
	int flags; /* msg_flags */
	addr from;
	socklen_t fromlen;
	bool has_sndrcv, has_rcvinfo, has_nxtinfo;
	int ncmsg;
	struct sctp_sndrcvinfo sndrcv;
	struct sctp_rcvinfo rcv;
	struct sctp_nxtinfo nxt;
} rmsg;

/* recvmsg into buf, after waiting up to WAIT_MS for POLLIN (FAIL if none
 * comes, or if recvmsg fails). */
rmsg rcv(int fd, void *buf, size_t len, int flags);
/* The next notification on fd, FAIL if data comes first. */
union sctp_notification *rcv_notif(int fd);
/* Reads until a notification of type (and for ASSOC_CHANGE, sac_state
 * state; else state -1) comes, skipping others (at most 10 messages). */
union sctp_notification *wait_notif(int fd, uint16_t type, int state);
/* sendmsg with one SCTP_SNDRCV cmsg (sinfo may be NULL: no cmsg). */
ssize_t snd(int fd, const void *buf, size_t len, const addr *to,
	    socklen_t tolen, const struct sctp_sndrcvinfo *sinfo, int flags);
/* Reads one whole message of want bytes (MSG_EOR) and compares it. */
void expect_msg(int fd, const char *want);

#endif
