/* Storage layer: the same tests for each backend (FOLIO_TEST_DB selects it, see testdb.h). */
#include "folio/base.h"

#include <pthread.h>
#include <setjmp.h>
#include <cmocka.h>

#include "folio/store.h"
#include "store/store_impl.h"
#include "testdb.h"

/* Renders the @TOKENS@ for the backend and runs the SQL; fails the test on error. */
static void exec_ok(struct folio_store *s, const char *sql)
{
    struct folio_buf b;
    struct folio_err err;
    enum folio_rc rc;

    memset(&err, 0, sizeof(err));
    folio_buf_init(&b, 1u << 20);
    rc = folio_store_migration_render(folio_store_kind(s), sql, &b, &err);
    if (rc == FOLIO_OK)
        rc = folio_store_exec(s, b.data, &err);
    folio_buf_release(&b);
    if (rc != FOLIO_OK)
        fail_msg("exec failed (%d): %s\nSQL: %s", (int)rc, err.msg, sql);
}

static struct folio_stmt *prep(struct folio_store *s, const char *sql)
{
    struct folio_stmt *st = NULL;
    struct folio_err err;
    memset(&err, 0, sizeof(err));
    if (folio_store_prepare(s, sql, &st, &err) != FOLIO_OK)
        fail_msg("prepare failed: %s\nSQL: %s", err.msg, sql);
    return st;
}

static int64_t count_rows(struct folio_store *s, const char *sql)
{
    struct folio_err err;
    int64_t n = -1;
    bool found = false;
    memset(&err, 0, sizeof(err));
    if (folio_store_query_i64(s, sql, NULL, 0, &n, &found, &err) != FOLIO_OK)
        fail_msg("query failed: %s\nSQL: %s", err.msg, sql);
    assert_true(found);
    return n;
}

/* Steps a statement expected to succeed with no row; returns the changes. */
static int64_t step_done(struct folio_stmt *st)
{
    struct folio_err err;
    bool row = true;
    memset(&err, 0, sizeof(err));
    if (folio_stmt_step(st, &row, &err) != FOLIO_OK)
        fail_msg("step failed: %s", err.msg);
    assert_false(row);
    return folio_stmt_changes(st);
}

/* Steps once expecting a row; returns column 0. */
static int64_t step_row_i64(struct folio_stmt *st)
{
    struct folio_err err;
    bool row = false;
    memset(&err, 0, sizeof(err));
    if (folio_stmt_step(st, &row, &err) != FOLIO_OK)
        fail_msg("step failed: %s", err.msg);
    assert_true(row);
    return folio_stmt_column_i64(st, 0);
}

static enum folio_rc insert_code(struct folio_store *s, const char *code)
{
    struct folio_stmt *st = prep(s, "INSERT INTO u (code) VALUES (?)");
    struct folio_err err;
    bool row;
    enum folio_rc rc;

    assert_int_equal(folio_stmt_bind_text(st, 1, code, (size_t)-1), FOLIO_OK);
    rc = folio_stmt_step(st, &row, &err);
    folio_stmt_free(st);
    return rc;
}

static int setup(void **state)
{
    *state = folio_test_store_open();
    return 0;
}

static int teardown(void **state)
{
    folio_test_store_close(*state);
    return 0;
}

static void t_kind_and_url(void **state)
{
    struct folio_store *s = *state;
    assert_int_equal(folio_store_kind(s),
                     folio_test_backend_is_pg() ? FOLIO_STORE_PG : FOLIO_STORE_SQLITE);
    assert_non_null(folio_store_url_safe(s));
    assert_int_equal(folio_store_tx_depth(s), 0);
}

static void t_types_roundtrip(void **state)
{
    struct folio_store *s = *state;
    static const char text[] = "H\xc3\xa9l\xc3\xa8ne \xe2\x9c\x93 \xe6\x97\xa5\xe6\x9c\xac ?";
    static const unsigned char blob[] = {'a', 0, 'b', 0, 0xff, 0x5c, 0x78, 0};
    struct folio_stmt *st;
    struct folio_err err;
    bool row = false;
    const void *p;
    size_t len = 99;
    int64_t id1, id2;

    exec_ok(s, "CREATE TABLE vals (id @PK@, n @INT@, lo @INT@, hi @INT@, d @REAL@, t TEXT, "
               "b @BLOB@)");
    st = prep(s, "INSERT INTO vals (n, lo, hi, d, t, b) VALUES (?, ?, ?, ?, ?, ?) RETURNING id");
    assert_int_equal(folio_stmt_bind_null(st, 1), FOLIO_OK);
    assert_int_equal(folio_stmt_bind_i64(st, 2, INT64_MIN), FOLIO_OK);
    assert_int_equal(folio_stmt_bind_i64(st, 3, INT64_MAX), FOLIO_OK);
    assert_int_equal(folio_stmt_bind_double(st, 4, 3.141592653589793), FOLIO_OK);
    assert_int_equal(folio_stmt_bind_text(st, 5, text, (size_t)-1), FOLIO_OK);
    assert_int_equal(folio_stmt_bind_blob(st, 6, blob, sizeof(blob)), FOLIO_OK);
    assert_int_equal(folio_stmt_step(st, &row, &err), FOLIO_OK);
    assert_true(row);
    id1 = folio_stmt_column_i64(st, 0);
    assert_true(id1 > 0);
    assert_int_equal(step_done(st), 1);
    /* second row through reset: NULL text, empty blob, negative double */
    assert_int_equal(folio_stmt_reset(st, &err), FOLIO_OK);
    assert_int_equal(folio_stmt_bind_text(st, 5, NULL, 0), FOLIO_OK);
    assert_int_equal(folio_stmt_bind_blob(st, 6, NULL, 0), FOLIO_OK);
    assert_int_equal(folio_stmt_bind_double(st, 4, -0.1), FOLIO_OK);
    assert_int_equal(folio_stmt_step(st, &row, &err), FOLIO_OK);
    assert_true(row);
    id2 = folio_stmt_column_i64(st, 0);
    assert_true(id2 > id1);
    folio_stmt_free(st);

    st = prep(s, "SELECT n, lo, hi, d, t, b FROM vals WHERE id = ?");
    assert_int_equal(folio_stmt_bind_i64(st, 1, id1), FOLIO_OK);
    assert_int_equal(folio_stmt_step(st, &row, &err), FOLIO_OK);
    assert_true(row);
    assert_int_equal(folio_stmt_column_count(st), 6);
    assert_true(folio_stmt_column_is_null(st, 0));
    assert_null(folio_stmt_column_text(st, 0));
    assert_false(folio_stmt_column_is_null(st, 1));
    assert_true(folio_stmt_column_i64(st, 1) == INT64_MIN);
    assert_true(folio_stmt_column_i64(st, 2) == INT64_MAX);
    assert_true(folio_stmt_column_double(st, 3) == 3.141592653589793);
    assert_string_equal(folio_stmt_column_text(st, 4), text);
    p = folio_stmt_column_blob(st, 5, &len);
    assert_non_null(p);
    assert_int_equal(len, sizeof(blob));
    assert_memory_equal(p, blob, sizeof(blob));
    assert_int_equal(folio_stmt_step(st, &row, &err), FOLIO_OK);
    assert_false(row);
    /* stepping past the end stays at the end */
    assert_int_equal(folio_stmt_step(st, &row, &err), FOLIO_OK);
    assert_false(row);

    assert_int_equal(folio_stmt_reset(st, &err), FOLIO_OK);
    assert_int_equal(folio_stmt_bind_i64(st, 1, id2), FOLIO_OK);
    assert_int_equal(folio_stmt_step(st, &row, &err), FOLIO_OK);
    assert_true(row);
    assert_true(folio_stmt_column_is_null(st, 4));
    assert_null(folio_stmt_column_text(st, 4));
    assert_false(folio_stmt_column_is_null(st, 5));
    p = folio_stmt_column_blob(st, 5, &len);
    assert_non_null(p);
    assert_int_equal(len, 0);
    assert_true(folio_stmt_column_double(st, 3) == -0.1);
    folio_stmt_free(st);
}

