//! The step loop. One step is one round of the feedback loop:
//!
//! 1. transient impact decays, `I ← I · 2^(−1/half_life)`;
//! 2. the exogenous price moves; the pre-trade market price is `exo · exp(I)` on the tick grid;
//! 3. every account is checked — positions at the mark price, collateral at its collateral price
//!    (`pricing.rs`; both the market price under the default rules) — and liquidations are planned
//!    (an account far below maintenance passes to the backstop vault instead, if there is one);
//! 4. the forced orders of each asset are netted into one batch, which moves `I` (unless
//!    feedback is off) and fills at the mean of the pre- and post-impact prices;
//! 5. the orders are applied; the liquidations the batch's own impact causes are found at the
//!    next step;
//! 6. under auto-deleveraging, bad debt the fund could not pay is covered by profitable opposite
//!    positions (`adl.rs`).

use super::account::{Account, AccountId};
use super::account::{AccountInit, Mode};
use super::adl;
use super::backstop::{self, Vault};
use super::crowd::{Cohort, Member};
use super::liquidation::{self, Event, EventKind, Fund, Order};
use super::margin::{self, Valuation};
use super::market::{self, ExoPath};
use super::model::{AdlRule, Model};
use super::pricing::{Basis, Quotes, RulesMatter, ValuationF};
use crate::types::{Money, Price, Qty, Ratio};
use rust_decimal::Decimal;

/// Per-step series; every vector has `steps + 1` points (index = step).
#[derive(Clone, Debug, Default)]
pub struct Series {
    /// `[asset][step]`
    pub price: Vec<Vec<Price>>,
    pub exogenous_price: Vec<Vec<Price>>,
    /// The mark price after each step's batch (`[asset][step]`), when the venue marks at the
    /// index or a median; empty under a market mark (it is the market price).
    pub mark_price: Vec<Vec<Price>>,
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
    /// The liquidation price of each of them (`liqprice.rs`), `[position][step]`.
    pub focal_liquidation_price: Vec<Vec<super::liqprice::LiqPrice>>,
    /// `price` and `exogenous_price` as f64 (`[asset][step]`), for summaries.
    pub price_f: Vec<Vec<f64>>,
    pub exogenous_price_f: Vec<Vec<f64>>,
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
    /// Final state of the focal account, then the hand-listed ones, then crowd accounts that
    /// were liquidated down to nothing. The crowd accounts still open stay in `cohorts`;
    /// [`Run::all_accounts`] materialises everything.
    pub accounts: Vec<Account>,
    pub cohorts: Vec<Cohort>,
    pub focal_mode: Mode,
    /// Assets of the focal account's opening positions, in order.
    pub focal_assets: Vec<usize>,
    /// Which of the venue's rules could have changed this run.
    pub rules_matter: RulesMatter,
    /// What the backstop vault took over, and its value at the last step.
    pub vault: Vault,
    pub vault_result: Money,
}

impl Run {
    pub fn focal(&self) -> &Account {
        &self.accounts[0]
    }

    /// How many accounts but yours were liquidated at least once (a position closed or a chunk
    /// of it sold, or collateral sold to repay a loan). The summary's `crowd_accounts_liquidated`
    /// sums the per-step counts instead: an account liquidated at two steps counts twice there.
    pub fn crowd_accounts_hit(&self) -> u32 {
        let mut ids: Vec<AccountId> =
            self.events.iter().filter(|e| e.account != AccountId::Focal && e.liquidates()).map(|e| e.account).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len() as u32
    }

    /// Every account's final state: focal, hand-listed, then every crowd account by id.
    pub fn all_accounts(&self) -> Vec<Account> {
        let mut out = self.accounts.clone();
        let first_crowd = out.iter().position(|a| matches!(a.id, AccountId::Crowd(_))).unwrap_or(out.len());
        for c in &self.cohorts {
            for mem in &c.members[c.head..] {
                out.push(c.account(mem));
            }
        }
        out[first_crowd..].sort_by_key(|a| a.id);
        out
    }
}

fn account_from(id: AccountId, a: &AccountInit) -> Account {
    Account::new(id, a.mode, a.cash, a.balances.clone(), a.positions.clone())
}

/// Whose liquidation a plan is.
enum Who {
    Focal,
    Explicit(usize),
    Crowd(usize),
}

/// A liquidation planned at a step's pre-trade prices: whose, the account, its orders.
type Plan = (Who, Account, Vec<Order>);

/// Who holds a position in an ADL queue (a crowd member by cohort and index: the cohorts stay
/// as they are until the step's deleveraging is done).
#[derive(Clone, Copy)]
enum Holder {
    Focal,
    Explicit(usize),
    Crowd(usize, usize),
}

/// A position in an ADL queue: its rank, whose, its entry (which, with the queue's asset and side,
/// says which position), and whether it is gone (closed whole).
#[derive(Clone, Copy)]
struct Candidate {
    rank: f64,
    id: AccountId,
    entry: Price,
    holder: Holder,
    gone: bool,
}

impl Candidate {
    /// Where the queued position is among `positions`: the one in the queue's asset, on its side,
    /// with its entry (an account holds one position per asset).
    fn find(&self, positions: &[margin::Position], (asset, short): (usize, bool)) -> Option<usize> {
        positions.iter().position(|p| p.asset == asset && p.entry == self.entry && (p.qty.0 < Decimal::ZERO) == short)
    }
}

/// Crowd members deleveraged at a step, out of their cohorts until the step's deleveraging is
/// done (then rehomed by their new book).
#[derive(Default)]
struct Moved {
    /// (cohort, the member as an account), in the order they were first deleveraged.
    accounts: Vec<(usize, Account)>,
    /// By member id: 1 + its index in `accounts` (0: not moved).
    slot: Vec<u32>,
}

