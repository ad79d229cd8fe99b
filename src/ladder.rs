//! The crowd's liquidation ladder: at a step of the main run, how much of the crowd's notional
//! would be liquidated if one asset moved to a given price, every other price where it is — the
//! liquidation maps traders use, but computed exactly from the simulated accounts ("the crowd"
//! is every account but yours: the generated crowd and the hand-listed accounts).
//!
//! For a level P, the ladder counts what the engine's own liquidation check would close if the
//! step's pre-trade price of the asset were P: the same plan, the same order of closing, the same
//! fee in the projected margin ratio. A cohort's members differ only in cash, and "closes at least
//! j + 1 positions" is `cash ≤ U_j` for a threshold U_j that does not depend on the member (the
//! running minimum of `MM_j − uPnL + fees_j`, MM_j the maintenance margin left after closing the
//! first j positions), so each level costs a binary search per cohort and position, not a check
//! per account. A test checks the ladder against the engine: the notional the ladder shows at P
//! is what a run liquidates when the asset alone moves to P with feedback off.
//!
//! Beside it, [`absorbed`]: how much net selling the book takes to move the price from the market
//! to P. Where the forced selling stacked down to P exceeds it, a move to P does not stop there:
//! the liquidations push the price further — why a small shock can fall through.

use crate::liquidation::{self, Target};
use crate::margin;
use crate::market::ExoPath;
use crate::model::{ImpactModel, Model, Policy};
use crate::sim::State;
use crate::types::{Money, Price};
use rust_decimal::Decimal;

/// The ladder of one asset at one step.
#[derive(Clone, Debug, PartialEq)]
pub struct Ladder {
    pub step: usize,
    pub asset: usize,
    /// The asset's market price at that step.
    pub market: Price,
    /// Price levels, ascending, on the asset's tick grid (the market price among them).
    pub levels: Vec<Price>,
    /// Notional liquidated (USD) if the asset moved to each level: cumulative from the market.
    pub notional: Vec<Money>,
    /// Accounts liquidated at each level.
    pub accounts: Vec<u32>,
}

/// The main run's state at `step` (replayed from the opening).
pub fn state_at(m: &Model, exo: &ExoPath, step: usize) -> State {
    let mut s = State::new(m, exo, m.feedback, &m.focal);
    while s.t < step.min(m.steps) {
        s.step(m, exo);
    }
    s
}

/// `n + 1` levels spanning the market price ± `span` (0.2 = ±20 %), on the tick grid, ascending,
/// with the market price itself among them (a level that rounds onto another is dropped).
pub fn levels(m: &Model, asset: usize, market: Price, span: f64, n: usize) -> Vec<Price> {
    let a = &m.assets[asset];
    let p0 = market.to_f64();
    let half = (n / 2).max(1);
    let mut out: Vec<Price> = (0..=2 * half)
        .map(|k| {
            if k == half {
                return market;
            }
            let x = p0 * (1.0 + span * (k as f64 - half as f64) / half as f64);
            crate::market::to_tick(x, a.tick, a.tick_f)
        })
        .collect();
    out.dedup();
    out
}

/// The ladder of `asset` at the state's step over `levels` (every other asset at its market price).
pub fn ladder(state: &State, m: &Model, asset: usize, levels: &[Price]) -> Ladder {
    let mut prices = state.prices.clone();
    let mut notional = Vec::with_capacity(levels.len());
    let mut accounts = Vec::with_capacity(levels.len());
    for &p in levels {
        prices[asset] = p;
        let (n, a) = liquidated_at(state, m, &prices);
        notional.push(n);
        accounts.push(a);
    }
    Ladder { step: state.t, asset, market: state.prices[asset], levels: levels.to_vec(), notional, accounts }
}

/// What the liquidation check would close, for every account but the focal one, at `prices`:
/// the notional of the positions closed (at those prices) and the number of accounts liquidated.
pub fn liquidated_at(state: &State, m: &Model, prices: &[Price]) -> (Money, u32) {
    let mut total = Money::ZERO;
    let mut count = 0u32;
    for c in &state.cohorts {
        let (n, k) = cohort_at(c, prices, m);
        total += n;
        count += k;
    }
    for acc in &state.explicit {
        let orders = liquidation::plan(acc, prices, m, m.policy, m.fee_rate);
        if orders.is_empty() {
            continue;
        }
        count += 1;
        for o in orders.iter().filter(|o| matches!(o.target, Target::Position(_))) {
            total += o.qty.abs() * prices[o.asset];
        }
    }
    (total, count)
}

