//! Colours and type: the Okabe–Ito palette (distinguishable with the common colour-vision
//! deficiencies) and the monospace chart font.

use plotters::prelude::*;

/// Okabe–Ito: distinguishable with the common colour-vision deficiencies.
pub const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 158, 115),   // green
    RGBColor(204, 121, 167), // purple
    RGBColor(86, 180, 233),  // sky
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(120, 120, 120), // grey
];
/// Liquidations: the 100 % line and the markers.
pub const LIQ_RED: RGBColor = RGBColor(213, 94, 0);
/// The chart font: the generic monospace family (see `format::MONO_ADVANCE`).
pub const FONT: FontFamily = FontFamily::Monospace;

pub struct Theme {
    pub background: RGBColor,
    pub text: RGBColor,
    pub grid: RGBColor,
}

pub const LIGHT: Theme =
    Theme { background: RGBColor(255, 255, 255), text: RGBColor(30, 30, 30), grid: RGBColor(225, 225, 225) };
pub const DARK: Theme =
    Theme { background: RGBColor(24, 26, 31), text: RGBColor(225, 225, 225), grid: RGBColor(60, 63, 70) };
