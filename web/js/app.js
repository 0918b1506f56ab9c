// Folio web UI: sign-in, the header, and a hash router over the screens.
import { api, setCsrf, onUnauthorized, errorText } from './api.js';
import { h, mount, clear } from './dom.js';
import { permsOf, rolesOf, roleTitle } from './roles.js';
import { searchScreen } from './search.js';
import { chartScreen } from './chart.js';
import { auditScreen } from './audit.js';
import { usersScreen } from './users.js';
import { interfaceScreen } from './interface.js';
import { registerScreen } from './register.js';
import { mpiScreen } from './mpi.js';
import { codesScreen } from './codes.js';
import { codingScreen } from './coding.js';
import { completenessScreen } from './completeness.js';
import { inboxScreen, refreshInboxCount } from './inbox.js';
import { roiScreen } from './roi.js';
import { privacyScreen } from './privacy.js';
import { researchScreen } from './research.js';

const app = {
  user: null,
  perms: new Set(),
  expiresAt: '',
  can(p) { return this.perms.has(p); },
  main: null,
  navigate(hash) { if (location.hash === hash) route(); else location.hash = hash; },
  flash(text, kind = 'info') { showFlash(text, kind); },
  // A message for the screen the next navigation opens (route() clears the flash otherwise).
  flashNext(text, kind = 'info') { nextFlash = { text, kind }; },
  setTitle(t) { document.title = t ? `${t} · Folio` : 'Folio'; },
};

let pendingMessage = '';
let nextFlash = null;

