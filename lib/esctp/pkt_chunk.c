/*
 * pkt_chunk.c - decoders and writers of the chunks of RFC 9260 §3.3 and of
 * FORWARD TSN (RFC 3758 §3.2).  Decoders take a chunk that pkt_iter_next()
 * framed and check its value length before every read; writers append to a
 * wbuf and leave the sticky ESCTP_ERR_NOBUF when the chunk does not fit.
 */
#include "pkt.h"

static void set_nobuf(wbuf *w)
{
	if (!w->err)
		w->err = ESCTP_ERR_NOBUF;
}

/* Reserves a chunk of hdr + len bytes plus padding in one check, for the
 * fixed-size writers and the DATA hot path.  NULL on overflow, including a
 * chunk longer than the 16-bit Chunk Length can say. */
static uint8_t *chunk_reserve(wbuf *w, size_t hdr, size_t len)
{
	if (w->err)
		return NULL;
	if (hdr > UINT16_MAX || len > UINT16_MAX - hdr) {
		set_nobuf(w);
		return NULL;
	}
	size_t clen = hdr + len;
	size_t total = PAD4(clen);
	if (total > w->cap - w->len) {
		set_nobuf(w);
		return NULL;
	}
	uint8_t *p = w->p + w->len;
	w->len += total;
	/* RFC 9260 §3.2: "the sender MUST pad the chunk with all zero
	 * bytes" */
	if (total != clen)
		memset(p + clen, 0, total - clen);
	return p;
}

static void put_chunk_header(uint8_t *p, uint8_t type, uint8_t flags,
			     size_t clen)
{
	p[0] = type;
	p[1] = flags;
	put16(p + 2, (uint16_t)clen);
}

/* ---- DATA (layout in pkt.h) ---- */

int chunk_data_decode(const pkt_chunk *c, chunk_data *d)
{
	if (c->value_len < DATA_HEADER_LEN - CHUNK_HEADER_LEN)
		return ESCTP_ERR_PROTO;
	const uint8_t *v = c->value;
	d->flags = c->flags;
	d->tsn = get32(v);
	d->stream = get16(v + 4);
	d->ssn = get16(v + 6);
	memcpy(&d->ppid, v + 8, 4);
	d->payload = v + 12;
	d->len = c->value_len - 12;
	return 0;
}

void chunk_put_data(wbuf *w, const chunk_data *d)
{
	uint8_t *p = chunk_reserve(w, DATA_HEADER_LEN, d->len);
	if (!p)
		return;
	size_t clen = DATA_HEADER_LEN + d->len;
	put_chunk_header(p, CT_DATA, d->flags, clen);
	put32(p + 4, d->tsn);
	put16(p + 8, d->stream);
	put16(p + 10, d->ssn);
	memcpy(p + 12, &d->ppid, 4);
	if (d->len)
		memcpy(p + DATA_HEADER_LEN, d->payload, d->len);
}

