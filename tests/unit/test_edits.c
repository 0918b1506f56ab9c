/* MCE edits: each edit on small hand-written claims against small hand-written tables (written
 * to a temporary directory, so the test needs nothing from ../shared), the claim reader and the
 * table loader's refusals; then a few claims against the real MCE 43.1 tables when present. */
#include "folio/base.h"
#include "folio/edits.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>

#define D_REF 20260415 /* the discharge date of the CMS reference run */

static const char dx_master[] = "code\teffective_from\teffective_to\tmce_attributes\n"
                                "A000\t2015-10-01\t2026-09-30\t\n"
                                "I10\t2015-10-01\t2026-09-30\t\n"
                                "V0001XA\t2015-10-01\t2026-09-30\tECODEPDX\n"
                                "Y6551\t2015-10-01\t2026-09-30\tWRNGPROC,ECODEPDX\n"
                                "N37\t2015-10-01\t2026-09-30\tMANIF\n"
                                "Z9989\t2015-10-01\t2026-09-30\tUNACCEPTABLE\n"
                                "Z5189\t2015-10-01\t2026-09-30\tREQSDX,UNACCEPTABLE\n"
                                "E119\t2015-10-01\t2026-09-30\tQADM\n"
                                "R69\t2015-10-01\t2026-09-30\tUNSPECIFIED\n"
                                "P000\t2015-10-01\t2026-09-30\tNEWBORN\n"
                                "O800\t2015-10-01\t2026-09-30\tMATERNITY\n"
                                "C9150\t2015-10-01\t2026-09-30\tADULT\n"
                                "Q000\t2015-10-01\t2026-09-30\tPEDIATRIC\n"
                                "N401\t2015-10-01\t2024-09-30\tMALE\n"
                                "N401\t2024-10-01\t2026-09-30\t\n"
                                "Z370\t2015-10-01\t2026-09-30\tMATERNITY,UNACCEPTABLE,DELOUT\n"
                                "E1010\t2015-10-01\t2026-09-30\tNCOV_B\n"
                                "C9100\t2015-10-01\t2026-09-30\tNCOV_D\n"
                                "Z302\t2016-10-01\t2026-09-30\tNCOV_G\n"
                                "Z006\t2015-10-01\t2026-09-30\tCLINTRIAL\n"
                                "OLD1\t2015-10-01\t2017-09-30\t\n"
                                "NEW1\t2026-04-01\t2026-09-30\t\n";

static const char pr_master[] = "code\teffective_from\teffective_to\tmce_attributes\n"
                                "0016070\t2015-10-01\t2026-09-30\t\n"
                                "00F3XZZ\t2015-10-01\t2026-09-30\tNCOV_A\n"
                                "02WA3QZ\t2022-04-01\t2026-09-30\tLCOV\n"
                                "0TY00Z0\t2015-10-01\t2026-09-30\tNCOV_B_KXP,LCOV\n"
                                "0FYG0Z0\t2015-10-01\t2026-09-30\tNCOV_B_PXP,LCOV\n"
                                "30243G1\t2015-10-01\t2026-09-30\tNCOV_D\n"
                                "0SR20JZ\t2015-10-01\t2026-09-30\tNCOV_F\n"
                                "0U570ZZ\t2016-10-01\t2026-09-30\tNCOV_G\n"
                                "02RK0JZ\t2015-10-01\t2026-09-30\tCOV_Z006A\n"
                                "02RL0JZ\t2015-10-01\t2026-09-30\tCOV_Z006B\n"
                                "10D00Z0\t2018-10-01\t2026-09-30\tCSECT\n"
                                "10D07Z3\t2018-10-01\t2026-09-30\tVAGDEL\n"
                                "5A1955Z\t2015-10-01\t2026-09-30\tLOS\n"
                                "0VT30ZZ\t2015-10-01\t2024-09-30\tMALE\n"
                                "0VT30ZZ\t2024-10-01\t2026-09-30\t\n";

static const char age_ranges[] = "key\tstart_age\tend_age\teffective_from\teffective_to\n"
                                 "ADULT\t15\t124\t1984-03-01\t2026-09-30\n"
                                 "MATERNITY\t12\t55\t1984-03-01\t2019-09-30\n"
                                 "MATERNITY\t9\t64\t2019-10-01\t2026-09-30\n"
                                 "NEWBORN\t0\t0\t1984-03-01\t2026-09-30\n"
                                 "PEDIATRIC\t0\t17\t1984-03-01\t2026-09-30\n";

