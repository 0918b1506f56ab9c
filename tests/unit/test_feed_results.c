/* Tests of the HL7 feed for results (ORU^R01) and documents (MDM) on the backend under test:
 * value types, flags, units and ranges, corrections that supersede, repeats that add nothing,
 * the MDM document life cycle with signatures, and every ORU/MDM sample of
 * ../shared/data/corpora/hl7v2/samples (skipped when ../shared is absent). */
#include "folio/base.h"

#include <dirent.h>
#include <setjmp.h>
#include <cmocka.h>

#include "folio/crypto.h"
#include "folio/feed.h"
#include "folio/hl7v2.h"
#include "folio/records.h"
#include "testdb.h"

struct fx {
    struct folio_store *store;
    struct folio_key key;
    struct folio_chart chart;
    struct folio_arena arena;
    struct folio_err err;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(folio_crypto_init(&f->err), FOLIO_OK);
    f->store = folio_test_store_open();
    memset(f->key.k, 7, sizeof f->key.k);
    f->chart = (struct folio_chart){f->store, &f->key, NULL};
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

/* The first error of severity E (ERR entries of severity W may come first). */
static const struct folio_feed_error *first_e(const struct folio_feed_result *r)
{
    for (size_t i = 0; i < r->n_errors; i++)
        if (r->errors[i].severity == FOLIO_FEED_SEV_ERROR)
            return &r->errors[i];
    fail_msg("no error of severity E");
    return NULL;
}

static struct folio_feed_result apply_raw(struct fx *f, const char *buf, size_t n)
{
    struct folio_hl7_msg *m = NULL;
    struct folio_feed_result res;
    if (folio_hl7_parse(buf, n, NULL, &m, NULL, &f->err) != FOLIO_OK)
        fail_msg("parse: %s", f->err.msg);
    if (folio_feed_apply(&f->chart, m, NULL, &res, &f->err) != FOLIO_OK)
        fail_msg("feed: %s", f->err.msg);
    folio_hl7_free(m);
    return res;
}

/* MSH for type^trigger + rest (segments ending in CR). */
static struct folio_feed_result apply(struct fx *f, const char *type, const char *control,
                                      const char *rest)
{
    char buf[8192];
    int n = snprintf(buf, sizeof buf,
                     "MSH|^~\\&|LAB|MAIN|FOLIO|MAIN|20240305090700||%s|%s|P|2.5.1\r%s", type,
                     control, rest);
    assert_true(n > 0 && (size_t)n < sizeof buf);
    return apply_raw(f, buf, (size_t)n);
}

static void dump_errors(const struct folio_feed_result *r)
{
    for (size_t i = 0; i < r->n_errors; i++)
        print_message("  ERR %s-%u %d %c %s\n", r->errors[i].loc.seg, r->errors[i].loc.field,
                      r->errors[i].code, r->errors[i].severity, r->errors[i].text);
}

#define PID_A "PID|1||MRN1^^^MAIN^MR||DOE^JANE^Q||19610412|F\r"
#define PV1_A                                                                                      \
    "PV1|1|I|4W^412^B|E|||1234567893^WELBY^MARCUS^^^^MD^^^^^^NPI||||||||||||V100|||||||||||||||||" \
    "||||||||20240305090000-0500\r"
#define OBR_A "OBR|1|PL1|FIL1|58410-2^CBC^LN|||20240305080000-0500\r"

static void admit(struct fx *f)
{
    struct folio_feed_result r = apply(f, "ADT^A01", "adm1", "EVN|A01|20240305090700\r" PID_A PV1_A);
    dump_errors(&r);
    assert_int_equal(r.ack, FOLIO_FEED_AA);
}

static const struct folio_observation *by_code(const struct folio_observation_page *p,
                                               const char *code)
{
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->items[i].code, code))
            return &p->items[i];
    fail_msg("no current observation %s", code);
    return NULL;
}

