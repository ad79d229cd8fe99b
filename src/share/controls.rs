//! The explorer's controls: named values (`lev.0=12`, `corr=0.9`, `mode=isolated`, …) applied on
//! top of a base scenario (a preset or a loaded file). The page builds its widgets from
//! [`describe_with`], share links carry exactly these key=value pairs, and `cascade controls`
//! prints them.
//!
//! Every value is checked against its range; a bad one is an error naming the control, and the
//! base scenario is never modified. A control that cannot change the outcome of the scenario
//! at hand is described as disabled, with the reason in one line (`seed`: "no effect while random
//! noise is off"); a test sweeps every enabled control over its range and checks that the
//! outcome moves, and every disabled one and checks that it does not.
//!
//! The margin mode does not touch the book: the account's collateral and positions are the same
//! in both modes ([`crate::engine::book`]); `mode` only chooses which of the two runs is the main one.

use crate::engine::pricing::RulesMatter;
use crate::engine::scenario::{
    limits, move_of, AccountSpec, AdlSpec, CrowdAssetSpec, MarkPriceSpec, ModeSpec, PairSpec, PolicySpec,
    PriceSourceSpec, Scenario, ShockSpec, SideSpec,
};
use crate::engine::venues::{self, Venue};
use crate::error::{Error, Problem};
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
    /// The value, as the page shows it (the base scenario's, or the one set).
    pub value: String,
    /// `false` when the control cannot change this scenario's outcome (`reason` says why).
    pub enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A line the page shows beside the control: a position's size, the account's leverage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Control {
    fn new(key: &str, label: &str, unit: &str, group: &str, kind: Kind, value: String) -> Control {
        Control {
            key: key.into(),
            label: label.into(),
            unit: unit.into(),
            group: group.into(),
            kind,
            value,
            enabled: true,
            reason: None,
            note: None,
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn num(key: &str, label: &str, unit: &str, group: &str, min: f64, max: f64, step: f64, value: f64) -> Control {
    Control::new(key, label, unit, group, Kind::Number { min, max, step }, trim(value))
}

fn toggle(key: &str, label: &str, group: &str, value: bool) -> Control {
    Control::new(key, label, "", group, Kind::Toggle, value.to_string())
}

fn trim(v: f64) -> String {
    crate::types::short(v, 6)
}

fn f(d: Decimal) -> f64 {
    crate::types::dec_to_f64(d)
}

pub(crate) fn focal_of(s: &Scenario) -> AccountSpec {
    s.focal.clone().unwrap_or_else(|| AccountSpec::default_focal(&s.assets))
}

/// The margin behind focal position `i` and its notional: its margin ask (`margin_usd`, or
/// notional ÷ leverage), or — for a position that asks for none — its isolated share of the
/// account's capital, as [`crate::engine::book`] computes it.
pub(crate) fn position_margin(s: &Scenario, i: usize) -> Option<(Decimal, Decimal)> {
    let focal = focal_of(s);
    let p = focal.positions.get(i)?;
    let entry =
        p.entry_price.map(|e| e.0).or_else(|| s.assets.iter().find(|a| a.symbol == p.asset).map(|a| a.price.0))?;
    let n = p.notional_usd.map(|n| n.0).or(p.quantity.map(|q| q.0 * entry)).or(match (p.leverage, p.margin_usd) {
        (Some(l), Some(m)) => Some(l * m.0),
        _ => None,
    })?;
    if let Some(m) = p.margin_usd {
        return Some((m.0, n));
    }
    if let Some(l) = p.leverage.filter(|l| *l > Decimal::ZERO) {
        return Some((n / l, n));
    }
    let m = crate::engine::model::Model::from_scenario(s).ok()?;
    let margins = m.focal_book.isolated_margins(&m.assets).ok()?;
    Some((margins.get(i)?.0, n))
}

/// The controls for a base scenario, with its values.
pub fn describe(base: &Scenario) -> Vec<Control> {
    describe_with(base, &BTreeMap::new(), None, None)
}

/// The venue whose rules stand under `values`: the `venue` value, else the base's own.
pub fn chosen_venue(base: &Scenario, values: &BTreeMap<String, String>) -> Venue {
    values.get("venue").and_then(|v| Venue::from_key(v.trim())).unwrap_or(base.upgraded().venue)
}

/// The keys of the rules a venue's pack sets.
const RULE_KEYS: [&str; 5] = ["policy", "mark", "coll_price", "adl", "backstop"];

/// The scenario `values` make of `base`, under `venue`'s rules instead (its whole pack: the
/// rules changed by hand are left out): the other side of a comparison.
pub fn under_venue(base: &Scenario, values: &BTreeMap<String, String>, venue: Venue) -> crate::error::Result<Scenario> {
    let mut v: BTreeMap<String, String> =
        values.iter().filter(|(k, _)| !RULE_KEYS.contains(&k.as_str())).map(|(k, x)| (k.clone(), x.clone())).collect();
    v.insert("venue".into(), venue.key().into());
    apply(base, &v)
}

/// What a control's value is compared with to know whether it was set (share links keep only the
/// values that differ): the base's values, the venue's rules coming from `venue` (a key) when one
/// is chosen — `backstop=off` under `venue=hyperliquid` is a change, under `simple` it is not.
pub fn baseline(base: &Scenario, venue: Option<&str>) -> Vec<Control> {
    let Some(v) = venue.and_then(Venue::from_key) else { return describe(base) };
    let mut specs = describe(&base.under(v));
    let own = base.upgraded().venue;
    if let Some(c) = specs.iter_mut().find(|c| c.key == "venue") {
        c.value = own.key().into();
    }
    specs
}

/// The controls for a base scenario with `values` set (the page's current state): each control's
/// value, whether it can change the outcome (and why not), and its note. `model`, the resolved
/// effective scenario when the caller has it, adds the notes that need resolved numbers (sizes,
/// account leverage); `apart`, from its run, tells whether the venue's rules could matter.
pub fn describe_with(
    base: &Scenario,
    values: &BTreeMap<String, String>,
    model: Option<&crate::engine::model::Model>,
    apart: Option<RulesMatter>,
) -> Vec<Control> {
    let base = base.upgraded();
    let mut out = vec![];
    position_controls(&base, &mut out);
    shock_controls(&base, &mut out);
    market_controls(&base, &mut out);
    crowd_controls(&base, &mut out);
    venue_controls(&base, &mut out);
    pair_controls(&base, &mut out);
    let effective = if values.is_empty() { Ok(base.clone()) } else { apply(&base, values) };
    let s = effective.as_ref().unwrap_or(&base);
    // the rules as they stand after the values: a venue chosen brings its own
    let mut rules = vec![];
    venue_controls(s, &mut rules);
    for c in out.iter_mut() {
        if let Some(v) = values.get(&c.key) {
            c.value = v.clone();
        } else if let Some(r) = rules.iter().find(|r| r.key == c.key && r.key != "venue") {
            c.value = r.value.clone();
        }
        if let Err(Unavailable(why)) = availability(s, &c.key).and_then(|_| after_the_run(&c.key, apart)) {
            c.enabled = false;
            c.reason = Some(why);
        }
        c.note = note(&venues::resolved(s), &c.key, model);
        if c.key == "venue" {
            c.note = Some(venue_note(&c.value, s));
        }
    }
    out
}

/// What the chosen venue's rules are, in one line; when a rule was then changed by hand (the
/// scenario is back to `simple` with the pack written out), it says so.
fn venue_note(chosen: &str, s: &Scenario) -> String {
    let v = Venue::from_key(chosen).unwrap_or_default();
    let line = v.line();
    if !v.is_simple() && s.venue.is_simple() {
        format!("{}'s rules, with your changes below: {line}.", v.name())
    } else if v.is_simple() {
        format!("The scenario's own rules: {}.", venues::rules_words(&s.liquidation))
    } else {
        format!("{}'s published rules: {line}.", v.name())
    }
}

fn position_controls(s: &Scenario, out: &mut Vec<Control>) {
    let focal = focal_of(s);
    let mode = match focal.mode {
        ModeSpec::Cross => "cross",
        ModeSpec::Isolated => "isolated",
    };
    let options = Kind::Choice { options: vec!["cross".into(), "isolated".into()] };
    out.push(Control::new("mode", "Margin mode (the same account, margined so)", "", "position", options, mode.into()));
    for (i, p) in focal.positions.iter().enumerate() {
        if let Some((m, n)) = position_margin(s, i) {
            let lev = if m > Decimal::ZERO { f(n / m) } else { 1.0 };
            let side = match p.side {
                SideSpec::Long => "long",
                SideSpec::Short => "short",
            };
            let label = format!("Leverage, {side} {}", p.asset);
            out.push(num(&format!("lev.{i}"), &label, "×", "position", 1.0, 100.0, 0.5, (lev * 2.0).round() / 2.0));
        }
    }
}

fn shock_controls(s: &Scenario, out: &mut Vec<Control>) {
    let volatile: Vec<&str> = volatile(s);
    let all: Vec<String> = s.assets.iter().map(|a| a.symbol.clone()).collect();
    let first = s.shocks.first().map(|x| x.symbol.clone());
    let asset = first.or(volatile.first().map(|x| x.to_string())).or(all.first().cloned()).unwrap_or_default();
    out.push(Control::new("shock.asset", "Shock: asset", "", "market", Kind::Choice { options: all }, asset));
    // The shock controls act on a script: every shock of the first shock's asset.
    let script = script_of(&s.shocks);
    let size = (move_of(&s.shocks, &script) * 10.0).round() / 10.0;
    out.push(num("shock.pct", "Shock: size (all its steps)", "%", "market", -60.0, 60.0, 0.1, size));
    let (first, last) = span_of(&s.shocks, &script);
    // the whole script stays inside the run
    let latest = s.steps.saturating_sub(last - first).max(1) as f64;
    out.push(num("shock.step", "Shock: starts at", "step", "market", 1.0, latest, 1.0, first as f64));
    let own = !script.is_empty() && script.iter().all(|&i| s.shocks[i].own);
    out.push(toggle("shock.own", "Shock: this asset's own move (the others do not follow)", "market", own));
}

fn market_controls(s: &Scenario, out: &mut Vec<Control>) {
    out.push(num("corr", "Correlation, all pairs", "ρ", "market", -0.5, 0.99, 0.01, s.correlation.all_pairs));
    out.push(num("depth", "Market depth, times the scenario's", "×", "market", 0.05, 5.0, 0.05, 1.0));
    out.push(toggle("feedback", "Price-impact feedback", "market", s.feedback));
    out.push(toggle("noise", "Random noise", "market", s.noise));
    out.push(num("seed", "Seed", "", "market", 0.0, limits::MAX_SEED as f64, 1.0, s.seed as f64));
}

fn crowd_controls(s: &Scenario, out: &mut Vec<Control>) {
    // (a scenario without a crowd has no crowd controls: they would change nothing)
    if s.crowd.accounts == 0 {
        return;
    }
    let label = "Crowd size (open interest), times the scenario's";
    out.push(num("crowd.size", label, "×", "crowd", 0.0, 5.0, 0.05, 1.0));
    let (lo, hi) = (f(s.crowd.leverage_min), f(s.crowd.leverage_max));
    out.push(num("crowd.lev_min", "Crowd leverage, lowest", "×", "crowd", 1.0, 200.0, 0.5, lo));
    out.push(num("crowd.lev_max", "Crowd leverage, highest", "×", "crowd", 1.0, 200.0, 0.5, hi));
    // the crowd's collateral held in each asset the scenario names, per dollar of collateral value
    let max = limits::MAX_COLLATERAL_SHARES as f64;
    for (sym, share) in &s.crowd.collateral {
        let label = format!("Crowd collateral held in {sym}, per dollar of collateral");
        out.push(num(&format!("crowd.coll.{sym}"), &label, "×", "crowd", 0.0, max, 0.1, f(share.0)));
    }
}

/// The venue: whose rules (a pack, or the scenario's own), then each rule as it stands under
/// that choice: the liquidation policy, the mark price, the collateral price, ADL, the backstop.
fn venue_controls(s: &Scenario, out: &mut Vec<Control>) {
    let choice = |o: &[&str]| Kind::Choice { options: o.iter().map(|x| x.to_string()).collect() };
    let keys: Vec<&str> = venues::ALL.iter().map(|v| v.key()).collect();
    out.push(Control::new("venue", "Venue rules", "", "venue", choice(&keys), s.venue.key().into()));
    let s = &venues::resolved(s);
    let mark = match s.liquidation.mark_price {
        MarkPriceSpec::Market => "market",
        MarkPriceSpec::Index => "index",
        MarkPriceSpec::Median => "median",
    };
    let policy = match s.liquidation.policy {
        PolicySpec::LargestMmFirst => "largest_mm_first",
        PolicySpec::Full => "full",
        PolicySpec::Chunks => "chunks",
        PolicySpec::StepDown => "step_down",
    };
    let options = choice(&["largest_mm_first", "full", "chunks", "step_down"]);
    out.push(Control::new("policy", "Liquidation closes", "", "venue", options, policy.into()));
    let label = "Margin checked on (the mark price)";
    out.push(Control::new("mark", label, "", "venue", choice(&["market", "index", "median"]), mark.into()));
    let at_index = !s.assets.is_empty() && s.assets.iter().all(|a| a.collateral_price == PriceSourceSpec::Index);
    let value = if at_index { "index" } else { "market" };
    out.push(Control::new(
        "coll_price",
        "Collateral valued at",
        "",
        "venue",
        choice(&["market", "index"]),
        value.into(),
    ));
    let adl = match s.liquidation.adl {
        AdlSpec::Off => "off",
        AdlSpec::Queue => "queue",
        AdlSpec::ProRata => "pro_rata",
    };
    let label = "Bad debt the fund cannot pay (auto-deleveraging)";
    out.push(Control::new("adl", label, "", "venue", choice(&["off", "queue", "pro_rata"]), adl.into()));
    let on = if s.liquidation.backstop_below_mm.is_some() { "on" } else { "off" };
    let label = "Backstop vault (takes over accounts far below maintenance)";
    out.push(Control::new("backstop", label, "", "venue", choice(&["off", "on"]), on.into()));
}

/// The assets some account holds (or owes) as collateral, in the scenario's order.
fn collateral_assets(s: &Scenario) -> Vec<&str> {
    let focal = focal_of(s);
    let held = |sym: &str| {
        let owned = |a: &AccountSpec| a.collateral.get(sym).is_some_and(|b| !b.is_zero());
        owned(&focal)
            || s.accounts.iter().any(owned)
            || (s.crowd.accounts > 0 && s.crowd.collateral.get(sym).is_some_and(|r| !r.0.is_zero()))
    };
    s.assets.iter().map(|a| a.symbol.as_str()).filter(|sym| held(sym)).collect()
}

fn pair_controls(s: &Scenario, out: &mut Vec<Control>) {
    let volatile = volatile(s);
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
            let label = format!("Correlation {a}–{b}");
            out.push(num(&format!("rho.{a}.{b}"), &label, "ρ", "advanced", -0.99, 0.99, 0.01, rho));
        }
    }
}

fn volatile(s: &Scenario) -> Vec<&str> {
    s.assets.iter().filter(|a| a.is_volatile()).map(|a| a.symbol.as_str()).collect()
}

/// Why a control cannot change the outcome, in one line for beside it.
struct Unavailable(String);

impl<T: Into<String>> From<T> for Unavailable {
    fn from(why: T) -> Self {
        Unavailable(why.into())
    }
}

/// `Ok` when control `key` can change the outcome of scenario `s`, else the reason it cannot (a
/// reason shown beside the control, not an error).
fn availability(s: &Scenario, key: &str) -> Result<(), Unavailable> {
    let noisy = s.assets.iter().any(|a| a.sigma > 0.0);
    let vol = volatile(s);
    let sigma = |sym: &str| s.assets.iter().find(|a| a.symbol == sym).map_or(0.0, |a| a.sigma);
    match key {
        "mode" if focal_of(s).positions.is_empty() => Err("Your account holds no positions to margin.".into()),
        "noise" if !noisy => Err("No effect: no asset has any volatility (σ = 0).".into()),
        "seed" if !noisy => Err("No effect: no asset has any volatility (σ = 0).".into()),
        "seed" if !s.noise => Err("No effect while random noise is off.".into()),
        "depth" if !s.feedback => Err("No effect while price-impact feedback is off.".into()),
        k if k == "corr" || k.starts_with("rho.") => {
            let carried = s.shocks.iter().any(|x| !x.own && !x.venue && sigma(&x.symbol) > 0.0);
            let spilled = s.impact.cross_impact > 0.0 && s.feedback;
            if vol.len() < 2 {
                Err("No effect: only one asset here moves at random.".into())
            } else if !(s.noise || carried || spilled) {
                Err("No effect: random noise is off and every scripted move is its asset's own.".into())
            } else {
                Ok(())
            }
        }
        "mark" | "coll_price" if !s.feedback && !s.shocks.iter().any(|x| x.venue) => {
            Err("No effect: nothing moves this venue's price away from the index (feedback is off and no shock is the venue's own).".into())
        }
        "coll_price" if collateral_assets(s).is_empty() => {
            Err("No effect: every account here holds its collateral in dollars.".into())
        }
        "shock.own" => {
            let script = script_of(&s.shocks);
            let sym = script.first().map(|&i| s.shocks[i].symbol.clone()).unwrap_or_default();
            if script.is_empty() {
                Err("There is no scripted shock yet: give it a size first.".into())
            } else if script.iter().all(|&i| s.shocks[i].venue) {
                Err("No effect: the scripted move is on this venue's book only, so it carries to no other asset.".into())
            } else if sigma(&sym) <= 0.0 {
                Err(format!("No effect: {sym} has no volatility (σ = 0), so its moves carry to no other asset.").into())
            } else if !vol.iter().any(|x| *x != sym) {
                Err("No effect: no other asset here moves with the market.".into())
            } else {
                Ok(())
            }
        }
        _ => Ok(()),
    }
}

/// `Ok` unless the run (its [`RulesMatter`]) shows that venue-rule control `key` cannot matter.
fn after_the_run(key: &str, apart: Option<RulesMatter>) -> Result<(), Unavailable> {
    let Some(a) = apart else { return Ok(()) };
    let never = "was ever valued here while this venue's price stood apart from the index";
    match key {
        "mark" if !a.mark => Err(format!("No effect: no position {never}.").into()),
        "coll_price" if !a.collateral_price => Err(format!("No effect: no collateral asset {never}.").into()),
        "backstop" if !a.backstop => Err(
            "No effect on this run: no account was ever below the backstop's share of its maintenance margin at a check."
                .into(),
        ),
        "adl" if !a.adl => Err("No effect on this run: no liquidation left a deficit beyond what the insurance fund could pay.".into()),
        "policy" if !a.policy => Err(
            "No effect on this run: every liquidation closes all an account holds, and no position is above the chunk size or the first bracket."
                .into(),
        ),
        _ => Ok(()),
    }
}

/// The line shown beside a control, computed from the effective scenario (and its model).
fn note(s: &Scenario, key: &str, model: Option<&crate::engine::model::Model>) -> Option<String> {
    let alone = s.crowd.accounts == 0 && s.accounts.is_empty();
    match key {
        "depth" | "feedback" if alone => Some("No crowd here: your own account is the only forced seller.".into()),
        "mode" => model.map(account_leverage),
        k if k.starts_with("crowd.coll.") => Some(crowd_usd(s)),
        "mark" => Some(mark_note(s)),
        "policy" => Some(policy_note(s)),
        "adl" => Some(adl_note(s.liquidation.adl).into()),
        "backstop" => Some(match s.liquidation.backstop_below_mm {
            None => "Off: every liquidation goes through the book.".into(),
            Some(r) => format!(
                "On: below {} % of its maintenance margin an account passes to a vault at the mark price, with no sale on the book (Hyperliquid's: 2/3).",
                (r.0 * Decimal::ONE_HUNDRED).round_dp(2).normalize()
            ),
        }),
        "coll_price" => {
            let held = collateral_assets(s);
            let index = "the index is the outside price, drawn dashed as \"exogenous\"";
            (!held.is_empty()).then(|| format!("Held as collateral: {}; {index}.", held.join(", ")))
        }
        k if k.starts_with("lev.") => {
            let m = model?;
            let i: usize = k[4..].parse().ok()?;
            position_size(m, i)
        }
        _ => None,
    }
}

/// What the liquidation policy does, in one line.
fn policy_note(s: &Scenario) -> String {
    match s.liquidation.policy {
        PolicySpec::LargestMmFirst => {
            "Whole positions, largest maintenance margin first, until the ratio is below 100 %.".into()
        }
        PolicySpec::Full => "Every position at once.".into(),
        PolicySpec::Chunks => {
            let c = s.liquidation.chunk.clone().unwrap_or_default();
            format!(
                "Hyperliquid's: above {} USD a liquidation sells {} % of a position; for {} s after one, whole positions.",
                crate::types::group(c.min_notional_usd.0.normalize()),
                (c.fraction.0 * Decimal::ONE_HUNDRED).normalize(),
                c.cooldown_seconds.normalize()
            )
        }
        PolicySpec::StepDown => {
            let c = s.liquidation.step_down.clone().unwrap_or_default();
            let n = c.how_far();
            let wait = if c.delay_seconds.is_zero() {
                "checked again at the next step".to_string()
            } else {
                format!("left alone {} s before the next check", c.delay_seconds.normalize())
            };
            format!(
                "Binance/Bybit/OKX style: a liquidation steps a position down its maintenance-margin brackets, {n}; {}; {wait}.",
                c.whole_words()
            )
        }
    }
}

/// What the auto-deleveraging rule means, in one line.
fn adl_note(a: AdlSpec) -> &'static str {
    match a {
        AdlSpec::Off => "Off: what the insurance fund cannot pay stays uncovered, a loss socialised over everyone.",
        AdlSpec::Queue => "Queue: profitable positions on the other side, highest PnL % × leverage first, are closed at the bankrupt account's bankruptcy price and cover the deficit.",
        AdlSpec::ProRata => "Pro rata: every profitable position on the other side is cut by the same fraction, at the bankrupt account's bankruptcy price, to cover the deficit.",
    }
}

