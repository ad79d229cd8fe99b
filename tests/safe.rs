//! Safe leverage (`engine/safe.rs`, `share/safe.rs`): hand-worked edges, and every reported edge
//! checked by full runs of the scenario at the two leverages it names (the engine's own three
//! runs, not the early-exit check the bisection uses), plus a scan of the grid for survivors
//! above the edge the bisection trusts there are none of.

mod common;
use common::d;
use margin_cascade::engine::account::Mode;
use margin_cascade::engine::liquidation::EventKind;
use margin_cascade::engine::safe::Edge;
use margin_cascade::share::{controls, presets, safe};
use margin_cascade::{simulate, Model, Scenario};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// No volatility, no crowd, one bracket of 1 % maintenance margin for every asset, and each
/// asset in `drops` falling by its percentage at step 1 (its own move, no correlation).
fn flat(focal: Value, drops: &[(&str, f64)]) -> Scenario {
    let mut assets = margin_cascade::engine::scenario::default_assets();
    for a in &mut assets {
        a.sigma = 0.0;
        a.mm_brackets = Some(serde_json::from_value(json!([{"floor": "0", "mmr": "0.01"}])).unwrap());
    }
    let shocks: Vec<Value> =
        drops.iter().map(|(s, p)| json!({"step": 1, "symbol": s, "percent": -p, "own": true})).collect();
    common::scenario(json!({"version": 3, "steps": 3, "noise": false, "crowd": {"accounts": 0},
        "assets": assets, "focal": focal, "shocks": shocks}))
}

fn edges(s: &Scenario) -> Vec<(Edge, Edge)> {
    safe::safe_leverage(s).unwrap().into_iter().map(|x| (x.with_feedback, x.without_feedback)).collect()
}

#[test]
fn one_long_survives_below_the_leverage_its_loss_and_margin_allow() {
    // 10 000 USD behind a BTC long of 10 000·L; BTC falls 10 %: equity 10 000 − 1 000·L, maintenance
    // 1 % of 9 000·L = 90·L. Liquidated when 90·L ≥ 10 000 − 1 000·L, L ≥ 10 000 / 1 090 = 9.17:
    // at 9.1× equity 900 > 819; at 9.2× equity 800 ≤ 828.
    let focal = json!({"mode": "cross", "collateral": {"USD": "10000"},
        "positions": [{"asset": "BTC", "notional_usd": "50000", "leverage": "5"}]});
    let e = Edge::UpTo { survives: d("9.1"), liquidated: d("9.2") };
    assert_eq!(edges(&flat(focal, &[("BTC", 10.0)])), vec![(e, e)]);
}

#[test]
fn in_cross_the_other_position_lowers_the_edge() {
    // as above, plus an ETH long of 20 000 falling 10 % too: equity 8 000 − 1 000·L, maintenance
    // 90·L + 180. Liquidated when L ≥ 7 820 / 1 090 = 7.17: the edge moves from 9.1× to 7.1×.
    // ETH's own edge: its 2 000 of margin × L' with BTC at 5× (50 000): equity 5 000 − 200·L',
    // maintenance 450 + 18·L'; L' ≥ 4 550 / 218 = 20.87.
    let focal = json!({"mode": "cross", "collateral": {"USD": "10000"},
        "positions": [{"asset": "BTC", "notional_usd": "50000", "leverage": "5"},
                      {"asset": "ETH", "notional_usd": "20000", "leverage": "10"}]});
    let e = edges(&flat(focal, &[("BTC", 10.0), ("ETH", 10.0)]));
    assert_eq!(e[0].0, Edge::UpTo { survives: d("7.1"), liquidated: d("7.2") });
    assert_eq!(e[1].0, Edge::UpTo { survives: d("20.8"), liquidated: d("20.9") });
}

#[test]
fn a_hedge_is_safer_larger() {
    // an ETH long of 100 000 on 10 000 USD loses all of it in a 10 % fall; a BTC short of 1 000·L
    // (1 000 of margin) gains 100·L: equity 100·L, maintenance 900 + 9·L. Survives when
    // 91·L > 900, L > 9.89: liquidated at 9.8×, survives from 9.9× up.
    let focal = json!({"mode": "cross", "collateral": {"USD": "10000"},
        "positions": [{"asset": "ETH", "notional_usd": "100000", "leverage": "10"},
                      {"asset": "BTC", "side": "short", "notional_usd": "10000", "leverage": "10"}]});
    let e = edges(&flat(focal, &[("BTC", 10.0), ("ETH", 10.0)]));
    assert_eq!(e[1].0, Edge::From { liquidated: d("9.8"), survives: d("9.9") });
    assert_eq!(e[1].0.words(), "survives from 9.9× up (liquidated at 9.8×: more of this position is safer here)");
}

#[test]
fn an_invalid_scenario_is_an_error_in_words() {
    let mut s =
        flat(json!({"collateral": {"USD": "10"}, "positions": [{"asset": "BTC", "notional_usd": "50000"}]}), &[]);
    s.steps = 0;
    let e = safe::safe_leverage(&s).unwrap_err().to_string();
    assert!(e.contains("steps"), "{e}");
}

