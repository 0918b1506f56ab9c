// The MS-DRG panel of the coding screen (web/js/coding.js): the DRG of the abstract as the coder
// sees it, refreshed with the draft check as the coder edits (POST /encounters/{id}/abstract/drg:
// nothing is written), its title, MDC, weight and expected payment, how each secondary diagnosis
// is used and which one drives the severity (also shown next to the code in the abstract), and a
// what-if: drop codes or add one and see the DRG, weight and payment change, without changing
// the abstract. docs/ui.md "The DRG panel"; docs/drg.md "In the product".
//
// drgPanel(ctx, st, {codes, list}) -> { el, summary, load(), schedule(), refresh(), tags(), rerender(), destroy() }
//   el       the panel (a card); summary: one line (DRG, title, weight, payment) for the top of the
//            abstract, so the coder sees the DRG change without scrolling
//   codes()  the draft as the check sends it (coding.js payload), in the abstract's order
//   list()   the screen's codes in the same order ({key, code, dotted, role, system}): a result's
//            code_index is a position in it, and key finds the row (st.rowOf)
//   The panel writes the driving CC/MCC and each SDX's usage into st.rowOf.get(key).drgTag.
import { api, errorText } from './api.js';
import { h, mount, clear, dash } from './dom.js';
import { codePicker } from './encoder.js';

const USAGE_TEXT = {
  MCC: 'MCC', CC: 'CC', NEITHER: 'no CC/MCC', CC_EXCLUDED: 'CC excluded by the principal',
  MCC_EXCLUDED: 'MCC excluded by the principal', CC_EXCLUDED_BY_DRG_LOGIC: 'CC not used by this DRG',
  MCC_EXCLUDED_BY_DRG_LOGIC: 'MCC not used by this DRG',
};
const SEVERITY_TEXT = { MCC: 'with MCC', CC: 'with CC', NON_CC: 'without CC/MCC', NONE: '—' };

/** "$1,234.56" from cents; signed: "+$12.00" / "−$12.00". */
export function money(cents, signed = false) {
  if (cents === null || cents === undefined) return '—';
  const neg = cents < 0;
  const abs = Math.abs(Math.round(cents));
  const whole = Math.floor(abs / 100).toLocaleString('en-US');
  const text = `$${whole}.${String(abs % 100).padStart(2, '0')}`;
  if (!signed) return neg ? `−${text}` : text;
  return `${neg ? '−' : '+'}${text}`;
}

export function fmtWeight(w) {
  return typeof w === 'number' ? w.toFixed(4) : '—';
}

function usageBadge(u) {
  const cls = u === 'MCC' ? 'drg-mcc' : u === 'CC' ? 'drg-cc' : 'drg-none';
  return h('span', { class: `badge ${cls}`, 'data-usage': u }, USAGE_TEXT[u] || dash(u));
}

