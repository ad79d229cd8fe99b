// The readout: every value at the time cursor's step (or at the step under the mouse, which says
// so), in words and exact-to-the-cent numbers, and the per-chart data tables.
import { S } from './state.js';
import { $ } from './ui.js';
import { usd, pct, px, clock } from './format.js';

/** The margin ratio at step t of series `mr`, in words: a percentage, unbounded, or none at risk. */
function ratio(mr, t, open) {
  if (!Number.isFinite(mr[t])) return 'unbounded (equity ≤ 0)';
  if (open != null && open[t] === 0 && mr[t] === 0) return '0.00% (no positions left)';
  return mr[t].toFixed(2) + '%';
}

/** One focal-account event in words (quantities are exact decimal strings from the engine). */
function eventText(e) {
  const qty = String(e.quantity ?? '').replace(/^-/, '');
  if (e.kind === 'liquidation' || e.kind === 'partial_liquidation') {
    const what = e.kind === 'liquidation' ? 'liquidation' : 'partial liquidation (part of the position)';
    return `${what} ${e.asset} (${String(e.quantity).startsWith('-') ? 'sold' : 'bought'} ${qty} at ${px(+e.price)})`;
  }
  if (e.kind === 'collateral_sale') return `collateral sale ${e.asset} (sold ${qty} at ${px(+e.price)})`;
  if (e.kind === 'bad_debt') return `bad debt ${usd(+e.amount)}`;
  if (e.kind === 'backstop') {
    // the quantity is what the account gave up: a balance it held is negative, a loan positive
    const what = e.collateral ? (String(e.quantity).startsWith('-') ? 'collateral' : 'a loan of') : 'position';
    return `taken over by the backstop vault: ${what} ${e.asset} ${qty} at ${px(+e.price)}${e.collateral ? '' : ', no sale on the book'}`;
  }
  if (e.kind === 'backstop_cash') return +e.amount < 0 ? `${usd(-e.amount)} of debt passed to the vault with it` : `${usd(+e.amount)} of cash passed to the vault with it`;
  if (e.kind === 'adl') {
    const side = String(e.quantity).startsWith('-') ? 'sold' : 'bought';
    return `auto-deleveraged ${e.asset} (${side} ${qty} at the bankruptcy price ${px(+e.price)}, paying ${usd(+e.paid)} of ${e.bankrupt}'s bad debt)`;
  }
  return e.kind;
}

/** A liquidation price in words, with its distance from the price it is checked on (the
 * engine's codes for none). */
function liqText(v, price, mode, onMark) {
  if (v === -1) return 'none: the account is liquidatable already';
  if (v === -2) return 'none: no price liquidates it, from the smallest tick to a thousandfold rise';
  if (!Number.isFinite(v)) return 'none: the position is closed';
  const where = mode === 'cross' ? 'the whole account' : 'this position';
  return `${onMark ? 'mark ' : ''}${px(v)} (${pct((v / price - 1) * 100, 2)} from the ${onMark ? 'mark' : 'price'} here; ${where}, every other price where it is)`;
}

/** The readout's lines, each figure ("equity 0.00 USD", fields three spaces apart) in a span
 * that a narrow screen wraps around, never through; a long field wraps at its spaces. The text
 * is the lines joined by newlines, as written. */
function showLines(el, lines) {
  const parts = [];
  lines.forEach((line, k) => {
    if (k) parts.push('\n');
    line.split('   ').forEach((f, i) => {
      if (i) parts.push('   ');
      if (f.length > 40) return parts.push(f);
      const span = document.createElement('span');
      span.className = 'figure';
      span.textContent = f;
      parts.push(span);
    });
  });
  el.replaceChildren(...parts);
}

