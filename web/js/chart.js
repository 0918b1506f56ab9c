// The chart: banner, then tabs for summary, encounters (timeline), documents (reading, history,
// side-by-side amendment view), results (table + trend) and, for privacy officers, access report.
// A restricted chart asks for a reason first (break the glass, docs/privacy.md).
import { api, errorText } from './api.js';
import { h, mount, dash, fmtTime, fmtDate, itemsOf, keyRows, field } from './dom.js';
import { patientName, birthText } from './search.js';
import { encounterTimeline, trendPlot, isAbnormal } from './plot.js';
import { diffLines, sideBySide, diffStats } from './diff.js';

let cached = { id: null, patient: null, at: 0 };

async function loadPatient(id, fresh) {
  if (!fresh && cached.id === id && cached.patient && Date.now() - cached.at < 5 * 60000) return cached.patient;
  const p = await api('GET', `/patients/${id}`);
  cached = { id, patient: p, at: Date.now() };
  return p;
}

function errorBox(err) {
  return h('div', { class: 'msg msg-error', role: 'alert' }, errorText(err));
}

function dl(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter((p) => p).map(([k, v]) => [h('dt', k), h('dd', v instanceof Node ? v : dash(v))]));
}

function table(cls, headers, rows, caption) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'grid-table ' + (cls || '') },
    caption ? h('caption', caption) : null,
    h('thead', h('tr', headers.map((x) => h('th', x)))),
    h('tbody', rows)));
}

function statusBadge(st) {
  return h('span', { class: `badge st-${String(st || 'none').replace(/[^a-z-]/gi, '')}` }, dash(st));
}

const TABS = [
  { key: 'summary', label: 'Summary' },
  { key: 'encounters', label: 'Encounters' },
  { key: 'documents', label: 'Documents', perm: 'document.read' },
  { key: 'results', label: 'Results', perm: 'result.read' },
  { key: 'access', label: 'Access report', perm: 'audit.read' },
];

export async function chartScreen(ctx) {
  const { app, main, parts } = ctx;
  const id = parseInt(parts[1], 10);
  if (!(id > 0)) throw new Error('No such patient.');
  let tab = parts[2] || 'summary';
  if (tab === 'document') tab = 'documents';
  const tabs = TABS.filter((t) => !t.perm || app.can(t.perm));
  // A document link (bookmarked, or from an encounter) is always tried: the server decides, and
  // a refusal shows its message. Tabs the roles do not include are otherwise not offered.
  if (!tabs.some((t) => t.key === tab) && parts[2] !== 'document') tab = 'summary';
  const fresh = parts.length === 2 && !ctx.query.has('keep');
  const banner = h('div', { class: 'banner' }, h('span', { class: 'muted' }, 'Loading chart…'));
  const body = h('div', { class: 'tab-body', role: 'tabpanel' });
  const tablist = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Chart sections' },
    tabs.map((t) => h('a', {
      role: 'tab', href: `#/patient/${id}/${t.key}`, 'data-tab': t.key,
      'aria-selected': t.key === tab ? 'true' : 'false', tabindex: t.key === tab ? 0 : -1,
    }, t.label)));
  tablist.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    const all = [...tablist.querySelectorAll('[role=tab]')];
    const i = all.indexOf(document.activeElement);
    const next = all[(i + (e.key === 'ArrowRight' ? 1 : all.length - 1)) % all.length];
    next.focus();
    e.preventDefault();
  });
  mount(main, h('section', { class: 'chart' }, banner, tablist, body));

  let p;
  try {
    p = await loadPatient(id, fresh);
  } catch (err) {
    // A restricted chart the user has no care relationship with: the server refuses every
    // patient-scoped call with field "break_the_glass" until a reason is stated.
    if (err && err.status === 403 && err.field === 'break_the_glass' && ctx.isCurrent()) {
      breakGlassPrompt(ctx, id, banner, tablist, body);
      return;
    }
    throw err;
  }
  if (!ctx.isCurrent()) return;
  const name = patientName(p);
  app.setTitle(name || `Patient ${id}`);
  mount(banner,
    h('h1', { class: 'pt-name' }, name || (p.merged_into ? `Merged chart #${id}` : `Patient #${id}`),
      !name && p.redacted ? h('span', { class: 'badge st-deid' }, 'de-identified') : null),
    h('span', { class: 'kv' }, h('b', app.can('identifiers') ? 'Born ' : 'Birth year '), birthText(p)),
    h('span', { class: 'kv' }, h('b', 'Sex '), dash(p.sex)),
    p.mrn ? h('span', { class: 'kv' }, h('b', 'MRN '), h('span', { class: 'mono' }, p.mrn)) : null,
    h('span', { class: 'kv' }, statusBadge(p.status)),
    p.deceased_at ? h('span', { class: 'badge st-deceased' }, `deceased ${fmtDate(p.deceased_at)}`) : null,
    p.merged_into ? h('span', { class: 'badge st-merged' }, `merged into #${p.merged_into}`) : null,
    app.can('privacy.review') ? restrictionBadges(ctx, id) : null);

  try {
    if (tab === 'summary') renderSummary(body, p);
    else if (tab === 'encounters') await renderEncounters(ctx, body, id);
    else if (tab === 'documents') {
      if (parts[2] === 'document' && parts[3]) await renderDocument(ctx, body, id, parseInt(parts[3], 10), parts[4], parseInt(parts[5], 10));
      else await renderDocuments(ctx, body, id);
    } else if (tab === 'results') await renderResults(ctx, body, id);
    else if (tab === 'access') await renderAccess(ctx, body, id);
  } catch (err) {
    if (err && err.status === 401) throw err;
    if (ctx.isCurrent()) mount(body, errorBox(err));
  }
}

