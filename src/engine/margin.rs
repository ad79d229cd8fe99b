//! Margin math: pure functions that value an account at given prices (a snapshot, like
//! mango-v4's health cache). Nothing here changes an account; `liquidation.rs` acts on the
//! snapshot.

use crate::types::{Money, Price, Qty, Ratio};
use rust_decimal::Decimal;

/// Tiered maintenance margin: `MM = N · mmr(tier) − cum(tier)`, with
/// `cum_n = floor_n · (mmr_n − mmr_(n−1)) + cum_(n−1)` so that MM is continuous in N.
#[derive(Clone, Debug, PartialEq)]
pub struct Brackets {
    /// (floor, mmr, cum), floors ascending, first floor 0.
    rows: Vec<(Money, Ratio, Money)>,
    /// The same rows as f64, for the engine's conservative pre-filter only.
    rows_f: Vec<(f64, f64, f64)>,
    /// Each bracket's maximum leverage, where the venue sets one (empty: none).
    max_leverage: Vec<Decimal>,
}

impl Brackets {
    /// Build from (floor, mmr) rows; floors must start at 0 and ascend (checked by validation).
    pub fn new(rows: &[(Money, Ratio)]) -> Brackets {
        let mut out: Vec<(Money, Ratio, Money)> = Vec::with_capacity(rows.len());
        for &(floor, mmr) in rows {
            let cum = match out.last() {
                None => Money::ZERO,
                Some(&(_, prev_mmr, prev_cum)) => Money(floor.0 * (mmr.0 - prev_mmr.0)) + prev_cum,
            };
            out.push((floor, mmr, cum));
        }
        let f = crate::types::dec_to_f64;
        let rows_f = out.iter().map(|(a, b, c)| (f(a.0), f(b.0), f(c.0))).collect();
        Brackets { rows: out, rows_f, max_leverage: vec![] }
    }

    /// The same brackets with a maximum leverage for each (one per row, each ≥ 1: checked by
    /// validation).
    pub fn with_max_leverage(mut self, max: Vec<Decimal>) -> Brackets {
        debug_assert!(max.is_empty() || max.len() == self.rows.len());
        self.max_leverage = max;
        self
    }

    /// The maximum leverage of a position of notional `n` (its bracket's), if the brackets set one.
    pub fn max_leverage(&self, n: Money) -> Option<Decimal> {
        self.max_leverage.get(self.tier_index(n)).copied()
    }

    /// The initial margin a position of notional `n` needs at its bracket's maximum leverage
    /// (`n / max_leverage`), if the brackets set one.
    pub fn initial_margin(&self, n: Money) -> Option<Money> {
        self.max_leverage(n).and_then(|l| n.0.checked_div(l)).map(Money)
    }

    /// Approximate MM in f64 (never used for a decision on its own; see `sim.rs`).
    pub fn mm_f64(&self, n: f64) -> f64 {
        let mut t = self.rows_f[0];
        for r in &self.rows_f {
            if r.0 <= n {
                t = *r;
            } else {
                break;
            }
        }
        n * t.1 - t.2
    }

    pub fn flat(mmr: Ratio) -> Brackets {
        Brackets::new(&[(Money::ZERO, mmr)])
    }

    pub fn rows(&self) -> &[(Money, Ratio, Money)] {
        &self.rows
    }

    fn tier(&self, notional: Money) -> &(Money, Ratio, Money) {
        let mut t = &self.rows[0];
        for r in &self.rows {
            if r.0 <= notional {
                t = r;
            } else {
                break;
            }
        }
        t
    }

    /// The index of the bracket notional `n` falls in (0: the first).
    pub fn tier_index(&self, n: Money) -> usize {
        // from the first (most positions are in the low brackets); floors ascend
        self.rows.iter().skip(1).take_while(|r| r.0 <= n).count()
    }

    /// The floor of bracket `i`, if there is one.
    pub fn floor(&self, i: usize) -> Option<Money> {
        self.rows.get(i).map(|r| r.0)
    }

    /// Maintenance margin at notional `n` (≥ 0).
    pub fn mm(&self, n: Money) -> Money {
        let (_, mmr, cum) = *self.tier(n);
        Money(n.0 * mmr.0 - cum.0)
    }

