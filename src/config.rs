//! Configuration: what to skip, what to silence, which extra types are guards, which fix
//! strategy to use by default.
//!
//! Read from the workspace root, first match wins:
//!
//! ```toml
//! # guardfix.toml (or the same keys under [workspace.metadata.guardfix] or
//! # [package.metadata.guardfix] in Cargo.toml)
//! strategy = "scope"
//! exclude = ["src/generated/**", "benches"]
//! allow = [{ path = "src/legacy.rs" }, { path = "src/server.rs", fn = "Server::run" }]
//! extra-guard-types = ["my_crate::sync::Guard", "Token"]
//! ```
//!
//! plus clippy's `await-holding-invalid-types` from `clippy.toml` / `.clippy.toml`, whose types
//! count as guards too, so a team keeps one list. Every path in the configuration is relative to
//! the workspace root (the folder without a cargo project: the nearest one at or above PATH
//! holding a `guardfix.toml`, else PATH). Command-line flags override the files: `--strategy`
//! replaces `strategy`, `--exclude` and `--guard-type` add to `exclude` and `extra-guard-types`.
//!
//! Parsing is pure (`parse_*` take the text) so tests need no files; [`load`] reads the files.

use std::io;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::edit::engine::StrategyChoice;
use crate::finding::Strategy;

pub const CONFIG_FILE: &str = "guardfix.toml";
pub const CLIPPY_FILES: &[&str] = &["clippy.toml", ".clippy.toml"];
/// clippy's key for types that must not be held across an await.
pub const CLIPPY_KEY: &str = "await-holding-invalid-types";
/// The values `strategy` (and `fix --strategy`) accept.
pub const STRATEGIES: &[&str] = &["auto", "scope", "drop", "helper", "async-mutex", "relock"];

/// The keys as written, in `guardfix.toml` or a `metadata.guardfix` table.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ConfigFile {
    pub strategy: Option<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
    #[serde(default)]
    pub allow: Vec<AllowRule>,
    #[serde(default)]
    pub extra_guard_types: Vec<String>,
    /// A baseline file (`check --baseline`), relative to the workspace root.
    pub baseline: Option<String>,
}

/// `{ path = "src/legacy.rs" }` silences a file (or every file a glob matches);
/// `{ path = "src/x.rs", fn = "name" }` only the fn `name` in it (`Type::name` for a method).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowRule {
    pub path: String,
    #[serde(rename = "fn")]
    pub function: Option<String>,
}

/// Where the configuration comes from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ConfigSource {
    /// `guardfix.toml`, else the Cargo.toml metadata tables, at the workspace root; and clippy's
    /// file there.
    #[default]
    Discover,
    /// `--config FILE`: this file instead of `guardfix.toml` and the metadata tables (clippy's
    /// file is still read).
    File(PathBuf),
    /// `--no-config`: no file at all.
    Ignore,
}

/// What the command line asks for: where to read, and what to add to what is read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfigRequest {
    pub source: ConfigSource,
    /// `--exclude GLOB`, added to `exclude`.
    pub exclude: Vec<String>,
    /// `--guard-type PATH`, added to `extra-guard-types`.
    pub extra_guard_types: Vec<String>,
    /// `--strategy`, replacing `strategy`.
    pub strategy: Option<String>,
}

/// The configuration of one run, patterns compiled.
#[derive(Clone, Debug)]
pub struct Config {
    /// The folder every configured path is relative to.
    pub root: PathBuf,
    /// Default for `fix --strategy`; one of [`STRATEGIES`].
    pub strategy: Option<String>,
    /// From `extra-guard-types`, clippy's `await-holding-invalid-types` and `--guard-type`.
    pub extra_guard_types: Vec<String>,
    /// The files the configuration was read from, for messages.
    pub files: Vec<PathBuf>,
    /// `baseline`, joined to `root`: `check` then reports only findings not in it.
    pub baseline: Option<PathBuf>,
    exclude: GlobSet,
    allow: Vec<CompiledAllow>,
}

#[derive(Clone, Debug)]
struct CompiledAllow {
    path: GlobMatcher,
    function: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            root: PathBuf::new(),
            strategy: None,
            extra_guard_types: Vec::new(),
            files: Vec::new(),
            baseline: None,
            exclude: GlobSet::empty(),
            allow: Vec::new(),
        }
    }
}

#[derive(thiserror::Error, Debug)]
pub enum ConfigError {
    #[error("cannot read the configuration {}: {source}; check that it exists and is readable", path.display())]
    Unreadable { path: PathBuf, source: io::Error },
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
}

