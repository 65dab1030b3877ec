//! Which files to analyse, and with which Rust edition.
//!
//! The edition matters: drop scopes of temporaries changed in 2024 (`if let` scrutinees, tail
//! expressions), so a guard held across an await in a 2021 crate may be released in time in a
//! 2024 one. Editions come from `cargo metadata`, which knows about workspaces, inherited
//! `edition.workspace = true` and per-target editions; guardfix never parses `Cargo.toml` itself.
//!
//! PATH may be a workspace root, a crate, any folder or one `.rs` file:
//! - The nearest `Cargo.toml` at or above PATH decides the workspace. Every `.rs` file under PATH
//!   that lies in one of its member packages is analysed with the edition of the deepest package
//!   folder containing it (packages nest).
//! - Without any `Cargo.toml`, or when `cargo metadata` fails, every `.rs` file under PATH gets the
//!   default edition; a failure becomes a warning, never the end of the run.
//! - Build output, hidden folders and anything `.gitignore`d are skipped, as cargo would.

use std::{
    collections::HashMap,
    fs, io,
    path::{Path, PathBuf},
    process::Command,
};

use ignore::{DirEntry, WalkBuilder};
use serde::Deserialize;

pub use ra_ap_syntax::Edition;

/// How many lines of cargo's error output a warning quotes.
const QUOTED_CARGO_LINES: usize = 5;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFileEntry {
    /// Absolute path to open.
    pub path: PathBuf,
    /// Relative to the folder the run was given, for messages; a single file keeps the path
    /// it was given as.
    pub display_path: PathBuf,
    pub edition: Edition,
    /// The cargo package the file belongs to, if it was found.
    pub package: Option<String>,
}

/// A package of the workspace, as cargo's messages name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CargoPackage {
    pub name: String,
    /// Cargo's package id (`path+file:///…#name@1.0.0`).
    pub id: String,
    pub manifest_path: PathBuf,
    /// The folder of its `Cargo.toml`, canonical.
    pub dir: PathBuf,
    /// Its targets, as `cargo metadata` printed them (the objects cargo's messages carry).
    pub targets: Vec<serde_json::Value>,
}

impl CargoPackage {
    /// The package whose folder holds `path` most closely (a member nested in another's
    /// folder wins).
    pub fn containing<'a>(packages: &'a [CargoPackage], path: &Path) -> Option<&'a CargoPackage> {
        packages
            .iter()
            .filter(|package| path.starts_with(&package.dir))
            .max_by_key(|package| package.dir.components().count())
    }

    /// The target a file belongs to: the one whose crate root's folder holds it most closely
    /// (`src/bin/tool.rs` → the `tool` bin, `src/net/mod.rs` → the lib), the lib otherwise.
    pub fn target_of(&self, file: &Path) -> Option<&serde_json::Value> {
        let root_dir = |target: &serde_json::Value| {
            target["src_path"].as_str().and_then(|p| Path::new(p).parent().map(canonical))
        };
        let holding = self
            .targets
            .iter()
            .filter_map(|target| Some((root_dir(target)?, target)))
            .filter(|(dir, _)| file.starts_with(dir))
            .max_by_key(|(dir, target)| {
                let exact =
                    target["src_path"].as_str().is_some_and(|p| canonical(Path::new(p)) == file);
                (exact, dir.components().count())
            })
            .map(|(_, target)| target);
        let is_lib = |target: &&serde_json::Value| {
            target["kind"].as_array().is_some_and(|kinds| kinds.iter().any(|k| k == "lib"))
        };
        holding.or_else(|| self.targets.iter().find(is_lib)).or(self.targets.first())
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Discovery {
    /// Sorted by path, without duplicates.
    pub files: Vec<SourceFileEntry>,
    pub workspace_root: Option<PathBuf>,
    /// Cargo's build output folder for the workspace, when cargo told (the cache lives there).
    pub target_directory: Option<PathBuf>,
    /// The workspace's packages as `cargo metadata` described them (for `--message-format
    /// json-cargo`, whose messages name their package and target).
    pub packages: Vec<CargoPackage>,
    /// Things the user should know but that did not stop discovery (a failing `cargo metadata`,
    /// skipped files).
    pub warnings: Vec<String>,
}

#[derive(thiserror::Error, Debug)]
pub enum DiscoverError {
    #[error("{}: no such file or folder; check the path given to guardfix", path.display())]
    NotFound { path: PathBuf },
    #[error(
        "{}: not a Rust source file; give guardfix a `.rs` file, a crate or workspace folder, or any folder holding `.rs` files",
        path.display()
    )]
    NotRustFile { path: PathBuf },
    #[error("cannot access {}: {source}; check its permissions", path.display())]
    Unreadable { path: PathBuf, source: io::Error },
}

