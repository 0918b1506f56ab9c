/* Tests of the chart (include/folio/records.h) on the backend under test. */
#include "folio/base.h"

#include <setjmp.h>
#include <cmocka.h>

#include "folio/crypto.h"
#include "folio/records.h"
#include "folio/store.h"
#include "testdb.h"

struct fx {
    struct folio_store *store;
    struct folio_key key;
    struct folio_chart chart;
    struct folio_arena arena;
    struct folio_err err;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    struct folio_err err = {0};
    assert_int_equal(folio_crypto_init(&err), FOLIO_OK);
    f->store = folio_test_store_open();
    memset(f->key.k, 7, sizeof f->key.k);
    f->chart = (struct folio_chart){f->store, &f->key, "tester"};
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

#define EXPECT(code, fld, call)                                                                    \
    do {                                                                                           \
        folio_err_clear(&f->err);                                                                  \
        enum folio_rc rc_ = (call);                                                                \
        if (rc_ != (code))                                                                         \
            fail_msg("%s -> %s (want %s): %s", #call, folio_rc_name(rc_), folio_rc_name(code),   \
                     f->err.msg);                                                                  \
        if ((fld) != NULL)                                                                         \
            assert_string_equal(f->err.field, (const char *)(fld));                                \
    } while (0)

static int64_t mk_patient(struct fx *f, const char *family, const char *given, const char *birth,
                          const char *mrn)
{
    struct folio_identifier ids[] = {{.kind = "MR", .assigner = "MAIN", .value = mrn}};
    struct folio_patient_new p = {
        .name = {.family = family, .given = given},
        .birth_date = birth,
        .sex = "female",
        .ids = ids,
        .n_ids = mrn ? 1 : 0,
    };
    int64_t id = 0;
    OK(folio_patient_create(&f->chart, &p, &id, &f->err));
    assert_true(id > 0);
    return id;
}

static void test_patient_create_get(void **state)
{
    struct fx *f = *state;
    struct folio_identifier ids[] = {
        {.kind = "MR", .assigner = "MAIN", .value = "M0001"},
        {.kind = "ss", .value = "123-45-6789"},
        {.kind = "PI", .assigner = "synthea", .value = "b0a4-11"},
    };
    struct folio_address addr[] = {{.line1 = "1 Rue de l'Église", .city = "Boston", .state = "MA",
                                     .postal_code = "02118", .country = "US"}};
    struct folio_phone ph[] = {{.use = "mobile", .number = "(617) 555-0100"}};
    struct folio_name maiden[] = {{.use = "maiden", .family = "Dubois"}};
    struct folio_patient_new p = {
        .name = {.family = "O'Brien-Zoë", .given = "José", .middle = "María"},
        .birth_date = "1961-04-12",
        .sex = "female",
        .marital_status = "m",
        .email = "jose@example.org",
        .language = "fr",
        .ids = ids,
        .n_ids = 3,
        .addresses = addr,
        .n_addresses = 1,
        .phones = ph,
        .n_phones = 1,
        .other_names = maiden,
        .n_other_names = 1,
    };
    int64_t id = 0;
    OK(folio_patient_create(&f->chart, &p, &id, &f->err));
    struct folio_patient g;
    OK(folio_patient_get(&f->chart, id, &f->arena, &g, &f->err));
    assert_string_equal(g.name.family, "O'Brien-Zoë");
    assert_string_equal(g.name.given, "José");
    assert_string_equal(g.sex, "F");
    assert_string_equal(g.marital_status, "M");
    assert_string_equal(g.birth_date, "1961-04-12");
    assert_int_equal(g.version, 1);
    assert_string_equal(g.status, "active");
    assert_int_equal(g.n_names, 1);
    assert_string_equal(g.names[0].use, "maiden");
    assert_int_equal(g.n_ids, 3);
    assert_string_equal(g.mrn, "M0001");
    bool saw_ss = false;
    for (size_t i = 0; i < g.n_ids; i++)
        if (strcmp(g.ids[i].kind, "SS") == 0) {
            assert_string_equal(g.ids[i].value, "***-**-6789");
            assert_string_equal(g.ids[i].assigner, "SSA");
            saw_ss = true;
        }
    assert_true(saw_ss);
    assert_int_equal(g.n_addresses, 1);
    assert_true(g.addresses[0].current);
    assert_string_equal(g.addresses[0].line1, "1 Rue de l'Église");
    assert_int_equal(g.n_phones, 1);
    assert_string_equal(g.phones[0].number, "6175550100");
    assert_string_equal(g.phones[0].use, "mobile");
    assert_int_equal(g.n_encounters, 0);

    EXPECT(FOLIO_ENOTFOUND, "patient_id", folio_patient_get(&f->chart, id + 100, &f->arena, &g,
                                                            &f->err));
}

static void test_patient_validation(void **state)
{
    struct fx *f = *state;
    struct folio_patient_new p = {.name = {.family = "Doe", .given = "Jane"},
                                  .birth_date = "1961-02-30"};
    int64_t id = 0;
    EXPECT(FOLIO_EINVAL, "birth_date", folio_patient_create(&f->chart, &p, &id, &f->err));
    assert_non_null(strstr(f->err.msg, "1961-02-30"));
    p.birth_date = "1961-04-12T10:00Z";
    EXPECT(FOLIO_EINVAL, "birth_date", folio_patient_create(&f->chart, &p, &id, &f->err));
    p.birth_date = "1961";
    p.sex = "X";
    EXPECT(FOLIO_EINVAL, "sex", folio_patient_create(&f->chart, &p, &id, &f->err));
    assert_non_null(strstr(f->err.msg, "'X'"));
    p.sex = NULL;
    p.marital_status = "Q";
    EXPECT(FOLIO_EINVAL, "marital_status", folio_patient_create(&f->chart, &p, &id, &f->err));
    p.marital_status = NULL;
    p.email = "nobody";
    EXPECT(FOLIO_EINVAL, "email", folio_patient_create(&f->chart, &p, &id, &f->err));
    assert_non_null(strstr(f->err.msg, "nobody"));
    p.email = NULL;
    struct folio_identifier bad_ssn[] = {{.kind = "SS", .value = "123-45-678"}};
    p.ids = bad_ssn;
    p.n_ids = 1;
    EXPECT(FOLIO_EINVAL, "identifiers[0].value", folio_patient_create(&f->chart, &p, &id, &f->err));
    struct folio_identifier bad_ssn2[] = {{.kind = "SS", .value = "123-45-67a9"}};
    p.ids = bad_ssn2;
    EXPECT(FOLIO_EINVAL, "identifiers[0].value", folio_patient_create(&f->chart, &p, &id, &f->err));
    assert_non_null(strstr(f->err.msg, "'a'"));
    struct folio_identifier bad_kind[] = {{.kind = "M1", .assigner = "X", .value = "1"}};
    p.ids = bad_kind;
    EXPECT(FOLIO_EINVAL, "identifiers[0].kind", folio_patient_create(&f->chart, &p, &id, &f->err));
    struct folio_identifier no_fac[] = {{.kind = "MR", .value = "1"}};
    p.ids = no_fac;
    EXPECT(FOLIO_EINVAL, "identifiers[0].assigner",
           folio_patient_create(&f->chart, &p, &id, &f->err));
    p.ids = NULL;
    p.n_ids = 0;
    struct folio_phone bad_phone[] = {{.number = "555-CALL"}};
    p.phones = bad_phone;
    p.n_phones = 1;
    EXPECT(FOLIO_EINVAL, "phones[0].number", folio_patient_create(&f->chart, &p, &id, &f->err));
    assert_non_null(strstr(f->err.msg, "555-CALL"));
    p.phones = NULL;
    p.n_phones = 0;
    p.name = (struct folio_name){.use = "stage"};
    EXPECT(FOLIO_EINVAL, "name.use", folio_patient_create(&f->chart, &p, &id, &f->err));
    p.name = (struct folio_name){0};
    EXPECT(FOLIO_EINVAL, "name.family", folio_patient_create(&f->chart, &p, &id, &f->err));
    /* nothing was stored by the failed attempts */
    struct folio_patient_page pg;
    struct folio_patient_query q = {0};
    OK(folio_patient_search(&f->chart, &q, &f->arena, &pg, &f->err));
    assert_int_equal(pg.total, 0);
}

static void test_identifier_uniqueness(void **state)
{
    struct fx *f = *state;
    int64_t a = mk_patient(f, "Smith", "John", "1970-01-01", "M100");
    struct folio_patient_new p = {.name = {.family = "Smith", .given = "Joan"},
                                  .birth_date = "1971"};
    struct folio_identifier dup[] = {{.kind = "MR", .assigner = "MAIN", .value = " M100 "}};
    p.ids = dup;
    p.n_ids = 1;
    int64_t b = 0;
    EXPECT(FOLIO_ECONFLICT, "identifiers[0].value", folio_patient_create(&f->chart, &p, &b,
                                                                         &f->err));
    /* same value at another facility is fine */
    dup[0].assigner = "NORTH";
    OK(folio_patient_create(&f->chart, &p, &b, &f->err));
    /* SSN duplicates are caught through the blind index */
    struct folio_identifier ss = {.kind = "SS", .value = "987654321"};
    int64_t iid = 0;
    OK(folio_patient_add_identifier(&f->chart, a, &ss, &iid, &f->err));
    ss.value = "987-65-4321";
    EXPECT(FOLIO_ECONFLICT, "identifier.value",
           folio_patient_add_identifier(&f->chart, b, &ss, NULL, &f->err));
    assert_null(strstr(f->err.msg, "987654321")); /* the message shows only the mask */
    assert_null(strstr(f->err.msg, "987-65"));
    /* retiring frees the value for reuse, and is kept as history */
    EXPECT(FOLIO_EINVAL, "reason", folio_patient_retire_identifier(&f->chart, iid, "", &f->err));
    OK(folio_patient_retire_identifier(&f->chart, iid, "entered on wrong chart", &f->err));
    EXPECT(FOLIO_ESTATE, "identifier_id",
           folio_patient_retire_identifier(&f->chart, iid, "again", &f->err));
    OK(folio_patient_add_identifier(&f->chart, b, &ss, NULL, &f->err));
    int64_t who = 0;
    OK(folio_patient_find_by_identifier(&f->chart, "SS", NULL, "987 65 4321", &who, &f->err));
    assert_int_equal(who, b);
    OK(folio_patient_find_by_identifier(&f->chart, "MR", "MAIN", "M100", &who, &f->err));
    assert_int_equal(who, a);
    EXPECT(FOLIO_ENOTFOUND, "value",
           folio_patient_find_by_identifier(&f->chart, "MR", "MAIN", "M999", &who, &f->err));
    struct folio_patient g;
    OK(folio_patient_get(&f->chart, a, &f->arena, &g, &f->err));
    assert_int_equal(g.n_ids, 2);
    assert_false(g.ids[1].active);
}

static void test_ssn_never_plain(void **state)
{
    struct fx *f = *state;
    struct folio_identifier ids[] = {{.kind = "SS", .value = "219-09-9999"}};
    struct folio_patient_new p = {.name = {.family = "Vault", .given = "Val"},
                                  .birth_date = "1980-05-05", .ids = ids, .n_ids = 1};
    int64_t id = 0;
    OK(folio_patient_create(&f->chart, &p, &id, &f->err));
    /* a sender's "ssn" kind (not an HL7 0203 code) is sealed like SS, never stored plain */
    struct folio_identifier ids2[] = {{.kind = "ssn", .value = "219-09-8888"}};
    struct folio_patient_new p2 = {.name = {.family = "Vault", .given = "Vera"},
                                   .birth_date = "1981-05-05", .ids = ids2, .n_ids = 1};
    int64_t id2 = 0;
    OK(folio_patient_create(&f->chart, &p2, &id2, &f->err));

    /* scan every column of every identifier and patient row */
    static const char *const sqls[] = {
        "SELECT CAST(id AS TEXT), CAST(patient_id AS TEXT), kind, assigner, value, value_sealed, "
        "match_key, CAST(active AS TEXT), created_at, created_by, retired_at, retired_by, "
        "retired_reason FROM patient_identifier",
        "SELECT CAST(id AS TEXT), birth_date, sex, deceased_at, language, marital_status, email, "
        "race, ethnicity, status, created_at, created_by, updated_at, updated_by FROM patient",
    };
    int rows = 0;
    for (size_t s = 0; s < 2; s++) {
        struct folio_stmt *st = NULL;
        bool row = false;
        OK(folio_store_prepare(f->store, sqls[s], &st, &f->err));
        while (folio_stmt_step(st, &row, &f->err) == FOLIO_OK && row) {
            rows++;
            for (int i = 0; i < folio_stmt_column_count(st); i++) {
                const char *v = folio_stmt_column_text(st, i);
                if (!v)
                    continue;
                assert_null(strstr(v, "219099999"));
                assert_null(strstr(v, "219-09-9999"));
                assert_null(strstr(v, "21909"));
                assert_null(strstr(v, "219088888"));
                assert_null(strstr(v, "219-09-8888"));
            }
        }
        folio_stmt_free(st);
    }
    assert_int_equal(rows, 4);

    const char *ssn = NULL;
    OK(folio_patient_ssn_reveal(&f->chart, id, &f->arena, &ssn, &f->err));
    assert_string_equal(ssn, "219-09-9999");

    struct folio_key wrong;
    memset(wrong.k, 8, sizeof wrong.k);
    struct folio_chart bad = {f->store, &wrong, "tester"};
    EXPECT(FOLIO_ECRYPTO, NULL, folio_patient_ssn_reveal(&bad, id, &f->arena, &ssn, &f->err));
    struct folio_chart nokey = {f->store, NULL, "tester"};
    EXPECT(FOLIO_ECRYPTO, NULL, folio_patient_ssn_reveal(&nokey, id, &f->arena, &ssn, &f->err));
    EXPECT(FOLIO_ECRYPTO, "identifiers[0].value",
           folio_patient_create(&nokey, &p, &id, &f->err));
    /* search by SSN uses the blind index; the wrong key finds nothing */
    struct folio_patient_page pg;
    struct folio_patient_query q = {.identifier = "219099999"};
    OK(folio_patient_search(&f->chart, &q, &f->arena, &pg, &f->err));
    assert_int_equal(pg.total, 1);
    OK(folio_patient_search(&bad, &q, &f->arena, &pg, &f->err));
    assert_int_equal(pg.total, 0);
    int64_t other = mk_patient(f, "Nossn", "Ned", "1990", NULL);
    EXPECT(FOLIO_ENOTFOUND, "patient_id",
           folio_patient_ssn_reveal(&f->chart, other, &f->arena, &ssn, &f->err));
}

static void test_patient_search(void **state)
{
    struct fx *f = *state;
    int64_t smith = mk_patient(f, "Smith", "John", "1961-04-12", "A1");
    int64_t smythe = mk_patient(f, "Smythe", "Johanna", "1961-07-01", "A2");
    int64_t obrien = mk_patient(f, "O'Brien", "Seán", "1975-01-01", "A3");
    int64_t jones = mk_patient(f, "Smith-Jones", "Ann", "1990-01-01", "A4");
    int64_t muller = mk_patient(f, "Müller", "Jürgen", "1950-03-03", "A5");
    struct folio_patient_page pg;
    struct folio_patient_query q = {.name = "smith"};
    OK(folio_patient_search(&f->chart, &q, &f->arena, &pg, &f->err));
    assert_int_equal(pg.total, 2);
    assert_int_equal(pg.items[0].id, smith);
    assert_int_equal(pg.items[1].id, jones);
    assert_string_equal(pg.items[0].mrn, "A1");

    q = (struct folio_patient_query){.name = "Smith, Jo"};
    OK(folio_patient_search(&f->chart, &q, &f->arena, &pg, &f->err));
    assert_int_equal(pg.total, 1);
    assert_int_equal(pg.items[0].id, smith);

    q = (struct folio_patient_query){.name = "joh sm"};
    OK(folio_patient_search(&f->chart, &q, &f->arena, &pg, &f->err));
    assert_int_equal(pg.total, 2);

    q = (struct folio_patient_query){.name = "o'bri"};
    OK(folio_patient_search(&f->chart, &q, &f->arena, &pg, &f->err));
    assert_int_equal(pg.total, 1);
    assert_int_equal(pg.items[0].id, obrien);
    q = (struct folio_patient_query){.name = "SEAN"};
    OK(folio_patient_search(&f->chart, &q, &f->arena, &pg, &f->err));
    assert_int_equal(pg.total, 1);
    q = (struct folio_patient_query){.name = "MÜLLER"};
    OK(folio_patient_search(&f->chart, &q, &f->arena, &pg, &f->err));
    assert_int_equal(pg.total, 1);
    assert_int_equal(pg.items[0].id, muller);
    assert_string_equal(pg.items[0].family, "Müller");
    q = (struct folio_patient_query){.name = "mull"};
    OK(folio_patient_search(&f->chart, &q, &f->arena, &pg, &f->err));
    assert_int_equal(pg.total, 1);
    /* LIKE metacharacters are literal */
    q = (struct folio_patient_query){.name = "%"};
    OK(folio_patient_search(&f->chart, &q, &f->arena, &pg, &f->err));
    assert_int_equal(pg.total, 0);

    q = (struct folio_patient_query){.birth_date = "1961"};
    OK(folio_patient_search(&f->chart, &q, &f->arena, &pg, &f->err));
    assert_int_equal(pg.total, 2);
    q = (struct folio_patient_query){.birth_date = "1961-07-01"};
    OK(folio_patient_search(&f->chart, &q, &f->arena, &pg, &f->err));
    assert_int_equal(pg.total, 1);
    assert_int_equal(pg.items[0].id, smythe);
    q = (struct folio_patient_query){.birth_date = "1961-13"};
    EXPECT(FOLIO_EINVAL, "birth_date", folio_patient_search(&f->chart, &q, &f->arena, &pg,
                                                            &f->err));

    q = (struct folio_patient_query){.identifier = "A4"};
    OK(folio_patient_search(&f->chart, &q, &f->arena, &pg, &f->err));
    assert_int_equal(pg.total, 1);
    assert_int_equal(pg.items[0].id, jones);

    /* list all with paging */
    q = (struct folio_patient_query){.limit = 2, .offset = 0};
    OK(folio_patient_search(&f->chart, &q, &f->arena, &pg, &f->err));
    assert_int_equal(pg.total, 5);
    assert_int_equal(pg.n, 2);
    q.offset = 4;
    OK(folio_patient_search(&f->chart, &q, &f->arena, &pg, &f->err));
    assert_int_equal(pg.n, 1);
}

static void test_patient_update_history(void **state)
{
    struct fx *f = *state;
    int64_t id = mk_patient(f, "Miller", "Anna", "1980-01-01", "U1");
    struct folio_name newname = {.family = "Kowalski", .given = "Anna"};
    struct folio_address addr = {.line1 = "5 Elm St", .city = "Salem"};
    struct folio_patient_update u = {.name = &newname, .address = &addr, .expected_version = 1,
                                     .email = "anna@example.org"};
    int64_t v = 0;
    OK(folio_patient_update(&f->chart, id, &u, &v, &f->err));
    assert_int_equal(v, 2);
    struct folio_address addr2 = {.line1 = "9 Oak St", .city = "Lynn"};
    u = (struct folio_patient_update){.address = &addr2, .expected_version = 2};
    OK(folio_patient_update(&f->chart, id, &u, &v, &f->err));
    assert_int_equal(v, 3);
    /* stale version */
    u = (struct folio_patient_update){.language = "pl", .expected_version = 2};
    EXPECT(FOLIO_ECONFLICT, "version", folio_patient_update(&f->chart, id, &u, &v, &f->err));
    u = (struct folio_patient_update){.sex = "nope"};
    EXPECT(FOLIO_EINVAL, "sex", folio_patient_update(&f->chart, id, &u, &v, &f->err));

    struct folio_patient g;
    OK(folio_patient_get(&f->chart, id, &f->arena, &g, &f->err));
    assert_int_equal(g.version, 3);
    assert_null(g.language);
    assert_string_equal(g.email, "anna@example.org");
    assert_string_equal(g.name.family, "Kowalski");
    assert_int_equal(g.n_names, 1);
    assert_string_equal(g.names[0].family, "Miller");
    assert_false(g.names[0].current);
    assert_non_null(g.names[0].valid_to);
    assert_int_equal(g.n_addresses, 2);
    assert_true(g.addresses[0].current);
    assert_string_equal(g.addresses[0].line1, "9 Oak St");
    assert_false(g.addresses[1].current);
    /* old names still find the chart */
    struct folio_patient_page pg;
    struct folio_patient_query q = {.name = "miller"};
    OK(folio_patient_search(&f->chart, &q, &f->arena, &pg, &f->err));
    assert_int_equal(pg.total, 1);
    assert_string_equal(pg.items[0].family, "Kowalski");
}

static int64_t mk_facility(struct fx *f, const char *code)
{
    int64_t id = 0, again = 0;
    OK(folio_facility_ensure(&f->chart, code, "Main Hospital", &id, &f->err));
    OK(folio_facility_ensure(&f->chart, code, "ignored", &again, &f->err));
    assert_int_equal(id, again);
    return id;
}

static void test_encounter_lifecycle(void **state)
{
    struct fx *f = *state;
    int64_t pid = mk_patient(f, "Patel", "Ravi", "1955-09-09", "E1");
    mk_facility(f, "MAIN");
    struct folio_facility fac;
    OK(folio_facility_get(&f->chart, "MAIN", &f->arena, &fac, &f->err));
    assert_string_equal(fac.name, "Main Hospital");

    struct folio_provider pr = {.npi = "1234567893", .family = "House", .given = "Greg",
                                .credentials = "MD"};
    int64_t doc = 0;
    OK(folio_provider_create(&f->chart, &pr, &doc, &f->err));
    EXPECT(FOLIO_ECONFLICT, "npi", folio_provider_create(&f->chart, &pr, NULL, &f->err));
    pr.npi = "1234567890";
    EXPECT(FOLIO_EINVAL, "npi", folio_provider_create(&f->chart, &pr, NULL, &f->err));
    assert_non_null(strstr(f->err.msg, "1234567890"));
    int64_t found = 0;
    OK(folio_provider_find_npi(&f->chart, "1234567893", &found, &f->err));
    assert_int_equal(found, doc);

    struct folio_encounter_new e = {.patient_id = pid, .facility_code = "MAIN",
                                    .account_number = "ACC1", .enc_class = "inpatient",
                                    .admit_at = "2024-03-05T08:00-05:00", .admit_type = "1",
                                    .admit_source = "2", .location = "4W^412^B",
                                    .ext_system = "synthea", .ext_id = "enc-1"};
    int64_t eid = 0;
    OK(folio_encounter_create(&f->chart, &e, &eid, &f->err));
    EXPECT(FOLIO_ECONFLICT, "account_number", folio_encounter_create(&f->chart, &e, NULL, &f->err));
    int64_t ext = 0;
    OK(folio_records_find_ext(&f->chart, FOLIO_EXT_ENCOUNTER, "synthea", "enc-1", &ext, &f->err));
    assert_int_equal(ext, eid);
    EXPECT(FOLIO_ENOTFOUND, "ext_id",
           folio_records_find_ext(&f->chart, FOLIO_EXT_ENCOUNTER, "synthea", "enc-2", &ext,
                                  &f->err));

    /* validation */
    struct folio_encounter_new bad = e;
    bad.account_number = "ACC2";
    bad.ext_id = "enc-x";
    bad.disposition = "08";
    EXPECT(FOLIO_EINVAL, "disposition", folio_encounter_create(&f->chart, &bad, NULL, &f->err));
    assert_non_null(strstr(f->err.msg, "08"));
    bad.disposition = NULL;
    bad.discharge_at = "2024-03-04T08:00Z";
    EXPECT(FOLIO_EINVAL, "discharge_at", folio_encounter_create(&f->chart, &bad, NULL, &f->err));
    bad.discharge_at = NULL;
    bad.enc_class = "ambulance";
    EXPECT(FOLIO_EINVAL, "class", folio_encounter_create(&f->chart, &bad, NULL, &f->err));
    bad.enc_class = NULL;
    bad.source_class = "wellness";
    bad.admit_type = "7";
    EXPECT(FOLIO_EINVAL, "admit_type", folio_encounter_create(&f->chart, &bad, NULL, &f->err));
    bad.admit_type = NULL;
    bad.facility_code = "NOPE";
    EXPECT(FOLIO_ENOTFOUND, "facility_code",
           folio_encounter_create(&f->chart, &bad, NULL, &f->err));
    bad.facility_code = "MAIN";
    int64_t e2 = 0;
    OK(folio_encounter_create(&f->chart, &bad, &e2, &f->err));

    /* bed history */
    OK(folio_encounter_transfer(&f->chart, eid, "ICU^2^A", "2024-03-06T10:00Z", &f->err));
    EXPECT(FOLIO_EINVAL, "at",
           folio_encounter_transfer(&f->chart, eid, "5E^1^A", "2024-03-06T09:00Z", &f->err));
    OK(folio_encounter_transfer(&f->chart, eid, "4W^415^A", "2024-03-07T10:00Z", &f->err));
    EXPECT(FOLIO_EINVAL, "role",
           folio_encounter_add_provider(&f->chart, eid, doc, "surgeon", NULL, NULL, &f->err));
    OK(folio_encounter_add_provider(&f->chart, eid, doc, "attending", NULL, NULL, &f->err));
    EXPECT(FOLIO_ENOTFOUND, "provider_id",
           folio_encounter_add_provider(&f->chart, eid, doc + 99, "attending", NULL, NULL,
                                        &f->err));

    /* discharge */
    EXPECT(FOLIO_EINVAL, "discharge_at",
           folio_encounter_discharge(&f->chart, eid, "2024-03-01T00:00Z", "01", &f->err));
    EXPECT(FOLIO_EINVAL, "disposition",
           folio_encounter_discharge(&f->chart, eid, "2024-03-09T12:00Z", "99", &f->err));
    OK(folio_encounter_discharge(&f->chart, eid, "2024-03-09T12:00Z", "6", &f->err));
    EXPECT(FOLIO_ESTATE, "status",
           folio_encounter_discharge(&f->chart, eid, "2024-03-10T12:00Z", "01", &f->err));
    EXPECT(FOLIO_ESTATE, "status",
           folio_encounter_transfer(&f->chart, eid, "X", NULL, &f->err));

    struct folio_encounter g;
    OK(folio_encounter_get(&f->chart, eid, &f->arena, &g, &f->err));
    assert_string_equal(g.status, "discharged");
    assert_string_equal(g.admit_at, "2024-03-05T13:00Z");
    assert_string_equal(g.discharge_at, "2024-03-09T12:00Z");
    assert_string_equal(g.disposition, "06");
    assert_non_null(g.disposition_title);
    assert_int_equal(g.n_locations, 3);
    assert_string_equal(g.locations[0].location, "4W^412^B");
    assert_string_equal(g.locations[0].to_at, "2024-03-06T10:00Z");
    assert_string_equal(g.locations[1].location, "ICU^2^A");
    assert_string_equal(g.locations[2].to_at, "2024-03-09T12:00Z");
    assert_null(g.location);
    assert_int_equal(g.n_providers, 1);
    assert_string_equal(g.providers[0].role, "attending");
    assert_string_equal(g.providers[0].family, "House");
    assert_int_equal(g.version, 5);

    struct folio_encounter_page page;
    OK(folio_encounter_list(&f->chart, pid, 10, 0, &f->arena, &page, &f->err));
    assert_int_equal(page.total, 2);
    assert_int_equal(page.n, 2);
    struct folio_encounter g2;
    OK(folio_encounter_get(&f->chart, e2, &f->arena, &g2, &f->err));
    assert_string_equal(g2.enc_class, "outpatient");
    assert_string_equal(g2.source_class, "wellness");

    OK(folio_encounter_cancel(&f->chart, e2, "registered twice", &f->err));
    EXPECT(FOLIO_ESTATE, "status", folio_encounter_cancel(&f->chart, e2, "again", &f->err));
    struct folio_patient pt;
    OK(folio_patient_get(&f->chart, pid, &f->arena, &pt, &f->err));
    assert_int_equal(pt.n_encounters, 2);
}

static void test_documents(void **state)
{
    struct fx *f = *state;
    int64_t pid = mk_patient(f, "Nguyen", "Lan", "1944-02-02", "D1");
    int64_t other = mk_patient(f, "Other", "Ola", "1944-02-03", "D2");
    mk_facility(f, "MAIN");
    struct folio_encounter_new e = {.patient_id = other, .facility_code = "MAIN",
                                    .enc_class = "outpatient", .admit_at = "2024-01-01"};
    int64_t other_enc = 0;
    OK(folio_encounter_create(&f->chart, &e, &other_enc, &f->err));

    const char *text1 = "Discharge summary v1";
    struct folio_document_new d = {.patient_id = pid, .type_code = "18842-5",
                                   .content = text1, .content_len = strlen(text1),
                                   .service_at = "2024-03-09", .status = "preliminary"};
    int64_t did = 0, v1 = 0, vid = 0;
    OK(folio_document_create(&f->chart, &d, &did, &v1, &f->err));
    /* validation */
    struct folio_document_new bad = d;
    bad.type_code = "99999-9";
    EXPECT(FOLIO_EINVAL, "type_code", folio_document_create(&f->chart, &bad, NULL, NULL, &f->err));
    assert_non_null(strstr(f->err.msg, "99999-9"));
    bad.type_title = "Special note";
    OK(folio_document_create(&f->chart, &bad, NULL, NULL, &f->err));
    bad.encounter_id = other_enc;
    EXPECT(FOLIO_EINVAL, "encounter_id",
           folio_document_create(&f->chart, &bad, NULL, NULL, &f->err));
    bad.encounter_id = 0;
    bad.status = "amended";
    EXPECT(FOLIO_EINVAL, "status", folio_document_create(&f->chart, &bad, NULL, NULL, &f->err));

    /* preliminary: amend is refused, replace and finalize are fine */
    const char *text2 = "Discharge summary v2";
    struct folio_document_change ch = {.kind = FOLIO_DOC_AMEND, .content = text2,
                                       .content_len = strlen(text2), .reason = "typo"};
    EXPECT(FOLIO_ESTATE, "status", folio_document_revise(&f->chart, did, &ch, &vid, &f->err));
    ch = (struct folio_document_change){.kind = FOLIO_DOC_REPLACE, .content = text2,
                                        .content_len = strlen(text2)};
    OK(folio_document_revise(&f->chart, did, &ch, &vid, &f->err));
    ch = (struct folio_document_change){.kind = FOLIO_DOC_FINALIZE, .expected_version_no = 1};
    EXPECT(FOLIO_ECONFLICT, "expected_version_no",
           folio_document_revise(&f->chart, did, &ch, &vid, &f->err));
    ch.expected_version_no = 2;
    OK(folio_document_revise(&f->chart, did, &ch, &vid, &f->err));
    int64_t v3 = vid;
    OK(folio_document_sign(&f->chart, v3, 0, NULL, "author", NULL, NULL, &f->err));
    EXPECT(FOLIO_EINVAL, "role",
           folio_document_sign(&f->chart, v3, 0, NULL, "witness", NULL, NULL, &f->err));

    /* amend twice, then correct; reasons required */
    ch = (struct folio_document_change){.kind = FOLIO_DOC_AMEND, .content = "amended once",
                                        .content_len = 12};
    EXPECT(FOLIO_EINVAL, "reason", folio_document_revise(&f->chart, did, &ch, &vid, &f->err));
    ch.reason = "wrong dose";
    OK(folio_document_revise(&f->chart, did, &ch, &vid, &f->err));
    EXPECT(FOLIO_ESTATE, "version_id",
           folio_document_sign(&f->chart, v3, 0, "dr x", "cosigner", NULL, NULL, &f->err));
    ch = (struct folio_document_change){.kind = FOLIO_DOC_AMEND, .content = "amended twice",
                                        .content_len = 13, .reason = "wrong side"};
    OK(folio_document_revise(&f->chart, did, &ch, &vid, &f->err));
    /* the correction restores v2's text: content is stored once */
    ch = (struct folio_document_change){.kind = FOLIO_DOC_CORRECT, .content = text2,
                                        .content_len = strlen(text2), .reason = "revert"};
    OK(folio_document_revise(&f->chart, did, &ch, &vid, &f->err));
    ch = (struct folio_document_change){.kind = FOLIO_DOC_ENTERED_IN_ERROR};
    EXPECT(FOLIO_EINVAL, "reason", folio_document_revise(&f->chart, did, &ch, &vid, &f->err));
    ch.reason = "wrong patient";
    OK(folio_document_revise(&f->chart, did, &ch, &vid, &f->err));
    EXPECT(FOLIO_ESTATE, "status", folio_document_revise(&f->chart, did, &ch, &vid, &f->err));
    EXPECT(FOLIO_ESTATE, "version_id",
           folio_document_sign(&f->chart, vid, 0, NULL, "author", NULL, NULL, &f->err));

    struct folio_document_version *h = NULL;
    size_t n = 0;
    OK(folio_document_history(&f->chart, did, &f->arena, &h, &n, &f->err));
    assert_int_equal(n, 7);
    static const char *const st[] = {"preliminary", "preliminary", "final", "amended",
                                     "amended",     "corrected",   "entered-in-error"};
    static const char *const kinds[] = {"original",  "replacement", "status-change", "amendment",
                                        "amendment", "correction",  "status-change"};
    static const char *const bodies[] = {"Discharge summary v1", "Discharge summary v2",
                                         "Discharge summary v2", "amended once",
                                         "amended twice",        "Discharge summary v2",
                                         "Discharge summary v2"};
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(h[i].version_no, (int64_t)i + 1);
        assert_string_equal(h[i].status, st[i]);
        assert_string_equal(h[i].change_kind, kinds[i]);
        assert_string_equal(h[i].changed_by, "tester");
        assert_non_null(h[i].changed_at);
        assert_int_equal(h[i].supersedes_id, i ? h[i - 1].id : 0);
        const void *p = NULL;
        size_t len = 0;
        OK(folio_document_content(&f->chart, h[i].id, &f->arena, &p, &len, &f->err));
        assert_int_equal(len, strlen(bodies[i]));
        assert_memory_equal(p, bodies[i], len);
    }
    assert_string_equal(h[3].reason, "wrong dose");
    assert_string_equal(h[4].reason, "wrong side");
    assert_string_equal(h[5].reason, "revert");
    assert_string_equal(h[6].reason, "wrong patient");
    assert_int_equal(h[2].n_signatures, 1);
    assert_string_equal(h[2].signatures[0].signer, "tester");
    assert_string_equal(h[1].content_sha256, h[5].content_sha256);

