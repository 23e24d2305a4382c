/* runner.c — the batching runner. One reader thread turns inputs into batches
 * of lines (a batch owns one contiguous buffer; lines are offsets into it),
 * N worker threads parse and run the stage chain stage-major over a batch,
 * and the calling thread writes finished batches strictly in sequence order,
 * then recycles them. A fixed pool of batches bounds memory. Lines longer
 * than max_doc_bytes are never held whole: the reader keeps a short prefix
 * for the reject record and skips the rest. */
#define _POSIX_C_SOURCE 200809L
#include "stages/runner.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "stages/json.h"

#define READ_CHUNK (256 * 1024)
#define OVERSIZE_PREFIX 1024

enum { LINE_OVERSIZED = 1 };

typedef struct line_ref {
    size_t off;
    size_t len;
    uint64_t full_len; /* bytes of the whole line (oversized lines) */
    uint64_t line_no;
    const char *input; /* stable for the whole run */
    uint32_t input_idx;
    uint32_t flags;
} line_ref;

typedef struct batch {
    uint64_t seq;
    uint64_t first_doc;
    char *buf;
    size_t len, cap;
    line_ref *lines;
    size_t nlines, caplines;
    rf_doc *docs;
    size_t capdocs;
    rf_arena arena;
    rf_buf *out; /* one per output */
    rf_buf rej;
    rf_buf warn;       /* warning lines for malformed records, in order */
    uint64_t malformed;
    int ready;
    struct batch *next;
} batch;

typedef struct worker worker;

typedef struct runner {
    const rf_run_config *cfg;
    rf_stage *stages;
    size_t nstages;
    size_t nout;
    unsigned parse_flags;     /* cfg->parse_flags plus those all stages take */

    pthread_mutex_t mu;
    pthread_cond_t cv_work;   /* work queue non-empty or done */
    pthread_cond_t cv_done;   /* a batch became ready */
    pthread_cond_t cv_free;   /* a batch was recycled */

    batch **pool;             /* all batches */
    size_t npool;
    batch *free_list;
    batch *work_head, *work_tail;
    batch **ring;             /* by seq % npool */
    uint64_t next_seq;        /* next seq the reader assigns */
    int reader_done;
    int failed;
    rf_err err;

    /* reader */
    uint64_t doc_seq;
    _Atomic uint64_t consumed; /* compressed bytes read from inputs */
    _Atomic uint64_t read_bytes;
    int64_t total_size;       /* sum of input sizes, -1 if unknown */
    char **names;             /* input member names, freed at the end */
    size_t nnames;

    worker *workers;
} runner;

struct worker {
    runner *R;
    pthread_t tid;
    void **tls;        /* per stage */
    rf_stats *stats;   /* per stage */
    rf_doc **live;
    size_t caplive;
};

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time of the calling thread: unlike wall time, it does not grow when
 * other processes take the core, so per-CPU-second throughput stays
 * comparable on a shared machine. */
static double thread_cpu_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void rf_run_config_defaults(rf_run_config *c)
{
    memset(c, 0, sizeof *c);
    c->output = "-";
    c->outopts.compress = RF_COMPRESS_AUTO;
    c->outopts.level = 3;
    c->outopts.threads = 0;
    c->threads = 1;
    c->batch_docs = 1024;
    c->batch_bytes = 1 << 20;
    c->max_doc_bytes = (uint64_t)64 << 20;
    c->max_bad = -1;
    c->fmt.text_field = "text";
    c->fmt.id_field = "id";
    c->fmt.utf8 = RF_UTF8_REPAIR;
    c->verbosity = 1;
    c->prog = "refine";
}

char *rf_output_name(const char *pattern, size_t index, size_t n)
{
    const char *br = strstr(pattern, "{}");
    if (!br)
        return rf_xstrdup(pattern);
    int width = 1;
    for (size_t m = n > 0 ? n - 1 : 0; m >= 10; m /= 10)
        width++;
    if (width < 5)
        width = 5;
    rf_buf b = RF_BUF_INIT;
    rf_buf_add(&b, pattern, (size_t)(br - pattern));
    rf_buf_addf(&b, "%0*zu", width, index);
    rf_buf_adds(&b, br + 2);
    return rf_buf_detach(&b, NULL);
}

