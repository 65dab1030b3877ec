//! A command-line front end: stdout and stdin locks next to async work.

use std::io::{self, BufRead, Write};

async fn flush_remote() {
    tokio::task::yield_now().await;
}

/// A stdout lock taken for a burst of lines, released before the remote flush.
pub async fn print_header(title: &str) -> io::Result<usize> {
    let mut out = io::stdout().lock();
    writeln!(out, "== {title} ==")?;
    let written = title.len() + 6;
    flush_remote().await;
    Ok(written)
}

/// Lines read from any reader under its lock and handled one by one.
pub async fn count_lines(input: impl BufRead) -> usize {
    let mut lines = input.lines();
    let mut count = 0;
    while let Some(Ok(_line)) = lines.next() {
        flush_remote().await;
        count += 1;
    }
    count
}

/// A stdout lock used before and after the await: it cannot be switched to tokio's.
pub async fn progress(steps: u32) -> io::Result<u32> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    write!(out, "working")?;
    flush_remote().await;
    writeln!(out, " done ({steps})")?;
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn prints_and_counts() {
        assert_eq!(print_header("t").await.unwrap(), 7);
        assert_eq!(count_lines(io::Cursor::new("a\nb\n")).await, 2);
        assert_eq!(progress(3).await.unwrap(), 3);
    }
}

#[cfg(feature = "send-checks")]
mod send_checks {
    fn assert_send<T: Send>(_: T) {}

    #[test]
    fn futures_are_send() {
        assert_send(super::print_header("t"));
        assert_send(super::progress(1));
    }
}
