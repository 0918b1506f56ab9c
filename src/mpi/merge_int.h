/* Internal helpers shared by merge.c, worklist.c and overlay.c. Not a public contract. */
#ifndef FOLIO_MPI_MERGE_INT_H
#define FOLIO_MPI_MERGE_INT_H

#include "folio/base.h"
#include "folio/merge.h"
#include "folio/records.h"
#include "folio/store.h"

#define MPI_NOTE_MAX 500

/* ---- the columns a merge may change (src/mpi/merge_tables.c) ----
 * kind MOVE: a column that points at a patient; every row of the retired patient is repointed
 *            at the survivor. Later issues add a line per table that references patient(id).
 * kind SET:  a history or status column a merge sets (and an unmerge writes back).
 * type 'i' integer, 't' text. */
enum mpi_col_kind { MPI_MOVE = 1, MPI_SET = 2 };
struct mpi_col {
    const char *table;
    const char *column;
    char type;
    enum mpi_col_kind kind;
    bool has_encounter; /* MOVE tables with an encounter_id column checked by the unmerge */
};
extern const struct mpi_col mpi_cols[];
extern const size_t mpi_n_cols;
/* The entry for (table, column) read back from the merge log, or NULL (never trust the database
 * with an identifier: only these static names are ever put into SQL). */
const struct mpi_col *mpi_col_find(const char *table, const char *column);

/* The actor to record (never NULL). */
const char *mpi_actor(const struct folio_chart *c);

/* folio_store_prepare_fmt / folio_store_exec_fmt (store.h: the format characters; 'T' for text
 * where "" stays ""). */
#define mpi_prepare folio_store_prepare_fmt
#define mpi_exec    folio_store_exec_fmt

/* Text column copied into the arena (NULL stays NULL); *oom set on allocation failure. */
const char *mpi_col_str(struct folio_arena *a, struct folio_stmt *st, int idx, bool *oom);
void mpi_page(int64_t *limit, int64_t *offset, int64_t def, int64_t max);

/* Merge with everything (used by the worklist decision). */
enum folio_rc mpi_merge_do(const struct folio_chart *c, int64_t surviving_id, int64_t retired_id,
                           const struct folio_mpi_merge_opts *opts, int64_t *merge_id,
                           struct folio_err *err) FOLIO_MUST_USE;

/* Appends an audit entry per patient (pa, pb; pb 0 = only one). */
enum folio_rc mpi_audit2(const struct folio_chart *c, const char *action, const char *roles,
                         const char *client, int64_t pa, int64_t pb, const char *entity_type,
                         int64_t entity_id, const char *detail,
                         struct folio_err *err) FOLIO_MUST_USE;

#endif
