//! The backstop: an account far below maintenance is not liquidated through the book; a backstop
//! vault takes it over at the mark price, with no market trade (Hyperliquid's liquidator vault:
//! "If the account equity drops below 2/3 of the maintenance margin without successful
//! liquidation through the book, a backstop liquidation happens through the liquidator vault").
//!
//! Terms, as this module uses them:
//!
//! * **due**: at a check, a cross account whose equity is below `r` × its maintenance margin
//!   (`liquidation.backstop_below_mm`, `r ≤ 1`); an isolated position whose margin plus PnL is
//!   below `r` × its own maintenance margin.
//! * **takeover**: cross, every position, every collateral balance and the wallet's cash (a loan
//!   too) pass to the vault; isolated, the failing position and its margin. Positions pass at the
//!   mark: the account realises its PnL there, and the vault holds them from the mark on. What
//!   the account had left — its maintenance margin included — goes with them; a negative equity
//!   is the vault's loss, not bad debt.
//! * **the vault**: starts empty and holds what it took over to the end of the run (it does not
//!   sell into the cascade, which is the point of a backstop); its **result** is what it holds,
//!   valued at the last step — cash, collateral at its collateral price, positions' PnL at the mark.

use super::account::{Account, Mode};
use super::liquidation::{Event, EventKind, Order, Reason};
use super::margin::{AssetInfo, Position, Valuation};
use crate::types::{Money, Qty, Ratio};
use rust_decimal::Decimal;

/// What the backstop vault holds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Vault {
    /// Cash received (the accounts' wallets and isolated margins after their PnL; negative: it
    /// took over more debt than cash).
    pub cash: Money,
    pub balances: Vec<(usize, Qty)>,
    /// Positions taken over, each with the mark it was taken at as its entry.
    pub positions: Vec<Position>,
    /// Takeovers (an isolated position counts as one), and the notional taken at the mark.
    pub takeovers: u32,
    pub notional: Money,
}

impl Vault {
    /// What the vault holds, valued at `v` (collateral at its price, in full; positions' PnL at the mark).
    pub fn value(&self, v: Valuation<'_>) -> Money {
        let coll: Money = self.balances.iter().map(|&(a, q)| q * v.collateral[a]).sum();
        let upnl: Money = self.positions.iter().map(|p| p.upnl(v.mark[p.asset])).sum();
        self.cash + coll + upnl
    }
}

/// The positions of `acc` due for the backstop at `v` under ratio `r` (cross: all of them, or
/// none; isolated: each on its own).
pub fn due(acc: &Account, v: Valuation<'_>, info: &(impl AssetInfo + ?Sized), r: Ratio) -> Vec<usize> {
    if acc.positions.is_empty() {
        return vec![];
    }
    due_at(acc, &acc.snapshot(v, info), r)
}

/// [`due`], from the account's snapshot `h` at those prices.
pub fn due_at(acc: &Account, h: &crate::engine::margin::Health, r: Ratio) -> Vec<usize> {
    if acc.positions.is_empty() {
        return vec![];
    }
    match acc.mode {
        Mode::Cross => {
            if h.equity < h.mm * r {
                (0..acc.positions.len()).collect()
            } else {
                vec![]
            }
        }
        Mode::Isolated => (0..acc.positions.len())
            .filter(|&i| acc.positions[i].margin + h.positions[i].upnl < h.positions[i].mm * r)
            .collect(),
    }
}

