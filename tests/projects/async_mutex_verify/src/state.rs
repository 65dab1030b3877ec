use std::sync::Mutex;

pub struct Counter {
    pub value: Mutex<u32>,
}

impl Counter {
    pub fn new() -> Self {
        Counter { value: Mutex::new(0) }
    }
}

impl Default for Counter {
    fn default() -> Self {
        Self::new()
    }
}
