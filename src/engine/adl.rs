//! Auto-deleveraging (ADL): who pays the bad debt the insurance fund cannot.
//!
//! Terms, as this module uses them:
//!
//! * **deficit** `D`: the bad debt an account left at a step (its equity below zero once its
//!   liquidation filled); **uncovered** `U ≤ D`: the part the insurance fund could not pay.
//! * **bankruptcy price** `P_b` of a position the bankrupt account closed at that step (a trade of
//!   `q` filled at `F`): the price at which that close would have left the account at exactly
//!   zero, `F + D / |q|` for a long and `F − D / |q|` for a short. The gap `c = |P_b − F|` is the
//!   deficit per unit, rounded *up* to 8 decimals (so `P_b` is never on the counterparties' side of
//!   the exact one).
//! * **counterparties**: positions on the other side of the same asset, held by any other
//!   account, in profit at the mark after the step's batch and not in loss at `P_b` (so no
//!   position is deleveraged at a loss; the profit it gives up may still leave a cross account's
//!   other positions below maintenance, to be liquidated at the next check).
//! * **rank** `= PnL % × effective leverage = uPnL / (|q| · entry) × notional / equity`, at the
//!   mark after the batch; the equity is the account's (an isolated position's: its margin plus
//!   its uPnL; zero or less ranks first). Highest first; ties in account order (yours, the
//!   hand-listed ones, then the crowd by id). Ranked once per step, as the accounts stand after
//!   the step's liquidations (one queue per asset and side).
//!
//! The queue closes counterparties whole, each paying `|q| · c`, until `U` is covered; the last
//! one is closed only as far as needed (its quantity rounded up to 8 decimals) and pays exactly
//! what remains, so ADL covers the deficit to the last decimal. *Pro rata*, every counterparty
//! closes the same fraction `φ = min(1, U / (c · Σ|q|))` of its position (rounded up to 8
//! decimals), in rank order, so the rounding's last cents fall short on the lowest-ranked.
//!
//! A cross account's closed positions are tried largest notional first, each with its own `P_b`,
//! while anything remains; an isolated account's deficit belongs to the position whose write-off
//! it is. A close whose `P_b` would leave the price range (a tiny close carrying a large deficit)
//! is passed over.
//! A deficit left by a loan alone (no position closed at that step) is not deleveraged; neither is
//! what no counterparty can cover: it stays uncovered.
//!
//! The money: a deleveraged position's PnL is realised at `F`, the fill of the bankrupt position,
//! and it pays `|x| · c` toward the deficit (the ledger's `adl_paid`): together, a close at `P_b`.
//! The bankrupt position already went through the step's batch; ADL itself trades nothing on the
//! market, so it moves no price.

use super::account::{Account, AccountId, Mode};
use super::liquidation::{round_up_8, Event, EventKind};
use super::margin::{AssetInfo, Position, Valuation};
use super::scenario::limits;
use crate::types::{dec_to_f64, Money, Price, Qty};
use rust_decimal::Decimal;

/// An account's bad debt at a step that the fund did not cover, and what it closed then.
#[derive(Clone, Debug, PartialEq)]
pub struct Deficit {
    /// The index of its `BadDebt` event.
    pub event: usize,
    pub account: AccountId,
    /// `D`: the whole deficit.
    pub amount: Money,
    /// `U`: what the fund left.
    pub uncovered: Money,
    /// The bankrupt account's closes at the step: (asset, trade, fill), largest notional first.
    pub closes: Vec<(usize, Qty, Price)>,
}

