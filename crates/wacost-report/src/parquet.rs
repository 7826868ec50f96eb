//! Parquet logs with the canonical columns (see [`wacost_core::read::canonical`]), for large
//! logs written by other tools. Columns may be strings, integers (Unix seconds) or
//! timestamps; each row goes through the same parser as the CSV reader.

use std::path::Path;
use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};

use csv::ByteRecord;
use polars::prelude::*;

use wacost_core::event::Event;
use wacost_core::read::canonical::RowParser;
use wacost_core::read::detect::{EventReader, EventSource};
use wacost_core::read::time::{LocalCounts, LocalTimes};
use wacost_core::read::{ReadError, ReadErrorKind};

/// Opens a Parquet log from a reader (the whole file is read into memory: Parquet keeps its
/// index at the end), text timestamps without an offset read as `local` says (the WABA's
/// zone, a date format). A [`ParquetOpener`](wacost_core::read::detect::ParquetOpener) for
/// [`FormatOptions::parquet`](wacost_core::read::detect::FormatOptions::parquet).
pub fn open(
    mut input: Box<dyn std::io::Read + Send>,
    file: &str,
    local: &LocalTimes,
) -> Result<EventReader, ReadError> {
    let mut bytes = Vec::new();
    input
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::at_line(file, 1, ReadErrorKind::io(e)))?;
    Ok(Box::new(ParquetEventReader::from_bytes_in(
        bytes, file, local,
    )))
}

/// Reads a Parquet file's rows as events. The row number in errors is 1-based, counting
/// data rows (there is no header line), reported as a line.
pub struct ParquetEventReader {
    parser: Option<RowParser>,
    columns: Vec<StringChunked>,
    row: usize,
    height: usize,
    record: ByteRecord,
    error: Option<ReadError>,
}

impl ParquetEventReader {
    /// Opens a Parquet file (text timestamps without an offset in UTC).
    pub fn open(path: &Path) -> ParquetEventReader {
        let file = path.display().to_string();
        match std::fs::read(path) {
            Ok(bytes) => Self::from_bytes_in(bytes, &file, &LocalTimes::default()),
            Err(e) => Self::failed(&file, ReadErrorKind::io(e)),
        }
    }

    /// Reads Parquet bytes already in memory (text timestamps without an offset in UTC).
    pub fn from_bytes(bytes: Vec<u8>, file: &str) -> ParquetEventReader {
        Self::from_bytes_in(bytes, file, &LocalTimes::default())
    }

    /// Reads Parquet bytes already in memory, text timestamps without an offset read as
    /// `local` says.
    pub fn from_bytes_in(bytes: Vec<u8>, file: &str, local: &LocalTimes) -> ParquetEventReader {
        Self::from_frame(read_frame(bytes), file, local)
    }

    fn failed(file: &str, kind: ReadErrorKind) -> ParquetEventReader {
        Self::failed_with(ReadError::at_line(file, 1, kind))
    }

    fn failed_with(error: ReadError) -> ParquetEventReader {
        ParquetEventReader {
            parser: None,
            columns: Vec::new(),
            row: 0,
            height: 0,
            record: ByteRecord::new(),
            error: Some(error),
        }
    }

    fn from_frame(
        frame: PolarsResult<DataFrame>,
        file: &str,
        local: &LocalTimes,
    ) -> ParquetEventReader {
        let df = match frame {
            Ok(df) => df,
            Err(e) => {
                let detail = format!("not a readable Parquet file ({e})");
                return Self::failed(file, ReadErrorKind::Unreadable { detail });
            }
        };
        let names: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        let parser = match RowParser::with_local(&names, file, local.clone()) {
            Ok(p) => p,
            Err(e) => return Self::failed_with(e),
        };
        let mut columns = Vec::with_capacity(names.len());
        for c in df.columns() {
            match guarded(|| as_text(c.as_materialized_series())) {
                Ok(s) => columns.push(s),
                Err(e) => {
                    let detail = format!("column {}: {e}", c.name());
                    return Self::failed(file, ReadErrorKind::Unreadable { detail });
                }
            }
        }
        ParquetEventReader {
            parser: Some(parser),
            columns,
            row: 0,
            height: df.height(),
            record: ByteRecord::new(),
            error: None,
        }
    }
}

/// Reads a whole Parquet file into a frame: its structure checked first
/// ([`crate::parquet_check`]: a damaged size would make polars abort), then a panic inside
/// polars caught as an error.
pub(crate) fn read_frame(bytes: Vec<u8>) -> PolarsResult<DataFrame> {
    crate::parquet_check::check(&bytes).map_err(damaged)?;
    guarded(|| ParquetReader::new(std::io::Cursor::new(bytes)).finish())
}

