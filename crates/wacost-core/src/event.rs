//! The one data model every reader and the simulator produce: an [`Event`] is one message in
//! or out, in UTC. Nothing downstream knows where events came from.

use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::{Mutex, OnceLock};

use crate::pricing::category::{Category, PricingModel, PricingSubtype, PricingType};
use crate::pricing::phone::ContactNumber;

/// Who wrote: the user (inbound) or the business (outbound).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From the user to the business.
    Inbound,
    /// From the business to the user.
    Outbound,
}

impl Direction {
    /// Parses `inbound`/`outbound` (and `in`/`out`, any case).
    pub fn parse(s: &[u8]) -> Option<Direction> {
        match s {
            b"inbound" => return Some(Direction::Inbound),
            b"outbound" => return Some(Direction::Outbound),
            _ => {}
        }
        let t = s.trim_ascii();
        if t.eq_ignore_ascii_case(b"inbound") || t.eq_ignore_ascii_case(b"in") {
            Some(Direction::Inbound)
        } else if t.eq_ignore_ascii_case(b"outbound") || t.eq_ignore_ascii_case(b"out") {
            Some(Direction::Outbound)
        } else {
            None
        }
    }

    /// `inbound` or `outbound`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }
}

/// A message's delivery status. Order matters: a later status in this order supersedes an
/// earlier one (`read` implies delivered).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// Failed: never delivered, never charged by Meta.
    Failed,
    /// Accepted by WhatsApp, not (yet) known to be delivered.
    Sent,
    /// Delivered to the phone.
    Delivered,
    /// Read (implies delivered).
    Read,
}

impl Status {
    /// Parses `sent`, `delivered`, `read`, `failed` (also Twilio's `undelivered`, `queued`,
    /// `accepted`, `sending`, `received`), any case.
    pub fn parse(s: &[u8]) -> Option<Status> {
        match s {
            b"delivered" => return Some(Status::Delivered),
            b"read" => return Some(Status::Read),
            b"sent" => return Some(Status::Sent),
            b"failed" => return Some(Status::Failed),
            _ => {}
        }
        let t = s.trim_ascii();
        let eq = |w: &[u8]| t.eq_ignore_ascii_case(w);
        if eq(b"delivered") || eq(b"received") {
            Some(Status::Delivered)
        } else if eq(b"read") {
            Some(Status::Read)
        } else if eq(b"sent") || eq(b"queued") || eq(b"accepted") || eq(b"sending") {
            Some(Status::Sent)
        } else if eq(b"failed") || eq(b"undelivered") || eq(b"rejected") {
            Some(Status::Failed)
        } else {
            None
        }
    }

    /// Whether Meta counts the message as delivered.
    pub fn delivered(self) -> bool {
        matches!(self, Status::Delivered | Status::Read)
    }

    /// Whether no later status can change what the message costs.
    pub fn is_final(self) -> bool {
        self != Status::Sent
    }

    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Failed => "failed",
            Status::Sent => "sent",
            Status::Delivered => "delivered",
            Status::Read => "read",
        }
    }

    /// The status a message ends with when two rows report on it: delivery wins over a
    /// failure report (a delivered message cannot fail afterwards), and a failure over
    /// `sent` (Meta reports `sent`, then `failed` when delivery fails: the failure is final).
    pub fn merge(self, other: Status) -> Status {
        match (self, other) {
            (Status::Sent, Status::Failed) | (Status::Failed, Status::Sent) => Status::Failed,
            _ => self.max(other),
        }
    }
}

/// What the business sent: a template of a category, a free-form message, a reaction, a
/// reply of Meta's Business Agent, or a template or free-form message to a group. The
/// pricing rules decide on it ([`crate::pricing::rules::decide`]) and each charge line keeps
/// it.
///
/// A free-form reply and a Business Agent reply differ only in their kind (and the agent's
/// tokens, [`Details::tokens`]): "what if this reply had been the Business Agent's" is
/// [`Event::as_business_agent`], and the reverse [`Event::as_free_form`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// A template of a category (marketing, utility, authentication).
    Template(Category),
    /// A free-form (non-template) message.
    FreeForm,
    /// A reaction (an emoji on a user's message). Meta: always free, and not counted
    /// against the monthly free tier.
    Reaction,
    /// A reply written by Meta's Business Agent: billed per token from 2026-08-01, never
    /// free in a window, deliverable only inside an open customer service window.
    BusinessAgent,
    /// A template of a category (marketing or utility) sent to a group: one row per
    /// delivered recipient.
    GroupTemplate(Category),
    /// A free-form message sent to a group: one row per delivered recipient.
    GroupFreeForm,
}

