//! `playbook lsp`: a language server over standard input and output.
//!
//! The server keeps the open documents in memory and compiles through a
//! [`Loader`] that serves them before the disk, so that diagnostics follow
//! the text being typed. Navigation (hover, definition, references,
//! rename, completion) works on an [`index::Index`] of each file's syntax
//! tree; positions are converted to UTF-16 columns by [`text::Lines`].

// `lsp_types::Uri` caches its parse inside, which clippy takes for a
// mutable hash key; the protocol's `WorkspaceEdit` is keyed by it anyway.
#![allow(clippy::mutable_key_type)]

pub mod framing;
pub mod index;
pub mod text;

use crate::Loader;
use crate::load::{FileRead, Recording};
use crate::registry::Severity;
use crate::syntax::MAX_FILE_SIZE;
use framing::Connection;
use index::{Index, Outline, Symbol};
use lsp_server::{Message, Notification, Request};
use lsp_types as lsp;
use serde_json::{Value, json};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant, SystemTime};
use text::Lines;

/// How long the server waits after a change before compiling, so that
/// fast typing compiles once.
const DEBOUNCE: Duration = Duration::from_millis(200);

/// Serves on standard input and output until the client says `exit`.
pub fn serve_stdio() -> Result<(), String> {
    let (connection, writer) = framing::stdio();
    serve(&connection)?;
    drop(connection);
    match writer.join() {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(_) => Err("the writer thread failed".to_string()),
    }
}

/// Serves a whole session held in memory: each of `messages` (JSON-RPC
/// messages as JSON) is sent in order, and everything the server sends back
/// until it stops is returned. For the fuzz target of requests and for
/// tests; a message that is not JSON-RPC is an error.
pub fn serve_session(messages: &[Value]) -> Result<Vec<Value>, String> {
    let (server, client) = Connection::memory();
    let handle = std::thread::spawn(move || serve(&server));
    for m in messages {
        let message: Message = serde_json::from_value(m.clone()).map_err(|e| e.to_string())?;
        if client.sender.send(message).is_err() {
            break;
        }
    }
    let framing::Client { sender, receiver } = client;
    drop(sender);
    let answers = receiver
        .iter()
        .map(|framed| {
            let body = framed
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .map_or(&framed[..], |at| &framed[at + 4..]);
            serde_json::from_slice(body).unwrap_or(Value::Null)
        })
        .collect();
    match handle.join() {
        Ok(result) => result.map(|()| answers),
        Err(_) => Err("the server panicked".to_string()),
    }
}

/// Serves one client on `connection`.
pub fn serve(connection: &Connection) -> Result<(), String> {
    let (id, params) = connection.initialize_start()?;
    let params: lsp::InitializeParams = serde_json::from_value(params).unwrap_or_default();
    #[allow(deprecated)]
    let root = params
        .workspace_folders
        .as_ref()
        .and_then(|f| f.first())
        .map(|f| f.uri.clone())
        .or(params.root_uri.clone())
        .and_then(|u| path_of(&u));
    let capabilities = lsp::ServerCapabilities {
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Kind(
            lsp::TextDocumentSyncKind::INCREMENTAL,
        )),
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        definition_provider: Some(lsp::OneOf::Left(true)),
        references_provider: Some(lsp::OneOf::Left(true)),
        rename_provider: Some(lsp::OneOf::Left(true)),
        document_symbol_provider: Some(lsp::OneOf::Left(true)),
        completion_provider: Some(lsp::CompletionOptions::default()),
        document_formatting_provider: Some(lsp::OneOf::Left(true)),
        code_action_provider: Some(lsp::CodeActionProviderCapability::Simple(true)),
        ..Default::default()
    };
    connection.initialize_finish(
        id,
        &json!({
            "capabilities": capabilities,
            "serverInfo": { "name": "playbook", "version": env!("CARGO_PKG_VERSION") },
        }),
    )?;
    let mut server = Server {
        root,
        open: BTreeMap::new(),
        pending: BTreeSet::new(),
        published: BTreeSet::new(),
        parsed: RefCell::new(HashMap::new()),
        parses: Cell::new(0),
        reparses: Cell::new(0),
        kept_trees: Cell::new(0),
        compiled: RefCell::new(HashMap::new()),
        compilations: Cell::new(0),
        refused: BTreeSet::new(),
        notices: Vec::new(),
    };
    let mut deadline: Option<Instant> = None;
    loop {
        let message = match deadline {
            Some(at) => match connection
                .receiver
                .recv_timeout(at.saturating_duration_since(Instant::now()))
            {
                Ok(m) => m,
                Err(e) if e.is_timeout() => {
                    deadline = None;
                    server.publish_pending(connection);
                    continue;
                }
                Err(_) => return Ok(()),
            },
            None => match connection.receiver.recv() {
                Ok(m) => m,
                Err(_) => return Ok(()),
            },
        };
        match message {
            Message::Request(request) => {
                if connection.handle_shutdown(&request)? {
                    return Ok(());
                }
                server.request(connection, request);
            }
            Message::Notification(n) => {
                // A file just opened is compiled at once; changes wait until
                // typing pauses.
                let opened = n.method == "textDocument/didOpen";
                let changed = server.notification(n);
                for message in std::mem::take(&mut server.notices) {
                    connection.notify(
                        "window/showMessage",
                        &lsp::ShowMessageParams {
                            typ: lsp::MessageType::ERROR,
                            message,
                        },
                    );
                }
                if !changed.is_empty() {
                    server.pending.extend(changed);
                    if opened {
                        deadline = None;
                        server.publish_pending(connection);
                    } else {
                        deadline = Some(Instant::now() + DEBOUNCE);
                    }
                }
            }
            Message::Response(_) => {}
        }
    }
}

