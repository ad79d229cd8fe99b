//! The Monte Carlo risk map (`share/sweep.rs`) as a heat map: one rectangle per cell, its colour
//! the probability of liquidation on a scale from the background (0 %) to vermillion (100 %),
//! with the scale drawn beside the map.

use super::format::{fmt_pct, text_width};
use super::theme::{Theme, FONT, LIQ_RED};
use plotters::coord::Shift;
use plotters::prelude::*;

/// What the risk map draws: the axes' values and each cell's probability (row by row, y outer;
/// NaN: not computed).
#[derive(Clone, Debug, PartialEq)]
pub struct RiskMap {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub xs: Vec<f64>,
    pub ys: Vec<f64>,
    pub p: Vec<f64>,
}

/// The colour of probability `p` (0–1) on a theme.
pub fn shade(p: f64, th: &Theme) -> RGBColor {
    let a = p.clamp(0.0, 1.0) * 0.9 + 0.05;
    let m = |x: u8, y: u8| (x as f64 * a + y as f64 * (1.0 - a)).round() as u8;
    RGBColor(m(LIQ_RED.0, th.background.0), m(LIQ_RED.1, th.background.1), m(LIQ_RED.2, th.background.2))
}

/// Half a cell along an axis (a single value spans one unit).
fn half(v: &[f64]) -> f64 {
    match v {
        [a, b, ..] => (b - a).abs() / 2.0,
        _ => 0.5,
    }
}

const SCALE_W: i32 = 64;

/// Draw the map on a drawing area; returns the plot area in pixels of the area, `[x0, y0, x1,
/// y1]` (the page maps the pointer to a cell with it).
pub fn risk_map<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &RiskMap,
    th: &Theme,
) -> Result<[i32; 4], DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&th.background)?;
    let (w, _) = root.dim_in_pixel();
    let title = if text_width(&d.title, 13.0) as u32 + 16 <= w { d.title.as_str() } else { "Risk map: P(liquidation)" };
    root.draw(&Text::new(title.to_string(), (10, 4), TextStyle::from((FONT, 13).into_font()).color(&th.text)))?;
    let (hx, hy) = (half(&d.xs), half(&d.ys));
    let x0 = d.xs.first().copied().unwrap_or(0.0);
    let x1 = d.xs.last().copied().unwrap_or(1.0);
    let y0 = d.ys.first().copied().unwrap_or(0.0);
    let y1 = d.ys.last().copied().unwrap_or(1.0);
    let (map, scale) = root.split_horizontally(w as i32 - SCALE_W);
    let mut chart = ChartBuilder::on(&map)
        .margin_top(26)
        .margin_right(8)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d((x0 - hx)..(x1 + hx), (y0 - hy)..(y1 + hy))?;
    let short = |v: f64| crate::types::short(v, 3);
    chart
        .configure_mesh()
        .disable_mesh()
        .axis_style(ShapeStyle::from(&th.text).stroke_width(1))
        .label_style(TextStyle::from((FONT, 11).into_font()).color(&th.text))
        .x_desc(d.x_label.clone())
        .y_desc(d.y_label.clone())
        .x_label_formatter(&|v| short(*v))
        .y_label_formatter(&|v| short(*v))
        .x_labels(8)
        .y_labels(8)
        .draw()?;
    let nx = d.xs.len();
    let cells = d.ys.iter().enumerate().flat_map(|(j, &y)| d.xs.iter().enumerate().map(move |(i, &x)| (i, j, x, y)));
    chart.draw_series(cells.filter_map(|(i, j, x, y)| {
        let p = *d.p.get(j * nx + i)?;
        (!p.is_nan()).then(|| Rectangle::new([(x - hx, y - hy), (x + hx, y + hy)], shade(p, th).filled()))
    }))?;
    let (px, py) = chart.plotting_area().get_pixel_range();
    let (bx, by) = map.get_base_pixel();
    // the scale: 0 % at the bottom of the plot, 100 % at its top
    let (top, bottom) = (py.start - by, py.end - by);
    let style = TextStyle::from((FONT, 11).into_font()).color(&th.text);
    for k in 0..=20 {
        let p = k as f64 / 20.0;
        let y = bottom - ((bottom - top) as f64 * p) as i32;
        let h = ((bottom - top) as f64 / 20.0).ceil() as i32;
        scale.draw(&Rectangle::new([(6, y - h), (20, y)], shade(p, th).filled()))?;
        if k % 5 == 0 {
            scale.draw(&Text::new(fmt_pct(p * 100.0), (24, y - 6), style.clone()))?;
        }
    }
    scale.draw(&Text::new("P(liq.)".to_string(), (2, top - 20), style))?;
    Ok([px.start - bx, py.start - by, px.end - bx, py.end - by])
}

/// The map as SVG (the native tests).
pub fn risk_svg(d: &RiskMap, width: u32, height: u32, th: &Theme) -> crate::error::Result<String> {
    super::sheet::svg_of(width, height, |root| risk_map(root, d, th))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::chart::LIGHT;

    #[test]
    fn cells_are_shaded_by_probability_and_the_scale_is_labelled() {
        let d = RiskMap {
            title: "Risk map".into(),
            x_label: "Leverage".into(),
            y_label: "Correlation".into(),
            xs: vec![1.0, 2.0],
            ys: vec![0.0, 0.5],
            p: vec![0.0, 0.5, 1.0, f64::NAN],
        };
        let svg = risk_svg(&d, 600, 400, &LIGHT).unwrap();
        let fill = |c: RGBColor| format!("fill=\"#{:02X}{:02X}{:02X}\"", c.0, c.1, c.2);
        for p in [0.0, 0.5, 1.0] {
            assert!(svg.contains(&fill(shade(p, &LIGHT))), "p = {p}");
        }
        assert!(svg.contains("100%") && svg.contains("Leverage") && svg.contains("P(liq.)"));
        // the cell not computed yet is left blank: three cells, plus the scale's 21 steps
        assert_eq!(svg.matches("<rect").count() - 1, 3 + 21, "{svg}");
    }
}
