//! Where a lock lives: the struct field a guard was acquired from, and every place in the
//! workspace that names that field (rust-analyzer's find-usages), sorted into the shapes the
//! async-mutex transform knows how to rewrite.

use std::path::{Path, PathBuf};

use ra_ap_hir::{FieldSource, HasSource, Semantics};
use ra_ap_ide_db::RootDatabase;
use ra_ap_ide_db::defs::Definition;
use ra_ap_ide_db::search::FileReferenceNode;
use ra_ap_syntax::{AstNode, TextRange, ast};
use ra_ap_vfs::{FileId, Vfs};

/// A lock field's declaration and uses, as ranges in the texts the database holds.
#[derive(Clone, Debug, Default)]
pub struct LockSites {
    /// The field's name, for messages.
    pub field: String,
    /// The file declaring the field, and the range of its written type (`Arc<Mutex<T>>`).
    pub declared_in: PathBuf,
    pub field_type: TextRange,
    /// `expr.field` expressions: where the lock is acquired (or otherwise used).
    pub uses: Vec<(PathBuf, TextRange)>,
    /// `Struct { field: EXPR }`: the EXPR ranges, where the lock is built.
    pub inits: Vec<(PathBuf, TextRange)>,
}

/// The sites of the lock acquired by the method call at `acquire` in `file_id`.
pub fn lock_sites(
    db: &RootDatabase,
    vfs: &Vfs,
    file_id: FileId,
    acquire: TextRange,
) -> Result<LockSites, String> {
    let sema = Semantics::new(db);
    let tree = sema.parse(sema.attach_first_edition(file_id));
    let call = tree
        .syntax()
        .covering_element(acquire)
        .ancestors()
        .find_map(ast::MethodCallExpr::cast)
        .ok_or("the acquisition is not a method call")?;
    let Some(ast::Expr::FieldExpr(receiver)) = call.receiver() else {
        return Err(
            "the lock is not a struct field (only fields are switched to tokio's lock)".into()
        );
    };
    let field = sema
        .resolve_field(&receiver)
        .and_then(|resolved| resolved.left())
        .ok_or("rust-analyzer could not resolve the lock's field")?;
    if !field.parent_def(db).module(db).krate(db).origin(db).is_local() {
        return Err("the lock is a field of a dependency's type".into());
    }
    let source = field.source(db).ok_or("the field's declaration was not found")?;
    let FieldSource::Named(record_field) = source.value else {
        return Err("the lock is a tuple struct field".into());
    };
    let declared_file = source
        .file_id
        .file_id()
        .ok_or("the field is declared inside a macro expansion")?
        .file_id(db);
    let field_type = record_field.ty().ok_or("the field has no written type")?;
    let mut sites = LockSites {
        field: field.name(db).as_str().to_owned(),
        declared_in: path_of(vfs, declared_file)?,
        field_type: field_type.syntax().text_range(),
        ..LockSites::default()
    };
    let usages = Definition::Field(field).usages(&sema).all();
    for (file, references) in usages {
        let path = path_of(vfs, file.file_id(db))?;
        for reference in references {
            let FileReferenceNode::NameRef(name_ref) = reference.name else {
                return Err(format!("{} is named in a way guardfix cannot rewrite", sites.field));
            };
            let parent = name_ref.syntax().parent().ok_or("a use without a parent")?;
            let at = || format!("{}: {:?}", path.display(), reference.range);
            if let Some(field_expr) = ast::FieldExpr::cast(parent.clone()) {
                sites.uses.push((path.clone(), field_expr.syntax().text_range()));
            } else if let Some(init) = ast::RecordExprField::cast(parent.clone()) {
                let expr = init.expr().filter(|_| init.name_ref().is_some()).ok_or_else(|| {
                    format!(
                        "`{}` is built by a shorthand field initializer ({})",
                        sites.field,
                        at()
                    )
                })?;
                sites.inits.push((path.clone(), expr.syntax().text_range()));
            } else {
                return Err(format!(
                    "`{}` is used in a pattern or another shape guardfix cannot rewrite ({})",
                    sites.field,
                    at()
                ));
            }
        }
    }
    Ok(sites)
}

fn path_of(vfs: &Vfs, file_id: FileId) -> Result<PathBuf, String> {
    let path = vfs.file_path(file_id);
    let real = path.as_path().ok_or("a file outside the real file system")?;
    Ok(Path::new(real.as_str()).to_owned())
}
