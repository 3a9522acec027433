/*
 * event.c - the endpoint's event queue: a ring that grows by doubling.
 *
 * DATA events are never lost: past EVQ_SOFT_MAX queued events, or when the
 * ring cannot grow, a DATA event is coalesced into a per-association
 * "owed" flag and delivered (with the bytes readable then) once the queue
 * has drained.  Other events are rare and grow the ring as needed.
 */
#include "assoc.h"

#define EVQ_INITIAL 4
#define EVQ_SOFT_MAX 4096

static bool grow(esctp_endpoint *ep)
{
	uint32_t cap = ep->ev_cap ? ep->ev_cap * 2 : EVQ_INITIAL;
	esctp_event *q = mem_alloc(&ep->mem, cap * sizeof *q);
	if (!q)
		return false;
	for (uint32_t i = 0; i < ep->ev_count; i++)
		q[i] = ep->evq[(ep->ev_head + i) % ep->ev_cap];
	mem_free(&ep->mem, ep->evq);
	ep->evq = q;
	ep->ev_cap = cap;
	ep->ev_head = 0;
	return true;
}

static void owe(esctp_endpoint *ep, esctp_assoc *a)
{
	if (a->data_owed)
		return;
	a->data_owed = true;
	a->owed_next = ep->owed_head;
	ep->owed_head = a;
}

void ev_post(esctp_endpoint *ep, const esctp_event *ev)
{
	bool data = ev->type == ESCTP_EV_DATA;
	if (data && ev->assoc && ev->assoc->data_owed)
		return; /* the owed event will tell about this one too */
	if (ep->ev_count == ep->ev_cap) {
		bool capped = data && ep->ev_cap >= EVQ_SOFT_MAX;
		if (capped || !grow(ep)) {
			if (data && ev->assoc)
				owe(ep, ev->assoc);
			else
				ep->events_dropped++;
			return;
		}
	}
	ep->evq[(ep->ev_head + ep->ev_count) % ep->ev_cap] = *ev;
	ep->ev_count++;
}

void assoc_event(esctp_assoc *a, esctp_event_type type, int error,
		 uint16_t cause)
{
	esctp_event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = type;
	ev.assoc = a;
	ev.error = error;
	ev.cause = cause;
	ev_post(a->ep, &ev);
}

static bool pop_owed(esctp_endpoint *ep, esctp_event *ev)
{
	while (ep->owed_head) {
		esctp_assoc *a = ep->owed_head;
		ep->owed_head = a->owed_next;
		a->owed_next = NULL;
		a->data_owed = false;
		size_t n = a->rx ? rx_readable(a->rx) : 0;
		if (!n)
			continue;
		memset(ev, 0, sizeof *ev);
		ev->type = ESCTP_EV_DATA;
		ev->assoc = a;
		ev->len = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
		return true;
	}
	return false;
}

int esctp_endpoint_next_event(esctp_endpoint *ep, esctp_event *ev)
{
	if (!ep || !ev)
		return 0;
	while (ep->ev_count) {
		*ev = ep->evq[ep->ev_head];
		ep->ev_head = (ep->ev_head + 1) % ep->ev_cap;
		ep->ev_count--;
		if (ev->type != ESCTP_EV_NONE)
			return 1;
	}
	return pop_owed(ep, ev) ? 1 : 0;
}

void ev_drop_assoc(esctp_endpoint *ep, esctp_assoc *a)
{
	for (uint32_t i = 0; i < ep->ev_count; i++) {
		esctp_event *e = &ep->evq[(ep->ev_head + i) % ep->ev_cap];
		if (e->assoc == a)
			e->type = ESCTP_EV_NONE;
	}
	for (esctp_assoc **pp = &ep->owed_head; *pp; pp = &(*pp)->owed_next) {
		if (*pp == a) {
			*pp = a->owed_next;
			break;
		}
	}
	a->data_owed = false;
}

void ev_free(esctp_endpoint *ep)
{
	mem_free(&ep->mem, ep->evq);
	ep->evq = NULL;
	ep->ev_cap = ep->ev_count = ep->ev_head = 0;
	ep->owed_head = NULL;
}
