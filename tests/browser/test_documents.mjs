// Read the demo patient's discharge summary, its version history and the side-by-side view of
// the amendment (version N against N-1), with additions and removals highlighted.
import { scenario, signIn, openChartByName, screenshot, assert } from './lib.mjs';
import { client } from './completeness_seed.mjs';

await scenario('documents', async ({ page, url, guard }) => {
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

  // Sensitivity: tag the document, see it as the API has it, remove it with a reason (an empty
  // reason is refused with the server's message), the removal kept in the history.
  const docId = Number(/document\/(\d+)/.exec(page.url())[1]);
  const tech = await client(url, 'him.tech');
  const tags = page.locator('section.doc-tags');
  await tags.getByText('Not tagged').waitFor();
  await tags.getByLabel('Category').selectOption('genetic');
  await tags.getByLabel('Reason (optional)').fill('BRCA panel discussed');
  await tags.getByRole('button', { name: 'Tag' }).click();
  await tags.locator('li[data-tag="genetic"]').waitFor();
  let api = await tech('GET', `/documents/${docId}/tags`);
  assert(api.status === 200 && api.body.items.length === 1 && api.body.items[0].tag === 'genetic'
    && api.body.items[0].set_reason === 'BRCA panel discussed' && api.body.items[0].set_by === 'him.tech',
    `the API has the tag: ${JSON.stringify(api.body)}`);
  assert(/BRCA panel discussed/.test(await tags.locator('li[data-tag="genetic"]').innerText()), 'the reason is shown');
  await screenshot(page, 'document-tags');
  guard.expect('POST', /\/documents\/\d+\/tags\/genetic\/removal$/, 400);
  await tags.locator('li[data-tag="genetic"]').getByRole('button', { name: 'Remove' }).click();
  await tags.locator('.msg-error').waitFor();
  assert(/reason/i.test(await tags.locator('.msg-error').innerText()), 'removal without a reason refused with the server\'s message');
  await tags.getByLabel(/Why remove Genetic/).fill('not a genetic test result');
  await tags.locator('li[data-tag="genetic"]').getByRole('button', { name: 'Remove' }).click();
  await tags.getByText('Not tagged').waitFor();
  api = await tech('GET', `/documents/${docId}/tags?history=1`);
  assert(api.body.items.length === 1 && api.body.items[0].removed_reason === 'not a genetic test result',
    `the removal is kept: ${JSON.stringify(api.body)}`);
  assert(/Removed tags \(1\)/.test(await tags.locator('details summary').innerText()), 'the history lists the removed tag');

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