impl MessageKind {
    /// What is sent to be priced in `category`: a template of it, or a free-form message for
    /// service, the group forms for the group categories, a Business Agent reply for
    /// `business_agent`. Authentication-international is not a kind of template: it is an
    /// authentication template that Meta charges at another rate.
    pub fn for_category(category: Category) -> MessageKind {
        match category {
            Category::Service => MessageKind::FreeForm,
            Category::AuthenticationInternational => {
                MessageKind::Template(Category::Authentication)
            }
            Category::GroupMarketing => MessageKind::GroupTemplate(Category::Marketing),
            Category::GroupUtility => MessageKind::GroupTemplate(Category::Utility),
            Category::GroupService => MessageKind::GroupFreeForm,
            Category::BusinessAgent => MessageKind::BusinessAgent,
            c => MessageKind::Template(c),
        }
    }

    /// The category the message is priced in before any window makes it free: the
    /// template's, service for a free-form message or a reaction, the group category for a
    /// message to a group, `business_agent` for the agent's replies.
    pub fn category(self) -> Category {
        match self {
            MessageKind::Template(c) => c,
            MessageKind::FreeForm | MessageKind::Reaction => Category::Service,
            MessageKind::BusinessAgent => Category::BusinessAgent,
            MessageKind::GroupTemplate(c) => c.group().unwrap_or(c),
            MessageKind::GroupFreeForm => Category::GroupService,
        }
    }

    /// The template's category (for a group template, the category of the template itself:
    /// marketing or utility); none for a message that is not a template.
    pub fn template_category(self) -> Option<Category> {
        match self {
            MessageKind::Template(c) | MessageKind::GroupTemplate(c) => Some(c),
            _ => None,
        }
    }

    /// The canonical CSV's `category` for this kind: the template's, or `group_service` for
    /// a free-form message to a group; none otherwise.
    pub fn log_category(self) -> Option<Category> {
        match self {
            MessageKind::Template(c) => Some(c),
            MessageKind::GroupTemplate(_) | MessageKind::GroupFreeForm => Some(self.category()),
            _ => None,
        }
    }

    /// Whether it is not a template (free-form, a reaction, a Business Agent reply, a
    /// free-form message to a group): Meta delivers those only inside an open window.
    pub fn is_non_template(self) -> bool {
        self.template_category().is_none()
    }

    /// Whether it went to a group.
    pub fn is_group(self) -> bool {
        matches!(
            self,
            MessageKind::GroupTemplate(_) | MessageKind::GroupFreeForm
        )
    }

    /// `template`, `free_form`, `reaction` or `business_agent`, as the canonical CSV's
    /// `message_type` writes it (group messages are `template` or `free_form` with a group
    /// category).
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Template(_) | MessageKind::GroupTemplate(_) => "template",
            MessageKind::FreeForm | MessageKind::GroupFreeForm => "free_form",
            MessageKind::Reaction => "reaction",
            MessageKind::BusinessAgent => "business_agent",
        }
    }
}

/// A template's name, interned process-wide like [`BusinessId`] so that an event stays a
/// small `Copy` value: what a Marketing Messages API max price is looked up by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TemplateId(pub u32);

fn template_names() -> &'static Mutex<(HashMap<String, u32>, Vec<String>)> {
    static I: OnceLock<Mutex<(HashMap<String, u32>, Vec<String>)>> = OnceLock::new();
    I.get_or_init(|| Mutex::new((HashMap::new(), Vec::new())))
}

impl TemplateId {
    /// The id of a template name (surrounding spaces trimmed; names are case-sensitive, as
    /// Meta's are).
    pub fn intern(name: &str) -> TemplateId {
        let key = name.trim();
        let mut guard = template_names().lock().unwrap_or_else(|p| p.into_inner());
        let (map, names) = &mut *guard;
        if let Some(id) = map.get(key) {
            return TemplateId(*id);
        }
        let id = names.len() as u32;
        names.push(key.to_string());
        map.insert(key.to_string(), id);
        TemplateId(id)
    }

