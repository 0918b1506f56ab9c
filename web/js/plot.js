// Hand-drawn SVG charts: the encounter timeline and a lab trend plot. Colours come from CSS
// classes (web/css/folio.css), never inline style strings.
import { s, parseTime, fmtDate, fmtTime } from './dom.js';

const DAY = 86400000;

function niceTicks(min, max, count) {
  if (!(max > min)) { max = min + 1; }
  const span = max - min;
  const raw = span / Math.max(1, count);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const norm = raw / mag;
  const step = (norm >= 5 ? 10 : norm >= 2 ? 5 : norm >= 1 ? 2 : 1) * mag;
  const ticks = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(+v.toPrecision(12));
  return ticks;
}

function timeTicks(t0, t1, count) {
  const span = t1 - t0;
  const years = span / (365.25 * DAY);
  const ticks = [];
  if (years > 2) {
    const y0 = new Date(t0).getUTCFullYear(), y1 = new Date(t1).getUTCFullYear();
    const step = Math.max(1, Math.ceil((y1 - y0 + 1) / count));
    for (let y = y0 + 1; y <= y1; y += step) ticks.push({ t: Date.UTC(y, 0, 1), label: String(y) });
  } else if (span > 60 * DAY) {
    const d = new Date(t0);
    let y = d.getUTCFullYear(), m = d.getUTCMonth() + 1;
    const months = Math.ceil(span / (30 * DAY));
    const step = Math.max(1, Math.ceil(months / count));
    for (;;) {
      if (m > 11) { y += Math.floor(m / 12); m %= 12; }
      const t = Date.UTC(y, m, 1);
      if (t > t1) break;
      ticks.push({ t, label: `${y}-${String(m + 1).padStart(2, '0')}` });
      m += step;
    }
  } else {
    const step = Math.max(DAY, Math.ceil(span / count / DAY) * DAY);
    for (let t = Math.ceil(t0 / DAY) * DAY; t <= t1; t += step) {
      ticks.push({ t, label: new Date(t).toISOString().slice(5, 10) });
    }
  }
  return ticks;
}

/**
 * Encounter timeline: one lane per class, a bar from admit to discharge (open stays run to now).
 * encounters: [{id, class, admit_at, discharge_at, status, reason}], onPick(enc) on click/Enter.
 */
export function encounterTimeline(encounters, onPick, opts = {}) {
  const width = opts.width || 1000;
  const items = encounters
    .map((e) => ({ e, t0: parseTime(e.admit_at), t1: parseTime(e.discharge_at) }))
    .filter((x) => !Number.isNaN(x.t0));
  const now = Date.now();
  for (const x of items) {
    if (Number.isNaN(x.t1)) x.t1 = x.e.status === 'discharged' || x.e.discharge_at ? x.t0 : Math.max(x.t0, now);
    if (x.t1 < x.t0) x.t1 = x.t0;
  }
  const classes = [...new Set(items.map((x) => x.e.class || 'unknown'))].sort();
  const laneH = 22, top = 8, left = 96, right = 12, axisH = 22;
  const height = top + classes.length * laneH + axisH;
  const svg = s('svg', {
    class: 'timeline', viewBox: `0 0 ${width} ${height}`, width: '100%',
    role: 'img', 'aria-label': `Encounter timeline: ${items.length} encounters`,
  });
  if (!items.length) return svg;
  let tMin = Math.min(...items.map((x) => x.t0));
  let tMax = Math.max(...items.map((x) => x.t1));
  if (tMax - tMin < 7 * DAY) { tMin -= 3 * DAY; tMax += 4 * DAY; }
  const pad = (tMax - tMin) * 0.01;
  tMin -= pad; tMax += pad;
  const X = (t) => left + ((t - tMin) / (tMax - tMin)) * (width - left - right);
  classes.forEach((c, i) => {
    const y = top + i * laneH;
    svg.appendChild(s('rect', { class: 'lane' + (i % 2 ? ' lane-alt' : ''), x: 0, y, width, height: laneH }));
    svg.appendChild(s('text', { class: 'lane-label', x: 6, y: y + laneH / 2 + 4, text: c }));
  });
  const axisY = top + classes.length * laneH;
  svg.appendChild(s('line', { class: 'axis', x1: left, x2: width - right, y1: axisY, y2: axisY }));
  for (const tk of timeTicks(tMin, tMax, 8)) {
    const x = X(tk.t);
    svg.appendChild(s('line', { class: 'grid', x1: x, x2: x, y1: top, y2: axisY }));
    svg.appendChild(s('text', { class: 'tick', x, y: axisY + 15, 'text-anchor': 'middle', text: tk.label }));
  }
  for (const x of items) {
    const lane = classes.indexOf(x.e.class || 'unknown');
    const x0 = X(x.t0);
    const w = Math.max(4, X(x.t1) - x0);
    const cls = 'bar enc-' + String(x.e.class || 'unknown').replace(/[^a-z]/gi, '');
    const label = `${x.e.class || 'encounter'} ${fmtTime(x.e.admit_at)} to ${x.e.discharge_at ? fmtTime(x.e.discharge_at) : 'open'}` +
      (x.e.reason ? `: ${x.e.reason}` : '');
    const bar = s('rect', {
      class: cls + (x.e.discharge_at ? '' : ' open'), x: x0, y: top + lane * laneH + 4, width: w, height: laneH - 8,
      rx: 2, tabindex: 0, role: 'button', 'aria-label': label, 'data-id': x.e.id,
      onclick: () => onPick(x.e),
      onkeydown: (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); onPick(x.e); } },
    }, s('title', { text: label }));
    svg.appendChild(bar);
  }
  return svg;
}

