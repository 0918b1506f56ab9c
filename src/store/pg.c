/* PostgreSQL backend (libpq). Statements are kept client-side: `?` is rewritten to $1..$n at
 * prepare time and the statement runs with PQexecParams on its first step, which fetches the
 * whole result; later steps walk its rows. Parameters travel as text except blobs (binary
 * bytea); results come back as text. */
#include "folio/base.h"

#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>

#include "store/store_impl.h"

#define PG_MAX_PARAMS 65535 /* the wire protocol's limit */
#define OID_INT8 20
#define OID_FLOAT8 701
#define OID_BYTEA 17
/* pg_advisory_xact_lock key serializing migrators: "folio" in ASCII. */
#define PG_MIGRATION_LOCK_KEY "435711109999"

struct pg_store {
    struct folio_store base; /* first */
    PGconn *conn;
};

struct pg_stmt {
    struct folio_stmt base; /* first */
    char *sql;              /* rewritten to $n parameters */
    int n_params;
    char **values;          /* owned copies; NULL = SQL NULL */
    int *lengths;
    int *formats;
    Oid *types;
    PGresult *res;
    bool executed;
    bool done;
    int row;   /* current row, -1 before the first */
    int nrows;
    int64_t changes;
    unsigned char **blobs; /* per column of the current row: unescaped bytea, or NULL */
    size_t *blob_lens;
    int n_blobs;
};

static struct pg_store *to_store(struct folio_store *s)
{
    return folio_store_downcast_(s, FOLIO_STORE_PG);
}

static struct pg_stmt *to_stmt(struct folio_stmt *st)
{
    return folio_stmt_downcast_(st, FOLIO_STORE_PG);
}

static void discard_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* Length of the first line of s. */
static int first_line(const char *s)
{
    size_t n = strcspn(s, "\r\n");
    return n > 400 ? 400 : (int)n;
}

static enum folio_rc map_sqlstate(const char *state)
{
    if (state == NULL)
        return FOLIO_ESTORE;
    if (strcmp(state, "23505") == 0 || strcmp(state, "23503") == 0)
        return FOLIO_ECONFLICT;
    if (strcmp(state, "23502") == 0 || strcmp(state, "23514") == 0 || strncmp(state, "22", 2) == 0)
        return FOLIO_EINVAL;
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0)
        return FOLIO_EBUSY;
    if (strcmp(state, "53200") == 0)
        return FOLIO_ENOMEM;
    return FOLIO_ESTORE;
}

/* Fills err from a failed result (res may be NULL: then from the connection). */
static enum folio_rc result_error(PGconn *conn, const PGresult *res, struct folio_err *err)
{
    const char *state = NULL, *msg = NULL;

    if (res != NULL) {
        state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
        if (folio_str_empty(msg))
            msg = PQresultErrorMessage(res);
    }
    if (folio_str_empty(msg))
        msg = PQerrorMessage(conn);
    if (folio_str_empty(msg))
        msg = "unknown error";
    return folio_err_set(err, map_sqlstate(state), NULL, "postgresql: %.*s%s%s%s", first_line(msg),
                         msg, state ? " (SQLSTATE " : "", state ? state : "", state ? ")" : "");
}

/* Runs sql (several statements allowed) and checks the result. */
static enum folio_rc exec_sql(PGconn *conn, const char *sql, PGresult **keep,
                              struct folio_err *err)
{
    PGresult *res = PQexec(conn, sql);
    enum folio_rc rc = FOLIO_OK;

    switch (res ? PQresultStatus(res) : PGRES_FATAL_ERROR) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_EMPTY_QUERY:
        break;
    default:
        rc = result_error(conn, res, err);
        break;
    }
    if (rc == FOLIO_OK && keep != NULL) {
        *keep = res;
        res = NULL;
    }
    PQclear(res);
    return rc;
}

static enum folio_rc p_open(const char *target, struct folio_store **out, struct folio_err *err)
{
    enum folio_rc rc = FOLIO_OK;
    struct pg_store *ps;

