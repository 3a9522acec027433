/*
 * sim_net.c - the simulator's network: links with loss, duplication,
 * reordering, delay and bandwidth; scripted drops; packets in flight in a
 * min-heap on arrival time; wire checks (CRC32c, chunk lengths) and
 * statistics on everything the endpoints send.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "sim_internal.h"

#define MAX_PKT 65536

/* ---- wire parsing (our own, so the engine's codec is not trusted) ---- */

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* Walks the chunks: 12-byte common header, then type(1) flags(1)
 * length(2) padded to 4.  Calls fn for each; returns false when a length
 * is wrong (the last chunk's padding may be missing). */
static bool walk_chunks(const uint8_t *pkt, size_t len,
			void (*fn)(void *, const uint8_t *, uint16_t),
			void *ctx)
{
	if (len < 12)
		return false;
	size_t off = 12;
	while (off < len) {
		if (len - off < 4)
			return false;
		uint16_t clen = rd16(pkt + off + 2);
		if (clen < 4 || clen > len - off)
			return false;
		if (fn)
			fn(ctx, pkt + off, clen);
		size_t padded = ((size_t)clen + 3) & ~(size_t)3;
		if (padded > len - off)
			return off + clen == len;
		off += padded;
	}
	return true;
}

typedef struct find_ctx {
	uint8_t type;
	bool found;
} find_ctx;

static void find_fn(void *ctx, const uint8_t *c, uint16_t clen)
{
	find_ctx *f = ctx;
	(void)clen;
	if (c[0] == f->type)
		f->found = true;
}

bool sim_pkt_has_chunk(const uint8_t *pkt, size_t len, uint8_t type)
{
	find_ctx f = {type, false};
	walk_chunks(pkt, len, find_fn, &f);
	return f.found;
}

void sim_pkt_set_crc(uint8_t *pkt, size_t len)
{
	memset(pkt + 8, 0, 4);
	uint32_t c = esctp_crc32c(0, pkt, len);
	pkt[8] = (uint8_t)c;
	pkt[9] = (uint8_t)(c >> 8);
	pkt[10] = (uint8_t)(c >> 16);
	pkt[11] = (uint8_t)(c >> 24);
}

bool sim_pkt_crc_ok(const uint8_t *pkt, size_t len)
{
	if (len < 12)
		return false;
	uint8_t save[4];
	memcpy(save, pkt + 8, 4);
	uint8_t *w = (uint8_t *)pkt; /* restored below */
	memset(w + 8, 0, 4);
	uint32_t c = esctp_crc32c(0, pkt, len);
	memcpy(w + 8, save, 4);
	return save[0] == (uint8_t)c && save[1] == (uint8_t)(c >> 8) &&
	       save[2] == (uint8_t)(c >> 16) && save[3] == (uint8_t)(c >> 24);
}

/* Statistics of one sent packet: chunk types, DATA retransmissions (new
 * DATA leaves in increasing TSN order, so a TSN not above the highest seen
 * is a retransmission). */
static void stat_fn(void *ctx, const uint8_t *c, uint16_t clen)
{
	sim_side *sd = ctx;
	sd->chunks_sent[c[0]]++;
	if (c[0] != 0 || clen < 16)
		return;
	uint32_t tsn = rd32(c + 4);
	sd->data_chunks++;
	if (sd->tsn_seen && (int32_t)(tsn - sd->max_tsn) <= 0) {
		sd->data_rtx++;
	} else {
		sd->tsn_seen = true;
		sd->max_tsn = tsn;
	}
}

/* ---- the heap of packets in flight ---- */

static bool pkt_before(const sim_pkt *a, const sim_pkt *b)
{
	return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void heap_push(sim *s, sim_pkt *p)
{
	if (s->nheap == s->capheap) {
		size_t cap = s->capheap ? s->capheap * 2 : 256;
		sim_pkt *h = realloc(s->heap, cap * sizeof *h);
		if (!h) {
			sim_fail(s, "out of memory (network)");
			free(p->data);
			return;
		}
		s->heap = h;
		s->capheap = cap;
	}
	size_t i = s->nheap++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!pkt_before(p, &s->heap[parent]))
			break;
		s->heap[i] = s->heap[parent];
		i = parent;
	}
	s->heap[i] = *p;
}

