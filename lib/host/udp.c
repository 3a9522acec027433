/*
 * udp.c - RFC 6951 UDP encapsulation sockets with batched I/O.
 */
#define _GNU_SOURCE /* recvmmsg, sendmmsg, in6_pktinfo */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "udp.h"

/* Control space for one IPv4 or IPv6 packet-info message. */
#define UDP_CTRL_LEN                                                           \
	(CMSG_SPACE(sizeof(struct in6_pktinfo)) >                              \
		 CMSG_SPACE(sizeof(struct in_pktinfo))                         \
	     ? CMSG_SPACE(sizeof(struct in6_pktinfo))                          \
	     : CMSG_SPACE(sizeof(struct in_pktinfo)))

typedef union udp_ctrl {
	char buf[UDP_CTRL_LEN];
	struct cmsghdr align;
} udp_ctrl;

struct udp_rx {
	size_t n, count;
	uint16_t port; /* local port the batch was received on */
	uint8_t *mem;
	struct mmsghdr *msgs;
	struct iovec *iov;
	struct sockaddr_storage *names;
	udp_ctrl *ctrl;
};

typedef struct tx_slot {
	uint8_t *buf;
	size_t len;
	int fam;
	struct sockaddr_storage name;
	socklen_t namelen;
	size_t ctrllen;
	udp_ctrl ctrl;
} tx_slot;

struct udp_tx {
	size_t n, count, slot_size;
	uint8_t *mem;
	tx_slot *slots;
	tx_slot *tmp; /* scratch for tx_consume() */
	struct mmsghdr *msgs;
	struct iovec *iov;
};

void udp_config_default(udp_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->port = UDP_ENCAP_PORT;
	cfg->bufsize = UDP_DEFAULT_BUFSIZE;
}

/* ---- opening ---- */

/* Big buffers keep loopback bulk transfers from dropping; the *FORCE options
 * pass net.core.rmem_max when we have CAP_NET_ADMIN, else fall back. */
static void set_bufsize(int fd, int size, int *rcv, int *snd)
{
	socklen_t len = sizeof(int);

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	getsockopt(fd, SOL_SOCKET, SO_RCVBUF, rcv, &len);
	len = sizeof(int);
	getsockopt(fd, SOL_SOCKET, SO_SNDBUF, snd, &len);
}

static int open_one(udp_sock *u, int fam, uint16_t port, int bufsize)
{
	int on = 1;
	int fd = socket(fam == UDP_V4 ? AF_INET : AF_INET6,
			SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return -1;
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	socklen_t len;
	int rc;
	if (fam == UDP_V4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		len = sizeof(*sin);
		rc = setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
		/* ICMP errors for what we send come back on the error queue
		 * (udp_recv_error); without it the kernel drops them. */
		if (rc == 0)
			rc = setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on,
					sizeof(on));
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		len = sizeof(*sin6);
		rc = setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
		if (rc == 0)
			rc = setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
					sizeof(on));
		if (rc == 0)
			rc = setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on,
					sizeof(on));
	}
	if (rc == 0)
		rc = bind(fd, (struct sockaddr *)&ss, len);
	if (rc < 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	set_bufsize(fd, bufsize, &u->rcvbuf, &u->sndbuf);
	u->fd[fam] = fd;
	return 0;
}

static uint16_t bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	esctp_addr a;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0 ||
	    udp_addr_from_sockaddr(&a, (struct sockaddr *)&ss, len) < 0)
		return 0;
	return a.port;
}

static int open_fail(udp_sock *u, char *err, size_t errlen, const char *fam,
		     uint16_t port)
{
	int e = errno;

	if (e == EADDRINUSE)
		snprintf(err, errlen,
			 "udp: cannot bind %s UDP port %u: %s (another sctpd "
			 "running? use --udp-port)",
			 fam, port, strerror(e));
	else if (e == EACCES)
		snprintf(
		    err, errlen,
		    "udp: cannot bind %s UDP port %u: %s (ports below 1024 "
		    "need CAP_NET_BIND_SERVICE)",
		    fam, port, strerror(e));
	else
		snprintf(err, errlen, "udp: cannot open %s UDP port %u: %s",
			 fam, port, strerror(e));
	udp_close(u);
	errno = e;
	return -1;
}

