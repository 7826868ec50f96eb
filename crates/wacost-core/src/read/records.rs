//! CSV records as the `csv` crate reads them (RFC 4180 quoting, `\n`, `\r\n` or `\r` line
//! ends, empty lines skipped, the line each record starts on), faster on the lines that
//! make up nearly every log: lines without a quote or a stray `\r` are split on commas
//! directly; any other line goes through `csv_core`, the `csv` crate's own parser, from
//! where it starts. The `csv` crate's reader spends most of a replay's reading time in its
//! general state machine; a plain line needs none of it.
//!
//! ```
//! use wacost_core::read::records::Records;
//!
//! let mut r = Records::new("a,b\n\"x,1\",2\r\n3,4".as_bytes());
//! let first = r.next_record().unwrap().unwrap();
//! assert_eq!((first.get(0), first.get(1), first.line()), (Some(&b"a"[..]), Some(&b"b"[..]), 1));
//! let quoted = r.next_record().unwrap().unwrap();
//! assert_eq!((quoted.get(0), quoted.len(), quoted.line()), (Some(&b"x,1"[..]), 2, 2));
//! let last = r.next_record().unwrap().unwrap();
//! assert_eq!((last.get(1), last.line()), (Some(&b"4"[..]), 3));
//! assert!(r.next_record().unwrap().is_none());
//! ```

use std::io::{self, Read};

use csv_core::ReadRecordResult;

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

/// Reads CSV records from `R` (see the module documentation).
pub struct Records<R: Read> {
    input: R,
    /// Bytes read and not yet consumed: `buf[start..end]`.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    /// Line ends (`\n`) consumed so far.
    newlines: u64,
    core: csv_core::Reader,
    /// The current record: its bytes (a plain line's are copied here too) and field ends.
    fields: Vec<u8>,
    ends: Vec<usize>,
}

const CAPACITY: usize = 1 << 16;

impl<R: Read> Records<R> {
    /// A reader of `input`.
    pub fn new(input: R) -> Records<R> {
        Records {
            input,
            buf: vec![0; CAPACITY],
            start: 0,
            end: 0,
            eof: false,
            newlines: 0,
            core: csv_core::Reader::new(),
            fields: Vec::with_capacity(256),
            ends: Vec::with_capacity(16),
        }
    }