static void fail(runner *R, const rf_err *e)
{
    pthread_mutex_lock(&R->mu);
    if (!R->failed) {
        R->failed = 1;
        R->err = *e;
    }
    pthread_cond_broadcast(&R->cv_work);
    pthread_cond_broadcast(&R->cv_done);
    pthread_cond_broadcast(&R->cv_free);
    pthread_mutex_unlock(&R->mu);
}

/* ---- batches ---- */

static batch *batch_new(size_t nout)
{
    batch *b = rf_xcalloc(1, sizeof *b);
    rf_arena_init(&b->arena, 256 * 1024);
    b->out = rf_xcalloc(nout, sizeof *b->out);
    return b;
}

static void batch_free(batch *b, size_t nout)
{
    if (!b)
        return;
    free(b->buf);
    free(b->lines);
    free(b->docs);
    rf_arena_release(&b->arena);
    for (size_t i = 0; i < nout; i++)
        rf_buf_release(&b->out[i]);
    free(b->out);
    rf_buf_release(&b->rej);
    rf_buf_release(&b->warn);
    free(b);
}

static void batch_clear(batch *b, size_t nout)
{
    b->len = 0;
    b->nlines = 0;
    b->malformed = 0;
    b->ready = 0;
    b->next = NULL;
    rf_arena_reset(&b->arena);
    for (size_t i = 0; i < nout; i++) {
        rf_buf_reset(&b->out[i]);
        /* Drop buffers that one huge document inflated. */
        if (b->out[i].cap > (64u << 20))
            rf_buf_release(&b->out[i]);
    }
    rf_buf_reset(&b->rej);
    rf_buf_reset(&b->warn);
    if (b->rej.cap > (64u << 20))
        rf_buf_release(&b->rej);
    if (b->cap > (32u << 20)) {
        free(b->buf);
        b->buf = NULL;
        b->cap = 0;
    }
}

/* Takes a free batch; blocks while all are in flight. NULL when failed. */
static batch *get_free(runner *R)
{
    pthread_mutex_lock(&R->mu);
    while (!R->free_list && !R->failed)
        pthread_cond_wait(&R->cv_free, &R->mu);
    batch *b = R->failed ? NULL : R->free_list;
    if (b)
        R->free_list = b->next;
    pthread_mutex_unlock(&R->mu);
    if (b) {
        b->next = NULL;
        b->len = 0;
        b->nlines = 0;
    }
    return b;
}

static void submit(runner *R, batch *b)
{
    pthread_mutex_lock(&R->mu);
    b->seq = R->next_seq++;
    b->first_doc = R->doc_seq;
    R->doc_seq += b->nlines;
    R->ring[b->seq % R->npool] = b;
    b->next = NULL;
    if (R->work_tail)
        R->work_tail->next = b;
    else
        R->work_head = b;
    R->work_tail = b;
    pthread_cond_signal(&R->cv_work);
    pthread_mutex_unlock(&R->mu);
}

static void ensure_cap(batch *b, size_t need)
{
    if (b->cap >= need)
        return;
    size_t cap = b->cap ? b->cap : READ_CHUNK * 2;
    while (cap < need)
        cap *= 2;
    b->buf = rf_xrealloc(b->buf, cap);
    b->cap = cap;
}

static void add_line(batch *b, size_t off, size_t len, uint64_t full_len, uint64_t line_no,
                     const char *input, uint32_t input_idx, uint32_t flags)
{
    if (b->nlines == b->caplines) {
        b->caplines = b->caplines ? b->caplines * 2 : 1024;
        b->lines = rf_xrealloc(b->lines, b->caplines * sizeof *b->lines);
    }
    line_ref *l = &b->lines[b->nlines++];
    l->off = off;
    l->len = len;
    l->full_len = full_len;
    l->line_no = line_no;
    l->input = input;
    l->input_idx = input_idx;
    l->flags = flags;
}

/* ---- reader ---- */

typedef struct cursor {
    batch *b;
    size_t ls;         /* start of the current (incomplete) line */
    size_t scan;       /* bytes before this are scanned for '\n' */
    size_t prefix_end; /* skipping an oversized line: its kept prefix ends here */
    int skipping;
    uint64_t skipped;  /* bytes of the oversized line not kept */
} cursor;

