// Temporaries: dropped at the end of their temporary scope, which a statement, a condition or an
// arm body ends; match scrutinees, `for` iterators and `while let` scrutinees live longer.
use std::sync::Mutex;

async fn tick() {}
async fn send(_v: Vec<u32>) {}
async fn value() -> u32 { 1 }

async fn awaited_argument_after_lock(m: &Mutex<Vec<u32>>) {
    m.lock().unwrap().push(value().await);
}

async fn binary_operand(m: &Mutex<Vec<u32>>) -> usize {
    m.lock().unwrap().len() + value().await as usize
}

async fn await_before_lock_is_fine(m: &Mutex<Vec<u32>>) -> usize {
    value().await as usize + m.lock().unwrap().len()
}

async fn sent_clone(m: &Mutex<Vec<u32>>) {
    send(m.lock().unwrap().clone()).await;
}

async fn let_initializer_drops_at_semicolon(m: &Mutex<Vec<u32>>) {
    let v = m.lock().unwrap().clone();
    send(v).await;
}

async fn assigned_value_is_evaluated_first(m: &Mutex<u32>) {
    *m.lock().unwrap() = value().await;
}

async fn lifetime_extended(m: &Mutex<Vec<u32>>) {
    let r = &*m.lock().unwrap();
    tick().await;
    let _ = r.len();
}

async fn lifetime_extended_index(m: &Mutex<Vec<u32>>) {
    let r = &mut m.lock().unwrap()[0];
    *r += 1;
    tick().await;
}

async fn if_condition_drops_before_body(m: &Mutex<Vec<u32>>) {
    if m.lock().unwrap().is_empty() {
        tick().await;
    }
}

async fn match_scrutinee_holds(m: &Mutex<Vec<u32>>) {
    match m.lock().unwrap().len() {
        0 => tick().await,
        _ => {}
    }
}

async fn match_guard_drops(m: &Mutex<Vec<u32>>, n: usize) {
    match n {
        k if k == m.lock().unwrap().len() => tick().await,
        _ => {}
    }
}

async fn for_iterator_holds(m: &Mutex<Vec<u32>>) {
    for x in m.lock().unwrap().iter() {
        send(vec![*x]).await;
    }
}

async fn for_over_clone_is_fine(m: &Mutex<Vec<u32>>) {
    let items = m.lock().unwrap().clone();
    for x in items {
        send(vec![x]).await;
    }
}

async fn while_let_holds(m: &Mutex<Vec<u32>>) {
    while let Some(x) = m.lock().unwrap().pop() {
        send(vec![x]).await;
    }
}

async fn while_condition_drops(m: &Mutex<Vec<u32>>) {
    while !m.lock().unwrap().is_empty() {
        tick().await;
    }
}

async fn let_else_drops_before_else(m: &Mutex<Vec<u32>>) {
    let Some(x) = m.lock().unwrap().pop() else {
        tick().await;
        return;
    };
    send(vec![x]).await;
}

async fn lazy_boolean_operands(m: &Mutex<Vec<u32>>, c: bool) {
    if c && m.lock().unwrap().is_empty() {
        tick().await;
    }
}
