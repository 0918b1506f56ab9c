/* The HL7 v2 feed: what an inbound ADT, ORU or MDM message does to the chart.
 *
 * The MLLP listener (and `folio hl7 replay`) parse a message with folio/hl7v2.h and hand it here.
 * The feed maps it onto records calls (folio/records.h) and decides the acknowledgement code;
 * it never builds the ACK itself, never writes the message log and never prints.
 * Field-by-field mapping, per-trigger behaviour and every AE/AR reason: docs/hl7-mapping.md.
 *
 * Transactions. folio_feed_apply runs inside a nested level (a SAVEPOINT) of the caller's open
 * transaction (or its own transaction when none is open). When the answer is AA, the chart
 * changes stay in the caller's transaction: the caller writes the message log row, COMMITs, and
 * only then sends the AA. When the answer is AE or AR, the feed has already rolled back its own
 * level: the chart is exactly as before the call, and the caller may still commit its message
 * log row. When folio_feed_apply returns an error code (not FOLIO_OK) the feed has rolled back
 * its level too; the cause is a system failure (database, memory), not the message: the caller
 * rolls back, logs, and answers AE with code 207 (or no ACK, so the sender retries).
 *
 * Unknown visits (issue 4, Deliver 6). A transfer, discharge, update or class change for a visit
 * (PV1-19 account number) the chart does not know yet is NOT held: an ADT message carries the
 * full visit snapshot in PV1/PV2 (class, location, admit time PV1-44), so the encounter is
 * created from it and then the event is applied, and the result says created_encounter. An admit
 * arriving later for the same account number updates that encounter (it never duplicates), so
 * the outcome does not depend on arrival order. The feed therefore never asks the caller to
 * queue anything. Cancel events (A11, A12, A13) for an unknown visit are AE 204: there is nothing
 * to cancel, and cancelling must not create. See docs/hl7-mapping.md "Order and unknown visits".
 *
 * Idempotence. Applying the same message content twice adds nothing the second time: patients
 * are found by identifier (PID-3 value + assigning authority + type), encounters by facility +
 * account number, results by (OBR filler order number, OBX-3, OBX-4), documents by TXA-12,
 * source diagnoses/procedures by their external id. res->unchanged says so. (The caller also
 * answers a repeated MSH-10 from its log without calling the feed.)
 *
 * Chart completeness (issue 8). After a message applied with AA that changed a discharged or
 * cancelled visit or one of its documents, the feed analyses that visit's deficiencies
 * (folio/completeness.h) in the same transaction, at the message's time (EVN-2, else MSH-7);
 * after A13 it withdraws them. No rule set loaded: nothing. An analysis problem that is not a
 * system failure is an ERR warning (code 207) with AA; see docs/hl7-mapping.md.
 *
 * Threading: one call at a time per chart/store handle (see folio/store.h).
 */
#ifndef FOLIO_FEED_H
#define FOLIO_FEED_H

#include "folio/base.h"
#include "folio/hl7v2.h"
#include "folio/records.h"

/* MSA-1 acknowledgement code (original mode). Enhanced mode maps AA->CA, AE->CE, AR->CR for the
 * accept ACK; the application ACK uses these. */
enum folio_feed_ack {
    FOLIO_FEED_AA = 0, /* applied (may carry warnings) */
    FOLIO_FEED_AE = 1, /* content error: nothing applied */
    FOLIO_FEED_AR = 2, /* rejected: unsupported message type, event or version; nothing applied */
};

/* HL7 table 0516 error severity. */
enum folio_feed_severity {
    FOLIO_FEED_SEV_ERROR = 'E',
    FOLIO_FEED_SEV_WARNING = 'W',
    FOLIO_FEED_SEV_INFO = 'I',
};

/* One ERR segment's worth (see struct folio_hl7_ack_error): ERR-2 location, ERR-3 code from
 * HL7 table 0357 (enum folio_hl7_error_code in folio/hl7v2.h), ERR-4 severity, ERR-8 text. */
struct folio_feed_error {
    struct folio_hl7_loc loc; /* loc.seg "" = about the message as a whole */
    int code;                 /* FOLIO_HL7_E_* */
    char severity;            /* enum folio_feed_severity */
    /* Names the field and, for bad input, the bad value. It may hold an input value (PHI): it
     * goes back to the sender and into the message log, never to the operational log. */
    char text[256];
};

#define FOLIO_FEED_MAX_ERRORS 16

struct folio_feed_result {
    enum folio_feed_ack ack;
    char msg_type[8];   /* MSH-9.1, e.g. "ADT" */
    char trigger[8];    /* MSH-9.2, e.g. "A01" */
    /* What was done, a static string for the message log: "admit", "transfer", "discharge",
     * "register", "pre-admit", "change-class", "update", "cancel-admit", "cancel-transfer",
     * "cancel-discharge", "person-update", "merge-request", "results", "document", ...;
     * "none" for AE/AR. */
    const char *action;
    int64_t patient_id;     /* the patient the message is about (0 when none was found/made) */
    int64_t encounter_id;   /* the visit, 0 when none */
    int64_t document_id;    /* MDM: the document */
    int64_t prior_patient_id; /* A40: the patient named by MRG (0 when unknown) */
    bool created_patient;
    bool created_encounter;
    bool unchanged;          /* AA and nothing new was written (same content applied before) */
    size_t n_observations;   /* rows written */
    size_t n_superseded;     /* corrected results that superseded earlier ones */
    size_t n_conditions;     /* DG1 */
    size_t n_procedures;     /* PR1 */
    size_t n_contacts;       /* NK1 */
    size_t n_coverages;      /* IN1 */
    size_t n_errors;         /* errors[] used; AE/AR have at least one of severity E */
    bool errors_truncated;   /* more than FOLIO_FEED_MAX_ERRORS were found */
    struct folio_feed_error errors[FOLIO_FEED_MAX_ERRORS];
};

struct folio_feed_opts {
    /* Facility code of encounters and MRNs when MSH-4 (sending facility) is empty; NULL -> "HL7". */
    const char *default_facility;
    /* UTC offset (minutes east) for HL7 times without one; 0 = UTC. */
    int default_offset_min;
};

/* Apply one parsed message to the chart (see the top of this file for transactions, unknown
 * visits and idempotence). msg is borrowed. opts may be NULL (defaults). chart->actor NULL ->
 * the actor recorded is "hl7:" + MSH-3 sending application. res is always filled (zeroed first).
 * Returns FOLIO_OK whenever res holds the decision (AA, AE or AR: content problems are not
 * error codes); an error code only for system failures (FOLIO_ESTORE, FOLIO_EBUSY, FOLIO_ENOMEM,
 * FOLIO_ECRYPTO when an SSN arrives and chart->key is NULL), with err filled. */
enum folio_rc folio_feed_apply(const struct folio_chart *chart, const struct folio_hl7_msg *msg,
                               const struct folio_feed_opts *opts, struct folio_feed_result *res,
                               struct folio_err *err) FOLIO_MUST_USE;

/* "AA", "AE", "AR". */
const char *folio_feed_ack_name(enum folio_feed_ack ack);

#endif
