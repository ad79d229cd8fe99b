//! What the page reads from a run, as the values that cross to JavaScript: the summary it puts
//! into words, the chart data (also what the worker sends back), the presets, a link's view.

use crate::engine::account::AccountId;
use crate::engine::model::Model;
use crate::engine::outcome::{Outcome, RunSummary};
use crate::output::chart::ChartData;
use crate::output::report::{self, EventOut};
use crate::share::presets;
use serde::Serialize;

/// The result of a run as the page keeps it: the charts' data, and the summary already made a
/// JS value (it is only ever read in JavaScript).
pub struct PageResult {
    pub chart: ChartData,
    pub summary: wasm_bindgen::JsValue,
}

/// A scripted move as the page tells it.
#[derive(Serialize, Clone, Debug)]
pub struct ShockView {
    pub step: usize,
    pub symbol: String,
    pub percent: f64,
    pub own: bool,
}

/// A position of the focal account as it opens.
#[derive(Serialize, Clone, Debug)]
pub struct PositionView {
    pub symbol: String,
    pub side: String,
    /// USD at the entry price, exact decimal string.
    pub notional: String,
}

/// What the page's words are built from: every figure comes from the run.
#[derive(Serialize)]
pub struct PageSummary<'a> {
    pub name: String,
    pub symbols: Vec<String>,
    pub step_minutes: f64,
    pub steps: usize,
    pub shocks: Vec<ShockView>,
    pub feedback: bool,
    /// Whether anyone but you trades (a crowd or hand-listed accounts).
    pub crowd: bool,
    pub positions: Vec<PositionView>,
    /// Opening equity (USD, exact).
    pub capital: String,
    /// Accounts other than yours liquidated at least once (the summary counts liquidations).
    pub crowd_accounts: u32,
    pub summary: &'a RunSummary,
    pub other_mode: &'a RunSummary,
    pub no_feedback: &'a RunSummary,
    pub focal_events: Vec<EventOut<'a>>,
    pub notices: Vec<String>,
    /// The venue whose rule pack the run follows (`None`: the scenario's own rules).
    pub venue: Option<&'static str>,
}

