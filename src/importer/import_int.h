/* Internal to src/importer: source readers (CSV, FHIR) fill neutral structs; the sink writes
 * them through the chart API with external-id matching and counting. Not a public contract. */
#ifndef FOLIO_IMPORT_INT_H
#define FOLIO_IMPORT_INT_H

#include "folio/base.h"
#include "folio/import.h"
#include "folio/records.h"

#define IMP_SYS "synthea"         /* ext_system / PI assigner for Synthea ids */
#define IMP_SYS_CSV "synthea-csv" /* ext_system for CSV rows without an id (content hash) */

static inline const char *imp_nz(const char *s)
{
    return folio_str_empty(s) ? NULL : s;
}

/* ---- string -> int64 map (keys copied) ---- */
struct imp_map {
    char **keys;
    int64_t *vals;
    size_t cap, n;
};
void imp_map_release(struct imp_map *m);
enum folio_rc imp_map_put(struct imp_map *m, const char *key, int64_t val) FOLIO_MUST_USE;
bool imp_map_get(const struct imp_map *m, const char *key, int64_t *val);

struct imp_ctx {
    const struct folio_chart *chart;
    const struct folio_import_opts *opts;
    struct folio_import_stats *stats;
    struct imp_map facilities; /* org source id -> facility id */
    struct imp_map providers;  /* provider key -> provider id */
    struct imp_map patients;   /* patient source id -> patient id */
    struct imp_map encounters; /* encounter source id -> encounter id */
    struct imp_map refs;       /* FHIR fullUrl / "Type/id" -> chart id (per kind by prefix) */
};

/* ---- neutral records ---- */
struct imp_patient {
    const char *src_id;
    struct folio_patient_new p; /* ids/addresses/phones/other_names filled by the reader */
};
struct imp_encounter {
    const char *src_id;
    int64_t patient_id;
    const char *org_src;       /* facility code (must have been imported) */
    int64_t provider_id;       /* 0 = none; becomes attending */
    const char *source_class;
    const char *admit_at, *discharge_at, *reason;
};

/* Each returns FOLIO_OK and *id (chart id); counts added / present. where prefixes errors. */
enum folio_rc imp_facility(struct imp_ctx *x, const char *src_id, const char *name,
                           const char *where, struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc imp_provider(struct imp_ctx *x, const char *key, const struct folio_provider *pv,
                           int64_t *id, const char *where, struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc imp_patient(struct imp_ctx *x, const struct imp_patient *ip, int64_t *id,
                          const char *where, struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc imp_encounter(struct imp_ctx *x, const struct imp_encounter *ie, int64_t *id,
                            const char *where, struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc imp_condition(struct imp_ctx *x, const struct folio_condition *c, const char *where,
                            struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc imp_procedure(struct imp_ctx *x, const struct folio_procedure_event *p,
                            const char *where, struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc imp_observation(struct imp_ctx *x, const struct folio_observation *o,
                              const char *where, struct folio_err *err) FOLIO_MUST_USE;
void imp_skip(struct imp_ctx *x, const char *type);
void imp_progress(struct imp_ctx *x, const char *what, int64_t done);

/* Validates a date (day precision or coarser when date_only) or a time:
 * `WHERE: FIELD: "VALUE" is not a valid date` (EINVAL). Empty is OK unless required. */
enum folio_rc imp_check_time(const char *v, bool date_only, bool required, const char *where,
                             const char *field, struct folio_err *err) FOLIO_MUST_USE;

/* Readers. */
enum folio_rc imp_csv_folder(struct imp_ctx *x, const char *dir,
                             struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc imp_fhir_file(struct imp_ctx *x, const char *path,
                            struct folio_err *err) FOLIO_MUST_USE;

#endif
