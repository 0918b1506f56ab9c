/* libFuzzer target: one record of the CMS HCPCS ANWEB fixed-width file
 * (folio_codes_parse_hcpcs_line). No crash, views inside the line, RECID one of 3/4/7/8. */
#include "folio/base.h"
#include "folio/codes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(struct folio_sv v, const char *p, size_t n)
{
    if (v.len && (v.p < p || v.p + v.len > p + n))
        FOLIO_BUG("view outside the line");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct folio_codes_hcpcs_rec r;
    struct folio_err err = {0};
    struct folio_sv line = {(const char *)data, size};
    if (folio_codes_parse_hcpcs_line(line, &r, &err) == FOLIO_OK) {
        inside(r.code, line.p, size);
        inside(r.long_desc, line.p, size);
        inside(r.short_desc, line.p, size);
        inside(r.term_date, line.p, size);
        if (r.recid != 3 && r.recid != 4 && r.recid != 7 && r.recid != 8)
            FOLIO_BUG("bad RECID accepted");
    } else if (err.msg[0] == '\0') {
        FOLIO_BUG("an error without a message");
    }
    return 0;
}
