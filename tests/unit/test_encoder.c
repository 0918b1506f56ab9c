/* Encoder: ranking (exact code first, code prefix, whole words, prefixes, synonyms, billable
 * before header, 7th characters, inclusion terms), the PCS builder (valid continuations per
 * pcsRow, a complete code, invalid prefixes refused), and the index over the real code sets of
 * ../shared/data/codesets. */
#include "folio/base.h"
#include "folio/encoder.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "testdb.h"

static struct folio_enc_results res;

/* A small hand-made code set. */
static struct folio_encoder *small_encoder(void)
{
    struct folio_encoder *e = NULL;
    struct folio_err err = {0};
    static const struct {
        enum folio_code_system cs;
        const char *code, *title;
        bool billable;
    } codes[] = {
        {FOLIO_CS_ICD10CM, "I50", "Heart failure", false},
        {FOLIO_CS_ICD10CM, "I50.9", "Heart failure, unspecified", true},
        {FOLIO_CS_ICD10CM, "I50.2", "Systolic (congestive) heart failure", false},
        {FOLIO_CS_ICD10CM, "I50.23", "Acute on chronic systolic (congestive) heart failure", true},
        {FOLIO_CS_ICD10CM, "I11.0", "Hypertensive heart disease with heart failure", true},
        {FOLIO_CS_ICD10CM, "E11", "Type 2 diabetes mellitus", false},
        {FOLIO_CS_ICD10CM, "E11.9", "Type 2 diabetes mellitus without complications", true},
        {FOLIO_CS_ICD10CM, "E11.65", "Type 2 diabetes mellitus with hyperglycemia", true},
        {FOLIO_CS_ICD10CM, "E11.6", "Type 2 diabetes mellitus with other specified complications",
         false},
        {FOLIO_CS_ICD10CM, "I21.9", "Acute myocardial infarction, unspecified", true},
        {FOLIO_CS_ICD10CM, "Q02", "Microcephaly", true},
        {FOLIO_CS_ICD10CM, "S52501A",
         "Unspecified fracture of the lower end of right radius, initial encounter for closed "
         "fracture",
         true},
        {FOLIO_CS_ICD10CM, "S52501D",
         "Unspecified fracture of the lower end of right radius, subsequent encounter for closed "
         "fracture with routine healing",
         true},
        {FOLIO_CS_ICD10CM, "R69", NULL, true},
        {FOLIO_CS_ICD10PCS, "0FT44ZZ", "Resection of Gallbladder, Percutaneous Endoscopic Approach",
         true},
        {FOLIO_CS_ICD10PCS, "0FT40ZZ", "Resection of Gallbladder, Open Approach", true},
    };
    assert_int_equal(folio_encoder_new(&e, &err), FOLIO_OK);
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(codes); i++)
        assert_int_equal(folio_encoder_add_code(e, codes[i].cs, codes[i].code, codes[i].title,
                                                codes[i].billable, &err),
                         FOLIO_OK);
    assert_int_equal(folio_encoder_add_term(e, FOLIO_CS_ICD10CM, "I509",
                                            "Congestive heart failure NOS", &err),
                     FOLIO_OK);
    assert_int_equal(folio_encoder_add_term(e, FOLIO_CS_ICD10CM, "X999", "ignored", &err), FOLIO_OK);
    assert_int_equal(folio_encoder_finish(e, &err), FOLIO_OK);
    return e;
}

static void search(struct folio_enc_searcher *s, const char *q)
{
    struct folio_err err = {0};
    assert_int_equal(folio_enc_search(s, q, 0, 20, &res, &err), FOLIO_OK);
}

static size_t rank_of(const char *code)
{
    for (size_t i = 0; i < res.n; i++)
        if (strcmp(res.hits[i].code, code) == 0)
            return i;
    return SIZE_MAX;
}

