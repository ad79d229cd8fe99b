// The explorer page's entry point: loads the engine, fills the scenario picker, and wires the
// modules together through the state's events. No module holds page state of its own beyond
// what it draws; everything shared lives in `S` (state.js).
//
//   state.js  the one state object and the events     format.js  numbers and times
//   ui.js     DOM helpers, errors                     controls.js the controls panel
//   run.js    running the engine (or its worker)      story.js   the summary in words
//   readout.js the readout and data tables            charts.js  drawing, the cursor line, the ladder
//   timebar.js the cursor, Play, the time window      share.js   links, the address, the Embed dialog
//   host.js   the embed's messages with its host      exports.js PNG, CSV and JSON downloads
//   compare.js the same scenario under another venue's rules, side by side
//   answers.js answers of many runs in a worker of their own: safe leverage under each leverage control
//   surface.js the liquidation surface: a grid of runs in its own worker, coarse first, drawn
//   risk.js    the Monte Carlo risk map: a pool of workers, coarse first; a cell opens its worst path
import init, { Explorer } from './pkg/margin_cascade.js';
import { S, on, emit } from './state.js';
import { $, $$, showError, errText, fillList } from './ui.js';
import { buildControls, refreshControls, showControl, controlValues, setOnChange, focalPositions } from './controls.js';
import { schedule } from './run.js';
import { narrative } from './story.js';
import { readout, fillTable } from './readout.js';
import { drawAll, placeCursor, listenToPointers, describeCharts, describeLadder, showFigures, fillLadderAssets, ladderFollowsCursor, watchSizes, orderFigures } from './charts.js';
import { setCursor, showCursor, showWindow, listenToTime, stopPlay } from './timebar.js';
import { openLink, followUrl, showLinkNotices, listenToSharing } from './share.js';
import { listenToHost, tellReady, tellState } from './host.js';
import { listenToExports } from './exports.js';
import { fillVenues, showComparison } from './compare.js';
import { askSafeLeverage, noSafeLeverage } from './answers.js';
import { listenToSurface, surfaceAfterResult, draw as drawSurface } from './surface.js';
import { listenToRisk, riskAfterResult, draw as drawRisk } from './risk.js';

const prefersDark = matchMedia('(prefers-color-scheme: dark)');
const narrow = matchMedia('(max-width: 820px)');

function applyTheme() {
  const t = S.view.theme;
  if (t === 'auto') document.documentElement.removeAttribute('data-theme');
  else document.documentElement.dataset.theme = t;
  S.dark = t === 'dark' || (t === 'auto' && prefersDark.matches);
}

function fillPresetInfo() {
  const p = Explorer.presets().find((x) => x.name === S.ex.preset);
  $('#preset-claim').textContent = p ? p.claim : 'Your own scenario.';
  // the description's figures come from a run of the scenario at its own values
  $('#preset-description').textContent = S.ex.description();
}

/** Load a new base scenario (`load` calls the engine); its error is shown, else the page starts
 * over on it. Returns whether it loaded. */
function loadBase(load) {
  try {
    load();
  } catch (e) {
    showError(errText(e));
    return false;
  }
  S.cursor = null;
  S.cursorMoved = false;
  emit('scenario');
  return true;
}

function loadPreset(name) {
  showLinkNotices([]);
  loadBase(() => S.ex.load_preset(name));
}

/** On a narrow screen and in an embed (the article tells the story), the summary shows its first
 * lines, with a button for the rest. */
function clampSummary() {
  const p = $('#summary'), more = $('#more');
  const short = narrow.matches || S.view.embed;
  p.classList.toggle('clamped', short && more.getAttribute('aria-expanded') !== 'true');
  more.hidden = !short || (p.scrollHeight <= p.clientHeight + 2 && more.getAttribute('aria-expanded') !== 'true');
}

