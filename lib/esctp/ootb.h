/*
 * ootb.h - answers to "out of the blue" packets (RFC 9260 §8.4): packets
 * that are well formed but belong to no association.
 */
#ifndef ESCTP_OOTB_H
#define ESCTP_OOTB_H

#include "pkt.h"

/*
 * Writes the reply that RFC 9260 §8.4 calls for to the packet pkt (len
 * bytes, accepted by pkt_parse() which filled *h) into w, which must be
 * empty (the reply starts at w->p[0]): a whole packet, common header, one
 * chunk and CRC32c.  Returns true when w holds a reply to send to the
 * packet's source, false when the packet is to be silently discarded (or w
 * was too small: w->err says so).
 *
 * Replies: an INIT (verification tag 0, alone in its packet) gets an ABORT
 * carrying its Initiate Tag, T bit clear (rule 3: what a port without a
 * listener answers); a SHUTDOWN ACK gets a SHUTDOWN COMPLETE with the tag
 * reflected and the T bit set (rule 5); anything else not discarded by the
 * rules gets an ABORT with the tag reflected and the T bit set (rule 8).
 *
 * Rule 1 (non-unicast source or destination) needs the addresses: the
 * caller checks it before calling.  Rule 4 (COOKIE ECHO first) is for the
 * caller too: an endpoint that can validate the cookie processes it per
 * §5.1 instead of calling this, and must not call this for a cookie whose
 * MAC is wrong (§5.1.5 discards those); called anyway, this answers with a
 * reflected ABORT, which is what a port without an endpoint should send.
 */
bool ootb_reply(const uint8_t *pkt, size_t len, const pkt_header *h, wbuf *w);

#endif
