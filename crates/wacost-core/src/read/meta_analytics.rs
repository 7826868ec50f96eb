//! Meta's analytics answers: the Graph API's `pricing_analytics` (per-message pricing, from
//! 2025-07-01), `conversation_analytics` (conversation-based pricing, before) and the Business
//! Agent Usage Insights API's `business_agent_insights` (Meta Business Agent replies, billed
//! per token from 2026-08-01). They are not messages but Meta's own hourly, daily or monthly
//! totals, the ground truth `wacost reconcile` compares a priced log with. Business Agent
//! usage is reported *only* there (no webhook carries it), so a replay also prices its data
//! points as lines of their own ([`crate::agent_usage`]).
//!
//! # Layouts
//!
//! One file holds one answer, several concatenated answers (pages of a paginated request), a
//! JSON array of answers, or JSON lines. An answer is the WABA node's
//! `{"pricing_analytics": {"data": [{"data_points": […]}]}, "id": …}` (or
//! `conversation_analytics`, `business_agent_insights`), or the edge's bare
//! `{"data": [{"data_points": […]}]}`; a `paging` object is ignored. All answers of a file
//! must be of one kind.
//!
//! # Business Agent Usage Insights: an assumed shape
//!
//! Meta names the edge and its metrics (`billable_messages`, `billable_tokens`, `cost`;
//! granularity `HOUR`, `DAY` or `MONTH`; research notes of 2026-11-30) but publishes no
//! sample answer. wacost assumes the envelope of Meta's other WhatsApp analytics
//! (`{"business_agent_insights": {"data": [{"data_points": [{"start", "end", …}]}]}}`),
//! confidence **medium** (see `data/formats/business_agent_insights.md`), and reads these
//! variants of it:
//!
//! - the node's answer under `business_agent_insights` (or `business_agent_usage_insights`),
//!   or the edge's bare `{"data": […]}` told by a point with `billable_tokens`;
//! - data points inside `data[i].data_points`, or straight in `data` (as Meta's Page and
//!   Instagram insights list them);
//! - `start`/`end` as Unix seconds (numbers or strings) or ISO 8601 text
//!   (`2026-11-01T00:00:00+0000`, Meta's `end_time` style);
//! - every count and the cost as a JSON number or a string; `granularity`, `currency`,
//!   `phone_number` and `country` are optional (a point without `country` is global, as the
//!   Business Agent's price is).
//!
//! # Data points
//!
//! | field | pricing_analytics | conversation_analytics |
//! |---|---|---|
//! | period | `start`, `end` (Unix seconds) | `start`, `end` |
//! | count | `volume` (delivered messages) | `conversation` (conversations opened) |
//! | category | `pricing_category` | `conversation_category` |
//! | type | `pricing_type` (`REGULAR`, `FREE_CUSTOMER_SERVICE`, `FREE_ENTRY_POINT`) | `conversation_type` (`REGULAR`, `FREE_TIER`, `FREE_ENTRY_POINT`) |
//! | cost | `cost` (approximate, in the WABA's currency) | `cost` |
//!
//! `business_agent_insights` points: period `start`, `end`; count `billable_messages` (Business
//! Agent replies billed); `billable_tokens` (prompt and response together, required: it is what
//! Meta charges); `cost`. Their category is `business_agent`, their type `regular`.
//!
//! `country`, `phone_number` and `tier` are kept when present. A dimension the request did not
//! ask for is missing from every point; it is then `None` here, and a comparison sums over it.
//! Costs are read from the JSON number's text into a decimal, never through a float.
//!
//! # Errors
//!
//! Invalid or truncated JSON: the byte offset of the error. A data point that is valid JSON
//! but unusable (a missing period, an unknown category or type, a negative volume): the byte
//! offset where its answer starts and the path inside it, such as
//! `pricing_analytics.data[0].data_points[3]: pricing_type "FREE_LUNCH" is not …`.

use std::io::Read;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;

use super::json::{JsonDocs, join, text};
use super::{ReadError, ReadErrorKind};
use crate::pricing::category::{Category, PricingType};
use crate::pricing::phone::Country;

