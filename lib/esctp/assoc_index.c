/*
 * assoc_index.c - how an endpoint finds its associations: the peer-address
 * table (demultiplexing), the timer heap (deadline/expire), the output
 * queue and the list of touched associations.  See the cost model in
 * assoc.h.
 */
#include "assoc.h"

/* ---- peer-address table ----
 * Open addressing with linear probing: one contiguous array, no per-entry
 * allocation, cache-friendly probes.  Keyed on family, IP and peer SCTP
 * port (not the UDP encapsulation port, which the peer may change).  The
 * hash is seeded per endpoint so peers cannot aim collisions. */

enum { SLOT_EMPTY = 0, SLOT_USED = 1, SLOT_TOMB = 2 };

static size_t ip_len(const esctp_addr *a)
{
	return a->family == ESCTP_AF_INET ? 4 : 16;
}

static uint32_t key_hash(uint32_t seed, const esctp_addr *a, uint16_t port)
{
	uint32_t h = 2166136261u ^ seed;
	h = (h ^ a->family) * 16777619u;
	h = (h ^ (port >> 8)) * 16777619u;
	h = (h ^ (port & 0xff)) * 16777619u;
	for (size_t i = 0; i < ip_len(a); i++)
		h = (h ^ a->ip[i]) * 16777619u;
	h ^= h >> 16;
	h *= 0x7feb352du;
	h ^= h >> 15;
	return h;
}

static bool slot_match(const ep_slot *s, uint32_t hash, const esctp_addr *a,
		       uint16_t port)
{
	return s->used == SLOT_USED && s->hash == hash &&
	       s->a->peer_port == port &&
	       esctp_addr_same_ip(&s->a->paths[s->pi].addr, a);
}

esctp_assoc *ep_table_find(const esctp_endpoint *ep, const esctp_addr *addr,
			   uint16_t port, uint8_t *pi)
{
	if (!ep->nslots)
		return NULL;
	uint32_t hash = key_hash(ep->hash_seed, addr, port);
	uint32_t mask = ep->nslots - 1;
	for (uint32_t i = hash & mask, n = 0; n < ep->nslots;
	     i = (i + 1) & mask, n++) {
		const ep_slot *s = &ep->slots[i];
		if (s->used == SLOT_EMPTY)
			return NULL;
		if (slot_match(s, hash, addr, port)) {
			*pi = s->pi;
			return s->a;
		}
	}
	return NULL;
}

static void place(ep_slot *slots, uint32_t nslots, const ep_slot *e)
{
	uint32_t mask = nslots - 1;
	uint32_t i = e->hash & mask;
	while (slots[i].used == SLOT_USED)
		i = (i + 1) & mask;
	slots[i] = *e;
	slots[i].used = SLOT_USED;
}

static int rehash(esctp_endpoint *ep, uint32_t nslots)
{
	ep_slot *ns = mem_calloc(&ep->mem, nslots, sizeof *ns);
	if (!ns)
		return ESCTP_ERR_NOMEM;
	for (uint32_t i = 0; i < ep->nslots; i++)
		if (ep->slots[i].used == SLOT_USED)
			place(ns, nslots, &ep->slots[i]);
	mem_free(&ep->mem, ep->slots);
	ep->slots = ns;
	ep->nslots = nslots;
	ep->ntombs = 0;
	return 0;
}

int ep_table_add(esctp_endpoint *ep, esctp_assoc *a, uint8_t pi)
{
	/* Keep probes short: at most 3/4 of the slots used or dead. */
	if ((ep->nused + ep->ntombs + 1) * 4 > ep->nslots * 3) {
		uint32_t n = ep->nslots ? ep->nslots : 4;
		while ((ep->nused + 1) * 2 > n)
			n *= 2;
		if (rehash(ep, n) < 0)
			return ESCTP_ERR_NOMEM;
	}
	ep_slot e = {
	    .a = a,
	    .hash = key_hash(ep->hash_seed, &a->paths[pi].addr, a->peer_port),
	    .pi = pi,
	};
	uint32_t mask = ep->nslots - 1;
	uint32_t i = e.hash & mask;
	while (ep->slots[i].used == SLOT_USED)
		i = (i + 1) & mask;
	if (ep->slots[i].used == SLOT_TOMB)
		ep->ntombs--;
	ep->slots[i] = e;
	ep->slots[i].used = SLOT_USED;
	ep->nused++;
	a->in_table = true;
	return 0;
}

void ep_table_del_assoc(esctp_endpoint *ep, esctp_assoc *a)
{
	if (!a->in_table)
		return;
	a->in_table = false;
	uint32_t mask = ep->nslots - 1;
	for (unsigned p = 0; p < a->npaths; p++) {
		uint32_t h =
		    key_hash(ep->hash_seed, &a->paths[p].addr, a->peer_port);
		for (uint32_t i = h & mask, n = 0; n < ep->nslots;
		     i = (i + 1) & mask, n++) {
			ep_slot *s = &ep->slots[i];
			if (s->used == SLOT_EMPTY)
				break;
			if (s->used == SLOT_USED && s->a == a && s->pi == p) {
				s->used = SLOT_TOMB;
				s->a = NULL;
				ep->nused--;
				ep->ntombs++;
				break;
			}
		}
	}
	/* An emptied table gives its memory back. */
	if (ep->nused == 0) {
		mem_free(&ep->mem, ep->slots);
		ep->slots = NULL;
		ep->nslots = ep->ntombs = 0;
	}
}

