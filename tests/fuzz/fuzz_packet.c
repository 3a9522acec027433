/*
 * fuzz_packet.c - libFuzzer target for the packet codec and the
 * out-of-the-blue replies: every decoder runs on every chunk, decoded DATA,
 * SACK, FORWARD TSN, INIT fixed parts and address parameters are encoded
 * again and must give the same bytes, and every reply must parse.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ootb.h"
#include "pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                               \
	do {                                                                   \
		if (!(x))                                                      \
			abort();                                               \
	} while (0)

/* Compares an encoding with the chunk it came from, but for the flags
 * byte (the writers of SACK and FORWARD TSN write 0 there).  The decoders
 * run on chunks of every type; the comparison is for the writer's own. */
static void same_chunk(const pkt_chunk *c, const uint8_t *enc, size_t len,
		       bool flags)
{
	const uint8_t *raw = c->value - CHUNK_HEADER_LEN;
	if (enc[0] != raw[0])
		return;
	CHECK(len >= c->length);
	CHECK(!flags || enc[1] == raw[1]);
	CHECK(memcmp(enc + 2, raw + 2, c->length - 2u) == 0);
	for (size_t i = c->length; i < len; i++)
		CHECK(enc[i] == 0);
}

static void data_roundtrip(const pkt_chunk *c)
{
	static uint8_t buf[70000];
	chunk_data d;
	wbuf w;
	if (chunk_data_decode(c, &d) < 0)
		return;
	CHECK(d.payload + d.len == c->value + c->value_len);
	wbuf_init(&w, buf, sizeof buf);
	chunk_put_data(&w, &d);
	CHECK(w.err == 0 && w.len == chunk_data_size(d.len));
	same_chunk(c, buf, w.len, true);
}

static void sack_roundtrip(const pkt_chunk *c)
{
	static uint16_t gaps[2 * 16384];
	static uint32_t dups[16384];
	static uint8_t buf[70000];
	chunk_sack s;
	wbuf w;
	if (chunk_sack_decode(c, &s) < 0)
		return;
	for (unsigned i = 0; i < s.ngaps; i++)
		chunk_sack_gap(&s, i, &gaps[2 * i], &gaps[2 * i + 1]);
	for (unsigned i = 0; i < s.ndups; i++)
		dups[i] = chunk_sack_dup(&s, i);
	wbuf_init(&w, buf, sizeof buf);
	chunk_put_sack(&w, s.cum_tsn, s.a_rwnd, gaps, s.ngaps, dups, s.ndups);
	CHECK(w.err == 0);
	same_chunk(c, buf, w.len, false);
}

static void fwdtsn_roundtrip(const pkt_chunk *c)
{
	static uint16_t streams[2 * 16384];
	static uint8_t buf[70000];
	chunk_fwdtsn f;
	wbuf w;
	if (chunk_fwdtsn_decode(c, &f) < 0)
		return;
	for (unsigned i = 0; i < f.nstreams; i++)
		chunk_fwdtsn_stream(&f, i, &streams[2 * i],
				    &streams[2 * i + 1]);
	wbuf_init(&w, buf, sizeof buf);
	chunk_put_fwdtsn(&w, f.new_cum_tsn, streams, f.nstreams);
	CHECK(w.err == 0);
	same_chunk(c, buf, w.len, false);
}

/* Every parameter of the list; address parameters encode back. */
static void params(const uint8_t *p, size_t len)
{
	tlv_iter it;
	tlv t;
	init_params ip;
	int rc = init_params_decode(p, len, &ip);
	CHECK(rc == 0 || rc == ESCTP_ERR_PROTO);
	CHECK(tlv_validate(p, len) == 0 || rc < 0);
	if (rc == 0) {
		CHECK(ip.naddrs <= INIT_MAX_ADDRS);
		CHECK(ip.nunrec <= ARRAY_LEN(ip.unrec));
		for (unsigned i = 0; i < ip.nunrec; i++)
			CHECK(ip.unrec[i] >= p && ip.unrec[i] + 4 <= p + len);
		CHECK(!ip.cookie || ip.cookie + ip.cookie_len <= p + len);
	}
	tlv_iter_init(&it, p, len);
	while (tlv_iter_next(&it, &t)) {
		esctp_addr a;
		uint8_t buf[32];
		wbuf w;
		CHECK(t.value + t.value_len <= p + len);
		if (param_addr_decode(&t, &a) < 0)
			continue;
		wbuf_init(&w, buf, sizeof buf);
		param_put_addr(&w, &a);
		CHECK(w.err == 0 && w.len == t.length);
		CHECK(memcmp(buf, t.raw, t.length) == 0);
	}
}

