//! Twilio message logs: the console's CSV export and Message-resource JSON.
//!
//! # Layouts
//!
//! - **Console CSV**, with the header `From,To,Body,Status,SentDate,ApiVersion,NumSegments,
//!   ErrorCode,AccountSid,Sid,Direction,Price,PriceUnit`. Columns are found by name, in any
//!   order and any case (the API's names, `date_sent`, `date_created`, are accepted too);
//!   `From`, `To`, `Status`, `Direction` and a date column are required, `Body` and `Sid` are
//!   optional.
//! - **Message-resource JSON**: one message object, an array of them, a page of the list API
//!   (`{"messages":[…]}`), or JSON lines of them (as BulkExport writes). The API's snake_case
//!   names and the helper libraries' camelCase names (`dateSent`) are both read. The date is
//!   `date_sent`, else `date_created` (queued and failed messages have no `date_sent`), else
//!   `date_updated`.
//!
//! The format is told by the first character: `{` or `[` is JSON, anything else CSV.
//!
//! A CSV message body may hold line breaks (inside quotes, as the console writes them); no
//! other column may. A row that spans lines is taken for a quote left open, an error at the
//! line where the row starts (reading goes on at the next line), when another field holds a
//! line break, when it has more or fewer fields than the header, or when its body holds what
//! only a row has: a cell that is a Twilio direction (`outbound-api`…), or, on a line after
//! the first, a cell that is an address (`whatsapp:+…`). Lines, and rows that span lines, are
//! at most [`DEFAULT_MAX_LINE_BYTES`] long unless [`TwilioReader::with_max_line`] says
//! otherwise.
//!
//! # What becomes an [`Event`]
//!
//! Each WhatsApp message is one event; rows whose `From` and `To` both lack the `whatsapp:`
//! prefix are SMS (or other channels) and are skipped ([`TwilioReader::not_whatsapp`]).
//!
//! | Twilio | event |
//! |---|---|
//! | `Direction` `inbound` | inbound, contact = `From`, business = `To`, free-form, delivered |
//! | `outbound-api`, `outbound-call`, `outbound-reply` | outbound, contact = `To`, business = `From` |
//! | `Status` | [`Status::parse`]: `delivered`, `read`, `sent`/`queued`/`accepted`/`sending`, `failed`/`undelivered`; also `scheduled` (sent) and `canceled` (failed: never sent) |
//! | `SentDate` | `2026-02-02 10:00:00` (UTC), RFC 2822 (`Thu, 24 Aug 2023 05:01:45 +0000`) or RFC 3339 |
//! | `Sid` | the message id |
//!
//! The WABA is not in Twilio's logs: every event has [`Event::default_waba`]. `Price` and
//! `PriceUnit` are Twilio's charge and are not read.
//!
//! # Templates: assumed
//!
//! Twilio's logs do not say whether an outbound message was a template, nor its category. The
//! reader decides from [`TwilioOptions`], in this order:
//!
//! 1. a body containing one of the `mapping` patterns (case-insensitive substring; the first
//!    matching pattern wins) is a template of that pattern's category (counted as `mapped`);
//! 2. an `outbound-reply` (Twilio's answer within a webhook to an inbound message) is
//!    free-form;
//! 3. an `outbound-api` or `outbound-call` is a template of `template_category` when that is
//!    set, else free-form.
//!
//! Rules 2 and 3 are assumptions, counted in [`Assumptions`] so that a summary can say how many
//! messages were priced on an assumption. A category `service` means free-form, and
//! `authentication_international` means an authentication template (the rate is the
//! classifier's business).

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};

use chrono::{DateTime, NaiveDateTime};
use serde_json::Value;

use super::json::JsonDocs;
use super::records::{DEFAULT_MAX_LINE_BYTES, Fields as _, Record, Records};
use super::time::parse_timestamp;
use super::{ReadError, ReadErrorKind};
use crate::event::{BusinessId, Direction, Event, MessageId, MessageKind, Status};
use crate::pricing::category::Category;
use crate::pricing::phone::ContactNumber;

/// How to tell templates from free-form messages in a Twilio log (see the
/// [module docs](self)).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TwilioOptions {
    /// The category of an `outbound-api` message no pattern matched; `None`: free-form.
    pub template_category: Option<Category>,
    /// Body patterns (case-insensitive substrings) and the template category they mean; empty
    /// patterns are ignored.
    pub mapping: Vec<(String, Category)>,
    /// The CSV field separator; `None`: told from the header (`;` or a tab when it holds
    /// more of them than commas, as a spreadsheet saves an export in many locales).
    pub delimiter: Option<u8>,
}

