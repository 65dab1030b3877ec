//! `guardfix lsp`, driven over stdio as an editor drives it: initialize, open, change, save,
//! code actions and their resolution, shutdown. The fixtures are ASCII, so the test's own
//! position arithmetic (columns as bytes) is the protocol's UTF-16.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use common::{guardfix, scratch_copy, stderr};

/// Long enough for rust-analyzer's load on a slow CI machine; a hang fails instead of blocking.
const PATIENCE: Duration = Duration::from_secs(120);

/// An editor's side of the connection.
struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    /// Notifications read while waiting for something else.
    notifications: Vec<Value>,
    next_id: i64,
}

impl Client {
    /// Starts the server and does the handshake with `root` as the workspace folder.
    fn start(root: &Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_guardfix"))
            .arg("lsp")
            .env("CARGO_TARGET_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e-projects"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("guardfix lsp starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, incoming) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
        let mut client = Client { child, stdin, incoming, notifications: Vec::new(), next_id: 0 };
        let capabilities = json!({
            "general": { "positionEncodings": ["utf-16"] },
            "textDocument": { "codeAction": { "resolveSupport": { "properties": ["edit"] } } },
        });
        let folder = json!([{ "uri": uri(root), "name": "project" }]);
        let result = client.request(
            "initialize",
            json!({ "processId": null, "rootUri": null, "capabilities": capabilities, "workspaceFolders": folder }),
        );
        let capabilities = &result["result"]["capabilities"];
        assert_eq!(capabilities["positionEncoding"], "utf-16", "{result}");
        assert_eq!(capabilities["codeActionProvider"]["resolveProvider"], true, "{result}");
        client.notify("initialized", json!({}));
        client
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and returns its response (with `result` or `error`).
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        self.wait_for(|message| message["id"] == id && message.get("method").is_none())
    }

    /// The next message `wanted` accepts; notifications met on the way are kept.
    fn wait_for(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(at) = self.notifications.iter().position(&wanted) {
            return self.notifications.remove(at);
        }
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(message) if wanted(&message) => return message,
                Ok(message) => self.notifications.push(message),
                Err(RecvTimeoutError::Timeout) => panic!(
                    "no awaited message from the server in {PATIENCE:?}; got {:#?}",
                    self.notifications
                ),
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("the server hung up; it said {:#?}", self.notifications)
                }
            }
        }
    }

    /// The diagnostics published for `file` at document `version`.
    fn diagnostics(&mut self, file: &Path, version: i64) -> Vec<Value> {
        let uri = uri(file);
        let message = self.wait_for(|message| {
            message["method"] == "textDocument/publishDiagnostics"
                && message["params"]["uri"] == uri
                && message["params"]["version"] == version
        });
        message["params"]["diagnostics"].as_array().unwrap().clone()
    }

    fn open(&mut self, file: &Path, text: &str) {
        let document =
            json!({ "uri": uri(file), "languageId": "rust", "version": 1, "text": text });
        self.notify("textDocument/didOpen", json!({ "textDocument": document }));
    }

    fn change(&mut self, file: &Path, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri(file), "version": version },
                "contentChanges": [{ "text": text }],
            }),
        );
    }

    fn code_actions(&mut self, file: &Path, range: &Value, only: Option<&[&str]>) -> Vec<Value> {
        let mut context = json!({ "diagnostics": [] });
        if let Some(only) = only {
            context["only"] = json!(only);
        }
        let response = self.request(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": uri(file) }, "range": range, "context": context }),
        );
        response["result"].as_array().unwrap_or_else(|| panic!("{response}")).clone()
    }

    /// Shuts the server down as the protocol asks; returns its exit code.
    fn shut_down(mut self) -> Option<i32> {
        let response = self.request("shutdown", Value::Null);
        assert!(response.get("error").is_none(), "{response}");
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length: ") {
            length = value.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn uri(path: &Path) -> String {
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    format!("file://{}", path.display())
}

/// Applies LSP text edits (ASCII text: columns are bytes).
fn apply(text: &str, edits: &[Value]) -> String {
    let line_starts: Vec<usize> =
        std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
    let offset = |position: &Value| {
        let line = position["line"].as_u64().unwrap() as usize;
        let character = position["character"].as_u64().unwrap() as usize;
        line_starts.get(line).map_or(text.len(), |start| start + character)
    };
    let mut edits: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|edit| {
            let range = &edit["range"];
            (offset(&range["start"]), offset(&range["end"]), edit["newText"].as_str().unwrap())
        })
        .collect();
    edits.sort_by_key(|&(start, _, _)| std::cmp::Reverse(start));
    let mut out = text.to_owned();
    for (start, end, new) in edits {
        out.replace_range(start..end, new);
    }
    out
}

