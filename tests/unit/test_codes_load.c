/* Code-set loading (folio/codes.h) on the backend under test: small hand-made release files
 * (April update semantics, bad files refused naming the line, idempotence, index, ANWEB text,
 * CPT CSV, a valid-code list without titles), and the real releases in ../shared when present
 * (counts, notes, reload no-op). */
#include "folio/base.h"
#include "folio/codes.h"
#include "testdb.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <unistd.h>

struct fx {
    struct folio_store *s;
    char dir[64];
    struct folio_arena a;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->s = folio_test_store_open();
    (void)folio_snprintf(f->dir, sizeof f->dir, "/tmp/folio_codes_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    folio_arena_init(&f->a, 0);
    *state = f;
    return 0;
}

static void rm_file(const struct fx *f, const char *name)
{
    char path[256];
    (void)folio_snprintf(path, sizeof path, "%s/%s", f->dir, name);
    unlink(path);
}

static const char *const tmp_names[] = {
    "icd10cm_order_2030.txt", "icd10cm-order-April-2030.txt", "cut_2030.txt", "wrong_2030.txt",
    "icd10cm_tabular_2030.xml", "icd10cm_index_2030.xml", "anweb_2030.txt", "cpt_2030.csv",
    "valid_fy2030.txt", "copy_icd10cm_order_2030.txt", "bad_tabular_2030.xml",
    "badflag_2030.txt"};

static int teardown(void **state)
{
    struct fx *f = *state;
    size_t i;
    for (i = 0; i < FOLIO_ARRAY_LEN(tmp_names); i++)
        rm_file(f, tmp_names[i]);
    rmdir(f->dir);
    folio_arena_release(&f->a);
    folio_test_store_close(f->s);
    free(f);
    return 0;
}

static const char *write_file(struct fx *f, const char *name, const char *text)
{
    static char path[256];
    FILE *fp;
    (void)folio_snprintf(path, sizeof path, "%s/%s", f->dir, name);
    fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    return path;
}

/* One order-file line: 5-digit order, code padded to 7, flag, short title padded to 60, long. */
static void order_line(struct folio_buf *b, int order, const char *code, int flag,
                       const char *title)
{
    assert_int_equal(folio_buf_appendf(b, "%05d %-7s %d %-60.60s %s\r\n", order, code, flag, title,
                                       title),
                     FOLIO_OK);
}

static const char *october(struct fx *f, const char *name)
{
    struct folio_buf b;
    const char *p;
    folio_buf_init(&b, 0);
    order_line(&b, 1, "E11", 0, "Type 2 diabetes mellitus");
    order_line(&b, 2, "E119", 1, "Type 2 diabetes mellitus without complications");
    order_line(&b, 3, "U07", 0, "Emergency use of U07");
    order_line(&b, 4, "U071", 1, "COVID-19");
    p = write_file(f, name, b.data);
    folio_buf_release(&b);
    return p;
}

static const char *april(struct fx *f)
{
    struct folio_buf b;
    const char *p;
    folio_buf_init(&b, 0);
    order_line(&b, 1, "E11", 0, "Type 2 diabetes mellitus");
    order_line(&b, 2, "E119", 1, "Type 2 diabetes mellitus without complications");
    order_line(&b, 3, "U07", 0, "Emergency use of U07");
    order_line(&b, 4, "U071", 1, "COVID-19");
    order_line(&b, 5, "U072", 1, "COVID-19, virus not identified");
    p = write_file(f, "icd10cm-order-April-2030.txt", b.data);
    folio_buf_release(&b);
    return p;
}

static int64_t count(struct fx *f, const char *sql)
{
    int64_t n = -1;
    bool found = false;
    struct folio_err err = {0};
    assert_int_equal(folio_store_query_i64(f->s, sql, NULL, 0, &n, &found, &err), FOLIO_OK);
    return n;
}

static void load_ok(struct fx *f, enum folio_codes_load_kind k, const char *path,
                    struct folio_codes_load_result *res)
{
    struct folio_codes_load_opts o = {.kind = k, .path = path, .loaded_by = "test"};
    struct folio_err err = {0};
    enum folio_rc rc = folio_codes_load(f->s, &o, res, &err);
    if (rc)
        fail_msg("load %s: %s", path, err.msg);
}

static void test_april_update(void **state)
{
    struct fx *f = *state;
    struct folio_codes_load_result r1, r2, r3;
    struct folio_code *c = NULL;
    struct folio_err err = {0};
    struct folio_codeset_version *vs = NULL;
    size_t n = 0;

    load_ok(f, FOLIO_LOAD_ICD10CM_ORDER, october(f, "icd10cm_order_2030.txt"), &r1);
    assert_false(r1.already_loaded);
    assert_false(r1.is_update);
    assert_string_equal(r1.version.effective_from, "2029-10-01");
    assert_string_equal(r1.version.effective_to, "2030-09-30");
    assert_int_equal(r1.n_added, 4);
    assert_int_equal(r1.version.n_billable, 2);

    load_ok(f, FOLIO_LOAD_ICD10CM_ORDER, april(f), &r2);
    assert_false(r2.already_loaded);
    assert_true(r2.is_update);
    assert_int_equal(r2.version.update_of, r1.version.id);
    assert_string_equal(r2.version.effective_from, "2030-04-01");
    assert_string_equal(r2.version.effective_to, "2030-09-30");
    assert_int_equal(r2.n_added, 1);
    assert_int_equal(r2.n_changed, 0);
    assert_int_equal(r2.n_unchanged, 4);

    /* the new code exists from April 1 only; the October codes keep their whole period */
    assert_int_equal(folio_codes_get(f->s, FOLIO_CS_ICD10CM, "U07.2", "2030-03-31", &f->a, &c, &err),
                     FOLIO_ENOTFOUND);
    assert_int_equal(folio_codes_get(f->s, FOLIO_CS_ICD10CM, "U07.2", "2030-04-01", &f->a, &c, &err),
                     FOLIO_OK);
    assert_string_equal(c->title, "COVID-19, virus not identified");
    assert_string_equal(c->parent, "U07");
    assert_int_equal(folio_codes_get(f->s, FOLIO_CS_ICD10CM, "e11.9", "2030-06-01", &f->a, &c, &err),
                     FOLIO_OK);
    assert_string_equal(c->effective_from, "2029-10-01");
    assert_true(c->billable);
    assert_int_equal(folio_codes_get(f->s, FOLIO_CS_ICD10CM, "E11", "2030-06-01", &f->a, &c, &err),
                     FOLIO_OK);
    assert_false(c->billable);
    assert_int_equal(c->kind, FOLIO_CODE_CATEGORY);

    /* both versions are in force in May, the update first */
    assert_int_equal(folio_codes_versions_in_force(f->s, FOLIO_CS_ICD10CM, "2030-05-01", &f->a,
                                                   &vs, &n, &err),
                     FOLIO_OK);
    assert_int_equal(n, 2);
    assert_int_equal(vs[0].id, r2.version.id);
    assert_int_equal(folio_codes_versions_in_force(f->s, FOLIO_CS_ICD10CM, "2031-05-01", &f->a,
                                                   &vs, &n, &err),
                     FOLIO_ENOTFOUND);

    /* loading either again changes nothing */
    load_ok(f, FOLIO_LOAD_ICD10CM_ORDER, april(f), &r3);
    assert_true(r3.already_loaded);
    assert_int_equal(r3.version.id, r2.version.id);
    load_ok(f, FOLIO_LOAD_ICD10CM_ORDER, october(f, "copy_icd10cm_order_2030.txt"), &r3);
    assert_true(r3.already_loaded); /* same bytes under another name */
    assert_int_equal(count(f, "SELECT COUNT(*) FROM code_set_version"), 2);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM code"), 5);
}

static void expect_refused(struct fx *f, enum folio_codes_load_kind k, const char *path,
                           const char *where)
{
    struct folio_codes_load_opts o = {.kind = k, .path = path};
    struct folio_codes_load_result res;
    struct folio_err err = {0};
    enum folio_rc rc = folio_codes_load(f->s, &o, &res, &err);
    assert_int_equal(rc, FOLIO_EPARSE);
    if (!strstr(err.msg, where))
        fail_msg("expected \"%s\" in: %s", where, err.msg);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM code_set_version"), 0);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM code"), 0);
}

