// The physician query report (a tab of the completeness screens, web/js/completeness.js, for
// roles with query.write): over the encounters discharged in a period, the query rate per
// discharge, how many were answered, the median and 90th-percentile response time in hours and
// the agreement rate (answers that took one of the query's clinical options), in all, by author
// and by addressed provider, and the aging of the queries still open. GET /api/v1/queries/report
// (docs/api.md "Chart completeness"; `to` is exclusive).
import { h, mount, field } from './dom.js';
import { figure, fetchReport } from './delinquency.js';

function hashFor(q) {
  const p = new URLSearchParams();
  for (const k of ['from', 'to']) if (q[k]) p.set(k, q[k]);
  const t = p.toString();
  return t ? `#/completeness/queries?${t}` : '#/completeness/queries';
}

const num = (v) => typeof v === 'number' && Number.isFinite(v);
/** Queries per discharge: "0.25". */
export function fmtRate(s) { return s.discharges > 0 && num(s.rate) ? s.rate.toFixed(2) : '—'; }
/** Response hours: "12.5", "—" without answers. */
export function fmtHours(s, v) { return s.answered > 0 && num(v) ? v.toFixed(1) : '—'; }
/** Agreement rate (a fraction) as a percentage: "75.0%", "—" without answers. */
export function fmtAgree(s) { return s.answered > 0 && num(s.agreement_rate) ? `${(100 * s.agreement_rate).toFixed(1)}%` : '—'; }

const COLS = ['Queries', 'Per discharge', 'Answered', 'Median h', '90th pct h', 'Agreed', 'Agreement'];

function statsCells(s) {
  return [String(s.queries), fmtRate(s), String(s.answered), fmtHours(s, s.median_hours), fmtHours(s, s.p90_hours), String(s.agreed), fmtAgree(s)]
    .map((x) => h('td', { class: 'num' }, x));
}

function statsTable(cls, caption, who, rows, key) {
  return h('div', { class: 'table-wrap' }, h('table', { class: `grid-table ${cls}` },
    h('caption', caption),
    h('thead', h('tr', [who, ...COLS].map((x) => h('th', x)))),
    h('tbody', rows.length ? rows.map((x) => h('tr', { 'data-key': key(x) }, h('td', x.who || h('span', { class: 'muted' }, 'nobody named')), statsCells(x)))
      : h('tr', h('td', { colspan: COLS.length + 1, class: 'muted' }, 'No queries.')))));
}

export async function queryReportView(ctx, tabs) {
  const { app, main, query } = ctx;
  app.setTitle('Query report');
  const q = { from: query.get('from') || '', to: query.get('to') || '' };
  const from = h('input', { type: 'date', name: 'from', value: q.from, 'data-search-focus': '' });
  const to = h('input', { type: 'date', name: 'to', value: q.to });
  const results = h('div', { class: 'results', 'aria-live': 'polite' });
  const form = h('form', {
    class: 'inline-form delinq-form', 'aria-label': 'Query report',
    onsubmit: (e) => { e.preventDefault(); app.navigate(hashFor({ from: from.value, to: to.value })); },
  },
  field('From date', from, 'discharged on or after'), field('To date', to, 'discharged before'),
  h('div', { class: 'field actions' }, h('button', { type: 'submit', class: 'primary' }, 'Show')));
  mount(main, h('section', { class: 'panel completeness query-report' }, h('h1', 'Chart completeness'), tabs('queries'), form, results));
  const r = await fetchReport(ctx, results, '/queries/report', q);
  if (!r) return;
  if (!from.value) from.value = r.from;
  if (!to.value) to.value = r.to;
  const t = r.total || {};
  const ag = r.aging || { open: 0, buckets: [] };
  const period = `${r.from} to ${r.to}`;
  mount(results,
    h('ul', { class: 'bucket-list qr-summary', 'aria-label': 'Query totals', 'data-period': period },
      figure(fmtRate(t), 'queries per discharge', { total: 'rate' }),
      figure(`${t.answered} of ${t.queries}`, 'answered', { total: 'answered' }),
      figure(fmtHours(t, t.median_hours), 'median response hours', { total: 'median_hours' }),
      figure(fmtHours(t, t.p90_hours), '90th percentile response hours', { total: 'p90_hours' }),
      figure(fmtAgree(t), `agreement (${t.agreed} agreed)`, { total: 'agreement_rate' })),
    h('p', { class: 'hint' }, `Queries sent about the ${t.discharges} encounters discharged from ${r.from} up to (not including) ${r.to}. Response hours run from sending to the answer; an answer agrees when it takes one of the query's clinical options.`),
    statsTable('qr-authors', 'By author', 'Author', r.by_author || [], (x) => x.who),
    statsTable('qr-providers', 'By addressed provider (per discharge: of the encounters they attended)', 'Provider', r.by_provider || [], (x) => x.provider_id),
    h('h2', 'Aging of open queries', h('span', { class: 'muted small' }, ` — every query sent and not yet answered, whatever the period: ${ag.open} open, the oldest ${ag.open ? `${Number(ag.oldest_hours).toFixed(1)} hours` : '—'}`)),
    h('ul', { class: 'bucket-list qr-aging', 'aria-label': 'Aging: open queries by hours since sent' },
      (ag.buckets || []).map((b, i) => figure(String(b.count), b.label, { bucket: b.label, empty: !b.count, late: i >= 2 }))));
}
