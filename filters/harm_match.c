/* harm_match.c — word lists compiled into one matcher (see harm_match.h).
 *
 * Aho–Corasick as a dense DFA: the bytes that occur in some entry get a
 * class each (every other byte is class 0 and leads back to the root), the
 * trie's goto function and the failure transitions are folded into one
 * table of states × classes, and each state knows the first state of its
 * output chain (its own entries, then those of its failure suffixes). A scan
 * is one table lookup per byte of the normalised text; a candidate match is
 * accepted when the characters around it satisfy the entry's boundaries.
 *
 * The PCRE2 engine compiles the same entries into one alternation per
 * hardness and boundary kind, with look-behind/look-ahead for the
 * boundaries, JIT-compiled; hard entries come first, longer before shorter,
 * so that at one position a hard entry wins, and every match is followed by
 * a search from the next character. It therefore finds a hard hit exactly
 * when the automaton does (tests/harm/fuzz_harm.c checks this) but counts
 * one soft hit per start position where the automaton counts every entry
 * that matches there. It exists to measure the two (bench/harm.sh); the
 * stage uses Aho–Corasick by default. */
#define _POSIX_C_SOURCE 200809L
#define PCRE2_CODE_UNIT_WIDTH 8
#include "filters/harm_match.h"

#include <pcre2.h>
#include <utf8proc.h>
#include <stdlib.h>
#include <string.h>

#include "filters/lines.h"
#include "stages/text.h"
#include "stages/utf8.h"

#define NONE UINT32_MAX
enum { B_START = 1, B_END = 2 };

typedef struct wl_entry {
    char *orig;
    size_t off, len; /* normalised text in pool */
    int list;
    int soft;
    unsigned bounds;
    int32_t next_same; /* next entry with the same normalised text (PCRE2 lookup) */
} wl_entry;

struct rf_wl {
    int mode, engine;
    wl_entry *e;
    size_t n, cap;
    rf_buf pool;
    char **lists;
    size_t nlists;
    /* dedup and PCRE2 lookup: normalised text -> first entry */
    uint32_t *map;
    uint32_t mapmask;
    /* Aho–Corasick */
    uint8_t cls[256];
    uint32_t nclass, nstates;
    uint32_t *delta;
    uint32_t *emit;     /* first state with output on the chain, NONE */
    uint32_t *out_link; /* next state with output along failure links */
    uint32_t *own_first, *own_n;
    int32_t *outs;
    /* PCRE2 */
    pcre2_code *re;
};

struct rf_wl_scratch {
    rf_buf norm;
    pcre2_match_data *md;
};

rf_wl *rf_wl_new(int mode)
{
    rf_wl *w = rf_xcalloc(1, sizeof *w);
    w->mode = mode;
    w->mapmask = 1023;
    w->map = rf_xcalloc((size_t)w->mapmask + 1, sizeof *w->map);
    return w;
}

void rf_wl_free(rf_wl *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n; i++)
        free(w->e[i].orig);
    free(w->e);
    rf_buf_release(&w->pool);
    for (size_t i = 0; i < w->nlists; i++)
        free(w->lists[i]);
    free(w->lists);
    free(w->map);
    free(w->delta);
    free(w->emit);
    free(w->out_link);
    free(w->own_first);
    free(w->own_n);
    free(w->outs);
    if (w->re)
        pcre2_code_free(w->re);
    free(w);
}

size_t rf_wl_size(const rf_wl *w)
{
    return w->n;
}

size_t rf_wl_states(const rf_wl *w)
{
    return w->nstates;
}

const char *rf_wl_entry(const rf_wl *w, int32_t id)
{
    return w->e[id].orig;
}

const char *rf_wl_entry_list(const rf_wl *w, int32_t id)
{
    return w->lists[w->e[id].list];
}

/* ---- normalisation and boundaries ---- */

void rf_wl_url_normalize(const char *p, size_t n, rf_buf *out)
{
    rf_buf_grow(out, n);
    char *o = out->p + out->len;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 'A' && c <= 'Z')
            o[k++] = (char)(c | 0x20);
        else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            o[k++] = (char)c;
    }
    rf_buf_setlen(out, out->len + k);
}

static void normalize(int mode, const char *p, size_t n, rf_buf *out)
{
    if (mode == RF_WL_URL)
        rf_wl_url_normalize(p, n, out);
    else
        rf_text_normalize(p, n, RF_NORM_NFKC | RF_NORM_CASEFOLD | RF_NORM_COLLAPSE_SPACE, out);
}

