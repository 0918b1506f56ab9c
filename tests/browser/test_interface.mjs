// The interface analyst's screen: messages arrive over MLLP (a small node client on net.Socket),
// the HIM technician opens the list, filters it, opens the errors queue, opens an errored
// message, sees the parsed tree with the error's location marked and reachable by keyboard,
// and replays it. A role without interface.read is not offered the screen and the API refuses
// it (403). The views are in the audit trail (interface.list, interface.view).
import net from 'node:net';
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  SKIP, DEMO_PASSWORD, loadPlaywright, openBrowser, screenshot, signIn, signOut, assert,
} from './lib.mjs';

function need(name) {
  const v = process.env[name];
  if (!v) { console.log(`SKIP: ${name} is not set (run through ctest)`); process.exit(SKIP); }
  return v;
}

function run(cmd, args, env) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, maxBuffer: 64 << 20, timeout: 300000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(cmd)} ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

/* lib.mjs's startServer, with the MLLP listener on a free port as well. */
async function startServerWithMllp() {
  const bin = need('FOLIO_BIN');
  const src = need('FOLIO_SOURCE_DIR');
  const dir = mkdtempSync(path.join(tmpdir(), 'folio-browser-'));
  const db = `sqlite:${path.join(dir, 'db')}`;
  const key = path.join(dir, 'key');
  const env = { ...process.env, FOLIO_WEB_ROOT: path.join(src, 'web') };
  delete env.FOLIO_DB;
  await run(bin, ['--quiet', '--db', db, '--key', key, 'demo'], env);
  const proc = spawn(bin, ['--db', db, '--key', key, 'serve', '--listen', '127.0.0.1:0', '--mllp', '127.0.0.1:0'],
    { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; if (stderr.length > 65536) stderr = stderr.slice(-32768); });
  const { url, mllp } = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`folio serve did not start in 60 s: ${stderr}`)), 60000);
    proc.stdout.on('data', (d) => {
      out += d;
      const u = /listening on (http:\/\/[^\s]+)/.exec(out);
      const m = /mllp listening on ([^\s]+)/.exec(out);
      if (u && m) { clearTimeout(timer); resolve({ url: u[1].replace(/\/?$/, '/'), mllp: m[1] }); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`folio serve exited (${code}): ${stderr}`)); });
  });
  proc.removeAllListeners('exit');
  return {
    url, mllp, dir, db, key, proc,
    stderr: () => stderr,
    async stop() {
      if (proc.exitCode === null) {
        const done = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 10000);
        await done;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/* Sends messages over one MLLP connection, one at a time; resolves with the ACK texts. */
function mllpSend(hostPort, messages) {
  const [host, port] = [hostPort.slice(0, hostPort.lastIndexOf(':')), parseInt(hostPort.slice(hostPort.lastIndexOf(':') + 1), 10)];
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    const acks = [];
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => { sock.destroy(); reject(new Error('MLLP: no ACK within 30 s')); }, 30000);
    const next = () => {
      if (acks.length === messages.length) { clearTimeout(timer); sock.end(); resolve(acks); return; }
      const body = Buffer.from(messages[acks.length].replace(/\r?\n/g, '\r'), 'utf8');
      sock.write(Buffer.concat([Buffer.from([0x0b]), body, Buffer.from([0x1c, 0x0d])]));
    };
    sock.on('connect', next);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf(Buffer.from([0x1c, 0x0d]));
        if (end < 0) break;
        const start = buf.indexOf(0x0b);
        acks.push(buf.subarray(start + 1, end).toString('utf8'));
        buf = buf.subarray(end + 2);
        next();
      }
    });
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
}
const ackCode = (ack) => (/(?:^|\r)MSA\|([A-Z]{2})/.exec(ack) || [])[1];

// A good admission from the shared samples, a birth date that is no date (AE at PID-7), an
// identifier list with no identifier (AE at PID-3, a field the message leaves empty) and a
// message that does not parse.
const SAMPLE = process.env.FOLIO_SHARED ? path.join(process.env.FOLIO_SHARED, 'data/corpora/hl7v2/samples/ADT-A01-01.hl7') : '';
const BAD_DATE = [
  'MSH|^~\\&|REGADT|GOOD HEALTH HOSPITAL|FOLIO|HIM|20240501083000||ADT^A01^ADT_A01|UI-ERR-0001|P|2.5.1',
  'EVN|A01|20240501083000',
  'PID|1||MRN7788^^^GHH^MR~555-44-3333^^^SSA^SS||Garcia^Maria^L||19851332|F|||12 Main St^^Springfield^IL^62701',
  'PV1|1|I|4W^401^A||||1234^Smith^John|||||||||||V7788^^^GHH^VN|||||||||||||||||||||||||20240501080000',
].join('\r');
const NO_ID = [
  'MSH|^~\\&|REGADT|GOOD HEALTH HOSPITAL|FOLIO|HIM|20240501090000||ADT^A04^ADT_A01|UI-ERR-0002|P|2.5.1',
  'EVN|A04|20240501090000',
  'PID|1||||Nguyen^Bao||19700204|M',
  'PV1|1|O|CLINIC^1^1||||1234^Smith^John|||||||||||V9911^^^GHH^VN',
].join('\r');
const BROKEN = [
  'MSH|^~\\&|REGADT|GOOD HEALTH HOSPITAL|FOLIO|HIM|20240501091000||ADT^A08^ADT_A01|UI-ERR-0003|P|2.5.1',
  'EVN|A08|20240501091000',
  'pid|1||X1^^^GHH^MR',
].join('\r');

