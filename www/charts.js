// The charts: which figures show (an embed may show some), drawing every panel through the engine
// (the same plotters code as `cascade render`), the time cursor line over the time panels, the
// mouse over a chart (inspects a step) and presses or drags on it (move the cursor: 'seek'), the
// crowd's liquidation ladder at the cursor, and the charts' text descriptions.
import { S, emit } from './state.js';
import { $, $$, showError, errText } from './ui.js';
import { usd, pct, clock } from './format.js';

const figures = () => $$('.chart:not([hidden])');
const timeCanvases = () => figures().flatMap((f) => $$('canvas', f).filter((c) => c.dataset.panel !== 'ladder'));

/** Put the page's figures in the engine's order (`Explorer.charts()`: the one list that links and
 * `cascade render` read too), each with the panels the engine names; a chart the page has no
 * figure for is an error shown in the page. */
export function orderFigures() {
  const box = $('#charts');
  const known = S.charts.map((c) => c.name);
  const extra = $$('.chart', box).map((f) => f.dataset.name).filter((n) => !known.includes(n));
  if (extra.length) throw new Error(`The page has a figure for a chart the engine does not know: ${extra.join(', ')}.`);
  for (const c of S.charts) {
    const fig = $(`.chart[data-name="${c.name}"]`, box);
    const panels = fig ? $$('canvas', fig).map((x) => x.dataset.panel) : [];
    if (!fig || panels.join() !== c.panels.join()) {
      throw new Error(`The page has no figure for the chart "${c.name}" with the panels ${c.panels.join(', ')}.`);
    }
    box.append(fig);
  }
}

/** Show the figures the view asks for (all but in an embed with charts=); the crowd's only when
 * the scenario has a crowd, unless a link asks for it by name. */
export function showFigures() {
  const named = S.view.embed && S.view.charts;
  for (const fig of $$('.chart')) {
    const crowdless = fig.dataset.name === 'crowd' && S.summary && !S.summary.crowd;
    fig.hidden = named ? !S.view.charts.includes(fig.dataset.name) : crowdless;
  }
}

/** The window of steps the time charts show: [from, to]. */
export function windowSteps() {
  const n = S.data.hours ? S.data.hours.length : 1;
  const w = S.ex && S.ex.window();
  return w ? [w[0], Math.min(w[1], n - 1)] : [0, n - 1];
}

// Each canvas's CSS size as the resize observer last reported it: reading the layout during an
// update would force the browser to lay the page out (the summary's text just changed) once
// more than it must. A canvas not yet reported, or hidden when it was, is measured directly.
const sizes = new WeakMap();
function sizeOf(canvas) {
  const s = sizes.get(canvas);
  if (s && s[0] > 0 && s[1] > 0) return s;
  const r = canvas.getBoundingClientRect();
  return [r.width, r.height];
}

/** Watch the canvases' sizes; `resized` is called (once per observation) when any changed. */
export function watchSizes(resized) {
  const ro = new ResizeObserver((entries) => {
    for (const e of entries) {
      const b = e.borderBoxSize && e.borderBoxSize[0]; // (older browsers: the content box, the same here)
      sizes.set(e.target, b ? [b.inlineSize, b.blockSize] : [e.contentRect.width, e.contentRect.height]);
    }
    resized();
  });
  for (const c of $$('.chart canvas')) ro.observe(c);
}

function drawCanvas(canvas, dpr) {
  const [cw, ch] = sizeOf(canvas);
  const w = Math.max(200, Math.round(cw)), h = Math.max(120, Math.round(ch));
  try {
    S.ex.draw(canvas, canvas.dataset.panel, w, h, dpr, S.dark);
  } catch (e) {
    showError('Drawing failed: ' + errText(e));
  }
}

/** Draw every visible panel. */
export function drawAll() {
  if (!S.summary) return;
  const t0 = performance.now();
  const dpr = window.devicePixelRatio || 1;
  for (const fig of figures()) {
    for (const canvas of $$('canvas', fig)) {
      if (canvas.dataset.panel === 'ladder') computeLadder();
      drawCanvas(canvas, dpr);
    }
  }
  S.perf.draws.push(performance.now() - t0);
  if (S.perf.firstChart == null) S.perf.firstChart = performance.now();
  placeCursor();
}

// ---------- the ladder at the cursor
let ladderFrame = null;
function computeLadder() {
  if (!S.ladderAsset) {
    S.ladder = null;
    return;
  }
  try {
    S.ladder = S.ex.ladder(S.cursor ?? 0, S.ladderAsset);
  } catch (e) {
    S.ladder = null;
    showError('The ladder could not be computed: ' + errText(e));
  }
}
/** Recompute and redraw the ladder for the cursor's step (at most once per frame). */
export function ladderFollowsCursor() {
  const canvas = $('canvas[data-panel="ladder"]');
  if (!canvas || canvas.closest('.chart').hidden || ladderFrame) return;
  ladderFrame = requestAnimationFrame(() => {
    ladderFrame = null;
    computeLadder();
    drawCanvas(canvas, window.devicePixelRatio || 1);
    emit('ladder');
  });
}

