//! The scenario file format (`"version": 3`): what a user writes. Every field has a default,
//! so `{"version": 3}` is a complete scenario and a full file says everything.
//!
//! Versions 1 and 2 are still read, with their meaning ([`Scenario::upgraded`]): in format 1 a
//! scripted shock moved its own asset only, so a version-1 scenario runs with every shock marked
//! `own`; in formats 1 and 2 an explicit `"stable": false` on an asset with σ = 0 was ignored.
//!
//! This module only describes and defaults the document; `model.rs` checks it and turns it
//! into the engine's resolved [`super::model::Model`].

pub use super::venues::Venue;
use crate::types::{Money, Price, Qty, Ratio};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const FORMAT_VERSION: u32 = 3;

/// Documented size limits; a scenario past any of them is rejected with a message naming it.
pub mod limits {
    pub const MAX_ASSETS: usize = 16;
    pub const MAX_STEPS: usize = 20_000;
    pub const MAX_CROWD_ACCOUNTS: u32 = 100_000;
    pub const MAX_EXPLICIT_ACCOUNTS: usize = 2_000;
    pub const MAX_POSITIONS_PER_ACCOUNT: usize = 16;
    pub const MAX_SHOCKS: usize = 10_000;
    pub const MAX_BRACKETS: usize = 32;
    /// Largest crowd pro-rata auto-deleveraging runs on (it cuts every position for every deficit).
    pub const MAX_PRO_RATA_CROWD: u32 = 2_000;
    /// Largest total of the crowd's collateral shares (`crowd.collateral`): 10 = assets worth ten
    /// times the collateral, nine of them borrowed.
    pub const MAX_COLLATERAL_SHARES: i64 = 10;
    /// Largest opening price, depth, notional or balance accepted (USD); keeps every product exact.
    pub const MAX_USD: i64 = 1_000_000_000_000_000; // 1e15
    pub const MAX_PRICE: i64 = 1_000_000_000_000; // 1e12: also the ceiling a simulated price is clamped to
    pub const MAX_SIGMA: f64 = 20.0; // 2 000 % a year
    pub const MAX_LEVERAGE: i64 = 1_000;
    /// Largest seed: 2^53 − 1, so that a seed survives a trip through JavaScript numbers.
    pub const MAX_SEED: u64 = (1u64 << 53) - 1;
}

fn d(s: &str) -> Decimal {
    s.parse().expect("literal decimal")
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
/// A complete simulation scenario. Every field may be omitted; the defaults describe a
/// four-asset market (BTC, ETH, SOL, USDC) with an ETH shock and a 1 000-account crowd.
pub struct Scenario {
    /// Format version: 3 (1 and 2 are still read, with their meaning).
    pub version: u32,
    /// Short human name.
    pub name: String,
    /// What the scenario shows, in a paragraph.
    pub description: String,
    /// Number of steps after the opening state (every series has steps + 1 points).
    pub steps: usize,
    /// Minutes per step.
    pub step_minutes: Decimal,
    /// Seed of the random exogenous path (0 ..= 2^53 − 1).
    pub seed: u64,
    /// `false` removes the random term (scripted scenarios: only drift-free shocks move prices).
    pub noise: bool,
    /// `false` runs without price impact: forced orders fill at the pre-trade price.
    pub feedback: bool,
    pub assets: Vec<AssetSpec>,
    pub correlation: CorrelationSpec,
    pub shocks: Vec<ShockSpec>,
    pub impact: ImpactSpec,
    pub liquidation: LiquidationSpec,
    /// Whose rules the venue follows: `simple` (the default) runs `liquidation` and the assets'
    /// brackets as written; a venue pack (`binance`, `bybit`, `okx`, `hyperliquid`) replaces them
    /// with that venue's published rules (see `engine/venues.rs` and `docs/venue-packs.md`).
    #[serde(skip_serializing_if = "Venue::is_simple")]
    pub venue: Venue,
    /// Opening balance of the insurance fund (USD).
    pub insurance_fund_usd: Money,
    /// The user's own account, the one the charts follow. Absent: 10 000 USD in a cross
    /// account, long 100 000 USD of the first non-stable asset and 50 000 USD of the second.
    pub focal: Option<AccountSpec>,
    /// The rest of the market, generated deterministically.
    pub crowd: CrowdSpec,
    /// Extra accounts listed by hand; they add to the crowd.
    pub accounts: Vec<AccountSpec>,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            version: FORMAT_VERSION,
            name: "Default market".into(),
            description: "A 10 000 USD cross account long BTC and ETH through one random day, \
                          while a leveraged crowd trades the same books."
                .into(),
            steps: 288,
            step_minutes: Decimal::from(5),
            seed: 42,
            noise: true,
            feedback: true,
            assets: default_assets(),
            correlation: CorrelationSpec::default(),
            shocks: vec![],
            impact: ImpactSpec::default(),
            liquidation: LiquidationSpec::default(),
            venue: Venue::Simple,
            insurance_fund_usd: Money(Decimal::from(50_000_000)),
            focal: None,
            crowd: CrowdSpec::default(),
            accounts: vec![],
        }
    }
}

