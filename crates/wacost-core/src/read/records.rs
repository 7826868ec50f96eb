//! CSV records as RFC 4180 writes them (quoted fields, `""` inside quotes), with `\n`, `\r\n`
//! or a lone `\r` (old Mac files) as line ends, empty lines skipped, and the line each record
//! starts on counted the way an editor numbers lines. Lines without a quote are split on
//! commas directly; a line with a quote goes through `csv_core`, the `csv` crate's own
//! parser. The `csv` crate's reader spends most of a replay's reading time in its general
//! state machine; a plain line needs none of it.
//!
//! Two promises hold whatever the input:
//!
//! - **Bounded lines.** A line (a header included) longer than the limit
//!   ([`DEFAULT_MAX_LINE_BYTES`], 1 MiB, unless [`Records::max_line_bytes`] says otherwise)
//!   stops the reading with [`RecordError::LineTooLong`] at its line, before more than the
//!   limit is held in memory: `/dev/zero` or a file of ten million columns fails at once.
//! - **No row swallows the next.** A quoted field may not run past the end of its line (none
//!   of wacost's own columns can hold a line break): a quote left open is
//!   [`RecordError::QuoteRunsOn`] at the line where it opened, that line is the bad row, and
//!   reading goes on at the next line. A reader whose format has free text that may hold line
//!   breaks (a Twilio message body) asks for [`Records::multiline`]: a quoted field may then
//!   span lines, within the same limit on the record's size. A quote still open at the end of
//!   the input is then the bad row of the line it opened on, and so is a record the reader
//!   finds should not span lines ([`Records::retract`]): reading goes on at the line after.
//!
//! ```
//! use wacost_core::read::records::Records;
//!
//! let mut r = Records::new("a,b\n\"x,1\",2\r\n3,4\r5,6".as_bytes());
//! let first = r.next_record().unwrap().unwrap();
//! assert_eq!((first.get(0), first.get(1), first.line()), (Some(&b"a"[..]), Some(&b"b"[..]), 1));
//! let quoted = r.next_record().unwrap().unwrap();
//! assert_eq!((quoted.get(0), quoted.len(), quoted.line()), (Some(&b"x,1"[..]), 2, 2));
//! let third = r.next_record().unwrap().unwrap();
//! assert_eq!((third.get(1), third.line()), (Some(&b"4"[..]), 3));
//! // A lone `\r` ends a line too.
//! let last = r.next_record().unwrap().unwrap();
//! assert_eq!((last.get(1), last.line()), (Some(&b"6"[..]), 4));
//! assert!(r.next_record().unwrap().is_none());
//! ```

use std::io::{self, Read};

use csv_core::ReadRecordResult;

use super::{ReadError, ReadErrorKind};

/// The longest line (or multi-line record) read by default: 1 MiB. A log line is a few hundred
/// bytes; a longer one is a broken file, and holding it whole would let one line take all the
/// memory there is.
pub const DEFAULT_MAX_LINE_BYTES: usize = 1 << 20;

/// The fields of a row, however it was read: a [`Record`] or a `csv::ByteRecord`.
pub trait Fields {
    /// Field `i`, if the row has that many.
    fn field(&self, i: usize) -> Option<&[u8]>;
    /// How many fields the row has.
    fn count(&self) -> usize;

    /// The row as text, fields joined by commas (for a rejects file).
    fn joined(&self) -> String {
        (0..self.count())
            .map(|i| String::from_utf8_lossy(self.field(i).unwrap_or_default()))
            .collect::<Vec<_>>()
            .join(",")
    }
}

impl Fields for csv::ByteRecord {
    fn field(&self, i: usize) -> Option<&[u8]> {
        self.get(i)
    }
    fn count(&self) -> usize {
        self.len()
    }
}

