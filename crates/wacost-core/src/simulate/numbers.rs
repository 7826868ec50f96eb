//! Number plans: the phone numbers of a simulated audience group.
//!
//! A group's contacts get consecutive numbers: a prefix, then the contact's index padded to
//! a fixed width. Without a prefix the group's key is an ISO country and the numbers look
//! like the country's example mobile number (from libphonenumber's metadata), the index in
//! place of its last digits; with a prefix (`+1 809`), the numbers are as long as the calling
//! code's example number. So the numbers are valid where the library knows the ranges, and
//! a log exported from a simulation prices its contacts in the scenario's markets.

use phonenumber::metadata::{DATABASE, Metadata};

use crate::pricing::phone::ContactNumber;

/// The numbers of an audience group: `prefix` (digits, with the calling code), followed by
/// the contact's index in `width` digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct NumberPlan {
    prefix: u64,
    width: u32,
}

impl NumberPlan {
    /// The plan of the group `key` of `contacts` contacts, after its `prefix` if it has one.
    /// The error says why the group cannot have numbers (an unknown country, a prefix that
    /// is not a number or leaves no room for the contacts).
    pub(super) fn new(
        key: &str,
        prefix: Option<&str>,
        contacts: u32,
    ) -> Result<NumberPlan, String> {
        let needed = digits_of(u64::from(contacts.saturating_sub(1)));
        match prefix {
            Some(p) => after_prefix(p, needed, contacts),
            None => in_country(key, needed, contacts),
        }
    }

    /// Whether two plans can give the same number: numbers of one length, and one prefix
    /// starts the other.
    pub(super) fn overlaps(&self, other: &NumberPlan) -> bool {
        let (a, b) = (self.prefix.to_string(), other.prefix.to_string());
        let same_length = a.len() + self.width as usize == b.len() + other.width as usize;
        same_length && (a.starts_with(&b) || b.starts_with(&a))
    }

    /// The number of the group's contact `index`, in the form a log reader gives it
    /// (WhatsApp's Mexican and Argentine mobile tokens folded), so that an exported log
    /// replays to the same contacts.
    pub(super) fn number(&self, index: u32) -> Result<ContactNumber, String> {
        let digits = self.prefix * 10u64.pow(self.width) + u64::from(index);
        let n = ContactNumber::from_digits(digits).map_err(|e| e.to_string())?;
        Ok(
            if matches!(n.leading(3), 521 | 549) && digits_of(digits) == 13 {
                ContactNumber::parse(&n.e164()).unwrap_or(n)
            } else {
                n
            },
        )
    }
}

/// Numbers after a written prefix, as long as the calling code's example number.
fn after_prefix(p: &str, needed: u32, contacts: u32) -> Result<NumberPlan, String> {
    let digits: String = p.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty()
        || p.chars()
            .any(|c| !(c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')')))
    {
        return Err(format!(
            "prefix {p:?} is not a number prefix: write it like \"+1 809\""
        ));
    }
    let code = (1..=3.min(digits.len()))
        .map(|k| digits[..k].parse::<u16>().unwrap_or(0))
        .find(|c| DATABASE.region(c).is_some())
        .ok_or_else(|| format!("prefix {p:?} does not start with a calling code"))?;
    let main = DATABASE.by_code(&code).and_then(|metas| {
        metas
            .iter()
            .find(|m| m.is_main_country_for_code())
            .or_else(|| metas.first())
            .and_then(|m| example(m))
            .map(|e| e.chars().filter(char::is_ascii_digit).count())
    });
    let usual = code.to_string().len() + main.unwrap_or(10);
    let width = needed.max(usual.saturating_sub(digits.len()) as u32);
    if digits.len() + width as usize > 15 {
        return Err(format!(
            "prefix {p:?} leaves no room for {contacts} numbers (E.164 numbers have at most \
             15 digits): shorten it"
        ));
    }
    let prefix = digits.parse::<u64>().map_err(|e| e.to_string())?;
    Ok(NumberPlan { prefix, width })
}

/// Numbers like the example mobile number of the country `key`, the contact's index in
/// place of its last digits (at least three of the national digits are kept).
fn in_country(key: &str, needed: u32, contacts: u32) -> Result<NumberPlan, String> {
    let id = key.trim().to_ascii_uppercase();
    let meta = DATABASE.by_id(id.as_str()).ok_or_else(|| {
        format!(
            "{key:?} is not an ISO country code: use one (BR, IN, US) or give a prefix = \
             \"+55 11\""
        )
    })?;
    let national: String = example(meta)
        .unwrap_or("")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let keep = national.len().saturating_sub(needed as usize);
    if keep < 3.min(national.len().saturating_sub(1)).max(1) {
        return Err(format!(
            "{contacts} contacts do not fit in {id}'s {}-digit numbers: split the group, or \
             give a prefix",
            national.len()
        ));
    }
    let width = (national.len() - keep) as u32;
    let prefix = format!("{}{}", meta.country_code(), &national[..keep])
        .parse::<u64>()
        .map_err(|e| e.to_string())?;
    Ok(NumberPlan { prefix, width })
}

/// A country's example mobile number (or its general example), as libphonenumber writes it.
fn example(meta: &Metadata) -> Option<&str> {
    let d = meta.descriptors();
    d.mobile()
        .and_then(|m| m.example())
        .or_else(|| d.general().example())
}

/// How many decimal digits `n` has.
fn digits_of(mut n: u64) -> u32 {
    let mut d = 1;
    while n >= 10 {
        n /= 10;
        d += 1;
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_the_country_example() {
        let p = NumberPlan::new("BR", None, 100).unwrap();
        assert!(p.prefix.to_string().starts_with("55"), "{p:?}");
        assert_eq!(p.prefix.to_string().len() + p.width as usize, 13);
        let p = NumberPlan::new("dr", Some("+1 809"), 20).unwrap();
        assert_eq!(
            p,
            NumberPlan {
                prefix: 1809,
                width: 7
            }
        );
        assert_eq!(p.number(42).unwrap().e164(), "+18090000042");
        assert!(NumberPlan::new("XX", None, 1).is_err());
        assert!(NumberPlan::new("us", Some("+1 809 555 1234 567"), 100).is_err());
        assert!(NumberPlan::new("x", Some("hello"), 1).is_err());
    }

    #[test]
    fn plans_overlap_when_one_prefix_starts_the_other_at_one_length() {
        let plan = |prefix, width| NumberPlan { prefix, width };
        assert!(plan(1809, 7).overlaps(&plan(18095, 6)));
        assert!(!plan(1809, 7).overlaps(&plan(18095, 7)), "longer numbers");
        assert!(!plan(1809, 7).overlaps(&plan(1829, 7)));
    }

    #[test]
    fn digits_are_counted() {
        assert_eq!(digits_of(0), 1);
        assert_eq!(digits_of(9), 1);
        assert_eq!(digits_of(10), 2);
        assert_eq!(digits_of(u64::MAX), 20);
    }
}
