/* Internal: the storage backend interface. [SQLite VFS, git refs/refs-internal.h]
 *
 * Each backend (sqlite.c, pg.c) provides one const struct folio_store_ops and embeds
 * struct folio_store FIRST in its connection struct and struct folio_stmt FIRST in its statement
 * struct; it downcasts with folio_store_downcast_()/folio_stmt_downcast_(), which check the kind.
 * store.c does the dispatch, URL handling and transaction nesting; migrate.c the migrations.
 * Nothing outside src/store (and the store's own tests) includes this header. */
#ifndef FOLIO_STORE_IMPL_H
#define FOLIO_STORE_IMPL_H

#include "folio/base.h"
#include "folio/store.h"
#include "store/migrations.h"

/* Bumped whenever a member is added, removed or changes meaning. */
#define FOLIO_STORE_OPS_VERSION 2

enum folio_store_tx_op { FOLIO_TX_BEGIN, FOLIO_TX_COMMIT, FOLIO_TX_ROLLBACK };

struct folio_store_ops {
    int version; /* FOLIO_STORE_OPS_VERSION */
    enum folio_store_kind kind;
    const char *name; /* "sqlite", "postgresql" */

    /* target: the backend's own connection string (a path for SQLite, the libpq URI for
     * PostgreSQL). The backend allocates its struct; store.c fills the base members after. */
    enum folio_rc (*open)(const char *target, struct folio_store **out, struct folio_err *err);
    void (*close)(struct folio_store *s); /* frees the struct; transactions already ended */

    /* Transaction control for nesting level `level` (1 = outermost). store.c keeps the depth.
     * BEGIN at level 1 is BEGIN (SQLite: BEGIN IMMEDIATE), deeper SAVEPOINT sp<level>.
     * rollback must end the level even when the database already ended it. */
    enum folio_rc (*tx)(struct folio_store *s, enum folio_store_tx_op op, int level,
                        struct folio_err *err);

    enum folio_rc (*exec)(struct folio_store *s, const char *sql, struct folio_err *err);
    enum folio_rc (*prepare)(struct folio_store *s, const char *sql, struct folio_stmt **out,
                             struct folio_err *err);

    void (*stmt_free)(struct folio_stmt *st);
    /* Makes a statement its user has freed ready to be handed out again for the same SQL by
     * the statement cache (store.c): reset, every binding cleared (SQL NULL), result memory
     * released. false when it cannot be reused: store.c then frees it with stmt_free. */
    bool (*stmt_recycle)(struct folio_stmt *st);
    enum folio_rc (*stmt_reset)(struct folio_stmt *st, struct folio_err *err);
    enum folio_rc (*bind_null)(struct folio_stmt *st, int idx);
    enum folio_rc (*bind_i64)(struct folio_stmt *st, int idx, int64_t v);
    enum folio_rc (*bind_double)(struct folio_stmt *st, int idx, double v);
    enum folio_rc (*bind_text)(struct folio_stmt *st, int idx, const char *p, size_t len);
    enum folio_rc (*bind_blob)(struct folio_stmt *st, int idx, const void *p, size_t len);
    enum folio_rc (*step)(struct folio_stmt *st, bool *row, struct folio_err *err);
    int (*column_count)(struct folio_stmt *st);
    bool (*column_is_null)(struct folio_stmt *st, int idx);
    const char *(*column_text)(struct folio_stmt *st, int idx);
    int64_t (*column_i64)(struct folio_stmt *st, int idx);
    double (*column_double)(struct folio_stmt *st, int idx);
    const void *(*column_blob)(struct folio_stmt *st, int idx, size_t *len);
    int64_t (*changes)(struct folio_stmt *st);

    /* A query with one `?` (a table name) returning one row whose column 0 is > 0 when a table
     * of that name exists in the current schema. */
    const char *table_exists_sql;
    /* Called first inside each migration transaction: serializes concurrent migrators
     * (PostgreSQL: pg_advisory_xact_lock). NULL when BEGIN already does (SQLite IMMEDIATE). */
    enum folio_rc (*migration_lock)(struct folio_store *s, struct folio_err *err);
};

/* Default bound of a connection's statement cache (idle statements kept). */
#define FOLIO_STMT_CACHE_DEFAULT 128

/* Base of every backend connection; embedded first. */
struct folio_store {
    const struct folio_store_ops *ops;
    int depth;      /* open transaction levels */
    char *url_safe; /* owned */
    /* Statement cache (store.c): idle statements of this connection, most recently freed
     * first. A statement is either handed out (not in this list) or idle (in it), never both. */
    struct folio_stmt *idle_head, *idle_tail;
    size_t n_idle;
    size_t cache_max; /* 0 = no caching */
    uint64_t cache_hits, cache_misses;
};

/* Base of every backend statement; embedded first. Backends allocate it zeroed. */
struct folio_stmt {
    struct folio_store *store; /* borrowed: statements must be freed before their store */
    char *sql;                 /* owned copy of the SQL as given to prepare (the cache key) */
    uint64_t hash;             /* of sql */
    struct folio_stmt *prev, *next; /* in the store's idle list while idle */
};

static inline void *folio_store_downcast_(struct folio_store *s, enum folio_store_kind kind)
{
    if (s == NULL || s->ops == NULL || s->ops->kind != kind)
        FOLIO_BUG("store downcast to kind %d on a store of another kind", (int)kind);
    return s;
}
static inline void *folio_stmt_downcast_(struct folio_stmt *st, enum folio_store_kind kind)
{
    if (st == NULL || st->store == NULL || st->store->ops == NULL || st->store->ops->kind != kind)
        FOLIO_BUG("statement downcast to kind %d on a statement of another kind", (int)kind);
    return st;
}

extern const struct folio_store_ops folio_store_sqlite_ops;
extern const struct folio_store_ops folio_store_pg_ops;

/* Default SQL for tx(): writes the statement for op at level into buf. */
void folio_store_tx_sql_(enum folio_store_tx_op op, int level, const char *outer_begin, char *buf,
                         size_t cap);

/* A libpq URI without its password: drops the ":secret" of "user:secret@" in the authority and
 * any "password=..." parameter of the query string. Returns a heap string (caller frees) or
 * NULL when out of memory. */
char *folio_store_url_redact_(const char *url);

/* ---- migrations with an explicit list (tests run custom lists; the public functions pass the
 * embedded folio_migrations). list holds n entries, sorted by name; a {NULL, NULL} entry ends it
 * early. Names are NNNN_name.sql, NNNN_name.sqlite.sql or NNNN_name.pg.sql. ---- */
enum folio_rc folio_store_migrate_list(struct folio_store *s, const struct folio_migration *list,
                                       size_t n, size_t *applied,
                                       struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc folio_store_migration_status_list(struct folio_store *s,
                                                const struct folio_migration *list, size_t n,
                                                struct folio_migration_status *st,
                                                struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc folio_store_migration_list_list(struct folio_store *s,
                                              const struct folio_migration *list, size_t n,
                                              folio_migration_visit_fn fn, void *ctx,
                                              struct folio_err *err) FOLIO_MUST_USE;
/* Replace the @PK@/@INT@/@BLOB@/@REAL@ tokens for kind; the result goes to out (max-capped). */
enum folio_rc folio_store_migration_render(enum folio_store_kind kind, const char *sql,
                                           struct folio_buf *out,
                                           struct folio_err *err) FOLIO_MUST_USE;

#endif
