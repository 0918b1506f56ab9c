// The clinician's inbox, on the demo data with the shipped rules loaded. The demo clinician is
// linked to the attending of a short inpatient stay instead of the demo's own
// (folio user provider); a progress note of
// theirs is filed unsigned (a "sign" deficiency), the discharge summary is missing (a "require"
// deficiency), and the chart analyst sends them a multiple-choice query. The clinician
//   - sees "Inbox" with its count in the header, the query and the deficiencies;
//   - answers the query: "other" without words is refused on the screen, with words it is
//     filed; the query leaves the inbox and is answered (the API says so, with the option, the
//     words and the response document);
//   - signs the progress note: its deficiency disappears;
//   - writes the missing discharge summary from its deficiency (filed for the encounter with its
//     type, signed): that deficiency disappears and no new one appears for the new document.
// A clinician not linked to a provider is told so; the analyst is not offered the inbox.
import { scenario, screenshot, signIn, signOut, assert } from './lib.mjs';
import { client, cli, loadRules, inpatientStays, plusHours, noSideScroll } from './completeness_seed.mjs';

const NOTE = [
  'PROGRESS NOTE',
  '',
  'Dyspnea improving. Weight down 2 kg with IV furosemide. Crackles at the bases only.',
  'Echo: EF 30%. Continue diuresis; switch to oral tomorrow.',
].join('\n');

