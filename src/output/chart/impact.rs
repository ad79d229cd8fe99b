//! Chart 3, the price-impact feedback: market (solid) against exogenous (dashed) price change per
//! asset — and the mark (dotted) when the venue checks margin on another price than its market —
//! and below it the impact in % with the forced-sale volume per step.

use super::data::ChartData;
use super::format::{fmt_hours, fmt_pct, fmt_usd};
use super::frame::{bounds, legend, Frame, LEFT, R, RIGHT};
use super::theme::{Theme, FONT, PALETTE};
use plotters::coord::Shift;
use plotters::prelude::*;

pub fn impact<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ChartData, th: &Theme, f: &Frame) -> R<DB> {
    let mut items = vec![];
    for (i, a) in d.assets.iter().enumerate() {
        items.push((format!("{} market", a.symbol), PALETTE[i % 6], false));
        items.push((format!("{} exogenous", a.symbol), PALETTE[i % 6], true));
        if !a.mark.is_empty() {
            items.push((format!("{} mark (dotted)", a.symbol), PALETTE[i % 6], true));
        }
        if a.liq.iter().any(|v| *v > 0.0) {
            // (a mark price: where the venue marks apart from its market, read it against the mark)
            let on = if a.mark.is_empty() { "" } else { " (mark)" };
            items.push((format!("{} your liquidation price{on}", a.symbol), PALETTE[i % 6], true));
        }
    }
    // A short chart (a social-preview image) has no room for the impact panel: the price
    // changes take the whole height (the impact is their gap to the exogenous path).
    let compact = root.dim_in_pixel().1 < 260;
    if !compact {
        items.push(("forced sales (USD, right)".to_string(), PALETTE[6], false));
    }
    let top_margin =
        legend(root, ("Price-impact feedback: change from open (%)", "Price impact (% from open)"), &items, th)?;
    let (_, h) = root.dim_in_pixel();
    let split = if compact { h } else { ((h - top_margin) as f64 * 0.62) as u32 + top_margin };
    let (upper, lower) = root.split_vertically(split);
    changes(&upper, d, th, f, top_margin, compact)?;
    if compact {
        return Ok(());
    }
    impacts(&lower, d, th, f)
}

/// The upper panel: each asset's market and exogenous price change from the open.
fn changes<DB: DrawingBackend>(
    upper: &DrawingArea<DB, Shift>,
    d: &ChartData,
    th: &Theme,
    f: &Frame,
    top_margin: u32,
    compact: bool,
) -> R<DB> {
    let label_style = TextStyle::from((FONT, 11).into_font()).color(&th.text);
    let axis_style = ShapeStyle::from(&th.text).stroke_width(1);
    // your liquidation prices count for the scale while within ±50 % of the open (a far one
    // would flatten the prices; the readout gives its value)
    let near: Vec<Vec<f64>> = d
        .assets
        .iter()
        .map(|a| a.liq_change_pct.iter().map(|&v| if v.abs() <= 50.0 { v } else { f64::NAN }).collect())
        .collect();
    let changes: Vec<&[f64]> = d
        .assets
        .iter()
        .zip(&near)
        .flat_map(|(a, l)| {
            [a.change_pct.as_slice(), a.exo_change_pct.as_slice(), a.mark_change_pct.as_slice(), l.as_slice()]
        })
        .collect();
    let (lo, hi) = bounds(&f.slices(&changes), 0.08);
    let mut chart = ChartBuilder::on(upper)
        .margin_top(top_margin)
        .margin_right(RIGHT + 8)
        .x_label_area_size(if compact { 34 } else { 4 })
        .y_label_area_size(LEFT - 8)
        .build_cartesian_2d(f.x_range.clone(), lo..hi)?;
    let none = |_: &f64| String::new();
    chart
        .configure_mesh()
        .bold_line_style(th.grid)
        .light_line_style(th.background)
        .axis_style(axis_style)
        .label_style(label_style.clone())
        .x_desc(if compact { "time (h:mm)" } else { "" })
        .x_label_formatter(if compact { &fmt_hours } else { &none })
        .y_label_formatter(&|v| fmt_pct(*v))
        .x_labels(f.x_labels)
        .y_labels((upper.dim_in_pixel().1.saturating_sub(top_margin + 34) as usize / 24).clamp(2, 5))
        .draw()?;
    for (i, a) in d.assets.iter().enumerate() {
        let c = PALETTE[i % 6];
        chart.draw_series(DashedLineSeries::new(
            f.pts(d, &a.exo_change_pct),
            7,
            5,
            ShapeStyle::from(c).stroke_width(2),
        ))?;
        chart.draw_series(LineSeries::new(f.pts(d, &a.change_pct), ShapeStyle::from(c).stroke_width(2)))?;
        if !a.mark.is_empty() {
            chart.draw_series(DashedLineSeries::new(
                f.pts(d, &a.mark_change_pct),
                2,
                4,
                ShapeStyle::from(c).stroke_width(2),
            ))?;
        }
        // your liquidation price: long dashes, thin, broken where there is none
        for run in runs(&f.pts_nan(d, &a.liq_change_pct)) {
            chart.draw_series(DashedLineSeries::new(run, 12, 4, ShapeStyle::from(c).stroke_width(1)))?;
        }
    }
    Ok(())
}