/// How many outbound messages were priced on an assumption, and how many by a pattern.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Assumptions {
    /// `outbound-api` messages taken as templates of the default category.
    pub assumed_template: u64,
    /// Outbound messages taken as free-form (replies, or no default category).
    pub assumed_free_form: u64,
    /// Outbound messages whose body matched a mapping pattern.
    pub mapped: u64,
}

#[derive(Clone, Copy)]
struct Columns {
    from: usize,
    to: usize,
    status: usize,
    date: usize,
    direction: usize,
    body: Option<usize>,
    sid: Option<usize>,
}

/// One message's fields as text, from either layout.
#[derive(Default)]
struct Fields<'a> {
    from: &'a str,
    to: &'a str,
    body: &'a str,
    status: &'a str,
    date: &'a str,
    direction: &'a str,
    sid: &'a str,
}

enum Source<R: Read> {
    Csv {
        records: Box<Records<BufReader<R>>>,
        cols: Option<Columns>,
        /// Fields in the header: every row must have as many.
        width: usize,
    },
    Json {
        buf: Vec<u8>,
        docs: JsonDocs,
    },
    Done,
}

/// Reads a Twilio log as a stream of events. See the [module docs](self).
pub struct TwilioReader<R: Read> {
    file: String,
    template_category: Option<Category>,
    mapping: Vec<(String, Category)>,
    source: Source<R>,
    queue: VecDeque<Result<Event, ReadError>>,
    /// Where the last event returned was read.
    last: Option<super::Position>,
    /// The byte offset of the JSON document the queued events come from.
    queued_from: u64,
    assumptions: Assumptions,
    not_whatsapp: u64,
    cache: Vec<(String, BusinessId)>,
}

impl<'a> TwilioReader<&'a [u8]> {
    /// Reads from bytes.
    pub fn from_bytes(bytes: &'a [u8], file: &str, options: TwilioOptions) -> Self {
        TwilioReader::new(bytes, file, options)
    }
}

impl<R: Read> TwilioReader<R> {
    /// Starts reading: tells CSV from JSON and reads the CSV header (or the whole JSON).
    pub fn new(input: R, file: &str, options: TwilioOptions) -> TwilioReader<R> {
        TwilioReader::with_max_line(input, file, options, DEFAULT_MAX_LINE_BYTES)
    }

    /// [`TwilioReader::new`], with CSV lines (and rows spanning lines) of at most
    /// `max_line_bytes`.
    pub fn with_max_line(
        input: R,
        file: &str,
        options: TwilioOptions,
        max_line_bytes: usize,
    ) -> TwilioReader<R> {
        let delimiter = options.delimiter;
        let mut r = TwilioReader {
            file: file.to_string(),
            template_category: options.template_category,
            mapping: options
                .mapping
                .into_iter()
                .filter(|(p, _)| !p.trim().is_empty())
                .map(|(p, c)| (p.to_lowercase(), c))
                .collect(),
            source: Source::Done,
            queue: VecDeque::new(),
            last: None,
            queued_from: 0,
            assumptions: Assumptions::default(),
            not_whatsapp: 0,
            cache: Vec::new(),
        };
        let mut input = BufReader::with_capacity(1 << 16, input);
        match input.fill_buf().map(super::detect::utf16) {
            Ok(Some(big_endian)) => {
                let kind = ReadErrorKind::Utf16 { big_endian };
                r.queue.push_back(Err(ReadError::at_line(file, 1, kind)));
                return r;
            }
            Ok(None) => {}
            Err(e) => {
                r.queue
                    .push_back(Err(ReadError::at_line(file, 1, ReadErrorKind::io(e))));
                return r;
            }
        }
        let first = match first_byte(&mut input) {
            Ok(b) => b,
            Err(e) => {
                r.queue
                    .push_back(Err(ReadError::at_line(file, 1, ReadErrorKind::io(e))));
                return r;
            }
        };
        match first {
            None => {}
            Some(b'{' | b'[') => {
                let mut buf = Vec::new();
                if let Err(e) = input.read_to_end(&mut buf) {
                    r.queue
                        .push_back(Err(ReadError::at_byte(file, 0, ReadErrorKind::io(e))));
                    return r;
                }
                r.source = Source::Json {
                    buf,
                    docs: JsonDocs::default(),
                };
            }
            Some(_) => {
                let delimiter =
                    delimiter.unwrap_or_else(|| super::detect::csv_delimiter(input.buffer()));
                let mut records = Records::new(input)
                    .max_line_bytes(max_line_bytes)
                    .multiline(true);
                if delimiter != b',' {
                    records.set_delimiter(delimiter);
                }
                r.source = Source::Csv {
                    records: Box::new(records),
                    cols: None,
                    width: 0,
                };
                if let Err(e) = r.read_header() {
                    r.queue.push_back(Err(e));
                    r.source = Source::Done;
                }
            }
        }
        r
    }

