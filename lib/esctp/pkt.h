/*
 * pkt.h - the SCTP packet codec: common header, CRC32c, chunks, parameters
 * and error causes of RFC 9260 §3, plus FORWARD-TSN (RFC 3758 §3.2).
 *
 * Decoding never allocates: decoded structs point into the packet buffer, which
 * must outlive them.  Every decoder checks the remaining length before each
 * read and returns ESCTP_ERR_PROTO on anything malformed.
 *
 * Encoding appends to a wbuf.  A write that does not fit sets wbuf.err to
 * ESCTP_ERR_NOBUF and writes nothing more, so a sequence of puts can be
 * checked once at the end.
 */
#ifndef ESCTP_PKT_H
#define ESCTP_PKT_H

#include "internal.h"

/* ---- chunk types (RFC 9260 §3.2, RFC 3758 §3.2, RFC 4820) ---- */
enum {
	CT_DATA = 0,
	CT_INIT = 1,
	CT_INIT_ACK = 2,
	CT_SACK = 3,
	CT_HEARTBEAT = 4,
	CT_HEARTBEAT_ACK = 5,
	CT_ABORT = 6,
	CT_SHUTDOWN = 7,
	CT_SHUTDOWN_ACK = 8,
	CT_ERROR = 9,
	CT_COOKIE_ECHO = 10,
	CT_COOKIE_ACK = 11,
	CT_ECNE = 12,
	CT_CWR = 13,
	CT_SHUTDOWN_COMPLETE = 14,
	CT_PAD = 0x84,         /* RFC 4820 */
	CT_FORWARD_TSN = 0xC0, /* RFC 3758 */
};

/* Chunk flags. */
#define DATA_FLAG_E 0x01 /* ending fragment */
#define DATA_FLAG_B 0x02 /* beginning fragment */
#define DATA_FLAG_U 0x04 /* unordered */
#define DATA_FLAG_I 0x08 /* SACK immediately (RFC 7053) */
#define CHUNK_FLAG_T 0x01 /* ABORT / SHUTDOWN COMPLETE: tag reflected */

/* RFC 9260 §3.2: the two high bits of an unrecognized chunk type say what to
 * do.  00: stop processing the packet and discard it; 01: same, and report
 * "Unrecognized Chunk Type" in an ERROR chunk; 10: skip the chunk and carry
 * on; 11: skip, carry on and report. */
#define CHUNK_ACTION_SKIP 0x80
#define CHUNK_ACTION_REPORT 0x40

/* ---- parameter types (RFC 9260 §3.3.2.1, RFC 3758, 5061, 6951) ---- */
enum {
	PT_HEARTBEAT_INFO = 1,
	PT_IPV4 = 5,
	PT_IPV6 = 6,
	PT_STATE_COOKIE = 7,
	PT_UNRECOGNIZED = 8,
	PT_COOKIE_PRESERVATIVE = 9,
	PT_HOST_NAME = 11,
	PT_SUPPORTED_ADDR_TYPES = 12,
	PT_ECN_CAPABLE = 0x8000,
	PT_SUPPORTED_EXTENSIONS = 0x8008,
	PT_FORWARD_TSN_SUPPORTED = 0xC000,
	PT_ADAPTATION_LAYER = 0xC006, /* RFC 5061 */
};
/* Same scheme as for chunks, on the parameter type's two high bits. */
#define PARAM_ACTION_SKIP 0x8000
#define PARAM_ACTION_REPORT 0x4000

/* ---- error causes (RFC 9260 §3.3.10, RFC 6951 §4.3) ---- */
enum {
	CAUSE_INVALID_STREAM = 1,
	CAUSE_MISSING_PARAM = 2,
	CAUSE_STALE_COOKIE = 3,
	CAUSE_OUT_OF_RESOURCE = 4,
	CAUSE_UNRESOLVABLE_ADDR = 5,
	CAUSE_UNRECOGNIZED_CHUNK = 6,
	CAUSE_INVALID_PARAM = 7,
	CAUSE_UNRECOGNIZED_PARAMS = 8,
	CAUSE_NO_USER_DATA = 9,
	CAUSE_COOKIE_WHILE_SHUTDOWN = 10,
	CAUSE_RESTART_NEW_ADDRS = 11,
	CAUSE_USER_ABORT = 12,
	CAUSE_PROTOCOL_VIOLATION = 13,
	CAUSE_RESTART_NEW_ENCAP_PORT = 14,
};