/// What [`crate::parquet_check`] found wrong, as a polars error (the caller names the file).
pub(crate) fn damaged(damage: crate::parquet_check::Damage) -> PolarsError {
    PolarsError::ComputeError(format!("a damaged file: {damage}").into())
}

/// Runs a polars call, a panic inside it turned into an error. The last line of defence:
/// polars validates most of a Parquet file but some damaged files make it panic rather than
/// fail; the caller names the file in its error. While a guarded call runs, panics raised
/// inside polars are not printed (they become that error); every other panic is.
pub(crate) fn guarded<T>(f: impl FnOnce() -> PolarsResult<T>) -> PolarsResult<T> {
    quiet_polars_panics();
    GUARDED.fetch_add(1, Ordering::SeqCst);
    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    GUARDED.fetch_sub(1, Ordering::SeqCst);
    out.unwrap_or_else(|_| {
        Err(PolarsError::ComputeError(
            "the Parquet library failed on it (a damaged file)".into(),
        ))
    })
}

/// Guarded polars calls running now (on any thread: polars panics in its worker threads).
static GUARDED: AtomicUsize = AtomicUsize::new(0);

/// Installs, once, a panic hook that stays silent for a panic inside polars' code while a
/// guarded call runs, and hands every other panic to the hook that was there before.
fn quiet_polars_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_polars = info
                .location()
                .is_some_and(|l| l.file().contains("/polars"));
            if !(in_polars && GUARDED.load(Ordering::SeqCst) > 0) {
                previous(info);
            }
        }));
    });
}

/// A column as text: timestamps become Unix seconds, everything else its string form. The
/// column is made one chunk: a file of many row groups reads as many chunks, and reading
/// row `i` of a chunked column searches the chunks (quadratic in the number of groups).
fn as_text(s: &Series) -> PolarsResult<StringChunked> {
    let s = &s.rechunk();
    let s = match s.dtype() {
        DataType::Datetime(unit, _) => {
            let per_second: i64 = match unit {
                TimeUnit::Nanoseconds => 1_000_000_000,
                TimeUnit::Microseconds => 1_000_000,
                TimeUnit::Milliseconds => 1_000,
            };
            let ints = s.cast(&DataType::Int64)?;
            let secs: Int64Chunked = ints.i64()?.apply_values(|v| v.div_euclid(per_second));
            secs.into_series().cast(&DataType::String)?
        }
        _ => s.cast(&DataType::String)?,
    };
    Ok(s.str()?.rechunk().into_owned())
}

impl EventSource for ParquetEventReader {
    fn local_counts(&self) -> LocalCounts {
        self.parser
            .as_ref()
            .map_or_else(LocalCounts::default, RowParser::local_counts)
    }
}

impl Iterator for ParquetEventReader {
    type Item = Result<Event, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(e) = self.error.take() {
            self.height = 0;
            return Some(Err(e));
        }
        if self.row >= self.height {
            return None;
        }
        let i = self.row;
        self.row += 1;
        self.record.clear();
        for c in &self.columns {
            self.record.push_field(c.get(i).unwrap_or("").as_bytes());
        }
        let parser = self.parser.as_mut()?;
        Some(parser.parse(&self.record, i as u64 + 1).map_err(|e| {
            e.with_raw(
                self.record
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect::<Vec<_>>()
                    .join(","),
            )
        }))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A log of `n` inbound rows, one row group per `group` rows.
    pub(crate) fn log_in_groups(n: usize, group: usize) -> Vec<u8> {
        let times: Vec<i64> = (0..n as i64).map(|i| 1_770_026_400 + i).collect();
        let mut df = df!(
            "timestamp" => times,
            "business" => vec!["15550100001"; n],
            "contact" => vec!["+5511987654321"; n],
            "direction" => vec!["inbound"; n],
        )
        .unwrap();
        let mut buf = Vec::new();
        ParquetWriter::new(&mut buf)
            .with_row_group_size(Some(group))
            .finish(&mut df)
            .unwrap();
        buf
    }

    #[test]
    fn a_file_of_many_row_groups_reads_every_row() {
        let events: Vec<_> =
            ParquetEventReader::from_bytes(log_in_groups(3_000, 1), "groups.parquet").collect();
        assert_eq!(events.len(), 3_000);
        assert_eq!(
            events[2_999].as_ref().unwrap().time_ms,
            (1_770_026_400 + 2_999) * 1000
        );
    }

