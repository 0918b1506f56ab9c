/* Deficiency analysis: evaluates the rules in force against an encounter's chart and reconciles
 * the deficiency table; withdrawal, waivers, lists and history
 * (include/folio/completeness.h, docs/completeness.md). */
#include "folio/base.h"

#include "completeness/completeness_int.h"
#include "folio/records.h"
#include "folio/query.h"

#define MAX_ITEMS 2000 /* documents or procedures of one encounter that are looked at */

static enum folio_rc beyond_cap(struct folio_stmt *st, size_t n, size_t cap, const char *what,
                                struct folio_err *err);
#define MAX_DAYS  1000 /* days of a stay that a daily rule looks at (the first ones) */

struct enc {
    int64_t id, patient_id;
    char status[16], enc_class[16], service[64];
    int64_t admit, discharge; /* seconds; valid when has_* */
    bool has_admit, has_discharge;
    char admit_day[11], discharge_day[11];
    bool has_disposition;
    int64_t attending, admitting; /* provider ids, 0 when none */
    /* a final principal diagnosis stated by the clinician (HL7 DG1-6 F, DG1-15 1), or the
     * coding abstract's current principal one */
    bool has_principal_dx;
};

struct doc {
    int64_t id, author_id, version_id;
    char type[32], status[20], mime[64], sha256[65];
    bool author_resident;
    char service_at[32];
    int64_t filed, when; /* when: service time, else filing time */
    bool has_service;
    bool signed_, cosigned, used;
};

struct proc {
    int64_t id, start;
    bool has_start;
    int64_t operator_id; /* 0 when not recorded */
    bool tissue;         /* tissue_sent = 1, or not recorded and the PCS code implies it */
};

struct chart {
    struct folio_store *s; /* for the checks that read more than the chart (other-mrn) */
    int64_t now;
    struct enc e;
    struct doc *docs;
    size_t n_docs;
    struct proc *procs;
    size_t n_procs;
};

struct finding {
    const struct folio_rule *rule;
    char subject[48];
    int64_t doc_id, proc_id, resp_id;
    int64_t due;
    bool has_due;
    char desc[300];
};

struct findings {
    struct finding *v;
    size_t n, cap;
    struct folio_arena *a;
};

/* ---- loading the chart ---- */

static int64_t role_provider(struct folio_store *s, int64_t enc_id, const char *role,
                             enum folio_rc *rc, struct folio_err *err)
{
    int64_t id = 0;
    *rc =
        cmpl_exec(s, &id, err,
                  "SELECT provider_id FROM encounter_provider WHERE encounter_id = ? AND role = ? "
                  "ORDER BY from_at DESC, id DESC LIMIT 1",
                  "it", enc_id, role);
    return id;
}

static void day_of(const char *stored, char out[11])
{
    folio_strlcpy(out, stored ? stored : "", 11);
}