/// What the mark rule means, in one line.
fn mark_note(s: &Scenario) -> String {
    match s.liquidation.mark_price {
        MarkPriceSpec::Market => "Fills and checks at this venue's market price.".into(),
        MarkPriceSpec::Index => "Checked at the index (the outside price, drawn dashed); fills at the market.".into(),
        MarkPriceSpec::Median => {
            let w = s.liquidation.mark_window_minutes.unwrap_or(Decimal::from(5)).normalize();
            format!("The median of the index, the market, and the index plus their gap averaged over {w} min (drawn dotted); fills at the market.")
        }
    }
}

/// What USD holds of the crowd's collateral: "USD holds the rest, 40 %", or "… a loan of 3 USD
/// per dollar of collateral" when the assets add up to more than the collateral.
fn crowd_usd(s: &Scenario) -> String {
    let rest = Decimal::ONE - s.crowd.collateral.values().map(|r| r.0).sum::<Decimal>();
    if rest < Decimal::ZERO {
        format!("USD holds the rest: a loan of {} USD per dollar of collateral", (-rest).normalize())
    } else {
        format!("USD holds the rest: {} %", (rest * Decimal::ONE_HUNDRED).normalize())
    }
}

/// "Account leverage 15.0× (150 000 USD of positions on 10 000 USD of equity)".
fn account_leverage(m: &crate::engine::model::Model) -> String {
    let prices = m.opening_prices();
    let notional: Money = m.focal.positions.iter().map(|p| p.notional(prices[p.asset])).sum();
    let h = crate::engine::margin::snapshot(
        m.focal.cash,
        &m.focal.balances,
        &m.focal.positions,
        m.focal.mode == crate::engine::account::Mode::Isolated,
        crate::engine::margin::Valuation::at(&prices),
        m,
    );
    let lev = if h.equity.0 > Decimal::ZERO {
        crate::types::fixed(f(notional.0 / h.equity.0), 1) + "×"
    } else {
        "unbounded".into()
    };
    format!(
        "Account leverage {lev} ({} USD of positions on {} USD of equity)",
        crate::types::group(notional.0.round_dp(0)),
        crate::types::group(h.equity.0.round_dp(0))
    )
}

