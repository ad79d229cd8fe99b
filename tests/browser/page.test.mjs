// Browser tests for the explorer page (www/): Debian's Chromium via playwright-core, one
// browser and one static server for the whole file. Run:
//   cd tests/browser && node --test --test-concurrency=1 ./*.test.mjs
// Screenshots go to tests/artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { serve, launch, openPage, artifacts, summaryText, frames, choosePreset, act, cascadeBin, chartStats, hashes, assertChartsDrawn, assertNoErrors } from './helpers.mjs';

let srv; // { url, close, log }
let browser; // { context, close }
const requests = []; // every request any page of this file made (URL + resource type)

before(async () => {
  srv = await serve();
  browser = await launch();
  browser.context.on('request', (r) => requests.push({ url: r.url(), type: r.resourceType() }));
});

after(async () => {
  await browser?.close();
  srv?.close();
});

// ---------------------------------------------------------------- helpers

/** A fresh page on `preset` (the page starts on the default, loop). Closed by the caller. */
async function fresh(preset = 'contagion', viewport) {
  const { page, errors } = await openPage(browser.context, srv.url, viewport ? { viewport } : {});
  await page.waitForFunction(() => document.querySelector('#summary').textContent.startsWith('Loading') === false);
  if (preset !== 'loop') await choosePreset(page, preset);
  return { page, errors };
}








/** The page's number formatting: 2 decimals, en-US thousands separators. */
const usd2 = (v) => new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(v) + ' USD';


// ---------------------------------------------------------------- 1. load

test('1. page loads without errors on the default preset and draws every chart', async () => {
  const { page, errors } = await fresh('loop');
  try {
    const s = await summaryText(page);
    assert.ok(s.length > 40 && !s.startsWith('Loading'), `summary has text: ${JSON.stringify(s)}`);
    assert.match(s, /liquidated at step \d+/);
    assert.equal(await page.$eval('#error', (e) => e.hidden), true, '#error is hidden');
    assert.equal(await page.$eval('#error', (e) => e.textContent), '');
    assert.ok((await page.$$eval('#controls .control', (c) => c.length)) >= 10, 'the controls were generated');
    assert.ok((await page.$eval('#readout', (e) => e.textContent)).startsWith('step '), 'the readout is filled');
    assert.equal(await page.$eval('#preset', (e) => e.value), 'loop', 'the page opens on the default preset');
    // the figures stand in the engine's order of charts (the one list links and render read)
    const order = await page.evaluate(async () => {
      const { Explorer } = await import('/pkg/margin_cascade.js');
      return { engine: Explorer.charts().map((c) => c.name), page: [...document.querySelectorAll('#charts .chart')].map((f) => f.dataset.name) };
    });
    assert.deepEqual(order.page, order.engine);
    assertChartsDrawn(await chartStats(page), 'loop', 5);
    await assertNoErrors(page, errors, 'load');
  } finally { await page.close(); }
});

// ---------------------------------------------------------------- 2. presets

test('2. every preset renders non-blank charts and its own summary', async () => {
  const { page, errors } = await fresh();
  try {
    const names = await page.$$eval('#preset option', (os) => os.map((o) => o.value));
    assert.deepEqual([...names].sort(), ['adl', 'amplification', 'collateral-loop', 'contagion', 'cross-vs-isolated', 'depeg', 'double-hit', 'hyperliquid', 'loop', 'partial-liquidation', 'venue-depeg']);
    assert.equal(names[0], 'loop', 'the default preset is listed first');
    const summaries = new Map(), pictures = new Map(), claims = new Map();
    for (const name of names) {
      if (name !== (await page.$eval('#preset', (e) => e.value))) await choosePreset(page, name);
      const s = await summaryText(page);
      assert.ok(s.length > 40, `${name}: summary has text`);
      const stats = await chartStats(page);
      assertChartsDrawn(stats, name);
      summaries.set(name, s);
      pictures.set(name, hashes(stats));
      claims.set(name, await page.$eval('#preset-claim', (e) => e.textContent));
      await page.screenshot({ path: path.join(artifacts, `preset-${name}.png`), fullPage: true });
      await assertNoErrors(page, errors, name);
    }
    assert.equal(new Set(summaries.values()).size, names.length, 'every preset has a different summary');
    assert.equal(new Set(pictures.values()).size, names.length, 'every preset draws different charts');
    assert.equal(new Set(claims.values()).size, names.length, 'every preset has its own claim');
  } finally { await page.close(); }
});