struct Server {
    /// The workspace folder, where importing files are looked for.
    root: Option<PathBuf>,
    /// Open documents: their text as the editor has it.
    open: BTreeMap<PathBuf, String>,
    /// Files changed since diagnostics were last published.
    pending: BTreeSet<PathBuf>,
    /// Files diagnostics were published for, to clear them.
    published: BTreeSet<PathBuf>,
    /// Files parsed by earlier requests, each with what it was read from:
    /// a workspace-wide search parses again only the files that changed.
    parsed: RefCell<HashMap<PathBuf, Cached>>,
    /// How many times a file was parsed since the server started, shown
    /// by the `playbook/status` request.
    parses: Cell<u64>,
    /// How many of those parses were of one statement after an edit.
    reparses: Cell<u64>,
    /// How many compilations took an open document's syntax tree from the
    /// cache instead of parsing the document.
    kept_trees: Cell<u64>,
    /// The last compilation of each file compiled as a root, with every
    /// file it read: diagnostics and code actions compile again only when
    /// one of them reads differently.
    compiled: RefCell<HashMap<PathBuf, Compiled>>,
    /// How many compilations ran since the server started.
    compilations: Cell<u64>,
    /// Open documents larger than their project lets the compiler read:
    /// never parsed for navigation; their diagnostics say why.
    refused: BTreeSet<PathBuf>,
    /// Messages to show the user, sent after the notification that
    /// raised them.
    notices: Vec<String>,
}

/// A compilation and what it was compiled from.
struct Compiled {
    compilation: Rc<crate::Compilation>,
    /// The `Playbook.toml` that applied: its path and text.
    config: Option<(PathBuf, String)>,
    /// Every file the compiler asked for, in order, and what it got.
    reads: Vec<FileRead>,
}

/// A parsed file and the state of the file on disk it was read from.
struct Cached {
    parsed: Rc<Parsed>,
    /// The length and modification time of the file on disk when it was
    /// read; `None` when the text was an open document's.
    stamp: Option<Stamp>,
}

type Stamp = (u64, Option<SystemTime>);

/// Reads open documents from memory, everything else from the disk.
struct Overlay<'a> {
    open: &'a BTreeMap<PathBuf, String>,
    disk: crate::fs::FsLoader,
    /// The document being compiled and its parse, whose tree the compiler
    /// reads instead of parsing the text again.
    parsed: Option<(&'a Path, Rc<Parsed>)>,
}

impl Loader for Overlay<'_> {
    fn read(&self, path: &Path) -> Result<Vec<u8>, String> {
        self.disk.admits(path)?;
        match self.open.get(path) {
            Some(text) => Ok(text.as_bytes().to_vec()),
            None => self.disk.read(path),
        }
    }

    fn parsed(
        &self,
        path: &Path,
        file: crate::source::FileId,
        text: &str,
    ) -> Option<&crate::ast::File> {
        let (at, parsed) = self.parsed.as_ref()?;
        // The server parses a document as file 0, the root's number.
        (*at == path && file == crate::source::FileId(0) && parsed.text == text)
            .then_some(parsed.tree.as_ref())
            .flatten()
    }
}

/// A parsed file of the workspace.
struct Parsed {
    text: String,
    /// Where each line of `text` starts, counted once with the parse: every
    /// position converted in this text uses them.
    starts: Vec<usize>,
    index: Index,
    /// The syntax tree, when the parse gave no diagnostics: after an edit
    /// inside one statement it is updated like the index
    /// ([`crate::syntax::splice`]), and the compiler reads it instead of
    /// parsing the document again.
    tree: Option<crate::ast::File>,
}

impl Parsed {
    /// The text with its line starts and the index of its syntax tree (an
    /// empty index when it did not parse). The tree is not kept.
    fn of(text: String, tree: Option<&crate::ast::File>) -> Parsed {
        let index = tree.map(|t| Index::of(t, &text)).unwrap_or_default();
        let starts = text::line_starts(&text);
        Parsed {
            text,
            starts,
            index,
            tree: None,
        }
    }

    fn lines(&self) -> Lines<'_> {
        Lines::with_starts(&self.text, &self.starts)
    }
}

fn path_of(uri: &lsp::Uri) -> Option<PathBuf> {
    url::Url::parse(uri.as_str()).ok()?.to_file_path().ok()
}

fn uri_of(path: &Path) -> lsp::Uri {
    let url = url::Url::from_file_path(path)
        .map_or_else(|_| format!("file://{}", path.display()), |u| u.to_string());
    url.parse()
        .unwrap_or_else(|_| "file:///".parse().expect("a valid uri"))
}

fn params<T: serde::de::DeserializeOwned>(value: Value) -> Option<T> {
    serde_json::from_value(value).ok()
}

