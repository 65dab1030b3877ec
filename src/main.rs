//! `guardfix`: the command line lives in the library (`guardfix::cli`), shared with
//! `cargo guardfix`.

use std::process::ExitCode;

// mimalloc (rust-analyzer's and ruff's choice): parsing thousands of files in parallel is
// allocation-heavy, and glibc's malloc was a fifth of a cold `check` (perf, matrix-rust-sdk).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    guardfix::cli::main_with_args(std::env::args_os())
}
