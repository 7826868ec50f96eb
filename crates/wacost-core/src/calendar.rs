//! calendar: days and months in the WABA's time zone.
//!
//! Meta bills by the calendar of the WABA's time zone: rate cards and rule regimes take
//! effect at 00:00 there, and free allowances and volume tiers count per calendar month
//! there. Every local date, midnight and month of the library comes from this module, so
//! that classification, settlement, the ledger, rate cards and regimes agree on them.
//!
//! Clock changes:
//!
//! - A midnight that does not exist (the clocks spring forward at 00:00, as in
//!   America/Asuncion, America/Santiago, or America/Sao_Paulo before 2019): the day starts at
//!   its first instant, the end of the gap. 2023-10-01 in Asuncion starts at 01:00 −03, which
//!   is 04:00Z.
//! - A midnight that happens twice (the clocks fall back across 00:00): the day starts at the
//!   earlier one.
//! - Any other local time the clocks skipped is read with the offset in force before the
//!   change (00:30 in a gap from 00:00 to 01:00 is 01:30 after it), as a clock that was not
//!   put forward would show it; a time that happens twice is the earlier.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike};
use chrono_tz::Tz;

/// A calendar month (of the WABA's time zone when it comes from an instant).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Month {
    /// Always the first day of the month, so that a `Month` is always a real one.
    first: NaiveDate,
}

impl Month {
    /// The month a date falls in.
    pub fn of(date: NaiveDate) -> Month {
        Month {
            first: date.with_day(1).unwrap_or(date),
        }
    }

    /// The month of the WABA's time zone an instant (Unix seconds) falls in.
    pub fn of_instant(tz: Tz, t: i64) -> Month {
        Month::of(local_date(tz, t))
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.first.year()
    }

    /// The month of the year, 1 to 12.
    pub fn number(self) -> u32 {
        self.first.month()
    }

    /// Its first day.
    pub fn first_day(self) -> NaiveDate {
        self.first
    }

    /// Its first instant (Unix seconds) in `tz`: 00:00 on its first day, or the first
    /// instant of that day where its midnight does not exist (see the [module docs](self)).
    pub fn start(self, tz: Tz) -> i64 {
        local_midnight(tz, self.first)
    }
}

impl std::fmt::Display for Month {
    /// `2026-02`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.number())
    }
}

/// The date in `tz` at an instant (Unix seconds). Instants outside chrono's range count as
/// 1970-01-01 UTC, as a timestamp reader never produces them.
pub fn local_date(tz: Tz, t: i64) -> NaiveDate {
    DateTime::from_timestamp(t, 0)
        .unwrap_or_default()
        .with_timezone(&tz)
        .date_naive()
}

/// The first instant (Unix seconds) of a date in `tz`: its 00:00, the earlier one where
/// 00:00 happens twice, and the end of the gap where the clocks skip 00:00.
pub fn local_midnight(tz: Tz, date: NaiveDate) -> i64 {
    let midnight = date.and_time(chrono::NaiveTime::MIN);
    local_time(tz, midnight).unwrap_or_else(|| end_of_gap(tz, midnight))
}

/// The instant (Unix seconds) of a local date and time in `tz`: the earlier where it
/// happens twice, `None` where the clocks skipped it.
pub fn local_time(tz: Tz, time: NaiveDateTime) -> Option<i64> {
    tz.from_local_datetime(&time)
        .earliest()
        .map(|t| t.timestamp())
}

/// [`local_time`], with a time the clocks skipped read with the offset in force before the
/// change (00:30 in a gap from 00:00 to 01:00 is 01:30 after it).
pub fn local_time_or_after(tz: Tz, time: NaiveDateTime) -> i64 {
    if let Some(t) = local_time(tz, time) {
        return t;
    }
    let change = end_of_gap(tz, time);
    let before = DateTime::from_timestamp(change - 1, 0)
        .unwrap_or_default()
        .with_timezone(&tz)
        .offset()
        .fix()
        .local_minus_utc();
    time.and_utc().timestamp() - i64::from(before)
}

/// The instant the clocks jumped over a local time that does not exist: the first local
/// time after it that exists. Clock changes happen on whole minutes and skip at most a few
/// hours, so the minutes of the next day are tried in turn. A time outside chrono's range
/// is read as UTC.
fn end_of_gap(tz: Tz, time: NaiveDateTime) -> i64 {
    let minute = time.with_second(0).unwrap_or(time);
    (1..=24 * 60)
        .find_map(|k| local_time(tz, minute + Duration::minutes(k)))
        .unwrap_or_else(|| time.and_utc().timestamp())
}

