//! `guardfix explain <kind>`: one page per finding kind (what, why, the fixes, an example), so
//! diagnostics can stay short. The texts are SARIF's rule descriptions, plus an example and,
//! where state behind a lock does async work under it, the message-passing alternative.

use crate::finding::FindingKind;

/// The page for the kind whose code (`guard-held-across-await`, or rustc's form
/// `guardfix::guard_held_across_await`) is `name`; `None` for an unknown name.
pub fn page(name: &str) -> Option<String> {
    let wanted = name.trim().trim_start_matches("guardfix::").replace('_', "-");
    let kind = FindingKind::ALL.into_iter().find(|kind| kind.code() == wanted)?;
    let (short, full, fixes) = super::sarif::rule_texts(kind);
    let mut page = format!(
        "{} — {short}\n\nWhat and why\n    {}\n\nFixes\n    {}\n",
        kind.code(),
        wrap(full),
        wrap(fixes)
    );
    page.push_str(&format!("\nExample\n{}", indent(example(kind))));
    if let Some(sketch) = actor_sketch(kind) {
        page.push_str(&format!(
            "\nWhen the state does async work under its lock\n{}",
            indent(sketch)
        ));
    }
    Some(page)
}

/// The kinds' codes, for the error on an unknown name.
pub fn kind_names() -> Vec<&'static str> {
    FindingKind::ALL.iter().map(|kind| kind.code()).collect()
}

fn example(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::GuardHeldAcrossAwait => {
            "let mut v = m.lock().unwrap();   // std::sync::Mutex\nv.push(1);\nsave().await;                     // `v` still holds the lock here\n\n// guardfix fix (scope):\n{\n    let mut v = m.lock().unwrap();\n    v.push(1);\n}\nsave().await;\n"
        }
        FindingKind::RefcellBorrowHeldAcrossAwait => {
            "let mut v = cell.borrow_mut();\nv.push(1);\ntick().await;                     // another borrow in the meantime panics\n"
        }
        FindingKind::AsyncGuardHeldAcrossAwait => {
            "let conn = pool.lock().await;    // tokio::sync::Mutex\nlet reply = conn.query(q).await;  // every other task waits for this query\n"
        }
        FindingKind::DroppedButNotSend => {
            "let g = m.lock().unwrap();\nlet n = g.len();                 // a borrow of `g`\ndrop(g);\ntick().await;                    // rustc still counts `g` live: the future is !Send\n"
        }
        FindingKind::LockOrderInversion => {
            "async fn deposit(&self) { let a = self.accounts.lock().await; let l = self.ledger.lock().await; … }\nasync fn audit(&self)   { let l = self.ledger.lock().await; let a = self.accounts.lock().await; … }\n// run together: deposit holds accounts and waits for ledger, audit holds ledger and waits for accounts\n"
        }
        FindingKind::LockTakenWhileHeld => {
            "let state = self.state.lock().await;\nlet n = state.len();\nself.state.lock().await.push(n); // waits for `state`, held by this task: hangs\n\n// instead: use the guard you hold\nlet mut state = self.state.lock().await;\nlet n = state.len();\nstate.push(n);\n"
        }
    }
}

/// A task that owns the state and takes requests over a channel: no lock to hold across the
/// await, and no lock to take twice.
fn actor_sketch(kind: FindingKind) -> Option<&'static str> {
    matches!(
        kind,
        FindingKind::AsyncGuardHeldAcrossAwait
            | FindingKind::LockTakenWhileHeld
            | FindingKind::LockOrderInversion
            | FindingKind::GuardHeldAcrossAwait
    )
    .then_some(
        "enum Request { Query(String, oneshot::Sender<Reply>) }\n\nasync fn run(mut client: Client, mut requests: mpsc::Receiver<Request>) {\n    // The task owns the client: nobody else can touch it, so nothing needs a lock.\n    while let Some(Request::Query(q, reply)) = requests.recv().await {\n        let _ = reply.send(client.query(&q).await);\n    }\n}\n\n// callers: a cheap, cloneable handle\nlet (reply, answer) = oneshot::channel();\nhandle.send(Request::Query(q, reply)).await?;\nlet result = answer.await?;\n",
    )
}

fn wrap(text: &str) -> String {
    let mut out = String::new();
    let mut width = 0;
    for word in text.split_whitespace() {
        if width > 0 && width + word.len() > 88 {
            out.push_str("\n    ");
            width = 0;
        } else if width > 0 {
            out.push(' ');
            width += 1;
        }
        out.push_str(word);
        width += word.len();
    }
    out
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|line| if line.is_empty() { "\n".to_owned() } else { format!("    {line}\n") })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_page_under_both_spellings() {
        for kind in FindingKind::ALL {
            let page = page(kind.code()).unwrap();
            assert!(page.starts_with(kind.code()), "{page}");
            let rustc_code = format!("guardfix::{}", kind.code().replace('-', "_"));
            assert_eq!(super::page(&rustc_code), Some(page));
        }
        assert!(page("lock-taken-while-held").unwrap().contains("mpsc::Receiver"));
        assert_eq!(page("no-such-kind"), None);
    }
}
