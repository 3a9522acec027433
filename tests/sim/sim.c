/*
 * sim.c - the A/Z simulator's endpoints, host callbacks and driver loop.
 * The network (links, packet queue, wire checks) is in sim_net.c, the
 * checked message flows in sim_flow.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "sim_internal.h"

uint64_t sim_rand64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

double sim_randf(sim *s)
{
	return (double)(sim_rand64(&s->rng) >> 11) * (1.0 / 9007199254740992.0);
}

void sim_fail(sim *s, const char *fmt, ...)
{
	if (s->failed)
		return; /* keep the first failure: it is the cause */
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->error, sizeof s->error, fmt, ap);
	va_end(ap);
	s->failed = true;
}

const char *sim_error(const sim *s)
{
	return s->error;
}

/* ---- host callbacks: counting allocator, randomness, cookie MAC ---- */

/* Each block carries its size in front so that free and realloc can keep
 * the live count exact; 16 bytes keep the user part max-aligned. */
typedef struct blkhdr {
	size_t size;
	size_t pad;
} blkhdr;

static void *count_alloc(void *user, size_t size)
{
	sim_side *sd = user;
	blkhdr *h = malloc(sizeof *h + size);
	if (!h)
		return NULL;
	h->size = size;
	sd->live_bytes += size;
	sd->live_blocks++;
	sd->nallocs++;
	if (sd->live_bytes > sd->peak_bytes)
		sd->peak_bytes = sd->live_bytes;
	return h + 1;
}

static void count_free(void *user, void *ptr)
{
	sim_side *sd = user;
	if (!ptr)
		return;
	blkhdr *h = (blkhdr *)ptr - 1;
	sd->live_bytes -= h->size;
	sd->live_blocks--;
	free(h);
}

static void *count_realloc(void *user, void *ptr, size_t size)
{
	sim_side *sd = user;
	if (!ptr)
		return count_alloc(user, size);
	blkhdr *h = (blkhdr *)ptr - 1;
	size_t old = h->size;
	blkhdr *n = realloc(h, sizeof *n + size);
	if (!n)
		return NULL;
	n->size = size;
	sd->live_bytes = sd->live_bytes - old + size;
	if (sd->live_bytes > sd->peak_bytes)
		sd->peak_bytes = sd->live_bytes;
	return n + 1;
}

static void side_random(void *user, void *buf, size_t len)
{
	sim_side *sd = user;
	uint8_t *p = buf;
	while (len) {
		uint64_t r = sim_rand64(&sd->rng);
		size_t n = len < 8 ? len : 8;
		memcpy(p, &r, n);
		p += n;
		len -= n;
	}
}

/* A keyed FNV-1a variant, four lanes: deterministic and keyed, which is all
 * a test needs from the cookie MAC. */
static void side_cookie_mac(void *user, const void *data, size_t len,
			    uint8_t mac[ESCTP_MAC_LEN])
{
	const sim_side *sd = user;
	const uint8_t *p = data;
	uint64_t key = 0x5ec2e7ull + sd->cfg.local_port;
	for (unsigned lane = 0; lane < ESCTP_MAC_LEN / 8; lane++) {
		uint64_t h = 0xcbf29ce484222325ull ^ (key * (lane + 1));
		for (size_t i = 0; i < len; i++)
			h = (h ^ p[i]) * 0x100000001b3ull;
		uint64_t st = h;
		h = sim_rand64(&st);
		memcpy(mac + 8 * lane, &h, 8);
	}
}

/* ---- endpoints ---- */

void sim_config_default(esctp_config *cfg, int side)
{
	esctp_config_default(cfg);
	cfg->local_port = side == SIM_A ? SIM_PORT_A : SIM_PORT_Z;
}

static void set_addr(esctp_addr *a, unsigned path, int side)
{
	memset(a, 0, sizeof *a);
	a->family = ESCTP_AF_INET;
	a->port = SIM_ENCAP_PORT;
	a->ip[0] = 127;
	a->ip[1] = (uint8_t)(path + 1);
	a->ip[2] = 0;
	a->ip[3] = (uint8_t)(side + 1);
}

static int side_open(sim_side *sd)
{
	sd->ep = esctp_endpoint_new(&sd->cfg, &sd->ops);
	if (!sd->ep)
		return -1;
	for (unsigned p = 0; p < SIM_NPATHS; p++)
		if (esctp_endpoint_add_local_addr(sd->ep, &sd->addr[p]) != 0)
			return -1;
	esctp_endpoint_listen(sd->ep, sd->listen);
	sd->assoc = NULL;
	sd->tsn_seen = false;
	return 0;
}