static enum folio_rc load_chart(struct folio_store *s, int64_t enc_id, struct folio_arena *a,
                                struct chart *c, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false;
    enum folio_rc rc;
    memset(c, 0, sizeof *c);
    rc = cmpl_prepare(s, &st, err,
                      "SELECT id, status, enc_class, service, admit_at, discharge_at, disposition, "
                      "patient_id FROM encounter WHERE id = ?",
                      "i", enc_id);
    if (rc)
        return rc;
    rc = folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && !row)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "encounter", "no encounter %lld",
                           (long long)enc_id);
    if (rc == FOLIO_OK) {
        c->e.id = enc_id;
        folio_stmt_column_copy(st, 1, c->e.status, sizeof c->e.status);
        folio_stmt_column_copy(st, 2, c->e.enc_class, sizeof c->e.enc_class);
        folio_stmt_column_copy(st, 3, c->e.service, sizeof c->e.service);
        c->e.has_admit = cmpl_secs(folio_stmt_column_text(st, 4), &c->e.admit);
        day_of(folio_stmt_column_text(st, 4), c->e.admit_day);
        c->e.has_discharge = cmpl_secs(folio_stmt_column_text(st, 5), &c->e.discharge);
        day_of(folio_stmt_column_text(st, 5), c->e.discharge_day);
        c->e.has_disposition = !folio_str_empty(folio_stmt_column_text(st, 6));
        c->e.patient_id = folio_stmt_column_i64(st, 7);
    }
    folio_stmt_free(st);
    st = NULL;
    if (rc)
        return rc;
    c->e.attending = role_provider(s, enc_id, "attending", &rc, err);
    if (rc == FOLIO_OK)
        c->e.admitting = role_provider(s, enc_id, "admitting", &rc, err);
    if (rc == FOLIO_OK) {
        int64_t n = 0;
        /* docs/completeness.md "Principal diagnosis" */
        rc = cmpl_exec(s, &n, err,
                       "SELECT (SELECT COUNT(*) FROM condition WHERE encounter_id = ? AND "
                       "dx_type = 'F' AND dx_priority = 1) + (SELECT COUNT(*) FROM "
                       "coding_abstract a JOIN coding_abstract_code x ON x.abstract_id = a.id "
                       "WHERE a.encounter_id = ? AND x.role = 'principal' AND x.to_version IS "
                       "NULL)",
                       "ii", enc_id, enc_id);
        c->e.has_principal_dx = n > 0;
    }
    if (rc)
        return rc;

    c->docs = folio_arena_calloc(a, MAX_ITEMS, sizeof *c->docs);
    c->procs = folio_arena_calloc(a, MAX_ITEMS, sizeof *c->procs);
    if (!c->docs || !c->procs)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    /* Documents with their current version. */
    rc = cmpl_prepare(s, &st, err,
                      "SELECT d.id, d.type_code, d.author_id, d.service_at, d.filed_at, v.id, "
                      "v.status, v.mime_type, v.content_sha256, COALESCE(p.resident, 0) FROM "
                      "document d JOIN document_version v ON v.document_id = d.id LEFT JOIN "
                      "provider p ON p.id = d.author_id WHERE d.encounter_id = ? AND "
                      "v.version_no = (SELECT MAX(version_no) FROM document_version x WHERE "
                      "x.document_id = d.id) ORDER BY d.id",
                      "i", enc_id);
    if (rc)
        return rc;
    while (c->n_docs < MAX_ITEMS && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        struct doc *d = &c->docs[c->n_docs++];
        d->id = folio_stmt_column_i64(st, 0);
        folio_stmt_column_copy(st, 1, d->type, sizeof d->type);
        d->author_id = folio_stmt_column_is_null(st, 2) ? 0 : folio_stmt_column_i64(st, 2);
        folio_stmt_column_copy(st, 3, d->service_at, sizeof d->service_at);
        d->has_service = cmpl_secs(d->service_at, &d->when);
        if (!cmpl_secs(folio_stmt_column_text(st, 4), &d->filed))
            d->filed = 0;
        if (!d->has_service)
            d->when = d->filed;
        d->version_id = folio_stmt_column_i64(st, 5);
        folio_stmt_column_copy(st, 6, d->status, sizeof d->status);
        folio_stmt_column_copy(st, 7, d->mime, sizeof d->mime);
        folio_stmt_column_copy(st, 8, d->sha256, sizeof d->sha256);
        d->author_resident = folio_stmt_column_i64(st, 9) != 0;
    }
    if (rc == FOLIO_OK)
        rc = beyond_cap(st, c->n_docs, MAX_ITEMS, "documents", err);
    folio_stmt_free(st);
    st = NULL;
    if (rc)
        return rc;
    for (size_t i = 0; i < c->n_docs && rc == FOLIO_OK; i++) {
        struct doc *d = &c->docs[i];
        rc = cmpl_prepare(s, &st, err, "SELECT role FROM document_signature WHERE version_id = ?",
                          "i", d->version_id);
        if (rc)
            return rc;
        while ((rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
            const char *role = folio_stmt_column_text(st, 0);
            if (role && strcmp(role, "cosigner") == 0)
                d->cosigned = true;
            else
                d->signed_ = true;
        }
        folio_stmt_free(st);
        st = NULL;
    }
    if (rc)
        return rc;
    rc = cmpl_prepare(s, &st, err,
                      "SELECT id, performed_start, operator_id, tissue_sent, code_system, code "
                      "FROM procedure_event WHERE encounter_id = ? ORDER BY performed_start, id",
                      "i", enc_id);
    if (rc)
        return rc;
    while (c->n_procs < MAX_ITEMS && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        struct proc *p = &c->procs[c->n_procs++];
        p->id = folio_stmt_column_i64(st, 0);
        p->has_start = cmpl_secs(folio_stmt_column_text(st, 1), &p->start);
        p->operator_id = folio_stmt_column_is_null(st, 2) ? 0 : folio_stmt_column_i64(st, 2);
        if (!folio_stmt_column_is_null(st, 3))
            p->tissue = folio_stmt_column_i64(st, 3) == 1;
        else
            p->tissue = cmpl_pcs_implies_tissue(folio_stmt_column_text(st, 4),
                                                folio_stmt_column_text(st, 5));
    }
    if (rc == FOLIO_OK)
        rc = beyond_cap(st, c->n_procs, MAX_ITEMS, "procedures", err);
    folio_stmt_free(st);
    return rc;
}

/* ---- evaluating the rules ---- */

/* list is ",a,b," (empty = everything); services compare case-insensitively (stored upper). */
static bool in_list(const char *list, const char *v, bool upper)
{
    char key[80];
    if (!list[0])
        return true;
    if (!folio_snprintf(key, sizeof key, ",%s,", v))
        return false;
    for (size_t i = 1; upper && key[i]; i++)
        if (key[i] >= 'a' && key[i] <= 'z')
            key[i] = (char)(key[i] - 32);
    return strstr(list, key) != NULL;
}

static bool rule_applies(const struct folio_rule *r, const struct enc *e)
{
    if (strcmp(e->status, "cancelled") == 0)
        return false;
    return in_list(r->classes, e->enc_class, false) && in_list(r->services, e->service, true);
}

static bool doc_valid(const struct doc *d)
{
    return strcmp(d->status, "entered-in-error") != 0;
}

static bool doc_of(const struct doc *d, const struct folio_rule *r)
{
    return doc_valid(d) && (!r->doc_type[0] || strcmp(d->type, r->doc_type) == 0) &&
           !(r->except[0] && in_list(r->except, d->type, false));
}

static const char *type_title(const char *code)
{
    const char *t = code[0] ? folio_loinc_doc_title(code) : NULL;
    return t ? t : "document";
}

