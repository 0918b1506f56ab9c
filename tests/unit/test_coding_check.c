/* Coding checks (folio/coding_check.h) on the backend under test.
 *
 * Small deterministic fixtures always (tests/data/coding/: a synthetic FY2030 ICD-10-CM order
 * file and tabular XML in CMS's formats, a FY2031 valid-code list without notes, POA-exempt
 * lists in both accepted forms, small MCE tables), loaded through the real loaders; then the
 * real releases in ../shared when present: FY2021 tabular notes (E11.9 with O24.419, S52.501,
 * E11, code first and use additional), the FY2026 valid-code list (title and notes fallback),
 * the MCE 43.1 tables read back from the store against the files on the 20,000 reference
 * claims, and the time one 25-code abstract takes to check. */
#include "folio/base.h"
#include "folio/coding_check.h"
#include "folio/codes.h"
#include "folio/edits.h"
#include "testdb.h"

#include "coding/check_int.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <unistd.h>

struct fx {
    struct folio_store *s;
    struct folio_arena a;
    struct folio_mce *mce;
    char tmp[64];
};

static const char *data_path(const char *rel)
{
    static char path[4][1024];
    static int slot;
    const char *src = getenv("FOLIO_SOURCE_DIR");
    char *p = path[slot++ % 4];

    if (folio_str_empty(src))
        fail_msg("FOLIO_SOURCE_DIR is not set (run the test through CTest)");
    assert_true(folio_snprintf(p, 1024, "%s/tests/data/coding/%s", src, rel));
    return p;
}

static void load(struct fx *f, enum folio_codes_load_kind k, const char *path, int fy,
                 struct folio_codes_load_result *res)
{
    struct folio_codes_load_opts o = {0};
    struct folio_codes_load_result r;
    struct folio_err err = {0};

    o.kind = k;
    o.path = path;
    o.fiscal_year = fy;
    if (folio_codes_load(f->s, &o, res ? res : &r, &err) != FOLIO_OK)
        fail_msg("loading %s: %s (%s)", path, err.msg, err.field);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);

    assert_non_null(f);
    f->s = folio_test_store_open();
    folio_arena_init(&f->a, 0);
    load(f, FOLIO_LOAD_ICD10CM_ORDER, data_path("icd10cm_order_2030.txt"), 0, NULL);
    load(f, FOLIO_LOAD_ICD10CM_TABULAR, data_path("icd10cm_tabular_2030.xml"), 0, NULL);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    folio_mce_free(f->mce);
    folio_arena_release(&f->a);
    folio_test_store_close(f->s);
    if (f->tmp[0]) {
        char p[128];
        static const char *const names[] = {"bad.txt", "badrange_2030.txt", "copy_2030.txt"};
        for (size_t i = 0; i < FOLIO_ARRAY_LEN(names); i++) {
            (void)folio_snprintf(p, sizeof p, "%s/%s", f->tmp, names[i]);
            unlink(p);
        }
        rmdir(f->tmp);
    }
    free(f);
    return 0;
}

/* ---- building abstracts ---- */

struct c {
    enum folio_abs_role role;
    const char *code;
    char poa;
    enum folio_code_system sys; /* 0: ICD-10-CM for diagnoses, ICD-10-PCS for procedures */
};

struct run {
    const char *date;
    const char *cls;
    int age;
    char sex;
    int status;
    int los;
};

static const struct run IP = {"2030-03-01", "inpatient", 50, 'F', 1, 5};
static const struct run OP = {"2030-03-01", "outpatient", 50, 'F', -1, -1};

static struct folio_check_finding *check(struct fx *f, const struct run *r, const struct c *cs,
                                         size_t n, size_t *nf)
{
    struct folio_abstract_code *codes = calloc(n ? n : 1, sizeof *codes);
    struct folio_check_input in = {0};
    struct folio_check_finding *out = NULL;
    struct folio_err err = {0};

    assert_non_null(codes);
    for (size_t i = 0; i < n; i++) {
        codes[i].role = cs[i].role;
        codes[i].system = cs[i].sys                           ? cs[i].sys
                          : cs[i].role == FOLIO_ABS_PROCEDURE ? FOLIO_CS_ICD10PCS
                                                              : FOLIO_CS_ICD10CM;
        folio_strlcpy(codes[i].code, cs[i].code, sizeof codes[i].code);
        codes[i].poa = cs[i].poa;
    }
    in.code_date = r->date;
    in.enc_class = r->cls;
    in.age = r->age;
    in.sex = r->sex;
    in.discharge_status = r->status;
    in.los = r->los;
    in.codes = codes;
    in.n_codes = n;
    if (folio_coding_check(f->s, f->mce, &in, &f->a, &out, nf, &err) != FOLIO_OK)
        fail_msg("folio_coding_check: %s", err.msg);
    free(codes);
    return out;
}

/* The finding of kind about code (NULL = any code; "" = abstract-level), or NULL. */
static const struct folio_check_finding *find(const struct folio_check_finding *v, size_t n,
                                              const char *kind, const char *code)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].kind, kind) == 0 && (!code || strcmp(v[i].code, code) == 0))
            return &v[i];
    return NULL;
}

static const struct folio_check_finding *find_rel(const struct folio_check_finding *v, size_t n,
                                                  const char *kind, const char *code,
                                                  const char *related)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].kind, kind) == 0 && strcmp(v[i].code, code) == 0 &&
            strcmp(v[i].related, related) == 0)
            return &v[i];
    return NULL;
}

static size_t count(const struct folio_check_finding *v, size_t n, const char *kind)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += strcmp(v[i].kind, kind) == 0;
    return k;
}

static void dump(const struct folio_check_finding *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        print_message("  [%s] %s %s %s: %s\n", folio_check_severity_name(v[i].severity), v[i].kind,
                      v[i].edit, v[i].code, v[i].message);
}

#define P(code, poa)                                                                               \
    {                                                                                              \
        FOLIO_ABS_PRINCIPAL, code, poa, 0                                                          \
    }
#define S(code, poa)                                                                               \
    {                                                                                              \
        FOLIO_ABS_SECONDARY, code, poa, 0                                                          \
    }
#define N(x) FOLIO_ARRAY_LEN(x)

/* ---- pure parts ---- */