static void test_code_exact_first(void **state)
{
    (void)state;
    struct folio_err err = {0};
    struct folio_encoder *e = small_encoder();
    struct folio_enc_searcher *s = NULL;
    assert_int_equal(folio_enc_searcher_new(e, &s, &err), FOLIO_OK);
    const char *forms[] = {"E11.9", "E119", "e11.9", " E11.9 "};
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(forms); i++) {
        search(s, forms[i]);
        assert_true(res.n >= 1);
        assert_string_equal(res.hits[0].code, "E119");
        assert_string_equal(res.hits[0].dotted, "E11.9");
        assert_int_equal(res.hits[0].match, FOLIO_ENC_CODE_EXACT);
        assert_true(res.hits[0].billable);
    }
    /* a code prefix: the code itself, then billable codes before headers, shorter first */
    search(s, "E11");
    assert_true(res.n >= 4);
    assert_string_equal(res.hits[0].code, "E11");
    assert_int_equal(res.hits[0].match, FOLIO_ENC_CODE_EXACT);
    assert_string_equal(res.hits[1].code, "E119");
    assert_string_equal(res.hits[2].code, "E1165");
    assert_string_equal(res.hits[3].code, "E116");
    assert_int_equal(res.hits[1].match, FOLIO_ENC_CODE_PREFIX);
    /* PCS */
    search(s, "0ft44");
    assert_string_equal(res.hits[0].code, "0FT44ZZ");
    assert_int_equal(res.hits[0].system, FOLIO_CS_ICD10PCS);
    /* only one system */
    assert_int_equal(folio_enc_search(s, "0FT", FOLIO_ENC_SYS(FOLIO_CS_ICD10CM), 20, &res, &err),
                     FOLIO_OK);
    assert_int_equal(res.n, 0);
    folio_enc_searcher_free(s);
    folio_encoder_free(e);
}

static void test_words_and_billable(void **state)
{
    (void)state;
    struct folio_err err = {0};
    struct folio_encoder *e = small_encoder();
    struct folio_enc_searcher *s = NULL;
    assert_int_equal(folio_enc_searcher_new(e, &s, &err), FOLIO_OK);
    /* the header "Heart failure" has the shorter title; the billable code still comes first */
    search(s, "heart failure");
    assert_true(res.n >= 4);
    assert_string_equal(res.hits[0].code, "I509");
    assert_int_equal(res.hits[0].match, FOLIO_ENC_WORDS);
    assert_true(rank_of("I509") < rank_of("I50"));
    assert_false(res.hits[rank_of("I50")].billable);
    assert_int_equal(res.total, 5);
    /* a word prefix while typing; a whole word ranks above a prefix */
    search(s, "heart fail");
    assert_int_equal(res.hits[0].match, FOLIO_ENC_PREFIX);
    search(s, "diab");
    assert_int_equal(res.n, 4);
    assert_int_equal(res.hits[0].match, FOLIO_ENC_PREFIX);
    assert_true(res.hits[0].billable && res.hits[1].billable); /* E11.65, E11.9 */
    assert_false(res.hits[2].billable || res.hits[3].billable);  /* E11, E11.6 */
    /* stop words in the query are ignored, case too */
    search(s, "Type 2 Diabetes with hyperglycemia");
    assert_string_equal(res.hits[0].code, "E1165");
    /* no hit: every word must match */
    search(s, "heart diabetes");
    assert_int_equal(res.n, 0);
    assert_int_equal(res.total, 0);
    search(s, "");
    assert_int_equal(res.n, 0);
    search(s, "   ");
    assert_int_equal(res.n, 0);
    /* a code without a title is shown with a placeholder */
    search(s, "R69");
    assert_string_equal(res.hits[0].code, "R69");
    assert_non_null(res.hits[0].title);
    assert_true(strlen(res.hits[0].title) > 0);
    /* an over-long query is refused */
    char big[400];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(folio_enc_search(s, big, 0, 20, &res, &err), FOLIO_EINVAL);
    folio_enc_searcher_free(s);
    folio_encoder_free(e);
}

