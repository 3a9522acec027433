/*
 * unread.c - what a native socket's program has not read (unread.h).
 */
#define _GNU_SOURCE
#include <linux/sockios.h>
#include <stdlib.h>
#include <sys/ioctl.h>

#include "unread.h"

/* More unread datagrams than a channel's buffer can hold is impossible;
 * past this, assume data. */
#define MAX_RECS 16384

int sd_unread_outq(int fd)
{
	int v = 0;
	if (ioctl(fd, SIOCOUTQ, &v) < 0 || v < 0)
		return 0;
	return v;
}

static void pop(sd_unread *u)
{
	sd_unread_rec *r = &u->ring[u->head];
	u->sum -= r->size;
	if (r->data)
		u->ndata--;
	u->head = (u->head + 1) % u->cap;
	u->len--;
}

void sd_unread_sample(sd_unread *u, int fd)
{
	uint64_t q = (uint64_t)sd_unread_outq(fd);
	/* The unread ones are the newest whose sizes add up to q. */
	while (u->len && u->sum - u->ring[u->head].size >= q)
		pop(u);
	if (!q) {
		while (u->len)
			pop(u);
		u->sum = 0;
		u->lost = false;
	}
}

static bool grow(sd_unread *u)
{
	unsigned cap = u->cap ? u->cap * 2 : 64;
	if (cap > MAX_RECS)
		return false;
	sd_unread_rec *r = malloc(cap * sizeof(*r));
	if (!r)
		return false;
	for (unsigned i = 0; i < u->len; i++)
		r[i] = u->ring[(u->head + i) % u->cap];
	free(u->ring);
	u->ring = r;
	u->head = 0;
	u->cap = cap;
	return true;
}

void sd_unread_sent(sd_unread *u, int fd, int q_before, bool data)
{
	int q = sd_unread_outq(fd);
	/* The program may have read meanwhile: never less than a byte. */
	uint32_t size = q > q_before ? (uint32_t)(q - q_before) : 1;
	if (u->len == u->cap && !grow(u)) {
		u->lost = u->lost || data;
		return;
	}
	u->ring[(u->head + u->len) % u->cap] =
	    (sd_unread_rec){.size = size, .data = data};
	u->len++;
	u->sum += size;
	if (data)
		u->ndata++;
}

bool sd_unread_data(const sd_unread *u)
{
	return u->ndata > 0 || u->lost;
}

void sd_unread_free(sd_unread *u)
{
	free(u->ring);
	*u = (sd_unread){0};
}
