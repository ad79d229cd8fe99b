//! Validation: turn a [`Scenario`] document into the engine's resolved [`Model`], or report
//! *every* problem at once, each with its JSON path and the rule it breaks.

use super::account::{AccountInit, Mode};
use super::asset::{known, Asset};
use super::book::{Book, BookPosition};
use super::crowd::{self, CrowdMemo};
use super::linalg;
use super::margin::{self, Brackets};
use super::model::{AdlRule, ImpactModel, Model, Policy, Shock};
use super::pricing::{MarkRule, Source};
use super::scenario::{
    self, limits, AccountSpec, AdlSpec, AssetSpec, CorrelationSpec, ImpactModelSpec, MarkPriceSpec, ModeSpec,
    PolicySpec, PositionSpec, PriceSourceSpec, Scenario, SideSpec,
};
use super::venues;
use crate::error::{Error, Problem};
use crate::types::{Money, Price, Qty, Ratio};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

struct V {
    problems: Vec<Problem>,
}

impl V {
    fn err(&mut self, path: impl Into<String>, msg: impl Into<String>) {
        self.problems.push(Problem { path: path.into(), message: msg.into() });
    }
    fn finite_in(&mut self, path: &str, x: f64, lo: f64, hi: f64, what: &str) -> bool {
        if !x.is_finite() || x < lo || x > hi {
            let f = |v: f64| crate::types::short(v, 6);
            self.err(path, format!("must be {what} (between {} and {}), got {}", f(lo), f(hi), f(x)));
            false
        } else {
            true
        }
    }
    fn dec_in(&mut self, path: &str, x: Decimal, lo: Decimal, lo_incl: bool, hi: Decimal, what: &str) -> bool {
        let lo_ok = if lo_incl { x >= lo } else { x > lo };
        if !lo_ok || x > hi {
            let op = if lo_incl { "≥" } else { ">" };
            self.err(path, format!("must be {what} ({op} {lo} and ≤ {hi}), got {x}"));
            false
        } else {
            true
        }
    }
}

fn usd_max() -> Decimal {
    Decimal::from(limits::MAX_USD)
}

impl Model {
    /// Validate a scenario and resolve it. All problems are reported together.
    pub fn from_scenario(s: &Scenario) -> crate::error::Result<Model> {
        Self::from_scenario_with(s, &mut CrowdMemo::default())
    }

    /// [`Model::from_scenario`], the crowd copied from `memo` when its inputs are those of the
    /// last crowd it keeps (the same model either way).
    pub fn from_scenario_with(s: &Scenario, memo: &mut CrowdMemo) -> crate::error::Result<Model> {
        let mut v = V { problems: vec![] };
        if !(1..=scenario::FORMAT_VERSION).contains(&s.version) {
            v.err(
                "version",
                format!("must be 1, 2 or {} (the format versions), got {}", scenario::FORMAT_VERSION, s.version),
            );
        }
        let upgraded = s.upgraded();
        let mut notices: Vec<String> = venues::replaced_notice(&upgraded).into_iter().collect();
        // a venue pack's rules replace the scenario's own from here on
        let resolved = venues::resolved(&upgraded);
        let s = &resolved;
        check_run(&mut v, s);
        let fund0 = s.insurance_fund_usd;
        let assets = resolve_assets(&mut v, s);
        let (corr, chol) = resolve_correlation(&mut v, &s.correlation, &assets, &mut notices);
        let shocks = resolve_shocks(&mut v, s, &assets);
        let (impact, policy, fee_rate) = resolve_impact_and_liquidation(&mut v, s);
        let mark = resolve_mark(&mut v, s);
        let backstop = resolve_backstop(&mut v, s);
        check_adl(&mut v, s);
        let acc = resolve_accounts(&mut v, s, &assets, &mut notices, memo);
        notices.extend(above_max_leverage(upgraded.venue, &acc, &assets));
        notices.extend(never_stepped_down(&policy, &assets));

        if !v.problems.is_empty() {
            return Err(Error::Invalid(v.problems));
        }
        // The same book in the other mode: the counterfactual. It may open liquidatable (it is
        // then liquidated at the first step); it cannot be invalid on its own.
        let focal_other = match acc.focal_book.margined(acc.focal_mode.other(), &assets) {
            Ok(a) => a,
            Err(e) => {
                notices.push(format!("The {} counterfactual is not possible: {e}.", acc.focal_mode.other().name()));
                acc.focal_book.cross()
            }
        };
        let dt = crate::types::dec_to_f64(s.step_minutes) / 525_600.0;
        Ok(Model {
            name: s.name.clone(),
            venue: upgraded.venue,
            steps: s.steps,
            step_minutes: s.step_minutes,
            dt,
            seed: s.seed,
            noise: s.noise,
            feedback: s.feedback,
            assets,
            corr,
            chol,
            shocks,
            impact,
            cross_impact: s.impact.cross_impact,
            policy,
            fee_rate,
            backstop,
            adl: match s.liquidation.adl {
                // checked in `check_adl`
                AdlSpec::Off => AdlRule::Off,
                AdlSpec::Queue => AdlRule::Queue,
                AdlSpec::ProRata => AdlRule::ProRata,
            },
            mark,
            fund0,
            focal_book: acc.focal_book,
            focal: acc.focal,
            focal_other,
            explicit: acc.explicit,
            cohorts: acc.cohorts,
            crowd_accounts: acc.crowd_accounts,
            notices,
        })
    }
}

