// The delinquency dashboard (a tab of the completeness screens, web/js/completeness.js): the
// medical record delinquency rate the Joint Commission way — average monthly delinquent records /
// average monthly discharges over a range of months, a finding at 50% or more — with a plot per
// month (discharges and delinquent records as bars, the month's rate as a line against the 50%
// threshold), the delinquent records by responsible provider and by deficiency type, the aging
// of outstanding deficiencies, and the same report as CSV. GET /api/v1/completeness/delinquency
// (docs/api.md "Chart completeness", definitions docs/completeness.md "Delinquency").
import { api, errorText } from './api.js';
import { h, s, mount, dash, fmtTime, field } from './dom.js';

const AGING = [['0-7', '0-7 days'], ['8-14', '8-14 days'], ['15-30', '15-30 days'], ['31-60', '31-60 days'], ['over-60', 'over 60 days'], ['not_overdue', 'not overdue']];

function hashFor(q) {
  const p = new URLSearchParams();
  for (const k of ['from', 'to', 'bylaws_days']) if (q[k]) p.set(k, q[k]);
  const t = p.toString();
  return t ? `#/completeness/delinquency?${t}` : '#/completeness/delinquency';
}

/** "12.3" for a percentage, "—" when undefined. */
export function pct(v) {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(1) : '—';
}

/**
 * A figure card of a report (an item of a ul.bucket-list): the value big, its label below.
 * opts: total (data-total of the value), bucket (data-bucket of the card), late (red unless
 * empty), empty (greyed), extra (a node after the label).
 */
export function figure(value, label, opts = {}) {
  return h('li', { class: ['bucket', 'total', opts.empty ? 'empty' : '', opts.late ? 'late' : ''], 'data-bucket': opts.bucket },
    h('span', { class: 'b-count', 'data-total': opts.total }, value), h('span', { class: 'b-label' }, label), opts.extra);
}

/**
 * GETs a report into a results box: "Loading…" meanwhile, the error in its place on failure.
 * The report, or null when it failed or the screen has changed meanwhile.
 */
export async function fetchReport(ctx, results, path, query) {
  mount(results, h('p', { class: 'muted' }, 'Loading…'));
  let r;
  try {
    r = await api('GET', path, { query });
  } catch (err) {
    if (ctx.isCurrent() && err.status !== 401) mount(results, h('div', { class: 'msg msg-error', role: 'alert' }, errorText(err)));
    return null;
  }
  return ctx.isCurrent() ? r : null;
}

/** The month's own rate (delinquent / discharges, %), null without discharges. */
export function monthRate(m) {
  return m.discharges > 0 ? (100 * m.delinquent) / m.discharges : null;
}

/**
 * Per month: discharges and delinquent records as bars (left axis, counts), the month's rate
 * as a line and points (right axis, 0-100%), and the threshold as a dashed line.
 */
