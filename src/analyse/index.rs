//! What a crate declares that tells a lock from anything else: struct fields, type aliases,
//! statics, and the return types of its fns and methods.
//!
//! Built from every parsed file of a crate before any body is analysed, so `self.inner.lock()`
//! in `handlers.rs` knows `inner` is a `Mutex` declared in `state.rs`. Types are kept as
//! written (`TypeExpr`, names resolved through the declaring file's imports) and turned into
//! `Ty`s on demand, because an alias may be declared in a file read later.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use ra_ap_syntax::{AstNode, SyntaxNode, ast, ast::HasName};

use super::imports::Imports;
use super::lock_types;
use super::lock_types::LockClass;
use super::self_locks::{self, FnLocks};
use super::types::{
    Ty, TypeExpr, is_element_collection, is_transparent_wrapper, last_segment, type_expr,
};

///
/// The declarations are kept in ordered maps so one file's part (`ItemIndex::of_file`)
/// serializes the same way every time: the persistent cache (`src/cache.rs`) stores it and
/// fingerprints it, and `merge` rebuilds the crate's index from the parts without parsing.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ItemIndex {
    /// Struct name → field name (or tuple index) → type. Several structs may share a name.
    structs: BTreeMap<String, Vec<Fields>>,
    aliases: BTreeMap<String, TypeExpr>,
    statics: BTreeMap<String, TypeExpr>,
    free_fns: BTreeMap<String, Vec<TypeExpr>>,
    /// Method name → (the impl's self type name, return type).
    methods: BTreeMap<String, Vec<(Option<String>, TypeExpr)>>,
    /// Name → the other crates' paths the crate re-exports under it (`pub use
    /// tokio::sync::RwLock;` in a `locks` module): `crate::locks::RwLock` is tokio's.
    reexports: BTreeMap<String, Vec<String>>,
    /// Fn key (`self_locks::fn_key`) → each definition's own locks and calls, for the locks a
    /// call takes at any depth (`--deadlocks`, and `fix`'s refusal of switches that hang).
    fn_locks: BTreeMap<String, Vec<FnLocks>>,
    /// Types the configuration says are guards (a user's RAII wrapper), as written there.
    #[serde(skip)]
    extra_guard_types: Vec<String>,
    /// Fns whose findings the configuration silences; set on one file's copy of the index.
    #[serde(skip)]
    allowed_fns: Vec<String>,
    /// The words without which a fn of the crate holds no guard (`prefilter::GuardWords`, the
    /// crate's guard-giving names among them): the walk skips fns whose text has none. Set by
    /// a run that selected its files with them; `None` walks every awaiting fn.
    #[serde(skip)]
    walk_filter: Option<std::sync::Arc<super::prefilter::GuardWords>>,
    /// Answers computed once by `finish`, so lookups during the walk are O(1) even in a crate
    /// with thousands of structs. Empty until `finish` runs (lookups then compute directly).
    #[serde(skip)]
    cache: Cache,
}

/// One struct's fields: field name (or tuple index) → type.
type Fields = BTreeMap<String, TypeExpr>;

#[derive(Clone, Debug, Default)]
struct Cache {
    finished: bool,
    struct_tys: HashMap<String, Ty>,
    field_any: HashMap<String, Ty>,
    method_any: HashMap<String, Ty>,
    free_fn: HashMap<String, Ty>,
}

/// The suffix under which an `async fn`'s output is indexed: `method_ret(ty, "get.await")` is
/// the type of `x.get().await`, while `method_ret(ty, "get")` knows nothing of the future.
pub const AWAITED: &str = ".await";

/// The lock shown for a guard of a configured type (`extra-guard-types`).
pub const CONFIGURED_GUARD: &str = "configured guard type";

/// How deep alias and struct resolution may recurse (cycles, pathological nesting).
const MAX_DEPTH: usize = 8;

impl ItemIndex {
    pub fn add_file(&mut self, root: &SyntaxNode, imports: &Imports) {
        self.add_file_walking(root, imports, None);
    }

