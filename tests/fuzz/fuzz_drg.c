/* libFuzzer target: claim lines -> claim parser -> MCE -> grouper. Whatever the input, nothing
 * crashes, leaks or reads out of bounds, and every result respects its ranges: DRG 1-999, 999
 * with MDC 0 and a return code, severities and usages in range, one usage per SDX, HAC findings
 * pointing at real SDX, a deterministic regrouping, a what-if without the first SDX, and an
 * expected.tsv row of fourteen columns.
 *
 * Tables: the v43.1 grouper and MCE tables from ../shared/data/codesets (or
 * $FOLIO_SHARED/data/codesets) when present, else small built-in grouper tables written to a
 * temporary directory (so the target runs anywhere; the MCE step is then skipped).
 * Each line of the input is one claim (folio_claim_parse_line: the columns of cases.tsv in their
 * order); the stream reader itself is fuzzed by fuzz_claim.c. */
#include "folio/base.h"
#include "folio/drg.h"
#include "folio/edits.h"

#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const mini_names[] = {"dx.tsv",           "pdx_exclusion_collections.tsv",
                                         "pr.tsv",           "drg_formulas.tsv",
                                         "hac_formulas.tsv", "titles.tsv"};
static const char *const mini_texts[] = {
    ("code\tvalid\tmdc\tseverity\tgender_mdcs\tdx_attributes\tdx_cat_attributes\thac_attributes\t"
     "pdx_exclusion_collection\tclinical_significance\n"
     "I10\ttrue\t5\tNCC\t{}\t\tdxc0505\t\t\t\n"
     "I509\ttrue\t5\tCC\t{}\t\tdxc0505\t\tX2\t\n"
     "I2101\ttrue\t5\tMCC\t{}\tami\tdxc0505\t\tX1\t\n"
     "I469\ttrue\t5\tMCC\t{}\tmccalive\tdxc0505\t\t\t\n"
     "N400\ttrue\t12\tNCC\t{1=12, 2=13}\t\tdxc1201,dxc1301\t\t\t\n"
     "V0001XA\ttrue\t0\tNCC\t{}\tecode\t\t\t\t\n"
     "S0601XA\ttrue\t21\tMCC\t{}\tstrauma,sthead\tdxc2101\tHAC05\t\t\n"
     "S7200XA\ttrue\t8\tMCC\t{}\tstrauma,stlolimb\tdxc0801\tHAC05\tX1\t\n"
     "T80211A\ttrue\t5\tCC\t{}\t\tdxc0505\tHAC01\t\t\n"),
    ("collection\tcount\tprincipal_dx_codes_that_exclude_this_secondary_as_cc_mcc\n"
     "X1\t2\tI509 S0601XA\n"
     "X2\t1\tI2101\n"),
    ("code\tpr_attributes\tcluster_ids\thac_operands\n"
     "02H63JZ\tnonor,pacerepl\tZ@1\t\n"
     "0JH604Z\tnonor,reppulgen\tZ@1\t\n"
     "0DTJ0ZZ\td468\t\t\n"
     "0DB60ZZ\td477\t\t\n"
     "0SR9019\td468,replacex,righthip,sglantfuse\t\t\n"
     "0SRB019\td468,replacex,lefthip,sglpostfuse\t\t\n"
     "02703DZ\tnonor,stent1,vessel1\t\t\n"),
    ("mdc\trank\tdrg\tbase_drg\tsurgical\tdrg_severity\treroute_mdc\tformula_collection\t"
     "severity_suppression\tformula\n"
     "0\t1\t0\t0\tNA\t0\t0\t0\t\tSDX:mccalive & INVALID_DSTAT\n"
     "0\t2\t0\t0\tNA\t0\t0\t0\t\tINVALID_PDX\n"
     "0\t3\t0\t0\tNA\t0\t0\t0\t\tPDX_ECODE\n"
     "0\t6\t0\t0\tNA\t0\t24\t0\t\tPDX:strauma & MULTST\n"
     "0\t7\t0\t0\tNA\t0\t0\t0\t\tINVALID_SEX\n"
     "5\t1\t242\t242\tSURGICAL\t0\t0\t0\t\tMCC & pacemake\n"
     "5\t3\t244\t242\tSURGICAL\t0\t0\t0\t\tpacemake | SINGLEFUSIONCTR | SGLANTCTR\n"
     "5\t4\t321\t321\tSURGICAL\t0\t0\t0\t\tstent1 & (MCC | FOUR_STENTS | FOUR_VESSELS)\n"
     "5\t4\t0\t0\tNA\t0\t29\t0\t\t(d468 | d477)\n"
     "5\t6\t0\t0\tNA\t0\t0\t0\t\tANY:ami & INVALID_DSTAT\n"
     "5\t7\t280\t280\tMEDICAL\t0\t0\t0\tami\tALIVE & MCC & ANY:ami\n"
     "5\t9\t283\t283\tMEDICAL\t0\t0\t0\tami\tANY:ami | (DIED & XFRNBA) | AMA\n"
     "5\t10\t291\t291\tMEDICAL\t0\t0\t0\t\tMCC & PDX:dxc0505\n"
     "5\t11\t292\t291\tMEDICAL\t0\t0\t0\t\tCC & PDX:dxc0505\n"
     "5\t12\t293\t291\tMEDICAL\t0\t0\t0\t\tPDX:dxc0505 & ~ONLY:dxc9999\n"
     "8\t1\t461\t461\tSURGICAL\t0\t0\t0\t\tBILATERAL\n"
     "8\t3\t0\t0\tNA\t0\t29\t0\t\t(d468 | d477)\n"
     "8\t4\t535\t535\tMEDICAL\t0\t0\t0\t\tPDX:dxc0801\n"
     "12\t1\t727\t727\tMEDICAL\t0\t0\t0\t\tPDX:dxc1201\n"
     "13\t1\t760\t760\tMEDICAL\t0\t0\t0\t\tPDX:dxc1301\n"
     "21\t1\t913\t913\tMEDICAL\t0\t0\t0\t\tPDX:dxc2101\n"
     "24\t1\t963\t963\tMEDICAL\t0\t0\t0\t\tPDX:strauma & MCC\n"
     "24\t2\t998\t998\tNA\t9\t0\t0\t\tSDX:sthead\n"),
    ("hac\tformula_collection\tformula\n"
     "1\t0\tSDX:HAC01\n"
     "5\t0\tSDX:HAC05\n"),
    ("kind\tnumber\tdescription\n"
     "DRG\t293\tHeart Failure without CC/MCC\n"),
};

