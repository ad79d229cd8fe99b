// Browser tests for the venue's rules on the page: the backstop vault; who pays the bad debt the insurance fund cannot
// (auto-deleveraging on and off), read in the story and the readout (the margin chart's marker
// is checked natively, tests/presets.rs);
// the rule's control disabled, with the reason, where it cannot matter. Screenshots go to
// tests/artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { serve, launch, openReady, control, artifacts, summaryText, act, chartStats, hashes, assertChartsDrawn, assertNoErrors } from './helpers.mjs';

let srv, browser;
before(async () => {
  srv = await serve();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  srv?.close();
});

const fresh = (hash = '', viewport) => openReady(browser.context, srv.url + hash, viewport);
const finalEquity = (s) => Number(s.match(/Final equity (-?[\d,]+\.\d\d) USD/)[1].replace(/,/g, ''));

test('auto-deleveraging: the story says who paid, the readout shows your position closed, and switching it off changes the outcome', async () => {
  const { page, errors } = await fresh('#v=2&preset=adl');
  try {
    const on = await summaryText(page);
    // the fund ran out; profitable positions paid, yours among them, then the account was liquidated
    assert.match(on, /The insurance fund ran out: auto-deleveraging closed \(or cut\) [\d,]+ profitable positions of [\d,]+ accounts at bankruptcy prices, which paid [\d,.]+ USD of the bad debt, [\d,.]+ USD of it from your BTC position \(at step (\d+)\)/);
    const adlStep = +on.match(/from your BTC position \(at step (\d+)\)/)[1];
    const liq = +on.match(/Your cross account was liquidated at step (\d+)/)[1];
    assert.ok(adlStep < liq, `the hedge went first (ADL at ${adlStep}, liquidated at ${liq})`);
    // the readout at that step says what happened to your position, at which price and for whom
    await page.$eval('#time', (e, t) => { e.value = String(t); e.dispatchEvent(new Event('input', { bubbles: true })); }, adlStep);
    const readout = await page.$eval('#readout', (e) => e.textContent);
    assert.match(readout, /at this step: auto-deleveraged BTC \(bought 1\.5 at the bankruptcy price [\d,.]+, paying [\d,.]+ USD of crowd-\d+'s bad debt\)/);
    await page.screenshot({ path: path.join(artifacts, 'venue-adl-on.png'), fullPage: true });
    // off: nobody pays, the hedge stays, the account survives with more
    const c0 = hashes(await chartStats(page));
    await act(page, () => control(page, 'adl').locator('input[value=off]').check());
    const off = await summaryText(page);
    assert.match(off, /The insurance fund ran out: [\d,.]+ USD of bad debt stayed uncovered, a loss socialised over everyone\./);
    assert.match(off, /Your cross account survived/);
    assert.ok(finalEquity(off) > finalEquity(on), `${finalEquity(off)} > ${finalEquity(on)}`);
    const c1 = await chartStats(page);
    assertChartsDrawn(c1, 'adl off');
    assert.notEqual(hashes(c1), c0, 'the charts changed');
    assert.match(await control(page, 'adl').locator('.note').textContent(), /^Off: what the insurance fund cannot pay stays uncovered/);
    // and the address follows (within 250 ms)
    await page.waitForFunction(() => /(^#|&)adl=off(&|$)/.test(location.hash), null, { timeout: 5000 });
    await assertNoErrors(page, errors, 'adl');
  } finally { await page.close(); }
});

test('where the fund covers every deficit, the ADL control is disabled and says why', async () => {
  const { page, errors } = await fresh('#v=2&preset=contagion');
  try {
    const adl = control(page, 'adl');
    assert.equal(await adl.locator('input[value=queue]').isDisabled(), true);
    assert.equal(await adl.locator('.note').textContent(), 'No effect on this run: the insurance fund covered every deficit a liquidation left.');
    await assertNoErrors(page, errors, 'adl disabled');
  } finally { await page.close(); }
});

test('the backstop vault: turned on in the loop, it takes the crowd over, the story says so, and your account survives', async () => {
  const { page, errors } = await fresh('#v=2&preset=loop');
  try {
    const off = await summaryText(page);
    assert.match(off, /Your cross account was liquidated at step \d+/);
    assert.match(await control(page, 'backstop').locator('.note').textContent(), /^Off: every liquidation goes through the book\./);
    await act(page, () => control(page, 'backstop').locator('input[value=on]').check());
    const on = await summaryText(page);
    assert.match(on, /The backstop vault made [\d,]+ takeovers of accounts \(or isolated positions\) below its share of their maintenance margin \([\d,.]+ USD of positions at the mark\), none of it sold into the book; holding it to the end, the vault (gained [\d,.]+ USD|lost [\d,.]+ USD|broke even)\./);
    assert.match(on, /Your cross account (survived|was not liquidated)/);
    assert.match(await control(page, 'backstop').locator('.note').textContent(), /^On: below 66\.67 % of its maintenance margin/);
    await page.screenshot({ path: path.join(artifacts, 'venue-backstop-on.png'), fullPage: true });
    await assertNoErrors(page, errors, 'backstop');
  } finally { await page.close(); }
});
