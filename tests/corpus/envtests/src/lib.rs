//! Settings read from the environment, and the tests that set it: a process-wide lock
//! serialises them, held across the awaits of `#[tokio::test]` fns.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Mutex;

pub async fn read_setting(key: &str) -> Option<String> {
    tokio::task::yield_now().await;
    std::env::var(key).ok()
}

/// Serialises the fns that write the audit file: the guard protects the code after it, not
/// the `()` inside.
static WRITE_LOCK: Mutex<()> = Mutex::new(());

pub async fn write_twice(out: &Mutex<Vec<String>>, line: &str) {
    let _serial = WRITE_LOCK.lock().unwrap();
    out.lock().unwrap().push(format!("{line} 1"));
    tokio::task::yield_now().await;
    out.lock().unwrap().push(format!("{line} 2"));
}

/// A `RefCell` borrow on a single-threaded runtime, released before the await.
pub async fn local_total(cells: Rc<RefCell<Vec<u32>>>) -> u32 {
    let values = cells.borrow();
    let total: u32 = values.iter().sum();
    tokio::task::yield_now().await;
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    static ENV_LOCK: Mutex<()> = Mutex::new(());

    #[tokio::test]
    async fn reads_a_set_variable() {
        let _guard = ENV_LOCK.lock().unwrap();
        unsafe { std::env::set_var("CORPUS_SETTING", "on") };
        assert_eq!(read_setting("CORPUS_SETTING").await.as_deref(), Some("on"));
        unsafe { std::env::remove_var("CORPUS_SETTING") };
    }

    #[tokio::test]
    async fn reads_nothing_when_unset() {
        let _guard = ENV_LOCK.lock().unwrap();
        unsafe { std::env::remove_var("CORPUS_SETTING") };
        assert_eq!(read_setting("CORPUS_SETTING").await, None);
    }

    #[test]
    fn sync_test_takes_the_same_lock() {
        let _guard = ENV_LOCK.lock().unwrap();
        unsafe { std::env::set_var("CORPUS_SETTING", "sync") };
        assert_eq!(std::env::var("CORPUS_SETTING").as_deref(), Ok("sync"));
        unsafe { std::env::remove_var("CORPUS_SETTING") };
    }

    // Spawned tasks need `Send` futures: with the send checks only.
    #[cfg(feature = "send-checks")]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writes_stay_paired() {
        let out = std::sync::Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for n in 0..4 {
            let out = std::sync::Arc::clone(&out);
            tasks.push(tokio::spawn(async move { write_twice(&out, &n.to_string()).await }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let out = out.lock().unwrap();
        for pair in out.chunks(2) {
            assert_eq!(pair[0].split(' ').next(), pair[1].split(' ').next(), "{out:?}");
        }
    }

    #[tokio::test]
    async fn sums_locally() {
        let cells = Rc::new(RefCell::new(vec![1, 2, 3]));
        assert_eq!(local_total(cells).await, 6);
    }
}

#[cfg(feature = "send-checks")]
mod send_checks {
    fn assert_send<T: Send>(_: T) {}

    #[test]
    fn futures_are_send() {
        let out = std::sync::Mutex::new(Vec::new());
        assert_send(super::write_twice(&out, "x"));
    }
}