    /// `add_file`, where `idle_bodies_of` (the file's text) says its fn bodies take no lock the
    /// facts record (`prefilter::fn_bodies_may_take_crate_locks` says no): then a body that
    /// declares nothing is not walked, as `parse::without_fn_bodies` would have blanked it (the
    /// facts of such a file are all dropped, see `FactsCollector::finish`).
    fn add_file_walking(
        &mut self,
        root: &SyntaxNode,
        imports: &Imports,
        idle_bodies_of: Option<&str>,
    ) {
        self.cache = Cache::default();
        let mut facts = self_locks::FactsCollector::default();
        let mut preorder = root.preorder();
        while let Some(event) = preorder.next() {
            let node = match event {
                ra_ap_syntax::WalkEvent::Enter(node) => node,
                ra_ap_syntax::WalkEvent::Leave(node) => {
                    facts.leave(&node);
                    continue;
                }
            };
            facts.enter(&node);
            if let Some(text) = idle_bodies_of
                && ast::BlockExpr::can_cast(node.kind())
                && node.parent().is_some_and(|parent| ast::Fn::can_cast(parent.kind()))
                && !crate::parse::may_declare_an_item(&text[node.text_range()])
            {
                preorder.skip_subtree();
                continue;
            }
            if let Some(strukt) = ast::Struct::cast(node.clone()) {
                self.add_struct(&strukt, imports);
            } else if let Some(alias) = ast::TypeAlias::cast(node.clone()) {
                if let (Some(name), Some(ty)) = (alias.name(), alias.ty()) {
                    self.aliases.insert(name.text().to_string(), type_expr(&ty, imports));
                }
            } else if let Some(statik) = ast::Static::cast(node.clone()) {
                if let (Some(name), Some(ty)) = (statik.name(), statik.ty()) {
                    self.statics.insert(name.text().to_string(), type_expr(&ty, imports));
                }
            } else if let Some(konst) = ast::Const::cast(node.clone()) {
                if let (Some(name), Some(ty)) = (konst.name(), konst.ty()) {
                    self.statics.insert(name.text().to_string(), type_expr(&ty, imports));
                }
            } else if let Some(use_item) = ast::Use::cast(node.clone()) {
                self.add_reexports(&use_item);
            } else if let Some(function) = ast::Fn::cast(node) {
                self.add_fn(&function, imports);
            }
        }
        for (key, locks) in facts.finish() {
            let defs = self.fn_locks.entry(key).or_default();
            if !defs.contains(&locks) {
                defs.push(locks);
            }
        }
    }

    /// What one file declares, on its own: the part `merge` adds to its crate's index.
    pub fn of_file(root: &SyntaxNode, imports: &Imports) -> ItemIndex {
        let mut part = ItemIndex::default();
        part.add_file(root, imports);
        part
    }

    /// `of_file` of a file whose fn bodies take no lock of `self` or a static (`text`: its
    /// text, for which `prefilter::fn_bodies_may_take_crate_locks` says no): the same part,
    /// without walking the bodies that declare nothing.
    pub fn of_file_with_idle_bodies(root: &SyntaxNode, imports: &Imports, text: &str) -> ItemIndex {
        let mut part = ItemIndex::default();
        part.add_file_walking(root, imports, Some(text));
        part
    }

    /// Adds one file's declarations (`of_file`) as `add_file` would have added them: merging
    /// the crate's files' parts in path order gives the index `add_file` builds in that order.
    pub fn merge(&mut self, part: &ItemIndex) {
        self.cache = Cache::default();
        for (name, defs) in &part.structs {
            let own = self.structs.entry(name.clone()).or_default();
            for fields in defs {
                if !own.contains(fields) {
                    own.push(fields.clone());
                }
            }
        }
        self.aliases.extend(part.aliases.iter().map(|(k, v)| (k.clone(), v.clone())));
        self.statics.extend(part.statics.iter().map(|(k, v)| (k.clone(), v.clone())));
        for (name, rets) in &part.free_fns {
            self.free_fns.entry(name.clone()).or_default().extend(rets.iter().cloned());
        }
        for (name, rets) in &part.methods {
            self.methods.entry(name.clone()).or_default().extend(rets.iter().cloned());
        }
        for (key, defs) in &part.fn_locks {
            let own = self.fn_locks.entry(key.clone()).or_default();
            for locks in defs {
                if !own.contains(locks) {
                    own.push(locks.clone());
                }
            }
        }
        for (name, paths) in &part.reexports {
            let own = self.reexports.entry(name.clone()).or_default();
            for path in paths {
                if !own.contains(path) {
                    own.push(path.clone());
                }
            }
        }
    }

