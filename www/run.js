// Running the engine: on the main thread for small scenarios, in a Web Worker for large ones
// (the latest input wins), at most one update per animation frame. A result is adopted into the
// state (summary, series) and announced ('result'); a failure is shown in the page ('failed').
import { S, emit } from './state.js';
import { $, showError, errText } from './ui.js';

const WORKER_COST = 400000; // above this (assets × steps × accounts/50) compute in a Web Worker
const SERIES = ['hours', 'equity', 'collateral', 'other_equity', 'other_collateral', 'nofb_equity', 'mr_pct', 'other_mr_pct', 'open_positions', 'forced_flow', 'crowd_notional', 'crowd_accounts'];
const PER_ASSET = ['price', 'exogenous', 'change_pct', 'impact_pct', 'forced_flow', 'mark', 'liq'];

let scheduled = false; // an update is queued for the next animation frame
let ranThisFrame = false; // an update already ran in the current frame

// Coalesce input: the first input in a frame updates at once; any further input in the same
// frame is folded into one update on the next frame. Never more than one update per frame, and
// never stale work (each update reads the latest control values).
export function schedule() {
  if (ranThisFrame) {
    scheduled = true;
    return;
  }
  ranThisFrame = true;
  requestAnimationFrame(() => {
    ranThisFrame = false;
    if (scheduled) {
      scheduled = false;
      schedule();
    }
  });
  update();
}

function update() {
  if (!S.ex) return;
  if (S.ex.cost() > WORKER_COST) return runInWorker();
  jobId++; // a job still in the worker answers an older scenario: its result is dropped
  const t0 = performance.now();
  try {
    const s = S.ex.run(S.cursor ?? undefined); // keep the state at the cursor: the ladder there needs no replay
    S.perf.runs.push(performance.now() - t0);
    adopt(s);
  } catch (e) {
    failed(errText(e));
  }
}

function failed(text) {
  showError(text);
  emit('failed', text);
}

let worker = null;
let jobId = 0;
let busy = false;
let again = false;
let askedAt = 0; // when the job in flight was asked for (for the speed report)

function runInWorker() {
  if (busy) {
    again = true;
    return;
  }
  if (!worker) {
    worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    worker.onmessage = (m) => {
      busy = false;
      $('#progress').hidden = true;
      if (again) {
        again = false; // a newer input arrived: this result is stale
        runInWorker();
        return;
      }
      if (m.data.id !== jobId) return;
      if (m.data.error) return failed(m.data.error);
      try {
        const t0 = performance.now();
        const summary = S.ex.import_result(m.data.result);
        const t1 = performance.now();
        adopt(summary);
        const t2 = performance.now();
        S.perf.worker = { 'one job: asked → charts drawn': t2 - askedAt, ...m.data.timings, 'worker → page message': performance.timeOrigin + t0 - m.data.sent, 'page: import the result': t1 - t0, 'page: adopt and draw': t2 - t1 };
      } catch (e) {
        failed(errText(e));
      }
    };
    worker.onerror = (e) => {
      busy = false;
      $('#progress').hidden = true;
      failed('The background computation failed: ' + (e.message || 'unknown error'));
    };
  }
  busy = true;
  askedAt = performance.now();
  $('#progress').hidden = false;
  // the cursor and the ladder's asset: the worker computes the ladder there too
  worker.postMessage({ id: ++jobId, scenario: S.ex.base_json(), values: S.ex.control_values(), cursor: S.cursor, ladder: S.ladderAsset });
}

function adopt(summary) {
  showError(null);
  S.summary = summary;
  const data = {};
  for (const n of SERIES) data[n] = S.ex.series(n);
  data.assets = S.ex.chart_assets();
  for (const a of data.assets) for (const k of PER_ASSET) data[`${k}.${a}`] = S.ex.series(`${k}.${a}`);
  S.data = data;
  S.cursor = S.ex.cursor_for(S.cursor ?? undefined);
  emit('result');
  if (S.pendingInputAt != null) {
    S.perf.updates.push(performance.now() - S.pendingInputAt);
    S.pendingInputAt = null;
  }
}
