//! Descriptions whose figures come from the run. A scenario's `description` may name figures as
//! placeholders, `{drop.ETH}`, `{liq.step}`, …, and [`render`] fills them in from the scenario,
//! its resolved model and the outcome of running it. The presets write every figure this way, so
//! what a description says is what the run shows (a test checks that a preset's description has
//! no figure outside a placeholder, and that every placeholder resolves).
//!
//! Placeholders (SYM is an asset symbol):
//!
//! | placeholder | what |
//! | --- | --- |
//! | `{capital}` | the focal account's opening equity |
//! | `{position.SYM}` | the notional of the focal position in SYM |
//! | `{depth.SYM}`, `{oi.SYM}` | the book's ±2 % depth; the crowd's open interest |
//! | `{shock.SYM}`, `{shock.step.SYM}`, `{shock.end.SYM}` | the scripted move of SYM (its extreme, compounded); its first and last step |
//! | `{drop.SYM}`, `{outside.SYM}`, `{nofb.SYM}` | SYM's largest fall: on the venue; outside it (exogenous); on the venue without feedback |
//! | `{amp.SYM}` | amplification: the fall on the venue over the fall outside |
//! | `{liq.step}`, `{liq.time}`, `{other.liq.step}` | when the focal account was first liquidated (main run; the other mode) |
//! | `{closed}`, `{healthy}` | the positions the main run closed whole; those the other mode kept |
//! | `{equity}`, `{other.equity}`, `{nofb.equity}` | final equity: main run, other mode, no feedback |
//! | `{crowd.accounts}`, `{crowd.notional}` | crowd accounts liquidated, and their notional |
//! | `{mode}`, `{other.mode}` | the margin modes of the main run and the counterfactual |
//! | `{other.closed}`, `{other.healthy}` | the same two lists for the other-mode run |
//! | `{at.liq.SYM}`, `{at.other.liq.SYM}` | SYM's market move from the open at the step of that liquidation |
//! | `{collateral}`, `{loan}` | the focal account's collateral ("20 ETH", "10 000 USD"); its USD loan |
//! | `{crowd.collateral.SYM}` | the value of SYM the crowd's cross accounts hold, per dollar of their collateral ("4×") |
//! | `{nofb.crowd.accounts}` | crowd accounts liquidated without feedback |
//! | `{mmr.SYM}`, `{haircut.SYM}` | SYM's first maintenance-margin rate; its collateral haircut |
//! | `{crowd.lev}`, `{cascade}`, `{hours}` | the crowd's leverage range; the cascade depth in steps; the run's length |
//! | `{low.SYM}`, `{outside.low.SYM}` | SYM's lowest price on the venue; outside it (the index) |
//! | `{index.…}` | any figure above, from the same scenario with every collateral valued at the index |
//! | `{whole.…}` | any figure above, from the same scenario liquidating whole positions, largest maintenance margin first |
//! | `{noadl.…}`, `{simple.…}` | any figure above, from the same scenario without auto-deleveraging; under its own rules instead of its venue's |
//! | `{venue}`, `{vault.result}`, `{vault.takeovers}` | the venue whose rules the run follows; the backstop vault's result and takeovers |
//! | `{backstop.share}`, `{fund}` | the share of maintenance margin below which the vault takes an account over; the insurance fund at the opening |
//! | `{baddebt}`, `{chunk.rule}` | the bad debt written off; the partial-liquidation rule in words |
//! | `{step.seconds}`, `{halflife.SYM}` | the length of a step; SYM's impact half-life in minutes |
//!
//! A placeholder that does not resolve (an unknown key, or a figure the run does not have, such
//! as `{liq.step}` when the account survived) is left as written.

use crate::engine::model::Model;
use crate::engine::outcome::{Outcome, RunSummary};
use crate::engine::scenario::Scenario;
use rust_decimal::Decimal;

/// A run a description reads its figures from: the scenario, its model and its outcome.
pub struct Run {
    pub s: Scenario,
    pub m: Model,
    pub o: Outcome,
}

