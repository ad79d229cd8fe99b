//! Liquidation prices: for one position of an account, the price of its asset at which the
//! account (cross: the whole account; isolated: that position alone) first becomes liquidatable,
//! with every other price where it is.
//!
//! Terms:
//! * the *move* is an outside move of the asset: its mark, its collateral price and its market
//!   price all move by the same factor (as on the ladder), so a balance of the asset held as
//!   collateral moves with the position;
//! * `f(x) = equity(x) − MM(x)`; the account is liquidatable exactly when `f ≤ 0`
//!   ([`margin::is_liquidatable`]). Between two of the position's bracket floors `f` is linear in
//!   `x` (PnL and collateral are linear, the position's MM is `|q|·x·mmr − cum`), so the nearest
//!   crossing is solved segment by segment, the bracket re-selected at the liquidation notional —
//!   usually against the position, but an account holding more of the asset the other way (a
//!   short against collateral in it, a long against a loan of it) fails on a move in its favour;
//! * the price is a *mark* price (margin is checked on the mark);
//! * the answer is on the asset's tick grid: the first tick, moving from the price, at which the
//!   account is liquidatable; one tick back it is not. A root within 1e-9 of a tick is
//!   settled with the engine's own snapshot (checking both ticks); elsewhere the exact solve
//!   decides, and `tests/liqprice.rs` checks against the engine's liquidation that it agrees.

use super::account::{Account, Mode};
use super::margin::{self, AssetInfo, Brackets, Valuation};
use super::scenario::limits;
use crate::types::{Money, Price, Qty, Ratio};
use rust_decimal::Decimal;

/// Where a position's liquidation price stands.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LiqPrice {
    /// The first price on the tick grid, against the position, at which the account is liquidatable.
    At(Price),
    /// The account is liquidatable already, at the current prices.
    Already,
    /// No price liquidates it, from the smallest tick up to a thousandfold rise (or the price
    /// ceiling, 1e12).
    Beyond,
    /// The account holds no position in the asset (any more).
    Closed,
}

impl LiqPrice {
    pub fn price(self) -> Option<Price> {
        match self {
            LiqPrice::At(p) => Some(p),
            _ => None,
        }
    }

    /// Why there is no price, in words (`None` when there is one).
    pub fn why_none(self) -> Option<&'static str> {
        match self {
            LiqPrice::At(_) => None,
            LiqPrice::Already => Some("the account is liquidatable already"),
            LiqPrice::Beyond => {
                Some("no price liquidates it, from the smallest tick up to a thousandfold rise (or the price ceiling)")
            }
            LiqPrice::Closed => Some("the position is closed"),
        }
    }
}

/// The liquidation price of `acc`'s position in `asset` at prices `v` (the asset's tick `tick`).
pub fn of_position(
    acc: &Account,
    asset: usize,
    v: Valuation<'_>,
    tick: Price,
    info: &(impl AssetInfo + ?Sized),
) -> LiqPrice {
    of_position_with(acc, asset, v, &acc.snapshot(v, info), tick, info)
}

