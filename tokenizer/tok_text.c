/* tok_text.c — the text side of HF tokenizers: Unicode predicates as Rust
 * defines them, the GPT-2 byte-to-character map, patterns (literal strings,
 * character predicates and Oniguruma regexes run with PCRE2 JIT), normalizers
 * and pre-tokenizers.
 *
 * Only token ids matter here, so a NormalizedString is just its bytes: the
 * alignment bookkeeping HF carries for offsets is dropped. The one place where
 * HF consults offsets while choosing tokens (Metaspace prepend_scheme "first"
 * asks whether a piece starts at original offset 0) is kept as a flag on each
 * piece.
 *
 * Regexes: HF compiles Split/Replace patterns with Oniguruma (Ruby syntax,
 * Unicode classes). They are translated to PCRE2 (UTF + UCP): \s and \w get
 * Oniguruma's exact Unicode sets spelled out, \h is a hex digit, \uHHHH and
 * \p{^X} are rewritten, (?m) becomes (?s); ^ and $ match at line ends as in
 * Ruby. Matches are iterated as the onig crate's find_iter does (an empty
 * match right after the previous match is skipped). */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "stages/text.h"
#include "stages/utf8.h"
#include "tokenizer/tok_internal.h"

/* ---- Unicode predicates ---- */

int tok_is_whitespace(uint32_t cp)
{
    return rf_is_space(cp);
}

int tok_is_numeric(uint32_t cp)
{
    if (cp < 0x80)
        return cp >= '0' && cp <= '9';
    utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
    return c == UTF8PROC_CATEGORY_ND || c == UTF8PROC_CATEGORY_NL || c == UTF8PROC_CATEGORY_NO;
}

/* Rust regex \w: Alphabetic, marks, decimal digits, connector punctuation,
 * Join_Control. Alphabetic is approximated by L* + Nl + the Other_Alphabetic
 * symbols (circled letters); Other_Alphabetic marks are in M* anyway. */
int tok_is_word(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') ||
               cp == '_';
    if (cp == 0x200C || cp == 0x200D || (cp >= 0x24B6 && cp <= 0x24E9))
        return 1;
    switch (utf8proc_category((utf8proc_int32_t)cp)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_PC:
        return 1;
    default:
        return 0;
    }
}

int tok_is_punct(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= 0x21 && cp <= 0x2F) || (cp >= 0x3A && cp <= 0x40) ||
               (cp >= 0x5B && cp <= 0x60) || (cp >= 0x7B && cp <= 0x7E);
    switch (utf8proc_category((utf8proc_int32_t)cp)) {
    case UTF8PROC_CATEGORY_PC: case UTF8PROC_CATEGORY_PD: case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE: case UTF8PROC_CATEGORY_PI: case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
        return 1;
    default:
        return 0;
    }
}

static int is_mark(uint32_t cp)
{
    utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
    return c == UTF8PROC_CATEGORY_MN || c == UTF8PROC_CATEGORY_MC || c == UTF8PROC_CATEGORY_ME;
}

/* ---- GPT-2 byte map ---- */

uint32_t tok_byte_char[256];
static int16_t char_byte[512];

static void bytemap_build(void)
{
    /* Printable bytes map to themselves, the others to U+0100 + k in byte
     * order. */
    uint32_t k = 0;
    for (int i = 0; i < 512; i++)
        char_byte[i] = -1;
    for (uint32_t b = 0; b < 256; b++) {
        int printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
        tok_byte_char[b] = printable ? b : 256 + k++;
        char_byte[tok_byte_char[b]] = (int16_t)b;
    }
}

static pthread_once_t bytemap_once = PTHREAD_ONCE_INIT;

void tok_bytemap_init(void)
{
    pthread_once(&bytemap_once, bytemap_build);
}

int tok_char_byte(uint32_t cp)
{
    return cp < 512 ? char_byte[cp] : -1;
}

/* ---- patterns ---- */

void tok_pattern_literal(tok_pattern *pt, const char *s, size_t n)
{
    memset(pt, 0, sizeof *pt);
    pt->kind = PAT_LITERAL;
    pt->lit = rf_xmalloc(n + 1);
    memcpy(pt->lit, s, n);
    pt->lit[n] = '\0';
    pt->litn = n;
}