/// The runs of finite points of a series (a line broken where the value is NaN).
fn runs(pts: &[(f64, f64)]) -> Vec<Vec<(f64, f64)>> {
    pts.split(|p| !p.1.is_finite()).filter(|r| !r.is_empty()).map(|r| r.to_vec()).collect()
}

/// The lower panel: the impact in % per asset (left axis) and the forced sales (bars, right axis).
fn impacts<DB: DrawingBackend>(lower: &DrawingArea<DB, Shift>, d: &ChartData, th: &Theme, f: &Frame) -> R<DB> {
    let label_style = TextStyle::from((FONT, 11).into_font()).color(&th.text);
    let axis_style = ShapeStyle::from(&th.text).stroke_width(1);
    let imps: Vec<&[f64]> = d.assets.iter().map(|a| a.impact_pct.as_slice()).collect();
    let (ilo, ihi) = bounds(&f.slices(&imps), 0.1);
    let (ilo, ihi) = (ilo.min(-0.01), ihi.max(0.01));
    let fmax = f.slices(&[&d.forced_flow])[0].iter().map(|v| v.abs()).fold(0.0, f64::max).max(1.0);
    // as many labels as fit at least 20 px apart (n labels span n − 1 gaps); the forced
    // sales axis keeps its ±max and 0 (3 labels) whenever they fit
    let plot_h = lower.dim_in_pixel().1.saturating_sub(40) as usize;
    let fit = plot_h / 20 + 1;
    let (left_n, right_n) = (fit.clamp(2, 4), fit.clamp(2, 3));
    let mut chart = ChartBuilder::on(lower)
        .margin_top(6)
        .margin_right(8)
        .x_label_area_size(34)
        .y_label_area_size(LEFT - 8)
        .right_y_label_area_size(RIGHT)
        .build_cartesian_2d(f.x_range.clone(), ilo..ihi)?
        .set_secondary_coord(f.x_range.clone(), -fmax * 1.1..fmax * 1.1);
    chart
        .configure_mesh()
        .bold_line_style(th.grid)
        .light_line_style(th.background)
        .axis_style(axis_style)
        .label_style(label_style.clone())
        .x_desc("time (h:mm)")
        .x_label_formatter(&fmt_hours)
        .y_desc("impact")
        .y_label_formatter(&|v| fmt_pct(*v))
        .x_labels(f.x_labels)
        .y_labels(left_n)
        .draw()?;
    chart
        .configure_secondary_axes()
        .axis_style(axis_style)
        .label_style(label_style.clone())
        .y_label_formatter(&|v| fmt_usd(*v))
        .y_labels(right_n)
        .draw()?;
    let bar_w = if d.hours.len() > 1 { d.hours[1] - d.hours[0] } else { 1.0 } * 0.8;
    let bars = (f.from..=f.to).filter_map(|t| Some((d.hours.get(t)?, d.forced_flow.get(t)?)));
    chart.draw_secondary_series(bars.filter(|(_, v)| v.abs() > 0.0).map(|(x, v)| {
        Rectangle::new(
            [(*x - bar_w / 2.0, 0.0), (*x + bar_w / 2.0, *v)],
            ShapeStyle::from(PALETTE[6].mix(0.6)).filled(),
        )
    }))?;
    for (i, a) in d.assets.iter().enumerate() {
        chart
            .draw_series(LineSeries::new(f.pts(d, &a.impact_pct), ShapeStyle::from(PALETTE[i % 6]).stroke_width(2)))?;
    }
    Ok(())
}
