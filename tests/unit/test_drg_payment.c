/* MS-DRG payment: the Table 5 loader (the synthetic files in tests/data/drg/, header variants,
 * each kind of bad row) and the payment computation. Every expected figure is computed here by
 * hand from the rates and the table's figures (see ref_* below), never by calling the product. */
#include "folio/base.h"
#include "folio/drg_payment.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

/* ---- hand computation ---- */

/* Dollars to cents, half away from zero. The epsilon only absorbs binary representation error
 * (well below 1e-7 cent for these magnitudes), so an exact half cent rounds away from zero. */
static int64_t c2(double dollars)
{
    if (dollars < 0)
        return -c2(-dollars);
    return (int64_t)floor(dollars * 100.0 + 0.5 + 1e-7);
}

/* The hospital's adjusted base rate and the full DRG payment, step by step. */
struct ref {
    int64_t labor, nonlabor, labor_adj, adjusted, full;
};

static struct ref ref_base(double base, double share, double wage, double weight)
{
    struct ref r;

    r.labor = c2(base * share);
    r.nonlabor = c2(base) - r.labor;
    r.labor_adj = c2((double)r.labor / 100.0 * wage);
    r.adjusted = r.labor_adj + r.nonlabor;
    r.full = c2(weight * (double)r.adjusted / 100.0);
    return r;
}

/* Graduated per diem: full / GMLOS for each day, the first day twice. */
static int64_t ref_per_diem(int64_t full, double gmlos)
{
    return c2((double)full / 100.0 / gmlos);
}

/* The rates most cases use: base 6,000.00, labor share 0.66, wage index 1.05, which makes the
 * adjusted base 3,960.00 x 1.05 + 2,040.00 = 6,198.00. */
static const struct folio_drg_rates rates = {6000.00, 0.66, 1.05};

static char path26[512], path25[512];
static struct folio_drg_table5 *t26;

static int setup(void **state)
{
    const char *src = getenv("FOLIO_SOURCE_DIR");
    struct folio_err err = {0};

    (void)state;
    if (folio_str_empty(src)) {
        fprintf(stderr, "FOLIO_SOURCE_DIR is not set (run the test through CTest)\n");
        return -1;
    }
    if (!folio_snprintf(path26, sizeof path26, "%s/tests/data/drg/table5_fy2026.txt", src) ||
        !folio_snprintf(path25, sizeof path25, "%s/tests/data/drg/table5_fy2025.csv", src))
        return -1;
    if (folio_drg_table5_load(path26, NULL, &t26, &err)) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    folio_drg_table5_free(t26);
    return 0;
}

/* ---- loading ---- */

static void load_cms_text_file(void **state)
{
    struct folio_drg_table5_info info;
    const struct folio_drg_weight *w;

    (void)state;
    folio_drg_table5_info(t26, &info);
    assert_string_equal(info.name, "table5_fy2026.txt");
    assert_int_equal(info.fiscal_year, 2026);
    assert_int_equal(info.from, 20251001);
    assert_int_equal(info.to, 20260930);
    assert_int_equal(info.ndrgs, 14);
    assert_true(info.capped_weights);

    w = folio_drg_table5_get(t26, 1);
    assert_non_null(w);
    assert_string_equal(w->mdc, "PRE");
    assert_int_equal(w->mdc_num, 0);
    assert_true(w->surgical);
    assert_false(w->post_acute);
    assert_true(fabs(w->weight - 26.0) < 1e-9); /* the capped column, not 26.5 before the cap */
    assert_int_equal(w->line, 4); /* the title spans lines 1-2, the header is line 3 */
    w = folio_drg_table5_get(t26, 292);
    assert_true(fabs(w->weight - 0.9) < 1e-9);
    assert_true(fabs(w->gmlos - 3.0) < 1e-9 && fabs(w->amlos - 3.4) < 1e-9);
    w = folio_drg_table5_get(t26, 470);
    assert_true(w->post_acute && w->special_pay);
    assert_string_equal(w->mdc, "08");
    assert_int_equal(w->mdc_num, 8);
    w = folio_drg_table5_get(t26, 392);
    assert_string_equal(w->title,
                        "ESOPHAGITIS, GASTROENTERITIS AND MISCELLANEOUS DIGESTIVE DISORDERS "
                        "WITHOUT MCC");
    w = folio_drg_table5_get(t26, 935);
    assert_string_equal(w->title, "NON\xE2\x80\x93"
                                  "EXTENSIVE BURNS"); /* cp1252 0x96 -> U+2013 */
    assert_int_equal(w->mdc_num, 22);
    assert_int_equal(w->line, 17);
    assert_null(folio_drg_table5_get(t26, 2));
    assert_null(folio_drg_table5_get(t26, 0));
    assert_null(folio_drg_table5_get(t26, 1000));
}

static void load_excel_csv_export(void **state)
{
    struct folio_drg_table5 *t = NULL;
    struct folio_drg_table5_info info;
    struct folio_err err = {0};
    const struct folio_drg_weight *w;

    (void)state;
    assert_int_equal(folio_drg_table5_load(path25, NULL, &t, &err), FOLIO_OK);
    folio_drg_table5_info(t, &info);
    assert_int_equal(info.fiscal_year, 2025);
    assert_int_equal(info.from, 20241001);
    assert_int_equal(info.to, 20250930);
    assert_int_equal(info.ndrgs, 4);
    assert_false(info.capped_weights);
    w = folio_drg_table5_get(t, 291);
    assert_true(fabs(w->weight - 1.25) < 1e-9 && fabs(w->gmlos - 3.9) < 1e-9);
    assert_int_equal(w->line, 3);
    w = folio_drg_table5_get(t, 392);
    assert_non_null(strstr(w->title, "ESOPHAGITIS, GASTRO"));
    assert_false(w->post_acute);
    folio_drg_table5_free(t);
}

static void load_missing_file(void **state)
{
    struct folio_drg_table5 *t = NULL;
    struct folio_err err = {0};

    (void)state;
    assert_int_equal(folio_drg_table5_load("/nonexistent/table5.txt", NULL, &t, &err),
                     FOLIO_ENOTFOUND);
    assert_null(t);
}

