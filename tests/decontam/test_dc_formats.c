/* test_dc_formats — the readers behind evaluation-set SPECs: the RFC 4180
 * CSV/TSV reader, the JSON path language, SPEC parsing, and loading items
 * from JSONL, JSON (SQuAD-style records), CSV with and without a header. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../unit/check.h"
#include "decontam/csv.h"
#include "decontam/jpath.h"
#include "decontam/spec.h"

/* Parses csv text and renders the rows as "a|b|c;" for comparison. */
static int csv_render(const char *in, char delim, rf_buf *out)
{
    rf_csv c;
    rf_err err;
    rf_csv_init(&c, in, strlen(in), delim);
    rf_buf_reset(out);
    int rc;
    while ((rc = rf_csv_next(&c, "t.csv", &err)) == 1) {
        for (size_t k = 0; k < c.nfields; k++) {
            size_t l;
            const char *f = rf_csv_field(&c, k, &l);
            if (k)
                rf_buf_addc(out, '|');
            rf_buf_add(out, f, l);
        }
        rf_buf_addf(out, "@%llu;", (unsigned long long)c.row_line);
    }
    rf_csv_release(&c);
    return rc;
}

static void csv_case(const char *in, char delim, const char *want)
{
    rf_buf b = RF_BUF_INIT;
    int rc = csv_render(in, delim, &b);
    CHECK(rc == 0);
    CHECK_MEM(b.p ? b.p : "", b.len, want);
    rf_buf_release(&b);
}

static void test_csv(void)
{
    csv_case("a,b,c\n1,2,3\n", ',', "a|b|c@1;1|2|3@2;");
    csv_case("a,b\r\n1,2\r\n", ',', "a|b@1;1|2@2;");
    csv_case("a,b\r1,2", ',', "a|b@1;1|2@2;");                         /* CR only, no final EOL */
    csv_case("\"x,y\",\"say \"\"hi\"\"\"\n", ',', "x,y|say \"hi\"@1;"); /* quotes */
    csv_case("\"two\nlines\",z\nnext,1\n", ',', "two\nlines|z@1;next|1@3;");
    csv_case("\"a\r\nb\",c\r\nd,e\r\n", ',', "a\r\nb|c@1;d|e@3;");      /* CRLF inside quotes kept */
    csv_case("a,b,\n,\n", ',', "a|b|@1;|@2;");                          /* empty fields */
    csv_case("a\n\n\nb\n", ',', "a@1;b@4;");                            /* blank lines skipped */
    csv_case("\xEF\xBB\xBFq,r\n", ',', "q|r@1;");                       /* BOM */
    csv_case("x\"y\",z\n", ',', "x\"y\"|z@1;");                          /* quote inside a field */
    csv_case("\"ab\"cd,e\n", ',', "abcd|e@1;");                          /* as Python's csv */
    csv_case("a\tb,c\t\"d\te\"\n", '\t', "a|b,c|d\te@1;");              /* TSV */
    csv_case("", ',', "");
    rf_buf b = RF_BUF_INIT;
    CHECK(csv_render("a,\"never closed\nb\n", ',', &b) == RF_EFORMAT);
    rf_buf_release(&b);
}

static void path_texts(const char *json, const char *path, const char *want)
{
    rf_jpath jp;
    rf_err err;
    CHECK(rf_jpath_parse(&jp, path, strlen(path), &err) == 0);
    rf_jpath_texts t = {0};
    rf_jpath_collect(&jp, json, strlen(json), 0, &t);
    rf_buf b = RF_BUF_INIT;
    for (size_t i = 0; i < t.n; i++) {
        if (i)
            rf_buf_addc(&b, '|');
        rf_buf_add(&b, t.buf.p + t.off[i], t.len[i]);
    }
    CHECK_MEM(b.p ? b.p : "", b.len, want);
    rf_buf_release(&b);
    rf_jpath_texts_release(&t);
    rf_jpath_release(&jp);
}

