//! How a scenario is picked, changed and shared: the bundled presets (`presets.rs`), the
//! explorer's controls applied on top of a scenario (`controls.rs`), and share links that carry
//! both (`link.rs`). The page and the CLI read the same three, and the answers computed by
//! changing a control many times (`safe.rs`: safe leverage; `sweep.rs`: the Monte Carlo risk map).

pub mod controls;
pub mod link;
pub mod presets;
pub mod safe;
pub mod sweep;