// ---------------------------------------------------------------- 3. controls

// Which preset each control is exercised on (one where the control matters):
//   contagion      mode, lev.0, lev.1, shock.asset, shock.pct, shock.step
//                  (contagion has no crowd and noise off: crowd leverage, corr, seed, rho do nothing there)
//   amplification  depth, feedback, noise, crowd.lev_min, crowd.lev_max (a 2,000-account crowd in a thin book)
//   double-hit     corr, seed, rho.BTC.ETH, "New random seed" (noise is on, so correlation and seed matter)
// Input methods: mouse click on a slider track (shock.pct, corr), mouse drag of a slider thumb
// (shock.step), keyboard on sliders (lev.0 ArrowRight+PageUp, lev.1 End, depth PageUp,
// crowd.lev_min ArrowRight×4, crowd.lev_max End, rho Home), typing into number fields (seed),
// clicking radios and checkboxes.

const range = (page, key) => page.locator(`.control[data-key="${key}"] input[type=range]`);
const number = (page, key) => page.locator(`.control[data-key="${key}"] input[type=number]`);

/** Do `how` on a control, assert the charts' pixels and the summary changed. */
async function expectChange(page, errors, key, how, { summary = true } = {}) {
  const s0 = await summaryText(page);
  const c0 = await chartStats(page);
  await act(page, how);
  const s1 = await summaryText(page);
  const c1 = await chartStats(page);
  assertChartsDrawn(c1, key);
  assert.notEqual(hashes(c1), hashes(c0), `${key}: the charts changed`);
  if (summary) assert.notEqual(s1, s0, `${key}: the summary changed`);
  await assertNoErrors(page, errors, key);
  return { s0, s1 };
}

async function keys(page, key, presses) {
  const r = range(page, key);
  await r.focus();
  for (const k of presses) await page.keyboard.press(k);
}

/** Click the slider track of `key` at fraction `f` of its width. */
async function clickTrack(page, key, f) {
  const r = range(page, key);
  await r.scrollIntoViewIfNeeded();
  const b = await r.boundingBox();
  await page.mouse.click(b.x + b.width * f, b.y + b.height / 2);
}

