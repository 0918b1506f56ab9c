-- 0020: restricted and VIP charts, care relationships, break-the-glass and the privacy
-- officer's review queue (issue 9 item 7; include/folio/btg.h, docs/privacy.md).
-- Times are canonical UTC text at second precision; days are "YYYY-MM-DD"; booleans are 0/1.
-- Nothing here is deleted: restrictions and care grants keep their history, review items are
-- closed by their disposition, never removed.

-- Workforce data for the snooping alerts: the user's own family name and home address (postal
-- code + street line), compared with the charts they open. NULL when not recorded.
ALTER TABLE users ADD COLUMN family_name TEXT;
ALTER TABLE users ADD COLUMN home_postal_code TEXT;
ALTER TABLE users ADD COLUMN home_street TEXT;

-- The current restriction state of a chart: one row per patient that was ever restricted or
-- flagged VIP (no row = neither). Written only together with a chart_restriction_event row.
CREATE TABLE chart_restriction (
    patient_id @INT@ PRIMARY KEY REFERENCES patient(id),
    restricted @INT@ NOT NULL DEFAULT 0,
    vip @INT@ NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);

-- Append-only history: every change of a chart's restriction or VIP flag, with who, when, why
-- and the state after the change.
CREATE TABLE chart_restriction_event (
    id @PK@,
    patient_id @INT@ NOT NULL REFERENCES patient(id),
    restricted @INT@ NOT NULL,
    vip @INT@ NOT NULL,
    reason TEXT NOT NULL,
    at TEXT NOT NULL,
    by_user TEXT NOT NULL
);
CREATE INDEX chart_restriction_event_patient ON chart_restriction_event(patient_id, id);

-- Explicit care-team grants: user -> patient for a period [from_at, to_at) (to_at NULL = open).
-- Ending a grant sets ended_at/ended_by; the row stays.
CREATE TABLE care_relationship (
    id @PK@,
    user_id @INT@ NOT NULL REFERENCES users(id),
    patient_id @INT@ NOT NULL REFERENCES patient(id),
    role TEXT,
    from_at TEXT NOT NULL,
    to_at TEXT,
    reason TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    ended_at TEXT,
    ended_by TEXT
);
CREATE INDEX care_relationship_user ON care_relationship(user_id, patient_id);

-- Break-the-glass grants: the user stated a reason and may open the restricted chart until
-- expires_at.
CREATE TABLE btg_grant (
    id @PK@,
    user_id @INT@ NOT NULL REFERENCES users(id),
    patient_id @INT@ NOT NULL REFERENCES patient(id),
    reason TEXT NOT NULL,
    at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    client TEXT
);
CREATE INDEX btg_grant_user ON btg_grant(user_id, patient_id, expires_at);

-- The privacy officer's review queue. kind: break_the_glass | same_family_name | same_address |
-- vip_access | volume. day: the day of the access (alerts: the day the run looked at). detail:
-- what matched, without needless PHI (never the name or address itself). grant_id: the
-- break-the-glass grant of a break_the_glass item. patient_id NULL for volume items.
-- status: open | reviewed; disposition: appropriate | inappropriate | escalated.
-- At most one alert per (kind, user, patient, day): a rerun of the day adds nothing.
CREATE TABLE privacy_review (
    id @PK@,
    kind TEXT NOT NULL,
    user_id @INT@ REFERENCES users(id),
    username TEXT NOT NULL,
    patient_id @INT@ REFERENCES patient(id),
    day TEXT NOT NULL,
    at TEXT NOT NULL,
    detail TEXT,
    grant_id @INT@ REFERENCES btg_grant(id),
    alert_key TEXT UNIQUE,
    status TEXT NOT NULL DEFAULT 'open',
    disposition TEXT,
    note TEXT,
    reviewed_by TEXT,
    reviewed_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX privacy_review_status ON privacy_review(status, id);
CREATE INDEX privacy_review_day ON privacy_review(day, kind);

-- The days an alert run has covered (when, by whom, how many items it added).
CREATE TABLE privacy_alert_run (
    id @PK@,
    day TEXT NOT NULL,
    at TEXT NOT NULL,
    by_user TEXT NOT NULL,
    added @INT@ NOT NULL
);
