/* The master patient index through the API (folio/mpi.h, folio/merge.h; docs/api.md "Master
 * patient index"): identity search at registration, the potential-duplicate worklist (list, side
 * by side, decisions, scan), merges (history, the merge log, merge, unmerge) and overlay flags.
 *
 * The handlers parse and check input, call the library and render; the rules (scores, bands, what
 * a merge moves, what an unmerge may restore) are the library's. Audit: identity search is
 * patient.search (terms, SSN masked, and the result count); the worklist list mpi.worklist; a pair
 * side by side patient.view for both charts; the merge history mpi.merges; one merge's log
 * mpi.merges for both charts; overlays mpi.overlays. Decisions, merges, unmerges and scans are
 * audited by the library itself (mpi.decide, patient.merge, patient.unmerge, mpi.scan) with the
 * session's roles and client. */
#include "folio/base.h"

#include "folio/chart_json.h"
#include "folio/merge.h"
#include "folio/mpi.h"
#include "folio/records.h"
#include "folio/time.h"
#include "server/render.h"
#include "server/server.h"

/* ---------------------------------------------------------------- shared */

/* The session's roles as text, for audit entries the library appends (NULL when unknown). */
static const char *roles_text(const struct folio_req *req)
{
    char buf[256];

    if (!req->session || !folio_roles_format(req->session->roles, buf, sizeof buf))
        return NULL;
    return folio_arena_strdup(req->arena, buf);
}

/* API names of the matcher's bands: "link" is shown as "auto-link". */
static const char *band_name(const char *b)
{
    if (!b)
        return NULL;
    return strcmp(b, "link") == 0 ? "auto-link" : b;
}

/* How one field agreed, in words a reviewer reads: matched / close / different / missing. */
static const char *verdict_of_level(const char *level)
{
    if (!level || strcmp(level, "missing") == 0)
        return "missing";
    if (strcmp(level, "exact") == 0)
        return "matched";
    if (strcmp(level, "disagree") == 0)
        return "different";
    return "close"; /* close, partial */
}

/* Library error fields -> this API's member names. */
static enum folio_rc api_field(enum folio_rc rc, struct folio_err *err)
{
    static const char *const map[][2] = {
        {"surviving_id", "survivor_id"},
        {"defer_until", "until"},
    };
    size_t i;

    if (rc == FOLIO_OK)
        return rc;
    for (i = 0; i < FOLIO_ARRAY_LEN(map); i++)
        if (strcmp(err->field, map[i][0]) == 0)
            (void)folio_strlcpy(err->field, map[i][1], sizeof err->field);
    return rc;
}

static int jset_real(json_t *o, const char *k, double v)
{
    /* two decimals are what anyone reads; keeps the JSON short. Not finite -> null. */
    if (!isfinite(v))
        return folio_jset(o, k, json_null());
    return folio_jset(o, k, json_real(round(v * 100.0) / 100.0));
}

