//! Bad input gets words, with a path and the rule broken, all problems at once, never a panic.

mod common;
use margin_cascade::{Error, Model, Scenario};
use serde_json::json;

fn problems(v: serde_json::Value) -> Vec<String> {
    let s: Scenario = serde_json::from_value(v).expect("parses");
    match Model::from_scenario(&s) {
        Ok(_) => vec![],
        Err(Error::Invalid(ps)) => ps.iter().map(|p| p.to_string()).collect(),
        Err(e) => vec![e.to_string()],
    }
}

#[test]
fn a_minimal_file_is_valid() {
    assert!(problems(json!({"version": 1})).is_empty());
    assert!(problems(json!({})).is_empty());
    // custom assets with every other field defaulted is valid too
    assert!(problems(json!({"version": 1, "steps": 10, "assets": [{"symbol": "X", "price": "5", "sigma": 0.4, "depth_usd": "1000000"}]})).is_empty());
}

#[test]
fn every_problem_is_reported_with_its_path() {
    let p = problems(json!({
        "version": 4,
        "steps": 0,
        "assets": [
            {"symbol": "BTC", "price": "100000", "depth_usd": "1"},
            {"symbol": "ETH", "price": "-3", "depth_usd": "0"},
            {"symbol": "SOL", "price": "100", "sigma": -1, "depth_usd": "5"}
        ],
        "shocks": [{"step": 5, "symbol": "DOGE", "percent": -120}],
        "focal": {"collateral": {"USD": "100"}, "positions": [{"asset": "XRP", "notional_usd": "10"}]}
    }));
    let want = [
        "version: must be 1, 2 or 3 (the format versions), got 4",
        "steps: must be between 1 and",
        "assets[1].price: must be a positive price",
        "assets[1].depth_usd: must be a positive USD depth",
        "assets[2].sigma: must be an annualised volatility",
        "shocks[0].symbol: unknown symbol \"DOGE\"",
        "shocks[0].percent: must be a percentage above −100",
        "focal.positions[0].asset: unknown symbol \"XRP\"",
    ];
    for w in want {
        assert!(p.iter().any(|x| x.starts_with(w)), "missing {w:?} in {p:#?}");
    }
}

#[test]
fn non_psd_correlation_is_named_or_repaired_on_request() {
    let assets = json!([
        {"symbol": "A", "price": "1", "sigma": 0.5, "depth_usd": "1000"},
        {"symbol": "B", "price": "1", "sigma": 0.5, "depth_usd": "1000"},
        {"symbol": "C", "price": "1", "sigma": 0.5, "depth_usd": "1000"}
    ]);
    let corr = json!({"all_pairs": 0.9, "pairs": [{"a": "A", "b": "C", "rho": -0.9}]});
    let p = problems(json!({"version": 1, "assets": assets, "correlation": corr, "crowd": {"accounts": 0}}));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].starts_with("correlation: the correlation matrix is not positive semi-definite (smallest eigenvalue -0.8"),
        "{}",
        p[0]
    );
    let mut c = corr.clone();
    c["repair"] = json!(true);
    let s: Scenario =
        serde_json::from_value(json!({"version": 1, "assets": assets, "correlation": c, "crowd": {"accounts": 0}}))
            .unwrap();
    let m = Model::from_scenario(&s).unwrap();
    assert_eq!(m.notices.len(), 1);
    assert!(m.notices[0].contains("nearest valid matrix"), "{}", m.notices[0]);
    // asymmetric or off-range matrices name the cell
    let p = problems(json!({"version": 1, "assets": assets, "crowd": {"accounts": 0},
        "correlation": {"matrix": [[1, 0.2, 0.1], [0.3, 1, 0.1], [0.1, 0.1, 1.5]]}}));
    assert!(p.iter().any(|x| x.starts_with("correlation.matrix[0][1]: the matrix must be symmetric")), "{p:?}");
    assert!(p.iter().any(|x| x.starts_with("correlation.matrix[2][2]: the diagonal must be 1")), "{p:?}");
}

