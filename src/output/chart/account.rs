//! Your account: collateral value and equity (the other margin mode dashed, the run without
//! feedback dotted), and the margin ratio with the 100 % line and a marker at each liquidation.

use super::data::{ChartData, LiqMarker};
use super::format::{fmt_pct, fmt_usd, text_width};
use super::frame::{bounds, legend, time_chart, Frame, Plot, LEFT, R, RIGHT};
use super::theme::{Theme, FONT, LIQ_RED, PALETTE};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Chart 1: collateral value and equity.
pub fn collateral<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ChartData, th: &Theme, f: &Frame) -> R<DB> {
    let items = vec![
        (format!("equity ({})", d.mode), PALETTE[0], false),
        (format!("collateral ({})", d.mode), PALETTE[1], false),
        (format!("equity ({})", d.other_mode), PALETTE[0], true),
        (format!("collateral ({})", d.other_mode), PALETTE[1], true),
        ("equity without feedback".to_string(), PALETTE[6], true),
    ];
    let title = ("Your account: collateral value and equity (USD)", "Collateral & equity (USD)");
    let top = legend(root, title, &items, th)?;
    let all = f.slices(&[&d.equity, &d.collateral, &d.other_equity, &d.other_collateral, &d.nofb_equity]);
    let (lo, hi) = bounds(&all, 0.06);
    let mut chart = time_chart(root, top, f.x_range.clone(), lo..hi, &|v| fmt_usd(*v), f.x_labels, th)?;
    let s = |c: RGBColor| ShapeStyle::from(c).stroke_width(2);
    chart.draw_series(DashedLineSeries::new(f.pts(d, &d.nofb_equity), 2, 4, s(PALETTE[6])))?;
    chart.draw_series(DashedLineSeries::new(f.pts(d, &d.other_collateral), 7, 5, s(PALETTE[1])))?;
    chart.draw_series(DashedLineSeries::new(f.pts(d, &d.other_equity), 7, 5, s(PALETTE[0])))?;
    chart.draw_series(LineSeries::new(f.pts(d, &d.collateral), s(PALETTE[1])))?;
    chart.draw_series(LineSeries::new(f.pts(d, &d.equity), s(PALETTE[0])))?;
    Ok(())
}

/// Chart 2: the margin ratio. An unbounded ratio (equity ≤ 0) is drawn in a band above the plot's
/// numbers, labelled so, never as a number.
pub fn margin_ratio<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ChartData, th: &Theme, f: &Frame) -> R<DB> {
    let items = vec![
        (format!("margin ratio ({})", d.mode), PALETTE[0], false),
        (format!("margin ratio ({})", d.other_mode), PALETTE[3], true),
        ("liquidation at 100%".to_string(), LIQ_RED, false),
    ];
    let top_margin = legend(root, ("Margin ratio (%): maintenance margin / equity", "Margin ratio (%)"), &items, th)?;
    let in_window = |m: &&LiqMarker| f.contains(m.step);
    let checks = d.liquidations.iter().chain(&d.other_liquidations).filter(in_window).filter_map(|m| m.check_pct);
    let finite_max = (f.from..=f.to)
        .flat_map(|t| [d.mr_pct.get(t).copied().flatten(), d.other_mr_pct.get(t).copied().flatten()])
        .flatten()
        .chain(checks)
        .fold(0.0, f64::max);
    let numbers_top = finite_max.clamp(120.0, 400.0) * 1.08;
    // the band for "unbounded": above the numbers
    let unbounded_y = numbers_top * 1.06;
    let top = numbers_top * 1.12;
    let any_unbounded = (f.from..=f.to).any(|t| {
        matches!(d.mr_pct.get(t), Some(None))
            || matches!(d.other_mr_pct.get(t), Some(None))
            || d.liquidations.iter().chain(&d.other_liquidations).any(|m| m.step == t && m.check_pct.is_none())
    });
    let cap = |v: Option<f64>| v.map(|y| y.min(numbers_top)).unwrap_or(unbounded_y);
    // The line shows, at a liquidation step, the ratio the check saw and then the ratio after
    // the orders: a vertical stroke through the 100 % line.
    let line = |series: &[Option<f64>], liqs: &[LiqMarker]| -> Vec<(f64, f64)> {
        let mut pts = Vec::with_capacity(series.len() + liqs.len());
        for (t, v) in series.iter().enumerate().take(f.to + 1).skip(f.from) {
            if let Some(m) = liqs.iter().find(|m| m.step == t) {
                pts.push((d.hours[t], cap(m.check_pct)));
            }
            pts.push((d.hours[t], cap(*v)));
        }
        pts
    };
    let (mr, omr) = (line(&d.mr_pct, &d.liquidations), line(&d.other_mr_pct, &d.other_liquidations));
    let y_fmt = move |v: &f64| if *v > numbers_top { String::new() } else { fmt_pct(*v) };
    let mut chart = time_chart(root, top_margin + 24, f.x_range.clone(), 0f64..top, &y_fmt, f.x_labels, th)?;
    if any_unbounded {
        let band = [(f.x_range.start, numbers_top * 1.02), (f.x_range.end, top)];
        chart.draw_series(std::iter::once(Rectangle::new(band, ShapeStyle::from(LIQ_RED.mix(0.12)).filled())))?;
        let label = TextStyle::from((FONT, 11).into_font()).color(&LIQ_RED);
        let (px, py) = chart.backend_coord(&(f.x_range.start, top));
        let (bx, by) = root.get_base_pixel();
        root.draw(&Text::new("unbounded (equity ≤ 0)", (px - bx + 4, py - by + 1), label))?;
    }
    let (x0, x1) = (f.x_range.start, f.x_range.end);
    chart.draw_series(LineSeries::new(vec![(x0, 100.0), (x1, 100.0)], ShapeStyle::from(LIQ_RED).stroke_width(2)))?;
    chart.draw_series(DashedLineSeries::new(omr, 7, 5, ShapeStyle::from(PALETTE[3]).stroke_width(2)))?;
    chart.draw_series(LineSeries::new(mr, ShapeStyle::from(PALETTE[0]).stroke_width(2)))?;
    markers(root, &mut chart, d, f, top_margin, &cap)
}

