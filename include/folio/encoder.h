/* Encoder: type-ahead search over ICD-10-CM and ICD-10-PCS codes, and the ICD-10-PCS builder.
 *
 * Search (docs/encoder.md): an in-memory index built once from the loaded code sets (the store via
 * codes.h, or the release files directly) and then read-only, so one index serves every thread;
 * each thread searches with its own struct folio_enc_searcher (scratch arrays sized once, so a
 * query allocates nothing). Ranking: exact code, code prefix (dot optional: "E11.9" == "E119"),
 * then text matches scored per query word: whole word > word prefix > synonym/abbreviation
 * (src/coding/synonyms.c), a title hit above an inclusion/index-term hit; ties go to billable
 * codes (and codes that need only a 7th character), then the title with fewest unmatched words,
 * then the shorter code.
 *
 * ICD-10-CM 7th-character extensions (S52501A..) are not listed one by one in text results: their
 * 6-character stem is, with the valid 7th characters (taken from the extensions present) attached.
 * A code query of 6 or more characters lists them.
 *
 * PCS builder: the tables XML (and optionally the definitions XML) parsed into memory; given a
 * prefix, the characters valid at the next position for the choices already made (axes 4-7 are
 * valid per pcsRow), each with its label and definition.
 *
 * Ownership: an encoder owns copies of everything added; hits borrow strings from the encoder
 * (valid until folio_encoder_free). Library code: never prints. */
#ifndef FOLIO_ENCODER_H
#define FOLIO_ENCODER_H

#include "folio/base.h"
#include "folio/codes.h"
#include "folio/store.h"

/* ---- the PCS tables and the builder ---- */

struct folio_pcs_tables;

/* Parse the CMS ICD-10-PCS tables XML (<ICD10PCS.tabular>), and the definitions XML
 * (<ICD10PCS.definitions>) when defs is not NULL. Borrows the texts. EPARSE naming the line on a
 * malformed or wrong file; *out NULL on error. Free with folio_pcs_tables_free. */
enum folio_rc folio_pcs_tables_parse(const char *xml, size_t len, const char *defs, size_t defs_len,
                                     struct folio_pcs_tables **out,
                                     struct folio_err *err) FOLIO_MUST_USE;
/* The tables of the newest icd10pcs-tables version loaded in the store, with the definitions of
 * the same fiscal year (else the newest), as the builder reads them (*out NULL and version->id 0
 * when none is loaded). The store keeps the tables as loaded; they are written back out as the
 * CMS XML and parsed, so the builder is the one the release files give (the store itself has no
 * lookup fast enough for a click: folio_codes_pcs_next scans the codes). */
enum folio_rc folio_pcs_tables_from_store(struct folio_store *s, struct folio_pcs_tables **out,
                                          struct folio_codeset_version *version,
                                          struct folio_err *err) FOLIO_MUST_USE;
/* Same from files (definitions_path may be NULL). */
enum folio_rc folio_pcs_tables_load(const char *tables_path, const char *definitions_path,
                                    struct folio_pcs_tables **out,
                                    struct folio_err *err) FOLIO_MUST_USE;
void folio_pcs_tables_free(struct folio_pcs_tables *t);
/* Number of valid codes the tables expand to. */
size_t folio_pcs_tables_count(const struct folio_pcs_tables *t);

#define FOLIO_PCS_MAX_OPTIONS 34 /* 0-9 and A-Z without I and O */

struct folio_pcs_option {
    char value;             /* the character */
    const char *label;      /* "Percutaneous Endoscopic"; borrowed from the tables */
    const char *definition; /* or NULL when the definitions give none */
};

struct folio_pcs_step {
    bool complete;          /* prefix is a whole valid code: code/title set, no options */
    int position;           /* 1..7: the position options are offered for; 0 when complete */
    const char *axis_title; /* "Approach"; borrowed */
    struct folio_pcs_option options[FOLIO_PCS_MAX_OPTIONS]; /* in character order */
    size_t n_options;
    char code[8];           /* when complete */
    char title[320];        /* when complete: a description composed from the labels */
};

/* The next step after prefix (0..7 characters, any case; blanks and dots ignored). EINVAL when
 * the prefix is not the start of a valid code: err->field is "prefix" and the message names the
 * first character (position and value) no table allows. */
enum folio_rc folio_pcs_builder_step(const struct folio_pcs_tables *t, const char *prefix,
                                     struct folio_pcs_step *out,
                                     struct folio_err *err) FOLIO_MUST_USE;
/* The composed description of a complete code ("Resection of Gallbladder, Percutaneous
 * Endoscopic Approach"); ENOTFOUND when the tables do not allow it. */
enum folio_rc folio_pcs_title(const struct folio_pcs_tables *t, const char *code, char *out,
                              size_t cap, struct folio_err *err) FOLIO_MUST_USE;

/* ---- building the search index ---- */

struct folio_encoder;

enum folio_rc folio_encoder_new(struct folio_encoder **out, struct folio_err *err) FOLIO_MUST_USE;
void folio_encoder_free(struct folio_encoder *e); /* NULL ok */

/* Add one code (dot optional). title may be NULL (shown as a placeholder). Adding the same code of
 * the same system again replaces it. Only before folio_encoder_finish (else ESTATE). */
