//! The only module that speaks to JavaScript (compiled for wasm32 only). A small handle,
//! `Explorer`: load a scenario (preset or JSON), set controls, run, read series as typed arrays,
//! read the summary and events, draw the three charts on canvases.
//!
//! Every method that can fail returns a `JsError` carrying the engine's message; nothing a user
//! can do makes this module panic.

mod canvas;

use crate::chart::{self, ChartData, Which};
use crate::controls;
use crate::outcome::Outcome;
use crate::scenario::Scenario;
use crate::{link, presets, report, Model};
use js_sys::Float64Array;
use plotters::prelude::IntoDrawingArea;
use serde_json::json;
use std::collections::BTreeMap;
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;

fn err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

/// The result of a run as the page needs it (also what a worker sends back).
#[derive(serde::Serialize, serde::Deserialize, Default, Clone)]
struct PageResult {
    chart: ChartData,
    /// JSON text of the page summary (see `page_summary`).
    summary: String,
}

#[wasm_bindgen]
pub struct Explorer {
    base: Scenario,
    base_name: String,
    values: BTreeMap<String, String>,
    result: Option<PageResult>,
    /// The model for the current values, when `set_control` has just validated it.
    model: Option<Model>,
    /// The last outcome computed here (not for results imported from the worker).
    outcome: Option<Outcome>,
}

fn page_summary(o: &Outcome, s: &Scenario) -> String {
    let focal_events: Vec<serde_json::Value> = o
        .main
        .events
        .iter()
        .filter(|e| e.account == crate::liquidation::AccountId::Focal)
        .map(|e| report::event_json(&o.symbols, e, "focal"))
        .collect();
    let cf = |r: &crate::outcome::RunSummary| serde_json::to_value(r).unwrap_or_default();
    json!({
        "name": o.name,
        "symbols": o.symbols,
        "step_minutes": crate::types::dec_to_f64(o.step_minutes),
        "steps": s.steps,
        "shocks": s.shocks,
        "feedback": s.feedback,
        "summary": cf(&o.summary),
        "other_mode": cf(&o.other_mode_summary),
        "no_feedback": cf(&o.no_feedback_summary),
        "focal_events": focal_events,
        "notices": o.notices,
    })
    .to_string()
}

impl Default for Explorer {
    fn default() -> Self {
        Self::new()
    }
}

#[wasm_bindgen]
impl Explorer {
    /// A handle on the default preset (`presets::DEFAULT`).
    #[wasm_bindgen(constructor)]
    pub fn new() -> Explorer {
        let p = presets::get(presets::DEFAULT).map(|p| p.scenario()).unwrap_or_default();
        Explorer {
            base: p,
            base_name: presets::DEFAULT.into(),
            values: BTreeMap::new(),
            result: None,
            model: None,
            outcome: None,
        }
    }

    /// The bundled presets: `[{name, claim, title, description}]` as JSON.
    pub fn presets() -> String {
        let v: Vec<serde_json::Value> = presets::PRESETS
            .iter()
            .map(|p| {
                let s = p.scenario();
                json!({"name": p.name, "claim": p.claim, "title": s.name, "description": s.description})
            })
            .collect();
        serde_json::Value::Array(v).to_string()
    }

    /// Load a preset as the base scenario; clears the controls.
    pub fn load_preset(&mut self, name: &str) -> Result<(), JsError> {
        let p = presets::get(name).map_err(err)?;
        self.base = p.scenario();
        self.base_name = name.into();
        self.values.clear();
        self.result = None;
        self.model = None;
        self.outcome = None;
        Ok(())
    }

    /// Load a scenario from JSON text (validated first; on error nothing changes).
    pub fn load_json(&mut self, text: &str) -> Result<(), JsError> {
        if text.len() > 4 << 20 {
            return Err(JsError::new("the scenario is larger than 4 MiB"));
        }
        let s = Scenario::from_json(text).map_err(err)?;
        Model::from_scenario(&s).map_err(err)?;
        self.base = s;
        self.base_name = String::new();
        self.values.clear();
        self.result = None;
        self.model = None;
        self.outcome = None;
        Ok(())
    }

    #[wasm_bindgen(getter)]
    pub fn preset(&self) -> String {
        self.base_name.clone()
    }

    /// The controls for the current base scenario, with current values, as JSON.
    pub fn controls(&self) -> String {
        let mut c = controls::describe(&self.base);
        for x in c.iter_mut() {
            if let Some(v) = self.values.get(&x.key) {
                x.value = v.clone();
            }
        }
        serde_json::to_string(&c).unwrap_or_default()
    }