/// `"2015"`, `"2018"`, `"2021"` or `"2024"`.
pub fn parse_edition(s: &str) -> Option<Edition> {
    s.parse().ok()
}

pub fn discover(path: &Path, default_edition: Edition) -> Result<Discovery, DiscoverError> {
    discover_with(path, default_edition, false)
}

/// `discover`, where `remember` lets a folder's `cargo metadata` answer be kept in the OS cache
/// folder and used again while its inputs are unchanged (`check` does, unless `--no-cache`).
pub fn discover_with(
    path: &Path,
    default_edition: Edition,
    remember: bool,
) -> Result<Discovery, DiscoverError> {
    let root = fs::canonicalize(path).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => DiscoverError::NotFound { path: path.to_owned() },
        _ => DiscoverError::Unreadable { path: path.to_owned(), source },
    })?;
    if root.is_file() {
        return discover_file(path, root, default_edition);
    }
    if !root.is_dir() {
        return Err(DiscoverError::NotRustFile { path: path.to_owned() });
    }
    Ok(discover_folder(&root, default_edition, remember))
}

/// One file, named by the user: analysed even if ignored, with its package's edition if any.
fn discover_file(
    given: &Path,
    file: PathBuf,
    default_edition: Edition,
) -> Result<Discovery, DiscoverError> {
    if given.extension().is_none_or(|ext| ext != "rs") {
        return Err(DiscoverError::NotRustFile { path: given.to_owned() });
    }
    let mut discovery = Discovery::default();
    let mut entry = SourceFileEntry {
        path: file,
        display_path: given.to_owned(),
        edition: default_edition,
        package: None,
    };
    let manifest = entry.path.parent().and_then(nearest_manifest);
    match manifest.map(|manifest| load_project(&manifest, default_edition)) {
        None => {}
        Some(Err(failure)) => {
            discovery.warnings.push(metadata_warning(&failure, given, default_edition))
        }
        Some(Ok(project)) => {
            discovery.warnings.extend(project.warnings);
            match owning_package(&entry.path, &project.packages) {
                Some(package) => {
                    entry.edition = package.edition_of(&entry.path);
                    entry.package = Some(package.name.clone());
                }
                None => discovery.warnings.push(format!(
                    "{} belongs to no package of the workspace at {}; analysing it as edition {}",
                    given.display(),
                    project.workspace_root.display(),
                    default_edition.number()
                )),
            }
            discovery.target_directory = project.target_directory;
            discovery.workspace_root = Some(project.workspace_root);
            discovery.packages = project.cargo_packages;
        }
    }
    discovery.files.push(entry);
    Ok(discovery)
}