    *out = NULL;
    ps = calloc(1, sizeof(*ps));
    if (ps == NULL)
        return folio_err_set(err, FOLIO_ENOMEM, "db", "out of memory");
    ps->base.ops = &folio_store_pg_ops;
    ps->conn = PQconnectdb(target);
    if (ps->conn == NULL) {
        rc = folio_err_set(err, FOLIO_ENOMEM, "db", "out of memory");
        goto out;
    }
    if (PQstatus(ps->conn) != CONNECTION_OK) {
        const char *m = PQerrorMessage(ps->conn);
        /* libpq's message names host and port, never the password. */
        rc = folio_err_set(err, FOLIO_ESTORE, "db", "cannot connect to PostgreSQL: %.*s",
                           first_line(m), m);
        goto out;
    }
    PQsetNoticeProcessor(ps->conn, discard_notice, NULL);
    rc = exec_sql(ps->conn,
                  "SET client_min_messages = warning; SET TimeZone = 'UTC'; "
                  "SET standard_conforming_strings = on; SET client_encoding = 'UTF8'",
                  NULL, err);
    if (rc) {
        folio_err_prefix(err, "cannot set up the PostgreSQL session");
        goto out;
    }
    *out = &ps->base;
    ps = NULL;
out:
    if (ps != NULL) {
        PQfinish(ps->conn);
        free(ps);
    }
    return rc;
}

static void p_close(struct folio_store *s)
{
    struct pg_store *ps = to_store(s);
    PQfinish(ps->conn);
    free(ps);
}

static enum folio_rc p_tx(struct folio_store *s, enum folio_store_tx_op op, int level,
                          struct folio_err *err)
{
    struct pg_store *ps = to_store(s);
    PGresult *res = NULL;
    enum folio_rc rc;
    char sql[96];

    if (op == FOLIO_TX_ROLLBACK && PQtransactionStatus(ps->conn) == PQTRANS_IDLE)
        return FOLIO_OK; /* already ended (e.g. a failed COMMIT) */
    folio_store_tx_sql_(op, level, "BEGIN", sql, sizeof(sql));
    rc = exec_sql(ps->conn, sql, &res, err);
    /* COMMIT of a transaction that had an error succeeds as "ROLLBACK": report it. */
    if (rc == FOLIO_OK && op == FOLIO_TX_COMMIT && level <= 1 &&
        strcmp(PQcmdStatus(res), "ROLLBACK") == 0)
        rc = folio_err_set(err, FOLIO_ESTORE, NULL,
                           "postgresql: the transaction was rolled back after an earlier error");
    PQclear(res);
    return rc;
}

static enum folio_rc p_exec(struct folio_store *s, const char *sql, struct folio_err *err)
{
    return exec_sql(to_store(s)->conn, sql, NULL, err);
}

static bool is_ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '$' || (unsigned char)c >= 0x80;
}

/* Skips a line comment or a (nested) block comment starting at p; returns the position after. */
static const char *skip_comment(const char *p)
{
    if (p[0] == '-') {
        p += strcspn(p, "\n");
        return p;
    }
    {
        int depth = 0;
        while (*p) {
            if (p[0] == '/' && p[1] == '*') {
                depth++;
                p += 2;
            } else if (p[0] == '*' && p[1] == '/') {
                p += 2;
                if (--depth == 0)
                    break;
            } else {
                p++;
            }
        }
    }
    return p;
}

static bool only_trivia(const char *p)
{
    while (*p) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == ';')
            p++;
        else if ((p[0] == '-' && p[1] == '-') || (p[0] == '/' && p[1] == '*'))
            p = skip_comment(p);
        else
            return false;
    }
    return true;
}

/* Rewrites `?` outside strings, quoted identifiers, dollar quotes and comments to $1..$n. */
static enum folio_rc rewrite_params(const char *sql, struct folio_buf *out, int *n_params,
                                    struct folio_err *err)
{
    const char *p = sql, *start;
    int n = 0;
    enum folio_rc rc = FOLIO_OK;

