//! A session registry whose helper methods return guards.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use crate::io;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Active,
    Draining,
    Closed,
}

pub struct Session {
    pub user: String,
    pub status: Status,
}

#[derive(Default)]
pub struct Registry {
    sessions: Mutex<HashMap<u32, Session>>,
    audit: Mutex<Vec<String>>,
    closed: Mutex<u32>,
}

fn count_active(sessions: &HashMap<u32, Session>) -> usize {
    sessions.values().filter(|session| session.status == Status::Active).count()
}

async fn persist(count: usize) -> usize {
    io().await;
    count
}

impl Registry {
    fn sessions(&self) -> MutexGuard<'_, HashMap<u32, Session>> {
        self.sessions.lock().unwrap()
    }

    pub fn open(&self, id: u32, user: &str) {
        self.sessions().insert(id, Session { user: user.to_owned(), status: Status::Active });
    }

    /// A guard from a helper method, read and released before the await.
    pub async fn active(&self) -> usize {
        let sessions = self.sessions();
        let active = count_active(&sessions);
        io().await;
        active
    }

    /// The helper's guard as a temporary of the awaiting statement.
    pub async fn persist_count(&self) -> usize {
        persist(self.sessions().len()).await
    }

    /// Two guards: the section must end both before the await.
    pub async fn audit_open(&self) -> usize {
        let sessions = self.sessions.lock().unwrap();
        let mut audit = self.audit.lock().unwrap();
        audit.push(format!("{} open", sessions.len()));
        let entries = audit.len();
        io().await;
        entries
    }

    /// A guard moved out of the block that took it, still alive at the await.
    pub async fn rename(&self, id: u32, user: &str) -> Option<String> {
        let mut sessions = {
            let mut sessions = self.sessions.lock().unwrap();
            sessions.entry(id).and_modify(|session| session.user = user.to_owned());
            sessions
        };
        io().await;
        sessions.get_mut(&id).map(|session| session.user.clone())
    }

    /// The guard is dropped in the arm that awaits, but the scrutinee borrowed it first.
    pub async fn close(&self, id: u32) -> bool {
        let sessions = self.sessions.lock().unwrap();
        let status = sessions.get(&id).map(|session| session.status.clone());
        match status {
            Some(Status::Active | Status::Draining) => {
                drop(sessions);
                *self.closed.lock().unwrap() += 1;
                io().await;
                true
            }
            _ => false,
        }
    }

    pub fn closed(&self) -> u32 {
        *self.closed.lock().unwrap()
    }

    /// A guard taken through a closure.
    pub async fn users(&self) -> Vec<String> {
        let lock = || self.sessions.lock().unwrap();
        let sessions = lock();
        let mut users: Vec<String> = sessions.values().map(|s| s.user.clone()).collect();
        users.sort();
        io().await;
        users
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry() -> Registry {
        let registry = Registry::default();
        registry.open(1, "ann");
        registry.open(2, "bob");
        registry
    }

    #[tokio::test]
    async fn counts_active_sessions() {
        let registry = registry();
        assert_eq!(registry.active().await, 2);
        assert_eq!(registry.persist_count().await, 2);
    }

    #[tokio::test]
    async fn audits() {
        let registry = registry();
        assert_eq!(registry.audit_open().await, 1);
        assert_eq!(registry.audit_open().await, 2);
    }

    #[tokio::test]
    async fn renames() {
        let registry = registry();
        assert_eq!(registry.rename(1, "cat").await, Some("cat".to_owned()));
        assert_eq!(registry.rename(9, "dan").await, None);
    }

    #[tokio::test]
    async fn closes_active_only() {
        let registry = registry();
        assert!(registry.close(1).await);
        assert!(!registry.close(9).await);
        assert_eq!(registry.closed(), 1);
    }

    #[tokio::test]
    async fn lists_users() {
        assert_eq!(registry().users().await, ["ann", "bob"]);
    }
}
