// Small DOM helpers shared by every module: query, the error box, the toolbar status, lists.
export const $ = (sel, el = document) => el.querySelector(sel);
export const $$ = (sel, el = document) => [...el.querySelectorAll(sel)];

/** Show an error in the page (never only in the console); null hides it. */
export function showError(msg) {
  const el = $('#error');
  el.hidden = !msg;
  el.textContent = msg ? String(msg) : '';
}
export const errText = (e) => (e && e.message ? e.message : String(e));
/** "the scenario is invalid (3 problems):\n  - a: …\n  - b: …" → "a: …" */
export function firstProblem(msg) {
  const m = msg.split('\n').find((l) => l.trim().startsWith('- '));
  return m ? m.trim().slice(2) : msg;
}
export function status(text) {
  $('#toolbar-status').textContent = text;
}
/** Fill a list element with one item per text (text only, never HTML). */
export function fillList(el, texts) {
  el.replaceChildren(...texts.map((t) => Object.assign(document.createElement('li'), { textContent: t })));
}