static void t_select_params_unbound_context(void **state)
{
    struct folio_store *s = *state;
    struct folio_stmt *st;
    struct folio_err err;
    bool row = false;

    /* '?' inside literals, quoted identifiers and comments is not a parameter */
    st = prep(s, "SELECT 'a?b' AS \"q?\", CAST(? AS BIGINT), 'it''s ?' -- what?\n");
    assert_int_equal(folio_stmt_bind_i64(st, 1, 42), FOLIO_OK);
    assert_int_equal(folio_stmt_bind_i64(st, 2, 1), FOLIO_EINVAL);
    assert_int_equal(folio_stmt_bind_text(st, 0, "x", 1), FOLIO_EINVAL);
    assert_int_equal(folio_stmt_bind_null(st, -1), FOLIO_EINVAL);
    assert_int_equal(folio_stmt_step(st, &row, &err), FOLIO_OK);
    assert_true(row);
    assert_string_equal(folio_stmt_column_text(st, 0), "a?b");
    assert_int_equal(folio_stmt_column_i64(st, 1), 42);
    assert_string_equal(folio_stmt_column_text(st, 2), "it's ?");
    folio_stmt_free(st);

    st = prep(s, "/* ? */ SELECT CAST(? AS BIGINT) + CAST(? AS BIGINT);");
    assert_int_equal(folio_stmt_bind_i64(st, 2, 5), FOLIO_OK);
    assert_int_equal(folio_stmt_bind_i64(st, 1, 3), FOLIO_OK);
    assert_int_equal(folio_stmt_bind_i64(st, 3, 3), FOLIO_EINVAL);
    assert_int_equal(folio_stmt_step(st, &row, &err), FOLIO_OK);
    assert_true(row);
    assert_int_equal(folio_stmt_column_i64(st, 0), 8);
    folio_stmt_free(st);
}

static void t_prepare_rejects(void **state)
{
    struct folio_store *s = *state;
    struct folio_stmt *st = NULL;
    struct folio_err err;

    assert_int_equal(folio_store_prepare(s, "SELECT 1; SELECT 2", &st, &err), FOLIO_EINVAL);
    assert_null(st);
    assert_int_equal(folio_store_prepare(s, "  -- nothing\n", &st, &err), FOLIO_EINVAL);
    assert_null(st);
    /* a syntax error is reported at prepare (SQLite) or at the first step (PostgreSQL) */
    if (folio_store_prepare(s, "SELEC 1", &st, &err) == FOLIO_OK) {
        bool row;
        assert_int_equal(folio_stmt_step(st, &row, &err), FOLIO_ESTORE);
        folio_stmt_free(st);
    }
    assert_true(strlen(err.msg) > 0);
    /* exec takes several statements */
    exec_ok(s, "CREATE TABLE e1 (x TEXT); INSERT INTO e1 VALUES ('a;b'); INSERT INTO e1 VALUES ('c')");
    assert_int_equal(count_rows(s, "SELECT COUNT(*) FROM e1"), 2);
    assert_int_equal(folio_store_exec(s, "INSERT INTO nope VALUES (1)", &err), FOLIO_ESTORE);
}

static void t_conflicts(void **state)
{
    struct folio_store *s = *state;
    struct folio_stmt *st;
    struct folio_err err;
    bool row = false;
    enum folio_rc rc;

    exec_ok(s, "CREATE TABLE u (id @PK@, code TEXT NOT NULL UNIQUE, n @INT@ CHECK (n >= 0))");
    exec_ok(s, "CREATE TABLE child (id @PK@, u_id @INT@ NOT NULL REFERENCES u(id))");
    assert_int_equal(insert_code(s, "A"), FOLIO_OK);
    memset(&err, 0, sizeof(err));
    st = prep(s, "INSERT INTO u (code) VALUES (?)");
    assert_int_equal(folio_stmt_bind_text(st, 1, "A", 1), FOLIO_OK);
    assert_int_equal(folio_stmt_step(st, &row, &err), FOLIO_ECONFLICT);
    assert_int_equal(err.code, FOLIO_ECONFLICT);
    assert_true(strlen(err.msg) > 0);
    folio_stmt_free(st);

    /* ON CONFLICT DO NOTHING: no error, no change */
    st = prep(s, "INSERT INTO u (code) VALUES (?) ON CONFLICT (code) DO NOTHING");
    assert_int_equal(folio_stmt_bind_text(st, 1, "A", 1), FOLIO_OK);
    assert_int_equal(step_done(st), 0);
    assert_int_equal(folio_stmt_reset(st, &err), FOLIO_OK);
    assert_int_equal(folio_stmt_bind_text(st, 1, "B", 1), FOLIO_OK);
    assert_int_equal(step_done(st), 1);
    folio_stmt_free(st);
    assert_int_equal(count_rows(s, "SELECT COUNT(*) FROM u"), 2);

    /* foreign key */
    st = prep(s, "INSERT INTO child (u_id) VALUES (?)");
    assert_int_equal(folio_stmt_bind_i64(st, 1, 999999), FOLIO_OK);
    rc = folio_stmt_step(st, &row, &err);
    assert_int_equal(rc, FOLIO_ECONFLICT);
    folio_stmt_free(st);

    /* NOT NULL and CHECK */
    st = prep(s, "INSERT INTO u (code) VALUES (?)");
    assert_int_equal(folio_stmt_bind_null(st, 1), FOLIO_OK);
    assert_int_equal(folio_stmt_step(st, &row, &err), FOLIO_EINVAL);
    folio_stmt_free(st);
    st = prep(s, "INSERT INTO u (code, n) VALUES ('C', ?)");
    assert_int_equal(folio_stmt_bind_i64(st, 1, -1), FOLIO_OK);
    assert_int_equal(folio_stmt_step(st, &row, &err), FOLIO_EINVAL);
    folio_stmt_free(st);

    /* UPDATE changes */
    st = prep(s, "UPDATE u SET n = ? WHERE n IS NULL");
    assert_int_equal(folio_stmt_bind_i64(st, 1, 5), FOLIO_OK);
    assert_int_equal(step_done(st), 2);
    folio_stmt_free(st);
}

