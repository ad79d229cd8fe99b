//! What the charts (and the page's readout) need from an outcome, as plain numbers.

use crate::engine::account::AccountId;
use crate::engine::liquidation::{Event, EventKind};
use crate::engine::outcome::Outcome;
use serde::{Deserialize, Serialize};

/// What the charts (and the page's cursor readout) need from an outcome, as plain numbers.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ChartData {
    pub hours: Vec<f64>,
    pub mode: String,
    pub other_mode: String,
    pub collateral: Vec<f64>,
    pub equity: Vec<f64>,
    pub other_collateral: Vec<f64>,
    pub other_equity: Vec<f64>,
    /// Margin ratio in %, `None` = unbounded (equity ≤ 0).
    pub mr_pct: Vec<Option<f64>>,
    pub other_mr_pct: Vec<Option<f64>>,
    /// Focal liquidations: one marker per step with a liquidation.
    pub liquidations: Vec<LiqMarker>,
    pub other_liquidations: Vec<LiqMarker>,
    /// Assets shown in chart 3 (those that move), with their series.
    pub assets: Vec<AssetSeries>,
    /// Forced sales (sold − bought) per step, all assets, USD.
    pub forced_flow: Vec<f64>,
    /// The focal account's equity in the run without feedback.
    pub nofb_equity: Vec<f64>,
    /// Positions the focal account still holds, per step.
    pub open_positions: Vec<f64>,
    /// The crowd's (every account but yours) liquidated notional and accounts, per step.
    pub crowd_notional: Vec<f64>,
    pub crowd_accounts: Vec<f64>,
    /// The steps drawn, `from..=to` (`None`: the whole run). Set by whoever draws.
    #[serde(default)]
    pub window: Option<(usize, usize)>,
    /// The crowd's liquidation ladder at a step, for the ladder chart. Set by whoever draws.
    #[serde(default)]
    pub ladder: Option<LadderData>,
    /// Whether the run valued positions or collateral while the market stood apart from the
    /// index (the page's pricing controls say "no effect" when not).
    #[serde(default)]
    pub rules_matter: crate::engine::pricing::RulesMatter,
}

/// The crowd's liquidation ladder of one asset at one step, as the ladder chart draws it.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct LadderData {
    pub step: usize,
    pub symbol: String,
    /// The asset's market price at that step.
    pub market: f64,
    /// Each level's change from the market price, %, ascending.
    pub change_pct: Vec<f64>,
    /// Notional liquidated (USD) if the price moved to the level (cumulative from the market).
    pub notional: Vec<f64>,
    pub accounts: Vec<f64>,
    /// Net forced selling of the asset itself (USD, < 0: buying) if the price moved to the level.
    pub flow: Vec<f64>,
    /// Net selling (USD, < 0: buying) the book absorbs to move the price to the level.
    pub absorbed: Vec<f64>,
    /// The book's ±2 % depth (USD).
    pub depth_usd: f64,
}

impl LadderData {
    /// The ladder of `asset` at `step` of the main run: ±20 % around the market in 1 % buckets.
    pub fn at(m: &crate::engine::model::Model, step: usize, asset: usize) -> LadderData {
        use crate::engine::ladder;
        let exo = crate::engine::market::exogenous_path(m);
        let state = ladder::state_at(m, &exo, step);
        let lv = ladder::levels(m, asset, state.post.market[asset], 0.2, 40);
        LadderData::new(&ladder::ladder(&state, m, asset, &lv), m)
    }

