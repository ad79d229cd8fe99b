//! Which charts there are, in what order, under what names — the one list the page, share links
//! and `cascade render` read — and the dispatch that draws one of them.

use super::data::ChartData;
use super::frame::{Frame, R};
use super::theme::Theme;
use super::{account, crowd, impact};
use plotters::coord::Shift;
use plotters::prelude::*;

/// One drawn panel. A chart of the page is one panel, or two: the crowd chart is its liquidations
/// over time and its liquidation ladder at the time cursor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    Collateral,
    MarginRatio,
    Impact,
    Crowd,
    Ladder,
}

/// The charts, in the page's order: the name a link's `charts=` and `cascade render --charts` use,
/// and the panels it draws, top to bottom.
pub const CHARTS: [(&str, &[Which]); 4] = [
    ("collateral", &[Which::Collateral]),
    ("margin", &[Which::MarginRatio]),
    ("impact", &[Which::Impact]),
    ("crowd", &[Which::Crowd, Which::Ladder]),
];

/// The chart names, in the page's order.
pub fn chart_names() -> impl Iterator<Item = &'static str> {
    CHARTS.iter().map(|c| c.0)
}

impl Which {
    /// Every panel, in the page's order.
    pub fn all() -> Vec<Which> {
        CHARTS.iter().flat_map(|c| c.1.iter().copied()).collect()
    }

    /// The panels of the named charts (unknown names are left out), in the page's order.
    pub fn of_charts(names: &[String]) -> Vec<Which> {
        CHARTS.iter().filter(|c| names.iter().any(|n| n == c.0)).flat_map(|c| c.1.iter().copied()).collect()
    }

    /// The panel's name (the page's canvases are named so).
    pub fn name(self) -> &'static str {
        match self {
            Which::Collateral => "collateral",
            Which::MarginRatio => "margin",
            Which::Impact => "impact",
            Which::Crowd => "crowd",
            Which::Ladder => "ladder",
        }
    }

    pub fn from_name(name: &str) -> Option<Which> {
        Which::all().into_iter().find(|w| w.name() == name)
    }

    /// Whether the panel's x axis is the run's time (and the time cursor is drawn across it).
    pub fn on_time_axis(self) -> bool {
        self != Which::Ladder
    }
}

/// Draw one panel on a drawing area (its whole size).
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ChartData, which: Which, th: &Theme) -> R<DB> {
    root.fill(&th.background)?;
    if d.hours.is_empty() {
        return Ok(());
    }
    let f = Frame::new(root, d);
    match which {
        Which::Collateral => account::collateral(root, d, th, &f),
        Which::MarginRatio => account::margin_ratio(root, d, th, &f),
        Which::Impact => impact::impact(root, d, th, &f),
        Which::Crowd => crowd::crowd(root, d, th, &f),
        Which::Ladder => crowd::ladder(root, d, th),
    }
}
