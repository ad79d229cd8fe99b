//! Validation: turn a [`Scenario`] document into the engine's resolved [`Model`], or report
//! *every* problem at once, each with its JSON path and the rule it breaks.

use super::account::{AccountInit, Mode};
use super::asset::Asset;
use super::book::{Book, BookPosition};
use super::crowd;
use super::linalg;
use super::margin::{self, Brackets};
use super::model::{ImpactModel, Model, Policy, Shock};
use super::scenario::{self, limits, AccountSpec, ImpactModelSpec, ModeSpec, PolicySpec, Scenario, SideSpec};
use crate::error::{Error, Problem};
use crate::types::{Money, Price, Qty, Ratio};
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
        let mut v = V { problems: vec![] };
        if !(1..=scenario::FORMAT_VERSION).contains(&s.version) {
            v.err(
                "version",
                format!("must be 1 or {} (the format versions), got {}", scenario::FORMAT_VERSION, s.version),
            );
        }
        let upgraded = s.upgraded();
        let s = &upgraded;
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
        let fund0 = s.insurance_fund_usd;
        v.dec_in("insurance_fund_usd", fund0.0, Decimal::ZERO, true, usd_max(), "a USD amount");

        // ---- assets
        if s.assets.is_empty() {
            v.err("assets", "must list at least one asset");
        }
        if s.assets.len() > limits::MAX_ASSETS {
            v.err(
                "assets",
                format!("at most {} assets are allowed (the asset limit), got {}", limits::MAX_ASSETS, s.assets.len()),
            );
        }
        let step_minutes_f = crate::types::dec_to_f64(s.step_minutes);
        let mut assets = Vec::with_capacity(s.assets.len());
        for (i, a) in s.assets.iter().enumerate() {
            let p = |f: &str| format!("assets[{i}].{f}");
            let sym = a.symbol.trim();
            if sym.is_empty()
                || sym.len() > 16
                || !sym.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
            {
                v.err(p("symbol"), format!("must be 1–16 letters, digits, '-', '_' or '.', got {:?}", a.symbol));
            } else if sym.eq_ignore_ascii_case("USD") {
                v.err(p("symbol"), "\"USD\" is reserved for the account currency (cash); name the asset e.g. \"USDC\"");
            } else if s.assets[..i].iter().any(|b| b.symbol.trim() == sym) {
                v.err(p("symbol"), format!("{sym:?} is listed twice"));
            }
            v.dec_in(
                &p("price"),
                a.price.0,
                Decimal::ZERO,
                false,
                Decimal::from(limits::MAX_PRICE),
                "a positive price",
            );
            v.dec_in(
                &p("tick"),
                a.tick.0,
                Decimal::ZERO,
                false,
                a.price.0.max(Decimal::ZERO),
                "> 0 and not above the price",
            );
            v.finite_in(&p("sigma"), a.sigma, 0.0, limits::MAX_SIGMA, "an annualised volatility");
            v.dec_in(&p("depth_usd"), a.depth_usd.0, Decimal::ZERO, false, usd_max(), "a positive USD depth");
            let decay = match a.half_life_steps {
                None => 1.0,
                Some(h) => {
                    if v.finite_in(&p("half_life_steps"), h, 0.01, 1e9, "a positive number of steps") {
                        libm::pow(2.0, -1.0 / h)
                    } else {
                        1.0
                    }
                }
            };
            let vol = a.daily_volume_usd.map(|m| m.0).unwrap_or(a.depth_usd.0 * Decimal::from(50));
            if a.daily_volume_usd.is_some() {
                v.dec_in(&p("daily_volume_usd"), vol, Decimal::ZERO, false, usd_max(), "a positive USD volume");
            }
            v.dec_in(&p("haircut"), a.haircut.0, Decimal::ZERO, true, Decimal::ONE, "a fraction");
            let rows: Vec<(Money, Ratio)> = match &a.mm_brackets {
                None => scenario::btcusdt_brackets().iter().map(|b| (b.floor, b.mmr)).collect(),
                Some(bs) => bs.iter().map(|b| (b.floor, b.mmr)).collect(),
            };
            let mut brackets_ok = true;
            if rows.is_empty() || rows.len() > limits::MAX_BRACKETS {
                v.err(
                    p("mm_brackets"),
                    format!("must have 1 to {} brackets, got {}", limits::MAX_BRACKETS, rows.len()),
                );
                brackets_ok = false;
            } else {
                if !rows[0].0.is_zero() {
                    v.err(p("mm_brackets[0].floor"), format!("the first bracket must start at 0, got {}", rows[0].0));
                    brackets_ok = false;
                }
                for (k, (floor, mmr)) in rows.iter().enumerate() {
                    if !v.dec_in(
                        &p(&format!("mm_brackets[{k}].mmr")),
                        mmr.0,
                        Decimal::ZERO,
                        false,
                        Decimal::new(9, 1),
                        "a rate",
                    ) {
                        brackets_ok = false;
                    }
                    if !v.dec_in(
                        &p(&format!("mm_brackets[{k}].floor")),
                        floor.0,
                        Decimal::ZERO,
                        true,
                        usd_max(),
                        "a USD notional",
                    ) {
                        brackets_ok = false;
                    }
                    if k > 0 && floor.0 <= rows[k - 1].0 .0 {
                        v.err(p(&format!("mm_brackets[{k}].floor")), "floors must strictly increase");
                        brackets_ok = false;
                    }
                    if k > 0 && mmr.0 < rows[k - 1].1 .0 {
                        v.err(
                            p(&format!("mm_brackets[{k}].mmr")),
                            "rates must not decrease from one bracket to the next",
                        );
                        brackets_ok = false;
                    }
                }
            }
            let brackets = if brackets_ok { Brackets::new(&rows) } else { Brackets::flat(Ratio(Decimal::new(5, 3))) };
            assets.push(Asset {
                symbol: sym.to_string(),
                price0: a.price,
                tick: if a.tick.0 > Decimal::ZERO { a.tick } else { Price(Decimal::new(1, 2)) },
                tick_f: if a.tick.0 > Decimal::ZERO { crate::types::dec_to_f64(a.tick.0) } else { 0.01 },
                sigma: a.sigma,
                depth_usd: crate::types::dec_to_f64(a.depth_usd.0),
                decay,
                daily_volume_usd: crate::types::dec_to_f64(vol),
                haircut: a.haircut,
                haircut_f: crate::types::dec_to_f64(a.haircut.0),
                stable: a.stable || a.sigma == 0.0,
                brackets,
            });
        }
        let index_of = |sym: &str| assets.iter().position(|a| a.symbol == sym.trim());
        let known = || assets.iter().map(|a| a.symbol.as_str()).collect::<Vec<_>>().join(", ");
        let n = assets.len();

        // ---- correlation
        let c = &s.correlation;
        v.finite_in("correlation.all_pairs", c.all_pairs, -1.0, 1.0, "a correlation");
        // "All pairs" means all pairs of volatile assets: a stable asset (σ = 0) is uncorrelated
        // unless a pair or the matrix says otherwise (it matters for cross-impact).
        let mut corr: linalg::Matrix = (0..n)
            .map(|i| {
                (0..n)
                    .map(|j| {
                        if i == j {
                            1.0
                        } else if assets[i].stable || assets[j].stable {
                            0.0
                        } else {
                            c.all_pairs
                        }
                    })
                    .collect()
            })
            .collect();
        if let Some(m) = &c.matrix {
            if m.len() != n || m.iter().any(|r| r.len() != n) {
                v.err(
                    "correlation.matrix",
                    format!("must be {n}×{n} (one row and column per asset, in the order of assets)"),
                );
            } else {
                for i in 0..n {
                    for j in 0..n {
                        let x = m[i][j];
                        let path = format!("correlation.matrix[{i}][{j}]");
                        if i == j && x != 1.0 {
                            v.err(path, format!("the diagonal must be 1, got {}", crate::types::short(x, 6)));
                        } else if !x.is_finite() || !(-1.0..=1.0).contains(&x) {
                            v.err(
                                path,
                                format!("must be a correlation between −1 and 1, got {}", crate::types::short(x, 6)),
                            );
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
        }
        for (k, pr) in c.pairs.iter().enumerate() {
            let (ia, ib) = (index_of(&pr.a), index_of(&pr.b));
            if ia.is_none() {
                v.err(format!("correlation.pairs[{k}].a"), format!("unknown symbol {:?} (assets: {})", pr.a, known()));
            }
            if ib.is_none() {
                v.err(format!("correlation.pairs[{k}].b"), format!("unknown symbol {:?} (assets: {})", pr.b, known()));
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
        let mut notices = vec![];
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

        // ---- shocks
        if s.shocks.len() > limits::MAX_SHOCKS {
            v.err("shocks", format!("at most {} shocks are allowed, got {}", limits::MAX_SHOCKS, s.shocks.len()));
        }
        let mut shocks = vec![];
        for (k, sh) in s.shocks.iter().enumerate().take(limits::MAX_SHOCKS) {
            let ia = index_of(&sh.symbol);
            if ia.is_none() {
                v.err(format!("shocks[{k}].symbol"), format!("unknown symbol {:?} (assets: {})", sh.symbol, known()));
            }
            if sh.step == 0 || sh.step > s.steps {
                v.err(
                    format!("shocks[{k}].step"),
                    format!("must be between 1 and steps ({}), got {}", s.steps, sh.step),
                );
            }
            let ok =
                v.finite_in(&format!("shocks[{k}].percent"), sh.percent, -99.99, 1000.0, "a percentage above −100");
            if let (Some(a), true) = (ia, ok) {
                shocks.push(Shock {
                    step: sh.step,
                    asset: a,
                    log_return: libm::log1p(sh.percent / 100.0),
                    own: sh.own,
                });
            }
        }

        // ---- impact and liquidation
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
        };

        // ---- accounts
        let focal_spec = s.focal.clone().unwrap_or_else(|| AccountSpec::default_focal(&s.assets));
        let focal_book = resolve_book(&mut v, "focal", &focal_spec, &assets);
        let focal_mode = mode_of(focal_spec.mode);
        let focal = margin_book(&mut v, "focal", &focal_book, focal_mode, &assets);
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
                let book = resolve_book(&mut v, &path, a, &assets);
                let mut acc = margin_book(&mut v, &path, &book, mode_of(a.mode), &assets);
                if acc.name.is_empty() {
                    acc.name = format!("account-{k}");
                }
                acc
            })
            .collect();
        let (cohorts, crowd_accounts) = crowd::generate(
            &mut |p, m| v.err(p, m),
            &mut notices,
            &s.crowd,
            &s.crowd.assets_or_default(&s.assets),
            &assets,
        );

        if !v.problems.is_empty() {
            return Err(Error::Invalid(v.problems));
        }
        // The same book in the other mode: the counterfactual. It may open liquidatable (it is
        // then liquidated at the first step); it cannot be invalid on its own.
        let focal_other = match focal_book.margined(focal_mode.other(), &assets) {
            Ok(a) => a,
            Err(e) => {
                notices.push(format!("The {} counterfactual is not possible: {e}.", focal_mode.other().name()));
                focal_book.cross()
            }
        };
        let dt = step_minutes_f / 525_600.0;
        Ok(Model {
            name: s.name.clone(),
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
            fund0,
            focal_book,
            focal,
            focal_other,
            explicit,
            cohorts,
            crowd_accounts,
            notices,
        })
    }
}

fn identity(n: usize) -> linalg::Matrix {
    (0..n).map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect()).collect()
}

