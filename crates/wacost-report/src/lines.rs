//! Writing ledger lines as they are produced: CSV and Parquet, in bounded memory. The CSV
//! file's text cells never start a spreadsheet formula ([`csv_text`]); Parquet keeps the
//! values as they are (its strings are never read as formulas).

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use rust_decimal::Decimal;

use wacost_core::charge::Charge;
use wacost_core::pricing::market::MarketNames;
use wacost_core::replay::LineSink;
use wacost_core::text::{csv_number, csv_text};

/// Column names of a lines file.
pub const COLUMNS: [&str; 27] = [
    "line_kind",
    "time",
    "date",
    "business",
    "waba",
    "contact",
    "message_id",
    "message_type",
    "template_category",
    "status",
    "pricing_model",
    "pricing_category",
    "pricing_type",
    "billable",
    "market",
    "country",
    "rate",
    "amount",
    "currency",
    "quantity",
    "conversation_id",
    "provenance",
    "card_effective",
    "reason",
    "meta_pricing_type",
    "meta_category",
    "meta_billable",
];

/// The text fields of a line, as written to CSV and Parquet.
pub fn fields(c: &Charge, names: &MarketNames, show_contacts: bool) -> [String; 27] {
    let market = names.name(c.market);
    let opt = |o: Option<String>| o.unwrap_or_default();
    [
        c.kind.as_str().to_string(),
        wacost_core::calendar::format_instant(c.time_ms),
        c.date.to_string(),
        c.business.name(),
        c.waba.name(),
        opt(c
            .contact
            .map(|n| if show_contacts { n.e164() } else { n.masked() })),
        opt(c.message_id.map(|m| m.to_string())),
        opt(c.offer.map(|k| k.as_str().to_string())),
        opt(c
            .offer
            .and_then(|k| k.template_category())
            .map(|t| t.to_string())),
        opt(c.status.map(|s| s.as_str().to_string())),
        c.model.to_string(),
        c.category.to_string(),
        c.pricing_type.to_string(),
        (c.amount > Decimal::ZERO).to_string(),
        market.to_string(),
        c.country.to_string(),
        opt(c.rate.map(|r| r.to_string())),
        c.amount.to_string(),
        c.currency.to_string(),
        c.quantity.to_string(),
        opt(c.conversation.map(|n| format!("conv-{n}"))),
        opt(c.provenance.map(|p| p.to_string())),
        c.card.to_string(),
        c.reason(market),
        opt(c
            .verdict
            .and_then(|v| v.pricing_type)
            .map(|t| t.to_string())),
        opt(c.verdict.and_then(|v| v.category).map(|t| t.to_string())),
        opt(c.verdict.and_then(|v| v.billable).map(|t| t.to_string())),
    ]
}

/// A line's fields as `lines.csv` writes them: amounts, rates and quantities as numbers,
/// every other field as text that a spreadsheet does not run.
fn csv_fields(f: &[String; 27]) -> impl Iterator<Item = std::borrow::Cow<'_, str>> {
    COLUMNS.iter().zip(f).map(|(name, value)| match *name {
        "rate" | "amount" | "quantity" => csv_number(value),
        _ => csv_text(value),
    })
}

/// Writes lines to `lines.csv` and `lines.parquet` in a folder.
pub struct LineFiles<'a> {
    names: &'a MarketNames,
    show_contacts: bool,
    csv_path: PathBuf,
    parquet_path: PathBuf,
    csv: csv::Writer<BufWriter<File>>,
    parquet: Option<polars::io::parquet::write::BatchedWriter<File>>,
    batch: Vec<[String; 27]>,
    amounts: Vec<(Option<Decimal>, Decimal)>,
    /// The what-ifs the lines were priced under (`replay --what-if`), written in a last
    /// column `what_if` of every line; none: no such column.
    what_if: Option<String>,
}

/// The column a run priced under what-ifs adds to its lines: their ids, `+`-separated.
pub const WHAT_IF_COLUMN: &str = "what_if";

const BATCH: usize = 65_536;
const SCALE: u32 = 10;

