//! Why a log, or a row of it, cannot be read: [`ReadError`] says where (file, line or byte,
//! and the path inside a JSON document), [`ReadErrorKind`] says what, with the data the
//! message needs.
//!
//! Two questions are answered from the kind alone, never from the message's words:
//! whether the input as a whole is unusable ([`ReadErrorKind::is_fatal`]: such an error stops
//! a replay even when bad rows are skipped) and under which short label a skipped row is
//! counted ([`ReadErrorKind::label`]). An error about one field is counted under the field's
//! name (`timestamp`, `contact`, `direction`, `To`, `pricing.category`…), as the summary has
//! always shown them; other errors under a few words naming the problem.

use std::fmt;
use std::sync::Arc;

use super::chat_export::DateOrder;
use super::meta_analytics::AnalyticsKind;
use crate::pricing::PricingError;
use crate::pricing::phone::NumberError;

/// A row that cannot be read (or an input that cannot be read at all): which file, where in
/// it, what is wrong, and the row as read.
///
/// Displayed as `file:line: reason` or `file: byte N: reason`; the reason starts with the
/// path inside the JSON document when there is one (`entry[0].changes[0].value.statuses[1]:
/// …`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}: {}", self.location(), self.reason())]
pub struct ReadError {
    /// The file (`-` for standard input).
    pub file: String,
    /// Where in the file.
    pub position: Position,
    /// Where inside the JSON document at that position, when the document is valid JSON but
    /// a part of it is unusable (`entry[0].changes[0].value.statuses[1]`).
    pub within: Option<String>,
    /// What is wrong. Boxed: a reader yields a `Result<Event, ReadError>` per row, and rows
    /// are many where errors are few, so the error stays no larger than an event.
    #[source]
    pub kind: Box<ReadErrorKind>,
    /// The raw row, when there is one, for a rejects file.
    pub raw: Option<String>,
}

/// Where a bad row is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Position {
    /// 1-based line.
    Line(u64),
    /// 0-based byte offset.
    Byte(u64),
}

impl ReadError {
    /// An error at a line.
    pub fn at_line(file: &str, line: u64, kind: ReadErrorKind) -> ReadError {
        ReadError::at(file, Position::Line(line), kind)
    }

    /// An error at a byte offset.
    pub fn at_byte(file: &str, byte: u64, kind: ReadErrorKind) -> ReadError {
        ReadError::at(file, Position::Byte(byte), kind)
    }

    fn at(file: &str, position: Position, kind: ReadErrorKind) -> ReadError {
        ReadError {
            file: file.to_string(),
            position,
            within: None,
            kind: Box::new(kind),
            raw: None,
        }
    }

    /// The same error, at a path inside the JSON document (none when `path` is empty).
    pub fn within(mut self, path: &str) -> ReadError {
        self.within = (!path.is_empty()).then(|| path.to_string());
        self
    }

    /// The same error, with the row as read.
    pub fn with_raw(mut self, raw: impl Into<String>) -> ReadError {
        self.raw = Some(raw.into());
        self
    }

    /// Whether the whole input is unusable (as opposed to one bad row): see
    /// [`ReadErrorKind::is_fatal`].
    pub fn is_fatal(&self) -> bool {
        self.kind.is_fatal()
    }

    /// The file and position, as messages start: `file:line` or `file: byte N`.
    pub fn location(&self) -> Location<'_> {
        Location {
            file: &self.file,
            position: self.position,
        }
    }

    /// What is wrong, with the path inside the document when there is one: the message
    /// without its location (the `reason` column of a rejects file).
    pub fn reason(&self) -> String {
        match &self.within {
            Some(path) => format!("{path}: {}", self.kind),
            None => self.kind.to_string(),
        }
    }
}

/// A file and a position in it, displayed as `file:line` or `file: byte N`.
#[derive(Clone, Copy, Debug)]
pub struct Location<'a> {
    file: &'a str,
    position: Position,
}

impl fmt::Display for Location<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Position::Line(l) => write!(f, "{}:{l}", self.file),
            Position::Byte(b) => write!(f, "{}: byte {b}", self.file),
        }
    }
}

