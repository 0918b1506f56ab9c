/* /api/v1/patients: search, register, chart header, demographic update.
 *
 * Minimum necessary: without FOLIO_PERM_IDENTIFIERS a caller gets patients without direct
 * identifiers (render.h) and may not search by name or identifier, nor by a birth date finer than
 * the year: looking a person up by an identifier is itself a use of it (docs/api.md). */
#include "folio/base.h"

#include "folio/chart_json.h"
#include "folio/mpi.h"
#include "folio/records.h"
#include "server/render.h"
#include "server/server.h"

#define MAX_LIST 20 /* identifiers, addresses, phones per request */

static const char *const name_fields[] = {"use", "family", "given", "middle", "prefix", "suffix",
                                          NULL};
static const char *const ident_fields[] = {"kind", "assigner", "value", NULL};
static const char *const addr_fields[] = {"use",         "line1",  "line2",   "city", "state",
                                          "postal_code", "county", "country", NULL};
static const char *const phone_fields[] = {"use", "number", NULL};

/* ---------------------------------------------------------------- search */

static enum folio_rc append_term(struct folio_buf *b, const char *k, const char *v)
{
    if (!v)
        return FOLIO_OK;
    return folio_buf_appendf(b, "%s%s=%s", b->len ? "; " : "", k, v);
}

static enum folio_rc search(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_patient_query q;
    struct folio_patient_page pg;
    struct folio_buf detail;
    bool ids = folio_req_can(req, FOLIO_PERM_IDENTIFIERS);
    const char *mrn, *identifier;
    json_t *items = NULL;
    enum folio_rc rc;
    size_t i;

    folio_buf_init(&detail, 2048);
    memset(&q, 0, sizeof(q));
    q.name = folio_req_query(req, "name");
    q.birth_date = folio_req_query(req, "birth_date");
    q.sex = folio_req_query(req, "sex");
    mrn = folio_req_query(req, "mrn");
    identifier = folio_req_query(req, "identifier");
    if (mrn && identifier) {
        rc = folio_err_set(err, FOLIO_EINVAL, "identifier", "give either mrn or identifier, not both");
        goto out;
    }
    q.identifier = mrn ? mrn : identifier;
    rc = folio_req_query_i64(req, "limit", 50, 1, 1000, &q.limit, err);
    if (rc)
        goto out;
    rc = folio_req_query_i64(req, "offset", 0, 0, INT64_MAX / 2, &q.offset, err);
    if (rc)
        goto out;
    if (q.sex) {
        const char *code = folio_sex_normalize(q.sex);

        if (!code) {
            rc = folio_err_set(err, FOLIO_EINVAL, "sex",
                               "sex: '%s' is not an HL7 0001 code (F M O U A N)", q.sex);
            goto out;
        }
        q.sex = code;
    }
    if (!ids) {
        const char *field = q.name ? "name" : q.identifier ? (mrn ? "mrn" : "identifier") : NULL;

        if (!field && q.birth_date && strlen(q.birth_date) > 4)
            field = "birth_date";
        if (field) {
            rc = folio_api_deny(req, resp, field,
                                "your roles do not include access to patient identifiers: search "
                                "by name, identifier or exact birth date is refused (birth year, "
                                "sex are allowed)",
                                err);
            goto out;
        }
    }
    rc = folio_patient_search(&c, &q, req->arena, &pg, err);
    if (rc)
        goto out;
    rc = append_term(&detail, "name", q.name);
    rc = rc ? rc : append_term(&detail, "birth_date", q.birth_date);
    rc = rc ? rc : append_term(&detail, mrn ? "mrn" : "identifier", q.identifier);
    rc = rc ? rc : append_term(&detail, "sex", q.sex);
    rc = rc ? rc
            : folio_buf_appendf(&detail, "%slimit=%lld; offset=%lld; results=%lld",
                                detail.len ? "; " : "", (long long)q.limit, (long long)q.offset,
                                (long long)pg.total);
    if (rc) {
        rc = folio_err_set(err, FOLIO_ETOOBIG, NULL, "search terms are too long");
        goto out;
    }
    rc = folio_srv_audit(req, "patient.search", 0, "patient", 0, detail.data, err);
    if (rc)
        goto out;
    items = json_array();
    for (i = 0; items && i < pg.n; i++) {
        json_t *x = folio_chart_json_patient_summary(&pg.items[i], ids);

        /* A restricted chart the user may not open (btg.h, docs/privacy.md): the name the
         * searcher typed is listed, with restricted: true; birth date, sex, MRN are not. */
        if (x && !folio_srv_btg_visible(req, pg.items[i].id)) {
            const char *drop[] = {"birth_date", "sex", "mrn", "deceased_at"};

            for (size_t k = 0; k < FOLIO_ARRAY_LEN(drop); k++)
                (void)json_object_del(x, drop[k]);
            if (json_object_set_new(x, "restricted", json_true())) {
                json_decref(x);
                x = NULL;
            }
        }
        if (json_array_append_new(items, x)) {
            json_decref(items);
            items = NULL;
        }
    }
    rc = folio_api_reply(resp, 200, folio_render_page(items, pg.total, q.limit, q.offset), err);
out:
    folio_buf_release(&detail);
    return rc;
}