/// [`of_position`] given the account's snapshot `h` at `v` (the step loop has it already).
pub fn of_position_with(
    acc: &Account,
    asset: usize,
    v: Valuation<'_>,
    h: &margin::Health,
    tick: Price,
    info: &(impl AssetInfo + ?Sized),
) -> LiqPrice {
    let Some(i) = acc.positions.iter().position(|p| p.asset == asset) else { return LiqPrice::Closed };
    let pos = &acc.positions[i];
    let q = pos.qty.0;
    let m = v.mark[asset].0;
    if q.is_zero() || tick.0 <= Decimal::ZERO || h.positions.len() != acc.positions.len() {
        return LiqPrice::Closed;
    }
    let isolated = acc.mode == Mode::Isolated;
    let fails = |h: &margin::Health| {
        if isolated {
            margin::is_liquidatable(h.positions[i].mm, pos.margin + h.positions[i].upnl, true)
        } else {
            margin::is_liquidatable(h.mm, h.equity, acc.has_exposure())
        }
    };
    if m <= Decimal::ZERO || fails(h) {
        return LiqPrice::Already;
    }
    // f at the current prices, and its slope from everything but the position's MM
    let (f0, slope) = if isolated {
        (pos.margin + h.positions[i].upnl - h.positions[i].mm, q)
    } else {
        let held: Decimal = acc.balances.iter().filter(|b| b.0 == asset).map(|b| counted(info, asset, b.1)).sum();
        let per_mark = if held.is_zero() { Decimal::ZERO } else { held * v.collateral[asset].0 / m };
        (h.equity - h.mm, q + per_mark)
    };
    let Some(root) = nearest_crossing(q, m, f0.0, slope, info.brackets(asset)) else { return LiqPrice::Beyond };
    // the checks on the grid, at the prices with the asset moved (one set of buffers)
    // (made at the first check: a root clearly between two ticks needs none)
    let mut buffers: Option<(Vec<Price>, Vec<Price>, Vec<Price>)> = None;
    let liquidatable = |x: Decimal| -> bool {
        let (mark, coll, market) =
            buffers.get_or_insert_with(|| (v.mark.to_vec(), v.collateral.to_vec(), v.market.to_vec()));
        let scale = |p: Price| if p.0 == m { Price(x) } else { Price(p.0 * x / m) };
        mark[asset] = Price(x);
        coll[asset] = scale(v.collateral[asset]);
        market[asset] = scale(v.market[asset]);
        fails(&acc.snapshot(Valuation { market, mark, collateral: coll }, info))
    };
    on_grid(root, root < m, tick.0, m, liquidatable)
}

/// Units of a balance the account's collateral value counts (a loan at its full size).
fn counted(info: &(impl AssetInfo + ?Sized), asset: usize, b: Qty) -> Decimal {
    if b.0 > Decimal::ZERO {
        info.tiers(asset).counted(b.0)
    } else {
        b.0
    }
}

/// The highest price the search reaches for a short: a thousandfold rise, within the price
/// ceiling and well inside `Decimal`'s range for this quantity.
fn ceiling(q: Decimal, m: Decimal) -> Decimal {
    let by_qty = Decimal::from(1_000_000_000_000_000_000_000_i128).checked_div(q.abs()).unwrap_or(Decimal::MAX);
    (m * Decimal::from(1000)).min(Decimal::from(limits::MAX_PRICE)).min(by_qty)
}

/// The nearest price `x` to `m`, in either direction, where
/// `f0 + slope·(x − m) − (MM(|q|x) − MM(|q|m)) = 0`: usually against the position, but an
/// account holding more of the asset the other way (collateral in it against a short, a loan of
/// it against a long) is liquidated by a move in the position's favour.
fn nearest_crossing(q: Decimal, m: Decimal, f0: Decimal, slope: Decimal, b: &Brackets) -> Option<Decimal> {
    let qa = q.abs();
    let n = Money(qa * m);
    let here = b.tier_index(n);
    let line = Line { qa, sm_f0: slope * m - f0, mm0: b.mm(n).0, slope, rows: b.rows() };
    // segments in the order the price reaches them; a rise stops at the search's ceiling
    let down = (0..=here).rev().find_map(|k| line.root(k, |x| x < m && x > Decimal::ZERO));
    let mut top = None;
    let up =
        (here..b.rows().len()).find_map(|k| line.root(k, |x| x > m && x <= *top.get_or_insert_with(|| ceiling(q, m))));
    match (down, up) {
        (Some(d), Some(u)) => Some(if m - d <= u - m { d } else { u }),
        (d, u) => d.or(u),
    }
}

/// `f(x) = f0 + slope·(x − m) − (|q|·x·rate − cum − mm0)` on the brackets' segments.
struct Line<'a> {
    qa: Decimal,
    /// `slope·m − f0`
    sm_f0: Decimal,
    /// the maintenance margin at `m`
    mm0: Decimal,
    slope: Decimal,
    rows: &'a [(Money, Ratio, Money)],
}

impl Line<'_> {
    /// The root on segment `k`, if it lies in the segment and `beyond` accepts it (checked first:
    /// the segment's bounds cost two divisions).
    fn root(&self, k: usize, mut beyond: impl FnMut(Decimal) -> bool) -> Option<Decimal> {
        let (floor, rate, cum) = self.rows[k];
        let denom = self.slope - self.qa * rate.0;
        if denom.is_zero() {
            return None;
        }
        let x = (self.sm_f0 - cum.0 - self.mm0).checked_div(denom)?;
        if !beyond(x) {
            return None;
        }
        let lo = floor.0.checked_div(self.qa).unwrap_or(Decimal::ZERO);
        let hi = self.rows.get(k + 1).and_then(|r| r.0 .0.checked_div(self.qa));
        (x >= lo && hi.is_none_or(|h| x < h)).then_some(x)
    }
}

