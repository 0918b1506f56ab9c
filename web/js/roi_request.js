// The request screen of release of information (web/js/roi.js routes "#/roi/{id}" here): the
// request's details and due date (the one extension of 45 CFR 164.524(b)(2)(ii)), the
// authorization and its 164.508(c) checklist, the actions of its status with the server's
// refusals shown as they come, the document picker (included documents to check, excluded ones
// with their reason and rule), the packet (PDF and SHA-256), the fee, the QA by a second person
// and the history.
import { api } from './api.js';
import { h, mount, dash, fmtTime, field, itemsOf } from './dom.js';
import {
  AUTH_ELEMENTS, requesterTitle, requestNumber, statusBadge, verdictBadge, daysLeftCell, money, parseMoney,
  docTypeTitle, errorBox, okBox, warnBox, authForm, todayUtc, DELIVERIES,
} from './roi_common.js';

const NEXT = {
  received: ['validated', 'Validate', 'Checks the authorization (when the requester needs one) and moves the request to validated.'],
  validated: ['pulled', 'Mark pulled', 'The records are pulled: choose the documents and make the packet.'],
  pulled: ['qa', 'Send to QA', 'A second person checks the packet before release.'],
  qa: ['released', 'Release', 'Records the disclosure (the accounting lists it when the rule says so).'],
};
const OPEN = ['received', 'validated', 'pulled', 'qa'];
const ACCESS = ['patient', 'personal_representative'];

export async function requestView(ctx, id) {
  const { app, main } = ctx;
  app.setTitle(`Request ${requestNumber(id)}`);
  mount(main, h('p', { class: 'muted' }, 'Loading…'));
  const st = { id, r: null, sel: null, auths: null, emergency: false, msg: null };
  st.r = await api('GET', `/roi/requests/${id}`);
  if (!ctx.isCurrent()) return;
  await render(ctx, st);
}

async function reload(ctx, st, message) {
  const r = await api('GET', `/roi/requests/${st.id}`);
  if (!ctx.isCurrent()) return;
  st.r = r;
  st.sel = null;
  st.msg = message || null;
  await render(ctx, st);
}

async function render(ctx, st) {
  const { app, main } = ctx;
  const r = st.r;
  const p = r.patient || {};
  const pname = p.name || `Patient #${r.patient_id}`;
  app.setTitle(`${requestNumber(r.id)} · ${pname}`);
  const banner = h('div', { class: 'banner roi-banner' },
    h('h1', requestNumber(r.id)),
    statusBadge(r.status),
    h('span', { class: 'kv' }, h('b', 'Patient '), pname, p.mrn ? ` · MRN ${p.mrn}` : '', p.birth_date ? ` · born ${p.birth_date}` : ''),
    h('span', { class: 'kv' }, h('b', 'Requester '), `${requesterTitle(r.requester_type)}: ${dash(r.requester_name)}`),
    h('span', { class: 'kv' }, h('b', 'Received '), dash(r.received_on)),
    h('span', { class: 'kv roi-due-kv' }, h('b', 'Due '), r.due_on ? r.due_on : 'no federal deadline',
      r.due_on && OPEN.includes(r.status) ? [' ', daysLeftCell(r.days_left, r.overdue)] : null),
    h('a', { href: `#/roi/accounting/${r.patient_id}` }, 'Accounting of disclosures'));
  const details = h('section', { class: 'card roi-details', 'aria-label': 'Request details' });
  const authPane = h('section', { class: 'card roi-auth', 'aria-label': 'Authorization' });
  const docsPane = h('section', { class: 'card roi-docs', 'aria-label': 'Documents and packet' });
  const actPane = h('section', { class: 'card roi-actions', 'aria-label': 'Actions' });
  const qaPane = h('section', { class: 'card roi-qa', 'aria-label': 'Quality check' });
  const feePane = h('section', { class: 'card roi-fee', 'aria-label': 'Fee' });
  const histPane = h('section', { class: 'card roi-history', 'aria-label': 'History' });
  mount(main, h('div', { class: 'roi-screen' },
    h('a', { class: 'back', href: '#/roi' }, '‹ Queue'),
    banner,
    st.msg,
    app.can('roi.write') ? null : h('p', { class: 'note small' }, 'Read only: your roles do not include changing requests (roi.write).'),
    h('div', { class: 'roi-cols' },
      h('div', { class: 'roi-left' }, details, authPane, docsPane),
      h('div', { class: 'roi-right' }, actPane, qaPane, feePane, histPane))));
  renderDetails(st, details);
  renderActions(ctx, st, actPane);
  renderQa(ctx, st, qaPane);
  renderFee(ctx, st, feePane);
  renderHistory(st, histPane);
  renderAuth(ctx, st, authPane);
  await renderDocs(ctx, st, docsPane);
}