/// "Size 100 000 USD (1 BTC); isolated margin 6 666.67 USD, 15.0×" — the margin part when the
/// account is margined isolated and the margin is not the one the leverage asks for.
fn position_size(m: &crate::engine::model::Model, i: usize) -> Option<String> {
    let p = m.focal_book.positions.get(i)?;
    let a = &m.assets[p.asset];
    let n = p.notional();
    let mut t =
        format!("Size {} USD ({} {})", crate::types::group(n.0.round_dp(0)), p.qty.abs().0.normalize(), a.symbol);
    if m.focal.mode == crate::engine::account::Mode::Isolated {
        let margin = m.focal.positions.get(i)?.margin;
        if Some(margin) != p.ask && margin.0 > Decimal::ZERO {
            let lev = crate::types::fixed(f(n.0 / margin.0), 1);
            t += &format!("; isolated margin {} USD, {lev}×", crate::types::group(margin.0.round_dp(2)));
        }
    }
    if let Some(max) = a.brackets.max_leverage(n) {
        let who =
            if m.venue.is_simple() { "the brackets allow".to_string() } else { format!("{} allows", m.venue.name()) };
        t += &format!("; {who} up to {}× at this size", max.normalize());
    }
    Some(t)
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

/// Apply control values to a copy of `base`. Unknown keys and bad values are errors naming the
/// control (`controls.depth: must be between 0.05 and 5, got 9`).
pub fn apply(base: &Scenario, values: &BTreeMap<String, String>) -> crate::error::Result<Scenario> {
    apply_checked(base, values, true)
}

/// One control on its own: its kind and range only. Checks across controls (a crossed crowd
/// leverage range) are left to [`apply`] on the whole set — a link decoder reading one key at a
/// time must not reject `crowd.lev_min=50` before it has read `crowd.lev_max=100`.
pub fn check_one(base: &Scenario, key: &str, value: &str) -> crate::error::Result<Scenario> {
    apply_checked(base, &BTreeMap::from([(key.to_string(), value.to_string())]), false)
}

/// A value checked against its control's kind and range: the number, for a number.
fn parse_value(spec: &Control, raw: &str) -> Result<Option<f64>, Error> {
    let bad = |why: String| Err(Error::Input(why));
    match &spec.kind {
        Kind::Number { min, max, .. } => match raw.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= *min && v <= *max => Ok(Some(v)),
            Ok(v) => bad(format!("must be between {} and {}, got {}", trim(*min), trim(*max), trim(v))),
            Err(_) => bad(format!("must be a number, got {raw:?}")),
        },
        Kind::Toggle if raw != "true" && raw != "false" => bad(format!("must be true or false, got {raw:?}")),
        Kind::Choice { options } if !options.iter().any(|o| o == raw) => {
            bad(format!("must be one of {}, got {raw:?}", options.join(", ")))
        }
        _ => Ok(None),
    }
}