fn discover_folder(root: &Path, default_edition: Edition, remember: bool) -> Discovery {
    let mut discovery = Discovery::default();
    let manifest = nearest_manifest(root);
    // `cargo metadata` takes longer than the rest of a warm check: what it said last time is
    // used again while every manifest and cargo setting it read is unchanged.
    let mut remembered = manifest
        .as_deref()
        .filter(|_| remember)
        .and_then(|m| remembered_metadata(m, root, default_edition));
    let (project, tree) = match remembered.take() {
        Some((project, tree)) => (Some(project), tree),
        None => {
            // `cargo metadata` (tens of milliseconds) runs while the folder is walked; a target
            // folder the walk did not know to skip is left out of its files afterwards.
            let (loaded, mut tree) = std::thread::scope(|scope| {
                let loading = manifest
                    .as_deref()
                    .map(|m| scope.spawn(move || load_project(m, default_edition)));
                let tree = walk(root, None, &mut discovery.warnings);
                let loaded = loading.map(|loading| {
                    loading.join().unwrap_or_else(|_| Err("`cargo metadata` crashed".to_owned()))
                });
                (loaded, tree)
            });
            let project = match loaded {
                Some(Ok(project)) => Some(project),
                Some(Err(failure)) => {
                    discovery.warnings.push(metadata_warning(&failure, root, default_edition));
                    None
                }
                None => None,
            };
            if let Some(target_dir) = project.as_ref().and_then(|p| p.target_directory.as_deref())
                && target_dir.starts_with(root)
                && target_dir != root
            {
                tree.rust_files.retain(|file| !file.starts_with(target_dir));
                tree.manifest_dirs.retain(|dir| !dir.starts_with(target_dir));
            }
            if let (true, Some(manifest), Some(project)) =
                (remember, manifest.as_deref(), project.as_ref())
            {
                remember_metadata(manifest, root, project, &tree);
            }
            (project, tree)
        }
    };

    let Some(mut project) = project else {
        if manifest.is_none()
            && let Some(hint) = nested_manifest_hint(root, &tree.manifest_dirs, default_edition)
        {
            discovery.warnings.push(hint);
        }
        discovery.files = tree
            .rust_files
            .into_iter()
            .map(|path| SourceFileEntry {
                display_path: display_path(root, &path),
                path,
                edition: default_edition,
                package: None,
            })
            .collect();
        return discovery;
    };

    discovery.warnings.append(&mut project.warnings);
    // A `Cargo.toml` below PATH that is no member (a test fixture, an excluded crate) starts a
    // crate of its own whose edition this workspace does not tell.
    let manifest_dir = manifest.as_deref().and_then(Path::parent);
    let foreign: Vec<PathBuf> = tree
        .manifest_dirs
        .into_iter()
        .filter(|dir| Some(dir.as_path()) != manifest_dir && *dir != project.workspace_root)
        .filter(|dir| !project.packages.iter().any(|p| p.dir == *dir))
        .collect();
    let mut outside = Vec::new();
    // Package folders by path: a file's owner is found by walking up from it, not by testing
    // every package (a workspace has dozens, and thousands of files).
    let by_dir: HashMap<&Path, &Package> =
        project.packages.iter().map(|package| (package.dir.as_path(), package)).collect();
    for path in tree.rust_files {
        let owner = path.ancestors().skip(1).find_map(|dir| by_dir.get(dir).copied());
        match owner {
            Some(package) if !inside_foreign_crate(&path, &package.dir, &foreign) => {
                discovery.files.push(SourceFileEntry {
                    display_path: display_path(root, &path),
                    edition: package.edition_of(&path),
                    package: Some(package.name.clone()),
                    path,
                });
            }
            _ => outside.push(display_path(root, &path)),
        }
    }
    if let Some(first) = outside.first() {
        discovery.warnings.push(format!(
            "skipped {} .rs file(s) under {} that belong to no package of the workspace at {} (e.g. {}); run guardfix on their own crate to analyse them",
            outside.len(),
            root.display(),
            project.workspace_root.display(),
            first.display()
        ));
    }
    discovery.target_directory = project.target_directory.clone();
    discovery.workspace_root = Some(project.workspace_root);
    discovery.packages = project.cargo_packages;
    discovery
}

fn nearest_manifest(start: &Path) -> Option<PathBuf> {
    start.ancestors().map(|dir| dir.join("Cargo.toml")).find(|manifest| manifest.is_file())
}

fn display_path(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).map_or_else(|_| path.to_owned(), Path::to_owned)
}

fn metadata_warning(failure: &str, path: &Path, default_edition: Edition) -> String {
    format!(
        "{failure}\nguardfix goes on without cargo: every .rs file under {} gets the default edition, {}",
        path.display(),
        default_edition.number()
    )
}

