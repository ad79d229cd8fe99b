//! Golden scenarios: every preset and every file in tests/golden/scenarios/ against its expected
//! summary in tests/golden/*.summary.json. After an intended change to the model, regenerate with
//! `UPDATE_GOLDEN=1 cargo test --test golden` and review the diff like code.

use margin_cascade::{load_scenario, output::report, share::presets, simulate, Model};
use serde_json::{json, Value};
use std::path::PathBuf;

fn expected_doc(src: &str) -> Value {
    let s = load_scenario(src).unwrap();
    let o = simulate(&Model::from_scenario(&s).unwrap());
    let full = report::to_json(&o);
    json!({
        "summary": full["summary"],
        "no_feedback": full["counterfactuals"]["no_feedback"]["summary"],
        "other_mode": full["counterfactuals"]["other_mode"]["summary"],
        "events": full["events"].as_array().unwrap().len(),
        "final_prices": full["series"]["price"].as_object().unwrap().iter()
            .map(|(k, v)| (k.clone(), v.as_array().unwrap().last().unwrap().clone())).collect::<serde_json::Map<_, _>>(),
        "conservation_exact": full["conservation"]["main"]["exact"],
        "digest": full["digest"],
    })
}

fn check(name: &str, src: &str) -> Option<String> {
    let dir = manifest_dir().join("tests/golden");
    let path: PathBuf = dir.join(format!("{name}.summary.json"));
    let got = expected_doc(src);
    let text = serde_json::to_string_pretty(&got).unwrap() + "\n";
    if std::env::var("UPDATE_GOLDEN").is_ok() {
        std::fs::write(&path, &text).unwrap();
        return None;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing {}; run with UPDATE_GOLDEN=1", path.display()));
    let want: Value = serde_json::from_str(&want).unwrap();
    if want != got {
        let diff: Vec<String> = ["summary", "no_feedback", "other_mode", "events", "final_prices", "digest"]
            .iter()
            .filter(|k| want[**k] != got[**k])
            .map(|k| format!("  {k}: expected {}\n     got {}", want[*k], got[*k]))
            .collect();
        return Some(format!("{name}:\n{}", diff.join("\n")));
    }
    None
}

#[test]
fn presets_match_their_golden_summaries() {
    let failures: Vec<String> =
        presets::PRESETS.iter().filter_map(|p| check(p.name, &format!("preset:{}", p.name))).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn scenario_files_match_their_golden_summaries() {
    let dir = manifest_dir().join("tests/golden/scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 2);
    let failures: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let name = f.file_stem().unwrap().to_string_lossy().to_string();
            check(&name, &std::fs::read_to_string(f).unwrap())
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The package root, read when the test runs (cargo sets it): a test binary reused from a build in
/// another checkout (CI's shared target directory) must read this checkout's files.
fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map(Into::into).unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into())
}
