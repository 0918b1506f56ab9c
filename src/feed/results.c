/* ORU^R01 results and MDM documents. Mapping, per-trigger behaviour and every AE/AR reason:
 * docs/hl7-mapping.md ("Results (ORU^R01)" and "Documents (MDM)"). */
#include "folio/base.h"
#include "folio/time.h"
#include "feed/feed_int.h"

#define DOC_TEXT_MAX ((size_t)16 * 1024 * 1024)

static bool same(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* The visit of PV1-19 when the message has one and the chart knows it (results and documents
 * never create visits). A visit of another patient is AE 205 (wrong-chart risk). */
static enum folio_rc link_visit(struct fctx *x)
{
    size_t pv1 = folio_hl7_find(x->m, "PV1", 0);
    struct folio_encounter e;
    bool found = false;
    int64_t enc = 0;
    enum folio_rc rc;
    if (pv1 == FOLIO_HL7_NONE)
        return FOLIO_OK;
    rc = fx_find_visit(x, pv1, &enc, &found);
    if (rc || !found) {
        if (!rc && *fx_get(x, pv1, 19, 1, 1, 0))
            fx_error(x, pv1, 19, 1, 1, FOLIO_HL7_E_UNKNOWN_KEY, FOLIO_FEED_SEV_WARNING,
                     "PV1-19: visit '%s' is not known; filed on the patient without a visit",
                     fx_get(x, pv1, 19, 1, 1, 0));
        return rc;
    }
    rc = folio_encounter_get(&x->chart, enc, &x->a, &e, x->err);
    if (rc)
        return rc;
    if (e.patient_id != x->patient_id) {
        fx_error(x, pv1, 19, 1, 1, FOLIO_HL7_E_DUPLICATE_KEY, FOLIO_FEED_SEV_ERROR,
                 "PV1-19: visit '%s' belongs to another patient", fx_get(x, pv1, 19, 1, 1, 0));
        return FOLIO_OK;
    }
    x->encounter_id = enc;
    x->res->encounter_id = enc;
    return FOLIO_OK;
}

/* Components 1..n of seg-f[rep] joined with '^' as sent, trailing empty ones dropped. */
static const char *join_comps(struct fctx *x, size_t seg, unsigned f, unsigned rep, unsigned n)
{
    struct folio_buf b;
    size_t keep = 0;
    const char *out;
    folio_buf_init(&b, 1u << 20);
    for (unsigned c = 1; c <= n; c++) {
        const char *v = fx_get(x, seg, f, rep, c, 0);
        if ((c > 1 && folio_buf_append_ch(&b, '^')) || folio_buf_append_str(&b, v)) {
            x->oom = true;
            break;
        }
        if (*v)
            keep = b.len;
    }
    out = folio_arena_strndup(&x->a, b.data, keep);
    folio_buf_release(&b);
    if (!out)
        x->oom = true;
    return out ? out : "";
}

/* Every repetition of seg-f decoded (formatting escapes kept), joined with newlines. */
static const char *join_reps(struct fctx *x, size_t seg, unsigned f)
{
    unsigned n = fx_reps(x, seg, f);
    struct folio_buf b;
    const char *out;
    folio_buf_init(&b, DOC_TEXT_MAX);
    for (unsigned r = 1; r <= n; r++)
        if ((r > 1 && folio_buf_append_ch(&b, '\n')) ||
            folio_buf_append_str(&b, fx_get(x, seg, f, r, 0, 0)))
            x->oom = true;
    out = folio_arena_strndup(&x->a, b.data, b.len);
    folio_buf_release(&b);
    if (!out)
        x->oom = true;
    return out ? out : "";
}

static bool is_number(const char *s)
{
    double d;
    return *s && folio_sv_to_double(folio_sv_from(s), &d) == FOLIO_OK;
}

/* ================================================================ ORU^R01 */

struct obx_in {
    struct folio_observation o;
    char observed[48];
    char value_time[48];
    char flags[128];
};

/* Reads one OBX (under OBR obr, FOLIO_HL7_NONE for patient-level results). Returns false when
 * the OBX is not stored: after an AE error, or a warning for value types Folio does not keep. */
static bool read_obx(struct fctx *x, size_t obr, size_t obx, struct obx_in *in)
{
    struct folio_observation *o = &in->o;
    const char *type = fx_get(x, obx, 2, 1, 1, 0);
    memset(in, 0, sizeof *in);
    o->code = fx_get(x, obx, 3, 1, 1, 0);
    if (!*o->code) {
        fx_error(x, obx, 3, 1, 1, FOLIO_HL7_E_REQUIRED_MISSING, FOLIO_FEED_SEV_ERROR,
                 "OBX-3 observation identifier is required");
        return false;
    }
    /* OBX-3.3 coding system: LN (and spellings of LOINC) -> "LN"; others kept; none -> "L"
     * (HL7 table 0396: local code) */
    const char *sys = fx_get(x, obx, 3, 1, 3, 0);
    if (folio_sv_ieq_cstr(folio_sv_from(sys), "LN") ||
        folio_sv_ieq_cstr(folio_sv_from(sys), "LOINC") ||
        folio_sv_ieq_cstr(folio_sv_from(sys), "http://loinc.org"))
        sys = "LN";
    o->code_system = *sys ? sys : "L";
    o->title = nz(*fx_get(x, obx, 3, 1, 2, 0) ? fx_get(x, obx, 3, 1, 2, 0)
                                              : fx_get(x, obx, 3, 1, 9, 0));
    if (!strcmp(type, "NM")) {
        const char *v = fx_get(x, obx, 5, 1, 0, 0);
        if (*v == '+') /* HL7 NM allows a leading plus */
            v++;
        if (*v && !is_number(v)) {
            fx_error(x, obx, 5, 1, 0, FOLIO_HL7_E_DATA_TYPE, FOLIO_FEED_SEV_ERROR,
                     "OBX-5: '%s' is not a number (OBX-2 NM)", v);
            return false;
        }
        o->value_text = nz(v);
    } else if (!strcmp(type, "ST") || !strcmp(type, "TX") || !strcmp(type, "FT")) {
        o->value_text = nz(join_reps(x, obx, 5)); /* FT formatting escapes kept as sent */
    } else if (!strcmp(type, "CE") || !strcmp(type, "CWE")) {
        o->value_text = nz(join_comps(x, obx, 5, 1, 3)); /* code^text^system */
    } else if (!strcmp(type, "SN")) {
        /* HL7 2.A.74 SN: comparator ^ num1 ^ separator/suffix ^ num2 */
        static const char *const cmp[] = {"", ">", "<", ">=", "<=", "=", "<>"};
        static const char *const sep[] = {"", "-", "+", "/", ".", ":"};
        const char *c1 = fx_get(x, obx, 5, 1, 1, 0), *n1 = fx_get(x, obx, 5, 1, 2, 0),
                   *s3 = fx_get(x, obx, 5, 1, 3, 0), *n2 = fx_get(x, obx, 5, 1, 4, 0);
        bool ok_c = false, ok_s = false;
        for (size_t i = 0; i < FOLIO_ARRAY_LEN(cmp); i++)
            ok_c = ok_c || !strcmp(c1, cmp[i]);
        for (size_t i = 0; i < FOLIO_ARRAY_LEN(sep); i++)
            ok_s = ok_s || !strcmp(s3, sep[i]);
        if (!ok_c || !ok_s || (*n1 && !is_number(n1)) || (*n2 && !is_number(n2)) ||
            (!*n1 && !*n2 && (*c1 || *s3))) {
            fx_error(x, obx, 5, 1, 0, FOLIO_HL7_E_DATA_TYPE, FOLIO_FEED_SEV_ERROR,
                     "OBX-5: '%s' is not a structured numeric (OBX-2 SN: comparator^num1^"
                     "separator^num2)",
                     join_comps(x, obx, 5, 1, 4));
            return false;
        }
        o->value_text = nz(join_comps(x, obx, 5, 1, 4));
    } else if (!strcmp(type, "DT") || !strcmp(type, "TS") || !strcmp(type, "DTM")) {
        if (!fx_time(x, obx, 5, 1, in->value_time, FOLIO_FEED_SEV_ERROR))
            return false;
        o->value_text = nz(in->value_time);
        type = !strcmp(type, "DT") ? "DT" : "TS";
    } else if (!*type && !*fx_get(x, obx, 5, 1, 0, 0)) {
        type = NULL; /* no value (e.g. result pending): the status alone is kept */
    } else {
        fx_error(x, obx, 2, 1, 1, FOLIO_HL7_E_TABLE_VALUE, FOLIO_FEED_SEV_WARNING,
                 "OBX-2: value type '%s' is not kept as an observation (NM ST TX FT CE CWE SN DT "
                 "TS); OBX %s not stored",
                 type, o->code);
        return false;
    }
    o->value_type = type ? type : (o->value_text ? NULL : "ST");
    o->units = nz(fx_get(x, obx, 6, 1, 1, 0));
    o->ref_range = nz(fx_get(x, obx, 7, 1, 1, 0));
    /* OBX-8 abnormal flags (table 0078), repeatable: kept as "H~A" */
    unsigned nf = fx_reps(x, obx, 8);
    size_t used = 0;
    for (unsigned r = 1; r <= nf; r++) {
        const char *fl = folio_obs_abnormal_flag(fx_get(x, obx, 8, r, 1, 0));
        if (!*fx_get(x, obx, 8, r, 1, 0))
            continue;
        if (!fl) {
            fx_error(x, obx, 8, r, 1, FOLIO_HL7_E_TABLE_VALUE, FOLIO_FEED_SEV_WARNING,
                     "OBX-8: '%s' is not an HL7 table 0078 abnormal flag; not stored",
                     fx_get(x, obx, 8, r, 1, 0));
            continue;
        }
        size_t fl_len = strlen(fl);
        if (used + fl_len + 2 > sizeof in->flags)
            break;
        if (used)
            in->flags[used++] = '~';
        memcpy(in->flags + used, fl, fl_len + 1);
        used += fl_len;
    }
    o->abnormal_flag = nz(in->flags);
    const char *st = fx_get(x, obx, 11, 1, 1, 0);
    if (*st && !(o->status = folio_obs_result_status(st))) {
        fx_error(x, obx, 11, 1, 1, FOLIO_HL7_E_TABLE_VALUE, FOLIO_FEED_SEV_ERROR,
                 "OBX-11: '%s' is not an HL7 table 0085 result status", st);
        return false;
    }
    /* OBX-14 observed, else OBR-7 observation date/time of the order */
    if (!fx_time(x, obx, 14, 1, in->observed, FOLIO_FEED_SEV_ERROR))
        return false;
    if (!in->observed[0] && !fx_time(x, obr, 7, 1, in->observed, FOLIO_FEED_SEV_ERROR))
        return false;
    o->observed_at = nz(in->observed);
    o->patient_id = x->patient_id;
    o->encounter_id = x->encounter_id;
    /* Key: OBR-3 filler order number (else OBR-2 placer) + OBX-3 + OBX-4 sub-id */
    const char *order = fx_get(x, obr, 3, 1, 1, 0);
    if (!*order)
        order = fx_get(x, obr, 2, 1, 1, 0);
    o->ext_system = fx_printf(x, "hl7-obs:%.200s", x->facility);
    o->ext_id = fx_printf(x, "%.80s|%.60s|%.80s|%.20s", order, o->code_system, o->code,
                          fx_get(x, obx, 4, 1, 0, 0));
    return true;
}

/* The current observation of the correction chain that starts at id. */
static enum folio_rc current_of(struct fctx *x, int64_t id, struct folio_observation *cur)
{
    for (int i = 0; i < 10000; i++) {
        enum folio_rc rc = folio_observation_get(&x->chart, id, &x->a, cur, x->err);
        if (rc || !cur->superseded_by)
            return rc;
        id = cur->superseded_by;
    }
    return folio_err_set(x->err, FOLIO_EINTERNAL, "observation_id",
                         "correction chain of observation %lld does not end", (long long)id);
}

static bool status_final(const char *s)
{
    return s && (!strcmp(s, "F") || !strcmp(s, "C") || !strcmp(s, "X") || !strcmp(s, "D") ||
                 !strcmp(s, "W") || !strcmp(s, "U"));
}

static enum folio_rc apply_obx(struct fctx *x, size_t obr, size_t obx)
{
    struct obx_in *in = calloc(1, sizeof *in);
    struct folio_observation cur;
    int64_t id = 0;
    enum folio_rc rc;
    if (!in)
        return folio_err_set(x->err, FOLIO_ENOMEM, NULL, "out of memory");
    if (!read_obx(x, obr, obx, in)) {
        rc = FOLIO_OK;
        goto out;
    }
    struct folio_observation *o = &in->o;
    rc = folio_records_find_ext(&x->chart, FOLIO_EXT_OBSERVATION, o->ext_system, o->ext_id, &id,
                                x->err);
    if (rc == FOLIO_ENOTFOUND) {
        folio_err_clear(x->err);
        rc = folio_observation_create(&x->chart, o, NULL, x->err);
        if (rc) {
            rc = fx_chart_err(x, rc, obx, 5);
            goto out;
        }
        x->res->n_observations++;
        x->res->unchanged = false;
        goto out;
    }
    if (rc || (rc = current_of(x, id, &cur)))
        goto out;
    const char *st = o->status ? o->status : "F";
    if (!strcmp(st, "U")) { /* final without retransmitting the value: keep the current one */
        o->value_type = cur.value_type;
        o->value_text = cur.value_text;
        o->units = o->units ? o->units : cur.units;
        o->ref_range = o->ref_range ? o->ref_range : cur.ref_range;
        o->abnormal_flag = o->abnormal_flag ? o->abnormal_flag : cur.abnormal_flag;
        o->observed_at = o->observed_at ? o->observed_at : cur.observed_at;
        st = o->status = "F";
    }
    const char *vt = o->value_type ? o->value_type : cur.value_type;
    if (same(vt, cur.value_type) && same(o->value_text, cur.value_text) &&
        same(o->units, cur.units) && same(o->ref_range, cur.ref_range) &&
        same(o->abnormal_flag, cur.abnormal_flag) && same(st, cur.status) &&
        same(o->observed_at, cur.observed_at))
        goto out; /* sent before: nothing new */
    if (status_final(cur.status) && !status_final(st)) {
        fx_error(x, obx, 11, 1, 1, FOLIO_HL7_E_ACCEPTED, FOLIO_FEED_SEV_WARNING,
                 "OBX-11: a %s result arrived after the %s one of %s; the chart keeps the %s",
                 st, cur.status, o->code, cur.status);
        goto out;
    }
    const char *why = !strcmp(st, "C")   ? "corrected result (OBX-11 C)"
                      : !strcmp(st, "X") ? "result cancelled: cannot be obtained (OBX-11 X)"
                      : !strcmp(st, "D") ? "result deleted by the sender (OBX-11 D)"
                      : !strcmp(st, "W") ? "result was wrong (OBX-11 W)"
                      : !strcmp(st, "F") ? "final result (OBX-11 F)"
                                         : "updated result";
    o->status = st;
    rc = folio_observation_correct(&x->chart, cur.id, o,
                                   fx_printf(x, "%s; ORU^R01 %.80s from %.80s", why,
                                             x->msh->control_id, x->msh->sending_app),
                                   NULL, x->err);
    if (rc) {
        rc = fx_chart_err(x, rc, obx, 5);
        goto out;
    }
    x->res->n_observations++;
    x->res->n_superseded++;
    x->res->unchanged = false;
out:
    free(in);
    return rc;
}

enum folio_rc feed_oru(struct fctx *x)
{
    enum folio_rc rc;
    size_t obr = FOLIO_HL7_NONE;
    size_t nseg = folio_hl7_segment_count(x->m);
    bool any = false;
    if (strcmp(x->msh->trigger, "R01") != 0) {
        fx_error(x, 0, 9, 1, 2, FOLIO_HL7_E_UNSUPPORTED_EVENT, FOLIO_FEED_SEV_ERROR,
                 "MSH-9.2: ORU event '%s' is not applied by Folio (R01 only)", x->msh->trigger);
        return FOLIO_OK;
    }
    x->res->action = "results";
    /* Results never create patients: filing on a guessed chart is the worse error */
    rc = fx_patient(x, false, false);
    if (rc || fx_failed(x))
        return rc;
    rc = link_visit(x);
    if (rc || fx_failed(x))
        return rc;
    for (size_t i = 0; i < nseg && !fx_failed(x); i++) {
        const char *id = folio_hl7_segment_id(x->m, i);
        if (!strcmp(id, "OBR")) {
            obr = i;
        } else if (!strcmp(id, "PID") && any) {
            fx_error(x, i, 0, 0, 0, FOLIO_HL7_E_SEGMENT_SEQUENCE, FOLIO_FEED_SEV_ERROR,
                     "ORU^R01 with results of several patients: send one patient per message");
            return FOLIO_OK;
        } else if (!strcmp(id, "OBX")) {
            any = true;
            if ((rc = apply_obx(x, obr, i)))
                return rc;
        }
    }
    if (!any && !fx_failed(x))
        fx_error(x, FOLIO_HL7_NONE, 0, 0, 0, FOLIO_HL7_E_SEGMENT_SEQUENCE, FOLIO_FEED_SEV_WARNING,
                 "ORU^R01 without OBX: no result to file");
    return FOLIO_OK;
}

/* ================================================================ MDM */

/* HL7 table 0270 document type -> LOINC document type of the chart. */
static const struct {
    const char *hl7, *loinc, *title;
} doc_types[] = {
    {"HP", "34117-2", NULL},  {"DS", "18842-5", NULL},  {"OP", "11504-8", NULL},
    {"PN", "28570-0", NULL},  {"PR", "11506-3", NULL},  {"CN", "11488-4", NULL},
    {"PC", "11488-4", NULL},  {"PA", "11526-1", NULL},  {"PATH", "11526-1", NULL},
    {"SP", "11526-1", NULL},  {"RAD", "18748-4", NULL}, {"DI", "18748-4", NULL},
    {"ED", "34111-5", NULL},  {"TS", "18761-7", "Transfer summary note"},
    {"AR", "18743-5", "Autopsy report"}, {"CD", "11522-0", "Echocardiography study"},
    {"PH", "34117-2", NULL},
};

enum mdm_kind {
    MDM_ORIGINAL,  /* T01 T02 */
    MDM_STATUS,    /* T03 T04 */
    MDM_ADDENDUM,  /* T05 T06 */
    MDM_EDIT,      /* T07 T08 */
    MDM_REPLACE,   /* T09 T10 */
    MDM_CANCEL,    /* T11 */
};

struct mdm {
    size_t txa;
    enum mdm_kind kind;
    bool with_content; /* T02 T04 T06 T08 T10 */
    const char *status; /* "preliminary" / "final" from TXA-17 */
    const char *text;   /* OBX TX/FT/ST lines joined with LF */
    size_t text_len;
    int64_t doc;
};

/* TXA-17 document completion status (HL7 table 0271). */
static bool txa_status(struct fctx *x, struct mdm *d)
{
    static const struct folio_code_title map[] = {
        {"DI", "preliminary"}, {"DO", "preliminary"}, {"IP", "preliminary"},
        {"IN", "preliminary"}, {"PA", "preliminary"}, {"AU", "final"},
        {"LA", "final"},
    };
    const char *s = fx_get(x, d->txa, 17, 1, 1, 0);
    d->status = NULL;
    if (!*s) {
        fx_error(x, d->txa, 17, 1, 1, FOLIO_HL7_E_REQUIRED_MISSING, FOLIO_FEED_SEV_WARNING,
                 "TXA-17 completion status empty: taken as preliminary");
        d->status = "preliminary";
        return true;
    }
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(map); i++)
        if (!strcmp(map[i].code, s))
            d->status = map[i].title;
    if (!d->status)
        fx_error(x, d->txa, 17, 1, 1, FOLIO_HL7_E_TABLE_VALUE, FOLIO_FEED_SEV_ERROR,
                 "TXA-17: '%s' is not an HL7 table 0271 completion status (DI DO IP IN PA AU LA)",
                 s);
    return d->status != NULL;
}

