//! Meta's analytics answers: the Graph API's `pricing_analytics` (per-message pricing, from
//! 2025-07-01) and `conversation_analytics` (conversation-based pricing, before). They are not
//! messages but Meta's own daily or monthly totals, the ground truth `wacost reconcile`
//! compares a priced log with.
//!
//! # Layouts
//!
//! One file holds one answer, several concatenated answers (pages of a paginated request), a
//! JSON array of answers, or JSON lines. An answer is the WABA node's
//! `{"pricing_analytics": {"data": [{"data_points": […]}]}, "id": …}` (or
//! `conversation_analytics`), or the edge's bare `{"data": [{"data_points": […]}]}`; a `paging`
//! object is ignored. All answers of a file must be of one kind.
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
}

impl AnalyticsKind {
    /// `pricing_analytics` or `conversation_analytics`.
    pub fn as_str(self) -> &'static str {
        match self {
            AnalyticsKind::Pricing => "pricing_analytics",
            AnalyticsKind::Conversation => "conversation_analytics",
        }
    }

    /// What one unit of volume is: `message` or `conversation`.
    pub fn unit(self) -> &'static str {
        match self {
            AnalyticsKind::Pricing => "message",
            AnalyticsKind::Conversation => "conversation",
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
                points.push(point);
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
    for kind in [AnalyticsKind::Pricing, AnalyticsKind::Conversation] {
        if let Some(body) = obj.get(kind.as_str()) {
            return Ok((kind, kind.as_str().to_string(), body));
        }
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
    let first = obj.get("data").and_then(Value::as_array).and_then(|d| {
        d.iter()
            .find_map(|x| x.get("data_points")?.as_array()?.first())
    });
    match first {
        Some(p) if p.get("pricing_type").is_some() || p.get("volume").is_some() => {
            Ok((AnalyticsKind::Pricing, String::new(), value))
        }
        Some(p) if p.get("conversation_type").is_some() || p.get("conversation").is_some() => {
            Ok((AnalyticsKind::Conversation, String::new(), value))
        }
        _ => Err(ReadErrorKind::NotAnalyticsAnswer {
            detail: "no pricing_analytics or conversation_analytics",
        }),
    }
}

fn data_point(kind: AnalyticsKind, p: &Value) -> Result<DataPoint, ReadErrorKind> {
    if !p.is_object() {
        return Err(ReadErrorKind::NotObject);
    }
    let (count_field, no_count, category_field, type_field) = match kind {
        AnalyticsKind::Pricing => ("volume", "no volume", "pricing_category", "pricing_type"),
        AnalyticsKind::Conversation => (
            "conversation",
            "no conversation",
            "conversation_category",
            "conversation_type",
        ),
    };
    let missing = |field, message| ReadErrorKind::Missing { field, message };
    let start = integer(p, "start")?.ok_or(missing("start", "no start"))?;
    let end = integer(p, "end")?.ok_or(missing("end", "no end"))?;
    if end <= start {
        return Err(ReadErrorKind::EndNotAfterStart { start, end });
    }
    let volume = match integer(p, count_field)? {
        Some(v) => u64::try_from(v).map_err(|_| ReadErrorKind::BadValue {
            field: count_field,
            value: v.to_string(),
            problem: "is negative",
        })?,
        None => return Err(missing(count_field, no_count)),
    };
    let country = match text(p, "country") {
        Some(c) => Some(Country::parse(&c).ok_or_else(|| {
            ReadErrorKind::bad_text("country", &c, "is not a two-letter ISO code")
        })?),
        None => None,
    };
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
    let cost = match p.get("cost") {
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
    };
    Ok(DataPoint {
        start,
        end,
        country,
        category,
        pricing_type,
        volume,
        cost,
        phone_number: text(p, "phone_number"),
        tier: text(p, "tier"),
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
