// Break the glass and the privacy officer's review queue (docs/privacy.md), on the demo data,
// where one chart is restricted (Hansen121, Lizabeth515) and the demo clinician's own family name
// is Hansen:
//   - the clinician (no care relationship) opens the restricted chart: a warning and a reason
//     field instead of the chart; an empty reason is refused with the server's message; with a
//     reason the chart opens;
//   - the privacy officer sees the access in the review queue with the reason, reviews it
//     (disposition + note), and finds it under "Reviewed";
//   - "Run today's alerts" lists a same-family-name access by the clinician; a second run adds
//     nothing;
//   - the chart restriction form: VIP flag with a reason, and its history.
import { scenario, signIn, signOut, screenshot, assert, openChartByName } from './lib.mjs';

await scenario('privacy', async ({ page, url, guard }) => {
  await page.goto(url);
  await signIn(page, url, 'clinician');

  // The restricted chart: the server answers 403 break_the_glass; the screen asks for a reason.
  guard.expect('GET', /\/api\/v1\/patients\/\d+$/, 403);
  const pid = await openChartByName(page, url, 'Hansen121, Lizabeth');
  const warn = page.locator('main .msg-warn');
  await warn.waitFor();
  assert(/restricted/i.test(await warn.innerText()), 'the warning says the chart is restricted');
  assert((await page.locator('.banner h1').innerText()).includes('Restricted chart'), 'no name before the glass is broken');
  assert(!(await page.locator('main').innerText()).includes('Lizabeth'), 'nothing of the chart is shown');
  await screenshot(page, 'privacy-btg-prompt');

  // An empty reason is refused (the server's message, naming the reason).
  guard.expect('POST', /\/api\/v1\/patients\/\d+\/break-glass$/, 400);
  const form = page.getByRole('form', { name: 'Break the glass' });
  await form.getByRole('button', { name: 'Break the glass' }).click();
  const err = page.locator('main .msg-error');
  await err.waitFor();
  assert(/reason/i.test(await err.innerText()), `the refusal names the reason: ${await err.innerText()}`);

  // With a reason the chart opens.
  await form.getByLabel('Reason for access (required)').fill('Covering the emergency department tonight');
  await form.getByRole('button', { name: 'Break the glass' }).click();
  await page.locator('.banner h1', { hasText: 'Hansen121' }).waitFor();
  await page.locator('.tab-body').getByText('Demographics').waitFor();
  await screenshot(page, 'privacy-btg-open');
  await signOut(page);

  // The privacy officer's queue: the access with its reason.
  await signIn(page, url, 'privacy');
  await page.getByRole('link', { name: 'Privacy review', exact: true }).click();
  const row = page.locator('table.reviews tbody tr[data-kind="break_the_glass"]').first();
  await row.waitFor();
  const text = await row.innerText();
  assert(/clinician/.test(text) && /Covering the emergency department tonight/.test(text), `the queue row: ${text}`);
  assert(/Hansen121/.test(text), `the row names the patient: ${text}`);
  await screenshot(page, 'privacy-queue');

  // Review it.
  await row.getByRole('button', { name: 'Review' }).click();
  const rf = row.locator('form.review-form');
  await rf.getByLabel('Disposition').selectOption('appropriate');
  await rf.getByLabel('Note').fill('On call in the ED that night');
  await rf.getByRole('button', { name: 'Save review' }).click();
  await page.locator('main .msg-ok', { hasText: 'reviewed' }).waitFor();
  await page.locator('table.reviews tbody tr[data-kind="break_the_glass"]').waitFor({ state: 'detached' });
  await page.getByLabel('Status').selectOption('reviewed');
  const done = page.locator('table.reviews tbody tr[data-kind="break_the_glass"]').first();
  await done.waitFor();
  assert(/appropriate/.test(await done.innerText()) && /On call in the ED/.test(await done.innerText()), 'the reviewed item shows the disposition and note');

  // Today's alerts: the clinician opened a chart with their own family name.
  await page.getByRole('button', { name: 'Run today\'s alerts' }).click();
  const ok = page.locator('main .msg-ok', { hasText: 'Alerts for' });
  await ok.waitFor();
  const runText = await ok.innerText();
  assert(/Same family name: 1 \(1 new\)/.test(runText), `the run found the family-name access: ${runText}`);
  await page.getByLabel('Status').selectOption('open');
  await page.getByLabel('Kind').selectOption('same_family_name');
  const alert = page.locator('table.reviews tbody tr[data-kind="same_family_name"]').first();
  await alert.waitFor();
  const at = await alert.innerText();
  assert(/clinician/.test(at) && /family name/.test(at), `the alert row: ${at}`);
  assert(!/Hansen\b/.test(await alert.locator('td.detail').innerText()), 'the detail does not repeat the name');
  await screenshot(page, 'privacy-alerts');
  // A second run adds nothing.
  await page.getByRole('button', { name: 'Run today\'s alerts' }).click();
  await page.locator('main .msg-ok', { hasText: 'Same family name: 1 (0 new)' }).waitFor();

  // Restriction from the chart: the badge links to the form; flag VIP with a reason.
  await page.goto(`${url}#/patient/${pid}`);
  await page.locator('.banner .st-restricted').waitFor();
  await page.locator('.banner').getByRole('link', { name: 'Change restriction' }).click();
  const rform = page.getByRole('form', { name: 'Chart restriction' });
  await rform.waitFor();
  guard.expect('PUT', /\/api\/v1\/patients\/\d+\/restriction$/, 400);
  await rform.getByLabel(/VIP/).check();
  await rform.getByRole('button', { name: 'Save restriction' }).click();
  await page.locator('main .msg-error', { hasText: 'reason' }).waitFor();
  await rform.getByLabel('Reason (required)').fill('In the news this week');
  await rform.getByRole('button', { name: 'Save restriction' }).click();
  await page.locator('main table.history tbody tr', { hasText: 'In the news this week' }).waitFor();
  await screenshot(page, 'privacy-restriction');
  await signOut(page);
});
