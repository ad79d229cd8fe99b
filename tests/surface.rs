//! The liquidation surface (`engine/surface.rs`): cells on every boundary checked by single runs
//! of a scenario written here by hand, a scenario symmetric in two assets giving a symmetric map,
//! the dot where the scenario's own moves lie, what the heat map draws, and the CLI's refusals.

use margin_cascade::engine::surface::{Axis, Cell, Fate, Plan, Surface};
use margin_cascade::output::chart::{self, LIGHT};
mod common;
use common::cascade;
use margin_cascade::share::presets;
use margin_cascade::{simulate, Model, Scenario};
use serde_json::{json, Value};

fn preset(name: &str) -> Scenario {
    presets::get(name).unwrap().scenario()
}

/// One cell by hand: the two assets' moves at `step`, own; every other asset's scripted moves
/// (with what correlation carried to it, as the engine's path has them) as moves of its own.
fn by_hand(s: &Scenario, step: usize, (xs, x): (&str, f64), (ys, y): (&str, f64)) -> Cell {
    let m = Model::from_scenario(s).unwrap();
    let carried = margin_cascade::engine::market::shock_moves(&m);
    let mut v: Value = serde_json::to_value(s).unwrap();
    let mut shocks: Vec<Value> =
        v["shocks"].as_array().unwrap().iter().filter(|k| k["venue"] == json!(true)).cloned().collect();
    for (i, a) in m.assets.iter().enumerate().filter(|(_, a)| a.symbol != xs && a.symbol != ys) {
        for (t, row) in carried.iter().enumerate().filter(|(_, r)| r[i] != 0.0) {
            shocks.push(
                json!({"step": t, "symbol": a.symbol, "percent": (libm::exp(row[i]) - 1.0) * 100.0, "own": true}),
            );
        }
    }
    shocks.push(json!({"step": step, "symbol": xs, "percent": x, "own": true}));
    shocks.push(json!({"step": step, "symbol": ys, "percent": y, "own": true}));
    v["shocks"] = Value::Array(shocks);
    let s: Scenario = serde_json::from_value(v).unwrap();
    let o = simulate(&Model::from_scenario(&s).unwrap());
    let main = match (o.summary.focal_liquidated_step, o.summary.healthy_positions_closed.is_empty()) {
        (None, _) => Fate::Survives,
        (Some(_), true) => Fate::Liquidated,
        (Some(_), false) => Fate::HealthyClosed,
    };
    Cell {
        main,
        other_mode: o.other_mode_summary.focal_liquidated_step.is_some(),
        no_feedback: o.no_feedback_summary.focal_liquidated_step.is_some(),
    }
}

#[test]
fn cells_on_every_boundary_are_what_single_runs_give() {
    let s = preset("loop");
    let plan = Plan::new(&s, None, Some(Axis::new("ETH", -60.0, 20.0, 9).unwrap())).unwrap();
    assert_eq!((plan.x.symbol.as_str(), plan.x.n, plan.y.n, plan.step), ("BTC", 25, 9, 12), "the default x axis");
    let sf = plan.run().unwrap();
    let (nx, ny) = (sf.plan.x.n, sf.plan.y.n);
    let mut checked = 0;
    for j in 0..ny {
        for i in 0..nx {
            let c = sf.at(i, j);
            let edge = [(i + 1, j), (i, j + 1)].iter().any(|&(a, b)| a < nx && b < ny && sf.at(a, b) != c);
            if edge {
                let hand = by_hand(&s, 12, ("BTC", sf.plan.x.at(i)), ("ETH", sf.plan.y.at(j)));
                assert_eq!(c, hand, "cell BTC {} %, ETH {} %", sf.plan.x.at(i), sf.plan.y.at(j));
                checked += 1;
            }
        }
    }
    assert!(checked > 20, "{checked} boundary cells");
    // the picture holds all three fates, and both counterfactuals change somewhere on it
    for f in [Fate::Survives, Fate::Liquidated, Fate::HealthyClosed] {
        assert!(sf.cells.iter().any(|c| c.main == f), "{f:?}");
    }
    assert!(!chart::boundary(&sf, |c| c.other_mode).is_empty() && !chart::boundary(&sf, |c| c.no_feedback).is_empty());
}