    /// What was assumed about outbound messages so far.
    pub fn assumptions(&self) -> Assumptions {
        self.assumptions
    }

    /// Where the last event returned was read: its line (CSV) or the byte offset of its JSON
    /// document.
    pub fn last_position(&self) -> Option<super::Position> {
        self.last
    }

    /// Rows skipped so far because they are not WhatsApp messages (SMS, other channels).
    pub fn not_whatsapp(&self) -> u64 {
        self.not_whatsapp
    }

    fn read_header(&mut self) -> Result<(), ReadError> {
        let Source::Csv {
            records,
            cols,
            width,
        } = &mut self.source
        else {
            return Ok(());
        };
        let header = match records.next_record() {
            Ok(Some(h)) => h,
            Ok(None) => return Ok(()),
            Err(e) => return Err(e.into_read_error(&self.file)),
        };
        *width = header.len();
        let names: Vec<String> = (0..header.len())
            .map(|i| header.get(i).unwrap_or_default())
            .map(|f| {
                String::from_utf8_lossy(f)
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect::<String>()
                    .to_ascii_lowercase()
            })
            .collect();
        let find = |options: &[&str]| {
            options
                .iter()
                .find_map(|n| names.iter().position(|h| h == n))
        };
        let file = &self.file;
        let need = |column: &'static str, options: &[&str]| {
            find(options).ok_or_else(|| {
                let kind = ReadErrorKind::MissingColumn {
                    column,
                    needed: "a Twilio export names From, To, Status, SentDate and Direction",
                    found: header.joined(),
                };
                ReadError::at_line(file, 1, kind)
            })
        };
        *cols = Some(Columns {
            from: need("From", &["from"])?,
            to: need("To", &["to"])?,
            status: need("Status", &["status"])?,
            date: need(
                "SentDate",
                &["sentdate", "datesent", "datecreated", "date", "dateupdated"],
            )?,
            direction: need("Direction", &["direction"])?,
            body: find(&["body"]),
            sid: find(&["sid", "messagesid"]),
        });
        Ok(())
    }

    fn next_csv(&mut self) -> Option<Result<Event, ReadError>> {
        loop {
            let Source::Csv {
                records,
                cols,
                width,
            } = &mut self.source
            else {
                return None;
            };
            let Some(c) = *cols else {
                self.source = Source::Done;
                return None;
            };
            let width = *width;
            let record = match records.next_record() {
                Ok(Some(r)) => r,
                Ok(None) => {
                    self.source = Source::Done;
                    return None;
                }
                // A quote left open is one bad row; any other error ends the input (the
                // reader returns nothing more).
                Err(e) => return Some(Err(e.into_read_error(&self.file))),
            };
            if record.len() == 1 && record.get(0).unwrap_or_default().trim_ascii().is_empty() {
                continue;
            }
            let line = record.line();
            if swallows_rows(&record, width, c.body) {
                // The row's first line is the bad row; the lines it took are read again.
                let e = match records.retract() {
                    Some(e) => e.into_read_error(&self.file),
                    None => ReadError::at_line(
                        &self.file,
                        line,
                        ReadErrorKind::UnclosedQuote { at_end: false },
                    ),
                };
                return Some(Err(e));
            }
            let raw = record.joined();
            let fail =
                |file: &str, kind| Some(Err(ReadError::at_line(file, line, kind).with_raw(raw)));
            if record.len() != width {
                let found = record.len();
                return fail(
                    &self.file,
                    ReadErrorKind::FieldCount {
                        expected: width,
                        found,
                    },
                );
            }
            let f = |i: usize| String::from_utf8_lossy(record.get(i).unwrap_or(b"")).into_owned();
            let opt = |i: Option<usize>| i.map(f).unwrap_or_default();
            let (from, to, body, status, date, direction, sid) = (
                f(c.from),
                f(c.to),
                opt(c.body),
                f(c.status),
                f(c.date),
                f(c.direction),
                opt(c.sid),
            );
            let fields = Fields {
                from: &from,
                to: &to,
                body: &body,
                status: &status,
                date: &date,
                direction: &direction,
                sid: &sid,
            };
            match self.event(&fields) {
                Ok(Some(e)) => {
                    self.last = Some(super::Position::Line(line));
                    return Some(Ok(e));
                }
                Ok(None) => continue,
                Err(kind) => return fail(&self.file, kind),
            }
        }
    }

    fn next_json_doc(&mut self) -> bool {
        let Source::Json { buf, docs } = &mut self.source else {
            return false;
        };
        match docs.next(buf) {
            None => {
                self.source = Source::Done;
                false
            }
            Some(Err(e)) => {
                self.queue.push_back(Err(e.at(&self.file)));
                true
            }
            Some(Ok((offset, doc))) => {
                self.queued_from = offset as u64;
                let list = match &doc {
                    Value::Array(a) => Some(a),
                    Value::Object(o) => o.get("messages").and_then(Value::as_array),
                    _ => None,
                };
                match list {
                    Some(list) => {
                        for (i, m) in list.iter().enumerate() {
                            self.json_message(offset, &format!("messages[{i}]"), m);
                        }
                    }
                    None => self.json_message(offset, "", &doc),
                }
                true
            }
        }
    }

    fn json_message(&mut self, offset: usize, path: &str, m: &Value) {
        let result = if m.is_object() {
            self.json_event(m)
        } else {
            Err(ReadErrorKind::NotTwilioMessage)
        };
        match result {
            Ok(Some(e)) => self.queue.push_back(Ok(e)),
            Ok(None) => {}
            Err(kind) => {
                let e = ReadError::at_byte(&self.file, offset as u64, kind)
                    .within(path)
                    .with_raw(m.to_string());
                self.queue.push_back(Err(e));
            }
        }
    }

    fn json_event(&mut self, m: &Value) -> Result<Option<Event>, ReadErrorKind> {
        let get = |keys: &[&str]| -> String {
            keys.iter()
                .find_map(|k| match m.get(*k) {
                    Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
                    Some(Value::Number(n)) => Some(n.to_string()),
                    _ => None,
                })
                .unwrap_or_default()
        };
        let (from, to, body, status, date, direction, sid) = (
            get(&["from"]),
            get(&["to"]),
            get(&["body"]),
            get(&["status"]),
            get(&[
                "date_sent",
                "dateSent",
                "date_created",
                "dateCreated",
                "date_updated",
                "dateUpdated",
            ]),
            get(&["direction"]),
            get(&["sid"]),
        );
        self.event(&Fields {
            from: &from,
            to: &to,
            body: &body,
            status: &status,
            date: &date,
            direction: &direction,
            sid: &sid,
        })
    }

    /// The event of one message; `None` for a message of another channel.
    fn event(&mut self, f: &Fields) -> Result<Option<Event>, ReadErrorKind> {
        let whatsapp = |a: &str| {
            let t = a.trim().as_bytes();
            t.len() >= 9 && t[..9].eq_ignore_ascii_case(b"whatsapp:")
        };
        if !whatsapp(f.from) && !whatsapp(f.to) {
            self.not_whatsapp += 1;
            return Ok(None);
        }
        let d = f.direction.trim();
        let (direction, reply) = if d.eq_ignore_ascii_case("inbound") {
            (Direction::Inbound, false)
        } else if d.eq_ignore_ascii_case("outbound-reply") {
            (Direction::Outbound, true)
        } else if d.eq_ignore_ascii_case("outbound-api")
            || d.eq_ignore_ascii_case("outbound-call")
            || d.eq_ignore_ascii_case("outbound")
        {
            (Direction::Outbound, false)
        } else {
            return Err(ReadErrorKind::bad_text(
                "direction",
                d,
                "is not inbound, outbound-api, outbound-call or outbound-reply",
            ));
        };
        let (contact_raw, business_raw, contact_col) = match direction {
            Direction::Inbound => (f.from, f.to, "From"),
            Direction::Outbound => (f.to, f.from, "To"),
        };
        let contact =
            ContactNumber::parse(contact_raw).map_err(|source| ReadErrorKind::Contact {
                field: contact_col,
                source,
            })?;
        if business_raw
            .trim()
            .trim_start_matches("whatsapp:")
            .trim()
            .is_empty()
        {
            return Err(ReadErrorKind::Missing {
                field: "business",
                message: "empty business address",
            });
        }
        let time = parse_date(f.date).ok_or_else(|| {
            ReadErrorKind::bad_text(
                "date",
                f.date.trim(),
                "is not 2026-02-02 10:00:00, RFC 2822 or RFC 3339",
            )
        })?;
        let status = match direction {
            Direction::Inbound => Status::Delivered,
            Direction::Outbound => parse_status(f.status).ok_or_else(|| {
                ReadErrorKind::bad_text(
                    "status",
                    f.status.trim(),
                    "is not delivered, read, sent, queued, failed or undelivered",
                )
            })?,
        };
        let business = self.business(business_raw);
        let kind = match direction {
            Direction::Inbound => MessageKind::FreeForm,
            Direction::Outbound => self.outbound_kind(f.body, reply),
        };
        Ok(Some(Event {
            time_ms: time,
            business,
            waba: Event::default_waba(),
            contact,
            direction,
            kind,
            status,
            message_id: MessageId::new(f.sid.as_bytes()),
            entry_point: None,
            verdict: None,
            details: crate::event::Details::NONE,
        }))
    }

    fn outbound_kind(&mut self, body: &str, reply: bool) -> MessageKind {
        if !self.mapping.is_empty() {
            let body = body.to_lowercase();
            if let Some((_, c)) = self.mapping.iter().find(|(p, _)| body.contains(p.as_str())) {
                self.assumptions.mapped += 1;
                return kind_of(*c);
            }
        }
        match (reply, self.template_category) {
            (false, Some(c)) => {
                let kind = kind_of(c);
                if kind == MessageKind::FreeForm {
                    self.assumptions.assumed_free_form += 1;
                } else {
                    self.assumptions.assumed_template += 1;
                }
                kind
            }
            _ => {
                self.assumptions.assumed_free_form += 1;
                MessageKind::FreeForm
            }
        }
    }

    fn business(&mut self, raw: &str) -> BusinessId {
        if let Some((_, id)) = self.cache.iter().find(|(k, _)| k == raw) {
            return *id;
        }
        let id = BusinessId::intern(raw);
        if self.cache.len() >= 16 {
            self.cache.remove(0);
        }
        self.cache.push((raw.to_string(), id));
        id
    }
}

