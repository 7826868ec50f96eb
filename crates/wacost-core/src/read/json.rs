//! What the JSON readers (Cloud API webhooks, Twilio's Message resources, Meta's analytics
//! answers) share: splitting a file into its JSON documents with the byte offset of each
//! ([`JsonDocs`]), reading a field as text, and naming where in a document a value is, for
//! error messages.

use std::io::Read;

use serde_json::Value;

use super::{ReadError, ReadErrorKind};

/// Reads a JSON file whole (a JSON document is parsed whole), after a look at its first
/// bytes: UTF-16 text, or a first character that cannot start a JSON document (`{` or `[`,
/// after any byte-order mark and white space), is an error at once, so that a file that is
/// not JSON at all (`/dev/zero`) is never read to its end.
pub(crate) fn read_whole<R: Read>(mut input: R, file: &str) -> Result<Vec<u8>, ReadError> {
    let mut buf = Vec::new();
    let io = |e| ReadError::at_byte(file, 0, ReadErrorKind::io(e));
    // Enough to see past a byte-order mark and leading white space (which is read on).
    loop {
        let before = buf.len();
        (&mut input).take(4096).read_to_end(&mut buf).map_err(io)?;
        if let Some(big_endian) = super::detect::utf16(&buf) {
            return Err(ReadError::at_byte(
                file,
                0,
                ReadErrorKind::Utf16 { big_endian },
            ));
        }
        let text = buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&buf);
        match text.iter().position(|c| !c.is_ascii_whitespace()) {
            Some(i) if matches!(text[i], b'{' | b'[') => break,
            Some(i) => {
                let offset = (buf.len() - text.len() + i) as u64;
                let shown =
                    String::from_utf8_lossy(&text[i..(i + 20).min(text.len())]).into_owned();
                return Err(ReadError::at_byte(
                    file,
                    offset,
                    ReadErrorKind::InvalidJson {
                        detail: format!(
                            "expected {{ or [ at the start of a JSON document, found {shown:?}"
                        ),
                    },
                ));
            }
            // Only white space so far: an empty file, or more to come.
            None if buf.len() == before => return Ok(buf),
            None => {}
        }
    }
    input.read_to_end(&mut buf).map_err(io)?;
    Ok(buf)
}

