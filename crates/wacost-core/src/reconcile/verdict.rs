//! Our verdict and Meta's on one message, side by side: what "agree" means for each field.
//!
//! See the [module docs](super) for the rules; this file applies them.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;

use crate::charge::Charge;
use crate::event::{BusinessId, MessageId, Verdict};
use crate::pricing::category::{Category, PricingModel, PricingSubtype, PricingType};
use crate::pricing::phone::ContactNumber;

/// A field of a verdict that is compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// `CBP` or `PMP`.
    PricingModel,
    /// `regular`, `free_customer_service`, `free_entry_point`, …
    PricingType,
    /// The pricing category.
    Category,
    /// Whether Meta bills the message (CBP: the conversation that covers it).
    Billable,
    /// Meta's `pricing.subtype` (`paid_exempt`), from about 2026-10-12.
    Subtype,
}

impl Field {
    /// The snake_case name (as in Meta's `pricing` object, `type` spelled out).
    pub fn as_str(self) -> &'static str {
        match self {
            Field::PricingModel => "pricing_model",
            Field::PricingType => "pricing_type",
            Field::Category => "category",
            Field::Billable => "billable",
            Field::Subtype => "subtype",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Our verdict on a message, in the terms Meta's `pricing` object uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OurVerdict {
    /// The pricing model in force.
    pub pricing_model: PricingModel,
    /// Our pricing type; under CBP, for a message inside an open conversation, the type of
    /// the message that opened it.
    pub pricing_type: PricingType,
    /// Our pricing category; under CBP, for a message inside an open conversation, the
    /// conversation's category.
    pub category: Category,
    /// Whether we bill it: PMP, the message is `regular`; CBP, the conversation covering it
    /// was opened as `regular`.
    pub billable: bool,
    /// CBP: the message is inside a conversation an earlier message opened.
    pub in_conversation: bool,
    /// `paid_exempt` for an exempt government's or non-profit's service message beyond the
    /// free tier.
    pub subtype: Option<PricingSubtype>,
}

impl OurVerdict {
    /// Our verdict on a message line. `opener` is, for a CBP line inside an open
    /// conversation, the category and pricing type of the line that opened it.
    pub fn of(c: &Charge, opener: Option<(Category, PricingType)>) -> OurVerdict {
        let (category, pricing_type, in_conversation) = match (c.model, c.pricing_type, opener) {
            (PricingModel::Cbp, PricingType::InConversation, Some((cat, ty))) => (cat, ty, true),
            _ => (c.category, c.pricing_type, false),
        };
        OurVerdict {
            pricing_model: c.model,
            pricing_type,
            category,
            billable: pricing_type == PricingType::Regular && !c.flags.exempt,
            in_conversation,
            subtype: c.flags.exempt.then_some(PricingSubtype::PaidExempt),
        }
    }

    /// Our verdict on a line a monthly free allowance covers, where the regime says how
    /// Meta's webhooks type such an item (`free_customer_service` from 2026-10-01): that
    /// type, not billable, no subtype.
    pub fn covered(mut self, meta_type: PricingType) -> OurVerdict {
        self.pricing_type = meta_type;
        self.billable = false;
        self.subtype = None;
        self
    }

    /// In words: `PMP, regular, marketing, billable`.
    pub fn spelled(&self) -> String {
        let mut s = format!(
            "{}, {}, {}, {}",
            self.pricing_model,
            self.pricing_type,
            self.category,
            if self.billable {
                "billable"
            } else {
                "not billable"
            }
        );
        if let Some(t) = self.subtype {
            s.push_str(&format!(", {t}"));
        }
        if self.in_conversation {
            s.push_str(&format!(
                " (inside a {} conversation opened earlier)",
                self.category
            ));
        }
        s
    }
}

/// Meta's verdict on a message, with `billable` derived where Meta left it out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MetaVerdict {
    /// Meta's pricing model, when given.
    pub pricing_model: Option<PricingModel>,
    /// Meta's pricing type, when given (CBP's `referral_conversion` category is read as
    /// `free_entry_point` by the webhook reader).
    pub pricing_type: Option<PricingType>,
    /// Meta's pricing subtype, when given.
    pub subtype: Option<PricingSubtype>,
    /// Meta's category, when given and one wacost knows.
    pub category: Option<Category>,
    /// Meta's `billable`, or derived from the type when Meta left it out.
    pub billable: Option<bool>,
    /// `billable` was derived, not given.
    pub billable_derived: bool,
}