impl Moved {
    fn get(&self, id: u32) -> Option<&Account> {
        let s = *self.slot.get(id as usize)? as usize;
        self.accounts.get(s.checked_sub(1)?).map(|a| &a.1)
    }

    fn get_or_insert(&mut self, id: u32, make: impl FnOnce() -> (usize, Account)) -> Option<&mut Account> {
        let i = id as usize;
        if self.slot.len() <= i {
            self.slot.resize(i + 1, 0);
        }
        if self.slot[i] == 0 {
            self.accounts.push(make());
            self.slot[i] = self.accounts.len() as u32;
        }
        self.accounts.get_mut(self.slot[i] as usize - 1).map(|a| &mut a.1)
    }
}

/// The engine between two steps: every account, the impact state, prices, the fund, the events
/// so far and the series recorded so far. [`run`] steps it to the end; the crowd's liquidation
/// ladder (`ladder.rs`) stops it at the step it looks at.
#[derive(Clone)]
pub struct State {
    /// The last step played (0: the opening).
    pub t: usize,
    feedback: bool,
    /// Accumulated log impact per asset.
    impact: Vec<f64>,
    /// The prices after the last step's batch: market, mark, collateral.
    pub post: Quotes,
    pub focal: Account,
    focal_f: Mirror,
    pub explicit: Vec<Account>,
    explicit_f: Vec<Mirror>,
    pub cohorts: Vec<Cohort>,
    /// Crowd accounts liquidated down to nothing (they leave their cohort).
    retired: Vec<Account>,
    pub fund: Fund,
    pub events: Vec<Event>,
    pub series: Series,
    focal_mode: Mode,
    focal_assets: Vec<usize>,
    /// The moving average of the basis, for a median mark.
    basis: Basis,
    rules_matter: RulesMatter,
    /// The backstop vault, and the crowd accounts it took over at this step (for the count).
    pub vault: Vault,
    taken_over: u32,
    /// Per asset, whether any account opens with a balance of it: balances are only ever sold,
    /// never bought, so an asset nobody holds at the opening is never held.
    held_as_collateral: Vec<bool>,
    /// The scripted moves of this venue's market alone, (step, asset, log move) by step; the
    /// next one to apply.
    venue_shocks: Vec<(usize, usize, f64)>,
    next_venue_shock: usize,
    // per-step scratch, kept to avoid reallocating
    /// The step's pre-trade prices.
    pre: Quotes,
    /// The step's index, and the index with the mean basis (a median mark's third price).
    index: Vec<(Price, f64)>,
    with_basis: Vec<(Price, f64)>,
    fills: Vec<Price>,
    flow: Vec<Decimal>,
}

/// Run the model over an exogenous path, with or without feedback, for a given focal account.
pub fn run(m: &Model, exo: &ExoPath, feedback: bool, focal_init: &AccountInit) -> Run {
    let mut s = State::new(m, exo, feedback, focal_init);
    while s.t < m.steps {
        s.step(m, exo);
    }
    s.finish()
}

/// [`run`], also keeping a copy of the state after step `keep` (clamped to the last step), or
/// with `None` after the step a reader is first shown: the focal account's first liquidation
/// ([`Event::liquidates_focal`]), else the last step.
pub fn run_keeping(
    m: &Model,
    exo: &ExoPath,
    feedback: bool,
    focal_init: &AccountInit,
    keep: Option<usize>,
) -> (Run, State) {
    let target = keep.map(|k| k.min(m.steps));
    let mut s = State::new(m, exo, feedback, focal_init);
    let mut kept = (target == Some(0)).then(|| s.clone());
    while s.t < m.steps {
        let first_event = s.events.len();
        s.step(m, exo);
        let here = match target {
            Some(k) => s.t == k,
            None => kept.is_none() && s.events[first_event..].iter().any(Event::liquidates_focal),
        };
        if here {
            kept = Some(s.clone());
        }
    }
    let kept = kept.unwrap_or_else(|| s.clone());
    (s.finish(), kept)
}

impl State {
    /// The opening state (step 0), with the opening recorded in the series.
    pub fn new(m: &Model, exo: &ExoPath, feedback: bool, focal_init: &AccountInit) -> State {
        let n = m.assets.len();
        let focal = account_from(AccountId::Focal, focal_init);
        let focal_assets: Vec<usize> = focal.positions.iter().map(|p| p.asset).collect();
        let explicit: Vec<Account> =
            m.explicit.iter().enumerate().map(|(k, a)| account_from(AccountId::Explicit(k as u32), a)).collect();
        let prices = m.opening_prices();
        let mut held_as_collateral = vec![false; n];
        let opening = m.cohorts.iter().flat_map(|c| &c.members).map(|mem| &mem.balances);
        for b in std::iter::once(&focal.balances).chain(explicit.iter().map(|a| &a.balances)).chain(opening) {
            b.iter().for_each(|x| held_as_collateral[x.0] = true);
        }
        let mut st = State {
            t: 0,
            feedback,
            impact: vec![0.0; n],
            focal_f: Mirror::of(&focal),
            explicit_f: explicit.iter().map(Mirror::of).collect(),
            focal,
            explicit,
            cohorts: m.cohorts.clone(),
            retired: vec![],
            fund: Fund::new(m.fund0),
            events: vec![],
            series: Series::with_capacity(n, focal_assets.len(), m.steps + 1),
            focal_mode: focal_init.mode,
            focal_assets,
            basis: Basis::new(n, m.mark),
            rules_matter: RulesMatter::default(),
            vault: Vault::default(),
            taken_over: 0,
            held_as_collateral,
            venue_shocks: market::venue_moves(m),
            next_venue_shock: 0,
            index: prices.iter().zip(&exo.prices[0]).map(|(&p, &f)| (p, f)).collect(),
            with_basis: vec![(Price(Decimal::ZERO), 0.0); n],
            // the opening's f64 prices are the path's own (the same bits as the series always had)
            pre: Quotes::uniform(&prices, &exo.prices[0]),
            fills: prices.clone(),
            flow: vec![Decimal::ZERO; n],
            post: Quotes::uniform(&prices, &exo.prices[0]),
        };
        st.record(m, 0, Money::ZERO, 0);
        st
    }

