/* libFuzzer target: the claim reader (cases.tsv format) must never crash, leak or read out of
 * bounds, whatever the input; every claim it returns must respect the struct's bounds. The
 * a first byte 0x01 selects the one-line parser for the rest; anything else goes to the stream
 * reader (header first). */
#include "folio/base.h"
#include "folio/edits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct folio_claim *c)
{
    if (c->nsdx > FOLIO_CLAIM_MAX_CODES || c->npr > FOLIO_CLAIM_MAX_CODES)
        FOLIO_BUG("too many codes");
    if (strlen(c->id) > FOLIO_CLAIM_ID_MAX || strlen(c->pdx.code) > FOLIO_CLAIM_CODE_MAX)
        FOLIO_BUG("field over its cap");
    for (size_t i = 0; i < c->nsdx; i++)
        if (strlen(c->sdx[i].code) > FOLIO_CLAIM_CODE_MAX)
            FOLIO_BUG("sdx code over its cap");
    for (size_t i = 0; i < c->npr; i++)
        if (strlen(c->pr[i]) > FOLIO_CLAIM_CODE_MAX)
            FOLIO_BUG("procedure code over its cap");
    if (c->sex != 'M' && c->sex != 'F' && c->sex != 'U')
        FOLIO_BUG("bad sex accepted");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct folio_claim c;
    struct folio_err err = {0};
    struct folio_claim_reader *r = NULL;
    FILE *f;
    bool have = true;

    if (size == 0)
        return 0;
    if (data[0] == 0x01) {
        if (folio_claim_parse_line((const char *)data + 1, size - 1, &c, &err) == FOLIO_OK)
            check(&c);
        return 0;
    }
    f = fmemopen((void *)(uintptr_t)data, size, "rb");
    if (f == NULL)
        return 0;
    if (folio_claim_reader_open(f, "fuzz.tsv", &r, &err) == FOLIO_OK) {
        while (folio_claim_reader_next(r, &c, &have, &err) == FOLIO_OK && have) {
            check(&c);
            if (folio_claim_reader_line(r) < 2)
                FOLIO_BUG("bad line number");
        }
    }
    folio_claim_reader_free(r);
    fclose(f);
    return 0;
}