    /* dedup: 4 distinct bodies; the "Special note" reuses v1's bytes */
    int64_t cnt = 0;
    bool found = false;
    OK(folio_store_query_i64(f->store, "SELECT COUNT(*) FROM content", NULL, 0, &cnt, &found,
                             &f->err));
    assert_int_equal(cnt, 4);

    struct folio_document g;
    OK(folio_document_get(&f->chart, did, &f->arena, &g, &f->err));
    assert_int_equal(g.n_versions, 7);
    assert_string_equal(g.current.status, "entered-in-error");
    assert_string_equal(g.type_title, "Discharge summary");
    struct folio_document_page pg;
    OK(folio_document_list(&f->chart, pid, 0, 10, 0, &f->arena, &pg, &f->err));
    assert_int_equal(pg.total, 2);

    /* binary content round-trips */
    unsigned char bin[] = {0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0x00, 0x01};
    struct folio_document_new scan = {.patient_id = pid, .type_code = "11503-0", .content = bin,
                                      .content_len = sizeof bin, .mime_type = "application/pdf"};
    int64_t sv = 0;
    OK(folio_document_create(&f->chart, &scan, NULL, &sv, &f->err));
    const void *p = NULL;
    size_t len = 0;
    OK(folio_document_content(&f->chart, sv, &f->arena, &p, &len, &f->err));
    assert_int_equal(len, sizeof bin);
    assert_memory_equal(p, bin, sizeof bin);
    scan.mime_type = "pdf";
    EXPECT(FOLIO_EINVAL, "mime_type", folio_document_create(&f->chart, &scan, NULL, NULL, &f->err));
}