void tok_pattern_release(tok_pattern *pt)
{
    if (!pt)
        return;
    free(pt->lit);
    if (pt->re)
        pcre2_code_free(pt->re);
    memset(pt, 0, sizeof *pt);
}

/* Oniguruma's Unicode \s (White_Space), as a class body. */
#define ONIG_SPACE "\\t-\\r\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}" \
                   "\\x{202F}\\x{205F}\\x{3000}"
/* Oniguruma's Unicode \w: Letter, Mark, Decimal_Number, Connector_Punctuation. */
#define ONIG_WORD "\\p{L}\\p{M}\\p{Nd}\\p{Pc}"
#define ONIG_HEX "0-9a-fA-F"

/* Rewrites an Oniguruma (Ruby syntax) pattern for PCRE2. */
static int onig_to_pcre(const char *re, size_t n, rf_buf *out, rf_err *err)
{
    int in_class = 0;
    for (size_t i = 0; i < n; i++) {
        char c = re[i];
        if (c == '\\' && i + 1 < n) {
            char x = re[i + 1];
            const char *body = NULL;
            int neg = 0;
            switch (x) {
            case 's': body = ONIG_SPACE; break;
            case 'S': body = ONIG_SPACE; neg = 1; break;
            case 'w': body = ONIG_WORD; break;
            case 'W': body = ONIG_WORD; neg = 1; break;
            case 'h': body = ONIG_HEX; break;
            case 'H': body = ONIG_HEX; neg = 1; break;
            default: break;
            }
            if (body) {
                if (in_class && neg)
                    return rf_errf(err, RF_EUNSUP,
                                   "regex: negated class escape \\%c inside [...] is not supported",
                                   x);
                if (in_class)
                    rf_buf_adds(out, body);
                else
                    rf_buf_addf(out, "[%s%s]", neg ? "^" : "", body);
                i++;
                continue;
            }
            if (x == 'u' && i + 5 < n) {
                size_t k = 0;
                while (k < 4 && re[i + 2 + k] && strchr("0123456789abcdefABCDEF", re[i + 2 + k]))
                    k++;
                if (k == 4) {
                    rf_buf_adds(out, "\\x{");
                    rf_buf_add(out, re + i + 2, 4);
                    rf_buf_addc(out, '}');
                    i += 5;
                    continue;
                }
            }
            if ((x == 'p' || x == 'P') && i + 3 < n && re[i + 2] == '{' && re[i + 3] == '^') {
                rf_buf_addc(out, '\\');
                rf_buf_addc(out, x == 'p' ? 'P' : 'p');
                rf_buf_addc(out, '{');
                i += 3;
                continue;
            }
            rf_buf_addc(out, c);
            rf_buf_addc(out, x);
            i++;
            continue;
        }
        if (in_class) {
            if (c == '[')
                return rf_errf(err, RF_EUNSUP,
                               "regex: nested character classes are not supported");
            if (c == '&' && i + 1 < n && re[i + 1] == '&')
                return rf_errf(err, RF_EUNSUP,
                               "regex: class intersection (&&) is not supported");
            if (c == ']')
                in_class = 0;
            rf_buf_addc(out, c);
            continue;
        }
        if (c == '[') {
            in_class = 1;
            rf_buf_addc(out, c);
            /* A ']' right after '[' or '[^' is a literal. */
            if (i + 1 < n && re[i + 1] == '^') {
                rf_buf_addc(out, '^');
                i++;
            }
            if (i + 1 < n && re[i + 1] == ']') {
                rf_buf_adds(out, "\\]");
                i++;
            }
            continue;
        }
        if (c == '(' && i + 2 < n && re[i + 1] == '?') {
            /* Inline options: Ruby's m is dot-all (PCRE2's s). */
            size_t j = i + 2;
            while (j < n && strchr("imx-", re[j]) && re[j])
                j++;
            if (j > i + 2 && j < n && (re[j] == ')' || re[j] == ':')) {
                rf_buf_adds(out, "(?");
                for (size_t k = i + 2; k < j; k++)
                    rf_buf_addc(out, re[k] == 'm' ? 's' : re[k]);
                i = j - 1;
                continue;
            }
        }
        rf_buf_addc(out, c);
    }
    return 0;
}

