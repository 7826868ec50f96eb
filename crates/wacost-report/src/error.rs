//! Why a report or a run folder could not be written or read: always the file, and the
//! error underneath it (kept as the source, not flattened to text).

use std::path::PathBuf;

use crate::charts::ChartError;

/// A report file that could not be written, or a run folder's file that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The file system refused (missing file, no permission, disk full…).
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// A JSON file could not be written or read back.
    #[error("{}: {source}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        #[source]
        source: serde_json::Error,
    },
    /// A Parquet file could not be written or read back.
    #[error("{}: {source}", path.display())]
    Parquet {
        /// The file.
        path: PathBuf,
        /// What polars said.
        #[source]
        source: polars::error::PolarsError,
    },
    /// A CSV file could not be written.
    #[error("{}: {source}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// What the CSV writer said.
        #[source]
        source: csv::Error,
    },
    /// A chart could not be drawn or written.
    #[error("{}: {source}", path.display())]
    Chart {
        /// The chart's files (without extension).
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: ChartError,
    },
    /// Another run is writing the same output folder or file.
    #[error(
        "{}: another wacost run is writing it (it holds {}); wait for it to finish",
        path.display(),
        lock.display()
    )]
    Busy {
        /// The output.
        path: PathBuf,
        /// The lock file the other run holds.
        lock: PathBuf,
    },
    /// An output folder that holds files wacost did not write: replacing it would delete
    /// them.
    #[error(
        "{}: not a folder wacost wrote (it holds {}): give a new or empty folder",
        path.display(),
        listed(found)
    )]
    NotOurs {
        /// The folder.
        path: PathBuf,
        /// What is in it that wacost does not write.
        found: Vec<String>,
    },
    /// An output folder's path names something that is not a folder.
    #[error("{}: not a folder", path.display())]
    NotAFolder {
        /// The path.
        path: PathBuf,
    },
    /// The workbook could not be written.
    #[error("{}: {source}", path.display())]
    Xlsx {
        /// The file.
        path: PathBuf,
        /// What the XLSX writer said.
        #[source]
        source: rust_xlsxwriter::XlsxError,
    },
}

impl ReportError {
    /// The file the error is about.
    pub fn path(&self) -> &std::path::Path {
        match self {
            ReportError::Io { path, .. }
            | ReportError::Json { path, .. }
            | ReportError::Parquet { path, .. }
            | ReportError::Csv { path, .. }
            | ReportError::Chart { path, .. }
            | ReportError::Xlsx { path, .. }
            | ReportError::Busy { path, .. }
            | ReportError::NotOurs { path, .. }
            | ReportError::NotAFolder { path } => path,
        }
    }

    /// Whether the file does not exist (e.g. a folder that is not a run folder).
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReportError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> ReportError {
        let path = path.into();
        move |source| ReportError::Io { path, source }
    }

    pub(crate) fn json(path: impl Into<PathBuf>) -> impl FnOnce(serde_json::Error) -> ReportError {
        let path = path.into();
        move |source| ReportError::Json { path, source }
    }

    pub(crate) fn parquet(
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(polars::error::PolarsError) -> ReportError {
        let path = path.into();
        move |source| ReportError::Parquet { path, source }
    }

    pub(crate) fn csv(path: impl Into<PathBuf>) -> impl FnOnce(csv::Error) -> ReportError {
        let path = path.into();
        move |source| ReportError::Csv { path, source }
    }
}

/// At most five names, and how many more: a message names what is in the way without
/// listing a whole home folder.
fn listed(names: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut text = names
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        text.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    text
}