/* Parses text; returns the rc and leaves the table in *out (NULL on failure). */
static enum folio_rc parse(const char *text, const struct folio_drg_table5_opts *o,
                           struct folio_drg_table5 **out, struct folio_err *err)
{
    memset(err, 0, sizeof *err);
    return folio_drg_table5_parse(text, strlen(text), "t5.txt", o, out, err);
}

#define ROW_291 "291\tYes\tNo\t05\tMED\tHEART FAILURE AND SHOCK WITH MCC\t1.3\t3.8\t4.7\n"

static void header_variants(void **state)
{
    static const struct {
        const char *text;
        int year;
        double weight; /* of DRG 291 */
    } cases[] = {
        /* FY 2010 text file: "Final Rule" in the flag headers */
        {"MS-DRG\tFY 2010 Final Rule Post-Acute DRG\tFY 2010 Final Rule Special Pay "
         "DRG\tMDC\tTYPE\t"
         "MS-DRG Title\tWeights\tGeometric mean LOS\tArithmetic mean LOS\n" ROW_291,
         2010, 1.3},
        /* FY 2022: "MS-DRG " with a trailing space, "Final" without "Rule" */
        {"MS-DRG \tFY 2022 Final Post-Acute DRG\tFY 2022 Final Special Pay DRG\tMDC\tTYPE\t"
         "MS-DRG Title\tWeights\tGeometric mean LOS\tArithmetic mean LOS\n" ROW_291,
         2022, 1.3},
        /* FY 2019: "FINAL" in capitals, other letters' case changed */
        {"ms-drg\tFY 2019 FINAL Post-Acute DRG\tFY 2019 FINAL Special Pay DRG\tmdc\tType\t"
         "MS-DRG TITLE\tWEIGHTS\tGEOMETRIC MEAN LOS\tArithmetic Mean LOS\n" ROW_291,
         2019, 1.3},
        /* FY 2025: both weight columns; the capped one is paid */
        {"MS-DRG \tFY 2025 Final Post-Acute DRG\tFY 2025 Final Special Pay DRG\tMDC\tTYPE\t"
         "MS-DRG Title\tWeights - Before Cap\tWeights - 10% Cap Applied \tGeometric mean LOS\t"
         "Arithmetic mean LOS\n"
         "291\tYes\tNo\t05\tMED\tHEART FAILURE AND SHOCK WITH MCC\t1.1\t1.21\t3.8\t4.7\n",
         2025, 1.21},
        /* any column order, unknown columns ignored, underscores, "Relative Weight" */
        {"Arithmetic_Mean_LOS\tNotes\tRelative Weight\tMS_DRG\tGeometric_Mean_LOS\tMS-DRG Title\t"
         "TYPE\tMDC\tFY 2024 Final Rule Special Pay DRG\tFY 2024 Final Rule Post-Acute DRG\n"
         "4.7\tanything\t1.3\t291\t3.8\tHEART FAILURE AND SHOCK WITH MCC\tMED\t05\tNo\tYes\n",
         2024, 1.3},
        /* comma-separated with a title row and CRLF */
        {"TABLE 5 FY 2023,,,,,,,,\r\n"
         "MS-DRG,FY 2023 Final Rule Post-Acute DRG,FY 2023 Final Rule Special Pay DRG,MDC,TYPE,"
         "MS-DRG Title,Weights,Geometric mean LOS,Arithmetic mean LOS\r\n"
         "291,Yes,No,05,MED,\"HEART FAILURE, SHOCK\",1.3,3.8,4.7\r\n",
         2023, 1.3},
    };
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(cases); i++) {
        struct folio_drg_table5 *t = NULL;
        struct folio_drg_table5_info info;
        struct folio_err err;
        const struct folio_drg_weight *w;

        if (parse(cases[i].text, NULL, &t, &err) != FOLIO_OK)
            fail_msg("case %zu: %s", i, err.msg);
        folio_drg_table5_info(t, &info);
        assert_int_equal(info.fiscal_year, cases[i].year);
        w = folio_drg_table5_get(t, 291);
        assert_non_null(w);
        assert_true(fabs(w->weight - cases[i].weight) < 1e-9);
        assert_true(fabs(w->gmlos - 3.8) < 1e-9);
        assert_true(w->post_acute && !w->special_pay);
        folio_drg_table5_free(t);
    }
}

#define PLAIN_HEADER                                                                               \
    "MS-DRG\tPost-Acute DRG\tSpecial Pay DRG\tMDC\tTYPE\tMS-DRG Title\tWeights\t"                  \
    "Geometric mean LOS\tArithmetic mean LOS\n"

static void fiscal_year_given_or_read(void **state)
{
    struct folio_drg_table5 *t = NULL;
    struct folio_drg_table5_info info;
    struct folio_drg_table5_opts o = {0};
    struct folio_err err;
    const char *fy26 = "MS-DRG\tFY 2026 Final Rule Post-Acute DRG\tFY 2026 Final Rule Special Pay "
                       "DRG\tMDC\tTYPE\tMS-DRG Title\tWeights\tGeometric mean LOS\tArithmetic "
                       "mean LOS\n" ROW_291;

    (void)state;
    /* no year in the header: refused unless given */
    assert_int_equal(parse(PLAIN_HEADER ROW_291, NULL, &t, &err), FOLIO_EPARSE);
    assert_null(t);
    assert_non_null(strstr(err.msg, "no fiscal year"));
    o.fiscal_year = 2026;
    assert_int_equal(parse(PLAIN_HEADER ROW_291, &o, &t, &err), FOLIO_OK);
    folio_drg_table5_info(t, &info);
    assert_int_equal(info.fiscal_year, 2026);
    assert_int_equal(info.from, 20251001);
    folio_drg_table5_free(t);
    /* given and read must agree */
    o.fiscal_year = 2025;
    assert_int_equal(parse(fy26, &o, &t, &err), FOLIO_EPARSE);
    assert_null(t);
    assert_non_null(strstr(err.msg, "FY 2026, not FY 2025"));
    /* a correction effective mid-year */
    o.fiscal_year = 0;
    o.effective_from = 20260401;
    assert_int_equal(parse(fy26, &o, &t, &err), FOLIO_OK);
    folio_drg_table5_info(t, &info);
    assert_int_equal(info.from, 20260401);
    assert_int_equal(info.to, 20260930);
    folio_drg_table5_free(t);
    o.effective_from = 20261001; /* after the end */
    assert_int_equal(parse(fy26, &o, &t, &err), FOLIO_EINVAL);
    assert_null(t);
}

