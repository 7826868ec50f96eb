//! # wacost for Python
//!
//! The native module of the `wacost` package (`wacost._native`, built with maturin): the
//! core's replay, quote, rates, simulation and provider comparison, and the two halves of
//! Spark's partitioned replay (classify a partition; settle the partitions' states). Data
//! crosses as Arrow through the C stream interface (polars-arrow's implementation), options
//! as one JSON document the package writes. Every entry point returns a Python exception,
//! never a panic (see [`errors`]).

pub mod arrow_in;
pub mod arrow_out;
pub mod commands;
pub mod errors;
pub mod options;
pub mod replay;
pub mod spark;

use pyo3::prelude::*;

/// The module `wacost._native`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("InputError", py.get_type::<errors::InputError>())?;
    m.add_class::<arrow_out::ArrowStream>()?;
    m.add_function(wrap_pyfunction!(replay::replay, m)?)?;
    m.add_function(wrap_pyfunction!(replay::summary_json, m)?)?;
    m.add_function(wrap_pyfunction!(replay::summary_text, m)?)?;
    m.add_function(wrap_pyfunction!(commands::quote, m)?)?;
    m.add_function(wrap_pyfunction!(commands::rates, m)?)?;
    m.add_function(wrap_pyfunction!(commands::simulate, m)?)?;
    m.add_function(wrap_pyfunction!(commands::compare_log, m)?)?;
    m.add_function(wrap_pyfunction!(commands::compare_scenario, m)?)?;
    m.add_class::<spark::EventParser>()?;
    m.add_class::<spark::PartitionClassifier>()?;
    m.add_function(wrap_pyfunction!(spark::settle, m)?)?;
    m.add_function(wrap_pyfunction!(spark::summarize, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
