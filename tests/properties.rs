//! Property tests over random scenarios: exact conservation of value (rebuilt from the event
//! log alone), no panic for anything validation accepts, determinism of seeds.

mod common;
use common::*;
use margin_cascade::engine::account::AccountId;
use margin_cascade::engine::liquidation::EventKind;
use margin_cascade::engine::sim::Run;
use margin_cascade::types::Money;
use margin_cascade::{simulate, Model, Outcome, Scenario};
use proptest::prelude::*;
use serde_json::json;
use std::collections::HashMap;

/// Rebuild every account's cash from its opening cash and the events, and the fund from its
/// opening balance and the events; both must match the engine's final state exactly.
fn check_conservation(r: &Run) {
    let accounts = r.all_accounts();
    let mut cash: HashMap<AccountId, Money> = accounts.iter().map(|a| (a.id, a.ledger.opening_cash)).collect();
    let mut fund = r.fund.opening;
    let mut uncovered = Money::ZERO;
    // what deleveraged positions paid toward each (bankrupt account, step), and what its write-off says ADL covered
    let mut adl_paid: HashMap<(AccountId, usize), (Money, Money)> = HashMap::new();
    let mut vault = Money::ZERO;
    for e in &r.events {
        let c = cash.get_mut(&e.account).expect("event for a known account");
        match &e.kind {
            EventKind::Liquidation { fee, realized_pnl, .. } => {
                *c += *realized_pnl - *fee;
                fund += *fee;
                assert!(fee.0 >= rust_decimal::Decimal::ZERO, "fees are never negative");
            }
            EventKind::CollateralSale { proceeds, .. } => *c += *proceeds,
            EventKind::BadDebt { amount, fund_paid, adl_paid: adl, uncovered: u } => {
                *c += *amount;
                fund -= *fund_paid;
                uncovered += *u;
                assert_eq!(*amount, *fund_paid + *adl + *u);
                adl_paid.entry((e.account, e.step)).or_default().1 += *adl;
            }
            EventKind::Backstop { realized_pnl, .. } => *c += *realized_pnl,
            EventKind::BackstopCash { amount } => {
                *c -= *amount;
                vault += *amount;
            }
            EventKind::Adl { realized_pnl, paid, bankrupt, .. } => {
                *c += *realized_pnl - *paid;
                assert!(paid.0 > rust_decimal::Decimal::ZERO, "a deleveraged position pays something");
                adl_paid.entry((*bankrupt, e.step)).or_default().0 += *paid;
            }
        }
    }
    assert_eq!(vault, r.vault.cash, "the backstop vault holds the cash passed to it");
    for ((who, step), (paid, covered)) in &adl_paid {
        assert_eq!(paid, covered, "{who:?} at step {step}: deleveraged positions paid exactly what ADL covered");
    }
    for a in &accounts {
        assert_eq!(a.total_cash(), cash[&a.id], "account {:?}: cash vs opening + events", a.id);
        // the per-account ledger agrees too
        let l = &a.ledger;
        assert_eq!(
            a.total_cash(),
            l.opening_cash + l.realized_pnl - l.fees + l.sale_proceeds + l.bad_debt_written_off
                - l.adl_paid
                - l.backstop_transferred
        );
    }
    assert_eq!(r.fund.balance, fund, "fund: opening + fees − bad debt paid");
    assert_eq!(r.fund.uncovered_bad_debt, uncovered);
    assert!(r.fund.balance.0 >= rust_decimal::Decimal::ZERO, "the fund never goes negative");
    // MODEL §5's identity for every account whose book is all USD at the end (no positions,
    // no collateral): opening equity + realised PnL − fees = closing equity − bad debt written off
    for a in &accounts {
        if a.positions.is_empty() && a.balances.is_empty() && a.ledger.sale_proceeds.is_zero() {
            let l = &a.ledger;
            assert_eq!(
                l.opening_cash + l.realized_pnl - l.fees - l.adl_paid - l.backstop_transferred,
                a.total_cash() - l.bad_debt_written_off
            );
        }
    }
    assert!(margin_cascade::engine::conservation::check(r).exact);
}

/// Quantities per asset.
type Book = HashMap<usize, rust_decimal::Decimal>;

