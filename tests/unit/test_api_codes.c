/* The code-set routes (src/server/api_codes.c) on a running server: before any code set is
 * loaded (409 naming how to load one, never 500), bad input (400 naming the parameter), then
 * with small hand-made release files loaded (an ICD-10-CM order file and tabular for FY2021, a
 * FY2026 valid-code list without titles, ICD-10-PCS tables and definitions): search by words,
 * abbreviation, code and 7th-character stems; a code's details with inherited notes and the
 * hierarchy of the year its title comes from; the PCS builder step by step and its refusals;
 * and the index rebuilt after another load. */
#include "folio/base.h"

#include <setjmp.h>
#include <cmocka.h>
#include <unistd.h>

#include "folio/codes.h"
#include "folio/json.h"
#include "http_client.h"
#include "server/encoder_cache.h"
#include "server/server.h"
#include "testdb.h"

#define ALL     10 /* fixture user with every role */
#define ANALYST 8

static struct http_fixture F;

static int setup(void **state)
{
    (void)state;
    http_fixture_start(&F, true);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    folio_enc_cache_shutdown();
    http_fixture_stop(&F);
    return 0;
}

/* GET path as user u; the body parsed (NULL when not JSON). */
static json_t *get(int u, const char *path, int *status)
{
    struct http_resp r;
    json_t *j;

    if (http_simple(F.port, "GET", path, F.tokens[u], NULL, &r) != 0)
        fail_msg("GET %s: no response", path);
    *status = r.status;
    j = json_loadb(r.body, r.body_len, 0, NULL);
    if (r.status >= 500 && r.status != 503)
        fail_msg("GET %s: %d %s", path, r.status, r.body);
    http_resp_free(&r);
    return j;
}

/* GET, waiting while the index is being built (503), up to a minute. */
static json_t *get_ready(int u, const char *path, int *status)
{
    json_t *j = NULL;
    int i;

    for (i = 0; i < 600; i++) {
        j = get(u, path, status);
        if (*status != 503)
            return j;
        json_decref(j);
        usleep(100 * 1000);
    }
    fail_msg("GET %s: still 503 after a minute", path);
    return NULL;
}

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static const char *err_field(json_t *j)
{
    return str(json_object_get(j, "error"), "field");
}

static const char *err_msg(json_t *j)
{
    return str(json_object_get(j, "error"), "message");
}

/* Expects status and, for errors, the field named. */
static void expect(int u, const char *path, int want, const char *field)
{
    int st = 0;
    json_t *j = get(u, path, &st);
    if (st != want)
        fail_msg("GET %s: %d, wanted %d (%s)", path, st, want, j ? err_msg(j) : "");
    if (field && strcmp(err_field(j), field) != 0)
        fail_msg("GET %s: error field \"%s\", wanted \"%s\"", path, err_field(j), field);
    json_decref(j);
}