    /// Whether the file declares nothing the index keeps.
    pub fn is_empty(&self) -> bool {
        self.structs.is_empty()
            && self.aliases.is_empty()
            && self.statics.is_empty()
            && self.free_fns.is_empty()
            && self.methods.is_empty()
            && self.reexports.is_empty()
            && self.fn_locks.is_empty()
    }

    /// Every fn's facts, by key.
    pub fn all_fn_locks(&self) -> impl Iterator<Item = (&String, &[FnLocks])> {
        self.fn_locks.iter().map(|(key, defs)| (key, defs.as_slice()))
    }

    /// Each definition's own locks and calls of the fn `key` (`self_locks::fn_key`).
    pub fn fn_locks(&self, key: &str) -> &[FnLocks] {
        self.fn_locks.get(key).map_or(&[], Vec::as_slice)
    }

    /// The names through which a value of this crate can hold a guard without any acquiring
    /// call in sight: fns and methods whose (awaited) result holds one, and structs and
    /// aliases that hold one. A file that mentions none of them, no acquiring method and no
    /// guard type cannot hold a guard (see `analyse::may_hold_guards`). Call after `finish`.
    pub fn guard_giving_names(&self) -> Vec<String> {
        let mut names = Vec::new();
        let strip = |name: &str| name.strip_suffix(AWAITED).unwrap_or(name).to_owned();
        for (name, rets) in &self.free_fns {
            if rets.iter().any(|ret| self.resolve(ret, None).is_guard()) {
                names.push(strip(name));
            }
        }
        for (name, rets) in &self.methods {
            if rets.iter().any(|(owner, ret)| self.resolve(ret, owner.as_deref()).is_guard()) {
                names.push(strip(name));
            }
        }
        for name in self.structs.keys() {
            if self.struct_as_ty(name, 0).is_guard() {
                names.push(name.clone());
            }
        }
        for (name, ty) in self.aliases.iter().chain(&self.statics) {
            if self.resolve(ty, None).is_guard() {
                names.push(name.clone());
            }
        }
        names.sort();
        names.dedup();
        names
    }

    fn add_reexports(&mut self, use_item: &ast::Use) {
        use ra_ap_syntax::ast::HasVisibility;
        if use_item.visibility().is_none() {
            return;
        }
        for (name, path) in Imports::bound_by(use_item) {
            let krate = path.split("::").next().unwrap_or("");
            if path.contains("::") && !["crate", "self", "super"].contains(&krate) {
                let targets = self.reexports.entry(name).or_default();
                if !targets.contains(&path) {
                    targets.push(path);
                }
            }
        }
    }

    /// The other crate's path a name the crate re-exports stands for, when only one.
    fn reexported(&self, name: &str) -> Option<&str> {
        match self.reexports.get(name).map(Vec::as_slice) {
            Some([only]) => Some(only),
            _ => None,
        }
    }

    fn add_struct(&mut self, strukt: &ast::Struct, imports: &Imports) {
        let Some(name) = strukt.name() else { return };
        let mut fields = Fields::new();
        match strukt.field_list() {
            Some(ast::FieldList::RecordFieldList(list)) => {
                for field in list.fields() {
                    if let (Some(field_name), Some(ty)) = (field.name(), field.ty()) {
                        fields.insert(field_name.text().to_string(), type_expr(&ty, imports));
                    }
                }
            }
            Some(ast::FieldList::TupleFieldList(list)) => {
                for (position, field) in list.fields().enumerate() {
                    if let Some(ty) = field.ty() {
                        fields.insert(position.to_string(), type_expr(&ty, imports));
                    }
                }
            }
            None => {}
        }
        // The fix engine indexes a file again on top of its crate's index: the same struct
        // added twice must stay one definition, or its fields' types become ambiguous.
        let defs = self.structs.entry(name.text().to_string()).or_default();
        if !defs.contains(&fields) {
            defs.push(fields);
        }
    }

