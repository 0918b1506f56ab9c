/* Internal to the coding checks (check.c: the driver, code validity, POA, MCE; check_notes.c:
 * the tabular-note checks). Not a public contract: see include/folio/coding_check.h. */
#ifndef FOLIO_CHECK_INT_H
#define FOLIO_CHECK_INT_H

#include "folio/base.h"
#include "folio/coding_check.h"
#include "folio/codes.h"

/* A code a note names: one code or category (lo == hi, covering every code it prefixes), or a
 * range "E08-E13" (every code whose first strlen(lo) characters are between lo and hi). */
struct chk_ref {
    char lo[8], hi[8];
};

/* One tabular note as stated at one code row, with the codes its text names. */
struct chk_note {
    enum folio_note_type type;
    const char *from; /* the row it is stated at, as shown ("E11", "E08-E13", "4") */
    enum folio_code_kind from_kind;
    char ext[4]; /* sevenChrDef character */
    const char *text;
    struct chk_ref *refs;
    size_t n_refs;
};

enum chk_status {
    CHK_UNCHECKED = 0, /* its code set is not loaded for the date */
    CHK_VALID,
    CHK_HEADER,
    CHK_SEVENTH,
    CHK_INVALID,
};

/* One code of the input. */
struct chk_item {
    size_t idx; /* index in the input */
    const struct folio_abstract_code *in;
    char raw[sizeof(((struct folio_abstract_code *)0)->code) + 1]; /* in->code, terminated */
    char code[16]; /* normalised; "" when malformed */
    char dot[24];  /* as shown in messages */
    int seq;       /* reported order of diagnoses: 0 principal, then
                      secondaries, then external causes; -1 others */
    enum chk_status st;
    const struct folio_code *row;  /* in force on the code date, or NULL */
    const struct chk_note **chain; /* own and inherited notes, nearest first */
    size_t n_chain;
    bool chain_done;
    bool chain_missing; /* no row of the code itself on the notes date */
};

struct chk_finding {
    struct folio_check_finding f;
    size_t order; /* insertion order, for a stable sort */
};

struct chk_ctx {
    struct folio_store *s;
    struct folio_arena *out; /* the caller's: findings and messages */
    struct folio_arena tmp;  /* everything else, released at the end */
    struct folio_err *err;
    const struct folio_check_input *in;
    struct chk_item *items;
    size_t n_items;
    struct chk_finding *f;
    size_t n_f, cap_f;
    bool have_notes;     /* a tabular list on or before the code date is loaded */
    char notes_date[11]; /* rows in force on this date carry the notes used */
};

/* Adds a finding; the message is formatted into the caller's arena. ENOMEM only. */
enum folio_rc chk_add(struct chk_ctx *x, enum folio_check_severity sev, const char *kind,
                      const struct chk_item *it, const struct chk_item *rel, const char *fmt, ...)
    FOLIO_PRINTF(6, 7) FOLIO_MUST_USE;

/* Parses the codes a note's text names (exposed for the tests through check_notes.c only). */
size_t chk_parse_refs(const char *text, struct chk_ref *out, size_t cap);
bool chk_ref_covers(const struct chk_ref *r, const char *code);

/* Codes looked up in one query: IN lists are CHK_BATCH long (Q8 = eight parameters), padded
 * with "", so that the SQL text, and the statement the store caches, is the same every call. */
#define CHK_BATCH 32
#define Q8        "?, ?, ?, ?, ?, ?, ?, ?"

/* The chains of every ICD-10-CM code of the input, CHK_BATCH codes per query. */
enum folio_rc chk_chains(struct chk_ctx *x) FOLIO_MUST_USE;

/* The notes of it's code (own first, then each ancestor's), from the rows in force on the notes
 * date; a code missing on that date takes the nearest existing prefix's. */
enum folio_rc chk_chain(struct chk_ctx *x, struct chk_item *it) FOLIO_MUST_USE;

/* Excludes1, code first and use additional over the reported diagnoses. */
enum folio_rc chk_note_checks(struct chk_ctx *x) FOLIO_MUST_USE;

#endif