/// A field as trimmed text, whether the JSON wrote it as a string or a number (Meta writes
/// ids and timestamps both ways); `None` when missing, empty or of another type.
pub(crate) fn text(v: &Value, key: &str) -> Option<String> {
    let t = match v.get(key)? {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    (!t.is_empty()).then_some(t)
}

/// The path of a value inside the document, as an error message names it
/// (`entry[0].changes[1].value`).
pub(crate) fn join(path: &str, part: &str) -> String {
    if path.is_empty() {
        part.to_string()
    } else {
        format!("{path}.{part}")
    }
}

/// A JSON syntax error found while splitting a file into documents.
#[derive(Debug)]
pub(crate) struct JsonError {
    /// Byte offset of the error.
    pub offset: usize,
    /// What is wrong.
    pub kind: ReadErrorKind,
    /// The offending line, in JSON lines.
    pub raw: Option<String>,
}

impl JsonError {
    /// The error as a [`ReadError`] of `file`, at its byte offset.
    pub fn at(self, file: &str) -> ReadError {
        let e = ReadError::at_byte(file, self.offset as u64, self.kind);
        match self.raw {
            Some(raw) => e.with_raw(raw),
            None => e,
        }
    }
}

/// Splits a JSON file into its top-level documents: the elements of a top-level array, or a
/// stream of values (one value, concatenated values, or JSON lines), each with the byte offset
/// where it starts. Shared by the JSON readers.
#[derive(Default)]
pub(crate) struct JsonDocs {
    started: bool,
    array: bool,
    need_comma: bool,
    /// `Some(true)` once a value was seen on one line (JSON lines), `Some(false)` once one
    /// spanned lines.
    lines: Option<bool>,
    pos: usize,
    /// No more documents.
    pub done: bool,
}

impl JsonDocs {
    /// The next document, `None` at the end.
    pub fn next(&mut self, buf: &[u8]) -> Option<Result<(usize, Value), JsonError>> {
        if self.done {
            return None;
        }
        if !self.started {
            self.started = true;
            if buf.starts_with(b"\xEF\xBB\xBF") {
                self.pos = 3;
            }
            self.skip_ws(buf);
            if buf.get(self.pos) == Some(&b'[') {
                self.array = true;
                self.pos += 1;
            }
        }
        self.skip_ws(buf);
        if self.array {
            return self.next_element(buf);
        }
        if self.pos >= buf.len() {
            self.done = true;
            return None;
        }
        let start = self.pos;
        match parse_one(buf, start) {
            Ok((value, end)) => {
                let one_line = !buf[start..end].contains(&b'\n');
                if self.lines.is_none() {
                    self.lines = Some(one_line);
                }
                self.pos = end;
                Some(Ok((start, value)))
            }
            Err((offset, kind, eof)) => {
                let first_line_end = buf[start..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map(|p| start + p);
                let on_first_line = first_line_end.is_none_or(|e| offset <= e);
                let resync = !eof
                    && first_line_end.is_some()
                    && match self.lines {
                        Some(l) => l,
                        None => on_first_line,
                    };
                let mut err = JsonError {
                    offset,
                    kind,
                    raw: None,
                };
                match first_line_end {
                    Some(e) if resync => {
                        err.raw = Some(String::from_utf8_lossy(&buf[start..e]).trim().to_string());
                        self.lines = Some(true);
                        self.pos = e + 1;
                    }
                    _ => self.done = true,
                }
                Some(Err(err))
            }
        }
    }

    fn next_element(&mut self, buf: &[u8]) -> Option<Result<(usize, Value), JsonError>> {
        match buf.get(self.pos) {
            None => {
                self.done = true;
                return Some(Err(JsonError {
                    offset: buf.len(),
                    kind: ReadErrorKind::UnclosedArray,
                    raw: None,
                }));
            }
            Some(b']') => {
                self.pos += 1;
                self.done = true;
                self.skip_ws(buf);
                if self.pos < buf.len() {
                    return Some(Err(JsonError {
                        offset: self.pos,
                        kind: ReadErrorKind::TrailingCharacters,
                        raw: None,
                    }));
                }
                return None;
            }
            Some(b',') if self.need_comma => {
                self.pos += 1;
                self.skip_ws(buf);
                self.need_comma = false;
                if self.pos >= buf.len() {
                    return self.next_element(buf);
                }
            }
            Some(_) if self.need_comma => {
                self.done = true;
                return Some(Err(JsonError {
                    offset: self.pos,
                    kind: ReadErrorKind::MissingComma,
                    raw: None,
                }));
            }
            Some(_) => {}
        }
        let start = self.pos;
        match parse_one(buf, start) {
            Ok((value, end)) => {
                self.pos = end;
                self.need_comma = true;
                Some(Ok((start, value)))
            }
            Err((offset, kind, _)) => {
                self.done = true;
                Some(Err(JsonError {
                    offset,
                    kind,
                    raw: None,
                }))
            }
        }
    }

    fn skip_ws(&mut self, buf: &[u8]) {
        while buf
            .get(self.pos)
            .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
        {
            self.pos += 1;
        }
    }
}

/// Parses one JSON value starting at `start`: the value and the offset just after it, or the
/// error's offset, kind and whether the input ended too early.
fn parse_one(buf: &[u8], start: usize) -> Result<(Value, usize), (usize, ReadErrorKind, bool)> {
    let mut stream = serde_json::Deserializer::from_slice(&buf[start..]).into_iter::<Value>();
    match stream.next() {
        Some(Ok(v)) => Ok((v, start + stream.byte_offset())),
        Some(Err(e)) => {
            let rest = &buf[start..];
            let eof = e.is_eof();
            let offset = if eof {
                buf.len()
            } else {
                start + offset_of(rest, e.line(), e.column())
            };
            let mut msg = e.to_string();
            if let Some(p) = msg.rfind(" at line ") {
                msg.truncate(p);
            }
            let kind = if eof {
                ReadErrorKind::TruncatedJson { detail: Some(msg) }
            } else {
                ReadErrorKind::InvalidJson { detail: msg }
            };
            Err((offset, kind, eof))
        }
        None => Err((
            buf.len(),
            ReadErrorKind::TruncatedJson { detail: None },
            true,
        )),
    }
}

/// The byte offset of serde_json's 1-based line and column (the column counts bytes).
fn offset_of(s: &[u8], line: usize, column: usize) -> usize {
    let mut line_start = 0;
    for _ in 1..line {
        match s[line_start..].iter().position(|&c| c == b'\n') {
            Some(p) => line_start += p + 1,
            None => break,
        }
    }
    (line_start + column.saturating_sub(1)).min(s.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_of_strings_and_numbers() {
        let v = json!({"id": " 123 ", "ts": 1770026400, "empty": "", "list": [1]});
        assert_eq!(text(&v, "id").as_deref(), Some("123"));
        assert_eq!(text(&v, "ts").as_deref(), Some("1770026400"));
        assert_eq!(text(&v, "empty"), None);
        assert_eq!(text(&v, "list"), None);
        assert_eq!(text(&v, "missing"), None);
        assert_eq!(join("", "entry[0]"), "entry[0]");
        assert_eq!(join("entry[0]", "changes[1]"), "entry[0].changes[1]");
    }

    /// An error as (offset, message, raw line).
    type Failed = (usize, String, Option<String>);

    /// Every document of `text` as (offset, value), or an error.
    fn split(text: &str) -> Vec<Result<(usize, Value), Failed>> {
        let mut docs = JsonDocs::default();
        std::iter::from_fn(|| docs.next(text.as_bytes()))
            .map(|d| d.map_err(|e| (e.offset, e.kind.to_string(), e.raw)))
            .collect()
    }

    #[test]
    fn arrays_lines_and_concatenated_documents_with_their_offsets() {
        let want = Ok((2, json!({"a": 1})));
        assert_eq!(
            split("\u{feff}[{\"a\": 1}, 2]")[0],
            Ok((4, json!({"a": 1})))
        );
        assert_eq!(split(" [{\"a\": 1}, 2]"), [want, Ok((12, json!(2)))]);
        assert_eq!(
            split("{\"a\":1}\n{\"b\":2}\n"),
            [Ok((0, json!({"a": 1}))), Ok((8, json!({"b": 2})))]
        );
        assert_eq!(
            split("{\n \"a\": 1\n}{\"b\":2}"),
            [Ok((0, json!({"a": 1}))), Ok((11, json!({"b": 2})))]
        );
        assert!(split("").is_empty() && split(" []\n").is_empty());
    }

    #[test]
    fn syntax_errors_end_the_file_except_in_json_lines() {
        // JSON lines: the bad line is skipped, with its text.
        assert_eq!(
            split("{\"a\":1}\n{\"b\": oops}\n{\"c\":3}\n"),
            [
                Ok((0, json!({"a": 1}))),
                Err((
                    14,
                    "invalid JSON: expected value".to_string(),
                    Some("{\"b\": oops}".to_string())
                )),
                Ok((20, json!({"c": 3}))),
            ]
        );
        // Arrays: the first error is the last item.
        assert_eq!(
            split("[1 2]"),
            [
                Ok((1, json!(1))),
                Err((
                    3,
                    "expected , or ] between array elements".to_string(),
                    None
                ))
            ]
        );
        assert_eq!(
            split("[1,"),
            [
                Ok((1, json!(1))),
                Err((
                    3,
                    "unexpected end of input: the array is not closed (file truncated?)"
                        .to_string(),
                    None
                ))
            ]
        );
        assert_eq!(
            split("[1] x"),
            [
                Ok((1, json!(1))),
                Err((
                    4,
                    "trailing characters after the top-level array".to_string(),
                    None
                ))
            ]
        );
        let cut = split("{\"a\": [1,");
        assert_eq!(cut.len(), 1);
        let (offset, message, _) = cut[0].clone().unwrap_err();
        assert_eq!(offset, 9);
        assert!(
            message.starts_with("unexpected end of input (file truncated?): EOF while parsing"),
            "{message}"
        );
    }
}
