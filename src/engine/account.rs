//! Accounts: the margin mode, an account as it opens (`AccountInit`), an account as it runs
//! (`Account`, with the ledger of what happened to its cash), and who it is (`AccountId`).

use super::margin::{self, AssetInfo, Position};
use crate::types::{Money, Qty};
use rust_decimal::Decimal;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Cross,
    Isolated,
}

impl Mode {
    pub fn other(self) -> Mode {
        match self {
            Mode::Cross => Mode::Isolated,
            Mode::Isolated => Mode::Cross,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Mode::Cross => "cross",
            Mode::Isolated => "isolated",
        }
    }
}

/// An account as it opens. `cash` is USD in the wallet (after isolated margins are posted).
#[derive(Clone, Debug)]
pub struct AccountInit {
    pub name: String,
    pub mode: Mode,
    pub cash: Money,
    pub balances: Vec<(usize, Qty)>,
    pub positions: Vec<Position>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum AccountId {
    Focal,
    Explicit(u32),
    Crowd(u32),
}

/// What happened to an account's cash, summed over the run.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Ledger {
    /// Cash at the opening, including isolated margins.
    pub opening_cash: Money,
    pub realized_pnl: Money,
    pub fees: Money,
    pub sale_proceeds: Money,
    pub bad_debt_written_off: Money,
    /// What the account's positions paid toward others' bad debt when auto-deleveraged.
    pub adl_paid: Money,
    /// Cash that passed to the backstop vault with a takeover (`backstop.rs`).
    pub backstop_transferred: Money,
}

#[derive(Clone, Debug)]
pub struct Account {
    pub id: AccountId,
    pub mode: Mode,
    /// USD in the wallet (negative = a loan).
    pub cash: Money,
    pub balances: Vec<(usize, Qty)>,
    pub positions: Vec<Position>,
    pub ledger: Ledger,
    /// The step of the account's partial liquidation under the `chunks` policy, if it took one:
    /// within the cooldown after it, its liquidations close whole positions.
    pub chunked_at: Option<usize>,
}

impl Account {
    pub fn new(
        id: AccountId,
        mode: Mode,
        cash: Money,
        balances: Vec<(usize, Qty)>,
        positions: Vec<Position>,
    ) -> Account {
        let mut a = Account { id, mode, cash, balances, positions, ledger: Ledger::default(), chunked_at: None };
        a.ledger.opening_cash = a.total_cash();
        a
    }

    /// Wallet cash plus the margins posted in isolated positions.
    pub fn total_cash(&self) -> Money {
        self.cash + self.positions.iter().map(|p| p.margin).sum::<Money>()
    }

    pub fn snapshot(&self, v: margin::Valuation<'_>, info: &(impl AssetInfo + ?Sized)) -> margin::Health {
        margin::snapshot(self.cash, &self.balances, &self.positions, self.mode == Mode::Isolated, v, info)
    }

    /// Positions, a USD loan or an asset loan: something the venue may have to close or repay.
    pub fn has_exposure(&self) -> bool {
        !self.positions.is_empty()
            || self.cash.0 < Decimal::ZERO
            || self.balances.iter().any(|b| b.1 .0 < Decimal::ZERO)
    }
}
