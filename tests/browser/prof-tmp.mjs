import { serve, launch, openPage } from './helpers.mjs';
const srv = await serve(process.env.WWW || undefined);
const b = await launch();
const { page } = await openPage(b.context, srv.url);
await page.waitForFunction(() => window.__perf.safe, null, { timeout: 60000 });
const cdp = await page.context().newCDPSession(page);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
const slider = page.locator(`.control[data-key="corr"] input[type=range]`);
await slider.focus();
await cdp.send('Profiler.start');
for (let i = 0; i < 60; i++) {
  const k = await page.evaluate(() => window.__perf.updates.length);
  await page.keyboard.press(i % 20 < 10 ? 'ArrowLeft' : 'ArrowRight');
  await page.waitForFunction((k) => window.__perf.updates.length > k, k);
}
const { profile } = await cdp.send('Profiler.stop');
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = profile.timeDeltas; let total = 0;
const cnt = new Map();
for (const s of profile.samples) cnt.set(s, (cnt.get(s) || 0) + 1);
for (const [id, c] of cnt) { const n = byId.get(id); const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`; self.set(k, (self.get(k) || 0) + c); total += c; }
const us = profile.endTime - profile.startTime;
console.log('total samples', total, 'ms', us / 1000);
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 45)) console.log((v / total * us / 1000 / 60).toFixed(3), 'ms/move', k);
// inclusive for JS functions
const parent = new Map(); for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
const incl = new Map();
for (const [id, c] of cnt) { const seen = new Set(); let x = id; while (x != null) { const n = byId.get(x); const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`; if (!seen.has(k)) { incl.set(k, (incl.get(k) || 0) + c); seen.add(k); } x = parent.get(x); } }
console.log('--- inclusive');
for (const [k, v] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, 400)) if (k.includes("margin_cascade::")) console.log((v / total * us / 1000 / 60).toFixed(3), 'ms/move', k);

const callers = new Map();
const leafKey = (n) => n.callFrame.functionName;
for (const [id, c] of cnt) { const n = byId.get(id); const f = leafKey(n);
  if (!/RawVec|Vec<T,A> as core::clone|dlmalloc|__rdl|drop_in_place|rust_decimal/.test(f)) continue;
  let x = parent.get(id); let chain = [];
  while (x != null) { const fn = byId.get(x).callFrame.functionName; if (fn.includes('margin_cascade::')) { chain.push(fn.replace(/::h[0-9a-f]{16}/, '').replace('margin_cascade::', '')); if (chain.length >= 2) break; } x = parent.get(x); }
  const k = chain.join(' <- '); callers.set(k, (callers.get(k) || 0) + c); }
console.log('--- alloc/decimal leaf callers');
for (const [k, v] of [...callers].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log((v / total * us / 1000 / 60).toFixed(3), k.slice(0, 200));
await b.close(); srv.close();
