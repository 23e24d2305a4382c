/* arena.h — bump allocator for per-batch scratch.
 *
 * Everything a worker allocates while processing one batch (unescaped text,
 * edited text, annotations, reject details) comes from the batch's arena and
 * is freed in one rf_arena_reset() after the batch is written. */
#ifndef RF_ARENA_H
#define RF_ARENA_H

#include <stddef.h>

typedef struct rf_arena_chunk rf_arena_chunk;

typedef struct rf_arena {
    rf_arena_chunk *head;   /* current chunk (most recent) */
    rf_arena_chunk *spare;  /* chunks kept for reuse after reset */
    size_t chunk_size;
    size_t used_total;      /* bytes handed out since the last reset */
} rf_arena;

void rf_arena_init(rf_arena *a, size_t chunk_size);
void rf_arena_release(rf_arena *a);
/* Frees nothing to the system; keeps up to a few chunks for reuse. */
void rf_arena_reset(rf_arena *a);
/* 16-byte aligned; never returns NULL (aborts on OOM). */
void *rf_arena_alloc(rf_arena *a, size_t n);
void *rf_arena_memdup(rf_arena *a, const void *p, size_t n);
char *rf_arena_strndup(rf_arena *a, const char *s, size_t n);
char *rf_arena_printf(rf_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