impl MetaVerdict {
    /// Meta's verdict as the webhook gave it; `billable`, when missing, is derived from the
    /// type: Meta deprecates the flag and says to derive it — a message is billable exactly
    /// when its type is `regular` (every other type is free) and it is not `paid_exempt`.
    pub fn of(v: &Verdict) -> MetaVerdict {
        let exempt = v.subtype == Some(PricingSubtype::PaidExempt);
        let (billable, billable_derived) = match (v.billable, v.pricing_type) {
            (Some(b), _) => (Some(b), false),
            (None, Some(t)) => (Some(t == PricingType::Regular && !exempt), true),
            (None, None) => (None, false),
        };
        MetaVerdict {
            pricing_model: v.pricing_model,
            pricing_type: v.pricing_type,
            subtype: v.subtype,
            category: v.category,
            billable,
            billable_derived,
        }
    }

    /// Whether the verdict has any field to compare.
    pub fn is_empty(&self) -> bool {
        self.pricing_model.is_none()
            && self.pricing_type.is_none()
            && self.category.is_none()
            && self.billable.is_none()
    }

    /// In words: `PMP, free_customer_service, utility, not billable (billable not given:
    /// derived from the type)`.
    pub fn spelled(&self) -> String {
        let or = |v: Option<String>, what: &str| v.unwrap_or_else(|| format!("{what} not given"));
        let mut s = format!(
            "{}, {}, {}, {}",
            or(self.pricing_model.map(|m| m.to_string()), "model"),
            or(self.pricing_type.map(|t| t.to_string()), "type"),
            or(self.category.map(|c| c.to_string()), "category"),
            match self.billable {
                Some(true) => "billable",
                Some(false) => "not billable",
                None => "billable not given",
            }
        );
        if let Some(t) = self.subtype {
            s.push_str(&format!(", {t}"));
        }
        if self.billable_derived {
            s.push_str(" (billable not given: derived from the type)");
        }
        s
    }
}

/// The fields on which the two verdicts differ, among those Meta gave (or `billable`
/// derived). Empty: they agree.
pub fn differences(ours: &OurVerdict, meta: &MetaVerdict) -> Vec<Field> {
    let mut out = Vec::new();
    if meta.pricing_model.is_some_and(|m| m != ours.pricing_model) {
        out.push(Field::PricingModel);
    }
    if meta.pricing_type.is_some_and(|t| t != ours.pricing_type) {
        out.push(Field::PricingType);
    }
    if meta.category.is_some_and(|c| c != ours.category) {
        out.push(Field::Category);
    }
    if meta.billable.is_some_and(|b| b != ours.billable) {
        out.push(Field::Billable);
    }
    if meta.subtype.is_some() && meta.subtype != ours.subtype {
        out.push(Field::Subtype);
    }
    out
}

/// One message on which we and Meta disagree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disagreement {
    /// The message id.
    pub message_id: Option<MessageId>,
    /// When (Unix milliseconds).
    pub time_ms: i64,
    /// The day in the WABA's time zone.
    pub date: NaiveDate,
    /// The business number.
    pub business: BusinessId,
    /// The recipient.
    pub contact: Option<ContactNumber>,
    /// The fields that differ.
    pub fields: Vec<Field>,
    /// Our verdict.
    pub ours: OurVerdict,
    /// Our rule's reason, as on the ledger line.
    pub our_reason: String,
    /// Meta's verdict.
    pub meta: MetaVerdict,
}

/// Counts of compared messages by our value and Meta's (`None`: Meta did not give it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matrix<T: Ord> {
    /// `(ours, Meta's)` → messages.
    pub cells: BTreeMap<(T, Option<T>), u64>,
}

impl<T: Ord> Default for Matrix<T> {
    fn default() -> Self {
        Matrix {
            cells: BTreeMap::new(),
        }
    }
}

impl<T: Ord + Copy> Matrix<T> {
    /// Counts one message.
    pub fn add(&mut self, ours: T, meta: Option<T>) {
        *self.cells.entry((ours, meta)).or_default() += 1;
    }

