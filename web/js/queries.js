// Physician queries on the analysis screen (web/js/completeness.js): the encounter's queries
// (status, addressee, question; a row opens the query with its clinical indicators, options,
// answer and history; a draft is sent, a draft or a sent query withdrawn with a reason) and the
// form to write one, following the AHIMA/ACDIS query practice (docs/queries.md): a template
// (open-ended, multiple choice with "other" and "clinically undetermined", yes/no where allowed),
// the provider it is addressed to (GET /providers), clinical indicators quoting the chart's
// documents (select text in the document and "Quote the selected text"), and the server's
// leading-query check live as the query is written (POST /queries/check).
import { api, errorText } from './api.js';
import { h, mount, dash, fmtTime, field, itemsOf } from './dom.js';

const KINDS = [['open_ended', 'Open-ended'], ['multiple_choice', 'Multiple choice'], ['yes_no', 'Yes / no']];
const PURPOSES = [
  ['clinical_validation', 'Clinical validation'], ['specificity', 'Specificity'], ['poa', 'Present on admission'],
  ['conflicting_documentation', 'Conflicting documentation'], ['confirm_documented', 'Confirm a documented diagnosis'],
  ['cause_effect', 'Cause and effect'], ['other', 'Other'],
];
const ROLES = [['clinical', 'clinical'], ['other', 'other (text)'], ['undetermined', 'undetermined'], ['yes', 'yes'], ['no', 'no']];
const CHECK_DELAY_MS = 400;
const TYPEAHEAD_MS = 250;

function errorBox(err) {
  return h('div', { class: 'msg msg-error', role: 'alert' }, errorText(err));
}

export function queryBadge(status) {
  return h('span', { class: `badge qst-${String(status || '').replace(/[^a-z_]/g, '')}`, 'data-status': status || '' }, dash(status));
}

/** The indicators of a query as a list of quotes with where they come from. readDoc(id, box),
 * when given, makes a quoted document readable in place (box: where to show it). */
export function indicatorList(items, readDoc) {
  if (!items || !items.length) return h('p', { class: 'muted small' }, 'No clinical indicators.');
  return h('ul', { class: 'indicators' }, items.map((i) => {
    const box = h('div', { class: 'ind-doc' });
    const where = [
      i.observation_id ? `result ${i.observation_id}` : null,
      i.source || null].filter(Boolean).join(', ');
    const doc = !i.document_id ? null : readDoc
      ? h('button', { type: 'button', class: 'link doc-ref', 'aria-label': `Read document ${i.document_id}`, onclick: () => readDoc(i.document_id, box) }, `document ${i.document_id}`)
      : `document ${i.document_id}`;
    return h('li',
      h('blockquote', { class: 'excerpt' }, i.excerpt),
      h('div', { class: 'small muted' }, '— ', doc, doc && where ? ', ' : '', where || (doc ? '' : 'no source')),
      box);
  }));
}

/* ---------------- the encounter's queries ---------------- */

export async function queryList(ctx, encId, box, onChange) {
  mount(box, h('p', { class: 'muted' }, 'Loading…'));
  let items;
  try {
    items = itemsOf(await api('GET', `/encounters/${encId}/queries`));
  } catch (err) {
    if (err.status !== 401) mount(box, errorBox(err));
    return;
  }
  if (!ctx.isCurrent()) return;
  if (!items.length) {
    mount(box, h('p', { class: 'muted small' }, 'No queries for this encounter.'));
    return;
  }
  const rows = [];
  for (const q of items) {
    const extra = h('tr', { class: 'q-extra', hidden: true }, h('td', { colspan: 6 }));
    const open = h('button', { type: 'button', class: 'link', 'aria-expanded': 'false', 'aria-label': `Open query ${q.id}` }, `#${q.id}`);
    open.addEventListener('click', () => {
      const show = extra.hidden;
      extra.hidden = !show;
      open.setAttribute('aria-expanded', show ? 'true' : 'false');
      if (show) queryDetail(ctx, q.id, extra.firstChild, onChange);
    });
    rows.push(h('tr', { 'data-id': q.id, 'data-status': q.status },
      h('td', open), h('td', queryBadge(q.status)), h('td', q.provider ? dash(q.provider.name) : '—'),
      h('td', { class: 'detail' }, q.question, h('div', { class: 'small muted' }, `${dash(q.kind).replace(/_/g, ' ')} · ${dash(q.purpose).replace(/_/g, ' ')}`)),
      h('td', { class: 'small' }, `${dash(q.created_by)} ${fmtTime(q.created_at)}`, q.sent_at ? h('div', `sent ${fmtTime(q.sent_at)}`) : null),
      h('td', { class: 'small' }, q.closed_at ? `${q.status} ${fmtTime(q.closed_at)}` : '—')), extra);
  }
  mount(box, h('div', { class: 'table-wrap' }, h('table', { class: 'grid-table cmpl-query-list' },
    h('caption', { class: 'sr-only' }, 'Queries of the encounter'),
    h('thead', h('tr', ['Query', 'Status', 'To', 'Question', 'Written', 'Closed'].map((x) => h('th', x)))),
    h('tbody', rows))));
}