/* A character that continues a word: a letter, mark or number (Unicode
 * categories L*, M*, N*, as PCRE2's \p{L}\p{N}\p{M}, so that both engines
 * draw the same boundaries); spaces, punctuation, symbols, controls and
 * unassigned code points separate words. */
static int is_word_cp(uint32_t cp)
{
    if (cp < 0x80)
        return (cp | 0x20) - 'a' < 26 || cp - '0' < 10;
    if ((cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0x4E00 && cp <= 0x9FFF))
        return 1; /* Hangul syllables, CJK ideographs: the common case */
    switch (utf8proc_category((utf8proc_int32_t)cp)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME: case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
        return 1;
    default:
        return 0;
    }
}

static uint32_t cp_before(const char *p, size_t at)
{
    size_t i = at - 1;
    while (i > 0 && ((unsigned char)p[i] & 0xC0) == 0x80)
        i--;
    size_t j = i;
    return rf_next_cp(p, at, &j);
}

static int bounds_ok(const char *p, size_t n, size_t start, size_t end, unsigned b)
{
    if ((b & B_START) && start > 0 && is_word_cp(cp_before(p, start)))
        return 0;
    if ((b & B_END) && end < n) {
        size_t j = end;
        if (is_word_cp(rf_next_cp(p, n, &j)))
            return 0;
    }
    return 1;
}

/* Which sides need a boundary by default: by the script of the entry's
 * first and last characters. */
static unsigned default_bounds(const char *p, size_t n)
{
    size_t i = 0;
    uint32_t first = rf_next_cp(p, n, &i);
    uint32_t last = cp_before(p, n);
    unsigned b = 0;
    rf_script fs = rf_script_of(first), ls = rf_script_of(last);
    if (is_word_cp(first) && fs != RF_SCRIPT_HAN && fs != RF_SCRIPT_KANA)
        b |= B_START;
    if (is_word_cp(last) && ls != RF_SCRIPT_HAN && ls != RF_SCRIPT_KANA && ls != RF_SCRIPT_HANGUL)
        b |= B_END;
    return b;
}

/* ---- entries ---- */

static uint32_t text_hash(const char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 16777619u;
    return h;
}

static void map_grow(rf_wl *w)
{
    uint32_t nm = w->mapmask * 2 + 1;
    uint32_t *nt = rf_xcalloc((size_t)nm + 1, sizeof *nt);
    for (size_t i = 0; i <= w->mapmask; i++) {
        uint32_t e = w->map[i];
        if (!e)
            continue;
        const wl_entry *x = &w->e[e - 1];
        uint32_t s = text_hash(w->pool.p + x->off, x->len) & nm;
        while (nt[s])
            s = (s + 1) & nm;
        nt[s] = e;
    }
    free(w->map);
    w->map = nt;
    w->mapmask = nm;
}

/* Slot of the first entry with this normalised text (its value 0 if none). */
static uint32_t *map_slot(const rf_wl *w, const char *p, size_t n)
{
    uint32_t s = text_hash(p, n) & w->mapmask;
    while (w->map[s]) {
        const wl_entry *x = &w->e[w->map[s] - 1];
        if (x->len == n && !memcmp(w->pool.p + x->off, p, n))
            break;
        s = (s + 1) & w->mapmask;
    }
    return &w->map[s];
}

static void add_entry(rf_wl *w, const char *orig, size_t olen, const char *p, size_t n, int list,
                      int soft, unsigned bounds)
{
    uint32_t *slot = map_slot(w, p, n);
    for (uint32_t e = *slot; e; e = w->e[e - 1].next_same >= 0 ? (uint32_t)w->e[e - 1].next_same + 1 : 0) {
        wl_entry *x = &w->e[e - 1];
        if (x->bounds == bounds) {
            /* The same entry in two lists counts once; hard wins. */
            if (!soft)
                x->soft = 0;
            return;
        }
    }
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 256;
        w->e = rf_xrealloc(w->e, w->cap * sizeof *w->e);
    }
    wl_entry *x = &w->e[w->n];
    x->orig = rf_xstrndup(orig, olen);
    x->off = w->pool.len;
    x->len = n;
    x->list = list;
    x->soft = soft;
    x->bounds = bounds;
    x->next_same = -1;
    rf_buf_add(&w->pool, p, n);
    if (*slot) {
        /* Chain behind the first entry with this text. */
        wl_entry *y = &w->e[*slot - 1];
        while (y->next_same >= 0)
            y = &w->e[y->next_same];
        y->next_same = (int32_t)w->n;
        w->n++;
        return;
    }
    *slot = (uint32_t)++w->n;
    if (w->n * 2 > w->mapmask)
        map_grow(w);
}