/// Markers at the ratio the check saw: filled for this run, hollow for the other mode. Their
/// labels sit in rows above the plot, never over the data, never over each other.
fn markers<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &mut Plot<'_, DB>,
    d: &ChartData,
    f: &Frame,
    top_margin: u32,
    cap: &dyn Fn(Option<f64>) -> f64,
) -> R<DB> {
    let label_style = TextStyle::from((FONT, 11).into_font());
    let (bx, _) = root.get_base_pixel();
    let (rw, _) = root.dim_in_pixel();
    let mut rows: Vec<Vec<(i32, i32)>> = vec![];
    for (liqs, filled, color) in [(&d.liquidations, true, LIQ_RED), (&d.other_liquidations, false, PALETTE[3])] {
        for m in liqs.iter().filter(|m| f.contains(m.step)) {
            let (x, y) = (d.hours[m.step], cap(m.check_pct));
            let st = if filled { ShapeStyle::from(color).filled() } else { ShapeStyle::from(color).stroke_width(2) };
            // An upward triangle in pixel offsets (plotters' TriangleMarker always fills, and its
            // sin/cos pull a second copy of the trig functions into the wasm).
            let tri = [(0, -7), (-6, 4), (6, 4)];
            if filled {
                chart.draw_series(std::iter::once(EmptyElement::at((x, y)) + Polygon::new(tri.to_vec(), st)))?;
            } else {
                let outline = vec![tri[0], tri[1], tri[2], tri[0]];
                chart.draw_series(std::iter::once(EmptyElement::at((x, y)) + PathElement::new(outline, st)))?;
            }
            let text = if filled { m.label.clone() } else { format!("{} ({})", m.label, d.other_mode) };
            let (ax, _) = chart.backend_coord(&(x, y));
            let w = text_width(&text, 11.0) as i32;
            // within the plot (a label wider than the plot starts at its left edge: no clamp,
            // whose bounds would cross)
            let x0 = (ax - bx - w / 2).min(rw as i32 - RIGHT as i32 - 8 - w).max(LEFT as i32 - 8);
            let free = |v: &Vec<(i32, i32)>| v.iter().all(|(a, b)| x0 + w + 6 < *a || x0 > *b + 6);
            let row = (0..).find(|r| rows.get(*r).is_none_or(free)).unwrap_or(0);
            if row >= 3 {
                continue; // more labels than fit: the data table lists them all
            }
            if rows.len() <= row {
                rows.push(vec![]);
            }
            rows[row].push((x0, x0 + w));
            let ty = top_margin as i32 - 2 + (row as i32) * 12;
            root.draw(&Text::new(text, (x0, ty), label_style.clone().color(&color)))?;
        }
    }
    Ok(())
}
