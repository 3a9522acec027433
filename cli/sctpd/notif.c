/*
 * notif.c - the notifications of native SCTP sockets, built in the
 * kernel's layouts (<linux/sctp.h>, RFC 6458 §6.1) and queued on the
 * association's channel (nchan.c).  Each is delivered only when the
 * socket subscribed to its type (SCTP_EVENTS, SCTP_EVENT), as in Linux
 * sctp_ulpevent_type_enabled().
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "native.h"
#include "sctpd.h"

bool sd_notif_on(const wsock *s, uint16_t type)
{
	unsigned bit = (unsigned)type - SCTP_SN_TYPE_BASE;
	return s->nat && bit < 16 && (s->nat->subscribe & (1u << bit));
}

/* ASSOC_CHANGE.  Linux sctp_ulpevent_make_assoc_change() lists no
 * features in sac_info (FreeBSD and usrsctp do, RFC 6458 §6.1.1 allows
 * it; <linux/sctp.h> has no SCTP_ASSOC_SUPPORTS_*): sac_info holds only
 * the error causes of the ABORT chunk behind a COMM_LOST (the chunk's
 * value, as sctp_cmd_assoc_failed() passes it), and sac_length counts
 * them. */
void sd_notif_assoc_change(nassoc *na, uint16_t state, uint16_t error,
			   const uint8_t *info, size_t len)
{
	if (!sd_notif_on(na->s, SCTP_ASSOC_CHANGE))
		return;
	static uint8_t b[WSP_PIECE_MAX];
	struct sctp_assoc_change m;
	if (len > sizeof(b) - sizeof(m))
		len = sizeof(b) - sizeof(m);
	memset(&m, 0, sizeof(m));
	m.sac_type = SCTP_ASSOC_CHANGE;
	m.sac_length = (uint32_t)(sizeof(m) + len);
	m.sac_state = state;
	m.sac_error = error;
	m.sac_outbound_streams = na->out_streams;
	m.sac_inbound_streams = na->in_streams;
	m.sac_assoc_id = na->id;
	memcpy(b, &m, sizeof(m));
	if (len)
		memcpy(b + sizeof(m), info, len);
	bool ending = state != SCTP_COMM_UP && state != SCTP_RESTART;
	sd_nchan_notify(na, b, m.sac_length, ending);
}

void sd_notif_paddr_change(nassoc *na, const esctp_addr *addr, int state,
			   int error)
{
	if (!sd_notif_on(na->s, SCTP_PEER_ADDR_CHANGE))
		return;
	struct sctp_paddr_change m;
	memset(&m, 0, sizeof(m));
	m.spc_type = SCTP_PEER_ADDR_CHANGE;
	m.spc_length = sizeof(m);
	wsp_addr w;
	sd_native_addr(na->s, addr, na->peer.port, &w);
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	if (w.family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_family = AF_INET;
		in->sin_port = htons(w.port);
		memcpy(&in->sin_addr, w.ip, 4);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(w.port);
		in6->sin6_scope_id = w.scope;
		memcpy(&in6->sin6_addr, w.ip, 16);
	}
	memcpy(&m.spc_aaddr, &ss, sizeof(ss));
	m.spc_state = state;
	m.spc_error = error;
	m.spc_assoc_id = na->id;
	sd_nchan_notify(na, &m, sizeof(m), false);
}

void sd_notif_remote_error(nassoc *na, uint16_t cause)
{
	if (!sd_notif_on(na->s, SCTP_REMOTE_ERROR))
		return;
	struct sctp_remote_error m;
	memset(&m, 0, sizeof(m));
	m.sre_type = SCTP_REMOTE_ERROR;
	m.sre_length = sizeof(m);
	m.sre_error = htons(cause); /* __be16, as on the wire */
	m.sre_assoc_id = na->id;
	sd_nchan_notify(na, &m, sizeof(m), false);
}

void sd_notif_shutdown(nassoc *na)
{
	if (!sd_notif_on(na->s, SCTP_SHUTDOWN_EVENT))
		return;
	struct sctp_shutdown_event m = {
	    .sse_type = SCTP_SHUTDOWN_EVENT,
	    .sse_length = sizeof(m),
	    .sse_assoc_id = na->id,
	};
	sd_nchan_notify(na, &m, sizeof(m), true);
}

void sd_notif_adaptation(nassoc *na, uint32_t ind)
{
	if (!sd_notif_on(na->s, SCTP_ADAPTATION_INDICATION))
		return;
	struct sctp_adaptation_event m = {
	    .sai_type = SCTP_ADAPTATION_INDICATION,
	    .sai_length = sizeof(m),
	    .sai_adaptation_ind = ind,
	    .sai_assoc_id = na->id,
	};
	sd_nchan_notify(na, &m, sizeof(m), false);
}

