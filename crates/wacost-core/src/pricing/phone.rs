//! Recipient numbers: from whatever a log writes (`+55 11 98765-4321`, `whatsapp:+55…`,
//! `0055…`, WhatsApp's own `521…` ids) to the digits of an E.164 number, and from there to
//! a country.

use std::fmt;

use phonenumber::metadata::DATABASE;
use serde::{Serialize, Serializer};

/// A recipient's number as the digits of its E.164 form, stored in a `u64` so that the hot
/// path neither allocates nor hashes strings.
///
/// WhatsApp writes Mexican mobiles as `521` + 10 digits and Argentine mobiles as `549` + 10
/// digits; the same people appear as `52` + 10 and `54` + 10 digits elsewhere. Both forms are
/// folded to the one without the mobile token, so one person keeps one service window.
///
/// ```
/// use wacost_core::pricing::phone::ContactNumber;
/// let a: ContactNumber = "whatsapp:+52 1 55 1234 5678".parse().unwrap();
/// let b: ContactNumber = "+52 55 1234 5678".parse().unwrap();
/// assert_eq!(a, b);
/// assert_eq!(a.calling_code(), 52);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContactNumber(u64);

/// Why a string is not a phone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    /// Nothing but separators.
    #[error("empty phone number")]
    Empty,
    /// A character that has no place in a phone number.
    #[error("{0:?} is not a phone number: unexpected character {1:?}")]
    BadCharacter(String, char),
    /// Fewer than 7 or more than 15 digits.
    #[error("{0:?} is not an E.164 number: it has {1} digits, E.164 numbers have 7 to 15")]
    Length(String, usize),
    /// The digits do not start with a country calling code.
    #[error(
        "{0:?} has no country calling code: write it in international form, e.g. +5511987654321"
    )]
    NoCallingCode(String),
}

impl ContactNumber {
    /// Parses a number written with or without `+`, with spaces, dashes, dots or
    /// parentheses, with a `whatsapp:` prefix or a `00` international prefix.
    pub fn parse(text: &str) -> Result<ContactNumber, NumberError> {
        parse_digits(text.as_bytes()).map_err(|e| e.into_error(text))
    }

    /// Parses raw bytes as [`ContactNumber::parse`] does, without allocating on success.
    pub fn parse_bytes(bytes: &[u8]) -> Result<ContactNumber, NumberError> {
        parse_digits(bytes).map_err(|e| e.into_error(&String::from_utf8_lossy(bytes)))
    }

    /// Builds a number from its E.164 digits (no validation beyond the calling code).
    pub fn from_digits(digits: u64) -> Result<ContactNumber, NumberError> {
        let n = ContactNumber(digits);
        if n.digit_count() < 7 || n.digit_count() > 15 {
            return Err(NumberError::Length(digits.to_string(), n.digit_count()));
        }
        if n.calling_code_checked().is_none() {
            return Err(NumberError::NoCallingCode(digits.to_string()));
        }
        Ok(n)
    }

    /// A number from digits that were a valid number before (kept in a table).
    pub(crate) fn from_raw(digits: u64) -> ContactNumber {
        ContactNumber(digits)
    }

    /// The E.164 digits.
    pub fn digits(self) -> u64 {
        self.0
    }

    fn digit_count(self) -> usize {
        self.0.checked_ilog10().map_or(1, |l| l as usize + 1)
    }

    /// The leading `k` digits as a number (all digits when `k` is larger).
    pub fn leading(self, k: usize) -> u64 {
        let count = self.digit_count();
        if k >= count {
            return self.0;
        }
        self.0 / 10u64.pow((count - k) as u32)
    }

    fn calling_code_checked(self) -> Option<u16> {
        calling_code_of(self.leading(3))
    }

    /// The country calling code (1 to 3 digits).
    pub fn calling_code(self) -> u16 {
        // Construction guarantees a calling code exists.
        self.calling_code_checked().unwrap_or(0)
    }

    /// The number in international form, `+` and digits.
    pub fn e164(self) -> String {
        format!("+{}", self.0)
    }

    /// The number with all but the calling code and the last two digits masked, as reports
    /// show contacts by default: `+55*********21`.
    pub fn masked(self) -> String {
        let digits = self.0.to_string();
        let code_len = self.calling_code().to_string().len();
        let keep_end = 2.min(digits.len().saturating_sub(code_len));
        let mut out = String::with_capacity(digits.len() + 1);
        out.push('+');
        for (i, c) in digits.chars().enumerate() {
            if i < code_len || i >= digits.len() - keep_end {
                out.push(c);
            } else {
                out.push('*');
            }
        }
        out
    }

