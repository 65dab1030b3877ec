//! Atomic in-place writes, the way `cargo fix` and rustfmt save files.
//!
//! The new contents go to a temporary file in the same folder, which is flushed to disk, given
//! the original's permissions and then renamed over the original. A rename within one folder is
//! atomic, so a run killed at any point leaves each file either as it was or fully rewritten,
//! never half-written.
//!
//! Before writing, the file is read again: if it no longer holds what the analysis saw (an editor
//! saved it, another tool ran), the edit would be applied to the wrong text, so it is refused.

use std::{
    fs::{self, File, OpenOptions},
    io::{self, Write},
    path::{Path, PathBuf},
};

#[derive(thiserror::Error, Debug)]
pub enum WriteError {
    #[error(
        "{}: changed on disk (or was removed) since guardfix read it, so it was not written; run guardfix again on the current version",
        path.display()
    )]
    ChangedSinceRead { path: PathBuf },
    #[error(
        "{}: the file is read-only, so it was not written; make it writable (e.g. `chmod u+w`) if you want guardfix to change it",
        path.display()
    )]
    ReadOnly { path: PathBuf },
    #[error("could not write {}: {source}; the file on disk is unchanged", path.display())]
    Io { path: PathBuf, source: io::Error },
}

/// Replaces the contents of `path` with `new_contents`, provided it still holds
/// `expected_current` (the bytes the analysis read).
///
/// A symlink is followed and its target rewritten, so the link stays a link. A hard-linked file
/// is replaced by a new file, as with any rename-based save.
pub fn write_atomic(
    path: &Path,
    expected_current: &[u8],
    new_contents: &[u8],
) -> Result<(), WriteError> {
    if new_contents == expected_current {
        // Nothing to write: touching the file would only bump its modification time and wake up
        // file watchers, whatever state it is in now.
        return Ok(());
    }
    let io_err = |source| WriteError::Io { path: path.to_owned(), source };

    let target = match fs::canonicalize(path) {
        Ok(target) => target,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(WriteError::ChangedSinceRead { path: path.to_owned() });
        }
        Err(e) => return Err(io_err(e)),
    };
    let metadata = fs::metadata(&target).map_err(io_err)?;
    if is_read_only(&target, &metadata) {
        return Err(WriteError::ReadOnly { path: path.to_owned() });
    }
    if !still_holds(&target, expected_current).map_err(io_err)? {
        return Err(WriteError::ChangedSinceRead { path: path.to_owned() });
    }

    let folder = target.parent().unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(".guardfix-")
        .suffix(".tmp")
        .tempfile_in(folder)
        .map_err(io_err)?;
    temp.write_all(new_contents).map_err(io_err)?;
    temp.as_file().sync_all().map_err(io_err)?;
    fs::set_permissions(temp.path(), metadata.permissions()).map_err(io_err)?;
    keep_owner(temp.as_file(), &metadata);
    temp.persist(&target).map_err(|e| io_err(e.error))?;
    sync_folder(folder);
    Ok(())
}

/// Temporary files [`write_atomic`] left in a folder are this old at least before another
/// run takes them for leftovers: a write takes milliseconds, so a younger one may belong to a
/// run going on now.
const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// Removes the temporary files of [`write_atomic`] (`.guardfix-*.tmp`) that a run killed
/// mid-write left in `folders`, and returns them. Only guardfix's own names are touched.
pub fn remove_stale_temp_files<'a>(folders: impl IntoIterator<Item = &'a Path>) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for folder in folders {
        if !seen.insert(folder.to_owned()) {
            continue;
        }
        let Ok(entries) = fs::read_dir(folder) else { continue };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if !(name.starts_with(".guardfix-") && name.ends_with(".tmp")) {
                continue;
            }
            let stale = entry
                .metadata()
                .and_then(|metadata| metadata.modified())
                .ok()
                .and_then(|modified| modified.elapsed().ok())
                .is_some_and(|age| age >= STALE_AFTER);
            if stale
                && entry.file_type().is_ok_and(|kind| kind.is_file())
                && fs::remove_file(entry.path()).is_ok()
            {
                removed.push(entry.path());
            }
        }
    }
    removed
}

/// Read-only by permission bits or refused by the OS. Checking the bits matters because root
/// may write anything, and a rename would silently replace a file the user marked read-only;
/// opening for writing (without truncating) covers files owned by someone else.
fn is_read_only(path: &Path, metadata: &fs::Metadata) -> bool {
    if metadata.permissions().readonly() {
        return true;
    }
    matches!(
        OpenOptions::new().write(true).open(path),
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied
    )
}

