//! Timestamps as logs write them: RFC 3339 with any offset, or Unix seconds (or
//! milliseconds). Times are kept to the millisecond: two messages 200 ms apart are two
//! messages.
//!
//! A spreadsheet saves a date-time without its offset (`2026-02-02 10:00:00`,
//! `2026-02-02T10:00`): [`TimestampParser`] reads such a time as a wall-clock time in the
//! WABA's time zone ([`LocalTimes`]), and counts how many it read so (a run says so). A
//! wall-clock time the zone skips (clocks set forward) is an error: no instant is made up.
//! One it repeats (clocks set back) is the earlier of its two instants, the one a log in
//! time order reaches first, and is counted apart. With a [`DateFormat`] (chrono's strftime
//! codes, `%d/%m/%Y %H:%M`) every timestamp must match that format.

use chrono::format::{Fixed, Item, Parsed, StrftimeItems};
use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;

/// Parses a timestamp into Unix **milliseconds** (UTC), rounding finer fractions down.
///
/// Accepts RFC 3339 (`2026-02-02T10:00:00Z`, `2026-02-02T10:00:00.250+05:30`, a space
/// instead of `T`) and Unix seconds (`1770026400`, with an optional fraction). A 13-digit
/// integer is taken as Unix milliseconds, as some exports write them.
///
/// ```
/// use wacost_core::read::time::parse_timestamp;
/// assert_eq!(parse_timestamp(b"2026-02-02T10:00:00Z"), Some(1_770_026_400_000));
/// assert_eq!(parse_timestamp(b"2026-02-02T11:00:00.25+01:00"), Some(1_770_026_400_250));
/// assert_eq!(parse_timestamp(b"1770026400"), Some(1_770_026_400_000));
/// assert_eq!(parse_timestamp(b"1770026400123"), Some(1_770_026_400_123));
/// assert_eq!(parse_timestamp(b"yesterday"), None);
/// ```
pub fn parse_timestamp(raw: &[u8]) -> Option<i64> {
    let b = raw.trim_ascii();
    if b.is_empty() {
        return None;
    }
    if let Some(t) = plain_unix_seconds(b) {
        return Some(t * 1000);
    }
    if excel_serial(b) {
        return None;
    }
    if b[0].is_ascii_digit() && b.len() <= 24 && !b.contains(&b'-') && !b.contains(&b':') {
        return parse_unix(b);
    }
    if let Some(t) = fast_rfc3339_utc(b) {
        return Some(t);
    }
    let s = std::str::from_utf8(b).ok()?;
    let normalized;
    let s = if s.len() > 10 && s.as_bytes()[10] == b' ' {
        normalized = format!("{}T{}", &s[..10], &s[11..]);
        normalized.as_str()
    } else {
        s
    };
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.timestamp_millis())
}

/// A date format given by the user, in chrono's strftime codes (`%d/%m/%Y %H:%M`), checked
/// once: it must name a date and a time of day to the minute at least, and read back what it
/// writes. With `%z` (or `%:z`) the offset comes from each timestamp; without it the times
/// are wall-clock times in the WABA's time zone.
#[derive(Clone, Debug, PartialEq)]
pub struct DateFormat {
    text: String,
    items: Vec<Item<'static>>,
    offset: bool,
}

/// Why a date format cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DateFormatError {
    /// A code chrono does not know (`%Q`), or a `%` at the end.
    #[error("{format:?} is not a date format: it holds a code chrono's strftime does not know")]
    Unknown {
        /// The format as given.
        format: String,
    },
    /// A format that cannot read a whole date and time back (`%d/%m/%Y` alone, `%H:%M`).
    #[error(
        "the date format {format:?} does not read back a date and a time of day (day, month, \
         year, hour and minute at least; e.g. %d/%m/%Y %H:%M)"
    )]
    Incomplete {
        /// The format as given.
        format: String,
    },
}

