//! Conservation of value, exact to the last decimal. For every account:
//! `closing cash = opening cash + realised PnL − fees + collateral sale proceeds + bad debt
//! written off − paid by auto-deleveraging − passed to the backstop vault` (cash includes
//! isolated margins; the vault's cash is what the accounts passed to it), and for the
//! insurance fund: `closing = opening + fees − bad debt paid`, with every fee an account paid
//! received by the fund and every written-off amount paid by the fund, paid by the positions
//! auto-deleveraged (what they paid, summed over the accounts, is what the fund reports as covered
//! by them), or reported as uncovered.

use super::account::{AccountId, Ledger};
use super::sim::Run;
use crate::types::Money;
use serde::Serialize;

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Conservation {
    pub accounts_checked: usize,
    pub exact: bool,
    pub violations: Vec<String>,
    pub fund_opening: Money,
    pub fund_fees: Money,
    pub fund_bad_debt_paid: Money,
    /// Bad debt covered by auto-deleveraging.
    #[serde(skip_serializing_if = "Money::is_zero_ref")]
    pub adl_paid: Money,
    /// Cash passed to the backstop vault with its takeovers.
    #[serde(skip_serializing_if = "Money::is_zero_ref")]
    pub backstop_transferred: Money,
    pub fund_closing: Money,
    pub bad_debt_uncovered: Money,
}

/// The cash a ledger adds up to, and whether the ledger is its opening cash alone (most of the
/// crowd is never liquidated: its terms are all zero, and are not added up).
fn ledger_cash(l: &Ledger) -> (Money, bool) {
    let untouched =
        [l.realized_pnl, l.fees, l.sale_proceeds, l.bad_debt_written_off, l.adl_paid, l.backstop_transferred]
            .iter()
            .all(|m| m.0.is_zero());
    if untouched {
        return (l.opening_cash, true);
    }
    let cash = l.opening_cash + l.realized_pnl - l.fees + l.sale_proceeds + l.bad_debt_written_off
        - l.adl_paid
        - l.backstop_transferred;
    (cash, false)
}

pub fn check(r: &Run) -> Conservation {
    let mut fees = Money::ZERO;
    let mut written_off = Money::ZERO;
    let mut adl_paid = Money::ZERO;
    let mut to_vault = Money::ZERO;
    let mut checked = 0usize;
    // (who, cash, what the ledger adds up to) of every account whose ledger does not add up
    let mut wrong: Vec<(AccountId, Money, Money)> = vec![];
    let mut visit = |id: AccountId, cash: Money, l: &Ledger| {
        checked += 1;
        let (expect, untouched) = ledger_cash(l);
        if expect != cash {
            wrong.push((id, cash, expect));
        }
        if !untouched {
            fees += l.fees;
            written_off += l.bad_debt_written_off;
            adl_paid += l.adl_paid;
            to_vault += l.backstop_transferred;
        }
    };
    // every account, the crowd's still in their cohorts read in place (not materialised)
    for a in &r.accounts {
        visit(a.id, a.total_cash(), &a.ledger);
    }
    for c in &r.cohorts {
        let margins: Money = c.template.iter().map(|p| p.margin).sum();
        for mem in &c.members[c.head..] {
            visit(AccountId::Crowd(mem.id), mem.cash + margins, &mem.ledger);
        }
    }
    wrong.sort_by_key(|w| w.0);
    let mut violations: Vec<String> = wrong
        .iter()
        .map(|(id, got, expect)| format!("{id:?}: cash {got} but the ledger adds up to {expect}"))
        .collect();
    let f = &r.fund;
    if f.balance != f.opening + f.fees_received - f.bad_debt_paid {
        violations
            .push(format!("fund: balance {} ≠ {} + {} − {}", f.balance, f.opening, f.fees_received, f.bad_debt_paid));
    }
    if fees != f.fees_received {
        violations.push(format!("fees paid by accounts {} ≠ fees received by the fund {}", fees, f.fees_received));
    }
    if to_vault != r.vault.cash {
        violations.push(format!("cash passed to the backstop vault {} ≠ the vault's cash {}", to_vault, r.vault.cash));
    }
    if adl_paid != f.adl_paid {
        violations.push(format!("paid by deleveraged positions {} ≠ covered by ADL {}", adl_paid, f.adl_paid));
    }
    if written_off != f.bad_debt_paid + f.adl_paid + f.uncovered_bad_debt {
        violations.push(format!(
            "bad debt written off {} ≠ paid {} + ADL {} + uncovered {}",
            written_off, f.bad_debt_paid, f.adl_paid, f.uncovered_bad_debt
        ));
    }
    Conservation {
        accounts_checked: checked,
        exact: violations.is_empty(),
        violations,
        fund_opening: f.opening,
        fund_fees: f.fees_received,
        fund_bad_debt_paid: f.bad_debt_paid,
        adl_paid: f.adl_paid,
        backstop_transferred: r.vault.cash,
        fund_closing: f.balance,
        bad_debt_uncovered: f.uncovered_bad_debt,
    }
}
