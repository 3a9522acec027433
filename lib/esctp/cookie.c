/*
 * cookie.c - the State Cookie: encoding, MAC and hostile-input decoding.
 *
 * Layout (version 2, big-endian), followed by the MAC over everything
 * before it:
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Version = 1  |     Flags     |    naddrs     |   Reserved    |  0
 * |                      Local Verification Tag                   |  4
 * |                      Peer Verification Tag                    |  8
 * |                         Local Tie-Tag                         | 12
 * |                         Peer Tie-Tag                          | 16
 * |                       Local Initial TSN                       | 20
 * |                       Peer Initial TSN                        | 24
 * |                        Peer a_rwnd                            | 28
 * |       Outbound Streams        |        Inbound Streams        | 32
 * |          Local Port           |          Peer Port            | 36
 * |                   Creation Time (ns, 64 bits)                 | 40
 * |                      Lifetime (ms)                            | 48
 * \            INIT source address (24 bytes, see below)          \ 52
 * \            INIT destination address (24 bytes)                \ 76
 * |               Peer Adaptation Code Point (RFC 5061)           | 100
 * \            naddrs further peer addresses (24 bytes each)      \ 104
 * \                          MAC (32 bytes)                       \
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * An address: family (8), reserved (8), UDP port (16), scope id (32), IP
 * (128).  Flags bit 0: PR-SCTP negotiated; bit 1: the INIT carried an
 * Adaptation Layer Indication (its code point is 0 otherwise); the other
 * bits are 0.  Version 1 (before the code point) is no longer accepted: a
 * peer holding one gets no answer to its COOKIE ECHO and starts again.
 */
#include "cookie.h"

#define FLAG_PRSCTP 0x01
#define FLAG_ADAPTATION 0x02
#define FLAGS_KNOWN (FLAG_PRSCTP | FLAG_ADAPTATION)

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint64_t get64(const uint8_t *p)
{
	return ((uint64_t)get32(p) << 32) | get32(p + 4);
}

static void put_addr(uint8_t *p, const esctp_addr *a)
{
	p[0] = a->family;
	p[1] = 0;
	put16(p + 2, a->port);
	put32(p + 4, a->scope_id);
	memcpy(p + 8, a->ip, 16);
}

/* The family must be one we can send to; allow_none for the local side,
 * which may be unspecified. */
static int get_addr(const uint8_t *p, esctp_addr *a, bool allow_none)
{
	memset(a, 0, sizeof *a);
	a->family = p[0];
	a->port = get16(p + 2);
	a->scope_id = get32(p + 4);
	memcpy(a->ip, p + 8, 16);
	if (a->family == ESCTP_AF_INET || a->family == ESCTP_AF_INET6)
		return 0;
	return allow_none && a->family == 0 ? 0 : ESCTP_ERR_PROTO;
}

size_t cookie_encode(const cookie *c, const esctp_ops *ops, uint8_t *buf,
		     size_t cap)
{
	if (c->naddrs > COOKIE_MAX_ADDRS)
		return 0;
	size_t body = COOKIE_FIXED_LEN + (size_t)c->naddrs * COOKIE_ADDR_LEN;
	if (cap < body + ESCTP_MAC_LEN)
		return 0;
	memset(buf, 0, body);
	buf[0] = COOKIE_VERSION;
	buf[1] = (uint8_t)((c->prsctp ? FLAG_PRSCTP : 0) |
			   (c->peer_adaptation_present ? FLAG_ADAPTATION : 0));
	buf[2] = c->naddrs;
	put32(buf + 4, c->local_vtag);
	put32(buf + 8, c->peer_vtag);
	put32(buf + 12, c->local_tie);
	put32(buf + 16, c->peer_tie);
	put32(buf + 20, c->local_tsn);
	put32(buf + 24, c->peer_tsn);
	put32(buf + 28, c->peer_rwnd);
	put16(buf + 32, c->out_streams);
	put16(buf + 34, c->in_streams);
	put16(buf + 36, c->local_port);
	put16(buf + 38, c->peer_port);
	put64(buf + 40, c->created);
	put32(buf + 48, c->life_ms);
	put_addr(buf + 52, &c->src);
	put_addr(buf + 76, &c->dst);
	if (c->peer_adaptation_present)
		put32(buf + 100, c->peer_adaptation);
	for (unsigned i = 0; i < c->naddrs; i++)
		put_addr(buf + COOKIE_FIXED_LEN + i * COOKIE_ADDR_LEN,
			 &c->addrs[i]);
	ops->cookie_mac(ops->user, buf, body, buf + body);
	return body + ESCTP_MAC_LEN;
}