    /// The rate of the first bracket (used for quick bounds).
    pub fn first_rate(&self) -> Ratio {
        self.rows[0].1
    }
}

/// Collateral tiers: the share of a balance's value that counts as collateral falls with the size
/// of the balance, tier by tier (Bybit's BTC example: 0–10 BTC count 0.98, 10–20 0.95, …, beyond
/// 50 nothing). Each row is (the balance where the tier starts, the ratio that counts) and applies
/// to the part of the balance inside the tier. A flat haircut `h` is the one tier (0, 1 − h).
#[derive(Clone, Debug, PartialEq)]
pub struct Tiers {
    rows: Vec<(Decimal, Decimal)>,
    rows_f: Vec<(f64, f64)>,
}

impl Tiers {
    /// From (start, ratio) rows; starts begin at 0 and ascend (checked by validation).
    pub fn new(rows: &[(Qty, Ratio)]) -> Tiers {
        let f = crate::types::dec_to_f64;
        Tiers {
            rows: rows.iter().map(|(q, r)| (q.0, r.0)).collect(),
            rows_f: rows.iter().map(|(q, r)| (f(q.0), f(r.0))).collect(),
        }
    }

    pub fn flat(haircut: Ratio) -> Tiers {
        Tiers::new(&[(Qty::ZERO, Ratio(Decimal::ONE - haircut.0))])
    }

    /// The haircut of the first tier (what orders collateral sales: highest first).
    pub fn first_haircut(&self) -> Ratio {
        Ratio(Decimal::ONE - self.rows.first().map_or(Decimal::ONE, |r| r.1))
    }

    /// How much of a balance `b` ≥ 0 counts, in units of the asset: Σ ratio · (the part in the tier).
    pub fn counted(&self, b: Decimal) -> Decimal {
        let mut out = Decimal::ZERO;
        for (i, &(from, ratio)) in self.rows.iter().enumerate() {
            if b <= from {
                break;
            }
            let to = self.rows.get(i + 1).map_or(b, |r| r.0.min(b));
            out += (to - from) * ratio;
        }
        out
    }

    /// Whether any part of a balance counts at all.
    pub fn counts_anything(&self) -> bool {
        self.rows.iter().any(|r| r.1 > Decimal::ZERO)
    }

    /// The most any balance counts (in units of the asset), when the last tier counts nothing.
    pub fn most_counted(&self) -> Option<Decimal> {
        let &(from, ratio) = self.rows.last()?;
        ratio.is_zero().then(|| self.counted(from))
    }

    /// [`Tiers::counted`] in f64 (for the engine's conservative pre-filters only).
    pub fn counted_f(&self, b: f64) -> f64 {
        let mut out = 0.0;
        for (i, &(from, ratio)) in self.rows_f.iter().enumerate() {
            if b <= from {
                break;
            }
            let to = self.rows_f.get(i + 1).map_or(b, |r| r.0.min(b));
            out += (to - from) * ratio;
        }
        out
    }

    /// The smallest balance that counts `value` USD at price `p` (building it tier by tier from
    /// the bottom); `None` when no balance counts that much (the last tiers count nothing).
    pub fn balance_for(&self, value: Decimal, p: Decimal) -> Option<Decimal> {
        let mut need = value;
        let mut b = Decimal::ZERO;
        for (i, &(from, ratio)) in self.rows.iter().enumerate() {
            if need <= Decimal::ZERO {
                break;
            }
            let each = p * ratio;
            let width = self.rows.get(i + 1).map(|r| r.0 - from);
            match width {
                Some(w) if w * each < need => {
                    need -= w * each;
                    b = from + w;
                }
                _ if each > Decimal::ZERO => return need.checked_div(each).map(|x| from + x),
                _ => return None,
            }
        }
        Some(b)
    }

    /// How much to take off the top of a balance `b` for its counted value at price `p` to fall by
    /// `value` USD (tier by tier from the top; all of it when it counts less).
    pub fn off_top(&self, b: Decimal, value: Decimal, p: Decimal) -> Decimal {
        let mut need = value;
        let mut q = Decimal::ZERO;
        for (i, &(from, ratio)) in self.rows.iter().enumerate().rev() {
            if b <= from {
                continue;
            }
            let to = self.rows.get(i + 1).map_or(b, |r| r.0.min(b));
            let each = p * ratio;
            if each > Decimal::ZERO && (to - from) * each >= need {
                return q + need / each;
            }
            need -= (to - from) * each;
            q += to - from;
        }
        q
    }
}

