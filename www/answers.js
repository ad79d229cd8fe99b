// Answers that take many runs, computed in a worker of their own so that input never waits for
// them: each position's safe leverage (the engine's `safe_leverage`), shown under its leverage
// control. Asked once the settings have rested for a moment; one job in flight; the latest
// scenario asked meanwhile is computed next, and an answer is shown only for the scenario on
// screen. Until it arrives, the line says so.
import { S } from './state.js';
import { $$, errText } from './ui.js';

let worker = null;
let busy = false;
let latest = null; // the key of the scenario on screen, whose answer is wanted (null: none is)
let next = null; // the job to post when the worker is free: {key, scenario, values}
let shown = null; // the last answer: {key, safe, error}
let asked = null; // the key of the job in flight
let resting = null; // the timer that asks once the settings have rested
const REST_MS = 300;

/** The lines under the leverage controls on screen (an embed may show none). */
function lines() {
  return $$('.control[data-key^="lev."]').map((wrap) => {
    let p = wrap.querySelector('.safe');
    if (!p) {
      p = Object.assign(document.createElement('p'), { className: 'safe', id: wrap.querySelector('input').id + '-safe' });
      p.setAttribute('aria-live', 'polite');
      wrap.querySelector('.note').after(p);
      for (const i of wrap.querySelectorAll('input')) i.setAttribute('aria-describedby', `${i.getAttribute('aria-describedby')} ${p.id}`);
    }
    return [wrap.dataset.key, p];
  });
}

/** Ask for the safe leverage of the scenario on screen (after each result). */
export function askSafeLeverage() {
  const here = lines();
  if (!here.length) return;
  const values = S.ex.control_values();
  const scenario = S.ex.base_json();
  latest = JSON.stringify([scenario, values]);
  if (latest === shown?.key) return show(shown); // (the controls may have been rebuilt)
  for (const [, p] of here) {
    p.textContent = 'Safe leverage: finding it for these settings…';
    p.className = 'safe pending';
    p.hidden = false;
  }
  next = { key: latest, scenario, values };
  // asked once the settings rest: during a drag the worker would take the core the page draws on
  clearTimeout(resting);
  resting = setTimeout(() => {
    resting = null;
    if (!busy && next) post();
  }, REST_MS);
}

function post() {
  if (!worker) {
    worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    worker.onmessage = (m) => answered(m.data);
    worker.onerror = (e) => answered({ id: asked, error: 'the background computation failed: ' + (e.message || 'unknown error') });
  }
  const { key, scenario, values } = next;
  next = null;
  busy = true;
  asked = key;
  S.perf.safeAskedAt = performance.now();
  worker.postMessage({ kind: 'safe', id: key, scenario, values });
}

function answered({ id, safe, error, timings }) {
  busy = false;
  if (id === latest) {
    shown = { key: id, safe, error };
    show(shown);
    S.perf.safe = { 'asked, once the settings rested (300 ms) → shown': performance.now() - S.perf.safeAskedAt, ...timings };
  }
  if (next && resting === null) post(); // the scenario changed meanwhile and has rested: its answer is next
}

function show({ safe, error }) {
  for (const [k, p] of lines()) {
    const a = (safe || []).find((x) => x.control === k);
    p.className = error ? 'safe bad' : 'safe';
    p.textContent = error ? 'Safe leverage could not be found: ' + errText(error) : a ? a.words : '';
    p.hidden = !p.textContent;
  }
}

/** The run failed (the settings are refused): no answer stands for them. */
export function noSafeLeverage() {
  latest = null;
  next = null;
  clearTimeout(resting);
  for (const [, p] of lines()) {
    p.className = 'safe';
    p.textContent = 'Safe leverage: no answer while these settings are refused (the error above says why).';
    p.hidden = false;
  }
}
