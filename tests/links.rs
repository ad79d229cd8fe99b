//! Share links, natively: a fixed set of links (tests/golden/links.json) each gives the digest
//! recorded there — through the library and through `cascade run LINK`. The browser side
//! (`tests/web.rs`, `same_link_same_bits_as_native`) loads the same file through the page's
//! handle and checks the same digests, so one digest per link binds both sides, bit for bit.
//!
//! The links are built from recipes below; `UPDATE_GOLDEN=1 cargo test --test links` rewrites
//! the file. Without it, each recipe must still encode to exactly the recorded link: a change of
//! the link format that would break existing links fails here.

use margin_cascade::share::link::{self, Link};
use margin_cascade::{load_scenario, output::report, simulate, Model};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::process::Command;

enum Base {
    Preset(&'static str),
    File(&'static str),
}

/// (name, base, controls): what each link says.
type Recipe = (&'static str, Base, Vec<(&'static str, &'static str)>);
fn recipes() -> Vec<Recipe> {
    vec![
        (
            "contagion, isolated, 12×",
            Base::Preset("contagion"),
            vec![("mode", "isolated"), ("lev.0", "12"), ("seed", "7")],
        ),
        (
            "amplification with noise, the largest seed the browser can hold",
            Base::Preset("amplification"),
            vec![("noise", "true"), ("seed", "9007199254740991"), ("depth", "0.5")],
        ),
        ("depeg without feedback", Base::Preset("depeg"), vec![("feedback", "false"), ("seed", "42")]),
        (
            "double-hit, a leveraged crowd",
            Base::Preset("double-hit"),
            vec![("crowd.lev_min", "3"), ("crowd.lev_max", "30"), ("seed", "123456789")],
        ),
        ("cross-vs-isolated, correlated", Base::Preset("cross-vs-isolated"), vec![("corr", "0.9"), ("seed", "3")]),
        (
            "contagion, a deeper slide that starts later",
            Base::Preset("contagion"),
            vec![("shock.pct", "-30"), ("shock.step", "20"), ("seed", "1")],
        ),
        ("depeg, the scripted shock moved to BTC", Base::Preset("depeg"), vec![("shock.asset", "BTC"), ("seed", "2")]),
        (
            "depeg, a crowd levered 30× to 60× (both bounds above the preset's highest, 25×)",
            Base::Preset("depeg"),
            vec![("crowd.lev_min", "30"), ("crowd.lev_max", "60"), ("seed", "1")],
        ),
        ("hand-listed accounts (compact s= part)", Base::File("short-squeeze.json"), vec![("seed", "5")]),
        ("the minimal scenario with noise (compact s= part)", Base::File("minimal.json"), vec![("noise", "true")]),
    ]
}

fn golden_path() -> std::path::PathBuf {
    manifest_dir().join("tests/golden/links.json")
}

fn build(base: &Base, controls: &[(&str, &str)]) -> String {
    let mut l = Link::default();
    match base {
        Base::Preset(p) => l.preset = Some(p.to_string()),
        Base::File(f) => {
            let path = manifest_dir().join("tests/golden/scenarios").join(f);
            l.preset = None;
            l.scenario = Some(load_scenario(&std::fs::read_to_string(path).unwrap()).unwrap());
        }
    }
    l.controls = controls.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>();
    link::encode(&l)
}

fn digest_of(link_text: &str) -> (String, Vec<String>) {
    let d = link::decode(link_text);
    let s = d.link.scenario().unwrap();
    let o = simulate(&Model::from_scenario(&s).unwrap());
    (report::to_json(&o)["digest"].as_str().unwrap().to_string(), d.notices)
}

fn golden() -> Vec<Value> {
    let text = std::fs::read_to_string(golden_path()).expect("tests/golden/links.json; run with UPDATE_GOLDEN=1");
    serde_json::from_str::<Value>(&text).unwrap()["links"].as_array().unwrap().clone()
}

#[test]
fn links_give_their_recorded_digests() {
    if std::env::var("UPDATE_GOLDEN").is_ok() {
        let links: Vec<Value> = recipes()
            .iter()
            .map(|(name, base, controls)| {
                let l = build(base, controls);
                let (digest, notices) = digest_of(&l);
                assert!(notices.is_empty(), "{name}: {notices:?}");
                json!({"name": name, "link": l, "digest": digest})
            })
            .collect();
        let doc = json!({
            "about": "Share links and the digest of their full result (tests/links.rs natively, tests/web.rs in the browser).",
            "links": links,
        });
        std::fs::write(golden_path(), serde_json::to_string_pretty(&doc).unwrap() + "\n").unwrap();
        return;
    }
    let want = golden();
    assert_eq!(want.len(), recipes().len(), "one recorded link per recipe");
    for ((name, base, controls), w) in recipes().iter().zip(&want) {
        let l = w["link"].as_str().unwrap();
        assert_eq!(build(base, controls), l, "{name}: the recipe no longer encodes to the recorded link");
        let d = link::decode(l);
        assert!(d.notices.is_empty(), "{name}: {:?}", d.notices);
        assert_eq!(link::encode(&d.link), l, "{name}: decode → encode is not the same link");
        let (digest, _) = digest_of(l);
        assert_eq!(digest, w["digest"].as_str().unwrap(), "{name}: the numbers changed");
    }
}

#[test]
fn the_cli_gives_the_same_digest_for_a_link_or_a_page_url() {
    for w in golden() {
        let l = w["link"].as_str().unwrap();
        for source in [l.to_string(), format!("https://example.org/explorer/#{l}")] {
            let out = Command::new(env!("CARGO_BIN_EXE_cascade")).args(["run", &source, "--json"]).output().unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            assert!(out.stderr.is_empty(), "no notices: {}", String::from_utf8_lossy(&out.stderr));
            let v: Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(v["digest"], w["digest"], "{}", w["name"]);
        }
    }
}

#[test]
fn a_link_with_problems_still_runs_and_says_what_it_ignored() {
    let out = Command::new(env!("CARGO_BIN_EXE_cascade"))
        .args(["run", "#v=1&preset=contagion&seed=7&lev.0=9999&colour=red", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("notice:") && err.contains("lev.0") && err.contains("colour"), "{err}");
    // the rest of the link was used: seed 7 on contagion, default leverage
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let fixed = build(&Base::Preset("contagion"), &[("seed", "7")]);
    assert_eq!(v["digest"].as_str().unwrap(), digest_of(&fixed).0);
}

/// The package root, read when the test runs (cargo sets it): a test binary reused from a build in
/// another checkout (CI's shared target directory) must read this checkout's files.
fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map(Into::into).unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into())
}

/// Links of format v1, recorded with the v1 engine (tests/golden/links_v1.json): migrated to the
/// current format, each computes the same numbers (the fingerprints of its three runs), except the
/// runs the file lists as changed, with the reason. A link whose numbers changed says so in a
/// notice when the change is the link's own (its `mode=`).
#[test]
fn v1_links_keep_their_numbers_where_the_meaning_did_not_change() {
    let text = std::fs::read_to_string(manifest_dir().join("tests/golden/links_v1.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let mut checked = 0;
    for w in doc["links"].as_array().unwrap() {
        let l = w["link"].as_str().unwrap();
        assert!(l.starts_with("v=1&") || l == "v=1", "{l}");
        let d = link::decode(l);
        let o = simulate(&Model::from_scenario(&d.link.scenario().unwrap()).unwrap());
        let changed: Vec<&str> =
            w["changed"]["runs"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        for (run, r) in [("main", &o.main), ("no_feedback", &o.no_feedback), ("other_mode", &o.other_mode)] {
            let same = report::run_fingerprint(&o.symbols, r) == w[run].as_str().unwrap();
            assert_eq!(
                same,
                !changed.contains(&run),
                "{l}: the {run} run {}",
                if same { "was expected to change" } else { "changed" }
            );
            checked += 1;
        }
        let says = d.notices.iter().any(|n| n.contains("older format (v=1)"));
        assert_eq!(says, l.contains("mode="), "{l}: {:?}", d.notices);
        // the migrated link is written in the current format and reads back to itself
        let e = link::encode(&d.link);
        assert!(e.starts_with("v=2&"), "{e}");
        assert_eq!(link::encode(&link::decode(&e).link), e);
    }
    assert!(checked >= 50, "{checked} runs checked");
}

/// Links recorded before scenario format 3 (tests/golden/links_format2.json: their custom
/// scenarios say `"version": 2` and carry `"stable": false` on every volatile asset): each still
/// opens without a notice and computes exactly what it computed then (the digest of its result).
#[test]
fn links_recorded_with_format_2_scenarios_keep_their_digests() {
    let text = std::fs::read_to_string(manifest_dir().join("tests/golden/links_format2.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let links = doc["links"].as_array().unwrap();
    assert!(links.iter().any(|w| w["link"].as_str().unwrap().contains("&s=")), "a custom scenario among them");
    for w in links {
        let l = w["link"].as_str().unwrap();
        let (digest, notices) = digest_of(l);
        assert!(notices.is_empty(), "{l}: {notices:?}");
        assert_eq!(digest, w["digest"].as_str().unwrap(), "{}: the result changed", w["name"]);
    }
}

/// Under a venue chosen in the link, a rule set back to what the plain scenario has is a change
/// (kept), and a padded venue value is read as the venue.
#[test]
fn a_rule_under_a_venue_is_kept_in_the_link() {
    for frag in ["v=2&preset=loop&venue=hyperliquid&backstop=off", "v=2&preset=loop&venue=%20hyperliquid&backstop=off"]
    {
        let d = link::decode(frag);
        assert_eq!(d.link.controls.get("backstop").map(String::as_str), Some("off"), "{frag}");
        let s = d.link.scenario().unwrap();
        assert_eq!(s.liquidation.backstop_below_mm, None, "{frag}");
        assert_eq!(link::encode(&d.link), "v=2&preset=loop&seed=7&backstop=off&venue=hyperliquid");
    }
}