/// An I/O error shared by the clones of a [`ReadError`] (`std::io::Error` is neither `Clone`
/// nor comparable). Two are equal when their kind and message are: a [`ReadError`] is
/// compared for what it reports, not for the identity of the OS error behind it.
#[derive(Clone, Debug, thiserror::Error)]
#[error(transparent)]
pub struct IoSource(Arc<std::io::Error>);

impl IoSource {
    /// The I/O error.
    pub fn get(&self) -> &std::io::Error {
        &self.0
    }
}

impl From<std::io::Error> for IoSource {
    fn from(e: std::io::Error) -> IoSource {
        IoSource(Arc::new(e))
    }
}

impl PartialEq for IoSource {
    fn eq(&self, other: &IoSource) -> bool {
        self.0.kind() == other.0.kind() && self.0.to_string() == other.0.to_string()
    }
}

impl Eq for IoSource {}

/// What is wrong with an input or a row.
///
/// The first group makes the whole input unusable ([`ReadErrorKind::is_fatal`]); the others
/// are one bad row (or one bad JSON document) among good ones.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReadErrorKind {
    // The input as a whole.
    /// The input could not be read.
    #[error("cannot read: {source}")]
    Io {
        /// The I/O error.
        #[source]
        source: IoSource,
    },
    /// The input was read but cannot be decoded (a Parquet file polars cannot open).
    #[error("cannot read: {detail}")]
    Unreadable {
        /// What the decoder said.
        detail: String,
    },
    /// The format cannot be told from the content.
    #[error("cannot tell the format of this log")]
    UnknownFormat,
    /// A chat export, but no [`ChatOptions`](super::chat_export::ChatOptions) to tell who
    /// the business is.
    #[error(
        "cannot read a chat export without knowing which author is the business, to tell \
         inbound from outbound"
    )]
    NoChatOptions,
    /// A Parquet log, but no Parquet reader
    /// ([`FormatOptions::parquet`](super::detect::FormatOptions::parquet)).
    #[error(
        "cannot read a Parquet log: this program was built without a Parquet reader \
         (wacost-report has one)"
    )]
    NoParquetReader,
    /// The header lacks a column the format needs.
    #[error("missing required column {column:?}: {needed} (found: {found})")]
    MissingColumn {
        /// The column, as the format names it.
        column: &'static str,
        /// Which columns the format needs, in words.
        needed: &'static str,
        /// The header as found.
        found: String,
    },
    /// A text file in which no line starts a chat message.
    #[error("not a WhatsApp chat export: no line starts with a date, a time and an author")]
    NotChatExport,
    /// A chat export in which the business never writes: every message would be read as
    /// inbound, so the business's name is probably not the one in the file.
    #[error("no message from the business {business:?}: the authors are {}", quoted_list(.authors))]
    NoBusinessMessage {
        /// The business's name as given.
        business: String,
        /// The authors found (at most 20).
        authors: Vec<String>,
    },
    /// Analytics answers of both edges in one file.
    #[error("a {} answer after {} answers: give one kind per file", .found.as_str(), .first.as_str())]
    MixedAnalytics {
        /// The kind of the first answers.
        first: AnalyticsKind,
        /// The kind found after them.
        found: AnalyticsKind,
    },
    /// Analytics data points of overlapping periods (daily and monthly answers mixed).
    #[error(
        "data points of overlapping periods ({}..{} and {}..{}): give one granularity (DAILY or \
         MONTHLY) per file",
        .first.0, .first.1, .second.0, .second.1
    )]
    OverlappingPeriods {
        /// One period (start, end in Unix seconds).
        first: (i64, i64),
        /// A period overlapping it.
        second: (i64, i64),
    },
    /// An analytics answer of another kind where Business Agent usage was expected (a log
    /// read as Business Agent Usage Insights).
    #[error(
        "a {} answer is Meta's totals of messages, not Business Agent usage: compare it with a \
         log instead of pricing it",
        .found.as_str()
    )]
    NotAgentInsights {
        /// The kind found.
        found: AnalyticsKind,
    },
    /// An analytics file without an answer.
    #[error("{}", if *.empty {
        "empty file: expected a pricing_analytics or conversation_analytics answer"
    } else {
        "no analytics answer in this file"
    })]
    NoAnalytics {
        /// Whether the file holds no JSON document at all.
        empty: bool,
    },

    /// A line longer than the reader's limit: the file is broken or not of its format, and
    /// holding the line whole could take all the memory there is.
    #[error("line longer than {limit} bytes: a broken file, or not a log of this format")]
    LineTooLong {
        /// The limit, in bytes.
        limit: usize,
    },
    /// UTF-16 text (a byte-order mark FF FE or FE FF, or a NUL every other byte): wacost
    /// reads UTF-8.
    #[error(
        "the file is UTF-16 ({}) text: save it as UTF-8",
        if *.big_endian { "big-endian" } else { "little-endian" }
    )]
    Utf16 {
        /// Whether the high byte comes first.
        big_endian: bool,
    },
    /// An Excel workbook (a ZIP archive) given as a log.
    #[error(
        "this is an Excel workbook (.xlsx), not a CSV log: save the sheet as CSV (File > Save \
         As > CSV UTF-8) and give that file"
    )]
    Workbook,
    /// A chat export whose author is a name, and no contact number to price its messages by.
    #[error(
        "the author {author:?} is a name, not a phone number: the contact's number is needed \
         to find the market its messages are priced in"
    )]
    NoChatContact {
        /// The first author that is a name.
        author: String,
    },

    // One row.
    /// A quoted field that runs past the end of its line (or of the input): a quote left
    /// open would otherwise swallow the rows after it.
    #[error("{}", if *.at_end {
        "a quoted field is never closed (file truncated?)"
    } else {
        "a quoted field runs past the end of its line: close its quote (a field cannot hold a \
         line break)"
    })]
    UnclosedQuote {
        /// Whether the input ends inside the quotes (else the line does).
        at_end: bool,
    },
    /// A CSV row with more or fewer fields than the header.
    #[error("expected {expected} fields like the header, found {found}")]
    FieldCount {
        /// Fields in the header.
        expected: usize,
        /// Fields in the row.
        found: usize,
    },
    /// A row where the header should be.
    #[error("row before the header")]
    RowBeforeHeader,
    /// Another CSV error.
    #[error("{detail}")]
    Csv {
        /// The CSV parser's message.
        detail: String,
    },
    /// JSON that does not parse.
    #[error("invalid JSON: {detail}")]
    InvalidJson {
        /// The JSON parser's message.
        detail: String,
    },
    /// JSON that ends inside a value (a truncated file).
    #[error("unexpected end of input{}", truncated_detail(.detail))]
    TruncatedJson {
        /// The JSON parser's message.
        detail: Option<String>,
    },
    /// A top-level array that is never closed (a truncated file).
    #[error("unexpected end of input: the array is not closed (file truncated?)")]
    UnclosedArray,
    /// Something after the top-level array.
    #[error("trailing characters after the top-level array")]
    TrailingCharacters,
    /// Two elements of the top-level array without a comma between them.
    #[error("expected , or ] between array elements")]
    MissingComma,
    /// A field whose value the format does not allow.
    #[error("{field} {value} {problem}")]
    BadValue {
        /// The field, as the format names it.
        field: &'static str,
        /// The value as written: quoted when it is text (`"soon"`), bare when it is a JSON
        /// number or other JSON value.
        value: String,
        /// What is wrong with it, in the format's terms (`is neither inbound nor outbound`).
        problem: &'static str,
    },
    /// A required field that is missing or empty.
    #[error("{message}")]
    Missing {
        /// The field, as the format names it.
        field: &'static str,
        /// What is missing, in the format's terms (`empty business`, `no timestamp`).
        message: &'static str,
    },
    /// A text field that is not UTF-8.
    #[error("{field} is not valid UTF-8")]
    NotUtf8 {
        /// The field.
        field: &'static str,
    },
    /// A field that should be a phone number and is not.
    #[error("{field}: {source}")]
    Contact {
        /// The field (`contact`, `To`, `recipient_id`…).
        field: &'static str,
        /// Why it is not a phone number.
        #[source]
        source: NumberError,
    },
    /// A field that should be an array and is not.
    #[error("{field} is not an array")]
    NotArray {
        /// The field.
        field: &'static str,
    },
    /// A JSON document that is not a Cloud API webhook.
    #[error("not a webhook envelope: {detail}")]
    NotEnvelope {
        /// What it lacks.
        detail: &'static str,
    },
    /// A JSON value that is not a Twilio message.
    #[error("not a Twilio message object")]
    NotTwilioMessage,
    /// A JSON document that is not a Graph API analytics answer.
    #[error("not an analytics answer: {detail}")]
    NotAnalyticsAnswer {
        /// What it lacks.
        detail: &'static str,
    },
    /// An analytics data point that is not a JSON object.
    #[error("not a JSON object")]
    NotObject,
    /// A Graph API error saved in place of an answer.
    #[error("the answer is a Graph API error: {message:?}")]
    GraphApiError {
        /// The error's message.
        message: String,
    },
    /// A user known only by a business-scoped user id (a user with a username): no phone
    /// number to price by.
    #[error("no phone number for user_id {user_id:?}: {missing} (a user with a username)")]
    NoPhoneNumber {
        /// The user id.
        user_id: String,
        /// Which fields are missing, in words.
        missing: &'static str,
    },
    /// A status whose message's kind no status of the file tells.
    #[error("status without pricing category ({})", match .message_id {
        Some(id) => format!("no other status of message {id} in this file has one"),
        None => "and without a message id".to_string(),
    })]
    NoCategory {
        /// The status's message id, when it has one.
        message_id: Option<String>,
    },
    /// An analytics period that ends before it starts.
    #[error("end {end} is not after start {start}")]
    EndNotAfterStart {
        /// Start (Unix seconds).
        start: i64,
        /// End (Unix seconds).
        end: i64,
    },
    /// A chat export date that does not exist in the file's day/month order.
    #[error("date {}.{}.{} does not exist (dates read {})", .numbers.0, .numbers.1, .numbers.2, .order.as_str())]
    NoSuchDate {
        /// The date's three numbers as written.
        numbers: (u32, u32, u32),
        /// The order they were read in.
        order: DateOrder,
    },
    /// A chat export time that does not exist (`25:16`, `13:16 PM`).
    #[error("time {hour}:{minute:02}{} does not exist", match .pm {
        Some(true) => " PM",
        Some(false) => " AM",
        None => "",
    })]
    NoSuchTime {
        /// The hour as written.
        hour: u32,
        /// The minute as written.
        minute: u32,
        /// The AM/PM written after it (`Some(true)` for PM), if any.
        pm: Option<bool>,
    },
    /// A timestamp without an offset at a wall-clock time the WABA's zone skips (the hour
    /// the clocks are set forward): no instant has it.
    #[error(
        "timestamp {value} does not exist in {timezone} (the clocks were set forward at that \
         hour): write it with its UTC offset"
    )]
    SkippedLocalTime {
        /// The timestamp as written, quoted.
        value: String,
        /// The zone it was read in.
        timezone: String,
    },
    /// A timestamp that does not match the date format given for the log.
    #[error("timestamp {value} does not match the date format {format:?}")]
    NotInDateFormat {
        /// The timestamp as written, quoted.
        value: String,
        /// The format.
        format: String,
    },
    /// A message read well that cannot be priced (no pricing rules or card in force, no rate
    /// for its market and category), set aside like an unreadable row.
    #[error("message at {time}: {source}")]
    Unpriceable {
        /// When the message was sent (RFC 3339).
        time: String,
        /// Why it cannot be priced.
        #[source]
        source: PricingError,
    },
    /// A chat line that starts like a message and breaks off.
    #[error("line starts like a message but its date, time or author breaks off (file truncated?)")]
    BrokenLine,
}

