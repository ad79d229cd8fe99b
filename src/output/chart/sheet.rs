//! What an image holds (a [`Sheet`]): panels stacked top to bottom under an optional title, drawn
//! on any plotters backend; as SVG here, as PNG in `image.rs`.

use super::data::ChartData;
use super::draw::{draw, Which};
use super::format::{text_width, MONO_ADVANCE};
use super::theme::{Theme, FONT};
use plotters::coord::Shift;
use plotters::prelude::*;

/// What an image holds: some of the charts, top to bottom in the page's order, and an optional
/// title line above them (a slide or a social preview says what it shows).
#[derive(Clone, Debug, PartialEq)]
pub struct Sheet {
    pub charts: Vec<Which>,
    pub title: Option<String>,
    pub width: u32,
    /// Height of each chart (the title band comes on top).
    pub height_each: u32,
}

/// Height of the title band, in chart pixels.
pub const TITLE_BAND: u32 = 44;
/// Title text size, in chart pixels.
const TITLE_SIZE: f64 = 20.0;

impl Sheet {
    /// Every chart, no title.
    pub fn new(width: u32, height_each: u32) -> Sheet {
        Sheet { charts: Which::all(), title: None, width, height_each }
    }

    /// The whole image's height in chart pixels.
    pub fn height(&self) -> u32 {
        self.height_each * self.charts.len() as u32 + if self.title.is_some() { TITLE_BAND } else { 0 }
    }

    /// The title as drawn: cut with an ellipsis where it would run past the right edge.
    fn title_line(&self) -> Option<String> {
        let t = self.title.as_deref()?;
        let room = self.width.saturating_sub(32) as f64;
        if text_width(t, TITLE_SIZE) <= room {
            return Some(t.to_string());
        }
        let mut cut: String = t.chars().take((room / (TITLE_SIZE * MONO_ADVANCE)) as usize).collect();
        cut.pop();
        Some(format!("{}…", cut.trim_end()))
    }
}

/// The sheet's charts stacked on one drawing area, top to bottom, under its title.
pub fn stack<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &ChartData,
    sheet: &Sheet,
    th: &Theme,
) -> crate::error::Result<()> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| crate::error::Error::Draw(e.to_string());
    root.fill(&th.background).map_err(e)?;
    let charts = match sheet.title_line() {
        Some(title) => {
            let (band, rest) = root.split_vertically(TITLE_BAND);
            let style = TextStyle::from((FONT, TITLE_SIZE).into_font()).color(&th.text).pos(
                plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Left,
                    plotters::style::text_anchor::VPos::Center,
                ),
            );
            band.draw_text(&title, &style, (16, TITLE_BAND as i32 / 2)).map_err(e)?;
            rest
        }
        None => root.clone(),
    };
    let parts = charts.split_evenly((sheet.charts.len().max(1), 1));
    for (area, which) in parts.iter().zip(sheet.charts.iter()) {
        draw(area, d, *which, th).map_err(e)?;
    }
    root.present().map_err(e)
}

/// One drawing (`draw`) as a `width × height` SVG, presented; a drawing error in words.
pub fn svg_of<T, E: std::fmt::Display>(
    width: u32,
    height: u32,
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<T, E>,
) -> crate::error::Result<String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        draw(&root).map_err(|e| crate::error::Error::Draw(e.to_string()))?;
        root.present().map_err(|e| crate::error::Error::Draw(e.to_string()))?;
    }
    Ok(out)
}

/// The sheet's charts in one SVG (`cascade render --svg`, and the native chart tests).
pub fn svg(d: &ChartData, sheet: &Sheet, th: &Theme) -> crate::error::Result<String> {
    let mut out = String::new();
    stack(&SVGBackend::with_string(&mut out, (sheet.width, sheet.height())).into_drawing_area(), d, sheet, th)?;
    Ok(out)
}
