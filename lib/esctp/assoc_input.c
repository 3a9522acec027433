/*
 * assoc_input.c - a received packet on an existing association: the
 * verification tag rules (RFC 9260 §8.5, §8.5.1), bundling rules (§6.10)
 * and the chunk dispatcher, one handler per chunk type.
 */
#include "assoc.h"
#include "ootb.h"

void in_add_cause(in_ctx *cx, uint16_t code, const void *v1, size_t l1,
		  const void *v2, size_t l2)
{
	size_t need = PAD4(4 + l1 + l2);
	if (cx->nerr + need > sizeof cx->err)
		return; /* reports are best effort; the packet is not */
	uint8_t *p = cx->err + cx->nerr;
	memset(p, 0, need);
	put16(p, code);
	put16(p + 2, (uint16_t)(4 + l1 + l2));
	if (l1)
		memcpy(p + 4, v1, l1);
	if (l2)
		memcpy(p + 4 + l1, v2, l2);
	cx->nerr += need;
	cx->err_pad = (uint8_t)(need - (4 + l1 + l2));
}

/* The causes gathered while processing the packet go back in one ERROR
 * chunk to where the packet came from (§6.4: replies to the source). */
static void flush_errors(esctp_assoc *a, in_ctx *cx)
{
	wbuf w;
	if (!cx->nerr || !a->peer_vtag || !assoc_live(a))
		return;
	if (!ep_reply_begin(a->ep, &w, false))
		return;
	out_header(a, &w);
	size_t off = chunk_open(&w, CT_ERROR, 0);
	/* The chunk length stops at the last cause; chunk_close() pads. */
	wbuf_put(&w, cx->err, cx->nerr - cx->err_pad);
	chunk_close(&w, off);
	pkt_finish(&w);
	ep_reply_commit(a->ep, &w, cx->src, cx->dst);
}

/* RFC 9260 §8.5.1 (B): "The receiver of an ABORT chunk MUST accept the
 * packet if the Verification Tag field of the packet matches its own tag
 * and the T bit is not set OR if it is set to its Peer's Tag and the T bit
 * is set in the Chunk Flags. Otherwise, the receiver MUST silently discard
 * the packet and take no further action."  (C) says the same of SHUTDOWN
 * COMPLETE. */
static bool tbit_tag_ok(const esctp_assoc *a, uint32_t vtag, uint8_t flags)
{
	if (flags & CHUNK_FLAG_T)
		return a->peer_vtag != 0 && vtag == a->peer_vtag;
	return vtag == a->local_vtag;
}

/* RFC 9260 §3.2: the two high bits of an unrecognized chunk type: "00 -
 * Stop processing this SCTP packet; discard the unrecognized chunk and all
 * further chunks. 01 - Stop processing this SCTP packet, discard the
 * unrecognized chunk and all further chunks, and report the unrecognized
 * chunk in an ERROR chunk using the 'Unrecognized Chunk Type' error cause.
 * 10 - Skip this chunk and continue processing. 11 - Skip this chunk and
 * continue processing, but report in an ERROR chunk using the
 * 'Unrecognized Chunk Type' error cause." */
static void on_unknown(const pkt_chunk *c, in_ctx *cx)
{
	if (c->type & CHUNK_ACTION_REPORT) {
		uint8_t hdr[4] = {c->type, c->flags, 0, 0};
		put16(hdr + 2, c->length);
		/* The chunk goes back whole or, when too long for one
		 * report, not at all. */
		in_add_cause(cx, CAUSE_UNRECOGNIZED_CHUNK, hdr, 4, c->value,
			     c->value_len);
	}
	if (!(c->type & CHUNK_ACTION_SKIP))
		cx->stop = true;
}

static bool bundle_forbidden(uint8_t type)
{
	/* §6.10: "An endpoint MUST NOT bundle INIT, INIT ACK, or SHUTDOWN
	 * COMPLETE chunks with any other chunks." */
	return type == CT_INIT || type == CT_INIT_ACK ||
	       type == CT_SHUTDOWN_COMPLETE;
}

static void dispatch(esctp_assoc *a, const pkt_chunk *c, in_ctx *cx)
{
	switch (c->type) {
	case CT_DATA:
		data_on_data(a, c, cx);
		break;
	case CT_SACK:
		data_on_sack(a, c, cx);
		break;
	case CT_FORWARD_TSN:
		if (a->prsctp)
			data_on_fwdtsn(a, c, cx);
		else
			on_unknown(c, cx); /* not negotiated: not ours */
		break;
	case CT_HEARTBEAT:
		path_on_heartbeat(a, c, cx);
		break;
	case CT_HEARTBEAT_ACK:
		path_on_heartbeat_ack(a, c, cx);
		break;
	case CT_ABORT:
		if (tbit_tag_ok(a, cx->h->vtag, c->flags))
			sd_on_abort(a, c);
		cx->stop = true;
		break;
	case CT_SHUTDOWN:
		sd_on_shutdown(a, c, cx);
		break;
	case CT_SHUTDOWN_ACK:
		sd_on_shutdown_ack(a, cx);
		break;
	case CT_ERROR:
		sd_on_error(a, c, cx);
		break;
	case CT_COOKIE_ACK:
		hs_on_cookie_ack(a, cx);
		break;
	case CT_INIT_ACK:
		hs_on_init_ack(a, c, cx);
		break;
	case CT_INIT:
	case CT_COOKIE_ECHO:
	case CT_SHUTDOWN_COMPLETE:
		/* Only valid first in a packet (handled there). */
		cx->stop = true;
		break;
	case CT_ECNE:
	case CT_CWR:
	case CT_PAD:
		/* ECN is never offered, so ECNE/CWR carry nothing for us;
		 * PAD exists to be ignored (RFC 4820). */
		break;
	default:
		on_unknown(c, cx);
		break;
	}
}