/* ---------------------------------------------------------------- create */

static enum folio_rc read_name(const json_t *o, const char *path, struct folio_name *n,
                               struct folio_err *err)
{
    enum folio_rc rc;

    memset(n, 0, sizeof(*n));
    rc = folio_api_str(o, path, "use", &n->use, err);
    rc = rc ? rc : folio_api_str(o, path, "family", &n->family, err);
    rc = rc ? rc : folio_api_str(o, path, "given", &n->given, err);
    rc = rc ? rc : folio_api_str(o, path, "middle", &n->middle, err);
    rc = rc ? rc : folio_api_str(o, path, "prefix", &n->prefix, err);
    rc = rc ? rc : folio_api_str(o, path, "suffix", &n->suffix, err);
    return rc;
}

static enum folio_rc read_address(const json_t *o, const char *path, struct folio_address *a,
                                  struct folio_err *err)
{
    enum folio_rc rc;

    memset(a, 0, sizeof(*a));
    rc = folio_api_str(o, path, "use", &a->use, err);
    rc = rc ? rc : folio_api_str(o, path, "line1", &a->line1, err);
    rc = rc ? rc : folio_api_str(o, path, "line2", &a->line2, err);
    rc = rc ? rc : folio_api_str(o, path, "city", &a->city, err);
    rc = rc ? rc : folio_api_str(o, path, "state", &a->state, err);
    rc = rc ? rc : folio_api_str(o, path, "postal_code", &a->postal_code, err);
    rc = rc ? rc : folio_api_str(o, path, "county", &a->county, err);
    rc = rc ? rc : folio_api_str(o, path, "country", &a->country, err);
    return rc;
}

static enum folio_rc read_phone(const json_t *o, const char *path, struct folio_phone *p,
                                struct folio_err *err)
{
    enum folio_rc rc;

    memset(p, 0, sizeof(*p));
    rc = folio_api_str(o, path, "use", &p->use, err);
    rc = rc ? rc : folio_api_req_str(o, path, "number", &p->number, err);
    return rc;
}

/* One element of an array member: an object with only `allowed` members; path "key[i]". */
static enum folio_rc array_elem(const json_t *arr, const char *key, size_t i,
                                const char *const *allowed, char path[64], const json_t **out,
                                struct folio_err *err)
{
    const json_t *v = json_array_get(arr, i);

    (void)folio_snprintf(path, 64, "%s[%zu]", key, i);
    if (!json_is_object(v))
        return folio_err_set(err, FOLIO_EINVAL, path, "%s must be a JSON object", path);
    *out = v;
    return folio_api_only(v, path, allowed, err);
}

/* Strings of the patient's demographic members, shared by create and update. */
static enum folio_rc read_demographics(const json_t *body, const char **birth, const char **sex,
                                       const char **deceased, const char **language,
                                       const char **marital, const char **email, const char **race,
                                       const char **ethnicity, struct folio_err *err)
{
    enum folio_rc rc;

    rc = folio_api_str(body, NULL, "birth_date", birth, err);
    rc = rc ? rc : folio_api_str(body, NULL, "sex", sex, err);
    rc = rc ? rc : folio_api_str(body, NULL, "deceased_at", deceased, err);
    rc = rc ? rc : folio_api_str(body, NULL, "language", language, err);
    rc = rc ? rc : folio_api_str(body, NULL, "marital_status", marital, err);
    rc = rc ? rc : folio_api_str(body, NULL, "email", email, err);
    rc = rc ? rc : folio_api_str(body, NULL, "race", race, err);
    rc = rc ? rc : folio_api_str(body, NULL, "ethnicity", ethnicity, err);
    return rc;
}