/* Compares without an early exit, so the time taken says nothing about
 * how many bytes of a forged MAC were right. */
static bool mac_equal(const uint8_t *a, const uint8_t *b)
{
	uint8_t d = 0;
	for (size_t i = 0; i < ESCTP_MAC_LEN; i++)
		d |= (uint8_t)(a[i] ^ b[i]);
	return d == 0;
}

static int decode_fields(const uint8_t *p, cookie *c)
{
	c->prsctp = (p[1] & FLAG_PRSCTP) != 0;
	c->peer_adaptation_present = (p[1] & FLAG_ADAPTATION) != 0;
	c->peer_adaptation = get32(p + 100);
	c->naddrs = p[2];
	c->local_vtag = get32(p + 4);
	c->peer_vtag = get32(p + 8);
	c->local_tie = get32(p + 12);
	c->peer_tie = get32(p + 16);
	c->local_tsn = get32(p + 20);
	c->peer_tsn = get32(p + 24);
	c->peer_rwnd = get32(p + 28);
	c->out_streams = get16(p + 32);
	c->in_streams = get16(p + 34);
	c->local_port = get16(p + 36);
	c->peer_port = get16(p + 38);
	c->created = get64(p + 40);
	c->life_ms = get32(p + 48);
	if (get_addr(p + 52, &c->src, false) < 0 ||
	    get_addr(p + 76, &c->dst, true) < 0)
		return ESCTP_ERR_PROTO;
	for (unsigned i = 0; i < c->naddrs; i++)
		if (get_addr(p + COOKIE_FIXED_LEN + i * COOKIE_ADDR_LEN,
			     &c->addrs[i], false) < 0)
			return ESCTP_ERR_PROTO;
	/* Tags and stream counts of zero are never put in a cookie. */
	if (!c->local_vtag || !c->peer_vtag || !c->out_streams ||
	    !c->in_streams)
		return ESCTP_ERR_PROTO;
	/* Nor is a code point without the flag that says one was sent. */
	if (!c->peer_adaptation_present && c->peer_adaptation)
		return ESCTP_ERR_PROTO;
	return 0;
}

int cookie_decode(const uint8_t *p, size_t len, const esctp_ops *ops, cookie *c)
{
	uint8_t mac[ESCTP_MAC_LEN];
	memset(c, 0, sizeof *c);
	if (len < COOKIE_FIXED_LEN + ESCTP_MAC_LEN || len > COOKIE_MAX_LEN)
		return ESCTP_ERR_PROTO;
	size_t body = len - ESCTP_MAC_LEN;
	/* RFC 9260 §5.1.5: "2) Authenticate the State Cookie as one that it
	 * previously generated by comparing the computed MAC against the one
	 * carried in the State Cookie. If this comparison fails, the SCTP
	 * packet, including the COOKIE ECHO and any DATA chunks, SHOULD be
	 * silently discarded." */
	ops->cookie_mac(ops->user, p, body, mac);
	if (!mac_equal(mac, p + body))
		return ESCTP_ERR_PROTO;
	/* Authentic, but still checked field by field: a key shared with
	 * another version of the engine must not make us misread it. */
	if (p[0] != COOKIE_VERSION || (p[1] & ~FLAGS_KNOWN) || p[3] != 0)
		return ESCTP_ERR_PROTO;
	if (p[2] > COOKIE_MAX_ADDRS ||
	    body != COOKIE_FIXED_LEN + (size_t)p[2] * COOKIE_ADDR_LEN)
		return ESCTP_ERR_PROTO;
	return decode_fields(p, c);
}

uint32_t cookie_staleness(const cookie *c, esctp_tstamp now)
{
	/* A cookie from the future was made under a clock that has since
	 * gone back: it cannot be aged, so it counts as stale. */
	if (now < c->created)
		return UINT32_MAX;
	esctp_tstamp expiry = ts_add(c->created, ms_to_ts(c->life_ms));
	if (now <= expiry)
		return 0;
	uint64_t us = (now - expiry) / 1000;
	if (us == 0)
		return 1;
	return us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}
