//! Logs that arrive as Arrow data (a pyarrow, polars or pandas table, a Parquet file read by
//! pyarrow): the Arrow C stream interface read with polars-arrow, and each row handed to the
//! core's canonical [`RowParser`] as text, as the CLI's Parquet reader does, so that a table
//! and the same rows in a CSV file give the same events.
//!
//! Column types: strings as they are; integers as their decimal text (Unix seconds in a
//! `timestamp` column); Arrow timestamps as Unix seconds when they fall on a whole second and
//! as RFC 3339 with the fraction otherwise (the core's parser decides what a fraction means);
//! booleans as `true`/`false`; nulls as empty fields.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Read;

use chrono::{DateTime, NaiveDate, SecondsFormat};
use polars_arrow::array::{
    Array, BinaryArray, BinaryViewArray, BooleanArray, PrimitiveArray, StructArray, Utf8Array,
    Utf8ViewArray,
};
use polars_arrow::datatypes::{ArrowDataType, TimeUnit};
use polars_arrow::ffi::{ArrowArrayStream, ArrowArrayStreamReader};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use wacost_core::event::Event;
use wacost_core::read::canonical::RowParser;
use wacost_core::read::detect::{EventReader, EventSource};
use wacost_core::read::records::Fields;
use wacost_core::read::time::{LocalCounts, LocalTimes};
use wacost_core::read::{ReadError, ReadErrorKind};

/// An Arrow C stream taken out of a Python object's `__arrow_c_stream__` capsule.
pub type Stream = ArrowArrayStreamReader<Box<ArrowArrayStream>>;

/// Takes the stream a Python object exports (`__arrow_c_stream__`, the Arrow PyCapsule
/// interface): pyarrow tables and readers, polars data frames, anything that speaks it.
pub fn import_stream(obj: &Bound<'_, PyAny>) -> PyResult<Stream> {
    let capsule = obj.call_method0("__arrow_c_stream__")?;
    let capsule = capsule.cast_into::<PyCapsule>()?;
    let pointer = capsule
        .pointer_checked(Some(c"arrow_array_stream"))?
        .as_ptr()
        .cast::<ArrowArrayStream>();
    // Move the stream out of the capsule: the capsule's destructor then sees a released
    // stream and does nothing (the C stream interface's rule for consumers).
    let stream = unsafe { std::ptr::replace(pointer, ArrowArrayStream::empty()) };
    unsafe { Stream::try_new(Box::new(stream)) }.map_err(|e| {
        pyo3::exceptions::PyValueError::new_err(format!("not a readable Arrow stream: {e}"))
    })
}

/// One row's fields as text, in the order of the table's columns.
#[derive(Default)]
pub struct Row {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl Row {
    fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }

    fn end_field(&mut self) {
        self.ends.push(self.bytes.len());
    }
}

impl Fields for Row {
    fn field(&self, i: usize) -> Option<&[u8]> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.bytes.get(start..end)
    }

    fn count(&self) -> usize {
        self.ends.len()
    }
}