    /// Play the next step: one round of the loop.
    pub fn step(&mut self, m: &Model, exo: &ExoPath) {
        self.t += 1;
        let t = self.t;
        self.move_market(m, exo, t);
        self.note_apart(false, &[]);
        let first_event = self.events.len();
        let mut plans = self.plan(m);
        self.batch(m, exo, t, &plans);
        self.note_apart(true, &plans);
        let crowd_count = self.apply(m, t, &mut plans) + std::mem::take(&mut self.taken_over);
        self.deleverage(m, t, first_event);
        let crowd_notional = self.events[first_event..]
            .iter()
            .filter(|e| e.account != AccountId::Focal)
            .map(|e| match &e.kind {
                EventKind::Liquidation { quantity, price, .. } => quantity.abs() * *price,
                EventKind::Backstop { quantity, price, collateral: false, .. } => quantity.abs() * *price,
                _ => Money::ZERO,
            })
            .sum();
        self.record(m, t, crowd_notional, crowd_count);
    }

    /// 1–2: impact decays, the exogenous price moves; the pre-trade prices on the tick grid.
    fn move_market(&mut self, m: &Model, exo: &ExoPath, t: usize) {
        for i in 0..m.assets.len() {
            self.impact[i] *= m.assets[i].decay;
        }
        // a move of this venue's market alone adds to the impact (and fades with it)
        while let Some(&(step, i, r)) = self.venue_shocks.get(self.next_venue_shock).filter(|v| v.0 <= t) {
            if step == t {
                self.impact[i] += r;
            }
            self.next_venue_shock += 1;
        }
        for i in 0..m.assets.len() {
            let (a, x) = (&m.assets[i], exo.prices[t][i]);
            self.index[i] = market::to_tick_f(x, a.tick, a.tick_f);
            let mean = self.basis.push(i, self.impact[i]);
            if !m.mark.is_market() {
                self.with_basis[i] = market::to_tick_f(x * libm::exp(mean), a.tick, a.tick_f);
            }
            let pre = market::to_tick_f(x * libm::exp(self.impact[i]), a.tick, a.tick_f);
            self.pre.set(i, pre, self.index[i], self.with_basis[i], m.pricing(i));
        }
    }

    /// Note whether any live account — or one being liquidated in this step's `plans`, whose fee
    /// is capped at the prices after the batch — holds a position, or collateral, in an asset
    /// whose market price (pre-trade, or after the batch) stands apart from its index.
    fn note_apart(&mut self, post: bool, plans: &[Plan]) {
        let a = self.rules_matter;
        let collateral = !a.collateral_price && self.held_as_collateral.contains(&true);
        if a.mark && !collateral {
            return;
        }
        let market = if post { &self.post.market } else { &self.pre.market };
        for i in (0..market.len()).filter(|&i| market[i] != self.index[i].0) {
            let accounts = || std::iter::once(&self.focal).chain(&self.explicit).chain(plans.iter().map(|p| &p.1));
            if !self.rules_matter.mark {
                self.rules_matter.mark = accounts().any(|x| x.positions.iter().any(|p| p.asset == i))
                    || self.cohorts.iter().any(|c| c.alive() > 0 && c.template.iter().any(|p| p.asset == i));
            }
            if !self.rules_matter.collateral_price && self.held_as_collateral[i] {
                let holds = |b: &[(usize, Qty)]| b.iter().any(|x| x.0 == i);
                self.rules_matter.collateral_price = accounts().any(|x| holds(&x.balances))
                    || self
                        .cohorts
                        .iter()
                        .any(|c| c.holds_assets && c.members[c.head..].iter().any(|m| holds(&m.balances)));
            }
        }
    }

