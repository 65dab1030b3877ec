//! Text prefilters: which files are worth parsing, decided from their text alone.
//!
//! Most files of an async workspace await something and lock nothing. A guard alive at an await
//! needs both an await and something that hands out a guard, and that something has a name the
//! file must spell: an acquiring method (`lock`, `read`, `borrow_mut`, `acquire`…), a guard type
//! (`MutexGuard`, `Ref`, `SemaphorePermit`, a configured one), a name whose words say it locks
//! or hands out a guard (the candidates `--semantic auto` asks types about), or one of the
//! crate's own fns, structs and aliases that give or hold a guard (the crate index knows them).
//! These checks look at whole identifiers, so `block_on` or `spawn_blocking` do not count as
//! `lock`, and they may say yes for nothing (`file.read(…)`), never no for a guard.

use rustc_hash::FxHashSet as HashSet;
use std::sync::{LazyLock, OnceLock};

use super::lock_types::FAMILIES;

/// Words without which a file cannot hold a guard across an await: no `await` keyword and no
/// awaiting macro means nothing to report, so the file need not even be parsed.
pub fn may_have_findings(text: &str) -> bool {
    static AWAITING: LazyLock<Finders> =
        LazyLock::new(|| Finders::new(&["await", "select!", "select_biased!", "join!"]));
    AWAITING.any_in(text)
}

/// Words without which a file declares nothing the index needs (locks, guards, their
/// aliases and the structs and fns that hold or return them), and calls without which none of
/// its fns locks what another fn of the crate may hold (`self.state.lock()`, `STATE.write()`).
pub fn may_declare_locks(text: &str) -> bool {
    static WORDS: LazyLock<Finders> = LazyLock::new(|| {
        Finders::new(&[
            "Mutex",
            "Lock",
            "RefCell",
            "Guard",
            "Ref<",
            "RefMut",
            "DashMap",
            "Semaphore",
            "Permit",
        ])
    });
    WORDS.any_in(text) || may_take_crate_locks(text)
}

/// Whether the text may lock a field of `self` or a static (`self.state.lock()`,
/// `STATE.write()`): such a fn's locks are what a call of it takes (`self_locks`), in
/// whichever file the caller is.
fn may_take_crate_locks(text: &str) -> bool {
    static CALLS: LazyLock<Vec<memchr::memmem::Finder<'static>>> = LazyLock::new(|| {
        [
            ".lock()",
            ".read()",
            ".write()",
            ".lock_arc()",
            ".read_arc()",
            ".write_arc()",
            ".blocking_lock()",
            ".blocking_read()",
            ".blocking_write()",
        ]
        .iter()
        .map(|call| memchr::memmem::Finder::new(call.as_bytes()))
        .collect()
    });
    calls_on_self_field_or_static(text, &CALLS)
}

/// Whether a fn body of the text may take a lock the crate index records (`self_locks`: any
/// lock-like method, whatever its arguments, on a field of `self`, a static or a parenthesised
/// place). Where it cannot, the file's fn bodies tell the index nothing and need not be parsed
/// (`parse::without_fn_bodies`). Says yes wherever `self_locks` may find a take.
pub fn fn_bodies_may_take_crate_locks(text: &str) -> bool {
    use super::lock_types::{BLOCKING_ACQUIRES, LOCK_LIKE_METHODS};
    static CALLS: LazyLock<Vec<memchr::memmem::Finder<'static>>> = LazyLock::new(|| {
        // What `self_locks` counts as a take: the lock-like methods but `try_…`, and tokio's
        // blocking ones.
        let taking = LOCK_LIKE_METHODS.iter().filter(|method| !method.starts_with("try_"));
        taking
            .chain(BLOCKING_ACQUIRES)
            .map(|method| memchr::memmem::Finder::new(&format!(".{method}(")).into_owned())
            .collect()
    });
    calls_on_self_field_or_static(text, &CALLS)
}

