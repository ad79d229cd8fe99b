//! The Monte Carlo risk map: a grid over two of the page's numeric controls (`lev.0`, `corr`, …),
//! and in every cell `paths` random paths of the scenario with noise on.
//!
//! Terms:
//!
//! * *path* — one main run of the cell's scenario with the random walk drawn from one seed. The
//!   seeds are the same in every cell (*common random numbers*): neighbouring cells differ only
//!   by the parameter, so a map's texture is the parameter's, not the dice's. Path `k`'s seed
//!   is [`path_seed`] of the scenario's seed and `k`;
//! * per cell: the *probability of liquidation* (your account's first liquidation in a path,
//!   with its 95 % Wilson interval), the *expected shortfall* of your final equity at 5 % (the
//!   mean of the worst 5 % of paths, at least one), the *liquidation-at-risk* (the 95th
//!   percentile, nearest rank, of the crowd's liquidated notional), the probability that the
//!   *insurance fund is exhausted* (a bad debt it could not pay in full: the rest uncovered or
//!   auto-deleveraged; a fund that starts empty is exhausted only by a bad debt), and the *worst
//!   path*'s seed (lowest final equity), which reopens that path as a scenario.
//!
//! Each cell validates its scenario once and runs its paths on that model, the seed changed
//! (the seed draws only the random walk).

use super::controls::{self, Kind};
use crate::engine::model::Model;
use crate::engine::outcome::simulate_main;
use crate::engine::scenario::{limits, Scenario};
use crate::error::{Error, Result};
use crate::types::Money;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// The most points on one axis, paths in a cell, and runs in a whole map.
pub const MAX_POINTS: usize = 51;
pub const MAX_PATHS: u32 = 10_000;
pub const MAX_RUNS: u64 = 2_000_000;

/// One axis: a numeric control from `min` to `max` in `n` evenly spaced values (`n` = 1: `min`).
#[derive(Clone, Debug, PartialEq)]
pub struct Range {
    pub key: String,
    pub min: f64,
    pub max: f64,
    pub n: usize,
}

impl Range {
    /// Read `KEY=MIN:MAX:N` (`lev.0=2:20:10`); the words name what is wrong.
    pub fn parse(text: &str) -> Result<Range> {
        const FORM: &str = "KEY=MIN:MAX:N, e.g. lev.0=2:20:10";
        let bad = |why: &str| crate::engine::surface::axis_error(text, FORM, why);
        let (key, min, max, n) = crate::engine::surface::axis_text(text, FORM)?;
        let r = Range { key: key.to_string(), min, max, n };
        if r.n == 0 || r.n > MAX_POINTS {
            return Err(bad(&format!("N must be 1 to {MAX_POINTS} points, got {}", r.n)));
        }
        if r.min > r.max || (r.n > 1 && r.min == r.max) {
            return Err(bad(&format!("MIN ({}) must be below MAX ({})", r.min, r.max)));
        }
        Ok(r)
    }

    /// The value at point `k`.
    pub fn at(&self, k: usize) -> f64 {
        if self.n == 1 {
            return self.min;
        }
        self.min + (self.max - self.min) * k as f64 / (self.n - 1) as f64
    }

    /// The value at point `k` as a control value (six decimals at most).
    pub fn value(&self, k: usize) -> String {
        crate::types::short(self.at(k), 6)
    }

    /// The same range in `n` points.
    pub fn with_points(&self, n: usize) -> Range {
        Range { n, ..self.clone() }
    }
}

/// Path `k`'s seed from the scenario's `seed`: SplitMix64 of their sum, kept below 2^53 (a seed
/// a link and JavaScript carry exactly).
pub fn path_seed(seed: u64, k: u32) -> u64 {
    let mut z = seed.wrapping_add((k as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) & limits::MAX_SEED
}

/// One cell's figures.
#[derive(Clone, Debug, PartialEq)]
pub struct Stats {
    pub paths: u32,
    pub liquidated: u32,
    /// The 95 % Wilson interval of the probability of liquidation.
    pub interval: (f64, f64),
    /// The mean of the worst 5 % of final equities (at least one path), to the cent.
    pub expected_shortfall: Money,
    /// The 95th percentile (nearest rank) of the crowd's liquidated notional.
    pub liquidation_at_risk: Money,
    pub fund_exhausted: u32,
    /// The seed of the path with the lowest final equity (the first of equals).
    pub worst_seed: u64,
}

impl Stats {
    pub fn p_liquidation(&self) -> f64 {
        self.liquidated as f64 / self.paths as f64
    }

    pub fn p_fund_exhausted(&self) -> f64 {
        self.fund_exhausted as f64 / self.paths as f64
    }
}

/// The 95 % Wilson score interval of `k` successes in `n` trials.
pub fn wilson(k: u32, n: u32) -> (f64, f64) {
    let (n, p, z) = (n as f64, k as f64 / n as f64, 1.959_963_984_540_054);
    let d = 1.0 + z * z / n;
    let c = (p + z * z / (2.0 * n)) / d;
    let h = z * libm::sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n)) / d;
    ((c - h).max(0.0), (c + h).min(1.0))
}

