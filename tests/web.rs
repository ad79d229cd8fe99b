//! The wasm bindings in a real browser (wasm-bindgen-test + chromedriver + headless Chromium):
//! typed arrays, errors as JsError, and the engine giving the native numbers bit for bit.
#![cfg(target_arch = "wasm32")]

use margin_cascade::web::Explorer;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A JS value from the handle, as JSON (the values cross as plain objects).
fn json(v: JsValue) -> serde_json::Value {
    let text: String = js_sys::JSON::stringify(&v).unwrap().into();
    serde_json::from_str(&text).unwrap()
}

/// A JS value from the handle as the Rust value it was made from (exact: no text in between).
fn value<T: serde::de::DeserializeOwned>(v: JsValue) -> T {
    serde_wasm_bindgen::from_value(v).unwrap()
}

fn message(e: wasm_bindgen::JsError) -> String {
    let v: JsValue = e.into();
    assert!(v.is_instance_of::<js_sys::Error>(), "errors cross as JS Error objects");
    v.unchecked_into::<js_sys::Error>().message().into()
}

#[wasm_bindgen_test]
fn series_are_typed_arrays_of_the_right_length() {
    let mut ex = Explorer::new();
    ex.load_preset("contagion").unwrap();
    let summary = json(ex.run(None).unwrap());
    assert!(summary.is_object(), "the summary crosses as a plain object");
    assert_eq!(summary["summary"]["healthy_positions_closed"][0]["asset"], "BTC");
    let n = ex.points();
    assert_eq!(n, 61);
    for name in [
        "hours",
        "equity",
        "collateral",
        "other_equity",
        "mr_pct",
        "other_mr_pct",
        "forced_flow",
        "nofb_equity",
        "crowd_notional",
        "crowd_accounts",
        "open_positions",
        "price.ETH",
        "impact_pct.ETH",
    ] {
        let a = ex.series(name).unwrap();
        let v: JsValue = a.clone().into();
        assert!(v.is_instance_of::<js_sys::Float64Array>(), "{name} is a Float64Array");
        assert_eq!(a.length() as usize, n, "{name}");
    }
    assert_eq!(ex.series("equity").unwrap().get_index(0), 10_000.0);
    assert_eq!(ex.series("price.ETH").unwrap().get_index(0), 3500.0);
}

