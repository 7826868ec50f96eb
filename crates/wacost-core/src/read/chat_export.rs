//! The phone app's "Export chat" text file (without media).
//!
//! # Format
//!
//! One message starts a line with its date and time, then its author and text; a line that
//! does not start a message continues the previous one. Lines end with `\n`, `\r\n` or a lone
//! `\r`, and are at most [`DEFAULT_MAX_LINE_BYTES`] long unless
//! [`ChatExportReader::with_max_line`] says otherwise (a longer line stops the reading: the
//! file is not a chat export, and the whole file is held in memory). The layout depends on the platform and
//! the phone's locale; the reader accepts these forms (and their mixes):
//!
//! | form | example |
//! |---|---|
//! | Android | `06/03/2017, 00:45 - Author: text` |
//! | Android, dotted date, 2-digit year | `15.04.16, 15:04 - Author: text` |
//! | Android, 12 h clock | `3/6/18, 1:55 p.m. - Author: text`, `2016-08-06, 1:23 PM - …` |
//! | ISO date | `2019-01-01 12:00 - Author: text` |
//! | iOS, bracketed | `[06.03.17, 00:45:12] Author: text`, `[1.1.2019, 12.00.00] …` |
//! | bracketed ISO | `[2019-04-16 02:09] Author: text` |
//! | other locales | `13.6.2018 klo 21.25.15 - …`, `13. 6. 2018. 21:25:15 Author: text`, `13.06.18 21.25.15: Author: text` |
//!
//! Dates are three numbers separated by `/`, `.` or `-` (a separator may be followed by a
//! space); a 4-digit first number is a year (year, month, day), otherwise the year comes last
//! (two digits mean 20yy). Times are `H:MM` or `H:MM:SS` (or with dots), optionally followed
//! by `AM`/`PM`, `a.m.`/`p.m.` or `a. m.`/`p. m.`, after a space, a no-break space or the
//! narrow no-break space (U+202F) iOS writes. U+200E and other direction marks at the start
//! of a line or an author are ignored.
//!
//! # Day and month order
//!
//! Inferred once per file from the dates that do not start with a year: if any first number
//! is above 12, dates are day-first; otherwise, if any second number is above 12, month-first;
//! otherwise day-first is **assumed** (most locales). [`ChatExportReader::date_order`] tells
//! which, and [`ChatExportReader::date_order_assumed`] whether it was a guess.
//!
//! # What becomes an [`Event`]
//!
//! - Lines without an `Author: ` part are system notices (encryption notice, "You created
//!   group", …), and so are lines whose "author" is over 60 characters or has quotes (`Ann
//!   changed the subject to "Sale: 50%"`). So are authored lines whose text is a known notice
//!   (iOS writes the encryption notice under the chat's name, group chats under the group's
//!   name): `end-to-end encrypted` and its German, Spanish, French and Portuguese forms,
//!   Meta's "secure service" notice, missed calls. They are skipped and counted
//!   ([`ChatExportReader::system_lines`]), together with any text before the first message.
//! - A message whose author is `business_name` (any case) or, when the author is a phone
//!   number, `business_number`, is **outbound** from `business_number`, delivered; any other
//!   author is **inbound** and delivered. The contact is the author when the author is a phone
//!   number, else [`ChatOptions::contact`]; an outbound message goes to the last inbound
//!   author's number (before any: `contact`, or else the first author of the file that is a
//!   number). When a message needs a contact and there is none (an author that is a name, and
//!   no `contact`), the file cannot be priced: the market depends on the number
//!   ([`ReadErrorKind::NoChatContact`](super::ReadErrorKind::NoChatContact), fatal). No
//!   stand-in number is ever made up.
//! - Times are local to [`ChatOptions::timezone`] (a time skipped by a daylight-saving change
//!   is read one hour later; a repeated one as its first occurrence), with the export's
//!   precision (minutes on Android).
//! - There are no message ids and no entry points.
//!
//! # Templates: assumed
//!
//! An export does not say whether the business sent a template. The reader decides by the
//! customer service window: a business message sent 24 hours or more after the last inbound
//! message (or before any inbound message) could only have been a template, and is emitted as
//! a template of [`ChatOptions::template_category`]; one inside the window is free-form.
//! [`ChatExportReader::assumed_templates`] counts the former. (A business may also send
//! templates inside the window; an export cannot show that.)
//!
//! # Errors
//!
//! A file without a single message line is one error at line 1 ("not a WhatsApp chat
//! export"). A line that starts like a message header but breaks off (a truncated file), a
//! date that does not exist (read in the inferred order) and a time that does not exist
//! (`25:16`, `13:16 PM`) are errors at their line: such a line is never read as the
//! continuation of the message before it. A file
//! where nobody is `business_name` gets an error at line 1 after its events, naming the
//! authors found. The first and the last make the whole file unusable
//! ([`ReadErrorKind::is_fatal`](super::ReadErrorKind::is_fatal)): the file is not a chat
//! export, or every message of it would be read as inbound.

use std::collections::BTreeSet;
use std::io::Read;

use chrono::NaiveDate;
use chrono_tz::Tz;

use super::records::DEFAULT_MAX_LINE_BYTES;
use super::{ReadError, ReadErrorKind};
use crate::calendar;
use crate::event::{BusinessId, Direction, Event, MessageKind, Status};
use crate::pricing::category::Category;
use crate::pricing::phone::ContactNumber;

