/* libFuzzer target: one line of a CMS ICD-10-CM/PCS order file (folio_codes_parse_order_line).
 * Whatever the bytes, no crash, no out-of-bounds read, and the views it returns lie inside the
 * line. */
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
    struct folio_codes_order_rec r;
    struct folio_err err = {0};
    struct folio_sv line = {(const char *)data, size};
    if (folio_codes_parse_order_line(line, &r, &err) == FOLIO_OK) {
        inside(r.code, line.p, size);
        inside(r.short_title, line.p, size);
        inside(r.long_title, line.p, size);
        if (r.code.len < 3 || r.code.len > 7)
            FOLIO_BUG("bad code length");
    } else if (err.msg[0] == '\0') {
        FOLIO_BUG("an error without a message");
    }
    return 0;
}
