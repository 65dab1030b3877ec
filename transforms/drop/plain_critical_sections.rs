// options: unsafe-fixes
// drop is MaybeIncorrect: these guards protect the code after them, which drop lets run unlocked.
use std::sync::Mutex;

async fn tick() {}
async fn send(_bytes: &[u8]) -> Result<(), ()> {
    Ok(())
}

fn write_entry() {}

async fn gate(gate: &Mutex<()>) {
    let _permit = gate.lock().unwrap();
    write_entry();
    tick().await;
}

async fn tail_await(gate: &Mutex<()>) -> Result<(), ()> {
    let _permit = gate.lock().unwrap();
    write_entry();
    send(b"x").await
}

async fn let_await(gate: &Mutex<()>) -> Result<(), ()> {
    let _permit = gate.lock().unwrap();
    let sent = send(b"x").await?;
    Ok(sent)
}

// Borrowed guards are not for `drop`: rustc would still see them at the await.
async fn borrowed(m: &Mutex<Vec<u32>>) {
    let mut g = m.lock().unwrap();
    g.push(1);
    tick().await;
}
