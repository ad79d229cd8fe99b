// The embed's conversation with its host page (postMessage; only messages from the parent are
// read). Host → embed: {type: 'cascade:set', key, value}, {type: 'cascade:step', step},
// {type: 'cascade:link', link}, each with an optional integer `id`, and {type: 'cascade:hello'}.
// Embed → host: {type: 'cascade:ready', values}, {type: 'cascade:height', height},
// {type: 'cascade:state', step, summary, values, ack?} after every run (or failed run), every
// cursor move and every numbered host message (an unnumbered one that changes nothing gets none,
// so two embeds whose states a host forwards to each other settle), {type: 'cascade:error',
// message}. `values` is every control's current value, {key: string}; `ack` is the id of the
// last host message applied.
import { S } from './state.js';
import { $, errText } from './ui.js';

const embedded = () => window.parent !== window;

export function tellHost(msg) {
  if (embedded()) window.parent.postMessage(msg, '*');
}

/** Handlers main.js gives: set a control (throws if rejected), move the cursor (true if it
 * moved), load a link, every control's value. */
let hooks = null;
export function listenToHost(h) {
  hooks = h;
  window.addEventListener('message', onMessage);
  new ResizeObserver(reportHeight).observe(document.body);
}

export function tellReady() {
  tellHost({ type: 'cascade:ready', values: hooks.values() });
}

export function tellState() {
  if (!embedded() || !S.summary) return;
  const msg = { type: 'cascade:state', step: S.cursor, summary: $('#summary').textContent, values: hooks.values() };
  if (S.hostAck != null) msg.ack = S.hostAck;
  tellHost(msg);
}

// The content's height (not documentElement.scrollHeight: that is never less than the iframe's
// own height, so an embed could grow but never shrink back).
function reportHeight() {
  tellHost({ type: 'cascade:height', height: Math.ceil(document.documentElement.getBoundingClientRect().height) });
}

function onMessage(e) {
  const m = e.data;
  if (!embedded() || e.source !== window.parent) return;
  if (!m || typeof m !== 'object' || typeof m.type !== 'string' || !S.ex) return;
  if (m.type === 'cascade:hello') {
    tellReady();
    reportHeight();
    tellState();
    return;
  }
  const numbered = Number.isSafeInteger(m.id);
  const ack = () => {
    if (numbered) S.hostAck = m.id;
  };
  if (m.type === 'cascade:set' && typeof m.key === 'string' && m.key.length < 64 && ['string', 'number', 'boolean'].includes(typeof m.value)) {
    ack();
    try {
      hooks.set(m.key, String(m.value)); // the run's cascade:state carries the ack
    } catch (err) {
      tellHost({ type: 'cascade:error', message: errText(err) });
      // nothing to run: a numbered message is acknowledged at once (an unnumbered one changed
      // nothing, so no state: a host that answers states must not be drawn into a loop)
      if (numbered) tellState();
    }
  } else if (m.type === 'cascade:step' && Number.isInteger(m.step)) {
    ack();
    if (!hooks.step(m.step) && numbered) tellState(); // the same step: still acknowledge
  } else if (m.type === 'cascade:link' && typeof m.link === 'string' && m.link.length <= 65536) {
    ack();
    hooks.link(m.link);
  }
}
