/* Tests of the audit trail (include/folio/audit.h) on the backend under test: the chain, each kind
 * of tampering, checkpoints, concurrent appenders, search, who-accessed and the exports. */
#include "folio/base.h"

#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>
#include <pthread.h>

#include "folio/audit.h"
#include "folio/crypto.h"
#include "folio/store.h"
#include "testdb.h"

struct fx {
    struct folio_store *store;
    struct folio_arena arena;
    struct folio_err err;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->store = folio_test_store_open();
    folio_arena_init(&f->arena, 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    folio_arena_release(&f->arena);
    folio_test_store_close(f->store);
    free(f);
    return 0;
}

#define OK(call)                                                                                   \
    do {                                                                                           \
        enum folio_rc rc_ = (call);                                                                \
        if (rc_ != FOLIO_OK)                                                                       \
            fail_msg("%s -> %s: %s [%s]", #call, folio_rc_name(rc_), f->err.msg, f->err.field);    \
    } while (0)

static int64_t add(struct fx *f, const char *action, const char *user, int64_t patient,
                   const char *detail)
{
    struct folio_audit_event ev = {.action = action, .username = user, .roles = "coder",
                                   .patient_id = patient, .entity_type = patient ? "patient" : NULL,
                                   .entity_id = patient, .detail = detail, .client = "10.0.0.7"};
    int64_t seq = 0;
    OK(folio_audit_append(f->store, &ev, &seq, &f->err));
    assert_true(seq > 0);
    return seq;
}

static void fill(struct fx *f, int n)
{
    for (int i = 1; i <= n; i++)
        assert_int_equal(add(f, i % 3 ? "patient.view" : "patient.search", i % 2 ? "alice" : "bob",
                             i % 3 ? 40 + i % 4 : 0, i % 3 ? NULL : "name=smith"),
                         i);
}

static void exec(struct fx *f, const char *sql)
{
    OK(folio_store_exec(f->store, sql, &f->err));
}

static void expect_bad(struct fx *f, int64_t cp_seq, const char *cp_hash, int64_t seq,
                       const char *reason_part)
{
    struct folio_audit_verify_result r;
    OK(folio_audit_verify(f->store, cp_seq, cp_hash, &r, &f->err));
    if (r.ok)
        fail_msg("verify passed; expected entry %lld to be reported (%s)", (long long)seq,
                 reason_part);
    if (r.first_bad_seq != seq || strstr(r.reason, reason_part) == NULL)
        fail_msg("verify: first bad %lld \"%s\"; expected %lld \"%s\"", (long long)r.first_bad_seq,
                 r.reason, (long long)seq, reason_part);
}

static void expect_ok(struct fx *f, int64_t n)
{
    struct folio_audit_verify_result r;
    OK(folio_audit_verify(f->store, 0, NULL, &r, &f->err));
    if (!r.ok)
        fail_msg("verify failed at %lld: %s", (long long)r.first_bad_seq, r.reason);
    assert_int_equal(r.checked, n);
    assert_int_equal(r.first_bad_seq, 0);
}

static char *row_text(struct fx *f, const char *sql, int64_t seq)
{
    struct folio_stmt *st = NULL;
    bool row = false;
    char *v;
    OK(folio_store_prepare(f->store, sql, &st, &f->err));
    OK(folio_stmt_bind_i64(st, 1, seq));
    OK(folio_stmt_step(st, &row, &f->err));
    assert_true(row);
    v = folio_arena_strdup(&f->arena, folio_stmt_column_text(st, 0));
    folio_stmt_free(st);
    return v;
}

/* An independent implementation of canonical() as docs/audit.md states it, to show an outside
 * tool can recompute every hash. */
static void canon_field(struct folio_buf *b, const char *v)
{
    if (v == NULL)
        assert_int_equal(folio_buf_append_str(b, "-;"), FOLIO_OK);
    else
        assert_int_equal(folio_buf_appendf(b, "%zu:%s;", strlen(v), v), FOLIO_OK);
}

static void recompute(struct fx *f, int64_t seq, const char *prev, char out[65])
{
    static const char *const cols[] = {"CAST(seq AS TEXT)", "at", "action", "outcome", "username",
                                       "roles", "CAST(patient_id AS TEXT)", "entity_type",
                                       "CAST(entity_id AS TEXT)", "detail", "client"};
    struct folio_buf b;
    char sql[160];
    folio_buf_init(&b, 0);
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(cols); i++) {
        struct folio_stmt *st = NULL;
        bool row = false;
        folio_snprintf(sql, sizeof sql, "SELECT %s FROM audit_log WHERE seq = ?", cols[i]);
        OK(folio_store_prepare(f->store, sql, &st, &f->err));
        OK(folio_stmt_bind_i64(st, 1, seq));
        OK(folio_stmt_step(st, &row, &f->err));
        assert_true(row);
        canon_field(&b, folio_stmt_column_text(st, 0));
        folio_stmt_free(st);
    }
    assert_int_equal(folio_buf_append_str(&b, prev), FOLIO_OK);
    folio_sha256_hex(b.data, b.len, out);
    folio_buf_release(&b);
}

static void test_append_verify(void **state)
{
    struct fx *f = *state;
    char head[65], h[65];
    int64_t seq = -1;

    OK(folio_audit_checkpoint(f->store, &seq, head, &f->err));
    assert_int_equal(seq, 0);
    assert_string_equal(head, "0000000000000000000000000000000000000000000000000000000000000000");
    expect_ok(f, 0);
    fill(f, 10);
    expect_ok(f, 10);
    OK(folio_audit_checkpoint(f->store, &seq, head, &f->err));
    assert_int_equal(seq, 10);
    assert_string_equal(head, row_text(f, "SELECT hash FROM audit_log WHERE seq = ?", 10));

    /* every hash recomputed from the documented canonical form */
    char prev[65] = "0000000000000000000000000000000000000000000000000000000000000000";
    for (int64_t i = 1; i <= 10; i++) {
        recompute(f, i, prev, h);
        assert_string_equal(h, row_text(f, "SELECT hash FROM audit_log WHERE seq = ?", i));
        assert_string_equal(prev, row_text(f, "SELECT prev_hash FROM audit_log WHERE seq = ?", i));
        folio_strlcpy(prev, h, sizeof prev);
    }
    /* times have milliseconds and follow the sequence */
    const char *at1 = row_text(f, "SELECT at FROM audit_log WHERE seq = ?", 1);
    const char *at10 = row_text(f, "SELECT at FROM audit_log WHERE seq = ?", 10);
    assert_int_equal(strlen(at1), 24);
    assert_true(strcmp(at1, at10) <= 0);
    /* with the checkpoint taken now */
    struct folio_audit_verify_result r;
    OK(folio_audit_verify(f->store, 10, head, &r, &f->err));
    assert_true(r.ok);
    OK(folio_audit_verify(f->store, 4, row_text(f, "SELECT hash FROM audit_log WHERE seq = ?", 4),
                          &r, &f->err));
    assert_true(r.ok);
    assert_int_equal(r.checked, 10);
}

static void test_append_validation(void **state)
{
    struct fx *f = *state;
    struct folio_audit_event ev = {.action = "patient.view"};
    int64_t seq = 0;

    ev.action = "Patient View";
    assert_int_equal(folio_audit_append(f->store, &ev, &seq, &f->err), FOLIO_EINVAL);
    assert_string_equal(f->err.field, "action");
    ev.action = "patient";
    assert_int_equal(folio_audit_append(f->store, &ev, &seq, &f->err), FOLIO_EINVAL);
    ev.action = "patient.view";
    ev.outcome = "maybe";
    assert_int_equal(folio_audit_append(f->store, &ev, &seq, &f->err), FOLIO_EINVAL);
    assert_string_equal(f->err.field, "outcome");
    ev.outcome = "denied";
    ev.detail = "bad \xff utf-8";
    OK(folio_audit_append(f->store, &ev, &seq, &f->err));
    assert_int_equal(seq, 1);
    assert_string_equal(row_text(f, "SELECT detail FROM audit_log WHERE seq = ?", 1),
                        "bad ? utf-8");
    assert_string_equal(row_text(f, "SELECT outcome FROM audit_log WHERE seq = ?", 1), "denied");
    char *big = malloc(5000);
    assert_non_null(big);
    memset(big, 'x', 4999);
    big[0] = '\xc3'; /* a two-byte character first, to cross the boundary oddly */
    big[1] = '\xa9';
    big[4999] = '\0';
    ev.detail = big;
    OK(folio_audit_append(f->store, &ev, &seq, &f->err));
    free(big);
    assert_int_equal(strlen(row_text(f, "SELECT detail FROM audit_log WHERE seq = ?", 2)),
                     FOLIO_AUDIT_TEXT_MAX);
    /* an append rolled back with its transaction leaves no trace; the next reuses the number */
    OK(folio_store_begin(f->store, &f->err));
    ev.detail = NULL;
    OK(folio_audit_append(f->store, &ev, &seq, &f->err));
    assert_int_equal(seq, 3);
    folio_store_rollback(f->store);
    OK(folio_audit_append(f->store, &ev, &seq, &f->err));
    assert_int_equal(seq, 3);
    expect_ok(f, 3);
}

static void test_tamper_update(void **state)
{
    struct fx *f = *state;
    fill(f, 10);
    exec(f, "UPDATE audit_log SET username = 'mallory' WHERE seq = 5");
    expect_bad(f, 0, NULL, 5, "hash mismatch");
}

static void test_tamper_update_null(void **state)
{
    struct fx *f = *state;
    fill(f, 10);
    /* entry 3 is a search without a patient: NULL -> 0 must not pass */
    exec(f, "UPDATE audit_log SET patient_id = 0 WHERE seq = 3");
    expect_bad(f, 0, NULL, 3, "hash mismatch");
}

static void test_tamper_delete_middle(void **state)
{
    struct fx *f = *state;
    fill(f, 10);
    exec(f, "DELETE FROM audit_log WHERE seq = 6");
    expect_bad(f, 0, NULL, 6, "entry 6 missing");
    exec(f, "DELETE FROM audit_log WHERE seq = 7");
    expect_bad(f, 0, NULL, 6, "entries 6-7 missing");
    /* renumbering the rest to close the gap breaks the chain instead */
    exec(f, "UPDATE audit_log SET seq = seq - 2 WHERE seq > 7");
    expect_bad(f, 0, NULL, 6, "chain broken");
}

static void test_tamper_delete_last(void **state)
{
    struct fx *f = *state;
    fill(f, 10);
    exec(f, "DELETE FROM audit_log WHERE seq = 10");
    expect_bad(f, 0, NULL, 10, "head");
    exec(f, "DELETE FROM audit_log WHERE seq >= 8");
    expect_bad(f, 0, NULL, 8, "entries 8-10 missing");
}

static void test_tamper_insert(void **state)
{
    struct fx *f = *state;
    char h[65], sql[512];
    fill(f, 10);
    /* a copy of the last row as entry 11: its hash cannot match */
    exec(f, "INSERT INTO audit_log (seq, at, action, outcome, username, roles, patient_id, "
            "entity_type, entity_id, detail, client, prev_hash, hash) SELECT 11, at, action, "
            "outcome, username, roles, patient_id, entity_type, entity_id, detail, client, hash, "
            "hash FROM audit_log WHERE seq = 10");
    expect_bad(f, 0, NULL, 11, "hash mismatch");
    /* made to hash correctly (the algorithm is public), but the head does not know it */
    recompute(f, 11, row_text(f, "SELECT hash FROM audit_log WHERE seq = ?", 10), h);
    folio_snprintf(sql, sizeof sql, "UPDATE audit_log SET hash = '%s' WHERE seq = 11", h);
    exec(f, sql);
    expect_bad(f, 0, NULL, 11, "beyond the head");
    /* and appending over it is refused rather than forking the chain */
    struct folio_audit_event ev = {.action = "patient.view"};
    int64_t seq = 0;
    assert_int_equal(folio_audit_append(f->store, &ev, &seq, &f->err), FOLIO_ESTATE);
    assert_non_null(strstr(f->err.msg, "altered"));
    /* an inserted row in the middle needs renumbering: the chain breaks there */
    exec(f, "DELETE FROM audit_log WHERE seq = 11");
    exec(f, "UPDATE audit_log SET seq = seq + 100 WHERE seq >= 4");
    exec(f, "UPDATE audit_log SET seq = seq - 99 WHERE seq >= 100");
    exec(f, "INSERT INTO audit_log (seq, at, action, outcome, username, roles, patient_id, "
            "entity_type, entity_id, detail, client, prev_hash, hash) SELECT 4, at, action, "
            "outcome, 'mallory', roles, patient_id, entity_type, entity_id, detail, client, "
            "prev_hash, hash FROM audit_log WHERE seq = 5");
    expect_bad(f, 0, NULL, 4, "hash mismatch");
}

static void test_tamper_swap(void **state)
{
    struct fx *f = *state;
    fill(f, 10);
    exec(f, "UPDATE audit_log SET seq = -3 WHERE seq = 3");
    exec(f, "UPDATE audit_log SET seq = 3 WHERE seq = 7");
    exec(f, "UPDATE audit_log SET seq = 7 WHERE seq = -3");
    expect_bad(f, 0, NULL, 3, "chain broken");
}

static void test_tamper_swap_fields(void **state)
{
    struct fx *f = *state;
    char sql[256];
    fill(f, 10);
    /* swap only the content, keeping each row's hashes */
    const char *u2 = row_text(f, "SELECT username FROM audit_log WHERE seq = ?", 2);
    const char *u3 = row_text(f, "SELECT username FROM audit_log WHERE seq = ?", 3);
    assert_string_not_equal(u2, u3);
    folio_snprintf(sql, sizeof sql, "UPDATE audit_log SET username = '%s' WHERE seq = 2", u3);
    exec(f, sql);
    folio_snprintf(sql, sizeof sql, "UPDATE audit_log SET username = '%s' WHERE seq = 3", u2);
    exec(f, sql);
    expect_bad(f, 0, NULL, 2, "hash mismatch");
}

static void test_tamper_head(void **state)
{
    struct fx *f = *state;
    fill(f, 10);
    exec(f, "UPDATE audit_head SET hash = "
            "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'");
    expect_bad(f, 0, NULL, 10, "head does not match");
    exec(f, "UPDATE audit_head SET seq = 9");
    expect_bad(f, 0, NULL, 10, "beyond the head");
    exec(f, "UPDATE audit_head SET seq = 12");
    expect_bad(f, 0, NULL, 11, "entries 11-12 missing");
}

/* Rewriting the chain from entry k on (recomputing every later hash and the head) passes the chain
 * checks; only a checkpoint kept elsewhere catches it, and a truncation with the head rewound. */
static void test_checkpoint(void **state)
{
    struct fx *f = *state;
    char cp[65], h[65], sql[512];
    int64_t cp_seq = 0;

    fill(f, 10);
    OK(folio_audit_checkpoint(f->store, &cp_seq, cp, &f->err));
    assert_int_equal(cp_seq, 10);

    /* truncation: the tail deleted and the head moved back to entry 7 */
    const char *h7 = row_text(f, "SELECT hash FROM audit_log WHERE seq = ?", 7);
    exec(f, "DELETE FROM audit_log WHERE seq > 7");
    folio_snprintf(sql, sizeof sql, "UPDATE audit_head SET seq = 7, hash = '%s'", h7);
    exec(f, sql);
    expect_ok(f, 7);
    expect_bad(f, cp_seq, cp, 8, "checkpoint entry 10 is missing");

    /* a rewrite: entry 5 changed and the chain recomputed from there */
    for (int i = 8; i <= 10; i++)
        add(f, "patient.view", "carol", 1, NULL);
    OK(folio_audit_checkpoint(f->store, &cp_seq, cp, &f->err));
    exec(f, "UPDATE audit_log SET detail = 'rewritten' WHERE seq = 5");
    char prev[65];
    folio_strlcpy(prev, row_text(f, "SELECT hash FROM audit_log WHERE seq = ?", 4), sizeof prev);
    for (int64_t i = 5; i <= 10; i++) {
        recompute(f, i, prev, h);
        folio_snprintf(sql, sizeof sql,
                       "UPDATE audit_log SET prev_hash = '%s', hash = '%s' WHERE seq = %lld", prev,
                       h, (long long)i);
        exec(f, sql);
        folio_strlcpy(prev, h, sizeof prev);
    }
    folio_snprintf(sql, sizeof sql, "UPDATE audit_head SET hash = '%s'", prev);
    exec(f, sql);
    expect_ok(f, 10);
    expect_bad(f, cp_seq, cp, 10, "checkpoint mismatch");

    /* malformed checkpoints are refused */
    struct folio_audit_verify_result r;
    assert_int_equal(folio_audit_verify(f->store, 3, "xyz", &r, &f->err), FOLIO_EINVAL);
    assert_string_equal(f->err.field, "checkpoint");
    assert_int_equal(folio_audit_verify(f->store, -1, NULL, &r, &f->err), FOLIO_EINVAL);
}

/* ---- concurrency: 4 connections appending at once ---- */

struct worker {
    int id;
    int n;
    bool own_tx; /* the caller's transaction around each append (as the server does) */
    enum folio_rc rc;
    char msg[512];
};

static void *work(void *arg)
{
    struct worker *w = arg;
    struct folio_store *s = NULL;
    struct folio_err err = {0};
    char user[16];

    folio_snprintf(user, sizeof user, "user%d", w->id);
    w->rc = folio_store_open(folio_test_store_url(), &s, &err);
    for (int i = 0; !w->rc && i < w->n; i++) {
        struct folio_audit_event ev = {.action = "patient.view", .username = user,
                                       .patient_id = i + 1, .client = "cli"};
        if (!w->own_tx) {
            w->rc = folio_audit_append(s, &ev, NULL, &err);
            continue;
        }
        for (int attempt = 0; attempt < 20; attempt++) {
            w->rc = folio_store_begin(s, &err);
            if (!w->rc)
                w->rc = folio_audit_append(s, &ev, NULL, &err);
            if (!w->rc)
                w->rc = folio_store_commit(s, &err);
            if (w->rc)
                folio_store_rollback(s);
            if (w->rc != FOLIO_EBUSY)
                break;
        }
    }
    if (w->rc)
        folio_strlcpy(w->msg, err.msg, sizeof w->msg);
    folio_store_close(s);
    return NULL;
}

static void test_concurrent(void **state)
{
    struct fx *f = *state;
    pthread_t t[4];
    struct worker w[4];

    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){.id = i, .n = 250, .own_tx = i % 2 == 1};
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    for (int i = 0; i < 4; i++)
        if (w[i].rc)
            fail_msg("worker %d: %s: %s", i, folio_rc_name(w[i].rc), w[i].msg);
    expect_ok(f, 1000);
    struct folio_audit_query q = {.username = "user2"};
    struct folio_audit_page p;
    OK(folio_audit_search(f->store, &q, &f->arena, &p, &f->err));
    assert_int_equal(p.total, 250);
}

