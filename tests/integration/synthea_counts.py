#!/usr/bin/env python3
"""Expected import counts for a Synthea source, computed independently of Folio with Python's
csv and json modules. Usage: synthea_counts.py PATH  (a CSV folder, a .json bundle or a folder
of bundles). Prints one "kind count" line per kind, the names being Folio's table names."""
import csv
import glob
import json
import os
import sys

SYNTHEA = "https://github.com/synthetichealth/synthea"


def rows(path):
    if not os.path.exists(path):
        return []
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def csv_counts(d):
    orgs = rows(os.path.join(d, "organizations.csv"))
    provs = rows(os.path.join(d, "providers.csv"))
    pats = rows(os.path.join(d, "patients.csv"))
    encs = rows(os.path.join(d, "encounters.csv"))
    org_ids = {r["Id"] for r in orgs}
    if not orgs:
        org_ids = {r["ORGANIZATION"] for r in encs}

    def distinct(name):
        # rows without an id are matched by their whole content: identical rows count once
        return len({tuple(r.values()) for r in rows(os.path.join(d, name))})

    return {
        "facility": len(org_ids),
        "provider": len({r["Id"] for r in provs}),
        "patient": len({r["Id"] for r in pats}),
        "encounter": len({r["Id"] for r in encs}),
        "encounter_provider": sum(1 for r in encs if r.get("PROVIDER") and provs),
        "condition": distinct("conditions.csv"),
        "procedure_event": distinct("procedures.csv"),
        "observation": distinct("observations.csv"),
        # identifiers: PI always, SS/DL/PPN when present
        "patient_identifier": sum(1 + sum(1 for k in ("SSN", "DRIVERS", "PASSPORT") if r.get(k))
                                  for r in pats),
    }


def fhir_counts(files):
    c = {k: set() for k in ("facility", "provider", "patient", "encounter", "condition",
                            "procedure_event", "observation")}
    enc_prov = 0
    for fn in files:
        with open(fn, encoding="utf-8") as f:
            b = json.load(f)
        for e in b["entry"]:
            r = e["resource"]
            t = r["resourceType"]
            if t == "Organization":
                c["facility"].add(r["id"])
            elif t == "Practitioner":
                i = r.get("identifier", [{}])[0]
                c["provider"].add((i.get("system"), i.get("value")))
            elif t == "Patient":
                sid = next((i["value"] for i in r.get("identifier", [])
                            if i.get("system") == SYNTHEA), r["id"])
                c["patient"].add(sid)
            elif t == "Encounter":
                if r["id"] not in c["encounter"] and r.get("participant"):
                    enc_prov += 1
                c["encounter"].add(r["id"])
            elif t == "Condition":
                c["condition"].add(r["id"])
            elif t == "Procedure":
                c["procedure_event"].add(r["id"])
            elif t == "Observation":
                comps = r.get("component") or []
                if comps:  # a panel: one observation per component
                    for n in range(len(comps)):
                        c["observation"].add("%s/%d" % (r["id"], n))
                else:
                    c["observation"].add(r["id"])
    out = {k: len(v) for k, v in c.items()}
    out["encounter_provider"] = enc_prov
    return out


def main():
    p = sys.argv[1]
    if os.path.isdir(p) and os.path.exists(os.path.join(p, "patients.csv")):
        counts = csv_counts(p)
    elif os.path.isdir(p):
        counts = fhir_counts(sorted(glob.glob(os.path.join(p, "*.json"))))
    else:
        counts = fhir_counts([p])
    for k in sorted(counts):
        print(k, counts[k])


if __name__ == "__main__":
    main()