test('3. every control changes the charts and the summary', async (t) => {
  // ---- contagion
  {
    const { page, errors } = await fresh('contagion');
    try {
      await t.test('mode (radio click, contagion)', async () => {
        await expectChange(page, errors, 'mode', () => page.locator('.control[data-key="mode"] input[value=isolated]').check());
        await expectChange(page, errors, 'mode', () => page.locator('.control[data-key="mode"] input[value=cross]').check());
      });
      await t.test('lev.0 (keyboard ArrowRight + PageUp, contagion)', async () => {
        const v0 = +(await range(page, 'lev.0').inputValue());
        await expectChange(page, errors, 'lev.0', () => keys(page, 'lev.0', ['ArrowRight', 'PageUp']));
        const v1 = +(await range(page, 'lev.0').inputValue());
        assert.ok(v1 > v0 + 0.5, `lev.0 slider moved up (${v0} → ${v1})`);
        assert.equal(+(await number(page, 'lev.0').inputValue()), v1, 'the number field follows the slider');
      });
      await t.test('lev.1 (keyboard End, contagion)', async () => {
        await expectChange(page, errors, 'lev.1', () => keys(page, 'lev.1', ['End']));
        assert.equal(await range(page, 'lev.1').inputValue(), '100');
        assert.equal(await number(page, 'lev.1').inputValue(), '100');
      });
      await t.test('shock.asset (radio click, contagion)', async () => {
        await expectChange(page, errors, 'shock.asset', () => page.locator('.control[data-key="shock.asset"] input[value=BTC]').check());
      });
      await t.test('shock.pct (mouse click on the slider track, contagion)', async () => {
        const v0 = +(await range(page, 'shock.pct').inputValue());
        await expectChange(page, errors, 'shock.pct', () => clickTrack(page, 'shock.pct', 0.2));
        const v1 = +(await range(page, 'shock.pct').inputValue());
        assert.ok(v1 < -20 && v1 > -50, `a click at 20% of the track sets about −36% (got ${v1}, was ${v0})`);
        assert.equal(+(await number(page, 'shock.pct').inputValue()), v1);
      });
      await t.test('shock.step (mouse drag of the slider thumb, contagion)', async () => {
        const r = range(page, 'shock.step');
        await r.scrollIntoViewIfNeeded();
        const b = await r.boundingBox();
        const [v, min, max] = await r.evaluate((e) => [+e.value, +e.min, +e.max]);
        const thumb = 8; // half the thumb, roughly: the thumb's centre travels width − thumb
        const x0 = b.x + thumb + (b.width - 2 * thumb) * ((v - min) / (max - min));
        const y = b.y + b.height / 2;
        await expectChange(page, errors, 'shock.step', async () => {
          await page.mouse.move(x0, y);
          await page.mouse.down();
          for (let i = 1; i <= 5; i++) await page.mouse.move(x0 + (b.width * 0.4 * i) / 5, y);
          await page.mouse.up();
        });
        const v1 = +(await r.inputValue());
        assert.ok(v1 > v + 10, `the drag moved the shock later (${v} → ${v1})`);
        assert.equal(+(await number(page, 'shock.step').inputValue()), v1);
      });
    } finally { await page.close(); }
  }
  // ---- amplification
  {
    const { page, errors } = await fresh('amplification');
    try {
      await t.test('depth (keyboard PageUp, amplification)', async () => {
        await expectChange(page, errors, 'depth', () => keys(page, 'depth', ['PageUp']));
        assert.ok(+(await range(page, 'depth').inputValue()) > 1);
      });
      await t.test('feedback (checkbox, amplification)', async () => {
        const { s1 } = await expectChange(page, errors, 'feedback', () => page.locator('.control[data-key="feedback"] input[type=checkbox]').uncheck());
        assert.match(s1, /×1\.00 the outside move|shock at step \d+ became a −3\.0% fall/, 'without feedback the fall is the shock');
        await expectChange(page, errors, 'feedback', () => page.locator('.control[data-key="feedback"] input[type=checkbox]').check());
      });
      await t.test('noise (checkbox, amplification)', async () => {
        await expectChange(page, errors, 'noise', () => page.locator('.control[data-key="noise"] input[type=checkbox]').check());
        await expectChange(page, errors, 'noise', () => page.locator('.control[data-key="noise"] input[type=checkbox]').uncheck());
      });
      await t.test('crowd.lev_min (keyboard ArrowRight×4, amplification)', async () => {
        await expectChange(page, errors, 'crowd.lev_min', () => keys(page, 'crowd.lev_min', ['ArrowRight', 'ArrowRight', 'ArrowRight', 'ArrowRight']));
        assert.equal(await number(page, 'crowd.lev_min').inputValue(), '12');
      });
      await t.test('crowd.lev_max (keyboard End, amplification)', async () => {
        await expectChange(page, errors, 'crowd.lev_max', () => keys(page, 'crowd.lev_max', ['End']));
        assert.equal(await number(page, 'crowd.lev_max').inputValue(), '200');
      });
    } finally { await page.close(); }
  }
  // ---- double-hit
  {
    const { page, errors } = await fresh('double-hit');
    const original = await summaryText(page);
    const originalCharts = hashes(await chartStats(page));
    try {
      await t.test('corr (mouse click on the slider track, double-hit)', async () => {
        await expectChange(page, errors, 'corr', () => clickTrack(page, 'corr', 0.15));
        assert.ok(+(await range(page, 'corr').inputValue()) < 0.3);
      });
      await t.test('seed (typed into the number field, double-hit)', async () => {
        await expectChange(page, errors, 'seed', async () => {
          await number(page, 'seed').fill('12345');
          await number(page, 'seed').press('Enter');
        });
      });
      await t.test('New random seed button (double-hit)', async () => {
        const before = await number(page, 'seed').inputValue();
        await expectChange(page, errors, 'new-seed', () => page.click('#new-seed'));
        assert.notEqual(await number(page, 'seed').inputValue(), before, 'the seed field shows the new seed');
      });
      await t.test('rho.BTC.ETH (advanced, keyboard Home, double-hit)', async () => {
        await page.locator('#controls details > summary').click();
        await expectChange(page, errors, 'rho.BTC.ETH', () => keys(page, 'rho.BTC.ETH', ['Home']));
        assert.equal(await number(page, 'rho.BTC.ETH').inputValue(), '-0.99');
      });
      await t.test('Reset controls restores the preset', async () => {
        await page.click('#reset');
        assert.equal(await number(page, 'rho.BTC.ETH').inputValue(), '0.8', 'the controls show the preset values again');
        await page.waitForFunction((s) => document.querySelector('#summary').textContent === s, original, { timeout: 10000 });
        await frames(page);
        assert.equal(hashes(await chartStats(page)), originalCharts, 'the preset\'s own charts are drawn again');
        await assertNoErrors(page, errors, 'reset');
      });
    } finally { await page.close(); }
  }
});

