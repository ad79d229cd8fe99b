// Time: the cursor (slider, step buttons, the keyboard, presses on a chart), Play at a chosen
// speed (from the start when the cursor is at the end or was never moved), and the time window
// the time charts show (zoom to the cascade, the whole run, or two steps).
import { S, emit } from './state.js';
import { $ } from './ui.js';
import { clock } from './format.js';

/** Steps per second at 1× (a reader can follow a cascade step by step). */
const STEPS_PER_SECOND = 3;

/** Move the time cursor; true if it moved. */
export function setCursor(step, { byReader = true } = {}) {
  if (!S.data.hours) return false;
  const before = S.cursor;
  S.cursor = Math.max(0, Math.min(S.data.hours.length - 1, Math.round(step)));
  if (byReader) S.cursorMoved = true;
  showCursor();
  emit('cursor', S.cursor, false);
  if (S.cursor === before) return false;
  emit('moved');
  return true;
}

/** The slider and the clock show the cursor's step. */
export function showCursor() {
  if (!S.data.hours) return;
  const time = $('#time');
  time.max = String(S.data.hours.length - 1);
  time.value = String(S.cursor);
  $('#clock').textContent = `step ${S.cursor} · ${clock(S.cursor)}`;
}

function stopPlay() {
  if (S.playing) cancelAnimationFrame(S.playing);
  S.playing = null;
  const btn = $('#play');
  btn.textContent = '▶ Play';
  btn.setAttribute('aria-pressed', 'false');
}

/** Play or pause. Play runs through the window at the chosen speed; reduced motion jumps. */
export function play() {
  if (S.playing) return stopPlay();
  if (!S.data.hours) return;
  const [from, to] = windowOf();
  if (!S.cursorMoved || S.cursor >= to || S.cursor < from) setCursor(from);
  const btn = $('#play');
  btn.textContent = '⏸ Pause';
  btn.setAttribute('aria-pressed', 'true');
  if (matchMedia('(prefers-reduced-motion: reduce)').matches) {
    setCursor(to);
    return stopPlay();
  }
  let pos = S.cursor;
  let last = performance.now();
  const tick = (now) => {
    pos += ((now - last) / 1000) * STEPS_PER_SECOND * S.speed;
    last = now;
    setCursor(Math.min(pos, to));
    if (S.cursor >= to) return stopPlay();
    S.playing = requestAnimationFrame(tick);
  };
  S.playing = requestAnimationFrame(tick);
}

/** [from, to] of the window (the whole run without one). */
function windowOf() {
  const n = S.data.hours.length;
  const w = S.ex.window();
  return w ? [w[0], Math.min(w[1], n - 1)] : [0, n - 1];
}

/** Set the window (null: the whole run), redraw, tell the link. */
export function setWindow(from, to) {
  const n = S.data.hours ? S.data.hours.length - 1 : 0;
  if (from == null || to == null || from >= to || (from <= 0 && to >= n)) S.ex.set_window(undefined, undefined);
  else S.ex.set_window(Math.max(0, from), Math.min(n, to));
  showWindow();
  emit('window');
}

/** The window's fields and label show the window in force. */
export function showWindow() {
  if (!S.data.hours) return;
  const n = S.data.hours.length - 1;
  const w = S.ex.window();
  $('#win-from').max = String(n - 1);
  $('#win-to').max = String(n);
  $('#win-from').value = String(w ? w[0] : 0);
  $('#win-to').value = String(w ? w[1] : n);
  $('#window-text').textContent = w ? `: steps ${w[0]}–${w[1]} (${clock(w[0])}–${clock(w[1])})` : ': the whole run';
}

/** The steps around the cascade: from a little before the first liquidation (yours or the
 * crowd's) or shock to a little after the last liquidation. */
export function cascadeWindow() {
  const d = S.data, n = d.hours.length - 1;
  const active = [];
  for (let t = 0; t <= n; t++) if (d.crowd_accounts[t] > 0) active.push(t);
  for (const e of S.summary.focal_events) active.push(e.step);
  for (const sh of S.summary.shocks) active.push(sh.step);
  if (!active.length) return null;
  const lo = Math.min(...active), hi = Math.max(...active);
  const pad = Math.max(3, Math.round((hi - lo) * 0.3));
  return [Math.max(0, lo - pad), Math.min(n, hi + pad)];
}

export function listenToTime() {
  $('#time').addEventListener('input', (e) => setCursor(+e.target.value));
  $('#play').addEventListener('click', play);
  $('#step-back').addEventListener('click', () => setCursor(S.cursor - 1));
  $('#step-fwd').addEventListener('click', () => setCursor(S.cursor + 1));
  $('#speed').addEventListener('change', (e) => {
    S.speed = +e.target.value;
  });
  $('#zoom').addEventListener('click', () => {
    const w = cascadeWindow();
    if (w) setWindow(w[0], w[1]);
  });
  $('#whole').addEventListener('click', () => setWindow(null, null));
  const typed = () => setWindow(+$('#win-from').value, +$('#win-to').value);
  $('#win-from').addEventListener('change', typed);
  $('#win-to').addEventListener('change', typed);
}

export { stopPlay };