    /// A short tag that tells two numbers apart without showing them: six hex digits of a
    /// stable hash (FNV-1a) of the digits, the same in every run and on every machine.
    pub fn tag(self) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in self.0.to_string().bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{:06x}", h >> 40)
    }
}

/// The masked form of each number ([`ContactNumber::masked`]), kept distinct: where two
/// different numbers share a mask (`+1********01`), each of them gets its
/// [`ContactNumber::tag`] after it (`+1********01 #3fa2c1`), so a reader never takes two
/// contacts for one. Numbers whose mask is unique are shown as the plain mask.
///
/// ```
/// use wacost_core::pricing::phone::{masked_distinct, ContactNumber};
/// let a: ContactNumber = "+14155550101".parse().unwrap();
/// let b: ContactNumber = "+14155559901".parse().unwrap();
/// let c: ContactNumber = "+5511988887777".parse().unwrap();
/// let shown = masked_distinct(&[a, b, c]);
/// assert_ne!(shown[0], shown[1]);
/// assert!(shown[0].starts_with("+1********01 #"));
/// assert_eq!(shown[2], "+55*********77");
/// ```
pub fn masked_distinct(numbers: &[ContactNumber]) -> Vec<String> {
    let masks: Vec<String> = numbers.iter().map(|n| n.masked()).collect();
    let mut owners: std::collections::HashMap<&str, ContactNumber> = Default::default();
    let mut shared: std::collections::HashSet<&str> = Default::default();
    for (mask, n) in masks.iter().zip(numbers) {
        match owners.get(mask.as_str()) {
            Some(first) if first != n => {
                shared.insert(mask.as_str());
            }
            Some(_) => {}
            None => {
                owners.insert(mask.as_str(), *n);
            }
        }
    }
    masks
        .iter()
        .zip(numbers)
        .map(|(mask, n)| {
            if shared.contains(mask.as_str()) {
                format!("{mask} #{}", n.tag())
            } else {
                mask.clone()
            }
        })
        .collect()
}

impl std::str::FromStr for ContactNumber {
    type Err = NumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ContactNumber::parse(s)
    }
}

impl fmt::Display for ContactNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "+{}", self.0)
    }
}

impl fmt::Debug for ContactNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "+{}", self.0)
    }
}

impl Serialize for ContactNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.e164())
    }
}

enum RawError {
    Empty,
    BadCharacter(char),
    Length(usize),
    NoCallingCode,
}

impl RawError {
    fn into_error(self, text: &str) -> NumberError {
        let t = text.to_string();
        match self {
            RawError::Empty => NumberError::Empty,
            RawError::BadCharacter(c) => NumberError::BadCharacter(t, c),
            RawError::Length(n) => NumberError::Length(t, n),
            RawError::NoCallingCode => NumberError::NoCallingCode(t),
        }
    }
}

fn parse_digits(bytes: &[u8]) -> Result<ContactNumber, RawError> {
    match plain_e164(bytes) {
        Some(n) => Ok(n),
        None => parse_digits_general(bytes),
    }
}