    pub fn new(l: &crate::engine::ladder::Ladder, m: &crate::engine::model::Model) -> LadderData {
        let market = l.market.to_f64();
        let change_pct: Vec<f64> = l.levels.iter().map(|p| (p.to_f64() / market - 1.0) * 100.0).collect();
        let absorbed = l
            .levels
            .iter()
            .map(|p| crate::engine::ladder::absorbed(m, l.asset, libm::log(p.to_f64() / market)))
            .collect();
        LadderData {
            step: l.step,
            symbol: m.assets[l.asset].symbol.clone(),
            market,
            change_pct,
            notional: l.notional.iter().map(|x| x.to_f64()).collect(),
            accounts: l.accounts.iter().map(|&x| x as f64).collect(),
            flow: l.flow.iter().map(|x| x.to_f64()).collect(),
            absorbed,
            depth_usd: m.assets[l.asset].depth_usd,
        }
    }
}

/// A liquidation of the focal account at one step.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct LiqMarker {
    pub step: usize,
    /// The position(s) closed (and collateral sold), e.g. "BTC+ETH".
    pub label: String,
    /// The margin ratio (%) the liquidation check saw (before the orders); `None` = unbounded.
    pub check_pct: Option<f64>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct AssetSeries {
    pub symbol: String,
    pub price: Vec<f64>,
    pub exogenous: Vec<f64>,
    /// Change from the opening price, %.
    pub change_pct: Vec<f64>,
    pub exo_change_pct: Vec<f64>,
    pub impact_pct: Vec<f64>,
    pub forced_flow: Vec<f64>,
    /// The mark price and its change from the open, %, when the venue marks at the index or a
    /// median (empty when the mark is the market price).
    #[serde(default)]
    pub mark: Vec<f64>,
    #[serde(default)]
    pub mark_change_pct: Vec<f64>,
    /// Your liquidation price in this asset (`liqprice.rs`) and its change from the open, %;
    /// empty when you hold no position in it. Where there is no price, `liq` says why: −1 the
    /// account is liquidatable already, −2 no price liquidates it, NaN the position is closed (and
    /// `liq_change_pct` is NaN).
    #[serde(default)]
    pub liq: Vec<f64>,
    #[serde(default)]
    pub liq_change_pct: Vec<f64>,
}

fn liq_markers(o: &Outcome, r: &crate::engine::sim::Run) -> Vec<LiqMarker> {
    use crate::engine::liquidation::Reason;
    let mut out: Vec<LiqMarker> = vec![];
    let shown =
        |e: &&Event| e.liquidates_focal() || (e.account == AccountId::Focal && matches!(e.kind, EventKind::Adl { .. }));
    for e in r.events.iter().filter(shown) {
        let (what, reason) = match &e.kind {
            EventKind::Liquidation { asset, reason, partial: false, .. } => (o.symbols[*asset].clone(), Some(reason)),
            EventKind::Liquidation { asset, reason, partial: true, .. } => {
                (format!("{} (partial)", o.symbols[*asset]), Some(reason))
            }
            EventKind::CollateralSale { asset, .. } => (format!("sold {}", o.symbols[*asset]), None),
            EventKind::Adl { asset, .. } => (format!("{} (ADL)", o.symbols[*asset]), None),
            EventKind::Backstop { asset, collateral: false, .. } => (format!("{} (backstop)", o.symbols[*asset]), None),
            EventKind::Backstop { .. } | EventKind::BackstopCash { .. } => continue,
            EventKind::BadDebt { .. } => continue,
        };
        let check = match reason {
            Some(Reason::CrossMarginRatio { mm, equity }) | Some(Reason::IsolatedMarginRatio { mm, equity }) => {
                Some(crate::engine::margin::margin_ratio(*mm, *equity).map(|r| r.to_f64() * 100.0))
            }
            _ => None,
        };
        match out.last_mut() {
            Some(m) if m.step == e.step => {
                m.label.push('+');
                m.label.push_str(&what);
                if let Some(c) = check {
                    // the worst position's ratio, for isolated accounts
                    m.check_pct = match (m.check_pct, c) {
                        (None, _) | (_, None) => None,
                        (Some(a), Some(b)) => Some(a.max(b)),
                    };
                }
            }
            _ => out.push(LiqMarker { step: e.step, label: what, check_pct: check.unwrap_or(None) }),
        }
    }
    out
}

