//! Following `use` and `translation` statements through a [`Loader`].
//!
//! Paths are joined and normalised lexically (no file system access here);
//! the loader decides what may be read.

use crate::ast::{self, StmtKind};
use crate::diagnostic::Diagnostic;
use crate::i18n;
use crate::registry::Code;
use crate::source::{FileId, SourceFile, Sources, Span};
use crate::syntax;
use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::path::{Component, Path, PathBuf};

/// Where the compiler gets file contents from.
pub trait Loader {
    /// Reads the file at `path`, which the compiler built by joining a
    /// `use` or `translation` path to the folder of the file naming it.
    fn read(&self, path: &Path) -> Result<Vec<u8>, String>;

    /// The syntax tree of `text`, the file at `path` registered as `file`,
    /// when the loader kept one from an earlier parse (the language server
    /// keeps an open document's, updated a statement at a time as the user
    /// types): the compiler then does not parse the text again. A loader
    /// hands over only a tree whose parse gave no diagnostics; the compiler
    /// reports [`syntax::suspicious`] of the text with it, as a parse would,
    /// and reads the tree without changing it.
    fn parsed(&self, path: &Path, file: FileId, text: &str) -> Option<&ast::File> {
        let _ = (path, file, text);
        None
    }
}

/// A file the compiler asked for, and what reading it gave.
pub type FileRead = (PathBuf, Result<Vec<u8>, String>);

/// A loader that notes every file the compiler asks for and what reading
/// it gave, in order: the compiler reads nothing else, so compiling again
/// gives the same result while each of those reads gives the same (the
/// language server's kept compilations, a run's record of its sources).
pub struct Recording<'l> {
    inner: &'l dyn Loader,
    reads: std::cell::RefCell<Vec<FileRead>>,
}

impl<'l> Recording<'l> {
    pub fn new(inner: &'l dyn Loader) -> Recording<'l> {
        Recording {
            inner,
            reads: std::cell::RefCell::new(Vec::new()),
        }
    }

    /// Every read, in order.
    pub fn into_reads(self) -> Vec<FileRead> {
        self.reads.into_inner()
    }
}

impl Loader for Recording<'_> {
    fn read(&self, path: &Path) -> Result<Vec<u8>, String> {
        let read = self.inner.read(path);
        self.reads
            .borrow_mut()
            .push((path.to_path_buf(), read.clone()));
        read
    }

    fn parsed(&self, path: &Path, file: FileId, text: &str) -> Option<&ast::File> {
        self.inner.parsed(path, file, text)
    }
}

/// A parsed file.
pub struct Parsed<'l> {
    pub path: PathBuf,
    pub name: String,
    /// The tree parsed here, or the one the loader kept.
    pub tree: Cow<'l, ast::File>,
}

