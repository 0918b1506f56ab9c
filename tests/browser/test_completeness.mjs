// The chart analyst's screens, on the demo data with the shipped rules loaded (folio rules load):
//   - the analysis worklist: discharged charts, oldest discharge first (days since discharge
//     descending), opened with the keyboard; the status filter; the responsible filter finds the
//     stay under test by its attending;
//   - the analysis screen: the chart's documents (an H&P filed late and unsigned) beside its
//     deficiencies after "Re-run analysis" (the discharge summary missing and overdue, the H&P
//     unsigned); a document opens in place; a deficiency is waived with a reason (a reason is
//     required) and its history shows the waiver;
//   - "Mark complete" is refused while deficiencies are open (the server's message names them),
//     then, the others waived, the chart is complete and listed as complete; reopening needs a
//     reason;
//   - a physician query is written from the screen: template, the attending as addressee, an
//     indicator quoting the H&P (selected text), the live check, sent;
//   - the attending answers it (API); Completeness › Queries shows the query report's totals,
//     by-author and by-provider rows and open-query aging as the API says, for the default
//     period and for the day of the discharge;
//   - the coder (completeness.read without write) sees the screen without the controls; a
//     clinician is not offered it.
import path from 'node:path';
import { scenario, screenshot, signIn, signOut, assert, artifactsDir } from './lib.mjs';
import { client, cli, loadRules, inpatientStays, plusHours, noSideScroll } from './completeness_seed.mjs';

const HP = [
  'HISTORY AND PHYSICAL',
  '',
  'Chief complaint: shortness of breath and leg swelling for three days.',
  'Exam: bibasilar crackles, JVD to the angle of the jaw, 2+ pitting edema.',
  'BNP 1450 pg/mL. Echo: ejection fraction 30%.',
  'Plan: IV diuresis, daily weights.',
].join('\n');

// The Queries tab against the API's report (the same formatting as web/js/queryreport.js).
async function compareQueryReport(page, rep) {
  const hours = (s, v) => (s.answered > 0 ? v.toFixed(1) : '—');
  const cells = (s) => [String(s.queries), s.discharges > 0 ? s.rate.toFixed(2) : '—', String(s.answered), hours(s, s.median_hours),
    hours(s, s.p90_hours), String(s.agreed), s.answered > 0 ? `${(100 * s.agreement_rate).toFixed(1)}%` : '—'];
  await page.locator(`.qr-summary[data-period="${rep.from} to ${rep.to}"]`).waitFor();
  const t = rep.total;
  const card = (k) => page.locator(`.qr-summary [data-total="${k}"]`).innerText();
  const want = cells(t);
  assert(await card('rate') === want[1], `rate ${await card('rate')} vs ${want[1]}`);
  assert(await card('answered') === `${t.answered} of ${t.queries}`, 'answered');
  assert(await card('median_hours') === want[3] && await card('p90_hours') === want[4], 'response hours');
  assert(await card('agreement_rate') === want[6], 'agreement rate');
  for (const [cls, rows] of [['qr-authors', rep.by_author], ['qr-providers', rep.by_provider]]) {
    const got = await page.locator(`table.${cls} tbody tr[data-key]`).evaluateAll((trs) => trs.map((r) => [...r.cells].map((c) => c.innerText)));
    assert(got.length === rows.length, `${cls}: ${got.length} rows vs ${rows.length}`);
    rows.forEach((s, i) => assert(JSON.stringify(got[i].slice(1)) === JSON.stringify(cells(s)) && (!s.who || got[i][0] === s.who),
      `${cls} ${JSON.stringify(s)} vs ${got[i].join('|')}`));
  }
  for (const b of rep.aging.buckets) {
    assert(Number(await page.locator(`.qr-aging [data-bucket="${b.label}"] .b-count`).innerText()) === b.count, `aging ${b.label}`);
  }
}

