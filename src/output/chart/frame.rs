//! What every time chart shares: the window of steps drawn, the legend above the plot, the time
//! axis with the same label areas on every chart (so a step is at the same x on all of them),
//! and the value bounds.

use super::data::ChartData;
use super::format::{fmt_hours, text_width};
use super::theme::{Theme, FONT};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Left and right label areas (px): equal on every chart so the time axes line up.
pub const LEFT: u32 = 70;
pub const RIGHT: u32 = 62;
pub const TOP: u32 = 40;

pub type R<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;
/// A chart with numbers on both axes, over a drawing area.
pub type Plot<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// The steps a time chart draws and its time axis.
pub struct Frame {
    pub from: usize,
    pub to: usize,
    pub x_range: std::ops::Range<f64>,
    /// About one time label per 100 px of plot.
    pub x_labels: usize,
}

impl Frame {
    pub fn new<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ChartData) -> Frame {
        let last = d.hours.len().saturating_sub(1);
        let (from, to) = d.window.map(|(a, b)| (a.min(last), b.min(last))).filter(|(a, b)| a < b).unwrap_or((0, last));
        let (x0, x1) = (d.hours.get(from).copied().unwrap_or(0.0), d.hours.get(to).copied().unwrap_or(1.0));
        let x_labels = ((root.dim_in_pixel().0.saturating_sub(LEFT + RIGHT)) / 100) as usize;
        Frame { from, to, x_range: x0..x1.max(x0 + 1e-9), x_labels: x_labels.clamp(3, 10) }
    }

    /// (hours, value) of the steps in the window, finite values only.
    pub fn pts(&self, d: &ChartData, ys: &[f64]) -> Vec<(f64, f64)> {
        (self.from..=self.to)
            .filter_map(|t| Some((*d.hours.get(t)?, *ys.get(t)?)))
            .filter(|(_, y)| y.is_finite())
            .collect()
    }

    /// [`Frame::pts`] keeping the non-finite values (where a line breaks).
    pub fn pts_nan(&self, d: &ChartData, ys: &[f64]) -> Vec<(f64, f64)> {
        (self.from..=self.to).filter_map(|t| Some((*d.hours.get(t)?, *ys.get(t)?))).collect()
    }

    pub fn contains(&self, t: usize) -> bool {
        (self.from..=self.to).contains(&t)
    }

    /// The window's part of each series, for bounds.
    pub fn slices<'a>(&self, series: &[&'a [f64]]) -> Vec<&'a [f64]> {
        series.iter().map(|s| &s[self.from.min(s.len())..(self.to + 1).min(s.len())]).collect()
    }
}

pub fn bounds(series: &[&[f64]], pad: f64) -> (f64, f64) {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for s in series {
        for &v in s.iter() {
            if v.is_finite() {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if (hi - lo).abs() < 1e-9 {
        let d = if hi.abs() > 0.0 { hi.abs() * 0.05 } else { 1.0 };
        return (lo - d, hi + d);
    }
    let d = (hi - lo) * pad;
    (lo - d, hi + d)
}

/// Legend rows above the plot: (label, colour, dashed). Returns the top margin the plot needs.
pub fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: (&str, &str),
    items: &[(String, RGBColor, bool)],
    th: &Theme,
) -> Result<u32, DrawingAreaErrorKind<DB::ErrorType>> {
    let title_style = TextStyle::from((FONT, 13).into_font()).color(&th.text);
    let (w, _) = area.dim_in_pixel();
    // The long title when it fits, else the short one, starting further left on narrow screens.
    let (text, x0) = if text_width(title.0, 13.0) as u32 + LEFT + 4 <= w {
        (title.0, LEFT as i32)
    } else if text_width(title.1, 13.0) as u32 + LEFT + 4 <= w {
        (title.1, LEFT as i32)
    } else {
        (title.1, 4)
    };
    area.draw(&Text::new(text.to_string(), (x0, 4), title_style))?;
    let style = TextStyle::from((FONT, 11).into_font()).color(&th.text);
    let mut x = LEFT as i32;
    let mut y = 22;
    for (label, color, dashed) in items {
        let wtext = text_width(label, 11.0) as i32;
        if x + 24 + wtext > w as i32 - 4 {
            x = LEFT as i32;
            y += 14;
        }
        let st = ShapeStyle::from(color).stroke_width(2);
        if *dashed {
            area.draw(&PathElement::new(vec![(x, y + 6), (x + 7, y + 6)], st))?;
            area.draw(&PathElement::new(vec![(x + 11, y + 6), (x + 18, y + 6)], st))?;
        } else {
            area.draw(&PathElement::new(vec![(x, y + 6), (x + 18, y + 6)], st))?;
        }
        area.draw(&Text::new(label.clone(), (x + 22, y), style.clone()))?;
        x += 22 + wtext + 14;
    }
    Ok(TOP + (y as u32 - 22))
}

/// A chart on the shared time axis: the same label areas and right margin as the others (so the
/// axes line up), the grid, and time labels in hours.
pub fn time_chart<'a, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    top: u32,
    x_range: std::ops::Range<f64>,
    y_range: std::ops::Range<f64>,
    y_fmt: &dyn Fn(&f64) -> String,
    x_labels: usize,
    th: &Theme,
) -> Result<Plot<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    let mut chart = ChartBuilder::on(root)
        .margin_top(top)
        .margin_right(RIGHT + 8)
        .x_label_area_size(34)
        .y_label_area_size(LEFT - 8)
        .build_cartesian_2d(x_range, y_range)?;
    chart
        .configure_mesh()
        .bold_line_style(th.grid)
        .light_line_style(th.background)
        .axis_style(ShapeStyle::from(&th.text).stroke_width(1))
        .label_style(TextStyle::from((FONT, 11).into_font()).color(&th.text))
        .x_desc("time (h:mm)")
        .x_label_formatter(&fmt_hours)
        .y_label_formatter(y_fmt)
        .x_labels(x_labels)
        .y_labels(6)
        .draw()?;
    Ok(chart)
}
