/*
 * gen_assoc_seeds.c - writes the seed corpus of fuzz_assoc: small inputs
 * that walk the main paths (handshake, data both ways, PR-SCTP, shutdown,
 * abort, restart, hostile and mutated packets).  The byte layout is the
 * one fuzz_assoc.c documents.
 *
 *   cc -o /tmp/gen tests/fuzz/gen_assoc_seeds.c && /tmp/gen DIR
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum {
	OP_ADVANCE = 0,
	OP_EXCHANGE = 1,
	OP_HOSTILE_A = 2,
	OP_HOSTILE_Z = 3,
	OP_MUTATE = 4,
	OP_SEND = 5,
	OP_RECV = 6,
	OP_SHUTDOWN = 7,
	OP_ABORT = 8,
	OP_CONNECT = 9,
	OP_DROP = 10,
	OP_FREE = 11,
	OP_RESTART = 12,
	OP_MISC = 13,
};

typedef struct out {
	uint8_t b[4096];
	size_t n;
} out;

static void u8(out *o, unsigned v)
{
	if (o->n < sizeof o->b)
		o->b[o->n++] = (uint8_t)v;
}

static void u16(out *o, unsigned v)
{
	u8(o, v >> 8);
	u8(o, v);
}

static void u32(out *o, uint32_t v)
{
	u16(o, v >> 16);
	u16(o, v & 0xffff);
}

static void head(out *o, unsigned flags)
{
	o->n = 0;
	u8(o, flags);
	for (int i = 0; i < 8; i++)
		u8(o, 0x11 * (i + 1) ^ flags);
}

static void advance_ms(out *o, unsigned ms)
{
	u8(o, OP_ADVANCE);
	u16(o, ms / 4);
}

static void exchange(out *o, unsigned n)
{
	u8(o, OP_EXCHANGE);
	u8(o, n - 1);
}

static void send(out *o, int side, unsigned flags, unsigned stream,
		 unsigned ttl4, unsigned len)
{
	u8(o, OP_SEND);
	u8(o, (unsigned)side | flags);
	u8(o, 0); /* association index */
	u8(o, stream);
	if (flags & 4)
		u8(o, ttl4);
	u16(o, len);
}

static void recv(out *o, int side)
{
	u8(o, OP_RECV);
	u8(o, (unsigned)side | 2);
	u8(o, 0);
	u16(o, 4095);
}

static void simple(out *o, unsigned op, int side)
{
	u8(o, op);
	u8(o, (unsigned)side);
	u8(o, 0);
}

/* A packet for side `to`, header patched by the target (mode bit 0) with
 * the verification tag chosen by mode bits 1-2. */
static void hostile(out *o, int to, unsigned mode, const uint8_t *chunks,
		    size_t len)
{
	u8(o, to ? OP_HOSTILE_Z : OP_HOSTILE_A);
	u16(o, 12 + len);
	u8(o, mode);
	for (int i = 0; i < 12; i++)
		u8(o, 0);
	for (size_t i = 0; i < len; i++)
		u8(o, chunks[i]);
	if (mode & 1)
		u8(o, 0); /* association index for the tag */
}

static int save(const out *o, const char *dir, const char *name)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f) {
		perror(path);
		return -1;
	}
	fwrite(o->b, 1, o->n, f);
	fclose(f);
	return 0;
}

