#!/usr/bin/env bash
# Issue 8 acceptance: a scripted test month. 300 inpatient stays of March 2024 (admissions spread
# over the month, stays of 1-10 days, some discharges cancelled by A13 and discharged again) arrive
# over MLLP at a running `folio serve --mllp`, with H&Ps and discharge summaries by MDM that come
# on time, late, unsigned (signed later or never) or never. The messages carry the event clock
# (EVN-2 and MSH-7) and are sent in time order, one day at a time; at the end of each day the
# deficiencies (`folio completeness list --now`) must equal those of the test's own model of the
# rules (opened, closed on time or late, withdrawn, overdue, due times), and the delinquency report
# as of that day must equal the model's. At the end, the report for March and April (bylaws
# periods of 30 and 7 days) is compared with the model's rate. The model (python3 below) is an
# independent implementation of docs/completeness.md; nothing expected is read from Folio.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mllp/serve.sh"
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
SEND="$(dirname "$0")/mllp/mllp_send.py"
T0=$SECONDS

cat > "$T_TMP/month.rules" <<'EOF'
# scripted month (tests/integration/test_completeness_month.sh)
require HP     type 34117-2 class inpatient within 24h after admit
require DCSUM  type 18842-5 class inpatient within 3d after discharge
sign    DCSIGN type 18842-5 class inpatient within 2d
EOF

# ---------------------------------------------------------------------------------------------
# The generator and the model. gen OUT: writes OUT/days (one directory of messages per day),
# OUT/exp/<day>.json (the model's deficiencies at the end of that day and its report as of then),
# OUT/final.json and OUT/figures.txt. cmp EXP ACTUAL ENCMAP: compares a list with the model.
cat > "$T_TMP/month.py" <<'PYEOF'
import json, os, random, sys
from datetime import datetime, timedelta, timezone

EPOCH = datetime(2024, 3, 1, tzinfo=timezone.utc)
DAY = 86400
HOUR = 3600
N_STAYS = int(os.environ.get("MONTH_STAYS", "300"))
# the rules file above, as the model knows it
HP_WITHIN, DCSUM_WITHIN, SIGN_WITHIN = 24 * HOUR, 3 * DAY, 2 * DAY

def ts(s):     # seconds since EPOCH -> folio time
    return (EPOCH + timedelta(seconds=s)).strftime("%Y-%m-%dT%H:%M:%SZ")
def hl7ts(s):
    return (EPOCH + timedelta(seconds=s)).strftime("%Y%m%d%H%M%S")
def secs(t):   # folio time -> seconds since EPOCH
    return int((datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc) - EPOCH).total_seconds())
def day_name(d):
    return (EPOCH + timedelta(days=d)).strftime("%Y-%m-%d")

ATTENDING = "1234567893^WELBY^MARCUS^^^^MD^^^^^^NPI"