static void test_oru_value_types(void **state)
{
    struct fx *f = *state;
    admit(f);
    struct folio_feed_result r = apply(
        f, "ORU^R01", "r1",
        PID_A PV1_A OBR_A
        "OBX|1|NM|718-7^Hemoglobin^LN||18.5|g/dL^grams per deciliter^UCUM|13.5-17.5|H~A|||F|||20240305081500-0500\r"
        "OBX|2|ST|X1^Comment^99LAB||hemolysed||||||P\r"
        "OBX|3|TX|X2^Narrative^L||line one~line two||||||F\r"
        "OBX|4|FT|X3^Formatted||Bold \\H\\text\\N\\\\.br\\next||||||F\r"
        "OBX|5|CWE|600-7^Culture^LN||27268008^Salmonella^SCT|||A|||F\r"
        "OBX|6|SN|X4^Titer^L||<^5|mg/L|||||F\r"
        "OBX|7|SN|X5^Range^L||^10^-^20|||||F\r"
        "OBX|8|DT|X6^Date^L||20240301||||||F\r"
        "OBX|9|TS|X7^Time^L||202403051230+0100||||||F\r"
        "OBX|10|SN|X8^Value^L||^182|mg/dl|70_105|H|||F\r");
    dump_errors(&r);
    assert_int_equal(r.ack, FOLIO_FEED_AA);
    assert_int_equal(r.n_observations, 10);
    assert_true(r.encounter_id > 0);
    struct folio_observation_page p;
    assert_int_equal(folio_observation_list(&f->chart, r.patient_id, 0, true, 100, 0, &f->arena,
                                            &p, &f->err),
                     FOLIO_OK);
    assert_int_equal(p.n, 10);
    const struct folio_observation *o = by_code(&p, "718-7");
    assert_string_equal(o->code_system, "LN");
    assert_string_equal(o->value_type, "NM");
    assert_string_equal(o->value_text, "18.5");
    assert_true(o->has_numeric);
    assert_true(o->value_num > 18.4 && o->value_num < 18.6);
    assert_string_equal(o->units, "g/dL");
    assert_string_equal(o->ref_range, "13.5-17.5");
    assert_string_equal(o->abnormal_flag, "H~A");
    assert_string_equal(o->status, "F");
    assert_string_equal(o->observed_at, "2024-03-05T13:15:00Z");
    assert_int_equal(o->encounter_id, r.encounter_id);
    o = by_code(&p, "X1");
    assert_string_equal(o->code_system, "99LAB");
    assert_string_equal(o->value_text, "hemolysed");
    assert_string_equal(o->status, "P");
    assert_string_equal(o->observed_at, "2024-03-05T13:00:00Z"); /* OBR-7 */
    o = by_code(&p, "X2");
    assert_string_equal(o->value_text, "line one\nline two");
    o = by_code(&p, "X3");
    assert_string_equal(o->code_system, "L");
    assert_string_equal(o->value_type, "FT");
    assert_string_equal(o->value_text, "Bold \\H\\text\\N\\\\.br\\next");
    o = by_code(&p, "600-7");
    assert_string_equal(o->value_type, "CWE");
    assert_string_equal(o->value_text, "27268008^Salmonella^SCT");
    assert_string_equal(o->abnormal_flag, "A");
    assert_string_equal(by_code(&p, "X4")->value_text, "<^5");
    assert_string_equal(by_code(&p, "X5")->value_text, "^10^-^20");
    assert_string_equal(by_code(&p, "X8")->value_text, "^182");
    assert_string_equal(by_code(&p, "X6")->value_text, "2024-03-01");
    assert_string_equal(by_code(&p, "X7")->value_text, "2024-03-05T11:30Z");
}