static void header_refusals(void **state)
{
    static const struct {
        const char *text;
        const char *msg;
    } cases[] = {
        {"MS-DRG\tFY 2026 Proposed Rule Post-Acute DRG\tFY 2026 Proposed Rule Special Pay DRG\t"
         "MDC\tTYPE\tMS-DRG Title\tWeights\tGeometric mean LOS\tArithmetic mean LOS\n" ROW_291,
         "proposed rule"},
        {"MS-DRG\tPost-Acute DRG\tSpecial Pay DRG\tMDC\tTYPE\tMS-DRG Title\tWeights\t"
         "Arithmetic mean LOS\n",
         "missing column 'Geometric mean LOS'"},
        {"MS-DRG\tPost-Acute DRG\tSpecial Pay DRG\tMDC\tTYPE\tMS-DRG Title\tWeights\t"
         "Geometric mean LOS\tArithmetic mean LOS\tMDC\n",
         "two columns for MDC"},
        {"MS-DRG\tPost-Acute DRG\tSpecial Pay DRG\tMDC\tTYPE\tMS-DRG Title\tWeights\t"
         "Weights - 10% Cap Applied\tGeometric mean LOS\tArithmetic mean LOS\n",
         "which weight is paid"},
        {"MS-DRG\tPost-Acute DRG\tSpecial Pay DRG\tMDC\tTYPE\tMS-DRG Title\tWeights - Before Cap\t"
         "Geometric mean LOS\tArithmetic mean LOS\n",
         "no 'Weights - 10% Cap Applied' column"},
        {"MS-DRG\tFY 2025 Final Post-Acute DRG\tFY 2026 Final Special Pay DRG\tMDC\tTYPE\t"
         "MS-DRG Title\tWeights\tGeometric mean LOS\tArithmetic mean LOS\n",
         "two fiscal years: 2025 and 2026"},
        {"DRG\tWeight\tGMLOS\n291\t1.3\t3.8\n", "no header row"},
        {"", "no header row"},
        {"MS-DRG\tFY 2026 Final Post-Acute DRG\tFY 2026 Final Special Pay DRG\tMDC\tTYPE\t"
         "MS-DRG Title\tWeights\tGeometric mean LOS\tArithmetic mean LOS\n\n",
         "no MS-DRG rows"},
    };
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(cases); i++) {
        struct folio_drg_table5 *t = (struct folio_drg_table5 *)&t; /* must be reset to NULL */
        struct folio_err err;

        if (parse(cases[i].text, NULL, &t, &err) != FOLIO_EPARSE)
            fail_msg("case %zu accepted", i);
        assert_null(t);
        if (strstr(err.msg, cases[i].msg) == NULL)
            fail_msg("case %zu: '%s' does not say '%s'", i, err.msg, cases[i].msg);
    }
}

/* A good file whose line 4 is replaced by each bad row: the error names file, line and column,
 * and nothing is loaded. */
#define BAD_HEADER                                                                                 \
    "Synthetic\n"                                                                                  \
    "MS-DRG\tFY 2026 Final Rule Post-Acute DRG\tFY 2026 Final Rule Special Pay DRG\tMDC\tTYPE\t"   \
    "MS-DRG Title\tWeights\tGeometric mean LOS\tArithmetic mean LOS\n" ROW_291

static void bad_rows(void **state)
{
    static const struct {
        const char *row;
        const char *column; /* err.field is "t5.txt:4:<column>" */
        const char *msg;
    } cases[] = {
        {"29a\tYes\tNo\t05\tMED\tT\t1.3\t3.8\t4.7", "MS-DRG", "not an MS-DRG number"},
        {"0\tYes\tNo\t05\tMED\tT\t1.3\t3.8\t4.7", "MS-DRG", "not an MS-DRG number"},
        {"1000\tYes\tNo\t05\tMED\tT\t1.3\t3.8\t4.7", "MS-DRG", "not an MS-DRG number"},
        {"291\tYes\tNo\t05\tMED\tT\t1.3\t3.8\t4.7", "MS-DRG", "listed twice (also on line 3)"},
        {"292\tMaybe\tNo\t05\tMED\tT\t1.3\t3.8\t4.7", "FY 2026 Final Rule Post-Acute DRG",
         "not Yes or No: 'Maybe'"},
        {"292\tYes\t\t05\tMED\tT\t1.3\t3.8\t4.7", "FY 2026 Final Rule Special Pay DRG",
         "not Yes or No"},
        {"292\tNo\tYes\t05\tMED\tT\t1.3\t3.8\t4.7", "FY 2026 Final Rule Special Pay DRG",
         "must also be a post-acute DRG"},
        {"292\tYes\tNo\t26\tMED\tT\t1.3\t3.8\t4.7", "MDC", "not PRE or an MDC number"},
        {"292\tYes\tNo\tXX\tMED\tT\t1.3\t3.8\t4.7", "MDC", "not PRE or an MDC number"},
        {"292\tYes\tNo\t05\tOTHER\tT\t1.3\t3.8\t4.7", "TYPE", "not MED or SURG"},
        {"292\tYes\tNo\t05\tMED\t\t1.3\t3.8\t4.7", "MS-DRG Title", "empty"},
        {"292\tYes\tNo\t05\tMED\tA\x01"
         "B\t1.3\t3.8\t4.7",
         "MS-DRG Title", "control character"},
        {"292\tYes\tNo\t05\tMED\tT\t1,3\t3.8\t4.7", "Weights", "not a number: '1,3'"},
        {"292\tYes\tNo\t05\tMED\tT\t1e3\t3.8\t4.7", "Weights", "not a number"},
        {"292\tYes\tNo\t05\tMED\tT\t0\t3.8\t4.7", "Weights", "out of range"},
        {"292\tYes\tNo\t05\tMED\tT\t1.3\t\t4.7", "Geometric mean LOS", "not a number"},
        {"292\tYes\tNo\t05\tMED\tT\t1.3\t3.8\t-1", "Arithmetic mean LOS", "not a number"},
        {"292\tYes\tNo\t05\tMED\tT\t1.3\t3.8\t1001", "Arithmetic mean LOS", "out of range"},
        {"292\tYes\tNo\t05\tMED\tT\t1.3\t3.8", "Arithmetic mean LOS", "not a number: ''"},
    };
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(cases); i++) {
        struct folio_drg_table5 *t = NULL;
        struct folio_err err;
        char text[2048], field[80];

        assert_true(folio_snprintf(text, sizeof text, BAD_HEADER "%s\n" ROW_291, cases[i].row));
        /* the duplicate case would otherwise also trip on the last row: use another DRG there */
        if (strncmp(cases[i].row, "291", 3) == 0)
            assert_true(folio_snprintf(text, sizeof text, BAD_HEADER "%s\n", cases[i].row));
        if (parse(text, NULL, &t, &err) != FOLIO_EPARSE)
            fail_msg("case %zu accepted", i);
        assert_null(t);
        assert_true(folio_snprintf(field, sizeof field, "t5.txt:4:%s", cases[i].column));
        if (strcmp(err.field, field) != 0 || strstr(err.msg, cases[i].msg) == NULL ||
            strncmp(err.msg, "t5.txt:4: column '", 18) != 0)
            fail_msg("case %zu: field '%s' message '%s'", i, err.field, err.msg);
    }
}

