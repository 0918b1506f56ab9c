/* Tests of the coding abstract, its history, the DNFC worklist and productivity
 * (include/folio/abstract.h) on the backend under test. Synthetic data only. */
#include "folio/base.h"

#include <math.h>
#include <setjmp.h>
#include <cmocka.h>

#include "folio/abstract.h"
#include "folio/crypto.h"
#include "folio/records.h"
#include "folio/store.h"
#include "testdb.h"

struct fx {
    struct folio_store *store;
    struct folio_chart chart;
    struct folio_arena arena;
    struct folio_err err;
    int64_t n_acct;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct folio_err err = {0};
    assert_non_null(f);
    assert_int_equal(folio_crypto_init(&err), FOLIO_OK);
    f->store = folio_test_store_open();
    f->chart = (struct folio_chart){f->store, NULL, "registrar"};
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

/* ---- fixtures ---- */

static int64_t mk_patient(struct fx *f, const char *family)
{
    struct folio_patient_new p = {
        .name = {.family = family, .given = "Test"},
        .birth_date = "1950-01-01",
        .sex = "F",
    };
    int64_t id = 0;
    OK(folio_patient_create(&f->chart, &p, &id, &f->err));
    return id;
}

static void mk_coverage(struct fx *f, int64_t pid, const char *payer, const char *eff,
                        const char *exp)
{
    struct folio_coverage c = {.payer_name = payer, .effective = eff, .expires = exp};
    bool created = false;
    OK(folio_coverage_add(&f->chart, pid, &c, NULL, &created, &f->err));
}

/* An encounter admitted the day before discharge (discharge NULL: still in house). */
static int64_t mk_enc(struct fx *f, int64_t pid, const char *cls, const char *discharge_day,
                      const char *service)
{
    char acct[32], admit[40], disch[40];
    struct folio_encounter_new e = {
        .patient_id = pid, .facility_code = "MAIN", .enc_class = cls, .service = service};
    int64_t id = 0;
    OK(folio_facility_ensure(&f->chart, "MAIN", "Main Hospital", NULL, &f->err));
    folio_snprintf(acct, sizeof acct, "ACCT%04lld", (long long)++f->n_acct);
    e.account_number = acct;
    if (discharge_day) {
        folio_snprintf(admit, sizeof admit, "%sT01:00Z", discharge_day);
        folio_snprintf(disch, sizeof disch, "%sT15:00Z", discharge_day);
        e.admit_at = admit;
        e.discharge_at = disch;
    } else {
        e.admit_at = "2024-04-01T08:00Z";
    }
    OK(folio_encounter_create(&f->chart, &e, &id, &f->err));
    return id;
}

static struct folio_abstract_code dx(enum folio_abs_role role, const char *code, char poa)
{
    struct folio_abstract_code c = {.role = role, .system = FOLIO_CS_ICD10CM, .poa = poa};
    folio_strlcpy(c.code, code, sizeof c.code);
    return c;
}

static struct folio_abstract_code px(enum folio_code_system cs, const char *code, const char *date,
                                     const char *op, const char *mods)
{
    struct folio_abstract_code c = {.role = FOLIO_ABS_PROCEDURE, .system = cs};
    folio_strlcpy(c.code, code, sizeof c.code);
    folio_strlcpy(c.date, date ? date : "", sizeof c.date);
    folio_strlcpy(c.modifiers, mods ? mods : "", sizeof c.modifiers);
    c.operator_name = (char *)(uintptr_t)op; /* the API reads it only */
    return c;
}

static enum folio_rc save(struct fx *f, int64_t enc, int64_t version,
                          const struct folio_abstract_code *codes, size_t n, const char *user,
                          const char *reason, const char *now, struct folio_abstract **out)
{
    struct folio_abstract_save in = {.encounter_id = enc,
                                     .expected_version = version,
                                     .codes = codes,
                                     .n_codes = n,
                                     .reason = reason,
                                     .user = user,
                                     .now = now};
    return folio_abstract_put(f->store, &in, &f->arena, out, &f->err);
}

static enum folio_rc status(struct fx *f, int64_t enc, int64_t version,
                            enum folio_abstract_status to, enum folio_hold_reason hold,
                            const char *note, const char *reason, const char *user, const char *now,
                            struct folio_abstract **out)
{
    struct folio_abstract_status_change in = {.encounter_id = enc,
                                              .expected_version = version,
                                              .to = to,
                                              .hold_reason = hold,
                                              .hold_note = note,
                                              .reason = reason,
                                              .user = user,
                                              .now = now};
    return folio_abstract_set_status(f->store, &in, &f->arena, out, &f->err);
}

static struct folio_abstract *get(struct fx *f, int64_t enc)
{
    struct folio_abstract *a = NULL;
    OK(folio_abstract_get(f->store, enc, "2024-06-01", &f->arena, &a, &f->err));
    return a;
}

static size_t history(struct fx *f, int64_t enc, struct folio_abstract_change **h)
{
    size_t n = 0;
    OK(folio_abstract_history(f->store, enc, &f->arena, h, &n, &f->err));
    return n;
}

static int64_t count_sql(struct fx *f, const char *sql, int64_t param)
{
    int64_t v = -1;
    bool found = false;
    OK(folio_store_query_i64(f->store, sql, &param, 1, &v, &found, &f->err));
    assert_true(found);
    return v;
}

static void assert_change(const struct folio_abstract_change *c, const char *action,
                          const char *code, const char *old_value, const char *new_value)
{
    assert_string_equal(c->action, action);
    assert_string_equal(c->code, code);
    if (old_value)
        assert_string_equal(c->old_value, old_value);
    else
        assert_null(c->old_value);
    if (new_value)
        assert_string_equal(c->new_value, new_value);
    else
        assert_null(c->new_value);
}

/* Two ICD-10-CM periods with different titles, so that titles follow the code date. */
static void load_titles(struct fx *f)
{
    OK(folio_store_exec(
        f->store,
        "INSERT INTO code_set_version (kind, code_system, fiscal_year, label, effective_from, "
        "effective_to, source_name, sha256, loaded_at, loaded_by) VALUES ('icd10cm-order', "
        "'icd10cm', 2024, 'FY2024', '2023-10-01', '2024-09-30', 't', 'a', '2024-01-01T00:00Z', "
        "'t'), ('icd10cm-order', 'icd10cm', 2025, 'FY2025', '2024-10-01', '2025-09-30', 't', "
        "'b', '2024-01-01T00:00Z', 't');"
        "INSERT INTO code (code_system, code, effective_from, effective_to, title, kind, "
        "billable, version_id) VALUES ('icd10cm', 'E119', '2023-10-01', '2024-09-30', "
        "'Type 2 diabetes mellitus without complications', 'code', 1, (SELECT id FROM "
        "code_set_version WHERE label = 'FY2024')), ('icd10cm', 'E119', '2024-10-01', "
        "'2025-09-30', 'FY2025 title', 'code', 1, (SELECT id FROM code_set_version WHERE label "
        "= 'FY2025')), ('icd10cm', 'I10', '2023-10-01', '2024-09-30', 'Essential (primary) "
        "hypertension', 'code', 1, (SELECT id FROM code_set_version WHERE label = 'FY2024'));",
        &f->err));
}

/* ---- names ---- */

static void test_names(void **state)
{
    struct fx *f = *state;
    enum folio_abstract_status st;
    enum folio_hold_reason hr;
    enum folio_abs_role role;
    for (int i = 0; i <= FOLIO_ABS_REBILL; i++) {
        const char *name = folio_abstract_status_name((enum folio_abstract_status)i);
        assert_non_null(name);
        OK(folio_abstract_status_parse(name, &st, &f->err));
        assert_int_equal(st, i);
    }
    assert_string_equal(folio_abstract_status_name(FOLIO_ABS_ON_HOLD), "on_hold");
    assert_null(folio_abstract_status_name((enum folio_abstract_status)9));
    EXPECT(FOLIO_EINVAL, "status", folio_abstract_status_parse("done", &st, &f->err));
    for (int i = FOLIO_HOLD_AWAITING_QUERY; i <= FOLIO_HOLD_OTHER; i++) {
        OK(folio_hold_reason_parse(folio_hold_reason_name((enum folio_hold_reason)i), &hr,
                                   &f->err));
        assert_int_equal(hr, i);
    }
    assert_null(folio_hold_reason_name(FOLIO_HOLD_NONE));
    assert_string_equal(folio_hold_reason_name(FOLIO_HOLD_AWAITING_QUERY), "awaiting_query");
    EXPECT(FOLIO_EINVAL, "hold_reason", folio_hold_reason_parse("coffee", &hr, &f->err));
    for (int i = FOLIO_ABS_PRINCIPAL; i <= FOLIO_ABS_PROCEDURE; i++) {
        OK(folio_abs_role_parse(folio_abs_role_name((enum folio_abs_role)i), &role, &f->err));
        assert_int_equal(role, i);
    }
    assert_string_equal(folio_abs_role_name(FOLIO_ABS_REASON_VISIT), "reason_for_visit");
    EXPECT(FOLIO_EINVAL, "role", folio_abs_role_parse("tertiary", &role, &f->err));
}

/* ---- saving and the history ---- */

static void test_save_and_history(void **state)
{
    struct fx *f = *state;
    struct folio_abstract *a = NULL;
    struct folio_abstract_change *h = NULL;
    int64_t pid = mk_patient(f, "Alpha");
    int64_t enc = mk_enc(f, pid, "inpatient", "2024-03-09", "MED");
    load_titles(f);

    a = get(f, enc);
    assert_int_equal(a->id, 0);
    assert_int_equal(a->version, 0);
    assert_int_equal(a->status, FOLIO_ABS_UNCODED);
    assert_int_equal(a->patient_id, pid);
    assert_int_equal(a->n_codes, 0);
    assert_string_equal(a->code_date, "2024-03-09");
    assert_string_equal(a->enc_class, "inpatient");
    assert_string_equal(a->discharge_at, "2024-03-09T15:00Z");
    assert_int_equal(history(f, enc, &h), 0);

    /* first save, codes given out of role order, with dots and lower case */
    struct folio_abstract_code c1[] = {
        dx(FOLIO_ABS_SECONDARY, "E11.9", 'Y'),
        px(FOLIO_CS_ICD10PCS, "0dtj4zz", "2024-03-06", "Dr. Able", NULL),
        dx(FOLIO_ABS_PRINCIPAL, "i10", 'y'),
        dx(FOLIO_ABS_SECONDARY, "E78.5", 'N'),
    };
    OK(save(f, enc, 0, c1, 4, "coder1", NULL, "2024-03-10T09:00Z", &a));
    assert_true(a->id > 0);
    assert_int_equal(a->version, 1);
    assert_int_equal(a->status, FOLIO_ABS_IN_PROGRESS);
    assert_string_equal(a->created_by, "coder1");
    assert_string_equal(a->created_at, "2024-03-10T09:00:00Z");
    assert_int_equal(a->n_codes, 4);
    assert_int_equal(a->codes[0].role, FOLIO_ABS_PRINCIPAL);
    assert_string_equal(a->codes[0].code, "I10");
    assert_int_equal(a->codes[0].poa, 'Y');
    assert_string_equal(a->codes[0].title, "Essential (primary) hypertension");
    assert_string_equal(a->codes[1].code, "E119");
    assert_string_equal(a->codes[1].title, "Type 2 diabetes mellitus without complications");
    assert_string_equal(a->codes[2].code, "E785");
    assert_null(a->codes[2].title); /* not in the loaded code set: saved anyway */
    assert_int_equal(a->codes[3].role, FOLIO_ABS_PROCEDURE);
    assert_string_equal(a->codes[3].code, "0DTJ4ZZ");
    assert_string_equal(a->codes[3].date, "2024-03-06");
    assert_string_equal(a->codes[3].operator_name, "Dr. Able");

    size_t n = history(f, enc, &h);
    assert_int_equal(n, 5);
    assert_change(&h[0], "status", "", "uncoded", "in_progress");
    assert_change(&h[1], "add", "I10", NULL, "principal; POA Y");
    assert_change(&h[2], "add", "E119", NULL, "secondary 1; POA Y");
    assert_change(&h[3], "add", "E785", NULL, "secondary 2; POA N");
    assert_change(&h[4], "add", "0DTJ4ZZ", NULL, "procedure 1; date 2024-03-06; operator Dr. Able");
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(h[i].user, "coder1");
        assert_string_equal(h[i].at, "2024-03-10T09:00:00Z");
        assert_null(h[i].reason);
    }
    assert_int_equal(h[1].role, FOLIO_ABS_PRINCIPAL);

