//! The semantic layer on a two-crate workspace (`tests/projects/semantic_workspace`): `app`
//! uses `store`'s types, whose locks and guards only rust-analyzer can see through (a renamed
//! re-export, a method returning `&RwLock`, guards returned by another crate's methods or held
//! in its structs, and a `lock()` that is no lock at all).
//!
//! These tests need the standard library's sources (`rustup component add rust-src`) and say
//! so when they are missing.

mod common;

use common::{cargo, scratch_copy, text};

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const FIXTURE: &str = "tests/projects/semantic_workspace";

fn require_rust_src() {
    let sysroot = Command::new("rustc").args(["--print", "sysroot"]).output().expect("rustc runs");
    let sysroot = String::from_utf8_lossy(&sysroot.stdout).trim().to_owned();
    let core = Path::new(&sysroot).join("lib/rustlib/src/rust/library/core");
    assert!(
        core.is_dir(),
        "the semantic tests need the standard library's sources, which are not installed \
         ({} is missing): run `rustup component add rust-src`",
        core.display()
    );
}

fn guardfix(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_guardfix"));
    // `fix --write` checks the result with cargo, in the folder `common::cargo` builds in.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e-projects");
    command.args(args).env("CARGO_TARGET_DIR", target);
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("guardfix runs")
}

/// The guard bindings of `check --format json`'s findings.
fn bindings(output: &Output) -> BTreeSet<String> {
    text(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|record| record["type"] == "finding")
        .map(|record| record["binding"].as_str().unwrap_or("<temporary>").to_owned())
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

fn check(project: &Path, semantic: &str, env: &[(&str, &str)]) -> Output {
    let app = project.join("app");
    guardfix(&["check", app.to_str().unwrap(), "--format", "json", "--semantic", semantic], env)
}

#[test]
fn types_find_what_names_cannot_and_clear_what_names_guess() {
    require_rust_src();
    let (_scratch, project) = scratch_copy(FIXTURE);

    let syntactic = check(&project, "never", &[]);
    assert_eq!(syntactic.status.code(), Some(1), "{}", text(&syntactic.stderr));
    // Syntax alone: `read().unwrap()` on an unknown receiver is taken for std's RwLock, and
    // so is `Conn::lock().unwrap()`, wrongly; the rest is invisible.
    assert_eq!(bindings(&syntactic), set(&["n", "names"]));

    let semantic = check(&project, "auto", &[]);
    assert_eq!(semantic.status.code(), Some(1), "{}", text(&semantic.stderr));
    assert_eq!(bindings(&semantic), set(&["held", "in_arm", "names", "result", "state"]));
    assert!(!text(&semantic.stderr).contains("warning"), "{}", text(&semantic.stderr));
}

#[test]
fn fix_write_with_types_then_cargo_test_proves_send() {
    require_rust_src();
    let (_scratch, project) = scratch_copy(FIXTURE);
    let before = cargo(&project, &["check", "--tests", "--quiet"]);
    assert!(!before.status.success(), "the fixture's futures should be !Send before the fix");

    let fixed = guardfix(&["fix", project.to_str().unwrap(), "--write", "--allow-no-vcs"], &[]);
    let summary = text(&fixed.stderr);
    assert!(fixed.status.success(), "fix failed:\n{summary}");
    assert!(summary.contains("fixed 5 findings"), "unexpected summary:\n{summary}");

    let tests = cargo(&project, &["test", "--quiet"]);
    assert!(tests.status.success(), "cargo test failed:\n{}", text(&tests.stderr));
    let clippy = cargo(&project, &["clippy", "--all-targets", "--quiet", "--", "-D", "warnings"]);
    assert!(clippy.status.success(), "clippy failed:\n{}", text(&clippy.stderr));

    let again = check(&project, "auto", &[]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stdout));
}

