//! What a run returns to the outside: the JSON document (`cascade run --json`, later the page)
//! and the CSV of the per-step series. Money, quantities and prices are decimal strings.

use crate::engine::account::AccountId;
use crate::engine::conservation;
use crate::engine::liquidation::{Event, EventKind, Reason};
use crate::engine::outcome::{Outcome, RunSummary};
use crate::engine::sim::{Run, Series};
use crate::types::{decimal_str, Money, Price, Qty, Ratio, DEC_BUF};
use rust_decimal::Decimal;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

// The document is written straight to text by typed, borrowed serialisation (no tree of values
// built first): every struct below lists its fields in alphabetical order, so the text is the
// canonical one (what serde_json writes for a sorted map), and its SHA-256 is the result's digest.

/// Steps `0..n`, and their times in minutes (`t × minutes`, as exact decimals).
struct Steps(usize);
impl Serialize for Steps {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(0..self.0)
    }
}
struct Times(usize, Decimal);
impl Serialize for Times {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq((0..self.0).map(|t| Decimal::from(t as u64) * self.1))
    }
}

/// `{SYM: series}` for every asset, in symbol order.
struct PerAsset<'a, T>(&'a [String], &'a [Vec<T>]);
impl<T: Serialize> Serialize for PerAsset<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut order: Vec<usize> = (0..self.0.len()).collect();
        order.sort_by(|&a, &b| self.0[a].cmp(&self.0[b]));
        let mut m = s.serialize_map(Some(order.len()))?;
        for i in order {
            m.serialize_entry(&self.0[i], &self.1[i])?;
        }
        m.end()
    }
}

/// Margin ratios: decimal strings to 8 places, null when unbounded.
struct Ratios<'a>(&'a [Option<Ratio>]);
impl Serialize for Ratios<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for r in self.0 {
            match r {
                Some(r) => seq.serialize_element(&r.0.round_dp(8).normalize().to_string())?,
                None => seq.serialize_element(&())?,
            }
        }
        seq.end()
    }
}

/// Liquidation prices: the price as a decimal string, or null where there is none.
struct LiqPrices<'a>(&'a [crate::engine::liqprice::LiqPrice]);
impl Serialize for LiqPrices<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for l in self.0 {
            match l.price() {
                Some(p) => seq.serialize_element(&p)?,
                None => seq.serialize_element(&())?,
            }
        }
        seq.end()
    }
}

/// An impact in %, to 8 decimals.
fn num(x: f64) -> f64 {
    (x * 1e8).round() / 1e8
}

#[derive(Serialize)]
struct CrowdOut<'a> {
    accounts_liquidated: &'a [u32],
    liquidated_notional: &'a [Money],
}

#[derive(Serialize)]
struct FocalOut<'a> {
    collateral_value: &'a [Money],
    equity: &'a [Money],
    /// Each position's liquidation price (`liqprice.rs`), null where there is none.
    liquidation_price: BTreeMap<&'a str, LiqPrices<'a>>,
    maintenance_margin: &'a [Money],
    margin_ratio: Ratios<'a>,
    positions: BTreeMap<&'a str, &'a [Qty]>,
}

/// The per-step series of a run.
#[derive(Serialize)]
struct SeriesOut<'a> {
    bad_debt: &'a [Money],
    crowd: CrowdOut<'a>,
    exogenous_price: PerAsset<'a, Price>,
    focal: FocalOut<'a>,
    forced_flow_usd: PerAsset<'a, Money>,
    impact_pct: PerAsset<'a, f64>,
    insurance_fund: &'a [Money],
    #[serde(skip_serializing_if = "Option::is_none")]
    mark_price: Option<PerAsset<'a, Price>>,
    price: PerAsset<'a, Price>,
    step: Steps,
    time_minutes: Times,
}

