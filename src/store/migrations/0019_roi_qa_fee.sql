-- 0019: release of information (issue 9 item 4): the second person's QA check of a packet
-- before release, and the fee saved on a request. The packet's PDF bytes are kept in `content`
-- under their SHA-256 (roi_packet.sha256) from this version on. include/folio/roi.h,
-- docs/roi.md. Both tables are append-only.

-- One row per QA check of a packet: right patient, right records, right recipient, by a user
-- other than the one who recorded the packet. passed = all three confirmed; a failed check has
-- a note and sends the request back to pulled.
CREATE TABLE roi_packet_qa (
    id @PK@,
    packet_id @INT@ NOT NULL REFERENCES roi_packet(id),
    request_id @INT@ NOT NULL REFERENCES roi_request(id),
    right_patient @INT@ NOT NULL,
    right_records @INT@ NOT NULL,
    right_recipient @INT@ NOT NULL,
    passed @INT@ NOT NULL,
    note TEXT,
    at TEXT NOT NULL,
    by_user TEXT NOT NULL
);
CREATE INDEX roi_packet_qa_packet ON roi_packet_qa(packet_id, id);

-- The fee of a request (45 CFR 164.524(c)(4) for a patient's access): the calculator's inputs
-- and its result in integer cents; the latest row is the fee in force.
CREATE TABLE roi_fee (
    id @PK@,
    request_id @INT@ NOT NULL REFERENCES roi_request(id),
    method TEXT NOT NULL,            -- cost | flat
    labor_minutes @INT@ NOT NULL,
    labor_cents_per_hour @INT@ NOT NULL,
    pages @INT@ NOT NULL,
    supply_cents_per_page @INT@ NOT NULL,
    media_cents @INT@ NOT NULL,
    postage_cents @INT@ NOT NULL,
    summary_cents @INT@ NOT NULL,
    flat_cents @INT@ NOT NULL,
    electronic @INT@ NOT NULL,
    mailed @INT@ NOT NULL,
    labor_total @INT@ NOT NULL,
    supplies_total @INT@ NOT NULL,
    postage_total @INT@ NOT NULL,
    summary_total @INT@ NOT NULL,
    total_cents @INT@ NOT NULL,
    at TEXT NOT NULL,
    by_user TEXT NOT NULL
);
CREATE INDEX roi_fee_request ON roi_fee(request_id, id);
