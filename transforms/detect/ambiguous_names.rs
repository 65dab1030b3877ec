// Names that mean different things in different places must not make guards out of futures
// or out of the wrong struct. Shapes taken from tokio's sources, which are clean.
use std::sync::RwLock;

async fn tick() {}

struct Store {
    data: RwLock<Vec<u8>>,
}

impl Store {
    // An async `read` that happens to return a guard…
    async fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<u8>> {
        self.data.read().unwrap()
    }
}

// …does not make every `x.read(&mut buf).await` on an unknown reader a guard.
async fn io_read(reader: &mut impl tokio::io::AsyncRead) {
    let mut buf = [0u8; 4];
    let n = reader.read(&mut buf).await;
    tick().await;
    let _ = n;
}

mod a {
    pub struct Guard<'a>(pub std::sync::MutexGuard<'a, u8>);
}
mod b {
    pub struct Guard {
        pub id: u32,
    }
}

// Two structs named `Guard`: only one holds a lock guard, so the name alone proves nothing.
fn make() -> Guard {
    todo!()
}

async fn ambiguous_struct_name() {
    let g = make();
    tick().await;
    let _ = g;
}

use b::Guard;

// A known receiver still works.
async fn known_receiver(store: &Store) {
    let data = store.read().await;
    tick().await;
    let _ = data.len();
}
