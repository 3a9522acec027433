/*
 * gen_packet_seeds.c - writes the seed corpus of fuzz_packet: one valid
 * packet of every chunk type, some bundles, two captured packets and a few
 * malformed ones, built with the codec's own writers.
 *
 *   cc -Ilib/esctp -o /tmp/gen_seeds tests/fuzz/gen_packet_seeds.c lib/esctp/pkt*.c \
 *      lib/esctp/crc32c.c lib/esctp/util.c && /tmp/gen_seeds tests/fuzz/corpus/fuzz_packet
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt.h"

static const char *outdir;

static void save(const char *name, const uint8_t *p, size_t len)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", outdir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(p, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static uint8_t buf[4096];

static wbuf *begin(uint32_t vtag)
{
	static wbuf w;
	wbuf_init(&w, buf, sizeof buf);
	pkt_put_header(&w, 9899, 5001, vtag);
	return &w;
}

static void end(wbuf *w, const char *name)
{
	pkt_finish(w);
	if (w->err) {
		fprintf(stderr, "%s: codec error %d\n", name, w->err);
		exit(1);
	}
	save(name, w->p, w->len);
}

static const esctp_addr v4 = {.family = ESCTP_AF_INET, .ip = {192, 0, 2, 7}};
static const esctp_addr v6 = {.family = ESCTP_AF_INET6,
			      .ip = {0x20, 0x01, 0x0d, 0xb8, [15] = 9}};

static void put_data(wbuf *w, uint32_t tsn, uint8_t flags, size_t len)
{
	chunk_data d = {.flags = flags,
			.tsn = tsn,
			.stream = 1,
			.ssn = 2,
			.payload = (const uint8_t *)"0123456789abcdef",
			.len = len};
	memcpy(&d.ppid, "\0\0\0\x33", 4);
	chunk_put_data(w, &d);
}

static void put_init(wbuf *w, uint8_t type, bool cookie)
{
	chunk_init ci = {.init_tag = 0x1234abcd,
			 .a_rwnd = 131072,
			 .os = 10,
			 .mis = 65535,
			 .initial_tsn = 0xfffffff0u};
	uint8_t types[4] = {0, PT_IPV4, 0, PT_IPV6};
	size_t off = chunk_open(w, type, 0);
	chunk_put_init_fixed(w, &ci);
	param_put_addr(w, &v4);
	param_put_addr(w, &v6);
	if (cookie) {
		tlv_put(w, PT_STATE_COOKIE, "a state cookie, signed.", 23);
		size_t u = tlv_open(w, PT_UNRECOGNIZED);
		tlv_put(w, 0xC123, "xyz", 3);
		tlv_close(w, u);
	} else {
		tlv_put(w, PT_COOKIE_PRESERVATIVE, "\0\0\x13\x88", 4);
		tlv_put(w, PT_SUPPORTED_ADDR_TYPES, types, 4);
		tlv_put(w, 0xC123, "xyz", 3); /* skip and report */
		tlv_put(w, 0x8124, NULL, 0);  /* skip */
	}
	tlv_put(w, PT_ECN_CAPABLE, NULL, 0);
	tlv_put(w, PT_FORWARD_TSN_SUPPORTED, NULL, 0);
	tlv_put(w, PT_SUPPORTED_EXTENSIONS, "\xc0", 1);
	chunk_close(w, off);
}

/* Every cause of RFC 9260 §3.3.10 and RFC 6951 §4.3. */
static void put_causes(wbuf *w)
{
	size_t off;
	tlv_put(w, CAUSE_INVALID_STREAM, "\0\x11\0\0", 4);
	tlv_put(w, CAUSE_MISSING_PARAM, "\0\0\0\1\0\7", 6);
	tlv_put(w, CAUSE_STALE_COOKIE, "\0\0\1\0", 4);
	tlv_put(w, CAUSE_OUT_OF_RESOURCE, NULL, 0);
	off = tlv_open(w, CAUSE_UNRESOLVABLE_ADDR);
	tlv_put(w, PT_HOST_NAME, "h.example", 10);
	tlv_close(w, off);
	tlv_put(w, CAUSE_UNRECOGNIZED_CHUNK, "\x3f\0\0\5\x99", 5);
	tlv_put(w, CAUSE_INVALID_PARAM, NULL, 0);
	off = tlv_open(w, CAUSE_UNRECOGNIZED_PARAMS);
	tlv_put(w, 0x4001, "zz", 2);
	tlv_close(w, off);
	tlv_put(w, CAUSE_NO_USER_DATA, "\0\0\0\x2a", 4);
	tlv_put(w, CAUSE_COOKIE_WHILE_SHUTDOWN, NULL, 0);
	off = tlv_open(w, CAUSE_RESTART_NEW_ADDRS);
	param_put_addr(w, &v4);
	tlv_close(w, off);
	tlv_put(w, CAUSE_USER_ABORT, "bye", 3);
	tlv_put(w, CAUSE_PROTOCOL_VIOLATION, "bad TSN", 7);
	tlv_put(w, CAUSE_RESTART_NEW_ENCAP_PORT, "\x26\xab\x26\xac", 4);
}

