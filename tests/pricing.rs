//! The pricing core against hand-checked figures: every card file, every market move, the
//! regime boundaries, Meta's own file layouts, and the acceptance quotes.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use wacost::money::Currency;
use wacost::pricing::category::{Category, PricingModel, PricingType, Provenance};
use wacost::pricing::market::MarketNames;
use wacost::pricing::phone::{ContactNumber, Country};
use wacost::pricing::quote::{Quote, QuoteRequest, quote};
use wacost::pricing::ratecard::{Cell, RateCard};
use wacost::pricing::{BusinessProfile, DataSource, Loaded, PricingError, RateBook};

fn book() -> RateBook {
    RateBook::embedded().expect("embedded data loads")
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

struct Q {
    to: &'static str,
    category: Category,
    at: DateTime<Utc>,
    tz: Tz,
    csw: bool,
    fep: bool,
    profile: BusinessProfile,
    currency: Currency,
}

impl Q {
    fn new(to: &'static str, category: Category, at: &str) -> Q {
        Q {
            to,
            category,
            at: utc(at),
            tz: chrono_tz::UTC,
            csw: false,
            fep: false,
            profile: BusinessProfile::default(),
            currency: Currency::USD,
        }
    }
    fn csw(mut self) -> Q {
        self.csw = true;
        self
    }
    fn tz(mut self, tz: Tz) -> Q {
        self.tz = tz;
        self
    }
    fn run(&self, book: &RateBook) -> Result<Quote, PricingError> {
        quote(
            book,
            &QuoteRequest {
                to: ContactNumber::parse(self.to).unwrap(),
                category: self.category,
                at: self.at,
                timezone: self.tz,
                in_service_window: self.csw,
                in_free_entry_point: self.fep,
                currency: self.currency,
                profile: self.profile,
                tokens: None,
                template: None,
            },
        )
    }
}

const BRAZIL: &str = "+5511987654321";

#[test]
fn acceptance_quotes() {
    let b = book();
    let q = Q::new(BRAZIL, Category::Marketing, "2026-02-02T10:00:00Z")
        .run(&b)
        .unwrap();
    assert_eq!((q.amount, q.currency), (dec!(0.0625), Currency::USD));
    assert_eq!(q.market, "Brazil");

    let q = Q::new(BRAZIL, Category::Utility, "2026-02-02T10:00:00Z")
        .csw()
        .run(&b)
        .unwrap();
    assert_eq!(q.amount, Decimal::ZERO);
    assert_eq!(q.pricing_type, PricingType::FreeCustomerService);
    assert_eq!(
        q.rule,
        "utility template inside an open customer service window: free (since 2025-07-01)"
    );

    let q = Q::new(BRAZIL, Category::Utility, "2026-10-15T10:00:00Z")
        .csw()
        .run(&b)
        .unwrap();
    assert_eq!(
        q.amount,
        dec!(0.0068),
        "Brazil utility rate from 2026-10-01"
    );
    assert_eq!(q.pricing_type, PricingType::Regular);

    let q = Q::new("+18092201234", Category::Marketing, "2026-02-02T10:00:00Z")
        .run(&b)
        .unwrap();
    assert_eq!(q.market, "Rest of Latin America");
    assert_eq!(q.country.code(), "DO");
    assert_eq!(q.amount, dec!(0.0740));

    let zw_before = Q::new("+263771234567", Category::Marketing, "2025-09-30T23:59:59Z")
        .run(&b)
        .unwrap();
    assert_eq!(zw_before.market, "Other");
    assert_eq!(zw_before.amount, dec!(0.0604));
    let zw_after = Q::new("+263771234567", Category::Marketing, "2025-10-01T00:00:00Z")
        .run(&b)
        .unwrap();
    assert_eq!(zw_after.market, "Rest of Africa");
    assert_eq!(zw_after.amount, dec!(0.0225));
}

/// One figure from every card file, checked against the research CSV it came from.
#[test]
fn a_rate_from_every_card() {
    let b = book();
    let cases: &[(&str, &str, &str, Category, Decimal, Provenance)] = &[
        (
            "USD",
            "2023-06-01",
            "Egypt",
            Category::Marketing,
            dec!(0.1073),
            Provenance::Published,
        ),
        (
            "USD",
            "2023-06-01",
            "Rest of Africa",
            Category::Service,
            dec!(0.0363),
            Provenance::Published,
        ),
        (
            "USD",
            "2023-06-01",
            "India",
            Category::Service,
            dec!(0.0040),
            Provenance::Estimated,
        ),
        (
            "USD",
            "2024-06-01",
            "Indonesia",
            Category::AuthenticationInternational,
            dec!(0.1360),
            Provenance::Published,
        ),
        (
            "USD",
            "2024-07-01",
            "India",
            Category::Authentication,
            dec!(0.0014),
            Provenance::Published,
        ),
        (
            "USD",
            "2024-08-01",
            "Brazil",
            Category::Utility,
            dec!(0.0080),
            Provenance::Derived,
        ),
        (
            "USD",
            "2024-10-01",
            "Saudi Arabia",
            Category::Marketing,
            dec!(0.0455),
            Provenance::Derived,
        ),
        (
            "USD",
            "2024-11-01",
            "Chile",
            Category::Marketing,
            dec!(0.0889),
            Provenance::Published,
        ),
        (
            "USD",
            "2024-11-01",
            "Brazil",
            Category::Service,
            dec!(0),
            Provenance::Published,
        ),
        (
            "USD",
            "2025-02-01",
            "Egypt",
            Category::AuthenticationInternational,
            dec!(0.0650),
            Provenance::Estimated,
        ),
        (
            "USD",
            "2025-04-01",
            "Nigeria",
            Category::AuthenticationInternational,
            dec!(0.0750),
            Provenance::Derived,
        ),
        (
            "USD",
            "2025-07-01",
            "Argentina",
            Category::Utility,
            dec!(0.0289),
            Provenance::Published,
        ),
        (
            "USD",
            "2025-07-01",
            "Saudi Arabia",
            Category::Utility,
            dec!(0.0115),
            Provenance::Estimated,
        ),
        (
            "USD",
            "2025-10-01",
            "Mexico",
            Category::Marketing,
            dec!(0.0305),
            Provenance::Derived,
        ),
        (
            "USD",
            "2026-01-01",
            "India",
            Category::Marketing,
            dec!(0.0118),
            Provenance::Published,
        ),
        (
            "USD",
            "2026-04-01",
            "Saudi Arabia",
            Category::Marketing,
            dec!(0.0500),
            Provenance::Estimated,
        ),
        (
            "USD",
            "2026-04-01",
            "Pakistan",
            Category::Utility,
            dec!(0.0100),
            Provenance::Estimated,
        ),
        (
            "USD",
            "2026-07-01",
            "Hong Kong",
            Category::Marketing,
            dec!(0.0732),
            Provenance::Estimated,
        ),
        (
            "USD",
            "2026-07-01",
            "Brazil",
            Category::Marketing,
            dec!(0.0625),
            Provenance::Published,
        ),
        (
            "USD",
            "2026-10-01",
            "North America",
            Category::Service,
            dec!(0.0034),
            Provenance::Published,
        ),
        (
            "USD",
            "2026-10-01",
            "Brazil",
            Category::Service,
            dec!(0.0068),
            Provenance::Derived,
        ),
        (
            "USD",
            "2026-10-01",
            "Bangladesh",
            Category::AuthenticationInternational,
            dec!(0.0960),
            Provenance::Derived,
        ),
        (
            "INR",
            "2025-10-01",
            "India",
            Category::Marketing,
            dec!(0.7846),
            Provenance::Published,
        ),
        (
            "INR",
            "2026-01-01",
            "India",
            Category::Marketing,
            dec!(0.8631),
            Provenance::Published,
        ),
        (
            "INR",
            "2026-04-01",
            "India",
            Category::AuthenticationInternational,
            dec!(2.4971),
            Provenance::Published,
        ),
        (
            "INR",
            "2026-07-01",
            "India",
            Category::Marketing,
            dec!(0.8631),
            Provenance::Derived,
        ),
        (
            "INR",
            "2026-10-01",
            "India",
            Category::Service,
            dec!(0.1150),
            Provenance::Published,
        ),
        (
            "EUR",
            "2026-07-01",
            "Germany",
            Category::Marketing,
            dec!(0.1131),
            Provenance::Published,
        ),
        (
            "EUR",
            "2026-10-01",
            "Rest of Central & Eastern Europe",
            Category::Service,
            dec!(0.0175),
            Provenance::Published,
        ),
    ];
    let mut dates_seen = std::collections::BTreeSet::new();
    for (cur, d, market, category, rate, provenance) in cases {
        let currency: Currency = cur.parse().unwrap();
        let card = b.card_at(currency, date(d)).unwrap();
        assert_eq!(card.effective, date(d), "{cur} card of {d} exists");
        dates_seen.insert((currency, card.effective));
        let m = b
            .names
            .get(market)
            .unwrap_or_else(|| panic!("market {market}"));
        let cell = card
            .cell(m, *category)
            .unwrap_or_else(|| panic!("{cur} {d} {market} {category}"));
        assert_eq!(cell.rate, *rate, "{cur} {d} {market} {category}");
        assert_eq!(
            cell.provenance, *provenance,
            "{cur} {d} {market} {category}"
        );
    }
    assert_eq!(
        dates_seen.len(),
        b.cards().len(),
        "every card file is checked"
    );
}

#[test]
fn every_date_since_2023_06_has_a_usd_card_covering_every_market() {
    let b = book();
    assert!(b.card_at(Currency::USD, date("2023-05-31")).is_err());
    // The only known hole: India authentication templates launched on 2024-07-01.
    let gaps: Vec<String> = b
        .gaps()
        .into_iter()
        .filter(|g| g.starts_with("USD"))
        .collect();
    assert_eq!(gaps.len(), 2, "{gaps:#?}");
    assert!(
        gaps.iter()
            .all(|g| g.contains("no authentication rate for India")),
        "{gaps:#?}"
    );
    assert!(
        b.gaps().iter().all(|g| g.contains("India")),
        "{:#?}",
        b.gaps()
    );
}

#[test]
fn market_moves() {
    let b = book();
    let place = |n: &str, d: &str| {
        let (c, m) = b.place(ContactNumber::parse(n).unwrap(), date(d));
        (c.code().to_string(), b.names.name(m).to_string())
    };
    let hk = "+85291234567";
    assert_eq!(place(hk, "2026-06-30").1, "Rest of Asia Pacific");
    assert_eq!(place(hk, "2026-07-01").1, "Hong Kong");
    for (n, before, after) in [
        ("+48501234567", "Rest of Central & Eastern Europe", "Poland"),
        (
            "+36201234567",
            "Rest of Central & Eastern Europe",
            "Hungary",
        ),
        (
            "+40721234567",
            "Rest of Central & Eastern Europe",
            "Romania",
        ),
        ("+97433123456", "Rest of Middle East", "Qatar"),
        ("+6581234567", "Rest of Asia Pacific", "Singapore"),
    ] {
        assert_eq!(place(n, "2026-06-30").1, before, "{n}");
        assert_eq!(place(n, "2026-07-01").1, after, "{n}");
    }
    for (n, before, after) in [
        ("+8801712345678", "Rest of Asia Pacific", "Bangladesh"),
        ("+9647712345678", "Rest of Middle East", "Iraq"),
        ("+96550012345", "Rest of Middle East", "Kuwait"),
        ("+96892123456", "Rest of Middle East", "Oman"),
        ("+9779812345678", "Rest of Asia Pacific", "Nepal"),
        ("+94712345678", "Rest of Asia Pacific", "Sri Lanka"),
        ("+212612345678", "Rest of Africa", "Morocco"),
        (
            "+380501234567",
            "Rest of Central & Eastern Europe",
            "Ukraine",
        ),
        ("+77012345678", "Other", "Kazakhstan"),
    ] {
        assert_eq!(place(n, "2026-09-30").1, before, "{n}");
        assert_eq!(place(n, "2026-10-01").1, after, "{n}");
    }
    assert_eq!(place("+263771234567", "2025-09-30").1, "Other");
    assert_eq!(place("+263771234567", "2025-10-01").1, "Rest of Africa");
    // +7 outside Kazakhstan stays Russia; JM and PR are Rest of Latin America; +1 US is
    // North America; an unlisted country is Other.
    assert_eq!(
        place("+79161234567", "2026-10-01"),
        ("RU".into(), "Russia".into())
    );
    assert_eq!(
        place("+18765551234", "2026-01-01").1,
        "Rest of Latin America"
    );
    assert_eq!(
        place("+17875551234", "2026-01-01").1,
        "Rest of Latin America"
    );
    assert_eq!(
        place("+12125550100", "2026-01-01"),
        ("US".into(), "North America".into())
    );
    assert_eq!(
        place("+14165550100", "2026-01-01"),
        ("CA".into(), "North America".into())
    );
    assert_eq!(
        place("+35212345678", "2026-01-01").1,
        "Other",
        "Luxembourg is not listed"
    );
}

#[test]
fn numbers_outside_the_library_ranges_follow_their_calling_code() {
    let b = book();
    // +55 00… is not a range libphonenumber knows, but +55 is Brazil's alone.
    let (c, m) = b.place(
        ContactNumber::parse("+550012345678").unwrap(),
        date("2026-01-01"),
    );
    assert_eq!((c.code(), b.names.name(m)), ("BR", "Brazil"));
    // +1 809 with an unassigned exchange: the area code still says Dominican Republic.
    let (c, m) = b.place(
        ContactNumber::parse("+18090000000").unwrap(),
        date("2026-01-01"),
    );
    assert_eq!((c.code(), b.names.name(m)), ("DO", "Rest of Latin America"));
}

/// One second before and after each regime boundary, in UTC and in São Paulo (UTC−3).
#[test]
fn regime_boundaries() {
    let b = book();
    let sp: Tz = "America/Sao_Paulo".parse().unwrap();
    for (tz, offset_hours) in [(chrono_tz::UTC, 0), (sp, 3)] {
        let at = |d: &str, seconds: i64| {
            let midnight = utc(&format!("{d}T00:00:00Z")) + chrono::Duration::hours(offset_hours);
            (midnight + chrono::Duration::seconds(seconds)).to_rfc3339()
        };
        // 2023-06-01: nothing before, CBP after.
        let err = Q::new(BRAZIL, Category::Marketing, &at("2023-06-01", -1))
            .tz(tz)
            .run(&b);
        assert!(matches!(err, Err(PricingError::NoRegime { .. })), "{tz}");
        let q = Q::new(BRAZIL, Category::Marketing, &at("2023-06-01", 0))
            .tz(tz)
            .run(&b)
            .unwrap();
        assert_eq!(
            (q.pricing_model, q.amount),
            (PricingModel::Cbp, dec!(0.0625)),
            "{tz}"
        );

        // 2024-11-01: a service conversation stops costing money.
        let q = Q::new(BRAZIL, Category::Service, &at("2024-11-01", -1))
            .tz(tz)
            .csw()
            .run(&b)
            .unwrap();
        assert_eq!(q.amount, dec!(0.0300), "{tz}");
        let q = Q::new(BRAZIL, Category::Service, &at("2024-11-01", 0))
            .tz(tz)
            .csw()
            .run(&b)
            .unwrap();
        assert_eq!(
            (q.amount, q.pricing_type),
            (dec!(0), PricingType::FreeCustomerService),
            "{tz}"
        );

        // 2025-07-01: a utility template in the window: a charged CBP conversation, then free.
        let q = Q::new(BRAZIL, Category::Utility, &at("2025-07-01", -1))
            .tz(tz)
            .csw()
            .run(&b)
            .unwrap();
        assert_eq!(
            (q.pricing_model, q.amount),
            (PricingModel::Cbp, dec!(0.0080)),
            "{tz}"
        );
        let q = Q::new(BRAZIL, Category::Utility, &at("2025-07-01", 0))
            .tz(tz)
            .csw()
            .run(&b)
            .unwrap();
        assert_eq!(
            (q.pricing_model, q.amount),
            (PricingModel::Pmp, dec!(0)),
            "{tz}"
        );

        // 2026-10-01: in-window utility and service messages charged at the utility rate.
        let q = Q::new(BRAZIL, Category::Utility, &at("2026-10-01", -1))
            .tz(tz)
            .csw()
            .run(&b)
            .unwrap();
        assert_eq!(q.amount, dec!(0), "{tz}");
        let q = Q::new(BRAZIL, Category::Utility, &at("2026-10-01", 0))
            .tz(tz)
            .csw()
            .run(&b)
            .unwrap();
        assert_eq!(q.amount, dec!(0.0068), "{tz}");
        let q = Q::new(BRAZIL, Category::Service, &at("2026-10-01", -1))
            .tz(tz)
            .csw()
            .run(&b)
            .unwrap();
        assert_eq!(q.amount, dec!(0), "{tz}");
        let q = Q::new(BRAZIL, Category::Service, &at("2026-10-01", 0))
            .tz(tz)
            .csw()
            .run(&b)
            .unwrap();
        assert_eq!(
            (q.amount, q.pricing_category),
            (dec!(0.0068), Category::Service),
            "{tz}"
        );
    }
}

#[test]
fn authentication_international_needs_an_eligible_foreign_business() {
    let b = book();
    let mut q = Q::new(
        "+919876543210",
        Category::Authentication,
        "2026-02-02T10:00:00Z",
    );
    assert_eq!(q.run(&b).unwrap().amount, dec!(0.0014));
    q.profile = BusinessProfile {
        country: Country::parse("DE"),
        auth_international_eligible: true,
        ..BusinessProfile::default()
    };
    let r = q.run(&b).unwrap();
    assert_eq!(
        (r.pricing_category, r.amount),
        (Category::AuthenticationInternational, dec!(0.0280))
    );
    q.profile.country = Country::parse("IN");
    assert_eq!(
        q.run(&b).unwrap().amount,
        dec!(0.0014),
        "an Indian business pays the local rate"
    );
    // India's authentication-international rate starts 2024-07-01.
    q.profile.country = Country::parse("DE");
    q.at = utc("2024-06-30T12:00:00Z");
    let r = q.run(&b).unwrap();
    assert_ne!(r.pricing_category, Category::AuthenticationInternational);
}

#[test]
fn meta_pricing_csv_is_imported_as_published() {
    let mut b = book();
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/meta_pricing_usd.csv");
    let loaded = b.load_file(&path, None).unwrap();
    assert_eq!(
        loaded,
        Loaded::Card {
            currency: Currency::USD,
            effective: date("2027-01-01"),
            cells: 21
        }
    );
    let q = Q::new(BRAZIL, Category::Marketing, "2027-02-01T00:00:00Z")
        .run(&b)
        .unwrap();
    assert_eq!(
        (q.amount, q.provenance),
        (dec!(0.0600), Some(Provenance::Published))
    );
    let q = Q::new(BRAZIL, Category::Marketing, "2026-12-31T23:59:59Z")
        .run(&b)
        .unwrap();
    assert_eq!(
        q.amount,
        dec!(0.0625),
        "the old card until the new one starts"
    );
    // --effective overrides the date in the file.
    let mut b = book();
    b.load_file(&path, Some(date("2026-12-01"))).unwrap();
    let q = Q::new(BRAZIL, Category::Marketing, "2026-12-01T00:00:00Z")
        .run(&b)
        .unwrap();
    assert_eq!(q.amount, dec!(0.0600));
}

#[test]
fn meta_tier_csv_is_recognised() {
    let mut b = book();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/meta_tier_pricing_usd.csv");
    let loaded = b.load_file(&path, None).unwrap();
    assert_eq!(
        loaded,
        Loaded::Tiers {
            currency: Currency::USD,
            effective: date("2025-07-01"),
            bands: 12
        }
    );
    assert!(b.tiers_at(Currency::USD, date("2025-06-30")).is_none());
    assert!(b.tiers_at(Currency::USD, date("2025-08-01")).is_some());
}

#[test]
fn load_errors_name_file_and_line() {
    let mut b = book();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("card.csv");
    std::fs::write(&p, "# wacost rate card\n# effective: 2027-01-01\n# currency: USD\nmarket,category,rate\nBrazil,marketing,abc\n").unwrap();
    let err = b.load_file(&p, None).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "{}:5: rate \"abc\" is not a non-negative decimal",
            p.display()
        )
    );
    std::fs::write(&p, "just some text\n").unwrap();
    let err = b.load_file(&p, None).unwrap_err().to_string();
    assert!(err.contains("not a Meta pricing file"), "{err}");
    let err = b
        .load_file(&dir.path().join("missing.csv"), None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing.csv"), "{err}");
}

