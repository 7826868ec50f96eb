//! Replay: read logs, classify, settle, and total them in a [`Ledger`]. The pipeline of
//! `wacost replay`, usable from the library.
//!
//! Time-ordered logs stream: memory grows with contacts, not messages. A log found out of
//! order is read again, sorted by timestamp (stable), and priced from the start.
//!
//! # Every row is accounted for
//!
//! A **row read** is what a reader gives: an event, or a row it cannot read. (What a format
//! says to leave out is no row: the SMS of a Twilio export, the system lines of a chat
//! export, webhook changes of other fields; the notes count them.) Every run ends with a
//! check that
//!
//! ```text
//! rows read = outbound messages priced (one line each)
//!           + inbound messages
//!           + duplicate and status rows (rows of a message already seen, counted once)
//!           + rows skipped (unreadable, or unpriceable, with skip_invalid)
//!           + Business Agent usage lines (one a data point of Meta's Usage Insights)
//! ```
//!
//! on the counts of two sides that never share a counter: what the readers gave, and what
//! classification did with each event. Should they ever differ, the run fails with
//! [`ReplayError::Accounting`] (an internal error) rather than report a total that lost or
//! doubled a row.
//!
//! A data point of a Business Agent Usage Insights file ([`crate::agent_usage`]) is one row:
//! it is no message (no contact, no window), so it becomes one
//! [`LineKind::AgentUsage`](crate::charge::LineKind::AgentUsage) line of its own, priced apart
//! from classification, or one skipped row when it cannot be priced.
//!
//! A message that cannot be priced is an error naming the row it was read from (file and
//! line, or byte offset of its JSON document); with
//! [`ReplayOptions::skip_invalid`] it is skipped and counted like an unreadable row.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::charge::Charge;
use crate::classify::{Classifier, ClassifyConfig, ClassifyError, ClassifyStats, RuleFacts};
use crate::event::Event;
use crate::ledger::Ledger;
use crate::pricing::RateBook;
use crate::read::ReadError;
use crate::read::detect::{AnyReader, FormatOptions, LogFolder};
use crate::read::meta_analytics::DataPoint;
use crate::read::{Position, ReadErrorKind};
use crate::settle::{Settlement, SettlementNotes};
use crate::usage::Usage;

/// Where a log comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A file.
    Path(PathBuf),
    /// Standard input (`-`), buffered in memory.
    Stdin,
    /// Bytes already in memory, with a name for messages (shared, never copied).
    Bytes(String, Arc<[u8]>),
}

impl Source {
    /// The name used in messages.
    pub fn name(&self) -> String {
        match self {
            Source::Path(p) => p.display().to_string(),
            Source::Stdin => "-".to_string(),
            Source::Bytes(n, _) => n.clone(),
        }
    }
}

pub use crate::charge::{LineSink, NoLines};

/// Options of a replay.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReplayOptions {
    /// Classification settings.
    pub classify: ClassifyConfig,
    /// Count and reject unreadable rows instead of stopping.
    pub skip_invalid: bool,
    /// Write rejected rows with their phone numbers in full. By default they are masked in
    /// the rejects file, as contacts are in every other output.
    pub show_contacts: bool,
}

/// What a replay produced.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The totals.
    pub ledger: Ledger,
    /// Counts from classification.
    pub stats: ClassifyStats,
    /// What settlement did.
    pub settlement: SettlementNotes,
    /// Rows skipped (with [`ReplayOptions::skip_invalid`]), by the label of their kind
    /// ([`ReadErrorKind::label`](crate::read::ReadErrorKind::label)).
    pub skipped: BTreeMap<String, u64>,
    /// Whether the input had to be sorted.
    pub sorted: bool,
    /// Events read.
    pub events: u64,
    /// Rows read: the events, and the rows that could not be read (see the
    /// [module docs](self)).
    pub rows: u64,
    /// Contacts seen.
    pub contacts: usize,
    /// Message counts by month, for providers' fees.
    pub usage: Usage,
    /// What the readers assumed (formats that lack a field) or skipped.
    pub reader_notes: Vec<String>,
    /// What the rules of 2026 did, and what the total rests on.
    pub facts: RuleFacts,
}

impl Outcome {
    /// Rows skipped in all.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }
}

