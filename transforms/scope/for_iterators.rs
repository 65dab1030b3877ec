// options: unsafe-fixes
use std::collections::HashMap;
use std::sync::Mutex;

async fn notify(_id: u32) {}

struct Registry {
    ids: Mutex<Vec<u32>>,
    names: Mutex<HashMap<u32, String>>,
}

impl Registry {
    async fn notify_all(&self) {
        for id in self.ids.lock().unwrap().iter() {
            notify(*id).await;
        }
    }

    async fn notify_named(&self) {
        for id in self.names.lock().unwrap().keys() {
            notify(*id).await;
        }
    }

    // Mutating iteration is never rewritten: the changes would go to a copy.
    async fn bump_all(&self) {
        for id in self.ids.lock().unwrap().iter_mut() {
            *id += 1;
            notify(*id).await;
        }
    }
}
