//! The only module that speaks to JavaScript (compiled for wasm32 only): a small handle,
//! `Explorer`. Load a scenario (preset, JSON or share link), set controls, run, read series as
//! typed arrays, read the summary, the controls and the ladder as JS values, draw the charts on
//! canvases.
//!
//! Structured values cross as plain JS objects through `serde-wasm-bindgen`; the per-step series
//! cross as `Float64Array`s. Every method that can fail returns a `JsError` carrying the engine's
//! message; nothing a user can do makes this module panic.

mod canvas;
mod page;

use crate::engine::crowd::CrowdMemo;
use crate::engine::market::ExoPath;
use crate::engine::scenario::Scenario;
use crate::engine::sim::State;
use crate::engine::surface::{Axis, Cell, Plan, Surface};
use crate::output::chart::{self, ChartData, Which};
use crate::{engine::ladder, output::report, share::controls, share::link, share::presets, share::sweep, Model};
use js_sys::Float64Array;
use page::{PageResult, PageSummary};
use plotters::prelude::IntoDrawingArea;
use serde::Serialize;
use std::collections::BTreeMap;
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;

fn err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

/// A value as a plain JS object (maps as objects, not `Map`s).
fn js<T: Serialize + ?Sized>(v: &T) -> Result<JsValue, JsError> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(err)
}

#[wasm_bindgen]
pub struct Explorer {
    base: Scenario,
    base_name: String,
    values: BTreeMap<String, String>,
    /// The last result (computed here, or imported from the worker).
    result: Option<PageResult>,
    /// The model of the current values, once validated.
    model: Option<Model>,
    /// The exogenous path of `model`, and the main run's state at a step (for the ladder; kept
    /// so that a cursor moving forward plays on from it).
    exo: Option<ExoPath>,
    state: Option<State>,
    /// The description of the base scenario, filled in from a run of it.
    description: Option<String>,
    window: Option<(usize, usize)>,
    /// The venue the summary compares the run with (a view setting, like the window).
    vs: Option<crate::engine::venues::Venue>,
    /// The liquidation surface's grid for the current values, with the axes it was asked for.
    surface: Option<(String, String, Plan)>,
    /// The risk map for the current values: its axes and paths as asked, its plan, the cells so far.
    sweep: Option<(sweep::Plan, Vec<Option<sweep::Stats>>)>,
    /// The last crowd generated: a model rebuilt for settings that leave the crowd alone copies it.
    crowd: CrowdMemo,
}

/// A scenario read from JSON text of at most 4 MiB.
fn scenario_of(text: &str) -> Result<Scenario, JsError> {
    if text.len() > 4 << 20 {
        return Err(JsError::new("the scenario is larger than 4 MiB"));
    }
    Scenario::from_json(text).map_err(err)
}

impl Default for Explorer {
    fn default() -> Self {
        Self::new()
    }
}

impl Explorer {
    fn set_base(&mut self, base: Scenario, name: &str, values: BTreeMap<String, String>) {
        self.base = base;
        self.base_name = name.into();
        self.values = values;
        self.description = None;
        self.forget();
    }

    /// Forget everything computed from the current values.
    fn forget(&mut self) {
        self.result = None;
        self.model = None;
        self.exo = None;
        self.state = None;
        self.surface = None;
        self.sweep = None;
    }

    /// Keep control values `next` once the scenario they make is valid; its model is kept too.
    fn take_values(&mut self, next: BTreeMap<String, String>) -> Result<(), JsError> {
        let s = controls::apply(&self.base, &next).map_err(err)?;
        let m = Model::from_scenario_with(&s, &mut self.crowd).map_err(err)?;
        self.values = next;
        self.forget();
        self.model = Some(m);
        Ok(())
    }

    fn effective(&self) -> Result<Scenario, JsError> {
        controls::apply(&self.base, &self.values).map_err(err)
    }

    fn model(&mut self) -> Result<&Model, JsError> {
        if self.model.is_none() {
            let s = self.effective()?;
            self.model = Some(Model::from_scenario_with(&s, &mut self.crowd).map_err(err)?);
        }
        self.model.as_ref().ok_or_else(|| JsError::new("no model"))
    }

