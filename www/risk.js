// The Monte Carlo risk map (the engine's `sweep_plan`, `sweep_row`, `draw_risk`): when asked, the
// map for the settings on screen is computed by a pool of workers (one per core, at most four) —
// a coarse first look (4 × 4, a tenth of the paths), then the map (10 × 10 for most controls)
// row by row with progress —
// and drawn with its scale. Cancel stops the workers. Hover a cell for its figures; click it to
// open that cell's settings with its worst path (or, the map focused, choose a cell with the
// arrow keys and open it with Enter). The map is not recomputed by itself (it is
// thousands of runs): when the settings change it says so, and Compute starts it over.
import { S } from './state.js';
import { $, errText } from './ui.js';

// the first look's points on an axis of n: 4 where 4 evenly spaced points are among the map's
// own (a whole-number control stays whole), else its two ends
const coarsePoints = (n) => (n <= 4 ? n : (n - 1) % 3 === 0 ? 4 : 2);
let pool = [];
let job = null; // {key, stage, x, y, paths, nx, ny, rows, p, left}
let shown = null; // {key, x, y, paths, nx, ny, rows, p, rect, coarse}
let openValues = () => {};
let notices = []; // why an axis's control cannot change the outcome, if it cannot
let chosen = null; // the cell the keyboard chose: {i, j}

const status = (text, bad = false) => {
  const s = $('#risk-status');
  s.textContent = text;
  s.classList.toggle('bad', bad);
};
const keyNow = () => JSON.stringify([S.ex.base_json(), S.ex.control_values(), $('#risk-x').value, $('#risk-y').value, $('#risk-paths').value]);

/** Wire the section; `open(values)` loads a cell's settings with its worst path (main.js). */
export function listenToRisk(open) {
  openValues = open;
  $('#risk').addEventListener('toggle', () => $('#risk').open && fillAxes());
  $('#risk-go').addEventListener('click', start);
  $('#risk-cancel').addEventListener('click', () => {
    stop();
    status('Cancelled.');
    caption();
  });
  const c = $('#risk-canvas');
  c.addEventListener('mousemove', (e) => hover(e));
  c.addEventListener('mouseleave', () => ($('#risk-tip').hidden = true));
  c.addEventListener('keydown', key);
  c.addEventListener('focus', tipAtChosen);
  c.addEventListener('blur', () => ($('#risk-tip').hidden = true));
  c.addEventListener('click', (e) => {
    const cell = cellAt(e);
    if (cell) openCell(cell);
  });
}

/** After a result: a job for other settings stops, and a map for other settings says so. */
export function riskAfterResult() {
  if (job && job.key !== keyNow()) {
    stop();
    status('The settings changed: Compute for these.');
  }
  if (!$('#risk').open) return;
  fillAxes();
  if (shown) caption();
}

function fillAxes() {
  try {
    const plan = S.ex.sweep_plan($('#risk-x').value || '', $('#risk-y').value || '', +$('#risk-paths').value);
    for (const [sel, chosen] of [[$('#risk-x'), plan.x.key], [$('#risk-y'), plan.y.key]]) {
      const keys = plan.controls.map((c) => c.key);
      if ([...sel.options].map((o) => o.value).join() !== keys.join()) sel.replaceChildren(...plan.controls.map((c) => new Option(c.label, c.key)));
      sel.value = keys.includes(chosen) ? chosen : keys[0];
    }
  } catch (err) {
    status(errText(err), true);
  }
}

function stop() {
  for (const w of pool) w.terminate();
  pool = [];
  job = null;
  $('#risk-cancel').hidden = true;
  $('#risk-go').disabled = false;
}

function start() {
  stop();
  const paths = +$('#risk-paths').value;
  let plan;
  try {
    plan = S.ex.sweep_plan($('#risk-x').value, $('#risk-y').value, paths);
  } catch (err) {
    return status(errText(err), true);
  }
  const axis = (a, n) => `${a.key}=${a.min}:${a.max}:${n}`;
  const [cx, cy] = [coarsePoints(plan.x.n), coarsePoints(plan.y.n)];
  const key = keyNow();
  const full = { x: axis(plan.x, plan.x.n), y: axis(plan.y, plan.y.n), paths };
  const coarse = { x: axis(plan.x, cx), y: axis(plan.y, cy), paths: Math.max(10, Math.round(paths / 10)) };
  const n = Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1));
  for (let k = 0; k < n; k++) {
    const w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    w.onmessage = (m) => got(m.data);
    w.onerror = (e) => {
      stop();
      status('The background computation failed: ' + (e.message || 'unknown error'), true);
    };
    pool.push(w);
  }
  S.perf.risk = { asked: performance.now(), workers: n };
  $('#risk-cancel').hidden = false;
  $('#risk-go').disabled = true;
  notices = plan.notices;
  // both stages are of the settings as they are now (a change meanwhile stops the job)
  const on = { key, scenario: S.ex.base_json(), values: S.ex.control_values() };
  run(on, 'coarse', coarse, () => run(on, 'full', full, done));
}

