// Shared pieces of the release-of-information screens (web/js/roi.js, roi_request.js,
// roi_accounting.js): requester types, statuses, badges, money and message boxes.
import { errorText } from './api.js';
import { h, dash, field } from './dom.js';

// The 11 requester types of docs/roi.md, with whether a release needs an authorization.
export const REQUESTERS = [
  ['patient', 'Patient (right of access)', 'no', '45 CFR 164.524'],
  ['personal_representative', 'Personal representative', 'no', '45 CFR 164.502(g)'],
  ['provider_continuity', 'Provider (continuity of care)', 'no', '45 CFR 164.506(c)(2)'],
  ['payer', 'Payer', 'no', '45 CFR 164.506(c)(1), (c)(3)'],
  ['attorney_authorization', 'Attorney with an authorization', 'yes', '45 CFR 164.508'],
  ['attorney_subpoena', 'Attorney with a subpoena', 'unless the satisfactory assurance is on file', '45 CFR 164.512(e)(1)(ii)'],
  ['court_order', 'Court order', 'no', '45 CFR 164.512(e)(1)(i)'],
  ['researcher', 'Researcher', 'yes', '45 CFR 164.508'],
  ['public_health', 'Public health authority', 'no', '45 CFR 164.512(b)'],
  ['law_enforcement', 'Law enforcement', 'no', '45 CFR 164.512(f)'],
  ['workers_comp', "Workers' compensation", 'no', '45 CFR 164.512(l)'],
];
export const DELIVERIES = [
  ['mail', 'Mail'], ['pickup', 'Pickup'], ['fax', 'Fax'], ['email', 'E-mail'], ['portal', 'Patient portal'],
  ['electronic_media', 'Electronic media (CD, USB)'],
];
export const STATUSES = ['received', 'validated', 'pulled', 'qa', 'released', 'denied'];
export const STATUS_TITLES = {
  received: 'received', validated: 'validated', pulled: 'pulled', qa: 'in QA', released: 'released', denied: 'denied',
};
// LOINC document types of the chart (src/records/codes.c).
export const DOC_TYPES = [
  ['34117-2', 'History and physical note'], ['18842-5', 'Discharge summary'], ['11504-8', 'Surgical operation note'],
  ['28570-0', 'Procedure note'], ['11506-3', 'Progress note'], ['11488-4', 'Consult note'],
  ['34111-5', 'Emergency department note'], ['34133-9', 'Summary of episode note'], ['57133-1', 'Referral note'],
  ['11526-1', 'Pathology study'], ['18748-4', 'Diagnostic imaging study'], ['11502-2', 'Laboratory report'],
  ['59284-0', 'Consent'], ['51852-2', 'Letter'], ['11503-0', 'Medical records'], ['46209-3', 'Provider orders'],
];
export const SENSITIVE = [
  ['part2', 'Substance use disorder records (42 CFR Part 2)'], ['hiv_sti', 'HIV and sexually transmitted infections'],
  ['genetic', 'Genetic information'], ['reproductive_health', 'Reproductive health'], ['behavioral_health', 'Behavioral health'],
];
export const AUTH_ELEMENTS = {
  description: 'Description of the information',
  discloser: 'Who may disclose',
  recipient: 'Recipient',
  purpose: 'Purpose',
  expiration: 'Expiration date or event',
  signature: 'Signature and date',
  statement_revoke: 'Statement: the right to revoke',
  statement_conditioning: 'Statement: treatment not conditioned on signing',
  statement_redisclosure: 'Statement: the information may be redisclosed',
};

export function requesterTitle(t) {
  const r = REQUESTERS.find(([v]) => v === t);
  return r ? r[1] : dash(t);
}

export function docTypeTitle(code) {
  const d = DOC_TYPES.find(([c]) => c === code);
  return d ? d[1] : dash(code);
}

export function requestNumber(id) {
  return `ROI-${String(id).padStart(6, '0')}`;
}

export function statusBadge(status) {
  const st = STATUSES.includes(status) ? status : 'other';
  return h('span', { class: `badge roi-st roi-st-${st}`, 'data-status': status || '' }, STATUS_TITLES[status] || dash(status));
}

export function verdictBadge(v) {
  const text = { valid: 'valid', incomplete: 'incomplete', expired: 'expired', revoked: 'revoked', not_signed_yet: 'not signed yet' }[v] || dash(v);
  return h('span', { class: `badge roi-verdict roi-verdict-${v === 'valid' ? 'valid' : 'invalid'}`, 'data-verdict': v || '' }, text);
}

