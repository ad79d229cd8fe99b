//! Venue rule packs: the docs' table is the packs' own numbers; a pack replaces the rules and
//! nothing else; every pack runs every preset with exact conservation.

use margin_cascade::engine::scenario::{PolicySpec, Scenario, Venue};
use margin_cascade::engine::venues;
use margin_cascade::{share::presets, simulate, Model};

#[test]
fn the_docs_table_is_the_packs_own_numbers() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/venue-packs.md")).unwrap();
    assert!(
        doc.contains(&venues::markdown()),
        "docs/venue-packs.md must end with the output of `cascade venues --markdown`"
    );
    // every pack cites every rule it sets
    for v in venues::ALL.into_iter().skip(1) {
        let rules: Vec<&str> = venues::citations().iter().filter(|c| c.venue == v).map(|c| c.rule).collect();
        for r in ["liquidation fee", "mark price", "partial liquidation", "backstop", "auto-deleveraging", "collateral"]
        {
            assert!(rules.contains(&r), "{} cites no {r}", v.key());
        }
        assert!(rules.iter().any(|r| r.starts_with("MM brackets")), "{} cites no brackets", v.key());
    }
}

#[test]
fn a_pack_replaces_the_rules_only() {
    let base = presets::get("loop").unwrap().scenario();
    for v in venues::ALL {
        let r = venues::resolved(&base.under(v));
        // the book, the crowd, the shocks and the haircuts stay the scenario's
        assert_eq!(r.focal, base.focal);
        assert_eq!(r.crowd, base.crowd);
        assert_eq!(r.shocks, base.shocks);
        for (a, b) in r.assets.iter().zip(&base.assets) {
            assert_eq!(
                (&a.symbol, a.depth_usd, a.haircut, &a.collateral_tiers),
                (&b.symbol, b.depth_usd, b.haircut, &b.collateral_tiers)
            );
        }
        if v.is_simple() {
            assert_eq!(r, base);
        }
    }
}

/// Every preset under every pack validates, runs, and its ledger balances to the last decimal.
#[test]
fn every_preset_runs_under_every_pack_and_conserves() {
    for p in presets::PRESETS {
        for v in venues::ALL {
            let s = p.scenario().under(v);
            let m = Model::from_scenario(&s).unwrap_or_else(|e| panic!("{} under {}: {e}", p.name, v.key()));
            let o = simulate(&m);
            for (name, run) in [("main", &o.main), ("no feedback", &o.no_feedback), ("other mode", &o.other_mode)] {
                let c = margin_cascade::engine::conservation::check(run);
                assert!(c.exact, "{} under {}, {name}: {:?}", p.name, v.key(), c.violations);
            }
        }
    }
}

#[test]
fn hyperliquid_chunks_and_backstop_and_no_fund() {
    let m = Model::from_scenario(&Scenario { venue: Venue::Hyperliquid, ..Scenario::default() }).unwrap();
    assert_eq!(m.venue, Venue::Hyperliquid);
    assert_eq!(m.fund0.0, rust_decimal::Decimal::ZERO);
    assert_eq!(m.fee_rate.0, rust_decimal::Decimal::ZERO);
    assert!(m.backstop.is_some());
    let s = venues::resolved(&Scenario { venue: Venue::Hyperliquid, ..Scenario::default() });
    assert_eq!(s.liquidation.policy, PolicySpec::Chunks);
}

