/* Master patient index: identity matching (Fellegi-Sunter record linkage), blocking, identity
 * search at registration, and batch de-duplication of a CSV file.
 *
 * Method (docs/mpi-matching.md has the details, the weights and the measured figures):
 * - every field of two identity records is compared by a comparator fit for identities (names:
 *   accent folding, Jaro-Winkler, NYSIIS phonetic code, nickname table, swapped given/family,
 *   hyphenated and previous family names; birth date: transposed day/month, one digit off, year
 *   off by one or ten; SSN: one digit off, adjacent transposition; address, ZIP, phone, email,
 *   sex) which yields an agreement level;
 * - each (field, level) has an m probability (level seen among true matches) and a u probability
 *   (level seen among non-matches); its weight is log2(m/u); a missing value weighs 0;
 * - the score is the sum of the weights; score >= high links automatically, low <= score < high
 *   goes to a person (review), below low is not a link;
 * - hard rules (enum folio_mpi_rule) then forbid automatic links that would be dangerous (twins,
 *   Jr/Sr, ...): such a pair is at most sent to review. A false merge is worse than a missed
 *   duplicate.
 * Every score is explainable: struct folio_mpi_score lists each field with its level, weight and
 * the two values' short forms (SSNs masked to the last 4 digits).
 *
 * Threading: the pure functions (comparators, folio_mpi_compare, the model) are thread-safe;
 * functions taking a struct folio_chart follow the store's rule (one thread per store handle).
 * Library code never prints; no function here logs a value (PHI).
 */
#ifndef FOLIO_MPI_H
#define FOLIO_MPI_H

#include "folio/base.h"
#include "folio/records.h"

#include <math.h> /* NAN, for the "use the default" thresholds below */

/* ======================================================================================
 * Identity records
 * ====================================================================================== */

/* One identity as the matcher sees it. All strings borrowed, NULL or "" = missing. Values are
 * raw (as registered); the matcher normalises them itself (case, accents, punctuation).
 * birth_date: "YYYY-MM-DD" (a partial date "YYYY" / "YYYY-MM" compares at its precision).
 * sex: F/M (anything else, U included, counts as missing).
 * other_family: previous/maiden/alias family names, separated by '|' (e.g. "Garcia|Lopez").
 * ssn: the plain SSN (9 digits, dashes allowed): batch input only. In the database the SSN is
 *   sealed; the chart functions below compare it through blind indexes instead (ssn_bidx). */
struct folio_mpi_record {
    const char *record_id; /* caller's id (batch); may be NULL */
    int64_t patient_id;    /* chart id (database); 0 in batch */
    const char *given;
    const char *middle;
    const char *family;
    const char *suffix; /* Jr, Sr, II, III, IV ... */
    const char *other_family;
    const char *birth_date;
    const char *sex;
    const char *address; /* street line, e.g. "12 N Main Street Apt 4" */
    const char *city;
    const char *state;
    const char *zip;
    const char *phone;
    const char *ssn;
    const char *email;
};

/* Compared fields, in the order of the explanation. */
enum folio_mpi_field {
    FOLIO_MPI_GIVEN = 0,
    FOLIO_MPI_MIDDLE,
    FOLIO_MPI_FAMILY,
    FOLIO_MPI_SUFFIX,
    FOLIO_MPI_BIRTH_DATE,
    FOLIO_MPI_SEX,
    FOLIO_MPI_SSN,
    FOLIO_MPI_ADDRESS,
    FOLIO_MPI_ZIP,
    FOLIO_MPI_PHONE,
    FOLIO_MPI_EMAIL,
    FOLIO_MPI_NFIELDS
};
/* Stable lower-case name ("given", "birth_date", ...), for JSON and CSV. Never NULL. */
const char *folio_mpi_field_name(enum folio_mpi_field f);

/* Agreement levels, weakest to strongest. What CLOSE and PARTIAL mean per field:
 *   given     CLOSE: nickname, same phonetic code, Jaro-Winkler >= 0.92, or swapped with family;
 *             PARTIAL: initial only, or Jaro-Winkler >= 0.85
 *   middle    CLOSE: one is the other's initial
 *   family    CLOSE: phonetic / Jaro-Winkler >= 0.92 / a hyphen part / a previous family name
 *   suffix    EXACT same generational suffix; DISAGREE different (Jr vs Sr); MISSING if either none
 *   birth_date CLOSE: day/month transposed, one digit off, year off by 1 or 10, same month-day;
 *             PARTIAL: same year and month
 *   ssn       CLOSE: one digit off or two adjacent digits transposed (or two adjacent digits differ)
 *   address   CLOSE: same street number and similar street name; PARTIAL: same street number only
 *   zip       PARTIAL: same first 3 digits
 *   phone     CLOSE: same last 7 digits
 *   email     CLOSE: same local part (normalised), different domain
 *   sex       EXACT or DISAGREE */
