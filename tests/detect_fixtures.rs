//! Detection fixtures: every file under `transforms/detect/` is analysed in editions 2021 and
//! 2024, and its findings are compared with the snapshot under `snapshots/`.
//!
//! Each finding is one line: `line:col kind binding lock::method held-because awaits@lines
//! released@line suggestion`, followed by the acquiring source line, so a reviewer sees the
//! rule at work without opening the fixture.

use guardfix::analyse::{CheckOptions, check_source};
use guardfix::discover::Edition;
use guardfix::finding::Finding;
use guardfix::render::line_index::LineIndex;

fn describe(text: &str, findings: &[Finding]) -> String {
    let index = LineIndex::new(text);
    let line = |offset: u32| index.line_col(offset).0;
    let mut out = String::new();
    for finding in findings {
        let (acquire_line, acquire_col) = index.line_col(finding.acquire.start);
        let awaits: Vec<String> =
            finding.awaits.iter().map(|span| line(span.start).to_string()).collect();
        out.push_str(&format!(
            "{acquire_line}:{acquire_col} {} {} {}::{} {} awaits@{} released@{} {}\n",
            finding.kind.code(),
            finding.binding.as_deref().map_or("(temporary)".to_owned(), |b| format!("`{b}`")),
            finding.lock,
            finding.acquire_method,
            serde_json::to_value(finding.held_because).unwrap().as_str().unwrap(),
            awaits.join(","),
            finding.released_at.map_or("-".to_owned(), |span| line(span.start).to_string()),
            finding.suggested.map_or("no-fix", |strategy| strategy.name()),
        ));
        if let Some(first) = finding.held_since {
            out.insert_str(out.len() - 1, &format!(" first@{}", line(first.start)));
        }
        let source_line = text.lines().nth(acquire_line as usize - 1).unwrap_or("").trim();
        out.push_str(&format!("    | {source_line}\n"));
    }
    if out.is_empty() {
        out.push_str("(no findings)\n");
    }
    out
}

fn report(text: &str, options: CheckOptions) -> String {
    let e2021 = describe(text, &check_source(text, Edition::Edition2021, options));
    let e2024 = describe(text, &check_source(text, Edition::Edition2024, options));
    if e2021 == e2024 {
        format!("== editions 2021 and 2024 ==\n{e2021}")
    } else {
        format!("== edition 2021 ==\n{e2021}\n== edition 2024 ==\n{e2024}")
    }
}

#[test]
fn detect_fixtures() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::glob!("../transforms/detect", "*.rs", |path| {
            let text = std::fs::read_to_string(path).unwrap();
            let options = CheckOptions {
                include_async_locks: text.contains("// options: include-async-locks"),
                deadlocks: !text.contains("// options: no-deadlocks"),
            };
            insta::assert_snapshot!(report(&text, options));
        });
    });
}