static void test_observations(void **state)
{
    struct fx *f = *state;
    int64_t pid = mk_patient(f, "Lab", "Larry", "1960-06-06", "L1");
    struct folio_observation o = {.patient_id = pid, .code = "2345-7", .title = "Glucose",
                                  .value_text = "105.0", .units = "mg/dL", .ref_range = "70-99",
                                  .abnormal_flag = "H", .observed_at = "202403051230-0500",
                                  .ext_system = "lab", .ext_id = "r1"};
    int64_t id1 = 0, id2 = 0;
    OK(folio_observation_create(&f->chart, &o, &id1, &f->err));
    EXPECT(FOLIO_ECONFLICT, "ext_id", folio_observation_create(&f->chart, &o, NULL, &f->err));
    struct folio_observation bad = o;
    bad.ext_id = "r2";
    bad.value_type = "NM";
    bad.value_text = "high";
    EXPECT(FOLIO_EINVAL, "value_text", folio_observation_create(&f->chart, &bad, NULL, &f->err));
    assert_non_null(strstr(f->err.msg, "high"));
    bad.value_text = "5";
    bad.abnormal_flag = "ZZ";
    EXPECT(FOLIO_EINVAL, "abnormal_flag", folio_observation_create(&f->chart, &bad, NULL, &f->err));
    bad.abnormal_flag = NULL;
    bad.status = "Q";
    EXPECT(FOLIO_EINVAL, "status", folio_observation_create(&f->chart, &bad, NULL, &f->err));

    struct folio_observation fix = {.value_text = "95", .units = "mg/dL", .abnormal_flag = "N"};
    EXPECT(FOLIO_EINVAL, "reason",
           folio_observation_correct(&f->chart, id1, &fix, NULL, &id2, &f->err));
    OK(folio_observation_correct(&f->chart, id1, &fix, "specimen mislabeled", &id2, &f->err));
    EXPECT(FOLIO_ESTATE, "observation_id",
           folio_observation_correct(&f->chart, id1, &fix, "again", NULL, &f->err));

    struct folio_observation g;
    OK(folio_observation_get(&f->chart, id1, &f->arena, &g, &f->err));
    assert_int_equal(g.superseded_by, id2);
    assert_string_equal(g.value_text, "105.0");
    assert_true(g.has_numeric);
    assert_string_equal(g.observed_at, "2024-03-05T17:30Z");
    OK(folio_observation_get(&f->chart, id2, &f->arena, &g, &f->err));
    assert_int_equal(g.supersedes_id, id1);
    assert_string_equal(g.status, "C");
    assert_string_equal(g.code, "2345-7");
    assert_string_equal(g.reason, "specimen mislabeled");
    assert_true(g.value_num > 94.9 && g.value_num < 95.1);

    struct folio_observation_page pg;
    OK(folio_observation_list(&f->chart, pid, 0, true, 0, 0, &f->arena, &pg, &f->err));
    assert_int_equal(pg.total, 1);
    assert_int_equal(pg.items[0].id, id2);
    OK(folio_observation_list(&f->chart, pid, 0, false, 0, 0, &f->arena, &pg, &f->err));
    assert_int_equal(pg.total, 2);
    int64_t ext = 0;
    OK(folio_records_find_ext(&f->chart, FOLIO_EXT_OBSERVATION, "lab", "r1", &ext, &f->err));
    assert_int_equal(ext, id1);
}