enum folio_mpi_level {
    FOLIO_MPI_MISSING = 0, /* at least one side has no value: weight 0 */
    FOLIO_MPI_DISAGREE = 1,
    FOLIO_MPI_PARTIAL = 2,
    FOLIO_MPI_CLOSE = 3,
    FOLIO_MPI_EXACT = 4,
    FOLIO_MPI_NLEVELS
};
const char *folio_mpi_level_name(enum folio_mpi_level l); /* "exact", "close", ... never NULL */

/* ======================================================================================
 * Model: m/u probabilities, weights, thresholds
 * ====================================================================================== */
struct folio_mpi_model {
    /* m[f][l], u[f][l]: probability of level l for field f among matches / non-matches, given
     * that both values are present (the MISSING entries are unused). */
    double m[FOLIO_MPI_NFIELDS][FOLIO_MPI_NLEVELS];
    double u[FOLIO_MPI_NFIELDS][FOLIO_MPI_NLEVELS];
    double w[FOLIO_MPI_NFIELDS][FOLIO_MPI_NLEVELS]; /* log2(m/u), kept in step by _weights() */
    double high; /* score >= high: automatic link (unless a hard rule forbids it) */
    double low;  /* low <= score < high: review by a person */
};
/* The built-in defaults (documented in docs/mpi-matching.md), weights computed. */
void folio_mpi_model_default(struct folio_mpi_model *m);
/* Recomputes w from m and u (probabilities are clamped to [1e-6, 1 - 1e-6]). */
void folio_mpi_model_weights(struct folio_mpi_model *m);

/* EM estimation (Fellegi-Sunter with conditional independence) from agreement vectors of
 * candidate pairs (from blocking): levels[i * FOLIO_MPI_NFIELDS + f] is pair i's level for field
 * f. Starts from *m (usually the defaults), updates m and u and recomputes w; thresholds are
 * kept. Bounded iterations; estimates are clamped so that a degenerate sample cannot turn an
 * agreement into evidence against a match. *p_match (may be NULL) gets the estimated share of
 * matches. EINVAL when n_pairs is 0. */
enum folio_rc folio_mpi_em_estimate(struct folio_mpi_model *m, const unsigned char *levels,
                                    size_t n_pairs, double *p_match,
                                    struct folio_err *err) FOLIO_MUST_USE;

/* ======================================================================================
 * Pair scoring
 * ====================================================================================== */
enum folio_mpi_decision {
    FOLIO_MPI_NONLINK = 0,
    FOLIO_MPI_REVIEW = 1,
    FOLIO_MPI_LINK = 2,
};
const char *folio_mpi_decision_name(enum folio_mpi_decision d); /* "link", "review", "non-link" */

/* Hard rules: a pair caught by one is never linked automatically (at most REVIEW). Bit flags. */
enum folio_mpi_rule {
    /* both carry a generational suffix and they differ (Jr/Sr, II/III): father and son */
    FOLIO_MPI_RULE_SUFFIX = 1u << 0,
    /* SSN not equal and either the given names disagree outright, or birth date and family
     * agree while the given names are not the same or close: twins, household members */
    FOLIO_MPI_RULE_TWINS = 1u << 1,
    /* sex disagrees and given names are not identical (Daniel/Danielle twins) */
    FOLIO_MPI_RULE_SEX_GIVEN = 1u << 2,
    /* birth dates disagree beyond a recognisable error and SSN not equal: e.g. parent and child */
    FOLIO_MPI_RULE_BIRTH_DATE = 1u << 3,
    /* both SSNs present and different beyond a typo, and given names not the same */
    FOLIO_MPI_RULE_SSN = 1u << 4,
};
/* Short text of one rule bit ("generational suffix differs (Jr/Sr)"). Never NULL. */
const char *folio_mpi_rule_text(unsigned rule);

/* One field's part of a score. a/b: short forms of the two values as compared (normalised; the
 * SSN masked "***-**-1234"); "" when missing. */
struct folio_mpi_reason {
    enum folio_mpi_field field;
    enum folio_mpi_level level;
    double weight;
    char a[48];
    char b[48];
    char note[32]; /* how it agreed: "nickname", "swapped", "transposed", "hyphen part", ... or "" */
};

