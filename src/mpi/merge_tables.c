/* Which columns a merge changes: the one list both the merge and the unmerge read.
 *
 * Adding a table that references patient(id) (codes, deficiencies, disclosures in later issues):
 * add one MPI_MOVE line here (set has_encounter when the table also has an encounter_id column
 * pointing at encounter(id)). Rows that hang from a moved row (encounter_location, _provider,
 * _event under encounter; document_version, _signature under document) follow their parent and
 * need no line. Tables deliberately not listed (docs/mpi-merge.md):
 *   audit_log              never modified: it names the patient as it was at the time;
 *   feed_merge_request     what a sender asked for, kept as received;
 *   mpi_merge, mpi_merge_move, mpi_worklist   the MPI's own records of the two patients;
 *   mpi_person, mpi_key    the matcher's index: derived, rebuilt for both patients instead;
 *   patient.merged_into    set by the merge itself (an MPI_SET line). */
#include "folio/base.h"

#include "merge_int.h"

const struct mpi_col mpi_cols[] = {
    /* rows that move (in this order; the unmerge walks the log backwards) */
    {"patient_name", "patient_id", 'i', MPI_MOVE, false},
    {"patient_identifier", "patient_id", 'i', MPI_MOVE, false},
    {"patient_address", "patient_id", 'i', MPI_MOVE, false},
    {"patient_phone", "patient_id", 'i', MPI_MOVE, false},
    {"patient_contact", "patient_id", 'i', MPI_MOVE, false},
    {"coverage", "patient_id", 'i', MPI_MOVE, false},
    {"encounter", "patient_id", 'i', MPI_MOVE, false},
    {"document", "patient_id", 'i', MPI_MOVE, true},
    {"observation", "patient_id", 'i', MPI_MOVE, true},
    {"condition", "patient_id", 'i', MPI_MOVE, true},
    {"procedure_event", "patient_id", 'i', MPI_MOVE, true},
    {"hl7_messages", "patient_id", 'i', MPI_MOVE, false},
    {"care_relationship", "patient_id", 'i', MPI_MOVE, false}, /* care-team grants (btg.h) */
    /* columns a merge sets */
    {"patient", "status", 't', MPI_SET, false},
    {"patient", "merged_into", 'i', MPI_SET, false},
    {"patient", "version", 'i', MPI_SET, false},
    {"patient", "updated_at", 't', MPI_SET, false},
    {"patient", "updated_by", 't', MPI_SET, false},
    {"patient_identifier", "active", 'i', MPI_SET, false},
    {"patient_identifier", "retired_at", 't', MPI_SET, false},
    {"patient_identifier", "retired_by", 't', MPI_SET, false},
    {"patient_identifier", "retired_reason", 't', MPI_SET, false},
    {"patient_name", "valid_to", 't', MPI_SET, false},
    {"patient_name", "ended_by", 't', MPI_SET, false},
    {"patient_address", "valid_to", 't', MPI_SET, false},
    {"patient_address", "ended_by", 't', MPI_SET, false},
    {"patient_phone", "is_current", 'i', MPI_SET, false},
    {"patient_phone", "ended_at", 't', MPI_SET, false},
    {"patient_phone", "ended_by", 't', MPI_SET, false},
};
const size_t mpi_n_cols = FOLIO_ARRAY_LEN(mpi_cols);

const struct mpi_col *mpi_col_find(const char *table, const char *column)
{
    if (!table || !column)
        return NULL;
    for (size_t i = 0; i < mpi_n_cols; i++)
        if (!strcmp(mpi_cols[i].table, table) && !strcmp(mpi_cols[i].column, column))
            return &mpi_cols[i];
    return NULL;
}