/// Why a replay stopped.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// A row could not be read (and bad rows are not skipped, or the input is unusable).
    #[error(transparent)]
    Read(#[from] ReadError),
    /// A message cannot be priced (e.g. sent before 2023-06-01).
    #[error(transparent)]
    Classify(#[from] ClassifyError),
    /// An input could not be opened or read (`standard input` for `-`).
    #[error("{path}: {source}")]
    Io {
        /// The input.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A folder given as input holds no log files.
    #[error("{path}: no log files (.csv, .tsv, .json, .jsonl, .ndjson) in this folder")]
    EmptyFolder {
        /// The folder.
        path: String,
    },
    /// The row counts do not add up (see the [module docs](self)): a bug, reported instead of
    /// a total that lost or doubled a row.
    #[error(
        "internal error: {events} events read, but {outbound} outbound priced + {inbound} \
         inbound + {duplicates} duplicate or status rows + {set_aside} set aside make {}: a row \
         was lost or counted twice (please report this)",
        .outbound + .inbound + .duplicates + .set_aside
    )]
    Accounting {
        /// Events the readers gave (or the caller pushed).
        events: u64,
        /// Outbound messages priced.
        outbound: u64,
        /// Inbound messages.
        inbound: u64,
        /// Duplicate and status rows.
        duplicates: u64,
        /// Events set aside because they could not be priced.
        set_aside: u64,
    },
    /// The run's amounts do not add up exactly in a decimal.
    #[error(transparent)]
    Overflow(#[from] crate::ledger::LedgerOverflow),
    /// Writing the lines or the rejected rows failed.
    #[error("writing {what}: {source}")]
    Write {
        /// What was being written: `lines` or `rejects`.
        what: &'static str,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// The result of pricing one stream of events.
#[derive(Clone, Debug)]
pub struct Priced {
    /// The totals.
    pub ledger: Ledger,
    /// Counts from classification.
    pub stats: ClassifyStats,
    /// What settlement did.
    pub settlement: SettlementNotes,
    /// Contacts seen.
    pub contacts: usize,
    /// Message counts by month.
    pub usage: Usage,
    /// What the rules of 2026 did, and what the total rests on.
    pub facts: RuleFacts,
    /// Events set aside because they cannot be priced (with
    /// [`ClassifyConfig::skip_unpriceable`]) that [`price_batches`]'s caller has not seen.
    pub set_aside: Vec<ClassifyError>,
}

/// Prices a stream of events already in time order (a simulation, or events a caller read
/// itself): classify, settle, total. Every line goes to `sink`. Events may come by
/// reference or by value (a generated stream need never be held in memory at once).
pub fn price_events(
    book: &RateBook,
    config: ClassifyConfig,
    events: impl IntoIterator<Item = impl std::borrow::Borrow<Event>>,
    sink: &mut dyn LineSink,
) -> Result<Priced, ReplayError> {
    let mut events = events.into_iter();
    let batches = std::iter::from_fn(move || {
        let batch: Vec<Event> = events
            .by_ref()
            .take(LOOKAHEAD)
            .map(|e| *e.borrow())
            .collect();
        (!batch.is_empty()).then_some(batch)
    });
    price_batches(book, config, batches, sink)
}

/// [`price_events`] for events that already come in batches (from another thread, say),
/// priced as they are.
pub fn price_batches(
    book: &RateBook,
    config: ClassifyConfig,
    batches: impl IntoIterator<Item = impl AsRef<[Event]>>,
    sink: &mut dyn LineSink,
) -> Result<Priced, ReplayError> {
    let options = ReplayOptions {
        classify: config,
        ..ReplayOptions::default()
    };
    let mut run = new_run(book, options, sink);
    for batch in batches {
        run.push_batch(batch.as_ref(), &[])?;
    }
    run.finish()
}

/// Events priced together, so that the classifier can fetch the state of the next ones
/// from memory while it prices the current one (see [`Classifier::push_all`]).
const LOOKAHEAD: usize = 256;

struct Run<'a, 'b> {
    book: &'a RateBook,
    config: ClassifyConfig,
    classifier: Classifier<'a>,
    settlement: Settlement<'a>,
    out: Out<'b>,
    /// Events pushed.
    pushed: u64,
    /// Business Agent usage priced from Meta's Usage Insights: replies, tokens, amount.
    agent: (u64, u64, rust_decimal::Decimal),
}

/// Where every line of a run goes: the ledger and the caller's sink. The first error writing
/// to the sink is kept and reported when the run ends.
struct Out<'b> {
    ledger: Ledger,
    sink: &'b mut dyn LineSink,
    io_error: Option<std::io::Error>,
}

impl Out<'_> {
    fn write(&mut self, c: &Charge) {
        self.ledger.add(c);
        if self.io_error.is_none()
            && let Err(e) = self.sink.line(c)
        {
            self.io_error = Some(e);
        }
    }
}

impl Run<'_, '_> {
    /// Prices events in time order; `rows[i]` tags where `events[i]` was read (see
    /// [`row_tag`]), or `rows` is empty.
    fn push_batch(&mut self, events: &[Event], rows: &[u64]) -> Result<(), ClassifyError> {
        self.pushed += events.len() as u64;
        let (settlement, out) = (&mut self.settlement, &mut self.out);
        self.classifier
            .push_all_at(events, rows, &mut |c: &Charge| {
                settlement.observe(c);
                out.write(c);
            })
    }

    /// Prices a Business Agent Usage Insights data point as one usage line.
    fn push_agent_usage(&mut self, point: &DataPoint) -> Result<(), crate::pricing::PricingError> {
        let line = crate::agent_usage::usage_line(self.book, &self.config, point)?;
        let (replies, tokens, amount) = &mut self.agent;
        *replies = replies.saturating_add(point.volume);
        *tokens = tokens.saturating_add(line.tokens.unwrap_or(0));
        *amount = amount.checked_add(line.amount).unwrap_or(*amount);
        self.out.write(&line);
        Ok(())
    }

    /// The events set aside so far because they cannot be priced.
    fn take_set_aside(&mut self) -> Vec<ClassifyError> {
        self.classifier.take_set_aside()
    }

    fn finish(mut self) -> Result<Priced, ReplayError> {
        let (settlement, out) = (&mut self.settlement, &mut self.out);
        self.classifier.finish(&mut |c: &Charge| {
            settlement.observe(c);
            out.write(c);
        })?;
        let stats = self.classifier.stats();
        let counted = stats.outbound + stats.inbound + stats.duplicates + stats.set_aside;
        if counted != self.pushed {
            return Err(ReplayError::Accounting {
                events: self.pushed,
                outbound: stats.outbound,
                inbound: stats.inbound,
                duplicates: stats.duplicates,
                set_aside: stats.set_aside,
            });
        }
        let contacts = self.classifier.contacts();
        let usage = self.classifier.usage();
        let mut facts = self.classifier.facts();
        // Meta's reported agent replies are Business Agent replies charged per token too.
        let (replies, tokens, amount) = self.agent;
        facts.business_agent_replies += replies;
        facts.business_agent_tokens += tokens;
        facts.business_agent_amount += amount;
        // Settlement's adjustment lines come after every message line.
        let (adjustments, notes) = self.settlement.finish();
        let mut out = self.out;
        for a in &adjustments {
            out.write(a);
        }
        if let Some(e) = out.io_error {
            return Err(ReplayError::Write {
                what: "lines",
                source: e,
            });
        }
        out.ledger.overflow()?;
        Ok(Priced {
            ledger: out.ledger,
            stats,
            settlement: notes,
            contacts,
            usage,
            facts,
            set_aside: self.classifier.take_set_aside(),
        })
    }
}

/// Bytes read from the files of a replay so far, for a progress bar: shared with the thread
/// that reads (clone it, read it with [`BytesRead::get`]). When an out-of-order log is read
/// again to be sorted, it starts again from 0.
#[derive(Clone, Debug, Default)]
pub struct BytesRead(Arc<AtomicU64>);

impl BytesRead {
    /// A counter at 0.
    pub fn new() -> BytesRead {
        BytesRead::default()
    }

    /// Bytes read so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    fn reset(&self) {
        self.0.store(0, Ordering::Relaxed);
    }
}