impl DateFormat {
    /// Checks a format: known codes, and a date with a time of day that reads back what it
    /// writes (2026-02-13 14:35 written with it and read again is 2026-02-13 14:35).
    ///
    /// ```
    /// use wacost_core::read::time::DateFormat;
    /// assert!(DateFormat::new("%d/%m/%Y %H:%M").is_ok());
    /// assert!(DateFormat::new("%d/%m/%Y").is_err());
    /// assert!(DateFormat::new("%d/%m/%Y %Q").is_err());
    /// ```
    pub fn new(format: &str) -> Result<DateFormat, DateFormatError> {
        let unknown = || DateFormatError::Unknown {
            format: format.to_string(),
        };
        let items = StrftimeItems::new(format)
            .parse_to_owned()
            .map_err(|_| unknown())?;
        let offset = items.iter().any(|i| {
            matches!(
                i,
                Item::Fixed(
                    Fixed::TimezoneOffset
                        | Fixed::TimezoneOffsetColon
                        | Fixed::TimezoneOffsetDoubleColon
                        | Fixed::TimezoneOffsetTripleColon
                        | Fixed::TimezoneOffsetColonZ
                        | Fixed::TimezoneOffsetZ
                        | Fixed::RFC2822
                        | Fixed::RFC3339
                )
            )
        });
        let f = DateFormat {
            text: format.to_string(),
            items,
            offset,
        };
        let sample = NaiveDate::from_ymd_opt(2026, 2, 13)
            .and_then(|d| d.and_hms_opt(14, 35, 0))
            .ok_or_else(unknown)?;
        let offset = chrono::FixedOffset::east_opt(3600).ok_or_else(unknown)?;
        let written = offset
            .from_local_datetime(&sample)
            .single()
            .ok_or_else(unknown)?
            .format_with_items(f.items.iter())
            .to_string();
        let instant = sample.and_utc().timestamp_millis() - 3_600_000;
        // Etc/GMT-1 is one hour ahead of UTC, as the offset written above.
        let read = f.read(written.as_bytes(), chrono_tz::Etc::GMTMinus1);
        match read {
            Some((LocalResult::Single(t), _)) if t == instant => Ok(f),
            _ => Err(DateFormatError::Incomplete {
                format: format.to_string(),
            }),
        }
    }

    /// The format as given.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether timestamps carry their own offset (`%z`).
    pub fn has_offset(&self) -> bool {
        self.offset
    }

    /// A timestamp read with the format: its instant (Unix milliseconds), the two of a
    /// repeated wall-clock time, or none of a skipped one, and whether it was read as a
    /// wall-clock time (no offset in it); `None` when it does not match.
    fn read(&self, raw: &[u8], zone: Tz) -> Option<(LocalResult<i64>, bool)> {
        let s = std::str::from_utf8(raw.trim_ascii()).ok()?;
        let mut parsed = Parsed::new();
        chrono::format::parse(&mut parsed, s, self.items.iter()).ok()?;
        if parsed.offset().is_some() {
            let t = parsed.to_datetime().ok()?.timestamp_millis();
            return Some((LocalResult::Single(t), false));
        }
        let naive = parsed.to_naive_datetime_with_offset(0).ok()?;
        if parsed.timestamp().is_some() {
            // `%s`: Unix seconds, an instant already.
            return Some((
                LocalResult::Single(naive.and_utc().timestamp_millis()),
                false,
            ));
        }
        Some((local_instant(naive, zone), true))
    }
}

/// How timestamps without a UTC offset are read: the WABA's time zone, and the user's date
/// format if any.
#[derive(Clone, Debug, PartialEq)]
pub struct LocalTimes {
    /// The zone wall-clock times are read in.
    pub timezone: Tz,
    /// Every timestamp in this format, when given.
    pub format: Option<DateFormat>,
}

impl Default for LocalTimes {
    fn default() -> LocalTimes {
        LocalTimes {
            timezone: chrono_tz::UTC,
            format: None,
        }
    }
}

/// Why a timestamp cannot be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimestampProblem {
    /// None of the accepted forms.
    Unreadable,
    /// An Excel serial date (see [`excel_serial`]).
    ExcelSerial,
    /// A wall-clock time the zone skips (clocks set forward).
    Skipped,
    /// Not in the user's date format.
    NotInFormat,
}

/// How many timestamps a [`TimestampParser`] read as wall-clock times.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LocalCounts {
    /// Read in the zone (no offset written): the ambiguous ones included.
    pub local: u64,
    /// Of those, wall-clock times the zone repeats (clocks set back): the earlier instant.
    pub ambiguous: u64,
}

