/*
 * event.c - the endpoint's event queue: a ring that grows by doubling.
 *
 * DATA events are never lost: past EVQ_SOFT_MAX queued events, or when the
 * ring cannot grow, a DATA event is coalesced into a per-association
 * "owed" flag and delivered (with the bytes readable then) once the queue
 * has drained.  Other events are rare and grow the ring as needed.
 *
 * A SEND_FAILED event carries its message's unsent bytes, a COMM_LOST or
 * CANT_START from the peer's ABORT that chunk's error causes, in a
 * parallel array (evdata) until it is popped; the last popped one's stay
 * until the next pop, for esctp_event_failed_data() and
 * esctp_event_abort_causes().  What is held is bounded by
 * cfg.sndbuf + cfg.max_message: past it, further events come without
 * their bytes.
 */
#include "assoc.h"

#define EVQ_INITIAL 4
#define EVQ_SOFT_MAX 4096

static bool grow(esctp_endpoint *ep)
{
	uint32_t cap = ep->ev_cap ? ep->ev_cap * 2 : EVQ_INITIAL;
	esctp_event *q = mem_alloc(&ep->mem, cap * sizeof *q);
	ev_data *d = mem_alloc(&ep->mem, cap * sizeof *d);
	if (!q || !d) {
		mem_free(&ep->mem, q);
		mem_free(&ep->mem, d);
		return false;
	}
	memset(d, 0, cap * sizeof *d);
	for (uint32_t i = 0; i < ep->ev_count; i++) {
		q[i] = ep->evq[(ep->ev_head + i) % ep->ev_cap];
		d[i] = ep->evdata[(ep->ev_head + i) % ep->ev_cap];
	}
	mem_free(&ep->mem, ep->evq);
	mem_free(&ep->mem, ep->evdata);
	ep->evq = q;
	ep->evdata = d;
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

static void data_release(esctp_endpoint *ep, ev_data *d)
{
	if (d->buf) {
		mem_free(&ep->mem, d->buf);
		ep->ev_held -= d->len;
	}
	memset(d, 0, sizeof *d);
}

/* Returns the slot the event went to, or NULL when it was not queued. */
static ev_data *post(esctp_endpoint *ep, const esctp_event *ev)
{
	bool data = ev->type == ESCTP_EV_DATA;
	if (data && ev->assoc && ev->assoc->data_owed)
		return NULL; /* the owed event will tell about this one too */
	if (ep->ev_count == ep->ev_cap) {
		bool capped = data && ep->ev_cap >= EVQ_SOFT_MAX;
		if (capped || !grow(ep)) {
			if (data && ev->assoc)
				owe(ep, ev->assoc);
			else
				ep->events_dropped++;
			return NULL;
		}
	}
	uint32_t i = (ep->ev_head + ep->ev_count) % ep->ev_cap;
	ep->evq[i] = *ev;
	memset(&ep->evdata[i], 0, sizeof ep->evdata[i]);
	ep->ev_count++;
	return &ep->evdata[i];
}

void ev_post(esctp_endpoint *ep, const esctp_event *ev)
{
	post(ep, ev);
}

void ev_post_with(esctp_endpoint *ep, const esctp_event *ev, ev_data *d)
{
	ev_data *slot = post(ep, ev);
	size_t cap = (size_t)ep->cfg.sndbuf + ep->cfg.max_message;
	if (!d->buf)
		return;
	if (!slot || ep->ev_held + d->len > cap) {
		mem_free(&ep->mem, d->buf);
		return;
	}
	*slot = *d;
	ep->ev_held += d->len;
}

void assoc_event_with(esctp_assoc *a, esctp_event_type type, int error,
		      uint16_t cause, ev_data *d)
{
	esctp_event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = type;
	ev.assoc = a;
	ev.error = error;
	ev.cause = cause;
	if (d)
		ev_post_with(a->ep, &ev, d);
	else
		ev_post(a->ep, &ev);
}

void assoc_event(esctp_assoc *a, esctp_event_type type, int error,
		 uint16_t cause)
{
	assoc_event_with(a, type, error, cause, NULL);
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
	/* The previous SEND_FAILED's bytes were valid until this call. */
	data_release(ep, &ep->failed);
	while (ep->ev_count) {
		*ev = ep->evq[ep->ev_head];
		ep->failed = ep->evdata[ep->ev_head];
		memset(&ep->evdata[ep->ev_head], 0, sizeof(ev_data));
		ep->ev_head = (ep->ev_head + 1) % ep->ev_cap;
		ep->ev_count--;
		if (ev->type != ESCTP_EV_NONE) {
			ep->failed_ev = *ev;
			return 1;
		}
		data_release(ep, &ep->failed);
	}
	return pop_owed(ep, ev) ? 1 : 0;
}

/* The bytes held for ev, when it is the event the last
 * esctp_endpoint_next_event() returned. */
static size_t held(const esctp_endpoint *ep, const esctp_event *ev,
		   const uint8_t **data)
{
	if (data)
		*data = NULL;
	if (!ep || !ev || !data || !ep->failed.buf)
		return 0;
	const esctp_event *f = &ep->failed_ev;
	if (ev->type != f->type || ev->assoc != f->assoc ||
	    ev->error != f->error || ev->cause != f->cause ||
	    ev->stream != f->stream || ev->ppid != f->ppid ||
	    ev->len != f->len || ev->context != f->context ||
	    ev->flags != f->flags)
		return 0;
	*data = ep->failed.data;
	return ep->failed.len;
}

size_t esctp_event_failed_data(const esctp_endpoint *ep, const esctp_event *ev,
			       const uint8_t **data)
{
	if (ev && ev->type != ESCTP_EV_SEND_FAILED) {
		if (data)
			*data = NULL;
		return 0;
	}
	return held(ep, ev, data);
}

size_t esctp_event_abort_causes(const esctp_endpoint *ep,
				const esctp_event *ev, const uint8_t **data)
{
	if (ev && ev->type != ESCTP_EV_COMM_LOST &&
	    ev->type != ESCTP_EV_CANT_START) {
		if (data)
			*data = NULL;
		return 0;
	}
	return held(ep, ev, data);
}

void ev_drop_assoc(esctp_endpoint *ep, esctp_assoc *a)
{
	for (uint32_t i = 0; i < ep->ev_count; i++) {
		esctp_event *e = &ep->evq[(ep->ev_head + i) % ep->ev_cap];
		if (e->assoc == a) {
			e->type = ESCTP_EV_NONE;
			data_release(
			    ep, &ep->evdata[(ep->ev_head + i) % ep->ev_cap]);
		}
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
	for (uint32_t i = 0; i < ep->ev_count; i++)
		data_release(ep, &ep->evdata[(ep->ev_head + i) % ep->ev_cap]);
	data_release(ep, &ep->failed);
	mem_free(&ep->mem, ep->evq);
	mem_free(&ep->mem, ep->evdata);
	ep->evq = NULL;
	ep->evdata = NULL;
	ep->ev_cap = ep->ev_count = ep->ev_head = 0;
	ep->owed_head = NULL;
}