/* ---------------- restricted charts (docs/privacy.md) ---------------- */

/** The break-the-glass prompt: a warning, a required reason and the button; the chart opens after. */
function breakGlassPrompt(ctx, id, banner, tablist, body) {
  ctx.app.setTitle('Restricted chart');
  tablist.remove(); // the chart's sections come back with the chart
  mount(banner, h('h1', { class: 'pt-name' }, 'Restricted chart'), h('span', { class: 'badge st-restricted' }, 'restricted'));
  const msg = h('div', { 'aria-live': 'polite' });
  const reason = h('textarea', { name: 'reason', rows: 3, cols: 60, 'aria-required': 'true', maxlength: 500 });
  const button = h('button', { type: 'submit', class: 'primary danger' }, 'Break the glass');
  const form = h('form', {
    class: 'btg-form', 'aria-label': 'Break the glass', onsubmit: async (e) => {
      e.preventDefault();
      button.disabled = true;
      try {
        // The server checks the reason (required, at least 10 characters) and says what is wrong.
        await api('POST', `/patients/${id}/break-glass`, { body: { reason: reason.value } });
        cached = { id: null, patient: null, at: 0 };
        if (!ctx.isCurrent()) return;
        await chartScreen(ctx);
      } catch (err) {
        if (err.status === 401) throw err;
        mount(msg, h('div', { class: 'msg msg-error', role: 'alert' }, errorText(err)));
        button.disabled = false;
        reason.focus();
      }
    },
  },
  field('Reason for access (required)', reason, 'for example: covering the emergency department, the patient is unconscious'),
  h('div', { class: 'actions' }, button, h('a', { href: '#/search' }, 'Cancel')));
  mount(body, h('section', { class: 'card btg' },
    h('div', { class: 'msg msg-warn', role: 'alert' },
      h('span', h('b', 'This chart is restricted. '),
        'You have no care relationship with this patient. You may open it only if you have a reason; ',
        'your access and the reason are recorded and reviewed by the privacy officer.')),
    msg, form));
  reason.focus();
}

/** For the privacy officer: the chart's restricted/VIP state, with a link to change it. */
function restrictionBadges(ctx, id) {
  const box = h('span', { class: 'kv restriction' });
  api('GET', `/patients/${id}/restriction`).then((r) => {
    if (!ctx.isCurrent()) return;
    mount(box,
      r.restricted ? h('span', { class: 'badge st-restricted' }, 'restricted') : null,
      r.vip ? h('span', { class: 'badge st-vip' }, 'VIP') : null,
      ' ', h('a', { href: `#/privacy?patient=${id}` }, r.restricted || r.vip ? 'Change restriction' : 'Restrict chart'));
  }).catch(() => { /* the badges are a convenience: the chart shows without them */ });
  return box;
}

/* ---------------- summary ---------------- */

