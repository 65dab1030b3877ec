use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The lock declared here is used in three other modules.
pub struct State {
    pub sessions: Arc<Mutex<HashMap<u32, String>>>,
    /// Also locked from sync code (`settings::snapshot`): not switched, with the reason.
    pub settings: Mutex<Vec<String>>,
}

impl State {
    pub fn new() -> Self {
        State { sessions: Arc::new(Mutex::new(HashMap::new())), settings: Mutex::new(Vec::new()) }
    }
}

impl Default for State {
    fn default() -> Self {
        Self::new()
    }
}