/// Every spelling `parse_digits` accepts: separators, `whatsapp:`, `00`, invisible marks.
fn parse_digits_general(bytes: &[u8]) -> Result<ContactNumber, RawError> {
    let mut b = bytes.trim_ascii();
    if b.len() >= 9 && b[..9].eq_ignore_ascii_case(b"whatsapp:") {
        b = b[9..].trim_ascii();
    }
    let mut digits: u64 = 0;
    let mut count = 0usize;
    let mut seen_plus = false;
    let mut leading_zeros = 0usize;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        i += 1;
        match c {
            b'0'..=b'9' => {
                if count == 0 && c == b'0' && !seen_plus {
                    // `00` is the international call prefix in most of the world.
                    leading_zeros += 1;
                    continue;
                }
                count += 1;
                if count > 15 {
                    return Err(RawError::Length(count_digits(b) - leading_zeros));
                }
                digits = digits * 10 + u64::from(c - b'0');
            }
            b'+' if count == 0 && leading_zeros == 0 && !seen_plus => seen_plus = true,
            b' ' | b'-' | b'.' | b'(' | b')' | b'/' | b'\t' => {}
            0x80.. => {
                // Non-breaking spaces and the invisible direction marks phones insert
                // (U+00A0, U+202F, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069) are
                // separators; any other character is not.
                let rest = &b[i - 1..];
                let ch = utf8_first_char(rest);
                match ch {
                    Some(
                        ch @ ('\u{a0}'
                        | '\u{202f}'
                        | '\u{200e}'
                        | '\u{200f}'
                        | '\u{202a}'..='\u{202e}'
                        | '\u{2066}'..='\u{2069}'),
                    ) => {
                        i += ch.len_utf8() - 1;
                    }
                    Some(ch) => return Err(RawError::BadCharacter(ch)),
                    None => return Err(RawError::BadCharacter(char::REPLACEMENT_CHARACTER)),
                }
            }
            other => return Err(RawError::BadCharacter(other as char)),
        }
    }
    if count == 0 {
        return Err(if leading_zeros > 0 {
            RawError::NoCallingCode
        } else {
            RawError::Empty
        });
    }
    if leading_zeros == 1 {
        // A single leading 0 is a national trunk prefix: the calling code is missing.
        return Err(RawError::NoCallingCode);
    }
    if !(7..=15).contains(&count) {
        return Err(RawError::Length(count));
    }
    let n = ContactNumber(fold_mobile_token(digits, count));
    if n.calling_code_checked().is_none() {
        return Err(RawError::NoCallingCode);
    }
    Ok(n)
}

/// The common spelling, `+` and 7 to 15 digits (or the digits alone), in one pass. Anything
/// else (separators, prefixes, errors) is `None` and takes the general path, which gives the
/// same number or says what is wrong.
fn plain_e164(bytes: &[u8]) -> Option<ContactNumber> {
    let b = bytes.strip_prefix(b"+").unwrap_or(bytes);
    if !(7..=15).contains(&b.len()) || b[0] == b'0' {
        return None;
    }
    // The leading digits one by one, the last eight (of eight or more) at once.
    let (head, tail) = if b.len() >= 8 {
        b.split_at(b.len() - 8)
    } else {
        (b, &b[..0])
    };
    let mut digits = 0u64;
    for &c in head {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        digits = digits * 10 + u64::from(d);
    }
    if let Ok(last) = <&[u8; 8]>::try_from(tail) {
        digits = digits * 100_000_000 + eight_digits(last)?;
    }
    // Every byte is a digit now.
    let first3 = b[..3]
        .iter()
        .fold(0u64, |v, c| v * 10 + u64::from(c - b'0'));
    // Folding `521…`/`549…` into `52…`/`54…` keeps the calling code (52, 54).
    calling_code_of(first3)?;
    Some(ContactNumber(fold_mobile_token(digits, b.len())))
}

/// Eight ASCII digits as a number, all at once in one 64-bit word (the usual SWAR
/// reduction: pairs, then fours, then eights); `None` when a byte is not a digit.
fn eight_digits(b: &[u8; 8]) -> Option<u64> {
    let word = u64::from_le_bytes(*b);
    let v = word.wrapping_sub(0x3030_3030_3030_3030);
    // Every byte was '0'..='9': now 0..=9, so neither it nor it + 6 sets a high nibble.
    if (v | v.wrapping_add(0x0606_0606_0606_0606)) & 0xF0F0_F0F0_F0F0_F0F0 != 0 {
        return None;
    }
    let v = (v.wrapping_mul(10) + (v >> 8)) & 0x00FF_00FF_00FF_00FF;
    let v = (v.wrapping_mul(100) + (v >> 16)) & 0x0000_FFFF_0000_FFFF;
    Some((v.wrapping_mul(10_000) + (v >> 32)) & 0xFFFF_FFFF)
}

/// The calling code a number starts with, from its first three digits (fewer for a number
/// that short). E.164 calling codes are prefix-free: at most one of the first 1, 2 or 3
/// digits is one.
fn calling_code_of(first3: u64) -> Option<u16> {
    let table = code_table();
    [first3 / 100, first3 / 10, first3]
        .into_iter()
        .find(|code| table.get(*code as usize).is_some_and(|c| c.valid))
        .map(|code| code as u16)
}

fn utf8_first_char(b: &[u8]) -> Option<char> {
    let len = b.len().min(4);
    (1..=len).find_map(|k| {
        std::str::from_utf8(&b[..k])
            .ok()
            .and_then(|s| s.chars().next())
    })
}