/// A file reader that counts what it reads.
struct Counting<R> {
    inner: R,
    count: BytesRead,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.0.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

fn open(
    source: &Source,
    stdin_cache: &mut Option<Arc<[u8]>>,
    progress: Option<&BytesRead>,
) -> Result<Box<dyn Read + Send>, ReplayError> {
    match source {
        Source::Path(p) => std::fs::File::open(p)
            .map(|f| {
                let buffered = std::io::BufReader::with_capacity(1 << 16, f);
                match progress {
                    Some(count) => Box::new(Counting {
                        inner: buffered,
                        count: count.clone(),
                    }) as Box<dyn Read + Send>,
                    None => Box::new(buffered) as Box<dyn Read + Send>,
                }
            })
            .map_err(|source| ReplayError::Io {
                path: p.display().to_string(),
                source,
            }),
        Source::Stdin => {
            if stdin_cache.is_none() {
                let mut buf = Vec::new();
                std::io::stdin()
                    .read_to_end(&mut buf)
                    .map_err(|source| ReplayError::Io {
                        path: "standard input".to_string(),
                        source,
                    })?;
                *stdin_cache = Some(buf.into());
            }
            let bytes: Arc<[u8]> = stdin_cache.clone().unwrap_or_else(|| Arc::from(&[][..]));
            Ok(Box::new(std::io::Cursor::new(bytes)))
        }
        Source::Bytes(_, b) => Ok(Box::new(std::io::Cursor::new(Arc::clone(b)))),
    }
}

/// Replays logs, each in the format told from its content.
pub fn replay(
    book: &RateBook,
    sources: &[Source],
    options: ReplayOptions,
    sink: &mut dyn LineSink,
    rejects: Option<&mut dyn Write>,
) -> Result<Outcome, ReplayError> {
    replay_with(
        book,
        sources,
        options,
        &FormatOptions::default(),
        sink,
        rejects,
    )
}

/// The inputs behind the sources: a folder is its log files in name order (see
/// [`LogFolder`]), each read as a log of its own; and what the run says of the entries of a
/// folder it did not read.
fn expand(sources: &[Source]) -> Result<(Vec<Source>, Vec<String>), ReplayError> {
    let (mut out, mut notes) = (Vec::new(), Vec::new());
    for s in sources {
        match s {
            Source::Path(p) if p.is_dir() => {
                let folder = LogFolder::list(p).map_err(ReplayError::Read)?;
                let name = p.display().to_string();
                if folder.files.is_empty() {
                    return Err(ReplayError::EmptyFolder { path: name });
                }
                notes.extend(folder.note(&name));
                out.extend(folder.files.into_iter().map(Source::Path));
            }
            other => out.push(other.clone()),
        }
    }
    Ok((out, notes))
}

/// The format options with the WABA's time zone (the zone of its windows and allowance
/// dates) as the zone of timestamps without an offset, unless they name another.
fn in_waba_zone(formats: &FormatOptions, options: ReplayOptions) -> FormatOptions {
    FormatOptions {
        timezone: Some(formats.timezone.unwrap_or(options.classify.timezone)),
        ..formats.clone()
    }
}

fn open_all(
    sources: &[Source],
    formats: &FormatOptions,
    stdin_cache: &mut Option<Arc<[u8]>>,
    progress: Option<&BytesRead>,
) -> Result<Vec<(String, AnyReader)>, ReplayError> {
    let mut readers = Vec::with_capacity(sources.len());
    for source in sources {
        let name = source.name();
        let reader = AnyReader::open(open(source, stdin_cache, progress)?, &name, formats)
            .map_err(ReplayError::Read)?;
        readers.push((name, reader));
    }
    Ok(readers)
}

/// Replays logs with explicit format options (`--input-format`, Twilio and chat-export
/// assumptions).
pub fn replay_with(
    book: &RateBook,
    sources: &[Source],
    options: ReplayOptions,
    formats: &FormatOptions,
    sink: &mut dyn LineSink,
    rejects: Option<&mut dyn Write>,
) -> Result<Outcome, ReplayError> {
    replay_counting(book, sources, options, formats, sink, rejects, None)
}

/// [`replay_with`], counting the bytes read from files in `progress` (for a progress bar).
pub fn replay_with_progress(
    book: &RateBook,
    sources: &[Source],
    options: ReplayOptions,
    formats: &FormatOptions,
    sink: &mut dyn LineSink,
    rejects: Option<&mut dyn Write>,
    progress: &BytesRead,
) -> Result<Outcome, ReplayError> {
    replay_counting(
        book,
        sources,
        options,
        formats,
        sink,
        rejects,
        Some(progress),
    )
}

fn replay_counting(
    book: &RateBook,
    sources: &[Source],
    options: ReplayOptions,
    formats: &FormatOptions,
    sink: &mut dyn LineSink,
    mut rejects: Option<&mut dyn Write>,
    progress: Option<&BytesRead>,
) -> Result<Outcome, ReplayError> {
    let (sources, folder_notes) = expand(sources)?;
    let names: Vec<String> = sources.iter().map(Source::name).collect();
    let formats = &in_waba_zone(formats, options);
    let mut stdin_cache = None;
    // First pass: stream, as long as the events arrive in time order.
    let mut tally = Tally::new(options.skip_invalid, &names);
    let readers = open_all(&sources, formats, &mut stdin_cache, progress)?;
    let mut reader_notes = Vec::new();
    let streamed = stream(book, options, sink, readers, &mut tally, &mut reader_notes)?;
    let (priced, sorted) = match streamed {
        Some(p) => (p, false),
        None => {
            sink.reset().map_err(|source| ReplayError::Write {
                what: "lines",
                source,
            })?;
            tally = Tally::new(options.skip_invalid, &names);
            reader_notes.clear();
            let mut agent: Vec<(DataPoint, u64)> = Vec::new();
            if let Some(p) = progress {
                p.reset();
            }
            let mut all: Vec<(Event, u64)> = Vec::new();
            let readers = open_all(&sources, formats, &mut stdin_cache, progress)?;
            for (input, (name, mut reader)) in readers.into_iter().enumerate() {
                while let Some(item) = reader.next() {
                    match item {
                        Ok(ev) => all.push((ev, row_tag(input, reader.position()))),
                        Err(e) => tally.reject(e)?,
                    }
                }
                agent.extend(agent_points(input, &mut reader));
                reader_notes.extend(reader.notes(&name));
            }
            // Stable: rows with one timestamp keep their order in the log.
            all.sort_by_key(|(e, _)| e.time_ms);
            let mut run = new_run(book, options, sink);
            let (mut events, mut rows) = (Vec::with_capacity(BATCH), Vec::with_capacity(BATCH));
            for chunk in all.chunks(BATCH) {
                events.clear();
                rows.clear();
                events.extend(chunk.iter().map(|(e, _)| *e));
                rows.extend(chunk.iter().map(|(_, r)| *r));
                tally.events += events.len() as u64;
                run.push_batch(&events, &rows)
                    .map_err(|e| tally.locate(e))?;
                tally.set_aside(run.take_set_aside())?;
            }
            tally.agent_usage(&mut run, &agent)?;
            let priced = run.finish().map_err(|e| tally.locate_replay(e))?;
            (priced, true)
        }
    };
    reader_notes.splice(0..0, folder_notes);
    let mut priced = priced;
    tally.set_aside(std::mem::take(&mut priced.set_aside))?;
    if let Some(w) = rejects.as_mut() {
        write_rejects(*w, &tally.rejected, options.show_contacts)?;
    }
    Ok(Outcome {
        ledger: priced.ledger,
        stats: priced.stats,
        settlement: priced.settlement,
        skipped: tally.skipped,
        sorted,
        events: tally.events,
        rows: tally.events + tally.unreadable + tally.agent,
        contacts: priced.contacts,
        usage: priced.usage,
        reader_notes,
        facts: priced.facts,
    })
}

/// What a replay counts besides classification: events read, rows skipped (and why), the
/// rejected rows; and the names of its inputs, to say where a row was read.
struct Tally<'n> {
    skip: bool,
    names: &'n [String],
    events: u64,
    /// Rows that could not be read, skipped.
    unreadable: u64,
    /// Business Agent usage lines (data points of Meta's Usage Insights priced).
    agent: u64,
    skipped: BTreeMap<String, u64>,
    rejected: Vec<ReadError>,
}