static void test_note_refs(void **state)
{
    struct chk_ref r[8];
    size_t n;

    (void)state;
    n = chk_parse_refs("hypothyroidism, acquired (E00-E03.-)", r, 8);
    assert_int_equal(n, 1);
    assert_string_equal(r[0].lo, "E00");
    assert_string_equal(r[0].hi, "E03");
    assert_true(chk_ref_covers(&r[0], "E039"));
    assert_true(chk_ref_covers(&r[0], "E00"));
    assert_false(chk_ref_covers(&r[0], "E040"));
    n = chk_parse_refs("gestational diabetes (O24.4-)", r, 8);
    assert_int_equal(n, 1);
    assert_true(chk_ref_covers(&r[0], "O24419"));
    assert_false(chk_ref_covers(&r[0], "O2401"));
    n = chk_parse_refs("trypanosomiasis (B56.-, B57.-); HbA1c test (R73.09)", r, 8);
    assert_int_equal(n, 3);
    assert_string_equal(r[1].lo, "B57");
    assert_string_equal(r[2].lo, "R7309");
    n = chk_parse_refs("stage (N18.1-N18.6)", r, 8);
    assert_int_equal(n, 1);
    assert_true(chk_ref_covers(&r[0], "N1830"));
    assert_false(chk_ref_covers(&r[0], "N189"));
}

static void test_poa_line(void **state)
{
    struct folio_codes_poa_rec r;
    struct folio_err err = {0};

    (void)state;
    assert_int_equal(
        folio_codes_parse_poa_line(FOLIO_SV_LIT("00037\tZ3800\tSingle liveborn"), &r, &err),
        FOLIO_OK);
    assert_string_equal(r.from, "Z3800");
    assert_string_equal(r.to, "Z3800");
    assert_true(folio_sv_eq_cstr(r.description, "Single liveborn"));
    assert_int_equal(folio_codes_parse_poa_line(FOLIO_SV_LIT("O09.- Supervision"), &r, &err),
                     FOLIO_OK);
    assert_string_equal(r.from, "O09");
    assert_int_equal(folio_codes_parse_poa_line(FOLIO_SV_LIT("v00-v09"), &r, &err), FOLIO_OK);
    assert_string_equal(r.from, "V00");
    assert_string_equal(r.to, "V09");
    assert_int_equal(folio_codes_parse_poa_line(FOLIO_SV_LIT("Y92"), &r, &err), FOLIO_OK);
    assert_true(r.description.len == 0);
    assert_int_equal(folio_codes_parse_poa_line(FOLIO_SV_LIT("S00-T88.9"), &r, &err), FOLIO_EPARSE);
    assert_int_equal(folio_codes_parse_poa_line(FOLIO_SV_LIT("V09-V00"), &r, &err), FOLIO_EPARSE);
    assert_int_equal(folio_codes_parse_poa_line(FOLIO_SV_LIT("12 Z3"), &r, &err), FOLIO_EPARSE);
    assert_int_equal(folio_codes_parse_poa_line(FOLIO_SV_LIT("Z38!"), &r, &err), FOLIO_EPARSE);
    assert_int_equal(folio_codes_parse_poa_line(FOLIO_SV_LIT("1234"), &r, &err), FOLIO_EPARSE);
}

/* ---- code set checks ---- */

static void test_invalid_code(void **state)
{
    struct fx *f = *state;
    const struct c v[] = {P("E11.99", 'Y'),
                          S("e119", 'Y'),
                          S("E1!", 'Y'),
                          {FOLIO_ABS_PROCEDURE, "99213", 0, FOLIO_CS_CPT}};
    size_t n;
    struct folio_check_finding *r = check(f, &OP, v, N(v), &n);
    const struct folio_check_finding *x;

    x = find(r, n, "invalid_code", "E1199");
    assert_non_null(x);
    assert_int_equal(x->severity, FOLIO_CHECK_ERROR);
    assert_int_equal(x->code_index, 0);
    assert_non_null(strstr(x->message, "E11.99 is not a valid ICD-10-CM code on 2030-03-01"));
    assert_null(find(r, n, "invalid_code", "E119")); /* lower case is the same code */
    x = find(r, n, "invalid_code", "E1!");
    assert_non_null(x);
    assert_int_equal(x->code_index, 2);
    /* no CPT loaded: said once, the code is not refused */
    x = find(r, n, "invalid_code", "");
    assert_non_null(x);
    assert_int_equal(x->severity, FOLIO_CHECK_INFO);
    assert_non_null(strstr(x->message, "No CPT code set"));
    assert_null(find(r, n, "invalid_code", "99213"));
    assert_true(folio_check_blocks(r, n));
    /* findings come in code order: abstract-level first */
    for (size_t i = 1; i < n; i++)
        assert_true(r[i - 1].code_index <= r[i].code_index);

    /* a code of another period says when it was valid */
    load(f, FOLIO_LOAD_ICD10CM_VALID, data_path("icd10cm_valid_codes_fy2031.txt"), 0, NULL);
    {
        const struct c w[] = {P("N18.6", 'Y'), S("E11.A", 'Y')};
        struct run later = OP;
        later.date = "2031-03-01";
        r = check(f, &later, w, N(w), &n);
        x = find(r, n, "invalid_code", "N186");
        assert_non_null(x);
        assert_non_null(strstr(x->message, "it was valid until 2030-09-30"));
        assert_null(find(r, n, "invalid_code", "E11A"));
        r = check(f, &OP, w, N(w), &n);
        x = find(r, n, "invalid_code", "E11A");
        assert_non_null(x);
        assert_non_null(strstr(x->message, "it is valid from 2030-10-01"));
        assert_null(find(r, n, "invalid_code", "N186"));
    }
}

static void test_header_code(void **state)
{
    struct fx *f = *state;
    const struct c v[] = {P("E11", 'Y'), S("E11.2", 'Y'), S("E11.22", 'Y')};
    size_t n;
    struct folio_check_finding *r = check(f, &OP, v, N(v), &n);
    const struct folio_check_finding *x;

    x = find(r, n, "header_code", "E11");
    assert_non_null(x);
    assert_int_equal(x->severity, FOLIO_CHECK_ERROR);
    assert_non_null(strstr(x->message, "E11 is a category, not a billable code: it needs 1 to 2 "
                                       "more characters (e.g. E11.22)"));
    x = find(r, n, "header_code", "E112");
    assert_non_null(x);
    assert_non_null(strstr(x->message, "E11.2 is a subcategory, not a billable code: it needs 1 "
                                       "more character (e.g. E11.22)"));
    assert_null(find(r, n, "header_code", "E1122"));
    assert_int_equal(count(r, n, "seventh_missing"), 0);
    assert_int_equal(count(r, n, "invalid_code"), 0);
}

