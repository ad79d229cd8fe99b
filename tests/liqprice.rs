//! Liquidation prices against the engine itself: moving the asset (feedback off, no noise, every
//! other price still) to the reported price liquidates the account at that step, and to one tick
//! short of it does not — cross and isolated, long and short, with brackets, collateral in the
//! asset and a second position.

use margin_cascade::engine::liqprice::LiqPrice;
use margin_cascade::{simulate, Model, Scenario};
use proptest::prelude::*;
use serde_json::{json, Value};

/// The focal account's liquidation price of position `k` at the opening.
fn opening(s: &Scenario, k: usize) -> (LiqPrice, rust_decimal::Decimal, rust_decimal::Decimal) {
    let m = Model::from_scenario(s).unwrap();
    let o = simulate(&m);
    let a = o.main.focal_assets[k];
    (o.main.series.focal_liquidation_price[k][0], m.assets[a].price0.0, m.assets[a].tick.0)
}

/// Whether the account is liquidated at step 1 when the asset of position `k` is moved there to `price`.
fn liquidated_at(mut v: Value, sym: &str, p0: rust_decimal::Decimal, price: rust_decimal::Decimal) -> bool {
    let pct = (price / p0 - rust_decimal::Decimal::ONE) * rust_decimal::Decimal::ONE_HUNDRED;
    let pct: f64 = pct.to_string().parse().unwrap();
    v["shocks"] = json!([{"step": 1, "symbol": sym, "percent": pct, "own": true}]);
    let s: Scenario = serde_json::from_value(v).unwrap();
    let m = Model::from_scenario(&s).unwrap();
    let o = simulate(&m);
    let landed = o.main.series.price[m.assets.iter().position(|a| a.symbol == sym).unwrap()][1].0;
    assert_eq!(landed, price, "the shock lands on the tick asked for");
    o.summary.focal_liquidated_step == Some(1)
}

/// The default market with no volatility (no drift either: a shock lands exactly where it is
/// aimed), no crowd, feedback off, and `focal` as your account.
fn base(focal: Value) -> Value {
    let mut assets = margin_cascade::engine::scenario::default_assets();
    for a in &mut assets {
        if a.symbol != "USDC" {
            a.sigma = 0.0;
            a.stable = Some(false);
        }
    }
    json!({"version": 3, "steps": 3, "noise": false, "feedback": false, "crowd": {"accounts": 0},
           "assets": assets, "focal": focal})
}

fn check(v: Value, k: usize, sym: &str) -> rust_decimal::Decimal {
    let s: Scenario = serde_json::from_value(v.clone()).unwrap();
    let (l, p0, tick) = opening(&s, k);
    let LiqPrice::At(p) = l else { panic!("{sym}: no liquidation price: {l:?}") };
    let long = p.0 < p0;
    let before = if long { p.0 + tick } else { p.0 - tick };
    assert!(liquidated_at(v.clone(), sym, p0, p.0), "{sym}: at {p:?} the account is liquidated");
    assert!(!liquidated_at(v, sym, p0, before), "{sym}: one tick short of it ({before}) it is not");
    p.0
}

#[test]
fn cross_two_positions_each_price_is_where_the_engine_liquidates() {
    let focal = json!({"mode": "cross", "collateral": {"USD": "10000"}, "positions": [
        {"asset": "BTC", "notional_usd": "100000", "leverage": "10"},
        {"asset": "ETH", "notional_usd": "50000", "leverage": "10"}]});
    check(base(focal.clone()), 0, "BTC");
    check(base(focal), 1, "ETH");
}

#[test]
fn isolated_short_and_collateral_in_the_asset() {
    let focal = json!({"mode": "isolated", "collateral": {"USD": "60000"}, "positions": [
        {"asset": "BTC", "side": "short", "notional_usd": "1000000", "leverage": "20"},
        {"asset": "ETH", "notional_usd": "50000", "leverage": "8"}]});
    check(base(focal.clone()), 0, "BTC");
    check(base(focal), 1, "ETH");
    let focal = json!({"mode": "cross", "collateral": {"USD": "2000", "ETH": "5"}, "positions": [
        {"asset": "ETH", "notional_usd": "60000", "leverage": "10"}]});
    check(base(focal), 0, "ETH");
}

