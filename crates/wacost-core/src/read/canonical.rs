//! wacost's native log: a CSV with a header row, columns in any order, unknown columns
//! ignored.
//!
//! | column | required | values |
//! |---|---|---|
//! | `timestamp` | yes | RFC 3339 (any offset), Unix seconds, or a date and time without an offset (`2026-02-02 10:00:00`, `2026-02-02T10:00`): a wall-clock time in the WABA's time zone; or the user's date format (see [`super::time`]) |
//! | `business` | yes | the business phone number (or phone number id) |
//! | `contact` | yes | the user's number: E.164 with or without `+`, spaces, dashes, `whatsapp:` |
//! | `direction` | yes | `inbound` or `outbound` |
//! | `message_type` | outbound | `template`, `free_form`, `business_agent` (a reply of Meta's Business Agent) or `reaction` |
//! | `category` | templates | `marketing` (or `marketing_lite`), `utility`, `authentication`; to a group: `group_marketing`, `group_utility`, and `group_service` on a `free_form` row |
//! | `status` | no | `sent`, `delivered`, `read`, `failed` (default `delivered`) |
//! | `message_id` | no | rows with one id are one message |
//! | `entry_point` | no | inbound: `ctwa_ad` or `page_cta` |
//! | `waba` | no | the WABA of the business number (default: one WABA for the log) |
//! | `tokens` | no | `business_agent` rows: the reply's tokens, prompt and response together (a whole number; empty: the regime's default, counted as estimated) |
//! | `template` | no | template rows: the template's name (a Marketing Messages API max price is looked up by it) |
//!
//! A message to a group is one row per recipient: the `contact` is the recipient (whose
//! market prices the delivery), every row with the group message's id.

use std::io::Read;

use super::records::{DEFAULT_MAX_LINE_BYTES, Fields, Records};
use super::time::{LocalCounts, LocalTimes, TimestampParser, TimestampProblem};
use super::{ReadError, ReadErrorKind};
use crate::event::{
    BusinessId, Details, Direction, EntryPoint, Event, MessageId, MessageKind, Status, TemplateId,
};
use crate::pricing::category::Category;
use crate::pricing::phone::ContactNumber;

/// The columns the reader understands.
pub const COLUMNS: [&str; 12] = [
    "timestamp",
    "business",
    "contact",
    "direction",
    "message_type",
    "category",
    "status",
    "message_id",
    "entry_point",
    "waba",
    "tokens",
    "template",
];

#[derive(Clone, Copy, Default)]
struct Columns {
    timestamp: usize,
    business: usize,
    contact: usize,
    direction: usize,
    message_type: Option<usize>,
    category: Option<usize>,
    status: Option<usize>,
    message_id: Option<usize>,
    entry_point: Option<usize>,
    waba: Option<usize>,
    tokens: Option<usize>,
    template: Option<usize>,
}

/// Reads the canonical CSV as a stream of events, one per data row.
pub struct CanonicalReader<R: Read> {
    file: String,
    records: Records<R>,
    parser: Option<RowParser>,
    /// Fields in the header: every row must have as many.
    width: usize,
    done: bool,
    header_error: Option<ReadError>,
    /// The line of the last row returned.
    line: u64,
    /// The field separator given by the user (default: told from the header).
    delimiter: Option<u8>,
    /// How timestamps without an offset are read.
    local: LocalTimes,
}

/// Turns one row of canonical columns into an [`Event`]. Shared by the CSV and Parquet
/// readers.
pub struct RowParser {
    file: String,
    cols: Columns,
    cache: Vec<(Vec<u8>, BusinessId)>,
    timestamps: TimestampParser,
}

impl<R: Read> CanonicalReader<R> {
    /// Starts reading; the header is read (and checked) on the first call to `next`. Lines
    /// are at most [`DEFAULT_MAX_LINE_BYTES`] long.
    pub fn new(input: R, file: &str) -> CanonicalReader<R> {
        CanonicalReader::with_max_line(input, file, DEFAULT_MAX_LINE_BYTES)
    }

