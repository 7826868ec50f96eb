//! WhatsApp Cloud API webhook archives: the `messages` webhooks a business received, as saved
//! by its own endpoint or a BSP.
//!
//! # Layouts
//!
//! One file may hold
//!
//! - a JSON array of envelopes (`[{"object":"whatsapp_business_account","entry":[…]}, …]`),
//! - JSON lines: one envelope per line, or
//! - a single envelope (pretty-printed or not); several concatenated envelopes are read too.
//!
//! An envelope is `{"object":"whatsapp_business_account","entry":[{"id": WABA_ID,
//! "changes":[{"field":"messages","value":{…}}]}]}`. As archives sometimes keep only part of it,
//! an `entry` object (`{"id":…,"changes":[…]}`) or a bare `value` object (`{"metadata":…,
//! "statuses":[…]}`, WABA unknown) is accepted at the top level as well. A folder of such files
//! is listed by [`read_dir`].
//!
//! # What becomes an [`Event`]
//!
//! - The business is `value.metadata.display_phone_number` (or `phone_number_id` when the display
//!   number is missing); the WABA is `entry.id` ([`Event::default_waba`] when missing).
//! - Each object of `value.messages[]` is one **inbound** event: the contact is `from`, else the
//!   `wa_id` of the matching `contacts[]` entry (the only one, or the one whose `user_id` equals
//!   the message's `from_user_id`). Since 2026 a user with a username may be known only by a
//!   business-scoped `user_id`, which is not a phone number: such a message is an error
//!   ("no phone number for user_id …"). Inbound events are free-form and delivered; the message
//!   id is `id`. `type: "system"` messages (the user changed number or user id) are notices,
//!   not messages the user wrote, and are skipped (see [`CloudApiReader::skipped`]).
//! - Each object of `value.statuses[]` is one **outbound** event. Statuses are *not* merged
//!   here: the classifier merges rows with one message id, keeping the best status, so
//!   duplicated and out-of-order statuses come out as they are. The contact is `recipient_id`
//!   (a status with only `recipient_user_id` is an error), the status is `status` (`sent`,
//!   `delivered`, `read`, `failed`; `played`, for voice messages, counts as `read`).
//!
//! # The kind of an outbound message
//!
//! Taken from `pricing.category`, else from `conversation.origin.type` (Graph v23 and older):
//!
//! | category | kind |
//! |---|---|
//! | `marketing`, `marketing_lite` | template, marketing |
//! | `utility` | template, utility |
//! | `authentication`, `authentication_international` (or with a hyphen) | template, authentication (the international rate is the classifier's business) |
//! | `service`, `referral_conversion`, CBP-era `user_initiated` | free-form |
//! | CBP-era `business_initiated` | template, marketing (**assumed**: Meta used it for business-initiated conversations before the 2023 categories, which were mostly marketing) |
//!
//! Under conversation-based pricing (before 2025-07) the category is the *conversation's*: a
//! free-form reply inside a marketing conversation is reported as `marketing` and read as a
//! marketing template. That is what Meta reported, and what it charged for.
//!
//! Not every status carries `pricing`: failed statuses never do, and from Graph v24 on `read`
//! often does not. A status without a category takes the kind of another status of the same
//! message id in this file (earlier or later: a status whose sibling with the category comes
//! later is held back until then). A failed status whose message's kind is not known yet is
//! free-form (it is never charged anyway). Any other status left without a category at the end
//! of the file is an error ("status without pricing category"). Memory for this stays bounded: the kinds of the
//! last 2 × 2²⁰ messages and 2¹⁶ held-back message ids at most.
//!
//! Meta's own verdict (`pricing.pricing_model`, `type`, `category`, `billable`) is kept in
//! [`Event::verdict`] for statuses that carry a `pricing` object. A category wacost does not
//! price (`referral_conversion`, `user_initiated`, `business_initiated`) is left out of the
//! verdict; `referral_conversion` without a `type` (CBP) gives the type `free_entry_point`.
//!
//! # Entry points
//!
//! An inbound message with a `referral` object came from an ad or a post. **Assumed**:
//! `referral.source_type` `"ad"` is a click-to-WhatsApp ad ([`EntryPoint::CtwaAd`]); any other
//! referral (`"post"`, or none given) is taken as a Facebook Page call-to-action
//! ([`EntryPoint::PageCta`]), the other free entry point.
//!
//! # Other changes
//!
//! `field: "account_update"` changes are not messages. Those with a `volume_tier_info` (the
//! monthly volume tier webhook) are collected as [`TierFact`]s ([`CloudApiReader::tier_facts`]).
//! Other fields (template updates, quality, …) are skipped and counted.
//!
//! # Errors
//!
//! Positions are byte offsets: of the JSON error for invalid or truncated JSON, of the start of
//! the envelope for an envelope that is valid JSON but not usable (the reason then names the
//! path inside it, like `entry[0].changes[0].value.statuses[1]`, and `raw` holds the offending
//! object). A syntax error ends the file, except in JSON lines, where reading resumes on the next
//! line.

use std::collections::{HashMap, VecDeque};
use std::io::Read;
use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;
use serde_json::Value;

use super::json::{JsonDocs, join, text};
use super::time::parse_timestamp;
use super::{ReadError, ReadErrorKind};
use crate::event::{
    BusinessId, Details, Direction, EntryPoint, Event, MessageId, MessageKind, Status, Verdict,
};
use crate::pricing::category::{Category, PricingModel, PricingSubtype, PricingType};
use crate::pricing::phone::ContactNumber;