    /// 3: every account checked at the pre-trade price; the liquidations to make.
    fn plan(&mut self, m: &Model) -> Vec<Plan> {
        let (pre, pre_f) = (self.pre.valuation(), self.pre.valuation_f());
        let mut plans: Vec<Plan> = vec![];
        // within the cooldown after a partial liquidation, an account's positions close whole
        let t = self.t;
        let policy = |chunked: Option<usize>| m.policy.at(chunked, t);
        // far below maintenance, the backstop vault takes an account over instead
        if let Some(r) = m.backstop {
            if !self.focal_f.clearly_healthy(pre_f, m) {
                let which = backstop::due(&self.focal, pre, m, r);
                if !which.is_empty() {
                    backstop::take_over(&mut self.focal, &which, pre, &mut self.vault, t, &mut self.events);
                    self.focal_f = Mirror::of(&self.focal);
                }
            }
            for k in 0..self.explicit.len() {
                if self.explicit_f[k].clearly_healthy(pre_f, m) {
                    continue;
                }
                let which = backstop::due(&self.explicit[k], pre, m, r);
                if !which.is_empty() {
                    backstop::take_over(&mut self.explicit[k], &which, pre, &mut self.vault, t, &mut self.events);
                    self.explicit_f[k] = Mirror::of(&self.explicit[k]);
                    self.taken_over += 1;
                }
            }
        }
        // after a step-down, an account is left alone for the policy's delay
        let waiting = |chunked: Option<usize>| m.policy.waiting(chunked, t);
        if !waiting(self.focal.chunked_at) && !self.focal_f.clearly_healthy(pre_f, m) {
            let o = liquidation::plan(&self.focal, pre, m, policy(self.focal.chunked_at), m.fee_rate);
            if !o.is_empty() {
                plans.push((Who::Focal, self.focal.clone(), o));
            }
        }
        for (k, a) in self.explicit.iter().enumerate() {
            if waiting(a.chunked_at) || self.explicit_f[k].clearly_healthy(pre_f, m) {
                continue;
            }
            let o = liquidation::plan(a, pre, m, policy(a.chunked_at), m.fee_rate);
            if !o.is_empty() {
                plans.push((Who::Explicit(k), a.clone(), o));
            }
        }
        for (ci, c) in self.cohorts.iter_mut().enumerate().filter(|(_, c)| !waiting(c.chunked_at)) {
            for mut acc in liquidatable_members(c, pre, pre_f, m) {
                // one snapshot for the backstop's check and the plan
                let h = acc.snapshot(pre, m);
                let which = m.backstop.map(|r| backstop::due_at(&acc, &h, r)).unwrap_or_default();
                if !which.is_empty() {
                    // a crowd account is cross (or one isolated position): it passes whole
                    backstop::take_over(&mut acc, &which, pre, &mut self.vault, t, &mut self.events);
                    self.retired.push(acc);
                    self.taken_over += 1;
                    continue;
                }
                let o = liquidation::plan_at(&acc, &h, pre, m, policy(acc.chunked_at), m.fee_rate);
                plans.push((Who::Crowd(ci), acc, o));
            }
        }
        if !self.rules_matter.policy {
            self.rules_matter.policy = plans.iter().any(|(_, acc, o)| policy_could_matter(acc, o, pre, m, t));
        }
        if !self.rules_matter.backstop {
            let r = m.backstop.unwrap_or_else(backstop::two_thirds);
            self.rules_matter.backstop = self.vault.takeovers > 0 || plans.iter().any(|p| backstop::would_act(&p.2, r));
        }
        plans
    }

    /// 4: the forced orders of each asset netted into one batch, which moves the impact (unless
    /// feedback is off) and fills at the mean of the pre- and post-impact prices.
    fn batch(&mut self, m: &Model, exo: &ExoPath, t: usize, plans: &[Plan]) {
        let n = m.assets.len();
        self.flow.iter_mut().for_each(|f| *f = Decimal::ZERO);
        for (_, _, orders) in plans {
            for o in orders {
                self.flow[o.asset] -= o.qty.0 * self.pre.market[o.asset].0;
            }
        }
        let feedback = self.feedback;
        if feedback && plans.iter().any(|p| !p.2.is_empty()) {
            let direct: Vec<f64> =
                (0..n).map(|i| market::impact_delta(m, i, crate::types::dec_to_f64(self.flow[i]))).collect();
            for i in 0..n {
                let mut d = direct[i];
                if m.cross_impact > 0.0 {
                    for j in (0..n).filter(|&j| j != i) {
                        d += m.cross_impact * m.corr[i][j] * direct[j];
                    }
                }
                self.impact[i] += d;
            }
        }
        for i in 0..n {
            let a = &m.assets[i];
            let pre = (self.pre.market[i], self.pre.market_f[i]);
            let post = if feedback {
                market::to_tick_f(exo.prices[t][i] * libm::exp(self.impact[i]), a.tick, a.tick_f)
            } else {
                pre
            };
            self.post.set(i, post, self.index[i], self.with_basis[i], m.pricing(i));
            self.fills[i] = if feedback { Price((pre.0 .0 + post.0 .0) / Decimal::TWO) } else { pre.0 };
        }
    }

    /// 5: the orders applied; partly liquidated crowd accounts regrouped by their new book.
    /// Returns how many accounts other than the focal one were liquidated.
    fn apply(&mut self, m: &Model, t: usize, plans: &mut Vec<Plan>) -> u32 {
        let mut count = 0u32;
        let mut spawned: Vec<Cohort> = vec![];
        for (who, mut acc, orders) in plans.drain(..) {
            let post = self.post.valuation();
            let batch = liquidation::Batch { fill: &self.fills, post, info: m, fee_rate: m.fee_rate, step: t };
            liquidation::execute(&mut acc, &orders, &batch, &mut self.fund, &mut self.events);
            match who {
                Who::Focal => {
                    self.focal_f = Mirror::of(&acc);
                    self.focal = acc;
                }
                Who::Explicit(k) => {
                    count += 1;
                    self.explicit_f[k] = Mirror::of(&acc);
                    self.explicit[k] = acc;
                }
                Who::Crowd(ci) => {
                    count += 1;
                    let mode = self.cohorts[ci].mode;
                    self.rehome(mode, acc, &mut spawned);
                }
            }
        }
        self.regroup(spawned);
        count
    }

    /// A crowd account whose book changed: retired when nothing is left to liquidate, else a
    /// member of the new cohort holding its remaining book and cooldown (sorted when it joins).
    fn rehome(&mut self, mode: Mode, acc: Account, spawned: &mut Vec<Cohort>) {
        if !acc.has_exposure() {
            self.retired.push(acc);
            return;
        }
        let AccountId::Crowd(id) = acc.id else { return };
        let k = match spawned.iter().position(|c| c.template == acc.positions && c.chunked_at == acc.chunked_at) {
            Some(k) => k,
            None => {
                let mut c = Cohort::new(mode, acc.positions.clone(), vec![]);
                c.chunked_at = acc.chunked_at;
                spawned.push(c);
                spawned.len() - 1
            }
        };
        spawned[k].members.push(Member::new(id, acc.cash, acc.balances, acc.ledger));
    }