impl<'n> Tally<'n> {
    fn new(skip: bool, names: &'n [String]) -> Tally<'n> {
        Tally {
            skip,
            names,
            events: 0,
            unreadable: 0,
            agent: 0,
            skipped: BTreeMap::new(),
            rejected: Vec::new(),
        }
    }

    /// Prices Business Agent usage data points (with their row tags): each one line, or
    /// one row that cannot be priced (skipped, or the end of the run).
    fn agent_usage(
        &mut self,
        run: &mut Run<'_, '_>,
        points: &[(DataPoint, u64)],
    ) -> Result<(), ReplayError> {
        for (point, tag) in points {
            match run.push_agent_usage(point) {
                Ok(()) => self.agent += 1,
                Err(source) => {
                    let (file, position) = self.row(Some(*tag));
                    let time = crate::calendar::format_instant(point.start.saturating_mul(1000));
                    let kind = ReadErrorKind::Unpriceable { time, source };
                    let e = match position {
                        Position::Line(l) => ReadError::at_line(&file, l, kind),
                        Position::Byte(b) => ReadError::at_byte(&file, b, kind),
                    };
                    self.reject(e)?;
                }
            }
        }
        Ok(())
    }

    /// A row that cannot be read: skipped and counted, or the end of the run.
    fn reject(&mut self, e: ReadError) -> Result<(), ReplayError> {
        self.unreadable += 1;
        self.skip_or_stop(e)
    }

    fn skip_or_stop(&mut self, e: ReadError) -> Result<(), ReplayError> {
        if !self.skip || e.is_fatal() {
            return Err(ReplayError::Read(e));
        }
        *self.skipped.entry(e.kind.label().to_string()).or_default() += 1;
        self.rejected.push(e);
        Ok(())
    }

    /// Events that could not be priced, set aside: skipped and counted like unreadable
    /// rows, at the row they were read from.
    fn set_aside(&mut self, errors: Vec<ClassifyError>) -> Result<(), ReplayError> {
        for e in errors {
            let (file, position) = self.row(e.row);
            let kind = ReadErrorKind::Unpriceable {
                time: e.time,
                source: e.source,
            };
            let e = match position {
                Position::Line(l) => ReadError::at_line(&file, l, kind),
                Position::Byte(b) => ReadError::at_byte(&file, b, kind),
            };
            self.skip_or_stop(e)?;
        }
        Ok(())
    }

    /// The file and position of a row tag ([`row_tag`]).
    fn row(&self, tag: Option<u64>) -> (String, Position) {
        tag.and_then(|t| row_of(t, self.names))
            .map(|(f, p)| (f.to_string(), p))
            .unwrap_or_else(|| ("(unknown input)".to_string(), Position::Line(0)))
    }

    /// A classification error, saying the row it was read from.
    fn locate(&self, e: ClassifyError) -> ClassifyError {
        match e.row.and_then(|t| row_of(t, self.names)) {
            Some((file, position)) => {
                let at = match position {
                    Position::Line(l) => format!("{file}:{l}"),
                    Position::Byte(b) => format!("{file}: byte {b}"),
                };
                e.read_at(at)
            }
            None => e,
        }
    }

    fn locate_replay(&self, e: ReplayError) -> ReplayError {
        match e {
            ReplayError::Classify(c) => ReplayError::Classify(self.locate(c)),
            other => other,
        }
    }
}

/// Bits of a row tag ([`row_tag`]) that hold the input's index, and the line or offset.
const TAG_INPUT_BITS: u32 = 20;
const TAG_POSITION_BITS: u32 = 43;

/// Where an event was read, packed for the classifier to carry with it: 1 + the input's
/// index among the run's inputs, whether the position is a byte offset, and the line or
/// offset. 0 (no tag) when unknown or beyond what the bits hold (a millionth input, an
/// offset past 8 TiB).
fn row_tag(input: usize, position: Option<Position>) -> u64 {
    let Some(position) = position else {
        return 0;
    };
    let (byte, n) = match position {
        Position::Line(l) => (0, l),
        Position::Byte(b) => (1, b),
    };
    let input = input as u64 + 1;
    if input >= 1 << TAG_INPUT_BITS || n >= 1 << TAG_POSITION_BITS {
        return 0;
    }
    (input << (TAG_POSITION_BITS + 1)) | (byte << TAG_POSITION_BITS) | n
}

/// The Business Agent usage data points of a reader (none but for a Usage Insights file),
/// each with the row tag of the answer it was read from.
fn agent_points(input: usize, reader: &mut AnyReader) -> Vec<(DataPoint, u64)> {
    reader
        .take_agent_points()
        .into_iter()
        .map(|p| {
            let tag = row_tag(input, Some(Position::Byte(p.offset)));
            (p, tag)
        })
        .collect()
}

/// The input name and position of a row tag.
fn row_of(tag: u64, names: &[String]) -> Option<(&str, Position)> {
    let input = (tag >> (TAG_POSITION_BITS + 1)).checked_sub(1)? as usize;
    let n = tag & ((1 << TAG_POSITION_BITS) - 1);
    let position = if tag >> TAG_POSITION_BITS & 1 == 1 {
        Position::Byte(n)
    } else {
        Position::Line(n)
    };
    Some((names.get(input)?.as_str(), position))
}

/// Reads every event of the readers into memory, sorted by time (stable: rows with one
/// timestamp keep their order in the log), as a replay of a log out of time order prices them;
/// and whether they were out of time order.
fn read_all(
    readers: Vec<(String, AnyReader)>,
    skip_invalid: bool,
    skipped: &mut BTreeMap<String, u64>,
    rejected: &mut Vec<ReadError>,
    reader_notes: &mut Vec<String>,
) -> Result<(Vec<Event>, bool), ReplayError> {
    let mut all: Vec<Event> = Vec::new();
    for (name, mut reader) in readers {
        for item in reader.by_ref() {
            match item {
                Ok(ev) => all.push(ev),
                Err(e) => reject(e, skip_invalid, skipped, rejected)?,
            }
        }
        let unused = reader.take_agent_points().len();
        if unused > 0 {
            reader_notes.push(format!(
                "{name}: {unused} Business Agent usage data points not used: they are Meta's \
                 totals, not messages this command can move or change"
            ));
        }
        reader_notes.extend(reader.notes(&name));
    }
    let out_of_order = !all.is_sorted_by_key(|e| e.time_ms);
    if out_of_order {
        all.sort_by_key(|e| e.time_ms);
    }
    Ok((all, out_of_order))
}

/// A log read into memory: its events in time order, and what reading it found.
#[derive(Clone, Debug, Default)]
pub struct ReadLog {
    /// Every event, in time order (sorted, stable, when the log was not).
    pub events: Vec<Event>,
    /// Rows skipped, by the label of their kind.
    pub skipped: BTreeMap<String, u64>,
    /// Whether the log was out of time order.
    pub sorted: bool,
    /// What the readers assumed or skipped.
    pub reader_notes: Vec<String>,
}

/// Reads logs into memory (about 150 bytes an event), for what needs to look ahead in a
/// contact's messages (what-ifs that move or drop messages, fitting a scenario). Pricing the
/// events with [`price_events`] gives the lines and total [`replay_with`] gives.
pub fn read_events(
    sources: &[Source],
    options: ReplayOptions,
    formats: &FormatOptions,
    rejects: Option<&mut dyn Write>,
) -> Result<ReadLog, ReplayError> {
    let (sources, folder_notes) = expand(sources)?;
    let formats = &in_waba_zone(formats, options);
    let mut stdin_cache = None;
    let mut log = ReadLog {
        reader_notes: folder_notes,
        ..ReadLog::default()
    };
    let mut rejected = Vec::new();
    (log.events, log.sorted) = read_all(
        open_all(&sources, formats, &mut stdin_cache, None)?,
        options.skip_invalid,
        &mut log.skipped,
        &mut rejected,
        &mut log.reader_notes,
    )?;
    if let Some(w) = rejects {
        write_rejects(w, &rejected, options.show_contacts)?;
    }
    Ok(log)
}

/// A batch of rows handed from the reading thread to the pricing thread.
struct Batch {
    events: Vec<Event>,
    /// Where each event was read ([`row_tag`]).
    rows: Vec<u64>,
    errors: Vec<ReadError>,
    out_of_order: bool,
    notes: Vec<String>,
    /// Business Agent usage data points, with their row tags.
    agent: Vec<(DataPoint, u64)>,
}

impl Batch {
    fn new((events, rows): (Vec<Event>, Vec<u64>)) -> Batch {
        Batch {
            events,
            rows,
            errors: Vec::new(),
            out_of_order: false,
            notes: Vec::new(),
            agent: Vec::new(),
        }
    }
}

const BATCH: usize = 4096;

/// The streaming pass: one thread reads and parses, the calling thread prices. Returns
/// `None` when the input turns out not to be in time order.
fn stream(
    book: &RateBook,
    options: ReplayOptions,
    sink: &mut dyn LineSink,
    readers: Vec<(String, AnyReader)>,
    tally: &mut Tally<'_>,
    notes: &mut Vec<String>,
) -> Result<Option<Priced>, ReplayError> {
    use std::sync::mpsc;
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<Batch>(8);
        let (back_tx, back_rx) = mpsc::channel::<(Vec<Event>, Vec<u64>)>();
        scope.spawn(move || {
            let mut last = i64::MIN;
            let fresh = || (Vec::with_capacity(BATCH), Vec::with_capacity(BATCH));
            let mut batch = Batch::new(fresh());
            for (input, (name, mut reader)) in readers.into_iter().enumerate() {
                while let Some(item) = reader.next() {
                    match item {
                        Ok(ev) => {
                            if ev.time_ms < last {
                                batch.out_of_order = true;
                                let _ = tx.send(batch);
                                return;
                            }
                            last = ev.time_ms;
                            batch.events.push(ev);
                            batch.rows.push(row_tag(input, reader.position()));
                        }
                        Err(e) => batch.errors.push(e),
                    }
                    if batch.events.len() >= BATCH || !batch.errors.is_empty() {
                        let recycled = back_rx.try_recv().unwrap_or_else(|_| fresh());
                        let full = std::mem::replace(&mut batch, Batch::new(recycled));
                        if tx.send(full).is_err() {
                            return;
                        }
                    }
                }
                batch.agent.extend(agent_points(input, &mut reader));
                batch.notes.extend(reader.notes(&name));
            }
            let _ = tx.send(batch);
        });
        let mut run = new_run(book, options, sink);
        for mut batch in rx {
            // Rows keep their order: errors are reported before the events that follow them
            // only within a batch, and a batch with an error holds the events read before it.
            tally.events += batch.events.len() as u64;
            run.push_batch(&batch.events, &batch.rows)
                .map_err(|e| tally.locate(e))?;
            tally.set_aside(run.take_set_aside())?;
            for e in batch.errors.drain(..) {
                tally.reject(e)?;
            }
            if batch.out_of_order {
                return Ok(None);
            }
            tally.agent_usage(&mut run, &batch.agent)?;
            batch.agent.clear();
            notes.append(&mut batch.notes);
            batch.events.clear();
            batch.rows.clear();
            let _ = back_tx.send((batch.events, batch.rows));
        }
        run.finish().map(Some).map_err(|e| tally.locate_replay(e))
    })
}