function facts(pairs) {
  return h('dl', { class: 'facts roi-facts' }, pairs.filter(Boolean).map(([k, v]) => [h('dt', k), h('dd', v)]));
}

function renderDetails(st, pane) {
  const r = st.r;
  const types = r.doc_types && r.doc_types.length ? r.doc_types.map((c) => `${docTypeTitle(c)} (${c})`).join(', ') : 'all types';
  const del = DELIVERIES.find(([v]) => v === r.delivery);
  mount(pane, h('h2', 'Request'), facts([
    ['Requester type', requesterTitle(r.requester_type)],
    ['Requester', dash(r.requester_name)],
    ['Address', h('span', { class: 'pre-line' }, dash(r.requester_address))],
    ['Service dates', `${r.date_from || 'any'} to ${r.date_to || 'any'}`],
    ['Document types', types],
    ['Purpose', dash(r.purpose)],
    ['Delivery', del ? del[1] : dash(r.delivery)],
    r.requester_type === 'attorney_subpoena' ? ['Satisfactory assurance', r.subpoena_assurance ? 'on file (164.512(e)(1)(ii))' : 'not on file'] : null,
    ['Basis of the release', `${dash(r.basis)}${r.authorization_cite ? ` · ${r.authorization_cite}` : ''}`],
    ['Received', dash(r.received_on)],
    ['Due', r.due_on ? `${r.due_on}${r.original_due_on && r.original_due_on !== r.due_on ? ` (first due ${r.original_due_on})` : ''}` : 'no federal deadline'],
    r.extension_reason ? ['Extension', h('span', { class: 'reason' }, r.extension_reason)] : null,
    r.released_on ? ['Released', r.released_on] : null,
    r.deny_reason ? ['Denied because', h('span', { class: 'reason roi-deny-reason' }, r.deny_reason)] : null,
  ]));
}

/* ---- authorization and its checklist ---- */

function checklist(a) {
  const c = a.checklist || { items: [] };
  return h('div', { class: 'roi-checklist', 'data-verdict': c.verdict || '' },
    h('p', 'Verdict: ', verdictBadge(c.verdict), c.verdict_citation ? h('span', { class: 'small' }, ` ${c.verdict_citation}`) : null,
      c.n_missing ? h('span', { class: 'small muted' }, ` · ${c.n_missing} element${c.n_missing === 1 ? '' : 's'} missing`) : null),
    h('div', { class: 'table-wrap' }, h('table', { class: 'grid-table roi-check-table' },
      h('caption', { class: 'sr-only' }, 'Required elements of the authorization, 45 CFR 164.508(c)'),
      h('thead', h('tr', ['Element', 'Citation', ''].map((x) => h('th', x)))),
      h('tbody', (c.items || []).map((i) => h('tr', { 'data-element': i.element, 'data-present': i.present ? 'true' : 'false', class: i.present ? '' : 'roi-missing' },
        h('td', AUTH_ELEMENTS[i.element] || i.element),
        h('td', { class: 'small' }, dash(i.citation)),
        h('td', i.present ? h('span', { class: 'badge roi-present' }, '✓ present') : h('span', { class: 'badge roi-absent' }, '✗ missing'))))))));
}

