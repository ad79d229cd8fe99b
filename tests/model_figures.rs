//! The hand-checked figures (README, "Tests"): tiered maintenance margin, isolated liquidation
//! prices with the bracket re-selected, the cross-contagion thresholds and the feedback multiplier,
//! through the engine's public API.

mod common;
use common::*;
use margin_cascade::engine::account::Mode;
use margin_cascade::engine::account::{Account, AccountId};
use margin_cascade::engine::liquidation::{self, EventKind, Target};
use margin_cascade::engine::margin::{self, Brackets, Position, Valuation};
use margin_cascade::engine::model::Policy;
use margin_cascade::types::{Money, Price, Qty, Ratio};
use serde_json::json;

/// Two-asset market with a flat 0.5 % maintenance rate, as in the cross-contagion example.
fn contagion_model(mode: &str) -> margin_cascade::Model {
    model(json!({
        "version": 1, "steps": 1, "noise": false,
        "assets": [
            {"symbol": "BTC", "price": "100000", "tick": "0.01", "sigma": 0, "depth_usd": "1000000000", "mm_brackets": [{"floor": "0", "mmr": "0.005"}]},
            {"symbol": "ETH", "price": "2000", "tick": "0.01", "sigma": 0, "depth_usd": "1000000000", "mm_brackets": [{"floor": "0", "mmr": "0.005"}]}
        ],
        "focal": {"mode": mode, "collateral": {"USD": "10000"}, "positions": [
            {"asset": "BTC", "notional_usd": "100000"}, {"asset": "ETH", "notional_usd": "50000"}
        ]},
        "crowd": {"accounts": 0}
    }))
}

fn account(m: &margin_cascade::Model, mode: Mode) -> Account {
    let init = if m.focal.mode == mode { &m.focal } else { &m.focal_other };
    Account::new(AccountId::Focal, init.mode, init.cash, init.balances.clone(), init.positions.clone())
}

/// Prices after BTC and ETH fall by the given fractions.
fn prices(btc_fall: &str, eth_fall: &str) -> Vec<Price> {
    vec![Price(d("100000") * (d("1") - d(btc_fall))), Price(d("2000") * (d("1") - d(eth_fall)))]
}

fn planned_assets(m: &margin_cascade::Model, acc: &Account, p: &[Price]) -> Vec<usize> {
    liquidation::plan(acc, Valuation::at(p), m, Policy::LargestMmFirst, Ratio(d("0.005")))
        .iter()
        .map(|o| match o.target {
            Target::Position(i) => acc.positions[i].asset,
            Target::Collateral(_) => usize::MAX,
        })
        .collect()
}

#[test]
fn cross_contagion_both_falling_liquidates_at_6_1977_pct() {
    // E = 10 000 − 150 000·x, MM = 0.005·150 000·(1 − x) = 750·(1 − x)
    // E = MM  ⇔  9 250 = 149 250·x  ⇔  x = 0.0619765… → −6.1977 %
    let x = d("9250") / d("149250");
    assert_eq!((x * d("100")).round_dp(4), d("6.1977"));
    let m = contagion_model("cross");
    let acc = account(&m, Mode::Cross);
    let just_before = (x - d("0.00001")).to_string();
    let just_after = (x + d("0.00001")).to_string();
    assert!(planned_assets(&m, &acc, &prices(&just_before, &just_before)).is_empty());
    assert!(!planned_assets(&m, &acc, &prices(&just_after, &just_after)).is_empty());
    // exactly at x the ratio is 100 % (up to Decimal rounding of x)
    let h = acc.snapshot(Valuation::at(&prices(&x.to_string(), &x.to_string())), &m);
    assert!((h.margin_ratio().unwrap().0 - d("1")).abs() < d("0.000001"));
}

#[test]
fn cross_contagion_eth_alone_survives_to_18_593_pct_then_closes_healthy_btc() {
    // E = 10 000 − 50 000·x, MM = 500 + 250·(1 − x) = 750 − 250·x
    // E = MM  ⇔  9 250 = 49 750·x  ⇔  x = 0.185929… → −18.593 %
    let x = d("9250") / d("49750");
    assert_eq!((x * d("100")).round_dp(3), d("18.593"));
    let m = contagion_model("cross");
    let acc = account(&m, Mode::Cross);
    assert!(planned_assets(&m, &acc, &prices("0", &(x - d("0.00001")).to_string())).is_empty());
    let plan = planned_assets(&m, &acc, &prices("0", &(x + d("0.00001")).to_string()));
    // Largest MM first: BTC's MM (500) > ETH's (250·(1 − x) ≈ 203.5), so BTC, the position
    // that lost nothing, is the first closed.
    assert_eq!(plan.first(), Some(&0), "BTC closed first: {plan:?}");
}

#[test]
fn isolated_pro_rata_loses_eth_at_6_1977_pct_and_keeps_btc() {
    // Pro-rata split of 10 000: BTC 6 666.67, ETH 3 333.33 (leverage 15 each).
    // P_liq = P·(1 − 1/15)/(1 − 0.005) ⇒ fall = 1 − 0.93333…/0.995 = 6.1977 %
    let m = contagion_model("cross");
    let acc = account(&m, Mode::Isolated);
    assert_eq!(acc.positions[1].margin.0.round_dp(2), d("3333.33"));
    let fall = d("1") - (d("1") - d("1") / d("15")) / d("0.995");
    assert_eq!((fall * d("100")).round_dp(4), d("6.1977"));
    let before = prices("0", &(fall - d("0.00001")).to_string());
    let after = prices("0", &(fall + d("0.00001")).to_string());
    assert!(planned_assets(&m, &acc, &before).is_empty());
    assert_eq!(planned_assets(&m, &acc, &after), vec![1], "only ETH is closed");
    // Even ETH at −50 % never touches BTC in isolated mode.
    assert_eq!(planned_assets(&m, &acc, &prices("0", "0.5")), vec![1]);
}

