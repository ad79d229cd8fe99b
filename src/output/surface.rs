//! The liquidation surface (`engine/surface.rs`) as JSON, CSV and a text map.

use crate::engine::surface::{Axis, Fate, Surface};
use serde_json::{json, Value};

fn axis(a: &Axis) -> Value {
    json!({"symbol": a.symbol, "min": a.min, "max": a.max, "n": a.n})
}

/// How many cells each fate has: (survives, liquidated, healthy position closed).
pub fn counts(s: &Surface) -> [usize; 3] {
    let n = |f: Fate| s.cells.iter().filter(|c| c.main == f).count();
    [n(Fate::Survives), n(Fate::Liquidated), n(Fate::HealthyClosed)]
}

/// `cascade surface --json`: the grid, the dot, and every cell (y outer, x inner).
pub fn to_json(s: &Surface) -> Value {
    let p = &s.plan;
    let [sv, lq, hc] = counts(s);
    let cells: Vec<Value> = (0..p.y.n)
        .flat_map(|j| (0..p.x.n).map(move |i| (i, j)))
        .map(|(i, j)| {
            let c = s.at(i, j);
            json!({"x": p.x.at(i), "y": p.y.at(j), "main": c.main.name(),
                   "other_mode_liquidated": c.other_mode, "no_feedback_liquidated": c.no_feedback})
        })
        .collect();
    json!({
        "format": "margin-cascade/surface",
        "version": 1,
        "scenario": p.name(),
        "mode": p.mode.name(),
        "step": p.step,
        "x": axis(&p.x),
        "y": axis(&p.y),
        "dot": {"x": p.dot.0, "y": p.dot.1, "inside": p.dot_cell().is_some()},
        "counts": {"survives": sv, "liquidated": lq, "healthy_position_closed": hc},
        "cells": cells,
    })
}

/// `cascade surface --csv`: a row per cell.
pub fn to_csv(s: &Surface) -> String {
    let p = &s.plan;
    let mut out =
        format!("{}_move_pct,{}_move_pct,main,other_mode_liquidated,no_feedback_liquidated\n", p.x.symbol, p.y.symbol);
    for j in 0..p.y.n {
        for i in 0..p.x.n {
            let c = s.at(i, j);
            out += &format!("{},{},{},{},{}\n", p.x.at(i), p.y.at(j), c.main.name(), c.other_mode, c.no_feedback);
        }
    }
    out
}

/// The map in characters, y down the side (largest at the top): `.` survives, `x` liquidated,
/// `#` liquidated closing a position the other mode keeps; `o` marks the scenario's cell.
pub fn text(s: &Surface) -> String {
    let p = &s.plan;
    let dot = p.dot_cell();
    let mut out = format!(
        "{}: your {} account over {} (across) and {} (down) moves at step {}\n",
        p.name(),
        p.mode.name(),
        p.x.symbol,
        p.y.symbol,
        p.step
    );
    for j in (0..p.y.n).rev() {
        out += &format!("{:>7.1}% ", p.y.at(j));
        for i in 0..p.x.n {
            out.push(match (dot == Some((i, j)), s.at(i, j).main) {
                (true, _) => 'o',
                (_, Fate::Survives) => '.',
                (_, Fate::Liquidated) => 'x',
                (_, Fate::HealthyClosed) => '#',
            });
        }
        out.push('\n');
    }
    out += &format!("{:>9}{} {:.1}% … {:.1}%\n", "", p.x.symbol, p.x.min, p.x.max);
    let [sv, lq, hc] = counts(s);
    out += &format!(
        ". survives ({sv})  x liquidated ({lq})  # liquidated, closing a position {} keeps ({hc})  o this scenario ({:.1}%, {:.1}%{})\n",
        p.mode.other().name(),
        p.dot.0,
        p.dot.1,
        if dot.is_some() { "" } else { ": outside the grid" }
    );
    out
}

/// The map in words, every figure from its cells: how many runs end each way, in the other mode
/// and without feedback, and where the scenario itself lies.
pub fn caption(s: &Surface) -> String {
    let p = &s.plan;
    let [sv, lq, hc] = counts(s);
    let other = p.mode.other().name();
    let n = |f: fn(&crate::engine::surface::Cell) -> bool| s.cells.iter().filter(|c| f(c)).count();
    let mut t = format!(
        "Of {} runs ({} and {} each from {} to {}, moved at step {}): your {} account survives {sv}, is liquidated in {lq}, and in {hc} more is liquidated closing a position {other} would keep. {} margin liquidates it in {}; without the feedback loop, {}.",
        s.cells.len(),
        p.x.symbol,
        p.y.symbol,
        pct(p.x.min.min(p.y.min)),
        pct(p.x.max.max(p.y.max)),
        p.step,
        p.mode.name(),
        capital(other),
        n(|c| c.other_mode),
        n(|c| c.no_feedback),
    );
    let (dx, dy) = p.dot;
    let at = format!("This scenario's own moves ({} {}, {} {})", p.x.symbol, pct(dx), p.y.symbol, pct(dy));
    if let Some((i, j)) = p.dot_cell() {
        let fate = match s.at(i, j).main {
            Fate::Survives => "your account survives".to_string(),
            Fate::Liquidated => "your account is liquidated".to_string(),
            Fate::HealthyClosed => format!("your account is liquidated, closing a position {other} keeps"),
        };
        t += &format!(" {at} fall in a cell where, moved at once, {fate}.");
    } else {
        t += &format!(" {at} fall outside the grid.");
    }
    t
}

fn pct(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    format!(
        "{}{} %",
        if r < 0.0 {
            "−"
        } else if r > 0.0 {
            "+"
        } else {
            ""
        },
        crate::types::fixed(r.abs(), if r.fract() == 0.0 { 0 } else { 1 })
    )
}

fn capital(w: &str) -> String {
    let mut c = w.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}