/// Who is who in a chat export, and how to read its times.
#[derive(Clone, Debug)]
pub struct ChatOptions {
    /// The business's name as it appears as an author in the export.
    pub business_name: String,
    /// The time zone of the phone that exported the chat.
    pub timezone: Tz,
    /// The business number (the [`Event::business`] of every event).
    pub business_number: String,
    /// The other party, when authors are names rather than numbers (without it such a chat
    /// cannot be priced: its market is unknown).
    pub contact: Option<ContactNumber>,
    /// The category of a business message outside the customer service window.
    pub template_category: Category,
}

/// The order of the day and month in a file's dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateOrder {
    /// `dd/mm/yyyy`.
    DayFirst,
    /// `mm/dd/yyyy`.
    MonthFirst,
    /// `yyyy-mm-dd` (all dates start with the year).
    YearFirst,
}

impl DateOrder {
    /// `day-first`, `month-first` or `year-first`.
    pub fn as_str(self) -> &'static str {
        match self {
            DateOrder::DayFirst => "day-first",
            DateOrder::MonthFirst => "month-first",
            DateOrder::YearFirst => "year-first",
        }
    }
}

/// Reads a chat export as a stream of events. See the [module docs](self).
pub struct ChatExportReader {
    file: String,
    options: ChatOptions,
    business: BusinessId,
    business_digits: Option<ContactNumber>,
    text: String,
    pos: usize,
    line: u64,
    order: DateOrder,
    order_assumed: bool,
    any_message: bool,
    started: bool,
    system_lines: u64,
    assumed_templates: u64,
    business_messages: u64,
    authors: BTreeSet<String>,
    last_inbound: Option<i64>,
    last_contact: Option<ContactNumber>,
    /// The contact of a business message before any inbound one: the option, or the first
    /// customer author that is a number.
    first_contact: Option<ContactNumber>,
    pending: Option<ReadError>,
    finished: bool,
}

impl ChatExportReader {
    /// Reads from bytes (invalid UTF-8 is replaced, never an error; UTF-16 is an error, and
    /// so is a line longer than [`DEFAULT_MAX_LINE_BYTES`]).
    pub fn from_bytes(bytes: &[u8], file: &str, options: ChatOptions) -> ChatExportReader {
        ChatExportReader::with_max_line(bytes, file, options, DEFAULT_MAX_LINE_BYTES)
    }

    /// Reads all of `input`; a failing read is one fatal error.
    pub fn new<R: Read>(input: R, file: &str, options: ChatOptions) -> ChatExportReader {
        ChatExportReader::with_max_line(input, file, options, DEFAULT_MAX_LINE_BYTES)
    }

    /// [`ChatExportReader::new`], with lines of at most `max_line_bytes`: reading stops at
    /// the first longer line, before more than it is held.
    pub fn with_max_line<R: Read>(
        input: R,
        file: &str,
        options: ChatOptions,
        max_line_bytes: usize,
    ) -> ChatExportReader {
        match read_capped(input, max_line_bytes.max(1)) {
            Ok(bytes) => match super::detect::utf16(&bytes) {
                Some(big_endian) => {
                    let kind = ReadErrorKind::Utf16 { big_endian };
                    ChatExportReader::failed(file, options, ReadError::at_line(file, 1, kind))
                }
                None => {
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    ChatExportReader::from_text(text, file, options)
                }
            },
            Err((line, kind)) => {
                ChatExportReader::failed(file, options, ReadError::at_line(file, line, kind))
            }
        }
    }

    fn failed(file: &str, options: ChatOptions, e: ReadError) -> ChatExportReader {
        let mut r = ChatExportReader::from_text(String::new(), file, options);
        r.pending = Some(e);
        r.any_message = true;
        r.finished = true;
        r
    }

    fn from_text(text: String, file: &str, options: ChatOptions) -> ChatExportReader {
        let (order, order_assumed, any_message) = infer_order(&text);
        let first_contact = options
            .contact
            .or_else(|| first_customer_number(&text, &options));
        let business = BusinessId::intern(&options.business_number);
        let business_digits = ContactNumber::parse(&options.business_number).ok();
        let mut r = ChatExportReader {
            file: file.to_string(),
            options,
            business,
            business_digits,
            text,
            pos: 0,
            line: 0,
            order,
            order_assumed,
            any_message,
            started: false,
            system_lines: 0,
            assumed_templates: 0,
            business_messages: 0,
            authors: BTreeSet::new(),
            last_inbound: None,
            last_contact: None,
            first_contact,
            pending: None,
            finished: false,
        };
        if !any_message {
            let first = lines(&r.text).next().map_or("", |(s, e)| &r.text[s..e]);
            let mut e = ReadError::at_line(file, 1, ReadErrorKind::NotChatExport);
            e.raw = (!first.is_empty()).then(|| first.to_string());
            r.pending = Some(e);
            r.finished = true;
        }
        r
    }

    /// The day/month order the file's dates are read in.
    pub fn date_order(&self) -> DateOrder {
        self.order
    }

    /// Whether [`date_order`](Self::date_order) is the day-first default because no date told.
    pub fn date_order_assumed(&self) -> bool {
        self.order_assumed
    }

    /// The line of the last message returned (the line read last).
    pub fn line(&self) -> u64 {
        self.line
    }

    /// System lines (and lines before the first message) skipped so far.
    pub fn system_lines(&self) -> u64 {
        self.system_lines
    }

    /// Business messages emitted as templates so far because they were outside the customer
    /// service window.
    pub fn assumed_templates(&self) -> u64 {
        self.assumed_templates
    }

