/* Coding abstracts, checks and the worklist over HTTP (placeholder table, filled by the
 * abstract API work). */
#include "folio/base.h"

#include "server/server.h"

const struct folio_route folio_api_coding_routes[] = {
    {NULL, NULL, FOLIO_PERM_NONE, NULL, NULL},
};