/// Check the run's own settings: steps, step length, seed and insurance fund.
fn check_run(v: &mut V, s: &Scenario) {
    if s.steps == 0 || s.steps > limits::MAX_STEPS {
        v.err("steps", format!("must be between 1 and {} (the step limit), got {}", limits::MAX_STEPS, s.steps));
    }
    if s.step_minutes <= Decimal::ZERO || s.step_minutes > Decimal::from(1440) {
        v.err("step_minutes", format!("must be > 0 and ≤ 1440 (one day), got {}", s.step_minutes));
    }
    if s.seed > limits::MAX_SEED {
        v.err(
            "seed",
            format!("must be ≤ {} (2^53 − 1, so that it survives JavaScript), got {}", limits::MAX_SEED, s.seed),
        );
    }
    v.dec_in("insurance_fund_usd", s.insurance_fund_usd.0, Decimal::ZERO, true, usd_max(), "a USD amount");
}

/// The index of the asset with this symbol.
fn index_of(assets: &[Asset], sym: &str) -> Option<usize> {
    assets.iter().position(|a| a.symbol == sym.trim())
}

/// Check and resolve the assets.
fn resolve_assets(v: &mut V, s: &Scenario) -> Vec<Asset> {
    if s.assets.is_empty() {
        v.err("assets", "must list at least one asset");
    }
    if s.assets.len() > limits::MAX_ASSETS {
        v.err(
            "assets",
            format!("at most {} assets are allowed (the asset limit), got {}", limits::MAX_ASSETS, s.assets.len()),
        );
    }
    (0..s.assets.len()).map(|i| resolve_asset(v, &s.assets, i)).collect()
}

/// Check and resolve asset `i` of `specs`.
fn resolve_asset(v: &mut V, specs: &[AssetSpec], i: usize) -> Asset {
    let a = &specs[i];
    let p = |f: &str| format!("assets[{i}].{f}");
    let sym = check_symbol(v, specs, i);
    v.dec_in(&p("price"), a.price.0, Decimal::ZERO, false, Decimal::from(limits::MAX_PRICE), "a positive price");
    v.dec_in(&p("tick"), a.tick.0, Decimal::ZERO, false, a.price.0.max(Decimal::ZERO), "> 0 and not above the price");
    v.finite_in(&p("sigma"), a.sigma, 0.0, limits::MAX_SIGMA, "an annualised volatility");
    v.dec_in(&p("depth_usd"), a.depth_usd.0, Decimal::ZERO, false, usd_max(), "a positive USD depth");
    let decay = match a.half_life_steps {
        Some(h) if v.finite_in(&p("half_life_steps"), h, 0.01, 1e9, "a positive number of steps") => {
            libm::pow(2.0, -1.0 / h)
        }
        _ => 1.0,
    };
    let vol = a.daily_volume_usd.map(|m| m.0).unwrap_or(a.depth_usd.0 * Decimal::from(50));
    if a.daily_volume_usd.is_some() {
        v.dec_in(&p("daily_volume_usd"), vol, Decimal::ZERO, false, usd_max(), "a positive USD volume");
    }
    v.dec_in(&p("haircut"), a.haircut.0, Decimal::ZERO, true, Decimal::ONE, "a fraction");
    let brackets = resolve_brackets(v, i, a);
    let tiers = resolve_tiers(v, i, a);
    Asset {
        symbol: sym.to_string(),
        price0: a.price,
        tick: if a.tick.0 > Decimal::ZERO { a.tick } else { Price(Decimal::new(1, 2)) },
        tick_f: if a.tick.0 > Decimal::ZERO { crate::types::dec_to_f64(a.tick.0) } else { 0.01 },
        sigma: a.sigma,
        depth_usd: crate::types::dec_to_f64(a.depth_usd.0),
        decay,
        daily_volume_usd: crate::types::dec_to_f64(vol),
        haircut: tiers.first_haircut(),
        tiers,
        stable: a.is_stable(),
        brackets,
        collateral_price: match a.collateral_price {
            PriceSourceSpec::Market => Source::Market,
            PriceSourceSpec::Index => Source::Index,
        },
    }
}

/// Check the symbol of asset `i` (well formed, not "USD", not listed before); returns it trimmed.
fn check_symbol<'a>(v: &mut V, specs: &'a [AssetSpec], i: usize) -> &'a str {
    let a = &specs[i];
    let sym = a.symbol.trim();
    let path = format!("assets[{i}].symbol");
    if sym.is_empty()
        || sym.len() > 16
        || !sym.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    {
        v.err(path, format!("must be 1–16 letters, digits, '-', '_' or '.', got {:?}", a.symbol));
    } else if sym.eq_ignore_ascii_case("USD") {
        v.err(path, "\"USD\" is reserved for the account currency (cash); name the asset e.g. \"USDC\"");
    } else if specs[..i].iter().any(|b| b.symbol.trim() == sym) {
        v.err(path, format!("{sym:?} is listed twice"));
    }
    sym
}

