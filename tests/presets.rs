//! Every bundled preset parses, validates, and shows the claim it was written for; its
//! description states no figure of its own (every figure is filled in from the run).

mod common;
use margin_cascade::engine::account::AccountId;
use margin_cascade::engine::liquidation::EventKind;
use margin_cascade::share::presets::{self, PRESETS};
use margin_cascade::{output::story, share::controls, simulate, Model, Outcome, Scenario};
use std::collections::BTreeMap;

fn outcome(name: &str) -> Outcome {
    let p = presets::get(name).unwrap();
    let s = Scenario::from_json(p.json).unwrap_or_else(|e| panic!("preset {name}: {e}"));
    simulate(&Model::from_scenario(&s).unwrap_or_else(|e| panic!("preset {name}: {e}")))
}

/// The preset with control values set (as a link would), run.
fn with(name: &str, controls: &[(&str, &str)]) -> Outcome {
    let base = presets::get(name).unwrap().scenario();
    let v: BTreeMap<String, String> = controls.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    simulate(&Model::from_scenario(&controls::apply(&base, &v).unwrap()).unwrap())
}

fn closed(o: &margin_cascade::engine::outcome::RunSummary) -> Vec<&str> {
    o.focal_positions_closed.iter().map(|c| c.asset.as_str()).collect()
}

/// Phrases with figures a description may state: facts about the world (not the run), the depth's
/// definition, and a setting the reader is invited to try (checked in the preset's test).
const FACTS: [&str; 6] =
    ["within 2 %", "10–11 October 2025", "October 2025", "near 0.65", "about 40 minutes", "correlation to 0"];

#[test]
fn every_preset_is_valid_and_explained_with_figures_from_the_run() {
    assert!(PRESETS.len() >= 6);
    assert_eq!(PRESETS[0].name, presets::DEFAULT, "the default preset is listed first");
    for p in PRESETS {
        let s = Scenario::from_json(p.json).unwrap_or_else(|e| panic!("{}: {e}", p.name));
        Model::from_scenario(&s).unwrap_or_else(|e| panic!("{}: {e}", p.name));
        assert!(s.description.split_whitespace().count() >= 40, "{}: the explanation is a paragraph", p.name);
        let claim = FACTS.iter().fold(p.claim.to_string(), |c, f| c.replace(f, ""));
        assert!(
            !p.claim.is_empty() && !claim.chars().any(|c| c.is_ascii_digit()),
            "{}: a claim without figures",
            p.name
        );
        // no figure outside a placeholder, but for the facts listed above
        let mut bare = s.description.clone();
        for k in story::placeholders(&s.description) {
            bare = bare.replace(&format!("{{{k}}}"), "");
        }
        for f in FACTS {
            bare = bare.replace(f, "");
        }
        assert!(!bare.chars().any(|c| c.is_ascii_digit()), "{}: a figure written by hand in {bare:?}", p.name);
        // every placeholder resolves
        let text = presets::description(&s).unwrap();
        assert!(!text.contains('{') && !text.contains('}'), "{}: unresolved placeholder in {text:?}", p.name);
    }
}

#[test]
fn the_default_preset_shows_the_whole_loop() {
    let o = outcome(presets::DEFAULT);
    // a cross account with two positions has a healthy position closed that isolated keeps
    assert_eq!(o.summary.focal_mode.name(), "cross");
    assert!(o.main.focal_assets.len() >= 2);
    let healthy: Vec<&str> = o.summary.healthy_positions_closed.iter().map(|c| c.asset.as_str()).collect();
    assert_eq!(healthy, vec!["BTC"]);
    assert!(o.other_mode.focal().positions.iter().any(|p| o.symbols[p.asset] == "BTC"), "isolated keeps BTC");
    // the closing order the description gives: BTC (the largest maintenance margin) first
    assert_eq!(closed(&o.summary)[0], "BTC");
    // a leveraged crowd on a thin book amplifies the shock ≥ 1.5×; ≈ 1× with feedback off
    let eth = &o.summary.assets["ETH"];
    assert!(eth.amplification.unwrap() >= 1.5, "amplification {:?}", eth.amplification);
    let nf = o.no_feedback_summary.assets["ETH"].amplification.unwrap();
    assert!((nf - 1.0).abs() < 0.02, "without feedback {nf}");
    // what the description promises: correlation 0, twice the depth or no feedback, and the cross account survives
    for c in [("corr", "0"), ("depth", "2"), ("feedback", "false")] {
        assert_eq!(with(presets::DEFAULT, &[c]).summary.focal_liquidated_step, None, "{c:?}");
    }
}

