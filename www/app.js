// The explorer page: plain ES module, no bundler. All text from scenarios goes through
// textContent (never parsed as HTML). Errors are shown in the page.
import init, { Explorer } from './pkg/margin_cascade.js';

const $ = (sel, el = document) => el.querySelector(sel);
const WORKER_COST = 400000; // above this (assets × steps × accounts/50) compute in a Web Worker
const perf = (window.__perf = { updates: [], firstChart: null, runs: [], draws: [] });

let ex; // the Explorer handle
let summary = null; // last page summary (parsed)
let data = {}; // typed arrays of the last run
let cursorStep = null;
const prefersDark = matchMedia('(prefers-color-scheme: dark)');
let dark = prefersDark.matches;
function applyTheme() {
  if (view.theme === 'auto') document.documentElement.removeAttribute('data-theme');
  else document.documentElement.dataset.theme = view.theme;
  dark = view.theme === 'dark' || (view.theme === 'auto' && prefersDark.matches);
}
let view = { embed: false, controls: null, charts: null, theme: 'auto' }; // from the link
let scheduled = false; // an update is queued for the next animation frame
let ranThisFrame = false; // an update already ran in the current frame
let pendingInputAt = null;

function showError(msg) {
  const el = $('#error');
  if (!msg) { el.hidden = true; el.textContent = ''; return; }
  el.hidden = false;
  el.textContent = String(msg);
}
const errText = (e) => (e && e.message) ? e.message : String(e);
// "the scenario is invalid (3 problems):\n  - a: …\n  - b: …" → "a: …"
const firstProblem = (msg) => { const m = msg.split('\n').find((l) => l.trim().startsWith('- ')); return m ? m.trim().slice(2) : msg; };

// ---------- formatting
const nf2 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 });
const usd = (v) => Number.isFinite(v) ? nf2.format(v) + ' USD' : '–';
const pct = (v, dp = 2) => Number.isFinite(v) ? (v > 0 ? '+' : '') + v.toFixed(dp) + '%' : '–';
const nfPrice = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 12 });
const px = (v) => (Number.isFinite(v) ? nfPrice.format(v) : '–');
const signedPct = (v) => (v > 0 ? '+' : v < 0 ? '−' : '') + Math.abs(v).toFixed(1) + '%';
function clock(step) {
  if (!summary) return '';
  const m = Math.round(step * summary.step_minutes);
  return `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}`;
}

// ---------- the summary in words, from the engine's numbers
function narrative(s) {
  const parts = [];
  const sum = s.summary, other = s.other_mode, nofb = s.no_feedback;
  const sh = s.shocks && s.shocks[0];
  if (sh && sum.assets[sh.symbol]) {
    const a = sum.assets[sh.symbol];
    const nf = nofb.assets[sh.symbol];
    // Several scripted moves of one asset read as one move: a slide (or climb) when they are
    // consecutive steps in one direction, else "N falls / rises / moves".
    const same = s.shocks.filter((x) => x.symbol === sh.symbol);
    const total = (same.reduce((m, x) => m * (1 + x.percent / 100), 1) - 1) * 100;
    const first = Math.min(...same.map((x) => x.step)), last = Math.max(...same.map((x) => x.step));
    const oneWay = same.every((x) => Math.sign(x.percent) === Math.sign(same[0].percent));
    const consecutive = last - first + 1 === same.length;
    let t;
    if (same.length === 1) t = `${sh.symbol}'s ${signedPct(total)} shock at step ${sh.step}`;
    else if (oneWay && consecutive) t = `${sh.symbol}'s scripted ${signedPct(total)} ${total < 0 ? 'slide' : 'climb'} (steps ${first}–${last})`;
    else t = `${sh.symbol}'s ${same.length} scripted ${oneWay ? (total < 0 ? 'falls' : 'rises') : 'moves'} (${signedPct(total)} in all, steps ${first}–${last})`;
    if (total < 0) {
      t += ` became a ${signedPct(-a.realized_drawdown_pct)} fall`;
      if (sum.cascade_depth_steps > 1) t += ` through ${sum.cascade_depth_steps} consecutive steps of liquidations`;
      if (a.amplification) t += ` (×${a.amplification.toFixed(2)} the outside move; ${signedPct(-nf.realized_drawdown_pct)} without feedback)`;
    }
    parts.push(t + '.');
  } else {
    let worst = null;
    for (const [sym, a] of Object.entries(sum.assets)) if (!worst || a.realized_drawdown_pct > worst[1].realized_drawdown_pct) worst = [sym, a];
    if (worst && worst[1].realized_drawdown_pct > 0) parts.push(`No scripted shock; the largest fall was ${worst[0]} ${signedPct(-worst[1].realized_drawdown_pct)} (${signedPct(-worst[1].exogenous_drawdown_pct)} outside the venue).`);
  }
  const mode = sum.focal_mode, omode = other.focal_mode;
  if (sum.focal_liquidated_step != null) {
    let t = `Your ${mode} account was liquidated at step ${sum.focal_liquidated_step} (${clock(sum.focal_liquidated_step)})`;
    // Positions the other mode would have kept. "Healthy" only for a position in another asset
    // than the shocked one, in an account that holds more than one position.
    const healthy = sum.healthy_positions_closed.map((c) => c.asset);
    const shocked = sh ? sh.symbol : null;
    const word = focalPositions > 1 && healthy.every((a) => a !== shocked) ? 'healthy ' : '';
    if (healthy.length) t += `, closing its ${word}${healthy.join(' and ')} position${healthy.length > 1 ? 's' : ''}`;
    t += other.focal_liquidated_step == null
      ? `; ${omode}, it would have survived.`
      : `; ${omode}, it would have been liquidated at step ${other.focal_liquidated_step}${healthy.length ? ` and kept ${healthy.join(' and ')}` : ''}.`;
    parts.push(t);
  } else if (other.focal_liquidated_step != null) {
    parts.push(`Your ${mode} account survived; ${omode}, it would have been liquidated at step ${other.focal_liquidated_step}.`);
  } else {
    parts.push(`Your ${mode} account was not liquidated (nor would it have been ${omode}).`);
  }
  parts.push(`Final equity ${usd(+sum.final_equity)} (${omode}: ${usd(+other.final_equity)}).`);
  if (sum.crowd_accounts_liquidated > 0) parts.push(`The crowd lost ${sum.crowd_accounts_liquidated} accounts to liquidation (${usd(+sum.crowd_liquidated_notional)} of positions); bad debt ${usd(+sum.bad_debt)}.`);
  return parts.join(' ');
}