/// The shocks the shock controls act on, as they are being edited.
struct Script {
    shocks: Vec<usize>,
    asset: String,
    /// `shock.own`, when set: every shock of the script, also those the other controls add.
    own: Option<bool>,
}

fn apply_checked(base: &Scenario, values: &BTreeMap<String, String>, across: bool) -> crate::error::Result<Scenario> {
    let base = base.upgraded();
    let mut s = base.clone();
    let specs = describe_specs(&base);
    let mut problems = vec![];
    let asset = specs.iter().find(|c| c.key == "shock.asset").map(|c| c.value.clone()).unwrap_or_default();
    let mut script = Script { shocks: script_of(&s.shocks), asset, own: None };
    let venue = chosen_venue(&base, values);
    // Order matters: the all-pairs slider resets pair overrides, so it comes before them.
    // A venue's pack comes before the rules it sets, so that a rule set by hand changes the pack's.
    let rank = |k: &str| match k {
        "venue" => 0,
        "corr" => 1,
        _ if k.starts_with("rho.") => 3,
        _ => 2,
    };
    let mut keys: Vec<&String> = values.keys().collect();
    keys.sort_by_key(|k| (rank(k), k.to_string()));
    for key in keys {
        let raw = values[key].trim();
        let result = match specs.iter().find(|c| c.key == *key) {
            None => Err(Error::Input("unknown control".into())),
            Some(spec) => parse_value(spec, raw).map(|number| set(&mut s, &base, key, raw, number, &mut script, venue)),
        };
        if let Err(m) = result {
            problems.push(Problem { path: format!("controls.{key}"), message: m.to_string() });
        }
    }
    if let Some(own) = script.own {
        for &i in &script.shocks {
            s.shocks[i].own = own;
        }
    }
    if across {
        if let Some(p) = crossed_crowd_range(&s, values) {
            problems.push(p);
        }
    }
    if problems.is_empty() {
        Ok(s)
    } else {
        Err(Error::Invalid(problems))
    }
}