    /* the same list again (other input order within the roles kept): nothing written */
    struct folio_abstract_code same[] = {c1[2], c1[0], c1[3], c1[1]};
    OK(save(f, enc, 1, same, 4, "coder1", NULL, "2024-03-10T09:05Z", &a));
    assert_int_equal(a->version, 1);
    assert_int_equal(history(f, enc, &h), 5);
    assert_int_equal(
        count_sql(f, "SELECT COUNT(*) FROM coding_abstract_code WHERE abstract_id = ?", a->id), 4);

    /* a stale version is refused, naming the version now */
    EXPECT(FOLIO_ECONFLICT, "version", save(f, enc, 0, c1, 3, "coder2", NULL, NULL, &a));
    assert_non_null(strstr(f->err.msg, "version 1"));

    /* resequence across roles, change a POA, replace the procedure */
    struct folio_abstract_code c2[] = {
        dx(FOLIO_ABS_PRINCIPAL, "E119", 'Y'),
        dx(FOLIO_ABS_SECONDARY, "I10", 'Y'),
        dx(FOLIO_ABS_SECONDARY, "E785", 'Y'),
        px(FOLIO_CS_ICD10PCS, "0DTJ0ZZ", "2024-03-06", "Dr. Able", NULL),
    };
    OK(save(f, enc, 1, c2, 4, "coder2", "query answered", "2024-03-11T10:00Z", &a));
    assert_int_equal(a->version, 2);
    assert_string_equal(a->updated_by, "coder2");
    n = history(f, enc, &h);
    assert_int_equal(n, 10);
    assert_change(&h[5], "remove", "0DTJ4ZZ", "procedure 1; date 2024-03-06; operator Dr. Able",
                  NULL);
    assert_change(&h[6], "sequence", "E119", "secondary 1", "principal");
    assert_int_equal(h[6].role, FOLIO_ABS_PRINCIPAL);
    assert_change(&h[7], "sequence", "I10", "principal", "secondary 1");
    assert_change(&h[8], "change", "E785", "POA N", "POA Y");
    assert_change(&h[9], "add", "0DTJ0ZZ", NULL, "procedure 1; date 2024-03-06; operator Dr. Able");
    for (size_t i = 5; i < n; i++) {
        assert_string_equal(h[i].user, "coder2");
        assert_string_equal(h[i].reason, "query answered");
    }

    /* a swap inside a role is one move; a removal moves nothing else */
    struct folio_abstract_code c3[] = {
        dx(FOLIO_ABS_PRINCIPAL, "E119", 'Y'),
        dx(FOLIO_ABS_SECONDARY, "E785", 'Y'),
        dx(FOLIO_ABS_SECONDARY, "I10", 'Y'),
        dx(FOLIO_ABS_SECONDARY, "Z794", 'U'),
        px(FOLIO_CS_ICD10PCS, "0DTJ0ZZ", "2024-03-06", "Dr. Able", NULL),
    };
    OK(save(f, enc, 2, c3, 5, "coder2", NULL, "2024-03-11T10:05Z", &a));
    n = history(f, enc, &h);
    assert_int_equal(n, 12);
    assert_change(&h[10], "sequence", "E785", "secondary 2", "secondary 1");
    assert_change(&h[11], "add", "Z794", NULL, "secondary 3; POA U");
    struct folio_abstract_code c4[] = {c3[0], c3[2], c3[3], c3[4]}; /* E785 removed */
    OK(save(f, enc, 3, c4, 4, "coder2", NULL, "2024-03-11T10:06Z", &a));
    n = history(f, enc, &h);
    assert_int_equal(n, 13);
    assert_change(&h[12], "remove", "E785", "secondary 1; POA Y", NULL);
    assert_int_equal(a->version, 4);
    assert_string_equal(a->codes[1].code, "I10");
    assert_string_equal(a->codes[2].code, "Z794");

    /* procedure date and operator changes */
    struct folio_abstract_code c5[] = {c4[0], c4[1], c4[2],
                                       px(FOLIO_CS_ICD10PCS, "0DTJ0ZZ", "2024-03-07", NULL, NULL)};
    c5[3].operator_id = 0;
    OK(save(f, enc, 4, c5, 4, "coder2", NULL, "2024-03-11T10:07Z", &a));
    n = history(f, enc, &h);
    assert_int_equal(n, 15);
    assert_change(&h[13], "change", "0DTJ0ZZ", "date 2024-03-06", "date 2024-03-07");
    assert_change(&h[14], "change", "0DTJ0ZZ", "operator Dr. Able", "operator none");

