/* The audit trail: every access to patient information, every sign-in, sign-out and failure,
 * every refusal. Append-only and hash-chained:
 *   hash(n) = SHA-256( canonical(entry n) || hash(n-1) ),  hash(0) = 64 '0's
 * where canonical() is a fixed, documented serialisation of every stored field (docs/audit.md).
 * Any changed, deleted, inserted or reordered row breaks the chain from that row on; deleting the
 * newest rows is caught by comparing with a checkpoint kept elsewhere (folio_audit_checkpoint).
 *
 * An entry is appended in the same transaction as the action it records: call
 * folio_audit_append inside the caller's transaction (it opens its own savepoint). Appends are
 * serialised by a one-row head table (SQLite: the write lock; PostgreSQL: the head row lock).
 * The audit trail is the one place PHI may be written (detail); it is never logged. */
#ifndef FOLIO_AUDIT_H
#define FOLIO_AUDIT_H

#include "folio/base.h"
#include "folio/store.h"

/* Actions: a small fixed vocabulary, "<object>.<verb>":
 *   auth.login auth.login_failed auth.logout auth.denied (no/expired session) access.denied (role)
 *   patient.search patient.view patient.create patient.update
 *   encounter.view encounter.create encounter.update
 *   document.list document.view document.create document.amend document.download document.print
 *   observation.view observation.create
 *   audit.search audit.verify audit.export audit.report user.admin
 *   record.export (bulk/CLI exports), import.run */
struct folio_audit_event {
    const char *action;      /* required, from the vocabulary above */
    const char *outcome;     /* "success" (default when NULL), "failure", "denied" */
    const char *username;    /* NULL when unauthenticated */
    const char *roles;       /* the session's roles, "coder,clinician"; may be NULL */
    int64_t patient_id;      /* 0 when none */
    const char *entity_type; /* "patient", "encounter", "document", ...; may be NULL */
    int64_t entity_id;       /* 0 when none */
    const char *detail;      /* short free text (may hold PHI: search terms); may be NULL */
    const char *client;      /* network address or "cli"; may be NULL */
};

/* Appends one entry (at = now, UTC) and returns its sequence number (may be NULL). */
enum folio_rc folio_audit_append(struct folio_store *s, const struct folio_audit_event *ev,
                                 int64_t *seq_out, struct folio_err *err) FOLIO_MUST_USE;

struct folio_audit_verify_result {
    bool ok;
    int64_t checked;        /* entries checked */
    int64_t first_bad_seq;  /* 0 when ok */
    char reason[256];       /* what is wrong with the first bad entry, e.g. "hash mismatch:
                               entry changed", "sequence gap: entries 41-42 missing",
                               "out of order", "head does not match the last entry" */
};
/* Walks the whole chain in sequence order (streaming: constant memory). When checkpoint_seq > 0,
 * also checks that entry checkpoint_seq still has hash checkpoint_hash (catches truncation). */
enum folio_rc folio_audit_verify(struct folio_store *s, int64_t checkpoint_seq,
                                 const char *checkpoint_hash, struct folio_audit_verify_result *res,
                                 struct folio_err *err) FOLIO_MUST_USE;
/* The current head: last sequence number and its hash (64 hex + NUL). */
enum folio_rc folio_audit_checkpoint(struct folio_store *s, int64_t *seq, char hash[65],
                                     struct folio_err *err) FOLIO_MUST_USE;

struct folio_audit_entry {
    int64_t seq;
    const char *at;
    const char *action;
    const char *outcome;
    const char *username;
    const char *roles;
    int64_t patient_id;
    const char *entity_type;
    int64_t entity_id;
    const char *detail;
    const char *client;
    const char *hash;
};
struct folio_audit_query {
    int64_t patient_id;     /* 0 = any */
    const char *username;   /* NULL = any */
    const char *action;     /* exact, or a prefix ending in '.' ("document."); NULL = any */
    const char *from, *to;  /* canonical UTC text bounds (inclusive); NULL = open */
    int64_t limit, offset;  /* limit clamped to 1..1000 (0 -> 100); newest first */
};
struct folio_audit_page {
    struct folio_audit_entry *items;
    size_t n;
    int64_t total;
};
enum folio_rc folio_audit_search(struct folio_store *s, const struct folio_audit_query *q,
                                 struct folio_arena *a, struct folio_audit_page *out,
                                 struct folio_err *err) FOLIO_MUST_USE;

/* Exports of the entries a query selects (limit ignored: all of them, oldest first), streamed
 * into out: FHIR R4 AuditEvent resources in a Bundle (type "collection"), or RFC 5424 syslog
 * lines carrying IHE ATNA (DICOM PS3.15 A.5) audit messages, one per line. */
enum folio_rc folio_audit_export_fhir(struct folio_store *s, const struct folio_audit_query *q,
                                      FILE *out, struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc folio_audit_export_syslog(struct folio_store *s, const struct folio_audit_query *q,
                                        const char *hostname, FILE *out,
                                        struct folio_err *err) FOLIO_MUST_USE;

/* "Who accessed my record": per user, the actions, count and first/last time, for a patient. */
struct folio_audit_access {
    const char *username;
    const char *roles;
    const char *actions;    /* distinct actions, comma-separated */
    int64_t count;
    const char *first_at, *last_at;
};
enum folio_rc folio_audit_who_accessed(struct folio_store *s, int64_t patient_id, const char *from,
                                       const char *to, struct folio_arena *a,
                                       struct folio_audit_access **out, size_t *n,
                                       struct folio_err *err) FOLIO_MUST_USE;

#endif