/// Which analytics edge an answer came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AnalyticsKind {
    /// `pricing_analytics`: delivered messages, per-message pricing (from 2025-07-01).
    Pricing,
    /// `conversation_analytics`: conversations, conversation-based pricing (before).
    Conversation,
    /// `business_agent_insights`: Meta Business Agent replies and their tokens (from
    /// 2026-08-01).
    BusinessAgent,
}

impl AnalyticsKind {
    /// `pricing_analytics` or `conversation_analytics`.
    pub fn as_str(self) -> &'static str {
        match self {
            AnalyticsKind::Pricing => "pricing_analytics",
            AnalyticsKind::Conversation => "conversation_analytics",
            AnalyticsKind::BusinessAgent => "business_agent_insights",
        }
    }

    /// What one unit of volume is: `message`, `conversation` or `Business Agent message`.
    pub fn unit(self) -> &'static str {
        match self {
            AnalyticsKind::Pricing => "message",
            AnalyticsKind::Conversation => "conversation",
            // Meta's metric is `billable_messages`.
            AnalyticsKind::BusinessAgent => "Business Agent message",
        }
    }
}

/// One data point of an analytics answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataPoint {
    /// Start of the period (Unix seconds, inclusive).
    pub start: i64,
    /// End of the period (Unix seconds, exclusive).
    pub end: i64,
    /// The recipients' country, when the answer is split by country.
    pub country: Option<Country>,
    /// The pricing (or conversation) category, when split by it.
    pub category: Option<Category>,
    /// The pricing (or conversation) type, when split by it.
    pub pricing_type: Option<PricingType>,
    /// Delivered messages (`volume`) or conversations (`conversation`).
    pub volume: u64,
    /// Meta's approximate cost in the WABA's currency, when the answer has it.
    pub cost: Option<Decimal>,
    /// The business number, when split by phone number.
    pub phone_number: Option<String>,
    /// The volume tier band (`0:MAX`, `25000001:50000000`), when given.
    pub tier: Option<String>,
    /// Business Agent tokens billed (`billable_tokens`, prompt and response together); `None`
    /// for the other kinds.
    pub tokens: Option<u64>,
    /// The byte offset of the answer the point was read from (errors about the point name
    /// it).
    pub offset: u64,
}

/// A whole analytics file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Analytics {
    /// The file's name, for messages.
    pub file: String,
    /// Which edge.
    pub kind: AnalyticsKind,
    /// Every data point, in file order.
    pub points: Vec<DataPoint>,
}

/// Reads an analytics file from a reader (read whole: an answer is one JSON document).
pub fn read<R: Read>(input: R, file: &str) -> Result<Analytics, ReadError> {
    from_bytes(&super::json::read_whole(input, file)?, file)
}