static struct finding *add(struct findings *fs, const struct folio_rule *r, const char *subject,
                           int64_t resp, bool has_due, int64_t due)
{
    if (fs->n == fs->cap) {
        size_t nc = fs->cap ? fs->cap * 2 : 32;
        struct finding *nv = folio_arena_calloc(fs->a, nc, sizeof *nv);
        if (!nv)
            return NULL;
        if (fs->n)
            memcpy(nv, fs->v, fs->n * sizeof *nv);
        fs->v = nv;
        fs->cap = nc;
    }
    struct finding *f = &fs->v[fs->n++];
    memset(f, 0, sizeof *f);
    f->rule = r;
    folio_strlcpy(f->subject, subject, sizeof f->subject);
    f->resp_id = resp;
    f->has_due = has_due;
    f->due = due;
    return f;
}

static int64_t resp_of(const struct folio_rule *r, const struct enc *e, const struct doc *d,
                       const struct proc *p)
{
    enum folio_rule_resp k = r->resp;
    if (k == FOLIO_RESP_DEFAULT)
        k = (r->kind == FOLIO_RULE_SIGN || r->kind == FOLIO_RULE_CHECK) ? FOLIO_RESP_AUTHOR
                                                                        : FOLIO_RESP_ATTENDING;
    if (k == FOLIO_RESP_AUTHOR && d && d->author_id)
        return d->author_id;
    if (k == FOLIO_RESP_ADMITTING && e->admitting)
        return e->admitting;
    if (k == FOLIO_RESP_OPERATOR && p && p->operator_id)
        return p->operator_id;
    return e->attending;
}

/* A document's day for the stay check: the date part of its service time. */
/* After a read loop stopped at its cap: a further row means the encounter is larger than the
 * analysis reads, and analysing part of it would invent missing documents or duplicate
 * deficiencies, so it is refused (ETOOBIG naming what). */
static enum folio_rc beyond_cap(struct folio_stmt *st, size_t n, size_t cap, const char *what,
                                struct folio_err *err)
{
    bool more = false;
    enum folio_rc rc;
    if (n < cap)
        return FOLIO_OK;
    rc = folio_stmt_step(st, &more, err);
    if (rc == FOLIO_OK && more)
        rc = folio_err_set(err, FOLIO_ETOOBIG, what,
                           "the encounter has more than %zu %s: too large to analyse", cap, what);
    return rc;
}

static bool outside_stay(const struct doc *d, const struct enc *e)
{
    /* A physician query's response is by nature written when the query is answered, usually
     * after discharge: its date is the answer's, not a date of care. */
    if (!d->has_service || strcmp(d->type, FOLIO_QUERY_DOC_TYPE) == 0)
        return false;
    if (strlen(d->service_at) <= 10) { /* day precision: compare days */
        if (e->has_admit && strcmp(d->service_at, e->admit_day) < 0)
            return true;
        return e->has_discharge && strcmp(d->service_at, e->discharge_day) > 0;
    }
    if (e->has_admit && d->when < e->admit)
        return true;
    return e->has_discharge && d->when > e->discharge;
}

#define ADD_OR_OOM(f, call)                                                                        \
    do {                                                                                           \
        if (((f) = (call)) == NULL)                                                                \
            return FOLIO_ENOMEM;                                                                   \
    } while (0)

/* Days since 1970-01-01 (UTC) of a time in seconds. */
static int64_t day_number(int64_t secs)
{
    return (secs >= 0 ? secs : secs - 86399) / 86400;
}

/* require ... daily: each calendar day (UTC) from the admission day to the day before the
 * discharge day (in house: to the day before now's), at most MAX_DAYS; a day is met by a
 * document of the type whose time falls in it. Due at the end of the day + within. */
static enum folio_rc eval_daily(const struct folio_rule *r, struct chart *c, struct findings *fs)
{
    struct finding *f;
    int64_t first, last;
    bool *met;
    if (!c->e.has_admit)
        return FOLIO_OK;
    first = day_number(c->e.admit);
    last = day_number(c->e.has_discharge ? c->e.discharge : c->now) - 1;
    if (last < first)
        return FOLIO_OK;
    if (last - first >= MAX_DAYS)
        last = first + MAX_DAYS - 1;
    met = folio_arena_calloc(fs->a, (size_t)(last - first + 1), sizeof *met);
    if (!met)
        return FOLIO_ENOMEM;
    for (size_t i = 0; i < c->n_docs; i++) {
        int64_t day = day_number(c->docs[i].when);
        if (doc_of(&c->docs[i], r) && day >= first && day <= last)
            met[day - first] = true;
    }
    for (int64_t day = first; day <= last; day++) {
        char subj[48], at[32];
        if (met[day - first])
            continue;
        cmpl_fmt(day * 86400, at);
        at[10] = '\0';
        folio_snprintf(subj, sizeof subj, "day:%s", at);
        ADD_OR_OOM(f, add(fs, r, subj, resp_of(r, &c->e, NULL, NULL), true,
                          (day + 1) * 86400 + r->within_s));
        folio_snprintf(f->desc, sizeof f->desc, "%s missing for %s", type_title(r->doc_type), at);
    }
    return FOLIO_OK;
}