fn calls_on_self_field_or_static(text: &str, calls: &[memchr::memmem::Finder<'static>]) -> bool {
    let bytes = text.as_bytes();
    calls.iter().any(|finder| {
        finder.find_iter(bytes).any(|at| receiver_is_self_field_or_static(&bytes[..at]))
    })
}

/// Whether the receiver that ends `before` is `self.a.b` or an upper-case name (`STATE`,
/// `crate::STATE`): the places one fn's lock and another's can share. Whitespace before the
/// `.` is skipped (`self.state⏎    .lock()`, as rustfmt breaks a chain), and a parenthesised
/// receiver (`(&self.state).lock()`) counts, a call's result (`f().lock()`) does not.
fn receiver_is_self_field_or_static(before: &[u8]) -> bool {
    let is_word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let before = before.trim_ascii_end();
    if before.last() == Some(&b')') {
        return is_parenthesised(before);
    }
    // Back over `word . word . word` (whitespace allowed around the dots) to the root.
    let mut end = before.len();
    let root = loop {
        let mut start = end;
        while start > 0 && is_word(before[start - 1]) {
            start -= 1;
        }
        if start == end {
            return false;
        }
        // rustfmt breaks a chain before its dots, never after: `tests.⏎ ARMED` ends a sentence
        // of a comment.
        match before[..start].last() {
            Some(b'.') => end = before[..start - 1].trim_ascii_end().len(),
            _ => break &before[start..end],
        }
    };
    let is_static =
        root.iter().any(u8::is_ascii_uppercase) && !root.iter().any(u8::is_ascii_lowercase);
    root == b"self" || is_static
}

/// Whether the `)` that ends `before` closes a parenthesised expression rather than a call's
/// arguments (what precedes its `(` is no name, `>` or `!`).
fn is_parenthesised(before: &[u8]) -> bool {
    let mut depth = 0usize;
    for at in (0..before.len()).rev() {
        match before[at] {
            b')' => depth += 1,
            b'(' => {
                depth -= 1;
                if depth == 0 {
                    return !is_called(before[..at].trim_ascii_end());
                }
            }
            _ => {}
        }
    }
    false
}

/// Whether parentheses after `before` are a call's: it ends in a name (not a keyword such as
/// `while` or `return`), a turbofish's `>` or a macro's `!`.
fn is_called(before: &[u8]) -> bool {
    const KEYWORDS: &[&[u8]] =
        &[b"while", b"if", b"match", b"return", b"in", b"let", b"else", b"break", b"move"];
    let is_word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    match before.last() {
        Some(b'>' | b'!') => true,
        Some(&c) if is_word(c) => {
            let start = before.iter().rposition(|&c| !is_word(c)).map_or(0, |at| at + 1);
            !KEYWORDS.contains(&&before[start..])
        }
        _ => false,
    }
}

/// Substring searches, each with SIMD (`memchr::memmem`): these run over every file read.
struct Finders(Vec<memchr::memmem::Finder<'static>>);

impl Finders {
    fn new(words: &[&'static str]) -> Finders {
        Finders(words.iter().map(|word| memchr::memmem::Finder::new(word.as_bytes())).collect())
    }

    fn any_in(&self, text: &str) -> bool {
        self.0.iter().any(|finder| finder.find(text.as_bytes()).is_some())
    }
}

/// Whether the crate uses a map whose plain `get`/`entry` hand out guards (dashmap): only then
/// do those everyday method names count as acquisitions.
pub fn mentions_guarding_map(text: &str) -> bool {
    static WORDS: LazyLock<Finders> = LazyLock::new(|| Finders::new(&["DashMap", "dashmap"]));
    WORDS.any_in(text)
}

/// Whether the file names a guard type (so it may declare fns, structs or aliases that give or
/// hold one): without such a file, a crate has no guard-giving names of its own.
pub fn names_guard_type(text: &str, configured: &[String]) -> bool {
    identifiers(text)
        .any(|ident| is_guard_type_word(ident) || configured.iter().any(|c| c == ident))
}

/// The identifiers of a crate that hand out guards, for `may_hold_guards`.
#[derive(Clone, Debug, Default)]
pub struct GuardWords {
    /// Lock families' acquiring methods: they count unless their call is awaited.
    acquiring: HashSet<String>,
    /// With a guarding map's `get`/`entry` among `acquiring` (which fixed automaton to use).
    guarding_map: bool,
    /// The configured guard types and the crate's guard-giving names: they always count.
    named: HashSet<String>,
    /// Async locks are reported (`--include-async-locks`): an awaited acquisition counts too.
    async_locks: bool,
    /// The `named` words, any case, for their own search (built on first use): the words
    /// every crate shares have one automaton per process (`fixed_candidates`), as building one
    /// per crate was a tenth of a warm run on a workspace of many crates.
    named_candidates: OnceLock<Option<aho_corasick::AhoCorasick>>,
}

/// A guarding map's methods: acquiring only in a crate that uses such a map.
const MAP_METHODS: &[&str] = &["get", "get_mut", "entry", "try_get", "try_get_mut", "try_entry"];

/// Every lock family's acquiring methods (a guarding map's only with `guarding_map`).
fn acquiring_methods(guarding_map: bool) -> impl Iterator<Item = &'static str> {
    FAMILIES
        .iter()
        .flat_map(|family| family.acquire_methods.iter().copied())
        .filter(move |method| guarding_map || !MAP_METHODS.contains(method))
}

/// What `may_hold_guards` looks at in every crate: the acquiring methods and the guard stems
/// (a guard type word, `…Guard`, `…Permit`, `Ref`, `…Lock`, contains one), any case.
fn fixed_candidates(guarding_map: bool) -> &'static aho_corasick::AhoCorasick {
    static WITH_MAP: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();
    static WITHOUT_MAP: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();
    let built = if guarding_map { &WITH_MAP } else { &WITHOUT_MAP };
    built.get_or_init(|| {
        let stems = ["lock", "guard", "borrow", "acquire", "permit", "ref"];
        // A DFA: built once, it scans every awaiting file (the default for this many
        // case-insensitive words, an NFA, was a sixth of a warm run).
        let kind = Some(aho_corasick::AhoCorasickKind::DFA);
        case_insensitive_words(acquiring_methods(guarding_map).chain(stems), kind)
            .expect("plain words build an automaton")
    })
}

/// An automaton for these words in any case (`kind`: the builder's choice when `None`).
fn case_insensitive_words<'a>(
    words: impl Iterator<Item = &'a str>,
    kind: Option<aho_corasick::AhoCorasickKind>,
) -> Option<aho_corasick::AhoCorasick> {
    aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .kind(kind)
        .build(words.filter(|word| !word.is_empty()))
        .ok()
}