/// Check and resolve asset `i`'s collateral tiers (its flat haircut when it has none, or when they
/// are invalid).
fn resolve_tiers(v: &mut V, i: usize, a: &AssetSpec) -> margin::Tiers {
    let p = |f: &str| format!("assets[{i}].{f}");
    let Some(rows) = &a.collateral_tiers else {
        return margin::Tiers::flat(a.haircut);
    };
    let mut ok = true;
    if !a.haircut.0.is_zero() {
        v.err(p("haircut"), "give a flat haircut or collateral_tiers, not both");
        ok = false;
    }
    if rows.is_empty() || rows.len() > limits::MAX_BRACKETS {
        v.err(p("collateral_tiers"), format!("must have 1 to {} tiers, got {}", limits::MAX_BRACKETS, rows.len()));
        return margin::Tiers::flat(a.haircut);
    }
    if !rows[0].from.is_zero() {
        v.err(p("collateral_tiers[0].from"), format!("the first tier must start at 0, got {}", rows[0].from));
        ok = false;
    }
    for (k, t) in rows.iter().enumerate() {
        let at = |f: &str| p(&format!("collateral_tiers[{k}].{f}"));
        ok &= v.dec_in(&at("ratio"), t.ratio.0, Decimal::ZERO, true, Decimal::ONE, "a fraction of the value");
        ok &= v.dec_in(&at("from"), t.from.0, Decimal::ZERO, true, usd_max(), "a quantity of the asset");
        if k > 0 && t.from.0 <= rows[k - 1].from.0 {
            v.err(at("from"), "tiers must start at strictly increasing balances");
            ok = false;
        }
    }
    if !ok {
        return margin::Tiers::flat(a.haircut);
    }
    margin::Tiers::new(&rows.iter().map(|t| (t.from, t.ratio)).collect::<Vec<_>>())
}

/// Check and resolve asset `i`'s maintenance-margin brackets (a flat 0.5 % when they are invalid).
fn resolve_brackets(v: &mut V, i: usize, a: &AssetSpec) -> Brackets {
    let p = |f: &str| format!("assets[{i}].{f}");
    let rows: Vec<(Money, Ratio)> = match &a.mm_brackets {
        None => scenario::btcusdt_brackets().iter().map(|b| (b.floor, b.mmr)).collect(),
        Some(bs) => bs.iter().map(|b| (b.floor, b.mmr)).collect(),
    };
    let mut brackets_ok = true;
    if rows.is_empty() || rows.len() > limits::MAX_BRACKETS {
        v.err(p("mm_brackets"), format!("must have 1 to {} brackets, got {}", limits::MAX_BRACKETS, rows.len()));
        brackets_ok = false;
    } else {
        if !rows[0].0.is_zero() {
            v.err(p("mm_brackets[0].floor"), format!("the first bracket must start at 0, got {}", rows[0].0));
            brackets_ok = false;
        }
        for (k, (floor, mmr)) in rows.iter().enumerate() {
            let mmr_path = p(&format!("mm_brackets[{k}].mmr"));
            let floor_path = p(&format!("mm_brackets[{k}].floor"));
            if !v.dec_in(&mmr_path, mmr.0, Decimal::ZERO, false, Decimal::new(9, 1), "a rate") {
                brackets_ok = false;
            }
            if !v.dec_in(&floor_path, floor.0, Decimal::ZERO, true, usd_max(), "a USD notional") {
                brackets_ok = false;
            }
            if k > 0 && floor.0 <= rows[k - 1].0 .0 {
                v.err(floor_path, "floors must strictly increase");
                brackets_ok = false;
            }
            if k > 0 && mmr.0 < rows[k - 1].1 .0 {
                v.err(mmr_path, "rates must not decrease from one bracket to the next");
                brackets_ok = false;
            }
        }
    }
    let max_leverage = resolve_max_leverage(v, i, a);
    if brackets_ok {
        Brackets::new(&rows).with_max_leverage(max_leverage)
    } else {
        Brackets::flat(Ratio(Decimal::new(5, 3)))
    }
}

/// Check and resolve asset `i`'s maximum leverage per bracket: for every bracket or none, each at
/// least 1, not rising from one bracket to the next, and leaving room above maintenance (an
/// initial margin rate 1 / max_leverage above the bracket's rate). Empty when absent or invalid.
fn resolve_max_leverage(v: &mut V, i: usize, a: &AssetSpec) -> Vec<Decimal> {
    let Some(bs) = &a.mm_brackets else { return vec![] };
    let given = bs.iter().filter(|b| b.max_leverage.is_some()).count();
    if given == 0 {
        return vec![];
    }
    if given < bs.len() {
        v.err(
            format!("assets[{i}].mm_brackets"),
            format!("max_leverage must be given for every bracket or for none ({given} of {} have it)", bs.len()),
        );
        return vec![];
    }
    let mut out = Vec::with_capacity(bs.len());
    for (k, b) in bs.iter().enumerate() {
        let path = format!("assets[{i}].mm_brackets[{k}].max_leverage");
        let l = b.max_leverage.unwrap_or(Decimal::ONE);
        let max = Decimal::from(limits::MAX_LEVERAGE);
        if !v.dec_in(&path, l, Decimal::ONE, true, max, "a leverage") {
            return vec![];
        }
        if out.last().is_some_and(|&prev| l > prev) {
            v.err(path, "must not rise from one bracket to the next");
            return vec![];
        }
        if Decimal::ONE.checked_div(l).is_none_or(|im| im <= b.mmr.0) {
            v.err(
                path,
                format!("at {l}× the initial margin rate {} is not above the maintenance rate {}: every position would open liquidatable", (Decimal::ONE / l).round_dp(6).normalize(), b.mmr.0.normalize()),
            );
            return vec![];
        }
        out.push(l);
    }
    out
}