/// A volume tier fact from an `account_update` webhook (`VOLUME_BASED_PRICING_TIER_UPDATE`):
/// which tier a WABA is in for a category, market and month.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TierFact {
    /// The WABA (`entry.id`).
    pub waba: BusinessId,
    /// The category as Meta wrote it (`UTILITY`, `AUTHENTICATION_INTERNATIONAL`, …).
    pub pricing_category: String,
    /// The tier band, e.g. `25000001:50000000` or `0:MAX`.
    pub tier: String,
    /// The month the tier applies to, `YYYY-MM`.
    pub effective_month: String,
    /// The market (`India`, …) as Meta wrote it.
    pub region: String,
    /// When Meta updated the tier (Unix milliseconds), when given.
    pub update_time: Option<i64>,
}

impl TierFact {
    /// The category, when it is one wacost knows.
    pub fn category(&self) -> Option<Category> {
        Category::parse(&self.pricing_category)
    }
}

/// What the reader skipped without an error.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Skipped {
    /// `changes` of a field other than `messages` and `account_update`.
    pub other_fields: u64,
    /// `account_update` changes without volume tier information.
    pub account_updates: u64,
    /// Inbound `type: "system"` notices.
    pub system_messages: u64,
    /// Statuses of a group message as a whole (no participant): each recipient's delivery
    /// has its own status.
    pub group_statuses: u64,
}

/// Lists the webhook archives of a folder: its `*.json` (and `*.jsonl`, `*.ndjson`) files,
/// sorted by name. Subfolders are not searched.
pub fn read_dir(path: &Path) -> Result<Vec<PathBuf>, ReadError> {
    let shown = path.display().to_string();
    let cannot = |e: std::io::Error| ReadError::at_line(&shown, 0, ReadErrorKind::io(e));
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).map_err(cannot)? {
        let p = entry.map_err(cannot)?.path();
        let json = p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
            ["json", "jsonl", "ndjson"]
                .iter()
                .any(|x| e.eq_ignore_ascii_case(x))
        });
        if json && p.is_file() {
            files.push(p);
        }
    }
    files.sort();
    Ok(files)
}

/// Reads a Cloud API webhook archive as a stream of events. See the [module docs](self).
pub struct CloudApiReader {
    file: String,
    buf: Vec<u8>,
    docs: JsonDocs,
    /// What the next calls return, each with the byte offset of the document it came from.
    queue: VecDeque<(u64, Result<Event, ReadError>)>,
    /// The offset of the document the last event returned came from.
    last_offset: u64,
    kinds: KindMemory,
    pending: Pending,
    tier_facts: Vec<TierFact>,
    skipped: Skipped,
    finished: bool,
}

impl CloudApiReader {
    /// Reads from bytes.
    pub fn from_bytes(bytes: impl Into<Vec<u8>>, file: &str) -> CloudApiReader {
        CloudApiReader {
            file: file.to_string(),
            buf: bytes.into(),
            docs: JsonDocs::default(),
            queue: VecDeque::new(),
            last_offset: 0,
            kinds: KindMemory::default(),
            pending: Pending::default(),
            tier_facts: Vec::new(),
            skipped: Skipped::default(),
            finished: false,
        }
    }

    /// Reads all of `input` (a JSON document is read whole); a failing read, UTF-16 text or
    /// a file that does not start like JSON is one error (and nothing more is read).
    pub fn new<R: Read>(input: R, file: &str) -> CloudApiReader {
        match super::json::read_whole(input, file) {
            Ok(buf) => CloudApiReader::from_bytes(buf, file),
            Err(e) => {
                let mut r = CloudApiReader::from_bytes(Vec::new(), file);
                r.queue.push_back((0, Err(e)));
                r.docs.done = true;
                r
            }
        }
    }

    /// The byte offset of the document the last event returned was read from.
    pub fn last_offset(&self) -> u64 {
        self.last_offset
    }

    /// The volume tier facts seen so far (all of them once the iterator is exhausted).
    pub fn tier_facts(&self) -> &[TierFact] {
        &self.tier_facts
    }

    /// What was skipped so far without an error.
    pub fn skipped(&self) -> Skipped {
        self.skipped
    }

    fn envelope(&mut self, offset: u64, doc: &Value) {
        let Some(obj) = doc.as_object() else {
            self.fail(
                offset,
                "",
                ReadErrorKind::NotEnvelope {
                    detail: "expected a JSON object",
                },
                doc,
            );
            return;
        };
        if let Some(entries) = obj.get("entry") {
            if let Some(o) = obj.get("object").and_then(Value::as_str)
                && o != "whatsapp_business_account"
            {
                self.fail(
                    offset,
                    "",
                    ReadErrorKind::bad_text("object", o, "is not whatsapp_business_account"),
                    &Value::Null,
                );
                return;
            }
            let Some(entries) = entries.as_array() else {
                self.fail(
                    offset,
                    "entry",
                    ReadErrorKind::NotArray { field: "entry" },
                    entries,
                );
                return;
            };
            for (i, entry) in entries.iter().enumerate() {
                self.entry(offset, &format!("entry[{i}]"), entry);
            }
        } else if obj.contains_key("changes") {
            self.entry(offset, "", doc);
        } else if obj.contains_key("metadata")
            || obj.contains_key("statuses")
            || obj.contains_key("messages")
        {
            self.value(offset, "", Event::default_waba(), doc);
        } else {
            self.fail(
                offset,
                "",
                ReadErrorKind::NotEnvelope {
                    detail: "no entry, changes, messages or statuses",
                },
                &Value::Null,
            );
        }
    }

    fn entry(&mut self, offset: u64, path: &str, entry: &Value) {
        let waba = match text(entry, "id") {
            Some(id) => BusinessId::intern(&id),
            None => Event::default_waba(),
        };
        let Some(changes) = entry.get("changes").and_then(Value::as_array) else {
            let kind = ReadErrorKind::Missing {
                field: "changes",
                message: "entry without a changes array",
            };
            self.fail(offset, path, kind, entry);
            return;
        };
        for (j, change) in changes.iter().enumerate() {
            let path = join(path, &format!("changes[{j}]"));
            let value = change.get("value").unwrap_or(&Value::Null);
            let field = change.get("field").and_then(Value::as_str).unwrap_or("");
            match field {
                "messages" => self.value(offset, &join(&path, "value"), waba, value),
                "" if value.get("statuses").is_some() || value.get("messages").is_some() => {
                    self.value(offset, &join(&path, "value"), waba, value)
                }
                "account_update" => match value.get("volume_tier_info") {
                    Some(info) => self.tier_info(waba, info),
                    None => self.skipped.account_updates += 1,
                },
                _ => self.skipped.other_fields += 1,
            }
        }
    }

