/* What the coding routes (api_coding.c) share with the DRG routes (api_drg.c). */
#ifndef FOLIO_SERVER_API_CODING_H
#define FOLIO_SERVER_API_CODING_H

#include "folio/base.h"
#include "folio/abstract.h"
#include "folio/json.h"
#include "server/server.h"

/* The "codes" member of a draft body ({codes:[{role, system, code, poa, date, operator,
 * modifiers}]}) parsed as the save and check routes parse it: an array in the request's arena,
 * in the order given; EINVAL naming "codes" or "codes[i].<field>". */
enum folio_rc folio_api_coding_parse_codes(struct folio_req *req, const json_t *body,
                                           struct folio_abstract_code **out, size_t *n_out,
                                           struct folio_err *err) FOLIO_MUST_USE;

#endif
