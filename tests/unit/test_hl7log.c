/* Tests of the HL7 message log (include/folio/hl7log.h) on the backend under test: duplicates
 * answered with the original ACK and applied once, AE/AR paths, replay, resolve, retention,
 * enhanced acknowledgement mode, broken frames. */
#include "folio/base.h"

#include <setjmp.h>
#include <cmocka.h>

#include "folio/crypto.h"
#include "folio/hl7log.h"
#include "folio/records.h"
#include "folio/store.h"
#include "testdb.h"

struct fx {
    struct folio_store *store;
    struct folio_key key;
    struct folio_chart chart;
    struct folio_arena arena;
    struct folio_err err;
    char msg[4096];
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct folio_err err = {0};

    assert_non_null(f);
    assert_int_equal(folio_crypto_init(&err), FOLIO_OK);
    f->store = folio_test_store_open();
    memset(f->key.k, 7, sizeof f->key.k);
    f->chart = (struct folio_chart){f->store, &f->key, NULL};
    folio_arena_init(&f->arena, 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    folio_arena_release(&f->arena);
    folio_test_store_close(f->store);
    free(f);
    return 0;
}

#define OK(call)                                                                                   \
    do {                                                                                           \
        enum folio_rc rc_ = (call);                                                                \
        if (rc_ != FOLIO_OK)                                                                       \
            fail_msg("%s -> %s: %s [%s]", #call, folio_rc_name(rc_), f->err.msg, f->err.field);    \
    } while (0)

/* An ADT message (v2.5.1): event ev, control id ctl, visit number visit; birth date dob;
 * msh15/msh16 the acknowledgement modes ("" = original mode). */
static const char *adt(struct fx *f, const char *type, const char *ev, const char *ctl,
                       const char *visit, const char *dob, const char *msh15, const char *msh16)
{
    (void)folio_snprintf(
        f->msg, sizeof(f->msg),
        "MSH|^~\\&|SEND|FAC|FOLIO|HOSP|20240305120000||%s^%s^ADT_A01|%s|P|2.5.1|||%s|%s\r"
        "EVN|%s|20240305120000\r"
        "PID|1||MRN123^^^FAC^MR||Doe^Jane||%s|F\r"
        "PV1|1|I|W1^101^A||||||||||||||||%s^^^FAC^VN|||||||||||||||||||||||||20240305110000\r",
        type, ev, ctl, msh15, msh16, ev, dob, visit);
    return f->msg;
}

static enum folio_rc receive(struct fx *f, const char *msg, const char *frame_error,
                             struct folio_hl7_receipt *r)
{
    struct folio_hl7_inbound in;
    enum folio_rc rc;

    memset(&in, 0, sizeof(in));
    in.raw = msg;
    in.len = strlen(msg);
    in.connection_id = 1;
    in.peer = "127.0.0.1:1";
    in.frame_error = frame_error;
    rc = folio_store_begin(f->store, &f->err);
    if (rc)
        return rc;
    rc = folio_hl7log_receive(&f->chart, &in, &f->arena, r, &f->err);
    if (rc) {
        folio_store_rollback(f->store);
        return rc;
    }
    return folio_store_commit(f->store, &f->err);
}

static int64_t count(struct fx *f, const char *sql)
{
    int64_t n = -1;
    bool found = false;
    OK(folio_store_query_i64(f->store, sql, NULL, 0, &n, &found, &f->err));
    return n;
}

static void test_dedup_original_ack(void **state)
{
    struct fx *f = *state;
    struct folio_hl7_receipt r1, r2;
    struct folio_hl7log_msg m;
    char *ack1;

    OK(receive(f, adt(f, "ADT", "A01", "C1", "V1", "19610412", "", ""), NULL, &r1));
    assert_string_equal(r1.ack_code, "AA");
    assert_string_equal(r1.status, "applied");
    assert_string_equal(r1.sent_code, "AA");
    assert_non_null(strstr(r1.ack, "MSA|AA|C1"));
    assert_int_equal(count(f, "SELECT COUNT(*) FROM patient"), 1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM encounter"), 1);
    ack1 = strdup(r1.ack);

    /* the same MSH-10 from the same sender, even with other content: the stored ACK, byte for
     * byte, and nothing applied */
    OK(receive(f, adt(f, "ADT", "A01", "C1", "V2", "19610412", "", ""), NULL, &r2));
    assert_true(r2.duplicate);
    assert_string_equal(r2.status, "duplicate");
    assert_string_equal(r2.ack, ack1);
    assert_int_equal(r2.ack_len, r1.ack_len);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM encounter"), 1);
    OK(folio_hl7log_get(f->store, r2.log_id, &f->arena, &m, &f->err));
    assert_int_equal(m.duplicate_of, r1.log_id);
    assert_string_equal(m.status, "duplicate");

    /* another sender with the same MSH-10 is another message */
    OK(receive(f,
               "MSH|^~\\&|OTHER|FAC|FOLIO|HOSP|20240305120000||ADT^A01^ADT_A01|C1|P|2.5.1\r"
               "EVN|A01|20240305120000\r"
               "PID|1||MRN999^^^FAC^MR||Roe^Rick||19700101|M\r",
               NULL, &r2));
    assert_false(r2.duplicate);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM hl7_messages"), 3);
    /* every receipt is audited */
    assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log WHERE action = 'interface.receive'"),
                     3);
    free(ack1);
}

static void test_ae_ar(void **state)
{
    struct fx *f = *state;
    struct folio_hl7_receipt r;
    struct folio_hl7log_msg m;
    struct folio_hl7log_counts c;
    struct folio_hl7log_page pg;
    struct folio_hl7log_query q;

    /* content error: AE with an ERR naming PID-7, nothing applied */
    OK(receive(f, adt(f, "ADT", "A01", "C2", "V1", "19611312", "", ""), NULL, &r));
    assert_string_equal(r.ack_code, "AE");
    assert_string_equal(r.status, "error");
    assert_non_null(strstr(r.ack, "ERR|"));
    assert_non_null(strstr(r.ack, "PID^1^7"));
    assert_int_equal(count(f, "SELECT COUNT(*) FROM patient"), 0);
    OK(folio_hl7log_get(f->store, r.log_id, &f->arena, &m, &f->err));
    assert_true(m.n_errors_detail >= 1);
    assert_string_equal(m.errors[0].code, "102");
    assert_true(strncmp(m.errors[0].location, "PID-7", 5) == 0);
    assert_int_equal(m.raw_len,
                     (int64_t)strlen(adt(f, "ADT", "A01", "C2", "V1", "19611312", "", "")));
    assert_memory_equal(m.raw, f->msg, strlen(f->msg));

    /* unsupported type: AR */
    OK(receive(f, adt(f, "ZZZ", "Z01", "C3", "V1", "19610412", "", ""), NULL, &r));
    assert_string_equal(r.ack_code, "AR");
    assert_string_equal(r.status, "rejected");
    assert_non_null(strstr(r.ack, "|200^"));

    /* no MSH at all: AR with a minimal MSH, still logged */
    OK(receive(f, "this is not HL7", NULL, &r));
    assert_string_equal(r.ack_code, "AR");
    assert_true(strncmp(r.ack, "MSH|^~\\&|FOLIO|", 15) == 0);
    assert_non_null(strstr(r.ack, "MSA|AR"));

    /* a body that does not parse (bad segment id) under a good MSH: AE with what was read */
    OK(receive(f, "MSH|^~\\&|SEND|FAC|FOLIO|HOSP|20240305120000||ADT^A01|C4|P|2.5.1\rp!d|1\r", NULL,
               &r));
    assert_string_equal(r.ack_code, "AE");
    assert_non_null(strstr(r.ack, "MSA|AE|C4"));

    OK(folio_hl7log_count(f->store, &c, &f->err));
    assert_int_equal(c.total, 4);
    assert_int_equal(c.open_errors, 4);
    memset(&q, 0, sizeof(q));
    q.errors_only = true;
    OK(folio_hl7log_list(f->store, &q, &f->arena, &pg, &f->err));
    assert_int_equal(pg.total, 4);
    q.type = "ADT";
    OK(folio_hl7log_list(f->store, &q, &f->arena, &pg, &f->err));
    assert_int_equal(pg.total, 2);
    q.type = "ZZZ^Z01";
    OK(folio_hl7log_list(f->store, &q, &f->arena, &pg, &f->err));
    assert_int_equal(pg.total, 1);
    q.type = "bad type!";
    assert_int_equal(folio_hl7log_list(f->store, &q, &f->arena, &pg, &f->err), FOLIO_EINVAL);
}

static void test_replay_resolve(void **state)
{
    struct fx *f = *state;
    struct folio_hl7_receipt r, a01, rp;
    struct folio_hl7log_msg m;
    int64_t cancel_id;

    /* a cancel for a visit nobody has admitted yet: AE (204) */
    OK(receive(f, adt(f, "ADT", "A11", "C11", "V9", "19610412", "", ""), NULL, &r));
    assert_string_equal(r.ack_code, "AE");
    cancel_id = r.log_id;
    /* replaying it now changes nothing: still AE, still in the queue */
    OK(folio_hl7log_replay(&f->chart, cancel_id, &f->arena, &rp, &f->err));
    assert_string_equal(rp.ack_code, "AE");
    OK(folio_hl7log_get(f->store, cancel_id, &f->arena, &m, &f->err));
    assert_null(m.resolved_at);
    /* the admit arrives; the replay now applies, and resolves the original */
    OK(receive(f, adt(f, "ADT", "A01", "C12", "V9", "19610412", "", ""), NULL, &a01));
    assert_string_equal(a01.ack_code, "AA");
    OK(folio_hl7log_replay(&f->chart, cancel_id, &f->arena, &rp, &f->err));
    assert_string_equal(rp.ack_code, "AA");
    OK(folio_hl7log_get(f->store, rp.log_id, &f->arena, &m, &f->err));
    assert_int_equal(m.replay_of, cancel_id);
    assert_string_equal(m.kind, "replay");
    OK(folio_hl7log_get(f->store, cancel_id, &f->arena, &m, &f->err));
    assert_int_equal(m.resolved_by, rp.log_id);
    assert_non_null(m.resolved_at);
    /* a repeat of the cancel now answers with the ACK that resolved it (AA), applies nothing */
    OK(receive(f, adt(f, "ADT", "A11", "C11", "V9", "19610412", "", ""), NULL, &r));
    assert_true(r.duplicate);
    assert_string_equal(r.ack_code, "AA");
    /* applied messages cannot be replayed; unknown ids are not found */
    assert_int_equal(folio_hl7log_replay(&f->chart, a01.log_id, &f->arena, &rp, &f->err),
                     FOLIO_ESTATE);
    assert_int_equal(folio_hl7log_replay(&f->chart, 9999, &f->arena, &rp, &f->err),
                     FOLIO_ENOTFOUND);
    /* resolve by hand */
    OK(receive(f, adt(f, "ZZZ", "Z01", "C13", "V9", "19610412", "", ""), NULL, &r));
    assert_int_equal(folio_hl7log_resolve(&f->chart, r.log_id, "", &f->err), FOLIO_EINVAL);
    OK(folio_hl7log_resolve(&f->chart, r.log_id, "sender fixed its configuration", &f->err));
    assert_int_equal(folio_hl7log_resolve(&f->chart, r.log_id, "again", &f->err), FOLIO_ESTATE);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM hl7_messages WHERE status IN ('error', "
                              "'rejected') AND resolved_at IS NULL AND kind = 'received'"),
                     0);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log WHERE action IN ('interface.replay', "
                              "'interface.resolve')"),
                     3);
}