enum folio_rc folio_encoder_add_code(struct folio_encoder *e, enum folio_code_system cs,
                                     const char *code, const char *title, bool billable,
                                     struct folio_err *err) FOLIO_MUST_USE;
/* A search term of a code other than its title: an inclusion term or an alphabetic index term.
 * Terms of codes never added are ignored at finish. */
enum folio_rc folio_encoder_add_term(struct folio_encoder *e, enum folio_code_system cs,
                                     const char *code, const char *term,
                                     struct folio_err *err) FOLIO_MUST_USE;
/* Every code of a CMS order file (ICD-10-CM or -PCS, fixed width: code at 7-13, billable flag at
 * 15, long title from 78). EPARSE naming "FILE:LINE" for a malformed line. */
enum folio_rc folio_encoder_add_order_file(struct folio_encoder *e, enum folio_code_system cs,
                                           const char *path, struct folio_err *err) FOLIO_MUST_USE;
/* Every code the PCS tables expand to, titled from the labels. Borrows t for the call. */
enum folio_rc folio_encoder_add_pcs_tables(struct folio_encoder *e,
                                           const struct folio_pcs_tables *t,
                                           struct folio_err *err) FOLIO_MUST_USE;
/* ICD-10-CM and ICD-10-PCS codes in force on date (NULL = latest) from the store, with their
 * inclusion and index terms (codes.h). PCS codes without a title get one composed from pcs when
 * pcs is not NULL. */
enum folio_rc folio_encoder_add_store(struct folio_encoder *e, struct folio_store *s,
                                      const char *date, const struct folio_pcs_tables *pcs,
                                      struct folio_err *err) FOLIO_MUST_USE;
/* Build the index. After it the encoder is read-only and may be shared between threads. */
enum folio_rc folio_encoder_finish(struct folio_encoder *e, struct folio_err *err) FOLIO_MUST_USE;

struct folio_encoder_stats {
    size_t n_codes;    /* every code, 7th-character extensions included */
    size_t n_indexed;  /* entries searchable by words */
    size_t n_tokens;   /* distinct words */
    size_t n_postings;
    size_t n_synonyms; /* entries of the synonym table */
    size_t bytes;      /* memory held by the index, approximately */
};
void folio_encoder_stats(const struct folio_encoder *e, struct folio_encoder_stats *out);

/* ---- searching ---- */

enum folio_enc_match {
    FOLIO_ENC_CODE_EXACT = 1,
    FOLIO_ENC_CODE_PREFIX = 2,
    FOLIO_ENC_WORDS = 3,   /* every query word matched a whole word */
    FOLIO_ENC_PREFIX = 4,  /* some word matched only as a prefix */
    FOLIO_ENC_SYNONYM = 5, /* some word matched only through the synonym table */
};
const char *folio_enc_match_name(enum folio_enc_match m); /* "code", ...; never NULL */

struct folio_enc_seventh {
    char value;        /* 'A' */
    const char *label; /* "initial encounter for closed fracture"; borrowed */
};

struct folio_enc_hit {
    enum folio_code_system system;
    const char *code;  /* without dot; borrowed */
    char dotted[12];   /* "E11.9"; PCS codes as they are */
    const char *title; /* never NULL: a placeholder when the code set gives no title */
    bool billable;     /* valid for reporting as it stands */
    bool needs_seventh; /* a stem: report it with one of the 7th characters below */
    const struct folio_enc_seventh *seventh; /* borrowed; n_seventh of them */
    size_t n_seventh;
    enum folio_enc_match match;
    const char *matched_term; /* the inclusion/index term that matched when the title did not */
    int score;
};

#define FOLIO_ENC_MAX_HITS 100

struct folio_enc_results {
    struct folio_enc_hit hits[FOLIO_ENC_MAX_HITS];
    size_t n;
    size_t total; /* how many codes matched in all (before the limit); a lower bound when a
                   * query of one word skipped postings that could not rank (e.g. "p" after
                   * the synonym hits of "s/p" filled the list) */
};

/* Bit masks for the systems to search; 0 means all. */
#define FOLIO_ENC_SYS(cs) (1u << (unsigned)(cs))

struct folio_enc_searcher;
/* Scratch space for one thread; borrows e (finished), which must outlive it. */
enum folio_rc folio_enc_searcher_new(const struct folio_encoder *e, struct folio_enc_searcher **out,
                                     struct folio_err *err) FOLIO_MUST_USE;
void folio_enc_searcher_free(struct folio_enc_searcher *s);
/* Search: query is what the coder typed so far (its last word is taken as a prefix). limit
 * 1..FOLIO_ENC_MAX_HITS (0 = 20). An empty query gives no hits. EINVAL for a query over 256
 * bytes. Allocates nothing. */
enum folio_rc folio_enc_search(struct folio_enc_searcher *s, const char *query, unsigned systems,
                               size_t limit, struct folio_enc_results *out,
                               struct folio_err *err) FOLIO_MUST_USE;

/* The synonym table: key (lower case words, e.g. "lap chole") -> expansion (words that must all
 * match, e.g. "resection gallbladder percutaneous endoscopic"). A key may have several rows. */
struct folio_enc_synonym {
    const char *key;
    const char *expansion;
};
const struct folio_enc_synonym *folio_enc_synonyms(size_t *n);

#endif
