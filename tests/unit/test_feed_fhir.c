/* Acceptance (issue 4): for each ADT sample in ../shared/data/corpora/hl7v2/samples that the feed
 * applies (AA), the patient and encounter stored in a fresh database match the FHIR bundle the
 * converter made of it (expected-fhir): names, birth date, gender, identifiers, address,
 * encounter class and period. Normalisation and deliberate differences: docs/hl7-mapping.md
 * "Checked against the expected FHIR bundles". Skips when ../shared is absent. */
#include "folio/base.h"

#include <dirent.h>
#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>

#include "folio/crypto.h"
#include "folio/feed.h"
#include "folio/hl7v2.h"
#include "folio/records.h"
#include "folio/time.h"
#include "testdb.h"

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n + 1);
        if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) {
            buf[n] = '\0';
            *len = (size_t)n;
        } else {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    return buf;
}

static json_t *find_resource(json_t *bundle, const char *type)
{
    json_t *entries = json_object_get(bundle, "entry"), *e;
    size_t i;
    json_array_foreach(entries, i, e) {
        json_t *r = json_object_get(e, "resource");
        const char *t = json_string_value(json_object_get(r, "resourceType"));
        if (t && !strcmp(t, type))
            return r;
    }
    return NULL;
}

static const char *jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* Trimmed equality (the converter keeps trailing blanks: "Ann Arbor "). */
static bool eq_trim(const char *a, const char *b)
{
    struct folio_sv x = folio_sv_trim(folio_sv_from(a)), y = folio_sv_trim(folio_sv_from(b));
    return folio_sv_eq(x, y);
}

static bool utc_of(const char *iso, char out[48])
{
    struct folio_err e = {0};
    return folio_time_normalize(iso, out, 48, "t", &e) == FOLIO_OK;
}

/* HL7 table 0004 -> the converter's v3 ActCode */
static const char *v3_class(const char *pc)
{
    if (!pc)
        return "";
    if (!strcmp(pc, "I"))
        return "IMP";
    if (!strcmp(pc, "O"))
        return "AMB";
    if (!strcmp(pc, "E"))
        return "EMER";
    if (!strcmp(pc, "P"))
        return "PRENC";
    return "?";
}

struct tally {
    int applied, compared, refused;
    char fails[8192];
};

static void failf(struct tally *t, const char *sample, const char *fmt, ...) FOLIO_PRINTF(3, 4);
static void failf(struct tally *t, const char *sample, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    size_t n = strlen(t->fails);
    snprintf(t->fails + n, sizeof t->fails - n, "%s: %s\n", sample, line);
}