    fn add_fn(&mut self, function: &ast::Fn, imports: &Imports) {
        let (Some(name), Some(ret)) = (function.name(), function.ret_type().and_then(|r| r.ty()))
        else {
            return;
        };
        let ret = type_expr(&ret, imports);
        // Calling an `async fn` gives a future; its written return type is what the *await*
        // gives. Such fns are indexed under `name.await` (see `AWAITED`).
        let name = match function.async_token() {
            Some(_) => format!("{}{AWAITED}", name.text()),
            None => name.text().to_string(),
        };
        match enclosing_impl_self_type(function.syntax()) {
            Some(self_type) => self.methods.entry(name).or_default().push((self_type, ret)),
            None if is_in_trait(function.syntax()) => {
                self.methods.entry(name).or_default().push((None, ret))
            }
            None => self.free_fns.entry(name).or_default().push(ret),
        }
    }

    /// Counts these types (`my_crate::Guard`, `Guard`) as blocking guards, wherever a declared
    /// type, a return type or a field's type names them.
    pub fn add_extra_guard_types(&mut self, names: impl IntoIterator<Item = String>) {
        self.extra_guard_types.extend(names);
        self.cache = Cache::default();
    }

    /// Silences findings in fns of these names (`name`, or `Type::name` for a method).
    pub fn allow_fns(&mut self, names: impl IntoIterator<Item = String>) {
        self.allowed_fns.extend(names);
    }

    pub fn allowed_fns(&self) -> &[String] {
        &self.allowed_fns
    }

    pub fn set_walk_filter(&mut self, words: std::sync::Arc<super::prefilter::GuardWords>) {
        self.walk_filter = Some(words);
    }

    pub fn walk_filter(&self) -> Option<&super::prefilter::GuardWords> {
        self.walk_filter.as_deref()
    }

    fn is_extra_guard_type(&self, written: &str) -> bool {
        self.extra_guard_types.iter().any(|configured| same_type(configured, written))
    }

    /// The type of `Struct.field`, when every struct of that name agrees.
    pub fn field_ty(&self, struct_name: &str, field: &str) -> Ty {
        let Some(defs) = self.structs.get(struct_name) else { return Ty::Unknown };
        let mut found = defs.iter().filter_map(|fields| fields.get(field));
        match (found.next(), found.next()) {
            (Some(ty), None) => self.resolve(ty, Some(struct_name)),
            _ => Ty::Unknown,
        }
    }

    /// Precomputes the answers the walk asks most (struct types, fields of unknown owners,
    /// methods of unknown receivers, free fns). Call once after the last `add_file`.
    pub fn finish(&mut self) {
        // Structs whose fields name other structs come after those: each is then resolved
        // once, against its fields' cached types, instead of re-walking every nested struct
        // (which grows exponentially with the nesting when names repeat across a large index).
        self.cache = Cache::default();
        for name in self.structs_in_dependency_order() {
            let ty = self.struct_as_ty(&name, 0);
            self.cache.struct_tys.insert(name, ty);
        }
        self.cache.finished = true;
        let mut field_names: Vec<String> =
            self.structs.values().flatten().flat_map(|fields| fields.keys().cloned()).collect();
        field_names.sort();
        field_names.dedup();
        let field_any = field_names.into_iter().map(|field| {
            let ty = self.compute_field_ty_any_struct(&field);
            (field, ty)
        });
        let field_any: HashMap<String, Ty> = field_any.collect();
        let method_any: HashMap<String, Ty> = self
            .methods
            .keys()
            .map(|method| (method.clone(), self.compute_method_ret(None, method)))
            .collect();
        let free_fn: HashMap<String, Ty> = self
            .free_fns
            .keys()
            .map(|name| {
                (name.clone(), self.agreeing(self.free_fns[name].iter().map(|ret| (None, ret))))
            })
            .collect();
        self.cache.field_any = field_any;
        self.cache.method_any = method_any;
        self.cache.free_fn = free_fn;
    }

