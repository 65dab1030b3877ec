use std::sync::Mutex;

async fn io() {}

// A guard inside a `select!` handler is fixed inside the handler.
async fn select_arm(m: &Mutex<Vec<u32>>, rx: &mut tokio::sync::mpsc::Receiver<u32>) {
    tokio::select! {
        Some(v) = rx.recv() => {
            let mut g = m.lock().unwrap();
            g.push(v);
            io().await;
        }
        else => {}
    }
}

// Inside other macros' arguments nothing is edited.
async fn inside_assert(m: &Mutex<Vec<u32>>) {
    assert!({
        let g = m.lock().unwrap();
        io().await;
        g.is_empty()
    });
}

// A closure inside the wrapped range is kept whole.
async fn with_closure(m: &Mutex<Vec<u32>>) -> u32 {
    let g = m.lock().unwrap();
    let total: u32 = g.iter().map(|v| v * 2).sum();
    io().await;
    total
}

// Labelled loops and `continue` stay valid inside the block.
async fn labelled(m: &Mutex<Vec<u32>>) {
    'outer: for round in 0..3 {
        let g = m.lock().unwrap();
        if g.contains(&round) {
            continue 'outer;
        }
        io().await;
    }
}
