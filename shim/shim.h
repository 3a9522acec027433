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
};
void shim_fd_set(int fd, int kind);
int shim_fd_get(int fd);

/* True when fd is an emulated socket: known, or probed (its name starts
 * with the prefix). */
bool shim_is_emulated(int fd);

/* Address conversions; -1 with errno (EINVAL, EAFNOSUPPORT) on bad input. */
int shim_sa_to_wsp(const struct sockaddr *sa, socklen_t len, wsp_addr *w);
void shim_wsp_to_sa(const wsp_addr *w, int family, struct sockaddr *sa,
		    socklen_t *len);

/* After a converted connect to dest failed with err: when a plain TCP
 * server answers there, one line on stderr says the peer is probably not
 * under withsctp and how to leave the port on TCP (hint.c). */
void shim_hint_failed_connect(const wsp_addr *dest, int err);

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

#endif