impl<'a> LineFiles<'a> {
    /// Creates (or truncates) `DIR/lines.csv` and `DIR/lines.parquet`.
    pub fn create(
        dir: &Path,
        names: &'a MarketNames,
        show_contacts: bool,
    ) -> std::io::Result<LineFiles<'a>> {
        LineFiles::create_under(dir, names, show_contacts, None)
    }

    /// As [`LineFiles::create`], for lines priced under what-ifs: every line carries
    /// `what_if` (their ids) in a last column of that name.
    pub fn create_under(
        dir: &Path,
        names: &'a MarketNames,
        show_contacts: bool,
        what_if: Option<String>,
    ) -> std::io::Result<LineFiles<'a>> {
        std::fs::create_dir_all(dir)?;
        let csv_path = dir.join("lines.csv");
        let parquet_path = dir.join("lines.parquet");
        let csv = new_csv(&csv_path, what_if.is_some())?;
        let parquet = Some(new_parquet(&parquet_path, what_if.is_some())?);
        Ok(LineFiles {
            names,
            show_contacts,
            csv_path,
            parquet_path,
            csv,
            parquet,
            batch: Vec::with_capacity(1024),
            amounts: Vec::with_capacity(1024),
            what_if,
        })
    }

    fn flush_batch(&mut self) -> std::io::Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let df = batch_frame(&self.batch, &self.amounts, self.what_if.as_deref())
            .map_err(std::io::Error::other)?;
        if let Some(w) = self.parquet.as_mut() {
            w.write_batch(&df).map_err(std::io::Error::other)?;
        }
        self.batch.clear();
        self.amounts.clear();
        Ok(())
    }

    /// Flushes and closes both files.
    pub fn finish(mut self) -> std::io::Result<()> {
        self.flush_batch()?;
        self.csv.flush()?;
        if let Some(w) = self.parquet.take() {
            w.finish().map_err(std::io::Error::other)?;
        }
        Ok(())
    }
}

fn new_csv(path: &Path, what_if: bool) -> std::io::Result<csv::Writer<BufWriter<File>>> {
    let mut w = csv::Writer::from_writer(BufWriter::with_capacity(1 << 16, File::create(path)?));
    if what_if {
        w.write_record(COLUMNS.iter().chain([&WHAT_IF_COLUMN]))?;
    } else {
        w.write_record(COLUMNS)?;
    }
    Ok(w)
}

fn schema(what_if: bool) -> Schema {
    let mut s = Schema::default();
    for name in COLUMNS {
        let dtype = match name {
            "rate" | "amount" => DataType::Decimal(38, SCALE as usize),
            "quantity" => DataType::Int64,
            _ => DataType::String,
        };
        s.insert(name.into(), dtype);
    }
    if what_if {
        s.insert(WHAT_IF_COLUMN.into(), DataType::String);
    }
    s
}

fn new_parquet(
    path: &Path,
    what_if: bool,
) -> std::io::Result<polars::io::parquet::write::BatchedWriter<File>> {
    ParquetWriter::new(File::create(path)?)
        .batched(&schema(what_if))
        .map_err(std::io::Error::other)
}

fn decimal_series(
    name: &str,
    values: impl Iterator<Item = Option<Decimal>>,
) -> PolarsResult<Series> {
    let v: Vec<Option<i128>> = values
        .map(|d| {
            d.map(|mut d| {
                d.rescale(SCALE);
                d.mantissa()
            })
        })
        .collect();
    Ok(Int128Chunked::from_iter_options(name.into(), v.into_iter())
        .into_decimal(38, SCALE as usize)?
        .into_series())
}

fn batch_frame(
    batch: &[[String; 27]],
    amounts: &[(Option<Decimal>, Decimal)],
    what_if: Option<&str>,
) -> PolarsResult<DataFrame> {
    let mut cols: Vec<Column> = Vec::with_capacity(COLUMNS.len());
    for (i, name) in COLUMNS.iter().enumerate() {
        let col: Column = match *name {
            "rate" => decimal_series(name, amounts.iter().map(|a| a.0))?.into(),
            "amount" => decimal_series(name, amounts.iter().map(|a| Some(a.1)))?.into(),
            "quantity" => Column::new(
                (*name).into(),
                batch
                    .iter()
                    .map(|r| r[i].parse::<i64>().unwrap_or(0))
                    .collect::<Vec<i64>>(),
            ),
            _ => Column::new(
                (*name).into(),
                batch.iter().map(|r| r[i].as_str()).collect::<Vec<&str>>(),
            ),
        };
        cols.push(col);
    }
    if let Some(id) = what_if {
        cols.push(Column::new(WHAT_IF_COLUMN.into(), vec![id; batch.len()]));
    }
    DataFrame::new_infer_height(cols)
}

impl LineSink for LineFiles<'_> {
    fn line(&mut self, c: &Charge) -> std::io::Result<()> {
        let f = fields(c, self.names, self.show_contacts);
        for cell in csv_fields(&f) {
            self.csv.write_field(cell.as_bytes())?;
        }
        if let Some(id) = &self.what_if {
            self.csv.write_field(csv_text(id).as_bytes())?;
        }
        self.csv.write_record(None::<&[u8]>)?;
        self.batch.push(f);
        self.amounts.push((c.rate, c.amount));
        if self.batch.len() >= BATCH {
            self.flush_batch()?;
        }
        Ok(())
    }

    fn reset(&mut self) -> std::io::Result<()> {
        self.batch.clear();
        self.amounts.clear();
        self.csv = new_csv(&self.csv_path, self.what_if.is_some())?;
        self.parquet = Some(new_parquet(&self.parquet_path, self.what_if.is_some())?);
        Ok(())
    }
}