int tok_pattern_regex(tok_pattern *pt, const char *re, size_t n, rf_err *err)
{
    memset(pt, 0, sizeof *pt);
    rf_buf b = RF_BUF_INIT;
    int rc = onig_to_pcre(re, n, &b, err);
    if (rc) {
        rf_buf_release(&b);
        return rc;
    }
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)(b.p ? b.p : ""), b.len,
                                     PCRE2_UTF | PCRE2_UCP | PCRE2_MULTILINE, &ec, &eo, NULL);
    if (!code) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(ec, msg, sizeof msg);
        rc = rf_errf(err, RF_EUNSUP, "regex '%.*s': %s at offset %zu", (int)(n > 200 ? 200 : n),
                     re, (const char *)msg, (size_t)eo);
        rf_buf_release(&b);
        return rc;
    }
    rf_buf_release(&b);
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE); /* falls back to the interpreter */
    pt->kind = PAT_REGEX;
    pt->re = code;
    return 0;
}

static void span_push(rf_tok_scratch *s, size_t a, size_t b, int m)
{
    if (s->nspans == s->capspans) {
        s->capspans = s->capspans ? 2 * s->capspans : 64;
        s->spans = rf_xrealloc(s->spans, s->capspans * sizeof *s->spans);
    }
    s->spans[s->nspans].start = a;
    s->spans[s->nspans].end = b;
    s->spans[s->nspans].match = m;
    s->nspans++;
}

/* memmem is not POSIX: first byte with memchr, then compare. */
static const char *find_bytes(const char *h, size_t hn, const char *nd, size_t nn)
{
    if (nn == 0 || nn > hn)
        return nn == 0 ? h : NULL;
    const char *end = h + hn - nn + 1;
    for (const char *q = h; q < end;) {
        q = memchr(q, nd[0], (size_t)(end - q));
        if (!q)
            return NULL;
        if (memcmp(q, nd, nn) == 0)
            return q;
        q++;
    }
    return NULL;
}

static size_t char_len_at(const char *p, size_t n, size_t i)
{
    if (i >= n)
        return 1;
    unsigned char c = (unsigned char)p[i];
    size_t l = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    return i + l > n ? n - i : l;
}

int tok_find_matches(rf_tok_scratch *s, const tok_pattern *pt, const char *p, size_t n,
                     rf_err *err)
{
    s->nspans = 0;
    if (n == 0) {
        span_push(s, 0, 0, 0);
        return 0;
    }
    size_t prev = 0;
    if (pt->kind == PAT_CHARFN) {
        size_t i = 0;
        while (i < n) {
            size_t k = i;
            uint32_t cp = rf_next_cp(p, n, &k);
            if (pt->fn(cp)) {
                if (prev < i)
                    span_push(s, prev, i, 0);
                span_push(s, i, k, 1);
                prev = k;
            }
            i = k;
        }
        if (prev < n)
            span_push(s, prev, n, 0);
        return 0;
    }
    if (pt->kind == PAT_LITERAL) {
        size_t i = 0;
        while (i + pt->litn <= n) {
            const char *f = find_bytes(p + i, n - i, pt->lit, pt->litn);
            if (!f)
                break;
            size_t st = (size_t)(f - p);
            if (prev < st)
                span_push(s, prev, st, 0);
            span_push(s, st, st + pt->litn, 1);
            prev = i = st + pt->litn;
        }
        if (prev < n)
            span_push(s, prev, n, 0);
        return 0;
    }
    /* Regex, with the onig crate's find_iter rules. */
    if (!s->md) {
        s->md = pcre2_match_data_create(1, NULL);
        s->mctx = pcre2_match_context_create(NULL);
        /* Long runs (a megabyte of spaces) need more than the default
         * 32 KiB of JIT stack. */
        s->jit = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, NULL);
        if (!s->md || !s->mctx || !s->jit) {
            fprintf(stderr, "refine: out of memory\n");
            abort();
        }
        pcre2_jit_stack_assign(s->mctx, NULL, s->jit);
    }
    size_t last_end = 0;
    int have_last = 0;
    size_t last_match = 0;
    while (last_end <= n) {
        int rc = pcre2_jit_match(pt->re, (PCRE2_SPTR)p, n, last_end, 0, s->md, s->mctx);
        if (rc == PCRE2_ERROR_JIT_BADOPTION)
            rc = pcre2_match(pt->re, (PCRE2_SPTR)p, n, last_end, PCRE2_NO_UTF_CHECK, s->md,
                             s->mctx);
        if (rc == PCRE2_ERROR_NOMATCH)
            break;
        if (rc < 0) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(rc, msg, sizeof msg);
            return rf_errf(err, RF_EINTERNAL, "regex match failed: %s", (const char *)msg);
        }
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
        size_t st = ov[0], e = ov[1];
        if (st == e) {
            last_end = e + char_len_at(p, n, e);
            if (have_last && last_match == e)
                continue;
        } else {
            last_end = e;
        }
        have_last = 1;
        last_match = e;
        if (prev != st)
            span_push(s, prev, st, 0);
        span_push(s, st, e, 1);
        prev = e;
    }
    if (prev != n)
        span_push(s, prev, n, 0);
    return 0;
}