fn book<T>(items: &[T], of: impl Fn(&T) -> (usize, rust_decimal::Decimal)) -> Book {
    let mut b = Book::new();
    for (a, q) in items.iter().map(of).filter(|x| !x.1.is_zero()) {
        *b.entry(a).or_default() += q;
    }
    b
}

/// Rebuild every account's holdings of one kind from its opening ones (the model's, through
/// `open`) and what its events traded (`traded`); they must match the engine's final state
/// (`now`) exactly.
fn check_rebuilt(
    m: &Model,
    r: &Run,
    open: impl Fn(&margin_cascade::engine::account::Account) -> Book,
    traded: impl Fn(&EventKind) -> Option<(usize, rust_decimal::Decimal)>,
    what: &str,
) {
    use margin_cascade::engine::account::Account;
    let focal = if r.focal_mode == m.focal.mode { &m.focal } else { &m.focal_other };
    let opening = |id, a: &margin_cascade::engine::account::AccountInit| {
        open(&Account::new(id, a.mode, a.cash, a.balances.clone(), a.positions.clone()))
    };
    let mut held: HashMap<AccountId, Book> = HashMap::new();
    held.insert(AccountId::Focal, opening(AccountId::Focal, focal));
    for (k, a) in m.explicit.iter().enumerate() {
        held.insert(AccountId::Explicit(k as u32), opening(AccountId::Explicit(k as u32), a));
    }
    for c in &m.cohorts {
        for mem in &c.members {
            held.insert(AccountId::Crowd(mem.id), open(&c.account(mem)));
        }
    }
    for e in &r.events {
        if let Some((asset, q)) = traded(&e.kind) {
            *held.get_mut(&e.account).unwrap().entry(asset).or_default() += q;
        }
    }
    for a in r.all_accounts() {
        let mut want = held.remove(&a.id).unwrap();
        want.retain(|_, q| !q.is_zero());
        assert_eq!(open(&a), want, "account {:?}: {what} vs opening + events", a.id);
    }
}

/// Asset balances: the opening ones and the collateral trades (sales, buy-backs of a loan).
fn check_balances(m: &Model, r: &Run) {
    let traded = |k: &EventKind| match k {
        EventKind::CollateralSale { asset, quantity, .. } => Some((*asset, quantity.0)),
        EventKind::Backstop { asset, quantity, collateral: true, .. } => Some((*asset, quantity.0)),
        _ => None,
    };
    check_rebuilt(m, r, |a| book(&a.balances, |b| (b.0, b.1 .0)), traded, "balances");
}

/// Positions: the opening ones and the quantities liquidations sold, whole or a chunk at a time,
/// and what auto-deleveraging closed.
fn check_positions(m: &Model, r: &Run) {
    let traded = |k: &EventKind| match k {
        EventKind::Liquidation { asset, quantity, .. }
        | EventKind::Adl { asset, quantity, .. }
        | EventKind::Backstop { asset, quantity, collateral: false, .. } => Some((*asset, quantity.0)),
        _ => None,
    };
    check_rebuilt(m, r, |a| book(&a.positions, |p| (p.asset, p.qty.0)), traded, "positions");
}

fn check_all(o: &Outcome) {
    check_conservation(&o.main);
    check_conservation(&o.no_feedback);
    check_conservation(&o.other_mode);
    let n = o.main.series.price[0].len();
    for p in o.main.series.price.iter().flatten() {
        assert!(p.0 > rust_decimal::Decimal::ZERO, "prices stay positive");
    }
    assert!(o.main.series.focal_equity.len() == n && o.main.series.bad_debt.len() == n);
}

