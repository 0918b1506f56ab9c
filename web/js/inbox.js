// The clinician's inbox: the physician queries addressed to the provider the signed-in user is
// (question, clinical indicators, options as radio buttons, the answer filed into the record as
// documentation) and their open chart deficiencies (sign an unsigned document, or write the
// missing document for the deficiency's encounter: it is filed with
// POST /patients/{id}/documents and signed). GET /api/v1/inbox (docs/api.md "Chart
// completeness"); the server answers 409 naming "provider" when the user is not linked to a
// provider, and decides on every action whether it is theirs to do.
import { api, errorText } from './api.js';
import { h, mount, dash, fmtTime, field } from './dom.js';
import { indicatorList, queryBadge } from './queries.js';
import { defBadge } from './completeness.js';

// Titles of the document types the shipped rules ask for (the server knows every LOINC
// document code; this only prefills the title of a document written here).
const DOC_TITLES = {
  '34117-2': 'History and physical', '11504-8': 'Operative report', '59284-0': 'Informed consent',
  '18842-5': 'Discharge summary', '34111-5': 'Emergency department note', '11506-3': 'Progress note',
};

function errorBox(err) {
  return h('div', { class: 'msg msg-error', role: 'alert' }, errorText(err));
}

/** Shows n next to "Inbox" in the header (nothing when 0). */
export function setInboxCount(n) {
  const a = document.querySelector('nav a[data-nav="inbox"]');
  if (!a) return;
  let badge = a.querySelector('.nav-count');
  if (!n) { if (badge) badge.remove(); return; }
  if (!badge) { badge = h('span', { class: 'nav-count' }); a.append(' ', badge); }
  badge.textContent = String(n);
  badge.setAttribute('aria-label', `${n} waiting`);
}

/** The counts for the header (quietly nothing when the inbox cannot be read). */
export async function refreshInboxCount() {
  try {
    const r = await api('GET', '/inbox');
    setInboxCount((r.queries || []).length + (r.deficiencies || []).length);
  } catch { /* the header count is a convenience */ }
}

function ageText(hours) {
  if (typeof hours !== 'number') return '';
  if (hours < 48) return `${Math.round(hours)} h`;
  return `${Math.floor(hours / 24)} days`;
}

export async function inboxScreen(ctx) {
  const { app, main } = ctx;
  app.setTitle('Inbox');
  mount(main, h('p', { class: 'muted' }, 'Loading…'));
  let r;
  try {
    r = await api('GET', '/inbox');
  } catch (err) {
    if (err.status === 401 || !ctx.isCurrent()) return;
    if (err.status === 409) {
      mount(main, h('section', { class: 'panel inbox' }, h('h1', 'Inbox'),
        h('div', { class: 'msg msg-info', role: 'status' }, errorText(err)),
        h('p', 'Your user account is not linked to a provider, so no queries or deficiencies can be addressed to you. An administrator links it (Users, or folio user provider).')));
      return;
    }
    throw err;
  }
  if (!ctx.isCurrent()) return;
  await renderInbox(ctx, r);
}

async function reloadInbox(ctx, message) {
  const r = await api('GET', '/inbox');
  if (!ctx.isCurrent()) return;
  await renderInbox(ctx, r, message);
}

async function renderInbox(ctx, r, message) {
  const { app, main } = ctx;
  const queries = r.queries || [];
  const defs = r.deficiencies || [];
  setInboxCount(queries.length + defs.length);
  const prov = r.provider || {};
  app.setTitle(`Inbox (${queries.length + defs.length})`);
  const qBox = h('section', { class: 'card inbox-queries', 'aria-label': 'Queries' });
  const dBox = h('section', { class: 'card inbox-defs', 'aria-label': 'Deficiencies' });
  mount(main, h('section', { class: 'panel inbox' },
    h('h1', 'Inbox', h('span', { class: 'muted small' }, ` — ${dash(prov.name)}`)),
    message || null,
    h('p', { class: 'hint' }, `${queries.length} quer${queries.length === 1 ? 'y' : 'ies'} to answer, ${defs.length} open deficienc${defs.length === 1 ? 'y' : 'ies'} of your charts.`),
    qBox, dBox));
  renderQueries(ctx, qBox, queries);
  renderDefs(ctx, dBox, defs, prov);
}

