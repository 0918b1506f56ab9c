-- The audit trail (src/audit, include/folio/audit.h, docs/audit.md): append-only, hash-chained.
-- seq is assigned by the appender (audit_head.seq + 1), never by the database, so a gap is
-- evidence of a deletion. hash = SHA-256(canonical(entry) || prev_hash), lowercase hex.
-- patient_id / entity_id are NULL when none (0 in the C API). at: canonical UTC text with
-- milliseconds ("2026-11-21T22:22:05.123Z"), so text order is time order.

CREATE TABLE audit_log (
    seq @INT@ PRIMARY KEY,
    at TEXT NOT NULL,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    username TEXT,
    roles TEXT,
    patient_id @INT@,
    entity_type TEXT,
    entity_id @INT@,
    detail TEXT,
    client TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_patient ON audit_log(patient_id, seq);
CREATE INDEX audit_log_username ON audit_log(username, seq);
CREATE INDEX audit_log_action ON audit_log(action, seq);
CREATE INDEX audit_log_at ON audit_log(at);

-- One row: the last sequence number and its hash. Appenders serialise on it (PostgreSQL: its row
-- lock, taken by UPDATE; SQLite: the database write lock).
CREATE TABLE audit_head (
    id @INT@ PRIMARY KEY CHECK (id = 1),
    seq @INT@ NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
