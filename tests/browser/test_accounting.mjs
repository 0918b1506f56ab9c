// The accounting of disclosures (45 CFR 164.528), on the demo data (src/cli/demo_roi.c: the
// demo patient's released court order and public health report are listed, the patient's own
// copy is not), read by the privacy officer (roi.read):
//   - reached from the queue's "accounting" link of a request of the demo patient;
//   - the six-year window, exactly the API's items in the API's order (date, recipient,
//     description, purpose, basis) and its count of excluded disclosures;
//   - the PDF link answers application/pdf (%PDF); the JSON link answers the same items;
//   - another "Requested on" date: the window moves, and before every disclosure nothing is
//     listed;
//   - reached from the request screen; no sideways scroll at 400 px; no form for the reader;
//   - the ROI specialist records a disclosure made outside a request (an abuse report): listed,
//     as the API lists it; one to the patient's insurer for payment is counted as excluded.
import { scenario, screenshot, signIn, signOut, assert } from './lib.mjs';
import { client, noSideScroll } from './completeness_seed.mjs';

async function compare(page, acc) {
  await page.locator(`.roi-window[data-from="${acc.from}"][data-to="${acc.to}"]`).waitFor();
  const rows = page.locator('table.roi-accounting tbody tr');
  const got = acc.items.length ? await rows.evaluateAll((trs) => trs.map((t) => ({ id: Number(t.dataset.id), cells: [...t.cells].map((c) => c.innerText) }))) : [];
  if (!acc.items.length) {
    assert(await page.locator('.roi-acc-none').count() === 1 && await rows.count() === 0, 'nothing listed');
  }
  assert(got.length === acc.items.length, `rows ${got.length} vs ${acc.items.length}`);
  acc.items.forEach((d, i) => {
    const c = got[i].cells;
    assert(got[i].id === d.id, `row ${i}: disclosure ${got[i].id} vs ${d.id}`);
    assert(c[0] === d.disclosed_on, `date ${c[0]} vs ${d.disclosed_on}`);
    assert(c[1].startsWith(d.recipient) && (!d.recipient_address || c[1].includes(d.recipient_address)), `recipient ${c[1]}`);
    assert(c[2] === d.description && c[3] === d.purpose, `description and purpose of ${d.id}: ${c[2]} | ${c[3]}`);
    assert(c[4].includes(d.cite), `basis of ${d.id}: ${c[4]} (${d.cite})`);
  });
  assert(Number(await page.locator('.roi-excluded-count').getAttribute('data-n')) === acc.n_excluded, 'the excluded count');
  assert((await page.locator('.roi-excluded-count').innerText()).startsWith(`${acc.n_excluded} disclosure`), 'the excluded count shown');
}

