// The master patient index in the browser: two charts of one person are registered through the
// API ("Jon Smith" and "Jonathan Smith", same birth date and phone, SSNs two digits transposed),
// the worklist scan proposes the pair; the HIM technician
//   - registers a near-duplicate: the identity search shows ranked candidates with field-by-field
//     reasons before "Register new patient" is allowed, and opens the candidate's chart instead;
//   - opens the pair from the duplicate worklist, sees the two charts side by side with each
//     field's agreement, merges with the keyboard (m, survivor chosen with the arrows, reason
//     typed, Enter): the retired chart shows as merged;
//   - unmerges from the merge history: both charts are active again.
// A coder (no mpi.review) is not offered the worklist and the API refuses it (403). Decisions and
// views are in the audit trail.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { scenario, screenshot, signIn, signOut, assert, DEMO_PASSWORD } from './lib.mjs';

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.FOLIO_DB;
    execFile(cmd, args, { env, timeout: 120000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(cmd)} ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
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

function client(url, token) {
  return async (method, p, body) => {
    const r = await fetch(`${url}api/v1${p}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const j = await r.json().catch(() => null);
    return { status: r.status, body: j };
  };
}

await scenario('mpi', async ({ server, page, guard, url }) => {
  const tech = client(url, await bearer(url, 'him.tech'));
  const common = { birth_date: '1970-03-14', sex: 'M', phones: [{ use: 'home', number: '555-201-3344' }] };
  const a = await tech('POST', '/patients', { name: { family: 'Smith', given: 'Jon' }, ssn: '123-45-6789', ...common });
  assert(a.status === 201, `create Jon Smith: ${JSON.stringify(a.body)}`);
  const b = await tech('POST', '/patients', {
    name: { family: 'Smith', given: 'Jonathan' }, ssn: '123-45-6798', ...common,
    addresses: [{ use: 'home', line1: '12 Main St', city: 'Springfield', state: 'IL', postal_code: '62701' }],
  });
  assert(b.status === 201, `create Jonathan Smith: ${JSON.stringify(b.body)}`);
  const idA = a.body.id;
  const idB = b.body.id;
  // POST /patients does not (yet) update the MPI index: rebuild it, as `folio mpi reindex` does
  // after a load.
  await run(process.env.FOLIO_BIN, ['--quiet', '--db', server.db, '--key', server.key, 'mpi', 'reindex']);
  const scan = await tech('POST', '/mpi/worklist/scan', {});
  assert(scan.status === 200 && scan.body.added >= 1, `scan: ${JSON.stringify(scan.body)}`);
  const wl = await tech('GET', `/mpi/worklist?patient_id=${idA}`);
  const pair = (wl.body.items || []).find((p) => [p.patient_a, p.patient_b].includes(idB));
  assert(pair, `the pair ${idA}/${idB} is on the worklist: ${JSON.stringify(wl.body)}`);

  await signIn(page, url, 'him.tech');
  const nav = await page.locator('header nav').innerText();
  assert(/Register/.test(nav) && /Duplicates/.test(nav), `technician is offered Register and Duplicates: ${nav}`);

  // ---- registration: identity search before the chart is created
  await page.locator('header nav a', { hasText: 'Register' }).click();
  await page.getByLabel('Family name').fill('Smith');
  await page.getByLabel('Given name').fill('Johnathan');
  await page.getByLabel('Birth date').fill('1970-03-14');
  await page.getByLabel('Sex').selectOption('M');
  const regBtn = page.getByRole('button', { name: 'Register new patient' });
  assert(await regBtn.isDisabled(), 'Register is not offered before the check');
  await page.getByLabel('Birth date').press('Enter');
  const cands = page.locator('ol.candidates li.cand');
  await cands.first().waitFor();
  const candIds = await cands.evaluateAll((els) => els.map((e) => parseInt(e.dataset.id, 10)));
  assert(candIds.includes(idA) && candIds.includes(idB), `both Smiths are candidates: ${candIds}`);
  const first = cands.first();
  assert(await first.locator('li.chip[data-field="birth_date"][data-verdict="matched"]').count() === 1, 'birth date matched');
  assert(await first.locator('li.chip[data-field="given"][data-verdict="close"]').count() === 1, 'given name close');
  assert(/score \d/.test(await first.innerText()), 'candidate shows its score');
  assert(await regBtn.isDisabled(), 'strong candidates: Register waits for the confirmation');
  await page.locator('.confirm-none').waitFor();
  await screenshot(page, 'mpi-register-candidates');
  // Changing the details asks for a new check.
  await page.getByLabel('Given name').fill('Johnathan Q');
  assert(/check again/.test(await page.locator('.reg-actions').innerText()), 'a changed form must be checked again');
  await page.getByLabel('Given name').fill('Johnathan');
  await page.getByLabel('Given name').press('Enter');
  await page.locator('ol.candidates li.cand').first().waitFor();
  // The focus is on the best candidate's "Open this chart": Enter opens it, nothing is created.
  const openId = await page.evaluate(() => document.activeElement && document.activeElement.dataset.open);
  assert(openId, 'focus on the first candidate');
  await page.keyboard.press('Enter');
  await page.waitForURL(new RegExp(`#/patient/${openId}$`));
  await page.locator('.banner h1', { hasText: 'Smith' }).waitFor();
  const count = await tech('GET', '/patients?name=Smith&limit=100');
  assert(!count.body.items.some((p) => p.given === 'Johnathan'), 'no new chart was created');

  // ---- the worklist, side by side, merge by keyboard
  await page.locator('header nav a', { hasText: 'Duplicates' }).click();
  const row = page.locator(`table.mpi-pairs tbody tr[data-id="${pair.id}"]`);
  await row.waitFor();
  await screenshot(page, 'mpi-worklist');
  await row.focus();
  await row.press('Enter');
  await page.waitForURL(new RegExp(`#/mpi/pair/${pair.id}$`));
  const sbs = page.locator('table.sbs');
  await sbs.waitFor();
  assert(await sbs.locator('tr.v-matched[data-field="birth_date"]').count() === 1, 'birth date agrees side by side');
  assert(await sbs.locator('tr.v-close[data-field="given"]').count() === 1, 'given names are close (nickname)');
  assert(await sbs.locator('tr.v-close[data-field="ssn"]').count() === 1, 'SSNs are close (transposed)');
  const sbsText = await sbs.innerText();
  assert(/Jonathan/.test(sbsText) && /Jon\b/.test(sbsText), 'both given names shown');
  assert(/\*\*\*-\*\*-6789/.test(sbsText) && !/123-45-6789/.test(sbsText), 'SSNs masked');
  await screenshot(page, 'mpi-side-by-side');

  // m: merge; the older chart (A) is preselected: ArrowDown chooses B (Jonathan) as the survivor.
  await page.locator('main h1').click();
  await page.keyboard.press('m');
  const form = page.locator('form.merge-form');
  await form.waitFor();
  const survivorA = pair.patient_a;
  const survivorB = pair.patient_b;
  await page.keyboard.press('ArrowDown');
  const chosen = parseInt(await form.locator('input[name=survivor]:checked').inputValue(), 10);
  assert(chosen === survivorB, `ArrowDown chose chart B (${survivorB}), got ${chosen}`);
  await page.keyboard.press('Tab');
  await page.keyboard.type('Same person: nickname Jon, SSN digits transposed, same birth date and phone');
  await screenshot(page, 'mpi-merge-form');
  await page.keyboard.press('Enter');
  await page.locator('#flash .msg-ok', { hasText: 'Merged chart' }).waitFor();
  const retired = survivorA;
  await page.goto(`${url}#/patient/${retired}`);
  await page.locator('.banner .badge', { hasText: `merged into #${survivorB}` }).waitFor();
  await screenshot(page, 'mpi-retired-chart');

  // ---- merge history: what moved, and unmerge
  await page.goto(`${url}#/mpi/merges`);
  const mrow = page.locator('table.mpi-merges tbody tr').first();
  await mrow.waitFor();
  assert(/worklist/.test(await mrow.innerText()), 'the merge came from the worklist');
  const mergeId = await mrow.getAttribute('data-id');
  await mrow.press('Enter');
  await page.waitForURL(new RegExp(`#/mpi/merge/${mergeId}$`));
  const moved = page.locator('table.moved tbody tr');
  await moved.first().waitFor();
  const movedTables = await moved.evaluateAll((els) => els.map((e) => e.dataset.table));
  assert(movedTables.includes('patient_identifier') && movedTables.includes('patient_name'), `what moved: ${movedTables}`);
  await screenshot(page, 'mpi-merge-detail');
  await page.getByRole('button', { name: 'Unmerge…' }).click();
  await page.getByLabel('Reason').fill('Test of the unmerge: restoring both charts');
  await page.getByLabel('Reason').press('Enter');
  await page.locator('#flash .msg-ok', { hasText: 'undone' }).waitFor();
  await page.locator('main h1 .badge', { hasText: 'unmerged' }).waitFor();
  await screenshot(page, 'mpi-unmerged');
  for (const id of [idA, idB]) {
    const p = await tech('GET', `/patients/${id}`);
    assert(p.body.status === 'active' && !p.body.merged_into, `patient ${id} active again: ${p.body.status}`);
  }
  await page.goto(`${url}#/patient/${retired}`);
  await page.locator('.banner h1', { hasText: 'Smith' }).waitFor();
  assert(!/merged into/.test(await page.locator('.banner').innerText()), 'the retired chart is no longer marked merged');

  // ---- a new person: no candidate, and then the chart is created
  await page.goto(`${url}#/register`);
  await page.getByLabel('Family name').fill('Okonkwo');
  await page.getByLabel('Given name').fill('Adaeze');
  await page.getByLabel('Birth date').fill('1988-07-02');
  await page.getByLabel('Sex').selectOption('F');
  await page.getByLabel('Phone').fill('555-777-0101');
  await page.getByLabel('Phone').press('Enter');
  await page.locator('.reg-results .msg-ok', { hasText: 'No existing patient' }).waitFor();
  assert(await regBtn.isEnabled(), 'Register is offered after a check without candidates');
  await screenshot(page, 'mpi-register-new');
  await regBtn.press('Enter');
  await page.waitForURL(/#\/patient\/\d+$/);
  await page.locator('.banner h1', { hasText: 'Okonkwo' }).waitFor();
  await signOut(page);

  // ---- a coder has no mpi.review: not offered, and refused by the API
  await signIn(page, url, 'coder');
  const coderNav = await page.locator('header nav').innerText();
  assert(!/Duplicates/.test(coderNav) && !/Register/.test(coderNav), `coder nav: ${coderNav}`);
  await page.goto(`${url}#/mpi`);
  await page.locator('main h1', { hasText: 'Not available' }).waitFor();
  guard.expect('GET', /\/api\/v1\/mpi\/worklist$/, 403);
  guard.expect('POST', /\/api\/v1\/mpi\/merges$/, 403);
  const refused = await page.evaluate(async (ids) => {
    const s = await (await fetch('/api/v1/session')).json();
    const x = await fetch('/api/v1/mpi/worklist');
    const y = await fetch('/api/v1/mpi/merges', {
      method: 'POST', headers: { 'X-CSRF-Token': s.csrf_token, 'Content-Type': 'application/json' },
      body: JSON.stringify({ surviving_id: ids[0], retired_id: ids[1], reason: 'not allowed' }),
    });
    return [x.status, y.status];
  }, [idA, idB]);
  assert(refused[0] === 403 && refused[1] === 403, `coder refused: ${refused}`);
  await screenshot(page, 'mpi-coder-not-offered');

  // ---- the audit trail has the searches, the views and the decisions
  const priv = client(url, await bearer(url, 'privacy'));
  const audit = await priv('GET', '/audit?limit=500');
  const actions = new Set(audit.body.items.filter((e) => e.username === 'him.tech').map((e) => e.action));
  for (const act of ['patient.search', 'mpi.worklist', 'patient.view', 'patient.merge', 'patient.unmerge', 'mpi.merges', 'mpi.scan']) {
    assert(actions.has(act), `audited ${act}: ${[...actions]}`);
  }
});
