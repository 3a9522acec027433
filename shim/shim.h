/*
 * shim.h - libwithsctp.so internals.  The shim turns a program's TCP
 * sockets into emulated sockets held by sctpd (DESIGN.md §3) or, with the
 * kernel engine, into kernel SCTP sockets.  Each hooked call has three
 * layers (torsocks is the model): the real libc function bound once, on
 * first use (real.c), the logic (sock.c, opt.c), and a one-line exported
 * wrapper (hooks.c).  Only the wrappers are visible outside the library.
 */
#ifndef SHIM_SHIM_H
#define SHIM_SHIM_H

/* <netinet/sctp.h> defines IPPROTO_SCTP itself when <netinet/in.h> has
 * not come first. */
#include <netinet/in.h>
#include <netinet/sctp.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "wsconf.h"
#include "wsproto.h"

/* Declared by <sys/socket.h> and <time.h> only with _GNU_SOURCE. */
struct mmsghdr;
struct timespec;

typedef struct shim_real {
	int (*socket)(int, int, int);
	int (*bind)(int, const struct sockaddr *, socklen_t);
	int (*listen)(int, int);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	int (*accept)(int, struct sockaddr *, socklen_t *);
	int (*accept4)(int, struct sockaddr *, socklen_t *, int);
	int (*getsockname)(int, struct sockaddr *, socklen_t *);
	int (*getpeername)(int, struct sockaddr *, socklen_t *);
	int (*getsockopt)(int, int, int, void *, socklen_t *);
	int (*setsockopt)(int, int, int, const void *, socklen_t);
	int (*socketpair)(int, int, int, int[2]);
	int (*close)(int);
	int (*shutdown)(int, int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
	/* native message path (msg.c) */
	int (*dup)(int);
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*readv)(int, const struct iovec *, int);
	ssize_t (*writev)(int, const struct iovec *, int);
	ssize_t (*send)(int, const void *, size_t, int);
	ssize_t (*sendto)(int, const void *, size_t, int,
			  const struct sockaddr *, socklen_t);
	ssize_t (*recv)(int, void *, size_t, int);
	ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *,
			    socklen_t *);
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	ssize_t (*recvmsg)(int, struct msghdr *, int);
	int (*sendmmsg)(int, struct mmsghdr *, unsigned int, int);
	int (*recvmmsg)(int, struct mmsghdr *, unsigned int, int,
			struct timespec *);
	ssize_t (*read_chk)(int, void *, size_t, size_t);
	ssize_t (*recv_chk)(int, void *, size_t, size_t, int);
	ssize_t (*recvfrom_chk)(int, void *, size_t, size_t, int,
				struct sockaddr *, socklen_t *);
} shim_real;

/* The libc functions (real.c).  Never NULL, from the first instruction of
 * the process: each binds libc's function on first use, so a hook that
 * runs before the shim's constructors (another library's, a dlopen, a
 * thread, a fork in a constructor) is safe; failing that, the system call
 * is made directly. */
extern const shim_real shim_libc;

typedef enum shim_mode {
	SHIM_OFF,      /* configuration failed: convert nothing */
	SHIM_EMBEDDED, /* sockets held by sctpd */
	SHIM_KERNEL,   /* IPPROTO_SCTP sockets */
} shim_mode;

typedef struct shim_conf {
	wsconf c;
	shim_mode mode;
	/* Every port converted (wsconf_ports_every): a TCP socket is
	 * converted when made, not when its port is known. */
	bool convert_at_socket;
	wsp_params params; /* engine settings sent with each socket */
} shim_conf;

/* The process's settings, loaded on first use (conf.c).  Never NULL; a
 * configuration error is reported once on stderr and gives SHIM_OFF. */
const shim_conf *shim_conf_get(void);
/* One line "withsctp: MESSAGE" on stderr (at most once per key when once
 * is true). */
void shim_warn(const char *msg);

/* The pid of the daemon the control connection last reached (0: none
 * yet): a new one means a restarted daemon. */
pid_t shim_ctl_daemon(void);

/* One request to sctpd and its answer (ctl.c).  fd_in (or -1) travels as
 * SCM_RIGHTS; *fd_out (may be NULL) receives a returned fd, close-on-exec
 * when cloexec.  Returns 0 with *rep filled, or -1 with errno set when the
 * daemon cannot be reached (a line on stderr says why and how to fix). */
int shim_ctl_call(wsp_req *q, int fd_in, wsp_rep *rep, int *fd_out,
		  bool cloexec);

/* What the shim knows of an fd number (fdtab.c). */
enum {
	SHIM_FD_UNKNOWN = 0,
	SHIM_FD_PLAIN = 1,     /* left alone for good */
	SHIM_FD_EMULATED = 2,  /* an app end of sctpd's */
	SHIM_FD_CANDIDATE = 3, /* TCP, converted if its port matches */
	SHIM_FD_KERNEL = 4,    /* converted to a kernel SCTP socket */
	/* 5, 6, 7: native SCTP sockets (SHIM_FD_NATIVE... below) */
};
void shim_fd_set(int fd, int kind);
int shim_fd_get(int fd);