await scenario('completeness', async ({ server, page, guard, url }) => {
  await loadRules(server);
  const [stay] = await inpatientStays(url, 1, { maxDays: 2 });
  const enc = stay.encounter_id;
  const analyst = await client(url, 'chart.analyst');

  // The H&P arrives late (after discharge) and unsigned, authored by the attending.
  const tech = await client(url, 'him.tech');
  const doc = await tech('POST', `/patients/${stay.patient_id}/documents`, {
    type: '34117-2', title: 'History and physical', encounter_id: enc, author_id: stay.attending.id,
    status: 'final', text: HP, service_at: plusHours(stay.admit_at, 2),
  });
  assert(doc.status === 201, `H&P filed: ${JSON.stringify(doc.body)}`);

  // ---- the worklist: oldest first, keyboard
  await signIn(page, url, 'chart.analyst');
  assert(/Completeness/.test(await page.locator('header nav').innerText()), 'the analyst is offered Completeness');
  await page.locator('header nav a', { hasText: 'Completeness' }).click();
  const rows = page.locator('table.cmpl-worklist tbody tr');
  await rows.first().waitFor();
  const days = (await page.locator('table.cmpl-worklist tbody tr td:nth-child(1)').allInnerTexts()).map(Number);
  assert(days.length > 1, `worklist rows: ${days.length}`);
  for (let i = 1; i < days.length; i++) assert(days[i - 1] >= days[i], `oldest discharge first: ${days.join(',')}`);
  const wl = await analyst('GET', '/completeness/worklist?limit=50');
  assert(wl.status === 200 && wl.body.items[0].encounter_id === Number(await rows.first().getAttribute('data-id')),
    'the first row is the API\'s first chart');
  assert((await page.locator('.pager .count').innerText()).includes(String(wl.body.total)), 'the pager shows the total');
  await screenshot(page, 'completeness-worklist');
  // keyboard: the first row has the focus, ↓ moves, Enter opens
  assert(await rows.first().evaluate((el) => el === document.activeElement), 'the first row is focused');
  await rows.first().press('ArrowDown');
  const second = await rows.nth(1).getAttribute('data-id');
  assert(await rows.nth(1).evaluate((el) => el === document.activeElement), '↓ moves to the second row');
  await rows.nth(1).press('Enter');
  await page.locator('.cmpl-banner').waitFor();
  assert(page.url().endsWith(`#/completeness/${second}`), `Enter opens the analysis screen: ${page.url()}`);
  await page.getByRole('link', { name: '‹ Worklist' }).click();
  await rows.first().waitFor();

  // The status filter: nothing is complete yet.
  await page.getByLabel('Status', { exact: true }).selectOption('complete');
  await page.locator('.completeness .results p[role="status"]', { hasText: 'No chart has been marked complete' }).waitFor();
  await page.getByLabel('Status', { exact: true }).selectOption('incomplete');
  await rows.first().waitFor();

  // ---- analysis of the stay (the rules were loaded after the demo data: run it from the screen)
  await page.goto(`${url}#/completeness/${enc}`);
  await page.locator('.cmpl-banner').waitFor();
  await page.getByRole('button', { name: 'Re-run analysis' }).click();
  await page.locator('.cmpl-screen .msg-ok', { hasText: /Analysed with rules version \d+/ }).waitFor();
  const defRows = page.locator('table.cmpl-defs tbody tr[data-id]');
  await defRows.first().waitFor();
  const dcsum = page.locator('table.cmpl-defs tbody tr[data-rule="DCSUM"]');
  assert(await dcsum.count() === 1, 'the missing discharge summary is a deficiency');
  assert(await dcsum.getAttribute('data-status') === 'open', 'and open');
  assert(/overdue/.test(await dcsum.innerText()), `and overdue (discharged ${stay.discharge_at}): ${await dcsum.innerText()}`);
  assert(await dcsum.locator('td').nth(2).innerText() === stay.attending.name, 'the attending is responsible');
  const signed = page.locator('table.cmpl-defs tbody tr[data-rule="SIGNED"]');
  assert(await signed.count() >= 1, 'the unsigned H&P is a deficiency');
  const api1 = await analyst('GET', `/encounters/${enc}/deficiencies`);
  assert(await defRows.count() === api1.body.items.length, `every deficiency listed: ${await defRows.count()} vs ${api1.body.items.length}`);

  // the worklist, filtered on the attending, has the stay with its counts
  await page.getByRole('link', { name: '‹ Worklist' }).click();
  await rows.first().waitFor();
  await page.getByLabel('Find a provider').fill(stay.attending.family);
  await page.getByLabel('Find a provider').press('Enter');
  await page.locator(`select[name="responsible_id"] option[value="${stay.attending.id}"]`).waitFor({ state: 'attached' });
  await page.getByLabel('Responsible', { exact: true }).selectOption(String(stay.attending.id));
  const row = page.locator(`table.cmpl-worklist tbody tr[data-id="${enc}"]`);
  await row.waitFor();
  const open = api1.body.items.filter((d) => d.status === 'open');
  assert(Number(await row.locator('td').nth(7).innerText()) === open.length, `open count: ${await row.innerText()}`);
  assert(Number(await row.locator('td').nth(8).innerText()) === open.filter((d) => d.overdue).length, 'overdue count');
  assert((await row.innerText()).includes(stay.attending.name), 'the attending is shown');
  await row.focus();
  await row.press('Enter');

  // ---- the analysis screen: documents beside deficiencies; read one
  await page.locator('.cmpl-docs button.doc-pick').first().waitFor();
  const pick = page.locator(`.cmpl-docs button.doc-pick[data-id="${doc.body.id}"]`);
  assert(/signature due/.test(await pick.innerText()), `the H&P is listed as awaiting its signature: ${await pick.innerText()}`);
  await pick.click();
  await page.locator('.cmpl-docs pre.doc-text', { hasText: 'bibasilar crackles' }).waitFor();
  assert(/Not signed/.test(await page.locator('.cmpl-docs .view-head').innerText()), 'the open document says it is not signed');
  await page.evaluate(() => window.scrollTo(0, 0)); // the documents column is sticky
  await screenshot(page, 'completeness-analysis');

  // ---- waive the discharge summary with a reason
  await dcsum.getByRole('button', { name: /^Waive/ }).click();
  const reason = page.getByLabel('Reason to waive DCSUM');
  await reason.waitFor();
  await page.locator('form.waive-form button[type=submit]').click();
  await page.locator('form.waive-form .msg-warn', { hasText: 'Say why' }).waitFor();
  await reason.fill('Patient transferred; the receiving hospital holds the summary');
  await page.locator('form.waive-form button[type=submit]').click();
  await page.locator('.cmpl-screen .msg-ok', { hasText: 'waived' }).waitFor();
  assert(await dcsum.getAttribute('data-status') === 'waived', 'the deficiency is waived');
  assert(/receiving hospital/.test(await dcsum.innerText()), 'with its reason shown');
  await dcsum.getByRole('button', { name: /History of deficiency/ }).click();
  const hist = page.locator('table.def-history');
  await hist.waitFor();
  const actions = await hist.locator('tbody tr').evaluateAll((trs) => trs.map((t) => t.dataset.action));
  assert(actions.includes('create') && actions.includes('waive'), `history: ${actions.join(',')}`);
  await page.evaluate(() => window.scrollTo(0, 0)); // the documents column is sticky
  await screenshot(page, 'completeness-waived');

  // ---- complete: refused while deficiencies are open
  guard.expect('POST', new RegExp(`/encounters/${enc}/complete$`), 409);
  await page.getByRole('button', { name: 'Mark complete' }).click();
  const refusal = page.locator('.cmpl-screen > .msg-error');
  await refusal.waitFor();
  assert(/deficienc/i.test(await refusal.innerText()), `the refusal names the deficiencies: ${await refusal.innerText()}`);
  assert(await page.locator('.chart-status [data-status="incomplete"]').count() === 1, 'still incomplete');

  // the other open deficiencies waived (the demo's stays have many procedures: through the API),
  // then complete
  const rest = (await analyst('GET', `/encounters/${enc}/deficiencies`)).body.items.filter((d) => d.status === 'open');
  for (const d of rest) {
    const w = await analyst('POST', `/deficiencies/${d.id}/waive`, { reason: 'Reviewed with the HIM director' });
    assert(w.status === 200 && w.body.status === 'waived', `waive ${d.id}: ${JSON.stringify(w.body)}`);
  }
  await page.reload();
  await page.locator('table.cmpl-defs tbody tr[data-id]').first().waitFor();
  assert(await page.locator('table.cmpl-defs tbody tr[data-status="open"]').count() === 0, 'no open deficiency left');
  assert(/No open deficiency/.test(await page.locator('#complete-why').innerText()), 'the screen says the chart can be completed');
  await page.getByRole('button', { name: 'Mark complete' }).click();
  await page.locator('.chart-status [data-status="complete"]').waitFor();
  assert(/every later change/.test(await page.locator('.cmpl-screen > .msg-ok').innerText()), 'completion confirmed');
  const after = await analyst('GET', `/encounters/${enc}/deficiencies`);
  assert(after.body.chart.completed_at && after.body.chart.completed_by === 'chart.analyst', `complete: ${JSON.stringify(after.body.chart)}`);
  await page.evaluate(() => window.scrollTo(0, 0)); // the documents column is sticky
  await screenshot(page, 'completeness-complete');

  // listed as complete
  await page.goto(`${url}#/completeness?status=complete`);
  await page.locator(`table.cmpl-worklist tbody tr[data-id="${enc}"] [data-status="complete"]`).waitFor();

  // reopen needs a reason
  await page.goto(`${url}#/completeness/${enc}`);
  await page.getByRole('button', { name: 'Reopen' }).click();
  await page.locator('.cmpl-actions .msg-warn', { hasText: 'Say why' }).waitFor();
  await page.getByLabel('Reason to reopen').fill('Late lab result to be filed');
  await page.getByRole('button', { name: 'Reopen' }).click();
  await page.locator('.chart-status [data-status="incomplete"]').waitFor();

  // ---- a physician query from the screen
  guard.expect('POST', /\/queries\/check$/, 400, Infinity); // the live check while the query is incomplete
  await page.getByRole('button', { name: 'Write query' }).click();
  const form = page.locator('form.query-form');
  await form.locator('select[name="template"] option[value="heart-failure-specificity"]').waitFor({ state: 'attached' });
  await form.locator('select[name="template"]').selectOption('heart-failure-specificity');
  assert(/type and acuity/.test(await form.locator('textarea[name="question"]').inputValue()), 'the template fills the question');
  assert(await form.locator('.q-opt-list li').count() === 7, 'and its options (with other and undetermined)');
  await form.locator(`select[name="provider_id"] option[value="${stay.attending.id}"]`).waitFor({ state: 'attached' });
  assert(await form.locator('select[name="provider_id"]').inputValue() === String(stay.attending.id), 'the attending is the default addressee');
  // no indicator yet: the check says so
  await form.locator('.q-check [data-field^="indicators"]').waitFor();
  // quote the H&P: select its text in the document pane
  await page.locator(`.cmpl-docs button.doc-pick[data-id="${doc.body.id}"]`).click();
  const pre = page.locator('.cmpl-docs pre.doc-text', { hasText: 'Echo' });
  await pre.waitFor();
  await pre.evaluate((el) => {
    const text = el.firstChild;
    const i = text.data.indexOf('BNP 1450');
    const r = document.createRange();
    r.setStart(text, i);
    r.setEnd(text, text.data.indexOf('\n', i));
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(r);
  });
  await form.getByRole('button', { name: 'Quote the selected text' }).click();
  assert(/BNP 1450 pg\/mL/.test(await form.getByLabel('Excerpt of indicator 1').inputValue()), 'the selection is quoted');
  assert(await form.getByLabel('Document of indicator 1').inputValue() === String(doc.body.id), 'from the H&P');
  await form.locator('.q-check [data-ok="true"]').waitFor();
  // a leading question is caught as it is typed
  const q = form.locator('textarea[name="question"]');
  const good = await q.inputValue();
  await q.fill(`${good} This affects the DRG.`);
  await form.locator('.q-check [data-field^="question"]').waitFor();
  await q.fill(good);
  await form.locator('.q-check [data-ok="true"]').waitFor();
  // the form itself (the page is long)
  await form.screenshot({ path: path.join(artifactsDir(), 'completeness-query-form.png') });
  await form.getByRole('button', { name: 'Send', exact: true }).click();
  await page.locator('.cmpl-screen > .msg-ok', { hasText: /sent to/ }).waitFor();
  const qrow = page.locator('table.cmpl-query-list tbody tr[data-status="sent"]');
  await qrow.waitFor();
  const qs = await analyst('GET', `/encounters/${enc}/queries`);
  assert(qs.body.items.length === 1 && qs.body.items[0].status === 'sent' && qs.body.items[0].provider.id === stay.attending.id, `query: ${JSON.stringify(qs.body)}`);
  await qrow.getByRole('button', { name: /Open query/ }).click();
  await page.locator('.query-detail blockquote', { hasText: 'BNP 1450' }).waitFor();

  // ---- the query report: the attending answers (first option); Completeness › Queries shows
  // the API's numbers, for the default period and for the day of the discharge
  await cli(server, 'user', 'provider', 'clinician', '--id', String(stay.attending.id));
  const clinician = await client(url, 'clinician');
  const ans = await clinician('POST', `/queries/${qs.body.items[0].id}/answer`, { option: 1 });
  assert(ans.status === 200, `answer: ${JSON.stringify(ans.body)}`);
  await page.goto(`${url}#/completeness`);
  await page.getByRole('tab', { name: 'Queries' }).click();
  const def = (await analyst('GET', '/queries/report')).body;
  await compareQueryReport(page, def);
  const day = String(stay.discharge_at).slice(0, 10);
  const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86400000).toISOString().slice(0, 10);
  await page.getByLabel('From date').fill(day);
  await page.getByLabel('To date').fill(next);
  await page.getByRole('button', { name: 'Show' }).click();
  await page.waitForURL(/from=/);
  const rep = (await analyst('GET', `/queries/report?from=${day}&to=${next}`)).body;
  assert(rep.total.queries >= 1 && rep.total.answered >= 1, `the answered query is counted: ${JSON.stringify(rep.total)}`);
  assert(rep.by_provider.some((p) => p.provider_id === stay.attending.id), 'by the attending');
  await compareQueryReport(page, rep);
  await screenshot(page, 'completeness-queries');

  // ---- the coder reads without controls; a clinician is not offered the screen
  await signOut(page);
  await signIn(page, url, 'coder');
  await page.goto(`${url}#/completeness/${enc}`);
  await page.locator('table.cmpl-defs tbody tr').first().waitFor();
  assert(await page.getByRole('button', { name: 'Mark complete' }).count() === 0, 'no completion for a reader');
  assert(await page.getByRole('button', { name: /^Waive/ }).count() === 0, 'no waiver for a reader');
  await page.setViewportSize({ width: 400, height: 800 });
  await noSideScroll(page, 'analysis screen, narrow');
  await page.goto(`${url}#/completeness`);
  await page.locator('table.cmpl-worklist tbody tr').first().waitFor();
  await noSideScroll(page, 'worklist, narrow');
  await page.setViewportSize({ width: 1280, height: 800 });
  await signOut(page);
  await signIn(page, url, 'clinician');
  assert(!/Completeness/.test(await page.locator('header nav').innerText()), 'the clinician is not offered Completeness');
  await page.goto(`${url}#/completeness`);
  await page.locator('main h1', { hasText: 'Not available' }).waitFor();
  guard.check('completeness');
});
