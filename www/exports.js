// Downloads: the charts shown as one PNG (at the screen's pixel density), the series as CSV (the
// columns of `cascade run --csv`), the effective scenario as JSON (loadable again).
import { S } from './state.js';
import { $, $$, showError, errText, status } from './ui.js';

function download(name, blob) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  setTimeout(() => {
    URL.revokeObjectURL(a.href);
    a.remove();
  }, 1000);
  status(`Saved ${name}`);
}

function exportPng() {
  const canvases = $$('.chart:not([hidden]) canvas');
  const out = document.createElement('canvas');
  out.width = Math.max(...canvases.map((c) => c.width));
  out.height = canvases.reduce((a, c) => a + c.height, 0);
  const ctx = out.getContext('2d');
  let y = 0;
  for (const c of canvases) {
    ctx.drawImage(c, 0, y);
    y += c.height;
  }
  out.toBlob((b) => (b ? download('cascade-charts.png', b) : showError('Could not make the PNG.')), 'image/png');
}

export function listenToExports() {
  $('#export-png').addEventListener('click', exportPng);
  $('#export-csv').addEventListener('click', () => {
    try {
      download('cascade-series.csv', new Blob([S.ex.csv()], { type: 'text/csv' }));
    } catch (e) {
      showError(errText(e));
    }
  });
  $('#export-json').addEventListener('click', () => {
    try {
      download('cascade-scenario.json', new Blob([S.ex.scenario_json()], { type: 'application/json' }));
    } catch (e) {
      showError(errText(e));
    }
  });
}
