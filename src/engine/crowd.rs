//! The crowd: the rest of the market, generated deterministically, held as *cohorts*.
//!
//! A cohort is a group of accounts that hold exactly the same positions (same quantities, same
//! entry) and differ only in their USD collateral. For such a group, "is this account
//! liquidatable" (`MM ≥ cash + uPnL`) is monotone in the cash: if the account with more cash is
//! liquidatable, so is every account with less. Members are kept sorted by cash, ascending, so
//! the accounts liquidated at a step are always a prefix, and a step costs one exact check of
//! the head member plus one per liquidation, not one per account. See ARCHITECTURE.md.
//!
//! Crowd isolated accounts hold one position with margin `m` and an empty wallet, which values
//! and liquidates exactly like a cross account with cash `m` and that one position, so both
//! kinds share the cohort mechanics; only the label differs.

use super::account::Mode;
use super::account::{Account, AccountId, Ledger};
use super::asset::{known, Asset};
use super::margin::Position;
use super::scenario::{limits, CrowdAssetSpec, CrowdSpec};
use crate::types::{Money, Price, Qty};
use rust_decimal::Decimal;

#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    pub id: u32,
    /// USD in the wallet (negative: a loan).
    pub cash: Money,
    /// `cash` as f64, for the pre-filter.
    pub cash_f: f64,
    /// Collateral held in assets (`crowd.collateral`), empty for an all-USD account.
    pub balances: Vec<(usize, Qty)>,
    /// `balances` as f64, for the pre-filter.
    pub balances_f: Vec<(usize, f64)>,
    pub ledger: Ledger,
}

impl Member {
    pub fn new(id: u32, cash: Money, balances: Vec<(usize, Qty)>, ledger: Ledger) -> Member {
        let balances_f = balances.iter().map(|(a, q)| (*a, q.to_f64())).collect();
        Member { id, cash, cash_f: cash.to_f64(), balances, balances_f, ledger }
    }

    /// Whether this member is at most as well off as `other` at *any* prices: no more USD and no
    /// more of any asset. Then if `other` is liquidatable, so is this member.
    pub fn weaker_or_equal(&self, other: &Member) -> bool {
        let qty = |bs: &[(usize, Qty)], a: usize| bs.iter().find(|b| b.0 == a).map_or(Decimal::ZERO, |b| b.1 .0);
        self.cash <= other.cash
            && self
                .balances
                .iter()
                .chain(&other.balances)
                .all(|&(a, _)| qty(&self.balances, a) <= qty(&other.balances, a))
    }
}

#[derive(Clone, Debug)]
pub struct Cohort {
    /// How the members were generated (for labels); partially liquidated cross accounts move to
    /// new cohorts with the same mode.
    pub mode: Mode,
    pub template: Vec<Position>,
    /// Ascending by cash (most fragile first). Members before `head` have left the cohort.
    pub members: Vec<Member>,
    pub head: usize,
    /// Whether each member is at most as well off as the next one ([`Member::weaker_or_equal`]),
    /// so that the liquidated members are always a prefix. Always true for all-USD members
    /// sorted by cash; members holding assets that arrived at different times may not be, and
    /// then each is checked on its own.
    pub ordered: bool,
    /// Whether any member holds collateral in assets.
    pub holds_assets: bool,
    /// `template` as (asset, quantity, entry) in f64, for the pre-filter in `sim.rs`.
    pub template_f: Vec<(usize, f64, f64)>,
    /// When the members took their partial liquidation (`chunks` policy; all of them at once).
    pub chunked_at: Option<usize>,
    /// A digest of `template_f`: equal templates have equal keys, so cohorts regrouping after a
    /// partial liquidation compare keys before templates (tens of cohorts, every step).
    pub key: u64,
}

