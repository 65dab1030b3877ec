//! A store whose maintenance is in another file (`maintenance.rs`): the locks a call takes are
//! followed through the crate's files, at any depth.

mod maintenance;

use tokio::sync::Mutex;

#[derive(Default)]
pub struct Store {
    pub index: Mutex<Vec<u32>>,
    pub log: Mutex<Vec<u32>>,
}

impl Store {
    /// Holds `index` and calls `compact`, which locks `index` through `rebuild_index` (both in
    /// maintenance.rs): waits for itself.
    pub async fn lookup_hangs(&self) -> usize {
        let index = self.index.lock().await;
        if index.is_empty() {
            self.compact().await;
        }
        index.len()
    }

    pub async fn lookup_fixed(&self) -> usize {
        let empty = self.index.lock().await.is_empty();
        if empty {
            self.compact().await;
        }
        self.index.lock().await.len()
    }

    /// Look-alike: calling the async `rebuild_index` makes a future and locks nothing; it is
    /// awaited after the guard is gone.
    pub async fn lookup_later(&self) -> usize {
        let index = self.index.lock().await;
        let rebuild = self.rebuild_index();
        let n = index.len();
        drop(index);
        rebuild.await;
        n
    }

    /// Takes `log`, then `index` in `note_in_index` (maintenance.rs), whose `flush_hangs` takes
    /// them in the other order.
    pub async fn append(&self, entry: u32) {
        let mut log = self.log.lock().await;
        log.push(entry);
        tokio::task::yield_now().await;
        self.note_in_index(entry).await;
    }
}
