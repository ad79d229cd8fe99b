// The summary in words, built from the engine's numbers only: what the shock became, when the
// account was liquidated and what the other margin mode would have kept, what the feedback loop
// cost, and what happened to the crowd.
import { usd, signedPct, clock, names, px } from './format.js';

/** The story of summary `s`; `positions` is the number of focal positions. */
export function narrative(s, positions) {
  const parts = [];
  if (s.venue) parts.push(`Under ${s.venue}'s rules:`);
  const shock = shockSentence(s);
  if (shock) parts.push(shock);
  parts.push(liquidationSentence(s, positions));
  parts.push(equitySentence(s));
  const sum = s.summary;
  if (s.crowd_accounts > 0) {
    parts.push(`Liquidations hit ${s.crowd_accounts} crowd accounts (${usd(+sum.crowd_liquidated_notional)} of positions); bad debt ${usd(+sum.bad_debt)}.`);
  }
  const vault = backstopSentence(sum);
  if (vault) parts.push(vault);
  const adl = adlSentence(sum, s.focal_events);
  if (adl) parts.push(adl);
  const liq = openingLiqSentence(sum);
  if (liq) parts.push(liq);
  return parts.join(' ');
}

/** Where your positions' liquidation prices stood at the opening (the engine's, with why none). */
function openingLiqSentence(sum) {
  const at = Object.entries(sum.liquidation_price_at_open || {});
  if (!at.length) return '';
  const whole = sum.focal_mode === 'cross' ? 'the whole cross account, every other price where it was' : 'each isolated position on its own margin';
  const list = at.map(([sym, l]) => (l.price != null ? `${sym} ${px(+l.price)}` : `${sym} none: ${l.why_none}`));
  return `At the opening your liquidation price${at.length > 1 ? 's were' : ' was'} ${names(list)} (${whole}).`;
}

/** What the backstop vault took over, without selling it into the book, and how it came out. */
function backstopSentence(sum) {
  const b = sum.backstop;
  if (!b) return '';
  let t = `The backstop vault made ${b.takeovers} takeover${b.takeovers === 1 ? '' : 's'} of accounts (or isolated positions) below its share of their maintenance margin (${usd(+b.notional)} of positions at the mark), none of it sold into the book`;
  if (b.focal_step != null) t += `, yours at step ${b.focal_step}`;
  const r = +b.result;
  return `${t}; holding it to the end, the vault ${r > 0 ? `gained ${usd(r)}` : r < 0 ? `lost ${usd(-r)}` : 'broke even'}.`;
}

/** Who paid the bad debt the insurance fund could not: auto-deleveraged positions (`events`: your
 * account's events, for which of yours), or nobody. */
function adlSentence(sum, events) {
  const a = sum.adl, uncovered = +sum.uncovered_bad_debt;
  const plural = (n, w) => `${n} ${w}${n === 1 ? '' : 's'}`;
  if (!a) return uncovered > 0 ? `The insurance fund ran out: ${usd(uncovered)} of bad debt stayed uncovered, a loss socialised over everyone.` : '';
  let t = `The insurance fund ran out: auto-deleveraging closed (or cut) ${plural(a.positions, 'profitable position')} of ${plural(a.accounts, 'account')} at bankruptcy prices, which paid ${usd(+a.paid)} of the bad debt`;
  const yours = [...new Set(events.filter((e) => e.kind === 'adl').map((e) => e.asset))];
  if (+a.focal_paid > 0) t += `, ${usd(+a.focal_paid)} of it from your ${names(yours)} position${yours.length > 1 ? 's' : ''} (at step ${events.find((e) => e.kind === 'adl').step})`;
  if (uncovered > 0) t += `; ${usd(uncovered)} stayed uncovered`;
  return t + '.';
}

