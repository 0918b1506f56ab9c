// Chart completeness for the chart analyst: the analysis worklist (discharged charts, oldest
// discharge first, with their open and overdue deficiencies and open queries) and the analysis
// screen of one encounter (the chart's documents, readable in place, beside its deficiencies:
// waive with a reason, each deficiency's history, re-run the analysis, mark the chart complete or
// reopen it; the encounter's physician queries and, for roles with query.write, the form to write
// one: web/js/queries.js). The delinquency dashboard is a tab of the same screen
// (web/js/delinquency.js), and so is the physician query report (web/js/queryreport.js). Everything comes from /api/v1 (docs/api.md "Chart completeness");
// the server decides what may be waived or completed and audits every read.
import { api, errorText } from './api.js';
import { h, mount, dash, fmtTime, fmtDate, field, itemsOf, keyRows } from './dom.js';
import { pagerFor } from './search.js';
import { delinquencyView } from './delinquency.js';
import { queryReportView } from './queryreport.js';
import { queryList, queryForm, providerPicker } from './queries.js';

const PAGE = 50;
const STATUSES = [['incomplete', 'Incomplete'], ['complete', 'Complete'], ['all', 'All discharged']];
const DEF_STATUS = { open: 'open', closed: 'closed', waived: 'waived', withdrawn: 'withdrawn' };

export function errorBox(err) {
  return h('div', { class: 'msg msg-error', role: 'alert' }, errorText(err));
}

export function okBox(text) {
  return h('div', { class: 'msg msg-ok', role: 'status' }, text);
}

/** The status badge of a deficiency: open (overdue in red), closed (late marked), waived ... */
export function defBadge(d) {
  const st = DEF_STATUS[d.status] ? d.status : 'other';
  if (d.status === 'open' && d.overdue) return h('span', { class: 'badge dst-overdue', 'data-status': 'overdue' }, 'overdue');
  return h('span', { class: `badge dst-${st}`, 'data-status': d.status }, dash(d.status),
    d.status === 'closed' && d.late ? ' (late)' : '');
}

function chartName(c) {
  return c.patient_name || `Patient #${c.patient_id}`;
}