struct folio_mpi_score {
    double score;                     /* sum of the reasons' weights */
    enum folio_mpi_decision decision; /* after the hard rules */
    unsigned rules;                   /* hard rules that fired (enum folio_mpi_rule bits), 0 none */
    struct folio_mpi_reason reasons[FOLIO_MPI_NFIELDS]; /* indexed by enum folio_mpi_field */
};

/* Compares two records: fills out (every field, MISSING ones included). Pure and thread-safe. */
void folio_mpi_compare(const struct folio_mpi_model *m, const struct folio_mpi_record *a,
                       const struct folio_mpi_record *b, struct folio_mpi_score *out);

/* ======================================================================================
 * Comparators and normalisers (exposed for tests, the UI and other modules)
 * ====================================================================================== */
/* Jaro-Winkler similarity of two byte strings (0..1; 1 = equal; both empty -> 0). Prefix scale
 * 0.1, prefix up to 4, boost only when Jaro >= 0.7. */
double folio_mpi_jaro_winkler(const char *a, const char *b);
/* Folds a name for comparison into out: lower case ASCII, accents removed (UTF-8 Latin-1 and
 * Latin Extended-A), letters only (apostrophes, dots, blanks dropped; hyphens kept as '-' when
 * keep_hyphen). Always NUL-terminates; truncates at cap. */
void folio_mpi_fold(const char *in, char *out, size_t cap, bool keep_hyphen);
/* NYSIIS phonetic code of a (folded or raw) name, at most 8 letters, upper case; "" when the
 * name has no letters. */
void folio_mpi_nysiis(const char *name, char *out, size_t cap);
/* Canonical form of a given name through the nickname table ("bill" -> "william", "pepe" ->
 * "jose"); the folded name itself when it is no nickname. in: any case/accents. */
void folio_mpi_nickname_canonical(const char *given, char *out, size_t cap);
/* True when two given names are nicknames of one another or of a common name. */
bool folio_mpi_nickname_match(const char *a, const char *b);
/* Number of (nickname, name) pairs in the built-in table. */
size_t folio_mpi_nickname_count(void);

/* ======================================================================================
 * The chart: search index, identity search, pair scoring (database)
 * ====================================================================================== */

/* Index rows (migration 0007: mpi_person, one normalised row per patient, and mpi_key, the
 * blocking keys -> patient ids, SSN keys being blind indexes) for one patient, replacing the
 * previous ones. Call after every create/update of a patient's names, birth date, sex,
 * identifiers, addresses or phones (folio_patient_create/update/add_name/add_identifier, the HL7
 * feed, importers, merge/unmerge). A merged (status "merged") patient is removed from the index.
 * Without c->key a patient's SSN is left out of the index (no error); reindex with the key to
 * add it. ENOTFOUND for an unknown id.
 * Runs in its own transaction level. */
enum folio_rc folio_mpi_index_patient(const struct folio_chart *c, int64_t patient_id,
                                      struct folio_err *err) FOLIO_MUST_USE;
/* Rebuilds the whole index (every active patient). progress (may be NULL) is called now and
 * then with (done, total). *n_indexed (may be NULL) gets the count. Commits in batches. */
enum folio_rc folio_mpi_reindex(const struct folio_chart *c,
                                void (*progress)(void *ctx, size_t done, size_t total),
                                void *ctx, size_t *n_indexed, struct folio_err *err) FOLIO_MUST_USE;

/* One search result. */
struct folio_mpi_candidate {
    int64_t patient_id;
    struct folio_mpi_score score;
    /* the candidate's identity as indexed (strings in the caller's arena; ssn is NULL, and
     * ssn_last4 the last 4 digits or NULL) */
    struct folio_mpi_record rec;
    const char *ssn_last4;
};

struct folio_mpi_search_opts {
    const struct folio_mpi_model *model; /* NULL = defaults */
    size_t limit;                        /* 0 = 10; at most 100 */
    double min_score;  /* candidates scoring below are dropped; NAN = the model's low threshold
                          minus 5 (so that weak candidates still show at registration) */
    int64_t exclude_patient_id; /* e.g. the patient itself when looking for its duplicates; 0 none */
};

/* Identity search at registration: candidates from the index, ranked by score (best first), each
 * with its field-by-field reasons. q holds what the clerk typed (ssn plain; it is only turned
 * into blind indexes, needs c->key, else the SSN is ignored). At least one of family, given,
 * birth_date, ssn, phone must be given (EINVAL otherwise). Results and their strings are in a;
 * *out NULL and *n 0 when none. */
enum folio_rc folio_mpi_search(const struct folio_chart *c, const struct folio_mpi_record *q,
                               const struct folio_mpi_search_opts *opts, struct folio_arena *a,
                               struct folio_mpi_candidate **out, size_t *n,
                               struct folio_err *err) FOLIO_MUST_USE;