function run({ key, scenario, values }, stage, g, then) {
  let plan;
  try {
    plan = S.ex.sweep_plan(g.x, g.y, g.paths);
  } catch (err) {
    stop();
    return status(errText(err), true);
  }
  const [nx, ny] = [plan.x.n, plan.y.n];
  job = { key, stage, ...g, nx, ny, axes: { x: plan.x, y: plan.y }, rows: new Array(ny), p: new Float64Array(nx * ny).fill(NaN), left: ny, then };
  status(stage === 'coarse' ? `A ${nx} × ${ny} first look, ${g.paths} paths a cell…` : `The ${nx} × ${ny} map, ${g.paths} paths a cell: 0 of ${ny} rows…`);
  pool.forEach((w, k) => {
    const rows = [];
    for (let j = k; j < ny; j += pool.length) rows.push(j);
    w.postMessage({ kind: 'risk', id: key + stage, scenario, values, x: g.x, y: g.y, paths: g.paths, rows });
  });
}

function got({ id, j, row, error }) {
  if (!job || id !== job.key + job.stage) return;
  if (job.key !== keyNow()) {
    // the settings changed while the main run had not yet reported it: these rows are not theirs
    stop();
    caption();
    return status('The settings changed: Compute for these.');
  }
  if (error) {
    stop();
    caption();
    return status(error, true);
  }
  try {
    S.ex.sweep_adopt(job.x, job.y, job.paths, j, row);
  } catch (err) {
    stop();
    return status(errText(err), true);
  }
  job.rows[j] = row;
  row.forEach((c, i) => (job.p[j * job.nx + i] = c.liquidated / c.paths));
  job.left--;
  shown = { key: job.key, x: job.x, y: job.y, paths: job.paths, nx: job.nx, ny: job.ny, axes: job.axes, rows: job.rows, p: job.p, coarse: job.stage === 'coarse' };
  draw();
  if (job.stage === 'full') status(`The ${job.nx} × ${job.ny} map, ${job.paths} paths a cell: ${job.ny - job.left} of ${job.ny} rows…`);
  if (job.left === 0) {
    S.perf.risk[job.stage] = performance.now() - S.perf.risk.asked;
    job.then();
  }
}

function done() {
  const g = job;
  stop();
  status('');
  try {
    // every row again into the engine's copy (a Reset with nothing changed forgets it), then the
    // map's JSON: the CLI's digest for the same map
    g.rows.forEach((row, j) => S.ex.sweep_adopt(g.x, g.y, g.paths, j, row));
    S.perf.risk.digest = JSON.parse(S.ex.sweep_json(g.x, g.y, g.paths)).digest;
  } catch (err) {
    status(errText(err), true);
  }
  caption();
}

/** Draw what is shown (the layout is read here, on a worker's message, never on input). */
export function draw() {
  if (!shown || !$('#risk').open) return;
  const canvas = $('#risk-canvas');
  const w = Math.max(280, Math.min(900, canvas.parentElement.clientWidth));
  const h = Math.round(Math.max(320, Math.min(640, w * 0.7)));
  canvas.style.width = w + 'px';
  canvas.style.height = h + 'px';
  try {
    shown.rect = S.ex.draw_risk(canvas, shown.x, shown.y, shown.paths, shown.p, w, h, devicePixelRatio || 1, S.dark);
    if (S.perf.risk) S.perf.risk.rect = [...shown.rect]; // (the tests find a cell by it)
  } catch (err) {
    status(errText(err), true);
  }
  caption();
}