static void init_chunk(const pkt_chunk *c)
{
	chunk_init ci;
	uint8_t buf[16];
	wbuf w;
	if (chunk_init_decode(c, &ci) < 0) {
		/* Still look at the parameters the decoder refused. */
		if (c->value_len > 16)
			params(c->value + 16, c->value_len - 16);
		return;
	}
	wbuf_init(&w, buf, sizeof buf);
	chunk_put_init_fixed(&w, &ci);
	CHECK(w.err == 0 && w.len == 16);
	CHECK(memcmp(buf, c->value, 16) == 0);
	params(ci.params, ci.params_len);
}

static void causes(const pkt_chunk *c)
{
	tlv_iter it;
	tlv t;
	tlv_iter_init(&it, c->value, c->value_len);
	while (tlv_iter_next(&it, &t)) {
		CHECK(cause_name(t.type) != NULL);
		/* Causes that carry parameters or chunks. */
		if (t.type == CAUSE_UNRECOGNIZED_PARAMS ||
		    t.type == CAUSE_RESTART_NEW_ADDRS ||
		    t.type == CAUSE_UNRESOLVABLE_ADDR)
			params(t.value, t.value_len);
	}
	CHECK(tlv_validate(c->value, c->value_len) ==
	      (it.bad ? ESCTP_ERR_PROTO : 0));
}

/* Every decoder on every chunk, whatever its type. */
static void chunk(const pkt_chunk *c)
{
	const uint8_t *info;
	size_t len;
	uint32_t v;
	CHECK(chunk_type_name(c->type) != NULL);
	data_roundtrip(c);
	sack_roundtrip(c);
	fwdtsn_roundtrip(c);
	init_chunk(c);
	if (chunk_u32_decode(c, &v) == 0)
		CHECK(c->value_len >= 4);
	if (chunk_heartbeat_decode(c, &info, &len) == 0)
		CHECK(info + len <= c->value + c->value_len);
	causes(c);
}

static void ootb(const uint8_t *pkt, size_t len, const pkt_header *h)
{
	uint8_t buf[64];
	wbuf w;
	pkt_header rh;
	wbuf_init(&w, buf, sizeof buf);
	if (!ootb_reply(pkt, len, h, &w)) {
		CHECK(w.err == 0);
		return;
	}
	CHECK(pkt_parse(buf, w.len, &rh) == 1);
	CHECK(rh.src_port == h->dst_port && rh.dst_port == h->src_port);
	CHECK(buf[12] == CT_ABORT || buf[12] == CT_SHUTDOWN_COMPLETE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t fixed[65536 + 16];
	pkt_header h, h2;
	pkt_iter it;
	pkt_chunk c;
	int n = pkt_parse_nocrc(data, size, &h);
	int n2 = pkt_parse(data, size, &h2);
	CHECK(n2 == n || n2 == ESCTP_ERR_PROTO);
	if (n < 0)
		return 0;

	/* With its CRC made right, the packet parses the same. */
	if (size <= sizeof fixed) {
		wbuf w = {.p = fixed, .len = size, .cap = sizeof fixed};
		memcpy(fixed, data, size);
		pkt_finish(&w);
		CHECK(pkt_parse(fixed, size, &h2) == n);
		CHECK(esctp_packet_peek(fixed, size, NULL, NULL, NULL) == 0);
	}

	int count = 0;
	pkt_iter_init(&it, data, size);
	while (pkt_iter_next(&it, &c)) {
		CHECK(c.value + c.value_len <= data + size);
		chunk(&c);
		count++;
	}
	CHECK(count == n);
	ootb(data, size, &h);
	return 0;
}