/// An instant in Unix milliseconds as RFC 3339 in UTC, as our files write it:
/// `2026-02-02T10:00:00Z`, with `.250` milliseconds when the instant has a fraction of a
/// second (`2026-02-02T10:00:00.250Z`).
///
/// ```
/// use wacost_core::calendar::format_instant;
/// assert_eq!(format_instant(1_770_026_400_000), "2026-02-02T10:00:00Z");
/// assert_eq!(format_instant(1_770_026_400_250), "2026-02-02T10:00:00.250Z");
/// ```
pub fn format_instant(time_ms: i64) -> String {
    let Some(t) = chrono::DateTime::from_timestamp_millis(time_ms) else {
        return time_ms.to_string();
    };
    if time_ms.rem_euclid(1000) == 0 {
        t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::{Asuncion, Havana, Los_Angeles, Sao_Paulo};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn utc(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp()
    }

    #[test]
    fn a_skipped_midnight_is_the_first_instant_of_the_day() {
        // Asuncion, 2023-10-01: 00:00 −04 became 01:00 −03, at 04:00Z.
        assert_eq!(
            local_midnight(Asuncion, date(2023, 10, 1)),
            utc("2023-10-01T04:00:00Z")
        );
        assert_eq!(
            Month::of(date(2023, 10, 17)).start(Asuncion),
            utc("2023-10-01T04:00:00Z")
        );
        // The second before belongs to 2023-09-30, that instant to 2023-10-01.
        assert_eq!(
            local_date(Asuncion, utc("2023-10-01T03:59:59Z")),
            date(2023, 9, 30)
        );
        assert_eq!(
            local_date(Asuncion, utc("2023-10-01T04:00:00Z")),
            date(2023, 10, 1)
        );
        // São Paulo, 2018-11-04 (before Brazil dropped summer time in 2019): 00:00 −03
        // became 01:00 −02, at 03:00Z.
        assert_eq!(
            local_midnight(Sao_Paulo, date(2018, 11, 4)),
            utc("2018-11-04T03:00:00Z")
        );
    }

    #[test]
    fn a_midnight_that_happens_twice_is_the_earlier() {
        // Havana, 2024-11-03: 01:00 −04 went back to 00:00 −05, so 00:00 happened at 04:00Z
        // and again at 05:00Z.
        let twice = date(2024, 11, 3).and_time(chrono::NaiveTime::MIN);
        assert!(Havana.from_local_datetime(&twice).single().is_none());
        assert_eq!(
            local_midnight(Havana, date(2024, 11, 3)),
            utc("2024-11-03T04:00:00Z")
        );
        // Asuncion, 2024-03-24: 00:00 −03 went back to 23:00 −04 of the 23rd, so it is
        // 23:00 that happened twice, and the 24th starts once, at 04:00Z.
        assert_eq!(
            local_midnight(Asuncion, date(2024, 3, 24)),
            utc("2024-03-24T04:00:00Z")
        );
    }

    #[test]
    fn ordinary_midnights_and_local_times() {
        assert_eq!(
            local_midnight(Los_Angeles, date(2025, 6, 6)),
            utc("2025-06-06T07:00:00Z")
        );
        assert_eq!(
            local_midnight(chrono_tz::UTC, date(2026, 2, 1)),
            utc("2026-02-01T00:00:00Z")
        );
        // 02:30 did not exist in Los Angeles on 2025-03-09 (02:00 PST became 03:00 PDT).
        let skipped = date(2025, 3, 9).and_hms_opt(2, 30, 0).unwrap();
        assert_eq!(local_time(Los_Angeles, skipped), None);
        assert_eq!(
            local_time_or_after(Los_Angeles, skipped),
            utc("2025-03-09T10:30:00Z")
        );
        // 01:30 happened twice on 2025-11-02: the earlier is PDT.
        let twice = date(2025, 11, 2).and_hms_opt(1, 30, 0).unwrap();
        assert_eq!(
            local_time(Los_Angeles, twice),
            Some(utc("2025-11-02T08:30:00Z"))
        );
        assert_eq!(
            local_time_or_after(Los_Angeles, twice),
            utc("2025-11-02T08:30:00Z")
        );
        // Asuncion, 00:30 in the gap of 2023-10-01: 04:30Z (01:30 −03).
        let in_gap = date(2023, 10, 1).and_hms_opt(0, 30, 0).unwrap();
        assert_eq!(
            local_time_or_after(Asuncion, in_gap),
            utc("2023-10-01T04:30:00Z")
        );
    }

    #[test]
    fn months() {
        let m = Month::of_instant(Asuncion, utc("2023-10-01T03:59:59Z"));
        assert_eq!((m.year(), m.number()), (2023, 9));
        assert_eq!(m.to_string(), "2023-09");
        assert_eq!(m.first_day(), date(2023, 9, 1));
        assert_eq!(m.start(Asuncion), utc("2023-09-01T04:00:00Z"));
        assert!(Month::of(date(2023, 9, 30)) < Month::of(date(2023, 10, 1)));
        assert_eq!(Month::of(date(2024, 2, 29)), Month::of(date(2024, 2, 1)));
    }
}
