//! The bytes a run's fingerprint hashes and its pin keeps: a value written
//! as compact JSON with every object's keys in byte order, and the strings
//! under a `from` key cut to their file names.
//!
//! These are exactly the bytes `serde_json` writes for the value's
//! `serde_json::Value` tree (whose objects are sorted maps) after that cut,
//! which is how the fingerprint was first defined: a run started by an
//! earlier build must keep matching its playbook. Building that tree cost
//! as much as compiling the playbook (a node and a map per field); this
//! serializer writes the bytes directly, buffering only each object's
//! entries to sort them. `tests` check both give the same bytes.

use serde::ser::{self, Serialize};
use std::borrow::Cow;
use std::ops::Range;

type Error = serde_json::Error;

/// Writes `value` canonically into `out`. A value `serde_json` cannot turn
/// into a tree (a map with keys that are not strings or numbers) is written
/// `null`, as the tree's default is.
pub fn write<T: Serialize + ?Sized>(value: &T, out: &mut Vec<u8>) {
    let start = out.len();
    if value.serialize(Ser { out, from: false }).is_err() {
        out.truncate(start);
        out.extend_from_slice(b"null");
    }
}

/// Writes a JSON string as `serde_json` escapes it: it escapes only the
/// control characters, `"` and `\`, so most strings (every key) are copied.
fn string(out: &mut Vec<u8>, s: &str) {
    if s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        // Writing into a vector cannot fail.
        let _ = serde_json::to_writer(&mut *out, s);
    } else {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    }
}

/// What a `from` string becomes: its file name.
fn cut(path: &str) -> String {
    std::path::Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default()
}

/// A value's serializer. `from`: the value is the one under a `from` key,
/// so a string is cut to its file name.
struct Ser<'a> {
    out: &'a mut Vec<u8>,
    from: bool,
}

impl Ser<'_> {
    fn number(self, n: impl Serialize) -> Result<(), Error> {
        serde_json::to_writer(&mut *self.out, &n)
    }

    fn str(self, s: &str) -> Result<(), Error> {
        if self.from {
            string(self.out, &cut(s));
        } else {
            string(self.out, s);
        }
        Ok(())
    }

    /// `{"variant":` … `}` around a variant's content.
    fn variant<T: Serialize + ?Sized>(self, variant: &str, value: &T) -> Result<(), Error> {
        let mut object = Object::new(self.out);
        ser::SerializeMap::serialize_entry(&mut object, variant, value)?;
        ser::SerializeMap::end(object)
    }
}

impl<'a> ser::Serializer for Ser<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Array<'a>;
    type SerializeTuple = Array<'a>;
    type SerializeTupleStruct = Array<'a>;
    type SerializeTupleVariant = Array<'a>;
    type SerializeMap = Object<'a>;
    type SerializeStruct = Object<'a>;
    type SerializeStructVariant = Object<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out
            .extend_from_slice(if v { b"true" as &[u8] } else { b"false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.number(v)
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.number(v)
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.number(v)
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.number(v)
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        // The tree holds only what fits 64 bits.
        let v = i64::try_from(v).map_err(|_| ser::Error::custom("number out of range"))?;
        self.number(v)
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.number(v)
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.number(v)
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.number(v)
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.number(v)
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        let v = u64::try_from(v).map_err(|_| ser::Error::custom("number out of range"))?;
        self.number(v)
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        // The tree widens an f32 to f64 before it writes it.
        self.number(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        // Both write a number that is not finite as `null`.
        self.number(v)
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.str(v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        // The tree holds bytes as an array of numbers.
        let mut array = Array::new(self.out);
        for b in v {
            ser::SerializeSeq::serialize_element(&mut array, b)?;
        }
        ser::SerializeSeq::end(array)
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.variant(variant, value)
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Array<'a>, Error> {
        Ok(Array::new(self.out))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Array<'a>, Error> {
        Ok(Array::new(self.out))
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Array<'a>, Error> {
        Ok(Array::new(self.out))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Array<'a>, Error> {
        open_variant(self.out, variant);
        Ok(Array {
            suffix: b"}",
            ..Array::new(self.out)
        })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Object<'a>, Error> {
        Ok(Object::new(self.out))
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Object<'a>, Error> {
        Ok(Object::new(self.out))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Object<'a>, Error> {
        open_variant(self.out, variant);
        Ok(Object {
            suffix: b"}",
            ..Object::new(self.out)
        })
    }
}

/// `{"variant":`, before a variant's array or object; that ends with the
/// `}`. The object around the content has this one key, so its content is
/// written in place, and as it is not a string, a variant named `from`
/// cuts nothing (as in the tree).
fn open_variant(out: &mut Vec<u8>, variant: &str) {
    out.push(b'{');
    string(out, variant);
    out.push(b':');
}

/// An array, written in place as its elements come.
pub struct Array<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
    /// Written after the `]`: the end of a variant around it.
    suffix: &'static [u8],
}

impl<'a> Array<'a> {
    fn new(out: &'a mut Vec<u8>) -> Array<'a> {
        out.push(b'[');
        Array {
            out,
            first: true,
            suffix: b"",
        }
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        value.serialize(Ser {
            out: self.out,
            from: false,
        })
    }

    fn close(self) -> Result<(), Error> {
        self.out.push(b']');
        self.out.extend_from_slice(self.suffix);
        Ok(())
    }
}

/// The four kinds of sequence serde knows, each an array.
macro_rules! array {
    ($($kind:ident :: $method:ident),*) => {$(
        impl ser::$kind for Array<'_> {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.element(value)
            }
            fn end(self) -> Result<(), Error> {
                self.close()
            }
        }
    )*};
}

