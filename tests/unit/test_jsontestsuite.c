/* test_jsontestsuite — runs every case of nst/JSONTestSuite's test_parsing
 * through the scanner twice: as a standalone JSON text (rf_json_validate)
 * and embedded as a field value of a document line (rf_doc_parse), which is
 * how refine meets JSON. y_ cases must be accepted, n_ cases rejected; i_
 * cases may go either way but must not crash. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>

#include "stages/buf.h"
#include "stages/doc.h"
#include "stages/json.h"
#include "tests/unit/check.h"

static int read_file(const char *path, rf_buf *b)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char tmp[65536];
    size_t r;
    while ((r = fread(tmp, 1, sizeof tmp, f)) > 0)
        rf_buf_add(b, tmp, r);
    fclose(f);
    return 0;
}

int main(void)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/jsontestsuite/test_parsing", testdata_dir());
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "skip: %s not found (set REFINE_TESTDATA)\n", dir);
        return 77;
    }
    int ny = 0, nn = 0, ni = 0;
    struct dirent *e;
    rf_arena arena;
    rf_arena_init(&arena, 0);
    rf_docfmt fmt = {"text", "id", RF_UTF8_REPAIR};
    while ((e = readdir(d))) {
        const char *name = e->d_name;
        char kind = name[0];
        if ((kind != 'y' && kind != 'n' && kind != 'i') || name[1] != '_')
            continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        rf_buf c = RF_BUF_INIT, line = RF_BUF_INIT;
        if (read_file(path, &c)) {
            fprintf(stderr, "cannot read %s\n", path);
            check_failures++;
            continue;
        }
        rf_json_error je;
        int ok_value = rf_json_validate(c.p ? c.p : "", c.len, &je) == 0;

        rf_buf_adds(&line, "{\"id\":\"case\",\"text\":\"t\",\"case\":");
        rf_buf_add(&line, c.p ? c.p : "", c.len);
        rf_buf_adds(&line, "}");
        rf_doc doc;
        rf_parse_error pe;
        int ok_doc = rf_doc_parse(&doc, line.p, line.len, &fmt, &arena, &pe) == 0;
        if (ok_doc) {
            /* A kept document must serialise to valid JSON that parses to
             * the same field value bytes. */
            rf_buf out = RF_BUF_INIT;
            rf_doc_write(&doc, &out);
            CHECK(out.len > 0 && out.p[out.len - 1] == '\n');
            if (rf_json_validate(out.p, out.len - 1, &je) != 0) {
                fprintf(stderr, "%s: written line is not valid JSON\n", name);
                check_failures++;
            }
            rf_buf_release(&out);
        }
        if (kind == 'y') {
            ny++;
            if (!ok_value || !ok_doc) {
                fprintf(stderr, "%s: valid JSON rejected (%s)\n", name,
                        !ok_value ? je.what : pe.detail);
                check_failures++;
            }
        } else if (kind == 'n') {
            nn++;
            if (ok_value || ok_doc) {
                fprintf(stderr, "%s: invalid JSON accepted (%s)\n", name,
                        ok_value ? "as a value" : "embedded in a document");
                check_failures++;
            }
        } else {
            ni++;
        }
        rf_arena_reset(&arena);
        rf_buf_release(&c);
        rf_buf_release(&line);
    }
    closedir(d);
    rf_arena_release(&arena);
    printf("JSONTestSuite: %d y_ accepted, %d n_ rejected, %d i_ survived\n", ny, nn, ni);
    CHECK(ny > 90 && nn > 180);
    return CHECK_DONE();
}