async function queryDetail(ctx, id, cell, onChange) {
  const { app } = ctx;
  mount(cell, h('p', { class: 'muted' }, 'Loading…'));
  let q;
  try {
    q = await api('GET', `/queries/${id}`);
  } catch (err) {
    if (err.status !== 401) mount(cell, errorBox(err));
    return;
  }
  const msg = h('div', { 'aria-live': 'polite' });
  const acts = [];
  if (app.can('query.write') && (q.status === 'draft' || q.status === 'sent')) {
    if (q.status === 'draft') {
      acts.push(h('button', {
        type: 'button', class: 'primary',
        onclick: async () => {
          try { await api('POST', `/queries/${id}/send`, { body: {} }); if (onChange) await onChange(); } catch (err) { if (err.status !== 401) mount(msg, errorBox(err)); }
        },
      }, 'Send'));
    }
    const reason = h('input', { name: 'withdraw_reason', size: 28, placeholder: 'why it is withdrawn' });
    acts.push(field('Reason to withdraw', reason), h('button', {
      type: 'button',
      onclick: async () => {
        if (!reason.value.trim()) { mount(msg, h('div', { class: 'msg msg-warn', role: 'alert' }, 'Say why the query is withdrawn.')); reason.focus(); return; }
        try { await api('POST', `/queries/${id}/withdraw`, { body: { reason: reason.value.trim() } }); if (onChange) await onChange(); } catch (err) { if (err.status !== 401) mount(msg, errorBox(err)); }
      },
    }, 'Withdraw'));
  }
  const opts = q.options || [];
  mount(cell, h('div', { class: 'query-detail' },
    h('p', { class: 'q-question' }, q.question),
    h('h4', 'Clinical indicators'), indicatorList(q.indicators),
    opts.length ? [h('h4', 'Options'), h('ol', { class: 'q-options' }, opts.map((o, i) => h('li', { class: q.answer_option === i + 1 ? 'chosen' : '' },
      o.label, h('span', { class: 'small muted' }, ` (${o.role})`), q.answer_option === i + 1 ? h('b', ' ← answer') : null)))] : null,
    q.answer_text ? h('p', h('b', 'Answer: '), q.answer_text) : null,
    q.answer_document_id ? h('p', { class: 'small' }, `Filed in the record as document ${q.answer_document_id}.`) : null,
    q.close_reason ? h('p', { class: 'small' }, `Reason: ${q.close_reason}`) : null,
    acts.length ? h('div', { class: 'inline-form q-actions' }, acts) : null, msg,
    h('details', { class: 'q-history' }, h('summary', 'History'),
      h('table', { class: 'grid-table' }, h('thead', h('tr', ['When', 'Who', 'What', 'From', 'To', 'Detail'].map((x) => h('th', x)))),
        h('tbody', (q.history || []).map((x) => h('tr', h('td', { class: 'small' }, fmtTime(x.at)), h('td', dash(x.user)), h('td', dash(x.action)),
          h('td', dash(x.old_status)), h('td', dash(x.new_status)), h('td', dash(x.detail)))))))));
}

/* ---------------- a provider picker ---------------- */