/* ---- pieces ---- */

void tok_pieces_push(tok_pieces *l, const char *p, size_t n, int64_t id, int bl, int orig0)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->v = rf_xrealloc(l->v, l->cap * sizeof *l->v);
    }
    tok_piece *pc = &l->v[l->n++];
    pc->p = p;
    pc->n = n;
    pc->id = id;
    pc->bl = (uint8_t)bl;
    pc->orig0 = (uint8_t)orig0;
}

void tok_piece_materialize(rf_tok_scratch *s, tok_piece *pc)
{
    if (!pc->bl)
        return;
    char *o = rf_arena_alloc(&s->arena, 2 * pc->n + 1);
    size_t k = 0;
    for (size_t i = 0; i < pc->n; i++)
        k += rf_utf8_encode(tok_byte_char[(unsigned char)pc->p[i]], o + k);
    pc->p = o;
    pc->n = k;
    pc->bl = 0;
}

/* ---- normalizers ---- */

void tok_norm_free(tok_norm *nm)
{
    if (!nm)
        return;
    tok_pattern_release(&nm->pat);
    free(nm->str);
    for (size_t i = 0; i < nm->nitems; i++)
        tok_norm_free(&nm->items[i]);
    free(nm->items);
    memset(nm, 0, sizeof *nm);
}

static char *arena_copy(rf_tok_scratch *s, const char *p, size_t n)
{
    return rf_arena_memdup(&s->arena, p, n ? n : 1);
}

/* NFC/NFD/NFKD through utf8proc on the whole piece; ASCII is left alone and
 * NFC also leaves text that only has characters which never take part in
 * composition (below U+0300, Hangul syllables, CJK ideographs). */
static void utf8proc_form(rf_tok_scratch *s, int kind, const char *p, size_t n, const char **out,
                          size_t *outn)
{
    int fast = 1;
    for (size_t i = 0; i < n && fast;) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        uint32_t cp = rf_next_cp(p, n, &i);
        if (kind != NORM_NFC ||
            !(cp < 0x300 || (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0x4E00 && cp <= 0x9FFF)))
            fast = 0;
    }
    if (fast) {
        *out = p;
        *outn = n;
        return;
    }
    int opt = UTF8PROC_STABLE;
    opt |= kind == NORM_NFC ? UTF8PROC_COMPOSE
                            : kind == NORM_NFD ? UTF8PROC_DECOMPOSE
                                               : (UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT);
    utf8proc_uint8_t *res = NULL;
    utf8proc_ssize_t m = utf8proc_map((const utf8proc_uint8_t *)p, (utf8proc_ssize_t)n, &res,
                                      (utf8proc_option_t)opt);
    if (m < 0) {
        *out = p;
        *outn = n;
        return;
    }
    *out = arena_copy(s, (const char *)res, (size_t)m);
    *outn = (size_t)m;
    free(res);
}