    /// 5b: bad debt the fund could not pay, left by closes at this step (the events from
    /// `first` on), auto-deleveraged when the venue does (`adl.rs`). The queues are ranked once,
    /// as the accounts stand after the step's liquidations; deleveraged crowd members leave their
    /// cohorts when the step's deleveraging is done.
    fn deleverage(&mut self, m: &Model, t: usize, first: usize) {
        if !self.events[first..].iter().any(|e| matches!(e.kind, EventKind::BadDebt { .. })) {
            return;
        }
        if m.adl == AdlRule::Off {
            self.rules_matter.adl |= adl::any_deficit(&self.events, first);
            return;
        }
        let isolated = |id: AccountId| match id {
            AccountId::Focal => self.focal.mode == Mode::Isolated,
            AccountId::Explicit(k) => self.explicit.get(k as usize).is_some_and(|a| a.mode == Mode::Isolated),
            AccountId::Crowd(_) => false,
        };
        let deficits: Vec<adl::Deficit> =
            adl::deficits(&self.events, first, isolated).into_iter().filter(|d| !d.closes.is_empty()).collect();
        if deficits.is_empty() {
            return;
        }
        self.rules_matter.adl = true;
        // one queue per (asset, side deleveraged: short when a long went bankrupt)
        let mut queues: Vec<((usize, bool), Vec<Candidate>)> = vec![];
        for &(asset, trade, _) in deficits.iter().flat_map(|d| &d.closes) {
            let side = (asset, trade.0 < Decimal::ZERO);
            if !queues.iter().any(|q| q.0 == side) {
                queues.push((side, self.adl_queue(m, side.0, side.1)));
            }
        }
        let mut moved = Moved::default();
        for d in deficits {
            let mut left = d.uncovered;
            for &(asset, trade, fill) in &d.closes {
                if left.is_zero() {
                    break;
                }
                let Some((pb, c)) = adl::bankruptcy_price(d.amount, trade, fill) else { continue };
                let close = adl::Deleverage { x: Qty::ZERO, fill, pb, paid: Money::ZERO, bankrupt: d.account, step: t };
                let side = (asset, trade.0 < Decimal::ZERO);
                let Some((_, queue)) = queues.iter_mut().find(|q| q.0 == side) else { continue };
                // the positions closed whole by earlier deficits lead the queue: skip them once
                let start = queue.iter().position(|x| !x.gone).unwrap_or(queue.len());
                queue.drain(..start);
                left = self.adl_take(queue, side, &mut moved, close, c, left, m.adl == AdlRule::ProRata);
            }
            let covered = d.uncovered - left;
            if let EventKind::BadDebt { adl_paid, uncovered, .. } = &mut self.events[d.event].kind {
                *adl_paid += covered;
                *uncovered -= covered;
            }
            self.fund.deleveraged(covered);
        }
        self.focal_f = Mirror::of(&self.focal);
        self.explicit_f = self.explicit.iter().map(Mirror::of).collect();
        self.rehome_all(moved.accounts);
    }

    /// The ADL queue of `asset`'s `short` (or long) side: every position on it in profit at the
    /// mark, highest rank first (ties in account order).
    fn adl_queue(&self, m: &Model, asset: usize, short: bool) -> Vec<Candidate> {
        let v = self.post.valuation();
        let mark = v.mark[asset];
        let ours = |p: &margin::Position| p.asset == asset && (p.qty.0 < Decimal::ZERO) == short;
        let mut q = vec![];
        let accounts = std::iter::once((Holder::Focal, &self.focal))
            .chain(self.explicit.iter().enumerate().map(|(k, a)| (Holder::Explicit(k), a)));
        for (holder, acc) in accounts {
            for (i, p) in acc.positions.iter().enumerate().filter(|(_, p)| ours(p) && adl::gains(p, mark)) {
                let rank = adl::rank(p, mark, adl::ranking_equity(acc, i, v, m));
                q.push(Candidate { rank, id: acc.id, entry: p.entry, holder, gone: false });
            }
        }
        for (ci, c) in self.cohorts.iter().enumerate().filter(|(_, c)| c.alive() > 0) {
            let Some(p) = c.template.iter().find(|p| ours(p) && adl::gains(p, mark)) else { continue };
            let (upnl, _) = margin::positions_health(&c.template, v.mark, m);
            for (k, mem) in c.members.iter().enumerate().skip(c.head) {
                let equity = margin::collateral_value(mem.cash, &mem.balances, v.collateral, m) + upnl;
                let rank = adl::rank(p, mark, equity);
                let holder = Holder::Crowd(ci, k);
                q.push(Candidate { rank, id: AccountId::Crowd(mem.id), entry: p.entry, holder, gone: false });
            }
        }
        q.sort_by(|a, b| b.rank.total_cmp(&a.rank).then(a.id.cmp(&b.id)));
        q
    }

    /// The account holding a queued position: yours, a hand-listed one, or a crowd member (taken
    /// out of its cohort into `moved` the first time it is deleveraged at this step).
    fn holder<'a>(&'a mut self, cand: &Candidate, moved: &'a mut Moved) -> Option<&'a mut Account> {
        match cand.holder {
            Holder::Focal => Some(&mut self.focal),
            Holder::Explicit(k) => self.explicit.get_mut(k),
            Holder::Crowd(ci, k) => {
                let c = self.cohorts.get(ci)?;
                let mem = c.members.get(k)?;
                moved.get_or_insert(mem.id, || (ci, c.account(mem)))
            }
        }
    }

