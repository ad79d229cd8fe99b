//! The engine: a scenario document in, an exact, deterministic outcome out. Pure Rust — no web
//! imports, no clock, no ambient randomness.
//!
//! Read it in this order:
//!
//! * `scenario.rs` — the document a user writes (every field defaulted, format versions);
//! * `validate.rs` — the document checked and resolved into a [`model::Model`] (`model.rs`: pure
//!   data: assets in `asset.rs`, accounts in `account.rs`, the crowd's cohorts in `crowd.rs`);
//! * `book.rs` — one book, margined cross or isolated: the one place that says how;
//! * `margin.rs` — the math that values an account at a price vector (pure);
//! * `liquidation.rs` — what the venue does to an account that fails its margin check;
//! * `liqprice.rs` — where a position's liquidation price stands, given the rest of the account;
//! * `adl.rs` — auto-deleveraging: who pays the bad debt the insurance fund cannot;
//! * `backstop.rs` — the backstop vault that takes over accounts far below maintenance;
//! * `market.rs` — the exogenous path (random walk and scripted shocks) and price impact;
//! * `pricing.rs` — which price values what: the index, the market, the mark, collateral prices;
//! * `sim.rs` — the step loop, one round of the feedback loop per step;
//! * `outcome.rs` — the main run and its two counterfactuals, and the summary comparing them;
//! * `safe.rs` — safe leverage: the edge where a position's leverage stops surviving, by bisection;
//! * `surface.rs` — the liquidation surface: a grid of two assets' moves, a full simulation a cell;
//! * `venues.rs` — venue rule packs: a venue's published rules, written into a scenario;
//! * `ladder.rs` — the crowd's liquidation ladder at a step; `conservation.rs` — the ledger checks.
//!
//! Terms: *exogenous* price (the *index*) — what the market would do with nobody forced to sell; *impact* — the
//! accumulated log move forced orders add; *book* — an account's collateral and positions before
//! a margin mode; *cohort* — crowd accounts holding the same positions, different only in cash.

pub mod account;
pub mod adl;
pub mod asset;
pub mod backstop;
pub mod book;
pub mod conservation;
pub mod crowd;
pub mod ladder;
pub mod linalg;
pub mod liqprice;
pub mod liquidation;
pub mod margin;
pub mod market;
pub mod model;
pub mod outcome;
pub mod pricing;
pub mod safe;
pub mod scenario;
pub mod sim;
pub mod surface;
pub mod validate;
pub mod venues;
