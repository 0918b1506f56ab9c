/* libFuzzer target: the CSV reader must never crash, leak or read out of bounds, whatever the
 * input; every field it returns must be NUL-terminated and as long as its view says. */
#include "folio/base.h"
#include "folio/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct folio_csv_opts opts = {.max_field = 4096, .max_record = 16384, .max_fields = 64};
    struct folio_csv *c = NULL;
    struct folio_err err = {0};
    bool have = true;
    /* first byte chooses header mode, so both paths are explored */
    bool header = size > 0 && (data[0] & 1);

    if (folio_csv_open_mem((const char *)data, size, "fuzz.csv", &opts, &c, &err) != FOLIO_OK)
        return 0;
    if (header && folio_csv_read_header(c, &err) != FOLIO_OK)
        goto out;
    if (header)
        (void)folio_csv_column(c, "Id");
    while (folio_csv_next(c, &have, &err) == FOLIO_OK && have) {
        size_t i, n = folio_csv_count(c);
        for (i = 0; i < n; i++) {
            struct folio_sv sv = folio_csv_sv(c, (int)i);
            if (strlen(folio_csv_get(c, (int)i)) != sv.len)
                FOLIO_BUG("field length mismatch");
        }
        if (folio_csv_line(c) < 1)
            FOLIO_BUG("bad line number");
    }
out:
    folio_csv_free(c);
    return 0;
}