/// The controls of a base scenario without values, notes or availability (what `apply` needs).
fn describe_specs(base: &Scenario) -> Vec<Control> {
    let mut out = vec![];
    position_controls(base, &mut out);
    shock_controls(base, &mut out);
    market_controls(base, &mut out);
    crowd_controls(base, &mut out);
    venue_controls(base, &mut out);
    pair_controls(base, &mut out);
    out
}

/// Set one of the venue's rules (the liquidation policy, the mark, the collateral price source,
/// auto-deleveraging, the backstop) under `venue`, the venue that stands: its pack is written out
/// first, then the one rule changed (a rule set to what the pack says leaves the pack whole). A
/// rule's own settings (a median's window, the chunks' sizes) come back from the base under it.
fn set_venue(s: &mut Scenario, base: &Scenario, key: &str, raw: &str, venue: Venue) {
    let mut now = vec![];
    venue_controls(s, &mut now);
    if now.iter().any(|c| c.key == key && c.value == raw) {
        return;
    }
    let base = &venues::resolved(&base.under(venue));
    *s = venues::resolved(s);
    let l = &mut s.liquidation;
    match key {
        "policy" => {
            (l.policy, l.chunk, l.step_down) = match raw {
                "full" => (PolicySpec::Full, None, None),
                "chunks" => (PolicySpec::Chunks, base.liquidation.chunk.clone(), None),
                "step_down" => (PolicySpec::StepDown, None, base.liquidation.step_down.clone()),
                _ => (PolicySpec::LargestMmFirst, None, None),
            };
        }
        "mark" => {
            (l.mark_price, l.mark_window_minutes) = match raw {
                "index" => (MarkPriceSpec::Index, None),
                "median" => (MarkPriceSpec::Median, base.liquidation.mark_window_minutes),
                _ => (MarkPriceSpec::Market, None),
            };
        }
        "backstop" => {
            let base_r = base.liquidation.backstop_below_mm;
            l.backstop_below_mm = (raw == "on").then(|| base_r.unwrap_or_else(crate::engine::backstop::two_thirds));
        }
        "adl" => {
            l.adl = match raw {
                "queue" => AdlSpec::Queue,
                "pro_rata" => AdlSpec::ProRata,
                _ => AdlSpec::Off,
            }
        }
        _ => {
            let source = if raw == "index" { PriceSourceSpec::Index } else { PriceSourceSpec::Market };
            s.assets.iter_mut().for_each(|a| a.collateral_price = source);
        }
    }
}