/// A liquidation price as the charts carry it (see [`AssetSeries::liq`]).
fn liq_code(l: crate::engine::liqprice::LiqPrice) -> f64 {
    use crate::engine::liqprice::LiqPrice;
    match l {
        LiqPrice::At(p) => p.to_f64(),
        LiqPrice::Already => -1.0,
        LiqPrice::Beyond => -2.0,
        LiqPrice::Closed => f64::NAN,
    }
}

impl ChartData {
    pub fn from_outcome(o: &Outcome) -> ChartData {
        let s = &o.main.series;
        let om = &o.other_mode.series;
        let n = s.focal_equity.len();
        let minutes = crate::types::dec_to_f64(o.step_minutes);
        let f = |v: &[crate::types::Money]| v.iter().map(|x| x.to_f64()).collect::<Vec<f64>>();
        let mr =
            |v: &[Option<crate::types::Ratio>]| v.iter().map(|r| r.map(|r| r.to_f64() * 100.0)).collect::<Vec<_>>();
        let mut assets = vec![];
        for (i, sym) in o.symbols.iter().enumerate() {
            let p = &s.price_f[i];
            let x = &s.exogenous_price_f[i];
            let p0 = p[0];
            let moves = p.iter().chain(x.iter()).any(|v| (v / p0 - 1.0).abs() > 1e-9);
            if !moves {
                continue;
            }
            let k = o.main.focal_assets.iter().position(|&a| a == i);
            let liq: Vec<f64> =
                k.map(|k| s.focal_liquidation_price[k].iter().map(|&l| liq_code(l)).collect()).unwrap_or_default();
            assets.push(AssetSeries {
                symbol: sym.clone(),
                price: p.clone(),
                exogenous: x.clone(),
                change_pct: p.iter().map(|v| (v / p0 - 1.0) * 100.0).collect(),
                exo_change_pct: x.iter().map(|v| (v / p0 - 1.0) * 100.0).collect(),
                impact_pct: s.impact_pct[i].clone(),
                forced_flow: f(&s.forced_flow_usd[i]),
                mark: s.mark_price[i].iter().map(|p| p.to_f64()).collect(),
                mark_change_pct: s.mark_price[i].iter().map(|p| (p.to_f64() / p0 - 1.0) * 100.0).collect(),
                liq: liq.clone(),
                liq_change_pct: liq.iter().map(|&v| if v > 0.0 { (v / p0 - 1.0) * 100.0 } else { f64::NAN }).collect(),
            });
        }
        let forced_flow = (0..n).map(|t| s.forced_flow_usd.iter().map(|v| v[t].to_f64()).sum()).collect();
        let open_positions =
            (0..n).map(|t| s.focal_position_qty.iter().filter(|q| !q[t].is_zero()).count() as f64).collect();
        ChartData {
            hours: (0..n).map(|t| t as f64 * minutes / 60.0).collect(),
            mode: o.summary.focal_mode.name().into(),
            other_mode: o.other_mode_summary.focal_mode.name().into(),
            collateral: f(&s.focal_collateral_value),
            equity: f(&s.focal_equity),
            other_collateral: f(&om.focal_collateral_value),
            other_equity: f(&om.focal_equity),
            mr_pct: mr(&s.focal_margin_ratio),
            other_mr_pct: mr(&om.focal_margin_ratio),
            liquidations: liq_markers(o, &o.main),
            other_liquidations: liq_markers(o, &o.other_mode),
            assets,
            forced_flow,
            nofb_equity: f(&o.no_feedback.series.focal_equity),
            open_positions,
            crowd_notional: f(&s.crowd_liquidated_notional),
            crowd_accounts: s.crowd_accounts_liquidated.iter().map(|&x| x as f64).collect(),
            window: None,
            ladder: None,
            rules_matter: o.rules_matter,
        }
    }
}