/// Hyperliquid's margin tiers: the maintenance rate is half the initial margin rate at the tier's
/// maximum leverage, `mmr = 1 / (2 · max leverage)`, with a deduction that keeps MM continuous
/// (hyperliquid-docs, trading/margin-tiers). BTC: 40× up to 150 M USD, 20× above.
///
/// | tier | max leverage | initial 1/L | maintenance 1/(2L) | deduction |
/// | --- | --- | --- | --- | --- |
/// | 0 – 150 M | 40× | 2.5 % | 1.25 % | 0 |
/// | above 150 M | 20× | 5 % | 2.5 % | 150 M × (2.5 % − 1.25 %) = 1 875 000 |
#[test]
fn hyperliquid_maintenance_is_half_the_initial_margin_at_max_leverage() {
    let rate = |max_lev: &str| Ratio(d("1") / (d("2") * d(max_lev)));
    assert_eq!((rate("40").0, rate("20").0), (d("0.0125"), d("0.025")));
    let b = Brackets::new(&[(Money(d("0")), rate("40")), (Money(d("150000000")), rate("20"))]);
    let cases = [
        ("1000000", "12500"),     // 1 M × 1.25 %
        ("150000000", "1875000"), // at the boundary, both tiers agree: 150 M × 1.25 %
        ("200000000", "3125000"), // 200 M × 2.5 % − 1 875 000
    ];
    for (n, want) in cases {
        assert_eq!(b.mm(Money(d(n))), Money(d(want)), "MM at {n}");
    }
}

#[test]
fn tier_is_reselected_at_the_liquidation_notional() {
    // 10 BTC at 50 000 with 50 000 margin: at entry the notional (500 000) is in the 1 % tier,
    // at the liquidation price (≈ 45 323) it is 453 232, still the 1 % tier (floor 250 000):
    // P = (500 000 − 50 000 − 1 300)/(10·0.99) = 45 323.23. With 1 BTC and 5 000 margin the
    // notional at liquidation (45 180.72) is below 50 000: the 0.4 % tier, cum 0.
    let b = Brackets::new(&[
        (Money(d("0")), Ratio(d("0.004"))),
        (Money(d("50000")), Ratio(d("0.005"))),
        (Money(d("250000")), Ratio(d("0.01"))),
        (Money(d("1000000")), Ratio(d("0.025"))),
    ]);
    let cases = [("10", "50000", "45323.23"), ("1", "5000", "45180.72")];
    for (q, m, want) in cases {
        let p = margin::liquidation_price(Qty(d(q)), Price(d("50000")), Money(d(m)), &b).unwrap();
        assert_eq!(p.0.round_dp(2), d(want), "{q} BTC with {m} margin");
        // and the engine's own check agrees: one cent above is healthy, one cent below is not
        let pos = Position { asset: 0, qty: Qty(d(q)), entry: Price(d("50000")), margin: Money(d(m)) };
        for (px, liq) in [(p.0 + d("0.01"), false), (p.0 - d("0.01"), true)] {
            let n = pos.notional(Price(px));
            let eq = pos.margin + pos.upnl(Price(px));
            assert_eq!(margin::is_liquidatable(b.mm(n), eq, true), liq, "{q} BTC at {px}");
        }
    }
}

#[test]
fn engine_run_closes_healthy_btc_in_cross_and_keeps_it_isolated() {
    let o = run(serde_json::from_str(margin_cascade::share::presets::get("contagion").unwrap().json).unwrap());
    let closed = focal_liq_steps(&o);
    assert!(closed.iter().any(|(a, _)| a == "BTC"), "cross closed BTC: {closed:?}");
    assert!(o.summary.healthy_positions_closed.iter().any(|c| c.asset == "BTC"));
    // ETH at the liquidation step is past −18.593 % but the step before it was not
    let step = o.summary.focal_liquidated_step.unwrap();
    let eth = &o.main.series.exogenous_price[1];
    let fall = |t: usize| (d("1") - eth[t].0 / eth[0].0) * d("100");
    assert!(fall(step) >= d("18.593") && fall(step - 1) < d("18.593"), "fall {} / {}", fall(step - 1), fall(step));
    // isolated counterfactual: ETH closed once past −6.1977 %, BTC still open at the end
    let iso_step = o.other_mode_summary.focal_liquidated_step.unwrap();
    assert!(fall(iso_step) >= d("6.1977") && fall(iso_step - 1) < d("6.1977"));
    assert!(o.other_mode.focal().positions.iter().any(|p| p.asset == 0), "isolated keeps BTC");
    assert!(o.other_mode.focal().positions.iter().all(|p| p.asset != 1), "isolated lost ETH");
}