/* Closes a complete line [ls, end). */
static void close_line(runner *R, cursor *c, size_t end, uint64_t *line_no, const char *name,
                       uint32_t idx)
{
    size_t len = end - c->ls;
    (*line_no)++;
    if (len > R->cfg->max_doc_bytes)
        add_line(c->b, c->ls, len < OVERSIZE_PREFIX ? len : OVERSIZE_PREFIX, len, *line_no, name,
                 idx, LINE_OVERSIZED);
    else
        add_line(c->b, c->ls, len, len, *line_no, name, idx, 0);
}

/* Moves the incomplete tail of a full batch into a fresh one. */
static int rotate(runner *R, cursor *c)
{
    batch *nb = get_free(R);
    if (!nb)
        return -1;
    batch *b = c->b;
    size_t tail = b->len - c->ls;
    ensure_cap(nb, tail + READ_CHUNK);
    memcpy(nb->buf, b->buf + c->ls, tail);
    nb->len = tail;
    b->len = c->ls;
    size_t shift = c->ls;
    c->scan -= shift;
    if (c->skipping)
        c->prefix_end -= shift;
    c->ls = 0;
    submit(R, b);
    c->b = nb;
    return 0;
}

static int batch_full(const runner *R, const cursor *c)
{
    return c->b->nlines >= R->cfg->batch_docs || c->ls >= R->cfg->batch_bytes;
}

static int read_member(runner *R, cursor *c, rf_src *src, const char *name, uint32_t idx,
                       uint64_t consumed_before, rf_input *in)
{
    rf_err err = {0, ""};
    uint64_t line_no = 0;
    c->ls = c->scan = c->b->len;
    c->skipping = 0;
    for (;;) {
        batch *b = c->b;
        ensure_cap(b, b->len + READ_CHUNK);
        ssize_t r = rf_src_read(src, b->buf + b->len, b->cap - b->len, &err);
        if (r < 0) {
            fail(R, &err);
            return -1;
        }
        atomic_store_explicit(&R->consumed, consumed_before + rf_input_consumed(in),
                              memory_order_relaxed);
        if (r == 0)
            break;
        atomic_fetch_add_explicit(&R->read_bytes, (uint64_t)r, memory_order_relaxed);
        b->len += (size_t)r;
        if (c->skipping) {
            char *nl = memchr(b->buf + c->prefix_end, '\n', b->len - c->prefix_end);
            if (!nl) {
                c->skipped += b->len - c->prefix_end;
                b->len = c->prefix_end;
                continue;
            }
            size_t p = (size_t)(nl - b->buf);
            c->skipped += p - c->prefix_end;
            line_no++;
            add_line(b, c->ls, c->prefix_end - c->ls, (c->prefix_end - c->ls) + c->skipped,
                     line_no, name, idx, LINE_OVERSIZED);
            size_t rem = b->len - (p + 1);
            memmove(b->buf + c->prefix_end, b->buf + p + 1, rem);
            b->len = c->prefix_end + rem;
            c->ls = c->scan = c->prefix_end;
            c->skipping = 0;
        }
        while (c->scan < b->len) {
            char *nl = memchr(b->buf + c->scan, '\n', b->len - c->scan);
            if (!nl) {
                c->scan = b->len;
                break;
            }
            size_t p = (size_t)(nl - b->buf);
            close_line(R, c, p, &line_no, name, idx);
            c->ls = c->scan = p + 1;
        }
        if (b->len - c->ls > R->cfg->max_doc_bytes) {
            size_t keep = b->len - c->ls < OVERSIZE_PREFIX ? b->len - c->ls : OVERSIZE_PREFIX;
            c->prefix_end = c->ls + keep;
            c->skipped = b->len - c->prefix_end;
            b->len = c->scan = c->prefix_end;
            c->skipping = 1;
        }
        if (batch_full(R, c) && rotate(R, c))
            return -1;
    }
    batch *b = c->b;
    if (c->skipping) {
        line_no++;
        add_line(b, c->ls, c->prefix_end - c->ls, (c->prefix_end - c->ls) + c->skipped, line_no,
                 name, idx, LINE_OVERSIZED);
        b->len = c->prefix_end;
    } else if (c->ls < b->len) {
        close_line(R, c, b->len, &line_no, name, idx); /* last line without '\n' */
    }
    c->ls = c->scan = b->len;
    c->skipping = 0;
    if (batch_full(R, c) && rotate(R, c))
        return -1;
    return 0;
}

