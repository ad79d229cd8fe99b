//! What a run returns to the outside: the JSON document (`cascade run --json`, later the page)
//! and the CSV of the per-step series. Money, quantities and prices are decimal strings.

use crate::engine::account::AccountId;
use crate::engine::conservation;
use crate::engine::liquidation::{Event, EventKind};
use crate::engine::outcome::{Outcome, RunSummary};
use crate::engine::sim::{Run, Series};
use crate::types::Ratio;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

fn dec<T: std::fmt::Display>(x: &T) -> Value {
    Value::String(x.to_string())
}

fn ratio(r: &Option<Ratio>) -> Value {
    match r {
        Some(r) => Value::String(r.0.round_dp(8).normalize().to_string()),
        None => Value::Null,
    }
}

fn per_asset<T>(symbols: &[String], v: &[Vec<T>], f: impl Fn(&T) -> Value) -> Value {
    let mut m = Map::new();
    for (i, s) in symbols.iter().enumerate() {
        m.insert(s.clone(), Value::Array(v[i].iter().map(&f).collect()));
    }
    Value::Object(m)
}

fn num(x: f64) -> Value {
    serde_json::Number::from_f64((x * 1e8).round() / 1e8).map(Value::Number).unwrap_or(Value::Null)
}

pub fn series_json(symbols: &[String], s: &Series, r: &Run, step_minutes: rust_decimal::Decimal) -> Value {
    let steps = s.insurance_fund.len();
    let mut positions = Map::new();
    for (k, &a) in r.focal_assets.iter().enumerate() {
        positions.insert(symbols[a].clone(), Value::Array(s.focal_position_qty[k].iter().map(dec).collect()));
    }
    json!({
        "step": (0..steps).collect::<Vec<_>>(),
        "time_minutes": (0..steps).map(|t| dec(&(rust_decimal::Decimal::from(t as u64) * step_minutes))).collect::<Vec<_>>(),
        "price": per_asset(symbols, &s.price, dec),
        "exogenous_price": per_asset(symbols, &s.exogenous_price, dec),
        "impact_pct": per_asset(symbols, &s.impact_pct, |x| num(*x)),
        "forced_flow_usd": per_asset(symbols, &s.forced_flow_usd, dec),
        "focal": {
            "collateral_value": s.focal_collateral_value.iter().map(dec).collect::<Vec<_>>(),
            "equity": s.focal_equity.iter().map(dec).collect::<Vec<_>>(),
            "maintenance_margin": s.focal_maintenance_margin.iter().map(dec).collect::<Vec<_>>(),
            "margin_ratio": s.focal_margin_ratio.iter().map(ratio).collect::<Vec<_>>(),
            "positions": positions,
        },
        "crowd": {
            "liquidated_notional": s.crowd_liquidated_notional.iter().map(dec).collect::<Vec<_>>(),
            "accounts_liquidated": s.crowd_accounts_liquidated,
        },
        "insurance_fund": s.insurance_fund.iter().map(dec).collect::<Vec<_>>(),
        "bad_debt": s.bad_debt.iter().map(dec).collect::<Vec<_>>(),
    })
}

/// One event as the outside sees it (`cascade run --json`, the page): the one serialisation of
/// [`Event`]. Money, quantities and prices are exact decimal strings.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct EventOut {
    pub step: usize,
    pub account: String,
    /// `liquidation`, `collateral_sale` or `bad_debt`.
    pub kind: String,
    /// The asset traded (`USD` for bad debt).
    pub asset: String,
    /// Signed quantity traded (negative: sold); for bad debt, the amount.
    pub quantity: String,
    pub price: String,
    pub fee: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub realized_pnl: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proceeds: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fund_paid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncovered: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