    while (*p) {
        char c = *p;
        start = p;
        if (c == '\'') {
            /* E'...' strings take backslash escapes; standard strings only ''. */
            bool esc = p > sql && (p[-1] == 'e' || p[-1] == 'E') &&
                       (p - 1 == sql || !is_ident_char(p[-2]));
            p++;
            while (*p) {
                if (esc && *p == '\\' && p[1]) {
                    p += 2;
                } else if (*p == '\'') {
                    if (p[1] == '\'') {
                        p += 2;
                    } else {
                        p++;
                        break;
                    }
                } else {
                    p++;
                }
            }
        } else if (c == '"') {
            p++;
            while (*p) {
                if (*p == '"') {
                    if (p[1] == '"') {
                        p += 2;
                    } else {
                        p++;
                        break;
                    }
                } else {
                    p++;
                }
            }
        } else if ((c == '-' && p[1] == '-') || (c == '/' && p[1] == '*')) {
            p = skip_comment(p);
        } else if (c == '$' && (p == sql || !is_ident_char(p[-1]))) {
            /* $tag$ ... $tag$ (a $n parameter is not a tag: tags do not start with a digit) */
            const char *t = p + 1;
            while (*t && is_ident_char(*t) && *t != '$' && !(t == p + 1 && *t >= '0' && *t <= '9'))
                t++;
            if (*t == '$') {
                size_t taglen = (size_t)(t - p) + 1;
                const char *body = t + 1, *e = body;
                p = NULL;
                while ((e = strchr(e, '$')) != NULL) {
                    if (strncmp(e, start, taglen) == 0) {
                        p = e + taglen;
                        break;
                    }
                    e++;
                }
                if (p == NULL)
                    p = start + strlen(start);
            } else {
                p++;
            }
        } else if (c == '?') {
            if (n >= PG_MAX_PARAMS) {
                rc = folio_err_set(err, FOLIO_EINVAL, NULL, "more than %d parameters",
                                   PG_MAX_PARAMS);
                goto out;
            }
            n++;
            rc = folio_buf_appendf(out, "$%d", n);
            if (rc)
                goto oom;
            p++;
            continue;
        } else if (c == ';') {
            if (!only_trivia(p)) {
                rc = folio_err_set(err, FOLIO_EINVAL, NULL,
                                   "more than one SQL statement given to prepare (use exec)");
                goto out;
            }
            break; /* drop the trailing ';' and trivia */
        } else {
            p++;
        }
        rc = folio_buf_append(out, start, (size_t)(p - start));
        if (rc)
            goto oom;
    }
    *n_params = n;
    return FOLIO_OK;
oom:
    rc = folio_err_set(err, rc, NULL, "SQL statement too large");
out:
    return rc;
}

static void free_blobs(struct pg_stmt *st)
{
    int i;
    for (i = 0; i < st->n_blobs; i++) {
        PQfreemem(st->blobs[i]);
        st->blobs[i] = NULL;
        st->blob_lens[i] = 0;
    }
}

static void clear_result(struct pg_stmt *st)
{
    free_blobs(st);
    free(st->blobs);
    free(st->blob_lens);
    st->blobs = NULL;
    st->blob_lens = NULL;
    st->n_blobs = 0;
    PQclear(st->res);
    st->res = NULL;
    st->executed = false;
    st->done = false;
    st->row = -1;
    st->nrows = 0;
}

static void p_stmt_free(struct folio_stmt *stmt)
{
    struct pg_stmt *st = to_stmt(stmt);
    int i;

    clear_result(st);
    for (i = 0; i < st->n_params; i++)
        free(st->values[i]);
    free(st->values);
    free(st->lengths);
    free(st->formats);
    free(st->types);
    free(st->sql);
    free(st);
}

static enum folio_rc p_prepare(struct folio_store *s, const char *sql, struct folio_stmt **out,
                               struct folio_err *err)
{
    struct pg_stmt *st;
    struct folio_buf b;
    enum folio_rc rc;

    *out = NULL;
    folio_buf_init(&b, 64u * 1024 * 1024);
    st = calloc(1, sizeof(*st));
    if (st == NULL) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    st->base.store = s;
    st->row = -1;
    rc = rewrite_params(sql, &b, &st->n_params, err);
    if (rc)
        goto out;
    if (only_trivia(b.data)) {
        rc = folio_err_set(err, FOLIO_EINVAL, NULL, "no SQL statement to prepare");
        goto out;
    }
    st->sql = folio_buf_detach(&b, NULL);
    if (st->sql == NULL) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    if (st->n_params > 0) {
        size_t n = (size_t)st->n_params;
        st->values = calloc(n, sizeof(*st->values));
        st->lengths = calloc(n, sizeof(*st->lengths));
        st->formats = calloc(n, sizeof(*st->formats));
        st->types = calloc(n, sizeof(*st->types));
        if (!st->values || !st->lengths || !st->formats || !st->types) {
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
            goto out;
        }
    }
    *out = &st->base;
    st = NULL;
out:
    folio_buf_release(&b);
    if (st != NULL)
        p_stmt_free(&st->base);
    return rc;
}

static bool p_stmt_recycle(struct folio_stmt *stmt)
{
    struct pg_stmt *st = to_stmt(stmt);
    int i;

    clear_result(st);
    st->changes = 0;
    for (i = 0; i < st->n_params; i++) {
        free(st->values[i]);
        st->values[i] = NULL;
        st->lengths[i] = 0;
        st->formats[i] = 0;
        st->types[i] = 0;
    }
    return true;
}