static void *reader_main(void *arg)
{
    runner *R = arg;
    const rf_run_config *cfg = R->cfg;
    cursor c = {0};
    c.b = get_free(R);
    uint64_t consumed_before = 0;
    for (size_t k = 0; c.b && k < cfg->ninputs; k++) {
        rf_err err = {0, ""};
        rf_input *in;
        if (rf_input_open(&in, cfg->inputs[k], &err)) {
            fail(R, &err);
            break;
        }
        int rc;
        rf_src *src;
        const char *name;
        while ((rc = rf_input_next(in, &src, &name, &err)) == 1) {
            /* Member names are referenced by lines until the run ends. */
            pthread_mutex_lock(&R->mu);
            R->names = rf_xrealloc(R->names, (R->nnames + 1) * sizeof *R->names);
            char *nm = rf_xstrdup(name);
            R->names[R->nnames++] = nm;
            pthread_mutex_unlock(&R->mu);
            if (read_member(R, &c, src, nm, (uint32_t)k, consumed_before, in)) {
                rc = -1;
                break;
            }
        }
        if (rc < 0 && !R->failed)
            fail(R, &err);
        consumed_before += rf_input_consumed(in);
        rf_input_close(in);
        if (rc < 0)
            break;
    }
    if (c.b) {
        if (c.b->nlines && !R->failed) {
            submit(R, c.b);
        } else {
            pthread_mutex_lock(&R->mu);
            c.b->next = R->free_list;
            R->free_list = c.b;
            pthread_mutex_unlock(&R->mu);
        }
    }
    pthread_mutex_lock(&R->mu);
    R->reader_done = 1;
    pthread_cond_broadcast(&R->cv_work);
    pthread_cond_broadcast(&R->cv_done);
    pthread_mutex_unlock(&R->mu);
    return NULL;
}

/* ---- workers ---- */

/* Counts a record that never became a document; its reject record is
 * written later, in input order with the others. */
static void count_malformed(runner *R, worker *W, batch *b, const line_ref *l, rf_doc *d,
                            const char *reason, const char *detail)
{
    rf_stats *st = &W->stats[0];
    st->docs_in++;
    st->docs_rejected++;
    st->bytes_in += l->full_len + 1;
    rf_stats_reason(st, reason, 1);
    b->malformed++;
    if (R->cfg->verbosity > 0)
        rf_buf_addf(&b->warn, "%s: warning: %s:%llu: %s: %s\n", R->cfg->prog, l->input,
                    (unsigned long long)l->line_no, reason, detail ? detail : "");
    d->line = NULL;
    d->reject_reason = reason;
    d->reject_detail = detail;
}

