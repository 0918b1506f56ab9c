/* Reading FHIR R4 JSON resources (jansson): pure, no database, no business rules.
 *
 * Fields are named by a path of member names separated by '.', each optionally followed by an
 * array index: "period.start", "valueQuantity.value", "code.coding[0].code", "name[1].given[0]".
 * Every json_t and string returned is borrowed from the resource.
 *
 * Errors name where the value came from and the field, e.g.
 *   Bundle entry[12] Observation/1f3c...: field valueQuantity.value: expected a number
 * where `where` is a caller-built prefix (see folio_fhir_where). err->field is the path. */
#ifndef FOLIO_FHIR_H
#define FOLIO_FHIR_H

#include "folio/base.h"
#include <jansson.h>

/* The value at path, or NULL when any step is absent (or of the wrong kind to descend). */
const json_t *folio_fhir_at(const json_t *res, const char *path);

/* String at path. Absent (or JSON null) -> *out NULL, or EINVAL "missing" when required.
 * Present but not a string -> EINVAL. */
enum folio_rc folio_fhir_str(const json_t *res, const char *path, bool required, const char **out,
                             const char *where, struct folio_err *err) FOLIO_MUST_USE;
/* Number at path, written as shortest round-trip decimal text into text (cap >= 32) and as a
 * double. Absent -> text "" (or EINVAL when required). */
enum folio_rc folio_fhir_number(const json_t *res, const char *path, bool required, char *text,
                                size_t cap, double *num, const char *where,
                                struct folio_err *err) FOLIO_MUST_USE;

/* First coding of the CodeableConcept at path. display falls back to the concept's text.
 * Absent -> all NULL (or EINVAL when required); a coding without code is EINVAL. */
struct folio_fhir_coding {
    const char *system;
    const char *code;
    const char *display;
};
enum folio_rc folio_fhir_coding(const json_t *res, const char *path, bool required,
                                struct folio_fhir_coding *out, const char *where,
                                struct folio_err *err) FOLIO_MUST_USE;

/* Reference.reference at path ("urn:uuid:..." or "Patient/123"); path names the Reference. */
enum folio_rc folio_fhir_ref(const json_t *res, const char *path, bool required, const char **out,
                             const char *where, struct folio_err *err) FOLIO_MUST_USE;

/* Value of the first identifier whose type has a v2-0203 coding with type_code (when type_code
 * is not NULL) or whose system equals system (when system is not NULL). NULL when none.
 * *system_out (may be NULL) gets that identifier's system. */
const char *folio_fhir_identifier(const json_t *res, const char *type_code, const char *system,
                                  const char **system_out);

/* valueString of the extension with this url (or of its sub-extension sub_url when not NULL). */
const char *folio_fhir_extension_str(const json_t *res, const char *url, const char *sub_url);

/* Bundle access. check: resourceType "Bundle" with an "entry" array (EPARSE otherwise). */
enum folio_rc folio_fhir_bundle_check(const json_t *bundle, const char *where,
                                      struct folio_err *err) FOLIO_MUST_USE;
size_t folio_fhir_bundle_count(const json_t *bundle);
/* Resource of entry i (NULL when absent or not an object); *full_url (may be NULL) gets the
 * entry's fullUrl or NULL. */
const json_t *folio_fhir_bundle_resource(const json_t *bundle, size_t i, const char **full_url);
/* resourceType, or "" when absent. */
const char *folio_fhir_type(const json_t *res);
/* "Bundle entry[i] Type/id" into out. */
void folio_fhir_where(char *out, size_t cap, size_t i, const json_t *res);

#endif