static enum folio_rc p_stmt_reset(struct folio_stmt *stmt, struct folio_err *err)
{
    (void)err;
    clear_result(to_stmt(stmt)); /* bindings are kept */
    return FOLIO_OK;
}

/* Stores an owned copy of a parameter value (p NULL = SQL NULL). */
static enum folio_rc set_param(struct pg_stmt *st, int idx, const void *p, size_t len, int format,
                               Oid type)
{
    char *copy = NULL;
    size_t i;

    if (idx < 1 || idx > st->n_params)
        return FOLIO_EINVAL;
    if (len > (size_t)INT32_MAX - 1)
        return FOLIO_ETOOBIG;
    if (p != NULL) {
        copy = malloc(len + 1);
        if (copy == NULL)
            return FOLIO_ENOMEM;
        if (len > 0)
            memcpy(copy, p, len);
        copy[len] = '\0';
    }
    i = (size_t)idx - 1;
    free(st->values[i]);
    st->values[i] = copy;
    st->lengths[i] = (int)len;
    st->formats[i] = format;
    st->types[i] = type;
    return FOLIO_OK;
}

static enum folio_rc p_bind_null(struct folio_stmt *stmt, int idx)
{
    return set_param(to_stmt(stmt), idx, NULL, 0, 0, 0);
}

static enum folio_rc p_bind_i64(struct folio_stmt *stmt, int idx, int64_t v)
{
    char buf[32];
    folio_snprintf(buf, sizeof(buf), "%" PRId64, v);
    return set_param(to_stmt(stmt), idx, buf, strlen(buf), 0, OID_INT8);
}

static enum folio_rc p_bind_double(struct folio_stmt *stmt, int idx, double v)
{
    char buf[48];
    folio_snprintf(buf, sizeof(buf), "%.17g", v);
    return set_param(to_stmt(stmt), idx, buf, strlen(buf), 0, OID_FLOAT8);
}

static enum folio_rc p_bind_text(struct folio_stmt *stmt, int idx, const char *p, size_t len)
{
    if (len > 0 && memchr(p, '\0', len) != NULL)
        return FOLIO_EINVAL; /* PostgreSQL text cannot hold NUL */
    /* type left to the server (unknown), as SQLite's affinity would decide */
    return set_param(to_stmt(stmt), idx, len > 0 ? p : "", len, 0, 0);
}

static enum folio_rc p_bind_blob(struct folio_stmt *stmt, int idx, const void *p, size_t len)
{
    return set_param(to_stmt(stmt), idx, len > 0 ? p : "", len, 1, OID_BYTEA);
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static enum folio_rc p_step(struct folio_stmt *stmt, bool *row, struct folio_err *err)
{
    struct pg_stmt *st = to_stmt(stmt);
    PGconn *conn = to_store(st->base.store)->conn;
    enum folio_rc rc = FOLIO_OK;

    *row = false;
    if (st->done)
        return FOLIO_OK;
    if (!st->executed) {
        ExecStatusType status;
        st->executed = true;
        st->res = PQexecParams(conn, st->sql, st->n_params, st->types,
                               (const char *const *)st->values, st->lengths, st->formats, 0);
        status = st->res ? PQresultStatus(st->res) : PGRES_FATAL_ERROR;
        if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
            rc = result_error(conn, st->res, err);
            PQclear(st->res);
            st->res = NULL;
            st->done = true;
            return rc;
        }
        st->nrows = PQntuples(st->res);
        st->changes = 0;
        {
            const char *cmd = PQcmdStatus(st->res);
            if (starts_with(cmd, "INSERT") || starts_with(cmd, "UPDATE") ||
                starts_with(cmd, "DELETE") || starts_with(cmd, "MERGE")) {
                const char *t = PQcmdTuples(st->res);
                int64_t v;
                if (!folio_str_empty(t) && folio_sv_to_i64(folio_sv_from(t), &v) == FOLIO_OK)
                    st->changes = v;
            }
        }
        st->row = -1;
    }
    free_blobs(st);
    st->row++;
    if (st->row < st->nrows) {
        *row = true;
    } else {
        st->done = true;
        st->row = st->nrows;
    }
    return FOLIO_OK;
}

static bool has_cell(struct pg_stmt *st, int idx)
{
    return st->res != NULL && st->row >= 0 && st->row < st->nrows && idx >= 0 &&
           idx < PQnfields(st->res);
}