function renderSummary(body, p) {
  const ids = p.identifiers || [];
  const names = p.names || [];
  const addrs = p.addresses || [];
  const phones = p.phones || [];
  mount(body,
    h('div', { class: 'cols' },
      h('section', { class: 'card' }, h('h2', 'Demographics'), dl([
        ['Birth date', p.birth_date ?? p.birth_year], ['Sex', p.sex], ['Language', p.language],
        ['Marital status', p.marital_status], ['Race', p.race], ['Ethnicity', p.ethnicity],
        p.email !== undefined ? ['Email', p.email] : null, ['Status', p.status],
        p.deceased_at ? ['Deceased', fmtTime(p.deceased_at)] : null,
        ['Encounters', p.n_encounters], ['Record version', p.version], ['Updated', fmtTime(p.updated_at)],
      ])),
      h('section', { class: 'card' }, h('h2', 'Identifiers'),
        ids.length ? table('', ['Kind', 'Assigner', 'Value', 'Active'], ids.map((i) => h('tr',
          h('td', dash(i.kind)), h('td', dash(i.assigner)), h('td', { class: 'mono' }, dash(i.value)),
          h('td', i.active === false ? 'no' : 'yes')))) : h('p', { class: 'muted' }, 'None shown.'))),
    h('section', { class: 'card' }, h('h2', 'Previous and other names'),
      names.length ? table('', ['Use', 'Name', 'From', 'To', 'Current'], names.map((n) => h('tr',
        h('td', dash(n.use)), h('td', [n.prefix, patientName(n), n.suffix].filter(Boolean).join(' ') || '—'),
        h('td', fmtDate(n.valid_from)), h('td', fmtDate(n.valid_to)), h('td', n.current ? 'yes' : 'no')))) : h('p', { class: 'muted' }, 'None shown.')),
    h('section', { class: 'card' }, h('h2', 'Addresses'),
      addrs.length ? table('', ['Use', 'Address', 'City', 'State', 'ZIP', 'County', 'From', 'To', 'Current'], addrs.map((a) => h('tr',
        h('td', dash(a.use)), h('td', [a.line1, a.line2].filter(Boolean).join(', ') || '—'), h('td', dash(a.city)),
        h('td', dash(a.state)), h('td', dash(a.postal_code)), h('td', dash(a.county)),
        h('td', fmtDate(a.valid_from)), h('td', fmtDate(a.valid_to)), h('td', a.current ? 'yes' : 'no')))) : h('p', { class: 'muted' }, 'None shown.')),
    phones.length ? h('section', { class: 'card' }, h('h2', 'Phones'),
      table('', ['Use', 'Number', 'Current'], phones.map((x) => h('tr', h('td', dash(x.use)), h('td', { class: 'mono' }, dash(x.number)), h('td', x.current ? 'yes' : 'no'))))) : null);
}

/* ---------------- encounters ---------------- */

const ENC_LIMIT = 200;

async function renderEncounters(ctx, body, id) {
  mount(body, h('p', { class: 'muted' }, 'Loading encounters…'));
  const resp = await api('GET', `/patients/${id}/encounters`, { query: { limit: ENC_LIMIT } });
  if (!ctx.isCurrent()) return;
  const items = itemsOf(resp);
  const total = typeof resp.total === 'number' ? resp.total : items.length;
  const detail = h('div', { class: 'encounter-detail', 'aria-live': 'polite' });
  const pick = async (enc) => {
    for (const r of body.querySelectorAll('.selected')) r.classList.remove('selected');
    for (const r of body.querySelectorAll(`[data-id="${enc.id}"]`)) r.classList.add('selected');
    mount(detail, h('p', { class: 'muted' }, 'Loading encounter…'));
    try {
      const e = await api('GET', `/encounters/${enc.id}`);
      renderEncounterDetail(detail, e);
    } catch (err) {
      if (err.status !== 401) mount(detail, errorBox(err));
    }
  };
  if (!items.length) { mount(body, h('p', { class: 'muted' }, 'No encounters.')); return; }
  const classes = [...new Set(items.map((e) => e.class || 'unknown'))].sort();
  const tbody = h('tbody', items.map((e) => h('tr', { tabindex: 0, 'data-id': e.id },
    h('td', fmtTime(e.admit_at)), h('td', e.discharge_at ? fmtTime(e.discharge_at) : h('span', { class: 'badge st-open' }, 'open')),
    h('td', h('span', { class: 'swatch enc-' + String(e.class || 'unknown').replace(/[^a-z]/gi, '') }), dash(e.class)),
    h('td', statusBadge(e.status)), h('td', dash(e.location)), h('td', dash(e.reason)))));
  keyRows(tbody, (row) => pick(items.find((e) => String(e.id) === row.dataset.id)));
  mount(body,
    h('section', { class: 'card' },
      h('h2', 'Timeline', h('span', { class: 'muted small' }, total > items.length ? ` — newest ${items.length} of ${total}` : ` — ${items.length} encounters`)),
      h('div', { class: 'legend' }, classes.map((c) => h('span', h('span', { class: 'swatch enc-' + c.replace(/[^a-z]/gi, '') }), c))),
      h('div', { class: 'timeline-wrap' }, encounterTimeline(items, pick)),
      h('p', { class: 'hint' }, 'Click a bar (or Tab to it and press Enter) for the stay\'s details.')),
    detail,
    h('section', { class: 'card' }, h('h2', 'Encounters'),
      h('div', { class: 'table-wrap' }, h('table', { class: 'grid-table' },
        h('thead', h('tr', ['Admitted', 'Discharged', 'Class', 'Status', 'Location', 'Reason'].map((x) => h('th', x)))), tbody))));
}