impl GuardWords {
    /// Every lock family's acquiring methods (a guarding map's `get`/`entry` only when
    /// `guarding_map`), the configured guard types' names, and the crate's guard-giving names.
    pub fn new(
        guarding_map: bool,
        configured: &[String],
        crate_names: &[String],
        async_locks: bool,
    ) -> GuardWords {
        let acquiring = acquiring_methods(guarding_map).map(str::to_owned).collect();
        let named = configured.iter().chain(crate_names).cloned().collect();
        GuardWords {
            acquiring,
            guarding_map,
            named,
            async_locks,
            named_candidates: OnceLock::new(),
        }
    }

    /// Which words these are, for the cache of `may_hold_guards`'s answers (per file content).
    pub fn key(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut named: Vec<&str> = self.named.iter().map(String::as_str).collect();
        named.sort_unstable();
        let mut hasher = rustc_hash::FxHasher::default();
        (self.guarding_map, self.async_locks, named).hash(&mut hasher);
        hasher.finish()
    }

    pub fn add(&mut self, names: impl IntoIterator<Item = String>) {
        self.named.extend(names);
        self.named_candidates = OnceLock::new();
    }

    /// The automata whose matches are worth a look: an identifier `may_hold_guards` accepts
    /// contains a match of one of them.
    fn candidates(&self) -> impl Iterator<Item = &aho_corasick::AhoCorasick> {
        let named = self.named_candidates.get_or_init(|| {
            let words = self.named.iter().map(String::as_str);
            if self.named.is_empty() { None } else { case_insensitive_words(words, None) }
        });
        std::iter::once(fixed_candidates(self.guarding_map)).chain(named.as_ref())
    }
}

