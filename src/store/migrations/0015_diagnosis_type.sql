-- 0015: the clinician's diagnosis type and rank on a source-reported condition (HL7 DG1), so the
-- completeness rule "principal diagnosis statement" can tell the final principal diagnosis from
-- an admitting or working one. docs/hl7-mapping.md "Other ADT segments", docs/completeness.md.

-- DG1-6 diagnosis type as sent (HL7 v2.5 user-defined table 0052: A admitting, W working,
-- F final; a site's other codes are kept as given). NULL = not given.
ALTER TABLE condition ADD COLUMN dx_type TEXT;

-- DG1-15 diagnosis priority (HL7 v2.5 table 0359: 0 not included in the ranking, 1 the
-- principal diagnosis, 2 and up ranked secondary diagnoses). NULL = not given.
ALTER TABLE condition ADD COLUMN dx_priority @INT@;
