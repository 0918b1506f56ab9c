// The delinquency dashboard, on the demo data with the shipped rules loaded: eight outpatient
// visits with procedures are analysed with the clock set an hour after each discharge (folio
// completeness analyze --now), so their deficiencies are outstanding from then on and the
// records become delinquent once the bylaws period has passed. The chart analyst opens Completeness › Delinquency, picks
// the months and the bylaws days, and sees
//   - the rate (average monthly delinquent records / average monthly discharges) with the 50%
//     threshold verdict, equal to the API's and to the rate computed here from its months;
//   - the plot: per month a discharges bar and a delinquent bar with the API's values, the
//     month's rate as a point, the 50% line;
//   - the months, by-provider and by-type tables and the aging buckets, all as the API says;
//   - the CSV download (text/csv, one line per month);
//   - a longer bylaws period changes the numbers, again as the API says.
import { scenario, screenshot, signIn, assert } from './lib.mjs';
import { client, loadRules, analysedInThePast, noSideScroll } from './completeness_seed.mjs';

function month(t) { return String(t).slice(0, 7); }
function addMonths(m, k) {
  const [y, mo] = m.split('-').map(Number);
  const d = new Date(Date.UTC(y, mo - 1 + k, 1));
  return d.toISOString().slice(0, 7);
}
const pct = (v) => (typeof v === 'number' ? v.toFixed(1) : '—');

async function compare(page, analyst, from, to, days) {
  const r = await analyst('GET', `/completeness/delinquency?from=${from}&to=${to}&bylaws_days=${days}`);
  assert(r.status === 200, `report: ${JSON.stringify(r.body)}`);
  const rep = r.body;
  // the rate the Joint Commission way, computed here from the months
  const n = rep.months.length;
  const sumDis = rep.months.reduce((a, m) => a + m.discharges, 0);
  const sumDel = rep.months.reduce((a, m) => a + m.delinquent, 0);
  assert(sumDis === rep.sum_discharges && sumDel === rep.sum_delinquent, 'the sums add up');
  const rate = sumDis ? (100 * (sumDel / n)) / (sumDis / n) : null;
  assert(rate !== null && Math.abs(rate - rep.rate_pct) < 1e-6, `rate ${rate} vs ${rep.rate_pct}`);
  assert(rep.finding === (rate >= rep.threshold_pct), 'the finding is rate >= threshold');

  await page.locator(`.delinq-summary[data-bylaws="${days}"][data-period="${from} to ${to}"]`).waitFor();
  assert(await page.locator('.delinq-summary [data-total="rate"]').innerText() === `${pct(rep.rate_pct)}%`, 'the rate');
  const verdict = await page.locator('.delinq-summary [data-finding]').getAttribute('data-finding');
  assert(verdict === String(rep.finding), `verdict ${verdict} vs finding ${rep.finding}`);
  assert(await page.locator('.delinq-summary [data-total="avg_discharges"]').innerText() === rep.avg_discharges.toFixed(1), 'average discharges');
  assert(await page.locator('.delinq-summary [data-total="avg_delinquent"]').innerText() === rep.avg_delinquent.toFixed(1), 'average delinquent');

  // the months table and the plot
  const rows = page.locator('table.delinq-months tbody tr');
  assert(await rows.count() === n, `${n} months listed`);
  for (let i = 0; i < n; i++) {
    const m = rep.months[i];
    const cells = await rows.nth(i).locator('td').allInnerTexts();
    assert(cells[0].startsWith(m.month) && Number(cells[2]) === m.discharges && Number(cells[3]) === m.delinquent,
      `month ${m.month}: ${cells.join('|')} vs ${JSON.stringify(m)}`);
    assert(cells[4] === (m.discharges ? pct((100 * m.delinquent) / m.discharges) : '—'), `month ${m.month} rate ${cells[4]}`);
    const dis = page.locator(`svg.delinq-plot rect.bar-dis[data-month="${m.month}"]`);
    const del = page.locator(`svg.delinq-plot rect.bar-del[data-month="${m.month}"]`);
    assert(Number(await dis.getAttribute('data-value')) === m.discharges, `plot: discharges of ${m.month}`);
    assert(Number(await del.getAttribute('data-value')) === m.delinquent, `plot: delinquent of ${m.month}`);
    const pt = page.locator(`svg.delinq-plot circle.rate-pt[data-month="${m.month}"]`);
    if (m.discharges) assert(await pt.getAttribute('data-rate') === ((100 * m.delinquent) / m.discharges).toFixed(1), `plot: rate of ${m.month}`);
    else assert(await pt.count() === 0, `plot: no rate for ${m.month} without discharges`);
  }
  assert(await page.locator(`svg.delinq-plot line.threshold[data-pct="${rep.threshold_pct}"]`).count() === 1, 'the threshold line');
  assert(Number(await page.locator('table.delinq-months tfoot [data-total="rate_pct"]').innerText()) === Number(pct(rep.rate_pct)), 'the rate in the table');

  // by provider, by type, aging
  const prov = await page.locator('table.delinq-providers tbody tr[data-id]').evaluateAll((trs) => trs.map((t) => [...t.cells].map((c) => c.innerText)));
  assert(prov.length === rep.providers.length, `providers: ${prov.length} vs ${rep.providers.length}`);
  rep.providers.forEach((p, i) => assert(Number(prov[i][1]) === p.records && Number(prov[i][2]) === p.deficiencies && (p.name ? prov[i][0] === p.name : true),
    `provider ${JSON.stringify(p)} vs ${prov[i].join('|')}`));
  const types = await page.locator('table.delinq-types tbody tr[data-rule]').evaluateAll((trs) => trs.map((t) => [...t.cells].map((c) => c.innerText)));
  assert(types.length === rep.types.length, 'types');
  rep.types.forEach((t, i) => assert(types[i][0] === t.rule && Number(types[i][1]) === t.records && Number(types[i][2]) === t.deficiencies, `type ${t.rule}`));
  for (const [k, v] of Object.entries(rep.aging)) {
    assert(Number(await page.locator(`.delinq-aging [data-bucket="${k}"] .b-count`).innerText()) === v, `aging ${k}: ${v}`);
  }
  return rep;
}