    /// The type of a field accessed on a receiver of unknown type: known only when every
    /// struct in the crate that has a field of that name gives it the same lock or guard type.
    pub fn field_ty_any_struct(&self, field: &str) -> Ty {
        if self.cache.finished {
            return self.cache.field_any.get(field).cloned().unwrap_or(Ty::Unknown);
        }
        self.compute_field_ty_any_struct(field)
    }

    fn compute_field_ty_any_struct(&self, field: &str) -> Ty {
        let mut agreed: Option<Ty> = None;
        for (struct_name, defs) in &self.structs {
            for fields in defs {
                let Some(ty) = fields.get(field) else { continue };
                let ty = self.resolve(ty, Some(struct_name));
                match &agreed {
                    None => agreed = Some(ty),
                    Some(previous) if *previous == ty => {}
                    Some(_) => return Ty::Unknown,
                }
            }
        }
        agreed.unwrap_or(Ty::Unknown)
    }

    pub fn static_ty(&self, name: &str) -> Ty {
        self.statics.get(name).map_or(Ty::Unknown, |ty| self.resolve(ty, None))
    }

    /// The return types written on the crate's free fns named `name` (an async fn's under
    /// `name.await`).
    pub fn free_fn_written_returns(&self, name: &str) -> &[TypeExpr] {
        self.free_fns.get(name).map_or(&[], Vec::as_slice)
    }

    pub fn free_fn_ret(&self, name: &str) -> Ty {
        if self.cache.finished {
            return self.cache.free_fn.get(name).cloned().unwrap_or(Ty::Unknown);
        }
        self.agreeing(self.free_fns.get(name).into_iter().flatten().map(|ret| (None, ret)))
    }

    /// The return type of `receiver.method()`, given the receiver's type name when known.
    pub fn method_ret(&self, self_type: Option<&str>, method: &str) -> Ty {
        if self.cache.finished && self_type.is_none() {
            return self.cache.method_any.get(method).cloned().unwrap_or(Ty::Unknown);
        }
        self.compute_method_ret(self_type, method)
    }

    fn compute_method_ret(&self, self_type: Option<&str>, method: &str) -> Ty {
        let Some(candidates) = self.methods.get(method) else { return Ty::Unknown };
        if let Some(self_type) = self_type {
            let own = candidates
                .iter()
                .filter(|(owner, _)| owner.as_deref() == Some(self_type))
                .map(|(owner, ret)| (owner.as_deref(), ret));
            let ty = self.agreeing(own);
            if ty != Ty::Unknown {
                return ty;
            }
        }
        if self.cache.finished
            && let Some(any) = self.cache.method_any.get(method)
        {
            return any.clone();
        }
        self.agreeing(candidates.iter().map(|(owner, ret)| (owner.as_deref(), ret)))
    }

    /// Whether the crate itself declares a method of this name (so a `lock()` on a receiver of
    /// unknown type may be the crate's own, not a lock's).
    pub fn declares_method(&self, method: &str) -> bool {
        let awaited = format!("{method}{AWAITED}");
        self.methods.contains_key(method)
            || self.free_fns.contains_key(method)
            || self.methods.contains_key(&awaited)
            || self.free_fns.contains_key(&awaited)
    }

    /// Whether the crate declares a method of this name whose result could be `unwrap`ped
    /// (a `Result`, an `Option`, or a type we cannot see through): then `x.lock().unwrap()` on
    /// a receiver of unknown type may be the crate's own `lock`.
    pub fn declares_unwrappable_method(&self, method: &str) -> bool {
        self.methods.get(method).into_iter().flatten().any(|(_, ret)| match ret {
            TypeExpr::Path { path, .. } => {
                let name = last_segment(path);
                name.ends_with("Result") || name == "Option" || self.aliases.contains_key(name)
            }
            _ => false,
        })
    }

    pub fn declares_struct(&self, name: &str) -> bool {
        self.structs.contains_key(name)
    }

