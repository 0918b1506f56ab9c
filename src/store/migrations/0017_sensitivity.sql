-- 0017: sensitivity tags on documents (issue 9 item 3; docs/roi.md "Sensitive records").
-- A tag is a row, never deleted: removing it sets removed_at/removed_by/removed_reason, and
-- setting it again adds a new row, so the history of who marked what and why stays readable.
-- tag: psychotherapy_notes (45 CFR 164.501, 164.508(a)(2)) | sud_part2 (42 CFR Part 2) |
-- hiv_sti | genetic | reproductive_health | behavioral_health. At most one active row per
-- (document, tag). Times are canonical UTC text.
CREATE TABLE document_sensitivity (
    id @PK@,
    document_id @INT@ NOT NULL REFERENCES document(id),
    tag TEXT NOT NULL,
    set_at TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_reason TEXT,
    removed_at TEXT,              -- NULL while the tag applies
    removed_by TEXT,
    removed_reason TEXT
);
CREATE INDEX document_sensitivity_document ON document_sensitivity(document_id, tag);
CREATE UNIQUE INDEX document_sensitivity_active ON document_sensitivity(document_id, tag)
    WHERE removed_at IS NULL;
