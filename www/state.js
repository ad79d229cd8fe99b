// The page's one state object, and the events through which the modules hear of each other
// (no module imports another's functions to react to it: main.js wires them).
//
// Events: 'scenario' (a new base scenario or link was loaded), 'result' (a run's result was
// adopted), 'failed' (a run failed; the message), 'cursor' (the cursor or the step under the
// mouse moved: step, hover), 'window' (the time window changed), 'ladder' (the ladder data changed).

export const S = {
  ex: null, // the engine handle (Explorer)
  summary: null, // the last run's summary (from the engine)
  data: {}, // its series as typed arrays, by name
  cursor: null, // the time cursor's step
  cursorMoved: false, // whether the reader moved the cursor since the scenario loaded
  view: { embed: false, controls: null, charts: null, theme: 'auto' }, // what a link asked to see
  dark: false,
  charts: [], // [{name, panels}] in the page's order (from the engine)
  ladderAsset: null, // the asset the ladder shows
  ladder: null, // the ladder at the cursor (from the engine), or null
  playing: null, // the animation frame of Play, while playing
  speed: 1, // Play speed multiplier
  hostAck: null, // the id of the last host message applied (embeds)
  pendingInputAt: null, // when the input that the next result answers was made (for the bench)
  perf: (window.__perf = { updates: [], firstChart: null, runs: [], draws: [] }),
};

const handlers = new Map();
export function on(event, fn) {
  if (!handlers.has(event)) handlers.set(event, []);
  handlers.get(event).push(fn);
}
export function emit(event, ...args) {
  for (const fn of handlers.get(event) || []) fn(...args);
}