// ---------- controls (built from the engine's description)
function controlId(key) { return 'c-' + key.replace(/[^a-zA-Z0-9_-]/g, '_'); }
// key → function(value) that shows a value the engine accepted from elsewhere (a host's
// cascade:set) in the control's widgets, whatever their kind.
const showControl = new Map();
let focalPositions = 0; // positions of the focal account (one leverage control each)

function buildControls() {
  const root = $('#controls');
  root.replaceChildren();
  showControl.clear();
  const specs = JSON.parse(ex.controls());
  focalPositions = specs.filter((c) => c.key.startsWith('lev.')).length;
  const groups = { position: 'Your position', market: 'Market', crowd: 'Crowd', advanced: 'Advanced: correlation per pair' };
  for (const [g, title] of Object.entries(groups)) {
    const items = specs.filter((c) => c.group === g && (!view.embed || (view.controls || []).includes(c.key)));
    if (!items.length) continue;
    let box;
    if (g === 'advanced') {
      box = document.createElement('details');
      const s = document.createElement('summary');
      s.textContent = title;
      box.append(s);
    } else {
      box = document.createElement('fieldset');
      const l = document.createElement('legend');
      l.textContent = title;
      box.append(l);
    }
    for (const c of items) box.append(controlElement(c));
    root.append(box);
  }
}