    /* replaced code rows are closed, not deleted */
    assert_int_equal(count_sql(f,
                               "SELECT COUNT(*) FROM coding_abstract_code WHERE abstract_id = ? "
                               "AND to_version IS NULL",
                               a->id),
                     4);
    assert_true(
        count_sql(f, "SELECT COUNT(*) FROM coding_abstract_code WHERE abstract_id = ?", a->id) > 4);

    /* outpatient CPT with modifiers */
    int64_t op = mk_enc(f, pid, "outpatient", "2024-03-15", NULL);
    struct folio_abstract_code o1[] = {
        dx(FOLIO_ABS_PRINCIPAL, "M1711", 0),
        dx(FOLIO_ABS_REASON_VISIT, "M25561", 0),
        px(FOLIO_CS_CPT, "27447", "2024-03-15", NULL, "lt"),
        px(FOLIO_CS_HCPCS, "J1100", "2024-03-15", NULL, NULL),
    };
    OK(save(f, op, 0, o1, 4, "coder1", NULL, "2024-03-16T08:00Z", &a));
    assert_string_equal(a->codes[0].code, "M1711");
    assert_int_equal(a->codes[1].role, FOLIO_ABS_REASON_VISIT);
    assert_string_equal(a->codes[2].modifiers, "LT");
    o1[2] = px(FOLIO_CS_CPT, "27447", "2024-03-15", NULL, "rt,59");
    OK(save(f, op, 1, o1, 4, "coder1", NULL, "2024-03-16T08:01Z", &a));
    assert_string_equal(a->codes[2].modifiers, "RT 59");
    n = history(f, op, &h);
    assert_change(&h[n - 1], "change", "27447", "modifiers LT", "modifiers RT 59");
}

/* ---- validation ---- */

static void test_validation(void **state)
{
    struct fx *f = *state;
    struct folio_abstract *a = NULL;
    struct folio_abstract_change *h = NULL;
    int64_t pid = mk_patient(f, "Beta");
    int64_t enc = mk_enc(f, pid, "inpatient", "2024-03-09", NULL);
    struct folio_abstract_code ok = dx(FOLIO_ABS_PRINCIPAL, "I10", 'Y');
    struct folio_abstract_code c[4];

#define BAD(fld, n_) EXPECT(FOLIO_EINVAL, fld, save(f, enc, 0, c, (n_), "coder1", NULL, NULL, &a))

    c[0] = ok;
    c[1] = dx(FOLIO_ABS_SECONDARY, "E119", 'Y');
    c[2] = dx(FOLIO_ABS_PRINCIPAL, "E785", 'Y');
    BAD("codes[2].role", 3); /* two principals */
    c[0] = dx(FOLIO_ABS_ADMITTING, "R079", 0);
    c[2] = dx(FOLIO_ABS_ADMITTING, "R0789", 0);
    BAD("codes[2].role", 3); /* two admitting */
    for (int i = 0; i < 4; i++)
        c[i] = dx(FOLIO_ABS_REASON_VISIT, "R079", 0);
    BAD("codes[3].role", 4); /* four reasons for visit */
    c[0] = ok;
    c[1] = ok;
    c[1].role = (enum folio_abs_role)42;
    BAD("codes[1].role", 2);
    c[1] = dx(FOLIO_ABS_SECONDARY, "99213", 0);
    c[1].system = FOLIO_CS_CPT;
    BAD("codes[1].system", 2); /* a diagnosis must be ICD-10-CM */
    c[1] = px(FOLIO_CS_ICD10CM, "E119", NULL, NULL, NULL);
    BAD("codes[1].system", 2); /* a procedure must not be */
    c[1] = dx(FOLIO_ABS_SECONDARY, "E11.9!", 'Y');
    BAD("codes[1].code", 2);
    assert_non_null(strstr(f->err.msg, "E11.9!"));
    c[1] = dx(FOLIO_ABS_SECONDARY, "", 'Y');
    BAD("codes[1].code", 2);
    c[1] = dx(FOLIO_ABS_SECONDARY, "1234", 'Y');
    BAD("codes[1].code", 2);
    c[1] = dx(FOLIO_ABS_SECONDARY, "E11-9", 'Y');
    BAD("codes[1].code", 2);
    memset(c[1].code, 'A', sizeof c[1].code); /* not terminated */
    BAD("codes[1].code", 2);
    c[1] = px(FOLIO_CS_ICD10PCS, "0DTJ4Z", NULL, NULL, NULL);
    BAD("codes[1].code", 2);
    c[1] = px(FOLIO_CS_ICD10PCS, "0DTJ4ZO", NULL, NULL, NULL);
    BAD("codes[1].code", 2);
    c[1] = px(FOLIO_CS_CPT, "A7447", NULL, NULL, NULL);
    BAD("codes[1].code", 2);
    c[1] = px(FOLIO_CS_HCPCS, "11100", NULL, NULL, NULL);
    BAD("codes[1].code", 2);
    c[1] = dx(FOLIO_ABS_SECONDARY, "E119", 'X');
    BAD("codes[1].poa", 2);
    c[1] = px(FOLIO_CS_ICD10PCS, "0DTJ4ZZ", NULL, NULL, NULL);
    c[1].poa = 'Y';
    BAD("codes[1].poa", 2); /* POA on a procedure */
    c[1] = px(FOLIO_CS_ICD10PCS, "0DTJ4ZZ", "2023-02-29", NULL, NULL);
    BAD("codes[1].date", 2);
    c[1] = px(FOLIO_CS_ICD10PCS, "0DTJ4ZZ", "2024-3-6", NULL, NULL);
    BAD("codes[1].date", 2);
    c[1] = dx(FOLIO_ABS_SECONDARY, "E119", 'Y');
    folio_strlcpy(c[1].date, "2024-03-06", sizeof c[1].date);
    BAD("codes[1].date", 2); /* a date on a diagnosis */
    c[1] = px(FOLIO_CS_CPT, "27447", NULL, NULL, "L");
    BAD("codes[1].modifiers", 2);
    c[1] = px(FOLIO_CS_CPT, "27447", NULL, NULL, "LT-RT");
    BAD("codes[1].modifiers", 2);
    c[1] = px(FOLIO_CS_ICD10PCS, "0DTJ4ZZ", NULL, NULL, "LT");
    BAD("codes[1].modifiers", 2); /* modifiers on ICD-10-PCS */
    c[1] = px(FOLIO_CS_ICD10PCS, "0DTJ4ZZ", NULL, NULL, NULL);
    c[1].operator_id = 9999;
    BAD("codes[1].operator_id", 2);
    c[1] = px(FOLIO_CS_ICD10PCS, "0DTJ4ZZ", NULL,
              "Dr.\x01"
              "Bad",
              NULL);
    BAD("codes[1].operator_name", 2);
    c[1] = dx(FOLIO_ABS_SECONDARY, "E119", 'Y');
    c[1].operator_name = (char *)(uintptr_t) "Dr. Able";
    BAD("codes[1].operator_name", 2); /* an operator on a diagnosis */

    struct folio_abstract_code *many = calloc(FOLIO_ABSTRACT_MAX_CODES + 1, sizeof *many);
    assert_non_null(many);
    many[0] = ok;
    for (size_t i = 1; i <= FOLIO_ABSTRACT_MAX_CODES; i++)
        many[i] = dx(FOLIO_ABS_SECONDARY, "E119", 'Y');
    EXPECT(FOLIO_EINVAL, "codes",
           save(f, enc, 0, many, FOLIO_ABSTRACT_MAX_CODES + 1, "coder1", NULL, NULL, &a));
    OK(save(f, enc, 0, many, FOLIO_ABSTRACT_MAX_CODES, "coder1", NULL, "2024-03-10T00:00Z", &a));
    assert_int_equal(a->n_codes, FOLIO_ABSTRACT_MAX_CODES);
    free(many);

    /* who, when, which encounter */
    int64_t enc2 = mk_enc(f, pid, "inpatient", "2024-03-10", NULL);
    c[0] = ok;
    EXPECT(FOLIO_EINVAL, "user", save(f, enc2, 0, c, 1, NULL, NULL, NULL, &a));
    EXPECT(FOLIO_EINVAL, "now", save(f, enc2, 0, c, 1, "coder1", NULL, "2024-03-10", &a));
    EXPECT(FOLIO_EINVAL, "now", save(f, enc2, 0, c, 1, "coder1", NULL, "yesterday", &a));
    EXPECT(FOLIO_ENOTFOUND, "encounter", save(f, enc2 + 100, 0, c, 1, "coder1", NULL, NULL, &a));
    int64_t cancelled = mk_enc(f, pid, "inpatient", NULL, NULL);
    OK(folio_encounter_cancel(&f->chart, cancelled, "registered twice", &f->err));
    EXPECT(FOLIO_ESTATE, "encounter", save(f, cancelled, 0, c, 1, "coder1", NULL, NULL, &a));
    EXPECT(FOLIO_ENOTFOUND, "encounter",
           folio_abstract_get(f->store, enc2 + 100, NULL, &f->arena, &a, &f->err));
    EXPECT(FOLIO_EINVAL, "today",
           folio_abstract_get(f->store, enc2, "2024-13-01", &f->arena, &a, &f->err));

    /* nothing of the refused saves was written */
    a = get(f, enc2);
    assert_int_equal(a->status, FOLIO_ABS_UNCODED);
    assert_int_equal(history(f, enc2, &h), 0);
    a = get(f, cancelled);
    assert_int_equal(a->id, 0);
    /* an empty first save writes nothing either */
    OK(save(f, enc2, 0, NULL, 0, "coder1", NULL, NULL, &a));
    assert_int_equal(a->id, 0);
    assert_int_equal(history(f, enc2, &h), 0);
#undef BAD
}