static void test_conditions_procedures_ext(void **state)
{
    struct fx *f = *state;
    int64_t pid = mk_patient(f, "Cond", "Cora", "1970", NULL);
    struct folio_identifier pi = {.kind = "PI", .assigner = "synthea", .value = "uuid-1"};
    OK(folio_patient_add_identifier(&f->chart, pid, &pi, NULL, &f->err));
    int64_t ext = 0;
    OK(folio_records_find_ext(&f->chart, FOLIO_EXT_PATIENT, "synthea", "uuid-1", &ext, &f->err));
    assert_int_equal(ext, pid);

    struct folio_condition c = {.patient_id = pid, .code_system = "http://snomed.info/sct",
                                .code = "44054006", .display = "Diabetes", .onset = "2010-05-01",
                                .ext_system = "synthea", .ext_id = "c1"};
    int64_t cid = 0;
    OK(folio_condition_create(&f->chart, &c, &cid, &f->err));
    EXPECT(FOLIO_ECONFLICT, "ext_id", folio_condition_create(&f->chart, &c, NULL, &f->err));
    c.ext_id = "c2";
    c.abatement = "2009-01-01";
    EXPECT(FOLIO_EINVAL, "abatement", folio_condition_create(&f->chart, &c, NULL, &f->err));
    OK(folio_records_find_ext(&f->chart, FOLIO_EXT_CONDITION, "synthea", "c1", &ext, &f->err));
    assert_int_equal(ext, cid);
    struct folio_condition *cl = NULL;
    size_t n = 0;
    OK(folio_condition_list(&f->chart, pid, 0, 0, &f->arena, &cl, &n, &f->err));
    assert_int_equal(n, 1);
    assert_string_equal(cl[0].display, "Diabetes");
    assert_string_equal(cl[0].recorded_by, "tester");

    struct folio_procedure_event p = {.patient_id = pid, .code_system = "SNOMED-CT",
                                      .code = "80146002", .performed_start = "2011-01-01T10:00Z",
                                      .performed_end = "2011-01-01T11:00Z",
                                      .ext_system = "synthea", .ext_id = "p1"};
    int64_t prid = 0;
    OK(folio_procedure_create(&f->chart, &p, &prid, &f->err));
    p.code = NULL;
    EXPECT(FOLIO_EINVAL, "code", folio_procedure_create(&f->chart, &p, NULL, &f->err));
    struct folio_procedure_event *pl = NULL;
    OK(folio_procedure_list(&f->chart, pid, 0, 0, &f->arena, &pl, &n, &f->err));
    assert_int_equal(n, 1);
    assert_int_equal(pl[0].id, prid);
    OK(folio_records_find_ext(&f->chart, FOLIO_EXT_PROCEDURE, "synthea", "p1", &ext, &f->err));
    assert_int_equal(ext, prid);

    struct folio_provider pr = {.family = "Ext", .ext_system = "synthea", .ext_id = "prov-1"};
    int64_t prov = 0;
    OK(folio_provider_create(&f->chart, &pr, &prov, &f->err));
    EXPECT(FOLIO_ECONFLICT, "ext_id", folio_provider_create(&f->chart, &pr, NULL, &f->err));
    OK(folio_records_find_ext(&f->chart, FOLIO_EXT_PROVIDER, "synthea", "prov-1", &ext, &f->err));
    assert_int_equal(ext, prov);
}