/// Check and resolve the correlations: (the matrix, its Cholesky factor).
fn resolve_correlation(
    v: &mut V,
    c: &CorrelationSpec,
    assets: &[Asset],
    notices: &mut Vec<String>,
) -> (linalg::Matrix, linalg::Matrix) {
    let n = assets.len();
    v.finite_in("correlation.all_pairs", c.all_pairs, -1.0, 1.0, "a correlation");
    // "All pairs" means all pairs of volatile assets: a stable asset, or one with σ = 0 (stable
    // or not), is uncorrelated unless a pair or the matrix says otherwise (it matters for
    // cross-impact).
    let mut corr: linalg::Matrix = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| {
                    if i == j {
                        1.0
                    } else if [i, j].iter().any(|&k| assets[k].stable || assets[k].sigma == 0.0) {
                        0.0
                    } else {
                        c.all_pairs
                    }
                })
                .collect()
        })
        .collect();
    if let Some(m) = &c.matrix {
        apply_correlation_matrix(v, m, &mut corr);
    }
    apply_correlation_pairs(v, c, assets, &mut corr);
    factor_correlation(v, c, corr, notices)
}

/// Check a full correlation matrix and copy it into `corr` (n×n).
fn apply_correlation_matrix(v: &mut V, m: &[Vec<f64>], corr: &mut linalg::Matrix) {
    let n = corr.len();
    if m.len() != n || m.iter().any(|r| r.len() != n) {
        v.err("correlation.matrix", format!("must be {n}×{n} (one row and column per asset, in the order of assets)"));
        return;
    }
    for i in 0..n {
        for j in 0..n {
            let x = m[i][j];
            let path = format!("correlation.matrix[{i}][{j}]");
            if i == j && x != 1.0 {
                v.err(path, format!("the diagonal must be 1, got {}", crate::types::short(x, 6)));
            } else if !x.is_finite() || !(-1.0..=1.0).contains(&x) {
                v.err(path, format!("must be a correlation between −1 and 1, got {}", crate::types::short(x, 6)));
            } else if j > i && (m[j][i] - x).abs() > 1e-12 {
                v.err(
                    path,
                    format!(
                        "the matrix must be symmetric: [{i}][{j}] = {} but [{j}][{i}] = {}",
                        crate::types::short(x, 6),
                        crate::types::short(m[j][i], 6)
                    ),
                );
            }
            corr[i][j] = x;
        }
    }
}

/// Check the pairwise correlations and set them in `corr`.
fn apply_correlation_pairs(v: &mut V, c: &CorrelationSpec, assets: &[Asset], corr: &mut linalg::Matrix) {
    for (k, pr) in c.pairs.iter().enumerate() {
        let (ia, ib) = (index_of(assets, &pr.a), index_of(assets, &pr.b));
        if ia.is_none() {
            v.err(
                format!("correlation.pairs[{k}].a"),
                format!("unknown symbol {:?} (assets: {})", pr.a, known(assets)),
            );
        }
        if ib.is_none() {
            v.err(
                format!("correlation.pairs[{k}].b"),
                format!("unknown symbol {:?} (assets: {})", pr.b, known(assets)),
            );
        }
        if !v.finite_in(&format!("correlation.pairs[{k}].rho"), pr.rho, -1.0, 1.0, "a correlation") {
            continue;
        }
        if let (Some(a), Some(b)) = (ia, ib) {
            if a == b {
                v.err(format!("correlation.pairs[{k}]"), "a pair needs two different assets");
            } else {
                corr[a][b] = pr.rho;
                corr[b][a] = pr.rho;
            }
        }
    }
}

/// Factor the correlations (repaired, if asked, when not PSD): (the matrix used, its Cholesky factor).
fn factor_correlation(
    v: &mut V,
    c: &CorrelationSpec,
    mut corr: linalg::Matrix,
    notices: &mut Vec<String>,
) -> (linalg::Matrix, linalg::Matrix) {
    let n = corr.len();
    let corr_finite = corr.iter().flatten().all(|x| x.is_finite());
    let chol = match (corr_finite, linalg::cholesky_psd(&corr)) {
        (true, Some(l)) => l,
        (true, None) => {
            let (vals, _) = linalg::symmetric_eigen(&corr);
            let min = vals.iter().cloned().fold(f64::INFINITY, f64::min);
            if c.repair {
                let fixed = linalg::nearest_correlation(&corr);
                let maxdiff = (0..n)
                    .flat_map(|i| (0..n).map(move |j| (i, j)))
                    .map(|(i, j)| (fixed[i][j] - corr[i][j]).abs())
                    .fold(0.0, f64::max);
                notices.push(format!(
                    "The correlation matrix was not positive semi-definite (smallest eigenvalue {}); the nearest valid matrix was used instead (largest change {}).",
                    crate::types::fixed(min, 4),
                    crate::types::fixed(maxdiff, 4)
                ));
                corr = fixed;
                linalg::cholesky_psd(&corr).unwrap_or_else(|| identity(n))
            } else {
                v.err(
                    "correlation",
                    format!("the correlation matrix is not positive semi-definite (smallest eigenvalue {}): these pairwise correlations cannot hold together; lower the outlying pair or set \"repair\": true to use the nearest valid matrix", crate::types::fixed(min, 4)),
                );
                identity(n)
            }
        }
        (false, _) => identity(n),
    };
    (corr, chol)
}