function renderAuth(ctx, st, pane) {
  const { app } = ctx;
  const r = st.r;
  const a = r.authorization;
  const head = h('h2', 'Authorization');
  const need = r.needs_authorization
    ? h('p', { class: 'small' }, `A valid authorization is required for this requester (${dash(r.authorization_cite)}).`)
    : h('p', { class: 'small muted' }, `No authorization needed: ${dash(r.authorization_cite)}.`);
  const parts = [head, need];
  if (a) {
    parts.push(facts([
      ['Number', `#${a.id}`],
      ['Description', dash(a.description)],
      ['Who may disclose', dash(a.discloser)],
      ['Recipient', dash(a.recipient)],
      ['Purpose', dash(a.purpose)],
      ['Expires', a.expires_on || a.expiry_event || '—'],
      ['Signed', `${dash(a.signed_by)} on ${dash(a.signed_on)}${a.signer_authority ? ` (${a.signer_authority})` : ''}`],
      a.sensitive && a.sensitive.length ? ['Names sensitive records', a.sensitive.join(', ')] : null,
      a.psychotherapy_notes ? ['Psychotherapy notes', 'yes (164.508(a)(2))'] : null,
      a.revoked_on ? ['Revoked', a.revoked_on] : null,
    ]), checklist(a));
  } else if (r.needs_authorization) {
    parts.push(warnBox('No authorization is linked: the request cannot be validated or released.'));
  }
  if (a && !a.revoked_on && app.can('roi.write') && OPEN.includes(r.status)) parts.push(revokeForm(ctx, st, a));
  if (app.can('roi.write') && r.status === 'received') {
    const box = h('div', { class: 'roi-link-auth' });
    const btn = h('button', { type: 'button', 'aria-expanded': 'false' }, a ? 'Link another authorization' : 'Link an authorization');
    btn.addEventListener('click', () => {
      const show = !box.firstChild;
      btn.setAttribute('aria-expanded', show ? 'true' : 'false');
      if (show) linkAuth(ctx, st, box); else mount(box);
    });
    parts.push(h('div', { class: 'act' }, btn), box);
  }
  mount(pane, parts);
}

/* The individual's written revocation (164.508(b)(5)): POST /roi/authorizations/{id}/revocation. */
function revokeForm(ctx, st, a) {
  const on = h('input', { name: 'revoked_on', type: 'date', value: todayUtc() });
  const note = h('input', { name: 'revocation_note', size: 30, autocomplete: 'off', placeholder: 'e.g. letter received by mail' });
  const msg = h('div', { 'aria-live': 'polite' });
  const go = h('button', { type: 'submit' }, 'Record the revocation');
  return h('details', { class: 'roi-revoke' }, h('summary', 'The patient revoked this authorization'),
    h('form', {
      class: 'inline-form', 'aria-label': `Revocation of authorization ${a.id}`,
      onsubmit: async (e) => {
        e.preventDefault();
        go.disabled = true;
        try {
          const body = {};
          if (on.value) body.revoked_on = on.value;
          if (note.value.trim()) body.note = note.value.trim();
          await api('POST', `/roi/authorizations/${a.id}/revocation`, { body });
          await reload(ctx, st, okBox(`Authorization #${a.id} revoked: nothing more is released under it.`));
        } catch (err) {
          go.disabled = false;
          if (err.status !== 401) mount(msg, errorBox(err));
        }
      },
    }, field('Revoked on (received in writing)', on), field('Revocation note', note), h('div', { class: 'field actions' }, go)), msg);
}

async function linkAuth(ctx, st, box) {
  const r = st.r;
  const msg = h('div', { 'aria-live': 'polite' });
  mount(box, h('p', { class: 'muted' }, 'Loading…'));
  try {
    st.auths = itemsOf(await api('GET', `/patients/${r.patient_id}/authorizations`));
  } catch (err) {
    if (err.status !== 401) mount(box, errorBox(err));
    return;
  }
  const sel = h('select', { name: 'link_authorization' },
    st.auths.map((a) => h('option', { value: a.id, selected: r.authorization && a.id === r.authorization.id },
      `#${a.id}: ${dash(a.recipient)} (${a.checklist ? a.checklist.verdict : '?'})`)),
    h('option', { value: 'new' }, 'Record a new authorization…'));
  const nf = authForm();
  sel.addEventListener('change', () => { nf.el.hidden = sel.value !== 'new'; });
  nf.el.hidden = sel.value !== 'new';
  const go = h('button', { type: 'submit', class: 'primary' }, 'Link');
  mount(box, h('form', {
    class: 'roi-link-form', 'aria-label': 'Link an authorization',
    onsubmit: async (e) => {
      e.preventDefault();
      go.disabled = true;
      try {
        let aid = Number(sel.value);
        if (sel.value === 'new') aid = (await api('POST', `/patients/${r.patient_id}/authorizations`, { body: nf.value() })).id;
        await api('POST', `/roi/requests/${r.id}/authorization`, { body: { authorization_id: aid } });
        await reload(ctx, st, okBox(`Authorization #${aid} linked.`));
      } catch (err) {
        go.disabled = false;
        if (err.status !== 401) mount(msg, errorBox(err));
      }
    },
  }, field('Authorization of the patient', sel), nf.el, h('div', { class: 'field actions' }, go), msg));
}

