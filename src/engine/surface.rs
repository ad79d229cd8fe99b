//! The liquidation surface: what happens to your account over a grid of two assets' moves.
//!
//! Terms:
//!
//! * *move* — one asset's own move in percent (the others do not follow it: the axes mean what
//!   they say), made at once at the *step* where the scenario's first shock starts (step 1 if it
//!   has none). The two moves replace the scenario's shocks of the two assets; every other
//!   asset keeps its scripted moves, with what correlation carried to it, step by step, as
//!   moves of its own; venue-only shocks (the venue's market apart from the index) and the random
//!   walk stay as they are;
//! * *cell* — one full simulation of the scenario with the two moves: the main run, the same book
//!   in the other margin mode, and the main run without feedback ([`super::outcome::simulate`]);
//! * *fate* — what the main run did to your account ([`Fate`]), and whether each counterfactual
//!   liquidated it: a boundary between cells of the other mode, or without feedback, is drawn over
//!   the main run's colours;
//! * *dot* — where the scenario itself lies: each asset's whole move in its shock script,
//!   including what it carries to the other assets through their correlation.

use super::account::Mode;
use super::market;
use super::model::Model;
use super::outcome::simulate;
use super::scenario::{Scenario, ShockSpec};
use crate::error::{Error, Result};

/// The most points on one axis, and in a whole grid.
pub const MAX_POINTS: usize = 101;
pub const MAX_CELLS: usize = 2_601;
/// The range a move may take, in percent: down to −99 % (a price of zero is no price), up to a
/// tenfold rise.
pub const MOVE_RANGE: (f64, f64) = (-99.0, 900.0);

/// One axis: an asset's move from `min` to `max` percent, in `n` evenly spaced points.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    pub symbol: String,
    pub min: f64,
    pub max: f64,
    pub n: usize,
}

/// An axis written `NAME=MIN:MAX:N` (the surface's `BTC=-60:20:25`, the risk map's
/// `lev.0=2:20:10`), read into its name, bounds and number of points; `form` says how to write
/// it, for the error.
pub fn axis_text<'a>(text: &'a str, form: &str) -> Result<(&'a str, f64, f64, usize)> {
    let bad = |why: &str| axis_error(text, form, why);
    let (name, rest) = text.split_once('=').ok_or_else(|| bad("no '='"))?;
    let parts: Vec<&str> = rest.split(':').collect();
    let [min, max, n] = parts[..] else { return Err(bad("three numbers are needed after '='")) };
    let num = |s: &str, what: &str| {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| bad(&format!("{what} {s:?} is not a number")))
    };
    let n = n.trim().parse::<usize>().map_err(|_| bad(&format!("N {n:?} is not a whole number")))?;
    Ok((name.trim(), num(min, "MIN")?, num(max, "MAX")?, n))
}

/// What is wrong with the axis `text`, in words, and how to write one (`form`).
pub fn axis_error(text: &str, form: &str, why: &str) -> Error {
    Error::Input(format!("axis {text:?}: {why} (write {form})"))
}

impl Axis {
    /// Read `SYM=MIN:MAX:N` (percent, e.g. `BTC=-60:20:25`); the words name what is wrong.
    pub fn parse(text: &str) -> Result<Axis> {
        let (sym, min, max, n) = axis_text(text, "SYMBOL=MIN:MAX:N, e.g. BTC=-60:20:25")?;
        Axis::new(sym, min, max, n)
    }

    /// An axis, checked against the limits.
    pub fn new(symbol: &str, min: f64, max: f64, n: usize) -> Result<Axis> {
        let bad = |why: String| Err(Error::Input(format!("the {symbol} axis: {why}")));
        let (lo, hi) = MOVE_RANGE;
        if !(min.is_finite() && max.is_finite()) || min < lo || max > hi {
            return bad(format!("moves must lie from {lo} % to {hi} %, got {min} to {max}"));
        }
        if min >= max {
            return bad(format!("MIN ({min}) must be below MAX ({max})"));
        }
        if !(2..=MAX_POINTS).contains(&n) {
            return bad(format!("N must be 2 to {MAX_POINTS} points, got {n}"));
        }
        Ok(Axis { symbol: symbol.to_string(), min, max, n })
    }

    /// The move at point `k` (0 ≤ k < n), in percent.
    pub fn at(&self, k: usize) -> f64 {
        self.min + (self.max - self.min) * k as f64 / (self.n - 1) as f64
    }

    /// Half the distance between two points: a cell's half-width.
    pub fn half(&self) -> f64 {
        (self.max - self.min) / (self.n.max(2) - 1) as f64 / 2.0
    }

    /// The point whose cell holds move `v`, if a cell does.
    pub fn nearest(&self, v: f64) -> Option<usize> {
        let h = self.half();
        (self.min - h..self.max + h).contains(&v).then(|| {
            (((v - self.min) / (self.max - self.min) * (self.n - 1) as f64).round().max(0.0) as usize).min(self.n - 1)
        })
    }

