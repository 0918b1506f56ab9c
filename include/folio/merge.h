/* Master patient index, the decisions a person (or an interface) takes about identities:
 * merge two charts of one person, unmerge a wrong merge, the potential-duplicate worklist, and
 * overlay detection (one chart holding two people). Matching itself (scores, candidates) is
 * folio/mpi.h; this module uses it to fill the worklist. docs/mpi-merge.md has the rules.
 *
 * General contract (as in folio/records.h):
 * - struct folio_chart is borrowed; chart->actor is who decides (NULL -> "system").
 * - Inputs are borrowed for the call; outputs' strings and arrays live in the caller's arena.
 * - Every mutating call runs in its own transaction (a SAVEPOINT inside a caller's one), so it
 *   happens completely or not at all, and appends its audit entries in that same transaction.
 * - Errors: EINVAL (err->field names the field), ENOTFOUND (unknown patient, merge or pair),
 *   ESTATE (the records' state forbids it: merging a merged patient, unmerging twice ...),
 *   ECONFLICT (an unmerge that can no longer be reversed exactly; a stale pair decision),
 *   ESTORE/EBUSY from the database, ENOMEM.
 * - Nothing is ever deleted. A merge only changes columns that point at the patient (and a few
 *   history columns, below), and logs each change; an unmerge writes the logged old values back.
 *
 * Audit actions appended by this module (folio/audit.h vocabulary, proposed additions):
 *   patient.merge    one entry per patient (survivor and retired), entity "merge" = merge id,
 *                    detail "merge=M surviving=S retired=R moved=N source=... reason=..."
 *   patient.unmerge  likewise for an unmerge
 *   mpi.decide       a worklist decision other than merge (not_duplicate, defer), per patient
 *   mpi.scan         a worklist scan (no patient; detail "added=N")
 * Reads (worklist list, compare, overlays) are audited by the faces (mpi.worklist,
 * mpi.overlays, patient.view for the side-by-side), as for other reads.
 */
#ifndef FOLIO_MERGE_H
#define FOLIO_MERGE_H

#include "folio/base.h"
#include "folio/records.h"

/* ======================================================================================
 * Merge and unmerge
 * ====================================================================================== */

/* Who/where, for the audit entries; all optional (borrowed). */
struct folio_mpi_merge_opts {
    const char *reason;       /* required: why (free text, 1..500 chars) */
    const char *source;       /* "manual" (default), "worklist", "hl7" (A40), "import" */
    int64_t worklist_pair_id; /* the worklist pair this merge decides, 0 = none */
    const char *roles;        /* the session's roles for the audit entry; may be NULL */
    const char *client;       /* network address or "cli"; may be NULL */
};

/* Merges patient retired_id into surviving_id, in one transaction:
 * - every row of every table that points at the retired patient (the table-driven list in
 *   src/mpi/merge_tables.c: names, identifiers, addresses, phones, encounters (and with them their
 *   locations, providers, events), documents, observations, conditions, procedures, contacts,
 *   coverage, HL7 message log rows ...) is repointed at the survivor;
 * - the retired chart's current names, addresses and phones of a use the survivor already has
 *   current become history (closed on the merge date, ended_by = actor); others stay current;
 * - an identifier active on both with the same kind, assigner and value is retired on the retired
 *   side (reason names the merge) instead of moved;
 * - the retired patient gets status 'merged', merged_into = survivor (version bumped); it is never
 *   deleted;
 * - every changed column of every row is written to the merge log (table, row id, column, old
 *   value, new value), which is what folio_mpi_unmerge reverses;
 * - patient.merge is audited for both patients.
 * Guard rails: EINVAL (field "retired_id") when both ids are the same; ENOTFOUND for an unknown id
 * (field "surviving_id"/"retired_id"); ESTATE when either patient is already merged (a merged
 * patient can neither survive nor be retired again). *merge_id (may be NULL) gets the merge id. */
enum folio_rc folio_mpi_merge(const struct folio_chart *c, int64_t surviving_id,
                              int64_t retired_id, const char *reason, int64_t *merge_id,
                              struct folio_err *err) FOLIO_MUST_USE;
/* The same with source, worklist pair, roles and client for the audit trail. opts required. */
enum folio_rc folio_mpi_merge_ex(const struct folio_chart *c, int64_t surviving_id,
                                 int64_t retired_id, const struct folio_mpi_merge_opts *opts,
                                 int64_t *merge_id, struct folio_err *err) FOLIO_MUST_USE;