/// The instant(s) of a wall-clock time in a zone, in Unix milliseconds.
fn local_instant(naive: NaiveDateTime, zone: Tz) -> LocalResult<i64> {
    zone.from_local_datetime(&naive)
        .map(|d| d.timestamp_millis())
}

/// `YYYY-MM-DD HH:MM[:SS[.fff]]` (or `T` between), without an offset: the date-time a
/// spreadsheet writes. No allocation.
fn naive_datetime(b: &[u8]) -> Option<NaiveDateTime> {
    if b.len() < 16
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let mut v = 0u32;
        for &c in &b[r] {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u32::from(c - b'0');
        }
        Some(v)
    };
    let date = NaiveDate::from_ymd_opt(i32::try_from(num(0..4)?).ok()?, num(5..7)?, num(8..10)?)?;
    let (hour, minute) = (num(11..13)?, num(14..16)?);
    let rest = &b[16..];
    let (second, ms) = match rest {
        [] => (0, 0),
        [b':', s1, s2, frac @ ..] => {
            let second = num(17..19).filter(|_| s1.is_ascii_digit() && s2.is_ascii_digit())?;
            let ms = match frac {
                [] => 0,
                [b'.', digits @ ..]
                    if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) =>
                {
                    u32::try_from(fraction_ms(digits)).ok()?
                }
                _ => return None,
            };
            (second, ms)
        }
        _ => return None,
    };
    let time = NaiveTime::from_hms_milli_opt(hour, minute, second, ms)?;
    Some(date.and_time(time))
}

/// [`parse_timestamp`] for a column of timestamps, remembering the last UTC date it saw: in
/// a log in time order, row after row shares the date, and `YYYY-MM-DDTHH:MM:SSZ` then
/// needs only its time of day read. Without a date format, the same result as
/// [`parse_timestamp`] for every timestamp that reads; besides, wall-clock times without an
/// offset are read in the zone of its [`LocalTimes`] (and counted). With a date format given
/// there, every timestamp is read with it alone.
#[derive(Clone, Debug, Default)]
pub struct TimestampParser {
    /// The last `YYYY-MM-DD` of a `…Z` timestamp, and its midnight in Unix milliseconds.
    date: Option<([u8; 10], i64)>,
    local: LocalTimes,
    counts: LocalCounts,
}

impl TimestampParser {
    /// A parser with nothing remembered, reading times without an offset in UTC.
    pub fn new() -> TimestampParser {
        TimestampParser::default()
    }

    /// A parser reading times without an offset as `local` says.
    pub fn with_local(local: LocalTimes) -> TimestampParser {
        TimestampParser {
            local,
            ..TimestampParser::default()
        }
    }

    /// How times without an offset are read.
    pub fn local_times(&self) -> &LocalTimes {
        &self.local
    }

    /// How many timestamps were read as wall-clock times so far.
    pub fn local_counts(&self) -> LocalCounts {
        self.counts
    }

    /// Parses into Unix milliseconds, `None` when [`TimestampParser::read`] is an error.
    pub fn parse(&mut self, raw: &[u8]) -> Option<i64> {
        self.read(raw).ok()
    }

    /// Parses into Unix milliseconds, or says why not.
    pub fn read(&mut self, raw: &[u8]) -> Result<i64, TimestampProblem> {
        if let Some(format) = &self.local.format {
            return match format.read(raw, self.local.timezone) {
                None => Err(TimestampProblem::NotInFormat),
                Some((r, true)) => self.count(r),
                Some((r, false)) => r.earliest().ok_or(TimestampProblem::Skipped),
            };
        }
        let b = raw.trim_ascii();
        // A wall-clock time ends with a digit (a `…Z` never does): tried before the general
        // parser, which would allocate for the space between date and time.
        if b.last().is_some_and(u8::is_ascii_digit)
            && let Some(naive) = naive_datetime(b)
        {
            return self.count(local_instant(naive, self.local.timezone));
        }
        if let Some(t) = self.parse_written(raw) {
            return Ok(t);
        }
        Err(if excel_serial(b) {
            TimestampProblem::ExcelSerial
        } else {
            TimestampProblem::Unreadable
        })
    }

