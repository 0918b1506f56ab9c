-- 0010: the coding abstract of an encounter, its codes and its history, the DNFC worklist
-- (src/coding/abstract.c, worklist.c, productivity.c; include/folio/abstract.h; docs/coding.md).
-- Nothing here is ever deleted: a code row replaced by a save is closed (to_version), and the
-- history is append-only. No table references patient(id): the patient is the encounter's, so a
-- merge (src/mpi/merge_tables.c) needs nothing here.

-- One abstract per encounter. status: in_progress | on_hold | final | rebill (an encounter
-- without a row is "uncoded"). hold_reason: awaiting_query | awaiting_documentation |
-- awaiting_pathology | billing | other (NULL unless on hold). version: bumped by every save and
-- status change (optimistic concurrency).
CREATE TABLE coding_abstract (
    id @PK@,
    encounter_id @INT@ NOT NULL UNIQUE REFERENCES encounter(id),
    status TEXT NOT NULL,
    hold_reason TEXT,
    hold_note TEXT,
    assigned_to TEXT,
    version @INT@ NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    finalized_at TEXT,
    finalized_by TEXT
);
-- The worklist joins encounters to their abstract (encounter_id, unique above) and filters on
-- status and assignee.
CREATE INDEX coding_abstract_status ON coding_abstract(status, assigned_to);
CREATE INDEX coding_abstract_assigned ON coding_abstract(assigned_to);

-- The codes of an abstract. A row is current while to_version IS NULL; a save closes the rows it
-- changes (to_version = the version it makes) and adds new ones (from_version), so the abstract
-- as it stood at any version can be rebuilt. role: principal | secondary | admitting |
-- reason_for_visit | external_cause | procedure; seq: 1.. within the role. code_system: icd10cm |
-- icd10pcs | cpt | hcpcs. code: without dot, upper case. poa: Y N U W 1 or NULL. proc_date:
-- YYYY-MM-DD or NULL. modifiers: "LT", "26 59" or NULL.
CREATE TABLE coding_abstract_code (
    id @PK@,
    abstract_id @INT@ NOT NULL REFERENCES coding_abstract(id),
    role TEXT NOT NULL,
    seq @INT@ NOT NULL,
    code_system TEXT NOT NULL,
    code TEXT NOT NULL,
    poa TEXT,
    proc_date TEXT,
    operator_name TEXT,
    operator_id @INT@ REFERENCES provider(id),
    modifiers TEXT,
    from_version @INT@ NOT NULL,
    to_version @INT@
);
CREATE INDEX coding_abstract_code_abstract ON coding_abstract_code(abstract_id, to_version);
CREATE UNIQUE INDEX coding_abstract_code_current_uq ON coding_abstract_code(abstract_id, role, seq)
    WHERE to_version IS NULL;
CREATE INDEX coding_abstract_code_operator ON coding_abstract_code(operator_id);

-- Every change, never updated or deleted. action: add | remove | change | sequence | status |
-- assign. role/code: the code concerned (NULL for status and assign). old_value/new_value: see
-- docs/coding.md. version: the abstract version after the change. at: canonical UTC text at
-- second precision (productivity measures sittings from it).
CREATE TABLE coding_abstract_history (
    id @PK@,
    abstract_id @INT@ NOT NULL REFERENCES coding_abstract(id),
    version @INT@ NOT NULL,
    at TEXT NOT NULL,
    user_name TEXT NOT NULL,
    action TEXT NOT NULL,
    role TEXT,
    code TEXT,
    old_value TEXT,
    new_value TEXT,
    reason TEXT
);
CREATE INDEX coding_abstract_history_abstract ON coding_abstract_history(abstract_id, id);
CREATE INDEX coding_abstract_history_at ON coding_abstract_history(at);
