//! Chart 4, the crowd (every account but yours): its liquidations per step on the shared time
//! axis, and its liquidation ladder at the time cursor — how much notional would be liquidated at
//! each price below and above the market, against what the book absorbs before the price gets
//! there. Where the forced selling stacked down to a price exceeds what the book absorbs, a move
//! to that price keeps going by itself.

use super::data::{ChartData, LadderData};
use super::format::{fmt_pct, fmt_usd};
use super::frame::{bounds, legend, Frame, LEFT, R, RIGHT};
use super::theme::{Theme, FONT, LIQ_RED, PALETTE};
use plotters::coord::Shift;
use plotters::prelude::*;

/// The crowd's liquidated notional per step (bars) and the accounts liquidated (line, right axis).
pub fn crowd<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ChartData, th: &Theme, f: &Frame) -> R<DB> {
    let items = vec![
        ("notional liquidated (USD, bars)".to_string(), LIQ_RED, false),
        ("accounts liquidated (right)".to_string(), PALETTE[0], false),
    ];
    let top = legend(root, ("The crowd: liquidations per step", "Crowd liquidations"), &items, th)?;
    let nmax = f.slices(&[&d.crowd_notional])[0].iter().fold(0.0, |a: f64, b| a.max(*b)).max(1.0);
    let kmax = f.slices(&[&d.crowd_accounts])[0].iter().fold(0.0, |a: f64, b| a.max(*b)).max(1.0);
    let mut chart = ChartBuilder::on(root)
        .margin_top(top)
        .margin_right(8)
        .x_label_area_size(34)
        .y_label_area_size(LEFT - 8)
        .right_y_label_area_size(RIGHT)
        .build_cartesian_2d(f.x_range.clone(), 0.0..nmax * 1.1)?
        .set_secondary_coord(f.x_range.clone(), 0.0..kmax * 1.1);
    let label = TextStyle::from((FONT, 11).into_font()).color(&th.text);
    let axis = ShapeStyle::from(&th.text).stroke_width(1);
    chart
        .configure_mesh()
        .bold_line_style(th.grid)
        .light_line_style(th.background)
        .axis_style(axis)
        .label_style(label.clone())
        .x_desc("time (h:mm)")
        .x_label_formatter(&super::format::fmt_hours)
        .y_label_formatter(&|v| fmt_usd(*v))
        .x_labels(f.x_labels)
        .y_labels(5)
        .draw()?;
    chart
        .configure_secondary_axes()
        .axis_style(axis)
        .label_style(label)
        .y_label_formatter(&|v| if v.fract() == 0.0 { crate::types::fixed(*v, 0) } else { String::new() })
        .y_labels(5)
        .draw()?;
    let bar_w = if d.hours.len() > 1 { d.hours[1] - d.hours[0] } else { 1.0 } * 0.8;
    let bars =
        (f.from..=f.to).filter_map(|t| Some((*d.hours.get(t)?, *d.crowd_notional.get(t)?))).filter(|(_, v)| *v > 0.0);
    chart.draw_series(
        bars.map(|(x, v)| Rectangle::new([(x - bar_w / 2.0, 0.0), (x + bar_w / 2.0, v)], LIQ_RED.mix(0.75).filled())),
    )?;
    chart.draw_secondary_series(LineSeries::new(
        f.pts(d, &d.crowd_accounts),
        ShapeStyle::from(PALETTE[0]).stroke_width(2),
    ))?;
    Ok(())
}

/// `text` on `root` at pixel `at` of the backend (a chart's `backend_coord`), moved by `by`.
fn text_at<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    at: (i32, i32),
    by: (i32, i32),
    text: &str,
    size: u32,
    color: &RGBColor,
) -> R<DB> {
    let (bx, base_y) = root.get_base_pixel();
    let style = TextStyle::from((FONT, size).into_font()).color(color);
    root.draw(&Text::new(text, (at.0 - bx + by.0, at.1 - base_y + by.1), style))?;
    Ok(())
}

