/*
 * sim_flow.c - checked message flows over the simulator: the sender makes
 * messages whose every byte follows from their id, the receiver rebuilds
 * each one and checks it arrived once, intact, on its stream, with its
 * ordering flag, and in order per stream when ordered.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define HDR_LEN 20
#define MAGIC 0x53494d4du /* "SIMM" */

typedef struct msg_props {
	uint32_t len;
	uint16_t stream;
	bool unordered;
	bool partial; /* sent with PR-SCTP (cfg ttl_ms, pr_policy) */
} msg_props;

static msg_props props(const sim_flow_cfg *c, uint32_t id)
{
	uint64_t st = c->seed ^ ((uint64_t)id * 0x9e3779b97f4a7c15ull);
	uint64_t h = sim_rand64(&st), r = sim_rand64(&st);
	msg_props m;
	uint32_t cap = c->max_msg;
	unsigned bucket = (unsigned)(h % 100);
	/* Mostly small and medium messages, some up to max_msg: many
	 * messages per megabyte, and the large ones fragment heavily. */
	if (bucket < 50 && cap > 1500)
		cap = 1500;
	else if (bucket < 80 && cap > 16384)
		cap = 16384;
	m.len = 1 + (uint32_t)(r % cap);
	if (m.len < c->min_msg)
		m.len = c->min_msg;
	m.stream = (uint16_t)((h >> 16) % (c->nstreams ? c->nstreams : 1));
	m.unordered = (h >> 32) % 100 < c->unordered_pct;
	m.partial = (h >> 40) % 100 < c->ttl_pct &&
		    (c->ttl_ms || c->pr_policy != ESCTP_PR_NONE);
	return m;
}