/// A scenario made from another: an alternative a description may quote.
pub type Variant = fn(&Scenario) -> Scenario;

/// The other runs a description may quote, by the prefix of their figures: `{index.equity}` is
/// from the same scenario with every collateral valued at the index, `{whole.drop.BTC}` from the
/// same scenario liquidating whole positions (largest maintenance margin first), `{noadl.equity}`
/// from the same scenario without auto-deleveraging, `{simple.equity}` from the same scenario
/// under its own rules instead of its venue's pack.
pub const ALTERNATIVES: [(&str, Variant); 4] = [
    ("index.", Scenario::collateral_at_index),
    ("whole.", Scenario::whole_positions),
    ("noadl.", Scenario::without_adl),
    ("simple.", Scenario::simple_rules),
];

/// The description with every resolvable placeholder filled in from `main`; a prefixed figure
/// from the run of that alternative in `alts` (in the order of [`ALTERNATIVES`]), when given.
pub fn render(template: &str, main: &Run, alts: &[Option<Run>]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some((open, key)) = next_placeholder(rest) {
        out.push_str(&rest[..open]);
        let alt = ALTERNATIVES.iter().zip(alts).find_map(|((p, _), r)| Some((key.strip_prefix(p)?, r)));
        let found = match alt {
            Some((k, r)) => r.as_ref().and_then(|r| value(k, &r.s, &r.m, &r.o)),
            None => value(key, &main.s, &main.m, &main.o),
        };
        match found {
            Some(v) => out.push_str(&v),
            None => out.push_str(&rest[open..open + key.len() + 2]),
        }
        rest = &rest[open + key.len() + 2..];
    }
    out.push_str(rest);
    out
}

/// Whether `template` has a placeholder at all (if not, [`render`] returns it as it is, and
/// no run is needed to fill it in).
pub fn has_placeholders(template: &str) -> bool {
    next_placeholder(template).is_some()
}

/// The next placeholder in `text`: where its `{` is, and the key inside the braces (at most 40
/// characters, up to the first `}`).
fn next_placeholder(text: &str) -> Option<(usize, &str)> {
    let mut from = 0;
    while let Some(i) = text[from..].find('{') {
        let open = from + i;
        let after = &text[open + 1..];
        match after.find('}') {
            Some(close) if close <= 40 => return Some((open, &after[..close])),
            _ => from = open + 1,
        }
    }
    None
}

/// The placeholders a template names, in order.
pub fn placeholders(template: &str) -> Vec<String> {
    let mut out = vec![];
    let mut rest = template;
    while let Some((open, key)) = next_placeholder(rest) {
        out.push(key.to_string());
        rest = &rest[open + key.len() + 2..];
    }
    out
}

fn value(key: &str, s: &Scenario, m: &Model, o: &Outcome) -> Option<String> {
    run_value(key, s, m, o).or_else(|| {
        let (head, sym) = key.rsplit_once('.')?;
        asset_value(head, sym, s, m, o)
    })
}

