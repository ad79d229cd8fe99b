// Browser tests for the answers a trader comes for: where each position's liquidation price
// stands in cross mode (the readout at the cursor, the summary at the opening), read against the
// CLI's JSON of the same link. Screenshots go to tests/artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { serve, launch, openReady, artifacts, summaryText, assertNoErrors, cascadeBin, control, act, frames } from './helpers.mjs';

let srv, browser;
before(async () => {
  srv = await serve();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  srv?.close();
});

const fmt = (v) => new Intl.NumberFormat('en-US', { maximumSignificantDigits: 12 }).format(v);

test('liquidation prices: the readout follows the cursor as ETH drags BTC\'s up, the summary gives the opening ones, as the CLI computes them', async () => {
  const cli = JSON.parse(execFileSync(cascadeBin(), ['run', 'v=2&preset=contagion', '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 }));
  const btc = cli.series.focal.liquidation_price.BTC;
  const { page, errors } = await openReady(browser.context, srv.url + '#v=2&preset=contagion&t=20');
  try {
    const open = cli.summary.liquidation_price_at_open;
    assert.match(await summaryText(page), new RegExp(`At the opening your liquidation prices were BTC ${fmt(+open.BTC.price)} and ETH ${fmt(+open.ETH.price)} \\(the whole cross account, every other price where it was\\)\\.`));
    const at = async (t) => {
      await page.$eval('#time', (e, x) => { e.value = String(x); e.dispatchEvent(new Event('input', { bubbles: true })); }, t);
      return page.$eval('#readout', (e) => e.textContent);
    };
    const r20 = await at(20);
    assert.match(r20, new RegExp(`BTC: your liquidation price ${fmt(+btc[20])} \\(-[\\d.]+% from the price here; the whole account, every other price where it is\\)`));
    // ETH's slide lifts BTC's liquidation price towards its (unmoved) market price
    assert.ok(+btc[25] > +btc[20] && +btc[20] > +btc[0], `${btc[0]} < ${btc[20]} < ${btc[25]}`);
    assert.match(await at(25), new RegExp(`BTC: your liquidation price ${fmt(+btc[25])} `));
    // after the liquidation there is none, and the readout says why
    assert.match(await at(cli.summary.focal_liquidated_step), /BTC: your liquidation price none: the (account is liquidatable already|position is closed)/);
    await page.screenshot({ path: path.join(artifacts, 'answers-liquidation-price.png'), fullPage: true });
    await assertNoErrors(page, errors, 'liquidation price');
  } finally { await page.close(); }
});

test('safe leverage: the line under each leverage control is the CLI\'s answer; at that leverage the account survives, one step up it is liquidated; new settings, a new answer', async () => {
  const safeOf = (link) => JSON.parse(execFileSync(cascadeBin(), ['run', link, '--json', '--safe-leverage'], { encoding: 'utf8', maxBuffer: 64 << 20 })).summary.safe_leverage;
  const link = 'v=2&preset=loop';
  const cli = safeOf(link);
  const { page, errors } = await openReady(browser.context, srv.url + '#' + link);
  try {
    const line = (k) => control(page, k).locator('.safe');
    const answered = () => page.waitForFunction(() => [...document.querySelectorAll('.control[data-key^="lev."] .safe')].every((p) => p.textContent && !p.classList.contains('pending')));
    await answered();
    assert.equal(await line('lev.0').textContent(), cli.BTC.words);
    assert.equal(await line('lev.1').textContent(), cli.ETH.words);
    // the crowd's feedback cuts the leverage BTC's long survives to a fraction
    assert.ok(+cli.BTC.with_feedback.survives_at < +cli.BTC.without_feedback.survives_at / 2, JSON.stringify(cli.BTC));
    const setLev = async (k, v) => {
      await act(page, async () => {
        const num = control(page, k).locator('input[type=number]');
        await num.fill(String(v));
        await num.dispatchEvent('change');
      });
    };
    const w = cli.BTC.with_feedback;
    await setLev('lev.0', w.liquidated_at);
    assert.match(await summaryText(page), /Your cross account was liquidated at step/);
    await setLev('lev.0', w.survives_at);
    assert.match(await summaryText(page), /Your cross account (survived|was not liquidated)/);
    // while the worker finds the new answer the line says so, then ETH's answer is the one for
    // BTC at its new leverage, as the CLI finds it for the page's own link
    await answered();
    // (the address follows the settings a moment later)
    await page.waitForFunction((v) => location.hash.includes(`lev.0=${v}&`) || location.hash.endsWith(`lev.0=${v}`), w.survives_at);
    const now = await page.evaluate(() => location.hash.slice(1));
    const cli2 = safeOf(now);
    assert.equal(await line('lev.1').textContent(), cli2.ETH.words);
    assert.notEqual(cli2.ETH.words, cli.ETH.words, 'a smaller BTC long leaves ETH more room');
    await page.screenshot({ path: path.join(artifacts, 'answers-safe-leverage.png'), fullPage: true });
    await assertNoErrors(page, errors, 'safe leverage');
  } finally { await page.close(); }
});

test('liquidation surface: a coarse map first, then the full one, whose words are the CLI\'s grid; new axes recompute; Cancel stops', async () => {
  const link = 'v=2&preset=loop';
  const cli = JSON.parse(execFileSync(cascadeBin(), ['surface', link, '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 }));
  const { page, errors } = await openReady(browser.context, srv.url + '#' + link);
  try {
    const caption = () => page.$eval('#surface-caption', (e) => e.textContent);
    await page.click('#surface > summary');
    await page.waitForFunction(() => window.__perf.surface?.coarse, null, { timeout: 20000 });
    assert.match(await caption(), /^Of 49 runs .* \(A 7 × 7 first look: the full map follows\.\)$/);
    await page.waitForFunction(() => window.__perf.surface?.full, null, { timeout: 60000 });
    const c = cli.counts;
    const words = await caption();
    assert.match(words, new RegExp(`^Of 625 runs \\(BTC and ETH each from −60 % to \\+20 %, moved at step ${cli.step}\\): your cross account survives ${c.survives}, is liquidated in ${c.liquidated}, and in ${c.healthy_position_closed} more is liquidated closing a position isolated would keep\\.`));
    const other = cli.cells.filter((x) => x.other_mode_liquidated).length;
    const nofb = cli.cells.filter((x) => x.no_feedback_liquidated).length;
    assert.match(words, new RegExp(`Isolated margin liquidates it in ${other}; without the feedback loop, ${nofb}\\.`));
    // the seed's claim in one picture: a healthy position closed by cross margin, at this scenario's own dot
    assert.ok(c.healthy_position_closed > 0 && cli.dot.inside);
    assert.match(words, /This scenario's own moves \(BTC −4\.8 %, ETH −8 %\) fall in a cell where, moved at once, your account is liquidated, closing a position isolated keeps\./);
    await page.locator('#surface').screenshot({ path: path.join(artifacts, 'answers-surface.png') });
    // new settings: the map on screen is marked as the earlier settings' at once, and a new one follows
    await act(page, async () => {
      const num = control(page, 'corr').locator('input[type=number]');
      await num.fill('0.3');
      await num.dispatchEvent('change');
    });
    assert.equal(await page.$eval('#surface-caption', (e) => e.dataset.stale), 'true');
    await page.waitForFunction(() => /^Of 49 runs/.test(document.querySelector('#surface-caption').textContent) && !document.querySelector('#surface-caption').dataset.stale, null, { timeout: 20000 });
    await page.click('#surface-cancel');
    // another axis: the map starts over on SOL
    await page.selectOption('#surface-y', 'SOL');
    await page.waitForFunction(() => /Of 49 runs \(BTC and SOL/.test(document.querySelector('#surface-caption').textContent), null, { timeout: 20000 });
    // Cancel stops the worker: the full SOL map never comes
    await page.click('#surface-cancel');
    assert.match(await page.$eval('#surface-status', (e) => e.textContent), /^Cancelled/);
    await page.waitForTimeout(1500);
    assert.match(await caption(), /^Of 49 runs \(BTC and SOL/);
    // the same axis twice is refused in words
    await page.selectOption('#surface-y', 'BTC');
    assert.match(await page.$eval('#surface-status', (e) => e.textContent), /the two axes need two different assets, both are BTC/);
    await assertNoErrors(page, errors, 'surface');
  } finally { await page.close(); }
});

test('risk map: the page\'s map is the CLI\'s to the digest; hovering a cell gives its figures; a click opens its worst path', async () => {
  const link = 'v=2&preset=loop';
  const cli = JSON.parse(execFileSync(cascadeBin(), ['sweep', link, '--paths', '20', '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 }));
  const { page, errors } = await openReady(browser.context, srv.url + '#' + link);
  try {
    await page.click('#risk > summary');
    await page.selectOption('#risk-paths', '20');
    await page.click('#risk-go');
    await page.waitForFunction(() => window.__perf.risk?.coarse, null, { timeout: 30000 });
    assert.match(await page.$eval('#risk-caption', (e) => e.textContent), /A 4 × 4 first look: the full map follows/);
    await page.waitForFunction(() => window.__perf.risk?.digest, null, { timeout: 120000 });
    assert.equal(await page.evaluate(() => window.__perf.risk.digest), cli.digest, 'the same seeds give the same numbers in the browser and the CLI');
    // hover the cell at lev.0 = 9 (i = 3), corr = 0.5 (j = 5): its figures, as the CLI has them
    const cell = cli.cells[5 * 10 + 3];
    assert.deepEqual([cell.x, cell.y], [9, 0.5]);
    // the pointer at that cell's centre, from the plot area the drawing reported
    const aim = async () => {
      await page.evaluate(() => document.querySelector('#risk-canvas').scrollIntoView({ block: 'center' }));
      await frames(page);
      const bb = await page.locator('#risk-canvas').boundingBox();
      const p = await page.evaluate(() => window.__perf.risk.rect);
      return [bb.x + p[0] + (p[2] - p[0]) * 0.35, bb.y + p[3] - (p[3] - p[1]) * 0.55];
    };
    const readout = await page.$eval('#readout', (e) => e.textContent);
    await page.mouse.move(...(await aim()));
    const tip = await page.$eval('#risk-tip', (e) => (e.hidden ? '' : e.textContent));
    // the pointer over the map is the map's, not the time charts' (it once moved their cursor)
    assert.equal(await page.$eval('#readout', (e) => e.textContent), readout);
    assert.match(tip, new RegExp(`^Leverage, long BTC 9, Correlation, all pairs 0\\.5: P\\(liquidation\\) \\d+ % \\(95 %: \\d+ %–\\d+ %\\), ${cell.liquidated_paths} of 20 paths;`));
    assert.match(tip, new RegExp(`Click \\(or Enter\\) to open the worst path \\(seed ${cell.worst_seed}\\)\\.$`));
    await page.locator('#risk').screenshot({ path: path.join(artifacts, 'answers-risk-map.png') });
    // the keyboard reaches the same figures: the map focused starts at the middle cell (5, 5)
    await page.mouse.move(0, 0);
    await page.focus('#risk-canvas');
    for (let k = 0; k < 2; k++) await page.keyboard.press('ArrowLeft');
    assert.equal(await page.$eval('#risk-tip', (e) => (e.hidden ? '' : e.textContent)), tip);
    // a click: that cell's settings with its worst path, in the page and its link
    const at = await aim(); // (the screenshot scrolled the page)
    await act(page, () => page.mouse.click(...at));
    await page.waitForFunction((s) => location.hash.includes(`seed=${s}`), cell.worst_seed);
    const hash = await page.evaluate(() => location.hash);
    assert.match(hash, /lev\.0=9/);
    assert.match(hash, /corr=0\.5/);
    assert.equal(await control(page, 'noise').locator('input').isChecked(), true, 'noise on (the preset has it on: the link leaves it out)');
    if (cell.liquidated_paths > 0) assert.match(await summaryText(page), /Your cross account was liquidated at step/);
    // the map is now for other settings, and says so; its cells no longer open
    assert.equal(await page.$eval('#risk-caption', (e) => e.hasAttribute('data-stale')), true);
    await page.mouse.click(...(await aim()));
    assert.match(await page.$eval('#risk-status', (e) => e.textContent), /^This map is for earlier settings: Compute for these first\.$/);
    await assertNoErrors(page, errors, 'risk map');
  } finally { await page.close(); }
});
