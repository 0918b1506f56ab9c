// The privacy officer sees the earlier views in the audit trail, verifies the chain and reads
// the "who accessed this record" report from the chart.
import { scenario, signIn, signOut, openChartByName, screenshot, assert } from './lib.mjs';

await scenario('audit', async ({ page, url }) => {
  await page.goto(url);
  // Earlier views, by the HIM technician: the chart and a document.
  await signIn(page, url, 'him.tech');
  const pid = await openChartByName(page, url, 'Demo, Alex');
  await page.getByRole('tab', { name: 'Documents' }).click();
  await page.locator('table.docs tbody tr').first().press('Enter');
  await page.locator('pre.doc-text').waitFor();
  await signOut(page);

  await signIn(page, url, 'privacy');
  const nav = await page.locator('header nav').innerText();
  assert(/Audit trail/.test(nav), `privacy officer nav: ${nav}`);
  await page.getByRole('link', { name: 'Audit trail' }).click();
  await page.locator('table.audit tbody tr').first().waitFor();

  // Filter: this patient, user him.tech.
  await page.getByLabel('Patient #').fill(String(pid));
  await page.getByLabel('User').fill('him.tech');
  await page.getByLabel('User').press('Enter');
  await page.waitForURL(/user=him\.tech/);
  await page.locator('table.audit tbody tr').first().waitFor();
  const trail = await page.locator('table.audit').innerText();
  assert(/patient\.view/.test(trail), 'the chart view is in the trail');
  assert(/document\.view/.test(trail), 'the document view is in the trail');
  assert(!/\bprivacy\b/.test(await page.locator('table.audit tbody').innerText()), 'filtered to him.tech');

  await page.getByRole('button', { name: 'Verify chain' }).click();
  const ok = page.locator('.verify-result .msg');
  await ok.waitFor();
  assert(/Chain intact/.test(await ok.innerText()), `verify: ${await ok.innerText()}`);
  await screenshot(page, 'audit-trail');

  // Who accessed this record, from the chart.
  await page.goto(`${url}#/patient/${pid}`);
  await page.getByRole('tab', { name: 'Access report' }).click();
  const report = page.locator('table.access');
  await report.waitFor();
  assert(/him\.tech/.test(await report.innerText()), 'him.tech is in the access report');
  assert(await page.getByRole('tab', { name: 'Documents' }).count() === 0, 'no documents tab for the privacy officer');
  await screenshot(page, 'access-report');
});