/// Whether your account (isolated: the position in `sym`) survives the scenario at `lev` for
/// control `key`, by the full three runs: (the main run, feedback on; the no-feedback run).
fn full_runs(s: &Scenario, key: &str, lev: Decimal, sym: &str) -> (bool, bool) {
    let mut s = controls::apply(s, &BTreeMap::from([("feedback".to_string(), "true".to_string())])).unwrap();
    let v = BTreeMap::from([(key.to_string(), lev.to_string())]);
    s = controls::apply(&s, &v).unwrap();
    let Ok(m) = Model::from_scenario(&s) else { return (false, false) };
    let o = simulate(&m);
    let isolated = m.focal.mode == Mode::Isolated;
    let a = o.symbols.iter().position(|x| x == sym).unwrap();
    let lives = |r: &margin_cascade::engine::sim::Run| {
        !r.events.iter().any(|e| {
            e.liquidates_focal()
                && (!isolated
                    || matches!(e.kind, EventKind::Liquidation { asset, .. } | EventKind::Backstop { asset, .. } if asset == a))
        })
    };
    (lives(&o.main), lives(&o.no_feedback))
}

#[test]
fn every_preset_edge_is_where_full_runs_change() {
    for name in ["loop", "contagion", "cross-vs-isolated", "hyperliquid", "adl", "depeg"] {
        let s: Scenario = serde_json::from_str(presets::get(name).unwrap().json).unwrap();
        for x in safe::safe_leverage(&s).unwrap() {
            for (fb, e) in [(0, x.with_feedback), (1, x.without_feedback)] {
                let at = |l: Decimal| {
                    let r = full_runs(&s, &x.key, l, &x.asset);
                    if fb == 0 {
                        r.0
                    } else {
                        r.1
                    }
                };
                let what = format!("{name} {} {}: {e:?}", x.key, ["with feedback", "without"][fb]);
                if let Some(l) = e.survives() {
                    assert!(at(l), "{what}: survives at {l}");
                }
                if let Some(l) = e.liquidated() {
                    assert!(!at(l), "{what}: liquidated at {l}");
                }
            }
        }
    }
}

#[test]
fn no_survivor_above_the_edge_on_a_coarse_scan() {
    // the bisection trusts that survival changes once along the grid; scan it every 2.5× (with
    // feedback) on the presets where the edge lies inside the grid
    for name in ["loop", "cross-vs-isolated", "hyperliquid"] {
        let s: Scenario = serde_json::from_str(presets::get(name).unwrap().json).unwrap();
        for x in safe::safe_leverage(&s).unwrap() {
            let Edge::UpTo { survives, .. } = x.with_feedback else { continue };
            for k in 0..40 {
                let l = Decimal::ONE + Decimal::new(25, 1) * Decimal::from(k);
                let lives = full_runs(&s, &x.key, l, &x.asset).0;
                assert_eq!(lives, l <= survives, "{name} {} at {l}× (edge {survives}×)", x.key);
            }
        }
    }
}

#[test]
fn a_hedge_that_turns_has_no_single_edge_and_says_so() {
    // an ETH long hedged by a BTC short: at step 1 both fall 10 % (the short must be large enough
    // to cover the long's loss), at step 2 ETH is back and BTC rises 66.7 % (the short must be
    // small enough to survive it): only a middle range survives, 10× to 17× by full runs
    let mut s = flat(
        json!({"mode": "cross", "collateral": {"USD": "10000"},
            "positions": [{"asset": "ETH", "notional_usd": "100000", "leverage": "10"},
                          {"asset": "BTC", "side": "short", "notional_usd": "10000", "leverage": "10"}]}),
        &[("ETH", 10.0), ("BTC", 10.0)],
    );
    s.steps = 4;
    s.shocks
        .push(serde_json::from_value(json!({"step": 2, "symbol": "ETH", "percent": 11.1111111, "own": true})).unwrap());
    s.shocks
        .push(serde_json::from_value(json!({"step": 2, "symbol": "BTC", "percent": 66.6666667, "own": true})).unwrap());
    let e = edges(&s)[1].0;
    let (Some(alive), Some(dead)) = (e.survives(), e.liquidated()) else { panic!("{e:?}") };
    assert_eq!(e.kind(), "mixed", "{e:?}");
    assert!(full_runs(&s, "lev.1", alive, "BTC").0 && !full_runs(&s, "lev.1", dead, "BTC").0, "{e:?}");
    assert!(e.words().starts_with("no single edge: survives at"), "{}", e.words());
}

/// The edge above (9.1×) past the brackets' maximum leverage is said to be: with an 8× maximum
/// (initial margin 12.5 % > the 1 % rate) the answer names it; with 20× it does not.
#[test]
fn a_survivor_above_the_maximum_leverage_is_said_to_be() {
    let focal = json!({"mode": "cross", "collateral": {"USD": "10000"},
        "positions": [{"asset": "BTC", "notional_usd": "50000", "leverage": "5"}]});
    let with_max = |max: &str| {
        let mut s = flat(focal.clone(), &[("BTC", 10.0)]);
        for a in &mut s.assets {
            a.mm_brackets =
                Some(serde_json::from_value(json!([{"floor": "0", "mmr": "0.01", "max_leverage": max}])).unwrap());
        }
        safe::safe_leverage(&s).unwrap().remove(0)
    };
    let a = with_max("8");
    assert_eq!(a.with_feedback, Edge::UpTo { survives: d("9.1"), liquidated: d("9.2") });
    assert_eq!(a.venue_max, (Some(d("8")), Some(d("8"))));
    assert!(
        a.words().ends_with("(at 9.1× the position is above the 8× the brackets allow at that size)."),
        "{}",
        a.words()
    );
    assert_eq!(serde_json::to_value(&a).unwrap()["max_leverage"], json!(["8", "8"]));
    let b = with_max("20");
    assert!(!b.words().contains("above"), "{}", b.words());
}
