/* Storage: one interface, two backends (SQLite embedded default, PostgreSQL).
 *
 * The store knows SQL and transactions, not the chart: domain modules write their own SQL against
 * it. The SQL they write must run unchanged on both backends:
 * - parameters are written `?` (the PostgreSQL backend rewrites them to $1..$n outside quotes);
 * - only portable SQL: INSERT ... RETURNING id, INSERT ... ON CONFLICT (...) DO NOTHING/UPDATE,
 *   LOWER(), COALESCE, LIKE with explicit ESCAPE '\', LIMIT/OFFSET, CAST(x AS BIGINT);
 * - text values are UTF-8; times are canonical UTC text (folio/time.h); booleans are 0/1 integers;
 *   money and measurements that need exact digits are text.
 * Bound parameters only: never build SQL from input. On PostgreSQL integers are sent as int8,
 * doubles as float8, blobs as bytea, text untyped: bind each parameter with the column's type.
 *
 * Migrations live in src/store/migrations/NNNN_name.sql, embedded in the binary at build time,
 * applied in order inside one transaction each, recorded in table schema_migrations. A migration
 * file may use these tokens, replaced per backend before running:
 *   @PK@     INTEGER PRIMARY KEY AUTOINCREMENT  |  BIGSERIAL PRIMARY KEY
 *   @INT@    INTEGER                            |  BIGINT
 *   @BLOB@   BLOB                               |  BYTEA
 *   @REAL@   REAL                               |  DOUBLE PRECISION
 * A file named NNNN_name.sqlite.sql or NNNN_name.pg.sql applies to that backend only.
 *
 * Threading: a store handle is used by one thread at a time.
 */
#ifndef FOLIO_STORE_H
#define FOLIO_STORE_H

#include "folio/base.h"

enum folio_store_kind { FOLIO_STORE_SQLITE = 1, FOLIO_STORE_PG = 2 };

struct folio_store;
struct folio_stmt;

/* Open by URL:
 *   "sqlite:PATH" or a plain path (created if missing; parent directory must exist),
 *   "sqlite::memory:" for tests,
 *   "postgresql://..." or "postgres://..." (libpq connection URI).
 * SQLite is opened with WAL, foreign_keys=ON, busy_timeout=5000, synchronous=NORMAL,
 * temp_store=MEMORY, SQLITE_OPEN_NOMUTEX (see Threading).
 * Does not migrate; see folio_store_migrate. */
enum folio_rc folio_store_open(const char *url, struct folio_store **out,
                               struct folio_err *err) FOLIO_MUST_USE;
void folio_store_close(struct folio_store *s); /* NULL ok; rolls back an open transaction */
enum folio_store_kind folio_store_kind(const struct folio_store *s);
/* The URL with any password removed, safe to print. Borrowed, lives as long as the store. */
const char *folio_store_url_safe(const struct folio_store *s);

/* Transactions nest: the outermost begin is BEGIN (SQLite: BEGIN IMMEDIATE), inner ones are
 * SAVEPOINTs; commit/rollback pair with the innermost begin. Rollback never fails silently:
 * after an error inside a transaction, roll back that level. */