/* The document text: OBX TX/FT/ST values (each repetition a line), joined with LF. Formatting
 * escapes of FT are kept for the viewer. Other OBX types (ED, HD, RP) are not document text. */
static bool doc_text(struct fctx *x, struct mdm *d)
{
    struct folio_buf b;
    bool ok = true;
    folio_buf_init(&b, DOC_TEXT_MAX);
    for (size_t s = folio_hl7_find(x->m, "OBX", 0); s != FOLIO_HL7_NONE;
         s = folio_hl7_find(x->m, "OBX", s + 1)) {
        const char *t = fx_get(x, s, 2, 1, 1, 0);
        if (strcmp(t, "TX") != 0 && strcmp(t, "FT") != 0 && strcmp(t, "ST") != 0) {
            fx_error(x, s, 2, 1, 1, FOLIO_HL7_E_TABLE_VALUE, FOLIO_FEED_SEV_WARNING,
                     "OBX-2: '%s' is not document text (TX FT ST); this OBX is not stored", t);
            continue;
        }
        unsigned n = fx_reps(x, s, 5);
        for (unsigned r = 1; r <= n && ok; r++) {
            const char *line = fx_get(x, s, 5, r, 0, 0);
            if ((b.len && folio_buf_append_ch(&b, '\n')) || folio_buf_append_str(&b, line))
                ok = false;
        }
        if (!n && b.len && folio_buf_append_ch(&b, '\n')) /* an empty OBX is an empty line */
            ok = false;
    }
    if (!ok) {
        fx_error(x, FOLIO_HL7_NONE, 0, 0, 0, FOLIO_HL7_E_VALUE_TOO_LONG, FOLIO_FEED_SEV_ERROR,
                 "document text exceeds %zu bytes", DOC_TEXT_MAX);
        folio_buf_release(&b);
        return false;
    }
    d->text_len = b.len;
    d->text = folio_arena_strndup(&x->a, b.data, b.len);
    folio_buf_release(&b);
    if (!d->text)
        x->oom = true;
    return d->text != NULL;
}