/// The deficits of the events from `first` on (one step's), in the order they were written off,
/// with the closes each is attributed to: a cross account's deficit, to every position it closed
/// at the step; an isolated account's (`isolated` says which accounts are), to the position whose
/// write-off it is (the close just before it). One pass over the step's events.
pub fn deficits(events: &[Event], first: usize, isolated: impl Fn(AccountId) -> bool) -> Vec<Deficit> {
    let mut out = vec![];
    // the closes of each account so far in this step, by account
    let mut closes: std::collections::HashMap<AccountId, Vec<(usize, Qty, Price)>> = Default::default();
    let mut last: Option<(AccountId, (usize, Qty, Price))> = None;
    for (k, e) in events.iter().enumerate().skip(first) {
        match e.kind {
            EventKind::Liquidation { asset, quantity, price, .. } => {
                closes.entry(e.account).or_default().push((asset, quantity, price));
                last = Some((e.account, (asset, quantity, price)));
            }
            EventKind::BadDebt { amount, uncovered, .. } if uncovered.0 > Decimal::ZERO => {
                let mut c = match last {
                    Some((who, close)) if isolated(e.account) && who == e.account => vec![close],
                    _ if isolated(e.account) => vec![],
                    _ => closes.get(&e.account).cloned().unwrap_or_default(),
                };
                // largest notional first; ties in the order they closed (a stable sort)
                c.sort_by_key(|c| std::cmp::Reverse(c.1.abs() * c.2));
                out.push(Deficit { event: k, account: e.account, amount, uncovered, closes: c });
            }
            _ => last = None,
        }
    }
    out
}

/// Whether any deficit of the events from `first` on was left by a close (auto-deleveraging
/// would act on it), without building them.
pub fn any_deficit(events: &[Event], first: usize) -> bool {
    let mut closed: Vec<AccountId> = vec![];
    for e in &events[first..] {
        match e.kind {
            EventKind::Liquidation { .. } => closed.push(e.account),
            EventKind::BadDebt { uncovered, .. } if uncovered.0 > Decimal::ZERO && closed.contains(&e.account) => {
                return true;
            }
            _ => {}
        }
    }
    false
}

/// The bankruptcy price of a close (`trade` filled at `fill`) for a deficit `amount`, and the
/// deficit per unit `c` (see the module docs); `None` when it is out of any price's range (a tiny
/// close carrying a large deficit) or not above zero.
pub fn bankruptcy_price(amount: Money, trade: Qty, fill: Price) -> Option<(Price, Money)> {
    let c = round_up_8(amount.0.checked_div(trade.0.abs())?);
    // a trade that sells closed a long: the long would have had to sell higher
    let p = if trade.0 < Decimal::ZERO { fill.0.checked_add(c)? } else { fill.0.checked_sub(c)? };
    (p > Decimal::ZERO && p <= Decimal::from(limits::MAX_PRICE)).then_some((Price(p), Money(c)))
}

/// Whether position `p` is in profit at price `at` (its entry on the right side of it).
pub fn gains(p: &Position, at: Price) -> bool {
    if p.qty.0 < Decimal::ZERO {
        p.entry > at
    } else {
        at > p.entry
    }
}

/// Whether a position entered at `entry` (a short when `short`) is not in loss at `pb`.
pub fn holds_at(entry: Price, pb: Price, short: bool) -> bool {
    if short {
        entry >= pb
    } else {
        pb >= entry
    }
}

/// The queue's rank of position `p` held with account (or isolated position) `equity`.
pub fn rank(p: &Position, mark: Price, equity: Money) -> f64 {
    if equity.0 <= Decimal::ZERO {
        return f64::INFINITY;
    }
    let pnl_pct = dec_to_f64(p.upnl(mark).0) / dec_to_f64((p.qty.abs() * p.entry).0);
    let leverage = dec_to_f64(p.notional(mark).0) / dec_to_f64(equity.0);
    pnl_pct * leverage
}

/// The equity that ranks position `i` of `acc` (cross: the account's; isolated: the position's).
pub fn ranking_equity(acc: &Account, i: usize, v: Valuation<'_>, info: &(impl AssetInfo + ?Sized)) -> Money {
    let p = &acc.positions[i];
    match acc.mode {
        Mode::Isolated => p.margin + p.upnl(v.mark[p.asset]),
        Mode::Cross => acc.snapshot(v, info).equity,
    }
}

