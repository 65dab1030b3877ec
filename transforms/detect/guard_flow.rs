// A guard is followed as a value: out of a block as its tail, out of `if`/`match` arms, into
// another `let`, and the finding is where the value is when the await happens.
use std::sync::Mutex;

async fn tick() {}

async fn out_of_a_block(m: &Mutex<Vec<u8>>) -> usize {
    let g = {
        let mut g = m.lock().unwrap();
        g.push(1);
        g
    };
    tick().await;
    g.len()
}

async fn second_guard_moved_out(m: &Mutex<Vec<u32>>, n: &Mutex<Vec<u8>>) -> usize {
    let mut second = {
        let first = m.lock().unwrap();
        let mut second = n.lock().unwrap();
        second.push(first.len() as u8);
        second
    };
    let k = second.len();
    tick().await;
    k
}

async fn out_of_if_arms(m: &Mutex<u8>, flag: bool) {
    let g = if flag {
        let g = m.lock().unwrap();
        g
    } else {
        m.lock().unwrap()
    };
    tick().await;
    drop(g);
}

async fn out_of_match_arms(m: &Mutex<u8>, n: Option<u8>) {
    let g = match n {
        Some(_) => {
            let inner = m.lock().unwrap();
            inner
        }
        None => m.lock().unwrap(),
    };
    tick().await;
    drop(g);
}

async fn renamed(m: &Mutex<u8>) {
    let g = m.lock().unwrap();
    let h = g;
    tick().await;
    drop(h);
}

// Not findings: the block ends the guard, or returns something owned.
async fn block_ends_it(m: &Mutex<Vec<u8>>) -> usize {
    let n = {
        let g = m.lock().unwrap();
        g.len()
    };
    tick().await;
    n
}

async fn dropped_in_block(m: &Mutex<Vec<u8>>) {
    {
        let g = m.lock().unwrap();
        let _ = g.len();
    }
    tick().await;
}

// Poison recovery: the guard comes out of a `match` on the `LockResult`.
async fn poison_recovered(m: &Mutex<Vec<u8>>) -> usize {
    let g = match m.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    let n = g.len();
    tick().await;
    n
}

// A guard taken through a closure.
async fn through_a_closure(m: &Mutex<Vec<u8>>) -> usize {
    let lock = || m.lock().unwrap();
    let g = lock();
    let n = g.len();
    tick().await;
    n
}