/// A figure of the whole run (`{equity}`, `{liq.step}`, …).
fn run_value(key: &str, s: &Scenario, m: &Model, o: &Outcome) -> Option<String> {
    match key {
        "capital" => Some(usd(o.main.series.focal_equity.first()?.0)),
        "liq.step" => o.summary.focal_liquidated_step.map(|t| t.to_string()),
        "liq.time" => o.summary.focal_liquidated_step.map(|t| clock(t, m)),
        "other.liq.step" => o.other_mode_summary.focal_liquidated_step.map(|t| t.to_string()),
        "closed" => names(o.summary.focal_positions_closed.iter().filter(|c| !c.partial).map(|c| c.asset.as_str())),
        "healthy" => names(o.summary.healthy_positions_closed.iter().map(|c| c.asset.as_str())),
        "equity" => Some(usd(o.summary.final_equity.0)),
        "other.equity" => Some(usd(o.other_mode_summary.final_equity.0)),
        "nofb.equity" => Some(usd(o.no_feedback_summary.final_equity.0)),
        "crowd.accounts" => Some(crate::types::group(Decimal::from(o.main.crowd_accounts_hit()))),
        "nofb.crowd.accounts" => Some(crate::types::group(Decimal::from(o.no_feedback.crowd_accounts_hit()))),
        "loan" => (m.focal_book.cash.0 < Decimal::ZERO).then(|| usd(-m.focal_book.cash.0)),
        "crowd.notional" => Some(usd_short(crate::types::dec_to_f64(o.summary.crowd_liquidated_notional.0))),
        "other.closed" => {
            names(o.other_mode_summary.focal_positions_closed.iter().filter(|c| !c.partial).map(|c| c.asset.as_str()))
        }
        "other.healthy" => names(o.other_mode_summary.healthy_positions_closed.iter().map(|c| c.asset.as_str())),
        "collateral" => collateral(m),
        "crowd.lev" => {
            let (lo, hi) = (s.crowd.leverage_min.normalize(), s.crowd.leverage_max.normalize());
            Some(format!("{lo}× to {hi}×"))
        }
        "cascade" => Some(o.summary.cascade_depth_steps.to_string()),
        "step.seconds" => Some(format!("{} seconds", (s.step_minutes * Decimal::from(60)).normalize())),
        "baddebt" => Some(usd_short(o.summary.bad_debt.to_f64())),
        "uncovered" => Some(usd_short(o.summary.uncovered_bad_debt.to_f64())),
        "fund" => Some(usd_short(m.fund0.to_f64())),
        "adl.paid" => o.summary.adl.as_ref().map(|a| usd_short(a.paid.to_f64())),
        "adl.notional" => o.summary.adl.as_ref().map(|a| usd_short(a.notional.to_f64())),
        "adl.positions" => o.summary.adl.as_ref().map(|a| crate::types::group(Decimal::from(a.positions))),
        "adl.accounts" => o.summary.adl.as_ref().map(|a| crate::types::group(Decimal::from(a.accounts))),
        "adl.yours" => o.summary.adl.as_ref().filter(|a| !a.focal_paid.is_zero()).map(|a| usd(a.focal_paid.0)),
        "adl.step" => o.main.events.iter().find_map(|e| {
            (e.account == crate::engine::account::AccountId::Focal
                && matches!(e.kind, crate::engine::liquidation::EventKind::Adl { .. }))
            .then_some(e.step.to_string())
        }),
        "chunk.rule" => {
            let c = s.liquidation.chunk.clone().unwrap_or_default();
            let pct = (c.fraction.0 * Decimal::ONE_HUNDRED).normalize();
            let (min, cool) = (usd(c.min_notional_usd.0), c.cooldown_seconds.normalize());
            Some(format!(
                "a liquidation sells only {pct} % of a position above {min}, and for {cool} seconds after one, the account's liquidations close whole positions"
            ))
        }
        "hours" => {
            let h = Decimal::from(s.steps as u64) * s.step_minutes / Decimal::from(60);
            Some(format!("{} hours", h.round_dp(1).normalize()))
        }
        "mode" => Some(o.summary.focal_mode.name().into()),
        "venue" => Some(m.venue.name().into()),
        "backstop.share" => m.backstop.map(|r| format!("{} %", (r.0 * Decimal::ONE_HUNDRED).round_dp(2).normalize())),
        "vault.takeovers" => o.summary.backstop.as_ref().map(|b| crate::types::group(Decimal::from(b.takeovers))),
        "vault.result" => o.summary.backstop.as_ref().map(|b| usd_short(b.result.to_f64())),
        "other.mode" => Some(o.other_mode_summary.focal_mode.name().into()),
        _ => None,
    }
}

