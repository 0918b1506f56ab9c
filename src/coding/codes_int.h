/* Internal to src/coding: the load context shared by the per-format loaders (load_*.c) and the
 * code-row engine (load.c). Not a public contract. */
#ifndef FOLIO_CODES_INT_H
#define FOLIO_CODES_INT_H

#include "folio/base.h"
#include "folio/codes.h"
#include "folio/store.h"

/* One code row in force on the version's start date (or written by this load). */
struct cl_row {
    char code[16];
    int64_t id;
    char *title, *short_title; /* arena; NULL when none */
    enum folio_code_kind kind;
    bool billable;
    char parent[16];
    char from[11], to[11];
    bool seen; /* given by this load's file */
};

struct cl_map {
    struct cl_row *rows; /* open addressing, cap a power of two */
    size_t cap, n;
};

/* What a file says about one code. title/short_title/parent NULL = the file does not say. */
struct cl_code {
    const char *code;
    const char *title, *short_title, *parent;
    enum folio_code_kind kind; /* 0 = derive (order file: length and billable flag) */
    int billable;              /* -1 = the file does not say */
    const char *to;            /* NULL = the version's end (HCPCS term date otherwise) */
    bool title_wins;           /* the official title source (order file): replaces another's */
};

struct cl_ctx {
    struct folio_store *s;
    const struct folio_codes_load_opts *opts;
    struct folio_codes_load_result *res;
    struct folio_codeset_version *v; /* = &res->version */
    const char *name;                /* file name for messages */
    struct folio_arena arena;
    struct cl_map map;
    bool map_loaded;
    struct folio_stmt *ins_code, *upd_code, *ins_note;
    int64_t n_notes;
    /* content the loader found (for default periods) */
    int file_year;     /* from XML <version> or the file */
    char file_from[11]; /* e.g. HCPCS: the latest ACT EFF DT's quarter start */
    int64_t same_as;    /* POA-exempt: an earlier version of the same period with the same
                           entries (the load is then "already loaded"); 0 = none */
};

/* Called by the loaders once the period is known and before the first cl_code_put: fills the
 * version row (dates, update_of) and inserts it. */
enum folio_rc cl_begin_version(struct cl_ctx *x, struct folio_err *err) FOLIO_MUST_USE;
/* Inserts or merges one code; *id (may be NULL) gets the row id in force. */
enum folio_rc cl_code_put(struct cl_ctx *x, const struct cl_code *c, int64_t *id,
                          struct folio_err *err) FOLIO_MUST_USE;
/* Looks up a row in force (loaded or written by this load); NULL if none. */
struct cl_row *cl_find(struct cl_ctx *x, const char *code);
/* Notes of a code row, in order. */
enum folio_rc cl_note_put(struct cl_ctx *x, int64_t code_id, const char *type, int64_t seq,
                          const char *ext, const char *text, struct folio_err *err) FOLIO_MUST_USE;

/* Per-format loaders: (data, len) is the whole file; they call cl_begin_version then put rows. */
enum folio_rc cl_load_order(struct cl_ctx *x, const char *data, size_t len, enum folio_code_system cs,
                            struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc cl_load_valid(struct cl_ctx *x, const char *data, size_t len,
                            struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc cl_load_tabular(struct cl_ctx *x, const char *data, size_t len,
                              struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc cl_load_index(struct cl_ctx *x, const char *data, size_t len,
                            struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc cl_load_pcs_tables(struct cl_ctx *x, const char *data, size_t len,
                                 struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc cl_load_pcs_defs(struct cl_ctx *x, const char *data, size_t len,
                               struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc cl_load_hcpcs(struct cl_ctx *x, const char *data, size_t len,
                            struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc cl_load_cpt(struct cl_ctx *x, const char *data, size_t len,
                          struct folio_err *err) FOLIO_MUST_USE;
/* POA-exempt list (load_poa.c). */
enum folio_rc cl_load_poa(struct cl_ctx *x, const char *data, size_t len,
                          struct folio_err *err) FOLIO_MUST_USE;
/* MCE: path is a directory; reads its table files itself. */
enum folio_rc cl_load_mce(struct cl_ctx *x, const char *dir, struct folio_err *err) FOLIO_MUST_USE;

/* Helpers */
bool cl_is_date(const char *s);                 /* YYYY-MM-DD, real date */
bool cl_yyyymmdd(struct folio_sv s, char out[11]); /* "20201001" -> "2020-10-01" */
void cl_day_before(const char *date, char out[11]);
/* Splits (data, len) into lines (LF or CR LF); *line is 1-based. Returns false at the end. */
bool cl_next_line(const char **p, const char *end, struct folio_sv *line);

#endif
