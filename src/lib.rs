//! margin-cascade: a deterministic, exact engine for cross-margin liquidation cascades.
//!
//! Pure Rust: no clock, no ambient randomness, no web imports. The wasm binding (`web/`) and
//! the `cascade` CLI are thin shells over [`simulate_json`] / [`outcome::simulate`].
//! See ARCHITECTURE.md for the map.

pub mod book;
pub mod chart;
pub mod conservation;
pub mod controls;
pub mod crowd;
pub mod error;
pub mod ladder;
pub mod linalg;
pub mod link;
pub mod liquidation;
pub mod margin;
pub mod market;
pub mod model;
pub mod outcome;
pub mod presets;
pub mod report;
pub mod scenario;
pub mod sim;
pub mod story;
pub mod types;
#[cfg(target_arch = "wasm32")]
pub mod web;

pub use error::{Error, Problem, Result};
pub use model::Model;
pub use outcome::{simulate, Outcome};
pub use scenario::Scenario;

/// Parse, validate and simulate a scenario given as JSON text.
pub fn simulate_json(text: &str) -> Result<Outcome> {
    let s = Scenario::from_json(text)?;
    let m = Model::from_scenario(&s)?;
    Ok(simulate(&m))
}

/// Load a scenario from `preset:NAME` or JSON text.
pub fn load_scenario(source: &str) -> Result<Scenario> {
    match source.strip_prefix("preset:") {
        Some(name) => presets::get(name).map(|p| p.scenario()),
        None => Scenario::from_json(source),
    }
}
