// The administrator adds a user (a refused duplicate shows the server's message), disables and
// re-enables it and resets its password; the new user then signs in with that password.
import { scenario, signIn, signOut, screenshot, assert } from './lib.mjs';

await scenario('users', async ({ page, url, guard }) => {
  await page.goto(url);
  await signIn(page, url, 'admin');
  await page.getByRole('link', { name: 'Users', exact: true }).click();
  await page.locator('table.users tbody tr').first().waitFor();
  const form = page.getByRole('form', { name: 'Add user' });

  // A taken username: the server refuses (409) and its message is shown.
  guard.expect('POST', /\/api\/v1\/users$/, 409);
  await form.getByLabel('Username').fill('coder');
  await form.getByLabel('Name', { exact: true }).fill('Someone Else');
  await form.getByLabel('Password').fill('a-long-enough-password');
  await form.getByLabel('Coder', { exact: true }).check();
  await form.getByRole('button', { name: 'Add user' }).click();
  const err = page.locator('main .msg-error');
  await err.waitFor();
  console.log(`duplicate refused: ${await err.innerText()}`);

  // A new HIM clerk.
  await form.getByLabel('Username').fill('new.clerk');
  await form.getByLabel('Name', { exact: true }).fill('New Clerk');
  await form.getByLabel('Password').fill('first-password-123');
  await form.getByLabel('Coder', { exact: true }).uncheck();
  await form.getByLabel('HIM technician').check();
  await form.getByRole('button', { name: 'Add user' }).click();
  const row = page.locator('table.users tr[data-username="new.clerk"]');
  await row.waitFor();
  assert(/HIM technician/.test(await row.innerText()), 'new user with its role');

  await row.getByRole('button', { name: 'Disable' }).click();
  await page.locator('table.users tr[data-username="new.clerk"] .st-disabled').waitFor();
  await page.locator('table.users tr[data-username="new.clerk"]').getByRole('button', { name: 'Enable' }).click();
  await page.locator('table.users tr[data-username="new.clerk"] .st-active').waitFor();

  const row2 = page.locator('table.users tr[data-username="new.clerk"]');
  await row2.getByRole('button', { name: 'Reset password' }).click();
  await row2.getByLabel('New password for new.clerk').fill('second-password-456');
  await row2.getByRole('button', { name: 'Set password', exact: true }).click();
  await page.locator('main .msg-ok', { hasText: 'Password reset' }).waitFor();
  await screenshot(page, 'admin-users-changed');
  await signOut(page);

  await signIn(page, url, 'new.clerk', 'second-password-456');
  assert(/New Clerk/.test(await page.locator('header').innerText()), 'the new user is signed in');
});
