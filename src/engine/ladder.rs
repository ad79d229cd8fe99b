//! The crowd's liquidation ladder: at a step of the main run, how much of the crowd's notional
//! would be liquidated if one asset moved to a given price, every other price where it is — the
//! liquidation maps traders use, but computed exactly from the simulated accounts ("the crowd"
//! is every account but yours: the generated crowd and the hand-listed accounts).
//!
//! For a level P, the ladder counts what the engine's own liquidation check would close if the
//! step's pre-trade price of the asset were P: the same plan, the same order of closing, the same
//! fee in the projected margin ratio. An all-USD cohort's members differ only in cash, and "closes at least
//! j + 1 positions" is `cash ≤ U_j` for a threshold U_j that does not depend on the member (the
//! running minimum of `MM_j − uPnL + fees_j`, MM_j the maintenance margin left after closing the
//! first j positions), so each level costs a binary search per cohort and position, not a check
//! per account (members holding collateral in assets are planned one by one). A test checks the ladder against the engine: the notional the ladder shows at P
//! is what a run liquidates when the asset alone moves to P with feedback off.
//!
//! Beside it, [`absorbed`]: how much net selling the book takes to move the price from the market
//! to P. Where the forced selling stacked down to P exceeds it, a move to P does not stop there:
//! the liquidations push the price further — why a small shock can fall through.

use super::account::Account;
use super::liquidation::{self, Target};
use super::margin::{self, Valuation};
use super::market::ExoPath;
use super::model::{ImpactModel, Model, Policy};
use super::sim::State;
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
    /// Net forced selling of the asset itself at each level (USD, sold − bought, at the level's
    /// price): what would hit its book.
    pub flow: Vec<Money>,
}

/// What the liquidation check would do at a price vector, for every account but the focal one.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Liquidated {
    /// Notional of the positions closed, at those prices.
    pub notional: Money,
    /// Accounts liquidated.
    pub accounts: u32,
    /// Net USD sold of one asset (positions closed and collateral sold; bought counts negative).
    pub flow: Money,
}

/// The main run's state at `step` (replayed from the opening).
pub fn state_at(m: &Model, exo: &ExoPath, step: usize) -> State {
    let mut s = State::new(m, exo, m.feedback, &m.focal);
    while s.t < step.min(m.steps) {
        s.step(m, exo);
    }
    s
}

/// The asset a ladder shows by default: the first shocked asset that the crowd holds as a
/// position, else the first shocked asset it holds as collateral, else the one it holds most of
/// as positions (by opening notional), else the first.
pub fn default_asset(m: &Model) -> usize {
    let mut held = vec![0.0f64; m.assets.len()];
    let mut collateral = vec![false; m.assets.len()];
    for c in &m.cohorts {
        for p in &c.template {
            held[p.asset] += p.notional(p.entry).to_f64() * c.alive() as f64;
        }
        for mem in &c.members {
            mem.balances.iter().for_each(|b| collateral[b.0] = true);
        }
    }
    for a in &m.explicit {
        for p in &a.positions {
            held[p.asset] += p.notional(p.entry).to_f64();
        }
        a.balances.iter().for_each(|b| collateral[b.0] = true);
    }
    if let Some(s) = m.shocks.iter().find(|s| held[s.asset] > 0.0) {
        return s.asset;
    }
    if let Some(s) = m.shocks.iter().find(|s| collateral[s.asset]) {
        return s.asset;
    }
    (0..held.len()).max_by(|&a, &b| held[a].total_cmp(&held[b]).then(b.cmp(&a))).filter(|&i| held[i] > 0.0).unwrap_or(0)
}

/// The step a ladder shows when no time cursor says: just before the first shock (the ladder as
/// it stands when the move comes), else the opening.
pub fn default_step(m: &Model) -> usize {
    m.shocks.iter().map(|s| s.step).min().map_or(0, |t| t.saturating_sub(1))
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
            super::market::to_tick(x, a.tick, a.tick_f)
        })
        .collect();
    out.dedup();
    out
}

/// The ladder of `asset` at the state's step over `levels` of its market price (every other
/// asset at its prices). A level is an outside move: the asset's index, mark and collateral
/// price move by the same factor as its market price ([`crate::engine::pricing::Quotes::moved`]).
pub fn ladder(state: &State, m: &Model, asset: usize, levels: &[Price]) -> Ladder {
    let (mut notional, mut accounts, mut flow) = (vec![], vec![], vec![]);
    let a = &m.assets[asset];
    for &p in levels {
        let mut q = state.post.clone();
        q.moved(asset, p, a.tick, a.tick_f);
        let l = liquidated_at(state, m, q.valuation(), asset);
        notional.push(l.notional);
        accounts.push(l.accounts);
        flow.push(l.flow);
    }
    Ladder { step: state.t, asset, market: state.post.market[asset], levels: levels.to_vec(), notional, accounts, flow }
}

