/* arena.c — chunked bump allocator. Large requests get a chunk of their own;
 * reset moves chunks of the default size to a spare list so steady-state
 * batches allocate nothing from malloc. */
#include "stages/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stages/err.h"

struct rf_arena_chunk {
    rf_arena_chunk *next;
    size_t size; /* usable bytes in data */
    size_t used;
    _Alignas(16) unsigned char data[];
};

void rf_arena_init(rf_arena *a, size_t chunk_size)
{
    a->head = a->spare = NULL;
    a->chunk_size = chunk_size ? chunk_size : 64 * 1024;
    a->used_total = 0;
}

static void free_list(rf_arena_chunk *c)
{
    while (c) {
        rf_arena_chunk *n = c->next;
        free(c);
        c = n;
    }
}

void rf_arena_release(rf_arena *a)
{
    if (!a)
        return;
    free_list(a->head);
    free_list(a->spare);
    a->head = a->spare = NULL;
    a->used_total = 0;
}

void rf_arena_reset(rf_arena *a)
{
    rf_arena_chunk *c = a->head;
    int kept = 0;
    for (rf_arena_chunk *s = a->spare; s; s = s->next)
        kept++;
    while (c) {
        rf_arena_chunk *n = c->next;
        if (c->size == a->chunk_size && kept < 8) {
            c->used = 0;
            c->next = a->spare;
            a->spare = c;
            kept++;
        } else {
            free(c);
        }
        c = n;
    }
    a->head = NULL;
    a->used_total = 0;
}

void *rf_arena_alloc(rf_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    rf_arena_chunk *c = a->head;
    if (!c || c->size - c->used < n) {
        if (n <= a->chunk_size && a->spare) {
            c = a->spare;
            a->spare = c->next;
        } else {
            size_t size = n > a->chunk_size ? n : a->chunk_size;
            if (size > SIZE_MAX - sizeof *c)
                size = SIZE_MAX - sizeof *c; /* rf_xmalloc then fails */
            c = rf_xmalloc(sizeof *c + size);
            c->size = size;
        }
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    a->used_total += n;
    return p;
}

void *rf_arena_memdup(rf_arena *a, const void *p, size_t n)
{
    void *q = rf_arena_alloc(a, n);
    if (n)
        memcpy(q, p, n);
    return q;
}

char *rf_arena_strndup(rf_arena *a, const char *s, size_t n)
{
    char *q = rf_arena_alloc(a, n + 1);
    memcpy(q, s, n);
    q[n] = '\0';
    return q;
}

char *rf_arena_printf(rf_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    char *p = rf_arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}
