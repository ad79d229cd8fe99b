import { serve, launch, openPage } from './helpers.mjs';
const srv = await serve(process.env.WWW || undefined);
const b = await launch();
const { page } = await openPage(b.context, srv.url);
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
await page.evaluate(() => { document.querySelector('details.load').open = true; });
await page.fill('#scenario-text', JSON.stringify(large));
await page.click('#load-json');
await page.waitForFunction(() => window.__perf.worker, null, { timeout: 60000 });
// profile the page during several slider moves (each a worker job)
const cdp = await page.context().newCDPSession(page);
await cdp.send('Profiler.enable'); await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
await cdp.send('Profiler.start');
for (let i = 0; i < 10; i++) {
  await page.evaluate(() => { window.__perf.worker = null; });
  await page.locator('.control[data-key="corr"] input[type=range]').focus();
  await page.keyboard.press(i % 2 ? 'ArrowLeft' : 'ArrowRight');
  await page.waitForFunction(() => window.__perf.worker, null, { timeout: 60000 });
  console.log(JSON.stringify(await page.evaluate(() => window.__perf.worker)));
}
const { profile } = await cdp.send('Profiler.stop');
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map(); for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
const cnt = new Map(); for (const s of profile.samples) cnt.set(s, (cnt.get(s) || 0) + 1);
let total = 0; for (const c of cnt.values()) total += c;
const us = profile.endTime - profile.startTime;
const incl = new Map();
for (const [id, c] of cnt) { const seen = new Set(); let x = id; while (x != null) { const n = byId.get(x); const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`.replace(/::h[0-9a-f]{16}/, ''); if (!seen.has(k)) { incl.set(k, (incl.get(k) || 0) + c); seen.add(k); } x = parent.get(x); } }
for (const [k, v] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, 70)) console.log((v / total * us / 1000 / 10).toFixed(2), 'ms/job', k.slice(0, 150));
await b.close(); srv.close();