/// Everything an account needs to know about one asset to value it.
pub trait AssetInfo {
    fn brackets(&self, asset: usize) -> &Brackets;
    /// The first tier's haircut (orders collateral sales).
    fn haircut(&self, asset: usize) -> Ratio;
    fn tiers(&self, asset: usize) -> &Tiers;
    /// Stable collateral is sold last when a loan is repaid.
    fn stable(&self, asset: usize) -> bool;
}

/// A perpetual position. `margin` is used in isolated mode only.
#[derive(Clone, Debug, PartialEq)]
pub struct Position {
    pub asset: usize,
    pub qty: Qty,
    pub entry: Price,
    pub margin: Money,
}

impl Position {
    pub fn notional(&self, p: Price) -> Money {
        self.qty.abs() * p
    }
    pub fn upnl(&self, p: Price) -> Money {
        Money(self.qty.0 * (p.0 - self.entry.0))
    }
}

/// The prices an account is valued at. Margin is checked on the *mark* price (positions' PnL
/// and maintenance margin); each asset's collateral balances are valued at its *collateral price*
/// (the venue's market or the index); what a sale fetches is estimated at the *market* price.
/// Under the default rules all three are the market price ([`Valuation::at`]).
#[derive(Clone, Copy, Debug)]
pub struct Valuation<'a> {
    pub market: &'a [Price],
    pub mark: &'a [Price],
    pub collateral: &'a [Price],
}