/*
 * INIT (1) and INIT ACK (2), RFC 9260 §3.3.2 and §3.3.3:
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Type = 1/2   |  Chunk Flags  |      Chunk Length             |
 * |                         Initiate Tag                          |
 * |           Advertised Receiver Window Credit (a_rwnd)          |
 * |  Number of Outbound Streams   |  Number of Inbound Streams    |
 * |                          Initial TSN                          |
 * \              Optional/Variable-Length Parameters              \
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
#define INIT_FIXED_LEN 16

int chunk_init_decode(const pkt_chunk *c, chunk_init *i)
{
	if (c->value_len < INIT_FIXED_LEN)
		return ESCTP_ERR_PROTO;
	const uint8_t *v = c->value;
	i->init_tag = get32(v);
	i->a_rwnd = get32(v + 4);
	i->os = get16(v + 8);
	i->mis = get16(v + 10);
	i->initial_tsn = get32(v + 12);
	i->params = v + INIT_FIXED_LEN;
	i->params_len = c->value_len - INIT_FIXED_LEN;
	return tlv_validate(i->params, i->params_len);
}

void chunk_put_init_fixed(wbuf *w, const chunk_init *i)
{
	wbuf_put32(w, i->init_tag);
	wbuf_put32(w, i->a_rwnd);
	wbuf_put16(w, i->os);
	wbuf_put16(w, i->mis);
	wbuf_put32(w, i->initial_tsn);
}

/*
 * SACK (3), RFC 9260 §3.3.4:
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Type = 3    |  Chunk Flags  |         Chunk Length          |
 * |                      Cumulative TSN Ack                       |
 * |          Advertised Receiver Window Credit (a_rwnd)           |
 * | Number of Gap Ack Blocks = N  |  Number of Duplicate TSNs = M |
 * |    Gap Ack Block #1 Start     |   Gap Ack Block #1 End        |
 * /                              ...                              /
 * |   Gap Ack Block #N Start      |  Gap Ack Block #N End         |
 * |                       Duplicate TSN 1                         |
 * /                              ...                              /
 * |                       Duplicate TSN M                         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
#define SACK_FIXED_LEN 12

int chunk_sack_decode(const pkt_chunk *c, chunk_sack *s)
{
	if (c->value_len < SACK_FIXED_LEN)
		return ESCTP_ERR_PROTO;
	const uint8_t *v = c->value;
	s->cum_tsn = get32(v);
	s->a_rwnd = get32(v + 4);
	s->ngaps = get16(v + 8);
	s->ndups = get16(v + 10);
	/* The counts are the attacker's: they must account for the length
	 * exactly, or the gap and duplicate lists would be misread. */
	size_t want =
	    SACK_FIXED_LEN + 4 * (size_t)s->ngaps + 4 * (size_t)s->ndups;
	if (want != c->value_len)
		return ESCTP_ERR_PROTO;
	s->gaps = v + SACK_FIXED_LEN;
	s->dups = s->gaps + 4 * (size_t)s->ngaps;
	return 0;
}

void chunk_sack_gap(const chunk_sack *s, unsigned i, uint16_t *start,
		    uint16_t *end)
{
	if (i >= s->ngaps) {
		*start = *end = 0;
		return;
	}
	*start = get16(s->gaps + 4 * (size_t)i);
	*end = get16(s->gaps + 4 * (size_t)i + 2);
}

uint32_t chunk_sack_dup(const chunk_sack *s, unsigned i)
{
	return i < s->ndups ? get32(s->dups + 4 * (size_t)i) : 0;
}

void chunk_put_sack(wbuf *w, uint32_t cum_tsn, uint32_t a_rwnd,
		    const uint16_t *gaps, unsigned ngaps, const uint32_t *dups,
		    unsigned ndups)
{
	if (ngaps > UINT16_MAX || ndups > UINT16_MAX) {
		set_nobuf(w);
		return;
	}
	size_t clen = CHUNK_HEADER_LEN + SACK_FIXED_LEN + 4 * (size_t)ngaps +
		      4 * (size_t)ndups;
	uint8_t *p = chunk_reserve(w, clen, 0);
	if (!p)
		return;
	put_chunk_header(p, CT_SACK, 0, clen);
	put32(p + 4, cum_tsn);
	put32(p + 8, a_rwnd);
	put16(p + 12, (uint16_t)ngaps);
	put16(p + 14, (uint16_t)ndups);
	p += 16;
	for (unsigned i = 0; i < ngaps; i++, p += 4) {
		put16(p, gaps[2 * i]);
		put16(p + 2, gaps[2 * i + 1]);
	}
	for (unsigned i = 0; i < ndups; i++, p += 4)
		put32(p, dups[i]);
}

/*
 * FORWARD TSN (192), RFC 3758 §3.2:
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Type = 192  |  Flags = 0x00 |        Length = Variable      |
 * |                      New Cumulative TSN                       |
 * |         Stream-1              |       Stream Sequence-1       |
 * \                              ...                              \
 * |         Stream-N              |       Stream Sequence-N       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
int chunk_fwdtsn_decode(const pkt_chunk *c, chunk_fwdtsn *f)
{
	if (c->value_len < 4 || (c->value_len - 4) % 4 != 0)
		return ESCTP_ERR_PROTO;
	f->new_cum_tsn = get32(c->value);
	/* value_len < 65536, so the count fits in 16 bits. */
	f->nstreams = (uint16_t)((c->value_len - 4) / 4);
	f->streams = c->value + 4;
	return 0;
}

