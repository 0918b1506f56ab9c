-- 0012: chart completeness (src/completeness/, include/folio/completeness.h,
-- docs/completeness.md): versioned rule sets and the deficiencies of encounters with their
-- history. Nothing here is deleted. No table references patient(id) (the patient is the
-- encounter's), so a merge needs nothing here.

-- Each load of a rules file that differs from the version in force. The newest version is in
-- force. content: the file as loaded; sha256: of content, lowercase hex.
CREATE TABLE completeness_ruleset (
    id @PK@,
    version @INT@ NOT NULL UNIQUE,
    sha256 TEXT NOT NULL,
    source TEXT,
    content TEXT NOT NULL,
    n_rules @INT@ NOT NULL,
    loaded_by TEXT NOT NULL,
    loaded_at TEXT NOT NULL
);

-- One deficiency of an encounter. rule: the rule's name; kind: require | sign | field | check;
-- subject: "encounter", "procedure:<id>" or "document:<id>" (with rule and encounter, the
-- identity analysis reconciles by). status: open | closed | waived | withdrawn. due_at,
-- created_at, closed_at: canonical UTC text at second precision. late: closed after due_at.
CREATE TABLE deficiency (
    id @PK@,
    encounter_id @INT@ NOT NULL REFERENCES encounter(id),
    rule TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    document_id @INT@ REFERENCES document(id),
    procedure_id @INT@ REFERENCES procedure_event(id),
    doc_type TEXT,
    description TEXT NOT NULL,
    responsible_id @INT@ REFERENCES provider(id),
    due_at TEXT,
    status TEXT NOT NULL,
    ruleset_version @INT@ NOT NULL,
    created_at TEXT NOT NULL,
    closed_at TEXT,
    closed_how TEXT,
    late @INT@ NOT NULL DEFAULT 0,
    waived_by TEXT,
    waived_reason TEXT
);
CREATE INDEX deficiency_encounter ON deficiency(encounter_id, status);
CREATE INDEX deficiency_responsible ON deficiency(responsible_id, status);
CREATE INDEX deficiency_status_due ON deficiency(status, due_at);
CREATE INDEX deficiency_document ON deficiency(document_id);
CREATE INDEX deficiency_procedure ON deficiency(procedure_id);

-- Append-only history. action: create | close | due | waive | withdraw.
CREATE TABLE deficiency_event (
    id @PK@,
    deficiency_id @INT@ NOT NULL REFERENCES deficiency(id),
    at TEXT NOT NULL,
    user_name TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT
);
CREATE INDEX deficiency_event_deficiency ON deficiency_event(deficiency_id, id);
