//! A plain text table for the terminal: columns aligned, numbers right-aligned. Cells hold
//! exact values (what CSV files keep); a column may say what it holds, so that a page or a
//! workbook can format its figures ([`Column`]). Cells often come from logs and data files
//! (business and market names, strategy descriptions): the terminal gets them with control
//! characters escaped ([`printable`]), a CSV file with nothing a spreadsheet would run as a
//! formula ([`csv_text`], [`csv_number`]).

use std::borrow::Cow;

use crate::text::{csv_number, csv_text, printable};

/// What a column holds. The terminal and CSV write cells as they are; a page rounds money to
/// the currency's decimals and rates to four, a workbook writes numbers with a number format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    /// Text (names, notes).
    #[default]
    Text,
    /// Whole numbers (messages, runs).
    Count,
    /// Amounts of money, in the table's currency.
    Money,
    /// Unit rates (a price per message).
    Rate,
}

/// A table of strings with a header row.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    right: Vec<bool>,
    #[serde(default)]
    kinds: Vec<Column>,
}

impl Table {
    /// A table with these column names.
    pub fn new<S: Into<String>>(header: impl IntoIterator<Item = S>) -> Table {
        let header: Vec<String> = header.into_iter().map(Into::into).collect();
        let right = vec![false; header.len()];
        let kinds = vec![Column::Text; header.len()];
        Table {
            header,
            rows: Vec::new(),
            right,
            kinds,
        }
    }

    /// Says what a column holds; a column of figures is right-aligned.
    pub fn column(mut self, column: usize, kind: Column) -> Table {
        if let Some(k) = self.kinds.get_mut(column) {
            *k = kind;
        }
        if kind == Column::Text {
            self
        } else {
            self.right_align(column)
        }
    }

    /// What a column holds (text when not said).
    pub fn kind(&self, column: usize) -> Column {
        self.kinds.get(column).copied().unwrap_or_default()
    }

    /// Right-aligns a column (for amounts and counts): its numbers are written to CSV as
    /// numbers, signed or not ([`csv_number`]).
    pub fn right_align(mut self, column: usize) -> Table {
        if let Some(r) = self.right.get_mut(column) {
            *r = true;
        }
        self
    }

    /// Adds a row.
    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }

    /// The rows added so far.
    pub fn rows(&self) -> &[Vec<String>] {
        &self.rows
    }

    /// The header.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// Renders with two spaces between columns and a rule under the header. Control
    /// characters in cells are escaped, so that a cell is one line of the table and cannot
    /// drive the terminal.
    pub fn render(&self) -> String {
        let cols = self.header.len();
        let header = shown(&self.header, cols);
        let rows: Vec<Vec<Cow<'_, str>>> = self.rows.iter().map(|r| shown(r, cols)).collect();
        let mut width: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
        for r in &rows {
            for (i, c) in r.iter().enumerate() {
                width[i] = width[i].max(c.chars().count());
            }
        }
        let mut out = String::new();
        let line = |cells: &[Cow<'_, str>], out: &mut String| {
            let mut s = String::new();
            for i in 0..cols {
                let c: &str = &cells[i];
                let pad = width[i] - c.chars().count();
                if i > 0 {
                    s.push_str("  ");
                }
                if self.right[i] {
                    s.push_str(&" ".repeat(pad));
                    s.push_str(c);
                } else {
                    s.push_str(c);
                    if i + 1 < cols {
                        s.push_str(&" ".repeat(pad));
                    }
                }
            }
            out.push_str(s.trim_end());
            out.push('\n');
        };
        line(&header, &mut out);
        let total: usize = width.iter().sum::<usize>() + 2 * cols.saturating_sub(1);
        out.push_str(&"-".repeat(total));
        out.push('\n');
        for r in &rows {
            line(r, &mut out);
        }
        out
    }

    /// Writes the table as CSV. No cell starts a formula in a spreadsheet: numbers of
    /// right-aligned columns stay numbers, any other cell that starts with `=`, `+`, `-`,
    /// `@`, tab or carriage return gets a `'` in front (see [`csv_text`]).
    pub fn to_csv(&self) -> Result<String, csv::Error> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(
            self.header
                .iter()
                .map(|h| csv_text(h))
                .map(|c| c.into_owned()),
        )?;
        for r in &self.rows {
            let cells = r.iter().enumerate().map(|(i, c)| {
                if self.right.get(i).copied().unwrap_or(false) {
                    csv_number(c)
                } else {
                    csv_text(c)
                }
            });
            w.write_record(cells.map(|c| c.into_owned()))?;
        }
        let bytes = w.into_inner().map_err(|e| e.into_error())?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// The `cols` cells of a row as a terminal shows them (missing cells empty).
fn shown(cells: &[String], cols: usize) -> Vec<Cow<'_, str>> {
    (0..cols)
        .map(|i| cells.get(i).map_or(Cow::Borrowed(""), |c| printable(c)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_columns() {
        let mut t = Table::new(["market", "rate"]).right_align(1);
        t.row(["Brazil", "0.0625"]);
        t.row(["Rest of Africa", "0.0225"]);
        assert_eq!(
            t.render(),
            "market            rate\n----------------------\nBrazil          0.0625\nRest of Africa  0.0225\n"
        );
        assert_eq!(
            t.to_csv().unwrap(),
            "market,rate\nBrazil,0.0625\nRest of Africa,0.0225\n"
        );
    }

    #[test]
    fn cells_from_logs_cannot_drive_a_terminal_or_a_spreadsheet() {
        let mut t = Table::new(["business", "delta", "amount"])
            .right_align(1)
            .right_align(2);
        t.row(["\u{1b}[31mred\nshop", "+1.5", "-0.0068"]);
        t.row(["=HYPERLINK(\"http://x\")", "-", "=1+1"]);
        t.row(["+5511987654321", "+5511987654321", "12"]);
        assert_eq!(
            t.render(),
            "business                         delta   amount\n\
             -----------------------------------------------\n\
             \\u{1b}[31mred\\nshop               +1.5  -0.0068\n\
             =HYPERLINK(\"http://x\")               -     =1+1\n\
             +5511987654321          +5511987654321       12\n"
        );
        assert_eq!(
            t.to_csv().unwrap(),
            "business,delta,amount\n\
             \"\u{1b}[31mred\nshop\",+1.5,-0.0068\n\
             \"'=HYPERLINK(\"\"http://x\"\")\",-,'=1+1\n\
             '+5511987654321,+5511987654321,12\n"
        );
    }
}