int udp_open(udp_sock *u, const udp_config *cfg, char *err, size_t errlen)
{
	int bufsize = cfg->bufsize > 0 ? cfg->bufsize : UDP_DEFAULT_BUFSIZE;
	uint16_t port = cfg->port;

	memset(u, 0, sizeof(*u));
	u->fd[UDP_V4] = u->fd[UDP_V6] = -1;
	if (cfg->no_ipv4 && cfg->no_ipv6) {
		snprintf(err, errlen, "udp: both IPv4 and IPv6 are disabled");
		errno = EINVAL;
		return -1;
	}
	if (!cfg->no_ipv4) {
		if (open_one(u, UDP_V4, port, bufsize) < 0)
			return open_fail(u, err, errlen, "IPv4", port);
		port = bound_port(u->fd[UDP_V4]);
	}
	if (!cfg->no_ipv6 && open_one(u, UDP_V6, port, bufsize) < 0) {
		bool no_v6 = errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL;
		/* A host without IPv6 still serves IPv4. */
		if (!(no_v6 && !cfg->no_ipv4))
			return open_fail(u, err, errlen, "IPv6", port);
	}
	u->port = port ? port : bound_port(u->fd[UDP_V6]);
	return 0;
}

void udp_close(udp_sock *u)
{
	for (int i = 0; i < 2; i++) {
		if (u->fd[i] >= 0)
			close(u->fd[i]);
		u->fd[i] = -1;
	}
}

/* ---- addresses ---- */

int udp_addr_from_sockaddr(esctp_addr *out, const struct sockaddr *sa,
			   socklen_t len)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0,    0,
					   0, 0, 0, 0, 0xff, 0xff};

	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
		out->family = ESCTP_AF_INET;
		out->port = ntohs(sin->sin_port);
		memcpy(out->ip, &sin->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		out->port = ntohs(s6->sin6_port);
		if (memcmp(s6->sin6_addr.s6_addr, mapped, 12) == 0) {
			out->family = ESCTP_AF_INET;
			memcpy(out->ip, s6->sin6_addr.s6_addr + 12, 4);
			return 0;
		}
		out->family = ESCTP_AF_INET6;
		out->scope_id = s6->sin6_scope_id;
		memcpy(out->ip, s6->sin6_addr.s6_addr, 16);
		return 0;
	}
	return -1;
}

socklen_t udp_addr_to_sockaddr(const esctp_addr *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == ESCTP_AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(a->port);
		memcpy(&sin->sin_addr, a->ip, 4);
		return sizeof(*sin);
	}
	if (a->family == ESCTP_AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(a->port);
		s6->sin6_scope_id = a->scope_id;
		memcpy(&s6->sin6_addr, a->ip, 16);
		return sizeof(*s6);
	}
	return 0;
}

int udp_addr_parse(esctp_addr *out, const char *ip, uint16_t port)
{
	char tmp[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];

	memset(out, 0, sizeof(*out));
	out->port = port;
	if (inet_pton(AF_INET, ip, out->ip) == 1) {
		out->family = ESCTP_AF_INET;
		return 0;
	}
	if (strlen(ip) >= sizeof(tmp))
		return -1;
	strcpy(tmp, ip);
	char *pct = strchr(tmp, '%');
	if (pct) {
		*pct++ = '\0';
		out->scope_id = if_nametoindex(pct);
		if (!out->scope_id) {
			char *end;
			unsigned long v = strtoul(pct, &end, 10);
			if (*pct == '\0' || *end != '\0' || v > UINT32_MAX)
				return -1;
			out->scope_id = (uint32_t)v;
		}
	}
	if (inet_pton(AF_INET6, tmp, out->ip) != 1)
		return -1;
	out->family = ESCTP_AF_INET6;
	return 0;
}

const char *udp_addr_str(const esctp_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (a->family == ESCTP_AF_INET) {
		inet_ntop(AF_INET, a->ip, ip, sizeof(ip));
		snprintf(buf, len, "%s:%u", ip, a->port);
	} else if (a->family == ESCTP_AF_INET6) {
		inet_ntop(AF_INET6, a->ip, ip, sizeof(ip));
		snprintf(buf, len, "[%s]:%u", ip, a->port);
	} else {
		snprintf(buf, len, "(none)");
	}
	return buf;
}

