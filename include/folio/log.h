/* Operational log for operators: never PHI.
 *
 * The log takes an event name and numeric or code-like fields only. There is deliberately no way
 * to log a free-form string: a string field must be a compile-time literal (FOLIO_LOG_LIT checks
 * this by string-literal concatenation) or an error code name. PHI goes only to the audit trail.
 * Lines go to stderr (or a file set with folio_log_set_file) as
 *   2026-11-21T22:22:05Z level=info event=import.done patients=111 encounters=7584
 */
#ifndef FOLIO_LOG_H
#define FOLIO_LOG_H

#include "folio/base.h"

enum folio_log_level { FOLIO_LOG_DEBUG, FOLIO_LOG_INFO, FOLIO_LOG_WARN, FOLIO_LOG_ERROR };

enum folio_log_kind { FOLIO_LOGF_END = 0, FOLIO_LOGF_INT, FOLIO_LOGF_LIT, FOLIO_LOGF_RC };
struct folio_log_field {
    enum folio_log_kind kind;
    const char *key; /* literal */
    int64_t i;
    const char *lit; /* literal */
};
#define FOLIO_LOG_INT(k, v) ((struct folio_log_field){FOLIO_LOGF_INT, "" k "", (int64_t)(v), NULL})
#define FOLIO_LOG_LIT(k, v) ((struct folio_log_field){FOLIO_LOGF_LIT, "" k "", 0, "" v ""})
#define FOLIO_LOG_RC(k, v)  ((struct folio_log_field){FOLIO_LOGF_RC, "" k "", (int64_t)(v), NULL})
#define FOLIO_LOG_END       ((struct folio_log_field){FOLIO_LOGF_END, NULL, 0, NULL})

/* Lines below min are dropped; the default is FOLIO_LOG_INFO. Thread-safe; timestamps UTC.
 * A literal value holding a space, '"' or '=' is written in double quotes. Lines longer than
 * 2 KiB are cut. */
void folio_log_set_level(enum folio_log_level min);
void folio_log_set_file(FILE *f); /* borrows f; NULL = stderr */
/* folio_log(level, "event.name", fields..., FOLIO_LOG_END) */
void folio_log_(enum folio_log_level level, const char *event, ...);
#define folio_log(level, event, ...) folio_log_((level), "" event "", __VA_ARGS__)

#endif