/// A ladder of isolated longs whose liquidations release `f` USD of sales per 1 % of fall,
/// against depth `D` (λ = 2 % / D per USD). With λf = 0.5 a 3 % shock should end near
/// s / (1 − λf) = 6 %, by rounds 3, 4.5, 5.25, 5.625, …
///
/// Two checks: (1) every step against an exact reference recursion of the model's rules for
/// this ladder (log impact, orders valued at the pre-trade price, tick rounding), to the tick;
/// (2) the linear multiplier's rounds and fixed point, which the reference follows up to the
/// model's second-order terms (ln 0.98 ≠ −0.02; sales valued at the current, lower price).
#[test]
fn feedback_multiplier_lambda_f_one_half() {
    let depth = 1e9_f64; // D ⇒ λ = 2 % / 1e9 USD
    let per_rung_usd = 2.5e6_f64; // one rung per 0.01 % of fall ⇒ f = 2.5e8 USD per 1 % ⇒ λf = 0.5
    let mmr = d("0.001");
    let rungs = 1500;
    let mut accounts = vec![];
    let mut ladder: Vec<(f64, f64)> = vec![]; // (liquidation price, quantity)
    for k in 1..=rungs {
        // P_k = 100 − 0.01·k + 0.005: half a tick off the 0.01 grid, so no price sits exactly on a rung
        let p_liq = d("100") - Decimal::from(k) * d("0.01") + d("0.005");
        let qty = (Decimal::try_from(per_rung_usd).unwrap() / p_liq).round_dp(8);
        // flat rate: margin + q(P − 100) = mmr·q·P at P = P_k ⇒ margin = q·(100 − P_k·(1 − mmr))
        let margin = (qty * (d("100") - p_liq * (d("1") - mmr))).round_dp(8);
        let exact =
            margin::liquidation_price(Qty(qty), Price(d("100")), Money(margin), &Brackets::flat(Ratio(mmr))).unwrap();
        assert!((exact.0 - p_liq).abs() < d("0.000001"));
        ladder.push((p_liq.to_string().parse().unwrap(), qty.to_string().parse().unwrap()));
        accounts.push(json!({"mode": "isolated", "collateral": {"USD": margin.to_string()},
            "positions": [{"asset": "X", "quantity": qty.to_string(), "margin_usd": margin.to_string()}]}));
    }
    let steps = 40;
    let o = run(json!({
        "version": 1, "steps": steps, "noise": false,
        "assets": [{"symbol": "X", "price": "100", "tick": "0.01", "sigma": 0, "depth_usd": "1000000000",
                    "mm_brackets": [{"floor": "0", "mmr": mmr.to_string()}]}],
        "shocks": [{"step": 1, "symbol": "X", "percent": -3}],
        "liquidation": {"fee_rate": "0"},
        "focal": {"collateral": {"USD": "1"}},
        "crowd": {"accounts": 0},
        "accounts": accounts
    }));
    let px: Vec<f64> = o.main.series.price[0].iter().map(|p| p.to_f64()).collect();

    // (1) reference recursion
    let tick = |x: f64| (x / 0.01).round() * 0.01;
    let (mut imp, mut next) = (0.0_f64, 0usize);
    let mut reference = vec![100.0];
    for _t in 1..=steps {
        let exo = 97.0;
        let pre = tick(exo * imp.exp());
        let mut q_usd = 0.0;
        while next < ladder.len() && ladder[next].0 >= pre {
            q_usd += ladder[next].1 * pre;
            next += 1;
        }
        imp += 0.98_f64.ln() * q_usd / depth;
        reference.push(tick(exo * imp.exp()));
    }
    for t in 0..=steps {
        assert!(
            (px[t] - reference[t]).abs() <= 0.01 + 1e-9,
            "step {t}: engine {} vs reference {}",
            px[t],
            reference[t]
        );
    }

    // (2) the linear multiplier: round n = 3·(1 + ½ + … + ½^(n−1)); the price after step t is round t + 1.
    let fall = |t: usize| (1.0 - px[t] / 100.0) * 100.0;
    let linear = [3.0, 4.5, 5.25, 5.625, 5.8125];
    println!("falls by step: {:?}", (0..8).map(|t| format!("{:.3}", fall(t))).collect::<Vec<_>>());
    for (t, want) in linear.iter().enumerate().skip(1) {
        // tolerance 5 % of the fall: the second-order terms (ln 0.98 = −0.0202 vs −0.02; each
        // rung's sale valued at the pre-trade price, up to 6 % below the rung) compound over rounds
        let got = fall(t);
        assert!((got - want).abs() <= 0.05 * want, "round {}: {got:.4} % vs linear {want} %", t + 1);
    }
    // The multiplier itself: each round adds λf (= ½) times the previous round's addition.
    // Increments: round 1 = 3 (the shock), then fall(1) − 3, fall(2) − fall(1), …
    let mut incs = vec![3.0, fall(1) - 3.0];
    for t in 2..=5 {
        incs.push(fall(t) - fall(t - 1));
    }
    for w in incs.windows(2) {
        let ratio = w[1] / w[0];
        assert!((0.4..=0.55).contains(&ratio), "increment ratio {ratio:.3} should be ≈ λf = 0.5 ({incs:?})");
    }
    let end = fall(steps);
    assert!((end - 6.0).abs() <= 0.3, "fixed point {end:.4} % vs s/(1 − λf) = 6 %");
    assert_eq!(px[steps], px[steps - 10], "the price no longer moves: a fixed point, to the tick");
}

use rust_decimal::Decimal;