static sim_pkt heap_pop(sim *s)
{
	sim_pkt top = s->heap[0];
	sim_pkt last = s->heap[--s->nheap];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= s->nheap)
			break;
		if (c + 1 < s->nheap &&
		    pkt_before(&s->heap[c + 1], &s->heap[c]))
			c++;
		if (!pkt_before(&s->heap[c], &last))
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (s->nheap)
		s->heap[i] = last;
	return top;
}

esctp_tstamp sim_net_next_arrival(const sim *s)
{
	return s->nheap ? s->heap[0].at : ESCTP_TSTAMP_NEVER;
}

void sim_net_free(sim *s)
{
	for (size_t i = 0; i < s->nheap; i++)
		free(s->heap[i].data);
	free(s->heap);
	s->heap = NULL;
	s->nheap = s->capheap = 0;
}

/* ---- links ---- */

void sim_set_links(sim *s, const sim_link *l)
{
	for (int d = 0; d < 2; d++)
		for (unsigned p = 0; p < SIM_NPATHS; p++)
			s->link[d][p] = *l;
}

void sim_path_down(sim *s, unsigned path, bool down)
{
	s->link[0][path].down = down;
	s->link[1][path].down = down;
}

void sim_drop_chunk(sim *s, int from, uint8_t type, unsigned skip,
		    unsigned count)
{
	if (s->nrules == SIM_MAX_RULES) {
		sim_fail(s, "too many drop rules");
		return;
	}
	sim_drop_rule *r = &s->rules[s->nrules++];
	memset(r, 0, sizeof *r);
	r->from = from;
	r->type = type;
	r->skip = skip;
	r->count = count;
}

static bool rules_drop(sim *s, int from, const sim_pkt *p)
{
	bool drop = false;
	for (unsigned i = 0; i < s->nrules; i++) {
		sim_drop_rule *r = &s->rules[i];
		if (r->from != from ||
		    !sim_pkt_has_chunk(p->data, p->len, r->type))
			continue;
		if (r->seen++ < r->skip || r->dropped >= r->count)
			continue;
		r->dropped++;
		drop = true;
	}
	return drop;
}

static esctp_tstamp extra_delay(sim *s, const sim_link *l)
{
	if (l->reorder <= 0 || l->reorder_max == 0 ||
	    sim_randf(s) >= l->reorder)
		return 0;
	return (esctp_tstamp)(sim_randf(s) * (double)l->reorder_max);
}

/* Puts p on link `from`/p->path, or drops it.  Takes ownership of data. */
static void transmit(sim *s, int from, sim_pkt *p)
{
	sim_link *l = &s->link[from][p->path];
	s->link_pkts[from][p->path]++;
	bool hooked = rules_drop(s, from, p) ||
		      (s->drop && s->drop(s, from, p, s->drop_ctx));
	if (hooked || l->down || (l->loss > 0 && sim_randf(s) < l->loss)) {
		if (hooked)
			s->hooked++;
		else if (l->down)
			s->link_down_drops++;
		else
			s->lost++;
		free(p->data);
		return;
	}
	esctp_tstamp depart = s->now;
	if (l->bandwidth) {
		esctp_tstamp start =
		    l->busy_until > s->now ? l->busy_until : s->now;
		uint64_t backlog =
		    (start - s->now) * l->bandwidth / ESCTP_SECOND;
		if (l->queue_max && backlog + p->len > l->queue_max) {
			s->queue_drops++;
			free(p->data);
			return;
		}
		depart = start + p->len * ESCTP_SECOND / l->bandwidth;
		l->busy_until = depart;
	}
	p->at = depart + l->delay + extra_delay(s, l);
	p->seq = s->next_seq++;
	if (l->dup > 0 && sim_randf(s) < l->dup) {
		sim_pkt d = *p;
		d.data = malloc(p->len);
		if (d.data) {
			memcpy(d.data, p->data, p->len);
			d.at = depart + l->delay + extra_delay(s, l);
			d.seq = s->next_seq++;
			s->duplicated++;
			heap_push(s, &d);
		}
	}
	heap_push(s, p);
}