function controlElement(c) {
  const wrap = document.createElement('div');
  wrap.className = 'control';
  wrap.dataset.key = c.key;
  const id = controlId(c.key);
  const bad = document.createElement('p');
  bad.className = 'bad';
  bad.hidden = true;
  bad.id = id + '-err';
  let last = c.value; // the last value the engine accepted
  const commit = (value, el) => {
    try {
      ex.set_control(c.key, String(value));
      last = String(value);
      bad.hidden = true;
      el && el.removeAttribute('aria-invalid');
      schedule();
      return true;
    } catch (e) {
      // Show why, and put the widgets back to the value the engine is using.
      bad.hidden = false;
      bad.textContent = firstProblem(errText(e)) + ` (kept ${last})`;
      el && el.setAttribute('aria-invalid', 'true');
      for (const input of wrap.querySelectorAll('input[type=range], input[type=number]')) input.value = last;
      return false;
    }
  };
  showControl.set(c.key, (value) => {
    last = String(value);
    bad.hidden = true;
    for (const i of wrap.querySelectorAll('input, select')) {
      i.removeAttribute('aria-invalid');
      if (i.type === 'checkbox') i.checked = last === 'true';
      else if (i.type === 'radio') i.checked = i.value === last;
      else i.value = last;
    }
  });
  if (c.kind === 'number') {
    const label = document.createElement('label');
    label.htmlFor = id;
    label.textContent = c.label + (c.unit ? ` (${c.unit})` : '');
    const row = document.createElement('div');
    row.className = 'row';
    const range = document.createElement('input');
    Object.assign(range, { type: 'range', id, min: c.min, max: c.max, step: c.step, value: c.value });
    range.setAttribute('aria-describedby', bad.id);
    const numEl = document.createElement('input');
    Object.assign(numEl, { type: 'number', min: c.min, max: c.max, step: c.step, value: c.value });
    numEl.setAttribute('aria-label', c.label + (c.unit ? ` in ${c.unit}` : ''));
    numEl.setAttribute('aria-describedby', bad.id);
    const wide = c.max - c.min > 1e6; // e.g. the seed: the slider is too coarse, the field is exact
    if (wide) range.hidden = true;
    range.addEventListener('input', () => { pendingInputAt ??= performance.now(); numEl.value = range.value; commit(range.value, range); });
    numEl.addEventListener('change', () => {
      pendingInputAt ??= performance.now();
      if (commit(numEl.value, numEl)) range.value = numEl.value;
    });
    row.append(range, numEl);
    wrap.append(label, row, bad);
  } else if (c.kind === 'toggle') {
    const label = document.createElement('label');
    const box = document.createElement('input');
    Object.assign(box, { type: 'checkbox', id, checked: c.value === 'true' });
    box.addEventListener('change', () => { pendingInputAt ??= performance.now(); commit(box.checked, box); });
    label.append(box, document.createTextNode(' ' + c.label));
    wrap.className += ' toggle';
    wrap.append(label, bad);
  } else {
    const group = document.createElement('div');
    group.setAttribute('role', 'radiogroup');
    group.setAttribute('aria-label', c.label);
    group.className = 'choice';
    const title = document.createElement('span');
    title.className = 'label';
    title.textContent = c.label;
    if (c.options.length > 4) {
      const sel = document.createElement('select');
      sel.id = id;
      sel.setAttribute('aria-label', c.label);
      for (const o of c.options) sel.append(new Option(o, o, false, o === c.value));
      sel.addEventListener('change', () => { pendingInputAt ??= performance.now(); commit(sel.value, sel); });
      wrap.append(title, sel, bad);
      return wrap;
    }
    for (const o of c.options) {
      const l = document.createElement('label');
      const r = document.createElement('input');
      Object.assign(r, { type: 'radio', name: id, value: o, checked: o === c.value });
      r.addEventListener('change', () => { if (r.checked) { pendingInputAt ??= performance.now(); commit(o, r); } });
      l.append(r, document.createTextNode(' ' + o));
      group.append(l);
    }
    wrap.append(title, group, bad);
  }
  return wrap;
}

// ---------- running: main thread for small scenarios, a worker for large ones (latest input wins)
let worker = null, jobId = 0, busy = false, again = false;

// Coalesce input: the first input in a frame updates at once; any further input in the same
// frame is folded into one update on the next frame. Never more than one update per frame, and
// never stale work (each update reads the latest control values).
function schedule() {
  if (!ranThisFrame) {
    ranThisFrame = true;
    requestAnimationFrame(() => {
      ranThisFrame = false;
      if (scheduled) { scheduled = false; schedule(); }
    });
    update();
  } else {
    scheduled = true;
  }
}

function update() {
  if (!ex) return;
  if (ex.cost() > WORKER_COST) return runInWorker();
  const t0 = performance.now();
  try {
    const s = ex.run();
    perf.runs.push(performance.now() - t0);
    adopt(JSON.parse(s));
  } catch (e) {
    runFailed(errText(e));
  }
}
/** A run that failed: the error in the page, and (embedded) a state, which acknowledges the host's message. */
function runFailed(text) {
  showError(text);
  tellState();
}

function runInWorker() {
  if (busy) { again = true; return; }
  if (!worker) {
    worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    worker.onmessage = (m) => {
      busy = false;
      $('#progress').hidden = true;
      if (again) { again = false; runInWorker(); return; } // a newer input arrived: this result is stale
      if (m.data.id !== jobId) return;
      if (m.data.error) { runFailed(m.data.error); return; }
      try { adopt(JSON.parse(ex.import_result(m.data.result))); } catch (e) { runFailed(errText(e)); }
    };
    worker.onerror = (e) => { busy = false; $('#progress').hidden = true; runFailed('The background computation failed: ' + (e.message || 'unknown error')); };
  }
  busy = true;
  $('#progress').hidden = false;
  worker.postMessage({ id: ++jobId, scenario: ex.base_json(), values: JSON.parse(ex.control_values()) });
}

