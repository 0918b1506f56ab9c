// The MS-DRG on the coding screen and the case-mix report, in the browser, on the demo data with
// the code sets (ICD-10-CM FY2021 ...) and the real v43.1 grouper tables of ../shared. The server
// also gets a Table 5 written by this test (made-up weights, not CMS's: TEST_WEIGHT below) and a
// base rate, wage index and labor share, so the panel shows a weight and an expected payment
// that the test computes on its own. No version of the grouper covers the demo's years: the
// panel says so and offers the labelled fallback (v43.1), which the coder takes.
//   - the coder opens an inpatient stay, codes J18.9 as principal and E11.9: the panel follows
//     live (no version in force -> "Group with v43.1 anyway" -> DRG 195, labelled fallback);
//   - adds I50.23 (an MCC): DRG 193, the I50.23 row says "MCC: drives DRG 193", weight and
//     payment are those of the test's Table 5 and rates;
//   - what-if: drops I50.23 -> "DRG 193 → 195" with the payment difference; adds N17.9 (a CC)
//     -> 194; the abstract keeps DRG 193 and has no N17.9;
//   - saves and finalizes, opens the Case mix tab over the period of that stay and three more
//     coded through the API (DRGs 195, 292, 291): without the fallback none is grouped (said);
//     with it four stays, one row and bar per month, CMI = the mean of their test weights; by
//     physician; the CSV download holds the same total.
// Screenshots: drg-panel, drg-whatif, drg-casemix, drg-casemix-physician.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { scenario, screenshot, signIn, assert, DEMO_PASSWORD } from './lib.mjs';

const BASE_RATE = 6000, LABOR_SHARE = 0.676, WAGE_INDEX = 1.05;
// of the order of real weights for the DRGs the test reaches (with MCC > with CC > without)
const KNOWN = { 193: 1.31, 194: 0.92, 195: 0.67, 291: 1.34, 292: 0.93, 293: 0.66 };
const TEST_WEIGHT = (drg) => KNOWN[drg] ?? 0.4 + ((drg * 37) % 300) / 100 + (drg % 7) / 10000;

function expectedCents(weight) {
  const base = Math.round(BASE_RATE * 100);
  const labor = Math.round(base * LABOR_SHARE);
  const adjusted = Math.round(labor * WAGE_INDEX) + (base - labor);
  return Math.round(weight * adjusted);
}

function money(cents) {
  const abs = Math.abs(cents);
  return `$${Math.floor(abs / 100).toLocaleString('en-US')}.${String(abs % 100).padStart(2, '0')}`;
}

// The serve options of this test: a Table 5 with made-up weights, and the hospital's rates.
function serveArgs(dir) {
  const table5 = path.join(dir, 'table5_test.txt');
  const rows = ['TABLE 5 (TEST DATA: made-up weights)',
    'MS-DRG\tFY 2026 Final Rule Post-Acute DRG\tFY 2026 Final Rule Special Pay DRG\tMDC\tTYPE\tMS-DRG Title\tWeights\tGeometric mean LOS\tArithmetic mean LOS'];
  for (let d = 1; d <= 998; d++) rows.push(`${String(d).padStart(3, '0')}\tNo\tNo\t05\tMED\tTEST DRG ${d}\t${TEST_WEIGHT(d).toFixed(4)}\t${(2 + (d % 7)).toFixed(1)}\t${(3 + (d % 7)).toFixed(1)}`);
  writeFileSync(table5, rows.join('\n') + '\n');
  return ['--table5', table5, '--base-rate', String(BASE_RATE), '--labor-share', String(LABOR_SHARE),
    '--wage-index', String(WAGE_INDEX)];
}

async function bearer(url, username) {
  const r = await fetch(`${url}api/v1/session`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: DEMO_PASSWORD, mode: 'bearer' }),
  });
  const j = await r.json();
  assert(r.ok && j.token, `bearer sign-in for ${username}: ${JSON.stringify(j)}`);
  return j.token;
}

async function settle(page) {
  await page.locator('.findings-summary:not([data-pending])').waitFor();
  await page.locator('.coding-drg:not([data-pending])').waitFor();
}

async function addCode(page, role, code) {
  const box = page.locator(`.abs-add[data-role="${role}"] input`).first();
  await box.fill(code);
  const o = page.locator(`.abs-add[data-role="${role}"] [role="option"]`, { hasText: code }).first();
  await o.waitFor();
  await o.click();
  await page.locator(`table.abs-codes[data-role="${role}"] tr[data-code="${code.replace('.', '')}"]`).waitFor();
}

