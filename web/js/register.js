// Registration with identity search first: the clerk types the demographics, "Check for existing
// patients" asks the master patient index (POST /patients/identity-search) for ranked candidates
// with their scores and field-by-field reasons, and only then may "Register new patient" create a
// chart (POST /patients). Choosing a candidate opens that chart instead: a duplicate never made is
// the cheapest one to fix. The check must be re-run when the typed data changes.
import { api, errorText } from './api.js';
import { h, mount, dash, field } from './dom.js';
import { reasonChips, bandBadge, fmtScore } from './mpi.js';

const SEXES = [['', '—'], ['F', 'F · female'], ['M', 'M · male'], ['O', 'O · other'], ['U', 'U · unknown']];

function input(name, attrs = {}) {
  return h('input', { name, autocomplete: 'off', spellcheck: 'false', ...attrs });
}

/** The identity-search body from the form values (empty members left out). */
export function searchBody(v) {
  const out = {};
  for (const k of ['family', 'given', 'middle', 'suffix', 'birth_date', 'sex', 'ssn', 'phone', 'email', 'address', 'city', 'state', 'zip']) {
    const x = (v[k] || '').trim();
    if (x) out[k] = x;
  }
  return out;
}

/** The POST /patients body from the same values. */
export function createBody(v) {
  const t = (k) => (v[k] || '').trim();
  const body = { name: { use: 'official', family: t('family'), given: t('given') }, birth_date: t('birth_date') };
  if (t('middle')) body.name.middle = t('middle');
  if (t('suffix')) body.name.suffix = t('suffix');
  if (t('sex')) body.sex = t('sex');
  if (t('ssn')) body.ssn = t('ssn');
  if (t('mrn')) body.mrn = t('mrn');
  if (t('email')) body.email = t('email');
  if (t('phone')) body.phones = [{ use: 'home', number: t('phone') }];
  if (t('address') || t('city') || t('state') || t('zip')) {
    const a = { use: 'home' };
    if (t('address')) a.line1 = t('address');
    if (t('city')) a.city = t('city');
    if (t('state')) a.state = t('state');
    if (t('zip')) a.postal_code = t('zip');
    body.addresses = [a];
  }
  return body;
}

function candName(p) {
  const n = p.name || {};
  let s = n.family || '';
  if (n.given) s += (s ? ', ' : '') + n.given;
  if (n.middle) s += ' ' + n.middle;
  if (n.suffix) s += ' ' + n.suffix;
  return s || `Patient ${p.id}`;
}