static void test_jpath(void)
{
    const char *squad =
        "{\"version\":\"1\",\"data\":[{\"title\":\"T1\",\"paragraphs\":[{\"context\":\"C1\","
        "\"qas\":[{\"id\":\"q1\",\"question\":\"Q1\"},{\"id\":\"q2\",\"question\":\"Q\\u00e9\"}]}]},"
        "{\"title\":\"T2\",\"paragraphs\":[{\"context\":\"C2\",\"qas\":[]}]}]}";
    path_texts(squad, "data[].paragraphs[].context", "C1|C2");
    path_texts(squad, "data[].paragraphs[].qas[].question", "Q1|Q\xc3\xa9");
    path_texts(squad, "data[1].title", "T2");
    path_texts(squad, "data[].title", "T1|T2");
    path_texts(squad, "nosuch", "");
    path_texts(squad, "version.x", "");
    /* arrays and objects contribute their leaves; numbers as written */
    path_texts("{\"choices\":[\"a\",\"b\",{\"k\":\"c\"}],\"n\":-1.5e3}", "choices", "a|b|c");
    path_texts("{\"choices\":[\"a\",\"b\"],\"n\":-1.5e3}", "n", "-1.5e3");
    path_texts("[\"x\",\"y\"]", "[]", "x|y");
    path_texts("{\"a\\u0062\":\"escaped key\"}", "ab", "escaped key");
    path_texts("{\"t\":\"bad \\ud800 surrogate\"}", "t", "bad \xef\xbf\xbd surrogate");
    rf_jpath jp;
    rf_err err;
    CHECK(rf_jpath_parse(&jp, "a..b", 4, &err) == RF_EUSAGE);
    CHECK(rf_jpath_parse(&jp, "a[x]", 4, &err) == RF_EUSAGE);
    CHECK(rf_jpath_parse(&jp, "a.", 2, &err) == RF_EUSAGE);
}

static void test_spec_parse(void)
{
    rf_dcspec s;
    rf_err err;
    CHECK(rf_dcspec_parse(&s, "gsm8k=data/gsm8k_test.jsonl:question,answer", &err) == 0);
    CHECK(s.name && !strcmp(s.name, "gsm8k"));
    CHECK(!strcmp(s.pattern, "data/gsm8k_test.jsonl"));
    CHECK(s.nfields == 2 && !strcmp(s.fields[1], "answer") && !s.record && s.header == 1);
    rf_dcspec_release(&s);
    CHECK(rf_dcspec_parse(&s, "k.json:data[].paragraphs[]/context?id=title,format=json", &err) ==
          0);
    CHECK(!s.name && !strcmp(s.record, "data[].paragraphs[]") && s.nfields == 1);
    CHECK(!strcmp(s.fields[0], "context") && !strcmp(s.id, "title") && s.format == RF_DCSPEC_JSON);
    rf_dcspec_release(&s);
    CHECK(rf_dcspec_parse(&s, "m/*.csv:#1,#2?header=no", &err) == 0);
    CHECK(s.header == 0 && s.nfields == 2);
    rf_dcspec_release(&s);
    CHECK(rf_dcspec_parse(&s, "nofields.jsonl", &err) == RF_EUSAGE);
    CHECK(rf_dcspec_parse(&s, "x.jsonl:a,,b", &err) == RF_EUSAGE);
    CHECK(rf_dcspec_parse(&s, "x.jsonl:a?bogus=1", &err) == RF_EUSAGE);
    CHECK(rf_dcspec_parse(&s, "x.jsonl:a?header=maybe", &err) == RF_EUSAGE);
    char *st = rf_dcspec_stem("/a/b/humaneval.jsonl.gz");
    CHECK(!strcmp(st, "humaneval"));
    free(st);
}

typedef struct got {
    rf_buf b;
} got;

static void collect_item(void *ctx, const rf_dcspec_item *it)
{
    got *g = ctx;
    rf_buf_addf(&g->b, "%s/%s@%llu:", it->bench, it->id, (unsigned long long)it->record);
    for (size_t i = 0; i < it->ntexts; i++)
        rf_buf_addf(&g->b, "%s%.*s", i ? "|" : "", (int)it->lens[i], it->texts[i]);
    rf_buf_addc(&g->b, ';');
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    fputs(text, f);
    fclose(f);
}