static int process_batch(runner *R, worker *W, batch *b)
{
    rf_err err = {0, ""};
    if (b->capdocs < b->nlines) {
        free(b->docs);
        b->capdocs = b->nlines;
        b->docs = rf_xmalloc(b->capdocs * sizeof *b->docs);
    }
    if (W->caplive < b->nlines) {
        free(W->live);
        W->caplive = b->nlines;
        W->live = rf_xmalloc(W->caplive * sizeof *W->live);
    }
    size_t nlive = 0;
    double t0 = now_sec(), c0 = thread_cpu_sec();
    for (size_t i = 0; i < b->nlines; i++) {
        const line_ref *l = &b->lines[i];
        rf_doc *d = &b->docs[i];
        d->reject_reason = NULL;
        d->line = NULL;
        if (l->flags & LINE_OVERSIZED) {
            char *det = rf_arena_printf(&b->arena,
                                        "line of %llu bytes exceeds --max-doc-bytes %llu (only "
                                        "the first %zu bytes are kept here)",
                                        (unsigned long long)l->full_len,
                                        (unsigned long long)R->cfg->max_doc_bytes, l->len);
            count_malformed(R, W, b, l, d, "oversized", det);
            continue;
        }
        rf_parse_error pe;
        if (rf_doc_parse_flags(d, b->buf + l->off, l->len, &R->cfg->fmt, R->parse_flags,
                               &b->arena, &pe)) {
            count_malformed(R, W, b, l, d, pe.reason, pe.detail);
            continue;
        }
        d->seq = b->first_doc + i;
        d->no_reject_detail = R->cfg->rejects == NULL;
        d->line_no = l->line_no;
        d->input = l->input_idx;
        if (d->utf8_repaired)
            rf_stats_count(&W->stats[0], "utf8_repaired", 1);
        W->live[nlive++] = d;
    }
    W->stats[0].seconds += now_sec() - t0;
    W->stats[0].cpu_seconds += thread_cpu_sec() - c0;

    for (size_t s = 0; s < R->nstages; s++) {
        rf_stage *st = &R->stages[s];
        rf_stats *ss = &W->stats[s];
        rf_work w = {W->tls[s], ss, &b->arena};
        t0 = now_sec();
        c0 = thread_cpu_sec();
        for (size_t k = 0; k < nlive; k++) {
            ss->docs_in++;
            ss->bytes_in += W->live[k]->line_len + 1;
        }
        int rc = 0;
        if (st->desc->process_batch) {
            rc = st->desc->process_batch(st, &w, W->live, nlive, &err);
        } else if (st->desc->process) {
            for (size_t k = 0; k < nlive && !rc; k++)
                rc = st->desc->process(st, &w, W->live[k], &err);
        }
        if (rc) {
            rf_err_prefix(&err, "%s", st->label);
            fail(R, &err);
            return -1;
        }
        size_t keep = 0;
        for (size_t k = 0; k < nlive; k++) {
            rf_doc *d = W->live[k];
            if (d->reject_reason) {
                d->reject_stage = st->label;
                ss->docs_rejected++;
                rf_stats_reason(ss, d->reject_reason, 1);
            } else {
                ss->docs_out++;
                ss->bytes_out += d->line_len + 1;
                W->live[keep++] = d;
            }
        }
        nlive = keep;
        ss->seconds += now_sec() - t0;
        ss->cpu_seconds += thread_cpu_sec() - c0;
    }

    /* Serialise in input order. */
    rf_stage *last = &R->stages[R->nstages - 1];
    for (size_t i = 0; i < b->nlines; i++) {
        rf_doc *d = &b->docs[i];
        if (!d->line) {
            const line_ref *l = &b->lines[i];
            if (R->cfg->rejects)
                rf_write_malformed(&b->rej, R->stages[0].label, d->reject_reason, d->reject_detail,
                                   l->input, l->line_no, b->buf + l->off, l->len);
            continue;
        }
        if (d->reject_reason) {
            if (R->cfg->rejects)
                rf_doc_write_reject(d, &b->rej);
            continue;
        }
        size_t oi = d->out_index < R->nout ? d->out_index : 0;
        if (last->desc->write)
            last->desc->write(last, d, &b->out[oi]);
        else
            rf_doc_write(d, &b->out[oi]);
    }
    return 0;
}

static void *worker_main(void *arg)
{
    worker *W = arg;
    runner *R = W->R;
    for (;;) {
        pthread_mutex_lock(&R->mu);
        while (!R->work_head && !R->reader_done && !R->failed)
            pthread_cond_wait(&R->cv_work, &R->mu);
        if (R->failed || !R->work_head) {
            pthread_mutex_unlock(&R->mu);
            break;
        }
        batch *b = R->work_head;
        R->work_head = b->next;
        if (!R->work_head)
            R->work_tail = NULL;
        pthread_mutex_unlock(&R->mu);

        if (process_batch(R, W, b))
            break;
        pthread_mutex_lock(&R->mu);
        b->ready = 1;
        pthread_cond_broadcast(&R->cv_done);
        pthread_mutex_unlock(&R->mu);
    }
    return NULL;
}

/* ---- writer (calling thread) ---- */