fn nested_manifest_hint(
    root: &Path,
    manifest_dirs: &[PathBuf],
    default_edition: Edition,
) -> Option<String> {
    let first = manifest_dirs.first()?;
    Some(format!(
        "{} is not in a cargo package, so every file gets edition {}, but it holds crates (e.g. {}); run guardfix on each crate to use its own edition",
        root.display(),
        default_edition.number(),
        display_path(root, first).display()
    ))
}

/// What `cargo metadata` says, reduced to what discovery needs, with paths canonicalized so they
/// compare equal to the walked ones.
#[derive(Debug)]
struct Project {
    workspace_root: PathBuf,
    target_directory: Option<PathBuf>,
    packages: Vec<Package>,
    cargo_packages: Vec<CargoPackage>,
    warnings: Vec<String>,
    /// `cargo metadata`'s output as it printed it (kept so it can be remembered).
    raw: Vec<u8>,
}

#[derive(Debug)]
struct Package {
    name: String,
    /// The folder of its `Cargo.toml`.
    dir: PathBuf,
    edition: Edition,
    /// Crate roots whose target sets an edition other than the package's.
    target_editions: HashMap<PathBuf, Edition>,
}

impl Package {
    fn edition_of(&self, file: &Path) -> Edition {
        self.target_editions.get(file).copied().unwrap_or(self.edition)
    }
}

/// The deepest package folder holding `file`: a nested package owns its own files.
fn owning_package<'a>(file: &Path, packages: &'a [Package]) -> Option<&'a Package> {
    packages.iter().filter(|p| file.starts_with(&p.dir)).max_by_key(|p| p.dir.components().count())
}

fn inside_foreign_crate(file: &Path, package_dir: &Path, foreign: &[PathBuf]) -> bool {
    foreign.iter().any(|dir| dir.starts_with(package_dir) && file.starts_with(dir))
}

#[derive(Deserialize)]
struct Metadata {
    packages: Vec<MetadataPackage>,
    workspace_root: PathBuf,
    #[serde(default)]
    target_directory: Option<PathBuf>,
}

