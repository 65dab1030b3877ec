use std::sync::Mutex;

pub struct Names {
    list: Vec<String>,
}

impl Names {
    /// Named like a count, but borrows from `self`: whatever holds the result keeps `self`
    /// (here, the guard) borrowed. Only the compiler sees that.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> &str {
        &self.list[0]
    }
}

pub async fn first_len(names: &Mutex<Names>) -> usize {
    let guard = names.lock().unwrap();
    let first = guard.len();
    crate::tick().await;
    first.len()
}
