//! The liquidation controller: plans orders from a margin snapshot at the pre-trade price and,
//! once the step's batch has filled, applies them to the account: realised PnL, fees to the
//! insurance fund, collateral sales, bad debt. Every change to an account's cash goes through
//! here and is written to its ledger and to an event, so conservation can be checked from the
//! event log alone.

use super::account::{Account, AccountId, Mode};
use super::margin::{self, AssetInfo, Brackets, Position, Valuation};
use super::model::Policy;
use crate::types::{Money, Price, Qty, Ratio};
use rust_decimal::Decimal;
use serde::Serialize;

/// Why an order was created.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Reason {
    /// Cross account with this (maintenance margin, equity); MR = MM / E.
    CrossMarginRatio { mm: Money, equity: Money },
    /// An isolated position with this (maintenance margin, margin + PnL).
    IsolatedMarginRatio { mm: Money, equity: Money },
    /// Every position is closed and a USD loan remains: collateral is sold to repay it.
    LoanRepayment,
    /// Every position is closed and an asset is owed (a negative balance): it is bought back.
    AssetLoanRepayment,
}

impl Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The reason in words (what [`Reason::describe`] returns), written without allocating.
impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (kind, mm, equity) = match self {
            Reason::CrossMarginRatio { mm, equity } => ("cross", mm, equity),
            Reason::IsolatedMarginRatio { mm, equity } => ("isolated", mm, equity),
            Reason::LoanRepayment => return f.write_str("all positions closed; collateral sold to repay the USD loan"),
            Reason::AssetLoanRepayment => return f.write_str("all positions closed; the asset loan bought back"),
        };
        match margin::margin_ratio(*mm, *equity) {
            Some(r) => write!(f, "{kind} margin ratio {}% ≥ 100%", (r.0 * Decimal::ONE_HUNDRED).round_dp(2)),
            None => write!(f, "{kind} margin ratio unbounded (equity ≤ 0) ≥ 100%"),
        }
    }
}

