//! No text of a playbook survives unescaped in any export.
//!
//! `tests/fixtures/export/hostile-documents.playbook` puts `<script>`,
//! attribute break-outs (`"onmouseover=`), `javascript:` links and Markdown
//! syntax into every kind of text. Each format has a check that reads its
//! output as its consumers do and lists what the texts managed to create.
//! The hostile output is compared with a benign twin, the same playbook with
//! plain words for every text: any difference in structure is syntax that a
//! text created. To cover another export, add a row to [`FORMATS`].

use super::export_documents::{Render, compile, root};
use super::md_lines;
use playbook::export::{html, markdown};
use playbook::ir::{Item, Playbook, walk_items};
use playbook::labels;
use serde_json::Value;

/// An export and the check of its output.
struct Format {
    name: &'static str,
    render: Render,
    /// What the texts of `model` created in `hostile`, its rendering, that
    /// `benign`, the rendering of its benign twin, lacks.
    check: fn(model: &Playbook, hostile: &str, benign: &str) -> Vec<String>,
}

const FORMATS: &[Format] = &[
    Format {
        name: "markdown",
        render: markdown::render,
        check: check_markdown,
    },
    Format {
        name: "html",
        render: html::render,
        check: check_html,
    },
];

const FIXTURE: &str = "tests/fixtures/export/hostile-documents.playbook";

fn hostile() -> Playbook {
    compile(&root(FIXTURE))
}

/// The same playbook with every text replaced by plain words (keeping its
/// placeholders) and every person by a plain name.
fn benign(model: &Playbook) -> Playbook {
    let mut value = serde_json::to_value(model).expect("the model serialises");
    let mut stack = vec![&mut value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                let is_text = map.len() == 2
                    && map.get("key").is_some_and(Value::is_string)
                    && map.get("text").is_some_and(Value::is_object);
                if is_text {
                    if let Some(Value::Object(texts)) = map.get_mut("text") {
                        for t in texts.values_mut() {
                            let words = plain_words(t.as_str().unwrap_or_default());
                            *t = Value::String(words);
                        }
                    }
                    continue;
                }
                if let Some(who) = map.get_mut("who") {
                    *who = Value::String("Someone".into());
                }
                stack.extend(map.values_mut());
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            _ => {}
        }
    }
    let header = &mut value["header"];
    for key in ["author", "owner"] {
        if header[key].is_string() {
            header[key] = Value::String("Someone".into());
        }
    }
    serde_json::from_value(value).expect("the model deserialises")
}