#[test]
fn on_the_default_preset_each_of_the_four_controls_changes_the_outcome() {
    // correlation (0 vs 0.95), mode, depth (0.5× vs 2×) and feedback each change the liquidation
    // step, final equity (≥ 5 % of opening equity) or a realised drawdown (≥ 2 points)
    let opening = outcome(presets::DEFAULT).main.series.focal_equity[0].to_f64();
    let differs = |a: &Outcome, b: &Outcome| {
        let eq = (a.summary.final_equity.to_f64() - b.summary.final_equity.to_f64()).abs() >= 0.05 * opening;
        let step = a.summary.focal_liquidated_step != b.summary.focal_liquidated_step;
        let dd = a
            .summary
            .assets
            .iter()
            .any(|(k, x)| (x.realized_drawdown_pct - b.summary.assets[k].realized_drawdown_pct).abs() >= 2.0);
        eq || step || dd
    };
    for (what, a, b) in [
        ("correlation", [("corr", "0")], [("corr", "0.95")]),
        ("mode", [("mode", "cross")], [("mode", "isolated")]),
        ("depth", [("depth", "0.5")], [("depth", "2")]),
        ("feedback", [("feedback", "true")], [("feedback", "false")]),
    ] {
        assert!(
            differs(&with(presets::DEFAULT, &a), &with(presets::DEFAULT, &b)),
            "{what} changes nothing that matters"
        );
    }
}