/* ---- actions by status ---- */

function renderActions(ctx, st, pane) {
  const { app } = ctx;
  const r = st.r;
  const msg = h('div', { class: 'action-msg', 'aria-live': 'polite' });
  if (!OPEN.includes(r.status)) {
    mount(pane, h('h2', 'Actions'), h('p', { class: 'small muted' },
      r.status === 'released' ? `Released on ${dash(r.released_on)}: the request is closed.` : 'Denied: the request is closed.'));
    return;
  }
  if (!app.can('roi.write')) {
    mount(pane, h('h2', 'Actions'), h('p', { class: 'small muted' }, 'Read only.'));
    return;
  }
  const busy = (on) => { for (const b of pane.querySelectorAll('button')) b.disabled = on; };
  const note = h('input', { name: 'move_detail', size: 30, autocomplete: 'off', placeholder: 'optional' });
  async function move(to, extra) {
    busy(true);
    mount(msg);
    try {
      const body = { to, ...extra };
      if (note.value.trim() && !body.detail) body.detail = note.value.trim();
      await api('POST', `/roi/requests/${r.id}/status`, { body });
      await reload(ctx, st, okBox(to === 'released' ? `Released: the disclosure is recorded.` : `The request is ${to === 'qa' ? 'in QA' : to}.`));
    } catch (err) {
      busy(false);
      if (err.status !== 401) mount(msg, errorBox(err));
    }
  }
  const [to, label, why] = NEXT[r.status];
  const parts = [h('div', { class: 'act' },
    h('button', { type: 'button', class: 'primary', 'data-to': to, onclick: () => move(to) }, label),
    r.status === 'qa' ? h('button', { type: 'button', 'data-to': 'pulled', onclick: () => move('pulled') }, 'Back to pulled') : null,
    h('span', { class: 'small muted' }, why)),
  h('div', { class: 'act' }, field('Note for the history', note))];
  // deny with a reason
  const reason = h('input', { name: 'deny_reason', size: 30, autocomplete: 'off' });
  parts.push(h('form', {
    class: 'act roi-deny', 'aria-label': 'Deny the request',
    onsubmit: (e) => {
      e.preventDefault();
      if (!reason.value.trim()) { mount(msg, warnBox('Say why the request is denied.')); reason.focus(); return; }
      move('denied', { reason: reason.value.trim() });
    },
  }, field('Reason to deny', reason), h('div', { class: 'field actions' }, h('button', { type: 'submit' }, 'Deny'))));
  // the one extension of an access request
  if (ACCESS.includes(r.requester_type) && !r.extension_reason) {
    const ext = h('input', { name: 'extension_reason', size: 30, autocomplete: 'off' });
    parts.push(h('form', {
      class: 'act roi-extend', 'aria-label': 'Extend the due date',
      onsubmit: async (e) => {
        e.preventDefault();
        if (!ext.value.trim()) { mount(msg, warnBox('Write the reason for the delay (it is told to the individual).')); ext.focus(); return; }
        busy(true);
        try {
          const x = await api('POST', `/roi/requests/${r.id}/extension`, { body: { reason: ext.value.trim() } });
          await reload(ctx, st, okBox(`Extended once by 30 days: due ${dash(x.due_on)}.`));
        } catch (err) {
          busy(false);
          if (err.status !== 401) mount(msg, errorBox(err));
        }
      },
    }, field('Reason for an extension', ext, 'once, 30 days, within the first 30 (164.524(b)(2)(ii))'),
    h('div', { class: 'field actions' }, h('button', { type: 'submit' }, 'Extend'))));
  }
  mount(pane, h('h2', 'Actions'), msg, parts);
}

/* ---- documents, packet ---- */

function tagList(tags) {
  return (tags || []).map((t) => h('span', { class: 'badge roi-tag', 'data-tag': t }, t.replace(/_/g, ' ')));
}