/// The configuration read from the files `request` names, with its additions, and warnings
/// about what was found but not used.
pub fn load(root: &Path, request: &ConfigRequest) -> Result<(Config, Vec<String>), ConfigError> {
    let mut warnings = Vec::new();
    let mut files = Vec::new();
    let mut table = ConfigFile::default();
    match &request.source {
        ConfigSource::Ignore => {}
        ConfigSource::File(path) => {
            table = read_config_file(path)?;
            files.push(path.clone());
        }
        ConfigSource::Discover => {
            if let Some((path, found)) = discover_table(root, &mut warnings)? {
                table = found;
                files.push(path);
            }
        }
    }
    let mut extra_guard_types = table.extra_guard_types.clone();
    if request.source != ConfigSource::Ignore
        && let Some(path) = clippy_file(root)
    {
        let text = read(&path)?;
        match parse_clippy_toml(&text) {
            Ok(types) if types.is_empty() => {}
            Ok(types) => {
                extra_guard_types.extend(types);
                files.push(path);
            }
            // clippy's file is clippy's business: a broken one is clippy's error, not ours.
            Err(message) => warnings
                .push(format!("{}: {message}; its `{CLIPPY_KEY}` are not used", path.display())),
        }
    }
    extra_guard_types.extend(request.extra_guard_types.iter().cloned());
    extra_guard_types.sort();
    extra_guard_types.dedup();

    let whose = files.first().cloned().unwrap_or_else(|| PathBuf::from("the command line"));
    let invalid = |message: String| ConfigError::Invalid { path: whose.clone(), message };
    if let Some(strategy) = &table.strategy {
        check_strategy(strategy).map_err(invalid)?;
    }
    let mut exclude = GlobSetBuilder::new();
    for pattern in table.exclude.iter().chain(&request.exclude) {
        exclude.add(glob(pattern).map_err(|e| invalid(format!("`exclude`: {e}")))?.glob().clone());
    }
    let exclude = exclude.build().map_err(|e| invalid(format!("`exclude`: {e}")))?;
    let allow = table
        .allow
        .iter()
        .map(|rule| {
            let path = glob(&rule.path).map_err(|e| invalid(format!("`allow`: {e}")))?;
            Ok(CompiledAllow { path, function: rule.function.clone() })
        })
        .collect::<Result<Vec<_>, ConfigError>>()?;
    let config = Config {
        root: root.to_owned(),
        strategy: request.strategy.clone().or(table.strategy),
        extra_guard_types,
        files,
        baseline: table.baseline.as_ref().map(|path| root.join(path)),
        exclude,
        allow,
    };
    Ok((config, warnings))
}

/// The folder configured paths are relative to: the cargo workspace root when there is one,
/// else the nearest folder at or above `start` holding a `guardfix.toml`, else `start`.
pub fn config_root(workspace_root: Option<&Path>, start: &Path) -> PathBuf {
    if let Some(root) = workspace_root {
        return root.to_owned();
    }
    start.ancestors().find(|dir| dir.join(CONFIG_FILE).is_file()).unwrap_or(start).to_owned()
}

impl Config {
    /// Whether `exclude` matches the file (an absolute path) or a folder it is in.
    pub fn is_excluded(&self, file: &Path) -> bool {
        let Some(relative) = self.relative(file) else { return false };
        relative
            .ancestors()
            .filter(|path| !path.as_os_str().is_empty())
            .any(|path| self.exclude.is_match(path))
    }

    /// Whether an `allow` rule without `fn` silences the whole file.
    pub fn allows_file(&self, file: &Path) -> bool {
        let Some(relative) = self.relative(file) else { return false };
        self.allow.iter().any(|rule| rule.function.is_none() && rule.path.is_match(relative))
    }

    /// The fns whose findings `allow` silences in this file.
    pub fn allowed_fns(&self, file: &Path) -> Vec<String> {
        let Some(relative) = self.relative(file) else { return Vec::new() };
        self.allow
            .iter()
            .filter(|rule| rule.path.is_match(relative))
            .filter_map(|rule| rule.function.clone())
            .collect()
    }

    /// The strategy `fix` uses: the flag's, else the configured one, else `auto`.
    pub fn strategy_choice(&self, flag: Option<&str>) -> StrategyChoice {
        strategy_choice(flag.or(self.strategy.as_deref()).unwrap_or("auto"))
    }

    fn relative<'a>(&self, file: &'a Path) -> Option<&'a Path> {
        file.strip_prefix(&self.root).ok()
    }
}