function renderEncounterDetail(box, e) {
  const locs = e.locations || [];
  const provs = e.providers || [];
  const docs = e.documents || [];
  mount(box, h('section', { class: 'card detail' },
    h('h2', `Encounter ${e.id}`, ' ', statusBadge(e.status)),
    dl([['Class', e.class], ['Admitted', fmtTime(e.admit_at)], ['Discharged', fmtTime(e.discharge_at)],
      ['Disposition', e.disposition_title ? `${e.disposition_title} (${e.disposition})` : e.disposition],
      ['Facility', e.facility], ['Account', e.account_number], ['Admit type', e.admit_type], ['Admit source', e.admit_source],
      ['Service', e.service], ['Location', e.location], ['Reason', e.reason]]),
    h('h3', 'Location history'),
    locs.length ? table('', ['Location', 'From', 'To', 'Changed by'], locs.map((l) => h('tr',
      h('td', dash(l.location)), h('td', fmtTime(l.from_at)), h('td', fmtTime(l.to_at)), h('td', dash(l.changed_by))))) : h('p', { class: 'muted' }, 'No location changes recorded.'),
    provs.length ? [h('h3', 'Providers'), table('', ['Role', 'Name', 'NPI', 'From', 'To'], provs.map((x) => h('tr',
      h('td', dash(x.role)), h('td', [x.family, x.given].filter(Boolean).join(', ') || '—'), h('td', { class: 'mono' }, dash(x.npi)),
      h('td', fmtTime(x.from_at)), h('td', fmtTime(x.to_at)))))] : null,
    docs.length ? [h('h3', 'Documents'), h('ul', docs.map((d) => h('li',
      h('a', { href: `#/patient/${e.patient_id}/document/${d.id}` }, (d.current && d.current.title) || d.type_title || `Document ${d.id}`))))] : null));
}

/* ---------------- documents ---------------- */

function docTitle(d) {
  return (d.current && d.current.title) || d.title || d.type_title || `Document ${d.id}`;
}

async function renderDocuments(ctx, body, id) {
  mount(body, h('p', { class: 'muted' }, 'Loading documents…'));
  const resp = await api('GET', `/patients/${id}/documents`, { query: { limit: 200 } });
  if (!ctx.isCurrent()) return;
  const items = itemsOf(resp);
  if (!items.length) { mount(body, h('p', { class: 'muted' }, 'No documents.')); return; }
  const tbody = h('tbody', items.map((d) => {
    const cur = d.current || {};
    return h('tr', { tabindex: 0, 'data-id': d.id },
      h('td', fmtTime(d.service_at || d.filed_at)),
      h('td', h('a', { href: `#/patient/${id}/document/${d.id}`, tabindex: -1 }, docTitle(d))),
      h('td', dash(d.type_title || d.type_code)),
      h('td', statusBadge(cur.status || d.status)),
      h('td', { class: 'num' }, dash(d.n_versions)),
      h('td', dash(cur.changed_by)),
      h('td', d.encounter_id ? String(d.encounter_id) : '—'));
  }));
  keyRows(tbody, (row) => ctx.app.navigate(`#/patient/${id}/document/${row.dataset.id}`));
  mount(body, h('section', { class: 'card' }, h('h2', 'Documents', h('span', { class: 'muted small' }, ` — ${resp.total ?? items.length}`)),
    h('div', { class: 'table-wrap' }, h('table', { class: 'grid-table docs' },
      h('thead', h('tr', ['Service date', 'Title', 'Type', 'Status', 'Versions', 'Last changed by', 'Encounter'].map((x) => h('th', x)))),
      tbody))));
  tbody.firstElementChild.focus();
}