static void test_synonyms_and_terms(void **state)
{
    (void)state;
    struct folio_err err = {0};
    struct folio_encoder *e = small_encoder();
    struct folio_enc_searcher *s = NULL;
    assert_int_equal(folio_enc_searcher_new(e, &s, &err), FOLIO_OK);
    search(s, "chf");
    assert_true(res.n >= 3);
    assert_true(rank_of("I509") != SIZE_MAX);
    assert_true(rank_of("I5023") != SIZE_MAX);
    assert_int_equal(res.hits[0].match, FOLIO_ENC_SYNONYM);
    assert_true(rank_of("E119") == SIZE_MAX);
    /* an abbreviation typed whole ranks above words it is merely a prefix of */
    search(s, "mi");
    assert_string_equal(res.hits[0].code, "I219");
    assert_true(rank_of("Q02") > rank_of("I219"));
    /* "chf exac" -> acute on chronic */
    search(s, "chf exac");
    assert_string_equal(res.hits[0].code, "I5023");
    search(s, "lap chole");
    assert_string_equal(res.hits[0].code, "0FT44ZZ");
    assert_true(rank_of("0FT40ZZ") == SIZE_MAX);
    search(s, "t2dm");
    assert_true(rank_of("E119") != SIZE_MAX);
    /* a hit through an inclusion term names it */
    search(s, "congestive heart failure");
    assert_true(rank_of("I509") != SIZE_MAX);
    /* I50.9's title lacks "congestive": the term matched */
    size_t r = rank_of("I509");
    assert_non_null(res.hits[r].matched_term);
    assert_string_equal(res.hits[r].matched_term, "Congestive heart failure NOS");
    /* the synonym table is well formed and large enough */
    size_t n;
    const struct folio_enc_synonym *tab = folio_enc_synonyms(&n);
    assert_true(n >= 100);
    for (size_t i = 0; i < n; i++) {
        assert_true(strlen(tab[i].key) > 0);
        assert_true(strlen(tab[i].expansion) > 0);
    }
    folio_enc_searcher_free(s);
    folio_encoder_free(e);
}

static void test_seventh_character(void **state)
{
    (void)state;
    struct folio_err err = {0};
    struct folio_encoder *e = small_encoder();
    struct folio_enc_searcher *s = NULL;
    assert_int_equal(folio_enc_searcher_new(e, &s, &err), FOLIO_OK);
    /* words find the stem (made from the extensions), with the 7th characters to choose */
    search(s, "fracture lower end radius");
    assert_int_equal(res.n, 1);
    assert_string_equal(res.hits[0].code, "S52501");
    assert_string_equal(res.hits[0].dotted, "S52.501");
    assert_true(res.hits[0].needs_seventh);
    assert_false(res.hits[0].billable);
    assert_string_equal(res.hits[0].title, "Unspecified fracture of the lower end of right radius");
    assert_int_equal(res.hits[0].n_seventh, 2);
    assert_int_equal(res.hits[0].seventh[0].value, 'A');
    assert_string_equal(res.hits[0].seventh[0].label, "initial encounter for closed fracture");
    assert_int_equal(res.hits[0].seventh[1].value, 'D');
    /* fx -> fracture, r -> right */
    search(s, "fx r radius");
    assert_string_equal(res.hits[0].code, "S52501");
    /* a code typed whole reaches the extension */
    search(s, "S52.501A");
    assert_string_equal(res.hits[0].code, "S52501A");
    assert_true(res.hits[0].billable);
    /* a short code prefix lists the stem, not each extension */
    search(s, "S52");
    assert_int_equal(res.n, 1);
    assert_string_equal(res.hits[0].code, "S52501");
    folio_enc_searcher_free(s);
    folio_encoder_free(e);
}