/// Set one checked value on the scenario being built.
/// `venue`: the venue whose rules stand (a rule set by hand changes that venue's pack).
fn set(
    s: &mut Scenario,
    base: &Scenario,
    key: &str,
    raw: &str,
    number: Option<f64>,
    script: &mut Script,
    venue: Venue,
) {
    let x = number.unwrap_or(0.0);
    let dec = |v: f64| crate::types::dec_dp(v, 6).unwrap_or_default();
    match key {
        "mode" => focal_mut(s).mode = if raw == "isolated" { ModeSpec::Isolated } else { ModeSpec::Cross },
        "feedback" => s.feedback = raw == "true",
        "noise" => s.noise = raw == "true",
        "seed" => s.seed = x as u64,
        "corr" => {
            s.correlation.all_pairs = x;
            s.correlation.pairs.clear();
            s.correlation.matrix = None;
        }
        "depth" => {
            // the book's depth only: the crowd keeps the scenario's size
            pin_crowd(s, base);
            for (a, b) in s.assets.iter_mut().zip(&base.assets) {
                a.depth_usd = Money((b.depth_usd.0 * dec(x)).round_dp(2));
            }
        }
        "crowd.size" => {
            let pinned = base.crowd.assets_or_default(&base.assets);
            s.crowd.assets = Some(
                pinned
                    .into_iter()
                    .map(|(k, c)| {
                        (
                            k,
                            CrowdAssetSpec {
                                open_interest_usd: Money((c.open_interest_usd.0 * dec(x)).round_dp(2)),
                                ..c
                            },
                        )
                    })
                    .collect(),
            );
        }
        "crowd.lev_min" => s.crowd.leverage_min = dec(x),
        "crowd.lev_max" => s.crowd.leverage_max = dec(x),
        "shock.asset" => {
            for &i in &script.shocks {
                s.shocks[i].symbol = raw.to_string();
            }
            script.asset = raw.to_string();
        }
        "shock.pct" => set_shock_size(s, script, x),
        "shock.step" => set_shock_start(s, script, x as usize),
        "shock.own" => script.own = Some(raw == "true"),
        "venue" => s.venue = Venue::from_key(raw).unwrap_or_default(),
        k if RULE_KEYS.contains(&k) => set_venue(s, base, key, raw, venue),
        k if k.starts_with("lev.") => set_leverage(s, k, dec(x)),
        k if k.starts_with("crowd.coll.") => {
            s.crowd.collateral.insert(k["crowd.coll.".len()..].to_string(), crate::types::Ratio(dec(x)));
        }
        k if k.starts_with("rho.") => {
            let (a, b) = k[4..].split_once('.').unwrap_or_default();
            let (a, b) = (a.to_string(), b.to_string());
            s.correlation.pairs.retain(|p| !((p.a == a && p.b == b) || (p.a == b && p.b == a)));
            s.correlation.pairs.push(PairSpec { a, b, rho: x });
        }
        _ => {}
    }
}