static void bad_file_structure(void **state)
{
    static const struct {
        const char *tail; /* after the header and DRG 291 on line 3 */
        const char *msg;
    } cases[] = {
        {"292\tYes\tNo\t05\tMED\tT\t1.3\t3.8\t4.7\tsurplus\n",
         "t5.txt:4: 10 columns, the header has 9"},
        {"292\tYes\tNo\t05\tMED\t\"T\t1.3\t3.8\t4.7\n",
         "t5.txt:4: quote opened on this line is not closed"},
        {"292\tYes\tNo\t05\tMED\t\"T\"x\t1.3\t3.8\t4.7\n",
         "t5.txt:4: character after a closing quote"},
        {"* a note\n292\tYes\tNo\t05\tMED\tT\t1.3\t3.8\t4.7\n",
         "t5.txt:5: an MS-DRG row after the note on line 4"},
    };
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(cases); i++) {
        struct folio_drg_table5 *t = NULL;
        struct folio_err err;
        char text[2048];

        assert_true(folio_snprintf(text, sizeof text, BAD_HEADER "%s", cases[i].tail));
        if (parse(text, NULL, &t, &err) != FOLIO_EPARSE)
            fail_msg("case %zu accepted", i);
        assert_null(t);
        if (strstr(err.msg, cases[i].msg) == NULL)
            fail_msg("case %zu: '%s' does not say '%s'", i, err.msg, cases[i].msg);
    }
    {
        static const char nul[] = BAD_HEADER "292\tYes\tNo\t05\tMED\tT\0\t1.3\t3.8\t4.7\n";
        struct folio_drg_table5 *t = NULL;
        struct folio_err err = {0};
        assert_int_equal(folio_drg_table5_parse(nul, sizeof nul - 1, "t5.txt", NULL, &t, &err),
                         FOLIO_EPARSE);
        assert_null(t);
        assert_non_null(strstr(err.msg, "t5.txt:4: NUL byte"));
    }
    {
        /* blank rows and trailing notes are fine; a quoted title may hold "" and a tab */
        struct folio_drg_table5 *t = NULL;
        struct folio_err err;
        assert_int_equal(parse(BAD_HEADER "\n\t\t\n292\tYes\tNo\t05\tMED\t\"SAY \"\"HI\"\"\tNOW\""
                                          "\t1.3\t3.8\t4.7\n\nNote 1\nNote 2\t\n",
                               NULL, &t, &err),
                         FOLIO_OK);
        assert_string_equal(folio_drg_table5_get(t, 292)->title, "SAY \"HI\" NOW");
        folio_drg_table5_free(t);
    }
}

static void table_set_by_discharge_date(void **state)
{
    struct folio_drg_table5_set *s = NULL;
    struct folio_drg_table5 *a = NULL, *b = NULL, *c = NULL, *d = NULL;
    struct folio_drg_table5_opts corr = {0, 20260401, 0};
    struct folio_drg_table5_info info;
    struct folio_err err = {0};

    (void)state;
    assert_int_equal(folio_drg_table5_set_new(&s, &err), FOLIO_OK);
    assert_int_equal(folio_drg_table5_load(path25, NULL, &a, &err), FOLIO_OK);
    assert_int_equal(folio_drg_table5_load(path26, NULL, &b, &err), FOLIO_OK);
    assert_int_equal(folio_drg_table5_load(path26, &corr, &c, &err), FOLIO_OK);
    assert_int_equal(folio_drg_table5_load(path26, NULL, &d, &err), FOLIO_OK);
    assert_int_equal(folio_drg_table5_set_add(s, a, &err), FOLIO_OK);
    assert_int_equal(folio_drg_table5_set_add(s, b, &err), FOLIO_OK);
    assert_int_equal(folio_drg_table5_set_add(s, c, &err), FOLIO_OK);
    assert_int_equal(folio_drg_table5_set_add(s, d, &err), FOLIO_ECONFLICT); /* d freed */
    assert_ptr_equal(folio_drg_table5_set_pick(s, 20241001), a);
    assert_ptr_equal(folio_drg_table5_set_pick(s, 20250930), a);
    assert_ptr_equal(folio_drg_table5_set_pick(s, 20251001), b);
    assert_ptr_equal(folio_drg_table5_set_pick(s, 20260331), b);
    assert_ptr_equal(folio_drg_table5_set_pick(s, 20260401), c);
    assert_ptr_equal(folio_drg_table5_set_pick(s, 20260930), c);
    assert_null(folio_drg_table5_set_pick(s, 20261001));
    assert_null(folio_drg_table5_set_pick(s, 20240930));
    folio_drg_table5_info(folio_drg_table5_set_pick(s, 20260501), &info);
    assert_int_equal(info.from, 20260401);
    folio_drg_table5_set_free(s);
}

/* ---- discharge status ---- */

