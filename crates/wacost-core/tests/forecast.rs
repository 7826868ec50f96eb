//! The forecast of a steady log's next month lands close to what that month really costs:
//! a two-month log simulated from a scenario, learnt from its first month, forecast for its
//! second, compared with the second month's replay. And the scenario file the forecast
//! writes simulates to the same figures.

use rust_decimal::Decimal;
use wacost_core::classify::ClassifyConfig;
use wacost_core::forecast::{self, ForecastOptions};
use wacost_core::period::Period;
use wacost_core::pricing::RateBook;
use wacost_core::replay::{ReadLog, Replay};
use wacost_core::simulate::{Generator, Scenario};

/// A shop in Brazil and Mexico, November and December 2026 (service messages charged, less
/// 1,000 free a month per business number).
const STEADY: &str = r#"
seed = 11
timezone = "America/Sao_Paulo"
business_numbers = ["+55 11 4000 0001", "+55 11 4000 0002"]
[period]
start = 2026-11-01
months = 2
[audience.BR]
contacts = 3000
[audience.MX]
contacts = 1000
[inbound]
conversations_per_contact_month = 0.6
messages_per_conversation = 2.5
message_gap_minutes = 3
hourly = [0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.8, 1.2, 1.6, 1.8, 1.8,
          1.6, 1.6, 1.7, 1.7, 1.6, 1.5, 1.5, 1.6, 1.7, 1.4, 0.9, 0.4]
weekday = [1.0, 1.0, 1.0, 1.0, 1.1, 0.8, 0.6]
ctwa_ad_share = 0.08
page_cta_share = 0.02
[service]
automation_share = 0.35
automation_reply_seconds = 4
agent_median_minutes = 12
agent_p90_minutes = 180
replies_per_conversation = 2
follow_up_share = 0.15
follow_up_delay_hours = 10
[templates.marketing.newsletter]
audience_share = 0.7
sends_per_month = 2
[templates.marketing.flash_sale]
audience_share = 0.25
send_hour = 19
[templates.utility]
per_contact_month = 0.9
in_window_share = 0.3
[templates.authentication]
per_contact_month = 0.4
[delivery.marketing]
delivered = 0.92
failed = 0.05
[delivery.utility]
delivered = 0.97
failed = 0.02
"#;

fn log() -> (ReadLog, Scenario) {
    let s = Scenario::parse(STEADY, "steady.toml").unwrap();
    let events: Vec<_> = Generator::new(&s, s.seed).unwrap().events().collect();
    (
        ReadLog {
            events,
            ..ReadLog::default()
        },
        s,
    )
}

#[test]
fn next_month_lands_near_what_it_cost() {
    let book = RateBook::embedded().unwrap();
    let (log, s) = log();
    let config = ClassifyConfig {
        timezone: s.timezone,
        ..ClassifyConfig::default()
    };
    let november = Period::month(Period::parse_month("2026-11").unwrap());
    let options = ForecastOptions {
        months: 1,
        runs: 40,
        seed: 5,
        workers: 2,
    };
    let f = forecast::forecast(&book, config, &log, &november, &options).unwrap();
    assert_eq!(f.learnt_from, "2026-11");
    assert_eq!(f.months.len(), 1);
    assert_eq!(f.months[0].month, "2026-12");
    // December as it really cost: the replay of the log, its December lines.
    let replayed = Replay::new(&book)
        .timezone(s.timezone)
        .events(&log.events)
        .unwrap();
    let december = Period::month(Period::parse_month("2026-12").unwrap());
    let actual = december.ledger(&replayed.ledger).total();
    assert_eq!(
        f.actual
            .iter()
            .find(|a| a.month == "2026-12")
            .unwrap()
            .total,
        actual
    );
    // Tolerance: 4 % of the month's actual spend. The month learnt from is one draw of the
    // traffic (marketing, three quarters of the bill, varies about 1 % from month to month
    // on 4,000 contacts: who each blast reaches, what is delivered), the month forecast is
    // another, and the learnt scenario simplifies the true one (two campaigns learnt as one
    // at one hour, follow-ups as utility templates, automation told from agents by a 60 s
    // first reply, only the contacts seen). Over six other seeds of this log the error was
    // 0.1 % to 2.9 %; with this seed it is 1.5 %.
    let m = &f.months[0];
    let error = ((m.p50 - actual) / actual).abs();
    assert!(
        error < Decimal::new(4, 2),
        "P50 {} vs actual {actual}",
        m.p50
    );
    assert!(m.p5 <= m.p50 && m.p50 <= m.p95);
    // Every category the month was charged in is forecast.
    let categories: Vec<&str> = m.by_category.keys().map(String::as_str).collect();
    assert_eq!(
        categories,
        ["authentication", "marketing", "service", "utility"]
    );
}

#[test]
fn the_written_scenario_simulates_to_the_same_figures() {
    let book = RateBook::embedded().unwrap();
    let (log, s) = log();
    let config = ClassifyConfig {
        timezone: s.timezone,
        ..ClassifyConfig::default()
    };
    let options = ForecastOptions {
        months: 2,
        runs: 6,
        seed: 9,
        workers: 2,
    };
    let november = Period::month(Period::parse_month("2026-11").unwrap());
    let f = forecast::forecast(&book, config, &log, &november, &options).unwrap();
    let months: Vec<&str> = f.months.iter().map(|m| m.month.as_str()).collect();
    assert_eq!(months, ["2026-12", "2027-01"]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("learnt.toml");
    std::fs::write(&path, &f.scenario).unwrap();
    let reloaded = Scenario::load(&path).unwrap();
    assert_eq!(reloaded.seed, 9);
    assert_eq!(
        reloaded.inbound.conversations_per_contact_month,
        f.fitted.conversations_per_contact_month
    );
    assert_eq!(reloaded.inbound.hourly, f.fitted.hourly);
    assert_eq!(
        reloaded.contacts(),
        u64::from(f.fitted.audience.values().sum::<u32>())
    );
    // One worker instead of two: the same runs.
    let again = forecast::simulate(&book, config, &reloaded, 6, 1).unwrap();
    assert_eq!(again, f.months);
}
