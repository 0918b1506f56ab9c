/* Folio base library: return codes, errors, string views, size-capped buffers, arenas.
 *
 * Every Folio .c file includes this header first. It pulls in the common system headers and
 * then folio/banned.h, which turns unbounded or stateful libc calls into compile errors.
 *
 * Conventions (see docs/ARCHITECTURE.md):
 * - fallible functions return enum folio_rc (FOLIO_OK == 0) and fill a caller-owned
 *   struct folio_err; library code never prints and never exits;
 * - pointers have one owner; each header says "takes ownership" or "borrows";
 * - free/release functions accept NULL.
 */
#ifndef FOLIO_BASE_H
#define FOLIO_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__GNUC__)
#define FOLIO_MUST_USE    __attribute__((warn_unused_result))
#define FOLIO_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define FOLIO_NORETURN    __attribute__((noreturn))
#else
#define FOLIO_MUST_USE
#define FOLIO_PRINTF(a, b)
#define FOLIO_NORETURN
#endif

#define FOLIO_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Stable return codes: numbered once, never reused or renumbered. The number is part of the
 * CLI's documented exit codes (docs/cli.md) and of API error bodies. */
enum folio_rc {
    FOLIO_OK = 0,
    FOLIO_ENOMEM = 1,     /* out of memory */
    FOLIO_EINVAL = 2,     /* bad input: a field is missing, malformed or out of range */
    FOLIO_ENOTFOUND = 3,  /* the named thing does not exist */
    FOLIO_ECONFLICT = 4,  /* would violate uniqueness, or a concurrent change won */
    FOLIO_EIO = 5,        /* file or socket I/O failed */
    FOLIO_ESTORE = 6,     /* the database reported an error */
    FOLIO_ETOOBIG = 7,    /* input exceeds a size cap */
    FOLIO_EPARSE = 8,     /* a file or message is not in the expected format */
    FOLIO_ECRYPTO = 9,    /* key missing/unsafe, or decryption failed */
    FOLIO_ESTATE = 10,    /* the action is not allowed in the record's current state */
    FOLIO_EPERM = 11,     /* not permitted */
    FOLIO_EBUSY = 12,     /* the database is locked or busy */
    FOLIO_ESCHEMA = 13,   /* the database schema is newer than this program, or unmigrated */
    FOLIO_EUSAGE = 14,    /* command-line usage error */
    FOLIO_EINTERNAL = 15, /* a bug: should not happen */
};

/* Short stable name of a code, e.g. "invalid" for FOLIO_EINVAL. Never NULL. */
const char *folio_rc_name(enum folio_rc rc);

/* An error filled by the library for the face (CLI, HTTP, HL7) to report.
 * msg names what is wrong and, for bad input, the field and the bad value. The message may hold
 * an input value: faces show it to the user who sent it, but never write it to a log. */
struct folio_err {
    enum folio_rc code;
    char field[64];   /* the offending field, e.g. "birth_date" or "patients.csv:12:BIRTHDATE"; may be "" */
    char msg[512];    /* one line, no trailing newline */
    const char *file; /* origin in the source, for bugs reports */
    int line;
};

/* Set err (if not NULL) and return code. field may be NULL. Use through the macro. Field and
 * message are truncated to fit (never inside a UTF-8 sequence); control characters (CR, LF, tab)
 * become spaces. */
enum folio_rc folio_err_setf_(struct folio_err *err, enum folio_rc code, const char *file, int line,
                              const char *field, const char *fmt, ...) FOLIO_PRINTF(6, 7);
#define folio_err_set(err, code, field, ...)                                                       \
    folio_err_setf_((err), (code), __FILE__, __LINE__, (field), __VA_ARGS__)
/* Prefix the existing message with "prefix: " (e.g. a file name and line); code and field stay.
 * err may be NULL. */
void folio_err_prefix(struct folio_err *err, const char *fmt, ...) FOLIO_PRINTF(2, 3);
void folio_err_clear(struct folio_err *err);

/* Programmer errors only, never bad input: prints file:line and aborts. [git BUG()] */
FOLIO_NORETURN void folio_bug_(const char *file, int line, const char *fmt, ...) FOLIO_PRINTF(3, 4);
#define FOLIO_BUG(...) folio_bug_(__FILE__, __LINE__, __VA_ARGS__)

/* ---- overflow-checked size arithmetic ---- */
static inline bool folio_size_mul(size_t a, size_t b, size_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}
static inline bool folio_size_add(size_t a, size_t b, size_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}

/* ---- string views: borrowed (ptr, len), not NUL-terminated ---- */
struct folio_sv {
    const char *p;
    size_t len;
};
#define FOLIO_SV_LIT(s) ((struct folio_sv){(s), sizeof(s) - 1})
struct folio_sv folio_sv_from(const char *s); /* s may be NULL -> empty view */
bool folio_sv_eq(struct folio_sv a, struct folio_sv b);
bool folio_sv_eq_cstr(struct folio_sv a, const char *s);
bool folio_sv_ieq_cstr(struct folio_sv a, const char *s); /* ASCII case-insensitive */
struct folio_sv folio_sv_trim(struct folio_sv s);          /* ASCII white space both ends */
bool folio_sv_starts_with(struct folio_sv s, const char *prefix);
/* Split at the first sep: *head gets the part before it, s advances past it. Returns false when
 * s is exhausted (no more fields). A trailing sep yields one final empty field; an empty view
 * yields one empty field; after the last field s.p is NULL. */
