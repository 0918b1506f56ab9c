-- 0016: release of information (issue 9 items 1, 2, 5): authorizations, ROI requests with an
-- append-only event history, and the disclosure log the accounting of disclosures reads.
-- include/folio/roi.h, docs/roi.md. Dates are calendar dates "YYYY-MM-DD" (the rule's deadlines
-- count calendar days); "at" columns are canonical UTC times; booleans are 0/1.

-- An authorization signed by the patient or a personal representative (45 CFR 164.508(c)).
-- A NULL or empty text column is a missing element; the checklist (folio_roi_auth_check) says
-- which. expires_on or expiry_event: the expiration date or event (164.508(c)(1)(v)).
CREATE TABLE roi_authorization (
    id @PK@,
    patient_id @INT@ NOT NULL REFERENCES patient(id),
    description TEXT,             -- the information to be disclosed, (c)(1)(i)
    discloser TEXT,               -- who may disclose it, (c)(1)(ii)
    recipient TEXT,               -- to whom, (c)(1)(iii)
    purpose TEXT,                 -- each purpose, (c)(1)(iv)
    expires_on TEXT,              -- (c)(1)(v): a date ...
    expiry_event TEXT,            -- ... or an event related to the individual or the purpose
    signed_by TEXT,               -- (c)(1)(vi): the signature ...
    signed_on TEXT,               -- ... and its date
    signer_authority TEXT,        -- a representative's authority to act, (c)(1)(vi); NULL = self
    stmt_revoke @INT@ NOT NULL DEFAULT 0,       -- right to revoke statement, (c)(2)(i)
    stmt_conditioning @INT@ NOT NULL DEFAULT 0, -- conditioning statement, (c)(2)(ii)
    stmt_redisclosure @INT@ NOT NULL DEFAULT 0, -- redisclosure statement, (c)(2)(iii)
    psychotherapy_notes @INT@ NOT NULL DEFAULT 0, -- an authorization for psychotherapy notes
                                                  -- only (164.508(a)(2), (b)(3)(ii))
    sensitive TEXT,               -- named sensitive categories ",part2,hiv," or NULL = none
    revoked_on TEXT,              -- written revocation, 164.508(b)(5); NULL = in force
    revoke_note TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX roi_authorization_patient ON roi_authorization(patient_id);

-- A request for records. requester_type: patient | personal_representative |
-- provider_continuity | payer | attorney_authorization | attorney_subpoena | court_order |
-- researcher | public_health | law_enforcement | workers_comp (docs/roi.md: the legal basis
-- and whether an authorization is needed). status: received | validated | pulled | qa |
-- released | denied. due_on: the 164.524(b)(2) deadline of a patient's access request (NULL
-- for other requests); original_due_on keeps the first one once the single extension is used.
CREATE TABLE roi_request (
    id @PK@,
    patient_id @INT@ NOT NULL REFERENCES patient(id),
    requester_type TEXT NOT NULL,
    requester_name TEXT NOT NULL,
    requester_address TEXT,
    date_from TEXT,               -- the records asked for: service dates (NULL = open end)
    date_to TEXT,
    doc_types TEXT,               -- ",18842-5,11506-3," LOINC document types, NULL = all
    purpose TEXT NOT NULL,
    delivery TEXT NOT NULL,       -- mail | pickup | fax | email | portal | electronic_media
    authorization_id @INT@ REFERENCES roi_authorization(id),
    subpoena_assurance @INT@ NOT NULL DEFAULT 0, -- 164.512(e)(1)(ii) satisfactory assurance
    status TEXT NOT NULL,
    deny_reason TEXT,
    received_on TEXT NOT NULL,
    due_on TEXT,
    original_due_on TEXT,
    extension_reason TEXT,
    released_on TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX roi_request_patient ON roi_request(patient_id);
CREATE INDEX roi_request_status ON roi_request(status, due_on);

-- Append-only history of a request. action: receive | validate | pull | qa | release | deny |
-- return (QA sends back to pulled) | extend.
CREATE TABLE roi_request_event (
    id @PK@,
    request_id @INT@ NOT NULL REFERENCES roi_request(id),
    at TEXT NOT NULL,
    user_name TEXT NOT NULL,
    action TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    detail TEXT
);
CREATE INDEX roi_request_event_request ON roi_request_event(request_id, id);

-- Every disclosure of a patient's information, those the accounting excludes included: basis
-- (the legal basis, docs/roi.md) decides whether 164.528 lists it. recipient, description and
-- purpose are the content of 164.528(b)(2).
CREATE TABLE roi_disclosure (
    id @PK@,
    patient_id @INT@ NOT NULL REFERENCES patient(id),
    disclosed_on TEXT NOT NULL,
    recipient TEXT NOT NULL,
    recipient_address TEXT,
    description TEXT NOT NULL,
    purpose TEXT NOT NULL,
    basis TEXT NOT NULL,
    request_id @INT@ REFERENCES roi_request(id),
    authorization_id @INT@ REFERENCES roi_authorization(id),
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL
);
CREATE INDEX roi_disclosure_patient ON roi_disclosure(patient_id, disclosed_on);
