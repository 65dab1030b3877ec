//! `use` imports of one file: which full path a name written in that file stands for.
//!
//! `use parking_lot::Mutex as PlMutex;` makes `PlMutex<T>` a `parking_lot::Mutex`; `use
//! std::sync::*;` makes a bare `Mutex` std's. Inline modules share the file's table: names
//! that differ between them are rare enough not to pay for scoping.

use std::collections::HashMap;

use ra_ap_syntax::{AstNode, SyntaxNode, ast, ast::HasName};

use super::lock_types;

#[derive(Clone, Debug, Default)]
pub struct Imports {
    by_name: HashMap<String, String>,
    globs: Vec<String>,
}

impl Imports {
    pub fn collect(root: &SyntaxNode) -> Imports {
        Imports::collect_in(root, &crate::parse::tree_text(root))
    }

    /// `collect`, given `root`'s text (a file's: the text it was parsed from).
    pub fn collect_in(root: &SyntaxNode, text: &str) -> Imports {
        debug_assert_eq!(text.len(), usize::from(root.text_range().len()));
        let mut imports = Imports::default();
        // `use` items sit anywhere items may (fn bodies, blocks, modules): a subtree whose text
        // has no `use` holds none, and most of a file's text (expressions) is such subtrees.
        let base = u32::from(root.text_range().start());
        let uses: Vec<u32> =
            memchr::memmem::find_iter(text.as_bytes(), b"use").map(|at| base + at as u32).collect();
        let holds_use = |node: &SyntaxNode| {
            let range = node.text_range();
            let first = uses.partition_point(|&at| at < u32::from(range.start()));
            uses.get(first).is_some_and(|&at| at + 3 <= u32::from(range.end()))
        };
        let mut walk = root.preorder();
        while let Some(event) = walk.next() {
            let ra_ap_syntax::WalkEvent::Enter(node) = event else { continue };
            if !holds_use(&node) {
                walk.skip_subtree();
            } else if let Some(use_item) = ast::Use::cast(node) {
                if let Some(tree) = use_item.use_tree() {
                    imports.add_tree(&tree, "");
                }
                walk.skip_subtree();
            }
        }
        imports
    }

    /// The names one `use` item binds, with the paths they stand for.
    pub fn bound_by(use_item: &ast::Use) -> Vec<(String, String)> {
        let mut imports = Imports::default();
        if let Some(tree) = use_item.use_tree() {
            imports.add_tree(&tree, "");
        }
        imports.by_name.into_iter().collect()
    }

    fn add_tree(&mut self, tree: &ast::UseTree, prefix: &str) {
        let own = tree.path().map(|path| path_text(&path)).unwrap_or_default();
        let full = join(prefix, &own);
        if let Some(list) = tree.use_tree_list() {
            for child in list.use_trees() {
                self.add_tree(&child, &full);
            }
            return;
        }
        if tree.star_token().is_some() {
            self.globs.push(full);
            return;
        }
        let local_name = match tree.rename() {
            Some(rename) => match rename.name() {
                Some(name) => name.text().to_string(),
                None => return, // `as _`: brings traits into scope, no name
            },
            None => match full.rsplit("::").next() {
                Some("self") => match prefix.rsplit("::").next() {
                    Some(name) => name.to_owned(),
                    None => return,
                },
                Some(name) => name.to_owned(),
                None => return,
            },
        };
        let full = full.strip_suffix("::self").unwrap_or(&full).to_owned();
        self.by_name.insert(local_name, full);
    }

    /// Resolves a written path (`["sync", "Mutex"]`) through the imports: its first segment
    /// may be an imported name or alias; a single name may come from a glob import.
    pub fn resolve_segments(&self, segments: &[String]) -> String {
        let Some((first, rest)) = segments.split_first() else {
            return String::new();
        };
        let head = match self.by_name.get(first) {
            Some(full) => full.clone(),
            None if rest.is_empty() => self.resolve_through_globs(first),
            None => first.clone(),
        };
        let mut path = head;
        for segment in rest {
            path.push_str("::");
            path.push_str(segment);
        }
        strip_leading_colons(path)
    }

    fn resolve_through_globs(&self, name: &str) -> String {
        for glob in &self.globs {
            let candidate = format!("{glob}::{name}");
            if lock_types::family_by_path(&candidate).is_some() {
                return candidate;
            }
        }
        name.to_owned()
    }
}

fn path_text(path: &ast::Path) -> String {
    crate::parse::tree_text(path.syntax()).chars().filter(|c| !c.is_whitespace()).collect()
}

fn join(prefix: &str, own: &str) -> String {
    match (prefix.is_empty(), own.is_empty()) {
        (true, _) => own.to_owned(),
        (false, true) => prefix.to_owned(),
        (false, false) => format!("{prefix}::{own}"),
    }
}

fn strip_leading_colons(path: String) -> String {
    match path.strip_prefix("::") {
        Some(rest) => rest.to_owned(),
        None => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ra_ap_syntax::{Edition, SourceFile};

    fn imports(text: &str) -> Imports {
        Imports::collect(SourceFile::parse(text, Edition::Edition2021).tree().syntax())
    }

    #[test]
    fn uses_in_bodies_blocks_and_modules_count() {
        let imports = imports(
            "fn f() { let x = { use std::sync::Mutex; 1 }; }\nmod m { fn g() { if a { use tokio::sync as ts; } } }\nfn h() { async { use parking_lot::RwLock; }; }",
        );
        assert_eq!(resolve(&imports, "Mutex"), "std::sync::Mutex");
        assert_eq!(resolve(&imports, "ts::Mutex"), "tokio::sync::Mutex");
        assert_eq!(resolve(&imports, "RwLock"), "parking_lot::RwLock");
    }

    fn resolve(imports: &Imports, path: &str) -> String {
        let segments: Vec<String> = path.split("::").map(str::to_owned).collect();
        imports.resolve_segments(&segments)
    }

    #[test]
    fn aliases_groups_and_globs() {
        let imports = imports(
            "use parking_lot::Mutex as PlMutex;\nuse std::{sync::{Arc, RwLock}, cell::*};\nuse tokio::sync;\nuse ::spin::Mutex;",
        );
        assert_eq!(resolve(&imports, "PlMutex"), "parking_lot::Mutex");
        assert_eq!(resolve(&imports, "RwLock"), "std::sync::RwLock");
        assert_eq!(resolve(&imports, "RefCell"), "std::cell::RefCell");
        assert_eq!(resolve(&imports, "sync::Mutex"), "tokio::sync::Mutex");
        assert_eq!(resolve(&imports, "Mutex"), "spin::Mutex");
        assert_eq!(resolve(&imports, "Unknown"), "Unknown");
    }

    #[test]
    fn self_in_group_imports_the_module() {
        let imports = imports("use tokio::sync::{self, Semaphore};");
        assert_eq!(resolve(&imports, "sync::RwLock"), "tokio::sync::RwLock");
        assert_eq!(resolve(&imports, "Semaphore"), "tokio::sync::Semaphore");
    }
}
