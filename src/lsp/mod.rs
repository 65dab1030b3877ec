//! `guardfix lsp`: a language server over stdio, so editors show guardfix's findings as they
//! are typed and offer its fixes as code actions.
//!
//! Built on `lsp-server` (rust-analyzer's and ruff's): a synchronous message loop fits an
//! analysis that is itself synchronous (rayon inside), with no async runtime to carry.
//!
//! - Documents sync in full; diagnostics are published on open, change and save from the
//!   text the editor holds. Changes that arrive together are analysed once.
//! - The workspace is the client's first workspace folder (else its root URI, else the first
//!   opened file's folder). Its crates' indexes are built on first use and updated per file
//!   (`driver::session`): a file whose declarations change gets the crate's other open files
//!   analysed again.
//! - Code actions: `actions.rs`.
//! - Nothing one file does stops the server: a file that cannot be analysed gets an error
//!   diagnostic and a log message, and a crash in a handler is answered with an error.
//! - Closing a file clears its diagnostics: `guardfix check` (or `guardfix clippy` as
//!   rust-analyzer's check command) reports the workspace.

pub mod actions;
pub mod convert;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
    LogMessage, Notification as _, PublishDiagnostics,
};
use lsp_types::request::{CodeActionRequest, CodeActionResolveRequest, Request as _};
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOptions, CodeActionParams, CodeActionProviderCapability,
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams,
    DidSaveTextDocumentParams, InitializeParams, LogMessageParams, MessageType,
    PublishDiagnosticsParams, ServerCapabilities, TextDocumentSyncCapability, TextDocumentSyncKind,
    TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Url,
};

use crate::driver::RunOptions;
use crate::driver::session::{FileAnalysis, Session};
use crate::parse::{self, LoadedSource};
use crate::render::line_index::{ColumnUnit, LineIndex};
use convert::Positions;

/// Serves one client on stdin/stdout until it shuts the server down.
pub fn run() -> ExitCode {
    parse::configure_threads();
    let (connection, io_threads) = Connection::stdio();
    // Analysis recurses over syntax trees: it runs with the stack `check`'s threads have.
    let served = std::thread::Builder::new()
        .name("guardfix-lsp".to_owned())
        .stack_size(parse::ANALYSIS_STACK)
        .spawn(move || {
            let outcome = serve(&connection);
            drop(connection);
            outcome
        })
        .map_err(|error| error.to_string())
        .and_then(|thread| thread.join().map_err(|_| "the server thread crashed".to_owned()));
    let outcome = served.and_then(|outcome| outcome);
    let joined = io_threads.join();
    match outcome.and_then(|clean| joined.map(|()| clean).map_err(|e| e.to_string())) {
        Ok(true) => ExitCode::SUCCESS,
        // `exit` without `shutdown`: the protocol asks for exit code 1.
        Ok(false) => ExitCode::from(1),
        Err(error) => {
            eprintln!("error: guardfix lsp: {error}");
            ExitCode::from(2)
        }
    }
}

/// The handshake and the message loop; `Ok(true)` after a clean shutdown.
fn serve(connection: &Connection) -> Result<bool, String> {
    let (id, params) = connection.initialize_start().map_err(|e| e.to_string())?;
    let params: InitializeParams = serde_json::from_value(params).map_err(|e| e.to_string())?;
    let offered = params
        .capabilities
        .general
        .as_ref()
        .and_then(|general| general.position_encodings.as_deref());
    let (unit, encoding) = convert::negotiate(offered);
    let resolves = params
        .capabilities
        .text_document
        .as_ref()
        .and_then(|text| text.code_action.as_ref())
        .and_then(|actions| actions.resolve_support.as_ref())
        .is_some_and(|support| support.properties.iter().any(|property| property == "edit"));
    let capabilities = ServerCapabilities {
        position_encoding: Some(encoding),
        text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(TextDocumentSyncKind::FULL),
            save: Some(TextDocumentSyncSaveOptions::Supported(true)),
            ..TextDocumentSyncOptions::default()
        })),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![
                CodeActionKind::QUICKFIX,
                CodeActionKind::new(actions::FIX_ALL),
            ]),
            resolve_provider: Some(true),
            ..CodeActionOptions::default()
        })),
        ..ServerCapabilities::default()
    };
    let result = serde_json::json!({
        "capabilities": capabilities,
        "serverInfo": { "name": "guardfix", "version": env!("CARGO_PKG_VERSION") },
    });
    connection.initialize_finish(id, result).map_err(|e| e.to_string())?;
    #[allow(deprecated)] // `rootUri`: older clients send only that
    let root = params
        .workspace_folders
        .as_ref()
        .and_then(|folders| folders.first())
        .map(|folder| &folder.uri)
        .or(params.root_uri.as_ref())
        .and_then(convert::path_of);
    let mut server =
        Server { connection, root, session: None, unit, resolves, documents: HashMap::new() };
    server.main_loop()
}

