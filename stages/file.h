/* file.h — whole-file access for the small and medium files the tools load
 * once (models, tokenizers, indexes, removal lists): read into memory, or
 * map read-only. Both refuse anything but a regular file, with a message
 * that names the path. */
#ifndef RF_FILE_H
#define RF_FILE_H

#include <stddef.h>

#include "stages/err.h"

/* Reads the whole file into a malloc'd buffer with a NUL byte after the
 * last one (*data is never NULL on success, even for an empty file). */
int rf_file_read(const char *path, unsigned char **data, size_t *n, rf_err *err);

/* A read-only private mapping of a whole file; p is NULL for an empty file. */
typedef struct rf_file_map {
    void *p;
    size_t n;
} rf_file_map;

int rf_file_map_open(rf_file_map *m, const char *path, rf_err *err);
void rf_file_map_close(rf_file_map *m);

#endif
