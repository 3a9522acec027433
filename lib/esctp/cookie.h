/*
 * cookie.h - the State Cookie (RFC 9260 §5.1.3, §5.1.5): everything needed
 * to build an association from a COOKIE ECHO, so a listening endpoint keeps
 * no state between INIT and COOKIE ECHO.
 *
 * The cookie is signed with the host's keyed MAC (esctp_ops.cookie_mac) and
 * is hostile input when it comes back: a fixed, versioned layout, every
 * length and count checked, the MAC checked before any field is believed.
 */
#ifndef ESCTP_COOKIE_H
#define ESCTP_COOKIE_H

#include "internal.h"

#define COOKIE_VERSION 2   /* 2 added the peer's Adaptation Code Point */
#define COOKIE_MAX_ADDRS 8 /* peer addresses kept besides the INIT's source */
#define COOKIE_FIXED_LEN 104
#define COOKIE_ADDR_LEN 24
#define COOKIE_MAX_LEN                                                         \
	(COOKIE_FIXED_LEN + COOKIE_MAX_ADDRS * COOKIE_ADDR_LEN + ESCTP_MAC_LEN)

typedef struct cookie {
	uint32_t local_vtag; /* the Initiate Tag of our INIT ACK */
	uint32_t peer_vtag;  /* the Initiate Tag of the peer's INIT */
	uint32_t local_tie;  /* tie-tags (§5.2.1, §5.2.2); 0 when no TCB */
	uint32_t peer_tie;
	uint32_t local_tsn; /* our Initial TSN */
	uint32_t peer_tsn;  /* the peer's Initial TSN */
	uint32_t peer_rwnd;
	uint16_t out_streams; /* negotiated, §5.1.1 */
	uint16_t in_streams;
	uint16_t local_port;
	uint16_t peer_port;
	bool prsctp;	      /* both ends offered Forward-TSN */
	esctp_tstamp created; /* host time when the cookie was made */
	uint32_t life_ms;     /* Valid.Cookie.Life plus any preservative */
	esctp_addr src;	      /* the INIT's source: peer IP + UDP port */
	esctp_addr dst;	      /* the local address the INIT reached */
	uint8_t naddrs;
	esctp_addr addrs[COOKIE_MAX_ADDRS]; /* other peer addresses */
	/* The INIT's Adaptation Layer Indication (RFC 5061), if any. */
	bool peer_adaptation_present;
	uint32_t peer_adaptation; /* its code point; 0 when absent */
} cookie;

/* Encodes and signs c into buf (cap bytes).  Returns the cookie length, or
 * 0 when cap is too small or c is out of range (naddrs). */
size_t cookie_encode(const cookie *c, const esctp_ops *ops, uint8_t *buf,
		     size_t cap);

/* Verifies the MAC of the len bytes at p first (RFC 9260 §5.1.5 step 1-2),
 * then the version and every length, and fills *c.  Does not look at the
 * time: see cookie_staleness().  Returns 0 or ESCTP_ERR_PROTO (the packet
 * must be discarded silently). */
int cookie_decode(const uint8_t *p, size_t len, const esctp_ops *ops,
		  cookie *c);

/* §5.1.5 step 4: 0 when the cookie is still alive at now, otherwise how long
 * ago it expired, in microseconds (at least 1, saturated to UINT32_MAX): the
 * "Measure of Staleness" of the Stale Cookie error cause. */
uint32_t cookie_staleness(const cookie *c, esctp_tstamp now);

#endif
