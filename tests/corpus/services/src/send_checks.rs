//! Every future here must be `Send` (tokio::spawn needs it): this module compiles only once
//! no blocking guard is alive at an await. Built with `--features send-checks`.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

fn assert_send<T: Send>(_: T) {}

#[test]
fn service_futures_are_send() {
    let cache = crate::cache::Cache::default();
    assert_send(cache.get_or_fetch("k"));
    assert_send(cache.count_hit());
    assert_send(cache.tag(1, "t"));
    assert_send(cache.largest());
    assert_send(cache.stats());
    assert_send(crate::cache::shared_lookup(Arc::new(Mutex::new(HashMap::new())), 1));

    let limiter = crate::limiter::Limiter::new(1);
    assert_send(limiter.acquire());
    assert_send(limiter.run_if_idle());
    assert_send(limiter.note("n"));
    assert_send(limiter.report());

    let registry = crate::registry::Registry::default();
    assert_send(registry.active());
    assert_send(registry.persist_count());
    assert_send(registry.audit_open());
    assert_send(registry.rename(1, "u"));
    assert_send(registry.close(1));
    assert_send(registry.users());

    let pool = crate::pool::Pool::new(1);
    assert_send(pool.checkout());
    assert_send(pool.idle_count());
    assert_send(pool.give_back(crate::pool::Conn { id: 1 }));
    assert_send(pool.bump_pings());
    assert_send(pool.ping_all());
    let jobs = Mutex::new(VecDeque::new());
    assert_send(crate::pool::drain(&jobs));

    let queue = Arc::new(crate::queue::Queue::default());
    assert_send(queue.pending());
    assert_send(queue.run_all());
    assert_send(crate::queue::next_job(queue.clone()));
}