void sd_notif_sender_dry(nassoc *na)
{
	if (!sd_notif_on(na->s, SCTP_SENDER_DRY_EVENT))
		return;
	struct sctp_sender_dry_event m = {
	    .sender_dry_type = SCTP_SENDER_DRY_EVENT,
	    .sender_dry_length = sizeof(m),
	    .sender_dry_assoc_id = na->id,
	};
	sd_nchan_notify(na, &m, sizeof(m), false);
}

/* SEND_FAILED_EVENT (RFC 6458 §6.1.11), or the deprecated SEND_FAILED
 * when only that is subscribed, as Linux sctp_ulpevent_make_send_failed():
 * the struct, then the message's unsent bytes (ssf_data), as many as one
 * channel datagram holds.  Linux sends one per DATA chunk, the engine one
 * per message with what remains of it. */
/* SEND_FAILED_EVENT (RFC 6458 §6.1.11) or the older SEND_FAILED, with
 * what remains of the message in ssf_data. */
static void send_failed(nassoc *na, uint16_t stream, uint32_t ppid,
			uint32_t context, bool sent, const uint8_t *data,
			size_t dlen)
{
	bool fresh = sd_notif_on(na->s, SCTP_SEND_FAILED_EVENT);
	if (!fresh && !sd_notif_on(na->s, SCTP_SEND_FAILED))
		return;
	static uint8_t m[WSP_PIECE_MAX];
	size_t head = fresh ? sizeof(struct sctp_send_failed_event)
			    : sizeof(struct sctp_send_failed);
	if (dlen > sizeof(m) - head)
		dlen = sizeof(m) - head;
	uint16_t flags = sent ? SCTP_DATA_SENT : SCTP_DATA_UNSENT;
	memset(m, 0, head);
	if (fresh) {
		struct sctp_send_failed_event f;
		memset(&f, 0, sizeof(f));
		f.ssf_type = SCTP_SEND_FAILED_EVENT;
		f.ssf_flags = flags;
		f.ssf_length = (uint32_t)(head + dlen);
		f.ssfe_info.snd_sid = stream;
		f.ssfe_info.snd_ppid = ppid;
		f.ssfe_info.snd_context = context;
		f.ssfe_info.snd_assoc_id = na->id;
		f.ssf_assoc_id = na->id;
		memcpy(m, &f, sizeof(f));
	} else {
		struct sctp_send_failed f;
		memset(&f, 0, sizeof(f));
		f.ssf_type = SCTP_SEND_FAILED;
		f.ssf_flags = flags;
		f.ssf_length = (uint32_t)(head + dlen);
		f.ssf_info.sinfo_stream = stream;
		f.ssf_info.sinfo_ppid = ppid;
		f.ssf_info.sinfo_context = context;
		f.ssf_info.sinfo_assoc_id = na->id;
		f.ssf_assoc_id = na->id;
		memcpy(m, &f, sizeof(f));
	}
	if (dlen)
		memcpy(m + head, data, dlen);
	sd_nchan_notify(na, m, (uint32_t)(head + dlen), false);
}

void sd_notif_send_failed(nassoc *na, const esctp_event *ev, host_ep *e)
{
	const uint8_t *data = NULL;
	size_t dlen = e ? esctp_event_failed_data(host_ep_endpoint(e), ev,
						  &data)
			: 0;
	/* ESCTP_SENT: it had been given TSNs (put on the wire). */
	send_failed(na, ev->stream, ev->ppid, ev->context,
		    (ev->flags & ESCTP_SENT) != 0, data, dlen);
}

void sd_notif_unsent(nassoc *na, const esctp_sndinfo *si, const uint8_t *data,
		     size_t len)
{
	send_failed(na, si->stream, si->ppid, si->context, false, data, len);
}

void sd_notif_pdapi(nassoc *na, uint16_t stream, uint16_t ssn)
{
	if (!sd_notif_on(na->s, SCTP_PARTIAL_DELIVERY_EVENT))
		return;
	struct sctp_pdapi_event m = {
	    .pdapi_type = SCTP_PARTIAL_DELIVERY_EVENT,
	    .pdapi_length = sizeof(m),
	    .pdapi_indication = SCTP_PARTIAL_DELIVERY_ABORTED,
	    .pdapi_assoc_id = na->id,
	    .pdapi_stream = stream,
	    .pdapi_seq = ssn,
	};
	sd_nchan_notify(na, &m, sizeof(m), true);
}
