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
//! and the bisection reports that edge as [`Edge::From`]. A position can also help at one moment
//! and hurt at another (a hedge whose leg turns): then no single edge holds. Every answer is
//! therefore checked at twelve leverages spread over the grid ([`CHECKS`]), and one that
//! contradicts it makes the answer [`Edge::Mixed`], which says so. Each run stops at your first
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
    /// No single edge: one of the leverages the check tries ([`CHECKS`]) contradicts the edge
    /// the bisection found (the position helps the account at one moment and hurts it at
    /// another): the account survives at `survives` yet is liquidated at `liquidated`.
    Mixed { survives: Decimal, liquidated: Decimal },
}

/// The leverages (tenths) every answer is checked at, spread over the grid: where survival there
/// contradicts a single edge, the answer is [`Edge::Mixed`].
pub const CHECKS: [u32; 12] = [15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 900];

impl Edge {
    /// A name for the kind of edge, as the JSON writes it.
    pub fn kind(&self) -> &'static str {
        match self {
            Edge::UpTo { .. } => "up_to",
            Edge::From { .. } => "from",
            Edge::Both { .. } => "both_ends",
            Edge::Neither { .. } => "neither_end",
            Edge::Mixed { .. } => "mixed",
        }
    }

    /// The leverage the account survives at, nearest the edge (none: liquidated at both ends).
    pub fn survives(&self) -> Option<Decimal> {
        match *self {
            Edge::UpTo { survives, .. } | Edge::From { survives, .. } | Edge::Mixed { survives, .. } => Some(survives),
            Edge::Both { top } => Some(top),
            Edge::Neither { .. } => None,
        }
    }

    /// The leverage the account is liquidated at, nearest the edge (none: survives at both ends).
    pub fn liquidated(&self) -> Option<Decimal> {
        match *self {
            Edge::UpTo { liquidated, .. } | Edge::From { liquidated, .. } | Edge::Mixed { liquidated, .. } => {
                Some(liquidated)
            }
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
            Edge::Mixed { survives, liquidated } => format!(
                "no single edge: survives at {} yet liquidated at {} (the position helps the account at one moment and hurts it at another)",
                x(survives),
                x(liquidated)
            ),
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
        return check(lo, hi, if at_lo { Edge::Both { top } } else { Edge::Neither { top } }, alive);
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
    let found = if at_lo {
        Edge::UpTo { survives: tenths(a), liquidated: tenths(b) }
    } else {
        Edge::From { liquidated: tenths(a), survives: tenths(b) }
    };
    check(lo, hi, found, alive)
}

/// Check `found` at the leverages of [`CHECKS`] inside `lo..=hi`: the first whose survival is
/// not what a single edge says makes the answer [`Edge::Mixed`], paired with a leverage known to
/// go the other way.
fn check<E>(lo: u32, hi: u32, found: Edge, mut alive: impl FnMut(u32) -> Result<bool, E>) -> Result<Edge, E> {
    let t10 = |d: Decimal| (d * Decimal::TEN).trunc().mantissa() as u32;
    // a leverage known to survive, one known not to, and what a single edge says of leverage t
    let (survivor, victim) = match found {
        Edge::UpTo { survives, liquidated } | Edge::From { liquidated, survives } => {
            (Some(t10(survives)), Some(t10(liquidated)))
        }
        Edge::Both { .. } => (Some(hi), None),
        Edge::Neither { .. } => (None, Some(lo)),
        Edge::Mixed { .. } => return Ok(found),
    };
    let says = |t: u32| match (found, survivor) {
        (Edge::UpTo { .. }, Some(s)) => t <= s,
        (Edge::From { .. }, Some(s)) => t >= s,
        (Edge::Both { .. }, _) => true,
        _ => false,
    };
    for t in CHECKS.into_iter().filter(|t| (lo..=hi).contains(t) && Some(*t) != survivor && Some(*t) != victim) {
        let expect = says(t);
        if alive(t)? == expect {
            continue;
        }
        let (s, l) = if expect { (survivor, Some(t)) } else { (Some(t), victim) };
        if let (Some(s), Some(l)) = (s, l) {
            return Ok(Edge::Mixed { survives: tenths(s), liquidated: tenths(l) });
        }
    }
    Ok(found)
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
        // survives below 7.5×: the grid 1.0…100.0 has 990 gaps, ⌈log₂ 990⌉ = 10 bisections + 2 ends,
        // and the checks
        let (e, asked) = find(MIN_TENTHS, MAX_TENTHS, |t| t < 75);
        assert_eq!(e, Edge::UpTo { survives: tenths(74), liquidated: tenths(75) });
        assert!(asked as usize <= 12 + CHECKS.len(), "{asked} runs");
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
    fn a_check_finds_what_a_single_edge_misses() {
        // survives below 7.5× and again from 40× up: both ends survive, the check at 7.5× does not
        let (e, _) = find(MIN_TENTHS, MAX_TENTHS, |t| !(75..400).contains(&t));
        assert_eq!(e, Edge::Mixed { survives: tenths(1000), liquidated: tenths(75) });
        // liquidated at both ends, yet survives at 2×–3×: "neither" would be false
        let (e, _) = find(MIN_TENTHS, MAX_TENTHS, |t| (20..=30).contains(&t));
        assert_eq!(e, Edge::Mixed { survives: tenths(20), liquidated: tenths(10) });
        assert!(e.words().starts_with("no single edge: survives at 2× yet liquidated at 1×"), "{}", e.words());
    }

    #[test]
    fn an_error_is_passed_on() {
        assert_eq!(edge(10, 1000, |t| if t > 500 { Err("bad") } else { Ok(true) }), Err("bad"));
    }
}