/// Check and resolve the shocks.
fn resolve_shocks(v: &mut V, s: &Scenario, assets: &[Asset]) -> Vec<Shock> {
    if s.shocks.len() > limits::MAX_SHOCKS {
        v.err("shocks", format!("at most {} shocks are allowed, got {}", limits::MAX_SHOCKS, s.shocks.len()));
    }
    let mut shocks = vec![];
    for (k, sh) in s.shocks.iter().enumerate().take(limits::MAX_SHOCKS) {
        let ia = index_of(assets, &sh.symbol);
        if ia.is_none() {
            v.err(format!("shocks[{k}].symbol"), format!("unknown symbol {:?} (assets: {})", sh.symbol, known(assets)));
        }
        if sh.step == 0 || sh.step > s.steps {
            v.err(format!("shocks[{k}].step"), format!("must be between 1 and steps ({}), got {}", s.steps, sh.step));
        }
        let ok = v.finite_in(&format!("shocks[{k}].percent"), sh.percent, -99.99, 1000.0, "a percentage above −100");
        if let (Some(a), true) = (ia, ok) {
            let log_return = libm::log1p(sh.percent / 100.0);
            shocks.push(Shock { step: sh.step, asset: a, log_return, own: sh.own || sh.venue, venue: sh.venue });
        }
    }
    shocks
}

/// Check and resolve the impact and liquidation settings: (impact model, policy, fee rate).
fn resolve_impact_and_liquidation(v: &mut V, s: &Scenario) -> (ImpactModel, Policy, Ratio) {
    let impact = match s.impact.model {
        ImpactModelSpec::Depth => ImpactModel::Depth,
        ImpactModelSpec::Sqrt => ImpactModel::Sqrt { y: s.impact.sqrt_y },
    };
    v.finite_in("impact.sqrt_y", s.impact.sqrt_y, 0.0, 100.0, "a non-negative coefficient");
    v.finite_in("impact.cross_impact", s.impact.cross_impact, 0.0, 10.0, "a non-negative coefficient");
    let fee_rate = s.liquidation.fee_rate;
    v.dec_in(
        "liquidation.fee_rate",
        fee_rate.0,
        Decimal::ZERO,
        true,
        Decimal::new(5, 1),
        "a fraction of notional (≤ 0.5)",
    );
    let policy = match s.liquidation.policy {
        PolicySpec::LargestMmFirst => Policy::LargestMmFirst,
        PolicySpec::Full => Policy::Full,
        PolicySpec::Chunks => resolve_chunks(v, s),
        PolicySpec::StepDown => resolve_step_down(v, s),
    };
    if s.liquidation.chunk.is_some() && s.liquidation.policy != PolicySpec::Chunks {
        v.err("liquidation.chunk", "only the chunks policy has chunk settings (policy: \"chunks\")");
    }
    if s.liquidation.step_down.is_some() && s.liquidation.policy != PolicySpec::StepDown {
        v.err("liquidation.step_down", "only the step_down policy has step-down settings (policy: \"step_down\")");
    }
    (impact, policy, fee_rate)
}

/// Check and resolve the `step_down` policy; the delay becomes whole steps, the fewest at least as
/// long (0: the next step checks again).
fn resolve_step_down(v: &mut V, s: &Scenario) -> Policy {
    let c = s.liquidation.step_down.clone().unwrap_or_default();
    if !(1..=limits::MAX_BRACKETS as u32).contains(&c.tiers) {
        v.err(
            "liquidation.step_down.tiers",
            format!("must be 1 to {} brackets, got {}", limits::MAX_BRACKETS, c.tiers),
        );
    }
    let day = Decimal::from(86_400);
    let what = "a number of seconds (a day at most)";
    let ok = v.dec_in("liquidation.step_down.delay_seconds", c.delay_seconds, Decimal::ZERO, true, day, what);
    let step_s = s.step_minutes * Decimal::from(60);
    let longest = s.steps.saturating_add(1);
    let delay_steps = match c.delay_seconds.checked_div(step_s) {
        Some(n) if ok => n.ceil().to_usize().unwrap_or(longest).min(longest),
        _ => 0,
    };
    if !(1..=limits::MAX_BRACKETS as u32).contains(&c.from_tier) {
        v.err(
            "liquidation.step_down.from_tier",
            format!("must be a bracket from 1 to {}, got {}", limits::MAX_BRACKETS, c.from_tier),
        );
    }
    let from = (c.from_tier.clamp(1, limits::MAX_BRACKETS as u32) - 1) as usize;
    Policy::StepDown { tiers: c.tiers.max(1) as usize, delay_steps, from, until_compliant: c.until_compliant }
}

/// Pro-rata auto-deleveraging cuts every counterparty for every deficit (an event each): it is
/// limited to crowds of `limits::MAX_PRO_RATA_CROWD` accounts, past which a run would take minutes.
fn check_adl(v: &mut V, s: &Scenario) {
    let crowd = s.crowd.accounts;
    if s.liquidation.adl == AdlSpec::ProRata && crowd > limits::MAX_PRO_RATA_CROWD {
        let max = limits::MAX_PRO_RATA_CROWD;
        v.err(
            "liquidation.adl",
            format!("pro_rata is limited to crowds of {max} accounts (every deficit cuts every position on the other side), got {crowd}; use queue"),
        );
    }
}

/// Check the backstop's share of maintenance margin.
fn resolve_backstop(v: &mut V, s: &Scenario) -> Option<Ratio> {
    let r = s.liquidation.backstop_below_mm?;
    let what = "a share of the maintenance margin (Hyperliquid: 0.6666666667)";
    v.dec_in("liquidation.backstop_below_mm", r.0, Decimal::ZERO, false, Decimal::ONE, what).then_some(r)
}

