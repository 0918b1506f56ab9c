/* HL7 v2 parser and encoder: delimiters, escapes, repetitions/components/subcomponents, null vs
 * empty vs absent, limits and malformed input, builder round trips, ACKs, JSON tree, and every
 * sample of ../shared/data/corpora/hl7v2/samples. */
#include "folio/base.h"
#include "folio/hl7v2.h"
#include "folio/json.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>

#include "testdb.h"

static struct folio_hl7_msg *parse_ok(const char *s)
{
    struct folio_hl7_msg *m = NULL;
    struct folio_err err = {0};
    enum folio_rc rc = folio_hl7_parse(s, strlen(s), NULL, &m, NULL, &err);
    if (rc)
        fail_msg("parse failed: %s", err.msg);
    return m;
}

/* Decoded value at path (arena-backed). */
static const char *val(const struct folio_hl7_msg *m, const char *path, struct folio_arena *a)
{
    const char *s = NULL;
    struct folio_err err = {0};
    if (folio_hl7_path_str(m, path, a, &s, &err))
        fail_msg("%s: %s", path, err.msg);
    return s;
}

static struct folio_sv raw_at(const struct folio_hl7_msg *m, const char *path)
{
    struct folio_hl7_ref ref;
    struct folio_err err = {0};
    struct folio_sv none = {NULL, 0};
    if (folio_hl7_path(m, path, &ref, &err))
        return none;
    return folio_hl7_raw(m, &ref);
}

static bool raw_is(const struct folio_hl7_msg *m, const char *path, const char *want)
{
    struct folio_sv v = raw_at(m, path);
    return v.p && v.len == strlen(want) && memcmp(v.p, want, v.len) == 0;
}

static enum folio_hl7_presence pres(const struct folio_hl7_msg *m, const char *path)
{
    struct folio_hl7_ref ref;
    struct folio_err err = {0};
    if (folio_hl7_path(m, path, &ref, &err) == FOLIO_EINVAL)
        fail_msg("bad path %s", path);
    return folio_hl7_presence(m, &ref);
}

#define ADT                                                                                        \
    "MSH|^~\\&|REG|HOSP^1.2.3^ISO|FOLIO|HIM|20240305140709+0100||ADT^A01^ADT_A01|CTL123|P|2.5.1|"  \
    "||AL|NE||UNICODE UTF-8\r"                                                                     \
    "EVN|A01|20240305140709\r"                                                                     \
    "PID|1||123^^^HOSP&1.2.3&ISO^MR~456^^^SSA^SS||Doe^Jane^Q^^Dr~Roe^Janie||19610412|F|||"         \
    "1 Main St^^Omaha^NE^68102||\"\"|\r"                                                           \
    "PV1|1|I|W1^101^A\r"                                                                           \
    "ZPI|custom|data\r"                                                                            \
    "OBX|1|NM|GLU^Glucose^LN||5.5|mmol/L\r"                                                        \
    "OBX|2|TX|NOTE||line\\.br\\two\r"

static void test_basic_access(void **state)
{
    (void)state;
    struct folio_arena a = {0};
    struct folio_hl7_msg *m = parse_ok(ADT);
    const struct folio_hl7_msh *h = folio_hl7_msh(m);
    size_t i, n = 0;

    assert_int_equal(folio_hl7_segment_count(m), 7);
    assert_string_equal(folio_hl7_segment_id(m, 2), "PID");
    assert_string_equal(folio_hl7_segment_id(m, 99), "");
    assert_string_equal(h->msg_type, "ADT");
    assert_string_equal(h->trigger, "A01");
    assert_string_equal(h->structure, "ADT_A01");
    assert_string_equal(h->control_id, "CTL123");
    assert_string_equal(h->version, "2.5.1");
    assert_string_equal(h->processing_id, "P");
    assert_string_equal(h->sending_app, "REG");
    assert_string_equal(h->sending_facility, "HOSP");
    assert_string_equal(h->receiving_app, "FOLIO");
    assert_string_equal(h->receiving_facility, "HIM");
    assert_string_equal(h->datetime, "20240305140709+0100");
    assert_string_equal(h->accept_ack, "AL");
    assert_string_equal(h->app_ack, "NE");
    assert_string_equal(h->charset, "UNICODE UTF-8");

    /* MSH counting: MSH-1 is the separator, MSH-2 the encoding characters */
    assert_true(raw_is(m, "MSH-1", "|"));
    assert_true(raw_is(m, "MSH-2", "^~\\&"));
    assert_string_equal(val(m, "MSH-2", &a), "^~\\&");
    assert_string_equal(val(m, "MSH-3", &a), "REG");
    assert_string_equal(val(m, "MSH-4.2", &a), "1.2.3");
    assert_int_equal(folio_hl7_rep_count(m, 0, 2), 1);

    /* repetitions, components, subcomponents */
    assert_int_equal(folio_hl7_rep_count(m, 2, 3), 2);
    assert_int_equal(folio_hl7_comp_count(m, 2, 3, 1), 5);
    assert_int_equal(folio_hl7_sub_count(m, 2, 3, 1, 4), 3);
    assert_string_equal(val(m, "PID-3", &a), "123^^^HOSP&1.2.3&ISO^MR"); /* first repetition */
    assert_string_equal(val(m, "PID-3.1", &a), "123");
    assert_string_equal(val(m, "PID-3[2].1", &a), "456");
    assert_string_equal(val(m, "PID-3[2].5", &a), "SS");
    assert_string_equal(val(m, "PID-3.4", &a), "HOSP&1.2.3&ISO");
    assert_string_equal(val(m, "PID-3.4.2", &a), "1.2.3");
    assert_string_equal(val(m, "PID-3.4.3", &a), "ISO");
    assert_true(raw_is(m, "PID-3", "123^^^HOSP&1.2.3&ISO^MR~456^^^SSA^SS"));
    assert_true(raw_is(m, "PID-5[2]", "Roe^Janie"));
    assert_string_equal(val(m, "PID-5[2].2", &a), "Janie");
    assert_string_equal(val(m, "PID-5.5", &a), "Dr");
    assert_string_equal(val(m, "PID-11.3", &a), "Omaha");

    /* Z-segments kept, iteration by id */
    assert_string_equal(val(m, "ZPI-2", &a), "data");
    for (i = folio_hl7_find(m, "OBX", 0); i != FOLIO_HL7_NONE; i = folio_hl7_find(m, "OBX", i + 1))
        n++;
    assert_int_equal(n, 2);
    assert_int_equal(folio_hl7_segment_seq(m, 6), 2);
    assert_string_equal(val(m, "OBX(2)-3", &a), "NOTE");
    assert_string_equal(val(m, "OBX(2)-5", &a), "line\\.br\\two");
    assert_string_equal(val(m, "OBX(3)-5", &a), ""); /* no such segment: "" */
    assert_int_equal(folio_hl7_field_count(m, 0), 18);
    assert_int_equal(folio_hl7_field_count(m, 2), 14);

    folio_hl7_free(m);
    folio_arena_release(&a);
}

