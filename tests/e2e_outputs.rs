//! End to end, by running the binaries: `cargo guardfix`.

use std::path::Path;
use std::process::{Command, Output};

fn guardfix(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_guardfix"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("guardfix runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn cargo_guardfix_behaves_like_guardfix() {
    let direct = guardfix(manifest_dir(), &["check", "demo"]);
    let via_cargo_name = Command::new(env!("CARGO_BIN_EXE_cargo-guardfix"))
        .args(["guardfix", "check", "demo"])
        .current_dir(manifest_dir())
        .output()
        .unwrap();
    assert_eq!(via_cargo_name.status.code(), direct.status.code());
    assert_eq!(stdout(&via_cargo_name), stdout(&direct));
    assert_eq!(stderr(&via_cargo_name), stderr(&direct));
    assert_eq!(direct.status.code(), Some(1));

    // Through cargo itself, with the binary on PATH as `cargo install` puts it.
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_cargo-guardfix")).parent().unwrap();
    let path = std::env::join_paths(
        std::iter::once(bin_dir.to_owned())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap();
    let through_cargo = Command::new(env!("CARGO"))
        .args(["guardfix", "check", "demo"])
        .current_dir(manifest_dir())
        .env("PATH", path)
        .output()
        .unwrap();
    assert_eq!(through_cargo.status.code(), Some(1), "{}", stderr(&through_cargo));
    assert_eq!(stdout(&through_cargo), stdout(&direct));

    let help = Command::new(env!("CARGO_BIN_EXE_cargo-guardfix"))
        .args(["guardfix", "--help"])
        .output()
        .unwrap();
    assert!(help.status.success());
    assert!(stdout(&help).contains("Usage: cargo guardfix"), "{}", stdout(&help));
}
