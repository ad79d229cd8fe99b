// Shared helpers for the browser tests and the benchmark: a static server for www/ on
// localhost, and Debian's Chromium driven by playwright-core (never a downloaded browser).
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const www = path.join(root, 'www');
export const artifacts = path.join(root, 'tests', 'artifacts');
fs.mkdirSync(artifacts, { recursive: true });

const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png' };

/** Serve `dir` on an ephemeral localhost port. Records every request (path, bytes). */
export function serve(dir = www) {
  const log = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    let file = path.join(dir, decodeURIComponent(url.pathname));
    if (!file.startsWith(dir)) { res.writeHead(403).end(); return; }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    if (!fs.existsSync(file)) { log.push({ path: url.pathname, status: 404, bytes: 0 }); res.writeHead(404).end('not found'); return; }
    const body = fs.readFileSync(file);
    log.push({ path: url.pathname, status: 200, bytes: body.length });
    res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close(), log })));
}

export async function launch() {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cascade-chromium-'));
  const browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  return { context: browser, close: async () => { await browser.close(); fs.rmSync(userDataDir, { recursive: true, force: true }); } };
}

/** Open the page; collect console errors and page errors. Resolves when the first charts are drawn. */
export async function openPage(context, url, { viewport } = {}) {
  const page = await context.newPage();
  if (viewport) await page.setViewportSize(viewport);
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  await page.waitForFunction(() => window.__perf && window.__perf.firstChart != null, null, { timeout: 20000 });
  return { page, errors };
}

/** A page on `url` once its summary is written (no longer "Loading…"). Closed by the caller. */
export async function openReady(context, url, viewport) {
  const { page, errors } = await openPage(context, url, viewport ? { viewport } : {});
  await page.waitForFunction(() => !document.querySelector('#summary').textContent.startsWith('Loading'));
  return { page, errors };
}

/** A control's element, by its key. */
export const control = (page, key) => page.locator(`.control[data-key="${key}"]`);

/** The page's summary text. */
export const summaryText = (page) => page.$eval('#summary', (e) => e.textContent);
/** Two animation frames of a page or frame: anything scheduled for the next frame has landed. */
export const frames = (target) => target.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

/** Select a preset in #preset and wait for its results (the summary text changes). */
export async function choosePreset(page, name) {
  const prev = await summaryText(page);
  await page.selectOption('#preset', name);
  await page.waitForFunction((p) => document.querySelector('#summary').textContent !== p, prev, { timeout: 10000 });
  await frames(page);
}

/** Run `fn` (a user action on a control) and wait until the page has adopted the new result. */
export async function act(page, fn) {
  const n = await page.evaluate(() => window.__perf.updates.length);
  await fn();
  await page.waitForFunction((k) => window.__perf.updates.length > k, n, { timeout: 10000 });
  await frames(page); // let any further scheduled update (a drag fires several inputs) land
}

/** The release `cascade` CLI the tests compare against (scripts/test.sh sets CASCADE_BIN). */
export function cascadeBin() {
  const dirs = [process.env.CARGO_TARGET_DIR, path.join(os.homedir(), '.cache/margin-cascade/target'), path.join(root, 'target')];
  for (const p of [process.env.CASCADE_BIN, ...dirs.filter(Boolean).map((d) => path.join(d, 'release/cascade'))]) if (p && fs.existsSync(p)) return p;
  throw new Error('the cascade CLI is not built: run `cargo build --release --bin cascade` and set CASCADE_BIN to it');
}

/**
 * Pixel statistics of the chart canvases a page or frame shows (hidden ones are left out): drawing-surface and CSS size,
 * a hash of the pixels, how many pixels differ from the background (the most common colour, `bg`
 * as [r, g, b]) and how many are clearly coloured (data series; axes, grid and text are grey).
 */
export function chartStats(target) {
  return target.evaluate(() => [...document.querySelectorAll('.chart:not([hidden]) canvas')].map((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const u = new Uint32Array(d.buffer);
    const counts = new Map();
    let h = 2166136261, colored = 0;
    for (let i = 0; i < u.length; i++) {
      counts.set(u[i], (counts.get(u[i]) || 0) + 1);
      h = Math.imul(h ^ u[i], 16777619) >>> 0;
      const r = d[4 * i], g = d[4 * i + 1], b = d[4 * i + 2];
      if (Math.max(r, g, b) - Math.min(r, g, b) > 60) colored++;
    }
    let bg = 0, bgCount = 0;
    for (const [v, n] of counts) if (n > bgCount) { bg = v; bgCount = n; }
    const rect = c.getBoundingClientRect();
    return {
      w: c.width, h: c.height, cssW: rect.width, cssH: rect.height, left: rect.left, right: rect.right,
      hash: h.toString(16), nonbg: u.length - bgCount, colored, total: u.length, bg: [bg & 255, (bg >>> 8) & 255, (bg >>> 16) & 255],
    };
  }));
}

/** The charts' pixels and sizes in one string (equal strings: identical charts). */
export const hashes = (stats) => stats.map((s) => `${s.w}x${s.h}:${s.hash}`).join(' ');

/** Every chart panel is drawn: a real size, plenty of non-background pixels, and coloured data
 * lines. `count`: the panels expected (five with the crowd's two, three without a crowd). */
export function assertChartsDrawn(stats, where, count = stats.length >= 5 ? 5 : 3) {
  assert.equal(stats.length, count, `${where}: ${count} chart canvases shown`);
  stats.forEach((s, i) => {
    assert.ok(s.w >= 200 && s.h >= 120, `${where}: chart ${i} has a drawing surface (${s.w}×${s.h})`);
    assert.ok(s.nonbg / s.total > 0.02, `${where}: chart ${i} is not blank (${s.nonbg} of ${s.total} pixels drawn)`);
    assert.ok(s.colored > 500, `${where}: chart ${i} has coloured data series (${s.colored} coloured pixels)`);
  });
}

/** No console or page errors were collected, and the page shows no error. */
export async function assertNoErrors(target, errors, where) {
  assert.deepEqual(errors, [], `${where}: console/page errors`);
  assert.equal(await target.$eval('#error', (e) => e.hidden), true, `${where}: #error is hidden (${await target.$eval('#error', (e) => e.textContent)})`);
}
