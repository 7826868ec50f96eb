//! Our CSV data files (`data/markets.csv`, `data/auth_international.csv`, rate cards in our
//! format, `data/fx.csv`): CSV read with the `csv` crate, with `#` comment lines that carry
//! the file's metadata (`# source ID: text`, `# effective: …`) and blank lines anywhere.
//!
//! One record per line: a field is quoted (`"b, c"`, `"say ""hi"""`) to hold commas or
//! quotes, never line breaks, so that every record has one line number for its errors.
//! Meta's own files (`Pricing.csv`, `Tier Pricing.csv`) are not in this format: they have
//! readers of their own.

use csv::{Position, StringRecord};

use super::{DataError, DataSource};

/// One line of a data file that is not blank.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum DataLine<'a> {
    /// A comment line: the text after the `#`, trimmed.
    Comment(&'a str),
    /// A record, its fields trimmed.
    Record(StringRecord),
}

/// The comment lines and records of a data file, in file order, each with its line number
/// (from 1). A comment line is one whose first character that is not a space is `#`.
pub(crate) fn read<'a>(
    text: &'a str,
    origin: &DataSource,
) -> Result<Vec<(usize, DataLine<'a>)>, DataError> {
    let mut lines = Vec::new();
    // The records' text: comment and blank lines become empty lines, which the reader
    // skips, so a record's byte offset still gives its line.
    let mut records = String::with_capacity(text.len());
    for (i, line) in text.lines().enumerate() {
        match line.trim_start().strip_prefix('#') {
            Some(comment) => lines.push((i + 1, DataLine::Comment(comment.trim()))),
            None if !line.trim().is_empty() => records.push_str(line),
            None => {}
        }
        records.push('\n');
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(records.as_bytes());
    for record in reader.records() {
        let record =
            record.map_err(|e| origin.error(line_at(&records, e.position()), e.to_string()))?;
        let line = line_at(&records, record.position());
        if record.iter().any(|f| f.contains('\n')) {
            return Err(origin.error(
                line,
                "a quoted field runs on past the end of the line: close its quote",
            ));
        }
        lines.push((line, DataLine::Record(record)));
    }
    lines.sort_by_key(|(line, _)| *line);
    Ok(lines)
}

/// The records of a data file with their line numbers, its comment lines left out.
pub(crate) fn records<'a>(
    text: &'a str,
    origin: &DataSource,
) -> Result<impl Iterator<Item = (usize, StringRecord)> + 'a, DataError> {
    Ok(read(text, origin)?
        .into_iter()
        .filter_map(|(line, l)| match l {
            DataLine::Record(record) => Some((line, record)),
            DataLine::Comment(_) => None,
        }))
}

/// Whether a record is the header a file must start with: its first fields are `want`, in
/// any case (more may follow).
pub(crate) fn is_header(record: &StringRecord, want: &[&str]) -> bool {
    record.len() >= want.len()
        && record
            .iter()
            .zip(want)
            .all(|(f, w)| f.eq_ignore_ascii_case(w))
}

/// The line of a record that the reader began at `position` of `text`: the reader starts a
/// record where the previous one ended, so the empty lines before it are skipped.
fn line_at(text: &str, position: Option<&Position>) -> usize {
    let bytes = text.as_bytes();
    let mut start = position.map_or(0, |p| p.byte() as usize).min(bytes.len());
    while start < bytes.len() && bytes[start] == b'\n' {
        start += 1;
    }
    bytes[..start].iter().filter(|b| **b == b'\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(fields: &[&str]) -> DataLine<'static> {
        DataLine::Record(StringRecord::from(fields.to_vec()))
    }

    #[test]
    fn records_and_comments_in_file_order_with_their_lines() {
        let text = "# source t: test\n\ncountry , prefix\n  # note: indented\n\
                    a,\"b, c\",\"say \"\"hi\"\"\", d \n   \nlast";
        let lines = read(text, &DataSource::embedded("t.csv")).unwrap();
        assert_eq!(
            lines,
            vec![
                (1, DataLine::Comment("source t: test")),
                (3, record(&["country", "prefix"])),
                (4, DataLine::Comment("note: indented")),
                (5, record(&["a", "b, c", "say \"hi\"", "d"])),
                (7, record(&["last"])),
            ]
        );
    }

    #[test]
    fn a_quote_left_open_is_an_error_at_its_line() {
        let text = "market,category,rate\nBrazil,marketing,\"0.0625\nIndia,utility,0.0014\n";
        let e = read(text, &DataSource::embedded("card.csv")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "card.csv:2: a quoted field runs on past the end of the line: close its quote"
        );
    }

    #[test]
    fn headers_are_compared_without_case() {
        let header = StringRecord::from(vec!["Country", "PREFIX", "market", "from", "note"]);
        assert!(is_header(&header, &["country", "prefix", "market", "from"]));
        assert!(!is_header(&header, &["country", "market"]));
        assert!(!is_header(
            &StringRecord::from(vec!["country"]),
            &["country", "prefix"]
        ));
    }
}