static void test_oru_corrections(void **state)
{
    struct fx *f = *state;
    admit(f);
    const char *v1 = PID_A OBR_A "OBX|1|NM|2345-7^Glucose^LN||95|mg/dL|70-99|N|||F\r";
    struct folio_feed_result r = apply(f, "ORU^R01", "c1", v1);
    assert_int_equal(r.ack, FOLIO_FEED_AA);
    assert_int_equal(r.n_observations, 1);
    r = apply(f, "ORU^R01", "c2", v1); /* the same result again */
    assert_int_equal(r.ack, FOLIO_FEED_AA);
    assert_true(r.unchanged);
    assert_int_equal(r.n_observations, 0);
    r = apply(f, "ORU^R01", "c3", PID_A OBR_A "OBX|1|NM|2345-7^Glucose^LN||150|mg/dL|70-99|H|||C\r");
    assert_int_equal(r.ack, FOLIO_FEED_AA);
    assert_int_equal(r.n_superseded, 1);
    r = apply(f, "ORU^R01", "c4", PID_A OBR_A "OBX|1|NM|2345-7^Glucose^LN||150|mg/dL|70-99|H|||C\r");
    assert_true(r.unchanged); /* the correction again: nothing */
    /* a second correction supersedes the current one, not the original */
    r = apply(f, "ORU^R01", "c5", PID_A OBR_A "OBX|1|NM|2345-7^Glucose^LN||151|mg/dL|70-99|H|||C\r");
    assert_int_equal(r.n_superseded, 1);
    /* a late preliminary never replaces a final result */
    r = apply(f, "ORU^R01", "c6", PID_A OBR_A "OBX|1|NM|2345-7^Glucose^LN||90|mg/dL|||||P\r");
    assert_int_equal(r.ack, FOLIO_FEED_AA);
    assert_true(r.unchanged);
    struct folio_observation_page p;
    assert_int_equal(folio_observation_list(&f->chart, r.patient_id, 0, false, 100, 0, &f->arena,
                                            &p, &f->err),
                     FOLIO_OK);
    assert_int_equal(p.total, 3);
    assert_int_equal(folio_observation_list(&f->chart, r.patient_id, 0, true, 100, 0, &f->arena,
                                            &p, &f->err),
                     FOLIO_OK);
    assert_int_equal(p.total, 1);
    assert_string_equal(p.items[0].value_text, "151");
    assert_string_equal(p.items[0].status, "C");
    assert_non_null(p.items[0].reason);
    assert_non_null(strstr(p.items[0].reason, "corrected"));
    /* cancelled: kept, superseding with status X */
    r = apply(f, "ORU^R01", "c7", PID_A OBR_A "OBX|1|NM|2345-7^Glucose^LN||||||||X\r");
    assert_int_equal(r.n_superseded, 1);
    assert_int_equal(folio_observation_list(&f->chart, r.patient_id, 0, true, 100, 0, &f->arena,
                                            &p, &f->err),
                     FOLIO_OK);
    assert_string_equal(p.items[0].status, "X");
    /* a preliminary then its final: the final supersedes */
    r = apply(f, "ORU^R01", "c8", PID_A OBR_A "OBX|1|NM|1234-5^K^LN||4.1|mmol/L||||||P\r");
    assert_int_equal(r.n_observations, 1);
    r = apply(f, "ORU^R01", "c9", PID_A OBR_A "OBX|1|NM|1234-5^K^LN||4.2|mmol/L||||||F\r");
    assert_int_equal(r.n_superseded, 1);
    /* the same code under another sub-id is another result */
    r = apply(f, "ORU^R01", "c10", PID_A OBR_A "OBX|1|NM|1234-5^K^LN|2|4.0|mmol/L||||||F\r");
    assert_int_equal(r.n_observations, 1);
    assert_int_equal(r.n_superseded, 0);
}