    /// The surface's grid over axes `x` and `y` (`SYM=MIN:MAX:N`; empty: the default one).
    fn plan(&mut self, x: &str, y: &str) -> Result<&Plan, JsError> {
        if !matches!(&self.surface, Some((a, b, _)) if a == x && b == y) {
            let axis = |a: &str| (!a.is_empty()).then(|| Axis::parse(a)).transpose().map_err(err);
            let plan = Plan::new(&self.effective()?, axis(x)?, axis(y)?).map_err(err)?;
            self.surface = Some((x.to_string(), y.to_string(), plan));
        }
        self.surface.as_ref().map(|s| &s.2).ok_or_else(|| JsError::new("no surface"))
    }

    /// The risk map over `x` and `y` (`KEY=MIN:MAX:N`, a key alone for its default range, or
    /// empty for the default axis) with `paths` a cell. The plan, and the cells gathered for it,
    /// are kept while the axes resolve to the same ranges (asking with a key alone or with its
    /// range is the same map).
    fn sweep_plan_of(
        &mut self,
        x: &str,
        y: &str,
        paths: u32,
    ) -> Result<&mut (sweep::Plan, Vec<Option<sweep::Stats>>), JsError> {
        let range = |a: &str, key: &str| match a {
            "" => sweep::default_range(&self.base, &self.values, key),
            a if !a.contains('=') => sweep::default_range(&self.base, &self.values, a),
            a => sweep::Range::parse(a),
        };
        let (rx, ry) = (range(x, "lev.0").map_err(err)?, range(y, "corr").map_err(err)?);
        let same = |(p, _): &(sweep::Plan, Vec<Option<sweep::Stats>>)| {
            p.x == rx && p.y == ry && p.seeds.len() == paths as usize
        };
        if !self.sweep.as_ref().is_some_and(same) {
            let plan = sweep::Plan::new(&self.base, &self.values, rx, ry, paths).map_err(err)?;
            let cells = vec![None; plan.cells()];
            self.sweep = Some((plan, cells));
        }
        self.sweep.as_mut().ok_or_else(|| JsError::new("no risk map"))
    }

    fn result(&self) -> Result<&PageResult, JsError> {
        self.result.as_ref().ok_or_else(|| JsError::new("nothing has been run yet"))
    }
}

#[wasm_bindgen]
impl Explorer {
    /// A handle on the default preset (`presets::DEFAULT`).
    #[wasm_bindgen(constructor)]
    pub fn new() -> Explorer {
        let base = presets::get(presets::DEFAULT).map(|p| p.scenario()).unwrap_or_default();
        Explorer {
            base,
            base_name: presets::DEFAULT.into(),
            values: BTreeMap::new(),
            result: None,
            model: None,
            exo: None,
            state: None,
            description: None,
            window: None,
            vs: None,
            surface: None,
            sweep: None,
            crowd: CrowdMemo::default(),
        }
    }

    /// The bundled presets, the default first: `[{name, claim, title}]`.
    pub fn presets() -> Result<JsValue, JsError> {
        js(&page::presets())
    }

    /// The venue rule packs: `[{key, title, line}]`, `simple` first.
    pub fn venues() -> Result<JsValue, JsError> {
        let list: Vec<page::VenueInfo> = crate::engine::venues::ALL
            .iter()
            .map(|v| page::VenueInfo { key: v.key(), title: v.title(), line: v.line() })
            .collect();
        js(&list)
    }

    /// The charts in the page's order: `[{name, panels: [panel names]}]` (`chart::CHARTS`).
    pub fn charts() -> Result<JsValue, JsError> {
        let v: Vec<page::ChartInfo> = chart::CHARTS
            .iter()
            .map(|(name, panels)| page::ChartInfo { name, panels: panels.iter().map(|w| w.name()).collect() })
            .collect();
        js(&v)
    }