static void test_build_errors(void **state)
{
    (void)state;
    struct folio_err err = {0};
    struct folio_encoder *e = NULL;
    struct folio_enc_searcher *s = NULL;
    assert_int_equal(folio_encoder_new(&e, &err), FOLIO_OK);
    assert_int_equal(folio_encoder_add_code(e, FOLIO_CS_ICD10CM, "E11-9", "x", true, &err),
                     FOLIO_EINVAL);
    assert_int_equal(folio_encoder_add_code(e, FOLIO_CS_ICD10CM, "E1190000", "x", true, &err),
                     FOLIO_EINVAL);
    assert_int_equal(folio_enc_searcher_new(e, &s, &err), FOLIO_ESTATE);
    assert_int_equal(folio_encoder_finish(e, &err), FOLIO_EINVAL); /* nothing added */
    assert_int_equal(folio_encoder_add_code(e, FOLIO_CS_ICD10CM, "E119", "first", true, &err),
                     FOLIO_OK);
    assert_int_equal(folio_encoder_add_code(e, FOLIO_CS_ICD10CM, "E11.9", "second", true, &err),
                     FOLIO_OK);
    assert_int_equal(folio_encoder_finish(e, &err), FOLIO_OK);
    assert_int_equal(folio_encoder_add_code(e, FOLIO_CS_ICD10CM, "E10", "x", false, &err),
                     FOLIO_ESTATE);
    assert_int_equal(folio_enc_searcher_new(e, &s, &err), FOLIO_OK);
    search(s, "E119");
    assert_int_equal(res.n, 1); /* the second add replaced the first */
    assert_string_equal(res.hits[0].title, "second");
    folio_enc_searcher_free(s);
    folio_encoder_free(e);
    /* a missing order file */
    assert_int_equal(folio_encoder_new(&e, &err), FOLIO_OK);
    assert_int_equal(folio_encoder_add_order_file(e, FOLIO_CS_ICD10CM, "/nonexistent/order.txt",
                                                  &err),
                     FOLIO_ENOTFOUND);
    folio_encoder_free(e);
}

/* ---- PCS builder ---- */

/* Two rows: body part 4 allows approaches 0 and 4; body part 5 only approach 3. */
static const char tiny_tables[] =
    "<?xml version=\"1.0\"?>\n<ICD10PCS.tabular><version>2026</version>\n"
    "<pcsTable>\n"
    " <axis pos=\"1\" values=\"1\"><title>Section</title><label code=\"0\">Medical and "
    "Surgical</label></axis>\n"
    " <axis pos=\"2\" values=\"1\"><title>Body System</title><label code=\"F\">Hepatobiliary "
    "System and Pancreas</label></axis>\n"
    " <axis pos=\"3\" values=\"1\"><title>Operation</title><label code=\"T\">Resection</label>"
    "<definition>Cutting out or off, without replacement, all of a body part</definition></axis>\n"
    " <pcsRow codes=\"2\">\n"
    "  <axis pos=\"4\" values=\"1\"><title>Body Part</title><label code=\"4\">Gallbladder</label></axis>\n"
    "  <axis pos=\"5\" values=\"2\"><title>Approach</title><label code=\"0\">Open</label>"
    "<label code=\"4\">Percutaneous Endoscopic</label></axis>\n"
    "  <axis pos=\"6\" values=\"1\"><title>Device</title><label code=\"Z\">No Device</label></axis>\n"
    "  <axis pos=\"7\" values=\"1\"><title>Qualifier</title><label code=\"Z\">No Qualifier</label></axis>\n"
    " </pcsRow>\n"
    " <pcsRow codes=\"1\">\n"
    "  <axis pos=\"4\" values=\"1\"><title>Body Part</title><label code=\"5\">Hepatic Duct, "
    "Right</label></axis>\n"
    "  <axis pos=\"5\" values=\"1\"><title>Approach</title><label code=\"3\">Percutaneous</label></axis>\n"
    "  <axis pos=\"6\" values=\"1\"><title>Device</title><label code=\"Z\">No Device</label></axis>\n"
    "  <axis pos=\"7\" values=\"1\"><title>Qualifier</title><label code=\"X\">Diagnostic &amp; "
    "more</label></axis>\n"
    " </pcsRow>\n"
    "</pcsTable>\n</ICD10PCS.tabular>\n";

static const char tiny_defs[] =
    "<ICD10PCS.definitions><section code=\"0\"><axis pos=\"5\"><title>Approach</title>"
    "<terms><title>Open</title><definition>Cutting through the skin</definition></terms>"
    "</axis><axis pos=\"4\"><title>Body Part</title><terms><title>Gallbladder</title>"
    "<includes>Cystic duct</includes></terms></axis></section></ICD10PCS.definitions>";

