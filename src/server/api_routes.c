/* Every API route, in match order, for the core's router and the OpenAPI test. */
#include "folio/base.h"

#include "server/server.h"

static const struct folio_route *const tables[] = {
    folio_api_meta_routes,        folio_api_session_routes, folio_api_patient_routes,
    folio_api_encounter_routes,   folio_api_document_routes, folio_api_observation_routes,
    folio_api_audit_routes,       folio_api_user_routes,
    folio_api_hl7_routes,         folio_api_mpi_routes,     folio_api_codes_routes,
    folio_api_coding_routes,      folio_api_drg_routes,     folio_api_completeness_routes,
    folio_api_query_routes,       folio_api_roi_routes,     folio_api_privacy_routes,
    folio_api_deid_routes,
};

size_t folio_api_route_count(void)
{
    size_t n = 0, t, i;

    for (t = 0; t < FOLIO_ARRAY_LEN(tables); t++)
        for (i = 0; tables[t][i].method; i++)
            n++;
    return n;
}

const struct folio_route *folio_api_route(size_t idx)
{
    size_t t, i;

    for (t = 0; t < FOLIO_ARRAY_LEN(tables); t++) {
        for (i = 0; tables[t][i].method; i++) {
            if (idx == 0)
                return &tables[t][i];
            idx--;
        }
    }
    return NULL;
}
