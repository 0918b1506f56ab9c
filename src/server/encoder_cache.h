/* The code index of the server: one process-wide encoder (folio/encoder.h) built from the code
 * sets loaded in the store, with the ICD-10-PCS tables for the builder, shared read-only by
 * every request (docs/encoder.md "In the server").
 *
 * Life cycle:
 * - built by the first request that needs it (folio_enc_cache_acquire), never inside a request
 *   on SQLite: there every request runs in the server's one write transaction, so a build of
 *   seconds would stall them all; the build runs in a background thread on its own connection.
 *   On PostgreSQL requests run on their own connections (and the URL a request can see has no
 *   password), so there the first request that needs it builds it, the others get EBUSY;
 * - while the first build runs, acquire answers EBUSY (503, "being built"); once built, each
 *   acquire compares a cheap stamp of the loaded ICD-10-CM/PCS versions (their count, newest id
 *   and its SHA-256, and the database URL) with the one the index was built from, and when they
 *   differ starts a rebuild and keeps serving the old index until the new one is installed;
 * - an index replaced while requests still use it is freed by the last release (refcount).
 *
 * Each lease carries a searcher (folio_enc_searcher: scratch space of one search at a time) taken
 * from a pool of the index, so searches allocate nothing and need no thread-local state.
 *
 * Also used by the CLI (folio codes search/pcs), which builds synchronously: folio_enc_cache_build.
 */
#ifndef FOLIO_SERVER_ENCODER_CACHE_H
#define FOLIO_SERVER_ENCODER_CACHE_H

#include "folio/base.h"
#include "folio/codes.h"
#include "folio/encoder.h"
#include "folio/store.h"

/* What one build produced. Owns enc and pcs. */
struct folio_enc_built {
    struct folio_encoder *enc;    /* finished; NULL when no ICD-10-CM/PCS code set is loaded */
    struct folio_pcs_tables *pcs; /* the newest icd10pcs-tables version's tables, or NULL */
    struct folio_codeset_version pcs_version; /* which version pcs comes from (id 0 = none) */
    struct folio_encoder_stats stats;
    double seconds;    /* wall time of the build */
    char built_at[32]; /* UTC */
};

/* Builds the index from the store, synchronously, reading with plain statements (no transaction
 * is opened: on SQLite a BEGIN would take the write lock): the latest row of every ICD-10-CM and
 * ICD-10-PCS code (folio_encoder_add_store with date NULL), and the PCS tables of the newest
 * icd10pcs-tables version with the definitions of the newest icd10pcs-definitions version.
 * ESTATE (field "code_sets") when no ICD-10-CM or ICD-10-PCS version is loaded. out is zeroed
 * first; release it with folio_enc_built_release. */
enum folio_rc folio_enc_cache_build(struct folio_store *s, struct folio_enc_built *out,
                                    struct folio_err *err) FOLIO_MUST_USE;
void folio_enc_built_release(struct folio_enc_built *b); /* NULL ok */

/* A request's hold on the shared index. */
struct folio_enc_lease {
    const struct folio_encoder *enc;    /* never NULL after a successful acquire */
    const struct folio_pcs_tables *pcs; /* NULL when no PCS tables are loaded */
    const struct folio_codeset_version *pcs_version;
    struct folio_enc_searcher *searcher; /* this lease's alone until release */
    bool stale;   /* the loaded code sets changed: a rebuild is under way, this is the old one */
    void *entry_; /* private */
};

/* Takes a lease on the index built from the code sets in s's database (borrowed for the call:
 * only the version stamp is read through it). Errors: ESTATE (field "code_sets", 409) when no
 * ICD-10-CM or ICD-10-PCS code set is loaded, saying how to load one; EBUSY (503) while the
 * first index of this database is being built; the build's own error when it failed (retried
 * at most every 10 s). Release every successful acquire. */
enum folio_rc folio_enc_cache_acquire(struct folio_store *s, struct folio_enc_lease *out,
                                      struct folio_err *err) FOLIO_MUST_USE;
void folio_enc_cache_release(struct folio_enc_lease *l); /* a zeroed lease ok */

enum folio_enc_cache_state {
    FOLIO_ENC_CACHE_NONE = 0, /* nothing built or being built */
    FOLIO_ENC_CACHE_BUILDING, /* the first index is being built */
    FOLIO_ENC_CACHE_READY,    /* an index is installed (a rebuild may be under way) */
    FOLIO_ENC_CACHE_FAILED,   /* the last build failed (error holds why) */
};
struct folio_enc_cache_status {
    enum folio_enc_cache_state state;
    bool rebuilding; /* READY with a newer build under way */
    struct folio_encoder_stats stats;
    double build_seconds;
    char built_at[32];
    char error[160];
};
const char *folio_enc_cache_state_name(enum folio_enc_cache_state s); /* "ready", ... */
void folio_enc_cache_status(struct folio_enc_cache_status *out);

/* Waits for a build under way, then frees the installed index (a lease still held keeps its own
 * index alive until released). For tests and orderly exits. */
void folio_enc_cache_shutdown(void);

#endif