async function renderDocs(ctx, st, pane) {
  const { app } = ctx;
  const r = st.r;
  const packets = r.packets || [];
  const packetsBox = h('div', { class: 'roi-packets' }, packetList(packets));
  const final = !OPEN.includes(r.status);
  if (final) {
    mount(pane, h('h2', 'Packet'), packetsBox);
    return;
  }
  mount(pane, h('h2', 'Documents'), h('p', { class: 'muted' }, 'Loading…'), packetsBox);
  if (!st.sel) {
    try {
      st.sel = await api('GET', `/roi/requests/${r.id}/documents`, { query: st.emergency ? { emergency: 1 } : {} });
    } catch (err) {
      if (err.status !== 401) mount(pane, h('h2', 'Documents'), errorBox(err), packetsBox);
      return;
    }
    if (!ctx.isCurrent()) return;
  }
  const sel = st.sel;
  const canPack = app.can('roi.write') && (r.status === 'pulled' || r.status === 'qa');
  const boxes = [];
  const inc = (sel.included || []).map((d) => {
    const box = h('input', { type: 'checkbox', name: 'document_ids', value: d.document_id, checked: true, disabled: !canPack });
    boxes.push(box);
    return h('li', { 'data-document-id': d.document_id },
      h('label', { class: 'check' }, box, ' ', h('b', dash(d.title))),
      h('span', { class: 'small muted' }, ` ${dash(d.on)} · ${docTypeTitle(d.type_code)} `), tagList(d.tags));
  });
  const exc = (sel.excluded || []).map((d) => h('li', { 'data-document-id': d.document_id, class: 'roi-excluded-doc' },
    h('b', dash(d.title)), h('span', { class: 'small muted' }, ` ${dash(d.on)} · ${docTypeTitle(d.type_code)} `), tagList(d.tags),
    h('div', { class: 'small roi-reason' }, 'Left out: ', h('span', { class: 'reason' }, dash(d.reason)),
      d.cite ? h('span', { class: 'roi-cite' }, ` — ${d.cite}`) : null)));
  const notes = [];
  if (!sel.auth_valid && r.needs_authorization) notes.push(warnBox('No valid authorization: nothing can be released to this requester.'));
  if (sel.part2_notice) notes.push(h('p', { class: 'note small' }, 'A 42 CFR Part 2 record is included under the patient\'s consent: the packet carries the notice of 42 CFR 2.32.'));
  if (sel.part2_emergency) notes.push(h('p', { class: 'note small' }, 'Part 2 records included for a medical emergency (42 CFR 2.51): document the disclosure.'));
  if (sel.minimum_necessary) notes.push(h('p', { class: 'note small' }, 'Minimum necessary applies (45 CFR 164.502(b)): uncheck what the purpose does not need.'));
  let emergency = null;
  if (r.requester_type === 'provider_continuity') {
    const eb = h('input', { type: 'checkbox', name: 'emergency', checked: st.emergency });
    eb.addEventListener('change', async () => { st.emergency = eb.checked; st.sel = null; await renderDocs(ctx, st, pane); });
    emergency = h('label', { class: 'check' }, eb, ' Medical emergency (42 CFR 2.51: Part 2 records without consent)');
  }
  const msg = h('div', { 'aria-live': 'polite' });
  let maker = null;
  if (canPack) {
    const notice = h('input', { name: 'packet_notice', size: 36, autocomplete: 'off', placeholder: 'the default statement' });
    // 42 CFR 2.51(c): the nature of the emergency is documented with the disclosure
    const why = st.emergency ? h('input', { name: 'emergency_reason', size: 36, autocomplete: 'off', required: true }) : null;
    const go = h('button', { type: 'submit', class: 'primary' }, 'Make the packet');
    maker = h('form', {
      class: 'roi-make-packet', 'aria-label': 'Make the packet',
      onsubmit: async (e) => {
        e.preventDefault();
        const ids = boxes.filter((b) => b.checked).map((b) => Number(b.value));
        if (!ids.length) { mount(msg, warnBox('Check at least one document for the packet.')); return; }
        go.disabled = true;
        mount(msg, h('p', { class: 'muted' }, 'Making the packet…'));
        try {
          const body = { document_ids: ids };
          if (notice.value.trim()) body.notice = notice.value.trim();
          if (st.emergency) { body.emergency = true; body.emergency_reason = why.value.trim(); }
          const pk = await api('POST', `/roi/requests/${r.id}/packets`, { body });
          await reload(ctx, st, okBox(`Packet made: ${pk.pages} page${pk.pages === 1 ? '' : 's'}, SHA-256 ${pk.sha256}.`));
        } catch (err) {
          go.disabled = false;
          if (err.status !== 401) mount(msg, errorBox(err));
        }
      },
    }, field('Redisclosure notice (optional)', notice, 'replaces the default statement of the cover letter'),
    why ? field('Nature of the medical emergency', why, 'recorded with the packet and the disclosure (42 CFR 2.51)') : null,
    h('div', { class: 'field actions' }, go));
  } else if (app.can('roi.write')) {
    notes.push(h('p', { class: 'small muted' }, 'The packet is made once the records are pulled.'));
  }
  mount(pane,
    h('h2', 'Documents', h('span', { class: 'muted small' }, ` — ${inc.length} included, ${exc.length} left out`)),
    emergency, notes,
    h('h3', 'Included'),
    inc.length ? h('ul', { class: 'roi-doc-list roi-included', 'aria-label': 'Documents to include' }, inc)
      : h('p', { class: 'muted small' }, 'No document of the request\'s dates and types can be released.'),
    exc.length ? [h('h3', 'Left out'), h('ul', { class: 'roi-doc-list roi-excluded', 'aria-label': 'Documents left out' }, exc)] : null,
    maker, msg,
    packetsBox);
}

