//! The `cargo fix` safety check before `--write`: only rewrite files whose current state is
//! committed, so every change guardfix makes can be reviewed with `git diff` and undone with
//! `git checkout`.
//!
//! As in `cargo fix`, modified, staged and untracked files all count as uncommitted,
//! `--allow-dirty` skips that check and `--allow-no-vcs` skips the whole check. Unlike
//! `cargo fix`, only files under the folder (or the one file) being fixed count: changes elsewhere
//! in the repository cannot be touched by the run, so they need not block it.

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
};

/// How many uncommitted files the error lists before summing up the rest.
const LISTED_FILES: usize = 10;

#[derive(thiserror::Error, Debug)]
pub enum VcsError {
    #[error(
        "{} is not in a git repository, so the changes guardfix would write could not be reviewed or undone with git; put it under git first, or pass --allow-no-vcs to write anyway",
        root.display()
    )]
    NotUnderVcs { root: PathBuf },
    #[error(
        "{} has uncommitted changes, and guardfix --write changes files in place; commit or stash them first, or pass --allow-dirty to write anyway. Uncommitted:\n{}",
        root.display(),
        list_files(files)
    )]
    Dirty { root: PathBuf, files: Vec<String> },
    /// git is missing or refused to run (for example a repository owned by another user).
    #[error(
        "could not ask git whether {} has uncommitted changes: {message}; fix that, or pass --allow-no-vcs to write without the check",
        root.display()
    )]
    GitFailed { root: PathBuf, message: String },
}

/// Checks that `root` (a folder or a single file) may be rewritten in place.
pub fn check_worktree(root: &Path, allow_dirty: bool, allow_no_vcs: bool) -> Result<(), VcsError> {
    check_worktree_excluding(root, None, allow_dirty, allow_no_vcs)
}

/// [`check_worktree`], not counting changes under `excluded`: guardfix's own snapshot folder,
/// which `guardfix migrate` fills and so is never committed when `guardfix apply` runs.
pub fn check_worktree_excluding(
    root: &Path,
    excluded: Option<&Path>,
    allow_dirty: bool,
    allow_no_vcs: bool,
) -> Result<(), VcsError> {
    if allow_no_vcs {
        return Ok(());
    }
    let (folder, pathspec) = git_location(root);
    let toplevel = git(root, folder, &["rev-parse", "--show-toplevel"])?;
    if !toplevel.status.success() {
        let stderr = String::from_utf8_lossy(&toplevel.stderr);
        if stderr.contains("not a git repository") {
            return Err(VcsError::NotUnderVcs { root: root.to_owned() });
        }
        return Err(git_failed(root, &toplevel));
    }
    if allow_dirty {
        return Ok(());
    }
    let exclusion = excluded.and_then(|excluded| exclude_pathspec(folder, excluded));
    let mut args = vec!["status", "--porcelain", "-z", "--", pathspec];
    args.extend(exclusion.as_deref());
    let status = git(root, folder, &args)?;
    if !status.status.success() {
        return Err(git_failed(root, &status));
    }
    let files = uncommitted_files(&String::from_utf8_lossy(&status.stdout));
    if files.is_empty() {
        return Ok(());
    }
    Err(VcsError::Dirty { root: root.to_owned(), files })
}

/// git runs in a folder; for a single file that is its folder, and only the file itself counts.
fn git_location(root: &Path) -> (&Path, &str) {
    if root.is_file() {
        let folder = root.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let name = root.file_name().and_then(|n| n.to_str()).unwrap_or(".");
        return (folder, name);
    }
    (root, ".")
}

/// `:(exclude)<path>` for `excluded` relative to `folder`, if it lies inside it.
fn exclude_pathspec(folder: &Path, excluded: &Path) -> Option<String> {
    let folder = std::fs::canonicalize(folder).ok()?;
    let excluded = std::fs::canonicalize(excluded).ok()?;
    let relative = excluded.strip_prefix(&folder).ok()?;
    if relative.as_os_str().is_empty() {
        return None; // the whole folder: nothing left to check, which is not what anyone means
    }
    Some(format!(":(exclude){}", relative.to_str()?))
}

fn git(root: &Path, folder: &Path, args: &[&str]) -> Result<Output, VcsError> {
    let mut command = Command::new("git");
    // `check_worktree` tells "not a repository" from other failures by git's English message.
    command.env("LC_ALL", "C").arg("-C").arg(folder).args(args);
    command.output().map_err(|e| VcsError::GitFailed {
        root: root.to_owned(),
        message: format!("could not run git: {e}"),
    })
}

fn git_failed(root: &Path, output: &Output) -> VcsError {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let message = stderr.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("git failed");
    VcsError::GitFailed { root: root.to_owned(), message: message.to_owned() }
}

/// Paths from `git status --porcelain -z`: entries are `XY path`, NUL-terminated, and a rename
/// or copy is followed by one more entry holding the original path, which is skipped.
fn uncommitted_files(porcelain_z: &str) -> Vec<String> {
    let mut files = Vec::new();
    let mut entries = porcelain_z.split('\0').filter(|e| !e.is_empty());
    while let Some(entry) = entries.next() {
        let (status, path) = entry.split_at_checked(3).unwrap_or((entry, ""));
        files.push(path.to_owned());
        if status.starts_with(['R', 'C']) {
            entries.next();
        }
    }
    files
}