/* ---- sending and delivering ---- */

static int find_path(const sim_side *sd, const esctp_addr *a)
{
	for (unsigned p = 0; p < SIM_NPATHS; p++)
		if (esctp_addr_same_ip(&sd->addr[p], a))
			return (int)p;
	return -1;
}

/* A packet leaves `from`: checks it, counts it, routes it. */
static void send_packet(sim *s, int from, const uint8_t *buf, size_t len,
			const esctp_addr *src, const esctp_addr *dst)
{
	sim_side *sd = &s->side[from];
	int to = sim_peer(from);
	sd->pkts_sent++;
	sd->bytes_sent += len;
	if (!sim_pkt_crc_ok(buf, len))
		s->bad_crc++;
	if (!walk_chunks(buf, len, stat_fn, sd))
		s->malformed++;
	int path = find_path(&s->side[to], dst);
	int spath = src->family ? find_path(sd, src) : path;
	if (path < 0 || spath < 0 || dst->port != SIM_ENCAP_PORT) {
		s->misrouted++;
		return;
	}
	sim_pkt p;
	memset(&p, 0, sizeof p);
	p.to = to;
	p.path = (unsigned)path;
	p.src = sd->addr[spath];
	p.dst = s->side[to].addr[path];
	p.len = len;
	p.data = malloc(len);
	if (!p.data) {
		sim_fail(s, "out of memory (network)");
		return;
	}
	memcpy(p.data, buf, len);
	transmit(s, from, &p);
}

unsigned sim_net_drain_output(sim *s, int side)
{
	static uint8_t buf[MAX_PKT];
	sim_side *sd = &s->side[side];
	unsigned n = 0;
	while (sd->ep && !s->failed) {
		esctp_addr src, dst;
		memset(&src, 0, sizeof src);
		memset(&dst, 0, sizeof dst);
		int len = esctp_endpoint_output(sd->ep, buf, sizeof buf, &src,
						&dst, s->now);
		if (len == 0)
			break;
		if (len < 0) {
			sim_fail(s, "side %c: output: %s", "AZ"[side],
				 esctp_strerror(len));
			break;
		}
		if (++n > 100000) {
			sim_fail(s, "side %c: output never ends", "AZ"[side]);
			break;
		}
		send_packet(s, side, buf, (size_t)len, &src, &dst);
	}
	return n;
}

/* The receiving side has no endpoint: answer as a host with no listener
 * on that port would (RFC 9260 §8.4). */
static void ootb(sim *s, const sim_pkt *p)
{
	static uint8_t buf[MAX_PKT];
	int n = esctp_packet_ootb_reply(p->data, p->len, buf, sizeof buf);
	if (n <= 0)
		return;
	s->ootb_replies++;
	send_packet(s, p->to, buf, (size_t)n, &p->dst, &p->src);
}

unsigned sim_net_deliver_due(sim *s)
{
	unsigned n = 0;
	while (s->nheap && s->heap[0].at <= s->now && !s->failed) {
		sim_pkt p = heap_pop(s);
		sim_side *sd = &s->side[p.to];
		s->delivered++;
		sd->pkts_recv++;
		if (s->tap)
			s->tap(s, &p, s->tap_ctx);
		if (!sd->ep) {
			ootb(s, &p);
		} else if (esctp_endpoint_input(sd->ep, p.data, p.len, &p.src,
						&p.dst, s->now) < 0) {
			sd->input_errors++;
		}
		free(p.data);
		n++;
	}
	return n;
}

void sim_format_stats(const sim *s, char *buf, size_t cap)
{
	snprintf(buf, cap,
		 "pkts A->Z %llu Z->A %llu, lost %llu, dup %llu, down %llu, "
		 "hooked %llu, DATA rtx A %llu Z %llu",
		 (unsigned long long)s->side[0].pkts_sent,
		 (unsigned long long)s->side[1].pkts_sent,
		 (unsigned long long)s->lost, (unsigned long long)s->duplicated,
		 (unsigned long long)s->link_down_drops,
		 (unsigned long long)s->hooked,
		 (unsigned long long)s->side[0].data_rtx,
		 (unsigned long long)s->side[1].data_rtx);
}