/// An explicit `"stable": false` on an asset with σ = 0 is respected from format 3 on: the asset
/// is sold first when a loan is repaid (it has the higher haircut), not last. Format 2 files keep
/// their old meaning (the flag was ignored), so their links keep their numbers.
#[test]
fn explicit_unstable_flag_on_a_zero_volatility_asset_is_respected() {
    let scenario = |version: u32| {
        model(json!({
            "version": version, "steps": 1, "noise": false,
            "assets": [
                {"symbol": "BTC", "price": "100000", "sigma": 0.5, "depth_usd": "1000000000", "haircut": "0.02", "mm_brackets": [{"floor": "0", "mmr": "0.005"}]},
                {"symbol": "ETH", "price": "2000", "sigma": 0.6, "depth_usd": "1000000000", "mm_brackets": [{"floor": "0", "mmr": "0.005"}]},
                {"symbol": "USDY", "price": "1", "tick": "0.0001", "sigma": 0, "stable": false, "depth_usd": "1000000000", "haircut": "0.10"}
            ],
            "crowd": {"accounts": 0}
        }))
    };
    // Collateral 0.1 BTC (10 000 USD, counts 9 800) and 10 000 USDY (counts 9 000); long 10 ETH
    // at 2 000. ETH at 120.6: uPnL = 10·(120.6 − 2 000) = −18 794, E = 18 800 − 18 794 = 6,
    // MM = 0.005·1 206 = 6.03 ≥ E: liquidated. Closing ETH (no fee here) leaves a loan of 18 794.
    let end_value = |version: u32| {
        let m = scenario(version);
        let prices = vec![Price(d("100000")), Price(d("120.6")), Price(d("1"))];
        let mut acc = Account::new(
            AccountId::Focal,
            Mode::Cross,
            Money::ZERO,
            vec![(0, Qty(d("0.1"))), (2, Qty(d("10000")))],
            vec![Position { asset: 1, qty: Qty(d("10")), entry: Price(d("2000")), margin: Money::ZERO }],
        );
        let orders = liquidation::plan(&acc, Valuation::at(&prices), &m, Policy::LargestMmFirst, Ratio::ZERO);
        let sold: Vec<(usize, Qty)> =
            orders.iter().filter(|o| matches!(o.target, Target::Collateral(_))).map(|o| (o.asset, o.qty)).collect();
        let b = liquidation::Batch {
            fill: &prices,
            post: Valuation::at(&prices),
            info: &m,
            fee_rate: Ratio::ZERO,
            step: 1,
        };
        let mut fund = liquidation::Fund::new(Money::ZERO);
        liquidation::execute(&mut acc, &orders, &b, &mut fund, &mut vec![]);
        assert_eq!(acc.cash, Money::ZERO, "the loan is repaid exactly");
        (sold, margin::collateral_value(acc.cash, &acc.balances, &prices, &m))
    };
    // Format 3: USDY is not stable, and its haircut (10 %) is the highest: sold first, all
    // 10 000; then 8 794 / 100 000 = 0.08794 BTC. Left: 0.01206 BTC, counting
    // 0.01206·100 000·0.98 = 1 181.88.
    let (sold, value) = end_value(3);
    assert_eq!(sold, vec![(2, Qty(d("-10000"))), (0, Qty(d("-0.08794")))]);
    assert_eq!(value, Money(d("1181.88")));
    // Format 2 (the flag ignored, USDY stable): BTC first, all 0.1; then 8 794 USDY. Left:
    // 1 206 USDY, counting 1 206·0.90 = 1 085.40: 96.48 less.
    let (sold, value) = end_value(2);
    assert_eq!(sold, vec![(0, Qty(d("-0.1"))), (2, Qty(d("-8794")))]);
    assert_eq!(value, Money(d("1085.40")));
}

/// The crowd's collateral mix: each asset holds its share of a member's collateral *value* (after
/// the haircut, at the opening price); USD holds the rest, a loan when the shares exceed 1.
#[test]
fn crowd_collateral_is_held_as_the_mix_at_its_collateral_value() {
    let m = |mix: serde_json::Value| {
        model(json!({
            "version": 3, "steps": 1, "noise": false,
            "assets": [
                {"symbol": "BTC", "price": "100000", "sigma": 0.5, "depth_usd": "1000000000", "mm_brackets": [{"floor": "0", "mmr": "0.005"}]},
                {"symbol": "ETH", "price": "2000", "sigma": 0.6, "depth_usd": "1000000000", "haircut": "0.03"}
            ],
            // one cross account, long 100 000 USD of BTC at 10×: 10 000 USD of collateral value
            "crowd": {"accounts": 1, "leverage_min": "10", "leverage_max": "10",
                      "assets": {"BTC": {"open_interest_usd": "100000", "long_share": "1", "cross_share": "1"}},
                      "collateral": mix}
        }))
    };
    let member = |mix| m(mix).cohorts[0].members[0].clone();
    // (mix, USD, ETH, arithmetic)
    let cases = [
        (json!({}), "10000", None, "all USD"),
        (json!({"ETH": "0.5"}), "5000", Some("2.57731959"), "5 000 / (2 000 · 0.97) = 2.577319587…"),
        (json!({"ETH": "2"}), "-10000", Some("10.30927835"), "20 000 / 1 940; USD 10 000 − 20 000"),
    ];
    for (mix, usd, eth, how) in cases {
        let mem = member(mix);
        assert_eq!(mem.cash, Money(d(usd)), "{how}");
        assert_eq!(mem.balances, eth.map(|q| vec![(1, Qty(d(q)))]).unwrap_or_default(), "{how}");
        // the collateral value is the 10 000 the leverage says (to the rounding of the quantity)
        let cv =
            margin::collateral_value(mem.cash, &mem.balances, &[Price(d("100000")), Price(d("2000"))], &m(json!({})));
        assert!((cv.0 - d("10000")).abs() < d("0.0001"), "{how}: {cv}");
    }
}

