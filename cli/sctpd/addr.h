/*
 * addr.h - the daemon's address conversions between the control protocol
 * (wsp_addr, as the program sees it) and the engine (esctp_addr) (addr.c).
 */
#ifndef CLI_SCTPD_ADDR_H
#define CLI_SCTPD_ADDR_H

#include <stddef.h>
#include <stdint.h>

#include "esctp.h"
#include "wsproto.h"

void sd_addr_to_esctp(const wsp_addr *w, uint16_t udp_port, esctp_addr *e);
/* e's IP with `port` (host order) as seen by a socket of `family` (IPv4 is
 * shown v4-mapped in an AF_INET6 socket). */
void sd_addr_from_esctp(const esctp_addr *e, uint16_t port, int family,
			wsp_addr *w);
const char *sd_addr_str(const wsp_addr *a, char *buf, size_t len);

#endif
