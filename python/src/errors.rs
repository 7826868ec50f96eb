//! Errors as Python sees them: `wacost.InputError` (with `file`, `line` and `reason`) for
//! input that cannot be read or priced, `ValueError` for bad arguments, and never a Rust
//! panic: every entry point runs inside [`guard`], which turns one into a `RuntimeError`.

use std::panic::{AssertUnwindSafe, catch_unwind};

use pyo3::exceptions::{PyException, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use wacost_core::pricing::{DataError, LoadError};
use wacost_core::read::{Position, ReadError};
use wacost_core::replay::ReplayError;

pyo3::create_exception!(
    wacost,
    InputError,
    PyException,
    "A log, rate card or scenario that cannot be read or priced. `file` and `line` say where \
     (None when unknown), `reason` why."
);

/// Why a call failed, before it becomes a Python exception.
#[derive(Debug)]
pub enum Failure {
    /// A bad argument: `ValueError`.
    Usage(String),
    /// Input that cannot be read or priced: `InputError`.
    Input {
        /// The whole message (`file:line: reason`).
        message: String,
        /// The file (or table) at fault.
        file: Option<String>,
        /// The line (or row) at fault.
        line: Option<u64>,
    },
}

impl Failure {
    /// A failure without a place.
    pub fn input(message: impl std::fmt::Display) -> Failure {
        Failure::Input {
            message: message.to_string(),
            file: None,
            line: None,
        }
    }

    /// A data file (rate card, regimes, providers, FX) that cannot be used.
    pub fn data(e: DataError) -> Failure {
        Failure::Input {
            message: e.to_string(),
            file: Some(e.origin.clone()),
            line: Some(e.line as u64),
        }
    }

    /// A rate card that cannot be loaded.
    pub fn load(e: LoadError) -> Failure {
        match e {
            LoadError::Data(d) => Failure::data(d),
            other => Failure::input(other),
        }
    }

    /// A row that cannot be read.
    pub fn read(e: &ReadError) -> Failure {
        Failure::Input {
            message: e.to_string(),
            file: Some(e.file.clone()),
            line: match e.position {
                Position::Line(l) => Some(l),
                Position::Byte(_) => None,
            },
        }
    }

    /// A replay that stopped.
    pub fn replay(e: ReplayError) -> Failure {
        match &e {
            ReplayError::Read(r) => Failure::read(r),
            _ => Failure::input(e),
        }
    }
}

impl From<Failure> for PyErr {
    fn from(f: Failure) -> PyErr {
        match f {
            Failure::Usage(m) => PyValueError::new_err(m),
            Failure::Input {
                message,
                file,
                line,
            } => Python::attach(|py| {
                let err = InputError::new_err(message.clone());
                let value = err.value(py);
                let reason = match (&file, line) {
                    (Some(f), Some(l)) => message
                        .strip_prefix(&format!("{f}:{l}: "))
                        .unwrap_or(&message)
                        .to_string(),
                    _ => message.clone(),
                };
                let set = value
                    .setattr("file", file)
                    .and_then(|_| value.setattr("line", line))
                    .and_then(|_| value.setattr("reason", reason));
                match set {
                    Ok(()) => err,
                    Err(e) => e,
                }
            }),
        }
    }
}

/// Runs an entry point, turning a panic into a `RuntimeError` so that none crosses into
/// Python.
pub fn guard<T>(f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(panic) => {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown".to_string());
            Err(PyRuntimeError::new_err(format!(
                "wacost: internal error ({what}); this is a bug, please report it"
            )))
        }
    }
}
