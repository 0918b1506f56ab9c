-- The patient chart (src/records, include/folio/records.h).
-- Nothing here is ever physically deleted: history rows carry valid_to / ended_*, corrections
-- are new rows or versions pointing at what they supersede, with who (actor) and when.
-- Times are canonical UTC text (folio/time.h); booleans are 0/1 integers.

CREATE TABLE facility (
    id @PK@,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TABLE patient (
    id @PK@,
    birth_date TEXT NOT NULL,
    sex TEXT NOT NULL,
    deceased_at TEXT,
    language TEXT,
    marital_status TEXT,
    email TEXT,
    race TEXT,
    ethnicity TEXT,
    status TEXT NOT NULL DEFAULT 'active',
    merged_into @INT@ REFERENCES patient(id),
    version @INT@ NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX patient_birth_date ON patient(birth_date);
CREATE INDEX patient_merged_into ON patient(merged_into);

-- family_fold / given_fold: lower case, accents removed (records/fold.c), for prefix search.
CREATE TABLE patient_name (
    id @PK@,
    patient_id @INT@ NOT NULL REFERENCES patient(id),
    name_use TEXT NOT NULL,
    family TEXT,
    given TEXT,
    middle TEXT,
    prefix TEXT,
    suffix TEXT,
    family_fold TEXT NOT NULL,
    given_fold TEXT NOT NULL,
    valid_from TEXT,
    valid_to TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    ended_by TEXT
);
CREATE INDEX patient_name_patient ON patient_name(patient_id);
CREATE INDEX patient_name_family ON patient_name(family_fold);
CREATE INDEX patient_name_given ON patient_name(given_fold);

-- value: as issued, except SS where it is the mask "***-**-1234"; the SSN itself is only in
-- value_sealed (folio_seal). match_key: the value, or for SS the blind index of the 9 digits.
CREATE TABLE patient_identifier (
    id @PK@,
    patient_id @INT@ NOT NULL REFERENCES patient(id),
    kind TEXT NOT NULL,
    assigner TEXT NOT NULL,
    value TEXT NOT NULL,
    value_sealed TEXT,
    match_key TEXT NOT NULL,
    active @INT@ NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    retired_at TEXT,
    retired_by TEXT,
    retired_reason TEXT
);
CREATE UNIQUE INDEX patient_identifier_active_uq ON patient_identifier(kind, assigner, match_key)
    WHERE active = 1;
CREATE INDEX patient_identifier_patient ON patient_identifier(patient_id);
CREATE INDEX patient_identifier_match ON patient_identifier(match_key);

CREATE TABLE patient_address (
    id @PK@,
    patient_id @INT@ NOT NULL REFERENCES patient(id),
    addr_use TEXT NOT NULL,
    line1 TEXT,
    line2 TEXT,
    city TEXT,
    state TEXT,
    postal_code TEXT,
    county TEXT,
    country TEXT,
    valid_from TEXT,
    valid_to TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    ended_by TEXT
);
CREATE INDEX patient_address_patient ON patient_address(patient_id);

CREATE TABLE patient_phone (
    id @PK@,
    patient_id @INT@ NOT NULL REFERENCES patient(id),
    phone_use TEXT NOT NULL,
    number TEXT NOT NULL,
    is_current @INT@ NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    ended_at TEXT,
    ended_by TEXT
);
CREATE INDEX patient_phone_patient ON patient_phone(patient_id);
CREATE INDEX patient_phone_number ON patient_phone(number);

CREATE TABLE provider (
    id @PK@,
    npi TEXT UNIQUE,
    family TEXT,
    given TEXT,
    credentials TEXT,
    specialty TEXT,
    ext_system TEXT,
    ext_id TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (ext_system, ext_id)
);

CREATE TABLE encounter (
    id @PK@,
    patient_id @INT@ NOT NULL REFERENCES patient(id),
    facility_id @INT@ NOT NULL REFERENCES facility(id),
    account_number TEXT,
    enc_class TEXT NOT NULL,
    source_class TEXT,
    status TEXT NOT NULL,
    admit_at TEXT,
    discharge_at TEXT,
    admit_type TEXT,
    admit_source TEXT,
    disposition TEXT,
    service TEXT,
    reason TEXT,
    cancel_reason TEXT,
    ext_system TEXT,
    ext_id TEXT,
    version @INT@ NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    UNIQUE (facility_id, account_number),
    UNIQUE (ext_system, ext_id)
);
CREATE INDEX encounter_patient ON encounter(patient_id, admit_at);
CREATE INDEX encounter_facility ON encounter(facility_id);
CREATE INDEX encounter_status ON encounter(status, discharge_at);

CREATE TABLE encounter_location (
    id @PK@,
    encounter_id @INT@ NOT NULL REFERENCES encounter(id),
    location TEXT NOT NULL,
    from_at TEXT NOT NULL,
    to_at TEXT,
    created_by TEXT NOT NULL
);
CREATE INDEX encounter_location_encounter ON encounter_location(encounter_id);

CREATE TABLE encounter_provider (
    id @PK@,
    encounter_id @INT@ NOT NULL REFERENCES encounter(id),
    provider_id @INT@ NOT NULL REFERENCES provider(id),
    role TEXT NOT NULL,
    from_at TEXT NOT NULL,
    to_at TEXT,
    created_by TEXT NOT NULL
);
CREATE INDEX encounter_provider_encounter ON encounter_provider(encounter_id);
CREATE INDEX encounter_provider_provider ON encounter_provider(provider_id);

-- Content-addressed bytes: one row per distinct SHA-256.
CREATE TABLE content (
    sha256 TEXT PRIMARY KEY,
    size @INT@ NOT NULL,
    bytes @BLOB@ NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE document (
    id @PK@,
    patient_id @INT@ NOT NULL REFERENCES patient(id),
    encounter_id @INT@ REFERENCES encounter(id),
    author_id @INT@ REFERENCES provider(id),
    type_code TEXT NOT NULL,
    type_title TEXT NOT NULL,
    service_at TEXT,
    filed_at TEXT NOT NULL,
    ext_system TEXT,
    ext_id TEXT,
    created_by TEXT NOT NULL,
    UNIQUE (ext_system, ext_id)
);
CREATE INDEX document_patient ON document(patient_id, filed_at);
CREATE INDEX document_encounter ON document(encounter_id);
CREATE INDEX document_author ON document(author_id);

CREATE TABLE document_version (
    id @PK@,
    document_id @INT@ NOT NULL REFERENCES document(id),
    version_no @INT@ NOT NULL,
    status TEXT NOT NULL,
    change_kind TEXT NOT NULL,
    reason TEXT,
    title TEXT NOT NULL,
    mime_type TEXT NOT NULL,
    content_sha256 TEXT NOT NULL REFERENCES content(sha256),
    content_len @INT@ NOT NULL,
    supersedes_id @INT@ REFERENCES document_version(id),
    changed_by TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    UNIQUE (document_id, version_no)
);
CREATE INDEX document_version_content ON document_version(content_sha256);
CREATE INDEX document_version_supersedes ON document_version(supersedes_id);

CREATE TABLE document_signature (
    id @PK@,
    version_id @INT@ NOT NULL REFERENCES document_version(id),
    provider_id @INT@ REFERENCES provider(id),
    signer TEXT NOT NULL,
    role TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL
);
CREATE INDEX document_signature_version ON document_signature(version_id);
CREATE INDEX document_signature_provider ON document_signature(provider_id);

-- A correction is a new row whose supersedes_id names the row it replaces (at most one).
CREATE TABLE observation (
    id @PK@,
    patient_id @INT@ NOT NULL REFERENCES patient(id),
    encounter_id @INT@ REFERENCES encounter(id),
    code_system TEXT NOT NULL,
    code TEXT NOT NULL,
    title TEXT,
    value_type TEXT NOT NULL,
    value_text TEXT,
    value_num @REAL@,
    units TEXT,
    ref_range TEXT,
    abnormal_flag TEXT,
    status TEXT NOT NULL,
    observed_at TEXT,
    supersedes_id @INT@ UNIQUE REFERENCES observation(id),
    reason TEXT,
    ext_system TEXT,
    ext_id TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (ext_system, ext_id)
);
CREATE INDEX observation_patient ON observation(patient_id, observed_at);
CREATE INDEX observation_encounter ON observation(encounter_id);
CREATE INDEX observation_code ON observation(code);

CREATE TABLE condition (
    id @PK@,
    patient_id @INT@ NOT NULL REFERENCES patient(id),
    encounter_id @INT@ REFERENCES encounter(id),
    code_system TEXT NOT NULL,
    code TEXT NOT NULL,
    display TEXT,
    onset TEXT,
    abatement TEXT,
    ext_system TEXT,
    ext_id TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (ext_system, ext_id)
);
CREATE INDEX condition_patient ON condition(patient_id);
CREATE INDEX condition_encounter ON condition(encounter_id);

CREATE TABLE procedure_event (
    id @PK@,
    patient_id @INT@ NOT NULL REFERENCES patient(id),
    encounter_id @INT@ REFERENCES encounter(id),
    code_system TEXT NOT NULL,
    code TEXT NOT NULL,
    display TEXT,
    performed_start TEXT,
    performed_end TEXT,
    ext_system TEXT,
    ext_id TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (ext_system, ext_id)
);
CREATE INDEX procedure_event_patient ON procedure_event(patient_id);
CREATE INDEX procedure_event_encounter ON procedure_event(encounter_id);