impl<'a> Valuation<'a> {
    /// Everything valued at one price vector.
    pub fn at(prices: &'a [Price]) -> Valuation<'a> {
        Valuation { market: prices, mark: prices, collateral: prices }
    }
}

/// Value of collateral balances: `Σ P·counted(max(b,0)) + Σ min(b,0)·P`, plus USD cash, where
/// `counted` applies the asset's collateral tiers (`b·(1−h)` for a flat haircut `h`).
pub fn collateral_value(
    cash: Money,
    balances: &[(usize, Qty)],
    prices: &[Price],
    info: &(impl AssetInfo + ?Sized),
) -> Money {
    let mut v = cash;
    for &(a, b) in balances {
        let p = prices[a];
        if b.0 > Decimal::ZERO {
            v += Money(p.0 * info.tiers(a).counted(b.0));
        } else {
            v += b * p;
        }
    }
    v
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct PositionHealth {
    pub notional: Money,
    pub mm: Money,
    pub upnl: Money,
}

/// A snapshot of an account at one price vector.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Health {
    /// Collateral value (cross: wallet; isolated: wallet + posted margins).
    pub collateral_value: Money,
    pub upnl: Money,
    pub equity: Money,
    pub mm: Money,
    pub positions: Vec<PositionHealth>,
}

impl Health {
    /// `MM / E`; `None` when E ≤ 0 with exposure (unbounded); 0 without maintenance margin.
    pub fn margin_ratio(&self) -> Option<Ratio> {
        margin_ratio(self.mm, self.equity)
    }
}

pub fn margin_ratio(mm: Money, equity: Money) -> Option<Ratio> {
    if mm.0.is_zero() && equity.0 >= Decimal::ZERO {
        Some(Ratio::ZERO)
    } else if equity.0 <= Decimal::ZERO {
        None
    } else {
        Some(Ratio(mm.0 / equity.0))
    }
}

/// Liquidatable when MR ≥ 100 %, i.e. `MM ≥ E`, for an account with any exposure.
pub fn is_liquidatable(mm: Money, equity: Money, has_exposure: bool) -> bool {
    has_exposure && (equity.0 <= Decimal::ZERO || mm >= equity)
}

/// The initial margin `positions` need at their brackets' maximum leverage, each valued at
/// `price(p)`: Σ notional / maximum over the positions whose brackets set one (`None` when none
/// does; the others need only their maintenance margin).
pub fn initial_margin(
    positions: &[Position],
    price: impl Fn(&Position) -> Price,
    info: &(impl AssetInfo + ?Sized),
) -> Option<Money> {
    let mut need = positions.iter().filter_map(|p| info.brackets(p.asset).initial_margin(p.notional(price(p))));
    let first = need.next()?;
    Some(need.fold(first, |a, b| a + b))
}

/// Unrealised PnL and maintenance margin of a list of positions at `prices`.
pub fn positions_health(positions: &[Position], prices: &[Price], info: &(impl AssetInfo + ?Sized)) -> (Money, Money) {
    let mut upnl = Money::ZERO;
    let mut mm = Money::ZERO;
    for p in positions {
        let px = prices[p.asset];
        upnl += p.upnl(px);
        mm += info.brackets(p.asset).mm(p.notional(px));
    }
    (upnl, mm)
}

/// Full snapshot: positions at the mark, collateral at its price source. For isolated accounts the aggregate equity is wallet + margins + PnL; the
/// per-position figures are what isolated liquidation uses (`margin + upnl` vs `mm`).
pub fn snapshot(
    cash: Money,
    balances: &[(usize, Qty)],
    positions: &[Position],
    isolated: bool,
    v: Valuation<'_>,
    info: &(impl AssetInfo + ?Sized),
) -> Health {
    let mut cv = collateral_value(cash, balances, v.collateral, info);
    if isolated {
        cv += positions.iter().map(|p| p.margin).sum::<Money>();
    }
    let mut h = Health { collateral_value: cv, ..Health::default() };
    h.positions.reserve(positions.len());
    for p in positions {
        let px = v.mark[p.asset];
        let n = p.notional(px);
        let ph = PositionHealth { notional: n, mm: info.brackets(p.asset).mm(n), upnl: p.upnl(px) };
        h.upnl += ph.upnl;
        h.mm += ph.mm;
        h.positions.push(ph);
    }
    h.equity = h.collateral_value + h.upnl;
    h
}

/// Price at which a single position backed by `margin` USD reaches MR = 100 %:
/// solves `margin + q·(P − e) = MM(|q|·P)` bracket by bracket and keeps the bracket that
/// contains the notional at that price (the tier is re-selected at the liquidation notional).
/// `None` if no positive price liquidates it (e.g. a fully collateralised long).
pub fn liquidation_price(qty: Qty, entry: Price, margin: Money, brackets: &Brackets) -> Option<Price> {
    let q = qty.0;
    if q.is_zero() {
        return None;
    }
    let rows = brackets.rows();
    for (i, &(floor, mmr, cum)) in rows.iter().enumerate() {
        // margin + qP − qe = |q|·P·mmr − cum  ⇒  P = (q·e − margin − cum) / (q − |q|·mmr)
        let denom = q - q.abs() * mmr.0;
        if denom.is_zero() {
            continue;
        }
        let p = (q * entry.0 - margin.0 - cum.0).checked_div(denom)?;
        if p <= Decimal::ZERO {
            continue;
        }
        let n = q.abs() * p;
        let upper = rows.get(i + 1).map(|r| r.0 .0);
        if n >= floor.0 && upper.is_none_or(|u| n < u) {
            return Some(Price(p));
        }
    }
    None
}

/// One bracket table and one collateral schedule for every asset: the unit tests' market.
#[cfg(test)]
pub(crate) struct FlatInfo(pub Brackets, pub Tiers);

#[cfg(test)]
impl AssetInfo for FlatInfo {
    fn brackets(&self, _: usize) -> &Brackets {
        &self.0
    }
    fn haircut(&self, _: usize) -> Ratio {
        Ratio::ZERO
    }
    fn tiers(&self, _: usize) -> &Tiers {
        &self.1
    }
    fn stable(&self, _: usize) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }
    fn btcusdt() -> Brackets {
        Brackets::new(&[
            (Money(d("0")), Ratio(d("0.004"))),
            (Money(d("50000")), Ratio(d("0.005"))),
            (Money(d("250000")), Ratio(d("0.01"))),
            (Money(d("1000000")), Ratio(d("0.025"))),
        ])
    }

    #[test]
    fn cum_offsets_follow_the_recursion() {
        // cum_1 = 50 000·(0.005−0.004) + 0 = 50; cum_2 = 250 000·(0.01−0.005) + 50 = 1 300;
        // cum_3 = 1 000 000·(0.025−0.01) + 1 300 = 16 300  (MODEL §8)
        let cums: Vec<Money> = btcusdt().rows().iter().map(|r| r.2).collect();
        assert_eq!(cums, vec![Money(d("0")), Money(d("50")), Money(d("1300")), Money(d("16300"))]);
    }

