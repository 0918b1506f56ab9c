// The case-mix report (a tab of the coding screens, web/js/coding.js): the final-coded inpatient
// stays of a discharge period, regrouped with the MS-DRG version in force and weighed with Table 5,
// by discharge month, hospital service or attending physician: stays, total weight and the
// case-mix index (mean relative weight), as a table, a bar plot and a CSV download.
// GET /api/v1/coding/casemix (docs/api.md "MS-DRG"); the server audits the report.
import { api, errorText } from './api.js';
import { h, s, mount, dash, field } from './dom.js';

const BY = [['month', 'Discharge month'], ['service', 'Service'], ['physician', 'Attending physician']];

function hashFor(q) {
  const p = new URLSearchParams();
  for (const k of ['from', 'to', 'by']) if (q[k]) p.set(k, q[k]);
  if (q.fallback) p.set('fallback', 'true');
  const t = p.toString();
  return t ? `#/coding/casemix?${t}` : '#/coding/casemix';
}

function fmt4(v) {
  return typeof v === 'number' ? v.toFixed(4) : '—';
}

/** Horizontal bars of the CMI of each row, with the stays as a note. */
export function cmiBars(items, opts = {}) {
  const rows = items.filter((x) => typeof x.cmi === 'number');
  const barH = 20, gap = 6, left = opts.left || 170, right = 70, top = 6, axisH = 22;
  const width = opts.width || 760;
  const height = top + Math.max(1, rows.length) * (barH + gap) + axisH;
  const svg = s('svg', {
    class: 'cmi-bars', viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img',
    'aria-label': `Case-mix index by ${opts.by || 'group'}: ${rows.length} bars`,
  });
  if (!rows.length) {
    svg.appendChild(s('text', { class: 'tick', x: width / 2, y: height / 2, 'text-anchor': 'middle', text: 'No weighed stays to plot' }));
    return svg;
  }
  const max = Math.max(...rows.map((x) => x.cmi), 0.0001);
  // a round top for the axis: 0.5 steps up to 3, then 1
  const step = max > 3 ? 1 : 0.5;
  const top2 = Math.ceil(max / step) * step;
  const X = (v) => left + (v / top2) * (width - left - right);
  const axisY = top + rows.length * (barH + gap);
  for (let v = 0; v <= top2 + 1e-9; v += step) {
    svg.appendChild(s('line', { class: 'grid', x1: X(v), x2: X(v), y1: top, y2: axisY }));
    svg.appendChild(s('text', { class: 'tick', x: X(v), y: axisY + 15, 'text-anchor': 'middle', text: v.toFixed(1) }));
  }
  rows.forEach((x, i) => {
    const y = top + i * (barH + gap);
    const label = x.label.length > 26 ? `${x.label.slice(0, 25)}…` : x.label;
    svg.appendChild(s('text', { class: 'lane-label', x: left - 6, y: y + barH / 2 + 4, 'text-anchor': 'end', text: label }));
    svg.appendChild(s('rect', { class: 'cmi-bar', x: left, y, width: Math.max(1, X(x.cmi) - left), height: barH, rx: 2, 'data-key': x.key },
      s('title', { text: `${x.label}: CMI ${fmt4(x.cmi)}, ${x.weighed} weighed of ${x.stays} stays` })));
    svg.appendChild(s('text', { class: 'tick', x: X(x.cmi) + 4, y: y + barH / 2 + 4, text: `${fmt4(x.cmi)} (${x.weighed})` }));
  });
  svg.appendChild(s('line', { class: 'axis', x1: left, x2: left, y1: top, y2: axisY }));
  return svg;
}