void assoc_input_chunks(esctp_assoc *a, pkt_iter *it, in_ctx *cx)
{
	pkt_chunk c;
	while (!cx->stop && assoc_live(a) && pkt_iter_next(it, &c)) {
		if (bundle_forbidden(c.type) && !cx->single) {
			cx->stop = true;
			break;
		}
		dispatch(a, &c, cx);
	}
	if (assoc_live(a))
		data_packet_done(a, cx);
	flush_errors(a, cx);
}

static unsigned count_chunks(const uint8_t *pkt, size_t len)
{
	pkt_iter it;
	pkt_chunk c;
	unsigned n = 0;
	pkt_iter_init(&it, pkt, len);
	while (pkt_iter_next(&it, &c))
		n++;
	return n;
}

/* Packets whose first chunk has its own tag rules.  Returns true when the
 * packet was fully handled here. */
static bool first_chunk(esctp_assoc *a, const pkt_chunk *c, unsigned n,
			pkt_iter *it, in_ctx *cx, const uint8_t *pkt,
			size_t len)
{
	const pkt_header *h = cx->h;
	switch (c->type) {
	case CT_INIT:
		/* §8.5.1 (A): "When an endpoint receives an SCTP packet with
		 * the Verification Tag set to 0, it SHOULD verify that the
		 * packet contains only an INIT chunk. Otherwise, the receiver
		 * MUST silently discard the packet." */
		if (h->vtag == 0 && n == 1)
			hs_on_init(a, c, cx);
		return true;
	case CT_COOKIE_ECHO:
		if (hs_on_cookie_echo(a, c, cx) && assoc_live(a) &&
		    h->vtag == a->local_vtag) {
			a->packets_received++;
			assoc_input_chunks(a, it, cx);
		}
		return true;
	case CT_ABORT:
		if (tbit_tag_ok(a, h->vtag, c->flags)) {
			a->packets_received++;
			sd_on_abort(a, c);
		}
		return true;
	case CT_SHUTDOWN_COMPLETE:
		if (n == 1 && tbit_tag_ok(a, h->vtag, c->flags)) {
			a->packets_received++;
			sd_on_shutdown_complete(a, cx);
		}
		return true;
	case CT_SHUTDOWN_ACK:
		/* §8.5.1 (E): "If the receiver is in COOKIE-ECHOED or
		 * COOKIE-WAIT state, the procedures in Section 8.4 SHOULD be
		 * followed; in other words, it is treated as an OOTB
		 * packet." */
		if (a->state == ESCTP_COOKIE_WAIT ||
		    a->state == ESCTP_COOKIE_ECHOED) {
			ep_ootb(a->ep, pkt, len, h, cx->src, cx->dst);
			return true;
		}
		return false;
	default:
		return false;
	}
}

void assoc_input(esctp_assoc *a, const uint8_t *pkt, size_t len,
		 const pkt_header *h, uint8_t pi, const esctp_addr *src,
		 const esctp_addr *dst, esctp_tstamp now)
{
	in_ctx cx;
	pkt_iter it;
	pkt_chunk c;
	cx.h = h;
	cx.src = src;
	cx.dst = dst;
	cx.pi = pi;
	cx.now = now;
	cx.had_data = cx.immediate = cx.stop = false;
	cx.nerr = 0;
	cx.single = false;
	cx.err_pad = 0;
	unsigned n = count_chunks(pkt, len);
	pkt_iter_init(&it, pkt, len);
	if (!pkt_iter_next(&it, &c))
		return;
	if (bundle_forbidden(c.type) && n != 1)
		return;
	if (first_chunk(a, &c, n, &it, &cx, pkt, len))
		return;
	/* §8.5: "When receiving an SCTP packet, the endpoint MUST ensure
	 * that the value in the Verification Tag field of the received SCTP
	 * packet matches its own tag. If the received Verification Tag value
	 * does not match the receiver's own tag value, the receiver MUST
	 * silently discard the packet and MUST NOT process it any further". */
	if (h->vtag != a->local_vtag)
		return;
	cx.single = n == 1;
	a->packets_received++;
	if (pi != NO_PATH)
		path_learn_port(a, pi, src);
	pkt_iter_init(&it, pkt, len);
	assoc_input_chunks(a, &it, &cx);
}