/// "Plain words" for each paragraph of `text`, followed by its placeholders.
fn plain_words(text: &str) -> String {
    let mut paragraphs: Vec<Vec<&str>> = vec![Vec::new()];
    for line in text.lines() {
        match paragraphs.last_mut() {
            Some(p) if line.trim().is_empty() && !p.is_empty() => paragraphs.push(Vec::new()),
            Some(p) if !line.trim().is_empty() => p.push(line),
            _ => {}
        }
    }
    paragraphs
        .iter()
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut out = String::from("Plain words");
            for placeholder in playbook::syntax::placeholders(&p.join("\n")) {
                out.push_str(&format!(" {{{}}}", placeholder.name));
            }
            out
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// With every template and link address replaced by `url`.
fn with_addresses(model: &Playbook, url: &str) -> Playbook {
    let mut m = model.clone();
    for d in m.templates.iter_mut().chain(m.links.iter_mut()) {
        d.url = Some(url.to_string());
    }
    m
}

/// Whitespace runs as one space, trimmed.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The texts a document shows as they are (those without placeholders),
/// each paragraph on its own, whitespace collapsed, `{{` as `{`.
fn shown_texts(m: &Playbook, locale: &str) -> Vec<String> {
    let h = &m.header;
    let mut texts = Vec::new();
    texts.extend(h.title.iter().chain(&h.overview));
    for entries in [&h.objectives, &h.key_inputs, &h.key_outputs] {
        texts.extend(entries.iter().map(|e| &e.text));
    }
    texts.extend(h.next_steps.iter().map(|n| &n.text));
    texts.extend(h.history.iter().map(|e| &e.what));
    texts.extend(m.tasks.iter().map(|t| &t.name));
    texts.extend(m.criteria.iter().map(|c| &c.text));
    texts.extend(m.decisions.iter().map(|d| &d.question));
    texts.extend(m.inputs.iter().filter_map(|i| i.label.as_ref()));
    texts.extend(m.roles.iter().map(|r| &r.label));
    texts.extend(m.phases.iter().chain(&m.motions).map(|d| &d.label));
    texts.extend(m.services.iter().map(|d| &d.label));
    for e in &m.enums {
        texts.extend(e.values.iter().filter_map(|v| v.label.as_ref()));
    }
    for s in &m.steps {
        texts.push(&s.title);
        walk_items(&s.items, &mut |item| match item {
            Item::Do(d) => texts.push(&d.text),
            Item::Tip { text, .. } | Item::Warning { text, .. } => texts.push(text),
            _ => {}
        });
    }
    let mut out: Vec<String> = texts
        .into_iter()
        .map(|t| t.get(locale, &m.source_locale))
        .filter(|t| playbook::syntax::placeholders(t).is_empty())
        .flat_map(|t| {
            t.split("\n\n")
                .map(|p| collapse(&p.replace("{{", "{").replace("}}", "}")))
                .collect::<Vec<_>>()
        })
        .filter(|t| !t.is_empty())
        .collect();
    out.extend(h.history.iter().map(|e| collapse(&e.who)));
    out
}

fn is_safe_address(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    ["http://", "https://", "mailto:"]
        .iter()
        .any(|s| lower.starts_with(s))
}

// ---------------------------------------------------------------------------
// Markdown: read with a CommonMark parser.

fn check_markdown(model: &Playbook, hostile: &str, benign: &str) -> Vec<String> {
    let (h, b) = (md_lines::read(hostile), md_lines::read(benign));
    let mut problems = Vec::new();
    for (what, found) in [("HTML", &h.html), ("code", &h.code), ("image", &h.images)] {
        if !found.is_empty() {
            problems.push(format!("{what}: {found:?}"));
        }
    }
    for (text, url) in &h.links {
        if !is_safe_address(url) {
            problems.push(format!("link {text:?} to {url:?}"));
        }
    }
    let shape = |r: &md_lines::Read| {
        let levels: Vec<usize> = r.outline().into_iter().map(|(l, _)| l).collect();
        (
            levels,
            r.items,
            r.quotes,
            r.rules,
            r.emphasis,
            r.cells,
            r.links.len(),
        )
    };
    if shape(&h) != shape(&b) {
        problems.push(format!(
            "structure (headings, items, quotes, rules, emphasis, cells, links) {:?}, benign {:?}",
            shape(&h),
            shape(&b)
        ));
    }
    // The front matter: the same keys, one per line.
    let keys = |front: &str| -> Vec<String> {
        front
            .lines()
            .map(|l| l.split_once(": ").map_or(l, |(k, _)| k).to_string())
            .collect()
    };
    if keys(&h.front_matter) != keys(&b.front_matter) {
        problems.push(format!("front matter:\n{}", h.front_matter));
    }
    let text = h.text();
    let locale = front_matter_locale(&h.front_matter);
    for t in shown_texts(model, &locale) {
        if !text.contains(&t) {
            problems.push(format!("the text {t:?} does not read as written"));
        }
    }
    if let Some(title) = model.header.title.as_ref() {
        let title = collapse(title.get(&locale, &model.source_locale));
        if h.outline().first() != Some(&(1, title.clone())) {
            problems.push(format!("the title heading is not {title:?}"));
        }
    }
    problems
}

fn front_matter_locale(front: &str) -> String {
    front
        .lines()
        .find_map(|l| l.strip_prefix("locale: "))
        .map(|l| l.trim_matches('"').to_string())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------
// HTML: every tag and attribute, and the text between them.

/// One tag: its name (`/p` for a closing tag) and attributes, values
/// unescaped.
#[derive(Debug, PartialEq)]
struct Tag {
    name: String,
    attributes: Vec<(String, String)>,
}

/// The tags and the text of a page this exporter writes: every `<` outside
/// the style sheet starts a tag, since texts have theirs escaped.
fn scan(page: &str) -> (Vec<Tag>, String) {
    let mut tags = Vec::new();
    let mut text = String::new();
    let mut rest = page;
    while let Some(open) = rest.find('<') {
        text.push_str(&unescape(&rest[..open]));
        text.push(' ');
        let Some(close) = rest[open..].find('>').map(|c| open + c) else {
            tags.push(Tag {
                name: "unclosed <".into(),
                attributes: Vec::new(),
            });
            break;
        };
        let tag = parse_tag(&rest[open + 1..close]);
        rest = &rest[close + 1..];
        if tag.name == "style" {
            rest = rest.find("</style>").map_or("", |end| &rest[end..]);
        }
        tags.push(tag);
    }
    text.push_str(&unescape(rest));
    (tags, collapse(&text))
}

fn parse_tag(inner: &str) -> Tag {
    let inner = inner.trim_end_matches('/');
    let name_end = inner.find(char::is_whitespace).unwrap_or(inner.len());
    let name = inner[..name_end].to_ascii_lowercase();
    let mut attributes = Vec::new();
    let mut rest = inner[name_end..].trim_start();
    while !rest.is_empty() {
        let key_end = rest
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(rest.len());
        let key = rest[..key_end].to_ascii_lowercase();
        rest = rest[key_end..].trim_start();
        let mut value = String::new();
        if let Some(after) = rest.strip_prefix('=') {
            let after = after.trim_start();
            let (v, next) = match after.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let end = after[1..].find(q).map_or(after.len(), |e| e + 1);
                    (&after[1..end], after.get(end + 1..).unwrap_or_default())
                }
                _ => {
                    let end = after.find(char::is_whitespace).unwrap_or(after.len());
                    (&after[..end], &after[end..])
                }
            };
            value = unescape(v);
            rest = next.trim_start();
        }
        attributes.push((key, value));
    }
    Tag { name, attributes }
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

const TAGS: &[&str] = &[
    "!doctype", "html", "head", "meta", "title", "style", "body", "header", "main", "footer",
    "nav", "section", "article", "h1", "h2", "h3", "h4", "p", "dl", "dt", "dd", "div", "ul", "li",
    "span", "strong", "var", "label", "input", "a", "time", "table", "thead", "tbody", "tr", "th",
    "td",
];

/// (`html` is what the scanner reads as an attribute of `<!doctype html>`.)
const ATTRIBUTES: &[&str] = &[
    "html", "lang", "charset", "name", "content", "class", "id", "type", "href", "datetime",
    "scope",
];

fn check_html(model: &Playbook, hostile: &str, benign: &str) -> Vec<String> {
    let ((h_tags, text), (b_tags, _)) = (scan(hostile), scan(benign));
    let mut problems = Vec::new();
    for tag in &h_tags {
        let name = tag.name.trim_start_matches('/');
        if !TAGS.contains(&name) {
            problems.push(format!("tag {tag:?}"));
        }
        for (key, value) in &tag.attributes {
            if !ATTRIBUTES.contains(&key.as_str()) || key.starts_with("on") {
                problems.push(format!("attribute {key:?} of {tag:?}"));
            }
            if key == "href" && !is_safe_address(value) {
                problems.push(format!("link to {value:?}"));
            }
            if key == "type" && value != "checkbox" {
                problems.push(format!("input of type {value:?}"));
            }
        }
    }
    let shape = |tags: &[Tag]| -> Vec<String> {
        tags.iter()
            .map(|t| {
                let keys: Vec<&str> = t.attributes.iter().map(|(k, _)| k.as_str()).collect();
                format!("{} {}", t.name, keys.join(" "))
            })
            .collect()
    };
    let (h_shape, b_shape) = (shape(&h_tags), shape(&b_tags));
    if h_shape != b_shape {
        let at = h_shape
            .iter()
            .zip(&b_shape)
            .position(|(h, b)| h != b)
            .unwrap_or(h_shape.len().min(b_shape.len()));
        problems.push(format!(
            "the tags differ from those of the benign twin at tag {at}: {:?}, benign {:?}",
            h_tags.get(at),
            b_tags.get(at)
        ));
    }
    let locale = h_tags
        .iter()
        .find(|t| t.name == "html")
        .and_then(|t| t.attributes.iter().find(|(k, _)| k == "lang"))
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    for t in shown_texts(model, &locale) {
        if !text.contains(&t) {
            problems.push(format!("the text {t:?} does not read as written"));
        }
    }
    if let Some(title) = model.header.title.as_ref() {
        let title = collapse(title.get(&locale, &model.source_locale));
        let found = hostile
            .split_once("<title>")
            .and_then(|(_, rest)| rest.split_once("</title>"))
            .map(|(t, _)| unescape(t));
        if found.as_deref() != Some(title.as_str()) {
            problems.push(format!("the page title is {found:?}, not {title:?}"));
        }
    }
    problems
}

// ---------------------------------------------------------------------------

/// Renders `model` and its benign twin in every format and locale, and
/// fails with every problem found.
fn assert_escaped(model: &Playbook, what: &str) {
    let twin = benign(model);
    let mut problems = Vec::new();
    for format in FORMATS {
        for l in labels::LOCALES {
            let hostile = (format.render)(model, l.locale);
            let benign = (format.render)(&twin, l.locale);
            for p in (format.check)(model, &hostile, &benign) {
                problems.push(format!("{} ({}) of {what}: {p}", format.name, l.locale));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn hostile_texts_stay_text_in_every_export() {
    assert_escaped(&hostile(), FIXTURE);
}

/// The diagrams' and data's hostile fixture (`tests/it/export.rs`) holds
/// the documents to the same rules: one hostile corpus for every format.
#[test]
fn the_diagrams_hostile_fixture_stays_text_in_the_documents() {
    let path = "tests/fixtures/export/hostile-text.playbook";
    assert_escaped(&compile(&root(path)), path);
}

#[test]
fn script_addresses_never_become_links() {
    for url in [
        "javascript:alert(1)",
        " JaVaScRiPt:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "\"onmouseover=alert(1)",
    ] {
        let model = with_addresses(&hostile(), url);
        assert_escaped(&model, &format!("{FIXTURE} with addresses {url:?}"));
        let md = markdown::render(&model, "en");
        assert!(md_lines::read(&md).links.is_empty(), "{url}: {md}");
        let page = html::render(&model, "en");
        assert!(!page.contains("<a "), "{url}: {page}");
    }
}

#[test]
fn the_checks_find_what_they_look_for() {
    // Each check must fail on output where a text got through: the checks
    // are what the tests above rely on.
    let model = hostile();
    let twin = benign(&model);
    let md = markdown::render(&twin, "en");
    let broken = md.replacen(
        "- Plain words",
        "- <script>alert(1)</script> [x](javascript:y)",
        1,
    );
    let problems = check_markdown(&twin, &broken, &md);
    assert!(
        problems.iter().any(|p| p.starts_with("HTML")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("javascript:y")),
        "{problems:?}"
    );

    let page = html::render(&twin, "en");
    let broken = page.replacen(
        "<li>Plain words",
        "<li><a href=\"javascript:alert(1)\" onmouseover=\"alert(1)\">x</a><script>",
        1,
    );
    let problems = check_html(&twin, &broken, &page);
    for want in ["link to", "onmouseover", "script", "differ"] {
        assert!(
            problems.iter().any(|p| p.contains(want)),
            "{want}: {problems:?}"
        );
    }
}

/// The check's own outputs (SARIF, JSON, GitHub annotations) carry user text
/// too: file names, and what a message quotes (an address). The shared
/// hostile fixture, with a few declarations that draw diagnostics quoting
/// hostile text, is checked under a hostile file name.
mod check_outputs {
    use super::FIXTURE;
    use serde_json::Value;
    use std::path::{Path, PathBuf};

    /// Characters no output may carry raw: controls (a line break only
    /// inside a JSON string, where it is escaped) and the invisible and
    /// bidirectional formatting characters.
    fn is_unsafe(c: char) -> bool {
        (c.is_control() && c != '\n')
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{2028}' | '\u{2029}' | '\u{061C}' | '\u{FEFF}')
    }

    /// A file name with markup, a `javascript:` link, the annotation
    /// syntax (`,` `:` `%0A`), a backtick and a line break.
    const NAME: &str = "a\"<script>x [x](javascript:alert(1)) `b` ,:%0A\nc.playbook";

    /// The fixture under [`NAME`], with a bell and a right-to-left override
    /// in a text, and addresses that quote markup, a line break and the
    /// override.
    fn project() -> (tempfile::TempDir, PathBuf) {
        let text = std::fs::read_to_string(FIXTURE).expect("read the fixture");
        let body = text
            .trim_end()
            .strip_suffix('}')
            .expect("the playbook ends");
        let extra = "  role eve \"Eve \u{202E} <script> \u{7} `x` | y\"\n  \
                     link bad \"Bad\" url \"javascript:alert(1)\u{202E}\\u{202E}\\n<script>`|\"\n  \
                     link bad2 \"Bad\" url \"https://exa mple.com/<b>\u{202E}\"\n}\n";
        let dir = tempfile::tempdir().expect("a folder");
        let path = dir.path().join(NAME);
        std::fs::write(&path, format!("{body}{extra}")).expect("write");
        (dir, path)
    }

    fn check(dir: &Path, format: &str) -> String {
        let out = assert_cmd::Command::cargo_bin("playbook")
            .expect("the binary")
            .current_dir(dir)
            .args(["check", "--format", format, NAME])
            .output()
            .expect("run playbook check");
        assert_eq!(out.status.code(), Some(1), "{format}: errors expected");
        String::from_utf8(out.stdout).expect("UTF-8 output")
    }

    /// Every string in `v`, with the key it stands under.
    fn strings<'a>(v: &'a Value, key: &'a str, out: &mut Vec<(&'a str, &'a str)>) {
        match v {
            Value::String(s) => out.push((key, s)),
            Value::Array(items) => items.iter().for_each(|i| strings(i, key, out)),
            Value::Object(map) => map.iter().for_each(|(k, v)| strings(v, k, out)),
            _ => {}
        }
    }

    /// The outputs are valid JSON whose strings hold no unsafe character,
    /// raw or decoded, and whose messages quote the hostile address escaped.
    fn assert_json_safe(format: &str, out: &str) -> Value {
        assert!(!out.chars().any(is_unsafe_raw), "{format}: a raw character");
        let v: Value = serde_json::from_str(out).expect("JSON");
        let mut all = Vec::new();
        strings(&v, "", &mut all);
        for (key, s) in &all {
            assert!(!s.chars().any(is_unsafe), "{format}: `{key}` holds {s:?}");
            assert_ne!(*key, "markdown", "{format}: a Markdown field");
        }
        let quoted = all
            .iter()
            .any(|(_, s)| s.contains("`javascript:alert(1)\\u{202E}\\u{202E}\\u{A}<script>`|`"));
        assert!(quoted, "{format}: the address is not quoted escaped");
        v
    }

    /// In the raw output a line break is fine (pretty-printed JSON).
    fn is_unsafe_raw(c: char) -> bool {
        is_unsafe(c) && c != '\r'
    }

    #[test]
    fn sarif_holds_hostile_text_only_as_escaped_json_strings() {
        let (dir, _) = project();
        let out = check(dir.path(), "sarif");
        let v = assert_json_safe("sarif", &out);
        let results = v["runs"][0]["results"].as_array().expect("results");
        assert!(results.len() >= 4, "{results:?}");
        for r in results {
            let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .expect("a uri");
            // The file name only as a percent-encoded URI reference (with
            // `./` in front, as its first segment has a colon).
            assert_eq!(
                uri,
                "./a%22%3Cscript%3Ex%20%5Bx%5D%28javascript%3Aalert%281%29%29%20%60b%60%20%2C%3A%250A%0Ac.playbook"
            );
            assert!(!uri.contains(['<', '"', ' ', '\n', '`']), "{uri}");
        }
    }

    #[test]
    fn json_output_holds_hostile_text_only_as_escaped_strings() {
        let (dir, _) = project();
        let out = check(dir.path(), "json");
        assert_json_safe("json", &out);
    }

    #[test]
    fn github_annotations_stay_one_line_each_with_escaped_properties() {
        let (dir, _) = project();
        let diagnostics: Value = serde_json::from_str(&check(dir.path(), "json")).expect("JSON");
        let count = diagnostics
            .as_array()
            .or_else(|| diagnostics["diagnostics"].as_array())
            .map(Vec::len)
            .expect("a list of diagnostics");
        let out = check(dir.path(), "github");
        let lines: Vec<&str> = out.lines().filter(|l| l.starts_with("::")).collect();
        assert_eq!(lines.len(), count, "{out}");
        assert_eq!(
            out.lines().count(),
            count,
            "a line that is not an annotation:\n{out}"
        );
        for line in lines {
            assert!(!line.chars().any(is_unsafe), "{line:?}");
            let rest = line
                .strip_prefix("::error ")
                .or_else(|| line.strip_prefix("::warning "))
                .expect("an error or a warning");
            let (properties, message) =
                rest.split_once("::").expect("properties, then the message");
            let keys: Vec<&str> = properties
                .split(',')
                .map(|p| p.split_once('=').expect("key=value").0)
                .collect();
            assert_eq!(
                keys,
                ["file", "line", "col", "endLine", "endColumn", "title"],
                "{line}"
            );
            let file = properties
                .strip_prefix("file=")
                .and_then(|p| p.split(",line=").next())
                .expect("the file");
            assert_eq!(
                file,
                "a\"<script>x [x](javascript%3Aalert(1)) `b` %2C%3A%250A%0Ac.playbook"
            );
            assert!(!message.contains(['\n', '\r']), "{message}");
        }
    }
}