static void lowercase(rf_tok_scratch *s, const char *p, size_t n, const char **out, size_t *outn)
{
    char *o = rf_arena_alloc(&s->arena, 2 * n + 4);
    size_t k = 0, i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x80) {
            o[k++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
            i++;
            continue;
        }
        uint32_t cp = rf_next_cp(p, n, &i);
        if (cp == 0x130) { /* the one unconditional multi-character lowercase mapping */
            o[k++] = 'i';
            k += rf_utf8_encode(0x307, o + k);
            continue;
        }
        k += rf_utf8_encode((uint32_t)utf8proc_tolower((utf8proc_int32_t)cp), o + k);
    }
    *out = o;
    *outn = k;
}

static int replace(rf_tok_scratch *s, const tok_norm *nm, const char *p, size_t n,
                   const char **out, size_t *outn, rf_err *err)
{
    int rc = tok_find_matches(s, &nm->pat, p, n, err);
    if (rc)
        return rc;
    int any = 0;
    size_t total = 0;
    for (size_t i = 0; i < s->nspans; i++) {
        any |= s->spans[i].match;
        total += s->spans[i].match ? nm->strn : s->spans[i].end - s->spans[i].start;
    }
    if (!any) {
        *out = p;
        *outn = n;
        return 0;
    }
    char *o = rf_arena_alloc(&s->arena, total + 1);
    size_t k = 0;
    for (size_t i = 0; i < s->nspans; i++) {
        if (s->spans[i].match) {
            memcpy(o + k, nm->str, nm->strn);
            k += nm->strn;
        } else {
            memcpy(o + k, p + s->spans[i].start, s->spans[i].end - s->spans[i].start);
            k += s->spans[i].end - s->spans[i].start;
        }
    }
    *out = o;
    *outn = k;
    return 0;
}

/* Nmt: drop some control characters, map other spaces to ' '. */
static void nmt(rf_tok_scratch *s, const char *p, size_t n, const char **out, size_t *outn)
{
    char *o = rf_arena_alloc(&s->arena, n + 1);
    size_t k = 0, i = 0;
    while (i < n) {
        size_t st = i;
        uint32_t cp = rf_next_cp(p, n, &i);
        if ((cp >= 1 && cp <= 8) || cp == 0x0B || (cp >= 0x0E && cp <= 0x1F) || cp == 0x7F ||
            cp == 0x8F || cp == 0x9F)
            continue;
        if (cp == 0x09 || cp == 0x0A || cp == 0x0C || cp == 0x0D || cp == 0x1680 ||
            (cp >= 0x200B && cp <= 0x200F) || cp == 0x2028 || cp == 0x2029 || cp == 0x2581 ||
            cp == 0xFEFF || cp == 0xFFFD) {
            o[k++] = ' ';
            continue;
        }
        memcpy(o + k, p + st, i - st);
        k += i - st;
    }
    *out = o;
    *outn = k;
}

int tok_normalize(rf_tok_scratch *s, const tok_norm *nm, const char *p, size_t n,
                  const char **out, size_t *outn, int *lead_removed, rf_err *err)
{
    *out = p;
    *outn = n;
    switch (nm->kind) {
    case NORM_SEQ:
        for (size_t i = 0; i < nm->nitems; i++) {
            int rc = tok_normalize(s, &nm->items[i], *out, *outn, out, outn, lead_removed, err);
            if (rc)
                return rc;
        }
        return 0;
    case NORM_NFC: case NORM_NFD: case NORM_NFKD:
        utf8proc_form(s, nm->kind, p, n, out, outn);
        return 0;
    case NORM_NFKC: {
        rf_buf b = RF_BUF_INIT;
        rf_text_normalize(p, n, RF_NORM_NFKC, &b);
        *out = arena_copy(s, b.p ? b.p : "", b.len);
        *outn = b.len;
        rf_buf_release(&b);
        return 0;
    }
    case NORM_LOWER:
        lowercase(s, p, n, out, outn);
        return 0;
    case NORM_REPLACE:
        return replace(s, nm, p, n, out, outn, err);
    case NORM_PREPEND:
        if (n) {
            char *o = rf_arena_alloc(&s->arena, n + nm->strn + 1);
            memcpy(o, nm->str, nm->strn);
            memcpy(o + nm->strn, p, n);
            *out = o;
            *outn = n + nm->strn;
        }
        return 0;
    case NORM_STRIP: {
        size_t a = 0, b = n;
        if (nm->left)
            while (a < b) {
                size_t k = a;
                if (!tok_is_whitespace(rf_next_cp(p, b, &k)))
                    break;
                a = k;
            }
        if (nm->right)
            while (b > a) {
                size_t k = b - 1;
                while (k > a && ((unsigned char)p[k] & 0xC0) == 0x80)
                    k--;
                size_t j = k;
                if (!tok_is_whitespace(rf_next_cp(p, b, &j)))
                    break;
                b = k;
            }
        if (a > 0 && lead_removed)
            *lead_removed = 1;
        *out = p + a;
        *outn = b - a;
        return 0;
    }
    case NORM_STRIP_ACCENTS: {
        char *o = rf_arena_alloc(&s->arena, n + 1);
        size_t k = 0, i = 0, first = 1;
        while (i < n) {
            size_t st = i;
            uint32_t cp = rf_next_cp(p, n, &i);
            if (cp >= 0x300 && is_mark(cp)) {
                if (first && lead_removed)
                    *lead_removed = 1;
                first = 0;
                continue;
            }
            first = 0;
            memcpy(o + k, p + st, i - st);
            k += i - st;
        }
        *out = o;
        *outn = k;
        return 0;
    }
    case NORM_NMT:
        nmt(s, p, n, out, outn);
        return 0;
    case NORM_BYTELEVEL: {
        tok_piece pc = {p, n, -1, 1, 0};
        tok_piece_materialize(s, &pc);
        *out = pc.p;
        *outn = pc.n;
        return 0;
    }
    default:
        return rf_errf(err, RF_EINTERNAL, "unknown normalizer kind %d", nm->kind);
    }
}

