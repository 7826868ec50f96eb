//! Tables wacost hands to Python as Arrow data, through the C stream interface: charge lines
//! (the columns of `lines.csv`, typed: amounts as Decimal128(38, 10), dates as Date32, the
//! time as a UTC timestamp) and ledger rows (the columns of `ledger.parquet`).

use std::sync::Mutex;

use chrono::NaiveDate;
use polars_arrow::array::{
    Array, MutableBooleanArray, MutablePrimitiveArray, MutableUtf8Array, StructArray,
};
use polars_arrow::datatypes::{ArrowDataType, Field, TimeUnit};
use polars_arrow::ffi::{ArrowArrayStream, export_iterator};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use rust_decimal::Decimal;
use wacost_core::charge::{Charge, LineSink};
use wacost_core::event::MessageKind;
use wacost_core::ledger::LedgerRow;
use wacost_core::money::Currency;
use wacost_core::pricing::market::MarketNames;

/// Decimal places of every amount handed out (Decimal128(38, 10), as `lines.parquet`).
pub const SCALE: u32 = 10;

/// The unit of the core's instants (`Event::time_ms`, `Charge::time_ms`): the one place this
/// crate depends on it.
pub const TIME_UNIT: TimeUnit = TimeUnit::Millisecond;

/// How a column is typed.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// UTF-8 text, null when empty.
    Text,
    /// 64-bit integers.
    Int,
    /// Booleans.
    Bool,
    /// Decimal128(38, [`SCALE`]).
    Decimal,
    /// Days (Date32).
    Date,
    /// A UTC instant in the core's unit.
    Time,
}

impl Kind {
    /// The Arrow type of the column.
    pub fn dtype(self) -> ArrowDataType {
        match self {
            Kind::Text => ArrowDataType::Utf8,
            Kind::Int => ArrowDataType::Int64,
            Kind::Bool => ArrowDataType::Boolean,
            Kind::Decimal => ArrowDataType::Decimal(38, SCALE as usize),
            Kind::Date => ArrowDataType::Date32,
            Kind::Time => ArrowDataType::Timestamp(TIME_UNIT, Some("UTC".into())),
        }
    }
}

enum Builder {
    Text(MutableUtf8Array<i32>),
    Int(MutablePrimitiveArray<i64>),
    Bool(MutableBooleanArray),
    Decimal(MutablePrimitiveArray<i128>),
    Date(MutablePrimitiveArray<i32>),
    Time(MutablePrimitiveArray<i64>),
}

impl Builder {
    fn new(kind: Kind) -> Builder {
        match kind {
            Kind::Text => Builder::Text(MutableUtf8Array::new()),
            Kind::Int => Builder::Int(MutablePrimitiveArray::new()),
            Kind::Bool => Builder::Bool(MutableBooleanArray::new()),
            Kind::Decimal => Builder::Decimal(MutablePrimitiveArray::new()),
            Kind::Date => Builder::Date(MutablePrimitiveArray::new()),
            Kind::Time => Builder::Time(MutablePrimitiveArray::new()),
        }
    }

    fn finish(self, kind: Kind) -> Box<dyn Array> {
        match self {
            Builder::Text(b) => {
                let a: polars_arrow::array::Utf8Array<i32> = b.into();
                a.boxed()
            }
            Builder::Int(b) => polars_arrow::array::PrimitiveArray::from(b).boxed(),
            Builder::Bool(b) => polars_arrow::array::BooleanArray::from(b).boxed(),
            Builder::Decimal(b) => polars_arrow::array::PrimitiveArray::from(b)
                .to(kind.dtype())
                .boxed(),
            Builder::Date(b) => polars_arrow::array::PrimitiveArray::from(b)
                .to(kind.dtype())
                .boxed(),
            Builder::Time(b) => polars_arrow::array::PrimitiveArray::from(b)
                .to(kind.dtype())
                .boxed(),
        }
    }
}