/* ---- status changes ---- */

static void test_transitions(void **state)
{
    struct fx *f = *state;
    struct folio_abstract *a = NULL;
    struct folio_abstract_change *h = NULL;
    int64_t pid = mk_patient(f, "Gamma");
    int64_t enc = mk_enc(f, pid, "inpatient", "2024-03-09", NULL);
    struct folio_abstract_code sec[] = {dx(FOLIO_ABS_SECONDARY, "E119", 'Y')};
    struct folio_abstract_code full[] = {dx(FOLIO_ABS_PRINCIPAL, "I10", 'Y'),
                                         dx(FOLIO_ABS_SECONDARY, "E119", 'Y')};
    const enum folio_hold_reason q = FOLIO_HOLD_AWAITING_QUERY;

    /* uncoded: only a hold is allowed */
    EXPECT(FOLIO_ESTATE, "status",
           status(f, enc, 0, FOLIO_ABS_IN_PROGRESS, 0, NULL, NULL, "c1", NULL, &a));
    EXPECT(FOLIO_ESTATE, "status",
           status(f, enc, 0, FOLIO_ABS_FINAL, 0, NULL, NULL, "c1", NULL, &a));
    assert_non_null(strstr(f->err.msg, "uncoded"));
    EXPECT(FOLIO_ESTATE, "status",
           status(f, enc, 0, FOLIO_ABS_REBILL, 0, NULL, "x", "c1", NULL, &a));
    EXPECT(FOLIO_ESTATE, "status",
           status(f, enc, 0, FOLIO_ABS_UNCODED, 0, NULL, NULL, "c1", NULL, &a));
    EXPECT(FOLIO_EINVAL, "to",
           status(f, enc, 0, (enum folio_abstract_status)7, 0, NULL, NULL, "c1", NULL, &a));
    EXPECT(FOLIO_EINVAL, "hold_reason",
           status(f, enc, 0, FOLIO_ABS_ON_HOLD, 0, NULL, NULL, "c1", NULL, &a));
    EXPECT(FOLIO_EINVAL, "hold_note",
           status(f, enc, 0, FOLIO_ABS_ON_HOLD, FOLIO_HOLD_OTHER, NULL, NULL, "c1", NULL, &a));
    assert_int_equal(get(f, enc)->id, 0);

    /* uncoded -> on hold creates the abstract */
    OK(status(f, enc, 0, FOLIO_ABS_ON_HOLD, q, "asked Dr. Able about sepsis", NULL, "c1",
              "2024-03-10T09:00Z", &a));
    assert_int_equal(a->version, 1);
    assert_int_equal(a->status, FOLIO_ABS_ON_HOLD);
    assert_int_equal(a->hold_reason, q);
    assert_string_equal(a->hold_note, "asked Dr. Able about sepsis");
    size_t n = history(f, enc, &h);
    assert_int_equal(n, 1);
    assert_change(&h[0], "status", "", "uncoded", "on_hold");
    assert_string_equal(h[0].reason, "awaiting_query: asked Dr. Able about sepsis");

    /* on hold: finalize, rebill, hold again refused */
    EXPECT(FOLIO_ESTATE, "status",
           status(f, enc, 1, FOLIO_ABS_FINAL, 0, NULL, NULL, "c1", NULL, &a));
    assert_string_equal(f->err.msg, "cannot finalize: the abstract is on hold (awaiting_query); "
                                    "release the hold first");
    EXPECT(FOLIO_ESTATE, "status",
           status(f, enc, 1, FOLIO_ABS_REBILL, 0, NULL, "x", "c1", NULL, &a));
    EXPECT(FOLIO_ESTATE, "status",
           status(f, enc, 1, FOLIO_ABS_ON_HOLD, q, NULL, NULL, "c1", NULL, &a));
    /* a save while on hold stays on hold */
    OK(save(f, enc, 1, sec, 1, "c1", NULL, "2024-03-10T09:10Z", &a));
    assert_int_equal(a->status, FOLIO_ABS_ON_HOLD);
    assert_int_equal(a->version, 2);
    /* stale */
    EXPECT(FOLIO_ECONFLICT, "version",
           status(f, enc, 1, FOLIO_ABS_IN_PROGRESS, 0, NULL, NULL, "c1", NULL, &a));
    assert_non_null(strstr(f->err.msg, "version 2"));
    /* release */
    OK(status(f, enc, 2, FOLIO_ABS_IN_PROGRESS, 0, NULL, "answered", "c1", "2024-03-11T08:00Z",
              &a));
    assert_int_equal(a->status, FOLIO_ABS_IN_PROGRESS);
    assert_int_equal(a->hold_reason, FOLIO_HOLD_NONE);
    assert_null(a->hold_note);
    assert_int_equal(a->version, 3);

    /* in progress: not again, not rebill; finalize needs a principal diagnosis */
    EXPECT(FOLIO_ESTATE, "status",
           status(f, enc, 3, FOLIO_ABS_IN_PROGRESS, 0, NULL, NULL, "c1", NULL, &a));
    EXPECT(FOLIO_ESTATE, "status",
           status(f, enc, 3, FOLIO_ABS_REBILL, 0, NULL, "x", "c1", NULL, &a));
    assert_non_null(strstr(f->err.msg, "in_progress"));
    EXPECT(FOLIO_ESTATE, "codes",
           status(f, enc, 3, FOLIO_ABS_FINAL, 0, NULL, NULL, "c1", NULL, &a));
    OK(save(f, enc, 3, full, 2, "c1", NULL, "2024-03-11T08:05Z", &a));
    assert_int_equal(a->version, 4);
    /* in progress -> on hold -> in progress is allowed too */
    OK(status(f, enc, 4, FOLIO_ABS_ON_HOLD, FOLIO_HOLD_AWAITING_DOCUMENTATION, NULL, NULL, "c1",
              "2024-03-11T08:06Z", &a));
    OK(status(f, enc, 5, FOLIO_ABS_IN_PROGRESS, 0, NULL, NULL, "c1", "2024-03-11T08:07Z", &a));
    OK(status(f, enc, 6, FOLIO_ABS_FINAL, 0, NULL, NULL, "c1", "2024-03-11T08:10Z", &a));
    assert_int_equal(a->status, FOLIO_ABS_FINAL);
    assert_int_equal(a->version, 7);
    assert_string_equal(a->finalized_by, "c1");
    assert_string_equal(a->finalized_at, "2024-03-11T08:10:00Z");

    /* final: no save, no hold, no resume, not final again */
    EXPECT(FOLIO_ESTATE, "status", save(f, enc, 7, sec, 1, "c1", "x", NULL, &a));
    EXPECT(FOLIO_ESTATE, "status",
           status(f, enc, 7, FOLIO_ABS_ON_HOLD, q, NULL, NULL, "c1", NULL, &a));
    assert_non_null(strstr(f->err.msg, "final"));
    EXPECT(FOLIO_ESTATE, "status",
           status(f, enc, 7, FOLIO_ABS_IN_PROGRESS, 0, NULL, NULL, "c1", NULL, &a));
    EXPECT(FOLIO_ESTATE, "status",
           status(f, enc, 7, FOLIO_ABS_FINAL, 0, NULL, NULL, "c1", NULL, &a));
    /* rebill needs a reason */
    EXPECT(FOLIO_EINVAL, "reason",
           status(f, enc, 7, FOLIO_ABS_REBILL, 0, NULL, NULL, "c1", NULL, &a));
    EXPECT(FOLIO_EINVAL, "reason",
           status(f, enc, 7, FOLIO_ABS_REBILL, 0, NULL, "", "c1", NULL, &a));
    OK(status(f, enc, 7, FOLIO_ABS_REBILL, 0, NULL, "payer denial: E11.9 unsupported", "aud1",
              "2024-04-01T10:00Z", &a));
    assert_int_equal(a->status, FOLIO_ABS_REBILL);
    assert_int_equal(a->version, 8);
    /* saves after final need a reason */
    struct folio_abstract_code fix[] = {dx(FOLIO_ABS_PRINCIPAL, "I10", 'Y'),
                                        dx(FOLIO_ABS_SECONDARY, "E1165", 'Y')};
    EXPECT(FOLIO_EINVAL, "reason", save(f, enc, 8, fix, 2, "c1", NULL, NULL, &a));
    OK(save(f, enc, 8, full, 2, "c1", NULL, NULL, &a)); /* unchanged: nothing to explain */
    assert_int_equal(a->version, 8);
    OK(save(f, enc, 8, fix, 2, "c1", "hyperglycemia documented", "2024-04-01T10:05Z", &a));
    assert_int_equal(a->version, 9);
    EXPECT(FOLIO_ESTATE, "status",
           status(f, enc, 9, FOLIO_ABS_ON_HOLD, q, NULL, NULL, "c1", NULL, &a));
    EXPECT(FOLIO_ESTATE, "status",
           status(f, enc, 9, FOLIO_ABS_IN_PROGRESS, 0, NULL, NULL, "c1", NULL, &a));
    OK(status(f, enc, 9, FOLIO_ABS_FINAL, 0, NULL, NULL, "c1", "2024-04-01T10:06Z", &a));
    assert_int_equal(a->status, FOLIO_ABS_FINAL);
    assert_string_equal(a->finalized_at, "2024-04-01T10:06:00Z");

    /* every status change is in the history, in order, with who and why */
    static const char *const want[][2] = {
        {"uncoded", "on_hold"},     {"on_hold", "in_progress"}, {"in_progress", "on_hold"},
        {"on_hold", "in_progress"}, {"in_progress", "final"},   {"final", "rebill"},
        {"rebill", "final"},
    };
    size_t k = 0;
    n = history(f, enc, &h);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(h[i].action, "status") != 0) {
            if (strcmp(h[i].at, "2024-04-01T10:05:00Z") == 0)
                assert_string_equal(h[i].reason, "hyperglycemia documented");
            continue;
        }
        assert_true(k < FOLIO_ARRAY_LEN(want));
        assert_string_equal(h[i].old_value, want[k][0]);
        assert_string_equal(h[i].new_value, want[k][1]);
        if (k == 1)
            assert_string_equal(h[i].reason, "answered");
        if (k == 2)
            assert_string_equal(h[i].reason, "awaiting_documentation");
        if (k == 5) {
            assert_string_equal(h[i].user, "aud1");
            assert_string_equal(h[i].reason, "payer denial: E11.9 unsupported");
        }
        k++;
    }
    assert_int_equal(k, FOLIO_ARRAY_LEN(want));
    assert_int_equal(count_sql(f,
                               "SELECT COUNT(*) FROM coding_abstract_history h JOIN "
                               "coding_abstract a ON a.id = h.abstract_id WHERE "
                               "a.encounter_id = ? AND h.action = 'change'",
                               enc),
                     0);
    assert_int_equal(count_sql(f,
                               "SELECT COUNT(*) FROM coding_abstract_history h JOIN "
                               "coding_abstract a ON a.id = h.abstract_id WHERE "
                               "a.encounter_id = ? AND h.action = 'add' AND h.code = 'E1165' "
                               "AND h.reason = 'hyperglycemia documented'",
                               enc),
                     1);
    /* status changes on a cancelled encounter */
    int64_t cancelled = mk_enc(f, pid, "inpatient", NULL, NULL);
    OK(folio_encounter_cancel(&f->chart, cancelled, "registered twice", &f->err));
    EXPECT(FOLIO_ESTATE, "encounter",
           status(f, cancelled, 0, FOLIO_ABS_ON_HOLD, q, NULL, NULL, "c1", NULL, &a));
}