fn new_run<'a, 'b>(
    book: &'a RateBook,
    options: ReplayOptions,
    sink: &'b mut dyn LineSink,
) -> Run<'a, 'b> {
    let classify = ClassifyConfig {
        skip_unpriceable: options.skip_invalid,
        ..options.classify
    };
    Run {
        book,
        config: classify,
        classifier: Classifier::new(book, classify),
        settlement: Settlement::new(book, options.classify.currency, options.classify.timezone),
        out: Out {
            ledger: Ledger::new(options.classify.currency),
            sink,
            io_error: None,
        },
        pushed: 0,
        agent: (0, 0, rust_decimal::Decimal::ZERO),
    }
}

fn reject(
    e: ReadError,
    skip: bool,
    skipped: &mut BTreeMap<String, u64>,
    rejected: &mut Vec<ReadError>,
) -> Result<(), ReplayError> {
    if !skip || e.is_fatal() {
        return Err(ReplayError::Read(e));
    }
    *skipped.entry(e.kind.label().to_string()).or_default() += 1;
    rejected.push(e);
    Ok(())
}

/// Writes skipped rows as CSV: file, line (or byte), reason, the row as read. Phone numbers
/// in the text are masked unless `show_contacts`, and no cell starts a spreadsheet formula
/// (see [`crate::text`]).
fn write_rejects(
    w: &mut dyn Write,
    rejected: &[ReadError],
    show_contacts: bool,
) -> Result<(), ReplayError> {
    use crate::text::{csv_text, mask_phone_numbers};
    let shown = |s: &str| -> String {
        let s = if show_contacts {
            std::borrow::Cow::Borrowed(s)
        } else {
            mask_phone_numbers(s)
        };
        csv_text(&s).into_owned()
    };
    let mut csv = csv::Writer::from_writer(w);
    for e in rejected {
        let position = match e.position {
            crate::read::Position::Line(l) => l.to_string(),
            crate::read::Position::Byte(b) => format!("byte {b}"),
        };
        csv.write_record([
            shown(&e.file),
            position,
            shown(&e.reason()),
            shown(e.raw.as_deref().unwrap_or("")),
        ])
        .map_err(|e| rejects_error(e.into()))?;
    }
    csv.flush().map_err(rejects_error)
}

