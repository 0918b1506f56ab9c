/* Synthetic clinical notes with known PHI, and the scoring of free-text de-identification
 * (docs/deid.md). Shared by bench/bench_deid.c and tests/unit/test_deid.c; header-only
 * (static inline) so each includes it without a library of its own.
 *
 * Scoring (both data sets):
 * - a gold span is found when every letter or digit byte in it lies inside some predicted span
 *   (any type: "removed"); it is found-typed when those bytes lie inside predicted spans of
 *   its own HIPAA type;
 * - a predicted span is a true positive when it overlaps a letter or digit byte of some gold
 *   PHI span; otherwise it is a false positive (including overlaps with gold spans that are not
 *   PHI under Safe Harbor, such as organisations).
 * recall(t) = found gold spans of type t / gold spans of type t; precision(t) = true-positive
 * predicted spans of type t / predicted spans of type t. */
#ifndef FOLIO_BENCH_DEID_GEN_H
#define FOLIO_BENCH_DEID_GEN_H

#include "folio/base.h"
#include "folio/deid.h"

struct deid_gold {
    size_t start, end;
    int type; /* enum folio_deid_type, or -1: a labelled span that is not PHI */
};

struct deid_note {
    struct folio_buf text;
    struct deid_gold gold[64];
    size_t ngold;
};

struct deid_score {
    size_t gold[FOLIO_DEID_NTYPES], found[FOLIO_DEID_NTYPES], typed[FOLIO_DEID_NTYPES];
    size_t pred[FOLIO_DEID_NTYPES], tp[FOLIO_DEID_NTYPES];
};

static inline uint64_t deid_rng(uint64_t *s) /* splitmix64 */
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline unsigned deid_pick(uint64_t *s, unsigned n)
{
    return (unsigned)(deid_rng(s) % n);
}

static inline bool deid_alnum_byte(unsigned char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           ch >= 0x80;
}

/* A courtesy title at the start of a gold name ("Dr. ", "Mrs. ") is not PHI: scoring starts
 * after it (docs/deid.md, Scoring). */
static inline size_t deid_skip_title(const char *text, size_t start, size_t end, int type)
{
    static const char *const t[] = {"dr", "mr", "mrs", "ms", "miss", "mx", "prof"};
    size_t k, n;

    if (type != (int)FOLIO_DEID_NAME)
        return start;
    for (k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
        n = strlen(t[k]);
        if (end - start > n + 2) {
            size_t j;
            for (j = 0; j < n; j++)
                if ((text[start + j] | 0x20) != t[k][j])
                    break;
            if (j == n && (text[start + n] == '.' || text[start + n] == ' '))
                return start + n;
        }
    }
    return start;
}

/* Adds the score of one note. keep (may be NULL): bytes of the text that are not PHI even
 * inside a gold span (a country or state inside a presidio street address: Safe Harbor keeps
 * them), ignored like punctuation when deciding whether a gold span was found. */
static inline void deid_score_add(struct deid_score *sc, const char *text,
                                  const struct deid_gold *gold, size_t ngold,
                                  const struct folio_deid_spans *pred, const unsigned char *keep)
{
    size_t g, p, i;

    for (g = 0; g < ngold; g++) {
        bool all = true, typed = true, any = false;
        if (gold[g].type < 0)
            continue;
        sc->gold[gold[g].type]++;
        for (i = deid_skip_title(text, gold[g].start, gold[g].end, gold[g].type); i < gold[g].end;
             i++) {
            bool cov = false, covt = false;
            if (!deid_alnum_byte((unsigned char)text[i]) || (keep && keep[i]))
                continue;
            any = true;
            for (p = 0; p < pred->n; p++)
                if (pred->v[p].start <= i && i < pred->v[p].end) {
                    cov = true;
                    covt = (int)pred->v[p].type == gold[g].type;
                    break;
                }
            if (!cov)
                all = false;
            if (!covt)
                typed = false;
        }
        if (any && all)
            sc->found[gold[g].type]++;
        if (any && typed)
            sc->typed[gold[g].type]++;
    }
    for (p = 0; p < pred->n; p++) {
        bool tp = false;
        sc->pred[pred->v[p].type]++;
        for (g = 0; g < ngold && !tp; g++) {
            if (gold[g].type < 0)
                continue;
            for (i = gold[g].start; i < gold[g].end; i++)
                if (pred->v[p].start <= i && i < pred->v[p].end &&
                    deid_alnum_byte((unsigned char)text[i])) {
                    tp = true;
                    break;
                }
        }
        if (tp)
            sc->tp[pred->v[p].type]++;
    }
}

