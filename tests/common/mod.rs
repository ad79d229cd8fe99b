#![allow(dead_code)]
use margin_cascade::engine::account::AccountId;
use margin_cascade::engine::liquidation::EventKind;
use margin_cascade::{simulate, Model, Outcome, Scenario};
use rust_decimal::Decimal;

pub fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

pub fn scenario(v: serde_json::Value) -> Scenario {
    serde_json::from_value(v).expect("test scenario parses")
}

pub fn model(v: serde_json::Value) -> Model {
    Model::from_scenario(&scenario(v)).unwrap_or_else(|e| panic!("test scenario invalid: {e}"))
}

pub fn run(v: serde_json::Value) -> Outcome {
    simulate(&model(v))
}

/// First step at which the focal account was liquidated in the main run.
pub fn focal_liq_steps(o: &Outcome) -> Vec<(String, usize)> {
    o.main
        .events
        .iter()
        .filter(|e| e.account == AccountId::Focal)
        .filter_map(|e| match &e.kind {
            EventKind::Liquidation { asset, .. } => Some((o.symbols[*asset].clone(), e.step)),
            _ => None,
        })
        .collect()
}

/// The `cascade` CLI as a script runs it: (exit code, standard output, standard error).
pub fn cascade(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cascade")).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}
