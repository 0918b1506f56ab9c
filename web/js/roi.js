// Release of information (docs/roi.md, docs/ui.md "Release of information"): the ROI queue
// (open requests by due date, overdue ones marked), the intake form of a new request, the
// request screen (web/js/roi_request.js: authorization checklist, actions by status, the
// document picker, the packet, the fee, QA by a second person, the history) and the accounting
// of disclosures of a patient (web/js/roi_accounting.js). Everything comes from /api/v1 (docs/api.md
// "Release of information"); the server decides what may move and audits every read. Users
// without roi.write (the privacy officer) see everything read-only.
import { api } from './api.js';
import { h, mount, dash, field, itemsOf, keyRows } from './dom.js';
import { patientName } from './search.js';
import {
  REQUESTERS, DELIVERIES, STATUSES, STATUS_TITLES, DOC_TYPES, requesterTitle, requestNumber,
  statusBadge, verdictBadge, daysLeftCell, errorBox, warnBox, todayUtc, authForm,
} from './roi_common.js';
import { requestView } from './roi_request.js';
import { accountingView } from './roi_accounting.js';

export async function roiScreen(ctx) {
  const { parts } = ctx;
  if (parts[1] === 'new') return intakeView(ctx);
  if (parts[1] === 'accounting' && /^\d+$/.test(parts[2] || '')) return accountingView(ctx, parseInt(parts[2], 10));
  if (/^\d+$/.test(parts[1] || '')) return requestView(ctx, parseInt(parts[1], 10));
  return queueView(ctx);
}

/* ---------------- the queue ---------------- */

async function queueView(ctx) {
  const { app, main, query } = ctx;
  app.setTitle('Release of information');
  const status = ['open', ...STATUSES].includes(query.get('status')) ? query.get('status') : 'open';
  const sel = h('select', { name: 'status', 'data-search-focus': '' },
    h('option', { value: 'open', selected: status === 'open' }, 'Open (not released or denied)'),
    STATUSES.map((s) => h('option', { value: s, selected: s === status }, STATUS_TITLES[s])));
  sel.addEventListener('change', () => app.navigate(sel.value === 'open' ? '#/roi' : `#/roi?status=${sel.value}`));
  const results = h('div', { class: 'results' });
  mount(main, h('section', { class: 'panel roi-queue-panel' },
    h('div', { class: 'title-row' },
      h('h1', 'Release of information'),
      app.can('roi.write') ? h('button', { type: 'button', class: 'primary', onclick: () => app.navigate('#/roi/new') }, 'New request') : null),
    h('form', { class: 'inline-form', 'aria-label': 'Queue filter', onsubmit: (e) => e.preventDefault() }, field('Status', sel)),
    h('p', { class: 'hint' }, 'By due date (patient access requests are due 30 days after receipt, 45 CFR 164.524(b)(2)); ',
      'requests without a deadline last. ↓ / ↑ move between rows, Enter opens the request.'),
    results));
  mount(results, h('p', { class: 'muted' }, 'Loading…'));
  const r = await api('GET', '/roi/requests', { query: { status } });
  if (!ctx.isCurrent()) return;
  const items = itemsOf(r);
  if (!items.length) {
    mount(results, h('p', { class: 'muted', role: 'status' }, status === 'open' ? 'No open request.' : `No request ${STATUS_TITLES[status]}.`));
    return;
  }
  const overdue = items.filter((x) => x.overdue).length;
  const who = (x) => x.patient_name || `Patient #${x.patient_id}`;
  const rows = items.map((x) => h('tr', {
    tabindex: 0, 'data-id': x.id, 'data-overdue': x.overdue ? 'true' : 'false', class: x.overdue ? 'roi-row-overdue' : '',
    'aria-label': `Request ${requestNumber(x.id)}, ${requesterTitle(x.requester_type)}, ${x.status}${x.overdue ? ', overdue' : ''}`,
  },
  h('td', { class: 'nowrap' }, h('a', { href: `#/roi/${x.id}`, tabindex: -1 }, requestNumber(x.id))),
  h('td', { class: 'nowrap roi-due' }, x.due_on ? x.due_on : h('span', { class: 'muted' }, '—')),
  h('td', { class: 'roi-left' }, daysLeftCell(x.days_left, x.overdue)),
  h('td', h('div', requesterTitle(x.requester_type)), h('div', { class: 'small muted' }, dash(x.requester_name))),
  h('td', h('div', who(x)), h('div', { class: 'small muted' }, x.mrn ? `MRN ${x.mrn}` : `#${x.patient_id}`,
    ' · ', h('a', { href: `#/roi/accounting/${x.patient_id}`, tabindex: -1, 'aria-label': `Accounting of disclosures of ${who(x)}` }, 'accounting'))),
  h('td', statusBadge(x.status)),
  h('td', { class: 'nowrap' }, dash(x.received_on)),
  h('td', { class: 'num' }, String(x.days_open))));
  const tbody = h('tbody', rows);
  keyRows(tbody, (row) => app.navigate(`#/roi/${row.dataset.id}`));
  mount(results,
    h('p', { class: 'small', role: 'status' }, r.truncated ? `the first ${items.length} of ${r.total} requests (by due date)` : `${items.length} request${items.length === 1 ? '' : 's'}`,
      overdue ? h('span', { class: 'badge roi-overdue' }, `${overdue} overdue`) : null, ` · today ${dash(r.today)}`),
    h('div', { class: 'table-wrap' }, h('table', { class: 'grid-table roi-queue' },
      h('caption', { class: 'sr-only' }, 'Release of information requests by due date'),
      h('thead', h('tr', ['Request', 'Due', 'Days left', 'Requester', 'Patient', 'Status', 'Received', 'Days open'].map((x) => h('th', x)))),
      tbody)));
  tbody.firstElementChild.focus();
}

