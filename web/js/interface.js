// Interface analyst: the HL7 v2 message log (filters and paging), the errors queue, and one
// message: the raw text, the parsed tree (collapsible, keyboard-usable), the ACK Folio sent, the
// errors with their locations marked in the tree and the raw text, and Replay. Everything comes
// from /api/v1/hl7 (docs/api.md "HL7 interface"); the server audits every view.
import { api, errorText } from './api.js';
import { h, mount, dash, fmtTime, field, itemsOf, keyRows } from './dom.js';
import { pagerFor } from './search.js';

const PAGE = 50;
// The log's statuses, named by the ACK each one was answered with (docs/api.md).
const STATUSES = [
  ['', 'any'], ['applied', 'AA · applied'], ['error', 'AE · error'], ['rejected', 'AR · rejected'],
  ['duplicate', 'duplicate (ACK resent)'], ['held', 'held'],
];
const REPLAYABLE = new Set(['error', 'rejected', 'held']);

/**
 * An error location as the log stores it ("PID-7", "PV1-3.1", "OBX(3)-5[2].1.1", "MSH") ->
 * {seg, seq, field, rep, comp, sub} with 0 for "not given" (seq defaults to 1); null for
 * locations that name no segment ("segment 7", "message", "").
 */
export function parseLoc(loc) {
  const m = /^([A-Z][A-Z0-9]{2})(?:\((\d+)\))?(?:-(\d+)(?:\[(\d+)\])?(?:\.(\d+)(?:\.(\d+))?)?)?$/.exec(String(loc || '').trim());
  if (!m) return null;
  const n = (x) => (x ? parseInt(x, 10) : 0);
  return { seg: m[1], seq: n(m[2]) || 1, field: n(m[3]), rep: n(m[4]), comp: n(m[5]), sub: n(m[6]) };
}

/** Tree positions to try for a location, most precise first ("PID-5[2].1", "PID-5[2]", "PID-5"). */
export function locCandidates(l) {
  if (!l || !l.field) return [];
  const f = `${l.seg}-${l.field}`;
  const r = l.rep > 1 ? `${f}[${l.rep}]` : f;
  const out = [];
  if (l.comp && l.sub) out.push(`${r}.${l.comp}.${l.sub}`);
  if (l.comp) out.push(`${r}.${l.comp}`);
  out.push(l.rep > 1 ? r : `${f}[1]`, f);
  return out;
}

/** HL7 text -> segments (CR, LF or CRLF end a segment; empty lines dropped). */
export function segmentsOf(text) {
  return String(text || '').split(/\r\n|\r|\n/).filter((s) => s.length);
}

function ackBadge(code) {
  if (!code) return '—';
  return h('span', { class: `badge ack-${String(code).toLowerCase().replace(/[^a-z]/g, '')}`, title: `ACK ${code}` }, code);
}

function statusBadge(m) {
  return [h('span', { class: `badge st-${String(m.status || 'none').replace(/[^a-z-]/gi, '')}` }, dash(m.status)),
    m.resolved ? h('span', { class: 'badge st-resolved' }, 'resolved') : null];
}

function patientCell(app, pid) {
  if (!pid) return '—';
  return app.can('patient.read') ? h('a', { href: `#/patient/${pid}`, tabindex: -1 }, `#${pid}`) : `#${pid}`;
}

function subTabs(current) {
  const tabs = [{ key: 'messages', href: '#/interface', label: 'Messages' },
    { key: 'errors', href: '#/interface/errors', label: 'Errors queue' }];
  const list = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Interface views' },
    tabs.map((t) => h('a', {
      role: 'tab', href: t.href, 'data-tab': t.key,
      'aria-selected': t.key === current ? 'true' : 'false', tabindex: t.key === current ? 0 : -1,
    }, t.label)));
  list.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    const all = [...list.querySelectorAll('[role=tab]')];
    const i = all.indexOf(document.activeElement);
    all[(i + 1) % all.length].focus();
    e.preventDefault();
  });
  return list;
}

export async function interfaceScreen(ctx) {
  const { parts } = ctx;
  if (parts[1] === 'message' && /^\d+$/.test(parts[2] || '')) return messageView(ctx, parseInt(parts[2], 10));
  return listView(ctx, parts[1] === 'errors');
}

