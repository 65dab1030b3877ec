//! `guardfix`: the command line lives in the library (`guardfix::cli`), shared with
//! `cargo guardfix`.

use std::process::ExitCode;

fn main() -> ExitCode {
    guardfix::cli::main_with_args(std::env::args_os())
}