/// Reads an analytics file from bytes. See the [module docs](self).
pub fn from_bytes(buf: &[u8], file: &str) -> Result<Analytics, ReadError> {
    let mut docs = JsonDocs::default();
    let mut kind: Option<AnalyticsKind> = None;
    let mut points = Vec::new();
    let mut answers = 0usize;
    while let Some(doc) = docs.next(buf) {
        let (offset, value) = doc.map_err(|e| e.at(file))?;
        let fail = |path: &str, kind: ReadErrorKind| {
            ReadError::at_byte(file, offset as u64, kind).within(path)
        };
        answers += 1;
        let (this_kind, path, body) = answer(&value).map_err(|k| fail("", k))?;
        if let Some(first) = kind
            && first != this_kind
        {
            let mixed = ReadErrorKind::MixedAnalytics {
                first,
                found: this_kind,
            };
            return Err(fail("", mixed));
        }
        kind = Some(this_kind);
        let Some(data) = body.get("data").and_then(Value::as_array) else {
            let missing = ReadErrorKind::Missing {
                field: "data",
                message: "no data array",
            };
            return Err(fail(&path, missing));
        };
        for (i, d) in data.iter().enumerate() {
            // Insights APIs may list the points straight in `data`.
            if this_kind == AnalyticsKind::BusinessAgent && d.get("data_points").is_none() {
                let point = data_point(this_kind, d)
                    .map_err(|r| fail(&join(&path, &format!("data[{i}]")), r))?;
                points.push(DataPoint {
                    offset: offset as u64,
                    ..point
                });
                continue;
            }
            let dp_path = join(&path, &format!("data[{i}].data_points"));
            let Some(list) = d.get("data_points").and_then(Value::as_array) else {
                let missing = ReadErrorKind::Missing {
                    field: "data_points",
                    message: "missing or not an array",
                };
                return Err(fail(&dp_path, missing));
            };
            for (j, p) in list.iter().enumerate() {
                let point =
                    data_point(this_kind, p).map_err(|r| fail(&format!("{dp_path}[{j}]"), r))?;
                points.push(DataPoint {
                    offset: offset as u64,
                    ..point
                });
            }
        }
    }
    let Some(kind) = kind else {
        let empty = answers == 0;
        return Err(ReadError::at_byte(
            file,
            0,
            ReadErrorKind::NoAnalytics { empty },
        ));
    };
    // One instant belongs to one period: daily and monthly answers cannot be mixed.
    let mut periods: Vec<(i64, i64)> = points.iter().map(|p| (p.start, p.end)).collect();
    periods.sort();
    periods.dedup();
    if let Some(w) = periods.windows(2).find(|w| w[1].0 < w[0].1) {
        let overlap = ReadErrorKind::OverlappingPeriods {
            first: w[0],
            second: w[1],
        };
        return Err(ReadError::at_byte(file, 0, overlap));
    }
    Ok(Analytics {
        file: file.to_string(),
        kind,
        points,
    })
}

/// The kind of an answer, the path of its body and the body (`{"data": […]}`).
fn answer(value: &Value) -> Result<(AnalyticsKind, String, &Value), ReadErrorKind> {
    let Some(obj) = value.as_object() else {
        return Err(ReadErrorKind::NotAnalyticsAnswer {
            detail: "expected a JSON object",
        });
    };
    for kind in [
        AnalyticsKind::Pricing,
        AnalyticsKind::Conversation,
        AnalyticsKind::BusinessAgent,
    ] {
        if let Some(body) = obj.get(kind.as_str()) {
            return Ok((kind, kind.as_str().to_string(), body));
        }
    }
    // A spelling of the Business Agent edge seen in BSPs' notes (assumed, see the module docs).
    if let Some(body) = obj.get("business_agent_usage_insights") {
        let kind = AnalyticsKind::BusinessAgent;
        return Ok((kind, "business_agent_usage_insights".to_string(), body));
    }
    if let Some(error) = obj.get("error") {
        let message = error
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("no message");
        return Err(ReadErrorKind::GraphApiError {
            message: message.to_string(),
        });
    }
    // The edge's bare answer: tell the kind from the first data point's fields.
    let data = obj.get("data").and_then(Value::as_array);
    let first = data.and_then(|d| {
        d.iter()
            .find_map(|x| x.get("data_points")?.as_array()?.first())
            .or_else(|| d.first().filter(|x| x.get("billable_tokens").is_some()))
    });
    match first {
        Some(p) if p.get("billable_tokens").is_some() || p.get("billable_messages").is_some() => {
            Ok((AnalyticsKind::BusinessAgent, String::new(), value))
        }
        Some(p) if p.get("pricing_type").is_some() || p.get("volume").is_some() => {
            Ok((AnalyticsKind::Pricing, String::new(), value))
        }
        Some(p) if p.get("conversation_type").is_some() || p.get("conversation").is_some() => {
            Ok((AnalyticsKind::Conversation, String::new(), value))
        }
        _ => Err(ReadErrorKind::NotAnalyticsAnswer {
            detail: "no pricing_analytics, conversation_analytics or business_agent_insights",
        }),
    }
}

