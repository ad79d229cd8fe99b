//! Auto-deleveraging, checked by hand: who is closed, in which order, at which price, and that
//! the deficit is covered to the last decimal without moving any price.

mod common;
use common::*;
use margin_cascade::engine::account::AccountId;
use margin_cascade::engine::liquidation::EventKind;
use margin_cascade::types::{Money, Price, Qty};
use margin_cascade::Outcome;
use serde_json::json;

/// One asset at 100 000 (flat MMR 0.5 %, no fee, no fund, no noise), falling 10 % at step 1.
/// The bull is long 1 BTC on 2 000 USD; three bears are short from 100 000:
///
/// | account | side, size | equity at 90 000 | rank = PnL % × notional / equity |
/// | --- | --- | --- | --- |
/// | A, cross | short 0.5, 10 000 USD | 10 000 + 5 000 = 15 000 | 0.1 × 45 000 / 15 000 = 0.3 |
/// | B, cross | short 0.3, 2 000 USD | 2 000 + 3 000 = 5 000 | 0.1 × 27 000 / 5 000 = 0.54 |
/// | C, isolated | short 0.4, margin 4 000 | 4 000 + 4 000 = 8 000 | 0.1 × 36 000 / 8 000 = 0.45 |
fn scenario(adl: &str, feedback: bool, extra: serde_json::Value) -> serde_json::Value {
    let mut accounts = vec![
        json!({"name": "bull", "collateral": {"USD": "2000"},
               "positions": [{"asset": "BTC", "side": "long", "quantity": "1"}]}),
        json!({"name": "A", "collateral": {"USD": "10000"},
               "positions": [{"asset": "BTC", "side": "short", "quantity": "0.5"}]}),
        json!({"name": "B", "collateral": {"USD": "2000"},
               "positions": [{"asset": "BTC", "side": "short", "quantity": "0.3"}]}),
        json!({"name": "C", "mode": "isolated", "collateral": {"USD": "4000"},
               "positions": [{"asset": "BTC", "side": "short", "quantity": "0.4", "margin_usd": "4000"}]}),
    ];
    if let Some(more) = extra.as_array() {
        accounts.extend(more.iter().cloned());
    }
    json!({
        "version": 3, "steps": 4, "noise": false, "feedback": feedback,
        "assets": [{"symbol": "BTC", "price": "100000", "tick": "10", "sigma": 0.5, "depth_usd": "50000000",
                    "mm_brackets": [{"floor": "0", "mmr": "0.005"}]}],
        "liquidation": {"fee_rate": "0", "adl": adl},
        "insurance_fund_usd": "0",
        "shocks": [{"step": 1, "symbol": "BTC", "percent": -10}],
        "focal": {"collateral": {"USD": "100000"}, "positions": []},
        "crowd": {"accounts": 0},
        "accounts": accounts
    })
}