    fn next_line(&mut self) -> Option<(u64, usize, usize)> {
        let (start, end, next) = line_at(self.text.as_bytes(), self.pos)?;
        self.pos = next;
        self.line += 1;
        Some((self.line, start, end))
    }

    fn message(&mut self, h: &Header<'_>) -> Result<Option<Event>, ReadErrorKind> {
        let Some((author, text)) = split_author(h.rest) else {
            self.system_lines += 1;
            return Ok(None);
        };
        if is_notice(text) {
            self.system_lines += 1;
            return Ok(None);
        }
        let date = resolve_date(h, self.order).ok_or(ReadErrorKind::NoSuchDate {
            numbers: (h.a, h.b, h.c),
            order: self.order,
        })?;
        let naive =
            date.and_hms_opt(h.hour, h.minute, h.second)
                .ok_or(ReadErrorKind::NoSuchTime {
                    hour: h.hour,
                    minute: h.minute,
                    pm: None,
                })?;
        // A phone shows local time; one the clocks skipped reads as if they had not changed.
        let time = calendar::local_time_or_after(self.options.timezone, naive) * 1000;
        let number = ContactNumber::parse(author).ok();
        let is_business = author
            .trim()
            .eq_ignore_ascii_case(self.options.business_name.trim())
            || (number.is_some() && number == self.business_digits);
        if self.authors.len() < 20 {
            self.authors.insert(author.to_string());
        }
        if is_business {
            self.business_messages += 1;
            let in_window = self
                .last_inbound
                .is_some_and(|t| (0..24 * crate::classify::HOUR_MS).contains(&(time - t)));
            let kind = if in_window {
                MessageKind::FreeForm
            } else {
                match self.options.template_category {
                    Category::Service => MessageKind::FreeForm,
                    Category::AuthenticationInternational => {
                        self.assumed_templates += 1;
                        MessageKind::Template(Category::Authentication)
                    }
                    c => {
                        self.assumed_templates += 1;
                        MessageKind::Template(c)
                    }
                }
            };
            let contact = self.last_contact.or(self.first_contact).ok_or_else(|| {
                ReadErrorKind::NoChatContact {
                    author: author.to_string(),
                }
            })?;
            Ok(Some(Event {
                time_ms: time,
                business: self.business,
                waba: Event::default_waba(),
                contact,
                direction: Direction::Outbound,
                kind,
                status: Status::Delivered,
                message_id: None,
                entry_point: None,
                verdict: None,
                details: crate::event::Details::NONE,
            }))
        } else {
            let contact =
                number
                    .or(self.options.contact)
                    .ok_or_else(|| ReadErrorKind::NoChatContact {
                        author: author.to_string(),
                    })?;
            self.last_inbound = Some(time);
            self.last_contact = Some(contact);
            Ok(Some(Event {
                time_ms: time,
                business: self.business,
                waba: Event::default_waba(),
                contact,
                direction: Direction::Inbound,
                kind: MessageKind::FreeForm,
                status: Status::Delivered,
                message_id: None,
                entry_point: None,
                verdict: None,
                details: crate::event::Details::NONE,
            }))
        }
    }

    fn finish(&mut self) -> Option<ReadError> {
        if self.business_messages == 0 && !self.authors.is_empty() {
            let kind = ReadErrorKind::NoBusinessMessage {
                business: self.options.business_name.clone(),
                authors: self.authors.iter().cloned().collect(),
            };
            return Some(ReadError::at_line(&self.file, 1, kind));
        }
        None
    }
}

impl Iterator for ChatExportReader {
    type Item = Result<Event, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(e) = self.pending.take() {
            return Some(Err(e));
        }
        if self.finished {
            return None;
        }
        while let Some((line, start, end)) = self.next_line() {
            let text = std::mem::take(&mut self.text);
            let raw = &text[start..end];
            let result = match parse_header(raw) {
                Parsed::Header(h) => {
                    self.started = true;
                    self.message(&h).transpose()
                }
                Parsed::Broken => Some(Err(ReadErrorKind::BrokenLine)),
                Parsed::NoSuchTime { hour, minute, pm } => {
                    self.started = true;
                    Some(Err(ReadErrorKind::NoSuchTime { hour, minute, pm }))
                }
                Parsed::Other => {
                    if !self.started && !raw.trim().is_empty() {
                        self.system_lines += 1;
                    }
                    None
                }
            };
            let result = result.map(|r| {
                r.map_err(|kind| ReadError::at_line(&self.file, line, kind).with_raw(raw))
            });
            self.text = text;
            if let Some(r) = result {
                return Some(r);
            }
        }
        self.finished = true;
        self.finish().map(Err)
    }
}

/// A message header: the date's three numbers as written, the time, and the rest of the line.
struct Header<'a> {
    a: u32,
    b: u32,
    c: u32,
    year_first: bool,
    two_digit_year: bool,
    hour: u32,
    minute: u32,
    second: u32,
    rest: &'a str,
}

enum Parsed<'a> {
    Header(Header<'a>),
    /// A date and the start of a time, then nothing usable.
    Broken,
    /// A whole header whose time does not exist (`25:16`, `13:16 PM`), as written.
    NoSuchTime {
        hour: u32,
        minute: u32,
        pm: Option<bool>,
    },
    Other,
}

fn is_mark(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{FEFF}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\u{00A0}' | '\u{202F}' | '\t')
}

struct Cursor<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<char> {
        self.s[self.i..].chars().next()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.i += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn eat_ci(&mut self, c: char) -> bool {
        match self.peek() {
            Some(p) if p.eq_ignore_ascii_case(&c) => {
                self.i += p.len_utf8();
                true
            }
            _ => false,
        }
    }