static void test_seventh_missing(void **state)
{
    struct fx *f = *state;
    const struct c v[] = {P("S52.501", 'Y'),
                          S("T07", 'Y'),
                          S("S52", 'Y'),
                          S("S52.501A", 'Y'),
                          {FOLIO_ABS_EXTERNAL_CAUSE, "W19", 'Y', 0}};
    size_t n;
    struct folio_check_finding *r = check(f, &OP, v, N(v), &n);
    const struct folio_check_finding *x;

    x = find(r, n, "seventh_missing", "S52501");
    assert_non_null(x);
    assert_int_equal(x->severity, FOLIO_CHECK_ERROR);
    assert_non_null(strstr(x->message, "S52.501 needs a 7th character"));
    assert_non_null(strstr(x->message, "A initial encounter for closed fracture"));
    assert_non_null(strstr(x->message, "D subsequent encounter for closed fracture"));
    assert_non_null(strstr(x->message, "S sequela"));
    assert_null(find(r, n, "header_code", "S52501"));
    x = find(r, n, "seventh_missing", "T07");
    assert_non_null(x);
    assert_non_null(strstr(x->message, "placeholder X (T07.XXX_)"));
    assert_non_null(find(r, n, "seventh_missing", "W19"));
    /* a category needs more than a 7th character */
    assert_null(find(r, n, "seventh_missing", "S52"));
    assert_non_null(find(r, n, "header_code", "S52"));
    assert_null(find(r, n, "seventh_missing", "S52501A"));
    assert_null(find(r, n, "header_code", "S52501A"));
}

/* ---- tabular notes ---- */

static void test_excludes1(void **state)
{
    struct fx *f = *state;
    size_t n;
    struct folio_check_finding *r;
    const struct folio_check_finding *x;

    {
        const struct c v[] = {P("E11.9", 'Y'), S("O24.419", 'Y')};
        r = check(f, &OP, v, N(v), &n);
        x = find(r, n, "excludes1", "E119");
        assert_non_null(x);
        assert_int_equal(x->severity, FOLIO_CHECK_WARNING);
        assert_string_equal(x->related, "O24419");
        assert_string_equal(x->message, "Excludes1: E11.9 is not coded with O24.419 (E11 excludes1 "
                                        "\"gestational diabetes (O24.4-)\").");
        assert_false(folio_check_blocks(r, n));
    }
    {
        /* the other order: the note is E11's, found all the same */
        const struct c v[] = {P("O24.419", 'Y'), S("E11.9", 'Y')};
        r = check(f, &OP, v, N(v), &n);
        assert_int_equal(count(r, n, "excludes1"), 1);
        assert_non_null(find(r, n, "excludes1", "E119"));
    }
    {
        /* E10 excludes E11 and E11 excludes E10: one finding for the pair */
        const struct c v[] = {P("E10.9", 'Y'), S("E11.9", 'Y'), S("E11.22", 'Y')};
        r = check(f, &OP, v, N(v), &n);
        assert_int_equal(count(r, n, "excludes1"), 2); /* E10.9-E11.9, E10.9-E11.22 */
        x = find(r, n, "excludes1", "E109");
        assert_non_null(x);
        assert_non_null(strstr(x->message, "(E10 excludes1 \"type 2 diabetes mellitus (E11.-)\")"));
    }
    {
        /* codes of one category, and an admitting diagnosis, are not pairs */
        const struct c v[] = {
            P("E11.9", 'Y'), S("E11.22", 'Y'), {FOLIO_ABS_ADMITTING, "O24.419", 0, 0}};
        r = check(f, &OP, v, N(v), &n);
        assert_int_equal(count(r, n, "excludes1"), 0);
    }
}

static void test_code_first(void **state)
{
    struct fx *f = *state;
    size_t n;
    struct folio_check_finding *r;
    const struct folio_check_finding *x;

    {
        const struct c v[] = {P("N18.30", 'Y'), S("E11.22", 'Y')};
        r = check(f, &OP, v, N(v), &n);
        x = find(r, n, "code_first", "N1830");
        assert_non_null(x);
        assert_int_equal(x->severity, FOLIO_CHECK_WARNING);
        assert_string_equal(x->related, "E1122");
        assert_non_null(strstr(x->message, "Code first: E11.22 should be sequenced before N18.30 "
                                           "(N18 code first \"diabetic chronic kidney disease"));
    }
    {
        const struct c v[] = {P("E11.22", 'Y'), S("N18.30", 'Y')};
        r = check(f, &OP, v, N(v), &n);
        assert_int_equal(count(r, n, "code_first"), 0);
    }
    {
        /* a principal with a code-first note and nothing named coded: a reminder */
        const struct c v[] = {P("F02.80", 'Y')};
        r = check(f, &OP, v, N(v), &n);
        x = find(r, n, "code_first", "F0280");
        assert_non_null(x);
        assert_int_equal(x->severity, FOLIO_CHECK_INFO);
        assert_non_null(strstr(x->message, "F02.80 is the principal diagnosis, but F02 says code "
                                           "first \"the underlying physiological condition"));
    }
    {
        const struct c v[] = {P("F02.80", 'Y'), S("G30.9", 'Y')};
        r = check(f, &OP, v, N(v), &n);
        x = find(r, n, "code_first", "F0280");
        assert_non_null(x);
        assert_int_equal(x->severity, FOLIO_CHECK_WARNING);
        assert_string_equal(x->related, "G309");
        assert_non_null(strstr(x->message, "\"Alzheimer's (G30.-)\""));
    }
    {
        const struct c v[] = {P("G30.9", 'Y'), S("F02.80", 'Y')};
        r = check(f, &OP, v, N(v), &n);
        assert_int_equal(count(r, n, "code_first"), 0);
    }
}

