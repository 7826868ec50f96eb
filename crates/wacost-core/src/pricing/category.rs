//! The vocabulary of Meta's pricing: categories, pricing types, pricing models and the
//! provenance of a rate.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A pricing category, as Meta names it in rate cards, webhooks and analytics.
///
/// Templates are `marketing`, `utility` or `authentication`; `authentication_international`
/// is the rate some authentication templates are charged at; `service` is a free-form
/// (non-template) message or, under conversation-based pricing, a user-initiated conversation.
/// Those five are the columns of a rate card ([`Category::CARD`]).
///
/// Meta's status webhooks name messages to a group `group_marketing`, `group_utility` and
/// `group_service` (from 2026-10-01): each delivered recipient is charged at the rate of the
/// base category in the recipient's market ([`Category::base`]). `business_agent` is a reply
/// written by Meta's Business Agent, charged per token at one global rate (from 2026-08-01),
/// not from a card.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Marketing templates (and Marketing Messages Lite, priced the same).
    Marketing,
    /// Utility templates.
    Utility,
    /// Authentication templates.
    Authentication,
    /// Authentication templates at the authentication-international rate.
    AuthenticationInternational,
    /// Free-form messages; user-initiated conversations under CBP.
    Service,
    /// A marketing template sent to a group, one charge per delivered recipient.
    GroupMarketing,
    /// A utility template sent to a group, one charge per delivered recipient.
    GroupUtility,
    /// A free-form message sent to a group, one charge per delivered recipient.
    GroupService,
    /// A reply written by Meta's Business Agent, charged per token.
    BusinessAgent,
}

impl Category {
    /// Every category: the card's columns, then the group categories and the Business Agent.
    pub const ALL: [Category; 9] = [
        Category::Marketing,
        Category::Utility,
        Category::Authentication,
        Category::AuthenticationInternational,
        Category::Service,
        Category::GroupMarketing,
        Category::GroupUtility,
        Category::GroupService,
        Category::BusinessAgent,
    ];

    /// The categories a rate card has a column for, in column order.
    pub const CARD: [Category; 5] = [
        Category::Marketing,
        Category::Utility,
        Category::Authentication,
        Category::AuthenticationInternational,
        Category::Service,
    ];

    /// Column index on a rate card (see [`Category::is_card`]: the other categories have
    /// none, and a card has no cell for them).
    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether a rate card has a column for this category.
    pub fn is_card(self) -> bool {
        self.index() < Category::CARD.len()
    }

    /// The card column whose rate this category is charged at: a group category's base
    /// (Meta: each delivered recipient at "the going rate" of the category in the recipient's
    /// market), the category itself otherwise.
    pub fn base(self) -> Category {
        match self {
            Category::GroupMarketing => Category::Marketing,
            Category::GroupUtility => Category::Utility,
            Category::GroupService => Category::Service,
            c => c,
        }
    }

    /// The group form of a card category, where Meta has one (marketing, utility, service).
    pub fn group(self) -> Option<Category> {
        match self {
            Category::Marketing | Category::GroupMarketing => Some(Category::GroupMarketing),
            Category::Utility | Category::GroupUtility => Some(Category::GroupUtility),
            Category::Service | Category::GroupService => Some(Category::GroupService),
            _ => None,
        }
    }

    /// Whether this is a category of messages sent to a group.
    pub fn is_group(self) -> bool {
        matches!(
            self,
            Category::GroupMarketing | Category::GroupUtility | Category::GroupService
        )
    }

    /// The snake_case name Meta uses in webhooks.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Marketing => "marketing",
            Category::Utility => "utility",
            Category::Authentication => "authentication",
            Category::AuthenticationInternational => "authentication_international",
            Category::Service => "service",
            Category::GroupMarketing => "group_marketing",
            Category::GroupUtility => "group_utility",
            Category::GroupService => "group_service",
            Category::BusinessAgent => "business_agent",
        }
    }

    /// Parses the names Meta and BSPs use, in any case: `marketing`, `marketing_lite` (and
    /// the analytics' `MARKETING_LITE_DYNAMIC`, a Marketing Messages API message priced by
    /// its max price), `utility`, `authentication`, `authentication_international` or
    /// `authentication-international`, `service`, `group_marketing` (and
    /// `group_marketing_lite`), `group_utility`, `group_service`, `business_agent` (and the
    /// analytics' `AI_BOT`, reported by a BSP). (The CBP-era `user_initiated`,
    /// `business_initiated` and `referral_conversion` are not categories of a template and are
    /// handled by the webhook reader.)
    pub fn parse(s: &str) -> Option<Category> {
        let t = s.trim();
        let eq = |name: &str| t.eq_ignore_ascii_case(name);
        if eq("marketing")
            || eq("marketing_lite")
            || eq("marketing-lite")
            || eq("marketing_lite_dynamic")
        {
            Some(Category::Marketing)
        } else if eq("utility") {
            Some(Category::Utility)
        } else if eq("authentication") || eq("auth") {
            Some(Category::Authentication)
        } else if eq("authentication_international")
            || eq("authentication-international")
            || eq("authentication international")
        {
            Some(Category::AuthenticationInternational)
        } else if eq("service") {
            Some(Category::Service)
        } else if eq("group_marketing") || eq("group_marketing_lite") {
            Some(Category::GroupMarketing)
        } else if eq("group_utility") {
            Some(Category::GroupUtility)
        } else if eq("group_service") {
            Some(Category::GroupService)
        } else if eq("business_agent") || eq("ai_bot") {
            Some(Category::BusinessAgent)
        } else {
            None
        }
    }
}

