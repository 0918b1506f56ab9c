/* JSON objects of the chart, shared by the CLI and the API (see chart_json.h). */
#include "folio/base.h"

#include "folio/chart_json.h"
#include "folio/json.h"

/* o[k] = v, consuming v; nonzero when v is NULL or the set fails. */
static int jset(json_t *o, const char *k, json_t *v)
{
    if (!v)
        return 1;
    return json_object_set_new(o, k, v) != 0;
}

static int jset_str(json_t *o, const char *k, const char *s)
{
    return jset(o, k, folio_json_str_or_null(s));
}

static int jset_int(json_t *o, const char *k, int64_t v)
{
    return jset(o, k, json_integer((json_int_t)v));
}

/* Optional ids: 0 -> null. */
static int jset_id(json_t *o, const char *k, int64_t v)
{
    return jset(o, k, v ? json_integer((json_int_t)v) : json_null());
}

static int jset_bool(json_t *o, const char *k, bool v)
{
    return jset(o, k, json_boolean(v));
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
static json_t *year_of(const char *date)
{
    if (!date)
        return json_null();
    return json_stringn(date, strnlen(date, 4));
}

static json_t *date_or_year(const char *date, bool identifiers)
{
    return identifiers ? folio_json_str_or_null(date) : year_of(date);
}

static json_t *name_json(const struct folio_name *n)
{
    json_t *o = json_object();
    int bad = !o;

    if (bad)
        return NULL;
    bad |= jset_str(o, "use", n->use);
    bad |= jset_str(o, "family", n->family);
    bad |= jset_str(o, "given", n->given);
    bad |= jset_str(o, "middle", n->middle);
    bad |= jset_str(o, "prefix", n->prefix);
    bad |= jset_str(o, "suffix", n->suffix);
    bad |= jset_str(o, "valid_from", n->valid_from);
    bad |= jset_str(o, "valid_to", n->valid_to);
    bad |= jset_bool(o, "current", n->current);
    return done(o, bad);
}

static json_t *identifier_json(const struct folio_identifier *x)
{
    json_t *o = json_object();
    int bad = !o;

    if (bad)
        return NULL;
    bad |= jset_int(o, "id", x->id);
    bad |= jset_str(o, "kind", x->kind);
    bad |= jset_str(o, "assigner", x->assigner);
    bad |= jset_str(o, "value", x->value); /* SS values come masked */
    bad |= jset_bool(o, "active", x->active);
    return done(o, bad);
}

static json_t *address_json(const struct folio_address *a)
{
    json_t *o = json_object();
    int bad = !o;

    if (bad)
        return NULL;
    bad |= jset_str(o, "use", a->use);
    bad |= jset_str(o, "line1", a->line1);
    bad |= jset_str(o, "line2", a->line2);
    bad |= jset_str(o, "city", a->city);
    bad |= jset_str(o, "state", a->state);
    bad |= jset_str(o, "postal_code", a->postal_code);
    bad |= jset_str(o, "county", a->county);
    bad |= jset_str(o, "country", a->country);
    bad |= jset_str(o, "valid_from", a->valid_from);
    bad |= jset_str(o, "valid_to", a->valid_to);
    bad |= jset_bool(o, "current", a->current);
    return done(o, bad);
}

static json_t *phone_json(const struct folio_phone *ph)
{
    json_t *o = json_object();
    int bad = !o;

    if (bad)
        return NULL;
    bad |= jset_str(o, "use", ph->use);
    bad |= jset_str(o, "number", ph->number);
    bad |= jset_bool(o, "current", ph->current);
    return done(o, bad);
}

/* The identifying lists of a patient: identifiers, names, addresses, phones. */
static int identifying_lists(json_t *o, const struct folio_patient *p)
{
    json_t *arr;
    int bad = 0;
    size_t i;

    arr = json_array();
    bad |= jset(o, "identifiers", arr);
    for (i = 0; !bad && i < p->n_ids; i++)
        bad |= json_array_append_new(arr, identifier_json(&p->ids[i])) != 0;
    arr = json_array();
    bad |= jset(o, "names", arr);
    for (i = 0; !bad && i < p->n_names; i++)
        bad |= json_array_append_new(arr, name_json(&p->names[i])) != 0;
    arr = json_array();
    bad |= jset(o, "addresses", arr);
    for (i = 0; !bad && i < p->n_addresses; i++)
        bad |= json_array_append_new(arr, address_json(&p->addresses[i])) != 0;
    arr = json_array();
    bad |= jset(o, "phones", arr);
    for (i = 0; !bad && i < p->n_phones; i++)
        bad |= json_array_append_new(arr, phone_json(&p->phones[i])) != 0;
    return bad;
}

json_t *folio_chart_json_patient(const struct folio_patient *p, bool identifiers)
{
    json_t *o = json_object();
    int bad = !o;

    if (bad)
        return NULL;
    bad |= jset_int(o, "id", p->id);
    if (identifiers) {
        bad |= jset_str(o, "mrn", p->mrn);
        bad |= jset(o, "name", name_json(&p->name));
    }
    bad |= jset(o, "birth_date", date_or_year(p->birth_date, identifiers));
    bad |= jset_str(o, "sex", p->sex);
    bad |= jset(o, "deceased_at", date_or_year(p->deceased_at, identifiers));
    bad |= jset_str(o, "language", p->language);
    bad |= jset_str(o, "marital_status", p->marital_status);
    if (identifiers)
        bad |= jset_str(o, "email", p->email);
    bad |= jset_str(o, "race", p->race);
    bad |= jset_str(o, "ethnicity", p->ethnicity);
    bad |= jset_str(o, "status", p->status);
    bad |= jset_id(o, "merged_into", p->merged_into);
    bad |= jset_int(o, "version", p->version);
    bad |= jset_str(o, "created_at", p->created_at);
    bad |= jset_str(o, "updated_at", p->updated_at);
    bad |= jset_int(o, "n_encounters", p->n_encounters);
    if (identifiers)
        bad |= identifying_lists(o, p);
    else
        bad |= jset_bool(o, "redacted", true);
    return done(o, bad);
}

json_t *folio_chart_json_patient_summary(const struct folio_patient_summary *s, bool identifiers)
{
    json_t *o = json_object();
    int bad = !o;

    if (bad)
        return NULL;
    bad |= jset_int(o, "id", s->id);
    if (identifiers) {
        bad |= jset_str(o, "mrn", s->mrn);
        bad |= jset_str(o, "family", s->family);
        bad |= jset_str(o, "given", s->given);
        bad |= jset_str(o, "middle", s->middle);
    }
    bad |= jset(o, "birth_date", date_or_year(s->birth_date, identifiers));
    if (!identifiers)
        bad |= jset_bool(o, "redacted", true);
    bad |= jset_str(o, "sex", s->sex);
    bad |= jset_str(o, "status", s->status);
    bad |= jset(o, "deceased_at", date_or_year(s->deceased_at, identifiers));
    return done(o, bad);
}

/* ---------------------------------------------------------------- encounters */

static json_t *enc_location_json(const struct folio_encounter_location *l)
{
    json_t *o = json_object();
    int bad = !o;

    if (bad)
        return NULL;
    bad |= jset_str(o, "location", l->location);
    bad |= jset_str(o, "from_at", l->from_at);
    bad |= jset_str(o, "to_at", l->to_at);
    bad |= jset_str(o, "changed_by", l->changed_by);
    return done(o, bad);
}

static json_t *enc_provider_json(const struct folio_encounter_provider *p)
{
    json_t *o = json_object();
    int bad = !o;

    if (bad)
        return NULL;
    bad |= jset_int(o, "provider_id", p->provider_id);
    bad |= jset_str(o, "role", p->role);
    bad |= jset_str(o, "family", p->family);
    bad |= jset_str(o, "given", p->given);
    bad |= jset_str(o, "npi", p->npi);
    bad |= jset_str(o, "from_at", p->from_at);
    bad |= jset_str(o, "to_at", p->to_at);
    return done(o, bad);
}

json_t *folio_chart_json_encounter(const struct folio_encounter *e, bool identifiers)
{
    json_t *o = json_object();
    int bad = !o;
    size_t i;

    if (bad)
        return NULL;
    bad |= jset_int(o, "id", e->id);
    bad |= jset_int(o, "patient_id", e->patient_id);
    bad |= jset_str(o, "facility", e->facility_code);
    if (identifiers)
        bad |= jset_str(o, "account_number", e->account_number);
    bad |= jset_str(o, "class", e->enc_class);
    bad |= jset_str(o, "source_class", e->source_class);
    bad |= jset_str(o, "status", e->status);
    bad |= jset_str(o, "admit_at", e->admit_at);
    bad |= jset_str(o, "discharge_at", e->discharge_at);
    bad |= jset_str(o, "admit_type", e->admit_type);
    bad |= jset_str(o, "admit_source", e->admit_source);
    bad |= jset_str(o, "disposition", e->disposition);
    bad |= jset_str(o, "disposition_title", e->disposition_title);
    bad |= jset_str(o, "service", e->service);
    bad |= jset_str(o, "location", e->location);
    bad |= jset_str(o, "reason", e->reason);
    bad |= jset_int(o, "version", e->version);
    bad |= jset_str(o, "created_at", e->created_at);
    bad |= jset_str(o, "updated_at", e->updated_at);
    if (e->locations || e->providers) {
        json_t *locs = json_array(), *provs = json_array();

        bad |= jset(o, "locations", locs);
        bad |= jset(o, "providers", provs);
        for (i = 0; !bad && i < e->n_locations; i++)
            bad |= json_array_append_new(locs, enc_location_json(&e->locations[i])) != 0;
        for (i = 0; !bad && i < e->n_providers; i++)
            bad |= json_array_append_new(provs, enc_provider_json(&e->providers[i])) != 0;
    }
    return done(o, bad);
}

/* ---------------------------------------------------------------- documents */

static json_t *signature_json(const struct folio_signature *s)
{
    json_t *o = json_object();
    int bad = !o;

    if (bad)
        return NULL;
    bad |= jset_id(o, "provider_id", s->provider_id);
    bad |= jset_str(o, "signer", s->signer);
    bad |= jset_str(o, "role", s->role);
    bad |= jset_str(o, "signed_at", s->signed_at);
    return done(o, bad);
}

json_t *folio_chart_json_doc_version(const struct folio_document_version *v)
{
    json_t *o = json_object(), *sigs;
    int bad = !o;
    size_t i;

    if (bad)
        return NULL;
    bad |= jset_int(o, "version_id", v->id);
    bad |= jset_int(o, "version_no", v->version_no);
    bad |= jset_str(o, "status", v->status);
    bad |= jset_str(o, "change_kind", v->change_kind);
    bad |= jset_str(o, "reason", v->reason);
    bad |= jset_str(o, "changed_by", v->changed_by);
    bad |= jset_str(o, "changed_at", v->changed_at);
    bad |= jset_str(o, "title", v->title);
    bad |= jset_str(o, "mime_type", v->mime_type);
    bad |= jset_str(o, "content_sha256", v->content_sha256);
    bad |= jset_int(o, "content_len", v->content_len);
    bad |= jset_id(o, "supersedes_id", v->supersedes_id);
    sigs = json_array();
    bad |= jset(o, "signatures", sigs);
    for (i = 0; !bad && i < v->n_signatures; i++)
        bad |= json_array_append_new(sigs, signature_json(&v->signatures[i])) != 0;
    return done(o, bad);
}

json_t *folio_chart_json_document(const struct folio_document *d)
{
    json_t *o = json_object();
    int bad = !o;

    if (bad)
        return NULL;
    bad |= jset_int(o, "id", d->id);
    bad |= jset_int(o, "patient_id", d->patient_id);
    bad |= jset_id(o, "encounter_id", d->encounter_id);
    bad |= jset_id(o, "author_id", d->author_id);
    bad |= jset_str(o, "type_code", d->type_code);
    bad |= jset_str(o, "type_title", d->type_title);
    bad |= jset_str(o, "service_at", d->service_at);
    bad |= jset_str(o, "filed_at", d->filed_at);
    bad |= jset_int(o, "n_versions", d->n_versions);
    bad |= jset(o, "current", folio_chart_json_doc_version(&d->current));
    return done(o, bad);
}

/* ---------------------------------------------------------------- observations */

json_t *folio_chart_json_observation(const struct folio_observation *ob)
{
    json_t *o = json_object();
    int bad = !o;

    if (bad)
        return NULL;
    bad |= jset_int(o, "id", ob->id);
    bad |= jset_int(o, "patient_id", ob->patient_id);
    bad |= jset_id(o, "encounter_id", ob->encounter_id);
    bad |= jset_str(o, "code_system", ob->code_system);
    bad |= jset_str(o, "code", ob->code);
    bad |= jset_str(o, "title", ob->title);
    bad |= jset_str(o, "value_type", ob->value_type);
    bad |= jset_str(o, "value", ob->value_text);
    bad |= jset(o, "value_num", ob->has_numeric ? json_real(ob->value_num) : json_null());
    bad |= jset_str(o, "units", ob->units);
    bad |= jset_str(o, "ref_range", ob->ref_range);
    bad |= jset_str(o, "abnormal_flag", ob->abnormal_flag);
    bad |= jset_str(o, "status", ob->status);
    bad |= jset_str(o, "observed_at", ob->observed_at);
    bad |= jset_id(o, "supersedes_id", ob->supersedes_id);
    bad |= jset_id(o, "superseded_by", ob->superseded_by);
    bad |= jset_bool(o, "current", ob->superseded_by == 0);
    bad |= jset_str(o, "reason", ob->reason);
    bad |= jset_str(o, "recorded_by", ob->recorded_by);
    bad |= jset_str(o, "recorded_at", ob->recorded_at);
    return done(o, bad);
}
