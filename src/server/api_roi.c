/* API routes of roi (issue 9): filled in by its own change. */
#include "folio/base.h"

#include "server/server.h"

const struct folio_route folio_api_roi_routes[] = {
    {0},
};