    /// The size of a queued position now (it may have been cut at this step already).
    fn held(&self, cand: &Candidate, side: (usize, bool), moved: &Moved) -> Qty {
        let of = |ps: &[margin::Position]| cand.find(ps, side).map_or(Qty::ZERO, |i| ps[i].qty.abs());
        match (cand.holder, cand.id) {
            (Holder::Focal, _) => of(&self.focal.positions),
            (Holder::Explicit(k), _) => self.explicit.get(k).map_or(Qty::ZERO, |a| of(&a.positions)),
            (Holder::Crowd(ci, _), AccountId::Crowd(id)) => match moved.get(id) {
                Some(a) => of(&a.positions),
                None => self.cohorts.get(ci).map_or(Qty::ZERO, |c| of(&c.template)),
            },
            (Holder::Crowd(..), _) => Qty::ZERO,
        }
    }

    /// Deleverage `queue` (of `asset`'s `short` or long side) until `left` is covered at `c` per
    /// unit (`close` carries the bankrupt close's fill and bankruptcy price): in order, the
    /// positions not in loss at the bankruptcy price, whole (`pro_rata`: the same fraction of
    /// each, rounded up to 8 decimals); the last one only as far as needed. Returns what is still
    /// uncovered.
    #[allow(clippy::too_many_arguments)]
    fn adl_take(
        &mut self,
        queue: &mut [Candidate],
        (asset, short): (usize, bool),
        moved: &mut Moved,
        close: adl::Deleverage,
        c: Money,
        mut left: Money,
        pro_rata: bool,
    ) -> Money {
        let (pb, bankrupt) = (close.pb, close.bankrupt);
        let ok = |x: &Candidate| !x.gone && x.id != bankrupt && adl::holds_at(x.entry, pb, short);
        let share = if pro_rata {
            let sizes: Vec<Qty> = queue.iter().filter(|x| ok(x)).map(|x| self.held(x, (asset, short), moved)).collect();
            adl::pro_rata_share(sizes.into_iter(), left, c)
        } else {
            None
        };
        let mut events = vec![];
        for cand in queue.iter_mut() {
            if left.is_zero() {
                break;
            }
            if !ok(cand) {
                continue;
            }
            let Some(acc) = self.holder(cand, moved) else { continue };
            let Some(i) = cand.find(&acc.positions, (asset, short)) else {
                cand.gone = true;
                continue;
            };
            let held = acc.positions[i].qty.abs();
            let (x, paid) = adl::take(share.map_or(held, |f| adl::share_of(held, f)), left, c);
            if x.is_zero() {
                continue;
            }
            left -= paid;
            cand.gone = x == held;
            adl::settle(acc, i, &adl::Deleverage { x, paid, ..close }, &mut events);
        }
        self.events.append(&mut events);
        left
    }

    /// Crowd accounts deleveraged out of cohort `ci` leave it and join the cohort of their new book.
    fn rehome_all(&mut self, moved: Vec<(usize, Account)>) {
        if moved.is_empty() {
            return;
        }
        // (cohort, member id) of every account that left, sorted: each cohort's are one run
        let mut gone: Vec<(usize, u32)> = moved
            .iter()
            .filter_map(|(ci, a)| match a.id {
                AccountId::Crowd(id) => Some((*ci, id)),
                _ => None,
            })
            .collect();
        gone.sort_unstable();
        for run in gone.chunk_by(|a, b| a.0 == b.0) {
            let Some(c) = self.cohorts.get_mut(run[0].0) else { continue };
            c.members.drain(..c.head);
            c.head = 0;
            c.members.retain(|x| run.binary_search_by_key(&x.id, |g| g.1).is_err());
            c.sort();
        }
        let mut spawned = vec![];
        for (ci, acc) in moved {
            let mode = self.cohorts[ci].mode;
            self.rehome(mode, acc, &mut spawned);
        }
        self.regroup(spawned);
    }

    /// New cohorts join one that already holds exactly their book, if there is one; empty ones
    /// are dropped to keep the per-step loop short.
    fn regroup(&mut self, spawned: Vec<Cohort>) {
        for mut c in spawned {
            // (the key and the f64 copy first: equal templates have equal ones, cheap to compare)
            let same = |x: &Cohort| {
                x.key == c.key
                    && x.template_f == c.template_f
                    && x.chunked_at == c.chunked_at
                    && x.template == c.template
            };
            if let Some(ex) = self.cohorts.iter_mut().find(|x| same(x)) {
                ex.members.append(&mut c.members);
                ex.sort();
            } else {
                c.sort();
                self.cohorts.push(c);
            }
        }
        self.cohorts.retain(|c| c.alive() > 0);
    }

    /// 6: the step's point of every series.
    fn record(&mut self, m: &Model, t: usize, crowd_notional: Money, crowd_count: u32) {
        let s = &mut self.series;
        for i in 0..m.assets.len() {
            s.price[i].push(self.post.market[i]);
            let (ex, ex_f) = self.index[i];
            s.exogenous_price[i].push(ex);
            s.exogenous_price_f[i].push(ex_f);
            if !m.mark.is_market() {
                s.mark_price[i].push(self.post.mark[i]);
            }
            s.price_f[i].push(self.post.market_f[i]);
            s.impact_pct[i].push(if t == 0 { 0.0 } else { (libm::exp(self.impact[i]) - 1.0) * 100.0 });
            s.forced_flow_usd[i].push(Money(self.flow[i]));
        }
        s.crowd_liquidated_notional.push(crowd_notional);
        s.crowd_accounts_liquidated.push(crowd_count);
        record_focal(s, &self.focal, &self.focal_assets, self.post.valuation(), m);
        s.insurance_fund.push(self.fund.balance);
        s.bad_debt.push(self.fund.bad_debt_paid + self.fund.adl_paid + self.fund.uncovered_bad_debt);
    }

