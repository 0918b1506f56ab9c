#!/usr/bin/env python3
"""Agreement of `folio group` output with CMS's expected.tsv (msdrg-v431 reference set).

usage: group_compare.py EXPECTED ACTUAL [--part all|dev|holdout] [--require COLS] [--show N]

Rows are matched by id; a claim agrees on a column when the two strings are equal. Prints the
agreement of every column of EXPECTED; exits 1 when ids are missing or when a column named in
--require (comma list, default the six acceptance columns) is below 100%.

--part splits the claims by a hash of their id (CRC-32 of the id, modulo 5: 0 is the holdout
part, about 20%): the development part was looked at while building the grouper, the holdout
part only to measure it (docs/drg.md, "Holdout")."""
import argparse
import csv
import sys
import zlib

REQUIRED = "mdc,drg,med_surg,final_severity,grc,sdx_severity"


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return {r["id"]: r for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)}


def holdout(cid):
    return zlib.crc32(cid.encode("utf-8")) % 5 == 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("expected")
    ap.add_argument("actual")
    ap.add_argument("--part", choices=["all", "dev", "holdout"], default="all")
    ap.add_argument("--require", default=REQUIRED)
    ap.add_argument("--show", type=int, default=10)
    a = ap.parse_args()
    exp, act = read(a.expected), read(a.actual)
    if a.part != "all":
        exp = {k: v for k, v in exp.items() if holdout(k) == (a.part == "holdout")}
    cols = [c for c in next(iter(exp.values())).keys() if c != "id"] if exp else []
    n = len(exp)
    missing = [i for i in exp if i not in act]
    ok = dict.fromkeys(cols, 0)
    shown = 0
    for cid, e in exp.items():
        g = act.get(cid)
        if g is None:
            continue
        for col in cols:
            if (e[col] or "") == (g.get(col) or ""):
                ok[col] += 1
            elif shown < a.show:
                shown += 1
                print(f"DIFF {cid} {col}: expected '{e[col]}' got '{g.get(col)}'")
    print(f"claims {n} ({a.part})")
    for col in cols:
        pct = 100.0 * ok[col] / n if n else 0.0
        print(f"  {col:22s} {ok[col]:6d}/{n} = {pct:.3f}%")
    if missing:
        print(f"{len(missing)} ids missing from the output, e.g. {missing[0]}")
        return 1
    low = [c for c in a.require.split(",") if c and ok.get(c, 0) != n]
    if low:
        print("FAIL: below 100% on " + ", ".join(low))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
