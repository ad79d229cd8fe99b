//! The crowd's liquidation ladder against the engine: the notional the ladder shows at a price is
//! the notional the engine liquidates when that asset alone moves there (an own move, feedback off).

use margin_cascade::engine::scenario::ShockSpec;
use margin_cascade::{engine::ladder, engine::market, share::presets, simulate, Model, Scenario};

/// A preset with feedback and noise off, so that a scripted own move puts the asset at a price.
fn quiet(name: &str) -> Scenario {
    let mut s = presets::get(name).unwrap().scenario();
    s.feedback = false;
    s.noise = false;
    s
}

/// Check, at the opening of `base`, the ladder of `sym` at the price an own move of `pct` % gives.
fn check(base: &Scenario, sym: &str, pct: f64) -> (f64, u32) {
    // the run: the asset alone moves at step 1 (every shock of the base moved out of the way)
    let mut s = base.clone();
    s.shocks = vec![ShockSpec { step: 1, symbol: sym.into(), percent: pct, own: true, venue: false }];
    let m = Model::from_scenario(&s).unwrap();
    let o = simulate(&m);
    let prices: Vec<_> = (0..m.assets.len()).map(|i| o.main.series.price[i][1]).collect();
    // the ladder at step 0, at exactly the step-1 prices (the others moved by their drift only)
    let state = ladder::state_at(&m, &market::exogenous_path(&m), 0);
    let asset = m.assets.iter().position(|a| a.symbol == sym).unwrap();
    let l = ladder::liquidated_at(&state, &m, margin_cascade::engine::margin::Valuation::at(&prices), asset);
    assert_eq!(l.notional, o.main.series.crowd_liquidated_notional[1], "{sym} {pct} %: notional");
    assert_eq!(l.accounts, o.main.series.crowd_accounts_liquidated[1], "{sym} {pct} %: accounts");
    // the forced flow in the asset: the engine's batch, less the focal account's own orders
    let focal: margin_cascade::types::Money =
        o.main
            .events
            .iter()
            .filter(|e| e.step == 1 && e.account == margin_cascade::engine::account::AccountId::Focal)
            .filter_map(|e| match &e.kind {
                margin_cascade::engine::liquidation::EventKind::Liquidation { asset: a, quantity, price, .. }
                | margin_cascade::engine::liquidation::EventKind::CollateralSale {
                    asset: a, quantity, price, ..
                } if *a == asset => Some(margin_cascade::types::Money(-quantity.0 * price.0)),
                _ => None,
            })
            .sum();
    assert_eq!(l.flow + focal, o.main.series.forced_flow_usd[asset][1], "{sym} {pct} %: flow");
    (l.notional.to_f64(), l.accounts)
}

#[test]
fn the_ladder_is_what_the_engine_liquidates() {
    // the default preset: cross and isolated crowd, longs and shorts, three volatile assets
    let base = quiet(presets::DEFAULT);
    let mut last = 0.0;
    for pct in [-1.0, -3.0, -5.0, -8.0, -12.0, -20.0] {
        let (n, _) = check(&base, "ETH", pct);
        assert!(n >= last, "more is liquidated the further the price falls");
        last = n;
    }
    assert!(last > 1e8, "a 20 % fall liquidates a good part of the crowd: {last}");
    // above the market, the shorts
    let (up, k) = check(&base, "ETH", 15.0);
    assert!(up > 0.0 && k > 0, "shorts are liquidated on the way up");
    // another asset, and a scenario with hand-listed accounts and partial closes (depeg's whales)
    check(&base, "BTC", -10.0);
    let depeg = quiet("depeg");
    for pct in [-20.0, -35.0, -50.0] {
        check(&depeg, "USDX", pct);
    }
    check(&quiet("amplification"), "BTC", -6.0);
    // a crowd holding its collateral in an asset (looped 4×): the ladder plans each member, and its
    // flow counts the collateral sold to repay the loans
    let looped = quiet("collateral-loop");
    let mut last = 0;
    for pct in [-10.0, -19.0, -21.0, -23.0, -26.0] {
        let (_, k) = check(&looped, "XLST", pct);
        assert!(k >= last, "more accounts go the further XLST falls");
        last = k;
    }
    assert!(last > 500, "a 26 % fall of XLST liquidates most of the looped crowd: {last}");
}

#[test]
fn the_ladder_at_a_later_step_counts_only_the_accounts_still_open() {
    // after the loop's cascade, the most leveraged longs are gone: the ladder below the market is
    // thinner than at the opening
    let m = Model::from_scenario(&presets::get(presets::DEFAULT).unwrap().scenario()).unwrap();
    let exo = market::exogenous_path(&m);
    let eth = 1;
    let at = |t: usize| {
        let s = ladder::state_at(&m, &exo, t);
        let lv = ladder::levels(&m, eth, s.post.market[eth], 0.1, 20);
        let l = ladder::ladder(&s, &m, eth, &lv);
        assert_eq!(l.levels[10], l.market);
        assert_eq!(l.notional[10].to_f64(), 0.0, "nothing is liquidated where the price already is");
        l.notional[0].to_f64()
    };
    let (open, after) = (at(0), at(30));
    assert!(after < open * 0.8, "{after} vs {open}");
}

#[test]
fn a_run_keeps_the_state_of_the_step_asked_for_or_of_your_first_liquidation() {
    use margin_cascade::{engine::outcome, output::report};
    // (amplification: you are never liquidated, so the last step)
    for name in ["loop", "contagion", "amplification", "depeg"] {
        let m = Model::from_scenario(&presets::get(name).unwrap().scenario()).unwrap();
        let plain = simulate(&m);
        for keep in [Some(0), Some(7), Some(m.steps), None] {
            let (o, exo, kept) = outcome::simulate_keeping(&m, keep);
            // the same outcome, to the last digit
            assert_eq!(report::to_json_text(&o), report::to_json_text(&plain), "{name} {keep:?}");
            // the state of that step: the one a replay reaches
            let t = keep.unwrap_or(plain.summary.focal_liquidated_step.unwrap_or(m.steps));
            assert_eq!(kept.t, t, "{name} {keep:?}");
            let replay = ladder::state_at(&m, &exo, t);
            assert_eq!(kept.post.market, replay.post.market, "{name} {keep:?}");
            assert_eq!(kept.events, replay.events, "{name} {keep:?}");
            assert_eq!(kept.series.focal_equity, replay.series.focal_equity, "{name} {keep:?}");
        }
    }
}