/* ---- search and who-accessed ---- */

static void test_search(void **state)
{
    struct fx *f = *state;
    struct folio_audit_page p;
    struct folio_audit_query q;

    add(f, "patient.search", "alice", 0, "name=smith");
    add(f, "patient.view", "alice", 7, NULL);
    add(f, "document.view", "bob", 7, NULL);
    add(f, "document.create", "bob", 8, NULL);
    add(f, "auth.login_failed", NULL, 0, "bad_password");
    add(f, "auth.login", "carol", 0, NULL);

    memset(&q, 0, sizeof q);
    OK(folio_audit_search(f->store, &q, &f->arena, &p, &f->err));
    assert_int_equal(p.total, 6);
    assert_int_equal(p.n, 6);
    assert_int_equal(p.items[0].seq, 6); /* newest first */
    assert_string_equal(p.items[0].action, "auth.login");
    assert_null(p.items[1].username);
    assert_string_equal(p.items[5].detail, "name=smith");
    assert_string_equal(p.items[5].client, "10.0.0.7");
    assert_int_equal(p.items[5].patient_id, 0);
    assert_int_equal(strlen(p.items[5].hash), 64);

    q.patient_id = 7;
    OK(folio_audit_search(f->store, &q, &f->arena, &p, &f->err));
    assert_int_equal(p.total, 2);
    assert_int_equal(p.items[0].seq, 3);
    assert_int_equal(p.items[1].seq, 2);
    assert_string_equal(p.items[1].entity_type, "patient");
    assert_int_equal(p.items[1].entity_id, 7);

    memset(&q, 0, sizeof q);
    q.username = "bob";
    OK(folio_audit_search(f->store, &q, &f->arena, &p, &f->err));
    assert_int_equal(p.total, 2);
    q.action = "document.view";
    OK(folio_audit_search(f->store, &q, &f->arena, &p, &f->err));
    assert_int_equal(p.total, 1);
    q.username = NULL;
    q.action = "document.";
    OK(folio_audit_search(f->store, &q, &f->arena, &p, &f->err));
    assert_int_equal(p.total, 2);
    q.action = "auth.login"; /* exact: not auth.login_failed */
    OK(folio_audit_search(f->store, &q, &f->arena, &p, &f->err));
    assert_int_equal(p.total, 1);
    q.action = "auth.login_";
    OK(folio_audit_search(f->store, &q, &f->arena, &p, &f->err));
    assert_int_equal(p.total, 0);

    /* limit / offset */
    memset(&q, 0, sizeof q);
    q.limit = 2;
    q.offset = 1;
    OK(folio_audit_search(f->store, &q, &f->arena, &p, &f->err));
    assert_int_equal(p.total, 6);
    assert_int_equal(p.n, 2);
    assert_int_equal(p.items[0].seq, 5);
    q.offset = 10;
    OK(folio_audit_search(f->store, &q, &f->arena, &p, &f->err));
    assert_int_equal(p.n, 0);
    assert_int_equal(p.total, 6);

    /* time bounds, at their precision */
    exec(f, "UPDATE audit_log SET at = '2024-03-05T10:00:00.000Z' WHERE seq <= 2");
    exec(f, "UPDATE audit_log SET at = '2024-03-06T23:59:59.999Z' WHERE seq = 3");
    memset(&q, 0, sizeof q);
    q.to = "2024-03-05";
    OK(folio_audit_search(f->store, &q, &f->arena, &p, &f->err));
    assert_int_equal(p.total, 2);
    q.to = "2024-03-06";
    OK(folio_audit_search(f->store, &q, &f->arena, &p, &f->err));
    assert_int_equal(p.total, 3);
    q.from = "2024-03-05T10:00:01Z";
    OK(folio_audit_search(f->store, &q, &f->arena, &p, &f->err));
    assert_int_equal(p.total, 1);
    q.from = "2024-03-05T05:00-05:00"; /* = 10:00Z */
    OK(folio_audit_search(f->store, &q, &f->arena, &p, &f->err));
    assert_int_equal(p.total, 3);
    q.from = "2024-13-01";
    assert_int_equal(folio_audit_search(f->store, &q, &f->arena, &p, &f->err), FOLIO_EINVAL);
    assert_string_equal(f->err.field, "from");
}

