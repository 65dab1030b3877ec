//! Fuzz target: deeply nested code around a guard held across an await, built from the input
//! (a nesting depth and a sequence of shapes: binary operators, parentheses, blocks, method
//! calls, `if`/`else`, closures, macro calls), through `check_source` and `fix_file` on a thread
//! with the stack guardfix's own threads have. Neither may overflow or panic, and within the
//! nesting guardfix analyses the guard must be found.
//! `cargo +nightly fuzz run deep_nesting`.

#![no_main]

use guardfix::analyse::{CheckOptions, check_source};
use guardfix::discover::Edition;
use guardfix::edit::engine::{FixOptions, StrategyChoice, fix_file};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [high, low, shapes @ ..] = data else { return };
    let depth = usize::from(u16::from_be_bytes([*high, *low]) % 5000);
    if shapes.is_empty() {
        return;
    }
    let (mut open, mut close) = (String::new(), String::new());
    let mut levels = 0;
    for at in 0..depth {
        let (before, after, tree_levels) = match shapes[at % shapes.len()] % 7 {
            0 => ("1 + ", "", 2),
            1 => ("(", ")", 1),
            2 => ("{ ", " }", 3),
            3 => ("", ".max(1)", 2),
            4 => ("if true { ", " } else { 1 }", 4),
            5 => ("(|| ", ")()", 4),
            _ => ("std::convert::identity(", ")", 3),
        };
        open.push_str(before);
        close.insert_str(0, after);
        levels += tree_levels;
    }
    let text = format!(
        "use std::sync::Mutex;\nasync fn tick() {{}}\nasync fn f(m: &Mutex<u64>) -> u64 {{\n    let g = m.lock().unwrap();\n    tick().await;\n    let deep: u64 = {open}0{close};\n    *g + deep\n}}\n"
    );
    let found = std::thread::Builder::new()
        .stack_size(guardfix::parse::ANALYSIS_STACK)
        .spawn(move || {
            let findings = check_source(&text, Edition::Edition2021, CheckOptions::default());
            let options =
                FixOptions { strategy: StrategyChoice::Auto, unsafe_fixes: true, check: CheckOptions::default() };
            let _ = fix_file(&text, Edition::Edition2021, None, options);
            findings.len()
        })
        .expect("a thread")
        .join()
        .expect("neither panics nor overflows");
    if levels + 20 < guardfix::parse::MAX_NESTING {
        assert_eq!(found, 1, "the guard is lost at depth {depth}");
    }
});
