//! Reports: text tables for the terminal, CSV and JSON.

pub mod table;
