// Speed and size report for the explorer page, in headless Debian Chromium (not a test: it
// prints figures; targets are compared in the table, never asserted).
//   cd tests/browser && node bench.mjs            (build the page first: scripts/build-web.sh)
// Measures, with performance.now() inside the page:
//   - slider input → every chart shown redrawn, p50/p95 over N moves: on the default scenario
//     (`{"version": 1}` with an ETH shock) and on the page's default preset (loop);
//   - a large scenario (8 assets, 10 000 accounts, 1 440 steps): time to result through the
//     worker (from the click, which starts the worker, with a second job asked for by a key
//     press meanwhile; and one job alone, by phase) and the longest main-thread task meanwhile
//     (the page must not freeze);
//   - safe leverage of the loop preset in its worker: from the result that asks to the lines shown;
//   - the loop preset's liquidation surface in its worker: the coarse map, then the full one;
//   - the loop preset's risk map (10 × 10 × 200 paths) in a pool of workers: the coarse map, the full one;
//   - cold load to the first chart;
//   - every transferred file, raw and gzipped.
import { serve, launch, openPage } from './helpers.mjs';
import zlib from 'node:zlib';
import fs from 'node:fs';
import path from 'node:path';

const N = +(process.env.BENCH_MOVES || 60);
const pctl = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const f = (x) => x.toFixed(1);

const srv = await serve();
const b = await launch();
const rows = [];

// Cold load: median of 5 fresh page loads (cache disabled by the server's no-store).
const loads = [];
for (let i = 0; i < 5; i++) {
  const { page } = await openPage(b.context, srv.url);
  loads.push(await page.evaluate(() => window.__perf.firstChart));
  await page.close();
}
rows.push(['cold load → first chart (median of 5)', `${f(pctl(loads, 0.5))} ms`, '≤ 500 ms']);

// Slider input → every chart shown redrawn.
async function sliderBench(page, label, key) {
  const slider = page.locator(`.control[data-key="${key}"] input[type=range]`);
  await slider.focus();
  await page.evaluate(() => { window.__perf.updates.length = 0; window.__perf.runs.length = 0; window.__perf.draws.length = 0; });
  for (let i = 0; i < N; i++) {
    const k = await page.evaluate(() => window.__perf.updates.length);
    await page.keyboard.press(i % 20 < 10 ? 'ArrowLeft' : 'ArrowRight');
    await page.waitForFunction((k) => window.__perf.updates.length > k, k);
  }
  const { upd, runs, draws, panels } = await page.evaluate(() => ({ upd: window.__perf.updates.slice(), runs: window.__perf.runs.slice(), draws: window.__perf.draws.slice(), panels: document.querySelectorAll('.chart:not([hidden]) canvas').length }));
  rows.push([`slider → ${panels} chart panels redrawn, ${label}, p50 (${N} moves)`, `${f(pctl(upd, 0.5))} ms`, '']);
  rows.push([`slider → redrawn, ${label}, p95`, `${f(pctl(upd, 0.95))} ms`, '≤ 8 ms']);
  rows.push(['  of which engine run (3 runs), p50', `${f(pctl(runs, 0.5))} ms`, '']);
  if (draws.length) rows.push(['  of which drawing, p50', `${f(pctl(draws, 0.5))} ms`, '']);
}
const { page, errors } = await openPage(b.context, srv.url);
// the page's default preset, as it opens: its safe leverage (found in a worker of its own), then
// the slider (each move asks the worker again: it shares the machine's two cores with the page)
if (await page.$('#preset option[value=loop]')) {
  await page.waitForFunction(() => window.__perf.safe, null, { timeout: 60000 });
  const safe = await page.evaluate(() => window.__perf.safe);
  for (const [k, v] of Object.entries(safe)) rows.push([`safe leverage, loop preset: ${k}`, `${f(v)} ms`, k.startsWith('asked') ? 'off the main thread' : '']);
  await sliderBench(page, 'default preset (loop)', 'corr');
  // the liquidation surface of the loop preset (25 × 25 runs, after a 7 × 7 first look), in its worker
  await page.click('#surface > summary');
  await page.waitForFunction(() => window.__perf.surface?.full, null, { timeout: 120000 });
  const sf = await page.evaluate(() => window.__perf.surface);
  rows.push(['liquidation surface, loop: asked → 7 × 7 first look drawn', `${f(sf.coarse)} ms`, '≤ 1 000 ms']);
  rows.push(['liquidation surface, loop: asked → 25 × 25 map drawn', `${f(sf.full)} ms`, '']);
  rows.push(['  of which the worker\'s 625 runs', `${f(sf['full (worker)'])} ms`, '']);
  await page.click('#surface > summary');
  // the risk map of the loop preset, 10 × 10 × 200 paths (after a 4 × 4 × 20 first look), in a pool of workers
  await page.click('#risk > summary');
  await page.selectOption('#risk-paths', '200');
  await page.click('#risk-go');
  await page.waitForFunction(() => window.__perf.risk?.digest, null, { timeout: 600000 });
  const rk = await page.evaluate(() => window.__perf.risk);
  rows.push([`risk map, loop, ${rk.workers} workers: asked → 4 × 4 × 20 first look drawn`, `${f(rk.coarse)} ms`, '≤ 1 000 ms']);
  rows.push(['risk map, loop: asked → 10 × 10 × 200 map drawn', `${f(rk.full)} ms`, '≤ 4× cascade sweep on one core']);
  await page.click('#risk > summary');
}
// the default scenario (4 assets, 1 000 accounts, 288 steps, ETH −12 % at step 24)
await page.evaluate(() => { document.querySelector('details.load').open = true; });
await page.fill('#scenario-text', JSON.stringify({ version: 1, shocks: [{ step: 24, symbol: 'ETH', percent: -12 }] }));
const before = await page.evaluate(() => window.__perf.updates.length + window.__perf.runs.length);
await page.click('#load-json');
await page.waitForFunction((n) => window.__perf.updates.length + window.__perf.runs.length > n, before);
await sliderBench(page, 'default scenario', 'corr');

