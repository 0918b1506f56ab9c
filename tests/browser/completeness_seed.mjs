// Seeding for the chart completeness browser tests (test_completeness, test_inbox,
// test_delinquency): API clients with bearer tokens, the folio CLI on the server's database (the
// rules, a clinician's provider link, analysis at a chosen clock), and the demo's inpatient stays
// with an attending physician.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { assert, DEMO_PASSWORD } from './lib.mjs';

export async function bearer(url, username) {
  const r = await fetch(`${url}api/v1/session`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: DEMO_PASSWORD, mode: 'bearer' }),
  });
  const j = await r.json();
  assert(r.ok && j.token, `bearer sign-in for ${username}: ${JSON.stringify(j)}`);
  return j.token;
}

/** client(method, path, body) -> {status, body} for a user (signed in with a bearer token). */
export async function client(url, username) {
  const token = await bearer(url, username);
  return async (method, p, body) => {
    const r = await fetch(`${url}api/v1${p}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    let j = null;
    try { j = JSON.parse(text); } catch { j = text; }
    return { status: r.status, body: j, headers: r.headers };
  };
}

/** Runs the folio CLI on the server's database (SQLite in WAL mode: the server keeps running). */
export function cli(server, ...args) {
  const bin = process.env.FOLIO_BIN;
  const env = { ...process.env };
  delete env.FOLIO_DB;
  return new Promise((resolve, reject) => {
    execFile(bin, ['--db', server.db, '--key', server.key, ...args], { env, timeout: 120000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`folio ${args.join(' ')} failed: ${stderr || err.message}`));
        else resolve(stdout);
      });
  });
}

export function defaultRules() {
  return path.join(process.env.FOLIO_SOURCE_DIR, 'tests/data/completeness/default.rules');
}

export async function loadRules(server) {
  const out = await cli(server, 'rules', 'load', defaultRules());
  assert(/version \d+/.test(out), `rules load: ${out}`);
}

/**
 * The newest n discharged inpatient stays that have an attending physician (the demo's Synthea
 * stays; the demo's own stay has none), newest discharge first:
 * [{encounter_id, patient_id, admit_at, discharge_at, attending: {id, family, given, name}}].
 * opts.maxDays: only stays at most this long (short stays have few procedures, so few
 * deficiencies).
 */
export async function inpatientStays(url, n, opts = {}) {
  const coder = await client(url, 'coder');
  const wl = await coder('GET', '/coding/worklist?class=inpatient&limit=500');
  assert(wl.status === 200, `coding worklist: ${JSON.stringify(wl.body)}`);
  const items = [...(wl.body.items || [])].sort((a, b) => String(b.discharge_at).localeCompare(String(a.discharge_at)));
  const out = [];
  for (const w of items) {
    if (out.length >= n) break;
    const e = await coder('GET', `/encounters/${w.encounter_id}`);
    assert(e.status === 200, `encounter ${w.encounter_id}: ${JSON.stringify(e.body)}`);
    const att = (e.body.providers || []).find((p) => p.role === 'attending');
    if (!att || !e.body.discharge_at || !e.body.admit_at) continue;
    if (opts.maxDays && Date.parse(e.body.discharge_at) - Date.parse(e.body.admit_at) > opts.maxDays * 86400000) continue;
    out.push({
      encounter_id: e.body.id, patient_id: e.body.patient_id, admit_at: e.body.admit_at, discharge_at: e.body.discharge_at,
      attending: { id: att.provider_id, family: att.family, given: att.given, name: [att.family, att.given].filter(Boolean).join(', ') },
    });
  }
  assert(out.length === n, `${n} discharged inpatient stays with an attending (found ${out.length})`);
  return out;
}

/** An ISO time `hours` after t (UTC, seconds). */
export function plusHours(t, hours) {
  return new Date(Date.parse(t) + hours * 3600000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * n encounters of a class (newest discharge first) that the analysis, run by the CLI with the
 * clock an hour after each discharge, gives deficiencies. The demo analyses its inpatient and
 * emergency stays at the real clock when it loads them, so a report of past months needs
 * encounters it did not analyse (outpatient visits with procedures: consent, operative note).
 * opts.skip: leave out the newest `skip` encounters first (the demo's last months are thin).
 * [{encounter_id, patient_id, discharge_at, created}]
 */
export async function analysedInThePast(server, url, cls, n, opts = {}) {
  const coder = await client(url, 'coder');
  const head = await coder('GET', `/coding/worklist?class=${cls}&limit=1`);
  assert(head.status === 200, `coding worklist: ${JSON.stringify(head.body)}`);
  const total = head.body.total;
  const page = await coder('GET', `/coding/worklist?class=${cls}&limit=500&offset=${Math.max(0, total - 500)}`);
  const items = [...(page.body.items || [])].sort((a, b) => String(b.discharge_at).localeCompare(String(a.discharge_at)));
  const out = [];
  for (const w of items.slice(opts.skip || 0)) {
    if (out.length >= n) break;
    if (!w.discharge_at) continue;
    const text = await cli(server, 'completeness', 'analyze', String(w.encounter_id), '--now', plusHours(w.discharge_at, 1));
    const m = /(\d+) created/.exec(text);
    if (m && Number(m[1]) > 0) out.push({ encounter_id: w.encounter_id, patient_id: w.patient_id, discharge_at: w.discharge_at, created: Number(m[1]) });
  }
  assert(out.length === n, `${n} ${cls} encounters with deficiencies (found ${out.length})`);
  return out;
}

// A narrow (400 px) window never makes the page scroll sideways (tables scroll in their box).
export async function noSideScroll(page, where) {
  const { sw, cw } = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth }));
  assert(sw <= cw + 1, `${where}: the page scrolls sideways (${sw} > ${cw})`);
}
