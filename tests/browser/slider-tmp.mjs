import { serve, launch, openPage } from './helpers.mjs';
const srv = await serve(process.env.WWW || undefined);
const b = await launch();
const pctl = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const { page } = await openPage(b.context, srv.url);
await page.waitForFunction(() => window.__perf.safe, null, { timeout: 60000 });
async function bench(label) {
  const slider = page.locator(`.control[data-key="corr"] input[type=range]`);
  await slider.focus();
  await page.evaluate(() => { window.__perf.updates.length = 0; window.__perf.runs.length = 0; window.__perf.draws.length = 0; });
  for (let i = 0; i < 100; i++) {
    const k = await page.evaluate(() => window.__perf.updates.length);
    await page.keyboard.press(i % 20 < 10 ? 'ArrowLeft' : 'ArrowRight');
    await page.waitForFunction((k) => window.__perf.updates.length > k, k);
  }
  const { upd, runs, draws } = await page.evaluate(() => ({ upd: window.__perf.updates.slice(), runs: window.__perf.runs.slice(), draws: window.__perf.draws.slice() }));
  console.log(label, 'upd p50', pctl(upd, .5).toFixed(1), 'p95', pctl(upd, .95).toFixed(1), 'run p50', pctl(runs, .5).toFixed(1), 'draw p50', pctl(draws, .5).toFixed(1));
}
await bench('loop');
await page.evaluate(() => { document.querySelector('details.load').open = true; });
await page.fill('#scenario-text', JSON.stringify({ version: 1, shocks: [{ step: 24, symbol: 'ETH', percent: -12 }] }));
await page.click('#load-json');
await page.waitForTimeout(500);
await bench('default');
await b.close(); srv.close();