static void status_kinds(void **state)
{
    /* 42 CFR 412.4(b) and (c) as the Claims Processing Manual ch. 3 40.2.4 codes them. */
    static const int acute[] = {2, 66, 82, 94};
    static const int post[] = {3, 5, 6, 61, 62, 63, 65, 83, 85, 86, 89, 90, 91, 93};

    (void)state;
    for (int s = 1; s <= 99; s++) {
        enum folio_drg_status_kind want = FOLIO_DRG_DISCHARGE;
        for (size_t i = 0; i < FOLIO_ARRAY_LEN(acute); i++)
            if (acute[i] == s)
                want = FOLIO_DRG_ACUTE_TRANSFER;
        for (size_t i = 0; i < FOLIO_ARRAY_LEN(post); i++)
            if (post[i] == s)
                want = FOLIO_DRG_POSTACUTE_TRANSFER;
        if (s == 50 || s == 51) {
            assert_int_equal(folio_drg_status_kind(s, 20180930), FOLIO_DRG_DISCHARGE);
            want = FOLIO_DRG_POSTACUTE_TRANSFER; /* hospice from October 1, 2018 */
        }
        if (folio_drg_status_kind(s, 20181001) != want)
            fail_msg("status %02d", s);
    }
    /* not transfers: home, AMA, federal hospital, custodial care, Medicaid-only NF, other */
    assert_int_equal(folio_drg_status_kind(1, 20260101), FOLIO_DRG_DISCHARGE);
    assert_int_equal(folio_drg_status_kind(7, 20260101), FOLIO_DRG_DISCHARGE);
    assert_int_equal(folio_drg_status_kind(43, 20260101), FOLIO_DRG_DISCHARGE);
    assert_int_equal(folio_drg_status_kind(4, 20260101), FOLIO_DRG_DISCHARGE);
    assert_int_equal(folio_drg_status_kind(64, 20260101), FOLIO_DRG_DISCHARGE);
    assert_int_equal(folio_drg_status_kind(70, 20260101), FOLIO_DRG_DISCHARGE);
}

/* ---- payment ---- */

static void price(int drg, int los, int status, const struct folio_drg_rates *r,
                  const struct folio_drg_outlier_params *o, struct folio_drg_payment *p)
{
    struct folio_drg_case c = {drg, los, status, 20260115};
    struct folio_err err = {0};

    if (folio_drg_price(t26, &c, r, o, p, &err) != FOLIO_OK)
        fail_msg("price %d: %s", drg, err.msg);
}

static void full_payment(void **state)
{
    struct folio_drg_payment p;
    /* DRG 291, weight 1.3: 6,198.00 x 1.3 = 8,057.40 */
    struct ref e = ref_base(6000.00, 0.66, 1.05, 1.3);

    (void)state;
    assert_int_equal(e.adjusted, 619800); /* the hand figure of the rates comment */
    price(291, 5, 1, &rates, NULL, &p);
    assert_int_equal(p.base_rate, 600000);
    assert_int_equal(p.labor, e.labor);
    assert_int_equal(p.nonlabor, e.nonlabor);
    assert_int_equal(p.labor_adjusted, e.labor_adj);
    assert_int_equal(p.adjusted_base, e.adjusted);
    assert_int_equal(p.full, e.full);
    assert_int_equal(p.full, 805740);
    assert_int_equal(p.status_kind, FOLIO_DRG_DISCHARGE);
    assert_int_equal(p.rule, FOLIO_DRG_XFER_NONE);
    assert_false(p.reduced);
    assert_int_equal(p.drg_payment, e.full);
    assert_int_equal(p.total, e.full);
    assert_false(p.outlier_priced);
    assert_int_equal(p.row.drg, 291);
    assert_int_equal(p.fiscal_year, 2026);

    /* wage index 1 leaves the base as it is, whatever the labor share */
    {
        struct folio_drg_rates flat = {6000.00, 0.66, 1.0};
        price(291, 5, 1, &flat, NULL, &p);
        assert_int_equal(p.adjusted_base, 600000);
        assert_int_equal(p.full, c2(6000.00 * 1.3));
    }
}

static void acute_transfer(void **state)
{
    struct folio_drg_payment p;
    /* DRG 392 (not post-acute), weight 0.75, GMLOS 2.5; LOS 1: 1 + 1 = 2 < 2.5 */
    int64_t full = ref_base(6000.00, 0.66, 1.05, 0.75).full;
    int64_t pd = ref_per_diem(full, 2.5);

    (void)state;
    price(392, 1, 2, &rates, NULL, &p);
    assert_int_equal(p.status_kind, FOLIO_DRG_ACUTE_TRANSFER);
    assert_int_equal(p.rule, FOLIO_DRG_XFER_PER_DIEM);
    assert_int_equal(p.full, full);
    assert_int_equal(p.per_diem, pd);
    assert_int_equal(p.days, 1);
    assert_int_equal(p.per_diem_amount, pd * 2);
    assert_true(p.reduced);
    assert_int_equal(p.drg_payment, pd * 2);
    assert_int_equal(p.total, pd * 2);
    assert_true(p.drg_payment < p.full);

    /* a same-day transfer (LOS 0) is paid as one day */
    price(392, 0, 2, &rates, NULL, &p);
    assert_int_equal(p.days, 1);
    assert_int_equal(p.drg_payment, pd * 2);

    /* to a critical access hospital (66), and the planned-readmission code 82 */
    price(392, 1, 66, &rates, NULL, &p);
    assert_int_equal(p.drg_payment, pd * 2);
    price(392, 1, 82, &rates, NULL, &p);
    assert_int_equal(p.drg_payment, pd * 2);

    /* an acute transfer on a special pay DRG uses the general per diem rule */
    full = ref_base(6000.00, 0.66, 1.05, 1.9).full;
    pd = ref_per_diem(full, 2.4);
    price(470, 1, 2, &rates, NULL, &p);
    assert_int_equal(p.rule, FOLIO_DRG_XFER_PER_DIEM);
    assert_int_equal(p.drg_payment, pd * 2);
}