/* ---------------- queries ---------------- */

function renderQueries(ctx, box, queries) {
  if (!queries.length) {
    mount(box, h('h2', 'Queries'), h('p', { class: 'muted', role: 'status' }, 'No queries waiting for your answer.'));
    return;
  }
  mount(box, h('h2', 'Queries', h('span', { class: 'muted small' }, ` — ${queries.length}, oldest first`)),
    h('ol', { class: 'inbox-query-list' }, queries.map((q) => {
      const body = h('div', { class: 'q-answer-box' });
      const open = h('button', { type: 'button', class: 'primary', 'aria-expanded': 'false', 'aria-label': `Answer query ${q.id}` }, 'Answer');
      // the form shows the indicators, then the question ("the clinical indicators above")
      const question = h('p', { class: 'q-question' }, q.question);
      open.addEventListener('click', () => {
        const show = !body.firstChild;
        open.setAttribute('aria-expanded', show ? 'true' : 'false');
        question.hidden = show;
        if (show) answerForm(ctx, q, body); else mount(body);
      });
      return h('li', { class: 'inbox-query', 'data-id': q.id },
        h('div', { class: 'title-row' },
          h('div', h('b', q.patient_name || `Patient #${q.patient_id}`), h('span', { class: 'small muted' },
            ` · encounter ${q.encounter_id} · ${dash(q.kind).replace(/_/g, ' ')} · from ${dash(q.created_by)} · sent ${fmtTime(q.sent_at)}${q.age_hours != null ? ` (${ageText(q.age_hours)} ago)` : ''}`)),
          open),
        question,
        body);
    })));
}

async function answerForm(ctx, brief, box) {
  mount(box, h('p', { class: 'muted' }, 'Loading…'));
  let q;
  try {
    q = await api('GET', `/queries/${brief.id}`);
  } catch (err) {
    if (err.status !== 401) mount(box, errorBox(err));
    return;
  }
  const opts = q.options || [];
  const msg = h('div', { 'aria-live': 'polite' });
  const text = h('textarea', { name: 'answer_text', rows: 3, cols: 60 });
  const name = `q${q.id}-option`;
  const radios = opts.map((o, i) => h('label', { class: 'q-option' },
    h('input', { type: 'radio', name, value: i + 1, 'data-role': o.role }), ' ', o.label));
  const textLabel = q.kind === 'open_ended' ? 'Your answer' : 'Your words (required with "other")';
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Send answer');
  const form = h('form', {
    class: 'q-answer', 'aria-label': `Answer query ${q.id}`,
    onsubmit: async (e) => {
      e.preventDefault();
      const chosen = form.querySelector(`input[name="${name}"]:checked`);
      const words = text.value.trim();
      if (opts.length && !chosen) { mount(msg, h('div', { class: 'msg msg-warn', role: 'alert' }, 'Choose one of the answers.')); return; }
      if (chosen && chosen.dataset.role === 'other' && !words) {
        mount(msg, h('div', { class: 'msg msg-warn', role: 'alert' }, 'With "other", write the answer in your words.'));
        text.focus();
        return;
      }
      if (!opts.length && !words) { mount(msg, h('div', { class: 'msg msg-warn', role: 'alert' }, 'Write your answer.')); text.focus(); return; }
      const body = {};
      if (chosen) body.option = Number(chosen.value);
      if (words) body.text = words;
      submit.disabled = true;
      try {
        const r = await api('POST', `/queries/${q.id}/answer`, { body });
        if (!ctx.isCurrent()) return;
        await reloadInbox(ctx, h('div', { class: 'msg msg-ok', role: 'status' },
          `Query ${q.id} answered; the answer is filed in the record${r.document_id ? ` as document ${r.document_id}` : ''}.`));
      } catch (err) {
        submit.disabled = false;
        if (err.status !== 401) mount(msg, errorBox(err));
      }
    },
  },
  h('h4', 'Clinical indicators'), indicatorList(q.indicators, ctx.app.can('document.read') ? showDoc : null),
  h('p', { class: 'q-question' }, h('b', q.question), ' ', queryBadge(q.status)),
  opts.length ? h('fieldset', { class: 'q-options' }, h('legend', 'Answer'), radios) : null,
  field(textLabel, text),
  msg,
  h('div', { class: 'field actions' }, submit));
  mount(box, form);
  const first = form.querySelector('input[type=radio]') || text;
  first.focus();
}