    /// [`CanonicalReader::new`], with lines (the header too) of at most `max_line_bytes`.
    pub fn with_max_line(input: R, file: &str, max_line_bytes: usize) -> CanonicalReader<R> {
        CanonicalReader::with_options(input, file, max_line_bytes, None, LocalTimes::default())
    }

    /// [`CanonicalReader::with_max_line`], with the field separator given (`None`: told
    /// from the header, see [`csv_delimiter`](super::detect::csv_delimiter)) and timestamps
    /// without an offset read as `local` says.
    pub fn with_options(
        input: R,
        file: &str,
        max_line_bytes: usize,
        delimiter: Option<u8>,
        local: LocalTimes,
    ) -> CanonicalReader<R> {
        let mut r = CanonicalReader {
            file: file.to_string(),
            records: Records::new(input).max_line_bytes(max_line_bytes),
            parser: None,
            width: 0,
            done: false,
            header_error: None,
            line: 0,
            delimiter,
            local,
        };
        if let Err(e) = r.read_header() {
            r.header_error = Some(e);
        }
        r
    }

    /// The line of the last row returned (0 before any).
    pub fn line(&self) -> u64 {
        self.line
    }

    /// How timestamps without an offset are read.
    pub fn local_times(&self) -> &LocalTimes {
        &self.local
    }

    /// How many timestamps were read as wall-clock times in the zone so far.
    pub fn local_counts(&self) -> LocalCounts {
        self.parser
            .as_ref()
            .map_or_else(LocalCounts::default, RowParser::local_counts)
    }

    fn read_header(&mut self) -> Result<(), ReadError> {
        let head = self
            .records
            .head()
            .map_err(|e| e.into_read_error(&self.file))?;
        if let Some(big_endian) = super::detect::utf16(head) {
            return Err(ReadError::at_line(
                &self.file,
                1,
                ReadErrorKind::Utf16 { big_endian },
            ));
        }
        if super::detect::is_zip(head) {
            return Err(ReadError::at_line(&self.file, 1, ReadErrorKind::Workbook));
        }
        let delimiter = self
            .delimiter
            .unwrap_or_else(|| super::detect::csv_delimiter(head));
        if delimiter != b',' {
            self.records.set_delimiter(delimiter);
        }
        let header = match self.records.next_record() {
            Ok(Some(h)) => h,
            Ok(None) => {
                self.done = true;
                return Ok(());
            }
            Err(e) => return Err(e.into_read_error(&self.file)),
        };
        let names: Vec<String> = (0..header.len())
            .map(|i| String::from_utf8_lossy(header.get(i).unwrap_or_default()).into_owned())
            .collect();
        self.width = names.len();
        self.parser = Some(RowParser::with_local(
            &names,
            &self.file,
            self.local.clone(),
        )?);
        Ok(())
    }
}