/// What the liquidation check would do at the valuation `prices`, for every account but the focal
/// one; `flow` is of asset `asset`.
pub fn liquidated_at(state: &State, m: &Model, prices: Valuation<'_>, asset: usize) -> Liquidated {
    let mut out = Liquidated::default();
    // the next check is the next step's (an account in its cooldown then closes whole positions)
    let (chunks, next) = (matches!(m.policy, Policy::Chunks { .. } | Policy::StepDown { .. }), state.t + 1);
    // an account waiting out a step-down's delay is not checked at the next step
    let waiting = |chunked: Option<usize>| m.policy.waiting(chunked, next);
    for c in state.cohorts.iter().filter(|c| !waiting(c.chunked_at)) {
        if c.holds_assets || chunks {
            // collateral in assets (valued at these prices, and sold too once every position is
            // closed) or positions sold a chunk at a time: each member is planned on its own
            for mem in &c.members[c.head..] {
                out.add(account_at(&c.account(mem), prices, m, asset, next));
            }
        } else {
            out.add(cohort_at(c, prices, m, asset));
        }
    }
    for acc in state.explicit.iter().filter(|a| !waiting(a.chunked_at)) {
        out.add(account_at(acc, prices, m, asset, next));
    }
    out
}

impl Liquidated {
    fn add(&mut self, l: Liquidated) {
        self.notional += l.notional;
        self.accounts += l.accounts;
        self.flow += l.flow;
    }
}

/// One account at `prices`, checked at step `t`: the engine's own plan for it.
fn account_at(acc: &Account, prices: Valuation<'_>, m: &Model, asset: usize, t: usize) -> Liquidated {
    let mut out = Liquidated::default();
    let orders = liquidation::plan(acc, prices, m, m.policy.at(acc.chunked_at, t), m.fee_rate);
    if orders.is_empty() {
        return out;
    }
    out.accounts = 1;
    for o in &orders {
        if matches!(o.target, Target::Position(_)) {
            out.notional += o.qty.abs() * prices.market[o.asset];
        }
        if o.asset == asset {
            out.flow -= o.qty * prices.market[o.asset];
        }
    }
    out
}

/// An all-USD cohort at `prices`: what its liquidated members would close, how many they are, and their
/// net selling of `asset`.
fn cohort_at(c: &super::crowd::Cohort, prices: Valuation<'_>, m: &Model, asset: usize) -> Liquidated {
    let members = &c.members[c.head..];
    if members.is_empty() {
        return Liquidated::default();
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
    let (mut total, mut flow, mut closing) = (Money::ZERO, Money::ZERO, liquidated);
    let (mut mm_left, mut fees) = (h.mm, Money::ZERO);
    for &i in &order {
        if closing == 0 {
            break;
        }
        let p = &h.positions[i];
        let k = Decimal::from(closing as u64);
        let pos = &c.template[i];
        total += Money((pos.qty.abs() * prices.market[pos.asset]).0 * k);
        if pos.asset == asset {
            // closing a long sells it
            flow += Money(pos.qty.0 * prices.market[asset].0 * k);
        }
        if m.policy == Policy::Full {
            continue;
        }
        // the next position goes too while equity after fees ≤ the maintenance margin left
        mm_left -= p.mm;
        fees += p.notional * m.fee_rate;
        threshold = threshold.min(mm_left - upnl + fees);
        closing = closing.min(below(threshold));
    }
    Liquidated { notional: total, accounts: liquidated as u32, flow }
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
        let m = Model::from_scenario(&crate::share::presets::get("loop").unwrap().scenario()).unwrap();
        let eth = 1;
        assert!((absorbed(&m, eth, libm::log(0.98)) - 40e6).abs() < 1e-6);
        for q in [1e6, 25e6, -3e6] {
            let d = crate::engine::market::impact_delta(&m, eth, q);
            assert!((absorbed(&m, eth, d) - q).abs() < 1e-6 * q.abs(), "{q}");
        }
    }

    #[test]
    fn levels_are_on_the_grid_around_the_market() {
        let m = Model::from_scenario(&crate::share::presets::get("loop").unwrap().scenario()).unwrap();
        let market = Price("3500".parse().unwrap());
        let l = levels(&m, 1, market, 0.2, 40);
        assert_eq!(l.len(), 41);
        assert_eq!(l[0].to_string(), "2800");
        assert_eq!(l[20], market);
        assert_eq!(l[40].to_string(), "4200");
        assert!(l.windows(2).all(|w| w[0] < w[1]));
    }
}
