/*
 * pkt_param.c - parameters and error causes: the TLVs of RFC 9260 §3.2.1
 * and §3.3.10, address parameters, and the INIT / INIT ACK parameter list
 * sorted out per §3.3.2 and §3.3.3, with the Adaptation Layer Indication
 * of RFC 5061.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Parameter Type / Cause Code |  Parameter / Cause Length     |
 * \            Parameter Value / Cause-Specific Information       \
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
#include "pkt.h"

void tlv_iter_init(tlv_iter *it, const uint8_t *p, size_t len)
{
	it->p = p;
	it->left = p ? len : 0;
	it->bad = false;
}

/* RFC 9260 §3.2.1: "The Parameter Length field does not include any
 * padding", and the chunk length does not include the last parameter's
 * padding, so a TLV may end the list without it. */
bool tlv_iter_next(tlv_iter *it, tlv *t)
{
	if (it->left == 0)
		return false;
	size_t len = it->left < 4 ? 0 : get16(it->p + 2);
	if (len < 4 || len > it->left) {
		it->bad = true;
		it->left = 0;
		return false;
	}
	t->type = get16(it->p);
	t->length = (uint16_t)len;
	t->raw = it->p;
	t->value = it->p + 4;
	t->value_len = len - 4;
	skip_padded(&it->p, &it->left, len);
	return true;
}

int tlv_validate(const uint8_t *p, size_t len)
{
	tlv_iter it;
	tlv t;
	tlv_iter_init(&it, p, len);
	while (tlv_iter_next(&it, &t))
		;
	return it.bad ? ESCTP_ERR_PROTO : 0;
}

/*
 * IPv4 Address (5) and IPv6 Address (6), RFC 9260 §3.3.2.1:
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        Type = 5 / 6           |      Length = 8 / 20          |
 * |                IPv4 Address / IPv6 Address                    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
int param_addr_decode(const tlv *t, esctp_addr *a)
{
	memset(a, 0, sizeof *a);
	if (t->type == PT_IPV4 && t->value_len == 4) {
		a->family = ESCTP_AF_INET;
		memcpy(a->ip, t->value, 4);
		return 0;
	}
	if (t->type == PT_IPV6 && t->value_len == 16) {
		a->family = ESCTP_AF_INET6;
		memcpy(a->ip, t->value, 16);
		return 0;
	}
	return ESCTP_ERR_PROTO;
}

void param_put_addr(wbuf *w, const esctp_addr *a)
{
	if (a->family == ESCTP_AF_INET)
		tlv_put(w, PT_IPV4, a->ip, 4);
	else if (a->family == ESCTP_AF_INET6)
		tlv_put(w, PT_IPV6, a->ip, 16);
	else if (!w->err)
		w->err = ESCTP_ERR_INVAL;
}

/* ---- INIT / INIT ACK parameters ---- */

static int add_addr(const tlv *t, init_params *ip)
{
	esctp_addr a;
	if (param_addr_decode(t, &a) < 0)
		return ESCTP_ERR_PROTO;
	if (ip->naddrs < INIT_MAX_ADDRS)
		ip->addrs[ip->naddrs++] = a;
	else
		ip->addrs_truncated = true;
	return 0;
}

/* Supported Address Types (12): "Address Type: 16 bits (unsigned integer)
 * This is filled with the type value of the corresponding address TLV". */
static int supported_types(const tlv *t, init_params *ip)
{
	if (t->value_len % 2)
		return ESCTP_ERR_PROTO;
	ip->has_supported_types = true;
	for (size_t i = 0; i < t->value_len; i += 2) {
		uint16_t type = get16(t->value + i);
		if (type == PT_IPV4)
			ip->has_ipv4_type = true;
		else if (type == PT_IPV6)
			ip->has_ipv6_type = true;
	}
	return 0;
}

/* Supported Extensions (RFC 5061 §4.2.7) lists chunk types; a peer that
 * lists FORWARD TSN receives it (RFC 3758 §3.3.1 offers the dedicated
 * parameter, and stacks send both). */