fn series_out<'a>(
    symbols: &'a [String],
    s: &'a Series,
    r: &'a Run,
    impact: &'a [Vec<f64>],
    minutes: Decimal,
) -> SeriesOut<'a> {
    let steps = s.insurance_fund.len();
    let positions = r
        .focal_assets
        .iter()
        .enumerate()
        .map(|(k, &a)| (symbols[a].as_str(), s.focal_position_qty[k].as_slice()))
        .collect();
    let liquidation_price = r
        .focal_assets
        .iter()
        .enumerate()
        .map(|(k, &a)| (symbols[a].as_str(), LiqPrices(&s.focal_liquidation_price[k])))
        .collect();
    SeriesOut {
        bad_debt: &s.bad_debt,
        crowd: CrowdOut {
            accounts_liquidated: &s.crowd_accounts_liquidated,
            liquidated_notional: &s.crowd_liquidated_notional,
        },
        exogenous_price: PerAsset(symbols, &s.exogenous_price),
        focal: FocalOut {
            collateral_value: &s.focal_collateral_value,
            equity: &s.focal_equity,
            liquidation_price,
            maintenance_margin: &s.focal_maintenance_margin,
            margin_ratio: Ratios(&s.focal_margin_ratio),
            positions,
        },
        forced_flow_usd: PerAsset(symbols, &s.forced_flow_usd),
        impact_pct: PerAsset(symbols, impact),
        insurance_fund: &s.insurance_fund,
        mark_price: s.mark_price.iter().any(|m| !m.is_empty()).then(|| PerAsset(symbols, &s.mark_price)),
        price: PerAsset(symbols, &s.price),
        step: Steps(steps),
        time_minutes: Times(steps, minutes),
    }
}

/// Who an event happened to, by name: `focal`, a hand-listed account's name, `crowd-123`.
pub struct AccountName<'a>(pub AccountId, pub &'a [String]);
impl std::fmt::Display for AccountName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            AccountId::Focal => f.write_str("focal"),
            AccountId::Explicit(k) => f.write_str(self.1.get(k as usize).map_or("", String::as_str)),
            AccountId::Crowd(k) => write!(f, "crowd-{k}"),
        }
    }
}
impl Serialize for AccountName<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One event as the outside sees it (`cascade run --json`, the page): the one serialisation of
/// [`Event`]. Money, quantities and prices are exact decimal strings; fields in alphabetical order.
#[derive(Serialize)]
pub struct EventOut<'a> {
    pub account: AccountName<'a>,
    /// Bad debt covered by auto-deleveraging (only when some was).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adl_paid: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
    /// The asset traded (`USD` for bad debt).
    pub asset: &'a str,
    /// `adl`: the account whose bad debt the deleveraged position paid toward.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bankrupt: Option<AccountName<'a>>,
    /// `backstop`: a collateral balance (not a position) passed to the vault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collateral: Option<bool>,
    pub fee: Money,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fund_paid: Option<Money>,
    /// `liquidation`, `partial_liquidation`, `collateral_sale`, `bad_debt`, `adl`, `backstop`
    /// (a position or balance passed to the backstop vault) or `backstop_cash` (the cash that went
    /// with it, in `amount`).
    pub kind: &'static str,
    /// `adl`: what the position paid toward the bankrupt account's deficit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paid: Option<Money>,
    pub price: Price,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proceeds: Option<Money>,
    /// Signed quantity traded (negative: sold); for bad debt, the amount.
    #[serde(serialize_with = "normal")]
    pub quantity: Decimal,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub realized_pnl: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'a Reason>,
    pub step: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncovered: Option<Money>,
}

/// `d` as `d.normalize().to_string()` writes it, without allocating ([`decimal_str`]).
fn normal<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(decimal_str(*d, &mut [0u8; DEC_BUF]))
}