static void data_round(out *o)
{
	send(o, 0, 0, 1, 0, 1000);
	send(o, 0, 2, 2, 0, 3000);
	send(o, 1, 0, 3, 0, 200);
	for (int i = 0; i < 4; i++) {
		exchange(o, 32);
		advance_ms(o, 100);
	}
	recv(o, 0);
	recv(o, 1);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "tests/fuzz/corpus/fuzz_assoc";
	out o;
	int rc = 0;

	/* Handshake, data both ways, graceful shutdown. */
	head(&o, 1);
	data_round(&o);
	simple(&o, OP_SHUTDOWN, 0);
	for (int i = 0; i < 4; i++) {
		exchange(&o, 32);
		advance_ms(&o, 300);
	}
	rc |= save(&o, dir, "seed-shutdown");

	/* Handshake driven op by op, with a lost INIT and T1 expiries. */
	head(&o, 0);
	simple(&o, OP_CONNECT, 0);
	u8(&o, OP_DROP);
	advance_ms(&o, 600);
	for (int i = 0; i < 6; i++)
		exchange(&o, 1);
	data_round(&o);
	rc |= save(&o, dir, "seed-handshake");

	/* Nobody answers: INIT retransmissions until CANT_START. */
	head(&o, 0);
	simple(&o, OP_CONNECT, 0);
	for (int i = 0; i < 12; i++) {
		u8(&o, OP_DROP);
		advance_ms(&o, 4000);
	}
	rc |= save(&o, dir, "seed-cant-start");

	/* PR-SCTP: messages with a lifetime, packets dropped, FORWARD TSN. */
	head(&o, 1 | 2);
	for (int i = 0; i < 6; i++)
		send(&o, 0, 4, (unsigned)i, 25, 1500);
	for (int i = 0; i < 6; i++) {
		u8(&o, OP_DROP);
		advance_ms(&o, 600);
		exchange(&o, 16);
	}
	recv(&o, 1);
	rc |= save(&o, dir, "seed-prsctp");

	/* Hostile packets with the right tag: DATA, SACK, INIT, ABORT. */
	head(&o, 1);
	static const uint8_t data[] = {0,    3, 0,   20,  0x12, 0x34, 0x56,
				       0x78, 0, 0,   0,	  0,	0,    0,
				       0,    0, 'a', 'b', 'c',	'd'};
	static const uint8_t sack[] = {3, 0, 0, 16, 0x12, 0x34, 0x56, 0x77,
				       0, 1, 0, 0,  0,	  0,	0,    0};
	static const uint8_t init[] = {1,    0,	 0, 20, 0xde, 0xad, 0xbe,
				       0xef, 0,	 1, 0,	0,    0,    10,
				       0,    10, 0, 0,	0,    1};
	static const uint8_t abort_[] = {6, 0, 0, 4};
	hostile(&o, 0, 1, data, sizeof data);
	hostile(&o, 1, 1, sack, sizeof sack);
	hostile(&o, 0, 1 | 2, init, sizeof init);
	exchange(&o, 8);
	hostile(&o, 1, 0, data, sizeof data); /* raw: bad CRC */
	hostile(&o, 0, 1, abort_, sizeof abort_);
	exchange(&o, 8);
	rc |= save(&o, dir, "seed-hostile");

	/* Real packets mutated, CRC fixed. */
	head(&o, 1);
	send(&o, 0, 0, 0, 0, 800);
	for (int i = 0; i < 8; i++) {
		u8(&o, OP_MUTATE);
		u8(&o, 2 | (unsigned)(i & 1));
		u8(&o, 1);
		u16(&o, 12 + (unsigned)i * 3);
		u8(&o, 0x40 + (unsigned)i);
		exchange(&o, 4);
	}
	rc |= save(&o, dir, "seed-mutate");

	/* Small buffers, an oversized message, abort, free. */
	head(&o, 1 | 8);
	send(&o, 0, 8, 0, 0, 10);
	send(&o, 0, 0, 0, 0, 4000);
	exchange(&o, 32);
	simple(&o, OP_ABORT, 0);
	exchange(&o, 8);
	simple(&o, OP_FREE, 1);
	simple(&o, OP_FREE, 0);
	rc |= save(&o, dir, "seed-abort");

	/* Z restarts and reconnects. */
	head(&o, 1);
	data_round(&o);
	simple(&o, OP_RESTART, 1);
	simple(&o, OP_CONNECT, 1);
	for (int i = 0; i < 4; i++) {
		exchange(&o, 32);
		advance_ms(&o, 100);
	}
	data_round(&o);
	u8(&o, OP_MISC);
	u8(&o, 0);
	u8(&o, 0);
	u8(&o, 100);
	advance_ms(&o, 20000);
	exchange(&o, 32);
	u32(&o, 0);
	rc |= save(&o, dir, "seed-restart");
	return rc ? 1 : 0;
}
