use std::collections::HashMap;
use std::sync::{Mutex, RwLock};

async fn tick() {}

struct Cache {
    log: RwLock<Vec<String>>,
    entries: Mutex<HashMap<String, u32>>,
}

impl Cache {
    // The last `let` becomes the block's tail.
    async fn one_value(&self, key: &str) -> usize {
        let mut log = self.log.write().unwrap();
        log.push(key.to_owned());
        let n = log.len();
        tick().await;
        n
    }

    // Several values come out as a tuple, keeping `mut`.
    async fn two_values(&self, key: &str) -> (usize, Option<u32>) {
        let entries = self.entries.lock().unwrap(); // comments stay
        let count = entries.len();
        let mut found = entries.get(key).copied();
        tick().await;
        found = found.map(|v| v + 1);
        (count, found)
    }

    // Nothing used later: a plain block.
    async fn no_values(&self, key: &str) {
        let mut entries = self.entries.lock().unwrap();
        entries.insert(key.to_owned(), 1);

        // the comment before the await stays outside
        tick().await;
    }

    // `?` and `return` inside the block keep their meaning.
    async fn control_flow(&self, key: &str) -> Option<u32> {
        let entries = self.entries.lock().unwrap();
        let value = *entries.get(key)?;
        if value == 0 {
            return None;
        }
        tick().await;
        Some(value)
    }

    // Two guards in one fn compose.
    async fn two_guards(&self) -> usize {
        let log = self.log.read().unwrap();
        let a = log.len();
        tick().await;
        let entries = self.entries.lock().unwrap();
        let b = entries.len();
        tick().await;
        a + b
    }
}

// Nested blocks: the guard's own block is the one that is split.
async fn nested(m: &Mutex<Vec<u32>>, c: bool) -> u32 {
    if c {
        let g = m.lock().unwrap();
        let first = g[0];
        tick().await;
        return first;
    }
    0
}

// In a loop body.
async fn in_loop(m: &Mutex<Vec<u32>>) {
    for i in 0..3 {
        let mut g = m.lock().unwrap();
        g.push(i);
        tick().await;
    }
}

// Not fixable by scope: used after the await.
async fn used_after(m: &Mutex<Vec<u32>>) {
    let mut g = m.lock().unwrap();
    tick().await;
    g.push(1);
}

// A reference into the guard cannot leave the block: left alone.
async fn borrowed_output(m: &Mutex<Vec<String>>) -> usize {
    let g = m.lock().unwrap();
    let first = &g[0];
    tick().await;
    first.len()
}

// Through a borrowing method, even after `unwrap`.
async fn borrowed_through_method(m: &Mutex<Vec<String>>) -> usize {
    let g = m.lock().unwrap();
    let first = g.first().unwrap();
    tick().await;
    first.len()
}

// A copy read out of the guard is owned: fixed.
async fn copied_output(m: &Mutex<Vec<u32>>) -> u32 {
    let g = m.lock().unwrap();
    let first = g.first().copied().unwrap_or(0);
    tick().await;
    first
}
