//! Venue rule packs: one venue's published rules as a whole, applied to a scenario.
//!
//! Terms:
//! * a *pack* is a set of values for the fields a venue decides: each asset's maintenance
//!   brackets, the liquidation fee, the mark price, the partial-liquidation policy, the backstop,
//!   auto-deleveraging, where collateral is priced, and (Hyperliquid) the insurance fund;
//! * `simple` is no pack: the scenario's own rules, as written (the default, so a scenario without
//!   a `venue` keeps its numbers);
//! * the pack *replaces* the scenario's rules when the scenario is validated ([`resolved`]); the
//!   fields a pack does not set (collateral haircuts, the book, the crowd) stay the scenario's.
//!
//! Every number here is cited, with its source, date and status, in `docs/venue-packs.md`, which
//! is generated from [`citations`] (`cascade venues --markdown`; a test keeps the two equal).
//! Where a venue publishes no number the citation says what was assumed.

use super::scenario::{
    AdlSpec, BracketSpec, ChunkSpec, LiquidationSpec, MarkPriceSpec, PolicySpec, PriceSourceSpec, Scenario,
    StepDownSpec,
};
use crate::types::{Money, Ratio};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
/// Whose liquidation rules the scenario runs under.
pub enum Venue {
    /// The scenario's own rules, as written.
    #[default]
    Simple,
    /// Binance USDⓈ-M perpetuals.
    Binance,
    /// Bybit USDT perpetuals (Unified Trading Account).
    Bybit,
    /// OKX USDT-margined swaps.
    Okx,
    /// Hyperliquid perpetuals.
    Hyperliquid,
}

/// Every venue, `simple` first.
pub const ALL: [Venue; 5] = [Venue::Simple, Venue::Binance, Venue::Bybit, Venue::Okx, Venue::Hyperliquid];

impl Venue {
    pub fn is_simple(&self) -> bool {
        *self == Venue::Simple
    }
    /// The key in files and links: `hyperliquid`.
    pub fn key(self) -> &'static str {
        match self {
            Venue::Simple => "simple",
            Venue::Binance => "binance",
            Venue::Bybit => "bybit",
            Venue::Okx => "okx",
            Venue::Hyperliquid => "hyperliquid",
        }
    }
    /// The venue's name as written in prose: `Hyperliquid`.
    pub fn name(self) -> &'static str {
        match self {
            Venue::Simple => "the simple model",
            Venue::Binance => "Binance",
            Venue::Bybit => "Bybit",
            Venue::Okx => "OKX",
            Venue::Hyperliquid => "Hyperliquid",
        }
    }
    /// The venue's name as a heading: `Simple model`, `Hyperliquid`.
    pub fn title(self) -> &'static str {
        match self {
            Venue::Simple => "Simple model",
            v => v.name(),
        }
    }
    pub fn from_key(key: &str) -> Option<Venue> {
        ALL.into_iter().find(|v| v.key() == key)
    }
    /// What the pack does, in one line (`cascade venues`, the note beside the page's picker),
    /// written from the pack's own numbers.
    pub fn line(self) -> String {
        let Some(l) = liquidation(self) else {
            return format!("the scenario's own rules (by default: {})", rules_words(&LiquidationSpec::default()));
        };
        let brackets = match table(self, "BTC") {
            Some(t) => format!("MM from {} and up to {}× (BTC)", pct(Ratio(d(t[0].1))), t[0].2),
            None => "the scenario's MM brackets".into(),
        };
        let fund = if self == Venue::Hyperliquid { ", no insurance fund" } else { "" };
        format!("{brackets}, {}{fund}, collateral at the index", rules_words(&l))
    }
}