array!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

/// An object: its values are written one after another into a buffer of
/// its own, each key kept with where its value lies, and the entries are
/// written sorted when it ends. A key given twice keeps its last value, as
/// a map does.
pub struct Object<'a> {
    out: &'a mut Vec<u8>,
    values: Vec<u8>,
    entries: Vec<(Cow<'static, str>, Range<usize>)>,
    key: Option<String>,
    /// Written after the `}`: the end of a variant around it.
    suffix: &'static [u8],
}

impl<'a> Object<'a> {
    fn new(out: &'a mut Vec<u8>) -> Object<'a> {
        Object {
            out,
            values: Vec::new(),
            entries: Vec::new(),
            key: None,
            suffix: b"",
        }
    }

    fn entry<T: Serialize + ?Sized>(
        &mut self,
        key: Cow<'static, str>,
        value: &T,
    ) -> Result<(), Error> {
        let start = self.values.len();
        value.serialize(Ser {
            out: &mut self.values,
            from: key == "from",
        })?;
        self.entries.push((key, start..self.values.len()));
        Ok(())
    }

    fn close(mut self) -> Result<(), Error> {
        // Stable: of the entries under one key, the last stays last.
        self.entries.sort_by(|a, b| a.0.cmp(&b.0));
        self.out.push(b'{');
        let mut first = true;
        for (i, (key, range)) in self.entries.iter().enumerate() {
            if self.entries.get(i + 1).is_some_and(|next| next.0 == *key) {
                continue;
            }
            if !first {
                self.out.push(b',');
            }
            first = false;
            string(self.out, key);
            self.out.push(b':');
            self.out.extend_from_slice(&self.values[range.clone()]);
        }
        self.out.push(b'}');
        self.out.extend_from_slice(self.suffix);
        Ok(())
    }
}

/// A map key as the tree holds it: a string, or a number, a boolean or a
/// unit variant written as one.
fn key_text<T: Serialize + ?Sized>(key: &T) -> Result<String, Error> {
    match serde_json::to_value(key)? {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        serde_json::Value::Bool(b) => Ok(b.to_string()),
        _ => Err(ser::Error::custom("a key must be a string")),
    }
}

impl ser::SerializeMap for Object<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.key = Some(key_text(key)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self
            .key
            .take()
            .ok_or_else(|| ser::Error::custom("a value without a key"))?;
        self.entry(Cow::Owned(key), value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

/// A struct and a struct variant: an object of their fields.
macro_rules! object {
    ($($kind:ident),*) => {$(
        impl ser::$kind for Object<'_> {
            type Ok = ();
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Error> {
                self.entry(Cow::Borrowed(key), value)
            }
            fn end(self) -> Result<(), Error> {
                self.close()
            }
        }
    )*};
}

object!(SerializeStruct, SerializeStructVariant);

#[cfg(test)]
mod tests {
    use serde::Serialize;
    use std::collections::BTreeMap;
    use std::path::Path;

    /// The fingerprint's first definition: the value's tree, the `from`
    /// strings cut, written by `serde_json`.
    fn through_the_tree<T: Serialize>(value: &T) -> Vec<u8> {
        let mut json = serde_json::to_value(value).unwrap_or_default();
        let mut stack = vec![&mut json];
        while let Some(v) = stack.pop() {
            match v {
                serde_json::Value::Object(map) => {
                    for (k, v) in map.iter_mut() {
                        if k == "from"
                            && let serde_json::Value::String(path) = v
                        {
                            *path = super::cut(path);
                        } else {
                            stack.push(v);
                        }
                    }
                }
                serde_json::Value::Array(items) => stack.extend(items.iter_mut()),
                _ => {}
            }
        }
        serde_json::to_vec(&json).expect("a tree is written")
    }

    fn direct<T: Serialize>(value: &T) -> Vec<u8> {
        let mut out = Vec::new();
        super::write(value, &mut out);
        out
    }

    fn same<T: Serialize>(value: &T) {
        let want = through_the_tree(value);
        let got = direct(value);
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(&want)
        );
    }

    #[derive(Serialize)]
    enum Shape {
        Unit,
        #[serde(rename = "from")]
        From(String),
        Pair(u8, String),
        Named {
            zeta: bool,
            from: Option<String>,
            alpha: f32,
        },
        #[serde(rename = "from-tuple")]
        Tuple(String, String),
    }

    #[derive(Serialize)]
    struct Flat {
        b: u8,
        #[serde(flatten)]
        rest: BTreeMap<String, u8>,
    }

    #[derive(Serialize)]
    struct Every {
        z: Vec<Shape>,
        from: String,
        #[serde(rename = "from ")]
        not_from: String,
        m: BTreeMap<u32, &'static str>,
        keys: BTreeMap<bool, i64>,
        unit: (),
        none: Option<u8>,
        nested: Vec<BTreeMap<String, String>>,
        c: char,
        big: u64,
        negative: i128,
        infinite: f64,
        half: f64,
        flat: Flat,
        text: &'static str,
    }

    #[test]
    fn every_shape_of_value_is_written_as_its_tree_is() {
        let mut nested = BTreeMap::new();
        nested.insert("from".to_string(), "/a/b/c.zh.toml".to_string());
        nested.insert("to".to_string(), "/a/b/c.zh.toml".to_string());
        let mut rest = BTreeMap::new();
        // A flattened key that repeats a field: the last wins, as in a map.
        rest.insert("b".to_string(), 7);
        rest.insert("a".to_string(), 1);
        same(&Every {
            z: vec![
                Shape::Unit,
                Shape::From("dir/file.toml".into()),
                Shape::Pair(3, "x/y".into()),
                Shape::Named {
                    zeta: true,
                    from: Some("deep/er/path.toml".into()),
                    alpha: 0.1,
                },
                Shape::Named {
                    zeta: false,
                    from: None,
                    alpha: f32::NAN,
                },
                Shape::Tuple("p/q".into(), "r".into()),
            ],
            from: "../up/there.toml".into(),
            not_from: "a/b".into(),
            m: [(9, "nine"), (10, "ten"), (100, "hundred")].into(),
            keys: [(true, -1), (false, 2)].into(),
            unit: (),
            none: None,
            nested: vec![nested],
            c: '"',
            big: u64::MAX,
            negative: -5,
            infinite: f64::INFINITY,
            half: 0.5,
            flat: Flat { b: 2, rest },
            text: "tab\t, quote \", control \u{1}, emoji \u{1f600}, 中文",
        });
    }

    #[test]
    fn a_value_the_tree_cannot_hold_is_written_as_null() {
        let mut weird = BTreeMap::new();
        weird.insert(vec![1u8], 1u8);
        same(&weird);
        assert_eq!(direct(&weird), b"null");
    }

    /// Every playbook shipped and every valid fixture, compiled: the
    /// fingerprints of runs started by earlier builds still hold.
    #[test]
    fn every_compiled_playbook_is_written_as_its_tree_is() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut compared = 0;
        for folder in ["playbooks", "tests/fixtures/valid", "tests/fixtures/bpmn"] {
            for entry in ignore::WalkBuilder::new(root.join(folder))
                .build()
                .flatten()
            {
                let path = entry.path();
                if path.extension().is_none_or(|e| e != "playbook") {
                    continue;
                }
                let Ok(model) = crate::run::session::compile(path) else {
                    continue;
                };
                let want = through_the_tree(&model);
                assert!(
                    direct(&model) == want,
                    "{} is written otherwise",
                    path.display()
                );
                compared += 1;
            }
        }
        assert!(compared >= 20, "only {compared} playbooks compiled");
    }
}
