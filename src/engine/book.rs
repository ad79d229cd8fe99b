//! One book, two margin modes.
//!
//! A *book* is what an account holds: a wallet (USD, which may be negative — a loan — and asset
//! balances) and positions. Each position may also carry a *margin ask*: the isolated margin the
//! trader wants behind it (`margin_usd`, or notional ÷ `leverage`). The margin mode is how the
//! venue margins the book, and this module is the one place that says how:
//!
//! * **Cross**: everything is pooled. The wallet backs every position; the asks are ignored (a
//!   leverage was only how the size was chosen).
//! * **Isolated**: each position lives on its own USD margin. The book's *capital* is its
//!   collateral value at the opening prices (USD, plus each asset balance after its haircut).
//!   Positions get their asks when the asks fit in the capital; positions without an ask share
//!   what the asks leave, pro rata by notional. When the asks exceed the capital, every position
//!   gets a pro-rata share of the capital by notional instead. The margins are paid out of the
//!   wallet's USD first; when that is short, asset balances are converted at their collateral
//!   value (stable ones first, then the lowest haircut first), only as much as needed. What is
//!   left stays in the wallet, which an isolated liquidation never touches.
//!
//! Both modes start from the same capital: the opening equity is the same. The main run and the
//! other-mode counterfactual are both made here from the same book, so the cross run of a book
//! is the same whichever mode the scenario names (the mode only chooses which run is the main one).

use super::account::{AccountInit, Mode};
use super::asset::Asset;
use super::margin::{self, AssetInfo, Position};
use crate::types::{Money, Price, Qty};
use rust_decimal::Decimal;

/// A position of a book, before any margin mode.
#[derive(Clone, Debug, PartialEq)]
pub struct BookPosition {
    pub asset: usize,
    pub qty: Qty,
    pub entry: Price,
    /// The isolated margin asked for (USD), if any.
    pub ask: Option<Money>,
}

impl BookPosition {
    pub fn notional(&self) -> Money {
        self.qty.abs() * self.entry
    }
}

/// What an account holds, before the venue margins it.
#[derive(Clone, Debug, PartialEq)]
pub struct Book {
    pub name: String,
    /// USD in the wallet, margins not yet posted (negative: a loan).
    pub cash: Money,
    pub balances: Vec<(usize, Qty)>,
    pub positions: Vec<BookPosition>,
}

/// Why a book cannot be margined in a mode.
#[derive(Clone, Debug, PartialEq)]
pub enum BookError {
    /// Isolated margins need capital, and the book's collateral is worth this much (≤ 0).
    NoCapital(Money),
}

impl std::fmt::Display for BookError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BookError::NoCapital(c) => write!(
                f,
                "isolated positions need margin, but the account's collateral is worth {} USD at the opening prices",
                c.round_dp(2)
            ),
        }
    }
}

fn round_up_8(q: Decimal) -> Decimal {
    q.round_dp_with_strategy(8, rust_decimal::RoundingStrategy::AwayFromZero)
}

impl Book {
    /// The collateral value at the opening prices (after haircuts; a loan counts in full).
    pub fn capital(&self, assets: &[Asset]) -> Money {
        let prices: Vec<Price> = assets.iter().map(|a| a.price0).collect();
        margin::collateral_value(self.cash, &self.balances, &prices, assets)
    }

    /// The book as the venue margins it in `mode`.
    pub fn margined(&self, mode: Mode, assets: &[Asset]) -> Result<AccountInit, BookError> {
        match mode {
            Mode::Cross => Ok(self.cross()),
            Mode::Isolated => self.isolated(assets),
        }
    }

    /// Cross margining: everything pooled (always possible).
    pub fn cross(&self) -> AccountInit {
        AccountInit {
            name: self.name.clone(),
            mode: Mode::Cross,
            cash: self.cash,
            balances: self.balances.clone(),
            positions: self.positions.iter().map(|p| position(p, Money::ZERO)).collect(),
        }
    }

