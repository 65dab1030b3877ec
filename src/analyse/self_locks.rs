//! Which of `self`'s locks each method of a file's impls takes, directly or through the
//! impl's other methods: a guard of `self.state` alive at a call of `self.refresh()`, which
//! locks `self.state`, is the lock taken twice through a call (`--deadlocks`).
//!
//! ```text
//! impl Cache {
//!     async fn get(&self) -> u32 {
//!         let state = self.state.lock().await;
//!         if state.is_empty() { self.refresh().await; }   // refresh locks self.state: hangs
//!         state[0]
//!     }
//!     async fn refresh(&self) { self.state.lock().await.push(1); }
//! }
//! ```
//!
//! Only what runs in the method's own body counts: a lock taken in a closure or an async block
//! (a spawned task, say) runs elsewhere or later. Methods are matched by their impl's type name
//! and their own name, within the file.

use std::collections::{BTreeSet, HashMap};

use ra_ap_syntax::{AstNode, SyntaxNode, ast, ast::HasName};

use super::index::enclosing_impl_self_type;
use super::lock_types;

/// A lock a method takes: its place (`self.state`) and the acquiring method (`lock`).
pub type TakenLock = (String, String);

/// A method: its impl's type name and its own.
type MethodKey = (Option<String>, String);

#[derive(Debug, Default)]
pub struct SelfLocks {
    by_method: HashMap<MethodKey, BTreeSet<TakenLock>>,
}

impl SelfLocks {
    /// Every impl method of the file, with the locks of `self` it takes, closed over its calls
    /// of the impl's other methods.
    pub fn of_file(root: &SyntaxNode) -> SelfLocks {
        // Per method: the locks it takes itself, and the methods of `self` it calls.
        let mut direct: HashMap<MethodKey, (BTreeSet<TakenLock>, BTreeSet<String>)> =
            HashMap::new();
        for function in root.descendants().filter_map(ast::Fn::cast) {
            let Some(self_type) = enclosing_impl_self_type(function.syntax()) else { continue };
            let (Some(name), Some(body)) = (function.name(), function.body()) else { continue };
            let entry = direct.entry((self_type, name.text().to_string())).or_default();
            for call in body.syntax().descendants().filter_map(ast::MethodCallExpr::cast) {
                if !runs_in_body(call.syntax(), function.syntax()) {
                    continue;
                }
                let Some(method) = call.name_ref().map(|name| name.text().to_string()) else {
                    continue;
                };
                let Some(receiver) = call.receiver() else { continue };
                if is_self(&receiver) {
                    entry.1.insert(method);
                } else if lock_types::is_lock_like_method(&method)
                    && !method.starts_with("try_")
                    && let Some(place) = super::liveness::lock_place(&receiver)
                    && place.starts_with("self.")
                {
                    entry.0.insert((place, method));
                }
            }
        }
        // Close over calls: a method takes what the methods it calls take.
        let mut by_method: HashMap<_, BTreeSet<TakenLock>> =
            direct.iter().map(|(key, (locks, _))| (key.clone(), locks.clone())).collect();
        loop {
            let mut changed = false;
            for ((self_type, name), (_, callees)) in &direct {
                for callee in callees {
                    let key = (self_type.clone(), callee.clone());
                    let Some(taken) = by_method.get(&key).cloned() else { continue };
                    let own = by_method.entry((self_type.clone(), name.clone())).or_default();
                    let before = own.len();
                    own.extend(taken);
                    changed |= own.len() != before;
                }
            }
            if !changed {
                break;
            }
        }
        by_method.retain(|_, locks| !locks.is_empty());
        SelfLocks { by_method }
    }

    /// The locks `self.method(…)` takes, for a call in an impl of `self_type`.
    pub fn taken_by(&self, self_type: Option<&str>, method: &str) -> Option<&BTreeSet<TakenLock>> {
        self.by_method.get(&(self_type.map(str::to_owned), method.to_owned()))
    }
}

fn is_self(expr: &ast::Expr) -> bool {
    matches!(expr, ast::Expr::PathExpr(path) if path.syntax().text() == "self")
}

/// Whether `node` runs when `function`'s body runs: not inside a closure or async block.
fn runs_in_body(node: &SyntaxNode, function: &SyntaxNode) -> bool {
    for ancestor in node.ancestors() {
        if &ancestor == function {
            return true;
        }
        if ast::ClosureExpr::can_cast(ancestor.kind()) {
            return false;
        }
        if let Some(block) = ast::BlockExpr::cast(ancestor.clone())
            && block.async_token().is_some()
        {
            return false;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use ra_ap_syntax::{Edition, SourceFile};

    #[test]
    fn methods_take_their_own_locks_and_their_callees_but_not_their_tasks() {
        let text = "impl S {
            async fn outer(&self) { self.middle().await; }
            async fn middle(&self) { self.inner(); }
            fn inner(&self) { self.state.lock().unwrap().push(1); }
            fn spawns(&self) { let this = self.clone(); tokio::spawn(async move { this.state.lock().await; }); self.table.try_lock(); }
        }";
        let tree = SourceFile::parse(text, Edition::Edition2021).tree();
        let locks = SelfLocks::of_file(tree.syntax());
        let taken = |method: &str| locks.taken_by(Some("S"), method).cloned().unwrap_or_default();
        let state = BTreeSet::from([("self.state".to_owned(), "lock".to_owned())]);
        assert_eq!(taken("inner"), state);
        assert_eq!(taken("outer"), state);
        assert!(taken("spawns").is_empty());
        assert!(locks.taken_by(Some("T"), "inner").is_none());
    }
}
