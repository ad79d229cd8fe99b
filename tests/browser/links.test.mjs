// Browser tests for share links, embedding and exports : Debian's Chromium via
// playwright-core, one browser and one static server for the whole file (a second browser for
// the "open the link somewhere else" test). Run:
//   cd tests/browser && node --test --test-concurrency=1 links.test.mjs
// Screenshots go to tests/artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { serve, launch, openPage, artifacts, summaryText, frames, choosePreset, act, cascadeBin, chartStats, hashes, assertChartsDrawn, assertNoErrors } from './helpers.mjs';

let srv; // { url, close, log }
let browser; // { context, close }
let origin;
const requests = []; // every request any page of this file made

before(async () => {
  srv = await serve();
  origin = new URL(srv.url).origin;
  browser = await launch();
  await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  browser.context.on('request', (r) => requests.push(r.url()));
});

after(async () => {
  await browser?.close();
  srv?.close();
});

// ---------------------------------------------------------------- helpers

const range = (page, key) => page.locator(`.control[data-key="${key}"] input[type=range]`);
const number = (page, key) => page.locator(`.control[data-key="${key}"] input[type=number]`);

/** Open `url` (default: the page) and wait for the first results. */
async function fresh(url = srv.url, { context = browser.context, viewport } = {}) {
  const { page, errors } = await openPage(context, url, viewport ? { viewport } : {});
  await page.waitForFunction(() => !document.querySelector('#summary').textContent.startsWith('Loading'));
  return { page, errors };
}



/** Load a scenario through "Load your own scenario" and wait for its results. */
async function loadScenario(page, json) {
  const runs = await page.evaluate(() => window.__perf.runs.length);
  await page.evaluate(() => { document.querySelector('details.load').open = true; });
  await page.fill('#scenario-text', typeof json === 'string' ? json : JSON.stringify(json));
  await page.click('#load-json');
  await page.waitForFunction((n) => window.__perf.runs.length > n, runs, { timeout: 10000 });
  await frames(page);
}




const notices = (target) => target.$$eval('#link-notices li', (ls) => ls.map((l) => l.textContent));

/** Click "Copy link" and read the clipboard (the context was granted clipboard access). Unless
 * `strict`, a clipboard that does not answer (it happens to headless Chromium under load) is
 * accepted when the page then shows the link to copy by hand, and that link is returned. */
async function copyLink(page, { strict = false } = {}) {
  await page.$eval('#toolbar-status', (e) => { e.textContent = ''; });
  await page.click('#copy-link');
  await page.waitForFunction(() => document.querySelector('#toolbar-status').textContent !== '');
  const said = await page.$eval('#toolbar-status', (e) => e.textContent);
  if (said === 'Link copied.') return page.evaluate(() => navigator.clipboard.readText());
  assert.ok(!strict && said.startsWith('Copy this link: '), `Copy link says: ${said}`);
  return said.slice('Copy this link: '.length);
}

/** Every control widget's value, by key (number field and slider, checkbox, radios, select). */
function widgetValues(page) {
  return page.$$eval('.control[data-key]', (els) => Object.fromEntries(els.flatMap((el) => {
    const k = el.dataset.key;
    const num = el.querySelector('input[type=number]'), rng = el.querySelector('input[type=range]');
    const box = el.querySelector('input[type=checkbox]'), sel = el.querySelector('select');
    const radios = [...el.querySelectorAll('input[type=radio]')];
    if (num) return [[k, num.value], [k + ' (slider)', rng.value]];
    if (box) return [[k, String(box.checked)]];
    if (sel) return [[k, sel.value]];
    return [[k, (radios.find((r) => r.checked) || {}).value]];
  })));
}


// A custom scenario (travels in s=) with five assets, so that the shock asset is a <select>.
const FIVE = {
  version: 1, name: 'Five assets', steps: 96, noise: true, seed: 3,
  assets: [
    { symbol: 'BTC', price: '100000', tick: '0.1', sigma: 0.5, depth_usd: '400000000' },
    { symbol: 'ETH', price: '3500', tick: '0.01', sigma: 0.68, depth_usd: '200000000' },
    { symbol: 'SOL', price: '150', tick: '0.01', sigma: 0.85, depth_usd: '60000000' },
    { symbol: 'DOGE', price: '0.2', tick: '0.00001', sigma: 1.0, depth_usd: '20000000' },
    { symbol: 'USDC', price: '1', tick: '0.0001', sigma: 0, stable: true, depth_usd: '1000000000' },
  ],
  shocks: [{ step: 20, symbol: 'ETH', percent: -8 }],
  // the crowd holds ETH as half its collateral: the collateral price source can matter
  crowd: { accounts: 200, leverage_max: '20', collateral: { ETH: '0.5' } },
};

// ---------------------------------------------------------------- a. copy link → another browser