static const char *doc_system(struct fctx *x, size_t txa, unsigned f)
{
    const char *ns = fx_get(x, txa, f, 1, 2, 0);
    return fx_printf(x, "hl7-doc:%.200s", *ns ? ns : x->facility);
}

/* The document of TXA-12 (unique document number), else of TXA-13 (parent document). */
static enum folio_rc find_doc(struct fctx *x, struct mdm *d)
{
    static const unsigned fields[] = {12, 13};
    d->doc = 0;
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(fields); i++) {
        const char *num = fx_get(x, d->txa, fields[i], 1, 1, 0);
        if (!*num)
            continue;
        enum folio_rc rc = folio_records_find_ext(&x->chart, FOLIO_EXT_DOCUMENT,
                                                  doc_system(x, d->txa, fields[i]), num, &d->doc,
                                                  x->err);
        if (rc == FOLIO_OK) {
            struct folio_document doc;
            rc = folio_document_get(&x->chart, d->doc, &x->a, &doc, x->err);
            if (rc)
                return rc;
            if (doc.patient_id != x->patient_id) {
                fx_error(x, d->txa, fields[i], 1, 1, FOLIO_HL7_E_DUPLICATE_KEY,
                         FOLIO_FEED_SEV_ERROR, "TXA-%u: document '%s' belongs to another patient",
                         fields[i], num);
                d->doc = 0;
            }
            return FOLIO_OK;
        }
        if (rc != FOLIO_ENOTFOUND)
            return rc;
        folio_err_clear(x->err);
    }
    return FOLIO_OK;
}

