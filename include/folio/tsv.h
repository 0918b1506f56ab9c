/* Reading a whole tab-separated reference table (the MCE and MS-DRG table files): the file in
 * memory, one line at a time, split into an exact number of columns, with messages that name
 * the file and line. Pure: no database. */
#ifndef FOLIO_TSV_H
#define FOLIO_TSV_H

#include "folio/base.h"

struct folio_tsv {
    struct folio_buf buf;
    size_t pos;
    long line;        /* line number of the last line read */
    char name[96];    /* file name for messages */
    const char *field; /* err->field of every error ("mce", "drg") */
};

/* Reads dir/name (at most max bytes) into t. Release with folio_tsv_release (also on error). */
enum folio_rc folio_tsv_open(struct folio_tsv *t, const char *dir, const char *name, size_t max,
                             const char *field, struct folio_err *err) FOLIO_MUST_USE;
void folio_tsv_release(struct folio_tsv *t);
/* Next line without its LF/CRLF; *have false at the end. A last line without a line break is
 * EPARSE (a truncated file). */
enum folio_rc folio_tsv_line(struct folio_tsv *t, struct folio_sv *line, bool *have,
                             struct folio_err *err) FOLIO_MUST_USE;
/* Splits line at tabs into exactly n fields (EPARSE naming the line otherwise). */
enum folio_rc folio_tsv_fields(struct folio_tsv *t, struct folio_sv line, struct folio_sv *f,
                               size_t n, struct folio_err *err) FOLIO_MUST_USE;
/* Reads the first line and requires it to be exactly expect. */
enum folio_rc folio_tsv_header(struct folio_tsv *t, const char *expect,
                               struct folio_err *err) FOLIO_MUST_USE;

#endif