def generate():
    rnd = random.Random(20240301)
    events = []          # (time, stay, seq, kind, data)
    stays = []
    for i in range(N_STAYS):
        v = "V%04d" % (i + 1)
        admit = rnd.randrange(0, 31 * DAY) // 60 * 60
        los = rnd.randint(1, 10)
        disch = admit + los * DAY + rnd.randrange(-6 * HOUR, 6 * HOUR) // 60 * 60
        st = {"visit": v, "mrn": "M%04d" % (i + 1), "admit": admit, "discharge": disch,
              "los": los, "a13": None, "redischarge": None}
        seq = 0
        def ev(t, kind, **data):
            nonlocal seq
            seq += 1
            events.append((t, i, seq, kind, data))
        ev(admit + 300, "A01")
        ev(disch + 300, "A03", disch=disch)
        final_disch = disch
        if rnd.random() < 0.08:                      # discharge cancelled, discharged again
            a13 = disch + rnd.randint(1, 20) * HOUR + rnd.randrange(0, 60) * 60
            re = a13 + rnd.randint(2, 48) * HOUR + rnd.randrange(0, 60) * 60
            st["a13"], st["redischarge"] = a13, re
            ev(a13, "A13", disch=disch)
            ev(re + 300, "A03", disch=re)
            final_disch = re
        # H&P: on time, late or never (signed when filed)
        r = rnd.random()
        if r < 0.60:
            st["hp"] = "on time"; ev(admit + rnd.randrange(HOUR, 23 * HOUR) // 60 * 60, "DOC", type="HP", signed=True)
        elif r < 0.85:
            st["hp"] = "late"; ev(admit + rnd.randrange(25 * HOUR, 6 * DAY) // 60 * 60, "DOC", type="HP", signed=True)
        else:
            st["hp"] = "never"
        # discharge summary: on time, late or never (from the first discharge); signed when
        # filed, signed later, or never signed
        r = rnd.random()
        if r < 0.55:
            st["ds"] = "on time"; t = disch + rnd.randrange(HOUR, 71 * HOUR) // 60 * 60
        elif r < 0.85:
            st["ds"] = "late"; t = disch + rnd.randrange(73 * HOUR, 14 * DAY) // 60 * 60
        else:
            st["ds"] = "never"; t = None
        if t is not None:
            r = rnd.random()
            if r < 0.50:
                st["sig"] = "signed"; ev(t, "DOC", type="DS", signed=True)
            elif r < 0.85:
                st["sig"] = "signed later"; ev(t, "DOC", type="DS", signed=False)
                ev(t + rnd.randrange(HOUR, 5 * DAY) // 60 * 60, "SIGN", type="DS")
            else:
                st["sig"] = "never signed"; ev(t, "DOC", type="DS", signed=False)
        stays.append(st)
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    return stays, events

def message(n, t, st, kind, data):
    """The HL7 v2.5.1 message of one event: MSH-7 and EVN-2 are the event time."""
    ctl = "M%05d" % n
    if kind == "DOC" or kind == "SIGN":
        trig = "T02" if kind == "DOC" else "T04"
        msh = "MSH|^~\\&|HIS|MAIN|FOLIO|MAIN|%s||MDM^%s|%s|P|2.5.1" % (hl7ts(t), trig, ctl)
        evn = "EVN|%s|%s" % (trig, hl7ts(t))
    else:
        msh = "MSH|^~\\&|HIS|MAIN|FOLIO|MAIN|%s||ADT^%s|%s|P|2.5.1" % (hl7ts(t), kind, ctl)
        evn = "EVN|%s|%s" % (kind, hl7ts(t))
    pid = "PID|1||%s^^^MAIN^MR||STAY^PATIENT%s||19600101|F" % (st["mrn"], st["visit"][1:])
    disch = hl7ts(data["disch"]) if "disch" in data else ""
    pv1 = ("PV1|1|I|4W^412^B||||" + ATTENDING + "||||||||||||" + st["visit"] +
           "|||||||||||||||||||||||||" + hl7ts(st["admit"]) + "|" + disch)
    segs = [msh, evn, pid, pv1]
    if kind in ("DOC", "SIGN"):
        typ = data["type"]
        num = "%s-%s" % (st["visit"], typ)
        when = hl7ts(t) if kind == "DOC" else hl7ts(st["doc_time"][typ])
        signed = kind == "SIGN" or data["signed"]
        auth = "1234567893^WELBY^MARCUS^^^^MD^^^^^^^^" + hl7ts(t) if signed else ""
        segs.append("TXA|1|%s|TX|%s||%s|||%s|||%s|||||%s|||||%s" %
                    (typ, when, when, ATTENDING, num, "AU" if signed else "IP", auth))
        segs.append("OBX|1|TX|||%s of stay %s" % (typ, st["visit"]))
    return "\r".join(segs) + "\r"

class Model:
    """docs/completeness.md, for the rules above: analysis at the message time after an ADT
    event that leaves the visit discharged and after an MDM that files or signs a document of a
    discharged visit; A13 withdraws the open deficiencies and clears the discharge."""
    def __init__(self, stays):
        self.vis = {st["visit"]: {"admit": st["admit"], "discharge": None, "docs": {}} for st in stays}
        self.defs = []   # dicts: visit rule subject created due status closed late
    def findings(self, v):
        e = self.vis[v]
        f = {}
        if "HP" not in e["docs"]:
            f[("HP", "encounter")] = e["admit"] + HP_WITHIN
        if e["discharge"] is not None and "DS" not in e["docs"]:
            f[("DCSUM", "encounter")] = e["discharge"] + DCSUM_WITHIN
        d = e["docs"].get("DS")
        if d and not d["signed"]:
            f[("DCSIGN", "document")] = d["time"] + SIGN_WITHIN
        return f
    def analyze(self, v, now):
        f = self.findings(v)
        for d in self.defs:
            if d["visit"] != v or d["status"] not in ("open", "waived"):
                continue
            k = (d["rule"], d["subject"])
            if k in f:
                if d["status"] == "open":
                    d["due"] = f[k]
                del f[k]
            elif d["status"] == "open":
                d["status"], d["closed"], d["late"] = "closed", now, now > d["due"]
        for (rule, subj), due in sorted(f.items()):
            self.defs.append({"visit": v, "rule": rule, "subject": subj, "created": now,
                              "due": due, "status": "open", "closed": None, "late": False})
    def apply(self, t, v, kind, data):
        e = self.vis[v]
        if kind == "A01":
            return
        if kind == "A03":
            e["discharge"] = data["disch"]
            self.analyze(v, t)
        elif kind == "A13":
            e["discharge"] = None
            for d in self.defs:
                if d["visit"] == v and d["status"] in ("open", "waived"):
                    d["status"], d["closed"] = "withdrawn", t
        elif kind == "DOC":
            e["docs"][data["type"]] = {"time": t, "signed": data["signed"]}
            if e["discharge"] is not None:
                self.analyze(v, t)
        elif kind == "SIGN":
            e["docs"][data["type"]]["signed"] = True
            if e["discharge"] is not None:
                self.analyze(v, t)
    def listing(self, now):
        rows = []
        for d in self.defs:
            rows.append([d["visit"], d["rule"], d["status"], ts(d["due"]),
                         ts(d["closed"]) if d["closed"] is not None else None,
                         d["late"], d["status"] == "open" and now > d["due"]])
        return sorted(rows, key=lambda r: [str(x) for x in r])
    def report(self, months, bylaws, as_of):
        """months: [(name, start, end)] in seconds; measured at min(end, as_of)."""
        out, sd, sl = [], 0, 0
        for name, start, end in months:
            p = min(end, as_of)
            dis = sum(1 for e in self.vis.values()
                      if e["discharge"] is not None and start <= e["discharge"] <= p)
            recs = set()
            for d in self.defs:
                e = self.vis[d["visit"]]
                if d["created"] <= p and (d["closed"] is None or d["closed"] > p) and \
                   e["discharge"] is not None and p - e["discharge"] > bylaws * DAY:
                    recs.add(d["visit"])
            out.append({"month": name, "measured_at": ts(p), "partial": as_of < end,
                        "discharges": dis, "delinquent": len(recs)})
            sd += dis; sl += len(recs)
        rate = 100.0 * sl / sd if sd else None
        return {"months": out, "rate_pct": rate, "finding": bool(sd) and 100 * sl >= 50 * sd}

MONTHS = [("2024-03", 0, 31 * DAY - 1), ("2024-04", 31 * DAY, 61 * DAY - 1)]

def gen(out):
    stays, events = generate()
    by = {i: st for i, st in enumerate(stays)}
    model = Model(stays)
    os.makedirs(out + "/exp", exist_ok=True)
    last_day = max(e[0] for e in events) // DAY + 2
    for st in stays:
        st["doc_time"] = {}
    counts = {}
    ev_i = 0
    for day in range(0, last_day + 1):
        ddir = "%s/days/%s" % (out, day_name(day))
        os.makedirs(ddir, exist_ok=True)
        while ev_i < len(events) and events[ev_i][0] < (day + 1) * DAY:
            t, i, _, kind, data = events[ev_i]
            st = by[i]
            if kind == "DOC":
                st["doc_time"][data["type"]] = t
            key = "MDM^T02" if kind == "DOC" else "MDM^T04" if kind == "SIGN" else "ADT^" + kind
            counts[key] = counts.get(key, 0) + 1
            with open("%s/%05d.hl7" % (ddir, ev_i), "w") as f:
                f.write(message(ev_i, t, st, kind, data))
            model.apply(t, st["visit"], kind, data)
            ev_i += 1
        now = (day + 1) * DAY - 1
        months = [m for m in MONTHS if m[1] <= now]
        with open("%s/exp/%s.json" % (out, day_name(day)), "w") as f:
            json.dump({"now": ts(now), "list": model.listing(now),
                       "report7": model.report(months, 7, now)}, f)
    final_as_of = 61 * DAY + 14 * DAY   # 2024-05-15
    assert final_as_of > max(e[0] for e in events)
    final = {"as_of": ts(final_as_of),
             "report30": model.report(MONTHS, 30, final_as_of),
             "report7": model.report(MONTHS, 7, final_as_of)}
    with open(out + "/final.json", "w") as f:
        json.dump(final, f)
    # figures
    D = model.defs
    fig = []
    fig.append("stays %d (admitted 2024-03-01..31, stays 1-10 days), %d discharges cancelled by A13 and discharged again" %
               (len(stays), sum(1 for s in stays if s["a13"] is not None)))
    fig.append("H&P: " + ", ".join("%s %d" % (k, sum(1 for s in stays if s["hp"] == k)) for k in ("on time", "late", "never")))
    fig.append("discharge summary: " + ", ".join("%s %d" % (k, sum(1 for s in stays if s["ds"] == k)) for k in ("on time", "late", "never")) +
               "; of those filed: " + ", ".join("%s %d" % (k, sum(1 for s in stays if s.get("sig") == k)) for k in ("signed", "signed later", "never signed")))
    fig.append("messages %d: %s" % (len(events), ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
    fig.append("days fed %d (%s..%s)" % (last_day + 1, day_name(0), day_name(last_day)))
    for rule in ("HP", "DCSUM", "DCSIGN", "all"):
        x = [d for d in D if rule == "all" or d["rule"] == rule]
        fig.append("deficiencies %-6s opened %3d, closed on time %3d, closed late %3d, withdrawn (A13) %2d, open at end %3d" %
                   (rule, len(x), sum(1 for d in x if d["status"] == "closed" and not d["late"]),
                    sum(1 for d in x if d["status"] == "closed" and d["late"]),
                    sum(1 for d in x if d["status"] == "withdrawn"),
                    sum(1 for d in x if d["status"] == "open")))
    for by_days in (30, 7):
        r = final["report%d" % by_days]
        fig.append("delinquency (bylaws %d days, as of %s): %s; rate %s%%%s" %
                   (by_days, final["as_of"],
                    ", ".join("%s %d delinquent / %d discharges" % (m["month"], m["delinquent"], m["discharges"]) for m in r["months"]),
                    "none" if r["rate_pct"] is None else "%.2f" % r["rate_pct"], " (finding)" if r["finding"] else ""))
    with open(out + "/figures.txt", "w") as f:
        f.write("\n".join(fig) + "\n")
    if len(D) > 1000:
        sys.exit("model: %d deficiencies, more than `completeness list --limit 1000` shows" % len(D))

def cmp_list(exp, actual, encmap):
    enc = {}
    for line in open(encmap):
        if line.strip():
            k, v = line.strip().split("|")
            enc[int(k)] = v
    want = json.load(open(exp))["list"]
    got = sorted(([enc.get(d["encounter_id"], "?%s" % d["encounter_id"]), d["rule"], d["status"], d["due_at"],
                   d["closed_at"], d["late"], d["overdue"]] for d in json.load(open(actual))),
                 key=lambda r: [str(x) for x in r])
    if want == got:
        print("same %d deficiencies" % len(got))
        return 0
    ws = [json.dumps(r) for r in want]; gs = [json.dumps(r) for r in got]
    wc = {}; gc = {}
    for r in ws: wc[r] = wc.get(r, 0) + 1
    for r in gs: gc[r] = gc.get(r, 0) + 1
    only_w = [r for r in wc if wc[r] > gc.get(r, 0)]
    only_g = [r for r in gc if gc[r] > wc.get(r, 0)]
    print("model %d, folio %d deficiencies; %d model rows missing, %d unexpected" % (len(want), len(got), len(only_w), len(only_g)))
    for r in only_w[:6]: print("  model only: " + r)
    for r in only_g[:6]: print("  folio only: " + r)
    return 1

def cmp_report(want, actual):
    got = json.load(open(actual))
    g = {"months": [{k: m[k] for k in ("month", "measured_at", "partial", "discharges", "delinquent")} for m in got["months"]],
         "rate_pct": got["rate_pct"], "finding": got["finding"]}
    w = dict(want)
    ok = g["months"] == w["months"] and g["finding"] == w["finding"] and \
        ((g["rate_pct"] is None) == (w["rate_pct"] is None)) and \
        (w["rate_pct"] is None or abs(g["rate_pct"] - w["rate_pct"]) < 1e-9)
    if ok:
        print("same: %s rate %s" % (" ".join("%s %d/%d" % (m["month"], m["delinquent"], m["discharges"]) for m in g["months"]), g["rate_pct"]))
        return 0
    print("model:", json.dumps(w)); print("folio:", json.dumps(g))
    return 1

if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2])
    elif sys.argv[1] == "cmp":
        sys.exit(cmp_list(sys.argv[2], sys.argv[3], sys.argv[4]))
    elif sys.argv[1] == "cmprep":   # cmprep FILE KEY ACTUAL
        sys.exit(cmp_report(json.load(open(sys.argv[2]))[sys.argv[3]], sys.argv[4]))
PYEOF

M="$T_TMP/month"
python3 "$T_TMP/month.py" gen "$M" || { bad "generator"; done_testing; exit 1; }
cat "$M/figures.txt"

fresh_db
folio init >/dev/null 2>&1 || { echo "init failed"; exit 1; }
folio rules load "$T_TMP/month.rules" >/dev/null
check "rules loaded" 0 $?
start_mllp
trap 'stop_mllp; t_cleanup' EXIT

list_bad=0 rep_bad=0 nak=0 days=0
for ddir in "$M"/days/*; do
  day=${ddir##*/}
  days=$((days+1))
  mapfile -t files < <(ls "$ddir"/*.hl7 2>/dev/null | sort)
  if [ "${#files[@]}" -gt 0 ]; then
    python3 "$SEND" "$MLLP" "${files[@]}" > "$T_TMP/ack.tsv" || nak=$((nak+1))
    # every message AA without any ERR (a warning would mean the analysis failed, code 207)
    n=$(awk -F'\t' '$2 != "AA" && $2 != "CA" || $3 != ""' "$T_TMP/ack.tsv" | tee -a "$T_TMP/nak.tsv" | wc -l)
    [ "$n" -eq 0 ] || nak=$((nak+n))
  fi
  now=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["now"])' "$M/exp/$day.json")
  sql "SELECT id || '|' || ext_id FROM encounter" > "$T_TMP/enc.txt"
  folio --json completeness list --now "$now" --limit 1000 > "$T_TMP/list.json" 2>"$T_TMP/list.err" \
    || { cat "$T_TMP/list.err"; list_bad=$((list_bad+1)); continue; }
  if ! out=$(python3 "$T_TMP/month.py" cmp "$M/exp/$day.json" "$T_TMP/list.json" "$T_TMP/enc.txt"); then
    list_bad=$((list_bad+1)); echo "$day list: $out"
  fi
  folio --json completeness report --from 2024-03 --bylaws-days 7 --as-of "$now" > "$T_TMP/rep.json" 2>"$T_TMP/rep.err" \
    || { cat "$T_TMP/rep.err"; rep_bad=$((rep_bad+1)); continue; }
  if ! out=$(python3 "$T_TMP/month.py" cmprep "$M/exp/$day.json" report7 "$T_TMP/rep.json"); then
    rep_bad=$((rep_bad+1)); echo "$day report: $out"
  fi
done
[ -s "$T_TMP/nak.tsv" ] && head -5 "$T_TMP/nak.tsv"
check "every message answered AA without ERR" 0 "$nak"
check "deficiencies equal the model's at the end of each of the $days days" 0 "$list_bad"
check "delinquency report (bylaws 7 days) as of each day equals the model's" 0 "$rep_bad"
check "messages logged" "$(find "$M/days" -name '*.hl7' | wc -l)" "$(sql "SELECT COUNT(*) FROM hl7_messages")"

as_of=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["as_of"])' "$M/final.json")
for b in 30 7; do
  folio --json completeness report --from 2024-03 --to 2024-04 --bylaws-days "$b" --as-of "$as_of" > "$T_TMP/final$b.json"
  out=$(python3 "$T_TMP/month.py" cmprep "$M/final.json" "report$b" "$T_TMP/final$b.json"); rc=$?
  echo "folio report bylaws $b days: $out"
  check "March-April delinquency rate, bylaws $b days, equals the model's" 0 "$rc"
done
stop_mllp
check "graceful stop" 0 "$SRV_RC"
echo "run time $((SECONDS - T0)) s"
done_testing