static struct folio_drg_version *ver;
static struct folio_mce *mce;
static char tmpdir[256];

static void cleanup(void)
{
    char path[512];

    folio_drg_free(ver);
    folio_mce_free(mce);
    if (tmpdir[0] == '\0')
        return;
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(mini_names); i++)
        if (folio_snprintf(path, sizeof path, "%s/msdrg_v431_%s", tmpdir, mini_names[i]))
            (void)unlink(path);
    (void)rmdir(tmpdir);
}

static bool write_mini(void)
{
    char path[512];

    (void)folio_strlcpy(tmpdir, "/tmp/folio-fuzz-drg-XXXXXX", sizeof tmpdir);
    if (mkdtemp(tmpdir) == NULL) {
        tmpdir[0] = '\0';
        return false;
    }
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(mini_names); i++) {
        FILE *f;
        size_t n = strlen(mini_texts[i]);
        if (!folio_snprintf(path, sizeof path, "%s/msdrg_v431_%s", tmpdir, mini_names[i]))
            return false;
        f = fopen(path, "wb");
        if (f == NULL)
            return false;
        if (fwrite(mini_texts[i], 1, n, f) != n) {
            fclose(f);
            return false;
        }
        if (fclose(f) != 0)
            return false;
    }
    return true;
}

static void load_once(void)
{
    static bool done;
    struct folio_err err = {0};
    char here[512], shared[512], dir[700];
    const char *env = getenv("FOLIO_SHARED");
    char *slash;

    if (done)
        return;
    done = true;
    atexit(cleanup);
    (void)folio_strlcpy(here, __FILE__, sizeof here);
    slash = strrchr(here, '/');
    if (slash)
        *slash = '\0';
    if (env && env[0])
        (void)folio_strlcpy(shared, env, sizeof shared);
    else
        (void)folio_snprintf(shared, sizeof shared, "%s/../../../shared", here);
    (void)folio_snprintf(dir, sizeof dir, "%s/data/codesets/msdrg-v431", shared);
    if (folio_drg_load(dir, &ver, &err) == FOLIO_OK) {
        (void)folio_snprintf(dir, sizeof dir, "%s/data/codesets/mce-v431", shared);
        if (folio_mce_load(dir, &mce, &err) != FOLIO_OK)
            mce = NULL;
        return;
    }
    if (!write_mini() || folio_drg_load(tmpdir, &ver, &err) != FOLIO_OK)
        FOLIO_BUG("cannot load the built-in grouper tables: %s", err.msg);
}