void chunk_fwdtsn_stream(const chunk_fwdtsn *f, unsigned i, uint16_t *stream,
			 uint16_t *ssn)
{
	if (i >= f->nstreams) {
		*stream = *ssn = 0;
		return;
	}
	*stream = get16(f->streams + 4 * (size_t)i);
	*ssn = get16(f->streams + 4 * (size_t)i + 2);
}

void chunk_put_fwdtsn(wbuf *w, uint32_t new_cum_tsn, const uint16_t *streams,
		      unsigned n)
{
	if (n > UINT16_MAX) {
		set_nobuf(w);
		return;
	}
	size_t clen = 8 + 4 * (size_t)n;
	uint8_t *p = chunk_reserve(w, clen, 0);
	if (!p)
		return;
	put_chunk_header(p, CT_FORWARD_TSN, 0, clen);
	put32(p + 4, new_cum_tsn);
	p += 8;
	for (unsigned i = 0; i < n; i++, p += 4) {
		put16(p, streams[2 * i]);
		put16(p + 2, streams[2 * i + 1]);
	}
}

/*
 * SHUTDOWN (7), ECNE (12), CWR (13), RFC 9260 §3.3.8, §3.3.11, §3.3.12:
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Type = 7/12/13 | Chunk Flags |          Length = 8           |
 * |     Cumulative TSN Ack / Lowest TSN Number / TSN Number       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
int chunk_u32_decode(const pkt_chunk *c, uint32_t *v)
{
	if (c->value_len < 4)
		return ESCTP_ERR_PROTO;
	*v = get32(c->value);
	return 0;
}

void chunk_put_u32(wbuf *w, uint8_t type, uint8_t flags, uint32_t v)
{
	uint8_t *p = chunk_reserve(w, 8, 0);
	if (!p)
		return;
	put_chunk_header(p, type, flags, 8);
	put32(p + 4, v);
}

/* COOKIE ACK (11), SHUTDOWN ACK (8), SHUTDOWN COMPLETE (14) and an ABORT
 * (6) without causes: the 4-byte header alone. */
void chunk_put_empty(wbuf *w, uint8_t type, uint8_t flags)
{
	uint8_t *p = chunk_reserve(w, CHUNK_HEADER_LEN, 0);
	if (p)
		put_chunk_header(p, type, flags, CHUNK_HEADER_LEN);
}

/*
 * HEARTBEAT (4) and HEARTBEAT ACK (5), RFC 9260 §3.3.5 and §3.3.6:
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Type = 4/5  |  Chunk Flags  |      Heartbeat Length         |
 * |    Heartbeat Info Type = 1    |      HB Info Length           |
 * /            Sender-Specific Heartbeat Info                     /
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
int chunk_heartbeat_decode(const pkt_chunk *c, const uint8_t **info,
			   size_t *len)
{
	tlv_iter it;
	tlv t;
	tlv_iter_init(&it, c->value, c->value_len);
	if (!tlv_iter_next(&it, &t) || t.type != PT_HEARTBEAT_INFO)
		return ESCTP_ERR_PROTO;
	*info = t.value;
	*len = t.value_len;
	return 0;
}

void chunk_put_heartbeat(wbuf *w, uint8_t type, const void *info, size_t len)
{
	size_t off = chunk_open(w, type, 0);
	tlv_put(w, PT_HEARTBEAT_INFO, info, len);
	chunk_close(w, off);
}

/*
 * COOKIE ECHO (10), RFC 9260 §3.3.11:
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Type = 10   |  Chunk Flags  |            Length             |
 * /                            Cookie                             /
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
void chunk_put_cookie_echo(wbuf *w, const void *cookie, size_t len)
{
	uint8_t *p = chunk_reserve(w, CHUNK_HEADER_LEN, len);
	if (!p)
		return;
	put_chunk_header(p, CT_COOKIE_ECHO, 0, CHUNK_HEADER_LEN + len);
	if (len)
		memcpy(p + CHUNK_HEADER_LEN, cookie, len);
}