/// A figure of one asset, `{head.SYM}` (`{drop.ETH}`, `{depth.BTC}`, …).
fn asset_value(head: &str, sym: &str, s: &Scenario, m: &Model, o: &Outcome) -> Option<String> {
    let asset = |sym: &str| m.assets.iter().position(|a| a.symbol == sym);
    let drop = |r: &RunSummary, sym: &str| r.assets.get(sym).map(|a| pct(-a.realized_drawdown_pct));
    match head {
        "position" => {
            let i = asset(sym)?;
            let p = m.focal_book.positions.iter().find(|p| p.asset == i)?;
            Some(usd(p.notional().0))
        }
        "at.liq" => move_at(&o.main, o.summary.focal_liquidated_step?, asset(sym)?),
        "at.other.liq" => move_at(&o.other_mode, o.other_mode_summary.focal_liquidated_step?, asset(sym)?),
        "mmr" => Some(rate(m.assets[asset(sym)?].brackets.first_rate().0)),
        "crowd.collateral" => s.crowd.collateral.get(sym).map(|r| format!("{}×", r.0.normalize())),
        "haircut" => Some(rate(m.assets[asset(sym)?].haircut.0)),
        "depth" => Some(usd_short(m.assets[asset(sym)?].depth_usd)),
        "oi" => {
            let c = s.crowd.assets_or_default(&s.assets);
            Some(usd_short(crate::types::dec_to_f64(c.get(sym)?.open_interest_usd.0)))
        }
        "shock" => {
            asset(sym)?;
            let moved = s.shocks.iter().any(|x| x.symbol == sym);
            moved.then(|| pct(crate::engine::scenario::scripted_move(&s.shocks, sym)))
        }
        "shock.step" => s.shocks.iter().filter(|x| x.symbol == sym).map(|x| x.step).min().map(|t| t.to_string()),
        "shock.end" => s.shocks.iter().filter(|x| x.symbol == sym).map(|x| x.step).max().map(|t| t.to_string()),
        "drop" => drop(&o.summary, sym),
        "nofb" => drop(&o.no_feedback_summary, sym),
        "outside" => o.summary.assets.get(sym).map(|a| pct(-a.exogenous_drawdown_pct)),
        "low" => lowest(&o.main.series.price[asset(sym)?]),
        "outside.low" => lowest(&o.main.series.exogenous_price[asset(sym)?]),
        "halflife" => {
            let h = s.assets.iter().find(|a| a.symbol == sym)?.half_life_steps?;
            let secs = Decimal::from_f64_retain(h)? * s.step_minutes * Decimal::from(60);
            Some(format!("{} minutes", (secs / Decimal::from(60)).round_dp(1).normalize()))
        }
        "amp" => o.summary.assets.get(sym)?.amplification.map(|x| format!("{}×", crate::types::fixed(x, 2))),
        _ => None,
    }
}

/// An asset's market move from the open at `step` of run `r`.
fn move_at(r: &crate::engine::sim::Run, step: usize, asset: usize) -> Option<String> {
    let p = &r.series.price_f[asset];
    Some(pct((p.get(step)? / p.first()? - 1.0) * 100.0))
}

/// The lowest price of a series, as written: "0.7576".
fn lowest(p: &[crate::types::Price]) -> Option<String> {
    Some(format!("{} USD", crate::types::group(p.iter().min()?.0.normalize())))
}

/// "0.5 %", "5 %".
fn rate(r: Decimal) -> String {
    format!("{} %", (r * Decimal::ONE_HUNDRED).normalize())
}

/// The focal account's collateral: "20 ETH", "25 000 USDX", "10 000 USD and 2 BTC" (a USD loan
/// is `{loan}`).
fn collateral(m: &Model) -> Option<String> {
    let b = &m.focal_book;
    let mut parts = vec![];
    if b.cash.0 > Decimal::ZERO || b.balances.is_empty() {
        parts.push(usd(b.cash.0));
    }
    for (a, q) in &b.balances {
        parts.push(format!("{} {}", crate::types::group(q.0), m.assets[*a].symbol));
    }
    names(parts.iter().map(String::as_str))
}

