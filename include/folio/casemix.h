/* The stays a case-mix report is made of (docs/drg.md "In the product"): the final-coded
 * inpatient abstracts of encounters discharged in a period, with what the MS-DRG grouper needs
 * (codes, sex, discharge status) and what the report groups by (discharge month, hospital
 * service, attending physician). The caller groups them (folio/drg.h) and weighs them
 * (folio/drg_payment.h): this module only reads.
 *
 * Runs inside the caller's transaction if one is open. Returned structs live in the caller's
 * arena. Library code: never prints. */
#ifndef FOLIO_CASEMIX_H
#define FOLIO_CASEMIX_H

#include "folio/base.h"
#include "folio/abstract.h"
#include "folio/store.h"

#define FOLIO_CASEMIX_MAX_CASES 500000 /* stays in one report */

struct folio_casemix_case {
    int64_t encounter_id;
    int64_t patient_id;
    char discharge_date[11]; /* YYYY-MM-DD: the date part of the stored (UTC) discharge time */
    char admit_date[11];     /* "" when not known */
    char *service;           /* hospital service as stored ("MED"), NULL when none */
    int64_t attending_id;    /* provider.id of the attending at discharge (the latest attending
                                assigned to the stay), 0 when none */
    char *attending;         /* "Family, Given" of that provider, NULL when none */
    char sex;                /* the patient's: 'M', 'F', else 'U' */
    char disposition[4];     /* UB-04 patient discharge status as stored ("01"), "" unknown */
    struct folio_abstract_code *codes; /* the current (final) codes, in the order of struct
                                          folio_abstract: role, then sequence; no titles */
    size_t n_codes;
};

/* Final abstracts (status "final"; a stay reopened for rebilling counts again once it is
 * final) of inpatient encounters, not cancelled, whose discharge date is in [from, to] (dates
 * YYYY-MM-DD, both inclusive, UTC days), ordered by discharge time then encounter id.
 * EINVAL naming "from" / "to" for a malformed date or to before from; ETOOBIG "to" beyond
 * FOLIO_CASEMIX_MAX_CASES stays (the message says to shorten the period). Two queries whatever
 * the number of stays. */
enum folio_rc folio_casemix_cases(struct folio_store *s, const char *from, const char *to,
                                  struct folio_arena *a, struct folio_casemix_case **out, size_t *n,
                                  struct folio_err *err) FOLIO_MUST_USE;

#endif