export async function registerScreen(ctx) {
  const { app, main } = ctx;
  app.setTitle('Register a patient');
  const els = {
    family: input('family', { required: true, 'data-search-focus': '' }),
    given: input('given', { required: true }),
    middle: input('middle', { size: 10 }),
    suffix: input('suffix', { size: 5, placeholder: 'Jr, Sr, III' }),
    birth_date: input('birth_date', { required: true, placeholder: 'YYYY-MM-DD', inputmode: 'numeric', size: 11, pattern: '\\d{4}-\\d{2}-\\d{2}' }),
    sex: h('select', { name: 'sex' }, SEXES.map(([v, l]) => h('option', { value: v }, l))),
    ssn: input('ssn', { placeholder: '123-45-6789', inputmode: 'numeric', size: 12 }),
    phone: input('phone', { type: 'tel', size: 14 }),
    email: input('email', { type: 'email' }),
    address: input('address', { placeholder: 'Street and number', size: 26 }),
    city: input('city', { size: 14 }),
    state: input('state', { size: 4 }),
    zip: input('zip', { size: 7, inputmode: 'numeric' }),
    mrn: input('mrn', { size: 12 }),
  };
  const values = () => Object.fromEntries(Object.entries(els).map(([k, el]) => [k, el.value]));
  const checkKey = () => JSON.stringify(searchBody(values()));
  let checkedKey = null; // the input the last check was run with
  let strongMatch = false;

  const results = h('div', { class: 'results reg-results', 'aria-live': 'polite' });
  const formMsg = h('div', { class: 'form-msg', 'aria-live': 'assertive' });
  const confirm = h('input', { type: 'checkbox', name: 'none-match' });
  const confirmBox = h('label', { class: 'check confirm-none', hidden: true }, confirm, 'I compared the candidates: none of them is this patient');
  const checkBtn = h('button', { type: 'submit', class: 'primary' }, 'Check for existing patients');
  const regBtn = h('button', { type: 'button', disabled: true, onclick: () => register() }, 'Register new patient');
  const regHint = h('span', { class: 'hint', role: 'status' }, 'Check for existing patients first.');

  function refreshRegister() {
    const fresh = checkedKey !== null && checkedKey === checkKey();
    regBtn.disabled = !fresh || (strongMatch && !confirm.checked);
    if (checkedKey === null) regHint.textContent = 'Check for existing patients first.';
    else if (!fresh) regHint.textContent = 'The details changed: check again before registering.';
    else if (strongMatch && !confirm.checked) regHint.textContent = 'Likely matches were found: confirm that none is this patient, or open one.';
    else regHint.textContent = '';
    confirmBox.hidden = !fresh || !strongMatch;
  }
  confirm.addEventListener('change', refreshRegister);

  async function check() {
    mount(formMsg);
    const body = searchBody(values());
    if (!body.family && !body.given && !body.birth_date && !body.ssn && !body.phone) {
      mount(formMsg, h('div', { class: 'msg msg-error', role: 'alert' }, 'Type at least a name, a birth date, an SSN or a phone number.'));
      els.family.focus();
      return;
    }
    checkBtn.disabled = true;
    mount(results, h('p', { class: 'muted' }, 'Searching the master patient index…'));
    try {
      const key = checkKey();
      const r = await api('POST', '/patients/identity-search', { body: { ...body, limit: 10 } });
      if (!ctx.isCurrent()) return;
      checkedKey = key;
      confirm.checked = false;
      showCandidates(r);
    } catch (err) {
      if (err.status === 401) return;
      mount(results);
      mount(formMsg, h('div', { class: 'msg msg-error', role: 'alert' }, errorText(err)));
      const el = err.field && els[err.field];
      if (el) el.focus();
    } finally {
      checkBtn.disabled = false;
      refreshRegister();
    }
  }

  function showCandidates(r) {
    const items = Array.isArray(r.items) ? r.items : [];
    // a restricted chart the user may not open comes without score (docs/privacy.md): it may be
    // this patient, so the clerk confirms as for a likely match
    strongMatch = items.some((c) => c.band === 'auto-link' || c.band === 'review' || c.restricted);
    refreshRegister(); // before moving the focus: the Register button may become available
    if (!items.length) {
      mount(results, h('div', { class: 'msg msg-ok', role: 'status' },
        'No existing patient resembles these details. You can register a new patient.'));
      regBtn.focus();
      return;
    }
    const thr = r.thresholds || {};
    const list = h('ol', { class: 'candidates', 'aria-label': 'Existing patients that resemble these details, best first' },
      items.map((c, i) => {
        const p = c.patient || {};
        const open = h('button', { type: 'button', class: i === 0 ? 'primary' : '', 'data-open': c.patient_id, onclick: () => app.navigate(`#/patient/${c.patient_id}`) },
          'Open this chart');
        return h('li', { class: ['cand', `band-${c.band}`], 'data-id': c.patient_id },
          h('div', { class: 'cand-head' },
            h('span', { class: 'cand-rank' }, `${i + 1}.`),
            h('b', { class: 'cand-name' }, candName(p)),
            h('span', { class: 'kv' }, 'born ', dash(p.birth_date)),
            h('span', { class: 'kv' }, 'sex ', dash(p.sex)),
            p.ssn ? h('span', { class: 'kv mono' }, 'SSN ', p.ssn) : null,
            h('span', { class: 'kv' }, `#${c.patient_id}`),
            c.restricted ? h('span', { class: 'badge st-restricted' }, 'restricted chart')
              : h('span', { class: 'score', title: 'Sum of the field weights' }, `score ${fmtScore(c.score)}`),
            c.restricted ? null : bandBadge(c.band),
            open),
          h('div', { class: 'cand-addr muted small' }, [[p.address, p.city, p.state, p.zip].filter(Boolean).join(', '), p.phone, p.email].filter(Boolean).join(' · ') || null),
          (c.rules || []).length ? h('p', { class: 'note small' }, 'Never linked automatically: ', c.rules.join('; ')) : null,
          reasonChips(c.fields || [], 'Typed', 'On file'));
      }));
    mount(results,
      h('h2', { id: 'cand-h', tabindex: -1 }, `${items.length} existing patient${items.length === 1 ? '' : 's'} resemble${items.length === 1 ? 's' : ''} these details`),
      h('p', { class: 'hint' }, `Scores of ${fmtScore(thr.auto_link)} or more are very likely the same person; from ${fmtScore(thr.review)} a person should compare. `,
        'Each field shows how it agreed: ', h('span', { class: 'chip v-matched' }, 'matched'), ' ', h('span', { class: 'chip v-close' }, 'close'), ' ',
        h('span', { class: 'chip v-different' }, 'different'), ' ', h('span', { class: 'chip v-missing' }, 'missing'), '.'),
      list);
    const first = list.querySelector('button[data-open]');
    if (first) first.focus();
  }

  async function register() {
    if (regBtn.disabled) return;
    mount(formMsg);
    regBtn.disabled = true;
    try {
      const p = await api('POST', '/patients', { body: createBody(values()) });
      app.flashNext(`Registered ${candName({ id: p.id, name: p.name })} as patient #${p.id}.`, 'ok');
      app.navigate(`#/patient/${p.id}`);
    } catch (err) {
      if (err.status === 401) return;
      mount(formMsg, h('div', { class: 'msg msg-error', role: 'alert' }, errorText(err)));
      const f = err.field && err.field.split(/[.[]/)[0];
      const el = f === 'name' ? els.family : els[f];
      if (el) el.focus();
      refreshRegister();
    }
  }

  for (const el of Object.values(els)) el.addEventListener('input', refreshRegister);
  els.sex.addEventListener('change', refreshRegister);

  const form = h('form', {
    class: 'register-form', 'aria-label': 'New patient details', novalidate: true,
    onsubmit: (e) => { e.preventDefault(); check(); },
  },
  h('fieldset', { class: 'reg-group' }, h('legend', 'Name'),
    field('Family name', els.family), field('Given name', els.given), field('Middle', els.middle), field('Suffix', els.suffix)),
  h('fieldset', { class: 'reg-group' }, h('legend', 'Identity'),
    field('Birth date', els.birth_date, 'YYYY-MM-DD'), field('Sex', els.sex), field('SSN', els.ssn, 'stored sealed, shown masked'), field('MRN', els.mrn, 'if the facility assigned one')),
  h('fieldset', { class: 'reg-group' }, h('legend', 'Contact'),
    field('Street address', els.address), field('City', els.city), field('State', els.state), field('ZIP', els.zip), field('Phone', els.phone), field('Email', els.email)),
  formMsg,
  h('div', { class: 'reg-actions' }, checkBtn, regBtn, confirmBox, regHint));

  mount(main, h('section', { class: 'panel register' },
    h('h1', 'Register a patient'),
    h('p', { class: 'muted' }, 'Type what the patient tells you, then check the master patient index: most duplicate charts are made here. Enter runs the check.'),
    form, results));
  els.family.focus();
}
