/* API routes of privacy (issue 9): filled in by its own change. */
#include "folio/base.h"

#include "server/server.h"

const struct folio_route folio_api_privacy_routes[] = {
    {0},
};