/// One record, borrowed from the reader until the next call.
#[derive(Clone, Copy, Debug)]
pub struct Record<'a> {
    bytes: &'a [u8],
    /// Where each field ends in `bytes`.
    ends: &'a [usize],
    /// Whether one separator byte follows each field in `bytes` (a line as read) or none
    /// (fields as `csv_core` writes them, unquoted).
    separated: bool,
    line: u64,
}

impl<'a> Record<'a> {
    /// Field `i` (unquoted), if the record has that many.
    pub fn get(&self, i: usize) -> Option<&'a [u8]> {
        let end = *self.ends.get(i)?;
        let start = match i {
            0 => 0,
            _ => self.ends[i - 1] + usize::from(self.separated),
        };
        self.bytes.get(start..end)
    }

    /// How many fields.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the record has no field (never, for a record read from a file).
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The line the record starts on (1-based).
    pub fn line(&self) -> u64 {
        self.line
    }
}

impl Fields for Record<'_> {
    fn field(&self, i: usize) -> Option<&[u8]> {
        self.get(i)
    }
    fn count(&self) -> usize {
        self.len()
    }
}

/// Why the next record cannot be read. [`RecordError::Io`] and [`RecordError::LineTooLong`]
/// end the input (the reader returns no more records); after the two quote errors reading
/// goes on.
#[derive(Debug)]
pub enum RecordError {
    /// Reading failed.
    Io {
        /// The line being read.
        line: u64,
        /// The I/O error.
        source: io::Error,
    },
    /// A line (or a multi-line record) longer than the limit.
    LineTooLong {
        /// The line it starts on.
        line: u64,
        /// The limit, in bytes.
        limit: usize,
    },
    /// A quoted field that does not close on its line: the line is the bad row.
    QuoteRunsOn {
        /// The line the quote opens on.
        line: u64,
        /// That line, as read.
        raw: String,
    },
    /// A quoted field still open at the end of the input.
    UnclosedQuote {
        /// The line the quote opens on.
        line: u64,
        /// That line, as read.
        raw: String,
    },
}

impl RecordError {
    /// The line the error is at.
    pub fn line(&self) -> u64 {
        match self {
            RecordError::Io { line, .. }
            | RecordError::LineTooLong { line, .. }
            | RecordError::QuoteRunsOn { line, .. }
            | RecordError::UnclosedQuote { line, .. } => *line,
        }
    }

    /// The error as a [`ReadError`] of `file`, with the line as read when there is one.
    pub fn into_read_error(self, file: &str) -> ReadError {
        let line = self.line();
        match self {
            RecordError::Io { source, .. } => {
                ReadError::at_line(file, line, ReadErrorKind::io(source))
            }
            RecordError::LineTooLong { limit, .. } => {
                ReadError::at_line(file, line, ReadErrorKind::LineTooLong { limit })
            }
            RecordError::QuoteRunsOn { raw, .. } => {
                ReadError::at_line(file, line, ReadErrorKind::UnclosedQuote { at_end: false })
                    .with_raw(raw)
            }
            RecordError::UnclosedQuote { raw, .. } => {
                ReadError::at_line(file, line, ReadErrorKind::UnclosedQuote { at_end: true })
                    .with_raw(raw)
            }
        }
    }
}

/// Where the scan of a quoted line stands: `csv_core`'s states, reduced to what tells a line
/// end inside quotes from one that ends the record.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Quoting {
    /// At the start of a field.
    FieldStart,
    /// In an unquoted field (a quote there is text).
    Unquoted,
    /// Inside quotes.
    Quoted,
    /// Just after a quote inside quotes: the closing quote, or the first of `""`.
    QuoteInQuoted,
}

