// Sign in as the HIM technician, search with the keyboard, open the demo chart, look at the
// summary and the encounter timeline (detail with location history), then sign out.
import { scenario, signIn, signOut, screenshot, assert } from './lib.mjs';

await scenario('chart', async ({ page, url }) => {
  await page.goto(url);
  await signIn(page, url, 'him.tech');
  const header = await page.locator('header.topbar').innerText();
  assert(/HIM technician/.test(header), `header shows the roles: ${header}`);

  // Search: type, Enter submits; Down/Enter opens a row.
  await page.getByRole('link', { name: 'Patients', exact: true }).click();
  const name = page.getByLabel('Name', { exact: true });
  await name.fill('demo, al');
  await name.press('Enter');
  const rows = page.locator('table.patients tbody tr');
  await rows.first().waitFor();
  assert(/Demo, Alex/.test(await rows.first().innerText()), 'the demo patient is found');
  await screenshot(page, 'search');
  await rows.first().press('Enter');
  await page.locator('.banner h1').waitFor();
  assert(/Demo, Alex/.test(await page.locator('.banner h1').innerText()), 'chart banner names the patient');

  // Summary: identifiers (SSN masked as sent), names, addresses.
  const summary = await page.locator('.tab-body').innerText();
  assert(/Identifiers/.test(summary) && /other names/i.test(summary) && /Addresses/.test(summary), 'summary sections');
  assert(!/\b\d{3}-\d{2}-\d{4}\b/.test(summary), 'no unmasked SSN on the page');
  await screenshot(page, 'chart-summary');

  // Encounters: the timeline has bars; a click shows the detail with location history.
  await page.getByRole('tab', { name: 'Encounters' }).click();
  const bar = page.locator('svg.timeline rect.bar').first();
  await bar.waitFor();
  const inpatient = page.locator('svg.timeline rect.enc-inpatient');
  await ((await inpatient.count()) ? inpatient.last() : bar).click();
  await page.locator('.encounter-detail h2').waitFor();
  const detail = await page.locator('.encounter-detail').innerText();
  assert(/Admitted/.test(detail) && /Location history/.test(detail), `encounter detail: ${detail.slice(0, 200)}`);
  await screenshot(page, 'chart-encounters');

  // Keyboard on the timeline: focus a bar, Enter opens it.
  await bar.focus();
  await page.keyboard.press('Enter');
  await page.locator('.encounter-detail h2').waitFor();

  await signOut(page);
  assert(/signed out/i.test(await page.locator('.signin-form').innerText()), 'signed-out message');
  await screenshot(page, 'signed-out');
  // The session really ended: the API says 401 now.
  const status = await page.evaluate(async () => (await fetch('/api/v1/session')).status);
  assert(status === 401, `session ended (got ${status})`);
});
