/* RFC 4180 CSV reader: pure, no database.
 *
 * - fields separated by ',', records by CRLF or LF; a final line break is optional;
 * - a field in double quotes may hold ',', CR, LF and "" (one literal quote);
 * - a UTF-8 byte order mark at the very start is skipped;
 * - completely empty lines (no bytes between two line breaks) are skipped, not records;
 * - strict: an unterminated quote, a quote inside an unquoted field, a character after a
 *   closing quote, a bare CR outside quotes, a NUL byte, invalid UTF-8, or a record whose
 *   field count differs from the header's is FOLIO_EPARSE; a field or record over its cap is
 *   FOLIO_ETOOBIG.
 * Errors are reported as "NAME:LINE: what", LINE being the physical line (1-based) where the
 * offending record starts; err->field is "NAME:LINE".
 *
 * The reader streams: memory use is bounded by the caps, not by the file size. */
#ifndef FOLIO_CSV_H
#define FOLIO_CSV_H

#include "folio/base.h"

struct folio_csv;

struct folio_csv_opts {
    size_t max_field;  /* bytes per field; 0 = 64 KiB */
    size_t max_record; /* bytes per record (all fields); 0 = 1 MiB */
    size_t max_fields; /* fields per record; 0 = 1024 */
};

/* Reads from memory; borrows data, which must outlive the reader. name (copied) is used in
 * error messages, e.g. "patients.csv". opts may be NULL. */
enum folio_rc folio_csv_open_mem(const char *data, size_t len, const char *name,
                                 const struct folio_csv_opts *opts, struct folio_csv **out,
                                 struct folio_err *err) FOLIO_MUST_USE;
/* Reads from a file (opened here, closed by folio_csv_free). name NULL = the path's last part. */
enum folio_rc folio_csv_open_file(const char *path, const char *name,
                                  const struct folio_csv_opts *opts, struct folio_csv **out,
                                  struct folio_err *err) FOLIO_MUST_USE;
void folio_csv_free(struct folio_csv *c); /* NULL ok */

/* Reads the first record as the header: column names (trimmed of ASCII blanks), which must be
 * non-empty and unique. Afterwards every record must have as many fields. An empty input is
 * FOLIO_EPARSE "no header row". */
enum folio_rc folio_csv_read_header(struct folio_csv *c, struct folio_err *err) FOLIO_MUST_USE;
/* Index of the column named name (exact match), or -1. Needs the header. */
int folio_csv_column(const struct folio_csv *c, const char *name);
/* Fills idx[i] with the column of names[i]; a missing name is FOLIO_EPARSE
 * "NAME: missing column X". */
enum folio_rc folio_csv_columns(const struct folio_csv *c, const char *const *names, size_t n,
                                int *idx, struct folio_err *err) FOLIO_MUST_USE;
size_t folio_csv_header_count(const struct folio_csv *c);
const char *folio_csv_header_name(const struct folio_csv *c, size_t i); /* NULL if out of range */

/* Reads the next record. *have is false at the end of input (then nothing else changes).
 * Without a header, any field count is accepted. */
enum folio_rc folio_csv_next(struct folio_csv *c, bool *have, struct folio_err *err) FOLIO_MUST_USE;
size_t folio_csv_count(const struct folio_csv *c); /* fields in the current record */
/* Field i of the current record, NUL-terminated, borrowed until the next folio_csv_next.
 * i out of range or negative (a missing column) gives "". */
const char *folio_csv_get(const struct folio_csv *c, int i);
struct folio_sv folio_csv_sv(const struct folio_csv *c, int i);
/* Physical line (1-based) where the current record starts. */
long folio_csv_line(const struct folio_csv *c);
/* Records read so far, header excluded. */
long folio_csv_records(const struct folio_csv *c);
const char *folio_csv_name(const struct folio_csv *c); /* borrowed */

#endif