    #[test]
    fn tiered_mm_table() {
        let b = btcusdt();
        // (notional, expected MM, arithmetic)
        let cases = [
            ("10000", "40", "10 000·0.004"),
            ("50000", "200", "50 000·0.005 − 50 (= 50 000·0.004, continuous)"),
            ("500000", "3700", "500 000·0.01 − 1 300"),
            ("250000", "1200", "250 000·0.01 − 1 300 (= 250 000·0.005 − 50)"),
            ("2000000", "33700", "2 000 000·0.025 − 16 300"),
        ];
        for (n, want, how) in cases {
            assert_eq!(b.mm(Money(d(n))), Money(d(want)), "MM({n}) = {how}");
        }
    }

    /// Bybit's published example: 1 BTC long at 20 000, 50×, maintenance rate 0.5 %. Its
    /// arithmetic: IM = 20 000 / 50 = 400, MM = 20 000 · 0.005 = 100, liquidation price
    /// = 20 000 − (400 − 100) / 1 = 19 700 — with MM taken at the *entry's* notional. The model
    /// takes MM at the notional where it is checked (MODEL §4): `400 + (P − 20 000) = 0.005·P`,
    /// P = 19 600 / 0.995 = 19 698.49, 1.51 lower. At 19 700 the model's ratio is
    /// 98.5 / 100 = 98.5 %: not yet liquidated.
    #[test]
    fn bybits_worked_example_and_where_the_model_differs() {
        let flat = Brackets::flat(Ratio(d("0.005")));
        let (q, entry) = (Qty(d("1")), Price(d("20000")));
        let im = Money(d("20000") / d("50"));
        assert_eq!((im, flat.mm(q * entry)), (Money(d("400")), Money(d("100"))));
        let bybit = entry.0 - (im.0 - flat.mm(q * entry).0) / q.0;
        assert_eq!(bybit, d("19700"));
        let model = liquidation_price(q, entry, im, &flat).unwrap();
        assert_eq!(model.0.round_dp(2), d("19698.49"));
        let at = |p: &str| (flat.mm(q * Price(d(p))), im + Money(q.0 * (d(p) - entry.0)));
        let (mm, eq) = at("19700");
        assert_eq!((mm.0, eq.0), (d("98.500"), d("100")));
        assert!(!is_liquidatable(mm, eq, true));
        let (mm, eq) = at("19698.49");
        assert!(is_liquidatable(mm, eq, true));
    }

    #[test]
    fn isolated_liquidation_prices_of_model_section_8() {
        let b = btcusdt();
        // 10 BTC long at 50 000 with 50 000 margin: tier 2 (floor 250 000) at the liquidation
        // notional: P = (10·50 000 − 50 000 − 1 300) / (10·(1 − 0.01)) = 448 700 / 9.9 = 45 323.23
        let p = liquidation_price(Qty(d("10")), Price(d("50000")), Money(d("50000")), &b).unwrap();
        assert_eq!(p.0.round_dp(2), d("45323.23"));
        // margin balance there = 50 000 + 10·(P − 50 000) = MM = 3 232.32
        let bal = Money(d("50000")) + Money(d("10") * (p.0 - d("50000")));
        assert_eq!(bal.0.round_dp(2), d("3232.32"));
        assert_eq!(b.mm(Qty(d("10")) * p).0.round_dp(2), d("3232.32"));
        // 1 BTC at 50 000 with 5 000 margin: tier 0 (notional < 50 000):
        // P = (50 000 − 5 000 − 0) / (1·(1 − 0.004)) = 45 000 / 0.996 = 45 180.72
        let p = liquidation_price(Qty(d("1")), Price(d("50000")), Money(d("5000")), &b).unwrap();
        assert_eq!(p.0.round_dp(2), d("45180.72"));
    }