/// The liquidation settings of a random scenario: a policy (chunks of 30 % above 20 000 USD with a
/// cooldown of two steps, so that partial fills, cooldowns and remainders all happen; or a step-down,
/// as far as the account needs or OKX's two brackets from the third up), a mark rule,
/// and an auto-deleveraging rule (off, queue or pro rata).
fn liquidation(full: bool, chunks: bool, mark: usize) -> serde_json::Value {
    // with `chunks`, a median mark draws the step-down policy instead (both sell part of a position)
    let policy = match (chunks, mark) {
        (true, 2) => "step_down",
        (true, _) => "chunks",
        (false, _) if full => "full",
        _ => "largest_mm_first",
    };
    let mut l = json!({"policy": policy,
                       "mark_price": (["market", "index", "median"][mark]),
                       "adl": (["off", "queue", "pro_rata"][(mark + usize::from(full)) % 3])});
    if (mark + usize::from(chunks)) % 2 == 1 {
        // Hyperliquid's backstop at 2/3 of maintenance margin
        l["backstop_below_mm"] = json!("0.6666666667");
    }
    if policy == "chunks" {
        l["chunk"] = json!({"min_notional_usd": "20000", "fraction": "0.3", "cooldown_seconds": "600"});
    }
    if policy == "step_down" {
        // OKX's shape (two brackets, from the third up) in half of them, Binance's and Bybit's
        // (as far as the account needs) in the other half
        let (tiers, from, until) = if full { (1, 2, true) } else { (2, 3, false) };
        l["step_down"] = json!({"tiers": tiers, "delay_seconds": "600", "from_tier": from, "until_compliant": until});
    }
    l
}

/// A random scenario: 1–5 assets, random crowd, random focal book, shocks, impact settings.
fn arb_scenario() -> impl Strategy<Value = serde_json::Value> {
    (
        1usize..=5,
        any::<u32>(),
        0u32..300,
        prop::bool::ANY,
        prop::bool::ANY,
        0usize..3,
        (-0.3f64..0.95),
        (1u32..40, -60i32..30),
        (2u32..30, prop::bool::ANY, prop::bool::ANY),
        prop::collection::vec((1u32..8, 0u32..3), 0..4),
        prop::collection::vec(0u32..300, 0..3),
        (0usize..3, prop::bool::ANY, -30i32..10, prop::bool::ANY),
    )
        .prop_map(|(n, seed, crowd, noise, feedback, model, rho, (shock_step, shock_pct), (lev, isolated, full), explicit, mix, (mark, at_index, venue_pct, chunks))| {
            let syms = ["AAA", "BBB", "CCC", "DDD", "STB"];
            let assets: Vec<_> = (0..n)
                .map(|i| {
                    let stable = i == 4;
                    let price = ["100000", "3500", "1.2345", "0.5", "1"][i];
                    let tick = ["0.1", "0.01", "0.0001", "0.0001", "0.0001"][i];
                    let depth = ["5000000", "2000000", "300000", "100000", "1000000"][i];
                    let haircut = ["0.02", "0.05", "0.1", "0.2", "0"][i];
                    let mut a = json!({"symbol": syms[i], "price": price,
                           "tick": tick,
                           "sigma": if stable { 0.0 } else { 0.3 + 0.2 * i as f64 },
                           "depth_usd": depth,
                           "half_life_steps": if i % 2 == 0 { json!(null) } else { json!(6) },
                           "daily_volume_usd": "100000000",
                           "haircut": haircut});
                    if at_index && i % 2 == 1 {
                        // collateral valued at the index (the others at the venue's market)
                        a["collateral_price"] = json!("index");
                    }
                    if i == 0 {
                        // maintenance brackets, so that a step-down has brackets to step through
                        a["mm_brackets"] = json!([{"floor": "0", "mmr": "0.004"}, {"floor": "20000", "mmr": "0.006"},
                                                  {"floor": "60000", "mmr": "0.01"}]);
                    }
                    if i == 1 {
                        // collateral tiers by balance size, the last counting nothing
                        a["haircut"] = json!("0");
                        a["collateral_tiers"] = json!([{"from": "0", "ratio": "0.97"}, {"from": "1", "ratio": "0.9"},
                                                       {"from": "3", "ratio": "0.5"}, {"from": "50", "ratio": "0"}]);
                    }
                    a
                })
                .collect();
            let positions: Vec<_> = (0..n.min(4))
                .map(|i| json!({"asset": syms[i], "side": if i % 2 == 0 {"long"} else {"short"},
                                "notional_usd": "50000", "leverage": lev.to_string()}))
                .collect();
            let mut collateral = serde_json::Map::new();
            collateral.insert("USD".into(), json!("20000"));
            if n >= 2 {
                collateral.insert("BBB".into(), json!("2"));
            }
            if n >= 3 {
                // a loan of an asset: 1 000 CCC owed (about 1 234 USD)
                collateral.insert("CCC".into(), json!("-1000"));
            }
            let accounts: Vec<_> = explicit
                .iter()
                .map(|(k, m)| {
                    let a = syms[(*k as usize) % n.min(4)];
                    json!({"mode": if *m == 1 {"isolated"} else {"cross"}, "collateral": {"USD": (5000 * k).to_string()},
                           "positions": [{"asset": a, "notional_usd": (20000 * k).to_string(), "leverage": "5"}]})
                })
                .collect();
            // the crowd's collateral: shares (in %) of the first assets; above 100 % in all, a USD loan
            let crowd_collateral: serde_json::Map<String, serde_json::Value> =
                mix.iter().enumerate().filter(|(i, _)| *i < n).map(|(i, pct)| (syms[i].to_string(), json!(format!("{}", *pct as f64 / 100.0)))).collect();
            json!({
                "version": 3, "steps": 30, "seed": seed as u64, "noise": noise, "feedback": feedback,
                "assets": assets,
                "correlation": {"all_pairs": rho, "repair": true},
                "impact": {"model": if model == 1 {"sqrt"} else {"depth"}, "cross_impact": if model == 2 {0.5} else {0.0}},
                "liquidation": liquidation(full, chunks, mark),
                // no fund half the time, so that bad debt goes uncovered (or to ADL)
                "insurance_fund_usd": if seed % 2 == 0 { "0" } else { "100000" },
                "shocks": [{"step": shock_step.min(30), "symbol": syms[0], "percent": shock_pct},
                           {"step": 2, "symbol": syms[n - 1], "percent": venue_pct, "venue": true}],
                "focal": {"mode": if isolated {"isolated"} else {"cross"}, "collateral": collateral, "positions": positions},
                "crowd": {"accounts": crowd, "leverage_min": "2", "leverage_max": "20", "collateral": crowd_collateral},
                "accounts": accounts
            })
        })
}

