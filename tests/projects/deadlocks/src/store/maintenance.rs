//! `Store`'s methods in a second file.

use super::Store;

impl Store {
    pub(super) async fn compact(&self) {
        self.rebuild_index().await;
    }

    pub(super) async fn rebuild_index(&self) {
        let mut index = self.index.lock().await;
        index.sort();
        index.push(0);
    }

    pub(super) async fn note_in_index(&self, entry: u32) {
        self.index.lock().await.push(entry);
    }

    /// Takes `index` then `log`: `append` (mod.rs) takes `log` then `index`.
    pub async fn flush_hangs(&self) -> usize {
        let index = self.index.lock().await;
        tokio::task::yield_now().await;
        let log = self.log.lock().await;
        index.len() + log.len()
    }

    /// `append`'s order: `log` then `index`.
    pub async fn flush_fixed(&self) -> usize {
        let log = self.log.lock().await;
        tokio::task::yield_now().await;
        let index = self.index.lock().await;
        index.len() + log.len()
    }
}
