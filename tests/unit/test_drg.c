/* The MS-DRG grouper on small hand-written tables (written to a temporary directory, so the test
 * needs nothing from ../shared): the formula parser, MDC assignment (sex-dependent MDCs, pre-MDC,
 * reroutes, unrelated O.R. procedures), CC exclusions and severity suppression, the discharge
 * status logic, procedure clusters and counters, HACs and POA, version periods, the loader's
 * refusals and the expected.tsv row. The real v43.1 tables are checked by
 * tests/integration/test_group_reference.sh. */
#include "folio/base.h"
#include "folio/drg.h"
#include "folio/edits.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drg/drg_int.h"

/* code valid mdc severity gender_mdcs dx_attributes dx_cat_attributes hac_attributes
 * pdx_exclusion_collection clinical_significance */
static const char dx_tsv[] =
    "code\tvalid\tmdc\tseverity\tgender_mdcs\tdx_attributes\tdx_cat_attributes\thac_attributes\t"
    "pdx_exclusion_collection\tclinical_significance\n"
    "I10\ttrue\t5\tNCC\t{}\t\tdxc0505\t\t\t\n"
    "I509\ttrue\t5\tCC\t{}\t\tdxc0505\t\tX2\t\n"
    "I2101\ttrue\t5\tMCC\t{}\tami\tdxc0505\t\tX1\t\n"
    "I469\ttrue\t5\tMCC\t{}\tmccalive\tdxc0505\t\t\t\n"
    "J189\ttrue\t4\tMCC\t{}\t\tdxc0403\t\t\t\n"
    "N400\ttrue\t12\tNCC\t{1=12, 2=13}\t\tdxc1201,dxc1301\t\t\t\n"
    "V0001XA\ttrue\t0\tNCC\t{}\tecode\t\t\t\t\n"
    "S0601XA\ttrue\t21\tMCC\t{}\tstrauma,sthead\tdxc2101\tHAC05\t\t\n"
    "S7200XA\ttrue\t8\tMCC\t{}\tstrauma,stlolimb\tdxc0801\tHAC05\tX3\t\n"
    "T80211A\ttrue\t5\tCC\t{}\t\tdxc0505\tHAC01\t\t\n"
    "T8141XA\ttrue\t18\tCC\t{}\t\tdxc1802\tHAC08\t\t\n"
    "Z3800\ttrue\t15\tNCC\t{}\tincident\tdxc1501\t\t\t\n"
    "Z0389\ttrue\t15\tNCC\t{}\tincident\tdxc1501\t\t\t\n"
    "Z9999\tfalse\t5\tNCC\t{}\t\tdxc0505\t\t\t\n";

/* the PDX's collection lists the secondary diagnoses it excludes */
static const char coll_tsv[] =
    "collection\tcount\tprincipal_dx_codes_that_exclude_this_secondary_as_cc_mcc\n"
    "X1\t1\tI509\n"
    "X2\t1\tI2101\n"
    "X3\t2\tS0601XA UNKNOWN\n";

static const char pr_tsv[] = "code\tpr_attributes\tcluster_ids\thac_operands\n"
                             "02H63JZ\tnonor,pacerepl\tZ@1\t\n"
                             "0JH604Z\tnonor,reppulgen\tZ@1\t\n"
                             "0DTJ0ZZ\td468\t\t\n"
                             "0DB60ZZ\td477\t\t\n"
                             "0QSJ0ZZ\td468,othproc\t\t\n"
                             "0SR9019\td468,replacex,righthip\t\t\n"
                             "0SRB019\td468,replacex,lefthip\t\t\n"
                             "02YA0Z0\ttxp,ornec\t\t\n"
                             "5A1221Z\tnonor\t\thac08_proc\n"
                             "02703DZ\tnonor,stent1,vessel1\t\t\n"
                             "0270356\tnonor,stent2,vessel1\t\t\n";

