// Sharing: the address follows the scenario and the view (a canonical share link, throttled),
// a link opened in the address (or sent by a host) is loaded with its notices, "Copy link", and
// the Embed dialog that writes an iframe snippet.
import { S, emit } from './state.js';
import { $, $$, status, fillList } from './ui.js';

let urlTimer = null;

/** The canonical link (fragment) for the scenario and view `v`. */
export function currentLink(v = S.view) {
  const list = (a) => (a ? a.join(',') : undefined);
  return S.ex.link(v.embed, list(v.controls), list(v.charts), v.theme, S.cursor ?? undefined);
}

/** Let the address follow (at most every 250 ms). */
export function followUrl() {
  if (urlTimer || !S.ex) return;
  urlTimer = setTimeout(() => {
    urlTimer = null;
    try {
      history.replaceState(null, '', '#' + currentLink());
    } catch (e) {
      /* e.g. a sandboxed iframe */
    }
  }, 250);
}

export function showLinkNotices(list) {
  fillList($('#link-notices'), list);
  $('#link-box').hidden = !list.length;
}

/** Load a share link: its scenario into the engine, its view into the page. */
export function openLink(fragment) {
  const info = S.ex.load_link(fragment);
  S.view = { embed: info.embed, controls: info.controls, charts: info.charts, theme: info.theme };
  document.body.classList.toggle('embed', S.view.embed);
  showLinkNotices(info.notices);
  S.cursor = info.step ?? null;
  S.cursorMoved = info.step != null;
  emit('scenario');
}

/** Put `text` on the clipboard: true once it is there; false when the browser refuses or does not
 * answer within 2 s (a pending permission, an unfocused window), so the page can say what to do. */
async function copyText(text) {
  const late = new Promise((resolve) => setTimeout(() => resolve(false), 2000));
  try {
    return await Promise.race([navigator.clipboard.writeText(text).then(() => true), late]);
  } catch (e) {
    return false;
  }
}

export function listenToSharing() {
  $('#copy-link').addEventListener('click', async () => {
    // From an embed, the link opens the full explorer on the same scenario (not another embed).
    const v = S.view.embed ? { embed: false, controls: null, charts: null, theme: S.view.theme } : S.view;
    const url = location.href.split('#')[0] + '#' + currentLink(v);
    status((await copyText(url)) ? 'Link copied.' : 'Copy this link: ' + url);
  });
  $('#dismiss-link-notices').addEventListener('click', () => showLinkNotices([]));
  window.addEventListener('hashchange', () => {
    if (location.hash.slice(1) !== currentLink()) openLink(location.hash);
  });
  $('#open-embed').addEventListener('click', () => {
    buildEmbedDialog();
    $('#embed-dialog').showModal();
  });
  $('#close-embed').addEventListener('click', () => $('#embed-dialog').close());
  for (const id of ['#embed-title', '#embed-width', '#embed-height', '#embed-theme']) $(id).addEventListener('input', updateSnippet);
  $('#embed-height').addEventListener('input', () => {
    $('#embed-height').dataset.edited = '1';
  });
  for (const cb of $$('#embed-charts input')) {
    cb.addEventListener('change', () => {
      // the suggested height follows the charts until the author types one
      if (!$('#embed-height').dataset.edited) $('#embed-height').value = String(embedHeight(checkedCharts()));
      updateSnippet();
    });
  }
  $('#copy-snippet').addEventListener('click', async () => {
    if (await copyText($('#embed-snippet').value)) return status('HTML copied.');
    $('#embed-snippet').select();
    status('The clipboard did not answer: the HTML is selected, copy it from the box.');
  });
}

const checkedCharts = () => $$('#embed-charts input:checked').map((i) => i.value);

function buildEmbedDialog() {
  const box = $('#embed-controls');
  box.replaceChildren();
  // Ticked at first: the controls the author changed (but the seed); if none, the margin mode
  // and the leverage sliders.
  const changed = Object.keys(S.ex.control_values()).filter((k) => k !== 'seed');
  const ticked = (k) => (changed.length ? changed.includes(k) : k === 'mode' || k.startsWith('lev.'));
  for (const c of S.ex.controls()) {
    const l = document.createElement('label');
    const cb = Object.assign(document.createElement('input'), { type: 'checkbox', value: c.key, checked: ticked(c.key) });
    cb.addEventListener('change', updateSnippet);
    l.append(cb, document.createTextNode(c.label));
    box.append(l);
  }
  updateSnippet();
}

/** A starting height for the embed snippet: the full embed's, less each chart left out (CSS px,
 * measured at 1280 px wide; the sizing script then fits it to the content exactly). */
const CHART_PX = { collateral: 320, margin: 320, impact: 380, crowd: 700 };
export function embedHeight(charts) {
  return 2500 - Object.keys(CHART_PX).filter((c) => charts.length && !charts.includes(c)).reduce((a, c) => a + CHART_PX[c], 0);
}

function updateSnippet() {
  const keys = $$('#embed-controls input:checked').map((i) => i.value);
  const charts = checkedCharts();
  // none ticked reads as all of them (an embed always shows a chart)
  const frag = currentLink({ embed: true, controls: keys, charts: charts.length ? charts : null, theme: $('#embed-theme').value });
  const src = location.href.split('#')[0] + '#' + frag;
  const esc = (t) => t.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  const width = $('#embed-width').value.trim() || '100%';
  const height = Math.max(300, Math.min(4000, +$('#embed-height').value || embedHeight(charts)));
  $('#embed-snippet').value = `<iframe src="${esc(src)}" title="${esc($('#embed-title').value)}" loading="lazy" width="${esc(width)}" height="${height}"></iframe>`;
}