static enum folio_rc eval_require(const struct folio_rule *r, struct chart *c, struct findings *fs)
{
    struct finding *f;
    const char *title = type_title(r->doc_type);
    if (r->anchor == FOLIO_ANCHOR_DAY)
        return eval_daily(r, c, fs);
    if (r->anchor == FOLIO_ANCHOR_PROCEDURE) {
        for (size_t i = 0; i < c->n_docs; i++)
            c->docs[i].used = false;
        for (size_t i = 0; i < c->n_procs; i++) {
            const struct proc *p = &c->procs[i];
            bool found = false;
            if (!p->has_start || (r->when == FOLIO_WHEN_TISSUE && !p->tissue))
                continue;
            /* Pair documents with procedures in time order: one document per procedure, made
             * before it (before procedure) or after its start (otherwise). */
            for (size_t j = 0; j < c->n_docs && !found; j++) {
                struct doc *d = &c->docs[j];
                if (d->used || !doc_of(d, r))
                    continue;
                if (r->before_procedure ? d->when <= p->start : d->when >= p->start)
                    found = d->used = true;
            }
            if (found)
                continue;
            char subj[48];
            int64_t due = r->before_procedure ? p->start : p->start + r->within_s;
            folio_snprintf(subj, sizeof subj, "procedure:%lld", (long long)p->id);
            ADD_OR_OOM(f, add(fs, r, subj, resp_of(r, &c->e, NULL, p), true, due));
            f->proc_id = p->id;
            folio_snprintf(f->desc, sizeof f->desc, "%s missing for procedure #%lld%s", title,
                           (long long)p->id,
                           r->when == FOLIO_WHEN_TISSUE ? " (tissue to pathology)" : "");
        }
        return FOLIO_OK;
    }
    int64_t anchor;
    if (r->anchor == FOLIO_ANCHOR_ADMIT && c->e.has_admit)
        anchor = c->e.admit;
    else if (r->anchor == FOLIO_ANCHOR_DISCHARGE && c->e.has_discharge)
        anchor = c->e.discharge;
    else
        return FOLIO_OK; /* the anchor has not happened yet */
    for (size_t i = 0; i < c->n_docs; i++)
        if (doc_of(&c->docs[i], r))
            return FOLIO_OK;
    int64_t due = anchor + r->within_s;
    if (r->before_procedure)
        for (size_t i = 0; i < c->n_procs; i++)
            if (c->procs[i].has_start && c->procs[i].start < due)
                due = c->procs[i].start;
    ADD_OR_OOM(f, add(fs, r, "encounter", resp_of(r, &c->e, NULL, NULL), true, due));
    folio_snprintf(f->desc, sizeof f->desc, "%s missing", title);
    return FOLIO_OK;
}

static enum folio_rc eval_sign(const struct folio_rule *r, struct chart *c, struct findings *fs)
{
    struct finding *f;
    char subj[48];
    for (size_t i = 0; i < c->n_docs; i++) {
        const struct doc *d = &c->docs[i];
        if (!doc_of(d, r) || (r->cosign_residents && !d->author_resident))
            continue;
        if (!d->signed_) {
            folio_snprintf(subj, sizeof subj, "document:%lld", (long long)d->id);
            ADD_OR_OOM(f,
                       add(fs, r, subj, resp_of(r, &c->e, d, NULL), true, d->when + r->within_s));
            f->doc_id = d->id;
            folio_snprintf(f->desc, sizeof f->desc, "%s #%lld not signed", type_title(d->type),
                           (long long)d->id);
        }
        if (r->cosign && !d->cosigned) {
            folio_snprintf(subj, sizeof subj, "cosign:%lld", (long long)d->id);
            ADD_OR_OOM(f, add(fs, r, subj, c->e.attending, true, d->when + r->within_s));
            f->doc_id = d->id;
            folio_snprintf(f->desc, sizeof f->desc, "%s #%lld not co-signed", type_title(d->type),
                           (long long)d->id);
        }
    }
    return FOLIO_OK;
}

static enum folio_rc eval_field(const struct folio_rule *r, struct chart *c, struct findings *fs)
{
    struct finding *f;
    bool missing;
    int64_t anchor;
    if (r->anchor == FOLIO_ANCHOR_ADMIT && c->e.has_admit)
        anchor = c->e.admit;
    else if (r->anchor == FOLIO_ANCHOR_DISCHARGE && c->e.has_discharge)
        anchor = c->e.discharge;
    else
        return FOLIO_OK;
    if (r->field == FOLIO_FIELD_ATTENDING)
        missing = c->e.attending == 0;
    else if (r->field == FOLIO_FIELD_PRINCIPAL_DX)
        missing = !c->e.has_principal_dx;
    else
        missing = c->e.has_discharge && !c->e.has_disposition;
    if (!missing)
        return FOLIO_OK;
    ADD_OR_OOM(f,
               add(fs, r, "encounter", resp_of(r, &c->e, NULL, NULL), true, anchor + r->within_s));
    folio_snprintf(f->desc, sizeof f->desc, "%s missing",
                   r->field == FOLIO_FIELD_ATTENDING      ? "Attending provider"
                   : r->field == FOLIO_FIELD_PRINCIPAL_DX ? "Principal diagnosis statement"
                                                          : "Discharge disposition");
    return FOLIO_OK;
}

