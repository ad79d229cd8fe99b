//! The backstop vault, checked by hand: who it takes over, at which price, that it moves no price,
//! and its result.

mod common;
use common::*;
use margin_cascade::engine::account::AccountId;
use margin_cascade::engine::liquidation::EventKind;
use margin_cascade::types::{Money, Price, Qty};
use serde_json::json;

/// One asset at 100 (MMR 1 %, no noise, a book that a forced sale would move), your cross long of
/// 10 on 60 USD. BTC falls 5.5 % to 94.50 at step 1: equity 60 + 10 × (94.50 − 100) = 5 against a
/// maintenance margin of 1 % × 945 = 9.45; 5 < 2/3 × 9.45 = 6.30, so the vault takes it over.
/// BTC recovers 4 % to 98.28 at step 3.
fn scenario(backstop: bool) -> serde_json::Value {
    let mut v = json!({
        "version": 3, "steps": 5, "noise": false,
        "assets": [{"symbol": "BTC", "price": "100", "tick": "0.01", "sigma": 0.5, "depth_usd": "20000",
                    "mm_brackets": [{"floor": "0", "mmr": "0.01"}]}],
        "shocks": [{"step": 1, "symbol": "BTC", "percent": -5.5}, {"step": 3, "symbol": "BTC", "percent": 4}],
        "focal": {"collateral": {"USD": "60"}, "positions": [{"asset": "BTC", "side": "long", "quantity": "10"}]},
        "crowd": {"accounts": 0}
    });
    if backstop {
        v["liquidation"] = json!({"backstop_below_mm": "0.6666666667"});
    }
    v
}

#[test]
fn the_vault_takes_the_account_over_at_the_mark_and_moves_no_price() {
    let o = run(scenario(true));
    let ev: Vec<&EventKind> = o.main.events.iter().filter(|e| e.account == AccountId::Focal).map(|e| &e.kind).collect();
    // the position passes at 94.50, realising 10 × (94.50 − 100) = −55; the 5 USD left go with it
    let d_ = |s: &str| d(s);
    assert_eq!(
        ev,
        vec![
            &EventKind::Backstop {
                asset: 0,
                quantity: Qty(d_("-10")),
                price: Price(d_("94.50")),
                realized_pnl: Money(d_("-55")),
                collateral: false
            },
            &EventKind::BackstopCash { amount: Money(d_("5")) },
        ]
    );
    assert_eq!(o.main.events.iter().filter(|e| e.step == 1).count(), 2);
    // nothing was sold: the market is the index at every step
    assert_eq!(o.main.series.price, o.main.series.exogenous_price);
    assert!(o.main.series.impact_pct[0].iter().all(|x| *x == 0.0));
    let b = o.summary.backstop.as_ref().expect("a takeover");
    // the vault holds 10 BTC from 94.50 and 5 USD: at 98.28, 5 + 10 × 3.78 = 42.80
    assert_eq!(
        (b.takeovers, b.notional, b.transferred, b.result),
        (1, Money(d("945")), Money(d("5")), Money(d("42.8")))
    );
    assert_eq!(b.focal_step, Some(1));
    assert_eq!(o.summary.focal_liquidated_step, Some(1), "a takeover is a liquidation of your account");
    assert_eq!((o.summary.final_equity, o.summary.bad_debt), (Money::ZERO, Money::ZERO));
    assert!(margin_cascade::engine::conservation::check(&o.main).exact);
    // the margin chart marks it
    let marks = margin_cascade::output::chart::ChartData::from_outcome(&o).liquidations;
    assert_eq!(marks.iter().map(|m| (m.step, m.label.as_str())).collect::<Vec<_>>(), vec![(1, "BTC (backstop)")]);
}

#[test]
fn without_the_backstop_the_same_account_is_sold_into_the_book() {
    let o = run(scenario(false));
    assert!(o.summary.backstop.is_none());
    assert!(o.main.events.iter().any(|e| matches!(e.kind, EventKind::Liquidation { .. })));
    // its sale moved the market below the index
    assert!(o.main.series.price[0][1] < o.main.series.exogenous_price[0][1]);
    assert!(o.rules_matter.backstop, "the account was below 2/3 of its margin: a backstop would have acted");
}

#[test]
fn an_isolated_position_passes_alone_with_its_margin() {
    // the same long, isolated with 60 USD of margin, beside an ETH position that stays healthy
    let mut v = scenario(true);
    v["assets"].as_array_mut().unwrap().push(json!({"symbol": "ETH", "price": "10", "tick": "0.01", "sigma": 0.5,
        "depth_usd": "20000", "mm_brackets": [{"floor": "0", "mmr": "0.01"}]}));
    v["shocks"][0]["own"] = json!(true);
    v["shocks"][1]["own"] = json!(true);
    v["focal"] = json!({"mode": "isolated", "collateral": {"USD": "200"},
        "positions": [{"asset": "BTC", "side": "long", "quantity": "10", "margin_usd": "60"},
                      {"asset": "ETH", "side": "long", "quantity": "10", "margin_usd": "50"}]});
    let o = run(v);
    // BTC's position (margin 60 + PnL −55 = 5 < 6.30) passes with its 5 USD; ETH and the wallet's 90 stay
    let f = o.main.focal();
    assert_eq!(f.positions.len(), 1);
    assert_eq!(o.symbols[f.positions[0].asset], "ETH");
    assert_eq!(f.cash, Money(d("90")));
    assert_eq!(o.summary.backstop.as_ref().map(|b| (b.takeovers, b.transferred)), Some((1, Money(d("5")))));
    assert!(margin_cascade::engine::conservation::check(&o.main).exact);
}
