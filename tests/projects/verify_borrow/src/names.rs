use std::sync::Mutex;

pub struct Names {
    list: Vec<String>,
}

impl Names {
    /// Borrows from `self`: whatever holds the result keeps `self` (here, the guard) borrowed.
    pub fn head(&self) -> &str {
        &self.list[0]
    }
}

pub async fn first_len(names: &Mutex<Names>) -> usize {
    let guard = names.lock().unwrap();
    let first = guard.head();
    crate::tick().await;
    first.len()
}
