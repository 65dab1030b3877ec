// Deadlock kinds are reported by default (not with `--no-deadlocks`).
// A lock taken again while a guard of it is alive in the same fn: never granted. Each shape
// here is the same lock by place (`self.state`, `m`); the look-alikes below stay clean.
use std::sync::{Mutex, RwLock};

async fn tick() {}

struct Service {
    state: tokio::sync::Mutex<Vec<u32>>,
    table: Mutex<Vec<u32>>,
}

impl Service {
    // tokio's lock: the second `lock().await` waits for a guard this task holds: it hangs.
    async fn count_then_push(&self) -> usize {
        let state = self.state.lock().await;
        let n = state.len();
        self.state.lock().await.push(n as u32);
        n
    }

    // std's lock: the thread deadlocks (or panics), and the guard is held across the await too.
    async fn check_twice(&self) {
        let table = self.table.lock().unwrap();
        tick().await;
        let again = self.table.lock().unwrap();
        drop((table, again));
    }
}

// The scrutinee's temporary guard lives through the whole `match`: locking in an arm hangs.
async fn match_arm_locks_again(m: &Mutex<Vec<u32>>) {
    match m.lock().unwrap().len() {
        0 => m.lock().unwrap().push(1),
        _ => {}
    }
    tick().await;
}

// Before edition 2024 the `if let` scrutinee's guard lives through `else` too.
async fn else_branch_locks_again(m: &Mutex<Vec<u32>>) {
    if let Some(first) = m.lock().unwrap().first().copied() {
        let _ = first;
    } else {
        m.lock().unwrap().push(0);
    }
    tick().await;
}

// A read guard alive while the same `RwLock` is written.
async fn read_then_write(l: &RwLock<u32>) {
    let r = l.read().unwrap();
    let mut w = l.write().unwrap();
    *w += *r;
    tick().await;
}

// ---- look-alikes: not deadlocks ----

async fn released_first(m: &Mutex<u32>) {
    let a = m.lock().unwrap();
    let value = *a;
    drop(a);
    *m.lock().unwrap() = value + 1;
    tick().await;
}

async fn block_ends_first(m: &Mutex<u32>) {
    let value = {
        let a = m.lock().unwrap();
        *a
    };
    *m.lock().unwrap() = value;
    tick().await;
}

async fn two_locks_of_one_type(a: &Mutex<u32>, b: &Mutex<u32>) {
    let x = a.lock().unwrap();
    let y = b.lock().unwrap();
    drop((x, y));
    tick().await;
}

async fn two_readers(l: &RwLock<u32>) -> u32 {
    let r1 = l.read().unwrap();
    let r2 = l.read().unwrap();
    let sum = *r1 + *r2;
    drop((r1, r2));
    tick().await;
    sum
}

async fn reentrant(m: &parking_lot::ReentrantMutex<u32>) {
    let a = m.lock();
    let b = m.lock();
    drop((a, b));
    tick().await;
}

async fn try_lock_fails_instead(m: &Mutex<u32>) {
    let a = m.lock().unwrap();
    let b = m.try_lock();
    drop((a, b));
    tick().await;
}

async fn indexed_locks_may_differ(locks: &[Mutex<u32>], i: usize, j: usize) {
    let a = locks[i].lock().unwrap();
    let b = locks[j].lock().unwrap();
    drop((a, b));
    tick().await;
}

async fn if_released_on_one_path(m: &Mutex<u32>, flag: bool) {
    let a = m.lock().unwrap();
    if flag {
        drop(a);
    }
    // Alive here only when `flag` is false: not reported (held on every path is the rule).
    let _ = m.try_lock();
    tick().await;
}

// Seen in a real client: `try_lock` first, and on `Err` wait for whoever holds the lock. The
// `Err` arm holds no guard.
async fn try_first_then_wait(refresh: &tokio::sync::Mutex<u32>) -> u32 {
    let guard = match refresh.try_lock() {
        Ok(guard) => guard,
        Err(_) => {
            let waited = refresh.lock().await;
            return *waited;
        }
    };
    *guard
}

// Also seen: the read guard handed to `try_map`, whose `Err` gives it back and `ok()` drops it:
// in the `None` arm nothing is held.
async fn read_or_insert(rooms: &tokio::sync::RwLock<Vec<u32>>) -> u32 {
    match tokio::sync::RwLockReadGuard::try_map(rooms.read().await, |rooms| rooms.first()).ok() {
        Some(first) => *first,
        None => {
            rooms.write().await.push(1);
            1
        }
    }
}

// Through a call: `refresh` (and `reload`, through `refresh`) takes `self.entries` again.
struct Cache {
    entries: tokio::sync::Mutex<Vec<u32>>,
    stats: tokio::sync::Mutex<u32>,
}

impl Cache {
    async fn get(&self) -> u32 {
        let entries = self.entries.lock().await;
        if entries.is_empty() {
            self.reload().await;
        }
        entries[0]
    }

    async fn reload(&self) {
        self.refresh().await;
    }

    async fn refresh(&self) {
        self.entries.lock().await.push(1);
    }

    // Look-alikes: the callee takes another lock, runs its lock in a spawned task, or is
    // called once the guard is gone.
    async fn count(&self) -> usize {
        let entries = self.entries.lock().await;
        self.bump().await;
        self.refresh_later();
        let n = entries.len();
        drop(entries);
        self.refresh().await;
        n
    }