/// Tiered collateral in a run: an account holding 30 BTC under Bybit's tiers counts
/// 9.8 + 9.5 + 9 = 28.3 BTC of it, and the crowd's share of a tiered asset is sized through the
/// tiers (the balance that counts the share's value).
#[test]
fn tiered_collateral_counts_tier_by_tier() {
    let m = model(json!({
        "version": 3, "steps": 1, "noise": false,
        "assets": [
            {"symbol": "BTC", "price": "100000", "sigma": 0.5, "depth_usd": "1000000000",
             "collateral_tiers": [{"from": "0", "ratio": "0.98"}, {"from": "10", "ratio": "0.95"}, {"from": "20", "ratio": "0.90"},
                                  {"from": "30", "ratio": "0.85"}, {"from": "40", "ratio": "0.80"}, {"from": "50", "ratio": "0"}]},
            {"symbol": "ETH", "price": "2000", "sigma": 0.6, "depth_usd": "1000000000"}
        ],
        "focal": {"collateral": {"BTC": "30"}, "positions": [{"asset": "ETH", "notional_usd": "100000"}]},
        // one cross account long 1 500 000 USD of ETH at 1×: 1 500 000 USD of collateral, all in BTC
        "crowd": {"accounts": 1, "leverage_min": "1", "leverage_max": "1",
                  "assets": {"ETH": {"open_interest_usd": "1500000", "long_share": "1", "cross_share": "1"}},
                  "collateral": {"BTC": "1"}}
    }));
    let prices = m.opening_prices();
    // 30 BTC: 10·0.98 + 10·0.95 + 10·0.90 = 28.3 BTC counted, 2 830 000 USD
    let cv = margin::collateral_value(m.focal.cash, &m.focal.balances, &prices, &m);
    assert_eq!(cv, Money(d("2830000")));
    // 1 500 000 USD = 15 BTC counted: 9.8 from the first 10 BTC, then 5.2 / 0.95 = 5.47368421 BTC
    let mem = &m.cohorts[0].members[0];
    assert_eq!(mem.cash, Money::ZERO);
    assert_eq!(mem.balances, vec![(0, Qty(d("15.47368421")))]);
}

/// A loan of an asset (a negative balance) counts at its full price, and once every position is
/// closed it is bought back, paid from the wallet (collateral is sold for what the wallet lacks).
#[test]
fn an_asset_loan_counts_in_full_and_is_bought_back_after_the_positions() {
    let m = contagion_model("cross");
    // 20 000 USD, 5 ETH owed, long 1 BTC at 100 000. At BTC 90 100: uPnL −9 900, the loan
    // −5·2 000 = −10 000, so E = 20 000 − 10 000 − 9 900 = 100 ≤ MM = 0.005·90 100 = 450.5.
    let mut acc = Account::new(
        AccountId::Focal,
        Mode::Cross,
        Money(d("20000")),
        vec![(1, Qty(d("-5")))],
        vec![Position { asset: 0, qty: Qty(d("1")), entry: Price(d("100000")), margin: Money::ZERO }],
    );
    assert!(acc.has_exposure());
    let prices = vec![Price(d("90100")), Price(d("2000"))];
    assert_eq!(acc.snapshot(Valuation::at(&prices), &m).equity, Money(d("100")));
    let orders = liquidation::plan(&acc, Valuation::at(&prices), &m, Policy::LargestMmFirst, Ratio::ZERO);
    // close BTC (cash 20 000 − 9 900 = 10 100), then buy back the 5 ETH (10 000): no sale needed
    let got: Vec<(usize, Qty)> = orders.iter().map(|o| (o.asset, o.qty)).collect();
    assert_eq!(got, vec![(0, Qty(d("-1"))), (1, Qty(d("5")))]);
    let b =
        liquidation::Batch { fill: &prices, post: Valuation::at(&prices), info: &m, fee_rate: Ratio::ZERO, step: 1 };
    let mut fund = liquidation::Fund::new(Money::ZERO);
    liquidation::execute(&mut acc, &orders, &b, &mut fund, &mut vec![]);
    assert_eq!((acc.cash, acc.balances.len(), acc.has_exposure()), (Money(d("100")), 0, false));
    assert_eq!(acc.ledger.sale_proceeds, Money(d("-10000")), "the buy-back is a trade with negative proceeds");
}

