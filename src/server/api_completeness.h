/* Shared by the chart-completeness and physician-query handlers (api_completeness.c,
 * api_queries.c): provider names and the deficiency JSON (docs/api.md "Chart completeness"). */
#ifndef FOLIO_SERVER_API_COMPLETENESS_H
#define FOLIO_SERVER_API_COMPLETENESS_H

#include "folio/base.h"

#include "folio/completeness.h"
#include "server/server.h"

/* Provider display names ("Family, Given") looked up once per request and id. */
struct folio_api_pnames {
    int64_t ids[64];
    const char *names[64];
    size_t n;
};
/* The provider's display name, NULL when id is 0 or no such provider. Strings in the arena. */
enum folio_rc folio_api_provider_name(struct folio_req *req, struct folio_api_pnames *cache,
                                      int64_t id, const char **out,
                                      struct folio_err *err) FOLIO_MUST_USE;
/* {"id","name"} of a provider, or null for 0 (a new reference; NULL out of memory). */
json_t *folio_api_provider_ref(int64_t id, const char *name);
/* The deficiency JSON (D); *out a new reference. */
enum folio_rc folio_api_deficiency_json(struct folio_req *req, struct folio_api_pnames *cache,
                                        const struct folio_deficiency *d, json_t **out,
                                        struct folio_err *err) FOLIO_MUST_USE;
/* The session user's provider id (users.provider_id), 0 when not linked. */
enum folio_rc folio_api_session_provider(struct folio_req *req, int64_t *provider_id,
                                         struct folio_err *err) FOLIO_MUST_USE;
/* Rejects a body other than none or {} (EINVAL naming the first member). */
enum folio_rc folio_api_empty_body(struct folio_req *req, struct folio_err *err) FOLIO_MUST_USE;

#endif
