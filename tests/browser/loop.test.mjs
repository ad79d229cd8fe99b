// Browser tests for "the loop on the page": the default preset shows the whole loop and its four
// controls each change the outcome; a control that cannot matter says why; the positions' sizes
// and the account's leverage; the crowd drawn with its ladder at the time cursor; readable time
// (Play speeds, step buttons, Play from the start, a time window in the link); an unbounded margin
// ratio read as such; the data tables; the first chart on a phone's first screen. Screenshots go
// to tests/artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { serve, launch, openReady, control, artifacts, summaryText, frames, choosePreset, act, chartStats, hashes, assertChartsDrawn, assertNoErrors } from './helpers.mjs';

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
const number = (page, key) => control(page, key).locator('input[type=number]');
async function setNumber(page, key, value) {
  await act(page, async () => {
    await number(page, key).fill(String(value));
    await number(page, key).press('Enter');
  });
}
const liqStep = (s) => {
  const m = s.match(/Your (?:cross|isolated) account was liquidated at step (\d+)/);
  return m ? +m[1] : null;
};
const finalEquity = (s) => Number(s.match(/Final equity (-?[\d,]+\.\d\d) USD/)[1].replace(/,/g, ''));
const fall = (s) => Number(s.match(/became a −([\d.]+)% fall/)[1]);

