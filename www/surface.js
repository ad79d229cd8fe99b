// The liquidation surface (the engine's `surface_plan`, `surface_row`, `draw_surface`): while its
// section is open, the grid for the settings on screen is computed in a worker of its own — a
// coarse 7 × 7 map first, then the full 25 × 25 row by row with progress — and drawn, with its
// caption in words. Cancel stops the worker. New settings start it over once they rest; until
// the new map arrives the old one is marked as the earlier settings'.
import { S } from './state.js';
import { $, errText } from './ui.js';

const FULL = 25;
const COARSE = 7;
const REST_MS = 300;
let worker = null;
let wanted = null; // the job for the settings on screen: {key, x, y}
let resting = null;
let shown = null; // what the canvas shows: {key, x, y, codes, coarse}

const box = () => $('#surface');
const status = (text, bad = false) => {
  const s = $('#surface-status');
  s.textContent = text;
  s.classList.toggle('bad', bad);
};

/** Wire the section: opening it, the axis pickers, Cancel. */
export function listenToSurface() {
  // open: compute for the settings on screen; closed: stop (nothing is computed while closed)
  box().addEventListener('toggle', () => (box().open ? start() : stop()));
  for (const id of ['#surface-x', '#surface-y']) $(id).addEventListener('change', start);
  $('#surface-cancel').addEventListener('click', cancel);
}

/** A new result: the settings may have changed. A job for other settings stops at once, the map
 * on screen is marked as the earlier settings', and the map starts over once they rest. */
export function surfaceAfterResult() {
  if (!box().open) return;
  const key = keyNow();
  if (wanted && wanted.key !== key) {
    stop();
    status('');
  }
  if (shown && shown.key !== key) $('#surface-caption').dataset.stale = 'true';
  clearTimeout(resting);
  resting = setTimeout(start, REST_MS);
}

/** The settings on screen and the axes chosen (null if the axes cannot be had). */
function keyNow() {
  try {
    const a = axes();
    return JSON.stringify([S.ex.base_json(), S.ex.control_values(), a.full]);
  } catch {
    return null;
  }
}

/** The scenario's axes: the pickers' assets (filled from the engine), the engine's defaults. */
function axes() {
  const plan = S.ex.surface_plan('', '');
  const fill = (sel, chosen) => {
    if ([...sel.options].map((o) => o.value).join() !== plan.assets.join()) sel.replaceChildren(...plan.assets.map((a) => new Option(a, a)));
    if (!plan.assets.includes(sel.value) || !sel.dataset.chosen) sel.value = chosen;
  };
  fill($('#surface-x'), plan.x.symbol);
  fill($('#surface-y'), plan.y.symbol);
  const spec = (sym, n) => `${sym}=${plan.x.min}:${plan.x.max}:${n}`;
  const [x, y] = [$('#surface-x').value, $('#surface-y').value];
  return { full: [spec(x, FULL), spec(y, FULL)], coarse: [spec(x, COARSE), spec(y, COARSE)] };
}

function start(e) {
  if (e?.target?.dataset) e.target.dataset.chosen = '1'; // the reader picked this axis
  clearTimeout(resting);
  if (!box().open) return;
  let a;
  try {
    a = axes();
    S.ex.surface_plan(a.full[0], a.full[1]); // refused axes are said here, before any work
  } catch (err) {
    stop();
    if (shown) $('#surface-caption').dataset.stale = 'true';
    return status(errText(err), true);
  }
  const scenario = S.ex.base_json();
  const values = S.ex.control_values();
  const key = JSON.stringify([scenario, values, a.full]);
  if (wanted?.key === key) return;
  if (!wanted && shown?.key === key && !shown.coarse) return draw(); // (back to the settings it shows)
  stop();
  if (shown) $('#surface-caption').dataset.stale = 'true';
  wanted = { key, x: a.full[0], y: a.full[1] };
  worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = (m) => got(m.data);
  worker.onerror = (ev) => {
    stop();
    status('The background computation failed: ' + (ev.message || 'unknown error'), true);
  };
  S.perf.surface = { asked: performance.now() };
  worker.postMessage({ kind: 'surface', id: key, scenario, values, x: a.full[0], y: a.full[1], coarse: a.coarse });
  $('#surface-cancel').hidden = false;
  status(`Computing a ${COARSE} × ${COARSE} first look…`);
}

function stop() {
  clearTimeout(resting);
  worker?.terminate();
  worker = null;
  wanted = null;
  $('#surface-cancel').hidden = true;
}

function cancel() {
  stop();
  status(shown && !shown.coarse ? 'Cancelled: the map shows the earlier settings.' : 'Cancelled.');
  draw(); // (the caption no longer promises the full map)
}

function got({ id, stage, x, y, codes, done, total, error, ms }) {
  if (id !== wanted?.key) return;
  if (error) {
    stop();
    return status(error, true);
  }
  if (stage === 'row') return status(`Computing the ${FULL} × ${FULL} map: ${done * FULL} of ${total * FULL} runs…`);
  const coarse = stage === 'coarse';
  S.perf.surface[stage] = performance.now() - S.perf.surface.asked;
  S.perf.surface[stage + ' (worker)'] = ms;
  shown = { key: id, x, y, codes, coarse };
  draw();
  if (!coarse) {
    stop();
    status('');
  }
}

/** Draw what is shown at the canvas's width (the layout is read here, on a message, not on input). */
export function draw() {
  if (!shown || !box().open) return;
  // the map is drawn with the grid of the settings on screen: a map of earlier ones keeps its
  // pixels (marked as the earlier settings') until the new one comes
  if (shown.key !== keyNow()) {
    $('#surface-caption').dataset.stale = 'true';
    return;
  }
  const canvas = $('#surface-canvas');
  const w = Math.max(280, Math.min(900, canvas.parentElement.clientWidth));
  const h = Math.round(Math.max(360, Math.min(760, w * 0.75 + 90))); // the legend takes up to 90 px on a narrow screen
  canvas.style.width = w + 'px';
  canvas.style.height = h + 'px';
  try {
    const words = S.ex.draw_surface(canvas, shown.x, shown.y, shown.codes, w, h, devicePixelRatio || 1, S.dark);
    const cap = $('#surface-caption');
    const look = `A ${COARSE} × ${COARSE} first look`;
    cap.textContent = words + (!shown.coarse ? '' : wanted ? ` (${look}: the full map follows.)` : ` (${look}; the full map was not computed.)`);
    delete cap.dataset.stale;
  } catch (err) {
    status(errText(err), true);
  }
}