    /// The id of a name already interned, without adding it.
    pub fn get(name: &str) -> Option<TemplateId> {
        let guard = template_names().lock().unwrap_or_else(|p| p.into_inner());
        guard.0.get(name.trim()).map(|id| TemplateId(*id))
    }

    /// The template's name.
    pub fn name(self) -> String {
        let guard = template_names().lock().unwrap_or_else(|p| p.into_inner());
        guard.1.get(self.0 as usize).cloned().unwrap_or_default()
    }
}

/// What some logs say about a message beyond its kind, each compact (the event is on the
/// hot path): the tokens of a Business Agent reply, the template's name (for a max price),
/// the end of a free entry point window Meta reported, and whether automation sent it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Details {
    /// A Business Agent reply's tokens, prompt and response together, when the log says.
    pub tokens: Option<u32>,
    /// The template's name, when the log says.
    pub template: Option<TemplateId>,
    /// The end of the free entry point window the message is in, as Meta reported it
    /// (`conversation.expiration_timestamp` of a status webhook), in Unix seconds.
    pub free_entry_point_end: Option<u32>,
    /// Sent by the business's own automation (a simulated bot's reply): what a user's own
    /// cost per automated reply is counted on.
    pub automated: bool,
}

impl Details {
    /// Nothing more known.
    pub const NONE: Details = Details {
        tokens: None,
        template: None,
        free_entry_point_end: None,
        automated: false,
    };
}

/// How a user reached the business, where it opens a free entry point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EntryPoint {
    /// A click-to-WhatsApp ad.
    CtwaAd,
    /// A Facebook Page call-to-action button.
    PageCta,
}

impl EntryPoint {
    /// Parses `ctwa_ad`/`page_cta` (and a few spellings), any case; empty is none.
    pub fn parse(s: &[u8]) -> Result<Option<EntryPoint>, ()> {
        let t = s.trim_ascii();
        let eq = |w: &[u8]| t.eq_ignore_ascii_case(w);
        if t.is_empty() || eq(b"none") {
            Ok(None)
        } else if eq(b"ctwa_ad") || eq(b"ctwa") || eq(b"ad") || eq(b"click_to_whatsapp") {
            Ok(Some(EntryPoint::CtwaAd))
        } else if eq(b"page_cta") || eq(b"page") || eq(b"page_button") {
            Ok(Some(EntryPoint::PageCta))
        } else {
            Err(())
        }
    }

    /// `ctwa_ad` or `page_cta`.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryPoint::CtwaAd => "ctwa_ad",
            EntryPoint::PageCta => "page_cta",
        }
    }
}

/// Meta's own verdict on a message, where the log carries it (the `pricing` object of a
/// status webhook), kept so that `reconcile` can compare it with ours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// `CBP` or `PMP`.
    pub pricing_model: Option<PricingModel>,
    /// Meta's pricing type.
    pub pricing_type: Option<PricingType>,
    /// Meta's pricing subtype (`paid_exempt`), from about 2026-10-12.
    pub subtype: Option<PricingSubtype>,
    /// Meta's category.
    pub category: Option<Category>,
    /// Meta's `billable` flag (being deprecated; derived from type and category when
    /// missing).
    pub billable: Option<bool>,
}

/// A message id, stored inline (no allocation per row). Ids up to 96 bytes are kept whole
/// (wamids, Twilio SIDs and UUIDs all fit); a longer id keeps its first 79 bytes and a hash
/// of the whole, which is still unique for de-duplication.
#[derive(Clone, Copy)]
pub struct MessageId {
    len: u8,
    bytes: [u8; MessageId::CAPACITY],
}

impl MessageId {
    /// Bytes kept inline.
    pub const CAPACITY: usize = 96;