#define PKT_HEADER_LEN 12
#define CHUNK_HEADER_LEN 4
#define DATA_HEADER_LEN 16 /* chunk header + TSN, stream, SSN, PPID */

/* ---- decoding ---- */

typedef struct pkt_header {
	uint16_t src_port;
	uint16_t dst_port;
	uint32_t vtag;
	uint32_t checksum;
} pkt_header;

typedef struct pkt_chunk {
	uint8_t type;
	uint8_t flags;
	uint16_t length;      /* the Chunk Length field (header + value, unpadded) */
	const uint8_t *value; /* after the 4-byte chunk header */
	size_t value_len;     /* length - 4 */
} pkt_chunk;

/* Validates a whole packet before any handler runs: length >= 12, CRC32c
 * (RFC 9260 §6.8, appendix B: computed with the checksum field zeroed), then
 * every chunk: length >= 4, fits in the packet, padding present except that
 * the last chunk's padding may be missing.  Fills *h.  Returns the number of
 * chunks (>= 0) or ESCTP_ERR_PROTO.  A packet with no chunk returns 0. */
int pkt_parse(const uint8_t *pkt, size_t len, pkt_header *h);

/* Same checks but the CRC is not verified (fuzzing, zero-checksum peers). */
int pkt_parse_nocrc(const uint8_t *pkt, size_t len, pkt_header *h);

/* Iterates the chunks of a packet that pkt_parse() accepted. */
typedef struct pkt_iter {
	const uint8_t *p;
	size_t left;
} pkt_iter;
void pkt_iter_init(pkt_iter *it, const uint8_t *pkt, size_t len);
/* Stores the next chunk in *c and returns true, or returns false at the end. */
bool pkt_iter_next(pkt_iter *it, pkt_chunk *c);

/*
 * DATA (type 0):
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Type = 0    |  Res  |I|U|B|E|            Length             |
 * |                              TSN                              |
 * |      Stream Identifier S      |   Stream Sequence Number n    |
 * |                  Payload Protocol Identifier                  |
 * /                 User Data (seq n of Stream S)                 /
 */
typedef struct chunk_data {
	uint8_t flags; /* DATA_FLAG_* */
	uint32_t tsn;
	uint16_t stream;
	uint16_t ssn;
	uint32_t ppid; /* network byte order, as on the wire */
	const uint8_t *payload;
	size_t len;
} chunk_data;
/* Returns 0, or ESCTP_ERR_PROTO when shorter than 16 bytes.  A zero-length
 * payload decodes (len == 0): the caller answers with "No User Data". */
int chunk_data_decode(const pkt_chunk *c, chunk_data *d);

/* INIT (1) and INIT ACK (2): fixed part, then parameters. */
typedef struct chunk_init {
	uint32_t init_tag;
	uint32_t a_rwnd;
	uint16_t os;  /* number of outbound streams */
	uint16_t mis; /* number of inbound streams */
	uint32_t initial_tsn;
	const uint8_t *params;
	size_t params_len;
} chunk_init;
/* Returns 0 or ESCTP_ERR_PROTO (short; parameter TLVs malformed). */
int chunk_init_decode(const pkt_chunk *c, chunk_init *i);