static void test_pcs_rows(void **state)
{
    (void)state;
    struct folio_err err = {0};
    struct folio_pcs_tables *t = NULL;
    struct folio_pcs_step st;
    assert_int_equal(folio_pcs_tables_parse(tiny_tables, strlen(tiny_tables), tiny_defs,
                                            strlen(tiny_defs), &t, &err),
                     FOLIO_OK);
    assert_int_equal(folio_pcs_tables_count(t), 3);
    assert_int_equal(folio_pcs_builder_step(t, "", &st, &err), FOLIO_OK);
    assert_int_equal(st.position, 1);
    assert_int_equal(st.n_options, 1);
    assert_string_equal(st.axis_title, "Section");
    assert_int_equal(folio_pcs_builder_step(t, "0FT", &st, &err), FOLIO_OK);
    assert_int_equal(st.position, 4);
    assert_int_equal(st.n_options, 2);
    assert_string_equal(st.options[0].label, "Gallbladder");
    assert_string_equal(st.options[0].definition, "Includes: Cystic duct");
    /* the approaches of the gallbladder's row only: 0 and 4, not 3 */
    assert_int_equal(folio_pcs_builder_step(t, "0ft4", &st, &err), FOLIO_OK);
    assert_int_equal(st.position, 5);
    assert_string_equal(st.axis_title, "Approach");
    assert_int_equal(st.n_options, 2);
    assert_int_equal(st.options[0].value, '0');
    assert_string_equal(st.options[0].definition, "Cutting through the skin");
    assert_int_equal(st.options[1].value, '4');
    assert_null(st.options[1].definition);
    assert_int_equal(folio_pcs_builder_step(t, "0FT5", &st, &err), FOLIO_OK);
    assert_int_equal(st.n_options, 1);
    assert_int_equal(st.options[0].value, '3');
    /* complete */
    assert_int_equal(folio_pcs_builder_step(t, "0FT44ZZ", &st, &err), FOLIO_OK);
    assert_true(st.complete);
    assert_string_equal(st.code, "0FT44ZZ");
    assert_string_equal(st.title, "Resection of Gallbladder, Percutaneous Endoscopic Approach");
    assert_int_equal(folio_pcs_builder_step(t, "0FT53ZX", &st, &err), FOLIO_OK);
    assert_string_equal(st.title, "Resection of Hepatic Duct, Right, Percutaneous Approach, "
                                  "Diagnostic & more");
    /* refused: approach 3 belongs to the other row */
    assert_int_equal(folio_pcs_builder_step(t, "0FT43", &st, &err), FOLIO_EINVAL);
    assert_string_equal(err.field, "prefix");
    assert_non_null(strstr(err.msg, "position 5"));
    assert_int_equal(folio_pcs_builder_step(t, "0GT", &st, &err), FOLIO_EINVAL);
    assert_non_null(strstr(err.msg, "position 2"));
    assert_int_equal(folio_pcs_builder_step(t, "0FI", &st, &err), FOLIO_EINVAL);
    assert_int_equal(folio_pcs_builder_step(t, "0FT44ZZZ", &st, &err), FOLIO_EINVAL);
    folio_pcs_tables_free(t);

    /* a truncated file and a wrong file are refused naming the line */
    size_t cut = (size_t)(strstr(tiny_tables, "<pcsRow codes=\"1\">") - tiny_tables);
    assert_int_equal(folio_pcs_tables_parse(tiny_tables, cut, NULL, 0, &t, &err), FOLIO_EPARSE);
    assert_null(t);
    assert_non_null(strstr(err.msg, "line"));
    assert_int_equal(folio_pcs_tables_parse(tiny_defs, strlen(tiny_defs), NULL, 0, &t, &err),
                     FOLIO_EPARSE);
    const char bad[] = "<ICD10PCS.tabular>\n<pcsTable>\n<axis pos=\"9\">";
    assert_int_equal(folio_pcs_tables_parse(bad, strlen(bad), NULL, 0, &t, &err), FOLIO_EPARSE);
    assert_non_null(strstr(err.msg, "line 3"));
}

/* ---- the real code sets ---- */

/* ../shared/data/codesets/<rel>, or false when the reference data is absent. */
static bool shared_path(char *out, size_t cap, const char *rel)
{
    char r[256];
    const char *p;

    (void)folio_snprintf(r, sizeof r, "codesets/%s", rel);
    p = folio_test_shared_path(r);
    return p && folio_strlcpy(out, p, cap);
}

