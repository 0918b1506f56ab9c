/* bench_deid: recall and precision per HIPAA identifier type of the free-text de-identifier
 * (folio/deid.h) on (1) presidio-research's synth_dataset_v2.json and (2) generated clinical
 * notes with known PHI (bench/deid_gen.h). Label mapping and scoring: docs/deid.md.
 *
 * usage: bench_deid [--data PATH] [--notes N] [--seed S] [--misses TYPE] [--fps TYPE]
 * PATH defaults to $FOLIO_SHARED/data/deid/presidio-research/synth_dataset_v2.json, else
 * ../shared/...; --misses prints the gold spans of TYPE that were not removed, --fps the
 * predicted spans of TYPE that overlap no PHI. */
#include "folio/base.h"
#include "folio/deid.h"

#include "deid_gen.h"

#include <jansson.h>

#define REL "data/deid/presidio-research/synth_dataset_v2.json"

static int show_miss = -1, show_fp = -1;

static bool lower_in(const char *s, size_t len, const char *const *list, size_t n)
{
    char buf[64];
    size_t i;

    if (len == 0 || len >= sizeof(buf))
        return false;
    for (i = 0; i < len; i++)
        buf[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] - 'A' + 'a' : s[i]);
    buf[len] = '\0';
    for (i = 0; i < n; i++)
        if (strcmp(buf, list[i]) == 0)
            return true;
    return false;
}

/* States and countries: Safe Harbor keeps them (only subdivisions smaller than a state go). */
static const char *const not_phi_places[] = {
    "afghanistan",
    "albania",
    "algeria",
    "argentina",
    "armenia",
    "australia",
    "austria",
    "bangladesh",
    "belgium",
    "bolivia",
    "brazil",
    "bulgaria",
    "canada",
    "chile",
    "china",
    "colombia",
    "croatia",
    "cuba",
    "cyprus",
    "czechia",
    "czech republic",
    "denmark",
    "ecuador",
    "egypt",
    "england",
    "estonia",
    "ethiopia",
    "finland",
    "france",
    "germany",
    "ghana",
    "greece",
    "greenland",
    "hungary",
    "iceland",
    "india",
    "indonesia",
    "iran",
    "iraq",
    "ireland",
    "israel",
    "italy",
    "jamaica",
    "japan",
    "jordan",
    "kenya",
    "korea",
    "latvia",
    "lebanon",
    "lithuania",
    "luxembourg",
    "malaysia",
    "mexico",
    "morocco",
    "nepal",
    "netherlands",
    "the netherlands",
    "new zealand",
    "nigeria",
    "norway",
    "pakistan",
    "peru",
    "philippines",
    "poland",
    "portugal",
    "romania",
    "russia",
    "scotland",
    "serbia",
    "singapore",
    "slovakia",
    "slovenia",
    "spain",
    "sweden",
    "switzerland",
    "syria",
    "taiwan",
    "thailand",
    "turkey",
    "ukraine",
    "uruguay",
    "venezuela",
    "vietnam",
    "wales",
    "united kingdom",
    "united states",
    "usa",
    "us",
    "uk",
    "the us",
    "america",
    "europe",
    "asia",
    "africa",
    "iceland",
    "greenlander",
    "britain",
    "great britain",
    "south africa",
    "alabama",
    "alaska",
    "arizona",
    "arkansas",
    "california",
    "colorado",
    "connecticut",
    "delaware",
    "florida",
    "georgia",
    "hawaii",
    "idaho",
    "illinois",
    "indiana",
    "iowa",
    "kansas",
    "kentucky",
    "louisiana",
    "maine",
    "maryland",
    "massachusetts",
    "michigan",
    "minnesota",
    "mississippi",
    "missouri",
    "montana",
    "nebraska",
    "nevada",
    "new hampshire",
    "new jersey",
    "new mexico",
    "new york",
    "north carolina",
    "north dakota",
    "ohio",
    "oklahoma",
    "oregon",
    "pennsylvania",
    "rhode island",
    "south carolina",
    "south dakota",
    "tennessee",
    "texas",
    "utah",
    "vermont",
    "virginia",
    "washington",
    "west virginia",
    "wisconsin",
    "wyoming",
};