// ---------------------------------------------------------------- 4. cross vs isolated

test('4. cross/isolated switch on contagion changes the outcome', async () => {
  const { page, errors } = await fresh('contagion');
  try {
    const cross = await summaryText(page);
    assert.match(cross, /Your cross account was liquidated/);
    assert.match(cross, /healthy BTC/, 'cross: the liquidation closes the healthy BTC position');
    await act(page, () => page.locator('.control[data-key="mode"] input[value=isolated]').check());
    const iso = await summaryText(page);
    assert.match(iso, /Your isolated account/);
    assert.doesNotMatch(iso, /healthy BTC/, 'isolated: BTC is not closed by ETH\'s fall');
    // The two modes are each other's counterfactual: the liquidation steps swap places.
    const step = (s, re) => +(s.match(re) || [])[1];
    assert.equal(step(iso, /Your isolated account was liquidated at step (\d+)/), step(cross, /isolated, it would have been liquidated at step (\d+)/));
    assert.equal(step(iso, /cross, it would have been liquidated at step (\d+)/), step(cross, /Your cross account was liquidated at step (\d+)/));
    // And back: the same result as before (deterministic).
    await act(page, () => page.locator('.control[data-key="mode"] input[value=cross]').check());
    assert.equal(await summaryText(page), cross);
    await assertNoErrors(page, errors, 'mode switch');
  } finally { await page.close(); }
});

// ---------------------------------------------------------------- 5. readout vs CLI