/* ---------------- the list and the errors queue ---------------- */

async function listView(ctx, errorsOnly) {
  const { app, main, query } = ctx;
  const base = errorsOnly ? '#/interface/errors' : '#/interface';
  app.setTitle(errorsOnly ? 'Interface errors' : 'Interface');
  app.interfaceBack = location.hash || base;
  const q = {
    type: query.get('type') || '', status: errorsOnly ? '' : query.get('status') || '',
    since: query.get('since') || '', until: query.get('until') || '',
    offset: Math.max(0, parseInt(query.get('offset') || '0', 10) || 0),
  };
  const type = h('input', { name: 'type', value: q.type, size: 10, placeholder: 'ADT or ADT^A01', autocapitalize: 'characters', spellcheck: 'false', 'data-search-focus': '' });
  const status = h('select', { name: 'status' }, STATUSES.map(([v, label]) => h('option', { value: v, selected: v === q.status }, label)));
  const since = h('input', { name: 'since', type: 'date', value: q.since });
  const until = h('input', { name: 'until', type: 'date', value: q.until });
  const results = h('div', { class: 'results', 'aria-live': 'polite' });
  const form = h('form', {
    class: 'search-form', role: 'search', 'aria-label': errorsOnly ? 'Errors queue filters' : 'Message filters',
    onsubmit: (e) => {
      e.preventDefault();
      const p = new URLSearchParams();
      const fields = { type, since, until };
      if (!errorsOnly) fields.status = status;
      for (const [k, el] of Object.entries(fields)) {
        const v = el.value.trim();
        if (v) p.set(k, k === 'type' ? v.toUpperCase() : v);
      }
      app.navigate(`${base}?${p.toString()}`);
    },
  },
  field('Type', type, 'ADT, ADT^A01, ORU…'), errorsOnly ? null : field('Status (ACK)', status),
  field('Received from', since), field('Received to', until),
  h('div', { class: 'field actions' }, h('button', { type: 'submit', class: 'primary' }, 'Filter'),
    h('button', { type: 'button', onclick: () => app.navigate(base) }, 'Clear')));
  mount(main, h('section', { class: 'panel' },
    h('h1', 'Interface'),
    subTabs(errorsOnly ? 'errors' : 'messages'),
    errorsOnly ? h('p', { class: 'muted' }, 'Messages answered AE or AR that nobody has resolved yet. Fix the reference data, then open the message and replay it.') : null,
    form, results));

  mount(results, h('p', { class: 'muted' }, 'Loading…'));
  const resp = await api('GET', errorsOnly ? '/hl7/errors' : '/hl7/messages', {
    query: { type: q.type, status: q.status, since: q.since, until: q.until, limit: PAGE, offset: q.offset },
  });
  if (!ctx.isCurrent()) return;
  const items = itemsOf(resp);
  const total = typeof resp.total === 'number' ? resp.total : items.length;
  if (!items.length) {
    mount(results, h('p', { class: 'muted', role: 'status' }, errorsOnly ? 'The errors queue is empty.' : 'No messages match.'));
    return;
  }
  const tbody = h('tbody', items.map((m) => h('tr', {
    tabindex: 0, 'data-id': m.id, class: m.status === 'error' || m.status === 'rejected' ? (m.resolved ? '' : 'abn') : '',
    'aria-label': `Open message ${m.id}, ${m.type || 'unknown type'}, ACK ${m.ack_code || 'none'}`,
  },
  h('td', { class: 'num' }, h('a', { href: `#/interface/message/${m.id}`, tabindex: -1 }, String(m.id))),
  h('td', fmtTime(m.received_at)),
  h('td', dash(m.sender_app), m.sender_facility ? h('div', { class: 'small muted' }, m.sender_facility) : null),
  h('td', { class: 'mono' }, dash(m.type), m.kind === 'replay' ? h('span', { class: 'badge' }, `replay of #${m.replay_of}`) : null),
  h('td', { class: 'mono small ctl' }, dash(m.control_id)),
  h('td', ackBadge(m.ack_code)),
  h('td', statusBadge(m)),
  h('td', { class: 'num' }, m.n_errors ? String(m.n_errors) : '—'),
  h('td', patientCell(app, m.patient_id)))));
  keyRows(tbody, (row) => app.navigate(`#/interface/message/${row.dataset.id}`));
  const pager = pagerFor(total, q.offset, PAGE, (off) => {
    const p = new URLSearchParams(query);
    p.set('offset', String(off));
    app.navigate(`${base}?${p.toString()}`);
  });
  mount(results, h('div', { class: 'table-wrap' }, h('table', { class: 'grid-table hl7' },
    h('caption', { class: 'sr-only' }, errorsOnly ? 'Errors queue' : 'Messages'),
    h('thead', h('tr', ['#', 'Received (UTC)', 'Sender', 'Type', 'Control ID', 'ACK', 'Status', 'Errors', 'Patient'].map((x) => h('th', x)))),
    tbody)), pager);
}

