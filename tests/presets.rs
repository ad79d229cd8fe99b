//! Every bundled preset parses, validates, and shows the claim it was written for.

mod common;
use margin_cascade::liquidation::{AccountId, EventKind};
use margin_cascade::presets::{self, PRESETS};
use margin_cascade::{simulate, Model, Outcome, Scenario};

fn outcome(name: &str) -> Outcome {
    let p = presets::get(name).unwrap();
    let s = Scenario::from_json(p.json).unwrap_or_else(|e| panic!("preset {name}: {e}"));
    simulate(&Model::from_scenario(&s).unwrap_or_else(|e| panic!("preset {name}: {e}")))
}

#[test]
fn every_preset_is_valid_and_explained() {
    assert!(PRESETS.len() >= 5);
    for p in PRESETS {
        let s = Scenario::from_json(p.json).unwrap_or_else(|e| panic!("{}: {e}", p.name));
        Model::from_scenario(&s).unwrap_or_else(|e| panic!("{}: {e}", p.name));
        assert!(s.description.split_whitespace().count() >= 40, "{}: the explanation is a paragraph", p.name);
        assert!(!p.claim.is_empty());
    }
}

#[test]
fn contagion_cross_closes_a_healthy_position_that_isolated_keeps() {
    let o = outcome("contagion");
    let healthy: Vec<&str> = o.summary.healthy_positions_closed.iter().map(|c| c.asset.as_str()).collect();
    assert_eq!(healthy, vec!["BTC"]);
    // BTC itself did not fall: its loss is not why it was closed
    let btc = &o.summary.assets["BTC"];
    assert!(btc.realized_drawdown_pct < 0.1, "BTC drawdown {}", btc.realized_drawdown_pct);
    assert!(o.other_mode.focal().positions.iter().any(|p| o.symbols[p.asset] == "BTC"));
}

#[test]
fn amplification_small_shock_becomes_a_much_larger_fall() {
    let o = outcome("amplification");
    let btc = &o.summary.assets["BTC"];
    assert!(btc.exogenous_drawdown_pct < 3.1, "the shock is small: {}", btc.exogenous_drawdown_pct);
    assert!(btc.amplification.unwrap() > 2.0, "amplification {:?}", btc.amplification);
    assert!(o.summary.cascade_depth_steps >= 3, "the cascade takes several rounds: {}", o.summary.cascade_depth_steps);
    // without feedback the same shock is just the shock
    let nf = &o.no_feedback_summary.assets["BTC"];
    assert!(nf.amplification.unwrap() < 1.01);
}

#[test]
fn double_hit_collateral_falls_with_the_position() {
    let o = outcome("double-hit");
    let s = &o.main.series;
    let eth = o.symbols.iter().position(|x| x == "ETH").unwrap();
    let liq = o.summary.focal_liquidated_step.expect("the cross account is liquidated");
    // before liquidation the collateral value fell with ETH (it *is* ETH)
    let cv0 = s.focal_collateral_value[0].to_f64();
    let eth_fall = 1.0 - s.price[eth][liq - 1].to_f64() / s.price[eth][0].to_f64();
    assert!(eth_fall > 0.15);
    // collateral value = 20 ETH·P·0.97 + cash, cash = realised losses only (none before liquidation)
    let cv = s.focal_collateral_value[liq - 1].to_f64();
    assert!((1.0 - cv / cv0 - eth_fall).abs() < 0.01, "collateral fell {} vs ETH {}", 1.0 - cv / cv0, eth_fall);
    // the venue sold the ETH collateral to repay the USD loan the losses created
    assert!(o
        .main
        .events
        .iter()
        .any(|e| e.account == AccountId::Focal && matches!(e.kind, EventKind::CollateralSale { .. })));
    // the same value posted as dollar margin (isolated counterfactual) survives the same path
    assert_eq!(o.other_mode_summary.focal_liquidated_step, None);
}

#[test]
fn depeg_collateral_melts_while_the_positions_barely_move() {
    let o = outcome("depeg");
    let liq = o.summary.focal_liquidated_step.expect("liquidated during the depeg");
    assert!((12..20).contains(&liq), "liquidated at step {liq}, during the 40-minute depeg");
    let usdx = &o.summary.assets["USDX"];
    assert!(usdx.exogenous_drawdown_pct >= 35.0);
    // BTC moved by less than a quarter of the collateral's fall
    assert!(o.summary.assets["BTC"].exogenous_drawdown_pct < 35.0 / 4.0);
    assert_eq!(o.other_mode_summary.focal_liquidated_step, None, "dollar margin would have survived");
    // the hand-listed USDX holders were liquidated too, and their sales moved BTC
    assert!(o.main.events.iter().any(|e| matches!(e.account, AccountId::Explicit(_))));
    assert!(o.summary.assets["BTC"].realized_drawdown_pct > o.summary.assets["BTC"].exogenous_drawdown_pct);
}

#[test]
fn cross_vs_isolated_same_book_different_fates() {
    let o = outcome("cross-vs-isolated");
    // isolated (main): only SOL is closed, BTC and ETH survive
    let closed: Vec<&str> = o.summary.focal_positions_closed.iter().map(|c| c.asset.as_str()).collect();
    assert_eq!(closed, vec!["SOL"]);
    // cross (counterfactual): SOL survives the first leg longer, then the shared margin takes BTC and ETH too
    let cross_closed: Vec<&str> =
        o.other_mode_summary.focal_positions_closed.iter().map(|c| c.asset.as_str()).collect();
    assert!(cross_closed.contains(&"BTC") && cross_closed.contains(&"ETH"), "{cross_closed:?}");
    assert!(o.other_mode_summary.focal_liquidated_step > o.summary.focal_liquidated_step);
    let healthy: Vec<&str> = o.other_mode_summary.healthy_positions_closed.iter().map(|c| c.asset.as_str()).collect();
    assert!(healthy.contains(&"BTC") && healthy.contains(&"ETH"));
    assert!(o.summary.final_equity > o.other_mode_summary.final_equity);
}