/// `auto`, `scope`, `drop`, `helper`, `async-mutex` or `relock` as the engine's choice.
pub fn strategy_choice(name: &str) -> StrategyChoice {
    match name {
        "scope" => StrategyChoice::Only(Strategy::Scope),
        "drop" => StrategyChoice::Only(Strategy::Drop),
        "helper" => StrategyChoice::Only(Strategy::Helper),
        "async-mutex" => StrategyChoice::Only(Strategy::AsyncMutex),
        "relock" => StrategyChoice::Only(Strategy::Relock),
        _ => StrategyChoice::Auto,
    }
}

fn check_strategy(name: &str) -> Result<(), String> {
    if STRATEGIES.contains(&name) {
        Ok(())
    } else {
        Err(format!("unknown `strategy` {name:?}: use one of {}", STRATEGIES.join(", ")))
    }
}

/// A glob relative to the root: `*` stays within a folder, `**` crosses folders; a leading
/// `./` and a trailing `/` are ignored.
fn glob(pattern: &str) -> Result<GlobMatcher, String> {
    let trimmed = pattern.trim_start_matches("./").trim_end_matches('/');
    GlobBuilder::new(trimmed)
        .literal_separator(true)
        .build()
        .map(|glob| glob.compile_matcher())
        .map_err(|e| format!("bad pattern {pattern:?}: {e}"))
}

/// `guardfix.toml`'s keys.
pub fn parse_guardfix_toml(text: &str) -> Result<ConfigFile, String> {
    toml::from_str(text).map_err(|e| e.to_string())
}

/// The `[workspace.metadata.guardfix]` and `[package.metadata.guardfix]` tables of a
/// Cargo.toml, each when present.
pub fn parse_cargo_metadata(
    text: &str,
) -> Result<(Option<ConfigFile>, Option<ConfigFile>), String> {
    let manifest: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
    let table = |section: &str| -> Result<Option<ConfigFile>, String> {
        let Some(value) =
            manifest.get(section).and_then(|s| s.get("metadata")).and_then(|m| m.get("guardfix"))
        else {
            return Ok(None);
        };
        value
            .clone()
            .try_into()
            .map(Some)
            .map_err(|e: toml::de::Error| format!("[{section}.metadata.guardfix]: {e}"))
    };
    Ok((table("workspace")?, table("package")?))
}

/// clippy's `await-holding-invalid-types`: paths, or `{ path = "…", reason = "…" }` tables.
/// Other keys are clippy's and left alone.
pub fn parse_clippy_toml(text: &str) -> Result<Vec<String>, String> {
    let table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
    let Some(value) = table.get(CLIPPY_KEY) else { return Ok(Vec::new()) };
    let entries = value.as_array().ok_or_else(|| format!("`{CLIPPY_KEY}` is not a list"))?;
    entries
        .iter()
        .map(|entry| match entry {
            toml::Value::String(path) => Ok(path.clone()),
            toml::Value::Table(t) => match t.get("path") {
                Some(toml::Value::String(path)) => Ok(path.clone()),
                _ => Err(format!("an entry of `{CLIPPY_KEY}` has no `path` string")),
            },
            other => Err(format!("`{CLIPPY_KEY}` holds {other}, not a path or a table")),
        })
        .collect()
}

fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path)
        .map_err(|source| ConfigError::Unreadable { path: path.to_owned(), source })
}

fn read_config_file(path: &Path) -> Result<ConfigFile, ConfigError> {
    let text = read(path)?;
    let invalid = |message: String| ConfigError::Invalid { path: path.to_owned(), message };
    if path.file_name().is_some_and(|name| name == "Cargo.toml") {
        let (workspace, package) = parse_cargo_metadata(&text).map_err(invalid)?;
        return Ok(workspace.or(package).unwrap_or_default());
    }
    parse_guardfix_toml(&text).map_err(invalid)
}

/// The first of `guardfix.toml`, `[workspace.metadata.guardfix]`, `[package.metadata.guardfix]`
/// at `root`; any later one that is also there gets a warning, since it is not read.
fn discover_table(
    root: &Path,
    warnings: &mut Vec<String>,
) -> Result<Option<(PathBuf, ConfigFile)>, ConfigError> {
    let mut found: Vec<(PathBuf, String, ConfigFile)> = Vec::new();
    let own = root.join(CONFIG_FILE);
    if own.is_file() {
        let table = read_config_file(&own)?;
        found.push((own, CONFIG_FILE.to_owned(), table));
    }
    let manifest = root.join("Cargo.toml");
    if manifest.is_file() {
        let text = read(&manifest)?;
        let (workspace, package) = parse_cargo_metadata(&text)
            .map_err(|message| ConfigError::Invalid { path: manifest.clone(), message })?;
        for (section, table) in [("workspace", workspace), ("package", package)] {
            if let Some(table) = table {
                found.push((manifest.clone(), format!("[{section}.metadata.guardfix]"), table));
            }
        }
    }
    let mut found = found.into_iter();
    let Some((path, what, table)) = found.next() else { return Ok(None) };
    for (ignored_path, ignored, _) in found {
        warnings.push(format!(
            "{}: {ignored} is not read, because {what} is used; keep one of them",
            ignored_path.display()
        ));
    }
    Ok(Some((path, table)))
}