export function delinquencyPlot(months, opts = {}) {
  const width = opts.width || 820, height = opts.height || 280;
  const left = 48, right = 52, top = 14, bottom = 40;
  const threshold = typeof opts.threshold === 'number' ? opts.threshold : 50;
  const svg = s('svg', {
    class: 'delinq-plot', viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img',
    'aria-label': `Delinquency by month: ${months.length} months, discharges and delinquent records, the monthly rate and the ${threshold}% threshold`,
  });
  if (!months.length) {
    svg.appendChild(s('text', { class: 'tick', x: width / 2, y: height / 2, 'text-anchor': 'middle', text: 'No months to plot' }));
    return svg;
  }
  const plotW = width - left - right, plotH = height - top - bottom;
  const maxCount = Math.max(1, ...months.map((m) => Math.max(m.discharges, m.delinquent)));
  // a round top for the count axis
  const mag = Math.pow(10, Math.floor(Math.log10(maxCount)));
  const stepC = [1, 2, 5, 10].map((k) => k * mag).find((st) => maxCount / st <= 5) || 10 * mag;
  const topC = Math.max(stepC, Math.ceil(maxCount / stepC) * stepC);
  const slot = plotW / months.length;
  const X = (i) => left + i * slot;
  const Yc = (v) => top + (1 - v / topC) * plotH;
  // the rate axis: 0-100%, longer when a month has more delinquent records than discharges
  const rates = months.map(monthRate).filter((r) => r !== null);
  const topP = Math.max(100, Math.ceil(Math.max(0, ...rates) / 100) * 100);
  const Yp = (v) => top + (1 - v / topP) * plotH;
  for (let v = 0; v <= topC + 1e-9; v += stepC) {
    svg.appendChild(s('line', { class: 'grid', x1: left, x2: width - right, y1: Yc(v), y2: Yc(v) }));
    svg.appendChild(s('text', { class: 'tick', x: left - 6, y: Yc(v) + 4, 'text-anchor': 'end', text: String(+v.toPrecision(6)) }));
  }
  for (let k = 0; k <= 4; k++) {
    const v = (topP * k) / 4;
    svg.appendChild(s('text', { class: 'tick', x: width - right + 6, y: Yp(v) + 4, text: `${+v.toPrecision(6)}%` }));
  }
  svg.appendChild(s('line', { class: 'axis', x1: left, x2: width - right, y1: top + plotH, y2: top + plotH }));
  svg.appendChild(s('line', { class: 'axis', x1: left, x2: left, y1: top, y2: top + plotH }));
  svg.appendChild(s('line', { class: 'axis', x1: width - right, x2: width - right, y1: top, y2: top + plotH }));
  const bw = Math.max(2, Math.min(22, slot * 0.32));
  const every = Math.max(1, Math.ceil(months.length / 12));
  months.forEach((m, i) => {
    const cx = X(i) + slot / 2;
    svg.appendChild(s('rect', { class: 'bar-dis', x: cx - bw - 1, y: Yc(m.discharges), width: bw, height: Math.max(0, Yc(0) - Yc(m.discharges)), 'data-month': m.month, 'data-value': m.discharges },
      s('title', { text: `${m.month}: ${m.discharges} discharges` })));
    svg.appendChild(s('rect', { class: 'bar-del', x: cx + 1, y: Yc(m.delinquent), width: bw, height: Math.max(0, Yc(0) - Yc(m.delinquent)), 'data-month': m.month, 'data-value': m.delinquent },
      s('title', { text: `${m.month}: ${m.delinquent} delinquent records` })));
    if (i % every === 0) svg.appendChild(s('text', { class: 'tick', x: cx, y: top + plotH + 15, 'text-anchor': 'middle', text: m.month }));
  });
  // the threshold, then the monthly rate on top
  svg.appendChild(s('line', { class: 'threshold', x1: left, x2: width - right, y1: Yp(threshold), y2: Yp(threshold), 'data-pct': threshold },
    s('title', { text: `${threshold}% threshold` })));
  svg.appendChild(s('text', { class: 'threshold-label', x: left + 4, y: Yp(threshold) - 4, text: `${threshold}% threshold` }));
  const pts = months.map((m, i) => ({ m, i, r: monthRate(m) })).filter((p) => p.r !== null);
  if (pts.length) {
    // the line breaks at a month without discharges (no rate)
    const d = pts.map((p, k) => `${k && pts[k - 1].i === p.i - 1 ? 'L' : 'M'}${(X(p.i) + slot / 2).toFixed(1)},${Yp(p.r).toFixed(1)}`).join(' ');
    svg.appendChild(s('path', { class: 'rateline', d }));
    for (const p of pts) {
      svg.appendChild(s('circle', { class: p.r >= threshold ? 'rate-pt over' : 'rate-pt', cx: X(p.i) + slot / 2, cy: Yp(p.r), r: 3.5, 'data-month': p.m.month, 'data-rate': p.r.toFixed(1) },
        s('title', { text: `${p.m.month}: ${pct(p.r)}% (${p.m.delinquent} of ${p.m.discharges})${p.m.partial ? ', month not over' : ''}` })));
    }
  }
  return svg;
}