/** Fill the ladder's asset picker (the assets the crowd holds), keeping the choice if it stays. */
export function fillLadderAssets() {
  const sel = $('#ladder-asset');
  let list;
  try {
    list = S.ex.ladder_assets();
  } catch (e) {
    list = []; // an invalid scenario has no crowd to show (its error is shown by the run)
  }
  if (!list.includes(S.ladderAsset)) S.ladderAsset = list[0] ?? null;
  sel.replaceChildren(...list.map((a) => new Option(a, a, false, a === S.ladderAsset)));
  sel.disabled = !list.length;
  $('.ladder-bar').hidden = !list.length;
}

// ---------- the cursor over the time panels
/** Draw the cursor line at `step` (the cursor's own step, or with `hover` the step under the mouse). */
export function placeCursor(step = S.cursor, hover = false) {
  if (!S.data.hours || step == null) return;
  const [from, to] = windowSteps();
  for (const canvas of timeCanvases()) {
    const c = canvas.nextElementSibling;
    if (!c || !c.classList.contains('cursor')) continue;
    // the canvas is its figure's first child: the cursor's offsets are the canvas's own
    const [w, h] = sizeOf(canvas);
    const [x0, x1] = S.ex.constructor.plot_x_range(Math.round(w));
    const inside = step >= from && step <= to;
    c.style.left = `${x0 + ((x1 - x0) * (step - from)) / Math.max(1, to - from)}px`;
    c.style.top = '0px';
    c.style.height = `${h}px`;
    c.style.display = inside ? 'block' : 'none';
    c.classList.toggle('hover', hover);
  }
}

function pointerStep(ev, canvas) {
  const r = canvas.getBoundingClientRect();
  const [x0, x1] = S.ex.constructor.plot_x_range(Math.round(r.width));
  const [from, to] = windowSteps();
  const t = from + ((ev.clientX - r.left - x0) / (x1 - x0)) * (to - from);
  return Math.max(from, Math.min(to, Math.round(t)));
}

/** Press (or touch) and drag on a time panel moves the cursor ('seek'); a mouse merely passing
 * over inspects the step under it ('cursor' with hover), and leaving shows the cursor's step. */
export function listenToPointers() {
  for (const canvas of $$('#charts canvas').filter((c) => c.dataset.panel !== 'ladder')) { // the time charts (not the surface, not the risk map)
    canvas.addEventListener('pointermove', (ev) => {
      if (!S.data.hours) return;
      if (ev.buttons) emit('seek', pointerStep(ev, canvas));
      else if (ev.pointerType === 'mouse' && !S.playing) emit('cursor', pointerStep(ev, canvas), true);
    });
    canvas.addEventListener('pointerdown', (ev) => {
      if (S.data.hours) emit('seek', pointerStep(ev, canvas));
    });
    canvas.addEventListener('pointerleave', () => {
      if (S.data.hours) emit('cursor', S.cursor, false);
    });
  }
}

/** The charts' text descriptions (for screen readers), from the run's numbers. */
export function describeCharts() {
  const s = S.summary.summary, o = S.summary.other_mode, d = S.data, e = d.equity, n = e.length;
  const label = (name, text) => $(`canvas[data-panel="${name}"]`).setAttribute('aria-label', text);
  label('collateral', `Collateral value and equity over ${n - 1} steps: equity from ${usd(e[0])} to ${usd(e[n - 1])} (${o.focal_mode}: ${usd(d.other_equity[n - 1])}; without feedback: ${usd(d.nofb_equity[n - 1])}).`);
  const liq = S.summary.focal_events.filter((x) => x.kind === 'liquidation' || x.kind === 'partial_liquidation').map((x) => `${x.asset} at step ${x.step}`);
  const finite = Array.from(d.mr_pct).filter(Number.isFinite);
  const unbounded = finite.length < n ? ' Unbounded (equity at or below zero) at some steps.' : '';
  label('margin', `Margin ratio, liquidation line at 100%: highest ${Math.max(...finite).toFixed(1)}%.${unbounded} ${liq.length ? 'Liquidated: ' + liq.join(', ') + '.' : 'No liquidation.'}`);
  const moves = d.assets.map((a) => `${a} ${pct(s.assets[a] ? -s.assets[a].realized_drawdown_pct : NaN, 1)} market vs ${pct(s.assets[a] ? -s.assets[a].exogenous_drawdown_pct : NaN, 1)} exogenous`);
  label('impact', `Price impact: largest falls ${moves.join('; ')}.`);
  label('crowd', `The crowd: ${S.summary.crowd_accounts} accounts liquidated in all, ${usd(+s.crowd_liquidated_notional)} of positions.`);
}

/** The ladder's text description, at its step. */
export function describeLadder() {
  const l = S.ladder;
  const canvas = $('canvas[data-panel="ladder"]');
  if (!l) {
    canvas.setAttribute('aria-label', 'No crowd in this scenario: no liquidation ladder.');
    return;
  }
  const at = (pctMove) => {
    let k = 0;
    for (let i = 0; i < l.change_pct.length; i++) if (Math.abs(l.change_pct[i] - pctMove) < Math.abs(l.change_pct[k] - pctMove)) k = i;
    return usd(l.notional[k]);
  };
  canvas.setAttribute('aria-label', `The crowd's liquidation ladder for ${l.symbol} at step ${l.step} (${clock(l.step)}): a 5% fall would liquidate ${at(-5)}, a 10% fall ${at(-10)}; a 5% rise ${at(5)}.`);
}