/* ---- timer heap ---- */

static void heap_set(esctp_endpoint *ep, uint32_t i, esctp_assoc *a)
{
	ep->heap[i] = a;
	a->heap_idx = i;
}

static void sift_up(esctp_endpoint *ep, uint32_t i)
{
	esctp_assoc *a = ep->heap[i];
	while (i > 0) {
		uint32_t parent = (i - 1) / 2;
		if (ep->heap[parent]->deadline <= a->deadline)
			break;
		heap_set(ep, i, ep->heap[parent]);
		i = parent;
	}
	heap_set(ep, i, a);
}

static void sift_down(esctp_endpoint *ep, uint32_t i)
{
	esctp_assoc *a = ep->heap[i];
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= ep->nheap)
			break;
		if (c + 1 < ep->nheap &&
		    ep->heap[c + 1]->deadline < ep->heap[c]->deadline)
			c++;
		if (a->deadline <= ep->heap[c]->deadline)
			break;
		heap_set(ep, i, ep->heap[c]);
		i = c;
	}
	heap_set(ep, i, a);
}

void ep_heap_remove(esctp_endpoint *ep, esctp_assoc *a)
{
	uint32_t i = a->heap_idx;
	if (i == UINT32_MAX)
		return;
	a->heap_idx = UINT32_MAX;
	esctp_assoc *last = ep->heap[--ep->nheap];
	if (last == a)
		return;
	heap_set(ep, i, last);
	sift_up(ep, i);
	sift_down(ep, last->heap_idx);
}

static bool heap_grow(esctp_endpoint *ep)
{
	if (ep->nheap < ep->heap_cap)
		return true;
	uint32_t cap = ep->heap_cap ? ep->heap_cap * 2 : 8;
	esctp_assoc **h = mem_realloc(&ep->mem, ep->heap, cap * sizeof *h);
	if (!h)
		return false;
	ep->heap = h;
	ep->heap_cap = cap;
	return true;
}

void ep_heap_update(esctp_endpoint *ep, esctp_assoc *a)
{
	if (a->deadline == ESCTP_TSTAMP_NEVER) {
		ep_heap_remove(ep, a);
		return;
	}
	if (a->heap_idx == UINT32_MAX) {
		/* Without room the association waits for its next touch:
		 * late timers, never lost state. */
		if (!heap_grow(ep))
			return;
		ep->heap[ep->nheap] = a;
		a->heap_idx = ep->nheap++;
	}
	sift_up(ep, a->heap_idx);
	sift_down(ep, a->heap_idx);
}

/* ---- output queue ---- */

void ep_outq_add(esctp_endpoint *ep, esctp_assoc *a)
{
	if (a->in_outq)
		return;
	a->in_outq = true;
	a->outq_next = NULL;
	if (ep->outq_tail)
		ep->outq_tail->outq_next = a;
	else
		ep->outq_head = a;
	ep->outq_tail = a;
}

void ep_outq_remove(esctp_endpoint *ep, esctp_assoc *a)
{
	if (!a->in_outq)
		return;
	esctp_assoc **pp = &ep->outq_head, *prev = NULL;
	while (*pp && *pp != a) {
		prev = *pp;
		pp = &(*pp)->outq_next;
	}
	if (*pp)
		*pp = a->outq_next;
	if (ep->outq_tail == a)
		ep->outq_tail = prev;
	a->in_outq = false;
	a->outq_next = NULL;
}

/* ---- touched associations ----
 * Doubly linked: an association leaves it in O(1) when freed, whether or
 * not the host ever takes it. */

void ep_touched_add(esctp_endpoint *ep, esctp_assoc *a)
{
	if (a->in_touched)
		return;
	a->in_touched = true;
	a->touched_next = NULL;
	a->touched_prev = ep->touched_tail;
	if (ep->touched_tail)
		ep->touched_tail->touched_next = a;
	else
		ep->touched_head = a;
	ep->touched_tail = a;
	ep->ntouched++;
}

void ep_touched_remove(esctp_endpoint *ep, esctp_assoc *a)
{
	if (!a->in_touched)
		return;
	if (a->touched_prev)
		a->touched_prev->touched_next = a->touched_next;
	else
		ep->touched_head = a->touched_next;
	if (a->touched_next)
		a->touched_next->touched_prev = a->touched_prev;
	else
		ep->touched_tail = a->touched_prev;
	a->touched_prev = a->touched_next = NULL;
	a->in_touched = false;
	ep->ntouched--;
}