/// `names`: the hand-listed accounts' names, by index.
pub fn event_out<'a>(symbols: &'a [String], e: &'a Event, names: &'a [String]) -> EventOut<'a> {
    let mut out = EventOut {
        account: AccountName(e.account, names),
        adl_paid: None,
        amount: None,
        asset: "USD",
        bankrupt: None,
        collateral: None,
        fee: Money::ZERO,
        fund_paid: None,
        kind: "",
        paid: None,
        price: Price(Decimal::ONE),
        proceeds: None,
        quantity: Decimal::ZERO,
        realized_pnl: None,
        reason: None,
        step: e.step,
        uncovered: None,
    };
    match &e.kind {
        EventKind::Liquidation { asset, quantity, price, fee, realized_pnl, reason, partial } => {
            let kind = if *partial { "partial_liquidation" } else { "liquidation" };
            (out.kind, out.asset, out.quantity, out.price, out.fee) =
                (kind, &symbols[*asset], quantity.0.normalize(), *price, *fee);
            (out.realized_pnl, out.reason) = (Some(*realized_pnl), Some(reason));
        }
        EventKind::CollateralSale { asset, quantity, price, proceeds, reason } => {
            (out.kind, out.asset, out.quantity, out.price) =
                ("collateral_sale", &symbols[*asset], quantity.0.normalize(), *price);
            (out.proceeds, out.reason) = (Some(*proceeds), Some(reason));
        }
        EventKind::BadDebt { amount, fund_paid, adl_paid, uncovered } => {
            (out.kind, out.quantity) = ("bad_debt", amount.0.normalize());
            (out.amount, out.fund_paid, out.uncovered) = (Some(*amount), Some(*fund_paid), Some(*uncovered));
            out.adl_paid = (!adl_paid.is_zero()).then_some(*adl_paid);
        }
        EventKind::Adl { asset, quantity, price, realized_pnl, paid, bankrupt } => {
            (out.kind, out.asset, out.quantity, out.price) = ("adl", &symbols[*asset], quantity.0.normalize(), *price);
            (out.realized_pnl, out.paid, out.bankrupt) =
                (Some(*realized_pnl), Some(*paid), Some(AccountName(*bankrupt, names)));
        }
        EventKind::Backstop { asset, quantity, price, realized_pnl, collateral } => {
            (out.kind, out.asset, out.quantity, out.price) =
                ("backstop", &symbols[*asset], quantity.0.normalize(), *price);
            (out.realized_pnl, out.collateral) = (Some(*realized_pnl), Some(*collateral));
        }
        EventKind::BackstopCash { amount } => {
            (out.kind, out.quantity, out.amount) = ("backstop_cash", amount.0.normalize(), Some(*amount));
        }
    }
    out
}

/// A run's events (`only_focal`: the focal account's), serialised one by one.
struct EventsOut<'a>(&'a Outcome, &'a Run, bool);
impl Serialize for EventsOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (o, r, only_focal) = (self.0, self.1, self.2);
        let mut seq = s.serialize_seq(None)?;
        for e in r.events.iter().filter(|e| !only_focal || e.account == AccountId::Focal) {
            seq.serialize_element(&event_out(&o.symbols, e, &o.explicit_names))?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct CounterfactualOut<'a> {
    focal_events: EventsOut<'a>,
    series: SeriesOut<'a>,
    summary: Value,
}

#[derive(Serialize)]
struct CounterfactualsOut<'a> {
    no_feedback: CounterfactualOut<'a>,
    other_mode: CounterfactualOut<'a>,
}

/// The keys of the document before `digest`, in order…
#[derive(Serialize)]
struct Head<'a> {
    assets: &'a [String],
    conservation: Value,
    counterfactuals: CounterfactualsOut<'a>,
}

/// …and after it.
#[derive(Serialize)]
struct Tail<'a> {
    engine: &'static str,
    events: EventsOut<'a>,
    format: &'static str,
    notices: &'a [String],
    scenario: &'a str,
    series: SeriesOut<'a>,
    summary: Value,
    version: u32,
}

/// A run's impact in %, rounded as the document writes it.
fn impact_of(r: &Run) -> Vec<Vec<f64>> {
    r.series.impact_pct.iter().map(|v| v.iter().map(|x| num(*x)).collect()).collect()
}

fn summary_value(s: &RunSummary) -> Value {
    serde_json::to_value(s).unwrap_or(Value::Null)
}

/// The whole result as one JSON text (compact, keys in order), with `digest`: the SHA-256 of the
/// same text without it.
pub fn to_json_text(o: &Outcome) -> String {
    to_json_text_with(o, vec![])
}

/// [`to_json_text`] with more fields in the summary (`cascade run --safe-leverage` adds
/// `safe_leverage`, computed by runs of its own); the digest covers them.
pub fn to_json_text_with(o: &Outcome, more: Vec<(String, Value)>) -> String {
    let impacts = [impact_of(&o.main), impact_of(&o.no_feedback), impact_of(&o.other_mode)];
    document(o, &impacts, more)
}