/// A header cell as a canonical column name: trimmed, without a byte order mark, lower
/// case, spaces and hyphens as `_` (`Message Type` and `message-type` are `message_type`).
fn column_name(header: &str) -> String {
    header
        .trim_start_matches('\u{feff}')
        .trim()
        .to_ascii_lowercase()
        .split(|c: char| c.is_whitespace() || c == '-' || c == '_')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

impl RowParser {
    /// A parser for rows with these column names (any case, any order; unknown names
    /// ignored). Fails when a required column is missing.
    pub fn new(header: &[String], file: &str) -> Result<RowParser, ReadError> {
        RowParser::with_local(header, file, LocalTimes::default())
    }

    /// [`RowParser::new`], reading timestamps without an offset as `local` says.
    pub fn with_local(
        header: &[String],
        file: &str,
        local: LocalTimes,
    ) -> Result<RowParser, ReadError> {
        let names: Vec<String> = header.iter().map(|f| column_name(f)).collect();
        let file = file.to_string();
        let find = |n: &str| names.iter().position(|h| h == n);
        let need = |column: &'static str| {
            find(column).ok_or_else(|| {
                let kind = ReadErrorKind::MissingColumn {
                    column,
                    needed: "the header must name timestamp, business, contact and direction",
                    found: names.join(","),
                };
                ReadError::at_line(&file, 1, kind)
            })
        };
        let cols = Columns {
            timestamp: need("timestamp")?,
            business: need("business")?,
            contact: need("contact")?,
            direction: need("direction")?,
            message_type: find("message_type"),
            category: find("category"),
            status: find("status"),
            message_id: find("message_id"),
            entry_point: find("entry_point"),
            waba: find("waba"),
            tokens: find("tokens"),
            template: find("template"),
        };
        Ok(RowParser {
            file,
            cols,
            cache: Vec::new(),
            timestamps: TimestampParser::with_local(local),
        })
    }

    /// How many timestamps were read as wall-clock times so far.
    pub fn local_counts(&self) -> LocalCounts {
        self.timestamps.local_counts()
    }

    fn business(&mut self, raw: &[u8], line: u64) -> Result<BusinessId, ReadError> {
        if let Some((_, id)) = self.cache.iter().find(|(k, _)| k.as_slice() == raw) {
            return Ok(*id);
        }
        let err = |kind| ReadError::at_line(&self.file, line, kind);
        let name = std::str::from_utf8(raw)
            .map_err(|_| err(ReadErrorKind::NotUtf8 { field: "business" }))?;
        if name.trim().is_empty() {
            return Err(err(ReadErrorKind::Missing {
                field: "business",
                message: "empty business",
            }));
        }
        let id = BusinessId::intern(name);
        if self.cache.len() >= 16 {
            self.cache.remove(0);
        }
        self.cache.push((raw.to_vec(), id));
        Ok(id)
    }

    /// Parses one row.
    pub fn parse(&mut self, rec: &impl Fields, line: u64) -> Result<Event, ReadError> {
        let c = self.cols;
        self.parse_record(rec, c, line)
    }

    fn parse_record(
        &mut self,
        rec: &impl Fields,
        c: Columns,
        line: u64,
    ) -> Result<Event, ReadError> {
        let field = |i: usize| rec.field(i).unwrap_or(b"");
        let opt = |i: Option<usize>| i.map_or(&b""[..], |i| rec.field(i).unwrap_or(b""));
        let time = self.timestamps.read(field(c.timestamp));
        let err = |kind: ReadErrorKind| ReadError::at_line(&self.file, line, kind);
        let time =
            time.map_err(|problem| err(self.timestamp_error(field(c.timestamp), problem)))?;
        let contact = ContactNumber::parse_bytes(field(c.contact)).map_err(|source| {
            err(ReadErrorKind::Contact {
                field: "contact",
                source,
            })
        })?;
        let direction = Direction::parse(field(c.direction)).ok_or_else(|| {
            err(bad(
                "direction",
                field(c.direction),
                "is neither inbound nor outbound",
            ))
        })?;
        let kind = match direction {
            Direction::Inbound => MessageKind::FreeForm,
            Direction::Outbound => {
                message_kind(opt(c.message_type), opt(c.category)).map_err(err)?
            }
        };
        let status = match (direction, opt(c.status).trim_ascii()) {
            (Direction::Inbound, _) | (_, b"") => Status::Delivered,
            (_, s) => Status::parse(s)
                .ok_or_else(|| err(bad("status", s, "is not sent, delivered, read or failed")))?,
        };
        let entry_point = match direction {
            Direction::Inbound => EntryPoint::parse(opt(c.entry_point)).map_err(|_| {
                err(bad(
                    "entry_point",
                    opt(c.entry_point),
                    "is neither ctwa_ad nor page_cta",
                ))
            })?,
            Direction::Outbound => None,
        };
        let details = if direction == Direction::Outbound {
            details(kind, opt(c.tokens), opt(c.template)).map_err(err)?
        } else {
            Details::NONE
        };
        let message_id = MessageId::new(opt(c.message_id));
        if message_id.is_some()
            && !opt(c.message_id).is_ascii()
            && std::str::from_utf8(opt(c.message_id)).is_err()
        {
            return Err(err(ReadErrorKind::NotUtf8 {
                field: "message_id",
            }));
        }
        let business = self.business(field(c.business), line)?;
        let waba = match c.waba.map(|i| rec.field(i).unwrap_or(b"").trim_ascii()) {
            Some(w) if !w.is_empty() => self.business(w, line)?,
            _ => Event::default_waba(),
        };
        Ok(Event {
            time_ms: time,
            business,
            waba,
            contact,
            direction,
            kind,
            status,
            message_id,
            entry_point,
            verdict: None,
            details,
        })
    }
}

