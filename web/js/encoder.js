// Encoder components, reusable by any screen (the Code lookup screen, the coding screen):
// a type-ahead code picker, a code detail panel and an ICD-10-PCS builder. They talk only to
// /api/v1/codes (docs/api.md "Code sets and the encoder"); code sets hold no patient data.
//
// Exported API
//
//   codePicker(opts) -> { el, input, focus(), clear(), setQuery(text), setSystem(system), destroy() }
//     A labelled search box (role=combobox) with a results list (role=listbox) updated as the
//     user types (debounced, stale answers dropped). Keys: ↓/↑ move through the hits, Enter
//     picks the active hit (the first when none is active), Escape closes the list (a second
//     Escape clears the box). Each hit shows the dotted code, the title, a "billable" / "header"
//     / "needs 7th" badge, the 7th-character choices when needed and the index or inclusion term
//     that matched. Picking a hit that needs a 7th character first offers its 7th characters;
//     the picked code is then the full code.
//     opts:
//       onPick(hit)       required; hit = { system, code, dotted, title, billable, needs_seventh,
//                         seventh: [{value, label}], match, matched_term }; for a 7th character
//                         chosen after a stem, code/dotted end with it and title has its label
//       onActive(hit)     optional: the hit under the keyboard or the pointer (e.g. a preview)
//       system            'all' (default) | 'icd10cm' | 'icd10pcs': restricts the search
//       label             visible label (default "Find a code")
//       placeholder       (default: words, an abbreviation or a code)
//       limit             hits to show, 1..100 (default 15)
//       keepOpen          leave the list open after a pick (a lookup screen); default false
//       id                id of the input (default: generated)
//
//   codeDetail(opts) -> { el, show(system, code, date?), clear(), current() }
//     The details of one code: title (and from which year's row a title was borrowed), billable
//     or header, the hierarchy as links, the 7th characters that apply, every note with where it
//     is stated (own notes first, then inherited ones), the codes a note refers to as links, and
//     the children as links. opts: onCode(system, code) when a linked code is followed (default:
//     show it here); heading level 'h2' (default) or 'h3'.
//
//   pcsBuilder(opts) -> { el, reset(), setPrefix(prefix), prefix() }
//     Seven steps: each offers only the values valid after the characters already chosen, each
//     value with its label and definition; breadcrumbs (one per chosen character) go back to
//     that position; the last step shows the complete code and its title with a "Use this code"
//     button. opts: onComplete(code, title) (the button appears only when given; completeLabel
//     names it); onChange(prefix) after each step; prefix (start there); date (YYYY-MM-DD: the
//     tables in force then).
//
//   indexReady() -> Promise<{state, ...}>: resolves once the server's code index is built (the
//     first use after a start or a load takes a few seconds); the picker waits for it itself.
import { api, errorText } from './api.js';
import { h, mount } from './dom.js';

let seq = 0;
const nextId = (p) => `${p}-${++seq}`;

const SYSTEM_LABEL = { icd10cm: 'ICD-10-CM', icd10pcs: 'ICD-10-PCS', hcpcs: 'HCPCS', cpt: 'CPT' };
const NOTE_ORDER = ['definition', 'includes', 'inclusionTerm', 'notes', 'excludes1', 'excludes2', 'codeFirst',
  'useAdditionalCode', 'codeAlso', 'sevenChrNote'];
const NOTE_LABEL = {
  includes: 'Includes', inclusionTerm: 'Inclusion terms', excludes1: 'Excludes1', excludes2: 'Excludes2',
  codeFirst: 'Code first', useAdditionalCode: 'Use additional code', codeAlso: 'Code also',
  sevenChrNote: '7th character note', notes: 'Note', definition: 'Definition',
};
const NOTE_HINT = {
  excludes1: 'not coded here: never used together with this code',
  excludes2: 'not included here: may be coded together when both apply',
  codeFirst: 'sequence the underlying condition first',
  useAdditionalCode: 'add a code for this as well',
};

function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

function fyOf(date) {
  // ICD-10 fiscal years start on October 1: 2020-10-01 -> FY2021
  const m = /^(\d{4})-(\d{2})/.exec(date || '');
  if (!m) return date || '';
  return `FY${Number(m[1]) + (Number(m[2]) >= 10 ? 1 : 0)}`;
}

