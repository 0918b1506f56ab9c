// Read the demo patient's discharge summary, its version history and the side-by-side view of
// the amendment (version N against N-1), with additions and removals highlighted.
import { scenario, signIn, openChartByName, screenshot, assert } from './lib.mjs';

await scenario('documents', async ({ page, url }) => {
  await page.goto(url);
  await signIn(page, url, 'him.tech');
  await openChartByName(page, url, 'Demo, Alex');
  await page.getByRole('tab', { name: 'Documents' }).click();
  const rows = page.locator('table.docs tbody tr');
  await rows.first().waitFor();
  const amended = rows.filter({ hasText: /amended/i }).first();
  assert(await amended.count(), 'an amended document is listed');
  await screenshot(page, 'documents-list');
  await amended.press('Enter');

  // Reading: the current version's text and the history.
  const text = page.locator('pre.doc-text');
  await text.waitFor();
  assert((await text.innerText()).length > 20, 'document text shown');
  const hist = page.locator('table.history tbody tr');
  const n = await hist.count();
  assert(n >= 2, `version history has ${n} versions`);
  assert(/amend/i.test(await hist.last().innerText()), 'the newest version is the amendment');
  await screenshot(page, 'document-read');

  // An older version stays readable.
  await hist.first().getByRole('link', { name: /Read version 1/ }).click();
  await page.locator('.view-head h3', { hasText: 'Version 1' }).waitFor();
  assert(/superseded/.test(await page.locator('.view-head h3').innerText()), 'version 1 marked superseded');

  // Side-by-side amendment view.
  await hist.last().getByRole('link', { name: /Compare version/ }).click();
  const diff = page.locator('table.diff');
  await diff.waitFor();
  const changed = await page.locator('table.diff tr.add, table.diff tr.del, table.diff tr.chg').count();
  assert(changed > 0, 'the diff highlights changed lines');
  const same = await page.locator('table.diff tr.same').count();
  assert(same > 0, 'unchanged lines are shown alongside');
  const stat = await page.locator('.diffstat').innerText();
  assert(/\+\d+/.test(stat), `diff stat: ${stat}`);
  await screenshot(page, 'document-amendment-diff');
});