static void valid_seeds(void)
{
	static const uint16_t gaps[4] = {2, 3, 5, 9};
	static const uint32_t dups[2] = {7, 8};
	static const uint16_t streams[4] = {1, 5, 2, 65535};
	wbuf *w;
	size_t off;

	w = begin(1);
	put_data(w, 1, DATA_FLAG_B | DATA_FLAG_E, 5);
	end(w, "data");
	w = begin(0);
	put_init(w, CT_INIT, false);
	end(w, "init");
	w = begin(0x1234abcd);
	put_init(w, CT_INIT_ACK, true);
	end(w, "init_ack");
	w = begin(2);
	chunk_put_sack(w, 100, 65536, gaps, 2, dups, 2);
	end(w, "sack");
	w = begin(3);
	chunk_put_heartbeat(w, CT_HEARTBEAT, "heartbeat info 1", 16);
	end(w, "heartbeat");
	w = begin(3);
	chunk_put_heartbeat(w, CT_HEARTBEAT_ACK, "heartbeat info", 14);
	end(w, "heartbeat_ack");
	w = begin(4);
	off = chunk_open(w, CT_ABORT, CHUNK_FLAG_T);
	tlv_put(w, CAUSE_USER_ABORT, "closing", 7);
	chunk_close(w, off);
	end(w, "abort");
	w = begin(4);
	off = chunk_open(w, CT_ABORT, 0);
	put_causes(w);
	chunk_close(w, off);
	end(w, "abort_all_causes");
	w = begin(5);
	chunk_put_u32(w, CT_SHUTDOWN, 0, 99);
	end(w, "shutdown");
	w = begin(5);
	chunk_put_empty(w, CT_SHUTDOWN_ACK, 0);
	end(w, "shutdown_ack");
	w = begin(5);
	chunk_put_empty(w, CT_SHUTDOWN_COMPLETE, CHUNK_FLAG_T);
	end(w, "shutdown_complete_t");
	w = begin(6);
	off = chunk_open(w, CT_ERROR, 0);
	put_causes(w);
	chunk_close(w, off);
	end(w, "error_all_causes");
	w = begin(6);
	chunk_put_cookie_echo(w, "a state cookie, signed.", 23);
	end(w, "cookie_echo");
	w = begin(6);
	chunk_put_empty(w, CT_COOKIE_ACK, 0);
	end(w, "cookie_ack");
	w = begin(7);
	chunk_put_u32(w, CT_ECNE, 0, 12);
	end(w, "ecne");
	w = begin(7);
	chunk_put_u32(w, CT_CWR, 0, 12);
	end(w, "cwr");
	w = begin(8);
	chunk_put_fwdtsn(w, 1000, streams, 2);
	end(w, "forward_tsn");
	w = begin(8);
	off = chunk_open(w, CT_PAD, 0);
	wbuf_put(w, "\0\0\0\0\0\0\0\0\0", 9);
	chunk_close(w, off);
	put_data(w, 2, DATA_FLAG_U | DATA_FLAG_B | DATA_FLAG_E | DATA_FLAG_I,
		 3);
	end(w, "pad_data");
	w = begin(9);
	chunk_put_cookie_echo(w, "cookie", 6);
	put_data(w, 10, DATA_FLAG_B, 16);
	put_data(w, 11, 0, 7);
	put_data(w, 12, DATA_FLAG_E, 0);
	chunk_put_sack(w, 5, 1000, NULL, 0, NULL, 0);
	chunk_put_fwdtsn(w, 9, NULL, 0);
	end(w, "bundle");
	w = begin(9);
	chunk_put_empty(w, 0x3f, 0);
	chunk_put_empty(w, 0xbf, 0);
	chunk_put_empty(w, 0x7f, 0);
	end(w, "unknown_chunks");
}

