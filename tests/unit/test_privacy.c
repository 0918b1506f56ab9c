/* Tests of users, roles, sessions and the permission policy (include/folio/privacy.h) on the
 * backend under test. FOLIO_PWHASH_FAST=1 is set for speed, except in the rehash test. */
#include "folio/base.h"

#include <setjmp.h>
#include <cmocka.h>

#include "folio/crypto.h"
#include "folio/privacy.h"
#include "folio/store.h"
#include "privacy/privacy_int.h"
#include "testdb.h"

#define PW  "correct horse battery"
#define PW2 "another long password"

struct fx {
    struct folio_store *store;
    struct folio_arena arena;
    struct folio_err err;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    struct folio_err err = {0};
    assert_int_equal(folio_crypto_init(&err), FOLIO_OK);
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

#define EXPECT(code, fld, call)                                                                    \
    do {                                                                                           \
        folio_err_clear(&f->err);                                                                  \
        enum folio_rc rc_ = (call);                                                                \
        if (rc_ != (code))                                                                         \
            fail_msg("%s -> %s (want %s): %s", #call, folio_rc_name(rc_), folio_rc_name(code),     \
                     f->err.msg);                                                                  \
        if ((fld) != NULL)                                                                         \
            assert_string_equal(f->err.field, (const char *)(fld));                                \
    } while (0)

/* Runs literal test SQL (values chosen by the test, never input). */
static void sql(struct fx *f, const char *q)
{
    OK(folio_store_exec(f->store, q, &f->err));
}

/* First column of the first row as text into out ("" for NULL or no row). */
static void sql_text(struct fx *f, const char *q, char *out, size_t cap)
{
    struct folio_stmt *st = NULL;
    bool row = false;
    OK(folio_store_prepare(f->store, q, &st, &f->err));
    OK(folio_stmt_step(st, &row, &f->err));
    const char *v = row ? folio_stmt_column_text(st, 0) : NULL;
    folio_strlcpy(out, v ? v : "", cap);
    folio_stmt_free(st);
}

static int64_t sql_i64(struct fx *f, const char *q)
{
    int64_t v = -1;
    bool found = false;
    OK(folio_store_query_i64(f->store, q, NULL, 0, &v, &found, &f->err));
    assert_true(found);
    return v;
}

static void add_user(struct fx *f, const char *name, uint32_t roles)
{
    int64_t id = 0;
    OK(folio_user_add(f->store, "tester", name, "Test User", roles, PW, &id, &f->err));
    assert_true(id > 0);
}

static void test_roles(void **state)
{
    (void)state;
    struct folio_err err = {0};
    uint32_t r = 0;
    char buf[256];

    assert_string_equal(folio_role_name(FOLIO_ROLE_CODER), "coder");
    assert_string_equal(folio_role_name(FOLIO_ROLE_ADMINISTRATOR), "administrator");
    assert_string_equal(folio_role_title(FOLIO_ROLE_HIM_TECHNICIAN), "HIM technician");
    assert_null(folio_role_name(FOLIO_ROLE_CODER | FOLIO_ROLE_CLINICIAN));
    assert_null(folio_role_name(1u << 12));
    assert_int_equal(folio_roles_parse("coder, Clinician", &r, &err), FOLIO_OK);
    assert_int_equal(r, FOLIO_ROLE_CODER | FOLIO_ROLE_CLINICIAN);
    assert_true(folio_roles_format(r, buf, sizeof buf));
    assert_string_equal(buf, "coder,clinician");
    assert_true(folio_roles_format(FOLIO_ROLE_ALL, buf, sizeof buf));
    assert_string_equal(buf, "him_technician,chart_analyst,coder,coding_auditor,roi_specialist,"
                             "privacy_officer,cancer_registrar,clinician,analyst,administrator");
    assert_false(folio_roles_format(FOLIO_ROLE_ALL, buf, 10));
    assert_true(folio_roles_format(0, buf, sizeof buf));
    assert_string_equal(buf, "");

    assert_int_equal(folio_roles_parse("coder,wizard", &r, &err), FOLIO_EINVAL);
    assert_string_equal(err.field, "roles");
    assert_non_null(strstr(err.msg, "'wizard'"));
    assert_int_equal(folio_roles_parse("coder,,analyst", &r, &err), FOLIO_EINVAL);
    assert_int_equal(folio_roles_parse("", &r, &err), FOLIO_EINVAL);
    assert_string_equal(err.field, "roles");

    assert_string_equal(folio_perm_name(FOLIO_PERM_PATIENT_READ), "patient.read");
    assert_string_equal(folio_perm_name(FOLIO_PERM_USER_ADMIN), "user.admin");
    assert_string_equal(folio_perm_name(FOLIO_PERM__COUNT), "unknown");
}

static void test_policy(void **state)
{
    (void)state;
    for (uint32_t r = 1; r <= FOLIO_ROLE_ADMINISTRATOR; r <<= 1) {
        assert_true(folio_roles_can(r, FOLIO_PERM_NONE));
        assert_true(folio_roles_can(r, FOLIO_PERM_SIGNED_IN));
    }
    assert_true(folio_roles_can(0, FOLIO_PERM_NONE));
    assert_false(folio_roles_can(0, FOLIO_PERM_SIGNED_IN));
    /* separation of duties: the administrator sees no patient data */
    assert_false(folio_roles_can(FOLIO_ROLE_ADMINISTRATOR, FOLIO_PERM_PATIENT_READ));
    assert_true(folio_roles_can(FOLIO_ROLE_ADMINISTRATOR, FOLIO_PERM_USER_ADMIN));
    /* de-identified view for the analyst */
    assert_true(folio_roles_can(FOLIO_ROLE_ANALYST, FOLIO_PERM_PATIENT_READ));
    assert_false(folio_roles_can(FOLIO_ROLE_ANALYST, FOLIO_PERM_IDENTIFIERS));
    assert_false(folio_roles_can(FOLIO_ROLE_PRIVACY_OFFICER, FOLIO_PERM_DOCUMENT_READ));
    assert_true(folio_roles_can(FOLIO_ROLE_PRIVACY_OFFICER, FOLIO_PERM_AUDIT_READ));
    assert_false(folio_roles_can(FOLIO_ROLE_CODER, FOLIO_PERM_DOCUMENT_AMEND));
    assert_true(folio_roles_can(FOLIO_ROLE_CLINICIAN, FOLIO_PERM_DOCUMENT_AMEND));
    /* union of roles */
    assert_true(folio_roles_can(FOLIO_ROLE_ANALYST | FOLIO_ROLE_CODER, FOLIO_PERM_IDENTIFIERS));
    assert_false(folio_roles_can(FOLIO_ROLE_ALL, FOLIO_PERM__COUNT));
}

/* ---- docs/permissions.md must state exactly the policy of policy.c ---- */
static struct folio_sv cell_trim(struct folio_sv c)
{
    c = folio_sv_trim(c);
    if (c.len >= 2 && c.p[0] == '`' && c.p[c.len - 1] == '`') {
        c.p++;
        c.len -= 2;
    }
    return c;
}

static void test_policy_matches_docs(void **state)
{
    (void)state;
    const char *dir = getenv("FOLIO_SOURCE_DIR");
    char path[1024];
    struct folio_buf b;
    struct folio_err err = {0};
    uint32_t col_role[16] = {0};
    size_t ncols = 0;
    bool seen_perm[FOLIO_PERM__COUNT] = {false};
    uint32_t seen_roles = 0;
    int checked = 0;

    if (folio_str_empty(dir))
        fail_msg("FOLIO_SOURCE_DIR is not set");
    assert_true(folio_snprintf(path, sizeof path, "%s/docs/permissions.md", dir));
    folio_buf_init(&b, 1 << 20);
    if (folio_buf_read_file(&b, path, &err) != FOLIO_OK)
        fail_msg("%s", err.msg);

    struct folio_sv text = {b.data, b.len}, line;
    bool in_table = false;
    while (folio_sv_next_field(&text, '\n', &line)) {
        line = folio_sv_trim(line);
        if (!in_table) {
            if (!folio_sv_starts_with(line, "| permission |"))
                continue;
            /* header: permission, then one column per role */
            struct folio_sv rest = {line.p + 1, line.len - 1}, c;
            bool first = true;
            while (folio_sv_next_field(&rest, '|', &c)) {
                c = cell_trim(c);
                if (rest.p == NULL && c.len == 0)
                    break;
                if (first) {
                    first = false;
                    continue;
                }
                uint32_t r = 0;
                char name[64];
                assert_true(c.len < sizeof name);
                memcpy(name, c.p, c.len);
                name[c.len] = '\0';
                if (folio_roles_parse(name, &r, &err) != FOLIO_OK)
                    fail_msg("docs/permissions.md: unknown role column '%s'", name);
                assert_true(ncols < 16);
                col_role[ncols++] = r;
                seen_roles |= r;
            }
            in_table = true;
            continue;
        }
        if (line.len == 0 || line.p[0] != '|')
            break; /* end of the table */
        if (folio_sv_starts_with(line, "| ---") || folio_sv_starts_with(line, "|---"))
            continue;
        struct folio_sv rest = {line.p + 1, line.len - 1}, c;
        enum folio_perm p = FOLIO_PERM__COUNT;
        size_t col = 0;
        bool first = true;
        while (folio_sv_next_field(&rest, '|', &c)) {
            c = cell_trim(c);
            if (rest.p == NULL && c.len == 0)
                break;
            if (first) {
                first = false;
                for (int k = 1; k < FOLIO_PERM__COUNT; k++)
                    if (folio_sv_eq_cstr(c, folio_perm_name((enum folio_perm)k)))
                        p = (enum folio_perm)k;
                if (p == FOLIO_PERM__COUNT)
                    fail_msg("docs/permissions.md: unknown permission row '%.*s'", (int)c.len, c.p);
                seen_perm[p] = true;
                continue;
            }
            if (col >= ncols)
                fail_msg("docs/permissions.md: row %s has too many cells", folio_perm_name(p));
            bool yes = folio_sv_eq_cstr(c, "yes");
            if (!yes && !folio_sv_eq_cstr(c, "-"))
                fail_msg("docs/permissions.md: cell '%.*s' (row %s) is neither yes nor -",
                         (int)c.len, c.p, folio_perm_name(p));
            if (yes != folio_roles_can(col_role[col], p))
                fail_msg("docs/permissions.md says %s %s %s; policy.c says the opposite",
                         folio_role_name(col_role[col]), yes ? "has" : "lacks", folio_perm_name(p));
            col++;
            checked++;
        }
        if (col != ncols)
            fail_msg("docs/permissions.md: row %s has %zu cells, want %zu", folio_perm_name(p), col,
                     ncols);
    }
    folio_buf_release(&b);
    if (!in_table)
        fail_msg("docs/permissions.md: no table with a '| permission |' header");
    assert_int_equal(seen_roles, FOLIO_ROLE_ALL);
    assert_int_equal(ncols, 10);
    for (int k = 1; k < FOLIO_PERM__COUNT; k++)
        if (!seen_perm[k])
            fail_msg("docs/permissions.md: no row for %s", folio_perm_name((enum folio_perm)k));
    assert_int_equal(checked, 10 * (FOLIO_PERM__COUNT - 1));
}

static void test_user_admin(void **state)
{
    struct fx *f = *state;
    struct folio_user u;
    struct folio_user *list = NULL;
    size_t n = 0;
    int64_t id = 0;

    OK(folio_user_add(f->store, "admin1", "Coder.One", "Casey Coder",
                      FOLIO_ROLE_CODER | FOLIO_ROLE_CLINICIAN, PW, &id, &f->err));
    assert_true(id > 0);
    OK(folio_user_get(f->store, "coder.one", &f->arena, &u, &f->err));
    assert_int_equal(u.id, id);
    assert_string_equal(u.username, "coder.one"); /* lower-cased */
    assert_string_equal(u.display_name, "Casey Coder");
    assert_int_equal(u.roles, FOLIO_ROLE_CODER | FOLIO_ROLE_CLINICIAN);
    assert_false(u.disabled);
    assert_null(u.locked_until);
    assert_null(u.last_login_at);
    assert_non_null(u.created_at);
    assert_non_null(u.password_changed_at);
    char who[64];
    sql_text(f, "SELECT created_by FROM users", who, sizeof who);
    assert_string_equal(who, "admin1");

    EXPECT(
        FOLIO_ECONFLICT, "username",
        folio_user_add(f->store, "admin1", "CODER.ONE", NULL, FOLIO_ROLE_CODER, PW, NULL, &f->err));
    add_user(f, "analyst", FOLIO_ROLE_ANALYST);
    OK(folio_user_list(f->store, &f->arena, &list, &n, &f->err));
    assert_int_equal(n, 2);
    assert_string_equal(list[0].username, "analyst");
    assert_string_equal(list[1].username, "coder.one");

    OK(folio_user_set_disabled(f->store, "admin1", "coder.one", true, &f->err));
    OK(folio_user_get(f->store, "coder.one", &f->arena, &u, &f->err));
    assert_true(u.disabled);
    OK(folio_user_set_disabled(f->store, "admin1", "coder.one", false, &f->err));
    OK(folio_user_get(f->store, "coder.one", &f->arena, &u, &f->err));
    assert_false(u.disabled);

    OK(folio_user_set_roles(f->store, "admin2", "coder.one", FOLIO_ROLE_CODING_AUDITOR, &f->err));
    OK(folio_user_get(f->store, "coder.one", &f->arena, &u, &f->err));
    assert_int_equal(u.roles, FOLIO_ROLE_CODING_AUDITOR);
    sql_text(f, "SELECT updated_by FROM users WHERE username = 'coder.one'", who, sizeof who);
    assert_string_equal(who, "admin2");

    char h1[256], h2[256];
    sql_text(f, "SELECT password_hash FROM users WHERE username = 'coder.one'", h1, sizeof h1);
    assert_true(strncmp(h1, "$argon2id$", 10) == 0);
    OK(folio_user_reset_password(f->store, "admin1", "coder.one", PW2, &f->err));
    sql_text(f, "SELECT password_hash FROM users WHERE username = 'coder.one'", h2, sizeof h2);
    assert_string_not_equal(h1, h2);

    EXPECT(FOLIO_ENOTFOUND, "username", folio_user_get(f->store, "nobody", &f->arena, &u, &f->err));
    EXPECT(FOLIO_ENOTFOUND, "username",
           folio_user_set_disabled(f->store, "a", "nobody", true, &f->err));
    EXPECT(FOLIO_ENOTFOUND, "username",
           folio_user_set_roles(f->store, "a", "nobody", FOLIO_ROLE_CODER, &f->err));
    EXPECT(FOLIO_ENOTFOUND, "username",
           folio_user_reset_password(f->store, "a", "nobody", PW, &f->err));
    assert_int_equal(sql_i64(f, "SELECT COUNT(*) FROM users"), 2);
}

static void test_user_validation(void **state)
{
    struct fx *f = *state;
    char longname[80];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';

    EXPECT(FOLIO_EINVAL, "username",
           folio_user_add(f->store, "t", "bad name", NULL, FOLIO_ROLE_CODER, PW, NULL, &f->err));
    assert_non_null(strstr(f->err.msg, "bad name"));
    EXPECT(FOLIO_EINVAL, "username",
           folio_user_add(f->store, "t", "", NULL, FOLIO_ROLE_CODER, PW, NULL, &f->err));
    EXPECT(FOLIO_EINVAL, "username",
           folio_user_add(f->store, "t", longname, NULL, FOLIO_ROLE_CODER, PW, NULL, &f->err));
    EXPECT(FOLIO_EINVAL, "username",
           folio_user_add(f->store, "t", "jos\xc3\xa9", NULL, FOLIO_ROLE_CODER, PW, NULL, &f->err));
    EXPECT(FOLIO_EINVAL, "password",
           folio_user_add(f->store, "t", "ok", NULL, FOLIO_ROLE_CODER, "short-pw", NULL, &f->err));
    assert_null(strstr(f->err.msg, "short-pw"));
    EXPECT(FOLIO_EINVAL, "password",
           folio_user_add(f->store, "t", "ok", NULL, FOLIO_ROLE_CODER, NULL, NULL, &f->err));
    char *huge = malloc(2000);
    assert_non_null(huge);
    memset(huge, 'p', 1999);
    huge[1999] = '\0';
    EXPECT(FOLIO_EINVAL, "password",
           folio_user_add(f->store, "t", "ok", NULL, FOLIO_ROLE_CODER, huge, NULL, &f->err));
    free(huge);
    EXPECT(FOLIO_EINVAL, "roles", folio_user_add(f->store, "t", "ok", NULL, 0, PW, NULL, &f->err));
    EXPECT(FOLIO_EINVAL, "roles",
           folio_user_add(f->store, "t", "ok", NULL, 1u << 20, PW, NULL, &f->err));
    EXPECT(FOLIO_EINVAL, "display_name",
           folio_user_add(f->store, "t", "ok", "a\nb", FOLIO_ROLE_CODER, PW, NULL, &f->err));
    EXPECT(FOLIO_EINVAL, "display_name",
           folio_user_add(f->store, "t", "ok", "bad\xff", FOLIO_ROLE_CODER, PW, NULL, &f->err));
    assert_int_equal(sql_i64(f, "SELECT COUNT(*) FROM users"), 0);

    add_user(f, "ok", FOLIO_ROLE_CODER);
    EXPECT(FOLIO_EINVAL, "roles", folio_user_set_roles(f->store, "t", "ok", 0, &f->err));
    EXPECT(FOLIO_EINVAL, "password",
           folio_user_reset_password(f->store, "t", "ok", "tooshort", &f->err));
}

static void test_login(void **state)
{
    struct fx *f = *state;
    char token[FOLIO_TOKEN_HEX_LEN + 1], msg_bad[512];
    struct folio_session s, c;
    const char *reason = "unset";
    struct folio_user u;

    add_user(f, "coder", FOLIO_ROLE_CODER);
    OK(folio_auth_login_from(f->store, NULL, "Coder", PW, false, "127.0.0.1", token, &s, &reason,
                             &f->err));
    assert_null(reason);
    assert_int_equal(strlen(token), 64);
    assert_true(s.id > 0);
    assert_string_equal(s.username, "coder");
    assert_string_equal(s.display_name, "Test User");
    assert_int_equal(s.roles, FOLIO_ROLE_CODER);
    assert_false(s.cookie);
    assert_string_equal(s.csrf, "");
    assert_true(s.expires_at[0] != '\0');
    OK(folio_auth_check(f->store, NULL, token, &c, &f->err));
    assert_int_equal(c.id, s.id);
    assert_int_equal(c.user_id, s.user_id);
    assert_string_equal(c.username, "coder");
    assert_string_equal(c.expires_at, s.expires_at);
    OK(folio_user_get(f->store, "coder", &f->arena, &u, &f->err));
    assert_non_null(u.last_login_at);
    char client[64];
    sql_text(f, "SELECT client FROM sessions", client, sizeof client);
    assert_string_equal(client, "127.0.0.1");

    /* the token is stored only as its SHA-256 */
    char sha[65];
    folio_sha256_hex(token, 64, sha);
    assert_int_equal(sql_i64(f, "SELECT COUNT(*) FROM sessions"), 1);
    char q[512];
    folio_snprintf(q, sizeof q,
                   "SELECT COUNT(*) FROM sessions WHERE token_sha256 LIKE '%%%s%%' OR csrf LIKE "
                   "'%%%s%%' OR client LIKE '%%%s%%'",
                   token, token, token);
    assert_int_equal(sql_i64(f, q), 0);
    folio_snprintf(q, sizeof q, "SELECT COUNT(*) FROM sessions WHERE token_sha256 = '%s'", sha);
    assert_int_equal(sql_i64(f, q), 1);
    folio_snprintf(q, sizeof q, "SELECT COUNT(*) FROM users WHERE password_hash LIKE '%%%s%%'", PW);
    assert_int_equal(sql_i64(f, q), 0);

    /* wrong password and unknown user: the same answer */
    EXPECT(FOLIO_EPERM, NULL,
           folio_auth_login(f->store, NULL, "coder", "wrong password!", false, token, &s, &reason,
                            &f->err));
    assert_string_equal(reason, "bad_password");
    assert_string_equal(token, "");
    folio_strlcpy(msg_bad, f->err.msg, sizeof msg_bad);
    assert_null(strstr(msg_bad, "wrong password!"));
    EXPECT(FOLIO_EPERM, NULL,
           folio_auth_login(f->store, NULL, "nobody", PW, false, token, &s, &reason, &f->err));
    assert_string_equal(reason, "unknown_user");
    assert_string_equal(f->err.msg, msg_bad);
    assert_string_equal(f->err.field, "");
    EXPECT(FOLIO_EPERM, NULL,
           folio_auth_login(f->store, NULL, "bad name!", PW, false, token, &s, &reason, &f->err));
    assert_string_equal(reason, "unknown_user");
    assert_string_equal(f->err.msg, msg_bad);
    /* the failure was recorded */
    assert_int_equal(sql_i64(f, "SELECT failed_count FROM users WHERE username = 'coder'"), 1);
    /* success resets the count */
    OK(folio_auth_login(f->store, NULL, "coder", PW, false, token, &s, NULL, &f->err));
    assert_int_equal(sql_i64(f, "SELECT failed_count FROM users WHERE username = 'coder'"), 0);

    /* bad tokens */
    EXPECT(FOLIO_EPERM, NULL, folio_auth_check(f->store, NULL, "abc", &c, &f->err));
    EXPECT(FOLIO_EPERM, NULL, folio_auth_check(f->store, NULL, NULL, &c, &f->err));
    char other[65];
    memset(other, 'a', 64);
    other[64] = '\0';
    EXPECT(FOLIO_EPERM, NULL, folio_auth_check(f->store, NULL, other, &c, &f->err));
    EXPECT(FOLIO_EPERM, NULL, folio_auth_check(f->store, NULL, sha, &c, &f->err));

    /* role changes apply to open sessions */
    OK(folio_user_set_roles(f->store, "t", "coder", FOLIO_ROLE_ANALYST, &f->err));
    OK(folio_auth_check(f->store, NULL, token, &c, &f->err));
    assert_int_equal(c.roles, FOLIO_ROLE_ANALYST);
}

static void test_login_in_callers_transaction(void **state)
{
    struct fx *f = *state;
    char token[FOLIO_TOKEN_HEX_LEN + 1];
    struct folio_session s;
    add_user(f, "coder", FOLIO_ROLE_CODER);
    OK(folio_store_begin(f->store, &f->err));
    EXPECT(FOLIO_EPERM, NULL,
           folio_auth_login(f->store, NULL, "coder", "wrong password!", false, token, &s, NULL,
                            &f->err));
    OK(folio_store_commit(f->store, &f->err));
    assert_int_equal(folio_store_tx_depth(f->store), 0);
    assert_int_equal(sql_i64(f, "SELECT failed_count FROM users"), 1);
}

static void test_lockout(void **state)
{
    struct fx *f = *state;
    struct folio_auth_policy pol = {
        .idle_minutes = 30, .absolute_minutes = 60, .max_failures = 3, .lockout_minutes = 5};
    char token[FOLIO_TOKEN_HEX_LEN + 1], t1[FOLIO_TOKEN_HEX_LEN + 1];
    struct folio_session s;
    struct folio_user u;
    const char *reason = NULL;

    add_user(f, "roi", FOLIO_ROLE_ROI_SPECIALIST);
    OK(folio_auth_login(f->store, &pol, "roi", PW, true, t1, &s, NULL, &f->err));
    for (int i = 0; i < 2; i++) {
        EXPECT(FOLIO_EPERM, NULL,
               folio_auth_login(f->store, &pol, "roi", "not the password", false, token, &s,
                                &reason, &f->err));
        assert_string_equal(reason, "bad_password");
    }
    OK(folio_user_get(f->store, "roi", &f->arena, &u, &f->err));
    assert_null(u.locked_until);
    assert_int_equal(u.failed_count, 2);
    EXPECT(FOLIO_EPERM, NULL,
           folio_auth_login(f->store, &pol, "roi", "not the password", false, token, &s, &reason,
                            &f->err));
    OK(folio_user_get(f->store, "roi", &f->arena, &u, &f->err));
    assert_non_null(u.locked_until);
    /* locked: even the right password is refused, with the same message */
    EXPECT(FOLIO_EPERM, NULL,
           folio_auth_login(f->store, &pol, "roi", PW, false, token, &s, &reason, &f->err));
    assert_string_equal(reason, "locked");
    assert_non_null(strstr(f->err.msg, "wrong username or password"));
    /* the lockout runs out */
    sql(f, "UPDATE users SET locked_until = '2000-01-01T00:00:00Z' WHERE username = 'roi'");
    OK(folio_user_get(f->store, "roi", &f->arena, &u, &f->err));
    assert_null(u.locked_until);
    /* after it ran out, one failure does not lock again at once */
    EXPECT(FOLIO_EPERM, NULL,
           folio_auth_login(f->store, &pol, "roi", "not the password", false, token, &s, &reason,
                            &f->err));
    assert_string_equal(reason, "bad_password");
    OK(folio_auth_login(f->store, &pol, "roi", PW, false, token, &s, &reason, &f->err));
    OK(folio_user_get(f->store, "roi", &f->arena, &u, &f->err));
    assert_int_equal(u.failed_count, 0);
    assert_null(u.locked_until);

    /* lock again; a password reset clears the lockout and ends every session */
    for (int i = 0; i < 3; i++)
        EXPECT(FOLIO_EPERM, NULL,
               folio_auth_login(f->store, &pol, "roi", "not the password", false, token, &s,
                                &reason, &f->err));
    EXPECT(FOLIO_EPERM, NULL,
           folio_auth_login(f->store, &pol, "roi", PW, false, token, &s, &reason, &f->err));
    assert_string_equal(reason, "locked");
    OK(folio_user_reset_password(f->store, "admin", "roi", PW2, &f->err));
    EXPECT(FOLIO_EPERM, NULL, folio_auth_check(f->store, &pol, t1, &s, &f->err));
    assert_int_equal(sql_i64(f, "SELECT COUNT(*) FROM sessions WHERE ended_reason = "
                                "'password_reset'"),
                     2);
    assert_int_equal(sql_i64(f, "SELECT COUNT(*) FROM sessions"), 2); /* rows kept */
    EXPECT(FOLIO_EPERM, NULL,
           folio_auth_login(f->store, &pol, "roi", PW, false, token, &s, &reason, &f->err));
    assert_string_equal(reason, "bad_password");
    OK(folio_auth_login(f->store, &pol, "roi", PW2, false, token, &s, &reason, &f->err));
}

static void test_timeouts(void **state)
{
    struct fx *f = *state;
    struct folio_auth_policy pol;
    char token[FOLIO_TOKEN_HEX_LEN + 1], q[256], ts[32], seen[32];
    struct folio_session s;

    folio_auth_policy_defaults(&pol);
    assert_int_equal(pol.idle_minutes, 30);
    assert_int_equal(pol.absolute_minutes, 720);
    assert_int_equal(pol.max_failures, 5);
    assert_int_equal(pol.lockout_minutes, 15);
    add_user(f, "clin", FOLIO_ROLE_CLINICIAN);

    /* idle: last seen 31 minutes ago */
    OK(folio_auth_login(f->store, &pol, "clin", PW, false, token, &s, NULL, &f->err));
    OK(folio_auth_check(f->store, &pol, token, &s, &f->err));
    priv_time_at(-29 * 60, ts);
    folio_snprintf(q, sizeof q, "UPDATE sessions SET last_seen_at = '%s' WHERE id = %lld", ts,
                   (long long)s.id);
    sql(f, q);
    OK(folio_auth_check(f->store, &pol, token, &s, &f->err)); /* 29 min: still fine, refreshed */
    folio_snprintf(q, sizeof q, "SELECT last_seen_at FROM sessions WHERE id = %lld",
                   (long long)s.id);
    sql_text(f, q, seen, sizeof seen);
    assert_true(strcmp(seen, ts) > 0);
    /* within a minute: no refresh (no write) */
    priv_time_at(-30, ts);
    folio_snprintf(q, sizeof q, "UPDATE sessions SET last_seen_at = '%s' WHERE id = %lld", ts,
                   (long long)s.id);
    sql(f, q);
    OK(folio_auth_check(f->store, &pol, token, &s, &f->err));
    folio_snprintf(q, sizeof q, "SELECT last_seen_at FROM sessions WHERE id = %lld",
                   (long long)s.id);
    sql_text(f, q, seen, sizeof seen);
    assert_string_equal(seen, ts);
    priv_time_at(-31 * 60, ts);
    folio_snprintf(q, sizeof q, "UPDATE sessions SET last_seen_at = '%s' WHERE id = %lld", ts,
                   (long long)s.id);
    sql(f, q);
    EXPECT(FOLIO_EPERM, NULL, folio_auth_check(f->store, &pol, token, &s, &f->err));
    /* a shorter policy applies too */
    OK(folio_auth_login(f->store, &pol, "clin", PW, false, token, &s, NULL, &f->err));
    priv_time_at(-3 * 60, ts);
    folio_snprintf(q, sizeof q, "UPDATE sessions SET last_seen_at = '%s' WHERE id = %lld", ts,
                   (long long)s.id);
    sql(f, q);
    struct folio_auth_policy tiny = pol;
    tiny.idle_minutes = 2;
    EXPECT(FOLIO_EPERM, NULL, folio_auth_check(f->store, &tiny, token, &s, &f->err));
    OK(folio_auth_check(f->store, &pol, token, &s, &f->err));

    /* absolute: past expires_at even though active */
    OK(folio_auth_login(f->store, &pol, "clin", PW, false, token, &s, NULL, &f->err));
    priv_time_at(-1, ts);
    folio_snprintf(q, sizeof q, "UPDATE sessions SET expires_at = '%s' WHERE id = %lld", ts,
                   (long long)s.id);
    sql(f, q);
    EXPECT(FOLIO_EPERM, NULL, folio_auth_check(f->store, &pol, token, &s, &f->err));

    /* logout ends the session and keeps the row */
    OK(folio_auth_login(f->store, &pol, "clin", PW, false, token, &s, NULL, &f->err));
    OK(folio_auth_logout(f->store, token, &f->err));
    EXPECT(FOLIO_EPERM, NULL, folio_auth_check(f->store, &pol, token, &s, &f->err));
    OK(folio_auth_logout(f->store, token, &f->err)); /* again: nothing to do */
    EXPECT(FOLIO_EPERM, NULL, folio_auth_logout(f->store, "nope", &f->err));
    assert_int_equal(sql_i64(f, "SELECT COUNT(*) FROM sessions WHERE ended_reason = 'logout' "
                                "AND ended_at IS NOT NULL"),
                     1);
    assert_int_equal(sql_i64(f, "SELECT COUNT(*) FROM sessions"), 4);
}

static void test_csrf(void **state)
{
    struct fx *f = *state;
    char token[FOLIO_TOKEN_HEX_LEN + 1];
    struct folio_session s, c, bearer;

    add_user(f, "tech", FOLIO_ROLE_HIM_TECHNICIAN);
    OK(folio_auth_login(f->store, NULL, "tech", PW, true, token, &s, NULL, &f->err));
    assert_true(s.cookie);
    assert_int_equal(strlen(s.csrf), 64);
    assert_string_not_equal(s.csrf, token);
    OK(folio_auth_check(f->store, NULL, token, &c, &f->err));
    assert_true(c.cookie);
    assert_string_equal(c.csrf, s.csrf);
    assert_true(folio_auth_csrf_ok(&c, s.csrf));
    char wrong[65];
    folio_strlcpy(wrong, s.csrf, sizeof wrong);
    wrong[10] = wrong[10] == 'a' ? 'b' : 'a';
    assert_false(folio_auth_csrf_ok(&c, wrong));
    assert_false(folio_auth_csrf_ok(&c, NULL));
    assert_false(folio_auth_csrf_ok(&c, ""));
    assert_false(folio_auth_csrf_ok(&c, token));
    wrong[10] = '\0';
    assert_false(folio_auth_csrf_ok(&c, wrong));
    assert_false(folio_auth_csrf_ok(NULL, s.csrf));

    OK(folio_auth_login(f->store, NULL, "tech", PW, false, token, &bearer, NULL, &f->err));
    assert_false(bearer.cookie);
    assert_string_equal(bearer.csrf, "");
    assert_false(folio_auth_csrf_ok(&bearer, ""));
    assert_int_equal(sql_i64(f, "SELECT COUNT(*) FROM sessions WHERE csrf IS NULL"), 1);
}

static void test_disabled(void **state)
{
    struct fx *f = *state;
    char t1[FOLIO_TOKEN_HEX_LEN + 1], t2[FOLIO_TOKEN_HEX_LEN + 1];
    struct folio_session s;
    const char *reason = NULL;

    add_user(f, "reg", FOLIO_ROLE_CANCER_REGISTRAR);
    add_user(f, "other", FOLIO_ROLE_CODER);
    OK(folio_auth_login(f->store, NULL, "reg", PW, true, t1, &s, NULL, &f->err));
    OK(folio_auth_login(f->store, NULL, "other", PW, false, t2, &s, NULL, &f->err));
    OK(folio_user_set_disabled(f->store, "admin", "reg", true, &f->err));
    EXPECT(FOLIO_EPERM, NULL, folio_auth_check(f->store, NULL, t1, &s, &f->err));
    OK(folio_auth_check(f->store, NULL, t2, &s, &f->err)); /* other users unaffected */
    assert_int_equal(sql_i64(f, "SELECT COUNT(*) FROM sessions WHERE ended_reason = 'disabled'"),
                     1);
    EXPECT(FOLIO_EPERM, NULL,
           folio_auth_login(f->store, NULL, "reg", PW, false, t1, &s, &reason, &f->err));
    assert_string_equal(reason, "disabled");
    assert_non_null(strstr(f->err.msg, "wrong username or password"));
    /* a disabled user's session is refused even if it had not been ended */
    OK(folio_user_set_disabled(f->store, "admin", "reg", false, &f->err));
    OK(folio_auth_login(f->store, NULL, "reg", PW, false, t1, &s, &reason, &f->err));
    sql(f, "UPDATE users SET disabled = 1 WHERE username = 'reg'");
    EXPECT(FOLIO_EPERM, NULL, folio_auth_check(f->store, NULL, t1, &s, &f->err));
}

static void test_rehash(void **state)
{
    struct fx *f = *state;
    char token[FOLIO_TOKEN_HEX_LEN + 1], h1[256], h2[256];
    struct folio_session s;

    add_user(f, "priv", FOLIO_ROLE_PRIVACY_OFFICER); /* made with the minimum limits */
    sql_text(f, "SELECT password_hash FROM users", h1, sizeof h1);
    assert_true(priv_pw_needs_rehash(h1) == false);
    unsetenv("FOLIO_PWHASH_FAST");
    assert_true(priv_pw_needs_rehash(h1));
    OK(folio_auth_login(f->store, NULL, "priv", PW, false, token, &s, NULL, &f->err));
    setenv("FOLIO_PWHASH_FAST", "1", 1);
    sql_text(f, "SELECT password_hash FROM users", h2, sizeof h2);
    assert_string_not_equal(h1, h2);
    assert_non_null(strstr(h2, "m=65536")); /* interactive: 64 MiB */
    assert_true(priv_pw_verify(h2, PW, strlen(PW)));
    assert_false(priv_pw_verify(h2, PW2, strlen(PW2)));
}

int main(void)
{
    setenv("FOLIO_PWHASH_FAST", "1", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_policy),
        cmocka_unit_test(test_policy_matches_docs),
        cmocka_unit_test_setup_teardown(test_user_admin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_validation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_login, setup, teardown),
        cmocka_unit_test_setup_teardown(test_login_in_callers_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lockout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeouts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csrf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disabled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rehash, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