export function drgPanel(ctx, st, opts) {
  const el = h('section', { class: 'card coding-drg', id: 'drg-panel', 'aria-label': 'MS-DRG', 'aria-live': 'polite' });
  const summary = h('div', { class: 'drg-summary', hidden: true });
  const state = {
    result: null, resultKeys: [], seq: 0, off: false, error: null, fallback: null,
    drop: new Set(), add: [], whatIf: null, whatIfSeq: 0, whatIfError: null,
  };
  let picker = null;

  function request(codes, fallback) {
    const body = { codes };
    if (fallback !== null) body.fallback = fallback;
    return api('POST', `/encounters/${st.encId}/abstract/drg`, { body });
  }

  /* ---- loading ---- */

  async function load() {
    // the saved abstract (an audited read of its DRG)
    const seq = ++state.seq;
    el.dataset.pending = 'true';
    const keys = opts.list().map((c) => c.key);
    try {
      const q = state.fallback === null ? undefined : { fallback: state.fallback ? 'true' : 'false' };
      const r = await api('GET', `/encounters/${st.encId}/abstract/drg`, { query: q });
      if (seq !== state.seq || !ctx.isCurrent()) return;
      done(r, keys);
    } catch (err) {
      if (seq !== state.seq) return;
      failed(err);
    }
  }

  /** A refresh is on its way (the screen's debounce runs it): mark the panel as pending. */
  function schedule() {
    if (state.off) return;
    el.dataset.pending = 'true';
    el.classList.add('stale');
  }

  async function refresh() {
    if (state.off) return;
    const seq = ++state.seq;
    el.dataset.pending = 'true';
    const keys = opts.list().map((c) => c.key);
    try {
      const r = await request(opts.codes(), state.fallback);
      if (seq !== state.seq || !ctx.isCurrent()) return;
      done(r, keys);
    } catch (err) {
      if (seq !== state.seq) return;
      failed(err);
    }
  }

  function done(r, keys) {
    state.result = r;
    state.resultKeys = keys;
    state.error = null;
    delete el.dataset.pending;
    el.classList.remove('stale');
    render();
    tags();
    if (whatIfActive()) runWhatIf();
  }

  function failed(err) {
    delete el.dataset.pending;
    el.classList.remove('stale');
    if (err.status === 401) return;
    // no tables on the server, or not an inpatient stay: say so once and stop asking
    if (err.status === 409) state.off = true;
    state.error = err;
    state.result = null;
    render();
    tags();
  }


  /* ---- the codes of the abstract: tags next to them ---- */

  function keyOf(idx) {
    return state.resultKeys[idx];
  }

  function tags() {
    if (!st.rowOf) return;
    for (const slot of st.rowOf.values()) if (slot.drgTag) { clear(slot.drgTag); slot.drgTag.hidden = true; }
    const r = state.result;
    if (!r || r.state !== 'grouped') return;
    for (const s of r.sdx || []) {
      const slot = st.rowOf.get(keyOf(s.code_index));
      if (!slot || !slot.drgTag) continue;
      slot.drgTag.hidden = false;
      if (s.driver) {
        const d = (r.drivers || []).find((x) => x.code_index === s.code_index);
        mount(slot.drgTag, h('span', { class: `badge drg-driver drg-${s.usage === 'MCC' ? 'mcc' : 'cc'}`, 'data-drg': r.drg }, d ? d.text : `${s.usage}: drives DRG ${r.drg}`));
      } else if (s.usage === 'MCC' || s.usage === 'CC') {
        mount(slot.drgTag, usageBadge(s.usage));
      } else if (s.usage !== 'NEITHER') {
        mount(slot.drgTag, usageBadge(s.usage));
      } else {
        slot.drgTag.hidden = true;
      }
    }
  }

  /* ---- what-if ---- */

  function whatIfActive() {
    return state.drop.size > 0 || state.add.length > 0;
  }

  function whatIfCodes() {
    const codes = opts.codes();
    const keys = opts.list().map((c) => c.key);
    const kept = codes.filter((_, i) => !state.drop.has(keys[i]));
    for (const a of state.add) kept.push({ role: a.role, system: a.system, code: a.code, ...(a.role === 'procedure' ? {} : { poa: 'Y' }) });
    return kept;
  }

  async function runWhatIf() {
    const seq = ++state.whatIfSeq;
    const box = el.querySelector('.drg-whatif-result');
    if (box) box.dataset.pending = 'true';
    const clearBtn = el.querySelector('.drg-whatif-clear');
    if (clearBtn) clearBtn.disabled = !whatIfActive();
    if (!whatIfActive()) { state.whatIf = null; renderWhatIfResult(); return; }
    try {
      const r = await request(whatIfCodes(), state.fallback);
      if (seq !== state.whatIfSeq || !ctx.isCurrent()) return;
      state.whatIf = r;
      state.whatIfError = null;
    } catch (err) {
      if (seq !== state.whatIfSeq || err.status === 401) return;
      state.whatIf = null;
      state.whatIfError = err;
    }
    renderWhatIfResult();
  }

  function renderWhatIfResult() {
    const box = el.querySelector('.drg-whatif-result');
    if (!box) return;
    delete box.dataset.pending;
    if (!whatIfActive()) {
      delete box.dataset.drg;
      mount(box, h('span', { class: 'muted small' }, 'Drop codes or add one to see what the DRG would be.'));
      return;
    }
    if (state.whatIfError) { mount(box, h('div', { class: 'msg msg-error', role: 'alert' }, errorText(state.whatIfError))); return; }
    const a = state.result, b = state.whatIf;
    if (!b) { mount(box, h('span', { class: 'muted small' }, 'Grouping…')); return; }
    if (b.state !== 'grouped') { delete box.dataset.drg; mount(box, h('span', b.message)); return; }
    box.dataset.drg = String(b.drg);
    const changed = !a || a.drg !== b.drg;
    const parts = [h('b', a && a.state === 'grouped' ? `DRG ${a.drg} → ${b.drg}` : `DRG ${b.drg}`)];
    if (a && typeof a.weight === 'number' && typeof b.weight === 'number') parts.push(`, weight ${fmtWeight(a.weight)} → ${fmtWeight(b.weight)}`);
    else if (typeof b.weight === 'number') parts.push(`, weight ${fmtWeight(b.weight)}`);
    if (a && a.payment && b.payment) {
      const diff = b.payment.total_cents - a.payment.total_cents;
      parts.push(', payment ', h('span', { class: diff < 0 ? 'drg-down' : diff > 0 ? 'drg-up' : '' }, diff === 0 ? 'unchanged' : money(diff, true)));
    }
    mount(box, h('div', { class: changed ? 'drg-whatif-line changed' : 'drg-whatif-line' }, parts),
      h('div', { class: 'small' }, b.title, ` (${SEVERITY_TEXT[b.severity] || b.severity})`),
      changed ? null : h('div', { class: 'small muted' }, 'The DRG does not change.'));
  }

  function renderWhatIf() {
    const list = opts.list();
    const keys = list.map((c) => c.key);
    const codes = opts.codes();
    // the codes the grouper reads, by their current row keys
    const rows = [];
    codes.forEach((c, i) => {
      if (c.role !== 'secondary' && c.role !== 'external_cause' && !(c.role === 'procedure' && c.system === 'icd10pcs')) return;
      const key = keys[i];
      const dotted = list[i].dotted || c.code;
      const box = h('input', {
        type: 'checkbox', checked: state.drop.has(key), 'aria-label': `Drop ${dotted} (what-if)`,
        onchange: (e) => { if (e.target.checked) state.drop.add(key); else state.drop.delete(key); runWhatIf(); },
      });
      rows.push(h('li', { 'data-code': c.code }, h('label', box, ' ', h('span', { class: 'mono' }, dotted), ' ', h('span', { class: 'small muted' }, c.role === 'procedure' ? 'procedure' : 'secondary'))));
    });
    // forget drops of codes no longer on the abstract
    for (const k of [...state.drop]) if (!keys.includes(k)) state.drop.delete(k);
    const role = h('select', { 'aria-label': 'Add to the what-if as' },
      h('option', { value: 'secondary' }, 'secondary diagnosis'), h('option', { value: 'procedure' }, 'procedure (ICD-10-PCS)'));
    const holder = h('div', { class: 'drg-whatif-picker' });
    const makePicker = () => {
      if (picker) picker.destroy();
      const system = role.value === 'procedure' ? 'icd10pcs' : 'icd10cm';
      picker = codePicker({
        system, label: 'Add a code (what-if)', id: 'drg-whatif-add', limit: 10,
        onPick: (hit) => {
          if (!hit || !hit.code) return;
          const code = String(hit.code).replace(/\./g, '').toUpperCase();
          state.add.push({ role: role.value, system: hit.system || system, code, dotted: hit.dotted || code, title: hit.title || '' });
          renderBody();
          runWhatIf();
          const again = el.querySelector('#drg-whatif-add');
          if (again) again.focus();
        },
      });
      mount(holder, picker.el);
    };
    role.addEventListener('change', makePicker);
    makePicker();
    const added = state.add.length ? h('ul', { class: 'drg-whatif-added' }, state.add.map((a, i) => h('li',
      h('span', { class: 'mono' }, a.dotted), ' ', h('span', { class: 'small' }, a.title), ' ', h('span', { class: 'small muted' }, a.role === 'procedure' ? '(procedure)' : '(secondary, POA Y)'),
      h('button', { type: 'button', class: 'link', 'aria-label': `Take ${a.dotted} out of the what-if`, onclick: () => { state.add.splice(i, 1); renderBody(); runWhatIf(); } }, '✕')))) : null;
    const clearBtn = h('button', {
      type: 'button', class: 'drg-whatif-clear', disabled: !whatIfActive(),
      onclick: () => { state.drop.clear(); state.add = []; state.whatIf = null; renderBody(); runWhatIf(); },
    }, 'Clear the what-if');
    return h('div', { class: 'drg-whatif' },
      h('h3', 'What if…', h('span', { class: 'muted small' }, ' — regroups without changing the abstract')),
      rows.length ? h('div', { class: 'drg-whatif-droprow' }, h('span', { class: 'small' }, 'Drop: '), h('ul', { class: 'drg-whatif-drops', 'aria-label': 'Codes to drop' }, rows))
        : h('p', { class: 'muted small' }, 'No secondary diagnoses or procedures to drop.'),
      h('div', { class: 'drg-whatif-add' }, h('div', { class: 'field' }, h('label', { for: 'drg-whatif-role' }, 'Add as'), Object.assign(role, { id: 'drg-whatif-role' })), holder),
      added,
      h('div', { class: 'drg-whatif-result', 'aria-live': 'polite' }),
      clearBtn);
  }

  /* ---- rendering ---- */

  function versionLine(r) {
    if (r.state !== 'grouped') return null;
    const fb = r.version && !r.version.in_force;
    return h('p', { class: fb ? 'drg-version fallback' : 'drg-version small muted', 'data-fallback': fb ? 'true' : 'false' },
      fb ? h('span', { class: 'badge drg-fallback' }, 'fallback') : null, fb ? ' ' : null, r.message);
  }

  function paymentBlock(r) {
    if (typeof r.weight !== 'number') {
      return h('p', { class: 'small muted drg-nopay' }, r.payment_note || 'No weight.');
    }
    const facts = h('dl', { class: 'drg-facts' },
      h('dt', 'Weight'), h('dd', { class: 'drg-weight' }, fmtWeight(r.weight)),
      h('dt', 'GMLOS'), h('dd', typeof r.gmlos === 'number' ? `${r.gmlos.toFixed(1)} d` : '—'),
      h('dt', 'AMLOS'), h('dd', typeof r.amlos === 'number' ? `${r.amlos.toFixed(1)} d` : '—'),
      h('dt', 'Expected payment'), h('dd', { class: 'drg-payment' }, r.payment ? money(r.payment.total_cents) : '—'));
    const more = r.payment ? h('details', { class: 'drg-explain' }, h('summary', 'How the payment is computed'),
      h('ol', (r.payment.explain || []).map((l) => h('li', l))),
      r.payment.outlier_priced ? null : h('p', { class: 'small muted' }, 'No cost outlier: charges are not known here.')) : null;
    return [facts, r.payment ? null : h('p', { class: 'small muted drg-nopay' }, r.payment_note), more,
      r.table5 ? h('p', { class: 'small muted' }, `Table 5 FY${r.table5.fiscal_year} (${r.table5.name})`) : null];
  }

  function sdxTable(r) {
    const sdx = r.sdx || [];
    if (!sdx.length) return h('p', { class: 'small muted' }, 'No secondary diagnoses: the DRG is without CC/MCC unless the logic says otherwise.');
    return h('table', { class: 'grid-table drg-sdx' },
      h('caption', { class: 'sr-only' }, 'How each secondary diagnosis is used'),
      h('thead', h('tr', ['Secondary', 'Severity usage', 'Without it'].map((x) => h('th', x)))),
      h('tbody', sdx.map((s) => h('tr', { class: s.driver ? 'driver' : '', 'data-code': s.code },
        h('td', { class: 'mono' }, s.dotted || s.code, s.poa ? h('span', { class: 'small muted' }, ` POA ${s.poa}`) : null),
        h('td', usageBadge(s.usage), s.driver ? h('span', { class: 'small' }, ' drives the DRG') : null,
          s.initial_usage !== s.usage ? h('span', { class: 'small muted' }, ` (before HACs: ${USAGE_TEXT[s.initial_usage] || s.initial_usage})`) : null),
        h('td', s.without ? [h('span', { class: s.without.changes ? 'drg-changes' : 'muted' }, `DRG ${s.without.drg}`),
          s.without.changes && typeof s.without.weight === 'number' ? h('span', { class: 'small muted' }, ` (${fmtWeight(s.without.weight)})`) : null] : '—')))));
  }

  function render() {
    renderBody();
    renderWhatIfResult();
    renderSummary();
  }

  function renderSummary() {
    const r = state.result;
    const go = h('a', { href: '#drg-panel', class: 'small', onclick: (e) => { e.preventDefault(); el.scrollIntoView({ block: 'start' }); } }, 'details');
    if (!r || state.error || r.state === 'no_principal') { summary.hidden = true; return; }
    summary.hidden = false;
    if (r.state !== 'grouped') {
      mount(summary, h('span', { class: 'muted' }, 'MS-DRG: no version in force on the discharge date '), go);
      return;
    }
    mount(summary, h('b', `DRG ${r.drg}`), ' ', r.title,
      typeof r.weight === 'number' ? h('span', { class: 'muted' }, ` · weight ${fmtWeight(r.weight)}`) : null,
      r.payment ? h('span', { class: 'muted' }, ` · ${money(r.payment.total_cents)}`) : null,
      r.version && !r.version.in_force ? h('span', { class: 'badge drg-fallback' }, `v${r.version.name} fallback`) : null, ' ', go);
  }

  function renderBody() {
    const r = state.result;
    const head = h('div', { class: 'title-row' }, h('h2', 'MS-DRG'));
    if (state.error) {
      mount(el, head, h('div', { class: state.error.status === 409 ? 'msg msg-info' : 'msg msg-error', role: 'status' }, errorText(state.error)));
      return;
    }
    if (!r) { mount(el, head, h('p', { class: 'muted' }, 'Grouping…')); return; }
    if (r.state === 'no_principal') {
      delete el.dataset.drg;
      mount(el, head, h('p', { class: 'muted drg-state', 'data-state': r.state }, r.message));
      return;
    }
    if (r.state === 'no_version') {
      delete el.dataset.drg;
      const btn = r.newest_version ? h('button', {
        type: 'button', class: 'drg-use-fallback',
        onclick: () => { state.fallback = true; if (opts.onFallback) opts.onFallback(); refresh(); },
      }, `Group with v${r.newest_version} anyway`) : null;
      mount(el, head, h('div', { class: 'msg msg-warn drg-state', 'data-state': r.state, role: 'status' }, r.message),
        btn ? h('p', { class: 'small' }, btn, h('span', { class: 'muted' }, ' — the result is labelled as grouped with a version not in force then.')) : null);
      return;
    }
    el.dataset.drg = String(r.drg);
    const drivers = r.drivers || [];
    mount(el, head,
      versionLine(r),
      h('div', { class: 'drg-main' },
        h('span', { class: 'drg-number', 'aria-label': `DRG ${r.drg}` }, String(r.drg).padStart(3, '0')),
        h('span', { class: 'drg-title' }, r.title)),
      h('p', { class: 'small drg-mdc' }, `MDC ${String(r.mdc).padStart(2, '0')} ${dash(r.mdc_title)} · ${r.med_surg === 'SURGICAL' ? 'surgical' : r.med_surg === 'MEDICAL' ? 'medical' : dash(r.med_surg)} · ${SEVERITY_TEXT[r.severity] || r.severity}`,
        r.grc !== 'OK' ? h('span', { class: 'badge sev-error' }, ` ${r.grc}`) : null),
      paymentBlock(r),
      drivers.length ? h('p', { class: 'drg-drivers' }, h('b', 'Drives the severity: '),
        drivers.map((d, i) => [i ? ', ' : '', h('span', { class: 'mono' }, d.dotted || d.code), ` (${d.level})`]),
        drivers.length > 1 ? h('span', { class: 'small muted' }, ' — drop them all to change the DRG') : null)
        : h('p', { class: 'small muted drg-drivers' }, r.severity === 'NON_CC' ? 'No CC or MCC on the abstract changes the DRG.' : ''),
      r.initial ? h('p', { class: 'msg msg-warn' }, `Hospital-acquired condition: the DRG before the HAC adjustment was ${r.initial.drg} (${r.initial.title}).`) : null,
      (r.hacs || []).length ? h('ul', { class: 'drg-hacs small' }, r.hacs.map((x) => h('li', `${x.dotted}: HAC ${x.hac} ${x.title} — ${x.finding.replace(/_/g, ' ').toLowerCase()}`))) : null,
      sdxTable(r),
      (r.inputs && r.inputs.not_grouped && r.inputs.not_grouped.length)
        ? h('p', { class: 'small muted' }, 'Not grouped: ', r.inputs.not_grouped.map((x, i) => [i ? '; ' : '', `${x.dotted || x.code} (${x.why})`])) : null,
      r.inputs && r.inputs.discharge_status_assumed ? h('p', { class: 'small muted' }, 'Discharge status unknown: grouped and priced as 01 (home).') : null,
      r.formula ? h('details', { class: 'drg-formula small' }, h('summary', 'Why this DRG'), h('code', r.formula)) : null,
      renderWhatIf());
  }

  mount(el, h('div', { class: 'title-row' }, h('h2', 'MS-DRG')), h('p', { class: 'muted' }, 'Grouping…'));
  return {
    el,
    summary,
    load,
    schedule,
    refresh,
    tags,
    /** Re-renders into a new screen (after a save): keeps the last result and the what-if. */
    rerender() { render(); tags(); },
    destroy() { if (picker) picker.destroy(); picker = null; },
  };
}