#[test]
fn helper_strategy_moves_critical_sections_into_sync_fns() {
    require_rust_src();
    let (_scratch, project) = scratch_copy(FIXTURE);
    let fixed = guardfix(
        &["fix", project.to_str().unwrap(), "--write", "--allow-no-vcs", "--strategy", "helper"],
        &[],
    );
    let summary = text(&fixed.stderr);
    assert!(fixed.status.success(), "fix failed:\n{summary}");
    let app = std::fs::read_to_string(project.join("app/src/lib.rs")).unwrap();
    for helper in ["fn read_state(", "fn read_names("] {
        assert!(app.contains(helper), "no `{helper}` in:\n{app}\n{summary}");
        assert!(!app.contains(&format!("async {helper}")), "the helper must be sync:\n{app}");
    }
    assert!(!app.contains("fun_name"), "the placeholder name was left:\n{app}");
    // The guard in the `select!` arm stays, with a reason the user can act on; the default
    // strategy then ends it inside the arm.
    assert!(summary.contains("cannot move code out of a macro's arguments"), "{summary}");
    let rest = guardfix(&["fix", project.to_str().unwrap(), "--write", "--allow-no-vcs"], &[]);
    assert!(text(&rest.stderr).contains("fixed 1 finding"), "{}", text(&rest.stderr));
    let app = std::fs::read_to_string(project.join("app/src/lib.rs")).unwrap();

    let tests = cargo(&project, &["test", "--quiet"]);
    assert!(tests.status.success(), "cargo test failed:\n{}\n{app}", text(&tests.stderr));
    let clippy = cargo(&project, &["clippy", "--all-targets", "--quiet", "--", "-D", "warnings"]);
    assert!(clippy.status.success(), "clippy failed:\n{}\n{app}", text(&clippy.stderr));
}

#[test]
fn a_workspace_that_cannot_be_loaded_is_said_once_and_syntax_finishes_the_run() {
    require_rust_src();
    // The app's code alone, outside any cargo project: there is nothing to load.
    let scratch = tempfile::tempdir().unwrap();
    let loose = scratch.path().join("loose");
    std::fs::create_dir_all(&loose).unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE).join("app/src/lib.rs");
    std::fs::copy(source, loose.join("lib.rs")).unwrap();
    let output = guardfix(
        &["check", loose.to_str().unwrap(), "--format", "json", "--semantic", "always"],
        &[],
    );
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.matches("semantic analysis is unavailable").count(), 1, "{stderr}");
    assert!(stderr.contains("no Cargo.toml"), "{stderr}");
    assert_eq!(bindings(&output), set(&["n", "names"]));
}

/// A dependency `cargo metadata` cannot get: rust-analyzer loads the workspace without its
/// dependencies, and the run says so once, with cargo's reason, instead of quietly deciding
/// by syntax what only the dependencies' types could tell.
#[test]
fn a_workspace_loaded_without_its_dependencies_is_said_once() {
    require_rust_src();
    let scratch = tempfile::tempdir().unwrap();
    let project = scratch.path().join("project");
    std::fs::create_dir_all(project.join("src")).unwrap();
    std::fs::write(
        project.join("Cargo.toml"),
        "[package]\nname = \"unreachable-dependency\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nnothere = { path = \"missing\" }\n",
    )
    .unwrap();
    let source = "use std::sync::Mutex;\nasync fn tick() {}\npub async fn f(m: &Mutex<u32>) {\n    let g = m.lock().unwrap();\n    tick().await;\n    drop(g);\n}\n";
    std::fs::write(project.join("src/lib.rs"), source).unwrap();
    let output = guardfix(
        &["check", project.to_str().unwrap(), "--format", "json", "--semantic", "always"],
        &[],
    );
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.matches("semantic analysis is partial").count(), 1, "{stderr}");
    assert!(stderr.contains("failed to get `nothere`"), "{stderr}");
    assert_eq!(bindings(&output), set(&["g"]));
}

/// `transforms/helper/`: the helper transform's fixture crate. The dry-run diff is the
/// snapshot; the written result must pass its own tests (the futures are `Send`) and clippy.
#[test]
fn helper_fixture() {
    fix_fixture_crate("helper", &["--strategy", "helper"], 0);
}

/// `transforms/async_mutex/`: locks whose guards must span their awaits, switched to tokio's
/// (with `auto`, the default strategy, which picks `async-mutex` for them).
#[test]
fn async_mutex_fixture() {
    fix_fixture_crate("async_mutex", &[], 0);
}

/// `transforms/relock/`: two critical sections (MaybeIncorrect, so `--unsafe-fixes`), with the
/// cache fill's check repeated after re-locking. Three findings are left by design: an await
/// that needs the guarded data, a `RefCell` borrow, and a lock whose owner is rebound.
#[test]
fn relock_fixture() {
    fix_fixture_crate("relock", &["--strategy", "relock", "--unsafe-fixes"], 3);
}