/// Joins `relative` to the folder of `from`, removing `.` and `..` lexically.
pub fn join(from: &Path, relative: &str) -> PathBuf {
    let base = from.parent().unwrap_or(Path::new(""));
    let mut out = PathBuf::new();
    for c in base.join(relative).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                let popped =
                    matches!(out.components().next_back(), Some(Component::Normal(_))) && out.pop();
                if !popped {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Whether a `use` path is absolute on any platform: `/x`, `\\x`, `C:...`.
/// Project files must not depend on where the project lies.
fn is_absolute(path: &str) -> bool {
    let bytes = path.as_bytes();
    path.starts_with('/')
        || path.starts_with('\\')
        || (bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':')
        || Path::new(path).is_absolute()
}

fn display(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// Decodes and parses one file (or takes the tree the loader kept of it);
/// registers it in `sources`.
fn parse_file<'l>(
    path: &Path,
    bytes: Vec<u8>,
    limit: usize,
    loader: &'l dyn Loader,
    sources: &mut Sources,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Cow<'l, ast::File>> {
    let id = FileId(sources.len() as u32);
    let text = match syntax::decode(id, &bytes, limit) {
        Ok(text) => text,
        Err(boxed) => {
            let (shown, d) = *boxed;
            sources.add(SourceFile::new(display(path), shown));
            diagnostics.push(d);
            return None;
        }
    };
    sources.add(SourceFile::new(display(path), text));
    let text = &sources.get(id).text;
    if let Some(tree) = loader.parsed(path, id, text) {
        diagnostics.extend(syntax::suspicious(id, text));
        return Some(Cow::Borrowed(tree));
    }
    let (tree, found) = syntax::parse(id, text);
    diagnostics.extend(found);
    tree.map(Cow::Owned)
}

/// The files of one compilation.
pub struct Loaded<'l> {
    /// The root first (when it parsed), then the catalogues it uses.
    pub parsed: Vec<Parsed<'l>>,
    /// Whether every `use`d file was read and parsed. When one was not,
    /// resolving would only report the names it should have declared.
    pub complete: bool,
}

/// Parses the root file and, breadth first, every catalogue it `use`s.
pub fn parse_with_uses<'l>(
    root: &Path,
    bytes: Vec<u8>,
    limit: usize,
    loader: &'l dyn Loader,
    sources: &mut Sources,
    diagnostics: &mut Vec<Diagnostic>,
) -> Loaded<'l> {
    let mut parsed = Vec::new();
    let mut complete = true;
    let Some(tree) = parse_file(root, bytes, limit, loader, sources, diagnostics) else {
        return Loaded {
            parsed,
            complete: false,
        };
    };
    let mut index: FxHashMap<PathBuf, usize> = FxHashMap::from_iter([(root.to_path_buf(), 0)]);
    // Edges of the `use` graph: (from, to, the `use` statement's span).
    let mut edges: Vec<(usize, usize, Span)> = Vec::new();
    parsed.push(Parsed {
        path: root.to_path_buf(),
        name: display(root),
        tree,
    });
    let mut next = 0;
    while next < parsed.len() {
        let from = parsed[next].path.clone();
        let uses: Vec<ast::Text> = parsed[next]
            .tree
            .body
            .iter()
            .filter_map(|s| match &s.kind {
                StmtKind::Use(path) => Some(path.clone()),
                _ => None,
            })
            .collect();
        for used in uses {
            if is_absolute(&used.value) {
                diagnostics.push(
                    Diagnostic::new(
                        Code::ImportError,
                        used.span,
                        format!("`{}` is an absolute path", used.value),
                    )
                    .label("absolute path")
                    .help("write the path relative to the folder of this file, inside the project"),
                );
                complete = false;
                continue;
            }
            let path = join(&from, &used.value);
            if let Some(&target) = index.get(&path) {
                edges.push((next, target, used.span));
                continue;
            }
            let bytes = match loader.read(&path) {
                Ok(bytes) => bytes,
                Err(reason) => {
                    diagnostics.push(
                        Diagnostic::new(
                            Code::ImportError,
                            used.span,
                            format!("cannot read `{}`: {reason}", display(&path)),
                        )
                        .label("this file cannot be used")
                        .help("the path is relative to the folder of this file, and must stay inside the project folder"),
                    );
                    complete = false;
                    continue;
                }
            };
            let Some(tree) = parse_file(&path, bytes, limit, loader, sources, diagnostics) else {
                complete = false;
                continue;
            };
            if tree.kind == ast::UnitKind::Playbook {
                diagnostics.push(
                    Diagnostic::new(
                        Code::ImportError,
                        used.span,
                        format!(
                            "`{}` is a playbook; only catalogues can be used",
                            display(&path)
                        ),
                    )
                    .label("not a catalogue")
                    .help(
                        "move the shared declarations into a `catalogue` block and use that file",
                    ),
                );
                complete = false;
                continue;
            }
            index.insert(path.clone(), parsed.len());
            edges.push((next, parsed.len(), used.span));
            parsed.push(Parsed {
                name: display(&path),
                path,
                tree,
            });
        }
        next += 1;
    }
    report_cycles(&parsed, &edges, diagnostics);
    Loaded { parsed, complete }
}