/// Reads CSV records from `R` (see the module documentation).
pub struct Records<R: Read> {
    input: R,
    /// Bytes read and not yet consumed: `buf[start..end]`.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    /// An error ended the input: no more records.
    failed: bool,
    /// Line ends consumed so far (`\r\n` counts once).
    lines: u64,
    /// The last line end consumed was a `\r`: a `\n` right after it belongs to it.
    after_cr: bool,
    max_line: usize,
    multiline: bool,
    /// The last record, when it spans lines: where it starts in `buf`, where its first line
    /// ends (from its start) and its line. Valid until the next read.
    spanning: Option<(usize, usize, u64)>,
    core: csv_core::Reader,
    /// The byte between fields: `,` unless the log says otherwise ([`Records::delimiter`]).
    delimiter: u8,
    /// The current record: its bytes (a plain line's are copied here too) and field ends.
    fields: Vec<u8>,
    ends: Vec<usize>,
}

const CAPACITY: usize = 1 << 16;

impl<R: Read> Records<R> {
    /// A reader of `input`: lines of at most [`DEFAULT_MAX_LINE_BYTES`], no line break
    /// inside a field.
    pub fn new(input: R) -> Records<R> {
        Records {
            input,
            buf: vec![0; CAPACITY],
            start: 0,
            end: 0,
            eof: false,
            failed: false,
            lines: 0,
            after_cr: false,
            max_line: DEFAULT_MAX_LINE_BYTES,
            multiline: false,
            spanning: None,
            core: csv_core::Reader::new(),
            delimiter: b',',
            fields: Vec::with_capacity(256),
            ends: Vec::with_capacity(16),
        }
    }

    /// The same reader, with another limit on a line's length in bytes (at least 1).
    pub fn max_line_bytes(mut self, limit: usize) -> Records<R> {
        self.max_line = limit.max(1);
        self
    }

    /// Fields separated by `delimiter` (`;` and tab are what spreadsheets write in many
    /// locales) instead of `,`.
    pub fn set_delimiter(&mut self, delimiter: u8) {
        self.delimiter = delimiter;
        self.core = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
    }

    /// The same reader, letting quoted fields hold line breaks (a record may then span lines,
    /// its bytes within the line limit).
    pub fn multiline(mut self, allow: bool) -> Records<R> {
        self.multiline = allow;
        self
    }

    /// The first bytes of the input (at least 4 KiB when the input has them), before any
    /// record is read: to tell the input's encoding.
    pub fn head(&mut self) -> Result<&[u8], RecordError> {
        while !self.eof && self.end - self.start < 4096 {
            self.fill()?;
        }
        Ok(&self.buf[self.start..self.end])
    }

