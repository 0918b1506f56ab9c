/* Parts of `folio demo` kept in their own files (issue 9): each seeds its feature's demo data
 * after the users and the completeness analysis exist. They print nothing (PHI never goes to
 * stdout) and return an error in cli->err. */
#ifndef FOLIO_CLI_DEMO_PARTS_H
#define FOLIO_CLI_DEMO_PARTS_H

#include "cli/cli.h"
#include "cli/cli_chart.h"

enum folio_rc folio_demo_roi(struct folio_cli *cli, const struct folio_chart *c);     /* demo_roi.c */
enum folio_rc folio_demo_privacy(struct folio_cli *cli, const struct folio_chart *c); /* demo_privacy.c */
enum folio_rc folio_demo_deid(struct folio_cli *cli, const struct folio_chart *c);    /* demo_deid.c */

#endif