/* ---------------- one message ---------------- */

function rawBlock(text, label, errSegs) {
  const seen = {};
  const segs = segmentsOf(text);
  const n = segs.length;
  const lines = segs.map((line, i) => {
    const id = line.slice(0, 3);
    seen[id] = (seen[id] || 0) + 1;
    const bad = errSegs && errSegs.has(`${id}(${seen[id]})`);
    return h('span', { class: ['seg-line', bad ? 'err-line' : ''], 'data-seg': `${id}(${seen[id]})` },
      h('span', { class: 'seg-id' }, id), line.slice(3), i < n - 1 ? '\n' : null);
  });
  return h('pre', { class: 'hl7-raw', tabindex: 0, 'aria-label': label }, lines.length ? lines : h('span', { class: 'muted' }, '(empty)'));
}

function fieldNo(pos) {
  const m = /-(\d+)/.exec(pos || '');
  return m ? parseInt(m[1], 10) : 0;
}

const VALUE_MAX = 200;
function valueSpan(v, isNull) {
  if (isNull) return h('span', { class: 'badge', title: 'HL7 null "": delete the stored value' }, 'null ""');
  const s = String(v ?? '');
  if (s === '') return h('span', { class: 'val muted' }, '(empty)');
  return h('span', { class: 'val', title: s.length > VALUE_MAX ? s : null }, s.length > VALUE_MAX ? `${s.slice(0, VALUE_MAX)}…` : s);
}

/**
 * The parsed tree as an ARIA tree: segments > fields > repetitions > components > subcomponents.
 * Returns {root, find(segKey, candidates) -> treeitem|null, reveal(item)}.
 */
