//! The pricing decision for one outbound message: given the regime in force and the windows
//! open for this contact, is the message charged, at which category's rate, and why?
//!
//! Both `classify` (which tracks the windows over a log) and `quote` (where the user states
//! them) call [`decide`], so a quoted price and a replayed price never disagree.

use std::fmt;

use chrono::NaiveDate;

use super::category::{Category, PricingModel, PricingType};
use super::regime::{Regime, Treatment};
use crate::event::MessageKind;

/// The windows open for this contact when the message goes out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Situation {
    /// The user wrote within the customer service window (24 h).
    pub in_service_window: bool,
    /// A free entry point window (72 h) is open.
    pub in_free_entry_point: bool,
    /// CBP: a conversation of the message's own category is open.
    pub conversation_open_same: bool,
    /// CBP: a conversation of any category is open.
    pub conversation_open_any: bool,
    /// The message was delivered (or read).
    pub delivered: bool,
    /// The business is an exempt government or non-profit and the regime's service
    /// exemption is in force on the day: service messages are free beyond the allowance.
    pub service_exempt: bool,
}

/// The rule that decided a price, with the date it has applied since.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rule {
    /// Which rule.
    pub kind: RuleKind,
    /// The category it concerns.
    pub category: Category,
    /// Since when it applies (the regime's start).
    pub since: NaiveDate,
}

/// The rules that can decide a price.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RuleKind {
    /// Never delivered: Meta charges only delivered messages.
    NotDelivered,
    /// A free-form message with no open customer service window: Meta rejects it.
    FreeFormOutsideWindow,
    /// Inside a free entry point window: everything is free.
    FreeEntryPoint,
    /// CBP: the message opens a conversation of its category, charged per conversation.
    ConversationOpened,
    /// CBP: the message opens a free service conversation.
    ServiceConversationFree,
    /// CBP: a conversation that covers the message is already open.
    InConversation,
    /// PMP: a delivered template, charged.
    TemplateCharged,
    /// PMP: utility template inside the customer service window, free.
    UtilityInWindowFree,
    /// PMP: utility template inside the customer service window, charged.
    UtilityInWindowCharged,
    /// PMP: free-form message inside the customer service window, free.
    ServiceFree,
    /// PMP: free-form message inside the customer service window, charged.
    ServiceCharged,
    /// PMP: a service message of an exempt government or non-profit: free beyond the
    /// monthly free tier (Meta's `paid_exempt`).
    ServiceExempt,
    /// A reaction: always free.
    Reaction,
    /// A Meta Business Agent reply: charged per token.
    BusinessAgent,
    /// A Meta Business Agent reply outside the customer service window: not delivered.
    BusinessAgentOutsideWindow,
    /// A message to a group, charged per delivered recipient.
    GroupCharged,
    /// A message to a group inside the group's customer service window, free.
    GroupFree,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.category;
        let since = self.since;
        match self.kind {
            RuleKind::NotDelivered => {
                write!(f, "not delivered: Meta charges only delivered messages")
            }
            RuleKind::FreeFormOutsideWindow => write!(
                f,
                "free-form message outside the customer service window: Meta rejects it \
                 (error 131047), not charged"
            ),
            RuleKind::FreeEntryPoint => write!(
                f,
                "inside a free entry point window (72 h after answering an ad or Page-button \
                 message): free"
            ),
            RuleKind::ConversationOpened => write!(
                f,
                "{c} message opens a 24 h {c} conversation: charged per conversation \
                 (conversation-based pricing since {since})"
            ),
            RuleKind::ServiceConversationFree => write!(
                f,
                "reply inside the customer service window opens a service conversation: free \
                 (since {since})"
            ),
            RuleKind::InConversation => write!(
                f,
                "inside an open conversation: free (the conversation was charged when it opened)"
            ),
            RuleKind::TemplateCharged => write!(
                f,
                "delivered {c} template: charged per message (per-message pricing since {since})"
            ),
            RuleKind::UtilityInWindowFree => write!(
                f,
                "utility template inside an open customer service window: free (since {since})"
            ),
            RuleKind::UtilityInWindowCharged => write!(
                f,
                "utility template inside an open customer service window: charged at the \
                 utility rate (since {since})"
            ),
            RuleKind::ServiceFree => write!(
                f,
                "free-form message inside the customer service window: free (since {since})"
            ),
            RuleKind::ServiceCharged => write!(
                f,
                "free-form message inside the customer service window: charged at the service \
                 rate (since {since})"
            ),
            RuleKind::ServiceExempt => write!(
                f,
                "{c} message of an exempt government or non-profit: free beyond the monthly \
                 free tier (Meta's paid_exempt, since {since})"
            ),
            RuleKind::Reaction => write!(
                f,
                "reaction: always free, and not counted against the monthly free tier"
            ),
            RuleKind::BusinessAgent => write!(
                f,
                "Meta Business Agent reply: charged per token, prompt and response together, \
                 never free in a window (since {since})"
            ),
            RuleKind::BusinessAgentOutsideWindow => write!(
                f,
                "Meta Business Agent reply outside the customer service window: the agent \
                 replies only inside it, so it is not delivered and not charged"
            ),
            RuleKind::GroupCharged => write!(
                f,
                "{c} message: charged per delivered recipient at the {} rate of the \
                 recipient's market (since {since})",
                c.base()
            ),
            RuleKind::GroupFree => write!(
                f,
                "{c} message inside the group's customer service window: free (since {since})"
            ),
        }
    }
}