    /// The isolated margin of each position (see the module docs).
    pub fn isolated_margins(&self, assets: &[Asset]) -> Result<Vec<Money>, BookError> {
        let capital = self.capital(assets);
        if self.positions.is_empty() {
            return Ok(vec![]);
        }
        if capital.0 <= Decimal::ZERO {
            return Err(BookError::NoCapital(capital));
        }
        let asked: Money = self.positions.iter().filter_map(|p| p.ask).sum();
        let all: Vec<usize> = (0..self.positions.len()).collect();
        let open: Vec<usize> = all.iter().copied().filter(|&i| self.positions[i].ask.is_none()).collect();
        let mut margins: Vec<Money> = self.positions.iter().map(|p| p.ask.unwrap_or(Money::ZERO)).collect();
        if asked > capital || (!open.is_empty() && asked == capital) {
            // the asks do not fit (or leave nothing for the others): everyone shares the capital
            self.split_pro_rata(&mut margins, &all, capital);
        } else if !open.is_empty() {
            self.split_pro_rata(&mut margins, &open, capital - asked);
        }
        Ok(margins)
    }

    /// Give `amount` to the positions `which`, pro rata by notional, 8 decimals, the last taking
    /// the remainder so that the split adds up exactly.
    fn split_pro_rata(&self, margins: &mut [Money], which: &[usize], amount: Money) {
        let total: Money = which.iter().map(|&i| self.positions[i].notional()).sum();
        let mut given = Money::ZERO;
        for (k, &i) in which.iter().enumerate() {
            let m = if k + 1 == which.len() || total.is_zero() {
                amount - given
            } else {
                // share first, then amount: the product of two amounts near the limit would overflow
                let share = self.positions[i].notional().0 / total.0;
                Money(amount.0.checked_mul(share).unwrap_or(amount.0).round_dp(8))
            };
            margins[i] = m;
            given += m;
        }
    }

    /// Isolated margining (see the module docs).
    pub fn isolated(&self, assets: &[Asset]) -> Result<AccountInit, BookError> {
        let margins = self.isolated_margins(assets)?;
        let posted: Money = margins.iter().copied().sum();
        let mut cash = self.cash;
        let mut balances = self.balances.clone();
        // Pay the margins from USD; convert assets at their collateral value for what is short.
        let mut order: Vec<usize> = (0..balances.len()).filter(|&k| balances[k].1 .0 > Decimal::ZERO).collect();
        order.sort_by(|&a, &b| {
            let (ia, ib) = (balances[a].0, balances[b].0);
            assets
                .stable(ib)
                .cmp(&assets.stable(ia))
                .then(assets.haircut(ia).cmp(&assets.haircut(ib)))
                .then(ia.cmp(&ib))
        });
        for k in order {
            if cash >= posted {
                break;
            }
            // the units converted come off the top of the balance, through its collateral tiers
            let (a, bal) = balances[k];
            let (p0, tiers) = (assets[a].price0.0, &assets[a].tiers);
            let counted = tiers.counted(bal.0);
            if counted <= Decimal::ZERO || p0 <= Decimal::ZERO {
                continue;
            }
            let q = round_up_8(tiers.off_top(bal.0, (posted - cash).0, p0)).min(bal.0);
            cash += Money(p0 * counted - p0 * tiers.counted(bal.0 - q));
            balances[k].1 = Qty(bal.0 - q);
        }
        balances.retain(|(_, b)| !b.is_zero());
        let positions = self.positions.iter().zip(&margins).map(|(p, m)| position(p, *m)).collect();
        Ok(AccountInit { name: self.name.clone(), mode: Mode::Isolated, cash: cash - posted, balances, positions })
    }
}