#[test]
fn impossible_leverage_and_limits() {
    // 1 000× on BTC: margin 100 USD vs MM 400 USD at the 0.4 % tier
    let p = problems(json!({"version": 1, "focal": {"mode": "isolated", "collateral": {"USD": "100000"},
        "positions": [{"asset": "BTC", "notional_usd": "100000", "leverage": "1000"}]}}));
    assert!(p.iter().any(|x| x.starts_with("focal.positions[0]: impossible leverage")), "{p:?}");
    let p = problems(json!({"version": 1, "focal": {"collateral": {"USD": "10"},
        "positions": [{"asset": "BTC", "notional_usd": "100000"}]}}));
    assert!(p.iter().any(|x| x.starts_with("focal: the account opens already liquidatable")), "{p:?}");
    let p =
        problems(json!({"version": 1, "steps": 1000000, "crowd": {"accounts": 10000000}, "seed": 9007199254740993u64}));
    assert!(p.iter().any(|x| x.starts_with("steps: must be between 1 and 20000 (the step limit)")), "{p:?}");
    assert!(p.iter().any(|x| x.starts_with("crowd.accounts: at most 100000 crowd accounts")), "{p:?}");
    assert!(p.iter().any(|x| x.starts_with("seed: must be ≤ 9007199254740991")), "{p:?}");
    let many: Vec<_> = (0..17).map(|i| json!({"symbol": format!("A{i}"), "price": "1", "depth_usd": "1"})).collect();
    let p = problems(json!({"version": 1, "assets": many}));
    assert!(p.iter().any(|x| x.starts_with("assets: at most 16 assets")), "{p:?}");
}

#[test]
fn malformed_documents_are_parse_errors_in_words() {
    for (text, want) in [
        ("{", "EOF while parsing"),
        ("{\"version\": 1, \"stepz\": 3}", "unknown field `stepz`"),
        ("{\"steps\": \"many\"}", "invalid type: string \"many\""),
        (
            "{\"assets\": [{\"symbol\": \"X\", \"price\": \"abc\", \"depth_usd\": \"1\"}]}",
            "assets[0].price: invalid value",
        ),
        ("[]", "a scenario is a JSON object"),
        ("{} {}", "unexpected text after the scenario"),
    ] {
        let e = Scenario::from_json(text).unwrap_err().to_string();
        assert!(e.starts_with("could not read the scenario"), "{e}");
        assert!(e.contains(want), "{text}: {e}");
    }
}

#[test]
fn few_large_crowd_accounts_are_capped_with_a_notice_not_rejected() {
    let s: Scenario = serde_json::from_value(json!({"version": 1, "crowd": {"accounts": 20}})).unwrap();
    let m = Model::from_scenario(&s).unwrap();
    assert!(m.notices.iter().any(|n| n.contains("were capped at")), "{:?}", m.notices);
}

#[test]
fn a_zero_price_is_a_problem_in_words_even_with_a_crowd() {
    // (it used to divide by the price while sizing the crowd, and panic)
    for price in ["0", "-5"] {
        let p = problems(
            json!({"version": 2, "assets": [{"symbol": "X", "price": price, "sigma": 0.5, "depth_usd": "1000000"}],
                                "crowd": {"accounts": 100}}),
        );
        assert!(p.iter().any(|x| x.starts_with("assets[0].price: must be a positive price")), "{p:?}");
    }
}

#[test]
fn the_crowds_collateral_mix_is_checked_share_by_share() {
    let p = problems(json!({
        "version": 3,
        "assets": [
            {"symbol": "BTC", "price": "100000", "sigma": 0.5, "depth_usd": "100000000"},
            {"symbol": "JUNK", "price": "1", "sigma": 1.0, "depth_usd": "100000", "haircut": "1"}
        ],
        "crowd": {"collateral": {"USD": "0.5", "DOGE": "0.2", "BTC": "-0.1", "JUNK": "0.3"}}
    }));
    let want = [
        "crowd.collateral.USD: USD holds whatever the assets do not: list assets only",
        "crowd.collateral.DOGE: unknown asset \"DOGE\" (assets: BTC, JUNK)",
        "crowd.collateral.BTC: must be a share between 0 and 10 of the collateral value, got -0.1",
        "crowd.collateral.JUNK: JUNK has a 100 % haircut: as collateral it counts for nothing",
    ];
    for w in want {
        assert!(p.iter().any(|x| x.starts_with(w)), "missing {w:?} in {p:#?}");
    }
    let p = problems(json!({"version": 3, "crowd": {"collateral": {"BTC": "6", "ETH": "5"}}}));
    assert!(p.iter().any(|x| x.starts_with("crowd.collateral: the shares add up to 11, more than 10")), "{p:#?}");
    // a share above 1 in all is a USD loan, and valid
    assert!(problems(json!({"version": 3, "crowd": {"collateral": {"ETH": "2.5"}}})).is_empty());
}