async function versionContent(docId, n) {
  const v = await api('GET', `/documents/${docId}/versions/${n}`);
  return v;
}

function contentOf(v) {
  if (typeof v.content === 'string') return v.content;
  return null;
}

async function renderDocument(ctx, body, pid, docId, mode, n) {
  mount(body, h('p', { class: 'muted' }, 'Loading document…'));
  const [doc, hist] = await Promise.all([
    api('GET', `/documents/${docId}`),
    api('GET', `/documents/${docId}/versions`),
  ]);
  if (!ctx.isCurrent()) return;
  const versions = itemsOf(hist).slice().sort((a, b) => a.version_no - b.version_no);
  const cur = doc.current || versions[versions.length - 1] || {};
  const shownNo = n > 0 ? n : cur.version_no;
  const base = `#/patient/${pid}/document/${docId}`;
  const head = h('div', { class: 'doc-head' },
    h('a', { class: 'back', href: `#/patient/${pid}/documents?keep=1` }, '‹ All documents'),
    h('h2', docTitle(doc), ' ', statusBadge(cur.status)),
    dl([['Type', doc.type_title ? `${doc.type_title} (${doc.type_code})` : doc.type_code], ['Service date', fmtTime(doc.service_at)],
      ['Filed', fmtTime(doc.filed_at)], ['Versions', doc.n_versions ?? versions.length], ['Encounter', doc.encounter_id || null],
      ['Signatures', (cur.signatures || []).map((s) => `${s.signer || s.provider_id} (${s.role}) ${fmtTime(s.signed_at)}`).join('; ') || 'unsigned']]));
  const histRows = versions.map((v) => h('tr', { class: v.version_no === shownNo ? 'selected' : '' },
    h('td', { class: 'num' }, String(v.version_no)), h('td', statusBadge(v.status)), h('td', dash(v.change_kind)),
    h('td', dash(v.changed_by)), h('td', fmtTime(v.changed_at)), h('td', { class: 'num' }, dash(v.content_len)),
    h('td', dash(v.reason)),
    h('td', { class: 'actions' },
      h('a', { href: `${base}/v/${v.version_no}`, 'aria-label': `Read version ${v.version_no}` }, 'Read'),
      v.version_no > 1 ? h('a', { href: `${base}/compare/${v.version_no}`, 'aria-label': `Compare version ${v.version_no} with version ${v.version_no - 1}` }, `Compare with v${v.version_no - 1}`) : null)));
  const history = h('section', { class: 'card' }, h('h3', 'Version history'),
    table('history', ['Version', 'Status', 'Change', 'By', 'When', 'Bytes', 'Reason', ''], histRows));
  const view = h('section', { class: 'card doc-view' }, h('p', { class: 'muted' }, 'Loading…'));
  const tags = h('section', { class: 'card doc-tags', 'aria-label': 'Sensitivity' });
  mount(body, head, tags, view, history);
  renderTags(ctx, tags, docId);

  if (mode === 'compare' && shownNo > 1) {
    const [newer, older] = await Promise.all([versionContent(docId, shownNo), versionContent(docId, shownNo - 1)]);
    if (!ctx.isCurrent()) return;
    renderCompare(view, older, newer, shownNo, base);
  } else {
    const v = await versionContent(docId, shownNo);
    if (!ctx.isCurrent()) return;
    const text = contentOf(v);
    const ver = v.version || v;
    mount(view,
      h('div', { class: 'view-head' },
        h('h3', `Version ${shownNo}`, shownNo === cur.version_no ? ' (current)' : ' (superseded)'),
        h('span', { class: 'muted' }, `${dash(ver.change_kind)} by ${dash(ver.changed_by)}, ${fmtTime(ver.changed_at)}`),
        ver.reason ? h('span', { class: 'reason' }, `Reason: ${ver.reason}`) : null,
        shownNo > 1 ? h('a', { href: `${base}/compare/${shownNo}` }, `Compare with v${shownNo - 1}`) : null),
      text !== null ? h('pre', { class: 'doc-text', tabindex: 0, 'aria-label': 'Document text' }, text)
        : h('p', 'This version is not text. ', h('a', { href: `/api/v1/documents/${docId}/versions/${shownNo}/content`, download: '' }, 'Download the content'), '.'));
  }
}