static enum folio_rc create_doc(struct fctx *x, struct mdm *d)
{
    struct folio_document_new n = {0};
    char svc[48];
    const char *code = fx_get(x, d->txa, 2, 1, 1, 0);
    const char *text = fx_get(x, d->txa, 2, 1, 2, 0);
    enum folio_rc rc;
    if (!*code) {
        fx_error(x, d->txa, 2, 1, 1, FOLIO_HL7_E_REQUIRED_MISSING, FOLIO_FEED_SEV_ERROR,
                 "TXA-2 document type is required");
        return FOLIO_OK;
    }
    n.type_code = NULL;
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(doc_types); i++)
        if (!strcmp(doc_types[i].hl7, code)) {
            n.type_code = doc_types[i].loinc;
            n.type_title = doc_types[i].title;
        }
    if (!n.type_code) { /* not in the table: the sender's code, with a title */
        n.type_code = code;
        n.type_title = *text ? text : fx_printf(x, "Document type %.60s (HL7 table 0270)", code);
        fx_error(x, d->txa, 2, 1, 1, FOLIO_HL7_E_TABLE_VALUE, FOLIO_FEED_SEV_WARNING,
                 "TXA-2: document type '%s' has no LOINC mapping; kept as sent", code);
    }
    n.title = nz(text);
    if (!fx_time(x, d->txa, 4, 1, svc, FOLIO_FEED_SEV_ERROR))
        return FOLIO_OK;
    n.service_at = nz(svc);
    rc = fx_provider(x, d->txa, 9, 1, &n.author_id);
    if (rc || fx_failed(x))
        return rc;
    n.patient_id = x->patient_id;
    n.encounter_id = x->encounter_id;
    n.status = d->status;
    n.content = d->text;
    n.content_len = d->text_len;
    n.mime_type = "text/plain";
    n.ext_system = doc_system(x, d->txa, 12);
    n.ext_id = fx_get(x, d->txa, 12, 1, 1, 0);
    /* used only when the visit's chart was already completed: the document is a late entry */
    n.reason = fx_printf(x, "filed by the interface after the chart was completed (MDM^%s %.80s "
                            "from %.80s)",
                         x->msh->trigger, x->msh->control_id, x->msh->sending_app);
    if (!d->text_len)
        fx_error(x, FOLIO_HL7_NONE, 0, 0, 0, FOLIO_HL7_E_REQUIRED_MISSING, FOLIO_FEED_SEV_WARNING,
                 "no TX/FT document text in OBX: the document is filed without content");
    rc = folio_document_create(&x->chart, &n, &d->doc, NULL, x->err);
    if (rc)
        return fx_chart_err(x, rc, d->txa, 12);
    x->res->unchanged = false;
    return FOLIO_OK;
}