/// The mark price decides when a position is liquidated; fills stay at the market. One asset at
/// 100, a venue-only dump of −10 % at step 1 (the index stays at 100; permanent, so the market
/// stays at 90), one-minute steps, and a 10× long of 1 000 USD on 100 USD: liquidatable when
/// `100 + 10·(P − 100) ≤ 0.005 · 10·P`, i.e. `P ≤ 900 / 9.95 = 90.45`.
///
/// * `market`: the mark is 90 from step 1: liquidated at step 1;
/// * `index`: the mark stays 100: never liquidated;
/// * `median` over 5 minutes (5 steps; before the run the basis was 0): the mean basis after k
///   steps is `k·ln(0.9)/5`, so the third price is `100·0.9^(k/5)` = 97.91, 95.87, 93.87, 91.92,
///   90.00, and the median of (100, 90, that) is that: liquidated at step 5, when it reaches 90.
#[test]
fn the_mark_rule_decides_when_and_the_market_where() {
    let run_with = |mark: &str, window: Option<&str>| {
        let mut liq = json!({ "mark_price": mark });
        if let Some(w) = window {
            liq["mark_window_minutes"] = json!(w);
        }
        run(json!({
            "version": 3, "steps": 7, "step_minutes": "1", "noise": false,
            "assets": [{"symbol": "BTC", "price": "100", "tick": "0.01", "sigma": 0, "stable": false,
                        "depth_usd": "1000000000000", "mm_brackets": [{"floor": "0", "mmr": "0.005"}]}],
            "shocks": [{"step": 1, "symbol": "BTC", "percent": -10, "venue": true}],
            "liquidation": liq,
            "focal": {"collateral": {"USD": "100"}, "positions": [{"asset": "BTC", "notional_usd": "1000"}]},
            "crowd": {"accounts": 0}
        }))
    };
    let steps = |o: &margin_cascade::Outcome| focal_liq_steps(o).into_iter().map(|x| x.1).collect::<Vec<_>>();
    let market = run_with("market", None);
    assert_eq!(steps(&market), vec![1]);
    assert!(market.main.series.mark_price[0].is_empty(), "a market mark is the market price: no series of its own");
    let index = run_with("index", None);
    assert_eq!(steps(&index), Vec::<usize>::new());
    assert!(index.main.series.mark_price[0].iter().all(|p| p.0 == d("100")));
    let median = run_with("median", Some("5"));
    assert_eq!(steps(&median), vec![5]);
    let marks: Vec<String> = median.main.series.mark_price[0].iter().map(|p| p.0.to_string()).collect();
    assert_eq!(marks[..6], ["100", "97.91", "95.87", "93.87", "91.92", "90.00"]);
    // fills are at the market in every rule: 90 on the tick grid
    for o in [&market, &median] {
        let fill = o.main.events.iter().find_map(|e| match &e.kind {
            EventKind::Liquidation { price, .. } => Some(price.0),
            _ => None,
        });
        assert_eq!(fill, Some(d("90.00")));
    }
    // the index stays at 100 throughout: the dump was the venue's alone
    assert!(median.main.series.exogenous_price[0].iter().all(|p| p.0 == d("100")));
}

/// Hyperliquid's chunks, on a grid finer than the cooldown (3-second steps, a 30-second cooldown
/// = 10 steps: a chunk at step t makes the checks of steps t + 1 … t + 9 close whole positions).
/// A 10× long of 1 000 000 USD (10 000 BTC at 100) on 100 000 USD, maintenance 0.5 %:
/// liquidatable when `100 000 + 10 000·(P − 100) ≤ 50·P`, i.e. P ≤ 90.4523.
///
/// BTC falls 10 % to 90 at step 1:
/// * step 1: 20 % of the position, 2 000 BTC, is sold at 90 (the rest stays open): realised
///   2 000 × (90 − 100) = −20 000, so cash 80 000, while the 8 000 BTC left lose 80 000: the
///   equity left is 0, so the fee (0.5 % × 180 000 = 900) is capped at 0; still below maintenance;
/// * step 2 (3 seconds later, in the cooldown): the remaining 8 000 BTC close whole at 90,
///   realised −80 000, no fee; cash 0, no bad debt.
fn chunk_run(first: f64, second: (usize, f64), fee: &str) -> margin_cascade::Outcome {
    run(json!({
        "version": 3, "steps": 14, "step_minutes": "0.05", "noise": false, "insurance_fund_usd": "1000000",
        "assets": [{"symbol": "BTC", "price": "100", "tick": "0.01", "sigma": 0, "stable": false,
                    "depth_usd": "1000000000000000", "mm_brackets": [{"floor": "0", "mmr": "0.005"}]}],
        "shocks": [{"step": 1, "symbol": "BTC", "percent": first}, {"step": second.0, "symbol": "BTC", "percent": second.1}],
        "liquidation": {"policy": "chunks", "fee_rate": fee},
        "focal": {"collateral": {"USD": "100000"}, "positions": [{"asset": "BTC", "notional_usd": "1000000"}]},
        "crowd": {"accounts": 0}
    }))
}

/// The focal account's liquidations: (step, quantity, partial, fill).
fn chunk_events(o: &margin_cascade::Outcome) -> Vec<(usize, String, bool, String)> {
    o.main
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Liquidation { quantity, price, partial, .. } => {
                Some((e.step, quantity.0.normalize().to_string(), *partial, price.0.to_string()))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn chunks_sell_a_fifth_then_in_the_cooldown_the_rest_whole() {
    let ev = |step: usize, q: &str, partial: bool, p: &str| (step, q.to_string(), partial, p.to_string());
    let o = chunk_run(-10.0, (8, 0.0), "0.005");
    assert_eq!(chunk_events(&o), vec![ev(1, "-2000", true, "90.00"), ev(2, "-8000", false, "90.00")]);
    let liq: Vec<_> = o
        .main
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Liquidation { fee, realized_pnl, .. } => Some((fee.0, realized_pnl.0)),
            _ => None,
        })
        .collect();
    assert_eq!(liq, vec![(d("0"), d("-20000")), (d("0"), d("-80000"))]);
    assert_eq!(o.main.focal().cash.0, d("0"));
    assert_eq!(o.main.fund.bad_debt_paid.0, d("0"));
    // the margin chart marks the chunk as a partial liquidation
    let marks = margin_cascade::output::chart::ChartData::from_outcome(&o).liquidations;
    let labels: Vec<(usize, &str)> = marks.iter().map(|m| (m.step, m.label.as_str())).collect();
    assert_eq!(labels, vec![(1, "BTC (partial)"), (2, "BTC")]);
}