/// How much of a position of size `held` (unsigned) the queue takes with `left` of the deficit
/// still to cover at `c` per unit: (quantity, what it pays).
pub fn take(held: Qty, left: Money, c: Money) -> (Qty, Money) {
    match held.0.checked_mul(c.0) {
        Some(whole) if whole <= left.0 => (held, Money(whole)),
        _ => (Qty(round_up_8(left.0.checked_div(c.0).unwrap_or(held.0)).min(held.0)), left),
    }
}

/// Pro rata: the fraction of every position (sizes `qtys`) that covers `left` at `c` per unit,
/// at most all of them; `None` when there is nothing to take from.
pub fn pro_rata_share(qtys: impl Iterator<Item = Qty>, left: Money, c: Money) -> Option<Decimal> {
    let total: Decimal = qtys.map(|q| q.0.abs()).sum();
    let need = left.0.checked_div(c.0)?;
    (total > Decimal::ZERO).then(|| need.checked_div(total).unwrap_or(Decimal::ONE).min(Decimal::ONE))
}

/// A position of size `held`'s pro-rata part: `fraction` of it, rounded up to 8 decimals, at most all.
pub fn share_of(held: Qty, fraction: Decimal) -> Qty {
    Qty(round_up_8(held.0 * fraction).min(held.0))
}

/// One deleveraging: `x` (unsigned) of position `i` closed at the bankruptcy price `pb` of
/// `bankrupt`'s close filled at `fill`, paying `paid`.
pub struct Deleverage {
    pub x: Qty,
    pub fill: Price,
    pub pb: Price,
    pub paid: Money,
    pub bankrupt: AccountId,
    pub step: usize,
}