/// The vault takes over positions `which` of `acc` at the mark of `v` (cross: with the account's
/// collateral and cash; isolated: with each position's margin). Each position passed is an event
/// of kind `Backstop`, each balance one with `collateral: true`, and the cash that passed one of
/// kind `BackstopCash`; the ledger's `backstop_transferred` records the cash.
pub fn take_over(
    acc: &mut Account,
    which: &[usize],
    v: Valuation<'_>,
    vault: &mut Vault,
    step: usize,
    events: &mut Vec<Event>,
) {
    let mut cash = Money::ZERO;
    for &i in which {
        let p = acc.positions[i].clone();
        let mark = v.mark[p.asset];
        let realized = p.upnl(mark);
        acc.ledger.realized_pnl += realized;
        match acc.mode {
            Mode::Cross => acc.cash += realized,
            Mode::Isolated => cash += p.margin + realized,
        }
        vault.notional += p.notional(mark);
        vault.positions.push(Position { entry: mark, margin: Money::ZERO, ..p.clone() });
        let kind = EventKind::Backstop {
            asset: p.asset,
            quantity: -p.qty,
            price: mark,
            realized_pnl: realized,
            collateral: false,
        };
        events.push(Event { step, account: acc.id, kind });
    }
    if acc.mode == Mode::Cross {
        for (a, q) in std::mem::take(&mut acc.balances) {
            add(&mut vault.balances, a, q);
            let kind = EventKind::Backstop {
                asset: a,
                quantity: -q,
                price: v.collateral[a],
                realized_pnl: Money::ZERO,
                collateral: true,
            };
            events.push(Event { step, account: acc.id, kind });
        }
        cash = std::mem::replace(&mut acc.cash, Money::ZERO);
    }
    let mut k = 0;
    acc.positions.retain(|_| {
        k += 1;
        !which.contains(&(k - 1))
    });
    vault.takeovers += if acc.mode == Mode::Cross { 1 } else { which.len() as u32 };
    vault.cash += cash;
    acc.ledger.backstop_transferred += cash;
    events.push(Event { step, account: acc.id, kind: EventKind::BackstopCash { amount: cash } });
}

fn add(balances: &mut Vec<(usize, Qty)>, asset: usize, q: Qty) {
    match balances.iter_mut().find(|b| b.0 == asset) {
        Some(b) => b.1 += q,
        None => balances.push((asset, q)),
    }
}

/// Whether the backstop at ratio `r` would have taken over an account the check planned `orders`
/// for instead (read from the orders' reasons: the margin and equity at the check), for "could
/// the rule matter" when it is off.
pub fn would_act(orders: &[Order], r: Ratio) -> bool {
    orders.iter().any(|o| match o.reason {
        Reason::CrossMarginRatio { mm, equity } | Reason::IsolatedMarginRatio { mm, equity } => equity < mm * r,
        _ => false,
    })
}

/// Hyperliquid's ratio, 2/3, to 10 decimals (the default of `liquidation.backstop_below_mm`).
pub fn two_thirds() -> Ratio {
    Ratio(Decimal::new(6_666_666_667, 10))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::account::AccountId;
    use crate::engine::margin::{Brackets, Tiers};
    use crate::types::Price;

    fn d(s: &str) -> Decimal {
        s.parse().expect("a decimal")
    }

    use crate::engine::margin::FlatInfo as Flat;

    #[test]
    fn a_cross_account_below_two_thirds_of_its_margin_passes_whole_to_the_vault() {
        // long 10 at 100 on 60 USD, MM 1 % of notional: at 95 the equity is 60 − 50 = 10 and the
        // MM 9.5; due below 2/3 × 9.5 = 6.33…, so not yet; at 94.6, equity 6 < 2/3 × 9.46 = 6.306…
        let info = Flat(Brackets::flat(Ratio(d("0.01"))), Tiers::flat(Ratio::ZERO));
        let p = Position { asset: 0, qty: Qty(d("10")), entry: Price(d("100")), margin: Money::ZERO };
        let mut a = Account::new(AccountId::Crowd(1), Mode::Cross, Money(d("60")), vec![], vec![p]);
        let at = |x: &str| vec![Price(d(x))];
        let (p95, p946) = (at("95"), at("94.6"));
        assert!(due(&a, Valuation::at(&p95), &info, two_thirds()).is_empty());
        assert_eq!(due(&a, Valuation::at(&p946), &info, two_thirds()), vec![0]);
        let (mut vault, mut ev) = (Vault::default(), vec![]);
        take_over(&mut a, &[0], Valuation::at(&p946), &mut vault, 3, &mut ev);
        // the account realises −54 at the mark and its 6 USD left go with the position
        assert_eq!(
            (a.cash, a.ledger.realized_pnl, a.ledger.backstop_transferred),
            (Money::ZERO, Money(d("-54")), Money(d("6")))
        );
        assert!(a.positions.is_empty() && !a.has_exposure());
        // the vault holds 10 from 94.6 and 6 USD: worth 6 there, 6 + 10 × 5.4 = 60 back at 100
        assert_eq!(vault.value(Valuation::at(&p946)), Money(d("6")));
        assert_eq!(vault.value(Valuation::at(&at("100"))), Money(d("60")));
        assert_eq!(ev.len(), 2);
    }
}