static inline void deid_score_print(FILE *f, const char *title, const struct deid_score *sc)
{
    unsigned t;
    size_t g = 0, fo = 0, pr = 0, tp = 0;

    fprintf(f, "%s\n%-12s %6s %8s %8s %6s %9s\n", title, "type", "gold", "recall", "typed", "pred",
            "precision");
    for (t = 0; t < FOLIO_DEID_NTYPES; t++) {
        if (!sc->gold[t] && !sc->pred[t])
            continue;
        fprintf(f, "%-12s %6zu ", folio_deid_type_name((enum folio_deid_type)t), sc->gold[t]);
        if (sc->gold[t])
            fprintf(f, "%8.4f %8.4f ", (double)sc->found[t] / (double)sc->gold[t],
                    (double)sc->typed[t] / (double)sc->gold[t]);
        else
            fprintf(f, "%8s %8s ", "-", "-");
        fprintf(f, "%6zu ", sc->pred[t]);
        if (sc->pred[t])
            fprintf(f, "%9.4f\n", (double)sc->tp[t] / (double)sc->pred[t]);
        else
            fprintf(f, "%9s\n", "-");
        g += sc->gold[t];
        fo += sc->found[t];
        pr += sc->pred[t];
        tp += sc->tp[t];
    }
    fprintf(f, "%-12s %6zu %8.4f %8s %6zu %9.4f\n", "all", g, g ? (double)fo / (double)g : 0.0, "",
            pr, pr ? (double)tp / (double)pr : 0.0);
}

static inline double deid_recall(const struct deid_score *sc, enum folio_deid_type t)
{
    return sc->gold[t] ? (double)sc->found[t] / (double)sc->gold[t] : 1.0;
}

/* ---- the generator ---- */

static const char *const deid_gen_given[] = {
    "John",     "Mary",     "Robert", "Linda",       "Michael",  "Patricia",  "David",
    "Jennifer", "James",    "Susan",  "Maria",       "Carlos",   "Aisha",     "Wei",
    "Priya",    "Dmitri",   "Keisha", "Tomasz",      "Ngozi",    "Hiroshi",   "Fatima",
    "Liam",     "Olivia",   "Ethan",  "Sophia",      "Mateo",    "Yusuf",     "Ingrid",
    "Rosalind", "Thaddeus", "Imani",  "Bartholomew", "Delphine", "Esperanza", "Kwame",
};
static const char *const deid_gen_family[] = {
    "Smith",      "Johnson",     "Garcia",    "Nguyen",    "Patel",      "Okafor",
    "Kowalski",   "Yamamoto",    "Schneider", "Haddad",    "Brennan",    "Lindqvist",
    "Abernathy",  "Castellanos", "Oyelaran",  "Whitfield", "Marchetti",  "Thornbury",
    "Villanueva", "Kaczmarek",   "Ferreira",  "Dubois",    "Achterberg", "Mbeki",
    "Rasmussen",  "Quinlan",     "Sokolov",   "Delacroix", "Pemberton",
};
static const char *const deid_gen_streets[] = {
    "Oak",    "Maple", "Cedar",     "Elm",    "Washington", "Lake", "Hillcrest",
    "Sunset", "Pine",  "Riverside", "Church", "Highland",   "Mill"};
static const char *const deid_gen_stsuf[] = {"Street", "St.",  "Avenue",    "Ave",   "Road", "Rd",
                                             "Drive",  "Lane", "Boulevard", "Court", "Way"};
static const char *const deid_gen_cities[] = {
    "Springfield", "Riverton",   "Fairview", "Franklin", "Greenville", "Bristol", "Clinton",
    "Madison",     "Georgetown", "Salem",    "Ashland",  "Milford",    "Oakdale", "Brookhaven"};
static const char *const deid_gen_states[] = {"IL", "MA", "OH", "TX", "CA", "NY",
                                              "PA", "GA", "WA", "OR", "MN", "NC"};
