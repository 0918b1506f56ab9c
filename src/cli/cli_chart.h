/* Private helpers of the chart commands (patient, encounter, document, demo). */
#ifndef FOLIO_CLI_CHART_H
#define FOLIO_CLI_CHART_H

#include "folio/base.h"
#include "cli/cli.h"
#include "folio/records.h"

#include <jansson.h>

/* Loads the key (must exist), opens and migrates the store, and fills c (borrowing cli). */
enum folio_rc cli_chart_open(struct folio_cli *cli, struct folio_chart *c) FOLIO_MUST_USE;

/* Sets o[k] = v (steals v); returns non-zero on failure (v NULL or out of memory). */
int cli_jset(json_t *o, const char *k, json_t *v);
int cli_jset_str(json_t *o, const char *k, const char *s);
int cli_jset_int(json_t *o, const char *k, int64_t v);
/* 0 -> null, else the integer: for optional ids. */
int cli_jset_id(json_t *o, const char *k, int64_t v);

/* Rows for tables shared by several screens. */
enum folio_rc cli_print_encounters(struct folio_cli *cli, const struct folio_encounter_page *pg);
enum folio_rc cli_print_documents(struct folio_cli *cli, const struct folio_document_page *pg);

/* "Family, Given Middle" into out. */
void cli_person_name(char *out, size_t cap, const char *family, const char *given,
                     const char *middle);

/* Reads --file PATH ("-" = standard input) or takes --text; exactly one must be given.
 * The content lives in buf (capped at 64 MiB). opt_what names the command in errors. */
enum folio_rc cli_read_content(struct folio_cli *cli, const char *what, const char *file,
                               const char *text, struct folio_buf *buf) FOLIO_MUST_USE;

/* Provider by NPI (10 digits) or by id; 0 when s is NULL. */
enum folio_rc cli_resolve_provider(struct folio_cli *cli, const struct folio_chart *c,
                                   const char *s, int64_t *id) FOLIO_MUST_USE;

#endif