    /// Load a preset as the base scenario; clears the controls.
    pub fn load_preset(&mut self, name: &str) -> Result<(), JsError> {
        let p = presets::get(name).map_err(err)?;
        self.set_base(p.scenario(), name, BTreeMap::new());
        Ok(())
    }

    /// Load a scenario from JSON text (validated first; on error nothing changes).
    pub fn load_json(&mut self, text: &str) -> Result<(), JsError> {
        let s = scenario_of(text)?;
        let m = Model::from_scenario_with(&s, &mut self.crowd).map_err(err)?;
        self.set_base(s, "", BTreeMap::new());
        // (without controls the effective scenario is the base, upgraded as the model reads it)
        self.model = Some(m);
        Ok(())
    }

    /// Load a scenario from JSON text with control values `{key: value}` on it (the worker's
    /// job: one model built for the two); on error nothing changes. Only the scenario with its
    /// values is validated, not the scenario alone: the page sends the worker a base it has
    /// validated already (a preset, or a scenario `load_json` accepted).
    pub fn load_json_with(&mut self, text: &str, values: JsValue) -> Result<(), JsError> {
        let s = scenario_of(text)?;
        let values: BTreeMap<String, String> = serde_wasm_bindgen::from_value(values).map_err(err)?;
        let m = Model::from_scenario_with(&controls::apply(&s, &values).map_err(err)?, &mut self.crowd).map_err(err)?;
        self.set_base(s, "", values);
        self.model = Some(m);
        Ok(())
    }

    #[wasm_bindgen(getter)]
    pub fn preset(&self) -> String {
        self.base_name.clone()
    }

    /// The base scenario's description, its figures filled in from a run of the base scenario
    /// (what it shows at its own values; computed once per base).
    pub fn description(&mut self) -> String {
        if self.description.is_none() {
            let text = presets::description(&self.base).unwrap_or_else(|_| self.base.description.clone());
            self.description = Some(text);
        }
        self.description.clone().unwrap_or_default()
    }

    /// The controls with their current values, whether each can change the outcome (and why
    /// not), and their notes (a position's size, the account's leverage).
    pub fn controls(&mut self) -> Result<JsValue, JsError> {
        let _ = self.model(); // (built if it is not yet; none for settings that do not validate)
        let apart = self.result.as_ref().map(|r| r.chart.rules_matter);
        js(&controls::describe_with(&self.base, &self.values, self.model.as_ref(), apart))
    }

    /// Set one control; validated (range, and the resulting scenario) before it is kept.
    pub fn set_control(&mut self, key: &str, value: &str) -> Result<(), JsError> {
        let mut next = self.values.clone();
        next.insert(key.to_string(), value.to_string());
        self.take_values(next)
    }

    /// Set several controls at once, `{key: value}` (values as text): validated together, one
    /// model built; kept only if all are valid (otherwise nothing changes).
    pub fn set_controls(&mut self, values: JsValue) -> Result<(), JsError> {
        let more: BTreeMap<String, String> = serde_wasm_bindgen::from_value(values).map_err(err)?;
        if more.is_empty() {
            return Ok(());
        }
        let mut next = self.values.clone();
        next.extend(more);
        self.take_values(next)
    }

    pub fn reset_controls(&mut self) {
        self.values.clear();
        self.forget();
    }

    /// The control values that differ from the base, `{key: value}`.
    pub fn control_values(&self) -> Result<JsValue, JsError> {
        js(&self.values)
    }

    /// The base scenario (before controls) as JSON.
    pub fn base_json(&self) -> String {
        self.base.to_json_pretty()
    }

    /// The effective scenario (base + controls) as JSON.
    pub fn scenario_json(&self) -> Result<String, JsError> {
        Ok(self.effective()?.to_json_pretty())
    }