static void write_file(const char *name, const char *text, char *path, size_t cap)
{
    FILE *fp;
    (void)folio_snprintf(path, cap, "%s/%s", F.dir, name);
    fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void order_line(struct folio_buf *b, int order, const char *code, int flag,
                       const char *title)
{
    assert_int_equal(
        folio_buf_appendf(b, "%05d %-7s %d %-60.60s %s\n", order, code, flag, title, title),
        FOLIO_OK);
}

static void load(enum folio_codes_load_kind k, const char *path)
{
    struct folio_codes_load_opts o = {.kind = k, .path = path, .loaded_by = "test"};
    struct folio_codes_load_result res;
    struct folio_err err = {0};
    if (folio_codes_load(F.db, &o, &res, &err) != FOLIO_OK)
        fail_msg("load %s: %s", path, err.msg);
}

static const struct {
    const char *code;
    int billable;
    const char *title;
} cm2021[] = {
    {"E11", 0, "Type 2 diabetes mellitus"},
    {"E116", 0, "Type 2 diabetes mellitus with other specified complications"},
    {"E1165", 1, "Type 2 diabetes mellitus with hyperglycemia"},
    {"E119", 1, "Type 2 diabetes mellitus without complications"},
    {"I50", 0, "Heart failure"},
    {"I509", 1, "Heart failure, unspecified"},
    {"S52", 0, "Fracture of forearm"},
    {"S525", 0, "Fracture of lower end of radius"},
    {"S5250", 0, "Unspecified fracture of the lower end of radius"},
    {"S52501", 0, "Unspecified fracture of the lower end of right radius"},
    {"S52501A", 1,
     "Unspecified fracture of the lower end of right radius, initial encounter for "
     "closed fracture"},
    {"S52501D", 1,
     "Unspecified fracture of the lower end of right radius, subsequent encounter "
     "for closed fracture with routine healing"},
};

static const char tabular[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<ICD10CM.tabular>\n<version>2021</version>\n"
    "<chapter><name>4</name><desc>Endocrine, nutritional and metabolic diseases (E00-E89)</desc>\n"
    "<excludes1><note>transitory endocrine and metabolic disorders specific to newborn "
    "(P70-P74)</note></excludes1>\n"
    "<section id=\"E08-E13\"><desc>Diabetes mellitus (E08-E13)</desc>\n"
    /* a term stated at a section (as P35-P39 in FY2021): not a code the index can hold */
    "<inclusionTerm><note>diabetes of any type</note></inclusionTerm>\n"
    "<diag><name>E11</name><desc>Type 2 diabetes mellitus</desc>\n"
    "<includes><note>diabetes NOS</note></includes>\n"
    "<excludes1><note>gestational diabetes (O24.4-)</note></excludes1>\n"
    "<useAdditionalCode><note>insulin (Z79.4)</note></useAdditionalCode>\n"
    "<diag><name>E11.6</name><desc>Type 2 diabetes mellitus with other specified "
    "complications</desc>\n"
    "<diag><name>E11.65</name><desc>Type 2 diabetes mellitus with hyperglycemia</desc>"
    "<inclusionTerm><note>Type 2 diabetes mellitus with poorly controlled diabetes</note>"
    "</inclusionTerm></diag>\n"
    "</diag>\n"
    "<diag><name>E11.9</name><desc>Type 2 diabetes mellitus without complications</desc></diag>\n"
    "</diag></section></chapter>\n"
    "<chapter><name>19</name><desc>Injury, poisoning (S00-T88)</desc>\n"
    "<section id=\"S50-S59\"><desc>Injuries to the elbow and forearm (S50-S59)</desc>\n"
    "<diag><name>S52</name><desc>Fracture of forearm</desc>\n"
    "<sevenChrNote><note>The appropriate 7th character is to be added to all codes from "
    "category S52</note></sevenChrNote>\n"
    "<sevenChrDef><extension char=\"A\">initial encounter for closed fracture</extension>"
    "<extension char=\"D\">subsequent encounter for closed fracture with routine healing"
    "</extension></sevenChrDef>\n"
    "<diag><name>S52.5</name><desc>Fracture of lower end of radius</desc>\n"
    "<diag><name>S52.50</name><desc>Unspecified fracture of the lower end of radius</desc>\n"
    "<diag><name>S52.501</name><desc>Unspecified fracture of the lower end of right radius"
    "</desc></diag>\n"
    "</diag></diag></diag></section></chapter>\n"
    "</ICD10CM.tabular>\n";

/* Body part 4 allows approaches 0 and 4; body part 5 only approach 3. */
static const char pcs_tables[] =
    "<?xml version=\"1.0\"?>\n<ICD10PCS.tabular><version>2026</version>\n"
    "<pcsTable>\n"
    " <axis pos=\"1\" values=\"1\"><title>Section</title><label code=\"0\">Medical and "
    "Surgical</label></axis>\n"
    " <axis pos=\"2\" values=\"1\"><title>Body System</title><label code=\"F\">Hepatobiliary "
    "System and Pancreas</label></axis>\n"
    " <axis pos=\"3\" values=\"1\"><title>Operation</title><label code=\"T\">Resection</label>"
    "<definition>Cutting out or off, without replacement, all of a body part</definition></axis>\n"
    " <pcsRow codes=\"2\">\n"
    "  <axis pos=\"4\" values=\"1\"><title>Body Part</title><label code=\"4\">Gallbladder</label>"
    "</axis>\n"
    "  <axis pos=\"5\" values=\"2\"><title>Approach</title><label code=\"0\">Open</label>"
    "<label code=\"4\">Percutaneous Endoscopic</label></axis>\n"
    "  <axis pos=\"6\" values=\"1\"><title>Device</title><label code=\"Z\">No Device</label>"
    "</axis>\n"
    "  <axis pos=\"7\" values=\"1\"><title>Qualifier</title><label code=\"Z\">No Qualifier"
    "</label></axis>\n"
    " </pcsRow>\n"
    " <pcsRow codes=\"1\">\n"
    "  <axis pos=\"4\" values=\"1\"><title>Body Part</title><label code=\"5\">Hepatic Duct, "
    "Right</label></axis>\n"
    "  <axis pos=\"5\" values=\"1\"><title>Approach</title><label code=\"3\">Percutaneous</label>"
    "</axis>\n"
    "  <axis pos=\"6\" values=\"1\"><title>Device</title><label code=\"Z\">No Device</label>"
    "</axis>\n"
    "  <axis pos=\"7\" values=\"1\"><title>Qualifier</title><label code=\"X\">Diagnostic</label>"
    "</axis>\n"
    " </pcsRow>\n"
    "</pcsTable>\n</ICD10PCS.tabular>\n";

static const char pcs_defs[] =
    "<?xml version=\"1.0\"?>\n<ICD10PCS.definitions><version>2026</version>"
    "<section code=\"0\"><title>Medical and Surgical</title>"
    "<axis pos=\"5\"><title>Approach</title>"
    "<terms><title>Open</title><definition>Cutting through the skin or mucous membrane and any "
    "other body layers necessary to expose the site of the procedure</definition></terms>"
    "</axis><axis pos=\"4\"><title>Body Part</title><terms><title>Gallbladder</title>"
    "<includes>Cystic duct</includes></terms></axis></section></ICD10PCS.definitions>\n";

static void load_all(void)
{
    struct folio_buf b;
    char path[512];
    size_t i;

    folio_buf_init(&b, 0);
    for (i = 0; i < FOLIO_ARRAY_LEN(cm2021); i++)
        order_line(&b, (int)i + 1, cm2021[i].code, cm2021[i].billable, cm2021[i].title);
    write_file("icd10cm_order_2021.txt", b.data, path, sizeof path);
    folio_buf_release(&b);
    load(FOLIO_LOAD_ICD10CM_ORDER, path);
    write_file("icd10cm_tabular_2021.xml", tabular, path, sizeof path);
    load(FOLIO_LOAD_ICD10CM_TABULAR, path);
    /* FY2026: a list of valid codes without titles; E11.10 is new since FY2021 */
    write_file("valid_fy2026.txt", "E1110\nE1165\nE119\nI509\nS52501A\nS52501D\n", path,
               sizeof path);
    load(FOLIO_LOAD_ICD10CM_VALID, path);
    write_file("icd10pcs_tables_2026.xml", pcs_tables, path, sizeof path);
    load(FOLIO_LOAD_ICD10PCS_TABLES, path);
    write_file("icd10pcs_definitions_2026.xml", pcs_defs, path, sizeof path);
    load(FOLIO_LOAD_ICD10PCS_DEFINITIONS, path);
}

/* The hits' dotted codes joined by spaces. */
static void hit_codes(json_t *j, char *out, size_t cap)
{
    size_t i, len = 0;
    json_t *h;
    out[0] = '\0';
    json_array_foreach(json_object_get(j, "hits"), i, h)
    {
        (void)folio_snprintf(out + len, cap - len, "%s%s", len ? " " : "", str(h, "dotted"));
        len = strlen(out);
    }
}

static json_t *first_hit(json_t *j)
{
    return json_array_get(json_object_get(j, "hits"), 0);
}

static void test_codes_routes(void **state)
{
    int st = 0;
    json_t *j, *h, *x;
    char codes[512], long_q[400];
    size_t i;
    bool saw_excl = false, saw_incl = false;

    (void)state;
    /* ---- nothing loaded: clear 409s, an empty version list ---- */
    j = get(ALL, "/api/v1/codes/search?q=diabetes", &st);
    assert_int_equal(st, 409);
    assert_string_equal(err_field(j), "code_sets");
    assert_non_null(strstr(err_msg(j), "no code sets loaded"));
    assert_non_null(strstr(err_msg(j), "folio codes load"));
    json_decref(j);
    expect(ALL, "/api/v1/codes/pcs?prefix=0F", 409, "code_sets");
    expect(ALL, "/api/v1/codes/icd10cm/E11.9", 404, "code");
    j = get(ANALYST, "/api/v1/codes/versions", &st);
    assert_int_equal(st, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
    assert_string_equal(str(json_object_get(j, "index"), "state"), "none");
    json_decref(j);

    /* ---- bad input: 400 naming the parameter, checked before anything is looked up ---- */
    expect(ALL, "/api/v1/codes/search", 400, "q");
    (void)folio_strlcpy(long_q, "/api/v1/codes/search?q=", sizeof long_q);
    for (i = strlen(long_q); i < 23 + 300; i++)
        long_q[i] = 'a';
    long_q[i] = '\0';
    expect(ALL, long_q, 400, "q");
    expect(ALL, "/api/v1/codes/search?q=x&system=icd9", 400, "system");
    expect(ALL, "/api/v1/codes/search?q=x&limit=0", 400, "limit");
    expect(ALL, "/api/v1/codes/search?q=x&limit=101", 400, "limit");
    expect(ALL, "/api/v1/codes/search?q=%ff%fe", 400, "q");
    expect(ALL, "/api/v1/codes/icd9/E119", 400, "system");
    expect(ALL, "/api/v1/codes/icd10cm/E11%249", 400, "code");
    expect(ALL, "/api/v1/codes/icd10cm/E119?date=2021-13-01", 400, "date");
    expect(ALL, "/api/v1/codes/icd10cm/E119?date=2021", 400, "date");
    expect(ALL, "/api/v1/codes/pcs?prefix=0FT44ZZZ", 400, "prefix");
    expect(ALL, "/api/v1/codes/pcs?prefix=0F%21", 400, "prefix");
    expect(ALL, "/api/v1/codes/pcs?prefix=0F&date=yesterday", 400, "date");

    load_all();

    /* ---- search ---- */
    j = get_ready(ALL, "/api/v1/codes/search?q=type%202%20diabetes%20hyperglycemia", &st);
    assert_int_equal(st, 200);
    h = first_hit(j);
    assert_string_equal(str(h, "dotted"), "E11.65");
    assert_string_equal(str(h, "title"), "Type 2 diabetes mellitus with hyperglycemia");
    assert_true(json_is_true(json_object_get(h, "billable")));
    assert_string_equal(str(h, "system"), "icd10cm");
    assert_string_equal(str(j, "system"), "all");
    json_decref(j);
    /* an inclusion term finds its code and says so */
    j = get_ready(ALL, "/api/v1/codes/search?q=poorly%20controlled", &st);
    h = first_hit(j);
    assert_string_equal(str(h, "dotted"), "E11.65");
    assert_non_null(strstr(str(h, "matched_term"), "poorly controlled"));
    json_decref(j);
    /* an abbreviation (the synonym table) */
    j = get_ready(ANALYST, "/api/v1/codes/search?q=chf", &st);
    assert_int_equal(st, 200);
    hit_codes(j, codes, sizeof codes);
    assert_non_null(strstr(codes, "I50.9"));
    assert_string_equal(str(first_hit(j), "match"), "synonym");
    json_decref(j);
    /* a code, dot optional: the exact code first */
    j = get_ready(ALL, "/api/v1/codes/search?q=e119", &st);
    h = first_hit(j);
    assert_string_equal(str(h, "dotted"), "E11.9");
    assert_string_equal(str(h, "match"), "code");
    json_decref(j);
    j = get_ready(ALL, "/api/v1/codes/search?q=E11&limit=2", &st);
    assert_int_equal(json_array_size(json_object_get(j, "hits")), 2);
    json_decref(j);
    /* a 7th-character stem with its choices and labels */
    j = get_ready(ALL, "/api/v1/codes/search?q=fracture%20lower%20end%20right%20radius", &st);
    h = first_hit(j);
    assert_string_equal(str(h, "dotted"), "S52.501");
    assert_true(json_is_true(json_object_get(h, "needs_seventh")));
    x = json_object_get(h, "seventh");
    assert_int_equal(json_array_size(x), 2);
    assert_string_equal(str(json_array_get(x, 0), "value"), "A");
    assert_non_null(strstr(str(json_array_get(x, 0), "label"), "initial encounter"));
    json_decref(j);
    /* restricted to a system */
    j = get_ready(ALL, "/api/v1/codes/search?q=gallbladder&system=icd10pcs", &st);
    hit_codes(j, codes, sizeof codes);
    assert_non_null(strstr(codes, "0FT44ZZ"));
    json_array_foreach(json_object_get(j, "hits"), i, h)
        assert_string_equal(str(h, "system"), "icd10pcs");
    json_decref(j);
    j = get_ready(ALL, "/api/v1/codes/search?q=gallbladder&system=icd10cm", &st);
    assert_int_equal(json_array_size(json_object_get(j, "hits")), 0);
    json_decref(j);
    j = get_ready(ALL, "/api/v1/codes/search?q=", &st);
    assert_int_equal(st, 200);
    assert_int_equal(json_array_size(json_object_get(j, "hits")), 0);
    json_decref(j);

    /* ---- one code ---- */
    j = get(ALL, "/api/v1/codes/icd10cm/e11.65", &st);
    assert_int_equal(st, 200);
    /* the latest row is FY2026's (a valid-code list): title and hierarchy from FY2021 */
    assert_string_equal(str(j, "dotted"), "E11.65");
    assert_string_equal(str(j, "title"), "Type 2 diabetes mellitus with hyperglycemia");
    assert_string_equal(str(j, "effective_from"), "2025-10-01");
    assert_string_equal(str(j, "title_from"), "2020-10-01");
    assert_string_equal(str(j, "structure_from"), "2020-10-01");
    x = json_object_get(j, "parents");
    assert_int_equal(json_array_size(x), 4);
    assert_string_equal(str(json_array_get(x, 0), "code"), "4");
    assert_string_equal(str(json_array_get(x, 1), "code"), "E08-E13");
    assert_string_equal(str(json_array_get(x, 2), "dotted"), "E11");
    assert_string_equal(str(json_array_get(x, 3), "dotted"), "E11.6");
    json_array_foreach(json_object_get(j, "notes"), i, h)
    {
        if (!strcmp(str(h, "type"), "excludes1") && !strcmp(str(h, "from_dotted"), "E11")) {
            saw_excl = true;
            assert_true(json_is_true(json_object_get(h, "inherited")));
            assert_string_equal(json_string_value(json_array_get(json_object_get(h, "refs"), 0)),
                                "O24.4");
        }
        if (!strcmp(str(h, "type"), "inclusionTerm") && !strcmp(str(h, "from_dotted"), "E11.65")) {
            saw_incl = true;
            assert_true(json_is_false(json_object_get(h, "inherited")));
        }
    }
    assert_true(saw_excl);
    assert_true(saw_incl);
    json_decref(j);
    /* in force on a date of FY2021: that year's row, its own hierarchy */
    j = get(ALL, "/api/v1/codes/icd10cm/E11.65?date=2021-03-01", &st);
    assert_int_equal(st, 200);
    assert_true(json_is_null(json_object_get(j, "title_from")));
    assert_true(json_is_null(json_object_get(j, "structure_from")));
    json_decref(j);
    expect(ALL, "/api/v1/codes/icd10cm/E11.65?date=2019-01-01", 404, "code");
    /* a new code of FY2026 without any title */
    j = get(ALL, "/api/v1/codes/icd10cm/E11.10", &st);
    assert_int_equal(st, 200);
    assert_true(json_is_false(json_object_get(j, "has_title")));
    assert_non_null(strstr(str(j, "title"), "no title"));
    json_decref(j);
    /* a header: its children; 7th characters stated above the stem */
    j = get(ALL, "/api/v1/codes/icd10cm/E11.6", &st);
    x = json_object_get(j, "children");
    assert_int_equal(json_array_size(x), 1);
    assert_string_equal(str(json_array_get(x, 0), "dotted"), "E11.65");
    json_decref(j);
    j = get(ALL, "/api/v1/codes/icd10cm/S52.501?date=2021-01-01", &st);
    x = json_object_get(j, "seventh");
    assert_int_equal(json_array_size(x), 2);
    assert_string_equal(str(json_array_get(x, 1), "value"), "D");
    assert_string_equal(str(json_array_get(x, 1), "from_dotted"), "S52");
    json_decref(j);
    j = get(ALL, "/api/v1/codes/icd10pcs/0FT44ZZ", &st);
    assert_int_equal(st, 200);
    assert_string_equal(str(json_array_get(json_object_get(j, "parents"), 0), "code"), "0FT");
    json_decref(j);
    expect(ALL, "/api/v1/codes/icd10cm/Z99999", 404, "code");

    /* ---- the PCS builder ---- */
    j = get_ready(ALL, "/api/v1/codes/pcs", &st);
    assert_int_equal(st, 200);
    assert_int_equal(json_integer_value(json_object_get(j, "position")), 1);
    assert_string_equal(str(j, "axis_title"), "Section");
    assert_string_equal(str(json_array_get(json_object_get(j, "options"), 0), "label"),
                        "Medical and Surgical");
    json_decref(j);
    j = get(ALL, "/api/v1/codes/pcs?prefix=0ft4", &st);
    assert_int_equal(st, 200);
    assert_int_equal(json_integer_value(json_object_get(j, "position")), 5);
    assert_string_equal(str(j, "axis_title"), "Approach");
    x = json_object_get(j, "options");
    assert_int_equal(json_array_size(x), 2); /* 0 and 4: not 3, which is the other row's */
    assert_string_equal(str(json_array_get(x, 0), "value"), "0");
    assert_non_null(strstr(str(json_array_get(x, 0), "definition"), "Cutting through the skin"));
    assert_string_equal(str(json_array_get(x, 1), "label"), "Percutaneous Endoscopic");
    x = json_object_get(j, "chosen");
    assert_int_equal(json_array_size(x), 4);
    assert_string_equal(str(json_array_get(x, 2), "label"), "Resection");
    assert_string_equal(str(json_array_get(x, 3), "axis_title"), "Body Part");
    assert_string_equal(str(json_array_get(x, 3), "definition"), "Includes: Cystic duct");
    json_decref(j);
    j = get(ALL, "/api/v1/codes/pcs?prefix=0FT44ZZ&date=2026-01-15", &st);
    assert_int_equal(st, 200);
    assert_true(json_is_true(json_object_get(j, "complete")));
    assert_string_equal(str(j, "code"), "0FT44ZZ");
    assert_string_equal(str(j, "title"),
                        "Resection of Gallbladder, Percutaneous Endoscopic Approach");
    assert_null(json_object_get(j, "options"));
    json_decref(j);
    j = get(ALL, "/api/v1/codes/pcs?prefix=0FT43", &st);
    assert_int_equal(st, 400);
    assert_string_equal(err_field(j), "prefix");
    assert_non_null(strstr(err_msg(j), "position 5"));
    json_decref(j);
    j = get(ALL, "/api/v1/codes/pcs?prefix=0GT", &st);
    assert_int_equal(st, 400);
    assert_non_null(strstr(err_msg(j), "position 2"));
    json_decref(j);
    expect(ALL, "/api/v1/codes/pcs?prefix=0F&date=2024-01-01", 404, "date");

    /* ---- versions and the index ---- */
    j = get(ALL, "/api/v1/codes/versions", &st);
    assert_int_equal(st, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 5);
    x = json_object_get(j, "index");
    assert_string_equal(str(x, "state"), "ready");
    assert_true(json_integer_value(json_object_get(x, "codes")) >= 15);
    json_decref(j);
}

/* Another load: the index is rebuilt, the old one served meanwhile (never a 503 again). */
static void test_rebuilt_after_a_load(void **state)
{
    struct folio_buf b;
    char path[512], codes[512];
    json_t *j;
    int st = 0, i;
    bool found = false;

    (void)state;
    j = get_ready(ALL, "/api/v1/codes/search?q=covid", &st);
    assert_int_equal(st, 200);
    assert_int_equal(json_array_size(json_object_get(j, "hits")), 0);
    json_decref(j);
    folio_buf_init(&b, 0);
    order_line(&b, 1, "U07", 0, "Emergency use of U07");
    order_line(&b, 2, "U071", 1, "COVID-19");
    write_file("icd10cm_order_2022.txt", b.data, path, sizeof path);
    folio_buf_release(&b);
    load(FOLIO_LOAD_ICD10CM_ORDER, path);
    for (i = 0; i < 600 && !found; i++) {
        j = get(ALL, "/api/v1/codes/search?q=covid", &st);
        assert_int_equal(st, 200);
        hit_codes(j, codes, sizeof codes);
        found = strstr(codes, "U07.1") != NULL;
        json_decref(j);
        if (!found)
            usleep(100 * 1000);
    }
    assert_true(found);
    /* the codes of the earlier loads are still there */
    j = get(ALL, "/api/v1/codes/search?q=E11.65", &st);
    assert_string_equal(str(first_hit(j), "dotted"), "E11.65");
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes_routes),
        cmocka_unit_test(test_rebuilt_after_a_load),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
