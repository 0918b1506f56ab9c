-- 0013: physician queries (src/query/, include/folio/query.h, docs/queries.md): templates,
-- queries with their clinical indicators and answer options, and an append-only history.
-- Nothing here is ever deleted: a template is retired (active = 0), a query ends answered,
-- withdrawn or expired. No table references patient(id): the patient is the encounter's.

-- Templates. kind: open_ended | multiple_choice | yes_no. purpose: clinical_validation |
-- specificity | poa | conflicting_documentation | confirm_documented | cause_effect | other
-- (yes_no only for poa, conflicting_documentation, confirm_documented, cause_effect). code:
-- unique, stable name. A template is never edited: a change is a new template.
CREATE TABLE query_template (
    id @PK@,
    code TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    purpose TEXT NOT NULL,
    question TEXT NOT NULL,
    active @INT@ NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);

-- Answer options of a template, in order. role: clinical | other | undetermined | yes | no.
CREATE TABLE query_template_option (
    id @PK@,
    template_id @INT@ NOT NULL REFERENCES query_template(id),
    seq @INT@ NOT NULL,
    label TEXT NOT NULL,
    role TEXT NOT NULL,
    UNIQUE (template_id, seq)
);

-- A query. status: draft | sent | answered | withdrawn | expired. answer_option: the seq of the
-- chosen option (NULL for an open-ended answer); answer_document_id: the response filed into the
-- chart. Times: canonical UTC text at second precision (they sort as text).
CREATE TABLE cdi_query (
    id @PK@,
    encounter_id @INT@ NOT NULL REFERENCES encounter(id),
    provider_id @INT@ NOT NULL REFERENCES provider(id),
    template_id @INT@ REFERENCES query_template(id),
    kind TEXT NOT NULL,
    purpose TEXT NOT NULL,
    question TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    sent_at TEXT,
    sent_by TEXT,
    closed_at TEXT,
    closed_by TEXT,
    close_reason TEXT,
    answer_option @INT@,
    answer_text TEXT,
    answer_document_id @INT@ REFERENCES document(id)
);
CREATE INDEX query_provider_status ON cdi_query(provider_id, status, sent_at);
CREATE INDEX query_encounter ON cdi_query(encounter_id);
CREATE INDEX query_status_sent ON cdi_query(status, sent_at);

-- The options offered by a query (copied from its template or written for it), in order.
CREATE TABLE query_option (
    id @PK@,
    query_id @INT@ NOT NULL REFERENCES cdi_query(id),
    seq @INT@ NOT NULL,
    label TEXT NOT NULL,
    role TEXT NOT NULL,
    UNIQUE (query_id, seq)
);

-- The clinical indicators (evidence) of a query: a reference to a document version or an
-- observation of the record, or a free source description, with the quoted excerpt.
CREATE TABLE query_indicator (
    id @PK@,
    query_id @INT@ NOT NULL REFERENCES cdi_query(id),
    seq @INT@ NOT NULL,
    document_id @INT@ REFERENCES document(id),
    observation_id @INT@ REFERENCES observation(id),
    source TEXT,
    excerpt TEXT NOT NULL,
    UNIQUE (query_id, seq)
);

-- Every change of a query, never updated or deleted. action: create | send | answer | withdraw |
-- expire. old_status/new_status: status names ("" before creation is NULL).
CREATE TABLE query_history (
    id @PK@,
    query_id @INT@ NOT NULL REFERENCES cdi_query(id),
    at TEXT NOT NULL,
    user_name TEXT NOT NULL,
    action TEXT NOT NULL,
    old_status TEXT,
    new_status TEXT NOT NULL,
    detail TEXT
);
CREATE INDEX query_history_query ON query_history(query_id, id);

-- Built-in templates (AHIMA/ACDIS, Guidelines for Achieving a Compliant Query Practice, 2022
-- update). Multiple-choice ones end with "Other" and "Clinically undetermined".
INSERT INTO query_template (code, title, kind, purpose, question, active, created_at, created_by)
VALUES ('open-ended', 'Open-ended clarification', 'open_ended', 'other',
        'Based on the clinical indicators above, please clarify the condition being evaluated, monitored or treated.',
        1, '2024-01-01T00:00:00Z', 'system');
INSERT INTO query_template (code, title, kind, purpose, question, active, created_at, created_by)
VALUES ('clinical-validation', 'Clinical validation', 'multiple_choice', 'clinical_validation',
        'The diagnosis documented in the record is not clearly supported by the clinical indicators above. Please clarify.',
        1, '2024-01-01T00:00:00Z', 'system');
