import { serve, launch, openPage } from './helpers.mjs';
const srv = await serve(); const b = await launch();
const { page, errors } = await openPage(b.context, srv.url);
const state = () => page.evaluate(() => [...document.querySelectorAll('.chart canvas')].map(c => {
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const counts = new Map(); let h = 2166136261;
  const u = new Uint32Array(d.buffer);
  for (let i = 0; i < u.length; i++) { counts.set(u[i], (counts.get(u[i]) || 0) + 1); h = Math.imul(h ^ u[i], 16777619) >>> 0; }
  let bg = 0, bgc = 0; for (const [k, v] of counts) if (v > bgc) { bg = k; bgc = v; }
  return { w: c.width, h: c.height, hash: h.toString(16), nonbg: u.length - bgc, colors: counts.size, bg: bg.toString(16) };
}));
const summary = () => page.$eval('#summary', e => e.textContent);
console.log(await state());
const presets = ['contagion','amplification','double-hit','depeg','cross-vs-isolated'];
for (const p of presets) {
  await page.selectOption('#preset', p); await page.waitForTimeout(300);
  const keys = await page.$$eval('.control', cs => cs.map(c => c.dataset.key));
  for (const k of keys) {
    await page.selectOption('#preset', 'contagion'); await page.waitForTimeout(100);
    await page.selectOption('#preset', p); await page.waitForTimeout(300);
    const s0 = await summary(); const c0 = await state();
    const how = await page.evaluate((k) => {
      const c = document.querySelector(`.control[data-key="${k}"]`);
      const num = c.querySelector('input[type=number]');
      if (num) { const v = +num.value, mx = +num.max, mn = +num.min; const nv = k === 'seed' ? v + 1 : (v + (mx - mn) * 0.15 <= mx ? v + (mx - mn) * 0.15 : v - (mx-mn)*0.15); num.value = String(Math.round(nv / +num.step) * +num.step); num.dispatchEvent(new Event('change')); return 'num ' + v + '->' + num.value; }
      const cb = c.querySelector('input[type=checkbox]'); if (cb) { cb.click(); return 'cb ' + cb.checked; }
      const rs = [...c.querySelectorAll('input[type=radio]')]; const r = rs.find(r => !r.checked); if (r) { r.click(); return 'radio ' + r.value; }
      return '?';
    }, k);
    await page.waitForTimeout(200);
    const s1 = await summary(); const c1 = await state();
    const bad = await page.$eval(`.control[data-key="${k}"] .bad`, e => e.hidden ? '' : e.textContent);
    console.log(p, k, how, 'summary', s0 !== s1, 'pix', c0.map((c, i) => c.hash !== c1[i].hash).join(','), bad);
  }
}
console.log(errors);
await b.close(); srv.close();