/* ---- the worklist ---- */

struct wl_fx {
    int64_t e1, e2, e3, e4, e5, e6, e7, e8, e9, e10, e11, e12;
};

static void mk_worklist(struct fx *f, struct wl_fx *w)
{
    struct folio_abstract *a = NULL;
    struct folio_abstract_code c[] = {dx(FOLIO_ABS_PRINCIPAL, "I10", 'Y')};
    int64_t p1 = mk_patient(f, "One"), p2 = mk_patient(f, "Two"), p3 = mk_patient(f, "Three"),
            p4 = mk_patient(f, "Four"), p5 = mk_patient(f, "Five");
    mk_coverage(f, p1, "Medicare Part A", "2015-01-01", NULL);
    mk_coverage(f, p2, "Blue Cross 100%", "2020-01-01", NULL);
    mk_coverage(f, p3, "Aetna", "2023-01-01", "2023-12-31");
    mk_coverage(f, p3, "Medicaid", "2024-01-01", NULL);
    mk_coverage(f, p3, "Future Plan", "2025-01-01", NULL);
    mk_coverage(f, p4, "Future Plan", "2030-01-01", NULL);
    w->e1 = mk_enc(f, p1, "inpatient", "2024-04-09", "MED");
    w->e2 = mk_enc(f, p2, "outpatient", "2024-04-03", "ORT");
    w->e3 = mk_enc(f, p2, "emergency", "2024-03-30", NULL);
    w->e4 = mk_enc(f, p1, "inpatient", "2024-03-20", "SUR");
    w->e5 = mk_enc(f, p3, "inpatient", "2024-02-01", NULL);
    w->e6 = mk_enc(f, p1, "inpatient", "2024-03-01", NULL);
    w->e7 = mk_enc(f, p1, "inpatient", NULL, NULL);
    w->e8 = mk_enc(f, p1, "inpatient", NULL, NULL);
    w->e9 = mk_enc(f, p5, "observation", "2024-04-08", NULL);
    w->e10 = mk_enc(f, p1, "inpatient", "2024-05-01", NULL);
    w->e11 = mk_enc(f, p3, "outpatient", "2023-06-01", NULL);
    w->e12 = mk_enc(f, p4, "outpatient", "2024-04-05", NULL);
    /* e2 in progress, assigned; e3 on hold; e4 rebill; e6 final; e7 cancelled; e8 in house */
    OK(save(f, w->e2, 0, c, 1, "coder1", NULL, NULL, &a));
    OK(folio_coding_assign(f->store, &w->e2, 1, "coder1", "lead", NULL, &f->err));
    OK(status(f, w->e3, 0, FOLIO_ABS_ON_HOLD, FOLIO_HOLD_AWAITING_PATHOLOGY, NULL, NULL, "c1", NULL,
              &a));
    OK(save(f, w->e4, 0, c, 1, "coder1", NULL, NULL, &a));
    OK(status(f, w->e4, 1, FOLIO_ABS_FINAL, 0, NULL, NULL, "coder1", NULL, &a));
    OK(status(f, w->e4, 2, FOLIO_ABS_REBILL, 0, NULL, "late charges", "coder1", NULL, &a));
    OK(save(f, w->e6, 0, c, 1, "coder1", NULL, NULL, &a));
    OK(status(f, w->e6, 1, FOLIO_ABS_FINAL, 0, NULL, NULL, "coder1", NULL, &a));
    OK(folio_encounter_cancel(&f->chart, w->e7, "duplicate registration", &f->err));
    OK(save(f, w->e8, 0, c, 1, "coder1", NULL, NULL, &a));
}

static size_t wl(struct fx *f, struct folio_worklist_filter *flt, struct folio_worklist_row **rows,
                 struct folio_worklist_summary *sum)
{
    size_t n = 0;
    OK(folio_coding_worklist(f->store, flt, &f->arena, rows, &n, sum, &f->err));
    return n;
}

static void assert_ids(const struct folio_worklist_row *r, size_t n, const int64_t *want,
                       size_t n_want)
{
    assert_int_equal(n, n_want);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(r[i].encounter_id, want[i]);
}

