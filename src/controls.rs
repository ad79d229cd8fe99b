//! The explorer's controls: named values (`lev.0=12`, `corr=0.9`, `mode=isolated`, …) applied on
//! top of a base scenario (a preset or a loaded file). The page builds its sliders from
//! [`describe`], and share links will carry exactly these key=value pairs.
//!
//! Every value is checked against its range; a bad one is an error naming the control, and the
//! base scenario is never modified.

use crate::error::{Error, Problem};
use crate::scenario::{limits, ModeSpec, PairSpec, Scenario, ShockSpec};
use crate::types::Money;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Kind {
    Number { min: f64, max: f64, step: f64 },
    Toggle,
    Choice { options: Vec<String> },
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Control {
    pub key: String,
    pub label: String,
    pub unit: String,
    /// Group on the page: "position", "market", "crowd", "advanced".
    pub group: String,
    #[serde(flatten)]
    pub kind: Kind,
    /// The value in the base scenario, as the page shows it.
    pub value: String,
}

fn num(key: &str, label: &str, unit: &str, group: &str, min: f64, max: f64, step: f64, value: f64) -> Control {
    Control {
        key: key.into(),
        label: label.into(),
        unit: unit.into(),
        group: group.into(),
        kind: Kind::Number { min, max, step },
        value: trim(value),
    }
}

fn trim(v: f64) -> String {
    crate::types::short(v, 6)
}

fn f(d: Decimal) -> f64 {
    crate::types::dec_to_f64(d)
}

/// The margin behind focal position `i` in the base scenario: its `margin_usd`, or notional /
/// leverage, or its pro-rata share of the USD wallet.
fn position_margin(s: &Scenario, i: usize) -> Option<(Decimal, Decimal)> {
    let focal = s.focal.clone().unwrap_or_else(|| crate::scenario::AccountSpec::default_focal(&s.assets));
    let price = |sym: &str| s.assets.iter().find(|a| a.symbol == sym).map(|a| a.price.0);
    let notional = |p: &crate::scenario::PositionSpec| -> Option<Decimal> {
        let entry = p.entry_price.map(|e| e.0).or_else(|| price(&p.asset))?;
        p.notional_usd.map(|n| n.0).or(p.quantity.map(|q| q.0 * entry)).or(match (p.leverage, p.margin_usd) {
            (Some(l), Some(m)) => Some(l * m.0),
            _ => None,
        })
    };
    let p = focal.positions.get(i)?;
    let n = notional(p)?;
    if let Some(m) = p.margin_usd {
        return Some((m.0, n));
    }
    if let Some(l) = p.leverage.filter(|l| *l > Decimal::ZERO) {
        return Some((n / l, n));
    }
    let total: Decimal = focal.positions.iter().filter_map(notional).sum();
    let usd = focal.collateral.get("USD").copied().unwrap_or_default();
    if total > Decimal::ZERO && usd > Decimal::ZERO {
        Some((usd * n / total, n))
    } else {
        None
    }
}

/// Convert the focal book to the other margin mode, as the counterfactual does
/// (`model::other_mode`): cross → isolated posts the collateral's value (after haircuts, at the
/// opening prices) as USD margin, split pro rata by notional; isolated → cross pools wallet and
/// margins.
fn switch_mode(s: &mut Scenario, to: ModeSpec) {
    let margins: Vec<Option<(Decimal, Decimal)>> =
        (0..s.focal.as_ref().map(|f| f.positions.len()).unwrap_or(2)).map(|i| position_margin(s, i)).collect();
    let assets = s.assets.clone();
    let focal = s.focal.get_or_insert_with(|| crate::scenario::AccountSpec::default_focal(&assets));
    if focal.mode == to {
        return;
    }
    match to {
        ModeSpec::Isolated => {
            let mut value = Decimal::ZERO;
            for (sym, bal) in &focal.collateral {
                if sym == "USD" {
                    value += *bal;
                } else if let Some(a) = assets.iter().find(|a| a.symbol == *sym) {
                    value += if *bal > Decimal::ZERO {
                        *bal * a.price.0 * (Decimal::ONE - a.haircut.0)
                    } else {
                        *bal * a.price.0
                    };
                }
            }
            let value = value.round_dp(2);
            let notionals: Vec<Decimal> = margins.iter().map(|m| m.map(|x| x.1).unwrap_or_default()).collect();
            let total: Decimal = notionals.iter().copied().sum();
            let mut given = Decimal::ZERO;
            let n = focal.positions.len();
            for (k, p) in focal.positions.iter_mut().enumerate() {
                let m = if k + 1 == n {
                    value - given
                } else if total > Decimal::ZERO {
                    (value * notionals[k] / total).round_dp(2)
                } else {
                    Decimal::ZERO
                };
                given += m;
                p.margin_usd = Some(Money(m));
                p.notional_usd = Some(Money(notionals[k]));
                p.quantity = None;
                p.leverage = None;
            }
            focal.collateral = BTreeMap::from([("USD".to_string(), value)]);
        }
        ModeSpec::Cross => {
            let posted: Decimal = margins.iter().map(|m| m.map(|x| x.0).unwrap_or_default()).sum();
            *focal.collateral.entry("USD".into()).or_default() += posted.round_dp(8);
            for p in focal.positions.iter_mut() {
                p.margin_usd = None;
            }
        }
    }
    focal.mode = to;
}

/// The controls for a base scenario, with their base values.
pub fn describe(s: &Scenario) -> Vec<Control> {
    let mut out = vec![];
    let focal = s.focal.clone().unwrap_or_else(|| crate::scenario::AccountSpec::default_focal(&s.assets));
    out.push(Control {
        key: "mode".into(),
        label: "Margin mode".into(),
        unit: String::new(),
        group: "position".into(),
        kind: Kind::Choice { options: vec!["cross".into(), "isolated".into()] },
        value: match focal.mode {
            ModeSpec::Cross => "cross".into(),
            ModeSpec::Isolated => "isolated".into(),
        },
    });
    for (i, p) in focal.positions.iter().enumerate() {
        if let Some((m, n)) = position_margin(s, i) {
            let lev = if m > Decimal::ZERO { f(n / m) } else { 1.0 };
            let side = match p.side {
                crate::scenario::SideSpec::Long => "long",
                crate::scenario::SideSpec::Short => "short",
            };
            out.push(num(
                &format!("lev.{i}"),
                &format!("Leverage, {side} {}", p.asset),
                "×",
                "position",
                1.0,
                100.0,
                0.5,
                (lev * 2.0).round() / 2.0,
            ));
        }
    }
    let volatile: Vec<&str> =
        s.assets.iter().filter(|a| !(a.stable || a.sigma == 0.0)).map(|a| a.symbol.as_str()).collect();
    let shock = s.shocks.first();
    let all: Vec<String> = s.assets.iter().map(|a| a.symbol.clone()).collect();
    out.push(Control {
        key: "shock.asset".into(),
        label: "Shock: asset".into(),
        unit: String::new(),
        group: "market".into(),
        kind: Kind::Choice { options: all.clone() },
        value: shock
            .map(|x| x.symbol.clone())
            .or(volatile.first().map(|x| x.to_string()))
            .or(all.first().cloned())
            .unwrap_or_default(),
    });
    // The shock controls act on a script: every shock of the first shock's asset.
    let script = script_of(&s.shocks);
    let size = (move_of(&s.shocks, &script) * 10.0).round() / 10.0;
    out.push(num("shock.pct", "Shock: size (all its steps)", "%", "market", -60.0, 60.0, 0.1, size));
    let (first, last) = span_of(&s.shocks, &script);
    out.push(num(
        "shock.step",
        "Shock: starts at",
        "step",
        "market",
        1.0,
        // the whole script stays inside the run
        s.steps.saturating_sub(last - first).max(1) as f64,
        1.0,
        first as f64,
    ));
    out.push(num("corr", "Correlation, all pairs", "ρ", "market", -0.5, 0.99, 0.01, s.correlation.all_pairs));
    out.push(num("depth", "Market depth, times the scenario's", "×", "market", 0.05, 5.0, 0.05, 1.0));
    // (a scenario without a crowd has no crowd controls: they would change nothing)
    if s.crowd.accounts > 0 {
        out.push(num(
            "crowd.lev_min",
            "Crowd leverage, lowest",
            "×",
            "crowd",
            1.0,
            200.0,
            0.5,
            f(s.crowd.leverage_min),
        ));
        out.push(num(
            "crowd.lev_max",
            "Crowd leverage, highest",
            "×",
            "crowd",
            1.0,
            200.0,
            0.5,
            f(s.crowd.leverage_max),
        ));
    }
    out.push(Control {
        key: "feedback".into(),
        label: "Price-impact feedback".into(),
        unit: String::new(),
        group: "market".into(),
        kind: Kind::Toggle,
        value: s.feedback.to_string(),
    });
    out.push(Control {
        key: "noise".into(),
        label: "Random noise".into(),
        unit: String::new(),
        group: "market".into(),
        kind: Kind::Toggle,
        value: s.noise.to_string(),
    });
    out.push(num("seed", "Seed", "", "market", 0.0, limits::MAX_SEED as f64, 1.0, s.seed as f64));
    for (i, a) in volatile.iter().enumerate() {
        for b in &volatile[i + 1..] {
            let rho = s
                .correlation
                .pairs
                .iter()
                .rev()
                .find(|p| (p.a == *a && p.b == *b) || (p.a == *b && p.b == *a))
                .map(|p| p.rho)
                .unwrap_or(s.correlation.all_pairs);
            out.push(num(
                &format!("rho.{a}.{b}"),
                &format!("Correlation {a}–{b}"),
                "ρ",
                "advanced",
                -0.99,
                0.99,
                0.01,
                rho,
            ));
        }
    }
    out
}

/// The shocks the shock controls act on: those of the first shock's asset (indices).
fn script_of(shocks: &[ShockSpec]) -> Vec<usize> {
    match shocks.first() {
        Some(f) => (0..shocks.len()).filter(|&i| shocks[i].symbol == f.symbol).collect(),
        None => vec![],
    }
}

/// The first and last step of a script ((1, 1) when empty).
fn span_of(shocks: &[ShockSpec], script: &[usize]) -> (usize, usize) {
    let steps = script.iter().map(|&i| shocks[i].step);
    match (steps.clone().min(), steps.max()) {
        (Some(a), Some(b)) => (a, b),
        _ => (1, 1),
    }
}

/// The extreme cumulative move (%) of a script: the compounded path's point farthest from the
/// start in either direction (in log terms), e.g. 22 steps of −1 % → −19.84 %; a fall of 35 %
/// that later recovers → −35 %; no shocks → 0.
fn move_of(shocks: &[ShockSpec], script: &[usize]) -> f64 {
    // In step order, through one bucket per step (no sort: it would add sorting code to the wasm,
    // whose size budget is tight). Steps past the limit make the scenario invalid anyway.
    let last = script.iter().map(|&i| shocks[i].step).max().unwrap_or(0).min(crate::scenario::limits::MAX_STEPS);
    let mut per_step = vec![0.0f64; last + 1];
    for &i in script {
        if let Some(b) = per_step.get_mut(shocks[i].step) {
            *b += libm::log1p(shocks[i].percent / 100.0);
        }
    }
    let (mut log, mut extreme) = (0.0f64, 0.0f64);
    for l in per_step {
        log += l;
        if log.abs() > extreme.abs() {
            extreme = log;
        }
    }
    (libm::exp(extreme) - 1.0) * 100.0
}

/// Apply control values to a copy of `base`. Unknown keys and bad values are errors naming the
/// control (`controls.depth: must be between 0.05 and 5, got 9`).
pub fn apply(base: &Scenario, values: &BTreeMap<String, String>) -> crate::Result<Scenario> {
    apply_checked(base, values, true)
}

/// One control on its own: its kind and range only. Checks across controls (a crossed crowd
/// leverage range) are left to [`apply`] on the whole set — a link decoder reading one key at a
/// time must not reject `crowd.lev_min=50` before it has read `crowd.lev_max=100`.
pub fn check_one(base: &Scenario, key: &str, value: &str) -> crate::Result<Scenario> {
    apply_checked(base, &BTreeMap::from([(key.to_string(), value.to_string())]), false)
}

fn apply_checked(base: &Scenario, values: &BTreeMap<String, String>, across: bool) -> crate::Result<Scenario> {
    let mut s = base.clone();
    let specs = describe(base);
    let mut problems = vec![];
    let mut err = |k: &str, m: String| problems.push(Problem { path: format!("controls.{k}"), message: m });
    // Order matters: the mode (it converts the book), the all-pairs slider (it resets pair
    // overrides), the rest, leverage (it scales the converted book), then per-pair values.
    let rank = |k: &str| match k {
        "mode" => 0,
        "corr" => 1,
        _ if k.starts_with("lev.") => 3,
        _ if k.starts_with("rho.") => 4,
        _ => 2,
    };
    // the shocks the shock controls act on, and their asset
    let mut script = script_of(&s.shocks);
    let mut primary = specs.iter().find(|c| c.key == "shock.asset").map(|c| c.value.clone()).unwrap_or_default();
    let mut keys: Vec<&String> = values.keys().collect();
    keys.sort_by_key(|k| (rank(k), k.to_string()));
    for key in keys {
        let raw = values[key].trim();
        let Some(spec) = specs.iter().find(|c| c.key == *key) else {
            err(key, "unknown control".into());
            continue;
        };
        let number = match &spec.kind {
            Kind::Number { min, max, .. } => match raw.parse::<f64>() {
                Ok(v) if v.is_finite() && v >= *min && v <= *max => Some(v),
                Ok(v) => {
                    err(key, format!("must be between {} and {}, got {}", trim(*min), trim(*max), trim(v)));
                    continue;
                }
                Err(_) => {
                    err(key, format!("must be a number, got {raw:?}"));
                    continue;
                }
            },
            Kind::Toggle => {
                if raw != "true" && raw != "false" {
                    err(key, format!("must be true or false, got {raw:?}"));
                    continue;
                }
                None
            }
            Kind::Choice { options } => {
                if !options.iter().any(|o| o == raw) {
                    err(key, format!("must be one of {}, got {raw:?}", options.join(", ")));
                    continue;
                }
                None
            }
        };
        let dec = |v: f64| crate::model::dec_dp(v, 6).unwrap_or_default();
        match key.as_str() {
            "mode" => switch_mode(&mut s, if raw == "isolated" { ModeSpec::Isolated } else { ModeSpec::Cross }),
            "feedback" => s.feedback = raw == "true",
            "noise" => s.noise = raw == "true",
            "seed" => s.seed = number.unwrap_or(0.0) as u64,
            "corr" => {
                s.correlation.all_pairs = number.unwrap_or(0.0);
                s.correlation.pairs.clear();
                s.correlation.matrix = None;
            }
            "depth" => {
                let k = dec(number.unwrap_or(1.0));
                for (a, b) in s.assets.iter_mut().zip(&base.assets) {
                    a.depth_usd = Money((b.depth_usd.0 * k).round_dp(2));
                }
            }
            "crowd.lev_min" => s.crowd.leverage_min = dec(number.unwrap_or(1.0)),
            "crowd.lev_max" => s.crowd.leverage_max = dec(number.unwrap_or(1.0)),
            // The shock controls act on the whole script (every shock of the first shock's
            // asset), which may span many steps: contagion's slide is 22 steps of −1 %.
            "shock.asset" => {
                for &i in &script {
                    s.shocks[i].symbol = raw.to_string();
                }
                primary = raw.to_string();
            }
            "shock.pct" => {
                let target = number.unwrap_or(0.0);
                let now = move_of(&s.shocks, &script);
                // the base value (as described, to 0.1 %) leaves the script exactly as it is
                if (target * 10.0).round() != (now * 10.0).round() {
                    if now.abs() < 1e-9 {
                        // nothing to scale: one shock of that size where the script starts
                        let (first, _) = span_of(&s.shocks, &script);
                        for &i in &script {
                            s.shocks[i].percent = 0.0;
                        }
                        match script.iter().find(|&&i| s.shocks[i].step == first) {
                            Some(&i) => s.shocks[i].percent = target,
                            None => {
                                let symbol = primary.clone();
                                s.shocks.push(ShockSpec { step: first.min(s.steps.max(1)), symbol, percent: target });
                                script.push(s.shocks.len() - 1);
                            }
                        }
                    } else {
                        // every step scaled alike in log terms: the shape is kept and the extreme
                        // cumulative move becomes the target (a target of the other sign mirrors it)
                        let k = libm::log1p(target / 100.0) / libm::log1p(now / 100.0);
                        for &i in &script {
                            let p = (libm::exp(libm::log1p(s.shocks[i].percent / 100.0) * k) - 1.0) * 100.0;
                            s.shocks[i].percent = (p * 1e6).round() / 1e6;
                        }
                    }
                }
            }
            "shock.step" => {
                let start = number.unwrap_or(1.0) as usize;
                if script.is_empty() {
                    s.shocks.push(ShockSpec { step: start, symbol: primary.clone(), percent: 0.0 });
                    script.push(s.shocks.len() - 1);
                } else {
                    // shifted as a whole; the range keeps the last shock inside the run
                    let (first, _) = span_of(&s.shocks, &script);
                    for &i in &script {
                        s.shocks[i].step = (s.shocks[i].step + start).saturating_sub(first).clamp(1, s.steps.max(1));
                    }
                }
            }
            k if k.starts_with("lev.") => {
                let i: usize = k[4..].parse().unwrap_or(usize::MAX);
                let lev = dec(number.unwrap_or(1.0));
                if let Some((m, _)) = position_margin(&s, i) {
                    let focal =
                        s.focal.get_or_insert_with(|| crate::scenario::AccountSpec::default_focal(&base.assets));
                    if let Some(p) = focal.positions.get_mut(i) {
                        p.notional_usd = Some(Money((m * lev).round_dp(2)));
                        p.quantity = None;
                        p.leverage = Some(lev);
                        if focal.mode == ModeSpec::Isolated {
                            p.margin_usd = Some(Money(m));
                        }
                    }
                }
            }
            k if k.starts_with("rho.") => {
                let mut parts = k[4..].splitn(2, '.');
                let (a, b) =
                    (parts.next().unwrap_or_default().to_string(), parts.next().unwrap_or_default().to_string());
                s.correlation.pairs.retain(|p| !((p.a == a && p.b == b) || (p.a == b && p.b == a)));
                s.correlation.pairs.push(PairSpec { a, b, rho: number.unwrap_or(0.0) });
            }
            _ => err(key, "unknown control".into()),
        }
    }
    // Say it in the controls' own words, before validation would in the scenario's.
    if across && s.crowd.leverage_min > s.crowd.leverage_max {
        let (lo, hi) = (s.crowd.leverage_min.normalize(), s.crowd.leverage_max.normalize());
        let key = if values.contains_key("crowd.lev_min") { "crowd.lev_min" } else { "crowd.lev_max" };
        if values.contains_key(key) {
            err(
                key,
                format!("the crowd's lowest leverage ({lo}×) is above its highest ({hi}×): lower the one or raise the other"),
            );
        }
    }
    if problems.is_empty() {
        Ok(s)
    } else {
        Err(Error::Invalid(problems))
    }
}

#[cfg(test)]
mod tests {

    /// [`move_of`] over every shock of one asset.
    fn scripted_move(shocks: &[ShockSpec], symbol: &str) -> f64 {
        let mine: Vec<usize> = (0..shocks.len()).filter(|&i| shocks[i].symbol == symbol).collect();
        move_of(shocks, &mine)
    }
    use super::*;

    fn contagion() -> Scenario {
        Scenario::from_json(crate::presets::get("contagion").unwrap().json).unwrap()
    }

    #[test]
    fn leverage_keeps_the_margin_and_scales_the_size() {
        // BTC: 100 000 notional at 10× ⇒ margin 10 000; at 20× the notional is 200 000
        let s = contagion();
        let c = describe(&s);
        assert_eq!(c.iter().find(|c| c.key == "lev.0").unwrap().value, "10");
        let v = BTreeMap::from([("lev.0".to_string(), "20".to_string())]);
        let t = apply(&s, &v).unwrap();
        assert_eq!(t.focal.unwrap().positions[0].notional_usd, Some(Money("200000".parse().unwrap())));
    }

    #[test]
    fn bad_values_name_the_control() {
        let s = contagion();
        for (k, v, want) in [
            ("depth", "9", "controls.depth: must be between 0.05 and 5, got 9"),
            ("corr", "abc", "controls.corr: must be a number, got \"abc\""),
            ("mode", "both", "controls.mode: must be one of cross, isolated, got \"both\""),
            ("noise", "yes", "controls.noise: must be true or false, got \"yes\""),
            ("bogus", "1", "controls.bogus: unknown control"),
            ("rho.BTC.DOGE", "0.5", "controls.rho.BTC.DOGE: unknown control"),
        ] {
            let e = apply(&s, &BTreeMap::from([(k.to_string(), v.to_string())])).unwrap_err();
            assert_eq!(e.problems()[0].to_string(), want);
        }
    }

    #[test]
    fn the_shock_controls_move_the_whole_scripted_shock() {
        let s = contagion(); // ETH: 22 shocks of −1 % at steps 10..=31, 60 steps
        let one = |k: &str, v: &str| apply(&s, &BTreeMap::from([(k.to_string(), v.to_string())])).unwrap();
        let eth = |t: &Scenario| t.shocks.iter().filter(|x| x.symbol == "ETH").cloned().collect::<Vec<_>>();
        let spec = |k: &str| describe(&s).into_iter().find(|c| c.key == k).unwrap();
        // 0.99^22 − 1 = −0.19837 → −19.8 % (to the slider's 0.1 % step)
        assert_eq!(spec("shock.pct").value, "-19.8");
        assert_eq!(spec("shock.step").value, "10");
        // the script spans 21 steps (10..=31): it may start at most at 60 − 21 = 39
        assert!(matches!(spec("shock.step").kind, Kind::Number { max, .. } if max == 39.0));
        assert!(apply(&s, &BTreeMap::from([("shock.step".into(), "40".into())])).is_err());
        // the described value leaves the script exactly as it is
        assert_eq!(one("shock.pct", "-19.8").shocks, s.shocks);
        // −30 %: each of the 22 steps becomes 0.7^(1/22) − 1 = −1.60818 %
        let t = one("shock.pct", "-30");
        assert_eq!(eth(&t).len(), 22);
        for x in eth(&t) {
            assert!((x.percent - -1.608_18).abs() < 1e-5, "{}", x.percent);
        }
        assert!((scripted_move(&t.shocks, "ETH") - -30.0).abs() < 1e-3);
        // a rise mirrors the shape: +10 % → 1.1^(1/22) − 1 = +0.43417 % per step
        assert!((one("shock.pct", "10").shocks[0].percent - 0.434_17).abs() < 1e-5);
        // start at step 20: the slide keeps its 22 consecutive steps, 20..=41; at 39, 39..=60
        let steps = |t: &Scenario| eth(t).iter().map(|x| x.step).collect::<Vec<_>>();
        assert_eq!(steps(&one("shock.step", "20")), (20..=41).collect::<Vec<_>>());
        assert_eq!(steps(&one("shock.step", "39")), (39..=60).collect::<Vec<_>>());
        // another asset: the whole slide moves to BTC
        let t = one("shock.asset", "BTC");
        assert!(eth(&t).is_empty());
        assert_eq!(t.shocks.iter().filter(|x| x.symbol == "BTC").count(), 22);
        // and size applies to the asset chosen in the same link
        let t = apply(&s, &BTreeMap::from([("shock.asset".into(), "BTC".into()), ("shock.pct".into(), "-30".into())]))
            .unwrap();
        assert!((scripted_move(&t.shocks, "BTC") - -30.0).abs() < 1e-3);
    }

    #[test]
    fn the_shock_script_is_the_first_assets_shocks_only() {
        // depeg: USDX −35 % at 12 and +52 % later, BTC −7 % and ETH −10 % at 12. Moving the
        // script to BTC leaves BTC's own −7 % alone, and sizing scales the script only.
        let s = crate::presets::get("depeg").unwrap().scenario();
        let usdx: Vec<ShockSpec> = s.shocks.iter().filter(|x| x.symbol == "USDX").cloned().collect();
        assert!(usdx.len() >= 2);
        let both = BTreeMap::from([("shock.asset".to_string(), "BTC".to_string()), ("shock.pct".into(), "-20".into())]);
        let t = apply(&s, &both).unwrap();
        let btc: Vec<&ShockSpec> = t.shocks.iter().filter(|x| x.symbol == "BTC").collect();
        assert_eq!(btc.len(), usdx.len() + 1);
        assert!(btc.iter().any(|x| x.percent == -7.0), "BTC's own shock is untouched: {btc:?}");
        let script: Vec<usize> = (0..t.shocks.len()).filter(|&i| s.shocks[i].symbol == "USDX").collect();
        assert!((move_of(&t.shocks, &script) - -20.0).abs() < 1e-3);
        // shocks listed out of order: the script starts at its earliest step
        let mut o = contagion();
        o.shocks.reverse(); // first listed: step 31
        let spec = describe(&o).into_iter().find(|c| c.key == "shock.step").unwrap();
        assert_eq!(spec.value, "10");
        let t = apply(&o, &BTreeMap::from([("shock.step".into(), "11".into())])).unwrap();
        let mut steps: Vec<usize> = t.shocks.iter().map(|x| x.step).collect();
        steps.sort_unstable();
        assert_eq!(steps, (11..=32).collect::<Vec<_>>());
        // no shocks at all: size makes one at step 1 of the chosen asset
        let mut n = contagion();
        n.shocks.clear();
        let t = apply(&n, &BTreeMap::from([("shock.pct".into(), "-12".into())])).unwrap();
        assert_eq!(t.shocks, vec![ShockSpec { step: 1, symbol: "BTC".into(), percent: -12.0 }]);
    }

    #[test]
    fn scripted_move_is_the_extreme_of_the_compounded_path() {
        let sh = |step: usize, sym: &str, percent: f64| ShockSpec { step, symbol: sym.into(), percent };
        // −35 % then +50 %: the path goes to 0.65 then 0.975; the extreme is −35 %
        let depeg = [sh(12, "USDX", -35.0), sh(12, "BTC", -7.0), sh(30, "USDX", 50.0)];
        assert!((scripted_move(&depeg, "USDX") - -35.0).abs() < 1e-9);
        assert!((scripted_move(&depeg, "BTC") - -7.0).abs() < 1e-9);
        assert_eq!(scripted_move(&depeg, "ETH"), 0.0);
        // order of the list does not matter, the steps do: −15 % then −18 % = −30.3 %
        let two = [sh(61, "SOL", -18.0), sh(60, "SOL", -15.0)];
        assert!((scripted_move(&two, "SOL") - -30.3).abs() < 1e-9);
        // a step far past any valid scenario is ignored rather than allocated for
        assert_eq!(scripted_move(&[sh(usize::MAX, "SOL", -50.0)], "SOL"), 0.0);
    }

    #[test]
    fn a_scenario_without_a_crowd_has_no_crowd_controls() {
        let keys = |s: &Scenario| describe(s).into_iter().map(|c| c.key).collect::<Vec<_>>();
        assert!(!keys(&contagion()).iter().any(|k| k.starts_with("crowd.")), "contagion has no crowd");
        assert!(keys(&Scenario::default()).contains(&"crowd.lev_min".to_string()));
        let e = apply(&contagion(), &BTreeMap::from([("crowd.lev_min".to_string(), "5".to_string())])).unwrap_err();
        assert_eq!(e.problems()[0].to_string(), "controls.crowd.lev_min: unknown control");
    }

    #[test]
    fn a_crossed_crowd_leverage_range_is_named_in_the_controls_words() {
        // the default crowd spans 2× to 40×: a lowest of 50× crosses the highest
        let s = Scenario::default();
        assert_eq!((s.crowd.leverage_min.to_string(), s.crowd.leverage_max.to_string()), ("2".into(), "40".into()));
        let e = apply(&s, &BTreeMap::from([("crowd.lev_min".to_string(), "50".to_string())])).unwrap_err();
        assert_eq!(
            e.problems()[0].to_string(),
            "controls.crowd.lev_min: the crowd's lowest leverage (50×) is above its highest (40×): lower the one or raise the other"
        );
        let e = apply(&s, &BTreeMap::from([("crowd.lev_max".to_string(), "1.5".to_string())])).unwrap_err();
        assert!(e.problems()[0].to_string().starts_with("controls.crowd.lev_max: the crowd's lowest leverage (2×)"));
    }

    #[test]
    fn every_described_control_applies_at_its_base_value_and_validates() {
        for p in crate::presets::PRESETS {
            let s = Scenario::from_json(p.json).unwrap();
            let vals: BTreeMap<String, String> = describe(&s).into_iter().map(|c| (c.key, c.value)).collect();
            let t = apply(&s, &vals).unwrap_or_else(|e| panic!("{}: {e}", p.name));
            crate::Model::from_scenario(&t).unwrap_or_else(|e| panic!("{}: {e}", p.name));
        }
    }

    #[test]
    fn mode_switch_changes_the_contagion_outcome() {
        let s = contagion();
        let iso = apply(&s, &BTreeMap::from([("mode".to_string(), "isolated".to_string())])).unwrap();
        let o = crate::simulate(&crate::Model::from_scenario(&iso).unwrap());
        assert!(o.summary.healthy_positions_closed.is_empty());
        assert!(o.main.focal().positions.iter().any(|p| o.symbols[p.asset] == "BTC"));
    }
}