static void postacute_transfer(void **state)
{
    struct folio_drg_payment p;
    /* DRG 291 is a post-acute DRG, GMLOS 3.8; LOS 2 to a SNF: 3 < 3.8 */
    int64_t full = ref_base(6000.00, 0.66, 1.05, 1.3).full;
    int64_t pd = ref_per_diem(full, 3.8); /* 8,057.40 / 3.8 = 2,120.37 */

    (void)state;
    assert_int_equal(pd, 212037);
    price(291, 2, 3, &rates, NULL, &p);
    assert_int_equal(p.status_kind, FOLIO_DRG_POSTACUTE_TRANSFER);
    assert_int_equal(p.rule, FOLIO_DRG_XFER_PER_DIEM);
    assert_int_equal(p.per_diem, pd);
    assert_int_equal(p.drg_payment, pd * 3);
    /* home health (06), IRF (62), hospice (50) the same */
    price(291, 2, 6, &rates, NULL, &p);
    assert_int_equal(p.drg_payment, pd * 3);
    price(291, 2, 62, &rates, NULL, &p);
    assert_int_equal(p.drg_payment, pd * 3);
    price(291, 2, 50, &rates, NULL, &p);
    assert_int_equal(p.drg_payment, pd * 3);

    /* DRG 392 is not a post-acute DRG: a SNF discharge is paid in full */
    price(392, 1, 3, &rates, NULL, &p);
    assert_int_equal(p.status_kind, FOLIO_DRG_POSTACUTE_TRANSFER);
    assert_int_equal(p.rule, FOLIO_DRG_XFER_NOT_QUALIFYING);
    assert_false(p.reduced);
    assert_int_equal(p.per_diem, 0);
    assert_int_equal(p.drg_payment, ref_base(6000.00, 0.66, 1.05, 0.75).full);
}

static void special_pay_drg(void **state)
{
    struct folio_drg_payment p;
    /* DRG 470, special pay, weight 1.9, GMLOS 2.4; LOS 1 to home health: 2 < 2.4.
     * 6,198.00 x 1.9 = 11,776.20; / 2.4 = 4,906.75; x 2 = 9,813.50;
     * 50% x 11,776.20 + 50% x 9,813.50 = 10,794.85 */
    int64_t full = ref_base(6000.00, 0.66, 1.05, 1.9).full;
    int64_t pd = ref_per_diem(full, 2.4);
    int64_t want = c2(0.5 * (double)full / 100.0 + 0.5 * (double)(pd * 2) / 100.0);

    (void)state;
    assert_int_equal(want, 1079485);
    price(470, 1, 6, &rates, NULL, &p);
    assert_int_equal(p.rule, FOLIO_DRG_XFER_SPECIAL_PAY);
    assert_int_equal(p.full, full);
    assert_int_equal(p.per_diem, pd);
    assert_int_equal(p.per_diem_amount, pd * 2);
    assert_int_equal(p.transfer_amount, want);
    assert_true(p.reduced);
    assert_int_equal(p.drg_payment, want);
    /* LOS 0 counts as one day too */
    price(470, 0, 6, &rates, NULL, &p);
    assert_int_equal(p.drg_payment, want);
}

static void no_reduction_from_gmlos_minus_one(void **state)
{
    struct folio_drg_payment p;
    int64_t full = ref_base(6000.00, 0.66, 1.05, 0.9).full; /* DRG 292, GMLOS 3.0 */

    (void)state;
    /* LOS 1: 2 < 3, reduced */
    price(292, 1, 3, &rates, NULL, &p);
    assert_true(p.reduced);
    assert_int_equal(p.drg_payment, ref_per_diem(full, 3.0) * 2);
    /* LOS 2 = GMLOS - 1: 3 is not below 3.0, full payment */
    price(292, 2, 3, &rates, NULL, &p);
    assert_int_equal(p.rule, FOLIO_DRG_XFER_PER_DIEM);
    assert_false(p.reduced);
    assert_int_equal(p.drg_payment, full);
    /* above it too, and for an acute transfer */
    price(292, 7, 2, &rates, NULL, &p);
    assert_false(p.reduced);
    assert_int_equal(p.drg_payment, full);
    /* DRG 291, GMLOS 3.8: LOS 3 gives 4 >= 3.8, full */
    price(291, 3, 3, &rates, NULL, &p);
    assert_false(p.reduced);
    assert_int_equal(p.drg_payment, ref_base(6000.00, 0.66, 1.05, 1.3).full);
    /* special pay DRG 470, GMLOS 2.4: LOS 2 gives 3 >= 2.4, full */
    price(470, 2, 6, &rates, NULL, &p);
    assert_false(p.reduced);
    assert_int_equal(p.drg_payment, ref_base(6000.00, 0.66, 1.05, 1.9).full);
}

static const struct folio_drg_outlier_params outlier40k = {300000.00, 0.25, 40397.00,
                                                           0.0,       0.80, 0.90};

static void outlier_on_and_off(void **state)
{
    struct folio_drg_payment p;
    struct folio_drg_outlier_params low = outlier40k;
    /* DRG 871, weight 1.95: full 12,086.10; threshold 12,086.10 + 40,397.00 = 52,483.10 */
    int64_t full = ref_base(6000.00, 0.66, 1.05, 1.95).full;
    int64_t threshold = full + c2(40397.00);

    (void)state;
    assert_int_equal(full, 1208610);
    /* charges 200,000.00 x 0.25 = 50,000.00: below the threshold, no outlier */
    low.charges = 200000.00;
    price(871, 6, 1, &rates, &low, &p);
    assert_true(p.outlier_priced);
    assert_int_equal(p.outlier.cost, c2(200000.00 * 0.25));
    assert_int_equal(p.outlier.threshold, threshold);
    assert_int_equal(p.outlier.excess, 0);
    assert_int_equal(p.outlier.payment, 0);
    assert_int_equal(p.total, full);
    /* charges 300,000.00: cost 75,000.00; 80% x 22,516.90 = 18,013.52 */
    price(871, 6, 1, &rates, &outlier40k, &p);
    assert_int_equal(p.outlier.cost, 7500000);
    assert_int_equal(p.outlier.excess, 7500000 - threshold);
    assert_int_equal(p.outlier.payment, c2(0.80 * (double)(7500000 - threshold) / 100.0));
    assert_int_equal(p.outlier.payment, 1801352);
    assert_false(p.outlier.burn);
    assert_int_equal(p.total, full + p.outlier.payment);
    /* other payments (IME, DSH) raise the threshold */
    low = outlier40k;
    low.other_payments = 1000.00;
    price(871, 6, 1, &rates, &low, &p);
    assert_int_equal(p.outlier.threshold, threshold + 100000);
    assert_int_equal(p.outlier.payment, c2(0.80 * (double)(7500000 - threshold - 100000) / 100.0));
    /* a cost exactly at the threshold is not an outlier */
    low = outlier40k;
    low.charges = (double)threshold / 100.0;
    low.ccr = 1.0;
    price(871, 6, 1, &rates, &low, &p);
    assert_int_equal(p.outlier.cost, threshold);
    assert_int_equal(p.outlier.payment, 0);
    /* nor a cent below it (the excess is never negative) */
    low.charges = (double)(threshold - 1) / 100.0;
    price(871, 6, 1, &rates, &low, &p);
    assert_int_equal(p.outlier.cost, threshold - 1);
    assert_int_equal(p.outlier.excess, 0);
    assert_int_equal(p.outlier.payment, 0);
    assert_int_equal(p.total, full);
}