/* Reverses merge merge_id exactly: every logged change is written back (newest first) provided
 * the column still holds the value the merge gave it; the retired patient is active again.
 * Rows added to the survivor after the merge stay with the survivor; later edits to moved rows
 * in columns the merge did not change are kept.
 * Refused, with nothing changed:
 *   ENOTFOUND  unknown merge;
 *   ESTATE     the merge was already unmerged, or the survivor has since been merged into another
 *              patient (unmerge that later merge first);
 *   ECONFLICT  a logged column was changed since the merge (err names table, row and column), or
 *              a row filed after the merge (still on the survivor) points at an encounter that
 *              goes back to the restored patient (err names it: move or correct it first).
 * reason required (EINVAL, field "reason"). Audits patient.unmerge for both patients; a worklist
 * pair decided by this merge becomes not_duplicate (its note names the unmerge). */
enum folio_rc folio_mpi_unmerge(const struct folio_chart *c, int64_t merge_id, const char *reason,
                                struct folio_err *err) FOLIO_MUST_USE;
/* opts->reason required; opts->source/worklist_pair_id ignored. */
enum folio_rc folio_mpi_unmerge_ex(const struct folio_chart *c, int64_t merge_id,
                                   const struct folio_mpi_merge_opts *opts,
                                   struct folio_err *err) FOLIO_MUST_USE;

struct folio_mpi_merge_info {
    int64_t id;
    int64_t surviving_id;
    int64_t retired_id;
    const char *status; /* "merged" or "unmerged" */
    const char *source; /* manual | worklist | hl7 | import */
    const char *reason;
    const char *merged_at; /* canonical UTC */
    const char *merged_by;
    const char *unmerged_at; /* NULL while merged */
    const char *unmerged_by;
    const char *unmerge_reason;
    int64_t worklist_pair_id; /* 0 = none */
    int64_t n_moves;          /* rows in the merge log for this merge */
};
/* ENOTFOUND for an unknown merge id. */
enum folio_rc folio_mpi_merge_get(const struct folio_chart *c, int64_t merge_id,
                                  struct folio_arena *a, struct folio_mpi_merge_info *out,
                                  struct folio_err *err) FOLIO_MUST_USE;
/* Merges involving patient_id (as survivor or retired; 0 = all), newest first.
 * limit clamped to 1..1000 (0 -> 50). */
struct folio_mpi_merge_page {
    struct folio_mpi_merge_info *items;
    size_t n;
    int64_t total;
};
enum folio_rc folio_mpi_merge_list(const struct folio_chart *c, int64_t patient_id, int64_t limit,
                                   int64_t offset, struct folio_arena *a,
                                   struct folio_mpi_merge_page *out,
                                   struct folio_err *err) FOLIO_MUST_USE;

/* One merge log row: what the merge changed (values as text; NULL for SQL NULL). */
struct folio_mpi_move {
    int64_t seq;          /* order of the change (the unmerge walks it backwards) */
    const char *table;    /* "encounter", "patient_name", ... */
    int64_t row_id;
    const char *column;   /* "patient_id", "valid_to", "active", ... */
    const char *old_value;
    const char *new_value;
};
/* The merge log of one merge, in seq order. limit clamped to 1..10000 (0 -> 1000). */
enum folio_rc folio_mpi_merge_moves(const struct folio_chart *c, int64_t merge_id, int64_t limit,
                                    int64_t offset, struct folio_arena *a,
                                    struct folio_mpi_move **out, size_t *n, int64_t *total,
                                    struct folio_err *err) FOLIO_MUST_USE;

/* ======================================================================================
 * Potential-duplicate worklist
 * ====================================================================================== */

/* A pair is stored once, patient_a < patient_b. status:
 *   open           waiting for a person
 *   merged         decided "same person": merge_id names the merge
 *   not_duplicate  decided "different people": remembered forever, never proposed again
 *   deferred       decided "later": back to open at the first scan on or after defer_until
 * reasons_json: the field-by-field explanation of folio/mpi.h (struct folio_mpi_score) at the
 * last scan, as JSON: {"score":12.3,"decision":"review","rules":["..."],"fields":[{"field":
 * "given","level":"close","weight":3.1,"a":"bill","b":"william","note":"nickname"}, ...]}
 * (values are short normalised forms, SSNs masked; still PHI: never logged). */