static void test_bad_files(void **state)
{
    struct fx *f = *state;
    struct folio_buf b;
    folio_buf_init(&b, 0);
    order_line(&b, 1, "E11", 0, "Type 2 diabetes mellitus");
    order_line(&b, 2, "E119", 1, "Type 2 diabetes mellitus without complications");
    order_line(&b, 3, "U07", 0, "Emergency use of U07");
    b.data[b.len - 30] = '\0'; /* cut inside line 3 */
    expect_refused(f, FOLIO_LOAD_ICD10CM_ORDER, write_file(f, "cut_2030.txt", b.data),
                   "cut_2030.txt:3");
    folio_buf_reset(&b);
    order_line(&b, 1, "E11", 0, "Type 2 diabetes mellitus");
    order_line(&b, 2, "E119", 7, "Type 2 diabetes mellitus without complications");
    expect_refused(f, FOLIO_LOAD_ICD10CM_ORDER, write_file(f, "badflag_2030.txt", b.data),
                   "badflag_2030.txt:2: column 15");
    folio_buf_release(&b);
    expect_refused(f, FOLIO_LOAD_ICD10CM_ORDER,
                   write_file(f, "wrong_2030.txt", "<?xml version=\"1.0\"?>\n<ICD10CM.tabular/>\n"),
                   "wrong_2030.txt:1");
    expect_refused(f, FOLIO_LOAD_ICD10CM_TABULAR,
                   write_file(f, "bad_tabular_2030.xml",
                              "<?xml version=\"1.0\"?>\n<ICD10CM.tabular>\n<version>2030</version>\n"
                              "<chapter><name>4</name><desc>Endocrine</desc>\n"
                              "<section id=\"E08-E13\"><desc>Diabetes</desc>\n<diag><name>E11</name>"),
                   "bad_tabular_2030.xml:6");
    expect_refused(f, FOLIO_LOAD_ICD10PCS_TABLES,
                   write_file(f, "icd10cm_tabular_2030.xml",
                              "<?xml version=\"1.0\"?>\n<ICD10CM.tabular><version>2030</version>"
                              "</ICD10CM.tabular>\n"),
                   "not <ICD10PCS.tabular>");
}

