/* libFuzzer target: free-text de-identification must never crash or read out of bounds, and on
 * success its spans must be sorted, non-overlapping, inside the input and of a known type; the
 * tagged text must be produced from them. */
#include "folio/base.h"
#include "folio/deid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct folio_deid_spans sp;
    struct folio_err err = {0};
    struct folio_buf out;
    size_t i, prev = 0;

    if (folio_deid_text_find((const char *)data, size, &sp, &err) != FOLIO_OK) {
        if (sp.n != 0)
            FOLIO_BUG("spans left after an error");
        return 0;
    }
    for (i = 0; i < sp.n; i++) {
        if (sp.v[i].start < prev || sp.v[i].end <= sp.v[i].start || sp.v[i].end > size ||
            (unsigned)sp.v[i].type >= FOLIO_DEID_NTYPES)
            FOLIO_BUG("bad span %zu [%zu,%zu)", i, sp.v[i].start, sp.v[i].end);
        prev = sp.v[i].end;
    }
    folio_buf_init(&out, 0);
    if (folio_deid_text_apply((const char *)data, size, &sp, &out, NULL) != FOLIO_OK)
        FOLIO_BUG("apply failed");
    folio_buf_release(&out);
    folio_deid_spans_release(&sp);
    return 0;
}