/// Apply a deleveraging to position `i` of `acc`: PnL realised at the fill, `paid` out of it, the
/// position reduced (removed when closed whole; an isolated position's margin then returns to
/// the wallet); the ledger and an event record it.
pub fn settle(acc: &mut Account, i: usize, d: &Deleverage, events: &mut Vec<Event>) {
    let p = acc.positions[i].clone();
    let x = if p.qty.0 < Decimal::ZERO { -d.x } else { d.x };
    let realized = Position { qty: x, ..p.clone() }.upnl(d.fill);
    acc.ledger.realized_pnl += realized;
    acc.ledger.adl_paid += d.paid;
    let net = realized - d.paid;
    let rest = p.qty - x;
    match acc.mode {
        Mode::Cross => acc.cash += net,
        Mode::Isolated => acc.positions[i].margin += net,
    }
    acc.positions[i].qty = rest;
    if rest.is_zero() {
        acc.cash += acc.positions[i].margin;
        acc.positions.remove(i);
    }
    events.push(Event {
        step: d.step,
        account: acc.id,
        kind: EventKind::Adl {
            asset: p.asset,
            quantity: -x,
            price: d.pb,
            realized_pnl: realized,
            paid: d.paid,
            bankrupt: d.bankrupt,
        },
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().expect("a decimal")
    }

    /// The whole eligibility rule as the queue applies it (`sim.rs`): on the other side of the
    /// bankrupt close (a queue per side), in profit at the mark (when the queue is built), not in
    /// loss at the bankruptcy price (when it is taken from).
    fn eligible(p: &Position, trade: Qty, mark: Price, pb: Price) -> bool {
        let short = p.qty.0 < Decimal::ZERO;
        let other_side = if trade.0 < Decimal::ZERO { short } else { p.qty.0 > Decimal::ZERO };
        other_side && gains(p, mark) && holds_at(p.entry, pb, short)
    }

    fn pos(qty: Decimal, entry: Decimal) -> Position {
        Position { asset: 0, qty: Qty(qty), entry: Price(entry), margin: Money::ZERO }
    }

    #[test]
    fn bankruptcy_price_sits_the_deficit_per_unit_beyond_the_fill() {
        // a long of 2 closed (sold) at 100 left 30 of bad debt: it had to sell at 100 + 30/2 = 115
        assert_eq!(
            bankruptcy_price(Money(d("30")), Qty(d("-2")), Price(d("100"))),
            Some((Price(d("115")), Money(d("15"))))
        );
        // a short of 3 bought back at 100, 10 short: 100 − 10/3 = 96.66666667 (the gap 3.33333334 rounded up)
        assert_eq!(
            bankruptcy_price(Money(d("10")), Qty(d("3")), Price(d("100"))),
            Some((Price(d("96.66666666")), Money(d("3.33333334"))))
        );
        // a tiny close carrying a large deficit has no bankruptcy price in range (nor below zero)
        assert_eq!(bankruptcy_price(Money(d("1000000000")), Qty(d("-0.00000001")), Price(d("100"))), None);
        assert_eq!(bankruptcy_price(Money(d("200")), Qty(d("1")), Price(d("100"))), None);
    }

    #[test]
    fn only_profitable_opposite_positions_not_losing_at_the_bankruptcy_price_are_eligible() {
        let (sell, mark, pb) = (Qty(d("-1")), Price(d("100")), Price(d("115")));
        assert!(eligible(&pos(d("-1"), d("120")), sell, mark, pb)); // short from 120: +20 at the mark, +5 at 115
        assert!(eligible(&pos(d("-1"), d("115")), sell, mark, pb)); // break-even at 115
        assert!(!eligible(&pos(d("-1"), d("110")), sell, mark, pb)); // would lose 5 at 115
        assert!(!eligible(&pos(d("1"), d("90")), sell, mark, pb)); // a long: the same side
        assert!(!eligible(&pos(d("-1"), d("100")), sell, mark, pb)); // no profit at the mark
    }

    #[test]
    fn rank_is_pnl_percent_times_effective_leverage() {
        // short 2 from 120, mark 100: uPnL 40, 40 / 240 = 1/6; notional 200 on equity 50: 4× → 2/3
        let r = rank(&pos(d("-2"), d("120")), Price(d("100")), Money(d("50")));
        assert!((r - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(rank(&pos(d("-2"), d("120")), Price(d("100")), Money::ZERO), f64::INFINITY);
    }

    #[test]
    fn the_queue_takes_whole_positions_then_exactly_the_rest() {
        // c = 15 per unit: a position of 2 pays 30 of the 100 left, whole
        assert_eq!(take(Qty(d("2")), Money(d("100")), Money(d("15"))), (Qty(d("2")), Money(d("30"))));
        // 10 left: ⌈10 / 15⌉₈ = 0.66666667 of it, paying exactly 10
        assert_eq!(take(Qty(d("2")), Money(d("10")), Money(d("15"))), (Qty(d("0.66666667")), Money(d("10"))));
    }

    #[test]
    fn settling_realises_at_the_fill_and_pays_the_gap() {
        // a cross short of 2 from 120, deleveraged whole at P_b 115 (fill 100, c 15)
        let mut a =
            Account::new(AccountId::Crowd(7), Mode::Cross, Money(d("50")), vec![], vec![pos(d("-2"), d("120"))]);
        let dl = Deleverage {
            x: Qty(d("2")),
            fill: Price(d("100")),
            pb: Price(d("115")),
            paid: Money(d("30")),
            bankrupt: AccountId::Crowd(1),
            step: 4,
        };
        let mut ev = vec![];
        settle(&mut a, 0, &dl, &mut ev);
        // PnL at the fill 2 × 20 = 40, less 30 paid: 10 = 2 × (120 − 115), a close at P_b
        assert_eq!(a.cash, Money(d("60")));
        assert!(a.positions.is_empty());
        assert_eq!((a.ledger.realized_pnl, a.ledger.adl_paid), (Money(d("40")), Money(d("30"))));
        assert!(matches!(ev[0].kind, EventKind::Adl { quantity, .. } if quantity == Qty(d("2"))));
    }
}
