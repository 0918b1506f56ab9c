-- 0018: the release packets of ROI requests (issue 9 item 4; src/roi/packet.c, docs/roi.md).
-- One row per packet recorded on a request (a request sent back by QA may get a new one): the
-- SHA-256 of the PDF bytes, their size, the page count and the documents enclosed, in order.
CREATE TABLE roi_packet (
    id @PK@,
    request_id @INT@ NOT NULL REFERENCES roi_request(id),
    sha256 TEXT NOT NULL,         -- lowercase hex of the PDF
    pages @INT@ NOT NULL,
    byte_size @INT@ NOT NULL,
    documents TEXT NOT NULL,      -- ",12,15," document ids in packet order
    part2_notice @INT@ NOT NULL DEFAULT 0,        -- the 42 CFR 2.32 notice was printed
    redisclosure_notice @INT@ NOT NULL DEFAULT 0, -- a general redisclosure notice was printed
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX roi_packet_request ON roi_packet(request_id, id);
