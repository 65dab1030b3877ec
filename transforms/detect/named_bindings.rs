// Named guards: a `let` binding keeps its guard until the end of its block unless it is moved.
use std::sync::{Arc, Mutex};

async fn tick() {}

async fn held_to_end_of_block(m: &Mutex<Vec<u32>>) {
    let mut g = m.lock().unwrap();
    g.push(1);
    tick().await;
}

async fn dropped_before_await_unborrowed(m: &Mutex<u32>) {
    let _g = m.lock().unwrap();
    drop(_g);
    tick().await;
}

async fn dropped_after_borrow_is_still_not_send(m: &Mutex<Vec<u32>>) {
    let mut g = m.lock().unwrap();
    g.push(1);
    std::mem::drop(g);
    tick().await;
}

async fn underscore_drops_at_once(m: &Mutex<u32>) {
    let _ = m.lock().unwrap();
    tick().await;
}

async fn underscore_prefixed_binding_is_held(m: &Mutex<u32>) {
    let _guard = m.lock().unwrap();
    tick().await;
}

async fn scoped_block_releases(m: &Mutex<Vec<u32>>) {
    let n = {
        let g = m.lock().unwrap();
        g.len()
    };
    tick().await;
    let _ = n;
}

async fn shadowing_does_not_drop(m: &Mutex<u32>) {
    let g = m.lock().unwrap();
    let g = *g + 1;
    tick().await;
    let _ = g;
}

async fn dropped_on_some_paths(m: &Mutex<u32>, c: bool) {
    let g = m.lock().unwrap();
    if c {
        drop(g);
    }
    tick().await;
}

async fn dropped_on_every_path(m: &Mutex<u32>, c: bool) {
    let g = m.lock().unwrap();
    if c {
        drop(g);
    } else {
        drop(g);
    }
    tick().await;
}

async fn early_return_path(m: &Mutex<u32>, c: bool) {
    let g = m.lock().unwrap();
    if c {
        return;
    }
    drop(g);
    tick().await;
}

async fn used_after_the_await(m: &Mutex<Vec<u32>>) {
    let mut g = m.lock().unwrap();
    tick().await;
    g.push(2);
}

async fn moved_into_fn(m: &Mutex<u32>) {
    let g = m.lock().unwrap();
    consume(g);
    tick().await;
}

fn consume(_g: std::sync::MutexGuard<'_, u32>) {}

async fn rebinding_keeps_it(m: &Mutex<u32>) {
    let g = m.lock().unwrap();
    let h = g;
    tick().await;
    let _ = h;
}

async fn loop_back_edge(m: &Mutex<u32>) {
    let mut held = None;
    for _ in 0..3 {
        tick().await;
        held = Some(m.lock().unwrap());
    }
    drop(held);
}

async fn reassignment_drops_old(m: Arc<Mutex<u32>>) {
    let mut g = m.lock().unwrap();
    *g += 1;
    g = m.lock().unwrap();
    *g += 1;
    drop(g);
    tick().await;
}

async fn guard_in_loop_body_is_released_each_iteration(m: &Mutex<u32>) {
    loop {
        {
            let g = m.lock().unwrap();
            if *g > 3 {
                break;
            }
        }
        tick().await;
    }
}

async fn break_releases_inner_guards(m: &Mutex<u32>) {
    loop {
        let g = m.lock().unwrap();
        if *g > 3 {
            break;
        }
        drop(g);
    }
    tick().await;
}