static void test_presence(void **state)
{
    (void)state;
    struct folio_hl7_msg *m = parse_ok(ADT);
    assert_int_equal(pres(m, "PID-13"), FOLIO_HL7_NULL);   /* "" */
    assert_int_equal(pres(m, "PID-12"), FOLIO_HL7_EMPTY);  /* || */
    assert_int_equal(pres(m, "PID-14"), FOLIO_HL7_EMPTY);  /* trailing | */
    assert_int_equal(pres(m, "PID-15"), FOLIO_HL7_ABSENT); /* beyond the last field */
    assert_int_equal(pres(m, "PID-5"), FOLIO_HL7_VALUED);
    assert_int_equal(pres(m, "PID-5[3]"), FOLIO_HL7_ABSENT);
    assert_int_equal(pres(m, "PID-5.6"), FOLIO_HL7_ABSENT);
    assert_int_equal(pres(m, "PID-5.4"), FOLIO_HL7_EMPTY);
    assert_int_equal(pres(m, "PID-12.2"), FOLIO_HL7_ABSENT);
    assert_int_equal(pres(m, "PV2-1"), FOLIO_HL7_ABSENT);
    assert_null(raw_at(m, "PID-15").p);
    assert_non_null(raw_at(m, "PID-12").p);
    assert_int_equal(folio_hl7_rep_count(m, 2, 12), 0);
    assert_int_equal(folio_hl7_rep_count(m, 2, 40), 0);
    folio_hl7_free(m);
}

static void test_escapes(void **state)
{
    (void)state;
    const char *msg = "MSH|^~\\&|A|B|C|D|20240101||ORU^R01|1|P|2.7\r"
                      "OBX|1|FT|X||a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f\\X0D0A\\g\\.br\\h\\H\\bold\\N\\"
                      "\\.sp2\\i\\Zloc\\j\\Xzz\\k\\C2842\\l\\.in+4\\m\r"
                      "NTE|1||open \\F no close\r"
                      "NTE|2||\\X00\\\r";
    struct folio_hl7_msg *m = parse_ok(msg);
    struct folio_hl7_ref ref;
    struct folio_buf b;
    struct folio_err err = {0};
    struct folio_arena a = {0};
    const char *s;

    folio_buf_init(&b, 0);
    assert_int_equal(folio_hl7_path(m, "OBX-5", &ref, &err), FOLIO_OK);
    assert_int_equal(folio_hl7_get_buf(m, &ref, FOLIO_HL7_DECODE_TEXT, &b, &err), FOLIO_OK);
    assert_string_equal(b.data, "a|b^c&d~e\\f\r\ng\\.br\\h\\H\\bold\\N\\\\.sp2\\i\\Zloc\\j"
                                "\\Xzz\\k\\C2842\\l\\.in+4\\m");
    folio_buf_reset(&b);
    assert_int_equal(folio_hl7_get_buf(m, &ref, FOLIO_HL7_DECODE_PLAIN, &b, &err), FOLIO_OK);
    assert_string_equal(b.data, "a|b^c&d~e\\f\r\ng\nhbold\n\nij\\Xzz\\klm");
    /* raw variant: as written */
    assert_true(raw_is(m, "OBX-5",
                       "a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f\\X0D0A\\g\\.br\\h\\H\\bold\\N\\"
                       "\\.sp2\\i\\Zloc\\j\\Xzz\\k\\C2842\\l\\.in+4\\m"));
    /* an escape without its closing character stays literal */
    assert_string_equal(val(m, "NTE-3", &a), "open \\F no close");
    /* \X00\ decodes to a NUL byte: fine in a buffer, refused as a C string */
    folio_buf_reset(&b);
    assert_int_equal(folio_hl7_path(m, "NTE(2)-3", &ref, &err), FOLIO_OK);
    assert_int_equal(folio_hl7_get_buf(m, &ref, FOLIO_HL7_DECODE_TEXT, &b, &err), FOLIO_OK);
    assert_int_equal(b.len, 1);
    assert_int_equal(b.data[0], '\0');
    assert_int_equal(folio_hl7_get_str(m, &ref, &a, &s, &err), FOLIO_EPARSE);
    assert_string_equal(err.field, "NTE(2)-3");
    folio_buf_release(&b);
    folio_hl7_free(m);
    folio_arena_release(&a);
}