static void test_worklist(void **state)
{
    struct fx *f = *state;
    struct wl_fx w;
    struct folio_worklist_row *r = NULL;
    struct folio_worklist_summary sum;
    mk_worklist(f, &w);
    struct folio_worklist_filter flt = {.as_of = "2024-04-10", .status = -1};

    /* every DNFC encounter, oldest discharge first; final, cancelled, in-house ones absent */
    size_t n = wl(f, &flt, &r, &sum);
    const int64_t all[] = {w.e11, w.e5, w.e4, w.e3, w.e2, w.e12, w.e9, w.e1, w.e10};
    const int days[] = {314, 69, 21, 11, 7, 5, 2, 1, 0};
    assert_ids(r, n, all, FOLIO_ARRAY_LEN(all));
    for (size_t i = 0; i < n; i++)
        assert_int_equal(r[i].dnfc_days, days[i]);
    assert_int_equal(sum.total, 9);
    assert_int_equal(sum.buckets[0], 3); /* e9 e1 e10 */
    assert_int_equal(sum.buckets[1], 2); /* e2 e12 */
    assert_int_equal(sum.buckets[2], 1); /* e3 */
    assert_int_equal(sum.buckets[3], 1); /* e4 */
    assert_int_equal(sum.buckets[4], 2); /* e11 e5 */

    /* the row's facts */
    assert_int_equal(r[0].status, FOLIO_ABS_UNCODED);
    assert_int_equal(r[0].version, 0);
    assert_string_equal(r[0].payer, "Aetna");    /* in force at a 2023 discharge */
    assert_string_equal(r[1].payer, "Medicaid"); /* in force, not the latest */
    assert_int_equal(r[2].status, FOLIO_ABS_REBILL);
    assert_string_equal(r[2].service, "SUR");
    assert_string_equal(r[2].payer, "Medicare Part A");
    assert_int_equal(r[3].status, FOLIO_ABS_ON_HOLD);
    assert_int_equal(r[3].hold_reason, FOLIO_HOLD_AWAITING_PATHOLOGY);
    assert_null(r[3].service);
    assert_int_equal(r[4].status, FOLIO_ABS_IN_PROGRESS);
    assert_string_equal(r[4].assigned_to, "coder1");
    assert_int_equal(r[4].version, 1);
    assert_string_equal(r[4].enc_class, "outpatient");
    assert_string_equal(r[5].payer, "Future Plan"); /* none in force: the latest */
    assert_null(r[6].payer);                        /* no coverage */
    assert_string_equal(r[7].discharge_at, "2024-04-09T15:00Z");
    assert_true(strncmp(r[7].account_number, "ACCT", 4) == 0);
    assert_null(r[7].assigned_to);

    /* filters */
    flt.enc_class = "inpatient";
    n = wl(f, &flt, &r, &sum);
    assert_ids(r, n, (const int64_t[]){w.e5, w.e4, w.e1, w.e10}, 4);
    assert_int_equal(sum.total, 4);
    flt.enc_class = NULL;
    flt.payer = "medic";
    n = wl(f, &flt, &r, &sum);
    assert_ids(r, n, (const int64_t[]){w.e5, w.e4, w.e1, w.e10}, 4);
    flt.payer = "MEDICAID";
    n = wl(f, &flt, &r, &sum);
    assert_ids(r, n, (const int64_t[]){w.e5}, 1);
    flt.payer = "100%"; /* LIKE characters are literal */
    n = wl(f, &flt, &r, &sum);
    assert_ids(r, n, (const int64_t[]){w.e3, w.e2}, 2);
    flt.payer = "%";
    n = wl(f, &flt, &r, &sum);
    assert_ids(r, n, (const int64_t[]){w.e3, w.e2}, 2);
    flt.payer = "_";
    assert_int_equal(wl(f, &flt, &r, &sum), 0);
    flt.payer = NULL;
    flt.assigned_to = "coder1";
    n = wl(f, &flt, &r, &sum);
    assert_ids(r, n, (const int64_t[]){w.e2}, 1);
    flt.assigned_to = "";
    n = wl(f, &flt, &r, &sum);
    assert_int_equal(n, 8);
    assert_int_equal(sum.total, 8);
    flt.assigned_to = NULL;
    flt.status = FOLIO_ABS_UNCODED;
    n = wl(f, &flt, &r, &sum);
    assert_ids(r, n, (const int64_t[]){w.e11, w.e5, w.e12, w.e9, w.e1, w.e10}, 6);
    flt.status = FOLIO_ABS_IN_PROGRESS;
    n = wl(f, &flt, &r, &sum);
    assert_ids(r, n, (const int64_t[]){w.e2}, 1);
    flt.status = FOLIO_ABS_ON_HOLD;
    n = wl(f, &flt, &r, &sum);
    assert_ids(r, n, (const int64_t[]){w.e3}, 1);
    flt.status = FOLIO_ABS_REBILL;
    n = wl(f, &flt, &r, &sum);
    assert_ids(r, n, (const int64_t[]){w.e4}, 1);
    flt.status = FOLIO_ABS_FINAL;
    EXPECT(FOLIO_EINVAL, "status",
           folio_coding_worklist(f->store, &flt, &f->arena, &r, &n, &sum, &f->err));
    flt.status = -1;
    flt.min_days = 8;
    n = wl(f, &flt, &r, &sum);
    assert_ids(r, n, (const int64_t[]){w.e11, w.e5, w.e4, w.e3}, 4);
    assert_int_equal(sum.total, 4);
    assert_int_equal(sum.buckets[0] + sum.buckets[1], 0);
    assert_int_equal(sum.buckets[2], 1);
    assert_int_equal(sum.buckets[3], 1);
    assert_int_equal(sum.buckets[4], 2);
    flt.min_days = 7;
    assert_int_equal(wl(f, &flt, &r, &sum), 5);
    flt.min_days = 4; /* edges: 4..7 */
    n = wl(f, &flt, &r, &sum);
    assert_int_equal(n, 6);
    assert_int_equal(sum.buckets[1], 2);
    flt.min_days = 0;
    /* combined: inpatient and Medicare and uncoded */
    flt.enc_class = "inpatient";
    flt.payer = "medicare";
    flt.status = FOLIO_ABS_UNCODED;
    n = wl(f, &flt, &r, &sum);
    assert_ids(r, n, (const int64_t[]){w.e1, w.e10}, 2);
    flt.enc_class = NULL;
    flt.payer = NULL;
    flt.status = -1;

    /* paging keeps the order and the total */
    flt.limit = 2;
    n = wl(f, &flt, &r, &sum);
    assert_ids(r, n, (const int64_t[]){w.e11, w.e5}, 2);
    assert_int_equal(sum.total, 9);
    flt.offset = 2;
    n = wl(f, &flt, &r, &sum);
    assert_ids(r, n, (const int64_t[]){w.e4, w.e3}, 2);
    flt.offset = 8;
    n = wl(f, &flt, &r, &sum);
    assert_ids(r, n, (const int64_t[]){w.e10}, 1);
    flt.offset = 20;
    assert_int_equal(wl(f, &flt, &r, &sum), 0);
    assert_int_equal(sum.total, 9);
    flt.offset = 0;
    flt.limit = 100000; /* at most 500 */
    assert_int_equal(wl(f, &flt, &r, NULL), 9);
    flt.limit = 0;

    /* finalizing takes an encounter off; a rebill puts it back */
    struct folio_abstract *a = NULL;
    OK(status(f, w.e4, 3, FOLIO_ABS_FINAL, 0, NULL, NULL, "coder1", NULL, &a));
    assert_int_equal(wl(f, &flt, &r, &sum), 8);
    OK(status(f, w.e4, 4, FOLIO_ABS_REBILL, 0, NULL, "again", "coder1", NULL, &a));
    assert_int_equal(wl(f, &flt, &r, &sum), 9);

    /* bad filters */
    flt.as_of = "2024-02-30";
    EXPECT(FOLIO_EINVAL, "as_of",
           folio_coding_worklist(f->store, &flt, &f->arena, &r, &n, &sum, &f->err));
    flt.as_of = "2024-04-10";
    flt.min_days = -1;
    EXPECT(FOLIO_EINVAL, "min_days",
           folio_coding_worklist(f->store, &flt, &f->arena, &r, &n, &sum, &f->err));
    flt.min_days = 0;
    flt.status = 12;
    EXPECT(FOLIO_EINVAL, "status",
           folio_coding_worklist(f->store, &flt, &f->arena, &r, &n, &sum, &f->err));

    /* today by default: days only grow */
    n = wl(f, NULL, &r, &sum);
    assert_int_equal(n, 9);
    assert_true(r[0].dnfc_days > 314);
}