    fn spaces(&mut self) -> usize {
        let mut n = 0;
        while let Some(c) = self.peek().filter(|c| is_space(*c)) {
            self.i += c.len_utf8();
            n += 1;
        }
        n
    }

    /// 1 to `max` ASCII digits: their value and count.
    fn number(&mut self, max: usize) -> Option<(u32, usize)> {
        let digits = self.s.as_bytes()[self.i..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits == 0 || digits > max {
            return None;
        }
        let v = self.s[self.i..self.i + digits].parse().ok()?;
        self.i += digits;
        Some((v, digits))
    }

    fn rest(&self) -> &'a str {
        &self.s[self.i..]
    }
}

fn parse_header(line: &str) -> Parsed<'_> {
    let s = line.trim_start_matches(is_mark);
    let mut c = Cursor { s, i: 0 };
    let bracket = c.eat('[');
    let Some((a, na)) = c.number(4) else {
        return Parsed::Other;
    };
    let Some(sep) = c.peek().filter(|p| matches!(p, '/' | '.' | '-')) else {
        return Parsed::Other;
    };
    c.eat(sep);
    c.eat(' ');
    let Some((b, _)) = c.number(2) else {
        return Parsed::Other;
    };
    if !c.eat(sep) {
        return Parsed::Other;
    }
    c.eat(' ');
    let Some((cc, nc)) = c.number(4) else {
        return Parsed::Other;
    };
    let year_first = na == 4;
    // A year first and a 1- or 2-digit day last; or day and month first and a 2- or 4-digit
    // year last.
    if !matches!((na, nc), (4, 1 | 2) | (1 | 2, 2 | 4)) {
        return Parsed::Other;
    }
    c.eat('.');
    // Between date and time: a comma and/or spaces, or " klo ".
    let comma = c.eat(',');
    let spaced = c.spaces() > 0;
    if !comma && !spaced {
        return Parsed::Other;
    }
    if c.rest().starts_with("klo") {
        c.i += 3;
        c.spaces();
    }
    // From here on, a line that ends where it stops making sense is a truncated header.
    let cut = |c: &Cursor<'_>| {
        if c.rest().trim().is_empty() {
            Parsed::Broken
        } else {
            Parsed::Other
        }
    };
    let Some((hour, _)) = c.number(2) else {
        return cut(&c);
    };
    let Some(tsep) = c.peek().filter(|p| matches!(p, ':' | '.')) else {
        return cut(&c);
    };
    c.eat(tsep);
    let Some((minute, 2)) = c.number(2) else {
        return cut(&c);
    };
    let mut second = 0;
    let save = c.i;
    if c.eat(tsep) {
        match c.number(2) {
            Some((s, 2)) => second = s,
            _ if c.rest().trim().is_empty() => return Parsed::Broken,
            _ => c.i = save,
        }
    }
    let written = hour;
    let mut hour = hour;
    let save = c.i;
    c.spaces();
    let pm = am_pm(&mut c);
    // A time that does not exist is an error once the rest of the line reads as a header:
    // such a line is a broken message, never the continuation of the one before.
    let mut exists = minute <= 59 && second <= 59;
    match pm {
        Some(pm) => {
            exists &= (1..=12).contains(&hour);
            hour = match (pm, hour) {
                (false, 12) => 0,
                (true, h) if h < 12 => h + 12,
                (_, h) => h,
            };
        }
        None => {
            c.i = save;
            exists &= hour <= 23;
        }
    }
    if bracket {
        c.spaces();
        if !c.eat(']') {
            return cut(&c);
        }
        c.spaces();
    } else {
        let spaced = c.spaces() > 0;
        if c.eat('-') || c.eat('\u{2013}') {
            if c.spaces() == 0 && !c.rest().is_empty() {
                return Parsed::Other;
            }
        } else if c.eat(':') {
            c.spaces();
        } else if !spaced {
            return cut(&c);
        }
    }
    if c.rest().trim().is_empty() {
        return Parsed::Broken;
    }
    if !exists {
        return Parsed::NoSuchTime {
            hour: written,
            minute,
            pm,
        };
    }
    Parsed::Header(Header {
        a,
        b,
        c: cc,
        year_first,
        two_digit_year: !year_first && nc == 2,
        hour,
        minute,
        second,
        rest: c.rest(),
    })
}

/// `AM`/`PM`, `a.m.`/`p.m.`, `a. m.`/`p. m.` in any case: `Some(true)` for PM. Must be followed by
/// a space, `]`, `-` or the end.
fn am_pm(c: &mut Cursor<'_>) -> Option<bool> {
    let save = c.i;
    let pm = if c.eat_ci('p') {
        true
    } else if c.eat_ci('a') {
        false
    } else {
        return None;
    };
    c.eat('.');
    c.spaces();
    if !c.eat_ci('m') {
        c.i = save;
        return None;
    }
    c.eat('.');
    match c.peek() {
        None | Some(']' | '-' | '\u{2013}') => Some(pm),
        Some(ch) if is_space(ch) => Some(pm),
        _ => {
            c.i = save;
            None
        }
    }
}