fn focal_mut(s: &mut Scenario) -> &mut AccountSpec {
    let assets = s.assets.clone();
    s.focal.get_or_insert_with(|| AccountSpec::default_focal(&assets))
}

/// Write the crowd's per-asset specs out (from the base scenario), so that a change of the book's
/// depth no longer changes a crowd whose size the scenario derived from the depth.
fn pin_crowd(s: &mut Scenario, base: &Scenario) {
    if s.crowd.assets.is_none() && s.crowd.accounts > 0 {
        s.crowd.assets = Some(base.crowd.assets_or_default(&base.assets));
    }
}

/// Leverage keeps the margin behind the position and scales its size.
pub(crate) fn set_leverage(s: &mut Scenario, key: &str, lev: Decimal) {
    let i: usize = key[4..].parse().unwrap_or(usize::MAX);
    if let Some((m, _)) = position_margin(s, i) {
        if let Some(p) = focal_mut(s).positions.get_mut(i) {
            p.notional_usd = Some(Money((m * lev).round_dp(2)));
            p.quantity = None;
            p.leverage = Some(lev);
        }
    }
}

/// The size of the whole script: every step scaled alike in log terms (the shape is kept and the
/// extreme cumulative move becomes the target; a target of the other sign mirrors it).
fn set_shock_size(s: &mut Scenario, script: &mut Script, target: f64) {
    let now = move_of(&s.shocks, &script.shocks);
    // the base value (as described, to 0.1 %) leaves the script exactly as it is
    if (target * 10.0).round() == (now * 10.0).round() {
        return;
    }
    if now.abs() < 1e-9 {
        // nothing to scale: one shock of that size where the script starts
        let (first, _) = span_of(&s.shocks, &script.shocks);
        for &i in &script.shocks {
            s.shocks[i].percent = 0.0;
        }
        match script.shocks.iter().find(|&&i| s.shocks[i].step == first) {
            Some(&i) => s.shocks[i].percent = target,
            None => {
                let step = first.min(s.steps.max(1));
                s.shocks.push(ShockSpec {
                    step,
                    symbol: script.asset.clone(),
                    percent: target,
                    own: false,
                    venue: false,
                });
                script.shocks.push(s.shocks.len() - 1);
            }
        }
        return;
    }
    let k = libm::log1p(target / 100.0) / libm::log1p(now / 100.0);
    for &i in &script.shocks {
        let p = (libm::exp(libm::log1p(s.shocks[i].percent / 100.0) * k) - 1.0) * 100.0;
        s.shocks[i].percent = (p * 1e6).round() / 1e6;
    }
}