struct folio_mpi_pair {
    int64_t id;
    int64_t patient_a;
    int64_t patient_b;
    double score;
    const char *band;         /* the matcher's decision: "review" or "link"; "request" for an
                                 HL7 A40 merge request the matcher scores lower */
    const char *source;       /* "scan" (folio_mpi_worklist_scan) or "hl7" (an A40 request) */
    int64_t feed_request_id;  /* the feed_merge_request row of an A40, 0 = none */
    const char *reasons_json;
    const char *status;
    const char *defer_until;  /* date, for deferred */
    const char *decided_by;   /* NULL while open */
    const char *decided_at;
    const char *note;
    int64_t merge_id;         /* 0 unless merged */
    const char *created_at;   /* first proposed */
    const char *updated_at;   /* last scan that scored it, or last decision */
};

struct folio_mpi_scan_opts {
    const char *today; /* date the defer dates compare with; NULL = today (UTC) */
    int64_t max_pairs; /* stop after adding this many new pairs; 0 = no limit */
};
/* Runs the matcher's candidate generation over every active patient and stores each pair scoring
 * in the review band or above that is new (added) or still open (score and reasons refreshed).
 * Pairs decided not_duplicate or merged are never touched; deferred pairs whose defer_until is
 * on or before today become open again (counted in *reopened). Pairs whose patients are no longer
 * both active are not proposed. added and reopened may be NULL. Audits mpi.scan. */
