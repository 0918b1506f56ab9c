/* Internal contract of the matching core: prepared (normalised) records, the comparison on
 * them, and blocking keys. Shared by compare.c, block.c, dedupe.c and search.c. */
#ifndef FOLIO_MPI_INT_H
#define FOLIO_MPI_INT_H

#include "folio/base.h"
#include "folio/mpi.h"

/* A record normalised once, compared many times. Fixed arrays: no allocation per record. */
struct mpi_prep {
    char given[24];     /* folded, letters and blanks/hyphens */
    char given_can[24]; /* nickname canonical of the first given word */
    char middle[16];
    char family[32];
    char other[48]; /* previous family names, folded, '|' separated */
    char given_ph[9], family_ph[9];
    char ssn[10];       /* 9 digits or "" */
    char street_no[8];
    char street[32];    /* normalised street name (suffixes abbreviated, unit dropped) */
    char zip[6];
    char phone[11];     /* last 10 digits (or fewer when shorter) */
    char email[48];     /* lower case, "+tag" dropped */
    short year;
    signed char month, day; /* 0 when unknown */
    char sex;               /* 'F', 'M' or 0 */
    char suffix;            /* 'J' jr, 'S' sr, '2'..'5' II..V, 0 none */
};

void mpix_prepare(const struct folio_mpi_record *r, struct mpi_prep *p);

/* Compares prepared records. ssn_level >= 0 overrides the SSN comparison (database: decided
 * through blind indexes); -1 compares p->ssn. a_ssn4/b_ssn4 (may be NULL) are shown masked
 * when ssn_level overrides. */
void mpix_compare_prep(const struct folio_mpi_model *m, const struct mpi_prep *a,
                      const struct mpi_prep *b, int ssn_level, const char *a_ssn4,
                      const char *b_ssn4, struct folio_mpi_score *out);

/* Levels only (no explanation text): the fast path of dedupe and EM. Returns the score;
 * levels[FOLIO_MPI_NFIELDS] filled when not NULL; *rules gets the rule bits. */
double mpix_score_fast(const struct folio_mpi_model *m, const struct mpi_prep *a,
                      const struct mpi_prep *b, unsigned char *levels, unsigned *rules);

/* Applies the hard rules and thresholds to levels + score. */
unsigned mpix_rules(const unsigned char *levels, const struct mpi_prep *a, const struct mpi_prep *b);
enum folio_mpi_decision mpix_decide(const struct folio_mpi_model *m, double score, unsigned rules);

/* Blocking keys of a prepared record, as text "k:value" (k one letter per key kind). With
 * ssn_plain the SSN keys are the digits (batch); otherwise they are left out (the database adds
 * blind-index keys itself). Returns the count written (at most MPI_MAX_KEYS). */
#define MPI_MAX_KEYS 16
#define MPI_KEY_LEN 48
size_t mpix_block_keys(const struct mpi_prep *p, bool ssn_plain, char keys[][MPI_KEY_LEN]);
/* The 8 "two adjacent digits masked" forms of a 9-digit SSN ("12**56789" ...): two SSNs one
 * digit off, or with two adjacent digits transposed, share one of them. */
void mpix_ssn_masks(const char ssn[10], char out[8][10]);
/* Whether two 9-digit SSNs differ only inside one window of two adjacent digits. */
bool mpix_ssn_close(const char *a, const char *b);

uint64_t mpix_hash(const char *s, size_t len);

#endif