#[test]
fn collateral_tiers_are_checked_row_by_row() {
    let asset = |tiers: serde_json::Value, haircut: &str| {
        json!({"version": 3, "assets": [{"symbol": "BTC", "price": "100000", "sigma": 0.5, "depth_usd": "100000000",
                                         "haircut": haircut, "collateral_tiers": tiers}]})
    };
    let p = problems(asset(json!([{"from": "5", "ratio": "0.98"}, {"from": "5", "ratio": "1.2"}]), "0.02"));
    let want = [
        "assets[0].haircut: give a flat haircut or collateral_tiers, not both",
        "assets[0].collateral_tiers[0].from: the first tier must start at 0, got 5",
        "assets[0].collateral_tiers[1].ratio: must be a fraction of the value",
        "assets[0].collateral_tiers[1].from: tiers must start at strictly increasing balances",
    ];
    for w in want {
        assert!(p.iter().any(|x| x.starts_with(w)), "missing {w:?} in {p:#?}");
    }
    assert!(problems(asset(json!([]), "0"))
        .iter()
        .any(|x| x.starts_with("assets[0].collateral_tiers: must have 1 to 32 tiers")));
    // Bybit's published BTC tiers are valid
    let bybit = json!([{"from": "0", "ratio": "0.98"}, {"from": "10", "ratio": "0.95"}, {"from": "20", "ratio": "0.90"},
                       {"from": "30", "ratio": "0.85"}, {"from": "40", "ratio": "0.80"}, {"from": "50", "ratio": "0"}]);
    assert_eq!(problems(asset(bybit, "0")), Vec::<String>::new());
}

#[test]
fn a_crowd_share_beyond_what_the_tiers_count_is_a_problem_in_words() {
    // XLST's tiers count at most 10·0.9 = 9 XLST (9 000 USD) of any balance; a crowd account at
    // 1× with 100 000 USD of positions would hold 100 000 USD of it
    let p = problems(json!({
        "version": 3,
        "assets": [
            {"symbol": "BTC", "price": "100000", "sigma": 0.5, "depth_usd": "100000000"},
            {"symbol": "XLST", "price": "1000", "sigma": 0.7, "depth_usd": "1000000",
             "collateral_tiers": [{"from": "0", "ratio": "0.9"}, {"from": "10", "ratio": "0"}]}
        ],
        "crowd": {"accounts": 1, "leverage_min": "1", "leverage_max": "1",
                  "assets": {"BTC": {"open_interest_usd": "100000", "long_share": "1", "cross_share": "1"}},
                  "collateral": {"XLST": "1"}}
    }));
    assert_eq!(p, vec!["crowd.collateral.XLST: a crowd account would hold 100000 USD of XLST, but XLST's collateral tiers count at most 9000 USD of any balance; lower the share or the crowd's size".to_string()]);
}