fn document<'a>(o: &'a Outcome, impacts: &'a [Vec<Vec<f64>>; 3], more: Vec<(String, Value)>) -> String {
    let mut summary = summary_value(&o.summary);
    if let Some(m) = summary.as_object_mut() {
        m.extend(more);
        m.insert("final_equity_other_mode".into(), Value::String(o.other_mode_summary.final_equity.to_string()));
        m.insert("final_equity_no_feedback".into(), Value::String(o.no_feedback_summary.final_equity.to_string()));
        m.insert("focal_liquidated_step_other_mode".into(), o.other_mode_summary.focal_liquidated_step.into());
        m.insert("focal_liquidated_step_no_feedback".into(), o.no_feedback_summary.focal_liquidated_step.into());
    }
    let cf = |r: &'a Run, s: &RunSummary, impact: &'a [Vec<f64>]| CounterfactualOut {
        focal_events: EventsOut(o, r, true),
        series: series_out(&o.symbols, &r.series, r, impact, o.step_minutes),
        summary: summary_value(s),
    };
    let conservation = serde_json::json!({
        "main": conservation::check(&o.main),
        "no_feedback": conservation::check(&o.no_feedback),
        "other_mode": conservation::check(&o.other_mode),
    });
    let head = Head {
        assets: &o.symbols,
        conservation,
        counterfactuals: CounterfactualsOut {
            no_feedback: cf(&o.no_feedback, &o.no_feedback_summary, &impacts[1]),
            other_mode: cf(&o.other_mode, &o.other_mode_summary, &impacts[2]),
        },
    };
    let tail = Tail {
        engine: concat!("margin-cascade ", env!("CARGO_PKG_VERSION")),
        events: EventsOut(o, &o.main, false),
        format: "margin-cascade/result",
        notices: &o.notices,
        scenario: &o.name,
        series: series_out(&o.symbols, &o.main.series, &o.main, &impacts[0], o.step_minutes),
        summary,
        version: 1,
    };
    // The head and the tail are objects: "{…}". The document is their fields with the digest
    // between them; the digest is of the document without it. Written into one buffer (the
    // digest's place kept, filled in last): the text is hundreds of kilobytes, and a second
    // buffer, grown by doubling, cost more in fresh memory than the writing itself.
    let mut out = Vec::with_capacity(1 << 19);
    let _ = serde_json::to_writer(&mut out, &head);
    out.pop(); // the head's '}'
    let head_end = out.len();
    out.extend_from_slice(b",\"digest\":\"");
    let hex_at = out.len();
    out.extend_from_slice(&[b'0'; 64]);
    out.push(b'"');
    let tail_at = out.len();
    let _ = serde_json::to_writer(&mut out, &tail);
    out[tail_at] = b','; // the tail's '{'
    let mut hash = Sha256::new();
    hash.update(&out[..head_end]);
    hash.update(b",");
    hash.update(&out[tail_at + 1..]);
    for (i, b) in hash.finalize().into_iter().enumerate() {
        out[hex_at + 2 * i..hex_at + 2 * i + 2].copy_from_slice(&HEX[b as usize * 2..b as usize * 2 + 2]);
    }
    String::from_utf8(out).unwrap_or_default()
}

const HEX: &[u8; 512] = b"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f\
303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f\
707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf\
b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef\
f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

/// The whole result as one JSON value (see [`to_json_text`]).
pub fn to_json(o: &Outcome) -> Value {
    serde_json::from_str(&to_json_text(o)).unwrap_or(Value::Null)
}