static void test_oru_errors(void **state)
{
    struct fx *f = *state;
    struct folio_feed_result r = apply(f, "ORU^R01", "e0",
                                       PID_A OBR_A "OBX|1|NM|2345-7^Glucose^LN||95|mg/dL\r");
    assert_int_equal(r.ack, FOLIO_FEED_AE); /* results never create patients */
    assert_int_equal(first_e(&r)->code, FOLIO_HL7_E_UNKNOWN_KEY);
    admit(f);
    r = apply(f, "ORU^R01", "e1",
              PID_A OBR_A "OBX|1|NM|2345-7^Glucose^LN||95|mg/dL\rOBX|2|NM|2^X^LN||9 5|mg/dL\r");
    assert_int_equal(r.ack, FOLIO_FEED_AE);
    assert_int_equal(first_e(&r)->code, FOLIO_HL7_E_DATA_TYPE);
    assert_string_equal(first_e(&r)->loc.seg, "OBX");
    assert_int_equal(first_e(&r)->loc.seq, 2);
    assert_int_equal(first_e(&r)->loc.field, 5);
    struct folio_observation_page p;
    assert_int_equal(folio_observation_list(&f->chart, r.patient_id ? r.patient_id : 1, 0, false,
                                            100, 0, &f->arena, &p, &f->err),
                     FOLIO_OK);
    assert_int_equal(p.total, 0); /* nothing of a refused message is kept */
    r = apply(f, "ORU^R01", "e2", PID_A OBR_A "OBX|1|NM|||95|mg/dL\r");
    assert_int_equal(r.ack, FOLIO_FEED_AE);
    assert_int_equal(first_e(&r)->code, FOLIO_HL7_E_REQUIRED_MISSING);
    assert_int_equal(first_e(&r)->loc.field, 3);
    r = apply(f, "ORU^R01", "e3", PID_A OBR_A "OBX|1|SN|1^X^L||abc^5|mg/dL\r");
    assert_int_equal(r.ack, FOLIO_FEED_AE);
    r = apply(f, "ORU^R01", "e4", PID_A OBR_A "OBX|1|TS|1^X^L||2024-13-01|\r");
    assert_int_equal(r.ack, FOLIO_FEED_AE);
    assert_int_equal(first_e(&r)->code, FOLIO_HL7_E_DATA_TYPE);
    r = apply(f, "ORU^R02", "e5", PID_A OBR_A "OBX|1|NM|1^X^L||1\r");
    assert_int_equal(r.ack, FOLIO_FEED_AR);
    /* value types Folio does not keep are warned about, the rest is filed */
    r = apply(f, "ORU^R01", "e6",
              PID_A OBR_A "OBX|1|ED|1^PDF^L||^application^pdf^Base64^AAAA\rOBX|2|NM|2^Y^L||1\r");
    assert_int_equal(r.ack, FOLIO_FEED_AA);
    assert_int_equal(r.n_observations, 1);
    assert_int_equal(r.errors[0].severity, FOLIO_FEED_SEV_WARNING);
}

#define TXA(type, status, auth)                                                                    \
    "TXA|1|" type "|TX|20240305100000||20240305101500|||1111^SCRIBE^SAM^^^^^^^^^^DOCID|||DOC-77|||||" status \
    "|||||" auth "\r"