static enum folio_rc eval_check(const struct folio_rule *r, struct chart *c, struct findings *fs,
                                struct folio_err *err)
{
    struct finding *f;
    struct cmpl_mrn_scan scan;
    bool scan_ready = false;
    char subj[48];
    enum folio_rc rc;
    if (r->anchor == FOLIO_ANCHOR_DISCHARGE && !c->e.has_discharge)
        return FOLIO_OK;
    for (size_t i = 0; i < c->n_docs; i++) {
        const struct doc *d = &c->docs[i];
        bool bad;
        if (!doc_of(d, r))
            continue;
        if (r->check == FOLIO_CHECK_DATES_IN_STAY) {
            bad = outside_stay(d, &c->e);
        } else if (r->check == FOLIO_CHECK_FINAL) {
            bad = strcmp(d->status, "preliminary") == 0;
        } else {
            if (!cmpl_text_mime(d->mime))
                continue;
            if (!scan_ready) {
                rc = cmpl_mrn_scan_init(&scan, c->s, c->e.patient_id, err);
                if (rc)
                    return rc;
                scan_ready = true;
            }
            rc = cmpl_mrn_scan_doc(&scan, d->sha256, fs->a, &bad, err);
            if (rc)
                return rc;
        }
        if (!bad)
            continue;
        int64_t anchor = r->anchor == FOLIO_ANCHOR_DISCHARGE ? c->e.discharge : d->filed;
        folio_snprintf(subj, sizeof subj, "document:%lld", (long long)d->id);
        ADD_OR_OOM(f, add(fs, r, subj, resp_of(r, &c->e, d, NULL), true, anchor + r->within_s));
        f->doc_id = d->id;
        /* Never the MRN or the other patient: the description is shown to whoever works the
         * deficiency. */
        if (r->check == FOLIO_CHECK_DATES_IN_STAY)
            folio_snprintf(f->desc, sizeof f->desc, "%s #%lld dated %s, outside the stay",
                           type_title(d->type), (long long)d->id, d->service_at);
        else if (r->check == FOLIO_CHECK_FINAL)
            folio_snprintf(f->desc, sizeof f->desc, "%s #%lld is still preliminary",
                           type_title(d->type), (long long)d->id);
        else
            folio_snprintf(f->desc, sizeof f->desc, "%s #%lld names another patient's MRN",
                           type_title(d->type), (long long)d->id);
    }
    return FOLIO_OK;
}

static enum folio_rc evaluate(const struct folio_ruleset *set, struct chart *c, struct findings *fs,
                              struct folio_err *err)
{
    enum folio_rc rc = FOLIO_OK;
    for (size_t i = 0; i < set->n && rc == FOLIO_OK; i++) {
        const struct folio_rule *r = &set->rules[i];
        if (!rule_applies(r, &c->e))
            continue;
        switch (r->kind) {
        case FOLIO_RULE_REQUIRE:
            rc = eval_require(r, c, fs);
            break;
        case FOLIO_RULE_SIGN:
            rc = eval_sign(r, c, fs);
            break;
        case FOLIO_RULE_FIELD:
            rc = eval_field(r, c, fs);
            break;
        case FOLIO_RULE_CHECK:
            rc = eval_check(r, c, fs, err);
            break;
        }
    }
    if (rc == FOLIO_ENOMEM)
        return folio_err_set(err, rc, NULL, "out of memory");
    return rc;
}

/* ---- reconciling ---- */

static const char *const kind_names[] = {"", "require", "sign", "field", "check"};

static enum folio_rc event(struct folio_store *s, int64_t def_id, const char *at, const char *who,
                           const char *action, const char *detail, struct folio_err *err)
{
    return cmpl_exec(s, NULL, err,
                     "INSERT INTO deficiency_event (deficiency_id, at, user_name, action, detail) "
                     "VALUES (?, ?, ?, ?, ?)",
                     "itttt", def_id, at, who, action, detail);
}

struct existing {
    int64_t id;
    char rule[33], subject[48], status[12], due_at[32];
    bool matched;
};

static const struct folio_rule *rule_named(const struct folio_ruleset *set, const char *name)
{
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->rules[i].name, name) == 0)
            return &set->rules[i];
    return NULL;
}