fn clippy_file(root: &Path) -> Option<PathBuf> {
    CLIPPY_FILES.iter().map(|name| root.join(name)).find(|path| path.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(root: &Path, text: &str) -> Config {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CONFIG_FILE);
        std::fs::write(&path, text).unwrap();
        let request = ConfigRequest { source: ConfigSource::File(path), ..Default::default() };
        load(root, &request).unwrap().0
    }

    #[test]
    fn guardfix_toml_keys() {
        let parsed = parse_guardfix_toml(
            r#"
            strategy = "drop"
            exclude = ["src/generated/**"]
            allow = [{ path = "src/legacy.rs" }, { path = "src/x.rs", fn = "run" }]
            extra-guard-types = ["my_crate::Guard"]
            "#,
        )
        .unwrap();
        assert_eq!(parsed.strategy.as_deref(), Some("drop"));
        assert_eq!(parsed.exclude, ["src/generated/**"]);
        assert_eq!(
            parsed.allow,
            [
                AllowRule { path: "src/legacy.rs".into(), function: None },
                AllowRule { path: "src/x.rs".into(), function: Some("run".into()) },
            ]
        );
        assert_eq!(parsed.extra_guard_types, ["my_crate::Guard"]);
    }

    #[test]
    fn empty_file_is_the_default() {
        assert_eq!(parse_guardfix_toml("").unwrap(), ConfigFile::default());
    }

    #[test]
    fn unknown_keys_are_errors() {
        let error = parse_guardfix_toml("extra_guard_types = [\"G\"]").unwrap_err();
        assert!(error.contains("extra_guard_types"), "{error}");
        let error = parse_guardfix_toml("allow = [{ path = \"a.rs\", func = \"f\" }]").unwrap_err();
        assert!(error.contains("func"), "{error}");
    }

    #[test]
    fn cargo_metadata_tables() {
        let text = r#"
            [package]
            name = "x"
            [package.metadata.guardfix]
            strategy = "scope"
            [workspace]
            [workspace.metadata.guardfix]
            exclude = ["vendor"]
            [workspace.metadata.other-tool]
            anything = 1
        "#;
        let (workspace, package) = parse_cargo_metadata(text).unwrap();
        assert_eq!(workspace.unwrap().exclude, ["vendor"]);
        assert_eq!(package.unwrap().strategy.as_deref(), Some("scope"));
        assert_eq!(parse_cargo_metadata("[package]\nname = \"x\"").unwrap(), (None, None));
        let error = parse_cargo_metadata("[package.metadata.guardfix]\nstrategi = \"x\"");
        assert!(error.unwrap_err().contains("[package.metadata.guardfix]"));
    }

    #[test]
    fn clippy_toml_paths_and_tables() {
        let types = parse_clippy_toml(
            r#"
            msrv = "1.80"
            await-holding-invalid-types = [
                "my_crate::Guard",
                { path = "tracing::span::Entered", reason = "use Instrument" },
            ]
            "#,
        )
        .unwrap();
        assert_eq!(types, ["my_crate::Guard", "tracing::span::Entered"]);
        assert_eq!(parse_clippy_toml("msrv = \"1.80\"").unwrap(), Vec::<String>::new());
        assert!(parse_clippy_toml("await-holding-invalid-types = [1]").is_err());
        assert!(parse_clippy_toml("await-holding-invalid-types = [{ reason = \"x\" }]").is_err());
    }

    #[test]
    fn discovery_order_and_clippy_file() {
        let root = tempfile::tempdir().unwrap();
        let root = root.path();
        std::fs::write(
            root.join("Cargo.toml"),
            "[package]\nname = \"x\"\n[package.metadata.guardfix]\nstrategy = \"scope\"\n",
        )
        .unwrap();
        std::fs::write(root.join(".clippy.toml"), "await-holding-invalid-types = [\"a::G\"]\n")
            .unwrap();
        let (config, warnings) = load(root, &ConfigRequest::default()).unwrap();
        assert_eq!(config.strategy.as_deref(), Some("scope"));
        assert_eq!(config.extra_guard_types, ["a::G"]);
        assert!(warnings.is_empty(), "{warnings:?}");

        std::fs::write(root.join(CONFIG_FILE), "strategy = \"drop\"\n").unwrap();
        let (config, warnings) = load(root, &ConfigRequest::default()).unwrap();
        assert_eq!(config.strategy.as_deref(), Some("drop"));
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("[package.metadata.guardfix] is not read"));

        let ignore = ConfigRequest { source: ConfigSource::Ignore, ..Default::default() };
        let (config, _) = load(root, &ignore).unwrap();
        assert_eq!(config.strategy, None);
        assert!(config.extra_guard_types.is_empty());
    }

    #[test]
    fn command_line_adds_to_the_file() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(
            root.path().join(CONFIG_FILE),
            "exclude = [\"a.rs\"]\nextra-guard-types = [\"G\"]\n",
        )
        .unwrap();
        let request = ConfigRequest {
            source: ConfigSource::Discover,
            exclude: vec!["b.rs".into()],
            extra_guard_types: vec!["H".into(), "G".into()],
            strategy: None,
        };
        let (config, _) = load(root.path(), &request).unwrap();
        assert!(config.is_excluded(&root.path().join("a.rs")));
        assert!(config.is_excluded(&root.path().join("b.rs")));
        assert_eq!(config.extra_guard_types, ["G", "H"]);
    }

    #[test]
    fn bad_values_name_the_file() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join(CONFIG_FILE), "strategy = \"fast\"\n").unwrap();
        let error = load(root.path(), &ConfigRequest::default()).unwrap_err().to_string();
        assert!(error.contains("guardfix.toml") && error.contains("unknown `strategy`"), "{error}");
        std::fs::write(root.path().join(CONFIG_FILE), "exclude = [\"src/[\"]\n").unwrap();
        let error = load(root.path(), &ConfigRequest::default()).unwrap_err().to_string();
        assert!(error.contains("`exclude`: bad pattern"), "{error}");
    }

    #[test]
    fn exclude_matches_files_and_folders_relative_to_the_root() {
        let root = Path::new("/ws");
        let config = config(root, "exclude = [\"src/gen\", \"*.pb.rs\", \"./tests/**/big_*.rs\"]");
        assert!(config.is_excluded(Path::new("/ws/src/gen/a.rs")));
        assert!(config.is_excluded(Path::new("/ws/src/gen/deep/b.rs")));
        assert!(config.is_excluded(Path::new("/ws/x.pb.rs")));
        // `*` stays within one folder.
        assert!(!config.is_excluded(Path::new("/ws/src/x.pb.rs")));
        assert!(config.is_excluded(Path::new("/ws/tests/a/b/big_1.rs")));
        assert!(!config.is_excluded(Path::new("/ws/src/lib.rs")));
        assert!(!config.is_excluded(Path::new("/elsewhere/src/gen/a.rs")));
    }

    #[test]
    fn allow_files_and_fns() {
        let root = Path::new("/ws");
        let config = config(
            root,
            "allow = [{ path = \"src/legacy.rs\" }, { path = \"src/x.rs\", fn = \"run\" }, { path = \"src/**\", fn = \"S::go\" }]",
        );
        assert!(config.allows_file(Path::new("/ws/src/legacy.rs")));
        assert!(!config.allows_file(Path::new("/ws/src/x.rs")));
        assert_eq!(config.allowed_fns(Path::new("/ws/src/x.rs")), ["run", "S::go"]);
        assert_eq!(config.allowed_fns(Path::new("/ws/src/y.rs")), ["S::go"]);
        assert!(config.allowed_fns(Path::new("/ws/lib.rs")).is_empty());
    }

    #[test]
    fn strategy_flag_overrides_the_file() {
        let config = config(Path::new("/ws"), "strategy = \"drop\"");
        assert_eq!(config.strategy_choice(None), StrategyChoice::Only(Strategy::Drop));
        assert_eq!(config.strategy_choice(Some("scope")), StrategyChoice::Only(Strategy::Scope));
        assert_eq!(Config::default().strategy_choice(None), StrategyChoice::Auto);
    }

    #[test]
    fn root_is_the_workspace_or_the_nearest_guardfix_toml() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a/b");
        std::fs::create_dir_all(&nested).unwrap();
        assert_eq!(config_root(None, &nested), nested);
        std::fs::write(dir.path().join("a").join(CONFIG_FILE), "").unwrap();
        assert_eq!(config_root(None, &nested), dir.path().join("a"));
        assert_eq!(config_root(Some(Path::new("/ws")), &nested), Path::new("/ws"));
    }
}