function adopt(s) {
  showError(null);
  summary = s;
  const names = ['hours', 'equity', 'collateral', 'other_equity', 'other_collateral', 'mr_pct', 'other_mr_pct', 'forced_flow'];
  data = {};
  for (const n of names) data[n] = ex.series(n);
  data.assets = ex.chart_assets();
  for (const a of data.assets) for (const k of ['price', 'exogenous', 'change_pct', 'impact_pct', 'forced_flow']) data[`${k}.${a}`] = ex.series(`${k}.${a}`);
  const n = data.hours.length;
  const time = $('#time');
  time.max = String(n - 1);
  if (cursorStep == null || cursorStep > n - 1) cursorStep = s.summary.focal_liquidated_step ?? n - 1;
  time.value = String(cursorStep);
  $('#summary').textContent = narrative(s);
  const notes = $('#notices');
  notes.replaceChildren(...s.notices.map((t) => { const li = document.createElement('li'); li.textContent = t; return li; }));
  drawAll();
  describeCharts();
  for (const d of document.querySelectorAll('.chart details')) if (d.open) fillTable(d);
  if (pendingInputAt != null) { perf.updates.push(performance.now() - pendingInputAt); pendingInputAt = null; }
  followUrl();
  tellState();
}
// The id of the last host message applied (host messages may carry {id: integer}); every
// cascade:state echoes it as `ack`, so a host can tell a state sent before its latest message
// reached the embed (stale) from one sent after.
let hostAck = null;
function tellState() {
  if (window.parent === window || !summary) return;
  const msg = { type: 'cascade:state', step: cursorStep, summary: $('#summary').textContent, values: controlValues() };
  if (hostAck != null) msg.ack = hostAck;
  tellHost(msg);
}
/** Every control's current value, {key: string} (what a host's story starts from and restores). */
function controlValues() {
  return Object.fromEntries(JSON.parse(ex.controls()).map((c) => [c.key, String(c.value)]));
}

// ---------- the URL follows the controls (throttled), share links, embedding
let urlTimer = null;
function currentLink(v = view) {
  const list = (a) => (a ? a.join(',') : undefined);
  return ex.link(v.embed, list(v.controls), list(v.charts), v.theme, cursorStep ?? undefined);
}
function followUrl() {
  if (urlTimer) return;
  urlTimer = setTimeout(() => {
    urlTimer = null;
    try { history.replaceState(null, '', '#' + currentLink()); } catch (e) { /* e.g. sandboxed iframe */ }
  }, 250);
}
function showLinkNotices(list) {
  $('#link-notices').replaceChildren(...list.map((t) => { const li = document.createElement('li'); li.textContent = t; return li; }));
  $('#link-box').hidden = !list.length;
}
function tellHost(msg) {
  if (window.parent !== window) window.parent.postMessage(msg, '*');
}
// The content's height (not documentElement.scrollHeight: that is never less than the iframe's
// own height, so an embed could grow but never shrink back).
function reportHeight() {
  tellHost({ type: 'cascade:height', height: Math.ceil(document.documentElement.getBoundingClientRect().height) });
}
// Host → embed messages. Shapes (anything else is ignored):
//   {type: 'cascade:set', key: string, value: string|number|boolean}   set a control
//   {type: 'cascade:step', step: integer}                               move the time cursor
//   {type: 'cascade:link', link: string}                                load a whole share link
//   {type: 'cascade:hello'}                    answered with cascade:ready, cascade:height and cascade:state
//                                              (for a host whose script started after the embed was ready)
//   set, step and link may carry `id` (a safe integer), echoed as `ack` in every later cascade:state.
// Embed → host: {type: 'cascade:ready', values}, {type: 'cascade:height', height},
//   {type: 'cascade:state', step, summary, values, ack?} after every run (or failed run), every cursor
//   move and every numbered host message (an unnumbered one that changes nothing gets none, so two
//   embeds whose states a host forwards to each other settle), {type: 'cascade:error', message};
//   `values` is every control's current value, {key: string}.
// Only messages from the host (the parent window) are read.
function onHostMessage(e) {
  const m = e.data;
  if (window.parent === window || e.source !== window.parent) return;
  if (!m || typeof m !== 'object' || typeof m.type !== 'string' || !ex) return;
  if (m.type === 'cascade:hello') {
    tellHost({ type: 'cascade:ready', values: controlValues() });
    reportHeight();
    tellState();
    return;
  }
  const numbered = Number.isSafeInteger(m.id);
  const ack = () => { if (numbered) hostAck = m.id; };
  if (m.type === 'cascade:set' && typeof m.key === 'string' && m.key.length < 64 && ['string', 'number', 'boolean'].includes(typeof m.value)) {
    ack();
    try {
      ex.set_control(m.key, String(m.value));
      showControl.get(m.key)?.(String(m.value));
    } catch (err) {
      tellHost({ type: 'cascade:error', message: errText(err) });
      // nothing to run: a numbered message is acknowledged at once (an unnumbered one changed
      // nothing, so no state: a host that answers states must not be drawn into a loop)
      if (numbered) tellState();
      return;
    }
    schedule(); // the run's cascade:state carries the ack
  } else if (m.type === 'cascade:step' && Number.isInteger(m.step)) {
    ack();
    if (!setCursor(m.step) && numbered) tellState(); // the same step: still acknowledge a numbered message
  } else if (m.type === 'cascade:link' && typeof m.link === 'string' && m.link.length <= 65536) {
    ack();
    openLink(m.link);
  }
}
function openLink(fragment) {
  const info = JSON.parse(ex.load_link(fragment));
  view = { embed: info.embed, controls: info.controls, charts: info.charts, theme: info.theme };
  document.body.classList.toggle('embed', view.embed);
  // An embed may show some of the charts (charts=); the page always shows all of them.
  for (const fig of document.querySelectorAll('.chart')) fig.hidden = !!(view.embed && view.charts && !view.charts.includes(fig.dataset.name));
  applyTheme();
  showLinkNotices(info.notices);
  $('#preset').value = ex.preset;
  fillPresetInfo();
  buildControls();
  $('#scenario-text').value = ex.base_json();
  cursorStep = info.step;
  schedule();
}