/* Brings the document to `status` with `content` (NULL = keep): a new version only when
 * something differs. A final document is never made preliminary again (warning). */
static enum folio_rc revise_doc(struct fctx *x, struct mdm *d, const char *content, size_t len,
                                const char *reason)
{
    struct folio_document doc;
    struct folio_document_change ch = {0};
    const void *cur = NULL;
    size_t cur_len = 0;
    enum folio_rc rc = folio_document_get(&x->chart, d->doc, &x->a, &doc, x->err);
    if (rc == FOLIO_OK)
        rc = folio_document_content(&x->chart, doc.current.id, &x->a, &cur, &cur_len, x->err);
    if (rc)
        return rc;
    const char *st = doc.current.status;
    if (!strcmp(st, "entered-in-error")) {
        fx_error(x, d->txa, 12, 1, 1, FOLIO_HL7_E_RECORD_LOCKED, FOLIO_FEED_SEV_ERROR,
                 "TXA-12: document '%s' was cancelled (entered in error); it cannot change",
                 fx_get(x, d->txa, 12, 1, 1, 0));
        return FOLIO_OK;
    }
    if (content && len == cur_len && (len == 0 || !memcmp(content, cur, len)))
        content = NULL; /* same text */
    bool prelim = !strcmp(st, "preliminary");
    if (prelim && !strcmp(d->status, "final")) {
        ch.kind = FOLIO_DOC_FINALIZE;
    } else if (prelim && content) {
        ch.kind = FOLIO_DOC_REPLACE;
    } else if (!prelim && content) {
        ch.kind = FOLIO_DOC_CORRECT;
    } else {
        if (!prelim && !strcmp(d->status, "preliminary"))
            fx_error(x, d->txa, 17, 1, 1, FOLIO_HL7_E_ACCEPTED, FOLIO_FEED_SEV_WARNING,
                     "TXA-17 says preliminary but the document is already %s; it stays %s", st,
                     st);
        return FOLIO_OK; /* nothing differs */
    }
    ch.content = content;
    ch.content_len = content ? len : 0;
    ch.reason = reason;
    rc = folio_document_revise(&x->chart, d->doc, &ch, NULL, x->err);
    if (rc)
        return fx_chart_err(x, rc, d->txa, 12);
    x->res->unchanged = false;
    return FOLIO_OK;
}