/* One field of a score as JSON. identifiers false leaves out the two values. */
static json_t *reason_json(const struct folio_mpi_reason *r, bool identifiers)
{
    json_t *o = json_object();
    const char *level = folio_mpi_level_name(r->level);
    int bad = !o;

    if (bad)
        return NULL;
    bad |= folio_jset_str(o, "field", folio_mpi_field_name(r->field));
    bad |= folio_jset_str(o, "level", level);
    bad |= folio_jset_str(o, "verdict", verdict_of_level(level));
    bad |= jset_real(o, "weight", r->weight);
    bad |= folio_jset_str(o, "a", identifiers && r->a[0] ? r->a : NULL);
    bad |= folio_jset_str(o, "b", identifiers && r->b[0] ? r->b : NULL);
    bad |= folio_jset_str(o, "note", r->note[0] ? r->note : NULL);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *rules_json(unsigned rules)
{
    json_t *arr = json_array();
    unsigned bit;

    for (bit = 1; arr && bit && bit <= rules; bit <<= 1) {
        if ((rules & bit) && json_array_append_new(arr, json_string(folio_mpi_rule_text(bit)))) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* {"score","band","rules":[...],"fields":[...]} of a score computed now. */
static json_t *score_json(const struct folio_mpi_score *s, bool identifiers)
{
    json_t *o = json_object(), *fields = json_array();
    int bad = !o || !fields;
    size_t i;

    if (bad) {
        json_decref(o);
        json_decref(fields);
        return NULL;
    }
    bad |= jset_real(o, "score", s->score);
    bad |= folio_jset_str(o, "band", band_name(folio_mpi_decision_name(s->decision)));
    bad |= folio_jset(o, "rules", rules_json(s->rules));
    for (i = 0; !bad && i < FOLIO_MPI_NFIELDS; i++)
        bad |= json_array_append_new(fields, reason_json(&s->reasons[i], identifiers)) != 0;
    bad |= folio_jset(o, "fields", fields);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The stored explanation (reasons_json of folio/merge.h) as JSON, in the shape of score_json:
 * "decision" becomes "band", each field gets its verdict; values dropped without identifiers.
 * null when there is none or it does not parse. */
static json_t *stored_reasons(const char *text, bool identifiers)
{
    struct folio_err perr;
    json_t *v = NULL, *fields, *f, *dec;
    size_t i;

    if (folio_str_empty(text))
        return json_null();
    folio_err_clear(&perr);
    if (folio_json_parse(text, strlen(text), &v, "reasons", &perr) || !json_is_object(v)) {
        json_decref(v);
        return json_null();
    }
    dec = json_object_get(v, "decision");
    if (json_is_string(dec)) {
        if (json_object_set_new(v, "band", json_string(band_name(json_string_value(dec)))) ||
            json_object_del(v, "decision")) {
            json_decref(v);
            return NULL;
        }
    }
    fields = json_object_get(v, "fields");
    json_array_foreach(fields, i, f) {
        const char *level = json_string_value(json_object_get(f, "level"));

        if (!json_is_object(f))
            continue;
        if (json_object_set_new(f, "verdict", json_string(verdict_of_level(level)))) {
            json_decref(v);
            return NULL;
        }
        if (!identifiers && (json_object_set_new(f, "a", json_null()) ||
                             json_object_set_new(f, "b", json_null()))) {
            json_decref(v);
            return NULL;
        }
    }
    return v;
}

/* A patient as the MPI screens list it: id, name, birth date, sex, MRN, status (from the chart
 * renderer, so the minimum-necessary redaction is the same). NULL patient -> null. */
static json_t *patient_brief(const struct folio_patient *p, bool identifiers)
{
    static const char *const keep[] = {"id",  "name",   "birth_date",  "sex",     "mrn",
                                       "ssn", "status", "merged_into", "redacted", NULL};
    json_t *full, *o;
    size_t i;

    if (!p)
        return json_null();
    full = folio_chart_json_patient(p, identifiers);
    o = json_object();
    if (!full || !o) {
        json_decref(full);
        json_decref(o);
        return NULL;
    }
    for (i = 0; keep[i]; i++) {
        json_t *v = json_object_get(full, keep[i]);

        if (v && json_object_set(o, keep[i], v)) {
            json_decref(full);
            json_decref(o);
            return NULL;
        }
    }
    json_decref(full);
    return o;
}

/* The brief of patient id, or null when it cannot be read (unknown id: shown as a bare id). */
static json_t *patient_brief_id(struct folio_req *req, int64_t id, bool identifiers,
                                enum folio_rc *rc, struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_patient p;
    enum folio_rc r;

    if (*rc || id <= 0)
        return json_null();
    if (!folio_srv_btg_visible(req, id))
        return folio_srv_restricted_stub(id);
    r = folio_patient_get(&c, id, req->arena, &p, err);
    if (r == FOLIO_ENOTFOUND) {
        folio_err_clear(err);
        return json_null();
    }
    if (r) {
        *rc = r;
        return json_null();
    }
    return patient_brief(&p, identifiers);
}

/* ---------------------------------------------------------------- identity search */

/* Nine digits once dashes and blanks are dropped. */
static bool ssn_ok(const char *s, char last4[5])
{
    char d[10];
    size_t n = 0;

    for (; *s; s++) {
        if (*s >= '0' && *s <= '9') {
            if (n == 9)
                return false;
            d[n++] = *s;
        } else if (*s != '-' && *s != ' ') {
            return false;
        }
    }
    if (n != 9)
        return false;
    memcpy(last4, d + 5, 4);
    last4[4] = '\0';
    return true;
}

/* A date of day precision or coarser ("1961", "1961-04", "1961-04-12"); EINVAL names field. */
static enum folio_rc check_date(const char *v, const char *field, bool day_only,
                                struct folio_err *err)
{
    struct folio_time t;
    enum folio_rc rc;

    rc = folio_time_parse_iso(folio_sv_from(v), &t, field, err);
    if (rc)
        return rc;
    if (t.prec > FOLIO_PREC_DAY || (day_only && t.prec != FOLIO_PREC_DAY))
        return folio_err_set(err, FOLIO_EINVAL, field, "%s must be a date (%s): '%s'", field,
                             day_only ? "YYYY-MM-DD" : "YYYY, YYYY-MM or YYYY-MM-DD", v);
    return FOLIO_OK;
}

static enum folio_rc append_term(struct folio_buf *b, const char *k, const char *v)
{
    if (folio_str_empty(v))
        return FOLIO_OK;
    return folio_buf_appendf(b, "%s=%s; ", k, v);
}

static enum folio_rc identity_search(struct folio_req *req, struct folio_resp *resp,
                                     struct folio_err *err)
{
    static const char *const allowed[] = {"family", "given",   "middle", "suffix", "other_family",
                                          "birth_date", "sex", "ssn",    "phone",  "email",
                                          "address", "city",   "state",  "zip",    "limit",
                                          NULL};
    struct folio_chart c = folio_api_chart(req);
    struct folio_mpi_record q;
    struct folio_mpi_search_opts so;
    struct folio_mpi_candidate *cands = NULL;
    struct folio_mpi_model model;
    struct folio_buf detail;
    const char **dst[] = {&q.family, &q.given,   &q.middle, &q.suffix, &q.other_family,
                          &q.birth_date, &q.sex, &q.ssn,    &q.phone,  &q.email,
                          &q.address, &q.city,   &q.state,  &q.zip};
    bool ids = folio_req_can(req, FOLIO_PERM_IDENTIFIERS), present = false;
    char last4[5] = "";
    json_t *body = NULL, *items = NULL, *o = NULL, *thr = NULL;
    int64_t limit = 10;
    size_t i, n = 0;
    enum folio_rc rc;
    int bad;

    folio_buf_init(&detail, 4096);
    memset(&q, 0, sizeof q);
    rc = folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    for (i = 0; !rc && i < FOLIO_ARRAY_LEN(dst); i++) {
        rc = folio_api_str(body, NULL, allowed[i], dst[i], err);
        if (!rc && *dst[i] && strlen(*dst[i]) > 200)
            rc = folio_err_set(err, FOLIO_EINVAL, allowed[i], "%s is longer than 200 bytes",
                               allowed[i]);
        if (!rc && folio_str_empty(*dst[i]))
            *dst[i] = NULL;
    }
    rc = rc ? rc : folio_api_i64(body, NULL, "limit", 1, 100, &limit, &present, err);
    if (rc)
        goto out;
    if (q.birth_date) {
        rc = check_date(q.birth_date, "birth_date", false, err);
        if (rc)
            goto out;
    }
    if (q.sex) {
        const char *code = folio_sex_normalize(q.sex);

        if (!code) {
            rc = folio_err_set(err, FOLIO_EINVAL, "sex",
                               "sex: '%s' is not an HL7 0001 code (F M O U A N)", q.sex);
            goto out;
        }
        q.sex = code;
    }
    if (q.ssn && !ssn_ok(q.ssn, last4)) {
        rc = folio_err_set(err, FOLIO_EINVAL, "ssn", "ssn must be 9 digits (dashes allowed)");
        goto out;
    }
    if (!q.family && !q.given && !q.birth_date && !q.ssn && !q.phone) {
        rc = folio_err_set(err, FOLIO_EINVAL, "family",
                           "give at least one of family, given, birth_date, ssn, phone");
        goto out;
    }
    if (!ids) {
        /* Looking a person up by name, birth date or SSN is a use of those identifiers. */
        rc = folio_api_deny(req, resp, "family",
                            "your roles do not include access to patient identifiers: identity "
                            "search is refused",
                            err);
        goto out;
    }
    memset(&so, 0, sizeof so);
    so.limit = (size_t)limit;
    so.min_score = NAN;
    rc = folio_mpi_search(&c, &q, &so, req->arena, &cands, &n, err);
    if (rc)
        goto out;
    /* Audit: the terms as typed, the SSN masked to its last four digits. */
    rc = folio_buf_appendf(&detail, "identity search; ");
    for (i = 0; !rc && i < FOLIO_ARRAY_LEN(dst); i++) {
        if (dst[i] == &q.ssn)
            rc = q.ssn ? folio_buf_appendf(&detail, "ssn=***-**-%s; ", last4) : FOLIO_OK;
        else
            rc = append_term(&detail, allowed[i], *dst[i]);
    }
    rc = rc ? rc : folio_buf_appendf(&detail, "results=%zu", n);
    if (rc) {
        rc = folio_err_set(err, FOLIO_ETOOBIG, NULL, "search terms are too long");
        goto out;
    }
    rc = folio_srv_audit(req, "patient.search", 0, "patient", 0, detail.data, err);
    if (rc)
        goto out;

    folio_mpi_model_default(&model);
    items = json_array();
    bad = !items;
    for (i = 0; !bad && i < n; i++) {
        const struct folio_mpi_candidate *k = &cands[i];
        const struct folio_mpi_record *r = &k->rec;
        json_t *x = json_object(), *pt = json_object(), *name = json_object(), *sc;

        bad |= !x || !pt || !name;
        if (bad) {
            json_decref(x);
            json_decref(pt);
            json_decref(name);
            break;
        }
        bad |= folio_jset_str(name, "family", r->family);
        bad |= folio_jset_str(name, "given", r->given);
        bad |= folio_jset_str(name, "middle", r->middle);
        bad |= folio_jset_str(name, "suffix", r->suffix);
        bad |= folio_jset_int(pt, "id", k->patient_id);
        bad |= folio_jset(pt, "name", name);
        if (!folio_srv_btg_visible(req, k->patient_id)) {
            /* A restricted chart the user may not open: that a person of that name exists is
             * what the searcher typed; the other identifiers and the score's field-by-field
             * explanation are not shown (docs/privacy.md). */
            bad |= folio_jset(pt, "restricted", json_true());
            bad |= folio_jset_int(x, "patient_id", k->patient_id);
            bad |= folio_jset(x, "restricted", json_true());
            bad |= folio_jset(x, "patient", pt);
            bad |= json_array_append_new(items, x) != 0;
            continue;
        }
        bad |= folio_jset_str(pt, "birth_date", r->birth_date);
        bad |= folio_jset_str(pt, "sex", r->sex);
        bad |= folio_jset(pt, "ssn", k->ssn_last4 ? json_sprintf("***-**-%s", k->ssn_last4)
                                                   : json_null());
        bad |= folio_jset_str(pt, "address", r->address);
        bad |= folio_jset_str(pt, "city", r->city);
        bad |= folio_jset_str(pt, "state", r->state);
        bad |= folio_jset_str(pt, "zip", r->zip);
        bad |= folio_jset_str(pt, "phone", r->phone);
        bad |= folio_jset_str(pt, "email", r->email);
        bad |= folio_jset_int(x, "patient_id", k->patient_id);
        sc = score_json(&k->score, true);
        bad |= !sc;
        if (sc) {
            /* flatten: score, band, rules, fields beside the patient */
            bad |= json_object_update(x, sc) != 0;
            json_decref(sc);
        }
        bad |= folio_jset(x, "patient", pt);
        bad |= json_array_append_new(items, x) != 0;
    }
    o = json_object();
    thr = json_object();
    bad |= !o || !thr;
    if (!bad) {
        bad |= jset_real(thr, "auto_link", model.high);
        bad |= jset_real(thr, "review", model.low);
        bad |= folio_jset(o, "items", items);
        items = NULL;
        bad |= folio_jset_int(o, "total", (int64_t)n);
        bad |= folio_jset(o, "thresholds", thr);
        thr = NULL;
    }
    if (bad) {
        json_decref(o);
        o = NULL;
    }
    json_decref(items);
    json_decref(thr);
    rc = folio_api_reply(resp, 200, o, err);
out:
    folio_buf_release(&detail);
    json_decref(body);
    return rc;
}

/* ---------------------------------------------------------------- worklist */

static json_t *pair_json(struct folio_req *req, const struct folio_mpi_pair *p, bool identifiers,
                         bool with_patients, enum folio_rc *rc, struct folio_err *err)
{
    json_t *o = json_object();
    int bad = !o;

    if (bad)
        return NULL;
    bad |= folio_jset_int(o, "id", p->id);
    bad |= folio_jset_int(o, "patient_a", p->patient_a);
    bad |= folio_jset_int(o, "patient_b", p->patient_b);
    bad |= jset_real(o, "score", p->score);
    bad |= folio_jset_str(o, "band", band_name(p->band));
    bad |= folio_jset_str(o, "source", p->source);
    bad |= folio_jset_id(o, "feed_request_id", p->feed_request_id);
    bad |= folio_jset_str(o, "status", p->status);
    bad |= folio_jset_str(o, "defer_until", p->defer_until);
    bad |= folio_jset_str(o, "decided_by", p->decided_by);
    bad |= folio_jset_str(o, "decided_at", p->decided_at);
    bad |= folio_jset_str(o, "note", p->note);
    bad |= folio_jset_id(o, "merge_id", p->merge_id);
    bad |= folio_jset_str(o, "created_at", p->created_at);
    bad |= folio_jset_str(o, "updated_at", p->updated_at);
    /* the field-by-field reasons quote both identities: not for a restricted chart the user
     * may not open (btg.h) */
    bad |= folio_jset(
        o, "reasons",
        stored_reasons(p->reasons_json, identifiers && folio_srv_btg_visible(req, p->patient_a) &&
                                            folio_srv_btg_visible(req, p->patient_b)));
    if (with_patients) {
        bad |= folio_jset(o, "a", patient_brief_id(req, p->patient_a, identifiers, rc, err));
        bad |= folio_jset(o, "b", patient_brief_id(req, p->patient_b, identifiers, rc, err));
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static enum folio_rc worklist_list(struct folio_req *req, struct folio_resp *resp,
                                   struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_mpi_worklist_query q;
    struct folio_mpi_pair_page pg;
    bool ids = folio_req_can(req, FOLIO_PERM_IDENTIFIERS);
    json_t *items = NULL;
    enum folio_rc rc;
    size_t i;

    memset(&q, 0, sizeof q);
    q.status = folio_req_query(req, "status");
    if (folio_str_empty(q.status))
        q.status = "open";
    if (strcmp(q.status, "open") != 0 && strcmp(q.status, "merged") != 0 &&
        strcmp(q.status, "not_duplicate") != 0 && strcmp(q.status, "deferred") != 0 &&
        strcmp(q.status, "all") != 0)
        return folio_err_set(err, FOLIO_EINVAL, "status",
                             "status must be open, deferred, merged, not_duplicate or all");
    rc = folio_req_query_i64(req, "patient_id", 0, 1, INT64_MAX, &q.patient_id, err);
    rc = rc ? rc : folio_req_query_i64(req, "limit", 50, 1, 1000, &q.limit, err);
    rc = rc ? rc : folio_req_query_i64(req, "offset", 0, 0, INT64_MAX / 2, &q.offset, err);
    rc = rc ? rc : folio_mpi_worklist_list(&c, &q, req->arena, &pg, err);
    rc = rc ? rc
            : folio_srv_audit(req, "mpi.worklist", q.patient_id, "mpi_pair", 0,
                              folio_arena_printf(req->arena,
                                                 "status=%s; limit=%lld; offset=%lld; results=%lld",
                                                 q.status, (long long)q.limit,
                                                 (long long)q.offset, (long long)pg.total),
                              err);
    if (rc)
        return rc;
    items = json_array();
    for (i = 0; items && !rc && i < pg.n; i++) {
        if (json_array_append_new(items, pair_json(req, &pg.items[i], ids, true, &rc, err))) {
            json_decref(items);
            items = NULL;
        }
    }
    if (rc) {
        json_decref(items);
        return rc;
    }
    return folio_api_reply(resp, 200, folio_render_page(items, pg.total, q.limit, q.offset), err);
}

/* Side by side: the pair, both charts (full header, SSN masked), the explanation now and then. */
static enum folio_rc worklist_get(struct folio_req *req, struct folio_resp *resp,
                                  struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_mpi_side_by_side sbs;
    bool ids = folio_req_can(req, FOLIO_PERM_IDENTIFIERS);
    const char *detail;
    json_t *o, *cur;
    enum folio_rc rc;
    int bad;

    rc = folio_mpi_worklist_compare(&c, req->ids[0], req->arena, &sbs, err);
    if (rc)
        return rc;
    detail = folio_arena_printf(req->arena, "duplicate worklist pair %lld: %lld and %lld",
                                (long long)sbs.pair.id, (long long)sbs.pair.patient_a,
                                (long long)sbs.pair.patient_b);
    rc = folio_srv_audit(req, "patient.view", sbs.pair.patient_a, "mpi_pair", sbs.pair.id, detail,
                         err);
    rc = rc ? rc
            : folio_srv_audit(req, "patient.view", sbs.pair.patient_b, "mpi_pair", sbs.pair.id,
                              detail, err);
    if (rc)
        return rc;
    o = pair_json(req, &sbs.pair, ids, false, &rc, err);
    if (rc) {
        json_decref(o);
        return rc;
    }
    bad = !o;
    cur = stored_reasons(sbs.current_reasons_json, ids);
    if (cur && json_is_object(cur)) {
        bad |= jset_real(cur, "score", sbs.current_score);
        bad |= folio_jset_str(cur, "band", band_name(sbs.current_band));
    }
    bad |= folio_jset(o, "current", cur);
    bad |= folio_jset(o, "a", folio_chart_json_patient(&sbs.a, ids));
    bad |= folio_jset(o, "b", folio_chart_json_patient(&sbs.b, ids));
    if (bad) {
        json_decref(o);
        return folio_render_nomem(err);
    }
    return folio_api_reply(resp, 200, o, err);
}

static enum folio_rc reply_pair(struct folio_req *req, struct folio_resp *resp, int64_t pair_id,
                                int64_t merge_id, struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_mpi_pair p;
    enum folio_rc rc;
    json_t *o;

    rc = folio_mpi_worklist_get(&c, pair_id, req->arena, &p, err);
    if (rc)
        return rc;
    o = pair_json(req, &p, folio_req_can(req, FOLIO_PERM_IDENTIFIERS), true, &rc, err);
    if (rc) {
        json_decref(o);
        return rc;
    }
    if (o && merge_id && folio_jset_int(o, "merge_id", merge_id)) {
        json_decref(o);
        o = NULL;
    }
    return folio_api_reply(resp, 200, o, err);
}

static enum folio_rc decide(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    static const char *const allowed[] = {"decision", "survivor_id", "until", "note",
                                          "expected_status", NULL};
    struct folio_chart c = folio_api_chart(req);
    struct folio_mpi_decide d;
    const char *decision = NULL;
    json_t *body = NULL;
    int64_t merge_id = 0;
    bool present = false;
    enum folio_rc rc;

    memset(&d, 0, sizeof d);
    rc = folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc : folio_api_str(body, NULL, "decision", &decision, err);
    rc = rc ? rc : folio_api_str(body, NULL, "until", &d.defer_until, err);
    rc = rc ? rc : folio_api_str(body, NULL, "note", &d.note, err);
    rc = rc ? rc : folio_api_str(body, NULL, "expected_status", &d.expected_status, err);
    rc = rc ? rc
            : folio_api_i64(body, NULL, "survivor_id", 1, INT64_MAX, &d.surviving_id, &present,
                            err);
    if (rc)
        goto out;
    if (d.defer_until) {
        rc = check_date(d.defer_until, "until", true, err);
        if (rc)
            goto out;
    }
    if (folio_str_empty(decision)) {
        rc = folio_err_set(err, FOLIO_EINVAL, "decision",
                           "decision is required: merge, not_duplicate or defer");
        goto out;
    }
    if (strcmp(decision, "merge") == 0) {
        d.verdict = FOLIO_MPI_VERDICT_MERGE;
    } else if (strcmp(decision, "not_duplicate") == 0) {
        d.verdict = FOLIO_MPI_VERDICT_NOT_DUPLICATE;
    } else if (strcmp(decision, "defer") == 0) {
        d.verdict = FOLIO_MPI_VERDICT_DEFER;
    } else {
        rc = folio_err_set(err, FOLIO_EINVAL, "decision",
                           "decision must be merge, not_duplicate or defer: '%s'", decision);
        goto out;
    }
    if (d.verdict == FOLIO_MPI_VERDICT_DEFER && !d.defer_until) {
        rc = folio_err_set(err, FOLIO_EINVAL, "until", "defer needs until (YYYY-MM-DD)");
        goto out;
    }
    if (d.verdict != FOLIO_MPI_VERDICT_DEFER && d.defer_until) {
        rc = folio_err_set(err, FOLIO_EINVAL, "until", "until goes with defer only");
        goto out;
    }
    if (d.verdict != FOLIO_MPI_VERDICT_MERGE && present) {
        rc = folio_err_set(err, FOLIO_EINVAL, "survivor_id", "survivor_id goes with merge only");
        goto out;
    }
    if (d.verdict == FOLIO_MPI_VERDICT_MERGE) {
        if (folio_str_empty(d.note)) {
            rc = folio_err_set(err, FOLIO_EINVAL, "note",
                               "a merge needs a reason: say why these are one person in note");
            goto out;
        }
        if (!folio_req_can(req, FOLIO_PERM_MPI_MERGE)) {
            rc = folio_api_deny(req, resp, "decision",
                                "your roles do not include mpi.merge: merging two charts is "
                                "refused (not_duplicate and defer are allowed)",
                                err);
            goto out;
        }
    }
    /* A decision is about both charts (and a merge moves them): the user must be able to open
     * both, as for the side-by-side view (restricted charts, btg.h). */
    {
        struct folio_mpi_pair pr;

        rc = folio_mpi_worklist_get(&c, req->ids[0], req->arena, &pr, err);
        rc = rc ? rc : folio_srv_btg_require(req, pr.patient_a, err);
        rc = rc ? rc : folio_srv_btg_require(req, pr.patient_b, err);
        if (rc)
            goto out;
    }
    d.roles = roles_text(req);
    d.client = req->client;
    rc = api_field(folio_mpi_worklist_decide(&c, req->ids[0], &d, &merge_id, err), err);
    rc = rc ? rc : reply_pair(req, resp, req->ids[0], merge_id, err);
out:
    json_decref(body);
    return rc;
}

static enum folio_rc scan(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    static const char *const allowed[] = {"max_pairs", NULL};
    struct folio_chart c = folio_api_chart(req);
    struct folio_mpi_scan_opts so;
    int64_t added = 0, reopened = 0;
    bool present = false;
    json_t *body = NULL, *o;
    enum folio_rc rc = FOLIO_OK;
    int bad;

    memset(&so, 0, sizeof so);
    if (req->body_len) { /* all members optional; an empty body is accepted */
        rc = folio_req_json(req, &body, err);
        rc = rc ? rc : folio_json_only(body, allowed, err);
        rc = rc ? rc
                : folio_api_i64(body, NULL, "max_pairs", 1, INT64_MAX / 2, &so.max_pairs,
                                &present, err);
        json_decref(body);
        if (rc)
            return rc;
    }
    rc = folio_mpi_worklist_scan_ex(&c, &so, &added, &reopened, err);
    if (rc)
        return rc;
    o = json_object();
    bad = !o;
    bad |= folio_jset_int(o, "added", added);
    bad |= folio_jset_int(o, "reopened", reopened);
    if (bad) {
        json_decref(o);
        return folio_render_nomem(err);
    }
    return folio_api_reply(resp, 200, o, err);
}

/* ---------------------------------------------------------------- merges */

static json_t *merge_json(struct folio_req *req, const struct folio_mpi_merge_info *m,
                          bool identifiers, enum folio_rc *rc, struct folio_err *err)
{
    json_t *o = json_object();
    int bad = !o;

    if (bad)
        return NULL;
    bad |= folio_jset_int(o, "id", m->id);
    bad |= folio_jset_int(o, "surviving_id", m->surviving_id);
    bad |= folio_jset_int(o, "retired_id", m->retired_id);
    bad |= folio_jset_str(o, "status", m->status);
    bad |= folio_jset_str(o, "source", m->source);
    bad |= folio_jset_str(o, "reason", m->reason);
    bad |= folio_jset_str(o, "merged_at", m->merged_at);
    bad |= folio_jset_str(o, "merged_by", m->merged_by);
    bad |= folio_jset_str(o, "unmerged_at", m->unmerged_at);
    bad |= folio_jset_str(o, "unmerged_by", m->unmerged_by);
    bad |= folio_jset_str(o, "unmerge_reason", m->unmerge_reason);
    bad |= folio_jset_id(o, "worklist_pair_id", m->worklist_pair_id);
    bad |= folio_jset_int(o, "n_moves", m->n_moves);
    bad |= folio_jset(o, "surviving", patient_brief_id(req, m->surviving_id, identifiers, rc, err));
    bad |= folio_jset(o, "retired", patient_brief_id(req, m->retired_id, identifiers, rc, err));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* A merge with its log (what moved) for the reply of a merge, an unmerge or a view. */
static enum folio_rc reply_merge(struct folio_req *req, struct folio_resp *resp, int status,
                                 int64_t merge_id, struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_mpi_merge_info m;
    struct folio_mpi_move *moves = NULL;
    bool ids = folio_req_can(req, FOLIO_PERM_IDENTIFIERS);
    size_t n = 0, i;
    int64_t total = 0;
    json_t *o, *arr;
    enum folio_rc rc;
    int bad;

    rc = folio_mpi_merge_get(&c, merge_id, req->arena, &m, err);
    rc = rc ? rc : folio_mpi_merge_moves(&c, merge_id, 10000, 0, req->arena, &moves, &n, &total, err);
    if (rc)
        return rc;
    o = merge_json(req, &m, ids, &rc, err);
    if (rc) {
        json_decref(o);
        return rc;
    }
    arr = json_array();
    bad = !o || !arr;
    for (i = 0; !bad && i < n; i++) {
        const struct folio_mpi_move *mv = &moves[i];
        json_t *x = json_object();

        bad |= !x;
        if (!x)
            break;
        bad |= folio_jset_int(x, "seq", mv->seq);
        bad |= folio_jset_str(x, "table", mv->table);
        bad |= folio_jset_int(x, "row_id", mv->row_id);
        bad |= folio_jset_str(x, "column", mv->column);
        bad |= folio_jset_str(x, "old_value", mv->old_value);
        bad |= folio_jset_str(x, "new_value", mv->new_value);
        bad |= json_array_append_new(arr, x) != 0;
    }
    bad |= folio_jset(o, "moves", arr);
    bad |= folio_jset_int(o, "moves_total", total);
    if (bad) {
        json_decref(o);
        return folio_render_nomem(err);
    }
    if (status == 201)
        (void)folio_snprintf(resp->location, sizeof resp->location, "/api/v1/mpi/merges/%lld",
                             (long long)merge_id);
    return folio_api_reply(resp, status, o, err);
}

static enum folio_rc merges_list(struct folio_req *req, struct folio_resp *resp,
                                 struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_mpi_merge_page pg;
    bool ids = folio_req_can(req, FOLIO_PERM_IDENTIFIERS);
    int64_t pid = 0, limit = 50, offset = 0;
    json_t *items;
    enum folio_rc rc;
    size_t i;

    rc = folio_req_query_i64(req, "patient_id", 0, 1, INT64_MAX, &pid, err);
    rc = rc ? rc : folio_req_query_i64(req, "limit", 50, 1, 1000, &limit, err);
    rc = rc ? rc : folio_req_query_i64(req, "offset", 0, 0, INT64_MAX / 2, &offset, err);
    rc = rc ? rc : folio_mpi_merge_list(&c, pid, limit, offset, req->arena, &pg, err);
    rc = rc ? rc
            : folio_srv_audit(req, "mpi.merges", pid, "merge", 0,
                              folio_arena_printf(req->arena,
                                                 "merge history; limit=%lld; offset=%lld; "
                                                 "results=%lld",
                                                 (long long)limit, (long long)offset,
                                                 (long long)pg.total),
                              err);
    if (rc)
        return rc;
    items = json_array();
    for (i = 0; items && !rc && i < pg.n; i++) {
        if (json_array_append_new(items, merge_json(req, &pg.items[i], ids, &rc, err))) {
            json_decref(items);
            items = NULL;
        }
    }
    if (rc) {
        json_decref(items);
        return rc;
    }
    return folio_api_reply(resp, 200, folio_render_page(items, pg.total, limit, offset), err);
}

static enum folio_rc merge_view(struct folio_req *req, struct folio_resp *resp,
                                struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_mpi_merge_info m;
    const char *detail;
    enum folio_rc rc;

    rc = folio_mpi_merge_get(&c, req->ids[0], req->arena, &m, err);
    if (rc)
        return rc;
    detail = folio_arena_printf(req->arena, "merge log %lld: %lld into %lld", (long long)m.id,
                                (long long)m.retired_id, (long long)m.surviving_id);
    rc = folio_srv_audit(req, "mpi.merges", m.surviving_id, "merge", m.id, detail, err);
    rc = rc ? rc : folio_srv_audit(req, "mpi.merges", m.retired_id, "merge", m.id, detail, err);
    return rc ? rc : reply_merge(req, resp, 200, m.id, err);
}

static enum folio_rc merge_create(struct folio_req *req, struct folio_resp *resp,
                                  struct folio_err *err)
{
    static const char *const allowed[] = {"surviving_id", "retired_id", "reason", NULL};
    struct folio_chart c = folio_api_chart(req);
    struct folio_mpi_merge_opts mo;
    int64_t surv = 0, ret = 0, merge_id = 0;
    bool has_s = false, has_r = false;
    json_t *body = NULL;
    enum folio_rc rc;

    memset(&mo, 0, sizeof mo);
    rc = folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc : folio_api_str(body, NULL, "reason", &mo.reason, err);
    rc = rc ? rc : folio_api_i64(body, NULL, "surviving_id", 1, INT64_MAX, &surv, &has_s, err);
    rc = rc ? rc : folio_api_i64(body, NULL, "retired_id", 1, INT64_MAX, &ret, &has_r, err);
    if (rc)
        goto out;
    if (!has_s) {
        rc = folio_err_set(err, FOLIO_EINVAL, "surviving_id", "surviving_id is required");
        goto out;
    }
    if (!has_r) {
        rc = folio_err_set(err, FOLIO_EINVAL, "retired_id", "retired_id is required");
        goto out;
    }
    if (folio_str_empty(mo.reason)) {
        rc = folio_err_set(err, FOLIO_EINVAL, "reason", "reason is required: why one person");
        goto out;
    }
    /* A merge moves both charts' records: the user must be able to open both (a restricted
     * chart is not merged into an open one by someone who may not read it). */
    rc = folio_srv_btg_require(req, surv, err);
    rc = rc ? rc : folio_srv_btg_require(req, ret, err);
    if (rc)
        goto out;
    mo.source = "manual";
    mo.roles = roles_text(req);
    mo.client = req->client;
    rc = folio_mpi_merge_ex(&c, surv, ret, &mo, &merge_id, err);
    rc = rc ? rc : reply_merge(req, resp, 201, merge_id, err);
out:
    json_decref(body);
    return rc;
}

static enum folio_rc unmerge(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    static const char *const allowed[] = {"reason", NULL};
    struct folio_chart c = folio_api_chart(req);
    struct folio_mpi_merge_opts mo;
    json_t *body = NULL;
    enum folio_rc rc;

    memset(&mo, 0, sizeof mo);
    rc = folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc : folio_api_str(body, NULL, "reason", &mo.reason, err);
    if (!rc && folio_str_empty(mo.reason))
        rc = folio_err_set(err, FOLIO_EINVAL, "reason", "reason is required: why the merge was wrong");
    if (rc)
        goto out;
    {
        struct folio_mpi_merge_info m;

        rc = folio_mpi_merge_get(&c, req->ids[0], req->arena, &m, err);
        rc = rc ? rc : folio_srv_btg_require(req, m.surviving_id, err);
        rc = rc ? rc : folio_srv_btg_require(req, m.retired_id, err);
        if (rc)
            goto out;
    }
    mo.roles = roles_text(req);
    mo.client = req->client;
    rc = folio_mpi_unmerge_ex(&c, req->ids[0], &mo, err);
    rc = rc ? rc : reply_merge(req, resp, 200, req->ids[0], err);
out:
    json_decref(body);
    return rc;
}

/* ---------------------------------------------------------------- overlays */

static enum folio_rc overlays(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_mpi_overlay_query q;
    struct folio_mpi_overlay_page pg;
    bool ids = folio_req_can(req, FOLIO_PERM_IDENTIFIERS);
    json_t *items;
    enum folio_rc rc;
    size_t i;
    int bad = 0;

    memset(&q, 0, sizeof q);
    rc = folio_req_query_i64(req, "patient_id", 0, 1, INT64_MAX, &q.patient_id, err);
    rc = rc ? rc : folio_req_query_i64(req, "limit", 50, 1, 1000, &q.limit, err);
    rc = rc ? rc : folio_req_query_i64(req, "offset", 0, 0, INT64_MAX / 2, &q.offset, err);
    rc = rc ? rc : folio_mpi_overlays(&c, &q, req->arena, &pg, err);
    rc = rc ? rc
            : folio_srv_audit(req, "mpi.overlays", q.patient_id, "patient", q.patient_id,
                              folio_arena_printf(req->arena, "overlays; results=%lld",
                                                 (long long)pg.total),
                              err);
    if (rc)
        return rc;
    items = json_array();
    bad = !items;
    for (i = 0; !bad && i < pg.n; i++) {
        const struct folio_mpi_overlay *ov = &pg.items[i];
        json_t *x = json_object();

        bad |= !x;
        if (!x)
            break;
        bad |= folio_jset_int(x, "patient_id", ov->patient_id);
        bad |= folio_jset(x, "patient", patient_brief_id(req, ov->patient_id, ids, &rc, err));
        bad |= folio_jset_str(x, "field", ov->field);
        /* the two values are birth dates / sexes: identifiers for the birth date */
        bad |= folio_jset_str(x, "value_a", ids || strcmp(ov->field, "sex") == 0 ? ov->value_a
                                                                                 : NULL);
        bad |= folio_jset_str(x, "source_a", ov->source_a);
        bad |= folio_jset_str(x, "at_a", ov->at_a);
        bad |= folio_jset_str(x, "value_b", ids || strcmp(ov->field, "sex") == 0 ? ov->value_b
                                                                                 : NULL);
        bad |= folio_jset_str(x, "source_b", ov->source_b);
        bad |= folio_jset_str(x, "at_b", ov->at_b);
        bad |= folio_jset_str(x, "why", ov->why);
        bad |= json_array_append_new(items, x) != 0;
        if (rc)
            break;
    }
    if (rc || bad) {
        json_decref(items);
        return rc ? rc : folio_render_nomem(err);
    }
    return folio_api_reply(resp, 200, folio_render_page(items, pg.total, q.limit, q.offset), err);
}

const struct folio_route folio_api_mpi_routes[] = {
    {"POST", "/api/v1/patients/identity-search", FOLIO_PERM_PATIENT_READ, identity_search,
     "Identity search before registration: ranked candidates with field-by-field reasons"},
    {"GET", "/api/v1/mpi/worklist", FOLIO_PERM_MPI_REVIEW, worklist_list,
     "Potential-duplicate worklist: pairs by score"},
    {"POST", "/api/v1/mpi/worklist/scan", FOLIO_PERM_MPI_REVIEW, scan,
     "Scan the index for potential duplicates and fill the worklist"},
    {"GET", "/api/v1/mpi/worklist/{id}", FOLIO_PERM_MPI_REVIEW, worklist_get,
     "One worklist pair side by side: both charts and the reasons"},
    {"POST", "/api/v1/mpi/worklist/{id}/decision", FOLIO_PERM_MPI_REVIEW, decide,
     "Decide a pair: merge (needs mpi.merge), not_duplicate or defer"},
    {"GET", "/api/v1/mpi/merges", FOLIO_PERM_MPI_REVIEW, merges_list,
     "Merge history, newest first"},
    {"POST", "/api/v1/mpi/merges", FOLIO_PERM_MPI_MERGE, merge_create,
     "Merge one chart into another"},
    {"GET", "/api/v1/mpi/merges/{id}", FOLIO_PERM_MPI_REVIEW, merge_view,
     "One merge with its log: every row and column it moved"},
    {"POST", "/api/v1/mpi/merges/{id}/unmerge", FOLIO_PERM_MPI_MERGE, unmerge,
     "Reverse a merge exactly"},
    {"GET", "/api/v1/mpi/overlays", FOLIO_PERM_MPI_REVIEW, overlays,
     "Charts whose sources disagree on birth date or sex (possible overlays)"},
    {NULL, NULL, FOLIO_PERM_NONE, NULL, NULL},
};