#[test]
fn contagion_cross_closes_a_healthy_position_that_isolated_keeps() {
    let o = outcome("contagion");
    let healthy: Vec<&str> = o.summary.healthy_positions_closed.iter().map(|c| c.asset.as_str()).collect();
    assert_eq!(healthy, vec!["BTC"]);
    // BTC first (the largest maintenance margin), then ETH with the fee paid
    assert_eq!(closed(&o.summary), vec!["BTC", "ETH"]);
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
    // "equity falls faster than the position's loss alone": the loss in equity exceeds the position's
    let e = &s.focal_equity;
    let pos_loss =
        o.main.series.focal_position_qty[0][0].to_f64() * (s.price[eth][0].to_f64() - s.price[eth][liq - 1].to_f64());
    assert!(e[0].to_f64() - e[liq - 1].to_f64() > pos_loss * 1.2);
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
fn depeg_collateral_melts_and_the_cross_account_goes_with_it() {
    let o = outcome("depeg");
    let liq = o.summary.focal_liquidated_step.expect("liquidated during the depeg");
    assert!((12..20).contains(&liq), "liquidated at step {liq}, during the 40-minute depeg");
    assert!(o.summary.assets["USDX"].exogenous_drawdown_pct >= 35.0);
    // isolated: only ETH is liquidated, BTC is kept
    assert_eq!(closed(&o.other_mode_summary), vec!["ETH"]);
    assert!(o.other_mode.focal().positions.iter().any(|p| o.symbols[p.asset] == "BTC"));
    // without the feedback the cross account survives
    assert_eq!(o.no_feedback_summary.focal_liquidated_step, None);
    // the hand-listed USDX holders were liquidated too, and their sales moved BTC
    assert!(o.main.events.iter().any(|e| matches!(e.account, AccountId::Explicit(_))));
    assert!(o.summary.assets["BTC"].realized_drawdown_pct > o.summary.assets["BTC"].exogenous_drawdown_pct);
}

#[test]
fn depeg_on_the_venue_s_book_liquidates_at_the_market_price_and_not_at_the_index() {
    let base = presets::get("venue-depeg").unwrap().scenario();
    let o = outcome("venue-depeg");
    let usdx = o.symbols.iter().position(|s| s == "USDX").unwrap();
    let low = |r: &margin_cascade::engine::sim::Run, outside: bool| {
        let p = if outside { &r.series.exogenous_price[usdx] } else { &r.series.price[usdx] };
        p.iter().min().unwrap().to_f64()
    };
    // the dump happens on the venue only: the index never moves
    assert_eq!(low(&o.main, true), 1.0);
    // without feedback USDX falls by the dump alone (−15 %); the holders' forced sales take it lower
    assert_eq!(low(&o.no_feedback, false), 0.85);
    assert!(low(&o.main, false) < 0.8, "USDX low {}", low(&o.main, false));
    let sold_usdx = o.main.events.iter().any(|e| {
        matches!(e.kind, EventKind::CollateralSale { asset, .. } if asset == usdx)
            && matches!(e.account, AccountId::Crowd(_))
    });
    assert!(sold_usdx, "crowd accounts sell their USDX into the book");
    // priced at the market, the cross account is liquidated after the shock; without feedback it survives
    assert!(o.summary.focal_liquidated_step.is_some_and(|t| t >= 12));
    assert_eq!(o.no_feedback_summary.focal_liquidated_step, None);
    // the same scenario with collateral at the index: not liquidated, fewer crowd accounts liquidated
    let at_index = simulate(&Model::from_scenario(&base.collateral_at_index()).unwrap());
    assert_eq!(at_index.summary.focal_liquidated_step, None);
    assert!(at_index.summary.crowd_accounts_liquidated < o.summary.crowd_accounts_liquidated);
    assert!(at_index.summary.final_equity > o.summary.final_equity);
    // the page's control gives the same run as the scenario helper
    let by_control = with("venue-depeg", &[("coll_price", "index")]);
    assert_eq!(by_control.summary.final_equity, at_index.summary.final_equity);
}

#[test]
fn cross_vs_isolated_same_book_different_fates() {
    let o = outcome("cross-vs-isolated");
    // isolated (main): only SOL is closed, BTC and ETH survive
    assert_eq!(closed(&o.summary), vec!["SOL"]);
    // cross (counterfactual): SOL survives the crash longer, then the shared margin takes BTC and ETH too
    let cross_closed = closed(&o.other_mode_summary);
    assert!(cross_closed.contains(&"BTC") && cross_closed.contains(&"ETH"), "{cross_closed:?}");
    assert!(o.other_mode_summary.focal_liquidated_step > o.summary.focal_liquidated_step);
    let healthy: Vec<&str> = o.other_mode_summary.healthy_positions_closed.iter().map(|c| c.asset.as_str()).collect();
    assert!(healthy.contains(&"BTC") && healthy.contains(&"ETH"));
    assert!(o.summary.final_equity > o.other_mode_summary.final_equity);
}

#[test]
fn collateral_loop_cascades_through_collateral_alone() {
    let p = presets::get("collateral-loop").unwrap().scenario();
    let o = outcome("collateral-loop");
    let xlst = o.symbols.iter().position(|s| s == "XLST").unwrap();
    // nobody holds XLST as a position: the focal account and every crowd cohort trade BTC only
    let m = Model::from_scenario(&p).unwrap();
    assert!(m.focal.positions.iter().chain(m.cohorts.iter().flat_map(|c| &c.template)).all(|p| p.asset != xlst));
    assert!(m.cohorts.iter().all(|c| c.members.iter().all(|mem| mem.balances.iter().any(|b| b.0 == xlst))));
    // forced sales of XLST are collateral sales, by crowd accounts, and they move its price
    let sales = |r: &margin_cascade::engine::sim::Run| {
        r.events
            .iter()
            .filter(|e| matches!(e.account, AccountId::Crowd(_)))
            .filter(|e| matches!(e.kind, EventKind::CollateralSale { asset, .. } if asset == xlst))
            .count()
    };
    assert!(sales(&o.main) > 500, "{} crowd sales of XLST", sales(&o.main));
    let a = &o.summary.assets["XLST"];
    assert!(a.realized_drawdown_pct > a.exogenous_drawdown_pct + 10.0, "{a:?}");
    // the loop: many more accounts go, over several steps, than the shock alone liquidates
    let (with, without) = (o.summary.crowd_accounts_liquidated, o.no_feedback_summary.crowd_accounts_liquidated);
    assert!(with >= 3 * without && without > 0, "{with} vs {without} without feedback");
    assert!(o.summary.cascade_depth_steps >= 5);
    assert_eq!(o.no_feedback_summary.cascade_depth_steps, 1);
    // you go with them; without the feedback you do not
    assert!(o.summary.focal_liquidated_step.is_some_and(|t| t > 12));
    assert_eq!(o.no_feedback_summary.focal_liquidated_step, None);
    // and BTC, the only traded asset, hardly moves: the cascade did not run through positions
    assert!(o.summary.assets["BTC"].realized_drawdown_pct < 0.5);
}

#[test]
fn partial_liquidation_softens_the_same_cascade() {
    let base = presets::get("partial-liquidation").unwrap().scenario();
    let o = outcome("partial-liquidation");
    let whole = simulate(&Model::from_scenario(&base.whole_positions()).unwrap());
    let accounts = |o: &Outcome, partial: bool| -> std::collections::BTreeSet<AccountId> {
        o.main
            .events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::Liquidation { partial: p, .. } if p == partial))
            .map(|e| e.account)
            .collect()
    };
    let (chunked, closed) = (accounts(&o, true), accounts(&o, false));
    assert!(!chunked.is_empty() && accounts(&whole, true).is_empty());
    // some accounts sold a chunk and kept the rest; fewer were closed whole
    assert!(chunked.difference(&closed).count() > 0, "an account kept the rest after its chunk");
    assert!(closed.len() < accounts(&whole, false).len());
    // the venue's price falls less, and less bad debt is left
    let fall = |o: &Outcome| o.summary.assets["BTC"].realized_drawdown_pct;
    assert!(fall(&o) < fall(&whole), "{} vs {}", fall(&o), fall(&whole));
    assert!(o.summary.bad_debt < whole.summary.bad_debt);
    // the page's policy control gives the same run as the scenario helper
    let by_control = with("partial-liquidation", &[("policy", "largest_mm_first")]);
    assert_eq!(by_control.summary, whole.summary);
}