test('a. Copy link opened in a new browser gives the same summary and the same chart pixels', async () => {
  const { page, errors } = await fresh();
  let other;
  try {
    await choosePreset(page, 'double-hit');
    const presetSummary = await summaryText(page);
    await act(page, () => page.locator('.control[data-key="mode"] input[value=isolated]').check());
    await range(page, 'lev.0').focus();
    await act(page, async () => { for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight'); });
    await act(page, async () => { await number(page, 'seed').fill('4242'); await number(page, 'seed').press('Enter'); });
    await act(page, async () => { await number(page, 'corr').fill('0.35'); await number(page, 'corr').press('Enter'); });
    const summary = await summaryText(page);
    assert.notEqual(summary, presetSummary, 'the changed controls change the outcome');
    const lev = await number(page, 'lev.0').inputValue();

    const url = await copyLink(page, { strict: true });
    assert.ok(url.startsWith(srv.url + '#'), `a link to this page: ${url}`);
    const q = new URLSearchParams(url.split('#')[1]);
    assert.equal(q.get('v'), '2');
    assert.equal(q.get('preset'), 'double-hit');
    assert.equal(q.get('mode'), 'isolated');
    assert.equal(q.get('seed'), '4242');
    assert.equal(q.get('corr'), '0.35');
    assert.equal(q.get('lev.0'), lev);
    // The address bar follows the controls (throttled): it becomes the same link.
    await page.waitForFunction((u) => location.href === u, url, { timeout: 5000 });

    const want = { summary, readout: await page.$eval('#readout', (e) => e.textContent), time: await page.$eval('#time', (e) => e.value), dpr: await page.evaluate(() => devicePixelRatio), charts: await chartStats(page) };
    assertChartsDrawn(want.charts, 'original');
    await assertNoErrors(page, errors, 'original');

    other = await launch(); // a separate browser: no shared storage, nothing but the link
    const { page: p2, errors: e2 } = await fresh(url, { context: other.context });
    assert.equal(await p2.evaluate(() => devicePixelRatio), want.dpr);
    assert.deepEqual(await notices(p2), [], 'a link the page wrote opens without notices');
    assert.equal(await summaryText(p2), want.summary, 'same summary');
    assert.equal(await p2.$eval('#readout', (e) => e.textContent), want.readout, 'same readout');
    assert.equal(await p2.$eval('#time', (e) => e.value), want.time, 'same time cursor');
    assert.equal(await p2.$eval('#preset', (e) => e.value), 'double-hit');
    const got = await chartStats(p2);
    for (let i = 0; i < want.charts.length; i++) {
      assert.equal(`${got[i].w}x${got[i].h}`, `${want.charts[i].w}x${want.charts[i].h}`, `chart ${i}: same drawing-surface size`);
      assert.equal(got[i].hash, want.charts[i].hash, `chart ${i}: identical pixels`);
    }
    await p2.screenshot({ path: path.join(artifacts, 'link-roundtrip.png'), fullPage: true });
    await assertNoErrors(p2, e2, 'opened link');
  } finally {
    await page.close();
    await other?.close();
  }
});

// ---------------------------------------------------------------- b. every control round-trips

test('b. every control the page shows keeps its value through a link (custom scenario in s=)', async () => {
  const { page, errors } = await fresh();
  try {
    await loadScenario(page, FIVE);
    await page.locator('#controls details > summary').click(); // the per-pair correlations
    const specs = await page.$$eval('.control[data-key]', (els) => els.map((el) => {
      const num = el.querySelector('input[type=number]'), box = el.querySelector('input[type=checkbox]'), sel = el.querySelector('select');
      const radios = [...el.querySelectorAll('input[type=radio]')];
      const base = { key: el.dataset.key };
      if (num) return { ...base, kind: 'number', value: num.value, min: +num.min, max: +num.max, step: +num.step };
      if (box) return { ...base, kind: 'toggle', value: String(box.checked) };
      if (sel) return { ...base, kind: 'select', value: sel.value, options: [...sel.options].map((o) => o.value) };
      return { ...base, kind: 'radio', value: radios.find((r) => r.checked).value, options: radios.map((r) => r.value) };
    }));
    const kinds = Object.fromEntries(specs.map((c) => [c.key, c.kind]));
    // Every kind of widget is exercised.
    assert.equal(kinds.mode, 'radio');
    assert.equal(kinds['shock.asset'], 'select');
    assert.equal(kinds.feedback, 'toggle');
    assert.equal(kinds.seed, 'number');
    for (const k of ['lev.0', 'lev.1', 'shock.pct', 'shock.step', 'corr', 'depth', 'crowd.lev_min', 'crowd.lev_max', 'noise', 'rho.BTC.ETH', 'rho.SOL.DOGE']) assert.ok(k in kinds, `control ${k} is shown`);

    const decimals = (x) => (String(x).split('.')[1] || '').length;
    const next = (c) => {
      if (c.kind === 'number') {
        if (c.max - c.min > 1e6) return c.value === '987654321' ? '123456789' : '987654321';
        const up = +(+c.value + 3 * c.step).toFixed(decimals(c.step));
        return String(up <= c.max ? up : +(+c.value - 3 * c.step).toFixed(decimals(c.step)));
      }
      if (c.kind === 'toggle') return String(c.value !== 'true');
      return c.options[(c.options.indexOf(c.value) + 1) % c.options.length];
    };
    const set = {};
    // the switches that disable other controls (noise off: seed and correlation; feedback off:
    // depth) are set last, while every other control can still take a value
    const last = (c) => (['noise', 'feedback'].includes(c.key) ? 1 : 0);
    for (const c of [...specs].sort((a, b) => last(a) - last(b))) {
      // a venue rule that cannot matter on this run is disabled with its reason: nothing to set
      const ctl = page.locator(`.control[data-key="${c.key}"]`);
      if (await ctl.locator('input:disabled, select:disabled').count()) {
        assert.match(await ctl.locator('.note').textContent(), /^No effect/, `${c.key} is disabled with its reason`);
        continue;
      }
      // (a choice's value as it stands now: picking a venue sets the rules below it)
      if (c.kind === 'radio') c.value = await ctl.locator('input[type=radio]:checked').getAttribute('value');
      const v = next(c);
      assert.notEqual(v, c.value, `${c.key}: a value that differs from the scenario's`);
      await act(page, async () => {
        if (c.kind === 'number') { await number(page, c.key).fill(v); await number(page, c.key).press('Enter'); }
        else if (c.kind === 'toggle') await page.locator(`.control[data-key="${c.key}"] input[type=checkbox]`).setChecked(v === 'true');
        else if (c.kind === 'select') await page.selectOption(`.control[data-key="${c.key}"] select`, v);
        else await page.locator(`.control[data-key="${c.key}"] input[value="${v}"]`).check();
      });
      assert.equal(await page.locator(`.control[data-key="${c.key}"] .bad`).isVisible(), false, `${c.key}=${v} is accepted`);
      set[c.key] = v;
    }
    const before = await widgetValues(page);
    for (const [k, v] of Object.entries(set)) assert.equal(before[k], v, `${k} shows ${v}`);
    const summary = await summaryText(page);

    const url = await copyLink(page);
    const q = new URLSearchParams(url.split('#')[1]);
    assert.ok(q.get('s')?.length > 100, 'the custom scenario travels in s=');
    assert.equal(q.get('preset'), null);
    for (const [k, v] of Object.entries(set)) assert.equal(q.get(k), v, `the link carries ${k}=${v}`);

    const { page: p2, errors: e2 } = await fresh(url);
    try {
      assert.deepEqual(await notices(p2), []);
      assert.deepEqual(await widgetValues(p2), before, 'every widget shows the same value');
      assert.equal(await summaryText(p2), summary, 'same summary');
      assert.equal(await p2.$eval('#preset-claim', (e) => e.textContent), 'Your own scenario.');
      assert.equal(await p2.$eval('.control[data-key="shock.asset"] select', (e) => e.options.length), 5);
      assertChartsDrawn(await chartStats(p2), 'reopened');
      await assertNoErrors(p2, e2, 'reopened');
    } finally { await p2.close(); }
    await assertNoErrors(page, errors, 'all controls set');
  } finally { await page.close(); }
});

// ---------------------------------------------------------------- c. malformed links

test('c. malformed links show a notice naming the parameter, and a working page', async () => {
  const { page, errors } = await fresh(srv.url + '#v=1&preset=contagion&seed=1');
  const clean = { summary: await summaryText(page), time: await page.$eval('#time', (e) => e.value) };
  const widget = (key) => number(page, key).inputValue();
  const cases = [
    ['v=1&preset=contagion&bogus=3', /^The parameter "bogus" is not one this page knows; it is ignored\.$/],
    ['v=1&preset=contagion&lev.0=abc', /^Leverage, long BTC \(lev\.0\): must be a number, got "abc"; the scenario's value \(10\) is used\.$/, async () => assert.equal(await widget('lev.0'), '10')],
    ['v=1&preset=contagion&lev.0=9999', /^Leverage, long BTC \(lev\.0\): must be between 1 and 100, got 9999; the scenario's value \(10\) is used\.$/, async () => assert.equal(await widget('lev.0'), '10')],
    ['v=99&preset=contagion', /^The link's format version "99" is not one this page knows; it is read as v=2\.$/, async () => assert.equal(await summaryText(page), clean.summary)],
    ['v=1&s=!!!', /^The custom scenario in the link \(s\) is damaged and could not be read \(not base64url.*\); the preset is shown instead\.$/, async () => assert.equal(await page.$eval('#preset', (e) => e.value), 'contagion')],
    ['v=1&preset=nope', /^The preset "nope" is unknown \(known: .*contagion.*\); contagion is shown\.$/, async () => assert.equal(await page.$eval('#preset', (e) => e.value), 'contagion')],
    ['v=2&preset=nope', /^The preset "nope" is unknown \(known: .*contagion.*\); loop is shown\.$/, async () => assert.equal(await page.$eval('#preset', (e) => e.value), 'loop')],
    [`v=1&preset=amplification&lev.0=20&x=${'y'.repeat(70 * 1024)}`, /^The link is \d{5} characters long, more than the 65536 this page reads; the default scenario is shown\.$/, async () => {
      assert.equal(await page.$eval('#preset', (e) => e.value), 'loop', 'the default scenario, not the one in the over-long link');
      await page.waitForFunction(() => location.hash.length < 100, null, { timeout: 5000 }); // the address is rewritten to a short link
    }],
    ['v=1&preset=contagion&theme=purple', /^The parameter theme must be light, dark or auto, got "purple"; auto is used\.$/, async () => assert.equal(await page.evaluate(() => document.documentElement.hasAttribute('data-theme')), false)],
    ['v=1&preset=contagion&t=-5', /^The parameter t must be a step between 0 and \d+, got "-5"; the cursor is not set\.$/, async () => assert.equal(await page.$eval('#time', (e) => e.value), clean.time)],
    ['v=2&preset=contagion&seed=1&seed=2&mode=cross&mode=isolated', /^The parameter "(seed|mode)" appears more than once; the last value is used\.$/, async () => {
      assert.equal((await notices(page)).length, 2, 'one notice per repeated key');
      assert.equal(await widget('seed'), '2');
      assert.equal(await page.locator('.control[data-key="mode"] input[value=isolated]').isChecked(), true);
    }],
    ['v=1&preset=contagion&lev.0=%E0%A4%A', /^Leverage, long BTC \(lev\.0\): must be a number, got "\uFFFD%A"; the scenario's value \(10\) is used\.$/, async () => assert.equal(await widget('lev.0'), '10')],
    ['v=1&preset=contagion&%E0%A4%A=1', /^The parameter "\uFFFD%A" is not one this page knows; it is ignored\.$/],
  ];
  try {
    let n = 0;
    for (const [frag, want, check] of cases) {
      const where = frag.length > 80 ? frag.slice(0, 60) + `… (${frag.length} characters)` : frag;
      await page.goto(`${srv.url}?case=${n++}#${frag}`); // a new document each time (not a hashchange)
      await page.waitForFunction(() => window.__perf.firstChart != null && !document.querySelector('#summary').textContent.startsWith('Loading'), null, { timeout: 20000 });
      const list = await notices(page);
      assert.ok(list.length >= 1, `${where}: a notice is shown`);
      for (const t of list) assert.match(t, want, `${where}: the notice names the parameter`);
      assert.equal(await page.locator('#link-notices').isVisible(), true, `${where}: the notices are visible`);
      if (check) await check();
      const s = await summaryText(page);
      assert.ok(s.length > 40, `${where}: a summary (${s})`);
      assertChartsDrawn(await chartStats(page), where);
      await assertNoErrors(page, errors, where);
      if (frag.includes('seed=1&seed=2')) await page.screenshot({ path: path.join(artifacts, 'link-notices.png') });
    }
    // The reader can put the notices away; the page stays as it is.
    const before = await summaryText(page);
    await page.click('#dismiss-link-notices');
    assert.equal(await page.locator('#link-box').isVisible(), false);
    assert.deepEqual(await notices(page), []);
    assert.equal(await summaryText(page), before);
  } finally { await page.close(); }
});

// ---------------------------------------------------------------- d. script in a link is inert

test('d. script in every field of a link stays inert text', async () => {
  const P = ['<script>alert(1)</script>', '<img src=x onerror=alert(2)>', 'javascript:alert(3)', '"><svg onload=alert(4)>'];
  const e = encodeURIComponent;
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  // Rejected (the symbols are invalid), so the text comes back in the notice.
  const badScenario = b64({ version: 1, name: P[0], description: P[1], assets: [{ symbol: P[3], price: '1', depth_usd: '1000' }] });
  // Accepted: HTML in the name, the description and the account's name.
  const goodScenario = b64({ ...FIVE, name: P[0], description: P[1] + P[3], focal: { name: P[1], collateral: { USD: '10000' }, positions: [{ asset: 'ETH', side: 'long', notional_usd: '50000' }] } });
  const links = [
    `v=${e(P[0])}&preset=${e(P[1])}&${e(P[0])}=${e(P[1])}&mode=${e(P[3])}&lev.0=${e(P[2])}&controls=${e(P[0])},${e(P[3])}&theme=${e(P[1])}&t=${e(P[2])}&embed=${e(P[3])}&s=${badScenario}`,
    `v=1&s=${goodScenario}&embed=1&controls=${e(P[1])},mode&theme=${e(P[3])}&${e(P[2])}=${e(P[0])}`,
  ];
  const page = await browser.context.newPage();
  const errors = [], dialogs = [], own = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (x) => errors.push(String(x)));
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  page.on('request', (r) => own.push(r.url()));
  try {
    let n = 0;
    for (const link of links) {
      const where = `link ${n}`;
      await page.goto(`${srv.url}?inert=${n++}#${link}`);
      await page.waitForFunction(() => window.__perf.firstChart != null, null, { timeout: 20000 });
      await page.waitForLoadState('networkidle'); // anything an injected element would fetch has been fetched
      await frames(page);
      assert.deepEqual(dialogs, [], `${where}: no dialog`);
      const dom = await page.evaluate(() => ({
        scripts: [...document.querySelectorAll('script')].map((s) => s.getAttribute('src')),
        injected: document.querySelectorAll('img, svg, iframe, object, embed, frame, link[rel=import]').length,
        handlers: [...document.querySelectorAll('*')].flatMap((el) => [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${el.tagName} ${a.name}`)),
        jsUrls: [...document.querySelectorAll('[href], [src], [action]')].map((el) => el.getAttribute('href') || el.getAttribute('src') || el.getAttribute('action')).filter((u) => /^\s*javascript:/i.test(u)),
        noticesText: document.querySelector('#link-notices').textContent,
        noticesHtml: document.querySelector('#link-notices').innerHTML,
        textarea: document.querySelector('#scenario-text').value,
        embed: document.body.classList.contains('embed'),
        controls: [...document.querySelectorAll('.control')].map((c) => c.dataset.key),
      }));
      assert.deepEqual(dom.scripts, ['main.js'], `${where}: the only script is the page's own`);
      assert.equal(dom.injected, 0, `${where}: no element was injected`);
      assert.deepEqual(dom.handlers, [], `${where}: no event-handler attributes`);
      assert.deepEqual(dom.jsUrls, [], `${where}: no javascript: URLs`);
      if (n === 1) {
        // Every payload is reported, as text.
        for (const p of P) assert.ok(dom.noticesText.includes(p), `${where}: the notices show ${p} as text`);
        assert.ok(dom.noticesHtml.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), `${where}: escaped in the markup`);
        assert.ok(dom.noticesHtml.includes('&lt;img src=x onerror=alert(2)&gt;'));
        assert.equal(dom.embed, false, `${where}: embed=<svg…> is not an embed`);
        // an unknown format version is read as the current one, whose default preset is shown
        assert.equal(await page.$eval('#preset', (x) => x.value), 'loop');
      } else {
        assert.equal(dom.embed, true);
        assert.deepEqual(dom.controls, ['mode'], `${where}: only the known control is shown`);
        assert.ok(dom.noticesText.includes(P[1]) && dom.noticesText.includes(P[2]), `${where}: unknown control and key reported as text`);
        assert.ok(dom.textarea.includes(JSON.stringify(P[0]).slice(1, -1)), `${where}: the scenario's name is kept as text`);
        assert.equal(await page.$eval('#preset-claim', (x) => x.textContent), 'Your own scenario.');
      }
      assert.equal(await page.evaluate(() => document.documentElement.getAttribute('data-theme')), null, `${where}: theme falls back to auto`);
      assertChartsDrawn(await chartStats(page), where);
      assert.ok((await summaryText(page)).length > 40);
      await assertNoErrors(page, errors, where);
      if (n === 1) await page.screenshot({ path: path.join(artifacts, 'link-script-inert.png') });
    }
    // Nothing left localhost, and nothing asked for the injected image's "x".
    for (const u of own) assert.ok(u.startsWith(origin + '/') || u.startsWith('data:') || u.startsWith('blob:'), `request stayed local: ${u}`);
    assert.equal(srv.log.filter((x) => x.path === '/x' || x.path.endsWith('/x')).length, 0, 'no request for x');
    assert.deepEqual(dialogs, []);
  } finally { await page.close(); }
});

// ---------------------------------------------------------------- e. the example article

/** Wait until a lazy iframe of the article has loaded and its embed said cascade:ready. */
async function embedReady(page, id) {
  await page.locator('#' + id).scrollIntoViewIfNeeded();
  await page.waitForFunction((i) => document.getElementById(i).dataset.state === 'ready', id, { timeout: 30000 });
  const frame = await (await page.$('#' + id)).contentFrame();
  await frame.waitForFunction(() => window.__perf && window.__perf.firstChart != null && !document.querySelector('#summary').textContent.startsWith('Loading'));
  return frame;
}

/** Each embed's frame is exactly as tall as its content, as reported, with no scrollbars. */
async function assertSized(page, ids, where) {
  await page.waitForFunction((list) => list.every((id) => {
    const f = document.getElementById(id);
    const content = Math.ceil(f.contentDocument.documentElement.getBoundingClientRect().height);
    return window.__heights[id] === content && f.getAttribute('height') === String(content);
  }), ids, { timeout: 10000 });
  for (const id of ids) {
    const m = await page.evaluate((i) => {
      const f = document.getElementById(i), w = f.contentWindow, d = f.contentDocument.documentElement;
      return { attr: +f.getAttribute('height'), reported: window.__heights[i], count: window.__heightCount[i], box: f.getBoundingClientRect().height, sh: d.scrollHeight, ih: w.innerHeight, sw: d.scrollWidth, iw: w.innerWidth };
    }, id);
    assert.ok(m.count >= 1, `${where} ${id}: the host received cascade:height`);
    assert.equal(m.attr, m.reported, `${where} ${id}: the frame has the reported height`);
    assert.ok(m.attr > 300, `${where} ${id}: a real height (${m.attr})`);
    assert.ok(m.sh <= m.ih, `${where} ${id}: no vertical scrollbar in the frame (content ${m.sh}, frame ${m.ih})`);
    assert.ok(m.sw <= m.iw, `${where} ${id}: no horizontal scrollbar in the frame (content ${m.sw}, frame ${m.iw})`);
  }
}

async function openArticle(width, reducedMotion = 'no-preference') {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width, height: 900 });
  await page.emulateMedia({ reducedMotion });
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (x) => errors.push(String(x)));
  // Record, in the article (top window only), what each embed posted to it.
  await page.addInitScript(() => {
    if (window.top !== window) return;
    window.__heights = {}; window.__heightCount = {}; window.__messages = [];
    addEventListener('message', (e) => {
      const f = [...document.querySelectorAll('iframe')].find((x) => x.contentWindow === e.source);
      const id = f ? f.id : 'other';
      window.__messages.push({ from: id, data: e.data });
      if (e.data && e.data.type === 'cascade:height') { window.__heights[id] = e.data.height; window.__heightCount[id] = (window.__heightCount[id] || 0) + 1; }
    });
  });
  await page.goto(srv.url + 'examples/');
  return { page, errors };
}

/** Record the cascade:step messages an embed receives (window.__steps in the frame). */
const recordSteps = (frame) => frame.evaluate(() => {
  if (!window.__steps) addEventListener('message', (e) => { if (e.data && e.data.type === 'cascade:step') window.__steps.push(e.data.step); });
  window.__steps = [];
});

test('e. the example article embeds two views, sizes them, and drives one from the story', async () => {
  // With reduced motion the article moves the time cursor in one jump (checked below; at 375 px
  // it glides).
  const { page, errors } = await openArticle(1280, 'reduce');
  const ids = ['embed-contagion', 'embed-amplification'];
  try {
    assert.equal(await page.title(), 'How one falling coin can close your other positions — an example article');
    const fc = await embedReady(page, ids[0]);
    const fa = await embedReady(page, ids[1]);
    await assertSized(page, ids, '1280px');
    // The frame follows its content both ways: a data table opened, then closed again.
    const h0 = +(await page.$eval('#embed-contagion', (f) => f.getAttribute('height')));
    const table = fc.locator('.chart[data-name="collateral"] details > summary');
    await table.click();
    await page.waitForFunction((h) => +document.getElementById('embed-contagion').getAttribute('height') > h + 100, h0, { timeout: 10000 });
    await table.click();
    await page.waitForFunction((h) => +document.getElementById('embed-contagion').getAttribute('height') === h, h0, { timeout: 10000 });

    // Each embed shows exactly the controls its link names, and no page chrome.
    // Figure 2's link names one chart (charts=impact), so that it fits the screen.
    for (const [f, want, charts] of [[fc, ['lev.0', 'mode'], ['collateral', 'margin', 'impact']], [fa, ['depth', 'feedback'], ['impact']]]) {
      assert.deepEqual((await f.$$eval('.control', (cs) => cs.map((c) => c.dataset.key))).sort(), want);
      assert.deepEqual(await f.$$eval('.chart', (cs) => cs.filter((c) => c.checkVisibility()).map((c) => c.dataset.name)), charts);
      const chrome = await f.$$eval('.chrome, #preset, #open-embed, details.load, #reset, #new-seed', (els) => els.map((el) => el.checkVisibility()));
      assert.ok(chrome.length === 7 && chrome.every((v) => v === false), `no page chrome in the embed (visible: ${chrome})`);
      assert.equal(await f.evaluate(() => document.body.classList.contains('embed')), true);
      assertChartsDrawn(await chartStats(f), 'embed', charts.length);
    }
    const fig2 = await page.$eval('#fig-amplification', (f) => f.getBoundingClientRect().height);
    assert.ok(fig2 < 900, `Figure 2 fits the 900 px screen (${fig2} px)`);
    const contagion = { summary: await summaryText(fc), charts: hashes(await chartStats(fc)) };
    const fall = (s) => +(s.match(/became a −(\d+(?:\.\d+)?)% fall/) || [])[1];
    const readoutStep = (f, n) => f.waitForFunction((k) => document.querySelector('#readout').textContent.startsWith(`step ${k} (`), n, { timeout: 10000 });
    const toStep = (sel) => page.locator(sel).evaluate((el) => el.scrollIntoView({ block: 'center', behavior: 'instant' }));

    // Scrolling to a story step moves the driven embed's time cursor (in one jump: reduced motion)…
    await recordSteps(fa);
    await toStep('.step[data-step="8"]');
    await readoutStep(fa, 8);
    assert.deepEqual(await fa.evaluate(() => window.__steps), [8], 'reduced motion: one cascade:step, no glide');
    assert.equal(await page.$eval('.step[data-step="8"]', (el) => el.classList.contains('is-active')), true);
    const base = { summary: await summaryText(fa), charts: hashes(await chartStats(fa)) };
    // The live caption shows the first sentence of the embed's summary (from cascade:state).
    const captionOf = (s) => page.waitForFunction((x) => { const c = document.querySelector('#live-caption').textContent; return c.endsWith('.') && x.startsWith(c + ' ') && c; }, s, { timeout: 10000 }).then((h) => h.jsonValue());
    assert.equal(fall(await captionOf(base.summary)), fall(base.summary));

    // …and a step that sets a control changes what it computes (and its widget shows the value).
    await toStep('.step[data-set-key="depth"][data-set-value="0.3"]');
    await fa.waitForFunction(() => document.querySelector('.control[data-key="depth"] input[type=number]').value === '0.3', null, { timeout: 10000 });
    await fa.waitForFunction((s) => document.querySelector('#summary').textContent !== s, base.summary, { timeout: 10000 });
    await frames(fa);
    const thin = { summary: await summaryText(fa), charts: hashes(await chartStats(fa)) };
    assert.equal(await fa.$eval('.control[data-key="depth"] input[type=range]', (e) => e.value), '0.3', 'the slider follows too');
    assert.ok(fall(thin.summary) > fall(base.summary), `a thinner book, a bigger fall (${fall(thin.summary)} vs ${fall(base.summary)})`);
    assert.notEqual(thin.charts, base.charts, 'the charts changed');
    assert.equal(fall(await captionOf(thin.summary)), fall(thin.summary));

    // A checkbox control set from the page: feedback off, the fall is the shock.
    await toStep('.step[data-set-key="feedback"]');
    await fa.waitForFunction(() => document.querySelector('.control[data-key="feedback"] input[type=checkbox]').checked === false, null, { timeout: 10000 });
    await fa.waitForFunction(() => /×1\.00 the outside move/.test(document.querySelector('#summary').textContent), null, { timeout: 10000 });
    const off = await summaryText(fa);
    assert.equal(fall(off), +(off.match(/−(\d+(?:\.\d+)?)% without feedback/) || [])[1], `without feedback the fall is the shock: ${off}`);
    await page.screenshot({ path: path.join(artifacts, 'article-1280-story.png') });

    // Scrolling back up restores the embed's own values.
    await toStep('.step[data-step="8"]');
    await fa.waitForFunction((s) => document.querySelector('#summary').textContent === s, base.summary, { timeout: 10000 });
    await readoutStep(fa, 8);
    await frames(fa);
    assert.equal(await fa.$eval('.control[data-key="depth"] input[type=number]', (e) => e.value), '1');
    assert.equal(await fa.$eval('.control[data-key="feedback"] input[type=checkbox]', (e) => e.checked), true);
    assert.equal(hashes(await chartStats(fa)), base.charts, 'the same charts as before');

    // The reader moves the embed's own depth control; the next story step still restores the
    // depth the story wants (the host learns the embed's values from cascade:state).
    // (Set in place: Playwright's fill() would first scroll the article to bring the control into
    // view, which would activate another story step.)
    const y = await page.evaluate(() => scrollY);
    const readerSets = (sel, value) => fa.locator(sel).evaluate((el, v) => {
      el.value = v;
      for (const t of ['input', 'change']) el.dispatchEvent(new Event(t, { bubbles: true }));
    }, value);
    await readerSets('.control[data-key="depth"] input[type=number]', '2');
    await fa.waitForFunction((s) => document.querySelector('#summary').textContent !== s, base.summary, { timeout: 10000 });
    await page.waitForFunction(() => window.__messages.some((m) => m.from === 'embed-amplification' && m.data?.type === 'cascade:state' && m.data.values?.depth === '2'), null, { timeout: 10000 });
    assert.equal(await page.evaluate(() => scrollY), y, 'the article did not scroll');
    // One story step sends a cascade:set (depth back to 1) and a cascade:step (20): the run the set
    // starts reports the old step, and the article must not take that for the embed's answer.
    await toStep('.step[data-step="20"]');
    await readoutStep(fa, 20);
    await fa.waitForFunction(() => document.querySelector('.control[data-key="depth"] input[type=number]').value === '1', null, { timeout: 10000 });
    // The reader drags the embed's time cursor; the next story step (which wants step 20 and a
    // thinner book) brings it back.
    await readerSets('#time', '30');
    await readoutStep(fa, 30);
    await page.waitForFunction(() => window.__messages.some((m) => m.from === 'embed-amplification' && m.data?.type === 'cascade:state' && m.data.step === 30), null, { timeout: 10000 });
    await toStep('.step[data-set-key="depth"][data-set-value="0.3"]');
    await fa.waitForFunction(() => document.querySelector('.control[data-key="depth"] input[type=number]').value === '0.3', null, { timeout: 10000 });
    await readoutStep(fa, 20);
    await toStep('.step[data-step="8"]');
    await readoutStep(fa, 8);
    await fa.waitForFunction((s) => document.querySelector('#summary').textContent === s, base.summary, { timeout: 10000 });

    // The other embed never changed.
    assert.equal(await summaryText(fc), contagion.summary);
    assert.equal(hashes(await chartStats(fc)), contagion.charts);

    // Messages in other shapes, or from another window, are ignored; a bad value is reported.
    const depthBefore = await fa.$eval('.control[data-key="depth"] input[type=number]', (e) => e.value);
    await page.evaluate(() => {
      const w = document.getElementById('embed-amplification').contentWindow;
      for (const m of [{ type: 'cascade:set', key: 5, value: '0.5' }, { type: 'cascade:set', key: 'depth' }, { type: 'cascade:set', key: 'depth', value: { v: 0.5 } },
        { type: 'cascade:set', key: 'x'.repeat(100), value: 1 }, 'cascade:set', '{"type":"cascade:set","key":"depth","value":"0.5"}', null, 42, [], { type: 'cascade:nope' }, { type: 5 },
        { type: 'cascade:step', step: '12' }, { type: 'cascade:step', step: 1.5 }, { type: 'cascade:link', link: 5 }]) w.postMessage(m, '*');
    });
    // Another embed (a sibling window, not the host) tries to drive it.
    await fc.evaluate(() => parent.document.getElementById('embed-amplification').contentWindow.postMessage({ type: 'cascade:set', key: 'depth', value: '0.5' }, '*'));
    await page.evaluate(() => {
      const w = document.getElementById('embed-amplification').contentWindow;
      w.postMessage({ type: 'cascade:set', key: 'depth', value: '99', id: 9001 }, '*'); // out of range: cascade:error
      w.postMessage({ type: 'cascade:step', step: 12, id: 9002 }, '*'); // a sentinel: read after all of the above
    });
    await readoutStep(fa, 12);
    // Each numbered message is acknowledged by a cascade:state that reflects it (the rejected set
    // too, at once: nothing to run).
    const acked = (id) => page.waitForFunction((k) => window.__messages.find((m) => m.from === 'embed-amplification' && m.data?.type === 'cascade:state' && m.data.ack === k)?.data, id, { timeout: 10000 }).then((h) => h.jsonValue());
    const [a1, a2] = [await acked(9001), await acked(9002)];
    assert.equal(a1.values.depth, depthBefore);
    assert.deepEqual([a2.step, a2.values.depth], [12, depthBefore]);
    // An unnumbered message that changes nothing gets no answer (a host forwarding states between
    // two embeds cannot start an endless exchange); a numbered one always does.
    const states = () => page.evaluate(() => window.__messages.filter((m) => m.from === 'embed-amplification' && m.data?.type === 'cascade:state').length);
    const n0 = await states();
    await page.evaluate(() => {
      const w = document.getElementById('embed-amplification').contentWindow;
      w.postMessage({ type: 'cascade:step', step: 12 }, '*');
      w.postMessage({ type: 'cascade:step', step: 12, id: 9003 }, '*');
    });
    assert.equal((await acked(9003)).step, 12);
    assert.equal(await states(), n0 + 1, 'one state: for the numbered message only');
    await page.waitForFunction(() => window.__messages.some((m) => m.from === 'embed-amplification' && m.data && m.data.type === 'cascade:error'));
    const err = await page.evaluate(() => window.__messages.find((m) => m.data && m.data.type === 'cascade:error').data.message);
    assert.match(err, /depth/, `the error names the control: ${err}`);
    await frames(fa);
    assert.equal(await fa.$eval('.control[data-key="depth"] input[type=number]', (e) => e.value), depthBefore, 'depth unchanged');
    assert.equal(await summaryText(fa), base.summary, 'nothing was recomputed');
    assert.equal(await fa.$eval('#error', (e) => e.hidden), true);
    assert.equal(await fc.$eval('#error', (e) => e.hidden), true);
    assert.deepEqual(await page.evaluate(() => window.__messages.filter((m) => m.from === 'other').length), 0);

    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(artifacts, 'article-1280.png'), fullPage: true });
    assert.deepEqual(errors, [], 'no console errors in the article or its embeds');
  } finally { await page.close(); }

  // 375 px: the article and both embeds fit, sized to their content.
  const small = await openArticle(375);
  try {
    await embedReady(small.page, ids[0]);
    const fa = await embedReady(small.page, ids[1]);
    await assertSized(small.page, ids, '375px');
    const m = await small.page.evaluate(() => ({ sw: document.documentElement.scrollWidth, iw: innerWidth }));
    assert.ok(m.sw <= m.iw, `375px: no horizontal scroll in the article (${m.sw} > ${m.iw})`);
    for (const id of ids) {
      const r = await small.page.$eval('#' + id, (f) => f.getBoundingClientRect().toJSON());
      assert.ok(r.left >= 0 && r.right <= 375, `375px: ${id} fits the width (${r.left}–${r.right})`);
    }
    // The story still drives the embed on a phone; without reduced motion the cursor glides.
    const toStep = (sel) => small.page.locator(sel).evaluate((el) => el.scrollIntoView({ block: 'center', behavior: 'instant' }));
    await toStep('.step[data-step="4"]');
    await fa.waitForFunction(() => document.querySelector('#readout').textContent.startsWith('step 4 ('), null, { timeout: 10000 });
    await recordSteps(fa);
    await toStep('.step[data-step="20"]');
    await fa.waitForFunction(() => document.querySelector('#readout').textContent.startsWith('step 20 ('), null, { timeout: 10000 });
    const glide = await fa.evaluate(() => window.__steps);
    assert.ok(glide.length >= 2 && glide.at(-1) === 20 && glide.every((v, i) => i === 0 || v >= glide[i - 1]), `the cursor glides 4 → 20 (${glide})`);
    await toStep('.step[data-step="5"]');
    await fa.waitForFunction(() => document.querySelector('#readout').textContent.startsWith('step 5 ('), null, { timeout: 10000 });
    await small.page.screenshot({ path: path.join(artifacts, 'article-375-story.png') });
    await small.page.evaluate(() => window.scrollTo(0, 0));
    await small.page.screenshot({ path: path.join(artifacts, 'article-375.png'), fullPage: true });
    assert.deepEqual(small.errors, []);
  } finally { await small.page.close(); }
});

// ---------------------------------------------------------------- f. downloads

test('f. exports: the PNG holds the charts shown, the CSV every step, the JSON reloads', async () => {
  const { page, errors } = await fresh(srv.url + '#v=1&preset=contagion&seed=1');
  const download = async (button) => {
    const [d] = await Promise.all([page.waitForEvent('download', { timeout: 10000 }), page.click(button)]);
    return { name: d.suggestedFilename(), bytes: fs.readFileSync(await d.path()) };
  };
  try {
    // PNG: a real PNG, as wide as the widest canvas and as tall as all three, pixel for pixel the charts.
    const png = await download('#export-png');
    assert.equal(png.name, 'cascade-charts.png');
    assert.deepEqual([...png.bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
    assert.equal(png.bytes.toString('latin1', 12, 16), 'IHDR');
    const dims = { w: png.bytes.readUInt32BE(16), h: png.bytes.readUInt32BE(20) };
    const stats = await chartStats(page);
    assert.equal(dims.w, Math.max(...stats.map((s) => s.w)), 'width = the widest chart');
    assert.equal(dims.h, stats.reduce((a, s) => a + s.h, 0), 'height = the charts stacked');
    const same = await page.evaluate(async (b64) => {
      const img = new Image();
      img.src = 'data:image/png;base64,' + b64;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width; c.height = img.height;
      const ctx = c.getContext('2d');
      ctx.drawImage(img, 0, 0);
      const hash = (d) => { let h = 2166136261; const u = new Uint32Array(d.buffer); for (let i = 0; i < u.length; i++) h = Math.imul(h ^ u[i], 16777619) >>> 0; return h; };
      let y = 0;
      return [...document.querySelectorAll('.chart:not([hidden]) canvas')].map((cv) => {
        const mine = hash(cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data);
        const there = hash(ctx.getImageData(0, y, cv.width, cv.height).data);
        y += cv.height;
        return mine === there;
      });
    }, png.bytes.toString('base64'));
    assert.deepEqual(same, stats.map(() => true), 'each chart appears in the PNG unchanged');

    // CSV: the CLI's columns, one row per step, numbers everywhere; the same text as `cascade run --csv`.
    const csv = await download('#export-csv');
    assert.equal(csv.name, 'cascade-series.csv');
    const lines = csv.bytes.toString('utf8').trimEnd().split('\n');
    const points = +(await page.$eval('#time', (e) => e.max)) + 1;
    assert.equal(lines.length, points + 1, `a header and one row per step (${points})`);
    const header = lines[0].split(',');
    assert.deepEqual(header.slice(0, 2), ['step', 'time_minutes']);
    for (const col of ['price_BTC', 'price_ETH', 'focal_equity', 'focal_margin_ratio']) assert.ok(header.includes(col), `column ${col}`);
    lines.slice(1).forEach((l, i) => {
      const f = l.split(',');
      assert.equal(f.length, header.length, `row ${i}: every column`);
      assert.equal(f[0], String(i), `row ${i} is step ${i}`);
      for (const [j, v] of f.entries()) assert.ok(v === '' || Number.isFinite(Number(v)), `row ${i} ${header[j]}: a number (${v})`);
    });
    const eq = header.indexOf('focal_equity');
    await page.$eval('#time', (e) => { e.value = '20'; e.dispatchEvent(new Event('input', { bubbles: true })); });
    const readoutEquity = (await page.$eval('#readout', (e) => e.textContent)).match(/equity (-?[\d,]+\.\d\d) USD/)[1].replace(/,/g, '');
    const step = +(await page.$eval('#time', (e) => e.value));
    assert.equal(Number(lines[step + 1].split(',')[eq]).toFixed(2), readoutEquity, 'the CSV agrees with the readout');
    assert.equal(csv.bytes.toString('utf8').trimEnd(), execFileSync(cascadeBin(), ['run', 'preset:contagion', '--csv']).toString().trimEnd(), 'the same CSV as the CLI');

    // JSON: the effective scenario (after the controls), version 3; loading it back gives the same result.
    await act(page, () => page.locator('.control[data-key="mode"] input[value=isolated]').check());
    await range(page, 'lev.0').focus();
    await act(page, () => page.keyboard.press('PageUp'));
    const summary = await summaryText(page);
    const json = await download('#export-json');
    assert.equal(json.name, 'cascade-scenario.json');
    const sc = JSON.parse(json.bytes.toString('utf8'));
    assert.equal(sc.version, 3);
    assert.equal(sc.focal.mode, 'isolated', 'the controls are in the exported scenario');
    await loadScenario(page, json.bytes.toString('utf8'));
    await page.waitForFunction((s) => document.querySelector('#summary').textContent === s, summary, { timeout: 10000 });
    assert.equal(await page.$eval('#preset-claim', (e) => e.textContent), 'Your own scenario.');
    assert.equal(await page.locator('.control[data-key="mode"] input[value=isolated]').isChecked(), true);
    await assertNoErrors(page, errors, 'exports');
  } finally { await page.close(); }
});

// ---------------------------------------------------------------- g. the embed dialog

test('g. Embed… writes a lazy, titled iframe whose link shows exactly the chosen controls and charts', async () => {
  const { page, errors } = await fresh(srv.url + '#v=1&preset=contagion&seed=1');
  let embed;
  try {
    await act(page, () => page.locator('.control[data-key="mode"] input[value=isolated]').check());
    const summary = await summaryText(page);
    await page.click('#open-embed');
    assert.equal(await page.locator('#embed-dialog').isVisible(), true);
    for (const cb of await page.locator('#embed-controls input[type=checkbox]').all()) await cb.setChecked(['feedback', 'shock.pct'].includes(await cb.getAttribute('value')));
    await page.selectOption('#embed-theme', 'dark');
    await page.fill('#embed-title', 'ETH & BTC "contagion"');
    // All charts at first; leaving one out shortens the suggested height by its own (320 px), until
    // the author types a height.
    const height = () => page.$eval('#embed-height', (e) => +e.value);
    assert.equal(await height(), 2500);
    assert.doesNotMatch(await page.$eval('#embed-snippet', (e) => e.value), /charts=/);
    await page.locator('#embed-charts input[value=collateral]').setChecked(false);
    assert.equal(await height(), 2500 - 320);
    await page.locator('#embed-charts input[value=crowd]').setChecked(false);
    assert.equal(await height(), 2500 - 320 - 700);
    await page.fill('#embed-height', '1200');
    await page.locator('#embed-charts input[value=margin]').setChecked(false);
    await page.locator('#embed-charts input[value=margin]').setChecked(true);
    assert.equal(await height(), 1200, 'the typed height stays');
    const snippet = await page.$eval('#embed-snippet', (e) => e.value);
    await page.screenshot({ path: path.join(artifacts, 'embed-dialog.png') });
    assert.match(snippet, /^<iframe [^>]*><\/iframe>$/);
    assert.match(snippet, / loading="lazy"/);
    assert.match(snippet, / title="ETH &amp; BTC &quot;contagion&quot;"/, 'the title, escaped');
    assert.match(snippet, / width="100%"/);
    assert.match(snippet, / height="1200"/);
    const src = snippet.match(/ src="([^"]*)"/)[1].replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&amp;/g, '&');
    assert.ok(src.startsWith(srv.url + '#'), src);
    const q = new URLSearchParams(src.split('#')[1]);
    assert.equal(q.get('embed'), '1');
    assert.equal(q.get('controls'), 'shock.pct,feedback');
    assert.equal(q.get('charts'), 'margin,impact');
    assert.equal(q.get('theme'), 'dark');
    assert.equal(q.get('mode'), 'isolated', 'the scenario as set up');
    await page.click('#close-embed');
    assert.equal(await page.locator('#embed-dialog').isVisible(), false);

    ({ page: embed } = await fresh(src, { viewport: { width: 700, height: 900 } }));
    assert.deepEqual(await embed.$$eval('.control', (cs) => cs.map((c) => c.dataset.key)), ['shock.pct', 'feedback'], 'exactly the chosen controls');
    assert.deepEqual(await embed.$$eval('.chart', (cs) => cs.filter((c) => c.checkVisibility()).map((c) => c.dataset.name)), ['margin', 'impact'], 'exactly the chosen charts');
    assertChartsDrawn(await chartStats(embed), 'embed with two charts', 2);
    assert.equal(await embed.evaluate(() => document.body.classList.contains('embed')), true);
    assert.equal(await embed.evaluate(() => document.documentElement.dataset.theme), 'dark');
    assert.deepEqual(await embed.$$eval('.chrome', (els) => els.map((e) => e.checkVisibility())), [false, false], 'no page chrome');
    assert.equal(await summaryText(embed), summary);
    assert.deepEqual(await notices(embed), []);
    await assertNoErrors(page, errors, 'embed dialog');
  } finally { await page.close(); await embed?.close(); }
});

// ---------------------------------------------------------------- h. dark theme, reduced motion

test('h. theme=dark gives a dark embed; with reduced motion Play jumps instead of animating', async () => {
  const { page, errors } = await fresh(srv.url + '#v=1&preset=contagion&seed=1&embed=1&controls=mode&theme=dark', { viewport: { width: 700, height: 900 } });
  try {
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = bg.match(/\d+/g).map(Number);
    assert.ok(0.2126 * r + 0.7152 * g + 0.0722 * b < 50, `a dark background (${bg})`);
    const stats = await chartStats(page);
    assertChartsDrawn(stats, 'dark');
    for (const s of stats) assert.ok(Math.max(...s.bg) < 60, `the charts are drawn dark (background ${s.bg})`);
    await page.screenshot({ path: path.join(artifacts, 'embed-dark.png'), fullPage: true });
    // Copy link inside an embed shares the full explorer on the same scenario, not another embed.
    const shared = await copyLink(page);
    assert.ok(shared.includes('#v=2&preset=contagion&seed=1'), shared);
    assert.ok(!/[#&](embed|controls)=/.test(shared), `no embed view in the shared link: ${shared}`);
    assert.ok(shared.includes('theme=dark'), shared);
    // The same link with theme=light: light everywhere.
    await page.goto(srv.url + '?light#v=1&preset=contagion&seed=1&embed=1&controls=mode&theme=light');
    await page.waitForFunction(() => window.__perf.firstChart != null);
    const light = (await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).match(/\d+/g).map(Number);
    assert.ok(Math.min(...light) > 200, `a light background (${light})`);
    for (const s of await chartStats(page)) assert.ok(Math.min(...s.bg) > 200, `light charts (${s.bg})`);

    // Play: sample the time cursor every frame until it stops.
    // (at 16×: the run's 60 steps take little more than a second)
    await page.selectOption('#speed', '16');
    const playFromStart = () => page.evaluate(() => new Promise((resolve) => {
      const time = document.querySelector('#time'), btn = document.querySelector('#play');
      time.value = '0';
      time.dispatchEvent(new Event('input', { bubbles: true }));
      const seen = [time.value];
      btn.click();
      const t0 = performance.now();
      const sample = () => {
        if (seen.at(-1) !== time.value) seen.push(time.value);
        if ((btn.getAttribute('aria-pressed') === 'false' && time.value === time.max) || performance.now() - t0 > 15000) resolve({ seen, max: time.max, label: btn.textContent });
        else requestAnimationFrame(sample);
      };
      requestAnimationFrame(sample);
    }));
    await page.emulateMedia({ reducedMotion: 'reduce' });
    assert.equal(await page.evaluate(() => matchMedia('(prefers-reduced-motion: reduce)').matches), true);
    const reduced = await playFromStart();
    assert.deepEqual(reduced.seen, ['0', reduced.max], `reduced motion: one jump to the end, no animation (${reduced.seen.length} positions)`);
    assert.equal(reduced.label, '▶ Play');
    await page.emulateMedia({ reducedMotion: 'no-preference' });
    const animated = await playFromStart();
    assert.ok(animated.seen.length > 10, `otherwise Play animates through the steps (${animated.seen.length} positions)`);
    assert.equal(animated.seen.at(-1), animated.max);
    await assertNoErrors(page, errors, 'themes and play');
  } finally { await page.close(); }
});

test('f. the example article sets two venues side by side: the same scenario, each under its rules, sized and truthful', async () => {
  for (const width of [1280, 375]) {
    const { page, errors } = await openArticle(width, 'reduce');
    const ids = ['embed-hyperliquid', 'embed-binance'];
    try {
      const [hl, bn] = [await embedReady(page, ids[0]), await embedReady(page, ids[1])];
      await assertSized(page, ids, `${width}px`);
      const [a, b] = [await summaryText(hl), await summaryText(bn)];
      // what the article's text says of the two: the account survives on the left only
      assert.match(a, /^Under Hyperliquid's rules: /);
      assert.match(a, /Your cross account survived/);
      assert.match(b, /^Under Binance's rules: /);
      assert.match(b, /Your cross account was liquidated at step \d+/);
      // and the same shock falls further on the venue on the right
      const fall = (s) => +s.match(/became a −([\d.]+)% fall/)[1];
      assert.ok(fall(b) > fall(a), `${fall(b)} > ${fall(a)}`);
      const boxes = await page.$$eval('#embed-hyperliquid, #embed-binance', (fs) => fs.map((f) => f.getBoundingClientRect()).map((r) => [r.left, r.top, r.width]));
      if (width === 1280) assert.ok(Math.abs(boxes[0][1] - boxes[1][1]) < 2 && boxes[1][0] > boxes[0][0] + boxes[0][2], 'side by side');
      else assert.ok(boxes[1][1] > boxes[0][1], 'stacked on a narrow screen');
      await page.locator('.pair').first().screenshot({ path: path.join(artifacts, `article-venues-${width}.png`) });
      for (const f of [hl, bn]) assert.equal(await f.$eval('#error', (e) => e.hidden), true, 'no error shown in an embed');
      assert.deepEqual(errors, [], 'no console errors in the article or its embeds');
    } finally { await page.close(); }
  }
});

test('g. the example article sets the depeg side by side: collateral at the market, and at the index', async () => {
  const { page, errors } = await openArticle(1280, 'reduce');
  const ids = ['embed-depeg-market', 'embed-depeg-index'];
  try {
    const [m, i] = [await embedReady(page, ids[0]), await embedReady(page, ids[1])];
    await assertSized(page, ids, 'depeg');
    const [a, b] = [await summaryText(m), await summaryText(i)];
    // what the article says: at the index your account survives and fewer crowd accounts go
    assert.match(a, /Your cross account was liquidated at step \d+/);
    assert.match(b, /Your cross account survived/);
    const hit = (s) => +s.match(/Liquidations hit ([\d,]+) crowd accounts/)[1].replace(/,/g, '');
    assert.ok(hit(b) < hit(a), `${hit(b)} < ${hit(a)}`);
    assert.equal(await i.$eval('.control[data-key="coll_price"] input[value=index]', (e) => e.checked), true);
    await page.locator('.pair').nth(1).screenshot({ path: path.join(artifacts, 'article-depeg-1280.png') });
    assert.deepEqual(errors, [], 'no console errors in the article or its embeds');
  } finally { await page.close(); }
});