impl<R: Read> Iterator for TwilioReader<R> {
    type Item = Result<Event, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            // The queue holds the messages of one JSON document at a time (or the errors
            // of opening the file).
            if let Some(item) = self.queue.pop_front() {
                if item.is_ok() {
                    self.last = Some(super::Position::Byte(self.queued_from));
                }
                return Some(item);
            }
            match self.source {
                Source::Done => return None,
                Source::Csv { .. } => return self.next_csv(),
                Source::Json { .. } => {
                    if !self.next_json_doc() {
                        continue;
                    }
                }
            }
        }
    }
}

/// Whether a row that spans lines is rather a quote left open that took the rows after it
/// (see the [module docs](self)); never for a row on one line.
fn swallows_rows(record: &Record<'_>, width: usize, body: Option<usize>) -> bool {
    let breaks = |f: &[u8]| f.contains(&b'\n') || f.contains(&b'\r');
    let fields = || (0..record.len()).filter_map(|i| record.get(i).map(|f| (i, f)));
    if !fields().any(|(_, f)| breaks(f)) {
        return false;
    }
    if record.len() != width || fields().any(|(i, f)| Some(i) != body && breaks(f)) {
        return true;
    }
    let Some(text) = body.and_then(|b| record.get(b)) else {
        return false;
    };
    let text = String::from_utf8_lossy(text);
    text.split(['\n', '\r']).enumerate().any(|(i, line)| {
        line.split(',').any(|cell| {
            let cell = cell.trim();
            is_direction(cell) || (i > 0 && is_address(cell))
        })
    })
}

