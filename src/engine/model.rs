//! The resolved model: what the engine runs, made from a scenario by `validate.rs` — indices
//! instead of symbols, exact decimals, the Cholesky factor, the accounts margined, the crowd in
//! cohorts. Pure data.

use super::account::AccountInit;
use super::asset::Asset;
use super::book::Book;
use super::crowd::Cohort;
use super::linalg;
use super::margin::{AssetInfo, Brackets};
use super::pricing::{MarkRule, Rules};
use crate::types::{Money, Price, Ratio};
use rust_decimal::Decimal;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    LargestMmFirst,
    Full,
    /// A liquidation sells only `fraction` of a position above `min_notional`; for
    /// `cooldown_steps` after an account's partial liquidation (a chunk at step t: the checks of
    /// steps t + 1 … t + cooldown_steps − 1) its liquidations close whole positions
    /// ([`Policy::LargestMmFirst`]); after that, chunks again ([`Policy::at`]).
    Chunks {
        min_notional: Money,
        fraction: Ratio,
        cooldown_steps: usize,
    },
    /// A liquidation reduces a position in bracket `from` (counted from 0) or above to the
    /// bracket `tiers` below its own (a position in a lower bracket closes whole); the account is then
    /// left alone for `delay_steps` steps (a step-down at step t: the checks of steps t + 1 …
    /// t + delay_steps − 1) before it is checked, and stepped down, again ([`Policy::waiting`]).
    StepDown {
        tiers: usize,
        delay_steps: usize,
        from: usize,
        /// More brackets than `tiers` when the account needs them to be above maintenance (none
        /// enough: the position closes whole).
        until_compliant: bool,
    },
}

impl Policy {
    /// Whether an account whose latest partial liquidation was at step `chunked` is left alone at
    /// step `t` (the step-down's delay).
    pub fn waiting(self, chunked: Option<usize>, t: usize) -> bool {
        match (self, chunked) {
            (Policy::StepDown { delay_steps, .. }, Some(c)) => t < c.saturating_add(delay_steps),
            _ => false,
        }
    }

    /// The policy for a check at step `t` of an account whose latest partial liquidation was at
    /// step `chunked`: within the cooldown after it, whole positions; otherwise this one.
    pub fn at(self, chunked: Option<usize>, t: usize) -> Policy {
        match (self, chunked) {
            (Policy::Chunks { cooldown_steps, .. }, Some(c)) if t < c.saturating_add(cooldown_steps) => {
                Policy::LargestMmFirst
            }
            (p, _) => p,
        }
    }
}

/// Auto-deleveraging (`adl.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdlRule {
    Off,
    /// Whole positions, highest rank first.
    Queue,
    /// The same fraction of every eligible position.
    ProRata,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ImpactModel {
    Depth,
    Sqrt { y: f64 },
}

/// A scripted move of an asset's exogenous price.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Shock {
    pub step: usize,
    pub asset: usize,
    /// `ln(1 + percent / 100)`.
    pub log_return: f64,
    /// The asset's own move: the others do not follow it through the correlation.
    pub own: bool,
    /// A move of this venue's market only (added to the impact; the index does not move).
    pub venue: bool,
}

#[derive(Clone, Debug)]
pub struct Model {
    pub name: String,
    /// Whose rules these are (`simple`: the scenario's own); the pack is already written into the
    /// rules below.
    pub venue: super::venues::Venue,
    pub steps: usize,
    pub step_minutes: Decimal,
    /// Δt in years.
    pub dt: f64,
    pub seed: u64,
    pub noise: bool,
    pub feedback: bool,
    pub assets: Vec<Asset>,
    pub corr: linalg::Matrix,
    pub chol: linalg::Matrix,
    pub shocks: Vec<Shock>,
    pub impact: ImpactModel,
    pub cross_impact: f64,
    pub policy: Policy,
    pub fee_rate: Ratio,
    /// Whether, and how, bad debt the fund cannot pay is auto-deleveraged (`adl.rs`).
    pub adl: AdlRule,
    /// The backstop: below this share of its maintenance margin, the vault takes an account over
    /// (`backstop.rs`); `None`: no backstop.
    pub backstop: Option<Ratio>,
    /// The price margin is checked on (`pricing.rs`).
    pub mark: MarkRule,
    pub fund0: Money,
    /// The focal account's book (collateral and positions), before any margin mode.
    pub focal_book: Book,
    /// The book margined in the scenario's mode (`focal.mode`): the main run.
    pub focal: AccountInit,
    /// The same book margined in the other mode: the counterfactual ([`super::book`]).
    pub focal_other: AccountInit,
    pub explicit: Vec<AccountInit>,
    pub cohorts: Vec<Cohort>,
    pub crowd_accounts: u32,
    /// Things the user should know that are not errors (e.g. a repaired correlation matrix).
    pub notices: Vec<String>,
}

impl AssetInfo for Model {
    fn brackets(&self, asset: usize) -> &Brackets {
        &self.assets[asset].brackets
    }
    fn haircut(&self, asset: usize) -> Ratio {
        self.assets[asset].haircut
    }
    fn tiers(&self, asset: usize) -> &super::margin::Tiers {
        &self.assets[asset].tiers
    }
    fn stable(&self, asset: usize) -> bool {
        self.assets[asset].stable
    }
}

impl Model {
    pub fn opening_prices(&self) -> Vec<Price> {
        self.assets.iter().map(|a| a.price0).collect()
    }

    /// Asset `i`'s pricing rules: the venue's mark rule and the asset's collateral price source.
    pub fn pricing(&self, i: usize) -> Rules {
        Rules { mark: self.mark, collateral: self.assets[i].collateral_price }
    }
}
