-- Master patient index search index (src/mpi/search.c): derived data, rebuilt by
-- `folio mpi reindex`, maintained by folio_mpi_index_patient() after every identity change.
-- mpi_person: the identity each patient is matched on (current name, previous family names,
-- current home address and phone); never the SSN itself (ssn_last4 for display only).
CREATE TABLE mpi_person (
    patient_id @INT@ PRIMARY KEY REFERENCES patient(id),
    given TEXT,
    middle TEXT,
    family TEXT,
    suffix TEXT,
    other_family TEXT,
    birth_date TEXT,
    sex TEXT,
    address TEXT,
    zip TEXT,
    phone TEXT,
    email TEXT,
    ssn_last4 TEXT,
    has_ssn @INT@ NOT NULL DEFAULT 0
);
-- mpi_key: blocking keys -> patients. "b:19610412", "f:SNAT|1961", "g:JAN|SNAT", "z:JAN|12345",
-- "p:5551234567", "e:...", and for the SSN "s:" + blind index, "v0:".."v7:" + blind index of the
-- SSN with two adjacent digits masked (finds one-digit and transposition errors).
CREATE TABLE mpi_key (
    mkey TEXT NOT NULL,
    patient_id @INT@ NOT NULL REFERENCES patient(id)
);
CREATE INDEX mpi_key_key ON mpi_key(mkey, patient_id);
CREATE INDEX mpi_key_patient ON mpi_key(patient_id);