/** Parses a reference range: "3.5-5.0", "3.5 - 5.0 mmol/L", "<5.7", ">=60" -> {low, high} or null. */
export function parseRange(text) {
  if (!text) return null;
  const t = String(text).trim();
  let m = /^(-?\d+(?:\.\d+)?)\s*(?:-|–|to)\s*(-?\d+(?:\.\d+)?)/.exec(t);
  if (m) return { low: parseFloat(m[1]), high: parseFloat(m[2]) };
  m = /^<=?\s*(-?\d+(?:\.\d+)?)/.exec(t);
  if (m) return { low: null, high: parseFloat(m[1]) };
  m = /^>=?\s*(-?\d+(?:\.\d+)?)/.exec(t);
  if (m) return { low: parseFloat(m[1]), high: null };
  return null;
}

export function isAbnormal(flag) {
  return !!flag && !['N', ''].includes(String(flag).toUpperCase());
}

/** Trend plot of numeric observations [{observed_at, value_num|value_text, abnormal_flag, ref_range}]. */
export function trendPlot(obs, opts = {}) {
  const width = opts.width || 800, height = opts.height || 260;
  const left = 56, right = 16, top = 12, bottom = 30;
  const pts = obs
    .map((o) => ({ o, t: parseTime(o.observed_at), v: typeof o.value_num === 'number' ? o.value_num : parseFloat(o.value ?? o.value_text) }))
    .filter((p) => !Number.isNaN(p.t) && Number.isFinite(p.v))
    .sort((a, b) => a.t - b.t);
  const svg = s('svg', {
    class: 'trend', viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img',
    'aria-label': `${opts.title || 'Trend'}: ${pts.length} values`,
  });
  if (!pts.length) {
    svg.appendChild(s('text', { class: 'tick', x: width / 2, y: height / 2, 'text-anchor': 'middle', text: 'No numeric values to plot' }));
    return svg;
  }
  const range = parseRange(opts.refRange ?? pts[pts.length - 1].o.ref_range);
  let vMin = Math.min(...pts.map((p) => p.v)), vMax = Math.max(...pts.map((p) => p.v));
  if (range) {
    if (range.low !== null) vMin = Math.min(vMin, range.low);
    if (range.high !== null) vMax = Math.max(vMax, range.high);
  }
  if (vMax === vMin) { vMax += Math.abs(vMax) * 0.1 || 1; vMin -= Math.abs(vMin) * 0.1 || 1; }
  const vPad = (vMax - vMin) * 0.08;
  vMin -= vPad; vMax += vPad;
  let tMin = pts[0].t, tMax = pts[pts.length - 1].t;
  if (tMax - tMin < DAY) { tMin -= DAY; tMax += DAY; }
  const tPad = (tMax - tMin) * 0.03;
  tMin -= tPad; tMax += tPad;
  const X = (t) => left + ((t - tMin) / (tMax - tMin)) * (width - left - right);
  const Y = (v) => top + (1 - (v - vMin) / (vMax - vMin)) * (height - top - bottom);
  if (range) {
    const yHigh = range.high !== null ? Y(range.high) : top;
    const yLow = range.low !== null ? Y(range.low) : height - bottom;
    svg.appendChild(s('rect', { class: 'refband', x: left, y: yHigh, width: width - left - right, height: Math.max(0, yLow - yHigh) },
      s('title', { text: `Reference range ${opts.refRange ?? pts[pts.length - 1].o.ref_range}` })));
  }
  for (const v of niceTicks(vMin, vMax, 5)) {
    const y = Y(v);
    svg.appendChild(s('line', { class: 'grid', x1: left, x2: width - right, y1: y, y2: y }));
    svg.appendChild(s('text', { class: 'tick', x: left - 6, y: y + 4, 'text-anchor': 'end', text: String(v) }));
  }
  for (const tk of timeTicks(tMin, tMax, 6)) {
    const x = X(tk.t);
    svg.appendChild(s('text', { class: 'tick', x, y: height - bottom + 16, 'text-anchor': 'middle', text: tk.label }));
  }
  svg.appendChild(s('line', { class: 'axis', x1: left, x2: width - right, y1: height - bottom, y2: height - bottom }));
  svg.appendChild(s('line', { class: 'axis', x1: left, x2: left, y1: top, y2: height - bottom }));
  const d = pts.map((p, i) => `${i ? 'L' : 'M'}${X(p.t).toFixed(1)},${Y(p.v).toFixed(1)}`).join(' ');
  svg.appendChild(s('path', { class: 'trendline', d }));
  for (const p of pts) {
    const abn = isAbnormal(p.o.abnormal_flag);
    svg.appendChild(s('circle', { class: abn ? 'pt pt-abn' : 'pt', cx: X(p.t), cy: Y(p.v), r: abn ? 4.5 : 3.5 },
      s('title', { text: `${fmtDate(p.o.observed_at)}: ${p.o.value ?? p.o.value_text ?? p.v}${p.o.units ? ' ' + p.o.units : ''}${abn ? ' (' + p.o.abnormal_flag + ')' : ''}` })));
  }
  if (opts.units) svg.appendChild(s('text', { class: 'tick', x: 4, y: top + 8, text: opts.units }));
  return svg;
}
