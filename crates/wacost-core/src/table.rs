//! A plain text table for the terminal: columns aligned, numbers right-aligned. Cells hold
//! exact values (what CSV files keep); a column may say what it holds, so that a page or a
//! workbook can format its figures ([`Column`]).

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

    /// Right-aligns a column (for amounts and counts).
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

    /// Renders with two spaces between columns and a rule under the header.
    pub fn render(&self) -> String {
        let cols = self.header.len();
        let mut width: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate().take(cols) {
                width[i] = width[i].max(c.chars().count());
            }
        }
        let mut out = String::new();
        let line = |cells: &[String], out: &mut String| {
            let mut s = String::new();
            for i in 0..cols {
                let c = cells.get(i).map(String::as_str).unwrap_or("");
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
        line(&self.header, &mut out);
        let total: usize = width.iter().sum::<usize>() + 2 * cols.saturating_sub(1);
        out.push_str(&"-".repeat(total));
        out.push('\n');
        for r in &self.rows {
            line(r, &mut out);
        }
        out
    }

    /// Writes the table as CSV.
    pub fn to_csv(&self) -> Result<String, csv::Error> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&self.header)?;
        for r in &self.rows {
            w.write_record(r)?;
        }
        let bytes = w.into_inner().map_err(|e| e.into_error())?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
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
}
