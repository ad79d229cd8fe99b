//! The three charts, drawn once for every backend: plotters' canvas-like backend in the browser
//! (`web/canvas.rs`), SVG and PNG natively (`cascade render`, the chart tests). Pure: no web imports.
//!
//! 1. collateral value and equity of the focal account, with the other margin mode dashed;
//! 2. margin ratio with the 100 % liquidation line and a marker at each focal liquidation;
//! 3. price-impact feedback: market (solid) vs exogenous (dashed) price change per asset, and
//!    below it the impact in % with the forced-sale volume per step.
//!
//! All three share one time axis (hours) and the same left/right label widths, so a step is at
//! the same x on every chart. Legends are drawn above the plot area, never over the data. Text
//! uses a monospace font so its width is known without measuring (see `text_width`).

use crate::liquidation::{AccountId, EventKind};
use crate::outcome::Outcome;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

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
const LIQ_RED: RGBColor = RGBColor(213, 94, 0);
/// The chart font: the generic monospace family (see `MONO_ADVANCE`).
pub const FONT: FontFamily = FontFamily::Monospace;
/// Advance width of the monospace font, in ems (DejaVu Sans Mono / Liberation Mono: 0.6).
pub const MONO_ADVANCE: f64 = 0.6;

/// Left and right label areas (px): equal on every chart so the time axes line up.
pub const LEFT: u32 = 70;
pub const RIGHT: u32 = 62;
pub const TOP: u32 = 40;

/// What the charts (and the page's cursor readout) need from an outcome, as plain numbers.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ChartData {
    pub hours: Vec<f64>,
    pub mode: String,
    pub other_mode: String,
    pub collateral: Vec<f64>,
    pub equity: Vec<f64>,
    pub other_collateral: Vec<f64>,
    pub other_equity: Vec<f64>,
    /// Margin ratio in %, `None` = unbounded (equity ≤ 0).
    pub mr_pct: Vec<Option<f64>>,
    pub other_mr_pct: Vec<Option<f64>>,
    /// Focal liquidations: one marker per step with a liquidation.
    pub liquidations: Vec<LiqMarker>,
    pub other_liquidations: Vec<LiqMarker>,
    /// Assets shown in chart 3 (those that move), with their series.
    pub assets: Vec<AssetSeries>,
    /// Forced sales (sold − bought) per step, all assets, USD.
    pub forced_flow: Vec<f64>,
}

/// A liquidation of the focal account at one step.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct LiqMarker {
    pub step: usize,
    /// The position(s) closed (and collateral sold), e.g. "BTC+ETH".
    pub label: String,
    /// The margin ratio (%) the liquidation check saw (before the orders); `None` = unbounded.
    pub check_pct: Option<f64>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct AssetSeries {
    pub symbol: String,
    pub price: Vec<f64>,
    pub exogenous: Vec<f64>,
    /// Change from the opening price, %.
    pub change_pct: Vec<f64>,
    pub exo_change_pct: Vec<f64>,
    pub impact_pct: Vec<f64>,
    pub forced_flow: Vec<f64>,
}

fn liq_markers(o: &Outcome, r: &crate::sim::Run) -> Vec<LiqMarker> {
    use crate::liquidation::Reason;
    let mut out: Vec<LiqMarker> = vec![];
    for e in r.events.iter().filter(|e| e.account == AccountId::Focal) {
        let (what, reason) = match &e.kind {
            EventKind::Liquidation { asset, reason, .. } => (o.symbols[*asset].clone(), Some(reason)),
            EventKind::CollateralSale { asset, .. } => (format!("sold {}", o.symbols[*asset]), None),
            EventKind::BadDebt { .. } => continue,
        };
        let check = match reason {
            Some(Reason::CrossMarginRatio { mm, equity }) | Some(Reason::IsolatedMarginRatio { mm, equity }) => {
                Some(crate::margin::margin_ratio(*mm, *equity).map(|r| r.to_f64() * 100.0))
            }
            _ => None,
        };
        match out.last_mut() {
            Some(m) if m.step == e.step => {
                m.label.push('+');
                m.label.push_str(&what);
                if let Some(c) = check {
                    // the worst position's ratio, for isolated accounts
                    m.check_pct = match (m.check_pct, c) {
                        (None, _) | (_, None) => None,
                        (Some(a), Some(b)) => Some(a.max(b)),
                    };
                }
            }
            _ => out.push(LiqMarker { step: e.step, label: what, check_pct: check.unwrap_or(None) }),
        }
    }
    out
}

