/* The HL7 v2 message log: every inbound message kept with the acknowledgement Folio sent and its
 * errors; duplicate detection; the held queue (messages waiting for their visit); replay;
 * retention. docs/mllp.md describes the behaviour; this header is the contract for the MLLP
 * listener (src/server/mllp.c), the `folio hl7` command and the interface analyst's API/UI.
 *
 * General contract:
 * - Every function takes the store (or a struct folio_chart for those that change the chart);
 *   strings in outputs are allocated from the caller's arena and live until it is released.
 * - Functions that only read may be called with or without a transaction open. Functions that
 *   write (receive, replay, resolve, prune) run inside the caller's transaction when one is open
 *   (they use a savepoint) and in their own otherwise.
 * - The raw message and the ACK are bytes (HL7 v2 allows non-UTF-8 character sets): they are
 *   returned with their lengths and a NUL after them. Segments are separated by CR (0x0D).
 * - The stored errors may quote input values (PHI): show them to an authorised user, never log
 *   them. The operational log gets event names, counts and codes only.
 *
 * Status of a logged message (text, stable):
 *   "applied"    the message did what it says to the chart (ACK AA / CA+AA);
 *   "held"       reserved: accepted and waiting for the visit it refers to. The feed
 *                (folio/feed.h) never holds: an ADT message carries the whole visit snapshot, so
 *                an unknown visit is created from it (docs/hl7-mapping.md "Order and unknown
 *                visits"); the status, the filter and `folio hl7 held` stay for feeds that do;
 *   "error"      content error: nothing applied (ACK AE with ERR segments);
 *   "rejected"   unsupported type/version, unparseable message, broken frame or an internal
 *                failure: nothing applied (ACK AR);
 *   "duplicate"  same MSH-10 from the same sender (MSH-3 + MSH-4) as an earlier logged message:
 *                answered with that message's stored ACK, nothing applied.
 * Kind: "received" (came in over MLLP or `folio hl7 send`), "replay" (made by folio_hl7log_replay
 * from an earlier row, linked by replay_of).
 * The errors queue: received rows with status "error" or "rejected" whose resolved_at is NULL
 * (a replay that fails again is logged, linked to its original, which stays in the queue). A row is
 * resolved by a replay answered AA, or by folio_hl7log_resolve (an analyst decides nothing is to be
 * done, with a reason). */
#ifndef FOLIO_HL7LOG_H
#define FOLIO_HL7LOG_H

#include "folio/base.h"
#include "folio/records.h"
#include "folio/store.h"

/* One ERR segment's content, as stored. */
struct folio_hl7log_error {
    const char *code;     /* HL7 table 0357: "100".."207" (ERR-3.1) */
    const char *severity; /* HL7 table 0516: "E" error, "W" warning, "I" information */
    const char *location; /* "PID-7", "PV1-3.1", "MSH-9" ... or "" when not tied to a field */
    const char *text;     /* human-readable reason (ERR-8) */
};

struct folio_hl7log_msg {
    int64_t id;
    const char *kind;        /* "received" | "replay" */
    const char *received_at; /* canonical UTC, millisecond precision */
    int64_t connection_id;   /* listener connection serial since the server started; 0 = none */
    const char *peer;        /* client address ("127.0.0.1:40312", "cli"); may be NULL */
    const char *sender_app;  /* MSH-3 as received ("" when absent or unparseable) */
    const char *sender_fac;  /* MSH-4 */
    const char *receiver_app, *receiver_fac; /* MSH-5, MSH-6 */
    const char *control_id;                  /* MSH-10 */
    const char *msg_type;                    /* "ADT^A01" (MSH-9.1^MSH-9.2), "" when unknown */
    const char *version;                     /* MSH-12 */
    const char *status;                      /* see the top of the file */
    const char *ack_code; /* the outcome AA AE AR (the ACK sent may be an enhanced-mode
                             accept ACK, CA/CR: see ack) */
    int64_t patient_id;   /* chart ids the message touched (0 = none) */
    int64_t encounter_id;
    int64_t replay_of;       /* for a replay: the row it re-applied; else 0 */
    int64_t duplicate_of;    /* for a duplicate: the row whose ACK was sent again; else 0 */
    int64_t resolved_by;     /* the replay row that resolved this error, 0 when none */
    const char *resolved_at; /* NULL while unresolved */
    const char *resolution;  /* free text of folio_hl7log_resolve, or "replayed" */
    const char *applied_at;  /* when it reached the chart (held messages: when released) */
    int64_t n_errors;
    int64_t raw_len;
    /* Filled by folio_hl7log_get only (NULL/0 in list pages): */
    const char *raw; /* the message bytes, NUL after them */
    const char *ack; /* the ACK sent (without MLLP framing), NUL after it */
    int64_t ack_len;
    struct folio_hl7log_error *errors;
    size_t n_errors_detail;
};

/* Filters combine with AND; NULL/0 = any. Newest first (id descending). */
struct folio_hl7log_query {
    const char *since, *until; /* received_at bounds, inclusive, any form folio_time_normalize
                                  takes, at their precision; EINVAL (field since/until) if bad */
    const char *type;          /* "ADT^A01" exact, or "ADT" = every ADT event */
    const char *status;        /* one status from the top of the file */
    const char *sender;        /* MSH-3 exact */
    const char *control_id;    /* MSH-10 exact */
    int64_t patient_id;
    bool errors_only;      /* the errors queue: error/rejected and not resolved */
    bool held_only;        /* same as status "held" */
    int64_t limit, offset; /* limit clamped to 1..1000 (0 -> 50) */
};
struct folio_hl7log_page {
    struct folio_hl7log_msg *items;
    size_t n;
    int64_t total; /* rows matching, ignoring limit/offset */
};
enum folio_rc folio_hl7log_list(struct folio_store *s, const struct folio_hl7log_query *q,
                                struct folio_arena *a, struct folio_hl7log_page *out,
                                struct folio_err *err) FOLIO_MUST_USE;