    fn agreeing<'a>(
        &self,
        candidates: impl Iterator<Item = (Option<&'a str>, &'a TypeExpr)>,
    ) -> Ty {
        let mut agreed: Option<Ty> = None;
        for (owner, ret) in candidates {
            let ty = self.resolve(ret, owner);
            match &agreed {
                None => agreed = Some(ty),
                Some(previous) if *previous == ty => {}
                Some(_) => return Ty::Unknown,
            }
        }
        agreed.unwrap_or(Ty::Unknown)
    }

    /// Turns a written type into what the analysis needs. `self_type` stands for `Self`.
    pub fn resolve(&self, ty: &TypeExpr, self_type: Option<&str>) -> Ty {
        self.resolve_at_depth(ty, self_type, 0)
    }

    fn resolve_at_depth(&self, ty: &TypeExpr, self_type: Option<&str>, depth: usize) -> Ty {
        if depth > MAX_DEPTH {
            return Ty::Unknown;
        }
        let recurse = |inner: &TypeExpr| self.resolve_at_depth(inner, self_type, depth + 1);
        match ty {
            TypeExpr::Ref(inner) => recurse(inner),
            TypeExpr::Slice(inner) => elements_of(recurse(inner)),
            TypeExpr::Tuple(items) => first_guard(items.iter().map(recurse)),
            TypeExpr::Other => Ty::Unknown,
            TypeExpr::Path { path, args } => {
                let name = last_segment(path);
                if name == "Self" {
                    return match self_type {
                        Some(own) if self.is_extra_guard_type(own) => {
                            Ty::Guard(LockClass::Blocking, CONFIGURED_GUARD)
                        }
                        Some(own) => Ty::Named(own.to_owned()),
                        None => Ty::Unknown,
                    };
                }
                if self.is_extra_guard_type(path) {
                    return Ty::Guard(LockClass::Blocking, CONFIGURED_GUARD);
                }
                let user_declared = !path.contains("::")
                    || ["crate::", "self::", "super::"].iter().any(|local| path.starts_with(local));
                if user_declared && self.aliases.contains_key(name) {
                    return recurse(&self.aliases[name]);
                }
                if user_declared && self.structs.contains_key(name) {
                    return self.struct_as_ty(name, depth);
                }
                if user_declared && let Some(target) = self.reexported(name) {
                    let target = TypeExpr::Path { path: target.to_owned(), args: args.clone() };
                    return recurse(&target);
                }
                if let Some((class, family)) = lock_types::guard_type_for_path(path) {
                    return Ty::Guard(class, family);
                }
                if let Some(family) = lock_types::family_for_path(path) {
                    return Ty::Lock(family);
                }
                if is_transparent_wrapper(name) {
                    return args.first().map_or(Ty::Unknown, recurse);
                }
                if is_element_collection(name) {
                    return args.last().map_or(Ty::Unknown, |arg| elements_of(recurse(arg)));
                }
                // `Option<Guard>`, `LockResult<Guard>`, `Result<Guard, E>`, user generics…
                first_guard(args.iter().map(recurse))
            }
        }
    }

    /// A user struct is a guard when one of its fields holds a guard.
    /// Every struct name, each after the struct names its fields mention (cycles broken
    /// where the walk meets them).
    fn structs_in_dependency_order(&self) -> Vec<String> {
        fn mentioned(ty: &TypeExpr, out: &mut Vec<String>) {
            match ty {
                TypeExpr::Path { path, args } => {
                    out.push(last_segment(path).to_owned());
                    args.iter().for_each(|arg| mentioned(arg, out));
                }
                TypeExpr::Ref(inner) | TypeExpr::Slice(inner) => mentioned(inner, out),
                TypeExpr::Tuple(items) => items.iter().for_each(|item| mentioned(item, out)),
                TypeExpr::Other => {}
            }
        }
        let mut names: Vec<&String> = self.structs.keys().collect();
        names.sort();
        let mut order = Vec::with_capacity(names.len());
        let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
        // An explicit stack: (name, whether its dependencies were pushed already).
        let mut stack: Vec<(String, bool)> =
            names.iter().rev().map(|name| ((*name).clone(), false)).collect();
        while let Some((name, expanded)) = stack.pop() {
            if expanded {
                order.push(name);
                continue;
            }
            if !seen.insert(name.clone()) {
                continue;
            }
            stack.push((name.clone(), true));
            let mut deps = Vec::new();
            for fields in &self.structs[&name] {
                fields.values().for_each(|field| mentioned(field, &mut deps));
            }
            for dep in deps {
                if self.structs.contains_key(&dep) && !seen.contains(&dep) {
                    stack.push((dep, false));
                }
            }
        }
        order
    }

    fn struct_as_ty(&self, name: &str, depth: usize) -> Ty {
        if let Some(ty) = self.cache.struct_tys.get(name) {
            return ty.clone();
        }
        // Several structs of this name (in different modules): a guard only if every one is.
        let guard_of = |fields: &Fields| {
            fields.values().find_map(|field| {
                match self.resolve_at_depth(field, Some(name), depth + 1) {
                    guard @ Ty::Guard(..) => Some(guard),
                    _ => None,
                }
            })
        };
        let per_def: Vec<Option<Ty>> = self.structs[name].iter().map(guard_of).collect();
        let holds_guard = if per_def.iter().all(Option::is_some) {
            per_def.into_iter().flatten().next()
        } else {
            None
        };
        holds_guard.unwrap_or_else(|| Ty::Named(name.to_owned()))
    }
}