static void test_use_additional(void **state)
{
    struct fx *f = *state;
    size_t n;
    struct folio_check_finding *r;
    const struct folio_check_finding *x;

    {
        const struct c v[] = {P("E11.9", 'Y')};
        r = check(f, &OP, v, N(v), &n);
        x = find(r, n, "use_additional", "E119");
        assert_non_null(x);
        assert_int_equal(x->severity, FOLIO_CHECK_INFO);
        assert_non_null(strstr(x->message, "E11 \"code to identify control using:; insulin "
                                           "(Z79.4); oral hypoglycemic drugs (Z79.84)\""));
    }
    {
        const struct c v[] = {P("E11.9", 'Y'), S("Z79.84", 'Y')};
        r = check(f, &OP, v, N(v), &n);
        assert_int_equal(count(r, n, "use_additional"), 0);
    }
    {
        /* E11's note once (not again at E11.22); E11.22's own note met through its range */
        const struct c v[] = {P("E11.9", 'Y'), S("E11.22", 'Y'), S("N18.30", 'Y')};
        r = check(f, &OP, v, N(v), &n);
        assert_int_equal(count(r, n, "use_additional"), 1);
        assert_non_null(find(r, n, "use_additional", "E119"));
    }
    {
        const struct c v[] = {P("E11.22", 'Y'), S("Z79.4", 'Y')};
        r = check(f, &OP, v, N(v), &n);
        x = find(r, n, "use_additional", "E1122");
        assert_non_null(x);
        assert_non_null(strstr(x->message, "(N18.1-N18.6)"));
        assert_null(strstr(x->message, "insulin"));
    }
}

/* ---- POA ---- */

static void test_poa_without_list(void **state)
{
    struct fx *f = *state;
    const struct c v[] = {P("E11.9", 0),
                          S("Z38.00", 0),
                          S("E11.22", 'X'),
                          {FOLIO_ABS_ADMITTING, "N18.30", 0, 0},
                          {FOLIO_ABS_EXTERNAL_CAUSE, "W19.XXXA", 0, 0}};
    size_t n;
    struct folio_check_finding *r = check(f, &IP, v, N(v), &n);
    const struct folio_check_finding *x;

    x = find(r, n, "poa_missing", "E119");
    assert_non_null(x);
    assert_int_equal(x->severity, FOLIO_CHECK_ERROR);
    assert_non_null(find(r, n, "poa_missing", "Z3800")); /* no list: cannot know it is exempt */
    assert_non_null(find(r, n, "poa_missing", "W19XXXA"));
    assert_null(find(r, n, "poa_missing", "N1830")); /* admitting: no POA */
    x = find(r, n, "poa_invalid", "E1122");
    assert_non_null(x);
    assert_int_equal(x->severity, FOLIO_CHECK_ERROR);
    assert_non_null(strstr(x->message, "'X'"));
    x = find(r, n, "poa_invalid", "");
    assert_non_null(x);
    assert_int_equal(x->severity, FOLIO_CHECK_INFO);
    assert_non_null(strstr(x->message, "No POA-exempt list"));
    assert_int_equal(count(r, n, "poa_invalid"), 2);
    /* outpatients report no POA */
    r = check(f, &OP, v, N(v), &n);
    assert_int_equal(count(r, n, "poa_missing") + count(r, n, "poa_invalid"), 0);
}

static void test_poa_with_list(void **state)
{
    struct fx *f = *state;
    struct folio_codes_load_result res;
    size_t n;
    struct folio_check_finding *r;
    const struct folio_check_finding *x;

    load(f, FOLIO_LOAD_POA_EXEMPT, data_path("POAexemptCodes2030.txt"), 0, &res);
    assert_string_equal(res.version.kind, "poa-exempt");
    assert_string_equal(res.version.effective_from, "2029-10-01");
    assert_int_equal(res.version.n_records, 3);
    {
        const struct c v[] = {P("Z38.00", 0), S("E11.9", '1'), S("Z79.4", 'Y'), S("Z79.84", '1'),
                              S("E11.22", 'N')};
        r = check(f, &IP, v, N(v), &n);
        assert_int_equal(count(r, n, "poa_missing"), 0);
        assert_null(find(r, n, "poa_invalid", "")); /* a list is loaded: no info */
        assert_null(find(r, n, "poa_invalid", "Z3800"));
        assert_null(find(r, n, "poa_invalid", "Z7984"));
        assert_null(find(r, n, "poa_invalid", "E1122"));
        x = find(r, n, "poa_invalid", "E119");
        assert_non_null(x);
        assert_int_equal(x->severity, FOLIO_CHECK_WARNING);
        assert_non_null(strstr(x->message, "not on the FY2030 POA-exempt list"));
        x = find(r, n, "poa_invalid", "Z794");
        assert_non_null(x);
        assert_int_equal(x->severity, FOLIO_CHECK_WARNING);
        assert_non_null(strstr(x->message, "exempt from POA reporting (FY2030 list, entry Z794)"));
    }
    /* the category form: Z79 exempts Z79.4; a newer list of the same period replaces it */
    load(f, FOLIO_LOAD_POA_EXEMPT, data_path("poa_exempt_categories_fy2030.txt"), 0, &res);
    assert_false(res.already_loaded);
    assert_int_equal(res.version.n_records, 4);
    {
        const struct c v[] = {P("Z79.4", 0), S("E11.9", 0), S("Z38.00", 'Y')};
        r = check(f, &IP, v, N(v), &n);
        assert_null(find(r, n, "poa_missing", "Z794"));
        assert_non_null(find(r, n, "poa_missing", "E119"));
        x = find(r, n, "poa_invalid", "Z3800");
        assert_non_null(x);
        assert_non_null(strstr(x->message, "entry Z38)"));
    }
    {
        bool ex = false;
        char entry[24];
        struct folio_err err = {0};
        assert_int_equal(folio_codes_poa_exempt(f->s, res.version.id, "V05.1XXA", &ex, entry, &err),
                         FOLIO_OK);
        assert_true(ex);
        assert_string_equal(entry, "V00-V09");
        assert_int_equal(folio_codes_poa_exempt(f->s, res.version.id, "V10.0XXA", &ex, entry, &err),
                         FOLIO_OK);
        assert_false(ex);
        assert_int_equal(folio_codes_poa_exempt(f->s, res.version.id, "Y92.009", &ex, entry, &err),
                         FOLIO_OK);
        assert_true(ex);
    }
}