#[test]
fn a_file_with_its_own_rules_under_a_pack_is_told_they_were_replaced() {
    let text = r#"{"version": 3, "venue": "binance", "liquidation": {"policy": "full"}}"#;
    let m = Model::from_scenario(&Scenario::from_json(text).unwrap()).unwrap();
    assert!(
        m.notices.iter().any(|n| n.contains("The Binance rules replace the scenario's own liquidation")),
        "{:?}",
        m.notices
    );
    let bad = Scenario::from_json(r#"{"version": 3, "venue": "kraken"}"#).unwrap_err().to_string();
    assert!(bad.contains("venue") && bad.contains("kraken"), "{bad}");
}

/// The `hyperliquid` preset's claim: under Hyperliquid's rules the chunks soften the cascade
/// against the same rules closing whole positions, and your account survives only in chunks.
#[test]
fn the_hyperliquid_preset_is_softened_by_its_chunks() {
    let s = presets::get("hyperliquid").unwrap().scenario();
    assert_eq!(s.venue, Venue::Hyperliquid);
    let chunks = simulate(&Model::from_scenario(&s).unwrap());
    let whole = simulate(&Model::from_scenario(&s.whole_positions()).unwrap());
    let fall = |o: &margin_cascade::Outcome| o.summary.assets["BTC"].realized_drawdown_pct;
    assert!(fall(&chunks) < fall(&whole), "{} vs {}", fall(&chunks), fall(&whole));
    assert!(chunks.main.crowd_accounts_hit() < whole.main.crowd_accounts_hit());
    assert!(chunks.summary.crowd_liquidated_notional < whole.summary.crowd_liquidated_notional);
    assert_eq!(chunks.summary.focal_liquidated_step, None);
    assert!(whole.summary.focal_liquidated_step.is_some());
    assert!(chunks.summary.final_equity > whole.summary.final_equity);
    // the pack's own rules, not the file's: no insurance fund, a vault took over accounts
    // (the README: the vault takes most liquidated accounts over without a sale)
    assert!(chunks.summary.backstop.as_ref().is_some_and(|b| 2 * b.takeovers > chunks.main.crowd_accounts_hit()));
    assert!(chunks
        .main
        .events
        .iter()
        .any(|e| matches!(e.kind, margin_cascade::engine::liquidation::EventKind::Liquidation { partial: true, .. })));
}

#[test]
fn the_readme_lists_the_packs_as_cascade_venues_does() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for v in venues::ALL {
        let line = format!("{:<12} {}", v.key(), v.line());
        assert!(readme.contains(&line), "README.md lacks the `cascade venues` line:\n{line}");
    }
}

fn values(pairs: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// A rule changed by hand changes the venue's pack, whatever other rules are changed with it
/// (the pack's numbers, never the file's own, come back with a rule).
#[test]
fn rules_changed_by_hand_take_the_venues_numbers_in_any_combination() {
    use margin_cascade::share::controls::apply;
    let base = Scenario::from_json(
        r#"{"version": 3, "venue": "binance", "liquidation": {"policy": "chunks", "backstop_below_mm": "0.5",
            "chunk": {"min_notional_usd": "1000", "fraction": "0.5", "cooldown_seconds": "60"}}}"#,
    )
    .unwrap();
    let a = apply(&base, &values(&[("backstop", "on")])).unwrap();
    let b = apply(&base, &values(&[("backstop", "on"), ("adl", "off")])).unwrap();
    assert_eq!(a.liquidation.backstop_below_mm, b.liquidation.backstop_below_mm);
    assert_eq!(a.liquidation.backstop_below_mm, Some(margin_cascade::engine::backstop::two_thirds()));
    let c = apply(&base, &values(&[("policy", "chunks")])).unwrap();
    let e = apply(&base, &values(&[("policy", "chunks"), ("adl", "off")])).unwrap();
    assert_eq!(c.liquidation.chunk, e.liquidation.chunk);
    assert_eq!(c.liquidation.chunk, None, "Binance has no chunks of its own: the default numbers");
}

/// The other side of a comparison is the base under the other venue's whole pack: rules changed
/// by hand on this side are not carried over, nor is this venue's pack.
#[test]
fn a_comparison_runs_the_other_venues_whole_pack() {
    use margin_cascade::share::controls::{chosen_venue, under_venue};
    let base = presets::get("loop").unwrap().scenario();
    let v = values(&[("venue", "hyperliquid"), ("backstop", "off"), ("lev.0", "12")]);
    assert_eq!(chosen_venue(&base, &v), Venue::Hyperliquid);
    let simple = under_venue(&base, &v, Venue::Simple).unwrap();
    assert_eq!(simple.liquidation, base.liquidation);
    assert_eq!(simple.insurance_fund_usd, base.insurance_fund_usd, "not Hyperliquid's empty fund");
    assert_ne!(simple.focal, base.focal, "the other controls are kept");
    let binance = Model::from_scenario(&under_venue(&base, &v, Venue::Binance).unwrap()).unwrap();
    assert_eq!(binance.venue, Venue::Binance);
    assert_eq!(binance.fund0, base.insurance_fund_usd);
    // a preset's own venue, changed by hand, is still the venue that stands
    let hl = presets::get("hyperliquid").unwrap().scenario();
    assert_eq!(chosen_venue(&hl, &values(&[("backstop", "off")])), Venue::Hyperliquid);
}