pub fn event_out(symbols: &[String], e: &Event, name: &str) -> EventOut {
    let s = |x: &dyn std::fmt::Display| x.to_string();
    let mut out = EventOut {
        step: e.step,
        account: name.to_string(),
        kind: String::new(),
        asset: String::new(),
        quantity: String::new(),
        price: String::new(),
        fee: "0".into(),
        realized_pnl: None,
        proceeds: None,
        amount: None,
        fund_paid: None,
        uncovered: None,
        reason: None,
    };
    match &e.kind {
        EventKind::Liquidation { asset, quantity, price, fee, realized_pnl, reason } => {
            out.kind = "liquidation".into();
            (out.asset, out.quantity, out.price, out.fee) = (symbols[*asset].clone(), s(quantity), s(price), s(fee));
            out.realized_pnl = Some(s(realized_pnl));
            out.reason = Some(reason.describe());
        }
        EventKind::CollateralSale { asset, quantity, price, proceeds, reason } => {
            out.kind = "collateral_sale".into();
            (out.asset, out.quantity, out.price) = (symbols[*asset].clone(), s(quantity), s(price));
            out.proceeds = Some(s(proceeds));
            out.reason = Some(reason.describe());
        }
        EventKind::BadDebt { amount, fund_paid, uncovered } => {
            out.kind = "bad_debt".into();
            (out.asset, out.quantity, out.price) = ("USD".into(), s(amount), "1".into());
            (out.amount, out.fund_paid, out.uncovered) = (Some(s(amount)), Some(s(fund_paid)), Some(s(uncovered)));
        }
    }
    out
}

pub fn event_json(symbols: &[String], e: &Event, name: &str) -> Value {
    serde_json::to_value(event_out(symbols, e, name)).unwrap_or(Value::Null)
}

fn summary_json(s: &RunSummary) -> Value {
    serde_json::to_value(s).unwrap_or(Value::Null)
}

fn events_json(o: &Outcome, r: &Run, only_focal: bool) -> Value {
    let names: Vec<String> = std::iter::once("focal".to_string()).chain(o.explicit_names.iter().cloned()).collect();
    Value::Array(
        r.events
            .iter()
            .filter(|e| !only_focal || e.account == AccountId::Focal)
            .map(|e| {
                let name = match e.account {
                    AccountId::Focal => names[0].clone(),
                    AccountId::Explicit(k) => names.get(1 + k as usize).cloned().unwrap_or_default(),
                    AccountId::Crowd(k) => format!("crowd-{k}"),
                };
                event_json(&o.symbols, e, &name)
            })
            .collect(),
    )
}

/// The whole result as one JSON document, with a SHA-256 digest of its canonical text.
pub fn to_json(o: &Outcome) -> Value {
    let mut summary = summary_json(&o.summary);
    if let Some(m) = summary.as_object_mut() {
        m.insert("final_equity_other_mode".into(), dec(&o.other_mode_summary.final_equity));
        m.insert("final_equity_no_feedback".into(), dec(&o.no_feedback_summary.final_equity));
        m.insert("focal_liquidated_step_other_mode".into(), json!(o.other_mode_summary.focal_liquidated_step));
        m.insert("focal_liquidated_step_no_feedback".into(), json!(o.no_feedback_summary.focal_liquidated_step));
    }
    let cf = |r: &Run, s: &RunSummary| {
        json!({
            "summary": summary_json(s),
            "series": series_json(&o.symbols, &r.series, r, o.step_minutes),
            "focal_events": events_json(o, r, true),
        })
    };
    let mut doc = json!({
        "format": "margin-cascade/result",
        "version": 1,
        "engine": concat!("margin-cascade ", env!("CARGO_PKG_VERSION")),
        "scenario": o.name,
        "assets": o.symbols,
        "notices": o.notices,
        "summary": summary,
        "series": series_json(&o.symbols, &o.main.series, &o.main, o.step_minutes),
        "events": events_json(o, &o.main, false),
        "counterfactuals": {
            "no_feedback": cf(&o.no_feedback, &o.no_feedback_summary),
            "other_mode": cf(&o.other_mode, &o.other_mode_summary),
        },
        "conservation": {
            "main": conservation::check(&o.main),
            "no_feedback": conservation::check(&o.no_feedback),
            "other_mode": conservation::check(&o.other_mode),
        },
    });
    let digest = digest_hex(&doc);
    if let Some(m) = doc.as_object_mut() {
        m.insert("digest".into(), json!(digest));
    }
    doc
}

/// SHA-256 of the compact JSON text (serde_json writes object keys in sorted order).
pub fn digest_hex(v: &Value) -> String {
    let text = serde_json::to_string(v).unwrap_or_default();
    let h = Sha256::digest(text.as_bytes());
    h.iter().map(|b| format!("{b:02x}")).collect()
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
            EventKind::BadDebt { amount, fund_paid, uncovered } => writeln!(t, "B|{amount}|{fund_paid}|{uncovered}"),
        };
    }
    Sha256::digest(t.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}