/// A chunk that brings the account back above maintenance (no fee): BTC falls 9.55 % to 90.45 at
/// step 1, equity 100 000 − 95 500 = 4 500 against MM 50 × 90.45 = 4 522.50: liquidatable. The
/// chunk sells 2 000 BTC at 90.45; the 8 000 left need MM 3 618 < 4 500: healthy, 80 900 cash.
/// BTC then falls 2 % more, to 88.64 (equity 80 900 + 8 000 × (88.64 − 100) = −9 980):
/// * at step 5, 12 seconds after the chunk, in the cooldown: the 8 000 BTC close whole;
/// * at step 12, 33 seconds after, the cooldown over: another chunk, 20 % of 8 000 = 1 600 BTC,
///   and at step 13, in the new cooldown, the 6 400 left close whole, leaving 9 980 of bad debt.
#[test]
fn after_the_cooldown_a_large_position_is_chunked_again() {
    let ev = |step: usize, q: &str, partial: bool, p: &str| (step, q.to_string(), partial, p.to_string());
    let o = chunk_run(-9.55, (5, -2.0), "0");
    assert_eq!(chunk_events(&o), vec![ev(1, "-2000", true, "90.45"), ev(5, "-8000", false, "88.64")]);
    // healthy between the chunk and the second fall: 8 000 BTC open at steps 1 … 4
    assert!(o.main.series.focal_position_qty[0][1..=4].iter().all(|q| q.0 == d("8000")));
    let o = chunk_run(-9.55, (12, -2.0), "0");
    assert_eq!(
        chunk_events(&o),
        vec![ev(1, "-2000", true, "90.45"), ev(12, "-1600", true, "88.64"), ev(13, "-6400", false, "88.64")]
    );
    assert_eq!(o.main.fund.bad_debt_paid.0, d("9980"));
}

/// The step-down policy on the BTC brackets of MODEL §8 ((0, 0.4 %), (50 000, 0.5 %),
/// (250 000, 1 %), (1 000 000, 2.5 %)), 3-second steps, a 60-second delay (OKX's) = 20 steps.
/// 20 BTC long at 100 000 (2 000 000, the 2.5 % bracket) on 200 000 USD: MM 2.5 % × N − 16 300,
/// liquidatable when 200 000 + 20·(P − 100 000) ≤ 20·P·0.025 − 16 300, i.e. P ≤ 91 471.79.
/// BTC falls 10 % to 90 000 at step 1 (notional 1 800 000, still the 2.5 % bracket; equity 0, so
/// every fee is capped at 0 and the account stays liquidatable):
/// * step 1: one bracket down means staying below the 1 000 000 floor: keep
///   ⌊1 000 000 / 90 000⌋₈ = 11.11111111 BTC (999 999.9999 USD), sell 8.88888889;
/// * steps 2 … 20 (in the delay): left alone, though still liquidatable;
/// * step 21 (60 s later): the 11.11111111 BTC (999 999.9999, the 1 % bracket) step down again,
///   below 250 000: keep ⌊250 000 / 90 000⌋₈ = 2.77777777, sell 8.33333334.
#[test]
fn step_down_sells_down_a_bracket_then_waits_the_delay() {
    let o = run(json!({
        "version": 3, "steps": 22, "step_minutes": "0.05", "noise": false, "insurance_fund_usd": "10000000",
        "assets": [{"symbol": "BTC", "price": "100000", "tick": "0.1", "sigma": 0, "stable": false,
                    "depth_usd": "1000000000000000", "mm_brackets": [
                        {"floor": "0", "mmr": "0.004"}, {"floor": "50000", "mmr": "0.005"},
                        {"floor": "250000", "mmr": "0.01"}, {"floor": "1000000", "mmr": "0.025"}]}],
        "shocks": [{"step": 1, "symbol": "BTC", "percent": -10}],
        "liquidation": {"policy": "step_down", "step_down": {"tiers": 1, "delay_seconds": "60"}},
        "focal": {"collateral": {"USD": "200000"}, "positions": [{"asset": "BTC", "quantity": "20"}]},
        "crowd": {"accounts": 0}
    }));
    let ev: Vec<(usize, String, bool)> = o
        .main
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Liquidation { quantity, partial, .. } => {
                Some((e.step, quantity.0.normalize().to_string(), *partial))
            }
            _ => None,
        })
        .collect();
    assert_eq!(ev, vec![(1, "-8.88888889".to_string(), true), (21, "-8.33333334".to_string(), true)]);
    // left alone through the delay: 11.11111111 BTC from step 1 to step 20
    assert!(o.main.series.focal_position_qty[0][1..=20].iter().all(|q| q.0 == d("11.11111111")));
    assert_eq!(o.main.focal().positions[0].qty.0, d("2.77777777"));
}