/// Whether a configured type path and a written one (resolved through imports) name the same
/// type, as far as syntax tells: the last segments agree, and so do the crates when both paths
/// name one. A bare name or a `crate::`/`self::`/`super::` path names no crate: within a crate,
/// `Guard` and `crate::sync::Guard` are what `my_crate::sync::Guard` is written as.
fn same_type(configured: &str, written: &str) -> bool {
    if last_segment(configured) != last_segment(written) {
        return false;
    }
    match (crate_of(configured), crate_of(written)) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

/// The crate a path names first, if any (`crate::`, `self::`, `super::` name none).
fn crate_of(path: &str) -> Option<&str> {
    match path.split_once("::") {
        Some((first, _)) if !matches!(first, "crate" | "self" | "super" | "") => Some(first),
        _ => None,
    }
}

fn elements_of(inner: Ty) -> Ty {
    match inner {
        // A `Vec<MutexGuard>` holds its guards as much as a single binding does.
        guard @ Ty::Guard(..) => guard,
        Ty::Unknown => Ty::Unknown,
        other => Ty::Elements(Box::new(other)),
    }
}

fn first_guard(tys: impl Iterator<Item = Ty>) -> Ty {
    tys.into_iter().find(|ty| matches!(ty, Ty::Guard(..))).unwrap_or(Ty::Unknown)
}

/// The self type's name of the `impl` block around a node, if any.
pub fn enclosing_impl_self_type(node: &SyntaxNode) -> Option<Option<String>> {
    let imp = node.ancestors().find_map(ast::Impl::cast)?;
    let name = match imp.self_ty()? {
        ast::Type::PathType(path_type) => {
            path_type.path()?.segment()?.name_ref().map(|name| name.text().to_string())
        }
        _ => None,
    };
    Some(name)
}

fn is_in_trait(node: &SyntaxNode) -> bool {
    node.ancestors().any(|ancestor| ast::Trait::can_cast(ancestor.kind()))
}

/// Guard classes that count as `Ty::Guard` for a written return type: used by tests.
#[cfg(test)]
fn class_of(ty: &Ty) -> Option<LockClass> {
    match ty {
        Ty::Guard(class, _) => Some(*class),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ra_ap_syntax::{Edition, SourceFile};

    fn index(text: &str) -> ItemIndex {
        let tree = SourceFile::parse(text, Edition::Edition2021).tree();
        let imports = Imports::collect(tree.syntax());
        let mut index = ItemIndex::default();
        index.add_file(tree.syntax(), &imports);
        index
    }

    #[test]
    fn fields_through_wrappers_and_aliases() {
        let index = index(
            "use std::sync::{Arc, Mutex};\ntype Shared = Arc<Mutex<Vec<u8>>>;\nstruct S { a: Shared, b: parking_lot::RwLock<u8>, c: std::cell::RefCell<u8>, d: Vec<u8> }",
        );
        assert_eq!(
            index.field_ty("S", "a"),
            Ty::Lock(lock_types::family_by_path("std::sync::Mutex").unwrap())
        );
        assert_eq!(
            index.field_ty("S", "b"),
            Ty::Lock(lock_types::family_by_path("parking_lot::RwLock").unwrap())
        );
        assert_eq!(
            index.field_ty("S", "c"),
            Ty::Lock(lock_types::family_by_path("std::cell::RefCell").unwrap())
        );
        assert_eq!(index.field_ty("S", "d"), Ty::Unknown);
    }

    #[test]
    fn guard_returning_methods_and_guard_holding_structs() {
        let index = index(
            "use std::sync::MutexGuard;\nstruct Held<'a> { g: MutexGuard<'a, u8> }\nstruct S;\nimpl S { fn state(&self) -> MutexGuard<'_, u8> { todo!() } fn held(&self) -> Option<Held<'_>> { todo!() } fn lock(&self) -> usize { 0 } }",
        );
        assert_eq!(class_of(&index.method_ret(Some("S"), "state")), Some(LockClass::Blocking));
        assert_eq!(class_of(&index.method_ret(None, "held")), Some(LockClass::Blocking));
        assert_eq!(index.method_ret(Some("S"), "lock"), Ty::Unknown);
        assert!(index.declares_method("lock"));
    }

    fn configured_guard() -> Option<LockClass> {
        Some(LockClass::Blocking)
    }

    #[test]
    fn configured_guard_types_by_name_or_path() {
        let mut index = index(
            "pub struct Guard<'a>(&'a u8);\nstruct Holder<'a> { g: Guard<'a> }\nimpl Guard<'_> { fn new() -> Self { todo!() } }\nfn make_guard() -> Guard<'static> { todo!() }\nfn make_other() -> other::Guard { todo!() }\nfn plain() -> u8 { 0 }",
        );
        assert_eq!(index.free_fn_ret("make_guard"), Ty::Named("Guard".into()));
        index.add_extra_guard_types(["my_crate::Guard".to_owned()]);
        assert_eq!(
            index.free_fn_ret("make_guard"),
            Ty::Guard(LockClass::Blocking, CONFIGURED_GUARD)
        );
        assert_eq!(class_of(&index.method_ret(Some("Guard"), "new")), configured_guard());
        assert_eq!(class_of(&index.field_ty("Holder", "g")), configured_guard());
        // Another crate's `Guard` is not `my_crate`'s.
        assert_eq!(class_of(&index.free_fn_ret("make_other")), None);
        assert_eq!(index.free_fn_ret("plain"), Ty::Unknown);
    }

    #[test]
    fn configured_type_matching() {
        assert!(same_type("my_crate::Guard", "Guard"));
        assert!(same_type("my_crate::Guard", "crate::sync::Guard"));
        assert!(same_type("my_crate::Guard", "my_crate::sync::Guard"));
        assert!(same_type("Guard", "other::Guard"));
        assert!(!same_type("my_crate::Guard", "other::Guard"));
        assert!(!same_type("my_crate::Guard", "Guardian"));
    }

    #[test]
    fn indexing_a_file_twice_keeps_its_fields_known() {
        let text = "struct S { m: parking_lot::Mutex<u8> }";
        let mut twice = index(text);
        let tree = SourceFile::parse(text, Edition::Edition2021).tree();
        twice.add_file(tree.syntax(), &Imports::collect(tree.syntax()));
        assert_eq!(twice.field_ty("S", "m"), index(text).field_ty("S", "m"));
        assert_ne!(twice.field_ty("S", "m"), Ty::Unknown);
    }

    #[test]
    fn user_struct_named_like_a_lock_is_not_a_lock() {
        let index = index("struct Mutex; struct S { m: Mutex }");
        assert_eq!(index.field_ty("S", "m"), Ty::Named("Mutex".into()));
    }
}