async function bearer(url, username) {
  const r = await fetch(`${url}api/v1/session`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: DEMO_PASSWORD, mode: 'bearer' }),
  });
  const j = await r.json();
  assert(r.ok && j.token, `bearer sign-in for ${username}: ${JSON.stringify(j)}`);
  return j.token;
}

const NAME = 'interface';
const pw = await loadPlaywright();
let server, browser, failed = null;
const t0 = Date.now();
try {
  server = await startServerWithMllp();
  const url = server.url;
  const messages = [BAD_DATE, NO_ID, BROKEN];
  if (SAMPLE) messages.unshift(readFileSync(SAMPLE, 'utf8'));
  const acks = await mllpSend(server.mllp, messages);
  const codes = acks.map(ackCode);
  assert(codes.length === messages.length, `one ACK per message: ${codes}`);
  if (SAMPLE) assert(codes[0] === 'AA', `the sample admission is accepted: ${codes[0]}`);
  assert(codes[codes.length - 3] === 'AE' && codes[codes.length - 2] === 'AE', `content errors answer AE: ${codes}`);

  browser = await openBrowser(pw);
  const { page, guard } = browser;
  await page.goto(url);

  // The HIM technician works the interface.
  await signIn(page, url, 'him.tech');
  const nav = await page.locator('header nav').innerText();
  assert(/Interface/.test(nav), `HIM technician nav: ${nav}`);
  await page.getByRole('link', { name: 'Interface' }).click();
  const rows = page.locator('table.hl7 tbody tr');
  await rows.first().waitFor();
  assert(await rows.count() === messages.length, `every message listed: ${await rows.count()}`);
  const listText = await page.locator('table.hl7').innerText();
  assert(/UI-ERR-0001/.test(listText) && /ADT\^A01/.test(listText), 'list shows control ids and types');
  await screenshot(page, 'interface-list');

  // Filter: AE only, then ADT^A04 only.
  await page.getByLabel('Status (ACK)').selectOption('error');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/status=error/);
  await page.locator('table.hl7 tbody tr').first().waitFor();
  const aeText = await page.locator('table.hl7 tbody').innerText();
  assert(!/\bAA\b/.test(aeText) && /\bAE\b/.test(aeText), `AE filter: ${aeText}`);
  await page.getByLabel('Type', { exact: true }).fill('adt^a04');
  await page.getByLabel('Type', { exact: true }).press('Enter');
  await page.waitForURL(/type=ADT%5EA04/);
  await page.locator('table.hl7 tbody tr').first().waitFor();
  assert(await page.locator('table.hl7 tbody tr').count() === 1, 'one ADT^A04 with AE');

  // The errors queue.
  await page.getByRole('tab', { name: 'Errors queue' }).click();
  await page.waitForURL(/#\/interface\/errors$/);
  const q = page.locator('table.hl7 tbody tr');
  await q.first().waitFor();
  const queue = await page.locator('table.hl7 tbody').innerText();
  assert(/UI-ERR-0001/.test(queue) && /UI-ERR-0002/.test(queue), `errors queue: ${queue}`);
  assert(!/MSG00001/.test(queue), 'the accepted admission is not in the errors queue');
  await screenshot(page, 'interface-errors');

  // Open the bad birth date message with the keyboard.
  const row = page.locator('table.hl7 tbody tr', { hasText: 'UI-ERR-0001' });
  await row.focus();
  await row.press('Enter');
  await page.waitForURL(/#\/interface\/message\/\d+$/);
  const tree = page.getByRole('tree', { name: 'Parsed message' });
  await tree.waitFor();
  const errCard = page.locator('.hl7-errors-card');
  assert(/PID-7/.test(await errCard.innerText()), 'the error names its location');
  // The error's field is marked in the tree and visible (its segment is open).
  const pid7 = tree.locator('li.err[data-pos="PID-7"]');
  await pid7.waitFor();
  assert(/19851332/.test(await pid7.innerText()), 'PID-7 node shows the value');
  assert(/Date\/Time of Birth/.test(await pid7.innerText()), 'PID-7 node shows the field name');
  assert(/err-line/.test(await page.locator('pre.hl7-raw .seg-line[data-seg="PID(1)"]').first().getAttribute('class')), 'raw PID line marked');
  assert(/MSA\|AE\|UI-ERR-0001/.test(await page.locator('pre.hl7-raw').nth(1).innerText()), 'the ACK is shown');
  // "Show in the tree" focuses the node; the keyboard walks and opens the tree.
  await errCard.getByRole('button', { name: 'PID-7.1' }).click();
  assert(await pid7.evaluate((el) => el === document.activeElement), 'locating focuses PID-7');
  await page.keyboard.press('ArrowUp'); // PID-5 Patient Name, folded
  const pid5 = tree.locator('li[data-pos="PID-5"]');
  assert(await pid5.evaluate((el) => el === document.activeElement), 'ArrowUp reaches PID-5');
  assert(await pid5.getAttribute('aria-expanded') === 'false', 'PID-5 starts folded');
  await page.keyboard.press('ArrowRight');
  assert(await pid5.getAttribute('aria-expanded') === 'true', 'ArrowRight opens PID-5');
  await page.keyboard.press('ArrowRight');
  const pid51 = tree.locator('li[data-pos="PID-5.1"]');
  assert(await pid51.evaluate((el) => el === document.activeElement), 'ArrowRight again reaches PID-5.1');
  assert(/Garcia/.test(await pid51.innerText()), 'component value');
  // Repetitions: PID-3 holds an MRN and an SSN.
  const pid3 = tree.locator('li[data-pos="PID-3"]');
  await pid3.locator(':scope > .node').click();
  assert(await tree.locator('li[data-pos="PID-3[2]"]').isVisible(), 'second repetition of PID-3');
  await screenshot(page, 'interface-message');

  // Replay: the message is still wrong, so the replay is answered AE and stays in the queue.
  await page.getByRole('button', { name: 'Replay' }).click();
  const result = page.locator('.replay-result .msg');
  await result.waitFor();
  const resText = await result.innerText();
  assert(/Replayed as message #\d+/.test(resText) && /AE/.test(resText), `replay result: ${resText}`);
  assert(/stays in the errors queue/.test(resText), 'original stays in the queue');
  await screenshot(page, 'interface-replay');
  await result.getByRole('link').click();
  await page.locator('h1', { hasText: 'Message #' }).waitFor();
  assert(/replay of/.test(await page.locator('dl.facts').innerText()), 'the replay row links its original');

  // A required field the message left empty: the position is shown in the tree, marked.
  await page.goto(`${url}#/interface/errors`);
  await page.locator('table.hl7 tbody tr', { hasText: 'UI-ERR-0002' }).click();
  await tree.waitFor();
  const pid3Missing = tree.locator('li.err[data-pos="PID-3"]');
  await pid3Missing.waitFor();
  assert(/not in the message/.test(await pid3Missing.innerText()), 'empty PID-3 shown as such');

  // A message that does not parse: the reason instead of a tree, the raw text still there.
  await page.goto(`${url}#/interface/errors`);
  await page.locator('table.hl7 tbody tr', { hasText: 'UI-ERR-0003' }).click();
  await page.locator('.hl7-tree-card .msg-error').waitFor();
  assert(/could not be parsed/.test(await page.locator('.hl7-tree-card').innerText()), 'parse failure explained');
  assert(/pid\|1/.test(await page.locator('pre.hl7-raw').first().innerText()), 'raw text of the broken message');
  await screenshot(page, 'interface-unparsed');
  await signOut(page);

  // A coder has no interface.read: no screen offered, and the API refuses (403).
  await signIn(page, url, 'coder');
  assert(!/Interface/.test(await page.locator('header nav').innerText()), 'no Interface for the coder');
  await page.goto(`${url}#/interface`);
  await page.locator('main h1', { hasText: 'Not available' }).waitFor();
  guard.expect('GET', /\/api\/v1\/hl7\/messages$/, 403);
  guard.expect('POST', /\/api\/v1\/hl7\/messages\/1\/replay$/, 403);
  const refused = await page.evaluate(async () => {
    const s = await (await fetch('/api/v1/session')).json();
    const a = await fetch('/api/v1/hl7/messages');
    const b = await fetch('/api/v1/hl7/messages/1/replay', { method: 'POST', headers: { 'X-CSRF-Token': s.csrf_token } });
    return [a.status, b.status];
  });
  assert(refused[0] === 403 && refused[1] === 403, `coder refused: ${refused}`);
  await screenshot(page, 'interface-refused');

  // The privacy officer finds the views in the audit trail.
  const tok = await bearer(url, 'privacy');
  const audit = await (await fetch(`${url}api/v1/audit?action=interface.`, { headers: { Authorization: `Bearer ${tok}` } })).json();
  const actions = new Set(audit.items.filter((e) => e.username === 'him.tech').map((e) => e.action));
  assert(actions.has('interface.view') && actions.has('interface.list') && actions.has('interface.replay'),
    `audited: ${[...actions]}`);
  guard.check(NAME);
} catch (err) {
  failed = err;
  if (browser) {
    try { await screenshot(browser.page, `FAILED-${NAME}`); } catch { /* page may be gone */ }
  }
} finally {
  if (browser) await browser.close().catch(() => {});
  if (server) await server.stop().catch(() => {});
}
const secs = ((Date.now() - t0) / 1000).toFixed(1);
if (failed) {
  console.error(`FAIL ${NAME} (${secs} s): ${failed.stack || failed}`);
  if (server) console.error(`server stderr (tail):\n${server.stderr().slice(-4000)}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
console.log(`ok ${NAME} (${secs} s)`);
console.log('1 passed, 0 failed');
process.exit(0);