/* Two packets captured from a browser's SCTP stack. */
static const uint8_t capture_init[] = {
    0x13, 0x88, 0x13, 0x88, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x01, 0x9d, 0x33,
    0x01, 0x00, 0x00, 0x5a, 0x0e, 0xdd, 0xca, 0x08, 0x00, 0x02, 0x00, 0x00,
    0x03, 0xe8, 0x03, 0xe8, 0x55, 0x08, 0x36, 0x37, 0x80, 0x00, 0x00, 0x04,
    0xc0, 0x00, 0x00, 0x04, 0x80, 0x08, 0x00, 0x09, 0xc0, 0x0f, 0xc1, 0x80,
    0x82, 0x00, 0x00, 0x00, 0x80, 0x02, 0x00, 0x24, 0xc5, 0xa8, 0x61, 0x55,
    0x09, 0x0e, 0x6f, 0x42, 0x00, 0x50, 0x63, 0x4c, 0xc8, 0xd6, 0xb9, 0x08,
    0xdf, 0xd5, 0x3e, 0x17, 0xc9, 0x9c, 0xb1, 0x43, 0x28, 0x4e, 0xaf, 0x64,
    0x68, 0x2a, 0xc2, 0x97, 0x80, 0x04, 0x00, 0x06, 0x00, 0x01, 0x00, 0x00,
    0x80, 0x03, 0x00, 0x06, 0x80, 0xc1, 0x00, 0x00};
static const uint8_t capture_two[] = {
    0x04, 0xd2, 0x10, 0xe1, 0x69, 0x7e, 0x3a, 0x4e, 0xc0, 0x6e, 0x8b,
    0x36, 0x0b, 0x00, 0x00, 0x04, 0x03, 0x00, 0x00, 0x10, 0xae, 0xa9,
    0x52, 0x52, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

/* A packet of raw chunk bytes with a correct CRC. */
static void raw(const char *name, const void *chunks, size_t len)
{
	wbuf *w = begin(0x01020304);
	wbuf_put(w, chunks, len);
	end(w, name);
}

static void malformed_seeds(void)
{
	uint8_t b[64];
	wbuf *w = begin(1);
	put_data(w, 1, 3, 4);
	pkt_finish(w);
	memcpy(b, buf, w->len);
	b[9] ^= 0x40;
	save("bad_crc", b, w->len);
	save("short_header", buf, 8);
	raw("chunk_len_3", "\x0b\x00\x00\x03", 4);
	raw("chunk_past_end", "\x07\x00\x00\x0c\0\0\0\1", 8);
	raw("stray_bytes", "\x0b\x00\x00\x04\x01\x02", 6);
	raw("unpadded_middle", "\x3f\0\0\5\xaa\x0b\0\0\4", 9);
	raw("sack_bad_count", "\x03\0\0\x14\0\0\0\1\0\0\x10\0\0\2\0\0\0\1\0\2",
	    20);
	raw("init_short", "\x01\0\0\x10\0\0\0\1\0\0\x10\0\0\1\0\1", 16);
	raw("init_bad_addr",
	    "\x01\0\0\x1b\0\0\0\1\0\0\x10\0\0\1\0\1\0\0\0\1\0\5\0\7\x0a\0\1",
	    27);
	raw("init_tlv_len_2",
	    "\x01\0\0\x18\0\0\0\1\0\0\x10\0\0\1\0\1\0\0\0\1\0\5\0\2", 24);
	raw("heartbeat_bad", "\x04\0\0\x08\0\2\0\x09", 8);
	raw("fwdtsn_odd", "\xc0\0\0\x0a\0\0\0\1\0\1", 10);
	save("capture_init", capture_init, sizeof capture_init);
	save("capture_cookie_ack_sack", capture_two, sizeof capture_two);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	outdir = argv[1];
	valid_seeds();
	malformed_seeds();
	return 0;
}