/// The root `x` on the tick grid: the first tick from the price `m` at which the account is
/// liquidatable, checked with `liquidatable` (and one tick back, which must not be). `fall`: the
/// root is below the price.
fn on_grid(
    x: Decimal,
    fall: bool,
    tick: Decimal,
    m: Decimal,
    mut liquidatable: impl FnMut(Decimal) -> bool,
) -> LiqPrice {
    let Some(ticks) = x.checked_div(tick) else {
        return LiqPrice::At(Price(x)); // a tick too fine to count in: the root itself
    };
    // a fall liquidates at or below the root: the highest tick not above it; a rise at or above
    let mut c = if fall { ticks.floor() * tick } else { ticks.ceil() * tick };
    // The solve is exact to ~1e-28 of the price: a root clearly between two ticks needs no check
    // (f is monotone there); one within 1e-9 of a tick is checked with the engine's snapshot.
    let frac = ticks - ticks.floor();
    let near = Decimal::new(1, 9);
    if c > Decimal::ZERO && frac > near && frac < Decimal::ONE - near {
        return LiqPrice::At(Price(c));
    }
    let (back, on) = if fall { (tick, -tick) } else { (-tick, tick) };
    for _ in 0..4 {
        if c <= Decimal::ZERO {
            return LiqPrice::Beyond;
        }
        if !liquidatable(c) {
            c += on; // (rounding in the solve: one tick further)
        } else if (c + back - m) * (if fall { Decimal::ONE } else { -Decimal::ONE }) < Decimal::ZERO
            && liquidatable(c + back)
        {
            c += back; // one tick back still liquidates: the first tick is nearer
        } else {
            return LiqPrice::At(Price(c));
        }
    }
    LiqPrice::At(Price(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::account::AccountId;
    use crate::engine::margin::Tiers;
    use crate::types::Ratio;

    fn d(s: &str) -> Decimal {
        s.parse().expect("a decimal")
    }

    use crate::engine::margin::FlatInfo as Info;

    fn flat(mmr: &str) -> Info {
        Info(Brackets::flat(Ratio(d(mmr))), Tiers::flat(Ratio::ZERO))
    }

    fn pos(asset: usize, qty: &str, entry: &str, margin: &str) -> margin::Position {
        margin::Position { asset, qty: Qty(d(qty)), entry: Price(d(entry)), margin: Money(d(margin)) }
    }

    fn at(prices: &[&str]) -> Vec<Price> {
        prices.iter().map(|p| Price(d(p))).collect()
    }

    #[test]
    fn isolated_one_bracket_is_the_closed_form_on_the_tick_grid() {
        // Bybit's example: 1 BTC long at 20 000, 50× (margin 400), MMR 0.5 %:
        // P = 20 000 · (1 − 1/50) / (1 − 0.005) = 19 698.4924… → the first tick at or below: 19 698.4
        let a = Account::new(AccountId::Focal, Mode::Isolated, Money::ZERO, vec![], vec![pos(0, "1", "20000", "400")]);
        let p = at(&["20000"]);
        let got = of_position(&a, 0, Valuation::at(&p), Price(d("0.1")), &flat("0.005"));
        assert_eq!(got, LiqPrice::At(Price(d("19698.4"))));
        // a short of the same: P = 20 000 · (1 + 1/50) / (1 + 0.005) = 20 298.507… → 20 298.6
        let s = Account::new(AccountId::Focal, Mode::Isolated, Money::ZERO, vec![], vec![pos(0, "-1", "20000", "400")]);
        assert_eq!(
            of_position(&s, 0, Valuation::at(&p), Price(d("0.1")), &flat("0.005")),
            LiqPrice::At(Price(d("20298.6")))
        );
    }

    #[test]
    fn isolated_with_brackets_reselects_the_bracket_at_the_liquidation_notional() {
        // 10 BTC long at 50 000 on 50 000 USD (10×), brackets 0.4 % to 50 000, 0.5 % to 250 000,
        // 1 % above (cum 50 and 1 300). At the entry the notional is 500 000 (1 %); the root in
        // the 1 % bracket: 50 000 + 10(P − 50 000) = 0.1·P − 1 300 → P = 448 700 / 9.9 = 45 323.23…,
        // notional 453 232 ≥ 250 000: inside it. Tick 1 → 45 323; margin.rs's closed form agrees.
        let b = Brackets::new(&[
            (Money(d("0")), Ratio(d("0.004"))),
            (Money(d("50000")), Ratio(d("0.005"))),
            (Money(d("250000")), Ratio(d("0.01"))),
        ]);
        let info = Info(b.clone(), Tiers::flat(Ratio::ZERO));
        let a =
            Account::new(AccountId::Focal, Mode::Isolated, Money::ZERO, vec![], vec![pos(0, "10", "50000", "50000")]);
        let p = at(&["50000"]);
        assert_eq!(of_position(&a, 0, Valuation::at(&p), Price(d("1")), &info), LiqPrice::At(Price(d("45323"))));
        let exact = margin::liquidation_price(Qty(d("10")), Price(d("50000")), Money(d("50000")), &b).unwrap();
        assert_eq!(exact.0.floor(), d("45323"));
    }

    #[test]
    fn in_cross_the_other_position_moves_the_liquidation_price() {
        // 10 000 USD, long 1 BTC at 100 000 and 10 ETH at 3 500, MM 0.5 % flat. BTC's price x:
        // 10 000 + (x − 100 000) − 0.005·x − 0.005·35 000 = 0 → x = 90 175 / 0.995 = 90 628.14…
        let a = Account::new(
            AccountId::Focal,
            Mode::Cross,
            Money(d("10000")),
            vec![],
            vec![pos(0, "1", "100000", "0"), pos(1, "10", "3500", "0")],
        );
        let info = flat("0.005");
        let p = at(&["100000", "3500"]);
        assert_eq!(of_position(&a, 0, Valuation::at(&p), Price(d("0.1")), &info), LiqPrice::At(Price(d("90628.1"))));
        // ETH at 3 000 (−5 000 USD, MM on 30 000): x·0.995 = 95 150 → 95 628.14… → 95 628.1
        let p = at(&["100000", "3000"]);
        assert_eq!(of_position(&a, 0, Valuation::at(&p), Price(d("0.1")), &info), LiqPrice::At(Price(d("95628.1"))));
        // and ETH's own, with BTC at 100 000: 10 000 + 10(y − 3 500) − 0.05·y − 500 = 0 → y = 25 500 / 9.95
        // = 2 562.81… → 2 562.81 (tick 0.01)
        let p = at(&["100000", "3500"]);
        assert_eq!(of_position(&a, 1, Valuation::at(&p), Price(d("0.01")), &info), LiqPrice::At(Price(d("2562.81"))));
    }

    #[test]
    fn collateral_in_the_asset_moves_with_it_and_no_price_is_said_so() {
        // 1 BTC of collateral (no haircut) backing a 1 BTC long at 100 000, no cash: the account
        // is worth 2x − 100 000 against 0.005x of MM: x = 100 000 / 1.995 = 50 125.31… → 50 125.3
        let a = Account::new(
            AccountId::Focal,
            Mode::Cross,
            Money::ZERO,
            vec![(0, Qty(d("1")))],
            vec![pos(0, "1", "100000", "0")],
        );
        let p = at(&["100000"]);
        assert_eq!(
            of_position(&a, 0, Valuation::at(&p), Price(d("0.1")), &flat("0.005")),
            LiqPrice::At(Price(d("50125.3")))
        );
        // a long fully paid for in cash: no price liquidates it
        let safe =
            Account::new(AccountId::Focal, Mode::Cross, Money(d("200000")), vec![], vec![pos(0, "1", "100000", "0")]);
        assert_eq!(of_position(&safe, 0, Valuation::at(&p), Price(d("0.1")), &flat("0.005")), LiqPrice::Beyond);
        // already below maintenance
        let gone =
            Account::new(AccountId::Focal, Mode::Cross, Money(d("100")), vec![], vec![pos(0, "1", "100000", "0")]);
        assert_eq!(of_position(&gone, 0, Valuation::at(&p), Price(d("0.1")), &flat("0.005")), LiqPrice::Already);
        assert_eq!(of_position(&gone, 1, Valuation::at(&p), Price(d("0.1")), &flat("0.005")), LiqPrice::Closed);
    }
}