static void test_tabular_and_index(void **state)
{
    struct fx *f = *state;
    struct folio_codes_load_result r;
    struct folio_code *c = NULL;
    struct folio_code_note *notes = NULL;
    struct folio_err err = {0};
    size_t n = 0, i;
    bool ex1 = false, s7 = false;
    int64_t cnt;

    load_ok(f, FOLIO_LOAD_ICD10CM_ORDER, october(f, "icd10cm_order_2030.txt"), &r);
    load_ok(f, FOLIO_LOAD_ICD10CM_TABULAR,
            write_file(f, "icd10cm_tabular_2030.xml",
                       "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<ICD10CM.tabular>\n"
                       "<version>2030</version>\n<chapter><name>4</name><desc>Endocrine</desc>\n"
                       "<excludes1><note>transitory disorders of newborn (P70-P74)</note></excludes1>\n"
                       "<section id=\"E08-E13\"><desc>Diabetes mellitus (E08-E13)</desc>\n"
                       "<diag><name>E11</name><desc>Type 2 diabetes mellitus</desc>\n"
                       "<excludes1><note>gestational diabetes (O24.4-)</note></excludes1>\n"
                       "<useAdditionalCode><note>insulin (Z79.4)</note></useAdditionalCode>\n"
                       "<sevenChrDef><extension char=\"A\">initial</extension></sevenChrDef>\n"
                       "<diag><name>E11.9</name><desc>Type 2 diabetes mellitus without "
                       "complications</desc><inclusionTerm><note>Type 2 diabetes NOS</note>"
                       "</inclusionTerm></diag>\n"
                       "</diag></section></chapter></ICD10CM.tabular>\n"),
            &r);
    assert_true(r.version.n_notes >= 4);
    assert_int_equal(folio_codes_get(f->s, FOLIO_CS_ICD10CM, "E11.9", "2030-01-01", &f->a, &c, &err),
                     FOLIO_OK);
    assert_int_equal(folio_codes_notes(f->s, c, true, &f->a, &notes, &n, &err), FOLIO_OK);
    for (i = 0; i < n; i++) {
        if (notes[i].type == FOLIO_NOTE_EXCLUDES1 && !strcmp(notes[i].from_code, "E11")) {
            ex1 = true;
            assert_int_equal(notes[i].n_refs, 1);
            assert_string_equal(notes[i].refs[0], "O244");
        }
        if (notes[i].type == FOLIO_NOTE_SEVEN_CHR_DEF)
            s7 = !strcmp(notes[i].extension, "A");
    }
    assert_true(ex1);
    assert_true(s7);
    assert_int_equal(notes[0].type, FOLIO_NOTE_INCLUSION_TERM); /* its own first */

    load_ok(f, FOLIO_LOAD_ICD10CM_INDEX,
            write_file(f, "icd10cm_index_2030.xml",
                       "<?xml version=\"1.0\"?>\n<ICD10CM.index><version>2030</version>\n"
                       "<letter><title>D</title>\n<mainTerm><title>Diabetes</title><code>E11.9"
                       "</code>\n<term level=\"1\"><title>type 2</title><code>E11.9</code></term>"
                       "\n</mainTerm>\n<mainTerm><title>Dyscalculia</title><see>Disorder, "
                       "learning</see></mainTerm></letter></ICD10CM.index>\n"),
            &r);
    assert_int_equal(r.version.n_records, 3);
    cnt = count(f, "SELECT COUNT(*) FROM code_index_term WHERE term = 'Diabetes, type 2' AND "
                   "code = 'E119'");
    assert_int_equal(cnt, 1);
}

