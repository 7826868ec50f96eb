//! Checks a Parquet file's structure before polars reads it.
//!
//! polars trusts the sizes a Parquet file declares: a damaged page header whose value count
//! reads as negative makes it ask for 2^61 bytes, and a failed allocation aborts the process
//! (no `catch_unwind` can catch it). So every size the reader will allocate from is checked
//! here first, against the file's own bytes: the footer (Thrift compact protocol) is walked
//! with every list and string length bounded by the bytes left, then every column chunk's
//! byte range and every page header in it. Whatever passes is either sound or fails inside
//! polars with an error (or a panic, caught by [`crate::parquet`]); never an abort.
//!
//! Parquet format: <https://github.com/apache/parquet-format> (`parquet.thrift`): a file is
//! `PAR1`, column chunks of pages (each a `PageHeader` then its bytes), the `FileMetaData`,
//! its length (4 bytes, little-endian) and `PAR1`.

use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;

/// What is wrong with a Parquet file, in words (the caller names the file).
pub type Damage = String;

/// Nesting deeper than Parquet's metadata ever goes (it goes 6 levels): a damaged file.
const MAX_DEPTH: u32 = 32;

/// Checks that `bytes` is a Parquet file whose declared sizes all fit in it.
///
/// ```
/// use wacost_report::parquet_check::check;
/// assert_eq!(check(b"PAR1").unwrap_err(), "too short for a Parquet file (4 bytes)");
/// ```
pub fn check(bytes: &[u8]) -> Result<(), Damage> {
    check_reader(&mut std::io::Cursor::new(bytes))
}

/// [`check`] on a file (or any reader that seeks), reading only the footer and the page
/// headers: memory stays that of the footer, whatever the file's size.
pub fn check_reader<R: Read + Seek>(reader: &mut R) -> Result<(), Damage> {
    let len = reader
        .seek(SeekFrom::End(0))
        .map_err(|e| format!("reading it: {e}"))?;
    let mut file = Source { reader, len };
    if len < 12 {
        return Err(format!("too short for a Parquet file ({len} bytes)"));
    }
    let head = file.bytes(0..4)?;
    let tail = file.bytes(len - 8..len)?;
    if head != b"PAR1" || &tail[4..] != b"PAR1" {
        return Err("not a Parquet file (no PAR1 at its start and end)".to_string());
    }
    let footer_len = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
    if footer_len > len - 12 {
        return Err(format!(
            "its footer says it is {footer_len} bytes long, more than the file holds"
        ));
    }
    let footer_start = len - 8 - footer_len;
    let footer = file.bytes(footer_start..len - 8)?;
    let meta = Thrift::new(&footer)
        .structure()
        .map_err(|e| format!("damaged footer: {e}"))?;
    check_file(&meta, &mut file, 4..footer_start)
}

/// The file being checked: bytes read where they are needed.
struct Source<'r, R: Read + Seek> {
    reader: &'r mut R,
    len: u64,
}

impl<R: Read + Seek> Source<'_, R> {
    /// The bytes of `range` (within the file: the caller checked it).
    fn bytes(&mut self, range: Range<u64>) -> Result<Vec<u8>, Damage> {
        let end = range.end.min(self.len);
        let mut out = vec![0; end.saturating_sub(range.start) as usize];
        self.reader
            .seek(SeekFrom::Start(range.start))
            .and_then(|_| self.reader.read_exact(&mut out))
            .map_err(|e| format!("reading bytes {} to {end}: {e}", range.start))?;
        Ok(out)
    }
}

/// A value of the Thrift compact protocol. Strings keep only their length: nothing here
/// reads them.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Bool,
    Int(i64),
    Double,
    Binary,
    List(Vec<Value>),
    Struct(Vec<(i16, Value)>),
}

impl Value {
    fn field(&self, id: i16) -> Option<&Value> {
        match self {
            Value::Struct(fields) => fields.iter().find(|(f, _)| *f == id).map(|(_, v)| v),
            _ => None,
        }
    }

    fn int(&self, id: i16) -> Option<i64> {
        match self.field(id) {
            Some(Value::Int(n)) => Some(*n),
            _ => None,
        }
    }

    fn list(&self, id: i16) -> &[Value] {
        match self.field(id) {
            Some(Value::List(items)) => items,
            _ => &[],
        }
    }
}

/// A reader of the Thrift compact protocol over bytes, every length bounded by what is left.
struct Thrift<'a> {
    bytes: &'a [u8],
    pos: usize,
    depth: u32,
}