/// Check and resolve the `chunks` policy; the cooldown becomes whole steps: the smallest number
/// of steps at least as long (a step at least as long as the cooldown: every check falls after it).
fn resolve_chunks(v: &mut V, s: &Scenario) -> Policy {
    let c = s.liquidation.chunk.clone().unwrap_or_default();
    let p = |f: &str| format!("liquidation.chunk.{f}");
    v.dec_in(&p("min_notional_usd"), c.min_notional_usd.0, Decimal::ZERO, true, usd_max(), "a USD notional");
    v.dec_in(&p("fraction"), c.fraction.0, Decimal::ZERO, false, Decimal::ONE, "a fraction of the position");
    let day = Decimal::from(86_400);
    let ok = v.dec_in(
        &p("cooldown_seconds"),
        c.cooldown_seconds,
        Decimal::ZERO,
        true,
        day,
        "a number of seconds (a day at most)",
    );
    let step_s = s.step_minutes * Decimal::from(60);
    // a cooldown longer than the run lasts the run (and never overflows)
    let longest = s.steps.saturating_add(1);
    let cooldown_steps = match c.cooldown_seconds.checked_div(step_s) {
        Some(n) if ok => n.ceil().to_usize().unwrap_or(longest).clamp(1, longest),
        _ => 1,
    };
    Policy::Chunks { min_notional: c.min_notional_usd, fraction: c.fraction, cooldown_steps }
}

/// Check and resolve the mark price rule; a median's window becomes whole steps (at least one).
fn resolve_mark(v: &mut V, s: &Scenario) -> MarkRule {
    let l = &s.liquidation;
    let window = l.mark_window_minutes.unwrap_or(Decimal::from(5));
    if l.mark_window_minutes.is_some() && l.mark_price != MarkPriceSpec::Median {
        v.err("liquidation.mark_window_minutes", "only a median mark price has a window (mark_price: \"median\")");
    }
    let ok = v.dec_in(
        "liquidation.mark_window_minutes",
        window,
        Decimal::ZERO,
        false,
        Decimal::from(1440),
        "a number of minutes (one day at most)",
    );
    match l.mark_price {
        MarkPriceSpec::Market => MarkRule::Market,
        MarkPriceSpec::Index => MarkRule::Index,
        MarkPriceSpec::Median if ok && s.step_minutes > Decimal::ZERO => {
            // the fewest steps covering the window, at most the run (the average never holds more)
            let longest = s.steps.saturating_add(1);
            let steps = window.checked_div(s.step_minutes).map_or(longest, |n| n.ceil().to_usize().unwrap_or(longest));
            MarkRule::Median { window: steps.clamp(1, longest) }
        }
        MarkPriceSpec::Median => MarkRule::Median { window: 1 },
    }
}

/// The resolved accounts: the focal account, the hand-listed ones and the crowd.
struct Accounts {
    focal_book: Book,
    focal_mode: Mode,
    focal: AccountInit,
    explicit: Vec<AccountInit>,
    cohorts: Vec<crowd::Cohort>,
    crowd_accounts: u32,
}

/// Check and resolve the focal account, the hand-listed accounts and the crowd.
fn resolve_accounts(
    v: &mut V,
    s: &Scenario,
    assets: &[Asset],
    notices: &mut Vec<String>,
    memo: &mut CrowdMemo,
) -> Accounts {
    let focal_spec = s.focal.clone().unwrap_or_else(|| AccountSpec::default_focal(&s.assets));
    let focal_book = resolve_book(v, "focal", &focal_spec, assets);
    let focal_mode = mode_of(focal_spec.mode);
    let focal = margin_book(v, "focal", &focal_book, focal_mode, assets);
    if s.accounts.len() > limits::MAX_EXPLICIT_ACCOUNTS {
        v.err(
            "accounts",
            format!(
                "at most {} hand-listed accounts are allowed, got {}",
                limits::MAX_EXPLICIT_ACCOUNTS,
                s.accounts.len()
            ),
        );
    }
    let explicit: Vec<AccountInit> = s
        .accounts
        .iter()
        .enumerate()
        .take(limits::MAX_EXPLICIT_ACCOUNTS)
        .map(|(k, a)| {
            let path = format!("accounts[{k}]");
            let book = resolve_book(v, &path, a, assets);
            let mut acc = margin_book(v, &path, &book, mode_of(a.mode), assets);
            if acc.name.is_empty() {
                acc.name = format!("account-{k}");
            }
            acc
        })
        .collect();
    let (cohorts, crowd_accounts) = crowd::generate_memo(
        memo,
        &mut |p, m| v.err(p, m),
        notices,
        &s.crowd,
        &s.crowd.assets_or_default(&s.assets),
        assets,
    );
    Accounts { focal_book, focal_mode, focal, explicit, cohorts, crowd_accounts }
}

fn identity(n: usize) -> linalg::Matrix {
    (0..n).map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect()).collect()
}

/// Read an account's book (collateral and positions, with their margin asks), checking every
/// field. The margin mode is applied separately ([`Book::margined`]).
fn resolve_book(v: &mut V, path: &str, a: &AccountSpec, assets: &[Asset]) -> Book {
    let (cash, balances) = resolve_collateral(v, path, a, assets);
    if a.positions.len() > limits::MAX_POSITIONS_PER_ACCOUNT {
        v.err(
            format!("{path}.positions"),
            format!("at most {} positions per account, got {}", limits::MAX_POSITIONS_PER_ACCOUNT, a.positions.len()),
        );
    }
    let mut positions = vec![];
    for (k, ps) in a.positions.iter().enumerate().take(limits::MAX_POSITIONS_PER_ACCOUNT) {
        if let Some(p) = resolve_position(v, &format!("{path}.positions[{k}]"), ps, &positions, assets) {
            positions.push(p);
        }
    }
    Book { name: a.name.clone().unwrap_or_default(), cash, balances, positions }
}