/// A column of a batch, by how its values become text.
enum Column<'a> {
    Utf8(&'a Utf8Array<i32>),
    LargeUtf8(&'a Utf8Array<i64>),
    Utf8View(&'a Utf8ViewArray),
    Binary(&'a BinaryArray<i32>),
    LargeBinary(&'a BinaryArray<i64>),
    BinaryView(&'a BinaryViewArray),
    Int(Box<dyn Fn(usize) -> i64 + 'a>),
    UInt(&'a PrimitiveArray<u64>),
    Float(Box<dyn Fn(usize) -> f64 + 'a>),
    Bool(&'a BooleanArray),
    Timestamp(&'a PrimitiveArray<i64>, i64),
    Date(&'a PrimitiveArray<i32>),
    Null,
    /// A column the canonical reader does not use: left empty.
    Unused,
}

/// The type an extension type stores its values as.
fn logical(d: &ArrowDataType) -> &ArrowDataType {
    match d {
        ArrowDataType::Extension(e) => logical(&e.inner),
        d => d,
    }
}

fn downcast<T: 'static>(a: &dyn Array) -> Result<&T, String> {
    a.as_any()
        .downcast_ref::<T>()
        .ok_or_else(|| format!("unexpected array for {:?}", a.dtype()))
}

impl<'a> Column<'a> {
    fn of(a: &'a dyn Array, used: bool) -> Result<Column<'a>, String> {
        if !used {
            return Ok(Column::Unused);
        }
        macro_rules! int {
            ($t:ty) => {{
                let p = downcast::<PrimitiveArray<$t>>(a)?;
                Column::Int(Box::new(move |i| i64::from(p.value(i))))
            }};
        }
        Ok(match logical(a.dtype()) {
            ArrowDataType::Utf8 => Column::Utf8(downcast(a)?),
            ArrowDataType::LargeUtf8 => Column::LargeUtf8(downcast(a)?),
            ArrowDataType::Utf8View => Column::Utf8View(downcast(a)?),
            ArrowDataType::Binary => Column::Binary(downcast(a)?),
            ArrowDataType::LargeBinary => Column::LargeBinary(downcast(a)?),
            ArrowDataType::BinaryView => Column::BinaryView(downcast(a)?),
            ArrowDataType::Int8 => int!(i8),
            ArrowDataType::Int16 => int!(i16),
            ArrowDataType::Int32 => int!(i32),
            ArrowDataType::Int64 => int!(i64),
            ArrowDataType::UInt8 => int!(u8),
            ArrowDataType::UInt16 => int!(u16),
            ArrowDataType::UInt32 => int!(u32),
            ArrowDataType::UInt64 => Column::UInt(downcast(a)?),
            ArrowDataType::Float32 => {
                let p = downcast::<PrimitiveArray<f32>>(a)?;
                Column::Float(Box::new(move |i| f64::from(p.value(i))))
            }
            ArrowDataType::Float64 => {
                let p = downcast::<PrimitiveArray<f64>>(a)?;
                Column::Float(Box::new(move |i| p.value(i)))
            }
            ArrowDataType::Boolean => Column::Bool(downcast(a)?),
            ArrowDataType::Timestamp(unit, _) => {
                let per_second = match unit {
                    TimeUnit::Second => 1,
                    TimeUnit::Millisecond => 1_000,
                    TimeUnit::Microsecond => 1_000_000,
                    TimeUnit::Nanosecond => 1_000_000_000,
                };
                Column::Timestamp(downcast(a)?, per_second)
            }
            ArrowDataType::Date32 => Column::Date(downcast(a)?),
            ArrowDataType::Null => Column::Null,
            other => return Err(format!("the Arrow type {other:?} is not read")),
        })
    }

    /// Appends row `i`'s text to `out`.
    fn write(&self, i: usize, out: &mut Vec<u8>, valid: bool) {
        if !valid {
            return;
        }
        match self {
            Column::Utf8(a) => out.extend_from_slice(a.value(i).as_bytes()),
            Column::LargeUtf8(a) => out.extend_from_slice(a.value(i).as_bytes()),
            Column::Utf8View(a) => out.extend_from_slice(a.value(i).as_bytes()),
            Column::Binary(a) => out.extend_from_slice(a.value(i)),
            Column::LargeBinary(a) => out.extend_from_slice(a.value(i)),
            Column::BinaryView(a) => out.extend_from_slice(a.value(i)),
            Column::Int(f) => write_int(out, f(i)),
            Column::UInt(a) => {
                let mut s = String::new();
                let _ = write!(s, "{}", a.value(i));
                out.extend_from_slice(s.as_bytes());
            }
            Column::Float(f) => {
                let mut s = String::new();
                let _ = write!(s, "{}", f(i));
                out.extend_from_slice(s.as_bytes());
            }
            Column::Bool(a) => out.extend_from_slice(if a.value(i) { b"true" } else { b"false" }),
            Column::Timestamp(a, per_second) => write_instant(out, a.value(i), *per_second),
            Column::Date(a) => {
                let date = NaiveDate::from_epoch_days(a.value(i));
                if let Some(d) = date {
                    let mut s = String::new();
                    let _ = write!(s, "{d}");
                    out.extend_from_slice(s.as_bytes());
                }
            }
            Column::Null | Column::Unused => {}
        }
    }
}

fn write_int(out: &mut Vec<u8>, v: i64) {
    let mut buf = [0u8; 20];
    let mut n = v.unsigned_abs();
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&buf[at..]);
}

/// An Arrow timestamp (`value` units, `per_second` of them a second) as the core's parser
/// reads timestamps: Unix seconds when whole, RFC 3339 with its fraction otherwise.
fn write_instant(out: &mut Vec<u8>, value: i64, per_second: i64) {
    let seconds = value.div_euclid(per_second);
    let fraction = value.rem_euclid(per_second);
    if fraction == 0 {
        write_int(out, seconds);
        return;
    }
    let nanos = fraction * (1_000_000_000 / per_second);
    match DateTime::from_timestamp(seconds, nanos as u32) {
        Some(t) => out.extend_from_slice(t.to_rfc3339_opts(SecondsFormat::AutoSi, true).as_bytes()),
        None => write_int(out, seconds),
    }
}

/// The canonical columns among a table's column names: the others are not converted.
fn used_columns(names: &[String]) -> Vec<bool> {
    names
        .iter()
        .map(|n| {
            let n = n.trim().trim_start_matches('\u{feff}').to_ascii_lowercase();
            wacost_core::read::canonical::COLUMNS.contains(&n.as_str())
        })
        .collect()
}

/// The column names of a stream of record batches (exported as struct arrays).
pub fn column_names(stream: &Stream) -> Result<Vec<String>, String> {
    match logical(&stream.field().dtype) {
        ArrowDataType::Struct(fields) => Ok(fields.iter().map(|f| f.name.to_string()).collect()),
        other => Err(format!(
            "expected a table (record batches), found {other:?}"
        )),
    }
}

/// Calls `row` for every row of a batch, with the row's fields as text (columns the
/// canonical reader ignores are left empty).
pub fn for_each_row(
    batch: &StructArray,
    used: &[bool],
    scratch: &mut Row,
    mut row: impl FnMut(usize, &Row) -> Result<(), String>,
) -> Result<(), String> {
    let columns: Vec<(Column, &dyn Array)> = batch
        .values()
        .iter()
        .zip(used)
        .map(|(a, u)| Column::of(a.as_ref(), *u).map(|c| (c, a.as_ref())))
        .collect::<Result<_, _>>()?;
    for i in 0..batch.len() {
        scratch.clear();
        for (c, a) in &columns {
            c.write(i, &mut scratch.bytes, a.is_valid(i));
            scratch.end_field();
        }
        row(i, scratch)?;
    }
    Ok(())
}

/// A batch of the stream as a struct array.
pub fn next_batch(stream: &mut Stream) -> Option<Result<StructArray, String>> {
    let next = unsafe { stream.next() }?;
    Some(match next {
        Err(e) => Err(e.to_string()),
        Ok(a) => a
            .as_any()
            .downcast_ref::<StructArray>()
            .cloned()
            .ok_or_else(|| format!("expected record batches, found {:?}", a.dtype())),
    })
}

/// The events of a table, row by row: an [`EventReader`] over an Arrow stream. Errors name
/// the table and the row (1-based, counting data rows, as for Parquet).
pub struct ArrowEvents {
    name: String,
    stream: Stream,
    parser: Option<RowParser>,
    used: Vec<bool>,
    /// Events (or errors) of the current batch, in order.
    pending: std::vec::IntoIter<Result<Event, ReadError>>,
    rows_before: u64,
    done: bool,
    error: Option<ReadError>,
    scratch: Row,
}

impl ArrowEvents {
    /// Reads `stream`, named `name` in messages, text timestamps without an offset read as
    /// `local` says (the WABA's zone, a date format).
    pub fn new(stream: Stream, name: &str, local: &LocalTimes) -> ArrowEvents {
        let mut events = ArrowEvents {
            name: name.to_string(),
            stream,
            parser: None,
            used: Vec::new(),
            pending: Vec::new().into_iter(),
            rows_before: 0,
            done: false,
            error: None,
            scratch: Row::default(),
        };
        match column_names(&events.stream) {
            Ok(names) => match RowParser::with_local(&names, name, local.clone()) {
                Ok(p) => {
                    events.used = used_columns(&names);
                    events.parser = Some(p);
                }
                Err(e) => events.error = Some(e),
            },
            Err(e) => {
                events.error = Some(ReadError::at_line(name, 1, unreadable(e)));
            }
        }
        events
    }

    fn read_batch(&mut self) -> bool {
        let Some(parser) = self.parser.as_mut() else {
            return false;
        };
        let batch = match next_batch(&mut self.stream) {
            None => return false,
            Some(Err(e)) => {
                self.error = Some(ReadError::at_line(
                    &self.name,
                    self.rows_before + 1,
                    unreadable(e),
                ));
                return false;
            }
            Some(Ok(b)) => b,
        };
        let mut out = Vec::with_capacity(batch.len());
        let before = self.rows_before;
        let result = for_each_row(&batch, &self.used, &mut self.scratch, |i, row| {
            let line = before + i as u64 + 1;
            out.push(parser.parse(row, line).map_err(|mut e| {
                e.raw = Some(row.joined());
                e
            }));
            Ok(())
        });
        if let Err(e) = result {
            self.error = Some(ReadError::at_line(&self.name, before + 1, unreadable(e)));
            return false;
        }
        self.rows_before += batch.len() as u64;
        self.pending = out.into_iter();
        true
    }
}

impl EventSource for ArrowEvents {
    fn local_counts(&self) -> LocalCounts {
        self.parser
            .as_ref()
            .map_or_else(LocalCounts::default, RowParser::local_counts)
    }
}

impl Iterator for ArrowEvents {
    type Item = Result<Event, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(e) = self.error.take() {
                self.done = true;
                return Some(Err(e));
            }
            if let Some(item) = self.pending.next() {
                return Some(item);
            }
            if self.done || !self.read_batch() {
                self.done = true;
                if self.error.is_some() {
                    continue;
                }
                return None;
            }
        }
    }
}

thread_local! {
    /// The Arrow sources of the replay running on this thread, by name: Parquet files that
    /// pyarrow reads and tables. The core asks for them by name through [`open`].
    static SOURCES: std::cell::RefCell<HashMap<String, Py<PyAny>>> =
        std::cell::RefCell::new(HashMap::new());
}

/// Makes `sources` (name → object with `__arrow_c_stream__`) readable by [`open`] while `f`
/// runs on this thread.
pub fn with_sources<T>(sources: HashMap<String, Py<PyAny>>, f: impl FnOnce() -> T) -> T {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            SOURCES.with(|s| s.borrow_mut().clear());
        }
    }
    SOURCES.with(|s| *s.borrow_mut() = sources);
    let _reset = Reset;
    f()
}

/// The core's [`ParquetOpener`](wacost_core::read::detect::ParquetOpener) for this module: a
/// Parquet log (or a table, handed to the core as one) is read through the Arrow stream of
/// the source registered under its name; the bytes the core opened are not used. Opening a
/// source again (to sort an out-of-order log) reads it again from the start.
pub fn open(
    _input: Box<dyn Read + Send>,
    name: &str,
    local: &LocalTimes,
) -> Result<EventReader, ReadError> {
    let source = SOURCES.with(|s| {
        s.borrow()
            .get(name)
            .map(|o| Python::attach(|py| o.clone_ref(py)))
    });
    let Some(source) = source else {
        return Err(ReadError::at_line(
            name,
            1,
            unreadable("a Parquet log is read through pyarrow (give its path to wacost.replay)"),
        ));
    };
    let stream = Python::attach(|py| import_stream(source.bind(py)))
        .map_err(|e| ReadError::at_line(name, 1, unreadable(e)))?;
    Ok(Box::new(ArrowEvents::new(stream, name, local)))
}

/// A table or stream that cannot be read at all (fatal, even when skipping bad rows).
fn unreadable(detail: impl std::fmt::Display) -> ReadErrorKind {
    ReadErrorKind::Unreadable {
        detail: detail.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instant(value: i64, per_second: i64) -> String {
        let mut out = Vec::new();
        write_instant(&mut out, value, per_second);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn whole_seconds_are_unix_seconds_and_fractions_rfc_3339() {
        // 2026-02-02T10:00:00Z in each unit: the text the CLI's reader takes as that instant.
        assert_eq!(instant(1_770_026_400, 1), "1770026400");
        assert_eq!(instant(1_770_026_400_000, 1_000), "1770026400");
        assert_eq!(
            instant(1_770_026_400_000_000_000, 1_000_000_000),
            "1770026400"
        );
        // A fraction is kept for the core's parser to decide on.
        assert_eq!(
            instant(1_770_026_400_250, 1_000),
            "2026-02-02T10:00:00.250Z"
        );
        // Before 1970 the fraction still counts forward from the earlier second.
        assert_eq!(instant(-1_500, 1_000), "1969-12-31T23:59:58.500Z");
        assert_eq!(
            wacost_core::read::time::parse_timestamp(instant(1_770_026_400_250, 1_000).as_bytes()),
            Some(1_770_026_400_250),
            "milliseconds kept, as the CLI's reader keeps them"
        );
    }

    #[test]
    fn integers_are_written_in_full() {
        for v in [0, 7, -7, 1_770_026_400, i64::MIN, i64::MAX] {
            let mut out = Vec::new();
            write_int(&mut out, v);
            assert_eq!(String::from_utf8(out).unwrap(), v.to_string());
        }
    }

    #[test]
    fn a_row_is_its_fields() {
        let mut row = Row::default();
        row.bytes.extend_from_slice(b"ab");
        row.end_field();
        row.end_field();
        row.bytes.extend_from_slice(b"c");
        row.end_field();
        assert_eq!(row.count(), 3);
        assert_eq!(row.field(0), Some(&b"ab"[..]));
        assert_eq!(row.field(1), Some(&b""[..]));
        assert_eq!(row.field(2), Some(&b"c"[..]));
        assert_eq!(row.field(3), None);
        assert_eq!(row.joined(), "ab,,c");
    }
}
