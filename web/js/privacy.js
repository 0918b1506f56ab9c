// The privacy officer's review queue (docs/privacy.md): break-the-glass accesses and snooping
// alerts, filtered by status and kind, each reviewed with a disposition and a note; the daily
// alert run; restricting a chart or flagging it VIP, and its care team.
import { api, errorText } from './api.js';
import { h, mount, dash, fmtTime, field, itemsOf } from './dom.js';

const KINDS = [
  ['break_the_glass', 'Break the glass'],
  ['same_family_name', 'Same family name'],
  ['same_address', 'Same address'],
  ['vip_access', 'VIP chart'],
  ['volume', 'Unusual volume'],
];
const kindTitle = (k) => (KINDS.find(([v]) => v === k) || [k, k])[1];
const DISPOSITIONS = [['appropriate', 'Appropriate'], ['inappropriate', 'Inappropriate'], ['escalated', 'Escalated']];

export async function privacyScreen(ctx) {
  const { app, main, query } = ctx;
  app.setTitle('Privacy review');
  const msg = h('div', { 'aria-live': 'polite' });
  const say = (text, kind) => mount(msg, text ? h('div', { class: `msg msg-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text) : null);
  const fail = (err) => { if (err.status !== 401) say(errorText(err), 'error'); };

  /* ---- the queue ---- */
  const status = h('select', { name: 'status' },
    h('option', { value: 'open' }, 'Open'), h('option', { value: 'reviewed' }, 'Reviewed'), h('option', { value: '' }, 'All'));
  const kind = h('select', { name: 'kind' }, h('option', { value: '' }, 'All kinds'),
    KINDS.map(([v, t]) => h('option', { value: v }, t)));
  if (query.get('status') !== null) status.value = query.get('status');
  if (query.get('kind')) kind.value = query.get('kind');
  const listBox = h('div', h('p', { class: 'muted' }, 'Loading…'));

  async function load() {
    const resp = await api('GET', '/privacy/reviews', { query: { status: status.value, kind: kind.value, limit: 200 } });
    if (!ctx.isCurrent()) return;
    const items = itemsOf(resp);
    if (!items.length) {
      mount(listBox, h('p', { class: 'muted empty' }, 'Nothing to review with these filters.'));
      return;
    }
    mount(listBox,
      h('p', { class: 'muted small' }, `${resp.total ?? items.length} item${(resp.total ?? items.length) === 1 ? '' : 's'}`),
      h('div', { class: 'table-wrap' }, h('table', { class: 'grid-table reviews' },
        h('thead', h('tr', ['Kind', 'User', 'Patient', 'When', 'Reason / detail', 'Status', ''].map((x) => h('th', x)))),
        h('tbody', items.map(reviewRow)))));
  }

  function reviewRow(r) {
    const disp = h('select', { name: 'disposition', 'aria-label': `Disposition of item ${r.id}` },
      DISPOSITIONS.map(([v, t]) => h('option', { value: v }, t)));
    const note = h('textarea', { name: 'note', rows: 2, cols: 36, 'aria-label': `Note on item ${r.id}` });
    const form = h('form', {
      class: 'review-form', hidden: true, 'aria-label': `Review item ${r.id}`, onsubmit: async (e) => {
        e.preventDefault();
        try {
          await api('POST', `/privacy/reviews/${r.id}`, { body: { disposition: disp.value, note: note.value } });
          say(`Item ${r.id} reviewed: ${disp.value}.`, 'ok');
          await load();
        } catch (err) { fail(err); }
      },
    }, field('Disposition', disp), field('Note', note, 'required unless appropriate'),
    h('button', { type: 'submit', class: 'primary' }, 'Save review'),
    h('button', { type: 'button', onclick: () => { form.hidden = true; } }, 'Cancel'));
    const open = r.status === 'open';
    const patient = r.patient_id
      ? h('a', { href: `#/patient/${r.patient_id}` }, r.patient_name ? `${r.patient_name}${r.mrn ? ` (${r.mrn})` : ''}` : `#${r.patient_id}`)
      : h('span', { class: 'muted' }, 'several');
    return h('tr', { 'data-id': r.id, 'data-kind': r.kind },
      h('td', h('span', { class: `badge kind-${r.kind}` }, kindTitle(r.kind))),
      h('td', { class: 'mono' }, dash(r.username)),
      h('td', patient),
      h('td', fmtTime(r.at)),
      h('td', { class: 'detail' }, dash(r.detail)),
      h('td', open ? h('span', { class: 'badge st-open' }, 'open')
        : h('span', h('span', { class: `badge disp-${r.disposition}` }, dash(r.disposition)),
          h('span', { class: 'muted small' }, ` by ${dash(r.reviewed_by)} ${fmtTime(r.reviewed_at)}`),
          r.note ? h('div', { class: 'small' }, r.note) : null)),
      h('td', { class: 'actions' }, open ? h('button', { type: 'button', onclick: () => { form.hidden = false; disp.focus(); } }, 'Review') : null, form));
  }

  status.addEventListener('change', () => load().catch(fail));
  kind.addEventListener('change', () => load().catch(fail));

  /* ---- the daily alert run ---- */
  const day = h('input', { type: 'date', name: 'day', value: new Date().toISOString().slice(0, 10) });
  const runBtn = h('button', { type: 'button', class: 'primary' }, 'Run today\'s alerts');
  const runDay = h('button', { type: 'button' }, 'Run for the day');
  async function run(d) {
    runBtn.disabled = runDay.disabled = true;
    try {
      const res = await api('POST', '/privacy/alerts/run', { body: d ? { day: d } : {} });
      const parts = KINDS.filter(([k]) => k !== 'break_the_glass')
        .map(([k, t]) => `${t}: ${res.found[k]} (${res.added[k]} new)`);
      say(`Alerts for ${res.day}, ${res.accesses} user/patient pairs looked at — ${parts.join('; ')}.`, 'ok');
      await load();
    } catch (err) { fail(err); }
    runBtn.disabled = runDay.disabled = false;
  }
  runBtn.addEventListener('click', () => run(null));
  runDay.addEventListener('click', () => run(day.value));

  /* ---- restricting a chart ---- */
  const pid = h('input', { name: 'patient_id', inputmode: 'numeric', size: 8, value: query.get('patient') || '' });
  const restrictBox = h('div');
  async function showRestriction() {
    const id = parseInt(pid.value, 10);
    if (!(id > 0)) { say('Enter a patient id (the number in the chart\'s address).', 'error'); return; }
    let r, care;
    try {
      [r, care] = await Promise.all([api('GET', `/patients/${id}/restriction`), api('GET', `/patients/${id}/care-team`)]);
    } catch (err) { fail(err); return; }
    if (!ctx.isCurrent()) return;
    const restricted = h('input', { type: 'checkbox', name: 'restricted', checked: !!r.restricted });
    const vip = h('input', { type: 'checkbox', name: 'vip', checked: !!r.vip });
    const reason = h('input', { name: 'reason', size: 40 });
    const form = h('form', {
      class: 'restrict-form', 'aria-label': 'Chart restriction', onsubmit: async (e) => {
        e.preventDefault();
        try {
          await api('PUT', `/patients/${id}/restriction`, { body: { restricted: restricted.checked, vip: vip.checked, reason: reason.value } });
          say(`Patient #${id}: ${restricted.checked ? 'restricted' : 'not restricted'}, ${vip.checked ? 'VIP' : 'not VIP'}.`, 'ok');
          await showRestriction();
        } catch (err) { fail(err); }
      },
    },
    h('label', { class: 'check' }, restricted, ' Restricted: only the care team, or after breaking the glass'),
    h('label', { class: 'check' }, vip, ' VIP: every opening without a care relationship raises an alert'),
    field('Reason (required)', reason), h('button', { type: 'submit', class: 'primary' }, 'Save restriction'));
    const user = h('input', { name: 'username', size: 16, autocapitalize: 'none' });
    const role = h('input', { name: 'role', size: 16 });
    const until = h('input', { type: 'date', name: 'to_at' });
    const grant = h('form', {
      class: 'care-form', 'aria-label': 'Grant a care relationship', onsubmit: async (e) => {
        e.preventDefault();
        try {
          await api('POST', `/patients/${id}/care-team`, { body: { username: user.value.trim(), role: role.value.trim(), to_at: until.value } });
          say(`${user.value.trim()} is on the care team of patient #${id}.`, 'ok');
          await showRestriction();
        } catch (err) { fail(err); }
      },
    }, h('div', { class: 'inline-form' }, field('Username', user), field('Role', role), field('Until', until, 'empty: 90 days from now')),
    h('button', { type: 'submit' }, 'Grant'));
    const careItems = itemsOf(care);
    mount(restrictBox,
      h('p', h('a', { href: `#/patient/${id}` }, `Patient #${id}`), ': ',
        r.restricted ? h('span', { class: 'badge st-restricted' }, 'restricted') : 'not restricted', ', ',
        r.vip ? h('span', { class: 'badge st-vip' }, 'VIP') : 'not VIP'),
      form,
      (r.history || []).length ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid-table history' },
        h('caption', 'History'),
        h('thead', h('tr', ['When', 'By', 'Restricted', 'VIP', 'Reason'].map((x) => h('th', x)))),
        h('tbody', r.history.map((e) => h('tr', h('td', fmtTime(e.at)), h('td', dash(e.by)),
          h('td', e.restricted ? 'yes' : 'no'), h('td', e.vip ? 'yes' : 'no'), h('td', dash(e.reason))))))) : null,
      h('h3', 'Care team'),
      careItems.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid-table care' },
        h('thead', h('tr', ['User', 'Role', 'From', 'To', 'Ended', ''].map((x) => h('th', x)))),
        h('tbody', careItems.map((c) => h('tr', h('td', { class: 'mono' }, c.username), h('td', dash(c.role)),
          h('td', fmtTime(c.from_at)), h('td', fmtTime(c.to_at)), h('td', c.ended_at ? fmtTime(c.ended_at) : '—'),
          h('td', c.ended_at ? null : h('button', {
            type: 'button', onclick: async () => {
              try { await api('DELETE', `/patients/${id}/care-team/${c.id}`); await showRestriction(); } catch (err) { fail(err); }
            },
          }, 'End'))))))) : h('p', { class: 'muted' }, 'No explicit grants. The providers of the patient\'s recent encounters are on the care team too.'),
      grant);
  }
  const pick = h('form', {
    class: 'inline-form', 'aria-label': 'Find a chart to restrict', onsubmit: (e) => { e.preventDefault(); showRestriction(); },
  }, field('Patient id', pid), h('button', { type: 'submit' }, 'Show'));

  mount(main, h('section', { class: 'panel privacy' },
    h('h1', 'Privacy review'),
    msg,
    h('section', { class: 'card' }, h('h2', 'Review queue'),
      h('div', { class: 'inline-form' }, field('Status', status), field('Kind', kind)),
      listBox),
    h('section', { class: 'card' }, h('h2', 'Snooping alerts'),
      h('p', { class: 'muted' }, 'Same family name or home address as the user, VIP charts opened without a care relationship, unusual numbers of charts. Running a day again adds nothing new.'),
      h('div', { class: 'inline-form' }, runBtn, field('Day', day), runDay)),
    h('section', { class: 'card' }, h('h2', 'Restricted and VIP charts'), pick, restrictBox)));
  await load();
  if (pid.value) await showRestriction();
}