static const char *const deid_gen_months[] = {"January",   "February", "March",    "April",
                                              "May",       "June",     "July",     "August",
                                              "September", "October",  "November", "December"};
static const char *const deid_gen_mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* Appends literal text. */
static inline void deid_gen_lit(struct deid_note *n, const char *s)
{
    if (folio_buf_append_str(&n->text, s))
        FOLIO_BUG("deid generator: buffer");
}

/* Appends formatted PHI and records its gold span. */
static inline void deid_gen_phi(struct deid_note *n, int type, const char *fmt, ...)
    FOLIO_PRINTF(3, 4);
static inline void deid_gen_phi(struct deid_note *n, int type, const char *fmt, ...)
{
    va_list ap;
    size_t start = n->text.len;

    va_start(ap, fmt);
    if (folio_buf_vappendf(&n->text, fmt, ap))
        FOLIO_BUG("deid generator: buffer");
    va_end(ap);
    if (n->ngold < FOLIO_ARRAY_LEN(n->gold)) {
        n->gold[n->ngold].start = start;
        n->gold[n->ngold].end = n->text.len;
        n->gold[n->ngold].type = type;
        n->ngold++;
    }
}

static inline void deid_gen_name(struct deid_note *n, uint64_t *s, bool full)
{
    const char *g = deid_gen_given[deid_pick(s, FOLIO_ARRAY_LEN(deid_gen_given))];
    const char *f = deid_gen_family[deid_pick(s, FOLIO_ARRAY_LEN(deid_gen_family))];

    switch (full ? deid_pick(s, 4) : 3) {
    case 0:
        deid_gen_phi(n, FOLIO_DEID_NAME, "%s %s", g, f);
        break;
    case 1:
        deid_gen_phi(n, FOLIO_DEID_NAME, "%s %c. %s", g, 'A' + deid_pick(s, 26), f);
        break;
    case 2:
        deid_gen_phi(n, FOLIO_DEID_NAME, "%s, %s", f, g);
        break;
    default:
        deid_gen_phi(n, FOLIO_DEID_NAME, "%s", f);
        break;
    }
}

static inline void deid_gen_date(struct deid_note *n, uint64_t *s)
{
    unsigned y = 1990 + deid_pick(s, 35), m = 1 + deid_pick(s, 12), d = 1 + deid_pick(s, 28);

    switch (deid_pick(s, 8)) {
    case 0:
        deid_gen_phi(n, FOLIO_DEID_DATE, "%02u/%02u/%u", m, d, y);
        break;
    case 1:
        deid_gen_phi(n, FOLIO_DEID_DATE, "%u-%u-%02u", m, d, y % 100);
        break;
    case 2:
        deid_gen_phi(n, FOLIO_DEID_DATE, "%s %u, %u", deid_gen_months[m - 1], d, y);
        break;
    case 3:
        deid_gen_phi(n, FOLIO_DEID_DATE, "%u %s %u", d, deid_gen_mon[m - 1], y);
        break;
    case 4:
        deid_gen_phi(n, FOLIO_DEID_DATE, "%u-%02u-%02u", y, m, d);
        break;
    case 5:
        deid_gen_phi(n, FOLIO_DEID_DATE, "%u/%u", m, d);
        break;
    case 6:
        deid_gen_phi(n, FOLIO_DEID_DATE, "%s %u", deid_gen_months[m - 1], d);
        break;
    default:
        deid_gen_phi(n, FOLIO_DEID_DATE, "%u.%u.%u", m, d, y);
        break;
    }
}

static inline void deid_gen_phone(struct deid_note *n, uint64_t *s, int type)
{
    unsigned a = 200 + deid_pick(s, 790), b = 200 + deid_pick(s, 790), c = deid_pick(s, 10000);

    switch (deid_pick(s, 4)) {
    case 0:
        deid_gen_phi(n, type, "(%u) %u-%04u", a, b, c);
        break;
    case 1:
        deid_gen_phi(n, type, "%u-%u-%04u", a, b, c);
        break;
    case 2:
        deid_gen_phi(n, type, "%u.%u.%04u", a, b, c);
        break;
    default:
        deid_gen_phi(n, type, "+1 %u %u %04u", a, b, c);
        break;
    }
}