fn is_direction(cell: &str) -> bool {
    ["inbound", "outbound-api", "outbound-reply", "outbound-call"]
        .iter()
        .any(|d| cell.eq_ignore_ascii_case(d))
}

/// `whatsapp:+5511987654321`, `+5511987654321`: an address as a Twilio row writes one.
fn is_address(cell: &str) -> bool {
    let t = cell.as_bytes();
    let t = if t.len() >= 9 && t[..9].eq_ignore_ascii_case(b"whatsapp:") {
        &t[9..]
    } else if t.first() == Some(&b'+') {
        t
    } else {
        return false;
    };
    let digits = t.strip_prefix(b"+").unwrap_or(t);
    digits.len() >= 7 && digits.iter().all(u8::is_ascii_digit)
}

fn kind_of(c: Category) -> MessageKind {
    match c {
        Category::Service => MessageKind::FreeForm,
        Category::AuthenticationInternational => MessageKind::Template(Category::Authentication),
        c => MessageKind::Template(c),
    }
}

fn parse_status(s: &str) -> Option<Status> {
    let t = s.trim();
    Status::parse(t.as_bytes()).or_else(|| {
        if t.eq_ignore_ascii_case("scheduled") {
            Some(Status::Sent)
        } else if t.eq_ignore_ascii_case("canceled") || t.eq_ignore_ascii_case("cancelled") {
            Some(Status::Failed)
        } else if t.eq_ignore_ascii_case("partially_delivered") {
            Some(Status::Delivered)
        } else {
            None
        }
    })
}

