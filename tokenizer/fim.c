/* fim.c — the FIM transform's random choices: the per-document generator,
 * the candidate split points (grapheme-cluster boundaries through utf8proc's
 * UAX #29 rules with an ASCII fast path, or line starts for code), the
 * uniform choice of two of them, and the small code detector that picks the
 * line mode for unlabelled documents. Split points are enumerated twice
 * (count, then locate) instead of stored, so a 64 MB document needs no
 * extra memory. */
#include "tokenizer/fim.h"

#include <string.h>
#include <utf8proc.h>
#include <xxhash.h>

#include "stages/rng.h"
#include "stages/text.h"

uint64_t rf_fim_doc_seed(const void *key, size_t n, uint64_t seed)
{
    return XXH3_64bits_withSeed(key, n, seed);
}

/* Calls visit(pos) for every candidate boundary in increasing order until
 * it returns non-zero; returns the number visited. */
typedef struct bound_iter {
    const char *p;
    size_t n;
    size_t i;        /* next code point to look at */
    uint32_t prev;   /* code point before i */
    utf8proc_int32_t state;
    int started, done;
} bound_iter;

/* Returns 1 and the next boundary in *pos, or 0 when there are no more. */
static int next_char_bound(bound_iter *it, size_t *pos)
{
    if (it->done)
        return 0;
    if (!it->started) {
        it->started = 1;
        *pos = 0;
        if (it->n == 0) {
            it->done = 1;
            return 1;
        }
        it->prev = rf_next_cp(it->p, it->n, &it->i);
        return 1;
    }
    while (it->i < it->n) {
        size_t at = it->i;
        uint32_t c = rf_next_cp(it->p, it->n, &it->i);
        int brk;
        if (c < 0x80 && it->prev < 0x80) {
            /* ASCII pairs always break, except CR LF (GB3). */
            brk = !(it->prev == '\r' && c == '\n');
            it->state = 0;
        } else {
            brk = utf8proc_grapheme_break_stateful((utf8proc_int32_t)it->prev,
                                                   (utf8proc_int32_t)c, &it->state);
            if (brk)
                it->state = 0;
        }
        it->prev = c;
        if (brk) {
            *pos = at;
            return 1;
        }
    }
    it->done = 1;
    *pos = it->n;
    return 1;
}

static int next_line_bound(bound_iter *it, size_t *pos)
{
    if (it->done)
        return 0;
    if (!it->started) {
        it->started = 1;
        *pos = 0;
        if (it->n == 0)
            it->done = 1;
        return 1;
    }
    if (it->i < it->n) {
        const char *nl = memchr(it->p + it->i, '\n', it->n - it->i);
        if (nl && (size_t)(nl - it->p) + 1 < it->n) {
            it->i = (size_t)(nl - it->p) + 1;
            *pos = it->i;
            return 1;
        }
    }
    it->i = it->n;
    it->done = 1;
    *pos = it->n;
    return 1;
}

static int next_bound(bound_iter *it, rf_fim_split split, size_t *pos)
{
    return split == RF_FIM_SPLIT_LINE ? next_line_bound(it, pos) : next_char_bound(it, pos);
}

size_t rf_fim_count_bounds(const char *text, size_t n, rf_fim_split split)
{
    bound_iter it = {text, n, 0, 0, 0, 0, 0};
    size_t k = 0, pos;
    while (next_bound(&it, split, &pos))
        k++;
    return k;
}

size_t rf_fim_bound_at(const char *text, size_t n, rf_fim_split split, size_t k)
{
    bound_iter it = {text, n, 0, 0, 0, 0, 0};
    size_t pos = 0, j = 0;
    while (next_bound(&it, split, &pos))
        if (j++ == k)
            return pos;
    return n;
}

static double unit(rf_rng *r)
{
    return (double)(rf_rng_next(r) >> 11) * 0x1.0p-53;
}

void rf_fim_plan_doc(uint64_t doc_seed, double fim_rate, double spm_rate, const char *text,
                     size_t n, rf_fim_split split, rf_fim_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    rf_rng r = {doc_seed};
    if (!(unit(&r) < fim_rate))
        return;
    plan->fim = 1;
    size_t count = rf_fim_count_bounds(text, n, split);
    /* Two independent uniform draws, sorted: as Megatron's permute() does
     * with np_rng.randint(0, len + 1, size=2), over our candidates. */
    size_t k0 = (size_t)(rf_rng_next(&r) % count);
    size_t k1 = (size_t)(rf_rng_next(&r) % count);
    if (k0 > k1) {
        size_t t = k0;
        k0 = k1;
        k1 = t;
    }
    /* Locate both in one pass. */
    bound_iter it = {text, n, 0, 0, 0, 0, 0};
    size_t pos = 0, j = 0;
    plan->b0 = plan->b1 = n;
    while (next_bound(&it, split, &pos)) {
        if (j == k0)
            plan->b0 = pos;
        if (j == k1) {
            plan->b1 = pos;
            break;
        }
        j++;
    }
    plan->spm = unit(&r) < spm_rate;
}

/* ---- code detector ---- */

static int starts_with(const char *p, size_t n, const char *w)
{
    size_t k = strlen(w);
    return n >= k && memcmp(p, w, k) == 0;
}

static int codeish_line(const char *p, size_t n)
{
    static const char *const heads[] = {
        "#include", "#define", "#if", "#!", "import ", "from ", "def ", "class ", "return",
        "fn ", "let ", "pub ", "use ", "impl ", "struct ", "const ", "var ", "function",
        "package ", "public ", "private ", "protected ", "static ", "if (", "for (", "while (",
        "else", "elif ", "try:", "except", "//", "/*", "*/", "} ", "@", "async ", "await ",
        "typedef ", "namespace ", "template", "switch", "case ", "println", "print(", NULL};
    int indented = n > 0 && (p[0] == '\t' || starts_with(p, n, "    "));
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
        n--;
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    if (i == n)
        return -1; /* blank */
    char last = p[n - 1];
    if (last == ';' || last == '{' || last == '}')
        return 1;
    if (last == ':' && n >= 2 && p[n - 2] == ')')
        return 1;
    for (size_t k = 0; heads[k]; k++)
        if (starts_with(p + i, n - i, heads[k]))
            return 1;
    return indented;
}

int rf_fim_looks_like_code(const char *text, size_t n)
{
    size_t lines = 0, code = 0, i = 0;
    while (i < n && lines < 400) {
        const char *nl = memchr(text + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - text) : n;
        int c = codeish_line(text + i, e - i);
        if (c >= 0) {
            lines++;
            code += (size_t)c;
        }
        i = e + 1;
    }
    return lines >= 3 && code * 10 >= lines * 4;
}