static void progress(runner *R, uint64_t docs, double t_start, int final)
{
    double el = now_sec() - t_start;
    if (el <= 0)
        el = 1e-9;
    uint64_t bytes = atomic_load_explicit(&R->read_bytes, memory_order_relaxed);
    char eta[64] = "";
    if (R->total_size > 0 && !final) {
        uint64_t cons = atomic_load_explicit(&R->consumed, memory_order_relaxed);
        if (cons > 0 && cons <= (uint64_t)R->total_size) {
            double left = el * ((double)R->total_size / (double)cons - 1.0);
            snprintf(eta, sizeof eta, ", %.0f%%, ETA %.0fs",
                     100.0 * (double)cons / (double)R->total_size, left);
        }
    }
    fprintf(stderr, "\r%s: %llu docs, %.0f docs/s, %.1f MB/s%s\033[K%s", R->cfg->prog,
            (unsigned long long)docs, (double)docs / el, (double)bytes / el / 1e6, eta,
            final ? "\n" : "");
    fflush(stderr);
}

/* At most 10 warnings unless -v; then one line saying the rest are counted. */
static void print_warnings(runner *R, const rf_buf *w, uint64_t *warned)
{
    const uint64_t limit = R->cfg->verbosity >= 2 ? UINT64_MAX : 10;
    size_t i = 0;
    while (i < w->len) {
        const char *nl = memchr(w->p + i, '\n', w->len - i);
        size_t e = nl ? (size_t)(nl - w->p) + 1 : w->len;
        if (*warned < limit) {
            if (R->cfg->progress)
                fputs("\r\033[K", stderr);
            fwrite(w->p + i, 1, e - i, stderr);
        } else if (*warned == limit) {
            fprintf(stderr, "%s: warning: further malformed records are only counted (-v shows "
                            "all)\n", R->cfg->prog);
        }
        (*warned)++;
        i = e;
    }
}

static int write_loop(runner *R, rf_out **outs, rf_out *rej, rf_run_result *res, double t_start)
{
    rf_err err = {0, ""};
    uint64_t next = 0, malformed = 0, docs = 0, warned = 0;
    double last_progress = t_start;
    for (;;) {
        pthread_mutex_lock(&R->mu);
        batch *b;
        for (;;) {
            b = R->ring[next % R->npool];
            if (R->failed)
                break;
            if (b && b->seq == next && b->ready)
                break;
            if (R->reader_done && next >= R->next_seq)
                break;
            pthread_cond_wait(&R->cv_done, &R->mu);
        }
        int failed = R->failed;
        int done = !failed && R->reader_done && next >= R->next_seq;
        pthread_mutex_unlock(&R->mu);
        if (failed)
            return -1;
        if (done)
            break;

        for (size_t i = 0; i < R->nout; i++) {
            if (b->out[i].len && rf_out_write(outs[i], b->out[i].p, b->out[i].len, &err)) {
                fail(R, &err);
                return -1;
            }
        }
        if (rej && b->rej.len && rf_out_write(rej, b->rej.p, b->rej.len, &err)) {
            fail(R, &err);
            return -1;
        }
        for (size_t s = 0; s < R->nstages; s++) {
            rf_stage *st = &R->stages[s];
            if (!st->desc->emit)
                continue;
            for (size_t i = 0; i < b->nlines; i++) {
                rf_doc *d = &b->docs[i];
                if (!d->line || d->reject_reason)
                    continue;
                if (st->desc->emit(st, d, &err)) {
                    rf_err_prefix(&err, "%s", st->label);
                    fail(R, &err);
                    return -1;
                }
            }
        }
        if (b->warn.len)
            print_warnings(R, &b->warn, &warned);
        malformed += b->malformed;
        docs += b->nlines;
        if (R->cfg->max_bad >= 0 && malformed > (uint64_t)R->cfg->max_bad) {
            rf_errf(&err, RF_EBADINPUT,
                    "%llu malformed input records, more than --max-bad %lld allows",
                    (unsigned long long)malformed, (long long)R->cfg->max_bad);
            fail(R, &err);
            return -1;
        }
        batch_clear(b, R->nout);
        pthread_mutex_lock(&R->mu);
        R->ring[next % R->npool] = NULL;
        b->next = R->free_list;
        R->free_list = b;
        pthread_cond_signal(&R->cv_free);
        pthread_mutex_unlock(&R->mu);
        next++;
        if (R->cfg->progress) {
            double t = now_sec();
            if (t - last_progress >= 0.5) {
                progress(R, docs, t_start, 0);
                last_progress = t;
            }
        }
    }
    res->malformed = malformed;
    res->input_bytes = atomic_load_explicit(&R->read_bytes, memory_order_relaxed);
    if (R->cfg->progress)
        progress(R, docs, t_start, 1);
    return 0;
}

