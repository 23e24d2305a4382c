/* pii_stage.c — the `pii` stage (stage 6): runs the detector of pii.c over
 * every document, replaces what it finds (tag, fake, keyed hash or removal),
 * counts detections per type in the stats (pii_email, pii_phone, ...) and
 * annotates refine.pii = {type: count}. Documents with more than --max-pii
 * detections (directories, leaked dumps) are rejected as too_much_pii. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filters/pii.h"
#include "stages/stage.h"

typedef struct pii_state {
    rf_pii *det;
    rf_pii_replacer rep;
    char *tags[RF_PII_NTYPES];
    unsigned char *key;
    int64_t max_pii;
    int annotate, spans;
    char counter_names[RF_PII_NTYPES][32];
} pii_state;

static const rf_optspec pii_opts[] = {
    {"replace", 0, RF_OPT_ENUM, "tag", "POLICY",
     "tag: typed tag such as <EMAIL>; fake: dummy value of the same shape; hash: tag with a keyed "
     "HMAC-SHA256 (<EMAIL:16 hex>, needs --hash-key or --hash-key-file); remove: delete",
     "tag|fake|hash|remove"},
    {"types", 0, RF_OPT_STR, "all", "LIST",
     "comma-separated types to detect: email,phone,rrn,frn,passport,driver,brn,card,account,ip,"
     "ssn,secret (or all)", NULL},
    {"tag", 0, RF_OPT_LIST, NULL, "TYPE=TEXT",
     "replacement tag for a type, e.g. --tag email=[EMAIL] (repeatable); tags that contain "
     "special-token markup (<|, <s>, [CLS], ...) are refused", NULL},
    {"hash-key", 0, RF_OPT_STR, NULL, "KEY",
     "secret key of the keyed hash (prefer --hash-key-file: a key on the command line is visible "
     "to other users); also makes fake values consistent across documents", NULL},
    {"hash-key-file", 0, RF_OPT_STR, NULL, "FILE",
     "read the hash key from FILE (all bytes, a final newline removed)", NULL},
    {"max-pii", 0, RF_OPT_INT, "0", "N",
     "reject documents with more than N detections (reason too_much_pii); 0 = no limit", NULL},
    {"keep-private-ip", 0, RF_OPT_FLAG, "false", NULL,
     "keep private, loopback, link-local, documentation and other reserved IP addresses", NULL},
    {"annotate", 0, RF_OPT_FLAG, "true", NULL,
     "add refine.pii = {type: count} to documents with detections", NULL},
    {"spans", 0, RF_OPT_FLAG, "false", NULL,
     "add refine.pii_spans = [[type, start, end], ...] (byte offsets in the input text)", NULL},
    RF_OPTSPEC_END,
};

static void pii_release(rf_stage *st)
{
    pii_state *s = st->state;
    if (!s)
        return;
    rf_pii_free(s->det);
    for (int i = 0; i < RF_PII_NTYPES; i++)
        free(s->tags[i]);
    free(s->key);
    free(s);
    st->state = NULL;
}

static int parse_types(const char *spec, uint32_t *out, rf_err *err)
{
    if (strcmp(spec, "all") == 0) {
        *out = RF_PII_ALL_TYPES;
        return 0;
    }
    uint32_t m = 0;
    const char *p = spec;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        int t = rf_pii_type_parse(p, n);
        if (t < 0)
            return rf_errf(err, RF_EUSAGE, "--types: unknown type '%.*s'", (int)n, p);
        m |= 1u << t;
        p += n + (e ? 1 : 0);
    }
    if (!m)
        return rf_errf(err, RF_EUSAGE, "--types: no type given");
    *out = m;
    return 0;
}

static int read_key(const char *path, unsigned char **key, size_t *n, rf_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return rf_errf(err, RF_EIO, "--hash-key-file %s: cannot open", path);
    size_t cap = 256, len = 0;
    unsigned char *b = rf_xmalloc(cap);
    size_t r;
    while ((r = fread(b + len, 1, cap - len, f)) > 0) {
        len += r;
        if (len == cap)
            b = rf_xrealloc(b, cap *= 2);
    }
    fclose(f);
    while (len && (b[len - 1] == '\n' || b[len - 1] == '\r'))
        len--;
    if (!len) {
        free(b);
        return rf_errf(err, RF_EUSAGE, "--hash-key-file %s: empty key", path);
    }
    *key = b;
    *n = len;
    return 0;
}

static int init_inner(rf_stage *st, const rf_opts *o, rf_err *err)
{
    pii_state *s = rf_xcalloc(1, sizeof *s);
    st->state = s;
    rf_pii_config cfg = {0};
    int rc = parse_types(rf_opt_str(o, "types"), &cfg.types, err);
    if (rc)
        return rc;
    cfg.keep_private_ip = rf_opt_flag(o, "keep-private-ip");
    const char *pol = rf_opt_str(o, "replace");
    s->rep.policy = !strcmp(pol, "fake")     ? RF_PII_FAKE
                    : !strcmp(pol, "hash")   ? RF_PII_HASH
                    : !strcmp(pol, "remove") ? RF_PII_REMOVE
                                             : RF_PII_TAG;
    const char *const *tags;
    size_t nt = rf_opt_list(o, "tag", &tags);
    for (size_t i = 0; i < nt; i++) {
        const char *eq = strchr(tags[i], '=');
        int t = eq ? rf_pii_type_parse(tags[i], (size_t)(eq - tags[i])) : -1;
        if (t < 0)
            return rf_errf(err, RF_EUSAGE, "--tag '%s': expected TYPE=TEXT with a known type",
                           tags[i]);
        if ((rc = rf_pii_check_tag(eq + 1, err)) != 0)
            return rc;
        free(s->tags[t]);
        s->tags[t] = rf_xstrdup(eq + 1);
        s->rep.tags[t] = s->tags[t];
    }
    const char *key = rf_opt_str(o, "hash-key");
    const char *keyfile = rf_opt_str(o, "hash-key-file");
    if (key && keyfile)
        return rf_errf(err, RF_EUSAGE, "give --hash-key or --hash-key-file, not both");
    if (keyfile) {
        if ((rc = read_key(keyfile, &s->key, &s->rep.keylen, err)) != 0)
            return rc;
    } else if (key && *key) {
        s->rep.keylen = strlen(key);
        s->key = rf_xmalloc(s->rep.keylen);
        memcpy(s->key, key, s->rep.keylen);
    }
    s->rep.key = s->key;
    if (s->rep.policy == RF_PII_HASH && !s->rep.keylen)
        return rf_errf(err, RF_EUSAGE, "--replace hash needs a secret: --hash-key-file FILE or "
                                       "--hash-key KEY");
    s->max_pii = rf_opt_int(o, "max-pii");
    if (s->max_pii < 0)
        return rf_errf(err, RF_EUSAGE, "--max-pii must be >= 0");
    s->annotate = rf_opt_flag(o, "annotate");
    s->spans = rf_opt_flag(o, "spans");
    for (int i = 0; i < RF_PII_NTYPES; i++)
        snprintf(s->counter_names[i], sizeof s->counter_names[i], "pii_%s", rf_pii_type_name(i));
    return rf_pii_new(&s->det, &cfg, err);
}

/* On failure the half-built state is released here, so callers need not. */
static int pii_init(rf_stage *st, const rf_opts *o, rf_err *err)
{
    int rc = init_inner(st, o, err);
    if (rc)
        pii_release(st);
    return rc;
}