/// Read an account's book (collateral and positions, with their margin asks), checking every
/// field. The margin mode is applied separately ([`Book::margined`]).
fn resolve_book(v: &mut V, path: &str, a: &AccountSpec, assets: &[Asset]) -> Book {
    let index_of = |sym: &str| assets.iter().position(|x| x.symbol == sym.trim());
    let known = assets.iter().map(|a| a.symbol.as_str()).collect::<Vec<_>>().join(", ");
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
        } else if let Some(i) = index_of(sym) {
            if amt < Decimal::ZERO {
                v.err(&p, "only USD may be borrowed (negative); asset balances must be ≥ 0");
            } else if amt * assets[i].price0.0 > usd_max() {
                v.err(&p, format!("is worth more than the {} USD limit", usd_max()));
            } else if !amt.is_zero() {
                balances.push((i, Qty(amt)));
            }
        } else {
            v.err(&p, format!("unknown collateral {sym:?} (use \"USD\" or one of: {known})"));
        }
    }
    if a.positions.len() > limits::MAX_POSITIONS_PER_ACCOUNT {
        v.err(
            format!("{path}.positions"),
            format!("at most {} positions per account, got {}", limits::MAX_POSITIONS_PER_ACCOUNT, a.positions.len()),
        );
    }
    let mut positions = vec![];
    for (k, ps) in a.positions.iter().enumerate().take(limits::MAX_POSITIONS_PER_ACCOUNT) {
        let pp = |f: &str| format!("{path}.positions[{k}].{f}");
        let Some(ai) = index_of(&ps.asset) else {
            v.err(pp("asset"), format!("unknown symbol {:?} (assets: {known})", ps.asset));
            continue;
        };
        if positions.iter().any(|p: &BookPosition| p.asset == ai) {
            v.err(pp("asset"), format!("{} already has a position in this account; merge them", ps.asset));
            continue;
        }
        let entry = ps.entry_price.unwrap_or(assets[ai].price0);
        if !v.dec_in(
            &pp("entry_price"),
            entry.0,
            Decimal::ZERO,
            false,
            Decimal::from(limits::MAX_PRICE),
            "a positive price",
        ) {
            continue;
        }
        if let Some(l) = ps.leverage {
            if !v.dec_in(&pp("leverage"), l, Decimal::ONE, true, Decimal::from(limits::MAX_LEVERAGE), "a leverage") {
                continue;
            }
        }
        if let Some(m) = ps.margin_usd {
            if !v.dec_in(&pp("margin_usd"), m.0, Decimal::ZERO, false, usd_max(), "a positive USD margin") {
                continue;
            }
        }
        let given = [ps.quantity.is_some(), ps.notional_usd.is_some()].iter().filter(|x| **x).count();
        if given > 1 {
            v.err(format!("{path}.positions[{k}]"), "give the size once: quantity or notional_usd, not both");
            continue;
        }
        let qty_abs = if let Some(q) = ps.quantity {
            if !v.dec_in(
                &pp("quantity"),
                q.0,
                Decimal::ZERO,
                false,
                usd_max(),
                "a positive quantity (the side gives the sign)",
            ) {
                continue;
            }
            q.0
        } else if let Some(nu) = ps.notional_usd {
            if !v.dec_in(&pp("notional_usd"), nu.0, Decimal::ZERO, false, usd_max(), "a positive USD notional") {
                continue;
            }
            (nu.0 / entry.0).round_dp(8)
        } else if let (Some(l), Some(m)) = (ps.leverage, ps.margin_usd) {
            (l * m.0 / entry.0).round_dp(8)
        } else {
            v.err(
                format!("{path}.positions[{k}]"),
                "needs a size: quantity, notional_usd, or leverage with margin_usd",
            );
            continue;
        };
        if qty_abs.is_zero() {
            v.err(format!("{path}.positions[{k}]"), "the size rounds to zero units (8 decimals)");
            continue;
        }
        if qty_abs * entry.0 > usd_max() {
            v.err(format!("{path}.positions[{k}]"), format!("notional above the {} USD limit", usd_max()));
            continue;
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
        positions.push(BookPosition { asset: ai, qty, entry, ask });
    }
    Book { name: a.name.clone().unwrap_or_default(), cash, balances, positions }
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

/// An account that would be liquidated at its opening prices is an impossible leverage.
fn check_opening_health(v: &mut V, path: &str, a: &AccountInit, assets: &[Asset]) {
    let prices: Vec<Price> = assets.iter().map(|x| x.price0).collect();
    match a.mode {
        Mode::Cross => {
            let h = margin::snapshot(a.cash, &a.balances, &a.positions, false, &prices, assets);
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
