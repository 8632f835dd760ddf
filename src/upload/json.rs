//! A file carried in a JSON body as one base64 string (`{"name": "...", "data": "<base64>"}`),
//! decoded as the bytes arrive: a small scanner walks the object, keeps the short text fields
//! asked for, skips any other value, and feeds the chosen string through a streaming base64
//! decoder. The raw body is hashed on the way, for signatures that cover it. Memory stays a
//! few KiB whatever the body's size; no `String` of the file is ever built.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::staging::Decode;
use crate::error::{Error, Result};

/// Longest key and kept text value, raw (escapes and all).
const MAX_KEY: usize = 256;
const MAX_TEXT: usize = 4096;
/// Base64 characters decoded at a time (a multiple of 4).
const QUADS: usize = 16 * 1024;

#[derive(Clone, Copy, PartialEq)]
enum State {
    BeforeObject,
    FirstKey,
    NextKey,
    Key {
        escaped: bool,
    },
    Colon,
    Value,
    File,
    FileEscape,
    Text {
        escaped: bool,
    },
    SkipString {
        escaped: bool,
    },
    SkipNested {
        depth: usize,
        in_string: bool,
        escaped: bool,
    },
    SkipScalar,
    AfterValue,
    Done,
}

pub struct JsonFile {
    file_field: &'static str,
    text_fields: &'static [&'static str],
    state: State,
    key: Vec<u8>,
    text: Vec<u8>,
    base64: Vec<u8>,
    padded: bool,
    seen_file: bool,
    fields: Vec<(String, String)>,
    hasher: Sha256,
}

fn invalid_json(detail: &str) -> Error {
    Error::invalid(
        "",
        "invalid_json",
        format!("The JSON body is not valid: {detail}"),
    )
}