/* ---------------- the index ---------------- */

let readyPromise = null;
/** Resolves when the server's code index is ready (or cannot be: no code sets, failed). */
export function indexReady() {
  if (readyPromise) return readyPromise;
  readyPromise = (async () => {
    for (let i = 0; i < 240; i++) {
      let v;
      try { v = await api('GET', '/codes/versions'); } catch (e) { readyPromise = null; throw e; }
      const ix = (v && v.index) || {};
      if (ix.state === 'ready' || ix.state === 'failed' || ix.state === 'none') {
        if (ix.state !== 'ready') readyPromise = null; // ask again next time (a load may follow)
        return ix;
      }
      await sleep(i < 10 ? 300 : 1000);
    }
    readyPromise = null;
    return { state: 'building' };
  })();
  return readyPromise;
}

function statusBadge(hit) {
  if (hit.needs_seventh) return h('span', { class: 'badge cx-b-7th', title: 'report it with a 7th character' }, 'needs 7th');
  return hit.billable ? h('span', { class: 'badge cx-b-bill', title: 'valid for reporting' }, 'billable')
    : h('span', { class: 'badge cx-b-head', title: 'a header: pick a code below it' }, 'header');
}

/* ---------------- the picker ---------------- */

export function codePicker(opts = {}) {
  const limit = Math.min(Math.max(Number(opts.limit) || 15, 1), 100);
  let system = opts.system || 'all';
  const inputId = opts.id || nextId('cx-q');
  const listId = nextId('cx-list');
  const input = h('input', {
    id: inputId, type: 'search', role: 'combobox', autocomplete: 'off', spellcheck: 'false',
    'aria-autocomplete': 'list', 'aria-expanded': 'false', 'aria-controls': listId,
    placeholder: opts.placeholder || 'words, an abbreviation (CHF) or a code (E11.9)', 'data-search-focus': '',
    class: 'cx-input', maxlength: 256,
  });
  const list = h('ul', { id: listId, role: 'listbox', class: 'cx-list', 'aria-label': 'Matching codes', hidden: true });
  const live = h('div', { class: 'sr-only', 'aria-live': 'polite', role: 'status' });
  const note = h('div', { class: 'cx-note small muted', 'aria-live': 'polite' });
  const el = h('div', { class: 'cx-picker' },
    h('label', { for: inputId, class: 'cx-label' }, opts.label || 'Find a code'),
    input, note, list, live);
  let hits = [];
  let active = -1;
  let timer = null;
  let reqSeq = 0;
  let lastQuery = null;
  let seventhOf = null; // the stem whose 7th characters are offered
  let shownQuery = ''; // the query whose hits are listed

  function setExpanded(open) {
    list.hidden = !open;
    input.setAttribute('aria-expanded', open ? 'true' : 'false');
    if (!open) input.removeAttribute('aria-activedescendant');
  }

  function setActive(i) {
    const items = [...list.querySelectorAll('[role=option]')];
    if (!items.length) { active = -1; return; }
    active = (i + items.length) % items.length;
    items.forEach((li, k) => li.setAttribute('aria-selected', k === active ? 'true' : 'false'));
    const cur = items[active];
    input.setAttribute('aria-activedescendant', cur.id);
    cur.scrollIntoView({ block: 'nearest' });
    if (opts.onActive && !seventhOf && hits[active]) opts.onActive(hits[active]);
  }

  function hitRow(hit, i) {
    const sev = hit.needs_seventh && hit.seventh && hit.seventh.length
      ? h('div', { class: 'cx-sev small' }, '7th: ', hit.seventh.map((s) => h('span', { class: 'cx-7', title: s.label }, s.value)))
      : null;
    const li = h('li', {
      id: `${listId}-o${i}`, role: 'option', 'aria-selected': 'false', class: 'cx-hit',
      'data-code': hit.code, 'data-system': hit.system,
    },
    h('span', { class: 'cx-code mono' }, hit.dotted),
    h('span', { class: 'cx-title' }, hit.title,
      hit.matched_term ? h('span', { class: 'cx-term small muted' }, ` — matched “${hit.matched_term}”`) : null),
    h('span', { class: 'cx-badges' }, statusBadge(hit),
      system === 'all' ? h('span', { class: 'badge cx-sys' }, SYSTEM_LABEL[hit.system] || hit.system) : null),
    sev);
    li.addEventListener('mousedown', (e) => e.preventDefault()); // keep the focus in the box
    li.addEventListener('click', () => { setActive(i); pick(i); });
    li.addEventListener('mousemove', () => { if (active !== i) setActive(i); });
    return li;
  }

  function render(resp) {
    seventhOf = null;
    hits = (resp && resp.hits) || [];
    mount(list, hits.map(hitRow));
    active = -1;
    const q = input.value.trim();
    if (!q) {
      setExpanded(false);
      live.textContent = '';
      return;
    }
    setExpanded(true);
    if (!hits.length) list.appendChild(h('li', { class: 'cx-empty muted', role: 'presentation' }, `No code matches “${q}”.`));
    const total = resp && resp.total > hits.length ? ` (of ${resp.total})` : '';
    live.textContent = hits.length ? `${hits.length} codes${total} match. First: ${hits[0].dotted} ${hits[0].title}` : 'No code matches.';
  }

  function offerSeventh(hit) {
    seventhOf = hit;
    mount(list, h('li', { class: 'cx-sev-head', role: 'presentation' },
      `${hit.dotted} ${hit.title} — choose the 7th character:`),
    hit.seventh.map((s, i) => {
      const li = h('li', {
        id: `${listId}-s${i}`, role: 'option', 'aria-selected': 'false', class: 'cx-hit cx-sev-opt', 'data-seventh': s.value,
      }, h('span', { class: 'cx-code mono' }, `${hit.dotted}${s.value}`), h('span', { class: 'cx-title' }, s.label));
      li.addEventListener('mousedown', (e) => e.preventDefault());
      li.addEventListener('click', () => pickSeventh(s));
      return li;
    }));
    setExpanded(true);
    setActive(0);
    live.textContent = `${hit.dotted} needs a 7th character: ${hit.seventh.length} choices.`;
  }

  function pickSeventh(s) {
    const stem = seventhOf;
    const full = { ...stem, code: stem.code + s.value, dotted: stem.dotted + s.value,
      title: `${stem.title}, ${s.label}`, billable: true, needs_seventh: false, seventh: [] };
    seventhOf = null;
    done(full);
  }

  function done(hit) {
    if (!opts.keepOpen) {
      setExpanded(false);
    } else {
      render({ hits, total: hits.length });
    }
    live.textContent = `Picked ${hit.dotted} ${hit.title}`;
    if (opts.onPick) opts.onPick(hit);
  }

  function pick(i) {
    if (seventhOf) {
      const s = seventhOf.seventh[i];
      if (s) pickSeventh(s);
      return;
    }
    const hit = hits[i];
    if (!hit) return;
    if (hit.needs_seventh && hit.seventh && hit.seventh.length) offerSeventh(hit);
    else done(hit);
  }

  async function search(q) {
    const my = ++reqSeq;
    if (!q) { shownQuery = ''; render({ hits: [] }); note.textContent = ''; return; }
    try {
      const ix = await indexReady();
      if (my !== reqSeq) return;
      if (ix.state === 'building') note.textContent = 'Preparing the code index…';
      let resp;
      for (let tries = 0; ; tries++) {
        try {
          resp = await api('GET', '/codes/search', { query: { q, system, limit } });
          break;
        } catch (e) {
          if (e.status !== 503 || tries > 60) throw e;
          note.textContent = 'Preparing the code index…';
          await sleep(1000);
          if (my !== reqSeq) return;
        }
      }
      if (my !== reqSeq) return; // a newer query is on its way
      note.textContent = resp.stale ? 'The code sets changed: the index is being rebuilt.' : '';
      shownQuery = q;
      render(resp);
    } catch (e) {
      if (my !== reqSeq) return;
      render({ hits: [] });
      setExpanded(false);
      note.textContent = '';
      mount(note, h('span', { class: 'cx-error', role: 'alert' }, errorText(e)));
    }
  }

  function schedule() {
    clearTimeout(timer);
    const q = input.value.trim();
    if (q === lastQuery) return;
    lastQuery = q;
    timer = setTimeout(() => search(q), q.length <= 2 ? 220 : 130);
  }

  input.addEventListener('input', schedule);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (list.hidden && hits.length) setExpanded(true);
      setActive(active < 0 ? (e.key === 'ArrowDown' ? 0 : -1) : active + (e.key === 'ArrowDown' ? 1 : -1));
      e.preventDefault();
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const q = input.value.trim();
      if (q && q !== shownQuery && !seventhOf) {
        // typed faster than the debounce: search now, then take the first hit
        clearTimeout(timer);
        lastQuery = q;
        search(q).then(() => { if (shownQuery === q && hits.length) pick(0); });
        return;
      }
      if (!list.hidden) pick(active < 0 ? 0 : active);
    } else if (e.key === 'Escape') {
      if (seventhOf) { render({ hits, total: hits.length }); e.preventDefault(); return; }
      if (!list.hidden) setExpanded(false);
      else { input.value = ''; lastQuery = null; render({ hits: [] }); }
      e.preventDefault();
    }
  });
  input.addEventListener('blur', () => { if (!opts.keepOpen) setTimeout(() => setExpanded(false), 150); });
  input.addEventListener('focus', () => { if (hits.length && input.value.trim()) setExpanded(true); });
  indexReady().catch(() => {}); // start the build early

  return {
    el, input,
    focus() { input.focus(); },
    clear() { input.value = ''; lastQuery = null; render({ hits: [] }); note.textContent = ''; },
    setQuery(text) { input.value = text || ''; schedule(); },
    setSystem(s) { system = s || 'all'; lastQuery = null; schedule(); },
    destroy() { clearTimeout(timer); reqSeq++; },
  };
}