static void t_nested_transactions(void **state)
{
    struct folio_store *s = *state;
    struct folio_err err;

    exec_ok(s, "CREATE TABLE u (id @PK@, code TEXT NOT NULL UNIQUE)");
    assert_int_equal(folio_store_begin(s, &err), FOLIO_OK);
    assert_int_equal(folio_store_tx_depth(s), 1);
    assert_int_equal(insert_code(s, "outer"), FOLIO_OK);
    assert_int_equal(folio_store_begin(s, &err), FOLIO_OK);
    assert_int_equal(folio_store_tx_depth(s), 2);
    assert_int_equal(insert_code(s, "inner-rolled-back"), FOLIO_OK);
    folio_store_rollback(s);
    assert_int_equal(folio_store_tx_depth(s), 1);
    assert_int_equal(folio_store_begin(s, &err), FOLIO_OK);
    assert_int_equal(insert_code(s, "inner-kept"), FOLIO_OK);
    /* an error inside a savepoint: roll back that level, the outer work goes on */
    assert_int_equal(folio_store_begin(s, &err), FOLIO_OK);
    assert_int_equal(folio_store_tx_depth(s), 3);
    assert_int_equal(insert_code(s, "outer"), FOLIO_ECONFLICT);
    folio_store_rollback(s);
    assert_int_equal(folio_store_commit(s, &err), FOLIO_OK);
    assert_int_equal(insert_code(s, "after-error"), FOLIO_OK);
    assert_int_equal(folio_store_commit(s, &err), FOLIO_OK);
    assert_int_equal(folio_store_tx_depth(s), 0);
    assert_int_equal(count_rows(s, "SELECT COUNT(*) FROM u"), 3);
    assert_int_equal(count_rows(s, "SELECT COUNT(*) FROM u WHERE code = 'inner-rolled-back'"), 0);

    /* outer rollback removes everything, including committed inner levels */
    assert_int_equal(folio_store_begin(s, &err), FOLIO_OK);
    assert_int_equal(insert_code(s, "x1"), FOLIO_OK);
    assert_int_equal(folio_store_begin(s, &err), FOLIO_OK);
    assert_int_equal(insert_code(s, "x2"), FOLIO_OK);
    assert_int_equal(folio_store_commit(s, &err), FOLIO_OK);
    folio_store_rollback(s);
    assert_int_equal(folio_store_tx_depth(s), 0);
    assert_int_equal(count_rows(s, "SELECT COUNT(*) FROM u"), 3);

    /* rollback and commit at depth 0 */
    folio_store_rollback(s);
    assert_int_equal(folio_store_tx_depth(s), 0);
    assert_int_not_equal(folio_store_commit(s, &err), FOLIO_OK);
}

static void t_close_rolls_back(void **state)
{
    struct folio_store *s = *state, *s2 = NULL;
    struct folio_err err;

    exec_ok(s, "CREATE TABLE u (id @PK@, code TEXT NOT NULL UNIQUE)");
    assert_int_equal(folio_store_open(folio_test_store_url(), &s2, &err), FOLIO_OK);
    assert_int_equal(folio_store_begin(s2, &err), FOLIO_OK);
    assert_int_equal(insert_code(s2, "lost"), FOLIO_OK);
    folio_store_close(s2);
    assert_int_equal(count_rows(s, "SELECT COUNT(*) FROM u"), 0);
    folio_store_close(NULL);
}

static void t_query_i64(void **state)
{
    struct folio_store *s = *state;
    struct folio_err err;
    int64_t params[2] = {7, 35};
    int64_t out = -5;
    bool found = true;

    exec_ok(s, "CREATE TABLE q (a @INT@, b @INT@)");
    exec_ok(s, "INSERT INTO q VALUES (7, 35)");
    assert_int_equal(folio_store_query_i64(s, "SELECT a + b FROM q WHERE a = ? AND b = ?", params,
                                           2, &out, &found, &err),
                     FOLIO_OK);
    assert_true(found);
    assert_int_equal(out, 42);
    params[0] = 8;
    out = -5;
    assert_int_equal(folio_store_query_i64(s, "SELECT a FROM q WHERE a = ? AND b = ?", params, 2,
                                           &out, &found, &err),
                     FOLIO_OK);
    assert_false(found);
    assert_int_equal(out, -5);
}