fn rejects_error(source: std::io::Error) -> ReplayError {
    ReplayError::Write {
        what: "rejects",
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::ReadErrorKind;
    use crate::read::chat_export::ChatOptions;

    fn bytes(name: &str, text: &str) -> Source {
        Source::Bytes(name.to_string(), text.as_bytes().into())
    }

    fn skipping() -> ReplayOptions {
        ReplayOptions {
            skip_invalid: true,
            ..ReplayOptions::default()
        }
    }

    #[test]
    fn skipped_rows_are_counted_by_kind_and_rejected_with_their_reason() {
        let book = RateBook::embedded().unwrap();
        let log = "timestamp,business,contact,direction,message_type,category\n\
                   2026-02-02T10:00:00Z,b,+5511987654321,inbound,,\n\
                   soon,b,+5511987654321,outbound,template,marketing\n\
                   later,b,+5511987654321,outbound,template,marketing\n\
                   2026-02-02T10:01:00Z,b,hello,outbound,template,marketing\n\
                   2026-02-02T10:02:00Z,b,+5511987654321,outbound,template,promo\n\
                   2026-02-02T10:03:00Z,b,+5511987654321,outbound,template,\n\
                   2026-02-02T10:04:00Z,b\n";
        let mut rejects = Vec::new();
        let out = replay(
            &book,
            &[bytes("log.csv", log)],
            skipping(),
            &mut NoLines,
            Some(&mut rejects),
        )
        .unwrap();
        let counts: Vec<(&str, u64)> = out.skipped.iter().map(|(k, n)| (k.as_str(), *n)).collect();
        assert_eq!(
            counts,
            [
                ("category", 2),
                ("contact", 1),
                ("timestamp", 2),
                ("wrong number of fields", 1)
            ]
        );
        assert_eq!((out.skipped_total(), out.events), (6, 1));
        let rejects = String::from_utf8(rejects).unwrap();
        let lines: Vec<&str> = rejects.lines().collect();
        // The contact is masked, as in every output.
        assert_eq!(
            lines[0],
            "log.csv,3,\"timestamp \"\"soon\"\" is neither RFC 3339 (2026-02-02T10:00:00Z) nor \
             Unix seconds\",\"soon,b,+55*********21,outbound,template,marketing\""
        );
        assert_eq!(
            lines[5],
            "log.csv,8,\"expected 6 fields like the header, found 2\",\"2026-02-02T10:04:00Z,b\""
        );
    }

    #[test]
    fn an_unusable_input_stops_the_run_even_when_rows_are_skipped() {
        let book = RateBook::embedded().unwrap();
        let header_only =
            "timestamp,contact,direction\n2026-02-02T10:00:00Z,+5511987654321,inbound\n";
        let e = replay(
            &book,
            &[bytes("log.csv", header_only)],
            skipping(),
            &mut NoLines,
            None,
        )
        .unwrap_err();
        let ReplayError::Read(e) = e else {
            panic!("{e}")
        };
        assert!(
            matches!(
                *e.kind,
                ReadErrorKind::MissingColumn {
                    column: "business",
                    ..
                }
            ),
            "{e}"
        );
        // A chat export in which the business never writes: every message would be read as
        // inbound.
        let formats = FormatOptions {
            chat: Some(ChatOptions {
                business_name: "Acme Ltd".into(),
                timezone: chrono_tz::UTC,
                business_number: "15550100000".into(),
                contact: Some("+5511987654321".parse().unwrap()),
                template_category: crate::pricing::category::Category::Utility,
            }),
            ..FormatOptions::default()
        };
        let chat = "06/02/2026, 10:00 - Jane Doe: hi\n06/02/2026, 10:05 - Acme Store: hello\n";
        let e = replay_with(
            &book,
            &[bytes("chat.txt", chat)],
            skipping(),
            &formats,
            &mut NoLines,
            None,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "chat.txt:1: no message from the business \"Acme Ltd\": the authors are \"Acme \
             Store\", \"Jane Doe\""
        );
    }

    #[test]
    fn io_errors_keep_their_path_and_source() {
        use std::error::Error as _;
        let book = RateBook::embedded().unwrap();
        let missing = std::env::temp_dir().join("wacost-no-such-log.csv");
        let e = replay(
            &book,
            &[Source::Path(missing.clone())],
            ReplayOptions::default(),
            &mut NoLines,
            None,
        )
        .unwrap_err();
        let ReplayError::Io { path, source } = &e else {
            panic!("{e}")
        };
        assert_eq!(path, &missing.display().to_string());
        assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        assert!(e.source().is_some());
    }
}

/// A replay set up step by step: the front door for programs that price their own events or
/// logs. Defaults: USD cards, UTC, no business profile, stop at the first unreadable row,
/// formats told from each log's content (Parquet needs a reader: see
/// [`FormatOptions::parquet`]).
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use wacost_core::event::Event;
/// use wacost_core::pricing::RateBook;
/// use wacost_core::pricing::category::Category;
/// use wacost_core::replay::Replay;
///
/// let book = RateBook::embedded().unwrap();
/// let at = |h| Utc.with_ymd_and_hms(2026, 2, 2, h, 0, 0).unwrap();
/// let ana = "+5511987654321".parse().unwrap();
/// let shop = "+1 555 010 0001";
/// let outcome = Replay::new(&book)
///     .events(&[
///         Event::template(at(9), shop, ana, Category::Marketing),
///         Event::inbound(at(10), shop, ana),
///         Event::template(at(11), shop, ana, Category::Utility), // in the window: free
///     ])
///     .unwrap();
/// assert_eq!(outcome.ledger.total().to_string(), "0.0625");
/// ```
#[derive(Clone, Debug)]
pub struct Replay<'a> {
    book: &'a RateBook,
    options: ReplayOptions,
    formats: FormatOptions,
}