/// `Author: text`, or `None` for a system line (no `: `, or an "author" longer than 60
/// characters or with quotes, which is a notice that happens to contain `: `).
fn split_author(rest: &str) -> Option<(&str, &str)> {
    let (author, text) = match rest.find(": ") {
        Some(p) => (&rest[..p], &rest[p + 2..]),
        None => (rest.strip_suffix(':')?, ""),
    };
    let author = author
        .trim_matches(|c: char| is_mark(c) || is_space(c))
        .trim_start_matches('~')
        .trim_matches(|c: char| is_mark(c) || is_space(c));
    // "Ann changed the subject to "Sale: 50%"" is a notice, not Ann writing.
    let plausible = !author.is_empty()
        && author.chars().count() <= 60
        && !author.contains(['"', '\u{201C}', '\u{201D}']);
    plausible.then_some((author, text))
}

/// Notices WhatsApp writes under an author's (or the chat's) name.
fn is_notice(text: &str) -> bool {
    const NOTICES: [&str; 11] = [
        "end-to-end encrypted",
        "ende-zu-ende-verschlüsselt",
        "de extremo a extremo",
        "de bout en bout",
        "de ponta a ponta",
        "uses a secure service from meta",
        "this chat is with a business account",
        "missed voice call",
        "missed video call",
        "verpasster sprachanruf",
        "llamada perdida",
    ];
    if text.len() > 300 {
        return false;
    }
    let t = text.to_lowercase();
    NOTICES.iter().any(|n| t.contains(n))
}

fn resolve_date(h: &Header<'_>, order: DateOrder) -> Option<NaiveDate> {
    let (y, m, d) = if h.year_first {
        (h.a, h.b, h.c)
    } else {
        let y = if h.two_digit_year { 2000 + h.c } else { h.c };
        match order {
            DateOrder::MonthFirst => (y, h.a, h.b),
            DateOrder::DayFirst | DateOrder::YearFirst => (y, h.b, h.a),
        }
    };
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)
}

/// The day/month order of a text's dates, whether it is the default, and whether any line is a
/// message header at all.
fn infer_order(text: &str) -> (DateOrder, bool, bool) {
    let (mut any, mut any_dm, mut day_first, mut month_first) = (false, false, false, false);
    for (s, e) in lines(text) {
        match parse_header(&text[s..e]) {
            Parsed::Header(h) => {
                any = true;
                if !h.year_first {
                    any_dm = true;
                    day_first |= h.a > 12;
                    month_first |= h.b > 12;
                }
            }
            Parsed::NoSuchTime { .. } => any = true,
            Parsed::Broken | Parsed::Other => {}
        }
    }
    let order = if day_first {
        (DateOrder::DayFirst, false)
    } else if month_first {
        (DateOrder::MonthFirst, false)
    } else if any && !any_dm {
        (DateOrder::YearFirst, false)
    } else {
        (DateOrder::DayFirst, true)
    };
    (order.0, order.1, any)
}

/// The first author of a message that is not the business and is a phone number.
fn first_customer_number(text: &str, options: &ChatOptions) -> Option<ContactNumber> {
    let business = ContactNumber::parse(&options.business_number).ok();
    lines(text).find_map(|(s, e)| {
        let Parsed::Header(h) = parse_header(&text[s..e]) else {
            return None;
        };
        let (author, _) = split_author(h.rest)?;
        if author
            .trim()
            .eq_ignore_ascii_case(options.business_name.trim())
        {
            return None;
        }
        ContactNumber::parse(author)
            .ok()
            .filter(|n| Some(*n) != business)
    })
}

/// The line starting at byte `pos`: its start, its end (before the line end) and where the
/// next line starts. Lines end with `\n`, `\r\n` or a lone `\r`.
fn line_at(text: &[u8], pos: usize) -> Option<(usize, usize, usize)> {
    if pos >= text.len() {
        return None;
    }
    let end = memchr::memchr2(b'\n', b'\r', &text[pos..]).map_or(text.len(), |p| pos + p);
    let next = match text.get(end) {
        Some(b'\r') if text.get(end + 1) == Some(&b'\n') => end + 2,
        Some(_) => end + 1,
        None => end,
    };
    Some((pos, end, next))
}

/// Every line of a text, as (start, end) byte ranges (see [`line_at`]).
fn lines(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut pos = 0;
    std::iter::from_fn(move || {
        let (start, end, next) = line_at(text.as_bytes(), pos)?;
        pos = next;
        Some((start, end))
    })
}

