//! What unit tests share: this repository's own Rust files as test input.

/// The text of every `.rs` file under these folders of the repository (`src`, `transforms`…).
pub fn repository_rust_texts(folders: &[&str]) -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    folders
        .iter()
        .flat_map(|folder| ignore::WalkBuilder::new(root.join(folder)).build())
        .filter_map(Result::ok)
        .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "rs"))
        .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
        .collect()
}