#[derive(Deserialize)]
struct MetadataPackage {
    name: String,
    #[serde(default)]
    id: String,
    edition: String,
    manifest_path: PathBuf,
    /// Kept as cargo printed them; `MetadataTarget` is what discovery reads of each.
    #[serde(default)]
    targets: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct MetadataTarget {
    src_path: PathBuf,
    edition: String,
}

/// Runs `cargo metadata`; `Err` is a warning saying why it could not be used.
fn load_project(manifest: &Path, default_edition: Edition) -> Result<Project, String> {
    // Under `cargo guardfix`, CARGO names the cargo that started us; use the same one.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args(["metadata", "--no-deps", "--format-version", "1", "--manifest-path"])
        .arg(manifest);
    // cargo reads `.cargo/config.toml` from its working folder: take the project's, not ours.
    if let Some(dir) = manifest.parent() {
        command.current_dir(dir);
    }
    let failed = |why: String| format!("`cargo metadata` failed for {}: {why}", manifest.display());
    let output = command.output().map_err(|e| failed(format!("could not run cargo: {e}")))?;
    if !output.status.success() {
        return Err(failed(first_lines(&String::from_utf8_lossy(&output.stderr))));
    }
    let metadata: Metadata = serde_json::from_slice(&output.stdout)
        .map_err(|e| failed(format!("unexpected output: {e}")))?;
    let mut project = project_from_metadata(metadata, default_edition);
    project.raw = output.stdout;
    Ok(project)
}

/// A `cargo metadata` answer kept for a folder, with what it depended on.
#[derive(serde::Serialize, Deserialize)]
struct RememberedMetadata {
    raw: Vec<u8>,
    /// Hash of every manifest the walk met, the workspace's, the `.cargo/config.toml`s cargo
    /// reads and the environment that moves the target folder.
    inputs: u128,
}

fn metadata_memory(manifest: &Path, root: &Path) -> Option<PathBuf> {
    Some(crate::cache::os_cache_folder((manifest, root))?.join("cargo-metadata"))
}

fn metadata_inputs(manifest: &Path, workspace_root: &Path, tree: &Tree) -> u128 {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut add_file = |path: &Path| {
        hasher.update(path.as_os_str().as_encoded_bytes());
        hasher.update(&std::fs::read(path).unwrap_or_default());
    };
    add_file(manifest);
    add_file(&workspace_root.join("Cargo.toml"));
    for dir in &tree.manifest_dirs {
        add_file(&dir.join("Cargo.toml"));
    }
    for dir in manifest.ancestors().skip(1) {
        add_file(&dir.join(".cargo/config.toml"));
        add_file(&dir.join(".cargo/config"));
    }
    for var in ["CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR", "CARGO_HOME", "CARGO"] {
        hasher.update(std::env::var_os(var).unwrap_or_default().as_encoded_bytes());
        hasher.update(b"\0");
    }
    hasher.digest128()
}

fn remember_metadata(manifest: &Path, root: &Path, project: &Project, tree: &Tree) {
    let Some(file) = metadata_memory(manifest, root) else { return };
    let inputs = metadata_inputs(manifest, &project.workspace_root, tree);
    crate::cache::store(&file, &RememberedMetadata { raw: project.raw.clone(), inputs });
}

/// The project and walked tree from the remembered `cargo metadata`, when nothing it depended
/// on changed (the walk is redone: a new member crate's manifest shows there).
fn remembered_metadata(
    manifest: &Path,
    root: &Path,
    default_edition: Edition,
) -> Option<(Project, Tree)> {
    let bytes = std::fs::read(metadata_memory(manifest, root)?).ok()?;
    let remembered: RememberedMetadata = postcard::from_bytes(&bytes).ok()?;
    let metadata: Metadata = serde_json::from_slice(&remembered.raw).ok()?;
    let mut project = project_from_metadata(metadata, default_edition);
    let mut warnings = Vec::new();
    let tree = walk(root, project.target_directory.as_deref(), &mut warnings);
    if metadata_inputs(manifest, &project.workspace_root, &tree) != remembered.inputs {
        return None;
    }
    project.warnings.extend(warnings);
    project.raw = remembered.raw;
    Some((project, tree))
}

fn first_lines(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .take(QUOTED_CARGO_LINES)
        .collect();
    if lines.is_empty() { "cargo gave no reason".to_owned() } else { lines.join("\n") }
}

fn project_from_metadata(metadata: Metadata, default_edition: Edition) -> Project {
    let mut warnings = Vec::new();
    let mut edition_or_default = |edition: &str, whose: &str| {
        parse_edition(edition).unwrap_or_else(|| {
            warnings.push(format!(
                "{whose} has edition {edition:?}, which guardfix does not know; using {}",
                default_edition.number()
            ));
            default_edition
        })
    };
    let mut cargo_packages = Vec::new();
    let packages = metadata
        .packages
        .into_iter()
        .map(|package| {
            let edition =
                edition_or_default(&package.edition, &format!("package {}", package.name));
            let targets: Vec<MetadataTarget> = package
                .targets
                .iter()
                .filter_map(|target| serde_json::from_value(target.clone()).ok())
                .collect();
            let target_editions = targets
                .iter()
                .filter(|t| t.edition != package.edition)
                .map(|t| {
                    let whose = format!("target {}", t.src_path.display());
                    (canonical(&t.src_path), edition_or_default(&t.edition, &whose))
                })
                .collect();
            let dir = package.manifest_path.parent().map(canonical).unwrap_or_default();
            cargo_packages.push(CargoPackage {
                name: package.name.clone(),
                id: package.id,
                manifest_path: package.manifest_path,
                dir: dir.clone(),
                targets: package.targets,
            });
            Package { name: package.name, dir, edition, target_editions }
        })
        .collect();
    Project {
        workspace_root: canonical(&metadata.workspace_root),
        target_directory: metadata.target_directory.as_deref().map(canonical),
        packages,
        cargo_packages,
        warnings,
        raw: Vec::new(),
    }
}

/// Paths from cargo exist unless the project is half-edited; then the path as cargo gave it is
/// the best there is.
fn canonical(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|_| path.to_owned())
}