    /// The next record, `None` at the end of the input (or after an error that ends it).
    pub fn next_record(&mut self) -> Result<Option<Record<'_>>, RecordError> {
        self.spanning = None;
        if self.failed {
            return Ok(None);
        }
        loop {
            if self.after_cr {
                // The `\n` of a `\r\n` was counted with its `\r`.
                if self.start == self.end && !self.eof {
                    self.fill()?;
                    continue;
                }
                self.after_cr = false;
                if self.start < self.end && self.buf[self.start] == b'\n' {
                    self.start += 1;
                }
            }
            let window = &self.buf[self.start..self.end];
            let line_end = memchr::memchr2(b'\n', b'\r', window);
            let len = match line_end {
                Some(n) => n,
                None if self.eof => window.len(),
                None => {
                    if window.len() > self.max_line {
                        return Err(self.too_long());
                    }
                    self.fill()?;
                    continue;
                }
            };
            if len > self.max_line {
                return Err(self.too_long());
            }
            if len == 0 && line_end.is_none() {
                return Ok(None);
            }
            if memchr::memchr(b'"', &window[..len]).is_some() {
                return self.quoted();
            }
            split_plain(&window[..len], &mut self.ends, self.delimiter);
            let line = self.lines + 1;
            let from = self.start;
            match line_end {
                Some(n) => {
                    self.after_cr = window[n] == b'\r';
                    self.start += n + 1;
                    self.lines += 1;
                }
                None => self.start = self.end,
            }
            if self.ends.is_empty() {
                // An empty line is no record.
                continue;
            }
            return Ok(Some(Record {
                bytes: &self.buf[from..from + len],
                ends: &self.ends,
                separated: true,
                line,
            }));
        }
    }

    /// Line ends read so far (for the position of an input error).
    pub fn lines_read(&self) -> u64 {
        self.lines
    }

    /// Takes back the record just read when it spans lines (with [`Records::multiline`]) and
    /// the reader finds it should not (a line break where the format has none, a later row
    /// inside a field): its first line becomes the bad row, [`RecordError::QuoteRunsOn`],
    /// and reading goes on at its second line. `None` (and nothing changes) when the last
    /// record is on one line. Call it before reading on.
    pub fn retract(&mut self) -> Option<RecordError> {
        let (start, first_break, line) = self.spanning.take()?;
        self.start = start;
        self.lines = line - 1;
        Some(self.quote_runs_on(line, first_break))
    }

    fn too_long(&mut self) -> RecordError {
        self.failed = true;
        RecordError::LineTooLong {
            line: self.lines + 1,
            limit: self.max_line,
        }
    }

    /// Reads more input behind what is left, moving the rest to the front and growing the
    /// buffer when a single line fills it (never beyond the line limit and one read more).
    fn fill(&mut self) -> Result<(), RecordError> {
        self.spanning = None;
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            let grown = self.buf.len() * 2;
            self.buf.resize(grown, 0);
        }
        loop {
            match self.input.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(source) => {
                    self.failed = true;
                    return Err(RecordError::Io {
                        line: self.lines + 1,
                        source,
                    });
                }
            }
        }
    }

    /// A record whose first line has a quote: find where it ends (a line end outside quotes,
    /// or the end of the input), then let `csv_core` unquote its fields.
    fn quoted(&mut self) -> Result<Option<Record<'_>>, RecordError> {
        let line = self.lines + 1;
        let mut state = Quoting::FieldStart;
        // Offset from `start` scanned so far, line ends inside quotes, and the record's end.
        let mut i = 0;
        let mut inner_lines = 0u64;
        let mut first_break = None;
        let mut after_cr = false;
        let end = loop {
            let window = &self.buf[self.start..self.end];
            let mut found = None;
            while i < window.len() {
                let c = window[i];
                let line_end = c == b'\n' || c == b'\r';
                state = match state {
                    Quoting::Quoted if c == b'"' => Quoting::QuoteInQuoted,
                    Quoting::Quoted => Quoting::Quoted,
                    Quoting::QuoteInQuoted if c == b'"' => Quoting::Quoted,
                    Quoting::FieldStart if c == b'"' => Quoting::Quoted,
                    _ if line_end => {
                        found = Some(i);
                        break;
                    }
                    _ if c == self.delimiter => Quoting::FieldStart,
                    _ => Quoting::Unquoted,
                };
                if line_end && state == Quoting::Quoted {
                    if !self.multiline {
                        return Err(self.quote_runs_on(line, i));
                    }
                    // `\r\n` is one line end.
                    if !(c == b'\n' && after_cr) {
                        inner_lines += 1;
                    }
                    first_break.get_or_insert(i);
                }
                after_cr = c == b'\r';
                i += 1;
                if i > self.max_line {
                    return Err(self.too_long_at(line));
                }
            }
            if let Some(e) = found {
                break Some(e);
            }
            if self.eof {
                if state == Quoting::Quoted {
                    // The quote opened on the first line and was never closed: that line is
                    // the bad row, and the lines it took are read again.
                    return Err(match first_break {
                        Some(at) => self.quote_runs_on(line, at),
                        None => self.unclosed(line),
                    });
                }
                break None;
            }
            self.fill()?;
        };
        let len = end.unwrap_or(self.end - self.start);
        self.unquote(len);
        let from = self.start;
        self.spanning = first_break.map(|at| (from, at, line));
        match end {
            Some(e) => {
                self.after_cr = self.buf[from + e] == b'\r';
                self.start += e + 1;
                self.lines += 1 + inner_lines;
            }
            None => {
                self.start = self.end;
                self.lines += inner_lines;
            }
        }
        Ok(Some(Record {
            bytes: &self.fields,
            ends: &self.ends,
            separated: false,
            line,
        }))
    }

    /// Has `csv_core` read the record in `buf[start..start + len]` (no line end after it)
    /// into `fields` and `ends`.
    fn unquote(&mut self, len: usize) {
        self.core.reset();
        self.fields.clear();
        self.ends.clear();
        self.fields
            .resize(self.fields.capacity().max(256).max(len), 0);
        self.ends.resize(self.ends.capacity().max(16), 0);
        let input = &self.buf[self.start..self.start + len];
        let (mut consumed, mut out, mut nends) = (0, 0, 0);
        loop {
            // All of it, then nothing: the end of input ends the record.
            let (result, nin, nout, nend) = self.core.read_record(
                &input[consumed..],
                &mut self.fields[out..],
                &mut self.ends[nends..],
            );
            consumed += nin;
            out += nout;
            nends += nend;
            match result {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    let grown = self.fields.len() * 2;
                    self.fields.resize(grown, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let grown = self.ends.len() * 2;
                    self.ends.resize(grown, 0);
                }
                ReadRecordResult::Record | ReadRecordResult::End => break,
            }
        }
        self.fields.truncate(out);
        self.ends.truncate(nends);
    }

    fn quote_runs_on(&mut self, line: u64, at: usize) -> RecordError {
        let raw = String::from_utf8_lossy(&self.buf[self.start..self.start + at]).into_owned();
        self.after_cr = self.buf[self.start + at] == b'\r';
        self.start += at + 1;
        self.lines += 1;
        RecordError::QuoteRunsOn { line, raw }
    }

    fn unclosed(&mut self, line: u64) -> RecordError {
        let rest = &self.buf[self.start..self.end];
        let first = memchr::memchr2(b'\n', b'\r', rest).unwrap_or(rest.len());
        let raw = String::from_utf8_lossy(&rest[..first]).into_owned();
        self.start = self.end;
        self.failed = true;
        RecordError::UnclosedQuote { line, raw }
    }

    fn too_long_at(&mut self, line: u64) -> RecordError {
        self.failed = true;
        RecordError::LineTooLong {
            line,
            limit: self.max_line,
        }
    }
}