fn report_cycles(
    parsed: &[Parsed],
    edges: &[(usize, usize, Span)],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut graph = petgraph::Graph::<usize, Span>::new();
    let nodes: Vec<_> = (0..parsed.len()).map(|i| graph.add_node(i)).collect();
    for (a, b, span) in edges {
        graph.add_edge(nodes[*a], nodes[*b], *span);
    }
    for scc in petgraph::algo::kosaraju_scc(&graph) {
        let cyclic = scc.len() > 1
            || scc
                .first()
                .is_some_and(|n| graph.find_edge(*n, *n).is_some());
        if !cyclic {
            continue;
        }
        // Walk the cycle from its first file, staying inside the component.
        let mut members: Vec<_> = scc.clone();
        members.sort_by_key(|n| graph[*n]);
        let start = members[0];
        let mut path = vec![start];
        let mut current = start;
        let mut first_span = None;
        while let Some(edge) = graph
            .edges(current)
            .filter(|e| members.contains(&petgraph::visit::EdgeRef::target(e)))
            .min_by_key(|e| graph[petgraph::visit::EdgeRef::target(e)])
        {
            let target = petgraph::visit::EdgeRef::target(&edge);
            first_span.get_or_insert(*edge.weight());
            path.push(target);
            if target == start || path.len() > members.len() + 1 {
                break;
            }
            current = target;
        }
        let names: Vec<&str> = path
            .iter()
            .map(|n| parsed[graph[*n]].name.as_str())
            .collect();
        if let Some(span) = first_span {
            diagnostics.push(
                Diagnostic::new(
                    Code::ImportCycle,
                    span,
                    format!("files use each other in a cycle: {}", names.join(" -> ")),
                )
                .label("this `use` closes the cycle")
                .help("move what both files need into a third catalogue that neither uses"),
            );
        }
    }
}

/// Loads the translation catalogues every parsed file names. Returns each
/// with the index of the file that names it.
pub fn translations(
    parsed: &[Parsed],
    limit: usize,
    loader: &dyn Loader,
    sources: &mut Sources,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<(usize, i18n::Catalogue)> {
    let mut out = Vec::new();
    for (module, p) in parsed.iter().enumerate() {
        let mut seen: FxHashMap<&str, Span> = FxHashMap::default();
        for stmt in &p.tree.body {
            let StmtKind::Translation { locale, path } = &stmt.kind else {
                continue;
            };
            if let Some(first) = seen.insert(&locale.name, locale.span) {
                diagnostics.push(
                    Diagnostic::new(
                        Code::DuplicateId,
                        locale.span,
                        format!("locale `{}` has two translation catalogues", locale.name),
                    )
                    .label("second catalogue")
                    .with(first, "first catalogue")
                    .help("keep one catalogue per locale"),
                );
                continue;
            }
            let file_path = join(&p.path, &path.value);
            let bytes = match loader.read(&file_path) {
                Ok(bytes) => bytes,
                Err(reason) => {
                    diagnostics.push(
                        Diagnostic::new(
                            Code::ImportError,
                            path.span,
                            format!("cannot read `{}`: {reason}", display(&file_path)),
                        )
                        .label("this catalogue cannot be read")
                        .help("the path is relative to the folder of this file"),
                    );
                    continue;
                }
            };
            let id = FileId(sources.len() as u32);
            let text = match syntax::decode(id, &bytes, limit) {
                Ok(text) => text,
                Err(boxed) => {
                    let (shown, d) = *boxed;
                    sources.add(SourceFile::new(display(&file_path), shown));
                    diagnostics.push(d);
                    continue;
                }
            };
            sources.add(SourceFile::new(display(&file_path), text));
            diagnostics.extend(syntax::scan::suspicious(id, &sources.get(id).text));
            let (catalogue, found) =
                i18n::parse(id, &sources.get(id).text, &locale.name, path.span);
            diagnostics.extend(found);
            if let Some(c) = catalogue {
                out.push((module, c));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_lexically() {
        assert_eq!(
            join(Path::new("playbooks/a.playbook"), "common/c.playbook"),
            PathBuf::from("playbooks/common/c.playbook")
        );
        assert_eq!(
            join(Path::new("playbooks/x/a.playbook"), "../c.playbook"),
            PathBuf::from("playbooks/c.playbook")
        );
        assert_eq!(
            join(Path::new("a.playbook"), "../../c.playbook"),
            PathBuf::from("../../c.playbook")
        );
        assert_eq!(
            join(Path::new("./a.playbook"), "./b.playbook"),
            PathBuf::from("b.playbook")
        );
    }
}