/* ---------------- deficiencies ---------------- */

function renderDefs(ctx, box, defs, prov) {
  if (!defs.length) {
    mount(box, h('h2', 'Deficiencies'), h('p', { class: 'muted', role: 'status' }, 'No open deficiencies of your charts.'));
    return;
  }
  const rows = [];
  for (const d of defs) {
    const extra = h('tr', { class: 'def-extra', hidden: true }, h('td', { colspan: 6 }));
    const acts = [];
    if (d.kind === 'sign' && d.document_id && ctx.app.can('document.amend')) {
      acts.push(h('button', { type: 'button', class: 'primary', 'aria-label': `Sign ${d.document_title || `document ${d.document_id}`}`, onclick: (e) => signDoc(ctx, d, e.target, extra) }, 'Sign'));
    }
    if (d.document_id && ctx.app.can('document.read')) {
      acts.push(h('button', { type: 'button', 'aria-label': `Read ${d.document_title || `document ${d.document_id}`}`, onclick: () => readDoc(d, extra) }, 'Read'));
    }
    if (d.kind === 'require' && d.doc_type && ctx.app.can('document.write')) {
      const what = DOC_TITLES[d.doc_type] || 'the document';
      acts.push(h('button', { type: 'button', class: 'primary', 'aria-label': `Write ${what.toLowerCase()} for encounter ${d.encounter_id}`, onclick: () => writeDoc(ctx, d, prov, extra) }, `Write ${what.toLowerCase()}`));
    }
    if (!acts.length && d.kind === 'field') acts.push(h('span', { class: 'small muted' }, 'completed by registration or coding'));
    rows.push(h('tr', { 'data-id': d.id, 'data-rule': d.rule, 'data-kind': d.kind, class: d.overdue ? 'overdue' : '' },
      h('td', d.patient_name || `Patient #${d.patient_id}`, h('div', { class: 'small muted' }, `encounter ${d.encounter_id}`)),
      h('td', { class: 'detail' }, d.description, d.document_title ? h('div', { class: 'small' }, d.document_title) : null),
      h('td', { class: 'mono small' }, d.rule),
      h('td', { class: ['small', d.overdue ? 'late' : ''] }, d.due_at ? fmtTime(d.due_at) : '—'),
      h('td', defBadge(d)),
      h('td', { class: 'actions' }, acts)), extra);
  }
  mount(box, h('h2', 'Deficiencies', h('span', { class: 'muted small' }, ` — ${defs.length} open, ${defs.filter((d) => d.overdue).length} overdue`)),
    h('div', { class: 'table-wrap' }, h('table', { class: 'grid-table inbox-def-list' },
      h('caption', { class: 'sr-only' }, 'Your open deficiencies'),
      h('thead', h('tr', ['Patient', 'What is missing', 'Rule', 'Due', 'Status', ''].map((x) => h('th', x)))),
      h('tbody', rows))));
}

async function signDoc(ctx, d, btn, extra) {
  btn.disabled = true;
  try {
    await api('POST', `/documents/${d.document_id}/sign`, { body: {} });
    if (!ctx.isCurrent()) return;
    await reloadInbox(ctx, h('div', { class: 'msg msg-ok', role: 'status' }, `${d.document_title || `Document ${d.document_id}`} signed.`));
  } catch (err) {
    btn.disabled = false;
    if (err.status === 401) return;
    extra.hidden = false;
    mount(extra.firstChild, errorBox(err));
  }
}