/* One note of a few hundred bytes from one of the templates, seeded by *s. */
static inline void deid_gen_note(struct deid_note *n, uint64_t *s)
{
    unsigned t = deid_pick(s, 8);
    unsigned mrn = 1000000 + deid_pick(s, 8999999);

    folio_buf_init(&n->text, 1 << 16);
    n->ngold = 0;
    switch (t) {
    case 0:
        deid_gen_lit(n, "DISCHARGE SUMMARY\nPatient: ");
        deid_gen_name(n, s, true);
        deid_gen_lit(n, "\nMRN: ");
        deid_gen_phi(n, FOLIO_DEID_MRN, "%u", mrn);
        deid_gen_lit(n, "\nAdmission date: ");
        deid_gen_date(n, s);
        deid_gen_lit(n, "  Discharge date: ");
        deid_gen_date(n, s);
        deid_gen_lit(n, "\nAttending: Dr. ");
        deid_gen_name(n, s, true);
        deid_gen_lit(n, "\n\nHospital course: Mr. ");
        deid_gen_name(n, s, false);
        deid_gen_lit(n, " is a 67-year-old man admitted with community-acquired pneumonia. "
                        "He improved on ceftriaxone and was discharged home with his wife ");
        deid_gen_name(n, s, false);
        deid_gen_lit(n, ". Follow up with Dr. ");
        deid_gen_name(n, s, false);
        deid_gen_lit(n, " on ");
        deid_gen_date(n, s);
        deid_gen_lit(n, ". Call ");
        deid_gen_phone(n, s, FOLIO_DEID_PHONE);
        deid_gen_lit(n, " with questions.\n");
        break;
    case 1:
        deid_gen_lit(n, "Progress note ");
        deid_gen_date(n, s);
        deid_gen_lit(n, "\nS: ");
        deid_gen_name(n, s, true);
        deid_gen_lit(n, " reports less dyspnea. Her daughter ");
        deid_gen_phi(n, FOLIO_DEID_NAME, "%s",
                     deid_gen_given[deid_pick(s, FOLIO_ARRAY_LEN(deid_gen_given))]);
        deid_gen_lit(n, " was present.\nO: BP 132/78, HR 88, SpO2 95% on 2 L.\n"
                        "A/P: CHF exacerbation, continue furosemide 40 mg daily. Seen by ");
        deid_gen_name(n, s, true);
        deid_gen_lit(n, ", MD. Pager ");
        deid_gen_phone(n, s, FOLIO_DEID_PHONE);
        deid_gen_lit(n, ".\n");
        break;
    case 2:
        deid_gen_lit(n, "Registration\nName: ");
        deid_gen_name(n, s, true);
        deid_gen_lit(n, "\nDOB: ");
        deid_gen_date(n, s);
        deid_gen_lit(n, "\nSSN: ");
        deid_gen_phi(n, FOLIO_DEID_SSN, "%03u-%02u-%04u", 100 + deid_pick(s, 660),
                     1 + deid_pick(s, 98), 1 + deid_pick(s, 9998));
        deid_gen_lit(n, "\nAddress: ");
        deid_gen_phi(n, FOLIO_DEID_GEOGRAPHIC, "%u %s %s", 10 + deid_pick(s, 9000),
                     deid_gen_streets[deid_pick(s, FOLIO_ARRAY_LEN(deid_gen_streets))],
                     deid_gen_stsuf[deid_pick(s, FOLIO_ARRAY_LEN(deid_gen_stsuf))]);
        deid_gen_lit(n, ", ");
        deid_gen_phi(n, FOLIO_DEID_GEOGRAPHIC, "%s",
                     deid_gen_cities[deid_pick(s, FOLIO_ARRAY_LEN(deid_gen_cities))]);
        deid_gen_lit(n, ", ");
        deid_gen_lit(n, deid_gen_states[deid_pick(s, FOLIO_ARRAY_LEN(deid_gen_states))]);
        deid_gen_lit(n, " ");
        deid_gen_phi(n, FOLIO_DEID_GEOGRAPHIC, "%05u", 1000 + deid_pick(s, 98000));
        deid_gen_lit(n, "\nPhone: ");
        deid_gen_phone(n, s, FOLIO_DEID_PHONE);
        deid_gen_lit(n, "\nFax: ");
        deid_gen_phone(n, s, FOLIO_DEID_FAX);
        deid_gen_lit(n, "\nEmail: ");
        deid_gen_phi(n, FOLIO_DEID_EMAIL, "%s.%s%u@%s",
                     deid_gen_given[deid_pick(s, FOLIO_ARRAY_LEN(deid_gen_given))],
                     deid_gen_family[deid_pick(s, FOLIO_ARRAY_LEN(deid_gen_family))],
                     deid_pick(s, 100), deid_pick(s, 2) ? "example.com" : "mail.example.org");
        deid_gen_lit(n, "\nInsurance member ID: ");
        deid_gen_phi(n, FOLIO_DEID_HEALTH_PLAN, "%c%c%c%09u", 'A' + deid_pick(s, 26),
                     'A' + deid_pick(s, 26), 'A' + deid_pick(s, 26), deid_pick(s, 999999999));
        deid_gen_lit(n, "\nAccount #: ");
        deid_gen_phi(n, FOLIO_DEID_ACCOUNT, "%u", 10000000 + deid_pick(s, 89999999));
        deid_gen_lit(n, "\n");
        break;
    case 3:
        deid_gen_lit(n, "ED note: ");
        deid_gen_phi(n, FOLIO_DEID_DATE, "%u", 90 + deid_pick(s, 15));
        deid_gen_lit(n, "-year-old female brought in by EMS from home in ");
        deid_gen_phi(n, FOLIO_DEID_GEOGRAPHIC, "%s",
                     deid_gen_cities[deid_pick(s, FOLIO_ARRAY_LEN(deid_gen_cities))]);
        deid_gen_lit(n, " after a fall on ");
        deid_gen_date(n, s);
        deid_gen_lit(n, ". Son ");
        deid_gen_name(n, s, true);
        deid_gen_lit(n, " can be reached at ");
        deid_gen_phone(n, s, FOLIO_DEID_PHONE);
        deid_gen_lit(n, ". Pacemaker serial ");
        deid_gen_phi(n, FOLIO_DEID_DEVICE, "PM%07u", deid_pick(s, 9999999));
        deid_gen_lit(n, ". Hip X-ray negative. Medical record number ");
        deid_gen_phi(n, FOLIO_DEID_MRN, "%u", mrn);
        deid_gen_lit(n, ".\n");
        break;
    case 4:
        deid_gen_lit(n, "Telehealth visit on ");
        deid_gen_date(n, s);
        deid_gen_lit(n, " with ");
        deid_gen_name(n, s, true);
        deid_gen_lit(n, " from IP ");
        deid_gen_phi(n, FOLIO_DEID_IP, "10.%u.%u.%u", deid_pick(s, 256), deid_pick(s, 256),
                     deid_pick(s, 256));
        deid_gen_lit(n, ". Portal: ");
        deid_gen_phi(n, FOLIO_DEID_URL, "https://portal.example.org/p/%u", mrn);
        deid_gen_lit(n, ". Driver's license ");
        deid_gen_phi(n, FOLIO_DEID_LICENSE, "D%07u", deid_pick(s, 9999999));
        deid_gen_lit(n, " verified. Vehicle VIN ");
        deid_gen_phi(n, FOLIO_DEID_VEHICLE, "1HGCM8%04uA%06u", deid_pick(s, 10000),
                     deid_pick(s, 999999));
        deid_gen_lit(n, " noted for the accident report. Plan: physical therapy twice weekly; "
                        "recheck A1c in 3 months.\n");
        break;
    case 6: /* fewer cues: names at the start of sentences, no title dots, lists */
        deid_gen_phi(n, FOLIO_DEID_NAME, "%s",
                     deid_gen_family[deid_pick(s, FOLIO_ARRAY_LEN(deid_gen_family))]);
        deid_gen_lit(n, " tolerated the procedure without complication. Discussed with his "
                        "sister, ");
        deid_gen_phi(n, FOLIO_DEID_NAME, "%s",
                     deid_gen_given[deid_pick(s, FOLIO_ARRAY_LEN(deid_gen_given))]);
        deid_gen_lit(n, ", at the bedside; per Dr ");
        deid_gen_name(n, s, false);
        deid_gen_lit(n, " the drain comes out ");
        deid_gen_phi(n, FOLIO_DEID_DATE, "%s %u%s", deid_gen_mon[deid_pick(s, 12)],
                     1 + deid_pick(s, 28), deid_pick(s, 2) ? "th" : "");
        deid_gen_lit(n, ". Family present: ");
        deid_gen_phi(n, FOLIO_DEID_NAME, "%s",
                     deid_gen_given[deid_pick(s, FOLIO_ARRAY_LEN(deid_gen_given))]);
        deid_gen_lit(n, ", ");
        deid_gen_phi(n, FOLIO_DEID_NAME, "%s",
                     deid_gen_given[deid_pick(s, FOLIO_ARRAY_LEN(deid_gen_given))]);
        deid_gen_lit(n, " and ");
        deid_gen_phi(n, FOLIO_DEID_NAME, "%s",
                     deid_gen_given[deid_pick(s, FOLIO_ARRAY_LEN(deid_gen_given))]);
        deid_gen_lit(n, ". Reached at ");
        deid_gen_phone(n, s, FOLIO_DEID_PHONE);
        deid_gen_lit(n, " ext. 42 at ");
        deid_gen_phi(n, FOLIO_DEID_DATE, "%u/%u/%u", 1 + deid_pick(s, 12), 1 + deid_pick(s, 28),
                     2000 + deid_pick(s, 25));
        deid_gen_lit(n, " 9:15 am.\n");
        break;
    case 7: /* a letter */
        deid_gen_lit(n, "Dear ");
        deid_gen_name(n, s, true);
        deid_gen_lit(n, ",\nThank you for referring ");
        deid_gen_name(n, s, true);
        deid_gen_lit(n, ", DOB ");
        deid_gen_phi(n, FOLIO_DEID_DATE, "%u-%02u-%02u", 1930 + deid_pick(s, 70),
                     1 + deid_pick(s, 12), 1 + deid_pick(s, 28));
        deid_gen_lit(n, ", who lives alone in ");
        deid_gen_phi(n, FOLIO_DEID_GEOGRAPHIC, "%s",
                     deid_gen_cities[deid_pick(s, FOLIO_ARRAY_LEN(deid_gen_cities))]);
        deid_gen_lit(n, ". Echocardiogram showed an EF of 55%. We will see her again in "
                        "six weeks.\nSincerely,\n");
        deid_gen_name(n, s, true);
        deid_gen_lit(n, ", MD\n");
        deid_gen_phi(n, FOLIO_DEID_EMAIL, "%s@%s",
                     deid_gen_family[deid_pick(s, FOLIO_ARRAY_LEN(deid_gen_family))],
                     "cardio.example.net");
        deid_gen_lit(n, "\n");
        break;
    default:
        deid_gen_lit(n, "Consult requested by Dr. ");
        deid_gen_name(n, s, false);
        deid_gen_lit(n, " for ");
        deid_gen_name(n, s, true);
        deid_gen_lit(n, " (MRN ");
        deid_gen_phi(n, FOLIO_DEID_MRN, "%u", mrn);
        deid_gen_lit(n, "), seen on the ");
        deid_gen_phi(n, FOLIO_DEID_DATE, "%u%s", 4 + deid_pick(s, 16), "th");
        deid_gen_lit(n, ". Lives at ");
        deid_gen_phi(n, FOLIO_DEID_GEOGRAPHIC, "%u %s %s", 10 + deid_pick(s, 9000),
                     deid_gen_streets[deid_pick(s, FOLIO_ARRAY_LEN(deid_gen_streets))],
                     deid_gen_stsuf[deid_pick(s, FOLIO_ARRAY_LEN(deid_gen_stsuf))]);
        deid_gen_lit(n, " with her husband ");
        deid_gen_name(n, s, true);
        deid_gen_lit(n, ". History of type 2 diabetes since 2015 and Parkinson's disease. "
                        "Recommend MRI brain. Card on file ");
        deid_gen_phi(n, FOLIO_DEID_ACCOUNT, "%s", "4111 1111 1111 1111");
        deid_gen_lit(n, ".\n");
        break;
    }
}

#endif