/* ---- receiving ---- */

udp_rx *udp_rx_new(size_t n)
{
	udp_rx *rx = calloc(1, sizeof(*rx));

	if (!rx)
		return NULL;
	rx->n = n;
	rx->mem = malloc(n * UDP_MAX_DGRAM);
	rx->msgs = calloc(n, sizeof(*rx->msgs));
	rx->iov = calloc(n, sizeof(*rx->iov));
	rx->names = calloc(n, sizeof(*rx->names));
	rx->ctrl = calloc(n, sizeof(*rx->ctrl));
	if (!rx->mem || !rx->msgs || !rx->iov || !rx->names || !rx->ctrl) {
		udp_rx_free(rx);
		return NULL;
	}
	return rx;
}

void udp_rx_free(udp_rx *rx)
{
	if (!rx)
		return;
	free(rx->mem);
	free(rx->msgs);
	free(rx->iov);
	free(rx->names);
	free(rx->ctrl);
	free(rx);
}

/* The errors an ICMP message leaves pending on a socket with IP_RECVERR:
 * the next receive or send fails with one of them, once. */
static bool icmp_errno(int e)
{
	return e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH ||
	       e == EHOSTDOWN || e == ENONET || e == EPROTO || e == EMSGSIZE ||
	       e == EACCES || e == ENOPROTOOPT;
}

int udp_recv(udp_sock *u, int fam, udp_rx *rx)
{
	for (size_t i = 0; i < rx->n; i++) {
		struct msghdr *h = &rx->msgs[i].msg_hdr;
		rx->iov[i].iov_base = rx->mem + i * UDP_MAX_DGRAM;
		rx->iov[i].iov_len = UDP_MAX_DGRAM;
		h->msg_name = &rx->names[i];
		h->msg_namelen = sizeof(rx->names[i]);
		h->msg_iov = &rx->iov[i];
		h->msg_iovlen = 1;
		h->msg_control = rx->ctrl[i].buf;
		h->msg_controllen = sizeof(rx->ctrl[i].buf);
		h->msg_flags = 0;
	}
	rx->count = 0;
	rx->port = u->port;
	int n, tries = 0;
	do
		n = recvmmsg(u->fd[fam], rx->msgs, (unsigned)rx->n,
			     MSG_DONTWAIT, NULL);
	while (n < 0 && (errno == EINTR || icmp_errno(errno)) && ++tries < 8);
	if (n < 0 && icmp_errno(errno))
		return 0;
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	/* Keep only whole datagrams, in order. */
	size_t kept = 0;
	for (int i = 0; i < n; i++) {
		if (rx->msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
			u->rx_truncated++;
			continue;
		}
		u->rx_packets++;
		u->rx_bytes += rx->msgs[i].msg_len;
		if (kept != (size_t)i) {
			struct mmsghdr m = rx->msgs[kept];
			rx->msgs[kept] = rx->msgs[i];
			rx->msgs[i] = m;
		}
		kept++;
	}
	rx->count = kept;
	return (int)kept;
}