/// A cohort at `prices`: the notional its liquidated members would close, and how many they are.
fn cohort_at(c: &crate::crowd::Cohort, prices: &[Price], m: &Model) -> (Money, u32) {
    let members = &c.members[c.head..];
    if members.is_empty() {
        return (Money::ZERO, 0);
    }
    let h = margin::snapshot(Money::ZERO, &[], &c.template, false, prices, m);
    let upnl = h.upnl;
    // closing order: largest maintenance margin first (ties: as listed), as `liquidation::plan`
    let mut order: Vec<usize> = (0..c.template.len()).collect();
    order.sort_by(|&a, &b| h.positions[b].mm.cmp(&h.positions[a].mm).then(a.cmp(&b)));
    let below = |t: Money| members.partition_point(|x| x.cash <= t);
    // liquidatable: cash + uPnL ≤ MM
    let mut threshold = h.mm - upnl;
    let liquidated = below(threshold);
    let (mut total, mut closing) = (Money::ZERO, liquidated);
    let (mut mm_left, mut fees) = (h.mm, Money::ZERO);
    for &i in &order {
        if closing == 0 {
            break;
        }
        let p = &h.positions[i];
        total += Money(p.notional.0 * Decimal::from(closing as u64));
        if m.policy == Policy::Full {
            continue;
        }
        // the next position goes too while equity after fees ≤ the maintenance margin left
        mm_left -= p.mm;
        fees += p.notional * m.fee_rate;
        threshold = threshold.min(mm_left - upnl + fees);
        closing = closing.min(below(threshold));
    }
    (total, liquidated as u32)
}

/// Net selling (USD) that moves asset `i`'s price by `log_move` (< 0 down; > 0 up: buying),
/// under the scenario's impact model: the inverse of `market::impact_delta`.
pub fn absorbed(m: &Model, i: usize, log_move: f64) -> f64 {
    let a = &m.assets[i];
    match m.impact {
        // ΔI = ln(0.98) · q / D  ⇒  q = ΔI · D / ln(0.98)
        ImpactModel::Depth => log_move * a.depth_usd / libm::log(0.98),
        // |ΔI| = Y · σ_daily · √(|q| / V)  ⇒  |q| = V · (|ΔI| / (Y · σ_daily))²
        ImpactModel::Sqrt { y } => {
            let k = y * a.sigma * libm::sqrt(1.0 / 365.0);
            if k <= 0.0 {
                return f64::INFINITY;
            }
            let q = a.daily_volume_usd * (log_move / k) * (log_move / k);
            if log_move < 0.0 {
                q
            } else {
                -q
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absorbed_inverts_the_impact_model() {
        // depth model, D = 40 M: selling D moves the price −2 %; moving it −2 % takes D
        let m = Model::from_scenario(&crate::presets::get("loop").unwrap().scenario()).unwrap();
        let eth = 1;
        assert!((absorbed(&m, eth, libm::log(0.98)) - 40e6).abs() < 1e-6);
        for q in [1e6, 25e6, -3e6] {
            let d = crate::market::impact_delta(&m, eth, q);
            assert!((absorbed(&m, eth, d) - q).abs() < 1e-6 * q.abs(), "{q}");
        }
    }

    #[test]
    fn levels_are_on_the_grid_around_the_market() {
        let m = Model::from_scenario(&crate::presets::get("loop").unwrap().scenario()).unwrap();
        let market = Price("3500".parse().unwrap());
        let l = levels(&m, 1, market, 0.2, 40);
        assert_eq!(l.len(), 41);
        assert_eq!(l[0].to_string(), "2800");
        assert_eq!(l[20], market);
        assert_eq!(l[40].to_string(), "4200");
        assert!(l.windows(2).all(|w| w[0] < w[1]));
    }
}