function buildTree(tree, errors) {
  let level = 0;
  function item(pos, label, children, opts = {}) {
    const kids = (children || []).filter(Boolean);
    const li = h('li', {
      role: 'treeitem', tabindex: -1, 'aria-level': level, 'data-pos': pos || null,
      'aria-expanded': kids.length ? 'false' : null, class: opts.cls || null,
    }, h('div', { class: 'node' }, h('span', { class: 'twist', 'aria-hidden': 'true' }), label));
    if (kids.length) li.appendChild(h('ul', { role: 'group', hidden: true }, kids));
    return li;
  }
  function nested(build) { level++; try { return build(); } finally { level--; } }

  function subItems(c) {
    return (c.subs || []).map((s) => item(s.pos, [h('span', { class: 'pos' }, s.pos), valueSpan(s.value)]));
  }
  function compItems(comps) {
    return comps.map((c) => item(c.pos, [h('span', { class: 'pos' }, c.pos), valueSpan(c.value)], nested(() => subItems(c))));
  }
  function fieldItem(f) {
    if (f.missing) {
      return item(f.pos, [h('span', { class: 'pos' }, f.pos), f.name ? h('span', { class: 'fname' }, f.name) : null,
        h('span', { class: 'val muted' }, '(not in the message)')], null);
    }
    const reps = f.reps || [];
    const kids = nested(() => {
      if (reps.length === 1) return compItems(reps[0].components || []);
      return reps.map((r) => {
        const rpos = `${f.pos}[${r.rep}]`;
        return item(rpos, [h('span', { class: 'pos' }, rpos), h('span', { class: 'fname' }, `repetition ${r.rep}`), valueSpan(r.value)],
          nested(() => compItems(r.components || [])));
      });
    });
    return item(f.pos, [h('span', { class: 'pos' }, f.pos), f.name ? h('span', { class: 'fname' }, f.name) : null,
      reps.length > 1 ? h('span', { class: 'badge' }, `${reps.length} repetitions`) : null, valueSpan(f.value, f.null)], kids);
  }

  const locs = errors.map((e) => parseLoc(e.location)).filter(Boolean);
  const root = h('ul', { class: 'hl7-tree', role: 'tree', 'aria-label': 'Parsed message' });
  level = 1;
  for (const seg of tree.segments || []) {
    const fields = [...(seg.fields || [])];
    // An error on a field the message left empty: show the position so the error has a place.
    for (const l of locs) {
      if (l.seg === seg.id && l.seq === seg.seq && l.field && !fields.some((f) => fieldNo(f.pos) === l.field)) {
        fields.push({ pos: `${seg.id}-${l.field}`, missing: true });
      }
    }
    fields.sort((a, b) => fieldNo(a.pos) - fieldNo(b.pos));
    const label = [h('span', { class: 'seg-id' }, seg.id), seg.seq > 1 ? h('span', { class: 'pos' }, `(${seg.seq})`) : null,
      h('span', { class: 'fname' }, `segment ${seg.index + 1} · ${fields.length} field${fields.length === 1 ? '' : 's'}`)];
    const li = item(seg.id, label, nested(() => fields.map(fieldItem)));
    li.dataset.seg = `${seg.id}(${seg.seq})`;
    root.appendChild(li);
  }

  const items = () => [...root.querySelectorAll('[role=treeitem]')];
  const visible = () => items().filter((el) => !el.parentElement.closest('[role=group][hidden]'));
  function setExpanded(li, open) {
    const g = li.querySelector(':scope > [role=group]');
    if (!g) return;
    g.hidden = !open;
    li.setAttribute('aria-expanded', open ? 'true' : 'false');
  }
  function focusItem(li) {
    for (const el of root.querySelectorAll('[role=treeitem][tabindex="0"]')) el.tabIndex = -1;
    li.tabIndex = 0;
    li.focus();
  }
  function reveal(li) {
    for (let p = li.parentElement.closest('[role=treeitem]'); p; p = p.parentElement.closest('[role=treeitem]')) setExpanded(p, true);
  }
  function find(segKey, candidates) {
    const seg = root.querySelector(`:scope > [role=treeitem][data-seg="${CSS.escape(segKey)}"]`);
    if (!seg) return null;
    for (const c of candidates) {
      const el = seg.querySelector(`[role=treeitem][data-pos="${CSS.escape(c)}"]`);
      if (el) return el;
    }
    return seg;
  }
  root.addEventListener('keydown', (e) => {
    const li = e.target.closest('[role=treeitem]');
    if (!li || !root.contains(li)) return;
    const vis = visible();
    const i = vis.indexOf(li);
    const expanded = li.getAttribute('aria-expanded');
    let handled = true;
    if (e.key === 'ArrowDown') { if (vis[i + 1]) focusItem(vis[i + 1]); }
    else if (e.key === 'ArrowUp') { if (i > 0) focusItem(vis[i - 1]); }
    else if (e.key === 'Home') focusItem(vis[0]);
    else if (e.key === 'End') focusItem(vis[vis.length - 1]);
    else if (e.key === 'ArrowRight') {
      if (expanded === 'false') setExpanded(li, true);
      else if (expanded === 'true') focusItem(li.querySelector(':scope > [role=group] > [role=treeitem]'));
    } else if (e.key === 'ArrowLeft') {
      if (expanded === 'true') setExpanded(li, false);
      else { const p = li.parentElement.closest('[role=treeitem]'); if (p) focusItem(p); }
    } else if (e.key === 'Enter' || e.key === ' ') {
      if (expanded) setExpanded(li, expanded === 'false');
    } else handled = false;
    if (handled) { e.preventDefault(); e.stopPropagation(); }
  });
  root.addEventListener('click', (e) => {
    const node = e.target.closest('.node');
    if (!node || e.target.closest('a,button')) return;
    const li = node.parentElement;
    const ex = li.getAttribute('aria-expanded');
    if (ex) setExpanded(li, ex === 'false');
    focusItem(li);
  });
  // Segments open by default: fields visible, their parts folded.
  for (const seg of root.children) setExpanded(seg, true);
  const first = root.querySelector('[role=treeitem]');
  if (first) first.tabIndex = 0;
  return {
    root, find, reveal, focusItem,
    expandAll(open) {
      for (const li of items()) if (li.getAttribute('aria-expanded')) setExpanded(li, open || li.parentElement === root);
    },
  };
}