static void load_case(const char *dir, const char *spec, const char *want, int want_rc)
{
    rf_dcspec s;
    rf_err err = {0, ""};
    CHECK(rf_dcspec_parse(&s, spec, &err) == 0);
    got g = {RF_BUF_INIT};
    rf_dcspec_stats st;
    memset(&st, 0, sizeof st);
    int rc = rf_dcspec_load(&s, dir, collect_item, &g, &st, &err);
    if (rc != want_rc)
        fprintf(stderr, "spec %s: rc %d (%s)\n", spec, rc, err.msg);
    CHECK(rc == want_rc);
    if (!want_rc)
        CHECK_MEM(g.b.p ? g.b.p : "", g.b.len, want);
    rf_buf_release(&g.b);
    rf_dcspec_release(&s);
}

static void test_spec_load(void)
{
    char dir[] = "/tmp/test_dc_formats.XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(0);
        return;
    }
    char p[512];
    snprintf(p, sizeof p, "%s/q.jsonl", dir);
    write_file(p, "{\"id\":7,\"question\":\"Q one\",\"choices\":[\"a\",\"b\"]}\n\n"
                  "{\"question\":\"Q two\",\"choices\":[]}\r\n");
    snprintf(p, sizeof p, "%s/s.json", dir);
    write_file(p, "{\"data\":[{\"paragraphs\":[{\"context\":\"C1\",\"qas\":[{\"id\":\"x1\","
                  "\"question\":\"Q1\"}]},{\"context\":\"C2\",\"qas\":[]}]}]}");
    snprintf(p, sizeof p, "%s/h.csv", dir);
    write_file(p, "question,A,B,ID\n\"What, exactly?\",yes,no,r1\nSecond,1,2,\n");
    snprintf(p, sizeof p, "%s/n.csv", dir);
    write_file(p, "First q,x,y\n\"Second\nq\",z,w\n");
    snprintf(p, sizeof p, "%s/t.tsv", dir);
    write_file(p, "sentence\t1\t2\nS\tone\ttwo\n");
    snprintf(p, sizeof p, "%s/bad.jsonl", dir);
    write_file(p, "{\"question\":\"ok\"}\n{\"question\": nope}\n");
    load_case(dir, "q.jsonl:question,choices", "q/7@1:Q one|a|b;q/q:3@3:Q two;", 0);
    load_case(dir, "b=q.jsonl:question?id=question", "b/Q one@1:Q one;b/Q two@3:Q two;", 0);
    load_case(dir, "s.json:data[].paragraphs[]/context", "s/s:1@1:C1;s/s:2@2:C2;", 0);
    load_case(dir, "s.json:data[].paragraphs[].qas[]/question", "s/x1@1:Q1;", 0);
    load_case(dir, "h.csv:question,A,B", "h/r1@2:What, exactly?|yes|no;h/h:3@3:Second|1|2;", 0);
    load_case(dir, "n.csv:#1,#3?header=no", "n/n:1@1:First q|y;n/n:2@2:Second\nq|w;", 0);
    load_case(dir, "t.tsv:sentence,1,2", "t/t:2@2:S|one|two;", 0);
    load_case(dir, "*.csv:#1?header=no", "h/h:1@1:question;h/h:2@2:What, exactly?;h/h:3@3:Second;"
                                        "n/n:1@1:First q;n/n:2@2:Second\nq;", 0);
    load_case(dir, "h.csv:nosuch", "", RF_EUSAGE);       /* unknown column */
    load_case(dir, "q.jsonl:nosuch", "", RF_EUSAGE);     /* field in no record */
    load_case(dir, "bad.jsonl:question", "", RF_EFORMAT); /* invalid JSON names the line */
    load_case(dir, "none*.jsonl:question", "", RF_EIO);   /* no file */
    load_case(dir, "n.csv:question?header=no", "", RF_EUSAGE);
    const char *names[] = {"q.jsonl", "s.json", "h.csv", "n.csv", "t.tsv", "bad.jsonl"};
    for (size_t i = 0; i < 6; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
    rmdir(dir);
}

int main(void)
{
    test_csv();
    test_jpath();
    test_spec_parse();
    test_spec_load();
    return CHECK_DONE();
}