    /// An id from its text; `None` when empty.
    pub fn new(raw: &[u8]) -> Option<MessageId> {
        let raw = raw.trim_ascii();
        if raw.is_empty() {
            return None;
        }
        let mut bytes = [0u8; MessageId::CAPACITY];
        if raw.len() <= MessageId::CAPACITY {
            bytes[..raw.len()].copy_from_slice(raw);
            return Some(MessageId {
                len: raw.len() as u8,
                bytes,
            });
        }
        let keep = 79;
        bytes[..keep].copy_from_slice(&raw[..keep]);
        bytes[keep] = b'~';
        let h = format!("{:016x}", fx(raw));
        bytes[keep + 1..keep + 17].copy_from_slice(h.as_bytes());
        Some(MessageId {
            len: (keep + 17) as u8,
            bytes,
        })
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("?")
    }

    /// A 64-bit hash of the id, for de-duplication.
    pub fn hash64(&self) -> u64 {
        fx(&self.bytes[..self.len as usize])
    }
}

impl PartialEq for MessageId {
    fn eq(&self, other: &Self) -> bool {
        self.bytes[..self.len as usize] == other.bytes[..other.len as usize]
    }
}

impl Eq for MessageId {}

impl Hash for MessageId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.bytes[..self.len as usize].hash(state);
    }
}

impl fmt::Debug for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn fx(bytes: &[u8]) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    bytes.hash(&mut h);
    h.finish()
}

/// A business phone number (or phone number id, or name), interned process-wide so that an
/// event is a small `Copy` value. Readers intern once per distinct business.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BusinessId(pub u32);

fn interner() -> &'static Mutex<(HashMap<String, u32>, Vec<String>)> {
    static I: OnceLock<Mutex<(HashMap<String, u32>, Vec<String>)>> = OnceLock::new();
    I.get_or_init(|| Mutex::new((HashMap::new(), Vec::new())))
}

impl BusinessId {
    /// The id of a business name or number (spaces trimmed; `+` and separators of a number
    /// removed, so `+1 555 000 0000` and `15550000000` are one business).
    pub fn intern(name: &str) -> BusinessId {
        let key = normalize_business(name);
        let mut guard = interner().lock().unwrap_or_else(|p| p.into_inner());
        let (map, names) = &mut *guard;
        if let Some(id) = map.get(&key) {
            return BusinessId(*id);
        }
        let id = names.len() as u32;
        names.push(key.clone());
        map.insert(key, id);
        BusinessId(id)
    }

    /// The business as written (normalized).
    pub fn name(self) -> String {
        let guard = interner().lock().unwrap_or_else(|p| p.into_inner());
        guard.1.get(self.0 as usize).cloned().unwrap_or_default()
    }

    /// Orders two businesses by their normalized names. Ids are numbered in the order a
    /// process first met the names, so two processes (or two runs reading logs in another
    /// order) may number them differently; the names order them the same everywhere.
    pub fn cmp_by_name(self, other: BusinessId) -> std::cmp::Ordering {
        if self == other {
            return std::cmp::Ordering::Equal;
        }
        let guard = interner().lock().unwrap_or_else(|p| p.into_inner());
        let name = |id: BusinessId| guard.1.get(id.0 as usize);
        name(self).cmp(&name(other))
    }
}

fn normalize_business(name: &str) -> String {
    let t = name.trim();
    let t = t.strip_prefix("whatsapp:").unwrap_or(t).trim();
    let is_number = !t.is_empty()
        && t.chars().any(|c| c.is_ascii_digit())
        && t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.'));
    if is_number {
        t.chars().filter(char::is_ascii_digit).collect()
    } else {
        t.to_string()
    }
}

/// One message in or out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    /// When, in Unix milliseconds (UTC): logs keep fractions of a second, and two messages
    /// 200 ms apart are two messages.
    pub time_ms: i64,
    /// The business number that sent or received it.
    pub business: BusinessId,
    /// The WABA the number belongs to (the default WABA when the log does not say).
    pub waba: BusinessId,
    /// The user.
    pub contact: ContactNumber,
    /// Who wrote.
    pub direction: Direction,
    /// Template (of a category) or free-form; inbound messages are free-form.
    pub kind: MessageKind,
    /// Delivery status (inbound messages are `Delivered`).
    pub status: Status,
    /// The message id, when the log has one: rows with one id are one message.
    pub message_id: Option<MessageId>,
    /// For inbound messages: the ad or Page button the user came from.
    pub entry_point: Option<EntryPoint>,
    /// Meta's own pricing verdict, when the log carries it.
    pub verdict: Option<Verdict>,
    /// Tokens, template, Meta's window end, automation: what some logs say beyond the kind.
    pub details: Details,
}