static void supported_exts(const tlv *t, init_params *ip)
{
	for (size_t i = 0; i < t->value_len; i++)
		if (t->value[i] == CT_FORWARD_TSN)
			ip->forward_tsn = true;
}

/*
 * Adaptation Layer Indication (0xC006), RFC 5061 §4.2.6:
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        Type = 0xC006          |          Length = 8           |
 * |                    Adaptation Code Point                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * RFC 5061 (paraphrased: its text was not at hand): the parameter carries
 * one 32-bit Adaptation Code Point registered with IANA, may appear in an
 * INIT or an INIT ACK, and is handed to the upper layer, which alone gives
 * it a meaning.  The length is fixed at 8: a header-only or longer one is
 * malformed, as a wrong-sized Cookie Preservative is.  The first counts.
 */
static int adaptation(const tlv *t, init_params *ip)
{
	if (t->value_len != 4)
		return ESCTP_ERR_PROTO;
	if (!ip->has_adaptation) {
		ip->has_adaptation = true;
		ip->adaptation = get32(t->value);
	}
	return 0;
}

/* RFC 9260 §3.2.1: the two high bits of an unrecognized parameter's type:
 * "00: Stop processing this parameter and do not process any further
 *  parameters within this chunk.
 *  01: Stop processing this parameter, do not process any further
 *  parameters within this chunk, and report the unrecognized parameter,
 *  as described in Section 3.2.2.
 *  10: Skip this parameter and continue processing.
 *  11: Skip this parameter and continue processing; report the
 *  unrecognized parameter, as described in Section 3.2.2." */
static void unrecognized(const tlv *t, init_params *ip)
{
	if ((t->type & PARAM_ACTION_REPORT) &&
	    ip->nunrec < ARRAY_LEN(ip->unrec))
		ip->unrec[ip->nunrec++] = t->raw;
	if (!(t->type & PARAM_ACTION_SKIP))
		ip->stop = true;
}

static int init_param(const tlv *t, init_params *ip)
{
	switch (t->type) {
	case PT_IPV4:
	case PT_IPV6:
		return add_addr(t, ip);
	case PT_STATE_COOKIE:
		if (!ip->cookie) {
			ip->cookie = t->value;
			ip->cookie_len = t->value_len;
		}
		return 0;
	case PT_COOKIE_PRESERVATIVE:
		/* "Suggested Cookie Life-Span Increment (msec.)": 32 bits. */
		if (t->value_len != 4)
			return ESCTP_ERR_PROTO;
		ip->cookie_preservative_ms = get32(t->value);
		return 0;
	case PT_HOST_NAME:
		/* §3.3.2.1: the receiver "MUST send an ABORT"; the caller
		 * decides, with the Unresolvable Address cause. */
		ip->has_host_name = true;
		return 0;
	case PT_SUPPORTED_ADDR_TYPES:
		return supported_types(t, ip);
	case PT_SUPPORTED_EXTENSIONS:
		supported_exts(t, ip);
		return 0;
	case PT_FORWARD_TSN_SUPPORTED:
		ip->forward_tsn = true;
		return 0;
	case PT_ADAPTATION_LAYER:
		return adaptation(t, ip);
	case PT_UNRECOGNIZED: /* INIT ACK: our own parameters, echoed */
	case PT_ECN_CAPABLE:  /* known; ECN is not used */
		return 0;
	default:
		unrecognized(t, ip);
		return 0;
	}
}

int init_params_decode(const uint8_t *params, size_t len, init_params *ip)
{
	memset(ip, 0, sizeof *ip);
	/* The whole list is framed correctly or the chunk is malformed, even
	 * past a parameter that stops processing. */
	if (tlv_validate(params, len) < 0)
		return ESCTP_ERR_PROTO;
	tlv_iter it;
	tlv t;
	tlv_iter_init(&it, params, len);
	while (!ip->stop && tlv_iter_next(&it, &t)) {
		int rc = init_param(&t, ip);
		if (rc < 0)
			return rc;
	}
	return 0;
}
