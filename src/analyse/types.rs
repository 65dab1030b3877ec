//! A small syntactic type model: just enough to tell locks, guards and user structs apart.
//!
//! `TypeExpr` is a written type with its names resolved through the file's `use` imports;
//! `Ty` is what the analysis needs to know about a value. Resolution of a `TypeExpr` into a `Ty`
//! goes through the crate index (aliases, structs), see `index.rs`. A later semantic layer
//! (rust-analyzer's `hir`) can answer the same questions exactly; it plugs in where `Ty`s are
//! computed, see `classify.rs`.

use ra_ap_syntax::{AstNode, ast, ast::HasGenericArgs};

use super::imports::Imports;
use super::lock_types::{LockClass, LockFamily};

/// A written type, names resolved through imports (`Mutex` → `std::sync::Mutex`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TypeExpr {
    Path { path: String, args: Vec<TypeExpr> },
    Ref(Box<TypeExpr>),
    Tuple(Vec<TypeExpr>),
    Slice(Box<TypeExpr>),
    Other,
}

/// What the analysis knows about a value's type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ty {
    /// A lock, possibly behind `Arc`, `&`, `Box`, `LazyLock`… (method calls auto-deref).
    Lock(LockFamily),
    /// A guard, or a value that holds one (`Option<MutexGuard>`, a `LockResult`, a tuple, a
    /// user struct with a guard field).
    Guard(LockClass, &'static str),
    /// A collection whose elements are the inner type (`Vec<Mutex<T>>`, `[RefCell<T>; 4]`).
    Elements(Box<Ty>),
    /// A user type, by name, for field and method lookup.
    Named(String),
    Unknown,
}

impl Ty {
    pub fn is_guard(&self) -> bool {
        matches!(self, Ty::Guard(..))
    }
}

/// Converts a written type, resolving its leading name through `imports`.
pub fn type_expr(ty: &ast::Type, imports: &Imports) -> TypeExpr {
    match ty {
        ast::Type::PathType(path_type) => match path_type.path() {
            Some(path) => path_type_expr(&path, imports),
            None => TypeExpr::Other,
        },
        ast::Type::RefType(ref_type) => match ref_type.ty() {
            Some(inner) => TypeExpr::Ref(Box::new(type_expr(&inner, imports))),
            None => TypeExpr::Other,
        },
        ast::Type::ParenType(paren) => {
            paren.ty().map_or(TypeExpr::Other, |inner| type_expr(&inner, imports))
        }
        ast::Type::TupleType(tuple) => {
            TypeExpr::Tuple(tuple.fields().map(|field| type_expr(&field, imports)).collect())
        }
        ast::Type::ArrayType(array) => match array.ty() {
            Some(inner) => TypeExpr::Slice(Box::new(type_expr(&inner, imports))),
            None => TypeExpr::Other,
        },
        ast::Type::SliceType(slice) => match slice.ty() {
            Some(inner) => TypeExpr::Slice(Box::new(type_expr(&inner, imports))),
            None => TypeExpr::Other,
        },
        // `impl DerefMut<Target = T> + '_` could be a guard, but nothing written says so.
        _ => TypeExpr::Other,
    }
}

fn path_type_expr(path: &ast::Path, imports: &Imports) -> TypeExpr {
    let segments: Vec<String> = path
        .segments()
        .filter_map(|segment| segment.name_ref().map(|name| name.text().to_string()))
        .collect();
    if segments.is_empty() {
        return TypeExpr::Other;
    }
    let args = path
        .segment()
        .and_then(|last| last.generic_arg_list())
        .map(|list| {
            list.generic_args()
                .filter_map(|arg| match arg {
                    ast::GenericArg::TypeArg(type_arg) => type_arg.ty(),
                    _ => None,
                })
                .map(|ty| type_expr(&ty, imports))
                .collect()
        })
        .unwrap_or_default();
    TypeExpr::Path { path: imports.resolve_segments(&segments), args }
}

/// Converts a path used in an expression (`Mutex::new`, `MutexGuard::map`) to its resolved
/// segments as one string.
pub fn expr_path_string(path: &ast::Path, imports: &Imports) -> Option<String> {
    let segments: Vec<String> = path
        .segments()
        .map(|segment| {
            segment
                .name_ref()
                .map(|name| name.text().to_string())
                .or_else(|| segment.self_type_token().map(|_| "Self".to_owned()))
        })
        .collect::<Option<_>>()?;
    if segments.is_empty() {
        return None;
    }
    Some(imports.resolve_segments(&segments))
}

/// The last segment of a `::` path (what `path.rsplit("::").next()` gives, without building a
/// substring searcher: this runs for every type the index resolves).
pub fn last_segment(path: &str) -> &str {
    let bytes = path.as_bytes();
    let mut end = bytes.len();
    while let Some(colon) = memchr::memrchr(b':', &bytes[..end]) {
        if colon > 0 && bytes[colon - 1] == b':' {
            return &path[colon + 1..];
        }
        end = colon;
    }
    path
}

/// Whether a type name derefs to its first type argument for method calls.
pub fn is_transparent_wrapper(name: &str) -> bool {
    matches!(
        name,
        "Arc"
            | "Rc"
            | "Box"
            | "Pin"
            | "LazyLock"
            | "LazyCell"
            | "Lazy"
            | "ManuallyDrop"
            | "CachePadded"
            | "AssertUnwindSafe"
            | "Cow"
    )
}

/// Collections whose elements are reached by indexing or iteration.
pub fn is_element_collection(name: &str) -> bool {
    matches!(
        name,
        "Vec" | "VecDeque" | "SmallVec" | "ArrayVec" | "HashMap" | "BTreeMap" | "IndexMap"
    )
}

pub fn node_text(node: &impl AstNode) -> String {
    crate::parse::tree_text(node.syntax())
}

#[cfg(test)]
mod tests {
    use super::last_segment;

    #[test]
    fn the_last_segment_is_what_splitting_at_the_last_double_colon_gives() {
        for path in [
            "Mutex",
            "std::sync::Mutex",
            "::leading",
            "trailing::",
            "Vec<std::sync::Mutex<T>>",
            "<T as Trait>::Assoc",
            "a:::b",
            "a:b",
            ":",
            "",
        ] {
            assert_eq!(last_segment(path), path.rsplit("::").next().unwrap_or(path), "{path}");
        }
    }
}