static void test_poa_load(void **state)
{
    struct fx *f = *state;
    struct folio_codes_load_result res, again;
    struct folio_codes_load_opts o = {0};
    struct folio_err err = {0};
    enum folio_codes_load_kind k;
    char path[256];
    FILE *fp;
    int64_t nv = 0;
    bool found;

    assert_int_equal(folio_codes_load_kind_parse("poa-exempt", &k, &err), FOLIO_OK);
    assert_int_equal(k, FOLIO_LOAD_POA_EXEMPT);
    assert_string_equal(folio_codes_load_kind_name(FOLIO_LOAD_POA_EXEMPT), "poa-exempt");
    load(f, FOLIO_LOAD_POA_EXEMPT, data_path("POAexemptCodes2030.txt"), 0, &res);
    assert_false(res.already_loaded);
    assert_int_equal(res.version.n_notes, 3);
    assert_string_equal(res.version.effective_to, "2030-09-30");
    /* reloading is a no-op; so is the same list under another name */
    load(f, FOLIO_LOAD_POA_EXEMPT, data_path("POAexemptCodes2030.txt"), 0, &again);
    assert_true(again.already_loaded);
    assert_int_equal(again.version.id, res.version.id);
    (void)folio_snprintf(f->tmp, sizeof f->tmp, "/tmp/folio_poa_XXXXXX");
    assert_non_null(mkdtemp(f->tmp));
    (void)folio_snprintf(path, sizeof path, "%s/copy_2030.txt", f->tmp);
    fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs("# the same entries, another layout\nZ38.00\nZ79.4 insulin\nZ7984\n", fp);
    fclose(fp);
    load(f, FOLIO_LOAD_POA_EXEMPT, path, 0, &again);
    assert_true(again.already_loaded);
    assert_int_equal(again.version.id, res.version.id);
    assert_int_equal(folio_store_query_i64(f->s,
                                           "SELECT COUNT(*) FROM code_set_version WHERE kind = "
                                           "'poa-exempt'",
                                           NULL, 0, &nv, &found, &err),
                     FOLIO_OK);
    assert_int_equal(nv, 1);
    /* a malformed line is refused, naming it; nothing is written */
    (void)folio_snprintf(path, sizeof path, "%s/bad.txt", f->tmp);
    fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs("Z38 Liveborn\nY92\nnot a code here\n", fp);
    fclose(fp);
    o.kind = FOLIO_LOAD_POA_EXEMPT;
    o.path = path;
    o.fiscal_year = 2030;
    assert_int_equal(folio_codes_load(f->s, &o, &again, &err), FOLIO_EPARSE);
    assert_string_equal(err.field, "bad.txt:3");
    assert_non_null(strstr(err.msg, "\"not\""));
    (void)folio_snprintf(path, sizeof path, "%s/badrange_2030.txt", f->tmp);
    fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs("V00-V09\nS00-T88.9 injuries, 7th character D or S\n", fp);
    fclose(fp);
    o.path = path;
    o.fiscal_year = 0;
    assert_int_equal(folio_codes_load(f->s, &o, &again, &err), FOLIO_EPARSE);
    assert_string_equal(err.field, "badrange_2030.txt:2");
    assert_int_equal(
        folio_store_query_i64(f->s, "SELECT COUNT(*) FROM poa_exempt", NULL, 0, &nv, &found, &err),
        FOLIO_OK);
    assert_int_equal(nv, 3);
}

/* ---- principal, MCE ---- */

static void test_no_principal(void **state)
{
    struct fx *f = *state;
    const struct c v[] = {S("E11.9", 'Y')};
    size_t n;
    struct folio_check_finding *r = check(f, &OP, v, N(v), &n);
    const struct folio_check_finding *x = find(r, n, "no_principal", "");

    assert_non_null(x);
    assert_int_equal(x->severity, FOLIO_CHECK_ERROR);
    assert_int_equal(x->code_index, -1);
    assert_non_null(strstr(x->message, "first-listed"));
    r = check(f, &IP, v, 0, &n);
    assert_non_null(find(r, n, "no_principal", ""));
    {
        const struct c w[] = {P("E11.9", 'Y')};
        r = check(f, &OP, w, N(w), &n);
        assert_null(find(r, n, "no_principal", NULL));
    }
}

static void load_mce(struct fx *f)
{
    struct folio_err err = {0};

    load(f, FOLIO_LOAD_MCE, data_path("mce"), 2030, NULL);
    if (folio_mce_load_store(f->s, &f->mce, &err) != FOLIO_OK)
        fail_msg("folio_mce_load_store: %s", err.msg);
}

static void test_mce(void **state)
{
    struct fx *f = *state;
    size_t n;
    struct folio_check_finding *r;
    const struct folio_check_finding *x;
    struct run ip = IP;

    {
        const struct c v[] = {P("E11.9", 'Y')};
        r = check(f, &IP, v, N(v), &n); /* no tables: said once */
        x = find(r, n, "mce", "");
        assert_non_null(x);
        assert_int_equal(x->severity, FOLIO_CHECK_INFO);
        assert_int_equal(count(r, n, "mce"), 1);
    }
    load_mce(f);
    {
        const struct c v[] = {P("F02.80", 'Y'),
                              S("G30.9", 'Y'),
                              S("O24.419", 'Y'),
                              S("E11.99", 'Y'),
                              {FOLIO_ABS_EXTERNAL_CAUSE, "W19.XXXA", 'Y', 0},
                              {FOLIO_ABS_PROCEDURE, "5A1955Z", 0, 0}};
        ip.age = 70;
        ip.los = 2;
        ip.status = 99;
        r = check(f, &ip, v, N(v), &n);
        x = find(r, n, "mce", "F0280");
        assert_non_null(x);
        assert_string_equal(x->edit, "MANIFESTATION_AS_PDX");
        assert_int_equal(x->severity, FOLIO_CHECK_ERROR);
        assert_int_equal(x->code_index, 0);
        x = find(r, n, "mce", "O24419");
        assert_non_null(x);
        assert_string_equal(x->edit, "AGE_CONFLICT");
        assert_int_equal(x->code_index, 2);
        x = find(r, n, "mce", "5A1955Z");
        assert_non_null(x);
        assert_string_equal(x->edit, "INCONSISTENT_WITH_LENGTH_OF_STAY");
        x = find(r, n, "mce", "");
        assert_non_null(x);
        assert_string_equal(x->edit, "INVALID_DISCHARGE_STATUS");
        assert_null(find(r, n, "mce", "E1199")); /* refused once, as invalid_code */
        assert_non_null(find(r, n, "invalid_code", "E1199"));
        assert_null(find(r, n, "mce", "W19XXXA")); /* ECODEPDX only as principal */
        /* the errors of a code before its warnings and infos */
        for (size_t i = 1; i < n; i++)
            if (r[i - 1].code_index == r[i].code_index)
                assert_true(r[i - 1].severity >= r[i].severity);
        /* what is unknown is not edited */
        ip.age = -1;
        ip.los = -1;
        ip.status = -1;
        r = check(f, &ip, v, N(v), &n);
        assert_null(find(r, n, "mce", "O24419"));
        assert_null(find(r, n, "mce", "5A1955Z"));
        assert_null(find(r, n, "mce", ""));
        assert_non_null(find(r, n, "mce", "F0280"));
        /* outpatients: no MCE */
        r = check(f, &OP, v, N(v), &n);
        assert_int_equal(count(r, n, "mce"), 0);
    }
    {
        const struct c v[] = {{FOLIO_ABS_PRINCIPAL, "W19.XXXA", 'Y', 0}};
        ip = IP;
        r = check(f, &ip, v, N(v), &n);
        x = find(r, n, "mce", "W19XXXA");
        assert_non_null(x);
        assert_string_equal(x->edit, "E_CODE_AS_PDX");
    }
}