int udp_recv_error(udp_sock *u, int fam, uint8_t *buf, size_t *len,
		   esctp_addr *to, bool *unreach)
{
	struct sockaddr_storage name;
	/* IP_RECVERR's message, and IP_PKTINFO's before it. */
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE(sizeof(struct sock_extended_err) +
				       sizeof(struct sockaddr_in6)) +
			    CMSG_SPACE(sizeof(struct in6_pktinfo)) + 64];
	} ctrl;
	struct iovec iov = {.iov_base = buf, .iov_len = *len};
	struct msghdr h = {.msg_name = &name,
			   .msg_namelen = sizeof(name),
			   .msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = ctrl.buf,
			   .msg_controllen = sizeof(ctrl.buf)};
	ssize_t n;
	do
		n = recvmsg(u->fd[fam], &h, MSG_ERRQUEUE | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	*len = (size_t)n;
	*unreach = false;
	memset(to, 0, sizeof(*to));
	if (udp_addr_from_sockaddr(to, (struct sockaddr *)&name,
				   h.msg_namelen) < 0)
		return 1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
		bool v4 = c->cmsg_level == IPPROTO_IP &&
			  c->cmsg_type == IP_RECVERR;
		bool v6 = c->cmsg_level == IPPROTO_IPV6 &&
			  c->cmsg_type == IPV6_RECVERR;
		if (!v4 && !v6)
			continue;
		struct sock_extended_err ee;
		memcpy(&ee, CMSG_DATA(c), sizeof(ee));
		/* Destination Unreachable, Port or Protocol Unreachable
		 * (ICMP type 3 codes 3 and 2; ICMPv6 type 1 code 4, and
		 * type 4 code 1 for an unknown next header). */
		if (ee.ee_origin == SO_EE_ORIGIN_ICMP)
			*unreach = ee.ee_type == 3 &&
				   (ee.ee_code == 3 || ee.ee_code == 2);
		else if (ee.ee_origin == SO_EE_ORIGIN_ICMP6)
			*unreach = (ee.ee_type == 1 && ee.ee_code == 4) ||
				   (ee.ee_type == 4 && ee.ee_code == 1);
	}
	return 1;
}

/* The local address the datagram was sent to, from its packet-info message. */
static void rx_dst(const struct msghdr *h, esctp_addr *dst)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR((struct msghdr *)h); c;
	     c = CMSG_NXTHDR((struct msghdr *)h, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			dst->family = ESCTP_AF_INET;
			memcpy(dst->ip, &pi.ipi_addr, 4);
			return;
		}
		if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			dst->family = ESCTP_AF_INET6;
			memcpy(dst->ip, &pi.ipi6_addr, 16);
			if (IN6_IS_ADDR_LINKLOCAL(&pi.ipi6_addr))
				dst->scope_id = pi.ipi6_ifindex;
			return;
		}
	}
}

void udp_rx_get(const udp_rx *rx, size_t i, uint8_t **buf, size_t *len,
		esctp_addr *src, esctp_addr *dst)
{
	const struct msghdr *h = &rx->msgs[i].msg_hdr;

	*buf = h->msg_iov->iov_base;
	*len = rx->msgs[i].msg_len;
	if (udp_addr_from_sockaddr(src, h->msg_name, h->msg_namelen) < 0)
		memset(src, 0, sizeof(*src));
	memset(dst, 0, sizeof(*dst));
	rx_dst(h, dst);
	dst->port = rx->port;
}

/* ---- sending ---- */

