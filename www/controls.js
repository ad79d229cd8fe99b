// The controls panel, built from the engine's description of the controls (one widget per
// control: slider and number field, checkbox, radios or a select). Each control shows its note
// (a position's size, the account's leverage) and, when it cannot change this scenario's outcome,
// is disabled with the engine's reason beside it. A rejected value is explained at the control and
// the widgets go back to the value in use.
import { S } from './state.js';
import { $, firstProblem, errText } from './ui.js';

// key → {show(value): the widgets show a value accepted elsewhere, refresh(spec): note and state}
const widgets = new Map();
let onChange = () => {}; // called after the engine accepted a value (main.js: schedule a run)

export function setOnChange(fn) {
  onChange = fn;
}

const controlId = (key) => 'c-' + key.replace(/[^a-zA-Z0-9_-]/g, '_');
const GROUPS = { position: 'Your position', market: 'Market', crowd: 'Crowd', venue: 'Venue rules', advanced: 'Advanced: correlation per pair' };

/** The number of leverage controls (positions of the focal account), for the story's wording. */
export let focalPositions = 0;

/** Build every widget for the current scenario (an embed shows only the controls its link names). */
export function buildControls() {
  const root = $('#controls');
  root.replaceChildren();
  widgets.clear();
  const specs = S.ex.controls();
  focalPositions = specs.filter((c) => c.key.startsWith('lev.')).length;
  for (const [g, title] of Object.entries(GROUPS)) {
    const items = specs.filter((c) => c.group === g && (!S.view.embed || (S.view.controls || []).includes(c.key)));
    if (!items.length) continue;
    const box = document.createElement(g === 'advanced' ? 'details' : 'fieldset');
    const head = document.createElement(g === 'advanced' ? 'summary' : 'legend');
    head.textContent = title;
    box.append(head);
    for (const c of items) box.append(controlElement(c));
    root.append(box);
  }
}

/** Notes and enabled states from the engine, after a run (values are left as the reader set them,
 * but for choices, which the venue's pack can set). */
export function refreshControls() {
  for (const c of S.ex.controls()) widgets.get(c.key)?.refresh(c);
}

/** Show a value the engine accepted from elsewhere (a host's cascade:set) in the control's widgets. */
export function showControl(key, value) {
  widgets.get(key)?.show(String(value));
}

/** Every control's current value, {key: string} (what an embed reports to its host). */
export function controlValues() {
  return Object.fromEntries(S.ex.controls().map((c) => [c.key, String(c.value)]));
}

function controlElement(c) {
  const wrap = document.createElement('div');
  wrap.className = 'control';
  wrap.dataset.key = c.key;
  const id = controlId(c.key);
  const bad = Object.assign(document.createElement('p'), { className: 'bad', hidden: true, id: id + '-err' });
  const note = Object.assign(document.createElement('p'), { className: 'note', id: id + '-note' });
  let last = c.value; // the last value the engine accepted
  const inputs = () => [...wrap.querySelectorAll('input, select')];
  const commit = (value, el) => {
    S.pendingInputAt ??= performance.now();
    try {
      S.ex.set_control(c.key, String(value));
      last = String(value);
      bad.hidden = true;
      el?.removeAttribute('aria-invalid');
      onChange();
      return true;
    } catch (e) {
      // Say why, and put the widgets back to the value the engine is using.
      bad.hidden = false;
      bad.textContent = firstProblem(errText(e)) + ` (kept ${last})`;
      el?.setAttribute('aria-invalid', 'true');
      for (const input of wrap.querySelectorAll('input[type=range], input[type=number]')) input.value = last;
      return false;
    }
  };
  const show = (value) => {
    last = value;
    bad.hidden = true;
    for (const i of inputs()) {
      i.removeAttribute('aria-invalid');
      if (i.type === 'checkbox') i.checked = last === 'true';
      else if (i.type === 'radio') i.checked = i.value === last;
      else i.value = last;
    }
  };
  const refresh = (spec) => {
    // A choice another control can change (a venue brings its rules) shows the engine's value.
    if (c.kind === 'choice' && spec.value !== last) show(spec.value);
    // A disabled control says why; its value stays visible.
    note.textContent = spec.enabled ? spec.note || '' : spec.reason || '';
    note.hidden = !note.textContent;
    note.classList.toggle('reason', !spec.enabled);
    wrap.classList.toggle('disabled', !spec.enabled);
    for (const i of inputs()) i.disabled = !spec.enabled;
  };
  widgets.set(c.key, { show, refresh });
  const described = `${bad.id} ${note.id}`;
  if (c.kind === 'number') numberWidget(c, id, wrap, described, commit);
  else if (c.kind === 'toggle') toggleWidget(c, id, wrap, described, commit);
  else choiceWidget(c, id, wrap, described, commit);
  wrap.append(note, bad);
  refresh(c);
  return wrap;
}

function numberWidget(c, id, wrap, described, commit) {
  const label = Object.assign(document.createElement('label'), { htmlFor: id, textContent: c.label + (c.unit ? ` (${c.unit})` : '') });
  const row = Object.assign(document.createElement('div'), { className: 'row' });
  const range = document.createElement('input');
  Object.assign(range, { type: 'range', id, min: c.min, max: c.max, step: c.step, value: c.value });
  range.setAttribute('aria-describedby', described);
  const num = document.createElement('input');
  Object.assign(num, { type: 'number', min: c.min, max: c.max, step: c.step, value: c.value });
  num.setAttribute('aria-label', c.label + (c.unit ? ` in ${c.unit}` : ''));
  num.setAttribute('aria-describedby', described);
  if (c.max - c.min > 1e6) range.hidden = true; // e.g. the seed: a slider is too coarse, the field is exact
  range.addEventListener('input', () => {
    num.value = range.value;
    commit(range.value, range);
  });
  num.addEventListener('change', () => {
    if (commit(num.value, num)) range.value = num.value;
  });
  row.append(range, num);
  wrap.append(label, row);
}

function toggleWidget(c, id, wrap, described, commit) {
  const label = document.createElement('label');
  const box = Object.assign(document.createElement('input'), { type: 'checkbox', id, checked: c.value === 'true' });
  box.setAttribute('aria-describedby', described);
  box.addEventListener('change', () => commit(box.checked, box));
  label.append(box, document.createTextNode(' ' + c.label));
  wrap.classList.add('toggle');
  wrap.append(label);
}

function choiceWidget(c, id, wrap, described, commit) {
  const title = Object.assign(document.createElement('span'), { className: 'label', textContent: c.label });
  if (c.options.length > 4) {
    const sel = Object.assign(document.createElement('select'), { id });
    sel.setAttribute('aria-label', c.label);
    sel.setAttribute('aria-describedby', described);
    for (const o of c.options) sel.append(new Option(o, o, false, o === c.value));
    sel.addEventListener('change', () => commit(sel.value, sel));
    wrap.append(title, sel);
    return;
  }
  const group = Object.assign(document.createElement('div'), { className: 'choice' });
  group.setAttribute('role', 'radiogroup');
  group.setAttribute('aria-label', c.label);
  group.setAttribute('aria-describedby', described);
  for (const o of c.options) {
    const l = document.createElement('label');
    const r = Object.assign(document.createElement('input'), { type: 'radio', name: id, value: o, checked: o === c.value });
    r.addEventListener('change', () => {
      if (r.checked) commit(o, r);
    });
    l.append(r, document.createTextNode(' ' + o));
    group.append(l);
  }
  wrap.append(title, group);
}