typedef struct add_ctx {
    rf_wl *w;
    int list, soft;
    rf_buf norm;
} add_ctx;

/* One list entry: markers, normalisation, boundaries. Lines that are not
 * UTF-8 are skipped (the normaliser needs valid text). */
static void add_line(void *ctx, const char *s, size_t len)
{
    add_ctx *c = ctx;
    rf_wl *w = c->w;
    if (rf_utf8_check(s, len) != len)
        return;
    const char *core = s;
    size_t clen = len;
    int force = 0, free_start = 0, free_end = 0;
    if (w->mode == RF_WL_TEXT) {
        if (*core == '=') {
            force = 1;
            core++, clen--;
        } else {
            if (clen && *core == '*')
                free_start = 1, core++, clen--;
            if (clen && core[clen - 1] == '*')
                free_end = 1, clen--;
        }
    }
    rf_buf_reset(&c->norm);
    if (clen)
        normalize(w->mode, core, clen, &c->norm);
    if (!c->norm.len)
        return;
    unsigned b = 0;
    if (w->mode == RF_WL_TEXT) {
        b = force ? (B_START | B_END) : default_bounds(c->norm.p, c->norm.len);
        if (free_start)
            b &= ~(unsigned)B_START;
        if (free_end)
            b &= ~(unsigned)B_END;
    }
    add_entry(w, s, len, c->norm.p, c->norm.len, c->list, c->soft, b);
}

static int begin_list(rf_wl *w, const char *name, int soft, add_ctx *c)
{
    w->lists = rf_xrealloc(w->lists, (w->nlists + 1) * sizeof *w->lists);
    w->lists[w->nlists] = rf_xstrdup(name);
    c->w = w;
    c->list = (int)w->nlists++;
    c->soft = soft;
    rf_buf_init(&c->norm);
    return (int)w->n;
}

int rf_wl_add_list(rf_wl *w, const char *name, const char *text, size_t n, int soft,
                   rf_err *err)
{
    (void)err;
    add_ctx c;
    int before = begin_list(w, name, soft, &c);
    rf_each_list_entry_mem(text, n, "#", add_line, &c);
    rf_buf_release(&c.norm);
    return (int)w->n - before;
}

int rf_wl_add_file(rf_wl *w, const char *path, int soft, rf_err *err)
{
    const char *base = strrchr(path, '/');
    add_ctx c;
    int before = begin_list(w, base ? base + 1 : path, soft, &c);
    int rc = rf_each_list_entry(path, "#", add_line, &c, err);
    rf_buf_release(&c.norm);
    return rc < 0 ? rc : (int)w->n - before;
}

/* ---- Aho–Corasick ---- */

static int compile_ac(rf_wl *w)
{
    memset(w->cls, 0, sizeof w->cls);
    uint32_t nc = 1;
    size_t total = 1;
    for (size_t i = 0; i < w->n; i++) {
        const unsigned char *p = (const unsigned char *)w->pool.p + w->e[i].off;
        for (size_t k = 0; k < w->e[i].len; k++)
            if (!w->cls[p[k]])
                w->cls[p[k]] = (uint8_t)nc++;
        total += w->e[i].len;
    }
    w->nclass = nc;
    uint32_t *d = rf_xmalloc(total * nc * sizeof *d);
    for (size_t i = 0; i < total * nc; i++)
        d[i] = NONE;
    uint32_t *own_head = rf_xmalloc(total * sizeof *own_head);
    int32_t *next_out = rf_xmalloc((w->n + 1) * sizeof *next_out);
    for (size_t i = 0; i < total; i++)
        own_head[i] = NONE;
    uint32_t ns = 1;
    for (size_t i = 0; i < w->n; i++) {
        const unsigned char *p = (const unsigned char *)w->pool.p + w->e[i].off;
        uint32_t s = 0;
        for (size_t k = 0; k < w->e[i].len; k++) {
            uint32_t *t = &d[(size_t)s * nc + w->cls[p[k]]];
            if (*t == NONE)
                *t = ns++;
            s = *t;
        }
        next_out[i] = own_head[s] == NONE ? -1 : (int32_t)own_head[s];
        own_head[s] = (uint32_t)i;
    }
    uint32_t *fail = rf_xmalloc(ns * sizeof *fail);
    uint32_t *link = rf_xmalloc(ns * sizeof *link);
    uint32_t *queue = rf_xmalloc(ns * sizeof *queue);
    size_t qh = 0, qt = 0;
    fail[0] = 0;
    link[0] = NONE;
    for (uint32_t c = 0; c < nc; c++) {
        uint32_t t = d[c];
        if (t == NONE) {
            d[c] = 0;
        } else {
            fail[t] = 0;
            link[t] = NONE;
            queue[qt++] = t;
        }
    }
    while (qh < qt) {
        uint32_t s = queue[qh++];
        for (uint32_t c = 0; c < nc; c++) {
            uint32_t *t = &d[(size_t)s * nc + c];
            uint32_t f = d[(size_t)fail[s] * nc + c];
            if (*t == NONE) {
                *t = f;
            } else {
                fail[*t] = f;
                link[*t] = own_head[f] != NONE ? f : link[f];
                queue[qt++] = *t;
            }
        }
    }
    /* Flatten the own outputs. */
    w->own_first = rf_xmalloc(ns * sizeof *w->own_first);
    w->own_n = rf_xcalloc(ns, sizeof *w->own_n);
    w->outs = rf_xmalloc((w->n + 1) * sizeof *w->outs);
    w->emit = rf_xmalloc(ns * sizeof *w->emit);
    size_t k = 0;
    for (uint32_t s = 0; s < ns; s++) {
        w->own_first[s] = (uint32_t)k;
        for (int32_t e = own_head[s] == NONE ? -1 : (int32_t)own_head[s]; e >= 0; e = next_out[e])
            w->outs[k++] = e;
        w->own_n[s] = (uint32_t)k - w->own_first[s];
    }
    for (uint32_t s = 0; s < ns; s++)
        w->emit[s] = w->own_n[s] ? s : link[s];
    w->delta = rf_xrealloc(d, (size_t)ns * nc * sizeof *d);
    w->out_link = link;
    w->nstates = ns;
    free(own_head);
    free(next_out);
    free(fail);
    free(queue);
    return 0;
}

