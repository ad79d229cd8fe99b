//! What turns an outcome into something to read: the JSON result and the CSV of the series
//! (`report.rs`), descriptions whose figures come from the run (`story.rs`), and the charts
//! (`chart/`, drawn on any plotters backend), and the liquidation surface's JSON, CSV and text
//! map (`surface.rs`). Reads the engine; the engine never reads it.

pub mod chart;
pub mod compare;
pub mod report;
pub mod story;
pub mod surface;