/// A venue's liquidation rules in words: "1.25 % liquidation fee, median mark (0.5 min basis), …".
pub fn rules_words(l: &LiquidationSpec) -> String {
    let fee = if l.fee_rate.0.is_zero() {
        "no liquidation fee".into()
    } else {
        format!("{} liquidation fee", pct(l.fee_rate))
    };
    let mark = match l.mark_price {
        MarkPriceSpec::Market => "margin on the market price".to_string(),
        MarkPriceSpec::Index => "margin on the index".to_string(),
        MarkPriceSpec::Median => {
            format!("median mark ({} min basis)", l.mark_window_minutes.unwrap_or(Decimal::from(5)).normalize())
        }
    };
    let policy = policy_words(l);
    let backstop = match l.backstop_below_mm {
        Some(r) => format!("backstop vault below {} of MM", pct(Ratio(r.0.round_dp(4)))),
        None => "no backstop".into(),
    };
    let adl = match l.adl {
        AdlSpec::Off => "no ADL",
        AdlSpec::Queue => "ADL queue",
        AdlSpec::ProRata => "ADL pro rata",
    };
    format!("{fee}, {mark}, {policy}, {backstop}, {adl}")
}

/// The partial-liquidation policy in words.
fn policy_words(l: &LiquidationSpec) -> String {
    match (l.policy, &l.chunk, &l.step_down) {
        (PolicySpec::Chunks, c, _) => {
            let c = c.clone().unwrap_or_default();
            format!(
                "chunks of {} above {} USD (whole for {} s after one)",
                pct(c.fraction),
                crate::types::group(c.min_notional_usd.0),
                c.cooldown_seconds.normalize()
            )
        }
        (PolicySpec::StepDown, _, s) => {
            let s = s.clone().unwrap_or_default();
            let n = s.how_far();
            let steps = match s.delay_seconds.is_zero() {
                true if s.until_compliant => format!("step down {n}"),
                true => format!("step down {n} at a time"),
                false => format!("step down {n}, re-checked after {} s", s.delay_seconds.normalize()),
            };
            match s.from_tier == StepDownSpec::DEFAULT_FROM {
                true => steps,
                false => format!("{steps} ({})", s.whole_words()),
            }
        }
        (PolicySpec::Full, _, _) => "every position at once".into(),
        (PolicySpec::LargestMmFirst, _, _) => "whole positions, largest MM first".into(),
    }
}

fn d(s: &str) -> Decimal {
    s.parse().expect("literal decimal")
}

/// A bracket table written as (floor USD, rate, maximum leverage) literals.
type Table = &'static [(&'static str, &'static str, &'static str)];

/// Binance BTCUSDT (the `/fapi/v1/leverageBracket` snapshot of 2025-10-09).
const BINANCE_BTC: Table = &[
    ("0", "0.004", "150"),
    ("300000", "0.005", "100"),
    ("800000", "0.0065", "75"),
    ("3000000", "0.01", "50"),
    ("12000000", "0.02", "25"),
    ("70000000", "0.025", "20"),
    ("100000000", "0.05", "10"),
    ("230000000", "0.10", "5"),
    ("480000000", "0.125", "4"),
    ("600000000", "0.15", "3"),
    ("800000000", "0.25", "2"),
    ("1200000000", "0.50", "1"),
];
const BINANCE_ETH: Table = &[
    ("0", "0.004", "150"),
    ("300000", "0.005", "100"),
    ("800000", "0.0065", "75"),
    ("3000000", "0.01", "50"),
    ("12000000", "0.02", "25"),
    ("50000000", "0.025", "20"),
    ("65000000", "0.05", "10"),
    ("150000000", "0.10", "5"),
    ("320000000", "0.125", "4"),
    ("400000000", "0.15", "3"),
    ("530000000", "0.25", "2"),
    ("800000000", "0.50", "1"),
];
const BINANCE_SOL: Table = &[
    ("0", "0.005", "100"),
    ("50000", "0.0065", "75"),
    ("400000", "0.01", "50"),
    ("1000000", "0.02", "25"),
    ("4000000", "0.025", "20"),
    ("8000000", "0.05", "10"),
    ("40000000", "0.10", "5"),
    ("80000000", "0.125", "4"),
    ("100000000", "0.25", "2"),
    ("200000000", "0.50", "1"),
];
/// Bybit BTCUSDT risk-limit tiers; the floor of a tier is the previous tier's risk limit (the
/// published table stops at 80 M: the last rate holds beyond it).
const BYBIT_BTC: Table = &[
    ("0", "0.005", "100"),
    ("2000000", "0.0056", "90"),
    ("2600000", "0.0063", "80"),
    ("3200000", "0.0067", "75"),
    ("3800000", "0.0071", "70"),
    ("4400000", "0.0077", "65"),
    ("5000000", "0.0091", "55"),
    ("5600000", "0.01", "50"),
    ("8500000", "0.013", "45"),
    ("10000000", "0.015", "40"),
    ("14000000", "0.016", "35"),
    ("20000000", "0.02", "30"),
    ("28000000", "0.025", "25"),
    ("38000000", "0.029", "20"),
    ("50000000", "0.03", "19"),
    ("55000000", "0.035", "18"),
    ("60000000", "0.036", "17"),
    ("65000000", "0.038", "16"),
    ("70000000", "0.04", "15"),
    ("75000000", "0.045", "14"),
];
/// Hyperliquid margin tiers: the rate is half the initial margin rate at the tier's maximum
/// leverage (BTC 40× → 1.25 %, 20× → 2.5 %; ETH 25× → 2 %, 15× → 3.33 %; SOL 20× → 2.5 %, 10× → 5 %).
const HYPERLIQUID_BTC: Table = &[("0", "0.0125", "40"), ("150000000", "0.025", "20")];
const HYPERLIQUID_ETH: Table = &[("0", "0.02", "25"), ("100000000", "0.0333333333", "15")];
const HYPERLIQUID_SOL: Table = &[("0", "0.025", "20"), ("70000000", "0.05", "10")];