impl Reason {
    pub fn describe(&self) -> String {
        self.to_string()
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Target {
    /// Close the position with this index.
    Position(usize),
    /// Sell this much of a collateral balance (index into `balances`).
    Collateral(usize),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Order {
    pub asset: usize,
    /// Signed quantity traded: negative sells (closing a long, selling collateral).
    pub qty: Qty,
    pub target: Target,
    pub reason: Reason,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// A position closed by liquidation (`partial`: a chunk of it, the rest still open).
    Liquidation {
        asset: usize,
        quantity: Qty,
        price: Price,
        fee: Money,
        realized_pnl: Money,
        reason: Reason,
        partial: bool,
    },
    /// Collateral sold to repay a loan.
    CollateralSale { asset: usize, quantity: Qty, price: Price, proceeds: Money, reason: Reason },
    /// Negative equity written off: the fund paid `fund_paid`, auto-deleveraging `adl_paid`
    /// (`adl.rs`), the rest is socialised.
    BadDebt { amount: Money, fund_paid: Money, adl_paid: Money, uncovered: Money },
    /// A profitable position (or part of it, `quantity` the trade) closed by auto-deleveraging at
    /// the bankruptcy price `price` of `bankrupt`'s position: `realized_pnl` at the fill that
    /// position traded at, less `paid` toward its deficit. No market trade.
    Adl { asset: usize, quantity: Qty, price: Price, realized_pnl: Money, paid: Money, bankrupt: AccountId },
    /// A position (or, `collateral`, a balance) passed to the backstop vault at the mark (a
    /// balance: at its collateral price); `quantity` is what the account gave up. No market trade.
    Backstop { asset: usize, quantity: Qty, price: Price, realized_pnl: Money, collateral: bool },
    /// The cash that passed to the backstop vault with a takeover (negative: a debt it took on).
    BackstopCash { amount: Money },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Event {
    pub step: usize,
    pub account: AccountId,
    #[serde(flatten)]
    pub kind: EventKind,
}

impl Event {
    /// Whether this is the venue taking something from your account: a liquidation or a sale of
    /// your collateral (a bad-debt write-off is the venue's loss, not a liquidation; auto-
    /// deleveraging closes a *profitable* position). Your first such event is the step the
    /// summary reports and the page first shows.
    pub fn liquidates_focal(&self) -> bool {
        self.account == AccountId::Focal && self.liquidates()
    }

    /// A liquidation, a collateral sale or a backstop takeover (not a write-off, not
    /// auto-deleveraging).
    pub fn liquidates(&self) -> bool {
        matches!(
            self.kind,
            EventKind::Liquidation { .. } | EventKind::CollateralSale { .. } | EventKind::Backstop { .. }
        )
    }
}

/// The insurance fund and what it paid.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Fund {
    pub opening: Money,
    pub balance: Money,
    pub fees_received: Money,
    pub bad_debt_paid: Money,
    /// Bad debt covered by auto-deleveraging (what the deleveraged positions paid).
    #[serde(skip_serializing_if = "Money::is_zero_ref")]
    pub adl_paid: Money,
    pub uncovered_bad_debt: Money,
}

impl Fund {
    pub fn new(opening: Money) -> Fund {
        Fund { opening, balance: opening, ..Fund::default() }
    }
    fn take_fee(&mut self, fee: Money) {
        self.balance += fee;
        self.fees_received += fee;
    }
    /// Auto-deleveraging covered `amount` of what was uncovered.
    pub fn deleveraged(&mut self, amount: Money) {
        self.adl_paid += amount;
        self.uncovered_bad_debt -= amount;
    }
    /// Pay bad debt as far as the balance goes; returns (paid, uncovered).
    fn cover(&mut self, amount: Money) -> (Money, Money) {
        let paid = amount.min(self.balance.max(Money::ZERO));
        self.balance -= paid;
        self.bad_debt_paid += paid;
        let uncovered = amount - paid;
        self.uncovered_bad_debt += uncovered;
        (paid, uncovered)
    }
}

pub(super) fn round_up_8(q: Decimal) -> Decimal {
    q.round_dp_with_strategy(8, rust_decimal::RoundingStrategy::AwayFromZero)
}

/// Plan the liquidation of `acc` valued at the step's pre-trade prices `v` (empty if it is
/// healthy), under `policy` as it applies to this account at this step ([`Policy::at`]).
pub fn plan(
    acc: &Account,
    v: Valuation<'_>,
    info: &(impl AssetInfo + ?Sized),
    policy: Policy,
    fee_rate: Ratio,
) -> Vec<Order> {
    plan_at(acc, &acc.snapshot(v, info), v, info, policy, fee_rate)
}

/// [`plan`], from the account's snapshot `h` at the prices of `v`.
pub fn plan_at(
    acc: &Account,
    h: &margin::Health,
    v: Valuation<'_>,
    info: &(impl AssetInfo + ?Sized),
    policy: Policy,
    fee_rate: Ratio,
) -> Vec<Order> {
    match acc.mode {
        Mode::Isolated => plan_isolated(acc, h, info, policy, fee_rate),
        Mode::Cross => plan_cross(acc, h, v.market, info, policy, fee_rate),
    }
}

/// Whether the account would be above maintenance after a position sells a given quantity (as
/// projected at the mark, before the sale's own impact), for a step-down that goes as far as that
/// takes: `after(q)`. No sale can do it when the account's `equity` is not above zero and what its
/// other positions need (`others_mm`; the fee and the rest's margin are never negative): the
/// position then closes whole without trying.
struct Fits<F: Fn(Decimal) -> bool> {
    equity: Money,
    others_mm: Money,
    after: F,
}

/// The part of position `p` (worth `notional` at the mark, margined on `brackets`) a liquidation
/// sells under `policy`: `Some(quantity)` for a part (a chunk, or a step-down), `None` for the
/// whole position.
fn chunk_of<F: Fn(Decimal) -> bool>(
    p: &Position,
    notional: Money,
    brackets: &Brackets,
    policy: Policy,
    fits: Fits<F>,
) -> Option<Qty> {
    let q = match policy {
        Policy::Chunks { min_notional, fraction, .. } if notional > min_notional => {
            // toward zero on the 8-decimal grid
            (p.qty.0 * fraction.0).round_dp_with_strategy(8, rust_decimal::RoundingStrategy::ToZero)
        }
        Policy::StepDown { tiers, from, until_compliant, .. } => {
            let j = brackets.tier_index(notional);
            if j == 0 || j < from || p.qty.is_zero() {
                return None;
            }
            let first = j.saturating_sub(tiers);
            let price = notional.0.checked_div(p.qty.0.abs())?;
            if !until_compliant {
                step_down(p, price, brackets, first)?
            } else if fits.equity.0 <= Decimal::ZERO || fits.equity <= fits.others_mm {
                return None;
            } else {
                // the least sold that brings the account above maintenance: the highest bracket
                // from `first` down; none (or only all of it): the position closes whole
                (0..=first)
                    .rev()
                    .filter_map(|t| step_down(p, price, brackets, t))
                    .find(|&q| q.abs() < p.qty.0.abs() && (fits.after)(q))?
            }
        }
        _ => return None,
    };
    // a part that rounds to nothing (or to everything) is no part
    (!q.is_zero() && q.abs() < p.qty.0.abs()).then_some(Qty(q))
}
/// What position `p` sells to step down into bracket `target` at `price` (the mark): what stays
/// is the most below the next bracket's floor on the 8-decimal grid.
fn step_down(p: &Position, price: Decimal, brackets: &Brackets, target: usize) -> Option<Decimal> {
    let ceiling = brackets.floor(target + 1)?;
    let mut keep = ceiling.0.checked_div(price)?.round_dp_with_strategy(8, rust_decimal::RoundingStrategy::ToZero);
    if keep * price >= ceiling.0 {
        keep -= Decimal::new(1, 8);
    }
    let keep = keep.max(Decimal::ZERO).min(p.qty.0.abs());
    Some(if p.qty.0 < Decimal::ZERO { -(p.qty.0.abs() - keep) } else { p.qty.0 - keep })
}

/// The order that closes position `i` of `acc` (`part`: only that quantity of it).
fn close(acc: &Account, i: usize, part: Option<Qty>, reason: Reason) -> Order {
    let p = &acc.positions[i];
    Order { asset: p.asset, qty: -part.unwrap_or(p.qty), target: Target::Position(i), reason }
}

/// Isolated: close every position whose own margin (plus its PnL) no longer covers its maintenance
/// margin (under `chunks`, a large one loses a chunk; under `step_down`, it steps down).
fn plan_isolated(
    acc: &Account,
    h: &margin::Health,
    info: &(impl AssetInfo + ?Sized),
    policy: Policy,
    fee_rate: Ratio,
) -> Vec<Order> {
    let mut orders = Vec::with_capacity(acc.positions.len());
    for (i, (p, ph)) in acc.positions.iter().zip(&h.positions).enumerate() {
        let eq = p.margin + ph.upnl;
        if margin::is_liquidatable(ph.mm, eq, true) {
            let b = info.brackets(p.asset);
            // after selling q: the rest's maintenance margin against the margin, PnL and fee
            let fits = Fits {
                equity: eq,
                others_mm: Money::ZERO,
                after: |q: Decimal| {
                    let sold = q / p.qty.0;
                    let left = Money(ph.notional.0 * (Decimal::ONE - sold));
                    let fee = (ph.notional * Ratio(sold) * fee_rate).min(eq.max(Money::ZERO));
                    !margin::is_liquidatable(b.mm(left), eq - fee, true)
                },
            };
            let part = chunk_of(p, ph.notional, b, policy, fits);
            orders.push(close(acc, i, part, Reason::IsolatedMarginRatio { mm: ph.mm, equity: eq }));
        }
    }
    orders
}

/// Cross: close positions, largest maintenance margin first, until healthy (all under `Policy::Full`);
/// then repay what is owed, the sales estimated at the `market` prices.
fn plan_cross(
    acc: &Account,
    h: &margin::Health,
    market: &[Price],
    info: &(impl AssetInfo + ?Sized),
    policy: Policy,
    fee_rate: Ratio,
) -> Vec<Order> {
    let mut orders = Vec::with_capacity(acc.positions.len());
    if !margin::is_liquidatable(h.mm, h.equity, acc.has_exposure()) {
        return orders;
    }
    let reason = Reason::CrossMarginRatio { mm: h.mm, equity: h.equity };
    let mut idx: Vec<usize> = (0..acc.positions.len()).collect();
    // Largest maintenance margin first (ties: the order the positions were listed in).
    if idx.len() > 1 {
        idx.sort_by(|&a, &b| h.positions[b].mm.cmp(&h.positions[a].mm).then(a.cmp(&b)));
    }
    let mut mm = h.mm;
    let mut eq = h.equity;
    let mut cash = acc.cash;
    let mut closed = 0;
    for &i in &idx {
        let still = policy == Policy::Full || eq.0 <= Decimal::ZERO || mm >= eq;
        if !still {
            break;
        }
        let ph = &h.positions[i];
        let p = &acc.positions[i];
        let b = info.brackets(p.asset);
        // after selling q: the account's maintenance margin and equity as the walk projects them
        let fits = Fits {
            equity: eq,
            others_mm: mm - ph.mm,
            after: |q: Decimal| {
                let sold = q / p.qty.0;
                let left = Money(ph.notional.0 * (Decimal::ONE - sold));
                let fee = (ph.notional * Ratio(sold) * fee_rate).min(eq.max(Money::ZERO));
                !margin::is_liquidatable(mm - ph.mm + b.mm(left), eq - fee, true)
            },
        };
        let part = chunk_of(p, ph.notional, b, policy, fits);
        // what the order sells: all of the position, or its chunk (the rest keeps its PnL and
        // its margin at the remaining notional)
        let (sold, left_mm) = match part {
            None => (Ratio(Decimal::ONE), Money::ZERO),
            Some(q) => {
                let sold = q.0 / p.qty.0;
                let left = Money(ph.notional.0 * (Decimal::ONE - sold));
                (Ratio(sold), b.mm(left))
            }
        };
        let fee = match fee_rate.0.is_zero() {
            true => Money::ZERO,
            false => (ph.notional * sold * fee_rate).min(eq.max(Money::ZERO)),
        };
        mm -= ph.mm - left_mm;
        eq -= fee;
        cash += ph.upnl * sold - fee;
        orders.push(close(acc, i, part, reason));
        closed += usize::from(part.is_none());
    }
    let owes_assets = acc.balances.iter().any(|b| b.1 .0 < Decimal::ZERO);
    if closed == acc.positions.len() && (cash.0 < Decimal::ZERO || owes_assets) {
        orders.extend(plan_loan_repayment(acc, market, info, -cash, eq.0 <= Decimal::ZERO));
    }
    orders
}

/// Repay what is owed once every position is closed: buy back every asset loan, then sell
/// collateral for the USD loan `need` plus what the buy-backs cost (at the check's prices).
fn plan_loan_repayment(
    acc: &Account,
    prices: &[Price],
    info: &(impl AssetInfo + ?Sized),
    mut need: Money,
    bankrupt: bool,
) -> Vec<Order> {
    let mut orders = vec![];
    for (k, &(a, bal)) in acc.balances.iter().enumerate().filter(|(_, b)| b.1 .0 < Decimal::ZERO) {
        need += -bal * prices[a];
        orders.push(Order { asset: a, qty: -bal, target: Target::Collateral(k), reason: Reason::AssetLoanRepayment });
    }
    // Non-stable collateral first, highest haircut first; stable last (all of it if bankrupt).
    let mut order: Vec<usize> = (0..acc.balances.len()).filter(|&k| acc.balances[k].1 .0 > Decimal::ZERO).collect();
    order.sort_by(|&a, &b| {
        let (ia, ib) = (acc.balances[a].0, acc.balances[b].0);
        info.stable(ia).cmp(&info.stable(ib)).then(info.haircut(ib).cmp(&info.haircut(ia))).then(ia.cmp(&ib))
    });
    for k in order {
        if need.0 <= Decimal::ZERO && !bankrupt {
            break;
        }
        let (a, bal) = acc.balances[k];
        let px = prices[a];
        let q = if bankrupt { bal.0 } else { round_up_8(need.0 / px.0).min(bal.0) };
        if q.is_zero() {
            continue;
        }
        need -= Qty(q) * px;
        orders.push(Order { asset: a, qty: Qty(-q), target: Target::Collateral(k), reason: Reason::LoanRepayment });
    }
    orders
}

/// What a step's batch gives the accounts it liquidates: where it filled, the prices after it, and
/// the step's terms.
pub struct Batch<'a, I: AssetInfo + ?Sized> {
    /// Fill price per asset (the mean of the pre- and post-impact prices).
    pub fill: &'a [Price],
    /// The valuation after the batch (to value what remains when capping a fee at the equity left).
    pub post: Valuation<'a>,
    pub info: &'a I,
    pub fee_rate: Ratio,
    pub step: usize,
}

/// Apply planned orders at the batch's fill prices: realised PnL, fees to the fund, collateral
/// sales, bad debt, each written to the ledger and as an event.
pub fn execute<I: AssetInfo + ?Sized>(
    acc: &mut Account,
    orders: &[Order],
    b: &Batch<'_, I>,
    fund: &mut Fund,
    events: &mut Vec<Event>,
) {
    let mut closed = vec![false; acc.positions.len()];
    for o in orders {
        match o.target {
            Target::Position(i) => {
                // a chunk leaves the rest of the position open, and starts the cooldown
                if o.qty == -acc.positions[i].qty {
                    closed[i] = true;
                } else {
                    acc.chunked_at = Some(b.step);
                }
                match acc.mode {
                    Mode::Isolated => close_isolated(acc, i, o, b, fund, events),
                    Mode::Cross => close_cross(acc, i, o, b, fund, events),
                }
            }
            Target::Collateral(k) => sell_collateral(acc, k, o, b, events),
        }
    }
    let mut i = 0;
    acc.positions.retain(|_| {
        let keep = !closed[i];
        i += 1;
        keep
    });
    acc.balances.retain(|(_, q)| !q.is_zero());
    // Bad debt: nothing left to sell and the wallet is still in debt.
    if acc.mode == Mode::Cross && acc.positions.is_empty() && acc.balances.is_empty() && acc.cash.0 < Decimal::ZERO {
        let debt = -acc.cash;
        write_off(acc, debt, fund, b.step, events);
        acc.cash += debt;
    }
}

/// Close isolated position `i`: fee capped at its own equity, a shortfall written off. A chunk's
/// PnL and fee stay in the position's margin, behind what remains of it.
fn close_isolated<I: AssetInfo + ?Sized>(
    acc: &mut Account,
    i: usize,
    o: &Order,
    b: &Batch<'_, I>,
    fund: &mut Fund,
    events: &mut Vec<Event>,
) {
    let fill = b.fill[o.asset];
    let p = acc.positions[i].clone();
    let part = Position { qty: -o.qty, ..p.clone() };
    let rest = Position { qty: p.qty - part.qty, ..p.clone() };
    let realized = part.upnl(fill);
    let nominal_fee = part.notional(fill) * b.fee_rate;
    let mut pos_eq = p.margin + realized;
    let fee = nominal_fee.min((pos_eq + rest.upnl(b.post.mark[p.asset])).max(Money::ZERO));
    pos_eq -= fee;
    fund.take_fee(fee);
    acc.ledger.realized_pnl += realized;
    acc.ledger.fees += fee;
    events.push(liq_event(b.step, acc.id, &part, fill, fee, realized, o.reason, !rest.qty.is_zero()));
    if !rest.qty.is_zero() {
        acc.positions[i] = Position { margin: pos_eq, ..rest };
        return;
    }
    if pos_eq.0 < Decimal::ZERO {
        write_off(acc, -pos_eq, fund, b.step, events);
        pos_eq = Money::ZERO;
    }
    // What is left of the position's margin returns to the wallet.
    acc.cash += pos_eq;
    acc.positions[i].margin = Money::ZERO;
    acc.positions[i].qty = Qty::ZERO;
}

/// Close cross position `i`: PnL to the wallet, fee capped at the equity left at post-batch prices.
fn close_cross<I: AssetInfo + ?Sized>(
    acc: &mut Account,
    i: usize,
    o: &Order,
    b: &Batch<'_, I>,
    fund: &mut Fund,
    events: &mut Vec<Event>,
) {
    let fill = b.fill[o.asset];
    let part = Position { qty: -o.qty, ..acc.positions[i].clone() };
    let realized = part.upnl(fill);
    let nominal_fee = part.notional(fill) * b.fee_rate;
    acc.cash += realized;
    acc.positions[i].qty -= part.qty;
    // the fee is capped at the equity left (valued after the batch); no fee, nothing to cap
    let fee = match nominal_fee.0.is_zero() {
        true => nominal_fee,
        false => nominal_fee.min(equity_cross(acc, b.post, b.info).max(Money::ZERO)),
    };
    acc.cash -= fee;
    fund.take_fee(fee);
    acc.ledger.realized_pnl += realized;
    acc.ledger.fees += fee;
    events.push(liq_event(b.step, acc.id, &part, fill, fee, realized, o.reason, !acc.positions[i].qty.is_zero()));
}

/// Sell collateral balance `k` at its fill price, the proceeds to the wallet (a buy-back of an
/// asset loan is the same trade the other way: negative proceeds).
fn sell_collateral<I: AssetInfo + ?Sized>(
    acc: &mut Account,
    k: usize,
    o: &Order,
    b: &Batch<'_, I>,
    events: &mut Vec<Event>,
) {
    let fill = b.fill[o.asset];
    let sold = -o.qty;
    let proceeds = sold * fill;
    acc.balances[k].1 -= sold;
    acc.cash += proceeds;
    acc.ledger.sale_proceeds += proceeds;
    events.push(Event {
        step: b.step,
        account: acc.id,
        kind: EventKind::CollateralSale { asset: o.asset, quantity: o.qty, price: fill, proceeds, reason: o.reason },
    });
}

/// The event of closing `p` (the part of a position the order sold); `partial` when some of the
/// position remains open.
#[allow(clippy::too_many_arguments)]
fn liq_event(
    step: usize,
    id: AccountId,
    p: &Position,
    fill: Price,
    fee: Money,
    realized: Money,
    reason: Reason,
    partial: bool,
) -> Event {
    Event {
        step,
        account: id,
        kind: EventKind::Liquidation {
            asset: p.asset,
            quantity: -p.qty,
            price: fill,
            fee,
            realized_pnl: realized,
            reason,
            partial,
        },
    }
}

fn write_off(acc: &mut Account, amount: Money, fund: &mut Fund, step: usize, events: &mut Vec<Event>) {
    let (paid, uncovered) = fund.cover(amount);
    acc.ledger.bad_debt_written_off += amount;
    let kind = EventKind::BadDebt { amount, fund_paid: paid, adl_paid: Money::ZERO, uncovered };
    events.push(Event { step, account: acc.id, kind });
}

fn equity_cross(acc: &Account, v: Valuation<'_>, info: &(impl AssetInfo + ?Sized)) -> Money {
    let cv = margin::collateral_value(acc.cash, &acc.balances, v.collateral, info);
    let upnl: Money = acc.positions.iter().filter(|p| !p.qty.is_zero()).map(|p| p.upnl(v.mark[p.asset])).sum();
    cv + upnl
}