/* Regressions found in review. */
static void test_review_regressions(void **state)
{
    struct fx *f = *state;
    int64_t id = 0;

    /* phones: at most 20 digits with or without '+' (21 were accepted without it) */
    struct folio_phone ph21[] = {{.number = "123456789012345678901"}};
    struct folio_phone ph20[] = {{.number = "12345678901234567890"}};
    struct folio_phone ph20p[] = {{.number = "+12345678901234567890"}};
    struct folio_patient_new p = {.name = {.family = "Digits"}, .birth_date = "1970"};
    p.phones = ph21;
    p.n_phones = 1;
    EXPECT(FOLIO_EINVAL, "phones[0].number", folio_patient_create(&f->chart, &p, &id, &f->err));
    p.phones = ph20;
    OK(folio_patient_create(&f->chart, &p, &id, &f->err));
    p.phones = ph20p;
    OK(folio_patient_create(&f->chart, &p, &id, &f->err));
    struct folio_patient g;
    OK(folio_patient_get(&f->chart, id, &f->arena, &g, &f->err));
    assert_string_equal(g.phones[0].number, "+12345678901234567890");

    /* text must be UTF-8 on both backends (PostgreSQL failed with a store error, SQLite kept
     * the bytes): Latin-1, a stray continuation byte, an overlong '/', a surrogate, > U+10FFFF,
     * a truncated sequence */
    static const char *const bad[] = {"Jos\xe9",         "a\x80" "b",         "\xc0\xaf",
                                      "\xed\xa0\x80",     "\xf4\x90\x80\x80", "Zo\xc3"};
    p.phones = NULL;
    p.n_phones = 0;
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(bad); i++) {
        p.name.family = bad[i];
        EXPECT(FOLIO_EINVAL, "name.family", folio_patient_create(&f->chart, &p, &id, &f->err));
        assert_non_null(strstr(f->err.msg, "UTF-8"));
    }
    p.name.family = "Zo\xc3\xab \xe2\x82\xac \xf0\x9f\x98\x80"; /* 2, 3 and 4-byte letters */
    OK(folio_patient_create(&f->chart, &p, &id, &f->err));
    struct folio_provider pr = {.family = "Doc", .specialty = "Cardiolog\xed" "a"};
    EXPECT(FOLIO_EINVAL, "specialty", folio_provider_create(&f->chart, &pr, NULL, &f->err));

    /* document external ids are checked like the others (they were not checked at all) */
    char longid[300];
    memset(longid, 'x', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    struct folio_document_new d = {.patient_id = id, .type_code = "11506-3", .content = "n",
                                   .content_len = 1, .ext_system = "s", .ext_id = longid};
    EXPECT(FOLIO_EINVAL, "ext_id", folio_document_create(&f->chart, &d, NULL, NULL, &f->err));
    d.ext_id = "bad\xff";
    EXPECT(FOLIO_EINVAL, "ext_id", folio_document_create(&f->chart, &d, NULL, NULL, &f->err));
    d.ext_id = "doc-1";
    OK(folio_document_create(&f->chart, &d, NULL, NULL, &f->err));

    /* a time whose UTC form leaves 0001-9999 is refused, not stored as "10000-..." */
    OK(folio_facility_ensure(&f->chart, "MAIN", NULL, NULL, &f->err));
    struct folio_encounter_new e = {.patient_id = id, .facility_code = "MAIN",
                                    .enc_class = "inpatient",
                                    .admit_at = "9999-12-31T23:00-05:00"};
    EXPECT(FOLIO_EINVAL, "admit_at", folio_encounter_create(&f->chart, &e, NULL, &f->err));
}