/// A table being built row by row: push each row's values in column order with the typed
/// `push_*` methods, then take the rows as a record batch.
pub struct Columns {
    spec: Vec<(&'static str, Kind)>,
    builders: Vec<Builder>,
    at: usize,
    rows: usize,
}

impl Columns {
    /// An empty table of these columns.
    pub fn new(spec: &[(&'static str, Kind)]) -> Columns {
        Columns {
            spec: spec.to_vec(),
            builders: spec.iter().map(|(_, k)| Builder::new(*k)).collect(),
            at: 0,
            rows: 0,
        }
    }

    /// The schema, as the field of a stream of record batches.
    pub fn field(&self) -> Field {
        Field::new("".into(), self.dtype(), false)
    }

    fn dtype(&self) -> ArrowDataType {
        ArrowDataType::Struct(
            self.spec
                .iter()
                .map(|(n, k)| Field::new((*n).into(), k.dtype(), true))
                .collect(),
        )
    }

    /// Rows so far.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether no row was pushed yet.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    fn next(&mut self) -> &mut Builder {
        let b = &mut self.builders[self.at];
        self.at += 1;
        if self.at == self.spec.len() {
            self.at = 0;
            self.rows += 1;
        }
        b
    }

    /// The next column's value: text (null when `None` or empty).
    pub fn text(&mut self, v: Option<&str>) -> &mut Self {
        let v = v.filter(|s| !s.is_empty());
        match self.next() {
            Builder::Text(b) => b.push(v),
            _ => debug_assert!(false, "not a text column"),
        }
        self
    }

    /// The next column's value: null, whatever its type.
    pub fn null(&mut self) -> &mut Self {
        match self.next() {
            Builder::Text(b) => b.push::<&str>(None),
            Builder::Int(b) | Builder::Time(b) => b.push(None),
            Builder::Bool(b) => b.push(None),
            Builder::Decimal(b) => b.push(None),
            Builder::Date(b) => b.push(None),
        }
        self
    }

    /// The next column's value: an integer.
    pub fn int(&mut self, v: Option<i64>) -> &mut Self {
        match self.next() {
            Builder::Int(b) => b.push(v),
            _ => debug_assert!(false, "not an integer column"),
        }
        self
    }

    /// The next column's value: a boolean.
    pub fn bool(&mut self, v: Option<bool>) -> &mut Self {
        match self.next() {
            Builder::Bool(b) => b.push(v),
            _ => debug_assert!(false, "not a boolean column"),
        }
        self
    }

    /// The next column's value: an exact amount.
    pub fn decimal(&mut self, v: Option<Decimal>) -> &mut Self {
        let units = v.map(|mut d| {
            d.rescale(SCALE);
            d.mantissa()
        });
        match self.next() {
            Builder::Decimal(b) => b.push(units),
            _ => debug_assert!(false, "not a decimal column"),
        }
        self
    }

    /// The next column's value: a date.
    pub fn date(&mut self, v: Option<NaiveDate>) -> &mut Self {
        let days = v.map(|d| d.to_epoch_days());
        match self.next() {
            Builder::Date(b) => b.push(days),
            _ => debug_assert!(false, "not a date column"),
        }
        self
    }

    /// The next column's value: an instant as the core keeps it.
    pub fn time(&mut self, v: Option<i64>) -> &mut Self {
        match self.next() {
            Builder::Time(b) => b.push(v),
            _ => debug_assert!(false, "not a time column"),
        }
        self
    }

    /// The rows so far as a record batch (a struct array); the table is empty afterwards.
    pub fn take(&mut self) -> StructArray {
        let values: Vec<Box<dyn Array>> = self
            .builders
            .iter_mut()
            .zip(&self.spec)
            .map(|(b, (_, k))| std::mem::replace(b, Builder::new(*k)).finish(*k))
            .collect();
        let rows = std::mem::take(&mut self.rows);
        self.at = 0;
        StructArray::new(self.dtype(), rows, values, None)
    }
}

/// A stream of record batches for Python (`__arrow_c_stream__`): pyarrow reads it with
/// `pyarrow.RecordBatchReader.from_stream`, polars with `polars.from_arrow`. Read once.
#[pyclass(module = "wacost._native", frozen)]
pub struct ArrowStream {
    stream: Mutex<Option<ArrowArrayStream>>,
}

impl ArrowStream {
    /// A stream of `batches`, whose schema is `field`.
    pub fn new(field: Field, batches: Vec<StructArray>) -> ArrowStream {
        let iter = batches.into_iter().map(|b| Ok(b.boxed()));
        ArrowStream {
            stream: Mutex::new(Some(export_iterator(Box::new(iter), field))),
        }
    }
}

#[pymethods]
impl ArrowStream {
    /// The Arrow PyCapsule interface: the stream, moved into a capsule.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let stream = self
            .stream
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .ok_or_else(|| PyValueError::new_err("this Arrow stream was already read"))?;
        PyCapsule::new(py, stream, Some(c"arrow_array_stream".to_owned()))
    }
}

/// The columns of a charge line (`lines.csv`'s, typed).
pub const LINE_COLUMNS: [(&str, Kind); 27] = [
    ("line_kind", Kind::Text),
    ("time", Kind::Time),
    ("date", Kind::Date),
    ("business", Kind::Text),
    ("waba", Kind::Text),
    ("contact", Kind::Text),
    ("message_id", Kind::Text),
    ("message_type", Kind::Text),
    ("template_category", Kind::Text),
    ("status", Kind::Text),
    ("pricing_model", Kind::Text),
    ("pricing_category", Kind::Text),
    ("pricing_type", Kind::Text),
    ("billable", Kind::Bool),
    ("market", Kind::Text),
    ("country", Kind::Text),
    ("rate", Kind::Decimal),
    ("amount", Kind::Decimal),
    ("currency", Kind::Text),
    ("quantity", Kind::Int),
    ("conversation_id", Kind::Text),
    ("provenance", Kind::Text),
    ("card_effective", Kind::Date),
    ("reason", Kind::Text),
    ("meta_pricing_type", Kind::Text),
    ("meta_category", Kind::Text),
    ("meta_billable", Kind::Bool),
];

/// Appends a charge line to `cols` (built with [`LINE_COLUMNS`] first). Contacts are masked
/// unless `show_contacts`.
pub fn push_line(cols: &mut Columns, c: &Charge, names: &MarketNames, show_contacts: bool) {
    let market = names.name(c.market);
    let message_type = c.offer.map(MessageKind::as_str);
    let template_category = c
        .offer
        .and_then(|k| k.template_category())
        .map(|t| t.as_str());
    let contact = c
        .contact
        .map(|n| if show_contacts { n.e164() } else { n.masked() });
    let message_id = c.message_id.map(|m| m.to_string());
    let conversation = c.conversation.map(|n| format!("conv-{n}"));
    let verdict = c.verdict;
    cols.text(Some(c.kind.as_str()))
        .time(Some(c.time_ms))
        .date(Some(c.date))
        .text(Some(&c.business.name()))
        .text(Some(&c.waba.name()))
        .text(contact.as_deref())
        .text(message_id.as_deref())
        .text(message_type)
        .text(template_category)
        .text(c.status.map(|s| s.as_str()))
        .text(Some(c.model.as_str()))
        .text(Some(c.category.as_str()))
        .text(Some(c.pricing_type.as_str()))
        .bool(Some(c.amount > Decimal::ZERO))
        .text(Some(market))
        .text(Some(c.country.code()))
        .decimal(c.rate)
        .decimal(Some(c.amount))
        .text(Some(c.currency.code()))
        .int(Some(c.quantity))
        .text(conversation.as_deref())
        .text(c.provenance.map(|p| p.as_str()))
        .date(Some(c.card))
        .text(Some(&c.reason(market)))
        .text(verdict.and_then(|v| v.pricing_type).map(|t| t.as_str()))
        .text(verdict.and_then(|v| v.category).map(|t| t.as_str()))
        .bool(verdict.and_then(|v| v.billable));
}

/// Rows per record batch handed out.
pub const BATCH_ROWS: usize = 65_536;

/// A [`LineSink`] keeping every line as Arrow record batches.
pub struct ArrowLines<'a> {
    names: &'a MarketNames,
    show_contacts: bool,
    current: Columns,
    done: Vec<StructArray>,
}