static void test_prune_keeps_open_errors(void **state)
{
    struct fx *f = *state;
    struct folio_hl7_receipt r;
    int64_t deleted = -1;

    OK(receive(f, adt(f, "ADT", "A01", "P1", "V1", "19610412", "", ""), NULL, &r));
    OK(receive(f, adt(f, "ADT", "A01", "P1", "V1", "19610412", "", ""), NULL, &r)); /* dup */
    OK(receive(f, adt(f, "ADT", "A01", "P2", "V2", "19611312", "", ""), NULL, &r)); /* AE */
    OK(folio_hl7log_prune(f->store, "2000-01-01", &deleted, &f->err));
    assert_int_equal(deleted, 0);
    OK(folio_hl7log_prune(f->store, "9999-01-01", &deleted, &f->err));
    assert_int_equal(deleted, 2);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM hl7_messages WHERE status = 'error'"), 1);
    assert_int_equal(folio_hl7log_prune(f->store, "yesterday", &deleted, &f->err), FOLIO_EINVAL);
}

static void test_enhanced_mode(void **state)
{
    struct fx *f = *state;
    struct folio_hl7_receipt r;

    /* MSH-15 AL, MSH-16 NE: the accept ACK, CA */
    OK(receive(f, adt(f, "ADT", "A01", "E1", "V1", "19610412", "AL", "NE"), NULL, &r));
    assert_non_null(strstr(r.ack, "MSA|CA|E1"));
    assert_string_equal(r.sent_code, "CA");
    assert_string_equal(r.ack_code, "AA");
    /* AL/AL: the application ACK */
    OK(receive(f, adt(f, "ADT", "A01", "E2", "V1", "19610412", "AL", "AL"), NULL, &r));
    assert_non_null(strstr(r.ack, "MSA|AA|E2"));
    /* NE/ER with a content error: the application ACK AE with its ERR */
    OK(receive(f, adt(f, "ADT", "A01", "E3", "V1", "19611312", "NE", "ER"), NULL, &r));
    assert_non_null(strstr(r.ack, "MSA|AE|E3"));
    assert_non_null(strstr(r.ack, "ERR|"));
    /* ER/ER that succeeds: the accept ACK CA (never nothing: the sender may be waiting) */
    OK(receive(f, adt(f, "ADT", "A01", "E4", "V1", "19610412", "ER", "ER"), NULL, &r));
    assert_string_equal(r.sent_code, "CA");
    /* NE/NE: still one answer, CA */
    OK(receive(f, adt(f, "ADT", "A01", "E6", "V1", "19610412", "NE", "NE"), NULL, &r));
    assert_string_equal(r.sent_code, "CA");
    /* unsupported type with AL/NE: CR with the reason */
    OK(receive(f, adt(f, "ZZZ", "Z01", "E5", "V1", "19610412", "AL", "NE"), NULL, &r));
    assert_non_null(strstr(r.ack, "MSA|CR|E5"));
    assert_non_null(strstr(r.ack, "ERR|"));
    /* a repeat gets the same bytes */
    {
        char *first = strdup(r.ack);
        OK(receive(f, adt(f, "ZZZ", "Z01", "E5", "V1", "19610412", "AL", "NE"), NULL, &r));
        assert_true(r.duplicate);
        assert_string_equal(r.ack, first);
        assert_string_equal(r.sent_code, "CR");
        free(first);
    }
}

