//! The step loop. One step is one round of the feedback loop:
//!
//! 1. transient impact decays, `I ← I · 2^(−1/half_life)`;
//! 2. the exogenous price moves; the pre-trade market price is `exo · exp(I)` on the tick grid;
//! 3. every account is checked at that price and liquidations are planned;
//! 4. the forced orders of each asset are netted into one batch, which moves `I` (unless
//!    feedback is off) and fills at the mean of the pre- and post-impact prices;
//! 5. the orders are applied; the liquidations the batch's own impact causes are found at the
//!    next step.

use crate::crowd::{Cohort, Member};
use crate::liquidation::{self, Account, AccountId, Event, EventKind, Fund, Order};
use crate::margin::{self, AssetInfo};
use crate::market::{self, ExoPath};
use crate::model::{AccountInit, Mode, Model};
use crate::types::{Money, Price, Qty, Ratio};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Per-step series; every vector has `steps + 1` points (index = step).
#[derive(Clone, Debug, Default)]
pub struct Series {
    /// `[asset][step]`
    pub price: Vec<Vec<Price>>,
    pub exogenous_price: Vec<Vec<Price>>,
    pub impact_pct: Vec<Vec<f64>>,
    /// Net USD sold by forced orders (sold − bought, at the pre-trade price).
    pub forced_flow_usd: Vec<Vec<Money>>,
    pub focal_collateral_value: Vec<Money>,
    pub focal_equity: Vec<Money>,
    pub focal_maintenance_margin: Vec<Money>,
    /// Cross: MM / E. Isolated: the highest position MR. `None` = unbounded (equity ≤ 0).
    pub focal_margin_ratio: Vec<Option<Ratio>>,
    /// Quantity of each of the focal account's opening positions, `[position][step]`.
    pub focal_position_qty: Vec<Vec<Qty>>,
    pub crowd_liquidated_notional: Vec<Money>,
    pub crowd_accounts_liquidated: Vec<u32>,
    pub insurance_fund: Vec<Money>,
    /// Cumulative bad debt written off.
    pub bad_debt: Vec<Money>,
}

/// The outcome of one run.
#[derive(Clone, Debug)]
pub struct Run {
    pub series: Series,
    pub events: Vec<Event>,
    pub fund: Fund,
    /// Final state of every account (focal first, then hand-listed, then crowd by id).
    pub accounts: Vec<Account>,
    pub focal_mode: Mode,
    /// Assets of the focal account's opening positions, in order.
    pub focal_assets: Vec<usize>,
}

impl Run {
    pub fn focal(&self) -> &Account {
        &self.accounts[0]
    }
}

fn account_from(id: AccountId, a: &AccountInit) -> Account {
    Account::new(id, a.mode, a.cash, a.balances.clone(), a.positions.clone())
}

enum Who {
    Focal,
    Explicit(usize),
    Crowd(usize),
}