fn still_holds(path: &Path, expected: &[u8]) -> io::Result<bool> {
    match fs::read(path) {
        Ok(current) => Ok(current == expected),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// The temporary file belongs to whoever runs guardfix; when root rewrites a user's file, the
/// file should stay the user's. Failing is fine: an unprivileged user can only own the new file,
/// as after saving in an editor.
#[cfg(unix)]
fn keep_owner(file: &File, original: &fs::Metadata) {
    use std::os::unix::fs::MetadataExt;
    let Ok(current) = file.metadata() else { return };
    if (current.uid(), current.gid()) != (original.uid(), original.gid()) {
        let _ = std::os::unix::fs::fchown(file, Some(original.uid()), Some(original.gid()));
    }
}

#[cfg(not(unix))]
fn keep_owner(_file: &File, _original: &fs::Metadata) {}

/// Makes the rename itself durable. Best effort: the data is already synced, and not every
/// platform or file system lets a folder be opened and synced.
fn sync_folder(folder: &Path) {
    if let Ok(dir) = File::open(folder) {
        let _ = dir.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{LineEndings, read_source};

    #[test]
    fn stale_temp_files_of_an_interrupted_run_are_removed_and_fresh_ones_kept() {
        let dir = tempfile::tempdir().expect("temp dir");
        let stale = file_with(&dir, ".guardfix-abc123.tmp", b"half");
        let fresh = file_with(&dir, ".guardfix-def456.tmp", b"in use");
        let other = file_with(&dir, ".other-abc.tmp", b"not ours");
        let old = std::time::SystemTime::now() - STALE_AFTER - std::time::Duration::from_secs(5);
        File::options().write(true).open(&stale).unwrap().set_modified(old).unwrap();
        File::options().write(true).open(&other).unwrap().set_modified(old).unwrap();
        let removed = remove_stale_temp_files([dir.path(), dir.path()]);
        assert_eq!(removed, std::slice::from_ref(&stale));
        assert!(!stale.exists());
        assert!(fresh.exists() && other.exists());
    }

    fn file_with(dir: &tempfile::TempDir, name: &str, contents: &[u8]) -> PathBuf {
        let path = dir.path().join(name);
        fs::write(&path, contents).expect("write fixture");
        path
    }

    fn leftover_temp_files(dir: &tempfile::TempDir) -> Vec<String> {
        fs::read_dir(dir.path())
            .expect("list dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with(".guardfix-"))
            .collect()
    }

    #[test]
    fn replaces_the_contents() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = file_with(&dir, "a.rs", b"old");
        write_atomic(&path, b"old", b"new").expect("written");
        assert_eq!(fs::read(&path).expect("read"), b"new");
        assert!(leftover_temp_files(&dir).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn keeps_the_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = file_with(&dir, "script.rs", b"old");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod");
        write_atomic(&path, b"old", b"new").expect("written");
        let mode = fs::metadata(&path).expect("metadata").permissions().mode();
        assert_eq!(mode & 0o7777, 0o755);
    }

    /// Only root can hand a file to another user; elsewhere there is nothing to check.
    #[cfg(unix)]
    #[test]
    fn keeps_the_owner_when_run_as_root() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = file_with(&dir, "a.rs", b"old");
        if std::os::unix::fs::chown(&path, Some(4321), Some(4321)).is_err() {
            return;
        }
        write_atomic(&path, b"old", b"new").expect("written");
        let metadata = fs::metadata(&path).expect("metadata");
        assert_eq!((metadata.uid(), metadata.gid()), (4321, 4321));
    }

    #[test]
    fn refuses_a_file_changed_since_read() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = file_with(&dir, "a.rs", b"edited by someone else");
        let err = write_atomic(&path, b"what we read", b"new").expect_err("changed");
        assert!(matches!(err, WriteError::ChangedSinceRead { .. }), "{err:?}");
        assert!(err.to_string().contains("a.rs"));
        assert_eq!(fs::read(&path).expect("read"), b"edited by someone else");
        assert!(leftover_temp_files(&dir).is_empty());
    }

    #[test]
    fn refuses_a_removed_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("gone.rs");
        let err = write_atomic(&path, b"old", b"new").expect_err("removed");
        assert!(matches!(err, WriteError::ChangedSinceRead { .. }), "{err:?}");
        assert!(!path.exists());
    }

    #[test]
    fn refuses_a_read_only_file_even_as_root() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = file_with(&dir, "a.rs", b"old");
        let mut permissions = fs::metadata(&path).expect("metadata").permissions();
        permissions.set_readonly(true);
        fs::set_permissions(&path, permissions).expect("make read-only");
        let err = write_atomic(&path, b"old", b"new").expect_err("read-only");
        assert!(matches!(err, WriteError::ReadOnly { .. }), "{err:?}");
        assert!(err.to_string().contains("read-only"));
        assert_eq!(fs::read(&path).expect("read"), b"old");
        assert!(fs::metadata(&path).expect("metadata").permissions().readonly());
    }

    #[test]
    fn unchanged_contents_leave_the_file_alone() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = file_with(&dir, "a.rs", b"same");
        let before = fs::metadata(&path).and_then(|m| m.modified()).expect("mtime");
        std::thread::sleep(std::time::Duration::from_millis(20));
        write_atomic(&path, b"same", b"same").expect("no-op");
        let after = fs::metadata(&path).and_then(|m| m.modified()).expect("mtime");
        assert_eq!(before, after);
    }

    #[cfg(unix)]
    #[test]
    fn writes_through_a_symlink() {
        let dir = tempfile::tempdir().expect("temp dir");
        let real = file_with(&dir, "real.rs", b"old");
        let link = dir.path().join("link.rs");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        write_atomic(&link, b"old", b"new").expect("written");
        assert!(fs::symlink_metadata(&link).expect("lstat").file_type().is_symlink());
        assert_eq!(fs::read(&real).expect("read"), b"new");
    }

    #[test]
    fn crlf_round_trip() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = file_with(&dir, "a.rs", b"fn a() {\r\n    x();\r\n}\r\n");
        let source = read_source(&path).expect("readable");
        assert_eq!(source.line_endings, LineEndings::CrLf);
        let edited = source.text.replace("x()", "y()");
        let encoded = source.line_endings.restore(&edited);
        write_atomic(&path, source.bytes(), encoded.as_bytes()).expect("written");
        assert_eq!(fs::read(&path).expect("read"), b"fn a() {\r\n    y();\r\n}\r\n");
    }
}
