// Master patient index: the potential-duplicate worklist (pairs by score, status filter, scan),
// one pair side by side with each field's agreement and weight, decisions by button or key
// (m merge, n not a duplicate, d defer, j/k next/previous pair), the merge history with what each
// merge moved and Unmerge, and the overlay list. Everything comes from /api/v1/mpi (docs/api.md
// "Master patient index"); the server audits every view and decision.
import { api, errorText } from './api.js';
import { h, mount, dash, fmtTime, field, itemsOf, keyRows } from './dom.js';
import { pagerFor } from './search.js';

const PAGE = 50;
const STATUSES = [['open', 'open'], ['deferred', 'deferred'], ['merged', 'merged'], ['not_duplicate', 'not a duplicate'], ['all', 'all']];
const FIELD_LABELS = {
  given: 'Given name', middle: 'Middle name', family: 'Family name', suffix: 'Suffix', birth_date: 'Birth date',
  sex: 'Sex', ssn: 'SSN', address: 'Address', zip: 'ZIP', phone: 'Phone', email: 'Email',
};
const VERDICT_SIGN = { matched: '=', close: '≈', different: '≠', missing: '–' };
const VERDICT_TEXT = { matched: 'matched', close: 'close', different: 'different', missing: 'missing' };

/* ---------------- shared pieces (also used by registration) ---------------- */

export function fmtScore(x) {
  return typeof x === 'number' && isFinite(x) ? x.toFixed(1) : '—';
}

function fmtWeight(w) {
  if (typeof w !== 'number' || !isFinite(w) || w === 0) return '0';
  return (w > 0 ? '+' : '−') + Math.abs(w).toFixed(1);
}

export function bandBadge(band) {
  const text = { 'auto-link': 'very likely same', review: 'needs review', 'non-link': 'unlikely', request: 'HL7 merge request' }[band] || dash(band);
  return h('span', { class: `badge band band-${String(band || 'none').replace(/[^a-z-]/g, '')}`, title: `band: ${band}` }, text);
}

function verdictBadge(v) {
  return h('span', { class: `chip v-${v}` }, `${VERDICT_SIGN[v] || ''} ${VERDICT_TEXT[v] || dash(v)}`);
}

/** Field-by-field reasons as chips: "Given name: jon ≈ jonathan (nickname) +3.1". */
export function reasonChips(fields, labelA = 'A', labelB = 'B') {
  const order = { matched: 0, close: 1, different: 2 };
  const list = fields.filter((f) => f.verdict !== 'missing').sort((x, y) => (order[x.verdict] ?? 9) - (order[y.verdict] ?? 9));
  const missing = fields.filter((f) => f.verdict === 'missing').map((f) => FIELD_LABELS[f.field] || f.field);
  return h('ul', { class: 'reasons', 'aria-label': 'Field-by-field reasons' }, list.map((f) => {
    const label = FIELD_LABELS[f.field] || f.field;
    const vals = f.verdict === 'missing' ? [' not on both'] : f.verdict === 'matched'
      ? [' ', h('span', { class: 'val' }, dash(f.a))]
      : [' ', h('span', { class: 'val', title: labelA }, dash(f.a)), ` ${VERDICT_SIGN[f.verdict] || 'vs'} `, h('span', { class: 'val', title: labelB }, dash(f.b))];
    return h('li', { class: ['chip', `v-${f.verdict}`], 'data-field': f.field, 'data-verdict': f.verdict, title: `${label}: ${VERDICT_TEXT[f.verdict] || f.verdict} (${f.level}), weight ${fmtWeight(f.weight)}` },
      h('b', label), ...vals, f.note ? h('span', { class: 'note-t' }, ` (${f.note})`) : null,
      h('span', { class: 'w' }, ` ${fmtWeight(f.weight)}`));
  }), missing.length ? h('li', { class: 'chip v-missing', 'data-verdict': 'missing', title: 'a missing value weighs 0' },
    h('b', 'Missing on one side: '), missing.join(', ')) : null);
}

function briefName(p) {
  if (!p) return '';
  const n = p.name || {};
  let s = n.family || '';
  if (n.given) s += (s ? ', ' : '') + n.given;
  if (n.middle) s += ' ' + n.middle;
  if (n.suffix) s += ' ' + n.suffix;
  return s;
}

function patientLink(app, id, p) {
  const label = briefName(p) || `Patient #${id}`;
  return app.can('patient.read') ? h('a', { href: `#/patient/${id}`, tabindex: -1 }, label) : label;
}

function briefCell(app, id, p) {
  return [patientLink(app, id, p), h('div', { class: 'small muted' },
    `#${id}`, p && p.mrn ? ` · MRN ${p.mrn}` : '', p && p.birth_date ? ` · ${p.birth_date}` : '', p && p.sex ? ` · ${p.sex}` : '',
    p && p.status && p.status !== 'active' ? ` · ${p.status}` : '')];
}