    /// Issue 11, item 9: corrupted files are errors naming the file, never a panic out of
    /// the reader nor an abort: case 168 of these seeds gives a data page a value count of
    /// -19, which made polars ask for 2^61 bytes (an abort no `catch_unwind` catches) before
    /// `parquet_check` looked at the page headers.
    #[test]
    fn corrupted_files_are_errors_not_panics() {
        let good = log_in_groups(20, 4);
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut errors = 0;
        let mut damaged = 0;
        let mut seen_168 = false;
        for case in 0..1_000 {
            let mut bytes = good.clone();
            for _ in 0..3 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let at = (seed % bytes.len() as u64) as usize;
                bytes[at] = (seed >> 32) as u8;
            }
            for r in ParquetEventReader::from_bytes(bytes, "bad.parquet") {
                if let Err(e) = r {
                    let e = e.to_string();
                    assert!(e.starts_with("bad.parquet"), "{e}");
                    errors += 1;
                    damaged += usize::from(e.contains("a damaged file: "));
                    if case == 168 {
                        seen_168 = true;
                        assert!(
                            e.contains("page at byte 1871: negative data page's value count"),
                            "{e}"
                        );
                    }
                }
            }
        }
        assert!(errors > 100, "{errors} corruptions are caught");
        assert!(damaged > 10, "{damaged} found before polars reads them");
        assert!(seen_168, "case 168 is an error");
    }

    /// Issue 11, item 13: 60,000 rows in 60,000 row groups took 97 s (quadratic). Run with
    /// `cargo test -p wacost-report --release -- --ignored many_row_groups` to time it. Still
    /// superlinear after the rows are read from one chunk (debug build: 15,000 groups 16.5 s,
    /// 30,000 groups 44.4 s): the rest is in polars' reading of the groups.
    /// Issue 11, item 13: 60,000 rows in 60,000 row groups took 97 s (quadratic). Run with
    /// `cargo test -p wacost-report --release -- --ignored many_row_groups` to time it. Still
    /// superlinear after the rows are read from one chunk (debug build: 15,000 groups 16.5 s,
    /// 30,000 groups 44.4 s): the rest is in polars' reading of the groups.
    #[test]
    #[ignore]
    fn many_row_groups_time() {
        for n in [15_000, 30_000, 60_000] {
            let bytes = log_in_groups(n, 1);
            let start = std::time::Instant::now();
            let count = ParquetEventReader::from_bytes(bytes, "groups.parquet").count();
            eprintln!("{n} rows in {n} row groups: {:?}", start.elapsed());
            assert_eq!(count, n);
        }
    }

    #[test]
    fn reads_canonical_columns_of_any_type() {
        let mut df = df!(
            "timestamp" => [1_770_026_400i64, 1_770_026_460],
            "business" => ["15550100001", "15550100001"],
            "contact" => ["+5511987654321", "+5511987654321"],
            "direction" => ["inbound", "outbound"],
            "message_type" => ["", "template"],
            "category" => ["", "marketing"],
        )
        .unwrap();
        let mut buf = Vec::new();
        ParquetWriter::new(&mut buf).finish(&mut df).unwrap();
        let events: Vec<_> = ParquetEventReader::from_bytes(buf, "log.parquet").collect();
        assert_eq!(events.len(), 2);
        let e = events[1].as_ref().unwrap();
        assert_eq!(e.time_ms, 1_770_026_460_000);
        assert_eq!(
            e.kind,
            wacost_core::event::MessageKind::Template(
                wacost_core::pricing::category::Category::Marketing
            )
        );
    }

    #[test]
    fn bad_files_and_rows_are_errors() {
        let r: Vec<_> =
            ParquetEventReader::from_bytes(b"PAR1 not really".to_vec(), "x.parquet").collect();
        assert!(
            r[0].as_ref()
                .unwrap_err()
                .to_string()
                .starts_with("x.parquet:1: cannot read")
        );
        let mut df = df!("timestamp" => ["soon"], "business" => ["b"], "contact" => ["+5511987654321"], "direction" => ["inbound"]).unwrap();
        let mut buf = Vec::new();
        ParquetWriter::new(&mut buf).finish(&mut df).unwrap();
        let r: Vec<_> = ParquetEventReader::from_bytes(buf, "y.parquet").collect();
        assert!(
            r[0].as_ref()
                .unwrap_err()
                .to_string()
                .starts_with("y.parquet:1: timestamp \"soon\"")
        );
    }
}
