// Browser tests for the venue's rules on the page: venue packs and the comparison with another
// venue; the backstop vault; who pays the bad debt the insurance fund cannot
// (auto-deleveraging on and off), read in the story and the readout (the margin chart's marker
// is checked natively, tests/presets.rs);
// the rule's control disabled, with the reason, where it cannot matter. Screenshots go to
// tests/artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { serve, launch, openReady, control, artifacts, summaryText, act, chartStats, hashes, assertChartsDrawn, assertNoErrors, cascadeBin } from './helpers.mjs';

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
    assert.equal(await adl.locator('.note').textContent(), 'No effect on this run: no liquidation left a deficit beyond what the insurance fund could pay.');
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

test('a venue pack: picking Hyperliquid brings its rules, the story names it, a rule changed by hand stays in the link', async () => {
  const { page, errors } = await fresh('#v=2&preset=loop');
  try {
    const simple = await summaryText(page);
    assert.doesNotMatch(simple, /^Under /);
    await act(page, () => control(page, 'venue').locator('select').selectOption('hyperliquid'));
    const hl = await summaryText(page);
    assert.match(hl, /^Under Hyperliquid's rules: /);
    assert.notEqual(hl.replace(/^Under Hyperliquid's rules: /, ''), simple, 'the outcome changed');
    // the rules it set, shown in their controls, and the pack's line beside the picker
    assert.equal(await control(page, 'policy').locator('input[value=chunks]').isChecked(), true);
    assert.equal(await control(page, 'mark').locator('input[value=median]').isChecked(), true);
    assert.equal(await control(page, 'backstop').locator('input[value=on]').isChecked(), true);
    assert.match(await control(page, 'venue').locator('.note').textContent(), /^Hyperliquid's published rules: MM from 1\.25 % and up to 40× \(BTC\), no liquidation fee/);
    await page.waitForFunction(() => /(^#|&)venue=hyperliquid(&|$)/.test(location.hash), null, { timeout: 5000 });
    // one rule changed by hand: the pack is kept, that rule changes, and the link carries both
    await act(page, () => control(page, 'backstop').locator('input[value=off]').check());
    assert.match(await control(page, 'venue').locator('.note').textContent(), /^Hyperliquid's rules, with your changes below/);
    assert.equal(await control(page, 'policy').locator('input[value=chunks]').isChecked(), true, 'the rest of the pack stays');
    assert.doesNotMatch(await summaryText(page), /backstop vault made/);
    await page.waitForFunction(() => /venue=hyperliquid/.test(location.hash) && /backstop=off/.test(location.hash), null, { timeout: 5000 });
    const hash = await page.evaluate(() => location.hash);
    const again = await fresh(hash);
    try {
      assert.equal(await control(again.page, 'backstop').locator('input[value=off]').isChecked(), true);
      assert.equal(await summaryText(again.page), await summaryText(page), 'the link reopens the same run');
    } finally { await again.page.close(); }
    await assertNoErrors(page, errors, 'venue pack');
  } finally { await page.close(); }
});

test('comparing with another venue: the table reads both runs, the CLI prints the same figures, the link keeps it', async () => {
  const { page, errors } = await fresh('#v=2&preset=hyperliquid');
  try {
    assert.equal(await page.isHidden('#compare'), true);
    const before = await summaryText(page);
    await page.selectOption('#vs', 'binance');
    await page.waitForSelector('#compare:not([hidden])');
    assert.equal(await summaryText(page), before, 'comparing changes nothing of the run shown');
    assert.equal(await page.textContent('#compare caption'), "The same scenario under Binance's rules");
    const rows = await page.$$eval('#compare tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    assert.deepEqual(rows[0], ['', 'Hyperliquid', 'Binance']);
    const cli = execFileSync(cascadeBin(), ['run', 'v=2&preset=hyperliquid', '--vs', 'binance'], { encoding: 'utf8' });
    for (const [label, here, there] of rows.slice(1)) {
      const line = cli.split('\n').find((l) => l.trim().startsWith(label));
      assert.ok(line, `the CLI prints ${label}`);
      assert.ok(line.includes(here) && line.includes(there), `${label}: page ${here} | ${there}, CLI ${line}`);
    }
    assert.deepEqual(rows.find((r) => r[0] === 'Your account liquidated').slice(1, 2), ['never']);
    await page.waitForFunction(() => /(^#|&)vs=binance(&|$)/.test(location.hash), null, { timeout: 5000 });
    await page.screenshot({ path: path.join(artifacts, 'venue-compare.png'), fullPage: true });
    const again = await fresh(await page.evaluate(() => location.hash), { width: 375, height: 800 });
    try {
      assert.equal(await again.page.inputValue('#vs'), 'binance');
      assert.equal(await again.page.isHidden('#compare'), false);
      await again.page.screenshot({ path: path.join(artifacts, 'venue-compare-375.png'), fullPage: true });
    } finally { await again.page.close(); }
    await page.selectOption('#vs', '');
    assert.equal(await page.isHidden('#compare'), true);
    await assertNoErrors(page, errors, 'compare');
  } finally { await page.close(); }
});