static enum folio_rc addendum(struct fctx *x, struct mdm *d, const char *reason)
{
    struct folio_document doc;
    struct folio_document_change ch = {0};
    const void *cur = NULL;
    size_t cur_len = 0;
    struct folio_buf b;
    enum folio_rc rc = folio_document_get(&x->chart, d->doc, &x->a, &doc, x->err);
    if (rc == FOLIO_OK)
        rc = folio_document_content(&x->chart, doc.current.id, &x->a, &cur, &cur_len, x->err);
    if (rc)
        return rc;
    if (!strcmp(doc.current.status, "entered-in-error")) {
        fx_error(x, d->txa, 12, 1, 1, FOLIO_HL7_E_RECORD_LOCKED, FOLIO_FEED_SEV_ERROR,
                 "TXA-12: document '%s' was cancelled (entered in error): no addendum",
                 fx_get(x, d->txa, 12, 1, 1, 0));
        return FOLIO_OK;
    }
    if (strstr((const char *)cur, d->text))
        return FOLIO_OK; /* this addendum is already in the document */
    folio_buf_init(&b, DOC_TEXT_MAX + 1024);
    if (folio_buf_append(&b, cur, cur_len) ||
        folio_buf_append_str(&b, cur_len ? "\n\nAddendum:\n" : "Addendum:\n") ||
        folio_buf_append(&b, d->text, d->text_len)) {
        folio_buf_release(&b);
        fx_error(x, FOLIO_HL7_NONE, 0, 0, 0, FOLIO_HL7_E_VALUE_TOO_LONG, FOLIO_FEED_SEV_ERROR,
                 "document text with the addendum exceeds %zu bytes", DOC_TEXT_MAX);
        return FOLIO_OK;
    }
    bool prelim = !strcmp(doc.current.status, "preliminary");
    ch.kind = prelim ? FOLIO_DOC_REPLACE : FOLIO_DOC_ADDENDUM;
    ch.content = b.data;
    ch.content_len = b.len;
    ch.reason = reason;
    rc = folio_document_revise(&x->chart, d->doc, &ch, NULL, x->err);
    folio_buf_release(&b);
    if (rc)
        return fx_chart_err(x, rc, d->txa, 12);
    x->res->unchanged = false;
    if (prelim && !strcmp(d->status, "final"))
        return revise_doc(x, d, NULL, 0, reason);
    return FOLIO_OK;
}

