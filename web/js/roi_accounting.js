// The accounting of disclosures of a patient (45 CFR 164.528; web/js/roi.js routes
// "#/roi/accounting/{patientId}" here): the six-year window up to the date the accounting is
// requested on, each listed disclosure (date, recipient, description, purpose, basis), how many
// disclosures of the window the rule excludes, and links to the PDF letter and the JSON.
import { api } from './api.js';
import { h, mount, dash, field } from './dom.js';
import { todayUtc, errorBox, warnBox } from './roi_common.js';

const BASIS_TITLES = {
  required_by_law: 'Required by law', public_health: 'Public health', abuse_neglect: 'Abuse or neglect report',
  health_oversight: 'Health oversight', judicial: 'Judicial proceeding', law_enforcement: 'Law enforcement',
  decedent: 'About a decedent', organ_donation: 'Organ donation', research: 'Research (no authorization)',
  serious_threat: 'Serious threat to health or safety', military: 'Military', workers_comp: "Workers' compensation",
  impermissible: 'Not permitted by the rule',
};

// Bases the accounting does not list (164.528(a)(1)(i)-(viii)), for recording such a disclosure.
const EXCLUDED_BASES = {
  tpo: 'Treatment, payment, operations', individual: 'To the individual', incident: 'Incident to a permitted disclosure',
  authorization: 'Under an authorization', directory: 'Facility directory', involved_in_care: 'Persons involved in care',
  national_security: 'National security', correctional: 'Correctional institution', limited_data_set: 'Limited data set',
};

export async function accountingView(ctx, pid) {
  const { app, main, query } = ctx;
  app.setTitle('Accounting of disclosures');
  const on = /^\d{4}-\d{2}-\d{2}$/.test(query.get('on') || '') ? query.get('on') : '';
  const date = h('input', { name: 'on', type: 'date', value: on || todayUtc() });
  const results = h('div', { class: 'results' });
  const form = h('form', {
    class: 'inline-form', 'aria-label': 'Accounting date',
    onsubmit: (e) => { e.preventDefault(); app.navigate(`#/roi/accounting/${pid}${date.value ? `?on=${date.value}` : ''}`); },
  }, field('Requested on', date, 'the six years up to this date'), h('div', { class: 'field actions' }, h('button', { type: 'submit' }, 'Show')));
  const title = h('h1', 'Accounting of disclosures');
  const record = app.can('roi.write') ? disclosureForm(ctx, pid) : null;
  mount(main, h('section', { class: 'panel roi-accounting-panel' },
    h('a', { class: 'back', href: '#/roi' }, '‹ Queue'),
    title, form, results, record));
  mount(results, h('p', { class: 'muted' }, 'Loading…'));
  const q = on ? { on } : {};
  const r = await api('GET', `/patients/${pid}/accounting`, { query: q });
  if (!ctx.isCurrent()) return;
  const p = r.patient || {};
  const name = p.name || `Patient #${pid}`;
  app.setTitle(`Accounting: ${name}`);
  mount(title, 'Accounting of disclosures: ', name);
  const qs = on ? `?on=${encodeURIComponent(on)}` : '';
  const items = r.items || [];
  const n = r.n_excluded || 0;
  mount(results,
    h('div', { class: 'banner roi-acc-banner' },
      h('span', { class: 'kv' }, h('b', 'Patient '), name, p.mrn ? ` · MRN ${p.mrn}` : ''),
      h('span', { class: 'kv' }, h('b', 'Requested on '), dash(r.requested_on)),
      h('span', { class: 'kv roi-window', 'data-from': r.from || '', 'data-to': r.to || '' }, h('b', 'Period '), `${dash(r.from)} to ${dash(r.to)}`),
      h('a', { class: 'roi-acc-pdf', href: `/api/v1/patients/${pid}/accounting.pdf${qs}`, download: '' }, 'PDF letter'),
      h('a', { class: 'roi-acc-json', href: `/api/v1/patients/${pid}/accounting${qs}`, target: '_blank', rel: 'noopener' }, 'JSON')),
    h('p', { class: 'small', role: 'status' },
      h('span', { class: 'roi-acc-count', 'data-n': items.length }, `${items.length} disclosure${items.length === 1 ? '' : 's'} listed`),
      '; ', h('span', { class: 'roi-excluded-count', 'data-n': n }, `${n} disclosure${n === 1 ? '' : 's'} in the period not listed`),
      ' (treatment, payment and operations, to the patient, under an authorization and the other exclusions of 45 CFR 164.528(a)(1)).'),
    items.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid-table roi-accounting' },
      h('caption', { class: 'sr-only' }, 'Disclosures listed in the accounting, by date'),
      h('thead', h('tr', ['Date', 'Recipient', 'What was disclosed', 'Purpose', 'Basis'].map((x) => h('th', x)))),
      h('tbody', items.map((d) => h('tr', { 'data-id': d.id },
        h('td', { class: 'nowrap' }, dash(d.disclosed_on)),
        h('td', { class: 'detail' }, dash(d.recipient), d.recipient_address ? h('div', { class: 'small muted' }, d.recipient_address) : null),
        h('td', { class: 'detail' }, dash(d.description)),
        h('td', { class: 'detail' }, dash(d.purpose)),
        h('td', { 'data-basis': d.basis || '' }, BASIS_TITLES[d.basis] || dash(d.basis), d.cite ? h('div', { class: 'small muted' }, d.cite) : null))))))
      : h('p', { class: 'muted roi-acc-none' }, 'No disclosure of this period is listed in the accounting.'));
}

