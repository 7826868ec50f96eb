//! The native halves of `wacost.spark.replay`, a replay partitioned by (business number,
//! contact) on Apache Spark:
//!
//! 1. [`EventParser`] (a narrow `mapInArrow` over the input): each row of canonical columns
//!    through the core's [`RowParser`] into a compact event (the instant as the core keeps
//!    it, the business number's normalized name, the contact's digits…), so that Spark
//!    partitions by the same (business number, contact) the core sees and sorts by the
//!    core's own reading of the timestamp. Unreadable rows become error rows (or stop the
//!    job), and each input partition reports what it saw of each file's time order.
//! 2. [`PartitionClassifier`] (a `mapInArrow` after Spark repartitioned by (business
//!    number, contact) and sorted each partition by (time, file, row)): the core's
//!    classifier; it hands back the charge lines and, at the end, what settlement needs as
//!    rows: the partition's ledger, its allowance candidates (at most an allowance's size per
//!    scope and month), its volume counters and its counts.
//! 3. [`settle`] and [`summarize`] on the driver, once Spark has reduced those rows: the
//!    core's [`Settlement`] absorbs them and gives the adjustment lines of one pass, and the
//!    summary is the core's, from the ledger Spark aggregated.
//!
//! Rows that are not charge lines travel in the same Arrow schema as the lines, told apart
//! by `_record`; what Spark does not need to look inside travels as JSON in `_payload`.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use polars_arrow::array::{
    Array, BooleanArray, PrimitiveArray, StructArray, Utf8Array, Utf8ViewArray, new_null_array,
};
use polars_arrow::datatypes::{ArrowDataType, Field};
use pyo3::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;
use wacost_core::calendar::Month;
use wacost_core::charge::Charge;
use wacost_core::classify::{Classifier, ClassifyStats, RuleFacts};
use wacost_core::event::{
    BusinessId, Details, Direction, EntryPoint, Event, MessageId, MessageKind, Status, TemplateId,
};
use wacost_core::ledger::{Ledger, RowKey, Totals};
use wacost_core::money::Currency;
use wacost_core::pricing::RateBook;
use wacost_core::pricing::category::{Category, PricingModel, PricingType, Provenance};
use wacost_core::pricing::phone::{ContactNumber, Country};
use wacost_core::read::canonical::RowParser;
use wacost_core::read::{Position, ReadError};
use wacost_core::replay::Outcome;
use wacost_core::settle::{
    AllowanceKey, Basis, KeptItem, Precedence, Settlement, SettlementNotes, SettlementState,
    TierExposure, VolumeKey,
};
use wacost_core::summary::Summary;
use wacost_core::units::{self, ActivityByMonth};
use wacost_core::usage::Usage;

use crate::arrow_in::{Row, for_each_row, import_stream, next_batch};
use crate::arrow_out::{
    ArrowStream, Columns, Kind, LEDGER_COLUMNS, LINE_COLUMNS, push_ledger_row, push_line,
};
use crate::errors::{Failure, guard};
use crate::options::{Options, cached_book};
use wacost_core::read::records::Fields;

/// What a row of the partitioned replay is (`_record`).
mod record {
    pub const EVENT: &str = "event";
    pub const ERROR: &str = "error";
    pub const SEGMENT: &str = "segment";
    pub const LINE: &str = "line";
    pub const LEDGER: &str = "ledger";
    pub const CANDIDATE: &str = "candidate";
    pub const VOLUME: &str = "volume";
    pub const STATS: &str = "stats";
}

/// The columns of a compact event (phase 1's output, phase 2's input), and of the error and
/// segment rows that travel with them.
pub const EVENT_COLUMNS: [(&str, Kind); 20] = [
    ("_record", Kind::Text),
    ("_time", Kind::Int),
    ("_file", Kind::Int),
    ("_row", Kind::Int),
    ("business", Kind::Text),
    ("waba", Kind::Text),
    ("contact", Kind::Int),
    ("direction", Kind::Int),
    ("kind", Kind::Int),
    ("status", Kind::Int),
    ("message_id", Kind::Text),
    ("entry_point", Kind::Int),
    // What the canonical log says beyond the kind: a Business Agent reply's tokens, the
    // template's name (for its max price).
    ("tokens", Kind::Int),
    ("template", Kind::Text),
    ("_row_end", Kind::Int),
    ("_time_end", Kind::Int),
    ("_in_order", Kind::Bool),
    ("_error", Kind::Text),
    ("_reason", Kind::Text),
    ("_raw", Kind::Text),
];

