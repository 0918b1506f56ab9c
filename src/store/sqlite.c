/* SQLite backend: the embedded default. One connection per store, used by one thread at a time
 * (opened NOMUTEX: the store handle contract already forbids concurrent use). */
#include "folio/base.h"

#include <pthread.h>
#include <sqlite3.h>

#include "store/store_impl.h"

#define TX_CACHED_LEVELS 8

struct sqlite_store {
    struct folio_store base; /* first */
    sqlite3 *db;
    /* BEGIN IMMEDIATE / COMMIT and SAVEPOINT spN / RELEASE SAVEPOINT spN, compiled once:
     * [0] begin, [1] commit; index level - 1. */
    sqlite3_stmt *tx_stmt[2][TX_CACHED_LEVELS];
};

struct sqlite_stmt {
    struct folio_stmt base; /* first */
    sqlite3_stmt *stmt;
    int n_params;
    bool done;    /* stepped to the end (or failed): further steps return no row until reset */
    int64_t changes;
};

static struct sqlite_store *to_store(struct folio_store *s)
{
    return folio_store_downcast_(s, FOLIO_STORE_SQLITE);
}

static struct sqlite_stmt *to_stmt(struct folio_stmt *st)
{
    return folio_stmt_downcast_(st, FOLIO_STORE_SQLITE);
}

/* Maps an (extended) SQLite result code to a Folio code and fills err with msg. */
static enum folio_rc map_error(int xrc, const char *msg, struct folio_err *err)
{
    enum folio_rc rc;

    switch (xrc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_FOREIGNKEY:
    case SQLITE_CONSTRAINT_ROWID:
        rc = FOLIO_ECONFLICT;
        break;
    case SQLITE_CONSTRAINT_NOTNULL:
    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_CONSTRAINT_DATATYPE:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
        rc = FOLIO_EINVAL;
        break;
    case SQLITE_NOMEM:
        rc = FOLIO_ENOMEM;
        break;
    default:
        switch (xrc & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            rc = FOLIO_EBUSY;
            break;
        default:
            rc = FOLIO_ESTORE;
            break;
        }
    }
    return folio_err_set(err, rc, NULL, "sqlite: %s", msg ? msg : sqlite3_errstr(xrc));
}

static enum folio_rc db_error(sqlite3 *db, struct folio_err *err)
{
    return map_error(sqlite3_extended_errcode(db), sqlite3_errmsg(db), err);
}

static enum folio_rc exec_sql(sqlite3 *db, const char *sql, struct folio_err *err)
{
    char *msg = NULL;
    enum folio_rc rc = FOLIO_OK;
    int src = sqlite3_exec(db, sql, NULL, NULL, &msg);

    if (src != SQLITE_OK) {
        int xrc = sqlite3_extended_errcode(db);
        rc = map_error(xrc != SQLITE_OK ? xrc : src, msg ? msg : sqlite3_errmsg(db), err);
    }
    sqlite3_free(msg);
    return rc;
}

/* Process-wide settings, before SQLite initialises (first open): no memory statistics (they
 * take a global mutex on every allocation, shared by all connections). */
static pthread_once_t config_once = PTHREAD_ONCE_INIT;

static void config_sqlite(void)
{
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); /* SQLITE_MISUSE if already started */
}

static enum folio_rc s_open(const char *target, struct folio_store **out, struct folio_err *err)
{
    enum folio_rc rc = FOLIO_OK;
    struct sqlite_store *ss;
    int src;