/* One row with its raw message, ACK and errors. ENOTFOUND for an unknown id. */
enum folio_rc folio_hl7log_get(struct folio_store *s, int64_t id, struct folio_arena *a,
                               struct folio_hl7log_msg *out, struct folio_err *err) FOLIO_MUST_USE;

/* Counts per status (for a dashboard): n_open_errors is the errors queue's length. */
struct folio_hl7log_counts {
    int64_t total, applied, held, error, rejected, duplicate, open_errors;
};
enum folio_rc folio_hl7log_count(struct folio_store *s, struct folio_hl7log_counts *out,
                                 struct folio_err *err) FOLIO_MUST_USE;

/* ---- receiving (the MLLP listener and `folio hl7 send` go through the listener) ---- */

struct folio_hl7_inbound {
    const char *raw; /* the message bytes (without MLLP framing); borrowed */
    size_t len;
    int64_t connection_id;   /* 0 = none */
    const char *peer;        /* client address, may be NULL */
    const char *frame_error; /* non-NULL: the transport saw a broken frame (oversize, cut by a
                                new start block...): the message is rejected (AR) with this
                                reason, and raw holds what was kept of it */
};
struct folio_hl7_receipt {
    int64_t log_id;     /* the row written for this message */
    char ack_code[3];   /* the outcome: "AA", "AE", "AR" */
    const char *status; /* the row's status */
    /* The one ACK to send (without MLLP framing; arena, NUL after the bytes). Folio answers
     * every message with exactly one ACK (docs/mllp.md "Acknowledgement modes"): original mode
     * (MSH-15 and MSH-16 empty): the application ACK (AA/AE/AR); enhanced mode: the application
     * ACK when MSH-16 asks for one for this outcome (AL; ER on AE/AR; SU on AA), else the
     * accept ACK (CA, or CR for a message refused as unreadable or unsupported). */
    const char *ack;
    size_t ack_len;
    char sent_code[3]; /* MSA-1 of ack: AA AE AR CA CR */
    bool duplicate;    /* answered from the log: nothing applied */
};
/* Does everything one inbound message does, inside the caller's transaction (a savepoint):
 * parse; duplicate check (answers the original ACK, applies nothing); log row; chart change
 * through the HL7 feed; held-queue release; audit entry ("interface.receive"); and builds the
 * ACK. Content problems are not errors here: they become an AE/AR receipt and a logged row.
 * A non-OK return means the store failed (ESTORE, EBUSY, ENOMEM): roll back, and do not ACK;
 * folio_hl7log_nak gives the AR to send instead (nothing was stored).
 * THE CALLER MUST COMMIT (durably) BEFORE SENDING out->ack. c->actor is recorded as the user
 * of the audit entries (the listener uses "hl7:<MSH-3>"); NULL -> "interface". */
enum folio_rc folio_hl7log_receive(const struct folio_chart *c, const struct folio_hl7_inbound *in,
                                   struct folio_arena *a, struct folio_hl7_receipt *out,
                                   struct folio_err *err) FOLIO_MUST_USE;
/* An AR with ERR 207 "application internal error" for a message that could not be stored
 * (built from whatever of its MSH parses; a minimal MSH otherwise). Never fails except ENOMEM. */
enum folio_rc folio_hl7log_nak(const char *raw, size_t len, const char *reason,
                               struct folio_arena *a, const char **ack, size_t *ack_len,
                               struct folio_err *err) FOLIO_MUST_USE;

/* ---- working the queues ---- */

/* Re-applies a logged message (after reference data was fixed): a new row of kind "replay"
 * linked by replay_of, with its own ACK, errors and audit entry. When it is answered AA the
 * original row is resolved (resolved_by = the new row). Allowed for status error, rejected and
 * held; ESTATE for applied and duplicate rows (they would apply twice); ENOTFOUND for an unknown
 * id. *out describes the new row (its ack is not sent anywhere). */
enum folio_rc folio_hl7log_replay(const struct folio_chart *c, int64_t id, struct folio_arena *a,
                                  struct folio_hl7_receipt *out,
                                  struct folio_err *err) FOLIO_MUST_USE;
/* Marks an error/rejected row resolved without replaying it; reason required (EINVAL). ESTATE
 * when the row is not in the errors queue. Audited ("interface.resolve"). */
enum folio_rc folio_hl7log_resolve(const struct folio_chart *c, int64_t id, const char *reason,
                                   struct folio_err *err) FOLIO_MUST_USE;

/* Retention: deletes rows received before `before` (any form folio_time_normalize takes) that
 * are done with: applied, duplicate, and resolved error/rejected rows. Unresolved errors, held
 * messages and anything newer are kept, whatever their age. Duplicate detection only reaches
 * back as far as the log does. *deleted (may be NULL) gets the count. */
enum folio_rc folio_hl7log_prune(struct folio_store *s, const char *before, int64_t *deleted,
                                 struct folio_err *err) FOLIO_MUST_USE;

#endif
