/*
 * addr.c - the daemon's address conversions between the control
 * protocol (wsp_addr, as the program sees it) and the engine (esctp_addr):
 * pure functions, unit-tested in tests/unit/test_addr.c.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

void sd_addr_to_esctp(const wsp_addr *w, uint16_t udp_port, esctp_addr *e)
{
	static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0,    0,
					     0, 0, 0, 0, 0xff, 0xff};

	memset(e, 0, sizeof(*e));
	e->port = udp_port;
	if (w->family == AF_INET6 && !memcmp(w->ip, v4mapped, 12)) {
		e->family = ESCTP_AF_INET;
		memcpy(e->ip, w->ip + 12, 4);
	} else if (w->family == AF_INET6) {
		e->family = ESCTP_AF_INET6;
		memcpy(e->ip, w->ip, 16);
		e->scope_id = w->scope;
	} else if (w->family == AF_INET) {
		e->family = ESCTP_AF_INET;
		memcpy(e->ip, w->ip, 4);
	}
}

void sd_addr_from_esctp(const esctp_addr *e, uint16_t port, int family,
			wsp_addr *w)
{
	memset(w, 0, sizeof(*w));
	w->port = port;
	w->family = (uint16_t)family;
	if (e->family == ESCTP_AF_INET6) {
		memcpy(w->ip, e->ip, 16);
		w->scope = e->scope_id;
		w->family = AF_INET6;
	} else if (family == AF_INET6) {
		w->ip[10] = w->ip[11] = 0xff;
		memcpy(w->ip + 12, e->ip, 4);
	} else {
		memcpy(w->ip, e->ip, 4);
	}
}

const char *sd_addr_str(const wsp_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "*";

	if (a->family == AF_INET || a->family == AF_INET6)
		inet_ntop(a->family, a->ip, ip, sizeof(ip));
	snprintf(buf, len, a->family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip,
		 a->port);
	return buf;
}