    /// Our values (rows), in order.
    pub fn rows(&self) -> Vec<T> {
        let mut v: Vec<T> = self.cells.keys().map(|(o, _)| *o).collect();
        v.dedup();
        v
    }

    /// Meta's values (columns), in order, `None` (not given) last.
    pub fn columns(&self) -> Vec<Option<T>> {
        let mut v: Vec<Option<T>> = self.cells.keys().map(|(_, m)| *m).collect();
        v.sort_by(|a, b| match (a, b) {
            (None, None) => std::cmp::Ordering::Equal,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (Some(_), None) => std::cmp::Ordering::Less,
            (Some(x), Some(y)) => x.cmp(y),
        });
        v.dedup();
        v
    }

    /// Messages in a cell.
    pub fn get(&self, ours: T, meta: Option<T>) -> u64 {
        self.cells.get(&(ours, meta)).copied().unwrap_or(0)
    }

    /// Messages where both gave a value and the values are equal.
    pub fn diagonal(&self) -> u64 {
        self.cells
            .iter()
            .filter(|((o, m), _)| Some(*o) == *m)
            .map(|(_, n)| n)
            .sum()
    }

    /// Messages where Meta gave a value.
    pub fn given(&self) -> u64 {
        self.cells
            .iter()
            .filter(|((_, m), _)| m.is_some())
            .map(|(_, n)| n)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(t: Option<PricingType>, c: Option<Category>, b: Option<bool>) -> MetaVerdict {
        MetaVerdict::of(&Verdict {
            pricing_model: Some(PricingModel::Pmp),
            pricing_type: t,
            subtype: None,
            category: c,
            billable: b,
        })
    }

    fn ours(t: PricingType, c: Category) -> OurVerdict {
        OurVerdict {
            pricing_model: PricingModel::Pmp,
            pricing_type: t,
            category: c,
            billable: t == PricingType::Regular,
            in_conversation: false,
            subtype: None,
        }
    }

    #[test]
    fn missing_billable_is_derived_from_the_type() {
        let m = meta(
            Some(PricingType::FreeCustomerService),
            Some(Category::Utility),
            None,
        );
        assert_eq!(m.billable, Some(false));
        assert!(m.billable_derived);
        assert_eq!(
            m.spelled(),
            "PMP, free_customer_service, utility, not billable (billable not given: derived \
             from the type)"
        );
        let o = ours(PricingType::FreeCustomerService, Category::Utility);
        assert!(differences(&o, &m).is_empty());
        let o = ours(PricingType::Regular, Category::Utility);
        assert_eq!(
            differences(&o, &m),
            vec![Field::PricingType, Field::Billable]
        );
    }

    #[test]
    fn fields_meta_leaves_out_are_not_compared() {
        let m = meta(None, Some(Category::Marketing), None);
        assert_eq!(m.billable, None);
        let o = ours(PricingType::InConversation, Category::Marketing);
        assert!(differences(&o, &m).is_empty());
        assert_eq!(
            m.spelled(),
            "PMP, type not given, marketing, billable not given"
        );
        let o = ours(PricingType::Regular, Category::Utility);
        assert_eq!(differences(&o, &m), vec![Field::Category]);
        let given = meta(None, None, Some(true));
        assert!(!given.billable_derived);
        assert!(
            MetaVerdict::of(&Verdict {
                pricing_model: None,
                pricing_type: None,
                subtype: None,
                category: None,
                billable: None
            })
            .is_empty()
        );
    }

    #[test]
    fn matrices_count_cells() {
        let mut m = Matrix::default();
        m.add(PricingType::Regular, Some(PricingType::Regular));
        m.add(PricingType::Regular, Some(PricingType::Regular));
        m.add(
            PricingType::FreeEntryPoint,
            Some(PricingType::FreeCustomerService),
        );
        m.add(PricingType::FreeEntryPoint, None);
        assert_eq!(m.get(PricingType::Regular, Some(PricingType::Regular)), 2);
        assert_eq!(m.diagonal(), 2);
        assert_eq!(m.given(), 3);
        assert_eq!(
            m.rows(),
            vec![PricingType::Regular, PricingType::FreeEntryPoint]
        );
        assert_eq!(
            m.columns(),
            vec![
                Some(PricingType::Regular),
                Some(PricingType::FreeCustomerService),
                None
            ]
        );
    }
}
