/* Private to src/hl7log. */
#ifndef FOLIO_HL7LOG_INT_H
#define FOLIO_HL7LOG_INT_H

#include "folio/base.h"
#include "folio/hl7log.h"

/* Now as canonical UTC with milliseconds and as HL7 DTM. */
void hl7log_now(char iso[32], char dtm[32]);
/* receive.c: one message of kind "received" or "replay" (replay_of = the row it re-applies;
 * replays skip the duplicate check and never answer repeats). */
enum folio_rc hl7log_process(const struct folio_chart *c, const struct folio_hl7_inbound *in,
                             const char *kind, int64_t replay_of, struct folio_arena *a,
                             struct folio_hl7_receipt *out, struct folio_err *err) FOLIO_MUST_USE;

#endif
