//! The `cascade` command line, as a script would use it.

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

fn cascade(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cascade")).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn tmp(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("cascade-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into()
}

#[test]
fn run_json_has_the_documented_shape() {
    let (code, out, err) = cascade(&["run", "preset:contagion", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let s = &v["summary"];
    for k in [
        "focal_liquidated_step",
        "healthy_positions_closed",
        "cascade_depth_steps",
        "bad_debt",
        "insurance_fund_final",
        "final_equity",
    ] {
        assert!(s.get(k).is_some(), "summary.{k}");
    }
    for k in ["exogenous_drawdown_pct", "realized_drawdown_pct", "amplification"] {
        assert!(s["assets"]["BTC"].get(k).is_some(), "summary.assets.BTC.{k}");
    }
    let steps = 61;
    for path in [
        "price/BTC",
        "exogenous_price/ETH",
        "impact_pct/BTC",
        "forced_flow_usd/ETH",
        "focal/collateral_value",
        "focal/equity",
        "focal/maintenance_margin",
        "focal/margin_ratio",
        "crowd/liquidated_notional",
        "crowd/accounts_liquidated",
    ] {
        let arr = v["series"].pointer(&format!("/{path}")).unwrap_or_else(|| panic!("series.{path}"));
        assert_eq!(arr.as_array().unwrap().len(), steps, "series.{path} has steps + 1 points");
    }
    assert!(v["series"]["price"]["BTC"][0].is_string(), "prices are decimal strings");
    assert!(s["final_equity"].is_string() && s["bad_debt"].is_string(), "money is a decimal string");
    let e = &v["events"][0];
    for k in ["step", "account", "asset", "quantity", "price", "fee", "kind"] {
        assert!(e.get(k).is_some(), "events[0].{k}");
    }
    for cf in ["no_feedback", "other_mode"] {
        assert!(v["counterfactuals"][cf]["summary"]["final_equity"].is_string());
        assert_eq!(v["counterfactuals"][cf]["series"]["focal"]["equity"].as_array().unwrap().len(), steps);
    }
    assert_eq!(v["conservation"]["main"]["exact"], Value::Bool(true));
}

#[test]
fn run_csv_writes_one_row_per_step() {
    let (code, out, _) = cascade(&["run", "preset:amplification", "--csv"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1 + 73);
    assert!(lines[0].starts_with("step,time_minutes,price_BTC,exogenous_price_BTC"));
    let cols = lines[0].split(',').count();
    assert!(lines.iter().all(|l| l.split(',').count() == cols));
}

#[test]
fn validate_lists_every_problem_and_fails() {
    let f =
        tmp("bad.json", r#"{"version": 1, "steps": 0, "assets": [{"symbol": "X", "price": "0", "depth_usd": "-1"}]}"#);
    let (code, out, err) = cascade(&["validate", &f]);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    for w in ["steps: must be between 1", "assets[0].price:", "assets[0].depth_usd:"] {
        assert!(err.contains(w), "{w} in {err}");
    }
    let good = tmp("good.json", r#"{"version": 1}"#);
    let (code, out, _) = cascade(&["validate", &good]);
    assert_eq!(code, 0);
    assert!(out.contains("valid"));
}

#[test]
fn errors_go_to_stderr_in_words() {
    let (code, out, err) = cascade(&["run", "preset:nope"]);
    assert_ne!(code, 0);
    assert!(out.is_empty());
    assert!(err.contains("unknown preset \"nope\"") && err.contains("contagion"), "{err}");
    let (code, _, err) = cascade(&["run", "/no/such/file.json"]);
    assert_ne!(code, 0);
    assert!(err.contains("cannot read /no/such/file.json"), "{err}");
    let f = tmp("broken.json", "{\"version\": 1,");
    let (code, _, err) = cascade(&["run", &f]);
    assert_ne!(code, 0);
    assert!(err.contains("could not read the scenario"), "{err}");
}

#[test]
fn schema_presets_and_stdin() {
    let (code, out, _) = cascade(&["schema"]);
    assert_eq!(code, 0);
    let schema: Value = serde_json::from_str(&out).unwrap();
    assert!(schema["properties"]["assets"].is_object());
    assert!(schema["properties"]["crowd"].is_object());
    let (code, out, _) = cascade(&["presets"]);
    assert_eq!(code, 0);
    for p in ["contagion", "amplification", "double-hit", "depeg", "cross-vs-isolated"] {
        assert!(out.contains(p));
    }
    let (_, preset_json, _) = cascade(&["presets", "depeg"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_cascade"))
        .args(["run", "-", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(preset_json.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let from_stdin: Value = serde_json::from_slice(&out.stdout).unwrap();
    let (_, direct, _) = cascade(&["run", "preset:depeg", "--json"]);
    let direct: Value = serde_json::from_str(&direct).unwrap();
    assert_eq!(from_stdin["digest"], direct["digest"], "the same scenario gives the same bits");
}

/// PNG header: the signature, then the IHDR chunk's width and height.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    (be(16), be(20))
}

#[test]
fn render_draws_every_preset_as_svg_and_png() {
    let dir = std::env::temp_dir().join(format!("cascade-render-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for p in margin_cascade::share::presets::PRESETS {
        let svg = dir.join(format!("{}.svg", p.name));
        let png = dir.join(format!("{}.png", p.name));
        let (code, out, err) = cascade(&[
            "render",
            &format!("preset:{}", p.name),
            "--svg",
            svg.to_str().unwrap(),
            "--png",
            png.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{}: {err}", p.name);
        assert!(out.contains("wrote") && out.contains(".png"), "{out}");
        let text = std::fs::read_to_string(&svg).unwrap();
        assert!(text.starts_with("<svg") && text.trim_end().ends_with("</svg>"), "{}: an SVG document", p.name);
        assert!(text.contains(r#"width="1200" height="2000""#), "{}: default size (five panels)", p.name);
        for title in
            ["Your account", "Margin ratio", "Price-impact feedback", "time (h:mm)", "The crowd", "liquidation ladder"]
        {
            assert!(text.contains(title), "{}: the SVG names {title:?}", p.name);
        }
        let bytes = std::fs::read(&png).unwrap();
        assert_eq!(png_size(&bytes), (1200, 2000), "{}", p.name);
        assert!(bytes.len() > 20_000, "{}: a PNG with content ({} bytes)", p.name, bytes.len());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn render_draws_a_time_window_from_the_option_or_the_link() {
    let dir = std::env::temp_dir().join(format!("cascade-render-window-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let svg = |name: &str, args: &[&str]| {
        let path = dir.join(name);
        let mut all = vec!["render"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--charts", "impact", "--svg", path.to_str().unwrap()]);
        let (code, _, err) = cascade(&all);
        assert_eq!(code, 0, "{err}");
        std::fs::read_to_string(path).unwrap()
    };
    let whole = svg("whole.svg", &["preset:amplification"]);
    let zoomed = svg("zoomed.svg", &["preset:amplification", "--window", "4-16"]);
    let linked = svg("linked.svg", &["v=2&preset=amplification&seed=7&win=4-16"]);
    assert_ne!(whole, zoomed);
    assert_eq!(zoomed, linked, "the link's win= is the default window");
    assert!(whole.contains("6:00") && !zoomed.contains("6:00"));
    let (code, _, err) = cascade(&["render", "preset:amplification", "--window", "16-4", "--svg", "x.svg"]);
    assert_eq!(code, 2);
    assert!(err.contains("--window must be two steps with FROM < TO ≤ 72"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn render_takes_a_link_size_scale_and_theme() {
    let dir = std::env::temp_dir().join(format!("cascade-render-link-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let png = dir.join("dark.png");
    let link = "https://example.org/#v=1&preset=contagion&seed=1&mode=isolated&theme=dark";
    let (code, _, err) =
        cascade(&["render", link, "--png", png.to_str().unwrap(), "--width", "600", "--height", "250", "--scale", "2"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(png_size(&std::fs::read(&png).unwrap()), (1200, 2500), "600 × 5·250 at scale 2");
    let svg = dir.join("light.svg");
    let (code, _, err) = cascade(&["render", link, "--svg", svg.to_str().unwrap(), "--theme", "light"]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&svg).unwrap();
    // the legend names the focal account's mode first, the other mode (dashed) after it
    let at = |t: &str, s: &str| t.find(s).unwrap_or_else(|| panic!("{s:?} drawn"));
    assert!(
        at(&text, "equity (isolated)") < at(&text, "equity (cross)"),
        "the link's mode (isolated) is the focal one"
    );
    assert!(text.contains("#FFFFFF"), "--theme light overrides the link's dark theme");
    let cross = dir.join("cross.svg");
    let (code, _, err) = cascade(&["render", "v=1&preset=contagion&seed=1", "--svg", cross.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let cross = std::fs::read_to_string(&cross).unwrap();
    assert!(at(&cross, "equity (cross)") < at(&cross, "equity (isolated)"), "contagion's own mode is cross");
    assert_ne!(cross, text);
    // errors in words, nothing written
    let (code, _, err) = cascade(&["render", "preset:contagion"]);
    assert_eq!(code, 2);
    assert!(err.contains("--svg") && err.contains("--png"), "{err}");
    let (code, _, err) = cascade(&["render", "preset:contagion", "--png", "/nonexistent-dir/x.png"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot write /nonexistent-dir/x.png"), "{err}");
    // the largest options together would be a 7.7 GB bitmap: refused in words, nothing written
    let huge = dir.join("huge.png");
    let huge_svg = dir.join("huge.svg");
    let (code, _, err) = cascade(&[
        "render",
        "preset:contagion",
        "--svg",
        huge_svg.to_str().unwrap(),
        "--png",
        huge.to_str().unwrap(),
        "--width",
        "8000",
        "--height",
        "4000",
        "--scale",
        "4",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("32000×80000") && err.contains("megapixels") && !err.contains("cannot write"), "{err}");
    assert!(!huge.exists() && !huge_svg.exists(), "nothing is written when one output fails");
    let both = dir.join("both.svg");
    let (code, _, err) =
        cascade(&["render", "preset:contagion", "--svg", both.to_str().unwrap(), "--png", both.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("same file") && !both.exists(), "{err}");
    let (code, _, err) =
        cascade(&["render", "preset:contagion", "--svg", dir.join("x.svg").to_str().unwrap(), "--scale", "9"]);
    assert_eq!(code, 2);
    assert!(err.contains("--scale"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn render_picks_charts_and_a_title() {
    let dir = std::env::temp_dir().join(format!("cascade-render-sheet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (png, svg) = (dir.join("slide.png"), dir.join("slide.svg"));
    let (p, s) = (png.to_str().unwrap(), svg.to_str().unwrap());
    // two charts (given out of order: drawn in the page's order) under a title band of 44 px
    let title = "Contagion: <ETH> & BTC";
    let args = ["render", "preset:contagion", "--charts", "margin,collateral", "--title", title, "--width", "600"];
    let (code, _, err) = cascade(&[&args[..], &["--height", "250", "--png", p, "--svg", s]].concat());
    assert_eq!(code, 0, "{err}");
    assert_eq!(png_size(&std::fs::read(&png).unwrap()), (600, 44 + 2 * 250));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.contains("Contagion: &lt;ETH&gt; &amp; BTC"), "the title, escaped in the SVG");
    let at = |s: &str| text.find(s).unwrap_or_else(|| panic!("{s:?} drawn"));
    assert!(at("Your account: collateral") < at("Margin ratio (%)"), "the page's order");
    assert!(!text.contains("Price-impact feedback"), "the impact chart is left out");
    // a link's charts= is the default
    let (code, _, err) =
        cascade(&["render", "v=1&preset=amplification&seed=7&embed=1&charts=impact", "--png", p, "--height", "300"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(png_size(&std::fs::read(&png).unwrap()), (1200, 300), "one chart, no title");
    // a long title is cut to the width with an ellipsis
    let long = "x".repeat(120);
    let (code, _, err) = cascade(&["render", "preset:contagion", "--svg", s, "--width", "480", "--title", &long]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.contains("xxx…") && !text.contains(&long), "cut with an ellipsis");
    // bad values in words
    for (flag, value, want) in [
        ("--title", "  ", "the title is empty"),
        ("--title", "two\nlines", "one line"),
        ("--title", &"y".repeat(121), "121 characters long; at most 120"),
        ("--charts", "impact,pie", "pie"),
    ] {
        let (code, _, err) = cascade(&["render", "preset:contagion", "--svg", s, flag, value]);
        assert_eq!(code, 2, "{flag} {value:?}");
        assert!(err.contains(want) && err.contains(flag), "{flag} {value:?}: {err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn links_files_and_strictness() {
    // not a link: a missing file whose name has '#' or '=' is a missing file
    for name in ["my-scenario#2.json", "lev=2.json"] {
        let (code, _, err) = cascade(&["run", name]);
        assert_eq!(code, 2, "{name}");
        assert!(err.contains(&format!("cannot read {name}")), "{err}");
    }
    // a page address without a fragment: the default scenario, and a notice saying so
    let (code, out, err) = cascade(&["run", "https://example.org/explorer/"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("The loop") && err.contains("no #fragment"), "{out}{err}");
    // a link with a problem: `run` uses the rest (as the page does); --strict and validate refuse it
    let bad = "#v=1&preset=nope&seed=3";
    let (code, _, err) = cascade(&["run", bad]);
    assert_eq!(code, 0);
    assert!(err.contains("notice: The preset \"nope\" is unknown"), "{err}");
    for args in [vec!["run", bad, "--strict"], vec!["validate", bad]] {
        let (code, _, err) = cascade(&args);
        assert_eq!(code, 1, "{args:?}");
        assert!(err.contains("the link has 1 problem, listed above"), "{err}");
    }
    let (code, out, _) = cascade(&["validate", "v=1&preset=depeg&seed=3"]);
    assert_eq!(code, 0);
    assert!(out.contains("valid (3 assets, 48 steps"), "{out}");
}