/* The MCE tables read back from the store edit like the files they were loaded from. */
static void test_mce_store_small(void **state)
{
    struct fx *f = *state;
    struct folio_mce *files = NULL;
    struct folio_err err = {0};
    struct folio_claim c;
    struct folio_mce_result a, b;
    static const char *const pdx[] = {"F0280", "E119", "W19XXXA", "O24419", "Z3800", "BAD"};

    assert_int_equal(folio_mce_load_store(f->s, &f->mce, &err), FOLIO_ENOTFOUND);
    load_mce(f);
    assert_int_equal(folio_mce_load(data_path("mce"), &files, &err), FOLIO_OK);
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(pdx); i++) {
        struct folio_buf x, y;
        memset(&c, 0, sizeof c);
        c.age = (int)(i * 20);
        c.sex = i % 2 ? 'M' : 'F';
        c.discharge_status = i % 3 ? 1 : 99;
        folio_strlcpy(c.pdx.code, pdx[i], sizeof c.pdx.code);
        folio_strlcpy(c.sdx[0].code, "O24419", sizeof c.sdx[0].code);
        c.nsdx = 1;
        folio_strlcpy(c.pr[0], "5A1955Z", sizeof c.pr[0]);
        c.npr = 1;
        assert_int_equal(folio_mce_edit(files, &c, 20300301, 2, &a, &err), FOLIO_OK);
        assert_int_equal(folio_mce_edit(f->mce, &c, 20300301, 2, &b, &err), FOLIO_OK);
        folio_buf_init(&x, 0);
        folio_buf_init(&y, 0);
        assert_int_equal(folio_mce_format_code_edits(&a, &x), FOLIO_OK);
        assert_int_equal(folio_mce_format_code_edits(&b, &y), FOLIO_OK);
        assert_true(x.len > 0);
        assert_string_equal(x.data, y.data);
        assert_int_equal(a.edits, b.edits);
        folio_buf_release(&x);
        folio_buf_release(&y);
    }
    folio_mce_free(files);
    /* an attribute the editor does not know is refused, not dropped */
    folio_mce_free(f->mce);
    f->mce = NULL;
    assert_int_equal(folio_store_exec(f->s,
                                      "UPDATE mce_code SET attributes = 'MANIF,NEWEDIT' WHERE "
                                      "code = 'F0280'",
                                      &err),
                     FOLIO_OK);
    assert_int_equal(folio_mce_load_store(f->s, &f->mce, &err), FOLIO_EPARSE);
    assert_non_null(strstr(err.msg, "NEWEDIT"));
    assert_null(f->mce);
}

/* ---- a code set without notes: the notes of the latest tabular, said once ---- */

static void test_notes_fallback(void **state)
{
    struct fx *f = *state;
    struct run later = IP;
    size_t n;
    struct folio_check_finding *r;
    const struct folio_check_finding *x;
    struct folio_code *c = NULL;
    struct folio_err err = {0};

    load(f, FOLIO_LOAD_ICD10CM_VALID, data_path("icd10cm_valid_codes_fy2031.txt"), 0, NULL);
    load_mce(f);
    later.date = "2031-03-01";
    {
        const struct c v[] = {P("E11.9", 'Y'), S("O24.419", 'Y'), S("E11.A", 'Y'),
                              S("E10.9", 'Y'), S("S52.501", 'Y'), S("E11", 'Y')};
        r = check(f, &later, v, N(v), &n);
        x = find(r, n, "notes", "");
        assert_non_null(x);
        assert_int_equal(x->severity, FOLIO_CHECK_INFO);
        assert_non_null(strstr(x->message, "used the FY2030 tabular notes"));
        assert_int_equal(count(r, n, "notes"), 1);
        x = find(r, n, "excludes1", "E119");
        assert_non_null(x);
        assert_non_null(strstr(x->message, "O24.4-"));
        /* E11.A is new: its category's notes apply */
        assert_non_null(find_rel(r, n, "excludes1", "E11A", "E109"));
        x = find(r, n, "seventh_missing", "S52501");
        assert_non_null(x);
        assert_non_null(strstr(x->message, "A initial encounter for closed fracture"));
        x = find(r, n, "header_code", "E11");
        assert_non_null(x);
        assert_non_null(strstr(x->message, "not a billable code"));
        /* the MCE tables end on 2030-09-30 */
        x = find(r, n, "mce", "");
        assert_non_null(x);
        assert_int_equal(x->severity, FOLIO_CHECK_INFO);
        assert_non_null(strstr(x->message, "not run for 2031-03-01"));
        assert_int_equal(count(r, n, "mce"), 1);
    }
    /* in force with its own notes: no info */
    r = check(f, &IP, (const struct c[]){P("E11.9", 'Y')}, 1, &n);
    assert_null(find(r, n, "notes", NULL));
    /* the title of a code from a list without titles */
    assert_int_equal(
        folio_codes_get(f->s, FOLIO_CS_ICD10CM, "E11.9", "2031-03-01", &f->a, &c, &err), FOLIO_OK);
    assert_non_null(c->title);
    assert_string_equal(c->title_from, "2029-10-01");
}

