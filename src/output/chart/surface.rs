//! The liquidation surface (`engine/surface.rs`) as a heat map: one rectangle per cell, coloured by
//! what the main run did to your account; over it, the other margin mode's boundary (dashed) and
//! the boundary without feedback (dotted) — the edges between cells where that run's answer
//! changes — and the scenario itself as a dot.

use super::format::{fmt_pct, text_width};
use super::frame::{LEFT, R};
use super::theme::{Theme, FONT, LIQ_RED, PALETTE};
use crate::engine::surface::{Cell, Fate, Surface};
use plotters::coord::Shift;
use plotters::prelude::*;

/// `c` laid over `bg` at opacity `a` (solid, so a bitmap's pixels can be counted).
fn blend(c: RGBColor, bg: RGBColor, a: f64) -> RGBColor {
    let m = |x: u8, y: u8| (x as f64 * a + y as f64 * (1.0 - a)).round() as u8;
    RGBColor(m(c.0, bg.0), m(c.1, bg.1), m(c.2, bg.2))
}

/// The fill of a fate, on a theme.
pub fn fill(f: Fate, th: &Theme) -> RGBColor {
    match f {
        Fate::Survives => blend(PALETTE[2], th.background, 0.22),
        Fate::Liquidated => blend(PALETTE[1], th.background, 0.6),
        Fate::HealthyClosed => blend(LIQ_RED, th.background, 0.9),
    }
}

/// The other mode's boundary, and the boundary without feedback.
const OTHER: RGBColor = PALETTE[0];
fn no_feedback_colour(th: &Theme) -> RGBColor {
    th.text
}

/// The edges between neighbouring cells whose `pick` differs, as segments in move coordinates.
pub fn boundary(s: &Surface, pick: impl Fn(Cell) -> bool) -> Vec<[(f64, f64); 2]> {
    let (x, y) = (&s.plan.x, &s.plan.y);
    let (hx, hy) = (x.half(), y.half());
    let mut out = vec![];
    for j in 0..y.n {
        for i in 0..x.n {
            let here = pick(s.at(i, j));
            if i + 1 < x.n && pick(s.at(i + 1, j)) != here {
                let xm = (x.at(i) + x.at(i + 1)) / 2.0;
                out.push([(xm, y.at(j) - hy), (xm, y.at(j) + hy)]);
            }
            if j + 1 < y.n && pick(s.at(i, j + 1)) != here {
                let ym = (y.at(j) + y.at(j + 1)) / 2.0;
                out.push([(x.at(i) - hx, ym), (x.at(i) + hx, ym)]);
            }
        }
    }
    out
}