/// The liquidation ladder at the cursor: bars per price bucket (what a fall liquidates below the
/// market, what a rise liquidates above), the forced flow stacked from the market to each price,
/// and what the book absorbs.
pub fn ladder<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ChartData, th: &Theme) -> R<DB> {
    let Some(l) = d.ladder.as_ref().filter(|l| l.change_pct.len() >= 2) else {
        let style = TextStyle::from((FONT, 12).into_font()).color(&th.text);
        root.draw(&Text::new("No crowd in this scenario: no liquidation ladder.", (LEFT as i32, 20), style))?;
        return Ok(());
    };
    let items = vec![
        ("notional liquidated by a fall".to_string(), LIQ_RED, false),
        ("by a rise".to_string(), PALETTE[0], false),
        (format!("forced {} sales (buys) to get there", l.symbol), th.text, false),
        (format!("what its book absorbs (±2% depth {})", fmt_usd(l.depth_usd)), PALETTE[6], true),
    ];
    let clock = super::format::fmt_hours(&d.hours.get(l.step).copied().unwrap_or(0.0));
    let title = format!("The crowd's liquidation ladder: {} at step {} ({clock})", l.symbol, l.step);
    let short = format!("{} ladder, step {}", l.symbol, l.step);
    let top = legend(root, (&title, &short), &items, th)?;
    let (x0, x1) = (l.change_pct[0], *l.change_pct.last().unwrap_or(&1.0));
    let forced = forced(l);
    let stacked = &forced;
    let bars = buckets(l);
    let tallest: Vec<f64> = bars.iter().map(|b| b.2).collect();
    let ymax = bounds(&[stacked, &tallest], 0.0).1.max(1.0);
    let mut chart = ChartBuilder::on(root)
        .margin_top(top)
        .margin_right(RIGHT + 8)
        .x_label_area_size(34)
        .y_label_area_size(LEFT - 8)
        .build_cartesian_2d(x0..x1.max(x0 + 1e-9), 0.0..ymax * 1.08)?;
    chart
        .configure_mesh()
        .bold_line_style(th.grid)
        .light_line_style(th.background)
        .axis_style(ShapeStyle::from(&th.text).stroke_width(1))
        .label_style(TextStyle::from((FONT, 11).into_font()).color(&th.text))
        .x_desc(format!("{} price, change from the market ({})", l.symbol, super::format::fmt_price(l.market)))
        .x_label_formatter(&|v| fmt_pct(*v))
        .y_label_formatter(&|v| fmt_usd(*v))
        .x_labels(9)
        .y_labels(5)
        .draw()?;
    if tallest.iter().all(|v| *v == 0.0) {
        let say = "No crowd account would be liquidated within this range at this step.";
        text_at(root, chart.backend_coord(&(x0, ymax * 0.6)), (12, 0), say, 12, &th.text)?;
    }
    let through = falls_through(l, &forced);
    let shade = LIQ_RED.mix(0.10);
    chart.draw_series(through.iter().map(|(a, b)| Rectangle::new([(*a, 0.0), (*b, ymax * 1.08)], shade.filled())))?;
    if let Some((a, _)) = through.iter().find(|(a, _)| *a < 0.0) {
        let at = chart.backend_coord(&(*a, ymax * 1.08));
        text_at(root, at, (3, 2), "a fall to here keeps going", 11, &LIQ_RED)?;
    }
    chart.draw_series(bars.into_iter().map(|(a, b, v, long)| {
        let c = if long { LIQ_RED } else { PALETTE[0] };
        Rectangle::new([(a, 0.0), (b, v)], c.mix(0.75).filled())
    }))?;
    let side = |below: bool| -> Vec<(f64, f64)> {
        l.change_pct
            .iter()
            .zip(stacked.iter())
            .filter(|(x, _)| if below { **x <= 0.0 } else { **x >= 0.0 })
            .map(|(x, y)| (*x, *y))
            .collect()
    };
    let absorb = |below: bool| -> Vec<(f64, f64)> {
        let pts = l.change_pct.iter().zip(&l.absorbed).filter(|(x, _)| if below { **x <= 0.0 } else { **x >= 0.0 });
        pts.map(|(x, y)| (*x, y.abs())).filter(|(_, y)| *y <= ymax * 1.08).collect()
    };
    for below in [true, false] {
        chart.draw_series(LineSeries::new(side(below), ShapeStyle::from(th.text).stroke_width(2)))?;
        chart.draw_series(DashedLineSeries::new(absorb(below), 7, 5, ShapeStyle::from(PALETTE[6]).stroke_width(2)))?;
    }
    chart.draw_series(LineSeries::new(
        vec![(0.0, 0.0), (0.0, ymax * 1.08)],
        ShapeStyle::from(th.text).stroke_width(1),
    ))?;
    Ok(())
}

/// The forced flow that pushes the price to each level: below the market the forced sales, above
/// it the forced buys.
fn forced(l: &LadderData) -> Vec<f64> {
    let push = |c: f64, f: f64| {
        if c < 0.0 {
            f.max(0.0)
        } else if c > 0.0 {
            (-f).max(0.0)
        } else {
            f.abs()
        }
    };
    l.change_pct.iter().zip(&l.flow).map(|(c, f)| push(*c, *f)).collect()
}

/// The buckets (from %, to %) where the forced flow to a price exceeds what the book absorbs on
/// the way there: a move into them keeps going.
fn falls_through(l: &LadderData, forced: &[f64]) -> Vec<(f64, f64)> {
    (0..l.change_pct.len() - 1)
        .filter(|&k| {
            let far = if l.change_pct[k + 1] <= 0.0 { k } else { k + 1 };
            l.change_pct[k] * l.change_pct[k + 1] >= 0.0 && forced[far] > l.absorbed[far].abs()
        })
        .map(|k| (l.change_pct[k], l.change_pct[k + 1]))
        .collect()
}

/// (from %, to %, notional, a fall?) of each bucket between two levels: what is liquidated
/// between them (longs on the way down, shorts on the way up).
fn buckets(l: &LadderData) -> Vec<(f64, f64, f64, bool)> {
    let mut out = vec![];
    for k in 0..l.change_pct.len() - 1 {
        let (a, b) = (l.change_pct[k], l.change_pct[k + 1]);
        if b <= 0.0 {
            // below the market: between b (nearer) and a (further down)
            out.push((a, b, (l.notional[k] - l.notional[k + 1]).max(0.0), true));
        } else if a >= 0.0 {
            out.push((a, b, (l.notional[k + 1] - l.notional[k]).max(0.0), false));
        }
    }
    out
}
