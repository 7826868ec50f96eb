//! # wacost-report
//!
//! The reporting side of `wacost`, over the typed results of [`wacost_core`]: Parquet in and
//! out (polars), charts as PNG and SVG with an embedded font, a self-contained HTML page, an
//! XLSX workbook, and the folders a run writes.
//!
//! - [`model`]: the typed [`model::Report`] and the one builder that makes it from a run;
//! - renderers: [`page`] (HTML), [`xlsx`] (the workbook), [`bundle`] (the whole folder), and
//!   the summary's own text, CSV and JSON ([`wacost_core::summary::Summary`]);
//! - [`folder`]: the [`folder::RunFolder`] a run writes and `wacost report` reads back;
//! - [`parquet`], [`frame`], [`lines`]: Parquet logs in, ledgers and charge lines out;
//! - [`output`]: every output folder and file written whole or not at all.
//!
//! A program that only prices logs needs [`wacost_core`] alone; this crate is what turns a
//! priced run into files a finance team opens.

#![warn(missing_docs)]

pub mod bundle;
pub mod charts;
pub mod comparison;
pub mod error;
pub mod folder;
pub mod font;
pub mod frame;
pub mod html;
pub mod insights;
pub mod lines;
pub mod model;
pub mod output;
pub mod page;
pub mod parquet;
pub mod parquet_check;
pub mod simulation;
pub mod xlsx;

pub use error::ReportError;
pub use folder::RunFolder;
pub use model::{Report, ReportBuilder};
