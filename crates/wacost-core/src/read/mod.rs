//! Readers: one module per input format, each turning its format into the same
//! [`Event`](crate::event::Event) stream. A reader knows nothing of prices.

pub mod canonical;
pub mod chat_export;
pub mod cloud_api;
pub mod detect;
mod json;
pub mod meta_analytics;
pub mod records;
pub mod time;
pub mod twilio;

use std::fmt;

/// A row that cannot be read: which file, which line (or byte offset for JSON), and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ReadError {
    /// The file (`-` for standard input).
    pub file: String,
    /// Where in the file.
    pub position: Position,
    /// What is wrong.
    pub reason: String,
    /// The raw row, when there is one, for a rejects file.
    pub raw: Option<String>,
}

/// Where a bad row is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Position {
    /// 1-based line.
    Line(u64),
    /// 0-based byte offset.
    Byte(u64),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Position::Line(l) => write!(f, "{}:{}: {}", self.file, l, self.reason),
            Position::Byte(b) => write!(f, "{}: byte {}: {}", self.file, b, self.reason),
        }
    }
}

impl ReadError {
    /// An error at a line.
    pub fn at_line(file: &str, line: u64, reason: impl Into<String>) -> ReadError {
        ReadError {
            file: file.to_string(),
            position: Position::Line(line),
            reason: reason.into(),
            raw: None,
        }
    }

    /// An error at a byte offset.
    pub fn at_byte(file: &str, byte: u64, reason: impl Into<String>) -> ReadError {
        ReadError {
            file: file.to_string(),
            position: Position::Byte(byte),
            reason: reason.into(),
            raw: None,
        }
    }

    /// Whether the whole input is unusable (as opposed to one bad row): such errors stop a
    /// run even with `--skip-invalid`.
    pub fn is_fatal(&self) -> bool {
        self.reason.starts_with("cannot read") || self.reason.starts_with("missing required column")
    }
}
