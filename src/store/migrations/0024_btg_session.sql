-- 0024: restricted charts (include/folio/btg.h, docs/privacy.md). A break-the-glass grant
-- belongs to the sign-in session that broke the glass: it ends with the session (sign-out,
-- idle or absolute expiry), since a new session has another id. NULL: a grant made outside a
-- session (command line, tests), valid only outside a session.
ALTER TABLE btg_grant ADD COLUMN session_id @INT@;
-- The daily snooping alerts read one user's accesses of a time range (src/privacy/snoop.c).
CREATE INDEX audit_log_username_at ON audit_log(username, at);
