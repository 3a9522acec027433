/*
 * udp.h - the UDP encapsulation transport of RFC 6951: one non-blocking
 * socket per family bound to one UDP port, batched receive (recvmmsg) that
 * learns each packet's local address (IP_PKTINFO / IPV6_RECVPKTINFO), and a
 * batched send queue (sendmmsg) that keeps what the kernel refused for later.
 * No allocation per packet: batches are allocated once.
 */
#ifndef CLI_UDP_H
#define CLI_UDP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "esctp.h"

/* RFC 6951 §5.1: "the IANA-assigned UDP port number 9899 (sctp-tunneling)" */
#define UDP_ENCAP_PORT 9899
#define UDP_MAX_DGRAM 65536    /* a receive slot holds any UDP payload */
#define UDP_MAX_PAYLOAD4 65507 /* 65535 - IPv4 header 20 - UDP header 8 */
#define UDP_MAX_PAYLOAD6 65527 /* 65535 - UDP header 8 (no jumbograms) */
#define UDP_DEFAULT_BUFSIZE (32 * 1024 * 1024)

enum { UDP_V4 = 0, UDP_V6 = 1 };

typedef struct udp_config {
	uint16_t port; /* local UDP port; 0 picks a free one */
	bool no_ipv4, no_ipv6;
	int bufsize; /* SO_RCVBUF and SO_SNDBUF wish; 0 = default */
} udp_config;

typedef struct udp_sock {
	int fd[2];	    /* [UDP_V4], [UDP_V6]; -1 when that family is off */
	uint16_t port;	    /* the bound port */
	int rcvbuf, sndbuf; /* what the kernel granted (getsockopt, bytes) */
	uint64_t tx_packets, tx_bytes, tx_dropped;
	uint64_t rx_packets, rx_bytes, rx_truncated;
	int last_tx_errno; /* errno of the last dropped send, for reports */
} udp_sock;

void udp_config_default(udp_config *cfg);

/* Opens and binds the sockets.  With cfg->port 0 the IPv4 socket picks a free
 * port and the IPv6 one binds the same.  An IPv6 socket that cannot be created
 * (no IPv6 on the host) is skipped; any other failure closes everything and
 * writes one line naming the cause and the fix into err.  Returns 0 or -1. */
int udp_open(udp_sock *u, const udp_config *cfg, char *err, size_t errlen);
void udp_close(udp_sock *u);

/* ---- addresses ---- */

/* Converts a socket address (AF_INET, AF_INET6; v4-mapped IPv6 becomes IPv4)
 * into an esctp_addr whose port is the UDP port.  Returns 0 or -1. */
int udp_addr_from_sockaddr(esctp_addr *out, const struct sockaddr *sa,
			   socklen_t len);
/* The reverse; returns the socket address length, or 0 for a bad family. */
socklen_t udp_addr_to_sockaddr(const esctp_addr *a,
			       struct sockaddr_storage *ss);
/* Parses a numeric IPv4 or IPv6 address (optionally "%scope") with port.
 * Returns 0 or -1. */
int udp_addr_parse(esctp_addr *out, const char *ip, uint16_t port);
/* Formats "1.2.3.4:9899" or "[::1]:9899" into buf; returns buf. */
const char *udp_addr_str(const esctp_addr *a, char *buf, size_t len);

/* ---- receiving ---- */

typedef struct udp_rx udp_rx;

/* Allocates a receive batch of n slots of UDP_MAX_DGRAM bytes. */
udp_rx *udp_rx_new(size_t n);
void udp_rx_free(udp_rx *rx);

/* Receives up to a batch of datagrams from u->fd[fam] without blocking.
 * Returns how many arrived (0 when none: EAGAIN), or -1 with errno on a real
 * error.  Truncated datagrams are dropped and counted. */
int udp_recv(udp_sock *u, int fam, udp_rx *rx);
/* Reads one message of u->fd[fam]'s error queue (IP_RECVERR): an ICMP
 * error for a datagram we sent.  Returns 1 with *to the datagram's
 * destination (family 0 if unknown), buf and *len (on entry its size)
 * what the ICMP message quoted of its payload, and *unreach true for a
 * Destination Unreachable that says nothing listens there (port or
 * protocol unreachable); 0 when the queue is empty; -1 with errno. */
int udp_recv_error(udp_sock *u, int fam, uint8_t *buf, size_t *len,
		   esctp_addr *to, bool *unreach);
/* The i-th datagram of the last udp_recv(): payload, length, source (peer IP
 * and UDP port) and destination (local IP and port). */
void udp_rx_get(const udp_rx *rx, size_t i, uint8_t **buf, size_t *len,
		esctp_addr *src, esctp_addr *dst);

/* ---- sending ---- */

typedef struct udp_tx udp_tx;

/* Allocates a send queue of n slots of slot_size bytes each. */
udp_tx *udp_tx_new(size_t n, size_t slot_size);
void udp_tx_free(udp_tx *tx);
/* The buffer of the next free slot (slot_size bytes), or NULL when full. */
uint8_t *udp_tx_slot(udp_tx *tx, size_t *cap);
/* Queues the slot returned by udp_tx_slot() with len bytes to dst, sent from
 * src when src->family is set (IP_PKTINFO), otherwise from what the kernel
 * picks.  A destination of a family without a socket is dropped at flush. */
void udp_tx_commit(udp_tx *tx, size_t len, const esctp_addr *src,
		   const esctp_addr *dst);
/* Packets queued and not yet sent. */
size_t udp_tx_pending(const udp_tx *tx);
/* The family (UDP_V4, UDP_V6) of the first queued packet, the one a blocked
 * flush waits for; -1 when the queue is empty. */
int udp_tx_head_family(const udp_tx *tx);
/* Sends the queue in order with sendmmsg.  Returns 0 when the queue is empty
 * afterwards, 1 when the kernel would block (the rest stays queued: wait for
 * the socket to be writable).  Datagrams refused for any other reason are
 * dropped and counted (an SCTP packet lost is recovered by SCTP). */
int udp_tx_flush(udp_sock *u, udp_tx *tx);

#endif
