// Numbers and times as the page writes them (the tests read them back).
import { S } from './state.js';

const nf2 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 });
const nfPrice = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 12 });
const nf0 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** "8,787.00 USD"; "–" when not a number. */
export const usd = (v) => (Number.isFinite(v) ? nf2.format(v) + ' USD' : '–');
/** "12,345 USD". */
export const usd0 = (v) => (Number.isFinite(v) ? nf0.format(v) + ' USD' : '–');
/** "+1.25%", "-0.04%". */
export const pct = (v, dp = 2) => (Number.isFinite(v) ? (v > 0 ? '+' : '') + v.toFixed(dp) + '%' : '–');
/** A price with the digits it has. */
export const px = (v) => (Number.isFinite(v) ? nfPrice.format(v) : '–');
/** "−19.8%" with a real minus sign. */
export const signedPct = (v) => (v > 0 ? '+' : v < 0 ? '−' : '') + Math.abs(v).toFixed(1) + '%';
/** The clock time of a step from the start, "1:05" (the charts' time axis writes the same). */
export function clock(step) {
  if (!S.summary) return '';
  const m = Math.round(step * S.summary.step_minutes);
  return `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}`;
}
/** "BTC", "BTC and ETH", "BTC, ETH and SOL". */
export function names(list) {
  return list.length < 2 ? list.join('') : `${list.slice(0, -1).join(', ')} and ${list.at(-1)}`;
}
