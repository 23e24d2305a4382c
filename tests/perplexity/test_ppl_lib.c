/* test_ppl_lib — the model-free parts of the perplexity stage: token-id
 * array parsing (accepted forms and every reject reason), percentiles
 * (numpy's linear interpolation), the cutoffs TSV (round trip and
 * malformed files) and head/middle/tail bucketing. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filters/perplexity.h"
#include "tests/unit/check.h"

static int64_t parse(const char *s, int32_t *ids, const char **why)
{
    return rf_ppl_parse_ids(s, strlen(s), ids, 16, 1000, why);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

int main(void)
{
    int32_t ids[16];
    const char *why = NULL;
    CHECK(parse("[1,2,3]", ids, &why) == 3 && ids[0] == 1 && ids[2] == 3);
    CHECK(parse(" [ 7 , 999 ] ", ids, &why) == 2 && ids[1] == 999);
    CHECK(parse("[]", ids, &why) == 0);
    CHECK(parse("[1000]", ids, &why) == -1 && strstr(why, "vocabulary"));
    CHECK(parse("[-1]", ids, &why) == -1 && strstr(why, "negative"));
    CHECK(parse("[1.5]", ids, &why) == -1 && strstr(why, "integers"));
    CHECK(parse("[1e3]", ids, &why) == -1);
    CHECK(parse("[\"1\"]", ids, &why) == -1);
    CHECK(parse("[1,,2]", ids, &why) == -1);
    CHECK(parse("[1,]", ids, &why) == -1);
    CHECK(parse("[1 2]", ids, &why) == -1);
    CHECK(parse("{\"a\":1}", ids, &why) == -1 && strstr(why, "not an array"));
    CHECK(parse("[99999999999]", ids, &why) == -1);
    CHECK(rf_ppl_parse_ids("[1,2,3]", 7, ids, 2, 1000, &why) == 3); /* count beyond cap */

    double v[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    CHECK(fabs(rf_ppl_percentile(v, 10, 30) - 3.7) < 1e-12); /* numpy.percentile */
    CHECK(fabs(rf_ppl_percentile(v, 10, 60) - 6.4) < 1e-12);
    CHECK(rf_ppl_percentile(v, 10, 100) == 10 && rf_ppl_percentile(v, 10, 0) == 1);
    CHECK(rf_ppl_percentile(v, 1, 50) == 1);

    double pct[2];
    rf_err err = {0, ""};
    CHECK(rf_ppl_parse_percentiles("30,60", pct, &err) == 0 && pct[0] == 30 && pct[1] == 60);
    CHECK(rf_ppl_parse_percentiles("60,30", pct, &err) == RF_EUSAGE);
    CHECK(rf_ppl_parse_percentiles("30", pct, &err) == RF_EUSAGE);
    CHECK(rf_ppl_parse_percentiles("0,50", pct, &err) == RF_EUSAGE);

    char path[] = "/tmp/refine-cutoffs-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    write_file(path, "# comment\nlang\tdocs\tp30\tp60\nko\t10\t100.5\t200\n*\t3\t5\t9\n");
    rf_ppl_cutoffs c;
    CHECK(rf_ppl_cutoffs_load(&c, path, &err) == 0);
    CHECK(c.n == 2 && c.pct[0] == 30 && c.pct[1] == 60);
    const rf_ppl_cutoff *ko = rf_ppl_cutoffs_find(&c, "ko");
    CHECK(ko && ko->docs == 10 && ko->cut[0] == 100.5);
    CHECK(rf_ppl_cutoffs_find(&c, "en") == NULL && rf_ppl_cutoffs_find(&c, "*") != NULL);
    if (ko) {
        CHECK(rf_ppl_bucket(ko, 50) == RF_PPL_HEAD);
        CHECK(rf_ppl_bucket(ko, 100.5) == RF_PPL_MIDDLE);
        CHECK(rf_ppl_bucket(ko, 199) == RF_PPL_MIDDLE);
        CHECK(rf_ppl_bucket(ko, 200) == RF_PPL_TAIL);
    }
    rf_ppl_cutoffs_release(&c);
    static const char *const bad[] = {
        "", "lang\tdocs\tp30\n", "lang\tdocs\tp30\tp60\nko\t10\t100\n",
        "lang\tdocs\tp30\tp60\nko\t10\t300\t200\n", "lang\tdocs\tp30\tp60\nko\tx\t1\t2\n",
        "lang\tdocs\tp30\tp60\nko\t1\t1\t2\nko\t1\t1\t2\n", "lang\tdocs\tp30\tp60\nko\t1\t1\t2 x\n"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        write_file(path, bad[i]);
        int rc = rf_ppl_cutoffs_load(&c, path, &err);
        if (rc != RF_EFORMAT)
            fprintf(stderr, "bad cutoffs case %zu accepted\n", i);
        CHECK(rc == RF_EFORMAT);
    }
    unlink(path);
    CHECK(rf_ppl_cutoffs_load(&c, path, &err) == RF_EIO);
    return CHECK_DONE();
}