#[test]
fn the_notice_names_only_what_the_pack_replaced() {
    let mut okx = presets::get("amplification").unwrap().scenario();
    okx.venue = Venue::Okx; // OKX keeps the scenario's brackets
    assert!(Model::from_scenario(&okx).unwrap().notices.iter().all(|n| !n.contains("replace")));
    let mut hl = presets::get("amplification").unwrap().scenario();
    hl.venue = Venue::Hyperliquid;
    let n = Model::from_scenario(&hl).unwrap().notices;
    assert!(n.iter().any(|n| n.contains("mm_brackets") && n.contains("insurance_fund_usd")), "{n:?}");
}

fn model(v: serde_json::Value) -> Model {
    Model::from_scenario(&serde_json::from_value(v).expect("parses")).expect("valid")
}

/// One asset at 100 USD whose brackets allow 10× (initial margin 10 % > the 1 % maintenance
/// rate); a crowd of 100 cross long accounts drawn from 5× to 50×. The crowd's quantiles
/// exp(ln 5 + u·ln 10), u = (j + ½)/k, pass 10× where u > ln 2 / ln 10 = 0.30103: every account
/// drawn above 10× opens at exactly 10× (cash = notional / 10), none above, and the one notice
/// counts them.
#[test]
fn the_brackets_maximum_leverage_caps_the_crowd() {
    let m = model(serde_json::json!({
        "version": 3, "steps": 2, "noise": false,
        "assets": [{"symbol": "BTC", "price": "100", "sigma": 0, "stable": false, "depth_usd": "100000000",
                    "mm_brackets": [{"floor": "0", "mmr": "0.01", "max_leverage": "10"}]}],
        "focal": {"collateral": {"USD": "1000"}, "positions": [{"asset": "BTC", "quantity": "1"}]},
        "crowd": {"accounts": 100, "leverage_min": "5", "leverage_max": "50",
                  "assets": {"BTC": {"open_interest_usd": "10000000", "long_share": "1", "cross_share": "1"}}}
    }));
    let ten = rust_decimal::Decimal::TEN;
    let mut at_max = 0;
    for c in &m.cohorts {
        let n: rust_decimal::Decimal = c.template.iter().map(|p| p.qty.0.abs() * p.entry.0).sum();
        for mem in &c.members {
            let lev = n / mem.cash.0;
            // cash is rounded to the cent: the leverage is 10× to within that rounding
            assert!(lev <= ten + rust_decimal::Decimal::new(1, 4), "an account opens at {lev}× above 10×");
            at_max += usize::from(mem.cash.0 == (n / ten).round_dp(2));
        }
    }
    // j + ½ > 30.103 for j = 30 … 99: 70 accounts
    assert_eq!(at_max, 70);
    let notice = m.notices.iter().find(|n| n.contains("maximum leverage")).expect("a notice");
    assert!(
        notice.starts_with(&format!("{at_max} of the 100 crowd accounts open at the brackets' maximum leverage (10×)")),
        "{notice}"
    );
}

/// Your account is kept as written above the maximum, with a notice naming the venue's limit.
/// Hyperliquid allows 40× on BTC: 1 BTC at 100 000 on 2 000 USD is 50×, initial margin
/// 100 000 / 40 = 2 500 USD > 2 000 USD of equity.
#[test]
fn your_account_above_the_maximum_is_told_and_kept() {
    let m = model(serde_json::json!({
        "version": 3, "steps": 2, "noise": false, "venue": "hyperliquid",
        "assets": [{"symbol": "BTC", "price": "100000", "sigma": 0, "stable": false, "depth_usd": "100000000"}],
        "focal": {"collateral": {"USD": "2000"}, "positions": [{"asset": "BTC", "quantity": "1"}]},
        "crowd": {"accounts": 0}
    }));
    assert!(m.notices.iter().any(|n| n
        == "Your account opens at 50× (100,000 USD of positions on 2,000 USD of equity), above the 40× Hyperliquid allows at that size (initial margin 2,500 USD): a venue with these rules would refuse it; the run keeps it as written."),
        "{:?}", m.notices);
    assert_eq!(m.focal.positions[0].qty.0, rust_decimal::Decimal::ONE);
    // at 40× exactly (2 500 USD) there is nothing to say
    let m = model(serde_json::json!({
        "version": 3, "steps": 2, "noise": false, "venue": "hyperliquid",
        "assets": [{"symbol": "BTC", "price": "100000", "sigma": 0, "stable": false, "depth_usd": "100000000"}],
        "focal": {"collateral": {"USD": "2500"}, "positions": [{"asset": "BTC", "quantity": "1"}]},
        "crowd": {"accounts": 0}
    }));
    assert!(!m.notices.iter().any(|n| n.contains("refuse")), "{:?}", m.notices);
}