/// The maintenance table `venue` uses for `symbol` (`None`: the scenario's own brackets). An
/// asset the venue's sources do not cover gets the venue's smallest published market's table.
pub fn table(venue: Venue, symbol: &str) -> Option<Table> {
    Some(match (venue, symbol) {
        (Venue::Simple | Venue::Okx, _) => return None,
        (Venue::Binance, "BTC") => BINANCE_BTC,
        (Venue::Binance, "ETH") => BINANCE_ETH,
        (Venue::Binance, _) => BINANCE_SOL,
        (Venue::Bybit, _) => BYBIT_BTC,
        (Venue::Hyperliquid, "BTC") => HYPERLIQUID_BTC,
        (Venue::Hyperliquid, "ETH") => HYPERLIQUID_ETH,
        (Venue::Hyperliquid, _) => HYPERLIQUID_SOL,
    })
}

fn brackets(t: Table) -> Vec<BracketSpec> {
    t.iter().map(|(f, m, l)| BracketSpec { floor: Money(d(f)), mmr: Ratio(d(m)), max_leverage: Some(d(l)) }).collect()
}

/// The liquidation rules of a pack (`None` for `simple`: the scenario's own).
pub fn liquidation(venue: Venue) -> Option<LiquidationSpec> {
    let median = |minutes: &str| (MarkPriceSpec::Median, Some(d(minutes)));
    let step_down = |tiers: u32, delay: i64, from_tier: u32, until_compliant: bool| StepDownSpec {
        tiers,
        delay_seconds: Decimal::from(delay),
        from_tier,
        until_compliant,
    };
    let (fee, (mark_price, mark_window_minutes), policy) = match venue {
        Venue::Simple => return None,
        Venue::Binance => ("0.0125", median("0.5"), PolicySpec::StepDown),
        Venue::Bybit => ("0", median("5"), PolicySpec::StepDown),
        Venue::Okx => ("0.0005", median("5"), PolicySpec::StepDown),
        Venue::Hyperliquid => ("0", median("2.5"), PolicySpec::Chunks),
    };
    Some(LiquidationSpec {
        policy,
        fee_rate: Ratio(d(fee)),
        mark_price,
        mark_window_minutes,
        chunk: (policy == PolicySpec::Chunks).then(ChunkSpec::default),
        step_down: match venue {
            Venue::Okx => Some(step_down(2, 60, 3, false)),
            _ if policy == PolicySpec::StepDown => Some(step_down(1, 0, StepDownSpec::DEFAULT_FROM, true)),
            _ => None,
        },
        adl: AdlSpec::Queue,
        backstop_below_mm: (venue == Venue::Hyperliquid).then(super::backstop::two_thirds),
    })
}