impl Server {
    /// The loader of a project: open documents first, then the disk, and
    /// nothing outside the project folder, as `check` reads.
    fn loader(&self, project: &crate::project::Project) -> Overlay<'_> {
        let disk = project.loader().unwrap_or_default();
        Overlay {
            open: &self.open,
            disk,
            parsed: None,
        }
    }

    /// The project of `path`, as `check` would open it: the nearest
    /// `Playbook.toml` (an open document's text first) and its folder, else
    /// the workspace folder when it holds the file, else the file's folder.
    /// A malformed `Playbook.toml` gives its diagnostics and the defaults.
    fn project(
        &self,
        path: &Path,
        config: Option<&(PathBuf, String)>,
    ) -> (crate::project::Project, Option<crate::project::OpenError>) {
        let (parsed, error) = match config {
            None => (crate::config::Config::default(), None),
            Some((file, text)) => match crate::project::parse_config(file, text.clone()) {
                Ok(c) => (c, None),
                Err(e) => (crate::config::Config::default(), Some(e)),
            },
        };
        let root = match (config, &self.root) {
            (Some((file, _)), _) => file.parent().map(Path::to_path_buf),
            (None, Some(root)) if path.starts_with(root) => Some(root.clone()),
            _ => None,
        }
        .or_else(|| path.parent().map(Path::to_path_buf))
        .unwrap_or_default();
        (
            crate::project::Project {
                config: parsed,
                files: vec![path.to_path_buf()],
                empty: Vec::new(),
                root,
            },
            error,
        )
    }

    /// The text of an open document or a file, unless it is larger than
    /// the compiler reads (`file-too-large` says so in the diagnostics).
    fn text(&self, path: &Path) -> Option<String> {
        match self.open.get(path) {
            Some(t) if t.len() <= MAX_FILE_SIZE => Some(t.clone()),
            Some(_) => None,
            None if std::fs::metadata(path).ok()?.len() > MAX_FILE_SIZE as u64 => None,
            None => std::fs::read_to_string(path).ok(),
        }
    }

    /// The parsed file, from the cache while its text is the one it was
    /// parsed from: an open document's text as the editor has it, or the
    /// file on disk, whose length and modification time tell whether it
    /// must be read again, and its text whether it must be parsed again.
    fn parse(&self, path: &Path) -> Option<Rc<Parsed>> {
        let cached = self
            .parsed
            .borrow()
            .get(path)
            .map(|c| (c.parsed.clone(), c.stamp));
        let (text, stamp) = match self.open.get(path) {
            // An open document is refused by its project's limit
            // (`accept`), which `max-file-size-mib` may raise.
            Some(_) if self.refused.contains(path) => {
                return None;
            }
            Some(text) => {
                if let Some((parsed, _)) = &cached
                    && parsed.text == *text
                {
                    return Some(parsed.clone());
                }
                (text.clone(), None)
            }
            None => {
                let meta = std::fs::metadata(path).ok()?;
                if meta.len() > MAX_FILE_SIZE as u64 {
                    return None;
                }
                let stamp = Some((meta.len(), meta.modified().ok()));
                if let Some((parsed, Some(old))) = &cached
                    && Some(*old) == stamp
                {
                    return Some(parsed.clone());
                }
                (std::fs::read_to_string(path).ok()?, stamp)
            }
        };
        let parsed = match cached {
            Some((parsed, _)) if parsed.text == text => parsed,
            Some((parsed, _)) if stamp.is_none() => match self.reparse(path, parsed, text) {
                Ok(updated) => updated,
                Err(text) => self.parse_text(text),
            },
            _ => self.parse_text(text),
        };
        self.parsed.borrow_mut().insert(
            path.to_path_buf(),
            Cached {
                parsed: parsed.clone(),
                stamp,
            },
        );
        Some(parsed)
    }

    fn parse_text(&self, text: String) -> Rc<Parsed> {
        self.parses.set(self.parses.get() + 1);
        let (tree, found) = crate::syntax::parse(crate::source::FileId(0), &text);
        let mut parsed = Parsed::of(text, tree.as_ref());
        parsed.tree = tree.filter(|_| found.is_empty());
        Rc::new(parsed)
    }

    /// The parse of an open document's new `text` from its parse before a
    /// change, where the change fell inside one top-level statement: only
    /// that statement is parsed again and its entries of the index
    /// replaced, so that a request sent while the user types is answered
    /// without parsing the whole document. Gives the text back when it must
    /// be parsed whole.
    fn reparse(&self, path: &Path, old: Rc<Parsed>, text: String) -> Result<Rc<Parsed>, String> {
        let file = crate::source::FileId(0);
        let Some(reparsed) =
            crate::syntax::reparse(file, &old.text, &text, &old.index.stmt_spans())
        else {
            return Err(text);
        };
        // The cache's copy is the only one between requests: update it in
        // place rather than copy the index.
        drop(self.parsed.borrow_mut().remove(path));
        let mut parsed = Rc::try_unwrap(old).unwrap_or_else(|shared| Parsed {
            text: shared.text.clone(),
            starts: shared.starts.clone(),
            index: shared.index.clone(),
            tree: shared.tree.clone(),
        });
        if !parsed.index.update(&reparsed, &text) {
            return Err(text);
        }
        parsed.starts = text::respliced_starts(
            &parsed.starts,
            &text,
            reparsed.replaced.clone(),
            reparsed.delta,
        );
        if let Some(tree) = &mut parsed.tree
            && !crate::syntax::splice(tree, reparsed, &text)
        {
            parsed.tree = None;
        }
        parsed.text = text;
        self.reparses.set(self.reparses.get() + 1);
        Ok(Rc::new(parsed))
    }

    /// An open document's parse with its syntax tree, when the cache holds
    /// one of its text or can update one from an earlier version's parse a
    /// statement at a time ([`Server::reparse`]).
    fn kept_tree(&self, path: &Path) -> Option<Rc<Parsed>> {
        let text = self.open.get(path)?;
        let cached = self.parsed.borrow().get(path).map(|c| c.parsed.clone())?;
        cached.tree.as_ref()?;
        if cached.text == *text {
            return Some(cached);
        }
        let updated = self.reparse(path, cached, text.clone()).ok()?;
        self.parsed.borrow_mut().insert(
            path.to_path_buf(),
            Cached {
                parsed: updated.clone(),
                stamp: None,
            },
        );
        updated.tree.is_some().then_some(updated)
    }

    /// Forgets what was parsed from `path`, after the editor or the file
    /// system said it changed.
    fn invalidate(&self, path: &Path) {
        // An open document's parse stays: it is checked against the text
        // before use, and a request after a change updates it.
        if !self.open.contains_key(path) {
            self.parsed.borrow_mut().remove(path);
        }
        // Freeing a large compilation takes a while (14 ms at 10k steps):
        // not on the way to answering the request that may come next.
        let stale: Vec<crate::Compilation> = self
            .compiled
            .borrow_mut()
            .extract_if(|_, c| c.reads.iter().any(|(p, _)| p == path))
            .filter_map(|(_, c)| Rc::try_unwrap(c.compilation).ok())
            .collect();
        if !stale.is_empty() {
            std::thread::spawn(move || drop(stale));
        }
    }

    /// The compilation of `path` as a root, from the cache while every
    /// file it read (and the `Playbook.toml` that applies) reads the same.
    fn compile(&self, path: &Path) -> Option<Rc<crate::Compilation>> {
        let config = self.config_file(path);
        let (project, config_error) = self.project(path, config.as_ref());
        let loader = self.loader(&project);
        if let Some(c) = self.compiled.borrow().get(path)
            && c.config == config
            && c.reads.iter().all(|(p, read)| loader.read(p) == *read)
        {
            return Some(c.compilation.clone());
        }
        self.compilations.set(self.compilations.get() + 1);
        // An open document is parsed once per version: when the cache holds
        // its tree, or can update it from an earlier version's because a
        // change fell inside one statement, the compiler reads that tree;
        // else the compiler parses it and the cache is filled from that.
        let open = self.open.get(path).filter(|_| !self.refused.contains(path));
        let mut loader = loader;
        if open.is_some() {
            loader.parsed = self.kept_tree(path).map(|p| (path, p));
        }
        let handed = loader.parsed.is_some();
        if handed {
            self.kept_trees.set(self.kept_trees.get() + 1);
        }
        let recording = Recording::new(&loader);
        let mut indexed = None;
        let mut compilation = project
            .compile_observing(path, &recording, &mut |tree, text, clean| {
                if !handed && open.is_some_and(|o| o == text) {
                    let mut parsed = Parsed::of(text.to_string(), Some(tree));
                    parsed.tree = clean.then(|| tree.clone());
                    indexed = Some(parsed);
                }
            })
            .ok()?;
        if let Some(parsed) = indexed {
            self.parsed.borrow_mut().insert(
                path.to_path_buf(),
                Cached {
                    parsed: Rc::new(parsed),
                    stamp: None,
                },
            );
        }
        // A malformed `Playbook.toml` is never ignored in silence: its
        // first problem is shown at the top of every file it governs.
        if let Some(crate::project::OpenError::Config(sources, diagnostics)) = &config_error
            && let Some(first) = diagnostics.first()
            && let Some((id, _)) = compilation
                .sources
                .iter()
                .find(|(_, f)| Path::new(&f.name) == path)
        {
            let at = sources.get(first.primary.span.file);
            let position = at.line_col(first.primary.span.start as usize);
            compilation.diagnostics.insert(
                0,
                crate::diagnostic::Diagnostic::new(
                    first.code,
                    crate::source::Span::new(id, 0, 0),
                    format!(
                        "`{}` is malformed (line {}): {}; its settings do not apply",
                        at.name, position.0, first.message
                    ),
                )
                .label("governed by it")
                .help(first.help.clone().unwrap_or_else(|| {
                    "fix the configuration file; `playbook check` shows every problem".to_string()
                })),
            );
        }
        let compilation = Rc::new(compilation);
        self.compiled.borrow_mut().insert(
            path.to_path_buf(),
            Compiled {
                compilation: compilation.clone(),
                config,
                reads: recording.into_reads(),
            },
        );
        Some(compilation)
    }

    /// Every playbook of the workspace and every open document.
    fn files(&self) -> Vec<PathBuf> {
        let mut files: BTreeSet<PathBuf> = self.open.keys().cloned().collect();
        if let Some(root) = &self.root {
            for entry in ignore::WalkBuilder::new(root).build().flatten() {
                let p = entry.path();
                if p.extension().is_some_and(|e| e == "playbook") && p.is_file() {
                    files.insert(p.to_path_buf());
                }
            }
        }
        files
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "playbook"))
            .collect()
    }

    /// A file followed by the files it uses, transitively, breadth first.
    fn units(&self, path: &Path) -> Vec<PathBuf> {
        let mut order = vec![path.to_path_buf()];
        let mut next = 0;
        while next < order.len() {
            let current = order[next].clone();
            next += 1;
            let uses: Vec<String> = self
                .parse(&current)
                .map(|p| p.index.uses.clone())
                .unwrap_or_default();
            for u in uses {
                let joined = crate::load::join(&current, &u);
                if !order.contains(&joined) {
                    order.push(joined);
                }
            }
        }
        order
    }

    /// The declaration a name in `path` refers to: the first one in the
    /// file itself, then in the files it uses.
    fn resolve(&self, path: &Path, name: &str, context: &str) -> Option<(PathBuf, Symbol)> {
        let kinds = index::expected_kinds(context);
        let units = self.units(path);
        for pass in 0..2 {
            for unit in &units {
                let Some(parsed) = self.parse(unit) else {
                    continue;
                };
                if let Some(s) = parsed.index.symbols.iter().find(|s| {
                    s.name == name
                        && s.is_decl()
                        && (pass == 1 || kinds.is_empty() || kinds.contains(&s.kind.unwrap_or("")))
                }) {
                    return Some((unit.clone(), s.clone()));
                }
            }
        }
        None
    }

    /// The declaration at a position of a file, whether the position is on
    /// the declaration or on a reference to it.
    fn target(&self, doc: &lsp::TextDocumentPositionParams) -> Option<(PathBuf, Symbol)> {
        let path = path_of(&doc.text_document.uri)?;
        let parsed = self.parse(&path)?;
        let offset = parsed.lines().offset(doc.position);
        let symbol = parsed.index.at(offset)?.clone();
        if symbol.is_decl() {
            return Some((path, symbol));
        }
        self.resolve(&path, &symbol.name, symbol.context)
    }

    /// Every mention of a declaration across the workspace: `(file, start, end)`.
    fn mentions(&self, decl_file: &Path, decl: &Symbol) -> Vec<(PathBuf, usize, usize)> {
        let mut out = vec![(decl_file.to_path_buf(), decl.start, decl.end)];
        for file in self.files() {
            let units = self.units(&file);
            if !units.iter().any(|u| u == decl_file) {
                continue;
            }
            let refs: Vec<Symbol> = match self.parse(&file) {
                Some(p) => p
                    .index
                    .symbols
                    .iter()
                    .filter(|s| !s.is_decl() && s.name == decl.name)
                    .cloned()
                    .collect(),
                None => continue,
            };
            // Every reference has the declaration's name: what it resolves
            // to depends only on the statement it stands in, so each kind
            // of statement is resolved once per file.
            let mut resolved: HashMap<&'static str, bool> = HashMap::new();
            for r in refs {
                let ours = *resolved.entry(r.context).or_insert_with(|| {
                    self.resolve(&file, &r.name, r.context)
                        .is_some_and(|(f, d)| f == decl_file && d.start == decl.start)
                });
                if ours {
                    out.push((file.clone(), r.start, r.end));
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// Takes a notification in, and returns the files it changed: what
    /// was parsed and compiled from them is forgotten. Opening a document
    /// forgets nothing: its text is most often the file's, and what was
    /// read from that stays good.
    fn notification(&mut self, n: Notification) -> Vec<PathBuf> {
        let opened = n.method == "textDocument/didOpen";
        let changed = self.changes(n);
        if !opened {
            for path in &changed {
                self.invalidate(path);
            }
        }
        changed
    }

    /// Takes the text of an open document, unless it is larger than its
    /// project lets the compiler read: then it is refused, and the user
    /// told so once, when it grows past the limit.
    fn accept(&mut self, path: &Path, text: String) {
        let config = self.config_file(path);
        let limit = self.project(path, config.as_ref()).0.config.max_file_size();
        if text.len() > limit {
            if self.refused.insert(path.to_path_buf()) {
                let name = path.file_name().unwrap_or(path.as_os_str());
                self.notices.push(format!(
                    "`{}` is {} bytes, more than the {limit} the compiler reads: \
                     the language server leaves it aside until it is smaller \
                     (split it with `use`, or raise `max-file-size-mib` in `Playbook.toml`)",
                    name.to_string_lossy(),
                    text.len()
                ));
            }
        } else {
            self.refused.remove(path);
        }
        self.open.insert(path.to_path_buf(), text);
    }

    fn changes(&mut self, n: Notification) -> Vec<PathBuf> {
        let one = |path: Option<PathBuf>| path.into_iter().collect();
        match n.method.as_str() {
            "textDocument/didOpen" => {
                let Some(p) = params::<lsp::DidOpenTextDocumentParams>(n.params) else {
                    return Vec::new();
                };
                let path = path_of(&p.text_document.uri);
                if let Some(path) = &path {
                    self.accept(path, p.text_document.text);
                }
                one(path)
            }
            "textDocument/didChange" => {
                let Some(p) = params::<lsp::DidChangeTextDocumentParams>(n.params) else {
                    return Vec::new();
                };
                let Some(path) = path_of(&p.text_document.uri) else {
                    return Vec::new();
                };
                // Changes come as ranges replaced (the sync this server
                // asks for), so a keystroke does not send the whole
                // document; a change without a range is the whole text.
                let mut text = self.open.remove(&path).unwrap_or_default();
                for change in p.content_changes {
                    text::apply(&mut text, change);
                }
                self.accept(&path, text);
                vec![path]
            }
            "textDocument/didClose" => {
                let Some(p) = params::<lsp::DidCloseTextDocumentParams>(n.params) else {
                    return Vec::new();
                };
                let path = path_of(&p.text_document.uri);
                if let Some(path) = &path {
                    self.open.remove(path);
                    self.refused.remove(path);
                }
                one(path)
            }
            "textDocument/didSave" => {
                let p = params::<lsp::DidSaveTextDocumentParams>(n.params);
                one(p.and_then(|p| path_of(&p.text_document.uri)))
            }
            // Files created, changed or deleted outside the editor, which
            // the client watches (the VS Code extension: playbooks and
            // catalogues).
            "workspace/didChangeWatchedFiles" => {
                let p = params::<lsp::DidChangeWatchedFilesParams>(n.params);
                p.map(|p| p.changes)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|c| path_of(&c.uri))
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    /// Compiles every open document and every file that uses a changed
    /// one, and publishes their diagnostics.
    fn publish_pending(&mut self, connection: &Connection) {
        let changed = std::mem::take(&mut self.pending);
        let mut roots: BTreeSet<PathBuf> = self.open.keys().cloned().collect();
        for file in self.files() {
            // An open document is compiled anyway: it is not parsed a
            // second time only to learn what it uses.
            if roots.contains(&file) {
                continue;
            }
            let units = self.units(&file);
            if units.iter().any(|u| changed.contains(u)) {
                roots.insert(file);
            }
        }
        for c in &changed {
            if !self.open.contains_key(c) && !roots.contains(c) {
                // A closed file no importer brought back: clear it.
                self.send_diagnostics(connection, c, Vec::new());
            }
        }
        for root in roots {
            if root.extension().is_some_and(|e| e == "toml") {
                continue;
            }
            let diagnostics = self.diagnostics(&root);
            self.send_diagnostics(connection, &root, diagnostics);
        }
    }

    fn send_diagnostics(&mut self, connection: &Connection, path: &Path, d: Vec<lsp::Diagnostic>) {
        if d.is_empty() && !self.published.remove(path) {
            // Nothing to clear; still tell the client, which may wait for it.
        } else {
            self.published.insert(path.to_path_buf());
        }
        let params = lsp::PublishDiagnosticsParams {
            uri: uri_of(path),
            diagnostics: d,
            version: None,
        };
        connection.notify("textDocument/publishDiagnostics", &params);
    }

    /// The `Playbook.toml` nearest above `path`: its path and text.
    fn config_file(&self, path: &Path) -> Option<(PathBuf, String)> {
        let mut dir = path.parent();
        while let Some(d) = dir {
            let candidate = d.join("Playbook.toml");
            if let Some(text) = self.open.get(&candidate) {
                return Some((candidate, text.clone()));
            }
            if let Ok(text) = std::fs::read_to_string(&candidate) {
                return Some((candidate, text));
            }
            dir = d.parent();
        }
        None
    }

    /// The diagnostics `playbook check` reports in `path` itself.
    fn diagnostics(&self, path: &Path) -> Vec<lsp::Diagnostic> {
        let Some(compilation) = self.compile(path) else {
            return Vec::new();
        };
        let sources = &compilation.sources;
        let own = path.to_string_lossy().replace('\\', "/");
        // Each file's line starts and address, counted once for all its
        // diagnostics.
        let files: RefCell<HashMap<crate::source::FileId, (lsp::Uri, Vec<usize>)>> =
            RefCell::new(HashMap::new());
        let location = |span: crate::source::Span| {
            let file = sources.get(span.file);
            let mut files = files.borrow_mut();
            let (uri, starts) = files
                .entry(span.file)
                .or_insert_with(|| (uri_of(Path::new(&file.name)), text::line_starts(&file.text)));
            lsp::Location::new(
                uri.clone(),
                Lines::with_starts(&file.text, starts)
                    .range(span.start as usize, span.end as usize),
            )
        };
        compilation
            .diagnostics
            .iter()
            .filter(|d| sources.get(d.primary.span.file).name == own)
            .map(|d| {
                let mut related: Vec<lsp::DiagnosticRelatedInformation> = d
                    .secondary
                    .iter()
                    .map(|l| lsp::DiagnosticRelatedInformation {
                        location: location(l.span),
                        message: l.message.clone(),
                    })
                    .collect();
                let mut message = d.message.clone();
                if let Some(w) = &d.path {
                    message.push_str(&format!(
                        "\nwhen {}: {}",
                        w.describe_values(),
                        w.describe_steps()
                    ));
                    for (step, span) in &w.steps {
                        related.push(lsp::DiagnosticRelatedInformation {
                            location: location(*span),
                            message: format!("step `{step}` runs"),
                        });
                    }
                }
                if let Some(help) = &d.help {
                    message.push_str(&format!("\nhelp: {help}"));
                }
                lsp::Diagnostic {
                    range: location(d.primary.span).range,
                    severity: Some(match d.severity {
                        Severity::Error => lsp::DiagnosticSeverity::ERROR,
                        Severity::Warning => lsp::DiagnosticSeverity::WARNING,
                    }),
                    code: Some(lsp::NumberOrString::String(d.code.name().to_string())),
                    source: Some("playbook".to_string()),
                    message,
                    related_information: (!related.is_empty()).then_some(related),
                    data: d.help.as_ref().map(|h| json!({ "help": h })),
                    ..Default::default()
                }
            })
            .collect()
    }

    /// Answers a request. Each answer is written from the protocol's
    /// types to JSON text by the connection.
    fn request(&mut self, connection: &Connection, request: Request) {
        let Request { id, method, params } = request;
        let c = connection;
        match method.as_str() {
            "textDocument/hover" => c.answer(&id, self.hover(params).as_ref()),
            "textDocument/definition" => c.answer(&id, self.definition(params).as_ref()),
            "textDocument/references" => c.answer(&id, self.references(params).as_ref()),
            "textDocument/rename" => match self.rename(params) {
                Ok(edit) => c.answer(&id, edit.as_ref()),
                Err(message) => c.fail(&id, INVALID_PARAMS, &message),
            },
            "textDocument/documentSymbol" => c.answer(&id, self.symbols(params).as_ref()),
            "textDocument/completion" => c.answer(&id, self.completion(params).as_ref()),
            "textDocument/formatting" => c.answer(&id, self.formatting(params).as_ref()),
            "textDocument/codeAction" => c.answer(&id, self.code_actions(params).as_ref()),
            // Not part of the protocol: what the server holds, for tests
            // and for looking into a slow server.
            "playbook/status" => c.answer(
                &id,
                Some(&json!({
                    "parses": self.parses.get(),
                    "reparses": self.reparses.get(),
                    "kept_trees": self.kept_trees.get(),
                    "parsed_files": self.parsed.borrow().len(),
                    "compilations": self.compilations.get(),
                    "compiled_files": self.compiled.borrow().len(),
                    "open_documents": self.open.len(),
                })),
            ),
            _ => c.fail(
                &id,
                METHOD_NOT_FOUND,
                &format!("unsupported request `{method}`"),
            ),
        }
    }

    fn hover(&self, value: Value) -> Option<lsp::Hover> {
        let p: lsp::HoverParams = params(value)?;
        let doc = p.text_document_position_params;
        let (file, decl) = self.target(&doc)?;
        let mut markdown = format!("{} `{}`", decl.kind.unwrap_or("name"), decl.name);
        if let Some(ty) = &decl.ty {
            markdown.push_str(&format!(": `{ty}`"));
        }
        if let Some(text) = &decl.text {
            markdown.push_str(&format!("\n\n{text}"));
        }
        let here = path_of(&doc.text_document.uri)?;
        if file != here {
            let name = file.file_name().map(|n| n.to_string_lossy().to_string());
            markdown.push_str(&format!("\n\ndeclared in `{}`", name.unwrap_or_default()));
        }
        let parsed = self.parse(&here)?;
        let lines = parsed.lines();
        let offset = lines.offset(doc.position);
        let range = parsed.index.at(offset).map(|s| lines.range(s.start, s.end));
        Some(lsp::Hover {
            contents: lsp::HoverContents::Markup(lsp::MarkupContent {
                kind: lsp::MarkupKind::Markdown,
                value: markdown,
            }),
            range,
        })
    }

    fn location(&self, path: &Path, start: usize, end: usize) -> Option<lsp::Location> {
        let parsed = self.parse(path)?;
        let range = parsed.lines().range(start, end);
        Some(lsp::Location::new(uri_of(path), range))
    }

    /// The locations of mentions `(file, start, end)`: each file is looked
    /// up once, its kept line starts convert every mention in it.
    fn locations(&self, mentions: &[(PathBuf, usize, usize)]) -> Vec<lsp::Location> {
        let mut files: HashMap<&Path, Option<(lsp::Uri, Rc<Parsed>)>> = HashMap::new();
        mentions
            .iter()
            .filter_map(|(f, s, e)| {
                let (uri, parsed) = files
                    .entry(f.as_path())
                    .or_insert_with(|| self.parse(f).map(|p| (uri_of(f), p)))
                    .as_ref()?;
                Some(lsp::Location::new(
                    uri.clone(),
                    parsed.lines().range(*s, *e),
                ))
            })
            .collect()
    }

    fn definition(&self, value: Value) -> Option<lsp::GotoDefinitionResponse> {
        let p: lsp::GotoDefinitionParams = params(value)?;
        let (file, decl) = self.target(&p.text_document_position_params)?;
        let location = self.location(&file, decl.start, decl.end)?;
        Some(lsp::GotoDefinitionResponse::Scalar(location))
    }

    fn references(&self, value: Value) -> Option<Vec<lsp::Location>> {
        let p: lsp::ReferenceParams = params(value)?;
        let (file, decl) = self.target(&p.text_document_position)?;
        let mut mentions = self.mentions(&file, &decl);
        if !p.context.include_declaration {
            mentions.retain(|(f, s, _)| !(f == &file && *s == decl.start));
        }
        Some(self.locations(&mentions))
    }

    /// The kind of a declaration named `name` in the namespace of `decl`,
    /// in its file, the files it uses, or a file that uses it.
    fn declared_beside(&self, decl_file: &Path, decl: &Symbol, name: &str) -> Option<&'static str> {
        let criterion = |k: &str| k.ends_with("criterion");
        let same =
            |k: &str| decl.kind == Some(k) || (decl.kind.is_some_and(criterion) && criterion(k));
        let mut files = self.units(decl_file);
        for file in self.files() {
            if self.units(&file).iter().any(|u| u == decl_file) {
                files.push(file);
            }
        }
        files.iter().find_map(|f| {
            let parsed = self.parse(f)?;
            parsed
                .index
                .symbols
                .iter()
                .find(|s| s.name == name && s.kind.is_some_and(same))
                .and_then(|s| s.kind)
        })
    }

    fn rename(&self, value: Value) -> Result<Option<lsp::WorkspaceEdit>, String> {
        let Some(p) = params::<lsp::RenameParams>(value) else {
            return Ok(None);
        };
        let new = p.new_name;
        let valid = new
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
            && new
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            return Err(format!("`{new}` is not an id: use letters, digits and `-`"));
        }
        let Some((file, decl)) = self.target(&p.text_document_position) else {
            return Err("there is nothing to rename here".to_string());
        };
        if new != decl.name
            && let Some(kind) = self.declared_beside(&file, &decl, &new)
        {
            return Err(format!(
                "`{new}` is the id of a {kind} already: renaming `{}` to it would declare it twice",
                decl.name
            ));
        }
        let mut changes: HashMap<lsp::Uri, Vec<lsp::TextEdit>> = HashMap::new();
        for location in self.locations(&self.mentions(&file, &decl)) {
            changes
                .entry(location.uri)
                .or_default()
                .push(lsp::TextEdit::new(location.range, new.clone()));
        }
        // Translation keys name ids too (`step.prepare.title`).
        let translations = match self.parse(&file) {
            Some(p) => p.index.translations.clone(),
            None => Vec::new(),
        };
        for (_, relative) in translations {
            let catalogue = crate::load::join(&file, &relative);
            let Some(text) = self.text(&catalogue) else {
                continue;
            };
            let edits = rename_keys(&text, &decl.name, &new);
            if !edits.is_empty() {
                changes.entry(uri_of(&catalogue)).or_default().extend(edits);
            }
        }
        Ok(Some(lsp::WorkspaceEdit {
            changes: Some(changes),
            ..Default::default()
        }))
    }

    fn symbols(&self, value: Value) -> Option<lsp::DocumentSymbolResponse> {
        let p: lsp::DocumentSymbolParams = params(value)?;
        let path = path_of(&p.text_document.uri)?;
        let parsed = self.parse(&path)?;
        let lines = parsed.lines();
        #[allow(deprecated)]
        fn convert(o: &Outline, lines: &Lines) -> lsp::DocumentSymbol {
            lsp::DocumentSymbol {
                name: o.name.clone(),
                detail: o.detail.clone(),
                kind: match o.kind {
                    "step" => lsp::SymbolKind::CLASS,
                    "task" => lsp::SymbolKind::EVENT,
                    "entry criterion" | "exit criterion" => lsp::SymbolKind::INTERFACE,
                    "item" => lsp::SymbolKind::METHOD,
                    "input" | "field" | "decision" => lsp::SymbolKind::VARIABLE,
                    "definition" => lsp::SymbolKind::CONSTANT,
                    "enum" => lsp::SymbolKind::ENUM,
                    "enum value" => lsp::SymbolKind::ENUM_MEMBER,
                    "role" => lsp::SymbolKind::OBJECT,
                    _ => lsp::SymbolKind::KEY,
                },
                tags: None,
                deprecated: None,
                range: lines.range(o.span.start as usize, o.span.end as usize),
                selection_range: lines.range(o.selection.start as usize, o.selection.end as usize),
                children: (!o.children.is_empty())
                    .then(|| o.children.iter().map(|c| convert(c, lines)).collect()),
            }
        }
        let symbols: Vec<lsp::DocumentSymbol> = parsed
            .index
            .outline
            .iter()
            .map(|o| convert(o, &lines))
            .collect();
        Some(lsp::DocumentSymbolResponse::Nested(symbols))
    }

    fn completion(&self, value: Value) -> Option<Vec<lsp::CompletionItem>> {
        let p: lsp::CompletionParams = params(value)?;
        let doc = p.text_document_position;
        let path = path_of(&doc.text_document.uri)?;
        let text = self.text(&path)?;
        let offset = Lines::new(&text).offset(doc.position);
        let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let before = &text[line_start..offset];
        // The word starts after the last character that is not part of an
        // id, which may be wider than one byte.
        let word_start = before
            .char_indices()
            .rfind(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let prefix = &before[word_start..];
        let previous: Vec<&str> = before[..word_start].split_whitespace().collect();
        let mut items: Vec<lsp::CompletionItem> = Vec::new();
        if previous.is_empty() {
            // What a statement may start with, from the grammar.
            for k in crate::syntax::keywords::statement_phrases()
                .iter()
                .filter(|k| k.starts_with(prefix))
            {
                items.push(lsp::CompletionItem {
                    label: k.to_string(),
                    kind: Some(lsp::CompletionItemKind::KEYWORD),
                    ..Default::default()
                });
            }
            return Some(items);
        }
        let context = match previous.as_slice() {
            [.., "complete", "task"] => "complete task",
            [.., "applies", "to"] => "applies",
            [.., "to"] if previous.first() == Some(&"send") => "to",
            [.., "in"]
                if previous
                    .first()
                    .is_some_and(|w| *w == "entry" || *w == "exit") =>
            {
                "in"
            }
            [first, ..] => match *first {
                "owner" | "with" | "after" | "send" | "request" | "motions" | "record"
                | "phase" => first,
                "task" => "owner",
                _ => "expression",
            },
            [] => "expression",
        };
        let kinds = index::expected_kinds(context);
        // Declarations of the file and of the files it uses.
        let units = self.units(&path);
        let mut seen = BTreeSet::new();
        for unit in units {
            let Some(parsed) = self.parse(&unit) else {
                continue;
            };
            for s in parsed.index.symbols.iter().filter(|s| s.is_decl()) {
                let kind = s.kind.unwrap_or("");
                let fits = if kinds.is_empty() {
                    matches!(
                        kind,
                        "input"
                            | "definition"
                            | "decision"
                            | "enum value"
                            | "loop variable"
                            | "field"
                    ) || (context == "record" && kind.ends_with("criterion"))
                        || (context == "record" && kind == "item")
                } else {
                    kinds.contains(&kind)
                };
                if fits && s.name.starts_with(prefix) && seen.insert(s.name.clone()) {
                    items.push(lsp::CompletionItem {
                        label: s.name.clone(),
                        kind: Some(lsp::CompletionItemKind::REFERENCE),
                        detail: Some(match &s.text {
                            Some(t) => format!("{kind}: {t}"),
                            None => kind.to_string(),
                        }),
                        ..Default::default()
                    });
                }
            }
        }
        if context == "expression" {
            // What an operand or operator may start with, from the grammar.
            for k in crate::syntax::keywords::expression_phrases()
                .iter()
                .filter(|k| k.starts_with(prefix))
            {
                items.push(lsp::CompletionItem {
                    label: k.to_string(),
                    kind: Some(lsp::CompletionItemKind::KEYWORD),
                    ..Default::default()
                });
            }
        }
        Some(items)
    }

    fn formatting(&self, value: Value) -> Option<Vec<lsp::TextEdit>> {
        let p: lsp::DocumentFormattingParams = params(value)?;
        let path = path_of(&p.text_document.uri)?;
        let text = self.text(&path)?;
        let formatted = crate::fmt::format(crate::source::FileId(0), &text).ok()?;
        let edits = if formatted == text {
            Vec::new()
        } else {
            vec![lsp::TextEdit::new(Lines::new(&text).all(), formatted)]
        };
        Some(edits)
    }

    /// The quick fixes of the diagnostics in the range: each one a fix the
    /// compiler attached to its diagnostic, applied as it is.
    fn code_actions(&self, value: Value) -> Option<Vec<lsp::CodeActionOrCommand>> {
        let p: lsp::CodeActionParams = params(value)?;
        let uri = p.text_document.uri.clone();
        let path = path_of(&uri)?;
        let text = self.text(&path)?;
        let lines = Lines::new(&text);
        let (from, to) = (lines.offset(p.range.start), lines.offset(p.range.end));
        let compilation = self.compile(&path)?;
        let own = path.to_string_lossy().replace('\\', "/");
        let mut actions = Vec::new();
        for d in &compilation.diagnostics {
            let span = d.primary.span;
            if compilation.sources.get(span.file).name != own
                || (span.end as usize) < from
                || (span.start as usize) > to
            {
                continue;
            }
            for fix in &d.fixes {
                let mut changes: HashMap<lsp::Uri, Vec<lsp::TextEdit>> = HashMap::new();
                for edit in &fix.edits {
                    let file = compilation.sources.get(edit.span.file);
                    let target = if file.name == own {
                        uri.clone()
                    } else {
                        uri_of(Path::new(&file.name))
                    };
                    let range = Lines::new(&file.text)
                        .range(edit.span.start as usize, edit.span.end as usize);
                    changes
                        .entry(target)
                        .or_default()
                        .push(lsp::TextEdit::new(range, edit.text.clone()));
                }
                actions.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                    title: fix.title.clone(),
                    kind: Some(lsp::CodeActionKind::QUICKFIX),
                    is_preferred: Some(true),
                    edit: Some(lsp::WorkspaceEdit {
                        changes: Some(changes),
                        ..Default::default()
                    }),
                    ..Default::default()
                }));
            }
        }
        Some(actions)
    }
}

/// JSON-RPC error codes.
const INVALID_PARAMS: i32 = lsp_server::ErrorCode::InvalidParams as i32;
const METHOD_NOT_FOUND: i32 = lsp_server::ErrorCode::MethodNotFound as i32;

/// Edits renaming the id `old` in the keys of a translation catalogue.
fn rename_keys(text: &str, old: &str, new: &str) -> Vec<lsp::TextEdit> {
    let lines = Lines::new(text);
    let mut edits = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix('"')
            && let Some(end) = rest.find('"')
        {
            let key = &rest[..end];
            let mut at = offset + 1;
            for segment in key.split('.') {
                if segment == old {
                    edits.push(lsp::TextEdit::new(
                        lines.range(at, at + old.len()),
                        new.to_string(),
                    ));
                }
                at += segment.len() + 1;
            }
        }
        offset += line.len();
    }
    edits
}