enum folio_rc folio_mpi_worklist_scan(const struct folio_chart *c, int64_t *added,
                                      struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc folio_mpi_worklist_scan_ex(const struct folio_chart *c,
                                         const struct folio_mpi_scan_opts *opts, int64_t *added,
                                         int64_t *reopened, struct folio_err *err) FOLIO_MUST_USE;

/* An HL7 A40 merge request (src/feed/adt.c) put on the worklist for a person to confirm: the pair
 * (surviving_id, prior_id) is added open with source "hl7", or, when the pair is already open or
 * deferred, linked to the request and reopened. A pair decided not_duplicate or merged is left
 * as it is (*pair_id still names it; *state gets its status, "open" otherwise). Deciding MERGE on
 * such a pair keeps the A40's survivor by default and marks the feed_merge_request "merged".
 * The matcher's score and reasons are stored when both patients are indexed. pair_id and state
 * may be NULL. */
enum folio_rc folio_mpi_worklist_request(const struct folio_chart *c, int64_t surviving_id,
                                         int64_t prior_id, int64_t feed_request_id,
                                         const char *note, int64_t *pair_id, const char **state,
                                         struct folio_err *err) FOLIO_MUST_USE;

/* A pair the matcher found outside a scan, e.g. by the HL7 feed when a registration created
 * patient a_id and the identity search found b_id (sc: their score, REVIEW or LINK band; source
 * "hl7", "scan", ...; note optional, <= 500 chars). Idempotent: a new pair is added open; an open
 * pair gets score, band and reasons refreshed; a pair decided not_duplicate or merged, or
 * deferred, is left as it is (remembered, never proposed again). Never merges. *pair_id gets the
 * pair, *state its status ("open", "deferred", "not_duplicate", "merged"); both may be NULL.
 * EINVAL when the ids are not two different patients or sc is NULL. Runs in its own
 * transaction level. */
struct folio_mpi_score; /* folio/mpi.h */
enum folio_rc folio_mpi_worklist_propose(const struct folio_chart *c, int64_t a_id, int64_t b_id,
                                         const struct folio_mpi_score *sc, const char *source,
                                         const char *note, int64_t *pair_id, const char **state,
                                         struct folio_err *err) FOLIO_MUST_USE;

/* Listing. status NULL or "" = "open"; "all" = every status. patient_id 0 = any. Open pairs whose
 * patients are no longer both active are left out. Sorted by score descending, then id.
 * limit clamped to 1..1000 (0 -> 50). total = all matches. */
struct folio_mpi_worklist_query {
    const char *status;
    int64_t patient_id;
    int64_t limit;
    int64_t offset;
};
struct folio_mpi_pair_page {
    struct folio_mpi_pair *items;
    size_t n;
    int64_t total;
};
enum folio_rc folio_mpi_worklist_list(const struct folio_chart *c,
                                      const struct folio_mpi_worklist_query *q,
                                      struct folio_arena *a, struct folio_mpi_pair_page *out,
                                      struct folio_err *err) FOLIO_MUST_USE;
/* ENOTFOUND for an unknown pair. */
enum folio_rc folio_mpi_worklist_get(const struct folio_chart *c, int64_t pair_id,
                                     struct folio_arena *a, struct folio_mpi_pair *out,
                                     struct folio_err *err) FOLIO_MUST_USE;

/* A person's decision on an open or deferred pair.
 *   VERDICT_MERGE:  surviving_id must be patient_a or patient_b (0 -> the older chart, the lower id);
 *           calls folio_mpi_merge_ex (source "worklist"); the pair becomes merged.
 *   VERDICT_NOT_DUPLICATE: remembered forever.
 *   VERDICT_DEFER:  defer_until required (a date, not before today).
 * note optional (<= 500 chars). ESTATE when the pair is already merged or not_duplicate;
 * ECONFLICT when expected_status is given and differs (someone decided meanwhile). Audits
 * mpi.decide (or patient.merge through the merge). *merge_id (may be NULL) gets the merge. */
enum folio_mpi_verdict {
    FOLIO_MPI_VERDICT_MERGE = 1,
    FOLIO_MPI_VERDICT_NOT_DUPLICATE = 2,
    FOLIO_MPI_VERDICT_DEFER = 3,
};
struct folio_mpi_decide {
    enum folio_mpi_verdict verdict;
    int64_t surviving_id;
    const char *defer_until;
    const char *note;
    const char *expected_status; /* NULL = no check */
    const char *roles;           /* for the audit entries; may be NULL */
    const char *client;
};
enum folio_rc folio_mpi_worklist_decide(const struct folio_chart *c, int64_t pair_id,
                                        const struct folio_mpi_decide *d, int64_t *merge_id,
                                        struct folio_err *err) FOLIO_MUST_USE;

/* Side by side for the reviewer: the pair, both charts' headers (folio_patient_get: names,
 * identifiers with SSN masked, addresses, phones) and the matcher's explanation recomputed now
 * (current_score, current_reasons_json; both equal to the stored ones when the matcher is
 * unavailable). */
struct folio_mpi_side_by_side {
    struct folio_mpi_pair pair;
    struct folio_patient a;
    struct folio_patient b;
    double current_score;
    const char *current_band;
    const char *current_reasons_json;
};
enum folio_rc folio_mpi_worklist_compare(const struct folio_chart *c, int64_t pair_id,
                                         struct folio_arena *a, struct folio_mpi_side_by_side *out,
                                         struct folio_err *err) FOLIO_MUST_USE;

/* ======================================================================================
 * Overlays: one chart whose sources disagree on who the patient is
 * ====================================================================================== */

/* Evidence the chart keeps of the demographics each source gave: the birth date and sex in the PID
 * segment of every HL7 message logged for the patient (hl7_messages.raw, applied or held), and the
 * chart's own current values. Two values disagree "beyond error" when
 *   birth_date: both at day precision, and neither equal, nor one digit off, nor two adjacent
 *               digits transposed, nor day/month swapped;
 *   sex:        one says M and the other F (U, O, A, N and missing never count).
 * One row per disagreeing pair of values (the first evidence of each value). */
struct folio_mpi_overlay {
    int64_t patient_id;
    const char *field;      /* "birth_date" or "sex" */
    const char *value_a;    /* the earlier evidence's value */
    const char *source_a;   /* "hl7_messages:41" or "patient" (the chart's current value) */
    const char *at_a;       /* when that evidence arrived (canonical UTC); NULL for "patient" */
    const char *value_b;
    const char *source_b;
    const char *at_b;
    const char *why;        /* e.g. "birth dates differ in 3 digits", "sex M vs F" */
};
struct folio_mpi_overlay_query {
    int64_t patient_id; /* 0 = every active patient */
    int64_t limit;      /* clamped to 1..1000 (0 -> 50) */
    int64_t offset;
};
struct folio_mpi_overlay_page {
    struct folio_mpi_overlay *items;
    size_t n;
    int64_t total;
};
enum folio_rc folio_mpi_overlays(const struct folio_chart *c,
                                 const struct folio_mpi_overlay_query *q, struct folio_arena *a,
                                 struct folio_mpi_overlay_page *out,
                                 struct folio_err *err) FOLIO_MUST_USE;

/* The "beyond error" rule on two birth dates (any text; non-day precision never differs beyond
 * error) and two sex codes, exposed for tests and the matcher. why (may be NULL, cap >= 64) gets
 * a short reason when true. */
bool folio_mpi_birth_dates_conflict(const char *a, const char *b, char *why, size_t why_cap);
bool folio_mpi_sexes_conflict(const char *a, const char *b);

#endif