impl<'a> Thrift<'a> {
    fn new(bytes: &'a [u8]) -> Thrift<'a> {
        Thrift {
            bytes,
            pos: 0,
            depth: 0,
        }
    }

    fn left(&self) -> usize {
        self.bytes.len() - self.pos
    }

    fn byte(&mut self) -> Result<u8, String> {
        let b = *self
            .bytes
            .get(self.pos)
            .ok_or_else(|| format!("it ends inside a value (byte {})", self.pos))?;
        self.pos += 1;
        Ok(b)
    }

    fn skip(&mut self, n: usize) -> Result<(), String> {
        if n > self.left() {
            return Err(format!(
                "a value of {n} bytes at byte {} runs past the end ({} left)",
                self.pos,
                self.left()
            ));
        }
        self.pos += n;
        Ok(())
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut out = 0u64;
        for shift in (0..70).step_by(7) {
            let b = self.byte()?;
            out |= u64::from(b & 0x7f).checked_shl(shift).unwrap_or(0);
            if b & 0x80 == 0 {
                return Ok(out);
            }
        }
        Err(format!(
            "an integer longer than 10 bytes at byte {}",
            self.pos
        ))
    }

    fn zigzag(&mut self) -> Result<i64, String> {
        let v = self.varint()?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    /// A length: at most the bytes left (every element of a list or byte of a string takes
    /// at least one byte), so nothing is allocated beyond the footer's own size.
    fn length(&mut self, what: &str) -> Result<usize, String> {
        let at = self.pos;
        let n = self.varint()?;
        if n > self.left() as u64 {
            return Err(format!(
                "a {what} of {n} at byte {at}, longer than the {} bytes left",
                self.left()
            ));
        }
        Ok(n as usize)
    }

    fn value(&mut self, kind: u8) -> Result<Value, String> {
        Ok(match kind {
            1 | 2 => Value::Bool,
            3 => {
                self.byte()?;
                Value::Int(0)
            }
            4..=6 => Value::Int(self.zigzag()?),
            7 => {
                self.skip(8)?;
                Value::Double
            }
            8 => {
                let n = self.length("string")?;
                self.skip(n)?;
                Value::Binary
            }
            9 | 10 => self.list()?,
            11 => self.map()?,
            12 => self.structure()?,
            other => return Err(format!("unknown value type {other} at byte {}", self.pos)),
        })
    }

    fn list(&mut self) -> Result<Value, String> {
        let head = self.byte()?;
        let kind = head & 0x0f;
        let n = match head >> 4 {
            15 => self.length("list")?,
            short => usize::from(short),
        };
        self.nested(|t| {
            let mut items = Vec::with_capacity(n.min(t.left()));
            for _ in 0..n {
                // A list of booleans holds one byte per element.
                items.push(if matches!(kind, 1 | 2) {
                    t.byte()?;
                    Value::Bool
                } else {
                    t.value(kind)?
                });
            }
            Ok(Value::List(items))
        })
    }

    fn map(&mut self) -> Result<Value, String> {
        let n = self.length("map")?;
        if n == 0 {
            return Ok(Value::List(Vec::new()));
        }
        let kinds = self.byte()?;
        self.nested(|t| {
            for _ in 0..n {
                t.value(kinds >> 4)?;
                t.value(kinds & 0x0f)?;
            }
            Ok(Value::List(Vec::new()))
        })
    }

    fn structure(&mut self) -> Result<Value, String> {
        self.nested(|t| {
            let mut fields = Vec::new();
            let mut id: i16 = 0;
            loop {
                let head = t.byte()?;
                if head == 0 {
                    return Ok(Value::Struct(fields));
                }
                let delta = head >> 4;
                id = if delta == 0 {
                    i16::try_from(t.zigzag()?)
                        .map_err(|_| format!("a field id out of range at byte {}", t.pos))?
                } else {
                    id.checked_add(i16::from(delta))
                        .ok_or_else(|| format!("a field id out of range at byte {}", t.pos))?
                };
                let value = t.value(head & 0x0f)?;
                fields.push((id, value));
            }
        })
    }

    fn nested(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<Value, String>,
    ) -> Result<Value, String> {
        if self.depth >= MAX_DEPTH {
            return Err(format!(
                "values nested deeper than {MAX_DEPTH} at byte {}",
                self.pos
            ));
        }
        self.depth += 1;
        let v = f(self);
        self.depth -= 1;
        v
    }
}

/// `FileMetaData`: 3 `num_rows`, 4 `row_groups`.
fn check_file<R: Read + Seek>(
    meta: &Value,
    file: &mut Source<'_, R>,
    data: Range<u64>,
) -> Result<(), Damage> {
    let rows = count(meta.int(3), "the file's row count")?;
    let mut group_rows = 0u64;
    for (g, group) in meta.list(4).iter().enumerate() {
        let n = check_row_group(group, file, &data).map_err(|e| format!("row group {g}: {e}"))?;
        group_rows = group_rows.saturating_add(n);
    }
    if group_rows != rows {
        return Err(format!(
            "its row groups hold {group_rows} rows, the file says {rows}"
        ));
    }
    Ok(())
}

/// `RowGroup`: 1 `columns`, 3 `num_rows`. Returns its row count.
fn check_row_group<R: Read + Seek>(
    group: &Value,
    file: &mut Source<'_, R>,
    data: &Range<u64>,
) -> Result<u64, Damage> {
    let rows = count(group.int(3), "row count")?;
    for (c, chunk) in group.list(1).iter().enumerate() {
        // `ColumnChunk`: 3 `meta_data` (`ColumnMetaData`).
        let Some(column) = chunk.field(3) else {
            return Err(format!("column {c} has no metadata"));
        };
        check_column(column, file, data).map_err(|e| format!("column {c}: {e}"))?;
    }
    Ok(rows)
}

/// `ColumnMetaData`: 5 `num_values`, 6 `total_uncompressed_size`, 7
/// `total_compressed_size`, 9 `data_page_offset`, 11 `dictionary_page_offset`.
fn check_column<R: Read + Seek>(
    column: &Value,
    file: &mut Source<'_, R>,
    data: &Range<u64>,
) -> Result<(), Damage> {
    let values = count(column.int(5), "value count")?;
    count(column.int(6), "uncompressed size")?;
    let size = count(column.int(7), "compressed size")?;
    let data_page = count(column.int(9), "data page offset")?;
    // A dictionary page, when there is one, comes first.
    let start = match column.int(11) {
        Some(d) if d > 0 => count(Some(d), "dictionary page offset")?.min(data_page),
        _ => data_page,
    };
    let end = start.checked_add(size).unwrap_or(u64::MAX);
    if start < data.start || end > data.end {
        return Err(format!(
            "its pages (bytes {start} to {end}) are outside the file's data (bytes {} to {})",
            data.start, data.end
        ));
    }
    check_pages(file, start..end, values)
}

/// The pages of a column chunk: each `PageHeader` (2 `uncompressed_page_size`, 3
/// `compressed_page_size`, 5 `data_page_header`, 7 `dictionary_page_header`, 8
/// `data_page_header_v2`) then its bytes, every size within the chunk and every value count
/// within the chunk's.
fn check_pages<R: Read + Seek>(
    file: &mut Source<'_, R>,
    chunk: Range<u64>,
    values: u64,
) -> Result<(), Damage> {
    let mut pos = chunk.start;
    let mut seen = 0u64;
    while pos < chunk.end {
        let at = pos;
        let page = |e: String| format!("page at byte {at}: {e}");
        let (header, header_len) = page_header(file, pos..chunk.end).map_err(page)?;
        let unpacked = count(header.int(2), "page's uncompressed size").map_err(page)?;
        let size = count(header.int(3), "page's compressed size").map_err(page)?;
        pos += header_len;
        if size > chunk.end - pos {
            return Err(page(format!(
                "{size} bytes run past its column chunk ({} bytes left)",
                chunk.end - pos
            )));
        }
        pos += size;
        // A data page's counts are within the chunk's values; a v2 page's level lengths
        // within its bytes; a dictionary's entries within the chunk's values or its bytes.
        let limits: [(i16, &[(i16, &str, u64)]); 3] = [
            (5, &[(1, "data page's value count", values)]),
            (
                8,
                &[
                    (1, "data page's value count", values),
                    (2, "data page's null count", values),
                    (3, "data page's row count", values),
                    (5, "data page's definition levels length", size),
                    (6, "data page's repetition levels length", size),
                ],
            ),
            (7, &[(1, "dictionary's entry count", values.max(unpacked))]),
        ];
        for (part, fields) in limits {
            let Some(h) = header.field(part) else {
                continue;
            };
            for (f, what, limit) in fields {
                let n = count(h.int(*f), what).map_err(page)?;
                if n > *limit {
                    return Err(page(format!("a {what} of {n}, more than {limit}")));
                }
                if *f == 1 && part != 7 {
                    seen = seen.saturating_add(n);
                }
            }
        }
    }
    if seen > values {
        return Err(format!(
            "its pages hold {seen} values, more than the column chunk's {values}"
        ));
    }
    Ok(())
}

/// The page header at the start of `within` and its length in bytes. Headers are small;
/// one with large statistics is read again with more bytes, up to the chunk's end.
fn page_header<R: Read + Seek>(
    file: &mut Source<'_, R>,
    within: Range<u64>,
) -> Result<(Value, u64), Damage> {
    let mut window = 256u64;
    loop {
        let end = within.end.min(within.start.saturating_add(window));
        let bytes = file.bytes(within.start..end)?;
        let mut t = Thrift::new(&bytes);
        match t.structure() {
            Ok(header) => return Ok((header, t.pos as u64)),
            Err(_) if end < within.end => window = window.saturating_mul(16),
            Err(e) => return Err(e),
        }
    }
}

/// A count or size that must be there and not negative.
fn count(v: Option<i64>, what: &str) -> Result<u64, Damage> {
    match v {
        Some(n) => u64::try_from(n).map_err(|_| format!("negative {what} ({n})")),
        None => Err(format!("no {what}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parquet::tests::log_in_groups as file;

    #[test]
    fn files_polars_writes_pass() {
        for (rows, group) in [(0, 1), (1, 1), (20, 4), (1_000, 64)] {
            assert_eq!(check(&file(rows, group)), Ok(()), "{rows} rows");
        }
    }

    #[test]
    fn damaged_ends_and_lengths_are_named() {
        let good = file(20, 4);
        assert_eq!(
            check(&good[..good.len() - 1]).unwrap_err(),
            "not a Parquet file (no PAR1 at its start and end)"
        );
        let mut long = good.clone();
        let at = long.len() - 8;
        long[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(
            check(&long).unwrap_err(),
            "its footer says it is 4294967295 bytes long, more than the file holds"
        );
    }

    /// The corruption that made polars abort (a data page's value count read as -19).
    #[test]
    fn a_negative_value_count_in_a_page_header_is_found() {
        let good = file(20, 4);
        let mut t = Thrift::new(&good[good.len() - 8 - footer_len(&good)..good.len() - 8]);
        let meta = t.structure().unwrap();
        let column = meta.list(4)[0].list(1)[0].field(3).unwrap().clone();
        let data_page = column.int(9).unwrap() as usize;
        // The page header: type, sizes, then field 5 (data page header) whose first field,
        // num_values, is a zigzag varint of 4 rows (8); -19 is 37.
        let header = &good[data_page..];
        let at = (0..40)
            .find(|i| header[*i] == 0x2c && header[i + 1] == 0x15 && header[i + 2] == 8)
            .expect("the data page header's num_values")
            + 2;
        let mut bad = good.clone();
        bad[data_page + at] = 37;
        assert_eq!(
            check(&bad).unwrap_err(),
            format!(
                "row group 0: column 0: page at byte {data_page}: negative data page's value count (-19)"
            )
        );
    }

    fn footer_len(b: &[u8]) -> usize {
        let at = b.len() - 8;
        u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]) as usize
    }

    #[test]
    fn lengths_past_the_end_are_refused_before_anything_is_allocated() {
        // A list header claiming 2^62 elements, in a struct.
        let mut bytes = vec![0x19, 0xfc];
        bytes.extend([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f]);
        let e = Thrift::new(&bytes).structure().unwrap_err();
        assert!(
            e.starts_with("a list of 4611686018427387903 at byte 2, longer than"),
            "{e}"
        );
        // Structs nested without end.
        let deep = vec![0x1c; 100];
        let e = Thrift::new(&deep).structure().unwrap_err();
        assert!(e.starts_with("values nested deeper than 32"), "{e}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// Arbitrary bytes and arbitrary damage to a good file: an answer, never a panic.
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512),
                        damage in proptest::collection::vec((0usize..4096, proptest::prelude::any::<u8>()), 1..4)) {
            let _ = check(&bytes);
            let mut framed = b"PAR1".to_vec();
            framed.extend(&bytes);
            framed.extend((bytes.len() as u32).to_le_bytes());
            framed.extend(b"PAR1");
            let _ = check(&framed);
            let mut good = file(20, 4);
            let n = good.len();
            for (at, b) in damage {
                good[at % n] = b;
            }
            let _ = check(&good);
        }
    }
}
