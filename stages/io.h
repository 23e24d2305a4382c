/* io.h — compressed input and atomic output.
 *
 * Input: a path (or "-" for stdin) is opened as a sequence of members: a
 * plain, .gz, .zst, .xz, .bz2 or .lz4 file is one member; a tar archive
 * (itself optionally compressed) yields one member per regular file, each
 * member again optionally compressed. Formats are recognised by their magic
 * bytes, not by the file name. zstd is decoded with libzstd directly (speed),
 * everything else through libarchive.
 *
 * Output: plain or zstd (multi-threaded), written to "<path>.tmp.<pid>" and
 * renamed to path only by rf_out_commit(), so a failed or killed run never
 * leaves a complete-looking file. "-" is stdout. */
#ifndef RF_IO_H
#define RF_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "stages/err.h"

typedef struct rf_src rf_src;
typedef struct rf_input rf_input;

int rf_input_open(rf_input **in, const char *path, rf_err *err);
/* Moves to the next member: 1 with *src and *name set (valid until the next
 * call), 0 when there are no more, negative on error. */
int rf_input_next(rf_input *in, rf_src **src, const char **name, rf_err *err);
void rf_input_close(rf_input *in);
/* Bytes consumed from the underlying file so far and its size (-1 when not
 * a regular file): for progress and ETA. */
uint64_t rf_input_consumed(const rf_input *in);
int64_t rf_input_size(const rf_input *in);

/* Reads up to n decompressed bytes; returns the count, 0 at the end of the
 * member, negative rf_rc on error (truncated or corrupt streams included). */
ssize_t rf_src_read(rf_src *s, void *buf, size_t n, rf_err *err);

enum rf_compress { RF_COMPRESS_AUTO = 0, RF_COMPRESS_NONE, RF_COMPRESS_ZSTD };

typedef struct rf_outopts {
    int compress;    /* AUTO: zstd when the name ends in .zst, else plain */
    int level;       /* zstd level */
    int threads;     /* zstd worker threads (0 = compress in the caller) */
} rf_outopts;

typedef struct rf_out rf_out;

int rf_out_open(rf_out **o, const char *path, const rf_outopts *opt, rf_err *err);
int rf_out_write(rf_out *o, const void *p, size_t n, rf_err *err);
/* Finishes the stream, renames the temporary file into place, frees o. */
int rf_out_commit(rf_out *o, rf_err *err);
/* Removes the temporary file and frees o (NULL allowed). */
void rf_out_abort(rf_out *o);
uint64_t rf_out_bytes(const rf_out *o); /* uncompressed bytes written */
const char *rf_out_path(const rf_out *o);

/* Installs SIGINT/SIGTERM/SIGHUP handlers that remove every temporary output
 * still open, then let the signal take its default action. */
void rf_io_install_signal_cleanup(void);

/* Creates the parent directories of path (mkdir -p of dirname). */
int rf_mkdir_parents(const char *path, rf_err *err);

/* 1 when two output paths would write the same regular file ("-" is
 * stdout; "x", "./x", a symlink to x and, once created, a hard link all
 * count as x): two outputs there would share a temporary name or rename
 * over each other. Devices and pipes (/dev/null) may be shared. */
int rf_out_same_file(const char *a, const char *b);

#endif
