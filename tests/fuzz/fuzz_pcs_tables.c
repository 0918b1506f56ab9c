/* libFuzzer target: the ICD-10-PCS tables XML reader of the PCS builder
 * (folio_pcs_tables_parse). Whatever the bytes: no crash, no leak, an error with a message, and
 * when the tables parse, walking the builder from the empty prefix down the first option of each
 * step ends in a complete code whose title the tables give back. */
#include "folio/base.h"
#include "folio/encoder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct folio_pcs_tables *t = NULL;
    struct folio_err err = {0};
    char prefix[8] = "", title[320];
    struct folio_pcs_step st;

    if (size > (1u << 20))
        return 0;
    if (folio_pcs_tables_parse((const char *)data, size, NULL, 0, &t, &err) != FOLIO_OK) {
        if (t != NULL)
            FOLIO_BUG("tables returned with an error");
        if (err.msg[0] == '\0')
            FOLIO_BUG("an error without a message");
        return 0;
    }
    for (size_t n = 0; n <= 7; n++) {
        if (folio_pcs_builder_step(t, prefix, &st, &err) != FOLIO_OK)
            break;
        if (st.complete) {
            if (folio_pcs_title(t, st.code, title, sizeof title, &err) != FOLIO_OK)
                FOLIO_BUG("a complete code without a title");
            break;
        }
        if (st.n_options == 0 || n == 7)
            break;
        prefix[n] = st.options[0].value;
        prefix[n + 1] = '\0';
    }
    folio_pcs_tables_free(t);
    return 0;
}