static uint32_t fnv32(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* The message's bytes: header then a body derived from the id; short
 * messages keep only the first bytes of the header. */
static void make_msg(const sim_flow_cfg *c, uint32_t id, const msg_props *m,
		     uint8_t *out)
{
	uint8_t hdr[HDR_LEN];
	uint64_t st = c->seed + id;
	size_t body = m->len > HDR_LEN ? m->len - HDR_LEN : 0;
	uint8_t *b = out + HDR_LEN;
	for (size_t i = 0; i < body; i += 8) {
		uint64_t r = sim_rand64(&st);
		memcpy(b + i, &r, body - i < 8 ? body - i : 8);
	}
	wr32(hdr, MAGIC);
	wr32(hdr + 4, id);
	wr32(hdr + 8, (uint32_t)m->stream << 16 | (m->unordered ? 1u : 0u));
	wr32(hdr + 12, m->len);
	wr32(hdr + 16, fnv32(b, body));
	memcpy(out, hdr, m->len < HDR_LEN ? m->len : HDR_LEN);
}

int sim_flow_init(sim_flow *f, int from, const sim_flow_cfg *cfg)
{
	memset(f, 0, sizeof *f);
	f->cfg = *cfg;
	if (!f->cfg.nstreams)
		f->cfg.nstreams = 1;
	if (!f->cfg.max_msg)
		f->cfg.max_msg = 1;
	if (!f->cfg.read_size)
		f->cfg.read_size = f->cfg.max_msg;
	f->from = from;
	f->enabled = true;
	f->reading = true;
	f->txbuf = malloc(2 * ((size_t)f->cfg.max_msg + HDR_LEN));
	f->rxbuf = malloc((size_t)f->cfg.max_msg + f->cfg.read_size + HDR_LEN);
	f->last_ordered = calloc(f->cfg.nstreams, sizeof *f->last_ordered);
	if (!f->txbuf || !f->rxbuf || !f->last_ordered) {
		sim_flow_free(f);
		return -1;
	}
	return 0;
}

void sim_flow_free(sim_flow *f)
{
	free(f->txbuf);
	free(f->rxbuf);
	free(f->seen);
	free(f->last_ordered);
	f->txbuf = f->rxbuf = f->seen = NULL;
	f->last_ordered = NULL;
}

static int grow_seen(sim_flow *f, uint32_t id)
{
	if (id < f->cap_seen)
		return 0;
	uint32_t cap = f->cap_seen ? f->cap_seen * 2 : 1024;
	while (cap <= id)
		cap *= 2;
	uint8_t *n = realloc(f->seen, cap);
	if (!n)
		return -1;
	memset(n + f->cap_seen, 0, cap - f->cap_seen);
	f->seen = n;
	f->cap_seen = cap;
	return 0;
}

/* ---- sending ---- */

static void flow_send(sim *s, sim_flow *f, esctp_assoc *a)
{
	for (unsigned n = 0; n < 1000 && !f->all_sent; n++) {
		if (!f->tx_ready) {
			if (f->bytes_sent >= f->cfg.total_bytes) {
				f->all_sent = true;
				return;
			}
			f->tx_id = f->nsent;
			msg_props m = props(&f->cfg, f->tx_id);
			make_msg(&f->cfg, f->tx_id, &m, f->txbuf);
			f->tx_ready = true;
		}
		msg_props m = props(&f->cfg, f->tx_id);
		esctp_sndinfo si = {0};
		si.stream = m.stream;
		si.ppid = htonl(f->tx_id);
		si.flags = m.unordered ? ESCTP_UNORDERED : 0;
		if (m.partial) {
			si.ttl_ms = f->cfg.ttl_ms;
			si.pr_policy = f->cfg.pr_policy;
			si.pr_value = f->cfg.pr_value;
		}
		si.context = f->tx_id;
		size_t space = esctp_assoc_send_space(a);
		int rc = esctp_assoc_send(a, &si, f->txbuf, m.len, s->now);
		if (rc == ESCTP_ERR_AGAIN && space >= m.len) {
			sim_fail(s, "send_space %zu but send(%u bytes) = AGAIN",
				 space, m.len);
			return;
		}
		if (rc == ESCTP_ERR_AGAIN || rc == ESCTP_ERR_STATE)
			return;
		if (rc != 0) {
			sim_fail(s, "send id %u len %u: %s", f->tx_id, m.len,
				 esctp_strerror(rc));
			return;
		}
		if (grow_seen(f, f->tx_id) != 0) {
			sim_fail(s, "out of memory (flow)");
			return;
		}
		f->nsent++;
		f->bytes_sent += m.len;
		f->tx_ready = false;
	}
}

/* ---- receiving ---- */

static void check_msg(sim *s, sim_flow *f)
{
	const esctp_rcvinfo *ri = &f->rx_first;
	uint32_t id = ntohl(ri->ppid);
	if (id >= f->nsent) {
		sim_fail(s, "flow %c: message with unknown id %u (%zu bytes)",
			 "AZ"[f->from], id, f -> rxlen);
		return;
	}
	msg_props m = props(&f->cfg, id);
	bool unordered = (ri->flags & ESCTP_UNORDERED) != 0;
	if (f->rxlen != m.len || ri->stream != m.stream ||
	    unordered != m.unordered) {
		sim_fail(s,
			 "flow %c: id %u: got len %zu stream %u U=%d, sent len "
			 "%u stream %u U=%d",
			 "AZ"[f->from], id, f -> rxlen, ri -> stream, unordered,
			 m.len, m.stream, m.unordered);
		return;
	}
	if (m.len >= HDR_LEN &&
	    (rd32(f->rxbuf) != MAGIC || rd32(f->rxbuf + 4) != id ||
	     rd32(f->rxbuf + 12) != m.len ||
	     rd32(f->rxbuf + 16) !=
		 fnv32(f->rxbuf + HDR_LEN, m.len - HDR_LEN))) {
		sim_fail(s, "flow %c: id %u: header or body checksum wrong",
			 "AZ"[f->from], id);
		return;
	}
	/* The second half of txbuf is scratch for the expected bytes. */
	uint8_t *want = f->txbuf + f->cfg.max_msg + HDR_LEN;
	make_msg(&f->cfg, id, &m, want);
	if (memcmp(want, f->rxbuf, m.len) != 0) {
		sim_fail(s, "flow %c: id %u: body corrupted", "AZ"[f->from],
			 id);
		return;
	}
	if (f->seen[id] & 1) {
		sim_fail(s, "flow %c: id %u delivered twice", "AZ"[f->from],
			 id);
		return;
	}
	if (!m.unordered) {
		if (f->last_ordered[m.stream] > id) {
			sim_fail(
			    s, "flow %c: stream %u: ordered id %u after id %u",
			    "AZ"[f->from], m.stream, id,
			    f->last_ordered[m.stream] - 1);
			return;
		}
		f->last_ordered[m.stream] = id + 1;
	}
	if (f->seen[id] & 2)
		f->nexpired_recv++;
	if (!f->seen[id])
		f->naccounted++;
	f->seen[id] |= 1;
	f->nrecv++;
	f->bytes_recv += m.len;
}

/* One piece read: appends it, or restarts the message when the previous
 * one was cut off by a PARTIAL_DELIVERY_ABORTED. */
static void take_piece(sim *s, sim_flow *f, size_t n, const esctp_rcvinfo *ri)
{
	if (f->rx_in_msg && (ri->stream != f->rx_first.stream ||
			     ri->ppid != f->rx_first.ppid)) {
		if (!f->pd_aborted) {
			sim_fail(s,
				 "flow %c: piece of stream %u ppid %u while "
				 "message on stream %u ppid %u incomplete",
				 "AZ"[f->from], ri -> stream, ntohl(ri->ppid),
				 f -> rx_first.stream, ntohl(f->rx_first.ppid));
			return;
		}
		memmove(f->rxbuf, f->rxbuf + f->rxlen, n);
		f->rxlen = 0;
		f->rx_in_msg = false;
	}
	if (!f->rx_in_msg) {
		f->rx_first = *ri;
		f->rx_in_msg = true;
		f->pd_aborted = false;
	}
	f->rxlen += n;
	if (ri->flags & ESCTP_EOR) {
		check_msg(s, f);
		f->rx_in_msg = false;
		f->rxlen = 0;
	}
}

static void flow_recv(sim *s, sim_flow *f, esctp_assoc *a)
{
	size_t cap = (size_t)f->cfg.max_msg + f->cfg.read_size;
	for (unsigned n = 0; n < 100000 && !s->failed; n++) {
		size_t want = f->cfg.read_size;
		if (want > cap - f->rxlen)
			want = cap - f->rxlen;
		if (want == 0) {
			sim_fail(s, "flow %c: message longer than %u bytes",
				 "AZ"[f->from], f -> cfg.max_msg);
			return;
		}
		esctp_rcvinfo ri;
		memset(&ri, 0, sizeof ri);
		int rc = esctp_assoc_recv(a, f->rxbuf + f->rxlen, want, &ri);
		if (rc == ESCTP_ERR_AGAIN || rc == ESCTP_ERR_CLOSED)
			return;
		if (rc < 0) {
			sim_fail(s, "recv: %s", esctp_strerror(rc));
			return;
		}
		if ((size_t)rc > want) {
			sim_fail(s, "recv returned %d > %zu", rc, want);
			return;
		}
		take_piece(s, f, (size_t)rc, &ri);
	}
}

void sim_flows_app(sim *s, int side, void *ctx)
{
	(void)ctx;
	esctp_assoc *a = s->side[side].assoc;
	if (!a)
		return;
	sim_flow *tx = s->flows[side], *rx = s->flows[sim_peer(side)];
	if (tx && tx->enabled)
		flow_send(s, tx, a);
	if (rx && rx->reading)
		flow_recv(s, rx, a);
	if (tx && !tx->done_at && sim_flow_complete(tx))
		tx->done_at = s->now;
}

static void send_failed(sim *s, sim_flow *f, const esctp_event *ev)
{
	uint32_t id = ev->context;
	if (id >= f->nsent) {
		sim_fail(s, "SEND_FAILED for unknown context %u", id);
		return;
	}
	if (f->seen[id] & 2) {
		sim_fail(s, "SEND_FAILED twice for id %u", id);
		return;
	}
	msg_props m = props(&f->cfg, id);
	if (ev->stream != m.stream || ev->len > m.len) {
		sim_fail(s, "SEND_FAILED id %u: stream %u len %u, sent %u %u",
			 id, ev->stream, ev->len, m.stream, m.len);
		return;
	}
	if (!f->seen[id])
		f->naccounted++;
	f->seen[id] |= 2;
	f->nfailed++;
}

void sim_flows_event(sim *s, int side, const esctp_event *ev, void *ctx)
{
	(void)ctx;
	if (ev->type == ESCTP_EV_SEND_FAILED && s->flows[side])
		send_failed(s, s->flows[side], ev);
	sim_flow *in = s->flows[sim_peer(side)];
	if (ev->type == ESCTP_EV_PARTIAL_DELIVERY_ABORTED && in) {
		/* The pieces read so far will never be completed. */
		in->npd_aborted++;
		if (in->rx_in_msg && in->rx_first.stream == ev->stream) {
			in->rx_in_msg = false;
			in->rxlen = 0;
		} else {
			in->pd_aborted = true;
		}
	}
}

void sim_flows_attach(sim *s, sim_flow *fa, sim_flow *fz)
{
	s->flows[SIM_A] = fa;
	s->flows[SIM_Z] = fz;
	s->app = sim_flows_app;
	s->app_ctx = NULL;
	s->on_event = sim_flows_event;
	s->event_ctx = NULL;
}

bool sim_flow_complete(const sim_flow *f)
{
	return f->all_sent && f->naccounted == f->nsent;
}

bool sim_flows_done(sim *s, void *ctx)
{
	(void)ctx;
	for (int i = 0; i < 2; i++)
		if (s->flows[i] && !sim_flow_complete(s->flows[i]))
			return false;
	return true;
}

int sim_flow_verify(sim *s, const sim_flow *f)
{
	if (!f->all_sent) {
		sim_fail(s, "flow %c: only %u messages sent", "AZ"[f->from],
			 f -> nsent);
		return -1;
	}
	for (uint32_t id = 0; id < f->nsent; id++) {
		msg_props m = props(&f->cfg, id);
		if (!m.partial && f->seen[id] != 1) {
			sim_fail(s, "flow %c: reliable id %u: %s",
				 "AZ"[f->from], id,
				 f -> seen[id] & 2 ? "reported failed"
						   : "never delivered");
			return -1;
		}
		if (!f->seen[id]) {
			sim_fail(s,
				 "flow %c: id %u neither delivered nor failed",
				 "AZ"[f->from], id);
			return -1;
		}
	}
	return 0;
}

int sim_exchange(sim *s, uint64_t bytes, uint64_t seed)
{
	sim_flow_cfg c = {0};
	c.total_bytes = bytes;
	c.max_msg = 4096;
	c.min_msg = 1;
	c.nstreams = 10;
	c.unordered_pct = 30;
	c.seed = seed;
	sim_flow fa, fz;
	if (sim_flow_init(&fa, SIM_A, &c) != 0)
		return SIM_ERR_FAIL;
	c.seed = seed ^ 0x5a5a;
	if (sim_flow_init(&fz, SIM_Z, &c) != 0) {
		sim_flow_free(&fa);
		return SIM_ERR_FAIL;
	}
	sim_app_fn app = s->app;
	sim_event_fn ev = s->on_event;
	void *app_ctx = s->app_ctx, *ev_ctx = s->event_ctx;
	sim_flow *old_a = s->flows[SIM_A], *old_z = s->flows[SIM_Z];
	sim_flows_attach(s, &fa, &fz);
	int rc = sim_run(s, sim_flows_done, NULL, s->now + 300 * ESCTP_SECOND);
	if (rc == SIM_OK &&
	    (sim_flow_verify(s, &fa) != 0 || sim_flow_verify(s, &fz) != 0))
		rc = SIM_ERR_FAIL;
	s->app = app;
	s->on_event = ev;
	s->app_ctx = app_ctx;
	s->event_ctx = ev_ctx;
	s->flows[SIM_A] = old_a;
	s->flows[SIM_Z] = old_z;
	sim_flow_free(&fa);
	sim_flow_free(&fz);
	return rc;
}

void sim_flow_describe_missing(const sim_flow *f, char *buf, size_t cap)
{
	size_t n = 0;
	unsigned shown = 0, missing = 0;
	buf[0] = 0;
	for (uint32_t id = 0; id < f->nsent; id++) {
		if (f->seen[id])
			continue;
		missing++;
		if (shown == 4 || n >= cap)
			continue;
		msg_props m = props(&f->cfg, id);
		int w = snprintf(buf + n, cap - n,
				 "%sid %u (stream %u, %u bytes, %s, %s)",
				 shown ? ", " : "", id, m.stream, m.len,
				 m.unordered ? "unordered" : "ordered",
				 m.partial ? "partially reliable" : "reliable");
		if (w > 0)
			n += (size_t)w;
		shown++;
	}
	if (n < cap)
		snprintf(buf + n, cap - n, "%s%u of %u messages missing",
			 shown ? "; " : "", missing, f->nsent);
}