/// Run the model over an exogenous path, with or without feedback, for a given focal account.
pub fn run(m: &Model, exo: &ExoPath, feedback: bool, focal_init: &AccountInit) -> Run {
    let n = m.assets.len();
    let steps = m.steps;
    let mut impact = vec![0.0f64; n];
    let mut focal = account_from(AccountId::Focal, focal_init);
    let focal_assets: Vec<usize> = focal.positions.iter().map(|p| p.asset).collect();
    let mut explicit: Vec<Account> =
        m.explicit.iter().enumerate().map(|(k, a)| account_from(AccountId::Explicit(k as u32), a)).collect();
    let mut cohorts: Vec<Cohort> = m.cohorts.clone();
    let mut retired: Vec<Account> = vec![];
    let mut fund = Fund::new(m.fund0);
    let mut events: Vec<Event> = vec![];

    let mut s = Series {
        price: vec![Vec::with_capacity(steps + 1); n],
        exogenous_price: vec![Vec::with_capacity(steps + 1); n],
        impact_pct: vec![Vec::with_capacity(steps + 1); n],
        forced_flow_usd: vec![Vec::with_capacity(steps + 1); n],
        focal_position_qty: vec![Vec::with_capacity(steps + 1); focal_assets.len()],
        ..Series::default()
    };
    let mut prices: Vec<Price> = m.opening_prices();
    for i in 0..n {
        s.price[i].push(prices[i]);
        s.exogenous_price[i].push(prices[i]);
        s.impact_pct[i].push(0.0);
        s.forced_flow_usd[i].push(Money::ZERO);
    }
    s.crowd_liquidated_notional.push(Money::ZERO);
    s.crowd_accounts_liquidated.push(0);
    record_focal(&mut s, &focal, &focal_assets, &prices, m);
    s.insurance_fund.push(fund.balance);
    s.bad_debt.push(Money::ZERO);

    let mut pre = prices.clone();
    let mut fills = prices.clone();
    let mut flow = vec![Decimal::ZERO; n];
    let mut plans: Vec<(Who, Account, Vec<Order>)> = vec![];
    for t in 1..=steps {
        // 1–2: decay, exogenous move, pre-trade price.
        for i in 0..n {
            impact[i] *= m.assets[i].decay;
            pre[i] = market::to_tick(exo.prices[t][i] * libm::exp(impact[i]), m.assets[i].tick);
        }
        // 3: liquidation checks at the pre-trade price.
        plans.clear();
        let o = liquidation::plan(&focal, &pre, m, m.policy, m.fee_rate);
        if !o.is_empty() {
            plans.push((Who::Focal, focal.clone(), o));
        }
        for (k, a) in explicit.iter().enumerate() {
            let o = liquidation::plan(a, &pre, m, m.policy, m.fee_rate);
            if !o.is_empty() {
                plans.push((Who::Explicit(k), a.clone(), o));
            }
        }
        for (ci, c) in cohorts.iter_mut().enumerate() {
            if c.alive() == 0 {
                continue;
            }
            let (upnl, mm) = margin::positions_health(&c.template, &pre, m);
            while c.head < c.members.len() {
                let mem = &c.members[c.head];
                if !margin::is_liquidatable(mm, mem.cash + upnl, true) {
                    break; // members are sorted by cash: everyone after this one is healthier
                }
                let mut acc = Account::new(AccountId::Crowd(mem.id), Mode::Cross, mem.cash, vec![], c.template.clone());
                acc.ledger = mem.ledger.clone();
                let o = liquidation::plan(&acc, &pre, m, m.policy, m.fee_rate);
                plans.push((Who::Crowd(ci), acc, o));
                c.head += 1;
            }
        }
        // 4: one netted batch per asset.
        flow.iter_mut().for_each(|f| *f = Decimal::ZERO);
        for (_, _, orders) in &plans {
            for o in orders {
                flow[o.asset] -= o.qty.0 * pre[o.asset].0;
            }
        }
        if feedback && plans.iter().any(|p| !p.2.is_empty()) {
            let direct: Vec<f64> =
                (0..n).map(|i| market::impact_delta(m, i, crate::types::dec_to_f64(flow[i]))).collect();
            for i in 0..n {
                let mut d = direct[i];
                if m.cross_impact > 0.0 {
                    for j in 0..n {
                        if j != i {
                            d += m.cross_impact * m.corr[i][j] * direct[j];
                        }
                    }
                }
                impact[i] += d;
            }
        }
        for i in 0..n {
            let post = if feedback {
                market::to_tick(exo.prices[t][i] * libm::exp(impact[i]), m.assets[i].tick)
            } else {
                pre[i]
            };
            prices[i] = post;
            fills[i] = if feedback { Price((pre[i].0 + post.0) / Decimal::TWO) } else { pre[i] };
        }
        // 5: apply the orders.
        let first_event = events.len();
        let mut crowd_count = 0u32;
        let mut spawned: BTreeMap<(usize, usize), Cohort> = BTreeMap::new();
        for (who, mut acc, orders) in plans.drain(..) {
            liquidation::execute(&mut acc, &orders, &fills, &prices, m, m.fee_rate, &mut fund, t, &mut events);
            match who {
                Who::Focal => focal = acc,
                Who::Explicit(k) => explicit[k] = acc,
                Who::Crowd(ci) => {
                    crowd_count += 1;
                    if acc.positions.is_empty() {
                        retired.push(acc);
                    } else {
                        // Same parent, same positions closed ⇒ same book: a new cohort, still
                        // sorted by cash because the members arrive in ascending order and
                        // their cash moved by the same amounts.
                        let AccountId::Crowd(id) = acc.id else { unreachable!() };
                        let key = (ci, acc.positions.len());
                        let parent_mode = cohorts[ci].mode;
                        let c = spawned.entry(key).or_insert_with(|| Cohort {
                            mode: parent_mode,
                            template: acc.positions.clone(),
                            members: vec![],
                            head: 0,
                        });
                        c.members.push(Member { id, cash: acc.cash, ledger: acc.ledger });
                    }
                }
            }
        }
        for (_, mut c) in spawned {
            c.members.sort_by(|a, b| a.cash.cmp(&b.cash).then(a.id.cmp(&b.id)));
            cohorts.push(c);
        }
        // Drop cohorts that are empty now to keep the per-step loop short.
        cohorts.retain(|c| c.alive() > 0);

        // 6: record.
        let mut crowd_notional = Money::ZERO;
        for e in &events[first_event..] {
            if let (AccountId::Crowd(_), EventKind::Liquidation { quantity, price, .. }) = (&e.account, &e.kind) {
                crowd_notional += quantity.abs() * *price;
            }
        }
        for i in 0..n {
            s.price[i].push(prices[i]);
            s.exogenous_price[i].push(market::to_tick(exo.prices[t][i], m.assets[i].tick));
            s.impact_pct[i].push((libm::exp(impact[i]) - 1.0) * 100.0);
            s.forced_flow_usd[i].push(Money(flow[i]));
        }
        s.crowd_liquidated_notional.push(crowd_notional);
        s.crowd_accounts_liquidated.push(crowd_count);
        record_focal(&mut s, &focal, &focal_assets, &prices, m);
        s.insurance_fund.push(fund.balance);
        s.bad_debt.push(fund.bad_debt_paid + fund.uncovered_bad_debt);
    }

    // Final account list: focal, hand-listed, then every crowd account by id.
    let mut accounts = Vec::with_capacity(1 + explicit.len() + m.crowd_accounts as usize);
    accounts.push(focal);
    accounts.extend(explicit);
    let mut crowd: Vec<Account> = retired;
    for c in &cohorts {
        for mem in &c.members[c.head..] {
            let mut a = Account::new(AccountId::Crowd(mem.id), Mode::Cross, mem.cash, vec![], c.template.clone());
            a.ledger = mem.ledger.clone();
            crowd.push(a);
        }
    }
    crowd.sort_by_key(|a| a.id);
    accounts.extend(crowd);
    Run { series: s, events, fund, accounts, focal_mode: focal_init.mode, focal_assets }
}

fn record_focal(s: &mut Series, focal: &Account, focal_assets: &[usize], prices: &[Price], info: &(impl AssetInfo + ?Sized)) {
    let h = focal.snapshot(prices, info);
    s.focal_collateral_value.push(h.collateral_value);
    s.focal_equity.push(h.equity);
    s.focal_maintenance_margin.push(h.mm);
    let mr = match focal.mode {
        Mode::Cross => h.margin_ratio(),
        Mode::Isolated => {
            let mut worst: Option<Option<Ratio>> = None;
            for (p, ph) in focal.positions.iter().zip(&h.positions) {
                let r = margin::margin_ratio(ph.mm, p.margin + ph.upnl);
                worst = Some(match (worst, r) {
                    (None, r) => r,
                    (Some(None), _) | (_, None) => None,
                    (Some(Some(a)), Some(b)) => Some(a.max(b)),
                });
            }
            worst.unwrap_or(Some(Ratio::ZERO))
        }
    };
    s.focal_margin_ratio.push(mr);
    for (k, &a) in focal_assets.iter().enumerate() {
        let q = focal.positions.iter().find(|p| p.asset == a).map(|p| p.qty).unwrap_or(Qty::ZERO);
        s.focal_position_qty[k].push(q);
    }
}