/// The default market (2025 figures; assumptions, see README "Defaults").
pub fn default_assets() -> Vec<AssetSpec> {
    vec![
        AssetSpec {
            symbol: "BTC".into(),
            price: Price(d("100000")),
            tick: Price(d("0.1")),
            sigma: 0.50,
            depth_usd: Money(d("400000000")),
            half_life_steps: Some(36.0),
            daily_volume_usd: Some(Money(d("30000000000"))),
            haircut: Ratio(d("0.02")),
            stable: None,
            mm_brackets: None,
            collateral_tiers: None,
            collateral_price: PriceSourceSpec::Market,
        },
        AssetSpec {
            symbol: "ETH".into(),
            price: Price(d("3500")),
            tick: Price(d("0.01")),
            sigma: 0.68,
            depth_usd: Money(d("200000000")),
            half_life_steps: Some(36.0),
            daily_volume_usd: Some(Money(d("15000000000"))),
            haircut: Ratio(d("0.03")),
            stable: None,
            mm_brackets: None,
            collateral_tiers: None,
            collateral_price: PriceSourceSpec::Market,
        },
        AssetSpec {
            symbol: "SOL".into(),
            price: Price(d("180")),
            tick: Price(d("0.01")),
            sigma: 0.85,
            depth_usd: Money(d("60000000")),
            half_life_steps: Some(36.0),
            daily_volume_usd: Some(Money(d("4000000000"))),
            haircut: Ratio(d("0.10")),
            stable: None,
            mm_brackets: None,
            collateral_tiers: None,
            collateral_price: PriceSourceSpec::Market,
        },
        AssetSpec {
            symbol: "USDC".into(),
            price: Price(d("1")),
            tick: Price(d("0.0001")),
            sigma: 0.0,
            depth_usd: Money(d("1000000000")),
            half_life_steps: Some(36.0),
            daily_volume_usd: Some(Money(d("5000000000"))),
            haircut: Ratio(d("0")),
            stable: Some(true),
            mm_brackets: None,
            collateral_tiers: None,
            collateral_price: PriceSourceSpec::Market,
        },
    ]
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
/// One asset of the market: it can be traded as a perpetual and held as collateral.
pub struct AssetSpec {
    /// Ticker, e.g. "BTC". "USD" is reserved for the account currency.
    pub symbol: String,
    /// Opening price (USD).
    pub price: Price,
    /// Price grid; every simulated price is a multiple of it.
    #[serde(default = "default_tick")]
    pub tick: Price,
    /// Annualised volatility (0.5 = 50 %). 0 for a stable asset.
    #[serde(default)]
    pub sigma: f64,
    /// One-sided ±2 % order-book depth in USD: selling this much moves the price −2 %.
    pub depth_usd: Money,
    /// Impact half-life in steps; absent or null = permanent impact.
    #[serde(default)]
    pub half_life_steps: Option<f64>,
    /// Daily traded volume (USD), used by the square-root impact model.
    #[serde(default)]
    pub daily_volume_usd: Option<Money>,
    /// Collateral haircut: a balance counts at price × (1 − haircut).
    #[serde(default)]
    pub haircut: Ratio,
    /// Stable collateral (sold last when a loan is repaid). Absent: true exactly when sigma == 0.
    /// An explicit `false` is respected from format 3 on (see [`Scenario::upgraded`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stable: Option<bool>,
    /// Maintenance-margin brackets (floor notional, rate), ascending; default: the BTCUSDT table.
    #[serde(default)]
    pub mm_brackets: Option<Vec<BracketSpec>>,
    /// Collateral tiers by balance size, instead of one flat `haircut`: from `from` units of the
    /// asset on, the part of a balance in the tier counts at `ratio` of its value. Ascending from 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collateral_tiers: Option<Vec<CollateralTierSpec>>,
    /// The price a balance of this asset is valued at as collateral: this venue's own market
    /// price (impact included) or the index (the outside price, which forced sales here do not move).
    #[serde(default, skip_serializing_if = "PriceSourceSpec::is_market")]
    pub collateral_price: PriceSourceSpec,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
/// Where a collateral price comes from.
pub enum PriceSourceSpec {
    /// This venue's market price, moved by the forced sales on its own book.
    #[default]
    Market,
    /// The index: the outside price (the exogenous path), which this venue's sales do not move.
    Index,
}

impl PriceSourceSpec {
    pub fn is_market(&self) -> bool {
        *self == PriceSourceSpec::Market
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
/// The price margin is checked on.
pub enum MarkPriceSpec {
    /// The market price (fills and checks at one price).
    #[default]
    Market,
    /// The index (the outside price).
    Index,
    /// The median of the index, the market, and the index plus the moving average of the basis
    /// (market − index) over `mark_window_minutes`.
    Median,
}

impl MarkPriceSpec {
    pub fn is_market(&self) -> bool {
        *self == MarkPriceSpec::Market
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
/// Auto-deleveraging: who pays the bad debt the insurance fund cannot.
pub enum AdlSpec {
    /// Nobody: what the fund cannot pay is reported as uncovered (socialised) bad debt.
    #[default]
    Off,
    /// Profitable positions on the other side of the bankrupt position are closed at its
    /// bankruptcy price, highest rank (PnL % × effective leverage) first, until the deficit is covered.
    Queue,
    /// Every eligible position on the other side is closed by the same fraction, at the
    /// bankruptcy price, so that together they cover the deficit.
    ProRata,
}

impl AdlSpec {
    pub fn is_off(&self) -> bool {
        *self == AdlSpec::Off
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
/// A collateral tier: the part of a balance from `from` units on (up to the next tier) counts at
/// `ratio` of its value (0.98 = a 2 % haircut; 0 = not at all).
pub struct CollateralTierSpec {
    pub from: Qty,
    pub ratio: Ratio,
}

impl AssetSpec {
    /// Whether the asset is stable collateral: the `stable` flag where given, else σ = 0.
    pub fn is_stable(&self) -> bool {
        self.stable.unwrap_or(self.sigma == 0.0)
    }
    /// Whether the asset moves: σ > 0 and not stable (what the default crowd and account trade).
    pub fn is_volatile(&self) -> bool {
        !self.is_stable() && self.sigma > 0.0
    }
}

fn default_tick() -> Price {
    Price(d("0.01"))
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
/// A maintenance-margin bracket: from `floor` USD of notional on, the rate is `mmr`; a position
/// in the bracket may be opened at up to `max_leverage` (absent: no limit but the rate's).
pub struct BracketSpec {
    pub floor: Money,
    pub mmr: Ratio,
    /// The venue's maximum leverage for a position in this bracket (its initial margin is the
    /// notional divided by it). Given for every bracket or for none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_leverage: Option<Decimal>,
}

/// The BTCUSDT maintenance table (floor USD, rate); cum offsets follow from the recursion.
pub fn btcusdt_brackets() -> Vec<BracketSpec> {
    [
        ("0", "0.004"),
        ("50000", "0.005"),
        ("250000", "0.01"),
        ("1000000", "0.025"),
        ("10000000", "0.05"),
        ("20000000", "0.10"),
        ("50000000", "0.125"),
        ("100000000", "0.15"),
        ("200000000", "0.25"),
        ("300000000", "0.50"),
    ]
    .iter()
    .map(|(f, m)| BracketSpec { floor: Money(d(f)), mmr: Ratio(d(m)), max_leverage: None })
    .collect()
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
/// Correlation of the assets' random moves. Start from `all_pairs`, then override `pairs`;
/// or give the whole `matrix` (in the order of `assets`).
pub struct CorrelationSpec {
    /// Correlation of every pair of volatile assets (stable assets: 0 unless set in `pairs`).
    pub all_pairs: f64,
    pub pairs: Vec<PairSpec>,
    pub matrix: Option<Vec<Vec<f64>>>,
    /// If the matrix is not positive semi-definite: `false` (default) rejects it with an error;
    /// `true` uses the nearest valid correlation matrix and reports a notice.
    pub repair: bool,
}

impl Default for CorrelationSpec {
    fn default() -> Self {
        CorrelationSpec { all_pairs: 0.8, pairs: vec![], matrix: None, repair: false }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PairSpec {
    pub a: String,
    pub b: String,
    pub rho: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
/// A scripted move: at `step`, multiply `symbol`'s exogenous price by (1 + percent / 100).
///
/// By default the move is a *market* move and carries to the other assets as the correlation
/// model implies: a log-move `r` of asset i adds `ρ_ij · σ_j / σ_i · r` to asset j (the expected
/// move of j given i's, in the joint random walk; nothing when σ_i or σ_j is 0). Mark it `own`
/// when it is the asset's alone: a depeg, an exploit, a venue-specific dislocation, or a move
/// that a scenario already lists for every asset. Mark it `venue` when it happens on this
/// venue's book only (someone outside the model sells into it): the index does not move, nothing
/// carries to the other assets, and the move fades with the asset's impact half-life.
pub struct ShockSpec {
    pub step: usize,
    pub symbol: String,
    pub percent: f64,
    /// `true`: this asset's own move, the others do not follow it (default `false`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub own: bool,
    /// `true`: a move of this venue's market price only, added to the asset's impact; the index
    /// (the outside price) does not move (default `false`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub venue: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImpactModelSpec {
    /// ΔI = ln(0.98) · q / D: selling the ±2 % depth moves the price −2 %.
    Depth,
    /// |ΔI| = Y · σ_daily · sqrt(|q| / V_daily).
    Sqrt,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ImpactSpec {
    pub model: ImpactModelSpec,
    /// Y of the square-root model.
    pub sqrt_y: f64,
    /// κ: selling asset j also moves asset i by κ · ρ_ij · ΔI_j.
    pub cross_impact: f64,
}

impl Default for ImpactSpec {
    fn default() -> Self {
        ImpactSpec { model: ImpactModelSpec::Depth, sqrt_y: 0.7, cross_impact: 0.0 }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PolicySpec {
    /// Close whole positions, largest maintenance margin first, until the margin ratio is below 100 %.
    LargestMmFirst,
    /// Close every position at once.
    Full,
    /// Hyperliquid's: a liquidation sells only `chunk.fraction` of a position above
    /// `chunk.min_notional_usd` (the others close whole, largest maintenance margin first, as long
    /// as the account stays liquidatable); for `chunk.cooldown_seconds` after an account's partial
    /// liquidation, its liquidations close whole positions; after that, chunks again.
    Chunks,
    /// Binance/Bybit/OKX style: a liquidation steps a position down `step_down.tiers` maintenance
    /// brackets, or (`step_down.until_compliant`) as many as the account needs (a position below
    /// bracket `step_down.from_tier`, or one no step-down helps, closes whole), then leaves the
    /// account alone for `step_down.delay_seconds` before checking it, and stepping it down, again.
    StepDown,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
/// The partial-liquidation policy `step_down`.
pub struct StepDownSpec {
    /// How many brackets a liquidation steps a position down (default 1; OKX: 2); with
    /// `until_compliant`, the fewest.
    pub tiers: u32,
    /// How long the account is left alone after a step-down before it is checked again (seconds;
    /// OKX: about 60; Binance and Bybit state none).
    pub delay_seconds: Decimal,
    /// The lowest bracket (counted from 1) a position is stepped down from; a position in a lower
    /// bracket closes whole (default 2: any bracket above the first; OKX: 3, so its tiers 1 and 2
    /// close whole).
    #[serde(skip_serializing_if = "StepDownSpec::is_default_from")]
    #[schemars(extend("default" = StepDownSpec::DEFAULT_FROM))]
    pub from_tier: u32,
    /// Step down as many brackets as it takes (at least `tiers`) for the account to be above
    /// maintenance afterwards, and close the position whole when no bracket does (Binance: "the
    /// bracket that makes the account compliant"; Bybit: the lower risk limit that satisfies
    /// maintenance, else the whole position). The account is judged as projected at the mark,
    /// fee included, before the sale's own impact. Default false: exactly `tiers` brackets.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    #[schemars(extend("default" = false))]
    pub until_compliant: bool,
}

impl StepDownSpec {
    /// The default lowest bracket stepped down from: the second (the first closes whole).
    pub const DEFAULT_FROM: u32 = 2;
    fn is_default_from(n: &u32) -> bool {
        *n == Self::DEFAULT_FROM
    }
    /// How far a liquidation steps a position down, in words: "one bracket", "2 brackets", "to
    /// the bracket that brings the account above maintenance".
    pub fn how_far(&self) -> String {
        match (self.until_compliant, self.tiers) {
            (true, 1) => "to the bracket that brings the account above maintenance (else the whole position)".into(),
            (true, t) => {
                format!(
                    "at least {t} brackets, to one that brings the account above maintenance (else the whole position)"
                )
            }
            (false, 1) => "one bracket".into(),
            (false, t) => format!("{t} brackets"),
        }
    }
    /// Which brackets close whole, in words: "brackets 1–2 close whole" (the default: "the first
    /// bracket closes whole").
    pub fn whole_words(&self) -> String {
        match self.from_tier {
            // (a position in the first bracket has no lower one to step into)
            0..=2 => "the first bracket closes whole".into(),
            n => format!("brackets 1–{} close whole", n - 1),
        }
    }
}

impl Default for StepDownSpec {
    fn default() -> Self {
        StepDownSpec { tiers: 1, delay_seconds: Decimal::ZERO, from_tier: Self::DEFAULT_FROM, until_compliant: false }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
/// The partial-liquidation policy `chunks` (defaults: Hyperliquid's published numbers).
pub struct ChunkSpec {
    /// Positions above this notional (USD, at the mark) are liquidated a fraction at a time.
    pub min_notional_usd: Money,
    /// The fraction of such a position a liquidation sells (outside the cooldown).
    pub fraction: Ratio,
    /// How long after a partial liquidation the account's liquidations close whole positions (seconds).
    pub cooldown_seconds: Decimal,
}

impl Default for ChunkSpec {
    fn default() -> Self {
        ChunkSpec {
            min_notional_usd: Money(Decimal::from(100_000)),
            fraction: Ratio(d("0.2")),
            cooldown_seconds: Decimal::from(30),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct LiquidationSpec {
    pub policy: PolicySpec,
    /// Fee as a fraction of the closed notional, paid to the insurance fund.
    pub fee_rate: Ratio,
    /// The price margin is checked on; fills are always at the market.
    #[serde(skip_serializing_if = "MarkPriceSpec::is_market")]
    pub mark_price: MarkPriceSpec,
    /// The moving-average window of the basis in a median mark (minutes; default 5, Binance's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mark_window_minutes: Option<Decimal>,
    /// The numbers of the `chunks` policy (absent: Hyperliquid's, 100 000 USD, 20 %, 30 s).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chunk: Option<ChunkSpec>,
    /// The numbers of the `step_down` policy (absent: one bracket, no delay).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step_down: Option<StepDownSpec>,
    /// Auto-deleveraging when the insurance fund runs out (default off).
    #[serde(skip_serializing_if = "AdlSpec::is_off")]
    pub adl: AdlSpec,
    /// A backstop vault: below this share of its maintenance margin (0 < r ≤ 1; Hyperliquid's is
    /// 2/3, written 0.6666666667) an account is taken over at the mark price instead of being
    /// liquidated through the book. Absent: no backstop.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backstop_below_mm: Option<Ratio>,
}

impl Default for LiquidationSpec {
    fn default() -> Self {
        LiquidationSpec {
            policy: PolicySpec::LargestMmFirst,
            fee_rate: Ratio(d("0.005")),
            mark_price: MarkPriceSpec::Market,
            mark_window_minutes: None,
            chunk: None,
            step_down: None,
            adl: AdlSpec::Off,
            backstop_below_mm: None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum ModeSpec {
    #[default]
    Cross,
    Isolated,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum SideSpec {
    #[default]
    Long,
    Short,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
/// An account: collateral balances (key "USD" for cash, or an asset symbol; a negative balance is
/// a loan, counted at its full price) and positions.
pub struct AccountSpec {
    pub name: Option<String>,
    pub mode: ModeSpec,
    pub collateral: BTreeMap<String, Decimal>,
    pub positions: Vec<PositionSpec>,
}

impl Default for AccountSpec {
    fn default() -> Self {
        AccountSpec { name: None, mode: ModeSpec::Cross, collateral: BTreeMap::new(), positions: vec![] }
    }
}

impl AccountSpec {
    /// The default focal account for a list of assets: 10 000 USD, cross, long 100 000 USD of
    /// the first non-stable asset and 50 000 USD of the second (if there is one).
    pub fn default_focal(assets: &[AssetSpec]) -> Self {
        let mut collateral = BTreeMap::new();
        collateral.insert("USD".to_string(), d("10000"));
        let positions = assets
            .iter()
            .filter(|a| a.is_volatile())
            .zip(["100000", "50000"])
            .map(|(a, n)| PositionSpec {
                asset: a.symbol.clone(),
                notional_usd: Some(Money(d(n))),
                leverage: Some(d("10")),
                ..PositionSpec::default()
            })
            .collect();
        AccountSpec { name: Some("you".into()), mode: ModeSpec::Cross, collateral, positions }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields, default)]
/// A perpetual position. Size is `quantity`, or `notional_usd` at the entry price, or
/// `leverage × margin_usd`.
pub struct PositionSpec {
    pub asset: String,
    pub side: SideSpec,
    /// Units of the asset (> 0; the side gives the sign).
    pub quantity: Option<Qty>,
    /// Size in USD at the entry price.
    pub notional_usd: Option<Money>,
    /// Entry price; default the asset's opening price.
    pub entry_price: Option<Price>,
    /// Leverage (≥ 1). In isolated mode the margin defaults to notional / leverage.
    pub leverage: Option<Decimal>,
    /// Isolated margin in USD, taken from the wallet's USD when the position opens.
    pub margin_usd: Option<Money>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
/// The generated crowd. `assets` absent = every non-stable asset with open interest 5 × its depth.
pub struct CrowdSpec {
    /// Number of crowd accounts (0 for none).
    pub accounts: u32,
    /// Leverage range (log-uniform, spread at evenly spaced quantiles).
    pub leverage_min: Decimal,
    pub leverage_max: Decimal,
    pub assets: Option<BTreeMap<String, CrowdAssetSpec>>,
    /// How cross crowd accounts hold their collateral: the share of its value (after haircuts, at
    /// the opening prices) in each asset, by symbol; USD holds the rest, as a loan when the shares
    /// add up to more than 1 (assets bought with borrowed dollars; at most 10). Absent: all USD.
    /// Isolated crowd accounts post USD margin.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub collateral: BTreeMap<String, Ratio>,
}

impl Default for CrowdSpec {
    fn default() -> Self {
        CrowdSpec {
            accounts: 1000,
            leverage_min: d("2"),
            leverage_max: d("40"),
            assets: None,
            collateral: BTreeMap::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CrowdAssetSpec {
    /// Crowd open interest in this asset (USD, longs + shorts).
    pub open_interest_usd: Money,
    /// Share of the open interest that is long (0..1).
    #[serde(default = "default_long_share")]
    pub long_share: Ratio,
    /// Share held by cross-margin accounts (which hold every asset); the rest is isolated.
    #[serde(default = "default_cross_share")]
    pub cross_share: Ratio,
    /// Leverage range of this asset's isolated accounts (default: the crowd's).
    #[serde(default)]
    pub leverage_min: Option<Decimal>,
    #[serde(default)]
    pub leverage_max: Option<Decimal>,
}

impl CrowdSpec {
    /// The crowd's per-asset specs: `assets` as written, or the default — every volatile asset
    /// (not stable, σ > 0) with open interest 5 × its book depth (at most the USD limit), 60 %
    /// long, half in cross accounts.
    pub fn assets_or_default(&self, assets: &[AssetSpec]) -> BTreeMap<String, CrowdAssetSpec> {
        if let Some(a) = &self.assets {
            return a.clone();
        }
        assets
            .iter()
            .filter(|a| a.is_volatile())
            .map(|a| {
                let spec = CrowdAssetSpec {
                    // (capped at the USD limit: a book at the limit would otherwise be invalid)
                    open_interest_usd: Money(
                        (a.depth_usd.0 * Decimal::from(5)).round_dp(2).min(Decimal::from(limits::MAX_USD)),
                    ),
                    long_share: default_long_share(),
                    cross_share: default_cross_share(),
                    leverage_min: None,
                    leverage_max: None,
                };
                (a.symbol.clone(), spec)
            })
            .collect()
    }
}

fn default_long_share() -> Ratio {
    Ratio(d("0.6"))
}
fn default_cross_share() -> Ratio {
    Ratio(d("0.5"))
}

/// The extreme cumulative move (%) of every scripted shock of `symbol` (see [`move_of`]).
pub fn scripted_move(shocks: &[ShockSpec], symbol: &str) -> f64 {
    let mine: Vec<usize> = (0..shocks.len()).filter(|&i| shocks[i].symbol == symbol).collect();
    move_of(shocks, &mine)
}

/// The extreme cumulative move (%) of a script: the compounded path's point farthest from the
/// start in either direction (in log terms), e.g. 22 steps of −1 % → −19.84 %; a fall of 35 %
/// that later recovers → −35 %; no shocks → 0.
pub fn move_of(shocks: &[ShockSpec], script: &[usize]) -> f64 {
    // In step order, through one bucket per step (no sort: it would add sorting code to the wasm,
    // whose size budget is tight). Steps past the limit make the scenario invalid anyway.
    let last = script.iter().map(|&i| shocks[i].step).max().unwrap_or(0).min(limits::MAX_STEPS);
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

impl Scenario {
    /// Parse a scenario from JSON text. Field-type errors name the field and line.
    pub fn from_json(text: &str) -> crate::error::Result<Scenario> {
        if !text.trim_start().starts_with('{') {
            return Err(crate::error::Error::Parse("a scenario is a JSON object, {\"version\": 3, …}".into()));
        }
        let de = &mut serde_json::Deserializer::from_str(text);
        // Natively, errors name the field's path; in wasm, serde_json's line and column (the
        // path tracking doubles the deserialiser's code size).
        #[cfg(not(target_arch = "wasm32"))]
        let s: Scenario = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if path.is_empty() || path == "." {
                crate::error::Error::Parse(inner.to_string())
            } else {
                crate::error::Error::Parse(format!("{path}: {inner}"))
            }
        })?;
        #[cfg(target_arch = "wasm32")]
        let s: Scenario =
            serde::Deserialize::deserialize(&mut *de).map_err(|e| crate::error::Error::Parse(e.to_string()))?;
        de.end().map_err(|e| crate::error::Error::Parse(format!("unexpected text after the scenario: {e}")))?;
        Ok(s)
    }

    /// The same scenario in the current format, computing what it computed in its own format:
    /// * format 1: a scripted shock moved its own asset only, so every shock becomes `own`;
    /// * formats 1 and 2: `"stable": false` on an asset with σ = 0 was ignored (the asset was
    ///   stable anyway), so such a flag is dropped and the asset stays stable.
    pub fn upgraded(&self) -> Scenario {
        let mut s = self.clone();
        if s.version == 1 {
            for sh in &mut s.shocks {
                sh.own = true;
            }
        }
        if s.version < 3 {
            for a in &mut s.assets {
                if a.stable == Some(false) {
                    a.stable = None;
                }
            }
            s.version = FORMAT_VERSION;
        }
        s
    }

    /// The same scenario with every asset's collateral valued at the index (the outside price)
    /// instead of this venue's market: what a venue that stops pricing collateral off its own
    /// book would have done.
    pub fn collateral_at_index(&self) -> Scenario {
        let mut s = super::venues::resolved(self);
        for a in &mut s.assets {
            a.collateral_price = PriceSourceSpec::Index;
        }
        s
    }

    /// The same scenario liquidating whole positions, largest maintenance margin first (the
    /// default policy), whatever its own policy.
    pub fn whole_positions(&self) -> Scenario {
        let mut s = super::venues::resolved(self);
        s.liquidation.policy = PolicySpec::LargestMmFirst;
        s.liquidation.chunk = None;
        s.liquidation.step_down = None;
        s
    }

    /// The same scenario without auto-deleveraging: what the fund cannot pay stays uncovered.
    pub fn without_adl(&self) -> Scenario {
        let mut s = super::venues::resolved(self);
        s.liquidation.adl = AdlSpec::Off;
        s
    }

    /// The same scenario under another venue's rules (`simple`: the scenario's own rules).
    pub fn under(&self, venue: Venue) -> Scenario {
        Scenario { venue, ..self.clone() }
    }

    /// The same scenario under its own rules, as written, whatever its venue.
    pub fn simple_rules(&self) -> Scenario {
        self.under(Venue::Simple)
    }

    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// The JSON Schema of the scenario format.
pub fn json_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(Scenario);
    serde_json::to_value(schema).unwrap_or_default()
}

/// The large benchmark scenario: 8 assets, 10 000 crowd accounts, 1 440 steps, with a shock.
pub fn benchmark_large() -> Scenario {
    let mut s = Scenario {
        name: "Benchmark: 8 assets, 10 000 accounts, 1 440 steps".into(),
        steps: 1440,
        ..Scenario::default()
    };
    let extra = [("AVAX", "30", "0.90"), ("LINK", "20", "0.85"), ("DOGE", "0.25", "1.00"), ("ARB", "1.1", "0.95")];
    let usdc = s.assets.pop().expect("default assets end with USDC");
    for (sym, price, sigma) in extra {
        s.assets.push(AssetSpec {
            symbol: sym.into(),
            price: Price(d(price)),
            tick: Price(d("0.0001")),
            sigma: sigma.parse().unwrap_or(0.9),
            depth_usd: Money(d("20000000")),
            half_life_steps: Some(36.0),
            daily_volume_usd: Some(Money(d("1000000000"))),
            haircut: Ratio(d("0.15")),
            stable: None,
            mm_brackets: None,
            collateral_tiers: None,
            collateral_price: PriceSourceSpec::Market,
        });
    }
    s.assets.push(usdc);
    s.crowd.accounts = 10_000;
    s.shocks = vec![
        ShockSpec { step: 200, symbol: "ETH".into(), percent: -12.0, own: false, venue: false },
        ShockSpec { step: 900, symbol: "BTC".into(), percent: -8.0, own: false, venue: false },
    ];
    s
}

/// The default benchmark scenario: the default market with an ETH shock at step 24.
pub fn benchmark_default() -> Scenario {
    Scenario {
        shocks: vec![ShockSpec { step: 24, symbol: "ETH".into(), percent: -12.0, own: false, venue: false }],
        ..Scenario::default()
    }
}
