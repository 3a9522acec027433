/*
 * ootb.c - out-of-the-blue packets (RFC 9260 §8.4, with the verification
 * tag rules of §8.5.1), and the stateless helpers of esctp.h that hosts use
 * before any endpoint is involved.
 */
#include "ootb.h"

/* What §8.4 needs to know about a packet, from one pass over its chunks. */
typedef struct ootb_scan {
	unsigned nchunks;
	pkt_chunk first;
	bool abort;
	bool shutdown_ack;
	bool shutdown_complete;
	bool cookie_ack;
	bool stale_cookie;
} ootb_scan;

static bool has_stale_cookie_cause(const pkt_chunk *c)
{
	tlv_iter it;
	tlv t;
	tlv_iter_init(&it, c->value, c->value_len);
	while (tlv_iter_next(&it, &t))
		if (t.type == CAUSE_STALE_COOKIE)
			return true;
	return false;
}

static void scan(const uint8_t *pkt, size_t len, ootb_scan *s)
{
	pkt_iter it;
	pkt_chunk c;
	memset(s, 0, sizeof *s);
	pkt_iter_init(&it, pkt, len);
	while (pkt_iter_next(&it, &c)) {
		if (s->nchunks++ == 0)
			s->first = c;
		switch (c.type) {
		case CT_ABORT:
			s->abort = true;
			break;
		case CT_SHUTDOWN_ACK:
			s->shutdown_ack = true;
			break;
		case CT_SHUTDOWN_COMPLETE:
			s->shutdown_complete = true;
			break;
		case CT_COOKIE_ACK:
			s->cookie_ack = true;
			break;
		case CT_ERROR:
			if (has_stale_cookie_cause(&c))
				s->stale_cookie = true;
			break;
		default:
			break;
		}
	}
}

/* A one-chunk reply to the packet's source: ports swapped. */
static bool reply(wbuf *w, const pkt_header *h, uint32_t vtag, uint8_t type,
		  uint8_t flags)
{
	pkt_put_header(w, h->dst_port, h->src_port, vtag);
	chunk_put_empty(w, type, flags);
	pkt_finish(w);
	return w->err == 0;
}

/* Rule 3, for an INIT nobody will process: "If, for whatever reason, the
 * INIT cannot be processed normally and an ABORT has to be sent in
 * response, the Verification Tag of the packet containing the ABORT chunk
 * MUST be the Initiate Tag of the received INIT chunk, and the T bit of the
 * ABORT chunk has to be set to 0". */
static bool reply_init(const pkt_chunk *c, const pkt_header *h, wbuf *w)
{
	chunk_init init;
	if (chunk_init_decode(c, &init) < 0)
		return false;
	/* §3.3.2: "If the value of the Initiate Tag in a received INIT chunk
	 * is found to be 0, the receiver MUST silently discard the packet." */
	if (init.init_tag == 0)
		return false;
	return reply(w, h, init.init_tag, CT_ABORT, 0);
}

bool ootb_reply(const uint8_t *pkt, size_t len, const pkt_header *h, wbuf *w)
{
	ootb_scan s;
	scan(pkt, len, &s);
	/* A packet without chunks asks nothing; answering it would only
	 * help a scanner. */
	if (s.nchunks == 0)
		return false;
	/* Rule 2: "If the OOTB packet contains an ABORT chunk, the receiver
	 * MUST silently discard the OOTB packet and take no further
	 * action." */
	if (s.abort)
		return false;
	/* §8.5.1 (A): "When an endpoint receives an SCTP packet with the
	 * Verification Tag set to 0, it SHOULD verify that the packet
	 * contains only an INIT chunk. Otherwise, the receiver MUST silently
	 * discard the packet." */
	if (h->vtag == 0) {
		if (s.nchunks != 1 || s.first.type != CT_INIT)
			return false;
		return reply_init(&s.first, h, w);
	}
	/* Rule 4 (COOKIE ECHO first) is the caller's; see ootb.h.  Rule 5:
	 * "the receiver of the OOTB packet MUST fill in the Verification
	 * Tag field of the outbound packet with the Verification Tag
	 * received in the SHUTDOWN ACK chunk and set the T bit". */
	if (s.shutdown_ack)
		return reply(w, h, h->vtag, CT_SHUTDOWN_COMPLETE, CHUNK_FLAG_T);
	/* Rules 6 and 7: SHUTDOWN COMPLETE, a "Stale Cookie" ERROR or a
	 * COOKIE ACK: silently discarded. */
	if (s.shutdown_complete || s.stale_cookie || s.cookie_ack)
		return false;
	/* Rule 8: "the receiver of the OOTB packet MUST fill in the
	 * Verification Tag field of the outbound packet with the value found
	 * in the Verification Tag field of the OOTB packet and set the T bit
	 * in the Chunk Flags to indicate that the Verification Tag is
	 * reflected." */
	return reply(w, h, h->vtag, CT_ABORT, CHUNK_FLAG_T);
}

int esctp_packet_peek(const uint8_t *pkt, size_t len, uint16_t *src_port,
		      uint16_t *dst_port, uint32_t *vtag)
{
	pkt_header h;
	if (pkt_parse(pkt, len, &h) < 0)
		return ESCTP_ERR_PROTO;
	if (src_port)
		*src_port = h.src_port;
	if (dst_port)
		*dst_port = h.dst_port;
	if (vtag)
		*vtag = h.vtag;
	return 0;
}

int esctp_packet_ootb_reply(const uint8_t *pkt, size_t len, uint8_t *buf,
			    size_t cap)
{
	pkt_header h;
	wbuf w;
	if (pkt_parse(pkt, len, &h) < 0)
		return 0;
	wbuf_init(&w, buf, cap);
	if (!ootb_reply(pkt, len, &h, &w))
		return 0;
	return (int)w.len;
}
