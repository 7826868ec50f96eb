//! The library's errors as the binary prints them. The library says what is missing in its
//! own terms; here the command line adds the option that gives it, by matching the typed
//! error (never its words).

use wacost::classify::ClassifyError;
use wacost::fx::FxError;
use wacost::pricing::sheet::SheetError;
use wacost::pricing::{LoadError, PricingError};
use wacost::read::{ReadError, ReadErrorKind};
use wacost::replay::ReplayError;
use wacost::simulate::{SimulateError, TooLarge};

use super::Failure;

/// The formats `--input-format` names, for the hint of a log whose format cannot be told.
const INPUT_FORMATS: &str = "canonical|cloud-api|twilio|chat-export|parquet";

/// A read error, with the option that would have let the log be read.
fn read(e: &ReadError) -> String {
    match *e.kind {
        ReadErrorKind::UnknownFormat => format!("{e}: give --input-format {INPUT_FORMATS}"),
        ReadErrorKind::NoChatOptions => format!(
            "{}: cannot read a chat export without --business-name (the author who is the \
             business) to tell inbound from outbound",
            e.location()
        ),
        ReadErrorKind::NoChatContact { .. } => format!("{e}: give it with --chat-contact NUMBER"),
        ReadErrorKind::LineTooLong { .. } => {
            format!("{e} (a longer limit: --max-line-bytes BYTES)")
        }
        ReadErrorKind::NotInDateFormat { .. } => format!("{e} (given with --date-format)"),
        ReadErrorKind::SkippedLocalTime { .. } => {
            format!("{e}, or give the zone the log was written in with --timezone")
        }
        _ => e.to_string(),
    }
}

/// A pricing error, with the options that load a missing card.
fn pricing(e: &PricingError) -> String {
    match e {
        PricingError::NoCard { .. } => {
            format!("{e}; load one with --rate-card FILE --effective DATE")
        }
        PricingError::NoRate { .. } => format!(
            "{e}; load a card that has it with --rate-card FILE, price such messages at 0 with \
             --missing-rate zero, or skip them with --skip-invalid"
        ),
        _ => e.to_string(),
    }
}

/// A message that cannot be priced: where it was read, its time, then the pricing error
/// with its hint.
fn classify(e: &ClassifyError) -> String {
    let at = e.at.as_ref().map(|a| format!("{a}: ")).unwrap_or_default();
    format!("{at}message at {}: {}", e.time, pricing(&e.source))
}

/// A missing exchange rate, with the option that loads a table.
fn fx(e: &FxError) -> String {
    format!("{e} to a file passed with --fx FILE")
}

fn replay(e: &ReplayError) -> String {
    match e {
        ReplayError::Read(r) => read(r),
        ReplayError::Classify(c) => classify(c),
        _ => e.to_string(),
    }
}

impl From<ReadError> for Failure {
    fn from(e: ReadError) -> Failure {
        Failure::input(read(&e))
    }
}

impl From<ReplayError> for Failure {
    fn from(e: ReplayError) -> Failure {
        Failure::input(replay(&e))
    }
}

impl From<PricingError> for Failure {
    fn from(e: PricingError) -> Failure {
        Failure::input(pricing(&e))
    }
}

impl From<FxError> for Failure {
    fn from(e: FxError) -> Failure {
        Failure::input(fx(&e))
    }
}

impl From<SimulateError> for Failure {
    fn from(e: SimulateError) -> Failure {
        Failure::input(match &e {
            SimulateError::Price(r) => replay(r),
            SimulateError::Fx(f) => fx(f),
            SimulateError::TooLarge(t) => too_large(t),
            _ => e.to_string(),
        })
    }
}

/// A simulation beyond the limits, with the options that raise them.
fn too_large(e: &TooLarge) -> String {
    format!("{e} (raise them with --max-memory and --max-time)")
}

impl From<TooLarge> for Failure {
    fn from(e: TooLarge) -> Failure {
        Failure::input(too_large(&e))
    }
}

impl From<SheetError> for Failure {
    fn from(e: SheetError) -> Failure {
        Failure::input(match &e {
            SheetError::Pricing(p) => pricing(p),
            _ => e.to_string(),
        })
    }
}