static void check_pass(const struct folio_drg_pass *p, size_t nsdx)
{
    if (p->drg < 1 || p->drg > 999 || p->mdc >= 32 || p->med_surg > FOLIO_DRG_SURGICAL ||
        p->severity > FOLIO_DRG_SEV_MCC || p->grc > FOLIO_DRG_GRC_NO_FORMULA)
        FOLIO_BUG("pass field out of range");
    if (p->drg == 999 &&
        (p->mdc != 0 || p->severity != FOLIO_DRG_SEV_NONE || p->med_surg != FOLIO_DRG_MS_NA))
        FOLIO_BUG("999 with an MDC, a severity or a medical/surgical class");
    if (p->grc != FOLIO_DRG_GRC_OK && p->drg != 999)
        FOLIO_BUG("a return code without DRG 999");
    if ((p->severity == FOLIO_DRG_SEV_NONE) != (p->drg == 998 || p->drg == 999))
        FOLIO_BUG("severity NONE on a DRG other than 998/999");
    for (size_t i = 0; i < nsdx; i++)
        if (p->usage[i] > FOLIO_DRG_USE_MCC_EXCLUDED_BY_DRG_LOGIC)
            FOLIO_BUG("usage out of range");
}

static void check(const struct folio_claim *c)
{
    static struct folio_drg_result r, again;
    static struct folio_mce_result m;
    static struct folio_claim what_if;
    struct folio_err err = {0};
    struct folio_buf b;
    size_t tabs = 0, drivers[FOLIO_CLAIM_MAX_CODES];

    if (mce && folio_mce_edit(mce, c, 20260415, 5, &m, &err) != FOLIO_OK)
        FOLIO_BUG("MCE refused a claim the reader accepted: %s", err.msg);
    if (folio_drg_group(ver, c, &r, &err) != FOLIO_OK)
        FOLIO_BUG("grouper refused a claim the reader accepted: %s", err.msg);
    if (r.nsdx != c->nsdx || r.nhacs > FOLIO_DRG_MAX_HACS ||
        r.hac_status > FOLIO_DRG_HAC_FINAL_DRG_UNGROUPABLE)
        FOLIO_BUG("result counts out of range");
    check_pass(&r.initial, r.nsdx);
    check_pass(&r.final, r.nsdx);
    for (size_t i = 0; i < r.nhacs; i++)
        if (r.hacs[i].sdx < 1 || r.hacs[i].sdx > r.nsdx || r.hacs[i].hac < 1 ||
            r.hacs[i].hac > 99 || r.hacs[i].finding > FOLIO_DRG_HAC_NOT_APPLICABLE_EXEMPT)
            FOLIO_BUG("HAC finding out of range");
    if ((r.hac_status == FOLIO_DRG_HAC_FINAL_DRG_UNGROUPABLE) !=
        (r.final.grc == FOLIO_DRG_GRC_HAC_MISSING_ONE_POA))
        FOLIO_BUG("hac_status and return code disagree");
    if (r.hac_status == FOLIO_DRG_HAC_NOT_APPLICABLE && r.final.drg != r.initial.drg)
        FOLIO_BUG("final DRG differs without a HAC");
    if (folio_drg_drivers(&r, drivers, FOLIO_CLAIM_MAX_CODES) > r.nsdx)
        FOLIO_BUG("more drivers than SDX");
    if (folio_drg_formula_text(ver, r.final.formula) == NULL && r.final.formula != -1)
        FOLIO_BUG("formula index out of range");

    /* pure: the same claim groups the same way */
    if (folio_drg_group(ver, c, &again, &err) != FOLIO_OK || again.final.drg != r.final.drg ||
        again.initial.drg != r.initial.drg || again.nhacs != r.nhacs ||
        memcmp(again.final.usage, r.final.usage, r.nsdx) != 0)
        FOLIO_BUG("grouping is not deterministic");

    /* a what-if: without the first SDX */
    if (c->nsdx > 0) {
        what_if = *c;
        memmove(what_if.sdx, what_if.sdx + 1, (what_if.nsdx - 1) * sizeof what_if.sdx[0]);
        what_if.nsdx--;
        if (folio_drg_group(ver, &what_if, &again, &err) != FOLIO_OK)
            FOLIO_BUG("what-if refused");
        check_pass(&again.final, again.nsdx);
    }

    folio_buf_init(&b, 0);
    if (folio_drg_format_row(c, &r, mce ? &m : NULL, &b) != FOLIO_OK)
        FOLIO_BUG("cannot format a row");
    for (size_t i = 0; i < b.len; i++) {
        tabs += b.data[i] == '\t';
        if (b.data[i] == '\n')
            FOLIO_BUG("line break in a row");
    }
    if (tabs != 13)
        FOLIO_BUG("row with %zu tabs", tabs);
    folio_buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct folio_claim c;
    const char *p = (const char *)data, *end = p + size;

    load_once();
    /* each line is one claim in the column order of cases.tsv (a header line is just a line
     * that does not parse) */
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        struct folio_err err = {0};
        if (len && p[len - 1] == '\r')
            len--;
        if (folio_claim_parse_line(p, len, &c, &err) == FOLIO_OK)
            check(&c);
        p = nl ? nl + 1 : end;
    }
    return 0;
}
