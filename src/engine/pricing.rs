//! Which price values what. Every asset has three prices at every step:
//!
//! * the **index**: the outside price, the exogenous path on the tick grid. Forced sales on this
//!   venue do not move it (other markets absorb nothing of them in this model);
//! * the **market**: this venue's own price, `index · exp(I)` with `I` the accumulated impact.
//!   Every fill happens here;
//! * the **mark**: the price margin is checked on (positions' PnL and maintenance margin), by the
//!   venue's rule ([`MarkRule`]): the market, the index, or the median of the index, the market
//!   and the index plus the moving average of the basis (Binance's construction).
//!
//! Collateral balances are valued at each asset's **collateral price** ([`Source`]): the market
//! (a venue that prices collateral off its own book: a thin book pushed down takes every holder's
//! collateral with it) or the index (what a venue switches to after such a depeg).
//!
//! The *basis* is `ln(market / index)`, i.e. the impact `I` before tick rounding.

use super::margin::Valuation;
use super::market;
use crate::types::Price;
use std::collections::VecDeque;

/// Where a price comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Market,
    Index,
}

/// How the venue computes the mark price.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkRule {
    Market,
    Index,
    /// `median(index, market, index · exp(mean basis over the last `window` steps))`, steps
    /// before the run counting as a basis of 0. A window of one step (a step as long as the
    /// window or longer) makes the third price the pre-trade market's: the mark at the check is
    /// the market price (after the batch it stays at the pre-trade price while the market falls).
    Median {
        window: usize,
    },
}

impl MarkRule {
    /// Whether the mark can differ from the market price.
    pub fn is_market(self) -> bool {
        self == MarkRule::Market
    }
}

/// Which of the venue's rules could have changed a run. When a flag is false, changing that rule
/// gives the same run, bit for bit:
///
/// * `mark`: a position was valued while its market stood apart from the index (else every mark
///   rule had one price to choose from);
/// * `collateral_price`: the same for a collateral balance;
/// * `policy`: a liquidation could have gone otherwise under another policy — a cross plan that
///   closes some positions but not all (the policies that close everything, or a chunk, differ),
///   a position above the chunk size liquidated (a chunk would differ), or a chunk taken.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RulesMatter {
    pub mark: bool,
    pub collateral_price: bool,
    pub policy: bool,
    /// Bad debt the fund could not pay was left by a position's close (auto-deleveraging acts
    /// on it, or would have).
    pub adl: bool,
    /// An account at a check was below the backstop's share of its maintenance margin (the
    /// scenario's, or Hyperliquid's 2/3 when the backstop is off).
    pub backstop: bool,
}

impl RulesMatter {
    pub fn either(self, o: RulesMatter) -> RulesMatter {
        RulesMatter {
            mark: self.mark || o.mark,
            collateral_price: self.collateral_price || o.collateral_price,
            policy: self.policy || o.policy,
            adl: self.adl || o.adl,
            backstop: self.backstop || o.backstop,
        }
    }
}

/// One price of each kind per asset, exact and as f64 (for the pre-filters).
#[derive(Clone, Debug, Default)]
pub struct Quotes {
    pub market: Vec<Price>,
    pub mark: Vec<Price>,
    pub collateral: Vec<Price>,
    pub market_f: Vec<f64>,
    pub mark_f: Vec<f64>,
    pub collateral_f: Vec<f64>,
}

/// The f64 twin of [`Valuation`], for the conservative pre-filters.
#[derive(Clone, Copy, Debug)]
pub struct ValuationF<'a> {
    pub mark: &'a [f64],
    pub collateral: &'a [f64],
}

impl Quotes {
    /// Every price of every kind the same (the opening): `prices`, and `f` as f64.
    pub fn uniform(prices: &[Price], f: &[f64]) -> Quotes {
        let f = f.to_vec();
        Quotes {
            market: prices.to_vec(),
            mark: prices.to_vec(),
            collateral: prices.to_vec(),
            market_f: f.clone(),
            mark_f: f.clone(),
            collateral_f: f,
        }
    }

    pub fn valuation(&self) -> Valuation<'_> {
        Valuation { market: &self.market, mark: &self.mark, collateral: &self.collateral }
    }

    pub fn valuation_f(&self) -> ValuationF<'_> {
        ValuationF { mark: &self.mark_f, collateral: &self.collateral_f }
    }

    /// Asset `i`'s prices from its market and index prices (each exact and f64) and, for a
    /// median mark, the index with the mean basis.
    pub fn set(&mut self, i: usize, market: (Price, f64), index: (Price, f64), with_basis: (Price, f64), r: Rules) {
        (self.market[i], self.market_f[i]) = market;
        (self.mark[i], self.mark_f[i]) = match r.mark {
            MarkRule::Market => market,
            MarkRule::Index => index,
            MarkRule::Median { .. } => median(market, index, with_basis),
        };
        (self.collateral[i], self.collateral_f[i]) = match r.collateral {
            Source::Market => market,
            Source::Index => index,
        };
    }

    /// Asset `i`'s prices moved by the same outside factor as `market` is to its current market
    /// price (the index, the mark and the collateral price all follow an outside move), on the
    /// tick grid. The ladder values its levels so.
    pub fn moved(&mut self, i: usize, market: Price, tick: Price, tick_f: f64) {
        let (old, k) = (self.market[i], market.to_f64() / self.market_f[i]);
        let follow = |p: Price, pf: f64| {
            if p == old {
                (market, market.to_f64())
            } else {
                market::to_tick_f(pf * k, tick, tick_f)
            }
        };
        (self.mark[i], self.mark_f[i]) = follow(self.mark[i], self.mark_f[i]);
        (self.collateral[i], self.collateral_f[i]) = follow(self.collateral[i], self.collateral_f[i]);
        (self.market[i], self.market_f[i]) = (market, market.to_f64());
    }
}

