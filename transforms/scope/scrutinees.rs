use std::sync::Mutex;

async fn fetch(key: &str) -> String {
    key.to_owned()
}

async fn match_owned(m: &Mutex<Vec<String>>, key: &str) -> String {
    match m.lock().unwrap().first().cloned() {
        Some(value) => value,
        None => fetch(key).await,
    }
}

// Edition 2021 only: the `else` branch still holds the guard.
async fn if_let_else(m: &Mutex<Vec<String>>, key: &str) -> String {
    let name = if let Some(first) = m.lock().unwrap().pop() {
        first
    } else {
        fetch(key).await
    };
    name
}

// A reference into the guard: taking it out would not compile, so it is left alone.
async fn match_borrowed(m: &Mutex<Vec<String>>, key: &str) -> usize {
    match m.lock().unwrap().first() {
        Some(value) => value.len(),
        None => fetch(key).await.len(),
    }
}