fn data_point(kind: AnalyticsKind, p: &Value) -> Result<DataPoint, ReadErrorKind> {
    if !p.is_object() {
        return Err(ReadErrorKind::NotObject);
    }
    if kind == AnalyticsKind::BusinessAgent {
        return agent_point(p);
    }
    let (count_field, no_count, category_field, type_field) = match kind {
        AnalyticsKind::Pricing => ("volume", "no volume", "pricing_category", "pricing_type"),
        // Business Agent points are read by `agent_point`.
        AnalyticsKind::Conversation | AnalyticsKind::BusinessAgent => (
            "conversation",
            "no conversation",
            "conversation_category",
            "conversation_type",
        ),
    };
    let (start, end) = period(p, false)?;
    let volume = count(p, count_field, no_count)?;
    let country = country(p)?;
    let category = match text(p, category_field) {
        Some(c) => Some(Category::parse(&c).ok_or_else(|| {
            ReadErrorKind::bad_text(
                category_field,
                &c,
                "is not marketing, marketing_lite, utility, authentication, \
                 authentication_international or service",
            )
        })?),
        None => None,
    };
    let pricing_type = match text(p, type_field) {
        Some(t) => Some(
            PricingType::parse(&t)
                .filter(|t| {
                    matches!(
                        t,
                        PricingType::Regular
                            | PricingType::FreeCustomerService
                            | PricingType::FreeEntryPoint
                            | PricingType::FreeTier
                    )
                })
                .ok_or_else(|| {
                    ReadErrorKind::bad_text(
                        type_field,
                        &t,
                        "is not REGULAR, FREE_CUSTOMER_SERVICE, FREE_ENTRY_POINT or FREE_TIER",
                    )
                })?,
        ),
        None => None,
    };
    Ok(DataPoint {
        start,
        end,
        country,
        category,
        pricing_type,
        volume,
        cost: cost(p)?,
        phone_number: text(p, "phone_number"),
        tier: text(p, "tier"),
        tokens: None,
        offset: 0,
    })
}

/// A `business_agent_insights` data point (see the module docs for the variants read).
fn agent_point(p: &Value) -> Result<DataPoint, ReadErrorKind> {
    let (start, end) = period(p, true)?;
    let volume = count(p, "billable_messages", "no billable_messages")?;
    let tokens = count(p, "billable_tokens", "no billable_tokens")?;
    Ok(DataPoint {
        start,
        end,
        country: country(p)?,
        category: Some(Category::BusinessAgent),
        pricing_type: Some(PricingType::Regular),
        volume,
        cost: cost(p)?,
        phone_number: text(p, "phone_number"),
        tier: None,
        tokens: Some(tokens),
        offset: 0,
    })
}

/// A point's period: `start` and `end` in Unix seconds (with `iso`, ISO 8601 text too), end
/// after start.
fn period(p: &Value, iso: bool) -> Result<(i64, i64), ReadErrorKind> {
    let missing = |field, message| ReadErrorKind::Missing { field, message };
    let instant = |key: &'static str| -> Result<Option<i64>, ReadErrorKind> {
        match integer(p, key) {
            Err(e) if iso => match p.get(key).and_then(Value::as_str).and_then(iso_instant) {
                Some(t) => Ok(Some(t)),
                None => Err(e),
            },
            other => other,
        }
    };
    let start = instant("start")?.ok_or(missing("start", "no start"))?;
    let end = instant("end")?.ok_or(missing("end", "no end"))?;
    if end <= start {
        return Err(ReadErrorKind::EndNotAfterStart { start, end });
    }
    Ok((start, end))
}

