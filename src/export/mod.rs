//! Exports: the compiled model as documents, diagrams and data. Each format
//! is a pure function of an [`ir::Playbook`] and a locale, one file each;
//! [`specialise`] narrows a model to one customer before it is exported.

pub mod bpmn;
pub mod dot;
mod expr;
mod flow;
pub mod html;
pub mod json;
pub mod markdown;
pub mod mermaid;
mod phrase;
pub mod specialise;
mod text;

use crate::ir;

/// The formats `playbook export --to` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A Markdown document.
    Markdown,
    /// A standalone HTML page.
    Html,
    /// The compiled model as JSON (schema in docs/playbook.schema.json).
    Json,
    /// A Graphviz DOT flowchart of the steps.
    Dot,
    /// A Mermaid flowchart of the steps, as GitHub renders it.
    Mermaid,
    /// A BPMN 2.0 process.
    Bpmn,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Markdown => "markdown",
            Format::Html => "html",
            Format::Json => "json",
            Format::Dot => "dot",
            Format::Mermaid => "mermaid",
            Format::Bpmn => "bpmn",
        }
    }
}

/// `model` in `format`, with texts in `locale` (JSON carries every locale).
pub fn export(model: &ir::Playbook, format: Format, locale: &str) -> String {
    match format {
        Format::Json => json::render(model),
        Format::Dot => dot::render(model, locale),
        Format::Mermaid => mermaid::render(model, locale),
        Format::Markdown => markdown::render(model, locale),
        Format::Html => html::render(model, locale),
        Format::Bpmn => bpmn::render(model, locale),
    }
}
