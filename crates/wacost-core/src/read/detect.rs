//! Which reader a log needs: given by the user (`--input-format`) or told from its content.

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use chrono_tz::Tz;

use super::canonical::CanonicalReader;
use super::chat_export::{ChatExportReader, ChatOptions};
use super::cloud_api::CloudApiReader;
use super::meta_analytics::{self, AnalyticsKind, DataPoint};
use super::records::DEFAULT_MAX_LINE_BYTES;
use super::time::{DateFormat, LocalCounts, LocalTimes};
use super::twilio::{TwilioOptions, TwilioReader};
use super::{Position, ReadError, ReadErrorKind};
use crate::event::Event;

/// A log format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum InputFormat {
    /// Tell from the content.
    #[default]
    Auto,
    /// wacost's canonical CSV.
    Canonical,
    /// WhatsApp Cloud API webhook archives (JSON array, JSON lines, a folder of .json).
    CloudApi,
    /// Twilio console CSV export or Message-resource JSON.
    Twilio,
    /// The phone's "Export chat" text.
    ChatExport,
    /// Parquet with the canonical columns.
    Parquet,
    /// Meta's Business Agent Usage Insights answer (JSON): Business Agent usage per hour,
    /// day or month, priced as lines of its own ([`crate::agent_usage`]).
    AgentInsights,
}

impl InputFormat {
    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            InputFormat::Auto => "auto",
            InputFormat::Canonical => "canonical",
            InputFormat::CloudApi => "cloud-api",
            InputFormat::Twilio => "twilio",
            InputFormat::ChatExport => "chat-export",
            InputFormat::Parquet => "parquet",
            InputFormat::AgentInsights => "agent-insights",
        }
    }

    /// Every format, `auto` first.
    pub const ALL: [InputFormat; 7] = [
        InputFormat::Auto,
        InputFormat::Canonical,
        InputFormat::CloudApi,
        InputFormat::Twilio,
        InputFormat::ChatExport,
        InputFormat::Parquet,
        InputFormat::AgentInsights,
    ];
}

impl std::str::FromStr for InputFormat {
    type Err = String;

    /// Parses [`InputFormat::as_str`]'s names.
    fn from_str(s: &str) -> Result<InputFormat, String> {
        InputFormat::ALL
            .into_iter()
            .find(|f| f.as_str() == s.trim())
            .ok_or_else(|| {
                format!(
                    "{s:?} is not a log format: auto, canonical, cloud-api, twilio, chat-export, \
                     parquet or agent-insights"
                )
            })
    }
}

/// A reader this crate does not hold (Parquet, read by `wacost-report`): its events, and
/// how many of its timestamps it read without an offset (so the run can say so, as it does
/// for a CSV log).
pub trait EventSource: Iterator<Item = Result<Event, ReadError>> + Send {
    /// Timestamps read so far as wall-clock times in the zone given when it was opened.
    fn local_counts(&self) -> LocalCounts {
        LocalCounts::default()
    }
}

/// Events from a reader this crate does not hold.
pub type EventReader = Box<dyn EventSource>;

/// Opens a Parquet log (named by the second argument in messages), reading timestamps
/// without an offset as the third says (the WABA's zone, a date format). `wacost-core`
/// reads no Parquet itself, to stay free of polars: `wacost_report::parquet::open` is one.
pub type ParquetOpener =
    fn(Box<dyn Read + Send>, &str, &LocalTimes) -> Result<EventReader, ReadError>;