static enum folio_rc reconcile(struct folio_store *s, const struct chart *c,
                               const struct folio_ruleset *set, int64_t set_version,
                               const struct findings *fs, const char *at, int64_t now,
                               const char *who, struct folio_arena *a,
                               struct folio_cmpl_result *res, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct existing *ex = NULL;
    size_t n_ex = 0;
    bool row = false;
    enum folio_rc rc;
    ex = folio_arena_calloc(a, MAX_ITEMS * 2, sizeof *ex);
    if (!ex)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    rc = cmpl_prepare(s, &st, err,
                      "SELECT id, rule, subject, status, due_at FROM deficiency WHERE "
                      "encounter_id = ? AND status IN ('open', 'waived') ORDER BY id",
                      "i", c->e.id);
    if (rc)
        return rc;
    while (n_ex < MAX_ITEMS * 2 && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        struct existing *x = &ex[n_ex++];
        x->id = folio_stmt_column_i64(st, 0);
        folio_stmt_column_copy(st, 1, x->rule, sizeof x->rule);
        folio_stmt_column_copy(st, 2, x->subject, sizeof x->subject);
        folio_stmt_column_copy(st, 3, x->status, sizeof x->status);
        folio_stmt_column_copy(st, 4, x->due_at, sizeof x->due_at);
    }
    if (rc == FOLIO_OK)
        rc = beyond_cap(st, n_ex, MAX_ITEMS * 2, "open deficiencies", err);
    folio_stmt_free(st);
    if (rc)
        return rc;

    for (size_t i = 0; i < fs->n && rc == FOLIO_OK; i++) {
        const struct finding *f = &fs->v[i];
        struct existing *x = NULL;
        char due[32] = "";
        if (f->has_due)
            cmpl_fmt(f->due, due);
        for (size_t j = 0; j < n_ex && !x; j++)
            if (!ex[j].matched && strcmp(ex[j].rule, f->rule->name) == 0 &&
                strcmp(ex[j].subject, f->subject) == 0)
                x = &ex[j];
        if (x) {
            x->matched = true;
            if (strcmp(x->status, "open") == 0 && strcmp(x->due_at, due) != 0) {
                char detail[80];
                folio_snprintf(detail, sizeof detail, "%s -> %s (rules v%lld)",
                               x->due_at[0] ? x->due_at : "none", due[0] ? due : "none",
                               (long long)set_version);
                rc = cmpl_exec(s, NULL, err,
                               "UPDATE deficiency SET due_at = ?, ruleset_version = ? WHERE id = ?",
                               "tii", due, set_version, x->id);
                if (rc == FOLIO_OK)
                    rc = event(s, x->id, at, who, "due", detail, err);
                res->updated++;
            }
            continue;
        }
        int64_t id = 0;
        rc = cmpl_exec(s, &id, err,
                       "INSERT INTO deficiency (encounter_id, rule, kind, subject, document_id, "
                       "procedure_id, doc_type, description, responsible_id, due_at, status, "
                       "ruleset_version, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                       "'open', ?, ?) RETURNING id",
                       "ittt"
                       "IIttIt"
                       "it",
                       c->e.id, f->rule->name, kind_names[f->rule->kind], f->subject, f->doc_id,
                       f->proc_id, f->rule->doc_type, f->desc, f->resp_id, due, set_version, at);
        if (rc == FOLIO_OK)
            rc = event(s, id, at, who, "create", f->desc, err);
        res->created++;
    }
    for (size_t j = 0; j < n_ex && rc == FOLIO_OK; j++) {
        struct existing *x = &ex[j];
        const struct folio_rule *r;
        const char *how;
        int64_t due;
        bool late;
        if (x->matched || strcmp(x->status, "open") != 0)
            continue;
        r = rule_named(set, x->rule);
        if (strcmp(c->e.status, "cancelled") == 0)
            how = "encounter cancelled";
        else if (!r || !rule_applies(r, &c->e))
            how = "rule no longer applies";
        else
            how = "resolved";
        late = cmpl_secs(x->due_at, &due) && now > due && strcmp(how, "resolved") == 0;
        rc = cmpl_exec(s, NULL, err,
                       "UPDATE deficiency SET status = 'closed', closed_at = ?, closed_how = ?, "
                       "late = ? WHERE id = ?",
                       "ttii", at, how, (int64_t)late, x->id);
        if (rc == FOLIO_OK) {
            char detail[80];
            folio_snprintf(detail, sizeof detail, "%s%s", how, late ? " (late)" : "");
            rc = event(s, x->id, at, who, "close", detail, err);
        }
        res->closed++;
    }
    if (rc == FOLIO_OK) {
        int64_t n = 0;
        rc = cmpl_exec(s, &n, err,
                       "SELECT COUNT(*) FROM deficiency WHERE encounter_id = ? AND status = 'open'",
                       "i", c->e.id);
        res->open = (size_t)n;
    }
    return rc;
}

enum folio_rc folio_completeness_analyze(struct folio_store *s, int64_t encounter_id,
                                         const char *now, const char *user,
                                         struct folio_cmpl_result *res, struct folio_err *err)
{
    struct folio_arena a = {0};
    struct folio_cmpl_result local = {0};
    struct folio_rules_version ver;
    struct folio_ruleset set;
    struct findings fs = {.a = &a};
    struct chart c;
    char at[32];
    int64_t secs;
    const char *who;
    enum folio_rc rc;
    if (!res)
        res = &local;
    memset(res, 0, sizeof *res);
    rc = cmpl_user(user, false, &who, err);
    if (rc == FOLIO_OK)
        rc = cmpl_now(now, at, &secs, err);
    if (rc)
        return rc;
    rc = folio_store_begin(s, err);
    if (rc)
        return rc;
    rc = folio_rules_in_force(s, &a, &ver, &set, err);
    if (rc == FOLIO_OK)
        rc = load_chart(s, encounter_id, &a, &c, err);
    if (rc == FOLIO_OK && ver.version) {
        res->ruleset_version = ver.version;
        c.s = s;
        c.now = secs;
        rc = evaluate(&set, &c, &fs, err);
        if (rc == FOLIO_OK)
            rc = reconcile(s, &c, &set, ver.version, &fs, at, secs, who, &a, res, err);
    }
    rc = folio_store_end(s, rc, err);
    folio_arena_release(&a);
    return rc;
}

/* ---- withdrawal, waivers ---- */