// ---------- exports
function download(name, blob) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  status(`Saved ${name}`);
}
function status(t) { $('#toolbar-status').textContent = t; }
function exportPng() {
  const canvases = [...document.querySelectorAll('.chart:not([hidden]) canvas')];
  const w = Math.max(...canvases.map((c) => c.width));
  const h = canvases.reduce((a, c) => a + c.height, 0);
  const out = document.createElement('canvas');
  out.width = w; out.height = h;
  const ctx = out.getContext('2d');
  let y = 0;
  for (const c of canvases) { ctx.drawImage(c, 0, y); y += c.height; }
  out.toBlob((b) => b ? download('cascade-charts.png', b) : showError('Could not make the PNG.'), 'image/png');
}
function buildEmbedDialog() {
  const box = $('#embed-controls');
  box.replaceChildren();
  // Ticked at first: the controls the author changed (but the seed); if none, the margin mode
  // and the leverage sliders.
  const changed = Object.keys(JSON.parse(ex.control_values())).filter((k) => k !== 'seed');
  const ticked = (k) => (changed.length ? changed.includes(k) : k === 'mode' || k.startsWith('lev.'));
  for (const c of JSON.parse(ex.controls())) {
    const l = document.createElement('label');
    const cb = document.createElement('input');
    Object.assign(cb, { type: 'checkbox', value: c.key, checked: ticked(c.key) });
    cb.addEventListener('change', updateSnippet);
    l.append(cb, document.createTextNode(c.label));
    box.append(l);
  }
  updateSnippet();
}
/** A starting height for the embed snippet: the full embed's, less each chart left out (CSS px,
 * measured at 1280 px wide; the sizing script then fits it to the content exactly). */
const CHART_PX = { collateral: 320, margin: 320, impact: 380 };
function embedHeight(charts) {
  return 1700 - Object.keys(CHART_PX).filter((c) => charts.length && !charts.includes(c)).reduce((a, c) => a + CHART_PX[c], 0);
}
function updateSnippet() {
  const keys = [...document.querySelectorAll('#embed-controls input:checked')].map((i) => i.value);
  const charts = [...document.querySelectorAll('#embed-charts input:checked')].map((i) => i.value);
  // none ticked reads as all of them (an embed always shows a chart)
  const frag = currentLink({ embed: true, controls: keys, charts: charts.length ? charts : null, theme: $('#embed-theme').value });
  const src = location.href.split('#')[0] + '#' + frag;
  const esc = (t) => t.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  const width = $('#embed-width').value.trim() || '100%';
  const height = Math.max(300, Math.min(4000, +$('#embed-height').value || embedHeight(charts)));
  $('#embed-snippet').value = `<iframe src="${esc(src)}" title="${esc($('#embed-title').value)}" loading="lazy" width="${esc(width)}" height="${height}"></iframe>`;
}

