//! JSON: the compiled model as data, for other tools.
//!
//! The document is the [`Playbook`] as serde writes it, with
//! `"schema_version"` first; its JSON Schema ([`schema`]) is generated from
//! the same types and committed as `docs/playbook.schema.json`. Texts carry
//! every locale, so the output does not depend on the locale asked for.
//!
//! `<`, `>`, `&` and the line and paragraph separators are written as
//! `\u` escapes, so the document can be embedded in an HTML `<script>` or a
//! JavaScript source as it is.

use crate::ir::Playbook;
use schemars::JsonSchema;
use serde::Serialize;
use std::io;

/// The version of the JSON shape; it changes when a field is removed or
/// changes meaning.
pub const SCHEMA_VERSION: u32 = 1;

/// The exported document.
#[derive(Serialize, JsonSchema)]
#[schemars(
    title = "Compiled playbook",
    description = "A playbook compiled by `playbook export --to json`."
)]
pub struct Document<'a> {
    /// The version of this shape: 1.
    #[schemars(schema_with = "version_schema")]
    pub schema_version: u32,
    #[serde(flatten)]
    pub playbook: &'a Playbook,
}

fn version_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": "integer", "const": SCHEMA_VERSION })
}

/// The JSON document of `model`, pretty-printed, ending in a line break.
pub fn render(model: &Playbook) -> String {
    let document = Document {
        schema_version: SCHEMA_VERSION,
        playbook: model,
    };
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, SafeFormatter::new());
    document
        .serialize(&mut serializer)
        .expect("the model serialises: its maps have string keys");
    out.push(b'\n');
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// The JSON Schema of [`Document`], as written to `docs/playbook.schema.json`.
///
/// The schema is closed: an object may hold only the properties its type
/// declares (`unevaluatedProperties: false`, which also counts the
/// properties of the `oneOf` branch that matched).
pub fn schema() -> String {
    let mut schema = schemars::schema_for!(Document<'static>).to_value();
    close(&mut schema);
    standard_formats(&mut schema);
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema serialises");
    text.push('\n');
    text
}

/// Removes the `format`s schemars writes for Rust's number types (`int8`,
/// `uint32`, `double`, ...), which no JSON Schema draft defines and which
/// strict validators (ajv) reject, so the schema validates unmodified. The
/// range such a format stands for is kept as `minimum` and `maximum`, where
/// schemars did not already write them and a double holds the bound
/// exactly (up to 32 bits); the standard formats (`date`) stay.
fn standard_formats(schema: &mut serde_json::Value) {
    use serde_json::Value;
    let mut stack = vec![schema];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                let range: Option<(i64, i64)> = match map.get("format").and_then(Value::as_str) {
                    Some("int8") => Some((i8::MIN.into(), i8::MAX.into())),
                    Some("int16") => Some((i16::MIN.into(), i16::MAX.into())),
                    Some("int32") => Some((i32::MIN.into(), i32::MAX.into())),
                    Some("uint8") => Some((0, u8::MAX.into())),
                    Some("uint16") => Some((0, u16::MAX.into())),
                    Some("uint32") => Some((0, u32::MAX.into())),
                    _ => None,
                };
                let numeric = matches!(
                    map.get("format").and_then(Value::as_str),
                    Some(
                        "int"
                            | "int8"
                            | "int16"
                            | "int32"
                            | "int64"
                            | "int128"
                            | "uint"
                            | "uint8"
                            | "uint16"
                            | "uint32"
                            | "uint64"
                            | "uint128"
                            | "float"
                            | "double"
                    )
                );
                if numeric {
                    map.remove("format");
                }
                if let Some((min, max)) = range {
                    map.entry("minimum").or_insert(Value::from(min));
                    map.entry("maximum").or_insert(Value::from(max));
                }
                stack.extend(map.values_mut());
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            _ => {}
        }
    }
}

/// Adds `unevaluatedProperties: false` to the root and to every definition,
/// except the definitions that another schema extends by referring to them
/// beside properties of its own (the `do` item, whose `kind` the item
/// schema adds): there, the extending schema closes the object.
fn close(schema: &mut serde_json::Value) {
    use serde_json::Value;
    let mut extended = std::collections::BTreeSet::new();
    let mut stack = vec![&*schema];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                if let (Some(Value::String(r)), true) =
                    (map.get("$ref"), map.contains_key("properties"))
                    && let Some(name) = r.strip_prefix("#/$defs/")
                {
                    extended.insert(name.to_string());
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    let object = Value::from("object");
    let closed = |v: &mut Value| {
        if let Value::Object(map) = v {
            // Every branch of a tagged enum is an object: say so, for
            // validators that check keywords against types.
            map.insert("type".to_string(), object.clone());
            map.insert("unevaluatedProperties".to_string(), Value::Bool(false));
        }
    };
    if let Some(Value::Object(defs)) = schema.get_mut("$defs") {
        for (name, def) in defs.iter_mut() {
            let branches_are_objects = def
                .get("oneOf")
                .and_then(Value::as_array)
                .is_some_and(|b| b.iter().all(|b| b.get("type") == Some(&object)));
            let is_object = def.get("type") == Some(&object) || branches_are_objects;
            if is_object && !extended.contains(name) {
                closed(def);
            }
        }
    }
    closed(schema);
}

/// Pretty output that escapes the characters that matter to HTML and
/// JavaScript inside strings.
struct SafeFormatter(serde_json::ser::PrettyFormatter<'static>);

impl SafeFormatter {
    fn new() -> SafeFormatter {
        SafeFormatter(serde_json::ser::PrettyFormatter::with_indent(b"  "))
    }
}

impl serde_json::ser::Formatter for SafeFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut rest = 0;
        for (i, c) in fragment.char_indices() {
            let escape = match c {
                '<' => "\\u003c",
                '>' => "\\u003e",
                '&' => "\\u0026",
                '\u{2028}' => "\\u2028",
                '\u{2029}' => "\\u2029",
                _ => continue,
            };
            writer.write_all(&fragment.as_bytes()[rest..i])?;
            writer.write_all(escape.as_bytes())?;
            rest = i + c.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[rest..])
    }

    // Everything else is pretty printing, as `PrettyFormatter` does it.
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_are_escaped_and_read_back() {
        let c = crate::compile_str(
            "t.playbook",
            "playbook p {\n  title \"<b>&</b>\\u{2028}\"\n}\n",
        );
        let model = c.model.expect("a model");
        let json = render(&model);
        assert!(json.contains(r#""title": {"#), "{json}");
        assert!(
            json.contains(r#""en": "\u003cb\u003e\u0026\u003c/b\u003e\u2028""#),
            "{json}"
        );
        let value: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        assert_eq!(value["header"]["title"]["text"]["en"], "<b>&</b>\u{2028}");
        assert_eq!(value["schema_version"], 1);
    }
}