/* ---- pre-tokenizers ---- */

void tok_pre_free(tok_pre *pt)
{
    if (!pt)
        return;
    tok_pattern_release(&pt->pat);
    for (size_t i = 0; i < pt->nitems; i++)
        tok_pre_free(&pt->items[i]);
    free(pt->items);
    memset(pt, 0, sizeof *pt);
}

/* The GPT-2 pre-tokenisation regex of the ByteLevel pre-tokenizer. */
static const char gpt2_regex[] =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
static tok_pattern gpt2_pat;
static int gpt2_rc;
static pthread_once_t gpt2_once = PTHREAD_ONCE_INIT;

static void gpt2_build(void)
{
    rf_err e;
    gpt2_rc = tok_pattern_regex(&gpt2_pat, gpt2_regex, strlen(gpt2_regex), &e);
}

const tok_pattern *tok_gpt2_pattern(void);
const tok_pattern *tok_gpt2_pattern(void)
{
    pthread_once(&gpt2_once, gpt2_build);
    return gpt2_rc ? NULL : &gpt2_pat;
}

/* HF NormalizedString::split: spans (already in s->spans) to pieces by
 * behaviour; empty pieces are dropped. */
static void split_spans(rf_tok_scratch *s, const tok_piece *pc, int behavior, int invert,
                        tok_pieces *out)
{
    tok_span *sp = s->spans;
    size_t n = s->nspans;
    if (invert)
        for (size_t i = 0; i < n; i++)
            sp[i].match = !sp[i].match;
    /* Build the list of kept [a, b) in place into a second array. */
    size_t k = 0; /* number of accumulated entries, stored in sp[0..k) (k <= i) */
    int prev_match = 0;
    switch (behavior) {
    case B_ISOLATED:
        k = n;
        break;
    case B_REMOVED:
        for (size_t i = 0; i < n; i++)
            if (!sp[i].match)
                sp[k++] = sp[i];
        break;
    case B_CONTIGUOUS:
        for (size_t i = 0; i < n; i++) {
            tok_span cur = sp[i];
            if (cur.match == prev_match && k > 0)
                sp[k - 1].end = cur.end;
            else
                sp[k++] = cur;
            prev_match = cur.match;
        }
        break;
    case B_MERGED_PREV:
        for (size_t i = 0; i < n; i++) {
            tok_span cur = sp[i];
            if (cur.match && !prev_match && k > 0)
                sp[k - 1].end = cur.end;
            else
                sp[k++] = cur;
            prev_match = cur.match;
        }
        break;
    case B_MERGED_NEXT: {
        /* Right to left, accumulating at the end of the array. */
        size_t w = n; /* entries live in sp[w..n) */
        for (size_t i = n; i-- > 0;) {
            tok_span cur = sp[i];
            if (cur.match && !prev_match && w < n)
                sp[w].start = cur.start;
            else
                sp[--w] = cur;
            prev_match = cur.match;
        }
        memmove(sp, sp + w, (n - w) * sizeof *sp);
        k = n - w;
        break;
    }
    }
    for (size_t i = 0; i < k; i++) {
        if (sp[i].end <= sp[i].start)
            continue;
        tok_pieces_push(out, pc->p + sp[i].start, sp[i].end - sp[i].start, -1, pc->bl,
                        pc->orig0 && sp[i].start == 0);
    }
}