static const char statuses[] = "key\teffective_from\teffective_to\trow\n"
                               "1\t1980-10-01\t2026-09-30\tDischargeStatRow{}\n"
                               "7\t1980-10-01\t2026-09-30\tDischargeStatRow{}\n"
                               "20\t1980-10-01\t2026-09-30\tDischargeStatRow{}\n"
                               "10\t1993-10-01\t2003-09-30\tDischargeStatRow{}\n";

static char dir[256];
static struct folio_mce *mce;

static void write_file(const char *d, const char *name, const char *text)
{
    char path[512];
    FILE *f;

    assert_true(folio_snprintf(path, sizeof path, "%s/%s", d, name));
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
}

static void write_tables(const char *d, const char *dx)
{
    write_file(d, "mce_i10_dx_master.tsv", dx);
    write_file(d, "mce_i10_pr_master.tsv", pr_master);
    write_file(d, "mce_age_ranges.tsv", age_ranges);
    write_file(d, "mce_discharge_status.tsv", statuses);
}

static void remove_tables(const char *d)
{
    static const char *const names[] = {"mce_i10_dx_master.tsv", "mce_i10_pr_master.tsv",
                                        "mce_age_ranges.tsv", "mce_discharge_status.tsv"};
    char path[512];
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(names); i++) {
        if (folio_snprintf(path, sizeof path, "%s/%s", d, names[i]))
            (void)unlink(path);
    }
    (void)rmdir(d);
}

