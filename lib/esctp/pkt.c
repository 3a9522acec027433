/*
 * pkt.c - the SCTP common header, CRC32c placement, chunk framing and the
 * write buffer (RFC 9260 §3.1, §3.2, §6.8, appendix B).
 */
#include "pkt.h"

/*
 * Common header (RFC 9260 §3.1):
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Source Port Number        |     Destination Port Number   |
 * |                      Verification Tag                         |
 * |                           Checksum                            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The checksum is the reflected CRC32c with final inversion, as
 * esctp_crc32c() returns it, stored least significant byte first: the RFC
 * 9260 appendix B reference code byte-swaps the register and then stores it
 * with htonl(), which on the wire is the register's little-endian bytes.
 * This is what Linux (cpu_to_le32), usrsctp and Wireshark do; the unit test
 * checks it on packets captured from a browser.
 */
#define CSUM_OFF 8

static uint32_t get_csum(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static void put_csum(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* RFC 9260 §6.8: the CRC is computed over the whole packet with the
 * checksum field set to zero; computed in three parts so that the
 * (read-only) packet is not copied. */
static uint32_t packet_crc(const uint8_t *pkt, size_t len)
{
	static const uint8_t zero[4];
	uint32_t crc = esctp_crc32c(0, pkt, CSUM_OFF);
	crc = esctp_crc32c(crc, zero, sizeof zero);
	return esctp_crc32c(crc, pkt + PKT_HEADER_LEN, len - PKT_HEADER_LEN);
}

/* Walks the chunks: each is at least a header, fits in the packet, and is
 * followed by its padding unless it is the last one (RFC 9260 §3.2: "The
 * receiver MUST ignore the padding bytes", and peers omit the last chunk's
 * padding, so a short tail is accepted there).  Returns the chunk count or
 * ESCTP_ERR_PROTO. */
static int count_chunks(const uint8_t *p, size_t left)
{
	int n = 0;
	while (left > 0) {
		if (left < CHUNK_HEADER_LEN)
			return ESCTP_ERR_PROTO;
		size_t clen = get16(p + 2);
		if (clen < CHUNK_HEADER_LEN || clen > left)
			return ESCTP_ERR_PROTO;
		size_t step = PAD4(clen);
		if (step >= left)
			return n + 1;
		p += step;
		left -= step;
		n++;
	}
	return n;
}

static int parse(const uint8_t *pkt, size_t len, pkt_header *h, bool crc)
{
	if (!pkt || len < PKT_HEADER_LEN)
		return ESCTP_ERR_PROTO;
	/* RFC 9260 §6.8: if the CRC32c computed does not match, "the
	 * receiver MUST treat the packet as an invalid SCTP packet. The
	 * default procedure for handling invalid SCTP packets is to silently
	 * discard them." */
	uint32_t csum = get_csum(pkt + CSUM_OFF);
	if (crc && packet_crc(pkt, len) != csum)
		return ESCTP_ERR_PROTO;
	int n = count_chunks(pkt + PKT_HEADER_LEN, len - PKT_HEADER_LEN);
	if (n < 0)
		return n;
	if (h) {
		h->src_port = get16(pkt);
		h->dst_port = get16(pkt + 2);
		h->vtag = get32(pkt + 4);
		h->checksum = csum;
	}
	return n;
}

int pkt_parse(const uint8_t *pkt, size_t len, pkt_header *h)
{
	return parse(pkt, len, h, true);
}

int pkt_parse_nocrc(const uint8_t *pkt, size_t len, pkt_header *h)
{
	return parse(pkt, len, h, false);
}

void pkt_iter_init(pkt_iter *it, const uint8_t *pkt, size_t len)
{
	if (len < PKT_HEADER_LEN) {
		it->p = pkt;
		it->left = 0;
		return;
	}
	it->p = pkt + PKT_HEADER_LEN;
	it->left = len - PKT_HEADER_LEN;
}

/*
 * Chunk (RFC 9260 §3.2):
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Chunk Type  | Chunk  Flags  |        Chunk Length           |
 * \                          Chunk Value                          \
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The checks are repeated here so that the iterator stays total even on a
 * buffer pkt_parse() never saw.
 */
bool pkt_iter_next(pkt_iter *it, pkt_chunk *c)
{
	if (it->left < CHUNK_HEADER_LEN)
		return false;
	size_t clen = get16(it->p + 2);
	if (clen < CHUNK_HEADER_LEN || clen > it->left) {
		it->left = 0;
		return false;
	}
	c->type = it->p[0];
	c->flags = it->p[1];
	c->length = (uint16_t)clen;
	c->value = it->p + CHUNK_HEADER_LEN;
	c->value_len = clen - CHUNK_HEADER_LEN;
	skip_padded(&it->p, &it->left, clen);
	return true;
}

/* ---- write buffer ---- */

void wbuf_init(wbuf *w, uint8_t *buf, size_t cap)
{
	w->p = buf;
	w->len = 0;
	w->cap = buf ? cap : 0;
	w->err = 0;
	w->tlv_end = 0;
}

/* Reserves n bytes and returns where to write them, or NULL (and the
 * sticky error) when they do not fit. */
static uint8_t *reserve(wbuf *w, size_t n)
{
	if (w->err)
		return NULL;
	if (n > w->cap - w->len) {
		w->err = ESCTP_ERR_NOBUF;
		return NULL;
	}
	uint8_t *p = w->p + w->len;
	w->len += n;
	return p;
}

void wbuf_put(wbuf *w, const void *data, size_t len)
{
	uint8_t *p = reserve(w, len);
	if (p && len)
		memcpy(p, data, len);
}

void wbuf_put8(wbuf *w, uint8_t v)
{
	uint8_t *p = reserve(w, 1);
	if (p)
		*p = v;
}

void wbuf_put16(wbuf *w, uint16_t v)
{
	uint8_t *p = reserve(w, 2);
	if (p)
		put16(p, v);
}

void wbuf_put32(wbuf *w, uint32_t v)
{
	uint8_t *p = reserve(w, 4);
	if (p)
		put32(p, v);
}

void wbuf_pad(wbuf *w)
{
	if (w->err)
		return;
	size_t n = PAD4(w->len) - w->len;
	uint8_t *p = reserve(w, n);
	if (p)
		memset(p, 0, n);
}

void pkt_put_header(wbuf *w, uint16_t src_port, uint16_t dst_port,
		    uint32_t vtag)
{
	uint8_t *p = reserve(w, PKT_HEADER_LEN);
	if (!p)
		return;
	put16(p, src_port);
	put16(p + 2, dst_port);
	put32(p + 4, vtag);
	memset(p + CSUM_OFF, 0, 4);
}

void pkt_finish(wbuf *w)
{
	if (w->err || w->len < PKT_HEADER_LEN)
		return;
	memset(w->p + CSUM_OFF, 0, 4);
	put_csum(w->p + CSUM_OFF, esctp_crc32c(0, w->p, w->len));
}

/* ---- chunk and TLV framing ---- */

/* Chunks (8-bit type, 8-bit flags) and TLVs (16-bit type) share a header
 * with a 16-bit length at offset 2 that counts the header and value but
 * not the padding. */
static size_t frame_open(wbuf *w, uint8_t b0, uint8_t b1)
{
	size_t off = w->len;
	uint8_t *p = reserve(w, 4);
	if (p) {
		p[0] = b0;
		p[1] = b1;
		p[2] = p[3] = 0;
	}
	return off;
}

/* Stores the length of the frame at off (ending at end) and pads the
 * buffer after it. */
static void frame_close(wbuf *w, size_t off, size_t end)
{
	if (w->err)
		return;
	size_t len = end - off;
	if (off > end || end > w->len || len < 4 || len > UINT16_MAX) {
		w->err = ESCTP_ERR_NOBUF;
		return;
	}
	put16(w->p + off + 2, (uint16_t)len);
	size_t pad = PAD4(w->len - off) - (w->len - off);
	uint8_t *p = reserve(w, pad);
	if (p)
		memset(p, 0, pad);
}

size_t chunk_open(wbuf *w, uint8_t type, uint8_t flags)
{
	return frame_open(w, type, flags);
}

/* RFC 9260 §3.2: "The Chunk Length field does not count any chunk
 * padding. However, it does include any padding of variable-length
 * parameters other than the last parameter in the chunk."  So when a chunk
 * (or a TLV holding TLVs, like an error cause) ends with a TLV and its
 * padding, its length stops at that TLV: the bytes Linux and usrsctp send,
 * and what Wireshark expects. */
static size_t content_end(const wbuf *w, size_t off)
{
	size_t t = w->tlv_end;
	if (t > off && t < w->len && PAD4(t - off) == w->len - off)
		return t;
	return w->len;
}

void chunk_close(wbuf *w, size_t off)
{
	/* RFC 9260 §3.2: "If the length of the chunk is not a multiple of 4
	 * bytes, the sender MUST pad the chunk with all zero bytes" */
	frame_close(w, off, content_end(w, off));
}

size_t tlv_open(wbuf *w, uint16_t type)
{
	return frame_open(w, (uint8_t)(type >> 8), (uint8_t)type);
}

void tlv_close(wbuf *w, size_t off)
{
	size_t end = content_end(w, off);
	frame_close(w, off, end);
	if (!w->err)
		w->tlv_end = end;
}

void tlv_put(wbuf *w, uint16_t type, const void *value, size_t len)
{
	size_t off = tlv_open(w, type);
	wbuf_put(w, value, len);
	tlv_close(w, off);
}