/* Metaspace: ' ' -> replacement, prepend by scheme, split before each
 * replacement character. */
static void metaspace(rf_tok_scratch *s, const tok_pre *pt, const tok_piece *pc, tok_pieces *out)
{
    size_t spaces = 0;
    for (size_t i = 0; i < pc->n; i++)
        spaces += pc->p[i] == ' ';
    char *o = rf_arena_alloc(&s->arena, pc->n + spaces * pt->repn + pt->repn + 1);
    size_t k = 0;
    int starts = pc->n >= pt->repn && memcmp(pc->p, pt->repu, pt->repn) == 0;
    if (pc->n && pc->p[0] == ' ')
        starts = 1; /* becomes the replacement below */
    if (!starts && (pt->prepend == PREPEND_ALWAYS || (pt->prepend == PREPEND_FIRST && pc->orig0))) {
        memcpy(o, pt->repu, pt->repn);
        k = pt->repn;
    }
    for (size_t i = 0; i < pc->n; i++) {
        if (pc->p[i] == ' ') {
            memcpy(o + k, pt->repu, pt->repn);
            k += pt->repn;
        } else {
            o[k++] = pc->p[i];
        }
    }
    tok_piece np = {o, k, -1, 0, pc->orig0};
    if (!pt->split) {
        tok_pieces_push(out, o, k, -1, 0, pc->orig0);
        return;
    }
    /* Split on the replacement character, MergedWithNext. */
    s->nspans = 0;
    size_t prev = 0, i = 0;
    while (i < k) {
        size_t st = i;
        uint32_t cp = rf_next_cp(o, k, &i);
        if (cp == pt->rep) {
            if (prev < st)
                span_push(s, prev, st, 0);
            span_push(s, st, i, 1);
            prev = i;
        }
    }
    if (prev < k)
        span_push(s, prev, k, 0);
    split_spans(s, &np, B_MERGED_NEXT, 0, out);
}

/* Whitespace pre-tokenizer: keep runs of \w and runs of [^\w\s]. */
static void whitespace_pre(const tok_piece *pc, tok_pieces *out)
{
    size_t i = 0, n = pc->n;
    const char *p = pc->p;
    while (i < n) {
        size_t k = i;
        uint32_t cp = rf_next_cp(p, n, &k);
        if (tok_is_whitespace(cp) && !tok_is_word(cp)) {
            i = k;
            continue;
        }
        int word = tok_is_word(cp);
        size_t st = i;
        i = k;
        while (i < n) {
            k = i;
            cp = rf_next_cp(p, n, &k);
            int w = tok_is_word(cp);
            if (word ? !w : (w || tok_is_whitespace(cp)))
                break;
            i = k;
        }
        tok_pieces_push(out, p + st, i - st, -1, 0, pc->orig0 && st == 0);
    }
}

static tok_pattern charfn_pattern(rf_charfn fn)
{
    tok_pattern pt;
    memset(&pt, 0, sizeof pt);
    pt.kind = PAT_CHARFN;
    pt.fn = fn;
    return pt;
}

/* Applies one pre-tokenizer to every text piece of in; the result replaces
 * in. tmp is a second list used as the output. */