static enum folio_rc reply_patient(struct folio_req *req, struct folio_resp *resp, int status,
                                   int64_t id, struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_patient p;
    enum folio_rc rc;

    rc = folio_patient_get(&c, id, req->arena, &p, err);
    if (rc)
        return rc;
    folio_resp_etag(resp, p.version);
    return folio_api_reply(resp, status,
                           folio_chart_json_patient(&p, folio_req_can(req, FOLIO_PERM_IDENTIFIERS)),
                           err);
}

static enum folio_rc create(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    static const char *const allowed[] = {
        "name",  "birth_date", "sex", "deceased_at", "language",   "marital_status", "email",
        "race",  "ethnicity",  "mrn", "facility",    "ssn",        "identifiers",    "addresses",
        "phones", "other_names", NULL};
    struct folio_chart c = folio_api_chart(req);
    struct folio_patient_new in;
    struct folio_identifier *ids = NULL;
    struct folio_address *addrs = NULL;
    struct folio_phone *phones = NULL;
    struct folio_name *others = NULL;
    const json_t *name, *arr_ids, *arr_addr, *arr_ph, *arr_other;
    const char *mrn = NULL, *facility = NULL, *ssn = NULL;
    json_t *body = NULL;
    char path[64];
    int64_t id = 0;
    enum folio_rc rc;
    size_t i, n;

    memset(&in, 0, sizeof(in));
    rc = folio_req_json(req, &body, err);
    if (rc)
        goto out;
    rc = folio_json_only(body, allowed, err);
    if (rc)
        goto out;
    rc = folio_api_obj(body, NULL, "name", name_fields, &name, err);
    if (rc)
        goto out;
    if (!name) {
        rc = folio_err_set(err, FOLIO_EINVAL, "name", "name is required (family and/or given)");
        goto out;
    }
    rc = read_name(name, "name", &in.name, err);
    if (rc)
        goto out;
    rc = read_demographics(body, &in.birth_date, &in.sex, &in.deceased_at, &in.language,
                           &in.marital_status, &in.email, &in.race, &in.ethnicity, err);
    rc = rc ? rc : folio_api_str(body, NULL, "mrn", &mrn, err);
    rc = rc ? rc : folio_api_str(body, NULL, "facility", &facility, err);
    rc = rc ? rc : folio_api_str(body, NULL, "ssn", &ssn, err);
    rc = rc ? rc : folio_api_arr(body, NULL, "identifiers", MAX_LIST, &arr_ids, err);
    rc = rc ? rc : folio_api_arr(body, NULL, "addresses", MAX_LIST, &arr_addr, err);
    rc = rc ? rc : folio_api_arr(body, NULL, "phones", MAX_LIST, &arr_ph, err);
    rc = rc ? rc : folio_api_arr(body, NULL, "other_names", MAX_LIST, &arr_other, err);
    if (rc)
        goto out;
    if (folio_str_empty(in.birth_date)) {
        rc = folio_err_set(err, FOLIO_EINVAL, "birth_date", "birth_date is required");
        goto out;
    }
    if (facility && !mrn) {
        rc = folio_err_set(err, FOLIO_EINVAL, "facility",
                           "facility is the assigner of mrn: give mrn too");
        goto out;
    }
    n = (arr_ids ? json_array_size(arr_ids) : 0) + 2;
    ids = folio_arena_calloc(req->arena, n, sizeof(*ids));
    addrs = folio_arena_calloc(req->arena, MAX_LIST + 1, sizeof(*addrs));
    phones = folio_arena_calloc(req->arena, MAX_LIST + 1, sizeof(*phones));
    others = folio_arena_calloc(req->arena, MAX_LIST + 1, sizeof(*others));
    if (!ids || !addrs || !phones || !others) {
        rc = folio_render_nomem(err);
        goto out;
    }
    if (mrn) {
        ids[in.n_ids].kind = "MR";
        ids[in.n_ids].assigner = facility ? facility : "MAIN";
        ids[in.n_ids++].value = mrn;
    }
    if (ssn) {
        ids[in.n_ids].kind = "SS";
        ids[in.n_ids++].value = ssn;
    }
    for (i = 0; arr_ids && i < json_array_size(arr_ids); i++) {
        const json_t *x = NULL;
        struct folio_identifier *d = &ids[in.n_ids++];

        rc = array_elem(arr_ids, "identifiers", i, ident_fields, path, &x, err);
        rc = rc ? rc : folio_api_req_str(x, path, "kind", &d->kind, err);
        rc = rc ? rc : folio_api_str(x, path, "assigner", &d->assigner, err);
        rc = rc ? rc : folio_api_req_str(x, path, "value", &d->value, err);
        if (rc)
            goto out;
    }
    for (i = 0; arr_addr && i < json_array_size(arr_addr); i++) {
        const json_t *x = NULL;

        rc = array_elem(arr_addr, "addresses", i, addr_fields, path, &x, err);
        rc = rc ? rc : read_address(x, path, &addrs[in.n_addresses++], err);
        if (rc)
            goto out;
    }
    for (i = 0; arr_ph && i < json_array_size(arr_ph); i++) {
        const json_t *x = NULL;

        rc = array_elem(arr_ph, "phones", i, phone_fields, path, &x, err);
        rc = rc ? rc : read_phone(x, path, &phones[in.n_phones++], err);
        if (rc)
            goto out;
    }
    for (i = 0; arr_other && i < json_array_size(arr_other); i++) {
        const json_t *x = NULL;

        rc = array_elem(arr_other, "other_names", i, name_fields, path, &x, err);
        rc = rc ? rc : read_name(x, path, &others[in.n_other_names++], err);
        if (rc)
            goto out;
    }
    in.ids = ids;
    in.addresses = addrs;
    in.phones = phones;
    in.other_names = others;
    /* MRNs are assigned by a facility: make sure it exists, as `folio patient add` does. */
    for (i = 0; i < in.n_ids; i++) {
        int64_t fid = 0;

        if (ids[i].assigner && strcmp(ids[i].kind, "MR") == 0) {
            rc = folio_facility_ensure(&c, ids[i].assigner, NULL, &fid, err);
            if (rc)
                goto out;
        }
    }
    rc = folio_patient_create(&c, &in, &id, err);
    if (rc == FOLIO_OK) /* identity index, same transaction (docs/mpi-matching.md) */
        rc = folio_mpi_index_patient(&c, id, err);
    if (rc)
        goto out;
    rc = folio_srv_audit(req, "patient.create", id, "patient", id, NULL, err);
    if (rc)
        goto out;
    (void)folio_snprintf(resp->location, sizeof(resp->location), "/api/v1/patients/%lld",
                         (long long)id);
    rc = reply_patient(req, resp, 201, id, err);
out:
    json_decref(body);
    return rc;
}

