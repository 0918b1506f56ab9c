/* Arena: many small allocations freed together. */
#include "folio/base.h"

#include <stdalign.h>

#define ARENA_BLOCK_SIZE  ((size_t)32 * 1024)
#define ARENA_DEFAULT_MAX ((size_t)256 * 1024 * 1024)
#define ARENA_ALIGN       (alignof(max_align_t))

struct folio_arena_block {
    struct folio_arena_block *next;
    size_t size; /* usable bytes in data */
    size_t used;
    max_align_t data[]; /* aligned for any type */
};

void folio_arena_init(struct folio_arena *a, size_t max_total)
{
    a->head = NULL;
    a->total = 0;
    a->max_total = max_total ? max_total : ARENA_DEFAULT_MAX;
}

void folio_arena_release(struct folio_arena *a)
{
    if (a == NULL)
        return;
    struct folio_arena_block *b = a->head;
    while (b) {
        struct folio_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->total = 0;
}

static struct folio_arena_block *block_new(size_t size)
{
    size_t bytes;
    if (!folio_size_add(sizeof(struct folio_arena_block), size, &bytes))
        return NULL;
    struct folio_arena_block *b = malloc(bytes);
    if (b == NULL)
        return NULL;
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

/* total counts the (aligned) bytes handed out; the cap applies to it. Block slack is bounded:
 * a request that does not fit the current block's rest is at most a quarter block, so at most a
 * quarter of each block is ever wasted. */
void *folio_arena_alloc(struct folio_arena *a, size_t size)
{
    size_t rounded, total;
    unsigned char *p;

    if (size == 0)
        size = 1;
    if (!folio_size_add(size, ARENA_ALIGN - 1, &rounded))
        return NULL;
    rounded &= ~(ARENA_ALIGN - 1);
    size_t cap = a->max_total ? a->max_total : ARENA_DEFAULT_MAX; /* a zeroed struct works */
    if (!folio_size_add(a->total, rounded, &total) || total > cap)
        return NULL;

    struct folio_arena_block *b = a->head;
    if (b != NULL && b->size - b->used >= rounded) {
        p = (unsigned char *)b->data + b->used;
        b->used += rounded;
    } else if (rounded > ARENA_BLOCK_SIZE / 4) {
        /* Big allocation: its own block, linked behind the head so the head's rest stays usable. */
        struct folio_arena_block *big = block_new(rounded);
        if (big == NULL)
            return NULL;
        big->used = rounded;
        if (b != NULL) {
            big->next = b->next;
            b->next = big;
        } else {
            a->head = big;
        }
        p = (unsigned char *)big->data;
    } else {
        struct folio_arena_block *nb = block_new(ARENA_BLOCK_SIZE);
        if (nb == NULL)
            return NULL;
        nb->next = a->head;
        a->head = nb;
        nb->used = rounded;
        p = (unsigned char *)nb->data;
    }
    a->total = total;
    memset(p, 0, size);
    return p;
}

void *folio_arena_calloc(struct folio_arena *a, size_t n, size_t size)
{
    size_t bytes;
    if (!folio_size_mul(n, size, &bytes))
        return NULL;
    return folio_arena_alloc(a, bytes);
}

void *folio_arena_grow(struct folio_arena *a, void *v, size_t n, size_t *cap, size_t size,
                       size_t first_cap)
{
    size_t nc;
    void *nv;
    if (n < *cap)
        return v;
    if (*cap == 0)
        nc = first_cap ? first_cap : 16;
    else if (!folio_size_mul(*cap, 2, &nc))
        return NULL;
    nv = folio_arena_calloc(a, nc, size);
    if (nv == NULL)
        return NULL;
    if (n)
        memcpy(nv, v, n * size);
    *cap = nc;
    return nv;
}

char *folio_arena_strndup(struct folio_arena *a, const char *s, size_t len)
{
    size_t bytes;
    if (s == NULL || !folio_size_add(len, 1, &bytes))
        return NULL;
    char *p = folio_arena_alloc(a, bytes);
    if (p == NULL)
        return NULL;
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *folio_arena_strdup(struct folio_arena *a, const char *s)
{
    return s ? folio_arena_strndup(a, s, strlen(s)) : NULL;
}

char *folio_arena_sv(struct folio_arena *a, struct folio_sv s)
{
    return folio_arena_strndup(a, s.p ? s.p : "", s.p ? s.len : 0);
}

char *folio_arena_printf(struct folio_arena *a, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = folio_arena_alloc(a, (size_t)n + 1);
    if (p == NULL)
        return NULL;
    va_start(ap, fmt);
    int m = vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return m == n ? p : NULL;
}