impl Event {
    /// The WABA used when a log does not say which WABA a number belongs to: all numbers
    /// of one log share it.
    pub fn default_waba() -> BusinessId {
        static W: OnceLock<BusinessId> = OnceLock::new();
        *W.get_or_init(|| BusinessId::intern("(default WABA)"))
    }
}

/// Events built in code (a program's own records, a test), one constructor per kind of
/// message. Each is delivered, has no id and belongs to the default WABA; set the fields
/// (`status`, `message_id`, `waba`…) or use the `with_` methods to say otherwise.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use wacost_core::event::{Event, Status};
/// use wacost_core::pricing::category::Category;
///
/// let at = Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap();
/// let ana = "+5511987654321".parse().unwrap();
/// let code = Event::template(at, "+1 555 010 0001", ana, Category::Authentication)
///     .with_status(Status::Read)
///     .with_id("wamid.1");
/// assert_eq!(code.time_ms, at.timestamp_millis());
/// assert_eq!(code.message_id.unwrap().as_str(), "wamid.1");
/// ```
impl Event {
    fn new(
        at: chrono::DateTime<chrono::Utc>,
        business: &str,
        contact: ContactNumber,
        direction: Direction,
        kind: MessageKind,
    ) -> Event {
        Event {
            time_ms: at.timestamp_millis(),
            business: BusinessId::intern(business),
            waba: Event::default_waba(),
            contact,
            direction,
            kind,
            status: Status::Delivered,
            message_id: None,
            entry_point: None,
            verdict: None,
            details: Details::NONE,
        }
    }

    /// A message from the user to the business (it opens the customer service window).
    pub fn inbound(
        at: chrono::DateTime<chrono::Utc>,
        business: &str,
        contact: ContactNumber,
    ) -> Event {
        Event::new(
            at,
            business,
            contact,
            Direction::Inbound,
            MessageKind::FreeForm,
        )
    }

    /// A message of any kind sent by the business.
    pub fn outbound(
        at: chrono::DateTime<chrono::Utc>,
        business: &str,
        contact: ContactNumber,
        kind: MessageKind,
    ) -> Event {
        Event::new(at, business, contact, Direction::Outbound, kind)
    }

    /// A template of a category sent by the business.
    pub fn template(
        at: chrono::DateTime<chrono::Utc>,
        business: &str,
        contact: ContactNumber,
        category: Category,
    ) -> Event {
        Event::outbound(at, business, contact, MessageKind::Template(category))
    }

    /// A free-form (non-template) message sent by the business.
    pub fn free_form(
        at: chrono::DateTime<chrono::Utc>,
        business: &str,
        contact: ContactNumber,
    ) -> Event {
        Event::outbound(at, business, contact, MessageKind::FreeForm)
    }

    /// A reply written by Meta's Business Agent, with its tokens when known (without them it
    /// is priced at the regime's default tokens per reply and counted as estimated).
    pub fn business_agent(
        at: chrono::DateTime<chrono::Utc>,
        business: &str,
        contact: ContactNumber,
        tokens: Option<u32>,
    ) -> Event {
        Event::outbound(at, business, contact, MessageKind::BusinessAgent).with_tokens(tokens)
    }

    /// A reaction sent by the business (always free).
    pub fn reaction(
        at: chrono::DateTime<chrono::Utc>,
        business: &str,
        contact: ContactNumber,
    ) -> Event {
        Event::outbound(at, business, contact, MessageKind::Reaction)
    }

    /// The same message as a reply of Meta's Business Agent with `tokens` (a what-if on a
    /// free-form reply).
    pub fn as_business_agent(mut self, tokens: Option<u32>) -> Event {
        self.kind = MessageKind::BusinessAgent;
        self.details.tokens = tokens;
        self
    }

    /// The same message as a free-form reply of the business's own (a Business Agent reply
    /// without the agent: what it would cost as a service message).
    pub fn as_free_form(mut self) -> Event {
        self.kind = MessageKind::FreeForm;
        self.details.tokens = None;
        self
    }