/// The scenario under its venue's rules: the pack written into the fields it sets, and `venue`
/// back to `simple` (the rules are now the scenario's own). A `simple` scenario is returned as is.
pub fn resolved(s: &Scenario) -> Scenario {
    let mut out = s.clone();
    write(&mut out, s.venue);
    out.venue = Venue::Simple;
    out
}

/// Write `venue`'s pack into the fields it sets (nothing for `simple`); `s.venue` is not touched.
fn write(s: &mut Scenario, venue: Venue) {
    let Some(rules) = liquidation(venue) else { return };
    s.liquidation = rules;
    for a in &mut s.assets {
        if let Some(t) = table(venue, &a.symbol).filter(|_| !a.is_stable()) {
            a.mm_brackets = Some(brackets(t));
        }
        a.collateral_price = PriceSourceSpec::Index;
    }
    if venue == Venue::Hyperliquid {
        s.insurance_fund_usd = Money::ZERO;
    }
}

/// The notice a scenario under a pack gets when it also writes rules of its own, which the pack
/// replaces (`None` when it writes none).
pub fn replaced_notice(s: &Scenario) -> Option<String> {
    if s.venue.is_simple() {
        return None;
    }
    let mut own = vec![];
    if s.liquidation != LiquidationSpec::default() {
        own.push("liquidation");
    }
    let set_by_pack = |a: &super::scenario::AssetSpec| table(s.venue, &a.symbol).is_some() && !a.is_stable();
    if s.assets.iter().any(|a| a.mm_brackets.is_some() && set_by_pack(a)) {
        own.push("assets' mm_brackets");
    }
    if s.venue == Venue::Hyperliquid && !s.insurance_fund_usd.0.is_zero() {
        own.push("insurance_fund_usd (Hyperliquid has no insurance fund)");
    }
    if s.assets.iter().any(|a| a.collateral_price != PriceSourceSpec::Market) {
        own.push("assets' collateral_price");
    }
    (!own.is_empty()).then(|| {
        format!(
            "The {} rules replace the scenario's own {} (use \"venue\": \"simple\" to keep them).",
            s.venue.name(),
            own.join(", ")
        )
    })
}

/// One cited value of a pack: what it is, its value in words, the public source, the source's
/// date and how sure it is (VERIFIED, SECONDARY, ASSUMPTION).
pub struct Citation {
    pub venue: Venue,
    pub rule: &'static str,
    pub value: String,
    pub source: &'static str,
    pub date: &'static str,
    pub status: &'static str,
}

