//! A complete simulation: the main run and its two counterfactuals on the same exogenous path
//! (feedback off; the focal account in the other margin mode), and the summary that compares them.

use super::account::AccountId;
use super::account::Mode;
use super::liquidation::EventKind;
use super::market;
use super::model::Model;
use super::pricing::RulesMatter;
use super::sim::{self, Run};
use crate::types::Money;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct AssetSummary {
    /// Largest peak-to-trough fall of the exogenous price, in %.
    pub exogenous_drawdown_pct: f64,
    /// Largest peak-to-trough fall of the market price (with the forced selling), in %.
    pub realized_drawdown_pct: f64,
    /// realized / exogenous drawdown; null when the exogenous drawdown is ~0.
    pub amplification: Option<f64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ClosedPosition {
    pub asset: String,
    pub step: usize,
    /// Only a chunk of it was sold (the `chunks` policy); the rest stayed open.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub partial: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct AdlSummary {
    /// Bad debt covered by the deleveraged positions.
    pub paid: Money,
    /// Accounts and positions deleveraged (a position cut in parts counts once).
    pub accounts: u32,
    pub positions: u32,
    pub notional: Money,
    /// What your positions paid (zero: none of yours was deleveraged).
    pub focal_paid: Money,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct BackstopSummary {
    /// Accounts taken over (an isolated position counts on its own) and their notional at the mark.
    pub takeovers: u32,
    pub notional: Money,
    /// The cash that passed with them (negative: the vault took on more debt than cash).
    pub transferred: Money,
    /// What the vault holds, valued at the last step: its result (it started empty).
    pub result: Money,
    /// The step your account (or a position of it) was taken over, if it was.
    pub focal_step: Option<usize>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RunSummary {
    pub focal_mode: Mode,
    /// First step at which the focal account was liquidated (null: never).
    pub focal_liquidated_step: Option<usize>,
    /// Every focal position closed by liquidation (or a chunk of it sold), with its step.
    pub focal_positions_closed: Vec<ClosedPosition>,
    /// Focal positions closed here (whole) that the comparison run kept open to the end.
    pub healthy_positions_closed: Vec<ClosedPosition>,
    /// Longest run of consecutive steps with at least one liquidation.
    pub cascade_depth_steps: usize,
    /// Total bad debt written off (fund-paid + auto-deleveraged + uncovered).
    pub bad_debt: Money,
    pub uncovered_bad_debt: Money,
    /// Auto-deleveraging: what it covered, how many positions and accounts it closed (or reduced),
    /// their notional at the bankruptcy prices, and whether yours was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adl: Option<AdlSummary>,
    /// The backstop vault: what it took over and its result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backstop: Option<BackstopSummary>,
    pub insurance_fund_final: Money,
    pub liquidation_fees: Money,
    pub final_equity: Money,
    /// Liquidations of accounts other than yours, summed over steps (an account liquidated at two
    /// steps counts twice; [`Run::crowd_accounts_hit`] counts accounts).
    pub crowd_accounts_liquidated: u32,
    pub crowd_liquidated_notional: Money,
    pub assets: BTreeMap<String, AssetSummary>,
    /// Each of your positions' liquidation price at the opening (`liqprice.rs`), or why there is none.
    #[serde(default)]
    pub liquidation_price_at_open: BTreeMap<String, OpeningPrice>,
}

/// A position's liquidation price at the opening, or why there is none.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct OpeningPrice {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<crate::types::Price>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why_none: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Outcome {
    pub name: String,
    /// Names of the hand-listed accounts, by index.
    pub explicit_names: Vec<String>,
    pub symbols: Vec<String>,
    pub step_minutes: rust_decimal::Decimal,
    pub main: Run,
    pub no_feedback: Run,
    pub other_mode: Run,
    pub summary: RunSummary,
    pub no_feedback_summary: RunSummary,
    pub other_mode_summary: RunSummary,
    pub notices: Vec<String>,
    /// Whether any of the three runs valued a position, or collateral, while its market stood
    /// apart from the index (see [`RulesMatter`]).
    pub rules_matter: RulesMatter,
}

/// Run a validated model: main run plus both counterfactuals.
pub fn simulate(m: &Model) -> Outcome {
    let exo = market::exogenous_path(m);
    let main = sim::run(m, &exo, m.feedback, &m.focal);
    counterfactuals(m, &exo, main)
}

/// The main run alone, with its summary (healthy positions closed are not compared: no other
/// run): what a comparison under another venue's rules needs.
pub fn simulate_main(m: &Model) -> (Run, RunSummary) {
    let exo = market::exogenous_path(m);
    let main = sim::run(m, &exo, m.feedback, &m.focal);
    let symbols: Vec<String> = m.assets.iter().map(|a| a.symbol.clone()).collect();
    let summary = summarize(&symbols, &main, &main);
    (main, summary)
}

/// [`simulate`], also keeping what a look at one step of the main run needs without replaying
/// it: the exogenous path and the main run's state after step `keep` (see [`sim::run_keeping`]).
pub fn simulate_keeping(m: &Model, keep: Option<usize>) -> (Outcome, market::ExoPath, sim::State) {
    let exo = market::exogenous_path(m);
    let (main, kept) = sim::run_keeping(m, &exo, m.feedback, &m.focal, keep);
    (counterfactuals(m, &exo, main), exo, kept)
}

/// The two counterfactuals of a main run on its exogenous path, and the summaries.
fn counterfactuals(m: &Model, exo: &market::ExoPath, main: Run) -> Outcome {
    let no_feedback = sim::run(m, exo, false, &m.focal);
    let other_mode = sim::run(m, exo, m.feedback, &m.focal_other);
    let symbols: Vec<String> = m.assets.iter().map(|a| a.symbol.clone()).collect();
    let summary = summarize(&symbols, &main, &other_mode);
    let no_feedback_summary = summarize(&symbols, &no_feedback, &main);
    let other_mode_summary = summarize(&symbols, &other_mode, &main);
    let rules_matter = main.rules_matter.either(no_feedback.rules_matter).either(other_mode.rules_matter);
    Outcome {
        name: m.name.clone(),
        explicit_names: m.explicit.iter().map(|a| a.name.clone()).collect(),
        symbols,
        step_minutes: m.step_minutes,
        main,
        no_feedback,
        other_mode,
        summary,
        no_feedback_summary,
        other_mode_summary,
        notices: m.notices.clone(),
        rules_matter,
    }
}

fn max_drawdown_pct(xs: &[f64]) -> f64 {
    let mut peak = f64::MIN;
    let mut dd: f64 = 0.0;
    for &x in xs {
        peak = peak.max(x);
        if peak > 0.0 {
            dd = dd.max((peak - x) / peak);
        }
    }
    round4(dd * 100.0)
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// The focal account's liquidations: (asset, step, only a chunk).
fn closed_positions(symbols: &[String], r: &Run) -> Vec<(usize, usize, bool)> {
    r.events
        .iter()
        .filter(|e| e.account == AccountId::Focal)
        .filter_map(|e| match &e.kind {
            EventKind::Liquidation { asset, partial, .. } => Some((*asset, e.step, *partial)),
            _ => None,
        })
        .filter(|(a, _, _)| *a < symbols.len())
        .collect()
}

/// What auto-deleveraging did in run `r` (`None`: nothing).
fn adl_summary(r: &Run) -> Option<AdlSummary> {
    let mut s =
        AdlSummary { paid: Money::ZERO, accounts: 0, positions: 0, notional: Money::ZERO, focal_paid: Money::ZERO };
    // (account, asset): a position deleveraged in parts counts once
    let mut positions = vec![];
    for e in &r.events {
        let EventKind::Adl { asset, quantity, price, paid, .. } = e.kind else { continue };
        s.paid += paid;
        s.notional += quantity.abs() * price;
        if e.account == AccountId::Focal {
            s.focal_paid += paid;
        }
        positions.push((e.account, asset));
    }
    positions.sort_unstable();
    positions.dedup();
    s.positions = positions.len() as u32;
    positions.dedup_by_key(|p| p.0);
    s.accounts = positions.len() as u32;
    (s.positions > 0).then_some(s)
}

/// Summarise run `r`; `cmp` is the run whose focal account it is compared with.
pub fn summarize(symbols: &[String], r: &Run, cmp: &Run) -> RunSummary {
    let s = &r.series;
    let focal_liquidated_step = r.events.iter().find(|e| e.liquidates_focal()).map(|e| e.step);
    let closed = closed_positions(symbols, r);
    let kept_in_cmp = |asset: usize| cmp.focal().positions.iter().any(|p| p.asset == asset);
    let to_named = |v: &[(usize, usize, bool)]| -> Vec<ClosedPosition> {
        v.iter().map(|&(a, step, partial)| ClosedPosition { asset: symbols[a].clone(), step, partial }).collect()
    };
    let healthy: Vec<(usize, usize, bool)> = closed.iter().copied().filter(|&(a, _, p)| !p && kept_in_cmp(a)).collect();

    let mut liq_steps = vec![false; s.insurance_fund.len()];
    for e in r.events.iter().filter(|e| e.liquidates()) {
        liq_steps[e.step] = true;
    }
    let (mut depth, mut cur) = (0, 0);
    for &b in &liq_steps {
        cur = if b { cur + 1 } else { 0 };
        depth = depth.max(cur);
    }
    let mut assets = BTreeMap::new();
    for (i, sym) in symbols.iter().enumerate() {
        let exo = max_drawdown_pct(&s.exogenous_price_f[i]);
        let real = max_drawdown_pct(&s.price_f[i]);
        let amplification = if exo > 1e-4 { Some(round4(real / exo)) } else { None };
        assets.insert(
            sym.clone(),
            AssetSummary { exogenous_drawdown_pct: exo, realized_drawdown_pct: real, amplification },
        );
    }
    let crowd_accounts_liquidated = s.crowd_accounts_liquidated.iter().sum();
    RunSummary {
        focal_mode: r.focal_mode,
        focal_liquidated_step,
        focal_positions_closed: to_named(&closed),
        healthy_positions_closed: to_named(&healthy),
        cascade_depth_steps: depth,
        bad_debt: r.fund.bad_debt_paid + r.fund.adl_paid + r.fund.uncovered_bad_debt,
        uncovered_bad_debt: r.fund.uncovered_bad_debt,
        adl: adl_summary(r),
        backstop: (r.vault.takeovers > 0).then(|| BackstopSummary {
            takeovers: r.vault.takeovers,
            notional: r.vault.notional,
            transferred: r.vault.cash,
            result: r.vault_result,
            focal_step: r
                .events
                .iter()
                .find(|e| e.account == AccountId::Focal && matches!(e.kind, EventKind::Backstop { .. }))
                .map(|e| e.step),
        }),
        insurance_fund_final: r.fund.balance,
        liquidation_fees: r.fund.fees_received,
        final_equity: *s.focal_equity.last().unwrap_or(&Money::ZERO),
        crowd_accounts_liquidated,
        crowd_liquidated_notional: s.crowd_liquidated_notional.iter().copied().sum(),
        assets,
        liquidation_price_at_open: r
            .focal_assets
            .iter()
            .zip(&s.focal_liquidation_price)
            .filter_map(|(&a, l)| {
                let l = *l.first()?;
                Some((
                    symbols.get(a)?.clone(),
                    OpeningPrice { price: l.price(), why_none: l.why_none().map(String::from) },
                ))
            })
            .collect(),
    }
}
