-- 0009: code sets (include/folio/codes.h, src/coding/, docs/codesets.md).
-- Versions carry effective periods (dates 'YYYY-MM-DD', inclusive; effective_to '' = open).
-- Nothing is ever deleted: a newer release adds rows, an update (April, quarterly) adds rows
-- from its start date, and one load never touches another load kind's rows.

-- One row per load of a release file. kind: the load kind ('icd10cm-order'); code_system:
-- 'icd10cm' | 'icd10pcs' | 'hcpcs' | 'cpt'. update_of: the version an April/quarterly update
-- belongs to. (kind, sha256) is unique: the same file is never loaded twice.
CREATE TABLE code_set_version (
    id @PK@,
    kind TEXT NOT NULL,
    code_system TEXT NOT NULL,
    fiscal_year @INT@ NOT NULL,
    label TEXT NOT NULL,
    effective_from TEXT NOT NULL,
    effective_to TEXT NOT NULL DEFAULT '',
    update_of @INT@ REFERENCES code_set_version(id),
    source_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    loaded_at TEXT NOT NULL,
    loaded_by TEXT NOT NULL,
    n_records @INT@ NOT NULL DEFAULT 0,
    n_codes @INT@ NOT NULL DEFAULT 0,
    n_billable @INT@ NOT NULL DEFAULT 0,
    n_notes @INT@ NOT NULL DEFAULT 0,
    UNIQUE (kind, sha256)
);
CREATE INDEX code_set_version_period ON code_set_version(code_system, effective_from);

-- One row per code and period. kind: chapter | section | category | subcategory | code |
-- modifier. billable 0/1. title NULL when no loaded file gives one (a valid-code list).
CREATE TABLE code (
    id @PK@,
    code_system TEXT NOT NULL,
    code TEXT NOT NULL,
    effective_from TEXT NOT NULL,
    effective_to TEXT NOT NULL DEFAULT '',
    title TEXT,
    short_title TEXT,
    kind TEXT NOT NULL,
    billable @INT@ NOT NULL DEFAULT 0,
    parent TEXT NOT NULL DEFAULT '',
    version_id @INT@ NOT NULL REFERENCES code_set_version(id),
    UNIQUE (code_system, code, effective_from)
);
CREATE INDEX code_parent ON code(code_system, parent, effective_from);

-- Tabular instructional notes of one code row, in file order (seq).
CREATE TABLE code_note (
    id @PK@,
    code_id @INT@ NOT NULL REFERENCES code(id),
    note_type TEXT NOT NULL,
    seq @INT@ NOT NULL,
    extension TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    version_id @INT@ NOT NULL REFERENCES code_set_version(id),
    UNIQUE (code_id, note_type, seq)
);

-- ICD-10-CM alphabetic index: term = the path of main term and subterms joined by ', '.
CREATE TABLE code_index_term (
    id @PK@,
    version_id @INT@ NOT NULL REFERENCES code_set_version(id),
    code_system TEXT NOT NULL,
    seq @INT@ NOT NULL,
    term TEXT NOT NULL,
    code TEXT NOT NULL DEFAULT '',
    see TEXT NOT NULL DEFAULT '',
    UNIQUE (version_id, seq)
);
CREATE INDEX code_index_term_code ON code_index_term(code_system, code);

-- ICD-10-PCS tables as given: table = first 3 characters, row_no within the table (0 for the
-- table's own axes 1-3), pos 1..7, value one character.
CREATE TABLE pcs_value (
    id @PK@,
    version_id @INT@ NOT NULL REFERENCES code_set_version(id),
    pcs_table TEXT NOT NULL,
    row_no @INT@ NOT NULL,
    pos @INT@ NOT NULL,
    value TEXT NOT NULL,
    axis_title TEXT NOT NULL,
    label TEXT NOT NULL,
    definition TEXT,
    UNIQUE (version_id, pcs_table, row_no, pos, value)
);
CREATE INDEX pcs_value_table ON pcs_value(pcs_table, version_id);

-- ICD-10-PCS definitions file: section, axis position, term title, definition.
CREATE TABLE pcs_definition (
    id @PK@,
    version_id @INT@ NOT NULL REFERENCES code_set_version(id),
    section TEXT NOT NULL,
    pos @INT@ NOT NULL,
    seq @INT@ NOT NULL,
    title TEXT NOT NULL,
    definition TEXT NOT NULL DEFAULT '',
    explanation TEXT NOT NULL DEFAULT '',
    includes TEXT NOT NULL DEFAULT '',
    UNIQUE (version_id, section, pos, seq)
);

-- MCE edit tables. code_system 'icd10cm' (dx master) or 'icd10pcs' (pr master); attributes
-- space-separated as in the MCE (MANIF UNACCEPTABLE ...).
CREATE TABLE mce_code (
    id @PK@,
    version_id @INT@ NOT NULL REFERENCES code_set_version(id),
    code_system TEXT NOT NULL,
    code TEXT NOT NULL,
    effective_from TEXT NOT NULL,
    effective_to TEXT NOT NULL,
    attributes TEXT NOT NULL DEFAULT '',
    UNIQUE (version_id, code_system, code, effective_from)
);
CREATE INDEX mce_code_code ON mce_code(code_system, code);
CREATE TABLE mce_age_range (
    id @PK@,
    version_id @INT@ NOT NULL REFERENCES code_set_version(id),
    age_key TEXT NOT NULL,
    start_age @INT@ NOT NULL,
    end_age @INT@ NOT NULL,
    effective_from TEXT NOT NULL,
    effective_to TEXT NOT NULL
);
CREATE TABLE mce_discharge_status (
    id @PK@,
    version_id @INT@ NOT NULL REFERENCES code_set_version(id),
    status TEXT NOT NULL,
    effective_from TEXT NOT NULL,
    effective_to TEXT NOT NULL
);
