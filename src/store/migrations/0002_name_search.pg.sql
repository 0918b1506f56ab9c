-- PostgreSQL only: prefix search (LIKE 'smi%') on the folded name columns uses a b-tree index
-- only with the pattern operator class when the database collation is not C.
CREATE INDEX patient_name_family_pattern ON patient_name (family_fold text_pattern_ops);
CREATE INDEX patient_name_given_pattern ON patient_name (given_fold text_pattern_ops);
