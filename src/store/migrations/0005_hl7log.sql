-- The HL7 v2 message log (src/hl7log, include/folio/hl7log.h, docs/mllp.md): every inbound
-- message with the ACK sent and its errors. raw and ack are bytes (HL7 v2 allows non-UTF-8
-- character sets). errors: JSON array of {code, severity, location, text} (may quote input
-- values: PHI; never logged). Times: canonical UTC text with milliseconds.
-- replay_of / duplicate_of / resolved_by are soft links (SET NULL when retention prunes the row
-- they point at).

CREATE TABLE hl7_messages (
    id @PK@,
    kind TEXT NOT NULL,              -- received | replay
    received_at TEXT NOT NULL,
    connection_id @INT@ NOT NULL DEFAULT 0,
    peer TEXT,
    sender_app TEXT NOT NULL DEFAULT '',
    sender_fac TEXT NOT NULL DEFAULT '',
    receiver_app TEXT NOT NULL DEFAULT '',
    receiver_fac TEXT NOT NULL DEFAULT '',
    control_id TEXT NOT NULL DEFAULT '',
    msg_type TEXT NOT NULL DEFAULT '',
    version TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,            -- applied | held | error | rejected | duplicate
    ack_code TEXT NOT NULL,          -- the outcome: AA AE AR
    ack @BLOB@,                      -- the ACK sent (enhanced mode: maybe the accept ACK CA/CR)
    errors TEXT,
    n_errors @INT@ NOT NULL DEFAULT 0,
    patient_id @INT@,
    encounter_id @INT@,
    action TEXT,
    replay_of @INT@ REFERENCES hl7_messages(id) ON DELETE SET NULL,
    duplicate_of @INT@ REFERENCES hl7_messages(id) ON DELETE SET NULL,
    resolved_by @INT@ REFERENCES hl7_messages(id) ON DELETE SET NULL,
    resolved_at TEXT,
    resolution TEXT,
    applied_at TEXT,
    dedup @INT@ NOT NULL DEFAULT 0,  -- 1: this row answers repeats of (sender, MSH-10)
    raw_len @INT@ NOT NULL,
    raw @BLOB@ NOT NULL
);
-- Duplicate detection: one first receipt per (sender, MSH-10).
CREATE UNIQUE INDEX hl7_messages_dedup ON hl7_messages(sender_app, sender_fac, control_id)
    WHERE dedup = 1;
CREATE INDEX hl7_messages_received ON hl7_messages(received_at);
CREATE INDEX hl7_messages_status ON hl7_messages(status, id);
CREATE INDEX hl7_messages_type ON hl7_messages(msg_type, id);
CREATE INDEX hl7_messages_patient ON hl7_messages(patient_id, id) WHERE patient_id IS NOT NULL;
-- The links are mostly NULL: partial indexes cost nothing for those rows (and still serve the
-- foreign keys' ON DELETE look-ups, which compare with '=').
CREATE INDEX hl7_messages_replay ON hl7_messages(replay_of) WHERE replay_of IS NOT NULL;
CREATE INDEX hl7_messages_dup ON hl7_messages(duplicate_of) WHERE duplicate_of IS NOT NULL;
CREATE INDEX hl7_messages_resolved ON hl7_messages(resolved_by) WHERE resolved_by IS NOT NULL;