    /// Set one control; validated (range, and the resulting scenario) before it is kept.
    pub fn set_control(&mut self, key: &str, value: &str) -> Result<(), JsError> {
        let mut next = self.values.clone();
        next.insert(key.to_string(), value.to_string());
        let s = controls::apply(&self.base, &next).map_err(err)?;
        let m = Model::from_scenario(&s).map_err(err)?;
        self.values = next;
        self.model = Some(m);
        self.outcome = None;
        Ok(())
    }

    pub fn reset_controls(&mut self) {
        self.values.clear();
        self.model = None;
        self.outcome = None;
    }

    /// The control values that differ from the base, as JSON `{key: value}`.
    pub fn control_values(&self) -> String {
        serde_json::to_string(&self.values).unwrap_or_default()
    }

    /// The base scenario (before controls) as JSON.
    pub fn base_json(&self) -> String {
        self.base.to_json_pretty()
    }

    /// The effective scenario (base + controls) as JSON.
    pub fn scenario_json(&self) -> Result<String, JsError> {
        let s = controls::apply(&self.base, &self.values).map_err(err)?;
        Ok(s.to_json_pretty())
    }

    /// Rough cost of a run (assets × steps × accounts), to decide whether to use a worker.
    pub fn cost(&self) -> f64 {
        let s = &self.base;
        let accounts = 1.0 + s.crowd.accounts as f64 / 50.0 + s.accounts.len() as f64;
        s.steps as f64 * s.assets.len() as f64 * accounts
    }

    /// Run the effective scenario; returns the page summary JSON.
    pub fn run(&mut self) -> Result<String, JsError> {
        let s = controls::apply(&self.base, &self.values).map_err(err)?;
        let m = match self.model.take() {
            Some(m) => m,
            None => Model::from_scenario(&s).map_err(err)?,
        };
        let o = crate::simulate(&m);
        let summary = page_summary(&o, &s);
        self.result = Some(PageResult { chart: ChartData::from_outcome(&o), summary: summary.clone() });
        Ok(summary)
    }

    /// The last result as JSON text (what a worker sends back to the page).
    pub fn export_result(&self) -> Result<String, JsError> {
        let r = self.result.as_ref().ok_or_else(|| JsError::new("nothing has been run yet"))?;
        serde_json::to_string(r).map_err(err)
    }

    /// Adopt a result computed elsewhere (by the worker); returns its summary JSON.
    pub fn import_result(&mut self, text: &str) -> Result<String, JsError> {
        let r: PageResult = serde_json::from_str(text).map_err(|e| err(format!("bad result from the worker: {e}")))?;
        let s = r.summary.clone();
        self.result = Some(r);
        self.outcome = None;
        Ok(s)
    }

    /// The per-step series of the last run as CSV (the same columns as `cascade run --csv`).
    pub fn csv(&mut self) -> Result<String, JsError> {
        if self.outcome.is_none() {
            let s = controls::apply(&self.base, &self.values).map_err(err)?;
            let m = Model::from_scenario(&s).map_err(err)?;
            self.outcome = Some(crate::simulate(&m));
        }
        Ok(self.outcome.as_ref().map(report::to_csv).unwrap_or_default())
    }

    /// Load a share link (a URL fragment). Never fails: problems come back as notices.
    /// Returns JSON `{notices, embed, controls, charts, theme, step}`.
    pub fn load_link(&mut self, fragment: &str) -> String {
        let d = link::decode(fragment);
        let l = d.link;
        self.base = l.base();
        self.base_name = if l.scenario.is_some() { String::new() } else { l.preset.clone().unwrap_or_default() };
        self.values = l.controls.clone();
        self.result = None;
        self.model = None;
        self.outcome = None;
        json!({"notices": d.notices, "embed": l.embed, "controls": l.embed_controls, "charts": l.embed_charts, "theme": l.theme, "step": l.step})
            .to_string()
    }

    /// The canonical share link (fragment, without `#`) for the current scenario and a view.
    /// `controls`: comma-separated control keys an embed shows (`None`: not set); `charts`:
    /// comma-separated chart names an embed shows (`None`: all).
    pub fn link(
        &self,
        embed: bool,
        controls: Option<String>,
        charts: Option<String>,
        theme: &str,
        step: Option<u32>,
    ) -> String {
        let list = |c: String| c.split(',').map(str::trim).filter(|k| !k.is_empty()).map(String::from).collect();
        let l = link::Link {
            preset: if self.base_name.is_empty() { None } else { Some(self.base_name.clone()) },
            scenario: if self.base_name.is_empty() { Some(self.base.clone()) } else { None },
            controls: self.values.clone(),
            embed,
            embed_controls: controls.map(list),
            embed_charts: charts.map(list),
            theme: match theme {
                "light" => link::Theme::Light,
                "dark" => link::Theme::Dark,
                _ => link::Theme::Auto,
            },
            step: step.map(|t| t as usize),
        };
        link::encode(&l)
    }