    /// The run as it stands.
    pub fn finish(self) -> Run {
        let mut accounts = Vec::with_capacity(1 + self.explicit.len() + self.retired.len());
        accounts.push(self.focal);
        accounts.extend(self.explicit);
        accounts.extend(self.retired);
        let vault_result = self.vault.value(self.post.valuation());
        Run {
            series: self.series,
            events: self.events,
            fund: self.fund,
            accounts,
            cohorts: self.cohorts,
            focal_mode: self.focal_mode,
            focal_assets: self.focal_assets,
            rules_matter: self.rules_matter,
            vault: self.vault,
            vault_result,
        }
    }
}

impl Series {
    fn with_capacity(assets: usize, positions: usize, points: usize) -> Series {
        fn each<T>(n: usize, points: usize) -> Vec<Vec<T>> {
            (0..n).map(|_| Vec::with_capacity(points)).collect()
        }
        Series {
            price: each(assets, points),
            exogenous_price: each(assets, points),
            mark_price: each(assets, points),
            impact_pct: each(assets, points),
            forced_flow_usd: each(assets, points),
            price_f: each(assets, points),
            exogenous_price_f: each(assets, points),
            focal_position_qty: each(positions, points),
            focal_liquidation_price: each(positions, points),
            ..Series::default()
        }
    }
}

/// An f64 copy of an account, for the conservative pre-filter (see [`clearly_healthy`]).
#[derive(Clone)]
struct Mirror {
    isolated: bool,
    cash: f64,
    balances: Vec<(usize, f64)>,
    /// (asset, qty, entry, margin)
    positions: Vec<(usize, f64, f64, f64)>,
}

impl Mirror {
    fn of(a: &Account) -> Mirror {
        let f = crate::types::dec_to_f64;
        Mirror {
            isolated: a.mode == Mode::Isolated,
            cash: f(a.cash.0),
            balances: a.balances.iter().map(|(i, b)| (*i, f(b.0))).collect(),
            positions: a.positions.iter().map(|p| (p.asset, f(p.qty.0), f(p.entry.0), f(p.margin.0))).collect(),
        }
    }

    /// True only when every margin check passes with a wide f64 safety margin; anything
    /// closer is left to the exact check.
    fn clearly_healthy(&self, v: ValuationF<'_>, m: &Model) -> bool {
        let ok = |slack: f64, scale: f64| slack > 1e-9 * scale + 1e-6;
        let (prices, coll) = (v.mark, v.collateral);
        if self.isolated {
            return self.positions.iter().all(|&(a, q, e, margin)| {
                let n = q.abs() * prices[a];
                ok(margin + q * (prices[a] - e) - m.assets[a].brackets.mm_f64(n), margin.abs() + n + q.abs() * e)
            });
        }
        if self.positions.is_empty() && self.cash >= 0.0 && self.balances.iter().all(|b| b.1 >= 0.0) {
            return true;
        }
        let mut scale = self.cash.abs();
        let mut eq = self.cash;
        for &(a, b) in &self.balances {
            let v = b * coll[a];
            eq += if b > 0.0 { coll[a] * m.assets[a].tiers.counted_f(b) } else { v };
            scale += v.abs();
        }
        let mut mm = 0.0;
        for &(a, q, e, _) in &self.positions {
            let n = q.abs() * prices[a];
            eq += q * (prices[a] - e);
            mm += m.assets[a].brackets.mm_f64(n);
            scale += n + q.abs() * e;
        }
        ok(eq - mm, scale)
    }
}

/// Whether another liquidation policy could have planned `orders` for `acc` at step `t` otherwise:
/// a chunk was taken, a position above the chunk size is liquidated (unless the account is in the
/// cooldown after a chunk), or a cross plan closes some positions but not all (or, under `full`,
/// more than the largest-first walk would).
fn policy_could_matter(acc: &Account, orders: &[Order], v: Valuation<'_>, m: &Model, t: usize) -> bool {
    use super::model::Policy;
    let closes: Vec<usize> = orders
        .iter()
        .filter_map(|o| match o.target {
            liquidation::Target::Position(i) => Some(i),
            _ => None,
        })
        .collect();
    let chunk = orders.iter().zip(&closes).any(|(o, &i)| o.qty != -acc.positions[i].qty);
    let min = match m.policy {
        Policy::Chunks { min_notional, .. } => min_notional,
        _ => crate::engine::scenario::ChunkSpec::default().min_notional_usd,
    };
    // above the chunk size, or above the first bracket (a step-down would keep part of it)
    let big = closes.iter().any(|&i| {
        let p = &acc.positions[i];
        let n = p.notional(v.mark[p.asset]);
        n > min || m.assets[p.asset].brackets.tier_index(n) > 0
    });
    let cooling = m.policy.at(acc.chunked_at, t) != m.policy;
    if chunk || (big && !cooling) {
        return true;
    }
    let n = closes.len();
    if acc.mode != Mode::Cross || n == 0 {
        return false;
    }
    n < acc.positions.len()
        || (m.policy == Policy::Full
            && n > 1
            && liquidation::plan(acc, v, m, Policy::LargestMmFirst, m.fee_rate)
                .iter()
                .filter(|o| matches!(o.target, liquidation::Target::Position(_)))
                .count()
                < n)
}

