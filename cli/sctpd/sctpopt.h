/*
 * sctpopt.h - what the files of the SOL_SCTP options share: sctpopt.c (the
 * entry points, the helpers below and the options of the socket),
 * sctpopt_addr.c (those about addresses), sctpopt_assoc.c (those of an
 * association's parameters and state), sctpopt_path.c (those of paths
 * the engine serves in part) and sctpopt_more.c (those of
 * features the engine lacks, answered as a kernel with them disabled
 * answers, and a few it serves in part).  native.h declares the entry
 * points.
 */
#ifndef CLI_SCTPD_SCTPOPT_H
#define CLI_SCTPD_SCTPOPT_H

#include <stdbool.h>
#include <stdint.h>

#include "native.h"

/* SCTP_EXPOSE_POTENTIALLY_FAILED_STATE's values
 * (include/net/sctp/constants.h, not in the uapi header). */
enum { PF_EXPOSE_UNSET, PF_EXPOSE_DISABLE, PF_EXPOSE_ENABLE };

/* sctpopt.c */
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
/* An int option's answer v: sd_opt_put's contract (Linux: an int option
 * wants at least an int). */
int sd_opt_put_int(void *val, uint32_t *len, int v);
/* The association id that starts an option's buffer of len bytes, or 0
 * when it is shorter than an id. */
int32_t sd_opt_id(const void *val, uint32_t len);
/* The getsockopt checks most options share ("if (!asoc &&
 * params.assoc_id != SCTP_FUTURE_ASSOC && sctp_style(sk, UDP)) retval =
 * -EINVAL;"): *na the association id names, or NULL for the socket;
 * EINVAL when a one-to-many socket has none and id is not
 * SCTP_FUTURE_ASSOC. */
int sd_opt_assoc_or_future(wsock *s, int32_t id, nassoc **na);
/* A getsockopt's struct sctp_assoc_value from val (len bytes) into *av,
 * its id looked up by sd_opt_assoc_or_future(); EINVAL when len is
 * shorter or the id names nothing. */
int sd_opt_av_in(wsock *s, const void *val, uint32_t len,
		 struct sctp_assoc_value *av, nassoc **na);

/* sctpopt_addr.c */
/* w as the sockaddr_in or sockaddr_in6 an option's sockaddr_storage
 * carries (the rest zeroed); *alen its length. */
void sd_opt_sockaddr(const wsp_addr *w, struct sockaddr_storage *ss,
		     uint32_t *alen);
/* A sockaddr_in or sockaddr_in6 of len bytes (an option's
 * sockaddr_storage) as a wsp_addr; false for any other family or a
 * shorter len. */
bool sd_opt_addr_in(const void *sa, uint32_t len, wsp_addr *w);
/* The index in st->paths of the path to addr's IP (its port ignored), or
 * -1. */
int sd_opt_path(const esctp_status *st, const wsp_addr *addr);
/* Linux sctp_is_any(): whether ss is the wildcard of its family, or of
 * s's when the family is AF_UNSPEC; an unknown family is not. */
bool sd_opt_is_any(const wsock *s, const struct sockaddr_storage *ss);
/* Linux sctp_addr_id2transport(): the path to ss (its port included), in
 * the association id names when it names one; its index in *st (the
 * status of *na, the association that has it), or -1. */
int sd_opt_find_path(wsock *s, const struct sockaddr_storage *ss, int32_t id,
		     nassoc **na, esctp_status *st);
/* The check of the options that name a path by address or, with the
 * wildcard, an association by id: nopath when ss is no path,
 * sd_opt_assoc_or_future()'s EINVAL for an id that names nothing, else
 * 0. */
int sd_opt_path_or_assoc(wsock *s, const struct sockaddr_storage *ss,
			 int32_t id, int nopath);
/* Into *pi, struct sctp_paddrinfo of path i of na's status st (Linux
 * sctp_getsockopt_peer_addr_info), its address as s shows addresses. */
void sd_opt_paddrinfo(const wsock *s, const nassoc *na, const esctp_status *st,
		      int i, struct sctp_paddrinfo *pi);

/*
 * The options' handlers, one an option (or a few alike): a setter takes
 * sd_sctpopt_set's val and len, a getter sd_sctpopt_get's val and *len,
 * and each returns 0 or the errno the kernel's sctp_setsockopt_* or
 * sctp_getsockopt_* returns.  The association an option names is
 * looked up as sd_opt_assoc() does.
 */

/* sctpopt_addr.c */
/* SCTP_SOCKOPT_BINDX_ADD (add) or _REM: the packed sockaddrs in val bind
 * the socket (the first, when unbound, with uid's rights) or are added to
 * or taken from its extra addresses; ENOMEM when they are full. */