/// The columns of phase 2's output: a charge line's, a ledger row's, and those of the rows
/// settlement needs.
pub fn output_columns() -> Vec<(&'static str, Kind)> {
    let mut cols: Vec<(&'static str, Kind)> = LINE_COLUMNS.to_vec();
    for c in LEDGER_COLUMNS {
        if !cols.iter().any(|(n, _)| *n == c.0) {
            cols.push(c);
        }
    }
    cols.extend([
        ("_record", Kind::Text),
        ("_scale", Kind::Int),
        ("_payload", Kind::Text),
        ("_scope", Kind::Text),
        ("_month", Kind::Text),
        ("_size", Kind::Int),
        ("_time", Kind::Int),
        ("_contact", Kind::Int),
        ("_position", Kind::Int),
        ("_count", Kind::Int),
        ("_file", Kind::Int),
        ("_row", Kind::Int),
        ("_row_end", Kind::Int),
        ("_time_end", Kind::Int),
        ("_in_order", Kind::Bool),
        ("_error", Kind::Text),
        ("_reason", Kind::Text),
        ("_raw", Kind::Text),
    ]);
    cols
}

/// A batch of some of `all`'s columns, widened to all of them (the others null).
fn widen(batch: StructArray, all: &[(&'static str, Kind)]) -> StructArray {
    let len = batch.len();
    let fields = batch.fields().to_vec();
    let values = batch.values().to_vec();
    let out_fields: Vec<Field> = all
        .iter()
        .map(|(n, k)| Field::new((*n).into(), k.dtype(), true))
        .collect();
    let out_values: Vec<Box<dyn Array>> = out_fields
        .iter()
        .map(|f| match fields.iter().position(|g| g.name == f.name) {
            Some(i) => values[i].clone(),
            None => new_null_array(f.dtype.clone(), len),
        })
        .collect();
    StructArray::new(ArrowDataType::Struct(out_fields), len, out_values, None)
}

fn stream_of(all: &[(&'static str, Kind)], batches: Vec<StructArray>) -> ArrowStream {
    let field = Columns::new(all).field();
    let batches = batches
        .into_iter()
        .filter(|b| b.len() > 0)
        .map(|b| widen(b, all))
        .collect::<Vec<_>>();
    ArrowStream::new(field, batches)
}

/// A column of a batch Spark sent, read by type.
enum Typed<'a> {
    Utf8(&'a Utf8Array<i32>),
    LargeUtf8(&'a Utf8Array<i64>),
    Utf8View(&'a Utf8ViewArray),
    I64(&'a PrimitiveArray<i64>),
    I32(&'a PrimitiveArray<i32>),
    Bool(&'a BooleanArray),
    Missing,
}

impl<'a> Typed<'a> {
    fn of(batch: &'a StructArray, name: &str) -> Typed<'a> {
        let Some(i) = batch.fields().iter().position(|f| f.name == name) else {
            return Typed::Missing;
        };
        let a = batch.values()[i].as_any();
        if let Some(a) = a.downcast_ref::<Utf8Array<i32>>() {
            Typed::Utf8(a)
        } else if let Some(a) = a.downcast_ref::<Utf8Array<i64>>() {
            Typed::LargeUtf8(a)
        } else if let Some(a) = a.downcast_ref::<Utf8ViewArray>() {
            Typed::Utf8View(a)
        } else if let Some(a) = a.downcast_ref::<PrimitiveArray<i64>>() {
            Typed::I64(a)
        } else if let Some(a) = a.downcast_ref::<PrimitiveArray<i32>>() {
            Typed::I32(a)
        } else if let Some(a) = a.downcast_ref::<BooleanArray>() {
            Typed::Bool(a)
        } else {
            Typed::Missing
        }
    }

    fn str(&self, i: usize) -> Option<&'a str> {
        match self {
            Typed::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            Typed::LargeUtf8(a) => a.is_valid(i).then(|| a.value(i)),
            Typed::Utf8View(a) => a.is_valid(i).then(|| a.value(i)),
            _ => None,
        }
    }

    fn int(&self, i: usize) -> Option<i64> {
        match self {
            Typed::I64(a) => a.is_valid(i).then(|| a.value(i)),
            Typed::I32(a) => a.is_valid(i).then(|| i64::from(a.value(i))),
            _ => None,
        }
    }

    fn bool(&self, i: usize) -> Option<bool> {
        match self {
            Typed::Bool(a) => a.is_valid(i).then(|| a.value(i)),
            _ => None,
        }
    }
}

/// A file of the input, as the job reads it: its name, and the line of its row 0 (2 for a
/// CSV log with a header, 1 for Parquet and tables).
#[derive(Clone, Debug, Deserialize)]
struct InputFile {
    name: String,
    first_line: u64,
}

/// What one input partition saw of one file: its rows from `first_row` to `last_row`, their
/// times, and whether they came in time order. When the partition did not hold the rows in
/// their order (a DataFrame whose `row` column says otherwise), it cannot tell.
#[derive(Clone, Copy, Debug)]
struct Segment {
    first_row: i64,
    last_row: i64,
    first_time: i64,
    max_time: i64,
    in_order: bool,
    rows_in_order: bool,
}

/// Phase 1: parses the canonical columns of one input partition into compact events.
#[pyclass(module = "wacost._native")]
pub struct EventParser {
    files: Vec<InputFile>,
    skip_invalid: bool,
    parser: Option<(Vec<String>, RowParser, Vec<bool>)>,
    segments: BTreeMap<i64, Segment>,
    scratch: Row,
    /// Business names by id: [`BusinessId::name`] takes a process-wide lock.
    names: HashMap<BusinessId, String>,
}

impl EventParser {
    fn name(&mut self, id: BusinessId) -> &str {
        self.names.entry(id).or_insert_with(|| id.name())
    }

    fn file(&self, index: i64) -> (String, u64) {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.files.get(i))
            .map(|f| (f.name.clone(), f.first_line))
            .unwrap_or_else(|| ("<dataframe>".to_string(), 1))
    }

    fn parse_batch(&mut self, batch: &StructArray) -> Result<StructArray, Failure> {
        let names: Vec<String> = batch.fields().iter().map(|f| f.name.to_string()).collect();
        if self.parser.as_ref().is_none_or(|(n, _, _)| *n != names) {
            let (name, _) = self.file(0);
            let parser = RowParser::new(&names, &name).map_err(|e| Failure::read(&e))?;
            let used = names
                .iter()
                .map(|n| {
                    let n = n.trim().to_ascii_lowercase();
                    wacost_core::read::canonical::COLUMNS.contains(&n.as_str())
                })
                .collect();
            self.parser = Some((names, parser, used));
        }
        let files = Typed::of(batch, "_file");
        let rows = Typed::of(batch, "_row");
        let mut out = Columns::new(&EVENT_COLUMNS);
        let mut failure = None;
        let mut parsed = Vec::with_capacity(batch.len());
        {
            let Some((_, parser, used)) = self.parser.as_mut() else {
                return Err(Failure::input("no parser"));
            };
            let result = for_each_row(batch, used, &mut self.scratch, |_, row| {
                parsed.push(parser.parse(row, 0).map_err(|mut e| {
                    e.raw = Some(row.joined());
                    e
                }));
                Ok(())
            });
            if let Err(e) = result {
                return Err(Failure::input(format!("cannot read: {e}")));
            }
        }
        for (i, item) in parsed.into_iter().enumerate() {
            let file = files.int(i).unwrap_or(0);
            let row = rows.int(i).unwrap_or(i as i64);
            match item {
                Ok(ev) => {
                    let seg = self.segments.entry(file).or_insert(Segment {
                        first_row: row,
                        last_row: row - 1,
                        first_time: ev.time_ms,
                        max_time: ev.time_ms,
                        in_order: true,
                        rows_in_order: true,
                    });
                    seg.rows_in_order &= row > seg.last_row;
                    seg.in_order &= ev.time_ms >= seg.max_time;
                    seg.last_row = row;
                    seg.max_time = seg.max_time.max(ev.time_ms);
                    let business = self.name(ev.business).to_string();
                    let waba = self.name(ev.waba).to_string();
                    push_event(&mut out, &ev, file, row, &business, &waba);
                }
                Err(e) => {
                    let (name, first_line) = self.file(file);
                    let line = first_line + u64::try_from(row).unwrap_or(0);
                    let e = ReadError {
                        file: name,
                        position: Position::Line(line),
                        ..e
                    };
                    if !self.skip_invalid || e.is_fatal() {
                        failure.get_or_insert(Failure::read(&e));
                        break;
                    }
                    out.text(Some(record::ERROR))
                        .int(None)
                        .int(Some(file))
                        .int(Some(row));
                    for _ in 0..13 {
                        // business … _in_order: none on an error row.
                        out.null();
                    }
                    out.text(Some(&e.to_string()))
                        .text(Some(e.kind.label()))
                        .text(e.raw.as_deref());
                }
            }
        }
        match failure {
            Some(f) => Err(f),
            None => Ok(out.take()),
        }
    }
}

fn push_event(out: &mut Columns, ev: &Event, file: i64, row: i64, business: &str, waba: &str) {
    let (kind, direction) = match (ev.direction, ev.kind) {
        (Direction::Inbound, _) => (0, 0),
        (Direction::Outbound, MessageKind::FreeForm) => (0, 1),
        (Direction::Outbound, MessageKind::Template(c)) => (category_code(c), 1),
        // The rules of 2026: the kind here, a reply's tokens and the template's name in
        // their own columns; a group message is one row per recipient, as in the log.
        (Direction::Outbound, MessageKind::Reaction) => (4, 1),
        (Direction::Outbound, MessageKind::BusinessAgent) => (5, 1),
        (Direction::Outbound, MessageKind::GroupTemplate(Category::Utility)) => (7, 1),
        (Direction::Outbound, MessageKind::GroupTemplate(_)) => (6, 1),
        (Direction::Outbound, MessageKind::GroupFreeForm) => (8, 1),
    };
    out.text(Some(record::EVENT))
        .int(Some(ev.time_ms))
        .int(Some(file))
        .int(Some(row))
        .text(Some(business))
        .text(Some(waba))
        .int(Some(ev.contact.digits() as i64))
        .int(Some(direction))
        .int(Some(kind))
        .int(Some(status_code(ev.status)))
        .text(ev.message_id.as_ref().map(|m| m.as_str()))
        .int(ev.entry_point.map(|e| match e {
            EntryPoint::CtwaAd => 1,
            EntryPoint::PageCta => 2,
        }))
        .int(ev.details.tokens.map(i64::from))
        .text(ev.details.template.map(|t| t.name()).as_deref())
        .int(None)
        .int(None)
        .bool(None)
        .text(None)
        .text(None)
        .text(None);
}

fn category_code(c: Category) -> i64 {
    match c {
        Category::Marketing => 1,
        Category::Utility => 2,
        _ => 3,
    }
}

fn status_code(s: Status) -> i64 {
    match s {
        Status::Failed => 0,
        Status::Sent => 1,
        Status::Delivered => 2,
        Status::Read => 3,
    }
}

#[pymethods]
impl EventParser {
    /// A parser for one input partition: `files` is JSON (`[{"name", "first_line"}]` by the
    /// `_file` column's index), `options` the package's options.
    #[new]
    fn new(options: &str, files: &str) -> PyResult<EventParser> {
        guard(|| {
            let o = Options::parse(options)?;
            let files: Vec<InputFile> =
                serde_json::from_str(files).map_err(|e| Failure::Usage(format!("files: {e}")))?;
            Ok(EventParser {
                files,
                skip_invalid: o.skip_invalid,
                parser: None,
                segments: BTreeMap::new(),
                scratch: Row::default(),
                names: HashMap::new(),
            })
        })
    }

    /// Parses one batch (an object with `__arrow_c_stream__`) into compact events.
    fn parse(&mut self, py: Python<'_>, batch: Bound<'_, PyAny>) -> PyResult<ArrowStream> {
        guard(|| {
            let mut stream = import_stream(&batch)?;
            py.detach(|| {
                let mut out = Vec::new();
                while let Some(b) = next_batch(&mut stream) {
                    let b = b.map_err(Failure::input)?;
                    out.push(self.parse_batch(&b)?);
                }
                Ok::<_, Failure>(ArrowStream::new(Columns::new(&EVENT_COLUMNS).field(), out))
            })
            .map_err(PyErr::from)
        })
    }

    /// What this partition saw of each file's time order, as segment rows.
    fn finish(&mut self) -> PyResult<ArrowStream> {
        guard(|| {
            let mut out = Columns::new(&EVENT_COLUMNS);
            for (file, s) in std::mem::take(&mut self.segments) {
                out.text(Some(record::SEGMENT))
                    .int(Some(s.first_time))
                    .int(Some(file))
                    .int(Some(s.first_row));
                // business … template: none on a segment row.
                for _ in 0..10 {
                    out.null();
                }
                out.int(Some(s.last_row))
                    .int(Some(s.max_time))
                    .bool(s.rows_in_order.then_some(s.in_order))
                    .text(None)
                    .text(None)
                    .text(None);
            }
            let field = out.field();
            Ok(ArrowStream::new(field, vec![out.take()]))
        })
    }
}

/// An allowance candidate as it travels: everything [`KeptItem`] holds, business numbers by
/// name, the market by name, amounts as exact text.
#[derive(Serialize, Deserialize)]
struct CandidateDoc {
    scope: String,
    month: NaiveDate,
    category: String,
    size: u32,
    time: i64,
    business: String,
    contact: u64,
    position: u32,
    waba: String,
    market: String,
    country: String,
    rate: Decimal,
    model: String,
    card: NaiveDate,
    provenance: Option<String>,
    /// The message's own category (a group category under a shared allowance); the
    /// allowance's category when absent.
    #[serde(default)]
    own_category: Option<String>,
}

/// A volume counter's key as it travels (the counter itself is `_count`).
#[derive(Serialize, Deserialize)]
struct VolumeDoc {
    waba: String,
    month: NaiveDate,
    market: String,
    category: String,
    rate: Decimal,
    country: String,
    card: NaiveDate,
}

/// A partition's counts as they travel.
#[derive(Serialize, Deserialize, Default)]
struct CountsDoc {
    events: u64,
    inbound: u64,
    outbound: u64,
    duplicates: u64,
    late_status: u64,
    rejected_free_form: u64,
    missing_rate: u64,
    estimated_rates_used: u64,
    contacts: u64,
}

impl CountsDoc {
    fn add(&mut self, o: &CountsDoc) {
        self.events += o.events;
        self.inbound += o.inbound;
        self.outbound += o.outbound;
        self.duplicates += o.duplicates;
        self.late_status += o.late_status;
        self.rejected_free_form += o.rejected_free_form;
        self.missing_rate += o.missing_rate;
        self.estimated_rates_used += o.estimated_rates_used;
        self.contacts += o.contacts;
    }

    fn stats(&self) -> ClassifyStats {
        ClassifyStats {
            inbound: self.inbound,
            outbound: self.outbound,
            duplicates: self.duplicates,
            late_status: self.late_status,
            rejected_free_form: self.rejected_free_form,
            missing_rate: self.missing_rate,
            estimated_rates_used: self.estimated_rates_used,
            ..ClassifyStats::default()
        }
    }
}

/// What the rules of 2026 did in a partition ([`RuleFacts`]) as it travels: markets by name,
/// countries by ISO code, amounts as exact decimals. The driver merges every partition's.
#[derive(Serialize, Deserialize, Default)]
struct FactsDoc {
    business_agent_replies: u64,
    business_agent_tokens: u64,
    business_agent_amount: Decimal,
    business_agent_default_tokens: u64,
    business_agent_default_amount: Decimal,
    reactions: u64,
    exempt_service: u64,
    exempt_list_value: Decimal,
    group_deliveries: u64,
    meta_window_ends: u64,
    free_entry_point_at_stake: u64,
    free_entry_point_at_stake_amount: Decimal,
    free_entry_point_longest_hours: u32,
    max_price_messages: u64,
    max_price_amount: Decimal,
    max_price_other_currency: u64,
    shared_code: BTreeMap<String, u64>,
    estimated_by_market: BTreeMap<String, Decimal>,
}

impl FactsDoc {
    fn of(f: &RuleFacts, book: &RateBook) -> FactsDoc {
        FactsDoc {
            business_agent_replies: f.business_agent_replies,
            business_agent_tokens: f.business_agent_tokens,
            business_agent_amount: f.business_agent_amount,
            business_agent_default_tokens: f.business_agent_default_tokens,
            business_agent_default_amount: f.business_agent_default_amount,
            reactions: f.reactions,
            exempt_service: f.exempt_service,
            exempt_list_value: f.exempt_list_value,
            group_deliveries: f.group_deliveries,
            meta_window_ends: f.meta_window_ends,
            free_entry_point_at_stake: f.free_entry_point_at_stake,
            free_entry_point_at_stake_amount: f.free_entry_point_at_stake_amount,
            free_entry_point_longest_hours: f.free_entry_point_longest_hours,
            max_price_messages: f.max_price_messages,
            max_price_amount: f.max_price_amount,
            max_price_other_currency: f.max_price_other_currency,
            shared_code: f
                .shared_code
                .iter()
                .map(|(c, n)| (c.code().to_string(), *n))
                .collect(),
            estimated_by_market: f
                .estimated_by_market
                .iter()
                .map(|(m, a)| (book.names.name(*m).to_string(), *a))
                .collect(),
        }
    }

    fn facts(&self, book: &RateBook) -> Result<RuleFacts, Failure> {
        let mut shared_code = BTreeMap::new();
        for (c, n) in &self.shared_code {
            shared_code.insert(parse_or(Country::parse(c), "country")?, *n);
        }
        let mut estimated_by_market = BTreeMap::new();
        for (m, a) in &self.estimated_by_market {
            estimated_by_market.insert(parse_or(book.names.get(m), "market")?, *a);
        }
        Ok(RuleFacts {
            business_agent_replies: self.business_agent_replies,
            business_agent_tokens: self.business_agent_tokens,
            business_agent_amount: self.business_agent_amount,
            business_agent_default_tokens: self.business_agent_default_tokens,
            business_agent_default_amount: self.business_agent_default_amount,
            reactions: self.reactions,
            exempt_service: self.exempt_service,
            exempt_list_value: self.exempt_list_value,
            group_deliveries: self.group_deliveries,
            meta_window_ends: self.meta_window_ends,
            free_entry_point_at_stake: self.free_entry_point_at_stake,
            free_entry_point_at_stake_amount: self.free_entry_point_at_stake_amount,
            free_entry_point_longest_hours: self.free_entry_point_longest_hours,
            max_price_messages: self.max_price_messages,
            max_price_amount: self.max_price_amount,
            max_price_other_currency: self.max_price_other_currency,
            shared_code,
            estimated_by_market,
        })
    }
}

/// Phase 2: classifies one partition (its events in time order) with the core's
/// classifier, and keeps its settlement's state and its ledger for the end.
#[pyclass(module = "wacost._native", unsendable)]
pub struct PartitionClassifier {
    book: &'static RateBook,
    classifier: Classifier<'static>,
    settlement: Settlement<'static>,
    ledger: Ledger,
    show_contacts: bool,
    lines: bool,
    businesses: HashMap<String, BusinessId>,
    last_time: i64,
    events: u64,
    columns: Vec<(&'static str, Kind)>,
}

impl PartitionClassifier {
    fn business(&mut self, name: &str) -> BusinessId {
        if let Some(id) = self.businesses.get(name) {
            return *id;
        }
        let id = BusinessId::intern(name);
        self.businesses.insert(name.to_string(), id);
        id
    }

    /// Events of a batch (in order), and the rows that only pass through.
    fn events_of(&mut self, batch: &StructArray) -> Result<(Vec<Event>, Vec<usize>), Failure> {
        let rec = Typed::of(batch, "_record");
        let time = Typed::of(batch, "_time");
        let business = Typed::of(batch, "business");
        let waba = Typed::of(batch, "waba");
        let contact = Typed::of(batch, "contact");
        let direction = Typed::of(batch, "direction");
        let kind = Typed::of(batch, "kind");
        let status = Typed::of(batch, "status");
        let message_id = Typed::of(batch, "message_id");
        let entry_point = Typed::of(batch, "entry_point");
        let tokens = Typed::of(batch, "tokens");
        let template = Typed::of(batch, "template");
        let mut events = Vec::with_capacity(batch.len());
        let mut passing = Vec::new();
        let bad = |what: &str| Failure::input(format!("internal: event row without {what}"));
        for i in 0..batch.len() {
            if rec.str(i) != Some(record::EVENT) {
                passing.push(i);
                continue;
            }
            let t = time.int(i).ok_or_else(|| bad("time"))?;
            if t < self.last_time {
                return Err(Failure::input(
                    "internal: a partition's events are not in time order (sort by _time, \
                     _file, _row before classifying)",
                ));
            }
            self.last_time = t;
            let b = self.business(business.str(i).ok_or_else(|| bad("business"))?);
            let w = self.business(waba.str(i).ok_or_else(|| bad("waba"))?);
            let digits = contact.int(i).ok_or_else(|| bad("contact"))?;
            let contact = ContactNumber::from_digits(digits as u64)
                .map_err(|e| Failure::input(format!("internal: contact {digits}: {e}")))?;
            let outbound = direction.int(i) == Some(1);
            let kind = match kind.int(i) {
                Some(1) => MessageKind::Template(Category::Marketing),
                Some(2) => MessageKind::Template(Category::Utility),
                Some(3) => MessageKind::Template(Category::Authentication),
                Some(4) => MessageKind::Reaction,
                Some(5) => MessageKind::BusinessAgent,
                Some(6) => MessageKind::GroupTemplate(Category::Marketing),
                Some(7) => MessageKind::GroupTemplate(Category::Utility),
                Some(8) => MessageKind::GroupFreeForm,
                _ => MessageKind::FreeForm,
            };
            let status = match status.int(i) {
                Some(0) => Status::Failed,
                Some(1) => Status::Sent,
                Some(3) => Status::Read,
                _ => Status::Delivered,
            };
            events.push(Event {
                time_ms: t,
                business: b,
                waba: w,
                contact,
                direction: if outbound {
                    Direction::Outbound
                } else {
                    Direction::Inbound
                },
                kind,
                status,
                message_id: message_id.str(i).and_then(|m| MessageId::new(m.as_bytes())),
                entry_point: match entry_point.int(i) {
                    Some(1) => Some(EntryPoint::CtwaAd),
                    Some(2) => Some(EntryPoint::PageCta),
                    _ => None,
                },
                verdict: None,
                details: Details {
                    tokens: tokens.int(i).and_then(|n| u32::try_from(n).ok()),
                    template: template.str(i).map(TemplateId::intern),
                    ..Details::NONE
                },
            });
        }
        Ok((events, passing))
    }

    fn price(&mut self, events: &[Event], lines: &mut Columns) -> Result<(), Failure> {
        let PartitionClassifier {
            book,
            classifier,
            settlement,
            ledger,
            show_contacts,
            lines: keep,
            ..
        } = self;
        let names = &book.names;
        classifier
            .push_all(events, &mut |c: &Charge| {
                settlement.observe(c);
                ledger.add(c);
                if *keep {
                    push_line(lines, c, names, *show_contacts);
                }
            })
            .map_err(Failure::input)
    }
}

/// Copies the rows that pass through phase 2 (errors, segments) into its output.
fn pass_through(batch: &StructArray, rows: &[usize]) -> Columns {
    let cols = [
        ("_record", Kind::Text),
        ("_time", Kind::Int),
        ("_file", Kind::Int),
        ("_row", Kind::Int),
        ("_row_end", Kind::Int),
        ("_time_end", Kind::Int),
        ("_in_order", Kind::Bool),
        ("_error", Kind::Text),
        ("_reason", Kind::Text),
        ("_raw", Kind::Text),
    ];
    let mut out = Columns::new(&cols);
    let typed: Vec<Typed> = cols.iter().map(|(n, _)| Typed::of(batch, n)).collect();
    for &i in rows {
        for ((_, k), t) in cols.iter().zip(&typed) {
            match k {
                Kind::Text => out.text(t.str(i)),
                Kind::Bool => out.bool(t.bool(i)),
                _ => out.int(t.int(i)),
            };
        }
    }
    out
}

#[pymethods]
impl PartitionClassifier {
    /// A classifier for one partition, with the package's options; `lines` says whether to
    /// hand back the charge lines (else only what settlement and the ledger need).
    #[new]
    fn new(options: &str, lines: bool) -> PyResult<PartitionClassifier> {
        guard(|| {
            let o = Options::parse(options)?;
            let book = cached_book(options)?;
            let config = o.classify()?;
            Ok(PartitionClassifier {
                book,
                classifier: Classifier::new(book, config),
                settlement: Settlement::new(book, config.currency, config.timezone),
                ledger: Ledger::new(config.currency),
                show_contacts: o.show_contacts,
                lines,
                businesses: HashMap::new(),
                last_time: i64::MIN,
                events: 0,
                columns: output_columns(),
            })
        })
    }

    /// The columns of every batch handed back, as `(name, type)` with types `text`, `int`,
    /// `bool`, `decimal`, `date`, `time`.
    #[staticmethod]
    fn columns() -> Vec<(&'static str, &'static str)> {
        output_columns()
            .into_iter()
            .map(|(n, k)| (n, kind_name(k)))
            .collect()
    }

    /// Classifies a batch of compact events in time order; hands back its charge lines and
    /// the rows that pass through.
    fn push(&mut self, batch: Bound<'_, PyAny>) -> PyResult<ArrowStream> {
        guard(|| {
            let mut stream = import_stream(&batch)?;
            let mut out = Vec::new();
            while let Some(b) = next_batch(&mut stream) {
                let b = b.map_err(Failure::input)?;
                let (events, passing) = self.events_of(&b)?;
                self.events += events.len() as u64;
                let mut lines = Columns::new(&LINE_COLUMNS);
                self.price(&events, &mut lines)?;
                let mut lines = lines.take();
                if lines.len() > 0 {
                    lines = with_record(lines, record::LINE);
                    out.push(lines);
                }
                if !passing.is_empty() {
                    out.push(pass_through(&b, &passing).take());
                }
            }
            Ok(stream_of(&self.columns, out))
        })
    }

    /// Ends the partition: the lines of messages still held, then the partition's ledger
    /// rows, allowance candidates, volume counters and counts.
    fn finish(&mut self) -> PyResult<ArrowStream> {
        guard(|| {
            let mut out = Vec::new();
            let mut lines = Columns::new(&LINE_COLUMNS);
            {
                let PartitionClassifier {
                    book,
                    classifier,
                    settlement,
                    ledger,
                    show_contacts,
                    lines: keep,
                    ..
                } = self;
                let names = &book.names;
                classifier
                    .finish(&mut |c: &Charge| {
                        settlement.observe(c);
                        ledger.add(c);
                        if *keep {
                            push_line(&mut lines, c, names, *show_contacts);
                        }
                    })
                    .map_err(Failure::input)?;
            }
            out.push(with_record(lines.take(), record::LINE));
            let mut ledger = Columns::new(&LEDGER_COLUMNS);
            let mut scales = Columns::new(&[("_scale", Kind::Int)]);
            for r in self.ledger.rows() {
                push_ledger_row(&mut ledger, &r, &self.book.names, self.ledger.currency);
                scales.int(Some(i64::from(r.totals.amount.scale())));
            }
            let ledger = with_column(ledger.take(), scales.take());
            out.push(with_record(ledger, record::LEDGER));
            out.push(state_rows(&self.settlement.state(), self.book)?);
            let stats = self.classifier.stats();
            let counts = CountsDoc {
                events: self.events,
                inbound: stats.inbound,
                outbound: stats.outbound,
                duplicates: stats.duplicates,
                late_status: stats.late_status,
                rejected_free_form: stats.rejected_free_form,
                missing_rate: stats.missing_rate,
                estimated_rates_used: stats.estimated_rates_used,
                contacts: self.classifier.contacts() as u64,
            };
            let mut c = Columns::new(&[("_record", Kind::Text), ("_payload", Kind::Text)]);
            let mut doc = serde_json::to_value(&counts).map_err(Failure::input)?;
            doc["facts"] = serde_json::to_value(FactsDoc::of(&self.classifier.facts(), self.book))
                .map_err(Failure::input)?;
            doc["activity"] =
                serde_json::to_value(units::activity(&self.classifier.usage(), self.book))
                    .map_err(Failure::input)?;
            let doc = doc.to_string();
            c.text(Some(record::STATS)).text(Some(&doc));
            out.push(c.take());
            Ok(stream_of(&self.columns, out))
        })
    }
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Text => "text",
        Kind::Int => "int",
        Kind::Bool => "bool",
        Kind::Decimal => "decimal",
        Kind::Date => "date",
        Kind::Time => "time",
    }
}

/// A batch with a `_record` column of `what` added.
fn with_record(batch: StructArray, what: &str) -> StructArray {
    let mut r = Columns::new(&[("_record", Kind::Text)]);
    for _ in 0..batch.len() {
        r.text(Some(what));
    }
    with_column(batch, r.take())
}

/// A batch with the columns of another batch of as many rows added.
fn with_column(batch: StructArray, more: StructArray) -> StructArray {
    let mut fields = batch.fields().to_vec();
    let mut values = batch.values().to_vec();
    fields.extend(more.fields().iter().cloned());
    values.extend(more.values().iter().cloned());
    StructArray::new(ArrowDataType::Struct(fields), batch.len(), values, None)
}

/// A settlement's state as rows: candidates with the columns Spark ranks them by, volume
/// counters keyed by their JSON.
fn state_rows(state: &SettlementState, book: &RateBook) -> Result<StructArray, Failure> {
    let cols = [
        ("_record", Kind::Text),
        ("_payload", Kind::Text),
        ("_scope", Kind::Text),
        ("_month", Kind::Text),
        ("category", Kind::Text),
        ("_size", Kind::Int),
        ("_time", Kind::Int),
        ("business", Kind::Text),
        ("_contact", Kind::Int),
        ("_position", Kind::Int),
        ("_count", Kind::Int),
    ];
    let mut out = Columns::new(&cols);
    for k in &state.kept {
        let doc = CandidateDoc {
            scope: k.key.scope.name(),
            month: k.key.month.first_day(),
            category: k.key.category.as_str().to_string(),
            size: k.size,
            time: k.precedence.time_ms,
            business: k.precedence.business.name(),
            contact: k.precedence.contact.map_or(0, |c| c.digits()),
            position: k.precedence.position,
            waba: k.basis.waba.name(),
            market: book.names.name(k.basis.market).to_string(),
            country: k.basis.country.code().to_string(),
            rate: k.basis.rate,
            model: k.basis.model.as_str().to_string(),
            card: k.basis.card,
            provenance: k.basis.provenance.map(|p| p.as_str().to_string()),
            own_category: Some(k.basis.category.as_str().to_string()),
        };
        let json = serde_json::to_string(&doc).map_err(Failure::input)?;
        out.text(Some(record::CANDIDATE))
            .text(Some(&json))
            .text(Some(&doc.scope))
            .text(Some(&doc.month.to_string()))
            .text(Some(&doc.category))
            .int(Some(i64::from(doc.size)))
            .int(Some(doc.time))
            .text(Some(&doc.business))
            .int(Some(doc.contact as i64))
            .int(Some(i64::from(doc.position)))
            .int(None);
    }
    for (key, count) in &state.volumes {
        let doc = VolumeDoc {
            waba: key.waba.name(),
            month: key.month.first_day(),
            market: book.names.name(key.market).to_string(),
            category: key.category.as_str().to_string(),
            rate: key.rate,
            country: key.country_hint.code().to_string(),
            card: key.card,
        };
        let json = serde_json::to_string(&doc).map_err(Failure::input)?;
        out.text(Some(record::VOLUME)).text(Some(&json));
        for _ in 0..8 {
            out.null();
        }
        out.int(Some(i64::try_from(*count).unwrap_or(i64::MAX)));
    }
    Ok(out.take())
}

fn parse_or<T>(v: Option<T>, what: &str) -> Result<T, Failure> {
    v.ok_or_else(|| Failure::input(format!("internal: unreadable {what} in a settlement row")))
}

impl CandidateDoc {
    fn item(&self, book: &RateBook) -> Result<KeptItem, Failure> {
        let contact = ContactNumber::from_digits(self.contact)
            .map_err(|e| Failure::input(format!("internal: {e}")))?;
        Ok(KeptItem {
            key: AllowanceKey {
                scope: BusinessId::intern(&self.scope),
                month: Month::of(self.month),
                category: parse_or(Category::parse(&self.category), "category")?,
            },
            size: self.size,
            precedence: Precedence {
                time_ms: self.time,
                business: BusinessId::intern(&self.business),
                contact: Some(contact),
                position: self.position,
            },
            basis: Basis {
                business: BusinessId::intern(&self.business),
                waba: BusinessId::intern(&self.waba),
                market: parse_or(book.names.get(&self.market), "market")?,
                country: parse_or(Country::parse(&self.country), "country")?,
                rate: self.rate,
                model: parse_or(PricingModel::parse(&self.model), "pricing model")?,
                card: self.card,
                provenance: match &self.provenance {
                    Some(p) => Some(parse_or(Provenance::parse(p), "provenance")?),
                    None => None,
                },
                category: parse_or(
                    Category::parse(self.own_category.as_deref().unwrap_or(&self.category)),
                    "category",
                )?,
            },
        })
    }
}

impl VolumeDoc {
    fn key(&self, book: &RateBook) -> Result<VolumeKey, Failure> {
        Ok(VolumeKey {
            waba: BusinessId::intern(&self.waba),
            month: Month::of(self.month),
            market: parse_or(book.names.get(&self.market), "market")?,
            category: parse_or(Category::parse(&self.category), "category")?,
            rate: self.rate,
            country_hint: parse_or(Country::parse(&self.country), "country")?,
            card: self.card,
        })
    }
}

/// Phase 3, on the driver: settles the partitions' allowance candidates (the `_payload` of
/// candidate rows, reduced or not) and volume counters (`(_payload, count)`), as one
/// settlement that observed the whole log. Gives the adjustment lines, their ledger rows, and
/// the settlement's notes as JSON.
#[pyfunction]
pub fn settle(
    options: &str,
    candidates: Vec<String>,
    volumes: Vec<(String, i64)>,
) -> PyResult<(ArrowStream, Vec<String>, String)> {
    guard(|| {
        let o = Options::parse(options)?;
        let book = cached_book(options)?;
        let config = o.classify()?;
        let mut state = SettlementState::default();
        for c in &candidates {
            let doc: CandidateDoc = serde_json::from_str(c)
                .map_err(|e| Failure::input(format!("internal: candidate row: {e}")))?;
            state.kept.push(doc.item(book)?);
        }
        for (v, n) in &volumes {
            let doc: VolumeDoc = serde_json::from_str(v)
                .map_err(|e| Failure::input(format!("internal: volume row: {e}")))?;
            state
                .volumes
                .push((doc.key(book)?, u64::try_from(*n).unwrap_or(0)));
        }
        let mut settlement = Settlement::new(book, config.currency, config.timezone);
        settlement.absorb(state);
        let (adjustments, notes) = settlement.finish();
        let mut lines = Columns::new(&LINE_COLUMNS);
        let mut ledger = Ledger::new(config.currency);
        for a in &adjustments {
            push_line(&mut lines, a, &book.names, o.show_contacts);
            ledger.add(a);
        }
        let rows: Vec<String> = ledger.rows().iter().map(|r| ledger_json(r, book)).collect();
        let tier_exposure: Vec<TierDoc> = notes
            .tier_exposure
            .iter()
            .map(|t| TierDoc::of(t, book))
            .collect();
        let notes = json!({
            "allowance_items": notes.allowance_items,
            "tiered_messages": notes.tiered_messages,
            "list_rate_messages": notes.list_rate_messages,
            "tier_exposure": tier_exposure,
        })
        .to_string();
        let lf = lines.field();
        Ok((ArrowStream::new(lf, vec![lines.take()]), rows, notes))
    })
}

/// A ledger row as JSON, with the scale of its amount (`_scale`): the ledger Spark
/// aggregates keeps amounts at 10 decimal places, and the summary shows each with the
/// places its lines had, as one pass does.
fn ledger_json(r: &wacost_core::ledger::LedgerRow, book: &RateBook) -> String {
    let k = &r.key;
    let t = &r.totals;
    json!({
        "date": k.date,
        "business": k.business.name(),
        "market": book.names.name(k.market),
        "country": k.country.code(),
        "category": k.category.as_str(),
        "pricing_type": k.pricing_type.as_str(),
        "line_kind": k.kind.as_str(),
        "lines": t.lines,
        "quantity": t.quantity,
        "billed": t.billed,
        "estimated": t.estimated,
        "amount": t.amount,
        "_scale": t.amount.scale(),
    })
    .to_string()
}

/// One ledger row as the driver collected it from Spark's aggregation.
#[derive(Deserialize)]
struct LedgerDoc {
    date: NaiveDate,
    business: String,
    market: String,
    country: String,
    category: String,
    pricing_type: String,
    line_kind: String,
    lines: u64,
    quantity: i64,
    billed: u64,
    estimated: u64,
    amount: Decimal,
    #[serde(rename = "_scale")]
    scale: u32,
}

/// What the driver gathered besides the ledger, for the summary.
#[derive(Deserialize)]
struct RunDoc {
    counts: CountsDoc,
    /// Every partition's rule facts.
    #[serde(default)]
    facts: Vec<FactsDoc>,
    /// Every partition's contacts and conversations by month and market.
    #[serde(default)]
    activity: Vec<ActivityByMonth>,
    notes: NotesDoc,
    skipped: BTreeMap<String, u64>,
    sorted: bool,
}

#[derive(Deserialize)]
struct NotesDoc {
    allowance_items: i64,
    tiered_messages: i64,
    list_rate_messages: u64,
    /// Settled on the driver from every partition's volume counters, so whole.
    #[serde(default)]
    tier_exposure: Vec<TierDoc>,
}

/// A month, WABA, market and category whose volume at list rate reached the first
/// volume-tier discount ([`TierExposure`]), as it travels from settlement to the summary.
#[derive(Serialize, Deserialize)]
struct TierDoc {
    waba: String,
    /// `YYYY-MM-01`.
    month: NaiveDate,
    market: String,
    category: String,
    messages: u64,
    first_discount_from: u64,
}

impl TierDoc {
    fn of(t: &TierExposure, book: &RateBook) -> TierDoc {
        TierDoc {
            waba: t.waba.name(),
            month: t.month.first_day(),
            market: book.names.name(t.market).to_string(),
            category: t.category.as_str().to_string(),
            messages: t.messages,
            first_discount_from: t.first_discount_from,
        }
    }

    fn exposure(&self, book: &RateBook) -> Result<TierExposure, Failure> {
        Ok(TierExposure {
            waba: BusinessId::intern(&self.waba),
            month: Month::of(self.month),
            market: parse_or(book.names.get(&self.market), "market")?,
            category: parse_or(Category::parse(&self.category), "category")?,
            messages: self.messages,
            first_discount_from: self.first_discount_from,
        })
    }
}

/// Phase 3, on the driver: the summary (`replay --format json`'s document) and the ledger
/// (its rows merged, sorted) from the ledger rows Spark aggregated (JSON, one per row) and
/// the run's counts, settlement notes, skipped rows and order (`run`, JSON).
#[pyfunction]
pub fn summarize(
    options: &str,
    ledger_rows: Vec<String>,
    run: &str,
) -> PyResult<(String, ArrowStream)> {
    guard(|| {
        let o = Options::parse(options)?;
        let book = cached_book(options)?;
        let currency: Currency = o.currency()?;
        let run: RunDoc =
            serde_json::from_str(run).map_err(|e| Failure::input(format!("internal: run: {e}")))?;
        let mut counts = CountsDoc::default();
        counts.add(&run.counts);
        let mut facts = RuleFacts::default();
        for f in &run.facts {
            facts.merge(&f.facts(book)?);
        }
        let mut ledger = Ledger::new(currency);
        for r in &ledger_rows {
            let d: LedgerDoc = serde_json::from_str(r)
                .map_err(|e| Failure::input(format!("internal: ledger row: {e}")))?;
            let key = RowKey {
                date: d.date,
                business: BusinessId::intern(&d.business),
                market: parse_or(book.names.get(&d.market), "market")?,
                country: parse_or(Country::parse(&d.country), "country")?,
                category: parse_or(Category::parse(&d.category), "category")?,
                pricing_type: parse_or(PricingType::parse(&d.pricing_type), "pricing type")?,
                kind: parse_or(
                    wacost_core::charge::LineKind::parse(&d.line_kind),
                    "line kind",
                )?,
            };
            // Spark kept 10 places; the lines had `scale` at most, so this is exact.
            let mut amount = d.amount;
            amount.rescale(d.scale);
            ledger.add_row(
                key,
                &Totals {
                    lines: d.lines,
                    quantity: d.quantity,
                    amount,
                    estimated: d.estimated,
                    billed: d.billed,
                },
            );
        }
        let outcome = Outcome {
            ledger,
            stats: counts.stats(),
            settlement: SettlementNotes {
                allowance_items: run.notes.allowance_items,
                tiered_messages: run.notes.tiered_messages,
                list_rate_messages: run.notes.list_rate_messages,
                tier_exposure: run
                    .notes
                    .tier_exposure
                    .iter()
                    .map(|t| t.exposure(book))
                    .collect::<Result<_, _>>()?,
            },
            skipped: run.skipped,
            sorted: run.sorted,
            events: counts.events,
            rows: counts.events,
            contacts: counts.contacts as usize,
            usage: Usage::new(),
            facts,
            reader_notes: Vec::new(),
        };
        // Contacts and conversations by month and market: each partition holds whole
        // contacts, so their counts add up.
        let mut activity = ActivityByMonth::new();
        for a in &run.activity {
            for (month, markets) in a {
                let m = activity.entry(month.clone()).or_default();
                for (market, x) in markets {
                    let e = m.entry(market.clone()).or_default();
                    e.contacts += x.contacts;
                    e.conversations += x.conversations;
                }
            }
        }
        let mut summary = Summary::from_outcome(&outcome, book);
        summary.run = None;
        summary.unit_costs = units::unit_costs(&outcome.ledger, &activity, book);
        summary.monthly_activity = activity;
        Ok((
            summary.to_json(),
            crate::replay::ledger_of(&outcome.ledger, book),
        ))
    })
}