#[wasm_bindgen_test]
fn bad_input_is_a_js_error_in_words() {
    let mut ex = Explorer::new();
    assert!(message(ex.load_json("{").unwrap_err()).starts_with("could not read the scenario"));
    let m = message(ex.load_json(r#"{"version": 1, "steps": 0}"#).unwrap_err());
    assert!(m.contains("steps: must be between 1 and"), "{m}");
    let m = message(ex.set_control("depth", "99").unwrap_err());
    assert!(m.contains("controls.depth: must be between 0.05 and 5, got 99"), "{m}");
    let m = message(ex.load_preset("nope").unwrap_err());
    assert!(m.contains("unknown preset"), "{m}");
    let m = message(ex.series("equity").unwrap_err());
    assert!(m.contains("nothing has been run yet"), "{m}");
    ex.run(None).unwrap();
    let m = message(ex.series("price.DOGE").unwrap_err());
    assert!(m.contains("DOGE"), "{m}");
    // the handle still works after every error
    assert!(ex.run(None).is_ok());
}

#[wasm_bindgen_test]
fn controls_change_the_outcome() {
    let mut ex = Explorer::new();
    ex.load_preset("contagion").unwrap();
    let cross = json(ex.run(None).unwrap());
    ex.set_control("mode", "isolated").unwrap();
    let iso = json(ex.run(None).unwrap());
    assert_eq!(cross["summary"]["focal_mode"], "cross");
    assert_eq!(iso["summary"]["focal_mode"], "isolated");
    assert_eq!(iso["summary"]["healthy_positions_closed"].as_array().unwrap().len(), 0);
}

#[wasm_bindgen_test]
fn the_controls_say_whether_they_matter() {
    let mut ex = Explorer::new();
    ex.load_preset("contagion").unwrap();
    let controls = json(ex.controls().unwrap());
    let seed = controls.as_array().unwrap().iter().find(|c| c["key"] == "seed").unwrap().clone();
    assert_eq!(seed["enabled"], false);
    assert_eq!(seed["reason"], "No effect while random noise is off.");
    let lev = controls.as_array().unwrap().iter().find(|c| c["key"] == "lev.0").unwrap().clone();
    assert_eq!(lev["note"], "Size 100,000 USD (1 BTC)");
}

#[wasm_bindgen_test]
fn the_ladder_is_the_engines() {
    // the handle's ladder at a step equals the native one (it plays the main run on from a kept
    // state when the cursor moves forward, and replays when it moves back)
    let mut ex = Explorer::new();
    ex.run(None).unwrap();
    assert_eq!(ex.ladder_assets().unwrap()[0], "ETH");
    let m =
        margin_cascade::Model::from_scenario(&margin_cascade::share::presets::get("loop").unwrap().scenario()).unwrap();
    for step in [11u32, 30, 12, 0] {
        let got: margin_cascade::output::chart::LadderData = value(ex.ladder(step, "ETH").unwrap());
        assert_eq!(got, margin_cascade::output::chart::LadderData::at(&m, step as usize, 1), "step {step}");
    }
    let msg = message(ex.ladder(3, "DOGE").unwrap_err());
    assert!(msg.contains("DOGE"), "{msg}");
    // a run that kept its state at the cursor's step gives the same ladder there, and on from it
    for keep in [13u32, 0, 500] {
        ex.run(Some(keep)).unwrap();
        for step in [keep.min(72), 20, 5] {
            let got: margin_cascade::output::chart::LadderData = value(ex.ladder(step, "ETH").unwrap());
            let want = margin_cascade::output::chart::LadderData::at(&m, step as usize, 1);
            assert_eq!(got, want, "kept {keep}, step {step}");
        }
    }
}

#[wasm_bindgen_test]
fn random_seed_is_a_safe_integer() {
    for _ in 0..20 {
        let s = Explorer::random_seed().unwrap();
        assert!(s >= 0.0 && s <= 9007199254740991.0 && s.fract() == 0.0);
    }
}

/// The same scenarios give the same numbers in the browser as natively: the digest of the full
/// result equals the one recorded by the native golden tests.
#[wasm_bindgen_test]
fn same_bits_as_native() {
    let goldens = [
        ("loop", include_str!("golden/loop.summary.json")),
        ("contagion", include_str!("golden/contagion.summary.json")),
        ("amplification", include_str!("golden/amplification.summary.json")),
        ("double-hit", include_str!("golden/double-hit.summary.json")),
        ("depeg", include_str!("golden/depeg.summary.json")),
        ("cross-vs-isolated", include_str!("golden/cross-vs-isolated.summary.json")),
    ];
    for (name, golden) in goldens {
        let want: serde_json::Value = serde_json::from_str(golden).unwrap();
        let s = margin_cascade::load_scenario(&format!("preset:{name}")).unwrap();
        let o = margin_cascade::simulate(&margin_cascade::Model::from_scenario(&s).unwrap());
        let got = margin_cascade::output::report::to_json(&o);
        assert_eq!(got["digest"], want["digest"], "{name}: wasm result differs from native");
    }
}

/// Share links: the page's handle, given each link of tests/golden/links.json, computes the
/// digest recorded there — the digest `cascade run LINK` gives natively (tests/links.rs).
#[wasm_bindgen_test]
fn same_link_same_bits_as_native() {
    let doc: serde_json::Value = serde_json::from_str(include_str!("golden/links.json")).unwrap();
    let links = doc["links"].as_array().unwrap();
    assert!(links.len() >= 5);
    for w in links {
        let mut ex = Explorer::new();
        let info = json(ex.load_link(w["link"].as_str().unwrap()).unwrap());
        assert_eq!(info["notices"].as_array().unwrap().len(), 0, "{}", w["name"]);
        // The scenario the page runs (and exports as JSON), simulated here in wasm; the page's
        // own summary comes from the same model (`Explorer::run`).
        let s = margin_cascade::load_scenario(&ex.scenario_json().unwrap()).unwrap();
        let o = margin_cascade::simulate(&margin_cascade::Model::from_scenario(&s).unwrap());
        let got = margin_cascade::output::report::to_json(&o);
        assert_eq!(got["digest"], w["digest"], "{}: the browser's numbers differ from native", w["name"]);
        let page = ex.run(None).unwrap();
        let summary = js_sys::Reflect::get(&page, &JsValue::from_str("summary")).unwrap();
        assert_eq!(value::<margin_cascade::engine::outcome::RunSummary>(summary), o.summary, "{}", w["name"]);
        // and the handle writes the link back unchanged
        assert_eq!(ex.link(false, None, None, "auto", None), w["link"].as_str().unwrap(), "{}", w["name"]);
    }
}

#[wasm_bindgen_test]
fn a_result_from_the_worker_arrives_whole() {
    // what the worker exports, the page imports: the same summary and every series bit for bit
    let mut worker = Explorer::new();
    let summary = json(worker.run(None).unwrap());
    let sent = worker.export_result().unwrap();
    let chart = js_sys::Reflect::get(&sent, &"chart".into()).unwrap();
    assert!(chart.is_instance_of::<js_sys::Uint8Array>(), "the chart data crosses as bytes");
    let mut page = Explorer::new();
    assert_eq!(json(page.import_result(sent).unwrap()), summary);
    let mut names: Vec<String> =
        ["hours", "equity", "collateral", "nofb_equity", "mr_pct", "crowd_notional"].map(String::from).to_vec();
    assert_eq!(page.chart_assets(), worker.chart_assets());
    for a in worker.chart_assets() {
        names.extend(["price", "impact_pct", "forced_flow"].map(|k| format!("{k}.{a}")));
    }
    for n in &names {
        let (w, p) = (worker.series(n).unwrap().to_vec(), page.series(n).unwrap().to_vec());
        assert_eq!(
            w.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            p.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            "{n}"
        );
    }
    // anything else is refused in words
    let bad = js_sys::Object::new();
    js_sys::Reflect::set(&bad, &"chart".into(), &js_sys::Uint8Array::new_with_length(3).into()).unwrap();
    let m = message(page.import_result(bad.into()).unwrap_err());
    assert!(m.contains("bad result from the worker"), "{m}");
}

#[wasm_bindgen_test]
fn the_cursor_after_a_run_and_a_ladder_held_by_the_result() {
    let mut ex = Explorer::new();
    let summary = json(ex.run(None).unwrap());
    let liq = summary["summary"]["focal_liquidated_step"].as_u64().expect("the loop preset liquidates you") as u32;
    // no cursor, or one beyond the run: the first liquidation; a cursor inside the run stays
    assert_eq!(ex.cursor_for(None).unwrap(), liq);
    assert_eq!(ex.cursor_for(Some(10_000)).unwrap(), liq);
    assert_eq!(ex.cursor_for(Some(3)).unwrap(), 3);
    // a ladder exported with the result is the one the page reads back
    ex.ladder(liq, "ETH").unwrap();
    let mut page = Explorer::new();
    page.import_result(ex.export_result().unwrap()).unwrap();
    let want: margin_cascade::output::chart::LadderData = value(ex.ladder(liq, "ETH").unwrap());
    let got: margin_cascade::output::chart::LadderData = value(page.ladder(liq, "ETH").unwrap());
    assert_eq!(got, want);
}

/// `{key: value}` as a JS object.
fn values(pairs: &[(&str, &str)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        js_sys::Reflect::set(&o, &(*k).into(), &(*v).into()).unwrap();
    }
    o.into()
}

#[wasm_bindgen_test]
fn several_controls_at_once_all_or_nothing() {
    // set_controls: the run of setting each in turn
    let mut one = Explorer::new();
    one.load_preset("contagion").unwrap();
    one.set_control("mode", "isolated").unwrap();
    one.set_control("corr", "0.3").unwrap();
    let by_one = json(one.run(None).unwrap());
    let mut all = Explorer::new();
    all.load_preset("contagion").unwrap();
    all.set_controls(values(&[("mode", "isolated"), ("corr", "0.3")])).unwrap();
    assert_eq!(json(all.run(None).unwrap()), by_one);
    assert_eq!(json(all.control_values().unwrap()), json(one.control_values().unwrap()));
    // one bad value among good ones: refused in words; the values and the result stay as they were
    let m = message(all.set_controls(values(&[("corr", "0.5"), ("lev.0", "-3")])).unwrap_err());
    assert!(m.contains("lev.0"), "{m}");
    assert_eq!(json(all.control_values().unwrap()), json(one.control_values().unwrap()));
    assert_eq!(all.points(), one.points(), "the last result is kept");
    // load_json_with: a scenario with its values runs as loading it and setting them would
    let mut worker = Explorer::new();
    worker.load_json_with(&one.base_json(), values(&[("mode", "isolated"), ("corr", "0.3")])).unwrap();
    assert_eq!(json(worker.run(None).unwrap())["summary"], by_one["summary"]);
    // and refuses a bad value in words, keeping what it had
    let m = message(worker.load_json_with(&one.base_json(), values(&[("corr", "7")])).unwrap_err());
    assert!(m.contains("corr"), "{m}");
    assert_eq!(json(worker.control_values().unwrap()), json(one.control_values().unwrap()));
}