    /// The same range in `n` points (the page's coarse first pass).
    pub fn with_points(&self, n: usize) -> Result<Axis> {
        Axis::new(&self.symbol, self.min, self.max, n)
    }
}

/// What the main run of a cell did to your account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    Survives,
    Liquidated,
    /// Liquidated, with a position closed whole that the other margin mode kept open to the end.
    HealthyClosed,
}

impl Fate {
    pub fn name(self) -> &'static str {
        match self {
            Fate::Survives => "survives",
            Fate::Liquidated => "liquidated",
            Fate::HealthyClosed => "healthy_position_closed",
        }
    }
}

/// One cell's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    pub main: Fate,
    /// Whether the other margin mode liquidated the account.
    pub other_mode: bool,
    /// Whether the main run without feedback liquidated it.
    pub no_feedback: bool,
}

impl Cell {
    /// One byte: the fate (0–2), + 3 if the other mode liquidated, + 6 if no feedback did.
    pub fn code(self) -> u8 {
        let f = match self.main {
            Fate::Survives => 0,
            Fate::Liquidated => 1,
            Fate::HealthyClosed => 2,
        };
        f + 3 * self.other_mode as u8 + 6 * self.no_feedback as u8
    }

    pub fn from_code(c: u8) -> Option<Cell> {
        let main = [Fate::Survives, Fate::Liquidated, Fate::HealthyClosed][(c % 3) as usize];
        (c < 12).then_some(Cell { main, other_mode: (c / 3) % 2 == 1, no_feedback: c / 6 == 1 })
    }
}

/// A grid, ready to run cell by cell (in any order, on any thread).
#[derive(Clone, Debug)]
pub struct Plan {
    /// The scenario with its outside shocks removed.
    base: Scenario,
    pub x: Axis,
    pub y: Axis,
    /// The step the moves are made at.
    pub step: usize,
    pub mode: Mode,
    /// The scenario's own moves of the two assets, in percent.
    pub dot: (f64, f64),
}

impl Plan {
    /// Plan a grid over `s` (valid); an axis left out is one of the default two: your two largest
    /// positions' assets (with one position, the first other asset that is not a stablecoin, else
    /// the first other one), each from −60 % to +20 % in 25 points.
    pub fn new(s: &Scenario, x: Option<Axis>, y: Option<Axis>) -> Result<Plan> {
        let m = Model::from_scenario(s)?;
        let default = |taken: Option<&Axis>| -> Result<Axis> {
            let sym = default_symbol(&m, taken.map(|a| a.symbol.as_str()))?;
            Axis::new(&sym, -60.0, 20.0, 25)
        };
        let x = match x {
            Some(a) => a,
            None => default(None)?,
        };
        let y = match y {
            Some(a) => a,
            None => default(Some(&x))?,
        };
        let index = |a: &Axis| {
            m.assets.iter().position(|x| x.symbol == a.symbol).ok_or_else(|| {
                let known: Vec<&str> = m.assets.iter().map(|x| x.symbol.as_str()).collect();
                Error::Input(format!("unknown asset {:?} on an axis (assets: {})", a.symbol, known.join(", ")))
            })
        };
        let (xi, yi) = (index(&x)?, index(&y)?);
        if xi == yi {
            return Err(Error::Input(format!("the two axes need two different assets, both are {}", x.symbol)));
        }
        if x.n * y.n > MAX_CELLS {
            return Err(Error::Input(format!(
                "a {}×{} grid is {} cells; at most {MAX_CELLS} (e.g. 51×51)",
                x.n,
                y.n,
                x.n * y.n
            )));
        }
        let moves = market::shock_moves(&m);
        let total = |i: usize| (libm::exp(moves.iter().map(|r| r[i]).sum::<f64>()) - 1.0) * 100.0;
        let step = s.shocks.iter().filter(|k| !k.venue).map(|k| k.step).min().unwrap_or(1).clamp(1, m.steps.max(1));
        // the axes' assets move as the axes say; the other assets keep their scripted moves,
        // with what correlation carried to them, as moves of their own (so that nothing carries
        // to the axes' assets); venue-only shocks stay as they are
        let mut base = s.clone();
        base.shocks.retain(|k| k.venue);
        for (i, a) in m.assets.iter().enumerate().filter(|(i, _)| *i != xi && *i != yi) {
            for (t, row) in moves.iter().enumerate().filter(|(_, r)| r[i] != 0.0) {
                // a step's moves add up (in log terms); in pieces a shock may hold (−95 %, +900 %)
                let cap = if row[i] < 0.0 { libm::log(20.0) } else { libm::log(10.0) };
                let pieces = libm::ceil(row[i].abs() / cap).max(1.0);
                let percent = libm::expm1(row[i] / pieces) * 100.0;
                for _ in 0..pieces as usize {
                    base.shocks.push(ShockSpec { step: t, symbol: a.symbol.clone(), percent, own: true, venue: false });
                }
            }
        }
        Ok(Plan { base, x, y, step, mode: m.focal.mode, dot: (total(xi), total(yi)) })
    }

