//! Locks in statics: one built in the static's own (const) initializer, which becomes
//! tokio's `const_new`, and one behind a `LazyLock`, whose closure keeps `new`.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, RwLock};

static REQUESTS: Mutex<Vec<String>> = Mutex::new(Vec::new());

static NAMES: LazyLock<RwLock<HashMap<u32, String>>> =
    LazyLock::new(|| RwLock::new(HashMap::new()));

async fn lookup(id: u32) -> String {
    tokio::task::yield_now().await;
    format!("user-{id}")
}

/// Records the request after the lookup, in the order the requests came in.
pub async fn record(id: u32) -> usize {
    let mut requests = REQUESTS.lock().unwrap();
    let name = lookup(id).await;
    requests.push(name);
    requests.len()
}

/// Names are resolved once, under the write lock.
pub async fn name_of(id: u32) -> String {
    let mut names = NAMES.write().unwrap();
    if let Some(name) = names.get(&id) {
        return name.clone();
    }
    let name = lookup(id).await;
    names.insert(id, name.clone());
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>(_: T) {}

    #[test]
    fn futures_are_send() {
        assert_send(record(1));
        assert_send(name_of(1));
    }

    /// A sync `#[test]` runs on the harness's thread: `blocking_read()` is safe there.
    #[test]
    fn no_name_for_id_zero() {
        assert!(!NAMES.read().unwrap().contains_key(&0));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn records_and_names() {
        assert_eq!(record(7).await, 1);
        assert_eq!(name_of(7).await, "user-7");
        assert_eq!(name_of(7).await, "user-7");
    }
}
