/* libFuzzer target: the code references found in a tabular note's text
 * (folio_codes_note_refs: "gestational diabetes (O24.4-)" -> O244). No crash, every reference
 * NUL-terminated, 3-8 characters, at most cap of them. */
#include "folio/base.h"
#include "folio/codes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char refs[8][16];
    size_t n = 0, i;
    folio_codes_note_refs((struct folio_sv){(const char *)data, size}, refs, 8, &n);
    if (n > 8)
        FOLIO_BUG("more references than room");
    for (i = 0; i < n; i++) {
        size_t l = strnlen(refs[i], 16);
        if (l < 3 || l > 8)
            FOLIO_BUG("reference of bad length");
    }
    return 0;
}