enum folio_rc folio_completeness_withdraw(struct folio_store *s, int64_t encounter_id,
                                          const char *reason, const char *user, const char *now,
                                          size_t *n, struct folio_err *err)
{
    int64_t secs, found = 0, count = 0, completed = 0;
    char at[32], how[CMPL_TEXT_MAX + 16], detail[CMPL_TEXT_MAX + 32];
    const char *who;
    enum folio_rc rc;
    if (n)
        *n = 0;
    if (folio_str_empty(reason) || strlen(reason) > CMPL_TEXT_MAX)
        return folio_err_set(err, FOLIO_EINVAL, "reason", "reason: required, at most %d bytes",
                             CMPL_TEXT_MAX);
    rc = cmpl_user(user, false, &who, err);
    if (rc == FOLIO_OK)
        rc = cmpl_now(now, at, &secs, err);
    if (rc)
        return rc;
    folio_snprintf(how, sizeof how, "withdrawn: %s", reason);
    rc = folio_store_begin(s, err);
    if (rc)
        return rc;
    rc =
        cmpl_exec(s, &found, err, "SELECT COUNT(*) FROM encounter WHERE id = ?", "i", encounter_id);
    if (rc == FOLIO_OK && !found)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "encounter", "no encounter %lld",
                           (long long)encounter_id);
    /* Every open or waived deficiency, however many: the events first (they select by the
     * status the update then changes). */
    if (rc == FOLIO_OK)
        rc = cmpl_exec(s, &count, err,
                       "SELECT COUNT(*) FROM deficiency WHERE encounter_id = ? AND status IN "
                       "('open', 'waived')",
                       "i", encounter_id);
    if (rc == FOLIO_OK && count > 0)
        rc = cmpl_exec(s, NULL, err,
                       "INSERT INTO deficiency_event (deficiency_id, at, user_name, action, detail) "
                       "SELECT id, ?, ?, 'withdraw', ? FROM deficiency WHERE encounter_id = ? AND "
                       "status IN ('open', 'waived') ORDER BY id",
                       "ttti", at, who, reason, encounter_id);
    if (rc == FOLIO_OK && count > 0)
        rc = cmpl_exec(s, NULL, err,
                       "UPDATE deficiency SET status = 'withdrawn', closed_at = ?, closed_how = ? "
                       "WHERE encounter_id = ? AND status IN ('open', 'waived')",
                       "tti", at, how, encounter_id);
    /* A cancelled discharge puts the patient back in house: a chart marked complete is not. */
    if (rc == FOLIO_OK)
        rc = cmpl_exec(s, &completed, err,
                       "SELECT COUNT(*) FROM encounter WHERE id = ? AND chart_completed_at IS NOT "
                       "NULL",
                       "i", encounter_id);
    if (rc == FOLIO_OK && completed) {
        folio_snprintf(detail, sizeof detail, "discharge cancelled: %s", reason);
        rc = cmpl_chart_reopen(s, encounter_id, detail, who, at, err);
    }
    if (rc == FOLIO_OK && n)
        *n = (size_t)count;
    return folio_store_end(s, rc, err);
}

enum folio_rc folio_completeness_waive(struct folio_store *s, int64_t deficiency_id,
                                       const char *reason, const char *user, const char *now,
                                       struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false;
    char at[32], status[12] = "";
    int64_t secs;
    const char *who;
    enum folio_rc rc;
    if (folio_str_empty(reason) || strlen(reason) > CMPL_TEXT_MAX)
        return folio_err_set(err, FOLIO_EINVAL, "reason", "reason: required, at most %d bytes",
                             CMPL_TEXT_MAX);
    rc = cmpl_user(user, true, &who, err);
    if (rc == FOLIO_OK)
        rc = cmpl_now(now, at, &secs, err);
    if (rc)
        return rc;
    rc = folio_store_begin(s, err);
    if (rc)
        return rc;
    rc =
        cmpl_prepare(s, &st, err, "SELECT status FROM deficiency WHERE id = ?", "i", deficiency_id);
    if (rc == FOLIO_OK)
        rc = folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && row)
        folio_stmt_column_copy(st, 0, status, sizeof status);
    folio_stmt_free(st);
    if (rc == FOLIO_OK && !row)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "deficiency", "no deficiency %lld",
                           (long long)deficiency_id);
    if (rc == FOLIO_OK && strcmp(status, "open") != 0)
        rc = folio_err_set(err, FOLIO_ESTATE, "status",
                           "cannot waive deficiency %lld: it is %s, not open",
                           (long long)deficiency_id, status);
    if (rc == FOLIO_OK)
        rc = cmpl_exec(s, NULL, err,
                       "UPDATE deficiency SET status = 'waived', waived_by = ?, waived_reason = ? "
                       "WHERE id = ?",
                       "tti", who, reason, deficiency_id);
    if (rc == FOLIO_OK)
        rc = event(s, deficiency_id, at, who, "waive", reason, err);
    return folio_store_end(s, rc, err);
}

/* ---- reading ---- */