await scenario('delinquency', async ({ server, page, url }) => {
  await loadRules(server);
  const stays = await analysedInThePast(server, url, 'outpatient', 8, { skip: 250 });
  const analyst = await client(url, 'chart.analyst');
  const first = stays.map((s) => month(s.discharge_at)).sort()[0];
  const from = first;
  const to = addMonths(first, 5);

  await signIn(page, url, 'chart.analyst');
  await page.locator('header nav a', { hasText: 'Completeness' }).click();
  await page.getByRole('tab', { name: 'Delinquency' }).click();
  // the default: the twelve months to this one
  await page.locator('.delinq-summary').waitFor();
  const def = (await analyst('GET', '/completeness/delinquency')).body;
  assert(await page.locator('table.delinq-months tbody tr').count() === def.months.length, 'the default period');
  assert(await page.getByLabel('Bylaws days').inputValue() === String(def.bylaws_days), 'the default bylaws period is shown');

  await page.getByLabel('From month').fill(from);
  await page.getByLabel('To month').fill(to);
  await page.getByLabel('Bylaws days').fill('30');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.waitForURL(/from=/);
  const rep = await compare(page, analyst, from, to, 30);
  assert(rep.sum_delinquent > 0, `some records are delinquent in ${from}..${to}: ${JSON.stringify(rep.months)}`);
  assert(rep.providers.length > 0 && rep.types.length > 0, 'providers and types are named');
  await screenshot(page, 'delinquency-dashboard');

  // CSV: the same report
  const href = await page.locator('a.csv-download').getAttribute('href');
  const csv = await page.evaluate(async (h) => {
    const r = await fetch(h, { credentials: 'same-origin' });
    return { status: r.status, type: r.headers.get('Content-Type'), text: await r.text() };
  }, href);
  assert(csv.status === 200 && /text\/csv/.test(csv.type), `CSV: ${csv.status} ${csv.type}`);
  for (const m of rep.months) assert(csv.text.includes(m.month), `the CSV has ${m.month}`);

  // a longer bylaws period: fewer (or as many) delinquent records, as the API says
  await page.getByLabel('Bylaws days').fill('90');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.waitForURL(/bylaws_days=90/);
  const rep90 = await compare(page, analyst, from, to, 90);
  assert(rep90.sum_delinquent <= rep.sum_delinquent, `90 days: ${rep90.sum_delinquent} <= ${rep.sum_delinquent}`);
  await page.setViewportSize({ width: 400, height: 800 });
  await noSideScroll(page, 'delinquency, narrow');
});
