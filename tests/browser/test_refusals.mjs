// What a role cannot do: a wrong password; the analyst sees no names; the administrator has no
// patient screens and the API refuses them (403); a bookmarked document refused by the server
// shows the server's message; an ended session returns to sign-in with a message.
import { scenario, signIn, signOut, screenshot, assert } from './lib.mjs';

await scenario('refusals', async ({ page, url, guard }) => {
  await page.goto(url);
  // Wrong password: the server's message, no hint which part was wrong.
  guard.expect('POST', /\/api\/v1\/session$/, 403);
  guard.expect('POST', /\/api\/v1\/session$/, 401);
  await page.locator('#signin-user').fill('him.tech');
  await page.locator('#signin-pass').fill('not-the-password');
  await page.locator('#signin-pass').press('Enter');
  const err = page.locator('.signin-form .msg-error');
  await err.waitFor();
  const msg = await err.innerText();
  assert(/wrong username or password/i.test(msg), `wrong-password message: ${msg}`);
  guard.allowed = guard.allowed.filter((a) => !(a.method === 'POST' && a.times > 0)); // one of the two was used
  await screenshot(page, 'signin-wrong-password');

  // Analyst: de-identified search results, no name column, birth year only.
  await signIn(page, url, 'analyst');
  await page.goto(`${url}#/search?all=1`);
  const rows = page.locator('table.patients tbody tr');
  await rows.first().waitFor();
  const head = await page.locator('table.patients thead').innerText();
  assert(!/Name/.test(head) && /Birth year/.test(head), `de-identified columns: ${head}`);
  const body = await page.locator('table.patients tbody').innerText();
  assert(!/Demo|Alex/.test(body), 'no names for the analyst');
  assert(!/\d{4}-\d{2}-\d{2}/.test(body), 'no exact birth dates for the analyst');
  assert(await page.getByLabel('Name', { exact: true }).count() === 0, 'no name search field for the analyst');
  await screenshot(page, 'analyst-deidentified');
  await rows.first().press('Enter');
  await page.locator('.banner h1').waitFor();
  assert(/Patient #\d+/.test(await page.locator('.banner h1').innerText()), 'chart header without a name');
  assert(await page.getByRole('tab', { name: 'Documents' }).count() === 0, 'no documents tab for the analyst');
  const pid = /#\/patient\/(\d+)/.exec(page.url())[1];

  // A bookmarked document link: the server refuses and the UI shows its message.
  guard.expect('GET', /\/api\/v1\/documents\/1(\/versions)?$/, 403, 2);
  await page.goto(`${url}#/patient/${pid}/document/1`);
  const refused = page.locator('.tab-body .msg-error');
  await refused.waitFor();
  const refusedText = await refused.innerText();
  assert(/Not permitted/.test(refusedText), `403 shown: ${refusedText}`);
  await screenshot(page, 'analyst-refused-document');
  await signOut(page);

  // Administrator: no patient screens offered; the API refuses them with 403.
  await signIn(page, url, 'admin');
  const nav = await page.locator('header nav').innerText();
  assert(!/Patients/.test(nav) && /Users/.test(nav), `admin nav: ${nav}`);
  await page.goto(`${url}#/search`);
  await page.locator('main h1', { hasText: 'Not available' }).waitFor();
  guard.expect('GET', /\/api\/v1\/patients$/, 403);
  const api = await page.evaluate(async () => {
    const r = await fetch('/api/v1/patients?name=demo');
    return { status: r.status, body: await r.json() };
  });
  assert(api.status === 403 && api.body.error && api.body.error.message, `admin refused: ${JSON.stringify(api)}`);
  await screenshot(page, 'admin-no-patients');

  // Users screen works for the administrator.
  await page.goto(`${url}#/users`);
  await page.locator('table.users tbody tr').first().waitFor();
  assert(/him\.tech/.test(await page.locator('table.users').innerText()), 'user list');
  await screenshot(page, 'admin-users');

  // Session ended elsewhere (signed out through the API): the next request returns to sign-in.
  await page.evaluate(async () => {
    const s = await (await fetch('/api/v1/session')).json();
    await fetch('/api/v1/session', { method: 'DELETE', headers: { 'X-CSRF-Token': s.csrf_token } });
  });
  guard.expect('GET', /\/api\/v1\/users$/, 401);
  await page.evaluate(() => { location.hash = '#/users?again=1'; });
  await page.locator('#signin-user').waitFor();
  const ended = await page.locator('.signin-form').innerText();
  assert(/session has ended/i.test(ended), `session-ended message: ${ended}`);
  await screenshot(page, 'session-ended');
});