bool folio_sv_next_field(struct folio_sv *s, char sep, struct folio_sv *head);
/* Whole-view parse of a decimal integer (optional leading '-', no '+', no spaces), with range
 * check. EINVAL (err is not filled: callers name the field) and *out untouched on failure. */
enum folio_rc folio_sv_to_i64(struct folio_sv s, int64_t *out) FOLIO_MUST_USE;
/* Whole-view parse of a decimal number ("-12.5", "3e2", ".5"); rejects inf/nan/hex/empty/
 * spaces/trailing junk and overflow ("1e400"); underflow rounds towards 0. At most 127 chars. */
enum folio_rc folio_sv_to_double(struct folio_sv s, double *out) FOLIO_MUST_USE;

/* ---- growable buffer with a mandatory size cap; always NUL-terminated ---- */
struct folio_buf {
    char *data; /* never NULL after init: points at a static "" until the first growth */
    size_t len;
    size_t cap;
    size_t max; /* appends that would make len exceed max fail with FOLIO_ETOOBIG */
};
/* max 0 means 64 MiB. A failed append (ETOOBIG, ENOMEM) leaves the buffer as it was. */
void folio_buf_init(struct folio_buf *b, size_t max);
void folio_buf_release(struct folio_buf *b); /* frees data, keeps the struct usable (empty) */
void folio_buf_reset(struct folio_buf *b);   /* len = 0, keeps memory */
enum folio_rc folio_buf_append(struct folio_buf *b, const void *p, size_t len) FOLIO_MUST_USE;
enum folio_rc folio_buf_append_str(struct folio_buf *b, const char *s) FOLIO_MUST_USE;
enum folio_rc folio_buf_append_ch(struct folio_buf *b, char c) FOLIO_MUST_USE;
enum folio_rc folio_buf_appendf(struct folio_buf *b, const char *fmt, ...) FOLIO_PRINTF(2, 3)
    FOLIO_MUST_USE;
enum folio_rc folio_buf_vappendf(struct folio_buf *b, const char *fmt, va_list ap)
    FOLIO_PRINTF(2, 0) FOLIO_MUST_USE;
/* One CSV cell (RFC 4180): enclosed in double quotes (a quote doubled) when it holds a comma,
 * a quote, CR or LF. A cell a spreadsheet would read as a formula (starting with '=', '+', '-',
 * '@', TAB or CR) gets a leading apostrophe and is quoted, unless the whole cell is a number
 * ("-12", "+3.5", which stay as they are). NULL or "" appends nothing. On failure b is as it
 * was. The separators and line ends are the caller's. */
enum folio_rc folio_buf_append_csv_field(struct folio_buf *b, const char *s) FOLIO_MUST_USE;
/* Hands the heap string to the caller (who frees it with free()); the buffer is left empty.
 * Returns NULL only if allocating an empty string fails. */
char *folio_buf_detach(struct folio_buf *b, size_t *len_out);
/* Appends a whole file to b (respecting b->max; b is usually empty). On failure b is as it was.
 * ENOTFOUND when missing, ETOOBIG over the cap, EIO otherwise; err names the path. */
enum folio_rc folio_buf_read_file(struct folio_buf *b, const char *path,
                                  struct folio_err *err) FOLIO_MUST_USE;

/* Bounded formatting into a fixed array; always NUL-terminates; returns false if truncated. */
bool folio_snprintf(char *dst, size_t cap, const char *fmt, ...) FOLIO_PRINTF(3, 4);
/* Bounded copy; always NUL-terminates; returns false if truncated. */
bool folio_strlcpy(char *dst, const char *src, size_t cap);

/* ---- arenas: many small allocations freed together (e.g. one request, one query result) ---- */
struct folio_arena_block;
struct folio_arena {
    struct folio_arena_block *head;
    size_t total;     /* bytes handed out so far (rounded up to the alignment); the cap applies */
    size_t max_total; /* cap: allocations beyond it fail (return NULL); 0 = 256 MiB */
};
void folio_arena_init(struct folio_arena *a, size_t max_total);
void folio_arena_release(struct folio_arena *a); /* frees everything; the arena is reusable */
/* Returns zeroed memory aligned for any type (max_align_t), or NULL (out of memory or over the
 * cap). Allocations over 8 KiB get their own block. A zeroed struct is a valid empty arena. */
void *folio_arena_alloc(struct folio_arena *a, size_t size);
void *folio_arena_calloc(struct folio_arena *a, size_t n, size_t size); /* overflow-checked */
/* Room for element n of an arena array v of *cap elements of size bytes: v itself while
 * n < *cap, else a zeroed copy of twice the capacity (first_cap, or 16, the first time) with
 * the n elements copied and *cap updated. NULL when out of memory (v and *cap unchanged). The
 * old array stays in the arena until it is released. Use: v = folio_arena_grow(a, v, n, &cap,
 * sizeof *v, 16); then v[n++] = ... */
void *folio_arena_grow(struct folio_arena *a, void *v, size_t n, size_t *cap, size_t size,
                       size_t first_cap);
char *folio_arena_strdup(struct folio_arena *a, const char *s);         /* s NULL -> NULL */
char *folio_arena_strndup(struct folio_arena *a, const char *s, size_t len);
char *folio_arena_sv(struct folio_arena *a, struct folio_sv s); /* NUL-terminated copy */
char *folio_arena_printf(struct folio_arena *a, const char *fmt, ...) FOLIO_PRINTF(2, 3);

/* ---- small helpers ---- */
static inline bool folio_str_empty(const char *s)
{
    return s == NULL || s[0] == '\0';
}

#include "folio/banned.h"

#endif
