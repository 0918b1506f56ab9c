// Release of information, on the demo data (src/cli/demo_roi.c):
//   - the queue: the API's open requests in the API's order (by due date), the overdue ones
//     marked, opened with the keyboard; the status filter;
//   - intake of a new request for the demo patient (attorney, March 2024) with a new
//     authorization recorded inline that lacks an element: the request screen's checklist shows
//     the missing element and "Validate" is refused with the server's message;
//   - a Part 2 record of the patient filed and tagged (API, CLI);
//   - the demo's valid authorization linked: validated, pulled; the document picker includes the
//     API's documents and leaves out the Part 2 record with its reason and rule;
//   - the fee calculator saves what the API computes;
//   - the packet is made (its PDF link answers application/pdf, %PDF), sent to QA; QA by the
//     packet's maker is refused (the server's message shown); roi.qa, in a second browser,
//     passes it; the request is released;
//   - the patient's revocation of an authorization is recorded from a request under it;
//   - the privacy officer (roi.read) sees the request without controls; 400 px: no sideways
//     scroll on the queue and the request screen.
import path from 'node:path';
import { scenario, screenshot, signIn, signOut, assert, openBrowser, artifactsDir } from './lib.mjs';
import { client, cli, noSideScroll } from './completeness_seed.mjs';

