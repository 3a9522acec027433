/*
 * tcpinfo.h - TCP_INFO and TCP_MAXSEG of a converted TCP socket,
 * answered from its SCTP association as the kernel answers them for TCP
 * (net/ipv4/tcp.c, tcp_get_info): the layout and units of the kernel's
 * struct tcp_info (<linux/tcp.h>), figures mapped from esctp_status.
 */
#ifndef CLI_SCTPD_TCPINFO_H
#define CLI_SCTPD_TCPINFO_H

#include <stdbool.h>
#include <stdint.h>

#include "esctp.h"

struct tcp_info;
typedef struct wsock wsock;

/* TCP's MSS before the path is known (TCP_MSS_DEFAULT, RFC 1122): what
 * the kernel reports for an unconnected socket. */
#define SD_TCP_MSS_DEFAULT 536u
/* Bytes of every packet in front of the user data of a full DATA chunk:
 * the SCTP common header (12) and the DATA chunk header (16). */
#define SD_SCTP_DATA_OVERHEAD (12u + 16u)

/* What the daemon knows of a socket beside its association's status. */
typedef struct sd_tcpinfo_sock {
	int state;	   /* enum wsp_state */
	bool app_eof;	   /* the program shut down its write side */
	bool peer_eof;	   /* the peer will send no more */
	bool eof_unsent;   /* our in-band half-close not handed over yet */
	uint32_t backlog;  /* listen() backlog */
	uint32_t user_mss; /* TCP_MAXSEG the program set, 0: none */
	uint32_t rto_initial_ms; /* RTO.Initial: the RTO before any RTT */
	uint32_t sack_delay_ms;	 /* the delayed-SACK timer (TCP's ato) */
} sd_tcpinfo_sock;

/* The MSS a converted socket reports (TCP_MAXSEG, tcpi_snd_mss): the
 * primary path's MTU less the SCTP common and DATA chunk headers, i.e. the
 * user data of one full DATA chunk.  Without an association (st NULL or
 * without paths), as the kernel does before connecting: the program's
 * TCP_MAXSEG if it set one, else SD_TCP_MSS_DEFAULT. */
uint32_t sd_tcpinfo_mss(const esctp_status *st, const sd_tcpinfo_sock *sk);

/* Fills *ti (every byte, zero where SCTP has no such figure) from the
 * association's status st (NULL when the socket has none: new, bound,
 * listening) and the socket's own state sk.  Pure: no clock, no I/O. */
void sd_tcpinfo_fill(const esctp_status *st, const sd_tcpinfo_sock *sk,
		     struct tcp_info *ti);

/* getsockopt(IPPROTO_TCP, TCP_INFO or TCP_MAXSEG) on s: writes the value
 * into val (room for *len bytes, at least sizeof(struct tcp_info)) and its
 * full length into *len; the shim truncates it to the program's length as
 * the kernel does.  Returns 0, or ENOPROTOOPT for another option name. */
int sd_tcpinfo_getopt(wsock *s, int name, void *val, uint32_t *len);

#endif