// ---------- charts
function drawAll() {
  const t0 = performance.now();
  const dpr = window.devicePixelRatio || 1;
  for (const fig of document.querySelectorAll('.chart:not([hidden])')) {
    const canvas = $('canvas', fig);
    const r = canvas.getBoundingClientRect();
    const w = Math.max(200, Math.round(r.width)), h = Math.max(120, Math.round(r.height));
    try { ex.draw(canvas, +fig.dataset.chart, w, h, dpr, dark); } catch (e) { showError('Drawing failed: ' + errText(e)); }
  }
  perf.draws.push(performance.now() - t0);
  if (perf.firstChart == null) perf.firstChart = performance.now();
  placeCursor();
}

function describeCharts() {
  const s = summary.summary, o = summary.other_mode, e = data.equity, n = e.length;
  const figs = document.querySelectorAll('.chart canvas');
  figs[0].setAttribute('aria-label', `Collateral value and equity over ${n - 1} steps: equity from ${usd(e[0])} to ${usd(e[n - 1])} (${o.focal_mode}: ${usd(data.other_equity[n - 1])}).`);
  const liq = summary.focal_events.filter((x) => x.kind === 'liquidation').map((x) => `${x.asset} at step ${x.step}`);
  const mrMax = Math.max(...Array.from(data.mr_pct).filter(Number.isFinite));
  figs[1].setAttribute('aria-label', `Margin ratio, liquidation line at 100%: highest ${mrMax.toFixed(1)}%. ${liq.length ? 'Liquidated: ' + liq.join(', ') + '.' : 'No liquidation.'}`);
  const moves = data.assets.map((a) => `${a} ${pct(s.assets[a] ? -s.assets[a].realized_drawdown_pct : NaN, 1)} market vs ${pct(s.assets[a] ? -s.assets[a].exogenous_drawdown_pct : NaN, 1)} exogenous`);
  figs[2].setAttribute('aria-label', `Price impact: largest falls ${moves.join('; ')}.`);
}

function fillTable(details) {
  const which = +details.closest('.chart').dataset.chart;
  const div = $('.table', details);
  if (!data.hours) return;
  const cols = which === 0
    ? [['equity', data.equity], ['collateral', data.collateral], [`equity (${summary.other_mode.focal_mode})`, data.other_equity]]
    : which === 1
      ? [['margin ratio %', data.mr_pct], [`${summary.other_mode.focal_mode} %`, data.other_mr_pct]]
      : [...data.assets.flatMap((a) => [[`${a} price`, data[`price.${a}`]], [`${a} exogenous`, data[`exogenous.${a}`]], [`${a} impact %`, data[`impact_pct.${a}`]]]), ['forced sales USD', data.forced_flow]];
  const table = document.createElement('table');
  const head = table.createTHead().insertRow();
  for (const t of ['step', 'time', ...cols.map((c) => c[0])]) { const th = document.createElement('th'); th.scope = 'col'; th.textContent = t; head.append(th); }
  const body = table.createTBody();
  for (let i = 0; i < data.hours.length; i++) {
    const row = body.insertRow();
    row.insertCell().textContent = i;
    row.insertCell().textContent = clock(i);
    for (const [, arr] of cols) row.insertCell().textContent = Number.isFinite(arr[i]) ? arr[i].toFixed(2) : 'unbounded';
  }
  div.replaceChildren(table);
}

// ---------- time cursor and readout
/** Draw the cursor line and the readout at `step`: the time cursor's own step, or (`hover`) the
 * step under the mouse, shown only while the mouse is over a chart — it is not the cursor: it
 * changes neither the link's t= nor what an embed reports to its page. */
function placeCursor(step = cursorStep, hover = false) {
  if (!data.hours) return;
  const n = data.hours.length;
  for (const fig of document.querySelectorAll('.chart:not([hidden])')) {
    const canvas = $('canvas', fig);
    const w = canvas.getBoundingClientRect().width;
    const [x0, x1] = Explorer.plot_x_range(Math.round(w));
    const x = x0 + (x1 - x0) * (n > 1 ? step / (n - 1) : 0);
    const c = $('.cursor', fig);
    c.style.left = `${x}px`;
    c.style.display = 'block';
    c.classList.toggle('hover', hover);
  }
  readout(step, hover);
}