static void side_init(sim *s, int i, const esctp_config *cfg)
{
	sim_side *sd = &s->side[i];
	if (cfg)
		sd->cfg = *cfg;
	else
		sim_config_default(&sd->cfg, i);
	sd->ops.user = sd;
	sd->ops.random = side_random;
	sd->ops.cookie_mac = side_cookie_mac;
	sd->ops.alloc = count_alloc;
	sd->ops.realloc = count_realloc;
	sd->ops.free = count_free;
	for (unsigned p = 0; p < SIM_NPATHS; p++)
		set_addr(&sd->addr[p], p, i);
	sd->rng = s->seed ^ (0xa5a5a5a5ull * (unsigned)(i + 1));
	sd->listen = i == SIM_Z;
	for (unsigned t = 0; t < SIM_NEVENT_TYPES; t++)
		sd->ev_first[t] = ESCTP_TSTAMP_NEVER;
}

sim *sim_new(uint64_t seed, const esctp_config *cfg_a,
	     const esctp_config *cfg_z)
{
	sim *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->seed = seed;
	s->rng = seed;
	s->max_iters = 5000000;
	s->app_wake = ESCTP_TSTAMP_NEVER;
	sim_link l = {0};
	l.delay = 10 * ESCTP_MS;
	sim_set_links(s, &l);
	side_init(s, SIM_A, cfg_a);
	side_init(s, SIM_Z, cfg_z);
	if (side_open(&s->side[SIM_A]) != 0 ||
	    side_open(&s->side[SIM_Z]) != 0) {
		sim_free(s);
		return NULL;
	}
	return s;
}

size_t sim_free(sim *s)
{
	if (!s)
		return 0;
	size_t leaked = 0;
	for (int i = 0; i < 2; i++) {
		esctp_endpoint_free(s->side[i].ep);
		s->side[i].ep = NULL;
		leaked += s->side[i].live_bytes;
	}
	sim_net_free(s);
	free(s);
	return leaked;
}

int sim_endpoint_restart(sim *s, int side, bool recreate)
{
	sim_side *sd = &s->side[side];
	esctp_endpoint_free(sd->ep);
	sd->ep = NULL;
	sd->assoc = NULL;
	if (!recreate)
		return 0;
	return side_open(sd);
}

void sim_listen(sim *s, int side, bool on)
{
	s->side[side].listen = on;
	if (s->side[side].ep)
		esctp_endpoint_listen(s->side[side].ep, on);
}

int sim_connect(sim *s, int side)
{
	sim_side *sd = &s->side[side];
	const sim_side *peer = &s->side[sim_peer(side)];
	esctp_assoc *a = NULL;
	int rc = esctp_endpoint_connect(sd->ep, peer->addr, SIM_NPATHS,
					peer->cfg.local_port, s->now, &a);
	if (rc == 0)
		sd->assoc = a;
	return rc;
}

static bool both_up(sim *s, void *ctx)
{
	(void)ctx;
	return s->side[SIM_A].ev_count[ESCTP_EV_COMM_UP] > 0 &&
	       s->side[SIM_Z].ev_count[ESCTP_EV_COMM_UP] > 0;
}

int sim_establish(sim *s)
{
	int rc = sim_connect(s, SIM_A);
	if (rc != 0) {
		sim_fail(s, "connect: %s", esctp_strerror(rc));
		return SIM_ERR_FAIL;
	}
	return sim_run(s, both_up, NULL, s->now + 60 * ESCTP_SECOND);
}

/* ---- events ---- */

static void record_event(sim *s, int side, const esctp_event *ev)
{
	sim_side *sd = &s->side[side];
	unsigned t = (unsigned)ev->type;
	if (t < SIM_NEVENT_TYPES) {
		if (sd->ev_count[t]++ == 0)
			sd->ev_first[t] = s->now;
		sd->ev_last[t] = *ev;
	}
	if (ev->type != ESCTP_EV_DATA && sd->nevlog < SIM_EVLOG) {
		sd->evlog[sd->nevlog].at = s->now;
		sd->evlog[sd->nevlog].ev = *ev;
		sd->nevlog++;
	}
	if (ev->type == ESCTP_EV_ACCEPT || ev->type == ESCTP_EV_COMM_UP ||
	    ev->type == ESCTP_EV_RESTART)
		sd->assoc = ev->assoc;
}

