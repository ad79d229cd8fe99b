//! Every control the page shows either changes the outcome over its range or is disabled with a
//! reason — and a disabled control really changes nothing. Swept over every preset.

use margin_cascade::share::controls::{self, Kind};
use margin_cascade::{output::report, share::presets, simulate, Model, Scenario};
use serde_json::Value;
use std::collections::BTreeMap;

/// What a reader sees of a run: the three runs' summaries (liquidation steps, closed positions,
/// final equities, drawdowns, crowd liquidations, fees, bad debt) and your account's series the
/// charts draw (collateral value, equity, margin ratio).
fn outcome(s: &Scenario) -> Option<(Value, [String; 3])> {
    let m = Model::from_scenario(s).ok()?;
    let o = simulate(&m);
    let j = report::to_json(&o);
    let focal = |r: &Value| {
        let f = &r["series"]["focal"];
        serde_json::json!([r["summary"], f["collateral_value"], f["equity"], f["margin_ratio"]])
    };
    let summaries = serde_json::json!([
        focal(&j),
        focal(&j["counterfactuals"]["no_feedback"]),
        focal(&j["counterfactuals"]["other_mode"])
    ]);
    let fp = |r| report::run_fingerprint(&o.symbols, r);
    Some((summaries, [fp(&o.main), fp(&o.no_feedback), fp(&o.other_mode)]))
}

/// The values a sweep tries: the scenario's own, the ends and the quarters of a number's range,
/// every option.
fn values(c: &controls::Control) -> Vec<String> {
    match &c.kind {
        Kind::Number { min, max, .. } => std::iter::once(c.value.clone())
            .chain(
                [0.0, 0.25, 0.5, 0.75, 1.0]
                    .iter()
                    .map(|q| min + (max - min) * q)
                    .map(|x| format!("{}", (x * 100.0).round() / 100.0)),
            )
            .collect(),
        Kind::Toggle => vec!["false".into(), "true".into()],
        Kind::Choice { options } => options.clone(),
    }
}

#[test]
fn every_enabled_control_changes_the_outcome_and_every_disabled_one_does_not() {
    let mut report_lines = vec![];
    for p in presets::PRESETS {
        let base = p.scenario();
        let apart = simulate(&Model::from_scenario(&base).unwrap()).rules_matter;
        for c in controls::describe_with(&base, &BTreeMap::new(), None, Some(apart)) {
            let mut seen: Vec<(String, Value, [String; 3])> = vec![];
            for v in values(&c) {
                let Ok(s) = controls::apply(&base, &BTreeMap::from([(c.key.clone(), v.clone())])) else { continue };
                if let Some((sum, fp)) = outcome(&s) {
                    seen.push((v, sum, fp));
                }
            }
            assert!(seen.len() >= 2, "{} {}: fewer than two valid values to compare", p.name, c.key);
            if c.enabled {
                assert!(c.reason.is_none(), "{} {}: enabled with a reason", p.name, c.key);
                let moved = seen.iter().any(|x| x.1 != seen[0].1);
                assert!(
                    moved,
                    "{} {}: enabled, but {:?} all give the same outcome",
                    p.name,
                    c.key,
                    seen.iter().map(|x| &x.0).collect::<Vec<_>>()
                );
            } else {
                let why = c.reason.clone().unwrap_or_default();
                assert!(why.len() > 10, "{} {}: disabled without a reason", p.name, c.key);
                for x in &seen {
                    assert_eq!(
                        x.2, seen[0].2,
                        "{} {}: disabled ({why}) but {}={} changes the numbers",
                        p.name, c.key, c.key, x.0
                    );
                }
                report_lines.push(format!("{} {}: {why}", p.name, c.key));
            }
        }
    }
    // the disabled controls and their reasons, for the reader of the test log
    println!("{}", report_lines.join("\n"));
}