/* folio_store_prepare_fmt / folio_store_exec_fmt: each format character, each exec output. */
static void t_fmt_helpers(void **state)
{
    struct folio_store *s = *state;
    struct folio_stmt *st = NULL;
    struct folio_err err;
    int64_t id = -1, id2 = -1, changes = -1;
    bool found = false, row = false;
    size_t len = 0;
    const void *blob;

    memset(&err, 0, sizeof(err));
    exec_ok(s, "CREATE TABLE fmt_t (id @PK@, t1 TEXT, t2 TEXT, u1 TEXT, u2 TEXT, i1 @INT@, "
               "j1 @INT@, j2 @INT@, n1 @INT@, d1 @REAL@, e1 @REAL@, e2 @REAL@, b1 @BLOB@)");
    assert_int_equal(folio_store_exec_fmt(s, &id, &found, &changes, &err,
                                          "INSERT INTO fmt_t (t1, t2, u1, u2, i1, j1, j2, n1, d1, "
                                          "e1, e2, b1) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                                          "RETURNING id",
                                          "ttTTiIIndDDb", "", "x", "", (const char *)NULL,
                                          (int64_t)7, (int64_t)0, (int64_t)9, (int64_t)5, 1.5, 0,
                                          2.5, 1, 3.5, (const void *)"ab", (size_t)2),
                     FOLIO_OK);
    assert_true(found);
    assert_true(id > 0);
    assert_int_equal(changes, 1);
    assert_int_equal(folio_store_prepare_fmt(s, &st, &err,
                                             "SELECT t1, t2, u1, u2, i1, j1, j2, n1, d1, e1, e2, "
                                             "b1 FROM fmt_t WHERE id = ?",
                                             "i", id),
                     FOLIO_OK);
    assert_int_equal(folio_stmt_step(st, &row, &err), FOLIO_OK);
    assert_true(row);
    assert_true(folio_stmt_column_is_null(st, 0)); /* 't' "" */
    assert_string_equal(folio_stmt_column_text(st, 1), "x");
    assert_string_equal(folio_stmt_column_text(st, 2), ""); /* 'T' "" */
    assert_true(folio_stmt_column_is_null(st, 3));          /* 'T' NULL */
    assert_int_equal(folio_stmt_column_i64(st, 4), 7);
    assert_true(folio_stmt_column_is_null(st, 5)); /* 'I' 0 */
    assert_int_equal(folio_stmt_column_i64(st, 6), 9);
    assert_true(folio_stmt_column_is_null(st, 7)); /* 'n' */
    assert_true(folio_stmt_column_double(st, 8) == 1.5);
    assert_true(folio_stmt_column_is_null(st, 9)); /* 'D' false */
    assert_true(folio_stmt_column_double(st, 10) == 3.5);
    blob = folio_stmt_column_blob(st, 11, &len);
    assert_int_equal(len, 2);
    assert_memory_equal(blob, "ab", 2);
    folio_stmt_free(st);
    st = NULL;

    /* no row: found false, id untouched; a query changes nothing */
    found = true;
    id2 = -1;
    changes = -1;
    assert_int_equal(folio_store_exec_fmt(s, &id2, &found, &changes, &err,
                                          "SELECT id FROM fmt_t WHERE id = ?", "i", id + 1),
                     FOLIO_OK);
    assert_false(found);
    assert_int_equal(id2, -1);
    assert_int_equal(changes, 0);
    /* an UPDATE counts its rows; outputs may be NULL */
    assert_int_equal(folio_store_exec_fmt(s, NULL, NULL, &changes, &err,
                                          "UPDATE fmt_t SET t1 = ? WHERE id = ?", "Ti", "", id),
                     FOLIO_OK);
    assert_int_equal(changes, 1);
    /* a prepare error leaves *out NULL */
    st = (struct folio_stmt *)&err;
    assert_int_not_equal(folio_store_prepare_fmt(s, &st, &err, "SELEC nonsense", "i", (int64_t)1),
                         FOLIO_OK);
    assert_null(st);
}

/* ---- migrations ---- */

struct visit_log {
    int n;
    int numbers[8];
    char names[8][64];
    bool applied[8];
    bool canonical_time[8];
};

static void visit(void *ctx, int number, const char *name, const char *applied_at)
{
    struct visit_log *v = ctx;
    if (v->n >= 8)
        return;
    v->numbers[v->n] = number;
    folio_strlcpy(v->names[v->n], name, sizeof(v->names[v->n]));
    v->applied[v->n] = applied_at != NULL;
    v->canonical_time[v->n] = applied_at != NULL && strlen(applied_at) == 20 &&
                              applied_at[4] == '-' && applied_at[10] == 'T' &&
                              applied_at[19] == 'Z';
    v->n++;
}

static const struct folio_migration custom[] = {
    {"0001_base.sql", "CREATE TABLE m1 (id @PK@, n @INT@ NOT NULL, b @BLOB@, r @REAL@);\n"
                      "-- a comment with a ? and a ;\n"
                      "INSERT INTO m1 (n, r) VALUES (1, 0.5);"},
    {"0002_only.pg.sql", "CREATE TABLE m2_pg (x BIGINT);"},
    {"0002_only.sqlite.sql", "CREATE TABLE m2_sqlite (x INTEGER);"},
    {"0003_more.sql", "INSERT INTO m1 (n) VALUES (3); CREATE INDEX m1_n ON m1 (n);"},
};

/* The embedded migrations of testdb are recorded under their numbers: start afresh. */
static void forget_embedded(struct folio_store *s)
{
    exec_ok(s, "DROP TABLE schema_migrations");
}