function caption() {
  const c = $('#risk-caption');
  if (!shown) return;
  const done = shown.rows.filter(Boolean).length;
  const all = shown.rows.flat().filter(Boolean);
  const ps = all.map((x) => x.liquidated / x.paths);
  const words = done ? `P(liquidation) from ${pct(Math.min(...ps))} to ${pct(Math.max(...ps))} over the ${all.length} cells computed, ${shown.paths} random paths each, the same paths in every cell.` : '';
  const going = job && job.key === shown.key;
  const look = `A ${shown.nx} × ${shown.ny} first look`;
  const stage = !shown.coarse ? '' : going ? ` (${look}: the full map follows.)` : ` (${look}; the full map was not computed.)`;
  const note = notices.length ? ' Note: ' + notices.join(' ') : '';
  c.textContent = words + stage + ' Hover a cell for its figures; click it to open its settings with its worst path.' + note;
  c.toggleAttribute('data-stale', shown.key !== keyNow());
}

const pct = (p) => `${(p * 100).toFixed(p > 0 && p < 0.1 ? 1 : 0)} %`;
const usd = (s) => Number(s).toLocaleString('en-US', { maximumFractionDigits: 0 }) + ' USD';

function cellAt(e) {
  if (!shown?.rect) return null;
  const b = e.target.getBoundingClientRect();
  const [x0, y0, x1, y1] = shown.rect;
  const fx = (e.clientX - b.left - x0) / (x1 - x0);
  const fy = (y1 - (e.clientY - b.top)) / (y1 - y0);
  if (fx < 0 || fx > 1 || fy < 0 || fy > 1) return null;
  const i = Math.min(shown.nx - 1, Math.floor(fx * shown.nx));
  const j = Math.min(shown.ny - 1, Math.floor(fy * shown.ny));
  const cell = shown.rows[j]?.[i];
  return cell ? { ...cell, i, j } : null;
}

/** Open a cell: its settings with its worst path (only from a map of the settings on screen:
 * another scenario's map has other controls). */
function openCell(cell) {
  if (shown.key !== keyNow()) return status('This map is for earlier settings: Compute for these first.');
  openValues(cell.values);
}

function hover(e) {
  const c = cellAt(e);
  if (!c) return ($('#risk-tip').hidden = true);
  const b = e.target.getBoundingClientRect();
  showTip(c, e.clientX - b.left, e.clientY - b.top);
}

/** The tip for cell `c` at (x, y) in the canvas's CSS pixels: its figures, from its paths. */
function showTip(c, x, y) {
  const tip = $('#risk-tip');
  const { x: ax, y: ay } = shown.axes;
  tip.textContent = `${ax.label} ${ax.values[c.i]}, ${ay.label} ${ay.values[c.j]}: P(liquidation) ${pct(c.liquidated / c.paths)} (95 %: ${pct(c.lo)}–${pct(c.hi)}), ${c.liquidated} of ${c.paths} paths; expected shortfall of final equity at 5 %: ${usd(c.es)}; the crowd's liquidation-at-risk (95 %): ${usd(c.lar)}; P(insurance fund exhausted) ${pct(c.fund_exhausted / c.paths)}. Click (or Enter) to open the worst path (seed ${c.worst_seed}).`;
  tip.hidden = false;
  const w = $('#risk-canvas').clientWidth;
  tip.style.left = Math.max(0, Math.min(x + 12, w - 260)) + 'px';
  tip.style.top = y + 12 + 'px';
}

/** Keys on the focused map: arrows choose a cell (its figures shown), Enter or Space opens it. */
function key(e) {
  if (!shown?.rect) return;
  const step = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] }[e.key];
  chosen ??= { i: Math.floor(shown.nx / 2), j: Math.floor(shown.ny / 2) };
  if (step) {
    chosen = { i: Math.min(shown.nx - 1, Math.max(0, chosen.i + step[0])), j: Math.min(shown.ny - 1, Math.max(0, chosen.j + step[1])) };
  } else if (e.key === 'Enter' || e.key === ' ') {
    const c = shown.rows[chosen.j]?.[chosen.i];
    if (c) openCell(c);
  } else return;
  e.preventDefault();
  tipAtChosen();
}

function tipAtChosen() {
  const c = chosen && shown?.rows[chosen.j]?.[chosen.i];
  if (!c) return ($('#risk-tip').hidden = true);
  const [x0, y0, x1, y1] = shown.rect;
  showTip({ ...c, ...chosen }, x0 + ((chosen.i + 0.5) * (x1 - x0)) / shown.nx, y1 - ((chosen.j + 0.5) * (y1 - y0)) / shown.ny);
}