static void test_custom_delimiters(void **state)
{
    (void)state;
    struct folio_arena a = {0};
    struct folio_hl7_msg *m = parse_ok(
        "MSH|$~\\&|APP|FAC$X|R|F|2024||ADT$A04|9|P|2.3\rPID|1||7$$$H&1&ISO~8||A$B\\S\\C\r");
    assert_int_equal(folio_hl7_delims(m)->comp, '$');
    assert_string_equal(folio_hl7_msh(m)->trigger, "A04");
    assert_string_equal(folio_hl7_msh(m)->sending_facility, "FAC");
    assert_string_equal(val(m, "PID-3.4.2", &a), "1");
    assert_string_equal(val(m, "PID-3[2]", &a), "8");
    assert_string_equal(val(m, "PID-5.2", &a), "B$C"); /* \S\ is this message's '$' */
    folio_hl7_free(m);

    m = parse_ok("MSH#^~\\&#APP#FAC#R#F#2024##ORU^R01#10#P#2.5\rOBX#1#ST#X##a|b\\F\\c\r");
    assert_int_equal(folio_hl7_delims(m)->field, '#');
    assert_string_equal(folio_hl7_msh(m)->control_id, "10");
    assert_string_equal(val(m, "OBX-5", &a), "a|b#c");
    folio_hl7_free(m);

    /* v2.7 truncation character */
    m = parse_ok("MSH|^~\\&#|APP|FAC|R|F|2024||ORU^R01|11|P|2.7\rOBX|1|ST|X||50\\P\\ off#\r");
    assert_int_equal(folio_hl7_delims(m)->trunc, '#');
    assert_true(raw_is(m, "MSH-2", "^~\\&#"));
    assert_string_equal(folio_hl7_msh(m)->version, "2.7");
    assert_string_equal(val(m, "OBX-5", &a), "50# off#");
    folio_hl7_free(m);
    folio_arena_release(&a);
}

static void test_line_ends_and_bom(void **state)
{
    (void)state;
    const char *variants[] = {
        "MSH|^~\\&|A|B|C|D|2024||ADT^A01|1|P|2.5\rPID|1||X\r",
        "MSH|^~\\&|A|B|C|D|2024||ADT^A01|1|P|2.5\nPID|1||X\n",
        "MSH|^~\\&|A|B|C|D|2024||ADT^A01|1|P|2.5\r\nPID|1||X\r\n\r\n",
        "\xEF\xBB\xBFMSH|^~\\&|A|B|C|D|2024||ADT^A01|1|P|2.5\rPID|1||X",
        "MSH|^~\\&|A|B|C|D|2024||ADT^A01|1|P|2.5\r\r\n  \rPID|1||X\r",
    };
    size_t i;
    for (i = 0; i < FOLIO_ARRAY_LEN(variants); i++) {
        struct folio_hl7_msg *m = parse_ok(variants[i]);
        assert_int_equal(folio_hl7_segment_count(m), 2);
        assert_true(raw_is(m, "PID-3", "X"));
        assert_int_equal(folio_hl7_bytes(m).len, strlen(variants[i]));
        folio_hl7_free(m);
    }
}

struct bad_case {
    const char *data;
    size_t len; /* 0 = strlen */
    enum folio_rc rc;
    const char *field;
};

