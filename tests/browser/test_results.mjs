// Lab results: the table with abnormal flags highlighted and a trend plot of a chosen test.
import { scenario, signIn, openChartByName, screenshot, assert } from './lib.mjs';

await scenario('results', async ({ page, url }) => {
  await page.goto(url);
  await signIn(page, url, 'him.tech');
  await openChartByName(page, url, 'Demo, Alex');
  await page.getByRole('tab', { name: 'Results' }).click();
  const rows = page.locator('table.results tbody tr');
  await rows.first().waitFor();
  assert(await page.locator('table.results .flag').count() > 0, 'an abnormal flag is highlighted');
  assert(await page.locator('table.results tr.abn').count() > 0, 'abnormal rows are marked');

  // The plot: a line, points, and the reference band when the range parses.
  const plot = page.locator('svg.trend');
  await plot.waitFor();
  const select = page.getByLabel('Test', { exact: true });
  const options = await select.locator('option').allInnerTexts();
  assert(options.length >= 1, 'tests to choose from');
  let drawn = false;
  for (let i = 0; i < options.length && !drawn; i++) {
    await select.selectOption({ index: i });
    drawn = (await plot.locator('circle.pt').count()) >= 2 && (await plot.locator('path.trendline').count()) === 1;
  }
  assert(drawn, 'a trend line with at least two points is drawn for some test');
  const band = await plot.locator('rect.refband').count();
  console.log(`reference band: ${band ? 'shown' : 'not parseable for this test'}`);
  await page.getByLabel('Only abnormal').check();
  const abnRows = await rows.count();
  const flagged = await page.locator('table.results tbody tr.abn').count();
  assert(abnRows === flagged, 'only abnormal rows after filtering');
  await page.getByLabel('Only abnormal').uncheck();
  await screenshot(page, 'results-trend');
});
