use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The session lock declared here is used in three other modules.
pub struct State {
    pub sessions: Arc<Mutex<HashMap<u32, String>>>,
    /// Also locked from sync code, in a `spawn_blocking` closure: `blocking_lock()` there.
    pub settings: Mutex<Vec<String>>,
    /// Also locked from a plain sync fn: not switched, and the reason says where.
    pub log: Mutex<Vec<String>>,
}

impl State {
    pub fn new() -> Self {
        State {
            sessions: Arc::new(Mutex::new(HashMap::new())),
            settings: Mutex::new(Vec::new()),
            log: Mutex::new(Vec::new()),
        }
    }
}

impl Default for State {
    fn default() -> Self {
        Self::new()
    }
}
