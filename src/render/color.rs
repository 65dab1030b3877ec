//! Whether to colour output: `--color auto|always|never` plus the `NO_COLOR` and
//! `CLICOLOR_FORCE` conventions.
//!
//! ```text
//! --color auto, stdout is a terminal, NO_COLOR=1   → no colour
//! --color auto, piped, CLICOLOR_FORCE=1            → colour
//! --color always / never                           → as asked, whatever the environment says
//! ```
//!
//! The decision is a pure function of the flag, the terminal check and the two variables, so it
//! is tested without touching the process environment; [`color_choice`] only reads the env.

use std::ffi::OsStr;

/// Whether to colour a stream, reading `NO_COLOR` and `CLICOLOR_FORCE` from the environment.
///
/// `flag` is the `--color` value; anything other than `always` or `never` is treated as `auto`
/// (the CLI's argument parser is the place to reject typos).
pub fn color_choice(flag: &str, stream_is_terminal: bool) -> bool {
    let no_color = std::env::var_os("NO_COLOR");
    let clicolor_force = std::env::var_os("CLICOLOR_FORCE");
    decide(flag, stream_is_terminal, no_color.as_deref(), clicolor_force.as_deref())
}

/// The precedence is anstream's: an explicit flag wins, then `NO_COLOR`, then `CLICOLOR_FORCE`,
/// then whether the stream is a terminal.
fn decide(
    flag: &str,
    stream_is_terminal: bool,
    no_color: Option<&OsStr>,
    clicolor_force: Option<&OsStr>,
) -> bool {
    match flag {
        "always" => true,
        "never" => false,
        _ if no_color.is_some_and(|v| !v.is_empty()) => false,
        // https://bixense.com/clicolors/: any value other than `0` forces colour.
        _ if clicolor_force.is_some_and(|v| !v.is_empty() && v != "0") => true,
        _ => stream_is_terminal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(value: &str) -> Option<&OsStr> {
        Some(OsStr::new(value))
    }

    #[test]
    fn auto_follows_the_terminal() {
        assert!(decide("auto", true, None, None));
        assert!(!decide("auto", false, None, None));
    }

    #[test]
    fn explicit_flag_ignores_the_environment() {
        assert!(decide("always", false, env("1"), None));
        assert!(!decide("never", true, None, env("1")));
    }

    #[test]
    fn no_color_disables_auto_unless_empty() {
        assert!(!decide("auto", true, env("1"), None));
        assert!(decide("auto", true, env(""), None));
    }

    #[test]
    fn clicolor_force_enables_auto_unless_zero_or_empty() {
        assert!(decide("auto", false, None, env("1")));
        assert!(!decide("auto", false, None, env("0")));
        assert!(!decide("auto", false, None, env("")));
    }

    #[test]
    fn no_color_beats_clicolor_force() {
        assert!(!decide("auto", true, env("1"), env("1")));
    }

    #[test]
    fn unknown_flag_acts_as_auto() {
        assert!(decide("sometimes", true, None, None));
        assert!(!decide("sometimes", false, None, None));
    }
}