    *out = NULL;
    (void)pthread_once(&config_once, config_sqlite);
    ss = calloc(1, sizeof(*ss));
    if (ss == NULL)
        return folio_err_set(err, FOLIO_ENOMEM, "db", "out of memory");
    ss->base.ops = &folio_store_sqlite_ops;
    src = sqlite3_open_v2(target, &ss->db,
                          SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (src != SQLITE_OK) {
        if (ss->db == NULL)
            rc = folio_err_set(err, FOLIO_ENOMEM, "db", "out of memory");
        else
            rc = folio_err_set(err, FOLIO_ESTORE, "db", "cannot open SQLite database '%s': %s",
                               target, sqlite3_errmsg(ss->db));
        goto out;
    }
    sqlite3_extended_result_codes(ss->db, 1);
    /* busy_timeout first, so the WAL switch waits for another connection's lock. No mmap_size:
     * in WAL mode a connection drops its page cache, and unmaps the file, whenever another one
     * has committed; with a write (audit entry) per request that munmap costs more than the
     * reads it saves (measured with the API benchmark). */
    rc = exec_sql(ss->db,
                  "PRAGMA busy_timeout=5000; PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; "
                  "PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY;",
                  err);
    if (rc) {
        folio_err_prefix(err, "cannot set up SQLite database '%s'", target);
        goto out;
    }
    *out = &ss->base;
    ss = NULL;
out:
    if (ss != NULL) {
        sqlite3_close_v2(ss->db);
        free(ss);
    }
    return rc;
}

static void s_close(struct folio_store *s)
{
    struct sqlite_store *ss = to_store(s);
    size_t i, j;

    for (i = 0; i < 2; i++)
        for (j = 0; j < TX_CACHED_LEVELS; j++)
            sqlite3_finalize(ss->tx_stmt[i][j]);
    sqlite3_close_v2(ss->db);
    free(ss);
}

static enum folio_rc s_tx(struct folio_store *s, enum folio_store_tx_op op, int level,
                          struct folio_err *err)
{
    struct sqlite_store *ss = to_store(s);
    char sql[96];

    /* SQLite may have rolled the whole transaction back itself (e.g. on SQLITE_FULL); the
     * levels still end, one rollback call each. */
    if (op == FOLIO_TX_ROLLBACK && sqlite3_get_autocommit(ss->db))
        return FOLIO_OK;
    folio_store_tx_sql_(op, level, "BEGIN IMMEDIATE", sql, sizeof(sql));
    if (op != FOLIO_TX_ROLLBACK && level >= 1 && level <= TX_CACHED_LEVELS) {
        /* run on every request: keep them compiled */
        sqlite3_stmt **slot = &ss->tx_stmt[op == FOLIO_TX_BEGIN ? 0 : 1][level - 1];
        int src;

        if (*slot == NULL && sqlite3_prepare_v2(ss->db, sql, -1, slot, NULL) != SQLITE_OK) {
            sqlite3_finalize(*slot);
            *slot = NULL;
            return db_error(ss->db, err);
        }
        src = sqlite3_step(*slot);
        if (src == SQLITE_DONE || src == SQLITE_ROW) {
            (void)sqlite3_reset(*slot);
            return FOLIO_OK;
        }
        {
            enum folio_rc rc = db_error(ss->db, err);
            (void)sqlite3_reset(*slot);
            return rc;
        }
    }
    return exec_sql(ss->db, sql, err);
}

static enum folio_rc s_exec(struct folio_store *s, const char *sql, struct folio_err *err)
{
    return exec_sql(to_store(s)->db, sql, err);
}

/* True when only white space, ';' and comments remain. */
static bool only_trivia(const char *p)
{
    while (*p) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == ';') {
            p++;
        } else if (p[0] == '-' && p[1] == '-') {
            p += strcspn(p, "\n");
        } else if (p[0] == '/' && p[1] == '*') {
            const char *e = strstr(p + 2, "*/");
            if (e == NULL)
                return true; /* an unterminated comment at the end is still a comment */
            p = e + 2;
        } else {
            return false;
        }
    }
    return true;
}

static enum folio_rc s_prepare(struct folio_store *s, const char *sql, struct folio_stmt **out,
                               struct folio_err *err)
{
    struct sqlite_store *ss = to_store(s);
    struct sqlite_stmt *st;
    const char *tail = NULL;
    enum folio_rc rc = FOLIO_OK;