/* TXA-22 authentication (PPN: person ^ ... ^ 15 date/time) -> signatures on the current
 * version; a signer already on it is not added again. */
static enum folio_rc signatures(struct fctx *x, struct mdm *d)
{
    unsigned n = fx_reps(x, d->txa, 22);
    struct folio_document doc;
    enum folio_rc rc;
    if (!n)
        return FOLIO_OK;
    rc = folio_document_get(&x->chart, d->doc, &x->a, &doc, x->err);
    if (rc || !strcmp(doc.current.status, "entered-in-error"))
        return rc;
    for (unsigned r = 1; r <= n; r++) {
        const char *fam = fx_get(x, d->txa, 22, r, 2, 1), *giv = fx_get(x, d->txa, 22, r, 3, 0);
        const char *signer = NULL;
        int64_t prov = 0;
        bool have = false;
        char at[48];
        if (!*fam && !*giv)
            continue;
        if ((rc = fx_provider(x, d->txa, 22, r, &prov)))
            return rc;
        if (!prov)
            signer = fx_printf(x, "%.100s%s%.100s", giv, *giv && *fam ? " " : "", fam);
        /* TXA-22.15 when it was authenticated, else the message time */
        if (!fx_time(x, d->txa, 22, 15, at, FOLIO_FEED_SEV_ERROR))
            return FOLIO_OK;
        if (!at[0] && !fx_time(x, 0, 7, 1, at, FOLIO_FEED_SEV_ERROR))
            return FOLIO_OK;
        for (size_t i = 0; i < doc.current.n_signatures && !have; i++) {
            const struct folio_signature *s = &doc.current.signatures[i];
            have = prov ? s->provider_id == prov : (!s->provider_id && same(s->signer, signer));
        }
        if (have)
            continue;
        rc = folio_document_sign(&x->chart, doc.current.id, prov, signer, "authenticator",
                                 nz(at), NULL, x->err);
        if (rc)
            return fx_chart_err(x, rc, d->txa, 22);
        x->res->unchanged = false;
    }
    return FOLIO_OK;
}

static const struct {
    const char *trigger;
    enum mdm_kind kind;
    bool with_content;
} mdm_triggers[] = {
    {"T01", MDM_ORIGINAL, false}, {"T02", MDM_ORIGINAL, true}, {"T03", MDM_STATUS, false},
    {"T04", MDM_STATUS, true},    {"T05", MDM_ADDENDUM, false}, {"T06", MDM_ADDENDUM, true},
    {"T07", MDM_EDIT, false},     {"T08", MDM_EDIT, true},     {"T09", MDM_REPLACE, false},
    {"T10", MDM_REPLACE, true},   {"T11", MDM_CANCEL, false},
};