async function readDoc(d, extra) {
  const cell = extra.firstChild;
  if (!extra.hidden && cell.dataset.kind === 'read') { extra.hidden = true; return; }
  cell.dataset.kind = 'read';
  extra.hidden = false;
  delete cell.dataset.shown;
  await showDoc(d.document_id, cell);
}

/** A document's current text (title, status) in box; a second call closes it. */
async function showDoc(id, box) {
  if (box.dataset.shown === String(id)) { mount(box); delete box.dataset.shown; return; }
  box.dataset.shown = String(id);
  mount(box, h('p', { class: 'muted' }, 'Loading…'));
  try {
    const doc = await api('GET', `/documents/${id}`);
    const cur = doc.current || {};
    const n = cur.version_no || doc.n_versions || 1;
    const v = await api('GET', `/documents/${id}/versions/${n}`);
    mount(box, h('h4', cur.title || doc.type_title || `Document ${id}`, h('span', { class: 'small muted' }, ` · ${dash(cur.status)} · ${fmtTime(doc.service_at || doc.filed_at)}`)),
      typeof v.content === 'string' ? h('pre', { class: 'doc-text', tabindex: 0 }, v.content)
        : h('p', h('a', { href: `/api/v1/documents/${id}/versions/${n}/content`, download: '' }, 'Download the document')));
  } catch (err) {
    if (err.status !== 401) mount(box, errorBox(err));
  }
}

function writeDoc(ctx, d, prov, extra) {
  const cell = extra.firstChild;
  if (!extra.hidden && cell.dataset.kind === 'write') { extra.hidden = true; return; }
  cell.dataset.kind = 'write';
  delete cell.dataset.shown;
  extra.hidden = false;
  const title = h('input', { name: 'title', size: 40, value: DOC_TITLES[d.doc_type] || '' });
  const text = h('textarea', { name: 'text', rows: 10, cols: 80, required: true });
  const sign = h('input', { type: 'checkbox', name: 'sign', checked: true });
  const reason = h('input', { name: 'reason', size: 40 });
  const reasonField = field('Reason (a late entry: the chart is complete)', reason);
  reasonField.hidden = true;
  const msg = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'File the document');
  mount(cell, h('form', {
    class: 'write-doc', 'aria-label': `Write the missing document for encounter ${d.encounter_id}`,
    onsubmit: async (e) => {
      e.preventDefault();
      if (!text.value.trim()) { mount(msg, h('div', { class: 'msg msg-warn', role: 'alert' }, 'Write the document first.')); text.focus(); return; }
      const body = { type: d.doc_type, encounter_id: d.encounter_id, status: 'final', text: text.value };
      if (title.value.trim()) body.title = title.value.trim();
      if (prov && prov.id) body.author_id = prov.id;
      if (!reasonField.hidden && reason.value.trim()) body.reason = reason.value.trim();
      submit.disabled = true;
      let doc;
      try {
        doc = await api('POST', `/patients/${d.patient_id}/documents`, { body });
      } catch (err) {
        submit.disabled = false;
        if (err.status === 401) return;
        if (err.field === 'reason') { reasonField.hidden = false; reason.focus(); }
        mount(msg, errorBox(err));
        return;
      }
      let signed = '';
      if (sign.checked) {
        try {
          await api('POST', `/documents/${doc.id}/sign`, { body: {} });
          signed = ' and signed';
        } catch (err) {
          if (err.status === 401) return;
          signed = ` but not signed (${errorText(err)})`;
        }
      }
      if (!ctx.isCurrent()) return;
      await reloadInbox(ctx, h('div', { class: signed.startsWith(' but') ? 'msg msg-warn' : 'msg msg-ok', role: 'status' },
        `${title.value.trim() || 'The document'} filed${signed} for encounter ${d.encounter_id}.`));
    },
  },
  h('h4', `Write the missing document: ${d.description}`),
  h('div', { class: 'inline-form' }, field('Title', title), h('div', { class: 'field check' }, h('label', sign, ' Sign it now'))),
  field('Text', text),
  reasonField,
  msg,
  h('div', { class: 'field actions' }, submit)));
  text.focus();
}