static const char *const month_words[] = {
    "january",   "february", "march",    "april",    "may",  "june", "july", "august",
    "september", "october",  "november", "december", "jan",  "feb",  "mar",  "apr",
    "jun",       "jul",      "aug",      "sep",      "sept", "oct",  "nov",  "dec",
};

/* Is a presidio DATE_TIME value a Safe Harbor date element (more than a year)? A month name,
 * or a digit group that is neither a lone year (1990, 1990s, '90s) nor a clock time. */
static bool date_is_phi(const char *v, size_t len)
{
    size_t i = 0;
    int groups = 0, years = 0, times = 0;

    while (i < len) {
        size_t s = i;
        if ((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z')) {
            while (i < len && ((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z')))
                i++;
            if (lower_in(v + s, i - s, month_words, FOLIO_ARRAY_LEN(month_words)))
                return true;
            continue;
        }
        if (v[i] >= '0' && v[i] <= '9') {
            while (i < len && v[i] >= '0' && v[i] <= '9')
                i++;
            groups++;
            if (i - s == 4 && (v[s] == '1' || v[s] == '2'))
                years++;
            else if ((i < len && v[i] == ':') || (s > 0 && v[s - 1] == ':'))
                times++;
            else if (s > 0 && v[s - 1] == '\'' && i - s == 2)
                years++;
            continue;
        }
        i++;
    }
    return groups > years + times;
}

/* presidio label -> HIPAA type, or -1 (not PHI under Safe Harbor: ORGANIZATION, NRP, TITLE,
 * ages <= 89, DATE_TIME without a date element, countries and states). */
static int map_label(const char *label, const char *value, size_t vlen)
{
    if (strcmp(label, "PERSON") == 0)
        return FOLIO_DEID_NAME;
    if (strcmp(label, "STREET_ADDRESS") == 0 || strcmp(label, "ZIP_CODE") == 0)
        return FOLIO_DEID_GEOGRAPHIC;
    if (strcmp(label, "GPE") == 0)
        return lower_in(value, vlen, not_phi_places, FOLIO_ARRAY_LEN(not_phi_places))
                   ? -1
                   : FOLIO_DEID_GEOGRAPHIC;
    if (strcmp(label, "DATE_TIME") == 0)
        return date_is_phi(value, vlen) ? FOLIO_DEID_DATE : -1;
    if (strcmp(label, "AGE") == 0) {
        int64_t age = 0;
        if (folio_sv_to_i64((struct folio_sv){value, vlen}, &age) == FOLIO_OK && age > 89)
            return FOLIO_DEID_DATE;
        return -1;
    }
    if (strcmp(label, "PHONE_NUMBER") == 0)
        return FOLIO_DEID_PHONE;
    if (strcmp(label, "EMAIL_ADDRESS") == 0)
        return FOLIO_DEID_EMAIL;
    if (strcmp(label, "US_SSN") == 0)
        return FOLIO_DEID_SSN;
    if (strcmp(label, "IP_ADDRESS") == 0)
        return FOLIO_DEID_IP;
    if (strcmp(label, "CREDIT_CARD") == 0 || strcmp(label, "IBAN_CODE") == 0)
        return FOLIO_DEID_ACCOUNT;
    if (strcmp(label, "US_DRIVER_LICENSE") == 0)
        return FOLIO_DEID_LICENSE;
    if (strcmp(label, "DOMAIN_NAME") == 0)
        return FOLIO_DEID_URL;
    return -1; /* ORGANIZATION, NRP, TITLE */
}

/* US state codes (the two-letter abbreviations Safe Harbor keeps like the names). */
static const char *const state_codes[] = {
    "al", "ak", "az", "ar", "ca", "co", "ct", "de", "fl", "ga", "hi", "id", "il", "in", "ia", "ks",
    "ky", "la", "me", "md", "ma", "mi", "mn", "ms", "mo", "mt", "ne", "nv", "nh", "nj", "nm", "ny",
    "nc", "nd", "oh", "ok", "or", "pa", "ri", "sc", "sd", "tn", "tx", "ut", "vt", "va", "wa", "wv",
    "wi", "wy", "dc"};

/* In each geographic gold span, the words that are not PHI under Safe Harbor: a country or a
 * state (one or two words, "United Kingdom"), a state code, "(Greek)" after "Cyprus", and "nan"
 * (the generator's empty field). keep[i] = 1 for their bytes. */
static void mark_kept_places(const char *text, size_t len, const struct deid_gold *gold,
                             size_t ngold, unsigned char *keep)
{
    memset(keep, 0, len + 1);
    for (size_t g = 0; g < ngold; g++) {
        size_t i = gold[g].start, e = gold[g].end;
        if (gold[g].type != (int)FOLIO_DEID_GEOGRAPHIC)
            continue;
        while (i < e) {
            size_t a = i, b, b2;
            if (!deid_alnum_byte((unsigned char)text[i]) && text[i] != '(') {
                i++;
                continue;
            }
            b = a;
            while (b < e && (deid_alnum_byte((unsigned char)text[b]) || text[b] == '(' ||
                             text[b] == ')'))
                b++;
            /* two words first */
            b2 = b;
            if (b2 < e && text[b2] == ' ') {
                b2++;
                while (b2 < e && deid_alnum_byte((unsigned char)text[b2]))
                    b2++;
            }
            if (b2 > b + 1 && lower_in(text + a, b2 - a, not_phi_places,
                                       FOLIO_ARRAY_LEN(not_phi_places))) {
                memset(keep + a, 1, b2 - a);
                i = b2;
                continue;
            }
            if (lower_in(text + a, b - a, not_phi_places, FOLIO_ARRAY_LEN(not_phi_places)) ||
                lower_in(text + a, b - a, state_codes, FOLIO_ARRAY_LEN(state_codes)) ||
                (b - a == 3 && lower_in(text + a, 3, (const char *const[]){"nan"}, 1)) ||
                (b - a == 7 && lower_in(text + a, 7, (const char *const[]){"(greek)"}, 1)))
                memset(keep + a, 1, b - a);
            i = b;
        }
    }
}

/* Byte offset of code point cp in UTF-8 s. */
static size_t cp_to_byte(const char *s, size_t len, size_t cp)
{
    size_t i = 0, n = 0;

    while (i < len && n < cp) {
        i++;
        while (i < len && ((unsigned char)s[i] & 0xC0u) == 0x80u)
            i++;
        n++;
    }
    return i;
}

static void print_diag(const char *text, const struct deid_gold *gold, size_t ngold,
                       const struct folio_deid_spans *pred, const unsigned char *keep)
{
    size_t g, p, i;

    for (g = 0; g < ngold && show_miss >= 0; g++) {
        bool all = true;
        if (gold[g].type != show_miss)
            continue;
        for (i = gold[g].start; i < gold[g].end; i++) {
            bool cov = false;
            if (!deid_alnum_byte((unsigned char)text[i]) || (keep && keep[i]))
                continue;
            for (p = 0; p < pred->n; p++)
                if (pred->v[p].start <= i && i < pred->v[p].end)
                    cov = true;
            if (!cov)
                all = false;
        }
        if (!all)
            printf("MISS %.*s  ||| %.120s\n", (int)(gold[g].end - gold[g].start),
                   text + gold[g].start, text);
    }
    for (p = 0; p < pred->n && show_fp >= 0; p++) {
        bool tp = false;
        if ((int)pred->v[p].type != show_fp)
            continue;
        for (g = 0; g < ngold; g++)
            if (gold[g].type >= 0 && gold[g].start < pred->v[p].end &&
                pred->v[p].start < gold[g].end)
                tp = true;
        if (!tp)
            printf("FP %.*s  ||| %.120s\n", (int)(pred->v[p].end - pred->v[p].start),
                   text + pred->v[p].start, text);
    }
}

static int run_presidio(const char *path, struct deid_score *sc, struct deid_score *strict,
                        size_t *nnotes)
{
    unsigned char *keep = NULL;
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr), *item;
    size_t idx;
    static struct deid_gold gold[256];

    if (!root || !json_is_array(root)) {
        fprintf(stderr, "bench_deid: cannot read %s: %s\n", path, jerr.text);
        json_decref(root);
        return 1;
    }
    json_array_foreach(root, idx, item)
    {
        const char *text = json_string_value(json_object_get(item, "full_text"));
        json_t *spans = json_object_get(item, "spans"), *sp;
        size_t len, k, ng = 0;
        struct folio_deid_spans pred;
        struct folio_err err;
        if (!text)
            continue;
        len = strlen(text);
        json_array_foreach(spans, k, sp)
        {
            const char *label = json_string_value(json_object_get(sp, "entity_type"));
            json_int_t s = json_integer_value(json_object_get(sp, "start_position"));
            json_int_t e = json_integer_value(json_object_get(sp, "end_position"));
            size_t bs, be;
            if (!label || s < 0 || e < s || ng == FOLIO_ARRAY_LEN(gold))
                continue;
            bs = cp_to_byte(text, len, (size_t)s);
            be = cp_to_byte(text, len, (size_t)e);
            gold[ng].start = bs;
            gold[ng].end = be;
            gold[ng].type = map_label(label, text + bs, be - bs);
            ng++;
        }
        if (folio_deid_text_find(text, len, &pred, &err)) {
            fprintf(stderr, "bench_deid: note %zu: %s\n", idx, err.msg);
            continue;
        }
        keep = realloc(keep, len + 1);
        if (!keep) {
            fprintf(stderr, "bench_deid: out of memory\n");
            break;
        }
        mark_kept_places(text, len, gold, ng, keep);
        deid_score_add(sc, text, gold, ng, &pred, keep);
        deid_score_add(strict, text, gold, ng, &pred, NULL);
        print_diag(text, gold, ng, &pred, keep);
        folio_deid_spans_release(&pred);
        (*nnotes)++;
    }
    free(keep);
    json_decref(root);
    return 0;
}

int main(int argc, char **argv)
{
    const char *data = NULL, *shared = getenv("FOLIO_SHARED");
    char path[4096];
    unsigned long notes = 500, seed = 20240305;
    struct deid_score sp = {0}, sg = {0}, strict = {0};
    size_t np = 0, i;
    uint64_t rng;
    struct timespec t0, t1;
    size_t bytes = 0;

    for (int a = 1; a < argc; a++) {
        enum folio_deid_type t;
        if (strcmp(argv[a], "--data") == 0 && a + 1 < argc)
            data = argv[++a];
        else if (strcmp(argv[a], "--notes") == 0 && a + 1 < argc)
            notes = strtoul(argv[++a], NULL, 10);
        else if (strcmp(argv[a], "--seed") == 0 && a + 1 < argc)
            seed = strtoul(argv[++a], NULL, 10);
        else if (strcmp(argv[a], "--misses") == 0 && a + 1 < argc &&
                 folio_deid_type_from_name(argv[a + 1], &t)) {
            show_miss = (int)t;
            a++;
        } else if (strcmp(argv[a], "--fps") == 0 && a + 1 < argc &&
                   folio_deid_type_from_name(argv[a + 1], &t)) {
            show_fp = (int)t;
            a++;
        } else {
            fprintf(stderr, "usage: bench_deid [--data PATH] [--notes N] [--seed S] "
                            "[--misses TYPE] [--fps TYPE]\n");
            return 2;
        }
    }
    if (!data) {
        if (!folio_snprintf(path, sizeof(path), "%s/%s", shared ? shared : "../shared", REL))
            return 2;
        data = path;
    }
    if (run_presidio(data, &sp, &strict, &np) == 0)
        printf("presidio-research synth_dataset_v2 (%zu notes)\n", np);
    deid_score_print(stdout, "", &sp);
    printf("geographic recall when the countries and states kept inside addresses count as "
           "misses: %.4f\n",
           deid_recall(&strict, FOLIO_DEID_GEOGRAPHIC));

    rng = seed;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (i = 0; i < notes; i++) {
        struct deid_note n;
        struct folio_deid_spans pred;
        struct folio_err err;
        deid_gen_note(&n, &rng);
        bytes += n.text.len;
        if (folio_deid_text_find(n.text.data, n.text.len, &pred, &err) == FOLIO_OK) {
            deid_score_add(&sg, n.text.data, n.gold, n.ngold, &pred, NULL);
            print_diag(n.text.data, n.gold, n.ngold, &pred, NULL);
            folio_deid_spans_release(&pred);
        }
        folio_buf_release(&n.text);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("\ngenerated clinical notes (%lu notes, seed %lu)\n", notes, seed);
    deid_score_print(stdout, "", &sg);
    printf("\nthroughput: %.1f MB/s on generated notes\n",
           (double)bytes / 1e6 /
               ((double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9));
    return 0;
}
