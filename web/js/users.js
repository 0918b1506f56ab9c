// Administrator: users, roles, add, disable/enable, reset password.
import { api, errorText } from './api.js';
import { h, mount, dash, fmtTime, field, itemsOf } from './dom.js';
import { ROLE_NAMES, roleTitle, rolesOf } from './roles.js';

export async function usersScreen(ctx) {
  const { app, main } = ctx;
  app.setTitle('Users');
  const msg = h('div', { 'aria-live': 'polite' });
  const listBox = h('div');
  const say = (text, kind) => mount(msg, text ? h('div', { class: `msg msg-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text) : null);

  async function load() {
    const resp = await api('GET', '/users');
    const users = itemsOf(resp);
    mount(listBox, h('div', { class: 'table-wrap' }, h('table', { class: 'grid-table users' },
      h('thead', h('tr', ['Username', 'Name', 'Roles', 'Status', 'Last sign-in', ''].map((x) => h('th', x)))),
      h('tbody', users.map((u) => userRow(u))))));
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
    return h('tr', { class: disabled ? 'muted-row' : '', 'data-username': u.username },
      h('td', { class: 'mono' }, u.username), h('td', dash(u.display_name)),
      h('td', rolesOf(u).map(roleTitle).join(', ') || '—'),
      h('td', disabled ? h('span', { class: 'badge st-disabled' }, 'disabled') : locked ? h('span', { class: 'badge st-locked' }, 'locked') : h('span', { class: 'badge st-active' }, 'active')),
      h('td', fmtTime(u.last_login_at)),
      h('td', { class: 'actions' }, toggle,
        h('button', { type: 'button', onclick: () => { reset.hidden = false; pw.focus(); } }, 'Reset password'), reset));
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