enum folio_rc folio_completeness_list(struct folio_store *s,
                                      const struct folio_deficiency_filter *f,
                                      struct folio_arena *a, struct folio_deficiency **out,
                                      size_t *n, struct folio_err *err)
{
    struct folio_deficiency_filter none = {0};
    struct folio_stmt *st = NULL;
    struct folio_deficiency *v;
    bool row = false, oom = false;
    char at[32];
    int64_t now;
    size_t limit;
    enum folio_rc rc;
    *out = NULL;
    *n = 0;
    if (!f)
        f = &none;
    rc = cmpl_now(f->now, at, &now, err);
    if (rc)
        return rc;
    limit = f->limit == 0 ? 200 : f->limit > 1000 ? 1000 : f->limit;
    v = folio_arena_calloc(a, limit, sizeof *v);
    if (!v)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    /* Each filter is "column = ?" when given and "0 = ?" (bound to 0) when not, rather than
     * "(? = 0 OR column = ?)": an OR of a parameter keeps the planner from using the index. */
    char sql[768];
    if (!folio_snprintf(sql, sizeof sql,
                        "SELECT id, encounter_id, rule, kind, subject, document_id, procedure_id, "
                        "doc_type, description, responsible_id, due_at, status, ruleset_version, "
                        "created_at, closed_at, closed_how, late, waived_by, waived_reason "
                        "FROM deficiency WHERE %s AND %s AND %s AND %s "
                        "ORDER BY CASE WHEN due_at IS NULL THEN 1 ELSE 0 END, due_at, id LIMIT ?",
                        f->id ? "id = ?" : "0 = ?", f->encounter_id ? "encounter_id = ?" : "0 = ?",
                        f->responsible_id ? "responsible_id = ?" : "0 = ?",
                        f->open_only ? "status = 'open' AND 1 = ?" : "0 = ?"))
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "deficiency query too long");
    rc = cmpl_prepare(s, &st, err, sql, "iiiii", f->id, f->encounter_id, f->responsible_id,
                      (int64_t)f->open_only, (int64_t)limit);
    if (rc)
        return rc;
    while (*n < limit && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        struct folio_deficiency *d = &v[(*n)++];
        int64_t due;
        d->id = folio_stmt_column_i64(st, 0);
        d->encounter_id = folio_stmt_column_i64(st, 1);
        d->rule = folio_stmt_column_dup(a, st, 2, &oom);
        folio_stmt_column_copy(st, 3, d->kind, sizeof d->kind);
        d->subject = folio_stmt_column_dup(a, st, 4, &oom);
        d->document_id = folio_stmt_column_is_null(st, 5) ? 0 : folio_stmt_column_i64(st, 5);
        d->procedure_id = folio_stmt_column_is_null(st, 6) ? 0 : folio_stmt_column_i64(st, 6);
        d->doc_type = folio_stmt_column_dup(a, st, 7, &oom);
        d->description = folio_stmt_column_dup(a, st, 8, &oom);
        d->responsible_id = folio_stmt_column_is_null(st, 9) ? 0 : folio_stmt_column_i64(st, 9);
        folio_stmt_column_copy(st, 10, d->due_at, sizeof d->due_at);
        folio_stmt_column_copy(st, 11, d->status, sizeof d->status);
        d->ruleset_version = folio_stmt_column_i64(st, 12);
        folio_stmt_column_copy(st, 13, d->created_at, sizeof d->created_at);
        folio_stmt_column_copy(st, 14, d->closed_at, sizeof d->closed_at);
        d->closed_how = folio_stmt_column_dup(a, st, 15, &oom);
        d->late = folio_stmt_column_i64(st, 16) != 0;
        d->waived_by = folio_stmt_column_dup(a, st, 17, &oom);
        d->waived_reason = folio_stmt_column_dup(a, st, 18, &oom);
        d->overdue = strcmp(d->status, "open") == 0 && cmpl_secs(d->due_at, &due) && now > due;
    }
    folio_stmt_free(st);
    *out = v;
    if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    return rc;
}

enum folio_rc folio_completeness_history(struct folio_store *s, int64_t deficiency_id,
                                         struct folio_arena *a, struct folio_deficiency_event **out,
                                         size_t *n, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct folio_deficiency_event *v = NULL;
    size_t cap = 0;
    bool row = false, oom = false;
    int64_t found = 0;
    enum folio_rc rc;
    *out = NULL;
    *n = 0;
    rc = cmpl_exec(s, &found, err, "SELECT COUNT(*) FROM deficiency WHERE id = ?", "i",
                   deficiency_id);
    if (rc)
        return rc;
    if (!found)
        return folio_err_set(err, FOLIO_ENOTFOUND, "deficiency", "no deficiency %lld",
                             (long long)deficiency_id);
    rc = cmpl_prepare(s, &st, err,
                      "SELECT at, user_name, action, detail FROM deficiency_event WHERE "
                      "deficiency_id = ? ORDER BY id",
                      "i", deficiency_id);
    if (rc)
        return rc;
    while ((rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        {
            struct folio_deficiency_event *nv = folio_arena_grow(a, v, *n, &cap, sizeof *nv, 8);
            if (!nv) {
                oom = true;
                break;
            }
            v = nv;
        }
        struct folio_deficiency_event *e = &v[(*n)++];
        folio_stmt_column_copy(st, 0, e->at, sizeof e->at);
        e->user = folio_stmt_column_dup(a, st, 1, &oom);
        folio_stmt_column_copy(st, 2, e->action, sizeof e->action);
        e->detail = folio_stmt_column_dup(a, st, 3, &oom);
    }
    folio_stmt_free(st);
    *out = v;
    if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    return rc;
}