/// (account name, quantity traded, price, realised PnL, paid) of each ADL event of the main run.
fn adl_events(o: &Outcome) -> Vec<(String, Qty, Price, Money, Money)> {
    o.main
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Adl { quantity, price, realized_pnl, paid, .. } => {
                let AccountId::Explicit(k) = e.account else { return None };
                Some((o.explicit_names[k as usize].clone(), quantity, price, realized_pnl, paid))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn the_queue_closes_the_highest_ranked_first_and_covers_the_deficit_exactly() {
    let o = run(scenario("queue", false, json!([])));
    // The bull sells 1 BTC at 90 000: −10 000 on 2 000 of equity, 8 000 of bad debt, no fund.
    // Its bankruptcy price: 90 000 + 8 000 / 1 = 98 000, so each BTC deleveraged pays 8 000.
    let q = |s: &str| Qty(d(s));
    let (m, p) = (|s: &str| Money(d(s)), Price(d("98000")));
    assert_eq!(
        adl_events(&o),
        vec![
            // B (rank 0.54) whole: PnL at the fill 0.3 × 10 000 = 3 000, pays 0.3 × 8 000 = 2 400
            ("B".into(), q("0.3"), p, m("3000"), m("2400")),
            // C (0.45) whole: 0.4 × 10 000 = 4 000, pays 3 200; 8 000 − 2 400 − 3 200 = 2 400 left
            ("C".into(), q("0.4"), p, m("4000"), m("3200")),
            // A (0.3) in part: 2 400 / 8 000 = 0.3 of its 0.5, pays exactly the 2 400 left
            ("A".into(), q("0.3"), p, m("3000"), m("2400")),
        ]
    );
    let s = &o.summary;
    assert_eq!((s.bad_debt, s.uncovered_bad_debt), (m("8000"), Money::ZERO));
    let adl = s.adl.as_ref().expect("ADL acted");
    // 1 BTC at 98 000 deleveraged across three accounts, paying the 8 000
    assert_eq!((adl.paid, adl.accounts, adl.positions, adl.notional), (m("8000"), 3, 3, m("98000")));
    assert_eq!(adl.focal_paid, Money::ZERO);
    let bad = o.main.events.iter().find_map(|e| match e.kind {
        EventKind::BadDebt { amount, fund_paid, adl_paid, uncovered } => Some((amount, fund_paid, adl_paid, uncovered)),
        _ => None,
    });
    assert_eq!(bad, Some((m("8000"), Money::ZERO, m("8000"), Money::ZERO)));
    // each closed at 98 000 in effect: B keeps 0.3 × (100 000 − 98 000) = 600, A still holds 0.2
    let acc = o.main.all_accounts();
    let by = |n: &str| {
        acc.iter()
            .find(|a| a.id == AccountId::Explicit(["bull", "A", "B", "C"].iter().position(|x| *x == n).unwrap() as u32))
            .unwrap()
    };
    assert_eq!(by("B").total_cash(), m("2600"));
    assert_eq!(by("C").total_cash(), m("4800")); // 4 000 + 4 000 − 3 200, its margin back in the wallet
    assert_eq!((by("A").total_cash(), by("A").positions[0].qty), (m("10600"), q("-0.2")));
    assert!(margin_cascade::engine::conservation::check(&o.main).exact);
}

#[test]
fn without_adl_the_same_deficit_stays_uncovered() {
    let o = run(scenario("off", false, json!([])));
    assert!(adl_events(&o).is_empty());
    assert_eq!(o.summary.uncovered_bad_debt, Money(d("8000")));
    assert!(o.summary.adl.is_none());
    assert!(o.rules_matter.adl, "a deficit left by a close: ADL would have acted");
}

#[test]
fn adl_moves_no_price() {
    // with feedback: the bull's sale moves the price, the deleveraging after it does not
    let on = run(scenario("queue", true, json!([])));
    let off = run(scenario("off", true, json!([])));
    assert!(!adl_events(&on).is_empty());
    assert_eq!(on.main.series.price, off.main.series.price);
}

#[test]
fn a_position_that_would_lose_at_the_bankruptcy_price_is_not_deleveraged() {
    // D shorted 0.5 at 97 000 on 2 000 USD (entry below the bankruptcy price 98 000): in profit at
    // 90 000 and the highest rank (3 500 / 48 500 × 45 000 / 5 500 ≈ 0.59), but closing at 98 000
    // would lose it money, so the queue skips it
    let d_ = json!([{"name": "D", "collateral": {"USD": "2000"},
                     "positions": [{"asset": "BTC", "side": "short", "quantity": "0.5", "entry_price": "97000"}]}]);
    let o = run(scenario("queue", false, d_));
    let names: Vec<String> = adl_events(&o).into_iter().map(|e| e.0).collect();
    assert_eq!(names, ["B", "C", "A"]);
}

#[test]
fn a_crowd_of_shorts_is_deleveraged_weakest_first_and_leaves_its_cohort() {
    // the three bears replaced by a crowd: shorts only, leverage 2–20×
    let mut v = scenario("queue", false, json!([]));
    v["accounts"] = json!([v["accounts"][0].clone()]);
    v["crowd"] = json!({"accounts": 40, "leverage_min": "2", "leverage_max": "20",
                        "assets": {"BTC": {"open_interest_usd": "400000", "long_share": 0, "cross_share": 1}}});
    let o = run(v);
    let paid: Vec<(AccountId, Money)> = o
        .main
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Adl { paid, .. } => Some((e.account, paid)),
            _ => None,
        })
        .collect();
    assert!(!paid.is_empty());
    assert_eq!(paid.iter().map(|p| p.1).sum::<Money>(), Money(d("8000")), "the deficit, exactly");
    assert_eq!(o.summary.uncovered_bad_debt, Money::ZERO);
    // the highest leverage ranks first: each deleveraged member had no more cash than the next
    let accs = o.main.all_accounts();
    let opening = |id: AccountId| accs.iter().find(|a| a.id == id).unwrap().ledger.opening_cash;
    assert!(paid.windows(2).all(|w| opening(w[0].0) <= opening(w[1].0)), "{paid:?}");
    assert!(margin_cascade::engine::conservation::check(&o.main).exact);
}

#[test]
fn pro_rata_cuts_every_position_by_the_same_fraction() {
    let o = run(scenario("pro_rata", false, json!([])));
    // 1 BTC of deficit at 8 000 per unit over 0.3 + 0.4 + 0.5 = 1.2 BTC of shorts: φ = 1 / 1.2,
    // each share rounded up to 8 decimals, in rank order (B, C, A):
    //   B 0.3 × φ = 0.25 → pays 2 000; C 0.4 × φ = 0.333…3 → 0.33333334, pays 2 666.66672;
    //   A 0.5 × φ = 0.41666667 would pay 3 333.33336 > the 3 333.33328 left, so it closes
    //   ⌈3 333.33328 / 8 000⌉₈ = 0.41666666 and pays exactly that
    let q = |s: &str| Qty(d(s));
    let (m, p) = (|s: &str| Money(d(s)), Price(d("98000")));
    let got: Vec<(String, Qty, Money)> = adl_events(&o).into_iter().map(|e| (e.0, e.1, e.4)).collect();
    assert_eq!(
        got,
        vec![
            ("B".into(), q("0.25"), m("2000")),
            ("C".into(), q("0.33333334"), m("2666.66672")),
            ("A".into(), q("0.41666666"), m("3333.33328")),
        ]
    );
    assert!(adl_events(&o).iter().all(|e| e.2 == p));
    assert_eq!(o.summary.uncovered_bad_debt, Money::ZERO);
    assert_eq!(o.summary.adl.as_ref().map(|a| a.paid), Some(m("8000")));
    assert!(margin_cascade::engine::conservation::check(&o.main).exact);
}

