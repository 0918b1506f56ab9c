// Administrator: users, roles, add, disable/enable, reset password, and the provider a user is
// (their clinician's inbox: PATCH provider_id, picked from GET /providers); the family name and
// home address the snooping alerts compare (PATCH family_name, home_postal_code, home_street).
import { api, errorText } from './api.js';
import { h, mount, dash, fmtTime, field, itemsOf } from './dom.js';
import { ROLE_NAMES, roleTitle, rolesOf } from './roles.js';
import { providerPicker } from './queries.js';

export async function usersScreen(ctx) {
  const { app, main } = ctx;
  app.setTitle('Users');
  const msg = h('div', { 'aria-live': 'polite' });
  const listBox = h('div');
  const say = (text, kind) => mount(msg, text ? h('div', { class: `msg msg-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text) : null);
  // Providers by id, for the Provider column: the first page of GET /providers (50, by name),
  // fetched once when a user is linked to one not known yet, plus those picked here.
  const known = new Map();
  let listed = false;

  async function learnProviders(users) {
    if (listed || !users.some((u) => u.provider_id && !known.has(u.provider_id))) return;
    try {
      for (const p of itemsOf(await api('GET', '/providers'))) known.set(p.id, p);
      listed = true;
    } catch (err) { if (err.status !== 401) say(`Provider names are not shown: ${errorText(err)}`, 'error'); }
  }
  const providerText = (id) => {
    if (!id) return '—';
    const p = known.get(id);
    return p ? `${p.name}${p.npi ? ` (NPI ${p.npi})` : ''}` : `#${id}`;
  };

  async function load() {
    const resp = await api('GET', '/users');
    const users = itemsOf(resp);
    await learnProviders(users);
    mount(listBox, h('div', { class: 'table-wrap' }, h('table', { class: 'grid-table users' },
      h('thead', h('tr', ['Username', 'Name', 'Roles', 'Provider', 'Status', 'Last sign-in', ''].map((x) => h('th', x)))),
      h('tbody', users.map((u) => userRow(u))))));
  }

  /** PATCH the user's provider_id (a number, or null to unlink); true when done. */
  async function setProvider(u, id, done) {
    try {
      await api('PATCH', `/users/${encodeURIComponent(u.username)}`, { body: { provider_id: id }, ifMatch: u.version ? `"v${u.version}"` : undefined });
      say(done, 'ok');
      await load();
      return true;
    } catch (err) { if (err.status !== 401) say(errorText(err), 'error'); return false; }
  }

  function userRow(u) {
    const disabled = !!u.disabled;
    const locked = u.locked_until && Date.parse(u.locked_until) > Date.now();
    const toggle = h('button', {
      type: 'button', onclick: async () => {
        toggle.disabled = true;
        try {
          await api('PATCH', `/users/${encodeURIComponent(u.username)}`, { body: { disabled: !disabled }, ifMatch: u.version ? `"v${u.version}"` : undefined });
          say(`${u.username} is now ${disabled ? 'enabled' : 'disabled'}.`, 'ok');
          await load();
        } catch (err) { if (err.status !== 401) say(errorText(err), 'error'); toggle.disabled = false; }
      },
    }, disabled ? 'Enable' : 'Disable');
    const pw = h('input', { type: 'password', autocomplete: 'new-password', 'aria-label': `New password for ${u.username}` });
    const reset = h('form', {
      class: 'inline-reset', hidden: true, onsubmit: async (e) => {
        e.preventDefault();
        try {
          await api('POST', `/users/${encodeURIComponent(u.username)}/password`, { body: { password: pw.value } });
          pw.value = '';
          reset.hidden = true;
          say(`Password reset for ${u.username}; their sessions have ended.`, 'ok');
        } catch (err) { if (err.status !== 401) say(errorText(err), 'error'); }
      },
    }, pw, h('button', { type: 'submit' }, 'Set password'), h('button', { type: 'button', onclick: () => { reset.hidden = true; } }, 'Cancel'));
    const linked = u.provider_id || null;
    const picker = providerPicker({
      label: `Provider for ${u.username}`, name: 'provider_id', typeahead: true,
      preferred: linked && known.has(linked) ? known.get(linked) : null,
      onError: (err) => say(errorText(err), 'error'),
    });
    let picked = false;
    const link = h('form', {
      class: 'inline-link', hidden: true, 'aria-label': `Link ${u.username} to a provider`, onsubmit: async (e) => {
        e.preventDefault();
        const p = picker.chosen();
        if (!p) { say('Choose a provider from the list (search by name or NPI).', 'error'); return; }
        known.set(p.id, p);
        await setProvider(u, p.id, `${u.username} is now linked to ${p.name}${p.npi ? ` (NPI ${p.npi})` : ''}.`);
      },
    }, picker.el, h('button', { type: 'submit', class: 'primary' }, 'Save'), h('button', { type: 'button', onclick: () => { link.hidden = true; } }, 'Cancel'));
    const openLink = () => {
      link.hidden = false;
      if (!picked) { picked = true; picker.load(''); }
      picker.find.focus();
    };
    const unlink = linked ? h('button', {
      type: 'button', onclick: async () => {
        unlink.disabled = true;
        if (!await setProvider(u, null, `${u.username} is no longer linked to a provider.`)) unlink.disabled = false;
      },
    }, 'Unlink') : null;
    // The user's own family name and home address, which the daily snooping alerts compare with
    // the charts they open (docs/privacy.md). Only administrators see them.
    const famIn = h('input', { name: 'family_name', value: u.family_name || '', 'aria-label': `Family name of ${u.username}` });
    const pcIn = h('input', { name: 'home_postal_code', value: u.home_postal_code || '', size: 8, 'aria-label': `Home postal code of ${u.username}` });
    const stIn = h('input', { name: 'home_street', value: u.home_street || '', 'aria-label': `Home street of ${u.username}` });
    const home = h('form', {
      class: 'inline-home', hidden: true, 'aria-label': `Family name and home address of ${u.username}`, onsubmit: async (e) => {
        e.preventDefault();
        try {
          await api('PATCH', `/users/${encodeURIComponent(u.username)}`, { body: { family_name: famIn.value.trim(), home_postal_code: pcIn.value.trim(), home_street: stIn.value.trim() } });
          say(`Family name and home address of ${u.username} saved (used by the snooping alerts).`, 'ok');
          await load();
        } catch (err) { if (err.status !== 401) say(errorText(err), 'error'); }
      },
    }, famIn, pcIn, stIn, h('button', { type: 'submit', class: 'primary' }, 'Save'), h('button', { type: 'button', onclick: () => { home.hidden = true; } }, 'Cancel'));
    const openHome = h('button', { type: 'button', title: 'For the snooping alerts: the user\'s own family name and home address', onclick: () => { home.hidden = false; famIn.focus(); } },
      u.family_name || u.home_street ? 'Home address ✓' : 'Home address');
    return h('tr', { class: disabled ? 'muted-row' : '', 'data-username': u.username },
      h('td', { class: 'mono' }, u.username), h('td', dash(u.display_name)),
      h('td', rolesOf(u).map(roleTitle).join(', ') || '—'),
      h('td', { class: 'provider' }, providerText(linked)),
      h('td', disabled ? h('span', { class: 'badge st-disabled' }, 'disabled') : locked ? h('span', { class: 'badge st-locked' }, 'locked') : h('span', { class: 'badge st-active' }, 'active')),
      h('td', fmtTime(u.last_login_at)),
      h('td', { class: 'actions' }, toggle,
        h('button', { type: 'button', onclick: () => { reset.hidden = false; pw.focus(); } }, 'Reset password'),
        h('button', { type: 'button', onclick: openLink }, linked ? 'Change provider' : 'Link provider'), unlink,
        openHome, reset, link, home));
  }

  const uname = h('input', { name: 'username', required: true, autocapitalize: 'none', spellcheck: 'false', pattern: '[a-z0-9._\\-]{1,64}', 'data-search-focus': '' });
  const dname = h('input', { name: 'display_name', required: true });
  const pass = h('input', { name: 'password', type: 'password', required: true, autocomplete: 'new-password' });
  const boxes = ROLE_NAMES.map((r) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'roles', value: r }), ' ', roleTitle(r)));
  const addForm = h('form', {
    class: 'add-user', 'aria-label': 'Add user', onsubmit: async (e) => {
      e.preventDefault();
      const roles = boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
      if (!roles.length) { say('Choose at least one role.', 'error'); return; }
      try {
        await api('POST', '/users', { body: { username: uname.value.trim(), display_name: dname.value.trim(), roles, password: pass.value } });
        say(`User ${uname.value.trim()} added.`, 'ok');
        addForm.reset();
        await load();
      } catch (err) { if (err.status !== 401) say(errorText(err), 'error'); }
    },
  },
  h('div', { class: 'inline-form' }, field('Username', uname, 'a-z 0-9 . _ -'), field('Name', dname), field('Password', pass, 'at least 12 characters')),
  h('fieldset', { class: 'roles' }, h('legend', 'Roles'), boxes),
  h('button', { type: 'submit', class: 'primary' }, 'Add user'));

  mount(main, h('section', { class: 'panel' }, h('h1', 'Users'), msg, listBox,
    h('section', { class: 'card' }, h('h2', 'Add a user'), addForm)));
  await load();
}
