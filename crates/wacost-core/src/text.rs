//! Text from logs and data files on its way out: to a terminal, into a CSV file a spreadsheet
//! may open, into a rejects file that must not show contacts. One function per promise, used
//! by every renderer, so that no output has its own idea of what is safe.
//!
//! - [`printable`] and [`printable_lines`]: control characters (and the Unicode controls that
//!   reorder text) escaped, so that a log cannot move the cursor, recolour or hide text on a
//!   terminal;
//! - [`csv_text`] and [`csv_number`]: OWASP's rule against CSV (formula) injection, a `'`
//!   before a cell that a spreadsheet would read as a formula, numbers left as numbers;
//! - [`mask_phone_numbers`]: phone numbers inside free text masked as contacts are everywhere
//!   else (`+55*********21`).

use std::borrow::Cow;

use crate::pricing::phone::ContactNumber;

/// Whether a character must not reach a terminal as it is: the C0 and C1 control characters
/// and DEL, and the formatting characters that reorder or hide text (bidirectional
/// embeddings, overrides and isolates: the "Trojan Source" characters).
fn unsafe_on_terminal(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn escape(s: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(|c| unsafe_on_terminal(c) && !keep(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unsafe_on_terminal(c) && !keep(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Text for one cell or one line of a terminal: every control character escaped as Rust
/// writes it (`\u{1b}`, `\n`, `\t`, `\u{202e}`), everything else as it is.
///
/// ```
/// use wacost_core::text::printable;
/// assert_eq!(printable("Loja\u{1b}[2J"), "Loja\\u{1b}[2J");
/// assert_eq!(printable("São Paulo"), "São Paulo");
/// ```
pub fn printable(s: &str) -> Cow<'_, str> {
    escape(s, |_| false)
}

/// Text for a terminal, several lines at once (a table, a summary, an error message): as
/// [`printable`], but newlines and tabs are kept.
pub fn printable_lines(s: &str) -> Cow<'_, str> {
    escape(s, |c| c == '\n' || c == '\t')
}

/// Characters that make a spreadsheet read a CSV cell as a formula (OWASP, "CSV Injection"):
/// `=`, `+`, `-`, `@`, tab and carriage return at the start of the cell.
fn formula_start(s: &str) -> bool {
    s.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// `[sign]digits[.digits]`: a number as wacost writes amounts and counts.
fn plain_number(s: &str, signs: &[char]) -> bool {
    let digits = s.strip_prefix(signs).unwrap_or(s);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    !whole.is_empty()
        && !fraction.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

/// A text cell of a CSV file that a spreadsheet may open (OWASP's rule): a cell that starts
/// with `=`, `+`, `-`, `@`, tab or carriage return gets a `'` in front, so that it is read
/// as text and never as a formula. A negative number (`-0.0068`) is left as it is, and so is
/// a dash alone (how tables say "none"); a number that starts with `+` is not (a contact
/// written in full, `+5511987654321`, is text, not a number to add up).
///
/// ```
/// use wacost_core::text::csv_text;
/// assert_eq!(csv_text("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
/// assert_eq!(csv_text("+5511987654321"), "'+5511987654321");
/// assert_eq!(csv_text("-0.0068"), "-0.0068");
/// assert_eq!(csv_text("Brazil"), "Brazil");
/// ```
pub fn csv_text(s: &str) -> Cow<'_, str> {
    if !formula_start(s) || s == "-" || plain_number(s, &['-']) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(format!("'{s}"))
}

/// A cell of a numeric column (amounts, counts, differences): a number with either sign
/// (`-0.0068`, `+15.12`) stays a number; anything else is a text cell ([`csv_text`]).
pub fn csv_number(s: &str) -> Cow<'_, str> {
    if plain_number(s, &['-', '+']) {
        Cow::Borrowed(s)
    } else {
        csv_text(s)
    }
}

/// Free text (a rejected row as it was read, a reason that quotes it, a file name) with
/// every phone number in it masked as contacts are masked in every output: calling code and
/// last two digits kept (`+55*********21`).
///
/// A phone number here is a run of 8 to 15 digits, written with an optional leading `+`
/// and single spaces, dashes or parentheses between digits (dots too after a `+`), that
/// neither starts nor ends inside a word and is not a date (`2026-02-02`, also before a time:
/// `2026-02-02 10:00`). Other long numbers (a Unix time in seconds, an id made of
/// digits) are masked too: a rejects file loses them rather than show a contact.
///
/// ```
/// use wacost_core::text::mask_phone_numbers;
/// assert_eq!(
///     mask_phone_numbers("2026-02-02T10:00:00Z,shop,+5511987654321,outbound"),
///     "2026-02-02T10:00:00Z,shop,+55*********21,outbound"
/// );
/// assert_eq!(mask_phone_numbers("whatsapp:+1 (809) 220-1234"), "whatsapp:+1********34");
/// ```
pub fn mask_phone_numbers(s: &str) -> Cow<'_, str> {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        let before = i.checked_sub(1).map(|k| chars[k].1);
        let starts = (c == '+' && chars.get(i + 1).is_some_and(|n| n.1.is_ascii_digit()))
            || c.is_ascii_digit();
        if !starts || before.is_some_and(|b| b.is_alphanumeric() || b == '_') {
            i += 1;
            continue;
        }
        let (end_index, digits) = phone_run(&chars, i);
        let end = chars.get(end_index).map_or(s.len(), |x| x.0);
        let after = chars.get(end_index).map(|x| x.1);
        let run = &s[start..end];
        let is_phone = (8..=15).contains(&digits.len())
            && !after.is_some_and(|a| a.is_alphanumeric() || a == '_')
            && !is_date(run);
        if is_phone {
            let text = out.get_or_insert_with(|| String::with_capacity(s.len()));
            text.push_str(&s[copied..start]);
            text.push_str(&mask_digits(&digits));
            copied = end;
        }
        i = end_index.max(i + 1);
    }
    match out {
        None => Cow::Borrowed(s),
        Some(mut text) => {
            text.push_str(&s[copied..]);
            Cow::Owned(text)
        }
    }
}

/// The run of a phone number from `i`: the index after it, and its digits.
fn phone_run(chars: &[(usize, char)], i: usize) -> (usize, String) {
    let plus = chars[i].1 == '+';
    let mut digits = String::new();
    let mut k = if plus { i + 1 } else { i };
    let mut end = k;
    while k < chars.len() {
        let c = chars[k].1;
        if c.is_ascii_digit() {
            digits.push(c);
            k += 1;
            end = k;
            continue;
        }
        // A separator counts only when a digit follows it (after at most one more, as in
        // "+1 (809)").
        let separator = matches!(c, ' ' | '-' | '(' | ')') || (plus && c == '.');
        let next_digit = |j: usize| chars.get(j).is_some_and(|x| x.1.is_ascii_digit());
        let next = |j: usize| chars.get(j).map(|x| x.1);
        if separator && !digits.is_empty() {
            if next_digit(k + 1) {
                k += 1;
                continue;
            }
            if matches!(next(k + 1), Some(' ' | '(' | ')')) && next_digit(k + 2) {
                k += 2;
                continue;
            }
        }
        break;
    }
    (end, digits)
}

/// `2026-02-02` (a date, or the date of a time that follows).
fn is_date(run: &str) -> bool {
    let b = run.as_bytes();
    let date = |b: &[u8]| {
        b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(k, c)| k == 4 || k == 7 || c.is_ascii_digit())
    };
    date(b) || (b.len() > 10 && date(&b[..10]) && b[10] == b' ')
}