    /// A wall-clock time's instant, counted: the earlier of two, an error for none.
    fn count(&mut self, r: LocalResult<i64>) -> Result<i64, TimestampProblem> {
        let t = match r {
            LocalResult::Single(t) => t,
            LocalResult::Ambiguous(earlier, _) => {
                self.counts.ambiguous += 1;
                earlier
            }
            LocalResult::None => return Err(TimestampProblem::Skipped),
        };
        self.counts.local += 1;
        Ok(t)
    }

    /// [`parse_timestamp`], with the date remembered.
    fn parse_written(&mut self, raw: &[u8]) -> Option<i64> {
        if let Some(b) = <&[u8; 20]>::try_from(raw)
            .ok()
            .filter(|b| b[10] == b'T' && b[19] == b'Z')
        {
            if let Some((date, midnight)) = self.date
                && b[..10] == date
                && let Some(seconds) = time_of_day(&b[11..19])
            {
                return Some(midnight + seconds * 1000);
            }
            let t = parse_timestamp(raw)?;
            if let (Ok(date), Some(seconds)) = (b[..10].try_into(), time_of_day(&b[11..19])) {
                self.date = Some((date, t - seconds * 1000));
            }
            return Some(t);
        }
        parse_timestamp(raw)
    }
}

/// Whether a timestamp cell holds an Excel serial date (`45689.4166`: days since
/// 1899-12-30 and a fraction of a day), what a spreadsheet writes when a date column is
/// saved as a number. As Unix seconds it would fall in the first months of 1970, so
/// [`parse_timestamp`] refuses it rather than price a message in 1970.
pub fn excel_serial(raw: &[u8]) -> bool {
    let b = raw.trim_ascii();
    let int = b.split(|c| *c == b'.').next().unwrap_or(b);
    let frac_ok = b
        .get(int.len() + 1..)
        .is_none_or(|f| f.iter().all(u8::is_ascii_digit));
    !int.is_empty()
        && int.len() <= 7
        && int.iter().all(u8::is_ascii_digit)
        && frac_ok
        && b.iter().filter(|c| **c == b'.').count() <= 1
}

/// `HH:MM:SS` as seconds since midnight (no leap second: those take the general path).
fn time_of_day(b: &[u8]) -> Option<i64> {
    let two = |i: usize| -> Option<i64> {
        let (h, l) = (b[i].wrapping_sub(b'0'), b[i + 1].wrapping_sub(b'0'));
        (h <= 9 && l <= 9).then(|| i64::from(h * 10 + l))
    };
    if b.len() != 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let (h, m, s) = (two(0)?, two(3)?, two(6)?);
    (h <= 23 && m <= 59 && s <= 59).then_some(h * 3600 + m * 60 + s)
}

/// Ten digits of Unix seconds (2001-09-09 to 2286-11-20), the form most exports and our
/// own simulator write: one pass, no fraction, no milliseconds. Anything else is `None` and
/// takes the general path.
fn plain_unix_seconds(b: &[u8]) -> Option<i64> {
    let digits: &[u8; 10] = b.try_into().ok()?;
    let mut v = 0i64;
    for &c in digits {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + i64::from(d);
    }
    Some(v)
}

/// The milliseconds of a fraction of a second written as digits (`25` is 250 ms; digits
/// past the third are dropped).
fn fraction_ms(digits: &[u8]) -> i64 {
    let mut ms = 0i64;
    for i in 0..3 {
        ms = ms * 10 + digits.get(i).map_or(0, |c| i64::from(c - b'0'));
    }
    ms
}

/// Unix seconds with an optional fraction, or 13 digits of Unix milliseconds, as Unix
/// milliseconds.
fn parse_unix(b: &[u8]) -> Option<i64> {
    let (int, frac) = match b.iter().position(|c| *c == b'.') {
        Some(p) => (&b[..p], &b[p + 1..]),
        None => (b, &b[..0]),
    };
    if int.is_empty() || !int.iter().all(u8::is_ascii_digit) || !frac.iter().all(u8::is_ascii_digit)
    {
        return None;
    }
    let mut v: i64 = 0;
    for &c in int {
        v = v.checked_mul(10)?.checked_add(i64::from(c - b'0'))?;
    }
    if int.len() == 13 && frac.is_empty() {
        return Some(v);
    }
    if int.len() > 11 {
        return None;
    }
    v.checked_mul(1000)?.checked_add(fraction_ms(frac))
}