// Large scenario through the worker; watch the main thread meanwhile.
const large = {
  version: 1, steps: 1440, crowd: { accounts: 10000 },
  shocks: [{ step: 200, symbol: 'ETH', percent: -12 }, { step: 900, symbol: 'BTC', percent: -8 }],
  assets: [
    { symbol: 'BTC', price: '100000', tick: '0.1', sigma: 0.5, depth_usd: '400000000', half_life_steps: 36, haircut: '0.02' },
    { symbol: 'ETH', price: '3500', tick: '0.01', sigma: 0.68, depth_usd: '200000000', half_life_steps: 36, haircut: '0.03' },
    { symbol: 'SOL', price: '180', tick: '0.01', sigma: 0.85, depth_usd: '60000000', half_life_steps: 36, haircut: '0.1' },
    ...[['AVAX', '30', 0.9], ['LINK', '20', 0.85], ['DOGE', '0.25', 1.0], ['ARB', '1.1', 0.95]].map(([s, p, v]) =>
      ({ symbol: s, price: p, tick: '0.0001', sigma: v, depth_usd: '20000000', half_life_steps: 36, haircut: '0.15' })),
    { symbol: 'USDC', price: '1', tick: '0.0001', sigma: 0, depth_usd: '1000000000', half_life_steps: 36 },
  ],
};
await page.evaluate(() => {
  window.__long = 0;
  new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long = Math.max(window.__long, e.duration); }).observe({ type: 'longtask', buffered: false });
});
await page.fill('#scenario-text', JSON.stringify(large));
const t0 = Date.now();
await page.evaluate(() => { window.__perf.updates.length = 0; });
await page.click('#load-json');
// Move a slider while it computes: the page must respond, and the latest input must win.
await page.locator('.control[data-key="corr"] input[type=range]').focus();
await page.keyboard.press('ArrowLeft');
await page.waitForFunction(() => document.querySelector('#progress').hidden === false || window.__perf.firstChart != null);
await page.waitForFunction(() => document.querySelector('#progress').hidden === true && document.querySelector('#summary').textContent.includes('AVAX') === false, null, { timeout: 120000 });
const largeMs = Date.now() - t0;
const longest = await page.evaluate(() => window.__long);
rows.push(['large scenario (8×10 000×1 440) → charts, via worker (starting it; two jobs)', `${f(largeMs)} ms`, 'no freeze']);
const phases = await page.evaluate(() => window.__perf.worker || null);
if (phases) for (const [k, v] of Object.entries(phases)) rows.push([`  ${k}`, `${f(v)} ms`, k.startsWith('one job') ? '≤ 2× native (cargo bench)' : '']);
rows.push(['  longest main-thread long task (≥ 50 ms) meanwhile', longest ? `${f(longest)} ms` : 'none', 'none']);
if (errors.length) rows.push(['console errors', errors.join(' | '), 'none']);

// Transferred files.
let raw = 0, gz = 0;
const seen = new Set();
for (const e of srv.log) {
  if (e.status !== 200 || seen.has(e.path)) continue;
  seen.add(e.path);
  const file = path.join(path.dirname(new URL(import.meta.url).pathname), '../../www', e.path === '/' ? 'index.html' : e.path);
  const body = fs.readFileSync(file);
  const g = zlib.gzipSync(body, { level: 9 }).length;
  raw += body.length; gz += g;
  rows.push([`  ${e.path === '/' ? '/index.html' : e.path}`, `${(body.length / 1024).toFixed(1)} KB raw, ${(g / 1024).toFixed(1)} KB gz`, '']);
}
rows.push(['all transferred files', `${(raw / 1024).toFixed(1)} KB raw, ${(gz / 1024).toFixed(1)} KB gz`, '≤ 200 KB gz']);

await b.close();
srv.close();
const w0 = Math.max(...rows.map((r) => r[0].length)), w1 = Math.max(...rows.map((r) => r[1].length));
console.log(`${'measure'.padEnd(w0)} | ${'value'.padEnd(w1)} | target`);
console.log(`${'-'.repeat(w0)}-|-${'-'.repeat(w1)}-|-------`);
for (const [a, v, t] of rows) console.log(`${a.padEnd(w0)} | ${v.padEnd(w1)} | ${t}`);