static void test_codes(void **state)
{
    (void)state;
    assert_true(folio_npi_valid("1234567893"));
    assert_false(folio_npi_valid("1234567890"));
    assert_false(folio_npi_valid("123456789"));
    assert_string_equal(folio_sex_normalize("Female"), "F");
    assert_string_equal(folio_sex_normalize("u"), "U");
    assert_null(folio_sex_normalize("x"));
    assert_string_equal(folio_encounter_class_from_source("AMB"), "outpatient");
    assert_string_equal(folio_encounter_class_from_source("urgentcare"), "outpatient");
    assert_null(folio_encounter_class_from_source("spaceship"));
    /* HL7 table 0004: N is "not applicable", B is "obstetrics"; neither is a newborn */
    assert_null(folio_encounter_class_from_source("N"));
    assert_null(folio_encounter_class_from_source("B"));
    assert_string_equal(folio_encounter_class_from_source("newborn"), "newborn");
    assert_string_equal(folio_encounter_class_from_source("E"), "emergency");
    assert_non_null(folio_ub04_disposition_title("95"));
    assert_null(folio_ub04_disposition_title("08"));
    assert_string_equal(folio_loinc_doc_title("11506-3"), "Progress note");
    size_t n = 0;
    assert_non_null(folio_ub04_dispositions(&n));
    assert_int_equal(n, 40);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes),
        cmocka_unit_test_setup_teardown(test_patient_create_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_patient_validation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_identifier_uniqueness, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ssn_never_plain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_patient_search, setup, teardown),
        cmocka_unit_test_setup_teardown(test_patient_update_history, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encounter_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_documents, setup, teardown),
        cmocka_unit_test_setup_teardown(test_observations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conditions_procedures_ext, setup, teardown),
        cmocka_unit_test_setup_teardown(test_review_regressions, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
