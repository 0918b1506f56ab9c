-- 0008: merge, unmerge, the potential-duplicate worklist (src/mpi/merge.c, worklist.c,
-- include/folio/merge.h, docs/mpi-merge.md). Nothing here is ever deleted.

-- One row per merge. status: merged | unmerged. source: manual | worklist | hl7 | import.
CREATE TABLE mpi_merge (
    id @PK@,
    surviving_patient_id @INT@ NOT NULL REFERENCES patient(id),
    retired_patient_id @INT@ NOT NULL REFERENCES patient(id),
    status TEXT NOT NULL,
    source TEXT NOT NULL,
    reason TEXT NOT NULL,
    worklist_pair_id @INT@,
    merged_at TEXT NOT NULL,
    merged_by TEXT NOT NULL,
    unmerged_at TEXT,
    unmerged_by TEXT,
    unmerge_reason TEXT
);
CREATE INDEX mpi_merge_surviving ON mpi_merge(surviving_patient_id);
CREATE INDEX mpi_merge_retired ON mpi_merge(retired_patient_id);

-- The merge log: every column a merge changed, in order (id). Values as text (integers in
-- decimal), NULL for SQL NULL. An unmerge writes old_value back, newest first, where the column
-- still holds new_value. (table_name, column_name) pairs come from a fixed list in the code.
CREATE TABLE mpi_merge_move (
    id @PK@,
    merge_id @INT@ NOT NULL REFERENCES mpi_merge(id),
    table_name TEXT NOT NULL,
    row_id @INT@ NOT NULL,
    column_name TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT
);
CREATE INDEX mpi_merge_move_merge ON mpi_merge_move(merge_id, id);

-- Potential duplicates: one row per pair (patient_a < patient_b), kept forever, so that a pair
-- decided not_duplicate is never proposed again. status: open | merged | not_duplicate |
-- deferred. reasons: the matcher's explanation (JSON, PHI). source: scan | hl7.
CREATE TABLE mpi_worklist (
    id @PK@,
    patient_a @INT@ NOT NULL REFERENCES patient(id),
    patient_b @INT@ NOT NULL REFERENCES patient(id),
    score @REAL@ NOT NULL,
    band TEXT NOT NULL,
    source TEXT NOT NULL,
    feed_request_id @INT@ REFERENCES feed_merge_request(id),
    reasons TEXT,
    status TEXT NOT NULL DEFAULT 'open',
    defer_until TEXT,
    decided_by TEXT,
    decided_at TEXT,
    note TEXT,
    merge_id @INT@ REFERENCES mpi_merge(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK (patient_a < patient_b),
    UNIQUE (patient_a, patient_b)
);
CREATE INDEX mpi_worklist_status ON mpi_worklist(status, score);
CREATE INDEX mpi_worklist_b ON mpi_worklist(patient_b);

-- The merge that carried out an A40 request (status 'merged').
ALTER TABLE feed_merge_request ADD COLUMN merge_id @INT@ REFERENCES mpi_merge(id);