function packetList(packets) {
  if (!packets.length) return h('p', { class: 'muted small' }, 'No packet made yet.');
  return [h('h3', 'Packets'), h('div', { class: 'table-wrap' }, h('table', { class: 'grid-table roi-packet-table' },
    h('caption', { class: 'sr-only' }, 'Packets of the request, oldest first (the last one goes out)'),
    h('thead', h('tr', ['Packet', 'Made', 'Pages', 'Documents', 'SHA-256', 'QA'].map((x) => h('th', x)))),
    h('tbody', packets.map((pk) => h('tr', { 'data-packet-id': pk.id },
      h('td', h('a', { href: `/api/v1/roi/packets/${pk.id}/pdf`, class: 'roi-pdf', download: '' }, `PDF #${pk.id}`),
        h('div', { class: 'small muted' }, `${Math.max(1, Math.round((pk.byte_size || 0) / 1024))} KB`)),
      h('td', { class: 'small' }, `${fmtTime(pk.created_at)} by ${dash(pk.created_by)}`),
      h('td', { class: 'num' }, String(pk.pages)),
      h('td', { class: 'num' }, String((pk.document_ids || []).length),
        pk.part2_notice ? h('div', { class: 'small' }, 'Part 2 notice') : null,
        pk.emergency ? h('div', { class: 'small' }, `Medical emergency (42 CFR 2.51): ${dash(pk.emergency_reason)}`) : null),
      h('td', { class: 'mono roi-sha' }, dash(pk.sha256)),
      h('td', qaBadge(pk.qa)))))))];
}

function qaBadge(qa) {
  if (!qa || !qa.done) return h('span', { class: 'badge roi-qa-pending', 'data-qa': 'pending' }, 'not checked');
  return qa.passed ? h('span', { class: 'badge roi-qa-passed', 'data-qa': 'passed' }, `passed · ${dash(qa.by)}`)
    : h('span', { class: 'badge roi-qa-failed', 'data-qa': 'failed' }, `failed · ${dash(qa.by)}`);
}

/* ---- QA by a second person ---- */

