/* The release packet's document selection (issue 9 item 3): the request's documents minus the
 * sensitive records the rules withhold, each with its reason. include/folio/roi.h, docs/roi.md
 * "Sensitive records". */
#include "folio/base.h"

#include "folio/records.h"
#include "roi/roi_int.h"

#define CITE_AUTH_DESC "45 CFR 164.508(c)(1)(i)"
#define CITE_POLICY    "docs/roi.md: state law and policy"

/* What decides one document. */
struct ctx {
    bool access, treatment, emergency, needs_auth;
    const char *needs_auth_cite;
    const char *auth_problem;          /* why the linked authorization does not count, or NULL */
    const struct folio_roi_auth *auth; /* valid authorization, or NULL */
};

/* Whether a comma list (",a,b," or "a,b") holds an item equal to want, after mapping each item
 * through map (when given). */
static bool list_has(const char *list, const char *want, const char *(*map)(const char *))
{
    char item[64];
    const char *p = list;
    if (!list || !want)
        return false;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len > 0 && len < sizeof item) {
            memcpy(item, p, len);
            item[len] = '\0';
            struct folio_sv v = folio_sv_trim(folio_sv_from(item));
            const char *canon = map ? map(item) : NULL;
            if (map ? (canon && strcmp(canon, want) == 0) : folio_sv_ieq_cstr(v, want))
                return true;
        }
        if (!e)
            break;
        p = e + 1;
    }
    return false;
}

static bool names(const struct ctx *x, const char *tag)
{
    return x->auth && list_has(x->auth->sensitive, tag, folio_sensitivity_tag);
}

/* The reason a document with these tags is withheld (NULL = included); *cite the rule. Sets
 * *notice / *emergency when a Part 2 record goes under consent / in an emergency. */
static const char *decide(const struct ctx *x, const char *tags, struct folio_arena *ar,
                          const char **cite, bool *notice, bool *emergency)
{
    size_t nt = 0;
    const char *const *all = folio_sensitivity_tags(&nt);
    bool psy_auth = x->auth && x->auth->psychotherapy_notes;
    *cite = NULL;
    if (x->needs_auth && !x->auth) {
        *cite = x->needs_auth_cite;
        return x->auth_problem;
    }
    if (list_has(tags, "psychotherapy_notes", NULL)) {
        if (!psy_auth) {
            *cite = x->access ? "45 CFR 164.524(a)(1)(i)" : "45 CFR 164.508(a)(2)";
            return x->access ? "psychotherapy notes are not part of the right of access"
                             : "psychotherapy notes need an authorization for them alone";
        }
    } else if (psy_auth) {
        *cite = "45 CFR 164.508(b)(3)(ii)";
        return "the authorization is for psychotherapy notes only";
    }
    if (list_has(tags, "sud_part2", NULL)) {
        if (x->access) {
            /* 42 CFR 2.23: the patient's own access is not restricted */
        } else if (names(x, "sud_part2")) {
            *notice = true; /* 42 CFR 2.32 */
        } else if (x->treatment && x->emergency) {
            *emergency = true; /* 42 CFR 2.51 */
        } else {
            *cite = x->treatment ? "42 CFR 2.31, 2.33, 2.51" : "42 CFR 2.31, 2.33";
            if (x->treatment)
                return "a Part 2 record needs a consent naming it, even for treatment (no "
                       "medical emergency stated)";
            return x->auth ? "a Part 2 record not named in the authorization (consent)"
                           : "a Part 2 record needs a consent naming it";
        }
    }
    for (size_t i = 0; i < nt; i++) {
        if (strcmp(all[i], "psychotherapy_notes") == 0 || strcmp(all[i], "sud_part2") == 0 ||
            !list_has(tags, all[i], NULL))
            continue;
        if (x->access || x->treatment || names(x, all[i]))
            continue;
        *cite = x->auth ? CITE_AUTH_DESC : CITE_POLICY;
        return folio_arena_printf(ar,
                                  x->auth ? "%s not named in the authorization"
                                          : "%s needs an authorization naming it",
                                  all[i]);
    }
    return NULL;
}

/* The request's date range holds a (possibly partial) date d: the span d covers meets
 * [from, to] (empty = open). */
static bool in_range(const char *d, const char *from, const char *to)
{
    char lo[11], hi[11];
    size_t n = strlen(d);
    if (n >= 10) {
        memcpy(lo, d, 10);
        lo[10] = '\0';
        memcpy(hi, lo, 11);
    } else if (n == 7) {
        folio_snprintf(lo, sizeof lo, "%s-01", d);
        folio_snprintf(hi, sizeof hi, "%s-31", d);
    } else if (n == 4) {
        folio_snprintf(lo, sizeof lo, "%s-01-01", d);
        folio_snprintf(hi, sizeof hi, "%s-12-31", d);
    } else {
        return true; /* no usable date: kept, staff see it */
    }
    if (!folio_str_empty(from) && strcmp(hi, from) < 0)
        return false;
    if (!folio_str_empty(to) && strcmp(lo, to) > 0)
        return false;
    return true;
}

