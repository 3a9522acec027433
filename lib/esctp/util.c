/*
 * util.c - allocation through the host's ops, addresses, error strings and
 * configuration defaults.
 */
#include <stdlib.h>

#include "internal.h"

static void *libc_alloc(void *user, size_t size)
{
	(void)user;
	return malloc(size);
}

static void *libc_realloc(void *user, void *ptr, size_t size)
{
	(void)user;
	return realloc(ptr, size);
}

static void libc_free(void *user, void *ptr)
{
	(void)user;
	free(ptr);
}

void mem_init(esctp_mem *m, const esctp_ops *ops)
{
	m->user = ops ? ops->user : NULL;
	m->alloc = ops && ops->alloc ? ops->alloc : libc_alloc;
	m->realloc = ops && ops->realloc ? ops->realloc : libc_realloc;
	m->free = ops && ops->free ? ops->free : libc_free;
}

void *mem_alloc(const esctp_mem *m, size_t size)
{
	return m->alloc(m->user, size ? size : 1);
}

void *mem_calloc(const esctp_mem *m, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	void *p = mem_alloc(m, n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void *mem_realloc(const esctp_mem *m, void *ptr, size_t size)
{
	return m->realloc(m->user, ptr, size ? size : 1);
}

void mem_free(const esctp_mem *m, void *ptr)
{
	if (ptr)
		m->free(m->user, ptr);
}

static size_t addr_ip_len(const esctp_addr *a)
{
	return a->family == ESCTP_AF_INET ? 4 : a->family == ESCTP_AF_INET6 ? 16 : 0;
}

bool esctp_addr_same_ip(const esctp_addr *a, const esctp_addr *b)
{
	return a->family == b->family &&
	       memcmp(a->ip, b->ip, addr_ip_len(a)) == 0;
}

bool esctp_addr_equal(const esctp_addr *a, const esctp_addr *b)
{
	return esctp_addr_same_ip(a, b) && a->port == b->port;
}

const char *esctp_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case ESCTP_ERR_NOMEM:
		return "out of memory";
	case ESCTP_ERR_INVAL:
		return "invalid argument";
	case ESCTP_ERR_AGAIN:
		return "try again";
	case ESCTP_ERR_STATE:
		return "not allowed in this association state";
	case ESCTP_ERR_MSGSIZE:
		return "message too long";
	case ESCTP_ERR_PROTO:
		return "malformed packet";
	case ESCTP_ERR_NOBUF:
		return "buffer too small";
	case ESCTP_ERR_STREAM:
		return "invalid stream";
	case ESCTP_ERR_CLOSED:
		return "association closed";
	case ESCTP_ERR_EXIST:
		return "association exists";
	}
	return "unknown error";
}

const char *esctp_state_name(esctp_state s)
{
	static const char *const names[] = {
		"CLOSED",          "COOKIE-WAIT",       "COOKIE-ECHOED",
		"ESTABLISHED",     "SHUTDOWN-PENDING",  "SHUTDOWN-SENT",
		"SHUTDOWN-RECEIVED", "SHUTDOWN-ACK-SENT",
	};
	return (unsigned)s < ARRAY_LEN(names) ? names[s] : "?";
}

void esctp_config_default(esctp_config *c)
{
	memset(c, 0, sizeof *c);
	c->out_streams = 10;       /* Linux sctp_initmsg default */
	c->max_in_streams = 65535; /* Linux default */
	c->max_init_retrans = 8;   /* RFC 9260 §16 */
	c->assoc_max_retrans = 10;
	c->path_max_retrans = 5;
	c->pf_retrans = 0xffff;
	c->max_burst = 4;
	c->mtu = 1452; /* 1500 - IPv4 20 - UDP 8 - margin for IPv6 */
	c->sack_freq = 2;
	c->rto_initial_ms = 1000; /* RFC 9260 §16: RTO.Initial 1 s */
	c->rto_min_ms = 1000;
	c->rto_max_ms = 60000;
	c->cookie_life_ms = 60000;
	c->hb_interval_ms = 30000;
	c->sack_delay_ms = 200;
	c->rcvbuf = 256 * 1024;
	c->sndbuf = 256 * 1024;
	c->max_message = 16 * 1024 * 1024;
	c->encap_overhead = 8;
	c->prsctp = true;
	c->nodelay = false;
	c->adaptation = false; /* no Adaptation Layer Indication */
	c->adaptation_ind = 0;
}