impl ReadErrorKind {
    /// An I/O error.
    pub fn io(e: std::io::Error) -> ReadErrorKind {
        ReadErrorKind::Io { source: e.into() }
    }

    /// A field whose text value the format does not allow (the value is shown quoted).
    pub fn bad_text(field: &'static str, value: &str, problem: &'static str) -> ReadErrorKind {
        ReadErrorKind::BadValue {
            field,
            value: format!("{value:?}"),
            problem,
        }
    }

    /// Whether the input as a whole is unusable: it cannot be read, is not of its format, or
    /// lacks what every row needs (a required column, options the format cannot do
    /// without). Such an error stops a replay even when bad rows are skipped; any other is
    /// one bad row (or JSON document) among good ones.
    pub fn is_fatal(&self) -> bool {
        use ReadErrorKind::*;
        match self {
            Io { .. }
            | Unreadable { .. }
            | UnknownFormat
            | NoChatOptions
            | NoParquetReader
            | MissingColumn { .. }
            | LineTooLong { .. }
            | Utf16 { .. }
            | Workbook
            | NoChatContact { .. }
            | NotChatExport
            | NoBusinessMessage { .. }
            | MixedAnalytics { .. }
            | NotAgentInsights { .. }
            | OverlappingPeriods { .. }
            | NoAnalytics { .. } => true,
            FieldCount { .. }
            | RowBeforeHeader
            | Csv { .. }
            | InvalidJson { .. }
            | TruncatedJson { .. }
            | UnclosedArray
            | TrailingCharacters
            | MissingComma
            | BadValue { .. }
            | Missing { .. }
            | NotUtf8 { .. }
            | Contact { .. }
            | NotArray { .. }
            | NotEnvelope { .. }
            | NotTwilioMessage
            | NotAnalyticsAnswer { .. }
            | NotObject
            | GraphApiError { .. }
            | NoPhoneNumber { .. }
            | NoCategory { .. }
            | EndNotAfterStart { .. }
            | NoSuchDate { .. }
            | NoSuchTime { .. }
            | SkippedLocalTime { .. }
            | NotInDateFormat { .. }
            | BrokenLine
            | UnclosedQuote { .. }
            | Unpriceable { .. } => false,
        }
    }