impl JsonFile {
    pub fn new(file_field: &'static str, text_fields: &'static [&'static str]) -> JsonFile {
        JsonFile {
            file_field,
            text_fields,
            state: State::BeforeObject,
            key: Vec::new(),
            text: Vec::new(),
            base64: Vec::new(),
            padded: false,
            seen_file: false,
            fields: Vec::new(),
            hasher: Sha256::new(),
        }
    }

    /// A kept text field, once the body is in.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The SHA-256 of the raw body, in hex, once the body is in.
    pub fn body_sha256(&self) -> String {
        hex::encode(self.hasher.clone().finalize())
    }

    fn invalid_base64(&self) -> Error {
        let pointer = format!("/{}", self.file_field);
        let detail = format!("`{}` must be base64.", self.file_field);
        Error::invalid(&pointer, "invalid_base64", detail)
    }

    fn base64_char(&mut self, c: u8, out: &mut Vec<u8>) -> Result<()> {
        if c.is_ascii_whitespace() {
            return Ok(());
        }
        if self.padded && c != b'=' {
            return Err(self.invalid_base64());
        }
        self.padded |= c == b'=';
        self.base64.push(c);
        if self.base64.len() >= QUADS {
            STANDARD
                .decode_vec(&self.base64, out)
                .map_err(|_| self.invalid_base64())?;
            self.base64.clear();
        }
        Ok(())
    }

    fn end_of_key(&mut self) -> State {
        State::Colon
    }

    fn start_value(&mut self, c: u8) -> Result<State> {
        let key = std::str::from_utf8(&self.key).unwrap_or_default();
        let wanted = key == self.file_field || self.text_fields.contains(&key);
        Ok(match c {
            b'"' if key == self.file_field => {
                if self.seen_file {
                    return Err(invalid_json(&format!("`{key}` given twice")));
                }
                self.seen_file = true;
                State::File
            }
            b'"' if wanted => {
                self.text.clear();
                State::Text { escaped: false }
            }
            _ if wanted => return Err(invalid_json(&format!("`{key}` must be a string"))),
            b'"' => State::SkipString { escaped: false },
            b'{' | b'[' => State::SkipNested {
                depth: 1,
                in_string: false,
                escaped: false,
            },
            _ => State::SkipScalar,
        })
    }

    fn end_of_text(&mut self) -> Result<State> {
        let mut quoted = Vec::with_capacity(self.text.len() + 2);
        quoted.push(b'"');
        quoted.extend_from_slice(&self.text);
        quoted.push(b'"');
        let text: String =
            serde_json::from_slice(&quoted).map_err(|e| invalid_json(&e.to_string()))?;
        let key = String::from_utf8_lossy(&self.key).into_owned();
        self.fields.push((key, text));
        Ok(State::AfterValue)
    }

    /// One byte of the body; decoded file bytes go to `out`.
    fn step(&mut self, c: u8, out: &mut Vec<u8>) -> Result<()> {
        let ws = c.is_ascii_whitespace();
        self.state = match self.state {
            State::BeforeObject
            | State::FirstKey
            | State::NextKey
            | State::Colon
            | State::Value
            | State::AfterValue
            | State::Done
                if ws =>
            {
                self.state
            }
            State::BeforeObject if c == b'{' => State::FirstKey,
            State::FirstKey if c == b'}' => State::Done,
            State::FirstKey | State::NextKey if c == b'"' => {
                self.key.clear();
                State::Key { escaped: false }
            }
            State::Key { escaped: false } if c == b'"' => self.end_of_key(),
            State::Key { escaped } => {
                if self.key.len() >= MAX_KEY {
                    return Err(invalid_json("a key is too long"));
                }
                self.key.push(c);
                State::Key {
                    escaped: !escaped && c == b'\\',
                }
            }
            State::Colon if c == b':' => State::Value,
            State::Value => self.start_value(c)?,
            State::File if c == b'"' => State::AfterValue,
            State::File if c == b'\\' => State::FileEscape,
            State::File => {
                self.base64_char(c, out)?;
                State::File
            }
            State::FileEscape => match c {
                b'/' => {
                    self.base64_char(b'/', out)?;
                    State::File
                }
                b'n' | b'r' | b't' => State::File,
                _ => return Err(self.invalid_base64()),
            },
            State::Text { escaped: false } if c == b'"' => self.end_of_text()?,
            State::Text { escaped } => {
                if self.text.len() >= MAX_TEXT {
                    return Err(invalid_json("a text field is too long"));
                }
                self.text.push(c);
                State::Text {
                    escaped: !escaped && c == b'\\',
                }
            }
            State::SkipString { escaped: false } if c == b'"' => State::AfterValue,
            State::SkipString { escaped } => State::SkipString {
                escaped: !escaped && c == b'\\',
            },
            State::SkipNested {
                depth,
                in_string,
                escaped,
            } => skip_nested(depth, in_string, escaped, c),
            State::SkipScalar if c == b',' => State::NextKey,
            State::SkipScalar if c == b'}' => State::Done,
            State::SkipScalar if ws => State::AfterValue,
            State::SkipScalar if c.is_ascii_alphanumeric() || b"+-.".contains(&c) => {
                State::SkipScalar
            }
            State::AfterValue if c == b',' => State::NextKey,
            State::AfterValue if c == b'}' => State::Done,
            _ => return Err(invalid_json(&format!("unexpected `{}`", c as char))),
        };
        Ok(())
    }
}

fn skip_nested(depth: usize, in_string: bool, escaped: bool, c: u8) -> State {
    let (depth, in_string, escaped) = match (in_string, escaped, c) {
        (true, false, b'\\') => (depth, true, true),
        (true, false, b'"') => (depth, false, false),
        (true, _, _) => (depth, true, false),
        (false, _, b'"') => (depth, true, false),
        (false, _, b'{' | b'[') => (depth + 1, false, false),
        (false, _, b'}' | b']') => (depth - 1, false, false),
        (false, _, _) => (depth, false, false),
    };
    if depth == 0 {
        State::AfterValue
    } else {
        State::SkipNested {
            depth,
            in_string,
            escaped,
        }
    }
}

impl Decode for JsonFile {
    fn decode(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<()> {
        self.hasher.update(input);
        input.iter().try_for_each(|&c| self.step(c, out))
    }

    fn end(&mut self, out: &mut Vec<u8>) -> Result<()> {
        if self.state != State::Done {
            return Err(invalid_json("the body ends before its object does"));
        }
        if !self.seen_file {
            return Err(invalid_json(&format!(
                "missing field `{}`",
                self.file_field
            )));
        }
        STANDARD
            .decode_vec(&self.base64, out)
            .map_err(|_| self.invalid_base64())?;
        self.base64.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_in_pieces(body: &[u8], piece: usize) -> Result<(Vec<u8>, JsonFile)> {
        let mut json = JsonFile::new("data", &["name"]);
        let mut out = Vec::new();
        for chunk in body.chunks(piece) {
            json.decode(chunk, &mut out)?;
        }
        json.end(&mut out)?;
        Ok((out, json))
    }

    #[test]
    fn decodes_the_file_and_keeps_the_text_in_any_chunking() {
        let file: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let body = format!(
            r#" {{"other": {{"a": ["}}", 1]}}, "n": -1.5e3, "name": "r\u00e9sum\u00e9 \"1\".pdf", "data": "{}", "x": null}} "#,
            STANDARD.encode(&file).replace('/', "\\/")
        );
        for piece in [1, 7, 4096, body.len()] {
            let (out, json) = decode_in_pieces(body.as_bytes(), piece).unwrap();
            assert_eq!(out, file, "in pieces of {piece}");
            assert_eq!(json.field("name"), Some("résumé \"1\".pdf"));
            assert_eq!(
                json.body_sha256(),
                hex::encode(Sha256::digest(body.as_bytes()))
            );
        }
    }

    #[test]
    fn refuses_bad_base64_bad_json_and_a_missing_file() {
        for body in [
            r#"{"name": "a", "data": "QQ==QUFB"}"#,
            r#"{"name": "a", "data": "QQ"}"#,
            r#"{"name": "a", "data": "Q!=="}"#,
            r#"{"name": "a", "data": 12}"#,
            r#"{"name": "a", "data": "QUFB""#,
            r#"{"name": "a"}"#,
            r#"["data"]"#,
            r#"{"name": "a", "data": "QUFB"} x"#,
        ] {
            assert!(decode_in_pieces(body.as_bytes(), 3).is_err(), "{body}");
        }
        let (out, _) = decode_in_pieces(br#"{"data": "QUFB", "name": "a"}"#, 2).unwrap();
        assert_eq!(out, b"AAA");
    }
}