/* ---------------- the detail panel ---------------- */

export function codeDetail(opts = {}) {
  const el = h('section', { class: 'cx-detail', 'aria-live': 'polite', 'aria-label': 'Code details' },
    h('p', { class: 'muted' }, 'Pick a code to see its notes.'));
  const H = opts.heading === 'h3' ? 'h3' : 'h2';
  let cur = null;
  let showSeq = 0;
  const follow = (system, code) => (opts.onCode ? opts.onCode(system, code) : show(system, code));

  function codeLink(system, code, dotted, label) {
    return h('a', {
      href: `#/codes?system=${encodeURIComponent(system)}&code=${encodeURIComponent(code)}`, class: 'mono cx-link',
      onclick: (e) => { e.preventDefault(); follow(system, code); },
    }, label || dotted || code);
  }

  function notesBlock(d) {
    const groups = new Map();
    for (const n of d.notes || []) {
      if (n.type === 'sevenChrDef') continue;
      if (!groups.has(n.type)) groups.set(n.type, []);
      groups.get(n.type).push(n);
    }
    if (!groups.size) return h('p', { class: 'muted small' }, 'No instructional notes in the loaded tabular.');
    const types = [...groups.keys()].sort((a, b) => {
      const ia = NOTE_ORDER.indexOf(a); const ib = NOTE_ORDER.indexOf(b);
      return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
    });
    return h('div', { class: 'cx-notes' }, types.map((t) => h('div', { class: `cx-note-group cx-n-${t}`, 'data-note-type': t },
      h('h4', NOTE_LABEL[t] || t, NOTE_HINT[t] ? h('span', { class: 'small muted' }, ` — ${NOTE_HINT[t]}`) : null),
      h('ul', groups.get(t).map((n) => h('li', { 'data-from': n.from_code },
        n.text,
        n.refs && n.refs.length ? h('span', { class: 'cx-refs' }, ' ', n.refs.map((r) => codeLink(d.system, r.replace('.', ''), r))) : null,
        n.inherited ? h('span', { class: 'cx-from small muted' }, ' · stated at ', codeLink(d.system, n.from_code, n.from_dotted)) : null))))));
  }

  function render(d) {
    const sevens = d.seventh || [];
    const head = h(H, { class: 'cx-d-title' }, h('span', { class: 'mono cx-d-code' }, d.dotted), ' ', d.title);
    const facts = h('p', { class: 'cx-d-facts' },
      h('span', { class: 'badge cx-sys' }, SYSTEM_LABEL[d.system] || d.system),
      d.billable ? h('span', { class: 'badge cx-b-bill' }, 'billable')
        : sevens.length && d.kind !== 'chapter' && d.kind !== 'section' ? h('span', { class: 'badge cx-b-7th' }, 'needs 7th')
          : h('span', { class: 'badge cx-b-head' }, 'header'),
      h('span', { class: 'small muted' }, ` ${d.kind} · in force ${d.effective_from}${d.effective_to ? ` to ${d.effective_to}` : ' on'}`));
    const borrowed = d.has_title === false
      ? h('p', { class: 'note small' }, 'The loaded code set gives this code no title (a list of valid codes only).')
      : d.title_from ? h('p', { class: 'note small cx-title-from' },
        `Title from the ${fyOf(d.title_from)} code set (in force from ${d.title_from}): the ${fyOf(d.effective_from)} release loaded lists valid codes without titles.`) : null;
    const crumbs = (d.parents || []).length ? h('nav', { class: 'cx-crumbs small', 'aria-label': 'Hierarchy' },
      h('ol', d.parents.map((p) => h('li', codeLink(d.system, p.code, p.dotted), ' ', h('span', { class: 'muted' }, p.title))))) : null;
    const sev = sevens.length ? h('div', { class: 'cx-seventh' },
      h('h4', '7th characters', h('span', { class: 'small muted' }, ` — stated at ${sevens[0].from_dotted}`)),
      h('table', { class: 'grid-table cx-7-table' }, h('tbody', sevens.map((s) => h('tr', h('td', { class: 'mono' }, s.value), h('td', s.label)))))) : null;
    const kids = (d.children || []).length ? h('div', { class: 'cx-children' }, h('h4', `Codes under ${d.dotted}`),
      h('ul', d.children.map((c) => h('li', codeLink(d.system, c.code, c.dotted), ' ', c.title, ' ',
        c.billable ? h('span', { class: 'badge cx-b-bill' }, 'billable') : null)))) : null;
    const structure = d.structure_from ? h('p', { class: 'small muted' }, `Hierarchy and notes from the ${fyOf(d.structure_from)} tabular.`) : null;
    mount(el, head, facts, borrowed, crumbs, sev, h('h4', { class: 'cx-notes-h' }, 'Notes'), notesBlock(d), structure, kids);
  }

  async function show(system, code, date) {
    const my = ++showSeq;
    cur = { system, code, date };
    mount(el, h('p', { class: 'muted' }, 'Loading…'));
    try {
      const d = await api('GET', `/codes/${encodeURIComponent(system)}/${encodeURIComponent(code)}`, { query: { date } });
      if (my !== showSeq) return;
      render(d);
    } catch (e) {
      if (my !== showSeq) return;
      mount(el, h('div', { class: 'msg msg-error', role: 'alert' }, errorText(e)));
    }
  }

  return {
    el, show,
    clear() { cur = null; mount(el, h('p', { class: 'muted' }, 'Pick a code to see its notes.')); },
    current() { return cur; },
  };
}

