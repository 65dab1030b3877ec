use std::collections::HashMap;
use std::sync::Mutex;

async fn value() -> u32 {
    1
}
async fn fetch(key: &str) -> String {
    key.to_owned()
}

async fn pushed(m: &Mutex<Vec<u32>>) {
    m.lock().unwrap().push(value().await);
}

async fn inserted(m: &Mutex<HashMap<String, String>>, key: &str) {
    m.lock().unwrap().insert(key.to_owned(), fetch(key).await);
}

async fn with_question_mark(m: &Mutex<Vec<u32>>) -> Option<()> {
    m.lock().unwrap().push(maybe().await?);
    Some(())
}

async fn maybe() -> Option<u32> {
    Some(1)
}

// A name already taken gets a suffix.
async fn name_taken(m: &Mutex<Vec<u32>>) {
    let value = 3;
    m.lock().unwrap().push(value + value().await);
}

// Something observable runs before the await: MaybeIncorrect, not applied by default.
async fn observable(m: &Mutex<Vec<u32>>) {
    m.lock().unwrap().extend([side_effect(), value().await]);
}

fn side_effect() -> u32 {
    println!("side effect");
    0
}

// In a condition arm: never hoisted.
async fn conditional(m: &Mutex<Vec<u32>>, c: bool) {
    m.lock().unwrap().push(if c { value().await } else { 0 });
}