/// What a walk of PATH found, each list sorted.
struct Tree {
    rust_files: Vec<PathBuf>,
    /// Folders holding a `Cargo.toml`.
    manifest_dirs: Vec<PathBuf>,
}

fn walk(root: &Path, target_dir: Option<&Path>, warnings: &mut Vec<String>) -> Tree {
    let target_dir = target_dir.map(Path::to_owned);
    // On every thread (a warm check is mostly this walk and reading what changed); each
    // thread keeps what it found and hands it over when its walk ends.
    let found = std::sync::Mutex::new((
        Tree { rust_files: Vec::new(), manifest_dirs: Vec::new() },
        Vec::new(),
    ));
    WalkBuilder::new(root)
        // `.gitignore` says what is generated or vendored, in a git checkout or not.
        .require_git(false)
        .filter_entry(move |entry| entry.depth() == 0 || !is_build_output(entry, &target_dir))
        .build_parallel()
        .run(|| {
            let mut mine = ThreadFinds {
                found: &found,
                rust_files: Vec::new(),
                manifest_dirs: Vec::new(),
                errors: Vec::new(),
            };
            Box::new(move |result| {
                mine.note(result, root);
                ignore::WalkState::Continue
            })
        });
    let (mut tree, mut errors) =
        found.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());
    errors.sort();
    warnings.extend(errors);
    tree.rust_files.sort();
    tree.rust_files.dedup();
    tree.manifest_dirs.sort();
    tree
}

/// What one walking thread found, handed over to `found` when the thread is done.
struct ThreadFinds<'a> {
    found: &'a std::sync::Mutex<(Tree, Vec<String>)>,
    rust_files: Vec<PathBuf>,
    manifest_dirs: Vec<PathBuf>,
    errors: Vec<String>,
}

impl ThreadFinds<'_> {
    fn note(&mut self, result: Result<DirEntry, ignore::Error>, root: &Path) {
        let entry = match result {
            Ok(entry) => entry,
            Err(err) => {
                self.errors.push(format!("skipped part of {}: {err}", root.display()));
                return;
            }
        };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            return;
        }
        let path = entry.into_path();
        if path.extension().is_some_and(|ext| ext == "rs") {
            self.rust_files.push(path);
        } else if path.file_name().is_some_and(|name| name == "Cargo.toml") {
            self.manifest_dirs.extend(path.parent().map(Path::to_owned));
        }
    }
}

impl Drop for ThreadFinds<'_> {
    fn drop(&mut self) {
        let mut found = self.found.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        found.0.rust_files.append(&mut self.rust_files);
        found.0.manifest_dirs.append(&mut self.manifest_dirs);
        found.1.append(&mut self.errors);
    }
}