/* SACK (3).  Gap blocks and duplicate TSNs are read through the accessors. */
typedef struct chunk_sack {
	uint32_t cum_tsn;
	uint32_t a_rwnd;
	uint16_t ngaps;
	uint16_t ndups;
	const uint8_t *gaps; /* ngaps x (start u16, end u16) offsets */
	const uint8_t *dups; /* ndups x u32 */
} chunk_sack;
/* Returns 0 or ESCTP_ERR_PROTO (length does not match the counts). */
int chunk_sack_decode(const pkt_chunk *c, chunk_sack *s);
void chunk_sack_gap(const chunk_sack *s, unsigned i, uint16_t *start, uint16_t *end);
uint32_t chunk_sack_dup(const chunk_sack *s, unsigned i);

/* FORWARD TSN (192): new cumulative TSN, then (stream, ssn) pairs. */
typedef struct chunk_fwdtsn {
	uint32_t new_cum_tsn;
	uint16_t nstreams;
	const uint8_t *streams; /* nstreams x (stream u16, ssn u16) */
} chunk_fwdtsn;
int chunk_fwdtsn_decode(const pkt_chunk *c, chunk_fwdtsn *f);
void chunk_fwdtsn_stream(const chunk_fwdtsn *f, unsigned i, uint16_t *stream, uint16_t *ssn);

/* SHUTDOWN (7): cumulative TSN ack.  ECNE (12) / CWR (13): one TSN. */
int chunk_u32_decode(const pkt_chunk *c, uint32_t *v);

/* HEARTBEAT (4) / HEARTBEAT ACK (5): one Heartbeat Info parameter; *info and
 * *len get its value (sender-specific, opaque). */
int chunk_heartbeat_decode(const pkt_chunk *c, const uint8_t **info, size_t *len);

/* COOKIE ECHO (10): the cookie is the whole value. */

/* ---- parameters and error causes: TLV iteration ----
 * Both are type(16) length(16) value, padded to 4 bytes; length counts the
 * 4-byte header and excludes padding. */
typedef struct tlv {
	uint16_t type;
	uint16_t length;      /* as on the wire */
	const uint8_t *value; /* length - 4 bytes */
	size_t value_len;
	const uint8_t *raw;   /* the TLV including its header */
} tlv;
typedef struct tlv_iter {
	const uint8_t *p;
	size_t left;
	bool bad; /* set when a malformed TLV stopped the iteration */
} tlv_iter;
void tlv_iter_init(tlv_iter *it, const uint8_t *p, size_t len);
/* Stores the next TLV; false at the end or on a malformed TLV (it->bad). */
bool tlv_iter_next(tlv_iter *it, tlv *t);
/* Checks that a whole TLV list is well formed. Returns 0 or ESCTP_ERR_PROTO. */
int tlv_validate(const uint8_t *p, size_t len);

/* An address parameter (IPv4 / IPv6) into an esctp_addr (port left 0). */
int param_addr_decode(const tlv *t, esctp_addr *a);

/* INIT / INIT ACK parameters, sorted out per RFC 9260 §3.3.2 and §3.3.3. */
#define INIT_MAX_ADDRS 16
typedef struct init_params {
	esctp_addr addrs[INIT_MAX_ADDRS];
	unsigned naddrs;                   /* IPv4/IPv6 address parameters */
	bool addrs_truncated;              /* more than INIT_MAX_ADDRS given */
	bool has_ipv4_type, has_ipv6_type; /* from Supported Address Types */
	bool has_supported_types;
	bool forward_tsn;                  /* Forward-TSN-Supported present */
	bool has_host_name;                /* Host Name Address: unresolvable */
	bool has_adaptation;               /* Adaptation Layer Indication ... */
	uint32_t adaptation;               /* ... its code point (else 0) */
	uint32_t cookie_preservative_ms;   /* 0 when absent */
	const uint8_t *cookie;             /* State Cookie (INIT ACK), or NULL */
	size_t cookie_len;
	/* Parameters to report as unrecognized (action bit 0x4000): pointers
	 * into the packet to the raw TLVs, to copy into an ERROR / INIT ACK. */
	const uint8_t *unrec[8];
	unsigned nunrec;
	bool stop;  /* an unrecognized parameter with action 00 or 01: stop
	               processing the chunk (RFC 9260 §3.2.1) */
} init_params;
/* Returns 0, or ESCTP_ERR_PROTO for malformed TLVs, address parameters of
 * the wrong length, or a Cookie Preservative or Adaptation Layer Indication
 * whose value is not 4 bytes. */
