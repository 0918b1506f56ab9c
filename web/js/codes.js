// Code lookup (#/codes): find ICD-10-CM and ICD-10-PCS codes as you type, read a code's notes
// (where each is stated), and build an ICD-10-PCS code position by position (#/codes/pcs). Built
// from the encoder components (encoder.js); code sets are reference data, open to every role.
import { api, errorText } from './api.js';
import { h, mount } from './dom.js';
import { codePicker, codeDetail, pcsBuilder } from './encoder.js';

const SYSTEMS = [['all', 'ICD-10-CM and ICD-10-PCS'], ['icd10cm', 'ICD-10-CM (diagnoses)'], ['icd10pcs', 'ICD-10-PCS (procedures)']];

function tabsFor(current) {
  const tabs = [{ key: 'search', href: '#/codes', label: 'Find a code' },
    { key: 'pcs', href: '#/codes/pcs', label: 'Build a PCS code' }];
  const list = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Code lookup views' },
    tabs.map((t) => h('a', {
      role: 'tab', href: t.href, 'data-tab': t.key,
      'aria-selected': t.key === current ? 'true' : 'false', tabindex: t.key === current ? 0 : -1,
    }, t.label)));
  list.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    const all = [...list.querySelectorAll('[role=tab]')];
    const i = all.indexOf(document.activeElement);
    all[(i + (e.key === 'ArrowRight' ? 1 : all.length - 1)) % all.length].focus();
    e.preventDefault();
  });
  return list;
}

/** One line about the loaded code sets, filled in when the versions arrive. */
function versionsLine() {
  const p = h('p', { class: 'small muted cx-versions' });
  api('GET', '/codes/versions').then((v) => {
    const by = new Map();
    for (const x of v.items || []) {
      if (x.system !== 'icd10cm' && x.system !== 'icd10pcs') continue;
      const k = x.system === 'icd10cm' ? 'ICD-10-CM' : 'ICD-10-PCS';
      if (!by.has(k)) by.set(k, new Set());
      by.get(k).add(x.label);
    }
    if (!by.size) {
      mount(p, h('span', { class: 'note' }, 'No ICD-10-CM or ICD-10-PCS code set is loaded: load the release files with "folio codes load" (docs/codesets.md).'));
      return;
    }
    const ix = v.index || {};
    mount(p, 'Loaded: ', [...by].map(([k, s]) => `${k} ${[...s].join(', ')}`).join('; '),
      ix.state === 'ready' ? ` · index of ${Number(ix.codes).toLocaleString('en-US')} codes` : '');
  }).catch(() => { /* the screen works without it */ });
  return p;
}

function setHash(hash) {
  if (location.hash !== hash) history.replaceState(null, '', hash);
}

export async function codesScreen(ctx) {
  const { app, main, parts, query } = ctx;
  const tab = parts[1] === 'pcs' ? 'pcs' : 'search';

  if (tab === 'pcs') {
    app.setTitle('Build a PCS code');
    const builder = pcsBuilder({
      prefix: (query.get('prefix') || '').toUpperCase(),
      onChange: (p) => setHash(p ? `#/codes/pcs?prefix=${encodeURIComponent(p)}` : '#/codes/pcs'),
      onComplete: (code) => app.navigate(`#/codes?system=icd10pcs&code=${encodeURIComponent(code)}`),
      completeLabel: 'Show its details',
    });
    mount(main, h('section', { class: 'panel cx-screen' },
      h('h1', 'Code lookup'), tabsFor('pcs'),
      h('p', { class: 'small muted' }, 'Choose one value per position; only the values the ICD-10-PCS tables allow with the characters already chosen are offered. The breadcrumbs go back.'),
      builder.el, versionsLine()));
    const first = main.querySelector('.cx-pcs-opt');
    if (first) first.focus();
    return;
  }

  app.setTitle('Code lookup');
  let system = SYSTEMS.some(([k]) => k === query.get('only')) ? query.get('only') : 'all';
  const detail = codeDetail({
    onCode: (s, c) => { detail.show(s, c); setHash(`#/codes?system=${encodeURIComponent(s)}&code=${encodeURIComponent(c)}`); },
  });
  const picker = codePicker({
    keepOpen: true, limit: 20, system, label: 'Find a code',
    onPick: (hit) => {
      detail.show(hit.system, hit.code);
      setHash(`#/codes?system=${encodeURIComponent(hit.system)}&code=${encodeURIComponent(hit.code)}`);
    },
  });
  const sysSel = h('select', { id: 'cx-only', 'aria-label': 'Code system' },
    SYSTEMS.map(([k, label]) => h('option', { value: k, selected: k === system }, label)));
  sysSel.addEventListener('change', () => { system = sysSel.value; picker.setSystem(system); picker.focus(); });

  mount(main, h('section', { class: 'panel cx-screen' },
    h('h1', 'Code lookup'), tabsFor('search'),
    h('div', { class: 'cx-layout' },
      h('div', { class: 'cx-left' },
        h('div', { class: 'cx-sys-row' }, h('label', { for: 'cx-only', class: 'small' }, 'Search in '), sysSel),
        picker.el,
        h('p', { class: 'small muted' }, 'Type words ("type 2 diabetes hyperglycemia"), an abbreviation (CHF, lap chole) or a code (E11.9, dot optional). ↑/↓ move, Enter shows the code, Esc closes the list.')),
      h('div', { class: 'cx-right card' }, detail.el)),
    versionsLine()));
  const code = query.get('code');
  if (code) {
    const sys = query.get('system') || 'icd10cm';
    try {
      await detail.show(sys, code);
    } catch (e) {
      mount(detail.el, h('div', { class: 'msg msg-error', role: 'alert' }, errorText(e)));
    }
  }
  if (query.get('q')) picker.setQuery(query.get('q'));
  picker.focus();
}