/* ---------------------------------------------------------------- view */

static enum folio_rc view(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    enum folio_rc rc;

    rc = reply_patient(req, resp, 200, req->ids[0], err);
    if (rc)
        return rc;
    return folio_srv_audit(req, "patient.view", req->ids[0], "patient", req->ids[0], NULL, err);
}

/* ---------------------------------------------------------------- update */

static enum folio_rc append_changed(struct folio_buf *b, const char *field, const void *v)
{
    if (!v)
        return FOLIO_OK;
    return folio_buf_appendf(b, "%s%s", b->len ? "," : "changed: ", field);
}

static enum folio_rc update(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    static const char *const allowed[] = {"birth_date", "sex",       "deceased_at", "language",
                                          "marital_status", "email", "race",        "ethnicity",
                                          "name",       "address",   "phone",       NULL};
    struct folio_chart c = folio_api_chart(req);
    struct folio_patient_update u;
    struct folio_patient cur;
    struct folio_name name;
    struct folio_address addr;
    struct folio_phone phone;
    struct folio_buf detail;
    const json_t *jn, *ja, *jp;
    json_t *body = NULL;
    bool present = false;
    int64_t version = 0, newv = 0;
    enum folio_rc rc;

    folio_buf_init(&detail, 512);
    memset(&u, 0, sizeof(u));
    rc = folio_patient_get(&c, req->ids[0], req->arena, &cur, err);
    if (rc)
        goto out;
    rc = folio_req_if_match(req, &present, &version, err);
    if (rc)
        goto out;
    if (!present) {
        rc = folio_srv_precondition_required(err);
        goto out;
    }
    if (version != cur.version) {
        rc = folio_srv_stale(cur.version, err);
        goto out;
    }
    rc = folio_req_json(req, &body, err);
    if (rc)
        goto out;
    rc = folio_json_only(body, allowed, err);
    if (rc)
        goto out;
    rc = read_demographics(body, &u.birth_date, &u.sex, &u.deceased_at, &u.language,
                           &u.marital_status, &u.email, &u.race, &u.ethnicity, err);
    rc = rc ? rc : folio_api_obj(body, NULL, "name", name_fields, &jn, err);
    rc = rc ? rc : folio_api_obj(body, NULL, "address", addr_fields, &ja, err);
    rc = rc ? rc : folio_api_obj(body, NULL, "phone", phone_fields, &jp, err);
    if (rc)
        goto out;
    if (jn) {
        rc = read_name(jn, "name", &name, err);
        if (rc)
            goto out;
        u.name = &name;
    }
    if (ja) {
        rc = read_address(ja, "address", &addr, err);
        if (rc)
            goto out;
        u.address = &addr;
    }
    if (jp) {
        rc = read_phone(jp, "phone", &phone, err);
        if (rc)
            goto out;
        u.phone = &phone;
    }
    u.expected_version = version;
    rc = folio_patient_update(&c, req->ids[0], &u, &newv, err);
    if (rc == FOLIO_ECONFLICT && strcmp(err->field, "version") == 0) {
        /* A concurrent change won between our read and the update. */
        rc = folio_srv_stale(version + 1, err);
    }
    if (rc == FOLIO_OK) /* identity index, same transaction */
        rc = folio_mpi_index_patient(&c, req->ids[0], err);
    if (rc)
        goto out;
    /* Which fields changed, never their values. */
    rc = append_changed(&detail, "birth_date", u.birth_date);
    rc = rc ? rc : append_changed(&detail, "sex", u.sex);
    rc = rc ? rc : append_changed(&detail, "deceased_at", u.deceased_at);
    rc = rc ? rc : append_changed(&detail, "language", u.language);
    rc = rc ? rc : append_changed(&detail, "marital_status", u.marital_status);
    rc = rc ? rc : append_changed(&detail, "email", u.email);
    rc = rc ? rc : append_changed(&detail, "race", u.race);
    rc = rc ? rc : append_changed(&detail, "ethnicity", u.ethnicity);
    rc = rc ? rc : append_changed(&detail, "name", u.name);
    rc = rc ? rc : append_changed(&detail, "address", u.address);
    rc = rc ? rc : append_changed(&detail, "phone", u.phone);
    if (rc)
        goto out;
    rc = folio_srv_audit(req, "patient.update", req->ids[0], "patient", req->ids[0],
                         detail.len ? detail.data : "no change", err);
    if (rc)
        goto out;
    rc = reply_patient(req, resp, 200, req->ids[0], err);
out:
    folio_buf_release(&detail);
    json_decref(body);
    return rc;
}

const struct folio_route folio_api_patient_routes[] = {
    {"GET", "/api/v1/patients", FOLIO_PERM_PATIENT_READ, search, "Search patients"},
    {"POST", "/api/v1/patients", FOLIO_PERM_PATIENT_WRITE, create, "Register a patient"},
    {"GET", "/api/v1/patients/{id}", FOLIO_PERM_PATIENT_READ, view, "Chart header of a patient"},
    {"PATCH", "/api/v1/patients/{id}", FOLIO_PERM_PATIENT_WRITE, update,
     "Update a patient's demographics (If-Match required)"},
    {NULL, NULL, FOLIO_PERM_NONE, NULL, NULL},
};
