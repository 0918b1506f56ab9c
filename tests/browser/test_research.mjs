// The research screen (docs/deid.md "Cohort extracts"): the privacy officer records a data use
// agreement with its five assurances; the analyst, offered no way to record or terminate one,
// makes a Safe Harbor extract and a limited data set
// extract and downloads them; the downloaded bytes are the ones the server logged (SHA-256 of
// the extract log) and hold the same rows as the same extract asked of the API (study ids
// aside: they are random per extract); a limited data set without an agreement is refused
// with the server's message; no name or MRN of the demo patients (read through the API as an
// HIM user) appears in the Safe Harbor download.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { scenario, signIn, signOut, screenshot, assert } from './lib.mjs';

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

// CSV (RFC 4180) -> array of records.
function parseCsv(text) {
  const rows = [];
  let row = [], cur = '', q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') q = false; else cur += c;
    } else if (c === '"') q = true;
    else if (c === ',') { row.push(cur); cur = ''; } else if (c === '\r' && text[i + 1] === '\n') { row.push(cur); rows.push(row); row = []; cur = ''; i++; } else cur += c;
  }
  if (cur || row.length) { row.push(cur); rows.push(row); }
  return rows;
}

// The rows without the study id, sorted, as comparable strings.
const sansStudy = (records) => records.map((r) => JSON.stringify(r.slice(1))).sort();

async function download(page) {
  const link = page.getByTestId('extract-download');
  await link.waitFor();
  const [dl] = await Promise.all([page.waitForEvent('download'), link.click()]);
  return { name: dl.suggestedFilename(), bytes: readFileSync(await dl.path()) };
}

// The API as the signed-in page sees it (cookie session + CSRF), for comparisons.
async function apiInPage(page, method, path, body) {
  return page.evaluate(async ([m, p, b]) => {
    const { api } = await import('/js/api.js');
    const r = await api(m, p, b === null ? {} : { body: b, raw: m === 'POST' });
    return m === 'POST' ? await r.text() : r;
  }, [method, path, body === undefined ? null : body]);
}