/// Whether a file (that awaits) may hold a guard: one of its identifiers is a configured or
/// guard-giving name, names a guard type, or is an acquiring method (`read` and `write` only
/// called without arguments: see `is_io_word`) or a name whose words say it locks or hands out
/// a guard (`lock_state`, `state_guard`, `acquire_slot`), called (`calls_it`) and not awaited.
/// `self.state.read().await` is an async lock's acquisition: it never gives a blocking lock's
/// guard (the analysis says so too), so in a tokio-locked crate it is no reason to parse the
/// file unless async locks are reported.
pub fn may_hold_guards(text: &str, words: &GuardWords) -> bool {
    let holds = |start: usize, ident: &str| identifier_may_hold(ident, &text[start..], words);
    // Only the identifiers that contain a candidate word, each looked at once per automaton.
    let bytes = text.as_bytes();
    let is_word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    words.candidates().any(|candidates| {
        let mut looked_to = 0;
        // Any match in an identifier gets it looked at, so no match may hide one: words never
        // cross an identifier's end, and each identifier is looked at once.
        candidates.find_iter(text).any(|found| {
            if found.start() < looked_to {
                return false;
            }
            let start =
                bytes[..found.start()].iter().rposition(|&c| !is_word(c)).map_or(0, |at| at + 1);
            let end = bytes[found.end()..]
                .iter()
                .position(|&c| !is_word(c))
                .map_or(bytes.len(), |at| found.end() + at);
            looked_to = end;
            // A run that starts with a digit is a number (`1u8`), as `identifiers_at` reads it.
            !bytes[start].is_ascii_digit() && holds(start, &text[start..end])
        })
    })
}

/// What `may_hold_guards` says of one identifier, `ident`, where `from` (the text from it on)
/// starts.
fn identifier_may_hold(ident: &str, from: &str, words: &GuardWords) -> bool {
    if words.named.contains(ident) || is_guard_type_word(ident) {
        return true;
    }
    let acquiring = words.acquiring.contains(ident) || has_guard_word(ident);
    let rest = &from[ident.len()..];
    acquiring
        && calls_it(rest)
        && (!is_io_word(ident) || is_call_without_arguments(rest))
        && (words.async_locks || !is_awaited_call(rest))
}

/// Whether `rest`, the text after a name, calls it: `(` or a turbofish's `::<`, after any
/// whitespace. Every guard the analysis knows by a method's or a fn's name comes from a call
/// (`m.lock()`, `cell.borrow_mut()`, `lock_state()`); the same words as a field, a module, a
/// local or a crate's name (`self.lock.read()`, `use rustfs_lock::…`, `let guard = …` whose
/// value a call spelled elsewhere gave) take nothing. Names that give guards wherever they are
/// spelled (guard types, the crate's guard-giving names) do not need a call.
fn calls_it(rest: &str) -> bool {
    let rest = rest.trim_start();
    rest.starts_with('(') || rest.starts_with("::<")
}

/// Acquiring methods that are also I/O's: only `read()` and `write()` without arguments take a
/// lock (every lock family's take none, and a call with arguments is never a candidate for
/// types), `reader.read(&mut buf)`, `fs::write(path, data)`, `write!(f, …)` and a `read: bool`
/// field hold no guard. A crate method `read(&self, key)` that returns one is a guard-giving
/// name of the crate, which counts wherever it is spelled.
fn is_io_word(ident: &str) -> bool {
    matches!(ident, "read" | "write")
}

/// Whether `rest`, the text after a name, is a call without arguments: `()`, maybe with
/// whitespace around and inside the parentheses.
fn is_call_without_arguments(rest: &str) -> bool {
    rest.trim_start().strip_prefix('(').is_some_and(|inside| inside.trim_start().starts_with(')'))
}

