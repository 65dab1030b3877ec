use std::sync::Mutex;

async fn run(_job: u32) {}

async fn while_let_queue(queue: &Mutex<Vec<u32>>) {
    while let Some(job) = queue.lock().unwrap().pop() {
        run(job).await;
    }
}

async fn labelled_while_let(queue: &Mutex<Vec<u32>>) -> u32 {
    let mut done = 0;
    'jobs: while let Some(job) = queue.lock().unwrap().pop() {
        if job == 0 {
            continue 'jobs;
        }
        run(job).await;
        done += 1;
    }
    done
}

// Borrowed from the guard: left alone.
async fn while_let_borrowed(queue: &Mutex<Vec<u32>>) {
    while let Some(job) = queue.lock().unwrap().last() {
        run(*job).await;
    }
}

async fn lifetime_extended(m: &Mutex<Vec<u32>>) -> usize {
    let items = &*m.lock().unwrap();
    let n = items.len();
    run(0).await;
    n
}