    async fn bump(&self) {
        *self.stats.lock().await += 1;
    }

    fn refresh_later(&self) {
        let entries = std::sync::Arc::new(tokio::sync::Mutex::new(Vec::<u32>::new()));
        tokio::spawn(async move { entries.lock().await.push(1) });
    }
}

// Awaiting a task that needs the lock held here: it waits for us, we wait for it.
async fn await_task_that_locks(state: std::sync::Arc<tokio::sync::Mutex<u32>>) {
    let guard = state.lock().await;
    let shared = state.clone();
    let task = tokio::spawn(async move {
        *shared.lock().await += 1;
    });
    let _ = task.await;
    drop(guard);
}

// The same with `Arc::clone` and `spawn_blocking` on a std lock, awaited at once.
async fn await_blocking_task(table: std::sync::Arc<Mutex<u32>>) {
    let guard = table.lock().unwrap();
    let shared = std::sync::Arc::clone(&table);
    let _ = tokio::task::spawn_blocking(move || *shared.lock().unwrap() += 1).await;
    drop(guard);
}

// Look-alikes: released before the await of the task, a task that takes another lock, a
// task that is not awaited here.
async fn await_task_after_release(state: std::sync::Arc<tokio::sync::Mutex<u32>>, other: std::sync::Arc<tokio::sync::Mutex<u32>>) {
    let guard = state.lock().await;
    let shared = state.clone();
    let task = tokio::spawn(async move {
        *shared.lock().await += 1;
    });
    let elsewhere = other.clone();
    let unrelated = tokio::spawn(async move {
        *elsewhere.lock().await += 1;
    });
    let _ = unrelated.await;
    drop(guard);
    let _ = task.await;
}

// Lock order: `deposit` takes accounts then ledger, `audit` ledger then accounts. Run at the
// same time, each holds what the other waits for.
struct Bank {
    accounts: tokio::sync::Mutex<u32>,
    ledger: tokio::sync::Mutex<u32>,
    shelves: tokio::sync::RwLock<u32>,
    catalogue: tokio::sync::RwLock<u32>,
}

static FIRST: Mutex<u32> = Mutex::new(0);
static SECOND: Mutex<u32> = Mutex::new(0);

impl Bank {
    async fn deposit(&self) {
        let accounts = self.accounts.lock().await;
        let ledger = self.ledger.lock().await;
        drop((accounts, ledger));
        tick().await;
    }

    async fn audit(&self) {
        let ledger = self.ledger.lock().await;
        let accounts = self.accounts.lock().await;
        drop((ledger, accounts));
        tick().await;
    }

    // `deposit`'s order again: it deadlocks with `audit` too.
    async fn transfer(&self) {
        let accounts = self.accounts.lock().await;
        let ledger = self.ledger.lock().await;
        drop((accounts, ledger));
        tick().await;
    }

    // Look-alikes: one released before the other is taken; two readers in opposite orders
    // (readers do not exclude readers).
    async fn one_at_a_time(&self) {
        let total = *self.ledger.lock().await;
        *self.accounts.lock().await += total;
        tick().await;
    }

    async fn browse(&self) -> u32 {
        let shelves = self.shelves.read().await;
        let catalogue = self.catalogue.read().await;
        *shelves + *catalogue
    }

    async fn index(&self) -> u32 {
        let catalogue = self.catalogue.read().await;
        let shelves = self.shelves.read().await;
        *shelves + *catalogue
    }
}

// Statics in opposite orders.
async fn first_then_second() {
    let a = FIRST.lock().unwrap();
    let b = SECOND.lock().unwrap();
    drop((a, b));
    tick().await;
}

async fn second_then_first() {
    let b = SECOND.lock().unwrap();
    let a = FIRST.lock().unwrap();
    drop((b, a));
    tick().await;
}

// Waiting on a channel whose sender is in a task that needs the lock held here.
async fn await_reply_from_task_that_locks(state: std::sync::Arc<tokio::sync::Mutex<u32>>) -> u32 {
    let guard = state.lock().await;
    let (reply, answer) = tokio::sync::oneshot::channel();
    let shared = state.clone();
    tokio::spawn(async move {
        let value = *shared.lock().await;
        let _ = reply.send(value);
    });
    let value = answer.await.unwrap_or_default();
    value + *guard
}

// Look-alike: the task that sends does not lock; the one that locks does not send.
async fn await_reply_from_task_that_does_not_lock(state: std::sync::Arc<tokio::sync::Mutex<u32>>) -> u32 {
    let guard = state.lock().await;
    let (reply, mut answers) = tokio::sync::mpsc::channel(1);
    tokio::spawn(async move {
        let _ = reply.send(1).await;
    });
    let shared = state.clone();
    let _background = tokio::spawn(async move { *shared.lock().await += 1 });
    let value = answers.recv().await.unwrap_or_default();
    value + *guard
}

// Look-alike seen in guardfix's own relock fixture: the lock's owner is rebound, so the second
// `store.table` is another lock.
async fn owner_rebound(store: &Service) -> usize {
    let table = store.table.lock().unwrap();
    let store = Service { state: tokio::sync::Mutex::new(Vec::new()), table: Mutex::new(Vec::new()) };
    let count = store.table.lock().unwrap().len();
    tick().await;
    table.len() + count
}
