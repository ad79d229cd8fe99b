//! margin-cascade: a deterministic, exact engine for cross-margin liquidation cascades.
//!
//! * `engine/` — the model and the step loop (pure Rust: no clock, no ambient randomness, no web
//!   imports);
//! * `output/` — what turns a result into JSON, CSV, words and charts;
//! * `share/` — presets, the explorer's controls, share links;
//! * `web/` and `bin/cascade.rs` — the two thin shells: the page's WebAssembly handle and the CLI;
//! * `types.rs` (money, quantities, prices, ratios) and `error.rs` (the one error type).
//!
//! See ARCHITECTURE.md for the map.

pub mod engine;
pub mod error;
pub mod output;
pub mod share;
pub mod types;
#[cfg(target_arch = "wasm32")]
pub mod web;

pub use engine::model::Model;
pub use engine::outcome::{simulate, Outcome};
pub use engine::scenario::Scenario;
pub use error::{Error, Problem, Result};

/// Parse, validate and simulate a scenario given as JSON text.
pub fn simulate_json(text: &str) -> Result<Outcome> {
    let s = Scenario::from_json(text)?;
    let m = Model::from_scenario(&s)?;
    Ok(simulate(&m))
}

/// Load a scenario from `preset:NAME` or JSON text.
pub fn load_scenario(source: &str) -> Result<Scenario> {
    match source.strip_prefix("preset:") {
        Some(name) => share::presets::get(name).map(|p| p.scenario()),
        None => Scenario::from_json(source),
    }
}