/// A crowd balance is held to the limit hand-listed balances have (worth at most 1e15 USD at the
/// opening price): a near-total haircut would otherwise make one account hold 7e28 units, whose
/// sale overflows exact arithmetic.
#[test]
fn a_crowd_balance_past_the_usd_limit_is_a_problem_not_a_panic() {
    let v = json!({"version": 3, "steps": 3, "noise": false,
        "assets": [{"symbol": "BTC", "price": "100000", "tick": "0.1", "sigma": 0.5, "depth_usd": "1000000000000", "haircut": "0.02"},
                   {"symbol": "JUNK", "price": "1", "tick": "0.0001", "sigma": 0.5, "depth_usd": "1000000000000", "haircut": "0.9999999999999"}],
        "shocks": [{"step": 1, "symbol": "BTC", "percent": 500, "own": true}, {"step": 1, "symbol": "JUNK", "percent": 50, "own": true}],
        "crowd": {"accounts": 1, "leverage_min": "1", "leverage_max": "1",
                  "assets": {"BTC": {"open_interest_usd": "1000000000000000", "long_share": "0", "cross_share": "1"}},
                  "collateral": {"JUNK": "7"}}});
    let p = problems(v);
    assert_eq!(p.len(), 1, "{p:#?}");
    assert!(p[0].starts_with("crowd.collateral.JUNK: a crowd account would hold 70000000000000000000000000000 JUNK, worth more than the 1000000000000000 USD limit"), "{p:#?}");
}

#[test]
fn pricing_rules_are_checked_in_words() {
    let base = |liq: serde_json::Value| json!({"version": 3, "liquidation": liq});
    // a window belongs to a median mark only, and must be a positive number of minutes ≤ a day
    assert_eq!(
        problems(base(json!({"mark_price": "index", "mark_window_minutes": "5"}))),
        vec!["liquidation.mark_window_minutes: only a median mark price has a window (mark_price: \"median\")"]
    );
    assert_eq!(
        problems(base(json!({"mark_price": "median", "mark_window_minutes": "0"}))),
        vec!["liquidation.mark_window_minutes: must be a number of minutes (one day at most) (> 0 and ≤ 1440), got 0"]
    );
    assert!(problems(base(json!({"mark_price": "median"}))).is_empty(), "the window defaults to 5 minutes");
    // an unknown rule or source is a parse error that names the choices
    for (text, want) in [
        (
            r#"{"liquidation": {"mark_price": "last"}}"#,
            "unknown variant `last`, expected one of `market`, `index`, `median`",
        ),
        (
            r#"{"assets": [{"symbol": "X", "price": "1", "depth_usd": "1", "collateral_price": "oracle"}]}"#,
            "unknown variant `oracle`, expected `market` or `index`",
        ),
    ] {
        let e = Scenario::from_json(text).unwrap_err().to_string();
        assert!(e.contains(want), "{text}: {e}");
    }
}

#[test]
fn a_tiny_step_does_not_overflow_a_cooldown_or_a_window() {
    // 1e-25 minutes: a day's cooldown or window is more steps than any run has
    for liq in [
        json!({"policy": "chunks", "chunk": {"cooldown_seconds": "86400"}}),
        json!({"mark_price": "median", "mark_window_minutes": "1440"}),
        json!({"policy": "step_down", "step_down": {"delay_seconds": "86400"}}),
    ] {
        let s: Scenario = serde_json::from_value(
            json!({"version": 3, "steps": 3, "step_minutes": "0.0000000000000000000000001", "liquidation": liq}),
        )
        .unwrap();
        let m = Model::from_scenario(&s).expect("valid");
        margin_cascade::simulate(&m);
    }
}

#[test]
fn maximum_leverage_is_checked_in_words() {
    let asset = |brackets: serde_json::Value| json!({"version": 3, "assets": [{"symbol": "BTC", "price": "100", "depth_usd": "1000000", "mm_brackets": brackets}]});
    let two = |a: serde_json::Value, b: serde_json::Value| json!([{"floor": "0", "mmr": "0.01", "max_leverage": a}, {"floor": "1000000", "mmr": "0.02", "max_leverage": b}]);
    assert_eq!(
        problems(asset(
            json!([{"floor": "0", "mmr": "0.01", "max_leverage": "20"}, {"floor": "1000000", "mmr": "0.02"}])
        )),
        vec!["assets[0].mm_brackets: max_leverage must be given for every bracket or for none (1 of 2 have it)"]
    );
    assert_eq!(
        problems(asset(two(json!("20"), json!("25")))),
        vec!["assets[0].mm_brackets[1].max_leverage: must not rise from one bracket to the next"]
    );
    // 1 / 50 = 2 % is not above the second bracket's 2 %
    assert_eq!(
        problems(asset(two(json!("50"), json!("50")))),
        vec!["assets[0].mm_brackets[1].max_leverage: at 50× the initial margin rate 0.02 is not above the maintenance rate 0.02: every position would open liquidatable"]
    );
    assert_eq!(
        problems(asset(two(json!("0.5"), json!("0.5")))),
        vec!["assets[0].mm_brackets[0].max_leverage: must be a leverage (≥ 1 and ≤ 1000), got 0.5"]
    );
    assert!(problems(asset(two(json!("40"), json!("20")))).is_empty());
}