/// An account holding more of the asset the other way than its position fails on a move in the
/// position's favour: a short against BTC collateral on a dollar loan (a basis trade) falls, a
/// long against a larger BTC loan rises.
#[test]
fn a_move_in_the_positions_favour_can_be_the_one_that_liquidates() {
    let basis = json!({"mode": "cross", "collateral": {"USD": "-150000", "BTC": "3"}, "positions": [
        {"asset": "BTC", "side": "short", "notional_usd": "100000", "leverage": "10"}]});
    let p = check(base(basis), 0, "BTC");
    assert!(p < rust_decimal::Decimal::from(100_000), "a fall: {p}");
    let loan = json!({"mode": "cross", "collateral": {"USD": "400000", "BTC": "-3"}, "positions": [
        {"asset": "BTC", "notional_usd": "100000", "leverage": "10"}]});
    let p = check(base(loan), 0, "BTC");
    assert!(p > rust_decimal::Decimal::from(100_000), "a rise: {p}");
}

/// A price so fine-ticked that the root counts more ticks than a decimal holds: no panic.
#[test]
fn a_tick_too_fine_to_count_gives_the_root_itself() {
    let mut assets = margin_cascade::engine::scenario::default_assets();
    assets[0].price = margin_cascade::types::Price("1000000000".parse().unwrap());
    assets[0].tick = margin_cascade::types::Price("0.0000000000000000001".parse().unwrap());
    let v = json!({"version": 3, "steps": 3, "noise": false, "feedback": false, "crowd": {"accounts": 0}, "assets": assets,
        "focal": {"mode": "cross", "collateral": {"USD": "10000000000"}, "positions": [
            {"asset": "BTC", "side": "short", "notional_usd": "1000000000", "leverage": "1"}]}});
    let s: Scenario = serde_json::from_value(v).unwrap();
    let (l, p0, _) = opening(&s, 0);
    assert!(matches!(l, LiqPrice::At(p) if p.0 > p0), "{l:?}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    #[test]
    fn one_tick_beyond_liquidates_one_tick_before_does_not(
        cash in 2_000u32..60_000, btc in 10_000u32..3_000_000, eth in 0u32..500_000,
        short in prop::bool::ANY, isolated in prop::bool::ANY, lev in 2u32..50,
    ) {
        let mut positions = vec![json!({"asset": "BTC", "side": if short {"short"} else {"long"},
                                        "notional_usd": btc.to_string(), "leverage": lev.to_string()})];
        if eth > 0 {
            positions.push(json!({"asset": "ETH", "notional_usd": eth.to_string(), "leverage": lev.to_string()}));
        }
        let focal = json!({"mode": if isolated {"isolated"} else {"cross"}, "collateral": {"USD": cash.to_string()}, "positions": positions});
        let v = base(focal);
        let Ok(s) = serde_json::from_value::<Scenario>(v.clone()) else { return Ok(()) };
        let Ok(m) = Model::from_scenario(&s) else { return Ok(()) }; // (a book that opens invalid)
        let o = simulate(&m);
        let tick = m.assets[o.main.focal_assets[0]].tick.0;
        let p0 = m.assets[o.main.focal_assets[0]].price0.0;
        if let LiqPrice::At(p) = o.main.series.focal_liquidation_price[0][0] {
            // (a move of more than 95 % is left out: the shock's percent loses the tick there)
            prop_assume!((p.0 / p0 - rust_decimal::Decimal::ONE).abs() < rust_decimal::Decimal::new(95, 2));
            let before = if short { p.0 - tick } else { p.0 + tick };
            prop_assert!(liquidated_at(v.clone(), "BTC", p0, p.0));
            prop_assert!(!liquidated_at(v, "BTC", p0, before));
        }
    }
}

/// The price chart draws your liquidation prices, as a line that ends where the position closes.
#[test]
fn the_price_chart_draws_your_liquidation_prices() {
    use margin_cascade::output::chart::{svg, ChartData, Sheet, LIGHT};
    let m = Model::from_scenario(&margin_cascade::share::presets::get("contagion").unwrap().scenario()).unwrap();
    let o = simulate(&m);
    let d = ChartData::from_outcome(&o);
    let btc = d.assets.iter().find(|a| a.symbol == "BTC").unwrap();
    let closed = o.summary.focal_liquidated_step.unwrap();
    assert!(btc.liq[..closed].iter().all(|v| *v > 0.0), "a price at every step before the liquidation");
    assert!(btc.liq_change_pct[closed..].iter().all(|v| v.is_nan()), "none after it");
    // ETH's slide lifts BTC's liquidation price towards BTC's (unmoved) price
    assert!(btc.liq_change_pct[closed - 1] > btc.liq_change_pct[0] + 5.0);
    let picture = svg(&d, &Sheet::new(900, 300), &LIGHT).unwrap();
    assert!(picture.contains("BTC your liquidation price") && picture.contains("ETH your liquidation price"));
}
