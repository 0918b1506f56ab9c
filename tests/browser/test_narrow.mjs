// A narrow (400 px) window: the header wraps, forms stack, tables scroll inside their box and
// the amendment view stacks old over new; nothing makes the page scroll sideways.
import { scenario, signIn, openChartByName, screenshot, assert } from './lib.mjs';

async function noSideScroll(page, where) {
  const { sw, cw } = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth }));
  assert(sw <= cw + 1, `${where}: page scrolls sideways (${sw} > ${cw})`);
}

await scenario('narrow', async ({ page, url }) => {
  await page.goto(url);
  await noSideScroll(page, 'sign-in');
  await signIn(page, url, 'him.tech');
  await openChartByName(page, url, 'Demo');
  await noSideScroll(page, 'chart');
  await screenshot(page, 'narrow-chart');
  await page.getByRole('tab', { name: 'Encounters' }).click();
  await page.locator('svg.timeline').waitFor();
  await noSideScroll(page, 'encounters');
  await page.getByRole('tab', { name: 'Documents' }).click();
  const amended = page.locator('table.docs tbody tr').filter({ hasText: /amended/i }).first();
  await amended.press('Enter');
  await page.locator('table.history tbody tr').last().getByRole('link', { name: /Compare version/ }).click();
  await page.locator('table.diff').waitFor();
  await noSideScroll(page, 'amendment view');
  await screenshot(page, 'narrow-amendment');
  await page.getByRole('tab', { name: 'Results' }).click();
  await page.locator('svg.trend').waitFor();
  await noSideScroll(page, 'results');
}, { viewport: { width: 400, height: 800 } });
