/* cat.c — the `cat` stage: parse and write. Every record is validated as
 * strict JSON, ill-formed UTF-8 is repaired or rejected, the text field is
 * re-encoded canonically when its escaping was not, and the top level is
 * written compactly; everything else passes through byte-for-byte. The work
 * happens in the runner's parser and writer, so the stage itself is empty. */
#include "stages/stage.h"

const rf_stage_desc rf_stage_cat = {
    .name = "cat",
    .summary = "Parse, validate and re-write JSON Lines documents (concatenates inputs).",
    .usage = "Malformed lines, records without a string text field and oversized lines go to\n"
             "--rejects with their line number; ill-formed UTF-8 is repaired (U+FFFD) unless\n"
             "--utf8 reject. Other fields are copied byte-for-byte.",
};