/// What [`decide`] concluded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Meta's pricing type.
    pub pricing_type: PricingType,
    /// The pricing category (before authentication-international is considered).
    pub category: Category,
    /// Whether the list rate of `category` is charged.
    pub charged: bool,
    /// CBP: the conversation this message opens, if any.
    pub opens_conversation: Option<Category>,
    /// Whether Meta would reject the message (free-form outside any window).
    pub rejected: bool,
    /// An exempt service message: free, though `regular` (Meta's `paid_exempt`).
    pub exempt: bool,
    /// The rule that decided.
    pub rule: Rule,
}

/// Decides how one outbound message is priced.
///
/// ```
/// use chrono::NaiveDate;
/// use wacost_core::event::MessageKind;
/// use wacost_core::pricing::category::{Category, PricingModel, PricingType};
/// use wacost_core::pricing::regime::{Regime, Treatment};
/// use wacost_core::pricing::rules::{decide, Situation};
/// let from = NaiveDate::from_ymd_opt(2025, 7, 1).unwrap();
/// let pmp = Regime {
///     utility_in_service_window: Treatment::Free,
///     ..Regime::new("PMP", from, PricingModel::Pmp, Treatment::Free)
/// };
/// let in_window = Situation { in_service_window: true, delivered: true, ..Default::default() };
/// let d = decide(&pmp, MessageKind::Template(Category::Utility), in_window);
/// assert_eq!(d.pricing_type, PricingType::FreeCustomerService);
/// assert!(!d.charged);
/// assert_eq!(
///     d.rule.to_string(),
///     "utility template inside an open customer service window: free (since 2025-07-01)"
/// );
/// ```
pub fn decide(regime: &Regime, sent: MessageKind, s: Situation) -> Decision {
    // Before Meta billed its Business Agent (2026-08-01), the agent's reply is a free-form
    // message like any other.
    let sent = match sent {
        MessageKind::BusinessAgent if regime.business_agent.is_none() => MessageKind::FreeForm,
        k => k,
    };
    // Meta (Groups API): a window opened by any participant covers the whole group; the log
    // does not say which group a message went to, so a group's window is assumed open (Meta
    // delivers free-form messages to a group only inside it), and free entry points are
    // one-to-one.
    let s = if sent.is_group() {
        Situation {
            in_service_window: true,
            in_free_entry_point: false,
            ..s
        }
    } else {
        s
    };
    let category = sent.category();
    let rule = |kind| Rule {
        kind,
        category,
        since: regime.from,
    };
    let make = |pricing_type, charged, opens, kind| Decision {
        pricing_type,
        category,
        charged,
        opens_conversation: opens,
        rejected: false,
        exempt: false,
        rule: rule(kind),
    };
    let rejected = |kind| Decision {
        rejected: true,
        ..make(PricingType::NotDelivered, false, None, kind)
    };
    if sent == MessageKind::BusinessAgent {
        // Meta: the agent's replies are non-template messages, sent only inside an open
        // customer service window; one charge per reply, never free in a customer service
        // or free entry point window.
        if !s.in_service_window {
            return rejected(RuleKind::BusinessAgentOutsideWindow);
        }
        if !s.delivered {
            return make(
                PricingType::NotDelivered,
                false,
                None,
                RuleKind::NotDelivered,
            );
        }
        return make(PricingType::Regular, true, None, RuleKind::BusinessAgent);
    }
    // Meta: free-form messages are only deliverable inside the customer service window (or
    // a free entry point window); outside, they fail with 131047 and are not billed.
    if sent.is_non_template() && !s.in_service_window && !s.in_free_entry_point {
        return rejected(RuleKind::FreeFormOutsideWindow);
    }
    if !s.delivered {
        return make(
            PricingType::NotDelivered,
            false,
            None,
            RuleKind::NotDelivered,
        );
    }
    if sent == MessageKind::Reaction {
        // Meta: reactions are always free and do not count toward the free tier.
        return make(
            PricingType::FreeCustomerService,
            false,
            None,
            RuleKind::Reaction,
        );
    }
    if s.in_free_entry_point {
        return make(
            PricingType::FreeEntryPoint,
            false,
            None,
            RuleKind::FreeEntryPoint,
        );
    }
    let decision = match regime.model {
        PricingModel::Cbp => decide_cbp(regime, sent, s, make),
        PricingModel::Pmp => decide_pmp(regime, sent, s, make),
    };
    if sent.is_group() {
        let kind = if decision.charged || decision.exempt {
            RuleKind::GroupCharged
        } else {
            RuleKind::GroupFree
        };
        return Decision {
            rule: rule(if decision.exempt {
                RuleKind::ServiceExempt
            } else {
                kind
            }),
            ..decision
        };
    }
    decision
}