impl FromStr for Category {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Category::parse(s).ok_or_else(|| {
            format!(
                "unknown category {s:?}: expected marketing, utility, authentication, \
                 authentication_international, service, group_marketing, group_utility, \
                 group_service or business_agent"
            )
        })
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a message was priced: Meta's `pricing.type`, plus `in_conversation` (a message inside
/// an already charged CBP conversation) and `not_delivered` (never delivered, never charged).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PricingType {
    /// Charged at the list rate (possibly reduced later by a volume tier).
    Regular,
    /// Free inside the customer service window.
    FreeCustomerService,
    /// Free inside a free entry point window.
    FreeEntryPoint,
    /// Free because a monthly free allowance covered it.
    FreeTier,
    /// Free because a conversation of its category was already open (CBP).
    InConversation,
    /// Not delivered (failed, or sent and never delivered): Meta does not charge it.
    NotDelivered,
    /// A group message's free delivery: Meta's `free_group_customer_service`, from
    /// 2026-10-01 a group service delivery within the monthly free tier.
    FreeGroupCustomerService,
}

impl PricingType {
    /// Every pricing type.
    pub const ALL: [PricingType; 7] = [
        PricingType::Regular,
        PricingType::FreeCustomerService,
        PricingType::FreeEntryPoint,
        PricingType::FreeTier,
        PricingType::InConversation,
        PricingType::NotDelivered,
        PricingType::FreeGroupCustomerService,
    ];

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            PricingType::Regular => "regular",
            PricingType::FreeCustomerService => "free_customer_service",
            PricingType::FreeEntryPoint => "free_entry_point",
            PricingType::FreeTier => "free_tier",
            PricingType::InConversation => "in_conversation",
            PricingType::NotDelivered => "not_delivered",
            PricingType::FreeGroupCustomerService => "free_group_customer_service",
        }
    }

    /// Parses Meta's names in any case (`REGULAR`, `free_customer_service`, …).
    pub fn parse(s: &str) -> Option<PricingType> {
        PricingType::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

impl fmt::Display for PricingType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Meta's `pricing.subtype` in status webhooks (from about 2026-10-12).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PricingSubtype {
    /// A service message of an eligible government or non-profit, free beyond the monthly
    /// free tier from 2026-10-01 to 2027-12-31.
    PaidExempt,
}

impl PricingSubtype {
    /// The snake_case name Meta writes.
    pub fn as_str(self) -> &'static str {
        match self {
            PricingSubtype::PaidExempt => "paid_exempt",
        }
    }

    /// Parses Meta's names in any case; `None` for a subtype wacost does not know.
    pub fn parse(s: &str) -> Option<PricingSubtype> {
        s.trim()
            .eq_ignore_ascii_case("paid_exempt")
            .then_some(PricingSubtype::PaidExempt)
    }
}

impl fmt::Display for PricingSubtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Meta's pricing model: conversation-based (2023-06-01 to 2025-06-30) or per-message (from
/// 2025-07-01).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
pub enum PricingModel {
    /// Conversation-based pricing: 24 h conversations per category.
    #[serde(rename = "CBP")]
    Cbp,
    /// Per-message pricing: each delivered template is charged.
    #[serde(rename = "PMP")]
    Pmp,
}

impl PricingModel {
    /// `CBP` or `PMP`, as in webhooks.
    pub fn as_str(self) -> &'static str {
        match self {
            PricingModel::Cbp => "CBP",
            PricingModel::Pmp => "PMP",
        }
    }

    /// Parses `CBP`/`PMP` (any case) or `conversation`/`message`.
    pub fn parse(s: &str) -> Option<PricingModel> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("cbp") || t.eq_ignore_ascii_case("conversation") {
            Some(PricingModel::Cbp)
        } else if t.eq_ignore_ascii_case("pmp") || t.eq_ignore_ascii_case("message") {
            Some(PricingModel::Pmp)
        } else {
            None
        }
    }
}

impl fmt::Display for PricingModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How sure we are of a rate cell.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provenance {
    /// Read from a copy of Meta's card or a published observation.
    Published,
    /// Computed from published figures by a stated rule (carried forward, converted at a
    /// card's fixed ratio).
    Derived,
    /// Our estimate where the true value is not known.
    Estimated,
}

impl Provenance {
    /// `published`, `derived` or `estimated`.
    pub fn as_str(self) -> &'static str {
        match self {
            Provenance::Published => "published",
            Provenance::Derived => "derived",
            Provenance::Estimated => "estimated",
        }
    }

    /// Parses the name, any case.
    pub fn parse(s: &str) -> Option<Provenance> {
        [
            Provenance::Published,
            Provenance::Derived,
            Provenance::Estimated,
        ]
        .into_iter()
        .find(|p| p.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

impl fmt::Display for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_of_authentication_international() {
        assert_eq!(
            Category::parse("authentication-international"),
            Some(Category::AuthenticationInternational)
        );
        assert_eq!(
            Category::parse("AUTHENTICATION_INTERNATIONAL"),
            Some(Category::AuthenticationInternational)
        );
        assert_eq!(Category::parse("marketing_lite"), Some(Category::Marketing));
        assert_eq!(Category::parse("user_initiated"), None);
        assert_eq!(
            Category::parse("GROUP_MARKETING_LITE"),
            Some(Category::GroupMarketing)
        );
        assert_eq!(Category::parse("AI_BOT"), Some(Category::BusinessAgent));
        assert_eq!(Category::GroupService.base(), Category::Service);
        assert!(!Category::BusinessAgent.is_card());
        assert_eq!(Category::Utility.group(), Some(Category::GroupUtility));
        assert_eq!(Category::Authentication.group(), None);
    }

    #[test]
    fn names_round_trip() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(c));
        }
        for t in PricingType::ALL {
            assert_eq!(PricingType::parse(&t.as_str().to_uppercase()), Some(t));
        }
    }
}