/* Records one accepted hit; returns 1 to stop. */
static int hit(const rf_wl *w, int32_t id, int stop_on_hard, rf_wl_hits *h)
{
    if (!w->e[id].soft) {
        if (h->first_hard < 0)
            h->first_hard = id;
        h->hard++;
        return stop_on_hard;
    }
    h->soft++;
    for (int i = 0; i < h->nsoft_ids; i++)
        if (h->soft_ids[i] == id)
            return 0;
    if (h->nsoft_ids < 4)
        h->soft_ids[h->nsoft_ids++] = id;
    return 0;
}

static void scan_ac(const rf_wl *w, const char *p, size_t n, int stop, rf_wl_hits *h)
{
    const unsigned char *t = (const unsigned char *)p;
    const uint32_t *d = w->delta;
    const uint8_t *cls = w->cls;
    const uint32_t nc = w->nclass;
    uint32_t s = 0;
    for (size_t i = 0; i < n; i++) {
        s = d[(size_t)s * nc + cls[t[i]]];
        for (uint32_t o = w->emit[s]; o != NONE; o = w->out_link[o]) {
            const int32_t *ids = w->outs + w->own_first[o];
            for (uint32_t k = 0; k < w->own_n[o]; k++) {
                const wl_entry *e = &w->e[ids[k]];
                size_t end = i + 1, start = end - e->len;
                if (e->bounds && !bounds_ok(p, n, start, end, e->bounds))
                    continue;
                if (hit(w, ids[k], stop, h))
                    return;
            }
        }
    }
}

/* ---- PCRE2 ---- */

static int cmp_len_desc(const void *a, const void *b, void *ctx)
{
    const rf_wl *w = ctx;
    const wl_entry *x = &w->e[*(const int32_t *)a], *y = &w->e[*(const int32_t *)b];
    if (x->len != y->len)
        return x->len > y->len ? -1 : 1;
    return *(const int32_t *)a - *(const int32_t *)b;
}

/* Insertion sort is enough for list sizes; keeps it free of qsort_r. */
static void sort_ids(const rf_wl *w, int32_t *ids, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        int32_t v = ids[i];
        size_t j = i;
        while (j > 0 && cmp_len_desc(&ids[j - 1], &v, (void *)w) > 0) {
            ids[j] = ids[j - 1];
            j--;
        }
        ids[j] = v;
    }
}

static void add_escaped(rf_buf *b, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x80 && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            rf_buf_addc(b, '\\');
        rf_buf_addc(b, (char)c);
    }
}