static void test_hcpcs_cpt_valid(void **state)
{
    struct fx *f = *state;
    struct folio_codes_load_result r;
    struct folio_code *c = NULL;
    struct folio_err err = {0};
    char l1[400], l2[400], l3[400], all[1400];
    /* fixed-width ANWEB: HCPC 1-5, SEQNUM 6-10, RECID 11, long 12-91, short 92-119, ADD DT
     * 269-276, ACT EFF DT 277-284, TERM DT 285-292, ACTION CD 293 */
    (void)folio_snprintf(l1, sizeof l1, "%-5s%05d%c%-80s%-28s%149s%-8s%-8s%-8s%c", "J1100", 10, '3',
                         "Injection, dexamethasone sodium phosphate, 1 mg",
                         "Dexamethasone sodium phos", "", "20300101", "20300101", "", 'N');
    (void)folio_snprintf(l2, sizeof l2, "%-5s%05d%c%-80s%-28s%149s%-8s%-8s%-8s%c", "   AD", 10, '7',
                         "Medical supervision by a physician: more than four concurrent",
                         "Md supervision, >4 anes proc", "", "19840101", "20300401", "", 'N');
    (void)folio_snprintf(l3, sizeof l3, "%-5s%05d%c%-80s", "   AD", 20, '8', "anesthesia procedures");
    (void)folio_snprintf(all, sizeof all, "Disclaimer text.\r\n\r\n%s\r\n%s\r\n%s\r\n", l1, l2, l3);
    load_ok(f, FOLIO_LOAD_HCPCS, write_file(f, "anweb_2030.txt", all), &r);
    assert_string_equal(r.version.effective_from, "2030-04-01"); /* the release's quarter */
    assert_int_equal(r.n_added, 2);
    assert_int_equal(folio_codes_get(f->s, FOLIO_CS_HCPCS, "AD", "2030-05-01", &f->a, &c, &err),
                     FOLIO_OK);
    assert_string_equal(c->title, "Medical supervision by a physician: more than four concurrent "
                                  "anesthesia procedures");
    assert_int_equal(c->kind, FOLIO_CODE_MODIFIER);

    load_ok(f, FOLIO_LOAD_CPT,
            write_file(f, "cpt_2030.csv",
                       "code,short_title,long_title\n99213,Office visit est,\"Office or other "
                       "outpatient visit, established patient (customer text)\"\n"),
            &r);
    assert_int_equal(r.n_added, 1);
    assert_int_equal(folio_codes_get(f->s, FOLIO_CS_CPT, "99213", "2030-06-01", &f->a, &c, &err),
                     FOLIO_OK);

    load_ok(f, FOLIO_LOAD_ICD10CM_VALID, write_file(f, "valid_fy2030.txt", "A000\nE119\n"), &r);
    assert_int_equal(r.n_added, 2);
    assert_int_equal(folio_codes_get(f->s, FOLIO_CS_ICD10CM, "A00.0", NULL, &f->a, &c, &err),
                     FOLIO_OK);
    assert_null(c->title);
    assert_string_equal(folio_code_display_title(c), "(no title in the loaded code set)");
}