static void test_malformed(void **state)
{
    (void)state;
    static const char nul_msg[] = "MSH|^~\\&|A|B|C|D|2024||ADT^A01|1|P|2.5\rPID|1||ab\0c\r";
    const struct bad_case cases[] = {
        {"", 0, FOLIO_EPARSE, "message"},
        {"PID|1||X\r", 0, FOLIO_EPARSE, "message"},
        {"MS", 0, FOLIO_EPARSE, "message"},
        {"\xEF\xBB\xBF", 0, FOLIO_EPARSE, "message"},
        {"MSH", 0, FOLIO_EPARSE, "MSH-1"},
        {"MSH|^~|A\r", 0, FOLIO_EPARSE, "MSH-2"},
        {"MSH|^~\\&#!|A\r", 0, FOLIO_EPARSE, "MSH-2"},
        {"MSH|^^\\&|A\r", 0, FOLIO_EPARSE, "MSH-2"},
        {"MSH|^~a&|A\r", 0, FOLIO_EPARSE, "MSH-2"},
        {"MSHA^~\\&|A\r", 0, FOLIO_EPARSE, "MSH-1"},
        {"MSH|^~\\&|A|B\rpid|1\r", 0, FOLIO_EPARSE, "segment 2"},
        {"MSH|^~\\&|A|B\rPI\r", 0, FOLIO_EPARSE, "segment 2"},
        {"MSH|^~\\&|A|B\rPIDX|1\r", 0, FOLIO_EPARSE, "segment 2"},
        {nul_msg, sizeof(nul_msg) - 1, FOLIO_EPARSE, "PID-3"},
        {"\x0bMSH|^~\\&|A\r\x1c\r", 0, FOLIO_EPARSE, "message"},
        {"MSH|^~\\&|A|B\rPID|1\x1c\r", 0, FOLIO_EPARSE, "PID-1"},
        {"MSH|^~\\&|A\x01|B\r", 0, FOLIO_EPARSE, "MSH-3"},
    };
    size_t i;
    for (i = 0; i < FOLIO_ARRAY_LEN(cases); i++) {
        struct folio_hl7_msg *m = (struct folio_hl7_msg *)1;
        struct folio_err err = {0};
        struct folio_hl7_loc loc;
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].data);
        enum folio_rc rc = folio_hl7_parse(cases[i].data, len, NULL, &m, &loc, &err);
        if (rc != cases[i].rc || strcmp(err.field, cases[i].field) != 0)
            fail_msg("case %zu: rc %d field \"%s\" msg \"%s\"", i, rc, err.field, err.msg);
        assert_null(m);
        assert_true(err.msg[0] != '\0');
    }
}

static void test_limits(void **state)
{
    (void)state;
    struct folio_hl7_limits lim = {
        .max_message = 4096, .max_segments = 3, .max_fields = 20, .max_field = 100, .max_reps = 3};
    struct folio_hl7_msg *m = NULL;
    struct folio_err err = {0};
    struct folio_hl7_loc loc;
    struct folio_buf b;
    const char *head = "MSH|^~\\&|A|B|C|D|2024||ADT^A01|1|P|2.5\r";
    size_t i;

    folio_buf_init(&b, 0);
    /* huge field */
    assert_int_equal(folio_buf_append_str(&b, head), FOLIO_OK);
    assert_int_equal(folio_buf_append_str(&b, "PID|1||"), FOLIO_OK);
    for (i = 0; i < 200; i++)
        assert_int_equal(folio_buf_append_ch(&b, 'x'), FOLIO_OK);
    assert_int_equal(folio_hl7_parse(b.data, b.len, &lim, &m, &loc, &err), FOLIO_ETOOBIG);
    assert_string_equal(err.field, "PID-3");
    assert_string_equal(loc.seg, "PID");
    assert_int_equal(loc.field, 3);
    assert_int_equal(loc.seg_index, 1);
    assert_non_null(strstr(err.msg, "200 bytes"));
    /* but the header can still be read for an ACK */
    assert_int_equal(folio_hl7_parse_msh(b.data, b.len, &lim, &m, &loc, &err), FOLIO_OK);
    assert_int_equal(folio_hl7_segment_count(m), 1);
    assert_string_equal(folio_hl7_msh(m)->control_id, "1");
    folio_hl7_free(m);
    m = NULL;

    /* message size */
    folio_buf_reset(&b);
    assert_int_equal(folio_buf_append_str(&b, head), FOLIO_OK);
    for (i = 0; i < 5000; i++)
        assert_int_equal(folio_buf_append_ch(&b, '\r'), FOLIO_OK);
    assert_int_equal(folio_hl7_parse(b.data, b.len, &lim, &m, &loc, &err), FOLIO_ETOOBIG);
    assert_string_equal(err.field, "message");

    /* repetitions, fields, segments */
    assert_int_equal(folio_hl7_parse("MSH|^~\\&|A\rPID|1||a~b~c~d\r", 26, &lim, &m, &loc, &err),
                     FOLIO_ETOOBIG);
    assert_string_equal(err.field, "PID-3");
    lim.max_fields = 10;
    assert_int_equal(
        folio_hl7_parse("MSH|^~\\&|A\rPID|1|2|3|4|5|6|7|8|9|10|11\r", 39, &lim, &m, &loc, &err),
        FOLIO_ETOOBIG);
    assert_string_equal(err.field, "PID-11");
    assert_int_equal(
        folio_hl7_parse("MSH|^~\\&|A\rNTE|1\rNTE|2\rNTE|3\r", 29, &lim, &m, &loc, &err),
        FOLIO_ETOOBIG);
    assert_string_equal(err.field, "message");
    assert_int_equal(loc.seg_index, 3);
    assert_null(m);
    folio_buf_release(&b);
}