static int p_column_count(struct folio_stmt *stmt)
{
    struct pg_stmt *st = to_stmt(stmt);
    return st->res ? PQnfields(st->res) : 0;
}

static bool p_column_is_null(struct folio_stmt *stmt, int idx)
{
    struct pg_stmt *st = to_stmt(stmt);
    return !has_cell(st, idx) || PQgetisnull(st->res, st->row, idx);
}

static const char *p_column_text(struct folio_stmt *stmt, int idx)
{
    struct pg_stmt *st = to_stmt(stmt);
    if (p_column_is_null(stmt, idx))
        return NULL;
    return PQgetvalue(st->res, st->row, idx);
}

static int64_t p_column_i64(struct folio_stmt *stmt, int idx)
{
    const char *t = p_column_text(stmt, idx);
    char *end;
    long long v;
    double d;

    if (t == NULL)
        return 0;
    errno = 0;
    v = strtoll(t, &end, 10);
    if (end != t && *end == '\0' && errno == 0)
        return (int64_t)v;
    /* numeric or float text: truncate like SQLite, clamped */
    d = strtod(t, &end);
    if (end == t || d != d)
        return 0;
    if (d >= 9223372036854775807.0)
        return INT64_MAX;
    if (d <= -9223372036854775808.0)
        return INT64_MIN;
    return (int64_t)d;
}

static double p_column_double(struct folio_stmt *stmt, int idx)
{
    const char *t = p_column_text(stmt, idx);
    char *end;
    double d;

    if (t == NULL)
        return 0.0;
    d = strtod(t, &end);
    return end == t ? 0.0 : d;
}

static const void *p_column_blob(struct folio_stmt *stmt, int idx, size_t *len)
{
    struct pg_stmt *st = to_stmt(stmt);
    const char *t;

    *len = 0;
    if (p_column_is_null(stmt, idx))
        return NULL;
    t = PQgetvalue(st->res, st->row, idx);
    if (PQftype(st->res, idx) != OID_BYTEA) {
        *len = (size_t)PQgetlength(st->res, st->row, idx);
        return t;
    }
    if (st->blobs == NULL) {
        int nf = PQnfields(st->res);
        st->blobs = calloc((size_t)nf, sizeof(*st->blobs));
        st->blob_lens = calloc((size_t)nf, sizeof(*st->blob_lens));
        if (st->blobs == NULL || st->blob_lens == NULL) {
            free(st->blobs);
            free(st->blob_lens);
            st->blobs = NULL;
            st->blob_lens = NULL;
            return NULL;
        }
        st->n_blobs = nf;
    }
    if (st->blobs[idx] == NULL) {
        st->blobs[idx] = PQunescapeBytea((const unsigned char *)t, &st->blob_lens[idx]);
        if (st->blobs[idx] == NULL)
            return NULL;
    }
    *len = st->blob_lens[idx];
    return st->blobs[idx];
}

static int64_t p_changes(struct folio_stmt *stmt)
{
    return to_stmt(stmt)->changes;
}

static enum folio_rc p_migration_lock(struct folio_store *s, struct folio_err *err)
{
    return exec_sql(to_store(s)->conn, "SELECT pg_advisory_xact_lock(" PG_MIGRATION_LOCK_KEY ")",
                    NULL, err);
}

const struct folio_store_ops folio_store_pg_ops = {
    .version = FOLIO_STORE_OPS_VERSION,
    .kind = FOLIO_STORE_PG,
    .name = "postgresql",
    .open = p_open,
    .close = p_close,
    .tx = p_tx,
    .exec = p_exec,
    .prepare = p_prepare,
    .stmt_free = p_stmt_free,
    .stmt_recycle = p_stmt_recycle,
    .stmt_reset = p_stmt_reset,
    .bind_null = p_bind_null,
    .bind_i64 = p_bind_i64,
    .bind_double = p_bind_double,
    .bind_text = p_bind_text,
    .bind_blob = p_bind_blob,
    .step = p_step,
    .column_count = p_column_count,
    .column_is_null = p_column_is_null,
    .column_text = p_column_text,
    .column_i64 = p_column_i64,
    .column_double = p_column_double,
    .column_blob = p_column_blob,
    .changes = p_changes,
    .table_exists_sql = "SELECT count(*) FROM pg_catalog.pg_tables "
                        "WHERE schemaname = current_schema() AND tablename = CAST(? AS TEXT)",
    .migration_lock = p_migration_lock,
};