function client(url, token) {
  return async (method, p, body, ifMatch) => {
    const r = await fetch(`${url}api/v1${p}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}), ...(ifMatch ? { 'If-Match': ifMatch } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: r.status, body: await r.json().catch(() => null), etag: r.headers.get('ETag') };
  };
}

// Three more stays coded and finalized through the API, for the report: their DRGs are the
// MS-DRG definitions' (pneumonia without CC/MCC 195, heart failure with CC 292, with MCC 291).
const OTHERS = [
  { pdx: 'J18.9', sdx: ['E11.9'], drg: 195 },
  { pdx: 'I50.23', sdx: ['N17.9'], drg: 292 },
  { pdx: 'I50.23', sdx: ['J96.01', 'N17.9'], drg: 291 },
];

async function scenarioBody({ page, guard, url }) {
  const coderApi = client(url, await bearer(url, 'coder'));
  const wl = (await coderApi('GET', '/coding/worklist?class=inpatient&limit=500')).body;
  // Synthea stays: their discharge dates are ones no loaded grouper version covers
  const uncoded = (wl.items || []).filter((w) => w.discharge_at < '2026-04-01' && w.status === 'uncoded');
  assert(uncoded.length >= 4, `four uncoded inpatient stays are on the worklist (${uncoded.length})`);
  const row = uncoded[0];
  const enc = row.encounter_id;
  const day = row.discharge_at.slice(0, 10);
  const months = new Set([day.slice(0, 7)]);
  let first = day, last = day;
  for (let i = 0; i < OTHERS.length; i++) {
    const o = OTHERS[i], w = uncoded[i + 1];
    const codes = [{ role: 'principal', code: o.pdx, poa: 'Y' }, ...o.sdx.map((c) => ({ role: 'secondary', code: c, poa: 'Y' }))];
    const saved = await coderApi('PUT', `/encounters/${w.encounter_id}/abstract`, { codes });
    assert(saved.status === 200, `save ${w.encounter_id}: ${JSON.stringify(saved.body)}`);
    const fin = await coderApi('POST', `/encounters/${w.encounter_id}/abstract/status`, { to: 'final' }, saved.etag);
    assert(fin.status === 200, `finalize ${w.encounter_id}: ${JSON.stringify(fin.body)}`);
    const d = w.discharge_at.slice(0, 10);
    months.add(d.slice(0, 7));
    if (d < first) first = d;
    if (d > last) last = d;
  }

  await signIn(page, url, 'coder');
  await page.goto(`${url}#/coding/${enc}`);
  await page.locator('.coding-abstract h2', { hasText: 'Abstract' }).waitFor();
  await page.locator('.coding-drg h2', { hasText: 'MS-DRG' }).waitFor();
  await page.locator('.coding-drg .drg-state[data-state="no_principal"]').waitFor();

  // Live: the principal and a secondary without CC -> no version in force on the date
  await addCode(page, 'principal', 'J18.9');
  await addCode(page, 'secondary', 'E11.9');
  await settle(page);
  const nov = page.locator('.coding-drg .drg-state[data-state="no_version"]');
  await nov.waitFor();
  assert((await nov.innerText()).includes(`no MS-DRG version in force on ${day}`), `no version: ${await nov.innerText()}`);
  await page.getByRole('button', { name: 'Group with v43.1 anyway' }).click();
  await page.locator('.coding-drg[data-drg="195"]').waitFor();
  const ver = await page.locator('.coding-drg .drg-version').innerText();
  assert(ver.includes(`grouped with v43.1; no version covers ${day}`) && /fallback/.test(ver), `the fallback is labelled: ${ver}`);

  // The MCC: DRG 193, the row of I50.23 says it drives it
  await addCode(page, 'secondary', 'I50.23');
  for (const code of ['J18.9', 'E11.9', 'I50.23']) await page.getByLabel(`Present on admission for ${code}`).selectOption('Y');
  await settle(page);
  await page.locator('.coding-drg[data-drg="193"]').waitFor();
  const tag = page.locator('table.abs-codes tr[data-code="I5023"] .drg-driver');
  await tag.waitFor();
  assert((await tag.innerText()) === 'MCC: drives DRG 193', `driver tag: ${await tag.innerText()}`);
  assert(await page.locator('table.abs-codes tr[data-code="E119"] .drg-driver').count() === 0, 'E11.9 drives nothing');
  const panel = await page.locator('.coding-drg').innerText();
  assert(/Simple Pneumonia/i.test(panel), `title: ${panel.slice(0, 300)}`);
  assert(/MDC 04/.test(panel), 'the MDC');
  const weight = await page.locator('.coding-drg .drg-weight').innerText();
  assert(weight === TEST_WEIGHT(193).toFixed(4), `weight ${weight}`);
  const pay = await page.locator('.coding-drg .drg-payment').innerText();
  assert(pay === money(expectedCents(TEST_WEIGHT(193))), `payment ${pay}, expected ${money(expectedCents(TEST_WEIGHT(193)))}`);
  const sdxRow = await page.locator('table.drg-sdx tr[data-code="I5023"]').innerText();
  assert(/MCC/.test(sdxRow) && /DRG 195/.test(sdxRow), `severity usage of I50.23: ${sdxRow}`);
  await screenshot(page, 'drg-panel');

  // What-if: drop the MCC
  await page.getByLabel('Drop I50.23 (what-if)').check();
  const res = page.locator('.drg-whatif-result');
  await page.locator('.drg-whatif-result[data-drg="195"]:not([data-pending])').waitFor();
  const diff = expectedCents(TEST_WEIGHT(195)) - expectedCents(TEST_WEIGHT(193));
  const line = await res.innerText();
  assert(line.includes('DRG 193 → 195'), `what-if: ${line}`);
  assert(line.includes(`weight ${TEST_WEIGHT(193).toFixed(4)} → ${TEST_WEIGHT(195).toFixed(4)}`), `what-if weight: ${line}`);
  assert(line.includes(`${diff < 0 ? '−' : '+'}${money(diff)}`), `what-if payment ${line}, expected ${money(diff)}`);
  // ... and add a CC instead
  const add = page.locator('#drg-whatif-add');
  await add.fill('N17.9');
  const opt = page.locator('.drg-whatif [role="option"]', { hasText: 'N17.9' }).first();
  await opt.waitFor();
  await opt.click();
  await page.locator('.drg-whatif-result[data-drg="194"]:not([data-pending])').waitFor();
  assert((await res.innerText()).includes('DRG 193 → 194'), `what-if with N17.9: ${await res.innerText()}`);
  // the abstract itself is unchanged: DRG 193 still, and nothing to save from the what-if
  assert(await page.locator('.coding-drg[data-drg="193"]').count() === 1, 'the DRG of the abstract is unchanged');
  assert(await page.locator('table.abs-codes tr[data-code="N179"]').count() === 0, 'N17.9 is not on the abstract');
  await screenshot(page, 'drg-whatif');
  await page.getByRole('button', { name: 'Clear the what-if' }).click();
  await page.locator('.drg-whatif-result:not([data-drg])').waitFor();

  // Save and finalize; the case-mix report counts the stay
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.locator('.abs-actions .msg-ok', { hasText: 'Saved' }).waitFor();
  await settle(page);
  await page.getByRole('button', { name: 'Finalize' }).click();
  await page.locator('.abs-actions .msg-ok', { hasText: 'Finalized' }).waitFor();

  await page.locator('.coding-screen a.back').click();
  await page.locator('.tabs a[data-tab="casemix"]').click();
  await page.locator('.casemix-form').waitFor();
  await page.getByLabel('Discharged from').fill(first);
  await page.getByLabel('To', { exact: true }).fill(last);
  await page.getByRole('button', { name: 'Show' }).click();
  // without the fallback nothing is grouped, and the report says why
  await page.locator('.casemix .hint', { hasText: 'not grouped' }).waitFor();
  await page.getByLabel('Regroup stays no loaded version covers with the newest version').check();
  await page.getByRole('button', { name: 'Show' }).click();
  await page.locator('.casemix .hint', { hasText: 'grouped with v43.1' }).waitFor();
  const weights = [193, ...OTHERS.map((o) => o.drg)].map(TEST_WEIGHT);
  const total = weights.reduce((a, b) => a + b, 0);
  const cmi = await page.locator('[data-total="cmi"]').innerText();
  assert(cmi === (total / weights.length).toFixed(4), `CMI ${cmi}, expected ${(total / weights.length).toFixed(4)}`);
  assert(await page.locator('[data-total="stays"]').innerText() === '4', 'four stays');
  assert(await page.locator('table.casemix-table tbody tr').count() === months.size, `one row per month (${months.size})`);
  assert(await page.locator('svg.cmi-bars rect.cmi-bar').count() === months.size, 'one bar per month');
  await screenshot(page, 'drg-casemix');
  await page.getByLabel('By', { exact: true }).selectOption('physician');
  await page.locator('table.casemix-table thead th', { hasText: 'Attending physician' }).waitFor();
  const href = await page.locator('a.csv-download').getAttribute('href');
  const csv = await page.evaluate(async (h) => (await fetch(h, { credentials: 'same-origin' })).text(), href);
  assert(csv.startsWith('by,key,label,stays,grouped,fallback,weighed,total_weight,cmi'), `csv header: ${csv.slice(0, 80)}`);
  assert(csv.includes(`total,total,all stays,4,4,4,4,${total.toFixed(4)},${(total / weights.length).toFixed(4)}`), `csv total: ${csv}`);
  await screenshot(page, 'drg-casemix-physician');
  guard.check('drg');
}

await scenario('drg', scenarioBody, { codes: true, serveArgs });