    /// The short, stable label skipped rows of this kind are counted under (the key of the
    /// summary's `skipped_by_reason`): the field's name for an error about one field, a few
    /// words naming the problem otherwise.
    pub fn label(&self) -> &'static str {
        use ReadErrorKind::*;
        match self {
            Io { .. } | Unreadable { .. } => "cannot read",
            UnknownFormat => "unknown format",
            NoChatOptions => "no business name",
            NoParquetReader => "no Parquet reader",
            MissingColumn { .. } => "missing required column",
            LineTooLong { .. } => "line too long",
            Utf16 { .. } => "UTF-16 text",
            Workbook => "Excel workbook",
            NoChatContact { .. } => "no contact number",
            UnclosedQuote { .. } => "unclosed quote",
            NotChatExport => "not a chat export",
            NoBusinessMessage { .. } => "no message from the business",
            MixedAnalytics { .. } => "mixed analytics answers",
            NotAgentInsights { .. } => "not Business Agent usage",
            OverlappingPeriods { .. } => "overlapping periods",
            NoAnalytics { .. } => "no analytics answer",
            FieldCount { .. } => "wrong number of fields",
            RowBeforeHeader => "row before the header",
            Csv { .. } => "invalid CSV",
            InvalidJson { .. } | TrailingCharacters | MissingComma => "invalid JSON",
            TruncatedJson { .. } | UnclosedArray => "unexpected end of input",
            BadValue { field, .. }
            | Missing { field, .. }
            | NotUtf8 { field }
            | Contact { field, .. }
            | NotArray { field } => field,
            NotEnvelope { .. } => "not a webhook envelope",
            NotTwilioMessage => "not a Twilio message",
            NotAnalyticsAnswer { .. } => "not an analytics answer",
            NotObject => "not a JSON object",
            GraphApiError { .. } => "Graph API error",
            NoPhoneNumber { .. } => "no phone number",
            NoCategory { .. } => "no pricing category",
            EndNotAfterStart { .. } => "end",
            NoSuchDate { .. } => "date",
            NoSuchTime { .. } => "time",
            SkippedLocalTime { .. } | NotInDateFormat { .. } => "timestamp",
            BrokenLine => "truncated line",
            Unpriceable { source, .. } => match source {
                PricingError::NoRate { .. } => "no rate",
                PricingError::NoRegime { .. } => "no pricing rules",
                PricingError::NoCard { .. } => "no rate card",
                PricingError::TooManyContacts { .. } => "too many contacts",
            },
        }
    }
}

