/*
 * addr.c - sockaddr <-> wsp_addr (wsproto.h): pure functions, unit-tested
 * without preloading (tests/unit/test_addr.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "shim.h"

int shim_sa_to_wsp(const struct sockaddr *sa, socklen_t len, wsp_addr *w)
{
	memset(w, 0, sizeof(*w));
	if (!sa || len < sizeof(sa_family_t)) {
		errno = EINVAL;
		return -1;
	}
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;
		if (len < sizeof(*s4)) {
			errno = EINVAL;
			return -1;
		}
		w->family = AF_INET;
		w->port = ntohs(s4->sin_port);
		memcpy(w->ip, &s4->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;
		if (len < sizeof(*s6)) {
			errno = EINVAL;
			return -1;
		}
		w->family = AF_INET6;
		w->port = ntohs(s6->sin6_port);
		w->scope = s6->sin6_scope_id;
		memcpy(w->ip, &s6->sin6_addr, 16);
		return 0;
	}
	errno = EAFNOSUPPORT;
	return -1;
}

void shim_wsp_to_sa(const wsp_addr *w, int family, struct sockaddr *sa,
		    socklen_t *len)
{
	union {
		struct sockaddr_in s4;
		struct sockaddr_in6 s6;
	} u;
	socklen_t full;

	memset(&u, 0, sizeof(u));
	if (family == AF_INET6) {
		u.s6.sin6_family = AF_INET6;
		u.s6.sin6_port = htons(w->port);
		u.s6.sin6_scope_id = w->scope;
		if (w->family == AF_INET) {
			u.s6.sin6_addr.s6_addr[10] = 0xff;
			u.s6.sin6_addr.s6_addr[11] = 0xff;
			memcpy(&u.s6.sin6_addr.s6_addr[12], w->ip, 4);
		} else {
			memcpy(&u.s6.sin6_addr, w->ip, 16);
		}
		full = sizeof(u.s6);
	} else {
		u.s4.sin_family = AF_INET;
		u.s4.sin_port = htons(w->port);
		memcpy(&u.s4.sin_addr, w->ip + (w->family == AF_INET6 ? 12 : 0),
		       4);
		full = sizeof(u.s4);
	}
	/* Like the kernel: truncate to the caller's buffer, report the
	 * full length. */
	if (sa && len)
		memcpy(sa, &u, *len < full ? *len : full);
	if (len)
		*len = full;
}