enum folio_rc feed_mdm(struct fctx *x)
{
    struct mdm d = {0};
    const char *tr = x->msh->trigger;
    bool known = false;
    enum folio_rc rc;
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(mdm_triggers); i++)
        if (!strcmp(mdm_triggers[i].trigger, tr)) {
            d.kind = mdm_triggers[i].kind;
            d.with_content = mdm_triggers[i].with_content;
            known = true;
        }
    if (!known) {
        fx_error(x, 0, 9, 1, 2, FOLIO_HL7_E_UNSUPPORTED_EVENT, FOLIO_FEED_SEV_ERROR,
                 "MSH-9.2: MDM event '%s' is not applied by Folio (T01 to T11)", tr);
        return FOLIO_OK;
    }
    x->res->action = "document";
    d.txa = folio_hl7_find(x->m, "TXA", 0);
    if (d.txa == FOLIO_HL7_NONE) {
        fx_error(x, FOLIO_HL7_NONE, 0, 0, 0, FOLIO_HL7_E_SEGMENT_SEQUENCE, FOLIO_FEED_SEV_ERROR,
                 "MDM^%s needs a TXA segment", tr);
        return FOLIO_OK;
    }
    /* Documents never create patients (wrong-chart risk) */
    rc = fx_patient(x, false, false);
    if (rc || fx_failed(x))
        return rc;
    if (!*fx_get(x, d.txa, 12, 1, 1, 0)) {
        fx_error(x, d.txa, 12, 1, 1, FOLIO_HL7_E_REQUIRED_MISSING, FOLIO_FEED_SEV_ERROR,
                 "TXA-12 unique document number is required");
        return FOLIO_OK;
    }
    if ((rc = link_visit(x)) || fx_failed(x))
        return rc;
    if (d.kind != MDM_CANCEL && !txa_status(x, &d))
        return FOLIO_OK;
    if (d.with_content && !doc_text(x, &d))
        return FOLIO_OK;
    if ((rc = find_doc(x, &d)) || fx_failed(x))
        return rc;
    x->res->document_id = d.doc;
    const char *why = fx_printf(x, "MDM^%s %.80s from %.80s", tr, x->msh->control_id,
                                x->msh->sending_app);
    if (!d.doc && d.kind == MDM_ORIGINAL && d.with_content) {
        if ((rc = create_doc(x, &d)) || fx_failed(x))
            return rc;
        x->res->document_id = d.doc;
        return signatures(x, &d);
    }
    if (!d.doc && d.kind == MDM_ORIGINAL) {
        fx_error(x, d.txa, 12, 1, 1, FOLIO_HL7_E_ACCEPTED, FOLIO_FEED_SEV_INFO,
                 "MDM^T01 notification without content: nothing filed; the document is filed "
                 "when its content arrives (T02)");
        return FOLIO_OK;
    }
    if (!d.doc) {
        fx_error(x, d.txa, 12, 1, 1, FOLIO_HL7_E_UNKNOWN_KEY, FOLIO_FEED_SEV_ERROR,
                 "TXA-12: no document '%s'%s%s%s to change", fx_get(x, d.txa, 12, 1, 1, 0),
                 *fx_get(x, d.txa, 13, 1, 1, 0) ? " (nor parent '" : "",
                 fx_get(x, d.txa, 13, 1, 1, 0), *fx_get(x, d.txa, 13, 1, 1, 0) ? "')" : "");
        return FOLIO_OK;
    }
    if (d.kind == MDM_CANCEL) {
        struct folio_document doc;
        struct folio_document_change ch = {.kind = FOLIO_DOC_ENTERED_IN_ERROR};
        size_t evn = folio_hl7_find(x->m, "EVN", 0);
        const char *r = fx_get(x, evn, 4, 1, 2, 0);
        if (!*r)
            r = fx_get(x, evn, 4, 1, 1, 0);
        rc = folio_document_get(&x->chart, d.doc, &x->a, &doc, x->err);
        if (rc || !strcmp(doc.current.status, "entered-in-error"))
            return rc; /* already cancelled: a repeat */
        ch.reason = fx_printf(x, "cancelled by the sender (%s)%s%.200s", why, *r ? ": " : "", r);
        rc = folio_document_revise(&x->chart, d.doc, &ch, NULL, x->err);
        if (rc)
            return fx_chart_err(x, rc, d.txa, 12);
        x->res->unchanged = false;
        return FOLIO_OK;
    }
    if (!d.with_content && d.kind != MDM_STATUS) {
        fx_error(x, d.txa, 12, 1, 1, FOLIO_HL7_E_ACCEPTED, FOLIO_FEED_SEV_INFO,
                 "MDM^%s is a notification without content: the document changes when the "
                 "content arrives (T06/T08/T10)",
                 tr);
        return FOLIO_OK;
    }
    if (d.with_content && d.kind != MDM_STATUS && d.kind != MDM_ORIGINAL && !d.text_len) {
        fx_error(x, FOLIO_HL7_NONE, 0, 0, 0, FOLIO_HL7_E_REQUIRED_MISSING, FOLIO_FEED_SEV_ERROR,
                 "MDM^%s carries no TX/FT document text in OBX: nothing to %s", tr,
                 d.kind == MDM_ADDENDUM ? "add" : "replace the document with");
        return FOLIO_OK;
    }
    switch (d.kind) {
    case MDM_ADDENDUM:
        rc = addendum(x, &d, fx_printf(x, "addendum (%s)", why));
        break;
    case MDM_STATUS: /* T03 / T04: TXA-17 (and T04's text when it differs) */
        rc = revise_doc(x, &d, d.with_content && d.text_len ? d.text : NULL, d.text_len,
                        fx_printf(x, "status change (%s)", why));
        break;
    case MDM_ORIGINAL: /* T02 re-sent: a repeat adds nothing; new text is an edit */
    case MDM_EDIT:
        rc = revise_doc(x, &d, d.text_len || d.kind == MDM_EDIT ? d.text : NULL, d.text_len,
                        fx_printf(x, "edited (%s)", why));
        break;
    case MDM_REPLACE:
        rc = revise_doc(x, &d, d.text, d.text_len,
                        fx_printf(x, "replaced (%s; document %.100s, parent %.100s)", why,
                                  fx_get(x, d.txa, 12, 1, 1, 0), fx_get(x, d.txa, 13, 1, 1, 0)));
        break;
    case MDM_CANCEL:
        break;
    }
    if (rc || fx_failed(x))
        return rc;
    return signatures(x, &d);
}
