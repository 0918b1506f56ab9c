// The encoder in the browser (Code lookup, #/codes), on a demo database with the staged code
// sets (ICD-10-CM FY2021 + FY2026 valid codes, ICD-10-PCS FY2026): a coder
//   - finds a code by words ("type 2 diabetes hyperglycemia" -> E11.65 near the top), by
//     abbreviation ("CHF" -> a heart failure code I50.x first) and by code ("E11.9" exact first),
//     with the keyboard (↓, Enter) and the results announced in a live region;
//   - reads a code's notes: E11.65 shows the excludes1 and use-additional-code notes stated at E11,
//     and its title taken from the FY2021 code set; a stem that needs a 7th character (S52.501)
//     offers its 7th characters before it is picked;
//   - builds 0FT44ZZ (Resection of Gallbladder, Percutaneous Endoscopic Approach) step by step,
//     each step offering only valid values with their definitions, goes back with a breadcrumb
//     and sees the final code and title.
// Skipped (77) when ../shared/data/codesets is absent.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { scenario, screenshot, signIn, assert } from './lib.mjs';

const shared = process.env.FOLIO_SHARED || '';
if (!existsSync(path.join(shared, 'data', 'codesets', 'icd10pcs', 'icd10pcs_tables_2026.xml'))) {
  console.log(`SKIP: ${shared}/data/codesets is absent`);
  process.exit(77);
}

async function hitCodes(page) {
  return page.locator('.cx-list [role=option]').evaluateAll((els) => els.map((e) => e.dataset.code));
}

/** Types a query and waits until the list shows hits for it (the first hit satisfying ok). */
async function searchFor(page, box, text, ok) {
  await box.fill('');
  await box.fill(text);
  await page.waitForFunction(([sel]) => {
    const list = document.querySelector(sel);
    return list && !list.hidden && list.querySelector('[role=option]');
  }, ['.cx-list'], { timeout: 60000 });
  // wait for the answer to this query (older ones are dropped by the picker)
  await page.waitForFunction(() => /match/.test(document.querySelector('.cx-picker [role=status]').textContent || ''), null, { timeout: 60000 });
  for (let i = 0; i < 50; i++) {
    const codes = await hitCodes(page);
    if (ok(codes)) return codes;
    await page.waitForTimeout(100);
  }
  return hitCodes(page);
}

