// Shared helpers for the browser tests: a throwaway Folio (demo data) on a random port, Debian's
// chromium driven by playwright-core, a guard that fails the test on any console error, page
// error or /api request failure it did not expect, and screenshots into $FOLIO_ARTIFACTS.
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const SKIP = 77;
const CHROMIUM = process.env.FOLIO_CHROMIUM || '/usr/bin/chromium';
// Without the background-networking flags chromium tries to reach Google at every start, and this
// machine's closed network refuses it (see the machine notes).
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage',
];
export const DEMO_PASSWORD = 'demo-password';

function skip(msg) {
  console.log(`SKIP: ${msg}`);
  process.exit(SKIP);
}

export async function loadPlaywright() {
  if (!existsSync(CHROMIUM)) skip(`${CHROMIUM} is missing (scripts/browser-deps.sh installs it)`);
  try {
    return await import('playwright-core');
  } catch {
    skip('node_modules/playwright-core is missing (run scripts/browser-deps.sh or npm ci)');
  }
  return null;
}

function need(name) {
  const v = process.env[name];
  if (!v) skip(`${name} is not set (run through ctest)`);
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

/**
 * Creates a temp dir, loads the demo data, starts `folio serve` on 127.0.0.1:0.
 * opts.codes: also load the staged code sets (`folio demo --codes`, ~10-25 s): only for tests
 * that need the encoder.
 * opts.serveArgs(dir): extra `folio serve` options, called with the server's temp directory
 * once the demo data is in (it may write files there, e.g. a Table 5).
 */
export async function startServer(opts = {}) {
  const bin = need('FOLIO_BIN');
  const src = need('FOLIO_SOURCE_DIR');
  const dir = mkdtempSync(path.join(tmpdir(), 'folio-browser-'));
  const db = `sqlite:${path.join(dir, 'db')}`;
  const key = path.join(dir, 'key');
  const env = { ...process.env, FOLIO_WEB_ROOT: path.join(src, 'web') };
  delete env.FOLIO_DB;
  await run(bin, ['--quiet', '--db', db, '--key', key, 'demo', ...(opts.codes ? ['--codes'] : [])], env);
  const extra = opts.serveArgs ? opts.serveArgs(dir) : [];
  const proc = spawn(bin, ['--db', db, '--key', key, 'serve', '--listen', '127.0.0.1:0', ...extra],
    { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; if (stderr.length > 65536) stderr = stderr.slice(-32768); });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`folio serve did not start in 60 s: ${stderr}`)), 60000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1].replace(/\/?$/, '/')); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`folio serve exited (${code}): ${stderr}`)); });
  });
  proc.removeAllListeners('exit');
  return {
    url, dir, db, key, proc,
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

/** Watches a page: console errors, page errors, /api responses >= 400 and failed requests. */
export class Guard {
  constructor() {
    this.problems = [];
    // Signing-in checks the session first: 401 there is how "not signed in" looks.
    this.allowed = [{ method: 'GET', re: /\/api\/v1\/session$/, status: 401, times: Infinity }];
  }
  /** Expect one (or `times`) failing API response: method, path regex (after /api/v1), status. */
  expect(method, re, status, times = 1) { this.allowed.push({ method, re, status, times }); }
  attach(page) {
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      // Chromium logs every 4xx fetch as a console error: those are judged by the response check.
      if (/^Failed to load resource: the server responded with a status of/.test(msg.text())) return;
      this.problems.push(`console error: ${msg.text()}`);
    });
    page.on('pageerror', (err) => this.problems.push(`page error: ${err.message}`));
    page.on('requestfailed', (req) => {
      if (req.url().includes('/api/')) this.problems.push(`request failed: ${req.method()} ${req.url()} ${req.failure()?.errorText}`);
    });
    page.on('response', (resp) => {
      const u = new URL(resp.url());
      if (resp.status() < 400) return;
      if (!u.pathname.startsWith('/api/')) { this.problems.push(`HTTP ${resp.status()} for ${u.pathname}`); return; }
      const method = resp.request().method();
      const a = this.allowed.find((x) => x.times > 0 && x.method === method && x.status === resp.status() && x.re.test(u.pathname));
      if (a) { a.times--; return; }
      this.problems.push(`unexpected HTTP ${resp.status()} for ${method} ${u.pathname}${u.search}`);
    });
  }
  check(where = '') {
    if (this.problems.length) throw new Error(`${where ? where + ': ' : ''}${this.problems.join('\n  ')}`);
  }
}