/// Two assets alike in everything, an equal long in each, no crowd, no noise.
fn twins() -> Scenario {
    let asset = |sym: &str| {
        json!({"symbol": sym, "price": "100", "tick": "0.01", "sigma": 0.0, "depth_usd": "10000000",
        "haircut": "0", "mm_brackets": [{"floor": "0", "mmr": "0.02"}, {"floor": "40000", "mmr": "0.05"}]})
    };
    serde_json::from_value(json!({"version": 3, "steps": 4, "noise": false, "crowd": {"accounts": 0},
        "assets": [asset("AAA"), asset("BBB"), {"symbol": "USDC", "price": "1", "tick": "0.0001", "sigma": 0.0,
                   "depth_usd": "100000000", "stable": true}],
        "focal": {"mode": "cross", "collateral": {"USD": "12000"}, "positions": [
            {"asset": "AAA", "notional_usd": "50000", "leverage": "10"},
            {"asset": "BBB", "notional_usd": "50000", "leverage": "10"}]}}))
    .unwrap()
}

#[test]
fn twin_assets_give_a_symmetric_map() {
    let s = twins();
    let a = |sym| Some(Axis::new(sym, -40.0, 20.0, 13).unwrap());
    let sf: Surface = Plan::new(&s, a("AAA"), a("BBB")).unwrap().run().unwrap();
    let n = sf.plan.x.n;
    for j in 0..n {
        for i in 0..n {
            // liquidated or not, in every run, is the same under a swap of the assets (which
            // position a tie closes first may differ on the diagonal, so the fates are compared
            // as liquidated or not)
            let (c, t) = (sf.at(i, j), sf.at(j, i));
            let down = |c: Cell| (c.main != Fate::Survives, c.other_mode, c.no_feedback);
            assert_eq!(down(c), down(t), "({i}, {j})");
        }
    }
    // and the boundary is where the arithmetic puts it: 12 000 of equity against 2 × 50 000 of
    // longs; a fall of a % and b % leaves 12 000 − 500·(a + b) against a maintenance margin of
    // 5 % of each remaining notional above 40 000 (2 % below): both at −10 % → 2 000 ≤ 4 500
    let at = |x: f64, y: f64| {
        let (i, j) = (((x + 40.0) / 5.0) as usize, ((y + 40.0) / 5.0) as usize);
        sf.at(i, j).main
    };
    assert_eq!(at(0.0, 0.0), Fate::Survives);
    assert_ne!(at(-10.0, -10.0), Fate::Survives);
    assert_eq!(at(-10.0, 10.0), Fate::Survives, "a rise in one pays for the fall in the other");
}

#[test]
fn the_dot_is_the_scenarios_own_move_with_what_correlation_carries() {
    let s = preset("loop");
    let p = Plan::new(&s, None, None).unwrap();
    assert_eq!((p.x.symbol.as_str(), p.y.symbol.as_str()), ("BTC", "ETH"), "the two largest positions");
    assert!((p.dot.1 - -8.0).abs() < 1e-9, "ETH's own shock: {}", p.dot.1);
    assert!(p.dot.0 < -1.0 && p.dot.0 > -8.0, "BTC follows ETH through their correlation: {}", p.dot.0);
    // one position: the second axis is the first other asset that is not a stablecoin, else the
    // first other one
    let p = Plan::new(&preset("double-hit"), None, None).unwrap();
    assert_eq!((p.x.symbol.as_str(), p.y.symbol.as_str()), ("ETH", "BTC"));
    let p = Plan::new(&preset("amplification"), None, None).unwrap();
    assert_eq!((p.x.symbol.as_str(), p.y.symbol.as_str()), ("BTC", "USDC"));
    // given x, the default y is the largest position's asset besides it
    let p = Plan::new(&s, Some(Axis::new("ETH", -10.0, 0.0, 3).unwrap()), None).unwrap();
    assert_eq!(p.y.symbol, "BTC");
}

