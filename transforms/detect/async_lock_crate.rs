// An async lock crate's own guard types, named like std's (as in async-std and mea): not std's
// guards. (In a file of its own: a file's imports are one table, and this one's
// `use super::MutexGuard;` would stand for every `MutexGuard` in it.)
mod asynclock {
    pub struct Mutex<T> {
        value: std::cell::UnsafeCell<T>,
    }

    pub struct MutexGuard<'a, T> {
        lock: &'a Mutex<T>,
    }

    impl<'a, T> MutexGuard<'a, T> {
        pub fn map<U>(guard: Self, _f: impl FnOnce(&mut T) -> &mut U) -> MappedGuard<'a, U> {
            todo!()
        }
    }

    pub struct MappedGuard<'a, U> {
        value: &'a mut U,
    }

    pub mod condvar {
        use super::MutexGuard;

        async fn notified() {}

        pub async fn wait<'a, T>(guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
            notified().await;
            guard
        }

        pub async fn mapped<'a>(guard: MutexGuard<'a, Vec<u8>>) {
            let first = MutexGuard::map(guard, |data| &mut data[0]);
            notified().await;
            drop(first);
        }
    }
}
