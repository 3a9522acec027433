/*
 * crc32c.h - the two implementations behind esctp_crc32c(), exposed so that
 * the unit test can check each one against the other and a reference.
 * Both take and return a CRC with the same convention as esctp_crc32c():
 * start with 0, feed the previous result to continue.
 */
#ifndef ESCTP_CRC32C_H
#define ESCTP_CRC32C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Portable slicing-by-8 over constant tables. */
uint32_t crc32c_sw(uint32_t crc, const void *data, size_t len);

/* True when this CPU runs crc32c_hw() with its hardware instructions. */
bool crc32c_hw_available(void);

/* The SSE4.2 path (three interleaved streams when PCLMULQDQ is present).
 * Falls back to crc32c_sw() when crc32c_hw_available() is false. */
uint32_t crc32c_hw(uint32_t crc, const void *data, size_t len);

#endif