#[test]
fn venue_rule_settings_are_checked_in_words() {
    let base = |liq: serde_json::Value| json!({"version": 3, "liquidation": liq});
    assert_eq!(
        problems(base(json!({"policy": "step_down", "step_down": {"tiers": 0}}))),
        vec!["liquidation.step_down.tiers: must be 1 to 32 brackets, got 0"]
    );
    assert_eq!(
        problems(base(json!({"policy": "step_down", "step_down": {"delay_seconds": "-1"}}))),
        vec!["liquidation.step_down.delay_seconds: must be a number of seconds (a day at most) (≥ 0 and ≤ 86400), got -1"]
    );
    assert_eq!(
        problems(base(json!({"policy": "step_down", "step_down": {"from_tier": 0}}))),
        vec!["liquidation.step_down.from_tier: must be a bracket from 1 to 32, got 0"]
    );
    assert_eq!(
        problems(base(json!({"step_down": {"tiers": 2}}))),
        vec!["liquidation.step_down: only the step_down policy has step-down settings (policy: \"step_down\")"]
    );
    assert_eq!(
        problems(base(json!({"backstop_below_mm": "1.5"}))),
        vec!["liquidation.backstop_below_mm: must be a share of the maintenance margin (Hyperliquid: 0.6666666667) (> 0 and ≤ 1), got 1.5"]
    );
    assert!(problems(base(json!({"policy": "step_down", "adl": "pro_rata", "backstop_below_mm": "0.6666666667"})))
        .is_empty());
    // pro rata cuts every counterparty for every deficit: a crowd past 2 000 accounts is refused in words
    assert_eq!(
        problems(json!({"version": 3, "liquidation": {"adl": "pro_rata"}, "crowd": {"accounts": 2001}})),
        vec!["liquidation.adl: pro_rata is limited to crowds of 2000 accounts (every deficit cuts every position on the other side), got 2001; use queue"]
    );
}

#[test]
fn a_step_down_above_every_bracket_is_told() {
    let brackets = |n: usize| -> Vec<serde_json::Value> {
        (0..n).map(|k| json!({"floor": (k * 1_000_000).to_string(), "mmr": format!("0.00{}", k + 5)})).collect()
    };
    let asset = |sym: &str, n: usize| json!({"symbol": sym, "price": "100", "sigma": 0.5, "depth_usd": "1000000000", "mm_brackets": brackets(n)});
    let notices = |from: u32| {
        let s: Scenario = serde_json::from_value(json!({
            "version": 3,
            "assets": [asset("AAA", 3), asset("BBB", 1), asset("CCC", 5)],
            "liquidation": {"policy": "step_down", "step_down": {"from_tier": from}},
        }))
        .expect("parses");
        Model::from_scenario(&s).expect("valid").notices
    };
    // AAA has 3 brackets, CCC 5: from bracket 4, AAA's positions never step down; BBB has one
    // bracket and nothing to step down to whatever the setting, so it is not named
    assert!(notices(4).contains(&"The step-down starts from bracket 4 (liquidation.step_down.from_tier), above every bracket of AAA (3): positions in it always close whole.".to_string()));
    assert!(notices(9).iter().any(|n| n.contains("above every bracket of AAA (3), CCC (5): positions in these")));
    // from bracket 3, every asset with more than one bracket has one to step down from
    assert!(!notices(3).iter().any(|n| n.contains("step-down starts")));
}