/// Per-step CSV: main-run series plus the counterfactuals' focal equity and prices.
pub fn to_csv(o: &Outcome) -> String {
    let s = &o.main.series;
    let nf = &o.no_feedback.series;
    let om = &o.other_mode.series;
    let mut head: Vec<String> = vec!["step".into(), "time_minutes".into()];
    for sym in &o.symbols {
        head.push(format!("price_{sym}"));
        head.push(format!("exogenous_price_{sym}"));
        head.push(format!("impact_pct_{sym}"));
        head.push(format!("forced_flow_usd_{sym}"));
        head.push(format!("no_feedback_price_{sym}"));
    }
    for h in [
        "focal_collateral_value",
        "focal_equity",
        "focal_maintenance_margin",
        "focal_margin_ratio",
        "crowd_liquidated_notional",
        "crowd_accounts_liquidated",
        "insurance_fund",
        "bad_debt",
        "other_mode_focal_equity",
        "other_mode_focal_margin_ratio",
        "no_feedback_focal_equity",
    ] {
        head.push(h.into());
    }
    let mut out = head.join(",");
    out.push('\n');
    let r = |x: &Option<Ratio>| x.map(|r| r.0.round_dp(8).normalize().to_string()).unwrap_or_default();
    for t in 0..s.insurance_fund.len() {
        let mut row: Vec<String> =
            vec![t.to_string(), (rust_decimal::Decimal::from(t as u64) * o.step_minutes).to_string()];
        for i in 0..o.symbols.len() {
            row.push(s.price[i][t].to_string());
            row.push(s.exogenous_price[i][t].to_string());
            row.push(crate::types::fixed(s.impact_pct[i][t], 6));
            row.push(s.forced_flow_usd[i][t].to_string());
            row.push(nf.price[i][t].to_string());
        }
        row.push(s.focal_collateral_value[t].to_string());
        row.push(s.focal_equity[t].to_string());
        row.push(s.focal_maintenance_margin[t].to_string());
        row.push(r(&s.focal_margin_ratio[t]));
        row.push(s.crowd_liquidated_notional[t].to_string());
        row.push(s.crowd_accounts_liquidated[t].to_string());
        row.push(s.insurance_fund[t].to_string());
        row.push(s.bad_debt[t].to_string());
        row.push(om.focal_equity[t].to_string());
        row.push(r(&om.focal_margin_ratio[t]));
        row.push(nf.focal_equity[t].to_string());
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

/// SHA-256 of a run's numbers, independent of the JSON format: every market price, the focal
/// account's equity, the insurance fund, and every event (step, account, what, asset, quantity,
/// price, money) as text — so every liquidation, of anyone, with its fill. Two runs with the same
/// fingerprint computed the same market and the same liquidations, to the last decimal.
pub fn run_fingerprint(symbols: &[String], r: &Run) -> String {
    use std::fmt::Write;
    let s = &r.series;
    let mut t = String::new();
    for (i, sym) in symbols.iter().enumerate() {
        let _ = write!(t, "{sym}:");
        for p in &s.price[i] {
            let _ = write!(t, "{p},");
        }
        t.push('\n');
    }
    for v in [&s.focal_equity, &s.insurance_fund] {
        for x in v.iter() {
            let _ = write!(t, "{x},");
        }
        t.push('\n');
    }
    for e in &r.events {
        let _ = write!(t, "{}|{:?}|", e.step, e.account);
        let _ = match &e.kind {
            EventKind::Liquidation { asset, quantity, price, fee, realized_pnl, .. } => {
                writeln!(t, "L|{asset}|{quantity}|{price}|{fee}|{realized_pnl}")
            }
            EventKind::CollateralSale { asset, quantity, price, proceeds, .. } => {
                writeln!(t, "C|{asset}|{quantity}|{price}|{proceeds}")
            }
            EventKind::BadDebt { amount, fund_paid, adl_paid, uncovered } if adl_paid.is_zero() => {
                writeln!(t, "B|{amount}|{fund_paid}|{uncovered}")
            }
            EventKind::BadDebt { amount, fund_paid, adl_paid, uncovered } => {
                writeln!(t, "B|{amount}|{fund_paid}|{adl_paid}|{uncovered}")
            }
            EventKind::Adl { asset, quantity, price, realized_pnl, paid, bankrupt } => {
                writeln!(t, "A|{asset}|{quantity}|{price}|{realized_pnl}|{paid}|{bankrupt:?}")
            }
            EventKind::Backstop { asset, quantity, price, realized_pnl, collateral } => {
                writeln!(t, "K|{asset}|{quantity}|{price}|{realized_pnl}|{collateral}")
            }
            EventKind::BackstopCash { amount } => writeln!(t, "KC|{amount}"),
        };
    }
    Sha256::digest(t.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}