await scenario('encoder', async ({ page, url }) => {
  await page.goto(url);
  await signIn(page, url, 'coder');
  await page.getByRole('link', { name: 'Code lookup', exact: true }).click();
  const box = page.getByRole('combobox', { name: 'Find a code' });
  await box.waitFor();
  assert(await box.evaluate((e) => e === document.activeElement), 'the search box has the focus');

  // ---- by words ----
  let codes = await searchFor(page, box, 'type 2 diabetes hyperglycemia', (c) => c.includes('E1165'));
  assert(codes.slice(0, 3).includes('E1165'), `E11.65 near the top: ${codes.slice(0, 5)}`);
  const first = page.locator('.cx-list [role=option]').first();
  assert(/billable/.test(await first.innerText()), 'billable badge');
  const live = await page.locator('.cx-picker [role=status]').textContent();
  assert(/codes? .*match/.test(live), `results announced: ${live}`);
  // the panels keep their colours (class names must not collide with the timeline's enc-*)
  const bg = await page.locator('.cx-right').evaluate((e) => getComputedStyle(e).backgroundColor);
  assert(bg === 'rgb(255, 255, 255)', `detail panel background: ${bg}`);
  await screenshot(page, 'encoder-words');

  // keyboard: ↓ to E11.65, Enter shows its details with the notes stated at E11
  const idx = codes.indexOf('E1165');
  for (let i = 0; i <= idx; i++) await box.press('ArrowDown');
  assert((await page.locator('.cx-list [aria-selected=true]').getAttribute('data-code')) === 'E1165', 'E11.65 active');
  await box.press('Enter');
  const detail = page.locator('.cx-detail');
  await detail.locator('.cx-d-code', { hasText: 'E11.65' }).waitFor();
  await detail.locator('[data-note-type=excludes1]').waitFor();
  const excl = await detail.locator('[data-note-type=excludes1]').innerText();
  assert(/gestational diabetes/i.test(excl) && /stated at\s+E11/.test(excl), `excludes1 from E11: ${excl.slice(0, 300)}`);
  const useAdd = await detail.locator('[data-note-type=useAdditionalCode]').innerText();
  assert(/insulin \(Z79\.4\)/.test(useAdd), `use additional code: ${useAdd.slice(0, 200)}`);
  assert(/Title from the FY2021 code set/.test(await detail.innerText()), 'says the title comes from FY2021');
  assert(/#\/codes\?system=icd10cm&code=E1165/.test(page.url()), `the address keeps the code: ${page.url()}`);
  await screenshot(page, 'encoder-notes');

  // a referenced code is a link: Z79.4 opens its details
  await detail.locator('[data-note-type=useAdditionalCode] a', { hasText: 'Z79.4' }).first().click();
  await detail.locator('.cx-d-code', { hasText: 'Z79.4' }).waitFor();

  // ---- by abbreviation ----
  codes = await searchFor(page, box, 'CHF', (c) => c.length > 0 && c[0].startsWith('I50'));
  assert(codes[0].startsWith('I50'), `CHF -> a heart failure code first: ${codes.slice(0, 5)}`);
  await screenshot(page, 'encoder-abbreviation');

  // ---- by code ----
  codes = await searchFor(page, box, 'E11.9', (c) => c[0] === 'E119');
  assert(codes[0] === 'E119', `E11.9 exact first: ${codes.slice(0, 5)}`);
  assert((await page.locator('.cx-list [role=option]').first().locator('.cx-code').innerText()) === 'E11.9', 'dotted code shown');

  // ---- a stem that needs a 7th character ----
  codes = await searchFor(page, box, 'S52.501', (c) => c[0] === 'S52501');
  assert(/needs 7th/.test(await page.locator('.cx-list [role=option]').first().innerText()), 'needs-7th badge');
  await box.press('Enter');
  await page.locator('.cx-list [data-seventh=A]').waitFor();
  const sevText = await page.locator('.cx-list').innerText();
  assert(/initial encounter for closed fracture/.test(sevText), `7th characters offered: ${sevText.slice(0, 300)}`);
  await screenshot(page, 'encoder-seventh');
  await box.press('Enter'); // the first 7th character: A
  await detail.locator('.cx-d-code', { hasText: 'S52.501A' }).waitFor();

  // Escape closes the list, a second Escape clears the box
  await box.press('Escape');
  assert(await page.locator('.cx-list').isHidden(), 'Escape closes the list');
  await box.press('Escape');
  assert((await box.inputValue()) === '', 'second Escape clears');

  // ---- the PCS builder ----
  await page.getByRole('tab', { name: 'Build a PCS code' }).click();
  const pcs = page.locator('.cx-pcs');
  const step = async (position, value, labelRe) => {
    await pcs.locator('.cx-pcs-h', { hasText: `Position ${position} of 7` }).waitFor();
    const opt = pcs.locator(`.cx-pcs-opt[data-value="${value}"]`);
    const text = await opt.innerText();
    assert(labelRe.test(text), `position ${position}: ${value} is ${text}`);
    await opt.click();
  };
  await step(1, '0', /Medical and Surgical/);
  await step(2, 'F', /Hepatobiliary System and Pancreas/);
  await pcs.locator('.cx-pcs-h', { hasText: 'Position 3 of 7: Operation' }).waitFor();
  const resection = await pcs.locator('.cx-pcs-options li', { has: page.locator('.cx-pcs-opt[data-value="T"]') }).innerText();
  assert(/Cutting out or off, without replacement, all of a body part/.test(resection), `definition shown: ${resection}`);
  await step(3, 'T', /Resection/);
  await step(4, '4', /Gallbladder/);
  await pcs.locator('.cx-pcs-h', { hasText: 'Position 5 of 7: Approach' }).waitFor();
  // only the approaches the gallbladder's row allows
  const approaches = await pcs.locator('.cx-pcs-opt').evaluateAll((els) => els.map((e) => e.dataset.value));
  assert(approaches.join('') === '04', `approaches for 0FT4: ${approaches}`);
  const endo = await pcs.locator('.cx-pcs-options li', { has: page.locator('.cx-pcs-opt[data-value="4"]') }).innerText();
  assert(/Entry, by puncture or minor incision/.test(endo), `approach definition: ${endo}`);
  await screenshot(page, 'encoder-pcs-step');
  // a breadcrumb goes back to position 4
  await pcs.locator('.cx-pcs-crumbs button[data-position="4"]').click();
  await pcs.locator('.cx-pcs-h', { hasText: 'Position 4 of 7: Body Part' }).waitFor();
  assert(/#\/codes\/pcs\?prefix=0FT$/.test(page.url()), `the address keeps the prefix: ${page.url()}`);
  await step(4, '4', /Gallbladder/);
  await step(5, '4', /Percutaneous Endoscopic/);
  // keyboard: after a choice the focus is on the next step's first value; Enter chooses it
  await pcs.locator('.cx-pcs-h', { hasText: 'Position 6 of 7: Device' }).waitFor();
  const focused = await page.evaluate(() => document.activeElement && document.activeElement.dataset.value);
  assert(focused === 'Z', `focus on the first device value: ${focused}`);
  await page.keyboard.press('Enter');
  await step(7, 'Z', /No Qualifier/);
  await pcs.locator('.cx-pcs-done').waitFor();
  const done = await pcs.locator('.cx-pcs-code').innerText();
  assert(/0FT44ZZ/.test(done) && /Resection of Gallbladder, Percutaneous Endoscopic Approach/.test(done), `complete: ${done}`);
  await screenshot(page, 'encoder-pcs-complete');
  await pcs.getByRole('button', { name: 'Show its details' }).click();
  await detail.locator('.cx-d-code', { hasText: '0FT44ZZ' }).waitFor();
}, { codes: true });
