/* pii.h — Korean + English PII detection and replacement (stage 6).
 *
 * Detection is PCRE2 JIT patterns run on small candidate windows (digit
 * clusters, '@' neighbourhoods, colon runs for IPv6, secret prefixes) plus
 * validators in C (Luhn and card IIN ranges, calendar dates and the S digit
 * of resident registration numbers, the business-registration checksum, SSN
 * area/group/serial rules, IP ranges) and context guards (dates, versions,
 * ISBNs, order/invoice numbers, prices). The detector is immutable after
 * rf_pii_new and shared by all threads; each thread owns an rf_pii_scratch.
 *
 * Spans are byte offsets into the text, sorted and non-overlapping. The
 * replacement writes the text with every span replaced and every other byte
 * copied unchanged. */
#ifndef RF_PII_H
#define RF_PII_H

#include <stddef.h>
#include <stdint.h>

#include "stages/buf.h"
#include "stages/err.h"

typedef enum rf_pii_type {
    RF_PII_EMAIL = 0,
    RF_PII_PHONE,    /* Korean mobile/landline/representative, NANP, E.164 */
    RF_PII_RRN,      /* Korean resident registration number */
    RF_PII_FRN,      /* Korean foreigner registration number */
    RF_PII_PASSPORT, /* Korean passport (keyword-anchored) */
    RF_PII_DRIVER,   /* Korean driver licence */
    RF_PII_BRN,      /* Korean business registration number (checksum) */
    RF_PII_CARD,     /* payment card: Luhn + known IIN */
    RF_PII_ACCOUNT,  /* bank account (keyword-anchored) */
    RF_PII_IP,       /* IPv4 / IPv6 */
    RF_PII_SSN,      /* US social security number */
    RF_PII_SECRET,   /* API keys, tokens, private keys, URL passwords */
    RF_PII_NTYPES
} rf_pii_type;

/* "email", "phone", ... (stable: used in stats, annotations and options). */
const char *rf_pii_type_name(int type);
/* Type index for a name, or -1. */
int rf_pii_type_parse(const char *s, size_t n);
/* The default replacement tag: "<EMAIL>", "<PHONE>", ... */
const char *rf_pii_default_tag(int type);

typedef struct rf_pii_span {
    uint32_t start, end; /* byte offsets in the text */
    uint8_t type;        /* rf_pii_type */
    uint8_t kind;        /* detector-specific variant (phone: mobile, landline, ...) */
} rf_pii_span;

typedef struct rf_pii_config {
    uint32_t types;      /* bit (1 << type) enables a type */
    int keep_private_ip; /* keep private, loopback, link-local, documentation ... */
} rf_pii_config;

#define RF_PII_ALL_TYPES ((1u << RF_PII_NTYPES) - 1)

typedef struct rf_pii rf_pii;
typedef struct rf_pii_scratch rf_pii_scratch;

int rf_pii_new(rf_pii **out, const rf_pii_config *cfg, rf_err *err);
void rf_pii_free(rf_pii *p);
rf_pii_scratch *rf_pii_scratch_new(const rf_pii *p);
void rf_pii_scratch_free(rf_pii_scratch *s);

/* Finds PII in (t, n). Returns the number of spans; *spans points into the
 * scratch and stays valid until its next use. */
size_t rf_pii_detect(const rf_pii *p, rf_pii_scratch *s, const char *t, size_t n,
                     const rf_pii_span **spans);

/* Replacement. */
typedef enum rf_pii_policy {
    RF_PII_TAG = 0, /* typed tag, e.g. <EMAIL> */
    RF_PII_FAKE,    /* realistic dummy value of the same shape */
    RF_PII_HASH,    /* tag with a keyed hash: <EMAIL:0123456789abcdef> */
    RF_PII_REMOVE   /* the span is deleted */
} rf_pii_policy;

typedef struct rf_pii_replacer {
    rf_pii_policy policy;
    const char *tags[RF_PII_NTYPES]; /* NULL = default tag */
    const unsigned char *key;        /* HMAC key for hash (and fake, when set) */
    size_t keylen;
} rf_pii_replacer;

/* Appends (t, n) with spans[0..ns) replaced to out. */
void rf_pii_replace(const rf_pii_replacer *r, const char *t, size_t n, const rf_pii_span *spans,
                    size_t ns, rf_buf *out);

/* Checks a replacement tag: non-empty, printable, no control characters and
 * none of the markup that tokenizers reserve for special tokens (<|...|>,
 * <s>, </s>, [CLS], <unk>, ...). Returns 0 or RF_EUSAGE with a message. */
int rf_pii_check_tag(const char *tag, rf_err *err);

/* Validators (exposed for the unit tests). Digits are ASCII '0'..'9'. */
int rf_pii_luhn(const char *digits, size_t n);
int rf_pii_card_iin(const char *digits, size_t n);      /* known issuer range and length */
int rf_pii_rrn_valid(const char *d13, int require_checksum); /* 13 digits */
int rf_pii_rrn_checksum(const char *d13);
int rf_pii_brn_valid(const char *d10);
int rf_pii_ssn_valid(int area, int group, int serial);
int rf_pii_ipv4_special(const uint8_t a[4]);  /* private, loopback, reserved, ... */
int rf_pii_ipv6_special(const uint8_t a[16]);

/* SHA-256 and HMAC-SHA256 (RFC 6234 / RFC 2104), for the keyed hash. */
void rf_sha256(const void *p, size_t n, unsigned char out[32]);
void rf_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t n,
                    unsigned char out[32]);

#endif
