// The administrator adds a user (a refused duplicate shows the server's message), disables and
// re-enables it and resets its password; the new user then signs in with that password.
// The provider link (the clinician's inbox): the demo clinician's provider shows by name and NPI;
// Unlink clears it (the API's provider_id is null); Link provider searches as the name is typed,
// a provider is picked from the list and saved (the API shows its id, the row its name); Save
// with no provider found says so; Unlink again.
import { scenario, signIn, signOut, screenshot, assert } from './lib.mjs';
import { client } from './completeness_seed.mjs';

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

  // The provider link. The demo links the clinician to a provider: the row names it.
  const admin = await client(url, 'admin');
  const providerOf = async (username) => {
    const r = await admin('GET', '/users');
    assert(r.status === 200, `users: ${JSON.stringify(r.body)}`);
    const u = r.body.items.find((x) => x.username === username);
    assert(u, `${username} is listed`);
    return u.provider_id;
  };
  const provs = await admin('GET', '/providers');
  assert(provs.status === 200 && provs.body.items.length >= 2, `providers: ${JSON.stringify(provs.body)}`);
  const demoLink = await providerOf('clinician');
  assert(demoLink, 'the demo links the clinician to a provider');
  const clin = () => page.locator('table.users tr[data-username="clinician"]');
  const shown = provs.body.items.find((p) => p.id === demoLink);
  const cell = await clin().locator('td.provider').innerText();
  assert(shown ? cell.includes(shown.name) : cell === `#${demoLink}`, `the demo link is shown: ${cell}`);

  await clin().getByRole('button', { name: 'Unlink' }).click();
  await page.locator('main .msg-ok', { hasText: 'no longer linked' }).waitFor();
  await clin().getByRole('button', { name: 'Link provider' }).waitFor();
  assert((await clin().locator('td.provider').innerText()) === '—', 'unlinked: no provider shown');
  assert(await providerOf('clinician') === null, 'the API shows no provider after Unlink');

  // Nothing found: Save says to choose one (nothing is sent).
  await clin().getByRole('button', { name: 'Link provider' }).click();
  const linkForm = clin().getByRole('form', { name: 'Link clinician to a provider' });
  const find = linkForm.getByLabel('Find a provider');
  await find.pressSequentially('zzzqx');
  await linkForm.locator('select option', { hasText: 'No provider found' }).waitFor({ state: 'attached' });
  await linkForm.getByRole('button', { name: 'Save' }).click();
  await page.locator('main .msg-error', { hasText: 'Choose a provider' }).waitFor();

  // Type-ahead by family name: every option listed matches it; pick the provider and save.
  const target = provs.body.items.find((p) => p.id !== demoLink && p.npi && /^[A-Za-z]{3}/.test(p.name)) || provs.body.items.find((p) => p.id !== demoLink);
  const prefix = target.name.slice(0, 3);
  await find.fill('');
  await find.pressSequentially(prefix);
  const select = linkForm.getByLabel('Provider for clinician');
  await select.locator(`option[value="${target.id}"]`).waitFor({ state: 'attached' });
  for (let i = 0; ; i++) {
    const texts = await select.locator('option').allInnerTexts();
    if (texts.length && texts.every((t) => t.toLowerCase().startsWith(prefix.toLowerCase()) || t.toLowerCase().includes(`, ${prefix.toLowerCase()}`))) break;
    assert(i < 50, `the list follows the search '${prefix}': ${texts.join(' | ')}`);
    await page.waitForTimeout(100);
  }
  await select.selectOption(String(target.id));
  await screenshot(page, 'admin-users-link');
  await linkForm.getByRole('button', { name: 'Save' }).click();
  await page.locator('main .msg-ok', { hasText: 'is now linked to' }).waitFor();
  await clin().getByRole('button', { name: 'Unlink' }).waitFor();
  const linkedCell = await clin().locator('td.provider').innerText();
  assert(linkedCell.includes(target.name) && (!target.npi || linkedCell.includes(`NPI ${target.npi}`)), `the row names the provider: ${linkedCell}`);
  assert(await providerOf('clinician') === target.id, 'the API shows the provider_id linked on the screen');
  await screenshot(page, 'admin-users-provider');

  await clin().getByRole('button', { name: 'Unlink' }).click();
  await page.locator('main .msg-ok', { hasText: 'no longer linked' }).waitFor();
  await clin().getByRole('button', { name: 'Link provider' }).waitFor();
  assert(await providerOf('clinician') === null, 'the API shows no provider after the second Unlink');
  await signOut(page);

  await signIn(page, url, 'new.clerk', 'second-password-456');
  assert(/New Clerk/.test(await page.locator('header').innerText()), 'the new user is signed in');
});
