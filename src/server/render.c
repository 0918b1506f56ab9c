/* JSON rendering for the API and the body-reading helpers of the handlers (see render.h). */
#include "folio/base.h"

#include "folio/time.h"
#include "server/render.h"

/* ---------------------------------------------------------------- building objects */

int folio_jset(json_t *o, const char *k, json_t *v)
{
    if (!v)
        return 1;
    return json_object_set_new(o, k, v) != 0;
}

int folio_jset_str(json_t *o, const char *k, const char *s)
{
    return folio_jset(o, k, s ? json_string(s) : json_null());
}

int folio_jset_int(json_t *o, const char *k, int64_t v)
{
    return folio_jset(o, k, json_integer((json_int_t)v));
}

int folio_jset_id(json_t *o, const char *k, int64_t v)
{
    return folio_jset(o, k, v ? json_integer((json_int_t)v) : json_null());
}

int folio_jset_bool(json_t *o, const char *k, bool v)
{
    return folio_jset(o, k, json_boolean(v));
}

static json_t *done(json_t *o, int bad)
{
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---------------------------------------------------------------- patients */

/* Year of a date ("1961-04-12" -> "1961"): what a role without the identifiers permission may
 * see of birth and death dates (Safe Harbor keeps years, 45 CFR 164.514(b)(2)(i)(C)). */
static json_t *birth_year(const char *date)
{
    if (!date)
        return json_null();
    return json_stringn(date, strnlen(date, 4));
}

static json_t *render_name(const struct folio_name *n)
{
    json_t *o = json_object();
    int bad = !o;

    if (bad)
        return NULL;
    bad |= folio_jset_str(o, "use", n->use);
    bad |= folio_jset_str(o, "family", n->family);
    bad |= folio_jset_str(o, "given", n->given);
    bad |= folio_jset_str(o, "middle", n->middle);
    bad |= folio_jset_str(o, "prefix", n->prefix);
    bad |= folio_jset_str(o, "suffix", n->suffix);
    bad |= folio_jset_str(o, "valid_from", n->valid_from);
    bad |= folio_jset_str(o, "valid_to", n->valid_to);
    bad |= folio_jset_bool(o, "current", n->current);
    return done(o, bad);
}

static int render_identifying(json_t *o, const struct folio_patient *p)
{
    json_t *arr;
    int bad = 0;
    size_t i;

    bad |= folio_jset_str(o, "mrn", p->mrn);
    bad |= folio_jset(o, "name", render_name(&p->name));
    bad |= folio_jset_str(o, "email", p->email);
    arr = json_array();
    bad |= folio_jset(o, "identifiers", arr);
    for (i = 0; !bad && i < p->n_ids; i++) {
        json_t *x = json_object();

        bad |= !x;
        if (x) {
            bad |= folio_jset_int(x, "id", p->ids[i].id);
            bad |= folio_jset_str(x, "kind", p->ids[i].kind);
            bad |= folio_jset_str(x, "assigner", p->ids[i].assigner);
            bad |= folio_jset_str(x, "value", p->ids[i].value); /* SS values come masked */
            bad |= folio_jset_bool(x, "active", p->ids[i].active);
            bad |= json_array_append_new(arr, x) != 0;
        }
    }
    arr = json_array();
    bad |= folio_jset(o, "names", arr);
    for (i = 0; !bad && i < p->n_names; i++)
        bad |= json_array_append_new(arr, render_name(&p->names[i])) != 0;
    arr = json_array();
    bad |= folio_jset(o, "addresses", arr);
    for (i = 0; !bad && i < p->n_addresses; i++) {
        const struct folio_address *a = &p->addresses[i];
        json_t *x = json_object();

        bad |= !x;
        if (x) {
            bad |= folio_jset_str(x, "use", a->use);
            bad |= folio_jset_str(x, "line1", a->line1);
            bad |= folio_jset_str(x, "line2", a->line2);
            bad |= folio_jset_str(x, "city", a->city);
            bad |= folio_jset_str(x, "state", a->state);
            bad |= folio_jset_str(x, "postal_code", a->postal_code);
            bad |= folio_jset_str(x, "county", a->county);
            bad |= folio_jset_str(x, "country", a->country);
            bad |= folio_jset_str(x, "valid_from", a->valid_from);
            bad |= folio_jset_str(x, "valid_to", a->valid_to);
            bad |= folio_jset_bool(x, "current", a->current);
            bad |= json_array_append_new(arr, x) != 0;
        }
    }
    arr = json_array();
    bad |= folio_jset(o, "phones", arr);
    for (i = 0; !bad && i < p->n_phones; i++) {
        json_t *x = json_object();

        bad |= !x;
        if (x) {
            bad |= folio_jset_str(x, "use", p->phones[i].use);
            bad |= folio_jset_str(x, "number", p->phones[i].number);
            bad |= folio_jset_bool(x, "current", p->phones[i].current);
            bad |= json_array_append_new(arr, x) != 0;
        }
    }
    return bad;
}

json_t *folio_render_patient(const struct folio_patient *p, bool identifiers)
{
    json_t *o = json_object();
    int bad = !o;

    if (bad)
        return NULL;
    bad |= folio_jset_int(o, "id", p->id);
    if (identifiers) {
        bad |= render_identifying(o, p);
        bad |= folio_jset_str(o, "birth_date", p->birth_date);
    } else {
        bad |= folio_jset(o, "birth_date", birth_year(p->birth_date));
        bad |= folio_jset_bool(o, "redacted", true);
    }
    bad |= folio_jset_str(o, "sex", p->sex);
    bad |= folio_jset(o, "deceased_at", identifiers ? folio_json_str_or_null(p->deceased_at)
                                                    : birth_year(p->deceased_at));
    bad |= folio_jset_str(o, "language", p->language);
    bad |= folio_jset_str(o, "marital_status", p->marital_status);
    bad |= folio_jset_str(o, "race", p->race);
    bad |= folio_jset_str(o, "ethnicity", p->ethnicity);
    bad |= folio_jset_str(o, "status", p->status);
    bad |= folio_jset_id(o, "merged_into", p->merged_into);
    bad |= folio_jset_int(o, "version", p->version);
    bad |= folio_jset_str(o, "created_at", p->created_at);
    bad |= folio_jset_str(o, "updated_at", p->updated_at);
    bad |= folio_jset_int(o, "n_encounters", p->n_encounters);
    return done(o, bad);
}

json_t *folio_render_patient_summary(const struct folio_patient_summary *s, bool identifiers)
{
    json_t *o = json_object();
    int bad = !o;

    if (bad)
        return NULL;
    bad |= folio_jset_int(o, "id", s->id);
    if (identifiers) {
        bad |= folio_jset_str(o, "mrn", s->mrn);
        bad |= folio_jset_str(o, "family", s->family);
        bad |= folio_jset_str(o, "given", s->given);
        bad |= folio_jset_str(o, "middle", s->middle);
        bad |= folio_jset_str(o, "birth_date", s->birth_date);
    } else {
        bad |= folio_jset(o, "birth_date", birth_year(s->birth_date));
        bad |= folio_jset_bool(o, "redacted", true);
    }
    bad |= folio_jset_str(o, "sex", s->sex);
    bad |= folio_jset_str(o, "status", s->status);
    bad |= folio_jset(o, "deceased_at", identifiers ? folio_json_str_or_null(s->deceased_at)
                                                    : birth_year(s->deceased_at));
    return done(o, bad);
}

/* ---------------------------------------------------------------- encounters */

json_t *folio_render_encounter(const struct folio_encounter *e, bool identifiers)
{
    json_t *o = json_object();
    int bad = !o;
    size_t i;

    if (bad)
        return NULL;
    bad |= folio_jset_int(o, "id", e->id);
    bad |= folio_jset_int(o, "patient_id", e->patient_id);
    bad |= folio_jset_str(o, "facility", e->facility_code);
    if (identifiers)
        bad |= folio_jset_str(o, "account_number", e->account_number);
    bad |= folio_jset_str(o, "class", e->enc_class);
    bad |= folio_jset_str(o, "source_class", e->source_class);
    bad |= folio_jset_str(o, "status", e->status);
    bad |= folio_jset_str(o, "admit_at", e->admit_at);
    bad |= folio_jset_str(o, "discharge_at", e->discharge_at);
    bad |= folio_jset_str(o, "admit_type", e->admit_type);
    bad |= folio_jset_str(o, "admit_source", e->admit_source);
    bad |= folio_jset_str(o, "disposition", e->disposition);
    bad |= folio_jset_str(o, "disposition_title", e->disposition_title);
    bad |= folio_jset_str(o, "service", e->service);
    bad |= folio_jset_str(o, "location", e->location);
    bad |= folio_jset_str(o, "reason", e->reason);
    bad |= folio_jset_int(o, "version", e->version);
    bad |= folio_jset_str(o, "created_at", e->created_at);
    bad |= folio_jset_str(o, "updated_at", e->updated_at);
    if (e->locations || e->providers) {
        json_t *locs = json_array(), *provs = json_array();

        bad |= folio_jset(o, "locations", locs);
        bad |= folio_jset(o, "providers", provs);
        for (i = 0; !bad && i < e->n_locations; i++) {
            const struct folio_encounter_location *l = &e->locations[i];
            json_t *x = json_object();

            bad |= !x;
            if (x) {
                bad |= folio_jset_str(x, "location", l->location);
                bad |= folio_jset_str(x, "from_at", l->from_at);
                bad |= folio_jset_str(x, "to_at", l->to_at);
                bad |= folio_jset_str(x, "changed_by", l->changed_by);
                bad |= json_array_append_new(locs, x) != 0;
            }
        }
        for (i = 0; !bad && i < e->n_providers; i++) {
            const struct folio_encounter_provider *p = &e->providers[i];
            json_t *x = json_object();

            bad |= !x;
            if (x) {
                bad |= folio_jset_int(x, "provider_id", p->provider_id);
                bad |= folio_jset_str(x, "role", p->role);
                bad |= folio_jset_str(x, "family", p->family);
                bad |= folio_jset_str(x, "given", p->given);
                bad |= folio_jset_str(x, "npi", p->npi);
                bad |= folio_jset_str(x, "from_at", p->from_at);
                bad |= folio_jset_str(x, "to_at", p->to_at);
                bad |= json_array_append_new(provs, x) != 0;
            }
        }
    }
    return done(o, bad);
}

/* ---------------------------------------------------------------- documents */

json_t *folio_render_doc_version(const struct folio_document_version *v)
{
    json_t *o = json_object(), *sigs;
    int bad = !o;
    size_t i;

    if (bad)
        return NULL;
    bad |= folio_jset_int(o, "version_id", v->id);
    bad |= folio_jset_int(o, "version_no", v->version_no);
    bad |= folio_jset_str(o, "status", v->status);
    bad |= folio_jset_str(o, "change_kind", v->change_kind);
    bad |= folio_jset_str(o, "reason", v->reason);
    bad |= folio_jset_str(o, "changed_by", v->changed_by);
    bad |= folio_jset_str(o, "changed_at", v->changed_at);
    bad |= folio_jset_str(o, "title", v->title);
    bad |= folio_jset_str(o, "mime_type", v->mime_type);
    bad |= folio_jset_str(o, "content_sha256", v->content_sha256);
    bad |= folio_jset_int(o, "content_len", v->content_len);
    bad |= folio_jset_id(o, "supersedes_id", v->supersedes_id);
    sigs = json_array();
    bad |= folio_jset(o, "signatures", sigs);
    for (i = 0; !bad && i < v->n_signatures; i++) {
        const struct folio_signature *s = &v->signatures[i];
        json_t *x = json_object();

        bad |= !x;
        if (x) {
            bad |= folio_jset_id(x, "provider_id", s->provider_id);
            bad |= folio_jset_str(x, "signer", s->signer);
            bad |= folio_jset_str(x, "role", s->role);
            bad |= folio_jset_str(x, "signed_at", s->signed_at);
            bad |= json_array_append_new(sigs, x) != 0;
        }
    }
    return done(o, bad);
}

json_t *folio_render_document(const struct folio_document *d)
{
    json_t *o = json_object();
    int bad = !o;

    if (bad)
        return NULL;
    bad |= folio_jset_int(o, "id", d->id);
    bad |= folio_jset_int(o, "patient_id", d->patient_id);
    bad |= folio_jset_id(o, "encounter_id", d->encounter_id);
    bad |= folio_jset_id(o, "author_id", d->author_id);
    bad |= folio_jset_str(o, "type_code", d->type_code);
    bad |= folio_jset_str(o, "type_title", d->type_title);
    bad |= folio_jset_str(o, "service_at", d->service_at);
    bad |= folio_jset_str(o, "filed_at", d->filed_at);
    bad |= folio_jset_int(o, "n_versions", d->n_versions);
    bad |= folio_jset(o, "current", folio_render_doc_version(&d->current));
    return done(o, bad);
}

/* ---------------------------------------------------------------- observations */

json_t *folio_render_observation(const struct folio_observation *ob)
{
    json_t *o = json_object();
    int bad = !o;

    if (bad)
        return NULL;
    bad |= folio_jset_int(o, "id", ob->id);
    bad |= folio_jset_int(o, "patient_id", ob->patient_id);
    bad |= folio_jset_id(o, "encounter_id", ob->encounter_id);
    bad |= folio_jset_str(o, "code_system", ob->code_system);
    bad |= folio_jset_str(o, "code", ob->code);
    bad |= folio_jset_str(o, "title", ob->title);
    bad |= folio_jset_str(o, "value_type", ob->value_type);
    bad |= folio_jset_str(o, "value", ob->value_text);
    bad |= folio_jset(o, "value_num", ob->has_numeric ? json_real(ob->value_num) : json_null());
    bad |= folio_jset_str(o, "units", ob->units);
    bad |= folio_jset_str(o, "ref_range", ob->ref_range);
    bad |= folio_jset_str(o, "abnormal_flag", ob->abnormal_flag);
    bad |= folio_jset_str(o, "status", ob->status);
    bad |= folio_jset_str(o, "observed_at", ob->observed_at);
    bad |= folio_jset_id(o, "supersedes_id", ob->supersedes_id);
    bad |= folio_jset_id(o, "superseded_by", ob->superseded_by);
    bad |= folio_jset_bool(o, "current", ob->superseded_by == 0);
    bad |= folio_jset_str(o, "reason", ob->reason);
    bad |= folio_jset_str(o, "recorded_by", ob->recorded_by);
    bad |= folio_jset_str(o, "recorded_at", ob->recorded_at);
    return done(o, bad);
}

/* ---------------------------------------------------------------- audit, users */

json_t *folio_render_audit_entry(const struct folio_audit_entry *e)
{
    json_t *o = json_object();
    int bad = !o;

    if (bad)
        return NULL;
    bad |= folio_jset_int(o, "seq", e->seq);
    bad |= folio_jset_str(o, "at", e->at);
    bad |= folio_jset_str(o, "action", e->action);
    bad |= folio_jset_str(o, "outcome", e->outcome);
    bad |= folio_jset_str(o, "username", e->username);
    bad |= folio_jset_str(o, "roles", e->roles);
    bad |= folio_jset_id(o, "patient_id", e->patient_id);
    bad |= folio_jset_str(o, "entity_type", e->entity_type);
    bad |= folio_jset_id(o, "entity_id", e->entity_id);
    bad |= folio_jset_str(o, "detail", e->detail);
    bad |= folio_jset_str(o, "client", e->client);
    bad |= folio_jset_str(o, "hash", e->hash);
    return done(o, bad);
}

json_t *folio_render_roles(uint32_t roles)
{
    json_t *arr = json_array();
    uint32_t bit;

    if (!arr)
        return NULL;
    for (bit = 1; bit & FOLIO_ROLE_ALL; bit <<= 1) {
        if (!(roles & bit))
            continue;
        if (json_array_append_new(arr, json_string(folio_role_name(bit))) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

json_t *folio_render_permissions(uint32_t roles)
{
    json_t *arr = json_array();

    if (!arr)
        return NULL;
    for (int p = FOLIO_PERM_SIGNED_IN; p < FOLIO_PERM__COUNT; p++) {
        if (!folio_roles_can(roles, (enum folio_perm)p))
            continue;
        if (json_array_append_new(arr, json_string(folio_perm_name((enum folio_perm)p))) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

json_t *folio_render_user(const struct folio_user *u)
{
    json_t *o = json_object();
    int bad = !o;

    if (bad)
        return NULL;
    bad |= folio_jset_int(o, "id", u->id);
    bad |= folio_jset_str(o, "username", u->username);
    bad |= folio_jset_str(o, "display_name", u->display_name);
    bad |= folio_jset(o, "roles", folio_render_roles(u->roles));
    bad |= folio_jset_bool(o, "disabled", u->disabled);
    bad |= folio_jset_int(o, "failed_count", u->failed_count);
    bad |= folio_jset_str(o, "locked_until", u->locked_until);
    bad |= folio_jset_str(o, "last_login_at", u->last_login_at);
    bad |= folio_jset_str(o, "created_at", u->created_at);
    bad |= folio_jset_str(o, "password_changed_at", u->password_changed_at);
    return done(o, bad);
}

json_t *folio_render_page(json_t *items, int64_t total, int64_t limit, int64_t offset)
{
    json_t *o;
    int bad;

    if (!items)
        return NULL;
    o = json_object();
    if (!o) {
        json_decref(items);
        return NULL;
    }
    bad = folio_jset(o, "items", items);
    bad |= folio_jset_int(o, "total", total);
    bad |= folio_jset_int(o, "limit", limit);
    bad |= folio_jset_int(o, "offset", offset);
    return done(o, bad);
}

/* ---------------------------------------------------------------- handler helpers */

struct folio_chart folio_api_chart(const struct folio_req *req)
{
    struct folio_chart c;

    c.store = req->store;
    c.key = req->key;
    c.actor = req->session ? req->session->username : NULL;
    return c;
}

enum folio_rc folio_api_patient_exists(const struct folio_req *req, int64_t id,
                                       struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_patient p;
    struct folio_arena a;
    enum folio_rc rc;

    folio_arena_init(&a, 0);
    rc = folio_patient_get(&c, id, &a, &p, err);
    folio_arena_release(&a);
    return rc;
}

json_t *folio_api_error_body(enum folio_rc code, const char *field, const char *msg)
{
    struct folio_err e;

    folio_err_clear(&e);
    (void)folio_err_set(&e, code, folio_str_empty(field) ? NULL : field, "%s", msg);
    return folio_srv_error_body(&e);
}

enum folio_rc folio_api_deny(struct folio_req *req, struct folio_resp *resp, const char *field,
                             const char *msg, struct folio_err *err)
{
    struct folio_audit_event ev;
    char detail[256], roles[256];
    enum folio_rc rc;

    /* folio_srv_audit records outcome "success"; a refusal is "denied". */
    memset(&ev, 0, sizeof(ev));
    ev.action = "access.denied";
    ev.outcome = "denied";
    if (req->session) {
        ev.username = req->session->username;
        if (folio_roles_format(req->session->roles, roles, sizeof(roles)))
            ev.roles = roles;
    }
    (void)folio_snprintf(detail, sizeof(detail), "%s %s: %s", req->method, req->path,
                         field ? field : "-");
    ev.detail = detail;
    ev.client = req->client;
    rc = folio_audit_append(req->store, &ev, NULL, err);
    if (rc)
        return rc;
    return folio_api_reply(resp, 403, folio_api_error_body(FOLIO_EPERM, field, msg), err);
}

enum folio_rc folio_render_nomem(struct folio_err *err)
{
    return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory while building the response");
}

enum folio_rc folio_api_reply(struct folio_resp *resp, int status, json_t *body,
                              struct folio_err *err)
{
    if (!body)
        return folio_render_nomem(err);
    resp->status = status;
    resp->json = body;
    return FOLIO_OK;
}

static void dotted(char *out, size_t cap, const char *path, const char *key)
{
    if (folio_str_empty(path))
        (void)folio_strlcpy(out, key, cap);
    else
        (void)folio_snprintf(out, cap, "%s.%s", path, key);
}

static const json_t *member(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);

    return (v && !json_is_null(v)) ? v : NULL;
}

enum folio_rc folio_api_str(const json_t *obj, const char *path, const char *key,
                            const char **out, struct folio_err *err)
{
    const json_t *v = member(obj, key);
    char f[64];

    *out = NULL;
    if (!v)
        return FOLIO_OK;
    if (!json_is_string(v)) {
        dotted(f, sizeof(f), path, key);
        return folio_err_set(err, FOLIO_EINVAL, f, "%s must be a string", f);
    }
    *out = json_string_value(v);
    return FOLIO_OK;
}

enum folio_rc folio_api_req_str(const json_t *obj, const char *path, const char *key,
                                const char **out, struct folio_err *err)
{
    enum folio_rc rc = folio_api_str(obj, path, key, out, err);
    char f[64];

    if (rc)
        return rc;
    if (folio_str_empty(*out)) {
        dotted(f, sizeof(f), path, key);
        return folio_err_set(err, FOLIO_EINVAL, f, "%s is required", f);
    }
    return FOLIO_OK;
}

enum folio_rc folio_api_i64(const json_t *obj, const char *path, const char *key, int64_t min,
                            int64_t max, int64_t *out, bool *present, struct folio_err *err)
{
    const json_t *v = member(obj, key);
    char f[64];
    json_int_t n;

    if (present)
        *present = false;
    if (!v)
        return FOLIO_OK;
    dotted(f, sizeof(f), path, key);
    if (!json_is_integer(v))
        return folio_err_set(err, FOLIO_EINVAL, f, "%s must be an integer", f);
    n = json_integer_value(v);
    if (n < min || n > max)
        return folio_err_set(err, FOLIO_EINVAL, f, "%s: %lld is out of range (%lld..%lld)", f,
                             (long long)n, (long long)min, (long long)max);
    *out = (int64_t)n;
    if (present)
        *present = true;
    return FOLIO_OK;
}

enum folio_rc folio_api_bool(const json_t *obj, const char *path, const char *key, bool *out,
                             bool *present, struct folio_err *err)
{
    const json_t *v = member(obj, key);
    char f[64];

    if (present)
        *present = false;
    if (!v)
        return FOLIO_OK;
    if (!json_is_boolean(v)) {
        dotted(f, sizeof(f), path, key);
        return folio_err_set(err, FOLIO_EINVAL, f, "%s must be true or false", f);
    }
    *out = json_is_true(v);
    if (present)
        *present = true;
    return FOLIO_OK;
}

enum folio_rc folio_api_only(const json_t *obj, const char *path, const char *const *allowed,
                             struct folio_err *err)
{
    const char *k;
    json_t *v;
    char f[64];
    size_t i;

    if (!json_is_object(obj)) {
        (void)folio_strlcpy(f, folio_str_empty(path) ? "body" : path, sizeof(f));
        return folio_err_set(err, FOLIO_EINVAL, f, "%s must be a JSON object", f);
    }
    /* jansson's iteration macro takes a non-const object; it only reads. */
    json_object_foreach((json_t *)(uintptr_t)obj, k, v) {
        bool ok = false;

        for (i = 0; allowed[i]; i++)
            ok |= strcmp(allowed[i], k) == 0;
        if (!ok) {
            dotted(f, sizeof(f), path, k);
            return folio_err_set(err, FOLIO_EINVAL, f, "unknown field \"%s\"", f);
        }
    }
    return FOLIO_OK;
}

enum folio_rc folio_api_obj(const json_t *obj, const char *path, const char *key,
                            const char *const *allowed, const json_t **out,
                            struct folio_err *err)
{
    const json_t *v = member(obj, key);
    char f[64];

    *out = NULL;
    if (!v)
        return FOLIO_OK;
    dotted(f, sizeof(f), path, key);
    if (!json_is_object(v))
        return folio_err_set(err, FOLIO_EINVAL, f, "%s must be a JSON object", f);
    if (allowed) {
        enum folio_rc rc = folio_api_only(v, f, allowed, err);

        if (rc)
            return rc;
    }
    *out = v;
    return FOLIO_OK;
}

enum folio_rc folio_api_arr(const json_t *obj, const char *path, const char *key, size_t max,
                            const json_t **out, struct folio_err *err)
{
    const json_t *v = member(obj, key);
    char f[64];

    *out = NULL;
    if (!v)
        return FOLIO_OK;
    dotted(f, sizeof(f), path, key);
    if (!json_is_array(v))
        return folio_err_set(err, FOLIO_EINVAL, f, "%s must be an array", f);
    if (json_array_size(v) > max)
        return folio_err_set(err, FOLIO_EINVAL, f, "%s has %zu entries, at most %zu", f,
                             json_array_size(v), max);
    *out = v;
    return FOLIO_OK;
}

enum folio_rc folio_api_query_time(const struct folio_req *req, const char *name,
                                   const char **out, struct folio_err *err)
{
    const char *v = folio_req_query(req, name);
    char buf[48];
    enum folio_rc rc;

    *out = NULL;
    if (!v)
        return FOLIO_OK;
    rc = folio_time_normalize(v, buf, sizeof(buf), name, err);
    if (rc)
        return rc;
    *out = folio_arena_strdup(req->arena, buf);
    return *out ? FOLIO_OK : folio_render_nomem(err);
}