/* ---------------- the PCS builder ---------------- */

export function pcsBuilder(opts = {}) {
  const uid = nextId('pcs');
  const el = h('section', { class: 'cx-pcs', 'aria-label': 'ICD-10-PCS builder' });
  const live = h('div', { class: 'sr-only', 'aria-live': 'polite', role: 'status' });
  let prefix = '';
  let stepSeq = 0;

  function slots(chosen, complete) {
    const cells = [];
    for (let i = 0; i < 7; i++) {
      const c = chosen[i];
      cells.push(h('span', { class: ['cx-slot', c ? 'set' : '', !complete && i === chosen.length ? 'next' : ''], title: c ? `${c.axis_title}: ${c.label}` : `position ${i + 1}` },
        c ? c.value : '·'));
    }
    return h('div', { class: 'cx-slots mono', 'aria-hidden': 'true' }, cells);
  }

  function crumbs(chosen) {
    return h('nav', { class: 'cx-pcs-crumbs', 'aria-label': 'Characters chosen' },
      h('ol', h('li', h('button', { type: 'button', class: 'link', onclick: () => go('') }, 'Start')),
        chosen.map((c, i) => h('li', h('button', {
          type: 'button', class: 'link', 'data-position': String(c.position),
          title: `Go back to position ${c.position} (${c.axis_title})`, onclick: () => go(prefix.slice(0, i)),
        }, h('span', { class: 'mono' }, c.value), ` ${c.label || ''}`)))));
  }

  function optionList(d) {
    const ul = h('ul', { class: 'cx-pcs-options', role: 'list' }, (d.options || []).map((o) => h('li',
      h('button', {
        type: 'button', class: 'cx-pcs-opt', 'data-value': o.value,
        'aria-describedby': o.definition ? `${uid}-d-${o.value}` : null,
        onclick: () => go(prefix + o.value),
      }, h('span', { class: 'mono cx-pcs-v' }, o.value), ' ', h('span', { class: 'cx-pcs-l' }, o.label)),
      o.definition ? h('div', { class: 'small muted cx-pcs-def', id: `${uid}-d-${o.value}` }, o.definition) : null)));
    ul.addEventListener('keydown', (e) => {
      if (!['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(e.key)) return;
      const all = [...ul.querySelectorAll('button')];
      const i = all.indexOf(document.activeElement);
      let n = i;
      if (e.key === 'ArrowDown') n = Math.min(all.length - 1, i + 1);
      else if (e.key === 'ArrowUp') n = Math.max(0, i - 1);
      else if (e.key === 'Home') n = 0;
      else n = all.length - 1;
      if (all[n]) all[n].focus();
      e.preventDefault();
    });
    return ul;
  }

  function render(d) {
    const chosen = d.chosen || [];
    const head = d.complete
      ? h('div', { class: 'cx-pcs-done' },
        h('p', { class: 'cx-pcs-code' }, h('span', { class: 'mono' }, d.code), ' ', h('span', { class: 'cx-pcs-title' }, d.title)),
        opts.onComplete ? h('button', { type: 'button', class: 'primary', onclick: () => opts.onComplete(d.code, d.title) }, opts.completeLabel || 'Use this code') : null,
        h('button', { type: 'button', onclick: () => go('') }, 'Start over'))
      : h('div', { class: 'cx-pcs-step' },
        h('h3', { tabindex: '-1', class: 'cx-pcs-h' }, `Position ${d.position} of 7: ${d.axis_title}`),
        h('p', { class: 'small muted' }, `${(d.options || []).length} value${(d.options || []).length === 1 ? '' : 's'} allowed after “${d.prefix || ''}”`),
        optionList(d));
    mount(el, slots(chosen, d.complete), crumbs(chosen), head,
      h('p', { class: 'small muted' }, `ICD-10-PCS ${d.version ? d.version.label : ''} tables`), live);
    live.textContent = d.complete ? `Complete: ${d.code} ${d.title}` : `Position ${d.position}, ${d.axis_title}: ${(d.options || []).length} choices`;
  }

  async function go(p) {
    const my = ++stepSeq;
    const hadFocus = el.contains(document.activeElement);
    try {
      let d;
      for (let tries = 0; ; tries++) {
        try {
          d = await api('GET', '/codes/pcs', { query: { prefix: p, date: opts.date } });
          break;
        } catch (e) {
          if (e.status !== 503 || tries > 60) throw e;
          mount(el, h('p', { class: 'muted' }, 'Preparing the code index…'));
          await sleep(1000);
          if (my !== stepSeq) return;
        }
      }
      if (my !== stepSeq) return;
      prefix = d.prefix || '';
      render(d);
      if (opts.onChange) opts.onChange(prefix);
      if (hadFocus) {
        const f = el.querySelector('.cx-pcs-opt') || el.querySelector('.cx-pcs-done button');
        if (f) f.focus();
      }
    } catch (e) {
      if (my !== stepSeq) return;
      mount(el, h('div', { class: 'msg msg-error', role: 'alert' }, errorText(e)),
        prefix !== p ? h('button', { type: 'button', onclick: () => go(prefix) }, 'Back') : h('button', { type: 'button', onclick: () => go('') }, 'Start over'));
    }
  }

  indexReady().then(() => go(opts.prefix || ''), () => go(opts.prefix || ''));
  return {
    el,
    reset() { go(''); },
    setPrefix(p) { go(p || ''); },
    prefix() { return prefix; },
  };
}

