/*
 * internal.h - helpers shared by the engine's modules: byte order, serial
 * number arithmetic (RFC 1982, as RFC 9260 §1.6 asks), time and allocation.
 * Nothing here is exported from the library.
 */
#ifndef ESCTP_INTERNAL_H
#define ESCTP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "esctp.h"

/* ---- byte order: big-endian loads and stores on unaligned memory ---- */

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | p[3];
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* ---- serial number arithmetic (RFC 1982) ----
 * Never compare TSNs, SSNs or times with '<': use these. */

static inline bool tsn_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}
static inline bool tsn_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}
static inline bool tsn_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}
static inline bool tsn_ge(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}
static inline bool ssn_lt(uint16_t a, uint16_t b)
{
	return (int16_t)(uint16_t)(a - b) < 0;
}
static inline bool ssn_le(uint16_t a, uint16_t b)
{
	return (int16_t)(uint16_t)(a - b) <= 0;
}
static inline bool ssn_gt(uint16_t a, uint16_t b)
{
	return (int16_t)(uint16_t)(a - b) > 0;
}

/* ---- time ---- */

static inline esctp_tstamp ms_to_ts(uint32_t ms)
{
	return (esctp_tstamp)ms * ESCTP_MS;
}
static inline uint32_t ts_to_ms(esctp_tstamp t)
{
	return (uint32_t)(t / ESCTP_MS);
}
static inline uint32_t ts_to_us(esctp_tstamp t)
{
	esctp_tstamp us = t / 1000u;
	return us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}
static inline esctp_tstamp ts_min(esctp_tstamp a, esctp_tstamp b)
{
	return a < b ? a : b;
}
/* now + d, saturating at ESCTP_TSTAMP_NEVER. */
static inline esctp_tstamp ts_add(esctp_tstamp now, esctp_tstamp d)
{
	return now > ESCTP_TSTAMP_NEVER - d ? ESCTP_TSTAMP_NEVER : now + d;
}

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define PAD4(n) (((n) + 3u) & ~(size_t)3u)

/* Moves a read cursor past an item of len bytes and its padding to 4 bytes;
 * the padding of the last item may be missing (RFC 9260 §3.2), so the
 * cursor stops at the end. */
static inline void skip_padded(const uint8_t **p, size_t *left, size_t len)
{
	size_t step = PAD4(len);
	if (step > *left)
		step = *left;
	*p += step;
	*left -= step;
}

/* ---- allocation through the host's ops ---- */

typedef struct esctp_mem {
	void *user;
	void *(*alloc)(void *user, size_t size);
	void *(*realloc)(void *user, void *ptr, size_t size);
	void (*free)(void *user, void *ptr);
} esctp_mem;

/* Fills m from ops, with libc's allocator for the NULL members. */
void mem_init(esctp_mem *m, const esctp_ops *ops);
void *mem_alloc(const esctp_mem *m, size_t size);
void *mem_calloc(const esctp_mem *m, size_t n, size_t size); /* zeroed; NULL on overflow */
void *mem_realloc(const esctp_mem *m, void *ptr, size_t size);
void mem_free(const esctp_mem *m, void *ptr);

#endif
