// Privacy officer: the audit trail with filters and paging, and the hash-chain verification.
import { api, errorText } from './api.js';
import { h, mount, dash, fmtTime, field, itemsOf } from './dom.js';
import { pagerFor } from './search.js';

const PAGE = 50;
const ACTIONS = [
  'auth.', 'auth.login', 'auth.login_failed', 'auth.logout', 'auth.denied', 'access.denied',
  'patient.', 'patient.search', 'patient.view', 'patient.create', 'patient.update',
  'encounter.', 'encounter.view', 'document.', 'document.list', 'document.view', 'document.amend',
  'document.download', 'observation.view', 'audit.', 'audit.search', 'audit.verify', 'audit.report', 'user.admin',
];

function toBound(d, end) {
  if (!d) return '';
  if (/^\d{4}-\d{2}-\d{2}$/.test(d)) return d + (end ? 'T23:59:59Z' : 'T00:00:00Z');
  return d;
}

export async function auditScreen(ctx) {
  const { app, main, query } = ctx;
  app.setTitle('Audit trail');
  const q = {
    patient_id: query.get('patient_id') || '', user: query.get('user') || '', action: query.get('action') || '',
    from: query.get('from') || '', to: query.get('to') || '',
    offset: Math.max(0, parseInt(query.get('offset') || '0', 10) || 0),
  };
  const pid = h('input', { name: 'patient_id', value: q.patient_id, inputmode: 'numeric', size: 8, 'data-search-focus': '' });
  const user = h('input', { name: 'user', value: q.user, size: 14, autocapitalize: 'none', spellcheck: 'false' });
  const action = h('select', { name: 'action' }, h('option', { value: '' }, 'any'),
    ACTIONS.map((a) => h('option', { value: a, selected: a === q.action }, a.endsWith('.') ? `${a}* (all)` : a)));
  const from = h('input', { name: 'from', type: 'date', value: q.from });
  const to = h('input', { name: 'to', type: 'date', value: q.to });
  const verifyBox = h('div', { class: 'verify-result', 'aria-live': 'polite' });
  const verifyBtn = h('button', {
    type: 'button', onclick: async () => {
      verifyBtn.disabled = true;
      mount(verifyBox, h('span', { class: 'muted' }, 'Verifying the chain…'));
      try {
        const r = await api('GET', '/audit/verify');
        mount(verifyBox, r.ok
          ? h('div', { class: 'msg msg-ok', role: 'status' }, `Chain intact: ${r.checked} entries checked.`)
          : h('div', { class: 'msg msg-error', role: 'alert' }, `Chain broken at entry ${r.first_bad_seq}: ${r.reason} (${r.checked} checked).`));
      } catch (err) {
        if (err.status !== 401) mount(verifyBox, h('div', { class: 'msg msg-error', role: 'alert' }, errorText(err)));
      } finally { verifyBtn.disabled = false; }
    },
  }, 'Verify chain');
  const results = h('div', { class: 'results' });
  const form = h('form', {
    class: 'search-form', 'aria-label': 'Audit filters',
    onsubmit: (e) => {
      e.preventDefault();
      const p = new URLSearchParams();
      for (const [k, el] of Object.entries({ patient_id: pid, user, action, from, to })) if (el.value.trim()) p.set(k, el.value.trim());
      app.navigate('#/audit?' + p.toString());
    },
  },
  field('Patient #', pid), field('User', user), field('Action', action), field('From', from), field('To', to),
  h('div', { class: 'field actions' }, h('button', { type: 'submit', class: 'primary' }, 'Filter'),
    h('button', { type: 'button', onclick: () => app.navigate('#/audit') }, 'Clear')));
  mount(main, h('section', { class: 'panel' },
    h('div', { class: 'title-row' }, h('h1', 'Audit trail'), verifyBtn),
    verifyBox, form, results));

  const resp = await api('GET', '/audit', {
    query: { patient_id: q.patient_id, user: q.user, action: q.action, from: toBound(q.from, false), to: toBound(q.to, true), limit: PAGE, offset: q.offset },
  });
  if (!ctx.isCurrent()) return;
  const items = itemsOf(resp);
  const total = typeof resp.total === 'number' ? resp.total : items.length;
  if (!items.length) { mount(results, h('p', { class: 'muted', role: 'status' }, 'No entries match.')); return; }
  const tbody = h('tbody', items.map((e) => h('tr', { class: e.outcome && e.outcome !== 'success' ? 'abn' : '' },
    h('td', { class: 'num' }, String(e.seq)), h('td', fmtTime(e.at)), h('td', dash(e.username)), h('td', { class: 'small' }, dash(e.roles)),
    h('td', { class: 'mono' }, dash(e.action)), h('td', h('span', { class: `badge out-${e.outcome || 'success'}` }, dash(e.outcome || 'success'))),
    h('td', e.patient_id ? h('a', { href: `#/audit?patient_id=${e.patient_id}` }, String(e.patient_id)) : '—'),
    h('td', e.entity_type ? `${e.entity_type} ${e.entity_id || ''}` : '—'),
    h('td', { class: 'detail' }, dash(e.detail)), h('td', { class: 'mono small' }, dash(e.client)))));
  const pager = pagerFor(total, q.offset, PAGE, (off) => {
    const p = new URLSearchParams(query);
    p.set('offset', String(off));
    app.navigate('#/audit?' + p.toString());
  });
  mount(results, h('div', { class: 'table-wrap' }, h('table', { class: 'grid-table audit' },
    h('thead', h('tr', ['#', 'When (UTC)', 'User', 'Roles', 'Action', 'Outcome', 'Patient', 'Entity', 'Detail', 'Client'].map((x) => h('th', x)))),
    tbody)), pager);
}
