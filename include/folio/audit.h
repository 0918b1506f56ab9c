/* The audit trail: every access to patient information, every sign-in, sign-out and failure,
 * every refusal. Append-only and hash-chained:
 *   hash(n) = SHA-256( canonical(entry n) || hash(n-1) ),  hash(0) = 64 '0's
 * where canonical() is a fixed, documented serialisation of every stored field (docs/audit.md).
 * Any changed, deleted, inserted or reordered row breaks the chain from that row on; deleting the
 * newest rows is caught by comparing with a checkpoint kept elsewhere (folio_audit_checkpoint).
 *
 * An entry is appended in the same transaction as the action it records: call
 * folio_audit_append inside the caller's transaction (it opens its own savepoint). Appends are
 * serialised by a one-row head table (SQLite: the write lock; PostgreSQL: the head row lock,
 * held until the caller's transaction ends, so append as late in a transaction as possible).
 * The audit trail is the one place PHI may be written (detail); it is never logged.
 * Every function here may be called with or without an open transaction. */
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
 *   record.export (bulk/CLI exports), import.run
 *   interface.receive (an inbound HL7 message applied), interface.list, interface.view (one
 *   logged message, with its patient), interface.replay, interface.resolve, interface.prune
 *   patient.merge patient.unmerge mpi.scan mpi.decide mpi.worklist mpi.merges mpi.overlays */
struct folio_audit_event {
    const char *action;      /* required, from the vocabulary above ("<a-z_>.<a-z_>", <= 64) */
    const char *outcome;     /* "success" (default when NULL), "failure", "denied", "error" */
    const char *username;    /* NULL when unauthenticated */
    const char *roles;       /* the session's roles, "coder,clinician"; may be NULL */
    int64_t patient_id;      /* 0 when none */
    const char *entity_type; /* "patient", "encounter", "document", ...; may be NULL */
    int64_t entity_id;       /* 0 when none */
    const char *detail;      /* short free text (may hold PHI: search terms); may be NULL */
    const char *client;      /* network address or "cli"; may be NULL */
};

#define FOLIO_AUDIT_TEXT_MAX 2000 /* longer text fields are cut (at a UTF-8 boundary) */

/* Appends one entry (at = now, UTC, milliseconds: "2026-11-21T22:22:05.123Z") and returns its
 * sequence number (seq_out may be NULL). EINVAL for a malformed action or an unknown outcome;
 * bytes that are not UTF-8 are replaced by '?'. Called with no transaction open it runs in its
 * own and retries a few times when the database stays busy (EBUSY after that); inside a caller's
 * transaction an EBUSY is the caller's to handle (roll back). */
enum folio_rc folio_audit_append(struct folio_store *s, const struct folio_audit_event *ev,
                                 int64_t *seq_out, struct folio_err *err) FOLIO_MUST_USE;

/* Verification result: rc is FOLIO_OK whenever the walk could run; ok says whether the chain is
 * intact. first_bad_seq names the first bad entry: for a missing entry (gap, deleted tail,
 * truncation caught by the checkpoint) the first missing sequence number. */
struct folio_audit_verify_result {
    bool ok;
    int64_t checked;        /* entries checked */
    int64_t first_bad_seq;  /* 0 when ok */
    char reason[256];       /* what is wrong with the first bad entry, e.g. "hash mismatch:
                               entry changed", "sequence gap: entries 41-42 missing",
                               "out of order", "head does not match the last entry" */
    int64_t head_seq;       /* the head the walk compared with (audit_head at its start) */
    char head_hash[65];
};
/* Walks the whole chain in sequence order (streaming: constant memory), in one read snapshot that
 * does not block appenders. When checkpoint_seq > 0, also checks that entry checkpoint_seq still
 * has hash checkpoint_hash (catches truncation); EINVAL (field "checkpoint") when the hash is not
 * 64 hex digits. */
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
    const char *from, *to;  /* time bounds (inclusive), any ISO 8601 form folio_time_normalize
                               takes; at their precision ("to 2024-03-05" includes that whole
                               day); NULL or "" = open. EINVAL (field "from"/"to") if malformed */
    int64_t limit, offset;  /* limit clamped to 1..1000 (0 -> 100); newest first */
};
struct folio_audit_page {
    struct folio_audit_entry *items; /* strings live in the arena */
    size_t n;
    int64_t total;                   /* entries matching, ignoring limit/offset */
};
enum folio_rc folio_audit_search(struct folio_store *s, const struct folio_audit_query *q,
                                 struct folio_arena *a, struct folio_audit_page *out,
                                 struct folio_err *err) FOLIO_MUST_USE;

/* Exports of the entries a query selects (limit and offset ignored: all of them, oldest first),
 * streamed into out in constant memory: FHIR R4 AuditEvent resources in a Bundle (type
 * "collection"), or RFC 5424 syslog lines carrying IHE ATNA (DICOM PS3.15 A.5) audit messages,
 * one per line (hostname NULL or "" -> "-"). Mappings: docs/audit.md. EIO when writing fails. */
enum folio_rc folio_audit_export_fhir(struct folio_store *s, const struct folio_audit_query *q,
                                      FILE *out, struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc folio_audit_export_syslog(struct folio_store *s, const struct folio_audit_query *q,
                                        const char *hostname, FILE *out,
                                        struct folio_err *err) FOLIO_MUST_USE;

/* "Who accessed my record": per user, the actions, count and first/last time, for a patient.
 * Sorted by last access, newest first; roles are those of the user's last access. Entries without
 * a username (unauthenticated) form one row with username NULL. Strings live in the arena. */
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