/**
 * A select of providers (GET /providers, at most 50) with a search box (name or NPI, Enter or
 * Find). opts: label, name (the select's), any (a first option for "no provider", e.g.
 * 'Anyone'), preferred ({id, name}: listed and chosen when nothing else is), note ({id, text}
 * shown after that provider), onChange(value), onError(err), typeahead (also search as the box
 * is typed in, after a short pause). Returns {el, select, find, load(q), chosen()} (chosen: the
 * selected provider's {id, name, npi, resident}, or null).
 */
export function providerPicker(opts) {
  const select = h('select', { name: opts.name || 'provider_id' });
  const find = h('input', { name: `${opts.name || 'provider'}_q`, size: 18, placeholder: 'name or NPI' });
  const pref = opts.preferred && opts.preferred.id ? opts.preferred : null;
  let seq = 0, timer = null, list = [];
  async function load(q) {
    const mine = ++seq;
    let items = [];
    try {
      items = itemsOf(await api('GET', '/providers', { query: { q } }));
    } catch (err) {
      if (mine === seq && err.status !== 401 && opts.onError) opts.onError(err);
      return;
    }
    if (mine !== seq) return; // a later search answers instead (type-ahead)
    const keep = select.value;
    list = [...items];
    if (pref && !q && !list.some((p) => p.id === pref.id)) list.unshift({ id: pref.id, name: pref.name });
    mount(select, opts.any !== undefined ? h('option', { value: '' }, opts.any) : null,
      !list.length && opts.any === undefined ? h('option', { value: '' }, 'No provider found') : null,
      list.map((p) => h('option', { value: p.id },
        `${p.name}${p.npi ? ` (NPI ${p.npi})` : ''}${p.resident ? ' · resident' : ''}${opts.note && p.id === opts.note.id ? ` · ${opts.note.text}` : ''}`)));
    if (keep && list.some((p) => String(p.id) === keep)) select.value = keep;
    else if (q && list.length === 1) { select.value = String(list[0].id); if (opts.onChange) opts.onChange(select.value); }
    else if (pref && list.some((p) => p.id === pref.id)) select.value = String(pref.id);
  }
  const now = () => { clearTimeout(timer); load(find.value.trim()); };
  find.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); now(); } });
  if (opts.typeahead) find.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(now, TYPEAHEAD_MS); });
  if (opts.onChange) select.addEventListener('change', () => opts.onChange(select.value));
  const el = h('div', { class: 'inline-form provider-picker' }, field(opts.label || 'Provider', select), field(`Find a provider`, find),
    h('div', { class: 'field actions' }, h('button', { type: 'button', onclick: now }, 'Find')));
  const chosen = () => list.find((p) => String(p.id) === select.value) || null;
  return { el, select, find, load, chosen };
}

/* ---------------- writing a query ---------------- */

/**
 * The "Write query" form. opts: encounterId, chart (the worklist row of the encounter: its
 * attending is the default addressee), docs() (the encounter's documents, for indicators),
 * onDone(query, sent).
 */