function showFlash(text, kind) {
  const box = document.getElementById('flash');
  if (!box) return;
  mount(box, text ? h('div', { class: `msg msg-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text,
    h('button', { class: 'link close', type: 'button', 'aria-label': 'Dismiss', onclick: () => clear(box) }, '×')) : null);
}

function signedIn(sess) {
  app.user = sess.user || {};
  app.perms = permsOf(app.user);
  app.expiresAt = sess.expires_at || '';
  setCsrf(sess.csrf_token);
}

function signedOut(message) {
  app.user = null;
  app.perms = new Set();
  setCsrf('');
  pendingMessage = message || '';
  renderSignIn();
}

onUnauthorized(() => {
  if (app.user) signedOut('Your session has ended. Sign in again to continue.');
});

/* ---------------- sign-in ---------------- */

function renderSignIn() {
  const root = document.getElementById('app');
  app.setTitle('Sign in');
  const user = h('input', { name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const msg = h('div', { class: 'form-msg', 'aria-live': 'polite' });
  if (pendingMessage) mount(msg, h('div', { class: 'msg msg-warn', role: 'status' }, pendingMessage));
  const btn = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h('form', {
    class: 'signin-form', 'aria-label': 'Sign in',
    onsubmit: async (e) => {
      e.preventDefault();
      btn.disabled = true;
      mount(msg);
      try {
        const sess = await api('POST', '/session', {
          body: { username: user.value.trim(), password: pass.value, mode: 'cookie' }, quiet401: true,
        });
        pendingMessage = '';
        signedIn(sess);
        renderShell();
        if (!location.hash || location.hash === '#/' || location.hash === '#') route();
        else route();
      } catch (err) {
        pass.value = '';
        mount(msg, h('div', { class: 'msg msg-error', role: 'alert' }, errorText(err)));
        pass.focus();
      } finally {
        btn.disabled = false;
      }
    },
  },
  h('h1', 'Folio'),
  h('p', { class: 'sub' }, 'Health information management'),
  msg,
  h('div', { class: 'field' }, h('label', { for: 'signin-user' }, 'Username'), Object.assign(user, { id: 'signin-user' })),
  h('div', { class: 'field' }, h('label', { for: 'signin-pass' }, 'Password'), Object.assign(pass, { id: 'signin-pass' })),
  btn);
  mount(root, h('div', { class: 'signin' }, form));
  user.focus();
}

/* ---------------- shell ---------------- */

function navItems() {
  const items = [];
  if (app.can('patient.read')) items.push({ hash: '#/search', label: 'Patients', key: 'search' });
  if (app.can('patient.write') && app.can('identifiers')) items.push({ hash: '#/register', label: 'Register', key: 'register' });
  if (app.can('mpi.review')) items.push({ hash: '#/mpi', label: 'Duplicates', key: 'mpi' });
  if (app.can('coding.read')) items.push({ hash: '#/coding', label: 'Coding', key: 'coding' });
  if (app.can('completeness.read')) items.push({ hash: '#/completeness', label: 'Completeness', key: 'completeness' });
  if (app.can('inbox')) items.push({ hash: '#/inbox', label: 'Inbox', key: 'inbox' });
  if (app.can('roi.read')) items.push({ hash: '#/roi', label: 'Release of information', key: 'roi' });
  if (app.can('privacy.review')) items.push({ hash: '#/privacy', label: 'Privacy review', key: 'privacy' });
  if (app.can('deid.extract')) items.push({ hash: '#/research', label: 'Research extracts', key: 'research' });
  if (app.can('interface.read')) items.push({ hash: '#/interface', label: 'Interface', key: 'interface' });
  if (app.can('audit.read')) items.push({ hash: '#/audit', label: 'Audit trail', key: 'audit' });
  if (app.can('user.admin')) items.push({ hash: '#/users', label: 'Users', key: 'users' });
  // code sets are reference data without patient information: every signed-in user
  items.push({ hash: '#/codes', label: 'Code lookup', key: 'codes' });
  return items;
}

function renderShell() {
  const root = document.getElementById('app');
  const roles = rolesOf(app.user);
  const nav = h('nav', { 'aria-label': 'Screens' },
    navItems().map((it) => h('a', { href: it.hash, 'data-nav': it.key }, it.label)));
  const header = h('header', { class: 'topbar' },
    h('a', { class: 'brand', href: '#/' }, 'Folio'),
    nav,
    h('div', { class: 'who' },
      h('span', { class: 'who-name', 'data-testid': 'user-name' }, app.user.display_name || app.user.username),
      h('span', { class: 'who-roles' }, roles.map(roleTitle).join(', ')),
      h('button', { type: 'button', class: 'signout', onclick: signOut }, 'Sign out')));
  app.main = h('main', { id: 'main', tabindex: '-1' });
  mount(root, header, h('div', { id: 'flash', class: 'flash' }), app.main);
  // the inbox's counts in the header; a user known not to be linked to a provider has no inbox
  if (app.can('inbox') && app.user.provider_id !== null && app.user.provider_id !== 0) refreshInboxCount();
}

async function signOut() {
  try { await api('DELETE', '/session', { quiet401: true }); } catch { /* ended either way */ }
  history.replaceState(null, '', location.pathname);
  signedOut('You have signed out.');
}

function defaultScreen() {
  const items = navItems();
  return items.length ? items[0].hash : null;
}

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, qs] = raw.split('?');
  return { parts: path.split('/').filter(Boolean), query: new URLSearchParams(qs || '') };
}

let routeSeq = 0;
async function route() {
  if (!app.user) return;
  const seq = ++routeSeq;
  const { parts, query } = parseHash();
  showFlash(nextFlash ? nextFlash.text : '', nextFlash ? nextFlash.kind : 'info');
  nextFlash = null;
  for (const a of document.querySelectorAll('nav a')) a.removeAttribute('aria-current');
  const mark = (key) => { const a = document.querySelector(`nav a[data-nav="${key}"]`); if (a) a.setAttribute('aria-current', 'page'); };
  const main = app.main;
  const ctx = { app, main, query, parts, isCurrent: () => seq === routeSeq };
  const screen = parts[0] || '';
  try {
    if (screen === '' ) {
      const d = defaultScreen();
      if (d) { location.replace(d); return; }
      mount(main, h('section', { class: 'panel' }, h('h1', 'Nothing to show'),
        h('p', 'Your roles do not include any screen of this application.')));
    } else if (screen === 'search' && app.can('patient.read')) {
      mark('search'); await searchScreen(ctx);
    } else if (screen === 'patient' && app.can('patient.read')) {
      mark('search'); await chartScreen(ctx);
    } else if (screen === 'register' && app.can('patient.write') && app.can('identifiers')) {
      mark('register'); await registerScreen(ctx);
    } else if (screen === 'mpi' && app.can('mpi.review')) {
      mark('mpi'); await mpiScreen(ctx);
    } else if (screen === 'coding' && app.can('coding.read')) {
      mark('coding'); await codingScreen(ctx);
    } else if (screen === 'completeness' && app.can('completeness.read')) {
      mark('completeness'); await completenessScreen(ctx);
    } else if (screen === 'inbox' && app.can('inbox')) {
      mark('inbox'); await inboxScreen(ctx);
    } else if (screen === 'roi' && app.can('roi.read')) {
      mark('roi'); await roiScreen(ctx);
    } else if (screen === 'privacy' && app.can('privacy.review')) {
      mark('privacy'); await privacyScreen(ctx);
    } else if (screen === 'research' && app.can('deid.extract')) {
      mark('research'); await researchScreen(ctx);
    } else if (screen === 'interface' && app.can('interface.read')) {
      mark('interface'); await interfaceScreen(ctx);
    } else if (screen === 'audit' && app.can('audit.read')) {
      mark('audit'); await auditScreen(ctx);
    } else if (screen === 'users' && app.can('user.admin')) {
      mark('users'); await usersScreen(ctx);
    } else if (screen === 'codes') {
      mark('codes'); await codesScreen(ctx);
    } else {
      app.setTitle('Not available');
      mount(main, h('section', { class: 'panel' }, h('h1', 'Not available'),
        h('p', 'This screen is not available with your roles.'),
        defaultScreen() ? h('p', h('a', { href: defaultScreen() }, 'Go to your start screen')) : null));
    }
  } catch (err) {
    if (err && err.status === 401) return; // handled by onUnauthorized
    if (seq !== routeSeq) return;
    mount(main, h('section', { class: 'panel' }, h('div', { class: 'msg msg-error', role: 'alert' }, errorText(err))));
  }
}

window.addEventListener('hashchange', route);

// Keyboard: "/" focuses the first search field of the screen (when not typing in a field).
document.addEventListener('keydown', (e) => {
  if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
  const t = e.target;
  if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable)) return;
  const f = document.querySelector('main [data-search-focus]');
  if (f) { e.preventDefault(); f.focus(); }
});

async function start() {
  try {
    const sess = await api('GET', '/session', { quiet401: true });
    signedIn(sess);
    renderShell();
    route();
  } catch (err) {
    if (err.status && err.status !== 401) pendingMessage = errorText(err);
    renderSignIn();
  }
}

start();