/// Cargo's build output: the workspace's target folder, or a `target` folder that sits beside a
/// `Cargo.toml` or carries cargo's `CACHEDIR.TAG`. A module folder named `target` is source.
fn is_build_output(entry: &DirEntry, target_dir: &Option<PathBuf>) -> bool {
    if !entry.file_type().is_some_and(|t| t.is_dir()) {
        return false;
    }
    let path = entry.path();
    if target_dir.as_deref() == Some(path) {
        return true;
    }
    path.file_name().is_some_and(|name| name == "target")
        && (path.join("CACHEDIR.TAG").is_file() || path.with_file_name("Cargo.toml").is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, relative: &str, contents: &str) {
        let path = root.join(relative);
        fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
        fs::write(path, contents).expect("write fixture");
    }

    fn package(name: &str, edition: &str) -> String {
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"{edition}\"\n")
    }

    /// A workspace with a 2021 member `a` (holding a nested 2018 member and a 2015 binary), a 2024
    /// member `b`, build output, a hidden folder, an ignored file and a fixture crate.
    fn workspace() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        write(
            root,
            "Cargo.toml",
            "[workspace]\nmembers = [\"a\", \"a/nested\", \"b\"]\nresolver = \"2\"\n",
        );
        write(
            root,
            "a/Cargo.toml",
            &format!(
                "{}[[bin]]\nname = \"old\"\npath = \"src/bin/old.rs\"\nedition = \"2015\"\n",
                package("a", "2021")
            ),
        );
        write(root, "a/src/lib.rs", "mod target;\n");
        write(root, "a/src/target/mod.rs", "");
        write(root, "a/src/bin/old.rs", "fn main() {}\n");
        write(root, "a/nested/Cargo.toml", &package("nested", "2018"));
        write(root, "a/nested/src/lib.rs", "");
        write(root, "b/Cargo.toml", &package("b", "2024"));
        write(root, "b/src/lib.rs", "");
        write(root, "b/.gitignore", "generated.rs\n");
        write(root, "b/src/generated.rs", "");
        write(root, "b/.hidden/x.rs", "");
        write(root, "b/tests/fixture/Cargo.toml", &package("fixture", "2015"));
        write(root, "b/tests/fixture/src/lib.rs", "");
        write(root, "target/CACHEDIR.TAG", "");
        write(root, "target/debug/build/out.rs", "");
        write(root, "a/target/leftover.rs", "");
        dir
    }

    fn summary(discovery: &Discovery) -> Vec<(String, u32, Option<&str>)> {
        discovery
            .files
            .iter()
            .map(|f| {
                let edition = u32::try_from(f.edition.number()).expect("small");
                (f.display_path.display().to_string(), edition, f.package.as_deref())
            })
            .collect()
    }

    #[test]
    fn workspace_root_gives_each_file_its_package_edition() {
        let ws = workspace();
        let discovery = discover(ws.path(), Edition::Edition2015).expect("discovered");
        assert_eq!(
            summary(&discovery),
            [
                ("a/nested/src/lib.rs".to_owned(), 2018, Some("nested")),
                ("a/src/bin/old.rs".to_owned(), 2015, Some("a")),
                ("a/src/lib.rs".to_owned(), 2021, Some("a")),
                ("a/src/target/mod.rs".to_owned(), 2021, Some("a")),
                ("b/src/lib.rs".to_owned(), 2024, Some("b")),
            ]
        );
        let root = fs::canonicalize(ws.path()).expect("canonical");
        assert_eq!(discovery.workspace_root.as_deref(), Some(root.as_path()));
        assert!(discovery.files.iter().all(|f| f.path.is_absolute() && f.path.is_file()));
        let [warning] = discovery.warnings.as_slice() else { panic!("{:?}", discovery.warnings) };
        assert!(warning.contains("skipped 1 .rs file") && warning.contains("fixture"), "{warning}");
    }

    #[test]
    fn folder_without_manifest_inside_a_package_uses_that_package() {
        let ws = workspace();
        let discovery = discover(&ws.path().join("a/src"), Edition::Edition2015).expect("found");
        assert_eq!(
            summary(&discovery),
            [
                ("bin/old.rs".to_owned(), 2015, Some("a")),
                ("lib.rs".to_owned(), 2021, Some("a")),
                ("target/mod.rs".to_owned(), 2021, Some("a")),
            ]
        );
        assert!(discovery.workspace_root.is_some());
        assert_eq!(discovery.warnings, Vec::<String>::new());
    }

    #[test]
    fn member_folder_reports_only_its_files() {
        let ws = workspace();
        let discovery = discover(&ws.path().join("b"), Edition::Edition2015).expect("found");
        let files: Vec<_> = summary(&discovery).into_iter().map(|(path, ..)| path).collect();
        assert_eq!(files, ["src/lib.rs"]);
    }

    #[test]
    fn single_file_gets_its_package_edition() {
        let ws = workspace();
        let file = ws.path().join("b/src/lib.rs");
        let discovery = discover(&file, Edition::Edition2015).expect("found");
        assert_eq!(summary(&discovery), [(file.display().to_string(), 2024, Some("b"))]);
    }

    #[test]
    fn single_ignored_file_is_still_analysed() {
        let ws = workspace();
        let file = ws.path().join("b/src/generated.rs");
        let discovery = discover(&file, Edition::Edition2015).expect("found");
        assert_eq!(discovery.files.len(), 1);
        assert_eq!(discovery.files[0].edition, Edition::Edition2024);
    }

    #[test]
    fn folder_without_any_manifest_uses_the_default_edition() {
        let dir = tempfile::tempdir().expect("temp dir");
        write(dir.path(), "x.rs", "");
        write(dir.path(), "sub/y.rs", "");
        write(dir.path(), "sub/notes.txt", "");
        let discovery = discover(dir.path(), Edition::Edition2021).expect("found");
        assert_eq!(
            summary(&discovery),
            [("sub/y.rs".to_owned(), 2021, None), ("x.rs".to_owned(), 2021, None)]
        );
        assert_eq!(discovery.workspace_root, None);
        assert_eq!(discovery.warnings, Vec::<String>::new());
    }

    #[test]
    fn broken_manifest_falls_back_with_a_warning() {
        let dir = tempfile::tempdir().expect("temp dir");
        write(dir.path(), "Cargo.toml", "[package\nname = ");
        write(dir.path(), "src/lib.rs", "");
        let discovery = discover(dir.path(), Edition::Edition2024).expect("found");
        assert_eq!(summary(&discovery), [("src/lib.rs".to_owned(), 2024, None)]);
        let [warning] = discovery.warnings.as_slice() else { panic!("{:?}", discovery.warnings) };
        assert!(warning.contains("`cargo metadata` failed"), "{warning}");
        assert!(warning.contains("Cargo.toml"), "{warning}");
    }

    #[test]
    fn crates_below_a_plain_folder_are_pointed_out() {
        let dir = tempfile::tempdir().expect("temp dir");
        write(dir.path(), "one/Cargo.toml", &package("one", "2024"));
        write(dir.path(), "one/src/lib.rs", "");
        let discovery = discover(dir.path(), Edition::Edition2021).expect("found");
        assert_eq!(summary(&discovery), [("one/src/lib.rs".to_owned(), 2021, None)]);
        let [hint] = discovery.warnings.as_slice() else { panic!("{:?}", discovery.warnings) };
        assert!(hint.contains("run guardfix on each crate"), "{hint}");
    }

    #[test]
    fn missing_path_is_an_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        let err = discover(&dir.path().join("nope"), Edition::Edition2021).expect_err("missing");
        assert!(matches!(err, DiscoverError::NotFound { .. }), "{err:?}");
        assert!(err.to_string().contains("nope"));
    }

    #[test]
    fn non_rust_file_is_an_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        write(dir.path(), "README.md", "");
        let err = discover(&dir.path().join("README.md"), Edition::Edition2021).expect_err("md");
        assert!(matches!(err, DiscoverError::NotRustFile { .. }), "{err:?}");
    }

    #[test]
    fn unknown_edition_in_metadata_falls_back_with_a_warning() {
        let json = r#"{"packages": [{"name": "p", "edition": "2027", "manifest_path": "/nowhere/p/Cargo.toml",
            "targets": [{"src_path": "/nowhere/p/src/lib.rs", "edition": "2027"}]}],
            "workspace_root": "/nowhere"}"#;
        let metadata: Metadata = serde_json::from_str(json).expect("valid json");
        let project = project_from_metadata(metadata, Edition::Edition2021);
        assert_eq!(project.packages[0].edition, Edition::Edition2021);
        assert!(project.packages[0].target_editions.is_empty());
        assert_eq!(project.warnings.len(), 1, "{:?}", project.warnings);
        assert!(project.warnings[0].contains("2027"));
    }

    #[test]
    fn parse_edition_knows_the_four_editions() {
        assert_eq!(parse_edition("2015"), Some(Edition::Edition2015));
        assert_eq!(parse_edition("2018"), Some(Edition::Edition2018));
        assert_eq!(parse_edition("2021"), Some(Edition::Edition2021));
        assert_eq!(parse_edition("2024"), Some(Edition::Edition2024));
        assert_eq!(parse_edition("2027"), None);
        assert_eq!(parse_edition(""), None);
    }
}