impl ChartData {
    pub fn from_outcome(o: &Outcome) -> ChartData {
        let s = &o.main.series;
        let om = &o.other_mode.series;
        let n = s.focal_equity.len();
        let minutes = crate::types::dec_to_f64(o.step_minutes);
        let f = |v: &[crate::types::Money]| v.iter().map(|x| x.to_f64()).collect::<Vec<f64>>();
        let mr =
            |v: &[Option<crate::types::Ratio>]| v.iter().map(|r| r.map(|r| r.to_f64() * 100.0)).collect::<Vec<_>>();
        let mut assets = vec![];
        for (i, sym) in o.symbols.iter().enumerate() {
            let p = &s.price_f[i];
            let x = &s.exogenous_price_f[i];
            let p0 = p[0];
            let moves = p.iter().chain(x.iter()).any(|v| (v / p0 - 1.0).abs() > 1e-9);
            if !moves {
                continue;
            }
            assets.push(AssetSeries {
                symbol: sym.clone(),
                price: p.clone(),
                exogenous: x.clone(),
                change_pct: p.iter().map(|v| (v / p0 - 1.0) * 100.0).collect(),
                exo_change_pct: x.iter().map(|v| (v / p0 - 1.0) * 100.0).collect(),
                impact_pct: s.impact_pct[i].clone(),
                forced_flow: f(&s.forced_flow_usd[i]),
            });
        }
        let forced_flow = (0..n).map(|t| s.forced_flow_usd.iter().map(|v| v[t].to_f64()).sum()).collect();
        ChartData {
            hours: (0..n).map(|t| t as f64 * minutes / 60.0).collect(),
            mode: o.summary.focal_mode.name().into(),
            other_mode: o.other_mode_summary.focal_mode.name().into(),
            collateral: f(&s.focal_collateral_value),
            equity: f(&s.focal_equity),
            other_collateral: f(&om.focal_collateral_value),
            other_equity: f(&om.focal_equity),
            mr_pct: mr(&s.focal_margin_ratio),
            other_mr_pct: mr(&om.focal_margin_ratio),
            liquidations: liq_markers(o, &o.main),
            other_liquidations: liq_markers(o, &o.other_mode),
            assets,
            forced_flow,
        }
    }
}

/// Width of `text` at `size` px in the chart font.
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * MONO_ADVANCE
}

/// Compact money: 12.3k, 4.56M, 1.2B.
pub fn fmt_usd(v: f64) -> String {
    let a = v.abs();
    let (d, s) = if a >= 1e9 {
        (v / 1e9, "B")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e3 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let digits = if d.abs() >= 100.0 {
        0
    } else if d.abs() >= 10.0 {
        1
    } else {
        2
    };
    let t = crate::types::fixed(d, digits);
    let t = if t.contains('.') { t.trim_end_matches('0').trim_end_matches('.').to_string() } else { t };
    format!("{t}{s}")
}

/// Time-axis labels: hours with one decimal.
fn fmt_hours(v: &f64) -> String {
    crate::types::fixed(*v, 1)
}

pub fn fmt_pct(v: f64) -> String {
    let a = v.abs();
    if a < 1e-9 {
        return "0%".into();
    }
    let dp = if a >= 10.0 || (a >= 1.0 && v == v.round()) {
        0
    } else if a >= 1.0 {
        1
    } else if a >= 0.1 {
        2
    } else {
        3
    };
    format!("{}%", crate::types::fixed(v, dp))
}

type R<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Which chart to draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    Collateral,
    MarginRatio,
    Impact,
}

