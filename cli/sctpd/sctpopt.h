/*
 * sctpopt.h - what the two halves of the SOL_SCTP options share:
 * sctpopt.c (the options the engine honours) and sctpopt_more.c (those of
 * features it lacks, answered as a kernel with them disabled answers,
 * and a few it serves in part).  native.h declares the entry points.
 */
#ifndef CLI_SCTPD_SCTPOPT_H
#define CLI_SCTPD_SCTPOPT_H

#include <stdbool.h>
#include <stdint.h>

#include "native.h"

/* SCTP_EXPOSE_POTENTIALLY_FAILED_STATE's values
 * (include/net/sctp/constants.h, not in the uapi header). */
enum { PF_EXPOSE_UNSET, PF_EXPOSE_DISABLE, PF_EXPOSE_ENABLE };

/* Linux sctp_id2assoc(): the association an option's id names on s, or
 * NULL.  One-to-one and peeled-off sockets ignore the id and give their
 * association once it is up; one-to-many ones need the id of a live one
 * (SCTP_FUTURE_ASSOC, _CURRENT_ and _ALL_ name none). */
nassoc *sd_opt_assoc(wsock *s, int32_t id);
/* A getsockopt answer of n bytes: EINVAL when the program's *len is
 * shorter, else copied and *len set. */
int sd_opt_put(void *val, uint32_t *len, const void *v, uint32_t n);
/* The association id names (NULL for the socket's own setting); EINVAL
 * when a one-to-many socket has no such association and the id is not
 * SCTP_FUTURE_ASSOC, SCTP_CURRENT_ASSOC or SCTP_ALL_ASSOC ("if (!asoc &&
 * id > SCTP_ALL_ASSOC && sctp_style(sk, UDP))"). */
int sd_opt_assoc_or_any(wsock *s, int32_t id, nassoc **na);
/* A sockaddr_in or sockaddr_in6 of len bytes (an option's
 * sockaddr_storage) as a wsp_addr; false for any other family or a
 * shorter len. */
bool sd_opt_addr_in(const void *sa, uint32_t len, wsp_addr *w);
/* The index in st->paths of the path to addr's IP (its port ignored), or
 * -1. */
int sd_opt_path(const esctp_status *st, const wsp_addr *addr);

/* Path.Max.Retrans of s's associations (SCTP_PEER_ADDR_PARAMS and
 * _THLDS). */
uint16_t sd_sctpopt_pathmaxrxt(wsock *s);

/* The options sctpopt.c does not know, with sd_sctpopt_set's and
 * sd_sctpopt_get's contract: 0 or an errno, ENOPROTOOPT for an option
 * Linux does not have either. */
int sd_sctpopt_more_set(wsock *s, int name, const void *val, uint32_t len);
int sd_sctpopt_more_get(wsock *s, int name, void *val, uint32_t *len);

#endif
