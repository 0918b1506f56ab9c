// Coding: the DNFC worklist (discharged, not final coded: oldest first, aging buckets, filters,
// take or assign), the coding screen of one encounter (the chart's documents beside the abstract;
// diagnoses and procedures added through the encoder's type-ahead picker or the PCS builder,
// reordered, removed; findings of the coding checks next to the codes they concern, refreshed as
// the coder edits; save, hold, finalize, reopen for rebill, history; the source system's codes
// one click from the abstract; the MS-DRG panel of an inpatient stay, live with the checks, and its
// what-if: web/js/drg.js), the productivity report and the case-mix report (web/js/casemix.js).
// Everything comes from /api/v1/coding and /api/v1/encounters/{id}/abstract (docs/api.md
// "Coding", "MS-DRG"); the server audits every read and change and decides what may be finalized.
import { api, errorText } from './api.js';
import { h, mount, clear, dash, fmtTime, fmtDate, field, itemsOf, keyRows } from './dom.js';
import { pagerFor } from './search.js';
import { codePicker, pcsBuilder } from './encoder.js';
import { drgPanel } from './drg.js';
import { casemixView } from './casemix.js';

const PAGE = 50;
const CHECK_DELAY_MS = 400;

const STATUS_TEXT = { uncoded: 'uncoded', in_progress: 'in progress', on_hold: 'on hold', final: 'final', rebill: 'rebill' };
const HOLD_REASONS = [
  ['awaiting_query', 'Awaiting physician query'],
  ['awaiting_documentation', 'Awaiting documentation'],
  ['awaiting_pathology', 'Awaiting pathology'],
  ['billing', 'Billing / account issue'],
  ['other', 'Other (say what)'],
];
const HOLD_TEXT = Object.fromEntries(HOLD_REASONS);
const CLASSES = ['inpatient', 'outpatient', 'emergency', 'observation', 'ambulatory', 'newborn', 'wellness'];
const POA_VALUES = [['', '—'], ['Y', 'Y (yes)'], ['N', 'N (no)'], ['U', 'U (unknown)'], ['W', 'W (undetermined)'], ['1', '1 (exempt)']];

// The abstract's sections in the order the server keeps codes (codes[i] of a check = this order),
// and the order they are shown in.
const SEND_ORDER = ['principal', 'admitting', 'reason_for_visit', 'secondary', 'external_cause', 'procedure'];
const SECTIONS = [
  { role: 'principal', label: 'Principal diagnosis', add: 'Add the principal diagnosis', max: 1, dx: true, poa: true },
  { role: 'secondary', label: 'Secondary diagnoses', add: 'Add a secondary diagnosis', max: 200, dx: true, poa: true },
  { role: 'admitting', label: 'Admitting diagnosis', add: 'Add the admitting diagnosis', max: 1, dx: true, poa: false, inpatient: true },
  { role: 'reason_for_visit', label: 'Reason for visit', add: 'Add a reason for visit', max: 3, dx: true, poa: false, outpatient: true },
  { role: 'external_cause', label: 'External causes', add: 'Add an external cause', max: 200, dx: true, poa: true },
  { role: 'procedure', label: 'Procedures', add: 'Add a procedure (ICD-10-PCS)', max: 200, dx: false, poa: false },
];
const SECTION = Object.fromEntries(SECTIONS.map((s) => [s.role, s]));

function statusBadge(st, hold) {
  return h('span', { class: `badge cst-${String(st || 'none').replace(/[^a-z_]/g, '')}`, 'data-status': st || '' },
    STATUS_TEXT[st] || dash(st), hold ? ` · ${HOLD_TEXT[hold] || hold}` : '');
}

function sevBadge(sev) {
  const text = { error: 'error', warning: 'warning', info: 'note' }[sev] || dash(sev);
  return h('span', { class: `badge sev-${sev}` }, text);
}

function errorBox(err) {
  return h('div', { class: 'msg msg-error', role: 'alert' }, errorText(err));
}

function patientName(p) {
  if (!p || !p.name) return '';
  const n = p.name;
  return [n.family, n.given].filter(Boolean).join(', ');
}