test('5. the time-cursor readout matches the engine (cascade CLI)', async () => {
  const out = JSON.parse(execFileSync(cascadeBin(), ['run', 'preset:contagion', '--json'], { maxBuffer: 64 << 20 }).toString());
  const focal = out.series.focal, other = out.counterfactuals.other_mode.series.focal;
  const liq = out.summary.focal_liquidated_step;
  assert.equal(typeof liq, 'number', 'contagion liquidates the focal account');
  const last = focal.equity.length - 1;
  const { page, errors } = await fresh('contagion');
  try {
    assert.equal(+(await page.$eval('#time', (e) => e.max)), last, 'the cursor spans every step');
    // On load the cursor sits on the liquidation step.
    assert.equal(+(await page.$eval('#time', (e) => e.value)), liq);
    const readAt = async (step) => {
      if (step != null) {
        await page.$eval('#time', (e, v) => { e.value = String(v); e.dispatchEvent(new Event('input', { bubbles: true })); }, step);
      }
      return page.$eval('#readout', (e) => e.textContent);
    };
    const check = (text, step) => {
      const lines = text.split('\n');
      assert.match(lines[0], new RegExp(`^step ${step} \\(`), `readout is for step ${step}: ${lines[0]}`);
      const eq = lines[0].match(/equity (-?[\d,]+\.\d\d USD)/)[1];
      assert.equal(eq, usd2(Number(focal.equity[step])), `step ${step}: equity (engine ${focal.equity[step]})`);
      const mr = lines[0].match(/margin ratio (-?[\d.]+)%/)[1];
      assert.equal(mr, (Number(focal.margin_ratio[step]) * 100).toFixed(2), `step ${step}: margin ratio (engine ${focal.margin_ratio[step]})`);
      const oeq = lines[1].match(/^isolated: equity (-?[\d,]+\.\d\d USD)/)[1];
      assert.equal(oeq, usd2(Number(other.equity[step])), `step ${step}: isolated equity (engine ${other.equity[step]})`);
      for (const sym of ['BTC', 'ETH']) {
        const line = lines.find((l) => l.startsWith(sym + ':'));
        const p = Number(line.match(/price ([\d,.]+)/)[1].replace(/,/g, ''));
        const e = Number(out.series.price[sym][step]);
        assert.ok(Math.abs(p - e) <= 1e-9 * e, `step ${step}: ${sym} price ${p} vs engine ${e}`);
      }
      return lines;
    };
    // The liquidation step (as loaded), then set explicitly, then others.
    const atLiq = check(await readAt(null), liq);
    assert.match(atLiq.at(-1), /^at this step: liquidation BTC \(sold 1 at [\d,.]+\); liquidation ETH \(sold [\d.]+ at [\d,.]+\)$/, 'the liquidation events are listed in words');
    for (const step of [0, 16, liq - 1, liq, last]) check(await readAt(step), step);
    // Keyboard on the time slider: Home → 0, End → last.
    await page.locator('#time').focus();
    await page.keyboard.press('Home');
    check(await page.$eval('#readout', (e) => e.textContent), 0);
    await page.keyboard.press('End');
    check(await page.$eval('#readout', (e) => e.textContent), last);

    // The mouse over a chart inspects the step under it (the readout says so) without moving the
    // cursor or the link's t=; leaving the chart shows the cursor's step again; a click moves it.
    await readAt(liq);
    await page.waitForFunction((s) => location.hash.endsWith(`&t=${s}`), liq); // the URL follows (throttled)
    const canvas = page.locator('canvas[data-panel="margin"]');
    await canvas.scrollIntoViewIfNeeded();
    const b = await canvas.boundingBox();
    const at = { x: b.x + b.width * 0.2, y: b.y + b.height / 2 };
    await page.mouse.move(at.x, at.y);
    const text = await page.$eval('#readout', (e) => e.textContent);
    const k = +(text.match(/^under the mouse: step (\d+) \(/) || [])[1];
    assert.ok(k > 0 && k < liq, `the readout is for the step under the mouse (${text.split('\n')[0]})`);
    check(text.replace(/^under the mouse: /, ''), k);
    assert.equal(+(await page.$eval('#time', (e) => e.value)), liq, 'the cursor did not move');
    await page.waitForTimeout(400); // longer than the URL's throttle
    assert.ok((await page.evaluate(() => location.hash)).endsWith(`&t=${liq}`), 'nor did the link');
    await page.mouse.move(at.x, b.y - 40); // off the chart
    check(await page.$eval('#readout', (e) => e.textContent), liq);
    await page.mouse.click(at.x, at.y);
    check(await page.$eval('#readout', (e) => e.textContent), k);
    assert.equal(+(await page.$eval('#time', (e) => e.value)), k, 'a click moves the cursor');
    await page.waitForFunction((x) => location.hash.endsWith(`&t=${x}`), k);
    await assertNoErrors(page, errors, 'readout');
  } finally { await page.close(); }
});

// ---------------------------------------------------------------- 6. errors shown in the page

test('6. bad scenarios and out-of-range values are reported in the page', async () => {
  const { page, errors } = await fresh('contagion');
  try {
    const before = await summaryText(page);
    const stats0 = hashes(await chartStats(page));
    await page.locator('details.load > summary').click();
    assert.equal(await page.locator('#scenario-text').isVisible(), true);
    const load = async (text) => {
      await page.fill('#scenario-text', text);
      await page.click('#load-json');
      await page.waitForFunction(() => !document.querySelector('#error').hidden, null, { timeout: 5000 });
      assert.equal(await page.locator('#error').isVisible(), true, '#error is visible');
      return page.$eval('#error', (e) => e.textContent);
    };
    const e1 = await load('{"version": 1, "steps": ');
    assert.match(e1, /could not read the scenario/i, `invalid JSON is named as such: ${e1}`);
    const e2 = await load('{"version": 1, "steps": 0}');
    assert.match(e2, /steps/, `the failing field is named: ${e2}`);
    assert.match(e2, /invalid/i);
    // Nothing else changed: same results on screen, same preset selected.
    assert.equal(await summaryText(page), before);
    assert.equal(hashes(await chartStats(page)), stats0);
    assert.equal(await page.$eval('#preset', (e) => e.value), 'contagion');
    // A valid scenario clears the error and runs.
    const good = JSON.parse(execFileSync(cascadeBin(), ['presets', 'amplification']).toString());
    good.name = 'my own scenario';
    await page.fill('#scenario-text', JSON.stringify(good));
    await page.click('#load-json');
    await page.waitForFunction(() => document.querySelector('#error').hidden, null, { timeout: 5000 });
    await page.waitForFunction((p) => document.querySelector('#summary').textContent !== p, before);
    assert.equal(await page.$eval('#preset-claim', (e) => e.textContent), 'Your own scenario.');
    assertChartsDrawn(await chartStats(page), 'own scenario');
    assert.deepEqual(errors, []);

    // Out-of-range value typed into the depth field: the control says what is wrong.
    const depth = number(page, 'depth');
    const bad = page.locator('.control[data-key="depth"] .bad');
    const s0 = await summaryText(page);
    await depth.fill('99');
    await depth.press('Tab');
    await bad.waitFor({ state: 'visible', timeout: 5000 });
    const msg = await bad.textContent();
    assert.match(msg, /depth/, `the message names the control: ${msg}`);
    assert.match(msg, /between 0\.05 and 5/, msg);
    assert.equal(await depth.getAttribute('aria-invalid'), 'true');
    assert.equal(await range(page, 'depth').inputValue(), '1', 'the slider keeps the last good value');
    await frames(page);
    assert.equal(await summaryText(page), s0, 'a rejected value does not change the results');
    // Fixing it clears the message.
    await act(page, async () => { await depth.fill('2'); await depth.press('Tab'); });
    assert.equal(await bad.isVisible(), false);
    assert.equal(await depth.getAttribute('aria-invalid'), null);
    assert.deepEqual(errors, []);
  } finally { await page.close(); }
});

// ---------------------------------------------------------------- 7. layout

test('7. layout at 375 px and 1280 px: no horizontal scroll, charts visible', async () => {
  for (const width of [375, 1280]) {
    const { page, errors } = await fresh('contagion', { width, height: 900 });
    try {
      const m = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, iw: window.innerWidth }));
      assert.ok(m.sw <= m.iw + 1, `${width}px: no horizontal scroll (scrollWidth ${m.sw}, innerWidth ${m.iw})`);
      const stats = await chartStats(page);
      assertChartsDrawn(stats, `${width}px`);
      for (const [i, s] of stats.entries()) {
        assert.ok(s.left >= 0 && s.right <= width + 0.5, `${width}px: chart ${i} fits the width (${s.left}–${s.right})`);
        assert.ok(s.cssW > width * (width < 800 ? 0.85 : 0.5), `${width}px: chart ${i} is wide enough (${s.cssW}px)`);
        assert.ok(s.w >= Math.round(s.cssW) - 1, `${width}px: chart ${i} is drawn at its displayed size (${s.w} for ${s.cssW})`);
      }
      for (const loc of [page.locator('#summary'), page.locator('#time'), page.locator('#readout'), page.locator('#preset')]) {
        assert.equal(await loc.isVisible(), true);
      }
      await page.screenshot({ path: path.join(artifacts, `page-${width}.png`), fullPage: true });
      await assertNoErrors(page, errors, `${width}px`);
    } finally { await page.close(); }
  }
});