/** A fresh chromium profile and page. */
export async function openBrowser(pw, opts = {}) {
  const profile = mkdtempSync(path.join(tmpdir(), 'folio-chromium-'));
  const context = await pw.chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: opts.viewport || { width: 1280, height: 800 },
  });
  context.setDefaultTimeout(15000);
  const page = context.pages()[0] || await context.newPage();
  const guard = new Guard();
  guard.attach(page);
  return {
    context, page, guard,
    async newPage() { const p = await context.newPage(); guard.attach(p); return p; },
    async close() { await context.close(); rmSync(profile, { recursive: true, force: true }); },
  };
}

export function artifactsDir() {
  const dir = process.env.FOLIO_ARTIFACTS || path.join(tmpdir(), 'folio-browser-artifacts');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export async function screenshot(page, name) {
  const file = path.join(artifactsDir(), `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`screenshot: ${file}`);
  return file;
}

export async function signIn(page, baseUrl, username, password = DEMO_PASSWORD) {
  if (!page.url().startsWith(baseUrl)) await page.goto(baseUrl);
  await page.locator('#signin-user').fill(username);
  await page.locator('#signin-pass').fill(password);
  await page.locator('#signin-pass').press('Enter');
  await page.locator('[data-testid="user-name"]').waitFor();
}

export async function signOut(page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.locator('#signin-user').waitFor();
}

/** Searches by name and opens the first hit with the keyboard; returns the patient id. */
export async function openChartByName(page, baseUrl, name) {
  await page.goto(`${baseUrl}#/search`);
  const box = page.getByLabel('Name', { exact: true });
  await box.fill(name);
  await box.press('Enter');
  const first = page.locator('table.patients tbody tr').first();
  await first.waitFor();
  await first.press('Enter');
  await page.locator('.banner h1').waitFor();
  const m = /#\/patient\/(\d+)/.exec(page.url());
  if (!m) throw new Error(`not on a chart: ${page.url()}`);
  return parseInt(m[1], 10);
}

export function assert(cond, msg) {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
}

/**
 * Runs a scenario: starts the server and browser, calls fn({pw, server, browser, page, guard}),
 * checks the guard, always stops everything, prints a result line and exits 0/1 (77 = skipped).
 * opts: viewport (the browser's), codes (the server's demo database gets the code sets).
 */
export async function scenario(name, fn, opts = {}) {
  const pw = await loadPlaywright();
  let server, browser, failed = null;
  const t0 = Date.now();
  try {
    server = await startServer({ codes: !!opts.codes, serveArgs: opts.serveArgs });
    browser = await openBrowser(pw, opts);
    await fn({ pw, server, browser, page: browser.page, guard: browser.guard, url: server.url });
    browser.guard.check(name);
  } catch (err) {
    failed = err;
    if (browser) {
      try { await screenshot(browser.page, `FAILED-${name}`); } catch { /* page may be gone */ }
    }
  } finally {
    if (browser) await browser.close().catch(() => {});
    if (server) await server.stop().catch(() => {});
  }
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (failed) {
    console.error(`FAIL ${name} (${secs} s): ${failed.stack || failed}`);
    if (server) console.error(`server stderr (tail):\n${server.stderr().slice(-4000)}`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  console.log(`ok ${name} (${secs} s)`);
  console.log('1 passed, 0 failed');
  process.exit(0);
}