static void t_migrations(void **state)
{
    struct folio_store *s = *state, *s2 = NULL;
    struct folio_migration_status ms;
    struct visit_log v;
    struct folio_err err;
    size_t applied = 99;
    bool pg = folio_test_backend_is_pg();

    forget_embedded(s);
    /* status before anything: table absent */
    assert_int_equal(folio_store_migration_status_list(s, custom, FOLIO_ARRAY_LEN(custom), &ms,
                                                       &err),
                     FOLIO_OK);
    assert_int_equal(ms.latest_known, 3);
    assert_int_equal(ms.current, 0);
    assert_int_equal(ms.n_pending, 3);

    assert_int_equal(folio_store_migrate_list(s, custom, FOLIO_ARRAY_LEN(custom), &applied, &err),
                     FOLIO_OK);
    assert_int_equal(applied, 3);
    assert_int_equal(count_rows(s, "SELECT COUNT(*) FROM m1"), 2);
    assert_int_equal(count_rows(s, pg ? "SELECT COUNT(*) FROM m2_pg" : "SELECT COUNT(*) FROM m2_sqlite"), 0);
    assert_int_equal(folio_store_exec(s, pg ? "SELECT * FROM m2_sqlite" : "SELECT * FROM m2_pg", &err),
                     FOLIO_ESTORE);
    assert_int_equal(count_rows(s, "SELECT COUNT(*) FROM schema_migrations"), 3);

    /* idempotent, also from a second connection */
    assert_int_equal(folio_store_migrate_list(s, custom, FOLIO_ARRAY_LEN(custom), &applied, &err),
                     FOLIO_OK);
    assert_int_equal(applied, 0);
    assert_int_equal(folio_store_open(folio_test_store_url(), &s2, &err), FOLIO_OK);
    assert_int_equal(folio_store_migrate_list(s2, custom, FOLIO_ARRAY_LEN(custom), &applied, &err),
                     FOLIO_OK);
    assert_int_equal(applied, 0);
    folio_store_close(s2);
    assert_int_equal(count_rows(s, "SELECT COUNT(*) FROM m1"), 2);

    assert_int_equal(folio_store_migration_status_list(s, custom, FOLIO_ARRAY_LEN(custom), &ms,
                                                       &err),
                     FOLIO_OK);
    assert_int_equal(ms.latest_known, 3);
    assert_int_equal(ms.current, 3);
    assert_int_equal(ms.n_pending, 0);

    memset(&v, 0, sizeof(v));
    assert_int_equal(folio_store_migration_list_list(s, custom, FOLIO_ARRAY_LEN(custom), visit, &v,
                                                     &err),
                     FOLIO_OK);
    assert_int_equal(v.n, 3);
    assert_int_equal(v.numbers[0], 1);
    assert_int_equal(v.numbers[1], 2);
    assert_int_equal(v.numbers[2], 3);
    assert_string_equal(v.names[1], pg ? "0002_only.pg.sql" : "0002_only.sqlite.sql");
    assert_true(v.applied[0] && v.applied[1] && v.applied[2]);
    assert_true(v.canonical_time[0] && v.canonical_time[2]);

    /* a program that knows only 0001..0002 refuses this database */
    memset(&err, 0, sizeof(err));
    assert_int_equal(folio_store_migrate_list(s, custom, 3, &applied, &err), FOLIO_ESCHEMA);
    assert_int_equal(err.code, FOLIO_ESCHEMA);
    assert_non_null(strstr(err.msg, "newer"));
    assert_non_null(strstr(err.msg, "upgrade"));
    assert_int_equal(folio_store_migrate_list(s, NULL, 0, &applied, &err), FOLIO_ESCHEMA);
    assert_int_equal(folio_store_tx_depth(s), 0);

    /* status against a longer list: pending, unapplied ones visited with NULL */
    {
        struct folio_migration longer[5];
        memcpy(longer, custom, sizeof(custom));
        longer[4].name = "0010_later.sql";
        longer[4].sql = "CREATE TABLE m10 (x @INT@)";
        assert_int_equal(folio_store_migration_status_list(s, longer, 5, &ms, &err), FOLIO_OK);
        assert_int_equal(ms.latest_known, 10);
        assert_int_equal(ms.current, 3);
        assert_int_equal(ms.n_pending, 1);
        memset(&v, 0, sizeof(v));
        assert_int_equal(folio_store_migration_list_list(s, longer, 5, visit, &v, &err), FOLIO_OK);
        assert_int_equal(v.n, 4);
        assert_false(v.applied[3]);
        assert_int_equal(folio_store_migrate_list(s, longer, 5, &applied, &err), FOLIO_OK);
        assert_int_equal(applied, 1);
        assert_int_equal(count_rows(s, "SELECT COUNT(*) FROM m10"), 0);
    }
}

static void t_migration_failure_rolls_back(void **state)
{
    struct folio_store *s = *state;
    struct folio_err err;
    size_t applied = 99;
    static const struct folio_migration bad[] = {
        {"0001_ok.sql", "CREATE TABLE ok1 (x @INT@);"},
        {"0002_bad.sql", "CREATE TABLE ok2 (x @INT@); INSERT INTO nowhere VALUES (1);"},
        {"0003_never.sql", "CREATE TABLE ok3 (x @INT@);"},
    };

    forget_embedded(s);
    memset(&err, 0, sizeof(err));
    assert_int_equal(folio_store_migrate_list(s, bad, 3, &applied, &err), FOLIO_ESTORE);
    assert_int_equal(applied, 1);
    assert_non_null(strstr(err.msg, "0002_bad.sql"));
    assert_int_equal(folio_store_tx_depth(s), 0);
    assert_int_equal(count_rows(s, "SELECT COUNT(*) FROM schema_migrations"), 1);
    assert_int_equal(count_rows(s, "SELECT COUNT(*) FROM ok1"), 0);
    assert_int_equal(folio_store_exec(s, "SELECT * FROM ok2", &err), FOLIO_ESTORE);
    assert_int_equal(folio_store_exec(s, "SELECT * FROM ok3", &err), FOLIO_ESTORE);
}

static void t_migration_names(void **state)
{
    struct folio_store *s = *state;
    struct folio_err err;
    size_t applied;
    static const char *const bad_names[] = {"1_x.sql", "0001x.sql", "0001_.sql", "0001_x.txt",
                                            "0000_zero.sql", "00a1_x.sql", "0001_x y.sql",
                                            "0001_x.mysql.sql"};
    size_t i;

    for (i = 0; i < FOLIO_ARRAY_LEN(bad_names); i++) {
        struct folio_migration one[1] = {{bad_names[i], "SELECT 1"}};
        memset(&err, 0, sizeof(err));
        assert_int_equal(folio_store_migrate_list(s, one, 1, &applied, &err), FOLIO_EINTERNAL);
    }
    {
        /* the same number twice for one backend */
        struct folio_migration dup[2] = {{"0050_a.sql", "SELECT 1"}, {"0050_b.sql", "SELECT 1"}};
        assert_int_equal(folio_store_migrate_list(s, dup, 2, &applied, &err), FOLIO_EINTERNAL);
    }
}


/* Two connections migrating the same database at once: each migration is applied exactly once. */
static const struct folio_migration race_list[] = {
    {"0001_r1.sql", "CREATE TABLE r1 (id @PK@, x @INT@); INSERT INTO r1 (x) VALUES (1);"},
    {"0002_r2.sql", "CREATE TABLE r2 (id @PK@, x @INT@); INSERT INTO r2 (x) VALUES (2);"},
    {"0003_r3.sql", "CREATE TABLE r3 (id @PK@, x @INT@); INSERT INTO r1 (x) VALUES (3);"},
    {"0004_r4.sql", "CREATE TABLE r4 (id @PK@, x @INT@); INSERT INTO r1 (x) VALUES (4);"},
    {"0005_r5.sql", "CREATE TABLE r5 (id @PK@, x @INT@); INSERT INTO r1 (x) VALUES (5);"},
};