// ---------------------------------------------------------------- 8. network

test('8. the page loads nothing from other hosts (large scenarios run in a local worker)', async () => {
  const { page, errors } = await fresh('contagion');
  const own = [];
  page.on('request', (r) => own.push(r.url()));
  try {
    // A scenario above the worker threshold: computed in worker.js (also fetched locally).
    const big = JSON.parse(execFileSync(cascadeBin(), ['presets', 'amplification']).toString());
    big.steps = 6000;
    const before = await summaryText(page);
    await page.locator('details.load > summary').click();
    await page.fill('#scenario-text', JSON.stringify(big));
    await page.click('#load-json');
    await page.waitForFunction((p) => document.querySelector('#summary').textContent !== p, before, { timeout: 30000 });
    await page.waitForFunction(() => document.querySelector('#progress').hidden);
    assert.equal(+(await page.$eval('#time', (e) => e.max)), 6000);
    assertChartsDrawn(await chartStats(page), 'worker');
    await assertNoErrors(page, errors, 'worker');
    assert.ok(own.some((u) => u.endsWith('/worker.js')), 'the worker was loaded');
    // a small preset chosen while the worker computes a large one: the late large result is dropped
    const bigger = { ...big, steps: 20000 };
    await page.fill('#scenario-text', JSON.stringify(bigger));
    await page.click('#load-json');
    await page.waitForFunction(() => document.querySelector('#progress').hidden === false);
    await page.selectOption('#preset', 'loop');
    await page.waitForFunction(() => +document.querySelector('#time').max === 72);
    await page.waitForFunction(() => document.querySelector('#progress').hidden, null, { timeout: 60000 });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(+(await page.$eval('#time', (e) => e.max)), 72, 'the loop preset stays on the page');
    assert.match(await summaryText(page), /liquidated at step \d+/);
    await assertNoErrors(page, errors, 'worker, then a small preset');
  } finally { await page.close(); }

  const origin = new URL(srv.url).origin;
  assert.ok(requests.length >= 5, 'requests were recorded');
  const foreign = requests.filter((r) => !(r.url.startsWith(origin + '/') || r.url.startsWith('data:') || r.url.startsWith('blob:')));
  assert.deepEqual(foreign, [], 'every request went to the local server');
  for (const u of own) assert.ok(u.startsWith(origin + '/') || u.startsWith('data:'), u);
  // The server saw exactly the files the page needs, all found.
  assert.deepEqual(srv.log.filter((e) => e.status !== 200), [], 'no missing files');
  const paths = new Set(srv.log.map((e) => e.path));
  for (const p of ['/', '/main.js', '/state.js', '/charts.js', '/style.css', '/pkg/margin_cascade.js', '/pkg/margin_cascade_bg.wasm', '/worker.js']) assert.ok(paths.has(p), `${p} was served`);
  // Every http request the browser made is one the local server logged.
  const served = new Set(srv.log.map((e) => e.path));
  for (const r of requests.filter((x) => x.url.startsWith('http'))) assert.ok(served.has(new URL(r.url).pathname), `${r.url} reached the local server`);
});