#[test]
fn adl_makes_the_winning_hedge_pay_and_leaves_what_it_hedged() {
    let o = outcome("adl");
    let s = &o.summary;
    let adl = s.adl.as_ref().expect("the fund ran out and ADL acted");
    // the fund could not pay: it paid less than the bad debt, ADL paid some of the rest
    assert!(o.main.fund.bad_debt_paid < s.bad_debt && adl.paid > margin_cascade::types::Money::ZERO);
    // your BTC short (profitable: BTC fell) was deleveraged before your account was liquidated,
    // and the liquidation then closed ETH, the position it hedged
    let yours: Vec<(usize, usize)> = o
        .main
        .events
        .iter()
        .filter(|e| e.account == AccountId::Focal)
        .filter_map(|e| match e.kind {
            EventKind::Adl { asset, realized_pnl, paid, .. } => {
                assert!(realized_pnl > paid, "closed at the bankruptcy price, still at a profit");
                Some((asset, e.step))
            }
            _ => None,
        })
        .collect();
    let btc = o.symbols.iter().position(|x| x == "BTC").unwrap();
    assert_eq!(yours.iter().map(|y| y.0).collect::<Vec<_>>(), vec![btc]);
    assert!(adl.focal_paid > margin_cascade::types::Money::ZERO);
    assert!(yours[0].1 < s.focal_liquidated_step.expect("liquidated after losing the hedge"));
    // what the short gave up leaves the account below zero (the description says so)
    assert!(o.main.series.focal_equity[yours[0].1] < margin_cascade::types::Money::ZERO);
    assert_eq!(closed(s), ["ETH"]);
    // the margin chart marks the deleveraging, then the liquidation
    let marks = margin_cascade::output::chart::ChartData::from_outcome(&o).liquidations;
    let labels: Vec<(usize, &str)> = marks.iter().map(|m| (m.step, m.label.as_str())).collect();
    assert_eq!(labels, vec![(yours[0].1, "BTC (ADL)"), (s.focal_liquidated_step.unwrap(), "ETH")]);
    // without ADL the hedge stays, the account survives, and more bad debt is left uncovered
    let off = with("adl", &[("adl", "off")]);
    assert_eq!(off.summary.focal_liquidated_step, None);
    assert!(off.summary.final_equity > s.final_equity);
    assert!(off.summary.uncovered_bad_debt > s.uncovered_bad_debt);
    assert!(off.summary.adl.is_none());
    // and the control gives the same run as the scenario helper
    let base = presets::get("adl").unwrap().scenario();
    assert_eq!(simulate(&Model::from_scenario(&base.without_adl()).unwrap()).summary, off.summary);
}

/// Every chart of every preset — and of each with every venue rule switched the other way —
/// draws at the page's smallest panel (200 × 120) and at a phone's width without panicking (a
/// panic in the page's WebAssembly kills it: a marker label wider than the plot once did).
#[test]
fn every_chart_draws_at_the_smallest_size_without_panicking() {
    use margin_cascade::output::chart::{self, ChartData, Which};
    use plotters::prelude::*;
    let flips = [("backstop", "on"), ("adl", "queue"), ("policy", "chunks"), ("mark", "index")];
    for p in PRESETS {
        for flip in std::iter::once(None).chain(flips.iter().map(Some)) {
            let o = match flip {
                Some(&(k, v)) => with(p.name, &[(k, v)]),
                None => outcome(p.name),
            };
            let d = ChartData::from_outcome(&o);
            for which in [Which::Collateral, Which::MarginRatio, Which::Impact, Which::Crowd] {
                for (w, h) in [(200, 120), (290, 230), (343, 200)] {
                    let mut svg = String::new();
                    let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
                    chart::draw(&root, &d, which, &chart::LIGHT)
                        .unwrap_or_else(|e| panic!("{} {flip:?} {which:?} {w}×{h}: {e}", p.name));
                }
            }
        }
    }
}