fn quoted_list(items: &[String]) -> String {
    items
        .iter()
        .map(|a| format!("{a:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn truncated_detail(detail: &Option<String>) -> String {
    match detail {
        Some(d) => format!(" (file truncated?): {d}"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn io() -> ReadErrorKind {
        ReadErrorKind::io(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "permission denied",
        ))
    }

    /// One of every kind, with its message, whether it is fatal and its label.
    fn every_kind() -> Vec<(ReadErrorKind, &'static str, bool, &'static str)> {
        use ReadErrorKind::*;
        let number = crate::pricing::phone::ContactNumber::parse("hello").unwrap_err();
        vec![
            (io(), "cannot read: permission denied", true, "cannot read"),
            (
                Unreadable {
                    detail: "not a readable Parquet file (bad magic)".into(),
                },
                "cannot read: not a readable Parquet file (bad magic)",
                true,
                "cannot read",
            ),
            (
                UnknownFormat,
                "cannot tell the format of this log",
                true,
                "unknown format",
            ),
            (
                NoChatOptions,
                "cannot read a chat export without knowing which author is the business, to \
                 tell inbound from outbound",
                true,
                "no business name",
            ),
            (
                NoParquetReader,
                "cannot read a Parquet log: this program was built without a Parquet reader \
                 (wacost-report has one)",
                true,
                "no Parquet reader",
            ),
            (
                MissingColumn {
                    column: "business",
                    needed: "the header must name timestamp, business, contact and direction",
                    found: "timestamp,contact".into(),
                },
                "missing required column \"business\": the header must name timestamp, \
                 business, contact and direction (found: timestamp,contact)",
                true,
                "missing required column",
            ),
            (
                NotChatExport,
                "not a WhatsApp chat export: no line starts with a date, a time and an author",
                true,
                "not a chat export",
            ),
            (
                NoBusinessMessage {
                    business: "Acme".into(),
                    authors: vec!["Ann".into(), "Bo".into()],
                },
                "no message from the business \"Acme\": the authors are \"Ann\", \"Bo\"",
                true,
                "no message from the business",
            ),
            (
                MixedAnalytics {
                    first: AnalyticsKind::Pricing,
                    found: AnalyticsKind::Conversation,
                },
                "a conversation_analytics answer after pricing_analytics answers: give one kind \
                 per file",
                true,
                "mixed analytics answers",
            ),
            (
                OverlappingPeriods {
                    first: (1, 3),
                    second: (2, 4),
                },
                "data points of overlapping periods (1..3 and 2..4): give one granularity \
                 (DAILY or MONTHLY) per file",
                true,
                "overlapping periods",
            ),
            (
                NoAnalytics { empty: true },
                "empty file: expected a pricing_analytics or conversation_analytics answer",
                true,
                "no analytics answer",
            ),
            (
                NoAnalytics { empty: false },
                "no analytics answer in this file",
                true,
                "no analytics answer",
            ),
            (
                LineTooLong { limit: 1048576 },
                "line longer than 1048576 bytes: a broken file, or not a log of this format",
                true,
                "line too long",
            ),
            (
                Workbook,
                "this is an Excel workbook (.xlsx), not a CSV log: save the sheet as CSV (File > \
                 Save As > CSV UTF-8) and give that file",
                true,
                "Excel workbook",
            ),
            (
                Utf16 { big_endian: false },
                "the file is UTF-16 (little-endian) text: save it as UTF-8",
                true,
                "UTF-16 text",
            ),
            (
                Utf16 { big_endian: true },
                "the file is UTF-16 (big-endian) text: save it as UTF-8",
                true,
                "UTF-16 text",
            ),
            (
                NoChatContact {
                    author: "Jane".into(),
                },
                "the author \"Jane\" is a name, not a phone number: the contact's number is \
                 needed to find the market its messages are priced in",
                true,
                "no contact number",
            ),
            (
                UnclosedQuote { at_end: false },
                "a quoted field runs past the end of its line: close its quote (a field cannot \
                 hold a line break)",
                false,
                "unclosed quote",
            ),
            (
                UnclosedQuote { at_end: true },
                "a quoted field is never closed (file truncated?)",
                false,
                "unclosed quote",
            ),
            (
                FieldCount {
                    expected: 8,
                    found: 5,
                },
                "expected 8 fields like the header, found 5",
                false,
                "wrong number of fields",
            ),
            (
                RowBeforeHeader,
                "row before the header",
                false,
                "row before the header",
            ),
            (
                Csv {
                    detail: "odd quote".into(),
                },
                "odd quote",
                false,
                "invalid CSV",
            ),
            (
                InvalidJson {
                    detail: "expected value".into(),
                },
                "invalid JSON: expected value",
                false,
                "invalid JSON",
            ),
            (
                TruncatedJson {
                    detail: Some("EOF while parsing an object".into()),
                },
                "unexpected end of input (file truncated?): EOF while parsing an object",
                false,
                "unexpected end of input",
            ),
            (
                TruncatedJson { detail: None },
                "unexpected end of input",
                false,
                "unexpected end of input",
            ),
            (
                UnclosedArray,
                "unexpected end of input: the array is not closed (file truncated?)",
                false,
                "unexpected end of input",
            ),
            (
                TrailingCharacters,
                "trailing characters after the top-level array",
                false,
                "invalid JSON",
            ),
            (
                MissingComma,
                "expected , or ] between array elements",
                false,
                "invalid JSON",
            ),
            (
                ReadErrorKind::bad_text("direction", "sideways", "is neither inbound nor outbound"),
                "direction \"sideways\" is neither inbound nor outbound",
                false,
                "direction",
            ),
            (
                BadValue {
                    field: "volume",
                    value: "-2".into(),
                    problem: "is negative",
                },
                "volume -2 is negative",
                false,
                "volume",
            ),
            (
                Missing {
                    field: "business",
                    message: "empty business",
                },
                "empty business",
                false,
                "business",
            ),
            (
                NotUtf8 {
                    field: "message_id",
                },
                "message_id is not valid UTF-8",
                false,
                "message_id",
            ),
            (
                Contact {
                    field: "To",
                    source: number,
                },
                "To: \"hello\" is not a phone number: unexpected character 'h'",
                false,
                "To",
            ),
            (
                NotArray { field: "entry" },
                "entry is not an array",
                false,
                "entry",
            ),
            (
                NotEnvelope {
                    detail: "expected a JSON object",
                },
                "not a webhook envelope: expected a JSON object",
                false,
                "not a webhook envelope",
            ),
            (
                NotTwilioMessage,
                "not a Twilio message object",
                false,
                "not a Twilio message",
            ),
            (
                NotAnalyticsAnswer {
                    detail: "expected a JSON object",
                },
                "not an analytics answer: expected a JSON object",
                false,
                "not an analytics answer",
            ),
            (NotObject, "not a JSON object", false, "not a JSON object"),
            (
                GraphApiError {
                    message: "(#100) Invalid parameter".into(),
                },
                "the answer is a Graph API error: \"(#100) Invalid parameter\"",
                false,
                "Graph API error",
            ),
            (
                NoPhoneNumber {
                    user_id: "BR.1".into(),
                    missing: "the status has no recipient_id",
                },
                "no phone number for user_id \"BR.1\": the status has no recipient_id (a user \
                 with a username)",
                false,
                "no phone number",
            ),
            (
                NoCategory {
                    message_id: Some("w1".into()),
                },
                "status without pricing category (no other status of message w1 in this file \
                 has one)",
                false,
                "no pricing category",
            ),
            (
                NoCategory { message_id: None },
                "status without pricing category (and without a message id)",
                false,
                "no pricing category",
            ),
            (
                EndNotAfterStart { start: 5, end: 5 },
                "end 5 is not after start 5",
                false,
                "end",
            ),
            (
                NoSuchDate {
                    numbers: (31, 2, 2026),
                    order: DateOrder::DayFirst,
                },
                "date 31.2.2026 does not exist (dates read day-first)",
                false,
                "date",
            ),
            (
                NoSuchTime {
                    hour: 25,
                    minute: 3,
                    pm: None,
                },
                "time 25:03 does not exist",
                false,
                "time",
            ),
            (
                NoSuchTime {
                    hour: 13,
                    minute: 16,
                    pm: Some(true),
                },
                "time 13:16 PM does not exist",
                false,
                "time",
            ),
            (
                SkippedLocalTime {
                    value: "\"2026-03-08 02:30\"".into(),
                    timezone: "America/New_York".into(),
                },
                "timestamp \"2026-03-08 02:30\" does not exist in America/New_York (the clocks \
                 were set forward at that hour): write it with its UTC offset",
                false,
                "timestamp",
            ),
            (
                NotInDateFormat {
                    value: "\"2026-02-02 10:00\"".into(),
                    format: "%d/%m/%Y %H:%M".into(),
                },
                "timestamp \"2026-02-02 10:00\" does not match the date format \"%d/%m/%Y %H:%M\"",
                false,
                "timestamp",
            ),
            (
                BrokenLine,
                "line starts like a message but its date, time or author breaks off (file \
                 truncated?)",
                false,
                "truncated line",
            ),
            (
                Unpriceable {
                    time: "2024-01-02T10:00:00+00:00".into(),
                    source: PricingError::NoRate {
                        market: "India".into(),
                        category: crate::pricing::category::Category::Authentication,
                        currency: crate::money::Currency::USD,
                        date: chrono::NaiveDate::from_ymd_opt(2024, 1, 2).unwrap(),
                        card: chrono::NaiveDate::from_ymd_opt(2023, 6, 1).unwrap(),
                    },
                },
                "message at 2024-01-02T10:00:00+00:00: no authentication rate for India on the \
                 USD card of 2023-06-01 (message of 2024-01-02): the card in force has none",
                false,
                "no rate",
            ),
        ]
    }

    #[test]
    fn every_kind_has_its_message_fatality_and_label() {
        for (kind, message, fatal, label) in every_kind() {
            assert_eq!(kind.to_string(), message);
            assert_eq!(kind.is_fatal(), fatal, "{kind:?}");
            assert_eq!(kind.label(), label, "{kind:?}");
        }
    }

    #[test]
    fn messages_name_file_position_and_path() {
        let e = ReadError::at_line(
            "log.csv",
            4,
            ReadErrorKind::bad_text("timestamp", "soon", "is not Unix seconds"),
        );
        assert_eq!(
            e.to_string(),
            "log.csv:4: timestamp \"soon\" is not Unix seconds"
        );
        let e = ReadError::at_byte(
            "hooks.json",
            2,
            ReadErrorKind::NoCategory { message_id: None },
        )
        .within("entry[0].changes[0].value.statuses[0]")
        .with_raw("{}");
        assert_eq!(
            e.to_string(),
            "hooks.json: byte 2: entry[0].changes[0].value.statuses[0]: status without pricing \
             category (and without a message id)"
        );
        assert_eq!(
            e.reason(),
            "entry[0].changes[0].value.statuses[0]: status without pricing category (and \
             without a message id)"
        );
        assert_eq!(e.location().to_string(), "hooks.json: byte 2");
        assert_eq!(e.raw.as_deref(), Some("{}"));
        assert_eq!(e.within("").within, None);
    }

    #[test]
    fn io_errors_keep_their_source_and_compare_by_what_they_say() {
        use std::error::Error as _;
        let e = ReadError::at_line("x.csv", 1, io());
        assert!(e.is_fatal());
        let source = e.source().and_then(|k| k.source()).unwrap();
        let io = source.downcast_ref::<IoSource>().unwrap().get();
        assert_eq!(io.kind(), std::io::ErrorKind::PermissionDenied);
        assert_eq!(e.clone(), e);
        let other = ReadError::at_line(
            "x.csv",
            1,
            ReadErrorKind::io(std::io::Error::other("disk on fire")),
        );
        assert_ne!(e, other);
    }
}