    /// The cell that holds the scenario's own moves (the dot), if one does.
    pub fn dot_cell(&self) -> Option<(usize, usize)> {
        Some((self.x.nearest(self.dot.0)?, self.y.nearest(self.dot.1)?))
    }

    /// The scenario's name.
    pub fn name(&self) -> &str {
        &self.base.name
    }

    /// The number of cells.
    pub fn cells(&self) -> usize {
        self.x.n * self.y.n
    }

    /// The scenario of cell (`i` along x, `j` along y).
    pub fn scenario(&self, i: usize, j: usize) -> Scenario {
        let mut s = self.base.clone();
        let own = |symbol: &str, percent: f64| ShockSpec {
            step: self.step,
            symbol: symbol.to_string(),
            percent,
            own: true,
            venue: false,
        };
        s.shocks.push(own(&self.x.symbol, self.x.at(i)));
        s.shocks.push(own(&self.y.symbol, self.y.at(j)));
        s
    }

    /// Run cell (`i`, `j`).
    pub fn cell(&self, i: usize, j: usize) -> Result<Cell> {
        let o = simulate(&Model::from_scenario(&self.scenario(i, j))?);
        let main = match (o.summary.focal_liquidated_step, o.summary.healthy_positions_closed.is_empty()) {
            (None, _) => Fate::Survives,
            (Some(_), true) => Fate::Liquidated,
            (Some(_), false) => Fate::HealthyClosed,
        };
        Ok(Cell {
            main,
            other_mode: o.other_mode_summary.focal_liquidated_step.is_some(),
            no_feedback: o.no_feedback_summary.focal_liquidated_step.is_some(),
        })
    }

    /// Every cell, row by row (y outer, x inner), on this thread.
    pub fn run(&self) -> Result<Surface> {
        let cells = (0..self.y.n).flat_map(|j| (0..self.x.n).map(move |i| (i, j))).map(|(i, j)| self.cell(i, j));
        Ok(Surface { plan: self.clone(), cells: cells.collect::<Result<_>>()? })
    }
}

/// The default axis besides `taken`: your largest position's asset not taken; else the first
/// other asset that is not a stablecoin; else the first other asset.
fn default_symbol(m: &Model, taken: Option<&str>) -> Result<String> {
    let free = |i: &usize| Some(m.assets[*i].symbol.as_str()) != taken;
    let mut by_size: Vec<(usize, crate::types::Money)> =
        m.focal_book.positions.iter().map(|p| (p.asset, p.notional())).collect();
    by_size.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let all: Vec<usize> = (0..m.assets.len()).collect();
    by_size
        .iter()
        .map(|p| p.0)
        .find(free)
        .or_else(|| all.iter().copied().filter(free).find(|&i| !m.assets[i].stable))
        .or_else(|| all.iter().copied().find(free))
        .map(|i| m.assets[i].symbol.clone())
        .ok_or_else(|| {
            Error::Input(format!("a surface needs two assets; this scenario has only {}", m.assets[0].symbol))
        })
}

/// A grid's results: its plan and its cells, row by row (y outer, x inner).
#[derive(Clone, Debug)]
pub struct Surface {
    pub plan: Plan,
    pub cells: Vec<Cell>,
}

impl Surface {
    /// The cell at (`i` along x, `j` along y).
    pub fn at(&self, i: usize, j: usize) -> Cell {
        self.cells[j * self.plan.x.n + i]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_axis_is_read_or_refused_in_words() {
        let a = Axis::parse("BTC=-60:20:5").unwrap();
        assert_eq!((a.symbol.as_str(), a.at(0), a.at(1), a.at(4)), ("BTC", -60.0, -40.0, 20.0));
        for (text, why) in [
            ("BTC", "no '='"),
            ("BTC=-60:20", "three numbers"),
            ("BTC=x:20:5", "MIN \"x\" is not a number"),
            ("BTC=-60:20:0", "N must be 2 to 101 points, got 0"),
            ("BTC=-60:20:1", "N must be 2 to 101 points, got 1"),
            ("BTC=-60:20:500", "N must be 2 to 101"),
            ("BTC=20:-60:5", "MIN (20) must be below MAX (-60)"),
            ("BTC=-100:20:5", "from -99 % to 900 %"),
            ("BTC=-60:20:2.5", "N \"2.5\" is not a whole number"),
        ] {
            let e = Axis::parse(text).unwrap_err().to_string();
            assert!(e.contains(why), "{text}: {e}");
        }
    }

    #[test]
    fn a_cell_code_round_trips() {
        for c in 0..12 {
            assert_eq!(Cell::from_code(c).unwrap().code(), c);
        }
        assert_eq!(Cell::from_code(12), None);
    }
}