    fn tier_info(&mut self, waba: BusinessId, info: &Value) {
        let get = |k: &str| text(info, k).unwrap_or_default();
        self.tier_facts.push(TierFact {
            waba,
            pricing_category: get("pricing_category"),
            tier: get("tier"),
            effective_month: get("effective_month"),
            region: get("region"),
            update_time: text(info, "tier_update_time").and_then(|t| parse_timestamp(t.as_bytes())),
        });
    }

    fn value(&mut self, offset: u64, path: &str, waba: BusinessId, value: &Value) {
        let messages = value.get("messages").and_then(Value::as_array);
        let statuses = value.get("statuses").and_then(Value::as_array);
        if messages.is_none_or(|m| m.is_empty()) && statuses.is_none_or(|s| s.is_empty()) {
            return;
        }
        let meta = value.get("metadata").unwrap_or(&Value::Null);
        let Some(number) =
            text(meta, "display_phone_number").or_else(|| text(meta, "phone_number_id"))
        else {
            let kind = ReadErrorKind::Missing {
                field: "metadata.display_phone_number",
                message: "no metadata.display_phone_number or phone_number_id: the business is \
                          unknown",
            };
            self.fail(offset, path, kind, meta);
            return;
        };
        let business = BusinessId::intern(&number);
        for (k, m) in messages.into_iter().flatten().enumerate() {
            let p = join(path, &format!("messages[{k}]"));
            match self.message(value, m, business, waba) {
                Ok(Some(e)) => self.queue.push_back((offset, Ok(e))),
                Ok(None) => {}
                Err(kind) => self.fail(offset, &p, kind, m),
            }
        }
        for (k, s) in statuses.into_iter().flatten().enumerate() {
            let p = join(path, &format!("statuses[{k}]"));
            self.status(offset, &p, s, business, waba);
        }
    }

    fn message(
        &mut self,
        value: &Value,
        m: &Value,
        business: BusinessId,
        waba: BusinessId,
    ) -> Result<Option<Event>, ReadErrorKind> {
        if m.get("type").and_then(Value::as_str) == Some("system") {
            self.skipped.system_messages += 1;
            return Ok(None);
        }
        let contact = match text(m, "from") {
            Some(from) => parse_contact(&from, "from")?,
            None => {
                let user = text(m, "from_user_id");
                let contacts = value.get("contacts").and_then(Value::as_array);
                let wa_id = contacts.and_then(|cs| {
                    let found = match &user {
                        Some(u) => cs.iter().find(|c| text(c, "user_id").as_ref() == Some(u)),
                        None if cs.len() == 1 => cs.first(),
                        None => None,
                    };
                    found.and_then(|c| text(c, "wa_id"))
                });
                match wa_id {
                    Some(w) => parse_contact(&w, "contacts[].wa_id")?,
                    None => {
                        let user = user.or_else(|| {
                            contacts
                                .filter(|cs| cs.len() == 1)
                                .and_then(|cs| text(&cs[0], "user_id"))
                        });
                        return Err(match user {
                            Some(user_id) => ReadErrorKind::NoPhoneNumber {
                                user_id,
                                missing: "the message has no from and its contact no wa_id",
                            },
                            None => ReadErrorKind::Missing {
                                field: "from",
                                message: "message without from or contacts[].wa_id",
                            },
                        });
                    }
                }
            }
        };
        let time = timestamp(m)?;
        let entry_point = m.get("referral").filter(|r| r.is_object()).map(|r| {
            match r.get("source_type").and_then(Value::as_str) {
                Some(t) if t.eq_ignore_ascii_case("ad") => EntryPoint::CtwaAd,
                _ => EntryPoint::PageCta,
            }
        });
        Ok(Some(Event {
            time_ms: time,
            business,
            waba,
            contact,
            direction: Direction::Inbound,
            kind: MessageKind::FreeForm,
            status: Status::Delivered,
            message_id: text(m, "id").and_then(|id| MessageId::new(id.as_bytes())),
            entry_point,
            verdict: None,
            details: Details::NONE,
        }))
    }

    fn status(
        &mut self,
        offset: u64,
        path: &str,
        s: &Value,
        business: BusinessId,
        waba: BusinessId,
    ) {
        let event = match self.status_event(s, business, waba) {
            Ok(Some(e)) => e,
            Ok(None) => {
                self.skipped.group_statuses += 1;
                return;
            }
            Err(kind) => return self.fail(offset, path, kind, s),
        };
        let kind = match status_kind(s) {
            // A group's status keeps the group form whatever category Meta wrote.
            Ok(k) if event.kind.is_group() => k.map(to_group),
            Ok(k) => k,
            Err(kind) => return self.fail(offset, path, kind, s),
        };
        match (kind, event.message_id) {
            (Some(kind), id) => {
                if let Some(id) = id {
                    self.kinds.insert(&id, kind);
                    for held in self.pending.take(&id) {
                        let event = Event { kind, ..held.event };
                        self.queue.push_back((held.offset, Ok(event)));
                    }
                }
                self.queue.push_back((offset, Ok(Event { kind, ..event })));
            }
            (None, Some(id)) => {
                if let Some(kind) = self.kinds.get(&id) {
                    self.queue.push_back((offset, Ok(Event { kind, ..event })));
                } else if event.status == Status::Failed {
                    self.queue.push_back((offset, Ok(event)));
                } else {
                    let raw = s.to_string();
                    let evicted = self.pending.hold(
                        id,
                        Held {
                            event,
                            offset,
                            path: path.to_string(),
                            raw,
                        },
                    );
                    for h in evicted {
                        self.resolve_unknown(h);
                    }
                }
            }
            (None, None) if event.status == Status::Failed => {
                self.queue.push_back((offset, Ok(event)));
            }
            (None, None) => self.fail(
                offset,
                path,
                ReadErrorKind::NoCategory { message_id: None },
                s,
            ),
        }
    }