    /// The same event with a Business Agent reply's tokens.
    pub fn with_tokens(mut self, tokens: Option<u32>) -> Event {
        self.details.tokens = tokens;
        self
    }

    /// The same event naming its template (for a Marketing Messages API max price).
    pub fn with_template(mut self, name: &str) -> Event {
        self.details.template = Some(TemplateId::intern(name));
        self
    }

    /// The same event with another delivery status.
    pub fn with_status(mut self, status: Status) -> Event {
        self.status = status;
        self
    }

    /// The same event with a message id (rows with one id are one message).
    pub fn with_id(mut self, id: &str) -> Event {
        self.message_id = MessageId::new(id.as_bytes());
        self
    }

    /// The same inbound event, arriving from an ad or a Page button.
    pub fn with_entry_point(mut self, entry_point: EntryPoint) -> Event {
        self.entry_point = Some(entry_point);
        self
    }

    /// The same event, for a business number of another WABA.
    pub fn with_waba(mut self, waba: &str) -> Event {
        self.waba = BusinessId::intern(waba);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_kinds_say_what_was_sent_and_how_it_is_priced() {
        let auth = MessageKind::Template(Category::Authentication);
        assert_eq!(
            MessageKind::for_category(Category::Service),
            MessageKind::FreeForm
        );
        assert_eq!(
            MessageKind::for_category(Category::AuthenticationInternational),
            auth
        );
        assert_eq!(
            MessageKind::for_category(Category::Marketing).category(),
            Category::Marketing
        );
        assert_eq!(MessageKind::FreeForm.category(), Category::Service);
        assert_eq!(
            (auth.as_str(), auth.template_category()),
            ("template", Some(Category::Authentication))
        );
        assert_eq!(
            (
                MessageKind::FreeForm.as_str(),
                MessageKind::FreeForm.template_category()
            ),
            ("free_form", None)
        );
    }

    #[test]
    fn statuses_merge_towards_delivery() {
        assert_eq!(Status::Sent.merge(Status::Delivered), Status::Delivered);
        assert_eq!(Status::Read.merge(Status::Delivered), Status::Read);
        assert_eq!(Status::Failed.merge(Status::Sent), Status::Failed);
        assert_eq!(Status::Sent.merge(Status::Failed), Status::Failed);
        assert_eq!(Status::Failed.merge(Status::Read), Status::Read);
        assert_eq!(Status::parse(b" READ "), Some(Status::Read));
        assert_eq!(Status::parse(b"undelivered"), Some(Status::Failed));
        assert_eq!(Status::parse(b"lost"), None);
    }

    #[test]
    fn long_ids_stay_distinct() {
        let a = vec![b'a'; 200];
        let mut b = a.clone();
        b[150] = b'b';
        let (ia, ib) = (MessageId::new(&a).unwrap(), MessageId::new(&b).unwrap());
        assert_ne!(ia, ib);
        assert_ne!(ia.hash64(), ib.hash64());
        let w = b"wamid.HBgLMTU1NTAwMDExMTEVAgARGBI1RjQ0QkY3MzJGRDc3MEQ3QjkA";
        assert_eq!(MessageId::new(w).unwrap().as_str().as_bytes(), w);
        assert!(MessageId::new(b"  ").is_none());
    }

    #[test]
    fn business_numbers_intern_by_digits() {
        assert_eq!(
            BusinessId::intern("+1 555 000 0000"),
            BusinessId::intern("15550000000")
        );
        assert_ne!(BusinessId::intern("Acme"), BusinessId::intern("acme shop"));
        assert_eq!(BusinessId::intern("+1 555 000 0000").name(), "15550000000");
    }

    #[test]
    fn businesses_order_by_name_not_by_id() {
        // Met in this order, "zz order test" gets the smaller id.
        let z = BusinessId::intern("zz order test");
        let a = BusinessId::intern("aa order test");
        assert!(z.0 < a.0);
        assert_eq!(a.cmp_by_name(z), std::cmp::Ordering::Less);
        assert_eq!(z.cmp_by_name(a), std::cmp::Ordering::Greater);
        assert_eq!(z.cmp_by_name(z), std::cmp::Ordering::Equal);
    }
}