udp_tx *udp_tx_new(size_t n, size_t slot_size)
{
	udp_tx *tx = calloc(1, sizeof(*tx));

	if (!tx)
		return NULL;
	tx->n = n;
	tx->slot_size = slot_size;
	tx->mem = malloc(n * slot_size);
	tx->slots = calloc(n, sizeof(*tx->slots));
	tx->tmp = calloc(n, sizeof(*tx->tmp));
	tx->msgs = calloc(n, sizeof(*tx->msgs));
	tx->iov = calloc(n, sizeof(*tx->iov));
	if (!tx->mem || !tx->slots || !tx->tmp || !tx->msgs || !tx->iov) {
		udp_tx_free(tx);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		tx->slots[i].buf = tx->mem + i * slot_size;
	return tx;
}

void udp_tx_free(udp_tx *tx)
{
	if (!tx)
		return;
	free(tx->mem);
	free(tx->slots);
	free(tx->tmp);
	free(tx->msgs);
	free(tx->iov);
	free(tx);
}

uint8_t *udp_tx_slot(udp_tx *tx, size_t *cap)
{
	if (tx->count == tx->n)
		return NULL;
	*cap = tx->slot_size;
	return tx->slots[tx->count].buf;
}

size_t udp_tx_pending(const udp_tx *tx)
{
	return tx->count;
}

int udp_tx_head_family(const udp_tx *tx)
{
	return tx->count ? tx->slots[0].fam : -1;
}

static bool ip_is_zero(const esctp_addr *a)
{
	static const uint8_t zero[16];

	return memcmp(a->ip, zero, a->family == ESCTP_AF_INET ? 4 : 16) == 0;
}

/* Chooses the source address with a packet-info message (multihoming: reply
 * from the address the peer used). */
static size_t tx_src_ctrl(udp_ctrl *ctrl, const esctp_addr *src, int fam)
{
	struct cmsghdr *c = (struct cmsghdr *)ctrl->buf;

	if (!src || ip_is_zero(src))
		return 0;
	if (fam == UDP_V4 && src->family == ESCTP_AF_INET) {
		struct in_pktinfo pi;
		memset(&pi, 0, sizeof(pi));
		memcpy(&pi.ipi_spec_dst, src->ip, 4);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		return CMSG_SPACE(sizeof(pi));
	}
	if (fam == UDP_V6 && src->family == ESCTP_AF_INET6) {
		struct in6_pktinfo pi;
		memset(&pi, 0, sizeof(pi));
		memcpy(&pi.ipi6_addr, src->ip, 16);
		pi.ipi6_ifindex = src->scope_id;
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		return CMSG_SPACE(sizeof(pi));
	}
	return 0;
}

void udp_tx_commit(udp_tx *tx, size_t len, const esctp_addr *src,
		   const esctp_addr *dst)
{
	tx_slot *s = &tx->slots[tx->count++];

	s->len = len;
	s->fam = dst->family == ESCTP_AF_INET6 ? UDP_V6 : UDP_V4;
	s->namelen = udp_addr_to_sockaddr(dst, &s->name);
	s->ctrllen = tx_src_ctrl(&s->ctrl, src, s->fam);
}

/* Forgets the first k slots; the rest move forward and the sent slots' buffers
 * go to the back, so every slot keeps a buffer of its own. */
static void tx_consume(udp_tx *tx, size_t k)
{
	if (k == 0)
		return;
	if (k < tx->count) {
		memcpy(tx->tmp, tx->slots, k * sizeof(tx_slot));
		memmove(tx->slots, tx->slots + k,
			(tx->count - k) * sizeof(tx_slot));
		memcpy(tx->slots + tx->count - k, tx->tmp, k * sizeof(tx_slot));
	}
	tx->count -= k;
}

static void tx_build(udp_tx *tx, size_t m, tx_slot *s)
{
	struct msghdr *h = &tx->msgs[m].msg_hdr;

	tx->iov[m].iov_base = s->buf;
	tx->iov[m].iov_len = s->len;
	h->msg_name = &s->name;
	h->msg_namelen = s->namelen;
	h->msg_iov = &tx->iov[m];
	h->msg_iovlen = 1;
	h->msg_control = s->ctrllen ? s->ctrl.buf : NULL;
	h->msg_controllen = s->ctrllen;
	h->msg_flags = 0;
}

static void tx_drop(udp_sock *u, int err)
{
	u->tx_dropped++;
	u->last_tx_errno = err;
}

int udp_tx_flush(udp_sock *u, udp_tx *tx)
{
	size_t done = 0;
	int rc = 0;
	bool retried = false;

	while (done < tx->count) {
		tx_slot *first = &tx->slots[done];
		int fd = u->fd[first->fam];
		if (fd < 0 || first->namelen == 0) {
			tx_drop(u, EAFNOSUPPORT);
			done++;
			continue;
		}
		/* One sendmmsg per run of packets of one family. */
		size_t m = 0;
		while (done + m < tx->count &&
		       tx->slots[done + m].fam == first->fam &&
		       tx->slots[done + m].namelen) {
			tx_build(tx, m, &tx->slots[done + m]);
			m++;
		}
		int r = sendmmsg(fd, tx->msgs, (unsigned)m, MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				rc = 1;
				break;
			}
			/* An ICMP error that came back for an earlier datagram
			 * (IP_RECVERR) fails the next send once: the datagram
			 * itself may well go. */
			if (!retried && icmp_errno(errno)) {
				retried = true;
				continue;
			}
			/* This datagram cannot go (no route, too big...). */
			tx_drop(u, errno);
			retried = false;
			done++;
			continue;
		}
		retried = false;
		for (int i = 0; i < r; i++)
			u->tx_bytes += tx->slots[done + (size_t)i].len;
		u->tx_packets += (uint64_t)r;
		done += (size_t)r;
	}
	tx_consume(tx, done);
	return rc;
}