    /// A held-back status whose message never showed a category.
    fn resolve_unknown(&mut self, h: Held) {
        if h.event.status == Status::Failed {
            self.queue.push_back((h.offset, Ok(h.event)));
        } else {
            let kind = ReadErrorKind::NoCategory {
                message_id: Some(
                    h.event
                        .message_id
                        .map(|i| i.to_string())
                        .unwrap_or_default(),
                ),
            };
            let e = ReadError::at_byte(&self.file, h.offset, kind)
                .within(&h.path)
                .with_raw(h.raw);
            self.queue.push_back((h.offset, Err(e)));
        }
    }

    fn status_event(
        &self,
        s: &Value,
        business: BusinessId,
        waba: BusinessId,
    ) -> Result<Option<Event>, ReadErrorKind> {
        // Meta (Groups API): a group message's statuses name the group in `recipient_id`
        // (`recipient_type: "group"`), and each delivered or read participant in
        // `recipient_participant_id`: one row per recipient, as the canonical CSV has it. A
        // status of the group as a whole (its `sent`) names no participant and prices
        // nothing.
        let group = text(s, "recipient_type").is_some_and(|t| t.eq_ignore_ascii_case("group"));
        let contact = if group {
            match text(s, "recipient_participant_id") {
                Some(p) => parse_contact(&p, "recipient_participant_id")?,
                None => return Ok(None),
            }
        } else {
            match text(s, "recipient_id") {
                Some(r) => parse_contact(&r, "recipient_id")?,
                None => {
                    return Err(match text(s, "recipient_user_id") {
                        Some(user_id) => ReadErrorKind::NoPhoneNumber {
                            user_id,
                            missing: "the status has no recipient_id",
                        },
                        None => ReadErrorKind::Missing {
                            field: "recipient_id",
                            message: "status without recipient_id",
                        },
                    });
                }
            }
        };
        let raw_status = text(s, "status").unwrap_or_default();
        let status = if raw_status.eq_ignore_ascii_case("played") {
            Status::Read
        } else {
            Status::parse(raw_status.as_bytes()).ok_or_else(|| {
                ReadErrorKind::bad_text(
                    "status",
                    &raw_status,
                    "is not sent, delivered, read or failed",
                )
            })?
        };
        let time = timestamp(s)?;
        let verdict = s.get("pricing").filter(|p| p.is_object()).map(|p| Verdict {
            pricing_model: text(p, "pricing_model").and_then(|t| PricingModel::parse(&t)),
            // CBP webhooks carry no type; their category `referral_conversion` is Meta's
            // free entry point conversation.
            pricing_type: text(p, "type")
                .and_then(|t| PricingType::parse(&t))
                .or_else(|| {
                    text(p, "category")
                        .filter(|c| c.eq_ignore_ascii_case("referral_conversion"))
                        .map(|_| PricingType::FreeEntryPoint)
                }),
            subtype: text(p, "subtype").and_then(|t| PricingSubtype::parse(&t)),
            category: text(p, "category").and_then(|t| Category::parse(&t)),
            billable: match p.get("billable") {
                Some(Value::Bool(b)) => Some(*b),
                Some(Value::String(b)) if b.eq_ignore_ascii_case("true") => Some(true),
                Some(Value::String(b)) if b.eq_ignore_ascii_case("false") => Some(false),
                _ => None,
            },
        });
        Ok(Some(Event {
            time_ms: time,
            business,
            waba,
            contact,
            direction: Direction::Outbound,
            kind: if group {
                MessageKind::GroupFreeForm
            } else {
                MessageKind::FreeForm
            },
            status,
            message_id: text(s, "id").and_then(|id| MessageId::new(id.as_bytes())),
            entry_point: None,
            verdict,
            details: Details {
                free_entry_point_end: free_entry_point_end(s),
                ..Details::NONE
            },
        }))
    }

    fn fail(&mut self, offset: u64, path: &str, kind: ReadErrorKind, raw: &Value) {
        let mut e = ReadError::at_byte(&self.file, offset, kind).within(path);
        if !raw.is_null() {
            e = e.with_raw(raw.to_string());
        }
        self.queue.push_back((offset, Err(e)));
    }
}

impl Iterator for CloudApiReader {
    type Item = Result<Event, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some((offset, item)) = self.queue.pop_front() {
                self.last_offset = offset;
                return Some(item);
            }
            if self.finished {
                return None;
            }
            match self.docs.next(&self.buf) {
                Some(Ok((offset, doc))) => self.envelope(offset as u64, &doc),
                Some(Err(e)) => self.queue.push_back((0, Err(e.at(&self.file)))),
                None => {
                    self.finished = true;
                    for h in self.pending.drain() {
                        self.resolve_unknown(h);
                    }
                }
            }
        }
    }
}

/// The kind a status's own objects say, `None` when they say nothing.
fn status_kind(s: &Value) -> Result<Option<MessageKind>, ReadErrorKind> {
    let from_pricing = s.get("pricing").and_then(|p| text(p, "category"));
    let from_origin = s
        .get("conversation")
        .and_then(|c| c.get("origin"))
        .and_then(|o| text(o, "type"));
    for (field, cat) in [
        ("pricing.category", from_pricing),
        ("conversation.origin.type", from_origin),
    ] {
        if let Some(cat) = cat {
            return kind_of_category(&cat).map(Some).ok_or_else(|| {
                ReadErrorKind::bad_text(field, &cat, "is not a pricing category wacost knows")
            });
        }
    }
    Ok(None)
}