/// The edits a workspace edit makes to the file at `file`.
fn edits_for<'a>(edit: &'a Value, file: &Path) -> &'a [Value] {
    edit["changes"][uri(file)].as_array().map_or(&[], Vec::as_slice)
}

fn scoped_project() -> (tempfile::TempDir, PathBuf) {
    let (scratch, project) = scratch_copy("tests/projects/clippy_agreement");
    std::fs::write(project.join("guardfix.toml"), "strategy = \"scope\"\n").unwrap();
    (scratch, project)
}

fn codes(diagnostics: &[Value]) -> Vec<&str> {
    diagnostics.iter().map(|diagnostic| diagnostic["code"].as_str().unwrap()).collect()
}

/// Diagnostics follow the buffer (unsaved edits included), quick fixes and "allow this here"
/// remove the finding they are for, fix-all gives what `fix --write` writes, and files that
/// cannot be analysed neither crash the server nor stop the others.
#[test]
fn diagnostics_and_fixes_follow_the_editor_s_text() {
    let (_scratch, project) = scoped_project();
    let lib = project.join("src/lib.rs");
    let original = std::fs::read_to_string(&lib).unwrap();
    let mut client = Client::start(&project);

    client.open(&lib, &original);
    let first = client.diagnostics(&lib, 1);
    let check =
        guardfix(&["check", "--format", "json", "--semantic", "never", project.to_str().unwrap()]);
    let expected = String::from_utf8_lossy(&check.stdout)
        .lines()
        .filter(|line| line.contains(r#""type":"finding""#))
        .count();
    assert_eq!(first.len(), expected, "as many as `check` finds: {first:#?}");
    assert!(codes(&first).contains(&"guardfix::guard_held_across_await"), "{first:#?}");
    assert!(first.iter().all(|d| d["source"] == "guardfix"));

    // The preferred quick fix of the first finding removes it and nothing else.
    let range = first[0]["range"].clone();
    let actions = client.code_actions(&lib, &range, None);
    let preferred: Vec<&Value> =
        actions.iter().filter(|action| action["isPreferred"] == true).collect();
    assert_eq!(preferred.len(), 1, "{actions:#?}");
    assert_eq!(preferred[0]["kind"], "quickfix");
    let fixed = apply(&original, edits_for(&preferred[0]["edit"], &lib));
    client.change(&lib, 2, &fixed);
    let after_fix = client.diagnostics(&lib, 2);
    assert_eq!(after_fix.len(), first.len() - 1, "{after_fix:#?}");

    // "Allow this here" silences the finding it is offered for.
    let allow = actions
        .iter()
        .find(|action| action["title"].as_str().unwrap().starts_with("Allow `clippy::"))
        .unwrap_or_else(|| panic!("{actions:#?}"));
    let allowed = apply(&original, edits_for(&allow["edit"], &lib));
    assert!(allowed.contains("#[allow(clippy::await_holding_lock)]"), "{allowed}");
    client.change(&lib, 3, &allowed);
    let after_allow = client.diagnostics(&lib, 3);
    assert_eq!(after_allow.len(), first.len() - 1, "{after_allow:#?}");

    // Fix-all (as on save) gives what `guardfix fix --write` writes.
    client.change(&lib, 4, &original);
    assert_eq!(client.diagnostics(&lib, 4).len(), first.len());
    let everything =
        json!({ "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 0 } });
    let fix_all = client.code_actions(&lib, &everything, Some(&["source.fixAll"]));
    assert_eq!(fix_all.len(), 1, "{fix_all:#?}");
    assert_eq!(fix_all[0]["kind"], "source.fixAll.guardfix");
    let all_fixed = apply(&original, edits_for(&fix_all[0]["edit"], &lib));
    let (_other_scratch, written) = scoped_project();
    let output =
        guardfix(&["fix", "--write", "--no-verify", "--allow-no-vcs", written.to_str().unwrap()]);
    assert!(output.status.code().is_some_and(|code| code <= 1), "{}", stderr(&output));
    let on_disk = std::fs::read_to_string(written.join("src/lib.rs")).unwrap();
    assert_eq!(all_fixed, on_disk, "fix-all is what `fix --write` writes");

    // Unsaved text counts: a new finding typed in shows up.
    let typed = format!(
        "{original}\npub async fn typed(m: &Mutex<u32>) {{\n    let g = m.lock().unwrap();\n    tick().await;\n    drop(g);\n}}\n"
    );
    client.change(&lib, 5, &typed);
    let with_typed = client.diagnostics(&lib, 5);
    assert!(with_typed.len() > first.len(), "{with_typed:#?}");

    // A file too deeply nested, and one with syntax errors: an error diagnostic and a log
    // message, and the server goes on.
    let deep = project.join("src/deep.rs");
    let terms = vec!["1"; 20_000].join(" + ");
    client.open(&deep, &format!("async fn f() -> u32 {{ {terms} }}\n"));
    let deep_diagnostics = client.diagnostics(&deep, 1);
    assert_eq!(codes(&deep_diagnostics), ["guardfix::file_error"], "{deep_diagnostics:#?}");
    assert!(deep_diagnostics[0]["message"].as_str().unwrap().contains("too deeply nested"));
    client.wait_for(|message| {
        message["method"] == "window/logMessage"
            && message["params"]["message"].as_str().is_some_and(|m| m.contains("deep.rs"))
    });
    client.change(&lib, 6, "pub async fn broken( {\n    let g = m.lock().unwrap();\n");
    client.diagnostics(&lib, 6);
    client.change(&lib, 7, &original);
    assert_eq!(client.diagnostics(&lib, 7).len(), first.len(), "the server still works");

    // Closing clears the file's diagnostics.
    client.notify("textDocument/didClose", json!({ "textDocument": { "uri": uri(&deep) } }));
    // (Earlier publications for it may still be queued: the crate's index changed with the
    // broken text, so every open file of the crate was analysed again.)
    client.wait_for(|message| {
        message["method"] == "textDocument/publishDiagnostics"
            && message["params"]["uri"] == uri(&deep)
            && message["params"]["diagnostics"] == json!([])
    });
    assert_eq!(client.shut_down(), Some(0));
}

/// The crate's index follows edits in the editor: when another open file stops declaring the
/// guard-giving method, the file that uses it is analysed again and its finding goes.
#[test]
fn declarations_typed_in_one_file_change_another_file_s_diagnostics() {
    let scratch = tempfile::tempdir().unwrap();
    let project = scratch.path().join("project");
    std::fs::create_dir_all(project.join("src")).unwrap();
    std::fs::write(
        project.join("Cargo.toml"),
        "[package]\nname = \"typed\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(project.join("src/lib.rs"), "mod state;\nmod serve;\n").unwrap();
    let state = project.join("src/state.rs");
    let declaring = "use std::sync::{Mutex, MutexGuard};\n\npub struct State {\n    inner: Mutex<u32>,\n}\n\nimpl State {\n    pub fn guarded(&self) -> MutexGuard<'_, u32> {\n        self.inner.lock().unwrap()\n    }\n}\n";
    std::fs::write(&state, declaring).unwrap();
    let serve = project.join("src/serve.rs");
    let using = "use crate::state::State;\n\nasync fn tick() {}\n\npub async fn serve(state: &State) -> u32 {\n    let value = state.guarded();\n    tick().await;\n    *value\n}\n";
    std::fs::write(&serve, using).unwrap();

    let mut client = Client::start(&project);
    client.open(&serve, using);
    assert_eq!(client.diagnostics(&serve, 1).len(), 1, "the crate's method hands out a guard");
    client.open(&state, declaring);
    client.diagnostics(&state, 1);
    let copying = declaring
        .replace("MutexGuard<'_, u32>", "u32")
        .replace("self.inner.lock().unwrap()", "*self.inner.lock().unwrap()");
    client.change(&state, 2, &copying);
    assert_eq!(client.diagnostics(&serve, 1), Vec::<Value>::new(), "analysed again, no guard");
    assert_eq!(client.shut_down(), Some(0));
}

/// A lock switch is one workspace edit over every file it changes and `Cargo.toml`, resolved
/// on request, equal to what `fix --write` writes; it is refused while a file is unsaved.
#[test]
fn a_lock_switch_is_one_workspace_edit_over_every_file() {
    let (_scratch, project) = scratch_copy("tests/projects/async_mutex_service");
    let login = project.join("src/login.rs");
    let text = std::fs::read_to_string(&login).unwrap();
    let mut client = Client::start(&project);
    client.open(&login, &text);
    let diagnostics = client.diagnostics(&login, 1);
    assert!(!diagnostics.is_empty());
    let actions = client.code_actions(&login, &diagnostics[0]["range"], None);
    let switch = actions
        .iter()
        .find(|action| action["title"].as_str().unwrap().starts_with("Switch this lock"))
        .unwrap_or_else(|| panic!("{actions:#?}"))
        .clone();
    assert!(switch.get("edit").is_none_or(Value::is_null), "computed on resolve only");

    // Unsaved text: refused, saying what to do.
    client.change(&login, 2, &format!("{text}\n// typing\n"));
    client.diagnostics(&login, 2);
    let actions = client.code_actions(&login, &diagnostics[0]["range"], None);
    let unsaved_switch = actions
        .iter()
        .find(|a| a["title"].as_str().unwrap().starts_with("Switch this lock"))
        .unwrap();
    let refused = client.request("codeAction/resolve", unsaved_switch.clone());
    let message = refused["error"]["message"].as_str().unwrap_or_else(|| panic!("{refused}"));
    assert!(message.contains("save src/login.rs first"), "{message}");
    // An action offered for an older version is refused too.
    client.change(&login, 3, &text);
    client.diagnostics(&login, 3);
    let stale = client.request("codeAction/resolve", unsaved_switch.clone());
    assert!(stale["error"]["message"].as_str().unwrap().contains("changed"), "{stale}");

    let actions = client.code_actions(&login, &diagnostics[0]["range"], None);
    let switch = actions
        .iter()
        .find(|a| a["title"].as_str().unwrap().starts_with("Switch this lock"))
        .unwrap();
    let resolved = client.request("codeAction/resolve", switch.clone());
    let edit = &resolved["result"]["edit"];
    let changed: Vec<PathBuf> = edit["changes"]
        .as_object()
        .unwrap_or_else(|| panic!("{resolved}"))
        .keys()
        .map(|uri| PathBuf::from(uri.strip_prefix("file://").unwrap()))
        .collect();
    let names: Vec<String> = changed
        .iter()
        .map(|path| {
            path.strip_prefix(std::fs::canonicalize(&project).unwrap())
                .unwrap()
                .display()
                .to_string()
        })
        .collect();
    for expected in ["Cargo.toml", "src/state.rs", "src/login.rs", "src/logout.rs", "src/audit.rs"]
    {
        assert!(names.iter().any(|name| name == expected), "{expected} not in {names:?}");
    }
    assert_eq!(client.shut_down(), Some(0));

    // Applied, the edit is what `fix --strategy async-mutex --write` writes.
    let mut applied = BTreeMap::new();
    for path in &changed {
        let before = std::fs::read_to_string(path).unwrap();
        applied.insert(path.clone(), apply(&before, edits_for(edit, path)));
    }
    let output = guardfix(&[
        "fix",
        "--strategy",
        "async-mutex",
        "--write",
        "--no-verify",
        "--allow-no-vcs",
        project.to_str().unwrap(),
    ]);
    assert!(output.status.code().is_some_and(|code| code <= 1), "{}", stderr(&output));
    for (path, after) in &applied {
        assert_eq!(after, &std::fs::read_to_string(path).unwrap(), "{}", path.display());
    }
}