fn position(p: &BookPosition, margin: Money) -> Position {
    Position { asset: p.asset, qty: p.qty, entry: p.entry, margin }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::margin::Brackets;
    use crate::types::Ratio;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }
    fn asset(sym: &str, price: &str, haircut: &str, stable: bool) -> Asset {
        Asset {
            symbol: sym.into(),
            price0: Price(d(price)),
            tick: Price(d("0.01")),
            tick_f: 0.01,
            sigma: if stable { 0.0 } else { 0.5 },
            depth_usd: 1e8,
            decay: 1.0,
            daily_volume_usd: 1e9,
            haircut: Ratio(d(haircut)),
            tiers: crate::engine::margin::Tiers::flat(Ratio(d(haircut))),
            stable,
            brackets: Brackets::flat(Ratio(d("0.005"))),
            collateral_price: crate::engine::pricing::Source::Market,
        }
    }
    fn pos(asset: usize, qty: &str, entry: &str, ask: Option<&str>) -> BookPosition {
        BookPosition { asset, qty: Qty(d(qty)), entry: Price(d(entry)), ask: ask.map(|a| Money(d(a))) }
    }
    fn book(cash: &str, balances: Vec<(usize, &str)>, positions: Vec<BookPosition>) -> Book {
        Book {
            name: "t".into(),
            cash: Money(d(cash)),
            balances: balances.into_iter().map(|(a, q)| (a, Qty(d(q)))).collect(),
            positions,
        }
    }
    fn market() -> Vec<Asset> {
        vec![
            asset("BTC", "100000", "0.02", false),
            asset("ETH", "3500", "0.03", false),
            asset("USDX", "1", "0.05", true),
        ]
    }
    fn equity(a: &AccountInit, assets: &[Asset]) -> Money {
        let prices: Vec<Price> = assets.iter().map(|x| x.price0).collect();
        margin::snapshot(
            a.cash,
            &a.balances,
            &a.positions,
            a.mode == Mode::Isolated,
            margin::Valuation::at(&prices),
            assets,
        )
        .equity
    }

    #[test]
    fn asks_that_exceed_the_capital_become_a_pro_rata_split() {
        // 10 000 USD behind BTC 100 000 and ETH 50 000, each asking 1/10 (10 000 + 5 000 > 10 000):
        // BTC 10 000 · 100 000 / 150 000 = 6 666.66666667, ETH the remainder 3 333.33333333
        let assets = market();
        let b = book("10000", vec![], vec![pos(0, "1", "100000", Some("10000")), pos(1, "20", "2500", Some("5000"))]);
        let m = b.isolated_margins(&assets).unwrap();
        assert_eq!(m[0], Money(d("6666.66666667")));
        assert_eq!(m[1], Money(d("3333.33333333")));
        let iso = b.margined(Mode::Isolated, &assets).unwrap();
        assert_eq!(iso.cash, Money::ZERO);
    }

    #[test]
    fn asks_that_fit_are_kept_and_the_rest_stays_in_the_wallet() {
        // 30 000 USD and 50 ETH; asks 7 500 + 7 500 come out of the USD: 15 000 USD and the ETH stay
        let assets = market();
        let b = book(
            "30000",
            vec![(1, "50")],
            vec![pos(0, "0.9", "100000", Some("7500")), pos(1, "20", "3500", Some("7500"))],
        );
        let iso = b.margined(Mode::Isolated, &assets).unwrap();
        assert_eq!(iso.cash, Money(d("15000")));
        assert_eq!(iso.balances, vec![(1, Qty(d("50")))]);
        assert_eq!(iso.positions.iter().map(|p| p.margin).collect::<Vec<_>>(), vec![Money(d("7500")); 2]);
    }

    #[test]
    fn positions_without_an_ask_share_what_the_asks_leave() {
        // capital 20 000; BTC asks 5 000; ETH 70 000 and SOL-like 30 000 of notional share 15 000:
        // 15 000 · 70/100 = 10 500 and 4 500
        let assets = market();
        let b = book(
            "20000",
            vec![],
            vec![pos(0, "0.5", "100000", Some("5000")), pos(1, "20", "3500", None), pos(1, "20", "1500", None)],
        );
        let m = b.isolated_margins(&assets).unwrap();
        assert_eq!(m, vec![Money(d("5000")), Money(d("10500")), Money(d("4500"))]);
    }

    #[test]
    fn asset_collateral_is_converted_at_its_collateral_value_only_as_far_as_needed() {
        // 25 000 USDX (5 % haircut): capital 23 750; asks 15 000 + 7 500 = 22 500 fit. No USD, so
        // USDX is converted: ⌈22 500 / 0.95⌉ = 23 684.21052632 USDX → 22 500.000000004 USD.
        let assets = market();
        let b = book(
            "0",
            vec![(2, "25000")],
            vec![pos(0, "1.2", "100000", Some("15000")), pos(1, "17.14285714", "3500", Some("7500"))],
        );
        let iso = b.margined(Mode::Isolated, &assets).unwrap();
        assert_eq!(iso.balances, vec![(2, Qty(d("1315.78947368")))]);
        assert_eq!(iso.cash, Money(d("0.000000004")));
        // the same capital in both modes: opening equity 23 750
        assert_eq!(equity(&iso, &assets), Money(d("23750")));
        assert_eq!(equity(&b.margined(Mode::Cross, &assets).unwrap(), &assets), Money(d("23750")));
    }

    #[test]
    fn a_book_worth_nothing_cannot_be_margined_isolated() {
        let assets = market();
        let b = book("-100", vec![], vec![pos(0, "1", "100000", None)]);
        assert_eq!(b.isolated_margins(&assets), Err(BookError::NoCapital(Money(d("-100")))));
        assert!(b.margined(Mode::Cross, &assets).is_ok());
    }
}
