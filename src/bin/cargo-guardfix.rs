//! `cargo guardfix …`: cargo runs `cargo-guardfix guardfix …`; drop the `guardfix` it adds and
//! run the same command line as `guardfix`.

use std::ffi::OsString;
use std::process::ExitCode;

// mimalloc (rust-analyzer's and ruff's choice): parsing thousands of files in parallel is
// allocation-heavy, and glibc's malloc was a fifth of a cold `check` (perf, matrix-rust-sdk).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let mut args: Vec<OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|arg| arg == "guardfix") {
        args.remove(1);
    }
    // Usage and help then say `cargo guardfix`, the way it was called.
    if let Some(program) = args.first_mut() {
        *program = "cargo guardfix".into();
    }
    guardfix::cli::main_with_args(args)
}
