-- 0011: POA-exempt lists (load kind 'poa-exempt': include/folio/codes.h, src/coding/load_poa.c,
-- docs/codesets.md). One list per code_set_version row (kind 'poa-exempt', code_system
-- 'icd10cm'); the list in force on a discharge date is the newest version whose period covers
-- it (an April list replaces the October one from April 1).
-- entry_kind 'code': code_from = code_to, a code or category without dots; it exempts itself and
-- every code under it. entry_kind 'range': every code whose first LENGTH(code_from) characters
-- lie between code_from and code_to (both ends the same length), as in Appendix I ("V00-V09").
-- line_no: the line of the loaded file the entry came from.
CREATE TABLE poa_exempt (
    id @PK@,
    version_id @INT@ NOT NULL REFERENCES code_set_version(id),
    entry_kind TEXT NOT NULL,
    code_from TEXT NOT NULL,
    code_to TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    line_no @INT@ NOT NULL,
    UNIQUE (version_id, entry_kind, code_from, code_to)
);
