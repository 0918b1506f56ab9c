// Line diff by longest common subsequence, for the side-by-side amendment view.
// diffLines(a, b) -> [{op: '=', a, b} | {op: '-', a} | {op: '+', b}] (a/b are line texts).
// sideBySide(ops) -> rows [{left, right, kind}] with kind '=', '-', '+' or '~' (a removed line
// paired with an added one: a change).

const MAX_CELLS = 25_000_000; // LCS table cap (rows x cols) after trimming the common ends

export function splitLines(text) {
  if (text === null || text === undefined || text === '') return [];
  const lines = String(text).replace(/\r\n?/g, '\n').split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function diffLines(aText, bText) {
  const a = Array.isArray(aText) ? aText : splitLines(aText);
  const b = Array.isArray(bText) ? bText : splitLines(bText);
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre &&
         a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const A = a.slice(pre, a.length - suf);
  const B = b.slice(pre, b.length - suf);
  const out = [];
  for (let i = 0; i < pre; i++) out.push({ op: '=', a: a[i], b: b[i] });
  const n = A.length, m = B.length;
  if (n * m > MAX_CELLS) {
    // Too large for a table: show the middle as removed then added (still correct, less minimal).
    for (const x of A) out.push({ op: '-', a: x });
    for (const y of B) out.push({ op: '+', b: y });
  } else if (n && m) {
    // L[i][j] = LCS length of A[i..] and B[j..], in one flat typed array.
    const w = m + 1;
    const L = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        L[i * w + j] = A[i] === B[j] ? L[(i + 1) * w + j + 1] + 1
          : Math.max(L[(i + 1) * w + j], L[i * w + j + 1]);
      }
    }
    let i = 0, j = 0;
    while (i < n && j < m) {
      if (A[i] === B[j]) { out.push({ op: '=', a: A[i], b: B[j] }); i++; j++; }
      else if (L[(i + 1) * w + j] >= L[i * w + j + 1]) out.push({ op: '-', a: A[i++] });
      else out.push({ op: '+', b: B[j++] });
    }
    while (i < n) out.push({ op: '-', a: A[i++] });
    while (j < m) out.push({ op: '+', b: B[j++] });
  } else {
    for (const x of A) out.push({ op: '-', a: x });
    for (const y of B) out.push({ op: '+', b: y });
  }
  for (let k = 0; k < suf; k++) {
    out.push({ op: '=', a: a[a.length - suf + k], b: b[b.length - suf + k] });
  }
  return out;
}

export function sideBySide(ops) {
  const rows = [];
  let aNo = 0, bNo = 0;
  let k = 0;
  while (k < ops.length) {
    if (ops[k].op === '=') {
      aNo++; bNo++;
      rows.push({ kind: '=', left: ops[k].a, right: ops[k].b, leftNo: aNo, rightNo: bNo });
      k++;
      continue;
    }
    const dels = [], adds = [];
    while (k < ops.length && ops[k].op !== '=') {
      if (ops[k].op === '-') dels.push(ops[k].a); else adds.push(ops[k].b);
      k++;
    }
    const n = Math.max(dels.length, adds.length);
    for (let i = 0; i < n; i++) {
      const hasL = i < dels.length, hasR = i < adds.length;
      rows.push({
        kind: hasL && hasR ? '~' : hasL ? '-' : '+',
        left: hasL ? dels[i] : null,
        right: hasR ? adds[i] : null,
        leftNo: hasL ? ++aNo : null,
        rightNo: hasR ? ++bNo : null,
      });
    }
  }
  return rows;
}

export function diffStats(ops) {
  let added = 0, removed = 0;
  for (const o of ops) { if (o.op === '+') added++; else if (o.op === '-') removed++; }
  return { added, removed };
}