// Sensitivity tags (docs/roi.md "Sensitive records"): a release of information leaves a tagged
// document out unless the authorization names its category.
const TAG_TITLES = {
  psychotherapy_notes: 'Psychotherapy notes',
  sud_part2: 'Substance use disorder (42 CFR Part 2)',
  hiv_sti: 'HIV / STI',
  genetic: 'Genetic',
  reproductive_health: 'Reproductive health',
  behavioral_health: 'Behavioral health',
};

async function renderTags(ctx, box, docId, flash) {
  let t;
  try {
    t = await api('GET', `/documents/${docId}/tags`, { query: { history: 1 } });
  } catch (err) {
    if (err.status !== 401) mount(box, errorBox(err));
    return;
  }
  if (!ctx.isCurrent()) return;
  const active = t.items.filter((x) => !x.removed_at);
  const removed = t.items.filter((x) => x.removed_at);
  const canEdit = ctx.app.can('document.write');
  const msg = h('div', { 'aria-live': 'polite' }, flash || null);
  const rows = active.map((x) => {
    let form = null;
    if (canEdit) {
      const why = h('input', { name: 'remove_reason', size: 24, autocomplete: 'off', 'aria-label': `Why remove ${TAG_TITLES[x.tag] || x.tag}` });
      form = h('form', {
        class: 'inline', onsubmit: async (e) => {
          e.preventDefault();
          try {
            await api('POST', `/documents/${docId}/tags/${encodeURIComponent(x.tag)}/removal`, { body: { reason: why.value.trim() } });
            renderTags(ctx, box, docId, h('p', { class: 'msg msg-ok' }, `${TAG_TITLES[x.tag] || x.tag}: tag removed.`));
          } catch (err) { if (err.status !== 401) mount(msg, errorBox(err)); }
        },
      }, why, h('button', { type: 'submit' }, 'Remove'));
    }
    return h('li', { 'data-tag': x.tag }, h('span', { class: 'badge tag' }, TAG_TITLES[x.tag] || x.tag), ' ',
      h('span', { class: 'muted small' }, `by ${dash(x.set_by)}, ${fmtTime(x.set_at)}${x.set_reason ? ` — ${x.set_reason}` : ''}`), ' ', form);
  });
  let adder = null;
  if (canEdit) {
    const free = t.known.filter((k) => !active.some((x) => x.tag === k));
    if (free.length) {
      const sel = h('select', { name: 'tag' }, free.map((k) => h('option', { value: k }, TAG_TITLES[k] || k)));
      const why = h('input', { name: 'tag_reason', size: 30, autocomplete: 'off' });
      adder = h('form', {
        class: 'doc-tag-add', 'aria-label': 'Tag as sensitive', onsubmit: async (e) => {
          e.preventDefault();
          const body = { tag: sel.value };
          if (why.value.trim()) body.reason = why.value.trim();
          try {
            await api('POST', `/documents/${docId}/tags`, { body });
            renderTags(ctx, box, docId, h('p', { class: 'msg msg-ok' }, `Tagged: ${TAG_TITLES[sel.value] || sel.value}.`));
          } catch (err) { if (err.status !== 401) mount(msg, errorBox(err)); }
        },
      }, field('Category', sel), field('Reason (optional)', why), h('div', { class: 'field actions' }, h('button', { type: 'submit' }, 'Tag')));
    }
  }
  mount(box,
    h('h3', 'Sensitivity'),
    active.length ? h('ul', { class: 'doc-tag-list', 'aria-label': 'Sensitivity tags' }, rows)
      : h('p', { class: 'muted small' }, 'Not tagged: a release of information includes it when the request covers it.'),
    adder, msg,
    removed.length ? h('details', h('summary', `Removed tags (${removed.length})`),
      h('ul', removed.map((x) => h('li', `${TAG_TITLES[x.tag] || x.tag}: set by ${dash(x.set_by)} ${fmtTime(x.set_at)}, removed by ${dash(x.removed_by)} ${fmtTime(x.removed_at)} — ${dash(x.removed_reason)}`)))) : null);
}