/// Run a random scenario and check every run's conservation, balances and positions against its
/// events. Some random books are invalid (e.g. opening liquidatable): then the error must be words.
fn check_scenario(s: &Scenario) -> Result<(), TestCaseError> {
    match Model::from_scenario(s) {
        Ok(m) => {
            let o = simulate(&m);
            check_all(&o);
            for r in [&o.main, &o.no_feedback, &o.other_mode] {
                check_balances(&m, r);
                check_positions(&m, r);
            }
        }
        Err(e) => prop_assert!(!e.to_string().is_empty()),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    #[test]
    fn conservation_is_exact_and_nothing_panics(v in arb_scenario()) {
        let s: Scenario = serde_json::from_value(v).unwrap();
        check_scenario(&s)?;
    }

    /// The same random scenarios under every venue's pack (its first two assets renamed BTC and
    /// ETH, so that the packs' own tables apply; the others take a pack's fallback table).
    #[test]
    fn conservation_is_exact_under_every_venue_pack(v in arb_scenario(), venue in 0usize..5) {
        let text = v.to_string().replace("\"AAA\"", "\"BTC\"").replace("\"BBB\"", "\"ETH\"");
        let mut s: Scenario = serde_json::from_str(&text).unwrap();
        s.venue = margin_cascade::engine::venues::ALL[venue];
        check_scenario(&s)?;
    }

    #[test]
    fn same_seed_same_bits_other_seed_other_path(seed in 0u64..(1u64 << 53)) {
        let mk = |seed: u64| model(json!({"version": 1, "steps": 50, "seed": seed, "crowd": {"accounts": 50}}));
        let a = margin_cascade::output::report::to_json(&simulate(&mk(seed)));
        let b = margin_cascade::output::report::to_json(&simulate(&mk(seed)));
        prop_assert_eq!(&a["digest"], &b["digest"]);
        let c = margin_cascade::output::report::to_json(&simulate(&mk(seed ^ 1)));
        prop_assert_ne!(&a["series"]["exogenous_price"], &c["series"]["exogenous_price"]);
    }
}

/// Extremes that validation accepts must run: tiny and huge prices, 100× shocks, the limit of
/// leverage, zero fund, one step, perfect correlation, huge depth and tiny depth.
#[test]
fn extreme_but_valid_scenarios_run() {
    let cases = vec![
        json!({"version": 1, "steps": 1}),
        json!({"version": 1, "steps": 5, "assets": [{"symbol": "X", "price": "1000000000000", "tick": "1", "sigma": 20, "depth_usd": "1"}],
               "shocks": [{"step": 1, "symbol": "X", "percent": 1000}, {"step": 2, "symbol": "X", "percent": -99.99}],
               "insurance_fund_usd": "0", "crowd": {"accounts": 100, "leverage_min": "1", "leverage_max": "1"}}),
        json!({"version": 1, "steps": 20, "assets": [{"symbol": "X", "price": "0.00000001", "tick": "0.00000001", "sigma": 5, "depth_usd": "1000000000000000"}],
               "shocks": [{"step": 3, "symbol": "X", "percent": -99.99}], "crowd": {"accounts": 10}}),
        json!({"version": 1, "steps": 40, "correlation": {"all_pairs": 1.0}, "shocks": [{"step": 1, "symbol": "BTC", "percent": -99}],
               "insurance_fund_usd": "0", "liquidation": {"fee_rate": "0.5", "policy": "full"}}),
        json!({"version": 1, "steps": 40, "correlation": {"all_pairs": -0.3, "repair": true}, "impact": {"model": "sqrt", "cross_impact": 10},
               "shocks": [{"step": 1, "symbol": "ETH", "percent": -90}, {"step": 2, "symbol": "ETH", "percent": 900}]}),
        json!({"version": 1, "steps": 10, "focal": {"mode": "isolated", "collateral": {"USD": "1000000000000000"},
               "positions": [{"asset": "BTC", "quantity": "1000000000", "margin_usd": "100000000000000"}]}}),
        json!({"version": 1, "steps": 10, "focal": {"mode": "cross", "collateral": {"USD": "-1000", "ETH": "10", "SOL": "100", "USDC": "5000"},
               "positions": [{"asset": "ETH", "notional_usd": "100000"}]},
               "shocks": [{"step": 1, "symbol": "ETH", "percent": -60}, {"step": 1, "symbol": "SOL", "percent": -60}]}),
        // capital and notionals near the limit: the isolated split's products stay in range
        json!({"version": 3, "steps": 2, "focal": {"mode": "cross", "collateral": {"USD": "1000000000000000"},
               "positions": [{"asset": "BTC", "notional_usd": "900000000000000"}, {"asset": "ETH", "notional_usd": "900000000000000"}]}}),
    ];
    for v in cases {
        let text = v.to_string();
        let o = simulate(&model(v));
        check_all(&o);
        let j = margin_cascade::output::report::to_json(&o);
        assert!(j["summary"]["final_equity"].is_string(), "{text}");
    }
}

#[test]
fn a_loan_is_repaid_by_selling_collateral_highest_haircut_first() {
    // Cross account: a USD loan against ETH (3 % haircut), SOL (10 %) and USDC (stable).
    // ETH long crashes: all positions are closed, the loan remains, so collateral is sold:
    // SOL first (highest haircut), then ETH, USDC last.
    let o = run(json!({"version": 1, "steps": 6, "noise": false, "crowd": {"accounts": 0},
        "focal": {"mode": "cross", "collateral": {"USD": "-20000", "ETH": "5", "SOL": "40", "USDC": "3000"},
                  "positions": [{"asset": "BTC", "notional_usd": "100000"}]},
        "shocks": [{"step": 2, "symbol": "BTC", "percent": -9}]}));
    let sales: Vec<String> = o
        .main
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::CollateralSale { asset, .. } => Some(o.symbols[*asset].clone()),
            _ => None,
        })
        .collect();
    assert_eq!(sales.first().map(String::as_str), Some("SOL"), "sales: {sales:?}");
    assert!(!sales.contains(&"USDC".to_string()) || sales.last().map(String::as_str) == Some("USDC"));
    check_all(&o);
}
