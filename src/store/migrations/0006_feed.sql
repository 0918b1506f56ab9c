-- 0006: what the HL7 v2 feed needs in the chart (docs/hl7-mapping.md).

-- Every change an interface (or a user) makes to a visit after its creation, so that undoing a
-- transfer or a discharge (A12, A13) and class changes (A06, A07) keep their history: nothing in
-- the encounter row is lost without a trace here.
CREATE TABLE encounter_event (
    id @PK@,
    encounter_id @INT@ NOT NULL REFERENCES encounter(id),
    event TEXT NOT NULL,          -- update, change-class, cancel-transfer, cancel-discharge
    detail TEXT,                  -- the previous values, "field=value; ..."
    reason TEXT,
    at TEXT NOT NULL,
    recorded_by TEXT NOT NULL
);
CREATE INDEX encounter_event_encounter ON encounter_event(encounter_id);

-- A cancelled transfer (A12) keeps its location row, marked here.
ALTER TABLE encounter_location ADD COLUMN cancelled_at TEXT;

-- Next of kin / emergency contacts (NK1), as the sender gave them.
CREATE TABLE patient_contact (
    id @PK@,
    patient_id @INT@ NOT NULL REFERENCES patient(id),
    relationship TEXT,            -- HL7 table 0063 code (SPO, CHD, MTH ...)
    contact_role TEXT,            -- HL7 table 0131 code (C emergency contact, N next of kin ...)
    family TEXT,
    given TEXT,
    phone TEXT,
    address TEXT,
    ext_system TEXT,
    ext_id TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (ext_system, ext_id)
);
CREATE INDEX patient_contact_patient ON patient_contact(patient_id);

-- Insurance coverage (IN1), as the sender gave it.
CREATE TABLE coverage (
    id @PK@,
    patient_id @INT@ NOT NULL REFERENCES patient(id),
    payer_id TEXT,
    payer_name TEXT,
    plan_id TEXT,
    plan_type TEXT,
    group_number TEXT,
    member_id TEXT,
    subscriber TEXT,
    relationship TEXT,
    effective TEXT,
    expires TEXT,
    ext_system TEXT,
    ext_id TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (ext_system, ext_id)
);
CREATE INDEX coverage_patient ON coverage(patient_id);

-- Merge requests received (A40): recorded for review; the MPI issue carries them out.
CREATE TABLE feed_merge_request (
    id @PK@,
    surviving_patient_id @INT@ NOT NULL REFERENCES patient(id),
    prior_patient_id @INT@ REFERENCES patient(id),
    prior_kind TEXT,
    prior_assigner TEXT,
    prior_value TEXT NOT NULL,
    prior_account TEXT,
    sender TEXT NOT NULL,
    control_id TEXT,
    status TEXT NOT NULL DEFAULT 'pending',
    requested_at TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    UNIQUE (surviving_patient_id, prior_value, prior_kind, prior_assigner)
);
