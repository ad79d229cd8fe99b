//! The docs and comments stay true to the tree: every file they name exists, and no project file
//! points at something outside the repository (an issue tracker's numbers, a spec that is not here).

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    // read at run time: a test binary reused from another checkout must look at this one
    std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."))
}

/// Every file of the project (no build output, no installed packages).
fn project_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().to_string();
        if p.is_dir() {
            if !matches!(name.as_str(), "target" | "node_modules" | ".git" | "pkg" | "artifacts" | "dist") {
                project_files(&p, out);
            }
        } else {
            out.push(p);
        }
    }
}

/// The files whose words a reader follows: docs, code, scripts, the page.
fn texts(all: &[PathBuf]) -> Vec<PathBuf> {
    let r = root();
    all.iter()
        .filter(|p| {
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
            let rel = p.strip_prefix(&r).unwrap_or(p);
            matches!(ext, "rs" | "md" | "mjs" | "js" | "html" | "css" | "sh" | "py" | "toml") || rel.starts_with(".ci")
        })
        .cloned()
        .collect()
}

const EXTS: [&str; 10] = [".rs", ".mjs", ".js", ".md", ".sh", ".py", ".html", ".css", ".toml", ".json"];

/// Words in `text` that name a file of the project: `src/engine/sim.rs`, `main.js`, `./scripts/test.sh`.
fn file_names(text: &str) -> Vec<String> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || "_./-".contains(c);
    let mut out = vec![];
    for w in text.split(|c: char| !is_word(c)) {
        let w = w.trim_end_matches(['.', '-', '/']).trim_start_matches("./");
        let Some(ext) = EXTS.iter().find(|e| w.ends_with(*e)) else { continue };
        let stem = &w[..w.len() - ext.len()];
        // a real name, not an extension on its own (".test.mjs"), a URL, or generated output
        // (absolute paths and URL paths start with '/': "/no/such/file.json", "//host/a.js")
        if stem.is_empty() || w.starts_with('.') && !w.starts_with(".ci") || w.starts_with('/') {
            continue;
        }
        // bare JSON names are examples of a user's own files (`my-scenario.json`); JSON with a
        // folder is the project's (`tests/golden/links.json`)
        if *ext == ".json" && !w.contains('/') {
            continue;
        }
        if w == "Node.js" || w.contains("pkg/") || w.starts_with("margin_cascade") {
            continue;
        }
        out.push(w.to_string());
    }
    out
}

/// What a reader reads of a file: all of a document, the comments of code (a name in code,
/// often a field, not a file).
fn prose(file: &Path, text: &str) -> String {
    let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("");
    if matches!(ext, "md" | "html" | "toml") {
        return text.to_string();
    }
    let marks: &[&str] = if matches!(ext, "sh" | "py") || ext.is_empty() { &["#"] } else { &["//", "*", "/*"] };
    text.lines()
        .map(str::trim_start)
        .filter(|l| marks.iter().any(|m| l.starts_with(m)) && !l.starts_with("#!"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_file_a_doc_or_comment_names_exists() {
    let r = root();
    let mut all = vec![];
    project_files(&r, &mut all);
    let names: Vec<String> =
        all.iter().filter_map(|p| p.file_name()).map(|n| n.to_string_lossy().to_string()).collect();
    let mut missing = vec![];
    for file in texts(&all) {
        let Ok(text) = fs::read_to_string(&file) else { continue };
        let here = file.parent().unwrap_or(&r).to_path_buf();
        for w in file_names(&prose(&file, &text)) {
            let found = if w.contains('/') {
                [r.join(&w), r.join("src").join(&w), here.join(&w)].iter().any(|p| p.exists())
            } else {
                names.contains(&w)
            };
            if !found {
                missing.push(format!("{} names {w}", file.strip_prefix(&r).unwrap_or(&file).display()));
            }
        }
    }
    missing.sort();
    missing.dedup();
    assert!(missing.is_empty(), "files named but not in the repository:\n  {}", missing.join("\n  "));
}

#[test]
fn no_project_file_points_outside_the_repository() {
    let r = root();
    let mut all = vec![];
    project_files(&r, &mut all);
    let mut found = vec![];
    for file in texts(&all) {
        if file.ends_with("tests/docs.rs") {
            continue; // this file spells out what it looks for
        }
        let Ok(text) = fs::read_to_string(&file) else { continue };
        for (n, line) in text.lines().enumerate() {
            let lower = line.to_lowercase();
            let issue_number = lower.match_indices("issue ").any(|(i, _)| {
                lower[i + 6..].trim_start_matches('#').chars().next().is_some_and(|c| c.is_ascii_digit())
            });
            if issue_number || line.contains("MODEL.md") {
                found.push(format!("{}:{}: {}", file.strip_prefix(&r).unwrap_or(&file).display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "project files cite issue numbers or a spec that is not in the repository:\n  {}",
        found.join("\n  ")
    );
}

#[test]
fn the_scanner_finds_file_names() {
    let t = "see `src/engine/sim.rs`, www/main.js and ./scripts/test.sh; not .test.mjs, my.json, or https://x.io/a.js.";
    assert_eq!(file_names(t), vec!["src/engine/sim.rs", "www/main.js", "scripts/test.sh"]);
}