/// A map, ready to run cell by cell (in any order, on any thread).
#[derive(Clone, Debug)]
pub struct Plan {
    /// The scenario the controls apply to (noise on).
    base: Scenario,
    /// The controls' values already set (a link's), kept under the grid's two.
    values: BTreeMap<String, String>,
    pub x: Range,
    pub y: Range,
    pub seeds: Vec<u64>,
    /// The controls' labels, for the axes.
    pub labels: (String, String),
    /// Why an axis's control cannot change this scenario's outcome, if it cannot.
    pub notices: Vec<String>,
}

impl Plan {
    /// Plan a map over `base` with `values` set: both keys numeric controls of it, each range
    /// inside its control's, `paths` from 1 to [`MAX_PATHS`], at most [`MAX_RUNS`] runs in all.
    pub fn new(base: &Scenario, values: &BTreeMap<String, String>, x: Range, y: Range, paths: u32) -> Result<Plan> {
        // the values in canonical form: a value the base already has is left out (a link may
        // carry one), and noise is on
        let own: BTreeMap<String, String> = controls::describe(base).into_iter().map(|c| (c.key, c.value)).collect();
        let mut values: BTreeMap<String, String> =
            values.iter().filter(|(k, v)| own.get(*k) != Some(*v)).map(|(k, v)| (k.clone(), v.clone())).collect();
        values.insert("noise".into(), "true".into());
        let s = controls::apply(base, &values)?;
        let all = axis_controls(&s);
        let numeric: Vec<&str> = all.iter().map(|c| c.key.as_str()).collect();
        let label = |r: &Range, notices: &mut Vec<String>| -> Result<String> {
            let c = all.iter().find(|c| c.key == r.key);
            let Some(c) = c else {
                return Err(Error::Input(format!(
                    "unknown control key {:?} for an axis (the numeric controls here: {})",
                    r.key,
                    numeric.join(", ")
                )));
            };
            let Kind::Number { min, max, step } = c.kind else { unreachable!() };
            if r.min < min || r.max > max {
                return Err(Error::Input(format!(
                    "{} ({}) goes from {min} to {max}; the axis asks {} to {}",
                    c.label, c.key, r.min, r.max
                )));
            }
            if step >= 1.0 && (0..r.n).any(|k| r.at(k).fract().abs() > 1e-9) {
                return Err(Error::Input(format!(
                    "{} ({}) takes whole numbers: choose MIN, MAX and N so that every point is one (e.g. {}={}:{}:{})",
                    c.label,
                    c.key,
                    c.key,
                    r.min.round(),
                    r.min.round() + (r.n.max(2) - 1) as f64,
                    r.n
                )));
            }
            if let (false, Some(why)) = (c.enabled, &c.reason) {
                notices.push(format!("{} ({}): {why}", c.label, c.key));
            }
            Ok(c.label.clone())
        };
        let mut notices = vec![];
        let labels = (label(&x, &mut notices)?, label(&y, &mut notices)?);
        if x.key == y.key {
            return Err(Error::Input(format!("the two axes need two different controls, both are {}", x.key)));
        }
        if paths == 0 || paths > MAX_PATHS {
            return Err(Error::Input(format!("paths must be 1 to {MAX_PATHS}, got {paths}")));
        }
        let runs = (x.n * y.n) as u64 * paths as u64;
        if runs > MAX_RUNS {
            return Err(Error::Input(format!(
                "{}×{} cells × {paths} paths is {runs} runs; at most {MAX_RUNS}",
                x.n, y.n
            )));
        }
        // every cell's scenario must be valid: say which one is not before any work
        for (i, j) in [(0, 0), (x.n - 1, 0), (0, y.n - 1), (x.n - 1, y.n - 1)] {
            Model::from_scenario(&cell_scenario(base, &values, &x, &y, i, j)?)?;
        }
        let seeds = (0..paths).map(|k| path_seed(s.seed, k)).collect();
        Ok(Plan { base: base.clone(), values, x, y, seeds, labels, notices })
    }