struct racer {
    const char *url;
    enum folio_rc rc;
    size_t applied;
    char msg[512];
};

static void *race(void *arg)
{
    struct racer *r = arg;
    struct folio_store *s = NULL;
    struct folio_err err;

    memset(&err, 0, sizeof(err));
    r->rc = folio_store_open(r->url, &s, &err);
    if (r->rc == FOLIO_OK)
        r->rc = folio_store_migrate_list(s, race_list, FOLIO_ARRAY_LEN(race_list), &r->applied,
                                         &err);
    folio_strlcpy(r->msg, err.msg, sizeof(r->msg));
    folio_store_close(s);
    return NULL;
}

static void t_concurrent_migrators(void **state)
{
    struct folio_store *s = *state;
    struct racer r[3];
    pthread_t th[3];
    size_t i, total = 0;

    exec_ok(s, "DROP TABLE schema_migrations");
    memset(r, 0, sizeof(r));
    for (i = 0; i < 3; i++) {
        r[i].url = folio_test_store_url();
        assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
    }
    for (i = 0; i < 3; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    for (i = 0; i < 3; i++) {
        if (r[i].rc != FOLIO_OK)
            fail_msg("migrator %zu failed (%d): %s", i, (int)r[i].rc, r[i].msg);
        total += r[i].applied;
    }
    assert_int_equal(total, 5);
    assert_int_equal(count_rows(s, "SELECT COUNT(*) FROM r1"), 4);
    assert_int_equal(count_rows(s, "SELECT COUNT(*) FROM schema_migrations"), 5);
}

static void t_commit_after_error(void **state)
{
    struct folio_store *s = *state;
    struct folio_err err;
    enum folio_rc rc;

    exec_ok(s, "CREATE TABLE u (id @PK@, code TEXT NOT NULL UNIQUE)");
    assert_int_equal(insert_code(s, "A"), FOLIO_OK);
    assert_int_equal(folio_store_begin(s, &err), FOLIO_OK);
    assert_int_equal(insert_code(s, "B"), FOLIO_OK);
    assert_int_equal(insert_code(s, "A"), FOLIO_ECONFLICT);
    rc = folio_store_commit(s, &err);
    if (folio_test_backend_is_pg()) {
        /* PostgreSQL aborted the transaction: COMMIT must not report success */
        assert_int_equal(rc, FOLIO_ESTORE);
        assert_int_equal(folio_store_tx_depth(s), 1);
        folio_store_rollback(s);
        assert_int_equal(count_rows(s, "SELECT COUNT(*) FROM u"), 1);
    } else {
        /* SQLite undid only the failed statement */
        assert_int_equal(rc, FOLIO_OK);
        assert_int_equal(count_rows(s, "SELECT COUNT(*) FROM u"), 2);
    }
    assert_int_equal(folio_store_tx_depth(s), 0);
    /* the connection is usable afterwards */
    assert_int_equal(insert_code(s, "C"), FOLIO_OK);
}

static void t_backend_specific_sql(void **state)
{
    struct folio_store *s = *state;
    struct folio_stmt *st;
    struct folio_err err;
    bool row = false;

    if (folio_test_backend_is_pg()) {
        /* dollar quotes and E'' strings hide '?' too */
        st = prep(s, "SELECT $$a?$$, E'b\\'?', $x$?$x$, CAST(? AS BIGINT)");
        assert_int_equal(folio_stmt_bind_i64(st, 1, 9), FOLIO_OK);
        assert_int_equal(folio_stmt_bind_i64(st, 2, 9), FOLIO_EINVAL);
        assert_int_equal(folio_stmt_step(st, &row, &err), FOLIO_OK);
        assert_true(row);
        assert_string_equal(folio_stmt_column_text(st, 0), "a?");
        assert_string_equal(folio_stmt_column_text(st, 1), "b'?");
        assert_string_equal(folio_stmt_column_text(st, 2), "?");
        assert_int_equal(folio_stmt_column_i64(st, 3), 9);
        /* a non-bytea column read as a blob gives its text bytes */
        {
            size_t len = 0;
            const void *p = folio_stmt_column_blob(st, 0, &len);
            assert_int_equal(len, 2);
            assert_memory_equal(p, "a?", 2);
        }
        folio_stmt_free(st);
        /* text cannot hold NUL on PostgreSQL */
        st = prep(s, "SELECT ?");
        assert_int_equal(folio_stmt_bind_text(st, 1, "a\0b", 3), FOLIO_EINVAL);
        folio_stmt_free(st);
    } else {
        struct folio_store *p = NULL;
        /* a plain path opens SQLite too */
        const char *url = folio_test_store_url();
        assert_int_equal(folio_store_open(url + strlen("sqlite:"), &p, &err), FOLIO_OK);
        assert_int_equal(folio_store_kind(p), FOLIO_STORE_SQLITE);
        int64_t for_sqlite = 0; /* every embedded migration but the PostgreSQL-only ones */
        for (size_t i = 0; i < folio_migrations_count; i++) {
            size_t n = strlen(folio_migrations[i].name);
            if (n < 7 || strcmp(folio_migrations[i].name + n - 7, ".pg.sql") != 0)
                for_sqlite++;
        }
        assert_int_equal(count_rows(p, "SELECT COUNT(*) FROM schema_migrations"), for_sqlite);
        folio_store_close(p);
    }
}

static void t_render_tokens(void **state)
{
    struct folio_buf b;
    struct folio_err err;
    (void)state;

    folio_buf_init(&b, 4096);
    assert_int_equal(folio_store_migration_render(FOLIO_STORE_PG,
                                                  "a @PK@, b @INT@, c @BLOB@, d @REAL@ @x@ e@",
                                                  &b, &err),
                     FOLIO_OK);
    assert_string_equal(b.data, "a BIGSERIAL PRIMARY KEY, b BIGINT, c BYTEA, d DOUBLE PRECISION "
                                "@x@ e@");
    folio_buf_reset(&b);
    assert_int_equal(folio_store_migration_render(FOLIO_STORE_SQLITE, "@PK@ @INT@ @BLOB@ @REAL@",
                                                  &b, &err),
                     FOLIO_OK);
    assert_string_equal(b.data, "INTEGER PRIMARY KEY AUTOINCREMENT INTEGER BLOB REAL");
    folio_buf_release(&b);
}

static void t_embedded_migrations(void **state)
{
    struct folio_store *s = *state;
    struct folio_migration_status ms;
    struct folio_err err;
    size_t applied = 99;

    /* testdb already migrated: nothing pending, rerun applies nothing */
    assert_int_equal(folio_store_migration_status(s, &ms, &err), FOLIO_OK);
    assert_int_equal(ms.n_pending, 0);
    assert_int_equal(ms.current, ms.latest_known);
    assert_int_equal(folio_store_migrate(s, &applied, &err), FOLIO_OK);
    assert_int_equal(applied, 0);
    assert_true(folio_migrations_count == 0 || folio_migrations[0].name != NULL);
    assert_null(folio_migrations[folio_migrations_count].name);
}

static void t_url_safe(void **state)
{
    struct folio_store *s = *state;
    struct folio_store *m = NULL;
    struct folio_err err;
    char *r;
    (void)s;

    r = folio_store_url_redact_("postgresql://alice:s3cret@db.example:5432/folio?sslmode=require");
    assert_string_equal(r, "postgresql://alice@db.example:5432/folio?sslmode=require");
    free(r);
    r = folio_store_url_redact_("postgres://bob:p%40ss@h/db?password=other&application_name=x");
    assert_string_equal(r, "postgres://bob@h/db?application_name=x");
    free(r);
    r = folio_store_url_redact_("postgresql://h/db?application_name=x&password=zz");
    assert_string_equal(r, "postgresql://h/db?application_name=x");
    free(r);
    r = folio_store_url_redact_("postgresql://carol@h");
    assert_string_equal(r, "postgresql://carol@h");
    free(r);

    assert_int_equal(folio_store_open("sqlite::memory:", &m, &err), FOLIO_OK);
    assert_string_equal(folio_store_url_safe(m), "sqlite::memory:");
    assert_int_equal(folio_store_kind(m), FOLIO_STORE_SQLITE);
    folio_store_close(m);
    assert_int_equal(folio_store_open("", &m, &err), FOLIO_EINVAL);
    assert_int_equal(folio_store_open("sqlite:", &m, &err), FOLIO_EINVAL);
    assert_int_equal(folio_store_open("sqlite:/nonexistent-dir-folio/x.db", &m, &err),
                     FOLIO_ESTORE);

    if (folio_test_backend_is_pg()) {
        /* trust authentication accepts any password: check it is hidden */
        const char *url = folio_test_store_url();
        char with_pw[2048];
        const char *at = strstr(url, "postgres@");
        assert_non_null(at);
        folio_snprintf(with_pw, sizeof(with_pw), "%.*spostgres:hunter2@%s?password=hunter3",
                       (int)(at - url), url, at + strlen("postgres@"));
        assert_int_equal(folio_store_open(with_pw, &m, &err), FOLIO_OK);
        assert_null(strstr(folio_store_url_safe(m), "hunter"));
        assert_non_null(strstr(folio_store_url_safe(m), "postgres@"));
        folio_store_close(m);
    }
}

/* ---- the statement cache (store.h) ---- */

static struct folio_stmt_cache_stats cache_stats(struct folio_store *s)
{
    struct folio_stmt_cache_stats cs;
    folio_store_stmt_cache_stats(s, &cs);
    return cs;
}

#define SQL_BY_CODE "SELECT id, code FROM u WHERE code >= ? ORDER BY code"

static void t_cache_nested_same_sql(void **state)
{
    struct folio_store *s = *state;
    struct folio_stmt *a, *b;
    struct folio_err err;
    bool row = false;

    memset(&err, 0, sizeof(err));
    exec_ok(s, "CREATE TABLE u (id @PK@, code TEXT NOT NULL UNIQUE)");
    assert_int_equal(insert_code(s, "A"), FOLIO_OK);
    assert_int_equal(insert_code(s, "B"), FOLIO_OK);
    /* the outer statement is mid-iteration when the same SQL is prepared again */
    a = prep(s, SQL_BY_CODE);
    assert_int_equal(folio_stmt_bind_text(a, 1, "A", 1), FOLIO_OK);
    assert_int_equal(folio_stmt_step(a, &row, &err), FOLIO_OK);
    assert_true(row);
    assert_string_equal(folio_stmt_column_text(a, 1), "A");
    b = prep(s, SQL_BY_CODE);
    assert_ptr_not_equal(a, b);
    assert_int_equal(folio_stmt_bind_text(b, 1, "B", 1), FOLIO_OK);
    assert_int_equal(folio_stmt_step(b, &row, &err), FOLIO_OK);
    assert_true(row);
    assert_string_equal(folio_stmt_column_text(b, 1), "B");
    assert_int_equal(folio_stmt_step(a, &row, &err), FOLIO_OK);
    assert_true(row);
    assert_string_equal(folio_stmt_column_text(a, 1), "B");
    folio_stmt_free(b);
    /* b is idle now; a is still in use and is not handed out */
    b = prep(s, SQL_BY_CODE);
    assert_ptr_not_equal(a, b);
    assert_int_equal(folio_stmt_step(a, &row, &err), FOLIO_OK);
    assert_false(row);
    folio_stmt_free(a);
    folio_stmt_free(b);
    assert_true(cache_stats(s).idle >= 2);
}

static void t_cache_reuse_is_fresh(void **state)
{
    struct folio_store *s = *state;
    struct folio_stmt *st, *again;
    struct folio_stmt_cache_stats before;
    struct folio_err err;
    bool row = false;
    int i;

    memset(&err, 0, sizeof(err));
    exec_ok(s, "CREATE TABLE u (id @PK@, code TEXT NOT NULL UNIQUE)");
    for (i = 0; i < 3; i++) {
        char code[2] = {(char)('A' + i), '\0'};
        assert_int_equal(insert_code(s, code), FOLIO_OK);
    }
    /* stepped part-way, bound, then freed */
    st = prep(s, SQL_BY_CODE);
    assert_int_equal(folio_stmt_bind_text(st, 1, "B", 1), FOLIO_OK);
    assert_int_equal(folio_stmt_step(st, &row, &err), FOLIO_OK);
    assert_true(row);
    folio_stmt_free(st);
    before = cache_stats(s);
    again = prep(s, SQL_BY_CODE);
    assert_ptr_equal(again, st); /* served from the cache */
    assert_int_equal(cache_stats(s).hits, before.hits + 1);
    /* no stale binding: the parameter is NULL again, so no row matches */
    assert_int_equal(folio_stmt_step(again, &row, &err), FOLIO_OK);
    assert_false(row);
    assert_int_equal(folio_stmt_reset(again, &err), FOLIO_OK);
    assert_int_equal(folio_stmt_bind_text(again, 1, "A", 1), FOLIO_OK);
    for (i = 0; i < 3; i++) {
        char code[2] = {(char)('A' + i), '\0'};
        assert_int_equal(folio_stmt_step(again, &row, &err), FOLIO_OK);
        assert_true(row);
        assert_string_equal(folio_stmt_column_text(again, 1), code);
    }
    assert_int_equal(folio_stmt_step(again, &row, &err), FOLIO_OK);
    assert_false(row);
    folio_stmt_free(again);
    /* changes do not carry over either */
    st = prep(s, "UPDATE u SET code = code WHERE code >= ?");
    assert_int_equal(folio_stmt_bind_text(st, 1, "A", 1), FOLIO_OK);
    assert_int_equal(step_done(st), 3);
    folio_stmt_free(st);
    st = prep(s, "UPDATE u SET code = code WHERE code >= ?");
    assert_int_equal(folio_stmt_changes(st), 0);
    assert_int_equal(step_done(st), 0); /* NULL parameter */
    folio_stmt_free(st);
}

static void t_cache_errors_do_not_poison(void **state)
{
    struct folio_store *s = *state;
    struct folio_stmt *st;
    struct folio_err err;
    bool row = false;

    memset(&err, 0, sizeof(err));
    exec_ok(s, "CREATE TABLE u (id @PK@, code TEXT NOT NULL UNIQUE)");
    assert_int_equal(insert_code(s, "A"), FOLIO_OK);
    /* a failing statement inside a transaction (PostgreSQL aborts the transaction) */
    assert_int_equal(folio_store_begin(s, &err), FOLIO_OK);
    assert_int_equal(insert_code(s, "A"), FOLIO_ECONFLICT);
    /* PostgreSQL: the next statement in the aborted transaction still reports its error */
    if (folio_test_backend_is_pg())
        assert_int_not_equal(insert_code(s, "B"), FOLIO_OK);
    folio_store_rollback(s);
    /* the same cached statements work after the rollback */
    assert_int_equal(insert_code(s, "B"), FOLIO_OK);
    assert_int_equal(insert_code(s, "B"), FOLIO_ECONFLICT);
    assert_int_equal(insert_code(s, "C"), FOLIO_OK);
    assert_int_equal(count_rows(s, "SELECT COUNT(*) FROM u"), 3);
    /* bad SQL fails every time (at prepare on SQLite, at the first step on PostgreSQL, which
     * compiles on the server), and a good statement is unaffected */
    for (int i = 0; i < 2; i++) {
        enum folio_rc rc = folio_store_prepare(s, "SELECT nope FROM nowhere", &st, &err);
        if (rc == FOLIO_OK) {
            assert_true(folio_test_backend_is_pg());
            assert_int_not_equal(folio_stmt_step(st, &row, &err), FOLIO_OK);
            folio_stmt_free(st);
        } else {
            assert_null(st);
        }
    }
    st = prep(s, "SELECT COUNT(*) FROM u WHERE code = ?");
    assert_int_equal(folio_stmt_bind_text(st, 1, "C", 1), FOLIO_OK);
    assert_int_equal(folio_stmt_step(st, &row, &err), FOLIO_OK);
    assert_true(row);
    assert_int_equal(folio_stmt_column_i64(st, 0), 1);
    folio_stmt_free(st);
}

static void t_cache_bound_and_disable(void **state)
{
    struct folio_store *s = *state;
    struct folio_stmt *st;
    char sql[64];
    int i;

    folio_store_stmt_cache_limit(s, 3);
    for (i = 0; i < 10; i++) {
        (void)folio_snprintf(sql, sizeof(sql), "SELECT %d", i);
        st = prep(s, sql);
        assert_int_equal(step_row_i64(st), i);
        folio_stmt_free(st);
        assert_true(cache_stats(s).idle <= 3);
    }
    assert_int_equal(cache_stats(s).idle, 3);
    /* the most recent ones stay */
    st = prep(s, "SELECT 9");
    assert_int_equal(cache_stats(s).idle, 2);
    folio_stmt_free(st);
    folio_store_stmt_cache_limit(s, 0);
    assert_int_equal(cache_stats(s).idle, 0);
    st = prep(s, "SELECT 9");
    assert_int_equal(step_row_i64(st), 9);
    folio_stmt_free(st);
    assert_int_equal(cache_stats(s).idle, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(t_kind_and_url, setup, teardown),
        cmocka_unit_test_setup_teardown(t_types_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(t_select_params_unbound_context, setup, teardown),
        cmocka_unit_test_setup_teardown(t_prepare_rejects, setup, teardown),
        cmocka_unit_test_setup_teardown(t_conflicts, setup, teardown),
        cmocka_unit_test_setup_teardown(t_nested_transactions, setup, teardown),
        cmocka_unit_test_setup_teardown(t_close_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(t_query_i64, setup, teardown),
        cmocka_unit_test_setup_teardown(t_fmt_helpers, setup, teardown),
        cmocka_unit_test_setup_teardown(t_migrations, setup, teardown),
        cmocka_unit_test_setup_teardown(t_migration_failure_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(t_migration_names, setup, teardown),
        cmocka_unit_test_setup_teardown(t_concurrent_migrators, setup, teardown),
        cmocka_unit_test_setup_teardown(t_commit_after_error, setup, teardown),
        cmocka_unit_test_setup_teardown(t_backend_specific_sql, setup, teardown),
        cmocka_unit_test(t_render_tokens),
        cmocka_unit_test_setup_teardown(t_embedded_migrations, setup, teardown),
        cmocka_unit_test_setup_teardown(t_url_safe, setup, teardown),
        cmocka_unit_test_setup_teardown(t_cache_nested_same_sql, setup, teardown),
        cmocka_unit_test_setup_teardown(t_cache_reuse_is_fresh, setup, teardown),
        cmocka_unit_test_setup_teardown(t_cache_errors_do_not_poison, setup, teardown),
        cmocka_unit_test_setup_teardown(t_cache_bound_and_disable, setup, teardown),
    };
    return cmocka_run_group_tests_name(folio_test_backend_is_pg() ? "store/postgresql" : "store/sqlite",
                                       tests, NULL, NULL);
}
