// Macros whose arguments parse as expressions are looked into; select!/join! are awaits.
use std::sync::Mutex;

async fn tick() {}

async fn held_across_select(m: &Mutex<u32>, rx: &mut tokio::sync::mpsc::Receiver<u32>) {
    let g = m.lock().unwrap();
    tokio::select! {
        v = rx.recv() => { let _ = v; }
        _ = tick() => {}
    }
    let _ = *g;
}

async fn await_in_select_handler(m: &Mutex<Vec<u32>>, rx: &mut tokio::sync::mpsc::Receiver<u32>) {
    tokio::select! {
        Some(v) = rx.recv() => {
            m.lock().unwrap().push(v);
            let g = m.lock().unwrap();
            tick().await;
            drop(g);
        }
        else => {}
    }
}

async fn held_across_join(m: &Mutex<u32>) {
    let g = m.lock().unwrap();
    tokio::join!(tick(), tick());
    drop(g);
}

async fn lock_inside_format_args(m: &Mutex<u32>) {
    println!("{}", *m.lock().unwrap());
    tick().await;
}

async fn await_inside_macro_arguments(m: &Mutex<Vec<u32>>) {
    let g = m.lock().unwrap();
    assert_eq!(g.len(), value().await);
}

async fn value() -> usize {
    0
}