/// Read an account's collateral: (USD cash, possibly negative; asset balances).
fn resolve_collateral(v: &mut V, path: &str, a: &AccountSpec, assets: &[Asset]) -> (Money, Vec<(usize, Qty)>) {
    let known = known(assets);
    let mut cash = Money::ZERO;
    let mut balances: Vec<(usize, Qty)> = vec![];
    for (sym, &amt) in &a.collateral {
        let p = format!("{path}.collateral.{sym}");
        if amt.abs() > usd_max() {
            v.err(&p, format!("must be at most {} in size, got {amt}", usd_max()));
            continue;
        }
        if sym == "USD" {
            cash = Money(amt);
        } else if let Some(i) = index_of(assets, sym) {
            // a negative balance is a loan of the asset, valued at its full price
            if amt.abs() * assets[i].price0.0 > usd_max() {
                v.err(&p, format!("is worth more than the {} USD limit", usd_max()));
            } else if !amt.is_zero() {
                balances.push((i, Qty(amt)));
            }
        } else {
            v.err(&p, format!("unknown collateral {sym:?} (use \"USD\" or one of: {known})"));
        }
    }
    (cash, balances)
}

/// Read one position (at `path`), given the account's positions read so far; `None` if invalid.
fn resolve_position(
    v: &mut V,
    path: &str,
    ps: &PositionSpec,
    before: &[BookPosition],
    assets: &[Asset],
) -> Option<BookPosition> {
    let pp = |f: &str| format!("{path}.{f}");
    let Some(ai) = index_of(assets, &ps.asset) else {
        v.err(pp("asset"), format!("unknown symbol {:?} (assets: {})", ps.asset, known(assets)));
        return None;
    };
    if before.iter().any(|p| p.asset == ai) {
        v.err(pp("asset"), format!("{} already has a position in this account; merge them", ps.asset));
        return None;
    }
    let entry = ps.entry_price.unwrap_or(assets[ai].price0);
    let max_price = Decimal::from(limits::MAX_PRICE);
    if !v.dec_in(&pp("entry_price"), entry.0, Decimal::ZERO, false, max_price, "a positive price") {
        return None;
    }
    if let Some(l) = ps.leverage {
        if !v.dec_in(&pp("leverage"), l, Decimal::ONE, true, Decimal::from(limits::MAX_LEVERAGE), "a leverage") {
            return None;
        }
    }
    if let Some(m) = ps.margin_usd {
        if !v.dec_in(&pp("margin_usd"), m.0, Decimal::ZERO, false, usd_max(), "a positive USD margin") {
            return None;
        }
    }
    let qty_abs = position_size(v, path, ps, entry)?;
    if qty_abs.is_zero() {
        v.err(path, "the size rounds to zero units (8 decimals)");
        return None;
    }
    if qty_abs * entry.0 > usd_max() {
        v.err(path, format!("notional above the {} USD limit", usd_max()));
        return None;
    }
    let qty = match ps.side {
        SideSpec::Long => Qty(qty_abs),
        SideSpec::Short => Qty(-qty_abs),
    };
    let notional = Money(qty_abs * entry.0);
    let ask = match (ps.margin_usd, ps.leverage) {
        (Some(m), _) => Some(m),
        (None, Some(l)) => Some(Money((notional.0 / l).round_dp(8))),
        (None, None) => None,
    };
    Some(BookPosition { asset: ai, qty, entry, ask })
}

/// A position's size in units (unsigned), from its quantity, notional, or leverage and margin.
fn position_size(v: &mut V, path: &str, ps: &PositionSpec, entry: Price) -> Option<Decimal> {
    let pp = |f: &str| format!("{path}.{f}");
    let given = [ps.quantity.is_some(), ps.notional_usd.is_some()].iter().filter(|x| **x).count();
    if given > 1 {
        v.err(path, "give the size once: quantity or notional_usd, not both");
        return None;
    }
    if let Some(q) = ps.quantity {
        let what = "a positive quantity (the side gives the sign)";
        v.dec_in(&pp("quantity"), q.0, Decimal::ZERO, false, usd_max(), what).then_some(q.0)
    } else if let Some(nu) = ps.notional_usd {
        let ok = v.dec_in(&pp("notional_usd"), nu.0, Decimal::ZERO, false, usd_max(), "a positive USD notional");
        ok.then(|| (nu.0 / entry.0).round_dp(8))
    } else if let (Some(l), Some(m)) = (ps.leverage, ps.margin_usd) {
        Some((l * m.0 / entry.0).round_dp(8))
    } else {
        v.err(path, "needs a size: quantity, notional_usd, or leverage with margin_usd");
        None
    }
}

/// Margin a book in its mode; a book that cannot be margined so is a problem at `path`.
fn margin_book(v: &mut V, path: &str, book: &Book, mode: Mode, assets: &[Asset]) -> AccountInit {
    match book.margined(mode, assets) {
        Ok(a) => {
            check_opening_health(v, path, &a, assets);
            a
        }
        Err(e) => {
            v.err(format!("{path}.collateral"), e.to_string());
            book.cross() // (never run: the problem makes the scenario invalid)
        }
    }
}