static const char formulas_tsv[] =
    "mdc\trank\tdrg\tbase_drg\tsurgical\tdrg_severity\treroute_mdc\tformula_collection\t"
    "severity_suppression\tformula\n"
    "0\t0\t0\t0\tNA\t0\t0\t0\t\tMDC00\n"
    "0\t1\t0\t0\tNA\t0\t0\t0\t\tSDX:mccalive & INVALID_DSTAT\n"
    "0\t2\t0\t0\tNA\t0\t0\t0\t\tINVALID_PDX\n"
    "0\t3\t0\t0\tNA\t0\t0\t0\t\tPDX_ECODE\n"
    "0\t4\t1\t1\tSURGICAL\t0\t0\t0\t\ttxp & MCC\n"
    "0\t5\t2\t1\tSURGICAL\t0\t0\t0\t\ttxp\n"
    "0\t6\t0\t0\tNA\t0\t24\t0\t\tPDX:strauma & MULTST\n"
    "0\t7\t0\t0\tNA\t0\t0\t0\t\tINVALID_SEX\n"
    "4\t1\t195\t195\tMEDICAL\t0\t0\t0\t\tPDX:dxc0403\n"
    "5\t1\t242\t242\tSURGICAL\t0\t0\t0\t\tMCC & pacemake\n"
    "5\t2\t243\t242\tSURGICAL\t0\t0\t0\t\tCC & pacemake\n"
    "5\t3\t244\t242\tSURGICAL\t0\t0\t0\t\tpacemake\n"
    "5\t4\t321\t321\tSURGICAL\t0\t0\t0\t\tstent1 & (MCC | FOUR_STENTS)\n"
    "5\t4\t0\t0\tNA\t0\t29\t0\t\t(d468 | d477)\n"
    "5\t5\t0\t0\tNA\t0\t0\t0\t\tMDC05\n"
    "5\t6\t0\t0\tNA\t0\t0\t0\t\tANY:ami & INVALID_DSTAT\n"
    "5\t7\t280\t280\tMEDICAL\t0\t0\t0\tami\tALIVE & MCC & ANY:ami\n"
    "5\t8\t282\t280\tMEDICAL\t0\t0\t0\tami\tALIVE & ANY:ami\n"
    "5\t9\t283\t283\tMEDICAL\t0\t0\t0\tami\tANY:ami\n"
    "5\t10\t291\t291\tMEDICAL\t0\t0\t0\t\tMCC & PDX:dxc0505\n"
    "5\t11\t292\t291\tMEDICAL\t0\t0\t0\t\tCC & PDX:dxc0505\n"
    "5\t12\t293\t291\tMEDICAL\t0\t0\t0\t\tPDX:dxc0505\n"
    "8\t1\t461\t461\tSURGICAL\t0\t0\t0\t\tBILATERAL\n"
    "8\t2\t469\t469\tSURGICAL\t0\t0\t0\t\treplacex\n"
    "8\t3\t0\t0\tNA\t0\t29\t0\t\t(d468 | d477)\n"
    "8\t3\t470\t470\tSURGICAL\t0\t0\t0\t\tothproc\n"
    "8\t4\t535\t535\tMEDICAL\t0\t0\t0\t\tPDX:dxc0801\n"
    "12\t1\t727\t727\tMEDICAL\t0\t0\t0\t\tPDX:dxc1201\n"
    "13\t1\t760\t760\tMEDICAL\t0\t0\t0\t\tPDX:dxc1301\n"
    "15\t1\t795\t795\tMEDICAL\t0\t0\t0\t\tONLY:incident\n"
    "15\t2\t794\t794\tMEDICAL\t0\t0\t0\t\tPDX:dxc1501\n"
    "18\t1\t862\t862\tMEDICAL\t0\t0\t0\t\tPDX:dxc1802\n"
    "21\t1\t913\t913\tMEDICAL\t0\t0\t0\t\tPDX:dxc2101\n"
    "24\t1\t963\t963\tMEDICAL\t0\t0\t0\t\tPDX:strauma & MCC\n"
    "24\t2\t965\t963\tMEDICAL\t0\t0\t0\t\tPDX:strauma & MULTST\n"
    "24\t3\t998\t998\tNA\t9\t0\t0\t\tPDX:dxc9999\n";

static const char hacs_tsv[] = "hac\tformula_collection\tformula\n"
                               "1\t0\tSDX:HAC01\n"
                               "5\t0\tSDX:HAC05\n"
                               "8\t0\tSDX:HAC08 & hac08_proc\n";

static const char titles_tsv[] = "kind\tnumber\tdescription\n"
                                 "MDC\t5\tCirculatory System\n"
                                 "DRG\t293\tHeart Failure without CC/MCC\n"
                                 "BASE_DRG\t291\tHeart Failure\n"
                                 "HAC\t1\tForeign Object Retained After Surgery\n";

static char dir[256];
static struct folio_drg_version *ver;

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

static const char *const suffixes[] = {"dx.tsv",           "pdx_exclusion_collections.tsv",
                                       "pr.tsv",           "drg_formulas.tsv",
                                       "hac_formulas.tsv", "titles.tsv"};

/* Writes the six tables as version vNNN (e.g. "431"), one of them replaced when which >= 0. */
static void write_tables(const char *d, const char *vnum, int which, const char *text)
{
    const char *texts[] = {dx_tsv, coll_tsv, pr_tsv, formulas_tsv, hacs_tsv, titles_tsv};
    char name[128];

    for (size_t i = 0; i < FOLIO_ARRAY_LEN(suffixes); i++) {
        assert_true(folio_snprintf(name, sizeof name, "msdrg_v%s_%s", vnum, suffixes[i]));
        write_file(d, name, (int)i == which ? text : texts[i]);
    }
}

static void remove_tables(const char *d)
{
    char path[512];
    static const char *const vnums[] = {"431", "430"};

    for (size_t v = 0; v < FOLIO_ARRAY_LEN(vnums); v++)
        for (size_t i = 0; i < FOLIO_ARRAY_LEN(suffixes); i++)
            if (folio_snprintf(path, sizeof path, "%s/msdrg_v%s_%s", d, vnums[v], suffixes[i]))
                (void)unlink(path);
    (void)rmdir(d);
}