static void test_mdm_lifecycle(void **state)
{
    struct fx *f = *state;
    admit(f);
    struct folio_feed_result r = apply(f, "MDM^T04", "d0", "EVN|T04|20240305\r" PID_A PV1_A TXA("DS", "AU", ""));
    assert_int_equal(r.ack, FOLIO_FEED_AE); /* status change of an unknown document */
    assert_int_equal(first_e(&r)->code, FOLIO_HL7_E_UNKNOWN_KEY);
    /* T01: notification only */
    r = apply(f, "MDM^T01", "d1", PID_A PV1_A TXA("DS", "DI", ""));
    assert_int_equal(r.ack, FOLIO_FEED_AA);
    assert_int_equal(r.document_id, 0);
    /* T02 original, dictated (preliminary) */
    r = apply(f, "MDM^T02", "d2",
              PID_A PV1_A TXA("DS", "DI", "") "OBX|1|TX|||Discharge summary line 1\r"
                                              "OBX|2|TX|||Line 2\r");
    dump_errors(&r);
    assert_int_equal(r.ack, FOLIO_FEED_AA);
    int64_t doc = r.document_id;
    assert_true(doc > 0);
    r = apply(f, "MDM^T02", "d2b",
              PID_A PV1_A TXA("DS", "DI", "") "OBX|1|TX|||Discharge summary line 1\r"
                                              "OBX|2|TX|||Line 2\r");
    assert_true(r.unchanged);
    /* T04 status change: authenticated, with the signature */
    r = apply(f, "MDM^T04", "d3",
              PID_A PV1_A TXA("DS", "AU", "2222^WELBY^MARCUS^^^^MD^^^^^^^^202403051200-0500"));
    dump_errors(&r);
    assert_int_equal(r.ack, FOLIO_FEED_AA);
    assert_int_equal(r.document_id, doc);
    r = apply(f, "MDM^T04", "d3b",
              PID_A PV1_A TXA("DS", "AU", "2222^WELBY^MARCUS^^^^MD^^^^^^^^202403051200-0500"));
    assert_true(r.unchanged);
    /* T06 addendum */
    r = apply(f, "MDM^T06", "d4", PID_A PV1_A TXA("DS", "AU", "") "OBX|1|TX|||Addendum text\r");
    assert_int_equal(r.ack, FOLIO_FEED_AA);
    r = apply(f, "MDM^T06", "d4b", PID_A PV1_A TXA("DS", "AU", "") "OBX|1|TX|||Addendum text\r");
    assert_true(r.unchanged);
    /* T08 edit */
    r = apply(f, "MDM^T08", "d5",
              PID_A PV1_A TXA("DS", "AU", "") "OBX|1|FT|||Edited \\.br\\text\r");
    assert_int_equal(r.ack, FOLIO_FEED_AA);
    /* T11 cancel: kept as entered in error, with the reason */
    r = apply(f, "MDM^T11", "d6", "EVN|T11|20240305|||\r" PID_A PV1_A TXA("DS", "AU", ""));
    assert_int_equal(r.ack, FOLIO_FEED_AA);
    r = apply(f, "MDM^T11", "d6b", PID_A PV1_A TXA("DS", "AU", ""));
    assert_true(r.unchanged);
    r = apply(f, "MDM^T08", "d7", PID_A PV1_A TXA("DS", "AU", "") "OBX|1|TX|||again\r");
    assert_int_equal(r.ack, FOLIO_FEED_AE);
    assert_int_equal(first_e(&r)->code, FOLIO_HL7_E_RECORD_LOCKED);

    struct folio_document d;
    assert_int_equal(folio_document_get(&f->chart, doc, &f->arena, &d, &f->err), FOLIO_OK);
    assert_string_equal(d.type_code, "18842-5");
    assert_string_equal(d.ext_id, "DOC-77");
    assert_true(d.author_id > 0);
    assert_true(d.encounter_id > 0);
    assert_string_equal(d.service_at, "2024-03-05T10:00:00Z");
    struct folio_document_version *v = NULL;
    size_t n = 0;
    assert_int_equal(folio_document_history(&f->chart, doc, &f->arena, &v, &n, &f->err), FOLIO_OK);
    assert_int_equal(n, 5);
    static const char *const st[] = {"preliminary", "final", "amended", "corrected",
                                     "entered-in-error"};
    static const char *const kind[] = {"original", "status-change", "addendum", "correction",
                                       "status-change"};
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(v[i].status, st[i]);
        assert_string_equal(v[i].change_kind, kind[i]);
        assert_non_null(v[i].changed_by);
        assert_non_null(strstr(v[i].changed_by, "LAB"));
        assert_non_null(v[i].changed_at);
        if (i)
            assert_non_null(v[i].reason);
        const void *p = NULL;
        size_t len = 0;
        assert_int_equal(folio_document_content(&f->chart, v[i].id, &f->arena, &p, &len, &f->err),
                         FOLIO_OK);
        if (i == 0)
            assert_string_equal(p, "Discharge summary line 1\nLine 2");
        if (i == 2)
            assert_non_null(strstr(p, "Addendum text"));
        if (i == 3)
            assert_string_equal(p, "Edited \\.br\\text");
    }
    assert_non_null(strstr(v[4].reason, "MDM^T11"));
    assert_int_equal(v[1].n_signatures, 1);
    assert_string_equal(v[1].signatures[0].role, "authenticator");
    assert_string_equal(v[1].signatures[0].signed_at, "2024-03-05T17:00Z");
    assert_true(v[1].signatures[0].provider_id > 0);
    assert_non_null(strstr(v[1].signatures[0].signer, "WELBY"));
}

