//! `guardfix fix`: placeholder until the fix engine lands.

use std::path::Path;
use std::process::ExitCode;

use crate::driver::RunOptions;

#[derive(clap::Args, Debug, Default)]
pub struct FixArgs {
    /// Rewrite the files in place (default: print a diff and change nothing).
    #[arg(long)]
    pub write: bool,
}

pub fn run(_path: &Path, _options: RunOptions, _args: &FixArgs, _color: bool) -> ExitCode {
    eprintln!("error: `guardfix fix` is not implemented yet");
    ExitCode::from(2)
}