/// The start of the script: shifted as a whole (the range keeps its last shock inside the run).
fn set_shock_start(s: &mut Scenario, script: &mut Script, start: usize) {
    if script.shocks.is_empty() {
        s.shocks.push(ShockSpec { step: start, symbol: script.asset.clone(), percent: 0.0, own: false, venue: false });
        script.shocks.push(s.shocks.len() - 1);
        return;
    }
    let (first, _) = span_of(&s.shocks, &script.shocks);
    for &i in &script.shocks {
        s.shocks[i].step = (s.shocks[i].step + start).saturating_sub(first).clamp(1, s.steps.max(1));
    }
}

/// A crossed crowd leverage range, said in the controls' own words (before validation would say
/// it in the scenario's).
fn crossed_crowd_range(s: &Scenario, values: &BTreeMap<String, String>) -> Option<Problem> {
    if s.crowd.leverage_min <= s.crowd.leverage_max {
        return None;
    }
    let (lo, hi) = (s.crowd.leverage_min.normalize(), s.crowd.leverage_max.normalize());
    let key = if values.contains_key("crowd.lev_min") { "crowd.lev_min" } else { "crowd.lev_max" };
    values.contains_key(key).then(|| Problem {
        path: format!("controls.{key}"),
        message: format!(
            "the crowd's lowest leverage ({lo}×) is above its highest ({hi}×): lower the one or raise the other"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::scenario::scripted_move;

    fn contagion() -> Scenario {
        Scenario::from_json(crate::share::presets::get("contagion").unwrap().json).unwrap()
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
        let s = crate::share::presets::get("depeg").unwrap().scenario();
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
        assert_eq!(
            t.shocks,
            vec![ShockSpec { step: 1, symbol: "BTC".into(), percent: -12.0, own: false, venue: false }]
        );
    }

    #[test]
    fn scripted_move_is_the_extreme_of_the_compounded_path() {
        let sh = |step: usize, sym: &str, percent: f64| ShockSpec {
            step,
            symbol: sym.into(),
            percent,
            own: false,
            venue: false,
        };
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
        for p in crate::share::presets::PRESETS {
            let s = Scenario::from_json(p.json).unwrap();
            let vals: BTreeMap<String, String> = describe(&s).into_iter().map(|c| (c.key, c.value)).collect();
            let t = apply(&s, &vals).unwrap_or_else(|e| panic!("{}: {e}", p.name));
            crate::engine::model::Model::from_scenario(&t).unwrap_or_else(|e| panic!("{}: {e}", p.name));
        }
    }

    #[test]
    fn mode_switch_changes_the_contagion_outcome() {
        let s = contagion();
        let iso = apply(&s, &BTreeMap::from([("mode".to_string(), "isolated".to_string())])).unwrap();
        let o = crate::engine::outcome::simulate(&crate::engine::model::Model::from_scenario(&iso).unwrap());
        assert!(o.summary.healthy_positions_closed.is_empty());
        assert!(o.main.focal().positions.iter().any(|p| o.symbols[p.asset] == "BTC"));
    }
}