static void test_no_tabular(void **state)
{
    struct fx *f = *state;
    struct folio_store *s = folio_test_store_open();
    struct folio_store *keep = f->s;
    size_t n;
    struct folio_check_finding *r;
    const struct folio_check_finding *x;

    f->s = s;
    load(f, FOLIO_LOAD_ICD10CM_ORDER, data_path("icd10cm_order_2030.txt"), 0, NULL);
    {
        const struct c v[] = {P("E11.9", 'Y'), S("O24.419", 'Y'), S("S52.501", 'Y')};
        r = check(f, &OP, v, N(v), &n);
        x = find(r, n, "notes", "");
        assert_non_null(x);
        assert_non_null(strstr(x->message, "No ICD-10-CM tabular list is loaded"));
        assert_int_equal(count(r, n, "excludes1"), 0);
        /* without 7th-character notes the code is still not billable */
        x = find(r, n, "header_code", "S52501");
        assert_non_null(x);
        assert_non_null(strstr(x->message, "needs 1 more character (e.g. S52.501A)"));
    }
    f->s = keep;
    folio_test_store_close(s);
}

static void test_bad_input(void **state)
{
    struct fx *f = *state;
    struct folio_check_input in = {0};
    struct folio_check_finding *out = NULL;
    struct folio_abstract_code *many;
    struct folio_err err = {0};
    size_t n = 0;

    in.code_date = "2030-02-30";
    in.enc_class = "inpatient";
    assert_int_equal(folio_coding_check(f->s, NULL, &in, &f->a, &out, &n, &err), FOLIO_EINVAL);
    assert_string_equal(err.field, "code_date");
    in.code_date = "2030-02-28";
    in.n_codes = FOLIO_ABSTRACT_MAX_CODES + 1;
    many = calloc(in.n_codes, sizeof *many);
    assert_non_null(many);
    in.codes = many;
    assert_int_equal(folio_coding_check(f->s, NULL, &in, &f->a, &out, &n, &err), FOLIO_EINVAL);
    free(many);
    assert_string_equal(folio_check_severity_name(FOLIO_CHECK_WARNING), "warning");
}

/* ---- the real releases ---- */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void test_shared_fy2021(void **state)
{
    struct fx *f = *state;
    struct folio_store *s, *keep = f->s;
    char order[512], tab[512], valid[512];
    const char *p = folio_test_shared_path("codesets/icd10cm/fy2021/icd10cm-order-Jan-2021.txt");
    struct run r21 = IP, r26 = IP;
    size_t n;
    struct folio_check_finding *r;
    const struct folio_check_finding *x;
    struct folio_code *c = NULL;
    struct folio_err err = {0};

    if (!p) {
        print_message("skipped: ../shared/data/codesets is absent (set FOLIO_SHARED)\n");
        skip();
    }
    folio_strlcpy(order, p, sizeof order);
    folio_strlcpy(tab, folio_test_shared_path("codesets/icd10cm/fy2021/icd10cm_tabular_2021.xml"),
                  sizeof tab);
    folio_strlcpy(valid,
                  folio_test_shared_path(
                      "codesets/icd10cm/fy2026/icd10cm_valid_codes_fy2026_from_mce431.txt"),
                  sizeof valid);
    s = folio_test_store_open();
    f->s = s;
    load(f, FOLIO_LOAD_ICD10CM_ORDER, order, 0, NULL);
    load(f, FOLIO_LOAD_ICD10CM_TABULAR, tab, 0, NULL);
    load(f, FOLIO_LOAD_ICD10CM_VALID, valid, 0, NULL);

    assert_int_equal(folio_codes_get(s, FOLIO_CS_ICD10CM, "E11.9", "2026-03-01", &f->a, &c, &err),
                     FOLIO_OK);
    assert_non_null(c->title);
    assert_string_equal(c->title, "Type 2 diabetes mellitus without complications");
    assert_string_equal(c->title_from, "2020-10-01");

    r21.date = "2021-03-01";
    r26.date = "2026-03-01";
    for (int pass = 0; pass < 2; pass++) {
        const struct run *rr = pass ? &r26 : &r21;
        const struct c v[] = {P("E11.9", 'Y'), S("O24.419", 'Y'), S("S52.501", 'Y'), S("E11", 'Y')};
        r = check(f, rr, v, N(v), &n);
        x = find(r, n, "excludes1", "E119");
        if (!x)
            dump(r, n);
        assert_non_null(x);
        assert_string_equal(x->message, "Excludes1: E11.9 is not coded with O24.419 (E11 excludes1 "
                                        "\"gestational diabetes (O24.4-)\").");
        x = find(r, n, "seventh_missing", "S52501");
        assert_non_null(x);
        assert_non_null(strstr(x->message, "A initial encounter for closed fracture"));
        assert_non_null(strstr(x->message, "S sequela"));
        assert_non_null(find(r, n, "header_code", "E11"));
        x = find(r, n, "use_additional", "E119");
        assert_non_null(x);
        assert_non_null(strstr(x->message, "insulin (Z79.4)"));
        x = find(r, n, "notes", "");
        if (pass == 0) {
            assert_null(x);
        } else {
            assert_non_null(x);
            assert_non_null(strstr(x->message, "FY2021"));
        }
    }
    {
        const struct c v[] = {P("N18.30", 'Y'), S("E11.22", 'Y')};
        r = check(f, &r21, v, N(v), &n);
        x = find(r, n, "code_first", "N1830");
        assert_non_null(x);
        assert_string_equal(x->related, "E1122");
    }
    {
        const struct c v[] = {P("F02.80", 'Y')};
        r = check(f, &r21, v, N(v), &n);
        x = find(r, n, "code_first", "F0280");
        assert_non_null(x);
        assert_int_equal(x->severity, FOLIO_CHECK_INFO);
    }
    {
        /* the time of one 25-code abstract with everything on: a POA-exempt list for each date,
         * the MCE 43.1 tables (printed, never asserted: bench/ is for figures) */
        const char *m = folio_test_shared_path("codesets/mce-v431");
        if (m)
            assert_int_equal(folio_mce_load(m, &f->mce, &err), FOLIO_OK);
        load(f, FOLIO_LOAD_POA_EXEMPT, data_path("poa_exempt_categories_fy2030.txt"), 2021, NULL);
        load(f, FOLIO_LOAD_POA_EXEMPT, data_path("POAexemptCodes2030.txt"), 2026, NULL);
    }
    {
        const struct c v[] = {P("I21.4", 'Y'),
                              S("E11.22", 'Y'),
                              S("N18.30", 'Y'),
                              S("I50.23", 'Y'),
                              S("J44.1", 'Y'),
                              S("J96.01", 'Y'),
                              S("E87.1", 'N'),
                              S("D62", 'N'),
                              S("I10", 'Y'),
                              S("E78.5", 'Y'),
                              S("Z79.4", 'Y'),
                              S("Z79.84", 'Y'),
                              S("F02.80", 'Y'),
                              S("G30.9", 'Y'),
                              S("K21.9", 'Y'),
                              S("M81.0", 'Y'),
                              S("E66.9", 'Y'),
                              S("Z68.41", 'Y'),
                              S("N39.0", 'N'),
                              S("B96.20", 'N'),
                              S("I48.91", 'Y'),
                              S("Z95.1", 'Y'),
                              S("E03.9", 'Y'),
                              S("S52.501A", 'Y'),
                              {FOLIO_ABS_EXTERNAL_CAUSE, "W19.XXXA", 'Y', 0}};
        for (int pass = 0; pass < 2; pass++) {
            const struct run *rr = pass ? &r26 : &r21;
            double t0, best = 1e9, total = 0;
            int runs = 20;
            (void)check(f, rr, v, N(v), &n); /* warm the statement cache */
            for (int i = 0; i < runs; i++) {
                double t;
                t0 = now_ms();
                (void)check(f, rr, v, N(v), &n);
                t = now_ms() - t0;
                total += t;
                best = t < best ? t : best;
            }
            print_message("coding check, 25 codes, %s, %s: mean %.2f ms, best %.2f ms, %zu "
                          "findings\n",
                          folio_test_backend_is_pg() ? "PostgreSQL" : "SQLite", rr->date,
                          total / runs, best, n);
            assert_true(n > 0);
        }
    }
    f->s = keep;
    folio_test_store_close(s);
}