function parseFailure(pe) {
  if (!pe) return 'The message could not be parsed.';
  const at = pe.field && !String(pe.message || '').includes(pe.field) ? ` at ${pe.field}` : '';
  return `The message could not be parsed${at}: ${pe.message}`;
}

function factsOf(app, m) {
  const link = (id) => (id ? h('a', { href: `#/interface/message/${id}` }, `#${id}`) : null);
  const rows = [
    ['Received (UTC)', fmtTime(m.received_at)], ['Kind', m.kind === 'replay' ? ['replay of ', link(m.replay_of)] : dash(m.kind)],
    ['Sender', [dash(m.sender_app), m.sender_facility ? ` · ${m.sender_facility}` : '']],
    ['Receiver', [dash(m.receiver_app), m.receiver_facility ? ` · ${m.receiver_facility}` : '']],
    ['Type', h('span', { class: 'mono' }, dash(m.type))], ['Version', dash(m.version)],
    ['Control ID (MSH-10)', h('span', { class: 'mono' }, dash(m.control_id))], ['From', h('span', { class: 'mono' }, dash(m.peer))],
    ['ACK', ackBadge(m.ack_code)], ['Status', statusBadge(m)],
    ['Patient', m.patient_id ? patientCell(app, m.patient_id) : '—'], ['Encounter', m.encounter_id ? `#${m.encounter_id}` : '—'],
  ];
  if (m.duplicate_of) rows.push(['Duplicate of', link(m.duplicate_of)]);
  if (m.resolved) rows.push(['Resolved', [fmtTime(m.resolved_at), m.resolved_by ? [' by replay ', link(m.resolved_by)] : '', m.resolution ? ` · ${m.resolution}` : '']]);
  if (m.applied_at) rows.push(['Applied', fmtTime(m.applied_at)]);
  return h('dl', { class: 'facts' }, rows.map(([k, v]) => [h('dt', k), h('dd', v)]));
}

function errorsTable(errors, locate) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'grid-table hl7-errors' },
    h('caption', { class: 'sr-only' }, 'Errors'),
    h('thead', h('tr', ['Severity', 'Code', 'Location', 'Error'].map((x) => h('th', x)))),
    h('tbody', errors.map((e) => {
      const sev = { E: 'error', W: 'warning', I: 'information' }[e.severity] || dash(e.severity);
      const can = locate && parseLoc(e.location);
      return h('tr', { class: e.severity === 'W' || e.severity === 'I' ? '' : 'abn' },
        h('td', h('span', { class: `badge sev-${String(e.severity || 'E').toLowerCase()}` }, sev)),
        h('td', { class: 'mono' }, dash(e.code)),
        h('td', can ? h('button', { type: 'button', class: 'link loc', title: 'Show in the tree', onclick: () => locate(e) }, e.location)
          : h('span', { class: 'mono' }, dash(e.location))),
        h('td', { class: 'detail' }, dash(e.text)));
    }))));
}

