/* buf.h — growable byte buffer (git's strbuf idea).
 *
 * Invariant: p is either NULL (cap == 0) or a heap block of cap bytes with
 * len < cap, and p[len] == '\0' so the contents can be printed; the contents
 * may contain NUL bytes, so always use len. */
#ifndef RF_BUF_H
#define RF_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct rf_buf {
    char *p;
    size_t len;
    size_t cap;
} rf_buf;

#define RF_BUF_INIT {NULL, 0, 0}

void rf_buf_init(rf_buf *b);
void rf_buf_release(rf_buf *b);
/* Makes room for at least extra more bytes (plus the trailing NUL). */
void rf_buf_grow(rf_buf *b, size_t extra);
void rf_buf_add(rf_buf *b, const void *p, size_t n);
void rf_buf_adds(rf_buf *b, const char *s);
void rf_buf_addf(rf_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void rf_buf_addc(rf_buf *b, char c)
{
    if (b->len + 2 > b->cap)
        rf_buf_grow(b, 1);
    b->p[b->len++] = c;
    b->p[b->len] = '\0';
}
static inline void rf_buf_reset(rf_buf *b)
{
    b->len = 0;
    if (b->p)
        b->p[0] = '\0';
}
/* Sets len after writing directly into p[len..cap-1]. */
static inline void rf_buf_setlen(rf_buf *b, size_t len)
{
    b->len = len;
    b->p[len] = '\0';
}
/* Takes ownership of the buffer's memory; b is left empty. */
char *rf_buf_detach(rf_buf *b, size_t *len);

/* JSON writing helpers (the value encoders the document writer and stages
 * share). rf_buf_json_str escapes (p, n), which must be valid UTF-8. */
void rf_buf_json_str(rf_buf *b, const char *p, size_t n);
/* Numbers: finite doubles with up to `digits` significant digits, integers
 * exactly; NaN/Inf are written as null (not valid JSON numbers). */
void rf_buf_json_num(rf_buf *b, double v, int digits);
void rf_buf_json_int(rf_buf *b, int64_t v);
void rf_buf_json_uint(rf_buf *b, uint64_t v);

#endif