/** One focal-account event in words (quantities are exact decimal strings from the engine). */
function eventText(e) {
  const qty = String(e.quantity ?? '').replace(/^-/, '');
  if (e.kind === 'liquidation') return `liquidation ${e.asset} (${String(e.quantity).startsWith('-') ? 'sold' : 'bought'} ${qty} at ${px(+e.price)})`;
  if (e.kind === 'collateral_sale') return `collateral sale ${e.asset} (sold ${qty} at ${px(+e.price)})`;
  if (e.kind === 'bad_debt') return `bad debt ${usd(+e.amount)}`;
  return e.kind;
}
function readout(t = cursorStep, hover = false) {
  const lines = [`${hover ? 'under the mouse: ' : ''}step ${t} (${clock(t)})   equity ${usd(data.equity[t])}   collateral ${usd(data.collateral[t])}   margin ratio ${Number.isFinite(data.mr_pct[t]) ? data.mr_pct[t].toFixed(2) + '%' : 'unbounded'}`];
  lines.push(`${summary.other_mode.focal_mode}: equity ${usd(data.other_equity[t])}   margin ratio ${Number.isFinite(data.other_mr_pct[t]) ? data.other_mr_pct[t].toFixed(2) + '%' : 'unbounded'}`);
  for (const a of data.assets) {
    lines.push(`${a}: price ${px(data[`price.${a}`][t])}   exogenous ${px(data[`exogenous.${a}`][t])}   impact ${pct(data[`impact_pct.${a}`][t], 3)}   forced sales ${usd(data[`forced_flow.${a}`][t])}`);
  }
  const ev = summary.focal_events.filter((e) => e.step === t);
  if (ev.length) lines.push('at this step: ' + ev.map(eventText).join('; '));
  $('#readout').textContent = lines.join('\n');
}

/** Move the time cursor; true if it moved (the host hears of it in a cascade:state). */
function setCursor(step) {
  if (!data.hours) return false;
  const before = cursorStep;
  cursorStep = Math.max(0, Math.min(data.hours.length - 1, Math.round(step)));
  $('#time').value = String(cursorStep);
  placeCursor();
  if (ex) followUrl();
  if (cursorStep === before) return false;
  tellState();
  return true;
}

function pointerStep(ev, canvas) {
  const r = canvas.getBoundingClientRect();
  const [x0, x1] = Explorer.plot_x_range(Math.round(r.width));
  return ((ev.clientX - r.left - x0) / (x1 - x0)) * (data.hours.length - 1);
}

let playing = null;
function play() {
  const btn = $('#play');
  if (playing) { cancelAnimationFrame(playing); playing = null; btn.textContent = '▶ Play'; btn.setAttribute('aria-pressed', 'false'); return; }
  if (!data.hours) return;
  const n = data.hours.length;
  if (cursorStep >= n - 1) setCursor(0);
  btn.textContent = '⏸ Pause';
  btn.setAttribute('aria-pressed', 'true');
  const reduced = matchMedia('(prefers-reduced-motion: reduce)').matches;
  const perFrame = reduced ? n : Math.max(1, n / 240); // about 4 s for a run
  let pos = cursorStep;
  const tick = () => {
    pos += perFrame;
    setCursor(pos);
    if (cursorStep >= n - 1) { playing = null; btn.textContent = '▶ Play'; btn.setAttribute('aria-pressed', 'false'); return; }
    playing = requestAnimationFrame(tick);
  };
  playing = requestAnimationFrame(tick);
}

// ---------- presets and loading
function fillPresetInfo() {
  const list = JSON.parse(Explorer.presets());
  const p = list.find((x) => x.name === ex.preset);
  $('#preset-claim').textContent = p ? p.claim : 'Your own scenario.';
  $('#preset-description').textContent = p ? p.description : '';
}

function loadPreset(name) {
  showLinkNotices([]);
  try {
    ex.load_preset(name);
  } catch (e) { showError(errText(e)); return; }
  cursorStep = null;
  fillPresetInfo();
  buildControls();
  $('#scenario-text').value = ex.base_json();
  schedule();
}

