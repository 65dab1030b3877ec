// `#[allow]`/`#[expect]` of clippy's lints silence a finding wherever they are written.
use std::cell::RefCell;
use std::sync::Mutex;

async fn tick() {}

#[allow(clippy::await_holding_lock)]
async fn allowed_on_fn(m: &Mutex<u32>) {
    let g = m.lock().unwrap();
    tick().await;
    let _ = *g;
}

async fn allowed_on_statement(m: &Mutex<u32>) {
    #[allow(clippy::await_holding_lock)]
    let g = m.lock().unwrap();
    tick().await;
    let _ = *g;
}

#[expect(clippy::await_holding_lock)]
mod module {
    pub async fn allowed_on_module(m: &std::sync::Mutex<u32>) {
        let g = m.lock().unwrap();
        super::tick().await;
        let _ = *g;
    }
}

#[allow(clippy::await_holding_lock)]
async fn wrong_lint_for_refcell(c: &RefCell<u32>) {
    let b = c.borrow();
    tick().await;
    let _ = *b;
}

#[allow(clippy::await_holding_refcell_ref)]
async fn right_lint_for_refcell(c: &RefCell<u32>) {
    let b = c.borrow();
    tick().await;
    let _ = *b;
}