/* A disclosure made outside a request (e.g. a public health report): POST /patients/{id}/disclosures. */
function disclosureForm(ctx, pid) {
  const { app } = ctx;
  const t = (n, size = 34) => h('input', { name: n, size, autocomplete: 'off' });
  const on = h('input', { name: 'disclosed_on', type: 'date', value: todayUtc() });
  const recipient = t('recipient');
  const address = t('recipient_address');
  const description = t('description', 44);
  const purpose = t('purpose', 44);
  const basis = h('select', { name: 'basis' },
    h('optgroup', { label: 'Listed in the accounting' }, Object.entries(BASIS_TITLES).map(([v, x]) => h('option', { value: v, selected: v === 'public_health' }, x))),
    h('optgroup', { label: 'Not listed (164.528(a)(1))' }, Object.entries(EXCLUDED_BASES).map(([v, x]) => h('option', { value: v }, x))));
  const msg = h('div', { 'aria-live': 'polite' });
  const go = h('button', { type: 'submit', class: 'primary' }, 'Record the disclosure');
  const body = h('form', {
    class: 'roi-disclose', 'aria-label': 'Record a disclosure',
    onsubmit: async (e) => {
      e.preventDefault();
      const b = { disclosed_on: on.value, recipient: recipient.value.trim(), description: description.value.trim(), purpose: purpose.value.trim(), basis: basis.value };
      if (address.value.trim()) b.recipient_address = address.value.trim();
      const missing = ['recipient', 'description', 'purpose'].find((k) => !b[k]);
      if (missing) { mount(msg, warnBox(`Fill in the ${missing}.`)); return; }
      if (!b.disclosed_on) delete b.disclosed_on;
      go.disabled = true;
      try {
        await api('POST', `/patients/${pid}/disclosures`, { body: b });
        app.flashNext(`Disclosure to ${b.recipient} recorded.`, 'ok');
        app.navigate(location.hash.includes('?') ? location.hash : `#/roi/accounting/${pid}`);
      } catch (err) {
        go.disabled = false;
        if (err.status !== 401) mount(msg, errorBox(err));
      }
    },
  },
  h('p', { class: 'small muted' }, 'A disclosure made outside a request (a public health report, a report of abuse, a disclosure to a health oversight agency, …). Every disclosure is recorded; the accounting lists those the rule requires.'),
  h('div', { class: 'roi-grid' },
    field('Disclosed on', on), field('Recipient', recipient), field('Recipient address', address),
    field('What was disclosed', description), field('Purpose', purpose), field('Basis', basis)),
  h('div', { class: 'field actions' }, go), msg);
  return h('details', { class: 'card roi-disclose-card' }, h('summary', 'Record a disclosure made outside a request'), body);
}