fn count_digits(b: &[u8]) -> usize {
    b.iter().filter(|c| c.is_ascii_digit()).count()
}

/// WhatsApp ids for Mexican (`52 1` + 10 digits) and Argentine (`54 9` + 10 digits) mobiles
/// carry a mobile token that E.164 numbers written elsewhere omit.
fn fold_mobile_token(digits: u64, count: usize) -> u64 {
    if count == 13 {
        let head = digits / 10_000_000_000;
        let rest = digits % 10_000_000_000;
        if head == 521 {
            return 52 * 10_000_000_000 + rest;
        }
        if head == 549 {
            return 54 * 10_000_000_000 + rest;
        }
    }
    digits
}

/// An ISO 3166-1 alpha-2 country code such as `BR`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Country([u8; 2]);

impl Country {
    /// ISO's user-assigned `ZZ`: a country we could not tell.
    pub const UNKNOWN: Country = Country(*b"ZZ");

    /// The two letters as one number, for cheap hashing.
    pub(crate) fn as_u16(self) -> u16 {
        u16::from_le_bytes(self.0)
    }

    /// Parses two ASCII letters, any case.
    pub fn parse(s: &str) -> Option<Country> {
        let b = s.trim().as_bytes();
        if b.len() == 2 && b.iter().all(u8::is_ascii_alphabetic) {
            Some(Country([
                b[0].to_ascii_uppercase(),
                b[1].to_ascii_uppercase(),
            ]))
        } else {
            None
        }
    }

    /// The two-letter code.
    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Country {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// What libphonenumber knows of a calling code: whether it exists, the one country it
/// belongs to (when only one does), and its main country.
#[derive(Clone, Copy, Default)]
struct CodeInfo {
    valid: bool,
    single: Option<Country>,
    main: Option<Country>,
}

/// Every calling code, as a lookup table built once, so that the hot path neither allocates
/// nor hashes to validate a number or find a single-country code's country.
fn code_table() -> &'static [CodeInfo; 1000] {
    static TABLE: std::sync::OnceLock<[CodeInfo; 1000]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = [CodeInfo::default(); 1000];
        for m in DATABASE.iter() {
            if let Some(slot) = t.get_mut(m.country_code() as usize) {
                slot.valid = true;
            }
        }
        for (code, slot) in t.iter_mut().enumerate() {
            if !slot.valid {
                continue;
            }
            let code = code as u16;
            let regions = DATABASE.region(&code).unwrap_or_default();
            if regions.len() == 1 {
                slot.single = Country::parse(regions[0]);
            }
            slot.main = DATABASE.by_code(&code).and_then(|metas| {
                metas
                    .iter()
                    .find(|m| m.is_main_country_for_code())
                    .or_else(|| metas.first())
                    .and_then(|m| Country::parse(m.id()))
            });
        }
        t
    })
}

/// Whether several countries share a calling code (+1, +7, +44…), so that the number itself
/// must be examined to tell the country.
pub fn shared_code(code: u16) -> bool {
    code_table()
        .get(code as usize)
        .is_some_and(|c| c.valid && c.single.is_none())
}

/// The country a number belongs to according to libphonenumber's metadata (through the
/// `phonenumber` crate), when the calling code is one country's alone or the library can place
/// the number. `None` when several countries share the calling code and the number falls in
/// a range the library does not know: the caller then decides by prefix.
pub fn library_country(number: ContactNumber) -> Option<Country> {
    let info = code_table().get(number.calling_code() as usize)?;
    if let Some(c) = info.single {
        return Some(c);
    }
    let parsed = phonenumber::parse(None, number.e164()).ok()?;
    let id = parsed.country().id()?;
    Country::parse(id.as_ref())
}