export async function delinquencyView(ctx, tabs) {
  const { app, main, query } = ctx;
  app.setTitle('Delinquency');
  const q = { from: query.get('from') || '', to: query.get('to') || '', bylaws_days: query.get('bylaws_days') || '' };
  const from = h('input', { type: 'month', name: 'from', value: q.from, placeholder: 'YYYY-MM', 'data-search-focus': '' });
  const to = h('input', { type: 'month', name: 'to', value: q.to, placeholder: 'YYYY-MM' });
  const days = h('input', { type: 'number', name: 'bylaws_days', min: 0, max: 3660, value: q.bylaws_days, placeholder: '30', size: 5 });
  const results = h('div', { class: 'results', 'aria-live': 'polite' });
  const form = h('form', {
    class: 'inline-form delinq-form', 'aria-label': 'Delinquency report',
    onsubmit: (e) => {
      e.preventDefault();
      app.navigate(hashFor({ from: from.value, to: to.value, bylaws_days: days.value }));
    },
  },
  field('From month', from), field('To month', to), field('Bylaws days', days, 'days after discharge'),
  h('div', { class: 'field actions' }, h('button', { type: 'submit', class: 'primary' }, 'Show')));
  mount(main, h('section', { class: 'panel completeness delinquency' }, h('h1', 'Chart completeness'), tabs('delinquency'), form, results));
  const r = await fetchReport(ctx, results, '/completeness/delinquency', q);
  if (!r) return;
  const months = r.months || [];
  if (!from.value && months.length) from.value = months[0].month;
  if (!to.value && months.length) to.value = months[months.length - 1].month;
  if (!days.value) days.value = String(r.bylaws_days);
  const threshold = typeof r.threshold_pct === 'number' ? r.threshold_pct : 50;
  const csv = new URLSearchParams({ bylaws_days: String(r.bylaws_days), format: 'csv' });
  if (months.length) { csv.set('from', months[0].month); csv.set('to', months[months.length - 1].month); }
  const period = months.length ? `${months[0].month} to ${months[months.length - 1].month}` : '';
  const rateDefined = typeof r.rate_pct === 'number';
  const verdict = !rateDefined ? h('span', { class: 'badge', 'data-finding': 'none' }, 'no discharges')
    : r.finding ? h('span', { class: 'badge finding-yes', 'data-finding': 'true' }, `at or above ${threshold}%: a finding`)
      : h('span', { class: 'badge finding-no', 'data-finding': 'false' }, `below the ${threshold}% threshold`);
  const ag = r.aging || {};
  mount(results,
    h('ul', { class: 'bucket-list delinq-summary', 'aria-label': 'Delinquency rate', 'data-bylaws': r.bylaws_days, 'data-period': period },
      figure(rateDefined ? `${pct(r.rate_pct)}%` : '—', 'delinquency rate', { total: 'rate', late: r.finding, extra: verdict }),
      figure(Number(r.avg_delinquent).toFixed(1), 'delinquent records / month', { total: 'avg_delinquent' }),
      figure(Number(r.avg_discharges).toFixed(1), 'discharges / month', { total: 'avg_discharges' }),
      figure(String(months.length), 'months', { total: 'months' })),
    h('p', { class: 'hint' }, `${period}: average monthly delinquent records (${r.sum_delinquent} in all) / average monthly discharges (${r.sum_discharges} in all). A record is delinquent when a deficiency is still outstanding more than ${r.bylaws_days} days after discharge; each month is measured at its end (as of ${fmtTime(r.as_of)} for the current month).`),
    h('div', { class: 'plot-wrap' },
      h('div', { class: 'legend' },
        h('span', h('span', { class: 'swatch sw-dis' }), 'discharges'), h('span', h('span', { class: 'swatch sw-del' }), 'delinquent records'),
        h('span', h('span', { class: 'swatch sw-rate' }), 'monthly rate (right axis)'), h('span', h('span', { class: 'swatch sw-thr' }), `${threshold}% threshold`)),
      delinquencyPlot(months, { threshold })),
    h('div', { class: 'table-wrap' }, h('table', { class: 'grid-table delinq-months' },
      h('caption', 'By month'),
      h('thead', h('tr', ['Month', 'Measured at', 'Discharges', 'Delinquent', 'Rate %'].map((x) => h('th', x)))),
      h('tbody', months.map((m) => h('tr', { 'data-month': m.month },
        h('td', m.month, m.partial ? h('span', { class: 'small muted' }, ' (not over)') : null), h('td', { class: 'small' }, fmtTime(m.measured_at)),
        h('td', { class: 'num' }, String(m.discharges)), h('td', { class: 'num' }, String(m.delinquent)),
        h('td', { class: ['num', monthRate(m) !== null && monthRate(m) >= threshold ? 'late' : ''] }, pct(monthRate(m)))))),
      h('tfoot', h('tr', h('th', 'Average'), h('td'), h('td', { class: 'num' }, Number(r.avg_discharges).toFixed(2)),
        h('td', { class: 'num' }, Number(r.avg_delinquent).toFixed(2)), h('td', { class: 'num', 'data-total': 'rate_pct' }, pct(r.rate_pct)))))),
    h('div', { class: 'cols delinq-cols' },
      h('div', h('div', { class: 'table-wrap' }, h('table', { class: 'grid-table delinq-providers' },
        h('caption', `By responsible provider (at ${fmtTime(r.measured_at)})`),
        h('thead', h('tr', ['Provider', 'Delinquent records', 'Deficiencies'].map((x) => h('th', x)))),
        h('tbody', (r.providers || []).length ? r.providers.map((p) => h('tr', { 'data-id': p.id === null ? '' : p.id },
          h('td', p.name || h('span', { class: 'muted' }, 'nobody named')), h('td', { class: 'num' }, String(p.records)), h('td', { class: 'num' }, String(p.deficiencies))))
          : h('tr', h('td', { colspan: 3, class: 'muted' }, 'No delinquent records.')))))),
      h('div', h('div', { class: 'table-wrap' }, h('table', { class: 'grid-table delinq-types' },
        h('caption', 'By deficiency type (rule)'),
        h('thead', h('tr', ['Rule', 'Delinquent records', 'Deficiencies'].map((x) => h('th', x)))),
        h('tbody', (r.types || []).length ? r.types.map((t) => h('tr', { 'data-rule': t.rule },
          h('td', { class: 'mono' }, t.rule), h('td', { class: 'num' }, String(t.records)), h('td', { class: 'num' }, String(t.deficiencies))))
          : h('tr', h('td', { colspan: 3, class: 'muted' }, 'No delinquent records.'))))))),
    h('h2', 'Aging of outstanding deficiencies', h('span', { class: 'muted small' }, ` — days past due, at ${fmtTime(r.measured_at)}`)),
    h('ul', { class: 'bucket-list delinq-aging', 'aria-label': 'Aging: outstanding deficiencies by days past due' },
      AGING.map(([k, label]) => figure(dash(ag[k]), label, { bucket: k, empty: !ag[k], late: k === '31-60' || k === 'over-60' }))),
    h('p', h('a', { class: 'csv-download', href: `/api/v1/completeness/delinquency?${csv}`, download: `delinquency-${period.replace(' to ', '-to-') || 'report'}.csv` }, 'Download CSV')));
}
