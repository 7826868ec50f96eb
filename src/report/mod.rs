//! Reports: text tables for the terminal, CSV and JSON; charts (PNG, SVG), a self-contained
//! HTML page and an XLSX workbook; and all of them in one folder ([`bundle`]).

pub mod bundle;
pub mod charts;
pub mod font;
pub mod html;
pub mod lines;
pub mod simulation;
pub mod summary;
pub mod table;
pub mod xlsx;