/// OKX's step-down: two brackets at a time, and only from the third bracket up (`from_tier: 3`);
/// a position in bracket 1 or 2 closes whole. The account above (20 BTC at 90 000 = 1 800 000, the
/// fourth bracket; equity 0, so it stays liquidatable):
/// * step 1: two brackets down means staying below the third bracket's floor, 250 000: keep
///   ⌊250 000 / 90 000⌋₈ = 2.77777777 BTC (249 999.9993 USD), sell 20 − 2.77777777 = 17.22222223;
/// * steps 2 … 20 (in the 60 s delay): left alone;
/// * step 21: 2.77777777 BTC is in the second bracket (50 000 – 250 000), below the third: the
///   position closes whole (−2.77777777, not partial).
#[test]
fn okx_step_down_closes_the_first_two_brackets_whole() {
    let ev = step_down_closes("200000", "0.005", json!({"tiers": 2, "delay_seconds": "60", "from_tier": 3}), 22);
    // (equity 0: every fee is capped at 0)
    let s = |step: usize, q: &str, partial: bool| (step, q.to_string(), "0".to_string(), partial);
    assert_eq!(ev, vec![s(1, "-17.22222223", true), s(21, "-2.77777777", false)]);
}

/// Binance's and Bybit's step-down goes as far as the account needs: to the highest lower
/// bracket after which it is above maintenance, else the whole position. The brackets above, no
/// fee, 20 BTC long from 100 000 falling 10 % to 90 000 (1 800 000 USD, the fourth bracket):
/// equity E = collateral − 200 000. What is left after stepping into each bracket:
/// * the third (below 1 000 000): 11.11111111 BTC, MM 1 % × 999 999.9999 − 1 300 = 8 699.999999;
/// * the second (below 250 000): 2.77777777 BTC, MM 0.5 % × 249 999.9993 − 50 = 1 199.9999965;
/// * the first (below 50 000): 0.55555555 BTC, MM 0.4 % × 49 999.9995 = 199.999998.
///
/// With E = 5 000 the third is not enough (5 000 ≤ 8 700), the second is: one step-down of
/// 17.22222223 BTC, and the account is healthy after it. With E = 100 none is: the whole 20 BTC.
#[test]
fn a_step_down_until_compliant_goes_as_far_as_the_account_needs() {
    let closes = |collateral: &str| step_down_closes(collateral, "0", json!({"until_compliant": true}), 3);
    assert_eq!(closes("205000"), vec![(1, "-17.22222223".into(), "0".into(), true)]);
    assert_eq!(closes("200100"), vec![(1, "-20".into(), "0".into(), false)]);
}

/// The fee counts in "until compliant": the same account with E = 5 000 and a fee on the part sold.
/// * 0.1 %: the third bracket costs 800 000.0001 × 0.001 = 800.0000001 (4 199.9999999 left ≤
///   8 699.999999: no); the second, 1 550 000.0007 × 0.001 = 1 550.0000007 (3 449.9999993 left >
///   1 199.9999965: yes) — one step-down of 17.22222223 BTC paying 1 550.0000007;
/// * 0.5 %: the third leaves 5 000 − 4 000.0000005 = 999.9999995 ≤ 8 699.999999, the second and
///   the first cost all 5 000 (the fee is capped at the equity): none is enough, the whole 20 BTC.
#[test]
fn a_step_down_until_compliant_pays_its_fee_first() {
    let closes = |fee: &str| step_down_closes("205000", fee, json!({"until_compliant": true}), 3);
    assert_eq!(closes("0.001"), vec![(1, "-17.22222223".into(), "1550.0000007".into(), true)]);
    let whole = closes("0.005");
    assert_eq!((whole.len(), whole[0].0, whole[0].1.as_str(), whole[0].3), (1, 1, "-20", false));
}

/// The focal account's liquidations (step, quantity, fee, partial) when the 20 BTC long of the
/// step-down tests (brackets of MODEL §8, BTC from 100 000 falling 10 % at step 1, 3-second steps)
/// is held on `collateral` USD under the step-down settings `step_down` and fee rate `fee`.
fn step_down_closes(
    collateral: &str,
    fee: &str,
    step_down: serde_json::Value,
    steps: usize,
) -> Vec<(usize, String, String, bool)> {
    let o = run(json!({
        "version": 3, "steps": steps, "step_minutes": "0.05", "noise": false, "insurance_fund_usd": "10000000",
        "assets": [{"symbol": "BTC", "price": "100000", "tick": "0.1", "sigma": 0, "stable": false,
                    "depth_usd": "1000000000000000", "mm_brackets": [
                        {"floor": "0", "mmr": "0.004"}, {"floor": "50000", "mmr": "0.005"},
                        {"floor": "250000", "mmr": "0.01"}, {"floor": "1000000", "mmr": "0.025"}]}],
        "shocks": [{"step": 1, "symbol": "BTC", "percent": -10}],
        "liquidation": {"policy": "step_down", "fee_rate": fee, "step_down": step_down},
        "focal": {"collateral": {"USD": collateral}, "positions": [{"asset": "BTC", "quantity": "20"}]},
        "crowd": {"accounts": 0}
    }));
    o.main
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Liquidation { quantity, fee, partial, .. } => {
                Some((e.step, quantity.0.normalize().to_string(), fee.0.normalize().to_string(), *partial))
            }
            _ => None,
        })
        .collect()
}