test('the default preset shows the whole loop, and correlation, mode, depth and feedback each change it', async () => {
  const { page, errors } = await fresh();
  try {
    assert.equal(await page.$eval('#preset', (e) => e.value), 'loop');
    const s = await summaryText(page);
    // the loop in words, every figure from the run
    assert.match(s, /ETH's −8\.0% shock at step 12 \(BTC and SOL followed through their correlation\) became a −[\d.]+% fall/);
    assert.match(s, /×(\d\.\d\d) the outside move/);
    assert.ok(+s.match(/×(\d\.\d\d) the outside move/)[1] >= 1.5, 'the crowd amplifies the shock');
    assert.match(s, /closing its healthy BTC position/);
    assert.match(s, /isolated, it would have been liquidated at step \d+ and kept BTC/);
    assert.match(s, /the loop cost this account [\d,]+\.\d\d USD/);
    assertChartsDrawn(await chartStats(page), 'loop', 5);
    const base = { step: liqStep(s), equity: finalEquity(s), fall: fall(s) };
    const opening = 20000;
    const changed = (a, b) => a.step !== b.step || Math.abs(a.equity - b.equity) >= 0.05 * opening || Math.abs(a.fall - b.fall) >= 2;
    const outcome = async () => {
      const t = await summaryText(page);
      return { step: liqStep(t), equity: finalEquity(t), fall: fall(t) };
    };
    const pairs = [
      ['correlation', () => setNumber(page, 'corr', 0), () => setNumber(page, 'corr', 0.95)],
      ['mode', () => act(page, () => control(page, 'mode').locator('input[value=isolated]').check()), () => act(page, () => control(page, 'mode').locator('input[value=cross]').check())],
      ['depth', () => setNumber(page, 'depth', 0.5), () => setNumber(page, 'depth', 2)],
      ['feedback', () => act(page, () => control(page, 'feedback').locator('input').uncheck()), () => act(page, () => control(page, 'feedback').locator('input').check())],
    ];
    for (const [what, a, b] of pairs) {
      await a();
      const x = await outcome();
      await b();
      const y = await outcome();
      assert.ok(changed(x, y), `${what} changes the liquidation step, the final equity (≥ 5 %) or the fall (≥ 2 points): ${JSON.stringify([x, y])}`);
    }
    // back to the preset's values: the same story
    await page.click('#reset');
    await page.waitForFunction((t) => document.querySelector('#summary').textContent === t, s);
    assert.equal(liqStep(await summaryText(page)), base.step);
    await page.screenshot({ path: path.join(artifacts, 'loop-1280.png'), fullPage: true });
    await assertNoErrors(page, errors, 'loop');
  } finally { await page.close(); }
});

test('controls that cannot matter are disabled with the reason; sizes and the account leverage beside them', async () => {
  const { page, errors } = await fresh('#v=2&preset=contagion&seed=1');
  try {
    const seed = control(page, 'seed');
    assert.equal(await seed.locator('input[type=number]').isDisabled(), true, 'seed is disabled while noise is off');
    assert.equal(await seed.locator('.note').textContent(), 'No effect while random noise is off.');
    assert.match(await control(page, 'corr').locator('.note').textContent(), /No effect: random noise is off and every scripted move is its asset's own\./);
    // turning the noise on enables them
    await act(page, () => control(page, 'noise').locator('input').check());
    assert.equal(await seed.locator('input[type=number]').isDisabled(), false);
    assert.equal(await control(page, 'corr').locator('input[type=range]').isDisabled(), false);
    // a position's size follows its leverage; the account's leverage is beside the mode
    assert.equal(await control(page, 'lev.0').locator('.note').textContent(), 'Size 100,000 USD (1 BTC)');
    assert.match(await control(page, 'mode').locator('.note').textContent(), /^Account leverage 15\.0× \(150,000 USD of positions on 10,000 USD of equity\)$/);
    await setNumber(page, 'lev.0', 20);
    assert.equal(await control(page, 'lev.0').locator('.note').textContent(), 'Size 200,000 USD (2 BTC)');
    assert.match(await control(page, 'mode').locator('.note').textContent(), /^Account leverage 25\.0×/);
    // isolated, the margin each position actually has
    await act(page, () => control(page, 'mode').locator('input[value=isolated]').check());
    assert.match(await control(page, 'lev.0').locator('.note').textContent(), /^Size 200,000 USD \(2 BTC\); isolated margin [\d,.]+ USD, [\d.]+×$/);
    await assertNoErrors(page, errors, 'disabled controls');
  } finally { await page.close(); }
});

test('the crowd is drawn: its liquidations over time, and its ladder at the time cursor', async () => {
  const { page, errors } = await fresh();
  try {
    assert.equal(await page.locator('.chart[data-name="crowd"]').isVisible(), true);
    assert.equal(await page.$eval('#ladder-asset', (e) => e.value), 'ETH', 'the ladder shows the shocked asset');
    const ladderCanvas = async () => (await chartStats(page)).find((_, i, all) => i === all.length - 1).hash;
    const label = () => page.$eval('canvas[data-panel="ladder"]', (c) => c.getAttribute('aria-label'));
    // at the opening the ladder is full; after the cascade it is thinner
    await page.$eval('#time', (e) => { e.value = '0'; e.dispatchEvent(new Event('input', { bubbles: true })); });
    await frames(page);
    const at0 = { hash: await ladderCanvas(), text: await label() };
    assert.match(at0.text, /ladder for ETH at step 0 \(0:00\): a 5% fall would liquidate [\d,]+\.\d\d USD/);
    const atLater = async (t) => {
      await page.$eval('#time', (e, v) => { e.value = String(v); e.dispatchEvent(new Event('input', { bubbles: true })); }, t);
      await frames(page);
      return { hash: await ladderCanvas(), text: await label() };
    };
    const at40 = await atLater(40);
    assert.notEqual(at40.hash, at0.hash, 'the ladder follows the cursor');
    const tenPct = (t) => Number(t.match(/a 10% fall ([\d,]+\.\d\d) USD/)[1].replace(/,/g, ''));
    assert.ok(tenPct(at40.text) < tenPct(at0.text), `fewer left to liquidate after the cascade (${tenPct(at40.text)} < ${tenPct(at0.text)})`);
    // back again: the same ladder as before (replayed exactly)
    assert.equal((await atLater(0)).hash, at0.hash);
    // another asset
    await page.selectOption('#ladder-asset', 'BTC');
    await frames(page);
    assert.match(await label(), /ladder for BTC at step 0/);
    // the data table lists the ladder and the crowd per step
    await page.locator('.chart[data-name="crowd"] details > summary').click();
    await page.waitForSelector('.chart[data-name="crowd"] table');
    const rows = await page.$$eval('.chart[data-name="crowd"] table', (ts) => ts.map((t) => t.tBodies[0].rows.length));
    assert.deepEqual(rows, [73, 41], 'one row per step, one per ladder level');
    // a scenario without a crowd has no crowd chart
    await choosePreset(page, 'contagion');
    assert.equal(await page.locator('.chart[data-name="crowd"]').isVisible(), false);
    await assertNoErrors(page, errors, 'crowd');
  } finally { await page.close(); }
});

test('time: Play at its speeds, step buttons, from the start when never moved, a window in the link', async () => {
  const { page, errors } = await fresh('#v=2&preset=amplification&seed=7');
  try {
    assert.equal(+(await page.$eval('#time', (e) => e.value)), 72, 'amplification opens on its last step (never liquidated)');
    // Play from the start: the cursor was never moved
    const playFor = async (ms) => {
      await page.click('#play');
      await page.waitForTimeout(ms);
      await page.click('#play');
      return +(await page.$eval('#time', (e) => e.value));
    };
    const at1x = await playFor(1000);
    assert.ok(at1x >= 1 && at1x <= 6, `1×: about 3 steps a second from step 0 (${at1x})`);
    await page.selectOption('#speed', '4');
    await page.$eval('#time', (e) => { e.value = '0'; e.dispatchEvent(new Event('input', { bubbles: true })); });
    const at4x = await playFor(1000);
    assert.ok(at4x >= 3 * at1x, `4× goes faster (${at4x} vs ${at1x})`);
    // step buttons
    const t0 = +(await page.$eval('#time', (e) => e.value));
    await page.click('#step-fwd');
    await page.click('#step-fwd');
    await page.click('#step-back');
    assert.equal(+(await page.$eval('#time', (e) => e.value)), t0 + 1);
    assert.match(await page.$eval('#readout', (e) => e.textContent), new RegExp(`^step ${t0 + 1} \\(`));
    // the time window: zoom to the cascade, in the link, back to the whole run
    const before = hashes(await chartStats(page));
    await page.locator('#window-box > summary').click();
    await page.click('#zoom');
    await frames(page);
    const w = await page.$eval('#window-text', (e) => e.textContent);
    assert.match(w, /^: steps \d+–\d+ \(\d+:\d\d–\d+:\d\d\)$/);
    assert.notEqual(hashes(await chartStats(page)), before, 'the charts zoom');
    await page.waitForFunction(() => /&win=\d+-\d+/.test(location.hash));
    const link = await page.evaluate(() => location.hash);
    // a link with the window reopens it
    const { page: p2, errors: e2 } = await fresh(link);
    assert.equal(await p2.$eval('#window-text', (e) => e.textContent), w);
    await assertNoErrors(p2, e2, 'window link');
    await p2.close();
    await page.click('#whole');
    await frames(page);
    assert.equal(await page.$eval('#window-text', (e) => e.textContent), ': the whole run');
    await page.waitForFunction(() => !/&win=/.test(location.hash));
    await assertNoErrors(page, errors, 'time');
  } finally { await page.close(); }
});

test('an unbounded margin ratio is read as such, and the data tables have every step', async () => {
  // the loop's cross account goes through negative equity at step 12, the step before its
  // liquidation (the engine's series has no ratio there: it is unbounded)
  const { page, errors } = await fresh('#v=2&preset=loop&seed=7&t=12');
  try {
    const first = (await page.$eval('#readout', (e) => e.textContent)).split('\n');
    assert.match(first[0], /^step 12 \(1:00\).*margin ratio unbounded \(equity ≤ 0\)$/);
    assert.match(first[1], /^isolated: .*margin ratio unbounded \(equity ≤ 0\)$/);
    assert.match(await page.$eval('canvas[data-panel="margin"]', (c) => c.getAttribute('aria-label')), /Unbounded \(equity at or below zero\) at some steps\./);
    // after the liquidation nothing is at risk: said so, not as a bare 0 %
    await page.$eval('#time', (e) => { e.value = '13'; e.dispatchEvent(new Event('input', { bubbles: true })); });
    assert.match((await page.$eval('#readout', (e) => e.textContent)).split('\n')[0], /margin ratio 0\.00% \(no positions left\)$/);
    await page.locator('.chart[data-name="margin"] details > summary').click();
    await page.waitForSelector('.chart[data-name="margin"] table');
    const cells = await page.$$eval('.chart[data-name="margin"] table tbody tr', (rows) => rows.map((r) => r.cells[2].textContent));
    assert.equal(cells.length, 73, 'one row per step');
    assert.equal(cells[12], 'unbounded');
    await assertNoErrors(page, errors, 'unbounded');
  } finally { await page.close(); }
});

test('on a 375 px phone the first chart is on the first screen', async () => {
  for (const [w, h] of [[375, 740], [1280, 900]]) {
    const { page, errors } = await fresh('', { width: w, height: h });
    try {
      const box = await page.locator('canvas[data-panel="collateral"]').boundingBox();
      assert.ok(box.y + box.height <= h, `${w}×${h}: the first chart ends at ${Math.round(box.y + box.height)} px, on the first screen`);
      const stage = await page.locator('.stage').boundingBox();
      assert.ok(stage.y + stage.height <= box.y + 1, 'the time bar comes before the charts');
      // the readout wraps between its figures: no figure is cut at the right edge, none is broken
      const ro = await page.$eval('#readout', (e) => ({ sw: e.scrollWidth, cw: e.clientWidth, text: e.textContent, figures: [...e.querySelectorAll('.figure')].map((f) => f.getClientRects().length) }));
      assert.ok(ro.sw <= ro.cw, `${w}px: the readout needs no sideways scroll (${ro.sw} > ${ro.cw})`);
      assert.ok(ro.figures.length > 5 && ro.figures.every((n) => n === 1), `${w}px: every figure on one line (${ro.figures})`);
      assert.match(ro.text, /^step \d+ \(\d+:\d\d\) {3}equity [\d,.-]+ USD {3}collateral /, 'the text as written');
      // the time bar stays while the charts scroll by
      await page.locator('canvas[data-panel="impact"]').scrollIntoViewIfNeeded();
      const after = await page.locator('#play').boundingBox();
      assert.ok(after.y >= 0 && after.y < h, `${w}px: Play stays on screen (${Math.round(after.y)})`);
      // …and leaves with them: the maps below are never under it
      await page.click('#risk > summary');
      await page.evaluate(() => document.querySelector('#risk').scrollIntoView({ block: 'start' }));
      const [bar, map] = [await page.locator('.stage').boundingBox(), await page.locator('#risk').boundingBox()];
      assert.ok(bar.y + bar.height <= map.y + 1, `${w}px: the time bar (to ${Math.round(bar.y + bar.height)}) is not over the risk map (from ${Math.round(map.y)})`);
      await page.click('#risk > summary');
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: path.join(artifacts, `loop-first-screen-${w}.png`) });
      await assertNoErrors(page, errors, `${w}px`);
    } finally { await page.close(); }
  }
});
