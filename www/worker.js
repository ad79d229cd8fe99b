// Runs large scenarios off the main thread. Receives {id, scenario, values, cursor, ladder} (the
// ladder's asset, computed at the step the cursor will show); answers
// {id, result} (the Explorer's result: the summary as a plain object, the chart data as bytes whose
// buffer is transferred, not copied) or {id, error}. Receives {kind: 'safe', id, scenario, values}
// (answers.js, in a worker of its own): answers {id, safe} (each position's safe leverage) or {id, error}.
// Receives {kind: 'surface', id, scenario, values, x, y, coarse: [x, y]} (surface.js, a worker of its
// own): answers {id, stage: 'coarse', x, y, codes}, then {id, stage: 'row', done, total} per row,
// then {id, stage: 'full', x, y, codes} (a byte per cell, row by row), or {id, error}.
// Receives {kind: 'risk', id, scenario, values, x, y, paths, rows} (risk.js, a pool of workers):
// answers {id, j, row} per row asked (the engine's `sweep_row`), or {id, error}.
import init, { Explorer } from './pkg/margin_cascade.js';

const ready = init();
let ex = null;

self.onmessage = async (m) => {
  const { kind, id, scenario, values, cursor, ladder } = m.data || {};
  try {
    await ready;
    if (kind === 'safe') return safeLeverage(id, scenario, values);
    if (kind === 'surface') return surface(id, scenario, values, m.data.x, m.data.y, m.data.coarse);
    if (kind === 'risk') return risk(id, scenario, values, m.data);
    const t = [performance.now()];
    load(scenario, values);
    t.push(performance.now());
    ex.run(cursor ?? undefined);
    if (ex.ladder_assets().includes(ladder)) ex.ladder(ex.cursor_for(cursor ?? undefined), ladder);
    t.push(performance.now());
    const result = ex.export_result();
    t.push(performance.now());
    // how long each phase took, for the speed report (tests/browser/bench.mjs)
    const timings = { 'worker: load and set controls': t[1] - t[0], 'worker: engine run and ladder': t[2] - t[1], 'worker: export the result': t[3] - t[2] };
    self.postMessage({ id, result, timings, sent: performance.timeOrigin + performance.now() }, [result.chart.buffer]);
  } catch (e) {
    self.postMessage({ id, error: (e && e.message) || String(e) });
  }
};

function load(scenario, values) {
  ex ??= new Explorer();
  ex.load_json_with(String(scenario), Object.fromEntries(Object.entries(values || {}).map(([k, v]) => [k, String(v)])));
}

function safeLeverage(id, scenario, values) {
  const t0 = performance.now();
  load(scenario, values);
  const safe = ex.safe_leverage();
  self.postMessage({ id, safe, timings: { 'worker: safe leverage': performance.now() - t0 } });
}

function surface(id, scenario, values, x, y, coarse) {
  load(scenario, values);
  const grid = (gx, gy, stage) => {
    const t0 = performance.now();
    const p = ex.surface_plan(gx, gy);
    const codes = new Uint8Array(p.x.n * p.y.n);
    for (let j = 0; j < p.y.n; j++) {
      codes.set(ex.surface_row(gx, gy, j), j * p.x.n);
      if (stage === 'full') self.postMessage({ id, stage: 'row', done: j + 1, total: p.y.n });
    }
    self.postMessage({ id, stage, x: gx, y: gy, codes, ms: performance.now() - t0 }, [codes.buffer]);
  };
  grid(coarse[0], coarse[1], 'coarse');
  grid(x, y, 'full');
}

function risk(id, scenario, values, { x, y, paths, rows }) {
  load(scenario, values);
  for (const j of rows) self.postMessage({ id, j, row: ex.sweep_row(x, y, paths, j) });
}