impl<'a> PageSummary<'a> {
    pub fn new(o: &'a Outcome, m: &Model) -> PageSummary<'a> {
        let focal_events = o
            .main
            .events
            .iter()
            .filter(|e| e.account == AccountId::Focal)
            .map(|e| report::event_out(&o.symbols, e, &o.explicit_names))
            .collect();
        let shocks = m
            .shocks
            .iter()
            .map(|s| ShockView {
                step: s.step,
                symbol: m.assets[s.asset].symbol.clone(),
                percent: (libm::exp(s.log_return) - 1.0) * 100.0,
                own: s.own,
            })
            .collect();
        let positions: Vec<PositionView> = m
            .focal_book
            .positions
            .iter()
            .map(|p| PositionView {
                symbol: m.assets[p.asset].symbol.clone(),
                side: if p.qty.0.is_sign_negative() { "short" } else { "long" }.into(),
                notional: p.notional().to_string(),
            })
            .collect();
        let capital = o.main.series.focal_equity.first().copied().unwrap_or_default();
        PageSummary {
            name: o.name.clone(),
            symbols: o.symbols.clone(),
            step_minutes: crate::types::dec_to_f64(o.step_minutes),
            steps: m.steps,
            shocks,
            feedback: m.feedback,
            crowd: !m.cohorts.is_empty() || !m.explicit.is_empty(),
            positions,
            capital: capital.to_string(),
            crowd_accounts: o.main.crowd_accounts_hit(),
            summary: &o.summary,
            other_mode: &o.other_mode_summary,
            no_feedback: &o.no_feedback_summary,
            focal_events,
            notices: o.notices.clone(),
            venue: (!m.venue.is_simple()).then(|| m.venue.name()),
        }
    }
}

#[derive(Serialize)]
pub struct PresetInfo {
    pub name: &'static str,
    pub claim: &'static str,
    pub title: String,
}

pub fn presets() -> Vec<PresetInfo> {
    presets::PRESETS.iter().map(|p| PresetInfo { name: p.name, claim: p.claim, title: p.scenario().name }).collect()
}

#[derive(Serialize)]
pub struct ChartInfo {
    pub name: &'static str,
    pub panels: Vec<&'static str>,
}

/// A venue rule pack, for the page's comparison picker.
#[derive(Serialize)]
pub struct VenueInfo {
    pub key: &'static str,
    pub title: &'static str,
    /// What the pack does, in one line.
    pub line: String,
}

/// What a link says about the view (its scenario is loaded into the handle).
#[derive(Serialize)]
pub struct LinkView {
    pub notices: Vec<String>,
    pub embed: bool,
    pub controls: Option<Vec<String>>,
    pub charts: Option<Vec<String>>,
    pub theme: crate::share::link::Theme,
    pub step: Option<usize>,
    pub window: Option<(usize, usize)>,
    /// The venue the summary compares the run with.
    pub vs: Option<String>,
}

/// A series by name: `hours`, `equity`, `collateral`, `other_equity`, `other_collateral`,
/// `nofb_equity`, `mr_pct`, `other_mr_pct` (NaN = unbounded), `open_positions`, `forced_flow`,
/// `crowd_notional`, `crowd_accounts`, and per shown asset `price.SYM`, `exogenous.SYM`,
/// `change_pct.SYM`, `exo_change_pct.SYM`, `impact_pct.SYM`, `forced_flow.SYM`, `mark.SYM` (empty
/// when the mark is the market price), `liq.SYM` (your liquidation price, with its codes for none:
/// [`crate::output::chart::AssetSeries`]; empty without a position in SYM).
pub fn series(d: &ChartData, name: &str) -> crate::error::Result<Vec<f64>> {
    let unknown = |what: String| crate::error::Error::Input(what);
    let opt = |v: &Vec<Option<f64>>| v.iter().map(|x| x.unwrap_or(f64::NAN)).collect::<Vec<f64>>();
    Ok(match name {
        "hours" => d.hours.clone(),
        "equity" => d.equity.clone(),
        "collateral" => d.collateral.clone(),
        "other_equity" => d.other_equity.clone(),
        "other_collateral" => d.other_collateral.clone(),
        "nofb_equity" => d.nofb_equity.clone(),
        "mr_pct" => opt(&d.mr_pct),
        "other_mr_pct" => opt(&d.other_mr_pct),
        "open_positions" => d.open_positions.clone(),
        "forced_flow" => d.forced_flow.clone(),
        "crowd_notional" => d.crowd_notional.clone(),
        "crowd_accounts" => d.crowd_accounts.clone(),
        _ => {
            let (kind, sym) = name.split_once('.').ok_or_else(|| unknown(format!("unknown series {name:?}")))?;
            let a = d
                .assets
                .iter()
                .find(|a| a.symbol == sym)
                .ok_or_else(|| unknown(format!("no series for asset {sym:?}")))?;
            match kind {
                "price" => a.price.clone(),
                "exogenous" => a.exogenous.clone(),
                "change_pct" => a.change_pct.clone(),
                "exo_change_pct" => a.exo_change_pct.clone(),
                "impact_pct" => a.impact_pct.clone(),
                "forced_flow" => a.forced_flow.clone(),
                "mark" => a.mark.clone(),
                "liq" => a.liq.clone(),
                _ => return Err(unknown(format!("unknown series {name:?}"))),
            }
        }
    })
}

/// The assets a ladder can show: those the crowd holds as positions or collateral, the default first.
pub fn ladder_assets(m: &Model) -> Vec<String> {
    let first = crate::engine::ladder::default_asset(m);
    // held as a position, or as collateral (a fall in it cuts the holders' collateral value)
    let held = |i: usize| {
        m.cohorts.iter().any(|c| {
            c.template.iter().any(|p| p.asset == i) || c.members.iter().any(|mem| mem.balances.iter().any(|b| b.0 == i))
        }) || m.explicit.iter().any(|a| a.positions.iter().any(|p| p.asset == i) || a.balances.iter().any(|b| b.0 == i))
    };
    let mut out = vec![];
    if held(first) {
        out.push(m.assets[first].symbol.clone());
    }
    for (i, a) in m.assets.iter().enumerate() {
        if i != first && held(i) {
            out.push(a.symbol.clone());
        }
    }
    out
}