struct Document {
    uri: Url,
    version: i32,
    text: String,
    /// The analysis of `text`, once made (`None`: not yet, or stale).
    analysis: Option<Result<FileAnalysis, String>>,
}

struct Server<'a> {
    connection: &'a Connection,
    /// The workspace folder, if the client named one.
    root: Option<PathBuf>,
    session: Option<Session>,
    unit: ColumnUnit,
    /// Whether the client resolves code actions (the lock switch is offered only then).
    resolves: bool,
    documents: HashMap<PathBuf, Document>,
}

impl Server<'_> {
    fn main_loop(&mut self) -> Result<bool, String> {
        let receiver = &self.connection.receiver;
        while let Ok(first) = receiver.recv() {
            // What arrived together is handled together: a burst of changes is analysed once.
            let mut batch = vec![first];
            batch.extend(receiver.try_iter());
            let mut stale = BTreeSet::new();
            for message in batch {
                match message {
                    Message::Request(request) => {
                        if self.connection.handle_shutdown(&request).map_err(|e| e.to_string())? {
                            return Ok(true);
                        }
                        self.publish(std::mem::take(&mut stale));
                        self.answer(request);
                    }
                    Message::Notification(notification) if notification.method == "exit" => {
                        return Ok(false);
                    }
                    Message::Notification(notification) => {
                        let method = notification.method.clone();
                        match parse::catch_panic(|| self.notified(notification)) {
                            Ok(changed) => stale.extend(changed),
                            Err(panic) => self.log(
                                MessageType::ERROR,
                                format!(
                                    "guardfix crashed handling {method} ({panic}); please report it"
                                ),
                            ),
                        }
                    }
                    Message::Response(_) => {}
                }
            }
            self.publish(stale);
        }
        Ok(false)
    }

    /// Handles a notification; returns the documents to analyse again.
    fn notified(&mut self, notification: Notification) -> Vec<PathBuf> {
        match notification.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Ok(params) =
                    notification.extract::<DidOpenTextDocumentParams>(DidOpenTextDocument::METHOD)
                else {
                    return Vec::new();
                };
                let document = params.text_document;
                let Some(path) = convert::path_of(&document.uri) else { return Vec::new() };
                self.documents.insert(
                    path.clone(),
                    Document {
                        uri: document.uri,
                        version: document.version,
                        text: document.text.clone(),
                        analysis: None,
                    },
                );
                self.set_text(&path, Some(document.text))
            }
            DidChangeTextDocument::METHOD => {
                let Ok(params) = notification
                    .extract::<DidChangeTextDocumentParams>(DidChangeTextDocument::METHOD)
                else {
                    return Vec::new();
                };
                let Some(path) = convert::path_of(&params.text_document.uri) else {
                    return Vec::new();
                };
                let unit = self.unit;
                let Some(document) = self.documents.get_mut(&path) else { return Vec::new() };
                for change in params.content_changes {
                    match change.range {
                        // Clients may send ranges even when asked for full text.
                        Some(range) => {
                            let lines = LineIndex::new(&document.text);
                            let at = Positions { lines: &lines, unit };
                            let span = at.span(range);
                            let (start, end) =
                                (span.start as usize, span.end.max(span.start) as usize);
                            document.text.replace_range(start..end, &change.text);
                        }
                        None => document.text = change.text,
                    }
                }
                document.version = params.text_document.version;
                document.analysis = None;
                let text = document.text.clone();
                self.set_text(&path, Some(text))
            }
            DidSaveTextDocument::METHOD => {
                let Ok(params) =
                    notification.extract::<DidSaveTextDocumentParams>(DidSaveTextDocument::METHOD)
                else {
                    return Vec::new();
                };
                let Some(path) = convert::path_of(&params.text_document.uri) else {
                    return Vec::new();
                };
                if let Some(document) = self.documents.get_mut(&path) {
                    document.analysis = None;
                }
                vec![path]
            }
            DidCloseTextDocument::METHOD => {
                let Ok(params) = notification
                    .extract::<DidCloseTextDocumentParams>(DidCloseTextDocument::METHOD)
                else {
                    return Vec::new();
                };
                let Some(path) = convert::path_of(&params.text_document.uri) else {
                    return Vec::new();
                };
                self.documents.remove(&path);
                self.send_notification::<PublishDiagnostics>(PublishDiagnosticsParams {
                    uri: params.text_document.uri,
                    diagnostics: Vec::new(),
                    version: None,
                });
                self.set_text(&path, None)
            }
            _ => Vec::new(),
        }
    }

    /// Tells the session the editor's text of `path`; returns the documents that need
    /// analysing again: this one, and the crate's other open files if its index changed.
    fn set_text(&mut self, path: &Path, text: Option<String>) -> Vec<PathBuf> {
        let Some(session) = self.session_for(path) else { return Vec::new() };
        let changed_index = session.set_text(path, text);
        let mut stale = vec![path.to_owned()];
        if changed_index {
            let crate_key = session.crate_of(path);
            let others: Vec<PathBuf> = self
                .documents
                .keys()
                .filter(|other| other.as_path() != path)
                .filter(|other| {
                    self.session.as_ref().is_some_and(|s| s.crate_of(other) == crate_key)
                })
                .cloned()
                .collect();
            for other in &others {
                if let Some(document) = self.documents.get_mut(other) {
                    document.analysis = None;
                }
            }
            stale.extend(others);
        }
        stale.retain(|path| self.documents.contains_key(path));
        stale
    }

    /// The session, opened on first use at the workspace folder (or the file's folder).
    fn session_for(&mut self, path: &Path) -> Option<&mut Session> {
        if self.session.is_none() {
            let root = self.root.clone().or_else(|| path.parent().map(Path::to_owned))?;
            match Session::open(&root, &RunOptions::default()) {
                Ok(session) => {
                    for warning in session.warnings.clone() {
                        self.log(MessageType::WARNING, format!("guardfix: {warning}"));
                    }
                    self.session = Some(session);
                }
                Err(error) => {
                    self.log(
                        MessageType::ERROR,
                        format!("guardfix cannot open {}: {error}", root.display()),
                    );
                    return None;
                }
            }
        }
        self.session.as_mut()
    }

    /// Analyses each stale document and publishes its diagnostics.
    fn publish(&mut self, stale: BTreeSet<PathBuf>) {
        for path in stale {
            if !self.analyse(&path) {
                continue;
            }
            let Some(document) = self.documents.get(&path) else { continue };
            let diagnostics = match &document.analysis {
                Some(Ok(analysis)) => {
                    let lines = LineIndex::new(&analysis.source.text);
                    let at = Positions { lines: &lines, unit: self.unit };
                    analysis
                        .findings
                        .iter()
                        .map(|finding| convert::diagnostic(&document.uri, &at, finding))
                        .collect()
                }
                Some(Err(message)) => vec![convert::file_error(message)],
                None => Vec::new(),
            };
            let params = PublishDiagnosticsParams {
                uri: document.uri.clone(),
                diagnostics,
                version: Some(document.version),
            };
            self.send_notification::<PublishDiagnostics>(params);
        }
    }

    /// Makes sure the document's analysis is current; `false` when there is no such document
    /// or no session for it.
    fn analyse(&mut self, path: &Path) -> bool {
        if self.documents.get(path).is_none_or(|document| document.analysis.is_some()) {
            return self.documents.contains_key(path);
        }
        let Some(session) = self.session_for(path) else { return false };
        let analysis = parse::catch_panic(|| session.analyse(path)).unwrap_or_else(|panic| {
            Err(format!("guardfix crashed on this file ({panic}); please report it"))
        });
        if let Err(message) = &analysis {
            let shown = crate::render::slash_path(path, self.root.as_deref());
            self.log(MessageType::WARNING, format!("guardfix: {shown}: {message}"));
        }
        if let Some(document) = self.documents.get_mut(path) {
            document.analysis = Some(analysis);
        }
        true
    }

    fn answer(&mut self, request: Request) {
        let id = request.id.clone();
        let method = request.method.clone();
        let response = match parse::catch_panic(|| self.respond(request)) {
            Ok(response) => response,
            Err(panic) => {
                let message =
                    format!("guardfix crashed handling {method} ({panic}); please report it");
                self.log(MessageType::ERROR, message.clone());
                Response::new_err(id, ErrorCode::InternalError as i32, message)
            }
        };
        let _ = self.connection.sender.send(response.into());
    }

    fn respond(&mut self, request: Request) -> Response {
        let id = request.id.clone();
        match request.method.as_str() {
            CodeActionRequest::METHOD => {
                match request.extract::<CodeActionParams>(CodeActionRequest::METHOD) {
                    Ok((id, params)) => Response::new_ok(id, self.code_actions(&params)),
                    Err(error) => invalid(id, error),
                }
            }
            CodeActionResolveRequest::METHOD => {
                match request.extract::<CodeAction>(CodeActionResolveRequest::METHOD) {
                    Ok((id, action)) => match self.resolve(action) {
                        Ok(action) => Response::new_ok(id, action),
                        Err(message) => {
                            Response::new_err(id, ErrorCode::RequestFailed as i32, message)
                        }
                    },
                    Err(error) => invalid(id, error),
                }
            }
            other => Response::new_err(
                id,
                ErrorCode::MethodNotFound as i32,
                format!("guardfix does not handle {other}"),
            ),
        }
    }

    fn code_actions(&mut self, params: &CodeActionParams) -> Vec<lsp_types::CodeActionOrCommand> {
        let Some(path) = convert::path_of(&params.text_document.uri) else { return Vec::new() };
        if !self.analyse(&path) {
            return Vec::new();
        }
        let Some(document) = self.documents.get(&path) else { return Vec::new() };
        let (Some(Ok(analysis)), Some(session)) = (&document.analysis, self.session.as_mut())
        else {
            return Vec::new();
        };
        let lines = LineIndex::new(&analysis.source.text);
        let range = Positions { lines: &lines, unit: self.unit }.span(params.range);
        let request = actions::Request {
            uri: &document.uri,
            version: document.version,
            range,
            only: params.context.only.as_deref(),
            resolves: self.resolves,
            unit: self.unit,
        };
        actions::code_actions(session, analysis, &request)
    }

    fn resolve(&mut self, mut action: CodeAction) -> Result<CodeAction, String> {
        let Some(data) = action.data.clone() else { return Ok(action) };
        let data: actions::SwitchData = serde_json::from_value(data).map_err(|e| e.to_string())?;
        let session = self.session.as_ref().ok_or("no workspace is open")?;
        let version = convert::path_of(&data.uri)
            .and_then(|path| self.documents.get(&path))
            .map(|document| document.version);
        let unsaved: Vec<&Path> = self
            .documents
            .iter()
            .filter(|(path, document)| !saved(path, &document.text))
            .map(|(path, _)| path.as_path())
            .collect();
        match actions::resolve_switch(session, &data, version, &unsaved, self.unit) {
            Ok(edit) => {
                action.edit = Some(edit);
                Ok(action)
            }
            Err(message) => {
                self.log(MessageType::INFO, format!("guardfix: {message}"));
                Err(message)
            }
        }
    }

    fn log(&self, typ: MessageType, message: String) {
        self.send_notification::<LogMessage>(LogMessageParams { typ, message });
    }

    fn send_notification<N: lsp_types::notification::Notification>(&self, params: N::Params) {
        let notification = Notification::new(N::METHOD.to_owned(), params);
        let _ = self.connection.sender.send(notification.into());
    }
}

/// Whether the editor's `text` is what the file on disk holds.
fn saved(path: &Path, text: &str) -> bool {
    let on_disk = parse::read_source(path).map(|source| source.text);
    let held = LoadedSource::from_bytes(text.as_bytes().to_vec()).map(|source| source.text);
    matches!((on_disk, held), (Ok(a), Ok(b)) if a == b)
}

fn invalid(id: lsp_server::RequestId, error: lsp_server::ExtractError<Request>) -> Response {
    Response::new_err(id, ErrorCode::InvalidParams as i32, format!("{error:?}"))
}
