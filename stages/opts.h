/* opts.h — declarative options shared by the command line, --config files
 * and pipeline sections.
 *
 * Every executable and stage declares a table of rf_optspec; values are kept
 * as validated strings keyed by long name, so the same key means the same
 * thing in `--key value`, `key = value` in a config file and in a
 * `[stage]` section of a pipeline. Precedence: defaults < config < argv. */
#ifndef RF_OPTS_H
#define RF_OPTS_H

#include <stddef.h>
#include <stdint.h>

#include "stages/err.h"

typedef enum rf_opt_type {
    RF_OPT_FLAG,  /* boolean; --name / --no-name; config: true/false */
    RF_OPT_INT,
    RF_OPT_FLOAT,
    RF_OPT_STR,
    RF_OPT_SIZE,  /* bytes with optional K/M/G suffix (binary) */
    RF_OPT_ENUM,  /* one of choices ("a|b|c") */
    RF_OPT_LIST   /* repeatable string; each use appends */
} rf_opt_type;

typedef struct rf_optspec {
    const char *name;
    char shortname;
    rf_opt_type type;
    const char *def;     /* default as text, NULL = unset */
    const char *meta;    /* placeholder shown in --help */
    const char *help;
    const char *choices; /* RF_OPT_ENUM: "a|b" */
} rf_optspec;

#define RF_OPTSPEC_END {NULL, 0, RF_OPT_FLAG, NULL, NULL, NULL, NULL}

typedef struct rf_opts rf_opts;

/* specs: up to 4 NULL-terminated tables (e.g. runner + stage). */
rf_opts *rf_opts_new(const rf_optspec *const *tables, size_t ntables);
void rf_opts_free(rf_opts *o);

/* Sets one option from text (where: "--x" or "file:line" for messages). */
int rf_opts_set(rf_opts *o, const char *name, const char *value, const char *where, rf_err *err);
const rf_optspec *rf_opts_find(const rf_opts *o, const char *name);
int rf_opts_is_set(const rf_opts *o, const char *name); /* set explicitly (not default) */

/* Parses argv[1..]: options go into o, everything else into *pos (argv
 * pointers, count in *npos). "--" ends options. --help/--version are not
 * handled here: they are ordinary flags of the CLI table. */
int rf_opts_parse_argv(rf_opts *o, int argc, char **argv, char ***pos, size_t *npos, rf_err *err);

/* Accessors; the name must be declared (a typo is a programming error and
 * aborts, so tests catch it). */
const char *rf_opt_str(const rf_opts *o, const char *name);
int64_t rf_opt_int(const rf_opts *o, const char *name);
double rf_opt_float(const rf_opts *o, const char *name);
int rf_opt_flag(const rf_opts *o, const char *name);
uint64_t rf_opt_size(const rf_opts *o, const char *name);
size_t rf_opt_list(const rf_opts *o, const char *name, const char *const **vals);

/* Help text for a table: one line per option. */
void rf_opts_help(const rf_optspec *specs, char *out, size_t cap, size_t *len);

/* INI-like configuration: "key = value" lines, "[section]" headers, '#' or ';'
 * comments. Sections keep their order (pipelines depend on it) and may
 * repeat. */
typedef struct rf_conf_kv {
    char *key, *value;
    int line;
} rf_conf_kv;

typedef struct rf_conf_section {
    char *name; /* "" for keys before the first header */
    int line;
    rf_conf_kv *kv;
    size_t nkv;
} rf_conf_section;

typedef struct rf_conf {
    char *path;
    rf_conf_section *sec;
    size_t nsec;
} rf_conf;

int rf_conf_load(rf_conf *c, const char *path, rf_err *err);
int rf_conf_parse(rf_conf *c, const char *name, const char *text, size_t n, rf_err *err);
void rf_conf_release(rf_conf *c);

/* Applies every key of a section to o; unknown keys are errors that name
 * file:line, unless skip_unknown. To let the command line win, apply the
 * config first and parse argv afterwards. */
int rf_conf_apply(const rf_conf *c, const rf_conf_section *s, rf_opts *o, int skip_unknown,
                  rf_err *err);

/* Parses "123", "64M", "1.5G" into bytes. */
int rf_parse_size(const char *s, uint64_t *out);

#endif