fn decide_cbp(
    regime: &Regime,
    sent: MessageKind,
    s: Situation,
    make: impl Fn(PricingType, bool, Option<Category>, RuleKind) -> Decision,
) -> Decision {
    let category = sent.category();
    match sent {
        // Meta (CBP): a free-form message inside an open conversation of any category opens
        // nothing.
        k if k.is_non_template() && s.conversation_open_any => make(
            PricingType::InConversation,
            false,
            None,
            RuleKind::InConversation,
        ),
        k if k.is_non_template() => match regime.service {
            Treatment::Charged => make(
                PricingType::Regular,
                true,
                Some(category),
                RuleKind::ConversationOpened,
            ),
            Treatment::Free => make(
                PricingType::FreeCustomerService,
                false,
                Some(category),
                RuleKind::ServiceConversationFree,
            ),
        },
        // Meta (CBP): a template opens a conversation of its category unless one is open;
        // several categories can be open at once.
        _ if s.conversation_open_same => make(
            PricingType::InConversation,
            false,
            None,
            RuleKind::InConversation,
        ),
        _ => make(
            PricingType::Regular,
            true,
            Some(category),
            RuleKind::ConversationOpened,
        ),
    }
}

fn decide_pmp(
    regime: &Regime,
    sent: MessageKind,
    s: Situation,
    make: impl Fn(PricingType, bool, Option<Category>, RuleKind) -> Decision,
) -> Decision {
    if sent.is_non_template() {
        return match regime.service {
            Treatment::Free => make(
                PricingType::FreeCustomerService,
                false,
                None,
                RuleKind::ServiceFree,
            ),
            // Meta, 2026-10-01 to 2027-12-31: eligible governments and non-profits keep
            // service free beyond the free tier (`regular`, subtype `paid_exempt`).
            Treatment::Charged if s.service_exempt => Decision {
                exempt: true,
                ..make(PricingType::Regular, false, None, RuleKind::ServiceExempt)
            },
            Treatment::Charged => make(PricingType::Regular, true, None, RuleKind::ServiceCharged),
        };
    }
    match sent.template_category() {
        Some(Category::Utility) if s.in_service_window => match regime.utility_in_service_window {
            Treatment::Free => make(
                PricingType::FreeCustomerService,
                false,
                None,
                RuleKind::UtilityInWindowFree,
            ),
            Treatment::Charged => make(
                PricingType::Regular,
                true,
                None,
                RuleKind::UtilityInWindowCharged,
            ),
        },
        _ => make(PricingType::Regular, true, None, RuleKind::TemplateCharged),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regime(model: PricingModel, service: Treatment, utility: Treatment) -> Regime {
        let from = NaiveDate::from_ymd_opt(2025, 7, 1).unwrap();
        Regime {
            utility_in_service_window: utility,
            ..Regime::new("t", from, model, service)
        }
    }

    fn delivered() -> Situation {
        Situation {
            delivered: true,
            ..Default::default()
        }
    }

    #[test]
    fn pmp_before_and_after_2026_10() {
        let before = regime(PricingModel::Pmp, Treatment::Free, Treatment::Free);
        let after = regime(PricingModel::Pmp, Treatment::Charged, Treatment::Charged);
        let csw = Situation {
            in_service_window: true,
            ..delivered()
        };
        let util = MessageKind::Template(Category::Utility);
        assert!(!decide(&before, util, csw).charged);
        assert!(decide(&after, util, csw).charged);
        assert!(decide(&before, util, delivered()).charged);
        assert!(!decide(&before, MessageKind::FreeForm, csw).charged);
        let d = decide(&after, MessageKind::FreeForm, csw);
        assert!(d.charged);
        assert_eq!(d.category, Category::Service);
        let mkt = MessageKind::Template(Category::Marketing);
        assert!(
            decide(&before, mkt, csw).charged,
            "marketing is charged in the window"
        );
    }

    #[test]
    fn free_entry_point_frees_templates_but_not_failures() {
        let pmp = regime(PricingModel::Pmp, Treatment::Free, Treatment::Free);
        let fep = Situation {
            in_free_entry_point: true,
            ..delivered()
        };
        let d = decide(&pmp, MessageKind::Template(Category::Marketing), fep);
        assert_eq!(d.pricing_type, PricingType::FreeEntryPoint);
        let failed = Situation {
            delivered: false,
            ..fep
        };
        assert_eq!(
            decide(&pmp, MessageKind::Template(Category::Marketing), failed).pricing_type,
            PricingType::NotDelivered
        );
    }

    #[test]
    fn free_form_outside_windows_is_rejected() {
        let pmp = regime(PricingModel::Pmp, Treatment::Charged, Treatment::Charged);
        let d = decide(&pmp, MessageKind::FreeForm, delivered());
        assert!(d.rejected);
        assert!(!d.charged);
        assert_eq!(d.pricing_type, PricingType::NotDelivered);
    }

    #[test]
    fn cbp_conversations() {
        let cbp = regime(PricingModel::Cbp, Treatment::Charged, Treatment::Charged);
        let csw = Situation {
            in_service_window: true,
            ..delivered()
        };
        let d = decide(&cbp, MessageKind::FreeForm, csw);
        assert_eq!(d.opens_conversation, Some(Category::Service));
        assert!(d.charged);
        let open = Situation {
            conversation_open_any: true,
            ..csw
        };
        assert_eq!(
            decide(&cbp, MessageKind::FreeForm, open).pricing_type,
            PricingType::InConversation
        );
        // A marketing template inside an open service conversation opens a marketing one.
        let d = decide(&cbp, MessageKind::Template(Category::Marketing), open);
        assert_eq!(d.opens_conversation, Some(Category::Marketing));
        let same = Situation {
            conversation_open_same: true,
            ..open
        };
        assert!(!decide(&cbp, MessageKind::Template(Category::Marketing), same).charged);
    }
}