await scenario('inbox', async ({ server, page, guard, url }) => {
  await loadRules(server);
  const [stay] = await inpatientStays(url, 1, { maxDays: 2 });
  const enc = stay.encounter_id;
  const prov = stay.attending;
  const analyst = await client(url, 'chart.analyst');

  // Not linked (the demo links the clinician to its own stay's attending: unlinked here): the
  // inbox says so (the server answers 409 naming "provider", to the header's count too).
  await cli(server, 'user', 'provider', 'clinician', '--none');
  guard.expect('GET', /\/inbox$/, 409, 2);
  await signIn(page, url, 'clinician');
  assert(/Inbox/.test(await page.locator('header nav').innerText()), 'the clinician is offered the inbox');
  await page.goto(`${url}#/inbox`);
  await page.locator('.inbox .msg-info').waitFor();
  assert(/not linked to a provider/.test(await page.locator('.inbox').innerText()), 'the screen explains the missing link');
  await signOut(page);

  await cli(server, 'user', 'provider', 'clinician', '--id', String(prov.id));

  // An unsigned progress note of theirs, filed during the stay; the discharge summary missing.
  const tech = await client(url, 'him.tech');
  const note = await tech('POST', `/patients/${stay.patient_id}/documents`, {
    type: '11506-3', title: 'Progress note', encounter_id: enc, author_id: prov.id,
    status: 'final', text: NOTE, service_at: plusHours(stay.admit_at, 6),
  });
  assert(note.status === 201, `progress note: ${JSON.stringify(note.body)}`);
  const an = await analyst('POST', `/encounters/${enc}/analyze`, {});
  assert(an.status === 200 && an.body.ruleset_version > 0, `analysis: ${JSON.stringify(an.body)}`);
  const defs = (await analyst('GET', `/encounters/${enc}/deficiencies`)).body.items.filter((d) => d.status === 'open');
  const signDef = defs.find((d) => d.kind === 'sign' && d.document_id === note.body.id);
  const dcsumDef = defs.find((d) => d.rule === 'DCSUM');
  assert(signDef && signDef.responsible && signDef.responsible.id === prov.id, `the unsigned note is theirs to sign: ${JSON.stringify(defs.map((d) => d.rule))}`);
  assert(dcsumDef && dcsumDef.responsible && dcsumDef.responsible.id === prov.id, 'the missing discharge summary is theirs');

  // The analyst's query (multiple choice, evidence from the note), sent.
  const q = await analyst('POST', `/encounters/${enc}/queries`, {
    provider_id: prov.id, template_code: 'heart-failure-specificity',
    indicators: [{ document_id: note.body.id, excerpt: 'Echo: EF 30%.' }], send: true,
  });
  assert(q.status === 201 && q.body.status === 'sent', `query: ${JSON.stringify(q.body)}`);
  const otherIdx = q.body.options.findIndex((o) => o.role === 'other') + 1;
  assert(otherIdx > 0, 'the query offers "other"');

  // ---- the inbox: its count in the header from the start
  await signIn(page, url, 'clinician');
  await page.locator('nav a[data-nav="inbox"] .nav-count').waitFor();
  await page.locator('header nav a[data-nav="inbox"]').click();
  const query = page.locator(`.inbox-query[data-id="${q.body.id}"]`);
  await query.waitFor();
  const inbox = (await (await client(url, 'clinician'))('GET', '/inbox')).body;
  assert(inbox.provider.id === prov.id, `the inbox is the provider's: ${JSON.stringify(inbox.provider)}`);
  const count = inbox.queries.length + inbox.deficiencies.length;
  assert(await page.locator('nav a[data-nav="inbox"] .nav-count').innerText() === String(count), `the header counts ${count}`);
  assert(/type and acuity/.test(await query.innerText()), 'the question is shown');
  const defRows = page.locator('table.inbox-def-list tbody tr[data-id]');
  assert(await defRows.count() === inbox.deficiencies.length, 'every deficiency listed');
  const signRow = page.locator(`table.inbox-def-list tbody tr[data-id="${signDef.id}"]`);
  const dcsumRow = page.locator(`table.inbox-def-list tbody tr[data-id="${dcsumDef.id}"]`);
  assert(await signRow.count() === 1 && await dcsumRow.count() === 1, 'the note to sign and the missing summary are listed');
  await screenshot(page, 'inbox');

  // ---- answer: options as radio buttons; "other" needs words
  await query.getByRole('button', { name: /Answer query/ }).click();
  const form = page.locator(`form.q-answer[aria-label="Answer query ${q.body.id}"]`);
  await form.locator('blockquote', { hasText: 'EF 30%' }).waitFor();
  // the quoted note can be read in place
  await form.getByRole('button', { name: `Read document ${note.body.id}` }).click();
  await form.locator('.ind-doc pre.doc-text', { hasText: 'Weight down 2 kg' }).waitFor();
  const radios = form.locator('input[type=radio]');
  assert(await radios.count() === q.body.options.length, 'one radio button per option');
  await radios.nth(otherIdx - 1).check();
  await form.getByRole('button', { name: 'Send answer' }).click();
  await form.locator('.msg-warn', { hasText: 'your words' }).waitFor();
  await form.locator('textarea[name="answer_text"]').fill('Acute on chronic combined systolic and diastolic heart failure');
  await screenshot(page, 'inbox-answer');
  await form.getByRole('button', { name: 'Send answer' }).click();
  await page.locator('.inbox > .msg-ok', { hasText: `Query ${q.body.id} answered` }).waitFor();
  assert(await page.locator(`.inbox-query[data-id="${q.body.id}"]`).count() === 0, 'the answered query left the inbox');
  const answered = (await analyst('GET', `/queries/${q.body.id}`)).body;
  assert(answered.status === 'answered' && answered.answer_option === otherIdx && /combined systolic/.test(answered.answer_text) && answered.answer_document_id,
    `answered: ${JSON.stringify(answered)}`);

  // ---- sign the progress note: its deficiency goes
  await signRow.getByRole('button', { name: /^Read/ }).click();
  await page.locator('table.inbox-def-list pre.doc-text', { hasText: 'Weight down 2 kg' }).waitFor();
  await signRow.getByRole('button', { name: /^Sign/ }).click();
  await page.locator('.inbox > .msg-ok', { hasText: 'signed' }).waitFor();
  assert(await page.locator(`table.inbox-def-list tbody tr[data-id="${signDef.id}"]`).count() === 0, 'the signed note\'s deficiency is gone');
  const signedDef = (await analyst('GET', `/deficiencies/${signDef.id}`)).body;
  assert(signedDef.status === 'closed', `the sign deficiency is closed: ${signedDef.status}`);

  // ---- write the missing discharge summary
  await dcsumRow.getByRole('button', { name: /^Write discharge summary/ }).click();
  const write = page.locator('form.write-doc');
  await write.waitFor();
  assert(await write.locator('input[name="title"]').inputValue() === 'Discharge summary', 'the title is prefilled');
  await write.locator('textarea[name="text"]').fill('DISCHARGE SUMMARY\n\nAdmitted for acute on chronic heart failure; diuresed; discharged home.');
  await screenshot(page, 'inbox-write');
  await write.getByRole('button', { name: 'File the document' }).click();
  await page.locator('.inbox > .msg-ok', { hasText: 'filed and signed' }).waitFor();
  assert(await page.locator(`table.inbox-def-list tbody tr[data-id="${dcsumDef.id}"]`).count() === 0, 'the summary\'s deficiency is gone');
  const docs = (await analyst('GET', `/patients/${stay.patient_id}/documents?encounter_id=${enc}`)).body.items;
  const listed = docs.find((d) => d.type_code === '18842-5');
  assert(listed, 'the summary is filed for the encounter');
  const ds = (await analyst('GET', `/documents/${listed.id}`)).body;
  assert(ds.author_id === prov.id && ds.current.signatures.length === 1 && ds.current.signatures[0].provider_id === prov.id,
    `the summary is theirs and signed by them: ${JSON.stringify(ds)}`);
  const after = (await analyst('GET', `/encounters/${enc}/deficiencies`)).body.items;
  assert(!after.some((d) => d.status === 'open' && d.document_id === ds.id), `no deficiency for the new summary: ${JSON.stringify(after.filter((d) => d.document_id === ds.id))}`);
  assert(after.find((d) => d.id === dcsumDef.id).status === 'closed', 'the DCSUM deficiency is closed');
  const left = (await (await client(url, 'clinician'))('GET', '/inbox')).body;
  assert(await page.locator('table.inbox-def-list tbody tr[data-id]').count() === left.deficiencies.length, 'the list is the inbox\'s');
  await screenshot(page, 'inbox-after');
  await page.setViewportSize({ width: 400, height: 800 });
  await noSideScroll(page, 'inbox, narrow');
  await page.setViewportSize({ width: 1280, height: 800 });

  // ---- the analyst has no inbox
  await signOut(page);
  await signIn(page, url, 'chart.analyst');
  assert(!/Inbox/.test(await page.locator('header nav').innerText()), 'the analyst is not offered the inbox');
  guard.check('inbox');
});