pub struct Theme {
    pub background: RGBColor,
    pub text: RGBColor,
    pub grid: RGBColor,
}

pub const LIGHT: Theme =
    Theme { background: RGBColor(255, 255, 255), text: RGBColor(30, 30, 30), grid: RGBColor(225, 225, 225) };
pub const DARK: Theme =
    Theme { background: RGBColor(24, 26, 31), text: RGBColor(225, 225, 225), grid: RGBColor(60, 63, 70) };

fn bounds(series: &[&[f64]], pad: f64) -> (f64, f64) {
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
fn legend<DB: DrawingBackend>(
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

fn points(xs: &[f64], ys: &[f64]) -> Vec<(f64, f64)> {
    xs.iter().copied().zip(ys.iter().copied()).filter(|(_, y)| y.is_finite()).collect()
}

/// A chart on the shared time axis: the same label areas and right margin as the others (so the
/// axes line up), the grid, and time labels in hours.
fn time_chart<'a, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    top: u32,
    x_range: std::ops::Range<f64>,
    y_range: std::ops::Range<f64>,
    y_fmt: &dyn Fn(&f64) -> String,
    x_labels: usize,
    th: &Theme,
) -> Result<ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>, DrawingAreaErrorKind<DB::ErrorType>> {
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
        .x_desc("time (hours)")
        .x_label_formatter(&fmt_hours)
        .y_label_formatter(y_fmt)
        .x_labels(x_labels)
        .y_labels(6)
        .draw()?;
    Ok(chart)
}

/// Draw one chart on a drawing area (its whole size).
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ChartData, which: Which, th: &Theme) -> R<DB> {
    root.fill(&th.background)?;
    if d.hours.is_empty() {
        return Ok(());
    }
    let x_max = *d.hours.last().unwrap_or(&1.0);
    let x_range = 0f64..x_max.max(1e-9);
    let label_style = TextStyle::from((FONT, 11).into_font()).color(&th.text);
    let axis_style = ShapeStyle::from(&th.text).stroke_width(1);
    // about one time label per 100 px of plot
    let x_labels = (((root.dim_in_pixel().0.saturating_sub(LEFT + RIGHT)) / 100) as usize).clamp(3, 10);
    match which {
        Which::Collateral => {
            let items = vec![
                (format!("equity ({})", d.mode), PALETTE[0], false),
                (format!("collateral ({})", d.mode), PALETTE[1], false),
                (format!("equity ({})", d.other_mode), PALETTE[0], true),
                (format!("collateral ({})", d.other_mode), PALETTE[1], true),
            ];
            let top = legend(
                root,
                ("Your account: collateral value and equity (USD)", "Collateral & equity (USD)"),
                &items,
                th,
            )?;
            let (lo, hi) = bounds(&[&d.equity, &d.collateral, &d.other_equity, &d.other_collateral], 0.06);
            let mut chart = time_chart(root, top, x_range, lo..hi, &|v| fmt_usd(*v), x_labels, th)?;
            let s = |c: RGBColor| ShapeStyle::from(c).stroke_width(2);
            chart.draw_series(DashedLineSeries::new(points(&d.hours, &d.other_collateral), 7, 5, s(PALETTE[1])))?;
            chart.draw_series(DashedLineSeries::new(points(&d.hours, &d.other_equity), 7, 5, s(PALETTE[0])))?;
            chart.draw_series(LineSeries::new(points(&d.hours, &d.collateral), s(PALETTE[1])))?;
            chart.draw_series(LineSeries::new(points(&d.hours, &d.equity), s(PALETTE[0])))?;
        }
        Which::MarginRatio => {
            let items = vec![
                (format!("margin ratio ({})", d.mode), PALETTE[0], false),
                (format!("margin ratio ({})", d.other_mode), PALETTE[3], true),
                ("liquidation at 100%".to_string(), LIQ_RED, false),
            ];
            let top_margin =
                legend(root, ("Margin ratio (%): maintenance margin / equity", "Margin ratio (%)"), &items, th)?;
            let checks = d.liquidations.iter().chain(&d.other_liquidations).filter_map(|m| m.check_pct);
            let finite_max =
                d.mr_pct.iter().chain(&d.other_mr_pct).flatten().cloned().chain(checks).fold(0.0, f64::max);
            let top = finite_max.clamp(120.0, 400.0) * 1.08;
            let cap = |v: Option<f64>| v.map(|y| y.min(top)).unwrap_or(top);
            // The line shows, at a liquidation step, the ratio the check saw and then the ratio
            // after the orders: a vertical stroke through the 100 % line.
            let line = |series: &[Option<f64>], liqs: &[LiqMarker]| -> Vec<(f64, f64)> {
                let mut pts = Vec::with_capacity(series.len() + liqs.len());
                for (t, v) in series.iter().enumerate() {
                    if let Some(m) = liqs.iter().find(|m| m.step == t) {
                        pts.push((d.hours[t], cap(m.check_pct)));
                    }
                    pts.push((d.hours[t], cap(*v)));
                }
                pts
            };
            let (mr, omr) = (line(&d.mr_pct, &d.liquidations), line(&d.other_mr_pct, &d.other_liquidations));
            let mut chart = time_chart(root, top_margin + 24, x_range, 0f64..top, &|v| fmt_pct(*v), x_labels, th)?;
            chart.draw_series(LineSeries::new(
                vec![(0.0, 100.0), (x_max, 100.0)],
                ShapeStyle::from(LIQ_RED).stroke_width(2),
            ))?;
            chart.draw_series(DashedLineSeries::new(omr, 7, 5, ShapeStyle::from(PALETTE[3]).stroke_width(2)))?;
            chart.draw_series(LineSeries::new(mr, ShapeStyle::from(PALETTE[0]).stroke_width(2)))?;
            // Markers at the ratio the check saw: filled for this run, hollow for the other mode.
            // Their labels sit in rows above the plot, never over the data, never over each other.
            let (bx, _) = root.get_base_pixel();
            let (rw, _) = root.dim_in_pixel();
            let mut rows: Vec<Vec<(i32, i32)>> = vec![];
            for (liqs, filled, color) in [(&d.liquidations, true, LIQ_RED), (&d.other_liquidations, false, PALETTE[3])]
            {
                for m in liqs.iter() {
                    let (x, y) = (d.hours[m.step], cap(m.check_pct));
                    let st =
                        if filled { ShapeStyle::from(color).filled() } else { ShapeStyle::from(color).stroke_width(2) };
                    // An upward triangle in pixel offsets (plotters' TriangleMarker always fills,
                    // and its sin/cos pull a second copy of the trig functions into the wasm).
                    let tri = [(0, -7), (-6, 4), (6, 4)];
                    if filled {
                        chart
                            .draw_series(std::iter::once(EmptyElement::at((x, y)) + Polygon::new(tri.to_vec(), st)))?;
                    } else {
                        let outline = vec![tri[0], tri[1], tri[2], tri[0]];
                        chart.draw_series(std::iter::once(EmptyElement::at((x, y)) + PathElement::new(outline, st)))?;
                    }
                    let text = if filled { m.label.clone() } else { format!("{} ({})", m.label, d.other_mode) };
                    let (ax, _) = chart.backend_coord(&(x, y));
                    let w = text_width(&text, 11.0) as i32;
                    let x0 = (ax - bx - w / 2).clamp(LEFT as i32 - 8, rw as i32 - RIGHT as i32 - 8 - w);
                    let row = (0..)
                        .find(|r| {
                            rows.get(*r)
                                .is_none_or(|v: &Vec<(i32, i32)>| v.iter().all(|(a, b)| x0 + w + 6 < *a || x0 > *b + 6))
                        })
                        .unwrap_or(0);
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
        }
        Which::Impact => {
            let mut items = vec![];
            for (i, a) in d.assets.iter().enumerate() {
                items.push((format!("{} market", a.symbol), PALETTE[i % 6], false));
                items.push((format!("{} exogenous", a.symbol), PALETTE[i % 6], true));
            }
            // A short chart (a social-preview image) has no room for the impact panel: the price
            // changes take the whole height (the impact is their gap to the exogenous path).
            let compact = root.dim_in_pixel().1 < 260;
            if !compact {
                items.push(("forced sales (USD, right)".to_string(), PALETTE[6], false));
            }
            let top_margin = legend(
                root,
                ("Price-impact feedback: change from open (%)", "Price impact (% from open)"),
                &items,
                th,
            )?;
            let (_, h) = root.dim_in_pixel();
            let split = if compact { h } else { ((h - top_margin) as f64 * 0.62) as u32 + top_margin };
            let (upper, lower) = root.split_vertically(split);
            let changes: Vec<&[f64]> =
                d.assets.iter().flat_map(|a| [a.change_pct.as_slice(), a.exo_change_pct.as_slice()]).collect();
            let (lo, hi) = bounds(&changes, 0.08);
            let mut chart = ChartBuilder::on(&upper)
                .margin_top(top_margin)
                .margin_right(RIGHT + 8)
                .x_label_area_size(if compact { 34 } else { 4 })
                .y_label_area_size(LEFT - 8)
                .build_cartesian_2d(x_range.clone(), lo..hi)?;
            let none = |_: &f64| String::new();
            chart
                .configure_mesh()
                .bold_line_style(th.grid)
                .light_line_style(th.background)
                .axis_style(axis_style)
                .label_style(label_style.clone())
                .x_desc(if compact { "time (hours)" } else { "" })
                .x_label_formatter(if compact { &fmt_hours } else { &none })
                .y_label_formatter(&|v| fmt_pct(*v))
                .x_labels(x_labels)
                .y_labels((upper.dim_in_pixel().1.saturating_sub(top_margin + 34) as usize / 24).clamp(2, 5))
                .draw()?;
            for (i, a) in d.assets.iter().enumerate() {
                let c = PALETTE[i % 6];
                chart.draw_series(DashedLineSeries::new(
                    points(&d.hours, &a.exo_change_pct),
                    7,
                    5,
                    ShapeStyle::from(c).stroke_width(2),
                ))?;
                chart.draw_series(LineSeries::new(
                    points(&d.hours, &a.change_pct),
                    ShapeStyle::from(c).stroke_width(2),
                ))?;
            }
            if compact {
                return Ok(());
            }
            // Lower panel: impact % per asset (left axis) and forced sales (bars, right axis).
            let imps: Vec<&[f64]> = d.assets.iter().map(|a| a.impact_pct.as_slice()).collect();
            let (ilo, ihi) = bounds(&imps, 0.1);
            let (ilo, ihi) = (ilo.min(-0.01), ihi.max(0.01));
            let fmax = d.forced_flow.iter().map(|v| v.abs()).fold(0.0, f64::max).max(1.0);
            // as many labels as fit at least 20 px apart (n labels span n − 1 gaps); the forced
            // sales axis keeps its ±max and 0 (3 labels) whenever they fit
            let plot_h = lower.dim_in_pixel().1.saturating_sub(40) as usize;
            let fit = plot_h / 20 + 1;
            let (left_n, right_n) = (fit.clamp(2, 4), fit.clamp(2, 3));
            let mut chart = ChartBuilder::on(&lower)
                .margin_top(6)
                .margin_right(8)
                .x_label_area_size(34)
                .y_label_area_size(LEFT - 8)
                .right_y_label_area_size(RIGHT)
                .build_cartesian_2d(x_range.clone(), ilo..ihi)?
                .set_secondary_coord(x_range, -fmax * 1.1..fmax * 1.1);
            chart
                .configure_mesh()
                .bold_line_style(th.grid)
                .light_line_style(th.background)
                .axis_style(axis_style)
                .label_style(label_style.clone())
                .x_desc("time (hours)")
                .x_label_formatter(&fmt_hours)
                .y_desc("impact")
                .y_label_formatter(&|v| fmt_pct(*v))
                .x_labels(x_labels)
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
            chart.draw_secondary_series(d.hours.iter().zip(&d.forced_flow).filter(|(_, v)| v.abs() > 0.0).map(
                |(x, v)| {
                    Rectangle::new(
                        [(*x - bar_w / 2.0, 0.0), (*x + bar_w / 2.0, *v)],
                        ShapeStyle::from(PALETTE[6].mix(0.6)).filled(),
                    )
                },
            ))?;
            for (i, a) in d.assets.iter().enumerate() {
                chart.draw_series(LineSeries::new(
                    points(&d.hours, &a.impact_pct),
                    ShapeStyle::from(PALETTE[i % 6]).stroke_width(2),
                ))?;
            }
        }
    }
    Ok(())
}

impl Which {
    /// Every chart, in the page's order.
    pub const ALL: [Which; 3] = [Which::Collateral, Which::MarginRatio, Which::Impact];

    /// The chart a link's `charts=` (and `cascade render --charts`) names: `collateral`, `margin`
    /// or `impact` (`link::CHARTS`).
    pub fn from_name(name: &str) -> Option<Which> {
        crate::link::CHARTS.iter().position(|c| *c == name).map(|i| Which::ALL[i])
    }
}

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
    /// All three charts, no title.
    pub fn new(width: u32, height_each: u32) -> Sheet {
        Sheet { charts: Which::ALL.to_vec(), title: None, width, height_each }
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
fn stack<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &ChartData,
    sheet: &Sheet,
    th: &Theme,
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
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

/// The sheet's charts in one SVG (`cascade render --svg`, and the native chart tests).
pub fn svg(d: &ChartData, sheet: &Sheet, th: &Theme) -> Result<String, String> {
    let mut out = String::new();
    stack(&SVGBackend::with_string(&mut out, (sheet.width, sheet.height())).into_drawing_area(), d, sheet, th)?;
    Ok(out)
}

/// Largest bitmap drawn (pixels): 100 MP is 300 MB of RGB, already more than any slide needs.
#[cfg(not(target_arch = "wasm32"))]
pub const MAX_PIXELS: u64 = 100_000_000;

/// The sheet as RGB pixels (3 bytes each, row-major), as [`png`] encodes them.
#[cfg(not(target_arch = "wasm32"))]
pub fn rgb(d: &ChartData, sheet: &Sheet, scale: u32, th: &Theme) -> Result<Vec<u8>, String> {
    let (w, h) = (sheet.width as u64 * scale as u64, sheet.height() as u64 * scale as u64);
    let pixels = w * h;
    if pixels > MAX_PIXELS || w == 0 || h == 0 || sheet.charts.is_empty() {
        return Err(format!(
            "a {w}×{h} image ({} megapixels) is outside what this renders (1 to {} megapixels); use a smaller size or scale",
            pixels / 1_000_000,
            MAX_PIXELS / 1_000_000
        ));
    }
    let size = (w as u32, h as u32);
    let mut buf = vec![0u8; size.0 as usize * size.1 as usize * 3];
    let backend = crate::raster::Raster::new(BitMapBackend::with_buffer(&mut buf, size), scale)?;
    stack(&backend.into_drawing_area(), d, sheet, th)?;
    Ok(buf)
}

/// The sheet as a PNG file: `width × height()` chart pixels drawn at `scale` image pixels each (2
/// for sharp slides), text in the bundled font (`cascade render --png`).
#[cfg(not(target_arch = "wasm32"))]
pub fn png(d: &ChartData, sheet: &Sheet, scale: u32, th: &Theme) -> Result<Vec<u8>, String> {
    let pixels = rgb(d, sheet, scale, th)?;
    let mut out = vec![];
    let mut enc = ::png::Encoder::new(&mut out, sheet.width * scale, sheet.height() * scale);
    enc.set_color(::png::ColorType::Rgb);
    enc.set_depth(::png::BitDepth::Eight);
    enc.set_compression(::png::Compression::Best);
    let mut w = enc.write_header().map_err(|e| e.to_string())?;
    w.write_image_data(&pixels).map_err(|e| e.to_string())?;
    w.finish().map_err(|e| e.to_string())?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_labels_are_compact() {
        let cases = [
            (0.0, "0"),
            (950.0, "950"),
            (12_345.0, "12.3k"),
            (4_560_000.0, "4.56M"),
            (-2.0e9, "-2B"),
            (100_000.0, "100k"),
        ];
        for (v, want) in cases {
            assert_eq!(fmt_usd(v), want, "{v}");
        }
    }

    #[test]
    fn percent_labels_keep_small_values_visible() {
        let cases = [
            (0.0, "0%"),
            (-1e-12, "0%"),
            (100.0, "100%"),
            (2.5, "2.5%"),
            (-0.04, "-0.040%"),
            (0.25, "0.25%"),
            (-15.0, "-15%"),
        ];
        for (v, want) in cases {
            assert_eq!(fmt_pct(v), want, "{v}");
        }
    }

    #[test]
    fn charts_draw_what_they_claim() {
        let o = crate::simulate_json(crate::presets::get("contagion").unwrap().json).unwrap();
        let d = ChartData::from_outcome(&o);
        let svg = svg(&d, &Sheet::new(900, 300), &LIGHT).unwrap();
        // legends and titles name the series, with the modes
        for want in [
            "equity (cross)",
            "collateral (isolated)",
            "liquidation at 100%",
            "Margin ratio (%)",
            "ETH market",
            "ETH exogenous",
            "time (hours)",
        ] {
            assert!(svg.contains(want), "missing {want:?}");
        }
        // the liquidation marker names the healthy position that was closed: "BTC+ETH" at one step
        assert!(d.liquidations.iter().any(|m| m.label.contains("BTC")), "{:?}", d.liquidations);
        assert!(svg.contains("BTC+ETH"), "marker label");
        // dashed counterfactuals are drawn as many short segments; solid series as one polyline
        assert!(svg.matches("<polyline").count() >= 6);
        // BTC never moves in this preset except for drift, so chart 3 shows only assets that move
        assert!(d.assets.iter().any(|a| a.symbol == "ETH"));
    }

    #[test]
    fn the_bitmap_draws_the_series_colours_and_text() {
        let o = crate::simulate_json(crate::presets::get("contagion").unwrap().json).unwrap();
        let d = ChartData::from_outcome(&o);
        let count = |px: &[u8], c: RGBColor| px.chunks(3).filter(|p| p == &[c.0, c.1, c.2]).count();
        let px = rgb(&d, &Sheet::new(900, 300), 1, &LIGHT).unwrap();
        assert_eq!(px.len(), 900 * 900 * 3);
        assert!(count(&px, LIGHT.background) > px.len() / 3 / 2, "mostly background");
        assert!(count(&px, PALETTE[0]) > 1000, "the blue equity/margin-ratio lines");
        assert!(count(&px, LIQ_RED) > 300, "the liquidation line and marker");
        // text: anti-aliased glyphs give many dark pixels in the title band of the first chart
        let dark_in_title = (0..TOP as usize * 900).filter(|i| px[i * 3] < 100 && px[i * 3 + 1] < 100).count();
        assert!(dark_in_title > 300, "title and legend text drawn ({dark_in_title} dark pixels)");
        let dark = rgb(&d, &Sheet::new(900, 300), 1, &DARK).unwrap();
        assert_eq!(&dark[..3], &[DARK.background.0, DARK.background.1, DARK.background.2]);
    }
}