#[test]
fn a_disabled_control_says_why_in_one_line() {
    // contagion: no noise, ETH's own slide → seed and correlation cannot matter
    let s = presets::get("contagion").unwrap().scenario();
    let c = controls::describe(&s);
    let get = |k: &str| c.iter().find(|x| x.key == k).unwrap().clone();
    assert_eq!(get("seed").reason.as_deref(), Some("No effect while random noise is off."));
    assert!(get("corr").reason.unwrap().contains("every scripted move is its asset's own"));
    // turning the noise on enables both
    let on = controls::describe_with(&s, &BTreeMap::from([("noise".to_string(), "true".to_string())]), None, None);
    assert!(on.iter().filter(|x| x.key == "seed" || x.key == "corr").all(|x| x.enabled));
    // feedback off disables depth
    let off = controls::describe_with(&s, &BTreeMap::from([("feedback".to_string(), "false".to_string())]), None, None);
    let depth = off.iter().find(|x| x.key == "depth").unwrap();
    assert!(!depth.enabled && depth.reason.as_deref() == Some("No effect while price-impact feedback is off."));
}

#[test]
fn the_mode_is_a_view_of_one_book_for_every_preset_both_ways_bit_for_bit() {
    // mode=cross's main run equals mode=isolated's other-mode run, and the other way round, and
    // both start from the same capital
    for p in presets::PRESETS {
        let base = p.scenario();
        let run = |mode: &str| {
            let s = controls::apply(&base, &BTreeMap::from([("mode".to_string(), mode.to_string())])).unwrap();
            simulate(&Model::from_scenario(&s).unwrap())
        };
        let (c, i) = (run("cross"), run("isolated"));
        let fp = |o: &margin_cascade::Outcome, r| report::run_fingerprint(&o.symbols, r);
        assert_eq!(fp(&c, &c.main), fp(&i, &i.other_mode), "{}: cross", p.name);
        assert_eq!(fp(&i, &i.main), fp(&c, &c.other_mode), "{}: isolated", p.name);
        assert_eq!(c.main.series.focal_equity, i.other_mode.series.focal_equity, "{}", p.name);
        assert_eq!(c.main.series.focal_equity[0], i.main.series.focal_equity[0], "{}: the same capital", p.name);
    }
}

#[test]
fn depth_changes_the_book_and_crowd_size_the_crowd() {
    // double-hit's crowd is the default one, whose open interest the scenario derives from depth
    let base = presets::get("double-hit").unwrap().scenario();
    assert!(base.crowd.assets.is_none());
    let set = |k: &str, v: &str| controls::apply(&base, &BTreeMap::from([(k.to_string(), v.to_string())])).unwrap();
    let oi = |s: &Scenario| s.crowd.assets_or_default(&s.assets)["ETH"].open_interest_usd;
    let depth = |s: &Scenario| s.assets.iter().find(|a| a.symbol == "ETH").unwrap().depth_usd;
    // ETH depth 200 M; crowd open interest 5 × 200 M = 1 B
    let half = set("depth", "0.5");
    assert_eq!((depth(&half).to_string(), oi(&half).to_string()), ("100000000".into(), "1000000000".into()));
    let big = set("crowd.size", "2");
    assert_eq!((depth(&big).to_string(), oi(&big).to_string()), ("200000000".into(), "2000000000".into()));
}

/// A model rebuilt with the crowd copied from the last one (`Model::from_scenario_with` and a
/// `CrowdMemo`, as the page and safe leverage do) runs to the same result document, digest and
/// all, as one built afresh — across a slider's moves that keep the crowd (correlation, your
/// leverage, the shock) and ones that change it (the crowd's size and leverage, a venue).
#[test]
fn a_crowd_copied_from_the_memo_is_the_crowd_generated() {
    let mut memo = margin_cascade::engine::crowd::CrowdMemo::default();
    for p in ["loop", "adl", "collateral-loop", "hyperliquid", "depeg"] {
        let base = presets::get(p).unwrap().scenario();
        let settings: [&[(&str, &str)]; 6] = [
            &[],
            &[("corr", "0.3")],
            &[("corr", "0.3"), ("lev.0", "20")],
            &[("crowd.size", "0.5")],
            &[("crowd.size", "0.5"), ("crowd.lev_max", "30"), ("shock.pct", "-20")],
            &[("venue", "binance")],
        ];
        for set in settings {
            let values: BTreeMap<String, String> = set.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            let s = controls::apply(&base, &values).unwrap_or_else(|e| panic!("{p} {set:?}: {e}"));
            let fresh = report::to_json_text(&simulate(&Model::from_scenario(&s).unwrap()));
            let kept = report::to_json_text(&simulate(&Model::from_scenario_with(&s, &mut memo).unwrap()));
            assert!(fresh == kept, "{p} {set:?}: the memo's crowd ran differently");
        }
    }
}