export function readout(t = S.cursor, hover = false) {
  const d = S.data, s = S.summary;
  if (!d.hours || t == null) return;
  const lines = [`${hover ? 'under the mouse: ' : ''}step ${t} (${clock(t)})   equity ${usd(d.equity[t])}   collateral ${usd(d.collateral[t])}   margin ratio ${ratio(d.mr_pct, t, d.open_positions)}`];
  lines.push(`${s.other_mode.focal_mode}: equity ${usd(d.other_equity[t])}   margin ratio ${ratio(d.other_mr_pct, t)}`);
  if (s.feedback) lines.push(`without feedback: equity ${usd(d.nofb_equity[t])}`);
  for (const a of d.assets) {
    const mark = d[`mark.${a}`]?.length ? `   mark ${px(d[`mark.${a}`][t])}` : '';
    lines.push(`${a}: price ${px(d[`price.${a}`][t])}   exogenous ${px(d[`exogenous.${a}`][t])}${mark}   impact ${pct(d[`impact_pct.${a}`][t], 3)}   forced sales ${usd(d[`forced_flow.${a}`][t])}`);
    // the liquidation price is a mark price: measured from the mark where the venue has one
    const onMark = d[`mark.${a}`]?.length > 0;
    if (d[`liq.${a}`]?.length) lines.push(`${a}: your liquidation price ${liqText(d[`liq.${a}`][t], onMark ? d[`mark.${a}`][t] : d[`price.${a}`][t], s.summary.focal_mode, onMark)}`);
  }
  if (s.crowd) lines.push(`crowd: ${d.crowd_accounts[t]} accounts liquidated at this step (${usd(d.crowd_notional[t])} of positions)`);
  const ev = s.focal_events.filter((e) => e.step === t);
  if (ev.length) lines.push('at this step: ' + ev.map(eventText).join('; '));
  showLines($('#readout'), lines);
}

/** Fill the data table of figure `fig` (opened by the reader). */
export function fillTable(fig) {
  const d = S.data, s = S.summary;
  const div = $('.table', fig);
  if (!d.hours) return;
  const other = s.other_mode.focal_mode;
  const name = fig.dataset.name;
  const cols = {
    collateral: [['equity', d.equity], ['collateral', d.collateral], [`equity (${other})`, d.other_equity], ['equity without feedback', d.nofb_equity]],
    margin: [['margin ratio %', d.mr_pct], [`${other} %`, d.other_mr_pct]],
    impact: [...d.assets.flatMap((a) => [[`${a} price`, d[`price.${a}`]], [`${a} exogenous`, d[`exogenous.${a}`]], ...(d[`mark.${a}`]?.length ? [[`${a} mark`, d[`mark.${a}`]]] : []), [`${a} impact %`, d[`impact_pct.${a}`]]]), ['forced sales USD', d.forced_flow]],
    crowd: [['crowd liquidated USD', d.crowd_notional], ['accounts', d.crowd_accounts]],
  }[name];
  const parts = [table(['step', 'time', ...cols.map((c) => c[0])], Array.from(d.hours, (_, i) => [i, clock(i), ...cols.map(([, arr]) => (Number.isFinite(arr[i]) ? arr[i].toFixed(2) : 'unbounded'))]))];
  if (name === 'crowd' && S.ladder) {
    const l = S.ladder;
    const cap = document.createElement('p');
    cap.textContent = `The ladder of ${l.symbol} at step ${l.step} (${clock(l.step)}), market price ${px(l.market)}: if the price moved to each level`;
    parts.push(cap, table(['change %', 'liquidated USD', 'accounts', `net ${l.symbol} sales USD`, 'book absorbs USD'], l.change_pct.map((c, k) => [c.toFixed(2), l.notional[k].toFixed(2), l.accounts[k], l.flow[k].toFixed(2), l.absorbed[k].toFixed(2)])));
  }
  div.replaceChildren(...parts);
}

function table(head, rows) {
  const t = document.createElement('table');
  const h = t.createTHead().insertRow();
  for (const x of head) h.append(Object.assign(document.createElement('th'), { scope: 'col', textContent: x }));
  const body = t.createTBody();
  for (const r of rows) {
    const row = body.insertRow();
    for (const x of r) row.insertCell().textContent = x;
  }
  return t;
}