static void test_paths(void **state)
{
    (void)state;
    struct folio_hl7_msg *m = parse_ok(ADT);
    struct folio_hl7_ref ref;
    struct folio_err err = {0};
    struct folio_hl7_loc loc;
    char where[48];
    const char *bad[] = {"PID",        "PID-",     "PID-0",  "pid-5",      "PID-5[0]",
                         "PID-5.",     "PID-5.1.", "PID-5x", "PID(0)-5",   "PID(1-5",
                         "PID-123456", "P-5",      "",       "PID-5.1.1.1"};
    size_t i;
    for (i = 0; i < FOLIO_ARRAY_LEN(bad); i++)
        if (folio_hl7_path(m, bad[i], &ref, &err) != FOLIO_EINVAL)
            fail_msg("path \"%s\" accepted", bad[i]);
    assert_int_equal(folio_hl7_path(m, "OBX(2)-5[3].2.1", &ref, &err), FOLIO_OK);
    assert_int_equal(ref.seg, 6);
    assert_int_equal(ref.field, 5);
    assert_int_equal(ref.rep, 3);
    assert_int_equal(ref.comp, 2);
    assert_int_equal(ref.sub, 1);
    folio_hl7_loc_of(m, &ref, &loc);
    assert_string_equal(loc.seg, "OBX");
    assert_int_equal(loc.seq, 2);
    assert_true(folio_hl7_loc_format(&loc, where, sizeof(where)));
    assert_string_equal(where, "OBX(2)-5[3].2.1");
    assert_int_equal(folio_hl7_path(m, "PV2-1", &ref, &err), FOLIO_ENOTFOUND);
    assert_int_equal(ref.seg, FOLIO_HL7_NONE);
    assert_int_equal(folio_hl7_presence(m, &ref), FOLIO_HL7_ABSENT);
    folio_hl7_free(m);
}

/* Every byte value, every delimiter and escape character survive encode -> parse -> decode. */
static void check_round_trip(const struct folio_hl7_delims *d)
{
    struct folio_hl7_builder *b = NULL;
    struct folio_err err = {0};
    struct folio_buf out, dec;
    struct folio_hl7_msg *m = NULL;
    struct folio_hl7_ref ref = {1, 3, 2, 2, 2};
    char value[300];
    const char *tricky = "|^~\\&#$!\\F\\\\X0D\\\r\n\"\"";
    size_t i, n = 0;

    for (i = 1; i < 256; i++)
        value[n++] = (char)i;
    value[n++] = '\0';
    memcpy(value + n, tricky, strlen(tricky));
    n += strlen(tricky);

    folio_buf_init(&out, 0);
    folio_buf_init(&dec, 0);
    assert_int_equal(folio_hl7_builder_new(d, 0, &b, &err), FOLIO_OK);
    assert_int_equal(folio_hl7_build_segment(b, "MSH", &err), FOLIO_OK);
    assert_int_equal(folio_hl7_build_set_str(b, 9, 1, 1, 1, "ORU", &err), FOLIO_OK);
    assert_int_equal(folio_hl7_build_set_str(b, 9, 1, 2, 1, "R01", &err), FOLIO_OK);
    assert_int_equal(folio_hl7_build_set_str(b, 10, 0, 0, 0, "ID|1", &err), FOLIO_OK);
    assert_int_equal(folio_hl7_build_set_str(b, 12, 0, 0, 0, "2.8", &err), FOLIO_OK);
    assert_int_equal(folio_hl7_build_segment(b, "ZRT", &err), FOLIO_OK);
    assert_int_equal(folio_hl7_build_set(b, 3, 2, 2, 2, value, n, &err), FOLIO_OK);
    assert_int_equal(folio_hl7_build_set_null(b, 5, 1, 1, 1, &err), FOLIO_OK);
    assert_int_equal(folio_hl7_build_set_str(b, 1, 1, 1, 1, "one", &err), FOLIO_OK);
    assert_int_equal(folio_hl7_build_finish(b, &out, &err), FOLIO_OK);
    assert_int_equal(folio_hl7_parse(out.data, out.len, NULL, &m, NULL, &err), FOLIO_OK);
    assert_int_equal(folio_hl7_get_buf(m, &ref, FOLIO_HL7_DECODE_TEXT, &dec, &err), FOLIO_OK);
    assert_int_equal(dec.len, n);
    assert_memory_equal(dec.data, value, n);
    assert_string_equal(folio_hl7_msh(m)->control_id, "ID|1");
    assert_string_equal(folio_hl7_msh(m)->trigger, "R01");
    ref.field = 5;
    ref.rep = ref.comp = ref.sub = 0;
    assert_int_equal(folio_hl7_presence(m, &ref), FOLIO_HL7_NULL);
    ref.field = 2;
    assert_int_equal(folio_hl7_presence(m, &ref), FOLIO_HL7_EMPTY);
    assert_int_equal(out.data[out.len - 1], '\r');
    assert_null(memchr(out.data, '\n', out.len));
    folio_hl7_free(m);
    folio_hl7_builder_free(b);
    folio_buf_release(&out);
    folio_buf_release(&dec);
}

