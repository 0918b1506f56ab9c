// Small DOM helpers. Everything is built with createElement/textContent: no HTML strings, so data
// from the server can never become markup, and nothing needs 'unsafe-inline' under the CSP.

const SVG_NS = 'http://www.w3.org/2000/svg';

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

function setAttrs(el, attrs) {
  if (!attrs) return;
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    else if (k === 'text') el.textContent = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value' && 'value' in el) el.value = v;
    else if (k === 'checked' || k === 'disabled' || k === 'selected') el[k] = !!v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

/** h('div', {class: 'x', onclick: fn}, 'text', child, [more]) */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** The same for SVG elements. */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'text') el.textContent = v;
      else el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function mount(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

/** "—" for missing values, so a redacted field never shows as "undefined". */
export function dash(v) {
  return v === null || v === undefined || v === '' ? '—' : String(v);
}

/** A labelled form field: <label for=id>text</label><input id=id ...>. */
let fieldSeq = 0;
export function field(label, input, hint) {
  if (!input.id) input.id = 'f' + (++fieldSeq);
  return h('div', { class: 'field' },
    h('label', { for: input.id }, label),
    input,
    hint ? h('span', { class: 'hint' }, hint) : null);
}

/** Date/time text for display: "2024-03-01 14:05" from ISO "2024-03-01T14:05:00Z". */
export function fmtTime(t) {
  if (!t) return '—';
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}))?/.exec(String(t));
  if (!m) return String(t);
  return m[2] ? `${m[1]} ${m[2]}` : m[1];
}
export function fmtDate(t) {
  if (!t) return '—';
  const m = /^(\d{4}(?:-\d{2}(?:-\d{2})?)?)/.exec(String(t));
  return m ? m[1] : String(t);
}

/** Parses an ISO date/time (date-only, or with time and Z/offset) into ms since epoch, or NaN. */
export function parseTime(t) {
  if (!t) return NaN;
  let str = String(t);
  if (/^\d{4}$/.test(str)) str += '-01-01';
  else if (/^\d{4}-\d{2}$/.test(str)) str += '-01';
  if (/^\d{4}-\d{2}-\d{2}$/.test(str)) str += 'T00:00:00Z';
  return Date.parse(str);
}

/** Items of a list response: {items:[...]}, or a bare array, or the first array member. */
export function itemsOf(resp) {
  if (Array.isArray(resp)) return resp;
  if (!resp || typeof resp !== 'object') return [];
  if (Array.isArray(resp.items)) return resp.items;
  for (const v of Object.values(resp)) if (Array.isArray(v)) return v;
  return [];
}

/** Keyboard navigation for a table body whose rows open something: Up/Down move, Enter opens. */
export function keyRows(tbody, open) {
  tbody.addEventListener('keydown', (e) => {
    const row = e.target.closest('tr');
    if (!row || row.parentElement !== tbody) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      const next = e.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling;
      if (next) next.focus();
      e.preventDefault();
    } else if (e.key === 'Enter') {
      open(row);
      e.preventDefault();
    }
  });
  tbody.addEventListener('click', (e) => {
    if (e.target.closest('a,button,input')) return;
    const row = e.target.closest('tr');
    if (row && row.parentElement === tbody) open(row);
  });
}