static void outlier_burn_drg(void **state)
{
    struct folio_drg_payment p;
    struct folio_drg_outlier_params o = {1000000.00, 0.20, 40397.00, 0.0, 0.80, 0.90};
    /* DRG 927 (MDC 22), weight 16: full 99,168.00; cost 200,000.00; threshold 139,565.00;
     * 90% x 60,435.00 = 54,391.50 */
    int64_t full = ref_base(6000.00, 0.66, 1.05, 16.0).full;
    int64_t excess = c2(1000000.00 * 0.20) - (full + c2(40397.00));

    (void)state;
    price(927, 30, 1, &rates, &o, &p);
    assert_true(p.outlier.burn);
    assert_true(fabs(p.outlier.factor - 0.90) < 1e-12);
    assert_int_equal(p.outlier.excess, excess);
    assert_int_equal(p.outlier.payment, c2(0.90 * (double)excess / 100.0));
    assert_int_equal(p.outlier.payment, 5439150);
    assert_int_equal(p.total, full + 5439150);
    /* the same case on a non-burn DRG of equal weight would use 80%: check the factor switch
     * with the hook alone */
    {
        struct folio_drg_outlier_result r;
        struct folio_err err = {0};
        assert_int_equal(folio_drg_outlier(&o, full, 1, 1, false, &r, &err), FOLIO_OK);
        assert_int_equal(r.payment, c2(0.80 * (double)excess / 100.0));
        assert_int_equal(folio_drg_outlier(&o, full, 1, 1, true, &r, &err), FOLIO_OK);
        assert_int_equal(r.payment, 5439150);
    }
}

static void outlier_transfer_threshold(void **state)
{
    struct folio_drg_payment p;
    /* DRG 871 acute transfer, LOS 2, GMLOS 5.0: payment per diem x 3; threshold
     * (12,086.10 + 40,397.00) x 3 / 5 = 31,489.86 */
    int64_t full = ref_base(6000.00, 0.66, 1.05, 1.95).full;
    int64_t thr = c2((double)(full + c2(40397.00)) / 100.0 * 3.0 / 5.0);
    int64_t pd = ref_per_diem(full, 5.0);

    (void)state;
    assert_int_equal(thr, 3148986);
    price(871, 2, 2, &rates, &outlier40k, &p);
    assert_int_equal(p.drg_payment, pd * 3);
    assert_int_equal(p.outlier.threshold_full, full + c2(40397.00));
    assert_int_equal(p.outlier.threshold, thr);
    assert_int_equal(p.outlier.payment, c2(0.80 * (double)(7500000 - thr) / 100.0));
    assert_int_equal(p.total, pd * 3 + p.outlier.payment);

    /* special pay DRG 470, LOS 1, GMLOS 2.4: threshold x (50% + 50% x 2 / 2.4) */
    full = ref_base(6000.00, 0.66, 1.05, 1.9).full;
    thr = c2((double)(full + c2(40397.00)) / 100.0 * (0.5 + 0.5 * 2.0 / 2.4));
    price(470, 1, 6, &rates, &outlier40k, &p);
    assert_int_equal(p.outlier.threshold, thr);
    assert_int_equal(p.outlier.payment, c2(0.80 * (double)(7500000 - thr) / 100.0));
}

static void rounding_to_cents(void **state)
{
    struct folio_drg_payment p;
    struct folio_drg_rates r = {10.00, 0.66, 1.0};

    (void)state;
    /* DRG 065, weight 1.2345: 10.00 x 1.2345 = 12.345 exactly, half a cent: 12.35 (half away
     * from zero; a binary double gives 12.3449999... and would round to 12.34) */
    price(65, 5, 1, &r, NULL, &p);
    assert_int_equal(p.full, 1235);
    /* per diem 12.35 / GMLOS 10.0 = 1.235: 1.24; LOS 1 acute transfer: 2.48 */
    price(65, 1, 2, &r, NULL, &p);
    assert_int_equal(p.per_diem, 124);
    assert_int_equal(p.drg_payment, 248);
    /* labor portion 10.01 x 0.5 = 5.005: 5.01, non-labor the rest 5.00 */
    r.base_rate = 10.01;
    r.labor_share = 0.5;
    price(65, 5, 1, &r, NULL, &p);
    assert_int_equal(p.labor, 501);
    assert_int_equal(p.nonlabor, 500);
    /* wage-adjusted labor 5.01 x 1.5 = 7.515: 7.52 */
    r.wage_index = 1.5;
    price(65, 5, 1, &r, NULL, &p);
    assert_int_equal(p.labor_adjusted, 752);
    assert_int_equal(p.adjusted_base, 1252);
    /* and the outlier: 80% x 0.05 = 0.04; 80% x 0.15 = 0.12; 90% x 0.05 = 0.045 -> 0.05 */
    {
        struct folio_drg_outlier_params o = {100.05, 1.0, 0.0, 0.0, 0.80, 0.90};
        struct folio_drg_outlier_result res;
        struct folio_err err = {0};
        assert_int_equal(folio_drg_outlier(&o, 10000, 1, 1, false, &res, &err), FOLIO_OK);
        assert_int_equal(res.payment, 4);
        assert_int_equal(folio_drg_outlier(&o, 10000, 1, 1, true, &res, &err), FOLIO_OK);
        assert_int_equal(res.payment, 5);
    }
}

