/* Bulk import of Synthea output into the chart (see docs/import.md).
 *
 * Sources:
 * - a Synthea CSV folder (holds patients.csv): organizations.csv, providers.csv, patients.csv,
 *   encounters.csv, conditions.csv, procedures.csv, observations.csv, each when present
 *   (patients.csv is required);
 * - a FHIR R4 transaction Bundle (.json file), or a folder of such files (read in name order).
 *
 * The whole import is ONE store transaction: any malformed row or resource stops it with an
 * error naming where (file, line or bundle entry, field, value) and nothing is written.
 * Importing the same source again adds nothing: every row is matched by its external id first
 * (Synthea ids; a content hash for CSV rows without one).
 *
 * Borrows everything; the chart's key is needed (SSNs are sealed). */
#ifndef FOLIO_IMPORT_H
#define FOLIO_IMPORT_H

#include "folio/base.h"
#include "folio/records.h"

enum folio_import_kind {
    FOLIO_IMPORT_FACILITY = 0,
    FOLIO_IMPORT_PROVIDER,
    FOLIO_IMPORT_PATIENT,
    FOLIO_IMPORT_ENCOUNTER,
    FOLIO_IMPORT_CONDITION,
    FOLIO_IMPORT_PROCEDURE,
    FOLIO_IMPORT_OBSERVATION,
    FOLIO_IMPORT_KINDS
};
/* "facilities", "providers", "patients", ... */
const char *folio_import_kind_name(enum folio_import_kind k);

#define FOLIO_IMPORT_MAX_SKIPPED 32
struct folio_import_skipped {
    char type[48]; /* FHIR resourceType, e.g. "Claim" */
    int64_t n;
};

struct folio_import_stats {
    int64_t added[FOLIO_IMPORT_KINDS];   /* rows created */
    int64_t present[FOLIO_IMPORT_KINDS]; /* rows already in the chart (matched by external id) */
    int64_t files;                       /* files read */
    int64_t unlinked;   /* conditions/procedures/observations kept without an encounter because
                           the source has no encounters.csv */
    int64_t dropped_ids; /* SS/DL/PPN identifiers left out: already held by another patient */
    struct folio_import_skipped skipped[FOLIO_IMPORT_MAX_SKIPPED]; /* FHIR types not imported */
    size_t n_skipped;
    int64_t skipped_other; /* skipped resources of types beyond the table above */
    bool dry_run;
};

/* Progress: what is a file name (or "" at the end), done the records read from it so far. */
typedef void (*folio_import_progress_fn)(void *ctx, const char *what, int64_t done);

struct folio_import_opts {
    bool dry_run; /* do everything, then roll back; stats say what would have been added */
    folio_import_progress_fn progress; /* may be NULL; called every 1000 records per file */
    void *progress_ctx;
};

/* Imports path (see above). stats is zeroed first. opts may be NULL.
 * FOLIO_ENOTFOUND when path does not exist; FOLIO_EPARSE / FOLIO_EINVAL for malformed input
 * (err->msg like `patients.csv:12: BIRTHDATE: "1961-13-01" is not a valid date`);
 * FOLIO_EUSAGE when path is neither a CSV folder, a .json file nor a folder of .json files.
 * Inside an open transaction the import is a savepoint of it. */
enum folio_rc folio_import_synthea(const struct folio_chart *chart, const char *path,
                                   const struct folio_import_opts *opts,
                                   struct folio_import_stats *stats,
                                   struct folio_err *err) FOLIO_MUST_USE;

#endif