/// An asset's pricing rules: the venue's mark rule and the asset's collateral price source.
#[derive(Clone, Copy, Debug)]
pub struct Rules {
    pub mark: MarkRule,
    pub collateral: Source,
}

/// The median of three prices (exact comparison; the f64 twin follows its price).
fn median(a: (Price, f64), b: (Price, f64), c: (Price, f64)) -> (Price, f64) {
    let mut v = [a, b, c];
    v.sort_by_key(|x| x.0);
    v[1]
}

/// The moving average of each asset's basis over the mark rule's window (in steps).
#[derive(Clone, Debug)]
pub struct Basis {
    window: usize,
    recent: Vec<VecDeque<f64>>,
    sum: Vec<f64>,
}

impl Basis {
    pub fn new(assets: usize, rule: MarkRule) -> Basis {
        let window = match rule {
            MarkRule::Median { window } => window.max(1),
            _ => 0,
        };
        // (the window is at most the run's length; the deque grows as the run goes)
        Basis { window, recent: vec![VecDeque::new(); assets], sum: vec![0.0; assets] }
    }

    /// Add this step's basis of asset `i`; the mean over the window (0 when the rule needs none).
    pub fn push(&mut self, i: usize, basis: f64) -> f64 {
        if self.window == 0 {
            return 0.0;
        }
        let q = &mut self.recent[i];
        q.push_back(basis);
        self.sum[i] += basis;
        if q.len() > self.window {
            self.sum[i] -= q.pop_front().unwrap_or(0.0);
        }
        self.mean(i)
    }

    /// The current mean basis of asset `i` over the window; steps before the run count as 0
    /// (the market opened at the index).
    pub fn mean(&self, i: usize) -> f64 {
        if self.window == 0 {
            0.0
        } else {
            self.sum[i] / self.window as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn p(x: i64) -> (Price, f64) {
        (Price(Decimal::from(x)), x as f64)
    }

    #[test]
    fn the_mark_follows_the_rule_and_the_collateral_its_source() {
        // market 90 (pushed down), index 100, index with the mean basis 96
        let (market, index, with_basis) = (p(90), p(100), p(96));
        let cases = [
            (MarkRule::Market, Source::Index, 90, 100),
            (MarkRule::Index, Source::Market, 100, 90),
            // median(100, 90, 96) = 96: the mark lags a fast push of the book
            (MarkRule::Median { window: 5 }, Source::Market, 96, 90),
        ];
        for (mark, collateral, want_mark, want_coll) in cases {
            let mut q = Quotes::uniform(&[Price(Decimal::ONE)], &[1.0]);
            q.set(0, market, index, with_basis, Rules { mark, collateral });
            assert_eq!((q.mark[0], q.mark_f[0]), p(want_mark), "{mark:?}");
            assert_eq!((q.collateral[0], q.collateral_f[0]), p(want_coll), "{collateral:?}");
            assert_eq!(q.market[0], market.0);
        }
    }

    #[test]
    fn an_outside_move_carries_every_price_by_the_same_factor() {
        // market 90 (a mark at the market), collateral at the index 100; the market moves to 81
        // (× 0.9): the mark is the market again, 81; the collateral price 100 × 0.9 = 90
        let mut q = Quotes::uniform(&[Price(Decimal::ONE)], &[1.0]);
        q.set(0, p(90), p(100), p(100), Rules { mark: MarkRule::Market, collateral: Source::Index });
        q.moved(0, Price(Decimal::from(81)), Price(Decimal::new(1, 2)), 0.01);
        assert_eq!((q.market[0], q.mark[0], q.collateral[0]), (p(81).0, p(81).0, p(90).0));
        assert_eq!(q.collateral_f[0], 90.0);
    }

    #[test]
    fn the_basis_mean_runs_over_the_window() {
        let mut b = Basis::new(1, MarkRule::Median { window: 3 });
        // before the run the basis was 0: (0 + 0 + 0.3) / 3, (0 + 0.3 + 0.6) / 3,
        // (0.3 + 0.6 + 0.9) / 3, then 0.3 leaves: (0.6 + 0.9 + 0) / 3
        let means: Vec<f64> = [0.3, 0.6, 0.9, 0.0].iter().map(|&x| b.push(0, x)).collect();
        let want = [0.1, 0.3, 0.6, 0.5];
        for (m, w) in means.iter().zip(want) {
            assert!((m - w).abs() < 1e-12, "{means:?}");
        }
        // a rule without a median needs no mean
        assert_eq!(Basis::new(1, MarkRule::Index).push(0, 0.5), 0.0);
    }
}
