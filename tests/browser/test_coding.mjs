// Coding in the browser, on the demo data with the code sets loaded (ICD-10-CM FY2021 order file
// and tabular, ICD-10-PCS, MCE). A discharged inpatient stay of FY2021 (so the tabular's notes
// apply) gets a discharge summary through the API (as the clinician); then the coder
//   - opens the DNFC worklist (oldest first, aging buckets), finds the stay, selects it with the
//     keyboard and takes it (assign to me), filters on "Me" and opens it with Enter;
//   - reads the discharge summary beside the abstract and sees the source system's codes;
//   - adds a principal diagnosis by words through the type-ahead, then E11.9 and O24.419 as
//     secondary diagnoses: the live check shows the Excludes1 warning next to the codes;
//   - removes O24.419 (the warning goes), sets the POAs (the POA errors go), adds a procedure
//     with its date, saves, finalizes (the button was disabled while errors remained);
//   - sees the stay leave the worklist, the abstract show final, and its history.
// The coding lead assigns a stay to the coder from the list of people who may code. The HIM
// technician reads the worklist and the final abstract without any control to change them; a clinician is not offered the worklist and the API refuses it (403).
import { scenario, screenshot, signIn, signOut, assert, DEMO_PASSWORD } from './lib.mjs';

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
    return { status: r.status, body: j, etag: r.headers.get('ETag') };
  };
}

const SUMMARY = [
  'DISCHARGE SUMMARY',
  '',
  'Diagnoses: community-acquired pneumonia; type 2 diabetes mellitus without complications.',
  'Hospital course: admitted with cough, fever and hypoxemia; treated with IV antibiotics.',
  'Laparoscopic appendectomy on hospital day 2 for acute appendicitis found on CT.',
  'Discharged home in good condition.',
].join('\n');

// The row of encounter enc in the worklist table (the test's own filter keeps the list short).
function rowOf(page, enc) {
  return page.locator(`table.coding-worklist tbody tr[data-id="${enc}"]`);
}

// Waits for the live check to settle: the findings reflect the codes on screen (the summary
// carries data-pending while a check is scheduled or on its way).
async function settle(page) {
  await page.locator('.findings-summary:not([data-pending])').waitFor();
}