fn list_files(files: &[String]) -> String {
    let mut lines: Vec<String> =
        files.iter().take(LISTED_FILES).map(|f| format!("  * {f}")).collect();
    if files.len() > LISTED_FILES {
        lines.push(format!("  … and {} more", files.len() - LISTED_FILES));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    /// Runs git the way a fresh machine would, with an identity given on the command line and
    /// without a caller's `GIT_DIR` leaking in.
    fn run_git(dir: &Path, args: &[&str]) {
        let output = Command::new("git")
            .args(["-c", "user.email=test@example.com", "-c", "user.name=test"])
            .args(["-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false"])
            .arg("-C")
            .arg(dir)
            .args(args)
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE")
            .output()
            .expect("run git");
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// A repository with `a/one.rs` and `b/two.rs` committed.
    fn clean_repo() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        for (folder, file) in [("a", "one.rs"), ("b", "two.rs")] {
            fs::create_dir(dir.path().join(folder)).expect("mkdir");
            fs::write(dir.path().join(folder).join(file), "fn f() {}\n").expect("write");
        }
        run_git(dir.path(), &["init", "-q"]);
        run_git(dir.path(), &["add", "."]);
        run_git(dir.path(), &["commit", "-q", "-m", "init"]);
        dir
    }

    #[test]
    fn clean_repository_passes() {
        let repo = clean_repo();
        check_worktree(repo.path(), false, false).expect("clean");
    }

    #[test]
    fn outside_git_is_refused_unless_allowed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let err = check_worktree(dir.path(), false, false).expect_err("no git");
        assert!(matches!(err, VcsError::NotUnderVcs { .. }), "{err:?}");
        assert!(err.to_string().contains("--allow-no-vcs"));
        check_worktree(dir.path(), false, true).expect("allowed");
    }

    #[test]
    fn modified_staged_and_untracked_files_are_dirty() {
        let repo = clean_repo();
        fs::write(repo.path().join("a/one.rs"), "fn g() {}\n").expect("modify");
        fs::write(repo.path().join("b/staged.rs"), "").expect("new file");
        run_git(repo.path(), &["add", "b/staged.rs"]);
        fs::write(repo.path().join("untracked.rs"), "").expect("untracked");
        let err = check_worktree(repo.path(), false, false).expect_err("dirty");
        let VcsError::Dirty { files, .. } = &err else { panic!("{err:?}") };
        assert_eq!(files, &["a/one.rs", "b/staged.rs", "untracked.rs"]);
        assert!(err.to_string().contains("--allow-dirty"));
        check_worktree(repo.path(), true, false).expect("allowed");
    }

    #[test]
    fn a_rename_lists_only_the_new_path() {
        let repo = clean_repo();
        run_git(repo.path(), &["mv", "a/one.rs", "a/renamed.rs"]);
        let err = check_worktree(repo.path(), false, false).expect_err("dirty");
        let VcsError::Dirty { files, .. } = &err else { panic!("{err:?}") };
        assert_eq!(files, &["a/renamed.rs"]);
    }

    #[test]
    fn changes_outside_root_do_not_count() {
        let repo = clean_repo();
        fs::write(repo.path().join("b/two.rs"), "fn g() {}\n").expect("modify");
        check_worktree(&repo.path().join("a"), false, false).expect("a is clean");
        check_worktree(&repo.path().join("a/one.rs"), false, false).expect("one.rs is clean");
        let err = check_worktree(&repo.path().join("b/two.rs"), false, false).expect_err("dirty");
        assert!(matches!(err, VcsError::Dirty { .. }), "{err:?}");
    }

    #[test]
    fn ignored_files_do_not_count() {
        let repo = clean_repo();
        fs::write(repo.path().join(".gitignore"), "/target\n").expect("gitignore");
        run_git(repo.path(), &["add", ".gitignore"]);
        run_git(repo.path(), &["commit", "-q", "-m", "ignore"]);
        fs::create_dir(repo.path().join("target")).expect("mkdir");
        fs::write(repo.path().join("target/out.rs"), "").expect("build output");
        check_worktree(repo.path(), false, false).expect("clean");
    }

    #[test]
    fn an_excluded_folder_does_not_count() {
        let repo = clean_repo();
        fs::create_dir_all(repo.path().join("a/snapshots")).expect("mkdir");
        fs::write(repo.path().join("a/snapshots/one.rs.snap"), "").expect("snapshot");
        let excluded = repo.path().join("a/snapshots");
        check_worktree_excluding(repo.path(), Some(&excluded), false, false).expect("clean");
        check_worktree_excluding(&repo.path().join("a"), Some(&excluded), false, false)
            .expect("clean from a/ too");
        fs::write(repo.path().join("a/one.rs"), "fn g() {}\n").expect("modify");
        let err = check_worktree_excluding(repo.path(), Some(&excluded), false, false)
            .expect_err("a real change still counts");
        let VcsError::Dirty { files, .. } = &err else { panic!("{err:?}") };
        assert_eq!(files, &["a/one.rs"]);
    }

    #[test]
    fn the_error_lists_ten_files_and_counts_the_rest() {
        let files: Vec<String> = (0..13).map(|i| format!("f{i:02}.rs")).collect();
        let err = VcsError::Dirty { root: PathBuf::from("crate"), files };
        let message = err.to_string();
        assert!(message.contains("  * f09.rs"), "{message}");
        assert!(!message.contains("f10.rs"), "{message}");
        assert!(message.contains("… and 3 more"), "{message}");
    }

    #[test]
    fn porcelain_parsing_skips_the_original_path_of_renames() {
        let out = " M a.rs\0R  new.rs\0old.rs\0?? dir/\0";
        assert_eq!(uncommitted_files(out), ["a.rs", "new.rs", "dir/"]);
    }
}
