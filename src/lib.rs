//! `playbook`: a compiler for business-process playbooks.
//!
//! The pipeline, one function per stage:
//!
//! ```text
//! bytes --decode--> text --syntax::parse--> ast::File --resolve--> ir::Playbook --check--> diagnostics
//!                         (+ `use`d catalogues, + translation catalogues)
//! ```
//!
//! [`compile`] chains the stages. The only I/O goes through the [`Loader`]
//! the caller passes in; everything else is pure.

// pest is built without its `std` feature (see Cargo.toml): the parser it
// generates then names the `alloc` crate.
extern crate alloc;

pub mod ast;
pub mod check;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod doc;
pub mod escape;
pub mod eval;
pub mod export;
pub mod fix;
pub mod fmt;
pub mod fs;
pub mod i18n;
pub mod import;
pub mod ir;
pub mod labels;
mod load;
pub mod lsp;
pub mod project;
pub mod registry;
pub mod resolve;
pub mod run;
pub mod run_store;
pub mod runs;
pub mod serve;
pub mod source;
pub mod suggest;
pub mod syntax;

use diagnostic::Diagnostic;
use source::Sources;
use std::path::Path;

pub use load::Loader;

/// The result of compiling one file.
#[derive(Debug)]
pub struct Compilation {
    /// Every file read, for rendering diagnostics.
    pub sources: Sources,
    /// The model, when there is no error.
    pub model: Option<ir::Playbook>,
    /// Errors and warnings, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Compilation {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }
}

/// Compiles the playbook or catalogue at `path` with the default
/// configuration. Fails only when `path` itself cannot be read; every other
/// problem is a diagnostic.
pub fn compile(path: &Path, loader: &dyn Loader) -> Result<Compilation, String> {
    compile_with(path, loader, &config::Config::default())
}

/// Compiles with a project configuration (required locales, code levels).
pub fn compile_with(
    path: &Path,
    loader: &dyn Loader,
    config: &config::Config,
) -> Result<Compilation, String> {
    compile_observing(path, loader, config, &mut |_, _, _| {})
}

/// Compiles as [`compile_with`] does, showing `root` the syntax tree of the
/// file at `path`, its text, and whether parsing it gave no diagnostics,
/// when it parses, before the trees are freed: the language server builds
/// its index of the document from it instead of parsing the text a second
/// time.
pub fn compile_observing(
    path: &Path,
    loader: &dyn Loader,
    config: &config::Config,
    root: &mut dyn FnMut(&ast::File, &str, bool),
) -> Result<Compilation, String> {
    let mut sources = Sources::new();
    let mut diagnostics = Vec::new();
    let text = loader.read(path)?;
    let limit = config.max_file_size();
    let loaded = load::parse_with_uses(path, text, limit, loader, &mut sources, &mut diagnostics);
    let modules = loaded.parsed;
    if let Some(first) = modules.first().filter(|m| m.path == path) {
        let file = first.tree.span.file;
        let clean = diagnostics.iter().all(|d| d.primary.span.file != file);
        root(&first.tree, &sources.get(file).text, clean);
    }
    let model = match modules.first() {
        Some(root) if root.path == path && loaded.complete => {
            let translations =
                load::translations(&modules, limit, loader, &mut sources, &mut diagnostics);
            // The resolver takes the syntax trees, frees those parsed here
            // as it builds the model (a tree the loader lent is only read),
            // and drops them all before the checks.
            let resolved: Vec<resolve::Module> = modules
                .into_iter()
                .map(|m| resolve::Module {
                    tree: m.tree,
                    name: m.name,
                })
                .collect();
            resolve::resolve(&sources, resolved, &translations, &mut diagnostics)
        }
        _ => resolve::Resolved {
            model: None,
            path_model: None,
        },
    };
    let resolve::Resolved { model, path_model } = model;
    // Checks run only on a model without errors.
    let model = model.filter(|_| !diagnostics.iter().any(Diagnostic::is_error));
    if let Some(model) = &model {
        diagnostics.extend(check::check(model));
        diagnostics.extend(check::required_locales(model, &config.locales));
    } else if let Some(partial) = &path_model {
        // Misspelt names no path rule reads: the path errors are reported
        // in the same round, not after the names are fixed.
        diagnostics.extend(check::path_checks(partial));
    }
    config.apply(&mut diagnostics);
    let model = model.filter(|_| !diagnostics.iter().any(Diagnostic::is_error));
    fix::complete(&mut diagnostics, &sources);
    diagnostic::sort(&mut diagnostics);
    Ok(Compilation {
        sources,
        model,
        diagnostics,
    })
}

/// Compiles source text held in memory (tests, the language server).
pub fn compile_str(name: &str, text: &str) -> Compilation {
    struct Only<'a>(&'a str, &'a str);
    impl Loader for Only<'_> {
        fn read(&self, path: &Path) -> Result<Vec<u8>, String> {
            if path == Path::new(self.0) {
                Ok(self.1.as_bytes().to_vec())
            } else {
                Err("no such file".to_string())
            }
        }
    }
    compile(Path::new(name), &Only(name, text)).unwrap_or_else(|_| Compilation {
        sources: Sources::new(),
        model: None,
        diagnostics: Vec::new(),
    })
}