    /// Rough cost of a run (assets × steps × accounts), to decide whether to use a worker. A crowd
    /// holding more in assets than its collateral (a loan) is checked account by account: about
    /// three times the cost (measured natively: 0.47 s against 0.16 s for 100 000 accounts).
    pub fn cost(&self) -> f64 {
        let s = &self.base;
        let shares: rust_decimal::Decimal = s.crowd.collateral.values().map(|r| r.0).sum();
        let per = if shares > rust_decimal::Decimal::ONE { 3.0 / 50.0 } else { 1.0 / 50.0 };
        let accounts = 1.0 + s.crowd.accounts as f64 * per + s.accounts.len() as f64;
        s.steps as f64 * s.assets.len() as f64 * accounts
    }

    /// Run the effective scenario; returns the page summary. The main run's state is kept at the
    /// step the cursor will show ([`Explorer::cursor_for`] with the same `keep_step`), so that the
    /// ladder there needs no replay.
    pub fn run(&mut self, keep_step: Option<u32>) -> Result<JsValue, JsError> {
        self.model()?;
        let Some(m) = self.model.as_ref() else { return Err(JsError::new("no model")) };
        let (o, exo, kept) =
            crate::engine::outcome::simulate_keeping(m, keep_step.map(|k| k as usize).filter(|&k| k <= m.steps));
        let summary = js(&PageSummary::new(&o, m))?;
        self.exo = Some(exo);
        self.state = Some(kept);
        self.result = Some(PageResult { chart: ChartData::from_outcome(&o), summary: summary.clone() });
        Ok(summary)
    }

    /// Each position's safe leverage in the effective scenario (`share/safe.rs`):
    /// `[{asset, control, side, words, with_feedback: {edge, survives_at, liquidated_at},
    /// without_feedback}]`. Tens of runs: the page asks the worker (`www/answers.js`).
    pub fn safe_leverage(&self) -> Result<JsValue, JsError> {
        js(&crate::share::safe::safe_leverage(&self.effective()?).map_err(err)?)
    }

    /// The last result, to send from the worker to the page: `{chart, summary}`, the chart data
    /// as postcard bytes (a `Uint8Array` whose buffer the worker transfers: its many series
    /// cross in one copy, and decode at memory speed, where a JS object of arrays took 5 ms to
    /// build and 14 ms to read back on the large scenario).
    pub fn export_result(&self) -> Result<JsValue, JsError> {
        let r = self.result()?;
        let bytes = postcard::to_allocvec(&r.chart).map_err(err)?;
        let out = js_sys::Object::new();
        let set = |k: &str, v: &JsValue| js_sys::Reflect::set(&out, &k.into(), v).map_err(|_| JsError::new("export"));
        set("chart", &js_sys::Uint8Array::from(bytes.as_slice()).into())?;
        set("summary", &r.summary)?;
        Ok(out.into())
    }

    /// Adopt a result computed elsewhere (by the worker's `export_result`); returns its summary.
    pub fn import_result(&mut self, value: JsValue) -> Result<JsValue, JsError> {
        let get =
            |k: &str| js_sys::Reflect::get(&value, &k.into()).map_err(|_| JsError::new("bad result from the worker"));
        let bytes = get("chart")?
            .dyn_into::<js_sys::Uint8Array>()
            .map_err(|_| JsError::new("bad result from the worker: the chart data is not bytes"))?
            .to_vec();
        let chart: ChartData =
            postcard::from_bytes(&bytes).map_err(|e| err(format!("bad result from the worker: {e}")))?;
        let summary = get("summary")?;
        self.result = Some(PageResult { chart, summary: summary.clone() });
        self.exo = None;
        self.state = None;
        Ok(summary)
    }

    /// The per-step series of the effective scenario as CSV (the columns of `cascade run --csv`).
    pub fn csv(&mut self) -> Result<String, JsError> {
        let m = self.model()?;
        Ok(report::to_csv(&crate::simulate(m)))
    }

    /// Load a share link (a URL fragment). Never fails: problems come back as notices.
    /// Returns `{notices, embed, controls, charts, theme, step, window}`.
    pub fn load_link(&mut self, fragment: &str) -> Result<JsValue, JsError> {
        let d = link::decode(fragment);
        let l = d.link;
        let name = if l.scenario.is_some() { String::new() } else { l.preset.clone().unwrap_or_default() };
        self.set_base(l.base(), &name, l.controls.clone());
        self.window = l.window;
        self.vs = l.vs;
        js(&page::LinkView {
            notices: d.notices,
            embed: l.embed,
            controls: l.embed_controls,
            charts: l.embed_charts,
            theme: l.theme,
            step: l.step,
            window: l.window,
            vs: l.vs.map(|v| v.key().to_string()),
        })
    }