export function queryForm(ctx, opts) {
  const st = { templates: [], options: [], indicators: [], checkSeq: 0, timer: null };
  const form = h('form', { class: 'query-form card', 'aria-label': 'Write a physician query' });
  const template = h('select', { name: 'template' }, h('option', { value: '' }, 'Loading templates…'));
  const kind = h('select', { name: 'kind' }, KINDS.map(([v, t]) => h('option', { value: v }, t)));
  const purpose = h('select', { name: 'purpose' }, PURPOSES.map(([v, t]) => h('option', { value: v }, t)));
  const question = h('textarea', { name: 'question', rows: 3, cols: 60 });
  const optBox = h('div', { class: 'q-opts' });
  const indBox = h('div', { class: 'q-inds' });
  const checkBox = h('div', { class: 'q-check', 'aria-live': 'polite' });
  const msg = h('div', { class: 'action-msg', 'aria-live': 'polite' });
  const send = h('button', { type: 'submit', class: 'primary', value: 'send' }, 'Send');
  const draft = h('button', { type: 'button' }, 'Save draft');

  const attending = opts.chart && opts.chart.attending;
  const picker = providerPicker({ label: 'Addressed to', preferred: attending, note: attending ? { id: attending.id, text: 'attending' } : null, onError: (err) => mount(msg, errorBox(err)) });
  const provider = picker.select;

  function applyTemplate() {
    const t = st.templates.find((x) => x.code === template.value);
    if (t) {
      kind.value = t.kind;
      purpose.value = t.purpose;
      question.value = t.question;
      st.options = (t.options || []).map((o) => ({ role: o.role, label: o.label }));
    }
    renderOptions();
    schedule();
  }
  template.addEventListener('change', applyTemplate);
  kind.addEventListener('change', () => {
    if (kind.value === 'open_ended') st.options = [];
    else if (kind.value === 'multiple_choice' && !st.options.length) {
      st.options = [{ role: 'clinical', label: '' }, { role: 'clinical', label: '' },
        { role: 'other', label: 'Other (please specify)' }, { role: 'undetermined', label: 'Clinically undetermined' }];
    } else if (kind.value === 'yes_no') {
      st.options = [{ role: 'yes', label: 'Yes' }, { role: 'no', label: 'No' }, { role: 'undetermined', label: 'Clinically undetermined' }];
    }
    renderOptions();
    schedule();
  });
  for (const el of [purpose, question]) el.addEventListener('input', schedule);
  purpose.addEventListener('change', schedule);

  function renderOptions() {
    if (kind.value === 'open_ended') { mount(optBox, h('p', { class: 'small muted' }, 'Open-ended: the provider answers in words.')); return; }
    mount(optBox, h('h4', 'Options'), h('ol', { class: 'q-opt-list' }, st.options.map((o, i) => {
      const role = h('select', { 'aria-label': `Role of option ${i + 1}`, onchange: (e) => { o.role = e.target.value; schedule(); } },
        ROLES.map(([v, t]) => h('option', { value: v, selected: v === o.role }, t)));
      const label = h('input', { value: o.label, size: 40, 'aria-label': `Option ${i + 1}`, oninput: (e) => { o.label = e.target.value; schedule(); } });
      return h('li', label, ' ', role, ' ', h('button', { type: 'button', class: 'link remove', 'aria-label': `Remove option ${i + 1}`, onclick: () => { st.options.splice(i, 1); renderOptions(); schedule(); } }, '✕'));
    })), h('button', { type: 'button', onclick: () => { st.options.splice(Math.max(0, st.options.filter((o) => o.role === 'clinical').length), 0, { role: 'clinical', label: '' }); renderOptions(); schedule(); } }, 'Add an option'));
  }

  function docTitle(d) {
    return `${(d.current && d.current.title) || d.type_title || `Document ${d.id}`} (${String(d.service_at || d.filed_at || '').slice(0, 10)})`;
  }
  function renderIndicators() {
    const docs = opts.docs();
    mount(indBox, h('h4', 'Clinical indicators'),
      h('p', { class: 'hint' }, 'Quote the record: select words in a document on the left and press "Quote the selected text", or type the excerpt and say where it comes from.'),
      h('ol', { class: 'q-ind-list' }, st.indicators.map((ind, i) => {
        const doc = h('select', { 'aria-label': `Document of indicator ${i + 1}`, onchange: (e) => { ind.document_id = e.target.value ? Number(e.target.value) : null; schedule(); } },
          h('option', { value: '' }, 'Another source (say which)'),
          docs.map((d) => h('option', { value: d.id, selected: ind.document_id === d.id }, docTitle(d))));
        const source = h('input', { value: ind.source || '', size: 24, placeholder: 'e.g. ED triage note 03/05', 'aria-label': `Source of indicator ${i + 1}`, oninput: (e) => { ind.source = e.target.value; schedule(); } });
        const excerpt = h('textarea', { rows: 2, cols: 50, 'aria-label': `Excerpt of indicator ${i + 1}`, oninput: (e) => { ind.excerpt = e.target.value; schedule(); } });
        excerpt.value = ind.excerpt || '';
        // the selection as it was when the button was pressed (a click may collapse it)
        let saved = '';
        const quote = h('button', {
          type: 'button',
          onmousedown: () => { saved = window.getSelection ? String(window.getSelection()) : ''; },
          onclick: () => {
            const sel = (window.getSelection ? String(window.getSelection()) : '') || saved;
            const pressed = document.querySelector('.cmpl-docs .doc-pick[aria-pressed="true"]');
            if (!sel.trim()) { mount(msg, h('div', { class: 'msg msg-warn', role: 'alert' }, 'Select the words to quote in the document first.')); return; }
            ind.excerpt = sel.trim();
            if (pressed) ind.document_id = Number(pressed.dataset.id);
            renderIndicators();
            schedule();
          },
        }, 'Quote the selected text');
        return h('li', { class: 'q-ind' }, h('div', { class: 'inline-form' }, doc, source, quote,
          h('button', { type: 'button', class: 'link remove', 'aria-label': `Remove indicator ${i + 1}`, onclick: () => { st.indicators.splice(i, 1); renderIndicators(); schedule(); } }, '✕')), excerpt);
      })),
      h('button', { type: 'button', onclick: () => { st.indicators.push({ document_id: null, source: '', excerpt: '' }); renderIndicators(); } }, 'Add an indicator'));
  }

  function body() {
    const b = {
      kind: kind.value, purpose: purpose.value, question: question.value.trim(),
      options: kind.value === 'open_ended' ? [] : st.options.map((o) => ({ role: o.role, label: o.label.trim() })),
      indicators: st.indicators.map((i) => {
        const o = { excerpt: (i.excerpt || '').trim() };
        if (i.document_id) o.document_id = i.document_id;
        if ((i.source || '').trim()) o.source = i.source.trim();
        return o;
      }),
    };
    return b;
  }

  // The leading-query guard, as the query is written (nothing saved).
  function schedule() {
    if (st.timer) clearTimeout(st.timer);
    const seq = ++st.checkSeq;
    checkBox.dataset.pending = 'true';
    st.timer = setTimeout(async () => {
      st.timer = null;
      try {
        await api('POST', '/queries/check', { body: body() });
        if (seq !== st.checkSeq) return;
        mount(checkBox, h('div', { class: 'msg msg-ok', role: 'status', 'data-ok': 'true' }, 'Check: no problem found (a person still reviews every query).'));
      } catch (err) {
        if (seq !== st.checkSeq || err.status === 401) return;
        mount(checkBox, h('div', { class: 'msg msg-warn', role: 'status', 'data-field': err.field || '' }, `Check: ${errorText(err)}`));
      }
      if (seq === st.checkSeq) delete checkBox.dataset.pending;
    }, CHECK_DELAY_MS);
  }

  async function submit(sendIt) {
    if (!provider.value) { mount(msg, h('div', { class: 'msg msg-warn', role: 'alert' }, 'Choose the provider the query is addressed to.')); provider.focus(); return; }
    const b = body();
    b.provider_id = Number(provider.value);
    if (template.value) b.template_code = template.value;
    b.send = sendIt;
    send.disabled = true; draft.disabled = true;
    try {
      const q = await api('POST', `/encounters/${opts.encounterId}/queries`, { body: b });
      if (!ctx.isCurrent()) return;
      if (opts.onDone) await opts.onDone(q, sendIt);
    } catch (err) {
      send.disabled = false; draft.disabled = false;
      if (err.status !== 401) mount(msg, errorBox(err));
    }
  }
  form.addEventListener('submit', (e) => { e.preventDefault(); submit(true); });
  draft.addEventListener('click', () => submit(false));

  form.append(
    h('h3', 'Write a query'),
    h('div', { class: 'inline-form' }, field('Template', template), field('Kind', kind), field('Purpose', purpose)),
    picker.el,
    indBox,
    field('Question', question, 'Ask, do not lead: no payment or quality words, no diagnosis the indicators do not support.'),
    optBox, checkBox, msg,
    h('div', { class: 'field actions q-submit' }, draft, send));
  st.indicators.push({ document_id: null, source: '', excerpt: '' });
  renderOptions();
  renderIndicators();

  (async () => {
    try {
      const r = await api('GET', '/queries/templates');
      st.templates = itemsOf(r);
    } catch (err) {
      if (err.status !== 401) mount(msg, errorBox(err));
    }
    mount(template, h('option', { value: '' }, 'No template (write your own)'),
      st.templates.map((t) => h('option', { value: t.code }, t.title)));
    await picker.load('');
  })();
  return form;
}