async function main() {
  try {
    await init();
  } catch (e) {
    $('#summary').textContent = '';
    showError('The simulation engine (WebAssembly) failed to load: ' + errText(e));
    return;
  }
  ex = new Explorer();
  const sel = $('#preset');
  for (const p of JSON.parse(Explorer.presets())) sel.append(new Option(p.title.split(':')[0], p.name));
  sel.value = 'contagion';
  sel.addEventListener('change', () => loadPreset(sel.value));
  $('#load-json').addEventListener('click', () => {
    try {
      ex.load_json($('#scenario-text').value);
      sel.value = '';
      cursorStep = null;
      fillPresetInfo();
      buildControls();
      schedule();
    } catch (e) { showError(errText(e)); }
  });
  $('#new-seed').addEventListener('click', () => {
    try {
      const seed = String(Explorer.random_seed());
      ex.set_control('seed', seed);
      const el = $(`[data-key="seed"] input[type=number]`);
      if (el) el.value = seed;
      pendingInputAt = performance.now();
      schedule();
    } catch (e) { showError(errText(e)); }
  });
  $('#reset').addEventListener('click', () => { ex.reset_controls(); buildControls(); schedule(); });
  $('#time').addEventListener('input', (e) => setCursor(+e.target.value));
  $('#play').addEventListener('click', play);
  for (const fig of document.querySelectorAll('.chart')) {
    const canvas = $('canvas', fig);
    // Press (or touch) and drag moves the time cursor; a mouse merely passing over the chart
    // inspects the step under it, and leaving the chart shows the cursor's own step again.
    const under = (ev) => Math.max(0, Math.min(data.hours.length - 1, Math.round(pointerStep(ev, canvas))));
    canvas.addEventListener('pointermove', (ev) => {
      if (!data.hours) return;
      if (ev.buttons) setCursor(pointerStep(ev, canvas));
      else if (ev.pointerType === 'mouse' && !playing) placeCursor(under(ev), true);
    });
    canvas.addEventListener('pointerdown', (ev) => { if (data.hours) setCursor(pointerStep(ev, canvas)); });
    canvas.addEventListener('pointerleave', () => { if (data.hours) placeCursor(); });
  }
  for (const d of document.querySelectorAll('.chart details')) d.addEventListener('toggle', () => d.open && fillTable(d));
  new ResizeObserver(() => { if (summary) drawAll(); }).observe($('#charts'));
  prefersDark.addEventListener('change', () => { applyTheme(); if (summary) drawAll(); });
  $('#copy-link').addEventListener('click', async () => {
    // From an embed, the link opens the full explorer on the same scenario (not another embed).
    const url = location.href.split('#')[0] + '#' + currentLink(view.embed ? { embed: false, controls: null, charts: null, theme: view.theme } : view);
    try { await navigator.clipboard.writeText(url); status('Link copied.'); } catch (e) { status('Copy this link: ' + url); }
  });
  $('#open-embed').addEventListener('click', () => { buildEmbedDialog(); $('#embed-dialog').showModal(); });
  $('#close-embed').addEventListener('click', () => $('#embed-dialog').close());
  for (const id of ['#embed-title', '#embed-width', '#embed-height', '#embed-theme']) $(id).addEventListener('input', updateSnippet);
  $('#embed-height').addEventListener('input', () => { $('#embed-height').dataset.edited = '1'; });
  $('#dismiss-link-notices').addEventListener('click', () => showLinkNotices([]));
  for (const cb of document.querySelectorAll('#embed-charts input')) {
    cb.addEventListener('change', () => {
      // the suggested height follows the number of charts until the author types one
      const charts = [...document.querySelectorAll('#embed-charts input:checked')].map((i) => i.value);
      if (!$('#embed-height').dataset.edited) $('#embed-height').value = String(embedHeight(charts));
      updateSnippet();
    });
  }
  $('#copy-snippet').addEventListener('click', async () => {
    try { await navigator.clipboard.writeText($('#embed-snippet').value); status('HTML copied.'); } catch (e) { $('#embed-snippet').select(); }
  });
  $('#export-png').addEventListener('click', exportPng);
  $('#export-csv').addEventListener('click', () => {
    try { download('cascade-series.csv', new Blob([ex.csv()], { type: 'text/csv' })); } catch (e) { showError(errText(e)); }
  });
  $('#export-json').addEventListener('click', () => {
    try { download('cascade-scenario.json', new Blob([ex.scenario_json()], { type: 'application/json' })); } catch (e) { showError(errText(e)); }
  });
  window.addEventListener('message', onHostMessage);
  window.addEventListener('hashchange', () => { if (location.hash.slice(1) !== currentLink()) openLink(location.hash); });
  new ResizeObserver(reportHeight).observe(document.body);
  if (location.hash.length > 1) openLink(location.hash);
  else loadPreset('contagion');
  if (window.parent !== window) tellHost({ type: 'cascade:ready', values: controlValues() });
}

window.addEventListener('error', (e) => showError('Unexpected error: ' + (e.message || e)));
window.addEventListener('unhandledrejection', (e) => showError('Unexpected error: ' + errText(e.reason)));
main();