int tok_pretokenize(rf_tok_scratch *s, const tok_pre *pt, tok_pieces *in, tok_pieces *tmp,
                    rf_err *err)
{
    if (pt->kind == PRE_SEQ) {
        for (size_t i = 0; i < pt->nitems; i++) {
            int rc = tok_pretokenize(s, &pt->items[i], in, tmp, err);
            if (rc)
                return rc;
        }
        return 0;
    }
    tmp->n = 0;
    for (size_t i = 0; i < in->n; i++) {
        tok_piece pc = in->v[i];
        if (pc.id >= 0) {
            tok_pieces_push(tmp, pc.p, pc.n, pc.id, pc.bl, pc.orig0);
            continue;
        }
        tok_piece_materialize(s, &pc);
        int rc = 0;
        switch (pt->kind) {
        case PRE_BYTELEVEL: {
            if (pt->add_prefix_space && (pc.n == 0 || pc.p[0] != ' ')) {
                char *o = rf_arena_alloc(&s->arena, pc.n + 2);
                o[0] = ' ';
                memcpy(o + 1, pc.p, pc.n);
                pc.p = o;
                pc.n++;
            }
            size_t from = tmp->n;
            if (pt->use_regex) {
                const tok_pattern *g = tok_gpt2_pattern();
                if (!g)
                    return rf_errf(err, RF_EINTERNAL, "cannot compile the GPT-2 regex");
                if ((rc = tok_find_matches(s, g, pc.p, pc.n, err)))
                    return rc;
                split_spans(s, &pc, B_ISOLATED, 0, tmp);
            } else if (pc.n) {
                tok_pieces_push(tmp, pc.p, pc.n, -1, 0, pc.orig0);
            }
            for (size_t k = from; k < tmp->n; k++)
                tmp->v[k].bl = 1;
            break;
        }
        case PRE_SPLIT:
            if ((rc = tok_find_matches(s, &pt->pat, pc.p, pc.n, err)))
                return rc;
            split_spans(s, &pc, pt->behavior, pt->invert, tmp);
            break;
        case PRE_DIGITS: {
            tok_pattern cp = charfn_pattern(tok_is_numeric);
            tok_find_matches(s, &cp, pc.p, pc.n, err);
            split_spans(s, &pc, pt->individual ? B_ISOLATED : B_CONTIGUOUS, 0, tmp);
            break;
        }
        case PRE_PUNCT: {
            tok_pattern cp = charfn_pattern(tok_is_punct);
            tok_find_matches(s, &cp, pc.p, pc.n, err);
            split_spans(s, &pc, pt->behavior, 0, tmp);
            break;
        }
        case PRE_WHITESPACE_SPLIT: {
            tok_pattern cp = charfn_pattern(tok_is_whitespace);
            tok_find_matches(s, &cp, pc.p, pc.n, err);
            split_spans(s, &pc, B_REMOVED, 0, tmp);
            break;
        }
        case PRE_CHAR_DELIM: {
            s->nspans = 0;
            size_t prev = 0, j = 0;
            while (j < pc.n) {
                size_t st = j;
                uint32_t c = rf_next_cp(pc.p, pc.n, &j);
                if (c == pt->rep) {
                    if (prev < st)
                        span_push(s, prev, st, 0);
                    span_push(s, st, j, 1);
                    prev = j;
                }
            }
            if (prev < pc.n)
                span_push(s, prev, pc.n, 0);
            split_spans(s, &pc, B_REMOVED, 0, tmp);
            break;
        }
        case PRE_BERT: {
            tok_pieces mid = {NULL, 0, 0};
            tok_pattern ws = charfn_pattern(tok_is_whitespace);
            tok_find_matches(s, &ws, pc.p, pc.n, err);
            split_spans(s, &pc, B_REMOVED, 0, &mid);
            tok_pattern pu = charfn_pattern(tok_is_punct);
            for (size_t k = 0; k < mid.n; k++) {
                tok_find_matches(s, &pu, mid.v[k].p, mid.v[k].n, err);
                split_spans(s, &mid.v[k], B_ISOLATED, 0, tmp);
            }
            free(mid.v);
            break;
        }
        case PRE_WHITESPACE:
            whitespace_pre(&pc, tmp);
            break;
        case PRE_METASPACE:
            metaspace(s, pt, &pc, tmp);
            break;
        default:
            return rf_errf(err, RF_EINTERNAL, "unknown pre-tokenizer kind %d", pt->kind);
        }
    }
    tok_pieces t = *in;
    *in = *tmp;
    *tmp = t;
    return 0;
}
