//! Reports: text tables for the terminal, CSV and JSON.

pub mod lines;
pub mod summary;
pub mod table;