    #[test]
    fn flat_rate_formula() {
        // P_liq = P_entry · (1 − 1/L) / (1 − m), for (L, m) pairs
        for (lev, mmr) in [("10", "0.005"), ("15", "0.005"), ("50", "0.01"), ("3", "0.004")] {
            let (lev, mmr) = (d(lev), d(mmr));
            let entry = d("2000");
            let qty = d("5");
            let margin = qty * entry / lev;
            let got = liquidation_price(Qty(qty), Price(entry), Money(margin), &Brackets::flat(Ratio(mmr))).unwrap();
            let want = entry * (Decimal::ONE - Decimal::ONE / lev) / (Decimal::ONE - mmr);
            assert!((got.0 - want).abs() < d("0.0000001"), "L={lev} m={mmr}: {got} vs {want}");
            // short: P_liq = P_entry · (1 + 1/L) / (1 + m)
            let got = liquidation_price(Qty(-qty), Price(entry), Money(margin), &Brackets::flat(Ratio(mmr))).unwrap();
            let want = entry * (Decimal::ONE + Decimal::ONE / lev) / (Decimal::ONE + mmr);
            assert!((got.0 - want).abs() < d("0.0000001"), "short L={lev} m={mmr}: {got} vs {want}");
        }
    }

    #[test]
    fn collateral_tiers_of_bybits_btc_example() {
        // 0–10 BTC count 0.98, 10–20 0.95, 20–30 0.90, 30–40 0.85, 40–50 0.80, beyond 50 nothing
        let rows: Vec<(Qty, Ratio)> =
            [("0", "0.98"), ("10", "0.95"), ("20", "0.90"), ("30", "0.85"), ("40", "0.80"), ("50", "0")]
                .iter()
                .map(|(a, b)| (Qty(d(a)), Ratio(d(b))))
                .collect();
        let t = Tiers::new(&rows);
        // (balance, counted BTC, arithmetic)
        let cases = [
            ("5", "4.9", "5·0.98"),
            ("10", "9.8", "10·0.98"),
            ("25", "23.8", "9.8 + 10·0.95 + 5·0.90"),
            ("50", "44.8", "9.8 + 9.5 + 9 + 8.5 + 8"),
            ("80", "44.8", "the 30 BTC beyond 50 count nothing"),
        ];
        for (b, want, how) in cases {
            assert_eq!(t.counted(d(b)), d(want), "{b} BTC: {how}");
            assert!((t.counted_f(d(b).try_into().unwrap()) - f64::try_from(d(want)).unwrap()).abs() < 1e-9);
        }
        // the inverses, at 20 000 USD a BTC: the smallest balance counting 476 000 USD (23.8 BTC)
        // is 25 BTC; 44.8 BTC (896 000 USD) is all that counts; taking 11 BTC off the top of 25 removes
        // 5·0.90 + 6·0.95 = 10.2 BTC of counted value
        let p = d("20000");
        assert_eq!(t.balance_for(d("476000"), p), Some(d("25")));
        assert_eq!(t.balance_for(d("896000"), p), Some(d("50")));
        assert_eq!(t.balance_for(d("896001"), p), None);
        assert_eq!(t.off_top(d("25"), d("10.2") * p, p), d("11"));
        assert_eq!(t.off_top(d("25"), d("1000000"), p), d("25"));
        // a flat haircut is the one tier
        assert_eq!(Tiers::flat(Ratio(d("0.1"))).counted(d("20")), d("18"));
        assert_eq!(Tiers::flat(Ratio(d("0.1"))).first_haircut(), Ratio(d("0.1")));
    }

    #[test]
    fn margin_ratio_edges() {
        assert_eq!(margin_ratio(Money(d("50")), Money(d("100"))), Some(Ratio(d("0.5"))));
        assert_eq!(margin_ratio(Money(d("50")), Money(d("0"))), None);
        assert_eq!(margin_ratio(Money(d("0")), Money(d("10"))), Some(Ratio::ZERO));
        assert_eq!(margin_ratio(Money(d("0")), Money(d("0"))), Some(Ratio::ZERO)); // nothing left, nothing at risk
        assert_eq!(margin_ratio(Money(d("0")), Money(d("-1"))), None); // an unpaid loan
        assert!(is_liquidatable(Money(d("100")), Money(d("100")), true)); // MR = 100 % exactly
        assert!(!is_liquidatable(Money(d("99.99")), Money(d("100")), true));
        assert!(!is_liquidatable(Money(d("0")), Money(d("-5")), false));
    }
}