static void test_round_trip(void **state)
{
    (void)state;
    struct folio_hl7_delims custom = {'#', '$', '*', '/', '%', '!'};
    struct folio_hl7_delims trunc = {'|', '^', '~', '\\', '&', '#'};
    check_round_trip(NULL);
    check_round_trip(&custom);
    check_round_trip(&trunc);
}

static void test_builder_errors(void **state)
{
    (void)state;
    struct folio_hl7_builder *b = NULL;
    struct folio_err err = {0};
    struct folio_buf out;
    folio_buf_init(&out, 0);
    assert_int_equal(folio_hl7_builder_new(NULL, 64, &b, &err), FOLIO_OK);
    assert_int_equal(folio_hl7_build_finish(b, &out, &err), FOLIO_EINVAL);
    assert_int_equal(folio_hl7_build_set_str(b, 1, 1, 1, 1, "x", &err), FOLIO_EINVAL);
    assert_int_equal(folio_hl7_build_segment(b, "msh", &err), FOLIO_EINVAL);
    assert_int_equal(folio_hl7_build_segment(b, "MSH", &err), FOLIO_OK);
    assert_int_equal(folio_hl7_build_set_str(b, 2, 1, 1, 1, "x", &err), FOLIO_EINVAL);
    assert_int_equal(folio_hl7_build_set_raw(b, 3, 1, 1, 1, "a\rb", 3, &err), FOLIO_EINVAL);
    assert_int_equal(folio_hl7_build_set_str(b, 10000, 1, 1, 1, "x", &err), FOLIO_EINVAL);
    assert_int_equal(folio_hl7_build_set_str(b, 3, 1, 1, 1, "first", &err), FOLIO_OK);
    assert_int_equal(folio_hl7_build_set_str(b, 3, 1, 1, 1, "second", &err), FOLIO_OK);
    assert_int_equal(folio_hl7_build_set_str(b, 4, 2, 1, 1, "r2", &err), FOLIO_OK);
    assert_int_equal(folio_hl7_build_finish(b, &out, &err), FOLIO_OK);
    assert_string_equal(out.data, "MSH|^~\\&|second|~r2\r");
    /* segments without values (regression: qsort of no entries, found by fuzzing) */
    assert_int_equal(folio_hl7_build_segment(b, "NTE", &err), FOLIO_OK);
    folio_buf_reset(&out);
    assert_int_equal(folio_hl7_build_finish(b, &out, &err), FOLIO_OK);
    assert_string_equal(out.data, "MSH|^~\\&|second|~r2\rNTE\r");
    assert_int_equal(folio_hl7_build_set_str(b, 5, 1, 1, 1,
                                             "a value far too long for a 64 byte cap, really "
                                             "far too long, longer than sixty-four bytes",
                                             &err),
                     FOLIO_ETOOBIG);
    folio_hl7_builder_free(b);
    folio_buf_release(&out);
}