/* True when fd is a socket of the daemon's, converted or native (the
 * calls on both are requests to it): known, or probed (its name starts
 * with one of the prefixes). */
bool shim_is_emulated(int fd);

/* Address conversions; -1 with errno (EINVAL, EAFNOSUPPORT) on bad input. */
int shim_sa_to_wsp(const struct sockaddr *sa, socklen_t len, wsp_addr *w);
void shim_wsp_to_sa(const wsp_addr *w, int family, struct sockaddr *sa,
		    socklen_t *len);

/* After a converted connect to dest failed with err: when a plain TCP
 * server answers there, one line on stderr says the peer is probably not
 * under withsctp and how to leave the port on TCP (hint.c). */
void shim_hint_failed_connect(const wsp_addr *dest, int err);

/* Native SCTP sockets (native.c). */
bool shim_is_sctp_type(int domain, int type, int protocol);
/* A new socket of the daemon's, of `kind` (enum wsp_kind), with the flags
 * of `type` (SOCK_NONBLOCK, SOCK_CLOEXEC); fd_kind is its fd table entry
 * (sock.c).  -1 with errno (the daemon's, or EPROTO). */
int shim_daemon_socket(int domain, int type, int kind, int fd_kind);
/* A native socket from the daemon, with the flags of `type`. */
int shim_native_socket(int domain, int type);
/* connect() of a native socket (both styles). */
int shim_native_connect(int fd, const struct sockaddr *sa, socklen_t len);
/* SOL_SCTP options of a native socket. */
int shim_native_getsockopt(int fd, int name, void *val, socklen_t *len);
int shim_native_setsockopt(int fd, int name, const void *val, socklen_t len);
/* shutdown() of a native socket, as Linux inet_shutdown() and
 * sctp_shutdown() (native.c). */
int shim_native_shutdown(int fd, int kind, int how);
/* Waits for the outcome of the connect of a blocking app end (sock.c). */
int shim_connect_wait(int fd, int app_sndbuf);

/* The logic of each hook (sock.c, opt.c): same contract as libc's. */
int shim_socket(int domain, int type, int protocol);
int shim_bind(int fd, const struct sockaddr *sa, socklen_t len);
int shim_listen(int fd, int backlog);
int shim_connect(int fd, const struct sockaddr *sa, socklen_t len);
int shim_accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags,
		 bool is_accept4);
int shim_getname(int fd, struct sockaddr *sa, socklen_t *len, bool peer);
int shim_getsockopt(int fd, int level, int name, void *val, socklen_t *len);
int shim_setsockopt(int fd, int level, int name, const void *val,
		    socklen_t len);
int shim_shutdown(int fd, int how);

/* ---- native message path (msg.c, cmsg.c) ----
 *
 * A native SCTP socket's app end is one end of an AF_UNIX SOCK_SEQPACKET
 * pair named "\0" WSP_NATIVE_PREFIX "K:PID:SEQ" (wsproto.h); every datagram
 * is a wsp_msg header and at most WSP_PIECE_MAX bytes of one message.  The
 * message calls below give the program the kernel's SCTP semantics on it
 * (net/sctp/socket.c sctp_sendmsg(), sctp_recvmsg()) and pass every other
 * fd to libc at the cost of one fd-table lookup. */

/* Kinds of native sockets in the fd table (shim_fd_set); K of the name is
 * '1', '2', '3' respectively. */
enum {
	SHIM_FD_NATIVE = 5,	   /* one-to-one (SOCK_STREAM) */
	SHIM_FD_NATIVE_MANY = 6,   /* one-to-many (SOCK_SEQPACKET) */
	SHIM_FD_NATIVE_PEELED = 7, /* peeled off a one-to-many socket */
};

/* fd numbers below this have an entry in the fd table (one byte each,
 * touched only where used): RLIMIT_NOFILE's ceiling, the default
 * fs.nr_open.  Calls on higher ones probe every time. */
#define SHIM_FD_MAX (1 << 20)

/* SHIM_FD_NATIVE, SHIM_FD_NATIVE_MANY, SHIM_FD_NATIVE_PEELED, or 0 when fd
 * is not a native socket.  Known from the fd table, else probed once by
 * its name (getsockname); a "not native" answer is remembered until the
 * entry is cleared (close, dup2/dup3 over it, a socket made or received
 * with that number). */
int shim_native_kind(int fd);

/* Drops what the shim cached about native socket fd from the daemon's
 * answers (WSP_QUERY: kind, send buffer, fragment point, streams; the
 * associations of a one-to-many socket), so that the next message call
 * asks again.  To call after anything that changes them: setsockopt,
 * listen, connect, peeloff. */
void shim_native_forget(int fd);

