//! Only tokio's lock here: every acquisition is awaited.

use tokio::sync::Mutex;

#[derive(Default)]
pub struct Counter {
    pub state: Mutex<Vec<u32>>,
    pub other: Mutex<Vec<u32>>,
}

impl Counter {
    /// Locks `state` again while its guard is alive: waits for itself.
    pub async fn count_then_push_hangs(&self) -> usize {
        let state = self.state.lock().await;
        let n = state.len();
        self.state.lock().await.push(n as u32);
        n
    }

    pub async fn count_then_push_fixed(&self) -> usize {
        let mut state = self.state.lock().await;
        let n = state.len();
        state.push(n as u32);
        n
    }

    /// Look-alike: the first guard is a temporary, gone at the end of its statement.
    pub async fn count_then_push_released(&self) -> usize {
        let n = self.state.lock().await.len();
        self.state.lock().await.push(n as u32);
        n
    }

    /// Through a call: `refresh` locks `state`, whose guard this fn still holds.
    pub async fn count_then_refresh_hangs(&self) -> usize {
        let state = self.state.lock().await;
        let n = state.len();
        self.refresh().await;
        n
    }

    pub async fn count_then_refresh_fixed(&self) -> usize {
        let n = self.state.lock().await.len();
        self.refresh().await;
        n
    }

    async fn refresh(&self) {
        self.state.lock().await.push(0);
    }

    /// Look-alike: two locks of the same type.
    pub async fn copy_to_other(&self) -> usize {
        let state = self.state.lock().await;
        let mut other = self.other.lock().await;
        other.extend(state.iter().copied());
        other.len()
    }
}