/// Whether `rest`, the text after a name, is a call whose result is awaited: `(…)` then
/// `.await`, with any whitespace between. Arguments holding quotes, comments, blocks or
/// nested calls are not looked into (the answer is then "no", which only costs a parse).
fn is_awaited_call(rest: &str) -> bool {
    let rest = rest.trim_start();
    let Some(arguments) = rest.strip_prefix('(') else { return false };
    let Some(close) = arguments.find([')', '(', '"', '\'', '/', '{', ';']) else {
        return false;
    };
    if !arguments[close..].starts_with(')') {
        return false;
    }
    let after = arguments[close + 1..].trim_start();
    let Some(after) = after.strip_prefix('.') else { return false };
    let after = after.trim_start();
    after
        .strip_prefix("await")
        .is_some_and(|tail| !tail.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
}

/// Guard types by their names: `…Guard`, `…Permit`, `Ref`, `RefMut`, stdio's `…Lock`s.
fn is_guard_type_word(ident: &str) -> bool {
    ident.ends_with("Guard")
        || ident.ends_with("Permit")
        || matches!(ident, "Ref" | "RefMut" | "StdoutLock" | "StderrLock" | "StdinLock")
}

/// Whether one of the snake_case/CamelCase words of `ident` is a locking or guard word: what
/// `lock_types::may_return_guard` (the candidates for types) and guard type names are made of.
fn has_guard_word(ident: &str) -> bool {
    // Type and variant names (`RwLock`, `Ordering::Acquire`) give no guard by being named:
    // guard types are `is_guard_type_word`'s, and a crate's guard-holding struct is one of its
    // guard-giving names. Calls that may return a guard are snake_case.
    if ident.starts_with(|c: char| c.is_ascii_uppercase()) {
        return false;
    }
    if ident.len() < 4 || !contains_guard_stem(ident.as_bytes()) {
        return false;
    }
    const WORDS: &[&str] = &["lock", "locked", "guard", "borrow", "acquire", "permit"];
    words_of(ident).any(|word| WORDS.iter().any(|w| word.eq_ignore_ascii_case(w)))
}

/// Whether `lock`, `guard`, `borrow`, `acquire` or `permit` occurs in the identifier, in any
/// case: one pass, as this runs on every identifier of every awaiting file.
fn contains_guard_stem(ident: &[u8]) -> bool {
    const STEMS: &[&[u8]] = &[b"lock", b"guard", b"borrow", b"acquire", b"permit"];
    (0..ident.len()).any(|at| {
        let first = ident[at].to_ascii_lowercase();
        matches!(first, b'l' | b'g' | b'b' | b'a' | b'p')
            && STEMS.iter().any(|stem| {
                stem[0] == first
                    && ident.len() - at >= stem.len()
                    && ident[at..at + stem.len()].eq_ignore_ascii_case(stem)
            })
    })
}

/// The words of an identifier: split at `_` and before an upper-case letter that follows a
/// lower-case one (`RwLockReadGuard` → `Rw`, `Lock`, `Read`, `Guard`).
fn words_of(ident: &str) -> impl Iterator<Item = &str> {
    ident.split('_').flat_map(|part| {
        let bytes = part.as_bytes();
        let mut starts = vec![0];
        for i in 1..bytes.len() {
            if bytes[i].is_ascii_uppercase() && bytes[i - 1].is_ascii_lowercase() {
                starts.push(i);
            }
        }
        starts.push(bytes.len());
        (0..starts.len() - 1).map(move |w| &part[starts[w]..starts[w + 1]])
    })
}

/// The identifier-like runs of `text` (ASCII letters, digits, `_`, not starting with a digit),
/// comments and strings included: a prefilter may only err towards parsing.
fn identifiers(text: &str) -> impl Iterator<Item = &str> {
    identifiers_at(text).map(|(_, ident)| ident)
}

/// `identifiers`, each with its byte offset.
fn identifiers_at(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < bytes.len() {
            let start = at;
            if bytes[at].is_ascii_alphabetic() || bytes[at] == b'_' {
                while at < bytes.len() && (bytes[at].is_ascii_alphanumeric() || bytes[at] == b'_') {
                    at += 1;
                }
                return Some((start, &text[start..at]));
            }
            // Skip a run of digits with its suffix (`1u8`) as one token, then any other byte.
            if bytes[at].is_ascii_digit() {
                while at < bytes.len() && (bytes[at].is_ascii_alphanumeric() || bytes[at] == b'_') {
                    at += 1;
                }
            } else {
                at += 1;
            }
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `may_hold_guards` as it was written first, every identifier looked up: the automaton
    /// must answer as it does.
    fn may_hold_guards_by_scan(text: &str, words: &GuardWords) -> bool {
        identifiers_at(text).any(|(start, ident)| identifier_may_hold(ident, &text[start..], words))
    }

    #[test]
    fn candidate_words_answer_as_looking_at_every_identifier() {
        let named = ["state".to_owned(), "Ticket".to_owned()];
        let all_words = [
            GuardWords::new(false, &[], &[], false),
            GuardWords::new(true, &["MyGuard".to_owned()], &named, true),
        ];
        let mut texts = crate::test_support::repository_rust_texts(&["src", "transforms", "tests"]);
        // Every line alone too: most of them say no, some yes.
        let lines: Vec<String> =
            texts.iter().flat_map(|text| text.lines().map(str::to_owned)).collect();
        texts.extend(lines);
        texts.extend(["1lock", "x.Lock", "état.lock()", "r#lock()", "lock", ""].map(String::from));
        let (mut yes, mut no) = (0, 0);
        for words in &all_words {
            for text in &texts {
                let expected = may_hold_guards_by_scan(text, words);
                assert_eq!(may_hold_guards(text, words), expected, "{text}");
                if expected { yes += 1 } else { no += 1 }
            }
        }
        assert!(yes > 100 && no > 100, "{yes} yes, {no} no");
    }

    fn base() -> GuardWords {
        GuardWords::new(false, &[], &[], false)
    }

    #[test]
    fn fns_locking_self_fields_or_statics_declare_what_calls_take() {
        for text in [
            "fn load(&self) { self.state.lock().await; }",
            "fn f() { self.inner.cache.write().unwrap(); }",
            "fn bump() { crate::TABLE.lock().unwrap(); }",
            "fn g() { STATE_2.read(); }",
            "fn h(&self) { self.table.blocking_write(); }",
            "fn i(&self) { self.inner\n        .state\n        .lock()\n        .unwrap(); }",
            "fn k(&self) { let g = self\n            .state\n            .lock(); }",
            "fn l() { let id = REGISTRY\n            .free\n            .lock(); }",
            "fn j(&self) { (&self.state).lock(); }",
        ] {
            assert!(may_declare_locks(text), "{text}");
            assert!(fn_bodies_may_take_crate_locks(text), "{text}");
        }
        for text in [
            "fn f(m: &M) { m.lock(); }",
            "fn f() { file.read(); myself.a.lock(); }",
            "fn f(&self) { self.state().lock(); make::<u8>(x).lock(); }",
        ] {
            assert!(!may_declare_locks(text), "{text}");
            assert!(!fn_bodies_may_take_crate_locks(text), "{text}");
        }
        // Whatever the arguments, and RefCell's borrows: what `self_locks` counts as a take.
        for text in [
            "self.file.read(&mut buf)",
            "self.cell.borrow_mut()",
            "S.read_recursive()",
            "while (&self.read_stream).read(&mut [0; 64]).is_ok() {}",
            "// the rest of the tests.\n        ARMED.lock()",
        ] {
            assert!(fn_bodies_may_take_crate_locks(text), "{text}");
        }
    }

    #[test]
    fn acquiring_methods_and_guard_types_count() {
        for text in [
            "x.lock().unwrap()",
            "self.state.read()",
            "cell.borrow_mut()",
            "let g: MutexGuard<'_, u8>",
            "fn f(r: Ref<'_, u8>)",
            "let p: OwnedSemaphorePermit",
            "let s = self.lock_state();",
            "let s = self.state_guard();",
            "let s = STATE.locked();",
            "let p = sem.acquire_owned();",
            "std::io::stdout().lock()",
        ] {
            assert!(may_hold_guards(text, &base()), "{text}");
        }
    }

    #[test]
    fn words_inside_other_words_do_not() {
        for text in [
            "rt.block_on(f)",
            "tokio::task::spawn_blocking(f).await",
            "let unlocked_count = 1; clock.tick().await",
            "let reference = 1; x.refresh().await",
            "map.get(&k); m.entry(k)",
            "let x = 1u8; foo.await",
        ] {
            assert!(!may_hold_guards(text, &base()), "{text}");
        }
    }

    #[test]
    fn an_awaited_acquisition_counts_only_with_async_locks() {
        for text in [
            "self.state.read().await",
            "let g = self.m.lock()\n        .await;",
            "let p = sem.acquire_owned().await?;",
            "self.lock_for(id, kind).await",
        ] {
            assert!(!may_hold_guards(text, &base()), "{text}");
            assert!(may_hold_guards(text, &GuardWords::new(false, &[], &[], true)), "{text}");
        }
        for text in [
            "self.state.read().unwrap(); x.await",
            "self.m.lock().awaiting()",
            "self.m.lock(f(x)).await",
            "self.m.lock(\")\").await",
        ] {
            assert!(may_hold_guards(text, &base()), "{text}");
        }
        let named = GuardWords::new(false, &[], &["lock".to_owned()], false);
        assert!(may_hold_guards("self.lock().await", &named), "a crate's own guard-giving fn");
    }

    #[test]
    fn io_reads_and_writes_are_not_acquisitions() {
        let with_async_locks = GuardWords::new(false, &[], &[], true);
        for text in [
            "let n = reader.read(&mut buf).await?;",
            "stream.write(&frame).await?;",
            "tokio::fs::write(path, data).await?;",
            "let bytes = std::fs::read(&path)?;",
            "write!(f, \"{}\", self.name)?;",
            "struct Access { read: bool, write: bool }",
        ] {
            assert!(!may_hold_guards(text, &base()), "{text}");
            assert!(!may_hold_guards(text, &with_async_locks), "{text}");
        }
        for text in ["let g = self.state.read();", "let g = lock.write ( ).unwrap();"] {
            assert!(may_hold_guards(text, &base()), "{text}");
        }
        assert!(may_hold_guards("let g = self.state.write().await;", &with_async_locks));
        // A crate's own `read(&self, key)` that gives a guard is one of its guard-giving names.
        let named = GuardWords::new(false, &[], &["read".to_owned()], false);
        assert!(may_hold_guards("let g = self.store.read(&key);", &named));
    }

    #[test]
    fn lock_words_count_only_where_they_are_called() {
        let with_async_locks = GuardWords::new(false, &[], &[], true);
        for text in [
            "use rustfs_lock::LockApi;",
            "let n = self.lock.clone();",
            "struct S { guard: Arc<S>, lock_state: u8 }",
            "drop(_guard);",
            "mod lock;",
        ] {
            assert!(!may_hold_guards(text, &base()), "{text}");
            assert!(!may_hold_guards(text, &with_async_locks), "{text}");
        }
        for text in [
            "let g = m.lock ();",
            "let g = cell.borrow_mut();",
            "let g = lock_state(&shared);",
            "let g = self.slot_guard::<u8>();",
        ] {
            assert!(may_hold_guards(text, &base()), "{text}");
        }
        // A guard type and a crate's guard-giving name count wherever they are spelled.
        assert!(may_hold_guards("fn f(g: MutexGuard<'_, u8>) {}", &base()));
        let named = GuardWords::new(false, &[], &["state".to_owned()], false);
        assert!(may_hold_guards("let s = &self.state;", &named));
    }

    #[test]
    fn a_guarding_map_makes_get_an_acquisition() {
        let words = GuardWords::new(true, &[], &[], false);
        assert!(may_hold_guards("self.sessions.get(&id)", &words));
    }

    #[test]
    fn configured_and_crate_names_count() {
        let words = GuardWords::new(false, &["Held".to_owned()], &["state".to_owned()], false);
        assert!(may_hold_guards("let h: Held = make();", &words));
        assert!(may_hold_guards("let s = self.state();", &words));
        assert!(!may_hold_guards("let s = self.status();", &words));
    }

    #[test]
    fn identifier_words() {
        let words: Vec<&str> = words_of("RwLockReadGuard").collect();
        assert_eq!(words, ["Rw", "Lock", "Read", "Guard"]);
        let words: Vec<&str> = words_of("try_lock_for").collect();
        assert_eq!(words, ["try", "lock", "for"]);
        assert!(has_guard_word("state_lock"));
        assert!(!has_guard_word("STATE_LOCK"));
        assert!(!has_guard_word("RwLock"));
        assert!(!has_guard_word("Blocking"));
    }
}