static void test_who_accessed(void **state)
{
    struct fx *f = *state;
    struct folio_audit_access *acc = NULL;
    size_t n = 0;

    add(f, "patient.view", "alice", 7, NULL);
    add(f, "document.view", "alice", 7, NULL);
    add(f, "patient.view", "alice", 7, NULL);
    add(f, "patient.view", "bob", 7, NULL);
    add(f, "patient.view", "carol", 8, NULL);
    exec(f, "UPDATE audit_log SET at = '2024-01-01T00:00:00.000Z' WHERE seq = 1");
    exec(f, "UPDATE audit_log SET at = '2024-02-01T00:00:00.000Z' WHERE seq IN (2, 3)");
    exec(f, "UPDATE audit_log SET at = '2024-03-01T00:00:00.000Z' WHERE seq = 4");

    OK(folio_audit_who_accessed(f->store, 7, NULL, NULL, &f->arena, &acc, &n, &f->err));
    assert_int_equal(n, 2);
    assert_string_equal(acc[0].username, "bob"); /* latest access first */
    assert_int_equal(acc[0].count, 1);
    assert_string_equal(acc[1].username, "alice");
    assert_int_equal(acc[1].count, 3);
    assert_string_equal(acc[1].actions, "document.view,patient.view");
    assert_string_equal(acc[1].first_at, "2024-01-01T00:00:00.000Z");
    assert_string_equal(acc[1].last_at, "2024-02-01T00:00:00.000Z");
    assert_string_equal(acc[1].roles, "coder");

    OK(folio_audit_who_accessed(f->store, 7, "2024-01-15", "2024-02", &f->arena, &acc, &n,
                                &f->err));
    assert_int_equal(n, 1);
    assert_int_equal(acc[0].count, 2);
    OK(folio_audit_who_accessed(f->store, 99, NULL, NULL, &f->arena, &acc, &n, &f->err));
    assert_int_equal(n, 0);
    assert_int_equal(folio_audit_who_accessed(f->store, 0, NULL, NULL, &f->arena, &acc, &n,
                                              &f->err),
                     FOLIO_EINVAL);
}