function shockSentence(s) {
  const sum = s.summary, nofb = s.no_feedback;
  const sh = s.shocks && s.shocks[0];
  if (!sh || !sum.assets[sh.symbol]) {
    let worst = null;
    for (const [sym, a] of Object.entries(sum.assets)) if (!worst || a.realized_drawdown_pct > worst[1].realized_drawdown_pct) worst = [sym, a];
    if (worst && worst[1].realized_drawdown_pct > 0) return `No scripted shock; the largest fall was ${worst[0]} ${signedPct(-worst[1].realized_drawdown_pct)} (${signedPct(-worst[1].exogenous_drawdown_pct)} outside the venue).`;
    return '';
  }
  const a = sum.assets[sh.symbol];
  const nf = nofb.assets[sh.symbol];
  // Several scripted moves of one asset read as one move: a slide (or climb) when they are
  // consecutive steps in one direction, else "N falls / rises / moves".
  const same = s.shocks.filter((x) => x.symbol === sh.symbol);
  const total = (same.reduce((m, x) => m * (1 + x.percent / 100), 1) - 1) * 100;
  const first = Math.min(...same.map((x) => x.step)), last = Math.max(...same.map((x) => x.step));
  const oneWay = same.every((x) => Math.sign(x.percent) === Math.sign(same[0].percent));
  const consecutive = last - first + 1 === same.length;
  let t;
  if (same.length === 1) t = `${sh.symbol}'s ${signedPct(total)} shock at step ${sh.step}`;
  else if (oneWay && consecutive) t = `${sh.symbol}'s scripted ${signedPct(total)} ${total < 0 ? 'slide' : 'climb'} (steps ${first}–${last})`;
  else t = `${sh.symbol}'s ${same.length} scripted ${oneWay ? (total < 0 ? 'falls' : 'rises') : 'moves'} (${signedPct(total)} in all, steps ${first}–${last})`;
  // the others followed it through the correlation (a market move, not the asset's own)
  const followers = Object.entries(sum.assets).filter(([sym, x]) => sym !== sh.symbol && x.exogenous_drawdown_pct > 0.5).map(([sym]) => sym);
  if (!sh.own && followers.length) t += ` (${names(followers)} followed through ${followers.length > 1 ? 'their correlation' : 'its correlation'})`;
  if (total < 0) {
    t += ` became a ${signedPct(-a.realized_drawdown_pct)} fall`;
    if (sum.cascade_depth_steps > 1) t += ` through ${sum.cascade_depth_steps} consecutive steps of liquidations`;
    if (a.amplification) t += ` (×${a.amplification.toFixed(2)} the outside move; ${signedPct(-nf.realized_drawdown_pct)} without feedback)`;
  }
  return t + '.';
}

function liquidationSentence(s, positions) {
  const sum = s.summary, other = s.other_mode;
  const mode = sum.focal_mode, omode = other.focal_mode;
  if (sum.focal_liquidated_step == null) {
    if (other.focal_liquidated_step != null) return `Your ${mode} account survived; ${omode}, it would have been liquidated at step ${other.focal_liquidated_step}.`;
    return `Your ${mode} account was not liquidated (nor would it have been ${omode}).`;
  }
  let t = `Your ${mode} account was liquidated at step ${sum.focal_liquidated_step} (${clock(sum.focal_liquidated_step)})`;
  // Positions the other mode would have kept. "Healthy" only for a position in another asset
  // than the shocked one, in an account that holds more than one position.
  const healthy = sum.healthy_positions_closed.map((c) => c.asset);
  const shocked = s.shocks[0] ? s.shocks[0].symbol : null;
  const word = positions > 1 && healthy.every((a) => a !== shocked) ? 'healthy ' : '';
  const closed = [...new Set(sum.focal_positions_closed.filter((c) => !c.partial).map((c) => c.asset))];
  // under a partial-liquidation policy (chunks, step-down), a position may first lose only a part
  const chunked = [...new Set(sum.focal_positions_closed.filter((c) => c.partial).map((c) => c.asset))];
  if (healthy.length) {
    t += `, closing its ${word}${names(healthy)} position${healthy.length > 1 ? 's' : ''}`;
    const rest = closed.filter((a) => !healthy.includes(a));
    if (rest.length) t += `, then ${names(rest)}`;
  } else if (closed.length) {
    t += `, closing ${names(closed)}`;
  }
  if (chunked.length) t += closed.length ? ` (part of ${names(chunked)} sold first)` : `, selling part of ${names(chunked)}`;
  t += other.focal_liquidated_step == null
    ? `; ${omode}, it would have survived.`
    : `; ${omode}, it would have been liquidated at step ${other.focal_liquidated_step}${healthy.length ? ` and kept ${names(healthy)}` : ''}.`;
  return t;
}

function equitySentence(s) {
  const sum = s.summary, other = s.other_mode;
  let t = `Final equity ${usd(+sum.final_equity)} (${other.focal_mode}: ${usd(+other.final_equity)}).`;
  if (!s.feedback) return t + ' Price-impact feedback is off: forced sales move no price.';
  const with_ = +sum.final_equity, without = +s.no_feedback.final_equity;
  const cost = without - with_;
  if (Math.abs(cost) >= Math.max(1, 0.005 * +s.capital)) {
    t += cost > 0
      ? ` Without the feedback loop it would have ended with ${usd(without)}: the loop cost this account ${usd(cost)}.`
      : ` Without the feedback loop it would have ended with ${usd(without)}: here the loop helped it by ${usd(-cost)}.`;
  }
  return t;
}