/* ---------------- intake ---------------- */

async function intakeView(ctx) {
  const { app, main } = ctx;
  app.setTitle('New ROI request');
  if (!app.can('roi.write')) {
    mount(main, h('section', { class: 'panel' }, h('h1', 'New request'), h('p', 'Your roles do not include taking in requests (roi.write).')));
    return;
  }
  const st = { patient: null, auths: [], seq: 0 };
  const msg = h('div', { class: 'form-msg', 'aria-live': 'polite' });

  // ---- the patient
  const find = h('input', { name: 'patient_q', autocomplete: 'off', placeholder: 'Family, Given or MRN', 'data-search-focus': '' });
  const hits = h('div', { class: 'roi-hits', 'aria-live': 'polite' });
  const chosen = h('div', { class: 'roi-chosen', 'aria-live': 'polite' });
  async function search() {
    const q = find.value.trim();
    if (!q) { mount(hits, warnBox('Type part of the name (Family, Given) or the MRN.')); return; }
    const mine = ++st.seq;
    mount(hits, h('p', { class: 'muted' }, 'Searching…'));
    let items;
    try {
      items = itemsOf(await api('GET', '/patients', { query: /\d/.test(q) ? { mrn: q, limit: 10 } : { name: q, limit: 10 } }));
    } catch (err) {
      if (err.status !== 401) mount(hits, errorBox(err));
      return;
    }
    if (mine !== st.seq) return;
    if (!items.length) { mount(hits, h('p', { class: 'muted', role: 'status' }, 'No patient matches.')); return; }
    mount(hits, h('ul', { class: 'roi-hit-list', 'aria-label': 'Matching patients' }, items.map((p) => h('li',
      h('button', { type: 'button', class: 'roi-hit', 'data-id': p.id, onclick: () => choose(p) },
        h('b', patientName(p) || `Patient ${p.id}`), ` · born ${dash(p.birth_date)}`, p.mrn ? ` · MRN ${p.mrn}` : '')))));
    if (items.length === 1) hits.querySelector('button').focus();
  }
  find.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); search(); } });

  // ---- the authorization: none, an existing one, or a new one recorded here
  const authBox = h('fieldset', { class: 'roi-auth-pick' }, h('legend', 'Authorization'));
  const newAuth = authForm();
  async function choose(p) {
    st.patient = p;
    mount(hits);
    mount(chosen, h('p', { class: 'roi-patient', 'data-patient-id': p.id }, 'Patient: ', h('b', patientName(p) || `Patient ${p.id}`),
      ` · born ${dash(p.birth_date)}`, p.mrn ? ` · MRN ${p.mrn}` : '', ' ',
      h('button', { type: 'button', class: 'link', onclick: () => { st.patient = null; mount(chosen); renderAuths(); find.focus(); } }, 'Change')));
    st.auths = [];
    renderAuths();
    try {
      st.auths = itemsOf(await api('GET', `/patients/${p.id}/authorizations`));
    } catch (err) {
      if (err.status !== 401) mount(msg, errorBox(err));
    }
    if (st.patient !== p) return;
    renderAuths();
    type.focus();
  }
  function renderAuths() {
    const radios = [];
    const opt = (value, label, extra) => {
      const r = h('input', { type: 'radio', name: 'auth_choice', value, checked: value === 'none' });
      r.addEventListener('change', () => { newAuth.el.hidden = value !== 'new'; });
      radios.push(h('label', { class: 'check roi-auth-opt' }, r, ' ', label, extra || null));
    };
    if (!st.patient) {
      mount(authBox, h('legend', 'Authorization'), h('p', { class: 'muted small' }, 'Choose the patient first.'));
      return;
    }
    opt('none', 'None (not needed, or not received yet)');
    for (const a of st.auths) {
      opt(String(a.id), `#${a.id}: ${dash(a.recipient)} — ${dash(a.purpose)}`,
        [' ', verdictBadge(a.checklist && a.checklist.verdict), a.expires_on ? h('span', { class: 'small muted' }, ` expires ${a.expires_on}`) : null]);
    }
    opt('new', 'Record a new authorization now');
    newAuth.el.hidden = true;
    mount(authBox, h('legend', 'Authorization'), h('div', { class: 'roi-auth-opts' }, radios), newAuth.el);
  }
  renderAuths();

  // ---- the request
  const type = h('select', { name: 'requester_type' }, REQUESTERS.map(([v, t]) => h('option', { value: v }, t)));
  const typeHint = h('span', { class: 'hint roi-type-hint' });
  const assurance = h('input', { type: 'checkbox', name: 'subpoena_assurance' });
  const assuranceField = h('label', { class: 'check', hidden: true }, assurance,
    ' The satisfactory assurance of 45 CFR 164.512(e)(1)(ii)(A)/(B) is on file');
  const showType = () => {
    const r = REQUESTERS.find(([v]) => v === type.value);
    typeHint.textContent = `Basis ${r[3]} · authorization needed: ${r[2]}`;
    assuranceField.hidden = type.value !== 'attorney_subpoena';
  };
  type.addEventListener('change', showType);
  showType();
  const name = h('input', { name: 'requester_name', size: 36, autocomplete: 'off' });
  const address = h('textarea', { name: 'requester_address', rows: 2, cols: 36 });
  const received = h('input', { name: 'received_on', type: 'date', value: todayUtc() });
  const from = h('input', { name: 'date_from', type: 'date' });
  const to = h('input', { name: 'date_to', type: 'date' });
  const purpose = h('input', { name: 'purpose', size: 36, autocomplete: 'off' });
  const delivery = h('select', { name: 'delivery' }, DELIVERIES.map(([v, t]) => h('option', { value: v }, t)));
  const docs = h('fieldset', { class: 'roi-doc-types' }, h('legend', 'Document types (none checked = all)'),
    DOC_TYPES.map(([c, t]) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'doc_types', value: c }), ` ${t}`)));
  const save = h('button', { type: 'submit', class: 'primary' }, 'Take in the request');

  const form = h('form', {
    class: 'roi-intake', 'aria-label': 'New release of information request',
    onsubmit: async (e) => {
      e.preventDefault();
      mount(msg);
      if (!st.patient) { mount(msg, warnBox('Choose the patient (find by name or MRN).')); find.focus(); return; }
      const choice = (form.querySelector('input[name="auth_choice"]:checked') || {}).value || 'none';
      const body = {
        patient_id: st.patient.id,
        requester_type: type.value,
        requester_name: name.value.trim(),
        purpose: purpose.value.trim(),
        delivery: delivery.value,
      };
      if (address.value.trim()) body.requester_address = address.value.trim();
      if (received.value) body.received_on = received.value;
      if (from.value) body.date_from = from.value;
      if (to.value) body.date_to = to.value;
      const types = [...docs.querySelectorAll('input:checked')].map((i) => i.value);
      if (types.length) body.doc_types = types;
      if (type.value === 'attorney_subpoena') body.subpoena_assurance = assurance.checked;
      if (!body.requester_name) { mount(msg, warnBox('Say who asks for the records (requester name).')); name.focus(); return; }
      if (!body.purpose) { mount(msg, warnBox('Say what the records are for (purpose).')); purpose.focus(); return; }
      save.disabled = true;
      try {
        if (choice === 'new') {
          const a = await api('POST', `/patients/${st.patient.id}/authorizations`, { body: newAuth.value() });
          body.authorization_id = a.id;
          // the next attempt links the one just recorded instead of recording it twice
          st.auths.push(a);
          renderAuths();
          const r = form.querySelector(`input[name="auth_choice"][value="${a.id}"]`);
          if (r) r.checked = true;
        } else if (choice !== 'none') {
          body.authorization_id = Number(choice);
        }
        const r = await api('POST', '/roi/requests', { body });
        app.flashNext(`Request ${requestNumber(r.id)} taken in${r.due_on ? `: due ${r.due_on}` : ''}.`, 'ok');
        app.navigate(`#/roi/${r.id}`);
      } catch (err) {
        save.disabled = false;
        if (err.status !== 401) mount(msg, errorBox(err));
      }
    },
  },
  h('section', { class: 'card' }, h('h2', 'Patient'),
    h('div', { class: 'inline-form' }, field('Find the patient', find, 'Name (Family, Given) or MRN, then Enter'),
      h('div', { class: 'field actions' }, h('button', { type: 'button', onclick: search }, 'Find'))),
    hits, chosen),
  h('section', { class: 'card' }, h('h2', 'Requester'),
    h('div', { class: 'roi-grid' },
      field('Requester type', type), typeHint, assuranceField,
      field('Requester name', name), field('Requester address', address))),
  h('section', { class: 'card' }, h('h2', 'What is asked'),
    h('div', { class: 'roi-grid' },
      field('Received on', received), field('Service dates from', from), field('Service dates to', to),
      field('Purpose', purpose, 'e.g. "at the request of the individual"'), field('Delivery', delivery)),
    docs),
  h('section', { class: 'card' }, authBox),
  msg,
  h('div', { class: 'field actions' }, save, h('a', { href: '#/roi' }, 'Cancel')));

  mount(main, h('section', { class: 'panel roi-intake-panel' },
    h('a', { class: 'back', href: '#/roi' }, '‹ Queue'),
    h('h1', 'New request'),
    form));
  find.focus();
}