/* Bounded: an endpoint whose event queue never empties is a bug. */
static void drain_events(sim *s, int side)
{
	sim_side *sd = &s->side[side];
	esctp_event ev;
	if (!sd->ep)
		return;
	for (unsigned n = 0; n < 1000000; n++) {
		if (esctp_endpoint_next_event(sd->ep, &ev) != 1)
			return;
		record_event(s, side, &ev);
		if (s->on_event)
			s->on_event(s, side, &ev, s->event_ctx);
	}
	sim_fail(s, "side %c: event queue never empties", "AZ"[side]);
}

const sim_evrec *sim_find_event(const sim *s, int side, esctp_event_type t,
				unsigned n)
{
	const sim_side *sd = &s->side[side];
	for (unsigned i = 0; i < sd->nevlog; i++)
		if (sd->evlog[i].ev.type == t && n-- == 0)
			return &sd->evlog[i];
	return NULL;
}

uint64_t sim_retransmits(const sim *s, int side)
{
	esctp_status st;
	if (!s->side[side].assoc)
		return 0;
	esctp_assoc_status(s->side[side].assoc, &st);
	return st.retransmits;
}

/* ---- the driver ---- */

static void expire_due(sim *s)
{
	for (int i = 0; i < 2; i++) {
		esctp_endpoint *ep = s->side[i].ep;
		if (ep && esctp_endpoint_deadline(ep) <= s->now)
			esctp_endpoint_expire(ep, s->now);
	}
}

/* Everything that happens at s->now, repeated while it produces packets
 * due now (zero-delay links), a bounded number of rounds. */
static void step(sim *s)
{
	for (unsigned round = 0; round < 64 && !s->failed; round++) {
		unsigned work = 0;
		expire_due(s);
		work += sim_net_deliver_due(s);
		for (int i = 0; i < 2; i++)
			drain_events(s, i);
		if (s->app) {
			s->app_wake = ESCTP_TSTAMP_NEVER;
			for (int i = 0; i < 2; i++)
				s->app(s, i, s->app_ctx);
			for (int i = 0; i < 2; i++)
				drain_events(s, i);
		}
		for (int i = 0; i < 2; i++)
			work += sim_net_drain_output(s, i);
		if (!work)
			break;
	}
}

static esctp_tstamp next_time(const sim *s)
{
	esctp_tstamp t = sim_net_next_arrival(s);
	for (int i = 0; i < 2; i++)
		if (s->side[i].ep) {
			esctp_tstamp d = esctp_endpoint_deadline(s->side[i].ep);
			if (d < t)
				t = d;
		}
	if (s->app && s->app_wake < t)
		t = s->app_wake;
	return t;
}

static int spun(sim *s)
{
	sim_fail(
	    s,
	    "iteration bound %llu hit at t=%.3f s (deadline A %lld ns, "
	    "Z %lld ns, %zu packets in flight)",
	    (unsigned long long)s->max_iters, (double)s->now / 1e9,
	    s->side[0].ep ? (long long)esctp_endpoint_deadline(s->side[0].ep)
			  : -1,
	    s->side[1].ep ? (long long)esctp_endpoint_deadline(s->side[1].ep)
			  : -1,
	    s->nheap);
	return SIM_ERR_ITERS;
}

int sim_run(sim *s, sim_done_fn done, void *ctx, esctp_tstamp until)
{
	if (s->failed)
		return SIM_ERR_FAIL;
	for (uint64_t it = 0;; it++) {
		if (it >= s->max_iters)
			return spun(s);
		s->iters++;
		step(s);
		if (s->failed)
			return SIM_ERR_FAIL;
		if (done && done(s, ctx))
			return SIM_OK;
		esctp_tstamp t = next_time(s);
		if (t > until) {
			if (!done) {
				s->now = until;
				return SIM_OK;
			}
			if (t == ESCTP_TSTAMP_NEVER) {
				sim_fail(s, "idle at t=%.3f s and not done",
					 (double)s->now / 1e9);
				return SIM_ERR_IDLE;
			}
			sim_fail(s, "time bound %.3f s reached, not done",
				 (double)until / 1e9);
			return SIM_ERR_TIME;
		}
		if (t > s->now)
			s->now = t;
	}
}

int sim_run_for(sim *s, esctp_tstamp d)
{
	return sim_run(s, NULL, NULL, s->now + d);
}
