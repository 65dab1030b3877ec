//! Turning findings and fixes into output: rustc-style diagnostics for people, NDJSON for tools,
//! unified diffs for `--diff`.
//!
//! Every function here is pure: it takes the file's text and returns a `String` or a JSON value,
//! and the CLI decides where it goes. Human renderings carry no trailing newline (the caller
//! separates diagnostics with a blank line, as rustc does); diffs are complete patch text and end
//! in a newline.

pub mod line_index;