function renderCompare(view, older, newer, n, base) {
  const a = contentOf(older), b = contentOf(newer);
  const vOld = older.version || older, vNew = newer.version || newer;
  if (a === null || b === null) {
    mount(view, h('p', 'One of these versions is not text and cannot be compared line by line.'));
    return;
  }
  const ops = diffLines(a, b);
  const rows = sideBySide(ops);
  const st = diffStats(ops);
  const cls = { '=': 'same', '-': 'del', '+': 'add', '~': 'chg' };
  const tbody = h('tbody', rows.map((r) => h('tr', { class: cls[r.kind] },
    h('td', { class: 'ln' }, r.leftNo ?? ''),
    h('td', { class: 'l' + (r.left === null ? ' empty' : '') }, r.left ?? ''),
    h('td', { class: 'ln' }, r.rightNo ?? ''),
    h('td', { class: 'r' + (r.right === null ? ' empty' : '') }, r.right ?? ''))));
  mount(view,
    h('div', { class: 'view-head' },
      h('h3', `Version ${n - 1} → version ${n}`),
      h('span', { class: 'diffstat' }, h('span', { class: 'add-t' }, `+${st.added}`), ' ', h('span', { class: 'del-t' }, `−${st.removed}`), ' lines'),
      vNew.reason ? h('span', { class: 'reason' }, `Reason for v${n}: ${vNew.reason}`) : null,
      h('a', { href: `${base}/v/${n}` }, `Read v${n}`)),
    h('div', { class: 'table-wrap' }, h('table', { class: 'diff', 'aria-label': `Differences between version ${n - 1} and version ${n}` },
      h('colgroup', h('col', { class: 'c-ln' }), h('col', { class: 'c-txt' }), h('col', { class: 'c-ln' }), h('col', { class: 'c-txt' })),
      h('thead', h('tr', h('th', { colspan: 2 }, `v${n - 1} — ${dash(vOld.change_kind)}, ${dash(vOld.changed_by)}, ${fmtTime(vOld.changed_at)}`),
        h('th', { colspan: 2 }, `v${n} — ${dash(vNew.change_kind)}, ${dash(vNew.changed_by)}, ${fmtTime(vNew.changed_at)}`))),
      tbody)),
    h('p', { class: 'legend' }, h('span', { class: 'key del' }, 'removed'), h('span', { class: 'key add' }, 'added'), h('span', { class: 'key chg' }, 'changed')));
}

/* ---------------- results ---------------- */