/// "0 → 0.4 % (150×), 300 000 → 0.5 % (100×), …": a bracket table in words (floor → MM rate
/// (maximum leverage)), from the pack's own numbers.
pub fn table_words(t: Table) -> String {
    t.iter()
        .map(|(f, m, l)| {
            format!("{} → {} % ({l}×)", crate::types::group(d(f)), (d(m) * Decimal::ONE_HUNDRED).normalize())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn pct(r: Ratio) -> String {
    format!("{} %", (r.0 * Decimal::ONE_HUNDRED).normalize())
}

/// Every number of every pack with its source, in the order of the docs' table. The values are
/// written from the packs' own data, so the docs cannot disagree with the engine.
pub fn citations() -> Vec<Citation> {
    let mut out = vec![];
    for venue in ALL.into_iter().skip(1) {
        let Some(l) = liquidation(venue) else { continue };
        out.extend(bracket_citations(venue));
        let (source, date, status) = sources(venue, "fee");
        out.push(Citation { venue, rule: "liquidation fee", value: pct(l.fee_rate), source, date, status });
        let window = l.mark_window_minutes.unwrap_or_default().normalize();
        let value = format!("median of index, market and index + basis averaged over {window} min");
        let (source, date, status) = sources(venue, "mark");
        out.push(Citation { venue, rule: "mark price", value, source, date, status });
        let value = policy_words(&l);
        let (source, date, status) = sources(venue, "policy");
        out.push(Citation { venue, rule: "partial liquidation", value, source, date, status });
        let value = match l.backstop_below_mm {
            Some(r) => format!("vault takes over below {} of MM", pct(Ratio(r.0.round_dp(4)))),
            None => "none (the insurance fund)".into(),
        };
        let (source, date, status) = sources(venue, "backstop");
        out.push(Citation { venue, rule: "backstop", value, source, date, status });
        let (source, date, status) = sources(venue, "adl");
        let value = "queue: PnL % × effective leverage, at the bankruptcy price".into();
        out.push(Citation { venue, rule: "auto-deleveraging", value, source, date, status });
        let (source, date, status) = sources(venue, "collateral");
        let value = "at the index; haircuts: the scenario's".into();
        out.push(Citation { venue, rule: "collateral", value, source, date, status });
        if venue == Venue::Hyperliquid {
            let (source, date, status) = sources(venue, "fund");
            out.push(Citation { venue, rule: "insurance fund", value: "0 USD".into(), source, date, status });
        }
    }
    out
}

fn bracket_citations(venue: Venue) -> Vec<Citation> {
    let rows: &[(&str, &str)] = match venue {
        Venue::Binance => &[("BTC", "BTC"), ("ETH", "ETH"), ("SOL", "SOL and any other asset")],
        Venue::Bybit => &[("BTC", "BTC and any other asset")],
        Venue::Hyperliquid => &[("BTC", "BTC"), ("ETH", "ETH"), ("SOL", "SOL and any other asset")],
        _ => &[],
    };
    let mut out: Vec<Citation> = rows
        .iter()
        .filter_map(|(sym, label)| {
            let t = table(venue, sym)?;
            let (source, date, status) = sources(venue, sym);
            let rule = match *label {
                "BTC" => "MM brackets (maximum leverage), BTC",
                "ETH" => "MM brackets (maximum leverage), ETH",
                "SOL" => "MM brackets (maximum leverage), SOL",
                "SOL and any other asset" => "MM brackets (maximum leverage), SOL and any other asset",
                _ => "MM brackets (maximum leverage), BTC and any other asset",
            };
            Some(Citation { venue, rule, value: table_words(t), source, date, status })
        })
        .collect();
    if venue == Venue::Okx {
        let (source, date, status) = sources(venue, "brackets");
        out.push(Citation { venue, rule: "MM brackets", value: "the scenario's own".into(), source, date, status });
    }
    out
}

/// (source, date, status) of one of a pack's numbers.
fn sources(venue: Venue, what: &str) -> (&'static str, &'static str, &'static str) {
    const BINANCE_BRACKETS: &str = "`GET /fapi/v1/leverageBracket` snapshot (via ccxt) in a public freqtrade fork's binance_leverage_tiers.json; first four tiers match a public-endpoint capture of 2025-08-19";
    const HL_TIERS: &str =
        "https://hyperliquid.gitbook.io/hyperliquid-docs/trading/margin-tiers (mmr = IM rate at max leverage ÷ 2)";
    const HL_LIQ: &str = "https://hyperliquid.gitbook.io/hyperliquid-docs/trading/liquidations";
    match (venue, what) {
        (Venue::Binance, "BTC" | "ETH" | "SOL") => (BINANCE_BRACKETS, "2025-10-09", "VERIFIED as data (not a venue page); other assets: ASSUMPTION"),
        (Venue::Binance, "fee") => ("https://www.binance.com/en/support/faq/360033525271 (a fee on the liquidated amount, to the insurance fund); the rate: `GET /fapi/v1/exchangeInfo` field `liquidationFee`, 0.012500 for BTCUSDT in public API-client captures", "undated captures", "ASSUMPTION: the rate was not read on a venue page; one rate for every asset"),
        (Venue::Binance, "mark") => ("Binance announcement \"update funding rate formula and mark price calculations\" (mirrored), effective 2025-09-18: 30 one-second basis samples", "2025-09-16", "SECONDARY; the funding term of Price 1 is left out"),
        (Venue::Binance, "policy") => ("Binance liquidation protocol (copy at https://docs.traderwagon.com/faq/futures-trading-introduction/liquidation-protocol): one IOC order reduces the margin limit, to the bracket that makes the account compliant", "undated", "SECONDARY; no delay: ASSUMPTION"),
        (Venue::Binance, "backstop") => ("https://www.binance.com/en/support/faq/360033525371 (insurance fund)", "2019-09-09", "VERIFIED"),
        (Venue::Binance, "adl") => ("https://www.binance.com/en/support/faq/360033525471: closed at the bankruptcy price; ranked by LeveragePnL", "2019-09-09", "VERIFIED price; the engine's ranking formula is the BitMEX/Bybit one (ASSUMPTION)"),
        (Venue::Binance, "collateral") => ("Binance collateral index change of 2025-10-14 (conversion-rate weights; news reports)", "2025-10-14", "SECONDARY; haircuts not found: the scenario's (ASSUMPTION)"),
        (Venue::Bybit, "BTC") => ("https://bybitx.global/pt-PT/announcement-info/margin-parameters (mirror of Bybit's margin parameters); deductions checked", "undated", "SECONDARY; ETH, SOL and others use BTC's table, and the last rate holds past 80 M (ASSUMPTION)"),
        (Venue::Bybit, "fee") => ("https://blog.bybit.com/bybit-institute/insurance-fund/ : no separate fee; the position is taken over at the bankruptcy price", "2024-01-24", "VERIFIED mechanism; the margin left above the bankruptcy price, which the fund keeps, is not modelled (ASSUMPTION: fee 0)"),
        (Venue::Bybit, "mark") => ("https://testnet.bybit.com/en-US/help-center/s/article/What-is-Dual-Price-mechanism : Price 2 = index + 5-minute MA of the basis", "2024-10-16", "VERIFIED; the funding term is left out"),
        (Venue::Bybit, "policy") => ("https://bybit.com/en-US/help-center/bybitHC_Article?id=000001381 : lower the risk limit to one that satisfies maintenance, then FillOrKill down to it; if still liquidatable, the whole position", "2024-10-28", "VERIFIED; no delay: ASSUMPTION"),
        (Venue::Bybit, "backstop") => ("https://blog.bybit.com/bybit-institute/insurance-fund/", "2024-01-24", "VERIFIED"),
        (Venue::Bybit, "adl") => ("https://bybit.nl/nl-NL/help-center/article/Auto-Deleveraging-ADL : profit × effective leverage, at the bankruptcy price", "2024-09-06", "VERIFIED"),
        (Venue::Bybit, "collateral") => ("https://testnet.bytick.com/en/help-center/article/Assets-Collateral-Value-Ratio-List-UTA : USD index price", "2025-09-18", "VERIFIED source; the tiered ratios there are an example: the scenario's haircuts (ASSUMPTION)"),
        (Venue::Okx, "brackets") => ("`GET /api/v5/public/position-tiers` (not captured)", "—", "ASSUMPTION: tiers not found"),
        (Venue::Okx, "fee") => ("https://www.okx.com/learn/when-would-my-order-be-liquidated : a clearance fee to the insurance fund", "undated", "rate UNVERIFIED; ASSUMPTION: the Lv1 taker fee, 0.05 %"),
        (Venue::Okx, "mark") => ("https://tr.okx.com/help/whats-the-difference-between-oracle-machine-price-index-price-marked-price (OKX DEX perps: 5-minute MA basis)", "2024-04-04", "SECONDARY; ASSUMPTION for CEX swaps"),
        (Venue::Okx, "policy") => ("https://supdljgzdhc.okx.com/hc/en-us/articles/360020411711-V-Forced-Partial-or-Full-Liquidation : reduce by two tiers, re-check after about a minute (tier 3 and above; tiers 1–2 are closed whole)", "≈2019–2020", "SECONDARY, dated; the brackets counted are the scenario's own (OKX's tiers were not found)"),
        (Venue::Okx, "backstop") => ("https://www.okx.com/learn/when-would-my-order-be-liquidated (insurance fund)", "undated", "VERIFIED"),
        (Venue::Okx, "adl") => ("https://www.okx.com/help/iv-introduction-to-auto-deleveraging-adl : matched at the current mark price", "2025-03-06", "SECONDARY; the engine closes at the bankruptcy price (a difference: see \"What the packs do not model\")"),
        (Venue::Okx, "collateral") => ("`GET /api/v5/public/discount-rate-interest-free-quota` (not captured)", "—", "UNVERIFIED index pricing; haircuts: the scenario's (ASSUMPTION)"),
        (Venue::Hyperliquid, "BTC" | "ETH" | "SOL") => (HL_TIERS, "undated", "VERIFIED tiers; other assets use SOL's (ASSUMPTION)"),
        (Venue::Hyperliquid, "fee") => (HL_LIQ, "undated", "VERIFIED: no clearance fee"),
        (Venue::Hyperliquid, "mark") => ("https://hyperliquid.gitbook.io/hyperliquid-docs/trading/robust-price-indices : median of three, one of them oracle + 150 s EMA of the basis", "undated", "VERIFIED; the EMA is approximated by a 2.5-minute mean (ASSUMPTION)"),
        (Venue::Hyperliquid, "policy") => (HL_LIQ, "undated", "VERIFIED (section \"Partial Liquidations\")"),
        (Venue::Hyperliquid, "backstop") => (HL_LIQ, "undated", "VERIFIED: 2/3 of the maintenance margin"),
        (Venue::Hyperliquid, "adl") => ("https://hyperliquid.gitbook.io/hyperliquid-docs/trading/auto-deleveraging : (mark/entry) × (notional/account value), at the previous mark", "undated", "VERIFIED; the engine ranks and prices like the others (a difference: see \"What the packs do not model\")"),
        (Venue::Hyperliquid, "collateral") => ("margining pages: perps are USDC-margined, USDC at 1.0", "undated", "ASSUMPTION: standard mode counts USDC only; the pack keeps the scenario's haircuts for any other collateral"),
        (Venue::Hyperliquid, "fund") => (HL_LIQ, "undated", "VERIFIED: no insurance fund; losses go to the backstop vault, then ADL"),
        _ => ("—", "—", "—"),
    }
}

/// The docs' table of every pack's numbers (Markdown), generated from [`citations`].
pub fn markdown() -> String {
    let mut out = String::from("| venue | rule | value | source | date | status |\n|---|---|---|---|---|---|\n");
    for c in citations() {
        out +=
            &format!("| {} | {} | {} | {} | {} | {} |\n", c.venue.key(), c.rule, c.value, c.source, c.date, c.status);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::margin::Brackets;

    /// The cum offset of bracket `k` (the recursion every venue publishes).
    fn cum(t: Table, k: usize) -> Decimal {
        let rows: Vec<_> = brackets(t).iter().map(|b| (b.floor, b.mmr)).collect();
        Brackets::new(&rows).rows()[k].2 .0
    }

    #[test]
    fn binance_offsets_match_the_published_cum() {
        // cum_n = cum_{n−1} + floor_n × (mmr_n − mmr_{n−1})
        assert_eq!(cum(BINANCE_BTC, 1), d("300")); // 300 000 × 0.001
        assert_eq!(cum(BINANCE_BTC, 2), d("1500")); // + 800 000 × 0.0015
        assert_eq!(cum(BINANCE_BTC, 3), d("12000")); // + 3 M × 0.0035
        assert_eq!(cum(BINANCE_BTC, 4), d("132000")); // + 12 M × 0.01
        assert_eq!(cum(BINANCE_BTC, 5), d("482000")); // + 70 M × 0.005
        assert_eq!(cum(BINANCE_BTC, 6), d("2982000")); // + 100 M × 0.025
        assert_eq!(cum(BINANCE_BTC, 11), d("421482000")); // the published last cum
        assert_eq!(cum(BINANCE_ETH, 5), d("382000")); // 132 000 + 50 M × 0.005
        assert_eq!(cum(BINANCE_ETH, 6), d("2007000")); // + 65 M × 0.025
        assert_eq!(cum(BINANCE_ETH, 11), d("280507000"));
        assert_eq!(cum(BINANCE_SOL, 1), d("75")); // 50 000 × 0.0015
        assert_eq!(cum(BINANCE_SOL, 2), d("1475")); // + 400 000 × 0.0035
        assert_eq!(cum(BINANCE_SOL, 9), d("66731475"));
    }

    /// Hyperliquid: "mmr = (initial margin rate at max leverage) / 2", so each tier's rate is
    /// 1 / (2 × its maximum leverage): BTC 1 / 80 = 1.25 %, 1 / 40 = 2.5 %; ETH 1 / 50 = 2 %,
    /// 1 / 30 = 3.33333333 % (to 10 decimals); SOL 1 / 40 = 2.5 %, 1 / 20 = 5 %.
    #[test]
    fn hyperliquid_rates_are_half_the_initial_margin_at_max_leverage() {
        for t in [HYPERLIQUID_BTC, HYPERLIQUID_ETH, HYPERLIQUID_SOL] {
            for (_, mmr, lev) in t {
                let want = (Decimal::ONE / (Decimal::TWO * d(lev))).round_dp(10);
                assert_eq!(d(mmr), want, "{mmr} at {lev}×");
            }
        }
    }

    /// A position's maximum leverage is its bracket's: Binance BTC 150× up to 300 000 USD,
    /// 100× from there; initial margin = notional / max leverage.
    #[test]
    fn maximum_leverage_follows_the_bracket() {
        let b = Brackets::new(&brackets(BINANCE_BTC).iter().map(|b| (b.floor, b.mmr)).collect::<Vec<_>>())
            .with_max_leverage(brackets(BINANCE_BTC).iter().filter_map(|b| b.max_leverage).collect());
        assert_eq!(b.max_leverage(Money(d("299999.99"))), Some(d("150")));
        assert_eq!(b.max_leverage(Money(d("300000"))), Some(d("100")));
        assert_eq!(b.initial_margin(Money(d("300000"))), Some(Money(d("3000")))); // 300 000 / 100
        assert_eq!(b.initial_margin(Money(d("150000"))), Some(Money(d("1000")))); // 150 000 / 150
        assert_eq!(b.max_leverage(Money(d("5000000000"))), Some(d("1")));
        let none = Brackets::new(&[(Money::ZERO, Ratio(d("0.01")))]);
        assert_eq!(none.initial_margin(Money(d("1000"))), None);
    }

    #[test]
    fn bybit_deductions_match_the_published_table() {
        let published = [
            0, 1_200, 3_020, 4_300, 5_820, 8_460, 15_460, 20_500, 46_000, 66_000, 80_000, 160_000, 300_000, 452_000,
            502_000, 777_000, 837_000, 967_000, 1_107_000, 1_482_000,
        ];
        for (k, want) in published.iter().enumerate() {
            assert_eq!(cum(BYBIT_BTC, k), Decimal::from(*want), "tier {k}");
        }
    }

    #[test]
    fn hyperliquid_deductions_follow_its_formula() {
        // deduction(1) = 150 M × (2.5 % − 1.25 %)
        assert_eq!(cum(HYPERLIQUID_BTC, 1), d("1875000"));
        // 100 M × (3.33333333 % − 2 %)
        assert_eq!(cum(HYPERLIQUID_ETH, 1), d("1333333.33"));
        // 70 M × (5 % − 2.5 %)
        assert_eq!(cum(HYPERLIQUID_SOL, 1), d("1750000"));
    }

    #[test]
    fn keys_round_trip_and_simple_changes_nothing() {
        for v in ALL {
            assert_eq!(Venue::from_key(v.key()), Some(v));
        }
        let s = Scenario::default();
        assert_eq!(resolved(&s), s);
        assert_eq!(replaced_notice(&s), None);
    }

    #[test]
    fn a_pack_replaces_the_rules_and_says_so() {
        let mut s = Scenario { venue: Venue::Hyperliquid, ..Scenario::default() };
        // the default market's 50 M USD fund is one Hyperliquid does not have
        assert!(replaced_notice(&s).is_some_and(|n| n.contains("insurance_fund_usd") && !n.contains("liquidation,")));
        let r = resolved(&s);
        assert_eq!(r.venue, Venue::Simple);
        assert_eq!(r.liquidation.policy, PolicySpec::Chunks);
        assert_eq!(r.insurance_fund_usd, Money::ZERO);
        assert_eq!(r.assets[0].mm_brackets.as_ref().map(|b| b[0].mmr), Some(Ratio(d("0.0125"))));
        assert_eq!(r.assets[3].mm_brackets, None, "a stable asset keeps its own");
        s.liquidation.fee_rate = Ratio(d("0.01"));
        assert!(
            replaced_notice(&s).is_some_and(|n| n.contains("Hyperliquid rules replace the scenario's own liquidation"))
        );
    }
}