static void test_shared_mce_reference(void **state)
{
    struct fx *f = *state;
    const char *p = folio_test_shared_path("codesets/mce-v431");
    char dir[512], cases[512];
    struct folio_mce *files = NULL;
    struct folio_err err = {0};
    struct folio_claim_reader *rd = NULL;
    struct folio_claim *c = calloc(1, sizeof *c);
    struct folio_mce_result *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
    struct folio_buf x, y;
    FILE *fp;
    bool have;
    long n = 0, fired = 0;
    double t0;

    if (p)
        folio_strlcpy(dir, p, sizeof dir);
    if (!p || !folio_test_shared_path("reference/msdrg-v431/cases.tsv")) {
        print_message("skipped: ../shared/data (mce-v431, msdrg-v431 cases) is absent\n");
        free(c);
        free(a);
        free(b);
        skip();
    }
    assert_non_null(c);
    assert_non_null(a);
    assert_non_null(b);
    folio_strlcpy(cases, folio_test_shared_path("reference/msdrg-v431/cases.tsv"), sizeof cases);
    load(f, FOLIO_LOAD_MCE, dir, 0, NULL);
    t0 = now_ms();
    assert_int_equal(folio_mce_load_store(f->s, &f->mce, &err), FOLIO_OK);
    print_message("MCE 43.1 tables read from the store in %.0f ms\n", now_ms() - t0);
    assert_int_equal(folio_mce_load(dir, &files, &err), FOLIO_OK);
    fp = fopen(cases, "rb");
    assert_non_null(fp);
    assert_int_equal(folio_claim_reader_open(fp, "cases.tsv", &rd, &err), FOLIO_OK);
    folio_buf_init(&x, 0);
    folio_buf_init(&y, 0);
    for (;;) {
        assert_int_equal(folio_claim_reader_next(rd, c, &have, &err), FOLIO_OK);
        if (!have)
            break;
        /* the reference run: discharged 2026-04-15, 5 days */
        assert_int_equal(folio_mce_edit(files, c, 20260415, 5, a, &err), FOLIO_OK);
        assert_int_equal(folio_mce_edit(f->mce, c, 20260415, 5, b, &err), FOLIO_OK);
        folio_buf_reset(&x);
        folio_buf_reset(&y);
        assert_int_equal(folio_mce_format_edits(a, &x), FOLIO_OK);
        assert_int_equal(folio_buf_append_ch(&x, '|'), FOLIO_OK);
        assert_int_equal(folio_mce_format_code_edits(a, &x), FOLIO_OK);
        assert_int_equal(folio_mce_format_edits(b, &y), FOLIO_OK);
        assert_int_equal(folio_buf_append_ch(&y, '|'), FOLIO_OK);
        assert_int_equal(folio_mce_format_code_edits(b, &y), FOLIO_OK);
        if (strcmp(x.data, y.data) != 0)
            fail_msg("claim %s: files %s, store %s", c->id, x.data, y.data);
        fired += x.len > 1;
        n++;
    }
    assert_int_equal(n, 20000);
    assert_true(fired > 1000); /* the comparison saw edits, not only empty lists */
    print_message("MCE from the store = MCE from the files on %ld claims (%ld with edits)\n", n,
                  fired);
    folio_buf_release(&x);
    folio_buf_release(&y);
    folio_claim_reader_free(rd);
    fclose(fp);
    folio_mce_free(files);
    free(c);
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_note_refs),
        cmocka_unit_test(test_poa_line),
        cmocka_unit_test_setup_teardown(test_invalid_code, setup, teardown),
        cmocka_unit_test_setup_teardown(test_header_code, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seventh_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_excludes1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_code_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_use_additional, setup, teardown),
        cmocka_unit_test_setup_teardown(test_poa_without_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_poa_with_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_poa_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_principal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mce, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mce_store_small, setup, teardown),
        cmocka_unit_test_setup_teardown(test_notes_fallback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_tabular, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_fy2021, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_mce_reference, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