impl From<LoadError> for Failure {
    fn from(e: LoadError) -> Failure {
        Failure::input(match &e {
            LoadError::NoEffectiveDate { .. } => format!("{e}; give --effective YYYY-MM-DD"),
            _ => e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use wacost::money::Currency;
    use wacost::pricing::MetaFile;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// What the binary printed before the library's messages lost their option names.
    #[test]
    fn hints_give_the_messages_the_binary_always_printed() {
        let e = ReadError::at_line("x.txt", 1, ReadErrorKind::UnknownFormat);
        assert_eq!(
            Failure::from(e).message,
            "x.txt:1: cannot tell the format of this log: give --input-format \
             canonical|cloud-api|twilio|chat-export|parquet"
        );
        let e = ReadError::at_line(
            "log.csv",
            3,
            ReadErrorKind::SkippedLocalTime {
                value: "\"2026-03-08 02:30\"".into(),
                timezone: "America/New_York".into(),
            },
        );
        assert_eq!(
            Failure::from(e).message,
            "log.csv:3: timestamp \"2026-03-08 02:30\" does not exist in America/New_York (the \
             clocks were set forward at that hour): write it with its UTC offset, or give the \
             zone the log was written in with --timezone"
        );
        let e = ReadError::at_line(
            "log.csv",
            2,
            ReadErrorKind::NotInDateFormat {
                value: "\"2026-02-02\"".into(),
                format: "%d/%m/%Y %H:%M".into(),
            },
        );
        assert_eq!(
            Failure::from(e).message,
            "log.csv:2: timestamp \"2026-02-02\" does not match the date format \"%d/%m/%Y \
             %H:%M\" (given with --date-format)"
        );
        let e = ReadError::at_line("chat.txt", 1, ReadErrorKind::NoChatOptions);
        assert_eq!(
            Failure::from(ReplayError::Read(e)).message,
            "chat.txt:1: cannot read a chat export without --business-name (the author who is \
             the business) to tell inbound from outbound"
        );
        let no_card = PricingError::NoCard {
            currency: Currency::EUR,
            date: date(2020, 1, 1),
            first: "2024-07-01".into(),
        };
        let hinted = "no EUR rate card in force on 2020-01-01: the first EUR card starts \
                      2024-07-01; load one with --rate-card FILE --effective DATE";
        assert_eq!(Failure::from(no_card.clone()).message, hinted);
        let in_replay = ReplayError::Classify(ClassifyError {
            time: "2020-01-01T00:00:00+00:00".into(),
            source: no_card,
            row: None,
            at: None,
        });
        assert_eq!(
            Failure::from(SimulateError::Price(in_replay)).message,
            format!("message at 2020-01-01T00:00:00+00:00: {hinted}")
        );
        let e = FxError {
            from: Currency::USD,
            to: "BRL".parse().unwrap(),
            date: date(2025, 12, 31),
            origin: "fx.csv".into(),
        };
        assert_eq!(
            Failure::from(e).message,
            "no exchange rate from USD to BRL on or before 2025-12-31 in fx.csv: add a row \
             `date,USD,BRL,rate,source` (or the opposite pair) to a file passed with --fx FILE"
        );
        let e = LoadError::NoEffectiveDate {
            origin: "Tier Pricing.csv".into(),
            file: MetaFile::TierPricing,
        };
        assert_eq!(
            Failure::from(e).message,
            "Tier Pricing.csv:1: cannot tell when the tiers take effect; give --effective \
             YYYY-MM-DD"
        );
        let e = LoadError::NoEffectiveDate {
            origin: "Pricing.csv".into(),
            file: MetaFile::Pricing,
        };
        assert_eq!(
            Failure::from(e).message,
            "Pricing.csv:1: cannot tell when this card takes effect: no \"effective <Month> \
             <day>, <year>\" note line; give --effective YYYY-MM-DD"
        );
    }

    #[test]
    fn other_errors_are_printed_as_the_library_says_them() {
        let e = ReadError::at_line(
            "log.csv",
            4,
            ReadErrorKind::FieldCount {
                expected: 8,
                found: 5,
            },
        );
        assert_eq!(
            Failure::from(e).message,
            "log.csv:4: expected 8 fields like the header, found 5"
        );
        let e = PricingError::NoRegime {
            date: date(2023, 1, 1),
            first: date(2023, 6, 1),
        };
        assert_eq!(Failure::from(e.clone()).message, e.to_string());
    }
}

/// A what-if that cannot be used; a provider switch points to the command that compares
/// providers.
pub fn what_if(e: wacost::whatif::WhatIfError) -> Failure {
    match e {
        wacost::whatif::WhatIfError::ProviderSwitch { .. } => {
            Failure::usage(format!("--what-if {e}: wacost compare LOG --providers A,B"))
        }
        wacost::whatif::WhatIfError::Io { .. } | wacost::whatif::WhatIfError::Regimes(_) => {
            Failure::input(format!("--what-if: {e}"))
        }
        _ => Failure::usage(format!("--what-if: {e}")),
    }
}