    /// Number of points in every series (steps + 1), 0 before a run.
    pub fn points(&self) -> usize {
        self.result.as_ref().map(|r| r.chart.hours.len()).unwrap_or(0)
    }

    /// A series as a typed array. Names: `hours`, `equity`, `collateral`, `other_equity`,
    /// `other_collateral`, `mr_pct`, `other_mr_pct` (NaN = unbounded), `forced_flow`, and per
    /// shown asset `price.SYM`, `exogenous.SYM`, `change_pct.SYM`, `exo_change_pct.SYM`,
    /// `impact_pct.SYM`, `forced_flow.SYM`.
    pub fn series(&self, name: &str) -> Result<Float64Array, JsError> {
        let r = self.result.as_ref().ok_or_else(|| JsError::new("nothing has been run yet"))?;
        let d = &r.chart;
        let opt = |v: &Vec<Option<f64>>| v.iter().map(|x| x.unwrap_or(f64::NAN)).collect::<Vec<f64>>();
        let v: Vec<f64> = match name {
            "hours" => d.hours.clone(),
            "equity" => d.equity.clone(),
            "collateral" => d.collateral.clone(),
            "other_equity" => d.other_equity.clone(),
            "other_collateral" => d.other_collateral.clone(),
            "mr_pct" => opt(&d.mr_pct),
            "other_mr_pct" => opt(&d.other_mr_pct),
            "forced_flow" => d.forced_flow.clone(),
            _ => {
                let (kind, sym) =
                    name.split_once('.').ok_or_else(|| JsError::new(&format!("unknown series {name:?}")))?;
                let a = d
                    .assets
                    .iter()
                    .find(|a| a.symbol == sym)
                    .ok_or_else(|| JsError::new(&format!("no series for asset {sym:?}")))?;
                match kind {
                    "price" => a.price.clone(),
                    "exogenous" => a.exogenous.clone(),
                    "change_pct" => a.change_pct.clone(),
                    "exo_change_pct" => a.exo_change_pct.clone(),
                    "impact_pct" => a.impact_pct.clone(),
                    "forced_flow" => a.forced_flow.clone(),
                    _ => return Err(JsError::new(&format!("unknown series {name:?}"))),
                }
            }
        };
        Ok(Float64Array::from(v.as_slice()))
    }

    /// Symbols shown in the price-impact chart.
    pub fn chart_assets(&self) -> Vec<String> {
        self.result.as_ref().map(|r| r.chart.assets.iter().map(|a| a.symbol.clone()).collect()).unwrap_or_default()
    }

    /// Draw chart `which` (0 collateral, 1 margin ratio, 2 price impact) at `css_w × css_h`
    /// CSS pixels, backing store × `dpr`.
    pub fn draw(
        &self,
        canvas: &HtmlCanvasElement,
        which: u8,
        css_w: u32,
        css_h: u32,
        dpr: f64,
        dark: bool,
    ) -> Result<(), JsError> {
        let r = self.result.as_ref().ok_or_else(|| JsError::new("nothing has been run yet"))?;
        let which = match which {
            0 => Which::Collateral,
            1 => Which::MarginRatio,
            2 => Which::Impact,
            _ => return Err(JsError::new("chart must be 0, 1 or 2")),
        };
        let (w, h) = (css_w.clamp(200, 4000), css_h.clamp(120, 3000));
        let backend = canvas::CanvasBackend::new(canvas, w, h, dpr).map_err(err)?;
        let root = backend.into_drawing_area();
        chart::draw(&root, &r.chart, which, if dark { &chart::DARK } else { &chart::LIGHT }).map_err(err)?;
        Ok(())
    }

    /// The x pixel range of the plot area for a chart `css_w` wide: `[x0, x1]` (for the cursor).
    pub fn plot_x_range(css_w: u32) -> Vec<f64> {
        vec![(chart::LEFT - 8) as f64, css_w as f64 - (chart::RIGHT + 8) as f64]
    }

    /// A fresh random seed (0 ..= 2^53 − 1) from the platform's secure random source.
    pub fn random_seed() -> Result<f64, JsError> {
        let mut b = [0u8; 8];
        getrandom::getrandom(&mut b).map_err(err)?;
        Ok((u64::from_le_bytes(b) & crate::scenario::limits::MAX_SEED) as f64)
    }
}