    /// The canonical share link (fragment, without `#`) for the current scenario and a view.
    /// `controls`, `charts`: comma-separated lists for an embed (`None`: not set / all).
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
            window: self.window,
            vs: self.vs,
        };
        link::encode(&l)
    }

    /// The venue the summary compares the run with: a key (`binance`), or none (`None`, or a
    /// key that names no venue). The scenario and its run are not touched.
    pub fn set_vs(&mut self, venue: Option<String>) {
        self.vs = venue.as_deref().and_then(crate::engine::venues::Venue::from_key);
    }

    /// The compared venue's key, if one is set.
    pub fn vs(&self) -> Option<String> {
        self.vs.map(|v| v.key().to_string())
    }

    /// The run shown beside the same scenario under the compared venue's rules: `{this, other,
    /// rows: [{label, this, other}]}`, or `null` when no venue is compared. Runs both main runs
    /// (the page keeps no outcome of its own).
    pub fn compare(&mut self) -> Result<JsValue, JsError> {
        let Some(venue) = self.vs else { return Ok(JsValue::NULL) };
        let chosen = controls::chosen_venue(&self.base, &self.values);
        let other = controls::under_venue(&self.base, &self.values, venue).map_err(err)?;
        let m = self.model()?;
        let (run, summary) = crate::engine::outcome::simulate_main(m);
        let this = crate::output::compare::rules_title(m, chosen);
        js(&crate::output::compare::compare_run(m, (&run, &summary), &this, &other, venue).map_err(err)?)
    }

    /// Number of points in every series (steps + 1), 0 before a run.
    pub fn points(&self) -> usize {
        self.result.as_ref().map(|r| r.chart.hours.len()).unwrap_or(0)
    }

    /// A series as a typed array: see [`page::series`] for the names.
    pub fn series(&self, name: &str) -> Result<Float64Array, JsError> {
        let v = page::series(&self.result()?.chart, name).map_err(err)?;
        Ok(Float64Array::from(v.as_slice()))
    }

    /// Symbols shown in the price-impact chart.
    pub fn chart_assets(&self) -> Vec<String> {
        self.result.as_ref().map(|r| r.chart.assets.iter().map(|a| a.symbol.clone()).collect()).unwrap_or_default()
    }

    /// The time window the time charts draw: steps `from..=to` (both `None`: the whole run).
    pub fn set_window(&mut self, from: Option<u32>, to: Option<u32>) {
        self.window = match (from, to) {
            (Some(a), Some(b)) if a < b => Some((a as usize, b as usize)),
            _ => None,
        };
    }

    /// The window in force: `[from, to]`, or `null` for the whole run.
    pub fn window(&self) -> Option<Vec<u32>> {
        self.window.map(|(a, b)| vec![a as u32, b as u32])
    }

    /// The assets a ladder can show (those the crowd holds), the default first.
    pub fn ladder_assets(&mut self) -> Result<Vec<String>, JsError> {
        let m = self.model()?;
        Ok(page::ladder_assets(m))
    }

    /// The step the cursor shows after the last run: `step` when the run has it, else the step
    /// of the focal account's first liquidation (its first marker), else the last step.
    pub fn cursor_for(&self, step: Option<u32>) -> Result<u32, JsError> {
        let c = &self.result()?.chart;
        let last = c.hours.len().saturating_sub(1);
        Ok(match step {
            Some(s) if s as usize <= last => s,
            _ => c.liquidations.first().map_or(last, |l| l.step) as u32,
        })
    }

    /// The crowd's liquidation ladder of `symbol` at `step` of the main run (kept for the ladder
    /// chart). Returns it, or `null` when the scenario has no crowd.
    pub fn ladder(&mut self, step: u32, symbol: &str) -> Result<JsValue, JsError> {
        self.model()?;
        let Some(m) = self.model.as_ref() else { return Err(JsError::new("no model")) };
        let Some(asset) = m.assets.iter().position(|a| a.symbol == symbol) else {
            return Err(JsError::new(&format!("no asset {symbol:?}")));
        };
        let step = (step as usize).min(m.steps);
        // the result already holds it (computed by the worker along with the run, or asked twice)
        let held = self.result.as_ref().and_then(|r| r.chart.ladder.as_ref());
        if let Some(l) = held.filter(|l| l.step == step && l.symbol == symbol) {
            return js(l);
        }
        let exo = self.exo.get_or_insert_with(|| crate::engine::market::exogenous_path(m));
        // play on from the kept state when the cursor moved forward; replay otherwise
        let state = match self.state.take() {
            Some(s) if s.t <= step => s,
            _ => State::new(m, exo, m.feedback, &m.focal),
        };
        let mut state = state;
        while state.t < step {
            state.step(m, exo);
        }
        // (a crowd all liquidated by this step still has a ladder: nothing left to liquidate)
        let has_crowd = !m.cohorts.is_empty() || !m.explicit.is_empty();
        let data = has_crowd.then(|| {
            let lv = ladder::levels(m, asset, state.post.market[asset], 0.2, 40);
            chart::LadderData::new(&ladder::ladder(&state, m, asset, &lv), m)
        });
        self.state = Some(state);
        let out = js(&data)?;
        if let Some(r) = self.result.as_mut() {
            r.chart.ladder = data;
        }
        Ok(out)
    }

    /// Draw panel `panel` (`Explorer.charts()` names them) at `css_w × css_h` CSS pixels,
    /// backing store × `dpr`.
    pub fn draw(
        &mut self,
        canvas: &HtmlCanvasElement,
        panel: &str,
        css_w: u32,
        css_h: u32,
        dpr: f64,
        dark: bool,
    ) -> Result<(), JsError> {
        let window = self.window;
        let r = self.result.as_mut().ok_or_else(|| JsError::new("nothing has been run yet"))?;
        r.chart.window = window;
        let which = Which::from_name(panel).ok_or_else(|| JsError::new(&format!("no chart panel {panel:?}")))?;
        let (w, h) = (css_w.clamp(200, 4000), css_h.clamp(120, 3000));
        let backend = canvas::CanvasBackend::new(canvas, w, h, dpr).map_err(err)?;
        let root = backend.into_drawing_area();
        chart::draw(&root, &r.chart, which, if dark { &chart::DARK } else { &chart::LIGHT }).map_err(err)?;
        Ok(())
    }

    /// The liquidation surface's grid for the current values (`engine/surface.rs`), axes as
    /// `SYM=MIN:MAX:N` or empty for the default ones: `{x, y: {symbol, min, max, n, spec}, step,
    /// mode, dot: {x, y}, assets}`.
    pub fn surface_plan(&mut self, x: &str, y: &str) -> Result<JsValue, JsError> {
        let axis = |a: &Axis| {
            serde_json::json!({"symbol": a.symbol, "min": a.min, "max": a.max, "n": a.n,
                "spec": format!("{}={}:{}:{}", a.symbol, a.min, a.max, a.n)})
        };
        let assets: Vec<String> = self.model()?.assets.iter().map(|a| a.symbol.clone()).collect();
        let p = self.plan(x, y)?;
        js(&serde_json::json!({"x": axis(&p.x), "y": axis(&p.y), "step": p.step, "mode": p.mode.name(),
            "dot": {"x": p.dot.0, "y": p.dot.1}, "assets": assets}))
    }

    /// Row `j` of the surface (y index), a code per cell along x (`Cell::code`): the worker runs
    /// the grid row by row, reporting progress between rows.
    pub fn surface_row(&mut self, x: &str, y: &str, j: u32) -> Result<Vec<u8>, JsError> {
        let p = self.plan(x, y)?;
        if j as usize >= p.y.n {
            return Err(JsError::new(&format!("row {j} is outside the grid's {} rows", p.y.n)));
        }
        (0..p.x.n).map(|i| p.cell(i, j as usize).map(|c| c.code()).map_err(err)).collect()
    }

    /// The surface from its codes (row by row), for drawing and for words.
    fn surface_of(&mut self, x: &str, y: &str, codes: &[u8]) -> Result<Surface, JsError> {
        let plan = self.plan(x, y)?.clone();
        if codes.len() != plan.cells() {
            return Err(JsError::new(&format!("{} cells for a grid of {}", codes.len(), plan.cells())));
        }
        let cells = codes.iter().map(|&c| Cell::from_code(c).ok_or_else(|| JsError::new("a cell code out of range")));
        Ok(Surface { cells: cells.collect::<Result<_, _>>()?, plan })
    }

    /// Draw the surface (its codes, row by row) on a canvas of `css_w × css_h` CSS pixels.
    #[allow(clippy::too_many_arguments)]
    pub fn draw_surface(
        &mut self,
        canvas: &HtmlCanvasElement,
        x: &str,
        y: &str,
        codes: &[u8],
        css_w: u32,
        css_h: u32,
        dpr: f64,
        dark: bool,
    ) -> Result<String, JsError> {
        let s = self.surface_of(x, y, codes)?;
        let backend =
            canvas::CanvasBackend::new(canvas, css_w.clamp(200, 4000), css_h.clamp(160, 3000), dpr).map_err(err)?;
        chart::surface(&backend.into_drawing_area(), &s, if dark { &chart::DARK } else { &chart::LIGHT })
            .map_err(err)?;
        Ok(crate::output::surface::caption(&s))
    }

    /// The risk map's grid for the current values (`share/sweep.rs`), axes as `KEY=MIN:MAX:N`, a
    /// key alone (its default range) or empty (the default axes): `{x, y: {key, label, min, max, n, spec, values}, paths,
    /// notices, controls: [{key, label}]}` (the controls an axis can take).
    pub fn sweep_plan(&mut self, x: &str, y: &str, paths: u32) -> Result<JsValue, JsError> {
        let effective = self.effective()?;
        let (p, _) = self.sweep_plan_of(x, y, paths)?;
        let axis = |r: &sweep::Range, label: &str| {
            serde_json::json!({"key": r.key, "label": label, "min": r.min, "max": r.max, "n": r.n,
                "spec": format!("{}={}:{}:{}", r.key, r.min, r.max, r.n),
                "values": (0..r.n).map(|k| r.value(k)).collect::<Vec<_>>()})
        };
        let numeric: Vec<serde_json::Value> = sweep::axis_controls(&effective)
            .into_iter()
            .map(|c| serde_json::json!({"key": c.key, "label": c.label}))
            .collect();
        js(&serde_json::json!({"x": axis(&p.x, &p.labels.0), "y": axis(&p.y, &p.labels.1), "paths": p.seeds.len(),
            "notices": p.notices, "controls": numeric}))
    }

    /// Row `j` of the risk map: per cell `{liquidated, paths, lo, hi, es, lar, fund_exhausted,
    /// worst_seed, values}` (`values`: the controls that reopen the cell with its worst path).
    pub fn sweep_row(&mut self, x: &str, y: &str, paths: u32, j: u32) -> Result<JsValue, JsError> {
        let (p, cells) = self.sweep_plan_of(x, y, paths)?;
        let j = j as usize;
        if j >= p.y.n {
            return Err(JsError::new(&format!("row {j} is outside the map's {} rows", p.y.n)));
        }
        let mut out = vec![];
        for i in 0..p.x.n {
            let s = p.cell(i, j).map_err(err)?;
            let mut values = p.values(i, j);
            values.insert("seed".into(), s.worst_seed.to_string());
            out.push(
                serde_json::json!({"liquidated": s.liquidated, "paths": s.paths, "lo": s.interval.0, "hi": s.interval.1,
                "es": s.expected_shortfall.0.to_string(), "lar": s.liquidation_at_risk.0.to_string(),
                "fund_exhausted": s.fund_exhausted, "worst_seed": s.worst_seed, "values": values}),
            );
            cells[j * p.x.n + i] = Some(s);
        }
        js(&out)
    }

    /// Adopt row `j` of the risk map as another handle computed it (`sweep_row`'s answer): the
    /// page gathers its workers' rows here.
    pub fn sweep_adopt(&mut self, x: &str, y: &str, paths: u32, j: u32, row: JsValue) -> Result<(), JsError> {
        #[derive(serde::Deserialize)]
        struct Cell {
            liquidated: u32,
            paths: u32,
            es: String,
            lar: String,
            fund_exhausted: u32,
            worst_seed: u64,
        }
        let row: Vec<Cell> = serde_wasm_bindgen::from_value(row).map_err(err)?;
        let (p, cells) = self.sweep_plan_of(x, y, paths)?;
        if j as usize >= p.y.n || row.len() != p.x.n {
            return Err(JsError::new("a row that is not this map's"));
        }
        let money = |s: &str| s.parse().map(crate::types::Money).map_err(err);
        for (i, c) in row.into_iter().enumerate() {
            cells[j as usize * p.x.n + i] = Some(sweep::Stats {
                paths: c.paths,
                liquidated: c.liquidated,
                interval: sweep::wilson(c.liquidated, c.paths),
                expected_shortfall: money(&c.es)?,
                liquidation_at_risk: money(&c.lar)?,
                fund_exhausted: c.fund_exhausted,
                worst_seed: c.worst_seed,
            });
        }
        Ok(())
    }

    /// The whole risk map as the CLI's JSON (`cascade sweep --json`, the same digest), once every
    /// row has been computed here.
    pub fn sweep_json(&mut self, x: &str, y: &str, paths: u32) -> Result<String, JsError> {
        let (p, cells) = self.sweep_plan_of(x, y, paths)?;
        let all: Option<Vec<sweep::Stats>> = cells.iter().cloned().collect();
        let all = all.ok_or_else(|| JsError::new("the map is not complete"))?;
        Ok(sweep::to_json(p, &all).to_string())
    }

    /// Draw the risk map with the probabilities `p` (row by row, NaN for a cell not computed)
    /// on a canvas; returns the plot area `[x0, y0, x1, y1]` in CSS pixels.
    #[allow(clippy::too_many_arguments)]
    pub fn draw_risk(
        &mut self,
        canvas: &HtmlCanvasElement,
        x: &str,
        y: &str,
        paths: u32,
        p: Vec<f64>,
        css_w: u32,
        css_h: u32,
        dpr: f64,
        dark: bool,
    ) -> Result<Vec<i32>, JsError> {
        let (plan, _) = self.sweep_plan_of(x, y, paths)?;
        let mut d = sweep::map_data(plan, &vec![None; plan.cells()]);
        if p.len() != d.p.len() {
            return Err(JsError::new(&format!("{} cells for a map of {}", p.len(), d.p.len())));
        }
        d.p = p;
        let backend =
            canvas::CanvasBackend::new(canvas, css_w.clamp(240, 4000), css_h.clamp(200, 3000), dpr).map_err(err)?;
        let th = if dark { &chart::DARK } else { &chart::LIGHT };
        Ok(chart::risk_map(&backend.into_drawing_area(), &d, th).map_err(err)?.to_vec())
    }

    /// The x pixel range of the time charts' plot area for a chart `css_w` wide: `[x0, x1]`.
    pub fn plot_x_range(css_w: u32) -> Vec<f64> {
        vec![(chart::LEFT - 8) as f64, css_w as f64 - (chart::RIGHT + 8) as f64]
    }

    /// A fresh random seed (0 ..= 2^53 − 1) from the platform's secure random source.
    pub fn random_seed() -> Result<f64, JsError> {
        let mut b = [0u8; 8];
        getrandom::getrandom(&mut b).map_err(err)?;
        Ok((u64::from_le_bytes(b) & crate::engine::scenario::limits::MAX_SEED) as f64)
    }
}