/// Fixes the fixture crate `transforms/<name>/` on a copy: snapshots the dry-run report and
/// diff as `snapshots/<name>@lib.rs.snap`, writes it, then runs the crate's tests and clippy
/// (`-D warnings`) and checks that only the `left` findings the fixture keeps by design
/// remain (clippy is then told to allow its two lints: guardfix's check counts them).
fn fix_fixture_crate(name: &str, strategy: &[&str], left: usize) {
    require_rust_src();
    let (_scratch, project) = scratch_copy(&format!("transforms/{name}"));
    let project_arg = project.to_str().unwrap();

    let mut preview_args = vec!["fix", project_arg, "--color", "never"];
    preview_args.extend_from_slice(strategy);
    let preview = guardfix(&preview_args, &[]);
    assert!(preview.status.success(), "{}", text(&preview.stderr));
    let report = format!("{}\n{}", text(&preview.stderr), text(&preview.stdout));
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!(format!("{name}@lib.rs"), report));

    let mut write_args = vec!["fix", project_arg, "--write", "--allow-no-vcs"];
    write_args.extend_from_slice(strategy);
    let fixed = guardfix(&write_args, &[]);
    assert!(fixed.status.success(), "{}", text(&fixed.stderr));
    let tests = cargo(&project, &["test", "--quiet"]);
    assert!(tests.status.success(), "cargo test failed:\n{}", text(&tests.stderr));
    let mut clippy_args = vec!["clippy", "--all-targets", "--quiet", "--", "-D", "warnings"];
    if left > 0 {
        clippy_args.extend(["-A", "clippy::await_holding_lock"]);
        clippy_args.extend(["-A", "clippy::await_holding_refcell_ref"]);
    }
    let clippy = cargo(&project, &clippy_args);
    assert!(clippy.status.success(), "clippy failed:\n{}", text(&clippy.stderr));
    let again = guardfix(&["check", project_arg, "--format", "json"], &[]);
    let findings =
        text(&again.stdout).lines().filter(|line| line.contains(r#""type":"finding""#)).count();
    assert_eq!(findings, left, "{}", text(&again.stdout));
}

/// The async-mutex transform on a crate whose session lock (declared in `state.rs`) is held
/// across awaits on purpose in `login.rs` and `logout.rs` and also acquired in `audit.rs`:
/// all of it switches to tokio's lock. The settings lock's one sync use runs in a
/// `spawn_blocking` closure and becomes `blocking_lock()`. The log lock is also locked from a
/// plain sync fn, so it is not switched, and the reason names that site. The crate's tokio
/// lacks the `sync` feature: it is added to `Cargo.toml`.
#[test]
fn async_mutex_switches_a_lock_in_every_module_that_uses_it() {
    require_rust_src();
    let (_scratch, project) = scratch_copy("tests/projects/async_mutex_service");
    let project_arg = project.to_str().unwrap();

    let fixed = guardfix(&["fix", project_arg, "--write", "--allow-no-vcs"], &[]);
    let summary = text(&fixed.stderr);
    assert!(fixed.status.success(), "{summary}");
    assert!(summary.contains("fixed 3 findings (3 by async-mutex), skipped 1"), "{summary}");
    assert!(
        summary.contains("src/audit.rs:17: acquired in sync code that may run on a runtime thread"),
        "the refusal should name the sync use:\n{summary}"
    );
    let manifest = std::fs::read_to_string(project.join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains(r#"features = ["macros", "rt", "time", "sync"]"#),
        "tokio's `sync` feature should be added, formatting kept:\n{manifest}"
    );
    let read = |file: &str| std::fs::read_to_string(project.join("src").join(file)).unwrap();
    let state = read("state.rs");
    for expected in [
        "pub sessions: Arc<tokio::sync::Mutex<HashMap<u32, String>>>",
        "sessions: Arc::new(tokio::sync::Mutex::new(HashMap::new()))",
        "pub settings: tokio::sync::Mutex<Vec<String>>",
        "settings: tokio::sync::Mutex::new(Vec::new())",
        "pub log: Mutex<Vec<String>>",
        "use std::sync::{Arc, Mutex};",
    ] {
        assert!(state.contains(expected), "no `{expected}` in state.rs:\n{state}");
    }
    for (file, expected) in [
        ("login.rs", "state.sessions.lock().await"),
        ("logout.rs", "state.sessions.lock().await"),
        ("audit.rs", "state.sessions.lock().await.len()"),
        ("audit.rs", "state.log.lock().unwrap()"),
        ("settings.rs", "state.settings.lock().await"),
        ("settings.rs", "state.settings.blocking_lock().clone()"),
    ] {
        assert!(read(file).contains(expected), "no `{expected}` in {file}:\n{}", read(file));
    }

    // The project's tests include `Send` assertions on the switched futures.
    let tests = cargo(&project, &["test", "--quiet"]);
    assert!(tests.status.success(), "cargo test failed:\n{}", text(&tests.stderr));
    // clippy still flags the refused lock, and nothing else.
    let clippy = cargo(&project, &["clippy", "--all-targets", "--", "-D", "warnings"]);
    let report = text(&clippy.stderr);
    let locations: BTreeSet<&str> =
        report.lines().filter_map(|line| line.trim().strip_prefix("--> ")).collect();
    assert_eq!(locations, BTreeSet::from(["src/audit.rs:9:9", "src/audit.rs:10:18"]), "{report}");

    let again = guardfix(&["fix", project_arg], &[]);
    assert!(
        text(&again.stderr).contains("fixed 0 findings")
            || text(&again.stderr).contains("would fix 0"),
        "{}",
        text(&again.stderr)
    );
}

/// Locks named where the switch cannot follow them (built by a fn, named in the crate's own
/// macro, handed to a method of std's lock, put in a tuple) are refused, each with the place
/// that stops it; a lock only handed to generic fns (`Arc::strong_count`, `drop`) and locked
/// inside std's `assert_eq!` is switched, and the result compiles.
#[test]
fn async_mutex_refuses_locks_it_cannot_follow() {
    require_rust_src();
    let (_scratch, project) = scratch_copy("tests/projects/async_mutex_refusals");
    let project_arg = project.to_str().unwrap();

    let fixed = guardfix(&["fix", project_arg, "--write", "--allow-no-vcs"], &[]);
    let summary = text(&fixed.stderr);
    assert!(fixed.status.success(), "{summary}");
    assert!(summary.contains("fixed 1 finding (1 by async-mutex), skipped 5"), "{summary}");
    for reason in [
        "src/lib.rs:17: the lock was not switched to tokio's: the lock comes from `make_counter()` (src/lib.rs:16)",
        "src/lib.rs:33: the lock was not switched to tokio's: `counter` is used inside a macro call (src/lib.rs:37)",
        "src/lib.rs:43: the lock was not switched to tokio's: the lock is the receiver of `Mutex::is_poisoned(&counter)` (src/lib.rs:47)",
        "src/lib.rs:54: the lock was not switched to tokio's: the lock goes into `(Arc::clone(&counter), 1)` (src/lib.rs:53)",
        "src/lib.rs:92: the lock was not switched to tokio's: `inner` has the generic type `Arc<T>`, so each constructor of its struct chooses what it holds (`T`), and not every one builds this lock (src/lib.rs:77)",
    ] {
        assert!(summary.contains(reason), "no `{reason}` in:\n{summary}");
    }
    // Each refused lock's guard could still be released before its await and taken again.
    assert_eq!(summary.matches("`--strategy relock --unsafe-fixes`").count(), 5, "{summary}");
    let lib = std::fs::read_to_string(project.join("src/lib.rs")).unwrap();
    assert!(lib.contains("let counter = Arc::new(tokio::sync::Mutex::new(0));"), "{lib}");
    // std's `assert_eq!` takes expressions: the lock is switched inside it too.
    assert!(lib.contains("assert_eq!(*counter.lock().await, 1);"), "{lib}");
    assert_eq!(lib.matches(".lock().await").count(), 2, "{lib}");
    let check = cargo(&project, &["check", "--quiet"]);
    assert!(check.status.success(), "cargo check failed:\n{}", text(&check.stderr));
}

/// A lock switch migrated as snapshots: the files it changed name each other
/// (`info.together`), and `apply` writes none of them until all are accepted, then all.
#[test]
fn a_migrated_lock_switch_is_applied_all_together_or_not_at_all() {
    require_rust_src();
    let (scratch, project) = scratch_copy("tests/projects/async_mutex_service");
    let snapshots = scratch.path().join("snapshots");
    let (project_arg, snapshots_arg) = (project.to_str().unwrap(), snapshots.to_str().unwrap());
    let migrate = guardfix(&["migrate", project_arg, "--snapshots", snapshots_arg], &[]);
    assert!(migrate.status.success(), "{}", text(&migrate.stderr));
    let state = std::fs::read_to_string(snapshots.join("src__state.rs.snap.new")).unwrap();
    assert!(state.contains("  together:\n"), "{state}");
    for other in ["Cargo.toml", "src/login.rs", "src/logout.rs", "src/audit.rs", "src/settings.rs"]
    {
        assert!(state.contains(&format!("    - {other}\n")), "no {other} in:\n{state}");
    }

    // Everything accepted but logout.rs: nothing is written.
    let pending: Vec<PathBuf> = std::fs::read_dir(&snapshots)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.to_string_lossy().ends_with(".snap.new"))
        .collect();
    let accept = |path: &Path| {
        let accepted = path.to_string_lossy().trim_end_matches(".new").to_owned();
        std::fs::rename(path, accepted).unwrap();
    };
    for path in pending.iter().filter(|path| !path.ends_with("src__logout.rs.snap.new")) {
        accept(path);
    }
    let before: Vec<String> = ["src/state.rs", "src/login.rs", "Cargo.toml"]
        .iter()
        .map(|file| std::fs::read_to_string(project.join(file)).unwrap())
        .collect();
    let partial = guardfix(&["apply", "--snapshots", snapshots_arg, "--allow-no-vcs"], &[]);
    let report = format!("{}{}", text(&partial.stdout), text(&partial.stderr));
    assert!(report.contains("src/logout.rs, whose snapshot is not accepted"), "{report}");
    for (file, before) in ["src/state.rs", "src/login.rs", "Cargo.toml"].iter().zip(&before) {
        assert_eq!(&std::fs::read_to_string(project.join(file)).unwrap(), before, "{file}");
    }

    // logout.rs accepted too: the whole switch is written, and the crate's tests pass.
    accept(&snapshots.join("src__logout.rs.snap.new"));
    let full = guardfix(&["apply", "--snapshots", snapshots_arg, "--allow-no-vcs"], &[]);
    assert!(full.status.success(), "{}{}", text(&full.stdout), text(&full.stderr));
    let login = std::fs::read_to_string(project.join("src/login.rs")).unwrap();
    assert!(login.contains("state.sessions.lock().await"), "{login}");
    let tests = cargo(&project, &["test", "--quiet"]);
    assert!(tests.status.success(), "cargo test failed:\n{}", text(&tests.stderr));
}

/// `--verify` after a lock switch that does not compile (a file the switch does not edit takes
/// std's guard): the switch's files are reverted together, so the crate compiles again and
/// the run succeeds. Reverting only the file with the error would leave `state.rs` switched
/// and the crate broken.
#[test]
fn verify_reverts_a_lock_switch_as_a_whole() {
    require_rust_src();
    let (_scratch, project) = scratch_copy("tests/projects/async_mutex_verify");
    let read = |file: &str| std::fs::read_to_string(project.join(file)).unwrap();
    let before = [read("src/lib.rs"), read("src/state.rs")];
    let project_arg = project.to_str().unwrap();
    let fixed = guardfix(&["fix", project_arg, "--write", "--verify", "--allow-no-vcs"], &[]);
    let report = text(&fixed.stderr);
    assert!(fixed.status.success(), "{report}");
    assert!(report.contains("fixed 1 finding (1 by async-mutex)"), "{report}");
    // The switch's files only compile together: the switch is taken back as one unit.
    assert!(
        report.contains(
            "took back the switch of the lock acquired as `counter.value.lock()` to tokio's"
        ),
        "{report}"
    );
    assert!(report.contains("kept 0 of 1 fixes, took back 1"), "{report}");
    assert_eq!([read("src/lib.rs"), read("src/state.rs")], before);
    let check = cargo(&project, &["check", "--quiet"]);
    assert!(check.status.success(), "cargo check failed:\n{}", text(&check.stderr));
}