/// A run that once panicked: a cross account whose deficit of 9.4 · 10¹² USD is tried on a close of
/// 10⁻⁸ units as well (the bankruptcy price would be 10²⁰ beyond the fill): that close has no
/// bankruptcy price in range and is passed over, and the run finishes.
#[test]
fn a_tiny_close_carrying_a_huge_deficit_is_passed_over_without_overflow() {
    let o = run(json!({
        "version": 3, "steps": 3, "noise": false, "feedback": false,
        "assets": [
            {"symbol": "ETH", "price": "1000", "tick": "0.01", "sigma": 0.5, "depth_usd": "50000000", "mm_brackets": [{"floor": "0", "mmr": "0.005"}]},
            {"symbol": "B", "price": "1", "tick": "0.0001", "sigma": 0.5, "depth_usd": "50000000", "mm_brackets": [{"floor": "0", "mmr": "0.005"}]}
        ],
        "correlation": {"all_pairs": 0},
        "liquidation": {"fee_rate": "0", "adl": "queue"},
        "insurance_fund_usd": "0",
        "shocks": [{"step": 1, "symbol": "ETH", "percent": -10}, {"step": 1, "symbol": "B", "percent": -1}],
        "focal": {"collateral": {"USD": "100000"}, "positions": []},
        "crowd": {"accounts": 0},
        "accounts": [
            {"name": "bull", "collateral": {"USD": "600000000000"}, "positions": [
                {"asset": "ETH", "side": "long", "quantity": "100000000000"},
                {"asset": "B", "side": "long", "quantity": "0.00000001"}]},
            {"name": "Y", "collateral": {"USD": "1000000000"}, "positions": [{"asset": "B", "side": "short", "quantity": "1000000000"}]}
        ]
    }));
    assert!(adl_events(&o).is_empty(), "no ETH short to take from, and B's close has no bankruptcy price");
    assert_eq!(o.summary.uncovered_bad_debt, o.summary.bad_debt);
    assert!(margin_cascade::engine::conservation::check(&o.main).exact);
}

/// An isolated account's deficit is its bankrupt position's: a BTC long going bankrupt is covered
/// by the BTC short, not by the ETH short beside it (the account's ETH long closed at the same
/// step without a deficit).
#[test]
fn an_isolated_deficit_is_deleveraged_in_its_own_asset() {
    let o = run(json!({
        "version": 3, "steps": 4, "noise": false, "feedback": false,
        "assets": [
            {"symbol": "BTC", "price": "100000", "tick": "10", "sigma": 0.5, "depth_usd": "50000000", "mm_brackets": [{"floor": "0", "mmr": "0.005"}]},
            {"symbol": "ETH", "price": "1000", "tick": "0.01", "sigma": 0.5, "depth_usd": "50000000", "mm_brackets": [{"floor": "0", "mmr": "0.005"}]}
        ],
        "correlation": {"all_pairs": 0},
        "liquidation": {"fee_rate": "0", "adl": "queue"},
        "insurance_fund_usd": "0",
        "shocks": [{"step": 1, "symbol": "BTC", "percent": -10}, {"step": 1, "symbol": "ETH", "percent": -9.9}],
        "focal": {"collateral": {"USD": "100000"}, "positions": []},
        "crowd": {"accounts": 0},
        "accounts": [
            {"name": "iso", "mode": "isolated", "collateral": {"USD": "32000"}, "positions": [
                {"asset": "BTC", "side": "long", "quantity": "1", "margin_usd": "2000"},
                {"asset": "ETH", "side": "long", "quantity": "300", "margin_usd": "30000"}]},
            {"name": "S", "collateral": {"USD": "50000"}, "positions": [{"asset": "BTC", "side": "short", "quantity": "1"}]},
            {"name": "E", "collateral": {"USD": "5000"}, "positions": [{"asset": "ETH", "side": "short", "quantity": "100"}]}
        ]
    }));
    // BTC at 90 000: the isolated BTC long (margin 2 000) loses 10 000, a deficit of 8 000; its
    // bankruptcy price 98 000; S's short from 100 000 covers it whole: 1 × 8 000
    let got: Vec<(String, Money)> = adl_events(&o).into_iter().map(|e| (e.0, e.4)).collect();
    assert_eq!(got, vec![("S".to_string(), Money(d("8000")))]);
    assert_eq!(o.summary.uncovered_bad_debt, Money::ZERO);
}
