// Patient search: name ("Family, Given"), birth date, MRN; a paged results table.
import { api } from './api.js';
import { h, mount, dash, field, itemsOf, keyRows } from './dom.js';

const PAGE = 25;

export function patientName(p) {
  if (!p) return '';
  const n = p.name && typeof p.name === 'object' ? p.name : p;
  if (!n.family && !n.given) return '';
  let s = n.family || '';
  if (n.given) s += (s ? ', ' : '') + n.given;
  if (n.middle) s += ' ' + n.middle;
  return s;
}

/** Birth date as sent: the full date, or the year only for de-identified views. */
export function birthText(p) {
  return dash(p.birth_date ?? p.birth_year);
}

export async function searchScreen(ctx) {
  const { app, main, query } = ctx;
  app.setTitle('Patients');
  const ident = app.can('identifiers');
  const q = {
    name: query.get('name') || '',
    birth_date: query.get('birth_date') || '',
    mrn: query.get('mrn') || '',
    offset: Math.max(0, parseInt(query.get('offset') || '0', 10) || 0),
  };
  const name = h('input', { name: 'name', value: q.name, placeholder: 'Family, Given', autocomplete: 'off', 'data-search-focus': '' });
  const birth = h('input', { name: 'birth_date', value: q.birth_date, placeholder: 'YYYY-MM-DD', inputmode: 'numeric', autocomplete: 'off', size: 12 });
  const mrn = h('input', { name: 'mrn', value: q.mrn, autocomplete: 'off', size: 12 });
  if (!ident) birth.setAttribute('data-search-focus', '');
  const results = h('div', { class: 'results', 'aria-live': 'polite' });
  const form = h('form', {
    class: 'search-form', role: 'search', 'aria-label': 'Patient search',
    onsubmit: (e) => {
      e.preventDefault();
      const p = new URLSearchParams();
      if (ident && name.value.trim()) p.set('name', name.value.trim());
      if (birth.value.trim()) p.set('birth_date', birth.value.trim());
      if (ident && mrn.value.trim()) p.set('mrn', mrn.value.trim());
      app.navigate('#/search?' + p.toString());
    },
  },
  ident ? field('Name', name, 'Family, Given — any start of a name') : null,
  field('Birth date', birth, ident ? 'YYYY, YYYY-MM or YYYY-MM-DD' : 'YYYY'),
  ident ? field('MRN', mrn) : null,
  h('div', { class: 'field actions' }, h('button', { type: 'submit', class: 'primary' }, 'Search')));

  mount(main, h('section', { class: 'panel' },
    h('h1', 'Patients'),
    ident ? null : h('p', { class: 'note' }, 'De-identified view: names, identifiers and exact birth dates are not shown for your role.'),
    form, results));

  const searched = q.name || q.birth_date || q.mrn || query.has('offset') || query.has('all');
  if (!searched) {
    mount(results, h('p', { class: 'muted' }, 'Enter a name, birth date or MRN and press Enter. ',
      h('a', { href: '#/search?all=1' }, 'List all patients'), '.'));
    (ident ? name : birth).focus();
    return;
  }
  mount(results, h('p', { class: 'muted' }, 'Searching…'));
  const resp = await api('GET', '/patients', {
    query: { name: ident ? q.name : '', birth_date: q.birth_date, mrn: ident ? q.mrn : '', limit: PAGE, offset: q.offset },
  });
  if (!ctx.isCurrent()) return;
  const items = itemsOf(resp);
  const total = typeof resp.total === 'number' ? resp.total : items.length;
  if (!items.length) {
    mount(results, h('p', { class: 'muted', role: 'status' }, 'No patients match.'));
    (ident ? name : birth).focus();
    return;
  }
  const tbody = h('tbody', items.map((p) => h('tr', { tabindex: 0, 'data-id': p.id, 'aria-label': `Open chart ${patientName(p) || 'patient ' + p.id}` },
    ident ? h('td', { class: 'mono' }, dash(p.mrn)) : h('td', { class: 'mono' }, String(p.id)),
    ident ? h('td', h('a', { href: `#/patient/${p.id}`, tabindex: -1 }, patientName(p) || `Patient ${p.id}`)) : null,
    h('td', birthText(p)),
    h('td', dash(p.sex)),
    h('td', h('span', { class: `badge st-${p.status || 'none'}` }, dash(p.status)), p.deceased_at ? h('span', { class: 'badge st-deceased' }, 'deceased') : null),
    ident ? null : h('td', h('a', { href: `#/patient/${p.id}`, tabindex: -1 }, 'Open')))));
  keyRows(tbody, (row) => app.navigate(`#/patient/${row.dataset.id}`));
  const table = h('table', { class: 'grid-table patients' },
    h('caption', { class: 'sr-only' }, 'Matching patients'),
    h('thead', h('tr', ident ? h('th', 'MRN') : h('th', 'Patient #'), ident ? h('th', 'Name') : null,
      h('th', ident ? 'Birth date' : 'Birth year'), h('th', 'Sex'), h('th', 'Status'), ident ? null : h('th', h('span', { class: 'sr-only' }, 'Open')))),
    tbody);
  const pager = pagerFor(total, q.offset, PAGE, (off) => {
    const p = new URLSearchParams(query);
    p.set('offset', String(off));
    app.navigate('#/search?' + p.toString());
  });
  mount(results, h('div', { class: 'table-wrap' }, table), pager);
  tbody.firstElementChild.focus();
}

export function pagerFor(total, offset, limit, go) {
  const first = total ? offset + 1 : 0;
  const last = Math.min(offset + limit, total);
  return h('div', { class: 'pager' },
    h('span', { class: 'count', role: 'status' }, `${first}–${last} of ${total}`),
    h('button', { type: 'button', disabled: offset <= 0, onclick: () => go(Math.max(0, offset - limit)) }, '‹ Previous'),
    h('button', { type: 'button', disabled: last >= total, onclick: () => go(offset + limit) }, 'Next ›'));
}