/// "BTC", "BTC and ETH", "BTC, ETH and SOL"; `None` for none.
fn names<'a>(it: impl Iterator<Item = &'a str>) -> Option<String> {
    let mut v: Vec<&str> = vec![];
    for x in it {
        if !v.contains(&x) {
            v.push(x);
        }
    }
    match v.len() {
        0 => None,
        1 => Some(v[0].to_string()),
        n => Some(format!("{} and {}", v[..n - 1].join(", "), v[n - 1])),
    }
}

/// "−17.9 %", "+4 %", "0 %": one decimal, a real minus sign, no trailing ".0".
pub fn pct(x: f64) -> String {
    let t = crate::types::short(x.abs(), 1);
    let sign = if t == "0" {
        ""
    } else if x < 0.0 {
        "−"
    } else {
        "+"
    };
    format!("{sign}{t} %")
}

/// "20,000 USD", "6,746 USD" (whole dollars).
pub fn usd(x: Decimal) -> String {
    format!("{} USD", crate::types::group(x.round_dp(0)))
}

/// "40 M USD", "1.2 B USD", "750 k USD".
pub fn usd_short(x: f64) -> String {
    let (v, unit) = match x.abs() {
        a if a >= 1e9 => (x / 1e9, " B"),
        a if a >= 1e6 => (x / 1e6, " M"),
        a if a >= 1e4 => (x / 1e3, " k"),
        _ => (x, ""),
    };
    format!("{}{unit} USD", crate::types::short(v, if v.abs() >= 100.0 { 0 } else { 1 }))
}

/// The clock time of a step, "h:mm" from the start.
pub fn clock(step: usize, m: &Model) -> String {
    let minutes = (Decimal::from(step as u64) * m.step_minutes).round();
    let mins = crate::types::dec_to_f64(minutes) as u64;
    format!("{}:{:02}", mins / 60, mins % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_the_docs_write_them() {
        // (value, text)
        for (x, want) in [(-17.92, "−17.9 %"), (4.0, "+4 %"), (0.01, "0 %"), (-8.0, "−8 %")] {
            assert_eq!(pct(x), want, "{x}");
        }
        for (x, want) in [(40e6, "40 M USD"), (1.25e9, "1.3 B USD"), (750e3, "750 k USD"), (300e6, "300 M USD")] {
            assert_eq!(usd_short(x), want, "{x}");
        }
        assert_eq!(usd("6746.4".parse().unwrap()), "6,746 USD");
    }

    #[test]
    fn placeholders_are_filled_from_the_run_and_unknown_ones_stay() {
        let p = crate::share::presets::get("contagion").unwrap();
        let s = p.scenario();
        let m = Model::from_scenario(&s).unwrap();
        let o = crate::engine::outcome::simulate(&m);
        let run = Run { s, m, o };
        let t = render("{capital} · {closed} · {liq.step} ({liq.time}) · {shock.ETH} · {nope} · {liq", &run, &[]);
        let (m, o) = (&run.m, &run.o);
        let step = o.summary.focal_liquidated_step.unwrap();
        assert_eq!(t, format!("10,000 USD · BTC and ETH · {step} ({}) · −19.8 % · {{nope}} · {{liq", clock(step, m)));
        // an `index.` figure comes from the run with collateral at the index, when there is one
        assert_eq!(render("{index.capital}", &run, &[]), "{index.capital}");
        let capital = run.o.main.series.focal_equity[0];
        let alts = [Some(run), None];
        assert_eq!(
            render("{index.capital} {whole.capital}", alts[0].as_ref().unwrap(), &alts),
            format!("{} {{whole.capital}}", usd(capital.0))
        );
        assert_eq!(placeholders("a {x} b {y.Z} {"), vec!["x", "y.Z"]);
    }

    #[test]
    fn a_template_without_placeholders_is_its_own_text() {
        // no `{…}` (or a brace with no key closed within 40 characters): nothing to fill in
        for t in ["", "plain words", "a { b", &format!("{{{}}}", "x".repeat(41))] {
            assert!(!has_placeholders(t), "{t}");
            assert!(placeholders(t).is_empty(), "{t}");
        }
        assert!(has_placeholders("falls {drop.ETH}"));
    }
}