static void test_real_code_sets(void **state)
{
    (void)state;
    struct folio_err err = {0};
    char order[512], tables[512], defs[512];
    if (!shared_path(order, sizeof order, "icd10cm/fy2021/icd10cm-order-Jan-2021.txt") ||
        !shared_path(tables, sizeof tables, "icd10pcs/icd10pcs_tables_2026.xml") ||
        !shared_path(defs, sizeof defs, "icd10pcs/icd10pcs_definitions_2026.xml")) {
        fprintf(stderr, "SKIP: ../shared/data/codesets is absent: real code sets not tested\n");
        skip();
    }
    struct folio_pcs_tables *t = NULL;
    struct folio_encoder *e = NULL;
    struct folio_enc_searcher *s = NULL;
    struct folio_pcs_step st;
    assert_int_equal(folio_pcs_tables_load(tables, defs, &t, &err), FOLIO_OK);
    assert_int_equal(folio_pcs_tables_count(t), 79115); /* SOURCES.md */
    assert_int_equal(folio_encoder_new(&e, &err), FOLIO_OK);
    assert_int_equal(folio_encoder_add_order_file(e, FOLIO_CS_ICD10CM, order, &err), FOLIO_OK);
    assert_int_equal(folio_encoder_add_pcs_tables(e, t, &err), FOLIO_OK);
    assert_int_equal(folio_encoder_finish(e, &err), FOLIO_OK);
    assert_int_equal(folio_enc_searcher_new(e, &s, &err), FOLIO_OK);
    struct folio_encoder_stats stats;
    folio_encoder_stats(e, &stats);
    assert_true(stats.n_codes > 95358 + 79115 - 1);

    search(s, "E11.9");
    assert_string_equal(res.hits[0].code, "E119");
    search(s, "lap chole");
    assert_string_equal(res.hits[0].code, "0FT44ZZ");
    search(s, "type 2 diab");
    assert_true(rank_of("E119") < 20);
    search(s, "chf");
    assert_string_equal(res.hits[0].code, "I509");
    search(s, "copd exac");
    assert_string_equal(res.hits[0].code, "J441");
    search(s, "afib");
    assert_true(rank_of("I4891") != SIZE_MAX);
    search(s, "fx l radius");
    assert_true(res.n > 0);
    assert_true(res.hits[0].needs_seventh);
    assert_true(res.hits[0].n_seventh >= 3);
    assert_non_null(strstr(res.hits[0].title, "left radius"));
    search(s, "tka");
    assert_non_null(strstr(res.hits[0].title, "Replacement of Knee Joint"));

    /* the builder over the real tables: Medical and Surgical, ..., a complete TKA code */
    assert_int_equal(folio_pcs_builder_step(t, "", &st, &err), FOLIO_OK);
    assert_true(st.n_options >= 16);
    assert_int_equal(folio_pcs_builder_step(t, "0SR", &st, &err), FOLIO_OK);
    assert_string_equal(st.axis_title, "Body Part");
    assert_int_equal(folio_pcs_builder_step(t, "0SRC0J9", &st, &err), FOLIO_OK);
    assert_true(st.complete);
    assert_non_null(strstr(st.title, "Knee Joint, Right"));
    /* every code the builder completes from each offered path is in the expanded list: walk
     * one path by always taking the last option */
    char code[8] = "";
    for (size_t k = 0; k < 7; k++) {
        assert_int_equal(folio_pcs_builder_step(t, code, &st, &err), FOLIO_OK);
        assert_false(st.complete);
        assert_true(st.n_options > 0);
        code[k] = st.options[st.n_options - 1].value;
        code[k + 1] = '\0';
    }
    assert_int_equal(folio_pcs_builder_step(t, code, &st, &err), FOLIO_OK);
    assert_true(st.complete);
    search(s, code);
    assert_string_equal(res.hits[0].code, code);
    assert_int_equal(folio_pcs_builder_step(t, "0SRC0JI", &st, &err), FOLIO_EINVAL);

    folio_enc_searcher_free(s);
    folio_encoder_free(e);
    folio_pcs_tables_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_code_exact_first),   cmocka_unit_test(test_words_and_billable),
        cmocka_unit_test(test_synonyms_and_terms), cmocka_unit_test(test_seventh_character),
        cmocka_unit_test(test_build_errors),       cmocka_unit_test(test_pcs_rows),
        cmocka_unit_test(test_real_code_sets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
