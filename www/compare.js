// The same scenario under another venue's rules, side by side: a picker under the summary and
// a small table whose every figure the engine computes from both runs (Explorer.compare).
import { S } from './state.js';
import { $, showError, errText } from './ui.js';
import { followUrl } from './share.js';

/** Fill the picker with the venues (once). */
export function fillVenues(Explorer) {
  const sel = $('#vs');
  for (const v of Explorer.venues()) sel.append(new Option(v.title, v.key));
  sel.addEventListener('change', () => {
    S.ex.set_vs(sel.value || undefined);
    showComparison();
    followUrl();
  });
}

/** Show the comparison for the current run (or hide it when no venue is picked). */
export function showComparison() {
  const sel = $('#vs'), box = $('#compare');
  sel.value = S.ex.vs() ?? '';
  let c = null;
  try {
    c = S.ex.compare();
  } catch (e) {
    showError('The comparison could not be run: ' + errText(e));
  }
  box.hidden = !c;
  if (!c) return;
  const cell = (tag, text) => Object.assign(document.createElement(tag), { textContent: text });
  const head = document.createElement('tr');
  head.append(cell('th', ''), cell('th', c.this), cell('th', c.other));
  for (const th of head.children) th.scope = 'col';
  const rows = c.rows.map((r) => {
    const tr = document.createElement('tr');
    const label = cell('th', r.label);
    label.scope = 'row';
    tr.append(label, cell('td', r.this), cell('td', r.other));
    return tr;
  });
  $('#compare caption').textContent = c.caption;
  $('#compare thead').replaceChildren(head);
  $('#compare tbody').replaceChildren(...rows);
}