static void compare(struct tally *t, const char *name, const struct folio_hl7_msg *m,
                    struct folio_patient *p, struct folio_encounter *e, json_t *fp, json_t *fe)
{
    size_t i;
    json_t *v;
    struct folio_sv pidsv = folio_hl7_segment_raw(m, folio_hl7_find(m, "PID", 0));
    char pid_raw[8192];
    folio_strlcpy(pid_raw, "", sizeof pid_raw);
    if (pidsv.p)
        snprintf(pid_raw, sizeof pid_raw, "%.*s", (int)pidsv.len, pidsv.p);
    /* names: every FHIR name with a family is one of ours (family + first given) */
    json_array_foreach(json_object_get(fp, "name"), i, v) {
        const char *fam = jstr(v, "family");
        const char *giv = json_string_value(json_array_get(json_object_get(v, "given"), 0));
        bool ok = false;
        if (!*fam || !strstr(pid_raw, fam))
            continue; /* names the converter takes from GT1, IN2, ... are not the patient's */
        for (size_t j = 0; j <= p->n_names && !ok; j++) {
            const struct folio_name *n = j < p->n_names ? &p->names[j] : &p->name;
            const char *first = n->given ? n->given : n->middle; /* converter: given[] */
            ok = n->family && !strcmp(n->family, fam) &&
                 (!giv || (first && !strcmp(first, giv)));
        }
        if (!ok)
            failf(t, name, "FHIR name %s, %s not stored", fam, giv ? giv : "");
    }
    if (strcmp(jstr(fp, "birthDate"), p->birth_date ? p->birth_date : ""))
        failf(t, name, "birthDate %s vs %s", jstr(fp, "birthDate"), p->birth_date);
    const char *g = jstr(fp, "gender");
    const char *want = !strcmp(g, "male") ? "M" : !strcmp(g, "female") ? "F"
                     : !strcmp(g, "other") ? "O" : "U";
    if (strcmp(want, p->sex))
        failf(t, name, "gender %s vs sex %s", g, p->sex);
    /* identifiers: each one we stored (not the masked SSN) is in the bundle */
    for (size_t j = 0; j < p->n_ids; j++) {
        bool ok = false;
        if (!strcmp(p->ids[j].kind, "SS"))
            continue;
        json_array_foreach(json_object_get(fp, "identifier"), i, v)
            ok = ok || !strcmp(jstr(v, "value"), p->ids[j].value);
        if (!ok)
            failf(t, name, "identifier %s not in the bundle", p->ids[j].value);
    }
    if (p->n_ids == 0)
        failf(t, name, "no identifier stored");
    /* address: our first current address is the bundle's first */
    json_t *fa = json_array_get(json_object_get(fp, "address"), 0);
    if (fa && p->n_addresses) {
        const struct folio_address *a = &p->addresses[0];
        char lines[1024] = "";
        json_array_foreach(json_object_get(fa, "line"), i, v) {
            size_t n = strlen(lines);
            snprintf(lines + n, sizeof lines - n, "%s%s", n ? " " : "", json_string_value(v));
        }
        if (!eq_trim(jstr(fa, "city"), a->city ? a->city : ""))
            failf(t, name, "city '%s' vs '%s'", jstr(fa, "city"), a->city);
        if (!eq_trim(jstr(fa, "state"), a->state ? a->state : ""))
            failf(t, name, "state '%s' vs '%s'", jstr(fa, "state"), a->state);
        if (!eq_trim(jstr(fa, "postalCode"), a->postal_code ? a->postal_code : ""))
            failf(t, name, "postalCode '%s' vs '%s'", jstr(fa, "postalCode"), a->postal_code);
        if (a->line1 && !strstr(lines, a->line1))
            failf(t, name, "line1 '%s' not in '%s'", a->line1, lines);
        if (a->line2 && !strstr(lines, a->line2))
            failf(t, name, "line2 '%s' not in '%s'", a->line2, lines);
    } else if (fa && json_array_size(json_object_get(fa, "line"))) {
        failf(t, name, "bundle has an address, none stored");
    }
    if (!e || !fe)
        return;
    const char *cls = jstr(json_object_get(fe, "class"), "code");
    if (strcmp(cls, v3_class(e->source_class)))
        failf(t, name, "class %s vs PV1-2 %s", cls, e->source_class);
    json_t *per = json_object_get(fe, "period");
    char s[48], en[48];
    struct folio_hl7_ref ref44 = {folio_hl7_find(m, "PV1", 0), 44, 1, 0, 0};
    bool pv1_44 = folio_hl7_presence(m, &ref44) == FOLIO_HL7_VALUED;
    if (per && json_object_get(per, "start") && e->admit_at && pv1_44) {
        if (!utc_of(jstr(per, "start"), s) || strcmp(s, e->admit_at))
            failf(t, name, "period.start %s vs admit_at %s", jstr(per, "start"), e->admit_at);
    }
    if (e->discharge_at) {
        if (!per || !json_object_get(per, "end") || !utc_of(jstr(per, "end"), en) ||
            strcmp(en, e->discharge_at))
            failf(t, name, "period.end %s vs discharge_at %s", per ? jstr(per, "end") : "",
                  e->discharge_at);
    }
}