impl RowParser {
    /// What is wrong with a timestamp, in words.
    fn timestamp_error(&self, raw: &[u8], problem: TimestampProblem) -> ReadErrorKind {
        let quoted = || format!("{:?}", String::from_utf8_lossy(raw.trim_ascii()));
        let local = self.timestamps.local_times();
        match problem {
            TimestampProblem::ExcelSerial => bad(
                "timestamp",
                raw,
                "looks like an Excel serial date (days since 1899-12-30): format the column as \
                 yyyy-mm-ddThh:mm:ssZ before saving the CSV",
            ),
            TimestampProblem::Unreadable => bad(
                "timestamp",
                raw,
                "is neither RFC 3339 (2026-02-02T10:00:00Z) nor Unix seconds",
            ),
            TimestampProblem::Skipped => ReadErrorKind::SkippedLocalTime {
                value: quoted(),
                timezone: local.timezone.name().to_string(),
            },
            TimestampProblem::NotInFormat => ReadErrorKind::NotInDateFormat {
                value: quoted(),
                format: local
                    .format
                    .as_ref()
                    .map_or_else(String::new, |f| f.as_str().to_string()),
            },
        }
    }
}

/// The `tokens` and `template` of an outbound row: tokens only on a Business Agent reply (a
/// whole number; 0 or empty is no count), a template name on a template row.
fn details(kind: MessageKind, tokens: &[u8], template: &[u8]) -> Result<Details, ReadErrorKind> {
    let mut d = Details::NONE;
    let tokens = tokens.trim_ascii();
    if !tokens.is_empty() && kind == MessageKind::BusinessAgent {
        let n = std::str::from_utf8(tokens)
            .ok()
            .and_then(|t| t.parse::<u32>().ok())
            .ok_or_else(|| bad("tokens", tokens, "is not a whole number of tokens"))?;
        d.tokens = (n > 0).then_some(n);
    }
    let template = template.trim_ascii();
    if !template.is_empty() && kind.template_category().is_some() {
        let name = std::str::from_utf8(template)
            .map_err(|_| ReadErrorKind::NotUtf8 { field: "template" })?;
        d.template = Some(TemplateId::intern(name));
    }
    Ok(d)
}

fn message_kind(message_type: &[u8], category: &[u8]) -> Result<MessageKind, ReadErrorKind> {
    // The spellings of our own schema, matched exactly before any other is considered.
    match (message_type, category) {
        (b"template", b"marketing") => return Ok(MessageKind::Template(Category::Marketing)),
        (b"template", b"utility") => return Ok(MessageKind::Template(Category::Utility)),
        (b"template", b"authentication") => {
            return Ok(MessageKind::Template(Category::Authentication));
        }
        (b"free_form", b"") => return Ok(MessageKind::FreeForm),
        _ => {}
    }
    let t = message_type.trim_ascii();
    let cat = || {
        std::str::from_utf8(category.trim_ascii())
            .ok()
            .and_then(Category::parse)
    };
    if t.eq_ignore_ascii_case(b"template") {
        match cat() {
            Some(Category::AuthenticationInternational) => {
                Ok(MessageKind::Template(Category::Authentication))
            }
            Some(c @ (Category::Marketing | Category::Utility | Category::Authentication)) => {
                Ok(MessageKind::Template(c))
            }
            Some(c @ (Category::GroupMarketing | Category::GroupUtility)) => {
                Ok(MessageKind::GroupTemplate(c.base()))
            }
            _ if category.trim_ascii().is_empty() => Err(ReadErrorKind::Missing {
                field: "category",
                message: "template without a category: give marketing, utility or authentication",
            }),
            _ => Err(bad(
                "category",
                category,
                "is not marketing, utility or authentication",
            )),
        }
    } else if t.eq_ignore_ascii_case(b"free_form")
        || t.eq_ignore_ascii_case(b"free-form")
        || t.eq_ignore_ascii_case(b"freeform")
        || t.eq_ignore_ascii_case(b"text")
        || t.eq_ignore_ascii_case(b"session")
    {
        // A free-form row's category is ignored, except `group_service`: a message to a
        // group.
        match cat() {
            Some(Category::GroupService) => Ok(MessageKind::GroupFreeForm),
            _ => Ok(MessageKind::FreeForm),
        }
    } else if t.eq_ignore_ascii_case(b"business_agent") || t.eq_ignore_ascii_case(b"ai_agent") {
        Ok(MessageKind::BusinessAgent)
    } else if t.eq_ignore_ascii_case(b"reaction") {
        Ok(MessageKind::Reaction)
    } else if t.is_empty() {
        Err(ReadErrorKind::Missing {
            field: "message_type",
            message: "outbound row without message_type: give template, free_form, \
                      business_agent or reaction",
        })
    } else {
        Err(bad(
            "message_type",
            t,
            "is not template, free_form, business_agent or reaction",
        ))
    }
}

