//! A declaring file parsed without its fn bodies (`parse::without_fn_bodies`) gives the crate
//! index exactly what the whole file gives, wherever `select` parses it so: every `.rs` file of
//! this repository's fixtures, and of the folders in `GUARDFIX_SKELETON_CORPUS` (`:`-separated;
//! point it at `$CARGO_HOME/registry/src` or real checkouts to check code nobody here wrote).

use std::path::{Path, PathBuf};

use guardfix::analyse::{imports::Imports, index::ItemIndex, prefilter};
use guardfix::parse;
use ra_ap_syntax::{AstNode, Edition};

fn index_json(text: &str) -> String {
    let parse = parse::parse_source(text, Edition::Edition2021).expect("parses");
    let root = parse.tree();
    let imports = Imports::collect(root.syntax());
    serde_json::to_string(&ItemIndex::of_file(root.syntax(), &imports)).unwrap()
}

fn rust_files(folder: &Path) -> Vec<PathBuf> {
    ignore::WalkBuilder::new(folder)
        .standard_filters(false)
        .build()
        .filter_map(Result::ok)
        .map(|entry| entry.into_path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .collect()
}

/// Every `.rs` file of the fixtures and of `GUARDFIX_SKELETON_CORPUS` that `select` would
/// index without walking its fn bodies: it may declare locks, and none of its fn bodies may
/// take a lock of `self` or a static.
fn declaring_files_whose_bodies_take_no_crate_lock() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut folders = vec![root.join("transforms"), root.join("tests"), root.join("src")];
    if let Some(extra) = std::env::var_os("GUARDFIX_SKELETON_CORPUS") {
        folders.extend(std::env::split_paths(&extra));
    }
    folders
        .iter()
        .flat_map(|folder| rust_files(folder))
        .filter_map(|path| Some((std::fs::read_to_string(&path).ok()?, path)))
        .filter(|(text, _)| {
            prefilter::may_declare_locks(text) && !prefilter::fn_bodies_may_take_crate_locks(text)
        })
        .map(|(text, path)| (path, text))
        .collect()
}

#[test]
fn declarations_without_fn_bodies_index_as_the_whole_file() {
    let (mut compared, mut blanked_bytes, mut total_bytes) = (0, 0, 0);
    let mut differing = Vec::new();
    for (path, text) in declaring_files_whose_bodies_take_no_crate_lock() {
        let Some(skeleton) = parse::without_fn_bodies(&text, Edition::Edition2021) else {
            continue;
        };
        assert_eq!(skeleton.len(), text.len(), "{}", path.display());
        assert_eq!(skeleton.matches('\n').count(), text.matches('\n').count());
        compared += 1;
        total_bytes += text.len();
        blanked_bytes += skeleton.bytes().zip(text.bytes()).filter(|(a, b)| a != b).count();
        if index_json(&skeleton) != index_json(&text) {
            differing.push(path.display().to_string());
        }
    }
    eprintln!("{compared} files compared, {blanked_bytes} of {total_bytes} bytes blanked");
    assert!(compared > 0, "no declaring file without crate locks found");
    assert!(differing.is_empty(), "the index differs without fn bodies for {differing:#?}");
}

/// An analysed file is parsed whole, and where its fn bodies take no crate lock the index
/// walk skips the bodies that declare nothing (`ItemIndex::of_file_with_idle_bodies`): the
/// part is the one the whole walk gives, on the same files as above.
#[test]
fn skipping_idle_bodies_indexes_as_the_whole_walk() {
    let mut compared = 0;
    let mut differing = Vec::new();
    for (path, text) in declaring_files_whose_bodies_take_no_crate_lock() {
        let parse = parse::parse_source(&text, Edition::Edition2021).expect("parses");
        let tree = parse.tree();
        let imports = Imports::collect(tree.syntax());
        let whole = serde_json::to_string(&ItemIndex::of_file(tree.syntax(), &imports)).unwrap();
        let idle = ItemIndex::of_file_with_idle_bodies(tree.syntax(), &imports, &text);
        compared += 1;
        if serde_json::to_string(&idle).unwrap() != whole {
            differing.push(path.display().to_string());
        }
    }
    assert!(compared > 0, "no declaring file without crate locks found");
    assert!(differing.is_empty(), "the index differs without idle bodies for {differing:#?}");
}
