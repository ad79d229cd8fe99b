//! Safe leverage: how far one of your positions' leverage can go (the others unchanged) before
//! your account is liquidated somewhere in the scenario, on a grid of 0.1×.
//!
//! Terms:
//!
//! * *survives* — the account goes through the whole run without a liquidation of any of its
//!   positions, a sale of its collateral or a backstop takeover ([`Event::liquidates_focal`]); a
//!   leverage the scenario cannot open at all (it opens already liquidatable, or beyond a limit)
//!   does not survive. Margined isolated, the question is the position's own: another position's
//!   liquidation does not touch it;
//! * *edge* — two neighbouring leverages on the grid, one surviving and one not, found by
//!   bisection between the grid's ends ([`Edge`]).
//!
//! Why a bisection over runs is the right search: until your account's first liquidation nothing
//! of it trades, so every leverage sees the same prices up to that step — the crowd's liquidations
//! do not depend on your size. At those prices a larger *losing* position is weaker everywhere
//! (more loss, more maintenance margin on the same margin), so the leverages that survive are the
//! ones below an edge. A position that *gains* while the account is under stress (a short in a
//! fall, hedging a long) turns this round: more of it is safer, the survivors lie above an edge,
//! and the bisection reports that edge as [`Edge::From`]. Each run stops at your first
//! liquidation ([`survives`]), so the leverages that fail cost only the steps before it.

use super::account::Mode;
use super::liquidation::{Event, EventKind};
use super::market::ExoPath;
use super::model::Model;
use super::sim;
use rust_decimal::Decimal;

/// The grid: leverages in tenths, from 1× to [`MAX_TENTHS`].
pub const MIN_TENTHS: u32 = 10;
/// The highest leverage tried, in tenths (the page's leverage control goes to 100×).
pub const MAX_TENTHS: u32 = 1_000;

/// Where survival changes along the grid of one position's leverage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edge {
    /// Survives at `survives`, the highest the bisection found; liquidated at the next step up.
    UpTo { survives: Decimal, liquidated: Decimal },
    /// More of this position is safer (it gains while the account is under stress): liquidated at
    /// `liquidated`, survives at the next step up, `survives`, and at the grid's top.
    From { liquidated: Decimal, survives: Decimal },
    /// Survives at both ends of the grid, 1× and the top (`top`).
    Both { top: Decimal },
    /// Liquidated at both ends of the grid.
    Neither { top: Decimal },
}

impl Edge {
    /// A name for the kind of edge, as the JSON writes it.
    pub fn kind(&self) -> &'static str {
        match self {
            Edge::UpTo { .. } => "up_to",
            Edge::From { .. } => "from",
            Edge::Both { .. } => "both_ends",
            Edge::Neither { .. } => "neither_end",
        }
    }

    /// The leverage the account survives at, nearest the edge (none: liquidated at both ends).
    pub fn survives(&self) -> Option<Decimal> {
        match *self {
            Edge::UpTo { survives, .. } | Edge::From { survives, .. } => Some(survives),
            Edge::Both { top } => Some(top),
            Edge::Neither { .. } => None,
        }
    }

    /// The leverage the account is liquidated at, nearest the edge (none: survives at both ends).
    pub fn liquidated(&self) -> Option<Decimal> {
        match *self {
            Edge::UpTo { liquidated, .. } | Edge::From { liquidated, .. } => Some(liquidated),
            Edge::Both { .. } => None,
            Edge::Neither { .. } => Some(tenths(MIN_TENTHS)),
        }
    }

    /// The edge in words: "survives up to 7.4× (liquidated at 7.5×)".
    pub fn words(&self) -> String {
        let x = |d: Decimal| format!("{}×", d.normalize());
        match *self {
            Edge::UpTo { survives, liquidated } => {
                format!("survives up to {} (liquidated at {})", x(survives), x(liquidated))
            }
            Edge::From { liquidated, survives } => {
                format!(
                    "survives from {} up (liquidated at {}: more of this position is safer here)",
                    x(survives),
                    x(liquidated)
                )
            }
            Edge::Both { top } => format!("survives at 1× and at {}, the highest tried", x(top)),
            Edge::Neither { top } => format!("liquidated even at 1× (and at {})", x(top)),
        }
    }
}

