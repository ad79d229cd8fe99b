//! Safe leverage for each of your positions: the leverage control's own change
//! (`controls::set_leverage`: the margin behind the position kept, its size scaled) tried along
//! the grid of `engine/safe.rs`, which says how the edge is found and why a bisection finds it.

use super::controls;
use crate::engine::crowd::CrowdMemo;
use crate::engine::market;
use crate::engine::model::Model;
use crate::engine::safe::{self, Edge};
use crate::engine::scenario::{Scenario, SideSpec};
use rust_decimal::Decimal;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

/// One position's safe leverage, with the crowd's feedback and without it.
#[derive(Clone, Debug, PartialEq)]
pub struct SafeLeverage {
    /// The control that sets the position's leverage (`lev.0`, …).
    pub key: String,
    pub asset: String,
    pub side: &'static str,
    pub with_feedback: Edge,
    pub without_feedback: Edge,
    /// The maximum leverage the brackets (a venue's) allow the position at the size it has at
    /// each edge's surviving leverage, with feedback and without (`None`: no maximum set).
    pub venue_max: (Option<Decimal>, Option<Decimal>),
    /// Whose maximum it is, in words: "Hyperliquid allows" (or "the brackets allow").
    pub who: String,
}

/// Safe leverage for every position of yours that has a leverage control, in the scenario `s`
/// (the effective one: controls applied). An invalid `s` is an error; a leverage `s` cannot open
/// at counts as not surviving.
pub fn safe_leverage(s: &Scenario) -> crate::error::Result<Vec<SafeLeverage>> {
    // (your leverage leaves the crowd as it is: generated once, copied for every run)
    let mut memo = CrowdMemo::default();
    let base = Model::from_scenario_with(s, &mut memo)?;
    // your account does not change the exogenous path: one path serves every leverage
    let exo = market::exogenous_path(&base);
    let focal = controls::focal_of(s);
    let who = match base.venue.is_simple() {
        true => "the brackets allow".to_string(),
        false => format!("{} allows", base.venue.name()),
    };
    let mut out = vec![];
    for (i, p) in focal.positions.iter().enumerate() {
        if controls::position_margin(s, i).is_none() {
            continue;
        }
        let key = format!("lev.{i}");
        let mut alive = |t: u32, feedback: bool| {
            let mut v = s.clone();
            controls::set_leverage(&mut v, &key, safe::tenths(t));
            Ok::<bool, std::convert::Infallible>(match Model::from_scenario_with(&v, &mut memo) {
                Ok(m) => safe::survives(&m, &exo, feedback, m.focal_book.positions[i].asset),
                Err(_) => false,
            })
        };
        let mut grid = |feedback: bool| match safe::edge(safe::MIN_TENTHS, safe::MAX_TENTHS, |t| alive(t, feedback)) {
            Ok(e) => e,
            Err(never) => match never {},
        };
        let side = match p.side {
            SideSpec::Long => "long",
            SideSpec::Short => "short",
        };
        let (with_feedback, without_feedback) = (grid(true), grid(false));
        let venue_max = (max_at(s, &key, i, &with_feedback), max_at(s, &key, i, &without_feedback));
        out.push(SafeLeverage {
            key: key.clone(),
            asset: p.asset.clone(),
            side,
            with_feedback,
            without_feedback,
            venue_max,
            who: who.clone(),
        });
    }
    Ok(out)
}

/// The brackets' maximum leverage for position `i` (control `key`) at the size it has at `edge`'s
/// surviving leverage (the margin kept, the size scaled), if the brackets set one.
fn max_at(s: &Scenario, key: &str, i: usize, edge: &Edge) -> Option<Decimal> {
    let lev = edge.survives()?;
    let mut v = s.clone();
    controls::set_leverage(&mut v, key, lev);
    let m = Model::from_scenario(&v).ok()?;
    let p = m.focal_book.positions.get(i)?;
    m.assets[p.asset].brackets.max_leverage(p.notional())
}

impl SafeLeverage {
    /// The answer in one line, as the page shows it beside the control.
    pub fn words(&self) -> String {
        let (w, wo) = (&self.with_feedback, &self.without_feedback);
        let mut t = if w == wo {
            format!("Safe leverage here: {}, with or without the crowd's feedback", w.words())
        } else {
            format!("Safe leverage here: {}; without the crowd's feedback, {}", w.words(), wo.words())
        };
        // a survivor above what the venue would open is no answer to act on: say so
        let above = [(w, self.venue_max.0), (wo, self.venue_max.1)]
            .into_iter()
            .find_map(|(e, max)| Some((e.survives()?, max?)).filter(|(at, max)| at > max));
        if let Some((at, max)) = above {
            t += &format!(
                " (at {}× the position is above the {}× {} at that size)",
                at.normalize(),
                max.normalize(),
                self.who
            );
        }
        t + "."
    }
}

/// As JSON: `{"with_feedback": {"edge": "up_to", "survives_at": "7.4", "liquidated_at": "7.5"}, …}`.
struct EdgeOut<'a>(&'a Edge);

impl Serialize for EdgeOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("edge", self.0.kind())?;
        m.serialize_entry("liquidated_at", &self.0.liquidated().map(|d| d.normalize().to_string()))?;
        m.serialize_entry("survives_at", &self.0.survives().map(|d| d.normalize().to_string()))?;
        m.end()
    }
}

impl Serialize for SafeLeverage {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(7))?;
        m.serialize_entry("asset", &self.asset)?;
        m.serialize_entry("control", &self.key)?;
        m.serialize_entry("side", self.side)?;
        m.serialize_entry("words", &self.words())?;
        m.serialize_entry("with_feedback", &EdgeOut(&self.with_feedback))?;
        m.serialize_entry("without_feedback", &EdgeOut(&self.without_feedback))?;
        // (only where the brackets set a maximum: other scenarios keep their output)
        if self.venue_max != (None, None) {
            let max = |x: Option<Decimal>| x.map(|d| d.normalize().to_string());
            m.serialize_entry("max_leverage", &(max(self.venue_max.0), max(self.venue_max.1)))?;
        }
        m.end()
    }
}