static int setup(void **state)
{
    struct folio_err err = {0};
    (void)state;
    (void)folio_strlcpy(dir, "/tmp/folio-drg-XXXXXX", sizeof dir);
    if (mkdtemp(dir) == NULL)
        return -1;
    write_tables(dir, "431", -1, NULL);
    if (folio_drg_load(dir, &ver, &err) != FOLIO_OK) {
        fprintf(stderr, "load: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    folio_drg_free(ver);
    ver = NULL;
    remove_tables(dir);
    return 0;
}

static struct folio_claim claim;
static struct folio_drg_result res;

/* Groups a cases.tsv line; returns "mdc drg med_surg severity grc|usage|hacs|initial status". */
static const char *group(const char *line)
{
    static char out[4096];
    struct folio_err err = {0};
    const struct folio_drg_pass *f = &res.final;
    struct folio_buf u, h;

    if (folio_claim_parse_line(line, strlen(line), &claim, &err) != FOLIO_OK)
        fail_msg("parse: %s", err.msg);
    if (folio_drg_group(ver, &claim, &res, &err) != FOLIO_OK)
        fail_msg("group: %s", err.msg);
    folio_buf_init(&u, 0);
    folio_buf_init(&h, 0);
    assert_int_equal(folio_drg_format_usage(&res, false, &u), FOLIO_OK);
    assert_int_equal(folio_drg_format_hacs(&res, &h), FOLIO_OK);
    (void)folio_snprintf(
        out, sizeof out, "%u %u %s %s %s|%s|%s|%u %s", (unsigned)f->mdc, (unsigned)f->drg,
        folio_drg_med_surg_name((enum folio_drg_med_surg)f->med_surg),
        folio_drg_severity_name((enum folio_drg_severity)f->severity),
        folio_drg_grc_name((enum folio_drg_grc)f->grc), u.data, h.data, (unsigned)res.initial.drg,
        folio_drg_hac_status_name((enum folio_drg_hac_status)res.hac_status));
    folio_buf_release(&u);
    folio_buf_release(&h);
    return out;
}

/* ---- the formula language ---- */

static void test_formula_parser(void **state)
{
    struct drg_names dxn = {0}, prn = {0};
    struct drg_formula_ctx x = {&dxn, &prn, NULL, 0, 0, true};
    struct folio_err err = {0};
    uint32_t root;
    (void)state;

    assert_int_equal(drg_formula_compile(&x, "PDX:a & (b | ~SDX:c) & ANY:d | ONLY:e", &root, &err),
                     FOLIO_OK);
    assert_int_equal(x.nodes[root].op, DRG_OP_OR); /* & binds tighter than | */
    assert_int_equal(x.nodes[x.nodes[root].b].op, DRG_OP_ONLY);
    assert_int_not_equal(drg_names_find(&dxn, "c", 1), DRG_NO_ATTR);
    assert_int_not_equal(drg_names_find(&prn, "b", 1), DRG_NO_ATTR);
    assert_int_equal(drg_names_find(&prn, "a", 1), DRG_NO_ATTR); /* a is a diagnosis attribute */
    assert_int_equal(drg_formula_compile(&x, "MCC & INVALID_DSTAT | NORmvge96h", &root, &err),
                     FOLIO_OK);
    assert_true(drg_formula_uses(x.nodes, root, DRG_F_INVALID_DSTAT));
    assert_false(drg_formula_uses(x.nodes, root, DRG_F_CC));
    /* markers and bare numbers are names no table defines */
    assert_int_equal(drg_formula_compile(&x, "MDC05", &root, &err), FOLIO_OK);
    assert_int_equal(x.nodes[root].op, DRG_OP_FALSE);
    assert_int_equal(drg_formula_compile(&x, "5", &root, &err), FOLIO_OK);

    assert_int_equal(drg_formula_compile(&x, "(a & b", &root, &err), FOLIO_EPARSE);
    assert_non_null(strstr(err.msg, "')' expected at the end"));
    assert_int_equal(drg_formula_compile(&x, "a & ) b", &root, &err), FOLIO_EPARSE);
    assert_non_null(strstr(err.msg, "column 5"));
    assert_int_equal(drg_formula_compile(&x, "XYZ:a", &root, &err), FOLIO_EPARSE);
    assert_non_null(strstr(err.msg, "unknown prefix"));
    assert_int_equal(drg_formula_compile(&x, "a | FIVE_STENTS", &root, &err), FOLIO_EPARSE);
    assert_non_null(strstr(err.msg, "unknown function 'FIVE_STENTS' at column 5"));
    assert_int_equal(drg_formula_compile(&x, "", &root, &err), FOLIO_EPARSE);
    assert_int_equal(drg_formula_compile(&x, "a b", &root, &err), FOLIO_EPARSE);
    assert_int_equal(drg_formula_compile(&x, "~", &root, &err), FOLIO_EPARSE);
    {
        char deep[400];
        memset(deep, '(', 100);
        deep[100] = 'a';
        memset(deep + 101, ')', 100);
        deep[201] = '\0';
        assert_int_equal(drg_formula_compile(&x, deep, &root, &err), FOLIO_EPARSE);
        assert_non_null(strstr(err.msg, "nested too deeply"));
    }
    x.funcs_ok = false; /* HAC formulas */
    assert_int_equal(drg_formula_compile(&x, "SDX:HAC01 & MCC", &root, &err), FOLIO_EPARSE);
    free(x.nodes);
    for (size_t i = 0; i < dxn.n; i++)
        free(dxn.name[i]);
    for (size_t i = 0; i < prn.n; i++)
        free(prn.name[i]);
    free(dxn.name);
    free(dxn.slot);
    free(prn.name);
    free(prn.slot);
}

static void test_code_keys(void **state)
{
    (void)state;
    assert_int_not_equal(drg_code_key("I10", 3), 0);
    assert_true(drg_code_key("i10", 3) == drg_code_key("I10", 3));
    assert_int_equal(drg_code_key("I1.0", 4), 0);
    assert_int_equal(drg_code_key("", 0), 0);
    assert_int_equal(drg_code_key("ABCDEFGH", 8), 0);
    assert_true(drg_code_key("A1", 2) != drg_code_key("A10", 3));
}

/* ---- MDC assignment and the special rows ---- */

static void test_mdc_assignment(void **state)
{
    (void)state;
    assert_string_equal(group("c\t70\tM\t01\tI10\tY\t\t"),
                        "5 293 MEDICAL NON_CC OK|||293 NOT_APPLICABLE");
    assert_string_equal(group("c\t70\tM\t01\tJ189\tY\t\t"),
                        "4 195 MEDICAL NON_CC OK|||195 NOT_APPLICABLE");
    /* lowercase is valid; dotted, unknown, empty and not-valid codes are invalid */
    assert_string_equal(group("c\t70\tM\t01\ti10\tY\t\t"),
                        "5 293 MEDICAL NON_CC OK|||293 NOT_APPLICABLE");
    assert_string_equal(group("c\t70\tM\t01\tI1.0\tY\tI509:Y\t"),
                        "0 999 NA NONE INVALID_PDX|NEITHER||999 NOT_APPLICABLE");
    assert_string_equal(group("c\t70\tM\t01\t\tY\t\t"),
                        "0 999 NA NONE INVALID_PDX|||999 NOT_APPLICABLE");
    assert_string_equal(group("c\t70\tM\t01\tZ9999\tY\t\t"),
                        "0 999 NA NONE INVALID_PDX|||999 NOT_APPLICABLE");
    assert_string_equal(group("c\t70\tM\t01\tV0001XA\tY\t\t"),
                        "0 999 NA NONE DX_CANNOT_BE_PDX|||999 NOT_APPLICABLE");
    /* the MDC of N400 depends on sex; unknown sex makes the claim ungroupable */
    assert_string_equal(group("c\t70\tM\t01\tN400\tY\t\t"),
                        "12 727 MEDICAL NON_CC OK|||727 NOT_APPLICABLE");
    assert_string_equal(group("c\t70\tF\t01\tN400\tY\t\t"),
                        "13 760 MEDICAL NON_CC OK|||760 NOT_APPLICABLE");
    assert_string_equal(group("c\t70\tU\t01\tN400\tY\t\t"),
                        "0 999 NA NONE INVALID_SEX|||999 NOT_APPLICABLE");
    assert_string_equal(group("c\t70\tU\t01\tI10\tY\t\t"),
                        "5 293 MEDICAL NON_CC OK|||293 NOT_APPLICABLE");
    /* ONLY: the PDX and every valid SDX (an invalid code carries nothing) */
    assert_string_equal(group("c\t0\tM\t01\tZ3800\tY\t\t"),
                        "15 795 MEDICAL NON_CC OK|||795 NOT_APPLICABLE");
    assert_string_equal(group("c\t0\tM\t01\tZ3800\tY\tZ0389:Y\t"),
                        "15 795 MEDICAL NON_CC OK|NEITHER||795 NOT_APPLICABLE");
    assert_string_equal(group("c\t0\tM\t01\tZ3800\tY\tZ0389:Y,I10:Y\t"),
                        "15 794 MEDICAL NON_CC OK|NEITHER,NEITHER||794 NOT_APPLICABLE");
    assert_string_equal(group("c\t0\tM\t01\tZ3800\tY\tZ03.89:Y\t"),
                        "15 795 MEDICAL NON_CC OK|NEITHER||795 NOT_APPLICABLE");
    /* pre-MDC DRGs report the PDX's MDC, whatever the sex */
    assert_string_equal(group("c\t70\tM\t01\tI10\tY\tJ189:Y\t02YA0Z0"),
                        "5 1 SURGICAL MCC OK|MCC||1 NOT_APPLICABLE");
    assert_string_equal(group("c\t70\tU\t01\tN400\tY\t\t02YA0Z0"),
                        "12 2 SURGICAL NON_CC OK|||2 NOT_APPLICABLE");
    /* multiple significant trauma: reroute to MDC 24, which reports 24 */
    assert_string_equal(group("c\t30\tM\t01\tS0601XA\tY\t\t"),
                        "21 913 MEDICAL NON_CC OK|||913 NOT_APPLICABLE");
    assert_string_equal(group("c\t30\tM\t01\tS0601XA\tY\tS7200XA:Y\t"),
                        "24 963 MEDICAL MCC OK|MCC||963 NOT_APPLICABLE");
    /* ... where S7200XA as PDX excludes S0601XA */
    assert_string_equal(group("c\t30\tM\t01\tS7200XA\tY\tS0601XA:Y\t"),
                        "24 965 MEDICAL NON_CC OK|MCC_EXCLUDED||965 NOT_APPLICABLE");
}

static void test_procedures(void **state)
{
    (void)state;
    /* unrelated O.R. procedures: extensive (d468) before non-extensive (d477) */
    assert_string_equal(group("c\t70\tM\t01\tI10\tY\t\t0DTJ0ZZ"),
                        "5 983 SURGICAL NON_CC OK|||983 NOT_APPLICABLE");
    assert_string_equal(group("c\t70\tM\t01\tI10\tY\tI509:Y\t0DB60ZZ"),
                        "5 988 SURGICAL CC OK|CC||988 NOT_APPLICABLE");
    assert_string_equal(group("c\t70\tM\t01\tI10\tY\tJ189:Y\t0DB60ZZ,0DTJ0ZZ"),
                        "5 981 SURGICAL MCC OK|MCC||981 NOT_APPLICABLE");
    /* unknown procedures count for nothing; lowercase is valid */
    assert_string_equal(group("c\t70\tM\t01\tI10\tY\t\t0XXXXXX,0dtj0zz"),
                        "5 983 SURGICAL NON_CC OK|||983 NOT_APPLICABLE");
    /* a cluster (pacemaker lead + generator, both non-O.R.) confers "pacemake" when complete */
    assert_string_equal(group("c\t70\tM\t01\tI10\tY\t\t02H63JZ,0JH604Z"),
                        "5 244 SURGICAL NON_CC OK|||244 NOT_APPLICABLE");
    assert_string_equal(group("c\t70\tM\t01\tI10\tY\tI509:Y\t0JH604Z,02H63JZ"),
                        "5 243 SURGICAL CC OK|CC||243 NOT_APPLICABLE");
    assert_string_equal(group("c\t70\tM\t01\tI10\tY\t\t02H63JZ"),
                        "5 293 MEDICAL NON_CC OK|||293 NOT_APPLICABLE");
    /* stents are counted over the procedures as listed (a code twice counts twice) */
    assert_string_equal(group("c\t70\tM\t01\tI10\tY\t\t02703DZ,0270356"),
                        "5 293 MEDICAL NON_CC OK|||293 NOT_APPLICABLE");
    assert_string_equal(group("c\t70\tM\t01\tI10\tY\t\t02703DZ,0270356,02703DZ"),
                        "5 321 SURGICAL NON_CC OK|||321 NOT_APPLICABLE");
    /* two different joints: bilateral; the same joint twice is not */
    assert_string_equal(group("c\t70\tM\t01\tS7200XA\tY\t\t0SR9019,0SRB019"),
                        "8 461 SURGICAL NON_CC OK|||461 NOT_APPLICABLE");
    assert_string_equal(group("c\t70\tM\t01\tS7200XA\tY\t\t0SR9019,0SR9019"),
                        "8 469 SURGICAL NON_CC OK|||469 NOT_APPLICABLE");
    /* a surgical class sharing its rank with the unrelated O.R. check comes first */
    assert_string_equal(group("c\t70\tM\t01\tS7200XA\tY\t\t0QSJ0ZZ"),
                        "8 470 SURGICAL NON_CC OK|||470 NOT_APPLICABLE");
    assert_string_equal(group("c\t70\tM\t01\tS7200XA\tY\t\t0DTJ0ZZ"),
                        "8 983 SURGICAL NON_CC OK|||983 NOT_APPLICABLE");
}

static void test_severity(void **state)
{
    size_t pos[4];
    (void)state;
    assert_string_equal(group("c\t70\tM\t01\tI10\tY\tI509:Y\t"),
                        "5 292 MEDICAL CC OK|CC||292 NOT_APPLICABLE");
    assert_int_equal(folio_drg_drivers(&res, pos, 4), 1);
    assert_int_equal(pos[0], 0);
    assert_string_equal(group("c\t70\tM\t01\tI10\tY\tI509:Y,J189:Y,I509:N\t"),
                        "5 291 MEDICAL MCC OK|CC,MCC,CC||291 NOT_APPLICABLE");
    assert_int_equal(folio_drg_drivers(&res, pos, 4), 1);
    assert_int_equal(pos[0], 1);
    /* the PDX's collection excludes the SDX; an SDX repeating the PDX is excluded too */
    assert_string_equal(group("c\t70\tM\t01\tI2101\tY\tI509:Y\t"),
                        "5 282 MEDICAL NON_CC OK|CC_EXCLUDED||282 NOT_APPLICABLE");
    assert_int_equal(folio_drg_drivers(&res, pos, 4), 0);
    assert_string_equal(group("c\t70\tM\t01\tI509\tY\tI509:Y,I10:Y\t"),
                        "5 293 MEDICAL NON_CC OK|CC_EXCLUDED,NEITHER||293 NOT_APPLICABLE");
    /* the exclusion runs from the PDX's collection only: I509 as SDX of I2101 is excluded, I2101
     * as SDX of I509 too (X2), but J189 is excluded by neither */
    assert_string_equal(group("c\t70\tM\t01\tI509\tY\tI2101:Y,J189:Y\t"),
                        "5 280 MEDICAL MCC OK|MCC_EXCLUDED,MCC||280 NOT_APPLICABLE");
    /* severity suppression: the AMI code does not make the AMI DRG "with MCC" */
    assert_string_equal(group("c\t70\tM\t01\tI10\tY\tI2101:Y\t"),
                        "5 282 MEDICAL NON_CC OK|MCC_EXCLUDED_BY_DRG_LOGIC||282 NOT_APPLICABLE");
    /* invalid SDX codes count for nothing */
    assert_string_equal(group("c\t70\tM\t01\tI10\tY\tI5.09:Y,XXXX:Y\t"),
                        "5 293 MEDICAL NON_CC OK|NEITHER,NEITHER||293 NOT_APPLICABLE");
}

static void test_discharge_status(void **state)
{
    (void)state;
    /* the AMI DRGs read the status: alive 280-282, died 283-285, invalid 999 */
    assert_string_equal(group("c\t70\tM\t01\tI2101\tY\t\t"),
                        "5 282 MEDICAL NON_CC OK|||282 NOT_APPLICABLE");
    assert_string_equal(group("c\t70\tM\t20\tI2101\tY\t\t"),
                        "5 283 MEDICAL NON_CC OK|||283 NOT_APPLICABLE");
    assert_string_equal(group("c\t70\tM\t99\tI2101\tY\t\t"),
                        "0 999 NA NONE INVALID_DISCHARGE_STATUS|||999 NOT_APPLICABLE");
    assert_string_equal(group("c\t70\tM\t00\tI2101\tY\t\t"),
                        "0 999 NA NONE INVALID_DISCHARGE_STATUS|||999 NOT_APPLICABLE");
    /* elsewhere an invalid status is ignored */
    assert_string_equal(group("c\t70\tM\t99\tI10\tY\t\t"),
                        "5 293 MEDICAL NON_CC OK|||293 NOT_APPLICABLE");
    /* "MCC only if alive" */
    assert_string_equal(group("c\t70\tM\t01\tI10\tY\tI469:Y\t"),
                        "5 291 MEDICAL MCC OK|MCC||291 NOT_APPLICABLE");
    assert_string_equal(group("c\t70\tM\t20\tI10\tY\tI469:Y\t"),
                        "5 293 MEDICAL NON_CC OK|NEITHER||293 NOT_APPLICABLE");
    assert_string_equal(group("c\t70\tM\t44\tI10\tY\tI469:Y\t"),
                        "0 999 NA NONE INVALID_DISCHARGE_STATUS|NEITHER||999 NOT_APPLICABLE");
}

/* ---- HACs ---- */

static void test_hacs(void **state)
{
    (void)state;
    /* POA N or U: the HAC SDX loses its CC in the final DRG */
    assert_string_equal(
        group("c\t70\tM\t01\tI10\tY\tT80211A:N\t"),
        "5 293 MEDICAL NON_CC OK|NEITHER|1:HAC01:HAC_CRITERIA_MET|292 FINAL_DRG_CHANGES");
    assert_int_equal(res.initial.usage[0], FOLIO_DRG_USE_CC);
    assert_string_equal(
        group("c\t70\tM\t01\tI10\tY\tT80211A:U,J189:Y\t"),
        "5 291 MEDICAL MCC OK|NEITHER,MCC|1:HAC01:HAC_CRITERIA_MET|291 FINAL_DRG_NO_CHANGE");
    /* POA Y or W: not a HAC */
    assert_string_equal(group("c\t70\tM\t01\tI10\tY\tT80211A:Y\t"),
                        "5 292 MEDICAL CC OK|CC||292 NOT_APPLICABLE");
    assert_string_equal(group("c\t70\tM\t01\tI10\tY\tT80211A:W\t"),
                        "5 292 MEDICAL CC OK|CC||292 NOT_APPLICABLE");
    /* POA 1 or blank: ungroupable */
    assert_string_equal(group("c\t70\tM\t01\tI10\tY\tT80211A:1\t"),
                        "0 999 NA NONE HAC_MISSING_ONE_POA|NEITHER|1:HAC01:HAC_CRITERIA_MET|292 "
                        "FINAL_DRG_UNGROUPABLE");
    assert_string_equal(group("c\t70\tM\t01\tI10\tY\tI509:Y,T80211A:\t"),
                        "0 999 NA NONE HAC_MISSING_ONE_POA|CC,NEITHER|2:HAC01:HAC_CRITERIA_MET|292 "
                        "FINAL_DRG_UNGROUPABLE");
    /* a procedure-dependent HAC needs its procedure */
    assert_string_equal(group("c\t70\tM\t01\tI10\tY\tT8141XA:N\t"),
                        "5 292 MEDICAL CC OK|CC||292 NOT_APPLICABLE");
    assert_string_equal(group("c\t70\tM\t01\tI10\tY\tT8141XA:1\t"),
                        "5 292 MEDICAL CC OK|CC||292 NOT_APPLICABLE");
    assert_string_equal(
        group("c\t70\tM\t01\tI10\tY\tT8141XA:N\t5A1221Z"),
        "5 293 MEDICAL NON_CC OK|NEITHER|1:HAC08:HAC_CRITERIA_MET|292 FINAL_DRG_CHANGES");
    /* once a HAC applies, every SDX of a HAC list needs a usable POA */
    assert_string_equal(group("c\t70\tM\t01\tI10\tY\tT80211A:N,T8141XA:1\t"),
                        "0 999 NA NONE HAC_MISSING_ONE_POA|NEITHER,CC|1:HAC01:HAC_CRITERIA_MET|292 "
                        "FINAL_DRG_UNGROUPABLE");
    /* the PDX excludes the HAC SDX: not applicable, and no missing-POA ungrouping */
    assert_string_equal(
        group("c\t30\tM\t01\tS7200XA\tY\tS0601XA:N\t"),
        "24 965 MEDICAL NON_CC OK|MCC_EXCLUDED|1:HAC05:HAC_NOT_APPLICABLE_EXCLUSION|965 "
        "NOT_APPLICABLE");
    assert_string_equal(
        group("c\t30\tM\t01\tS7200XA\tY\tS0601XA:1\t"),
        "24 965 MEDICAL NON_CC OK|MCC_EXCLUDED|1:HAC05:HAC_NOT_APPLICABLE_EXCLUSION|965 "
        "NOT_APPLICABLE");
    /* an error of the PDX comes first: no HAC at all */
    assert_string_equal(group("c\t70\tM\t01\tXXX\tY\tT80211A:1\t"),
                        "0 999 NA NONE INVALID_PDX|NEITHER||999 NOT_APPLICABLE");
}

/* ---- versions, output, loader ---- */

static void test_versions(void **state)
{
    struct folio_drg_version_info info;
    struct folio_drg_version *v430 = NULL, *again = NULL;
    struct folio_drg_set *set = NULL;
    struct folio_err err = {0};
    char d2[256];
    (void)state;

    folio_drg_version_info(ver, &info);
    assert_string_equal(info.name, "43.1");
    assert_int_equal(info.from, 20260401);
    assert_int_equal(info.to, 20260930);
    assert_int_equal(info.ndx, 13); /* Z9999 is not valid */
    assert_int_equal(info.nclusters, 1);
    assert_int_equal(info.nclusters_named, 1);
    assert_string_equal(folio_drg_title(ver, 293), "Heart Failure without CC/MCC");
    assert_string_equal(folio_drg_title(ver, 291), "");
    assert_string_equal(folio_drg_mdc_title(ver, 5), "Circulatory System");
    assert_string_equal(folio_drg_hac_title(ver, 1), "Foreign Object Retained After Surgery");
    assert_string_equal(folio_drg_title(ver, 5000), "");
    (void)group("c\t70\tM\t01\tI10\tY\t\t");
    assert_string_equal(folio_drg_formula_text(ver, res.final.formula), "PDX:dxc0505");
    assert_null(folio_drg_formula_text(ver, -1));

    (void)folio_strlcpy(d2, "/tmp/folio-drg-XXXXXX", sizeof d2);
    assert_non_null(mkdtemp(d2));
    write_tables(d2, "430", -1, NULL);
    assert_int_equal(folio_drg_load(d2, &v430, &err), FOLIO_OK);
    folio_drg_version_info(v430, &info);
    assert_string_equal(info.name, "43.0");
    assert_int_equal(info.from, 20251001);
    assert_int_equal(info.to, 20260930);
    assert_int_equal(folio_drg_set_new(&set, &err), FOLIO_OK);
    assert_int_equal(folio_drg_set_add(set, v430, &err), FOLIO_OK);
    assert_int_equal(folio_drg_load(dir, &again, &err), FOLIO_OK);
    assert_int_equal(folio_drg_set_add(set, again, &err), FOLIO_OK);
    assert_ptr_equal(folio_drg_set_pick(set, 20251231), v430);
    assert_ptr_equal(folio_drg_set_pick(set, 20260401), again);
    assert_ptr_equal(folio_drg_set_pick(set, 20260930), again);
    assert_null(folio_drg_set_pick(set, 20261001));
    assert_null(folio_drg_set_pick(set, 20250930));
    /* a second version with the same start is refused (and freed) */
    again = NULL;
    assert_int_equal(folio_drg_load(dir, &again, &err), FOLIO_OK);
    assert_int_equal(folio_drg_set_add(set, again, &err), FOLIO_ECONFLICT);
    folio_drg_set_free(set);
    remove_tables(d2);
}

static void test_format_row(void **state)
{
    static struct folio_mce_result m;
    struct folio_buf b;
    (void)state;

    folio_buf_init(&b, 0);
    (void)group("c9\t70\tM\t01\tI10\tY\tT80211A:N,I509:Y\t");
    assert_int_equal(folio_drg_format_row(&claim, &res, NULL, &b), FOLIO_OK);
    assert_string_equal(b.data,
                        "c9\t5\t292\tMEDICAL\tCC\tOK\tNEITHER,CC\t1:HAC01:HAC_CRITERIA_MET\t\t"
                        "292\tFINAL_DRG_NO_CHANGE\t\t\tCC,CC");
    folio_buf_reset(&b);
    memset(&m, 0, sizeof m);
    m.edits = (uint64_t)1 << FOLIO_MCE_INVALID_CODE;
    m.type = FOLIO_MCE_TYPE_PREPAYMENT;
    m.n = 1;
    m.items[0] = (struct folio_mce_code_edit){FOLIO_MCE_AT_SDX, FOLIO_MCE_INVALID_CODE, 2};
    assert_int_equal(folio_drg_format_row(&claim, &res, &m, &b), FOLIO_OK);
    assert_string_equal(b.data,
                        "c9\t5\t292\tMEDICAL\tCC\tOK\tNEITHER,CC\t1:HAC01:HAC_CRITERIA_MET\t"
                        "INVALID_CODE\t292\tFINAL_DRG_NO_CHANGE\tPREPAYMENT\t"
                        "SDX2:INVALID_CODE\tCC,CC");
    /* the header names the same fourteen columns */
    assert_int_equal(strlen(FOLIO_DRG_TSV_HEADER) > 0, 1);
    {
        size_t tabs = 0;
        for (const char *p = FOLIO_DRG_TSV_HEADER; *p; p++)
            tabs += *p == '\t';
        assert_int_equal(tabs, 13);
    }
    folio_buf_release(&b);
}

/* Loading dir with table `which` replaced by text must fail with rc and a message containing
 * `needle`. */
static void refused(int which, const char *text, enum folio_rc rc, const char *needle)
{
    struct folio_drg_version *v = NULL;
    struct folio_err err = {0};
    char d[256];

    (void)folio_strlcpy(d, "/tmp/folio-drg-XXXXXX", sizeof d);
    assert_non_null(mkdtemp(d));
    write_tables(d, "431", which, text);
    assert_int_equal(folio_drg_load(d, &v, &err), rc);
    assert_null(v);
    if (strstr(err.msg, needle) == NULL)
        fail_msg("expected '%s' in '%s'", needle, err.msg);
    remove_tables(d);
}

static void test_loader_refusals(void **state)
{
    struct folio_drg_version *v = NULL;
    struct folio_err err = {0};
    char d[256];
    (void)state;

    refused(0, "code\tvalid\n", FOLIO_EPARSE, "msdrg_v431_dx.tsv:1: unexpected header");
    refused(0,
            "code\tvalid\tmdc\tseverity\tgender_mdcs\tdx_attributes\tdx_cat_attributes\t"
            "hac_attributes\tpdx_exclusion_collection\tclinical_significance\n"
            "I10\ttrue\t5\tBIG\t{}\t\t\t\t\t\n",
            FOLIO_EPARSE, "msdrg_v431_dx.tsv:2: severity: bad value 'BIG'");
    refused(0,
            "code\tvalid\tmdc\tseverity\tgender_mdcs\tdx_attributes\tdx_cat_attributes\t"
            "hac_attributes\tpdx_exclusion_collection\tclinical_significance\n"
            "I10\ttrue\t5\tNCC\t{}\t\t\t\tX9\t\n",
            FOLIO_EPARSE, "msdrg_v431_dx.tsv:2: unknown collection 'X9'");
    refused(0,
            "code\tvalid\tmdc\tseverity\tgender_mdcs\tdx_attributes\tdx_cat_attributes\t"
            "hac_attributes\tpdx_exclusion_collection\tclinical_significance\n"
            "I1.0\ttrue\t5\tNCC\t{}\t\t\t\t\t\n",
            FOLIO_EPARSE, "msdrg_v431_dx.tsv:2: code: bad value 'I1.0'");
    refused(0,
            "code\tvalid\tmdc\tseverity\tgender_mdcs\tdx_attributes\tdx_cat_attributes\t"
            "hac_attributes\tpdx_exclusion_collection\tclinical_significance\n"
            "I10\ttrue\t5\tNCC\t{3=1}\t\t\t\t\t\n",
            FOLIO_EPARSE, "gender_mdcs: bad value");
    refused(
        1,
        "collection\tcount\tprincipal_dx_codes_that_exclude_this_secondary_as_cc_mcc\nX1\t2\tI10\n",
        FOLIO_EPARSE, "msdrg_v431_pdx_exclusion_collections.tsv:2: count 2 but 1 codes");
    refused(2, "code\tpr_attributes\tcluster_ids\thac_operands\n02H63JZ\tnonor\t\t\n0JH604Z\tnonor",
            FOLIO_EPARSE, "msdrg_v431_pr.tsv:3: truncated file");
    refused(3,
            "mdc\trank\tdrg\tbase_drg\tsurgical\tdrg_severity\treroute_mdc\tformula_collection\t"
            "severity_suppression\tformula\n"
            "5\t1\t291\t291\tMEDICAL\t0\t0\t0\t\tMCC & (PDX:dxc0505\n",
            FOLIO_EPARSE, "msdrg_v431_drg_formulas.tsv:2: formula: ')' expected at the end");
    refused(3,
            "mdc\trank\tdrg\tbase_drg\tsurgical\tdrg_severity\treroute_mdc\tformula_collection\t"
            "severity_suppression\tformula\n"
            "5\t1\t291\t291\tMEDICAL\t0\t0\t0\t\tMCC & NEWFUNC\n",
            FOLIO_EPARSE,
            "msdrg_v431_drg_formulas.tsv:2: formula: unknown function 'NEWFUNC' at column 7");
    refused(3,
            "mdc\trank\tdrg\tbase_drg\tsurgical\tdrg_severity\treroute_mdc\tformula_collection\t"
            "severity_suppression\tformula\n"
            "5\t1\t291\t291\tBOTH\t0\t0\t0\t\tMCC\n",
            FOLIO_EPARSE, "msdrg_v431_drg_formulas.tsv:2: surgical: bad value 'BOTH'");
    refused(3,
            "mdc\trank\tdrg\tbase_drg\tsurgical\tdrg_severity\treroute_mdc\tformula_collection\t"
            "severity_suppression\tformula\n"
            "5\t1\t291\t291\tMEDICAL\t0\t0\t0\t\tMCC\t\n",
            FOLIO_EPARSE, "msdrg_v431_drg_formulas.tsv:2: more than 10 columns");
    refused(4, "hac\tformula_collection\tformula\n1\t0\tSDX:HAC01 & CC\n", FOLIO_EPARSE,
            "msdrg_v431_hac_formulas.tsv:2: formula: function not allowed here at column 13");

    /* a missing table names its path; an empty directory says what it looked for */
    (void)folio_strlcpy(d, "/tmp/folio-drg-XXXXXX", sizeof d);
    assert_non_null(mkdtemp(d));
    assert_int_equal(folio_drg_load(d, &v, &err), FOLIO_ENOTFOUND);
    assert_non_null(strstr(err.msg, "msdrg_vNNN_dx.tsv missing"));
    write_tables(d, "431", -1, NULL);
    {
        char path[512];
        assert_true(folio_snprintf(path, sizeof path, "%s/msdrg_v431_titles.tsv", d));
        assert_int_equal(unlink(path), 0);
    }
    assert_int_equal(folio_drg_load(d, &v, &err), FOLIO_ENOTFOUND);
    assert_non_null(strstr(err.msg, "msdrg_v431_titles.tsv"));
    assert_null(v);
    remove_tables(d);
    assert_int_equal(folio_drg_load("/nonexistent/folio-drg", &v, &err), FOLIO_ENOTFOUND);
}

static void test_bounds(void **state)
{
    struct folio_err err = {0};
    (void)state;
    (void)group("c\t70\tM\t01\tI10\tY\t\t");
    claim.nsdx = FOLIO_CLAIM_MAX_CODES + 1;
    assert_int_equal(folio_drg_group(ver, &claim, &res, &err), FOLIO_EINVAL);
    claim.nsdx = 0;
    claim.npr = FOLIO_CLAIM_MAX_CODES + 1;
    assert_int_equal(folio_drg_group(ver, &claim, &res, &err), FOLIO_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formula_parser), cmocka_unit_test(test_code_keys),
        cmocka_unit_test(test_mdc_assignment), cmocka_unit_test(test_procedures),
        cmocka_unit_test(test_severity),       cmocka_unit_test(test_discharge_status),
        cmocka_unit_test(test_hacs),           cmocka_unit_test(test_versions),
        cmocka_unit_test(test_format_row),     cmocka_unit_test(test_loader_refusals),
        cmocka_unit_test(test_bounds),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