/// The kind of message a webhook category implies (see the table in the module docs).
pub fn kind_of_category(category: &str) -> Option<MessageKind> {
    let t = category.trim();
    let eq = |w: &str| t.eq_ignore_ascii_case(w);
    if eq("user_initiated") || eq("referral_conversion") {
        return Some(MessageKind::FreeForm);
    }
    if eq("business_initiated") {
        return Some(MessageKind::Template(Category::Marketing));
    }
    Some(MessageKind::for_category(Category::parse(t)?))
}

/// The group form of a kind (a message whose status names a group participant).
fn to_group(kind: MessageKind) -> MessageKind {
    match kind {
        MessageKind::Template(c) if c.group().is_some() => MessageKind::GroupTemplate(c),
        MessageKind::GroupTemplate(c) => MessageKind::GroupTemplate(c),
        _ => MessageKind::GroupFreeForm,
    }
}

/// Meta's end of a free entry point window, from a status's `conversation`: its
/// `expiration_timestamp` when the conversation is a free entry point one (origin
/// `referral_conversion`, or the status's pricing type `free_entry_point`). Meta advises
/// reading it since the window may last up to 7 days (from about 2026-09-30); under
/// per-message pricing the conversation object is otherwise meaningless as a window.
fn free_entry_point_end(s: &Value) -> Option<u32> {
    let c = s.get("conversation")?;
    let origin = c.get("origin").and_then(|o| text(o, "type"));
    let pricing_type = s.get("pricing").and_then(|p| text(p, "type"));
    let fep = origin.is_some_and(|o| o.eq_ignore_ascii_case("referral_conversion"))
        || pricing_type.is_some_and(|t| t.eq_ignore_ascii_case("free_entry_point"));
    if !fep {
        return None;
    }
    let t = parse_timestamp(text(c, "expiration_timestamp")?.as_bytes())?;
    u32::try_from(t.div_euclid(1000)).ok()
}

fn timestamp(v: &Value) -> Result<i64, ReadErrorKind> {
    match text(v, "timestamp") {
        Some(t) => parse_timestamp(t.as_bytes())
            .ok_or_else(|| ReadErrorKind::bad_text("timestamp", &t, "is not Unix seconds")),
        None => Err(ReadErrorKind::Missing {
            field: "timestamp",
            message: "no timestamp",
        }),
    }
}

fn parse_contact(raw: &str, field: &'static str) -> Result<ContactNumber, ReadErrorKind> {
    ContactNumber::parse(raw).map_err(|source| ReadErrorKind::Contact { field, source })
}

/// The kinds of recently seen messages, by id hash: two generations of at most `CAP` ids each.
#[derive(Default)]
struct KindMemory {
    current: FxHashMap<u64, MessageKind>,
    previous: FxHashMap<u64, MessageKind>,
}

impl KindMemory {
    const CAP: usize = 1 << 20;

    fn insert(&mut self, id: &MessageId, kind: MessageKind) {
        if self.current.len() >= Self::CAP {
            self.previous = std::mem::take(&mut self.current);
        }
        self.current.insert(id.hash64(), kind);
    }

    fn get(&self, id: &MessageId) -> Option<MessageKind> {
        let h = id.hash64();
        self.current
            .get(&h)
            .or_else(|| self.previous.get(&h))
            .copied()
    }
}

/// A status held back until a sibling status tells its message's kind.
struct Held {
    event: Event,
    offset: u64,
    path: String,
    raw: String,
}

/// Held-back statuses by message id, oldest id first; at most `CAP` ids.
#[derive(Default)]
struct Pending {
    held: HashMap<MessageId, Vec<Held>>,
    order: VecDeque<MessageId>,
}

impl Pending {
    const CAP: usize = 1 << 16;

    /// Holds a status; returns the statuses of the oldest ids when there are too many.
    fn hold(&mut self, id: MessageId, h: Held) -> Vec<Held> {
        let list = self.held.entry(id).or_default();
        if list.is_empty() {
            self.order.push_back(id);
        }
        list.push(h);
        let mut evicted = Vec::new();
        while self.held.len() > Self::CAP {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            evicted.extend(self.held.remove(&old).unwrap_or_default());
        }
        if self.order.len() > 2 * Self::CAP {
            let held = &self.held;
            self.order.retain(|i| held.contains_key(i));
        }
        evicted
    }

    fn take(&mut self, id: &MessageId) -> Vec<Held> {
        self.held.remove(id).unwrap_or_default()
    }

