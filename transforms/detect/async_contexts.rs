// Awaits belong to their own future: nested async blocks and closures are contexts of their own.
use std::sync::{Arc, Mutex, MutexGuard};

async fn tick() {}

fn spawn<F: std::future::Future>(_f: F) {}

async fn await_inside_nested_block_only(m: &Mutex<u32>) {
    let fut = async {
        tick().await;
    };
    let g = m.lock().unwrap();
    drop(g);
    fut.await;
}

async fn guard_moved_into_async_move_block(m: Arc<Mutex<u32>>) {
    let g = m.lock().unwrap();
    spawn(async move {
        tick().await;
        let _ = *g;
    });
}

fn sync_fn_returning_future(m: &Mutex<u32>) -> impl std::future::Future<Output = ()> + '_ {
    async move {
        let g = m.lock().unwrap();
        tick().await;
        let _ = *g;
    }
}

async fn guard_parameter(g: MutexGuard<'_, u32>) {
    tick().await;
    let _ = *g;
}

async fn async_closure(m: &Mutex<u32>) {
    let f = async || {
        let g = m.lock().unwrap();
        tick().await;
        let _ = *g;
    };
    f().await;
}

fn sync_closure_has_no_await(m: &Mutex<u32>) -> u32 {
    let read = || *m.lock().unwrap();
    read()
}