static void test_frame_error_not_deduplicated(void **state)
{
    struct fx *f = *state;
    struct folio_hl7_receipt r;

    OK(receive(f, adt(f, "ADT", "A01", "F1", "V1", "19610412", "", ""),
               "the message exceeds the size limit", &r));
    assert_string_equal(r.ack_code, "AR");
    assert_non_null(strstr(r.ack, "MSA|AR|F1"));
    assert_int_equal(count(f, "SELECT COUNT(*) FROM patient"), 0);
    /* sent again whole: applied (a transport failure does not answer repeats) */
    OK(receive(f, adt(f, "ADT", "A01", "F1", "V1", "19610412", "", ""), NULL, &r));
    assert_string_equal(r.ack_code, "AA");
    assert_false(r.duplicate);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM patient"), 1);
}

static void test_nak(void **state)
{
    struct fx *f = *state;
    const char *ack = NULL;
    size_t len = 0;

    const char *msg = adt(f, "ADT", "A01", "N1", "V1", "19610412", "", "");

    OK(folio_hl7log_nak(msg, strlen(msg), NULL, &f->arena, &ack, &len, &f->err));
    assert_non_null(strstr(ack, "MSA|AR|N1"));
    assert_non_null(strstr(ack, "|207^"));
    OK(folio_hl7log_nak("junk", 4, "down", &f->arena, &ack, &len, &f->err));
    assert_non_null(strstr(ack, "MSA|AR"));
    assert_int_equal(len, strlen(ack));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dedup_original_ack, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ae_ar, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replay_resolve, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prune_keeps_open_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enhanced_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frame_error_not_deduplicated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nak, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