/// Parses the dates Twilio writes: `2026-02-02 10:00:00` (UTC), RFC 2822, RFC 3339, Unix
/// seconds; into Unix milliseconds.
pub fn parse_date(raw: &str) -> Option<i64> {
    let t = raw.trim();
    if t.is_empty() {
        return None;
    }
    if let Some(v) = parse_timestamp(t.as_bytes()) {
        return Some(v);
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(t) {
        return Some(d.timestamp_millis());
    }
    let t = t
        .strip_suffix(" UTC")
        .or_else(|| t.strip_suffix(" GMT"))
        .unwrap_or(t);
    [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
    .map(|n| n.and_utc().timestamp_millis())
}

/// The first byte that is not whitespace or a byte-order mark, without consuming anything (so
/// that CSV line numbers and JSON byte offsets stay those of the file), except whitespace that
/// fills a whole buffer.
fn first_byte<R: Read>(input: &mut BufReader<R>) -> std::io::Result<Option<u8>> {
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(None);
        }
        let start = if buf.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        if let Some(b) = buf[start..].iter().find(|c| !c.is_ascii_whitespace()) {
            return Ok(Some(*b));
        }
        let n = buf.len();
        input.consume(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::Position;
    use proptest::prelude::*;

    const EXPORT: &str = include_str!("../../../../tests/data/twilio_export.csv");
    const PAGE: &str = include_str!("../../../../tests/data/twilio_messages.json");

    fn options() -> TwilioOptions {
        TwilioOptions {
            template_category: Some(Category::Marketing),
            mapping: vec![("YOUR CODE IS".into(), Category::AuthenticationInternational)],
            delimiter: None,
        }
    }

    fn n(s: &str) -> ContactNumber {
        s.parse().unwrap()
    }

    fn ev(
        time: i64,
        direction: Direction,
        contact: &str,
        kind: MessageKind,
        status: Status,
        sid: &str,
    ) -> Event {
        Event {
            time_ms: time * 1000,
            business: BusinessId::intern("+14155550100"),
            waba: Event::default_waba(),
            contact: n(contact),
            direction,
            kind,
            status,
            message_id: MessageId::new(sid.as_bytes()),
            entry_point: None,
            verdict: None,
            details: crate::event::Details::NONE,
        }
    }

    #[test]
    fn console_export() {
        use Direction::{Inbound, Outbound};
        use MessageKind::{FreeForm, Template};
        let mut r = TwilioReader::from_bytes(EXPORT.as_bytes(), "export.csv", options());
        let events: Vec<Event> = r.by_ref().map(Result::unwrap).collect();
        let (a, b, c) = ("+5511987654321", "+447700900123", "+919812345678");
        let sid = |i: u32| format!("SM{i:032}");
        let expected = [
            ev(
                1_770_026_400,
                Inbound,
                a,
                FreeForm,
                Status::Delivered,
                &sid(1),
            ),
            ev(
                1_770_026_460,
                Outbound,
                a,
                FreeForm,
                Status::Delivered,
                &sid(2),
            ),
            ev(
                1_770_030_000,
                Outbound,
                a,
                Template(Category::Authentication),
                Status::Delivered,
                &sid(3),
            ),
            ev(
                1_770_033_600,
                Outbound,
                b,
                Template(Category::Marketing),
                Status::Read,
                &sid(4),
            ),
            ev(
                1_770_037_200,
                Outbound,
                c,
                Template(Category::Marketing),
                Status::Failed,
                &sid(5),
            ),
            ev(
                1_770_033_900,
                Inbound,
                b,
                FreeForm,
                Status::Delivered,
                &sid(7),
            ),
        ];
        assert_eq!(events, expected);
        assert_eq!(
            r.assumptions(),
            Assumptions {
                assumed_template: 2,
                assumed_free_form: 1,
                mapped: 1
            }
        );
        assert_eq!(r.not_whatsapp(), 1);
    }

    #[test]
    fn without_options_outbound_api_is_free_form() {
        let mut r =
            TwilioReader::from_bytes(EXPORT.as_bytes(), "export.csv", TwilioOptions::default());
        let kinds: Vec<MessageKind> = r.by_ref().map(|e| e.unwrap().kind).collect();
        assert!(kinds.iter().all(|k| *k == MessageKind::FreeForm));
        assert_eq!(
            r.assumptions(),
            Assumptions {
                assumed_template: 0,
                assumed_free_form: 4,
                mapped: 0
            }
        );
    }

    #[test]
    fn columns_by_name_in_any_order() {
        let text = "sid,direction,status,date_sent,to,from\n\
                    SM1,outbound-call,undelivered,2026-02-02T10:00:00-03:00,whatsapp:+5511987654321,whatsapp:+14155550100\n";
        let e: Vec<_> = TwilioReader::from_bytes(text.as_bytes(), "x.csv", options()).collect();
        let e = e[0].as_ref().unwrap();
        assert_eq!(
            (e.time_ms, e.status, e.kind),
            (
                1_770_037_200_000,
                Status::Failed,
                MessageKind::Template(Category::Marketing)
            )
        );
        let rows: Vec<_> =
            TwilioReader::from_bytes(&b"From,To,Body\n"[..], "x.csv", options()).collect();
        let err = rows[0].as_ref().unwrap_err();
        assert!(err.is_fatal());
        assert!(
            err.to_string()
                .starts_with("x.csv:1: missing required column \"Status\""),
            "{err}"
        );
    }

    #[test]
    fn message_resource_json() {
        let mut r = TwilioReader::from_bytes(PAGE.as_bytes(), "page.json", options());
        let events: Vec<Event> = r.by_ref().map(Result::unwrap).collect();
        let a = "+5511987654321";
        assert_eq!(
            events,
            [
                // Queued: no date_sent, so date_created.
                ev(
                    1_770_040_800,
                    Direction::Outbound,
                    a,
                    MessageKind::Template(Category::Marketing),
                    Status::Sent,
                    &format!("SM{:032}", 10)
                ),
                ev(
                    1_770_041_400,
                    Direction::Inbound,
                    a,
                    MessageKind::FreeForm,
                    Status::Delivered,
                    &format!("SM{:032}", 11)
                ),
            ]
        );
        assert_eq!(r.assumptions().assumed_template, 1);
        // A bare array, a single object and JSON lines read the same messages.
        let page: Value = serde_json::from_str(PAGE).unwrap();
        let list = &page["messages"];
        let lines: String = list
            .as_array()
            .unwrap()
            .iter()
            .map(|m| format!("{m}\n"))
            .collect();
        for text in [list.to_string(), lines] {
            let got: Vec<Event> = TwilioReader::from_bytes(text.as_bytes(), "x.json", options())
                .map(Result::unwrap)
                .collect();
            assert_eq!(got, events);
        }
        let one: Vec<_> =
            TwilioReader::from_bytes(list[1].to_string().as_bytes(), "x.json", options()).collect();
        assert_eq!(one.len(), 1);
        // camelCase, as the helper libraries write it.
        let camel = r#"{"from":"whatsapp:+14155550100","to":"whatsapp:+447700900123","direction":"outbound-reply","status":"read","dateSent":"2026-02-02T10:00:00Z","sid":"SMx"}"#;
        let e: Vec<_> = TwilioReader::from_bytes(camel.as_bytes(), "x.json", options()).collect();
        assert_eq!(e[0].as_ref().unwrap().time_ms, 1_770_026_400_000);
    }

    #[test]
    fn bad_rows_name_line_and_reason() {
        let text = "From,To,Status,SentDate,Direction,Sid\n\
                    whatsapp:+14155550100,whatsapp:+5511987654321,delivered,yesterday,outbound-api,S1\n\
                    whatsapp:+14155550100,whatsapp:+5511987654321,lost,2026-02-02 10:00:00,outbound-api,S2\n\
                    whatsapp:+14155550100,whatsapp:+5511987654321,sent,2026-02-02 10:00:00,sideways,S3\n\
                    whatsapp:+14155550100,whatsapp:hello,sent,2026-02-02 10:00:00,outbound-api,S4\n\
                    whatsapp:+14155550100,whatsapp:+5511987654321,sent\n";
        let rows: Vec<_> = TwilioReader::from_bytes(text.as_bytes(), "t.csv", options()).collect();
        let msgs: Vec<String> = rows
            .iter()
            .map(|r| r.as_ref().unwrap_err().to_string())
            .collect();
        assert_eq!(
            msgs[0],
            "t.csv:2: date \"yesterday\" is not 2026-02-02 10:00:00, RFC 2822 or RFC 3339"
        );
        assert_eq!(
            msgs[1],
            "t.csv:3: status \"lost\" is not delivered, read, sent, queued, failed or undelivered"
        );
        assert_eq!(
            msgs[2],
            "t.csv:4: direction \"sideways\" is not inbound, outbound-api, outbound-call or outbound-reply"
        );
        assert!(msgs[3].starts_with("t.csv:5: To: "), "{}", msgs[3]);
        // A truncated last row.
        assert_eq!(
            msgs[4],
            "t.csv:6: expected 6 fields like the header, found 3"
        );
        assert_eq!(
            rows[4].as_ref().unwrap_err().raw.as_deref(),
            Some("whatsapp:+14155550100,whatsapp:+5511987654321,sent")
        );
        assert_eq!(
            rows[0]
                .as_ref()
                .unwrap_err()
                .raw
                .as_deref()
                .map(|r| r.ends_with(",S1")),
            Some(true)
        );
    }

    #[test]
    fn a_body_may_span_lines_and_a_quote_left_open_takes_no_row() {
        let head = "From,To,Body,Status,SentDate,Direction,Sid\n";
        let row = |body: &str, minute: u32, sid: &str| {
            format!(
                "whatsapp:+14155550100,whatsapp:+5511987654321,{body},delivered,\
                 2026-02-02 10:{minute:02}:00,outbound-api,{sid}\n"
            )
        };
        let text = [
            head.to_string(),
            row("\"Your order:\n2 items, shipped\"", 0, "S1"),
            // A quote opened in the body and never closed on its line...
            row("\"oops", 1, "S2"),
            row("\"hello\"", 2, "S3"),
            // ... and one in another column.
            "whatsapp:+14155550100,\"whatsapp:+5511987654321,hi,delivered,2026-02-02 10:03:00,\
             outbound-api,S4\n"
                .to_string(),
            row("bye", 4, "S5"),
        ]
        .concat();
        let rows: Vec<String> = TwilioReader::from_bytes(text.as_bytes(), "t.csv", options())
            .map(|r| match r {
                Ok(e) => format!("{}", e.message_id.unwrap()),
                Err(e) => e.to_string(),
            })
            .collect();
        let open = "a quoted field runs past the end of its line: close its quote (a field \
                    cannot hold a line break)";
        assert_eq!(
            rows,
            [
                "S1".to_string(),
                format!("t.csv:4: {open}"),
                "S3".to_string(),
                format!("t.csv:6: {open}"),
                "S5".to_string(),
            ]
        );
    }

    #[test]
    fn truncated_files() {
        let cut = &EXPORT[..EXPORT.find("Big sale").unwrap()];
        let rows: Vec<_> =
            TwilioReader::from_bytes(cut.as_bytes(), "export.csv", options()).collect();
        assert_eq!(rows.len(), 4);
        assert_eq!(
            rows[3].as_ref().unwrap_err().to_string(),
            "export.csv:5: expected 13 fields like the header, found 3"
        );
        let cut = &PAGE[..PAGE.len() - 40];
        let rows: Vec<_> =
            TwilioReader::from_bytes(cut.as_bytes(), "page.json", options()).collect();
        assert_eq!(rows.len(), 1);
        let e = rows[0].as_ref().unwrap_err();
        assert_eq!(e.position, Position::Byte(cut.len() as u64));
        assert!(e.reason().starts_with("unexpected end of input"));
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("2026-02-02 10:00:00"), Some(1_770_026_400_000));
        assert_eq!(
            parse_date("Mon, 02 Feb 2026 10:00:00 +0000"),
            Some(1_770_026_400_000)
        );
        assert_eq!(
            parse_date("Mon, 02 Feb 2026 07:00:00 -0300"),
            Some(1_770_026_400_000)
        );
        assert_eq!(
            parse_date("2026-02-02T10:00:00.123Z"),
            Some(1_770_026_400_123)
        );
        assert_eq!(
            parse_date("2026-02-02 10:00:00 UTC"),
            Some(1_770_026_400_000)
        );
        assert_eq!(parse_date("2026-02-02 10:00"), Some(1_770_026_400_000));
        assert_eq!(parse_date("02/02/2026"), None);
        assert_eq!(parse_date(""), None);
    }

    #[test]
    fn empty_inputs() {
        assert_eq!(
            TwilioReader::from_bytes(&b""[..], "x", options()).count(),
            0
        );
        assert_eq!(
            TwilioReader::from_bytes(&b"\xEF\xBB\xBF \n"[..], "x", options()).count(),
            0
        );
        let header = "\u{feff}From,To,Status,SentDate,Direction\n";
        assert_eq!(
            TwilioReader::from_bytes(header.as_bytes(), "x", options()).count(),
            0
        );
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            for r in TwilioReader::from_bytes(&bytes, "x", options()) {
                let _ = r;
            }
        }

        #[test]
        fn csv_shaped_noise_never_panics(s in "[a-z:+0-9,\"\n -]{0,200}") {
            let text = format!("From,To,Body,Status,SentDate,Direction,Sid\n{s}");
            for r in TwilioReader::from_bytes(text.as_bytes(), "x", options()) {
                let _ = r;
            }
        }

        #[test]
        fn truncation_never_panics(cut in 0usize..PAGE.len()) {
            for r in TwilioReader::from_bytes(&PAGE.as_bytes()[..cut], "x", options()) {
                let _ = r;
            }
            let cut = cut.min(EXPORT.len());
            for r in TwilioReader::from_bytes(&EXPORT.as_bytes()[..cut], "x", options()) {
                let _ = r;
            }
        }
    }
}