/// The members of cohort `c` that are liquidatable at `pre`, as accounts; they leave the cohort.
/// An ordered cohort ([`Cohort::ordered`]) is read from its most fragile member up to the first
/// healthy one; any other is checked member by member.
fn liquidatable_members(c: &mut Cohort, pre: Valuation<'_>, pre_f: ValuationF<'_>, m: &Model) -> Vec<Account> {
    let mut out = vec![];
    if c.alive() == 0 || (c.ordered && clearly_healthy(c, c.head, pre_f, m)) {
        return out;
    }
    // the template's PnL and margin, in exact arithmetic only once a member needs the exact check
    let template = &c.template;
    let mut health = None;
    let mut liquidatable = |mem: &Member| {
        let (upnl, mm) = *health.get_or_insert_with(|| margin::positions_health(template, pre.mark, m));
        let cv = margin::collateral_value(mem.cash, &mem.balances, pre.collateral, m);
        margin::is_liquidatable(mm, cv + upnl, true)
    };
    if c.ordered {
        while c.head < c.members.len() && liquidatable(&c.members[c.head]) {
            out.push(c.account(&c.members[c.head]));
            c.head += 1; // members are ordered: everyone after a healthy one is healthier
        }
        return out;
    }
    let gone: Vec<bool> = (0..c.members.len())
        .map(|k| k >= c.head && !clearly_healthy(c, k, pre_f, m) && liquidatable(&c.members[k]))
        .collect();
    for (mem, _) in c.members.iter().zip(&gone).filter(|(_, g)| **g) {
        out.push(c.account(mem));
    }
    if !out.is_empty() {
        let mut k = 0;
        c.members.retain(|_| {
            k += 1;
            !gone[k - 1]
        });
    }
    out
}

/// A conservative f64 pre-filter for member `k` of a cohort: true only when its equity exceeds
/// its maintenance margin by far more than any f64 rounding could account for (1e-9 of the
/// book's size). Anything closer goes to the exact Decimal check, so the decision is the exact
/// one either way; this only saves the Decimal work on clearly healthy members.
fn clearly_healthy(c: &Cohort, k: usize, v: ValuationF<'_>, m: &Model) -> bool {
    let mem = &c.members[k];
    let cash = mem.cash_f;
    let (mut upnl, mut mm, mut scale) = (0.0, 0.0, cash.abs());
    for &(a, b) in &mem.balances_f {
        let x = b * v.collateral[a];
        upnl += if b > 0.0 { v.collateral[a] * m.assets[a].tiers.counted_f(b) } else { x };
        scale += x.abs();
    }
    for (p, &(a, q, e)) in c.template.iter().zip(&c.template_f) {
        let px = v.mark[a];
        let n = q.abs() * px;
        upnl += q * (px - e);
        mm += m.assets[p.asset].brackets.mm_f64(n);
        scale += n + q.abs() * e;
    }
    cash + upnl - mm > 1e-9 * scale + 1e-6
}

fn record_focal(s: &mut Series, focal: &Account, focal_assets: &[usize], v: Valuation<'_>, info: &Model) {
    let h = focal.snapshot(v, info);
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
        s.focal_liquidation_price[k].push(super::liqprice::of_position_with(
            focal,
            a,
            v,
            &h,
            info.assets[a].tick,
            info,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::scenario::Scenario;
    use proptest::prelude::*;

    fn market() -> Model {
        Model::from_scenario(&Scenario {
            crowd: crate::engine::scenario::CrowdSpec { accounts: 0, ..Default::default() },
            ..Scenario::default()
        })
        .unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4000, .. ProptestConfig::default() })]
        /// Soundness of the pre-filters: whenever they call an account or cohort "clearly
        /// healthy", the exact Decimal check agrees. (They may send healthy ones to the exact
        /// check; they may never skip a liquidatable one.)
        #[test]
        fn prefilters_never_skip_a_liquidatable_account(
            cash in -50_000i64..200_000,
            q in prop::collection::vec((-5_000_000i64..5_000_000, 1u32..200), 1..4),
            moves in prop::collection::vec(-4000i32..4000, 4),
            coll_moves in prop::collection::vec(-4000i32..4000, 4),
            eth_bal in 0u32..100,
            isolated in any::<bool>(),
        ) {
            let m = market();
            // positions at a mark, collateral at prices of its own (an index apart from the market)
            let moved = |moves: &[i32]| -> Vec<Price> { m.assets.iter().zip(moves).map(|(a, mv)| {
                let p = a.price0.0 * (Decimal::ONE + Decimal::new(*mv as i64, 4));
                Price(p).round_to_tick(a.tick)
            }).collect() };
            let (prices, coll) = (moved(&moves), moved(&coll_moves));
            let prices_f: Vec<f64> = prices.iter().map(|p| p.to_f64()).collect();
            let coll_f: Vec<f64> = coll.iter().map(|p| p.to_f64()).collect();
            let v = Valuation { market: &prices, mark: &prices, collateral: &coll };
            let vf = ValuationF { mark: &prices_f, collateral: &coll_f };
            let positions: Vec<crate::engine::margin::Position> = q.iter().enumerate().map(|(k, (qq, margin))| crate::engine::margin::Position {
                asset: k, qty: Qty(Decimal::new(*qq, 4)), entry: m.assets[k].price0, margin: Money(Decimal::from(*margin * 100)),
            }).collect();
            let mode = if isolated { Mode::Isolated } else { Mode::Cross };
            let acc = Account::new(AccountId::Focal, mode, Money(Decimal::from(cash)), vec![(1, Qty(Decimal::from(eth_bal)))], positions.clone());
            if Mirror::of(&acc).clearly_healthy(vf, &m) {
                prop_assert!(liquidation::plan(&acc, v, &m, m.policy, m.fee_rate).is_empty());
            }
            // a crowd member, with and without collateral in an asset (cash may be a loan then)
            let held = vec![(1, Qty(Decimal::from(eth_bal)))];
            for (cash, balances) in [(cash.abs(), vec![]), (cash, held)] {
                let mem = Member::new(0, Money(Decimal::from(cash)), balances, Default::default());
                let c = Cohort::new(Mode::Cross, positions.clone(), vec![mem.clone()]);
                if clearly_healthy(&c, 0, vf, &m) {
                    let (upnl, mm) = margin::positions_health(&positions, &prices, &m);
                    let cv = margin::collateral_value(mem.cash, &mem.balances, &coll, &m);
                    prop_assert!(!margin::is_liquidatable(mm, cv + upnl, true));
                }
            }
        }
    }
}