static void test_ack(void **state)
{
    (void)state;
    struct folio_hl7_msg *m = parse_ok(ADT), *ack = NULL;
    struct folio_arena a = {0};
    struct folio_err err = {0};
    struct folio_buf out;
    struct folio_hl7_ack_error errs[2];
    struct folio_hl7_ack_opts o = {0};
    struct folio_hl7_ref ref;

    memset(errs, 0, sizeof(errs));
    assert_int_equal(folio_hl7_path(m, "PID-3.4.2", &ref, &err), FOLIO_OK);
    folio_hl7_loc_of(m, &ref, &errs[0].loc);
    errs[0].code = FOLIO_HL7_E_TABLE_VALUE;
    errs[0].user_msg = "Unknown assigning authority: 1.2.3 | ^";
    errs[1].code = FOLIO_HL7_E_INTERNAL;
    errs[1].severity = 'W';
    errs[1].diagnostic = "retry later";
    o.code = "AE";
    o.control_id = "ACK0001";
    o.datetime = "20240305140710";
    o.text = "see ERR";
    o.errors = errs;
    o.n_errors = 2;

    folio_buf_init(&out, 0);
    assert_int_equal(folio_hl7_ack(m, &o, &out, &err), FOLIO_OK);
    assert_int_equal(folio_hl7_parse(out.data, out.len, NULL, &ack, NULL, &err), FOLIO_OK);
    assert_string_equal(val(ack, "MSH-3", &a), "FOLIO");
    assert_string_equal(val(ack, "MSH-4", &a), "HIM");
    assert_string_equal(val(ack, "MSH-5", &a), "REG");
    assert_true(raw_is(ack, "MSH-6", "HOSP^1.2.3^ISO"));
    assert_true(raw_is(ack, "MSH-9", "ACK^A01^ACK"));
    assert_string_equal(folio_hl7_msh(ack)->control_id, "ACK0001");
    assert_string_equal(folio_hl7_msh(ack)->version, "2.5.1");
    assert_string_equal(folio_hl7_msh(ack)->processing_id, "P");
    assert_string_equal(folio_hl7_msh(ack)->charset, "UNICODE UTF-8");
    assert_string_equal(val(ack, "MSA-1", &a), "AE");
    assert_string_equal(val(ack, "MSA-2", &a), "CTL123");
    assert_string_equal(val(ack, "MSA-3", &a), "see ERR");
    assert_true(raw_is(ack, "ERR-2", "PID^1^3^^4^2"));
    assert_true(raw_is(ack, "ERR-3", "103^Table value not found^HL70357"));
    assert_string_equal(val(ack, "ERR-4", &a), "E");
    assert_string_equal(val(ack, "ERR-8", &a), "Unknown assigning authority: 1.2.3 | ^");
    assert_int_equal(pres(ack, "ERR(2)-2"), FOLIO_HL7_EMPTY);
    assert_string_equal(val(ack, "ERR(2)-3.1", &a), "207");
    assert_string_equal(val(ack, "ERR(2)-4", &a), "W");
    assert_string_equal(val(ack, "ERR(2)-7", &a), "retry later");
    folio_hl7_free(ack);
    ack = NULL;
    folio_hl7_free(m);

    /* v2.3: ERR-1 (ELD), no MSH-9.3; enhanced mode codes */
    m = parse_ok("MSH|^~\\&|LAB|L|HIS|H|2024||ORU^R01|77|T|2.3\rOBX|1|NM|X||abc\r");
    folio_buf_reset(&out);
    errs[0].loc = (struct folio_hl7_loc){"OBX", 1, 1, 5, 0, 0, 0};
    errs[0].code = FOLIO_HL7_E_DATA_TYPE;
    o.code = "CE";
    o.n_errors = 1;
    o.accept_ack = "NE";
    o.app_ack = "NE";
    assert_int_equal(folio_hl7_ack(m, &o, &out, &err), FOLIO_OK);
    assert_int_equal(folio_hl7_parse(out.data, out.len, NULL, &ack, NULL, &err), FOLIO_OK);
    assert_true(raw_is(ack, "MSH-9", "ACK^R01"));
    assert_true(raw_is(ack, "ERR-1", "OBX^1^5^102&Data type error&HL70357"));
    assert_string_equal(folio_hl7_msh(ack)->accept_ack, "NE");
    assert_string_equal(val(ack, "MSA-1", &a), "CE");
    folio_hl7_free(ack);

    o.code = "XX";
    assert_int_equal(folio_hl7_ack(m, &o, &out, &err), FOLIO_EINVAL);
    o.code = "AA";
    o.control_id = NULL;
    assert_int_equal(folio_hl7_ack(m, &o, &out, &err), FOLIO_EINVAL);
    folio_hl7_free(m);
    folio_buf_release(&out);
    folio_arena_release(&a);
}

static void test_tree(void **state)
{
    (void)state;
    struct folio_hl7_msg *m = parse_ok(ADT);
    struct folio_err err = {0};
    json_t *t = NULL, *segs, *pid, *f, *reps;
    size_t i;
    assert_int_equal(folio_hl7_tree(m, &t, &err), FOLIO_OK);
    assert_string_equal(json_string_value(json_object_get(t, "type")), "ADT^A01");
    assert_string_equal(json_string_value(json_object_get(t, "version")), "2.5.1");
    assert_string_equal(json_string_value(json_object_get(t, "delimiters")), "|^~\\&");
    segs = json_object_get(t, "segments");
    assert_int_equal(json_array_size(segs), 7);
    pid = json_array_get(segs, 2);
    assert_string_equal(json_string_value(json_object_get(pid, "id")), "PID");
    f = NULL;
    for (i = 0; i < json_array_size(json_object_get(pid, "fields")); i++) {
        json_t *x = json_array_get(json_object_get(pid, "fields"), i);
        if (strcmp(json_string_value(json_object_get(x, "pos")), "PID-5") == 0)
            f = x;
    }
    assert_non_null(f);
    assert_string_equal(json_string_value(json_object_get(f, "name")), "Patient Name");
    reps = json_object_get(f, "reps");
    assert_int_equal(json_array_size(reps), 2);
    assert_string_equal(
        json_string_value(json_object_get(
            json_array_get(json_object_get(json_array_get(reps, 1), "components"), 1), "pos")),
        "PID-5[2].2");
    assert_string_equal(folio_hl7_field_name("OBX", 5), "Observation Value");
    assert_string_equal(folio_hl7_field_name("MSH", 10), "Message Control ID");
    assert_null(folio_hl7_field_name("ZPI", 1));
    assert_null(folio_hl7_field_name("PID", 99));
    json_decref(t);
    folio_hl7_free(m);

    /* Latin-1 bytes from \X..\ still give valid JSON */
    m = parse_ok("MSH|^~\\&|A|B|C|D|2024||ORU^R01|1|P|2.5|||||8859/1\rNTE|1||M\\XFC\\ller\r");
    assert_int_equal(folio_hl7_tree(m, &t, &err), FOLIO_OK);
    {
        struct folio_buf b;
        folio_buf_init(&b, 0);
        assert_int_equal(folio_json_dump(t, &b), FOLIO_OK);
        assert_non_null(strstr(b.data, "M\xC3\xBCller"));
        folio_buf_release(&b);
    }
    json_decref(t);
    folio_hl7_free(m);

    /* a hostile field of 300,000 subcomponents: the tree stops at its node budget, linearly */
    {
        struct folio_buf b;
        size_t k;
        folio_buf_init(&b, 0);
        assert_int_equal(folio_buf_append_str(&b, "MSH|^~\\&|A\rNTE|1||"), FOLIO_OK);
        for (k = 0; k < 300000; k++)
            assert_int_equal(folio_buf_append_ch(&b, '&'), FOLIO_OK);
        assert_int_equal(folio_hl7_parse(b.data, b.len, NULL, &m, NULL, &err), FOLIO_OK);
        assert_int_equal(folio_hl7_sub_count(m, 1, 3, 1, 1), 300001);
        assert_int_equal(folio_hl7_tree(m, &t, &err), FOLIO_OK);
        assert_true(json_is_true(json_object_get(t, "truncated")));
        json_decref(t);
        folio_hl7_free(m);
        folio_buf_release(&b);
    }
}

