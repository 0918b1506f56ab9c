#!/usr/bin/env python3
"""Agreement of `folio edit` output with CMS's expected.tsv (msdrg-v431 reference set).

usage: edit_compare.py EXPECTED ACTUAL [--min-edits PCT] [--min-code-edits PCT] [--show N]

Rows are matched by id. A claim agrees on a column when the two strings are equal (same edits,
same order). Prints both rates and, with --show, the first N disagreements; exits 1 when a rate
is below its threshold or when ids are missing."""
import argparse
import csv
import sys


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return {r["id"]: r for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("expected")
    ap.add_argument("actual")
    ap.add_argument("--min-edits", type=float, default=99.9)
    ap.add_argument("--min-code-edits", type=float, default=99.5)
    ap.add_argument("--show", type=int, default=10)
    a = ap.parse_args()
    exp, act = read(a.expected), read(a.actual)
    n = len(exp)
    missing = [i for i in exp if i not in act]
    ok = {"mce_edits": 0, "mce_code_edits": 0}
    shown = 0
    for cid, e in exp.items():
        g = act.get(cid)
        if g is None:
            continue
        for col in ok:
            if (e[col] or "") == (g[col] or ""):
                ok[col] += 1
            elif shown < a.show:
                shown += 1
                print(f"DIFF {cid} {col}: expected '{e[col]}' got '{g[col]}'")
    pe = 100.0 * ok["mce_edits"] / n if n else 0.0
    pc = 100.0 * ok["mce_code_edits"] / n if n else 0.0
    print(f"claims {n}  mce_edits {ok['mce_edits']}/{n} = {pe:.3f}%  "
          f"mce_code_edits {ok['mce_code_edits']}/{n} = {pc:.3f}%")
    if missing:
        print(f"{len(missing)} ids missing from the output, e.g. {missing[0]}")
        return 1
    if pe < a.min_edits or pc < a.min_code_edits:
        print(f"FAIL: below the thresholds ({a.min_edits}% / {a.min_code_edits}%)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