    *out = NULL;
    st = calloc(1, sizeof(*st));
    if (st == NULL)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    if (sqlite3_prepare_v2(ss->db, sql, -1, &st->stmt, &tail) != SQLITE_OK) {
        rc = db_error(ss->db, err);
        goto out;
    }
    if (st->stmt == NULL) {
        rc = folio_err_set(err, FOLIO_EINVAL, NULL, "no SQL statement to prepare");
        goto out;
    }
    if (tail != NULL && !only_trivia(tail)) {
        rc = folio_err_set(err, FOLIO_EINVAL, NULL,
                           "more than one SQL statement given to prepare (use exec)");
        goto out;
    }
    st->n_params = sqlite3_bind_parameter_count(st->stmt);
    st->base.store = s;
    *out = &st->base;
    st = NULL;
out:
    if (st != NULL) {
        sqlite3_finalize(st->stmt);
        free(st);
    }
    return rc;
}

static void s_stmt_free(struct folio_stmt *stmt)
{
    struct sqlite_stmt *st = to_stmt(stmt);
    sqlite3_finalize(st->stmt);
    free(st);
}

static bool s_stmt_recycle(struct folio_stmt *stmt)
{
    struct sqlite_stmt *st = to_stmt(stmt);

    /* sqlite3_reset repeats the last step's error, already reported; the statement is fine. */
    (void)sqlite3_reset(st->stmt);
    if (sqlite3_clear_bindings(st->stmt) != SQLITE_OK)
        return false;
    st->done = false;
    st->changes = 0;
    return true;
}

static enum folio_rc s_stmt_reset(struct folio_stmt *stmt, struct folio_err *err)
{
    struct sqlite_stmt *st = to_stmt(stmt);

    /* sqlite3_reset repeats the last step's error; that error was already reported. */
    (void)sqlite3_reset(st->stmt);
    (void)err;
    st->done = false;
    st->changes = 0;
    return FOLIO_OK; /* bindings are kept, as with sqlite3_reset */
}

static enum folio_rc bind_rc(struct sqlite_stmt *st, int idx, int src)
{
    (void)st;
    (void)idx;
    switch (src) {
    case SQLITE_OK:
        return FOLIO_OK;
    case SQLITE_NOMEM:
        return FOLIO_ENOMEM;
    case SQLITE_TOOBIG:
        return FOLIO_ETOOBIG;
    default:
        return FOLIO_EINVAL; /* SQLITE_RANGE, SQLITE_MISUSE (bound while running) */
    }
}

static enum folio_rc s_bind_null(struct folio_stmt *stmt, int idx)
{
    struct sqlite_stmt *st = to_stmt(stmt);
    return bind_rc(st, idx, sqlite3_bind_null(st->stmt, idx));
}

static enum folio_rc s_bind_i64(struct folio_stmt *stmt, int idx, int64_t v)
{
    struct sqlite_stmt *st = to_stmt(stmt);
    return bind_rc(st, idx, sqlite3_bind_int64(st->stmt, idx, (sqlite3_int64)v));
}

static enum folio_rc s_bind_double(struct folio_stmt *stmt, int idx, double v)
{
    struct sqlite_stmt *st = to_stmt(stmt);
    return bind_rc(st, idx, sqlite3_bind_double(st->stmt, idx, v));
}

static enum folio_rc s_bind_text(struct folio_stmt *stmt, int idx, const char *p, size_t len)
{
    struct sqlite_stmt *st = to_stmt(stmt);
    return bind_rc(st, idx,
                   sqlite3_bind_text64(st->stmt, idx, p, (sqlite3_uint64)len, SQLITE_TRANSIENT,
                                       SQLITE_UTF8));
}