    /// The next record, `None` at the end of the input.
    pub fn next_record(&mut self) -> io::Result<Option<Record<'_>>> {
        loop {
            let window = &self.buf[self.start..self.end];
            let newline = memchr::memchr(b'\n', window);
            let text = match newline {
                Some(n) => &window[..n],
                // The last line of a file may have no line end.
                None if self.eof => window,
                None => {
                    self.fill()?;
                    continue;
                }
            };
            if text.is_empty() && newline.is_none() {
                return Ok(None);
            }
            let crlf = text.last() == Some(&b'\r');
            let text = if crlf { &text[..text.len() - 1] } else { text };
            if !split_plain(text, &mut self.ends) {
                return self.parse_with_core();
            }
            // The line the record is on (empty lines before it skipped). The `csv` crate
            // says the line where its reader stood instead, one too few after a `\r\n`.
            let line = self.newlines + 1;
            let (from, to) = (self.start, self.start + text.len());
            self.start += newline.map_or(window.len(), |n| n + 1);
            self.newlines += u64::from(newline.is_some());
            if self.ends.is_empty() {
                // An empty line is no record.
                continue;
            }
            return Ok(Some(Record {
                bytes: &self.buf[from..to],
                ends: &self.ends,
                separated: true,
                line,
            }));
        }
    }

    /// Line ends read so far (for the position of an input error).
    pub fn lines_read(&self) -> u64 {
        self.newlines
    }

    /// Reads more input behind what is left, moving the rest to the front and growing the
    /// buffer when a single line fills it.
    fn fill(&mut self) -> io::Result<()> {
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
                Err(e) => return Err(e),
            }
        }
    }

    /// A record that is not a plain line (quotes, a `\r` inside): `csv_core` reads it from
    /// where it starts, across lines and refills if need be.
    fn parse_with_core(&mut self) -> io::Result<Option<Record<'_>>> {
        self.fields.clear();
        self.ends.clear();
        self.fields.resize(self.fields.capacity().max(256), 0);
        self.ends.resize(self.ends.capacity().max(16), 0);
        let (mut out, mut nends) = (0, 0);
        let mut line = None;
        loop {
            let input = &self.buf[self.start..self.end];
            let (result, nin, nout, nend) =
                self.core
                    .read_record(input, &mut self.fields[out..], &mut self.ends[nends..]);
            let consumed = &input[..nin];
            if line.is_none() {
                // csv_core skips empty lines before a record: the record starts after them.
                let empty = consumed
                    .iter()
                    .take_while(|c| matches!(c, b'\n' | b'\r'))
                    .count();
                if empty < consumed.len() {
                    let skipped = memchr::memchr_iter(b'\n', &consumed[..empty]).count();
                    line = Some(self.newlines + skipped as u64 + 1);
                }
            }
            self.newlines += memchr::memchr_iter(b'\n', consumed).count() as u64;
            self.start += nin;
            out += nout;
            nends += nend;
            match result {
                ReadRecordResult::InputEmpty => {
                    if !self.eof {
                        self.fill()?;
                    }
                }
                ReadRecordResult::OutputFull => {
                    let grown = self.fields.len() * 2;
                    self.fields.resize(grown, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let grown = self.ends.len() * 2;
                    self.ends.resize(grown, 0);
                }
                ReadRecordResult::Record => {
                    self.fields.truncate(out);
                    self.ends.truncate(nends);
                    // csv_core leaves the `\n` of a `\r\n` for the next record: take it here
                    // so that the next plain line starts clean.
                    self.take_lone_newline()?;
                    return Ok(Some(Record {
                        bytes: &self.fields,
                        ends: &self.ends,
                        separated: false,
                        line: line.unwrap_or(self.newlines + 1),
                    }));
                }
                ReadRecordResult::End => {
                    self.fields.clear();
                    self.ends.clear();
                    return Ok(None);
                }
            }
        }
    }

    fn take_lone_newline(&mut self) -> io::Result<()> {
        if self.start == self.end && !self.eof {
            self.fill()?;
        }
        if self.buf[self.start..self.end].first() == Some(&b'\n') {
            self.start += 1;
            self.newlines += 1;
        }
        Ok(())
    }
}

/// The field ends of a line without quotes or `\r`, split on commas; `false` (and `ends`
/// of no use) when the line has a quote or a `\r`, which need the full parser. An empty
/// line has no field. Commas are looked for eight bytes at a time (with word arithmetic), a
/// log line being mostly plain text between them.
fn split_plain(line: &[u8], ends: &mut Vec<usize>) -> bool {
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
        let mut commas = bytes_equal(w, b',');
        while commas != 0 {
            ends.push(base + commas.trailing_zeros() as usize / 8);
            commas &= commas - 1;
        }
        base += 8;
    }
    for (i, &c) in words.remainder().iter().enumerate() {
        if c == b',' {
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
            let line = 1 + bytes[..start].iter().filter(|c| **c == b'\n').count() as u64;
            out.push((rec.iter().map(<[u8]>::to_vec).collect(), line));
        }
        out
    }

    fn by_records(bytes: &[u8], chunk: usize) -> Vec<(Vec<Vec<u8>>, u64)> {
        let mut r = Records::new(Chunks(bytes, chunk));
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
        assert_eq!(by_records(text, 1 << 20), expected);
        assert_eq!(by_records(text, 1), expected);
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
        assert!(split_plain(b",-,-,-,-,-,-", &mut ends));
        assert_eq!(ends, [0, 2, 4, 6, 8, 10, 12]);
        assert!(!split_plain(b"abcdefg\"hij", &mut ends));
        assert!(!split_plain(b"abcdefghij\rk", &mut ends));
    }

    proptest! {
        #[test]
        fn splitting_by_words_agrees_with_a_loop(line in prop::collection::vec(
            prop::sample::select(vec![b',', b'-', b'"', b'\r', b'a', b'+', b'1', 0u8, 0xff, 0x2d, 0x2b]),
            0..40,
        )) {
            let mut ends = Vec::new();
            let plain = split_plain(&line, &mut ends);
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
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300), chunk in 1usize..50) {
            let _ = by_records(&bytes, chunk);
        }
    }
}