/// The legend: swatches for the fates, lines for the boundaries, the dot. Returns the top margin.
fn legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: &Surface,
    th: &Theme,
    dot_inside: bool,
) -> Result<u32, DrawingAreaErrorKind<DB::ErrorType>> {
    let mode = s.plan.mode;
    let other = mode.other().name();
    let title = format!(
        "Liquidation surface: your {} account, {} and {} moved at step {}",
        mode.name(),
        s.plan.x.symbol,
        s.plan.y.symbol,
        s.plan.step
    );
    let (w, _) = root.dim_in_pixel();
    let text = if text_width(&title, 13.0) as u32 + LEFT + 4 <= w { title } else { "Liquidation surface".into() };
    root.draw(&Text::new(text, (4.max(LEFT as i32 - 60), 4), TextStyle::from((FONT, 13).into_font()).color(&th.text)))?;
    let (dx, dy) = s.plan.dot;
    let dot = if dot_inside {
        "this scenario".to_string()
    } else {
        format!("this scenario ({}, {}) lies outside", fmt_pct(dx), fmt_pct(dy))
    };
    enum Key {
        Fill(RGBColor),
        Line(RGBColor, bool),
        Dot,
    }
    let items = [
        (Key::Fill(fill(Fate::Survives, th)), "survives".to_string()),
        (Key::Fill(fill(Fate::Liquidated, th)), "liquidated".to_string()),
        (Key::Fill(fill(Fate::HealthyClosed, th)), format!("liquidated, closing a position {other} keeps")),
        (Key::Line(OTHER, true), format!("{other}'s boundary")),
        (Key::Line(no_feedback_colour(th), false), "boundary without feedback".to_string()),
        (Key::Dot, dot),
    ];
    let style = TextStyle::from((FONT, 11).into_font()).color(&th.text);
    let (mut x, mut y) = (4.max(LEFT as i32 - 60), 22);
    for (key, label) in items {
        let wtext = text_width(&label, 11.0) as i32;
        if x + 24 + wtext > w as i32 - 4 {
            x = 4.max(LEFT as i32 - 60);
            y += 15;
        }
        match key {
            Key::Fill(c) => root.draw(&Rectangle::new([(x, y + 1), (x + 16, y + 11)], c.filled()))?,
            Key::Line(c, dashed) => {
                let st = ShapeStyle::from(c).stroke_width(2);
                let parts: &[(i32, i32)] =
                    if dashed { &[(0, 7), (10, 17)] } else { &[(0, 2), (5, 7), (10, 12), (15, 17)] };
                for &(a, b) in parts {
                    root.draw(&PathElement::new(vec![(x + a, y + 6), (x + b, y + 6)], st))?;
                }
            }
            Key::Dot => root.draw(&Circle::new((x + 8, y + 6), 4, ShapeStyle::from(&th.text).filled()))?,
        }
        root.draw(&Text::new(label, (x + 22, y), style.clone()))?;
        x += 22 + wtext + 14;
    }
    Ok(y as u32 + 22)
}

/// Draw the surface on a drawing area (its whole size).
pub fn surface<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, s: &Surface, th: &Theme) -> R<DB> {
    root.fill(&th.background)?;
    let (x, y) = (&s.plan.x, &s.plan.y);
    let (hx, hy) = (x.half(), y.half());
    let (xr, yr) = ((x.min - hx)..(x.max + hx), (y.min - hy)..(y.max + hy));
    let (dx, dy) = s.plan.dot;
    let inside = s.plan.dot_cell().is_some();
    let top = legend(root, s, th, inside)?;
    let mut chart = ChartBuilder::on(root)
        .margin_top(top)
        .margin_right(12)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(xr, yr)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .axis_style(ShapeStyle::from(&th.text).stroke_width(1))
        .label_style(TextStyle::from((FONT, 11).into_font()).color(&th.text))
        .x_desc(format!("{} move (%)", x.symbol))
        .y_desc(format!("{} move (%)", y.symbol))
        .x_label_formatter(&|v| fmt_pct(*v))
        .y_label_formatter(&|v| fmt_pct(*v))
        .x_labels(9)
        .y_labels(9)
        .draw()?;
    let cells = (0..y.n).flat_map(|j| (0..x.n).map(move |i| (i, j)));
    chart.draw_series(cells.map(|(i, j)| {
        let (cx, cy) = (x.at(i), y.at(j));
        Rectangle::new([(cx - hx, cy - hy), (cx + hx, cy + hy)], fill(s.at(i, j).main, th).filled())
    }))?;
    for seg in boundary(s, |c| c.no_feedback) {
        chart.draw_series(DashedLineSeries::new(
            seg,
            2,
            4,
            ShapeStyle::from(no_feedback_colour(th)).stroke_width(2),
        ))?;
    }
    for seg in boundary(s, |c| c.other_mode) {
        chart.draw_series(DashedLineSeries::new(seg, 7, 5, ShapeStyle::from(OTHER).stroke_width(3)))?;
    }
    if inside {
        chart.draw_series([Circle::new((dx, dy), 6, ShapeStyle::from(&th.background).filled())])?;
        chart.draw_series([Circle::new((dx, dy), 4, ShapeStyle::from(&th.text).filled())])?;
    }
    Ok(())
}

/// The surface as SVG (`cascade surface --svg`, the native tests).
pub fn surface_svg(s: &Surface, width: u32, height: u32, th: &Theme) -> crate::error::Result<String> {
    super::sheet::svg_of(width, height, |root| surface(root, s, th))
}