/* Each bucket edge: 0-3, 4-7, 8-14, 15-30, over 30 days. */
static void test_worklist_buckets(void **state)
{
    struct fx *f = *state;
    struct folio_worklist_row *r = NULL;
    struct folio_worklist_summary sum;
    /* discharge dates and their DNFC days on 2024-03-31 (by hand over the calendar) */
    static const struct {
        const char *day;
        int days;
    } e[] = {
        {"2024-02-29", 31}, {"2024-03-01", 30}, {"2024-03-16", 15},
        {"2024-03-17", 14}, {"2024-03-23", 8},  {"2024-03-24", 7},
        {"2024-03-27", 4},  {"2024-03-28", 3},  {"2024-03-31", 0},
    };
    int64_t pid = mk_patient(f, "Eta");
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(e); i++)
        mk_enc(f, pid, "inpatient", e[i].day, NULL);
    struct folio_worklist_filter flt = {.as_of = "2024-03-31", .status = -1};
    size_t n = wl(f, &flt, &r, &sum);
    assert_int_equal(n, FOLIO_ARRAY_LEN(e));
    for (size_t i = 0; i < n; i++)
        assert_int_equal(r[i].dnfc_days, e[i].days);
    assert_int_equal(sum.total, 9);
    assert_int_equal(sum.buckets[0], 2);
    assert_int_equal(sum.buckets[1], 2);
    assert_int_equal(sum.buckets[2], 2);
    assert_int_equal(sum.buckets[3], 2);
    assert_int_equal(sum.buckets[4], 1);
    for (size_t i = 0; i < n; i++) { /* min_days at each edge keeps exactly the older ones */
        flt.min_days = e[i].days;
        assert_int_equal(wl(f, &flt, &r, &sum), i + 1);
        assert_int_equal(sum.total, i + 1);
    }
}

/* ---- assigning ---- */

static void test_assign(void **state)
{
    struct fx *f = *state;
    struct wl_fx w;
    struct folio_abstract *a = NULL;
    struct folio_abstract_change *h = NULL;
    mk_worklist(f, &w);

    int64_t two[] = {w.e1, w.e5};
    OK(folio_coding_assign(f->store, two, 2, "coder2", "lead", "2024-04-10T08:00Z", &f->err));
    a = get(f, w.e1);
    assert_int_equal(a->status, FOLIO_ABS_IN_PROGRESS);
    assert_int_equal(a->version, 1);
    assert_int_equal(a->n_codes, 0);
    assert_string_equal(a->assigned_to, "coder2");
    assert_string_equal(get(f, w.e5)->assigned_to, "coder2");
    size_t n = history(f, w.e1, &h);
    assert_int_equal(n, 2);
    assert_change(&h[0], "status", "", "uncoded", "in_progress");
    assert_change(&h[1], "assign", "", NULL, "coder2");
    assert_string_equal(h[1].user, "lead");

    /* all or none: an unknown encounter, a final one */
    int64_t bad[] = {w.e1, w.e9, w.e12 + 1000};
    EXPECT(FOLIO_ENOTFOUND, "encounter_ids[2]",
           folio_coding_assign(f->store, bad, 3, "coder3", "lead", NULL, &f->err));
    assert_non_null(strstr(f->err.msg, "no encounter"));
    int64_t fin[] = {w.e3, w.e6};
    EXPECT(FOLIO_ESTATE, "encounter_ids[1]",
           folio_coding_assign(f->store, fin, 2, "coder3", "lead", NULL, &f->err));
    int64_t canc[] = {w.e7};
    EXPECT(FOLIO_ESTATE, "encounter_ids[0]",
           folio_coding_assign(f->store, canc, 1, "coder3", "lead", NULL, &f->err));
    assert_string_equal(get(f, w.e1)->assigned_to, "coder2");
    assert_int_equal(get(f, w.e9)->id, 0);
    assert_null(get(f, w.e3)->assigned_to);
    EXPECT(FOLIO_EINVAL, "encounter_ids",
           folio_coding_assign(f->store, two, 0, "coder3", "lead", NULL, &f->err));
    EXPECT(FOLIO_EINVAL, "user",
           folio_coding_assign(f->store, two, 2, "coder3", "", NULL, &f->err));

    /* the same coder again records nothing; unassigning does, without a version change */
    OK(folio_coding_assign(f->store, two, 1, "coder2", "lead", NULL, &f->err));
    assert_int_equal(history(f, w.e1, &h), 2);
    OK(folio_coding_assign(f->store, two, 1, NULL, "lead", "2024-04-10T08:30Z", &f->err));
    a = get(f, w.e1);
    assert_null(a->assigned_to);
    assert_int_equal(a->version, 1);
    n = history(f, w.e1, &h);
    assert_int_equal(n, 3);
    assert_change(&h[2], "assign", "", "coder2", NULL);
    /* unassigning an uncoded encounter creates nothing */
    OK(folio_coding_assign(f->store, &w.e9, 1, "", "lead", NULL, &f->err));
    assert_int_equal(get(f, w.e9)->id, 0);

    /* the worklist shows it: coder2 has e5 only now */
    struct folio_worklist_filter flt = {
        .as_of = "2024-04-10", .status = -1, .assigned_to = "coder2"};
    struct folio_worklist_row *r = NULL;
    n = wl(f, &flt, &r, NULL);
    assert_ids(r, n, (const int64_t[]){w.e5}, 1);
    assert_int_equal(r[0].status, FOLIO_ABS_IN_PROGRESS);
}

/* ---- productivity ---- */

static void test_productivity(void **state)
{
    struct fx *f = *state;
    struct folio_abstract *a = NULL;
    struct folio_productivity_row *p = NULL;
    size_t n = 0;
    int64_t pid = mk_patient(f, "Delta");
    int64_t ea = mk_enc(f, pid, "inpatient", "2024-04-28", NULL);
    int64_t eb = mk_enc(f, pid, "outpatient", "2024-04-29", NULL);
    int64_t ec = mk_enc(f, pid, "inpatient", "2024-04-29", NULL);
    int64_t ee = mk_enc(f, pid, "emergency", "2024-04-30", NULL);
    struct folio_abstract_code c1[] = {dx(FOLIO_ABS_PRINCIPAL, "I10", 'Y')};
    struct folio_abstract_code c2[] = {dx(FOLIO_ABS_PRINCIPAL, "I10", 'Y'),
                                       dx(FOLIO_ABS_SECONDARY, "E119", 'Y')};
    struct folio_abstract_code c3[] = {dx(FOLIO_ABS_PRINCIPAL, "I10", 'N'),
                                       dx(FOLIO_ABS_SECONDARY, "E119", 'Y')};

    /* ana on A: 09:00 09:05 09:10, a 20-minute gap, 09:30 09:32 (final); reopened 12:00,
     * final again 12:01 */
    OK(save(f, ea, 0, c1, 1, "ana", NULL, "2024-05-01T09:00:00Z", &a));
    OK(save(f, ea, 1, c2, 2, "ana", NULL, "2024-05-01T09:05:00Z", &a));
    OK(save(f, ea, 2, c3, 2, "ana", NULL, "2024-05-01T09:10:00Z", &a));
    OK(save(f, ea, 3, c2, 2, "ana", NULL, "2024-05-01T09:30:00Z", &a));
    OK(status(f, ea, 4, FOLIO_ABS_FINAL, 0, NULL, NULL, "ana", "2024-05-01T09:32:00Z", &a));
    OK(status(f, ea, 5, FOLIO_ABS_REBILL, 0, NULL, "denial", "ana", "2024-05-01T12:00:00Z", &a));
    OK(status(f, ea, 6, FOLIO_ABS_FINAL, 0, NULL, NULL, "ana", "2024-05-01T12:01:00Z", &a));
    /* ana on B: 10:00, final 10:04 */
    OK(save(f, eb, 0, c1, 1, "ana", NULL, "2024-05-01T10:00:00Z", &a));
    OK(status(f, eb, 1, FOLIO_ABS_FINAL, 0, NULL, NULL, "ana", "2024-05-01T10:04:00Z", &a));
    /* ana on C: 11:00 only; bob on C 11:20 */
    OK(save(f, ec, 0, c1, 1, "ana", NULL, "2024-05-01T11:00:00Z", &a));
    OK(save(f, ec, 1, c2, 2, "bob", NULL, "2024-05-01T11:20:00Z", &a));
    /* bob on E: the last second of the period, then the next day (outside) */
    OK(save(f, ee, 0, c1, 1, "bob", NULL, "2024-05-01T23:59:59Z", &a));
    OK(save(f, ee, 1, c2, 2, "bob", NULL, "2024-05-02T00:00:00Z", &a));
    OK(status(f, ee, 2, FOLIO_ABS_FINAL, 0, NULL, NULL, "bob", "2024-05-02T00:01:00Z", &a));
    /* before the period; an assignment (not coding) inside it */
    int64_t ed = mk_enc(f, pid, "observation", "2024-04-20", NULL);
    OK(save(f, ed, 0, c1, 1, "bob", NULL, "2024-04-30T23:59:59Z", &a));
    OK(folio_coding_assign(f->store, &ed, 1, "bob", "sam", "2024-05-01T08:00:00Z", &f->err));

    OK(folio_coding_productivity(f->store, "2024-05-01", "2024-05-01", &f->arena, &p, &n, &f->err));
    assert_int_equal(n, 2);
    assert_string_equal(p[0].coder, "ana");
    assert_string_equal(p[1].coder, "bob");

    /* each sitting: last minus first change, plus the minimum */
    const double min = FOLIO_CODING_MIN_SITTING_S;
    double ana_s = (10 * 60 + min)       /* A 09:00-09:10 */
                   + (2 * 60 + min)      /* A 09:30-09:32 */
                   + (1 * 60 + min)      /* A 12:00-12:01 */
                   + (4 * 60 + min)      /* B 10:00-10:04 */
                   + (0 + min);          /* C 11:00 */
    assert_int_equal(p[0].finalized, 2); /* A once (finalized twice), B */
    assert_int_equal(p[0].by_class[0], 1);
    assert_int_equal(p[0].by_class[1], 1);
    assert_int_equal(p[0].by_class[2] + p[0].by_class[3] + p[0].by_class[4], 0);
    assert_true(fabs(p[0].active_hours - ana_s / 3600.0) < 1e-9);
    assert_true(fabs(p[0].charts_per_hour - 2.0 / (ana_s / 3600.0)) < 1e-9);
    double bob_s = (0 + min) + (0 + min); /* C 11:20, E 23:59:59 */
    assert_int_equal(p[1].finalized, 0);
    assert_true(fabs(p[1].active_hours - bob_s / 3600.0) < 1e-9);
    assert_true(p[1].charts_per_hour == 0.0);

    /* two days: bob's E continues over midnight in one sitting and is finalized */
    OK(folio_coding_productivity(f->store, "2024-04-30", "2024-05-02", &f->arena, &p, &n, &f->err));
    assert_int_equal(n, 2);
    bob_s = (0 + min)    /* C 11:20 */
            + (61 + min) /* E 23:59:59 - 00:01:00 */
            + (0 + min); /* D 2024-04-30T23:59:59 */
    assert_int_equal(p[1].finalized, 1);
    assert_int_equal(p[1].by_class[2], 1);
    assert_true(fabs(p[1].active_hours - bob_s / 3600.0) < 1e-9);
    assert_true(fabs(p[1].charts_per_hour - 1.0 / (bob_s / 3600.0)) < 1e-9);

    /* nobody */
    OK(folio_coding_productivity(f->store, "2023-01-01", "2023-12-31", &f->arena, &p, &n, &f->err));
    assert_int_equal(n, 0);
    EXPECT(
        FOLIO_EINVAL, "from",
        folio_coding_productivity(f->store, "2024-5-1", "2024-05-01", &f->arena, &p, &n, &f->err));
    EXPECT(FOLIO_EINVAL, "to",
           folio_coding_productivity(f->store, "2024-05-02", "2024-05-01", &f->arena, &p, &n,
                                     &f->err));
}