int init_params_decode(const uint8_t *params, size_t len, init_params *ip);

/* ---- encoding ---- */

typedef struct wbuf {
	uint8_t *p;
	size_t len;
	size_t cap;
	int err; /* 0 or ESCTP_ERR_NOBUF, sticky */
	size_t tlv_end; /* end of the last TLV closed, before its padding:
	                   chunk_close() leaves a final TLV's padding out of
	                   the Chunk Length (RFC 9260 §3.2) */
} wbuf;

void wbuf_init(wbuf *w, uint8_t *buf, size_t cap);
/* Room left. */
static inline size_t wbuf_room(const wbuf *w)
{
	return w->err ? 0 : w->cap - w->len;
}

/* Writes the 12-byte common header with a zero checksum. */
void pkt_put_header(wbuf *w, uint16_t src_port, uint16_t dst_port, uint32_t vtag);
/* Computes the CRC32c over w->p[0..len) and stores it in the header. */
void pkt_finish(wbuf *w);

/* Generic chunk writing: chunk_open() writes the 4-byte header and returns the
 * chunk's offset; put values with wbuf_put*(), param_put*(), cause_put*();
 * chunk_close() fills in the length and pads to 4 bytes with zeros. */
size_t chunk_open(wbuf *w, uint8_t type, uint8_t flags);
void chunk_close(wbuf *w, size_t off);
void wbuf_put(wbuf *w, const void *data, size_t len);
void wbuf_put8(wbuf *w, uint8_t v);
void wbuf_put16(wbuf *w, uint16_t v);
void wbuf_put32(wbuf *w, uint32_t v);
void wbuf_pad(wbuf *w); /* zero bytes up to a multiple of 4 */

/* A parameter or error cause: type/code, length = 4 + len, value, padding. */
void tlv_put(wbuf *w, uint16_t type, const void *value, size_t len);
/* Open-ended TLV, as chunk_open/close. */
size_t tlv_open(wbuf *w, uint16_t type);
void tlv_close(wbuf *w, size_t off);
/* IPv4 / IPv6 address parameter from an esctp_addr. */
void param_put_addr(wbuf *w, const esctp_addr *a);

/* Whole chunks.  Each returns nothing; check w->err. */
void chunk_put_data(wbuf *w, const chunk_data *d); /* copies d->payload */
void chunk_put_init_fixed(wbuf *w, const chunk_init *i); /* fixed part only, after chunk_open(CT_INIT or CT_INIT_ACK) */
void chunk_put_sack(wbuf *w, uint32_t cum_tsn, uint32_t a_rwnd,
                    const uint16_t *gaps /* pairs start,end */, unsigned ngaps,
                    const uint32_t *dups, unsigned ndups);
void chunk_put_fwdtsn(wbuf *w, uint32_t new_cum_tsn,
                      const uint16_t *streams /* pairs stream,ssn */, unsigned n);
void chunk_put_u32(wbuf *w, uint8_t type, uint8_t flags, uint32_t v); /* SHUTDOWN, ECNE, CWR */
void chunk_put_empty(wbuf *w, uint8_t type, uint8_t flags); /* COOKIE ACK, SHUTDOWN ACK/COMPLETE, ABORT without cause */
void chunk_put_heartbeat(wbuf *w, uint8_t type, const void *info, size_t len);
void chunk_put_cookie_echo(wbuf *w, const void *cookie, size_t len);

/* Bytes a DATA chunk with len payload bytes takes in a packet (padded). */
static inline size_t chunk_data_size(size_t len)
{
	return PAD4(DATA_HEADER_LEN + len);
}

/* Names for logs and tests. */
const char *chunk_type_name(uint8_t type);
const char *cause_name(uint16_t code);

#endif