/* The active tags of a document as ",a,b," (NULL when none). */
static enum folio_rc doc_tags(struct folio_store *s, int64_t doc_id, struct folio_arena *ar,
                              const char **out, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct folio_buf b;
    bool row = false;
    enum folio_rc rc;
    folio_buf_init(&b, 4096);
    *out = NULL;
    rc = roi_prepare(s, &st, err,
                     "SELECT tag FROM document_sensitivity WHERE document_id = ? AND "
                     "removed_at IS NULL ORDER BY tag",
                     "i", doc_id);
    while (rc == FOLIO_OK && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        const char *t = folio_stmt_column_text(st, 0);
        if (folio_buf_appendf(&b, "%s%s,", b.len ? "" : ",", t ? t : ""))
            rc = folio_err_set(err, FOLIO_ENOMEM, "id", "too many tags on document %lld",
                               (long long)doc_id);
    }
    folio_stmt_free(st);
    if (rc == FOLIO_OK && b.len) {
        *out = folio_arena_strdup(ar, b.data);
        if (!*out)
            rc = folio_err_set(err, FOLIO_ENOMEM, "id", "out of memory");
    }
    folio_buf_release(&b);
    return rc;
}

static const char *verdict_text(enum folio_roi_auth_verdict v)
{
    switch (v) {
    case FOLIO_AUTH_VALID:
        return NULL;
    case FOLIO_AUTH_INCOMPLETE:
        return "the authorization is incomplete";
    case FOLIO_AUTH_EXPIRED:
        return "the authorization has expired";
    case FOLIO_AUTH_REVOKED:
        return "the authorization was revoked";
    case FOLIO_AUTH_NOT_SIGNED_YET:
        return "the authorization is not signed yet";
    }
    return "the authorization is not valid";
}

enum folio_rc folio_roi_select(struct folio_store *s, int64_t request_id, unsigned flags,
                               const char *now, struct folio_arena *ar,
                               struct folio_roi_selection *out, struct folio_err *err)
{
    struct folio_roi_request r;
    struct folio_roi_auth a;
    struct folio_roi_auth_result res;
    struct folio_stmt *st = NULL;
    struct ctx x = {0};
    size_t cap_in = 0, cap_ex = 0;
    char at[32], today[11];
    bool row = false, oom = false;
    enum folio_rc rc;

    *out = (struct folio_roi_selection){0};
    if ((rc = roi_now(now, at, today, err)))
        return rc;
    if ((rc = folio_store_begin(s, err)))
        return rc;
    rc = folio_roi_request_get(s, request_id, ar, &r, err);
    if (rc)
        goto out;
    x.access = folio_roi_requester_is_access(r.requester_type);
    x.treatment = r.requester_type == FOLIO_ROI_PROVIDER_CONTINUITY;
    x.emergency = (flags & FOLIO_ROI_SELECT_EMERGENCY) != 0;
    x.needs_auth =
        folio_roi_requester_needs_auth(r.requester_type, r.subpoena_assurance, &x.needs_auth_cite);
    x.auth_problem = "the request has no authorization";
    if (r.authorization_id) {
        rc = folio_roi_auth_get(s, r.authorization_id, ar, &a, err);
        if (rc == FOLIO_OK)
            rc = folio_roi_auth_check(&a, today, &res, err);
        if (rc)
            goto out;
        x.auth_problem = verdict_text(res.verdict);
        if (!x.auth_problem)
            x.auth = &a;
    }
    out->auth_valid = x.auth != NULL;
    /* 164.502(b)(2): not to the individual (ii), a provider for treatment (i), under an
     * authorization (iii); a court order sets its own scope, 164.512(e)(1)(i). */
    out->minimum_necessary =
        !x.access && !x.treatment && !x.auth && r.requester_type != FOLIO_ROI_COURT_ORDER;

    rc = roi_prepare(s, &st, err,
                     "SELECT d.id, d.type_code, v.title, COALESCE(d.service_at, d.filed_at), "
                     "v.status FROM document d JOIN document_version v ON v.document_id = d.id "
                     "AND v.version_no = (SELECT MAX(v2.version_no) FROM document_version v2 "
                     "WHERE v2.document_id = d.id) WHERE d.patient_id = ? "
                     "ORDER BY COALESCE(d.service_at, d.filed_at), d.id",
                     "i", r.patient_id);
    while (rc == FOLIO_OK && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        struct folio_roi_doc d = {.document_id = folio_stmt_column_i64(st, 0)};
        const char *type = folio_stmt_column_text(st, 1);
        const char *when = folio_stmt_column_text(st, 3);
        const char *status = folio_stmt_column_text(st, 4);
        bool notice = false, emergency = false;
        if (!when || !in_range(when, r.date_from, r.date_to))
            continue;
        if (!folio_str_empty(r.doc_types) && !list_has(r.doc_types, type, NULL))
            continue;
        folio_strlcpy(d.on, when, sizeof d.on);
        d.type_code = folio_stmt_column_dup(ar, st, 1, &oom);
        d.title = folio_stmt_column_dup(ar, st, 2, &oom);
        if (oom)
            break;
        if ((rc = doc_tags(s, d.document_id, ar, &d.tags, err)))
            break;
        if (status && strcmp(status, "entered-in-error") == 0)
            d.reason = "entered in error";
        else
            d.reason = decide(&x, d.tags, ar, &d.cite, &notice, &emergency);
        if (d.reason) {
            out->excluded = folio_arena_grow(ar, out->excluded, out->n_excluded, &cap_ex,
                                             sizeof *out->excluded, 8);
            if (!out->excluded) {
                oom = true;
                break;
            }
            out->excluded[out->n_excluded++] = d;
        } else {
            out->included = folio_arena_grow(ar, out->included, out->n_included, &cap_in,
                                             sizeof *out->included, 16);
            if (!out->included) {
                oom = true;
                break;
            }
            out->included[out->n_included++] = d;
            out->part2_notice |= notice;
            out->part2_emergency |= emergency;
        }
    }
    folio_stmt_free(st);
    if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, "id", "out of memory selecting documents");
out:
    /* reads only: nothing to keep */
    folio_store_rollback(s);
    return rc;
}