static void test_mdm_replacement(void **state)
{
    struct fx *f = *state;
    admit(f);
    struct folio_feed_result r =
        apply(f, "MDM^T02", "p1", PID_A TXA("HP", "AU", "") "OBX|1|TX|||H and P\r");
    assert_int_equal(r.ack, FOLIO_FEED_AA);
    int64_t doc = r.document_id;
    /* T10: new document number, TXA-13 parent: a new version of the parent */
    r = apply(f, "MDM^T10", "p2",
              PID_A "TXA|1|HP|TX|20240305100000||||||||DOC-78|DOC-77||||AU\r"
                    "OBX|1|TX|||H and P, replaced\r");
    dump_errors(&r);
    assert_int_equal(r.ack, FOLIO_FEED_AA);
    assert_int_equal(r.document_id, doc);
    struct folio_document d;
    assert_int_equal(folio_document_get(&f->chart, doc, &f->arena, &d, &f->err), FOLIO_OK);
    assert_int_equal(d.n_versions, 2);
    assert_string_equal(d.type_code, "34117-2");
    assert_non_null(strstr(d.current.reason, "DOC-77"));
    /* unknown document type: kept with a title */
    r = apply(f, "MDM^T02", "p3", PID_A "TXA|1|ZZ^Wound care note|TX|||||||||DOC-90|||||LA\r"
                                        "OBX|1|TX|||text\r");
    assert_int_equal(r.ack, FOLIO_FEED_AA);
    assert_int_equal(folio_document_get(&f->chart, r.document_id, &f->arena, &d, &f->err),
                     FOLIO_OK);
    assert_string_equal(d.type_code, "ZZ");
    assert_string_equal(d.type_title, "Wound care note");
    assert_string_equal(d.current.status, "final");
    r = apply(f, "MDM^T02", "p4", PID_A "TXA|1|HP|TX|||||||||DOC-91|||||XX\r");
    assert_int_equal(r.ack, FOLIO_FEED_AE);
    assert_int_equal(first_e(&r)->code, FOLIO_HL7_E_TABLE_VALUE);
}

/* Every ORU and MDM sample, in name order, into one database (so that a later T06 finds the
 * document of an earlier T02). The patient is registered first by an ADT^A01 made of the
 * sample's own MSH, PID and PV1: results and documents never create patients. */
static const struct {
    const char *name;
    const char *ack;
    int code;
} expected[] = {
    /* OBX before any OBR with an empty OBX-3 (and PID-7 present): AE 101 */
    {"ORU-R01-01.hl7", "AE", 101},
    /* T06/T10 whose only OBX are HD and ED without data: no document text to add: AE 101 */
    {"MDM-T06-01.hl7", "AE", 101},
    {"MDM-T10-01.hl7", "AE", 101},
};

static char *read_all(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    char *buf;
    long n;
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(fp);
    if (buf) {
        buf[n] = '\0';
        *len = (size_t)n;
        for (long i = 0; i < n; i++) /* LF -> CR, as the issue says */
            if (buf[i] == '\n')
                buf[i] = '\r';
    }
    return buf;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sample's MSH with ADT^A01 as type, its PID and PV1 (A28 without PV1). */
static char *register_msg(const char *raw, size_t *n_out)
{
    struct folio_buf b;
    const char *p = raw, *end = raw + strlen(raw);
    folio_buf_init(&b, 0);
    bool pv1 = strstr(raw, "\rPV1|") != NULL;
    while (p < end) {
        const char *e = memchr(p, '\r', (size_t)(end - p));
        size_t len = e ? (size_t)(e - p) : (size_t)(end - p);
        if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) {
            p += 3;
            len -= 3;
        }
        if (len > 4 && !memcmp(p, "MSH", 3)) {
            /* replace field 9 (the 8th separator onwards) */
            size_t seps = 0, i = 0, j;
            for (; i < len && seps < 8; i++)
                seps += p[i] == '|';
            for (j = i; j < len && p[j] != '|'; j++)
                ;
            assert_int_equal(folio_buf_append(&b, p, i), FOLIO_OK);
            assert_int_equal(folio_buf_append_str(&b, pv1 ? "ADT^A01" : "ADT^A28"), FOLIO_OK);
            assert_int_equal(folio_buf_append(&b, p + j, len - j), FOLIO_OK);
            assert_int_equal(folio_buf_append_ch(&b, '\r'), FOLIO_OK);
        } else if (len > 4 && (!memcmp(p, "PID|", 4) || !memcmp(p, "PV1|", 4))) {
            assert_int_equal(folio_buf_append(&b, p, len), FOLIO_OK);
            assert_int_equal(folio_buf_append_ch(&b, '\r'), FOLIO_OK);
        }
        p += len + 1;
    }
    return folio_buf_detach(&b, n_out);
}