/* ---- the real releases in ../shared ---- */

static void test_shared_releases(void **state)
{
    struct fx *f = *state;
    const char *order = folio_test_shared_path("codesets/icd10cm/fy2021/icd10cm-order-Jan-2021.txt");
    struct folio_codes_load_result r;
    struct folio_code *c = NULL;
    struct folio_code_note *notes = NULL;
    struct folio_err err = {0};
    char p1[512], p2[512], p3[512];
    size_t n = 0, i;
    bool ok;

    if (!order) {
        print_message("skipped: ../shared/data/codesets is absent (set FOLIO_SHARED)\n");
        skip();
    }
    folio_strlcpy(p1, order, sizeof p1);
    folio_strlcpy(p2, folio_test_shared_path("codesets/icd10cm/fy2021/icd10cm_tabular_2021.xml"),
                  sizeof p2);
    folio_strlcpy(p3, folio_test_shared_path("codesets/icd10pcs/icd10pcs_tables_2026.xml"),
                  sizeof p3);

    load_ok(f, FOLIO_LOAD_ICD10CM_ORDER, p1, &r);
    assert_int_equal(r.version.n_records, 95358);
    assert_int_equal(r.version.n_billable, 72621);
    assert_int_equal(r.version.fiscal_year, 2021);
    load_ok(f, FOLIO_LOAD_ICD10CM_TABULAR, p2, &r);
    load_ok(f, FOLIO_LOAD_ICD10PCS_TABLES, p3, &r);
    assert_int_equal(r.version.n_billable, 79115);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM code WHERE code_system = 'icd10pcs' AND "
                              "billable = 1"),
                     79115);

    /* E11 excludes1; O34 code first; inherited by E11.9 */
    assert_int_equal(folio_codes_get(f->s, FOLIO_CS_ICD10CM, "E11.9", "2021-03-01", &f->a, &c, &err),
                     FOLIO_OK);
    assert_int_equal(folio_codes_notes(f->s, c, true, &f->a, &notes, &n, &err), FOLIO_OK);
    for (ok = false, i = 0; i < n; i++)
        ok |= notes[i].type == FOLIO_NOTE_EXCLUDES1 && !strcmp(notes[i].from_code, "E11") &&
              strstr(notes[i].text, "O24.4") != NULL;
    assert_true(ok);
    assert_int_equal(folio_codes_get(f->s, FOLIO_CS_ICD10CM, "O34", "2021-03-01", &f->a, &c, &err),
                     FOLIO_OK);
    assert_int_equal(folio_codes_notes(f->s, c, false, &f->a, &notes, &n, &err), FOLIO_OK);
    for (ok = false, i = 0; i < n; i++)
        ok |= notes[i].type == FOLIO_NOTE_CODE_FIRST && strstr(notes[i].text, "O65.5") != NULL;
    assert_true(ok);

    /* reload: nothing changes */
    i = (size_t)count(f, "SELECT COUNT(*) FROM code");
    load_ok(f, FOLIO_LOAD_ICD10CM_ORDER, p1, &r);
    assert_true(r.already_loaded);
    load_ok(f, FOLIO_LOAD_ICD10CM_TABULAR, p2, &r);
    assert_true(r.already_loaded);
    load_ok(f, FOLIO_LOAD_ICD10PCS_TABLES, p3, &r);
    assert_true(r.already_loaded);
    assert_int_equal((size_t)count(f, "SELECT COUNT(*) FROM code"), i);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM code_set_version"), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_april_update, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tabular_and_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hcpcs_cpt_valid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_releases, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