/* Likely duplicates of an indexed patient (search with its own indexed identity, itself
 * excluded). ENOTFOUND when the patient is not in the index. */
enum folio_rc folio_mpi_find_duplicates(const struct folio_chart *c, int64_t patient_id,
                                        const struct folio_mpi_search_opts *opts,
                                        struct folio_arena *a, struct folio_mpi_candidate **out,
                                        size_t *n, struct folio_err *err) FOLIO_MUST_USE;

/* Scores two indexed patients against each other (for the duplicate worklist and the
 * side-by-side screen). model NULL = defaults. ENOTFOUND when either is not in the index. */
enum folio_rc folio_mpi_score_patients(const struct folio_chart *c,
                                       const struct folio_mpi_model *model, int64_t a_id,
                                       int64_t b_id, struct folio_mpi_score *out,
                                       struct folio_err *err) FOLIO_MUST_USE;

/* Whole-index duplicate scan for the worklist: calls fn once per pair of indexed patients
 * (a_id < b_id) sharing a blocking key and scoring >= min_score (NAN = the model's low
 * threshold). fn returning non-zero stops the scan (that value is returned as the rc, err is
 * left to fn). */
typedef int (*folio_mpi_pair_fn)(void *ctx, int64_t a_id, int64_t b_id,
                                 const struct folio_mpi_score *score);
enum folio_rc folio_mpi_scan_pairs(const struct folio_chart *c,
                                   const struct folio_mpi_model *model, double min_score,
                                   folio_mpi_pair_fn fn, void *ctx,
                                   struct folio_err *err) FOLIO_MUST_USE;

/* ======================================================================================
 * Batch de-duplication (in memory, no database)
 * ====================================================================================== */
struct folio_mpi_dedupe_opts {
    const struct folio_mpi_model *model; /* NULL = defaults */
    double threshold;      /* pairs with score >= threshold are written; NAN = model high */
    bool em;               /* re-estimate m/u with EM from a sample of candidate pairs first */
    unsigned threads;      /* 0 = 2 */
    size_t max_block;      /* block size cap; 0 = 400 (larger blocks: sorted-neighbourhood) */
    void (*progress)(void *ctx, const char *phase, size_t done, size_t total); /* may be NULL */
    void *progress_ctx;
};

struct folio_mpi_dedupe_stats {
    size_t records;
    size_t candidate_pairs; /* pairs compared */
    size_t links;           /* pairs written to the output */
    size_t reviews;         /* pairs written to the review file */
    size_t capped_blocks;   /* blocks over max_block (handled by the fallback) */
    unsigned rule_blocked;  /* pairs over the threshold stopped by a hard rule */
};

/* Reads input_path (CSV with the header record_id,facility,mrn,given,middle,family,suffix,dob,
 * sex,address,city,state,zip,phone,ssn,email; columns in any order, all present; any value may
 * be blank) and writes output_path with the header record_id_a,record_id_b,score: one row per pair
 * judged to be the same person (score >= threshold and no hard rule), record_id_a < record_id_b
 * byte-wise, score with 2 decimals. review_path (may be NULL) gets the pairs for a person:
 * record_id_a,record_id_b,score,rules,reasons. Bad input: EPARSE/EINVAL with err naming the
 * line, field and value (record_id must be present and unique; dob YYYY-MM-DD). stats may be
 * NULL. Output files are written completely or not at all (temporary file + rename). */
enum folio_rc folio_mpi_dedupe_file(const char *input_path, const char *output_path,
                                    const char *review_path,
                                    const struct folio_mpi_dedupe_opts *opts,
                                    struct folio_mpi_dedupe_stats *stats,
                                    struct folio_err *err) FOLIO_MUST_USE;

/* The same on records in memory (borrowed): fn is called for each pair with score >= min_score
 * (a_index < b_index into recs), from the calling thread, in no particular order; the caller
 * decides link/review with score->decision. For tests and the evaluation programs. */
typedef void (*folio_mpi_dedupe_pair_fn)(void *ctx, size_t a_index, size_t b_index,
                                         const struct folio_mpi_score *score);
enum folio_rc folio_mpi_dedupe_records(const struct folio_mpi_record *recs, size_t n,
                                       const struct folio_mpi_dedupe_opts *opts, double min_score,
                                       folio_mpi_dedupe_pair_fn fn, void *ctx,
                                       struct folio_mpi_dedupe_stats *stats,
                                       struct folio_err *err) FOLIO_MUST_USE;

#endif