    pub fn cells(&self) -> usize {
        self.x.n * self.y.n
    }

    /// The control values of cell (`i`, `j`): the link's, noise on, and the grid's two.
    pub fn values(&self, i: usize, j: usize) -> BTreeMap<String, String> {
        let mut v = self.values.clone();
        v.insert(self.x.key.clone(), self.x.value(i));
        v.insert(self.y.key.clone(), self.y.value(j));
        v
    }

    /// Run cell (`i` along x, `j` along y): every path.
    pub fn cell(&self, i: usize, j: usize) -> Result<Stats> {
        let mut m = Model::from_scenario(&cell_scenario(&self.base, &self.values, &self.x, &self.y, i, j)?)?;
        let mut liquidated = 0;
        let mut fund_exhausted = 0;
        let mut finals: Vec<(Money, u64)> = Vec::with_capacity(self.seeds.len());
        let mut crowd: Vec<Money> = Vec::with_capacity(self.seeds.len());
        for &seed in &self.seeds {
            m.seed = seed;
            let (_, summary) = simulate_main(&m);
            liquidated += summary.focal_liquidated_step.is_some() as u32;
            // the fund could not pay a bad debt in full: the rest was socialised or deleveraged
            let short = summary.uncovered_bad_debt.0 > Decimal::ZERO
                || summary.adl.as_ref().is_some_and(|a| a.paid.0 > Decimal::ZERO);
            fund_exhausted += short as u32;
            finals.push((summary.final_equity, seed));
            crowd.push(summary.crowd_liquidated_notional);
        }
        Ok(stats(liquidated, fund_exhausted, finals, crowd))
    }
}

