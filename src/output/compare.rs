//! The same scenario under another venue's rules: a few figures of both runs, side by side, for
//! the page's summary and `cascade run --vs VENUE`. Every figure is read from the two runs.

use crate::engine::model::Model;
use crate::engine::outcome::{simulate_main, Outcome, RunSummary};
use crate::engine::scenario::{Scenario, Venue};
use crate::engine::sim::Run;
use crate::output::story::{clock, usd};
use serde::Serialize;

/// One line of the comparison: what, here, and under the other venue.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Row {
    pub label: String,
    pub this: String,
    pub other: String,
}

/// Both runs' figures, under the names of their rules.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Comparison {
    /// The rules of the run shown ("Hyperliquid", "the simple model").
    pub this: String,
    /// The other venue's ("Binance").
    pub other: String,
    /// "The same scenario under Binance's rules".
    pub caption: String,
    pub rows: Vec<Row>,
}

/// One run's figures, ready to print.
struct Side<'a> {
    m: &'a Model,
    run: &'a Run,
    summary: &'a RunSummary,
}

impl Side<'_> {
    fn liquidated(&self) -> String {
        match self.summary.focal_liquidated_step {
            Some(t) => format!("at step {t} ({})", clock(t, self.m)),
            None => "never".into(),
        }
    }
}

/// Compare the run shown (model `m`, outcome `o`, its rules called `this`) with `other`, the same
/// scenario under `venue`'s whole pack ([`crate::share::controls::under_venue`]). An error when
/// that scenario does not validate.
pub fn compare(m: &Model, o: &Outcome, this: &str, other: &Scenario, venue: Venue) -> crate::error::Result<Comparison> {
    compare_run(m, (&o.main, &o.summary), this, other, venue)
}

/// [`compare`] from the main run alone (the page keeps no outcome: it runs the main run again).
pub fn compare_run(
    m: &Model,
    (run, summary): (&Run, &RunSummary),
    this: &str,
    other: &Scenario,
    venue: Venue,
) -> crate::error::Result<Comparison> {
    let other_model = Model::from_scenario(other)?;
    let (other_run, other_summary) = simulate_main(&other_model);
    let a = Side { m, run, summary };
    let b = Side { m: &other_model, run: &other_run, summary: &other_summary };
    let mut rows = vec![];
    let mut row = |label: &str, f: &dyn Fn(&Side) -> String| {
        rows.push(Row { label: label.into(), this: f(&a), other: f(&b) });
    };
    row("Your account liquidated", &|x| x.liquidated());
    row("Your final equity", &|x| usd(x.summary.final_equity.0));
    row("Crowd accounts liquidated", &|x| crate::types::group(x.run.crowd_accounts_hit().into()));
    for (sym, asset) in &summary.assets {
        if asset.exogenous_drawdown_pct > 0.0 {
            let label = format!("{sym}: largest fall on the venue");
            row(&label, &|x| {
                x.summary
                    .assets
                    .get(sym)
                    .map_or("—".into(), |s| format!("{} %", crate::types::fixed(s.realized_drawdown_pct, 2)))
            });
        }
    }
    row("Bad debt (uncovered)", &|x| {
        format!("{} ({})", usd(x.summary.bad_debt.0), usd(x.summary.uncovered_bad_debt.0))
    });
    if summary.adl.is_some() || other_summary.adl.is_some() {
        row("Paid by auto-deleveraging", &|x| x.summary.adl.as_ref().map_or("—".into(), |d| usd(d.paid.0)));
    }
    if summary.backstop.is_some() || other_summary.backstop.is_some() {
        row("Backstop vault's result", &|x| x.summary.backstop.as_ref().map_or("—".into(), |v| usd(v.result.0)));
    }
    row("Insurance fund at the end", &|x| usd(x.summary.insurance_fund_final.0));
    let caption = format!("The same scenario under {}'s rules", venue.name());
    Ok(Comparison { this: this.into(), other: venue.title().into(), caption, rows })
}

/// The name of the rules a run followed: its venue's (`chosen`, the venue that stands,
/// [`crate::share::controls::chosen_venue`]), "(changed)" when a rule was then changed by hand
/// (the model is then back to the scenario's own rules, with the pack written out).
pub fn rules_title(m: &Model, chosen: Venue) -> String {
    if !chosen.is_simple() && m.venue.is_simple() {
        format!("{} (changed)", chosen.title())
    } else {
        m.venue.title().into()
    }
}

/// The comparison as aligned text (the CLI).
pub fn text(c: &Comparison) -> String {
    let w = c.rows.iter().map(|r| r.label.chars().count()).max().unwrap_or(0);
    let v = c.rows.iter().map(|r| r.this.chars().count()).max().unwrap_or(0).max(c.this.chars().count());
    let pad = |s: &str, n: usize| format!("{s}{}", " ".repeat(n.saturating_sub(s.chars().count())));
    let mut out = format!("  {}  {}  {}\n", pad("", w), pad(&c.this, v), c.other);
    for r in &c.rows {
        out += &format!("  {}  {}  {}\n", pad(&r.label, w), pad(&r.this, v), r.other);
    }
    out
}