function renderQa(ctx, st, pane) {
  const { app } = ctx;
  const r = st.r;
  const packets = r.packets || [];
  const last = packets.length ? packets[packets.length - 1] : null;
  const head = h('h2', 'Quality check');
  if (!last) {
    mount(pane, head, h('p', { class: 'small muted' }, 'After the packet is made, a second person checks the right patient, the right records and the right recipient before release.'));
    return;
  }
  const qa = last.qa || {};
  const parts = [head];
  if (qa.done) {
    parts.push(h('p', { class: 'roi-qa-result', 'data-passed': qa.passed ? 'true' : 'false' }, `Packet #${last.id}: `, qaBadge(qa),
      h('span', { class: 'small muted' }, ` ${fmtTime(qa.at)}`)),
    h('ul', { class: 'small roi-qa-checks' },
      h('li', `Right patient: ${qa.right_patient ? 'yes' : 'no'}`),
      h('li', `Right records: ${qa.right_records ? 'yes' : 'no'}`),
      h('li', `Right recipient: ${qa.right_recipient ? 'yes' : 'no'}`)),
    qa.note ? h('p', { class: 'small' }, 'Note: ', h('span', { class: 'reason' }, qa.note)) : null);
  }
  if (r.status === 'qa' && !qa.done && app.can('roi.write')) {
    const me = app.user && app.user.username;
    const c = (n) => h('input', { type: 'checkbox', name: n });
    const rp = c('right_patient'), rr = c('right_records'), rc = c('right_recipient');
    const note = h('input', { name: 'qa_note', size: 34, autocomplete: 'off', placeholder: 'required when a check fails' });
    const msg = h('div', { 'aria-live': 'polite' });
    const go = h('button', { type: 'submit', class: 'primary' }, 'Record QA');
    parts.push(h('p', { class: 'small' }, `Packet #${last.id} was made by ${dash(last.created_by)}: `,
      me && me === last.created_by ? h('b', 'a second person completes the check (the server refuses its maker).') : 'check it against the request.'),
    h('form', {
      class: 'roi-qa-form', 'aria-label': 'Quality check of the packet',
      onsubmit: async (e) => {
        e.preventDefault();
        go.disabled = true;
        mount(msg);
        try {
          const body = { right_patient: rp.checked, right_records: rr.checked, right_recipient: rc.checked };
          if (note.value.trim()) body.note = note.value.trim();
          const x = await api('POST', `/roi/requests/${r.id}/qa`, { body });
          await reload(ctx, st, x.passed ? okBox('QA passed: the request may be released.')
            : warnBox('QA failed: the request is back to pulled for a new packet.'));
        } catch (err) {
          go.disabled = false;
          if (err.status !== 401) mount(msg, errorBox(err));
        }
      },
    },
    h('label', { class: 'check' }, rp, ' Right patient (name, birth date and MRN on every page)'),
    h('label', { class: 'check' }, rr, ' Right records (what was asked, nothing left out wrongly)'),
    h('label', { class: 'check' }, rc, ' Right recipient (name and address)'),
    field('QA note', note), h('div', { class: 'field actions' }, go), msg));
  } else if (r.status === 'qa' && !qa.done) {
    parts.push(h('p', { class: 'small muted' }, `Packet #${last.id} waits for its check.`));
  }
  mount(pane, parts);
}

/* ---- fee ---- */

