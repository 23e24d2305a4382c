/* test_opts — option parsing from argv and config files: value checks,
 * --no-flag, short options, lists, sections, precedence and error positions. */
#include "stages/opts.h"
#include "tests/unit/check.h"

static const rf_optspec specs[] = {
    {"threads", 't', RF_OPT_INT, "0", "N", "threads", NULL},
    {"ratio", 0, RF_OPT_FLOAT, "0.5", "F", "ratio", NULL},
    {"size", 0, RF_OPT_SIZE, "64M", "SIZE", "size", NULL},
    {"mode", 0, RF_OPT_ENUM, "repair", "M", "mode", "repair|reject"},
    {"eod", 0, RF_OPT_FLAG, "true", NULL, "append eod", NULL},
    {"quiet", 'q', RF_OPT_FLAG, "false", NULL, "quiet", NULL},
    {"model", 0, RF_OPT_LIST, NULL, "PATH", "models", NULL},
    {"output", 'o', RF_OPT_STR, "-", "FILE", "output", NULL},
    RF_OPTSPEC_END,
};

int main(void)
{
    const rf_optspec *tables[1] = {specs};
    rf_opts *o = rf_opts_new(tables, 1);
    rf_err err;
    CHECK(rf_opt_int(o, "threads") == 0);
    CHECK(rf_opt_size(o, "size") == 64ull << 20);
    CHECK(rf_opt_flag(o, "eod") == 1);

    char *argv[] = {"prog", "in1", "-t", "4", "--ratio=0.25", "--no-eod", "-q", "--model", "ko=a",
                    "--model", "en=b", "-oout.zst", "--size", "1.5G", "--", "--not-an-option"};
    char **pos;
    size_t npos;
    CHECK(rf_opts_parse_argv(o, 16, argv, &pos, &npos, &err) == 0);
    CHECK(npos == 2 && !strcmp(pos[0], "in1") && !strcmp(pos[1], "--not-an-option"));
    free(pos);
    CHECK(rf_opt_int(o, "threads") == 4);
    CHECK(rf_opt_float(o, "ratio") == 0.25);
    CHECK(rf_opt_flag(o, "eod") == 0);
    CHECK(rf_opt_flag(o, "quiet") == 1);
    CHECK(!strcmp(rf_opt_str(o, "output"), "out.zst"));
    CHECK(rf_opt_size(o, "size") == (uint64_t)(1.5 * 1024 * 1024 * 1024));
    const char *const *vals;
    CHECK(rf_opt_list(o, "model", &vals) == 2 && !strcmp(vals[1], "en=b"));

    char *bad1[] = {"prog", "--threads", "x"};
    CHECK(rf_opts_parse_argv(o, 3, bad1, &pos, &npos, &err) == RF_EUSAGE);
    CHECK(strstr(err.msg, "integer") != NULL);
    char *bad2[] = {"prog", "--mode", "fix"};
    CHECK(rf_opts_parse_argv(o, 3, bad2, &pos, &npos, &err) == RF_EUSAGE);
    CHECK(strstr(err.msg, "repair|reject") != NULL);
    char *bad3[] = {"prog", "--nope"};
    CHECK(rf_opts_parse_argv(o, 2, bad3, &pos, &npos, &err) == RF_EUSAGE);
    char *bad4[] = {"prog", "--threads"};
    CHECK(rf_opts_parse_argv(o, 2, bad4, &pos, &npos, &err) == RF_EUSAGE);
    rf_opts_free(o);

    /* Config files: top-level keys, ordered and repeated sections. */
    const char *text = "# comment\nthreads = 2\n\n[heuristic]\nmode = reject\n[quality]\n"
                       "model = \"ko=m.bin\"\n[quality]\nratio=0.9\n";
    rf_conf c;
    CHECK(rf_conf_parse(&c, "p.pipeline", text, strlen(text), &err) == 0);
    CHECK(c.nsec == 4 && !strcmp(c.sec[1].name, "heuristic") && !strcmp(c.sec[3].name, "quality"));
    CHECK(c.sec[2].nkv == 1 && !strcmp(c.sec[2].kv[0].value, "ko=m.bin"));
    o = rf_opts_new(tables, 1);
    CHECK(rf_conf_apply(&c, &c.sec[0], o, 0, &err) == 0 && rf_opt_int(o, "threads") == 2);
    CHECK(rf_conf_apply(&c, &c.sec[1], o, 0, &err) == 0 && !strcmp(rf_opt_str(o, "mode"), "reject"));
    rf_opts_free(o);
    rf_conf_release(&c);

    const char *bad = "threads = 2\n[x]\nnokey\n";
    CHECK(rf_conf_parse(&c, "b.conf", bad, strlen(bad), &err) == RF_EUSAGE);
    CHECK(strstr(err.msg, "b.conf:3") != NULL);
    const char *unknown = "wat = 1\n";
    CHECK(rf_conf_parse(&c, "u.conf", unknown, strlen(unknown), &err) == 0);
    o = rf_opts_new(tables, 1);
    CHECK(rf_conf_apply(&c, &c.sec[0], o, 0, &err) == RF_EUSAGE && strstr(err.msg, "u.conf:1"));
    rf_opts_free(o);
    rf_conf_release(&c);

    uint64_t x;
    CHECK(rf_parse_size("64M", &x) == 0 && x == 64ull << 20);
    CHECK(rf_parse_size("10KiB", &x) == 0 && x == 10240);
    CHECK(rf_parse_size("12", &x) == 0 && x == 12);
    CHECK(rf_parse_size("-1", &x) != 0);
    CHECK(rf_parse_size("5X", &x) != 0);
    return CHECK_DONE();
}