INSERT INTO query_template (code, title, kind, purpose, question, active, created_at, created_by)
VALUES ('heart-failure-specificity', 'Heart failure: type and acuity', 'multiple_choice', 'specificity',
        'Heart failure is documented. Based on the clinical indicators above, please clarify its type and acuity.',
        1, '2024-01-01T00:00:00Z', 'system');
INSERT INTO query_template (code, title, kind, purpose, question, active, created_at, created_by)
VALUES ('poa-status', 'Present on admission status', 'yes_no', 'poa',
        'Was the documented condition present at the time of the order for inpatient admission?',
        1, '2024-01-01T00:00:00Z', 'system');
INSERT INTO query_template (code, title, kind, purpose, question, active, created_at, created_by)
VALUES ('conflicting-documentation', 'Conflicting documentation', 'multiple_choice', 'conflicting_documentation',
        'The record contains conflicting documentation (see the clinical indicators above). Please clarify.',
        1, '2024-01-01T00:00:00Z', 'system');

INSERT INTO query_template_option (template_id, seq, label, role)
SELECT id, 1, 'The documented diagnosis is confirmed', 'clinical' FROM query_template WHERE code = 'clinical-validation';
INSERT INTO query_template_option (template_id, seq, label, role)
SELECT id, 2, 'The documented diagnosis was ruled out', 'clinical' FROM query_template WHERE code = 'clinical-validation';
INSERT INTO query_template_option (template_id, seq, label, role)
SELECT id, 3, 'Other (please specify)', 'other' FROM query_template WHERE code = 'clinical-validation';
INSERT INTO query_template_option (template_id, seq, label, role)
SELECT id, 4, 'Clinically undetermined', 'undetermined' FROM query_template WHERE code = 'clinical-validation';

INSERT INTO query_template_option (template_id, seq, label, role)
SELECT id, 1, 'Acute systolic (HFrEF) heart failure', 'clinical' FROM query_template WHERE code = 'heart-failure-specificity';
INSERT INTO query_template_option (template_id, seq, label, role)
SELECT id, 2, 'Acute on chronic systolic (HFrEF) heart failure', 'clinical' FROM query_template WHERE code = 'heart-failure-specificity';
INSERT INTO query_template_option (template_id, seq, label, role)
SELECT id, 3, 'Acute diastolic (HFpEF) heart failure', 'clinical' FROM query_template WHERE code = 'heart-failure-specificity';
INSERT INTO query_template_option (template_id, seq, label, role)
SELECT id, 4, 'Acute on chronic diastolic (HFpEF) heart failure', 'clinical' FROM query_template WHERE code = 'heart-failure-specificity';
INSERT INTO query_template_option (template_id, seq, label, role)
SELECT id, 5, 'Chronic systolic or diastolic heart failure without acute exacerbation', 'clinical' FROM query_template WHERE code = 'heart-failure-specificity';
INSERT INTO query_template_option (template_id, seq, label, role)
SELECT id, 6, 'Other (please specify)', 'other' FROM query_template WHERE code = 'heart-failure-specificity';
INSERT INTO query_template_option (template_id, seq, label, role)
SELECT id, 7, 'Clinically undetermined', 'undetermined' FROM query_template WHERE code = 'heart-failure-specificity';

INSERT INTO query_template_option (template_id, seq, label, role)
SELECT id, 1, 'Yes, present on admission', 'yes' FROM query_template WHERE code = 'poa-status';
INSERT INTO query_template_option (template_id, seq, label, role)
SELECT id, 2, 'No, developed after admission', 'no' FROM query_template WHERE code = 'poa-status';
INSERT INTO query_template_option (template_id, seq, label, role)
SELECT id, 3, 'Clinically undetermined', 'undetermined' FROM query_template WHERE code = 'poa-status';

INSERT INTO query_template_option (template_id, seq, label, role)
SELECT id, 1, 'The first documented finding is correct', 'clinical' FROM query_template WHERE code = 'conflicting-documentation';
INSERT INTO query_template_option (template_id, seq, label, role)
SELECT id, 2, 'The second documented finding is correct', 'clinical' FROM query_template WHERE code = 'conflicting-documentation';
INSERT INTO query_template_option (template_id, seq, label, role)
SELECT id, 3, 'Other (please specify)', 'other' FROM query_template WHERE code = 'conflicting-documentation';
INSERT INTO query_template_option (template_id, seq, label, role)
SELECT id, 4, 'Clinically undetermined', 'undetermined' FROM query_template WHERE code = 'conflicting-documentation';