/* ---- exports ---- */

static char *slurp(FILE *fp)
{
    long len;
    char *buf;
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    len = ftell(fp);
    assert_true(len >= 0);
    rewind(fp);
    buf = calloc(1, (size_t)len + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)len, fp), (size_t)len);
    return buf;
}

static void add_varied(struct fx *f)
{
    struct folio_audit_event ev = {.action = "document.view", .username = "alice",
                                   .roles = "clinician", .patient_id = 7,
                                   .entity_type = "document", .entity_id = 33,
                                   .client = "192.168.1.20", .detail = "version 2"};
    OK(folio_audit_append(f->store, &ev, NULL, &f->err));
    add(f, "patient.search", "bob", 0, "name=O'Brien & <Zoë>\nline2");
    struct folio_audit_event ev2 = {.action = "auth.login_failed", .outcome = "failure",
                                    .detail = "bad_password", .client = "::1"};
    OK(folio_audit_append(f->store, &ev2, NULL, &f->err));
    add(f, "patient.create", "alice", 8, NULL);
}

static void test_export_fhir(void **state)
{
    struct fx *f = *state;
    FILE *fp = tmpfile();
    json_t *root, *entries, *ev;
    json_error_t jerr;
    char *text;

    assert_non_null(fp);
    add_varied(f);
    OK(folio_audit_export_fhir(f->store, NULL, fp, &f->err));
    text = slurp(fp);
    fclose(fp);
    root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        fail_msg("FHIR export is not JSON: line %d: %s\n%s", jerr.line, jerr.text, text);
    free(text);
    assert_string_equal(json_string_value(json_object_get(root, "resourceType")), "Bundle");
    assert_string_equal(json_string_value(json_object_get(root, "type")), "collection");
    entries = json_object_get(root, "entry");
    assert_int_equal(json_array_size(entries), 4);

    ev = json_object_get(json_array_get(entries, 0), "resource");
    assert_string_equal(json_string_value(json_object_get(ev, "resourceType")), "AuditEvent");
    assert_string_equal(json_string_value(json_object_get(ev, "id")), "1");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(ev, "type"), "code")), "110110");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(ev, "type"), "system")),
        "http://dicom.nema.org/resources/ontology/DCM");
    assert_string_equal(json_string_value(json_object_get(ev, "action")), "R");
    assert_string_equal(json_string_value(json_object_get(ev, "outcome")), "0");
    assert_int_equal(strlen(json_string_value(json_object_get(ev, "recorded"))), 24);
    json_t *agent = json_array_get(json_object_get(ev, "agent"), 0);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(agent, "who"), "display")), "alice");
    assert_true(json_is_true(json_object_get(agent, "requestor")));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(agent, "network"), "address")),
        "192.168.1.20");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(agent, "network"), "type")), "2");
    json_t *src = json_object_get(ev, "source");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(src, "observer"), "display")), "Folio");
    json_t *ent = json_object_get(ev, "entity");
    assert_int_equal(json_array_size(ent), 2);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_array_get(ent, 0), "what"), "reference")),
                        "Patient/7");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_array_get(ent, 1), "what"), "reference")),
                        "DocumentReference/33");

    ev = json_object_get(json_array_get(entries, 1), "resource");
    assert_string_equal(json_string_value(json_object_get(ev, "action")), "E");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(ev, "type"), "code")), "110112");
    json_t *det = json_array_get(
        json_object_get(json_array_get(json_object_get(ev, "entity"), 0), "detail"), 0);
    assert_string_equal(json_string_value(json_object_get(det, "valueString")),
                        "name=O'Brien & <Zoë>\nline2");

    ev = json_object_get(json_array_get(entries, 2), "resource");
    assert_string_equal(json_string_value(json_object_get(ev, "outcome")), "4");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(ev, "type"), "code")), "110114");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(ev, "subtype"), 0), "code")),
                        "110122");

    ev = json_object_get(json_array_get(entries, 3), "resource");
    assert_string_equal(json_string_value(json_object_get(ev, "action")), "C");
    json_decref(root);

    /* filters apply */
    fp = tmpfile();
    assert_non_null(fp);
    struct folio_audit_query q = {.patient_id = 8};
    OK(folio_audit_export_fhir(f->store, &q, fp, &f->err));
    text = slurp(fp);
    fclose(fp);
    root = json_loads(text, 0, &jerr);
    free(text);
    assert_non_null(root);
    assert_int_equal(json_array_size(json_object_get(root, "entry")), 1);
    json_decref(root);
}