await scenario('research', async ({ page, url, guard }) => {
  // The privacy officer records an agreement with every assurance (the analyst who uses one
  // never records it).
  await signIn(page, url, 'privacy');
  await page.getByRole('link', { name: 'Research extracts' }).click();
  await page.locator('h1', { hasText: 'Research extracts' }).waitFor();
  await page.getByTestId('dua-list').locator('table').waitFor(); // the demo's agreement
  await page.locator('summary', { hasText: 'Record an agreement' }).click();
  const today = new Date().toISOString().slice(0, 10);
  await page.getByLabel('Recipient').fill('Lakeside Sepsis Cohort Study');
  await page.getByLabel('Permitted uses').fill('Sepsis outcomes study; no other use');
  await page.getByLabel('Who may use it').fill('The principal investigator');
  await page.getByLabel('Signed on').fill(today);
  for (const box of await page.locator('form.research-dua input[type=checkbox]').all()) await box.check();
  await page.getByRole('button', { name: 'Record agreement' }).click();
  await page.locator('.msg-ok', { hasText: 'in force' }).waitFor();
  await page.locator('table.duas tbody tr', { hasText: 'Lakeside Sepsis Cohort Study' }).waitFor();
  await signOut(page);

  // The analyst: sees the agreements, may use them, is offered no way to record or end one.
  await signIn(page, url, 'analyst');
  await page.getByRole('link', { name: 'Research extracts' }).click();
  await page.locator('h1', { hasText: 'Research extracts' }).waitFor();
  const row = page.locator('table.duas tbody tr', { hasText: 'Lakeside Sepsis Cohort Study' });
  await row.waitFor();
  const duaId = Number(await row.getAttribute('data-dua'));
  assert(duaId > 0, 'the new agreement is listed');
  assert(/in force/.test(await row.innerText()), 'the new agreement is in force');
  await page.getByTestId('dua-officer-only').waitFor();
  assert(await page.locator('form.research-dua').count() === 0, 'no agreement form for the analyst');
  assert(await page.locator('table.duas button', { hasText: 'Terminate' }).count() === 0,
    'no Terminate button for the analyst');

  // Safe Harbor, CSV, with the notes.
  const form = page.locator('form.research-extract');
  await form.getByLabel('Class').selectOption('inpatient');
  await form.getByLabel('Include de-identified notes').check();
  await form.getByRole('button', { name: 'Make extract' }).click();
  const sh = await download(page);
  assert(/^deid-extract-\d+-safe-harbor\.csv$/.test(sh.name), `file name ${sh.name}`);
  const shText = sh.bytes.toString('utf8');
  const shRows = parseCsv(shText);
  assert(shRows[0].join(',').startsWith('study_id,sex,age_at_admission,admission_year'), `header ${shRows[0]}`);
  assert(shRows.length > 2, 'rows in the Safe Harbor extract');
  let log = await apiInPage(page, 'GET', '/deid/extracts');
  assert(log.items[0].sha256 === sha256(sh.bytes), 'the download is the logged extract');
  assert(log.items[0].rows === shRows.length - 1, 'row count as logged');
  // The same extract asked of the API: the same rows, study ids aside.
  const again = parseCsv(await apiInPage(page, 'POST', '/deid/extracts',
    { criteria: { class: 'inpatient' }, method: 'safe_harbor', format: 'csv', notes: true }));
  assert(JSON.stringify(sansStudy(again.slice(1))) === JSON.stringify(sansStudy(shRows.slice(1))),
    'downloaded rows equal the API\'s');
  assert(again[1][0] !== shRows[1][0] || again.length < 3, 'study ids are new for each extract');

  // No name or MRN of the demo patients in it (the patient list read as an HIM user).
  const login = await fetch(`${url}api/v1/session`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'him.tech', password: 'demo-password', mode: 'bearer' }),
  }).then((r) => r.json());
  const pts = await fetch(`${url}api/v1/patients?limit=1000`, { headers: { Authorization: `Bearer ${login.token}` } })
    .then((r) => r.json());
  assert(pts.items.length > 10, 'the HIM user sees the demo patients');
  const tokens = new Set(shText.split(/[,;\r\n"\s.:()[\]]+/));
  for (const p of pts.items) {
    for (const v of [p.family, p.given, p.mrn]) {
      if (!v || v.length < 2) continue;
      assert(!tokens.has(v), `"${v}" (a demo patient's name or MRN) is in the Safe Harbor extract`);
      if (v.length >= 4) assert(!shText.includes(v), `"${v}" appears in the Safe Harbor extract`);
    }
  }

  // A limited data set without an agreement: the server's refusal, shown as it is.
  guard.expect('POST', /\/deid\/extracts$/, 400);
  await form.getByLabel('Include de-identified notes').uncheck();
  await form.getByRole('radio', { name: /Limited data set/ }).check();
  await form.getByLabel('Data use agreement').selectOption('');
  await form.getByRole('button', { name: 'Make extract' }).click();
  const refusal = page.locator('[data-testid="extract-result"] .msg-error');
  await refusal.waitFor();
  assert(/dua_id: a limited data set needs a data use agreement/.test(await refusal.innerText()),
    `refusal: ${await refusal.innerText()}`);

  // With the agreement: a limited data set in JSON.
  await form.getByLabel('Data use agreement').selectOption(String(duaId));
  await form.getByLabel('Format').selectOption('json');
  await form.getByRole('button', { name: 'Make extract' }).click();
  const lds = await download(page);
  assert(/^deid-extract-\d+-lds\.json$/.test(lds.name), `file name ${lds.name}`);
  const doc = JSON.parse(lds.bytes.toString('utf8'));
  assert(doc.header.method === 'limited_data_set', 'method limited_data_set');
  assert(doc.header.data_use_agreement.id === duaId, 'under the new agreement');
  assert(doc.rows.length === shRows.length - 1, 'the same cohort');
  assert(doc.rows.every((r) => 'admission_date' in r && 'city' in r && !('zip3' in r)), 'LDS columns');
  log = await apiInPage(page, 'GET', '/deid/extracts');
  assert(log.items[0].sha256 === sha256(lds.bytes), 'the LDS download is the logged extract');
  assert(log.items[0].dua_id === duaId && log.items[0].method === 'limited_data_set', 'LDS logged with its agreement');
  await page.locator('table.extracts tbody tr').nth(2).waitFor();
  assert(/limited data set/.test(await page.locator('table.extracts tbody tr').first().innerText()), 'the log on screen');
  await screenshot(page, 'research');

  // A narrow window: the forms stack, the tables scroll in their box, the page does not.
  await page.setViewportSize({ width: 400, height: 800 });
  const { sw, cw } = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth }));
  assert(sw <= cw + 1, `the research screen scrolls sideways at 400 px (${sw} > ${cw})`);
});
