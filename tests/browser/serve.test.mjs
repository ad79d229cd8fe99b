// The README's first command, run the way a newcomer runs it: `./scripts/serve.sh` from the
// checkout as it is, on a free port. It must build what is missing, serve the explorer, print
// the URLs to open, draw the charts in a real browser without console errors, stop cleanly on
// Ctrl-C (SIGINT), and refuse a port that is taken in one clear line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { root, launch, openPage, chartStats, assertChartsDrawn, assertNoErrors } from './helpers.mjs';

const serveScript = path.join(root, 'scripts', 'serve.sh');

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/** Start `scripts/serve.sh` with PORT; collects its output; resolves `exited` with (code, signal). */
function startServe(port) {
  const child = spawn(serveScript, [], { cwd: root, env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { text: '' };
  child.stdout.on('data', (d) => { out.text += d; });
  child.stderr.on('data', (d) => { out.text += d; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, out, exited };
}

async function waitFor(pred, what, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('./scripts/serve.sh serves the explorer, prints its URLs and stops cleanly on Ctrl-C', async () => {
  const port = await freePort();
  const s = startServe(port);
  let exit = null;
  s.exited.then((e) => { exit = e; });
  try {
    const base = `http://localhost:${port}/`;
    // a cold build cache takes minutes; a warm one (the test command built the page) seconds
    await waitFor(() => exit != null || s.out.text.includes('Ctrl-C to stop'), 'the server to start', 15 * 60_000);
    assert.equal(exit, null, `serve.sh exited early:\n${s.out.text}`);
    assert.ok(s.out.text.includes(`The explorer:        ${base}`), `prints the explorer's URL:\n${s.out.text}`);
    assert.ok(s.out.text.includes(`The example article: ${base}examples/`), `prints the article's URL:\n${s.out.text}`);
    assert.ok(!/running the CLI/i.test(s.out.text), 'no CLI fallback');
    const b = await launch();
    try {
      const { page, errors } = await openPage(b.context, base);
      assertChartsDrawn(await chartStats(page), 'served by serve.sh', await page.$$eval('.chart:not([hidden]) canvas', (c) => c.length));
      await assertNoErrors(page, errors, 'served by serve.sh');
      const article = await b.context.newPage();
      const res = await article.goto(`${base}examples/`);
      assert.equal(res.status(), 200, 'the example article is served');
    } finally {
      await b.close();
    }
  } finally {
    if (exit == null) s.child.kill('SIGINT'); // what Ctrl-C sends
  }
  const e = await s.exited;
  assert.deepEqual(e, { code: 0, signal: null }, `Ctrl-C ends serve.sh with exit code 0:\n${s.out.text}`);
  assert.ok(s.out.text.trimEnd().endsWith('stopped'), `says it stopped:\n${s.out.text}`);
  // the port is free again
  await new Promise((resolve, reject) => { const t = net.createServer(); t.once('error', reject); t.listen(port, '127.0.0.1', () => t.close(resolve)); });
});

test('./scripts/serve.sh on a port that is taken: one clear line and a non-zero exit, before any build', async () => {
  const blocker = net.createServer();
  await new Promise((r) => blocker.listen(0, '127.0.0.1', r));
  const { port } = blocker.address();
  try {
    const s = startServe(port);
    const e = await s.exited;
    assert.notEqual(e.code, 0, 'non-zero exit');
    const lines = s.out.text.trim().split('\n');
    assert.equal(lines.length, 1, `one line:\n${s.out.text}`);
    assert.match(lines[0], new RegExp(`port ${port} is already in use.*PORT=${port + 1} \\./scripts/serve\\.sh`));
  } finally {
    blocker.close();
  }
});