static void test_samples(void **state)
{
    struct fx *f = *state;
    const char *sdir = folio_test_shared_path("corpora/hl7v2/samples");
    char dir[1024];
    char *names[64];
    size_t nn = 0;
    int aa = 0, refused = 0;
    if (!sdir) {
        print_message("../shared is absent: ORU/MDM samples skipped\n");
        skip();
    }
    folio_strlcpy(dir, sdir, sizeof dir);
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d)) && nn < FOLIO_ARRAY_LEN(names)) {
        if (!strstr(de->d_name, ".hl7"))
            continue;
        char path[2048];
        size_t len = 0;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        char *raw = read_all(path, &len);
        assert_non_null(raw);
        struct folio_hl7_msg *m = NULL;
        if (folio_hl7_parse(raw, len, NULL, &m, NULL, &f->err) == FOLIO_OK) {
            const char *t = folio_hl7_msh(m)->msg_type;
            if (!strcmp(t, "ORU") || !strcmp(t, "MDM"))
                names[nn++] = strdup(de->d_name);
        }
        folio_hl7_free(m);
        free(raw);
    }
    closedir(d);
    qsort(names, nn, sizeof names[0], cmp_names);
    assert_true(nn >= 15);
    for (size_t k = 0; k < nn; k++) {
        char path[2048];
        size_t len = 0, rlen = 0;
        snprintf(path, sizeof path, "%s/%s", dir, names[k]);
        char *raw = read_all(path, &len);
        char *reg = register_msg(raw, &rlen);
        struct folio_feed_result r0 = apply_raw(f, reg, rlen);
        struct folio_feed_result r = apply_raw(f, raw, len);
        const char *want = "AA";
        int want_code = 0;
        for (size_t i = 0; i < FOLIO_ARRAY_LEN(expected); i++)
            if (!strcmp(expected[i].name, names[k])) {
                want = expected[i].ack;
                want_code = expected[i].code;
            }
        print_message("%s: %s (register %s)\n", names[k], folio_feed_ack_name(r.ack),
                      folio_feed_ack_name(r0.ack));
        if (strcmp(folio_feed_ack_name(r.ack), want) != 0 ||
            (want_code && first_e(&r)->code != want_code)) {
            dump_errors(&r0);
            dump_errors(&r);
            fail_msg("%s: %s, expected %s %d", names[k], folio_feed_ack_name(r.ack), want,
                     want_code);
        }
        if (r.ack == FOLIO_FEED_AA) {
            aa++;
            struct folio_feed_result r2 = apply_raw(f, raw, len); /* a repeat adds nothing */
            assert_int_equal(r2.ack, FOLIO_FEED_AA);
            if (!r2.unchanged)
                fail_msg("%s: applying it again changed the chart", names[k]);
        } else {
            refused++;
        }
        free(reg);
        free(raw);
        free(names[k]);
    }
    print_message("ORU/MDM samples: %d AA, %d documented AE/AR\n", aa, refused);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_oru_value_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oru_corrections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oru_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdm_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdm_replacement, setup, teardown),
        cmocka_unit_test_setup_teardown(test_samples, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
