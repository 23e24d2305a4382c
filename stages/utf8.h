/* utf8.h — UTF-8 validation, decoding and repair.
 *
 * Repair replaces every maximal ill-formed subpart with U+FFFD (Unicode's
 * recommended practice, the same as Python's errors="replace" and WHATWG). */
#ifndef RF_UTF8_H
#define RF_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Length of the well-formed sequence starting at p[0] (1..4), or 0 when the
 * bytes at p do not start one; *cp receives the code point. n >= 1. */
size_t rf_utf8_decode(const unsigned char *p, size_t n, uint32_t *cp);

/* Length of the maximal ill-formed subpart at p (>= 1), for a position where
 * rf_utf8_decode returned 0. */
size_t rf_utf8_bad_len(const unsigned char *p, size_t n);

/* Encodes cp (must be a scalar value) into out; returns 1..4. */
size_t rf_utf8_encode(uint32_t cp, char out[4]);

/* Offset of the first ill-formed byte, or n when (p, n) is valid UTF-8. */
size_t rf_utf8_check(const char *p, size_t n);

/* Code points in (p, n), valid UTF-8: the bytes that are not continuation
 * bytes (Python's len() of the decoded text), counted eight at a time. */
size_t rf_utf8_count(const char *p, size_t n);

/* Writes the repaired form of (p, n) into out (capacity >= 3 * n bytes is
 * always enough); returns the output length and sets *replaced to the number
 * of U+FFFD written. */
size_t rf_utf8_repair(const char *p, size_t n, char *out, size_t *replaced);

#endif