await scenario('accounting', async ({ page, url }) => {
  const privacy = await client(url, 'privacy');
  const pats = await privacy('GET', '/patients?mrn=DEMO0001');
  assert(pats.status === 200 && pats.body.items.length === 1, `the demo patient: ${JSON.stringify(pats.body).slice(0, 200)}`);
  const pid = pats.body.items[0].id;
  const acc = (await privacy('GET', `/patients/${pid}/accounting`)).body;
  assert(acc.items.length >= 2 && acc.n_excluded >= 1, `the demo's accounting: ${JSON.stringify(acc).slice(0, 400)}`);

  // from the queue (the released requests of the demo patient)
  await signIn(page, url, 'privacy');
  await page.goto(`${url}#/roi?status=released`);
  const link = page.locator('table.roi-queue tbody tr').filter({ hasText: 'DEMO0001' }).first().getByRole('link', { name: /Accounting of disclosures/ });
  await link.click();
  await page.waitForURL(new RegExp(`#/roi/accounting/${pid}$`));
  await compare(page, acc);
  assert((await page.locator('main h1').innerText()).includes(acc.patient.name), 'the patient named');
  await screenshot(page, 'roi-accounting');

  // the PDF and the JSON
  const pdfHref = await page.locator('a.roi-acc-pdf').getAttribute('href');
  const pdf = await page.request.get(new URL(pdfHref, url).toString());
  assert(pdf.status() === 200 && /application\/pdf/.test(pdf.headers()['content-type']), `PDF: ${pdf.status()} ${pdf.headers()['content-type']}`);
  assert((await pdf.body()).subarray(0, 4).toString() === '%PDF', 'a PDF');
  const json = await page.request.get(new URL(await page.locator('a.roi-acc-json').getAttribute('href'), url).toString());
  const j = await json.json();
  assert(json.status() === 200 && JSON.stringify(j.items.map((d) => d.id)) === JSON.stringify(acc.items.map((d) => d.id)), 'the JSON link');

  // another date: the window moves; before any disclosure nothing is listed
  const first = acc.items[0].disclosed_on;
  const before = new Date(Date.parse(`${first}T00:00:00Z`) - 86400000).toISOString().slice(0, 10);
  await page.getByLabel('Requested on').fill(before);
  await page.getByRole('button', { name: 'Show' }).click();
  await page.waitForURL(/on=/);
  const acc2 = (await privacy('GET', `/patients/${pid}/accounting?on=${before}`)).body;
  assert(acc2.items.length < acc.items.length, `fewer listed on ${before}: ${acc2.items.length}`);
  await compare(page, acc2);
  const pdf2 = await page.request.get(new URL(await page.locator('a.roi-acc-pdf').getAttribute('href'), url).toString());
  assert(pdf2.status() === 200 && /application\/pdf/.test(pdf2.headers()['content-type']), 'the dated PDF');
  await page.getByLabel('Requested on').fill('2010-01-01');
  await page.getByRole('button', { name: 'Show' }).click();
  const acc3 = (await privacy('GET', `/patients/${pid}/accounting?on=2010-01-01`)).body;
  assert(acc3.items.length === 0, 'nothing in 2010');
  await compare(page, acc3);

  // from a request screen
  const q = (await privacy('GET', '/roi/requests?status=released')).body.items.find((x) => x.patient_id === pid);
  await page.goto(`${url}#/roi/${q.id}`);
  await page.getByRole('link', { name: 'Accounting of disclosures' }).click();
  await page.waitForURL(new RegExp(`#/roi/accounting/${pid}$`));
  await compare(page, acc);

  assert(await page.locator('form.roi-disclose').count() === 0, 'no disclosure form for the privacy officer');
  await page.setViewportSize({ width: 400, height: 800 });
  await noSideScroll(page, 'accounting, narrow');
  await page.setViewportSize({ width: 1280, height: 800 });

  // ---- the ROI specialist records disclosures made outside a request
  await signOut(page);
  await signIn(page, url, 'roi');
  await page.goto(`${url}#/roi/accounting/${pid}`);
  await page.locator('.roi-window').waitFor();
  const record = async (fields) => {
    await page.locator('details.roi-disclose-card > summary').click();
    const f = page.locator('form.roi-disclose');
    for (const [label, v] of Object.entries(fields)) {
      if (label === 'Basis') await f.getByLabel(label, { exact: true }).selectOption(v);
      else await f.getByLabel(label, { exact: true }).fill(v);
    }
    await f.getByRole('button', { name: 'Record the disclosure' }).click();
    await page.locator('#flash .msg-ok', { hasText: `Disclosure to ${fields.Recipient} recorded` }).waitFor();
  };
  const today = acc.requested_on;
  await record({ 'Disclosed on': today, Recipient: 'Douglas County Adult Protective Services', 'Recipient address': '1819 Farnam Street, Omaha NE',
    'What was disclosed': 'Emergency department note of the visit', Purpose: 'Report of suspected abuse', Basis: 'abuse_neglect' });
  const acc4 = (await privacy('GET', `/patients/${pid}/accounting`)).body;
  assert(acc4.items.length === acc.items.length + 1 && acc4.items.some((d) => d.basis === 'abuse_neglect'), `the report listed: ${JSON.stringify(acc4.items.map((d) => d.basis))}`);
  await compare(page, acc4);
  await record({ 'Disclosed on': today, Recipient: 'Great Plains Health Plan', 'What was disclosed': 'Itemized bill', Purpose: 'Claim payment', Basis: 'tpo' });
  const acc5 = (await privacy('GET', `/patients/${pid}/accounting`)).body;
  assert(acc5.items.length === acc4.items.length && acc5.n_excluded === acc4.n_excluded + 1, 'a payment disclosure is counted, not listed');
  await compare(page, acc5);
  await screenshot(page, 'roi-accounting-recorded');
});
