// Research extracts (permission deid.extract; docs/deid.md "Cohort extracts", docs/ui.md):
// the data use agreements (list; recording one with its five assurances and terminating one are
// the privacy officer's, privacy.review, and only offered to them), the extract
// form (cohort criteria, Safe Harbor or limited data set under an agreement, CSV or JSON, with
// or without the de-identified notes) with a download of the file the server made, and the
// extract log (who, when, method, agreement, rows, SHA-256 of the file).
import { api, errorText } from './api.js';
import { h, mount, dash, fmtTime, field, itemsOf } from './dom.js';

const ASSURANCES = [
  ['no_other_use', 'No use or further disclosure other than the agreement permits or the law requires', '164.514(e)(4)(ii)(C)(1)'],
  ['safeguards', 'Appropriate safeguards against any other use or disclosure', '(C)(2)'],
  ['report_violations', 'Report any use or disclosure not provided for by the agreement', '(C)(3)'],
  ['agents_bound', 'Agents and subcontractors agree to the same restrictions', '(C)(4)'],
  ['no_reidentify', 'No identification of the information and no contact with the individuals', '(C)(5)'],
];

const CLASSES = ['inpatient', 'outpatient', 'emergency', 'observation', 'newborn'];

function msg(kind, text) {
  return h('div', { class: `msg msg-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

function duaState(d) {
  return d.in_force ? h('span', { class: 'badge st-applied' }, 'in force')
    : h('span', { class: 'muted' }, (d.problem || 'not in force').replace(/^data use agreement \d+ cannot be used for a limited data set: /, ''));
}

export async function researchScreen(ctx) {
  const { app, main } = ctx;
  app.setTitle('Research extracts');
  const duaBox = h('div', { class: 'results', 'data-testid': 'dua-list' });
  const logBox = h('div', { class: 'results', 'data-testid': 'extract-log' });
  const duaMsg = h('div', { 'aria-live': 'polite' });
  const exMsg = h('div', { 'aria-live': 'polite', 'data-testid': 'extract-result' });
  let duas = [];
  let lastUrl = null;
  const canManage = app.can('privacy.review');
  // the download's object URL holds the extract (PHI for a limited data set): dropped when the
  // next one is made and when the screen is left
  const dropUrl = () => { if (lastUrl) { URL.revokeObjectURL(lastUrl); lastUrl = null; } };
  window.addEventListener('hashchange', dropUrl, { once: true });

  // ---- the extract form
  const from = h('input', { type: 'date', name: 'from' });
  const to = h('input', { type: 'date', name: 'to' });
  const klass = h('select', { name: 'class' }, h('option', { value: '' }, 'any'),
    CLASSES.map((c) => h('option', { value: c }, c)));
  const dx = h('input', { name: 'dx', size: 8, placeholder: 'e.g. K35', autocapitalize: 'characters', spellcheck: 'false' });
  const patients = h('input', { name: 'patients', size: 16, placeholder: '12, 40', inputmode: 'numeric' });
  const sh = h('input', { type: 'radio', name: 'method', value: 'safe_harbor', checked: true });
  const lds = h('input', { type: 'radio', name: 'method', value: 'limited_data_set' });
  const duaPick = h('select', { name: 'dua_id' });
  const format = h('select', { name: 'format' }, h('option', { value: 'csv' }, 'CSV'), h('option', { value: 'json' }, 'JSON'));
  const notes = h('input', { type: 'checkbox', name: 'notes' });
  const duaField = field('Data use agreement', duaPick, 'Only a limited data set needs one.');
  const syncMethod = () => { duaPick.disabled = !lds.checked; duaField.classList.toggle('muted', !lds.checked); };
  sh.addEventListener('change', syncMethod);
  lds.addEventListener('change', syncMethod);

  function fillPicker() {
    const keep = duaPick.value;
    mount(duaPick, h('option', { value: '' }, '— none —'),
      duas.map((d) => h('option', { value: d.id, selected: String(d.id) === keep },
        `#${d.id} ${d.recipient}${d.in_force ? '' : ' (not in force)'}`)));
  }

  const makeBtn = h('button', { type: 'submit', class: 'primary' }, 'Make extract');
  const exForm = h('form', {
    class: 'search-form research-extract', 'aria-label': 'Extract',
    onsubmit: async (e) => {
      e.preventDefault();
      const criteria = {};
      if (from.value) criteria.from = from.value;
      if (to.value) criteria.to = to.value;
      if (klass.value) criteria.class = klass.value;
      if (dx.value.trim()) criteria.dx = dx.value.trim();
      if (patients.value.trim()) {
        const ids = patients.value.split(/[\s,]+/).filter(Boolean).map((x) => Number(x));
        if (ids.some((n) => !Number.isInteger(n) || n <= 0)) {
          mount(exMsg, msg('error', 'Patients: give internal patient ids separated by commas.'));
          return;
        }
        criteria.patients = ids;
      }
      const body = { criteria, method: lds.checked ? 'limited_data_set' : 'safe_harbor', format: format.value, notes: notes.checked };
      if (lds.checked && duaPick.value) body.dua_id = Number(duaPick.value);
      makeBtn.disabled = true;
      mount(exMsg, h('span', { class: 'muted' }, 'Making the extract…'));
      try {
        const resp = await api('POST', '/deid/extracts', { body, raw: true });
        const blob = await resp.blob();
        const cd = resp.headers.get('Content-Disposition') || '';
        const m = /filename="([^"]+)"/.exec(cd);
        const name = m ? m[1] : `extract.${format.value}`;
        const idm = /deid-extract-(\d+)-/.exec(name);
        // restricted charts the user may not open are left out; the JSON header says how many
        let leftOut = 0;
        if (body.format === 'json') {
          try { leftOut = JSON.parse(await blob.text()).header.counts.restricted_patients_left_out || 0; } catch { leftOut = 0; }
        }
        dropUrl();
        lastUrl = URL.createObjectURL(blob);
        mount(exMsg, msg('ok', `Extract ${idm ? '#' + idm[1] : ''} made (${body.method === 'safe_harbor' ? 'Safe Harbor' : 'limited data set'}, ${(blob.size / 1024).toFixed(1)} KiB). `),
          h('p', h('a', { href: lastUrl, download: name, class: 'extract-download', 'data-testid': 'extract-download' }, `Download ${name}`)),
          leftOut ? h('p', { class: 'hint', 'data-testid': 'extract-left-out' }, `${leftOut} patient${leftOut === 1 ? '' : 's'} with a restricted chart you may not open ${leftOut === 1 ? 'was' : 'were'} left out.`) : null,
          body.method === 'limited_data_set'
            ? h('p', { class: 'hint' }, 'A limited data set is PHI: give it only to the recipient named in the agreement. One disclosure per patient was logged (not listed in the accounting, 45 CFR 164.528(a)(1)(viii)).')
            : null);
        await loadLog();
      } catch (err) {
        if (err.status !== 401) mount(exMsg, msg('error', errorText(err)));
      } finally { makeBtn.disabled = false; }
    },
  },
  h('fieldset', h('legend', 'Cohort'),
    field('Discharged from', from), field('to', to), field('Class', klass),
    field('Diagnosis prefix', dx, 'ICD-10-CM, final coding'), field('Patients', patients, 'internal ids')),
  h('fieldset', h('legend', 'Method'),
    h('label', sh, ' Safe Harbor (de-identified, 45 CFR 164.514(b)(2))'), h('br'),
    h('label', lds, ' Limited data set (dates, ZIP, city, state; 164.514(e))'),
    duaField),
  h('fieldset', h('legend', 'Output'), field('Format', format), h('label', notes, ' Include de-identified notes')),
  h('div', { class: 'field actions' }, makeBtn));

  // ---- record an agreement
  const recipient = h('input', { name: 'recipient', size: 30, required: true });
  const purpose = h('textarea', { name: 'purpose', rows: 2, cols: 40, required: true });
  const users = h('input', { name: 'users', size: 30, required: true });
  const signedOn = h('input', { type: 'date', name: 'signed_on', required: true });
  const expiresOn = h('input', { type: 'date', name: 'expires_on' });
  const checks = ASSURANCES.map(([k, text, cite]) => {
    const box = h('input', { type: 'checkbox', name: k });
    return { k, box, el: h('label', { class: 'assurance' }, box, ` ${text} `, h('span', { class: 'muted' }, cite)) };
  });
  const addBtn = h('button', { type: 'submit', class: 'primary' }, 'Record agreement');
  const duaForm = h('form', {
    class: 'research-dua', 'aria-label': 'Record a data use agreement',
    onsubmit: async (e) => {
      e.preventDefault();
      const body = { recipient: recipient.value, purpose: purpose.value, users: users.value, signed_on: signedOn.value };
      if (expiresOn.value) body.expires_on = expiresOn.value;
      for (const c of checks) body[c.k] = c.box.checked;
      addBtn.disabled = true;
      try {
        const d = await api('POST', '/deid/duas', { body });
        mount(duaMsg, msg('ok', `Agreement #${d.id} recorded${d.in_force ? ', in force' : ' — ' + d.problem}.`));
        duaForm.reset();
        await loadDuas();
      } catch (err) {
        if (err.status !== 401) mount(duaMsg, msg('error', errorText(err)));
      } finally { addBtn.disabled = false; }
    },
  },
  field('Recipient', recipient), field('Permitted uses', purpose), field('Who may use it', users),
  field('Signed on', signedOn), field('Expires on', expiresOn, 'empty: no end date'),
  h('fieldset', h('legend', 'Assurances of the recipient (45 CFR 164.514(e)(4)(ii)(C))'), checks.map((c) => [c.el, h('br')])),
  h('div', { class: 'field actions' }, addBtn));

  async function terminate(d, reasonEl, btn) {
    if (!reasonEl.value.trim()) { mount(duaMsg, msg('error', 'Give the reason for the termination.')); reasonEl.focus(); return; }
    btn.disabled = true;
    try {
      await api('POST', `/deid/duas/${d.id}/termination`, { body: { reason: reasonEl.value.trim() } });
      mount(duaMsg, msg('ok', `Agreement #${d.id} terminated.`));
      await loadDuas();
    } catch (err) {
      if (err.status !== 401) mount(duaMsg, msg('error', errorText(err)));
    } finally { btn.disabled = false; }
  }

  async function loadDuas() {
    try {
      duas = itemsOf(await api('GET', '/deid/duas'));
    } catch (err) {
      if (err.status !== 401) mount(duaBox, msg('error', errorText(err)));
      return;
    }
    fillPicker();
    if (!duas.length) { mount(duaBox, h('p', { class: 'muted' }, 'No data use agreement yet.')); return; }
    mount(duaBox, h('div', { class: 'table-wrap' }, h('table', { class: 'grid-table duas' },
      h('thead', h('tr', ['#', 'Recipient', 'Permitted uses', 'Signed', 'Expires', 'State', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', duas.map((d) => {
        let cell = null;
        if (!d.terminated_on && canManage) {
          const reason = h('input', { size: 14, placeholder: 'reason', 'aria-label': `Reason to terminate agreement ${d.id}` });
          const btn = h('button', { type: 'button' }, 'Terminate');
          btn.addEventListener('click', () => terminate(d, reason, btn));
          cell = h('span', { class: 'inline' }, reason, ' ', btn);
        }
        return h('tr', { 'data-dua': d.id },
          h('td', String(d.id)), h('td', d.recipient), h('td', d.purpose), h('td', dash(d.signed_on)),
          h('td', dash(d.expires_on)), h('td', duaState(d)), h('td', cell));
      })))));
  }

  async function loadLog() {
    let items;
    try {
      items = itemsOf(await api('GET', '/deid/extracts', { query: { limit: 50 } }));
    } catch (err) {
      if (err.status !== 401) mount(logBox, msg('error', errorText(err)));
      return;
    }
    if (!items.length) { mount(logBox, h('p', { class: 'muted' }, 'No extract yet.')); return; }
    mount(logBox, h('div', { class: 'table-wrap' }, h('table', { class: 'grid-table extracts' },
      h('thead', h('tr', ['#', 'When', 'Who', 'Method', 'Agreement', 'Format', 'Rows', 'Patients', 'SHA-256'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', items.map((x) => h('tr', { 'data-extract': x.id },
        h('td', String(x.id)), h('td', fmtTime(x.created_at)), h('td', x.created_by),
        h('td', x.method === 'safe_harbor' ? 'Safe Harbor' : 'limited data set'),
        h('td', x.dua_id ? `#${x.dua_id}` : '—'), h('td', x.format + (x.notes ? ' + notes' : '')),
        h('td', String(x.rows)), h('td', String(x.patients)),
        h('td', h('code', { title: x.sha256, class: 'sha' }, x.sha256.slice(0, 16) + '…'))))))));
  }

  syncMethod();
  mount(main,
    h('section', { class: 'panel' }, h('h1', 'Research extracts'),
      h('p', { class: 'hint' }, 'One row per encounter of the cohort. Safe Harbor removes the 18 identifiers of 45 CFR 164.514(b)(2) (dates to the year, ages over 89 grouped, ZIP to 3 digits); a limited data set keeps dates, ZIP, city and state and needs a data use agreement in force. Every extract is logged.'),
      exForm, exMsg),
    h('section', { class: 'panel' }, h('h2', 'Data use agreements'), duaBox, duaMsg,
      canManage ? h('details', h('summary', 'Record an agreement'), duaForm)
        : h('p', { class: 'hint', 'data-testid': 'dua-officer-only' }, 'Agreements are recorded and terminated by the privacy officer.')),
    h('section', { class: 'panel' }, h('h2', 'Extract log'), logBox));
  await Promise.all([loadDuas(), loadLog()]);
}