#[test]
fn the_heat_map_draws_each_fate_in_its_colour_with_its_legend() {
    let s = twins();
    let a = |sym| Some(Axis::new(sym, -40.0, 20.0, 7).unwrap());
    let sf = Plan::new(&s, a("AAA"), a("BBB")).unwrap().run().unwrap();
    let svg = chart::surface_svg(&sf, 700, 560, &LIGHT).unwrap();
    for want in [
        "Liquidation surface: your cross account, AAA and BBB moved at step 1",
        "boundary without feedback",
        "AAA move (%)",
    ] {
        assert!(svg.contains(want), "{want}");
    }
    let png = chart::surface_png(&sf, 700, 560, 1, &LIGHT).unwrap();
    let mut reader = png::Decoder::new(std::io::Cursor::new(png)).read_info().unwrap();
    let mut px = vec![0; reader.output_buffer_size()];
    reader.next_frame(&mut px).unwrap();
    // each fate's share of the painted cells is its share of the grid's cells
    let counts = margin_cascade::output::surface::counts(&sf);
    let painted: Vec<usize> = [Fate::Survives, Fate::Liquidated, Fate::HealthyClosed]
        .iter()
        .map(|&f| {
            let c = chart::fill(f, &LIGHT);
            px.chunks(3).filter(|p| p == &[c.0, c.1, c.2]).count()
        })
        .collect();
    let (cells, pixels) = (counts.iter().sum::<usize>() as f64, painted.iter().sum::<usize>() as f64);
    assert!(counts[0] > 0 && counts[1] + counts[2] > 0, "{counts:?}");
    for k in 0..3 {
        let (want, got) = (counts[k] as f64 / cells, painted[k] as f64 / pixels);
        assert!((want - got).abs() < 0.03, "fate {k}: {want:.3} of the cells, {got:.3} of the painted pixels");
    }
}

#[test]
fn the_cli_writes_the_grid_and_refuses_bad_ones_in_words() {
    let (code, out, err) = cascade(&["surface", "preset:loop", "--x", "BTC=-30:10:5", "--y", "ETH=-30:10:5", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["cells"].as_array().unwrap().len(), 25);
    assert_eq!(v["x"]["symbol"], "BTC");
    let c = &v["cells"][6]; // x = −20 %, y = −20 %
    assert_eq!((c["x"].as_f64(), c["y"].as_f64()), (Some(-20.0), Some(-20.0)));
    for (args, why) in [
        (vec!["--x", "DOGE=-60:20:5"], "unknown asset \"DOGE\""),
        (vec!["--x", "BTC=-60:20:0"], "N must be 2 to 101 points, got 0"),
        (vec!["--x", "BTC=-60:20:101", "--y", "ETH=-60:20:101"], "a 101×101 grid is 10201 cells; at most 2601"),
        (vec!["--x", "ETH=-60:20:5", "--y", "ETH=-10:0:3"], "the two axes need two different assets, both are ETH"),
        (vec!["--x", "BTC=-60"], "three numbers are needed"),
    ] {
        let mut a = vec!["surface", "preset:loop"];
        a.extend(args.iter());
        let (code, _, err) = cascade(&a);
        assert_ne!(code, 0, "{args:?}");
        assert!(err.contains(why), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn a_fall_made_of_many_shocks_at_one_step_stays_a_valid_cell() {
    // six −80 % ETH shocks at step 2 are one −99.9936 % move, more than one shock may hold: kept
    // in pieces, the cells run (the axes are BTC and SOL)
    let mut v: Value = serde_json::to_value(preset("loop")).unwrap();
    v["shocks"] =
        Value::Array((0..6).map(|_| json!({"step": 2, "symbol": "ETH", "percent": -80.0, "own": true})).collect());
    let s: Scenario = serde_json::from_value(v).unwrap();
    let a = |sym| Some(Axis::new(sym, -10.0, 0.0, 2).unwrap());
    let sf = Plan::new(&s, a("BTC"), a("SOL")).unwrap().run().unwrap();
    assert_eq!(sf.cells.len(), 4);
}