fn arb_note() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-z ,\"]{1,12}".prop_map(|s| s.trim().to_string())
    ]
}

fn arb_card() -> impl Strategy<Value = Vec<(usize, usize, i64, usize, String)>> {
    prop::collection::vec(
        // Rates up to 10.0000: a card refuses a rate over 10 EUR (data/rate_limits.csv).
        (0usize..6, 0usize..5, 0i64..=100_000, 0usize..3, arb_note()),
        0..25,
    )
}

const MARKETS: [&str; 6] = [
    "Brazil",
    "India",
    "Rest of Central & Eastern Europe",
    "Other",
    "Hong Kong",
    "A, B \"quoted\"",
];

proptest! {
    #[test]
    fn any_card_round_trips_through_our_format(cells in arb_card(), day in 0u32..3000) {
        let mut names = MarketNames::new();
        let effective = date("2023-01-01") + chrono::Duration::days(i64::from(day));
        let mut card = RateCard::new(effective, Currency::EUR, "prop");
        card.title = "t".into();
        card.sources = vec![("s".into(), "a source, with commas".into())];
        for (m, c, rate, p, note) in cells {
            let market = names.intern(MARKETS[m]);
            card.set(market, Category::ALL[c], Cell {
                rate: Decimal::new(rate, 4),
                provenance: [Provenance::Published, Provenance::Derived, Provenance::Estimated][p],
                source: "s".into(),
                note,
            });
        }
        let text = card.to_text(&names);
        let again = RateCard::parse(&text, &DataSource::embedded("prop"), &mut names).unwrap();
        let a: Vec<_> = card.cells().map(|(m, c, x)| (m, c, x.clone())).collect();
        let b: Vec<_> = again.cells().map(|(m, c, x)| (m, c, x.clone())).collect();
        prop_assert_eq!(a, b);
        prop_assert_eq!(again.effective, effective);
        prop_assert_eq!(again.currency, Currency::EUR);
    }

    #[test]
    fn quoting_never_panics(number in "\\PC{0,20}", digits in 1_000_000u64..999_999_999_999_999, secs in -2_000_000_000i64..5_000_000_000, c in 0usize..5, csw: bool, fep: bool) {
        let b = RateBook::embedded().unwrap();
        let _ = ContactNumber::parse(&number);
        if let (Ok(to), Some(at)) = (ContactNumber::from_digits(digits), Utc.timestamp_opt(secs, 0).single()) {
            for tz in [chrono_tz::UTC, chrono_tz::Asia::Kolkata, chrono_tz::Pacific::Chatham] {
                let _ = quote(&b, &QuoteRequest {
                    to, category: Category::ALL[c], at, timezone: tz,
                    in_service_window: csw, in_free_entry_point: fep,
                    currency: Currency::USD, profile: BusinessProfile::default(),
                    tokens: None, template: None,
                });
            }
        }
    }
}