/// A field whose bytes are not a value the column allows.
fn bad(field: &'static str, value: &[u8], problem: &'static str) -> ReadErrorKind {
    ReadErrorKind::bad_text(field, &String::from_utf8_lossy(value), problem)
}

impl<R: Read> Iterator for CanonicalReader<R> {
    type Item = Result<Event, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(e) = self.header_error.take() {
            self.done = true;
            return Some(Err(e));
        }
        loop {
            if self.done {
                return None;
            }
            let record = match self.records.next_record() {
                Ok(Some(r)) => r,
                Ok(None) => {
                    self.done = true;
                    return None;
                }
                // The reader goes on after a bad quote (the line is the bad row), and ends
                // the input after any other error.
                Err(e) => return Some(Err(e.into_read_error(&self.file))),
            };
            // A line of spaces is no row.
            if record.len() == 1 && record.get(0).unwrap_or_default().trim_ascii().is_empty() {
                continue;
            }
            let line = record.line();
            self.line = line;
            let parsed = if record.len() != self.width {
                Err(ReadError::at_line(
                    &self.file,
                    line,
                    ReadErrorKind::FieldCount {
                        expected: self.width,
                        found: record.len(),
                    },
                ))
            } else {
                match self.parser.as_mut() {
                    Some(p) => p.parse(&record, line),
                    None => Err(ReadError::at_line(
                        &self.file,
                        line,
                        ReadErrorKind::RowBeforeHeader,
                    )),
                }
            };
            return Some(parsed.map_err(|e| e.with_raw(record.joined())));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Vec<Result<Event, ReadError>> {
        CanonicalReader::new(text.as_bytes(), "log.csv").collect()
    }

    #[test]
    fn spreadsheet_dialects_read_the_same() {
        // Saved by a spreadsheet in a comma-decimal locale: `;` between fields, a byte order
        // mark, headers as people write them, CRLF line ends; and the same with tabs.
        let semicolons = "\u{feff}Timestamp;Business;Contact;Direction;Message Type;Category;Status;Message ID\r\n\
                          2026-02-02T10:00:00Z;+15550001;+5511987654321;outbound;template;marketing;delivered;w1\r\n\
                          2026-02-02T10:05:00Z;+15550001;+5511987654321;inbound;;;;w2\r\n";
        let tabs = semicolons.replace(';', "\t");
        for text in [semicolons.to_string(), tabs] {
            let rows = read(&text);
            assert_eq!(rows.len(), 2, "{text:?}");
            let first = rows[0].as_ref().expect("a row");
            assert_eq!(first.time_ms, 1_770_026_400_000);
            assert_eq!(first.kind, MessageKind::Template(Category::Marketing));
            assert_eq!(
                first.message_id.map(|m| m.to_string()).as_deref(),
                Some("w1")
            );
            assert_eq!(
                rows[1].as_ref().expect("a row").direction,
                Direction::Inbound
            );
        }
    }

    #[test]
    fn excel_serial_dates_and_workbooks_are_named() {
        let text =
            "timestamp,business,contact,direction\n45689.4166,+15550001,+5511987654321,inbound\n";
        let e = read(text)[0].clone().expect_err("a serial date");
        assert_eq!(
            e.to_string(),
            "log.csv:2: timestamp \"45689.4166\" looks like an Excel serial date (days since \
             1899-12-30): format the column as yyyy-mm-ddThh:mm:ssZ before saving the CSV"
        );
        let e = read("PK\u{3}\u{4}rest of a zip")[0]
            .clone()
            .expect_err("a workbook");
        assert_eq!(*e.kind, ReadErrorKind::Workbook);
        assert!(
            e.to_string()
                .starts_with("log.csv:1: this is an Excel workbook (.xlsx)")
        );
    }

    #[test]
    fn any_column_order_and_unknown_columns() {
        let rows = read(
            "note,direction,contact,timestamp,business,category,message_type\n\
             hi,outbound,+55 11 98765-4321,2026-02-02T10:00:00Z,15550000000,marketing,template\n\
             x,inbound,5511987654321,1770026400,+1 555 000 0000,,\n",
        );
        let a = rows[0].as_ref().unwrap();
        assert_eq!(a.kind, MessageKind::Template(Category::Marketing));
        assert_eq!(a.status, Status::Delivered);
        assert_eq!(a.time_ms, 1_770_026_400_000);
        let b = rows[1].as_ref().unwrap();
        assert_eq!(
            (b.direction, b.contact, b.business),
            (Direction::Inbound, a.contact, a.business)
        );
    }

    #[test]
    fn bad_rows_name_line_and_reason() {
        let rows = read(
            "timestamp,business,contact,direction,message_type,category\n\
             2026-02-02T10:00:00Z,b,+5511987654321,outbound,template,promo\n\
             soon,b,+5511987654321,outbound,template,marketing\n\
             2026-02-02T10:00:00Z,b,hello,outbound,template,marketing\n\
             2026-02-02T10:00:00Z,b,+5511987654321,sideways,template,marketing\n\
             2026-02-02T10:00:00Z,b,+5511987654321\n",
        );
        let msgs: Vec<String> = rows
            .iter()
            .map(|r| r.as_ref().unwrap_err().to_string())
            .collect();
        assert_eq!(
            msgs[0],
            "log.csv:2: category \"promo\" is not marketing, utility or authentication"
        );
        assert_eq!(
            msgs[1],
            "log.csv:3: timestamp \"soon\" is neither RFC 3339 (2026-02-02T10:00:00Z) nor Unix seconds"
        );
        assert!(
            msgs[2].starts_with("log.csv:4: contact: \"hello\" is not a phone number"),
            "{}",
            msgs[2]
        );
        assert_eq!(
            msgs[3],
            "log.csv:5: direction \"sideways\" is neither inbound nor outbound"
        );
        assert_eq!(
            msgs[4],
            "log.csv:6: expected 6 fields like the header, found 3"
        );
    }

    #[test]
    fn windows_line_ends_name_the_right_line() {
        // The csv crate would say line 2 here: it counts the `\n` of a `\r\n` late.
        let rows = read(
            "timestamp,business,contact,direction\r\n\
             2026-02-02T10:00:00Z,b,+5511987654321,inbound\r\n\
             \r\n\
             soon,b,+5511987654321,inbound\r\n",
        );
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[1].as_ref().unwrap_err().to_string(),
            "log.csv:4: timestamp \"soon\" is neither RFC 3339 (2026-02-02T10:00:00Z) nor Unix seconds"
        );
    }

    #[test]
    fn missing_columns_and_empty_files() {
        let rows = read("timestamp,contact,direction\n");
        assert!(
            rows[0]
                .as_ref()
                .unwrap_err()
                .to_string()
                .contains("missing required column \"business\"")
        );
        assert!(read("").is_empty(), "an empty log is a valid log");
        assert!(read("timestamp,business,contact,direction\n").is_empty());
    }

    #[test]
    fn invalid_utf8_is_an_error() {
        let mut bytes = b"timestamp,business,contact,direction\n2026-02-02T10:00:00Z,".to_vec();
        bytes.extend_from_slice(&[0xff, 0xfe]);
        bytes.extend_from_slice(b",+5511987654321,inbound\n");
        let rows: Vec<_> = CanonicalReader::new(bytes.as_slice(), "log.csv").collect();
        assert_eq!(
            rows[0].as_ref().unwrap_err().to_string(),
            "log.csv:2: business is not valid UTF-8"
        );
    }
}