static void price_refusals(void **state)
{
    struct folio_drg_payment p;
    struct folio_err err;
    struct folio_drg_case c = {291, 3, 1, 20260115};
    struct folio_drg_rates r = rates;
    struct folio_drg_outlier_params o = outlier40k;

    (void)state;
    c.drg = 2;
    assert_int_equal(folio_drg_price(t26, &c, &rates, NULL, &p, &err), FOLIO_ENOTFOUND);
    assert_string_equal(err.field, "drg");
    c.drg = 291;
    c.discharge_date = 20250930;
    assert_int_equal(folio_drg_price(t26, &c, &rates, NULL, &p, &err), FOLIO_EINVAL);
    assert_string_equal(err.field, "discharge_date");
    c.discharge_date = 0; /* the first day of the table's period */
    assert_int_equal(folio_drg_price(t26, &c, &rates, NULL, &p, &err), FOLIO_OK);
    assert_int_equal(p.discharge_date, 20251001);
    c.los = -1;
    assert_int_equal(folio_drg_price(t26, &c, &rates, NULL, &p, &err), FOLIO_EINVAL);
    assert_string_equal(err.field, "los");
    c.los = 3;
    c.status = 0;
    assert_int_equal(folio_drg_price(t26, &c, &rates, NULL, &p, &err), FOLIO_EINVAL);
    assert_string_equal(err.field, "status");
    c.status = 1;
    r.base_rate = 0;
    assert_int_equal(folio_drg_price(t26, &c, &r, NULL, &p, &err), FOLIO_EINVAL);
    assert_string_equal(err.field, "base_rate");
    r = rates;
    r.labor_share = 1.5;
    assert_int_equal(folio_drg_price(t26, &c, &r, NULL, &p, &err), FOLIO_EINVAL);
    assert_string_equal(err.field, "labor_share");
    r = rates;
    r.wage_index = NAN;
    assert_int_equal(folio_drg_price(t26, &c, &r, NULL, &p, &err), FOLIO_EINVAL);
    assert_string_equal(err.field, "wage_index");
    o.ccr = 0;
    assert_int_equal(folio_drg_price(t26, &c, &rates, &o, &p, &err), FOLIO_EINVAL);
    assert_string_equal(err.field, "ccr");
    o = outlier40k;
    o.marginal = 1.2;
    assert_int_equal(folio_drg_price(t26, &c, &rates, &o, &p, &err), FOLIO_EINVAL);
    assert_string_equal(err.field, "marginal");
    o = outlier40k;
    o.charges = -5;
    assert_int_equal(folio_drg_price(t26, &c, &rates, &o, &p, &err), FOLIO_EINVAL);
    assert_string_equal(err.field, "charges");
}

static void explanation(void **state)
{
    struct folio_drg_payment p;
    struct folio_buf b;

    (void)state;
    folio_buf_init(&b, 0);
    price(470, 1, 6, &rates, &outlier40k, &p);
    assert_int_equal(folio_drg_payment_explain(&p, &b), FOLIO_OK);
    assert_non_null(strstr(b.data, "labor portion: 6,000.00 x 0.66 = 3,960.00\n"));
    assert_non_null(strstr(b.data, "wage-adjusted labor portion: 3,960.00 x wage index 1.0500 = "
                                   "4,158.00\n"));
    assert_non_null(strstr(b.data, "adjusted base rate: 4,158.00 + 2,040.00 = 6,198.00\n"));
    assert_non_null(strstr(b.data, "full DRG payment: weight 1.9000 x 6,198.00 = 11,776.20\n"));
    assert_non_null(strstr(b.data, "discharge status 06 on 2026-01-15: post-acute transfer"));
    assert_non_null(strstr(b.data, "per diem: 11,776.20 / GMLOS 2.4 = 4,906.75\n"));
    assert_non_null(strstr(b.data, "special pay amount: 50% x 11,776.20 + 50% x 9,813.50 = "
                                   "10,794.85\n"));
    assert_non_null(strstr(b.data, "DRG payment: 10,794.85\n"));
    assert_non_null(strstr(b.data, "prorated for the transfer"));
    assert_non_null(strstr(b.data, "total: "));
    folio_buf_release(&b);
}

static void cents_format(void **state)
{
    char s[32];

    (void)state;
    folio_drg_format_cents(0, s, sizeof s);
    assert_string_equal(s, "0.00");
    folio_drg_format_cents(5, s, sizeof s);
    assert_string_equal(s, "0.05");
    folio_drg_format_cents(-5, s, sizeof s);
    assert_string_equal(s, "-0.05");
    folio_drg_format_cents(99999, s, sizeof s);
    assert_string_equal(s, "999.99");
    folio_drg_format_cents(100000, s, sizeof s);
    assert_string_equal(s, "1,000.00");
    folio_drg_format_cents(123456789, s, sizeof s);
    assert_string_equal(s, "1,234,567.89");
    folio_drg_format_cents(-123456789, s, sizeof s);
    assert_string_equal(s, "-1,234,567.89");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(load_cms_text_file),
        cmocka_unit_test(load_excel_csv_export),
        cmocka_unit_test(load_missing_file),
        cmocka_unit_test(header_variants),
        cmocka_unit_test(fiscal_year_given_or_read),
        cmocka_unit_test(header_refusals),
        cmocka_unit_test(bad_rows),
        cmocka_unit_test(bad_file_structure),
        cmocka_unit_test(table_set_by_discharge_date),
        cmocka_unit_test(status_kinds),
        cmocka_unit_test(full_payment),
        cmocka_unit_test(acute_transfer),
        cmocka_unit_test(postacute_transfer),
        cmocka_unit_test(special_pay_drg),
        cmocka_unit_test(no_reduction_from_gmlos_minus_one),
        cmocka_unit_test(outlier_on_and_off),
        cmocka_unit_test(outlier_burn_drg),
        cmocka_unit_test(outlier_transfer_threshold),
        cmocka_unit_test(rounding_to_cents),
        cmocka_unit_test(price_refusals),
        cmocka_unit_test(explanation),
        cmocka_unit_test(cents_format),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
