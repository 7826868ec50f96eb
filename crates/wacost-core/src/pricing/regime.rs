//! Rule regimes: how Meta charges, by date, as data (`data/regimes.toml`).
//!
//! | from | model | what is charged |
//! |---|---|---|
//! | 2023-06-01 | CBP | 24 h conversations per category; first 1,000 service conversations per WABA per month free |
//! | 2024-11-01 | CBP | service conversations free |
//! | 2025-07-01 | PMP | each delivered template; utility inside the customer service window free; free-form free |
//! | 2026-10-01 | PMP | as above, plus service messages and in-window utility at the utility rate; reported 1,000 free service messages per number per month |

use chrono::NaiveDate;
use serde::Deserialize;

use super::category::{Category, PricingModel};
use super::{DataError, DataSource};

/// Whether something is free or charged at a card rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Treatment {
    /// Not charged.
    Free,
    /// Charged at the card's rate.
    Charged,
}

/// Who shares one monthly free allowance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllowanceScope {
    /// One allowance per WhatsApp Business Account.
    Waba,
    /// One allowance per business phone number.
    BusinessNumber,
}

impl AllowanceScope {
    /// `waba` or `business_number`.
    pub fn as_str(self) -> &'static str {
        match self {
            AllowanceScope::Waba => "waba",
            AllowanceScope::BusinessNumber => "business_number",
        }
    }
}

/// A monthly free allowance: the first `size` conversations (CBP) or messages (PMP) of
/// `category` per scope and calendar month are free.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allowance {
    /// The category it covers (Meta: service).
    pub category: Category,
    /// How many are free each month.
    pub size: u32,
    /// Who shares it.
    pub scope: AllowanceScope,
    /// How sure we are that it exists as described (`published`, `reported`).
    #[serde(default)]
    pub confidence: String,
}

/// The length of the windows that decide what is free.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Windows {
    /// Customer service window, from the user's last inbound message.
    pub customer_service_hours: u32,
    /// How soon the business must answer an ad or Page-button message to open a free entry
    /// point window.
    pub free_entry_point_reply_hours: u32,
    /// Length of the free entry point window, from the business's answer.
    pub free_entry_point_hours: u32,
    /// Length of a CBP conversation.
    pub conversation_hours: u32,
}

impl Default for Windows {
    fn default() -> Self {
        Windows {
            customer_service_hours: 24,
            free_entry_point_reply_hours: 24,
            free_entry_point_hours: 72,
            conversation_hours: 24,
        }
    }
}

/// One regime: the rules in force from `from` until the next regime.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Regime {
    /// A short name (`PMP 2025-07`).
    pub name: String,
    /// First day, from its first instant in the WABA's time zone (00:00, or the end of the
    /// gap where the clocks skip midnight: see [`crate::calendar`]).
    pub from: NaiveDate,
    /// Conversation-based or per-message pricing.
    pub model: PricingModel,
    /// Free-form messages (PMP) or service conversations (CBP).
    pub service: Treatment,
    /// PMP: utility templates inside an open customer service window.
    #[serde(default = "charged")]
    pub utility_in_service_window: Treatment,
    /// A monthly free allowance, if any.
    #[serde(default)]
    pub allowance: Option<Allowance>,
    /// Where the rule comes from.
    #[serde(default)]
    pub source: String,
}

fn charged() -> Treatment {
    Treatment::Charged
}

/// Every regime, in date order, and the window lengths.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Regimes {
    /// Window lengths.
    pub windows: Windows,
    regimes: Vec<Regime>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegimesFile {
    #[serde(default)]
    windows: Windows,
    regime: Vec<Regime>,
}

impl Regimes {
    /// Reads a regimes TOML file.
    pub fn parse(text: &str, origin: &DataSource) -> Result<Regimes, DataError> {
        let file: RegimesFile = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].lines().count().max(1))
                .unwrap_or(1);
            origin.error(line, e.message().to_string())
        })?;
        let mut regimes = file.regime;
        regimes.sort_by_key(|r| r.from);
        if regimes.is_empty() {
            return Err(origin.error(1, "no [[regime]] tables"));
        }
        for w in regimes.windows(2) {
            if w[0].from == w[1].from {
                return Err(origin.error(1, format!("two regimes start on {}", w[0].from)));
            }
        }
        Ok(Regimes {
            windows: file.windows,
            regimes,
        })
    }

    /// The regime in force on a date, or `None` before the first one.
    pub fn at(&self, date: NaiveDate) -> Option<&Regime> {
        self.regimes.iter().rev().find(|r| r.from <= date)
    }

    /// Every regime in date order.
    pub fn all(&self) -> &[Regime] {
        &self.regimes
    }

    /// Mutable access, for what-if scenarios that edit the rules.
    pub fn all_mut(&mut self) -> &mut [Regime] {
        &mut self.regimes
    }

    /// Overrides the size and scope of every allowance of the regimes from `from` on (the
    /// sources disagree about the allowance reported from 2026-10-01).
    pub fn set_allowance(
        &mut self,
        from: NaiveDate,
        size: Option<u32>,
        scope: Option<AllowanceScope>,
    ) {
        for r in self.regimes.iter_mut().filter(|r| r.from >= from) {
            if let Some(a) = r.allowance.as_mut() {
                if let Some(size) = size {
                    a.size = size;
                }
                if let Some(scope) = scope {
                    a.scope = scope;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn embedded() -> Regimes {
        Regimes::parse(
            include_str!("../../../../data/regimes.toml"),
            &DataSource::embedded("regimes.toml"),
        )
        .unwrap()
    }

    #[test]
    fn the_four_regimes() {
        let r = embedded();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(r.at(d("2023-05-31")).is_none());
        let cbp = r.at(d("2024-10-31")).unwrap();
        assert_eq!(cbp.model, PricingModel::Cbp);
        assert_eq!(cbp.service, Treatment::Charged);
        assert_eq!(cbp.allowance.as_ref().unwrap().size, 1000);
        assert_eq!(r.at(d("2024-11-01")).unwrap().service, Treatment::Free);
        let pmp = r.at(d("2025-07-01")).unwrap();
        assert_eq!(pmp.model, PricingModel::Pmp);
        assert_eq!(pmp.utility_in_service_window, Treatment::Free);
        let late = r.at(d("2026-10-01")).unwrap();
        assert_eq!(late.service, Treatment::Charged);
        assert_eq!(
            late.allowance.as_ref().unwrap().scope,
            AllowanceScope::BusinessNumber
        );
        assert_eq!(r.windows.free_entry_point_hours, 72);
    }

    #[test]
    fn bad_files_say_where() {
        let err = Regimes::parse("[[regime]]\nname = \"x\"\nfrom = \"2023-06-01\"\nmodel = \"CBX\"\nservice = \"free\"\n", &DataSource::embedded("r.toml")).unwrap_err();
        assert!(err.to_string().starts_with("r.toml:"), "{err}");
    }
}