async function messageView(ctx, id) {
  const { app, main } = ctx;
  app.setTitle(`Message #${id}`);
  mount(main, h('section', { class: 'panel' }, h('p', { class: 'muted' }, 'Loading message…')));
  const m = await api('GET', `/hl7/messages/${id}`);
  if (!ctx.isCurrent()) return;
  const errors = Array.isArray(m.errors) ? m.errors : [];
  const locs = errors.map((e) => parseLoc(e.location)).filter(Boolean);
  const errSegs = new Set(locs.map((l) => `${l.seg}(${l.seq})`));
  const tree = m.tree ? buildTree(m.tree, errors) : null;

  // Mark error locations in the tree, open the way to them.
  if (tree) {
    for (const e of errors) {
      const l = parseLoc(e.location);
      if (!l) continue;
      const el = tree.find(`${l.seg}(${l.seq})`, locCandidates(l));
      if (!el) continue;
      el.classList.add('err');
      const node = el.querySelector(':scope > .node');
      node.appendChild(h('span', { class: 'err-mark', title: e.text || '' }, `${e.code || 'error'} ${e.location}`));
      for (let p = el.parentElement.closest('[role=treeitem]'); p; p = p.parentElement.closest('[role=treeitem]')) p.classList.add('has-err');
      tree.reveal(el);
    }
  }
  const locate = tree ? (e) => {
    const l = parseLoc(e.location);
    const el = tree.find(`${l.seg}(${l.seq})`, locCandidates(l));
    if (!el) return;
    tree.reveal(el);
    tree.focusItem(el);
    el.scrollIntoView({ block: 'center' });
  } : null;

  const replayBox = h('div', { class: 'replay-result', 'aria-live': 'polite' });
  let replayBtn = null;
  if (app.can('interface.write') && REPLAYABLE.has(m.status)) {
    replayBtn = h('button', {
      type: 'button', class: 'primary', onclick: async () => {
        replayBtn.disabled = true;
        mount(replayBox, h('span', { class: 'muted' }, 'Replaying…'));
        try {
          const r = await api('POST', `/hl7/messages/${id}/replay`, { body: {} });
          const ok = r.ack_code === 'AA' || r.ack_code === 'CA';
          const rerrs = Array.isArray(r.errors) ? r.errors : [];
          mount(replayBox, h('div', { class: 'card replay' },
            h('div', { class: `msg ${ok ? 'msg-ok' : 'msg-error'}`, role: ok ? 'status' : 'alert' },
              h('span', 'Replayed as ', h('a', { href: `#/interface/message/${r.id}` }, `message #${r.id}`), ': ACK ', ackBadge(r.ack_code), ` (${r.status}). `,
                ok ? 'The original message is resolved.' : 'The original stays in the errors queue.')),
            rerrs.length ? errorsTable(rerrs, null) : null,
            h('h3', 'Acknowledgement of the replay'), rawBlock(r.ack, 'Acknowledgement of the replay', null)));
          replayBtn.disabled = ok;
        } catch (err) {
          if (err.status !== 401) mount(replayBox, h('div', { class: 'msg msg-error', role: 'alert' }, errorText(err)));
          replayBtn.disabled = false;
        }
      },
    }, 'Replay');
  }

  const back = app.interfaceBack || '#/interface';
  const treeCard = h('section', { class: 'card hl7-tree-card', 'aria-labelledby': 'hl7-tree-h' },
    h('div', { class: 'title-row' }, h('h2', { id: 'hl7-tree-h' }, 'Parsed message'),
      tree ? h('div', { class: 'tree-tools' },
        h('button', { type: 'button', onclick: () => tree.expandAll(true) }, 'Expand all'),
        h('button', { type: 'button', onclick: () => tree.expandAll(false) }, 'Collapse all')) : null),
    tree ? [
      h('p', { class: 'hint' }, `${m.tree.type || 'unknown type'} · HL7 v${m.tree.version || '?'} · delimiters ${m.tree.delimiters || ''} · ↑ ↓ move, → ← open and close, Enter toggles`),
      m.tree.truncated ? h('p', { class: 'note' }, 'The message is very large: the tree stops after 200,000 parts. The raw text is complete.') : null,
      tree.root]
      : h('div', { class: 'msg msg-error', role: 'status' },
        parseFailure(m.parse_error)));
  mount(main, h('section', { class: 'panel hl7-message' },
    h('p', { class: 'crumbs' }, h('a', { href: back }, '← Back to the list')),
    h('div', { class: 'title-row' },
      h('h1', `Message #${m.id} `, h('span', { class: 'mono small' }, dash(m.type)), ' ', ackBadge(m.ack_code)),
      replayBtn),
    replayBox,
    h('div', { class: 'detail' }, factsOf(app, m)),
    errors.length ? h('section', { class: 'card hl7-errors-card' }, h('h2', `Errors (${errors.length})`), errorsTable(errors, locate)) : null,
    h('div', { class: 'cols hl7-cols' },
      treeCard,
      h('div', {},
        h('section', { class: 'card' }, h('h2', 'Raw message'), rawBlock(m.raw, 'Raw message', errSegs)),
        h('section', { class: 'card' }, h('h2', 'Acknowledgement sent'), m.ack ? rawBlock(m.ack, 'Acknowledgement', null) : h('p', { class: 'muted' }, 'No ACK was stored.'))))));
}