static enum folio_rc s_bind_blob(struct folio_stmt *stmt, int idx, const void *p, size_t len)
{
    struct sqlite_stmt *st = to_stmt(stmt);
    if (len == 0) /* a NULL pointer would bind SQL NULL: bind an empty blob instead */
        return bind_rc(st, idx, sqlite3_bind_zeroblob(st->stmt, idx, 0));
    return bind_rc(st, idx, sqlite3_bind_blob64(st->stmt, idx, p, (sqlite3_uint64)len,
                                                SQLITE_TRANSIENT));
}

static enum folio_rc s_step(struct folio_stmt *stmt, bool *row, struct folio_err *err)
{
    struct sqlite_stmt *st = to_stmt(stmt);
    sqlite3 *db = sqlite3_db_handle(st->stmt);
    int src;
    enum folio_rc rc;

    *row = false;
    if (st->done)
        return FOLIO_OK;
    src = sqlite3_step(st->stmt);
    if (src == SQLITE_ROW) {
        *row = true;
        return FOLIO_OK;
    }
    st->done = true;
    if (src == SQLITE_DONE) {
        st->changes = sqlite3_stmt_readonly(st->stmt) ? 0 : sqlite3_changes64(db);
        return FOLIO_OK;
    }
    rc = map_error(sqlite3_extended_errcode(db), sqlite3_errmsg(db), err);
    (void)sqlite3_reset(st->stmt);
    return rc;
}

static int s_column_count(struct folio_stmt *stmt)
{
    return sqlite3_column_count(to_stmt(stmt)->stmt);
}

static bool s_column_is_null(struct folio_stmt *stmt, int idx)
{
    return sqlite3_column_type(to_stmt(stmt)->stmt, idx) == SQLITE_NULL;
}

static const char *s_column_text(struct folio_stmt *stmt, int idx)
{
    return (const char *)sqlite3_column_text(to_stmt(stmt)->stmt, idx);
}

static int64_t s_column_i64(struct folio_stmt *stmt, int idx)
{
    return (int64_t)sqlite3_column_int64(to_stmt(stmt)->stmt, idx);
}

static double s_column_double(struct folio_stmt *stmt, int idx)
{
    return sqlite3_column_double(to_stmt(stmt)->stmt, idx);
}

static const void *s_column_blob(struct folio_stmt *stmt, int idx, size_t *len)
{
    struct sqlite_stmt *st = to_stmt(stmt);
    const void *p;
    int n;

    *len = 0;
    if (sqlite3_column_type(st->stmt, idx) == SQLITE_NULL)
        return NULL;
    p = sqlite3_column_blob(st->stmt, idx);
    n = sqlite3_column_bytes(st->stmt, idx);
    if (p == NULL || n <= 0)
        return ""; /* an empty value, not SQL NULL: non-NULL like the PostgreSQL backend */
    *len = (size_t)n;
    return p;
}

static int64_t s_changes(struct folio_stmt *stmt)
{
    return to_stmt(stmt)->changes;
}

const struct folio_store_ops folio_store_sqlite_ops = {
    .version = FOLIO_STORE_OPS_VERSION,
    .kind = FOLIO_STORE_SQLITE,
    .name = "sqlite",
    .open = s_open,
    .close = s_close,
    .tx = s_tx,
    .exec = s_exec,
    .prepare = s_prepare,
    .stmt_free = s_stmt_free,
    .stmt_recycle = s_stmt_recycle,
    .stmt_reset = s_stmt_reset,
    .bind_null = s_bind_null,
    .bind_i64 = s_bind_i64,
    .bind_double = s_bind_double,
    .bind_text = s_bind_text,
    .bind_blob = s_bind_blob,
    .step = s_step,
    .column_count = s_column_count,
    .column_is_null = s_column_is_null,
    .column_text = s_column_text,
    .column_i64 = s_column_i64,
    .column_double = s_column_double,
    .column_blob = s_column_blob,
    .changes = s_changes,
    .table_exists_sql = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
    .migration_lock = NULL,
};
