/* libFuzzer target: the HL7 v2 parser must never crash, leak or read out of bounds. Each input
 * is parsed (and its MSH alone), every field, repetition, component and subcomponent is read
 * raw and decoded in both modes, the message is rendered as a JSON tree, answered with an ACK,
 * and re-encoded through the builder; the re-encoded message must parse and decode to the same
 * values (round trip). */
#include "folio/base.h"
#include "folio/hl7v2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_same(const struct folio_hl7_msg *a, const struct folio_hl7_ref *ra,
                       const struct folio_hl7_msg *b, const struct folio_hl7_ref *rb,
                       struct folio_buf *x, struct folio_buf *y)
{
    folio_buf_reset(x);
    folio_buf_reset(y);
    if (folio_hl7_get_buf(a, ra, FOLIO_HL7_DECODE_TEXT, x, NULL) ||
        folio_hl7_get_buf(b, rb, FOLIO_HL7_DECODE_TEXT, y, NULL))
        return;
    /* The builder writes decoded values: formatting escapes re-encode as literal text, which
     * decodes to the same bytes. */
    if (x->len != y->len || memcmp(x->data, y->data, x->len) != 0)
        FOLIO_BUG("round trip changed a value");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct folio_hl7_limits lim = {.max_message = 1 << 16,
                                   .max_segments = 200,
                                   .max_fields = 64,
                                   .max_field = 8192,
                                   .max_reps = 32};
    struct folio_hl7_msg *m = NULL, *m2 = NULL;
    struct folio_hl7_builder *b = NULL;
    struct folio_hl7_loc loc;
    struct folio_err err = {0};
    struct folio_buf buf, enc, x, y;
    struct folio_arena arena = {0};
    json_t *tree = NULL;
    size_t si, n;
    char where[64];

    folio_buf_init(&buf, 1 << 20);
    folio_buf_init(&enc, 1 << 22);
    folio_buf_init(&x, 1 << 20);
    folio_buf_init(&y, 1 << 20);
    if (folio_hl7_parse_msh((const char *)data, size, &lim, &m, &loc, &err) == FOLIO_OK) {
        folio_hl7_free(m);
        m = NULL;
    }
    if (folio_hl7_parse((const char *)data, size, &lim, &m, &loc, &err) != FOLIO_OK) {
        (void)folio_hl7_loc_format(&loc, where, sizeof(where));
        goto out;
    }
    if (folio_hl7_tree(m, &tree, &err) != FOLIO_OK)
        goto out;
    if (folio_hl7_builder_new(folio_hl7_delims(m), 1 << 22, &b, &err) != FOLIO_OK)
        goto out;
    n = folio_hl7_segment_count(m);
    for (si = 0; si < n; si++) {
        const char *id = folio_hl7_segment_id(m, si);
        unsigned f, nf = folio_hl7_field_count(m, si);
        bool msh = strcmp(id, "MSH") == 0;
        if (strlen(id) != 3 || folio_hl7_segment_seq(m, si) == 0)
            FOLIO_BUG("bad segment");
        if (folio_hl7_build_segment(b, id, &err) != FOLIO_OK)
            goto out;
        for (f = 1; f <= nf; f++) {
            unsigned r, nr = folio_hl7_rep_count(m, si, f);
            struct folio_hl7_ref whole = {si, f, 0, 0, 0};
            (void)folio_hl7_presence(m, &whole);
            (void)folio_hl7_field_name(id, f);
            for (r = 1; r <= nr; r++) {
                unsigned c, nc = folio_hl7_comp_count(m, si, f, r);
                for (c = 1; c <= nc; c++) {
                    unsigned s, ns = folio_hl7_sub_count(m, si, f, r, c);
                    for (s = 1; s <= ns; s++) {
                        struct folio_hl7_ref ref = {si, f, r, c, s};
                        struct folio_hl7_loc l;
                        struct folio_sv raw = folio_hl7_raw(m, &ref);
                        const char *str = NULL;
                        if (!raw.p)
                            FOLIO_BUG("counted piece is absent");
                        folio_buf_reset(&buf);
                        if (folio_hl7_get_buf(m, &ref, FOLIO_HL7_DECODE_PLAIN, &buf, &err))
                            goto out;
                        folio_buf_reset(&buf);
                        if (folio_hl7_get_buf(m, &ref, FOLIO_HL7_DECODE_TEXT, &buf, &err))
                            goto out;
                        if (folio_hl7_get_str(m, &ref, &arena, &str, &err) == FOLIO_OK &&
                            strlen(str) != buf.len)
                            FOLIO_BUG("decoded string length mismatch");
                        folio_hl7_loc_of(m, &ref, &l);
                        (void)folio_hl7_loc_format(&l, where, sizeof(where));
                        if (msh && f <= 2)
                            continue;
                        if (folio_hl7_build_set(b, f, r, c, s, buf.data, buf.len, &err))
                            goto out;
                    }
                }
            }
        }
        folio_arena_release(&arena);
    }
    if (folio_hl7_build_finish(b, &enc, &err) != FOLIO_OK)
        goto out;
    lim.max_field = 1 << 20;
    lim.max_message = 1 << 22;
    if (folio_hl7_parse(enc.data, enc.len, &lim, &m2, NULL, &err) != FOLIO_OK)
        FOLIO_BUG("re-encoded message does not parse: %s", err.msg);
    if (folio_hl7_segment_count(m2) != n)
        FOLIO_BUG("segment count changed");
    for (si = 0; si < n; si++) {
        unsigned f, nf = folio_hl7_field_count(m, si);
        for (f = 3; f <= nf; f++) {
            unsigned r, nr = folio_hl7_rep_count(m, si, f);
            for (r = 1; r <= nr; r++) {
                unsigned c, nc = folio_hl7_comp_count(m, si, f, r);
                for (c = 1; c <= nc; c++) {
                    unsigned s, ns = folio_hl7_sub_count(m, si, f, r, c);
                    for (s = 1; s <= ns; s++) {
                        struct folio_hl7_ref ref = {si, f, r, c, s};
                        check_same(m, &ref, m2, &ref, &x, &y);
                    }
                }
            }
        }
    }
    {
        struct folio_hl7_ack_error e = {.code = FOLIO_HL7_E_INTERNAL, .user_msg = "x|y^z"};
        struct folio_hl7_ack_opts o = {
            .code = "AE", .control_id = "1", .datetime = "2024", .errors = &e, .n_errors = 1};
        struct folio_hl7_ref ref = {n > 1 ? 1 : 0, 3, 1, 1, 1};
        folio_hl7_loc_of(m, &ref, &e.loc);
        folio_buf_reset(&buf);
        if (folio_hl7_ack(m, &o, &buf, &err) == FOLIO_OK) {
            struct folio_hl7_msg *ack = NULL;
            if (folio_hl7_parse(buf.data, buf.len, NULL, &ack, NULL, &err) != FOLIO_OK)
                FOLIO_BUG("ACK does not parse: %s", err.msg);
            folio_hl7_free(ack);
        }
    }
out:
    json_decref(tree);
    folio_hl7_builder_free(b);
    folio_hl7_free(m);
    folio_hl7_free(m2);
    folio_arena_release(&arena);
    folio_buf_release(&buf);
    folio_buf_release(&enc);
    folio_buf_release(&x);
    folio_buf_release(&y);
    return 0;
}