enum folio_rc folio_store_begin(struct folio_store *s, struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc folio_store_commit(struct folio_store *s, struct folio_err *err) FOLIO_MUST_USE;
/* A failed commit leaves its level open: roll it back. After any error inside a transaction, roll
 * back that level (PostgreSQL aborts the whole transaction on an error; SQLite only the statement).
 * Rolls back the innermost level; safe to call on error paths, and a no-op with none open. */
void folio_store_rollback(struct folio_store *s);
/* Ends the transaction begun with folio_store_begin: commits when rc is FOLIO_OK (returning the
 * commit's error, after rolling back, when it fails), else rolls back and returns rc. */
enum folio_rc folio_store_end(struct folio_store *s, enum folio_rc rc,
                              struct folio_err *err) FOLIO_MUST_USE;
int folio_store_tx_depth(const struct folio_store *s);

/* Run SQL with no parameters and no result rows (DDL, several statements allowed). */
enum folio_rc folio_store_exec(struct folio_store *s, const char *sql,
                               struct folio_err *err) FOLIO_MUST_USE;

/* Prepared statements. Parameter indexes are 1-based. Binding copies the value.
 *
 * Statement cache: each connection keeps the statements its users free (up to 128 by default,
 * least recently used finalised first), keyed by the exact SQL text. prepare hands back such
 * an idle statement when one has the same text: reset, with every parameter cleared (SQL NULL),
 * exactly as a newly prepared one would behave. A statement is never handed out twice: preparing
 * SQL whose statement is in use (nested loops) prepares another one. So callers simply
 * prepare/free around each use; the SQL is compiled once per connection (PostgreSQL: a named
 * server-side prepared statement per connection and parameter types). Closing the store
 * finalises the cache; statements still handed out must be freed before, as always. */
enum folio_rc folio_store_prepare(struct folio_store *s, const char *sql, struct folio_stmt **out,
                                  struct folio_err *err) FOLIO_MUST_USE;
/* NULL ok. Gives the statement back to its connection's cache (or finalises it). */
void folio_stmt_free(struct folio_stmt *st);

struct folio_stmt_cache_stats {
    size_t idle;     /* statements in the cache now */
    size_t max_idle; /* its bound */
    uint64_t hits;   /* prepares served from the cache */
    uint64_t misses; /* prepares that compiled */
};
void folio_store_stmt_cache_stats(const struct folio_store *s, struct folio_stmt_cache_stats *out);
/* Bounds the cache (0 disables it, finalising the idle statements). */
void folio_store_stmt_cache_limit(struct folio_store *s, size_t max_idle);
/* Ready to execute again; bound values are kept. */
enum folio_rc folio_stmt_reset(struct folio_stmt *st, struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc folio_stmt_bind_null(struct folio_stmt *st, int idx) FOLIO_MUST_USE;
enum folio_rc folio_stmt_bind_i64(struct folio_stmt *st, int idx, int64_t v) FOLIO_MUST_USE;
enum folio_rc folio_stmt_bind_double(struct folio_stmt *st, int idx, double v) FOLIO_MUST_USE;
/* s NULL binds NULL; len (size_t)-1 means strlen(s). */
enum folio_rc folio_stmt_bind_text(struct folio_stmt *st, int idx, const char *s,
                                   size_t len) FOLIO_MUST_USE;
enum folio_rc folio_stmt_bind_blob(struct folio_stmt *st, int idx, const void *p,
                                   size_t len) FOLIO_MUST_USE;
/* Executes (first call) / advances. *row is true while a row is available.
 * A unique or foreign-key violation is FOLIO_ECONFLICT; lock timeouts FOLIO_EBUSY;
 * other database errors FOLIO_ESTORE with the database's message. */
enum folio_rc folio_stmt_step(struct folio_stmt *st, bool *row, struct folio_err *err) FOLIO_MUST_USE;
/* Column accessors for the current row; idx is 0-based. Text is borrowed until the next step,
 * reset or free; NULL for SQL NULL. */
int folio_stmt_column_count(struct folio_stmt *st);
bool folio_stmt_column_is_null(struct folio_stmt *st, int idx);
const char *folio_stmt_column_text(struct folio_stmt *st, int idx);
/* The column's text copied into a; NULL for SQL NULL, and NULL with *oom set when out of memory. */
char *folio_stmt_column_dup(struct folio_arena *a, struct folio_stmt *st, int idx, bool *oom);
/* The column's text into dst (cap bytes, truncated, NUL-terminated); "" for SQL NULL. */
void folio_stmt_column_copy(struct folio_stmt *st, int idx, char *dst, size_t cap);
int64_t folio_stmt_column_i64(struct folio_stmt *st, int idx);
double folio_stmt_column_double(struct folio_stmt *st, int idx);
/* Borrowed like text; *len gets the size. */
const void *folio_stmt_column_blob(struct folio_stmt *st, int idx, size_t *len);
/* Rows changed by the last INSERT/UPDATE executed by this statement. */
int64_t folio_stmt_changes(struct folio_stmt *st);

/* Convenience: prepare, bind int64 params, step once, read column 0 as int64.
 * *found is false when no row came back (then *out is untouched). */
enum folio_rc folio_store_query_i64(struct folio_store *s, const char *sql, const int64_t *params,
                                    size_t n_params, int64_t *out, bool *found,
                                    struct folio_err *err) FOLIO_MUST_USE;

/* Convenience: prepare sql and bind its parameters from fmt, one character per parameter, each
 * taking the varargs shown (pass exactly these types: int64_t, not int, for 'i'):
 *   't' const char *          NULL or "" binds NULL (optional text fields)
 *   'T' const char *          NULL binds NULL, "" binds the empty text
 *   'i' int64_t
 *   'I' int64_t               0 binds NULL (optional foreign keys)
 *   'n' int64_t               ignored; binds NULL
 *   'd' double
 *   'D' int, double           the int false binds NULL, true the double
 *   'b' const void *, size_t  blob (p, len); p NULL (with len 0) binds the empty blob
 * Any other character is a programmer error (FOLIO_BUG). On success *out is the statement (free
 * with folio_stmt_free). On failure *out is NULL: a prepare error is reported as by
 * folio_store_prepare, a bind error with its code and "binding parameters failed". */
enum folio_rc folio_store_prepare_fmt(struct folio_store *s, struct folio_stmt **out,
                                      struct folio_err *err, const char *sql, const char *fmt,
                                      ...) FOLIO_MUST_USE;
/* Prepare and bind as folio_store_prepare_fmt, then run the statement to completion (every row
 * read). Each output may be NULL. When the statement succeeds, *found tells whether a row came
 * back, *id_out gets column 0 of the first row as int64 (SQL NULL -> 0; untouched when no row:
 * e.g. INSERT ... RETURNING id) and *changes the rows changed (folio_stmt_changes; 0 for a
 * query). Errors as folio_store_prepare_fmt and folio_stmt_step. */
enum folio_rc folio_store_exec_fmt(struct folio_store *s, int64_t *id_out, bool *found,
                                   int64_t *changes, struct folio_err *err, const char *sql,
                                   const char *fmt, ...) FOLIO_MUST_USE;

/* ---- migrations ---- */
struct folio_migration_status {
    int latest_known;   /* highest migration number built into this program */
    int current;        /* highest applied in the database (0 = none) */
    size_t n_pending;   /* how many known migrations are not yet applied */
};
/* Apply every pending migration, each in its own transaction. A database whose schema is newer
 * than this program is refused with FOLIO_ESCHEMA. *applied (may be NULL) gets the count. */
enum folio_rc folio_store_migrate(struct folio_store *s, size_t *applied,
                                  struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc folio_store_migration_status(struct folio_store *s, struct folio_migration_status *st,
                                           struct folio_err *err) FOLIO_MUST_USE;
/* Visit each known migration with whether and when it was applied (applied_at NULL if not). */
typedef void (*folio_migration_visit_fn)(void *ctx, int number, const char *name,
                                         const char *applied_at);
enum folio_rc folio_store_migration_list(struct folio_store *s, folio_migration_visit_fn fn,
                                         void *ctx, struct folio_err *err) FOLIO_MUST_USE;

#endif
