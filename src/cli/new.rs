//! `playbook new NAME`: a folder with a minimal playbook that checks clean,
//! a translation catalogue for each further locale, and `Playbook.toml`.

use super::{EXIT_OK, EXIT_USAGE};
use crate::load::Loader;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The playbook's id, and the name of the folder to create (lowercase
    /// words joined by `-`, e.g. `onboard-customer`).
    pub name: String,
    /// A locale of the playbook's texts; repeat for more. The first is the
    /// language the texts are written in (default `en`); each other gets a
    /// translation catalogue to fill in.
    #[arg(long = "locale", value_name = "L")]
    pub locales: Vec<String>,
}

/// Reads from the files about to be written.
struct Memory(BTreeMap<PathBuf, String>);

impl Loader for Memory {
    fn read(&self, path: &Path) -> Result<Vec<u8>, String> {
        self.0
            .get(path)
            .map(|t| t.as_bytes().to_vec())
            .ok_or_else(|| "no such file".to_string())
    }
}

fn is_id(name: &str) -> bool {
    !name.is_empty()
        && name.split('-').all(|w| {
            w.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// `onboard-customer` → `Onboard customer`.
fn title(name: &str) -> String {
    let words = name.replace('-', " ");
    let mut chars = words.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// The files of a new project, by path relative to its parent folder;
/// every one already formatted and checked.
pub fn files(
    name: &str,
    locales: &[String],
    today: &str,
) -> Result<Vec<(PathBuf, String)>, String> {
    if !is_id(name) {
        return Err(format!(
            "`{name}` is not a playbook id: use lowercase words joined by `-`, like `onboard-customer`"
        ));
    }
    let mut locales: Vec<String> = locales.to_vec();
    if locales.is_empty() {
        locales.push("en".to_string());
    }
    for (i, l) in locales.iter().enumerate() {
        if !is_id(l) {
            return Err(format!(
                "`{l}` is not a locale: use a code like `en` or `zh`"
            ));
        }
        if locales[..i].contains(l) {
            return Err(format!("the locale `{l}` is given twice"));
        }
    }
    let folder = PathBuf::from(name);
    let playbook_path = folder.join(format!("{name}.playbook"));
    let playbook = |translations: &str| {
        format!(
            "// {name}: say here what this process achieves and when it runs.\n\
             playbook {name} {{\n  locale {source}\n{translations}\n\
             \x20 title \"{title}\"\n  description \"One line on what this process achieves\"\n\
             \x20 phase plan \"Plan\"\n  phase plan\n  owner \"your-alias\"\n  author \"Your Name\"\n  revised {today}\n\n\
             \x20 role lead \"Process lead\"\n\n\
             \x20 step start \"Start\" {{\n    owner lead\n    do first-task \"Describe the first thing to do.\"\n  }}\n}}\n",
            source = locales[0],
            title = title(name),
        )
    };
    // The texts to translate come from the playbook without catalogues.
    let bare = playbook("");
    let compilation = crate::compile_str(&playbook_path.to_string_lossy(), &bare);
    let model = compilation
        .model
        .ok_or_else(|| format!("cannot make a playbook named `{name}`"))?;
    let mut out = Vec::new();
    let mut translations = String::new();
    for locale in &locales[1..] {
        let file = format!("{name}.{locale}.toml");
        translations.push_str(&format!("  translation {locale} \"{file}\"\n"));
        let mut catalogue = format!(
            "# The `{locale}` texts of the {name} playbook. Each `text` starts as the\n\
             # source text: replace it with its translation.\nlocale = \"{locale}\"\n\n[texts]\n"
        );
        for t in model.texts() {
            let source = toml::Value::String(t.get(&locales[0], &locales[0]).to_string());
            catalogue.push_str(&format!(
                "{} = {{ text = {source}, source = {source} }}\n",
                toml::Value::String(t.key.clone())
            ));
        }
        out.push((folder.join(file), catalogue));
    }
    let text = playbook(&translations);
    let text = crate::fmt::format(crate::source::FileId(0), &text)
        .map_err(|e| format!("cannot format the new playbook: {e:?}"))?;
    let quoted: Vec<String> = locales.iter().map(|l| format!("\"{l}\"")).collect();
    let config = format!(
        "# The project's configuration (docs/language.md): the locales every\n\
         # playbook must have texts in.\nlocales = [{}]\n",
        quoted.join(", ")
    );
    out.insert(0, (playbook_path.clone(), text));
    out.push((folder.join(crate::config::FILE_NAME), config));
    // Check it as `playbook check` would: nothing to report.
    let memory = Memory(out.iter().cloned().collect());
    let parsed = crate::config::Config::parse(crate::source::FileId(0), &out[out.len() - 1].1)
        .map_err(|_| "cannot write the configuration".to_string())?;
    let compilation = crate::compile_with(&playbook_path, &memory, &parsed)?;
    if let Some(d) = compilation.diagnostics.first() {
        return Err(format!(
            "the new playbook would not check clean: {} ({})",
            d.message,
            d.code.name()
        ));
    }
    Ok(out)
}

pub fn run(args: &Args) -> i32 {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400);
    let today = jiff::civil::date(1970, 1, 1)
        .checked_add(jiff::Span::new().days(days as i64))
        .unwrap_or(jiff::civil::date(1970, 1, 1))
        .to_string();
    let files = match files(&args.name, &args.locales, &today) {
        Ok(files) => files,
        Err(message) => {
            eprintln!("error: {message}");
            return EXIT_USAGE;
        }
    };
    if Path::new(&args.name).exists() {
        eprintln!("error: `{}` already exists", args.name);
        return EXIT_USAGE;
    }
    for (path, text) in &files {
        if let Some(parent) = path.parent()
            && let Err(e) = std::fs::create_dir_all(parent)
        {
            eprintln!(
                "error: cannot create `{}`: {}",
                parent.display(),
                crate::fs::describe(&e)
            );
            return EXIT_USAGE;
        }
        if let Err(e) = std::fs::write(path, text) {
            eprintln!(
                "error: cannot write `{}`: {}",
                path.display(),
                crate::fs::describe(&e)
            );
            return EXIT_USAGE;
        }
        super::out::outln!("created {}", path.to_string_lossy().replace('\\', "/"));
    }
    EXIT_OK
}