static int setup(void **state)
{
    struct folio_err err = {0};
    (void)state;
    (void)folio_strlcpy(dir, "/tmp/folio-edits-XXXXXX", sizeof dir);
    if (mkdtemp(dir) == NULL)
        return -1;
    write_tables(dir, dx_master);
    if (folio_mce_load(dir, &mce, &err) != FOLIO_OK) {
        fprintf(stderr, "load: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    folio_mce_free(mce);
    mce = NULL;
    remove_tables(dir);
    return 0;
}

/* Edits one claim given as a cases.tsv line (id, age, sex, status, pdx, poa, sdx, procedures)
 * and returns "mce_edits|mce_code_edits" (static buffer). */
static const char *run_at(const char *line, int32_t date, int los)
{
    static char out[4096];
    static struct folio_claim c;
    static struct folio_mce_result r;
    struct folio_err err = {0};
    struct folio_buf b;

    folio_buf_init(&b, 0);
    if (folio_claim_parse_line(line, strlen(line), &c, &err) != FOLIO_OK)
        fail_msg("parse: %s", err.msg);
    if (folio_mce_edit(mce, &c, date, los, &r, &err) != FOLIO_OK)
        fail_msg("edit: %s", err.msg);
    assert_int_equal(folio_mce_format_edits(&r, &b), FOLIO_OK);
    assert_int_equal(folio_buf_append_ch(&b, '|'), FOLIO_OK);
    assert_int_equal(folio_mce_format_code_edits(&r, &b), FOLIO_OK);
    (void)folio_strlcpy(out, b.data, sizeof out);
    folio_buf_release(&b);
    return out;
}

static const char *run(const char *line)
{
    return run_at(line, D_REF, 5);
}

static void test_clean_claim(void **state)
{
    static struct folio_claim c;
    static struct folio_mce_result r;
    struct folio_err err = {0};
    const char *line = "c1\t70\tM\t01\tI10\tY\tA000:Y\t0016070";
    (void)state;

    assert_string_equal(run(line), "|");
    assert_int_equal(folio_claim_parse_line(line, strlen(line), &c, &err), FOLIO_OK);
    assert_int_equal(folio_mce_edit(mce, &c, D_REF, 5, &r, &err), FOLIO_OK);
    assert_int_equal(r.type, FOLIO_MCE_TYPE_NONE);
    assert_int_equal(r.n, 0);
}

static void test_invalid_code(void **state)
{
    (void)state;
    /* unknown, dotted, expired and not-yet-valid codes; lowercase is valid */
    assert_string_equal(run("c\t70\tM\t01\tI10.\tY\tXXXXX:Y,i10x:Y\t9999999"),
                        "INVALID_CODE|PDX:INVALID_CODE,SDX1:INVALID_CODE,SDX2:INVALID_CODE,"
                        "PR1:INVALID_CODE");
    assert_string_equal(run("c\t70\tM\t01\ti10\tY\ta000:Y\t0016070"), "|");
    assert_string_equal(run("c\t70\tM\t01\tOLD1\tY\t\t"), "INVALID_CODE|PDX:INVALID_CODE");
    assert_string_equal(run("c\t70\tM\t01\tNEW1\tY\t\t"), "|");
    assert_string_equal(run_at("c\t70\tM\t01\tNEW1\tY\t\t", 20260331, 5),
                        "INVALID_CODE|PDX:INVALID_CODE");
    /* an empty or all-zero PDX is invalid; all-zero SDX and procedures are no code at all */
    assert_string_equal(run("c\t70\tM\t01\t\tY\t0000:Y\t0000000"), "INVALID_CODE|PDX:INVALID_CODE");
    assert_string_equal(run("c\t70\tM\t01\t0000\tY\t\t"), "INVALID_CODE|PDX:INVALID_CODE");
}

static void test_invalid_age_and_status(void **state)
{
    (void)state;
    assert_string_equal(run("c\t125\tM\t01\tI10\tY\t\t"), "INVALID_AGE|");
    /* the age conflict is still judged on an invalid age */
    assert_string_equal(run("c\t130\tF\t01\tO800\tY\t\t"),
                        "AGE_CONFLICT,INVALID_AGE|PDX:AGE_CONFLICT");
    assert_string_equal(run("c\t124\tM\t20\tI10\tY\t\t"), "|");
    assert_string_equal(run("c\t70\tM\t00\tI10\tY\t\t"), "INVALID_DISCHARGE_STATUS|");
    assert_string_equal(run("c\t70\tM\t99\tI10\tY\t\t"), "INVALID_DISCHARGE_STATUS|");
    /* status 10 was valid only in FY1994-FY2003 */
    assert_string_equal(run("c\t70\tM\t10\tI10\tY\t\t"), "INVALID_DISCHARGE_STATUS|");
}

static void test_age_conflict(void **state)
{
    (void)state;
    assert_string_equal(run("c\t0\tM\t01\tP000\tY\tQ000:Y\t"), "|");
    assert_string_equal(run("c\t1\tM\t01\tP000\tY\t\t"), "AGE_CONFLICT|PDX:AGE_CONFLICT");
    assert_string_equal(run("c\t17\tM\t01\tI10\tY\tQ000:Y\t"), "|");
    assert_string_equal(run("c\t18\tM\t01\tI10\tY\tQ000:Y\t"), "AGE_CONFLICT|SDX1:AGE_CONFLICT");
    assert_string_equal(run("c\t9\tF\t01\tO800\tY\t\t"), "|");
    assert_string_equal(run("c\t64\tF\t01\tO800\tY\t\t"), "|");
    assert_string_equal(run("c\t65\tF\t01\tO800\tY\t\t"), "AGE_CONFLICT|PDX:AGE_CONFLICT");
    assert_string_equal(run("c\t8\tF\t01\tO800\tY\t\t"), "AGE_CONFLICT|PDX:AGE_CONFLICT");
    /* the maternity range as of FY2019 was 12-55 */
    assert_string_equal(run_at("c\t60\tF\t01\tO800\tY\t\t", 20190915, 5),
                        "AGE_CONFLICT|PDX:AGE_CONFLICT");
    assert_string_equal(run("c\t14\tM\t01\tC9150\tY\t\t"), "AGE_CONFLICT|PDX:AGE_CONFLICT");
    assert_string_equal(run("c\t15\tM\t01\tC9150\tY\t\t"), "|");
}

static void test_sex_conflict(void **state)
{
    (void)state;
    /* no sex lists in force since FY2025 */
    assert_string_equal(run("c\t70\tF\t01\tN401\tY\t\t0VT30ZZ"), "|");
    /* before: a male code on a female or (until then) unknown-sex claim */
    assert_string_equal(run_at("c\t70\tF\t01\tN401\tY\tN401:Y\t0VT30ZZ", 20240915, 5),
                        "SEX_CONFLICT,DUPLICATE_OF_PDX|PDX:SEX_CONFLICT,SDX1:DUPLICATE_OF_PDX,"
                        "SDX1:SEX_CONFLICT,PR1:SEX_CONFLICT");
    assert_string_equal(run_at("c\t70\tU\t01\tN401\tY\t\t", 20240915, 5),
                        "SEX_CONFLICT|PDX:SEX_CONFLICT");
    assert_string_equal(run_at("c\t70\tM\t01\tN401\tY\t\t", 20240915, 5), "|");
}

static void test_pdx_edits(void **state)
{
    (void)state;
    assert_string_equal(run("c\t70\tM\t01\tN37\tY\t\t"),
                        "MANIFESTATION_AS_PDX|PDX:MANIFESTATION_AS_PDX");
    assert_string_equal(run("c\t70\tM\t01\tV0001XA\tY\t\t"), "E_CODE_AS_PDX|PDX:E_CODE_AS_PDX");
    /* only as principal */
    assert_string_equal(run("c\t70\tM\t01\tI10\tY\tV0001XA:Y,N37:Y,Z9989:Y,E119:Y\t"), "|");
    assert_string_equal(run("c\t70\tM\t01\tZ9989\tY\t\t"), "UNACCEPTABLE_PDX|PDX:UNACCEPTABLE_PDX");
    assert_string_equal(run("c\t70\tM\t01\tE119\tY\t\t"),
                        "QUESTIONABLE_ADMISSION|PDX:QUESTIONABLE_ADMISSION");
    /* Z51.89 needs a secondary diagnosis, and is then acceptable */
    assert_string_equal(run("c\t70\tM\t01\tZ5189\tY\t\t"), "REQUIRES_SDX|PDX:REQUIRES_SDX");
    assert_string_equal(run("c\t70\tM\t01\tZ5189\tY\tI10:Y\t"), "|");
}

static void test_unspecified_duplicate_wrong_procedure(void **state)
{
    (void)state;
    assert_string_equal(run("c\t70\tM\t01\tR69\tY\tR69:Y\t"),
                        "DUPLICATE_OF_PDX,UNSPECIFIED|PDX:UNSPECIFIED,SDX1:DUPLICATE_OF_PDX,"
                        "SDX1:UNSPECIFIED");
    /* case does not hide a duplicate; an invalid duplicate is both */
    assert_string_equal(run("c\t70\tM\t01\tI10\tY\ti10:Y\t"),
                        "DUPLICATE_OF_PDX|SDX1:DUPLICATE_OF_PDX");
    assert_string_equal(run("c\t70\tM\t01\tQQQ\tY\tQQQ:Y\t"),
                        "INVALID_CODE,DUPLICATE_OF_PDX|PDX:INVALID_CODE,SDX1:INVALID_CODE,"
                        "SDX1:DUPLICATE_OF_PDX");
    /* wrong procedure performed, on the code that says so, principal or secondary */
    assert_string_equal(run("c\t70\tM\t01\tY6551\tY\t\t0016070"),
                        "E_CODE_AS_PDX,WRONG_PROCEDURE_PERFORMED|PDX:E_CODE_AS_PDX,"
                        "PDX:WRONG_PROCEDURE_PERFORMED");
    assert_string_equal(run("c\t70\tM\t01\tI10\tY\tA000:Y,Y6551:Y\t"),
                        "WRONG_PROCEDURE_PERFORMED|SDX2:WRONG_PROCEDURE_PERFORMED");
}

static void test_non_covered(void **state)
{
    (void)state;
    assert_string_equal(run("c\t70\tM\t01\tI10\tY\t\t00F3XZZ"), "NON_COVERED|PR1:NON_COVERED");
    /* pancreas transplant: non-covered alone (and then not also limited coverage), covered
     * with a kidney transplant or with type 1 diabetes */
    assert_string_equal(run("c\t50\tM\t01\tI10\tY\t\t0FYG0Z0"), "NON_COVERED|PR1:NON_COVERED");
    assert_string_equal(run("c\t50\tM\t01\tI10\tY\t\t0FYG0Z0,0TY00Z0"),
                        "LIMITED_COVERAGE|PR1:LIMITED_COVERAGE,PR2:LIMITED_COVERAGE");
    assert_string_equal(run("c\t50\tM\t01\tI10\tY\tE1010:Y\t0FYG0Z0"),
                        "LIMITED_COVERAGE|PR1:LIMITED_COVERAGE");
    assert_string_equal(run("c\t50\tM\t01\tE1010\tY\t\t0FYG0Z0"),
                        "LIMITED_COVERAGE|PR1:LIMITED_COVERAGE");
    /* D: with one of its diagnoses */
    assert_string_equal(run("c\t50\tM\t01\tI10\tY\t\t30243G1"), "|");
    assert_string_equal(run("c\t50\tM\t01\tI10\tY\tC9100:Y\t30243G1"),
                        "NON_COVERED|PR1:NON_COVERED");
    /* F: lumbar artificial disc over 60 */
    assert_string_equal(run("c\t60\tM\t01\tI10\tY\t\t0SR20JZ"), "|");
    assert_string_equal(run("c\t61\tM\t01\tI10\tY\t\t0SR20JZ"), "NON_COVERED|PR1:NON_COVERED");
    /* G: sterilization with an encounter for sterilization */
    assert_string_equal(run("c\t40\tF\t01\tI10\tY\t\t0U570ZZ"), "|");
    assert_string_equal(run("c\t40\tF\t01\tZ302\tY\t\t0U570ZZ"), "NON_COVERED|PR1:NON_COVERED");
    /* C: artificial heart (both parts) outside a clinical trial; limited coverage inside */
    assert_string_equal(run("c\t50\tM\t01\tI10\tY\t\t02RK0JZ"), "|");
    assert_string_equal(run("c\t50\tM\t01\tI10\tY\t\t02RK0JZ,02RL0JZ"),
                        "NON_COVERED|PR1:NON_COVERED,PR2:NON_COVERED");
    assert_string_equal(run("c\t50\tM\t01\tI10\tY\tZ006:Y\t02RK0JZ,02RL0JZ"),
                        "LIMITED_COVERAGE|PR1:LIMITED_COVERAGE,PR2:LIMITED_COVERAGE");
}

static void test_limited_coverage_obstetric_los(void **state)
{
    (void)state;
    assert_string_equal(run("c\t70\tM\t01\tI10\tY\t\t02WA3QZ"),
                        "LIMITED_COVERAGE|PR1:LIMITED_COVERAGE");
    /* a delivery without an outcome-of-delivery secondary diagnosis */
    assert_string_equal(run("c\t30\tF\t01\tO800\tY\t\t10D00Z0,10D07Z3"),
                        "QUESTIONABLE_OBSTETRIC_ADMISSION|PR1:QUESTIONABLE_OBSTETRIC_ADMISSION,"
                        "PR2:QUESTIONABLE_OBSTETRIC_ADMISSION");
    assert_string_equal(run("c\t30\tF\t01\tO800\tY\tZ370:Y\t10D00Z0"), "|");
    /* Z37 as principal does not count (and is unacceptable there) */
    assert_string_equal(run("c\t30\tF\t01\tZ370\tY\t\t10D07Z3"),
                        "UNACCEPTABLE_PDX,QUESTIONABLE_OBSTETRIC_ADMISSION|"
                        "PDX:UNACCEPTABLE_PDX,PR1:QUESTIONABLE_OBSTETRIC_ADMISSION");
    assert_string_equal(run_at("c\t70\tM\t01\tI10\tY\t\t5A1955Z", D_REF, 3),
                        "INCONSISTENT_WITH_LENGTH_OF_STAY|PR1:INCONSISTENT_WITH_LENGTH_OF_STAY");
    assert_string_equal(run_at("c\t70\tM\t01\tI10\tY\t\t5A1955Z", D_REF, 5), "|");
}

static void test_orders_and_type(void **state)
{
    static struct folio_claim c;
    static struct folio_mce_result r;
    struct folio_err err = {0};
    const char *line = "c\t130\tM\t99\tZ9989\tY\tR69:Y,XX:Y,P000:Y\t00F3XZZ,02WA3QZ";
    (void)state;

    /* claim level in CMS's edit order; per code in claim order, CMS's order within a code */
    assert_string_equal(run(line),
                        "INVALID_CODE,AGE_CONFLICT,UNACCEPTABLE_PDX,NON_COVERED,LIMITED_COVERAGE,"
                        "INVALID_AGE,INVALID_DISCHARGE_STATUS,UNSPECIFIED|PDX:UNACCEPTABLE_PDX,"
                        "SDX1:UNSPECIFIED,SDX2:INVALID_CODE,SDX3:AGE_CONFLICT,PR1:NON_COVERED,"
                        "PR2:LIMITED_COVERAGE");
    assert_int_equal(folio_claim_parse_line(line, strlen(line), &c, &err), FOLIO_OK);
    assert_int_equal(folio_mce_edit(mce, &c, D_REF, 5, &r, &err), FOLIO_OK);
    assert_int_equal(r.type, FOLIO_MCE_TYPE_PREPAYMENT);
    assert_string_equal(folio_mce_edit_type_name(r.type), "PREPAYMENT");
    assert_string_equal(folio_mce_edit_name(FOLIO_MCE_REQUIRES_SDX), "REQUIRES_SDX");
    assert_string_equal(folio_mce_edit_name((enum folio_mce_edit)99), "UNKNOWN");
    /* a date the tables do not cover */
    assert_int_equal(folio_mce_edit(mce, &c, 20261001, 5, &r, &err), FOLIO_EINVAL);
    assert_string_equal(err.field, "discharge_date");
}

static void test_parse_line_errors(void **state)
{
    static struct folio_claim c;
    static const struct {
        const char *line, *field, *msg_part;
    } bad[] = {
        {"c\tabc\tM\t01\tI10\tY\t\t", "age", "'abc'"},
        {"c\t-1\tM\t01\tI10\tY\t\t", "age", "'-1'"},
        {"c\t70\tX\t01\tI10\tY\t\t", "sex", "'X'"},
        {"c\t70\tM\tx1\tI10\tY\t\t", "discharge_status", "'x1'"},
        {"c\t70\tM\t01\tI10\tQ\t\t", "pdx_poa", "'Q'"},
        {"c\t70\tM\t01\tI10\tY\tA000\t", "sdx", "entry 1"},
        {"c\t70\tM\t01\tI10\tY\tA000:Y,R69:Z\t", "sdx", "entry 2"},
        {"c\t70\tM\t01\tI10\tY\tA000:Y,\t", "sdx", "entry 2"},
        {"c\t70\tM\t01\tI10\tY\t\t0016070,", "procedures", "entry 2"},
        {"c\t70\tM\t01\tI 10\tY\t\t", "pdx", "'I 10'"},
        {"c\t70\tM\t01\tI1000000000000000\tY\t\t", "pdx", "longer"},
        {"\t70\tM\t01\tI10\tY\t\t", "id", "empty"},
        {"c\t70\tM\t01\tI10\tY\t", "line", "7 columns"},
    };
    (void)state;

    for (size_t i = 0; i < FOLIO_ARRAY_LEN(bad); i++) {
        struct folio_err err = {0};
        assert_int_equal(folio_claim_parse_line(bad[i].line, strlen(bad[i].line), &c, &err),
                         FOLIO_EINVAL);
        assert_string_equal(err.field, bad[i].field);
        if (strstr(err.msg, bad[i].msg_part) == NULL)
            fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, bad[i].msg_part);
    }
}

static void test_parse_line_values(void **state)
{
    static struct folio_claim c;
    struct folio_err err = {0};
    const char *line = "S1-000001.rnd\t0\tU\t07\te10.3391\t\tA000:,R69:1,X:W\t0016070,0016070";
    (void)state;

    assert_int_equal(folio_claim_parse_line(line, strlen(line), &c, &err), FOLIO_OK);
    assert_string_equal(c.id, "S1-000001.rnd");
    assert_int_equal(c.age, 0);
    assert_int_equal(c.sex, 'U');
    assert_int_equal(c.discharge_status, 7);
    assert_string_equal(c.pdx.code, "e10.3391");
    assert_int_equal(c.pdx.poa, '\0');
    assert_int_equal(c.nsdx, 3);
    assert_int_equal(c.sdx[0].poa, '\0');
    assert_int_equal(c.sdx[1].poa, '1');
    assert_string_equal(c.sdx[2].code, "X");
    assert_int_equal(c.npr, 2);
}

/* Reads text through the stream reader: returns claims read, and the rc that stopped it. */
static long read_text(const char *text, enum folio_rc *rc, struct folio_err *err)
{
    static struct folio_claim c;
    struct folio_claim_reader *r = NULL;
    FILE *f = fmemopen((void *)(uintptr_t)text, strlen(text), "rb");
    bool have = true;
    long n = 0;

    assert_non_null(f);
    assert_int_equal(folio_claim_reader_open(f, "t.tsv", &r, err), FOLIO_OK);
    while ((*rc = folio_claim_reader_next(r, &c, &have, err)) == FOLIO_OK && have)
        n++;
    folio_claim_reader_free(r);
    fclose(f);
    return n;
}

static void test_reader(void **state)
{
    struct folio_err err = {0};
    enum folio_rc rc;
    (void)state;

    /* columns in any order, extra ones ignored, CRLF, blank lines, no final line break */
    assert_int_equal(
        read_text("extra\tprocedures\tsdx\tpdx_poa\tpdx\tdischarge_status\tsex\tage\tid\r\n"
                  "x\t\t\tY\tI10\t01\tM\t70\tc1\r\n\r\n"
                  "x\t0016070\tA000:Y\tY\tI10\t01\tF\t71\tc2",
                  &rc, &err),
        2);
    assert_int_equal(rc, FOLIO_OK);

    /* a bad line names file, line, column and value */
    assert_int_equal(read_text("id\tage\tsex\tdischarge_status\tpdx\tpdx_poa\tsdx\tprocedures\n"
                               "c1\t70\tM\t01\tI10\tY\t\t\n"
                               "c2\t7x\tM\t01\tI10\tY\t\t\n"
                               "c3\t70\tM\t01\tI10\tY\t\t\n",
                               &rc, &err),
                     1);
    assert_int_equal(rc, FOLIO_EINVAL);
    assert_string_equal(err.field, "t.tsv:3:age");
    assert_non_null(strstr(err.msg, "t.tsv:3:age: "));
    assert_non_null(strstr(err.msg, "'7x'"));

    assert_int_equal(read_text("id\tage\tsex\tdischarge_status\tpdx\tpdx_poa\tsdx\tprocedures\n"
                               "c1\t70\tM\t01\tI10\tY\t\t\textra\n",
                               &rc, &err),
                     0);
    assert_int_equal(rc, FOLIO_EINVAL);
    assert_string_equal(err.field, "line");
    assert_non_null(strstr(err.msg, "t.tsv:2"));

    assert_int_equal(read_text("id\tage\tsex\tpdx\tpdx_poa\tsdx\tprocedures\n", &rc, &err), 0);
    assert_int_equal(rc, FOLIO_EPARSE);
    assert_non_null(strstr(err.msg, "missing column discharge_status"));

    assert_int_equal(read_text("", &rc, &err), 0);
    assert_int_equal(rc, FOLIO_EPARSE);
    assert_non_null(strstr(err.msg, "no header row"));

    /* a header alone is an empty claim file */
    assert_int_equal(
        read_text("id\tage\tsex\tdischarge_status\tpdx\tpdx_poa\tsdx\tprocedures\n", &rc, &err), 0);
    assert_int_equal(rc, FOLIO_OK);
}

static void test_loader_refusals(void **state)
{
    char d[64];
    struct folio_mce *m = NULL;
    struct folio_err err = {0};
    (void)state;

    (void)folio_strlcpy(d, "/tmp/folio-edits-bad-XXXXXX", sizeof d);
    assert_non_null(mkdtemp(d));

    /* missing files */
    assert_int_equal(folio_mce_load(d, &m, &err), FOLIO_ENOTFOUND);
    assert_non_null(strstr(err.msg, "mce_i10_dx_master.tsv"));

    /* unknown attribute, bad date, truncated last line: all name the line */
    write_tables(d, "code\teffective_from\teffective_to\tmce_attributes\n"
                    "A000\t2015-10-01\t2026-09-30\t\n"
                    "A001\t2015-10-01\t2026-09-30\tNEWTHING\n");
    assert_int_equal(folio_mce_load(d, &m, &err), FOLIO_EPARSE);
    assert_non_null(strstr(err.msg, "mce_i10_dx_master.tsv:3: unknown attribute 'NEWTHING'"));

    write_tables(d, "code\teffective_from\teffective_to\tmce_attributes\n"
                    "A000\t2015-10-01\t2026-02-30\t\n");
    assert_int_equal(folio_mce_load(d, &m, &err), FOLIO_EPARSE);
    assert_non_null(strstr(err.msg, ":2: effective_to: not a date"));

    write_tables(d, "code\teffective_from\teffective_to\tmce_attributes\n"
                    "A000\t2015-10-01\t2026-09-30\t\n"
                    "A001\t2015-10-01\t2026-0");
    assert_int_equal(folio_mce_load(d, &m, &err), FOLIO_EPARSE);
    assert_non_null(strstr(err.msg, ":3: truncated"));

    write_tables(d, "code\tfrom\tto\tattrs\n");
    assert_int_equal(folio_mce_load(d, &m, &err), FOLIO_EPARSE);
    assert_non_null(strstr(err.msg, "unexpected header"));

    write_tables(d, "code\teffective_from\teffective_to\tmce_attributes\n"
                    "A000\t2015-10-01\t2026-09-30\n");
    assert_int_equal(folio_mce_load(d, &m, &err), FOLIO_EPARSE);
    assert_non_null(strstr(err.msg, ":2: 3 columns"));

    assert_null(m);
    remove_tables(d);
}

/* The real MCE 43.1 tables, when ../shared is there. */
static void test_shared_tables(void **state)
{
    const char *shared = getenv("FOLIO_SHARED");
    char path[512];
    struct folio_mce *saved = mce, *real = NULL;
    struct folio_err err = {0};
    int32_t first, last;
    (void)state;

    if (shared == NULL || !folio_snprintf(path, sizeof path, "%s/data/codesets/mce-v431", shared) ||
        access(path, R_OK) != 0)
        skip();
    assert_int_equal(folio_mce_load(path, &real, &err), FOLIO_OK);
    folio_mce_coverage(real, &first, &last);
    assert_int_equal(first, 20151001);
    assert_int_equal(last, 20260930);
    mce = real;
    /* README examples: an external cause as PDX, a manifestation, Z51.89 alone */
    assert_string_equal(run("c\t65\tM\t01\tV0001XA\tY\t\t"), "E_CODE_AS_PDX|PDX:E_CODE_AS_PDX");
    assert_string_equal(run("c\t83\tM\t01\tZ5189\tY\t\t"), "REQUIRES_SDX|PDX:REQUIRES_SDX");
    assert_string_equal(run("c\t70\tM\t01\tA000\tY\ta000:Y\t"),
                        "DUPLICATE_OF_PDX|SDX1:DUPLICATE_OF_PDX");
    /* I10 is a questionable admission as principal */
    assert_string_equal(run("c\t70\tM\t01\tI10\tY\t\t"),
                        "QUESTIONABLE_ADMISSION|PDX:QUESTIONABLE_ADMISSION");
    /* N40.1 lost its MALE attribute on 2024-10-01 */
    assert_string_equal(run("c\t70\tF\t01\tN401\tY\t\t"), "|");
    assert_string_equal(run_at("c\t70\tF\t01\tN401\tY\t\t", 20240930, 5),
                        "SEX_CONFLICT|PDX:SEX_CONFLICT");
    mce = saved;
    folio_mce_free(real);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_claim),
        cmocka_unit_test(test_invalid_code),
        cmocka_unit_test(test_invalid_age_and_status),
        cmocka_unit_test(test_age_conflict),
        cmocka_unit_test(test_sex_conflict),
        cmocka_unit_test(test_pdx_edits),
        cmocka_unit_test(test_unspecified_duplicate_wrong_procedure),
        cmocka_unit_test(test_non_covered),
        cmocka_unit_test(test_limited_coverage_obstetric_los),
        cmocka_unit_test(test_orders_and_type),
        cmocka_unit_test(test_parse_line_errors),
        cmocka_unit_test(test_parse_line_values),
        cmocka_unit_test(test_reader),
        cmocka_unit_test(test_loader_refusals),
        cmocka_unit_test(test_shared_tables),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
