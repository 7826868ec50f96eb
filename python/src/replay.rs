//! `wacost.replay` on one machine: the core's [`replay_with`], fed files (any format the CLI
//! reads) and Arrow sources (Parquet files pyarrow reads, tables), with the summary, the
//! ledger and the charge lines handed back.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use pyo3::prelude::*;
use wacost_core::charge::{LineSink, NoLines};
use wacost_core::ledger::Ledger;
use wacost_core::pricing::RateBook;
use wacost_core::replay::{Outcome, Source, replay_with};
use wacost_core::summary::Summary;

use crate::arrow_out::{ArrowLines, ArrowStream, ledger_stream};
use crate::errors::{Failure, guard};
use crate::options::Options;

/// The bytes a table is handed to the core as: Parquet's magic number, so that the core
/// reads it through the Parquet opener ([`crate::arrow_in::open`]), which reads the table's
/// Arrow stream by its name instead.
const TABLE_MAGIC: &[u8] = b"PAR1";

/// A log for [`replay`]: `("path", path, arrow source or None)` for a file (a Parquet file
/// comes with the pyarrow reader of it), `("table", name, table)` for a table.
type SourceArg = (String, String, Option<Py<PyAny>>);

/// What a replay returns to Python: the summary as `replay --format json` prints it, the
/// ledger rows and the charge lines (when asked for) as Arrow streams.
type ReplayResult = (String, ArrowStream, Option<ArrowStream>);

/// Replays logs: `sources` (see [`SourceArg`]) priced as one log with `options` (the
/// package's JSON); every line kept when `lines`.
#[pyfunction]
pub fn replay(
    py: Python<'_>,
    sources: Vec<SourceArg>,
    options: &str,
    lines: bool,
) -> PyResult<ReplayResult> {
    guard(|| {
        let options = Options::parse(options)?;
        let book = options.book()?;
        let replay_options = options.replay()?;
        let formats = options.formats()?;
        let mut arrow: HashMap<String, Py<PyAny>> = HashMap::new();
        let mut list = Vec::with_capacity(sources.len());
        for (kind, name, obj) in sources {
            match kind.as_str() {
                "path" => list.push(Source::Path(PathBuf::from(&name))),
                "table" => list.push(Source::Bytes(name.clone(), Arc::from(TABLE_MAGIC))),
                other => return Err(Failure::Usage(format!("source kind {other:?}")).into()),
            }
            if let Some(obj) = obj {
                arrow.insert(name, obj);
            }
        }
        if list.is_empty() {
            return Err(Failure::Usage("no log to replay".into()).into());
        }
        let show_contacts = options.show_contacts;
        let (outcome, lines) = py.detach(|| {
            crate::arrow_in::with_sources(arrow, || {
                let mut kept = lines.then(|| ArrowLines::new(&book.names, show_contacts));
                let mut none = NoLines;
                let sink: &mut dyn LineSink = match kept.as_mut() {
                    Some(k) => k,
                    None => &mut none,
                };
                let outcome = replay_with(&book, &list, replay_options, &formats, sink, None)
                    .map_err(Failure::replay)?;
                Ok::<_, Failure>((outcome, kept.map(ArrowLines::into_stream)))
            })
        })?;
        Ok((
            outcome_summary(&outcome, &book),
            ledger_of(&outcome.ledger, &book),
            lines,
        ))
    })
}

/// The summary of a run as `wacost replay --format json` prints it.
pub fn outcome_summary(outcome: &Outcome, book: &RateBook) -> String {
    let mut summary = Summary::from_outcome(outcome, book);
    summary.run = None;
    summary.to_json()
}

/// A ledger's rows, sorted by key, as a stream.
pub fn ledger_of(ledger: &Ledger, book: &RateBook) -> ArrowStream {
    ledger_stream(&ledger.rows(), &book.names, ledger.currency)
}

fn parse_summary(doc: &str) -> Result<Summary, Failure> {
    serde_json::from_str(doc).map_err(|e| Failure::Usage(format!("not a wacost summary: {e}")))
}

/// A summary document (`Result.summary` as JSON) as `wacost replay --format json` prints it.
#[pyfunction]
pub fn summary_json(doc: &str) -> PyResult<String> {
    guard(|| Ok(parse_summary(doc)?.to_json()))
}

/// A summary document as `wacost replay` prints it for a terminal.
#[pyfunction]
pub fn summary_text(doc: &str) -> PyResult<String> {
    guard(|| Ok(parse_summary(doc)?.to_text()))
}