/// The digits of a phone number masked: the calling code (when the digits have one) and the
/// last two kept, as [`ContactNumber::masked`] writes them.
fn mask_digits(digits: &str) -> String {
    if let Ok(n) = ContactNumber::parse(digits) {
        return n.masked();
    }
    let keep = 2.min(digits.len());
    let mut out = String::from("+");
    for (k, c) in digits.chars().enumerate() {
        out.push(if k < keep || k >= digits.len() - keep {
            c
        } else {
            '*'
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_text_escapes_controls_and_reordering() {
        assert_eq!(printable("wamid.\u{1b}[31mX"), "wamid.\\u{1b}[31mX");
        assert_eq!(printable("ok é"), "ok é");
        assert_eq!(printable("a\nb\tc\r"), "a\\nb\\tc\\r");
        assert_eq!(printable("evil\u{202e}txt.exe"), "evil\\u{202e}txt.exe");
        assert_eq!(printable("\u{9b}31m"), "\\u{9b}31m", "C1 CSI");
        assert_eq!(printable_lines("a\nb\tc\u{7}"), "a\nb\tc\\u{7}");
        assert!(matches!(printable("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn csv_cells_never_start_a_formula() {
        for (cell, text, number) in [
            ("=1+1", "'=1+1", "'=1+1"),
            ("@SUM(A1)", "'@SUM(A1)", "'@SUM(A1)"),
            ("+5511987654321", "'+5511987654321", "+5511987654321"),
            ("+55*********21", "'+55*********21", "'+55*********21"),
            ("-0.0068", "-0.0068", "-0.0068"),
            ("-12", "-12", "-12"),
            ("+15.12", "'+15.12", "+15.12"),
            (
                "-1+cmd|' /C calc'!A0",
                "'-1+cmd|' /C calc'!A0",
                "'-1+cmd|' /C calc'!A0",
            ),
            ("-", "-", "-"),
            ("-.5", "'-.5", "'-.5"),
            ("\tx", "'\tx", "'\tx"),
            ("\rx", "'\rx", "'\rx"),
            ("0.0625", "0.0625", "0.0625"),
            ("Brazil", "Brazil", "Brazil"),
            ("", "", ""),
        ] {
            assert_eq!(csv_text(cell), text, "text {cell:?}");
            assert_eq!(csv_number(cell), number, "number {cell:?}");
        }
    }

    #[test]
    fn phone_numbers_in_free_text_are_masked() {
        for (text, masked) in [
            (
                "2026-02-02T10:00:00Z,b,+5511987654321,outbound,template,promo",
                "2026-02-02T10:00:00Z,b,+55*********21,outbound,template,promo",
            ),
            (
                "contact \"5511987654321\" is bad",
                "contact \"+55*********21\" is bad",
            ),
            (
                "{\"wa_id\":\"5511987654321\"}",
                "{\"wa_id\":\"+55*********21\"}",
            ),
            ("whatsapp:+5511987654321", "whatsapp:+55*********21"),
            (
                "02/02/2026, 10:00 - +55 11 98765-4321: oi",
                "02/02/2026, 10:00 - +55*********21: oi",
            ),
            ("+33 6.12.34.56.78", "+33*******78"),
            // Not phone numbers: dates, times, short numbers, digits inside words.
            (
                "2026-02-02,2026-02-02 10:00:00",
                "2026-02-02,2026-02-02 10:00:00",
            ),
            ("0.0625,1234567", "0.0625,1234567"),
            ("wamid.HBgM5511987654321", "wamid.HBgM5511987654321"),
            ("id_12345678901", "id_12345678901"),
            // Too long for a phone number (16 digits).
            ("1234567812345678", "1234567812345678"),
        ] {
            assert_eq!(mask_phone_numbers(text), masked, "{text:?}");
        }
        // A Unix time reads as a North American number; digits without a calling code
        // keep their first and last two.
        assert_eq!(mask_phone_numbers("at 1770026400"), "at +1*******00");
        assert_eq!(mask_digits("2800000012"), "+28******12");
    }
}