    fn drain(&mut self) -> Vec<Held> {
        let mut out = Vec::new();
        while let Some(id) = self.order.pop_front() {
            out.extend(self.held.remove(&id).unwrap_or_default());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::Position;
    use proptest::prelude::*;

    const DAY: &str = include_str!("../../../../tests/data/cloudapi_day.json");

    fn read(text: &str) -> Vec<Result<Event, ReadError>> {
        CloudApiReader::from_bytes(text.as_bytes(), "hooks.json").collect()
    }

    fn ok(rows: &[Result<Event, ReadError>]) -> Vec<Event> {
        rows.iter().map(|r| *r.as_ref().unwrap()).collect()
    }

    fn n(s: &str) -> ContactNumber {
        s.parse().unwrap()
    }

    fn verdict(t: PricingType, c: Category, billable: bool) -> Option<Verdict> {
        Some(Verdict {
            pricing_model: Some(PricingModel::Pmp),
            pricing_type: Some(t),
            subtype: None,
            category: Some(c),
            billable: Some(billable),
        })
    }

    /// One status event of the fixture: (id, status, time, contact, kind, verdict).
    fn out(
        id: &str,
        status: Status,
        time: i64,
        contact: &str,
        kind: MessageKind,
        verdict: Option<Verdict>,
    ) -> Event {
        Event {
            time_ms: time * 1000,
            business: BusinessId::intern("15550001234"),
            waba: BusinessId::intern("210987654321098"),
            contact: n(contact),
            direction: Direction::Outbound,
            kind,
            status,
            message_id: MessageId::new(id.as_bytes()),
            entry_point: None,
            verdict,
            details: Details::NONE,
        }
    }

    #[test]
    fn a_day_of_webhooks() {
        use MessageKind::{FreeForm, Template};
        use PricingType::{FreeCustomerService as Fcs, FreeEntryPoint as Fep, Regular};
        let events = ok(&read(DAY));
        // Ana came from an ad and was answered within 24 h: a free entry point window.
        let service = verdict(Fep, Category::Service, false);
        let utility = verdict(Fep, Category::Utility, false);
        let e_service = verdict(Fcs, Category::Service, false);
        let marketing = verdict(Regular, Category::Marketing, true);
        let auth_intl = verdict(Regular, Category::AuthenticationInternational, true);
        let fep_end = Details {
            free_entry_point_end: Some(1_770_282_300),
            ..Details::NONE
        };
        let (a, b, c, d, e) = (
            "+5511987654321",
            "+447700900123",
            "+4915112345678",
            "+919812345678",
            "+5521998765432",
        );
        let expected = vec![
            Event {
                time_ms: 1_770_022_800_000,
                direction: Direction::Inbound,
                entry_point: Some(EntryPoint::CtwaAd),
                status: Status::Delivered,
                ..out("wamid.day.in.a1", Status::Delivered, 0, a, FreeForm, None)
            },
            // A free reply (inside the free entry point window, whose end Meta reports on
            // the `sent` status: 72 h after it).
            Event {
                details: fep_end,
                ..out(
                    "wamid.day.out.a1",
                    Status::Sent,
                    1_770_023_100,
                    a,
                    FreeForm,
                    service,
                )
            },
            out(
                "wamid.day.out.a1",
                Status::Delivered,
                1_770_023_102,
                a,
                FreeForm,
                service,
            ),
            // A utility template inside the window; the v24 `read` has no pricing and takes
            // the kind of its siblings.
            Event {
                details: fep_end,
                ..out(
                    "wamid.day.out.a2",
                    Status::Sent,
                    1_770_024_600,
                    a,
                    Template(Category::Utility),
                    utility,
                )
            },
            out(
                "wamid.day.out.a2",
                Status::Delivered,
                1_770_024_603,
                a,
                Template(Category::Utility),
                utility,
            ),
            out(
                "wamid.day.out.a2",
                Status::Read,
                1_770_024_660,
                a,
                Template(Category::Utility),
                None,
            ),
            // A marketing template, v24 shape (no conversation), read without delivered.
            out(
                "wamid.day.out.b1",
                Status::Sent,
                1_770_026_400,
                b,
                Template(Category::Marketing),
                marketing,
            ),
            out(
                "wamid.day.out.b1",
                Status::Read,
                1_770_026_520,
                b,
                Template(Category::Marketing),
                marketing,
            ),
            // Failed with 131047: no pricing, free-form.
            out(
                "wamid.day.out.c1",
                Status::Failed,
                1_770_030_000,
                c,
                FreeForm,
                None,
            ),
            // The duplicated status comes out again: merging is the classifier's job.
            out(
                "wamid.day.out.a2",
                Status::Delivered,
                1_770_024_603,
                a,
                Template(Category::Utility),
                utility,
            ),
            // A `read` before its `sent`: held back until the sent tells the category.
            out(
                "wamid.day.out.d1",
                Status::Read,
                1_770_033_660,
                d,
                Template(Category::Authentication),
                None,
            ),
            out(
                "wamid.day.out.d1",
                Status::Sent,
                1_770_033_600,
                d,
                Template(Category::Authentication),
                auth_intl,
            ),
            // A plain inbound and a free service reply, v24 shape.
            Event {
                time_ms: 1_770_037_200_000,
                direction: Direction::Inbound,
                status: Status::Delivered,
                ..out("wamid.day.in.e1", Status::Delivered, 0, e, FreeForm, None)
            },
            out(
                "wamid.day.out.e1",
                Status::Sent,
                1_770_037_260,
                e,
                FreeForm,
                e_service,
            ),
            out(
                "wamid.day.out.e1",
                Status::Delivered,
                1_770_037_263,
                e,
                FreeForm,
                e_service,
            ),
        ];
        assert_eq!(events.len(), expected.len());
        for (i, (got, want)) in events.iter().zip(&expected).enumerate() {
            assert_eq!(got, want, "event {i}");
        }
    }

    #[test]
    fn volume_tier_webhooks_are_facts_not_messages() {
        let mut r = CloudApiReader::from_bytes(DAY, "hooks.json");
        assert_eq!(r.by_ref().count(), 15);
        assert_eq!(
            r.tier_facts(),
            &[TierFact {
                waba: BusinessId::intern("210987654321098"),
                pricing_category: "UTILITY".into(),
                tier: "1000001:5000000".into(),
                effective_month: "2026-03".into(),
                region: "Brazil".into(),
                update_time: Some(1_770_033_700_000),
            }]
        );
        assert_eq!(r.tier_facts()[0].category(), Some(Category::Utility));
        assert_eq!(r.skipped(), Skipped::default());
    }

    #[test]
    fn json_lines_and_single_envelopes_read_alike() {
        let all: Vec<Value> = serde_json::from_str(DAY).unwrap();
        let lines: String = all.iter().map(|v| format!("{v}\n")).collect();
        assert_eq!(ok(&read(&lines)), ok(&read(DAY)));
        let pretty = serde_json::to_string_pretty(&all[3]).unwrap();
        let events = ok(&read(&pretty));
        assert_eq!(events.len(), 2);
        assert_eq!(events[1].status, Status::Read);
        // An entry alone, or a value alone (WABA unknown).
        let entry = all[3]["entry"][0].to_string();
        assert_eq!(ok(&read(&entry)), events);
        let value = all[3]["entry"][0]["changes"][0]["value"].to_string();
        let v = ok(&read(&value));
        assert_eq!(v[0].waba, Event::default_waba());
        assert_eq!(v[0].business, events[0].business);
    }

    fn envelope(value: &str) -> String {
        format!(
            r#"{{"object":"whatsapp_business_account","entry":[{{"id":"77","changes":[{{"field":"messages","value":{{"metadata":{{"display_phone_number":"+1 555 000 1234","phone_number_id":"9"}},{value}}}}}]}}]}}"#
        )
    }

    fn status(id: &str, status: &str, extra: &str) -> String {
        format!(
            r#"{{"id":"{id}","status":"{status}","timestamp":"1719000000","recipient_id":"5511987654321"{extra}}}"#
        )
    }

    #[test]
    fn cbp_era_categories() {
        let cbp = |cat: &str| {
            format!(r#","pricing":{{"billable":true,"pricing_model":"CBP","category":"{cat}"}}"#)
        };
        let origin = |t: &str| format!(r#","conversation":{{"id":"x","origin":{{"type":"{t}"}}}}"#);
        let statuses = [
            status("w1", "sent", &cbp("user_initiated")),
            status("w2", "sent", &cbp("business_initiated")),
            status("w3", "sent", &cbp("referral_conversion")),
            status("w4", "delivered", &origin("authentication")),
            status("w5", "sent", &cbp("authentication-international")),
            status("w6", "sent", &cbp("marketing_lite")),
            status("w7", "sent", &cbp("promotional")),
        ];
        let rows = read(&envelope(&format!(
            r#""statuses":[{}]"#,
            statuses.join(",")
        )));
        let kinds: Vec<_> = rows
            .iter()
            .take(6)
            .map(|r| r.as_ref().unwrap().kind)
            .collect();
        use MessageKind::{FreeForm, Template};
        assert_eq!(
            kinds,
            [
                FreeForm,
                Template(Category::Marketing),
                FreeForm,
                Template(Category::Authentication),
                Template(Category::Authentication),
                Template(Category::Marketing),
            ]
        );
        let v = rows[0].as_ref().unwrap().verdict.unwrap();
        assert_eq!(
            (v.pricing_model, v.pricing_type, v.category),
            (Some(PricingModel::Cbp), None, None)
        );
        // A CBP free entry point conversation: no category wacost prices, type derived.
        let v = rows[2].as_ref().unwrap().verdict.unwrap();
        assert_eq!(
            (v.pricing_type, v.category, v.billable),
            (Some(PricingType::FreeEntryPoint), None, Some(true))
        );
        assert_eq!(rows[3].as_ref().unwrap().verdict, None);
        let e = rows[6].as_ref().unwrap_err();
        assert_eq!(
            e.reason(),
            "entry[0].changes[0].value.statuses[6]: pricing.category \"promotional\" is not a \
             pricing category wacost knows"
        );
        assert_eq!(e.position, Position::Byte(0));
        assert!(e.raw.as_deref().unwrap().contains("\"w7\""));
    }

    #[test]
    fn a_status_without_category_anywhere_is_an_error() {
        let text = format!(
            "\n\n{}",
            envelope(&format!(
                r#""statuses":[{},{}]"#,
                status("w1", "delivered", ""),
                status("w2", "failed", "")
            ))
        );
        let rows = read(&text);
        assert_eq!(rows.len(), 2);
        // The failed one is free-form; the delivered one is reported at the end.
        assert_eq!(rows[0].as_ref().unwrap().status, Status::Failed);
        assert_eq!(rows[0].as_ref().unwrap().kind, MessageKind::FreeForm);
        let e = rows[1].as_ref().unwrap_err();
        assert_eq!(
            e.to_string(),
            "hooks.json: byte 2: entry[0].changes[0].value.statuses[0]: status without pricing \
             category (no other status of message w1 in this file has one)"
        );
        assert!(e.raw.as_deref().unwrap().contains("\"w1\""));
    }

    #[test]
    fn users_known_only_by_user_id() {
        let value = r#""contacts":[{"profile":{"name":"X"},"user_id":"BR.1234567890"}],
            "messages":[{"from_user_id":"BR.1234567890","id":"m1","timestamp":"1770000000","type":"text"}],
            "statuses":[{"id":"m2","status":"sent","timestamp":"1770000000","recipient_user_id":"BR.1234567890",
                "pricing":{"category":"utility"}}]"#;
        let rows = read(&envelope(value));
        let msgs: Vec<String> = rows
            .iter()
            .map(|r| r.as_ref().unwrap_err().reason())
            .collect();
        assert!(
            msgs[0].contains("no phone number for user_id \"BR.1234567890\""),
            "{}",
            msgs[0]
        );
        assert!(
            msgs[1].contains("no phone number for user_id \"BR.1234567890\""),
            "{}",
            msgs[1]
        );
        // With a wa_id (and no from), the contact's number is used.
        let value = r#""contacts":[{"wa_id":"447700900123","user_id":"GB.1"}],
            "messages":[{"from_user_id":"GB.1","id":"m1","timestamp":"1770000000","type":"text",
              "referral":{"source_type":"post","source_url":"x"}},
              {"from":"447700900123","id":"m2","timestamp":"1770000001","type":"system"}]"#;
        let mut r = CloudApiReader::from_bytes(envelope(value), "hooks.json");
        let e = r.next().unwrap().unwrap();
        assert_eq!(e.contact, n("+447700900123"));
        assert_eq!(e.entry_point, Some(EntryPoint::PageCta));
        assert_eq!(e.business, BusinessId::intern("15550001234"));
        assert_eq!(e.waba, BusinessId::intern("77"));
        assert!(r.next().is_none());
        assert_eq!(r.skipped().system_messages, 1);
    }

    #[test]
    fn bad_fields_name_their_path() {
        let value = format!(
            r#""statuses":[{},{},{}]"#,
            status("w1", "lost", r#","pricing":{"category":"utility"}"#),
            r#"{"id":"w2","status":"sent","timestamp":"soon","recipient_id":"5511987654321","pricing":{"category":"utility"}}"#,
            r#"{"id":"w3","status":"sent","timestamp":"1","recipient_id":"hello","pricing":{"category":"utility"}}"#,
        );
        let rows = read(&envelope(&value));
        let msgs: Vec<String> = rows
            .iter()
            .map(|r| r.as_ref().unwrap_err().reason())
            .collect();
        assert_eq!(
            msgs[0],
            "entry[0].changes[0].value.statuses[0]: status \"lost\" is not sent, delivered, read or failed"
        );
        assert_eq!(
            msgs[1],
            "entry[0].changes[0].value.statuses[1]: timestamp \"soon\" is not Unix seconds"
        );
        assert!(
            msgs[2].starts_with("entry[0].changes[0].value.statuses[2]: recipient_id: "),
            "{}",
            msgs[2]
        );
        let rows = read(r#"{"object":"page","entry":[]} [1] {"entry":[{"id":"1"}]} {"a":1}"#);
        let msgs: Vec<String> = rows
            .iter()
            .map(|r| r.as_ref().unwrap_err().to_string())
            .collect();
        assert_eq!(
            msgs,
            [
                "hooks.json: byte 0: object \"page\" is not whatsapp_business_account",
                "hooks.json: byte 29: not a webhook envelope: expected a JSON object",
                "hooks.json: byte 33: entry[0]: entry without a changes array",
                "hooks.json: byte 56: not a webhook envelope: no entry, changes, messages or statuses",
            ]
        );
    }

    #[test]
    fn truncated_files_give_the_byte_offset() {
        let cut = &DAY[..DAY.len() / 2];
        let rows = read(cut);
        let last = rows.last().unwrap().as_ref().unwrap_err();
        assert_eq!(last.position, Position::Byte(cut.len() as u64));
        assert!(
            last.reason().starts_with("unexpected end of input"),
            "{}",
            last.reason()
        );
        assert!(rows[..rows.len() - 1].iter().all(Result::is_ok));
        assert!(rows.len() > 1);
        // Cut between elements of the array.
        let end = DAY.find("\n  },\n").unwrap() + 4;
        let rows = read(&DAY[..end]);
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[1].as_ref().unwrap_err().position,
            Position::Byte(end as u64)
        );
    }

    #[test]
    fn a_bad_json_line_is_skipped() {
        let all: Vec<Value> = serde_json::from_str(DAY).unwrap();
        let text = format!("{}\n{{\"entry\": [oops\n{}\n", all[0], all[3]);
        let rows = read(&text);
        assert_eq!(rows.len(), 4);
        let e = rows[1].as_ref().unwrap_err();
        let line2 = all[0].to_string().len() as u64 + 1;
        assert_eq!(e.position, Position::Byte(line2 + 11));
        assert!(
            e.reason().starts_with("invalid JSON: expected value"),
            "{}",
            e.reason()
        );
        assert_eq!(e.raw.as_deref(), Some("{\"entry\": [oops"));
        assert!(rows[2].is_ok() && rows[3].is_ok());
    }

    #[test]
    fn empty_and_odd_inputs() {
        assert!(read("").is_empty());
        assert!(read(" \n\u{feff}").len() == 1);
        assert!(read("[]").is_empty());
        assert!(read("\u{feff}[ ]\n").is_empty());
        let rows = read("[] x");
        assert_eq!(rows[0].as_ref().unwrap_err().position, Position::Byte(3));
        let rows = read(r#"[{"entry":[]} {"entry":[]}]"#);
        assert_eq!(
            rows[0].as_ref().unwrap_err().reason(),
            "expected , or ] between array elements"
        );
    }

    #[test]
    fn folders_list_json_files_by_name() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.json", "a.JSON", "c.jsonl", "notes.txt"] {
            std::fs::write(dir.path().join(name), "[]").unwrap();
        }
        std::fs::create_dir(dir.path().join("sub.json")).unwrap();
        let files = read_dir(dir.path()).unwrap();
        let names: Vec<_> = files
            .iter()
            .map(|p| p.file_name().unwrap().to_str().unwrap())
            .collect();
        assert_eq!(names, ["a.JSON", "b.json", "c.jsonl"]);
        let e = read_dir(&dir.path().join("missing")).unwrap_err();
        assert!(e.is_fatal());
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            for r in CloudApiReader::from_bytes(bytes, "x.json") {
                let _ = r;
            }
        }

        #[test]
        fn truncation_anywhere_is_an_error_not_a_panic(cut in 0usize..DAY.len()) {
            let bytes = &DAY.as_bytes()[..cut];
            let rows: Vec<_> = CloudApiReader::from_bytes(bytes, "x.json").collect();
            let rest = &DAY.as_bytes()[cut..];
            if !bytes.iter().all(u8::is_ascii_whitespace) && !rest.iter().all(u8::is_ascii_whitespace) {
                prop_assert!(rows.iter().any(Result::is_err));
            }
        }

        #[test]
        fn json_shaped_noise_never_panics(s in r#"[\[\]{}",:0-9a-z_ \n]{0,200}"#) {
            let text = format!(r#"{{"entry":[{{"id":"1","changes":[{{"field":"messages","value":{s}"#);
            for r in CloudApiReader::from_bytes(text, "x.json") {
                let _ = r;
            }
        }
    }
}