/* ---- the source system's codes ---- */

static void test_source(void **state)
{
    struct fx *f = *state;
    struct folio_source_code *src = NULL;
    size_t n = 0;
    int64_t pid = mk_patient(f, "Epsilon");
    int64_t enc = mk_enc(f, pid, "inpatient", "2024-03-09", NULL);
    int64_t other = mk_enc(f, pid, "inpatient", "2024-03-19", NULL);
    char sys[64];
    folio_snprintf(sys, sizeof sys, "hl7-dg1:%lld:%lld", (long long)pid, (long long)enc);
    struct folio_condition c1 = {.patient_id = pid,
                                 .encounter_id = enc,
                                 .code_system = "I10",
                                 .code = "I10",
                                 .display = "Hypertension",
                                 .onset = "2024-03-08T10:00Z",
                                 .ext_system = sys,
                                 .ext_id = "1|I10|I10",
                                 .dx_type = "F",
                                 .dx_priority = 1,
                                 .has_dx_priority = true};
    struct folio_condition c2 = {.patient_id = pid,
                                 .encounter_id = enc,
                                 .code_system = "http://snomed.info/sct",
                                 .code = "44054006",
                                 .ext_system = "synthea",
                                 .ext_id = "cond-1"};
    struct folio_condition c3 = {
        .patient_id = pid, .encounter_id = other, .code_system = "I10", .code = "J189"};
    struct folio_procedure_event p1 = {.patient_id = pid,
                                       .encounter_id = enc,
                                       .code_system = "ICD10PCS",
                                       .code = "0DTJ4ZZ",
                                       .display = "Laparoscopic appendectomy",
                                       .performed_start = "2024-03-06T12:00Z"};
    OK(folio_procedure_create(&f->chart, &p1, NULL, &f->err));
    OK(folio_condition_create(&f->chart, &c1, NULL, &f->err));
    OK(folio_condition_create(&f->chart, &c2, NULL, &f->err));
    OK(folio_condition_create(&f->chart, &c3, NULL, &f->err));

    OK(folio_abstract_source(f->store, enc, &f->arena, &src, &n, &f->err));
    assert_int_equal(n, 3);
    assert_string_equal(src[0].kind, "diagnosis");
    assert_string_equal(src[0].code, "I10");
    assert_string_equal(src[0].system, "I10");
    assert_string_equal(src[0].display, "Hypertension");
    assert_string_equal(src[0].date, "2024-03-08T10:00Z");
    assert_string_equal(src[0].source, "HL7 DG1");
    assert_string_equal(src[0].dx_type, "F"); /* the clinician's final principal diagnosis */
    assert_true(src[0].has_dx_priority);
    assert_int_equal(src[0].dx_priority, 1);
    assert_null(src[1].dx_type);
    assert_false(src[1].has_dx_priority);
    assert_false(src[2].has_dx_priority);
    assert_string_equal(src[1].code, "44054006");
    assert_string_equal(src[1].source, "synthea");
    assert_null(src[1].display);
    assert_null(src[1].date);
    assert_string_equal(src[2].kind, "procedure");
    assert_string_equal(src[2].code, "0DTJ4ZZ");
    assert_string_equal(src[2].date, "2024-03-06T12:00Z");
    assert_null(src[2].source);

    OK(folio_abstract_source(f->store, other, &f->arena, &src, &n, &f->err));
    assert_int_equal(n, 1);
    int64_t empty = mk_enc(f, pid, "outpatient", "2024-03-20", NULL);
    OK(folio_abstract_source(f->store, empty, &f->arena, &src, &n, &f->err));
    assert_int_equal(n, 0);
    EXPECT(FOLIO_ENOTFOUND, "encounter",
           folio_abstract_source(f->store, empty + 100, &f->arena, &src, &n, &f->err));
    struct folio_abstract_change *h = NULL;
    EXPECT(FOLIO_ENOTFOUND, "encounter",
           folio_abstract_history(f->store, empty + 100, &f->arena, &h, &n, &f->err));
}

/* ---- code date and titles ---- */

static void test_code_date(void **state)
{
    struct fx *f = *state;
    struct folio_abstract *a = NULL;
    int64_t pid = mk_patient(f, "Zeta");
    int64_t late = mk_enc(f, pid, "inpatient", "2024-10-02", NULL);
    int64_t in_house = mk_enc(f, pid, "inpatient", NULL, NULL);
    struct folio_abstract_code c[] = {dx(FOLIO_ABS_PRINCIPAL, "E119", 'Y')};
    load_titles(f);
    OK(save(f, late, 0, c, 1, "coder1", NULL, NULL, &a));
    assert_string_equal(a->code_date, "2024-10-02");
    assert_string_equal(a->codes[0].title, "FY2025 title");
    /* not discharged: the code set of "today" */
    OK(save(f, in_house, 0, c, 1, "coder1", NULL, "2024-03-01T10:00Z", &a));
    assert_string_equal(a->code_date, "2024-03-01");
    assert_string_equal(a->codes[0].title, "Type 2 diabetes mellitus without complications");
    OK(folio_abstract_get(f->store, in_house, "2024-11-01", &f->arena, &a, &f->err));
    assert_string_equal(a->code_date, "2024-11-01");
    assert_string_equal(a->codes[0].title, "FY2025 title");
    OK(folio_abstract_get(f->store, in_house, "2022-01-01", &f->arena, &a, &f->err));
    assert_null(a->codes[0].title); /* no code set in force then */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_save_and_history, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transitions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_worklist, setup, teardown),
        cmocka_unit_test_setup_teardown(test_worklist_buckets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_assign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_productivity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source, setup, teardown),
        cmocka_unit_test_setup_teardown(test_code_date, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