impl<'a> Replay<'a> {
    /// A replay priced with `book`'s cards and rules.
    pub fn new(book: &'a RateBook) -> Replay<'a> {
        Replay {
            book,
            options: ReplayOptions::default(),
            formats: FormatOptions::default(),
        }
    }

    /// The WABA's time zone: days, months and rate-card dates start at 00:00 there.
    pub fn timezone(mut self, timezone: chrono_tz::Tz) -> Self {
        self.options.classify.timezone = timezone;
        self
    }

    /// The WABA's billing currency: which cards price the messages.
    pub fn currency(mut self, currency: crate::money::Currency) -> Self {
        self.options.classify.currency = currency;
        self
    }

    /// The business, where it changes prices (authentication-international).
    pub fn profile(mut self, profile: crate::pricing::BusinessProfile) -> Self {
        self.options.classify.profile = profile;
        self
    }

    /// Count unreadable rows and go on, instead of stopping at the first.
    pub fn skip_invalid(mut self, skip: bool) -> Self {
        self.options.skip_invalid = skip;
        self
    }

    /// Write rejected rows with phone numbers in full (masked by default).
    pub fn show_contacts(mut self, show: bool) -> Self {
        self.options.show_contacts = show;
        self
    }

    /// How to read logs (a forced format, what Twilio and chat exports must be told, a
    /// Parquet reader).
    pub fn formats(mut self, formats: FormatOptions) -> Self {
        self.formats = formats;
        self
    }

    /// Prices events built in code, in any order (sorted by time first, keeping the order
    /// of events at one instant).
    pub fn events(&self, events: &[Event]) -> Result<Outcome, ReplayError> {
        self.events_into(events, &mut NoLines)
    }

    /// [`Replay::events`], passing every ledger line to `sink`.
    pub fn events_into(
        &self,
        events: &[Event],
        sink: &mut dyn LineSink,
    ) -> Result<Outcome, ReplayError> {
        let sorted = !events.is_sorted_by_key(|e| e.time_ms);
        let priced = if sorted {
            let mut in_order = events.to_vec();
            in_order.sort_by_key(|e| e.time_ms);
            price_events(self.book, self.options.classify, &in_order, sink)?
        } else {
            price_events(self.book, self.options.classify, events, sink)?
        };
        Ok(Outcome {
            ledger: priced.ledger,
            stats: priced.stats,
            settlement: priced.settlement,
            skipped: BTreeMap::new(),
            sorted,
            events: events.len() as u64,
            rows: events.len() as u64,
            contacts: priced.contacts,
            usage: priced.usage,
            reader_notes: Vec::new(),
            facts: priced.facts,
        })
    }

    /// Reads and prices logs (several logs are one log).
    pub fn logs(&self, sources: &[Source]) -> Result<Outcome, ReplayError> {
        self.logs_into(sources, &mut NoLines, None)
    }

    /// [`Replay::logs`], passing every ledger line to `sink` and, when skipping, every
    /// unreadable row to `rejects` (CSV: file, line, reason, row).
    pub fn logs_into(
        &self,
        sources: &[Source],
        sink: &mut dyn LineSink,
        rejects: Option<&mut dyn Write>,
    ) -> Result<Outcome, ReplayError> {
        replay_with(
            self.book,
            sources,
            self.options,
            &self.formats,
            sink,
            rejects,
        )
    }
}
