//! Two locks in opposite orders: `deposit` takes `accounts` then `ledger`, `audit_hangs`
//! `ledger` then `accounts`. Run together, each holds what the other waits for.
//! `audit_fixed` takes them in `deposit`'s order.

use tokio::sync::Mutex;

#[derive(Default)]
pub struct Bank {
    pub accounts: Mutex<u32>,
    pub ledger: Mutex<u32>,
}

impl Bank {
    pub async fn deposit(&self) {
        let mut accounts = self.accounts.lock().await;
        tokio::task::yield_now().await;
        let mut ledger = self.ledger.lock().await;
        *accounts += 1;
        *ledger += 1;
    }

    pub async fn audit_hangs(&self) -> u32 {
        let ledger = self.ledger.lock().await;
        tokio::task::yield_now().await;
        let accounts = self.accounts.lock().await;
        *ledger + *accounts
    }

    pub async fn audit_fixed(&self) -> u32 {
        let accounts = self.accounts.lock().await;
        tokio::task::yield_now().await;
        let ledger = self.ledger.lock().await;
        *ledger + *accounts
    }
}