/// `YYYY-MM-DDTHH:MM:SS[.fff]Z` without chrono's general parser: the common case of
/// exported logs, on the hot path. Unix milliseconds.
fn fast_rfc3339_utc(b: &[u8]) -> Option<i64> {
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b'T' || b[10] == b't' || b[10] == b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let last = b[b.len() - 1];
    if last != b'Z' && last != b'z' {
        return None;
    }
    let rest = &b[19..b.len() - 1];
    if !(rest.is_empty()
        || (rest[0] == b'.' && rest.len() > 1 && rest[1..].iter().all(u8::is_ascii_digit)))
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let mut v = 0i64;
        for &c in &b[r] {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + i64::from(c - b'0');
        }
        Some(v)
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) {
        return None;
    }
    // A leap second (:60) is None here: chrono decides.
    let seconds = days_from_civil(y, mo, d) * 86_400 + time_of_day(&b[11..19])?;
    let ms = if rest.is_empty() {
        0
    } else {
        fraction_ms(&rest[1..])
    };
    Some(seconds * 1000 + ms)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn forms() {
        assert_eq!(
            parse_timestamp(b"2026-02-02 10:00:00Z"),
            Some(1_770_026_400_000)
        );
        assert_eq!(
            parse_timestamp(b"2026-02-02T10:00:00.999Z"),
            Some(1_770_026_400_999)
        );
        assert_eq!(
            parse_timestamp(b"2026-02-02T10:00:00.2Z"),
            Some(1_770_026_400_200)
        );
        assert_eq!(
            parse_timestamp(b"2026-02-02T10:00:00.123456789Z"),
            Some(1_770_026_400_123),
            "finer than a millisecond is rounded down"
        );
        assert_eq!(
            parse_timestamp(b"2026-02-02T07:00:00-03:00"),
            Some(1_770_026_400_000)
        );
        assert_eq!(parse_timestamp(b"1770026400000"), Some(1_770_026_400_000));
        assert_eq!(parse_timestamp(b"1770026400.5"), Some(1_770_026_400_500));
        assert_eq!(parse_timestamp(b"2026-02-30T10:00:00Z"), None);
        assert_eq!(
            parse_timestamp(b"2026-02-02"),
            None,
            "a date alone is ambiguous"
        );
        assert_eq!(parse_timestamp(b""), None);
    }

    fn in_zone(zone: Tz) -> TimestampParser {
        TimestampParser::with_local(LocalTimes {
            timezone: zone,
            format: None,
        })
    }

    #[test]
    fn wall_clock_times_are_read_in_the_zone() {
        // 2026-02-02 10:00 UTC is 1_770_026_400_000.
        let mut utc = in_zone(chrono_tz::UTC);
        for form in [
            "2026-02-02 10:00:00",
            "2026-02-02T10:00:00",
            "2026-02-02T10:00",
            "2026-02-02 10:00",
            "2026-02-02t10:00:00.000",
        ] {
            assert_eq!(utc.read(form.as_bytes()), Ok(1_770_026_400_000), "{form}");
        }
        assert_eq!(
            utc.read(b"2026-02-02 10:00:00.25"),
            Ok(1_770_026_400_250),
            "fractions"
        );
        assert_eq!(
            utc.local_counts(),
            LocalCounts {
                local: 6,
                ambiguous: 0
            }
        );
        // São Paulo is UTC-3 all year since 2019: 07:00 there is 10:00 UTC.
        let mut sp = in_zone(chrono_tz::America::Sao_Paulo);
        assert_eq!(sp.read(b"2026-02-02 07:00"), Ok(1_770_026_400_000));
        // Written with an offset or as `Z`, the zone does not apply and nothing is counted.
        assert_eq!(sp.read(b"2026-02-02T10:00:00Z"), Ok(1_770_026_400_000));
        assert_eq!(sp.read(b"2026-02-02T07:00:00-03:00"), Ok(1_770_026_400_000));
        assert_eq!(sp.read(b"1770026400"), Ok(1_770_026_400_000));
        assert_eq!(sp.local_counts().local, 1);
        // Not date-times: a date alone, a bad time, a serial date.
        assert_eq!(sp.read(b"2026-02-02"), Err(TimestampProblem::Unreadable));
        assert_eq!(
            sp.read(b"2026-02-02 25:00"),
            Err(TimestampProblem::Unreadable)
        );
        assert_eq!(
            sp.read(b"2026-02-02 10:00:"),
            Err(TimestampProblem::Unreadable)
        );
        assert_eq!(
            sp.read(b"2026-02-30 10:00"),
            Err(TimestampProblem::Unreadable)
        );
        assert_eq!(sp.read(b"45689.4166"), Err(TimestampProblem::ExcelSerial));
    }

    #[test]
    fn skipped_times_are_errors_and_repeated_ones_the_first_instant() {
        let mut ny = in_zone(chrono_tz::America::New_York);
        // 2026-03-08: at 02:00 EST the clocks go to 03:00 EDT; 02:30 never happens.
        assert_eq!(
            ny.read(b"2026-03-08 02:30:00"),
            Err(TimestampProblem::Skipped)
        );
        // 01:59 EST (-05:00) is 06:59 UTC; 03:00 EDT (-04:00) is 07:00 UTC.
        assert_eq!(
            ny.read(b"2026-03-08 01:59"),
            parse_timestamp(b"2026-03-08T06:59:00Z").ok_or(TimestampProblem::Unreadable)
        );
        assert_eq!(
            ny.read(b"2026-03-08 03:00"),
            parse_timestamp(b"2026-03-08T07:00:00Z").ok_or(TimestampProblem::Unreadable)
        );
        // 2026-11-01: at 02:00 EDT the clocks go back to 01:00 EST; 01:30 happens at 05:30
        // UTC (EDT) and again at 06:30 UTC (EST): the first is taken, and counted.
        assert_eq!(
            ny.read(b"2026-11-01 01:30"),
            parse_timestamp(b"2026-11-01T05:30:00Z").ok_or(TimestampProblem::Unreadable)
        );
        assert_eq!(
            ny.local_counts(),
            LocalCounts {
                local: 3,
                ambiguous: 1
            },
            "the skipped time is not counted"
        );
    }

    #[test]
    fn a_date_format_reads_every_timestamp() {
        let day_first = DateFormat::new("%d/%m/%Y %H:%M").unwrap();
        assert!(!day_first.has_offset());
        let mut p = TimestampParser::with_local(LocalTimes {
            timezone: chrono_tz::America::Sao_Paulo,
            format: Some(day_first),
        });
        assert_eq!(p.read(b"02/02/2026 07:00"), Ok(1_770_026_400_000));
        assert_eq!(p.read(b" 02/02/2026 07:00 "), Ok(1_770_026_400_000));
        // With a format, every timestamp must match it: RFC 3339 too.
        assert_eq!(
            p.read(b"2026-02-02T10:00:00Z"),
            Err(TimestampProblem::NotInFormat)
        );
        assert_eq!(
            p.read(b"31/02/2026 07:00"),
            Err(TimestampProblem::NotInFormat)
        );
        assert_eq!(p.local_counts().local, 2);
        // An offset in the format: the zone does not apply.
        let with_offset = DateFormat::new("%d.%m.%Y %H:%M:%S %z").unwrap();
        assert!(with_offset.has_offset());
        let mut p = TimestampParser::with_local(LocalTimes {
            timezone: chrono_tz::America::Sao_Paulo,
            format: Some(with_offset),
        });
        assert_eq!(p.read(b"02.02.2026 11:00:00 +0100"), Ok(1_770_026_400_000));
        assert_eq!(p.local_counts().local, 0);
    }

    #[test]
    fn formats_that_cannot_be_used_are_refused() {
        assert!(DateFormat::new("%d/%m/%Y %H:%M").is_ok());
        assert!(DateFormat::new("%Y-%m-%dT%H:%M:%S%.f").is_ok());
        assert!(DateFormat::new("%m/%d/%y %I:%M %p").is_ok());
        assert!(DateFormat::new("%s").is_ok(), "Unix seconds: an instant");
        for (format, unknown) in [
            ("%d/%m/%Y %Q", true),
            ("%d/%m/%Y %H:%", true),
            ("%d/%m/%Y", false),
            ("%H:%M", false),
            ("%d/%m %H:%M", false),
            ("%d/%m/%Y %H", false),
            ("", false),
        ] {
            let e = DateFormat::new(format).unwrap_err();
            let expected = if unknown {
                DateFormatError::Unknown {
                    format: format.into(),
                }
            } else {
                DateFormatError::Incomplete {
                    format: format.into(),
                }
            };
            assert_eq!(e, expected, "{format:?}");
        }
        assert_eq!(
            DateFormat::new("%d/%m/%Y").unwrap_err().to_string(),
            "the date format \"%d/%m/%Y\" does not read back a date and a time of day (day, \
             month, year, hour and minute at least; e.g. %d/%m/%Y %H:%M)"
        );
        assert_eq!(
            DateFormat::new("%Q").unwrap_err().to_string(),
            "\"%Q\" is not a date format: it holds a code chrono's strftime does not know"
        );
    }

    proptest! {
        #[test]
        fn wall_clock_times_agree_with_chrono(secs in 0i64..4_102_444_800, ms in 0i64..1000) {
            // In UTC, the wall-clock time is the instant.
            let t = chrono::DateTime::from_timestamp_millis(secs * 1000 + ms).unwrap();
            let s = t.format("%Y-%m-%d %H:%M:%S%.3f").to_string();
            prop_assert_eq!(in_zone(chrono_tz::UTC).read(s.as_bytes()), Ok(secs * 1000 + ms));
        }

        #[test]
        fn local_reading_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..40)) {
            let _ = in_zone(chrono_tz::Europe::London).read(&bytes);
            let mut p = TimestampParser::with_local(LocalTimes {
                timezone: chrono_tz::Australia::Lord_Howe,
                format: Some(DateFormat::new("%d/%m/%Y %H:%M").unwrap()),
            });
            let _ = p.read(&bytes);
        }

        #[test]
        fn fast_path_agrees_with_chrono(secs in 0i64..4_102_444_800) {
            let s = chrono::DateTime::from_timestamp(secs, 0).unwrap().format("%Y-%m-%dT%H:%M:%SZ").to_string();
            prop_assert_eq!(fast_rfc3339_utc(s.as_bytes()), Some(secs * 1000));
        }

        #[test]
        fn ten_digit_fast_path_agrees_with_the_general_one(secs in 1_000_000_000i64..9_999_999_999) {
            let s = secs.to_string();
            prop_assert_eq!(plain_unix_seconds(s.as_bytes()), Some(secs));
            prop_assert_eq!(parse_unix(s.as_bytes()), Some(secs * 1000));
        }

        #[test]
        fn remembering_the_date_changes_nothing(
            times in prop::collection::vec(1_600_000_000i64..1_900_000_000, 1..50),
            odd in prop::collection::vec(prop::sample::select(vec![
                "2026-02-30T10:00:00Z", "2026-02-02T24:00:00Z", "2026-02-02T10:00:60Z",
                "2026-02-02T1O:00:00Z", "1770026400", "2026-02-02T10:00:00+01:00",
            ]), 0..5),
        ) {
            let mut sorted = times.clone();
            sorted.sort();
            let mut texts: Vec<String> = sorted
                .iter()
                .map(|t| chrono::DateTime::from_timestamp(*t, 0).unwrap().format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .collect();
            for (i, o) in odd.iter().enumerate() {
                texts.insert((i * 7) % (texts.len() + 1), o.to_string());
            }
            let mut p = TimestampParser::new();
            for t in &texts {
                prop_assert_eq!(p.parse(t.as_bytes()), parse_timestamp(t.as_bytes()), "{}", t);
            }
        }

        #[test]
        fn fractions_agree_with_chrono(secs in 0i64..4_102_444_800, ms in 0i64..1000) {
            let t = chrono::DateTime::from_timestamp_millis(secs * 1000 + ms).unwrap();
            let s = t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
            prop_assert_eq!(fast_rfc3339_utc(s.as_bytes()), Some(secs * 1000 + ms));
            prop_assert_eq!(parse_timestamp(s.as_bytes()), Some(secs * 1000 + ms));
        }

        #[test]
        fn never_panics(bytes in prop::collection::vec(any::<u8>(), 0..40)) {
            let _ = parse_timestamp(&bytes);
        }
    }
}