static void test_export_syslog(void **state)
{
    struct fx *f = *state;
    FILE *fp = tmpfile();
    char *text, *line, *next;
    int n = 0;

    assert_non_null(fp);
    add_varied(f);
    OK(folio_audit_export_syslog(f->store, NULL, "him host.example", fp, &f->err));
    text = slurp(fp);
    fclose(fp);
    for (line = text; *line; line = next) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl); /* every line ends with a newline */
        *nl = '\0';
        next = nl + 1;
        n++;
        /* <PRI>1 TIMESTAMP HOSTNAME folio - AUDIT - MSG */
        int pri = -1, off = 0;
        char ts[64], host[64];
        assert_int_equal(sscanf(line, "<%d>1 %63s %63s folio - AUDIT - %n", &pri, ts, host, &off),
                         3);
        assert_true(off > 0);
        assert_true(pri == 85 || pri == 84);
        assert_int_equal(strlen(ts), 24);
        assert_int_equal(ts[10], 'T');
        assert_int_equal(ts[23], 'Z');
        assert_string_equal(host, "himhost.example");
        const char *msg = line + off;
        assert_true(strncmp(msg, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><AuditMessage>", 52) == 0);
        assert_non_null(strstr(msg, "</AuditMessage>"));
        assert_string_equal(msg + strlen(msg) - 15, "</AuditMessage>");
        assert_non_null(strstr(msg, "<EventIdentification EventActionCode=\""));
        assert_non_null(strstr(msg, "EventOutcomeIndicator=\""));
        assert_non_null(strstr(msg, "<EventID csd-code=\""));
        assert_non_null(strstr(msg, "<ActiveParticipant UserID=\""));
        assert_non_null(strstr(msg, "<AuditSourceIdentification AuditSourceID=\"Folio\">"));
        if (n == 1) {
            assert_int_equal(pri, 85);
            assert_non_null(strstr(msg, "EventActionCode=\"R\""));
            assert_non_null(strstr(msg, "csd-code=\"110110\""));
            assert_non_null(strstr(msg, "UserID=\"alice\""));
            assert_non_null(strstr(msg, "NetworkAccessPointID=\"192.168.1.20\""));
            assert_non_null(strstr(msg, "ParticipantObjectID=\"7\" ParticipantObjectTypeCode=\"1\" "
                                        "ParticipantObjectTypeCodeRole=\"1\""));
        }
        if (n == 2) {
            /* the search terms travel base64-encoded (xs:base64Binary), never raw */
            assert_null(strstr(msg, "O'Brien"));
            assert_non_null(strstr(msg, "<ParticipantObjectQuery>"));
        }
        if (n == 3) {
            assert_int_equal(pri, 84);
            assert_non_null(strstr(msg, "EventOutcomeIndicator=\"4\""));
            assert_non_null(strstr(msg, "UserID=\"(anonymous)\""));
        }
    }
    assert_int_equal(n, 4);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_append_verify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_append_validation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper_update, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper_update_null, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper_delete_middle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper_delete_last, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper_insert, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper_swap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper_swap_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper_head, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search, setup, teardown),
        cmocka_unit_test_setup_teardown(test_who_accessed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_export_fhir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_export_syslog, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
