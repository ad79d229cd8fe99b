//! The Monte Carlo risk map (`share/sweep.rs`): with common random numbers the probability of
//! liquidation never falls as leverage rises; a cell's figures are those of its paths run one by
//! one through the CLI; bad grids are refused in words.

mod common;
use common::cascade;
use margin_cascade::share::presets;
use margin_cascade::share::sweep::{Plan, Range};
use serde_json::Value;
use std::collections::BTreeMap;

#[test]
fn p_liquidation_never_falls_as_leverage_rises() {
    // one long: on every path a larger position on the same margin fails wherever a smaller one does
    let s = presets::get("amplification").unwrap().scenario();
    let p = Plan::new(
        &s,
        &BTreeMap::new(),
        Range::parse("lev.0=1:30:30").unwrap(),
        Range::parse("depth=0.5:2:2").unwrap(),
        40,
    )
    .unwrap();
    for j in 0..p.y.n {
        let counts: Vec<u32> = (0..p.x.n).map(|i| p.cell(i, j).unwrap().liquidated).collect();
        assert!(counts.windows(2).all(|w| w[0] <= w[1]), "row {j}: {counts:?}");
        assert!(counts[0] < counts[p.x.n - 1], "the map spans both: {counts:?}");
    }
}

#[test]
fn a_cell_is_its_paths_run_one_by_one() {
    let (code, out, err) = cascade(&[
        "sweep",
        "v=2&preset=loop",
        "--x",
        "lev.0=6:10:2",
        "--y",
        "corr=0.3:0.5:2",
        "--paths",
        "6",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let map: Value = serde_json::from_str(&out).unwrap();
    let cell = &map["cells"][3]; // lev.0 = 10, corr = 0.5
    assert_eq!((cell["x"].as_f64(), cell["y"].as_f64()), (Some(10.0), Some(0.5)));
    let mut liquidated = 0;
    let mut finals = vec![];
    let mut crowd = vec![];
    let mut exhausted = 0;
    for seed in map["seeds"].as_array().unwrap() {
        let link = format!("v=2&preset=loop&lev.0=10&corr=0.5&noise=true&seed={seed}");
        let (code, out, err) = cascade(&["run", &link, "--json", "--strict"]);
        assert_eq!(code, 0, "{err}");
        let r: Value = serde_json::from_str(&out).unwrap();
        let s = &r["summary"];
        liquidated += !s["focal_liquidated_step"].is_null() as u32;
        let eq: rust_decimal::Decimal = s["final_equity"].as_str().unwrap().parse().unwrap();
        finals.push((eq, seed.as_u64().unwrap()));
        crowd.push(s["crowd_liquidated_notional"].as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap());
        let uncovered: rust_decimal::Decimal = s["uncovered_bad_debt"].as_str().unwrap().parse().unwrap();
        let adl = s["adl"]["paid"].as_str().map_or(rust_decimal::Decimal::ZERO, |p| p.parse().unwrap());
        exhausted += (uncovered > rust_decimal::Decimal::ZERO || adl > rust_decimal::Decimal::ZERO) as u32;
    }
    assert_eq!(cell["liquidated_paths"].as_u64(), Some(liquidated as u64));
    // 6 paths: the worst 5 % is the worst path; the 95th percentile is rank 6 of 6, the largest
    finals.sort();
    assert_eq!(cell["worst_seed"].as_u64(), Some(finals[0].1));
    assert_eq!(cell["expected_shortfall_5pct_final_equity"].as_str().unwrap(), finals[0].0.round_dp(2).to_string());
    let lar: rust_decimal::Decimal = cell["liquidation_at_risk_95"].as_str().unwrap().parse().unwrap();
    assert_eq!(lar, *crowd.iter().max().unwrap());
    assert_eq!(cell["p_fund_exhausted"].as_f64(), Some(exhausted as f64 / 6.0));
    // the digest is the document's
    let mut doc = map.clone();
    let digest = doc.as_object_mut().unwrap().remove("digest").unwrap();
    use sha2::Digest;
    let hex: String = sha2::Sha256::digest(doc.to_string().as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(digest, Value::String(hex));
}

#[test]
fn bad_grids_are_refused_in_words() {
    for (args, why) in [
        (
            vec!["--x", "lev.9=1:5:3"],
            "unknown control key \"lev.9\" for an axis (the numeric controls here: lev.0, lev.1,",
        ),
        (vec!["--x", "lev.0=1:5:0"], "N must be 1 to 51 points, got 0"),
        (vec!["--paths", "0"], "paths must be 1 to 10000, got 0"),
        (
            vec!["--x", "lev.0=1:25:51", "--y", "corr=0:0.9:51", "--paths", "1000"],
            "51×51 cells × 1000 paths is 2601000 runs; at most 2000000",
        ),
        (vec!["--x", "lev.0=1:500:5"], "goes from 1 to 100; the axis asks 1 to 500"),
        (vec!["--x", "corr=0:0.5:3"], "the two axes need two different controls, both are corr"),
        (vec!["--x", "seed=1:5:3"], "unknown control key \"seed\""),
    ] {
        let mut a = vec!["sweep", "preset:loop"];
        a.extend(args.iter());
        let (code, _, err) = cascade(&a);
        assert_ne!(code, 0, "{args:?}");
        assert!(err.contains(why), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}