/* ---- the run ---- */

int rf_run(rf_stage *stages, size_t nstages, const rf_run_config *cfg, rf_run_result *res,
           rf_err *err)
{
    memset(res, 0, sizeof *res);
    if (nstages == 0)
        return rf_errf(err, RF_EUSAGE, "no stages to run");
    for (size_t s = 0; s + 1 < nstages; s++)
        if (stages[s].n_outputs > 1)
            return rf_errf(err, RF_EUSAGE, "stage %s writes several outputs and must be last",
                           stages[s].label);
    double t_start = now_sec();
    runner R;
    memset(&R, 0, sizeof R);
    R.cfg = cfg;
    R.stages = stages;
    R.nstages = nstages;
    R.nout = stages[nstages - 1].n_outputs ? stages[nstages - 1].n_outputs : 1;
    unsigned every = ~0u;
    for (size_t s = 0; s < nstages; s++)
        every &= stages[s].parse_flags;
    R.parse_flags = cfg->parse_flags | every;
    pthread_mutex_init(&R.mu, NULL);
    pthread_cond_init(&R.cv_work, NULL);
    pthread_cond_init(&R.cv_done, NULL);
    pthread_cond_init(&R.cv_free, NULL);
    atomic_init(&R.consumed, 0);
    atomic_init(&R.read_bytes, 0);

    int nthreads = cfg->threads > 0 ? cfg->threads : 1;
    R.npool = (size_t)nthreads * 2 + 2;
    R.pool = rf_xcalloc(R.npool, sizeof *R.pool);
    R.ring = rf_xcalloc(R.npool, sizeof *R.ring);
    for (size_t i = 0; i < R.npool; i++) {
        R.pool[i] = batch_new(R.nout);
        R.pool[i]->next = R.free_list;
        R.free_list = R.pool[i];
    }
    R.total_size = 0;
    for (size_t k = 0; k < cfg->ninputs; k++) {
        struct stat st;
        if (strcmp(cfg->inputs[k], "-") != 0 && stat(cfg->inputs[k], &st) == 0 &&
            S_ISREG(st.st_mode))
            R.total_size += (int64_t)st.st_size;
        else
            R.total_size = -1;
        if (R.total_size < 0)
            break;
    }

    int rc = 0;
    rf_out **outs = rf_xcalloc(R.nout, sizeof *outs);
    rf_out *rej = NULL;
    size_t nthreads_started = 0;
    int reader_started = 0;
    R.workers = rf_xcalloc((size_t)nthreads, sizeof *R.workers);

    if (R.nout > 1 && !strstr(cfg->output, "{}")) {
        rc = rf_errf(err, RF_EUSAGE, "-o must contain {} (replaced by the shard number) when "
                                     "writing %zu outputs", R.nout);
        goto out;
    }
    if (R.nout > 1 && !strcmp(cfg->output, "-")) {
        rc = rf_errf(err, RF_EUSAGE, "several outputs cannot go to stdout");
        goto out;
    }
    for (size_t i = 0; i < R.nout; i++) {
        char *name = rf_output_name(cfg->output, i, R.nout);
        /* One file for an output and the rejects: both would use one
         * temporary name, and the second rename would fail. */
        if (rf_out_same_file(name, cfg->rejects))
            rc = rf_errf(err, RF_EUSAGE, "--rejects %s is also output %s", cfg->rejects, name);
        else
            rc = rf_out_open(&outs[i], name, &cfg->outopts, err);
        free(name);
        if (rc)
            goto out;
    }
    if (cfg->rejects) {
        rc = rf_out_open(&rej, cfg->rejects, &cfg->outopts, err);
        if (rc)
            goto out;
    }

    for (int t = 0; t < nthreads; t++) {
        worker *W = &R.workers[t];
        W->R = &R;
        W->tls = rf_xcalloc(nstages, sizeof *W->tls);
        W->stats = rf_xcalloc(nstages, sizeof *W->stats);
        for (size_t s = 0; s < nstages; s++) {
            rf_stats_init(&W->stats[s], stages[s].label);
            if (stages[s].desc->thread_init) {
                rc = stages[s].desc->thread_init(&stages[s], &W->tls[s], err);
                if (rc)
                    goto out;
            }
        }
    }
    if (pthread_create(&R.workers[0].tid, NULL, worker_main, &R.workers[0]) != 0) {
        rc = rf_errf(err, RF_EINTERNAL, "cannot start threads");
        goto out;
    }
    nthreads_started = 1;
    for (int t = 1; t < nthreads; t++) {
        if (pthread_create(&R.workers[t].tid, NULL, worker_main, &R.workers[t]) != 0)
            break;
        nthreads_started++;
    }
    pthread_t rtid;
    if (pthread_create(&rtid, NULL, reader_main, &R) != 0) {
        rf_err e;
        rf_errf(&e, RF_EINTERNAL, "cannot start the reader thread");
        fail(&R, &e);
    } else {
        reader_started = 1;
    }

    if (reader_started)
        write_loop(&R, outs, rej, res, t_start);
    if (reader_started)
        pthread_join(rtid, NULL);
    pthread_mutex_lock(&R.mu);
    R.reader_done = 1;
    pthread_cond_broadcast(&R.cv_work);
    pthread_mutex_unlock(&R.mu);
    for (size_t t = 0; t < nthreads_started; t++)
        pthread_join(R.workers[t].tid, NULL);
    nthreads_started = 0;
    if (R.failed) {
        rc = R.err.code ? R.err.code : RF_EINTERNAL;
        if (err)
            *err = R.err;
        goto out;
    }

    /* Merge statistics and finish stages. */
    for (size_t s = 0; s < nstages; s++) {
        rf_stats_init(&stages[s].stats, stages[s].label);
        for (int t = 0; t < nthreads; t++)
            rf_stats_merge(&stages[s].stats, &R.workers[t].stats[s]);
    }
    for (size_t s = 0; s < nstages && !rc; s++)
        if (stages[s].desc->finish)
            rc = stages[s].desc->finish(&stages[s], err);
    if (rc)
        goto out;

    for (size_t i = 0; i < R.nout; i++) {
        res->output_bytes += rf_out_bytes(outs[i]);
        rc = rf_out_commit(outs[i], err);
        outs[i] = NULL;
        if (rc)
            goto out;
    }
    if (rej) {
        rc = rf_out_commit(rej, err);
        rej = NULL;
        if (rc)
            goto out;
    }
    res->docs_in = stages[0].stats.docs_in;
    res->docs_out = stages[nstages - 1].stats.docs_out;
    for (size_t s = 0; s < nstages; s++)
        res->docs_rejected += stages[s].stats.docs_rejected;

out:
    for (size_t t = 0; t < nthreads_started; t++)
        pthread_join(R.workers[t].tid, NULL);
    for (int t = 0; t < nthreads; t++) {
        worker *W = &R.workers[t];
        if (W->tls)
            for (size_t s = 0; s < nstages; s++)
                if (W->tls[s] && stages[s].desc->thread_release)
                    stages[s].desc->thread_release(&stages[s], W->tls[s]);
        if (W->stats)
            for (size_t s = 0; s < nstages; s++)
                rf_stats_release(&W->stats[s]);
        free(W->tls);
        free(W->stats);
        free(W->live);
    }
    free(R.workers);
    for (size_t i = 0; i < R.nout; i++)
        rf_out_abort(outs[i]);
    free(outs);
    rf_out_abort(rej);
    for (size_t i = 0; i < R.npool; i++)
        batch_free(R.pool[i], R.nout);
    free(R.pool);
    free(R.ring);
    for (size_t i = 0; i < R.nnames; i++)
        free(R.names[i]);
    free(R.names);
    pthread_mutex_destroy(&R.mu);
    pthread_cond_destroy(&R.cv_work);
    pthread_cond_destroy(&R.cv_done);
    pthread_cond_destroy(&R.cv_free);
    res->seconds = now_sec() - t_start;
    return rc;
}
