/* Code sets over HTTP: encoder search, code details, the ICD-10-PCS builder (placeholder table,
 * filled by the encoder API work). */
#include "folio/base.h"

#include "server/server.h"

const struct folio_route folio_api_codes_routes[] = {
    {NULL, NULL, FOLIO_PERM_NONE, NULL, NULL},
};
