// The UI's pure logic without a browser: the LCS line diff and side-by-side rows, and the
// reference-range parser of the trend plot. Needs only node.
import { diffLines, sideBySide, diffStats, splitLines } from '../../web/js/diff.js';
import { parseRange, isAbnormal } from '../../web/js/plot.js';
import assert from 'node:assert/strict';

let passed = 0, failed = 0;
function t(name, fn) {
  try { fn(); passed++; } catch (e) { failed++; console.error(`FAIL ${name}: ${e.message}`); }
}

t('identical texts', () => {
  const ops = diffLines('a\nb\nc\n', 'a\nb\nc');
  assert.deepEqual(ops.map((o) => o.op), ['=', '=', '=']);
});
t('one line changed', () => {
  const ops = diffLines('a\nb\nc', 'a\nB\nc');
  assert.deepEqual(ops.map((o) => o.op).join(''), '=-+=');
  const rows = sideBySide(ops);
  assert.equal(rows.length, 3);
  assert.deepEqual(rows[1], { kind: '~', left: 'b', right: 'B', leftNo: 2, rightNo: 2 });
});
t('insertions and deletions keep line numbers', () => {
  const ops = diffLines('x\na\nb\nc', 'a\nb\nnew\nc\nend');
  assert.deepEqual(diffStats(ops), { added: 2, removed: 1 });
  const rows = sideBySide(ops);
  const last = rows[rows.length - 1];
  assert.equal(last.right, 'end');
  assert.equal(last.rightNo, 5);
  assert.equal(rows.filter((r) => r.kind === '=').length, 3);
});
t('LCS is minimal', () => {
  const a = 'A B C A B B A'.split(' '), b = 'C B A B A C'.split(' ');
  const ops = diffLines(a, b);
  assert.equal(ops.filter((o) => o.op === '=').length, 4); // LCS length of the classic example
  assert.deepEqual(ops.filter((o) => o.op !== '+').map((o) => o.a), a);
  assert.deepEqual(ops.filter((o) => o.op !== '-').map((o) => o.b), b);
});
t('empty sides and CRLF', () => {
  assert.deepEqual(diffLines('', 'a\r\nb').map((o) => o.op), ['+', '+']);
  assert.deepEqual(diffLines('a', '').map((o) => o.op), ['-']);
  assert.deepEqual(splitLines('a\r\nb\r\n'), ['a', 'b']);
});
t('reference ranges', () => {
  assert.deepEqual(parseRange('4.5-11.0'), { low: 4.5, high: 11 });
  assert.deepEqual(parseRange('3.5 - 5.0 mmol/L'), { low: 3.5, high: 5 });
  assert.deepEqual(parseRange('<5.7'), { low: null, high: 5.7 });
  assert.deepEqual(parseRange('>=60'), { low: 60, high: null });
  assert.equal(parseRange('negative'), null);
  assert.equal(parseRange(''), null);
});
t('abnormal flags', () => {
  for (const f of ['H', 'L', 'HH', 'LL', 'A', 'AA']) assert.ok(isAbnormal(f), f);
  for (const f of ['N', '', null, undefined]) assert.ok(!isAbnormal(f), String(f));
});

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