function subTabs(app, current) {
  const tabs = [{ key: 'worklist', href: '#/coding', label: 'DNFC worklist' }];
  if (app.can('coding.write')) tabs.push({ key: 'productivity', href: '#/coding/productivity', label: 'Productivity' });
  tabs.push({ key: 'casemix', href: '#/coding/casemix', label: 'Case mix' });
  const list = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Coding views' },
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

export async function codingScreen(ctx) {
  const { parts } = ctx;
  stopChecks();
  if (parts[1] === 'productivity' && ctx.app.can('coding.write')) return productivityView(ctx);
  if (parts[1] === 'casemix') return casemixView(ctx, (current) => subTabs(ctx.app, current));
  if (/^\d+$/.test(parts[1] || '')) return codingView(ctx, parseInt(parts[1], 10));
  return worklistView(ctx);
}

/* ---------------- the DNFC worklist ---------------- */

function worklistQuery(query) {
  return {
    class: query.get('class') || '',
    payer: query.get('payer') || '',
    status: query.get('status') || '',
    assigned: query.get('assigned') || '',
    min_days: query.get('min_days') || '',
    offset: Math.max(0, parseInt(query.get('offset') || '0', 10) || 0),
  };
}

function worklistHash(q, offset = 0) {
  const p = new URLSearchParams();
  for (const k of ['class', 'payer', 'status', 'assigned', 'min_days']) if (q[k]) p.set(k, q[k]);
  if (offset) p.set('offset', String(offset));
  const s = p.toString();
  return s ? `#/coding?${s}` : '#/coding';
}

async function worklistView(ctx) {
  const { app, main, query } = ctx;
  app.setTitle('Coding worklist');
  const q = worklistQuery(query);
  const me = app.user.username;
  const manage = app.can('coding.manage');
  const write = app.can('coding.write');

  const cls = h('select', { name: 'class', 'data-search-focus': '' },
    h('option', { value: '' }, 'All classes'), CLASSES.map((c) => h('option', { value: c, selected: c === q.class }, c)));
  const payer = h('input', { name: 'payer', value: q.payer, placeholder: 'e.g. Medicare', size: 14 });
  const status = h('select', { name: 'status' },
    h('option', { value: '' }, 'Not final (all)'),
    ['uncoded', 'in_progress', 'on_hold', 'rebill'].map((s) => h('option', { value: s, selected: s === q.status }, STATUS_TEXT[s])));
  const assigned = h('select', { name: 'assigned' },
    h('option', { value: '' }, 'Anyone'), h('option', { value: 'me', selected: q.assigned === 'me' }, 'Me'),
    h('option', { value: 'unassigned', selected: q.assigned === 'unassigned' }, 'Unassigned'),
    q.assigned && !['me', 'unassigned'].includes(q.assigned) ? h('option', { value: q.assigned, selected: true }, q.assigned) : null);
  const minDays = h('input', { name: 'min_days', type: 'number', min: 0, value: q.min_days, size: 5 });
  const form = h('form', {
    class: 'inline-form coding-filters', 'aria-label': 'Worklist filters',
    onsubmit: (e) => {
      e.preventDefault();
      app.navigate(worklistHash({ class: cls.value, payer: payer.value.trim(), status: status.value, assigned: assigned.value, min_days: minDays.value }));
    },
  },
  field('Class', cls), field('Payer', payer), field('Status', status), field('Assigned to', assigned),
  field('DNFC days at least', minDays),
  h('div', { class: 'field actions' }, h('button', { type: 'submit', class: 'primary' }, 'Filter')));
  for (const el of [cls, status, assigned]) el.addEventListener('change', () => form.requestSubmit());

  const buckets = h('div', { class: 'buckets', 'aria-live': 'polite' });
  const actionMsg = h('div', { class: 'assign-result', 'aria-live': 'polite' });
  const results = h('div', { class: 'results' });
  mount(main, h('section', { class: 'panel coding' },
    h('h1', 'Coding'),
    subTabs(app, 'worklist'),
    form,
    buckets,
    h('p', { class: 'hint' }, 'Discharged encounters not yet final coded, oldest discharge first. ↓ / ↑ move between rows, Enter opens the coding screen, Space selects a row.'),
    actionMsg,
    results));
  mount(results, h('p', { class: 'muted' }, 'Loading…'));

  const params = { limit: PAGE, offset: q.offset, class: q.class, payer: q.payer, status: q.status, min_days: q.min_days };
  if (q.assigned === 'me') params.assigned_to = me;
  else if (q.assigned === 'unassigned') params.unassigned = 'true';
  else if (q.assigned) params.assigned_to = q.assigned;
  const [resp, coderList] = await Promise.all([
    api('GET', '/coding/worklist', { query: params }),
    manage ? api('GET', '/coding/coders') : Promise.resolve({ items: [] }),
  ]);
  if (!ctx.isCurrent()) return;
  const coders = itemsOf(coderList);
  const items = itemsOf(resp);
  const total = typeof resp.total === 'number' ? resp.total : items.length;

  const sum = resp.summary || { buckets: [] };
  mount(buckets, h('h2', { class: 'sr-only' }, 'Aging'),
    h('ul', { class: 'bucket-list', 'aria-label': 'DNFC aging: encounters by days since discharge' },
      (sum.buckets || []).map((b) => h('li', { class: ['bucket', b.count ? '' : 'empty', b.min_days >= 15 ? 'late' : ''], 'data-bucket': b.label },
        h('a', { href: worklistHash({ ...q, min_days: b.min_days ? String(b.min_days) : '' }), title: `Show encounters at least ${b.min_days} days since discharge` },
          h('span', { class: 'b-count' }, String(b.count)), h('span', { class: 'b-label' }, `${b.label} days`)))),
      h('li', { class: 'bucket total' }, h('span', { class: 'b-count' }, String(sum.total ?? total)), h('span', { class: 'b-label' }, 'in all'))));

  if (!items.length) {
    mount(results, h('p', { class: 'muted', role: 'status' }, 'No encounters waiting for coding with these filters.'));
    return;
  }
  const selected = new Set();
  const countText = h('span', { class: 'sel-count', 'aria-live': 'polite' }, 'No rows selected');
  const updateCount = () => {
    countText.textContent = selected.size ? `${selected.size} selected` : 'No rows selected';
    for (const b of actionButtons) b.disabled = selected.size === 0;
  };
  const actionButtons = [];
  const rows = items.map((w) => {
    const box = h('input', { type: 'checkbox', 'aria-label': `Select encounter ${w.encounter_id}`, tabindex: -1 });
    box.addEventListener('change', () => { if (box.checked) selected.add(w.encounter_id); else selected.delete(w.encounter_id); row.classList.toggle('selected', box.checked); updateCount(); });
    const name = patientName(w.patient);
    const row = h('tr', {
      tabindex: 0, 'data-id': w.encounter_id,
      'aria-label': `Encounter ${w.encounter_id}${name ? `, ${name}` : ''}, ${w.dnfc_days} days since discharge, ${STATUS_TEXT[w.status] || w.status}${w.assigned_to ? `, assigned to ${w.assigned_to}` : ''}`,
    },
    write || manage ? h('td', box) : null,
    h('td', { class: ['num', w.dnfc_days > 30 ? 'late' : ''] }, String(w.dnfc_days)),
    h('td', fmtDate(w.discharge_at)),
    h('td', name ? h('a', { href: `#/coding/${w.encounter_id}`, tabindex: -1 }, name) : h('a', { href: `#/coding/${w.encounter_id}`, tabindex: -1 }, `Patient #${w.patient_id}`),
      h('div', { class: 'small muted' }, `#${w.patient_id}`, w.patient && w.patient.mrn ? ` · MRN ${w.patient.mrn}` : '')),
    h('td', { class: 'small' }, dash(w.account_number)),
    h('td', dash(w.class)),
    h('td', dash(w.service)),
    h('td', dash(w.payer)),
    h('td', statusBadge(w.status, w.hold_reason)),
    h('td', w.assigned_to ? w.assigned_to : h('span', { class: 'muted' }, 'unassigned')));
    row.addEventListener('keydown', (e) => {
      if (e.key === ' ' && e.target === row && (write || manage)) { box.checked = !box.checked; box.dispatchEvent(new Event('change')); e.preventDefault(); }
    });
    return row;
  });
  const tbody = h('tbody', rows);
  keyRows(tbody, (row) => app.navigate(`#/coding/${row.dataset.id}`));

  const doAssign = async (coder, label) => {
    const ids = [...selected];
    if (!ids.length) return;
    for (const b of actionButtons) b.disabled = true;
    mount(actionMsg, h('span', { class: 'muted' }, 'Assigning…'));
    try {
      const r = await api('POST', '/coding/assign', { body: { encounter_ids: ids, coder } });
      app.flashNext(`${r.assigned} encounter${r.assigned === 1 ? '' : 's'} ${label}.`, 'ok');
      app.navigate(location.hash || '#/coding');
    } catch (err) {
      if (err.status !== 401) mount(actionMsg, errorBox(err));
      updateCount();
    }
  };
  const bar = h('div', { class: 'assign-bar', role: 'group', 'aria-label': 'Assign the selected encounters' }, countText);
  if (write) {
    const take = h('button', { type: 'button', disabled: true, onclick: () => doAssign(me, `assigned to you`) }, 'Take (assign to me)');
    actionButtons.push(take);
    bar.append(take);
  }
  if (manage) {
    // the coders a lead may assign to (active users who may code)
    const coder = h('select', { name: 'coder' }, h('option', { value: '' }, 'Choose a coder…'),
      coders.map((c) => h('option', { value: c.username }, c.display_name ? `${c.display_name} (${c.username})` : c.username)));
    const assignBtn = h('button', {
      type: 'button', disabled: true,
      onclick: () => {
        const u = coder.value;
        if (!u) { coder.focus(); mount(actionMsg, h('div', { class: 'msg msg-warn', role: 'alert' }, 'Choose the coder to assign to.')); return; }
        doAssign(u, `assigned to ${u}`);
      },
    }, 'Assign');
    const unassign = h('button', { type: 'button', disabled: true, onclick: () => doAssign(null, 'unassigned') }, 'Unassign');
    actionButtons.push(assignBtn, unassign);
    bar.append(field('Coder', coder), assignBtn, unassign);
  }
  const pager = pagerFor(total, q.offset, PAGE, (off) => app.navigate(worklistHash(q, off)));
  mount(results, write || manage ? bar : null, h('div', { class: 'table-wrap' }, h('table', { class: 'grid-table coding-worklist' },
    h('caption', { class: 'sr-only' }, 'Discharged, not final coded encounters'),
    h('thead', h('tr', [write || manage ? h('th', h('span', { class: 'sr-only' }, 'Select')) : null, 'DNFC days', 'Discharged', 'Patient', 'Account', 'Class', 'Service', 'Payer', 'Status', 'Assigned to'].filter(Boolean).map((x) => (typeof x === 'string' ? h('th', x) : x)))),
    tbody)), pager);
  tbody.firstElementChild.focus();
}

/* ---------------- productivity ---------------- */

async function productivityView(ctx) {
  const { app, main, query } = ctx;
  app.setTitle('Coding productivity');
  const from = h('input', { type: 'date', name: 'from', value: query.get('from') || '' });
  const to = h('input', { type: 'date', name: 'to', value: query.get('to') || '' });
  const results = h('div', { class: 'results' });
  const form = h('form', {
    class: 'inline-form', 'aria-label': 'Period',
    onsubmit: (e) => {
      e.preventDefault();
      const p = new URLSearchParams();
      if (from.value) p.set('from', from.value);
      if (to.value) p.set('to', to.value);
      app.navigate(`#/coding/productivity${p.toString() ? '?' + p : ''}`);
    },
  }, field('From', from), field('To', to), h('div', { class: 'field actions' }, h('button', { type: 'submit', class: 'primary' }, 'Show')));
  mount(main, h('section', { class: 'panel coding' }, h('h1', 'Coding'), subTabs(app, 'productivity'), form, results));
  const r = await api('GET', '/coding/productivity', { query: { from: query.get('from'), to: query.get('to') } });
  if (!ctx.isCurrent()) return;
  if (!from.value) from.value = r.from;
  if (!to.value) to.value = r.to;
  const items = r.items || [];
  const caption = `${r.scope === 'all' ? 'Every coder' : 'Your work'}, ${r.from} to ${r.to}`;
  if (!items.length) {
    mount(results, h('p', { class: 'muted', role: 'status' }, `${caption}: no coding activity.`));
    return;
  }
  mount(results, h('div', { class: 'table-wrap' }, h('table', { class: 'grid-table productivity' },
    h('caption', caption),
    h('thead', h('tr', ['Coder', 'Finalized', 'Inpatient', 'Outpatient', 'Emergency', 'Observation', 'Other', 'Active hours', 'Charts per hour'].map((x) => h('th', x)))),
    h('tbody', items.map((x) => h('tr',
      h('td', x.coder), h('td', { class: 'num' }, String(x.finalized)),
      ['inpatient', 'outpatient', 'emergency', 'observation', 'other'].map((k) => h('td', { class: 'num' }, String((x.by_class || {})[k] ?? 0))),
      h('td', { class: 'num' }, Number(x.active_hours).toFixed(2)),
      h('td', { class: 'num' }, Number(x.charts_per_hour).toFixed(2))))))),
  h('p', { class: 'hint' }, 'Active hours are measured from the abstracts\' change history: a coder\'s changes to one abstract form a sitting, and a gap of more than 15 minutes ends it.'));
}

/* ---------------- the coding screen ---------------- */

let checkTimer = null;
function stopChecks() {
  if (checkTimer) { clearTimeout(checkTimer); checkTimer = null; }
}

let keySeq = 0;
function fromServer(c) {
  return {
    key: ++keySeq, role: c.role, system: c.system, code: c.code, dotted: c.dotted || c.code, title: c.title || '',
    poa: c.poa || '', date: c.date || '', operator: c.operator || '', modifiers: c.modifiers || '',
  };
}

function dottedOf(system, code) {
  const c = String(code || '').replace(/\./g, '').toUpperCase();
  return system === 'icd10cm' && c.length > 3 ? `${c.slice(0, 3)}.${c.slice(3)}` : c;
}

async function codingView(ctx, encId) {
  const { app, main } = ctx;
  app.setTitle(`Coding encounter ${encId}`);
  mount(main, h('p', { class: 'muted' }, 'Loading…'));
  const resp = await api('GET', `/encounters/${encId}/abstract`, { withEtag: true });
  if (!ctx.isCurrent()) return;
  const st = {
    encId, abs: resp.data, etag: resp.etag || `"v${resp.data.version}"`, codes: {}, dirty: false,
    findings: resp.data.findings || [], blocking: !!resp.data.blocking, mceLoaded: !!resp.data.mce_loaded,
    checkSeq: 0, busy: false,
  };
  for (const s of SEND_ORDER) st.codes[s] = [];
  for (const c of resp.data.codes || []) (st.codes[c.role] || (st.codes[c.role] = [])).push(fromServer(c));
  renderCoding(ctx, st);
}

function isInpatient(st) {
  return ((st.abs.encounter || {}).class || '') === 'inpatient';
}

function editable(ctx, st) {
  return ctx.app.can('coding.write') && st.abs.status !== 'final';
}

function flat(st) {
  const out = [];
  for (const r of SEND_ORDER) for (const c of st.codes[r] || []) out.push(c);
  return out;
}

function payload(st) {
  return flat(st).map((c) => {
    const o = { role: c.role, system: c.system, code: c.code };
    if (SECTION[c.role].dx) { if (c.poa) o.poa = c.poa; } else {
      if (c.date) o.date = c.date;
      if (c.operator) o.operator = c.operator;
      if (c.modifiers) o.modifiers = c.modifiers;
    }
    return o;
  });
}

function renderCoding(ctx, st) {
  const { app, main } = ctx;
  const a = st.abs;
  const enc = a.encounter || {};
  const p = a.patient || {};
  const name = patientName(p);
  app.setTitle(`Coding ${name || `encounter ${st.encId}`}`);

  const banner = h('div', { class: 'banner coding-banner' },
    h('h1', name || `Patient #${a.patient_id}`),
    h('span', { class: 'kv' }, h('b', 'Encounter '), `#${st.encId}`),
    app.can('patient.read') ? h('a', { href: `#/patient/${a.patient_id}` }, 'Open chart') : null,
    enc.account_number ? h('span', { class: 'kv' }, h('b', 'Account '), enc.account_number) : null,
    h('span', { class: 'kv' }, h('b', 'Class '), dash(enc.class)),
    h('span', { class: 'kv' }, h('b', 'Stay '), `${fmtDate(enc.admit_at)} – ${fmtDate(enc.discharge_at)}`, enc.los != null ? ` (${enc.los} d)` : ''),
    h('span', { class: 'kv' }, h('b', 'Age '), dash(enc.age), h('b', ' Sex '), dash(enc.sex)),
    enc.disposition ? h('span', { class: 'kv' }, h('b', 'Disposition '), enc.disposition_title ? `${enc.disposition} ${enc.disposition_title}` : enc.disposition) : null,
    h('span', { class: 'kv' }, h('b', 'Code set as of '), dash(a.code_date)),
    h('span', { class: 'kv abs-status' }, statusBadge(a.status, a.hold_reason), ` v${a.version}`),
    h('span', { class: 'kv' }, h('b', 'Assigned '), a.assigned_to || 'nobody'));

  const docsPane = h('section', { class: 'card coding-docs', 'aria-label': 'Documentation' });
  const absPane = h('section', { class: 'card coding-abstract', 'aria-label': 'Abstract' });
  const sourcePane = h('section', { class: 'card coding-source', 'aria-label': 'Source system codes' });
  const historyPane = h('section', { class: 'card coding-history', hidden: true, 'aria-label': 'History' });
  // MS-DRG applies to inpatient stays only
  let drgPane = null;
  if (isInpatient(st)) {
    const fresh = !st.drg;
    if (fresh) st.drg = drgPanel(ctx, st, { codes: () => payload(st), list: () => flat(st) });
    drgPane = st.drg.el;
    // opening: the saved abstract's DRG (an audited read); after a save or a status change, the
    // codes on screen (their rows are new)
    if (fresh) st.drg.load(); else st.drg.refresh();
  }
  mount(main, h('div', { class: 'coding-screen' },
    h('a', { class: 'back', href: '#/coding' }, '‹ Worklist'),
    banner,
    h('div', { class: 'coding-cols' }, h('div', { class: 'coding-left' }, docsPane), h('div', { class: 'coding-right' }, absPane, drgPane, sourcePane, historyPane))));

  renderDocs(ctx, st, docsPane);
  renderSource(ctx, st, sourcePane);
  renderAbstract(ctx, st, absPane);
  st.historyPane = historyPane;
  if (st.historyOpen) loadHistory(ctx, st);
}

/* ---- documents (left pane) ---- */

function renderDocs(ctx, st, pane) {
  const docs = st.abs.documents;
  if (docs === null || docs === undefined) {
    mount(pane, h('h2', 'Documentation'), h('p', { class: 'muted' }, 'Your roles do not include reading documents.'));
    return;
  }
  if (!docs.length) {
    mount(pane, h('h2', 'Documentation'), h('p', { class: 'muted' }, 'No documents filed for this encounter.'));
    return;
  }
  const view = h('div', { class: 'doc-pane', 'aria-live': 'polite' });
  const buttons = docs.map((d) => h('li', h('button', {
    type: 'button', class: 'doc-pick', 'data-id': d.id, 'aria-pressed': 'false',
    onclick: () => openDoc(d),
  }, h('span', { class: 'd-title' }, d.title || d.type_title || `Document ${d.id}`),
  h('span', { class: 'small muted' }, ` ${fmtDate(d.service_at || d.filed_at)} · ${dash(d.type_title || d.type_code)}${d.status ? ` · ${d.status}` : ''}`))));
  const list = h('ul', { class: 'doc-list', 'aria-label': 'Documents of this encounter' }, buttons);
  async function openDoc(d) {
    for (const b of list.querySelectorAll('button')) b.setAttribute('aria-pressed', b.dataset.id === String(d.id) ? 'true' : 'false');
    mount(view, h('p', { class: 'muted' }, 'Loading…'));
    try {
      const v = await api('GET', `/documents/${d.id}/versions/${d.version_no}`);
      if (typeof v.content === 'string') {
        mount(view, h('h3', d.title || d.type_title || `Document ${d.id}`),
          h('pre', { class: 'doc-text', tabindex: 0, 'aria-label': `Text of ${d.title || 'the document'}` }, v.content));
      } else {
        mount(view, h('p', 'This document is not text. ', h('a', { href: `/api/v1/documents/${d.id}/versions/${d.version_no}/content`, download: '' }, 'Download it'), '.'));
      }
    } catch (err) {
      if (err.status !== 401) mount(view, errorBox(err));
    }
  }
  mount(pane, h('h2', 'Documentation', h('span', { class: 'muted small' }, ` — ${docs.length}`)), list, view);
  openDoc(docs.find((d) => /discharge/i.test(`${d.title} ${d.type_title}`)) || docs[0]);
}

/* ---- the source system's codes ---- */

function renderSource(ctx, st, pane) {
  const src = st.abs.source_codes || [];
  if (!src.length) {
    mount(pane, h('h2', 'Source system codes'), h('p', { class: 'muted' }, 'The registration or clinical systems sent no codes for this encounter.'));
    return;
  }
  // The same code sent day after day (a daily procedure) is one row with its dates and count.
  const groups = new Map();
  for (const s of src) {
    const k = `${s.kind}|${s.system}|${s.code}`;
    const g = groups.get(k);
    if (!g) groups.set(k, { ...s, first: s.date || '', last: s.date || '', count: 1 });
    else {
      g.count++;
      if (s.date && (!g.first || s.date < g.first)) g.first = s.date;
      if (s.date && s.date > g.last) g.last = s.date;
    }
  }
  const canEdit = editable(ctx, st);
  const when = (g) => (g.count > 1 && fmtDate(g.first) !== fmtDate(g.last)
    ? `${fmtDate(g.first)} – ${fmtDate(g.last)}` : fmtDate(g.first));
  mount(pane, h('h2', 'Source system codes', h('span', { class: 'muted small' }, ` — ${src.length} as received, for reference`)),
    h('div', { class: 'table-wrap source-wrap' }, h('table', { class: 'grid-table source-codes' },
      h('thead', h('tr', ['Kind', 'System', 'Code', 'Description', 'Date', 'Times', ''].map((x) => h('th', x)))),
      h('tbody', [...groups.values()].map((g) => h('tr',
        h('td', g.kind, dxLabel(g)), h('td', { class: 'small' }, shortSystem(g.system)), h('td', { class: 'mono' }, g.code),
        h('td', dash(g.display)), h('td', { class: 'small' }, when(g)), h('td', { class: 'num' }, String(g.count)),
        h('td', { class: 'actions' }, canEdit ? sourceAction(ctx, st, g) : null)))))));
}

// The clinician's diagnosis type and rank (HL7 DG1-6 table 0052, DG1-15 table 0359), or null.
function dxLabel(g) {
  const types = { A: 'admitting', W: 'working', F: 'final' };
  const parts = [];
  if (g.dx_type) parts.push(types[g.dx_type] || `type ${g.dx_type}`);
  if (g.dx_priority === 1) parts.push('principal');
  else if (g.dx_priority === 0) parts.push('not ranked');
  else if (g.dx_priority != null) parts.push(`rank ${g.dx_priority}`);
  return parts.length ? h('div', { class: 'muted small dx-statement' }, parts.join(', ')) : null;
}

function shortSystem(sys) {
  if (!sys) return '—';
  if (/snomed/i.test(sys)) return 'SNOMED CT';
  return sys.replace(/^https?:\/\/(www\.)?/, '');
}

function sourceAction(ctx, st, s) {
  if (s.abstract_system && s.abstract_code) {
    const dx = s.abstract_system === 'icd10cm';
    return h('button', {
      type: 'button', 'aria-label': `Add ${s.code} to the abstract`,
      onclick: () => {
        const role = dx ? (st.codes.principal.length ? 'secondary' : 'principal') : 'procedure';
        addCode(ctx, st, role, { system: s.abstract_system, code: s.abstract_code, dotted: dottedOf(s.abstract_system, s.abstract_code), title: s.display || '' }, dx ? {} : { date: (s.date || '').slice(0, 10) });
      },
    }, 'Add');
  }
  // Another terminology (SNOMED CT...): look the description up in the encoder.
  return h('button', {
    type: 'button', 'aria-label': `Look up ${s.display || s.code} in the encoder`,
    onclick: () => {
      const picker = st.pickers && st.pickers[s.kind === 'procedure' ? 'procedure' : (st.codes.principal.length ? 'secondary' : 'principal')];
      if (picker) picker.lookup(s.display || s.code);
    },
  }, 'Look up');
}

/* ---- the abstract (right pane) ---- */

function renderAbstract(ctx, st, pane) {
  const { app } = ctx;
  const a = st.abs;
  const canEdit = editable(ctx, st);
  const inpatient = isInpatient(st);
  const cls = (a.encounter || {}).class || '';
  for (const pk of Object.values(st.pickers || {})) pk.destroy();
  st.pickers = {};
  st.rowOf = new Map();

  const sections = SECTIONS.filter((s) => {
    if (st.codes[s.role].length) return true;
    if (s.inpatient && !inpatient) return false;
    if (s.outpatient && inpatient) return false;
    if (s.outpatient && !['outpatient', 'emergency', 'observation', 'ambulatory'].includes(cls)) return false;
    return true;
  }).map((s) => renderSection(ctx, st, s, canEdit, inpatient));

  const findingsBox = h('div', { class: 'findings-summary', 'aria-live': 'polite' });
  st.findingsBox = findingsBox;
  const actions = h('div', { class: 'abs-actions' });
  st.actionsBox = actions;
  st.noteBox = h('div', { class: 'abs-note small', role: 'status' });
  mount(pane,
    h('div', { class: 'title-row' }, h('h2', 'Abstract'),
      h('span', { class: 'dirty', hidden: !st.dirty, 'aria-live': 'polite' }, 'Unsaved changes')),
    st.drg ? st.drg.summary : null,
    st.noteBox,
    canEdit ? null : h('p', { class: 'muted small' }, a.status === 'final' ? 'Final: reopen it for rebilling to change it.' : 'Read only: your roles do not include coding.'),
    sections,
    findingsBox,
    actions);
  st.dirtyMark = pane.querySelector('.dirty');
  renderNote(st);
  renderFindings(ctx, st);
  renderActions(ctx, st);
  if (st.drg) st.drg.tags();
}

/* A one-line note about the last edit (shown once). */
function renderNote(st) {
  if (!st.noteBox) return;
  st.noteBox.textContent = st.note || '';
  st.note = '';
}

function renderSection(ctx, st, s, canEdit, inpatient) {
  const list = st.codes[s.role];
  const showPoa = s.poa && inpatient;
  const proc = !s.dx;
  const rows = list.map((c, i) => {
    const poa = showPoa ? h('select', {
      'aria-label': `Present on admission for ${c.dotted}`, class: 'poa', disabled: !canEdit,
      onchange: (e) => { c.poa = e.target.value; changed(ctx, st, true); },
    }, POA_VALUES.map(([v, t]) => h('option', { value: v, selected: v === c.poa }, t))) : null;
    const date = proc ? h('input', {
      type: 'date', value: c.date, 'aria-label': `Date of ${c.dotted}`, disabled: !canEdit,
      onchange: (e) => { c.date = e.target.value; changed(ctx, st, true); },
    }) : null;
    const op = proc ? h('input', {
      value: c.operator, placeholder: 'operator', size: 14, 'aria-label': `Operator of ${c.dotted}`, disabled: !canEdit,
      oninput: (e) => { c.operator = e.target.value; changed(ctx, st, true); },
    }) : null;
    const tools = canEdit ? h('td', { class: 'actions' },
      h('button', { type: 'button', class: 'link', 'aria-label': `Move ${c.dotted} up`, disabled: i === 0, onclick: () => move(ctx, st, s.role, i, -1) }, '↑'),
      h('button', { type: 'button', class: 'link', 'aria-label': `Move ${c.dotted} down`, disabled: i === list.length - 1, onclick: () => move(ctx, st, s.role, i, 1) }, '↓'),
      s.role === 'secondary' && !st.codes.principal.length
        ? h('button', { type: 'button', class: 'link', 'aria-label': `Make ${c.dotted} the principal diagnosis`, onclick: () => promote(ctx, st, i) }, 'Make principal') : null,
      h('button', { type: 'button', class: 'link remove', 'aria-label': `Remove ${c.dotted}`, onclick: () => remove(ctx, st, s.role, i) }, '✕')) : h('td');
    const findings = h('ul', { class: 'code-findings' });
    const drgTag = h('span', { class: 'drg-tag', hidden: true });
    const row = h('tr', { 'data-code': c.code, 'data-key': c.key },
      h('td', { class: 'num seq' }, String(i + 1)),
      h('td', { class: 'mono code' }, c.dotted),
      h('td', { class: 'title' }, c.title || h('span', { class: 'muted' }, '(no title in the code set in force)'), drgTag, findings),
      showPoa ? h('td', poa) : null,
      proc ? h('td', date) : null,
      proc ? h('td', op) : null,
      tools);
    st.rowOf.set(c.key, { row, findings, drgTag });
    return row;
  });
  const head = ['#', 'Code', 'Description', showPoa ? 'POA' : null, proc ? 'Date' : null, proc ? 'Operator' : null, ''].filter((x) => x !== null);
  const table = list.length ? h('table', { class: 'grid-table abs-codes', 'data-role': s.role },
    h('caption', { class: 'sr-only' }, s.label),
    h('thead', h('tr', head.map((x) => h('th', x)))),
    h('tbody', rows)) : h('p', { class: 'muted small empty-role' }, 'None.');
  let adder = null;
  if (canEdit && list.length < s.max) adder = pickerFor(ctx, st, s);
  return h('section', { class: 'abs-section', 'data-role': s.role, 'aria-label': s.label },
    h('h3', s.label), h('div', { class: 'table-wrap' }, table), adder);
}

/* The encoder's picker (web/js/encoder.js) for a section; the procedure section also offers the
 * ICD-10-PCS builder for inpatients. */
function pickerFor(ctx, st, s) {
  const date = st.abs.code_date || undefined;
  const system = s.dx ? 'icd10cm' : 'icd10pcs';
  const label = s.add;
  const onPick = (hit) => {
    if (!hit || !hit.code) return;
    addCode(ctx, st, s.role, { system: hit.system || system, code: hit.code, dotted: hit.dotted || dottedOf(hit.system || system, hit.code), title: hit.title || '' },
      s.dx ? {} : { date: (st.abs.encounter && st.abs.encounter.admit_at || '').slice(0, 10) });
  };
  const box = h('div', { class: 'abs-add', 'data-role': s.role });
  const picker = codePicker({ system, label, onPick, id: `pick-${s.role}` });
  box.append(picker.el);
  st.pickers[s.role] = {
    lookup(text) { picker.setQuery(text); picker.focus(); },
    destroy() { picker.destroy(); },
  };
  if (!s.dx) {
    const holder = h('div', { class: 'pcs-holder', hidden: true });
    const open = h('button', {
      type: 'button', 'aria-expanded': 'false',
      onclick: () => {
        const show = holder.hidden;
        holder.hidden = !show;
        open.setAttribute('aria-expanded', show ? 'true' : 'false');
        if (show && !holder.firstChild) {
          const b = pcsBuilder({ date, completeLabel: 'Add this procedure', onComplete: (code, title) => onPick({ system: 'icd10pcs', code, dotted: code, title }) });
          holder.append(b.el);
        }
      },
    }, 'PCS builder');
    box.append(open, holder);
  }
  return box;
}

function addCode(ctx, st, role, hit, extra = {}) {
  const s = SECTION[role];
  if (st.codes[role].length >= s.max) {
    // A second principal goes to the secondary list.
    if (role === 'principal') role = 'secondary';
    else { st.note = `${s.label}: at most ${s.max}.`; renderNote(st); return; }
  }
  const code = String(hit.code).replace(/\./g, '').toUpperCase();
  if (flat(st).some((c) => c.code === code && c.system === hit.system && c.role === role)) {
    st.note = `${hit.dotted || code} is already on the abstract.`;
    renderNote(st);
    return;
  }
  st.codes[role].push({ key: ++keySeq, role, system: hit.system, code, dotted: hit.dotted || dottedOf(hit.system, code), title: hit.title || '', poa: '', date: extra.date || '', operator: '', modifiers: '' });
  changed(ctx, st, false, role);
}

function move(ctx, st, role, i, d) {
  const list = st.codes[role];
  const j = i + d;
  if (j < 0 || j >= list.length) return;
  [list[i], list[j]] = [list[j], list[i]];
  changed(ctx, st, false, role, list[j].key, d < 0 ? 'up' : 'down');
}

function promote(ctx, st, i) {
  const [c] = st.codes.secondary.splice(i, 1);
  c.role = 'principal';
  st.codes.principal.push(c);
  changed(ctx, st, false, 'principal');
}

function remove(ctx, st, role, i) {
  const [c] = st.codes[role].splice(i, 1);
  st.note = `${c.dotted} removed (not saved yet).`;
  changed(ctx, st, false, role);
}

/** After an edit: mark unsaved, schedule a check; a change of the list (add, move, remove)
 * re-renders it (the findings' code indexes no longer apply until the check answers), a change
 * inside a row (POA, date, operator) keeps the rows and the focus. */
function changed(ctx, st, inRow = false, focusRole = null, focusKey = null, focusDir = null) {
  st.dirty = true;
  if (!inRow) {
    st.checking = true;
    const pane = document.querySelector('.coding-abstract');
    if (pane) renderAbstract(ctx, st, pane);
    refocus(st, focusRole, focusKey, focusDir);
  } else if (st.dirtyMark) {
    st.dirtyMark.hidden = false;
    renderActions(ctx, st);
  }
  scheduleCheck(ctx, st);
}

function refocus(st, role, key, dir) {
  if (key && st.rowOf.has(key)) {
    const b = st.rowOf.get(key).row.querySelector(`button[aria-label^="Move"][aria-label$="${dir}"]`);
    if (b && !b.disabled) { b.focus(); return; }
    const any = st.rowOf.get(key).row.querySelector('button, select, input');
    if (any) any.focus();
    return;
  }
  if (role) {
    const sec = document.querySelector(`.abs-section[data-role="${role}"]`);
    const target = sec && (sec.querySelector('.abs-add input') || sec.querySelector('tbody tr:last-child select, tbody tr:last-child button'));
    if (target) target.focus();
  }
}

function scheduleCheck(ctx, st) {
  stopChecks();
  const seq = ++st.checkSeq;
  // data-pending: a check of the abstract as shown is on its way (the tests wait on it)
  if (st.findingsBox) st.findingsBox.dataset.pending = 'true';
  if (st.drg) st.drg.schedule();
  checkTimer = setTimeout(async () => {
    checkTimer = null;
    // the DRG of the same draft, side by side with the check
    if (st.drg) st.drg.refresh();
    try {
      const r = await api('POST', `/encounters/${st.encId}/abstract/check`, { body: { codes: payload(st) } });
      if (seq !== st.checkSeq || !ctx.isCurrent()) return;
      st.findings = r.findings || [];
      st.blocking = !!r.blocking;
      st.mceLoaded = !!r.mce_loaded;
      st.checking = false;
      if (st.findingsBox) delete st.findingsBox.dataset.pending;
      renderFindings(ctx, st);
      renderActions(ctx, st);
    } catch (err) {
      if (seq !== st.checkSeq || err.status === 401) return;
      st.checking = false;
      if (!st.findingsBox) return;
      delete st.findingsBox.dataset.pending;
      mount(st.findingsBox, h('h3', 'Checks'), errorBox(err));
    }
  }, CHECK_DELAY_MS);
}

function findingItem(f) {
  return h('li', { class: `finding sev-${f.severity}`, 'data-kind': f.kind, 'data-severity': f.severity },
    sevBadge(f.severity), ' ', f.message);
}

/* Findings beside their codes and in a summary. */
function renderFindings(ctx, st) {
  const list = flat(st);
  for (const { row, findings } of st.rowOf.values()) { clear(findings); row.classList.remove('has-error', 'has-warning'); }
  if (st.checking) {
    if (st.findingsBox) mount(st.findingsBox, h('h3', 'Checks ', h('span', { class: 'muted small' }, '— checking the changes…')));
    return;
  }
  for (const f of st.findings) {
    const c = f.code_index !== null && f.code_index !== undefined ? list[f.code_index] : null;
    const slot = c && st.rowOf.get(c.key);
    if (slot) {
      slot.findings.append(findingItem(f));
      if (f.severity === 'error') slot.row.classList.add('has-error');
      else if (f.severity === 'warning') slot.row.classList.add('has-warning');
    }
  }
  const n = (sev) => st.findings.filter((f) => f.severity === sev).length;
  const box = st.findingsBox;
  if (!box) return;
  const counts = `${n('error')} error${n('error') === 1 ? '' : 's'}, ${n('warning')} warning${n('warning') === 1 ? '' : 's'}, ${n('info')} note${n('info') === 1 ? '' : 's'}`;
  mount(box,
    h('h3', 'Checks ', h('span', { class: 'muted small' }, `— ${counts}`)),
    st.findings.length ? h('ul', { class: 'finding-list' }, st.findings.map((f) => {
      const c = f.code_index !== null && f.code_index !== undefined ? list[f.code_index] : null;
      const li = findingItem(f);
      if (c && st.rowOf.get(c.key)) {
        const go = h('button', { type: 'button', class: 'link', 'aria-label': `Go to ${c.dotted}` }, c.dotted);
        go.addEventListener('click', () => { const t = st.rowOf.get(c.key).row.querySelector('select, input, button'); if (t) t.focus(); });
        li.insertBefore(go, li.children[1] || null);
      }
      return li;
    })) : h('p', { class: 'muted small' }, 'No findings.'),
    st.mceLoaded ? null : h('p', { class: 'hint' }, 'The MCE tables are not loaded: MCE edits were not run.'));
}

/* Save, hold, finalize, rebill, history. */
function renderActions(ctx, st) {
  const { app } = ctx;
  const box = st.actionsBox;
  if (!box) return;
  const a = st.abs;
  const write = app.can('coding.write');
  const msg = h('div', { class: 'action-msg', 'aria-live': 'polite' });
  const parts = [];
  const blocking = st.findings.filter((f) => f.severity === 'error');

  if (write && a.status !== 'final') {
    const needReason = a.status === 'rebill';
    const reason = h('input', { name: 'reason', size: 28, value: st.reasonText || '', placeholder: needReason ? 'required after final' : 'optional',
      oninput: (e) => { st.reasonText = e.target.value; } });
    const save = h('button', { type: 'button', class: 'primary', disabled: !st.dirty || st.busy, onclick: () => doSave(ctx, st, reason, msg) }, 'Save');
    parts.push(h('div', { class: 'act save-row' }, field(needReason ? 'Reason for the change (required)' : 'Reason for the change', reason), h('div', { class: 'field actions' }, save)));

    const finalize = h('button', {
      type: 'button', class: 'finalize', disabled: st.dirty || st.busy || blocking.length > 0 || !['in_progress', 'rebill'].includes(a.status),
      'aria-describedby': 'finalize-why', onclick: () => doStatus(ctx, st, { to: 'final' }, msg),
    }, 'Finalize');
    const why = h('div', { id: 'finalize-why', class: 'small finalize-why' },
      blocking.length ? [h('span', `Finalizing is blocked by ${blocking.length} error${blocking.length === 1 ? '' : 's'}:`),
        h('ul', { class: 'blocking-list' }, blocking.map((f) => h('li', f.dotted ? `${f.dotted}: ` : '', f.message)))]
        : st.dirty ? 'Save the changes before finalizing.'
          : a.status === 'on_hold' ? 'Release the hold before finalizing.'
            : a.status === 'uncoded' ? 'Save the codes first.' : 'No blocking findings.');
    parts.push(h('div', { class: 'act finalize-row' }, finalize, why));

    if (a.status === 'on_hold') {
      parts.push(h('div', { class: 'act' }, h('button', { type: 'button', disabled: st.busy, onclick: () => doStatus(ctx, st, { to: 'in_progress' }, msg) }, 'Release hold')));
    } else {
      const hold = h('select', { name: 'hold_reason' }, HOLD_REASONS.map(([v, t]) => h('option', { value: v }, t)));
      const note = h('input', { name: 'hold_note', size: 24, placeholder: 'note (required for Other)' });
      parts.push(h('div', { class: 'act hold-row' }, field('Hold reason', hold), field('Hold note', note),
        h('div', { class: 'field actions' }, h('button', {
          type: 'button', disabled: st.busy || st.dirty,
          title: st.dirty ? 'Save the changes first' : '',
          onclick: () => doStatus(ctx, st, { to: 'on_hold', hold_reason: hold.value, hold_note: note.value.trim() || undefined }, msg),
        }, 'Put on hold'))));
    }
  }
  if (write && a.status === 'final') {
    const reason = h('input', { name: 'rebill_reason', size: 30, placeholder: 'why it is reopened' });
    parts.push(h('div', { class: 'act rebill-row' }, field('Reason to reopen', reason), h('div', { class: 'field actions' }, h('button', {
      type: 'button', disabled: st.busy,
      onclick: () => {
        if (!reason.value.trim()) { mount(msg, h('div', { class: 'msg msg-warn', role: 'alert' }, 'Say why the abstract is reopened.')); reason.focus(); return; }
        doStatus(ctx, st, { to: 'rebill', reason: reason.value.trim() }, msg);
      },
    }, 'Reopen for rebill'))));
  }
  const hist = h('button', { type: 'button', 'aria-expanded': st.historyOpen ? 'true' : 'false', onclick: () => toggleHistory(ctx, st, hist) }, st.historyOpen ? 'Hide history' : 'History');
  parts.push(h('div', { class: 'act' }, hist, a.finalized_at ? h('span', { class: 'small muted' }, ` Finalized by ${dash(a.finalized_by)} ${fmtTime(a.finalized_at)}`) : null));
  mount(box, h('h3', 'Actions'), msg, parts);
  if (st.lastMsg) { mount(msg, st.lastMsg); st.lastMsg = null; }
  if (st.dirtyMark) st.dirtyMark.hidden = !st.dirty;
}

function applyAbstract(ctx, st, resp) {
  const a = resp.data;
  // A code not in the code set in force on the code date has no title from the server: keep
  // the one the encoder showed when it was picked.
  const known = new Map(flat(st).filter((c) => c.title).map((c) => [`${c.system}:${c.code}`, c.title]));
  st.abs = a;
  st.etag = resp.etag || `"v${a.version}"`;
  st.codes = {};
  for (const s of SEND_ORDER) st.codes[s] = [];
  for (const c of a.codes || []) {
    const x = fromServer(c);
    if (!x.title) x.title = known.get(`${x.system}:${x.code}`) || '';
    (st.codes[c.role] || (st.codes[c.role] = [])).push(x);
  }
  st.findings = a.findings || [];
  st.blocking = !!a.blocking;
  st.mceLoaded = !!a.mce_loaded;
  st.checking = false;
  st.dirty = false;
  st.checkSeq++;
  stopChecks();
}

async function doSave(ctx, st, reasonInput, msg) {
  const reason = reasonInput.value.trim();
  if (st.abs.status === 'rebill' && !reason) {
    mount(msg, h('div', { class: 'msg msg-warn', role: 'alert' }, 'A change after the abstract was final needs a reason.'));
    reasonInput.focus();
    return;
  }
  st.busy = true;
  renderActions(ctx, st);
  try {
    const body = { codes: payload(st) };
    if (reason) body.reason = reason;
    const r = await api('PUT', `/encounters/${st.encId}/abstract`, { body, ifMatch: st.etag, withEtag: true });
    if (!ctx.isCurrent()) return;
    applyAbstract(ctx, st, r);
    st.reasonText = '';
    st.busy = false;
    st.lastMsg = h('div', { class: 'msg msg-ok', role: 'status' }, `Saved (version ${r.data.version}).`);
    renderCoding(ctx, st);
    const saveBtn = document.querySelector('.abs-actions .finalize') || document.querySelector('.abs-actions button');
    if (saveBtn && !saveBtn.disabled) saveBtn.focus();
  } catch (err) {
    st.busy = false;
    if (err.status === 401) return;
    renderActions(ctx, st);
    const box = st.actionsBox.querySelector('.action-msg');
    mount(box, errorBox(err), err.status === 412 ? h('button', { type: 'button', onclick: () => ctx.app.navigate(location.hash) }, 'Reload') : null);
  }
}

async function doStatus(ctx, st, body, msg) {
  st.busy = true;
  renderActions(ctx, st);
  try {
    const r = await api('POST', `/encounters/${st.encId}/abstract/status`, { body, ifMatch: st.etag, withEtag: true });
    if (!ctx.isCurrent()) return;
    applyAbstract(ctx, st, r);
    st.busy = false;
    const done = { final: 'Finalized: the encounter has left the worklist.', on_hold: 'Put on hold.', in_progress: 'Hold released.', rebill: 'Reopened for rebilling.' }[body.to];
    st.lastMsg = h('div', { class: 'msg msg-ok', role: 'status' }, done || 'Done.');
    renderCoding(ctx, st);
    const first = document.querySelector('.abs-actions .action-msg');
    if (first) first.scrollIntoView({ block: 'nearest' });
  } catch (err) {
    st.busy = false;
    if (err.status === 401) return;
    if (err.status === 409 && body.to === 'final') {
      // Refused: blocking findings the screen did not know of yet. Reload them.
      try {
        const r = await api('GET', `/encounters/${st.encId}/abstract`, { withEtag: true });
        applyAbstract(ctx, st, r);
      } catch { /* keep what we have */ }
      st.lastMsg = errorBox(err);
      renderCoding(ctx, st);
      return;
    }
    renderActions(ctx, st);
    mount(st.actionsBox.querySelector('.action-msg'), errorBox(err));
  }
}

/* ---- history ---- */

function toggleHistory(ctx, st, btn) {
  st.historyOpen = !st.historyOpen;
  btn.setAttribute('aria-expanded', st.historyOpen ? 'true' : 'false');
  btn.textContent = st.historyOpen ? 'Hide history' : 'History';
  if (st.historyOpen) loadHistory(ctx, st);
  else st.historyPane.hidden = true;
}

async function loadHistory(ctx, st) {
  const pane = st.historyPane;
  pane.hidden = false;
  mount(pane, h('h2', 'History'), h('p', { class: 'muted' }, 'Loading…'));
  try {
    const r = await api('GET', `/encounters/${st.encId}/abstract/history`);
    if (!ctx.isCurrent()) return;
    const items = r.items || [];
    if (!items.length) { mount(pane, h('h2', 'History'), h('p', { class: 'muted' }, 'No changes yet.')); return; }
    mount(pane, h('h2', 'History', h('span', { class: 'muted small' }, ` — ${items.length} changes, oldest first`)),
      h('div', { class: 'table-wrap' }, h('table', { class: 'grid-table abs-history' },
        h('thead', h('tr', ['When', 'Who', 'Change', 'Code', 'From', 'To', 'Reason'].map((x) => h('th', x)))),
        h('tbody', items.map((x) => h('tr', { 'data-action': x.action },
          h('td', { class: 'small' }, fmtTime(x.at)), h('td', dash(x.user)),
          h('td', x.action, x.role ? h('span', { class: 'small muted' }, ` (${x.role.replace(/_/g, ' ')})`) : null),
          h('td', { class: 'mono' }, dash(x.dotted || x.code)),
          h('td', dash(x.old_value)), h('td', dash(x.new_value)), h('td', dash(x.reason))))))));
  } catch (err) {
    if (err.status !== 401) mount(pane, h('h2', 'History'), errorBox(err));
  }
}