/// What the formats that lack a field need to be told.
#[derive(Clone, Debug, Default)]
pub struct FormatOptions {
    /// The format of every input (default: told from each input's content).
    pub format: InputFormat,
    /// Twilio: how to tell templates from free-form messages.
    pub twilio: TwilioOptions,
    /// Chat exports: who the business is, the phone's time zone, the assumed template
    /// category. Required to read a chat export.
    pub chat: Option<ChatOptions>,
    /// How to read Parquet logs; without it a Parquet log is an error.
    pub parquet: Option<ParquetOpener>,
    /// The longest line (or CSV row spanning lines) the line-based readers (canonical CSV,
    /// Twilio CSV, chat exports) accept, in bytes; `None`: [`DEFAULT_MAX_LINE_BYTES`]. A
    /// longer line stops the reading of its file with an error at its line.
    pub max_line_bytes: Option<usize>,
    /// Canonical and Twilio CSV: the field separator (see [`parse_delimiter`]); `None`: told
    /// from the header ([`csv_delimiter`]).
    pub delimiter: Option<u8>,
    /// Canonical CSV: the zone timestamps without a UTC offset are wall-clock times in, the
    /// WABA's. `None`: the replay's time zone
    /// ([`ClassifyConfig::timezone`](crate::classify::ClassifyConfig)), UTC for a reader
    /// opened alone.
    pub timezone: Option<Tz>,
    /// Canonical CSV: every timestamp in this format (in [`FormatOptions::timezone`] unless
    /// the format holds an offset).
    pub date_format: Option<DateFormat>,
}

impl FormatOptions {
    /// The line limit in force ([`FormatOptions::max_line_bytes`] or the default).
    pub fn line_limit(&self) -> usize {
        self.max_line_bytes.unwrap_or(DEFAULT_MAX_LINE_BYTES)
    }

    /// How the canonical CSV reads timestamps without an offset.
    pub fn local_times(&self) -> LocalTimes {
        LocalTimes {
            timezone: self.timezone.unwrap_or(chrono_tz::UTC),
            format: self.date_format.clone(),
        }
    }
}

/// The field separators a user may give: `,` `;` `|` and tab (written `\t`, `tab` or a tab).
///
/// ```
/// use wacost_core::read::detect::parse_delimiter;
/// assert_eq!(parse_delimiter("|"), Ok(b'|'));
/// assert_eq!(parse_delimiter("\\t"), Ok(b'\t'));
/// assert_eq!(parse_delimiter("TAB"), Ok(b'\t'));
/// assert!(parse_delimiter("::").is_err());
/// ```
pub fn parse_delimiter(given: &str) -> Result<u8, String> {
    match given {
        "," => Ok(b','),
        ";" => Ok(b';'),
        "|" => Ok(b'|'),
        "\\t" | "\t" => Ok(b'\t'),
        t if t.eq_ignore_ascii_case("tab") => Ok(b'\t'),
        _ => Err(format!(
            "{given:?} is not a field separator: give one of , ; | or a tab (\\t or tab)"
        )),
    }
}

/// The files of a folder given as a log, in name order: CSV (`.csv`, `.tsv`) and webhook
/// archives (`.json`, `.jsonl`, `.ndjson`), each read as a log of its own format with its
/// own header; and the names of the other entries, skipped (a `README.txt`, a `.DS_Store`,
/// a subfolder: not read, and said).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogFolder {
    /// The log files, in name order.
    pub files: Vec<PathBuf>,
    /// The names of the entries that are not log files, in name order.
    pub skipped: Vec<String>,
}

impl LogFolder {
    /// Lists a folder (one level).
    pub fn list(path: &Path) -> Result<LogFolder, ReadError> {
        let shown = path.display().to_string();
        let cannot = |e: std::io::Error| ReadError::at_line(&shown, 0, ReadErrorKind::io(e));
        let mut folder = LogFolder::default();
        for entry in std::fs::read_dir(path).map_err(cannot)? {
            let p = entry.map_err(cannot)?.path();
            let name = p
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            let log = !name.starts_with('.')
                && p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                    ["csv", "tsv", "json", "jsonl", "ndjson"]
                        .iter()
                        .any(|x| e.eq_ignore_ascii_case(x))
                });
            if log && p.is_file() {
                folder.files.push(p);
            } else {
                folder.skipped.push(name);
            }
        }
        folder.files.sort();
        folder.skipped.sort();
        Ok(folder)
    }

    /// What the run says of the entries skipped, if any.
    pub fn note(&self, folder: &str) -> Option<String> {
        if self.skipped.is_empty() {
            return None;
        }
        const SHOWN: usize = 5;
        let mut names = self
            .skipped
            .iter()
            .take(SHOWN)
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        if self.skipped.len() > SHOWN {
            names.push_str(&format!(" and {} more", self.skipped.len() - SHOWN));
        }
        Some(format!(
            "{folder}: {} {} not a log file (.csv, .tsv, .json, .jsonl, .ndjson) and not read: \
             {names}",
            self.skipped.len(),
            if self.skipped.len() == 1 {
                "entry is"
            } else {
                "entries are"
            },
        ))
    }
}