/// ISO 8601 text as Meta's insights write it (`2026-11-01T00:00:00+0000`, or RFC 3339), in
/// Unix seconds.
fn iso_instant(s: &str) -> Option<i64> {
    let s = s.trim();
    chrono::DateTime::parse_from_rfc3339(s)
        .or_else(|_| chrono::DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%z"))
        .ok()
        .map(|t| t.timestamp())
}

/// A count that may not be negative (a JSON integer or a string of digits).
fn count(p: &Value, field: &'static str, none: &'static str) -> Result<u64, ReadErrorKind> {
    match integer(p, field)? {
        Some(v) => u64::try_from(v).map_err(|_| ReadErrorKind::BadValue {
            field,
            value: v.to_string(),
            problem: "is negative",
        }),
        None => Err(ReadErrorKind::Missing {
            field,
            message: none,
        }),
    }
}

/// The optional `country`, a two-letter ISO code.
fn country(p: &Value) -> Result<Option<Country>, ReadErrorKind> {
    match text(p, "country") {
        Some(c) => Ok(Some(Country::parse(&c).ok_or_else(|| {
            ReadErrorKind::bad_text("country", &c, "is not a two-letter ISO code")
        })?)),
        None => Ok(None),
    }
}

/// The optional `cost`: a decimal read from the number's text (never through a float), not
/// negative, at most 10^15.
fn cost(p: &Value) -> Result<Option<Decimal>, ReadErrorKind> {
    Ok(match p.get("cost") {
        None | Some(Value::Null) => None,
        Some(v) => {
            let cost = |value: String, problem| ReadErrorKind::BadValue {
                field: "cost",
                value,
                problem,
            };
            let t = match v {
                Value::Number(n) => n.to_string(),
                Value::String(s) => s.trim().to_string(),
                other => return Err(cost(other.to_string(), "is not a number")),
            };
            let d = Decimal::from_str(&t)
                .or_else(|_| Decimal::from_scientific(&t))
                .map_err(|_| cost(format!("{t:?}"), "is not a number"))?;
            if d.is_sign_negative() && !d.is_zero() {
                return Err(cost(t, "is negative"));
            }
            // Sums of costs stay exact (see MAX_INPUT_AMOUNT): a larger cost is no bill.
            if d > crate::money::MAX_INPUT_AMOUNT {
                return Err(cost(t, "is over 10^15: not a cost"));
            }
            Some(d.normalize())
        }
    })
}

/// An integer field (a JSON integer or a string of digits); `None` when missing or null.
fn integer(v: &Value, key: &'static str) -> Result<Option<i64>, ReadErrorKind> {
    let not_whole = |value: String| ReadErrorKind::BadValue {
        field: key,
        value,
        problem: "is not a whole number",
    };
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| not_whole(n.to_string())),
        Some(Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| not_whole(format!("{s:?}"))),
        Some(other) => Err(not_whole(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::Position;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    const PRICING: &str = r#"{
  "pricing_analytics": {
    "data": [
      {
        "data_points": [
          { "start": 1770019200, "end": 1770105600, "country": "BR", "pricing_type": "REGULAR",
            "pricing_category": "MARKETING", "tier": "0:MAX", "volume": 2, "cost": 0.125 },
          { "start": 1770019200, "end": 1770105600, "country": "BR",
            "pricing_type": "FREE_CUSTOMER_SERVICE", "pricing_category": "SERVICE",
            "volume": 3, "cost": 0 }
        ]
      }
    ]
  },
  "id": "210987654321098"
}"#;

    #[test]
    fn reads_a_pricing_answer() {
        let a = from_bytes(PRICING.as_bytes(), "pa.json").unwrap();
        assert_eq!(a.kind, AnalyticsKind::Pricing);
        assert_eq!(
            a.points[0],
            DataPoint {
                start: 1_770_019_200,
                end: 1_770_105_600,
                country: Country::parse("BR"),
                category: Some(Category::Marketing),
                pricing_type: Some(PricingType::Regular),
                volume: 2,
                cost: Some(dec!(0.125)),
                phone_number: None,
                tier: Some("0:MAX".into()),
                tokens: None,
                offset: 0,
            }
        );
        assert_eq!(
            a.points[1].pricing_type,
            Some(PricingType::FreeCustomerService)
        );
        assert_eq!(a.points[1].cost, Some(Decimal::ZERO));
    }

    #[test]
    fn reads_a_conversation_answer_and_bare_edges() {
        let text = r#"{"conversation_analytics":{"data":[{"data_points":[
            {"start":1685602800,"end":1688194800,"conversation":1558,"phone_number":"15550458206",
             "country":"US","conversation_type":"FREE_TIER","conversation_direction":"UNKNOWN",
             "conversation_category":"SERVICE","cost":15.58}]}]},"id":"1"}"#;
        let a = from_bytes(text.as_bytes(), "ca.json").unwrap();
        assert_eq!(a.kind, AnalyticsKind::Conversation);
        assert_eq!(a.points[0].volume, 1558);
        assert_eq!(a.points[0].pricing_type, Some(PricingType::FreeTier));
        assert_eq!(a.points[0].cost, Some(dec!(15.58)));
        assert_eq!(a.points[0].phone_number.as_deref(), Some("15550458206"));
        // Two pages concatenated, the second the edge's bare answer; no country dimension.
        let bare = r#"{"data":[{"data_points":[{"start":"1770019200","end":"1770105600",
            "pricing_type":"REGULAR","pricing_category":"UTILITY","volume":"1","cost":"0.0068"}]}],
            "paging":{"cursors":{"after":"x"}}}"#;
        let both = format!("{PRICING}\n{bare}");
        let a = from_bytes(both.as_bytes(), "pages.json").unwrap();
        assert_eq!(a.points.len(), 3);
        assert_eq!(a.points[2].country, None);
        assert_eq!(a.points[2].cost, Some(dec!(0.0068)));
    }

    #[test]
    fn bad_points_name_their_path() {
        let bad = PRICING.replace("FREE_CUSTOMER_SERVICE", "FREE_LUNCH");
        let e = from_bytes(bad.as_bytes(), "pa.json").unwrap_err();
        assert_eq!(
            e.to_string(),
            "pa.json: byte 0: pricing_analytics.data[0].data_points[1]: pricing_type \
             \"FREE_LUNCH\" is not REGULAR, FREE_CUSTOMER_SERVICE, FREE_ENTRY_POINT or FREE_TIER"
        );
        let bad = PRICING.replace("\"volume\": 2", "\"volume\": -2");
        let e = from_bytes(bad.as_bytes(), "pa.json").unwrap_err();
        assert_eq!(
            e.reason(),
            "pricing_analytics.data[0].data_points[0]: volume -2 is negative"
        );
        let e = from_bytes(b"{\"id\":\"1\"}", "x.json").unwrap_err();
        assert!(e.reason().starts_with("not an analytics answer"), "{e}");
        let e = from_bytes(b"", "x.json").unwrap_err();
        assert!(e.reason().starts_with("empty file"), "{e}");
        let e = from_bytes(
            br#"{"error":{"message":"(#100) Invalid parameter","code":100}}"#,
            "x.json",
        )
        .unwrap_err();
        assert_eq!(
            e.reason(),
            "the answer is a Graph API error: \"(#100) Invalid parameter\""
        );
        let mixed = format!(
            "[{PRICING}, {}]",
            r#"{"conversation_analytics":{"data":[]}}"#
        );
        let e = from_bytes(mixed.as_bytes(), "x.json").unwrap_err();
        assert!(e.reason().contains("give one kind per file"), "{e}");
        let monthly = PRICING.replacen("\"end\": 1770105600", "\"end\": 1772323200", 1);
        let e = from_bytes(monthly.as_bytes(), "x.json").unwrap_err();
        assert_eq!(
            e.reason(),
            "data points of overlapping periods (1770019200..1770105600 and \
             1770019200..1772323200): give one granularity (DAILY or MONTHLY) per file"
        );
    }

    #[test]
    fn truncated_files_give_the_byte_offset() {
        let cut = &PRICING[..PRICING.len() / 2];
        let e = from_bytes(cut.as_bytes(), "pa.json").unwrap_err();
        assert_eq!(e.position, Position::Byte(cut.len() as u64));
        assert!(
            e.reason().starts_with("unexpected end of input"),
            "{}",
            e.reason()
        );
        let e = from_bytes(b"{\"pricing_analytics\": {\"data\": [oops]}}", "pa.json").unwrap_err();
        assert_eq!(e.position, Position::Byte(32));
        assert!(e.reason().starts_with("invalid JSON"), "{}", e.reason());
    }

    /// Two hours of Business Agent usage, as assumed (see the module docs).
    const AGENT: &str = r#"{
  "business_agent_insights": {
    "data": [
      {
        "granularity": "HOUR",
        "data_points": [
          { "start": 1794042000, "end": 1794045600, "billable_messages": 50,
            "billable_tokens": 1250000, "cost": 2.5 },
          { "start": "1794045600", "end": "1794049200", "country": "BR",
            "billable_messages": "2", "billable_tokens": "45000", "cost": "0.09" }
        ]
      }
    ]
  },
  "id": "210987654321098"
}"#;

    #[test]
    fn reads_business_agent_insights() {
        let a = from_bytes(AGENT.as_bytes(), "agent.json").unwrap();
        assert_eq!(a.kind, AnalyticsKind::BusinessAgent);
        assert_eq!(
            a.points[0],
            DataPoint {
                start: 1_794_042_000,
                end: 1_794_045_600,
                country: None,
                category: Some(Category::BusinessAgent),
                pricing_type: Some(PricingType::Regular),
                volume: 50,
                cost: Some(dec!(2.5)),
                phone_number: None,
                tier: None,
                tokens: Some(1_250_000),
                offset: 0,
            }
        );
        assert_eq!(
            (a.points[1].volume, a.points[1].tokens, a.points[1].cost),
            (2, Some(45_000), Some(dec!(0.09)))
        );
        assert_eq!(a.points[1].country, Country::parse("BR"));
        // The bare edge, points straight in `data`, ISO 8601 periods (Meta's insights style),
        // after a first page: offsets of each answer.
        let bare = r#"{"data":[{"start":"2026-11-07T11:00:00+0000","end":"2026-11-07T12:00:00+0000",
            "billable_messages":1,"billable_tokens":20000}],"paging":{"cursors":{"after":"x"}}}"#;
        let both = format!("{AGENT}\n{bare}");
        let a = from_bytes(both.as_bytes(), "pages.json").unwrap();
        assert_eq!(a.points.len(), 3);
        assert_eq!(
            (a.points[2].start, a.points[2].end),
            (1_794_049_200, 1_794_052_800)
        );
        assert_eq!(
            (a.points[2].cost, a.points[2].offset),
            (None, AGENT.len() as u64 + 1)
        );
        let other = r#"{"business_agent_usage_insights":{"data":[{"data_points":[
            {"start":1,"end":2,"billable_messages":0,"billable_tokens":0}]}]}}"#;
        assert_eq!(
            from_bytes(other.as_bytes(), "x.json").unwrap().kind,
            AnalyticsKind::BusinessAgent
        );
    }

    #[test]
    fn bad_agent_points_name_their_path() {
        let bad = AGENT.replace("\"billable_tokens\": \"45000\", ", "");
        let e = from_bytes(bad.as_bytes(), "agent.json").unwrap_err();
        assert_eq!(
            e.to_string(),
            "agent.json: byte 0: business_agent_insights.data[0].data_points[1]: no \
             billable_tokens"
        );
        let bad = AGENT.replace("1250000", "-1250000");
        let e = from_bytes(bad.as_bytes(), "agent.json").unwrap_err();
        assert_eq!(
            e.reason(),
            "business_agent_insights.data[0].data_points[0]: billable_tokens -1250000 is negative"
        );
        let bad = AGENT.replace("2.5", "1e16");
        let e = from_bytes(bad.as_bytes(), "agent.json").unwrap_err();
        assert_eq!(
            e.reason(),
            "business_agent_insights.data[0].data_points[0]: cost 1e+16 is over 10^15: not a cost"
        );
        let cut = &AGENT[..200];
        let e = from_bytes(cut.as_bytes(), "agent.json").unwrap_err();
        assert_eq!(e.position, Position::Byte(200));
        let e =
            from_bytes(b"{\"business_agent_insights\": {\"data\": [,]}}", "a.json").unwrap_err();
        assert_eq!(e.position, Position::Byte(38));
        assert!(e.reason().starts_with("invalid JSON"), "{}", e.reason());
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_give_an_error_not_a_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            // No run of random bytes is a well-formed analytics answer.
            prop_assert!(from_bytes(&bytes, "x.json").is_err());
        }

        #[test]
        fn truncation_anywhere_is_an_error(cut in 0usize..PRICING.len() - 1) {
            let bytes = &PRICING.as_bytes()[..cut];
            prop_assert!(from_bytes(bytes, "x.json").is_err());
        }
    }
}