static int compile_pcre2(rf_wl *w, rf_err *err)
{
    static const char *const W = "[\\p{L}\\p{N}\\p{M}]";
    rf_buf pat = RF_BUF_INIT;
    int32_t *ids = rf_xmalloc((w->n + 1) * sizeof *ids);
    int groups = 0;
    for (int soft = 0; soft < 2; soft++) {
        for (unsigned b = 0; b < 4; b++) {
            size_t k = 0;
            for (size_t i = 0; i < w->n; i++)
                if (w->e[i].soft == soft && w->e[i].bounds == b)
                    ids[k++] = (int32_t)i;
            if (!k)
                continue;
            sort_ids(w, ids, k);
            if (groups++)
                rf_buf_addc(&pat, '|');
            if (b & B_START)
                rf_buf_addf(&pat, "(?<!%s)", W);
            rf_buf_adds(&pat, "(?:");
            for (size_t i = 0; i < k; i++) {
                if (i)
                    rf_buf_addc(&pat, '|');
                add_escaped(&pat, w->pool.p + w->e[ids[i]].off, w->e[ids[i]].len);
            }
            rf_buf_addc(&pat, ')');
            if (b & B_END)
                rf_buf_addf(&pat, "(?!%s)", W);
        }
    }
    free(ids);
    int ecode;
    PCRE2_SIZE eoff;
    uint32_t flags = w->mode == RF_WL_TEXT ? PCRE2_UTF | PCRE2_UCP : 0;
    w->re = pcre2_compile((PCRE2_SPTR)(pat.p ? pat.p : ""), pat.len, flags, &ecode, &eoff, NULL);
    rf_buf_release(&pat);
    if (!w->re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(ecode, msg, sizeof msg);
        return rf_errf(err, RF_EINTERNAL, "word lists: PCRE2 cannot compile them: %s", (char *)msg);
    }
    if (pcre2_jit_compile(w->re, PCRE2_JIT_COMPLETE) != 0)
        return rf_errf(err, RF_EUNSUP, "word lists: PCRE2 JIT is not available");
    return 0;
}

static void scan_pcre2(const rf_wl *w, rf_wl_scratch *s, const char *p, size_t n, int stop,
                       rf_wl_hits *h)
{
    PCRE2_SIZE off = 0;
    while (off < n) {
        int rc = pcre2_jit_match(w->re, (PCRE2_SPTR)p, n, off, 0, s->md, NULL);
        if (rc < 0)
            return;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
        size_t a = ov[0], e = ov[1];
        /* Which entry: the first with this text whose boundaries hold. */
        uint32_t first = *map_slot(w, p + a, e - a);
        for (int32_t id = first ? (int32_t)first - 1 : -1; id >= 0; id = w->e[id].next_same) {
            if (!bounds_ok(p, n, a, e, w->e[id].bounds))
                continue;
            if (hit(w, id, stop, h))
                return;
            break;
        }
        /* Go on from the next character, not from the match's end: an entry
         * overlapping this match (a hard word inside a soft phrase) must be
         * found too, as the automaton finds it. */
        off = a + 1;
        while (off < n && ((unsigned char)p[off] & 0xC0) == 0x80)
            off++;
    }
}

int rf_wl_compile(rf_wl *w, int engine, rf_err *err)
{
    w->engine = engine;
    if (engine == RF_WL_PCRE2)
        return w->n ? compile_pcre2(w, err) : 0;
    return compile_ac(w);
}

rf_wl_scratch *rf_wl_scratch_new(const rf_wl *w)
{
    rf_wl_scratch *s = rf_xcalloc(1, sizeof *s);
    if (w->re)
        s->md = pcre2_match_data_create_from_pattern(w->re, NULL);
    return s;
}

void rf_wl_scratch_free(rf_wl_scratch *s)
{
    if (!s)
        return;
    rf_buf_release(&s->norm);
    if (s->md)
        pcre2_match_data_free(s->md);
    free(s);
}

void rf_wl_scan(const rf_wl *w, rf_wl_scratch *s, const char *p, size_t n, int stop_on_hard,
                rf_wl_hits *h)
{
    memset(h, 0, sizeof *h);
    h->first_hard = -1;
    rf_buf_reset(&s->norm);
    normalize(w->mode, p, n, &s->norm);
    if (!w->n || !s->norm.len)
        return;
    if (w->engine == RF_WL_PCRE2)
        scan_pcre2(w, s, s->norm.p, s->norm.len, stop_on_hard, h);
    else
        scan_ac(w, s->norm.p, s->norm.len, stop_on_hard, h);
}

size_t rf_wl_last_words(rf_wl_scratch *s)
{
    if (!s->norm.len)
        return 0;
    size_t words = 1;
    for (size_t i = 0; i < s->norm.len; i++)
        words += s->norm.p[i] == ' ';
    return words;
}