/// Reads all of `input`, stopping at the first line longer than `max_line` (the line number
/// and the error), so that a file without line ends is never held beyond the limit.
fn read_capped<R: Read>(mut input: R, max_line: usize) -> Result<Vec<u8>, (u64, ReadErrorKind)> {
    let mut bytes = Vec::new();
    let mut chunk = vec![0u8; 1 << 16];
    // The current line's length so far, the line ends seen, and whether the last byte was a
    // `\r` (a `\n` after it ends the same line).
    let (mut run, mut line_ends, mut after_cr) = (0usize, 0u64, false);
    loop {
        let n = match input.read(&mut chunk) {
            Ok(0) => return Ok(bytes),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err((line_ends + 1, ReadErrorKind::io(e))),
        };
        for &c in &chunk[..n] {
            match c {
                b'\n' if after_cr => {}
                b'\n' | b'\r' => {
                    line_ends += 1;
                    run = 0;
                }
                _ => {
                    run += 1;
                    if run > max_line {
                        return Err((
                            line_ends + 1,
                            ReadErrorKind::LineTooLong { limit: max_line },
                        ));
                    }
                }
            }
            after_cr = c == b'\r';
        }
        bytes.extend_from_slice(&chunk[..n]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::Position;
    use proptest::prelude::*;

    const EN: &str = include_str!("../../../../tests/data/chat_android_en.txt");
    const DE: &str = include_str!("../../../../tests/data/chat_ios_de.txt");
    const ES: &str = include_str!("../../../../tests/data/chat_android_es_12h.txt");

    fn options(name: &str, tz: Tz, contact: &str, category: Category) -> ChatOptions {
        ChatOptions {
            business_name: name.to_string(),
            timezone: tz,
            business_number: "+1 555 010 0000".to_string(),
            contact: Some(contact.parse().unwrap()),
            template_category: category,
        }
    }

    fn uk() -> ChatOptions {
        options(
            "acme store",
            chrono_tz::Europe::London,
            "+447700900123",
            Category::Utility,
        )
    }

    fn reader(text: &str, o: ChatOptions) -> ChatExportReader {
        ChatExportReader::from_bytes(text.as_bytes(), "chat.txt", o)
    }

    /// (time, direction, contact, kind) of each event.
    fn summary(r: &mut ChatExportReader) -> Vec<(i64, Direction, String, MessageKind)> {
        r.by_ref()
            .map(|e| {
                let e = e.unwrap();
                assert_eq!(e.business, BusinessId::intern("15550100000"));
                assert_eq!(
                    (e.status, e.message_id, e.entry_point),
                    (Status::Delivered, None, None)
                );
                // A chat export says the minute (or second): whole seconds.
                assert_eq!(e.time_ms % 1000, 0);
                (e.time_ms / 1000, e.direction, e.contact.e164(), e.kind)
            })
            .collect()
    }

    use Direction::{Inbound as In, Outbound as Out};
    use MessageKind::{FreeForm, Template};

    #[test]
    fn android_english() {
        let mut r = reader(EN, uk());
        let c = "+447700900123".to_string();
        assert_eq!(
            summary(&mut r),
            [
                (1_768_209_360, In, c.clone(), FreeForm),
                (1_768_209_600, Out, c.clone(), FreeForm),
                (1_768_209_660, In, c.clone(), FreeForm),
                // Two days after Jane last wrote: a template.
                (1_768_384_800, Out, c.clone(), Template(Category::Utility)),
                (1_768_415_400, In, c.clone(), FreeForm),
                (1_768_464_000, Out, c, FreeForm),
            ]
        );
        assert_eq!(
            (r.date_order(), r.date_order_assumed()),
            (DateOrder::DayFirst, false)
        );
        assert_eq!((r.system_lines(), r.assumed_templates()), (2, 1));
    }

    #[test]
    fn ios_german() {
        let o = options(
            "Acme Store",
            chrono_tz::Europe::Berlin,
            "+4915199999999",
            Category::Utility,
        );
        let mut r = reader(DE, o);
        // The author is a number: it is the contact, not the option.
        let c = "+4915112345678".to_string();
        assert_eq!(
            summary(&mut r),
            [
                (1_770_123_962, In, c.clone(), FreeForm),
                (1_770_124_245, Out, c.clone(), FreeForm),
                (1_770_278_400, Out, c.clone(), Template(Category::Utility)),
                (1_770_279_150, In, c.clone(), FreeForm),
                (1_770_279_180, In, c, FreeForm),
            ]
        );
        // 03.02 and 05.02 could be either order: day-first is assumed.
        assert_eq!(
            (r.date_order(), r.date_order_assumed()),
            (DateOrder::DayFirst, true)
        );
        assert_eq!(r.system_lines(), 1);
    }

    #[test]
    fn android_spanish_12h() {
        let o = options(
            "Tienda Acme",
            chrono_tz::America::Mexico_City,
            "+5215500000000",
            Category::Marketing,
        );
        let mut r = reader(ES, o);
        // 521 + 10 digits is folded to 52 + 10 digits.
        let c = "+525512345678".to_string();
        assert_eq!(
            summary(&mut r),
            [
                (1_769_391_960, In, c.clone(), FreeForm),
                (1_769_392_920, Out, c.clone(), FreeForm),
                (1_769_408_100, In, c.clone(), FreeForm),
                (1_769_526_000, Out, c, Template(Category::Marketing)),
            ]
        );
        assert_eq!(
            (r.date_order(), r.date_order_assumed()),
            (DateOrder::DayFirst, false)
        );
        assert_eq!((r.system_lines(), r.assumed_templates()), (1, 1));
    }

    #[test]
    fn header_forms() {
        type Case = (&'static str, (u32, u32, u32), (u32, u32, u32), &'static str);
        let cases: [Case; 14] = [
            (
                "06/03/2017, 00:45 - Ann: a",
                (6, 3, 2017),
                (0, 45, 0),
                "Ann: a",
            ),
            (
                "15.04.16, 15:04 - Ann: a",
                (15, 4, 16),
                (15, 4, 0),
                "Ann: a",
            ),
            (
                "2016-08-06, 1:23 PM - Ann: a",
                (2016, 8, 6),
                (13, 23, 0),
                "Ann: a",
            ),
            (
                "2016-08-10, 12:05 AM - Ann: a",
                (2016, 8, 10),
                (0, 5, 0),
                "Ann: a",
            ),
            (
                "[2019-04-16 02:09] Ann: a",
                (2019, 4, 16),
                (2, 9, 0),
                "Ann: a",
            ),
            (
                "[1.1.2019, 12.00.00] Ann: a",
                (1, 1, 2019),
                (12, 0, 0),
                "Ann: a",
            ),
            (
                "\u{200e}[7/2/24, 9:05:30\u{202f}PM] Ann: a",
                (7, 2, 24),
                (21, 5, 30),
                "Ann: a",
            ),
            (
                "3/6/18, 1:55 p.m. - Ann: a",
                (3, 6, 18),
                (13, 55, 0),
                "Ann: a",
            ),
            (
                "03-06-2018, 01.55 PM - Ann: a",
                (3, 6, 2018),
                (13, 55, 0),
                "Ann: a",
            ),
            (
                "13.06.18 21.25.15: Ann: a",
                (13, 6, 18),
                (21, 25, 15),
                "Ann: a",
            ),
            (
                "13.6.2018 klo 21.25.15 - Ann: a",
                (13, 6, 2018),
                (21, 25, 15),
                "Ann: a",
            ),
            (
                "13. 6. 2018. 21:25:15 Ann: a",
                (13, 6, 2018),
                (21, 25, 15),
                "Ann: a",
            ),
            (
                "[3/6/18 1:55:00 p. m.] Ann: a",
                (3, 6, 18),
                (13, 55, 0),
                "Ann: a",
            ),
            (
                "[2018/06/13, 21:25:15] am: a",
                (2018, 6, 13),
                (21, 25, 15),
                "am: a",
            ),
        ];
        for (line, date, time, rest) in cases {
            match parse_header(line) {
                Parsed::Header(h) => {
                    assert_eq!(
                        ((h.a, h.b, h.c), (h.hour, h.minute, h.second), h.rest),
                        (date, time, rest),
                        "{line}"
                    );
                }
                _ => panic!("not a header: {line}"),
            }
        }
        for line in [
            "Is everything alright?",
            "12 apples",
            "06/03/2017 was a good day",
            "",
            "[x] y",
            "1/2/3, 10:00 - a: b",
        ] {
            assert!(matches!(parse_header(line), Parsed::Other), "{line}");
        }
        for line in [
            "06/03/2017, 00:4",
            "06/03/2017, ",
            "[06.03.17, 00:45:1",
            "06/03/2017, 00:45 -",
            "06/03/2017, 00:45 - ",
        ] {
            assert!(matches!(parse_header(line), Parsed::Broken), "{line}");
        }
    }

    #[test]
    fn month_first_and_year_first_files() {
        let text = "1/25/26, 7:45 PM - Bob: hi\n1/25/26, 7:50 PM - Acme Store: hello Bob\n";
        let mut r = reader(text, uk());
        let s = summary(&mut r);
        assert_eq!(r.date_order(), DateOrder::MonthFirst);
        assert_eq!(s[0].0, 1_769_370_300);
        let text = "[2026-02-02 10:00] Acme Store: Hello\n[2026-02-02 10:05] +44 7700 900456: Hi\n";
        let mut r = reader(text, uk());
        let s = summary(&mut r);
        assert_eq!(r.date_order(), DateOrder::YearFirst);
        assert_eq!(
            s[0],
            (
                1_770_026_400,
                Out,
                "+447700900123".to_string(),
                Template(Category::Utility)
            )
        );
        assert_eq!(
            s[1],
            (1_770_026_700, In, "+447700900456".to_string(), FreeForm)
        );
    }

    #[test]
    fn errors_name_the_line() {
        let rows: Vec<_> = reader("hello\nworld\n", uk()).collect();
        assert_eq!(rows.len(), 1);
        let e = rows[0].as_ref().unwrap_err();
        assert_eq!(e.position, Position::Line(1));
        assert!(e.reason().starts_with("not a WhatsApp chat export"));
        assert_eq!(e.raw.as_deref(), Some("hello"));
        assert_eq!(reader("", uk()).count(), 1);
        // A truncated file: the last header breaks off.
        let cut = &EN[..EN.find("15/01/2026, 08:0").unwrap() + 16];
        let rows: Vec<_> = reader(cut, uk()).collect();
        let e = rows.last().unwrap().as_ref().unwrap_err();
        assert_eq!(
            e.to_string(),
            "chat.txt:9: line starts like a message but its date, time or author breaks off (file truncated?)"
        );
        assert_eq!(e.raw.as_deref(), Some("15/01/2026, 08:0"));
        assert_eq!(rows.iter().filter(|r| r.is_ok()).count(), 5);
        // A date that does not exist in the inferred order.
        let rows: Vec<_> = reader(
            "30/01/2026, 10:00 - Bob: a\n31/02/2026, 10:00 - Acme Store: b\n",
            uk(),
        )
        .collect();
        assert_eq!(
            rows[1].as_ref().unwrap_err().to_string(),
            "chat.txt:2: date 31.2.2026 does not exist (dates read day-first)"
        );
    }

    /// Each event as (line-free) text, each error as its message.
    fn outcomes(text: &str, o: ChatOptions) -> Vec<String> {
        reader(text, o)
            .map(|r| match r {
                Ok(e) => format!("{} {}", e.direction.as_str(), e.contact.e164()),
                Err(e) => e.to_string(),
            })
            .collect()
    }

    #[test]
    fn times_that_do_not_exist_are_errors_not_continuations() {
        let text = "06/02/2026, 10:00 - Jane: hi\n\
                    06/02/2026, 25:16 - Acme Store: glued to hi, once\n\
                    06/02/2026, 1:16 PM - Acme Store: ok\n\
                    06/02/2026, 13:16 PM - Jane: glued to ok, once\n\
                    06/02/2026, 10:61 - Jane: no\n";
        assert_eq!(
            outcomes(text, uk()),
            [
                "inbound +447700900123",
                "chat.txt:2: time 25:16 does not exist",
                "outbound +447700900123",
                "chat.txt:4: time 13:16 PM does not exist",
                "chat.txt:5: time 10:61 does not exist",
            ]
        );
    }

    #[test]
    fn lone_carriage_returns_end_lines() {
        let text = "06/02/2026, 10:00 - Jane: hi\rsecond line\r06/02/2026, 10:05 - Acme Store: \
                    hello\r\n31/02/2026, 10:06 - Jane: x\r";
        assert_eq!(
            outcomes(text, uk()),
            [
                "inbound +447700900123",
                "outbound +447700900123",
                "chat.txt:4: date 31.2.2026 does not exist (dates read day-first)",
            ]
        );
    }

    #[test]
    fn a_contact_known_only_by_name_needs_a_number() {
        let mut o = uk();
        o.contact = None;
        let text = "06/02/2026, 10:00 - Jane: hi\n06/02/2026, 10:05 - Acme Store: hello\n";
        let rows: Vec<_> = reader(text, o.clone()).collect();
        let e = rows[0].as_ref().unwrap_err();
        assert!(e.is_fatal());
        assert_eq!(
            e.to_string(),
            "chat.txt:1: the author \"Jane\" is a name, not a phone number: the contact's number \
             is needed to find the market its messages are priced in"
        );
        // Authors that are numbers need no option: a business message before any of theirs
        // goes to the first of them.
        let text = "06/02/2026, 09:00 - Acme Store: welcome\n\
                    06/02/2026, 10:00 - +44 7700 900456: hi\n";
        assert_eq!(
            outcomes(text, o.clone()),
            ["outbound +447700900456", "inbound +447700900456"]
        );
        // A business that only ever writes, to nobody known: no number to price by.
        let text = "06/02/2026, 09:00 - Acme Store: welcome\n";
        assert_eq!(
            outcomes(text, o),
            [
                "chat.txt:1: the author \"Acme Store\" is a name, not a phone number: the \
              contact's number is needed to find the market its messages are priced in"
            ]
        );
    }

    #[test]
    fn a_line_over_the_limit_stops_the_reading() {
        let text = "06/02/2026, 10:00 - Jane: hi\n06/02/2026, 10:05 - Acme Store: a long line\n";
        let rows: Vec<_> =
            ChatExportReader::with_max_line(text.as_bytes(), "chat.txt", uk(), 30).collect();
        assert_eq!(rows.len(), 1);
        assert_eq!(
            rows[0].as_ref().unwrap_err().to_string(),
            "chat.txt:2: line longer than 30 bytes: a broken file, or not a log of this format"
        );
        let utf16: Vec<u8> = "06/02/2026, 10:00 - Jane: hi\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let rows: Vec<_> = ChatExportReader::from_bytes(&utf16, "chat.txt", uk()).collect();
        assert_eq!(
            rows[0].as_ref().unwrap_err().to_string(),
            "chat.txt:1: the file is UTF-16 (little-endian) text: save it as UTF-8"
        );
    }

    #[test]
    fn a_chat_without_the_business_is_an_error() {
        let rows: Vec<_> = reader(
            EN,
            options(
                "Acme Ltd",
                chrono_tz::UTC,
                "+447700900123",
                Category::Utility,
            ),
        )
        .collect();
        assert_eq!(rows.iter().filter(|r| r.is_ok()).count(), 6);
        assert_eq!(
            rows.last().unwrap().as_ref().unwrap_err().to_string(),
            "chat.txt:1: no message from the business \"Acme Ltd\": the authors are \"Acme Store\", \"Jane Doe\""
        );
        // The business may also be recognised by its number.
        let text = "02/02/2026, 10:00 - +1 555-010-0000: Hi\n";
        let e = reader(text, uk()).next().unwrap().unwrap();
        assert_eq!(e.direction, Out);
    }

    #[test]
    fn notices_are_not_messages() {
        let text = "02/02/2026, 10:00 - Jane Doe changed the subject to \"Sale: 50%\"\n\
                    02/02/2026, 10:01 - Acme Store: Missed voice call\n\
                    02/02/2026, 10:02 - Acme Store: Welcome!\n";
        let mut r = reader(text, uk());
        assert_eq!(r.by_ref().filter(Result::is_ok).count(), 1);
        assert_eq!(r.system_lines(), 2);
    }

    #[test]
    fn daylight_saving_gaps_and_repeats() {
        let o = || {
            options(
                "Acme Store",
                chrono_tz::Europe::Berlin,
                "+4915112345678",
                Category::Utility,
            )
        };
        // 02:30 does not exist on 2026-03-29 in Berlin: read as 03:30 CEST.
        let text = "29/03/2026, 02:30 - Acme Store: a\n25/10/2026, 02:30 - Acme Store: b\n";
        let t: Vec<i64> = reader(text, o()).map(|e| e.unwrap().time_ms).collect();
        assert_eq!(t, [1_774_747_800_000, 1_792_888_200_000]);
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            for r in ChatExportReader::from_bytes(&bytes, "x", uk()) {
                let _ = r;
            }
        }

        #[test]
        fn header_shaped_noise_never_panics(s in "[\\[\\]0-9/.,:\\- apmAPM\u{200e}\u{202f}\n]{0,120}") {
            for r in ChatExportReader::from_bytes(s.as_bytes(), "x", uk()) {
                let _ = r;
            }
        }

        #[test]
        fn truncation_never_panics(cut in 0usize..DE.len()) {
            for r in ChatExportReader::from_bytes(&DE.as_bytes()[..cut], "x", uk()) {
                let _ = r;
            }
        }
    }
}
