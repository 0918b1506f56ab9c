-- 0021: research extracts (issue 9 item 6): data use agreements for limited data sets and the
-- log of every extract (src/deid/cohort.c, include/folio/deid.h, docs/deid.md "Cohort
-- extracts"). Dates are "YYYY-MM-DD"; "at" columns canonical UTC times; booleans 0/1. Nothing
-- is deleted: a DUA ends by its expires_on or by a termination (terminated_on with who and why).

-- A data use agreement, 45 CFR 164.514(e)(4): what the recipient may do with a limited data
-- set. The five assurances of (e)(4)(ii)(C) are recorded one by one; an extract is refused
-- unless each is 1 and the agreement is in force (signed_on <= today <= expires_on, not
-- terminated).
CREATE TABLE deid_dua (
    id @PK@,
    recipient TEXT NOT NULL,           -- who receives the data set
    purpose TEXT NOT NULL,             -- the permitted uses and disclosures, (e)(4)(ii)(A)
    users TEXT NOT NULL,               -- who may use or receive it, (e)(4)(ii)(B)
    signed_on TEXT NOT NULL,
    expires_on TEXT,                   -- NULL = no end date
    no_reidentify @INT@ NOT NULL DEFAULT 0,     -- not identify the information or contact the
                                                -- individuals, (e)(4)(ii)(C)(5)
    safeguards @INT@ NOT NULL DEFAULT 0,        -- appropriate safeguards, (C)(2)
    report_violations @INT@ NOT NULL DEFAULT 0, -- report any use not provided for, (C)(3)
    agents_bound @INT@ NOT NULL DEFAULT 0,      -- agents and subcontractors agree to the same
                                                -- restrictions, (C)(4)
    no_other_use @INT@ NOT NULL DEFAULT 0,      -- no use or further disclosure other than the
                                                -- agreement permits or law requires, (C)(1)
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    terminated_on TEXT,
    terminated_by TEXT,
    termination_reason TEXT
);

-- One row per extract, safe harbor or limited data set. criteria: the cohort as JSON text
-- (dates, class, diagnosis prefix, patient ids: internal ids, never written into the extract).
-- sha256: of the bytes handed out.
CREATE TABLE deid_extract (
    id @PK@,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    method TEXT NOT NULL,              -- safe_harbor | limited_data_set
    dua_id @INT@ REFERENCES deid_dua(id),
    criteria TEXT NOT NULL,
    format TEXT NOT NULL,              -- csv | json
    with_notes @INT@ NOT NULL DEFAULT 0,
    row_count @INT@ NOT NULL,
    patient_count @INT@ NOT NULL,
    sha256 TEXT NOT NULL
);
CREATE INDEX deid_extract_dua ON deid_extract(dua_id);
CREATE INDEX deid_extract_created ON deid_extract(created_at);
