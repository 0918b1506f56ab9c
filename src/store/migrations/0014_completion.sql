-- 0014: chart completion (issue 8 item 5), the clinician's link to a provider (the inbox), the
-- resident attribute of providers (co-signature rules), and the operator and tissue of a
-- procedure (operative-report and pathology rules). docs/completeness.md.

-- A chart (encounter) marked complete by HIM: NULL while incomplete. After it every change to
-- the chart's documents is an amendment, and a document filed late is a "late-entry".
ALTER TABLE encounter ADD COLUMN chart_completed_at TEXT;
ALTER TABLE encounter ADD COLUMN chart_completed_by TEXT;

-- Append-only history of completion. action: complete | reopen.
CREATE TABLE chart_completion_event (
    id @PK@,
    encounter_id @INT@ NOT NULL REFERENCES encounter(id),
    at TEXT NOT NULL,
    user_name TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT
);
CREATE INDEX chart_completion_event_encounter ON chart_completion_event(encounter_id, id);

-- The provider a signed-in clinician is (their inbox: queries and deficiencies). NULL = none.
ALTER TABLE users ADD COLUMN provider_id @INT@ REFERENCES provider(id);

-- 1 when the provider is a resident (house staff): their notes need an attending's
-- co-signature where the rules say "cosign residents".
ALTER TABLE provider ADD COLUMN resident @INT@ NOT NULL DEFAULT 0;

-- The operator (surgeon) of a procedure (HL7 PR1-12 with role surgeon, or the API), and whether
-- tissue was sent to pathology (1 yes, 0 no, NULL not recorded).
ALTER TABLE procedure_event ADD COLUMN operator_id @INT@ REFERENCES provider(id);
ALTER TABLE procedure_event ADD COLUMN tissue_sent @INT@;
