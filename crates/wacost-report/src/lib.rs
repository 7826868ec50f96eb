//! # wacost-report
//!
//! The reporting side of `wacost`, over the typed results of [`wacost_core`]: Parquet in and
//! out (polars), charts as PNG and SVG with an embedded font, a self-contained HTML page, an
//! XLSX workbook, and the folders a run writes ([`bundle`]).
//!
//! A program that only prices logs needs [`wacost_core`] alone; this crate is what turns a
//! priced run into files a finance team opens.

#![warn(missing_docs)]

pub mod bundle;
pub mod charts;
pub mod font;
pub mod frame;
pub mod html;
pub mod lines;
pub mod parquet;
pub mod simulation;
pub mod xlsx;