function subTabs(current, app) {
  const tabs = [
    { key: 'worklist', href: '#/completeness', label: 'Analysis worklist' },
    { key: 'delinquency', href: '#/completeness/delinquency', label: 'Delinquency' },
    app.can('query.write') ? { key: 'queries', href: '#/completeness/queries', label: 'Queries' } : null,
  ].filter(Boolean);
  const list = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Completeness views' },
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

export async function completenessScreen(ctx) {
  const { parts } = ctx;
  const tabs = (current) => subTabs(current, ctx.app);
  if (parts[1] === 'delinquency') return delinquencyView(ctx, tabs);
  if (parts[1] === 'queries') return queryReportView(ctx, tabs);
  if (/^\d+$/.test(parts[1] || '')) return analysisView(ctx, parseInt(parts[1], 10));
  return worklistView(ctx);
}

/* ---------------- the analysis worklist ---------------- */

function worklistHash(q, offset = 0) {
  const p = new URLSearchParams();
  if (q.status && q.status !== 'incomplete') p.set('status', q.status);
  if (q.responsible_id) { p.set('responsible_id', q.responsible_id); if (q.responsible) p.set('responsible', q.responsible); }
  if (offset) p.set('offset', String(offset));
  const t = p.toString();
  return t ? `#/completeness?${t}` : '#/completeness';
}

async function worklistView(ctx) {
  const { app, main, query } = ctx;
  app.setTitle('Completeness worklist');
  const q = {
    status: STATUSES.some(([v]) => v === query.get('status')) ? query.get('status') : 'incomplete',
    responsible_id: /^\d+$/.test(query.get('responsible_id') || '') ? query.get('responsible_id') : '',
    responsible: query.get('responsible') || '',
  };
  const status = q.status;
  const offset = Math.max(0, parseInt(query.get('offset') || '0', 10) || 0);
  const sel = h('select', { name: 'status', 'data-search-focus': '' },
    STATUSES.map(([v, t]) => h('option', { value: v, selected: v === status }, t)));
  const go = () => {
    const opt = picker.select.selectedOptions[0];
    const rid = picker.select.value;
    app.navigate(worklistHash({ status: sel.value, responsible_id: rid, responsible: rid && opt ? opt.textContent.replace(/ \(NPI.*$/, '') : '' }));
  };
  const picker = providerPicker({
    label: 'Responsible', name: 'responsible_id', any: 'Anyone',
    preferred: q.responsible_id ? { id: Number(q.responsible_id), name: q.responsible || `Provider #${q.responsible_id}` } : null,
    onChange: go,
  });
  sel.addEventListener('change', go);
  const results = h('div', { class: 'results' });
  mount(main, h('section', { class: 'panel completeness' },
    h('h1', 'Chart completeness'),
    subTabs('worklist', app),
    h('form', { class: 'inline-form cmpl-filters', 'aria-label': 'Worklist filters', onsubmit: (e) => { e.preventDefault(); go(); } },
      field('Status', sel), picker.el),
    h('p', { class: 'hint' }, 'Discharged charts, oldest discharge first. ↓ / ↑ move between rows, Enter opens the analysis screen.'),
    results));
  mount(results, h('p', { class: 'muted' }, 'Loading…'));
  const [r] = await Promise.all([
    api('GET', '/completeness/worklist', { query: { status, responsible_id: q.responsible_id, limit: PAGE, offset } }),
    picker.load(''),
  ]);
  if (!ctx.isCurrent()) return;
  const items = itemsOf(r);
  const total = typeof r.total === 'number' ? r.total : items.length;
  if (!items.length) {
    mount(results, h('p', { class: 'muted', role: 'status' },
      q.responsible_id ? 'No chart with an open deficiency of this provider.'
        : status === 'complete' ? 'No chart has been marked complete.' : 'No discharged charts to analyse.'));
    return;
  }
  const rows = items.map((c) => h('tr', {
    tabindex: 0, 'data-id': c.encounter_id,
    'aria-label': `Encounter ${c.encounter_id}, ${chartName(c)}, ${c.days_since_discharge} days since discharge, ${c.open} open deficiencies, ${c.overdue} overdue`,
  },
  h('td', { class: ['num', c.days_since_discharge > 30 ? 'late' : ''] }, String(c.days_since_discharge)),
  h('td', fmtDate(c.discharge_at)),
  h('td', h('a', { href: `#/completeness/${c.encounter_id}`, tabindex: -1 }, chartName(c)),
    h('div', { class: 'small muted' }, `#${c.patient_id}`, c.mrn ? ` · MRN ${c.mrn}` : '', ` · enc ${c.encounter_id}`)),
  h('td', { class: 'small' }, dash(c.account_number)),
  h('td', dash(c.class)),
  h('td', dash(c.service)),
  h('td', c.attending ? dash(c.attending.name) : h('span', { class: 'muted' }, 'none')),
  h('td', { class: ['num', c.open ? 'open-n' : ''] }, String(c.open)),
  h('td', { class: ['num', c.overdue ? 'late' : ''] }, String(c.overdue)),
  h('td', { class: 'num' }, String(c.open_queries)),
  h('td', c.completed_at ? h('span', { class: 'badge dst-closed', 'data-status': 'complete' }, `complete ${fmtDate(c.completed_at)}`)
    : h('span', { class: 'badge dst-open', 'data-status': 'incomplete' }, 'incomplete'))));
  const tbody = h('tbody', rows);
  keyRows(tbody, (row) => app.navigate(`#/completeness/${row.dataset.id}`));
  mount(results,
    h('div', { class: 'table-wrap' }, h('table', { class: 'grid-table cmpl-worklist' },
      h('caption', { class: 'sr-only' }, 'Discharged charts, oldest discharge first'),
      h('thead', h('tr', ['Days', 'Discharged', 'Patient', 'Account', 'Class', 'Service', 'Attending', 'Open', 'Overdue', 'Queries', 'Chart'].map((x) => h('th', x)))),
      tbody)),
    pagerFor(total, offset, PAGE, (off) => app.navigate(worklistHash(q, off))));
  tbody.firstElementChild.focus();
}

/* ---------------- the analysis screen ---------------- */

async function analysisView(ctx, encId) {
  const { app, main } = ctx;
  app.setTitle(`Analysis of encounter ${encId}`);
  mount(main, h('p', { class: 'muted' }, 'Loading…'));
  const r = await api('GET', `/encounters/${encId}/deficiencies`, { query: { all: 1 } });
  if (!ctx.isCurrent()) return;
  const st = { encId, chart: r.chart, items: itemsOf(r), docs: null, open: new Set(), msg: null };
  await renderAnalysis(ctx, st);
}

async function reload(ctx, st, message) {
  const r = await api('GET', `/encounters/${st.encId}/deficiencies`, { query: { all: 1 } });
  if (!ctx.isCurrent()) return;
  st.chart = r.chart;
  st.items = itemsOf(r);
  st.msg = message || null;
  await renderAnalysis(ctx, st);
}

async function renderAnalysis(ctx, st) {
  const { app, main } = ctx;
  const c = st.chart;
  app.setTitle(`Analysis: ${chartName(c)}`);
  const banner = h('div', { class: 'banner cmpl-banner' },
    h('h1', chartName(c)),
    h('span', { class: 'kv' }, h('b', 'Encounter '), `#${c.encounter_id}`),
    app.can('patient.read') ? h('a', { href: `#/patient/${c.patient_id}` }, 'Open chart') : null,
    c.mrn ? h('span', { class: 'kv' }, h('b', 'MRN '), c.mrn) : null,
    c.account_number ? h('span', { class: 'kv' }, h('b', 'Account '), c.account_number) : null,
    h('span', { class: 'kv' }, h('b', 'Class '), dash(c.class), c.service ? ` · ${c.service}` : ''),
    h('span', { class: 'kv' }, h('b', 'Stay '), `${fmtDate(c.admit_at)} – ${c.discharge_at ? fmtDate(c.discharge_at) : 'not discharged'}`),
    c.discharge_at ? h('span', { class: 'kv' }, h('b', 'Days since discharge '), String(c.days_since_discharge)) : null,
    h('span', { class: 'kv' }, h('b', 'Attending '), c.attending ? dash(c.attending.name) : 'none'),
    h('span', { class: 'kv chart-status' }, c.completed_at
      ? h('span', { class: 'badge dst-closed', 'data-status': 'complete' }, `complete ${fmtTime(c.completed_at)} by ${dash(c.completed_by)}`)
      : h('span', { class: 'badge dst-open', 'data-status': 'incomplete' }, 'incomplete')));

  const docsPane = h('section', { class: 'card cmpl-docs', 'aria-label': 'Documents of the encounter' });
  const defsPane = h('section', { class: 'card cmpl-defs-card', 'aria-label': 'Deficiencies' });
  const actionsPane = h('section', { class: 'card cmpl-actions', 'aria-label': 'Chart completion' });
  const queriesPane = h('section', { class: 'card cmpl-queries', 'aria-label': 'Physician queries' });
  mount(main, h('div', { class: 'cmpl-screen' },
    h('a', { class: 'back', href: '#/completeness' }, '‹ Worklist'),
    banner,
    st.msg,
    h('div', { class: 'coding-cols cmpl-cols' },
      h('div', { class: 'coding-left' }, docsPane),
      h('div', { class: 'coding-right' }, actionsPane, defsPane, queriesPane))));
  renderDefs(ctx, st, defsPane);
  renderActions(ctx, st, actionsPane);
  renderQueries(ctx, st, queriesPane);
  await renderDocs(ctx, st, docsPane);
}

/* ---- documents (left) ---- */

async function renderDocs(ctx, st, pane) {
  if (!ctx.app.can('document.read')) {
    mount(pane, h('h2', 'Documents'), h('p', { class: 'muted' }, 'Your roles do not include reading documents.'));
    return;
  }
  if (!st.docs) {
    mount(pane, h('h2', 'Documents'), h('p', { class: 'muted' }, 'Loading…'));
    try {
      const r = await api('GET', `/patients/${st.chart.patient_id}/documents`, { query: { encounter_id: st.encId, limit: 200 } });
      st.docs = itemsOf(r);
    } catch (err) {
      if (err.status !== 401) mount(pane, h('h2', 'Documents'), errorBox(err));
      return;
    }
    if (!ctx.isCurrent()) return;
  }
  const docs = st.docs;
  if (!docs.length) {
    mount(pane, h('h2', 'Documents'), h('p', { class: 'muted' }, 'No documents filed for this encounter.'));
    return;
  }
  const view = h('div', { class: 'doc-pane', 'aria-live': 'polite' });
  const list = h('ul', { class: 'doc-list', 'aria-label': 'Documents of this encounter' }, docs.map((d) => {
    const cur = d.current || {};
    const sigs = cur.signatures || [];
    // The document list carries no signatures (GET /documents/{id}/versions/{n} does): a
    // document is marked unsigned when an open "sign" deficiency names it.
    const unsigned = st.items.some((x) => x.kind === 'sign' && x.status === 'open' && x.document_id === d.id);
    return h('li', h('button', {
      type: 'button', class: 'doc-pick', 'data-id': d.id, 'aria-pressed': 'false', onclick: () => openDoc(d),
    },
    h('span', { class: 'd-title' }, cur.title || d.type_title || `Document ${d.id}`),
    h('span', { class: `badge st-${String(cur.status || '').replace(/[^a-z-]/gi, '')}` }, dash(cur.status)),
    sigs.length ? h('span', { class: 'badge sig-yes', 'data-signed': 'true' }, `signed ×${sigs.length}`)
      : unsigned ? h('span', { class: 'badge sig-no', 'data-signed': 'false' }, 'signature due') : null,
    h('span', { class: 'small muted' }, ` ${fmtTime(d.service_at || d.filed_at)} · ${dash(d.type_title || d.type_code)}`)));
  }));
  async function openDoc(d) {
    for (const b of list.querySelectorAll('button')) b.setAttribute('aria-pressed', b.dataset.id === String(d.id) ? 'true' : 'false');
    const cur = d.current || {};
    mount(view, h('p', { class: 'muted' }, 'Loading…'));
    try {
      const v = await api('GET', `/documents/${d.id}/versions/${cur.version_no || d.n_versions || 1}`);
      const sigs = (v.version && v.version.signatures) || cur.signatures || [];
      const head = h('div', { class: 'view-head' },
        h('h3', cur.title || d.type_title || `Document ${d.id}`),
        h('span', { class: 'small muted' }, `v${cur.version_no || 1} · ${dash(cur.status)} · ${dash(d.type_title || d.type_code)} · service ${fmtTime(d.service_at)} · filed ${fmtTime(d.filed_at)}`),
        h('span', { class: 'small' }, sigs.length
          ? `Signed: ${sigs.map((x) => `${x.signer || `provider ${x.provider_id}`} (${x.role}) ${fmtTime(x.signed_at)}`).join('; ')}`
          : 'Not signed'));
      if (typeof v.content === 'string') {
        mount(view, head, h('pre', { class: 'doc-text', tabindex: 0, 'aria-label': `Text of ${cur.title || 'the document'}` }, v.content));
      } else {
        mount(view, head, h('p', 'This document is not text. ',
          h('a', { href: `/api/v1/documents/${d.id}/versions/${cur.version_no || 1}/content`, download: '' }, 'Download it'), '.'));
      }
    } catch (err) {
      if (err.status !== 401) mount(view, errorBox(err));
    }
  }
  st.openDoc = (id) => { const d = docs.find((x) => x.id === id); if (d) openDoc(d); };
  mount(pane, h('h2', 'Documents', h('span', { class: 'muted small' }, ` — ${docs.length}`)), list, view);
}

/* ---- deficiencies (right) ---- */

function renderDefs(ctx, st, pane) {
  const { app } = ctx;
  const write = app.can('completeness.write');
  const items = st.items;
  const open = items.filter((d) => d.status === 'open');
  const overdue = open.filter((d) => d.overdue);
  if (!items.length) {
    mount(pane, h('h2', 'Deficiencies'), h('p', { class: 'muted', role: 'status' },
      'No deficiencies: the analysis found nothing missing (or has not run: Re-run analysis).'));
    return;
  }
  const rows = [];
  for (const d of items) {
    const waiveBtn = write && d.status === 'open'
      ? h('button', { type: 'button', 'aria-label': `Waive deficiency ${d.id} (${d.rule})`, onclick: () => toggleWaive(d) }, 'Waive') : null;
    const histBtn = h('button', { type: 'button', class: 'link', 'aria-expanded': 'false', 'aria-label': `History of deficiency ${d.id}`, onclick: () => toggleHistory(d, histBtn) }, 'History');
    const docLink = d.document_id && app.can('document.read')
      ? h('button', { type: 'button', class: 'link doc-ref', onclick: () => st.openDoc && st.openDoc(d.document_id) }, `document ${d.document_id}`) : null;
    const row = h('tr', { 'data-id': d.id, 'data-rule': d.rule, 'data-status': d.status, class: [d.status !== 'open' ? 'muted-row' : '', d.overdue ? 'overdue' : ''] },
      h('td', { class: 'mono' }, d.rule, h('div', { class: 'small muted' }, d.kind)),
      h('td', { class: 'detail' }, d.description, docLink ? h('div', { class: 'small' }, docLink) : null,
        d.status === 'waived' && d.waived_reason ? h('div', { class: 'small' }, `Waived by ${dash(d.waived_by)}: `, h('span', { class: 'reason' }, d.waived_reason)) : null,
        d.closed_how && d.status !== 'open' ? h('div', { class: 'small muted' }, `${d.status} ${fmtTime(d.closed_at)}: ${d.closed_how}`) : null),
      h('td', d.responsible ? dash(d.responsible.name) : h('span', { class: 'muted' }, 'nobody named')),
      h('td', { class: ['small', 'due', d.overdue ? 'late' : ''] }, d.due_at ? fmtTime(d.due_at) : '—'),
      h('td', defBadge(d)),
      h('td', { class: 'actions' }, waiveBtn, histBtn));
    const extra = h('tr', { class: 'def-extra', hidden: true }, h('td', { colspan: 6 }));
    rows.push(row, extra);
    d._extra = extra;
  }
  function toggleWaive(d) {
    const cell = d._extra.firstChild;
    if (!d._extra.hidden && cell.dataset.kind === 'waive') { d._extra.hidden = true; return; }
    cell.dataset.kind = 'waive';
    const reason = h('input', { name: 'waive_reason', size: 40, placeholder: 'e.g. documented on paper, scanned later' });
    const msg = h('div', { 'aria-live': 'polite' });
    const go = h('button', { type: 'submit', class: 'primary' }, 'Waive');
    mount(cell, h('form', {
      class: 'inline-form waive-form', 'aria-label': `Waive deficiency ${d.id}`,
      onsubmit: async (e) => {
        e.preventDefault();
        const text = reason.value.trim();
        if (!text) { mount(msg, h('div', { class: 'msg msg-warn', role: 'alert' }, 'Say why the deficiency is waived.')); reason.focus(); return; }
        go.disabled = true;
        try {
          await api('POST', `/deficiencies/${d.id}/waive`, { body: { reason: text } });
          if (!ctx.isCurrent()) return;
          await reload(ctx, st, okBox(`Deficiency ${d.id} (${d.rule}) waived.`));
        } catch (err) {
          go.disabled = false;
          if (err.status !== 401) mount(msg, errorBox(err));
        }
      },
    }, field(`Reason to waive ${d.rule}`, reason), h('div', { class: 'field actions' }, go,
      h('button', { type: 'button', onclick: () => { d._extra.hidden = true; } }, 'Cancel')), msg));
    d._extra.hidden = false;
    reason.focus();
  }
  async function toggleHistory(d, btn) {
    const cell = d._extra.firstChild;
    if (!d._extra.hidden && cell.dataset.kind === 'history') { d._extra.hidden = true; btn.setAttribute('aria-expanded', 'false'); return; }
    cell.dataset.kind = 'history';
    d._extra.hidden = false;
    btn.setAttribute('aria-expanded', 'true');
    mount(cell, h('p', { class: 'muted' }, 'Loading…'));
    try {
      const r = await api('GET', `/deficiencies/${d.id}`);
      const hist = r.history || [];
      mount(cell, h('table', { class: 'grid-table def-history', 'aria-label': `History of deficiency ${d.id}` },
        h('thead', h('tr', ['When', 'Who', 'What', 'Detail'].map((x) => h('th', x)))),
        h('tbody', hist.map((x) => h('tr', { 'data-action': x.action },
          h('td', { class: 'small' }, fmtTime(x.at)), h('td', dash(x.user)), h('td', dash(x.action)), h('td', dash(x.detail)))))));
    } catch (err) {
      if (err.status !== 401) mount(cell, errorBox(err));
    }
  }
  const onlyOpen = h('input', { type: 'checkbox', name: 'open_only', checked: !!st.openOnly });
  const table = h('table', { class: ['grid-table', 'cmpl-defs', st.openOnly ? 'open-only' : ''] },
      h('caption', { class: 'sr-only' }, 'Deficiencies of the encounter'),
      h('thead', h('tr', ['Rule', 'What is missing', 'Responsible', 'Due', 'Status', ''].map((x) => h('th', x)))),
      h('tbody', rows));
  onlyOpen.addEventListener('change', () => { st.openOnly = onlyOpen.checked; table.classList.toggle('open-only', onlyOpen.checked); });
  mount(pane,
    h('div', { class: 'title-row' },
      h('h2', 'Deficiencies', h('span', { class: 'muted small' }, ` — ${open.length} open${overdue.length ? `, ${overdue.length} overdue` : ''}, ${items.length} in all`)),
      h('label', { class: 'check' }, onlyOpen, ' Open only')),
    h('div', { class: 'table-wrap' }, table));
}

/* ---- completion ---- */

function renderActions(ctx, st, pane) {
  const { app } = ctx;
  const c = st.chart;
  const msg = h('div', { class: 'action-msg', 'aria-live': 'polite' });
  if (!app.can('completeness.write')) {
    mount(pane, h('h2', 'Chart'), h('p', { class: 'muted small' }, 'Read only: your roles do not include chart analysis.'));
    return;
  }
  const busy = (on) => { for (const b of pane.querySelectorAll('button')) b.disabled = on; };
  const analyze = h('button', {
    type: 'button',
    onclick: async () => {
      busy(true);
      try {
        const r = await api('POST', `/encounters/${st.encId}/analyze`, { body: {} });
        if (!ctx.isCurrent()) return;
        const text = r.ruleset_version
          ? `Analysed with rules version ${r.ruleset_version}: ${r.created} created, ${r.closed} closed, ${r.updated} updated; ${r.open} open.`
          : 'No completeness rules are loaded: nothing was analysed.';
        await reload(ctx, st, h('div', { class: r.ruleset_version ? 'msg msg-ok' : 'msg msg-warn', role: 'status' }, text));
      } catch (err) {
        busy(false);
        if (err.status !== 401) mount(msg, errorBox(err));
      }
    },
  }, 'Re-run analysis');
  const parts = [h('div', { class: 'act' }, analyze)];
  if (!c.completed_at) {
    const open = st.items.filter((d) => d.status === 'open').length;
    const complete = h('button', {
      type: 'button', class: 'primary', 'aria-describedby': 'complete-why', disabled: !c.discharge_at,
      onclick: async () => {
        busy(true);
        try {
          await api('POST', `/encounters/${st.encId}/complete`, { body: {} });
          if (!ctx.isCurrent()) return;
          await reload(ctx, st, okBox('The chart is complete: every later change to its documents is an amendment.'));
        } catch (err) {
          busy(false);
          if (err.status === 401) return;
          // refused: the server re-ran the analysis; show what it found
          if (err.status === 409) {
            try { await reload(ctx, st, errorBox(err)); } catch { mount(msg, errorBox(err)); }
            return;
          }
          mount(msg, errorBox(err));
        }
      },
    }, 'Mark complete');
    parts.push(h('div', { class: 'act' }, complete, h('span', { id: 'complete-why', class: 'small muted' },
      !c.discharge_at ? 'Not discharged: a chart is completed after discharge.'
        : open ? `${open} open deficienc${open === 1 ? 'y remains' : 'ies remain'}: resolve or waive ${open === 1 ? 'it' : 'them'} first (the server analyses the chart again before completing it).`
          : 'No open deficiency: the chart can be marked complete.')));
  } else {
    const reason = h('input', { name: 'reopen_reason', size: 34, placeholder: 'why the chart is reopened' });
    parts.push(h('form', {
      class: 'act reopen-form', 'aria-label': 'Reopen the chart',
      onsubmit: async (e) => {
        e.preventDefault();
        const text = reason.value.trim();
        if (!text) { mount(msg, h('div', { class: 'msg msg-warn', role: 'alert' }, 'Say why the chart is reopened.')); reason.focus(); return; }
        busy(true);
        try {
          await api('POST', `/encounters/${st.encId}/reopen`, { body: { reason: text } });
          if (!ctx.isCurrent()) return;
          await reload(ctx, st, okBox('The chart is reopened (incomplete).'));
        } catch (err) {
          busy(false);
          if (err.status !== 401) mount(msg, errorBox(err));
        }
      },
    }, h('span', { class: 'small' }, `Complete since ${fmtTime(c.completed_at)} (${dash(c.completed_by)}).`),
    field('Reason to reopen', reason), h('div', { class: 'field actions' }, h('button', { type: 'submit' }, 'Reopen'))));
  }
  mount(pane, h('h2', 'Chart'), msg, parts);
}

/* ---- queries ---- */

async function renderQueries(ctx, st, pane) {
  const { app } = ctx;
  const listBox = h('div', { class: 'query-list-box' });
  const formBox = h('div', { class: 'query-form-box' });
  const write = app.can('query.write');
  const openForm = h('button', { type: 'button', 'aria-expanded': 'false' }, 'Write query');
  openForm.addEventListener('click', () => {
    const show = !formBox.firstChild;
    openForm.setAttribute('aria-expanded', show ? 'true' : 'false');
    if (!show) { mount(formBox); return; }
    mount(formBox, queryForm(ctx, {
      encounterId: st.encId,
      chart: st.chart,
      docs: () => st.docs || [],
      onDone: async (q, sent) => {
        await reload(ctx, st, okBox(`Query ${q.id} ${sent ? 'sent to' : 'saved as a draft for'} ${q.provider ? q.provider.name : 'the provider'}.`));
      },
    }));
  });
  mount(pane, h('div', { class: 'title-row' }, h('h2', 'Physician queries'), write ? openForm : null), listBox, formBox);
  await queryList(ctx, st.encId, listBox, () => reload(ctx, st));
}