/// Whether the first bytes of a file are UTF-16 text, and then whether big-endian: a
/// byte-order mark (`FF FE`, `FE FF`), or a NUL every other byte where text is ASCII (a
/// header, a date). wacost reads UTF-8; UTF-16 read as UTF-8 would be a NUL between every
/// two letters.
pub fn utf16(head: &[u8]) -> Option<bool> {
    if head.starts_with(&[0xFF, 0xFE]) {
        return Some(false);
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return Some(true);
    }
    let pairs: Vec<&[u8]> = head.chunks_exact(2).take(32).collect();
    if pairs.len() < 2 {
        return None;
    }
    let high_nul = pairs.iter().filter(|p| p[1] == 0 && p[0] != 0).count();
    let low_nul = pairs.iter().filter(|p| p[0] == 0 && p[1] != 0).count();
    if high_nul == pairs.len() {
        Some(false)
    } else if low_nul == pairs.len() {
        Some(true)
    } else {
        None
    }
}

/// The field separator of a CSV log, from its first line: `;` or a tab when the line holds
/// more of them (outside quotes) than commas, as spreadsheets in many locales save CSV;
/// else `,`.
///
/// ```
/// use wacost_core::read::detect::csv_delimiter;
/// assert_eq!(csv_delimiter(b"timestamp;business;contact;direction\n"), b';');
/// assert_eq!(csv_delimiter(b"timestamp\tbusiness\tcontact\n"), b'\t');
/// assert_eq!(csv_delimiter(b"timestamp,business,\"a;b;c\",direction\n"), b',');
/// ```
pub fn csv_delimiter(head: &[u8]) -> u8 {
    let line = head
        .split(|c| *c == b'\n' || *c == b'\r')
        .next()
        .unwrap_or(head);
    let (mut quoted, mut counts) = (false, [0usize; 3]);
    for &c in line {
        match c {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = [b',', b';', b'\t']
        .into_iter()
        .zip(counts)
        .max_by_key(|(d, n)| (*n, *d == b','))
        .map_or(b',', |(d, _)| d);
    best
}

/// Whether the first bytes are a ZIP archive, as an Excel workbook (`.xlsx`) is.
pub fn is_zip(head: &[u8]) -> bool {
    head.starts_with(b"PK\x03\x04")
}

/// Tells a format from the first bytes of a log.
pub fn sniff(head: &[u8]) -> Option<InputFormat> {
    sniff_delimited(head, None)
}

/// [`sniff`], with the CSV field separator given (`None`: told from the first line).
pub fn sniff_delimited(head: &[u8], delimiter: Option<u8>) -> Option<InputFormat> {
    if head.starts_with(b"PAR1") {
        return Some(InputFormat::Parquet);
    }
    // An Excel workbook: the CSV reader says what to do with it.
    if is_zip(head) {
        return Some(InputFormat::Canonical);
    }
    let text = String::from_utf8_lossy(head);
    let t = text.trim_start_matches('\u{feff}').trim_start();
    // iOS chat exports start with a bracketed date: `[03.02.26, 14:05:10] Author: text`.
    if t.starts_with('[') && t[1..].starts_with(|c: char| c.is_ascii_digit()) {
        return Some(InputFormat::ChatExport);
    }
    if t.starts_with('{') || t.starts_with('[') {
        // Meta's Business Agent Usage Insights: its edge or its token metric.
        if t.contains("\"business_agent_insights\"")
            || t.contains("\"business_agent_usage_insights\"")
            || t.contains("\"billable_tokens\"")
        {
            return Some(InputFormat::AgentInsights);
        }
        if t.contains("whatsapp_business_account")
            || t.contains("\"statuses\"")
            || t.contains("\"messaging_product\"")
        {
            return Some(InputFormat::CloudApi);
        }
        if t.contains("\"account_sid\"")
            || t.contains("\"accountSid\"")
            || t.contains("\"date_sent\"")
            || t.contains("\"sid\"")
        {
            return Some(InputFormat::Twilio);
        }
        return Some(InputFormat::CloudApi);
    }
    let first = t.lines().next().unwrap_or("").to_ascii_lowercase();
    let delimiter = char::from(delimiter.unwrap_or_else(|| csv_delimiter(first.as_bytes())));
    let cells: Vec<String> = first
        .split(delimiter)
        .map(|c| {
            c.trim()
                .split(|ch: char| ch.is_whitespace() || ch == '-' || ch == '_')
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join("_")
        })
        .collect();
    let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
    if cells.contains(&"timestamp") && cells.contains(&"direction") {
        return Some(InputFormat::Canonical);
    }
    if cells.contains(&"from") && cells.contains(&"to") && cells.contains(&"direction") {
        return Some(InputFormat::Twilio);
    }
    let line = first.trim_start_matches('\u{200e}');
    if line.starts_with('[') || line.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        return Some(InputFormat::ChatExport);
    }
    None
}

/// A reader of any format, with what it had to assume.
pub enum AnyReader {
    /// Canonical CSV.
    Canonical(CanonicalReader<Box<dyn Read + Send>>),
    /// Cloud API webhooks.
    CloudApi(Box<CloudApiReader>),
    /// Twilio exports.
    Twilio(Box<TwilioReader<Box<dyn Read + Send>>>),
    /// Chat exports.
    Chat(Box<ChatExportReader>),
    /// Parquet, through [`FormatOptions::parquet`], with the rows returned so far (a Parquet
    /// reader returns one item per row) and how it reads timestamps without an offset.
    Parquet(EventReader, u64, LocalTimes),
    /// Meta's Business Agent Usage Insights: no events, data points priced as usage lines
    /// ([`AnyReader::take_agent_points`]).
    AgentInsights(AgentInsights),
}

/// A Business Agent Usage Insights file, read whole when opened.
pub struct AgentInsights {
    points: Vec<DataPoint>,
    /// Data points, replies and tokens read (kept for the notes once the points are taken).
    read: (u64, u64, u64),
}

impl AgentInsights {
    /// Reads `input` (named `file`): an answer of another analytics kind is an error.
    fn open(input: Box<dyn Read + Send>, file: &str) -> Result<AgentInsights, ReadError> {
        let analytics = meta_analytics::read(input, file)?;
        if analytics.kind != AnalyticsKind::BusinessAgent {
            let found = analytics.kind;
            return Err(ReadError::at_byte(
                file,
                0,
                ReadErrorKind::NotAgentInsights { found },
            ));
        }
        let replies = analytics.points.iter().map(|p| p.volume);
        let tokens = analytics.points.iter().map(|p| p.tokens.unwrap_or(0));
        let read = (
            analytics.points.len() as u64,
            replies.fold(0u64, u64::saturating_add),
            tokens.fold(0u64, u64::saturating_add),
        );
        Ok(AgentInsights {
            points: analytics.points,
            read,
        })
    }
}

impl AnyReader {
    /// Opens `input` (named `file` in messages) in the given or detected format.
    pub fn open(
        mut input: Box<dyn Read + Send>,
        file: &str,
        options: &FormatOptions,
    ) -> Result<AnyReader, ReadError> {
        let mut head = vec![0u8; 8192];
        let mut n = 0;
        while n < head.len() {
            match input.read(&mut head[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) => return Err(ReadError::at_line(file, 1, ReadErrorKind::io(e))),
            }
        }
        head.truncate(n);
        if let Some(big_endian) = utf16(&head) {
            // Whatever the format: read as UTF-8 it would be a NUL between every two letters.
            return Err(ReadError::at_line(
                file,
                1,
                ReadErrorKind::Utf16 { big_endian },
            ));
        }
        let format = match options.format {
            InputFormat::Auto if head.iter().all(u8::is_ascii_whitespace) => InputFormat::Canonical,
            InputFormat::Auto => sniff_delimited(&head, options.delimiter)
                .ok_or_else(|| ReadError::at_line(file, 1, ReadErrorKind::UnknownFormat))?,
            f => f,
        };
        let input: Box<dyn Read + Send> = Box::new(Cursor::new(head).chain(input));
        Ok(match format {
            InputFormat::Auto | InputFormat::Canonical => {
                AnyReader::Canonical(CanonicalReader::with_options(
                    input,
                    file,
                    options.line_limit(),
                    options.delimiter,
                    options.local_times(),
                ))
            }
            InputFormat::CloudApi => {
                AnyReader::CloudApi(Box::new(CloudApiReader::new(input, file)))
            }
            InputFormat::Twilio => AnyReader::Twilio(Box::new(TwilioReader::with_max_line(
                input,
                file,
                TwilioOptions {
                    delimiter: options.delimiter.or(options.twilio.delimiter),
                    ..options.twilio.clone()
                },
                options.line_limit(),
            ))),
            InputFormat::ChatExport => {
                let chat = options
                    .chat
                    .clone()
                    .ok_or_else(|| ReadError::at_line(file, 1, ReadErrorKind::NoChatOptions))?;
                AnyReader::Chat(Box::new(ChatExportReader::with_max_line(
                    input,
                    file,
                    chat,
                    options.line_limit(),
                )))
            }
            InputFormat::Parquet => {
                let open = options
                    .parquet
                    .ok_or_else(|| ReadError::at_line(file, 1, ReadErrorKind::NoParquetReader))?;
                let local = options.local_times();
                AnyReader::Parquet(open(input, file, &local)?, 0, local)
            }
            InputFormat::AgentInsights => {
                AnyReader::AgentInsights(AgentInsights::open(input, file)?)
            }
        })
    }

    /// The Business Agent usage data points of a Usage Insights file, each with the byte
    /// offset of its answer (empty for every other format, and once taken).
    pub fn take_agent_points(&mut self) -> Vec<DataPoint> {
        match self {
            AnyReader::AgentInsights(a) => std::mem::take(&mut a.points),
            _ => Vec::new(),
        }
    }

    /// The format being read.
    pub fn format(&self) -> InputFormat {
        match self {
            AnyReader::Canonical(_) => InputFormat::Canonical,
            AnyReader::CloudApi(_) => InputFormat::CloudApi,
            AnyReader::Twilio(_) => InputFormat::Twilio,
            AnyReader::Chat(_) => InputFormat::ChatExport,
            AnyReader::Parquet(..) => InputFormat::Parquet,
            AnyReader::AgentInsights(_) => InputFormat::AgentInsights,
        }
    }

    /// Where the last event returned was read: its line (CSV, chat exports; for Parquet the
    /// row, counted from 1, as Parquet errors say it) or the byte offset of its JSON document.
    pub fn position(&self) -> Option<Position> {
        match self {
            AnyReader::Canonical(r) => Some(Position::Line(r.line())),
            AnyReader::CloudApi(r) => Some(Position::Byte(r.last_offset())),
            AnyReader::Twilio(r) => r.last_position(),
            AnyReader::Chat(r) => Some(Position::Line(r.line())),
            AnyReader::Parquet(_, rows, _) => Some(Position::Line(*rows)),
            AnyReader::AgentInsights(_) => None,
        }
    }

    /// What the reader assumed or skipped, in words, once it has been read to the end.
    pub fn notes(&self, file: &str) -> Vec<String> {
        let mut n = Vec::new();
        match self {
            AnyReader::Canonical(r) => {
                n.extend(local_times_note(file, r.local_times(), r.local_counts()))
            }
            AnyReader::Parquet(r, _, local) => {
                n.extend(local_times_note(file, local, r.local_counts()))
            }
            AnyReader::AgentInsights(a) => {
                let (points, replies, tokens) = a.read;
                n.push(format!(
                    "{file}: Meta's Business Agent Usage Insights: {points} data points, {replies} \
                     replies, {tokens} tokens, priced at the regime's token price as Business \
                     Agent usage lines (one a data point; the answer's shape is assumed, see \
                     data/formats/business_agent_insights.md)"
                ));
            }
            AnyReader::CloudApi(r) => {
                let s = r.skipped();
                if s.other_fields + s.account_updates + s.system_messages > 0 {
                    n.push(format!(
                        "{file}: skipped {} changes of other webhook fields, {} account updates \
                         without tier data, {} system messages",
                        s.other_fields, s.account_updates, s.system_messages
                    ));
                }
                for f in r.tier_facts() {
                    n.push(format!(
                        "{file}: Meta reports volume tier {} for {} in {} from {} (kept as a fact, \
                         not a message)",
                        f.tier, f.pricing_category, f.region, f.effective_month
                    ));
                }
            }
            AnyReader::Twilio(r) => {
                let a = r.assumptions();
                n.push(format!(
                    "{file}: Twilio logs do not say the template category: {} outbound messages \
                     taken as templates of the default category, {} as free-form, {} matched a \
                     mapping pattern",
                    a.assumed_template, a.assumed_free_form, a.mapped
                ));
                if r.not_whatsapp() > 0 {
                    n.push(format!(
                        "{file}: {} non-WhatsApp rows (SMS) ignored",
                        r.not_whatsapp()
                    ));
                }
            }
            AnyReader::Chat(r) => {
                n.push(format!(
                    "{file}: chat export: dates read {}{}; business messages inside the \
                     customer service window taken as free-form, {} outside it as templates; \
                     {} system lines skipped",
                    r.date_order().as_str(),
                    if r.date_order_assumed() {
                        " (assumed: nothing in the file decides)"
                    } else {
                        ""
                    },
                    r.assumed_templates(),
                    r.system_lines()
                ));
            }
        }
        n
    }
}

/// What the run says of timestamps read as wall-clock times in the WABA's zone: how many,
/// in which zone (with which date format), and how many fell in the hour the clocks repeat.
fn local_times_note(file: &str, local: &LocalTimes, counts: LocalCounts) -> Option<String> {
    if counts.local == 0 {
        return None;
    }
    let mut note = format!(
        "{file}: {} {} without a UTC offset {} read in {}",
        counts.local,
        if counts.local == 1 {
            "timestamp"
        } else {
            "timestamps"
        },
        if counts.local == 1 { "was" } else { "were" },
        local.timezone.name()
    );
    if let Some(f) = &local.format {
        note.push_str(&format!(" with the date format {:?}", f.as_str()));
    }
    if counts.ambiguous > 0 {
        note.push_str(&format!(
            "; {} fell in the hour the clocks are set back and {} taken at the first of its \
             two instants",
            counts.ambiguous,
            if counts.ambiguous == 1 {
                "was"
            } else {
                "were each"
            }
        ));
    }
    Some(note)
}

impl Iterator for AnyReader {
    type Item = Result<Event, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            AnyReader::Canonical(r) => r.next(),
            AnyReader::CloudApi(r) => r.next(),
            AnyReader::Twilio(r) => r.next(),
            AnyReader::Chat(r) => r.next(),
            AnyReader::Parquet(r, rows, _) => {
                *rows += 1;
                r.next()
            }
            // Usage, not messages: see `take_agent_points`.
            AnyReader::AgentInsights(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_a_user_may_give() {
        for (given, d) in [
            (",", b','),
            (";", b';'),
            ("|", b'|'),
            ("\\t", b'\t'),
            ("\t", b'\t'),
            ("tab", b'\t'),
            ("Tab", b'\t'),
        ] {
            assert_eq!(parse_delimiter(given), Ok(d), "{given:?}");
        }
        for bad in ["", " ", "::", ",;", "\"", "a", "\\n", "\n"] {
            assert_eq!(
                parse_delimiter(bad),
                Err(format!(
                    "{bad:?} is not a field separator: give one of , ; | or a tab (\\t or tab)"
                )),
                "{bad:?}"
            );
        }
        // Told the separator, a header that detection would not split is recognised.
        assert_eq!(sniff(b"timestamp|business|contact|direction\n"), None);
        assert_eq!(
            sniff_delimited(b"timestamp|business|contact|direction\n", Some(b'|')),
            Some(InputFormat::Canonical)
        );
    }

    #[test]
    fn a_folder_lists_its_log_files_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "b.csv",
            "a.CSV",
            "c.json",
            "d.tsv",
            "README.txt",
            ".DS_Store",
            ".hidden.csv",
        ] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        std::fs::create_dir(dir.path().join("old.csv")).unwrap();
        let folder = LogFolder::list(dir.path()).unwrap();
        let names: Vec<String> = folder
            .files
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["a.CSV", "b.csv", "c.json", "d.tsv"]);
        assert_eq!(
            folder.skipped,
            [".DS_Store", ".hidden.csv", "README.txt", "old.csv"]
        );
        assert_eq!(
            folder.note("logs").unwrap(),
            "logs: 4 entries are not a log file (.csv, .tsv, .json, .jsonl, .ndjson) and not \
             read: .DS_Store, .hidden.csv, README.txt, old.csv"
        );
        let only_logs = LogFolder {
            files: folder.files.clone(),
            skipped: Vec::new(),
        };
        assert_eq!(only_logs.note("logs"), None);
    }

    #[test]
    fn sniffs_each_format() {
        assert_eq!(
            sniff(b"timestamp,business,contact,direction\n"),
            Some(InputFormat::Canonical)
        );
        assert_eq!(sniff(b"From,To,Body,Status,SentDate,ApiVersion,NumSegments,ErrorCode,AccountSid,Sid,Direction,Price,PriceUnit\n"), Some(InputFormat::Twilio));
        assert_eq!(
            sniff(b"[{\"object\":\"whatsapp_business_account\",\"entry\":[]}]"),
            Some(InputFormat::CloudApi)
        );
        assert_eq!(
            sniff(b"{\"account_sid\":\"AC1\",\"sid\":\"SM1\"}"),
            Some(InputFormat::Twilio)
        );
        assert_eq!(
            sniff("\u{200e}[1.1.2019, 12.00.00] John: hi".as_bytes()),
            Some(InputFormat::ChatExport)
        );
        assert_eq!(
            sniff(b"[03.02.26, 14:05:10] Acme Store: Hallo"),
            Some(InputFormat::ChatExport)
        );
        assert_eq!(sniff(b"[\n  {\"object\": 1}]"), Some(InputFormat::CloudApi));
        assert_eq!(
            sniff(b"06/03/2017, 00:45 - Sample User: hi"),
            Some(InputFormat::ChatExport)
        );
        assert_eq!(sniff(b"PAR1\x00"), Some(InputFormat::Parquet));
        assert_eq!(
            sniff(b"{\"business_agent_insights\": {\"data\": []}}"),
            Some(InputFormat::AgentInsights)
        );
        assert_eq!(
            sniff(b"{\"data\": [{\"start\": 1, \"end\": 2, \"billable_tokens\": 9}]}"),
            Some(InputFormat::AgentInsights)
        );
        assert_eq!("agent-insights".parse(), Ok(InputFormat::AgentInsights));
        assert_eq!(sniff(b"hello world"), None);
    }
}