/** Days left as text and a badge: "overdue by 3 days" in red, "5 days left". */
export function daysLeftCell(daysLeft, overdue) {
  if (daysLeft === null || daysLeft === undefined) return h('span', { class: 'muted' }, 'no deadline');
  if (overdue) {
    return h('span', { class: 'badge roi-overdue', 'data-overdue': 'true' },
      `overdue by ${-daysLeft} day${-daysLeft === 1 ? '' : 's'}`);
  }
  return h('span', { class: daysLeft <= 5 ? 'roi-soon' : '' }, `${daysLeft} day${daysLeft === 1 ? '' : 's'} left`);
}

export function money(cents) {
  if (cents === null || cents === undefined || Number.isNaN(Number(cents))) return '—';
  const c = Number(cents);
  const sign = c < 0 ? '-' : '';
  const a = Math.abs(c);
  return `${sign}$${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}

/** "12.50" -> 1250 cents; NaN for anything else. */
export function parseMoney(text) {
  const t = String(text || '').trim().replace(/^\$/, '');
  if (t === '') return 0;
  const m = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(t);
  if (!m) return NaN;
  return Number(m[1]) * 100 + (m[2] ? Number(m[2].padEnd(2, '0')) : 0);
}

export function errorBox(err) {
  return h('div', { class: 'msg msg-error', role: 'alert' }, errorText(err));
}

export function okBox(text) {
  return h('div', { class: 'msg msg-ok', role: 'status' }, text);
}

export function warnBox(text) {
  return h('div', { class: 'msg msg-warn', role: 'alert' }, text);
}

export function patientLabel(p, fallbackId) {
  if (!p) return `Patient #${fallbackId}`;
  return p.name || p.patient_name || `Patient #${p.id || fallbackId}`;
}

export function todayUtc() {
  return new Date().toISOString().slice(0, 10);
}

/** The fields of an authorization (45 CFR 164.508(c)); value() gives the API body. */
export function authForm() {
  const t = (n, size = 36) => h('input', { name: n, size, autocomplete: 'off' });
  const f = {
    description: t('auth_description'), discloser: t('auth_discloser'), recipient: t('auth_recipient'),
    purpose: t('auth_purpose'), expires_on: h('input', { name: 'auth_expires_on', type: 'date' }),
    expiry_event: t('auth_expiry_event'), signed_by: t('auth_signed_by'),
    signed_on: h('input', { name: 'auth_signed_on', type: 'date' }), signer_authority: t('auth_signer_authority'),
  };
  const c = (n) => h('input', { type: 'checkbox', name: n });
  const flags = { stmt_revoke: c('auth_stmt_revoke'), stmt_conditioning: c('auth_stmt_conditioning'),
    stmt_redisclosure: c('auth_stmt_redisclosure'), psychotherapy_notes: c('auth_psychotherapy_notes') };
  const sens = SENSITIVE.map(([v, label]) => [v, h('input', { type: 'checkbox', name: 'auth_sensitive', value: v }), label]);
  const el = h('div', { class: 'roi-auth-new', hidden: true },
    h('p', { class: 'small muted' }, 'Record the authorization as signed, complete or not: its checklist says what is missing (45 CFR 164.508(c)).'),
    h('div', { class: 'roi-grid' },
      field('Description of the information', f.description), field('Who may disclose', f.discloser),
      field('Recipient', f.recipient), field('Purpose of the authorization', f.purpose),
      field('Expires on', f.expires_on), field('or expires at the event', f.expiry_event),
      field('Signed by', f.signed_by), field('Signed on', f.signed_on),
      field("Representative's authority", f.signer_authority, 'only when a representative signs')),
    h('fieldset', h('legend', 'Statements the form contains'),
      h('label', { class: 'check' }, flags.stmt_revoke, ' The right to revoke (164.508(c)(2)(i))'),
      h('label', { class: 'check' }, flags.stmt_conditioning, ' Treatment not conditioned on signing (164.508(c)(2)(ii))'),
      h('label', { class: 'check' }, flags.stmt_redisclosure, ' Redisclosure possible (164.508(c)(2)(iii))')),
    h('fieldset', h('legend', 'Sensitive records it names'),
      sens.map(([, box, label]) => h('label', { class: 'check' }, box, ` ${label}`)),
      h('label', { class: 'check' }, flags.psychotherapy_notes, ' Psychotherapy notes only (164.508(a)(2))')));
  return {
    el,
    value() {
      const v = {};
      for (const [k, input] of Object.entries(f)) if (input.value.trim()) v[k] = input.value.trim();
      for (const [k, box] of Object.entries(flags)) v[k] = box.checked;
      v.sensitive = sens.filter(([, box]) => box.checked).map(([s]) => s);
      return v;
    },
  };
}