int sd_opt_bindx(wsock *s, const void *val, uint32_t len, bool add, uid_t uid);
/* SCTP_PRIMARY_ADDR: set the association's primary path, read it back. */
int sd_opt_set_primary(wsock *s, const void *val, uint32_t len);
int sd_opt_get_primary(wsock *s, void *val, uint32_t *len);
/* SCTP_PEER_ADDR_PARAMS: heartbeats (on demand, interval), the path's
 * MTU and the socket's Path.Max.Retrans. */
int sd_opt_set_paddr_params(wsock *s, const void *val, uint32_t len);
int sd_opt_get_paddr_params(wsock *s, void *val, uint32_t *len);
/* SCTP_GET_PEER_ADDR_INFO: one path's struct sctp_paddrinfo. */
int sd_opt_get_paddr_info(wsock *s, void *val, uint32_t *len);
/* SCTP_GET_PEER_ADDRS, SCTP_GET_LOCAL_ADDRS: struct sctp_getaddrs and the
 * sockaddrs after it; ENOMEM when they do not fit. */
int sd_opt_get_peer_addrs(wsock *s, void *val, uint32_t *len);
int sd_opt_get_local_addrs(wsock *s, void *val, uint32_t *len);

/* sctpopt_assoc.c */
/* SCTP_RTOINFO: the socket's RTO.Initial, RTO.Min and RTO.Max. */
int sd_opt_set_rtoinfo(wsock *s, const void *val, uint32_t len);
int sd_opt_get_rtoinfo(wsock *s, void *val, uint32_t *len);
/* SCTP_ASSOCINFO: Association.Max.Retrans and the cookie's life. */
int sd_opt_set_associnfo(wsock *s, const void *val, uint32_t len);
int sd_opt_get_associnfo(wsock *s, void *val, uint32_t *len);
/* SCTP_DELAYED_SACK: the SACK delay and frequency. */
int sd_opt_set_delayed_sack(wsock *s, const void *val, uint32_t len);
int sd_opt_get_delayed_sack(wsock *s, void *val, uint32_t *len);
/* SCTP_PR_SUPPORTED: PR-SCTP offered (the socket) or agreed (an
 * association). */
int sd_opt_set_pr_supported(wsock *s, const void *val, uint32_t len);
int sd_opt_get_pr_supported(wsock *s, void *val, uint32_t *len);
/* SCTP_STATUS: struct sctp_status of an association. */
int sd_opt_get_status(wsock *s, void *val, uint32_t *len);
/* SCTP_PR_ASSOC_STATUS: an association's abandoned messages. */
int sd_opt_get_pr_status(wsock *s, void *val, uint32_t *len);
/* SCTP_GET_ASSOC_STATS: an association's struct sctp_assoc_stats, the
 * counts the engine keeps (the others 0). */
int sd_opt_get_assoc_stats(wsock *s, void *val, uint32_t *len);
/* SCTP_GET_ASSOC_ID_LIST, SCTP_GET_ASSOC_NUMBER: the socket's
 * associations; EOPNOTSUPP on a one-to-one socket. */
int sd_opt_get_id_list(wsock *s, void *val, uint32_t *len);
int sd_opt_get_assoc_number(wsock *s, void *val, uint32_t *len);

/* sctpopt_path.c */
/* SCTP_EXPOSE_POTENTIALLY_FAILED_STATE: an association's or the
 * socket's (new associations take it). */
int sd_opt_set_pf_expose(wsock *s, const void *val, uint32_t len);
int sd_opt_get_pf_expose(wsock *s, void *val, uint32_t *len);
/* SCTP_PEER_ADDR_THLDS, or _V2 (v2): the socket's Path.Max.Retrans and
 * PF threshold, whatever path or association is named; EPERM for a
 * switchover threshold, ENOENT for an address that is no path. */
int sd_opt_set_thresholds(wsock *s, const void *val, uint32_t len, bool v2);
int sd_opt_get_thresholds(wsock *s, void *val, uint32_t *len, bool v2);
/* Path.Max.Retrans of s's associations (SCTP_PEER_ADDR_PARAMS and
 * _THLDS). */
uint16_t sd_sctpopt_pathmaxrxt(wsock *s);
/* SCTP_REMOTE_UDP_ENCAPS_PORT: the peer's UDP port of a path, of an
 * association or (the socket) of those it starts; EPERM for another port
 * of a path or an association. */
int sd_opt_set_encap_port(wsock *s, const void *val, uint32_t len);
int sd_opt_get_encap_port(wsock *s, void *val, uint32_t *len);

/* sctpopt_more.c */
/* The options sctpopt.c does not know, with sd_sctpopt_set's and
 * sd_sctpopt_get's contract: 0 or an errno, ENOPROTOOPT for an option
 * Linux does not have either. */
int sd_sctpopt_more_set(wsock *s, int name, const void *val, uint32_t len);
int sd_sctpopt_more_get(wsock *s, int name, void *val, uint32_t *len);

#endif
