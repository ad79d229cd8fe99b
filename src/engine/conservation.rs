//! Conservation of value, exact to the last decimal. For every account:
//! `closing cash = opening cash + realised PnL − fees + collateral sale proceeds + bad debt
//! written off` (cash includes isolated margins), and for the insurance fund:
//! `closing = opening + fees − bad debt paid`, with every fee an account paid received by the
//! fund and every written-off amount either paid by the fund or reported as uncovered.

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
    pub fund_closing: Money,
    pub bad_debt_uncovered: Money,
}

pub fn check(r: &Run) -> Conservation {
    let mut violations = vec![];
    let mut fees = Money::ZERO;
    let mut written_off = Money::ZERO;
    let accounts = r.all_accounts();
    for a in &accounts {
        let l = &a.ledger;
        let expect = l.opening_cash + l.realized_pnl - l.fees + l.sale_proceeds + l.bad_debt_written_off;
        let got = a.total_cash();
        if expect != got {
            violations.push(format!("{:?}: cash {} but the ledger adds up to {}", a.id, got, expect));
        }
        fees += l.fees;
        written_off += l.bad_debt_written_off;
    }
    let f = &r.fund;
    if f.balance != f.opening + f.fees_received - f.bad_debt_paid {
        violations
            .push(format!("fund: balance {} ≠ {} + {} − {}", f.balance, f.opening, f.fees_received, f.bad_debt_paid));
    }
    if fees != f.fees_received {
        violations.push(format!("fees paid by accounts {} ≠ fees received by the fund {}", fees, f.fees_received));
    }
    if written_off != f.bad_debt_paid + f.uncovered_bad_debt {
        violations.push(format!(
            "bad debt written off {} ≠ paid {} + uncovered {}",
            written_off, f.bad_debt_paid, f.uncovered_bad_debt
        ));
    }
    Conservation {
        accounts_checked: accounts.len(),
        exact: violations.is_empty(),
        violations,
        fund_opening: f.opening,
        fund_fees: f.fees_received,
        fund_bad_debt_paid: f.bad_debt_paid,
        fund_closing: f.balance,
        bad_debt_uncovered: f.uncovered_bad_debt,
    }
}