static int pii_thread_init(rf_stage *st, void **tls, rf_err *err)
{
    pii_state *s = st->state;
    *tls = rf_pii_scratch_new(s->det);
    return *tls ? 0 : rf_errf(err, RF_ENOMEM, "pii: out of memory");
}

static void pii_thread_release(rf_stage *st, void *tls)
{
    (void)st;
    rf_pii_scratch_free(tls);
}

static int pii_process(rf_stage *st, rf_work *w, rf_doc *d, rf_err *err)
{
    (void)err;
    const pii_state *s = st->state;
    size_t n;
    const char *t = rf_doc_text(d, &n);
    const rf_pii_span *sp;
    size_t ns = rf_pii_detect(s->det, w->tls, t, n, &sp);
    if (ns == 0)
        return 0;
    uint64_t per[RF_PII_NTYPES] = {0};
    for (size_t i = 0; i < ns; i++)
        per[sp[i].type]++;
    for (int i = 0; i < RF_PII_NTYPES; i++)
        if (per[i])
            rf_stats_count(w->stats, s->counter_names[i], per[i]);
    if (s->max_pii > 0 && (int64_t)ns > s->max_pii) {
        rf_doc_reject(d, "too_much_pii", "%zu detections (max %lld)", ns, (long long)s->max_pii);
        return 0;
    }
    rf_buf b = RF_BUF_INIT;
    if (s->spans) {
        rf_buf_addc(&b, '[');
        for (size_t i = 0; i < ns; i++)
            rf_buf_addf(&b, "%s[\"%s\",%u,%u]", i ? "," : "", rf_pii_type_name(sp[i].type),
                        sp[i].start, sp[i].end);
        rf_buf_addc(&b, ']');
        rf_doc_annotate_raw(d, "pii_spans", b.p, b.len);
        rf_buf_reset(&b);
    }
    if (s->annotate) {
        rf_buf_addc(&b, '{');
        int first = 1;
        for (int i = 0; i < RF_PII_NTYPES; i++)
            if (per[i]) {
                rf_buf_addf(&b, "%s\"%s\":%llu", first ? "" : ",", rf_pii_type_name(i),
                            (unsigned long long)per[i]);
                first = 0;
            }
        rf_buf_addc(&b, '}');
        rf_doc_annotate_raw(d, "pii", b.p, b.len);
        rf_buf_reset(&b);
    }
    rf_pii_replace(&s->rep, t, n, sp, ns, &b);
    char *nt = rf_arena_memdup(w->arena, b.p ? b.p : "", b.len);
    rf_doc_set_text(d, nt, b.len);
    rf_stats_count(w->stats, "pii_docs_edited", 1);
    rf_buf_release(&b);
    return 0;
}

const rf_stage_desc rf_stage_pii = {
    .name = "pii",
    .summary = "Detect and replace PII: e-mail, phones, RRN/FRN, cards, IPs, SSN, secrets, ...",
    .usage = "Korean and English: e-mail; phone numbers (Korean mobile, landline, 15xx/16xx/18xx,\n"
             "US/NANP, E.164); Korean resident and foreigner registration numbers (real dates,\n"
             "plausible S digit), passports, driver licences, business registration numbers\n"
             "(checksum); payment cards (Luhn, known IIN ranges); bank accounts after a keyword\n"
             "(계좌, 입금, account); IPv4/IPv6; US SSNs; API keys, tokens, private-key blocks,\n"
             "passwords in URLs. Dates, versions, ISBNs, order/invoice numbers and prices are\n"
             "left alone. Stats count pii_<type>; refine.pii = {type: count}.",
    .opts = pii_opts,
    .init = pii_init,
    .release = pii_release,
    .thread_init = pii_thread_init,
    .thread_release = pii_thread_release,
    .process = pii_process,
};