function statusBadge(st) {
  const text = st === 'not_duplicate' ? 'not a duplicate' : dash(st);
  return h('span', { class: `badge st-${String(st || 'none').replace(/[^a-z_-]/gi, '')}` }, text);
}

function subTabs(app, current) {
  const tabs = [{ key: 'worklist', href: '#/mpi', label: 'Duplicate worklist' },
    { key: 'merges', href: '#/mpi/merges', label: 'Merge history' },
    { key: 'overlays', href: '#/mpi/overlays', label: 'Overlays' }];
  const list = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Master patient index views' },
    tabs.map((t) => h('a', {
      role: 'tab', href: t.href, 'data-tab': t.key,
      'aria-selected': t.key === current ? 'true' : 'false', tabindex: t.key === current ? 0 : -1,
    }, t.label)));
  list.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    const all = [...list.querySelectorAll('[role=tab]')];
    const i = all.indexOf(document.activeElement);
    all[(i + (e.key === 'ArrowRight' ? 1 : all.length - 1)) % all.length].focus();
    e.preventDefault();
  });
  return list;
}

function errorBox(err) {
  return h('div', { class: 'msg msg-error', role: 'alert' }, errorText(err));
}

function isTyping(t) {
  return t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
}

// One keyboard handler for the screen at a time; removed when the route changes.
let keyHandler = null;
function setKeys(fn) {
  if (keyHandler) document.removeEventListener('keydown', keyHandler);
  keyHandler = fn;
  if (fn) document.addEventListener('keydown', fn);
}
window.addEventListener('hashchange', () => {
  if (!/^#\/mpi\/pair\//.test(location.hash)) setKeys(null);
});

export async function mpiScreen(ctx) {
  const { parts } = ctx;
  setKeys(null);
  if (parts[1] === 'pair' && /^\d+$/.test(parts[2] || '')) return pairView(ctx, parseInt(parts[2], 10));
  if (parts[1] === 'merges') return mergesView(ctx);
  if (parts[1] === 'merge' && /^\d+$/.test(parts[2] || '')) return mergeView(ctx, parseInt(parts[2], 10));
  if (parts[1] === 'overlays') return overlaysView(ctx);
  return worklistView(ctx);
}

/* ---------------- the worklist ---------------- */

function verdictCounts(reasons) {
  const c = { matched: 0, close: 0, different: 0 };
  for (const f of (reasons && reasons.fields) || []) if (f.verdict in c) c[f.verdict]++;
  return h('span', { class: 'counts' },
    h('span', { class: 'chip v-matched', title: 'fields that matched' }, `= ${c.matched}`), ' ',
    h('span', { class: 'chip v-close', title: 'fields that were close' }, `≈ ${c.close}`), ' ',
    h('span', { class: 'chip v-different', title: 'fields that differ' }, `≠ ${c.different}`));
}

async function worklistView(ctx) {
  const { app, main, query } = ctx;
  app.setTitle('Duplicate worklist');
  const q = {
    status: query.get('status') || 'open',
    offset: Math.max(0, parseInt(query.get('offset') || '0', 10) || 0),
  };
  const status = h('select', { name: 'status', 'data-search-focus': '' },
    STATUSES.map(([v, label]) => h('option', { value: v, selected: v === q.status }, label)));
  status.addEventListener('change', () => app.navigate(`#/mpi?status=${encodeURIComponent(status.value)}`));
  const scanMsg = h('div', { class: 'scan-result', 'aria-live': 'polite' });
  const scanBtn = h('button', {
    type: 'button', onclick: async () => {
      scanBtn.disabled = true;
      mount(scanMsg, h('span', { class: 'muted' }, 'Scanning the index…'));
      try {
        const r = await api('POST', '/mpi/worklist/scan', { body: {} });
        app.flashNext(`Scan finished: ${r.added} new pair${r.added === 1 ? '' : 's'}${r.reopened ? `, ${r.reopened} deferred pair${r.reopened === 1 ? '' : 's'} reopened` : ''}.`, 'ok');
        app.navigate(`#/mpi?status=${encodeURIComponent(q.status)}`);
      } catch (err) {
        if (err.status !== 401) mount(scanMsg, errorBox(err));
      } finally { scanBtn.disabled = false; }
    },
  }, 'Scan for duplicates');
  const results = h('div', { class: 'results', 'aria-live': 'polite' });
  mount(main, h('section', { class: 'panel mpi' },
    h('h1', 'Master patient index'),
    subTabs(app, 'worklist'),
    h('div', { class: 'inline-form' }, field('Status', status), h('div', { class: 'field actions' }, scanBtn)),
    scanMsg,
    h('p', { class: 'hint' }, 'Pairs of charts that may be one person, highest score first. Open a pair (Enter) to compare them side by side and decide with m (merge), n (not a duplicate) or d (defer); j / k move to the next or previous pair.'),
    results));
  mount(results, h('p', { class: 'muted' }, 'Loading…'));
  const resp = await api('GET', '/mpi/worklist', { query: { status: q.status, limit: PAGE, offset: q.offset } });
  if (!ctx.isCurrent()) return;
  const items = itemsOf(resp);
  const total = typeof resp.total === 'number' ? resp.total : items.length;
  app.mpiList = { ids: items.map((p) => p.id), status: q.status, back: location.hash || '#/mpi' };
  if (!items.length) {
    mount(results, h('p', { class: 'muted', role: 'status' }, q.status === 'open' ? 'No open pairs. Run a scan to look for new ones.' : 'No pairs in this status.'));
    return;
  }
  const tbody = h('tbody', items.map((p) => h('tr', {
    tabindex: 0, 'data-id': p.id, 'aria-label': `Open pair ${p.id}: ${briefName(p.a) || p.patient_a} and ${briefName(p.b) || p.patient_b}, score ${fmtScore(p.score)}`,
  },
  h('td', { class: 'num' }, h('a', { href: `#/mpi/pair/${p.id}`, tabindex: -1 }, fmtScore(p.score))),
  h('td', bandBadge(p.band), p.source === 'hl7' ? h('span', { class: 'badge' }, 'HL7 A40') : null),
  h('td', briefCell(app, p.patient_a, p.a)),
  h('td', briefCell(app, p.patient_b, p.b)),
  h('td', verdictCounts(p.reasons)),
  h('td', statusBadge(p.status), p.defer_until ? h('div', { class: 'small muted' }, `until ${p.defer_until}`) : null),
  h('td', { class: 'small' }, fmtTime(p.updated_at)))));
  keyRows(tbody, (row) => app.navigate(`#/mpi/pair/${row.dataset.id}`));
  const pager = pagerFor(total, q.offset, PAGE, (off) => app.navigate(`#/mpi?status=${encodeURIComponent(q.status)}&offset=${off}`));
  mount(results, h('div', { class: 'table-wrap' }, h('table', { class: 'grid-table mpi-pairs' },
    h('caption', { class: 'sr-only' }, 'Potential duplicate pairs'),
    h('thead', h('tr', ['Score', 'Band', 'Chart A', 'Chart B', 'Fields', 'Status', 'Scored'].map((x) => h('th', x)))),
    tbody)), pager);
  tbody.firstElementChild.focus();
}

/* ---------------- one pair, side by side ---------------- */

function ident(p, kind) {
  const x = (p.identifiers || []).find((i) => i.kind === kind && i.active !== false);
  return x ? x.value : null;
}
function curAddress(p) {
  return (p.addresses || []).find((a) => a.current) || (p.addresses || [])[0] || null;
}
function curPhone(p) {
  return (p.phones || []).find((x) => x.current) || (p.phones || [])[0] || null;
}
function otherFamilies(p) {
  const cur = p.name && p.name.family;
  return [...new Set((p.names || []).map((n) => n.family).filter((f) => f && f !== cur))];
}

/** What each compared field shows for one chart (the chart's values, not the matcher's forms). */
function shown(p, f) {
  const n = p.name || {};
  const a = curAddress(p);
  switch (f) {
    case 'given': return n.given;
    case 'middle': return n.middle;
    case 'family': {
      const others = otherFamilies(p);
      return others.length ? `${n.family || '—'} (also ${others.join(', ')})` : n.family;
    }
    case 'suffix': return n.suffix;
    case 'birth_date': return p.birth_date;
    case 'sex': return p.sex;
    case 'ssn': return ident(p, 'SS');
    case 'address': return a ? [a.line1, a.line2, a.city, a.state].filter(Boolean).join(', ') : null;
    case 'zip': return a ? a.postal_code : null;
    case 'phone': { const ph = curPhone(p); return ph ? ph.number : null; }
    case 'email': return p.email;
    default: return null;
  }
}

function sideBySide(app, s) {
  const reasons = (s.current && s.current.fields) || (s.reasons && s.reasons.fields) || [];
  const byField = Object.fromEntries(reasons.map((f) => [f.field, f]));
  const order = ['family', 'given', 'middle', 'suffix', 'birth_date', 'sex', 'ssn', 'address', 'zip', 'phone', 'email'];
  const rows = order.map((f) => {
    const r = byField[f] || { verdict: 'missing', weight: 0, level: 'missing' };
    return h('tr', { class: `v-${r.verdict}`, 'data-field': f },
      h('th', { scope: 'row' }, FIELD_LABELS[f]),
      h('td', { class: 'val-a' }, dash(shown(s.a, f))),
      h('td', { class: 'agree' }, verdictBadge(r.verdict), r.note ? h('span', { class: 'small muted' }, ` ${r.note}`) : null),
      h('td', { class: 'num weight' }, fmtWeight(r.weight)),
      h('td', { class: 'val-b' }, dash(shown(s.b, f))));
  });
  const extra = [
    ['MRN', ident(s.a, 'MR') || s.a.mrn, ident(s.b, 'MR') || s.b.mrn],
    ['Encounters', s.a.n_encounters, s.b.n_encounters],
    ['Chart created', fmtTime(s.a.created_at), fmtTime(s.b.created_at)],
    ['Status', s.a.status, s.b.status],
  ].map(([k, a, b]) => h('tr', { class: 'info' }, h('th', { scope: 'row' }, k), h('td', dash(a)), h('td', { class: 'agree muted small' }, 'not compared'), h('td', { class: 'num weight' }), h('td', dash(b))));
  const chartHead = (p, side) => [h('span', { class: 'side' }, `Chart ${side} `),
    app.can('patient.read') ? h('a', { href: `#/patient/${p.id}` }, briefName(p) || `#${p.id}`) : (briefName(p) || `#${p.id}`),
    h('span', { class: 'small muted' }, ` #${p.id}`)];
  return h('div', { class: 'table-wrap' }, h('table', { class: 'grid-table sbs', 'aria-label': 'The two charts side by side' },
    h('thead', h('tr', h('th', { class: 'c-field' }, 'Field'), h('th', { class: 'val-a' }, chartHead(s.a, 'A')), h('th', { class: 'c-agree' }, 'Agreement'), h('th', { class: 'num c-weight' }, 'Weight'), h('th', { class: 'val-b' }, chartHead(s.b, 'B')))),
    h('tbody', rows, extra)));
}

function isoToday(plusDays = 0) {
  const d = new Date(Date.now() + plusDays * 86400000);
  return d.toISOString().slice(0, 10);
}

async function pairView(ctx, id) {
  const { app, main } = ctx;
  app.setTitle(`Pair #${id}`);
  mount(main, h('section', { class: 'panel' }, h('p', { class: 'muted' }, 'Loading pair…')));
  const s = await api('GET', `/mpi/worklist/${id}`);
  if (!ctx.isCurrent()) return;
  const list = app.mpiList || { ids: [], back: '#/mpi' };
  const idx = list.ids.indexOf(id);
  const prevId = idx > 0 ? list.ids[idx - 1] : null;
  const nextId = idx >= 0 && idx < list.ids.length - 1 ? list.ids[idx + 1] : null;
  const decidable = s.status === 'open' || s.status === 'deferred';
  const canMerge = app.can('mpi.merge');
  const cur = s.current || s.reasons || {};
  const panel = h('div', { class: 'decide-panel', 'aria-live': 'polite' });
  const out = h('div', { class: 'decide-result', 'aria-live': 'polite' });

  const goNext = () => {
    // After a decision the pair leaves the open list: go to the next one, else back to the list.
    if (nextId) app.navigate(`#/mpi/pair/${nextId}`);
    else if (prevId && list.status === 'open') app.navigate(`#/mpi/pair/${prevId}`);
    else app.navigate(list.back || '#/mpi');
  };
  async function send(body, done) {
    try {
      const r = await api('POST', `/mpi/worklist/${id}/decision`, { body: { ...body, expected_status: s.status } });
      if (list.ids.length && idx >= 0) list.ids.splice(idx, 1);
      done(r);
      return true;
    } catch (err) {
      if (err.status !== 401) mount(out, errorBox(err));
      return false;
    }
  }

  function closePanel() { mount(panel); }

  function mergeForm() {
    const older = Math.min(s.patient_a, s.patient_b);
    const radios = [s.a, s.b].map((p, i) => {
      const r = h('input', { type: 'radio', name: 'survivor', value: String(p.id), checked: p.id === older, id: `surv-${i}` });
      return { r, label: h('label', { for: `surv-${i}`, class: 'check' }, r, `Keep chart ${i ? 'B' : 'A'}: ${briefName(p) || ''} #${p.id}${p.mrn ? ` (MRN ${p.mrn})` : ''}`) };
    });
    const fate = h('p', { class: 'fate', 'aria-live': 'polite' });
    const showFate = () => {
      const keep = radios.find((x) => x.r.checked);
      const keepP = keep.r.value === String(s.a.id) ? s.a : s.b;
      const goP = keepP === s.a ? s.b : s.a;
      mount(fate, 'Chart ', h('b', `#${goP.id} ${briefName(goP)}`), ' will be retired and marked merged into ', h('b', `#${keepP.id} ${briefName(keepP)}`), '.');
    };
    for (const x of radios) x.r.addEventListener('change', showFate);
    showFate();
    const reason = h('input', { name: 'reason', required: true, size: 50, maxlength: 500, placeholder: 'e.g. same SSN and birth date; nickname Jon' });
    const btn = h('button', { type: 'submit', class: 'primary danger' }, 'Merge charts');
    const form = h('form', {
      class: 'card decide merge-form', 'aria-label': 'Merge the two charts',
      onsubmit: async (e) => {
        e.preventDefault();
        const surv = radios.find((x) => x.r.checked);
        if (!reason.value.trim()) { reason.focus(); mount(out, errorBox(new Error('Give the reason for the merge.'))); return; }
        btn.disabled = true;
        const ok = await send({ decision: 'merge', survivor_id: parseInt(surv.r.value, 10), note: reason.value.trim() }, (r) => {
          const retired = parseInt(surv.r.value, 10) === s.patient_a ? s.patient_b : s.patient_a;
          app.flashNext(`Merged chart #${retired} into #${surv.r.value} (merge #${r.merge_id}). It can be undone from the merge history.`, 'ok');
          goNext();
        });
        if (!ok) btn.disabled = false;
      },
      onkeydown: (e) => { if (e.key === 'Escape') { e.preventDefault(); closePanel(); } },
    },
    h('h2', 'Merge: which chart survives?'),
    h('p', { class: 'hint' }, 'The other chart is retired: its names, identifiers, encounters, documents and results move to the surviving chart. Nothing is deleted and the merge can be undone. ↑ ↓ choose, Enter merges, Esc cancels.'),
    h('fieldset', { class: 'survivor' }, h('legend', 'Surviving chart'), radios.map((x) => x.label)), fate,
    field('Reason', reason, 'why these two charts are one person (kept with the merge and in the audit trail)'),
    h('div', { class: 'reg-actions' }, btn, h('button', { type: 'button', onclick: closePanel }, 'Cancel')));
    mount(panel, form);
    radios.find((x) => x.r.checked).r.focus();
  }

  function notDupForm() {
    const note = h('input', { name: 'note', size: 50, maxlength: 500, placeholder: 'optional, e.g. twins; different SSNs' });
    const btn = h('button', { type: 'submit', class: 'primary' }, 'Not a duplicate');
    const form = h('form', {
      class: 'card decide', 'aria-label': 'Mark as not a duplicate',
      onsubmit: async (e) => {
        e.preventDefault();
        btn.disabled = true;
        const ok = await send({ decision: 'not_duplicate', note: note.value.trim() || undefined }, () => {
          app.flashNext(`Pair #${id}: not a duplicate. It will not be proposed again.`, 'ok');
          goNext();
        });
        if (!ok) btn.disabled = false;
      },
      onkeydown: (e) => { if (e.key === 'Escape') { e.preventDefault(); closePanel(); } },
    },
    h('h2', 'Not a duplicate'),
    h('p', { class: 'hint' }, 'Remembered for good: this pair is never proposed again. Enter confirms, Esc cancels.'),
    field('Note', note), h('div', { class: 'reg-actions' }, btn, h('button', { type: 'button', onclick: closePanel }, 'Cancel')));
    mount(panel, form);
    note.focus();
  }

  function deferForm() {
    const until = h('input', { name: 'until', type: 'date', value: isoToday(30), min: isoToday(0), required: true });
    const note = h('input', { name: 'note', size: 40, maxlength: 500, placeholder: 'optional, e.g. waiting for ID from registration' });
    const btn = h('button', { type: 'submit', class: 'primary' }, 'Defer');
    const form = h('form', {
      class: 'card decide', 'aria-label': 'Defer the decision',
      onsubmit: async (e) => {
        e.preventDefault();
        btn.disabled = true;
        const ok = await send({ decision: 'defer', until: until.value, note: note.value.trim() || undefined }, () => {
          app.flashNext(`Pair #${id} deferred until ${until.value}.`, 'ok');
          goNext();
        });
        if (!ok) btn.disabled = false;
      },
      onkeydown: (e) => { if (e.key === 'Escape') { e.preventDefault(); closePanel(); } },
    },
    h('h2', 'Defer'),
    h('p', { class: 'hint' }, 'The pair comes back to the open list at the first scan on or after this date. Enter confirms, Esc cancels.'),
    h('div', { class: 'inline-form' }, field('Until', until), field('Note', note)),
    h('div', { class: 'reg-actions' }, btn, h('button', { type: 'button', onclick: closePanel }, 'Cancel')));
    mount(panel, form);
    until.focus();
  }

  const buttons = decidable ? h('div', { class: 'decide-bar', role: 'toolbar', 'aria-label': 'Decision' },
    canMerge ? h('button', { type: 'button', class: 'primary', 'aria-keyshortcuts': 'm', onclick: mergeForm }, h('u', 'M'), 'erge…') : null,
    h('button', { type: 'button', 'aria-keyshortcuts': 'n', onclick: notDupForm }, h('u', 'N'), 'ot a duplicate…'),
    h('button', { type: 'button', 'aria-keyshortcuts': 'd', onclick: deferForm }, h('u', 'D'), 'efer…')) : null;
  const nav = h('div', { class: 'pair-nav' },
    h('button', { type: 'button', disabled: !prevId, 'aria-keyshortcuts': 'k', onclick: () => prevId && app.navigate(`#/mpi/pair/${prevId}`) }, '‹ Previous (k)'),
    h('span', { class: 'muted small' }, idx >= 0 ? `${idx + 1} of ${list.ids.length}` : ''),
    h('button', { type: 'button', disabled: !nextId, 'aria-keyshortcuts': 'j', onclick: () => nextId && app.navigate(`#/mpi/pair/${nextId}`) }, 'Next (j) ›'));

  const rules = (cur.rules || []);
  mount(main, h('section', { class: 'panel mpi-pair' },
    h('p', { class: 'crumbs' }, h('a', { href: list.back || '#/mpi' }, '← Back to the worklist')),
    h('div', { class: 'title-row' },
      h('h1', `Pair #${s.id} `, h('span', { class: 'score big' }, `score ${fmtScore(cur.score ?? s.score)}`), ' ', bandBadge(cur.band || s.band), ' ', statusBadge(s.status)),
      nav),
    s.source === 'hl7' ? h('p', { class: 'note' }, 'Proposed by an HL7 A40 merge request: confirm it here.') : null,
    rules.length ? h('div', { class: 'msg msg-warn', role: 'status' }, 'Never merged automatically: ', rules.join('; ')) : null,
    s.status !== 'open' ? h('p', { class: 'muted' }, `Decided ${dash(s.status)} by ${dash(s.decided_by)} on ${fmtTime(s.decided_at)}`,
      s.note ? ` · ${s.note}` : '', s.defer_until ? ` · until ${s.defer_until}` : '',
      s.merge_id ? [' · ', h('a', { href: `#/mpi/merge/${s.merge_id}` }, `merge #${s.merge_id}`)] : null) : null,
    buttons,
    decidable ? h('p', { class: 'hint keys' }, 'Keys: ', canMerge ? [h('kbd', 'm'), ' merge · '] : null, h('kbd', 'n'), ' not a duplicate · ', h('kbd', 'd'), ' defer · ', h('kbd', 'j'), ' / ', h('kbd', 'k'), ' next / previous · ', h('kbd', 'Esc'), ' cancel') : null,
    panel, out,
    sideBySide(app, s),
    h('h2', { class: 'why' }, 'Why the matcher proposed it'),
    h('p', { class: 'hint' }, 'Each field adds its weight (log₂ of how much more often that agreement is seen between records of one person than between different people); the score is the sum.'),
    reasonChips(cur.fields || [], `Chart A #${s.patient_a}`, `Chart B #${s.patient_b}`)));

  setKeys((e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
    if (!ctx.isCurrent()) { setKeys(null); return; }
    const k = e.key;
    if (k === 'j' && nextId) { e.preventDefault(); app.navigate(`#/mpi/pair/${nextId}`); }
    else if (k === 'k' && prevId) { e.preventDefault(); app.navigate(`#/mpi/pair/${prevId}`); }
    else if (!decidable) return;
    else if (k === 'm' && canMerge) { e.preventDefault(); mergeForm(); }
    else if (k === 'n') { e.preventDefault(); notDupForm(); }
    else if (k === 'd') { e.preventDefault(); deferForm(); }
    else if (k === 'Escape') closePanel();
  });
}

/* ---------------- merge history ---------------- */

function unmergeForm(app, m, host, after) {
  const reason = h('input', { name: 'reason', size: 50, maxlength: 500, required: true, placeholder: 'e.g. different people: twins' });
  const msg = h('div', { 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit', class: 'primary danger' }, 'Unmerge');
  const form = h('form', {
    class: 'card decide unmerge-form', 'aria-label': `Unmerge merge ${m.id}`,
    onsubmit: async (e) => {
      e.preventDefault();
      if (!reason.value.trim()) { reason.focus(); mount(msg, errorBox(new Error('Give the reason for the unmerge.'))); return; }
      btn.disabled = true;
      try {
        const r = await api('POST', `/mpi/merges/${m.id}/unmerge`, { body: { reason: reason.value.trim() } });
        app.flashNext(`Merge #${m.id} undone: chart #${r.retired_id} is active again and ${r.moves_total} logged change${r.moves_total === 1 ? '' : 's'} were reversed.`, 'ok');
        after(r);
      } catch (err) {
        if (err.status !== 401) mount(msg, errorBox(err));
        btn.disabled = false;
      }
    },
    onkeydown: (e) => { if (e.key === 'Escape') { e.preventDefault(); mount(host); } },
  },
  h('h3', `Unmerge #${m.id}: give chart #${m.retired_id} back its rows`),
  h('p', { class: 'hint' }, 'Every logged change is written back; rows filed on the surviving chart since the merge stay there. Enter confirms, Esc cancels.'),
  field('Reason', reason), msg,
  h('div', { class: 'reg-actions' }, btn, h('button', { type: 'button', onclick: () => mount(host) }, 'Cancel')));
  mount(host, form);
  reason.focus();
}

async function mergesView(ctx) {
  const { app, main, query } = ctx;
  app.setTitle('Merge history');
  const offset = Math.max(0, parseInt(query.get('offset') || '0', 10) || 0);
  const pid = query.get('patient_id') || '';
  const results = h('div', { class: 'results', 'aria-live': 'polite' });
  const formHost = h('div', { class: 'unmerge-host' });
  mount(main, h('section', { class: 'panel mpi' },
    h('h1', 'Master patient index'),
    subTabs(app, 'merges'),
    pid ? h('p', 'Merges of patient ', h('a', { href: `#/patient/${pid}` }, `#${pid}`), ' · ', h('a', { href: '#/mpi/merges' }, 'all merges')) : null,
    formHost, results));
  mount(results, h('p', { class: 'muted' }, 'Loading…'));
  const resp = await api('GET', '/mpi/merges', { query: { patient_id: pid, limit: PAGE, offset } });
  if (!ctx.isCurrent()) return;
  const items = itemsOf(resp);
  const total = typeof resp.total === 'number' ? resp.total : items.length;
  if (!items.length) {
    mount(results, h('p', { class: 'muted', role: 'status' }, 'No merges yet.'));
    return;
  }
  const tbody = h('tbody', items.map((m) => h('tr', { tabindex: 0, 'data-id': m.id, class: m.status === 'unmerged' ? 'muted-row' : '', 'aria-label': `Merge ${m.id}: ${m.retired_id} into ${m.surviving_id}, ${m.status}` },
    h('td', { class: 'num' }, h('a', { href: `#/mpi/merge/${m.id}`, tabindex: -1 }, String(m.id))),
    h('td', { class: 'small' }, fmtTime(m.merged_at), h('div', { class: 'muted' }, dash(m.merged_by))),
    h('td', briefCell(app, m.surviving_id, m.surviving)),
    h('td', briefCell(app, m.retired_id, m.retired)),
    h('td', dash(m.source)),
    h('td', { class: 'detail' }, dash(m.reason)),
    h('td', { class: 'num' }, String(m.n_moves)),
    h('td', statusBadge(m.status), m.unmerged_at ? h('div', { class: 'small muted' }, `${fmtTime(m.unmerged_at)} by ${dash(m.unmerged_by)}`) : null),
    h('td', { class: 'actions' }, m.status === 'merged' && app.can('mpi.merge')
      ? h('button', { type: 'button', 'data-unmerge': m.id, onclick: () => unmergeForm(app, m, formHost, () => app.navigate(`#/mpi/merge/${m.id}`)) }, 'Unmerge…') : null))));
  keyRows(tbody, (row) => app.navigate(`#/mpi/merge/${row.dataset.id}`));
  const pager = pagerFor(total, offset, PAGE, (off) => app.navigate(`#/mpi/merges?${new URLSearchParams({ ...(pid ? { patient_id: pid } : {}), offset: String(off) })}`));
  mount(results, h('div', { class: 'table-wrap' }, h('table', { class: 'grid-table mpi-merges' },
    h('caption', { class: 'sr-only' }, 'Merges, newest first'),
    h('thead', h('tr', ['#', 'Merged', 'Surviving chart', 'Retired chart', 'Source', 'Reason', 'Rows changed', 'Status', h('span', { class: 'sr-only' }, 'Actions')].map((x) => h('th', x)))),
    tbody)), pager);
}

/** The merge log grouped by table: how many rows of each moved, and which columns changed. */
export function summarizeMoves(moves) {
  const by = new Map();
  for (const mv of moves || []) {
    const t = by.get(mv.table) || { table: mv.table, rows: new Set(), moved: new Set(), columns: new Set() };
    t.rows.add(mv.row_id);
    if (mv.column === 'patient_id') t.moved.add(mv.row_id);
    t.columns.add(mv.column);
    by.set(mv.table, t);
  }
  return [...by.values()].map((t) => ({
    table: t.table, rows: t.rows.size, moved: t.moved.size, changed: t.rows.size - t.moved.size, columns: [...t.columns].sort(),
  })).sort((a, b) => b.moved - a.moved || b.rows - a.rows || a.table.localeCompare(b.table));
}

async function mergeView(ctx, id) {
  const { app, main } = ctx;
  app.setTitle(`Merge #${id}`);
  mount(main, h('section', { class: 'panel' }, h('p', { class: 'muted' }, 'Loading merge…')));
  const m = await api('GET', `/mpi/merges/${id}`);
  if (!ctx.isCurrent()) return;
  const host = h('div', { class: 'unmerge-host' });
  const summary = summarizeMoves(m.moves);
  const facts = [
    ['Surviving chart', briefCell(app, m.surviving_id, m.surviving)],
    ['Retired chart', briefCell(app, m.retired_id, m.retired)],
    ['Merged', `${fmtTime(m.merged_at)} by ${dash(m.merged_by)}`], ['Source', dash(m.source)],
    ['Reason', dash(m.reason)], ['Status', statusBadge(m.status)],
    m.worklist_pair_id ? ['Worklist pair', h('a', { href: `#/mpi/pair/${m.worklist_pair_id}` }, `#${m.worklist_pair_id}`)] : null,
    m.unmerged_at ? ['Unmerged', `${fmtTime(m.unmerged_at)} by ${dash(m.unmerged_by)} · ${dash(m.unmerge_reason)}`] : null,
  ].filter(Boolean);
  const unBtn = m.status === 'merged' && app.can('mpi.merge')
    ? h('button', { type: 'button', class: 'danger', onclick: () => unmergeForm(app, m, host, () => app.navigate(`#/mpi/merge/${id}?r=${Date.now()}`)) }, 'Unmerge…') : null;
  mount(main, h('section', { class: 'panel mpi-merge' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/mpi/merges' }, '← Merge history')),
    h('div', { class: 'title-row' }, h('h1', `Merge #${m.id} `, statusBadge(m.status)), unBtn),
    host,
    h('div', { class: 'detail' }, h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', k), h('dd', v)]))),
    h('section', { class: 'card' }, h('h2', 'What moved'),
      h('p', { class: 'hint' }, 'Rows changed in place are the retired chart\'s record (status, merged into) and current names, addresses or phones of a kind the surviving chart already had, which became history. An unmerge writes every logged value back.'),
      summary.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid-table moved' },
        h('caption', { class: 'sr-only' }, 'Rows changed per table'),
        h('thead', h('tr', ['Table', 'Rows moved to the surviving chart', 'Rows changed in place', 'Columns changed'].map((x) => h('th', x)))),
        h('tbody', summary.map((t) => h('tr', { 'data-table': t.table }, h('td', { class: 'mono' }, t.table),
          h('td', { class: 'num' }, t.moved ? String(t.moved) : '—'), h('td', { class: 'num' }, t.changed ? String(t.changed) : '—'),
          h('td', { class: 'mono small' }, t.columns.join(', '))))))) :
        h('p', { class: 'muted' }, 'The retired chart had no rows to move.')),
    h('details', { class: 'card merge-log' }, h('summary', `Merge log: ${m.moves_total} change${m.moves_total === 1 ? '' : 's'}, in order`),
      h('div', { class: 'table-wrap' }, h('table', { class: 'grid-table' },
        h('thead', h('tr', ['#', 'Table', 'Row', 'Column', 'Before', 'After'].map((x) => h('th', x)))),
        h('tbody', (m.moves || []).map((mv) => h('tr',
          h('td', { class: 'num' }, String(mv.seq)), h('td', { class: 'mono' }, mv.table), h('td', { class: 'num' }, String(mv.row_id)),
          h('td', { class: 'mono' }, mv.column), h('td', { class: 'mono small' }, dash(mv.old_value)), h('td', { class: 'mono small' }, dash(mv.new_value))))))))));
}

/* ---------------- overlays ---------------- */

async function overlaysView(ctx) {
  const { app, main, query } = ctx;
  app.setTitle('Overlays');
  const offset = Math.max(0, parseInt(query.get('offset') || '0', 10) || 0);
  const results = h('div', { class: 'results', 'aria-live': 'polite' });
  mount(main, h('section', { class: 'panel mpi' },
    h('h1', 'Master patient index'),
    subTabs(app, 'overlays'),
    h('p', { class: 'hint' }, 'Charts whose sources disagree on the birth date or sex beyond a typo: two people may have been filed in one chart. Open the chart and its encounters to decide.'),
    results));
  mount(results, h('p', { class: 'muted' }, 'Loading…'));
  const resp = await api('GET', '/mpi/overlays', { query: { limit: PAGE, offset } });
  if (!ctx.isCurrent()) return;
  const items = itemsOf(resp);
  const total = typeof resp.total === 'number' ? resp.total : items.length;
  if (!items.length) {
    mount(results, h('p', { class: 'muted', role: 'status' }, 'No chart shows signs of holding two people.'));
    return;
  }
  const src = (s, at) => [h('span', { class: 'mono small' }, dash(s)), at ? h('div', { class: 'small muted' }, fmtTime(at)) : null];
  mount(results, h('div', { class: 'table-wrap' }, h('table', { class: 'grid-table mpi-overlays' },
    h('caption', { class: 'sr-only' }, 'Possible overlays'),
    h('thead', h('tr', ['Chart', 'Field', 'One source says', 'from', 'Another says', 'from', 'Why'].map((x) => h('th', x)))),
    h('tbody', items.map((o) => h('tr', { class: 'abn' },
      h('td', briefCell(app, o.patient_id, o.patient)),
      h('td', FIELD_LABELS[o.field] || dash(o.field)),
      h('td', { class: 'mono' }, dash(o.value_a)), h('td', src(o.source_a, o.at_a)),
      h('td', { class: 'mono' }, dash(o.value_b)), h('td', src(o.source_b, o.at_b)),
      h('td', dash(o.why))))))),
  pagerFor(total, offset, PAGE, (off) => app.navigate(`#/mpi/overlays?offset=${off}`)));
}