/* Clears everything kept about fd number fd (fdtab.c calls it when the
 * entry of a native socket changes). */
void shim_native_reset(int fd);

/* fd is a native socket this process just made (socket, accept,
 * peeloff): no other process reads it until a fork. */
void shim_native_own(int fd);

/* After WSP_PEELOFF with arg 1 of association id from one-to-many socket
 * lfd to pfd: hands the datagrams of the old channel back to the daemon,
 * the association's for pfd, and lets both channels' output go on. */
void shim_native_migrate(int lfd, int pfd, int32_t id);

/* After a receive: the entries of every fd that msg carries as
 * SCM_RIGHTS are cleared, so that they are probed afresh. */
void shim_fd_received(const struct msghdr *msg);

/* The logic of the message hooks: same contract as libc's. */
ssize_t shim_sendmsg(int fd, const struct msghdr *msg, int flags);
ssize_t shim_recvmsg(int fd, struct msghdr *msg, int flags);
ssize_t shim_send(int fd, const void *buf, size_t len, int flags);
ssize_t shim_sendto(int fd, const void *buf, size_t len, int flags,
		    const struct sockaddr *sa, socklen_t salen);
ssize_t shim_recv(int fd, void *buf, size_t len, int flags);
ssize_t shim_recvfrom(int fd, void *buf, size_t len, int flags,
		      struct sockaddr *sa, socklen_t *salen);
ssize_t shim_read(int fd, void *buf, size_t len);
ssize_t shim_write(int fd, const void *buf, size_t len);
ssize_t shim_readv(int fd, const struct iovec *iov, int iovcnt);
ssize_t shim_writev(int fd, const struct iovec *iov, int iovcnt);
int shim_sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags);
int shim_recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
		  struct timespec *timeout);
ssize_t shim_read_chk(int fd, void *buf, size_t len, size_t buflen);
ssize_t shim_recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags);
ssize_t shim_recvfrom_chk(int fd, void *buf, size_t len, size_t buflen,
			  int flags, struct sockaddr *sa, socklen_t *salen);

/* What the SCTP control messages of a sendmsg() say (cmsg.c: pure
 * functions, unit-tested without preloading).  Pointers into msg_control
 * are not kept: the values are copied. */
typedef struct shim_sndcmsgs {
	bool init, srinfo, sinfo, prinfo, authinfo, dstaddr;
	struct sctp_initmsg initmsg;
	struct sctp_sndrcvinfo srinfo_v;
	struct sctp_sndinfo sinfo_v;
	struct sctp_prinfo prinfo_v;
} shim_sndcmsgs;

/* sctp_msghdr_parse(): walks msg's control messages as the kernel does
 * (CMSG_OK, exact lengths, valid flags and PR policies; non-SCTP levels
 * skipped, unknown SCTP types refused).  Returns 0 or EINVAL. */
int shim_cmsg_parse(const struct msghdr *msg, shim_sndcmsgs *c);

/* sctp_sendmsg_parse() after the parse: merges the control messages into
 * m (assoc, stream, sflags, ppid, context, ttl, the init_ fields and the
 * WSP_MF_SNDINFO, WSP_MF_PRINFO, WSP_MF_INIT flags) and checks the send
 * flags against a message of len bytes: SCTP_EOF with data, no data
 * without SCTP_EOF or SCTP_ABORT, SCTP_EOF or SCTP_ABORT on a one-to-one
 * socket, SCTP_ADDR_OVER without a destination.  Returns 0 or EINVAL. */
int shim_sndinfo_build(const shim_sndcmsgs *c, size_t len, bool one_to_one,
		       bool has_name, wsp_msg *m);

/* sctp_verify_addr() of a destination on a socket of `family`: the
 * length, the family (IPv6 only on AF_INET6 sockets), a unicast address.
 * Fills *w (a v4-mapped address becomes AF_INET).  Returns 0 or EINVAL. */
int shim_sctp_daddr(const struct sockaddr *sa, socklen_t len, int family,
		    wsp_addr *w);

/* put_cmsg() (net/core/scm.c) into msg->msg_control at *used: truncated
 * to the room left with MSG_CTRUNC in msg->msg_flags, as the kernel does;
 * *used grows by what was written. */
void shim_cmsg_put(struct msghdr *msg, size_t *used, int level, int type,
		   const void *data, size_t len);

/* The control messages of a receive, in the kernel's order: SCTP_NXTINFO
 * from `last` (the header of the last datagram read), SCTP_RCVINFO and
 * SCTP_SNDRCV from `first`, each when its header flag asks for it (never
 * RCVINFO nor SNDRCV for a notification); msg->msg_controllen becomes the
 * bytes written and MSG_CTRUNC is set in msg->msg_flags when they did not
 * fit. */
void shim_cmsg_recv(struct msghdr *msg, const wsp_msg *first,
		    const wsp_msg *last);

#endif