/// FNV-1a over a template's f64 copy (−0 read as 0, so that values equal as numbers are equal
/// here too).
fn key_of(t: &[(usize, f64, f64)]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for &(a, q, e) in t {
        for x in [a as u64, (q + 0.0).to_bits(), (e + 0.0).to_bits()] {
            h = (h ^ x).wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

impl Cohort {
    pub fn new(mode: Mode, template: Vec<Position>, members: Vec<Member>) -> Cohort {
        let f = crate::types::dec_to_f64;
        let template_f: Vec<(usize, f64, f64)> = template.iter().map(|p| (p.asset, f(p.qty.0), f(p.entry.0))).collect();
        let key = key_of(&template_f);
        let mut c = Cohort {
            mode,
            template,
            members,
            head: 0,
            ordered: true,
            holds_assets: false,
            template_f,
            chunked_at: None,
            key,
        };
        c.sort();
        c
    }

    pub fn alive(&self) -> usize {
        self.members.len() - self.head
    }

    /// A member as an account (crowd accounts are all margined as cross: see the module docs).
    pub fn account(&self, mem: &Member) -> Account {
        let mut a =
            Account::new(AccountId::Crowd(mem.id), Mode::Cross, mem.cash, mem.balances.clone(), self.template.clone());
        a.ledger = mem.ledger.clone();
        a.chunked_at = self.chunked_at;
        a
    }

    /// Drop the members that left, sort the rest by cash (then id) and say whether they are ordered.
    pub fn sort(&mut self) {
        self.members.drain(..self.head);
        self.head = 0;
        self.members.sort_by(|a, b| a.cash.cmp(&b.cash).then(a.id.cmp(&b.id)));
        self.holds_assets = self.members.iter().any(|m| !m.balances.is_empty());
        self.ordered = !self.holds_assets || self.members.windows(2).all(|w| w[0].weaker_or_equal(&w[1]));
    }
}

/// The last crowd generated and what it was generated from, so that a model rebuilt for settings
/// that leave the crowd's inputs alone (a correlation, a shock, your own leverage: most of a
/// slider's moves) copies it instead of generating it again. The page's handle and safe
/// leverage keep one; the engine keeps none of its own.
#[derive(Default)]
pub struct CrowdMemo {
    last: Option<Memo>,
}

struct Memo {
    spec: CrowdSpec,
    per_asset: std::collections::BTreeMap<String, CrowdAssetSpec>,
    assets: Vec<Asset>,
    cohorts: Vec<Cohort>,
    accounts: u32,
    notices: Vec<String>,
}

/// The crowd's cohorts, generated, or copied from `memo` when it holds a crowd generated from
/// equal inputs (the same cohorts and notices: generating reads nothing else). Problems are
/// reported through `err(path, message)`; a crowd with problems is not kept.
pub fn generate_memo(
    memo: &mut CrowdMemo,
    err: &mut dyn FnMut(String, String),
    notices: &mut Vec<String>,
    spec: &CrowdSpec,
    per_asset: &std::collections::BTreeMap<String, CrowdAssetSpec>,
    assets: &[Asset],
) -> (Vec<Cohort>, u32) {
    if let Some(m) = &memo.last {
        if m.spec == *spec && m.per_asset == *per_asset && m.assets == assets {
            notices.extend(m.notices.iter().cloned());
            return (m.cohorts.clone(), m.accounts);
        }
    }
    let mut problems = false;
    let mut own = vec![];
    let (cohorts, accounts) = generate(
        &mut |path, message| {
            problems = true;
            err(path, message)
        },
        &mut own,
        spec,
        per_asset,
        assets,
    );
    memo.last = (!problems).then(|| Memo {
        spec: spec.clone(),
        per_asset: per_asset.clone(),
        assets: assets.to_vec(),
        cohorts: cohorts.clone(),
        accounts,
        notices: own.clone(),
    });
    notices.extend(own);
    (cohorts, accounts)
}

/// Generate the crowd's cohorts (called through [`generate_memo`]).
fn generate(
    err: &mut dyn FnMut(String, String),
    notices: &mut Vec<String>,
    spec: &CrowdSpec,
    per_asset: &std::collections::BTreeMap<String, CrowdAssetSpec>,
    assets: &[Asset],
) -> (Vec<Cohort>, u32) {
    let n = spec.accounts;
    let spec_ok = check_spec(err, spec);
    let (specs, specs_ok) = asset_specs(err, spec, per_asset, assets);
    let (mix, mix_ok) = collateral_mix(err, spec, assets);
    // (an asset without a positive price is already a problem of its own: nothing to size by)
    let priced = assets.iter().all(|a| a.price0.0 > Decimal::ZERO);
    if !spec_ok || !specs_ok || !mix_ok || !priced || n == 0 || specs.is_empty() {
        return (vec![], 0);
    }
    let groups = groups(spec, &specs, assets);
    let counts = apportion(n, &groups.iter().map(|g| g.total).collect::<Vec<_>>());
    let mut cohorts = vec![];
    let mut next_id = 0u32;
    let mut short: Option<(usize, String)> = None;
    let mut at_max: Vec<(u32, Decimal, &str)> = vec![];
    for (g, &k) in groups.iter().zip(&counts) {
        if k == 0 || g.legs.is_empty() {
            continue;
        }
        let mix: &[(usize, Decimal)] = if g.mode == Mode::Cross { &mix } else { &[] };
        if let Some(mut c) = cohort(g, k, assets, &mut next_id, notices, &mut at_max) {
            for mem in c.members.iter_mut() {
                if let Err(e) = hold(mem, mix, assets) {
                    short = short.or(Some(e));
                }
            }
            c.sort();
            cohorts.push(c);
        }
    }
    if let Some((a, why)) = short {
        err(format!("crowd.collateral.{}", assets[a].symbol), why);
        return (vec![], 0);
    }
    notices.extend(at_max_notice(&at_max, next_id));
    (cohorts, next_id)
}

/// One notice for every crowd account the brackets' maximum leverage capped (`at_max`: how many
/// of a cohort, at what leverage, and the setting whose range went higher), out of `n`.
fn at_max_notice(at_max: &[(u32, Decimal, &str)], n: u32) -> Option<String> {
    let capped: u32 = at_max.iter().map(|c| c.0).sum();
    let lo = at_max.iter().map(|c| c.1).min()?;
    let hi = at_max.iter().map(|c| c.1).max()?;
    let mut labels: Vec<&str> = at_max.iter().map(|c| c.2).collect();
    labels.sort_unstable();
    labels.dedup();
    let range = if lo == hi {
        format!("{}×", lo.round_dp(2).normalize())
    } else {
        format!("{}× to {}× by asset and size", lo.round_dp(2).normalize(), hi.round_dp(2).normalize())
    };
    let (verb, them) = if capped == 1 { ("opens", "it") } else { ("open", "them") };
    let who = match (capped, n) {
        (1, 1) => "The one crowd account".to_string(),
        (c, n) if c == n => format!("All {} crowd accounts", crate::types::group(Decimal::from(n))),
        (c, n) => format!(
            "{} of the {} crowd accounts",
            crate::types::group(Decimal::from(c)),
            crate::types::group(Decimal::from(n))
        ),
    };
    Some(format!(
        "{who} {verb} at the brackets' maximum leverage ({range}) instead of the higher leverage the crowd's range gave {them} (set by {}).",
        labels.join(", ")
    ))
}

/// A leverage within the allowed range.
fn lev_ok(x: Decimal) -> bool {
    x >= Decimal::ONE && x <= Decimal::from(limits::MAX_LEVERAGE)
}

/// Check the crowd's own fields (size and leverage range); false if any is invalid.
fn check_spec(err: &mut dyn FnMut(String, String), spec: &CrowdSpec) -> bool {
    let n = spec.accounts;
    let mut ok = true;
    if n > limits::MAX_CROWD_ACCOUNTS {
        err(
            "crowd.accounts".into(),
            format!("at most {} crowd accounts are allowed (the crowd limit), got {n}", limits::MAX_CROWD_ACCOUNTS),
        );
        ok = false;
    }
    for (name, x) in [("leverage_min", spec.leverage_min), ("leverage_max", spec.leverage_max)] {
        if !lev_ok(x) {
            err(format!("crowd.{name}"), format!("must be a leverage between 1 and {}, got {x}", limits::MAX_LEVERAGE));
            ok = false;
        }
    }
    if spec.leverage_min > spec.leverage_max {
        err(
            "crowd.leverage_min".into(),
            format!("must not exceed leverage_max ({} > {})", spec.leverage_min, spec.leverage_max),
        );
        ok = false;
    }
    ok
}

/// The per-asset specs (`CrowdSpec::assets_or_default`), checked, in asset order; false if any is invalid.
fn asset_specs(
    err: &mut dyn FnMut(String, String),
    spec: &CrowdSpec,
    per_asset: &std::collections::BTreeMap<String, CrowdAssetSpec>,
    assets: &[Asset],
) -> (Vec<(usize, CrowdAssetSpec)>, bool) {
    let mut ok = true;
    let mut v = vec![];
    for (sym, s) in per_asset {
        match assets.iter().position(|a| a.symbol == *sym) {
            None => {
                err(format!("crowd.assets.{sym}"), format!("unknown symbol {sym:?} (assets: {})", known(assets)));
                ok = false;
            }
            Some(i) => {
                if !check_asset_spec(err, spec, sym, s) {
                    ok = false;
                }
                v.push((i, s.clone()));
            }
        }
    }
    v.sort_by_key(|(i, _)| *i);
    (v, ok)
}

/// Check one asset's crowd spec (at `crowd.assets.SYM`); false if any field is invalid.
fn check_asset_spec(err: &mut dyn FnMut(String, String), spec: &CrowdSpec, sym: &str, s: &CrowdAssetSpec) -> bool {
    let path = |f: &str| format!("crowd.assets.{sym}.{f}");
    let mut ok = true;
    let max = Decimal::from(limits::MAX_USD);
    if s.open_interest_usd.0 < Decimal::ZERO || s.open_interest_usd.0 > max {
        err(path("open_interest_usd"), format!("must be between 0 and {max} USD, got {}", s.open_interest_usd));
        ok = false;
    }
    for (f, r) in [("long_share", s.long_share), ("cross_share", s.cross_share)] {
        if r.0 < Decimal::ZERO || r.0 > Decimal::ONE {
            err(path(f), format!("must be a fraction between 0 and 1, got {r}"));
            ok = false;
        }
    }
    for (f, x) in [("leverage_min", s.leverage_min), ("leverage_max", s.leverage_max)] {
        if let Some(x) = x {
            if !lev_ok(x) {
                err(path(f), format!("must be a leverage between 1 and {}, got {x}", limits::MAX_LEVERAGE));
                ok = false;
            }
        }
    }
    let (lo, hi) = (s.leverage_min.unwrap_or(spec.leverage_min), s.leverage_max.unwrap_or(spec.leverage_max));
    if lo > hi {
        err(path("leverage_min"), format!("must not exceed leverage_max ({lo} > {hi})"));
        ok = false;
    }
    ok
}

/// A group of crowd accounts to generate: one side of the cross crowd or of an asset's isolated crowd.
struct Group {
    mode: Mode,
    label: String,
    what: String,
    /// (asset, signed USD notional for the whole group)
    legs: Vec<(usize, Decimal)>,
    lo: Decimal,
    hi: Decimal,
    total: Decimal,
}

/// The groups: cross long, cross short (holding every asset), then isolated long/short per asset.
fn groups(spec: &CrowdSpec, specs: &[(usize, CrowdAssetSpec)], assets: &[Asset]) -> Vec<Group> {
    let mut groups: Vec<Group> = vec![];
    for long in [true, false] {
        let legs: Vec<(usize, Decimal)> = specs
            .iter()
            .map(|(i, s)| {
                let side = if long { s.long_share.0 } else { Decimal::ONE - s.long_share.0 };
                (*i, s.open_interest_usd.0 * s.cross_share.0 * side)
            })
            .filter(|(_, x)| *x > Decimal::ZERO)
            .map(|(i, x)| (i, if long { x } else { -x }))
            .collect();
        let total = legs.iter().map(|(_, x)| x.abs()).sum();
        let what = format!("cross {} crowd accounts", if long { "long" } else { "short" });
        let label = "crowd.leverage_max".to_string();
        groups.push(Group {
            mode: Mode::Cross,
            label,
            what,
            legs,
            lo: spec.leverage_min,
            hi: spec.leverage_max,
            total,
        });
    }
    for (i, s) in specs {
        for long in [true, false] {
            groups.push(isolated_group(spec, *i, s, long, assets));
        }
    }
    groups
}

/// The isolated long or short accounts of asset `i`.
fn isolated_group(spec: &CrowdSpec, i: usize, s: &CrowdAssetSpec, long: bool, assets: &[Asset]) -> Group {
    let side = if long { s.long_share.0 } else { Decimal::ONE - s.long_share.0 };
    let x = s.open_interest_usd.0 * (Decimal::ONE - s.cross_share.0) * side;
    let what = format!("isolated {} {} crowd accounts", assets[i].symbol, if long { "long" } else { "short" });
    let label = if s.leverage_max.is_some() {
        format!("crowd.assets.{}.leverage_max", assets[i].symbol)
    } else {
        "crowd.leverage_max".into()
    };
    Group {
        mode: Mode::Isolated,
        label,
        what,
        legs: if x > Decimal::ZERO { vec![(i, if long { x } else { -x })] } else { vec![] },
        lo: s.leverage_min.unwrap_or(spec.leverage_min),
        hi: s.leverage_max.unwrap_or(spec.leverage_max),
        total: x.max(Decimal::ZERO),
    }
}

/// The crowd's collateral mix (`crowd.collateral`): (asset, share of the collateral value),
/// checked; false if any share is invalid. USD holds the rest: a loan when the shares add up to
/// more than 1 (assets bought with borrowed dollars).
fn collateral_mix(
    err: &mut dyn FnMut(String, String),
    spec: &CrowdSpec,
    assets: &[Asset],
) -> (Vec<(usize, Decimal)>, bool) {
    let mut ok = true;
    let mut mix = vec![];
    let mut total = Decimal::ZERO;
    let max = Decimal::from(limits::MAX_COLLATERAL_SHARES);
    for (sym, share) in &spec.collateral {
        let path = format!("crowd.collateral.{sym}");
        let index = assets.iter().position(|a| a.symbol == *sym);
        let problem = if share.0 < Decimal::ZERO || share.0 > max {
            Some(format!("must be a share between 0 and {max} of the collateral value, got {share}"))
        } else if sym == "USD" {
            Some("USD holds whatever the assets do not: list assets only".to_string())
        } else if let Some(i) = index {
            (!assets[i].tiers.counts_anything() && !share.0.is_zero())
                .then(|| format!("{sym} has a 100 % haircut: as collateral it counts for nothing"))
        } else {
            Some(format!("unknown asset {sym:?} (assets: {})", known(assets)))
        };
        match (problem, index) {
            (Some(p), _) => {
                err(path, p);
                ok = false;
            }
            (None, Some(i)) if !share.0.is_zero() => {
                total += share.0;
                mix.push((i, share.0));
            }
            _ => {}
        }
    }
    if total > max {
        err("crowd.collateral".into(), format!("the shares add up to {total}, more than {max}"));
        ok = false;
    }
    mix.sort_by_key(|m| m.0);
    (mix, ok)
}

/// One group's cohort of `k` accounts (ids from `next_id`; `None` if its positions round to
/// nothing), holding their collateral as `mix` (empty: all USD).
/// Members the brackets' maximum leverage capped go to `at_max` (one notice for the crowd); the
/// others capped get a notice of their cohort's own.
fn cohort<'g>(
    g: &'g Group,
    k: u32,
    assets: &[Asset],
    next_id: &mut u32,
    notices: &mut Vec<String>,
    at_max: &mut Vec<(u32, Decimal, &'g str)>,
) -> Option<Cohort> {
    let kd = Decimal::from(k);
    let template: Vec<Position> = g
        .legs
        .iter()
        .map(|&(a, usd)| {
            let p0: Price = assets[a].price0;
            Position { asset: a, qty: Qty((usd / kd / p0.0).round_dp(8)), entry: p0, margin: Money::ZERO }
        })
        .filter(|p| !p.qty.is_zero())
        .collect();
    if template.is_empty() {
        return None;
    }
    let notional: Money = template.iter().map(|p| p.notional(p.entry)).sum();
    let (cap, venue) = leverage_cap(&template, notional, assets);
    let (members, capped) = members(g, k, notional, cap, next_id);
    if capped > 0 && venue {
        at_max.push((capped, cap.unwrap_or_default(), &g.label));
    } else if capped > 0 {
        notices.push(format!(
            "{capped} of the {k} {} were capped at {}× leverage: at {} USD of positions each, the maintenance-margin brackets allow no more (set by {})",
            g.what,
            cap.unwrap_or_default().round_dp(2),
            notional.0.round_dp(0),
            g.label
        ));
    }
    Some(Cohort::new(g.mode, template, members))
}

/// The highest leverage an account holding `template` (worth `notional`) may open at, and whether
/// the brackets' maximum leverage sets it (its initial margin, Σ notional / max leverage, is the
/// least cash it needs). In any case it is at most 90 % of the leverage at which the account
/// would open liquidatable (cash = N / L > MM, i.e. L < N / MM: a large account may not use the
/// crowd's full range).
fn leverage_cap(template: &[Position], notional: Money, assets: &[Asset]) -> (Option<Decimal>, bool) {
    let mm: Money = template.iter().map(|p| assets[p.asset].brackets.mm(p.notional(p.entry))).sum();
    let healthy = (mm.0 > Decimal::ZERO).then(|| (notional.0 / mm.0 * Decimal::new(9, 1)).round_dp(4));
    let venue = super::margin::initial_margin(template, |p| p.entry, assets)
        .filter(|im| im.0 > Decimal::ZERO)
        .and_then(|im| notional.0.checked_div(im.0))
        .map(|l| l.round_dp_with_strategy(4, rust_decimal::RoundingStrategy::ToZero));
    match (healthy, venue) {
        (h, Some(v)) if h.is_none_or(|h| v <= h) => (Some(v), true),
        (h, _) => (h, false),
    }
}

/// The `k` members of a cohort holding `notional` each, sorted by cash, and how many were capped at `cap`.
fn members(g: &Group, k: u32, notional: Money, cap: Option<Decimal>, next_id: &mut u32) -> (Vec<Member>, u32) {
    let (llo, lhi) = (crate::types::dec_to_f64(g.lo).ln_safe(), crate::types::dec_to_f64(g.hi).ln_safe());
    // Quantile (j + 0.5)/k of the log-uniform range; highest leverage (least cash) first.
    let mut members = Vec::with_capacity(k as usize);
    let mut capped = 0u32;
    for j in (0..k).rev() {
        let u = (j as f64 + 0.5) / k as f64;
        let lev = libm::exp(llo + u * (lhi - llo));
        let mut lev = crate::types::dec_dp(lev, 6).unwrap_or(Decimal::ONE).clamp(g.lo, g.hi);
        if let Some(c) = cap {
            if lev > c {
                lev = c.max(Decimal::ONE);
                capped += 1;
            }
        }
        let cash = Money((notional.0 / lev).round_dp(2));
        members.push(Member::new(*next_id, cash, vec![], Ledger { opening_cash: cash, ..Ledger::default() }));
        *next_id += 1;
    }
    members.sort_by(|a, b| a.cash.cmp(&b.cash).then(a.id.cmp(&b.id)));
    (members, capped)
}

/// Hold a member's collateral (all USD, as generated) as `mix`: each asset's share of the
/// collateral value, after its tiers, at the opening price (quantities to 8 decimals); USD the
/// rest. Err((asset, why)) when the asset's tiers cannot count that much at any size, or when the
/// balance would be worth more than the USD limit (the limit hand-listed balances have).
fn hold(m: &mut Member, mix: &[(usize, Decimal)], assets: &[Asset]) -> Result<(), (usize, String)> {
    if mix.is_empty() {
        return Ok(());
    }
    let value = m.cash.0;
    let mut usd = value;
    let mut balances = Vec::with_capacity(mix.len());
    for &(a, share) in mix {
        let part = value * share;
        usd -= part;
        let (sym, p0, tiers) = (&assets[a].symbol, assets[a].price0.0, &assets[a].tiers);
        let Some(q) = tiers.balance_for(part, p0) else {
            let most = tiers.most_counted().unwrap_or_default() * p0;
            return Err((a, format!(
                "a crowd account would hold {} USD of {sym}, but {sym}'s collateral tiers count at most {} USD of any balance; lower the share or the crowd's size",
                part.round_dp(2).normalize(),
                most.round_dp(2).normalize()
            )));
        };
        let q = q.round_dp(8);
        let max = Decimal::from(limits::MAX_USD);
        if q.checked_mul(p0).is_none_or(|v| v > max) {
            return Err((a, format!(
                "a crowd account would hold {q} {sym}, worth more than the {max} USD limit at the opening price; lower the share, raise what {sym} counts, or shrink the crowd"
            )));
        }
        if !q.is_zero() {
            balances.push((a, Qty(q)));
        }
    }
    let cash = Money(usd.round_dp(2));
    *m = Member::new(m.id, cash, balances, Ledger { opening_cash: cash, ..Ledger::default() });
    Ok(())
}

trait LnSafe {
    fn ln_safe(self) -> f64;
}
impl LnSafe for f64 {
    fn ln_safe(self) -> f64 {
        libm::log(self.max(1.0))
    }
}

/// Largest-remainder apportionment of `n` seats to groups by weight; every group with positive
/// weight gets at least one seat while seats last.
pub fn apportion(n: u32, weights: &[Decimal]) -> Vec<u32> {
    let total: Decimal = weights.iter().copied().filter(|w| *w > Decimal::ZERO).sum();
    let mut out = vec![0u32; weights.len()];
    if total.is_zero() || n == 0 {
        return out;
    }
    let nd = Decimal::from(n);
    let mut rema: Vec<(Decimal, usize)> = vec![];
    let mut used = 0u32;
    for (i, w) in weights.iter().enumerate() {
        if *w <= Decimal::ZERO {
            continue;
        }
        let exact = nd * *w / total;
        let fl = exact.floor();
        out[i] = u32::try_from(fl.mantissa() / 10i128.pow(fl.scale())).unwrap_or(0);
        used += out[i];
        rema.push((exact - fl, i));
    }
    rema.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut left = n.saturating_sub(used);
    for (_, i) in rema.iter().cycle().take(rema.len()) {
        if left == 0 {
            break;
        }
        out[*i] += 1;
        left -= 1;
    }
    // Give empty positive groups one seat, taken from the largest.
    for i in 0..weights.len() {
        if weights[i] > Decimal::ZERO && out[i] == 0 {
            if let Some(j) = (0..out.len()).max_by_key(|&j| out[j]) {
                if out[j] > 1 {
                    out[j] -= 1;
                    out[i] += 1;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_templates_have_equal_keys() {
        assert_eq!(key_of(&[(0, 1.5, 100.0), (2, -3.0, 7.0)]), key_of(&[(0, 1.5, 100.0), (2, -3.0, 7.0)]));
        // −0 and 0 are equal numbers: one key
        assert_eq!(key_of(&[(1, -0.0, 5.0)]), key_of(&[(1, 0.0, 5.0)]));
        // (different ones differ here, though only equality is relied on)
        assert_ne!(key_of(&[(0, 1.5, 100.0)]), key_of(&[(1, 1.5, 100.0)]));
        assert_ne!(key_of(&[(0, 1.5, 100.0)]), key_of(&[(0, 1.5, 100.5)]));
    }

    #[test]
    fn the_capped_crowd_is_counted_in_words() {
        let ten = Decimal::from(10);
        let words = |capped: u32, n: u32| at_max_notice(&[(capped, ten, "crowd.lev_max")], n).unwrap_or_default();
        assert!(words(1, 1).starts_with("The one crowd account opens at the brackets' maximum leverage (10×)"));
        assert!(words(1, 5).starts_with("1 of the 5 crowd accounts opens"));
        assert!(words(1, 5).contains("gave it (set by crowd.lev_max)"));
        assert!(words(3, 5).starts_with("3 of the 5 crowd accounts open"));
        assert!(words(2000, 2000).starts_with("All 2,000 crowd accounts open"));
        assert_eq!(at_max_notice(&[], 5), None);
    }

    #[test]
    fn apportion_adds_up() {
        let w: Vec<Decimal> = ["3", "1", "0", "0.001"].iter().map(|s| s.parse().unwrap()).collect();
        let a = apportion(10, &w);
        assert_eq!(a.iter().sum::<u32>(), 10);
        assert_eq!(a[2], 0);
        assert!(a[3] >= 1, "a tiny positive group still gets an account: {a:?}");
        assert_eq!(apportion(7, &[Decimal::ONE; 7]), vec![1; 7]);
    }
}
