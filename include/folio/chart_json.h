/* JSON objects of the chart (patients, encounters, documents, observations): the one rendering
 * both faces use, so the CLI's --json output (docs/cli.md) and the API (docs/api.md) carry the
 * same field names and values.
 *
 * Minimum necessary (45 CFR 164.502(b), 164.514(d)): the renderers that take `identifiers` leave
 * out, when it is false, names, identifiers, MRN, addresses, phones, email and account numbers,
 * cut dates of birth and death to the year and mark the object "redacted": true
 * (docs/permissions.md). The CLI passes true.
 *
 * Every function borrows its argument and returns a new reference, or NULL when out of memory or
 * when a string is not UTF-8. Members are set in a stable order (the CLI prints them in it).
 */
#ifndef FOLIO_CHART_JSON_H
#define FOLIO_CHART_JSON_H

#include "folio/base.h"
#include "folio/records.h"

#include <jansson.h>

json_t *folio_chart_json_patient(const struct folio_patient *p, bool identifiers);
json_t *folio_chart_json_patient_summary(const struct folio_patient_summary *s, bool identifiers);
/* identifiers false leaves out the account number (an identifier, 164.514(b)(2)(i)(J)).
 * "locations" and "providers" are present only when e carries them. */
json_t *folio_chart_json_encounter(const struct folio_encounter *e, bool identifiers);
json_t *folio_chart_json_doc_version(const struct folio_document_version *v);
/* The document with its current version under "current". */
json_t *folio_chart_json_document(const struct folio_document *d);
json_t *folio_chart_json_observation(const struct folio_observation *ob);

#endif