/// The field ends of a line without quotes or `\r`, split on `delimiter` (a comma unless
/// the log uses another); `false` (and `ends`
/// of no use) when the line has a quote or a `\r`, which need the full parser. An empty
/// line has no field. Commas are looked for eight bytes at a time (with word arithmetic), a
/// log line being mostly plain text between them.
fn split_plain(line: &[u8], ends: &mut Vec<usize>, delimiter: u8) -> bool {
    ends.clear();
    if line.is_empty() {
        return true;
    }
    if memchr::memchr2(b'"', b'\r', line).is_some() {
        return false;
    }
    let mut words = line.chunks_exact(8);
    let mut base = 0;
    for word in &mut words {
        let w = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        let mut commas = bytes_equal(w, delimiter);
        while commas != 0 {
            ends.push(base + commas.trailing_zeros() as usize / 8);
            commas &= commas - 1;
        }
        base += 8;
    }
    for (i, &c) in words.remainder().iter().enumerate() {
        if c == delimiter {
            ends.push(base + i);
        }
    }
    ends.push(line.len());
    true
}

/// The high bit of each byte of `w` (little-endian) that equals `b`, exactly (no carries
/// between bytes: the classic `x - 0x01…` test may also flag a byte after a match).
fn bytes_equal(w: u64, b: u8) -> u64 {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let x = w ^ (0x0101_0101_0101_0101 * u64::from(b));
    !(((x & LOW7) + LOW7) | x | LOW7)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every record as the `csv` crate reads it, with the line it truly starts on: the
    /// crate's own position is where its reader stood before any empty lines (and before the
    /// `\n` of a `\r\n` it had not consumed yet), so skip those and count the `\n`s before.
    fn by_csv(bytes: &[u8]) -> Vec<(Vec<Vec<u8>>, u64)> {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes);
        let mut rec = csv::ByteRecord::new();
        let mut out = Vec::new();
        while r.read_byte_record(&mut rec).unwrap() {
            let stood = rec.position().map_or(0, |p| p.byte()) as usize;
            let start = stood
                + bytes[stood..]
                    .iter()
                    .take_while(|c| matches!(c, b'\n' | b'\r'))
                    .count();
            let line = 1 + line_ends(&bytes[..start]);
            out.push((rec.iter().map(<[u8]>::to_vec).collect(), line));
        }
        out
    }

    /// Line ends as an editor counts them: `\n`, `\r\n` or a lone `\r`.
    fn line_ends(bytes: &[u8]) -> u64 {
        let crs = bytes.iter().filter(|c| **c == b'\r').count();
        let lone_lfs = bytes
            .iter()
            .enumerate()
            .filter(|(i, c)| **c == b'\n' && (*i == 0 || bytes[i - 1] != b'\r'))
            .count();
        (crs + lone_lfs) as u64
    }

    /// Every record, reading quoted fields across lines as the `csv` crate does.
    fn by_records(bytes: &[u8], chunk: usize) -> Vec<(Vec<Vec<u8>>, u64)> {
        let mut r = Records::new(Chunks(bytes, chunk)).multiline(true);
        let mut out = Vec::new();
        while let Some(rec) = r.next_record().unwrap() {
            let fields = (0..rec.len())
                .map(|i| rec.get(i).unwrap().to_vec())
                .collect();
            out.push((fields, rec.line()));
        }
        out
    }

    /// A reader that hands out at most `n` bytes a call, to cross buffer ends anywhere.
    struct Chunks<'a>(&'a [u8], usize);

    impl Read for Chunks<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.1.min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn plain_quoted_and_odd_lines() {
        let text = b"h1,h2,h3\r\n\n1,,3\n\"a\nb\",\"say \"\"hi\"\"\",x\r\n\r\nlast,\"\",z";
        let expected = by_csv(text);
        assert_eq!(expected.len(), 4);
        assert_eq!(
            expected.iter().map(|r| r.1).collect::<Vec<_>>(),
            [1, 3, 4, 7],
            "lines as an editor numbers them"
        );
        // Without line breaks in fields, the quoted field that spans lines 4 and 5 is the bad
        // row of line 4, and line 5 is a row of its own.
        let mut r = Records::new(&text[..]);
        let mut seen = Vec::new();
        loop {
            match r.next_record() {
                Ok(Some(rec)) => seen.push(format!("{}: {}", rec.line(), rec.joined())),
                Ok(None) => break,
                Err(e) => seen.push(e.into_read_error("t.csv").to_string()),
            }
        }
        assert_eq!(
            seen,
            [
                "1: h1,h2,h3",
                "3: 1,,3",
                "t.csv:4: a quoted field runs past the end of its line: close its quote (a \
                 field cannot hold a line break)",
                "5: b\",say \"hi\",x",
                "7: last,,z",
            ]
        );
        assert_eq!(by_records(text, 1 << 20), expected);
        assert_eq!(by_records(text, 1), expected);
    }

    /// Every record or error of `bytes` read with `limit`, as text.
    fn outcomes(bytes: &[u8], limit: usize, multiline: bool, chunk: usize) -> Vec<String> {
        let mut r = Records::new(Chunks(bytes, chunk))
            .max_line_bytes(limit)
            .multiline(multiline);
        let mut seen = Vec::new();
        loop {
            match r.next_record() {
                Ok(Some(rec)) => seen.push(format!("{}: {}", rec.line(), rec.joined())),
                Ok(None) => return seen,
                Err(e) => seen.push(e.into_read_error("t.csv").to_string()),
            }
        }
    }

    #[test]
    fn lone_carriage_returns_end_lines() {
        let text = b"a,b\r1,2\r\r\"x\",3\r\n4,5\r";
        for chunk in [1, 2, 3, 1 << 16] {
            assert_eq!(
                outcomes(text, 100, false, chunk),
                ["1: a,b", "2: 1,2", "4: x,3", "5: 4,5"],
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn a_line_over_the_limit_ends_the_input_at_its_line() {
        let text = b"a,b\n1234567890\nnext\n";
        let too_long =
            "t.csv:2: line longer than 8 bytes: a broken file, or not a log of this format";
        for chunk in [1, 5, 1 << 16] {
            assert_eq!(outcomes(text, 8, false, chunk), ["1: a,b", too_long]);
            assert_eq!(
                outcomes(b"a,b\n\"123456789", 8, false, chunk),
                ["1: a,b", too_long]
            );
            assert_eq!(
                outcomes(b"a,b\n\"1\n2\n3\n4\n5\n\"\n", 8, true, chunk),
                ["1: a,b", too_long]
            );
        }
        // Without a line end in sight, no more than the limit and a buffer is read.
        struct Zeros(u64);
        impl Read for Zeros {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                self.0 += buf.len() as u64;
                buf.fill(0);
                Ok(buf.len())
            }
        }
        let mut zeros = Zeros(0);
        let mut r = Records::new(&mut zeros).max_line_bytes(1000);
        let e = r.next_record().unwrap_err();
        assert_eq!(e.line(), 1);
        assert!(r.next_record().unwrap().is_none());
        assert!(zeros.0 <= 2 * CAPACITY as u64, "read {} bytes", zeros.0);
    }

    #[test]
    fn a_quote_left_open_is_the_bad_row_of_its_line() {
        let text = b"h1,h2\n1,\"oops\n2,3\n\"4\",5\n6,\"7";
        for chunk in [1, 4, 1 << 16] {
            assert_eq!(
                outcomes(text, 100, false, chunk),
                [
                    "1: h1,h2",
                    "t.csv:2: a quoted field runs past the end of its line: close its quote \
                     (a field cannot hold a line break)",
                    "3: 2,3",
                    "4: 4,5",
                    "t.csv:5: a quoted field is never closed (file truncated?)",
                ],
                "chunk {chunk}"
            );
            // With line breaks allowed, a quote still open at the end is the bad row of its
            // first line all the same, and the lines after it are read again.
            assert_eq!(
                outcomes(b"h1,h2\n1,\"oops\n2,3\n", 100, true, chunk),
                [
                    "1: h1,h2",
                    "t.csv:2: a quoted field runs past the end of its line: close its quote \
                     (a field cannot hold a line break)",
                    "3: 2,3",
                ]
            );
        }
    }

    #[test]
    fn a_record_spanning_lines_can_be_taken_back() {
        let text = b"h\r\n\"a\r\nb\",c\r\n\"d\ne\"\nlast\n";
        let mut r = Records::new(&text[..]).multiline(true);
        assert_eq!(r.next_record().unwrap().unwrap().line(), 1);
        let spanning = r.next_record().unwrap().unwrap();
        assert_eq!(
            (spanning.get(0), spanning.line()),
            (Some(&b"a\r\nb"[..]), 2)
        );
        let e = r.retract().unwrap();
        assert_eq!(
            (e.line(), e.into_read_error("t").raw.as_deref()),
            (2, Some("\"a"))
        );
        // Its second line is read again, as a line of its own, with its number (a quote
        // inside an unquoted field is text).
        let again = r.next_record().unwrap().unwrap();
        assert_eq!((again.joined(), again.line()), ("b\",c".to_string(), 3));
        let next = r.next_record().unwrap().unwrap();
        assert_eq!((next.get(0), next.line()), (Some(&b"d\ne"[..]), 4));
        let last = r.next_record().unwrap().unwrap();
        assert_eq!((last.get(0), last.line()), (Some(&b"last"[..]), 6));
        assert!(r.retract().is_none(), "one line: nothing to take back");
    }

    #[test]
    fn long_lines_grow_the_buffer() {
        let mut text = vec![b'x'; 200_000];
        text.extend_from_slice(b",y\n1,2\n");
        let records = by_records(&text, 1 << 20);
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].0[0].len(), 200_000);
        assert_eq!(
            (records[1].0.clone(), records[1].1),
            (vec![b"1".to_vec(), b"2".to_vec()], 2)
        );
    }

    fn split_naively(line: &[u8]) -> Option<Vec<usize>> {
        if line.contains(&b'"') || line.contains(&b'\r') {
            return None;
        }
        if line.is_empty() {
            return Some(Vec::new());
        }
        let mut ends: Vec<usize> = (0..line.len()).filter(|i| line[*i] == b',').collect();
        ends.push(line.len());
        Some(ends)
    }

    #[test]
    fn a_byte_after_a_match_is_not_a_match() {
        // ',' is 0x2C and '-' 0x2D: the inexact word test would flag the '-' too.
        let mut ends = Vec::new();
        assert!(split_plain(b",-,-,-,-,-,-", &mut ends, b','));
        assert_eq!(ends, [0, 2, 4, 6, 8, 10, 12]);
        assert!(!split_plain(b"abcdefg\"hij", &mut ends, b','));
        assert!(!split_plain(b"abcdefghij\rk", &mut ends, b','));
    }

    proptest! {
        #[test]
        fn splitting_by_words_agrees_with_a_loop(line in prop::collection::vec(
            prop::sample::select(vec![b',', b'-', b'"', b'\r', b'a', b'+', b'1', 0u8, 0xff, 0x2d, 0x2b]),
            0..40,
        )) {
            let mut ends = Vec::new();
            let plain = split_plain(&line, &mut ends, b',');
            prop_assert_eq!(plain.then_some(ends), split_naively(&line));
        }

        /// Any mix of plain fields, quoted fields (with commas, quotes, line ends inside),
        /// empty lines and every kind of line end reads as the csv crate reads it, whatever
        /// the size of the reads.
        #[test]
        fn same_records_and_lines_as_the_csv_crate(
            lines in prop::collection::vec(
                (
                    prop::collection::vec(
                        prop::sample::select(vec![
                            "a", "", "12", "x y", "\"q\"", "\"a,b\"", "\"l1\nl2\"",
                            "\"say \"\"hi\"\"\"", "\"\"", "\"c\rd\"", "é",
                        ]),
                        0..5,
                    ),
                    prop::sample::select(vec!["\n", "\r\n", "\r", "\n\n", ""]),
                ),
                0..12,
            ),
            chunk in 1usize..64,
        ) {
            let mut text = String::new();
            for (fields, end) in &lines {
                text.push_str(&fields.join(","));
                text.push_str(end);
            }
            let expected = by_csv(text.as_bytes());
            prop_assert_eq!(by_records(text.as_bytes(), 1 << 20), expected.clone());
            prop_assert_eq!(by_records(text.as_bytes(), chunk), expected);
        }

        #[test]
        fn arbitrary_bytes_never_panic(
            bytes in prop::collection::vec(any::<u8>(), 0..300),
            chunk in 1usize..50,
            limit in 1usize..400,
            multiline in any::<bool>(),
        ) {
            let lines = outcomes(&bytes, limit, multiline, chunk);
            // A record or an error per line at most.
            prop_assert!(lines.len() as u64 <= line_ends(&bytes) + 1);
        }
    }
}