await scenario('coding', async ({ server, page, guard, url }) => {
  const coderApi = client(url, await bearer(url, 'coder'));
  // ---- a FY2021 inpatient stay of a woman (O24.419 is a pregnancy code) from the worklist
  const wl = await coderApi('GET', '/coding/worklist?class=inpatient&limit=500');
  assert(wl.status === 200, `worklist: ${JSON.stringify(wl.body)}`);
  const fy21 = (wl.body.items || []).filter((w) => w.discharge_at >= '2020-10-01' && w.discharge_at < '2021-10-01');
  const row = fy21.find((w) => w.patient && w.patient.sex === 'F') || fy21[0];
  assert(row, `a discharged inpatient stay in FY2021 is on the worklist (${fy21.length} found)`);
  const enc = row.encounter_id;
  const pid = row.patient_id;
  assert(row.status === 'uncoded', `the stay is uncoded: ${row.status}`);

  // The clinician files the discharge summary on the stay (the demo stays have no notes).
  const clin = client(url, await bearer(url, 'clinician'));
  const doc = await clin('POST', `/patients/${pid}/documents`, {
    type: '18842-5', type_title: 'Discharge summary', title: 'Discharge summary', encounter_id: enc,
    status: 'final', text: SUMMARY, service_at: row.discharge_at,
  });
  assert(doc.status === 201, `discharge summary: ${JSON.stringify(doc.body)}`);
  // and a clinician has no coding screens
  const refused = await clin('GET', '/coding/worklist');
  assert(refused.status === 403, `clinician worklist: ${refused.status}`);

  // ---- the worklist
  await signIn(page, url, 'coder');
  const nav = await page.locator('header nav').innerText();
  assert(/Coding/.test(nav), `the coder is offered Coding: ${nav}`);
  await page.locator('header nav a', { hasText: 'Coding' }).click();
  await page.locator('table.coding-worklist tbody tr').first().waitFor();
  const buckets = await page.locator('.bucket-list').innerText();
  assert(/0-3 days/.test(buckets) && /31\+ days/.test(buckets), `aging buckets: ${buckets}`);
  // oldest first
  const days = await page.locator('table.coding-worklist tbody tr td:nth-child(2)').allInnerTexts();
  for (let i = 1; i < days.length; i++) assert(Number(days[i - 1]) >= Number(days[i]), `oldest first: ${days.join(',')}`);
  await screenshot(page, 'coding-worklist');

  // Filter inpatient, page to the stay, select it with Space and take it.
  await page.getByLabel('Class', { exact: true }).selectOption('inpatient');
  await page.locator('table.coding-worklist tbody tr').first().waitFor();
  for (let tries = 0; tries < 20 && !(await rowOf(page, enc).count()); tries++) {
    await page.getByRole('button', { name: /Next/ }).click();
    await page.waitForFunction(() => document.activeElement && document.activeElement.closest('table.coding-worklist'));
  }
  const r = rowOf(page, enc);
  assert(await r.count() === 1, `stay ${enc} found on the inpatient worklist`);
  await r.focus();
  await r.press(' ');
  assert(await r.locator('input[type=checkbox]').isChecked(), 'Space selects the row');
  await page.getByRole('button', { name: 'Take (assign to me)' }).click();
  await page.locator('.flash .msg-ok').waitFor();
  await page.getByLabel('Assigned to', { exact: true }).selectOption('me');
  await rowOf(page, enc).waitFor();
  assert(/coder/.test(await rowOf(page, enc).innerText()), 'the stay is assigned to the coder');
  await rowOf(page, enc).focus();
  await rowOf(page, enc).press('Enter');

  // ---- the coding screen: documents beside the abstract, source codes
  await page.locator('.coding-abstract h2', { hasText: 'Abstract' }).waitFor();
  assert(page.url().endsWith(`#/coding/${enc}`), `on the coding screen: ${page.url()}`);
  await page.locator('.coding-docs pre.doc-text', { hasText: 'Laparoscopic appendectomy' }).waitFor();
  const src = await page.locator('.coding-source').innerText();
  assert(/Source system codes/.test(src), 'the source system\'s codes are shown');
  assert(await page.locator('.finding[data-kind="no_principal"]').count() >= 1, 'no principal yet: an error');
  // A SNOMED CT source code is looked up in the encoder: its description goes into the picker.
  const lookup = page.locator('.coding-source button', { hasText: 'Look up' }).first();
  if (await lookup.count()) {
    const srcRow = page.locator('.coding-source tbody tr').first();
    const kind = await srcRow.locator('td').first().innerText();
    const desc = await srcRow.locator('td').nth(3).innerText();
    await lookup.click();
    const target = page.locator(`.abs-add[data-role="${kind === 'procedure' ? 'procedure' : 'principal'}"] input`).first();
    assert(await target.inputValue() === desc, `Look up fills the picker with "${desc}"`);
    assert(await target.evaluate((el) => el === document.activeElement), 'and focuses it');
    await target.fill('');
  }

  // Principal by words through the type-ahead.
  const principal = page.locator('.abs-add[data-role="principal"] input').first();
  await principal.fill('pneumonia');
  const opt = page.locator('.abs-add[data-role="principal"] [role="option"]', { hasText: /J18\.9/ }).first();
  await opt.waitFor();
  await opt.click();
  await page.locator('table.abs-codes[data-role="principal"] tr[data-code="J189"]').waitFor();

  // E11.9 then O24.419 as secondary diagnoses (typed as codes).
  for (const code of ['E11.9', 'O24.419']) {
    const box = page.locator('.abs-add[data-role="secondary"] input').first();
    await box.fill(code);
    const o = page.locator('.abs-add[data-role="secondary"] [role="option"]', { hasText: code }).first();
    await o.waitFor();
    await o.click();
    await page.locator(`table.abs-codes[data-role="secondary"] tr[data-code="${code.replace('.', '')}"]`).waitFor();
  }
  // The live check: the Excludes1 warning next to the codes, and in the summary.
  await settle(page);
  const ex1 = page.locator('table.abs-codes .code-findings .finding[data-kind="excludes1"]').first();
  await ex1.waitFor();
  assert(/O24\.4|E11/.test(await ex1.innerText()), `Excludes1 text: ${await ex1.innerText()}`);
  assert(await page.locator('.findings-summary .finding[data-kind="excludes1"][data-severity="warning"]').count() >= 1, 'Excludes1 is a warning in the summary');
  // POAs missing are errors: Finalize is disabled, the blocking findings listed beside it.
  assert(await page.locator('.finding[data-kind="poa_missing"]').count() >= 1, 'POA missing errors');
  assert(await page.getByRole('button', { name: 'Finalize' }).isDisabled(), 'Finalize disabled');
  assert(/POA/.test(await page.locator('.blocking-list').innerText()), 'the blocking findings are listed');
  await screenshot(page, 'coding-excludes1');

  // Remove the offending code: the warning goes.
  await page.getByRole('button', { name: 'Remove O24.419' }).click();
  await settle(page);
  assert(await page.locator('.finding[data-kind="excludes1"]').count() === 0, 'Excludes1 warning gone');

  // POAs.
  await page.getByLabel('Present on admission for J18.9').selectOption('Y');
  await page.getByLabel('Present on admission for E11.9').selectOption('Y');
  await settle(page);
  assert(await page.locator('.finding[data-kind="poa_missing"]').count() === 0, 'POA errors gone');

  // A procedure through the PCS picker, with its date.
  const proc = page.locator('.abs-add[data-role="procedure"] input').first();
  await proc.fill('0DTJ4ZZ');
  const po = page.locator('.abs-add[data-role="procedure"] [role="option"]', { hasText: '0DTJ4ZZ' }).first();
  await po.waitFor();
  await po.click();
  await page.locator('table.abs-codes[data-role="procedure"] tr[data-code="0DTJ4ZZ"]').waitFor();
  const admitDay = (await coderApi('GET', `/encounters/${enc}/abstract`)).body.encounter.admit_at.slice(0, 10);
  await page.getByLabel('Date of 0DTJ4ZZ').fill(admitDay);
  await page.getByLabel('Operator of 0DTJ4ZZ').fill('Dr. Demo Surgeon');
  await settle(page);

  // Save, then finalize.
  const finalize = page.getByRole('button', { name: 'Finalize' });
  assert(await finalize.isDisabled(), 'Finalize is disabled while changes are unsaved');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.locator('.abs-actions .msg-ok', { hasText: 'Saved' }).waitFor();
  const blocking = await page.locator('.blocking-list li').allInnerTexts();
  assert(blocking.length === 0, `no blocking findings after the save: ${blocking.join(' | ')}`);
  assert(!(await finalize.isDisabled()), 'Finalize is enabled');
  await screenshot(page, 'coding-screen');
  await finalize.click();
  await page.locator('.abs-actions .msg-ok', { hasText: 'Finalized' }).waitFor();
  await page.locator('.coding-banner [data-status="final"]').waitFor();

  // History.
  await page.getByRole('button', { name: 'History' }).click();
  await page.locator('table.abs-history tbody tr').first().waitFor();
  const hist = await page.locator('table.abs-history').innerText();
  assert(/add/.test(hist) && /final/.test(hist) && /J18\.9/.test(hist), `history: ${hist.slice(0, 400)}`);
  await screenshot(page, 'coding-final-history');

  // The stay has left the worklist; the API says final.
  await page.goto(`${url}#/coding?assigned=me`);
  await page.locator('.coding .results').waitFor();
  await page.waitForLoadState('networkidle');
  assert(await rowOf(page, enc).count() === 0, 'the finalized stay left the worklist');
  const after = await coderApi('GET', `/encounters/${enc}/abstract`);
  assert(after.body.status === 'final' && after.body.finalized_by === 'coder', `final: ${after.body.status}`);
  const codes = after.body.codes.map((c) => `${c.role}:${c.code}:${c.poa || c.date || ''}`).join(' ');
  assert(/principal:J189:Y/.test(codes) && /secondary:E119:Y/.test(codes) && /procedure:0DTJ4ZZ/.test(codes) && !/O24419/.test(codes), `codes: ${codes}`);
  await screenshot(page, 'coding-worklist-after');

  // The coding lead assigns work to a coder chosen from the list of people who may code.
  await signOut(page);
  await signIn(page, url, 'coding.auditor');
  await page.goto(`${url}#/coding?class=inpatient`);
  const leadRow = page.locator('table.coding-worklist tbody tr').first();
  await leadRow.waitFor();
  const leadEnc = await leadRow.getAttribute('data-id');
  await leadRow.locator('input[type=checkbox]').check();
  const coderSelect = page.locator('select[name=coder]');
  assert(await coderSelect.locator('option[value="coder"]').count() === 1, 'the coder is offered');
  assert(await coderSelect.locator('option[value="clinician"]').count() === 0, 'a clinician is not offered');
  await coderSelect.selectOption('coder');
  await page.getByRole('button', { name: 'Assign', exact: true }).click();
  await page.locator('#flash', { hasText: 'assigned to coder' }).waitFor();
  const assigned = await coderApi('GET', `/encounters/${leadEnc}/abstract`);
  assert(assigned.body.assigned_to === 'coder', `assigned: ${assigned.body.assigned_to}`);

  // The HIM technician reads the worklist and the abstract, changes nothing.
  await signOut(page);
  await signIn(page, url, 'him.tech');
  await page.goto(`${url}#/coding?class=inpatient`);
  await page.locator('table.coding-worklist tbody tr').first().waitFor();
  assert(await page.locator('table.coding-worklist input[type=checkbox]').count() === 0, 'no selection for a reader');
  assert(await page.getByRole('button', { name: /Take/ }).count() === 0, 'no Take button for a reader');
  await page.goto(`${url}#/coding/${enc}`);
  await page.locator('.coding-banner [data-status="final"]').waitFor();
  assert(await page.getByRole('button', { name: 'Reopen for rebill' }).count() === 0, 'no rebill for a reader');
  assert(await page.locator('.abs-add').count() === 0, 'no pickers for a reader');

  // A clinician is not offered Coding.
  await signOut(page);
  await signIn(page, url, 'clinician');
  assert(!/Coding/.test(await page.locator('header nav').innerText()), 'the clinician is not offered Coding');
  await page.goto(`${url}#/coding`);
  await page.locator('main h1', { hasText: 'Not available' }).waitFor();
  guard.check('coding');
}, { codes: true });