/// A whole map as JSON: the axes, the seeds, every cell (y outer, x inner), and `digest`, the
/// SHA-256 of the same document without it (compact, keys in order): the same map gives the
/// same digest natively and in the browser.
pub fn to_json(p: &Plan, cells: &[Stats]) -> serde_json::Value {
    use serde_json::json;
    let axis = |r: &Range, label: &str| json!({"key": r.key, "label": label, "min": r.min, "max": r.max, "n": r.n});
    let out: Vec<serde_json::Value> = (0..p.y.n)
        .flat_map(|j| (0..p.x.n).map(move |i| (i, j)))
        .zip(cells)
        .map(|((i, j), s)| {
            let at = |r: &Range, k: usize| r.value(k).parse::<f64>().unwrap_or(f64::NAN);
            json!({"x": at(&p.x, i), "y": at(&p.y, j), "paths": s.paths, "liquidated_paths": s.liquidated,
                "p_liquidation": s.p_liquidation(), "p_liquidation_95": [s.interval.0, s.interval.1],
                "expected_shortfall_5pct_final_equity": s.expected_shortfall.0.to_string(),
                "liquidation_at_risk_95": s.liquidation_at_risk.0.to_string(),
                "p_fund_exhausted": s.p_fund_exhausted(), "worst_seed": s.worst_seed})
        })
        .collect();
    let mut doc = json!({
        "format": "margin-cascade/sweep",
        "version": 1,
        "scenario": p.base.name,
        "values": p.values,
        "x": axis(&p.x, &p.labels.0),
        "y": axis(&p.y, &p.labels.1),
        "notices": p.notices,
        "paths": p.seeds.len(),
        "seeds": p.seeds,
        "cells": out,
    });
    let digest = sha256_hex(doc.to_string().as_bytes());
    doc["digest"] = json!(digest);
    doc
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A whole map as CSV, a row per cell.
pub fn to_csv(p: &Plan, cells: &[Stats]) -> String {
    let mut out = format!(
        "{},{},paths,liquidated_paths,p_liquidation,p_liquidation_lo95,p_liquidation_hi95,expected_shortfall_5pct_final_equity,liquidation_at_risk_95,p_fund_exhausted,worst_seed\n",
        p.x.key, p.y.key
    );
    let cell = (0..p.y.n).flat_map(|j| (0..p.x.n).map(move |i| (i, j)));
    for ((i, j), s) in cell.zip(cells) {
        out += &format!(
            "{},{},{},{},{},{},{},{},{},{},{}\n",
            p.x.value(i),
            p.y.value(j),
            s.paths,
            s.liquidated,
            s.p_liquidation(),
            s.interval.0,
            s.interval.1,
            s.expected_shortfall.0,
            s.liquidation_at_risk.0,
            s.p_fund_exhausted(),
            s.worst_seed
        );
    }
    out
}

/// The controls an axis can take in scenario `s`: its numeric ones but the seed (a seed is what
/// the paths vary, not a parameter).
pub fn axis_controls(s: &Scenario) -> Vec<controls::Control> {
    controls::describe(s).into_iter().filter(|c| matches!(c.kind, Kind::Number { .. }) && c.key != "seed").collect()
}

/// The default range of a control on a map's axis, 10 points: a position's leverage from 1× to
/// 25×, the correlation from 0 to 0.9, the crowd's lowest leverage up to its highest (and the
/// highest down to the lowest), anything else its control's whole range (whole numbers kept
/// whole). `lev.0` in a scenario without positions is its first numeric control.
pub fn default_range(base: &Scenario, values: &BTreeMap<String, String>, key: &str) -> Result<Range> {
    let s = controls::apply(base, values)?;
    let axes = axis_controls(&s);
    let c = axes.iter().find(|c| c.key == key);
    let c = match (c, key) {
        (Some(c), _) => c,
        (None, "lev.0") => {
            axes.iter().find(|c| c.key != "corr").ok_or_else(|| Error::Input("no numeric control to sweep".into()))?
        }
        (None, _) => return Err(Error::Input(format!("unknown control key {key:?} for an axis"))),
    };
    let Kind::Number { min, max, step } = c.kind else { unreachable!() };
    let value = |k: &str| axes.iter().find(|c| c.key == k).and_then(|c| c.value.parse::<f64>().ok());
    let (min, max) = match c.key.as_str() {
        k if k.starts_with("lev.") => (1.0, 25.0),
        "corr" => (0.0, 0.9),
        "crowd.lev_min" => (min, value("crowd.lev_max").unwrap_or(max)),
        "crowd.lev_max" => (value("crowd.lev_min").unwrap_or(min), max),
        _ => (min, max),
    };
    let (max, n) = if step >= 1.0 {
        // whole numbers: nine whole gaps, or one point per whole number
        let span = max - min;
        if span >= 9.0 {
            (min + (span / 9.0).floor() * 9.0, 10)
        } else {
            (max, span as usize + 1)
        }
    } else {
        (max, 10)
    };
    Ok(Range { key: c.key.clone(), min, max, n: n.max(1) })
}

/// What the heat map draws: the probability of liquidation of each cell computed so far.
pub fn map_data(p: &Plan, cells: &[Option<Stats>]) -> crate::output::chart::RiskMap {
    crate::output::chart::RiskMap {
        title: format!("Risk map: P(liquidation) of your account, {} random paths a cell", p.seeds.len()),
        x_label: p.labels.0.clone(),
        y_label: p.labels.1.clone(),
        xs: (0..p.x.n).map(|i| p.x.at(i)).collect(),
        ys: (0..p.y.n).map(|j| p.y.at(j)).collect(),
        p: cells.iter().map(|c| c.as_ref().map_or(f64::NAN, Stats::p_liquidation)).collect(),
    }
}

/// The map in characters: the probability of liquidation per cell, in tenths (`0`–`9`, `*` for
/// 100 %), y down the side (largest at the top).
pub fn text(p: &Plan, cells: &[Stats]) -> String {
    let mut out = format!(
        "{}: P(liquidation) over {} paths a cell, in tenths; {} across, {} down\n",
        p.base.name,
        p.seeds.len(),
        p.labels.0,
        p.labels.1
    );
    for n in &p.notices {
        out += &format!("notice: {n}\n");
    }
    for j in (0..p.y.n).rev() {
        out += &format!("{:>10} ", p.y.value(j));
        for i in 0..p.x.n {
            let q = cells[j * p.x.n + i].p_liquidation();
            out.push(if q >= 1.0 { '*' } else { char::from(b'0' + (q * 10.0) as u8) });
        }
        out.push('\n');
    }
    out += &format!("{:>11}{} {} … {}\n", "", p.x.key, p.x.value(0), p.x.value(p.x.n - 1));
    out
}

/// The scenario of cell (`i`, `j`).
fn cell_scenario(
    base: &Scenario,
    values: &BTreeMap<String, String>,
    x: &Range,
    y: &Range,
    i: usize,
    j: usize,
) -> Result<Scenario> {
    let mut v = values.clone();
    v.insert(x.key.clone(), x.value(i));
    v.insert(y.key.clone(), y.value(j));
    controls::apply(base, &v)
}

fn stats(liquidated: u32, fund_exhausted: u32, mut finals: Vec<(Money, u64)>, mut crowd: Vec<Money>) -> Stats {
    let n = finals.len() as u32;
    // the lowest final equity first; equals in path order (a stable sort)
    finals.sort_by_key(|f| f.0);
    let tail = (n as usize).div_ceil(20).max(1);
    let sum: Money = finals[..tail].iter().map(|f| f.0).sum();
    let expected_shortfall = Money((sum.0 / Decimal::from(tail as u64)).round_dp(2));
    crowd.sort();
    let rank = ((n as usize) * 95).div_ceil(100).max(1);
    Stats {
        paths: n,
        liquidated,
        interval: wilson(liquidated, n),
        expected_shortfall,
        liquidation_at_risk: crowd[rank - 1],
        fund_exhausted,
        worst_seed: finals[0].1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_intervals_match_the_textbook() {
        // k = 0 of 10: (0, 0.2775); 5 of 10: (0.2366, 0.7634); 10 of 10: (0.7225, 1)
        let r = |(a, b): (f64, f64)| ((a * 10_000.0).round() / 10_000.0, (b * 10_000.0).round() / 10_000.0);
        assert_eq!(r(wilson(0, 10)), (0.0, 0.2775));
        assert_eq!(r(wilson(5, 10)), (0.2366, 0.7634));
        assert_eq!(r(wilson(10, 10)), (0.7225, 1.0));
    }

    #[test]
    fn tail_figures_by_rank() {
        // 20 paths: the worst 5 % is one path; the 95th percentile is rank 19 of 20
        let finals: Vec<(Money, u64)> = (0..20).map(|k| (Money(Decimal::from(100 - k as i64)), k)).collect();
        let crowd: Vec<Money> = (1..=20).map(|k| Money(Decimal::from(k * 10))).collect();
        let s = stats(3, 1, finals, crowd);
        assert_eq!((s.expected_shortfall, s.worst_seed), (Money(Decimal::from(81)), 19));
        assert_eq!(s.liquidation_at_risk, Money(Decimal::from(190)));
        // 40 paths: the worst two, (61 + 62) / 2
        let finals: Vec<(Money, u64)> = (0..40).map(|k| (Money(Decimal::from(100 - k as i64)), k)).collect();
        let s = stats(0, 0, finals, vec![Money::ZERO; 40]);
        assert_eq!(s.expected_shortfall, Money(Decimal::new(615, 1)));
    }

    #[test]
    fn seeds_stay_below_2_53_and_differ() {
        let s: Vec<u64> = (0..1000).map(|k| path_seed(42, k)).collect();
        assert!(s.iter().all(|&x| x <= limits::MAX_SEED));
        let mut d = s.clone();
        d.sort();
        d.dedup();
        assert_eq!(d.len(), 1000);
    }

    #[test]
    fn a_range_is_read_or_refused_in_words() {
        let r = Range::parse("lev.0=2:20:10").unwrap();
        assert_eq!((r.key.as_str(), r.at(0), r.at(9), r.value(1)), ("lev.0", 2.0, 20.0, "4".to_string()));
        assert_eq!(Range::parse("corr=0.5:0.5:1").unwrap().at(0), 0.5);
        for (t, why) in [
            ("lev.0=2:20:0", "N must be 1 to 51 points, got 0"),
            ("lev.0=20:2:5", "MIN (20) must be below MAX (2)"),
            ("lev.0", "no '='"),
            ("lev.0=a:2:3", "MIN \"a\" is not a number"),
        ] {
            let e = Range::parse(t).unwrap_err().to_string();
            assert!(e.contains(why), "{t}: {e}");
        }
    }
}