export async function casemixView(ctx, tabs) {
  const { app, main, query } = ctx;
  app.setTitle('Case mix');
  const q = { from: query.get('from') || '', to: query.get('to') || '', by: query.get('by') || 'month', fallback: query.get('fallback') === 'true' };
  const from = h('input', { type: 'date', name: 'from', value: q.from });
  const to = h('input', { type: 'date', name: 'to', value: q.to });
  const by = h('select', { name: 'by' }, BY.map(([v, t]) => h('option', { value: v, selected: v === q.by }, t)));
  const fb = h('input', { type: 'checkbox', name: 'fallback', checked: q.fallback });
  const results = h('div', { class: 'results', 'aria-live': 'polite' });
  const form = h('form', {
    class: 'inline-form casemix-form', 'aria-label': 'Case-mix report',
    onsubmit: (e) => {
      e.preventDefault();
      app.navigate(hashFor({ from: from.value, to: to.value, by: by.value, fallback: fb.checked }));
    },
  },
  field('Discharged from', from), field('To', to), field('By', by),
  h('div', { class: 'field check' }, h('label', fb, ' Regroup stays no loaded version covers with the newest version')),
  h('div', { class: 'field actions' }, h('button', { type: 'submit', class: 'primary' }, 'Show')));
  by.addEventListener('change', () => form.requestSubmit());
  mount(main, h('section', { class: 'panel coding casemix' }, h('h1', 'Coding'), tabs('casemix'), form, results));
  mount(results, h('p', { class: 'muted' }, 'Loading…'));

  const params = { from: q.from, to: q.to, by: q.by, fallback: q.fallback ? 'true' : undefined };
  let r;
  try {
    r = await api('GET', '/coding/casemix', { query: params });
  } catch (err) {
    if (!ctx.isCurrent() || err.status === 401) return;
    mount(results, h('div', { class: err.status === 409 ? 'msg msg-info' : 'msg msg-error', role: 'alert' }, errorText(err)));
    return;
  }
  if (!ctx.isCurrent()) return;
  if (!from.value) from.value = r.from;
  if (!to.value) to.value = r.to;
  const items = r.items || [];
  const t = r.total || {};
  const csv = new URLSearchParams({ from: r.from, to: r.to, by: r.by, format: 'csv' });
  if (r.fallback) csv.set('fallback', 'true');
  const byText = (BY.find(([v]) => v === r.by) || [r.by, r.by])[1].toLowerCase();
  const notes = [];
  if (!r.weights_loaded) notes.push('No Table 5 is loaded on the server: the stays are grouped but have no weight, so there is no case-mix index.');
  if (t.no_version) notes.push(`${t.no_version} stay${t.no_version === 1 ? '' : 's'} discharged when no loaded MS-DRG version was in force (${r.versions_loaded}) ${t.no_version === 1 ? 'is' : 'are'} not grouped: tick "Regroup…" to group them with v${r.newest_version}.`);
  if (t.fallback) notes.push(`${t.fallback} stay${t.fallback === 1 ? ' was' : 's were'} grouped with v${r.newest_version}, a version not in force on ${t.fallback === 1 ? 'its' : 'their'} discharge date.`);
  if (t.grouped > t.weighed) notes.push(`${t.grouped - t.weighed} grouped stay${t.grouped - t.weighed === 1 ? ' has' : 's have'} no weight (a DRG without a Table 5 row, such as 999) and ${t.grouped - t.weighed === 1 ? 'is' : 'are'} left out of the CMI.`);
  if (t.no_principal) notes.push(`${t.no_principal} final stay${t.no_principal === 1 ? ' has' : 's have'} no principal diagnosis.`);
  const caption = `Final-coded inpatient stays discharged ${r.from} to ${r.to}, by ${byText}`;
  if (!items.length) {
    mount(results, h('p', { class: 'muted', role: 'status' }, `${caption}: none.`), notes.map((n) => h('p', { class: 'hint' }, n)));
    return;
  }
  mount(results,
    h('ul', { class: 'bucket-list casemix-summary', 'aria-label': 'Totals' },
      h('li', { class: 'bucket total' }, h('span', { class: 'b-count', 'data-total': 'stays' }, String(t.stays)), h('span', { class: 'b-label' }, 'stays')),
      h('li', { class: 'bucket total' }, h('span', { class: 'b-count', 'data-total': 'cmi' }, fmt4(t.cmi)), h('span', { class: 'b-label' }, 'case-mix index')),
      h('li', { class: 'bucket total' }, h('span', { class: 'b-count' }, fmt4(t.total_weight)), h('span', { class: 'b-label' }, 'total weight'))),
    h('div', { class: 'plot-wrap' }, cmiBars(items, { by: byText })),
    h('div', { class: 'table-wrap' }, h('table', { class: 'grid-table casemix-table' },
      h('caption', caption),
      h('thead', h('tr', [BY.find(([v]) => v === r.by)[1], 'Stays', 'Grouped', 'Weighed', 'Total weight', 'CMI'].map((x) => h('th', x)))),
      h('tbody', items.map((x) => h('tr', { 'data-key': x.key },
        h('td', x.label), h('td', { class: 'num' }, String(x.stays)), h('td', { class: 'num' }, String(x.grouped)),
        h('td', { class: 'num' }, String(x.weighed)), h('td', { class: 'num' }, fmt4(x.total_weight)),
        h('td', { class: 'num cmi' }, fmt4(x.cmi))))),
      h('tfoot', h('tr', h('th', 'All stays'), h('td', { class: 'num' }, String(t.stays)), h('td', { class: 'num' }, String(t.grouped)),
        h('td', { class: 'num' }, String(t.weighed)), h('td', { class: 'num' }, fmt4(t.total_weight)), h('td', { class: 'num cmi' }, fmt4(t.cmi)))))),
    h('p', h('a', { class: 'csv-download', href: `/api/v1/coding/casemix?${csv}`, download: `casemix-${r.from}-${r.to}-by-${r.by}.csv` }, 'Download CSV')),
    notes.map((n) => h('p', { class: 'hint' }, n)),
    h('p', { class: 'hint' }, `CMI = total relative weight / stays with a weight. Each stay is regrouped from its final codes with the grouper version in force on its discharge date (loaded: ${dash(r.versions_loaded)}).`));
}