static void test_adt_vs_expected_fhir(void **state)
{
    (void)state;
    const char *sdir = folio_test_shared_path("corpora/hl7v2/samples");
    char samples[1024], expdir[1024];
    struct tally t = {0};
    struct folio_err err = {0};
    struct folio_key key;
    if (!sdir)
        skip();
    folio_strlcpy(samples, sdir, sizeof samples);
    const char *edir = folio_test_shared_path("corpora/hl7v2/expected-fhir");
    if (!edir)
        skip();
    folio_strlcpy(expdir, edir, sizeof expdir);
    assert_int_equal(folio_crypto_init(&err), FOLIO_OK);
    memset(key.k, 9, sizeof key.k);
    DIR *d = opendir(samples);
    assert_non_null(d);
    struct dirent *de;
    char *names[200];
    size_t nn = 0;
    while ((de = readdir(d)) && nn < 200)
        if (!strncmp(de->d_name, "ADT", 3) && strstr(de->d_name, ".hl7"))
            names[nn++] = strdup(de->d_name);
    closedir(d);
    for (size_t k = 0; k < nn; k++) {
        char path[2048], base[256], epath[2048], sub[16];
        size_t len = 0;
        folio_strlcpy(base, names[k], sizeof base);
        *strstr(base, ".hl7") = '\0';
        snprintf(path, sizeof path, "%s/%s", samples, names[k]);
        char *raw = read_all(path, &len);
        assert_non_null(raw);
        struct folio_hl7_msg *m = NULL;
        assert_int_equal(folio_hl7_parse(raw, len, NULL, &m, NULL, &err), FOLIO_OK);
        /* expected-fhir/ADT_A01/ADT-A01-01-expected.json: directory from MSH-9 */
        snprintf(sub, sizeof sub, "%s_%s", folio_hl7_msh(m)->msg_type, folio_hl7_msh(m)->trigger);
        snprintf(epath, sizeof epath, "%s/%s/%s-expected.json", expdir, sub, base);
        struct folio_store *st = folio_test_store_open();
        struct folio_chart chart = {st, &key, "feed-test"};
        struct folio_feed_result res;
        enum folio_rc rc = folio_feed_apply(&chart, m, NULL, &res, &err);
        if (rc)
            fail_msg("%s: %s %s", base, folio_rc_name(rc), err.msg);
        if (res.ack != FOLIO_FEED_AA) {
            t.refused++;
            print_message("%s: %s %d %s\n", base, folio_feed_ack_name(res.ack),
                          res.n_errors ? res.errors[0].code : 0,
                          res.n_errors ? res.errors[0].text : "");
        } else {
            json_error_t je;
            json_t *b = json_load_file(epath, 0, &je);
            struct folio_arena a;
            struct folio_patient p;
            struct folio_encounter e;
            t.applied++;
            folio_arena_init(&a, 0);
            if (b && res.patient_id) {
                json_t *fp = find_resource(b, "Patient"), *fe = find_resource(b, "Encounter");
                assert_int_equal(folio_patient_get(&chart, res.patient_id, &a, &p, &err),
                                 FOLIO_OK);
                bool have_e = res.encounter_id &&
                              folio_encounter_get(&chart, res.encounter_id, &a, &e, &err) ==
                                  FOLIO_OK;
                if (fp) {
                    compare(&t, base, m, &p, have_e ? &e : NULL, fp, fe);
                    t.compared++;
                }
            }
            json_decref(b);
            folio_arena_release(&a);
        }
        folio_test_store_close(st);
        folio_hl7_free(m);
        free(raw);
        free(names[k]);
    }
    print_message("ADT samples: %d applied (AA), %d compared with expected FHIR, %d AE/AR\n",
                  t.applied, t.compared, t.refused);
    if (t.fails[0])
        fail_msg("differences from the expected FHIR:\n%s", t.fails);
    assert_true(t.compared >= 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_adt_vs_expected_fhir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
