/* The import sink: neutral records -> chart API, matched by external id first, counted. */
#include "folio/base.h"
#include "folio/mpi.h"
#include "folio/time.h"
#include "importer/import_int.h"

/* ---- map: open addressing, FNV-1a ---- */
static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

void imp_map_release(struct imp_map *m)
{
    size_t i;
    if (!m)
        return;
    for (i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

static enum folio_rc map_grow(struct imp_map *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 256, i;
    struct imp_map n = {0};

    n.keys = calloc(ncap, sizeof *n.keys);
    n.vals = calloc(ncap, sizeof *n.vals);
    if (!n.keys || !n.vals) {
        free(n.keys);
        free(n.vals);
        return FOLIO_ENOMEM;
    }
    n.cap = ncap;
    for (i = 0; i < m->cap; i++) {
        if (m->keys[i]) {
            size_t j = (size_t)(hash_str(m->keys[i]) & (ncap - 1));
            while (n.keys[j])
                j = (j + 1) & (ncap - 1);
            n.keys[j] = m->keys[i];
            n.vals[j] = m->vals[i];
        }
    }
    n.n = m->n;
    free(m->keys);
    free(m->vals);
    *m = n;
    return FOLIO_OK;
}

enum folio_rc imp_map_put(struct imp_map *m, const char *key, int64_t val)
{
    size_t j;
    if ((m->n + 1) * 2 > m->cap && map_grow(m) != FOLIO_OK)
        return FOLIO_ENOMEM;
    j = (size_t)(hash_str(key) & (m->cap - 1));
    while (m->keys[j]) {
        if (strcmp(m->keys[j], key) == 0) {
            m->vals[j] = val;
            return FOLIO_OK;
        }
        j = (j + 1) & (m->cap - 1);
    }
    m->keys[j] = strdup(key);
    if (!m->keys[j])
        return FOLIO_ENOMEM;
    m->vals[j] = val;
    m->n++;
    return FOLIO_OK;
}

bool imp_map_get(const struct imp_map *m, const char *key, int64_t *val)
{
    size_t j;
    if (!m->cap || !key)
        return false;
    j = (size_t)(hash_str(key) & (m->cap - 1));
    while (m->keys[j]) {
        if (strcmp(m->keys[j], key) == 0) {
            *val = m->vals[j];
            return true;
        }
        j = (j + 1) & (m->cap - 1);
    }
    return false;
}

static enum folio_rc put(struct imp_map *m, const char *key, int64_t val, struct folio_err *err)
{
    if (imp_map_put(m, key, val) != FOLIO_OK)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    return FOLIO_OK;
}

enum folio_rc imp_check_time(const char *v, bool date_only, bool required, const char *where,
                             const char *field, struct folio_err *err)
{
    struct folio_time t;
    struct folio_err e2 = {0};

    if (folio_str_empty(v)) {
        if (!required)
            return FOLIO_OK;
        return folio_err_set(err, FOLIO_EINVAL, field, "%s: %s: missing", where, field);
    }
    if (folio_time_parse_any(folio_sv_from(v), &t, field, &e2) != FOLIO_OK ||
        (date_only && t.prec > FOLIO_PREC_DAY))
        return folio_err_set(err, FOLIO_EINVAL, field, "%s: %s: \"%.64s\" is not a valid %s", where,
                             field, v, date_only ? "date" : "date/time");
    return FOLIO_OK;
}

/* A chart error: prefix it with where. */
static enum folio_rc wrap(enum folio_rc rc, const char *where, struct folio_err *err)
{
    if (rc && err)
        folio_err_prefix(err, "%s", where);
    return rc;
}

/* find_ext: found -> true; ENOTFOUND -> false; other errors -> rc. */
static enum folio_rc find(struct imp_ctx *x, enum folio_ext_kind k, const char *sys,
                          const char *ext, int64_t *id, bool *found, const char *where,
                          struct folio_err *err)
{
    enum folio_rc rc = folio_records_find_ext(x->chart, k, sys, ext, id, err);
    *found = rc == FOLIO_OK;
    if (rc == FOLIO_ENOTFOUND) {
        folio_err_clear(err);
        return FOLIO_OK;
    }
    return wrap(rc, where, err);
}

enum folio_rc imp_facility(struct imp_ctx *x, const char *src_id, const char *name,
                           const char *where, struct folio_err *err)
{
    int64_t id = 0;
    bool found;
    enum folio_rc rc;

    if (folio_str_empty(src_id))
        return folio_err_set(err, FOLIO_EINVAL, "Id", "%s: organization id: missing", where);
    if (imp_map_get(&x->facilities, src_id, &id))
        return FOLIO_OK;
    rc = find(x, FOLIO_EXT_FACILITY, NULL, src_id, &id, &found, where, err);
    if (rc)
        return rc;
    if (found) {
        x->stats->present[FOLIO_IMPORT_FACILITY]++;
    } else {
        rc = wrap(folio_facility_ensure(x->chart, src_id, imp_nz(name), &id, err), where,
                  err);
        if (rc)
            return rc;
        x->stats->added[FOLIO_IMPORT_FACILITY]++;
    }
    return put(&x->facilities, src_id, id, err);
}

enum folio_rc imp_provider(struct imp_ctx *x, const char *key, const struct folio_provider *pv,
                           int64_t *id, const char *where, struct folio_err *err)
{
    bool found;
    enum folio_rc rc;

    if (imp_map_get(&x->providers, key, id))
        return FOLIO_OK;
    rc = find(x, FOLIO_EXT_PROVIDER, pv->ext_system, pv->ext_id, id, &found, where, err);
    if (rc)
        return rc;
    if (!found && pv->npi) {
        rc = folio_provider_find_npi(x->chart, pv->npi, id, err);
        if (rc && rc != FOLIO_ENOTFOUND)
            return wrap(rc, where, err);
        found = rc == FOLIO_OK;
        folio_err_clear(err);
    }
    if (found) {
        x->stats->present[FOLIO_IMPORT_PROVIDER]++;
    } else {
        rc = wrap(folio_provider_create(x->chart, pv, id, err), where, err);
        if (rc)
            return rc;
        x->stats->added[FOLIO_IMPORT_PROVIDER]++;
    }
    return put(&x->providers, key, *id, err);
}

enum folio_rc imp_patient(struct imp_ctx *x, const struct imp_patient *ip, int64_t *id,
                          const char *where, struct folio_err *err)
{
    bool found;
    enum folio_rc rc;

    if (imp_map_get(&x->patients, ip->src_id, id))
        return FOLIO_OK;
    rc = find(x, FOLIO_EXT_PATIENT, IMP_SYS, ip->src_id, id, &found, where, err);
    if (rc)
        return rc;
    if (found) {
        x->stats->present[FOLIO_IMPORT_PATIENT]++;
    } else {
        /* Synthea reuses some SSN / driver's license / passport numbers across people: such an
         * identifier already held by another patient is left out (counted), not an error.
         * PI (the Synthea id) and MR stay strict. */
        struct folio_identifier ids[16];
        struct folio_patient_new pn = ip->p;
        size_t i, n = 0;
        for (i = 0; i < ip->p.n_ids && n < FOLIO_ARRAY_LEN(ids); i++) {
            const struct folio_identifier *d = &ip->p.ids[i];
            int64_t other;
            if (strcmp(d->kind, "PI") != 0 && strcmp(d->kind, "MR") != 0) {
                rc = folio_patient_find_by_identifier(x->chart, d->kind, d->assigner, d->value,
                                                      &other, err);
                if (rc == FOLIO_OK) {
                    x->stats->dropped_ids++;
                    continue;
                }
                if (rc != FOLIO_ENOTFOUND)
                    return wrap(rc, where, err);
                folio_err_clear(err);
            }
            ids[n++] = *d;
        }
        pn.ids = ids;
        pn.n_ids = n;
        rc = wrap(folio_patient_create(x->chart, &pn, id, err), where, err);
        if (rc == FOLIO_OK) /* identity index, same transaction (docs/mpi-matching.md) */
            rc = wrap(folio_mpi_index_patient(x->chart, *id, err), where, err);
        if (rc)
            return rc;
        x->stats->added[FOLIO_IMPORT_PATIENT]++;
    }
    return put(&x->patients, ip->src_id, *id, err);
}

enum folio_rc imp_encounter(struct imp_ctx *x, const struct imp_encounter *ie, int64_t *id,
                            const char *where, struct folio_err *err)
{
    bool found;
    enum folio_rc rc;
    int64_t fac;
    struct folio_encounter_new en = {0};

    if (imp_map_get(&x->encounters, ie->src_id, id))
        return FOLIO_OK;
    rc = find(x, FOLIO_EXT_ENCOUNTER, IMP_SYS, ie->src_id, id, &found, where, err);
    if (rc)
        return rc;
    if (found) {
        x->stats->present[FOLIO_IMPORT_ENCOUNTER]++;
        return put(&x->encounters, ie->src_id, *id, err);
    }
    if (!imp_map_get(&x->facilities, ie->org_src, &fac))
        return folio_err_set(err, FOLIO_EINVAL, "organization",
                             "%s: organization \"%.64s\" is not in the import", where,
                             ie->org_src ? ie->org_src : "");
    en.patient_id = ie->patient_id;
    en.facility_code = ie->org_src;
    en.source_class = ie->source_class;
    en.admit_at = ie->admit_at;
    en.discharge_at = imp_nz(ie->discharge_at);
    en.reason = imp_nz(ie->reason);
    en.ext_system = IMP_SYS;
    en.ext_id = ie->src_id;
    rc = wrap(folio_encounter_create(x->chart, &en, id, err), where, err);
    if (rc)
        return rc;
    if (ie->provider_id) {
        int64_t rid;
        rc = wrap(folio_encounter_add_provider(x->chart, *id, ie->provider_id, "attending", NULL,
                                               &rid, err),
                  where, err);
        if (rc)
            return rc;
    }
    x->stats->added[FOLIO_IMPORT_ENCOUNTER]++;
    return put(&x->encounters, ie->src_id, *id, err);
}

enum folio_rc imp_condition(struct imp_ctx *x, const struct folio_condition *c, const char *where,
                            struct folio_err *err)
{
    int64_t id;
    bool found;
    enum folio_rc rc = find(x, FOLIO_EXT_CONDITION, c->ext_system, c->ext_id, &id, &found, where,
                            err);
    if (rc)
        return rc;
    if (found) {
        x->stats->present[FOLIO_IMPORT_CONDITION]++;
        return FOLIO_OK;
    }
    rc = wrap(folio_condition_create(x->chart, c, &id, err), where, err);
    if (!rc)
        x->stats->added[FOLIO_IMPORT_CONDITION]++;
    return rc;
}

enum folio_rc imp_procedure(struct imp_ctx *x, const struct folio_procedure_event *p,
                            const char *where, struct folio_err *err)
{
    int64_t id;
    bool found;
    enum folio_rc rc = find(x, FOLIO_EXT_PROCEDURE, p->ext_system, p->ext_id, &id, &found, where,
                            err);
    if (rc)
        return rc;
    if (found) {
        x->stats->present[FOLIO_IMPORT_PROCEDURE]++;
        return FOLIO_OK;
    }
    rc = wrap(folio_procedure_create(x->chart, p, &id, err), where, err);
    if (!rc)
        x->stats->added[FOLIO_IMPORT_PROCEDURE]++;
    return rc;
}

enum folio_rc imp_observation(struct imp_ctx *x, const struct folio_observation *o,
                              const char *where, struct folio_err *err)
{
    int64_t id;
    bool found;
    enum folio_rc rc = find(x, FOLIO_EXT_OBSERVATION, o->ext_system, o->ext_id, &id, &found,
                            where, err);
    if (rc)
        return rc;
    if (found) {
        x->stats->present[FOLIO_IMPORT_OBSERVATION]++;
        return FOLIO_OK;
    }
    rc = wrap(folio_observation_create(x->chart, o, &id, err), where, err);
    if (!rc)
        x->stats->added[FOLIO_IMPORT_OBSERVATION]++;
    return rc;
}

void imp_skip(struct imp_ctx *x, const char *type)
{
    struct folio_import_stats *s = x->stats;
    size_t i;
    for (i = 0; i < s->n_skipped; i++) {
        if (strcmp(s->skipped[i].type, type) == 0) {
            s->skipped[i].n++;
            return;
        }
    }
    if (s->n_skipped == FOLIO_IMPORT_MAX_SKIPPED) {
        s->skipped_other++;
        return;
    }
    (void)folio_strlcpy(s->skipped[s->n_skipped].type, type, sizeof s->skipped[0].type);
    s->skipped[s->n_skipped++].n = 1;
}

void imp_progress(struct imp_ctx *x, const char *what, int64_t done)
{
    if (x->opts && x->opts->progress)
        x->opts->progress(x->opts->progress_ctx, what, done);
}