function renderFee(ctx, st, pane) {
  const { app } = ctx;
  const r = st.r;
  const fee = r.fee;
  const p = (fee && fee.params) || {};
  const access = ACCESS.includes(r.requester_type);
  const head = h('h2', 'Fee');
  const saved = fee ? h('p', { class: 'roi-fee-saved' }, 'Saved: ', h('b', { 'data-total': fee.total_cents }, money(fee.total_cents)),
    h('span', { class: 'small muted' }, ` (${fee.method === 'flat' ? 'flat' : 'cost-based'}) ${fmtTime(fee.at)} by ${dash(fee.by)}`))
    : h('p', { class: 'small muted' }, 'No fee recorded.');
  const note = access ? h('p', { class: 'small muted' }, 'Right of access: a reasonable, cost-based fee only (45 CFR 164.524(c)(4)); no charge for search and retrieval.') : null;
  if (!app.can('roi.write') || !OPEN.includes(r.status)) {
    mount(pane, head, saved, fee ? feeBreakdown(fee) : null, note);
    return;
  }
  const dollars = (cents) => (cents === undefined || cents === null ? '' : (Number(cents) / 100).toFixed(2));
  const method = h('select', { name: 'fee_method' }, h('option', { value: 'cost', selected: p.method !== 'flat' && (fee ? fee.method !== 'flat' : true) }, 'Cost-based (164.524(c)(4)(i)-(iv))'),
    h('option', { value: 'flat', selected: fee && fee.method === 'flat' }, 'Flat fee for an electronic copy'));
  const num = (n, v) => h('input', { name: n, inputmode: 'numeric', size: 7, value: v === undefined || v === null ? '' : String(v), autocomplete: 'off' });
  const cash = (n, v) => h('input', { name: n, inputmode: 'decimal', size: 7, value: v, autocomplete: 'off' });
  const minutes = num('labor_minutes', p.labor_minutes ?? 0);
  const rate = cash('labor_rate', dollars(p.labor_cents_per_hour ?? 2400));
  const pages = num('pages', p.pages ?? 0);
  const perPage = cash('supply_per_page', dollars(p.supply_cents_per_page ?? 10));
  const media = cash('media', dollars(p.media_cents ?? 0));
  const postage = cash('postage', dollars(p.postage_cents ?? 0));
  const summary = cash('summary', dollars(p.summary_cents ?? 0));
  const flat = cash('flat', dollars(p.flat_cents ?? 650));
  const electronic = h('input', { type: 'checkbox', name: 'electronic', checked: p.electronic ?? ['portal', 'email', 'electronic_media'].includes(r.delivery) });
  const mailed = h('input', { type: 'checkbox', name: 'mailed', checked: p.mailed ?? r.delivery === 'mail' });
  const costFields = h('div', { class: 'roi-grid roi-fee-cost' },
    field('Copying labor (minutes)', minutes), field('Labor rate ($ per hour)', rate), field('Paper pages', pages),
    field('Supplies ($ per page)', perPage), field('Media ($)', media), field('Postage ($)', postage), field('Summary ($)', summary));
  const flatFields = h('div', { class: 'roi-grid roi-fee-flat' }, field('Flat fee ($)', flat, 'HHS guidance: $6.50'));
  const showMethod = () => { costFields.hidden = method.value !== 'cost'; flatFields.hidden = method.value !== 'flat'; };
  method.addEventListener('change', showMethod);
  showMethod();
  const result = h('div', { class: 'roi-fee-result', 'aria-live': 'polite' });
  const go = h('button', { type: 'submit', class: 'primary' }, 'Calculate and save');
  mount(pane, head, saved, fee ? feeBreakdown(fee) : null, note, h('form', {
    class: 'roi-fee-form', 'aria-label': 'Fee calculator',
    onsubmit: async (e) => {
      e.preventDefault();
      const body = {
        method: method.value, labor_minutes: Number(minutes.value || 0), labor_cents_per_hour: parseMoney(rate.value),
        pages: Number(pages.value || 0), supply_cents_per_page: parseMoney(perPage.value), media_cents: parseMoney(media.value),
        postage_cents: parseMoney(postage.value), summary_cents: parseMoney(summary.value), flat_cents: parseMoney(flat.value),
        electronic: electronic.checked, mailed: mailed.checked,
      };
      const bad = Object.entries(body).find(([, v]) => typeof v === 'number' && (!Number.isInteger(v) || v < 0));
      if (bad) { mount(result, warnBox(`${bad[0].replace(/_/g, ' ')}: enter a number (dollars with at most 2 decimals).`)); return; }
      go.disabled = true;
      try {
        const x = await api('PUT', `/roi/requests/${r.id}/fee`, { body });
        await reload(ctx, st, okBox(`Fee saved: ${money(x.total_cents)}.`));
      } catch (err) {
        go.disabled = false;
        if (err.status !== 401) mount(result, errorBox(err));
      }
    },
  }, field('Method', method), costFields, flatFields,
  h('div', { class: 'roi-fee-flags' }, h('label', { class: 'check' }, electronic, ' Electronic copy'), h('label', { class: 'check' }, mailed, ' Mailed')),
  h('div', { class: 'field actions' }, go), result));
}

function feeBreakdown(f) {
  return h('table', { class: 'grid-table roi-fee-table' },
    h('caption', { class: 'sr-only' }, 'The fee by part'),
    h('tbody',
      [['Labor', f.labor_cents], ['Supplies', f.supplies_cents], ['Postage', f.postage_cents], ['Summary', f.summary_cents]]
        .map(([k, v]) => h('tr', h('td', k), h('td', { class: 'num' }, money(v)))),
      h('tr', { class: 'roi-fee-total' }, h('th', 'Total'), h('td', { class: 'num' }, h('b', money(f.total_cents))))));
}

/* ---- history ---- */

function renderHistory(st, pane) {
  const ev = st.r.events || [];
  mount(pane, h('details', { class: 'roi-hist', open: true }, h('summary', h('h2', { class: 'inline-h' }, 'History')),
    h('div', { class: 'table-wrap' }, h('table', { class: 'grid-table roi-events' },
      h('caption', { class: 'sr-only' }, 'History of the request, oldest first'),
      h('thead', h('tr', ['When', 'Who', 'What', 'Status', 'Detail'].map((x) => h('th', x)))),
      h('tbody', ev.map((x) => h('tr', { 'data-action': x.action },
        h('td', { class: 'small nowrap' }, fmtTime(x.at)), h('td', dash(x.user)), h('td', dash(x.action)),
        h('td', { class: 'small' }, x.from_status || x.to_status ? `${dash(x.from_status)} → ${dash(x.to_status)}` : '—'),
        h('td', { class: 'detail' }, dash(x.detail)))))))));
}
