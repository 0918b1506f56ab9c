-- 0022: release of information (issue 9 item 3): how a packet's documents were selected. A
-- Part 2 record disclosed without consent for a medical emergency (42 CFR 2.51) must be
-- documented: the selection flags the packet was checked with and the nature of the emergency
-- are kept on the packet (include/folio/roi.h, docs/roi.md "Sensitive records").
ALTER TABLE roi_packet ADD COLUMN select_flags @INT@ NOT NULL DEFAULT 0;
ALTER TABLE roi_packet ADD COLUMN emergency_reason TEXT;