/// A leverage in tenths as a decimal: 74 → 7.4.
pub fn tenths(t: u32) -> Decimal {
    Decimal::new(t as i64, 1)
}

/// Bisect the grid `lo..=hi` (tenths) for the edge of `alive`, asking it about ⌈log₂(hi − lo)⌉ + 2
/// leverages. `alive` may fail (an error is passed on, never taken for an answer).
pub fn edge<E>(lo: u32, hi: u32, mut alive: impl FnMut(u32) -> Result<bool, E>) -> Result<Edge, E> {
    let (at_lo, at_hi) = (alive(lo)?, alive(hi)?);
    if at_lo == at_hi {
        let top = tenths(hi);
        return Ok(if at_lo { Edge::Both { top } } else { Edge::Neither { top } });
    }
    // the invariant: alive(a) == at_lo, alive(b) == at_hi, a < b
    let (mut a, mut b) = (lo, hi);
    while b - a > 1 {
        let mid = a + (b - a) / 2;
        if alive(mid)? == at_lo {
            a = mid;
        } else {
            b = mid;
        }
    }
    Ok(if at_lo {
        Edge::UpTo { survives: tenths(a), liquidated: tenths(b) }
    } else {
        Edge::From { liquidated: tenths(a), survives: tenths(b) }
    })
}

/// Whether your account survives the run of `m` on the path `exo`, with or without feedback;
/// stops at its first liquidation. Margined isolated, only the position in `asset` is asked
/// about: the others' liquidations are their own.
pub fn survives(m: &Model, exo: &ExoPath, feedback: bool, asset: usize) -> bool {
    let alone = m.focal.mode == Mode::Isolated;
    let hits = |e: &Event| {
        e.liquidates_focal()
            && (!alone
                || matches!(e.kind, EventKind::Liquidation { asset: a, .. } | EventKind::Backstop { asset: a, .. } if a == asset))
    };
    let mut s = sim::State::new(m, exo, feedback, &m.focal);
    while s.t < m.steps {
        let first = s.events.len();
        s.step(m, exo);
        if s.events[first..].iter().any(hits) {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(lo: u32, hi: u32, alive: impl Fn(u32) -> bool) -> (Edge, u32) {
        let mut asked = 0;
        let e = edge::<()>(lo, hi, |t| {
            asked += 1;
            Ok(alive(t))
        })
        .unwrap();
        (e, asked)
    }

    #[test]
    fn the_edge_is_found_in_a_logarithmic_number_of_runs() {
        // survives below 7.5×: the grid 1.0…100.0 has 990 gaps, ⌈log₂ 990⌉ = 10 bisections + 2 ends
        let (e, asked) = find(MIN_TENTHS, MAX_TENTHS, |t| t < 75);
        assert_eq!(e, Edge::UpTo { survives: tenths(74), liquidated: tenths(75) });
        assert!(asked <= 12, "{asked} runs");
        assert_eq!(e.words(), "survives up to 7.4× (liquidated at 7.5×)");
    }

    #[test]
    fn a_hedge_survives_above_its_edge() {
        let (e, _) = find(MIN_TENTHS, MAX_TENTHS, |t| t >= 32);
        assert_eq!(e, Edge::From { liquidated: tenths(31), survives: tenths(32) });
        assert_eq!((e.survives(), e.liquidated()), (Some(tenths(32)), Some(tenths(31))));
    }

    #[test]
    fn the_ends_decide_when_they_agree() {
        assert_eq!(find(10, 1000, |_| true).0, Edge::Both { top: tenths(1000) });
        assert_eq!(find(10, 1000, |_| false).0, Edge::Neither { top: tenths(1000) });
        assert_eq!(find(10, 1000, |_| false).0.liquidated(), Some(Decimal::ONE));
        // the edge right at the ends
        assert_eq!(find(10, 1000, |t| t < 11).0, Edge::UpTo { survives: tenths(10), liquidated: tenths(11) });
        assert_eq!(find(10, 1000, |t| t < 1000).0, Edge::UpTo { survives: tenths(999), liquidated: tenths(1000) });
    }

    #[test]
    fn an_error_is_passed_on() {
        assert_eq!(edge(10, 1000, |t| if t > 500 { Err("bad") } else { Ok(true) }), Err("bad"));
    }
}