await scenario('roi', async ({ pw, server, page, guard, url }) => {
  const roi = await client(url, 'roi');
  // A 42 CFR Part 2 record of the demo patient in March 2024 (tagged by staff with the CLI).
  const tech = await client(url, 'him.tech');
  const demo = (await tech('GET', '/patients?mrn=DEMO0001')).body.items[0];
  const sud = await tech('POST', `/patients/${demo.id}/documents`, {
    type: '11506-3', title: 'Substance use disorder program note', status: 'final', service_at: '2024-03-07T10:00Z',
    text: 'SUBSTANCE USE DISORDER PROGRAM - PROGRESS NOTE\nCounseling session 4 of 12.\n',
  });
  assert(sud.status === 201, `Part 2 note filed: ${JSON.stringify(sud.body)}`);
  await cli(server, 'document', 'tag', String(sud.body.id), '--add', 'sud_part2');

  // ---- the queue
  await signIn(page, url, 'roi');
  await page.locator('header nav a', { hasText: 'Release of information' }).click();
  const rows = page.locator('table.roi-queue tbody tr');
  await rows.first().waitFor();
  const q = await roi('GET', '/roi/requests');
  assert(q.status === 200 && q.body.items.length >= 5, `the demo has open requests: ${JSON.stringify(q.body).slice(0, 300)}`);
  const shown = await rows.evaluateAll((trs) => trs.map((t) => [Number(t.dataset.id), t.dataset.overdue === 'true']));
  assert(JSON.stringify(shown) === JSON.stringify(q.body.items.map((x) => [x.id, !!x.overdue])),
    `queue order and overdue marks as the API's: ${JSON.stringify(shown)} vs ${JSON.stringify(q.body.items.map((x) => [x.id, x.overdue]))}`);
  const late = q.body.items.filter((x) => x.overdue);
  assert(late.length >= 1, 'the demo has an overdue patient access request');
  for (const x of late) {
    const txt = await page.locator(`table.roi-queue tbody tr[data-id="${x.id}"] .roi-overdue`).innerText();
    assert(txt === `overdue by ${-x.days_left} day${-x.days_left === 1 ? '' : 's'}`, `overdue text of ${x.id}: ${txt}`);
  }
  for (const x of q.body.items.filter((y) => !y.overdue && y.days_left !== null)) {
    assert((await page.locator(`table.roi-queue tbody tr[data-id="${x.id}"] td.roi-left`).innerText()).startsWith(`${x.days_left} day`), `days left of ${x.id}`);
  }
  await screenshot(page, 'roi-queue');
  // keyboard: ↓ then Enter opens the second request
  assert(await rows.first().evaluate((el) => el === document.activeElement), 'the first row is focused');
  await rows.first().press('ArrowDown');
  await rows.nth(1).press('Enter');
  await page.locator('.roi-banner').waitFor();
  assert(page.url().endsWith(`#/roi/${q.body.items[1].id}`), `Enter opens the request: ${page.url()}`);
  // the status filter
  await page.goto(`${url}#/roi`);
  await rows.first().waitFor();
  await page.getByLabel('Status', { exact: true }).selectOption('released');
  await page.waitForURL(/status=released/);
  const rel = await roi('GET', '/roi/requests?status=released');
  await page.locator(`table.roi-queue tbody tr[data-id="${rel.body.items[0].id}"]`).waitFor();
  assert(await rows.count() === rel.body.items.length, 'the released requests');

  // ---- intake: the demo patient, an attorney, a new authorization without its discloser
  await page.goto(`${url}#/roi`);
  await page.getByRole('button', { name: 'New request' }).click();
  await page.getByLabel('Find the patient').fill('DEMO0001');
  await page.getByLabel('Find the patient').press('Enter');
  await page.locator('button.roi-hit').first().click();
  const pid = Number(await page.locator('.roi-patient').getAttribute('data-patient-id'));
  await page.locator('input[name="auth_choice"][value="new"]').waitFor();
  await page.getByLabel('Requester type').selectOption('attorney_authorization');
  await page.getByLabel('Requester name').fill('Carter Injury Law');
  await page.getByLabel('Requester address').fill('9 River Road\nOmaha NE 68102');
  await page.getByLabel('Service dates from').fill('2024-03-01');
  await page.getByLabel('Service dates to').fill('2024-03-31');
  await page.getByLabel('Purpose', { exact: true }).fill('Personal injury claim');
  await page.getByLabel('Delivery').selectOption('mail');
  await page.locator('input[name="auth_choice"][value="new"]').check();
  await page.getByLabel('Description of the information').fill('Records of the March 2024 admission');
  await page.getByLabel('Recipient', { exact: true }).fill('Carter Injury Law');
  await page.getByLabel('Purpose of the authorization').fill('At the request of the individual');
  await page.getByLabel('Expires on').fill('2099-12-31');
  await page.getByLabel('Signed by').fill('the patient');
  await page.getByLabel('Signed on').fill('2024-04-01');
  await page.getByLabel(/The right to revoke/).check();
  await page.getByLabel(/Treatment not conditioned/).check();
  await page.getByLabel(/Redisclosure possible/).check();
  await screenshot(page, 'roi-intake');
  await page.getByRole('button', { name: 'Take in the request' }).click();
  await page.locator('.roi-banner').waitFor();
  const rid = Number(/#\/roi\/(\d+)/.exec(page.url())[1]);
  let r = (await roi('GET', `/roi/requests/${rid}`)).body;
  assert(r.patient_id === pid && r.requester_type === 'attorney_authorization' && r.status === 'received' &&
    r.date_from === '2024-03-01' && r.requester_address === '9 River Road\nOmaha NE 68102', `the request: ${JSON.stringify(r).slice(0, 400)}`);
  assert(r.authorization && r.authorization.checklist.verdict === 'incomplete', 'its authorization is incomplete');

  // ---- the checklist shows the missing element; validation is refused with the server's message
  const miss = page.locator('.roi-check-table tbody tr[data-element="discloser"]');
  assert(await miss.getAttribute('data-present') === 'false' && /missing/.test(await miss.innerText()), 'the discloser is missing');
  assert((await miss.innerText()).includes('164.508(c)(1)(ii)'), 'with its citation');
  assert(await page.locator('.roi-check-table tbody tr[data-present="false"]').count() === r.authorization.checklist.n_missing, 'missing elements as the API');
  assert(await page.locator('.roi-checklist [data-verdict="incomplete"]').count() === 1, 'verdict incomplete');
  guard.expect('POST', new RegExp(`/roi/requests/${rid}/status$`), 409, 2);
  const refusedApi = await roi('POST', `/roi/requests/${rid}/status`, { to: 'validated' });
  assert(refusedApi.status === 409, `the API refuses: ${JSON.stringify(refusedApi.body)}`);
  await page.getByRole('button', { name: 'Validate' }).click();
  const refusal = page.locator('.roi-actions .msg-error');
  await refusal.waitFor();
  assert((await refusal.innerText()).includes(refusedApi.body.error.message), `the server's message: ${await refusal.innerText()} vs ${refusedApi.body.error.message}`);
  await screenshot(page, 'roi-checklist-refused');

  // ---- link the demo's valid authorization, validate, pull
  const auths = (await roi('GET', `/patients/${pid}/authorizations`)).body.items;
  const valid = auths.find((a) => a.checklist.verdict === 'valid');
  assert(valid, 'the demo patient has a valid authorization');
  await page.getByRole('button', { name: 'Link another authorization' }).click();
  await page.getByLabel('Authorization of the patient').selectOption(String(valid.id));
  await page.getByRole('button', { name: 'Link', exact: true }).click();
  await page.locator('.roi-screen > .msg-ok', { hasText: `#${valid.id} linked` }).waitFor();
  assert(await page.locator('.roi-checklist [data-verdict="valid"]').count() === 1, 'the checklist is valid');
  await page.getByRole('button', { name: 'Validate' }).click();
  await page.locator('.roi-banner [data-status="validated"]').waitFor();
  await page.getByRole('button', { name: 'Mark pulled' }).click();
  await page.locator('.roi-banner [data-status="pulled"]').waitFor();

  // ---- the picker: the API's documents; the Part 2 record left out with its reason and rule
  const sel = (await roi('GET', `/roi/requests/${rid}/documents`)).body;
  const inc = await page.locator('ul.roi-included li').evaluateAll((lis) => lis.map((l) => Number(l.dataset.documentId)));
  assert(JSON.stringify(inc) === JSON.stringify(sel.included.map((d) => d.document_id)), `included ${inc} vs ${sel.included.map((d) => d.document_id)}`);
  const part2 = sel.excluded.find((d) => d.document_id === sud.body.id);
  assert(part2 && part2.tags.includes('sud_part2'), `the API excludes the Part 2 record: ${JSON.stringify(sel.excluded)}`);
  const ex = page.locator(`ul.roi-excluded li[data-document-id="${part2.document_id}"]`);
  const exText = await ex.innerText();
  assert(exText.includes(part2.reason) && exText.includes(part2.cite), `reason and rule shown: ${exText}`);
  assert(await page.locator('ul.roi-excluded li').count() === sel.excluded.length, 'every excluded document listed');
  await page.locator('section.roi-docs').screenshot({ path: path.join(artifactsDir(), 'roi-picker.png') });

  // ---- the fee: 30 minutes at $24.00/h, 12 pages at $0.10, mailed with $1.50 postage
  await page.getByLabel('Method').selectOption('cost');
  await page.getByLabel('Copying labor (minutes)').fill('30');
  await page.getByLabel('Labor rate ($ per hour)').fill('24.00');
  await page.getByLabel('Paper pages').fill('12');
  await page.getByLabel('Supplies ($ per page)').fill('0.10');
  await page.getByLabel('Postage ($)').fill('1.50');
  await page.getByLabel('Mailed').check();
  await page.getByLabel('Electronic copy').uncheck();
  await page.getByRole('button', { name: 'Calculate and save' }).click();
  await page.locator('.roi-screen > .msg-ok', { hasText: 'Fee saved' }).waitFor();
  r = (await roi('GET', `/roi/requests/${rid}`)).body;
  assert(r.fee && r.fee.total_cents === 1200 + 120 + 150, `the fee: ${JSON.stringify(r.fee)}`);
  assert(Number(await page.locator('.roi-fee-saved [data-total]').getAttribute('data-total')) === r.fee.total_cents, 'the saved total shown');

  // ---- the packet
  await page.getByRole('button', { name: 'Make the packet' }).click();
  await page.locator('.roi-screen > .msg-ok', { hasText: 'Packet made' }).waitFor();
  r = (await roi('GET', `/roi/requests/${rid}`)).body;
  assert(r.packets.length === 1, 'one packet');
  const pk = r.packets[0];
  assert(JSON.stringify(pk.document_ids) === JSON.stringify(sel.included.map((d) => d.document_id)), 'the packet has the included documents');
  const prow = page.locator(`table.roi-packet-table tr[data-packet-id="${pk.id}"]`);
  assert((await prow.locator('.roi-sha').innerText()) === pk.sha256, 'its SHA-256 shown');
  const href = await prow.locator('a.roi-pdf').getAttribute('href');
  const pdf = await page.request.get(new URL(href, url).toString());
  assert(pdf.status() === 200 && /application\/pdf/.test(pdf.headers()['content-type']), `the PDF link: ${pdf.status()} ${pdf.headers()['content-type']}`);
  assert((await pdf.body()).subarray(0, 4).toString() === '%PDF', 'a PDF');
  await page.getByRole('button', { name: 'Send to QA' }).click();
  await page.locator('.roi-banner [data-status="qa"]').waitFor();

  // ---- QA: refused for the packet's maker
  guard.expect('POST', new RegExp(`/roi/requests/${rid}/qa$`), 409);
  const qaForm = page.locator('form.roi-qa-form');
  for (const n of ['right_patient', 'right_records', 'right_recipient']) await qaForm.locator(`input[name="${n}"]`).check();
  await qaForm.getByRole('button', { name: 'Record QA' }).click();
  const qaRefusal = qaForm.locator('.msg-error');
  await qaRefusal.waitFor();
  assert(/user/i.test(await qaRefusal.innerText()), `the refusal names the user: ${await qaRefusal.innerText()}`);
  await screenshot(page, 'roi-qa-refused');

  // ---- roi.qa passes it in a second browser
  const second = await openBrowser(pw);
  try {
    await signIn(second.page, url, 'roi.qa');
    await second.page.goto(`${url}#/roi/${rid}`);
    const f2 = second.page.locator('form.roi-qa-form');
    await f2.waitFor();
    for (const n of ['right_patient', 'right_records', 'right_recipient']) await f2.locator(`input[name="${n}"]`).check();
    await f2.locator('input[name="qa_note"]').fill('Name, MRN and recipient checked against the request');
    await f2.getByRole('button', { name: 'Record QA' }).click();
    await second.page.locator('.roi-screen > .msg-ok', { hasText: 'QA passed' }).waitFor();
    assert(await second.page.locator('.roi-qa-result[data-passed="true"]').count() === 1, 'QA passed shown');
    second.guard.check('roi (second browser)');
  } finally {
    await second.close();
  }
  r = (await roi('GET', `/roi/requests/${rid}`)).body;
  assert(r.packets[0].qa.done && r.packets[0].qa.passed && r.packets[0].qa.by === 'roi.qa', `QA recorded: ${JSON.stringify(r.packets[0].qa)}`);

  // ---- release
  await page.reload();
  await page.getByRole('button', { name: 'Release' }).click();
  await page.locator('.roi-banner [data-status="released"]').waitFor();
  r = (await roi('GET', `/roi/requests/${rid}`)).body;
  assert(r.status === 'released' && r.released_on, `released: ${r.status}`);
  const acts = await page.locator('table.roi-events tbody tr').evaluateAll((trs) => trs.map((t) => t.dataset.action));
  assert(JSON.stringify(acts) === JSON.stringify(r.events.map((e) => e.action)), `history as the API: ${acts}`);
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, 'roi-request');

  // ---- the patient revokes the authorization: the demo's validated request under it shows it
  const other = q.body.items.find((x) => x.requester_type === 'attorney_authorization' && x.status === 'validated' && x.patient_id === pid);
  assert(other, 'the demo has a validated attorney request of the demo patient');
  await page.goto(`${url}#/roi/${other.id}`);
  await page.locator('details.roi-revoke > summary').click();
  await page.getByLabel('Revocation note').fill('Letter from the patient received by mail');
  await page.getByRole('button', { name: 'Record the revocation' }).click();
  await page.locator('.roi-screen > .msg-ok', { hasText: 'revoked' }).waitFor();
  const ra = (await roi('GET', `/roi/requests/${other.id}`)).body.authorization;
  assert(ra.revoked_on && ra.checklist.verdict === 'revoked', `revoked: ${JSON.stringify(ra).slice(0, 300)}`);
  assert(await page.locator('.roi-checklist [data-verdict="revoked"]').count() === 1, 'the verdict shows the revocation');

  // ---- 400 px
  await page.setViewportSize({ width: 400, height: 800 });
  await noSideScroll(page, 'request screen, narrow');
  await page.goto(`${url}#/roi`);
  await rows.first().waitFor();
  await noSideScroll(page, 'queue, narrow');
  await screenshot(page, 'roi-queue-narrow');
  await page.goto(`${url}#/roi/${q.body.items[0].id}`);
  await page.locator('.roi-actions button').first().waitFor();
  await page.locator('.roi-docs h3').first().waitFor();
  await noSideScroll(page, 'open request with its forms, narrow');
  await page.goto(`${url}#/roi/new`);
  await page.getByLabel('Find the patient').fill('DEMO0001');
  await page.getByLabel('Find the patient').press('Enter');
  await page.locator('button.roi-hit').first().click();
  await page.locator('input[name="auth_choice"][value="new"]').check();
  await noSideScroll(page, 'intake with a new authorization, narrow');
  await page.setViewportSize({ width: 1280, height: 800 });

  // ---- read-only: the privacy officer
  await signOut(page);
  await signIn(page, url, 'privacy');
  await page.goto(`${url}#/roi`);
  await rows.first().waitFor();
  assert(await page.getByRole('button', { name: 'New request' }).count() === 0, 'no intake for a reader');
  await page.goto(`${url}#/roi/${q.body.items[0].id}`);
  await page.locator('.roi-banner').waitFor();
  await page.locator('.roi-details').waitFor();
  assert(await page.locator('.roi-actions button, .roi-fee button, .roi-docs button, .roi-auth button').count() === 0, 'no controls for a reader');
  guard.check('roi');
});