impl<'a> ArrowLines<'a> {
    /// An empty sink.
    pub fn new(names: &'a MarketNames, show_contacts: bool) -> ArrowLines<'a> {
        ArrowLines {
            names,
            show_contacts,
            current: Columns::new(&LINE_COLUMNS),
            done: Vec::new(),
        }
    }

    /// The lines as a stream.
    pub fn into_stream(mut self) -> ArrowStream {
        if !self.current.is_empty() || self.done.is_empty() {
            self.done.push(self.current.take());
        }
        ArrowStream::new(self.current.field(), self.done)
    }
}

impl LineSink for ArrowLines<'_> {
    fn line(&mut self, c: &Charge) -> std::io::Result<()> {
        push_line(&mut self.current, c, self.names, self.show_contacts);
        if self.current.len() >= BATCH_ROWS {
            self.done.push(self.current.take());
        }
        Ok(())
    }

    fn reset(&mut self) -> std::io::Result<()> {
        self.done.clear();
        self.current = Columns::new(&LINE_COLUMNS);
        Ok(())
    }
}

/// The columns of a ledger row (`ledger.parquet`'s; counts as Int64, the amount as
/// Decimal128(38, 10)).
pub const LEDGER_COLUMNS: [(&str, Kind); 14] = [
    ("date", Kind::Date),
    ("month", Kind::Text),
    ("business", Kind::Text),
    ("market", Kind::Text),
    ("country", Kind::Text),
    ("category", Kind::Text),
    ("pricing_type", Kind::Text),
    ("line_kind", Kind::Text),
    ("currency", Kind::Text),
    ("lines", Kind::Int),
    ("quantity", Kind::Int),
    ("billed", Kind::Int),
    ("estimated", Kind::Int),
    ("amount", Kind::Decimal),
];

/// Appends a ledger row to `cols` (built with [`LEDGER_COLUMNS`] first).
pub fn push_ledger_row(cols: &mut Columns, r: &LedgerRow, names: &MarketNames, currency: Currency) {
    let k = &r.key;
    let t = &r.totals;
    let month = k.date.format("%Y-%m").to_string();
    cols.date(Some(k.date))
        .text(Some(&month))
        .text(Some(&k.business.name()))
        .text(Some(names.name(k.market)))
        .text(Some(k.country.code()))
        .text(Some(k.category.as_str()))
        .text(Some(k.pricing_type.as_str()))
        .text(Some(k.kind.as_str()))
        .text(Some(currency.code()))
        .int(Some(t.lines as i64))
        .int(Some(t.quantity))
        .int(Some(t.billed as i64))
        .int(Some(t.estimated as i64))
        .decimal(Some(t.amount));
}

/// A ledger's rows as a stream.
pub fn ledger_stream(rows: &[LedgerRow], names: &MarketNames, currency: Currency) -> ArrowStream {
    let mut cols = Columns::new(&LEDGER_COLUMNS);
    for r in rows {
        push_ledger_row(&mut cols, r, names, currency);
    }
    let field = cols.field();
    ArrowStream::new(field, vec![cols.take()])
}