pub fn mode_of(m: ModeSpec) -> Mode {
    match m {
        ModeSpec::Cross => Mode::Cross,
        ModeSpec::Isolated => Mode::Isolated,
    }
}

/// A notice when the step-down starts from a bracket above every bracket some assets have: their
/// positions always close whole (an asset with one bracket has nothing to step down to anyway).
fn never_stepped_down(policy: &Policy, assets: &[Asset]) -> Option<String> {
    let Policy::StepDown { from, .. } = *policy else { return None };
    let short: Vec<String> = assets
        .iter()
        .filter(|a| (2..=from).contains(&a.brackets.rows().len()))
        .map(|a| format!("{} ({})", a.symbol, a.brackets.rows().len()))
        .collect();
    (!short.is_empty()).then(|| {
        format!(
            "The step-down starts from bracket {} (liquidation.step_down.from_tier), above every bracket of {}: positions in {} always close whole.",
            from + 1,
            short.join(", "),
            if short.len() == 1 { "it" } else { "these" },
        )
    })
}

/// A notice for each hand-made account (yours, the listed ones) that opens above the brackets'
/// maximum leverage: the initial margin (Σ notional / max leverage, at the opening prices) is more
/// than its equity (cross) or a position's margin (isolated). A venue would refuse the order; the
/// run keeps the book as written, and says so.
fn above_max_leverage(venue: venues::Venue, acc: &Accounts, assets: &[Asset]) -> Vec<String> {
    use crate::types::group;
    let prices: Vec<Price> = assets.iter().map(|x| x.price0).collect();
    let allow = if venue.is_simple() { "the brackets allow".to_string() } else { format!("{} allows", venue.name()) };
    let named = std::iter::once(("Your account".to_string(), &acc.focal))
        .chain(acc.explicit.iter().map(|a| (format!("Account {}", a.name), a)));
    let mut out = vec![];
    for (who, a) in named {
        let need = |p: &margin::Position| assets[p.asset].brackets.initial_margin(p.notional(prices[p.asset]));
        // rounded up, so that an account just above the maximum never reads as at it
        let up = rust_decimal::RoundingStrategy::AwayFromZero;
        let lev = |n: Money, on: Money| {
            n.0.checked_div(on.0).map_or("∞".into(), |l| l.round_dp_with_strategy(2, up).normalize().to_string())
        };
        let max = |n: Money, im: Money| n.0.checked_div(im.0).unwrap_or_default().round_dp(1).normalize();
        match a.mode {
            Mode::Cross => {
                let ims = margin::initial_margin(&a.positions, |p| prices[p.asset], assets);
                let h =
                    margin::snapshot(a.cash, &a.balances, &a.positions, false, margin::Valuation::at(&prices), assets);
                let n: Money = a.positions.iter().map(|p| p.notional(prices[p.asset])).sum();
                if let Some(im) = ims.filter(|im| im.0 > Decimal::ZERO && h.equity < *im) {
                    out.push(format!(
                        "{who} opens at {}× ({} USD of positions on {} USD of equity), above the {}× {allow} at that size (initial margin {} USD): a venue with these rules would refuse it; the run keeps it as written.",
                        lev(n, h.equity), group(n.0.round_dp(0)), group(h.equity.0.round_dp(0)), max(n, im), group(im.0.round_dp(0))
                    ));
                }
            }
            Mode::Isolated => {
                for p in &a.positions {
                    let n = p.notional(prices[p.asset]);
                    if let Some(im) = need(p).filter(|im| p.margin < *im) {
                        out.push(format!(
                            "{who}'s isolated {} position opens at {}× ({} USD on {} USD of margin), above the {}× {allow} at that size: a venue with these rules would refuse it; the run keeps it as written.",
                            assets[p.asset].symbol, lev(n, p.margin), group(n.0.round_dp(0)), group(p.margin.0.round_dp(0)), max(n, im)
                        ));
                    }
                }
            }
        }
    }
    out
}

/// An account that would be liquidated at its opening prices is an impossible leverage.
fn check_opening_health(v: &mut V, path: &str, a: &AccountInit, assets: &[Asset]) {
    let prices: Vec<Price> = assets.iter().map(|x| x.price0).collect();
    match a.mode {
        Mode::Cross => {
            let h = margin::snapshot(a.cash, &a.balances, &a.positions, false, margin::Valuation::at(&prices), assets);
            if margin::is_liquidatable(h.mm, h.equity, !a.positions.is_empty()) {
                v.err(
                    path,
                    format!(
                        "the account opens already liquidatable: maintenance margin {} USD ≥ equity {} USD; add collateral or reduce the positions",
                        h.mm.round_dp(2),
                        h.equity.round_dp(2)
                    ),
                );
            }
        }
        Mode::Isolated => {
            for (k, p) in a.positions.iter().enumerate() {
                let px = prices[p.asset];
                let mm = assets[p.asset].brackets.mm(p.notional(px));
                let eq = p.margin + p.upnl(px);
                if margin::is_liquidatable(mm, eq, true) {
                    v.err(
                        format!("{path}.positions[{k}]"),
                        format!(
                            "impossible leverage: the position opens already liquidatable (margin {} USD ≤ maintenance margin {} USD)",
                            eq.round_dp(2),
                            mm.round_dp(2)
                        ),
                    );
                }
            }
        }
    }
}