/// The main country of a calling code (`US` for 1, `RU` for 7, `GB` for 44).
pub fn main_country(code: u16) -> Option<Country> {
    code_table().get(code as usize).and_then(|c| c.main)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_number() {
        let want = 5511987654321;
        for s in [
            "+5511987654321",
            "5511987654321",
            "+55 11 98765-4321",
            "whatsapp:+5511987654321",
            "WhatsApp: +55 (11) 98765.4321",
            "005511987654321",
            "\u{200e}+55\u{a0}11 98765 4321",
        ] {
            assert_eq!(ContactNumber::parse(s).unwrap().digits(), want, "{s}");
        }
    }

    #[test]
    fn whatsapp_mobile_tokens_fold() {
        assert_eq!(
            ContactNumber::parse("5215512345678").unwrap(),
            ContactNumber::parse("525512345678").unwrap()
        );
        assert_eq!(
            ContactNumber::parse("5491123456789").unwrap(),
            ContactNumber::parse("+54 11 2345-6789").unwrap()
        );
    }

    #[test]
    fn not_numbers_are_errors() {
        assert!(matches!(
            ContactNumber::parse("hello"),
            Err(NumberError::BadCharacter(_, 'h'))
        ));
        assert!(matches!(
            ContactNumber::parse("+123"),
            Err(NumberError::Length(_, 3))
        ));
        assert!(matches!(
            ContactNumber::parse("+1234567890123456"),
            Err(NumberError::Length(_, 16))
        ));
        assert!(matches!(
            ContactNumber::parse("011 98765 4321"),
            Err(NumberError::NoCallingCode(_))
        ));
        assert_eq!(ContactNumber::parse("  "), Err(NumberError::Empty));
        // 0 and 28x are not calling codes.
        assert!(matches!(
            ContactNumber::parse("+2801234567"),
            Err(NumberError::NoCallingCode(_))
        ));
    }

    #[test]
    fn countries() {
        let n = |s: &str| ContactNumber::parse(s).unwrap();
        assert_eq!(library_country(n("+5511987654321")).unwrap().code(), "BR");
        assert_eq!(library_country(n("+18092201234")).unwrap().code(), "DO");
        assert_eq!(library_country(n("+12125550100")).unwrap().code(), "US");
        assert_eq!(library_country(n("+77012345678")).unwrap().code(), "KZ");
        assert_eq!(library_country(n("+79161234567")).unwrap().code(), "RU");
        assert_eq!(main_country(1).unwrap().code(), "US");
        assert_eq!(main_country(7).unwrap().code(), "RU");
    }

    #[test]
    fn masking_keeps_code_and_last_two() {
        assert_eq!(n("+5511987654321").masked(), "+55*********21");
        fn n(s: &str) -> ContactNumber {
            ContactNumber::parse(s).unwrap()
        }
    }

    #[test]
    fn masks_that_collide_get_a_stable_tag() {
        let a = ContactNumber::parse("+14155550101").unwrap();
        let b = ContactNumber::parse("+14155559901").unwrap();
        let c = ContactNumber::parse("+5511987654321").unwrap();
        // FNV-1a of the digits, top 24 bits.
        assert_eq!(a.tag(), "6975ae");
        assert_eq!(b.tag(), "c022de");
        assert_eq!(
            masked_distinct(&[a, c, b, a]),
            [
                "+1********01 #6975ae",
                "+55*********21",
                "+1********01 #c022de",
                "+1********01 #6975ae",
            ]
        );
        // One number twice is one contact: no tag.
        assert_eq!(masked_distinct(&[a, a]), ["+1********01", "+1********01"]);
    }

    #[test]
    fn eight_digits_at_once() {
        assert_eq!(eight_digits(b"00000000"), Some(0));
        assert_eq!(eight_digits(b"12345678"), Some(12_345_678));
        assert_eq!(eight_digits(b"99999999"), Some(99_999_999));
        for bad in [
            b"1234567a",
            b"/2345678",
            b"1234:678",
            b" 2345678",
            b"\xff2345678",
        ] {
            if let Ok(bad) = <&[u8; 8]>::try_from(&bad[..]) {
                assert_eq!(eight_digits(bad), None, "{bad:?}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn eight_digits_agree_with_a_loop(b in proptest::array::uniform8(proptest::num::u8::ANY)) {
            let by_loop = b.iter().try_fold(0u64, |v, c| {
                c.is_ascii_digit().then(|| v * 10 + u64::from(c - b'0'))
            });
            proptest::prop_assert_eq!(eight_digits(&b), by_loop);
        }

        #[test]
        fn plain_spelling_fast_path_agrees_with_the_general_parser(
            digits in "[0-9]{5,17}",
            plus in proptest::bool::ANY,
        ) {
            let text = if plus { format!("+{digits}") } else { digits };
            if let Some(n) = plain_e164(text.as_bytes()) {
                proptest::prop_assert_eq!(Ok(n), parse_digits_general(text.as_bytes()).map_err(|_| ()));
            } else if !text.trim_start_matches('+').starts_with('0') {
                proptest::prop_assert!(parse_digits_general(text.as_bytes()).is_err());
            }
        }
    }
}
