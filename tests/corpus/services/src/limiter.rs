//! Rate limiters: errors through `?`, early returns, a phase machine.

use std::sync::Mutex;
use std::time::Duration;

use crate::io;

#[derive(Debug, PartialEq, Eq)]
pub enum LimitError {
    Poisoned,
    Exhausted,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Idle,
    Busy,
}

pub struct Limiter {
    state: Mutex<State>,
    log: Mutex<Vec<String>>,
}

struct State {
    tokens: u32,
    phase: Phase,
    granted: u64,
}

impl Limiter {
    pub fn new(tokens: u32) -> Limiter {
        Limiter {
            state: Mutex::new(State { tokens, phase: Phase::Idle, granted: 0 }),
            log: Mutex::new(Vec::new()),
        }
    }

    /// The guard comes through `?`; an early return leaves with it.
    pub async fn acquire(&self) -> Result<u64, LimitError> {
        let mut state = self.state.lock().map_err(|_| LimitError::Poisoned)?;
        if state.tokens == 0 {
            return Err(LimitError::Exhausted);
        }
        state.tokens -= 1;
        state.granted += 1;
        let granted = state.granted;
        tokio::time::sleep(Duration::from_millis(1)).await;
        Ok(granted)
    }

    /// A `Copy` field of the guarded state decides the match: the await is in an arm.
    pub async fn run_if_idle(&self) -> &'static str {
        match self.state.lock().unwrap().phase {
            Phase::Idle => {
                io().await;
                "ran"
            }
            Phase::Busy => "skipped",
        }
    }

    pub fn set_phase(&self, phase: Phase) {
        self.state.lock().unwrap().phase = phase;
    }

    /// A statement temporary alive at the await in the same statement.
    pub async fn note(&self, what: &str) -> usize {
        self.log.lock().unwrap().push(describe(what).await);
        self.log.lock().unwrap().len()
    }

    /// The guard is only read to compute the argument of the awaited call: the tail
    /// expression's temporary lives to the end of the fn.
    pub async fn report(&self) -> String {
        announce(self.log.lock().unwrap().len()).await
    }
}

async fn describe(what: &str) -> String {
    io().await;
    format!("note:{what}")
}

async fn announce(count: usize) -> String {
    io().await;
    format!("{count} notes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn grants_until_exhausted() {
        let limiter = Limiter::new(2);
        assert_eq!(limiter.acquire().await, Ok(1));
        assert_eq!(limiter.acquire().await, Ok(2));
        assert_eq!(limiter.acquire().await, Err(LimitError::Exhausted));
    }

    #[tokio::test]
    async fn runs_only_when_idle() {
        let limiter = Limiter::new(1);
        assert_eq!(limiter.run_if_idle().await, "ran");
        limiter.set_phase(Phase::Busy);
        assert_eq!(limiter.run_if_idle().await, "skipped");
    }

    #[tokio::test]
    async fn notes_and_reports() {
        let limiter = Limiter::new(1);
        assert_eq!(limiter.note("a").await, 1);
        assert_eq!(limiter.note("b").await, 2);
        assert_eq!(limiter.report().await, "2 notes");
    }
}