/* The field of the first line, split naively: the test's independent reading of MSH. */
static void naive_msh_field(const char *data, size_t len, unsigned field, unsigned comp, char *out,
                            size_t cap)
{
    size_t i = 0, o = 0;
    unsigned f = 1, c = 1;
    if (len >= 3 && (unsigned char)data[0] == 0xEF)
        i = 3;
    i += 3;
    for (; i < len && data[i] != '\r' && data[i] != '\n'; i++) {
        if (data[i] == '|') {
            f++;
            c = 1;
            continue;
        }
        if (f > 2 && data[i] == '^') {
            c++;
            continue;
        }
        if (f == field && c == comp && o + 1 < cap)
            out[o++] = data[i];
    }
    out[o] = '\0';
}

static void test_samples(void **state)
{
    (void)state;
    const char *dir = folio_test_shared_path("corpora/hl7v2/samples");
    char dirpath[1024];
    DIR *d;
    struct dirent *e;
    size_t count = 0;
    if (!dir) {
        print_message("../shared/data/corpora/hl7v2/samples is absent (set FOLIO_SHARED): "
                      "skipping the sample corpus test\n");
        skip();
    }
    folio_strlcpy(dirpath, dir, sizeof(dirpath));
    d = opendir(dirpath);
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        char path[1400], want[128];
        struct folio_buf b;
        struct folio_err err = {0};
        struct folio_hl7_msg *m = NULL, *ack = NULL;
        struct folio_hl7_loc loc;
        struct folio_buf out;
        json_t *tree = NULL;
        struct folio_hl7_ack_opts o = {0};
        size_t i, n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".hl7") != 0)
            continue;
        folio_snprintf(path, sizeof(path), "%s/%s", dirpath, e->d_name);
        folio_buf_init(&b, 0);
        folio_buf_init(&out, 0);
        assert_int_equal(folio_buf_read_file(&b, path, &err), FOLIO_OK);
        for (i = 0; i < b.len; i++)
            if (b.data[i] == '\n')
                b.data[i] = '\r';
        if (folio_hl7_parse(b.data, b.len, NULL, &m, &loc, &err))
            fail_msg("%s: %s", e->d_name, err.msg);
        naive_msh_field(b.data, b.len, 9, 1, want, sizeof(want));
        assert_string_equal(folio_hl7_msh(m)->msg_type, want);
        naive_msh_field(b.data, b.len, 9, 2, want, sizeof(want));
        assert_string_equal(folio_hl7_msh(m)->trigger, want);
        naive_msh_field(b.data, b.len, 10, 1, want, sizeof(want));
        assert_string_equal(folio_hl7_msh(m)->control_id, want);
        assert_true(want[0] != '\0');
        naive_msh_field(b.data, b.len, 12, 1, want, sizeof(want));
        assert_string_equal(folio_hl7_msh(m)->version, want);
        assert_true(strncmp(want, "2.", 2) == 0);
        assert_true(folio_hl7_segment_count(m) >= 2);
        assert_int_equal(folio_hl7_tree(m, &tree, &err), FOLIO_OK);
        json_decref(tree);
        o.code = "AA";
        o.control_id = "A1";
        o.datetime = "20240101000000";
        assert_int_equal(folio_hl7_ack(m, &o, &out, &err), FOLIO_OK);
        assert_int_equal(folio_hl7_parse(out.data, out.len, NULL, &ack, NULL, &err), FOLIO_OK);
        assert_string_equal(folio_hl7_msh(ack)->trigger, folio_hl7_msh(m)->trigger);
        folio_hl7_free(ack);
        folio_hl7_free(m);
        folio_buf_release(&b);
        folio_buf_release(&out);
        count++;
    }
    closedir(d);
    assert_int_equal(count, 139);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_access),
        cmocka_unit_test(test_presence),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_custom_delimiters),
        cmocka_unit_test(test_line_ends_and_bom),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_builder_errors),
        cmocka_unit_test(test_ack),
        cmocka_unit_test(test_tree),
        cmocka_unit_test(test_samples),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
