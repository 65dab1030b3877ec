// Locks a call takes, followed through the fns it calls at any depth: the lock taken again
// through a chain of calls, a free fn locking the held static, the lock order of a call; and
// the look-alikes: an async fn called and not awaited (a future: its body runs later), a
// callee that locks only in a spawned task, two definitions of one name that disagree.
use std::sync::Mutex;

static TABLE: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct Cache {
    state: tokio::sync::Mutex<Vec<u32>>,
    names: tokio::sync::Mutex<Vec<String>>,
}

impl Cache {
    async fn get(&self) -> u32 {
        let state = self.state.lock().await;
        self.outer().await; // outer -> middle -> inner locks `state`: hangs
        state[0]
    }

    async fn get_later(&self) -> u32 {
        let state = self.state.lock().await;
        let refresh = self.outer(); // a future: nothing runs until it is awaited
        let first = state[0];
        drop(state);
        refresh.await;
        first
    }

    async fn get_spawning(&self) -> u32 {
        let state = self.state.lock().await;
        self.spawns_refresh(); // the lock is taken in a task, later
        async {}.await;
        state[0]
    }

    async fn outer(&self) {
        self.middle().await;
    }

    async fn middle(&self) {
        self.inner();
    }

    fn inner(&self) {
        self.state.blocking_lock().push(1);
    }

    fn spawns_refresh(self: &std::sync::Arc<Self>) {
        let this = self.clone();
        tokio::spawn(async move { this.state.lock().await.push(1) });
    }

    async fn names_then_state(&self) {
        let names = self.names.lock().await;
        self.note_state().await; // takes `state` while `names` is held
        drop(names);
    }

    async fn state_then_names(&self) {
        let state = self.state.lock().await;
        let names = self.names.lock().await;
        async {}.await;
        drop((state, names));
    }

    async fn note_state(&self) {
        self.state.lock().await.push(0);
    }
}

async fn tick() {
    let table = TABLE.lock().unwrap();
    bump(); // bump -> crate::count locks TABLE: deadlocks the thread
    drop(table);
    async {}.await;
}

async fn tick_shadowed() {
    let table = TABLE.lock().unwrap();
    helpers::touch(); // one `touch` locks TABLE, the other does not: not followed
    drop(table);
    async {}.await;
}

fn bump() {
    crate::count();
}

fn count() -> usize {
    crate::TABLE.lock().unwrap().len()
}

mod helpers {
    pub fn touch() {
        super::TABLE.lock().unwrap().push(0);
    }
}

mod other_helpers {
    pub fn touch() {
        super::OTHER.lock().unwrap().push(0);
    }
}