// ---------- the modules' events
on('scenario', () => {
  stopPlay();
  applyTheme();
  showFigures();
  $('#preset').value = S.ex.preset;
  fillPresetInfo();
  buildControls();
  $('#scenario-text').value = S.ex.base_json();
  fillLadderAssets();
  schedule();
});
on('result', () => {
  showFigures();
  $('#summary').textContent = narrative(S.summary, focalPositions);
  clampSummary();
  fillList($('#notices'), S.summary.notices);
  refreshControls();
  fillLadderAssets();
  showCursor();
  showWindow();
  drawAll();
  describeCharts();
  describeLadder();
  for (const fig of $$('.chart')) if ($('details', fig).open) fillTable(fig);
  readout();
  showComparison();
  askSafeLeverage();
  surfaceAfterResult();
  riskAfterResult();
  followUrl();
  tellState();
});
on('failed', () => {
  noSafeLeverage();
  riskAfterResult(); // (a risk map job for settings no longer on screen stops)
  tellState();
});
on('cursor', (step, hover) => {
  placeCursor(step, hover);
  readout(step, hover);
  if (!hover) ladderFollowsCursor();
});
on('moved', () => {
  followUrl();
  tellState();
});
on('seek', (step) => setCursor(step));
on('window', () => {
  drawAll();
  followUrl();
});
on('ladder', () => {
  describeLadder();
  const fig = $('.chart[data-name="crowd"]');
  if ($('details', fig).open) fillTable(fig);
});

function listenToScenario() {
  const sel = $('#preset');
  for (const p of Explorer.presets()) sel.append(new Option(p.title.split(':')[0], p.name));
  sel.addEventListener('change', () => loadPreset(sel.value));
  $('#load-json').addEventListener('click', () => {
    if (loadBase(() => S.ex.load_json($('#scenario-text').value))) sel.value = '';
  });
  $('#new-seed').addEventListener('click', () => {
    try {
      const seed = String(Explorer.random_seed());
      S.ex.set_control('seed', seed);
      showControl('seed', seed);
      S.pendingInputAt = performance.now();
      schedule();
    } catch (e) {
      showError(errText(e));
    }
  });
  $('#reset').addEventListener('click', () => {
    S.ex.reset_controls();
    buildControls();
    schedule();
  });
  $('#ladder-asset').addEventListener('change', (e) => {
    S.ladderAsset = e.target.value;
    ladderFollowsCursor();
  });
  $('#more').addEventListener('click', () => {
    const more = $('#more');
    more.setAttribute('aria-expanded', String(more.getAttribute('aria-expanded') !== 'true'));
    more.textContent = more.getAttribute('aria-expanded') === 'true' ? 'Show less' : 'Read all';
    clampSummary();
  });
  for (const fig of $$('.chart')) $('details', fig).addEventListener('toggle', (e) => e.target.open && fillTable(fig));
  // (redrawn in the next frame: work that changes the layout inside the observer's own callback
  // would loop)
  let resized = null;
  watchSizes(() => {
    resized ??= requestAnimationFrame(() => {
      resized = null;
      if (S.summary) drawAll();
      drawSurface();
      drawRisk();
      clampSummary();
    });
  });
  prefersDark.addEventListener('change', () => {
    applyTheme();
    drawAll();
    drawSurface();
    drawRisk();
  });
}

async function main() {
  try {
    await init();
  } catch (e) {
    $('#summary').textContent = '';
    showError('The simulation engine (WebAssembly) failed to load: ' + errText(e));
    return;
  }
  S.ex = new Explorer();
  try {
    S.charts = Explorer.charts();
    orderFigures();
  } catch (e) {
    showError(errText(e)); // the page and the engine disagree on the charts: nothing else would be true
    return;
  }
  setOnChange(schedule);
  listenToScenario();
  listenToTime();
  listenToPointers();
  listenToSharing();
  listenToExports();
  listenToSurface();
  listenToRisk((values) => {
    // a cell of the risk map: its settings (all of them, as the map was computed), with its worst path
    S.ex.reset_controls();
    try {
      S.ex.set_controls(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)])));
    } catch (e) {
      showError(errText(e));
    }
    buildControls();
    S.pendingInputAt = performance.now();
    schedule();
  });
  fillVenues(Explorer);
  listenToHost({
    values: controlValues,
    set: (key, value) => {
      S.ex.set_control(key, value);
      showControl(key, value);
      schedule();
    },
    step: (step) => setCursor(step),
    link: (l) => openLink(l),
  });
  // a narrow screen shows the results first: the controls are one tap away
  if (narrow.matches && location.hash.indexOf('embed=1') < 0) $('#controls-box').open = false;
  if (location.hash.length > 1) openLink(location.hash);
  else loadPreset(S.ex.preset);
  if (window.parent !== window) tellReady();
}

window.addEventListener('error', (e) => showError('Unexpected error: ' + (e.message || e)));
window.addEventListener('unhandledrejection', (e) => showError('Unexpected error: ' + errText(e.reason)));
main();