async function renderResults(ctx, body, id) {
  mount(body, h('p', { class: 'muted' }, 'Loading results…'));
  const resp = await api('GET', `/patients/${id}/observations`, { query: { current: 1, limit: 1000 } });
  if (!ctx.isCurrent()) return;
  const all = itemsOf(resp).slice().sort((a, b) => String(b.observed_at).localeCompare(String(a.observed_at)));
  if (!all.length) { mount(body, h('p', { class: 'muted' }, 'No results.')); return; }
  const byCode = new Map();
  for (const o of all) {
    const k = o.code;
    if (!byCode.has(k)) byCode.set(k, { code: k, title: o.title || k, n: 0, numeric: 0, units: o.units, abn: 0 });
    const c = byCode.get(k);
    c.n++;
    if (typeof o.value_num === 'number' || Number.isFinite(parseFloat(valueOf(o)))) c.numeric++;
    if (isAbnormal(o.abnormal_flag)) c.abn++;
  }
  const codes = [...byCode.values()].sort((a, b) => a.title.localeCompare(b.title));
  const plottable = codes.filter((c) => c.numeric > 0);
  let chosen = ctx.query.get('code');
  if (!chosen || !byCode.has(chosen)) {
    const best = plottable.slice().sort((a, b) => (b.abn - a.abn) || (b.numeric - a.numeric))[0];
    chosen = best ? best.code : codes[0].code;
  }
  const select = h('select', { name: 'code' }, codes.map((c) => h('option', { value: c.code, selected: c.code === chosen },
    `${c.title} (${c.code}) — ${c.n}${c.abn ? `, ${c.abn} abnormal` : ''}`)));
  const onlyAbn = h('input', { type: 'checkbox', name: 'abnormal' });
  const onlyCode = h('input', { type: 'checkbox', name: 'only_code' });
  const plotBox = h('div', { class: 'plot-wrap' });
  const tableBox = h('div');
  const draw = () => {
    const c = byCode.get(select.value);
    const obs = all.filter((o) => o.code === select.value);
    const latest = obs[0] || {};
    mount(plotBox,
      h('div', { class: 'plot-head' }, h('b', c.title), ` ${c.code}`, latest.units ? ` · ${latest.units}` : '',
        latest.ref_range ? h('span', { class: 'muted' }, ` · reference ${latest.ref_range}`) : null),
      trendPlot(obs, { title: c.title, units: latest.units, refRange: latest.ref_range }));
    let rows = onlyCode.checked ? obs : all;
    if (onlyAbn.checked) rows = rows.filter((o) => isAbnormal(o.abnormal_flag));
    mount(tableBox, rows.length ? table('results', ['Observed', 'Test', 'Code', 'Value', 'Units', 'Reference', 'Flag', 'Status'],
      rows.map((o) => {
        const abn = isAbnormal(o.abnormal_flag);
        const flag = String(o.abnormal_flag || '').toUpperCase();
        return h('tr', { class: abn ? 'abn' : '' },
          h('td', fmtTime(o.observed_at)), h('td', dash(o.title)), h('td', { class: 'mono' }, dash(o.code)),
          h('td', { class: 'num' + (abn ? ' abn-v' : '') }, dash(valueOf(o))), h('td', dash(o.units)),
          h('td', dash(o.ref_range)),
          h('td', abn ? h('span', { class: `flag flag-${/^(HH|LL|AA)$/.test(flag) ? 'crit' : 'abn'}`, title: flagTitle(flag) }, flag) : ''),
          h('td', dash(o.status)));
      })) : h('p', { class: 'muted' }, 'No results match.'));
  };
  select.addEventListener('change', draw);
  onlyAbn.addEventListener('change', draw);
  onlyCode.addEventListener('change', draw);
  mount(body,
    h('section', { class: 'card' }, h('h2', 'Trend'),
      h('div', { class: 'inline-form' }, field('Test', select),
        h('label', { class: 'check' }, onlyCode, ' Only the chosen test in the table'),
        h('label', { class: 'check' }, onlyAbn, ' Only abnormal')),
      plotBox),
    h('section', { class: 'card' }, h('h2', 'Results', h('span', { class: 'muted small' }, ` — ${resp.total ?? all.length} current`)), tableBox));
  draw();
}

/** The value as received: "value" in the API, "value_text" in the library. */
function valueOf(o) {
  return o.value ?? o.value_text ?? o.value_num;
}

function flagTitle(f) {
  return { H: 'high', L: 'low', HH: 'critically high', LL: 'critically low', A: 'abnormal', AA: 'critically abnormal' }[f] || 'abnormal';
}

/* ---------------- access report ---------------- */

async function renderAccess(ctx, body, id) {
  mount(body, h('p', { class: 'muted' }, 'Loading access report…'));
  const resp = await api('GET', `/patients/${id}/access-report`);
  if (!ctx.isCurrent()) return;
  const items = itemsOf(resp);
  mount(body, h('section', { class: 'card' },
    h('h2', 'Who accessed this record'),
    h('p', { class: 'muted' }, 'Every user who viewed or changed this patient\'s information, from the audit trail. ',
      h('a', { href: `#/audit?patient_id=${id}` }, 'Open the full audit trail for this patient'), '.'),
    items.length ? table('access', ['User', 'Roles', 'Actions', 'Count', 'First', 'Last'], items.map((a) => h('tr',
      h('td', dash(a.username)), h('td', dash(Array.isArray(a.roles) ? a.roles.join(', ') : a.roles)),
      h('td', dash(Array.isArray(a.actions) ? a.actions.join(', ') : a.actions)),
      h('td', { class: 'num' }, dash(a.count)), h('td', fmtTime(a.first_at)), h('td', fmtTime(a.last_at)))))
      : h('p', { class: 'muted' }, 'No accesses recorded.')));
}
