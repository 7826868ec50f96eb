//! The messages of a log and the rows behind each: a what-if edits messages (moves one or
//! drops it), and every row of the message follows.
//!
//! A message is a message line of a pricing of the log (classification has already merged
//! the rows that share a message id and dropped duplicates). Its rows are found again:
//!
//! - rows with a message id: the rows of the same business number, contact and id, each
//!   going to the latest message of that id sent at or before the row (an id reused after
//!   the week ids are remembered is another message);
//! - rows without an id: the rows of the same business number, contact, instant and kind,
//!   the k-th such row to the k-th such message (a duplicate row past the last goes with
//!   the last).

use rustc_hash::FxHashMap;

use crate::charge::{Charge, LineKind, LineSink};
use crate::event::{BusinessId, Direction, Event, MessageId, MessageKind};
use crate::pricing::phone::ContactNumber;

/// The message lines of a pricing, in the order they were priced.
#[derive(Default)]
pub(crate) struct MessageLines(pub(crate) Vec<Charge>);

impl LineSink for MessageLines {
    fn line(&mut self, c: &Charge) -> std::io::Result<()> {
        if c.kind == LineKind::Message {
            self.0.push(*c);
        }
        Ok(())
    }

    fn reset(&mut self) -> std::io::Result<()> {
        self.0.clear();
        Ok(())
    }
}

/// What a what-if does to one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Edit {
    /// It is not sent.
    Drop,
    /// It is sent this many milliseconds later (every row of it).
    Move(i64),
    /// It is sent as another kind of message (a free-form reply written by Meta's Business
    /// Agent instead of a person, or the reverse), with these tokens.
    Retype(MessageKind, Option<u32>),
}

type Pair = (BusinessId, ContactNumber);

/// For each event, the index of the message line it belongs to (inbound rows: none).
pub(crate) fn owners(events: &[Event], lines: &[Charge]) -> Vec<Option<u32>> {
    let mut by_id: FxHashMap<(Pair, MessageId), Vec<(i64, u32)>> = FxHashMap::default();
    let mut by_instant: FxHashMap<(Pair, i64, MessageKind), Vec<u32>> = FxHashMap::default();
    for (j, c) in lines.iter().enumerate() {
        let (Some(contact), Some(kind)) = (c.contact, c.offer) else {
            continue;
        };
        let pair = (c.business, contact);
        match c.message_id {
            Some(id) => by_id
                .entry((pair, id))
                .or_default()
                .push((c.time_ms, j as u32)),
            None => by_instant
                .entry((pair, c.time_ms, kind))
                .or_default()
                .push(j as u32),
        }
    }
    let mut seen: FxHashMap<(Pair, i64, MessageKind), usize> = FxHashMap::default();
    events
        .iter()
        .map(|ev| {
            if ev.direction != Direction::Outbound {
                return None;
            }
            let pair = (ev.business, ev.contact);
            match ev.message_id {
                Some(id) => {
                    let sent = by_id.get(&(pair, id))?;
                    let k = sent.partition_point(|(t, _)| *t <= ev.time_ms);
                    sent.get(k.checked_sub(1)?).map(|(_, j)| *j)
                }
                None => {
                    let key = (pair, ev.time_ms, ev.kind);
                    let same = by_instant.get(&key)?;
                    let k = seen.entry(key).or_default();
                    let j = same[(*k).min(same.len() - 1)];
                    *k += 1;
                    Some(j)
                }
            }
        })
        .collect()
}

/// The events with each message's edit applied to every row of it, in time order (stable:
/// rows at one instant keep their order in the log).
pub(crate) fn apply(
    events: &[Event],
    owners: &[Option<u32>],
    edits: &FxHashMap<u32, Edit>,
) -> Vec<Event> {
    let mut out: Vec<Event> = Vec::with_capacity(events.len());
    for (ev, owner) in events.iter().zip(owners) {
        let edit = owner.and_then(|j| edits.get(&j));
        match edit {
            None => out.push(*ev),
            Some(Edit::Drop) => {}
            Some(Edit::Move(by)) => out.push(Event {
                time_ms: ev.time_ms.saturating_add(*by),
                ..*ev
            }),
            Some(Edit::Retype(kind, tokens)) => out.push(Event {
                kind: *kind,
                details: crate::event::Details {
                    tokens: *tokens,
                    ..ev.details
                },
                ..*ev
            }),
        }
    }
    out.sort_by_key(|e| e.time_ms);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::ClassifyConfig;
    use crate::event::Status;
    use crate::pricing::RateBook;
    use crate::pricing::category::Category;
    use chrono::{TimeZone, Utc};

    #[test]
    fn rows_follow_their_message() {
        let book = RateBook::embedded().unwrap();
        let at = |m| Utc.with_ymd_and_hms(2026, 11, 2, 9, m, 0).unwrap();
        let ana = "+5511987654321".parse().unwrap();
        let shop = "+1 555 010 0001";
        let mkt = Category::Marketing;
        let events = vec![
            Event::template(at(0), shop, ana, mkt)
                .with_id("a")
                .with_status(Status::Sent),
            Event::inbound(at(1), shop, ana),
            Event::template(at(2), shop, ana, mkt)
                .with_id("a")
                .with_status(Status::Read),
            // Two messages without ids at one instant, and a duplicate of the second.
            Event::template(at(3), shop, ana, mkt),
            Event::template(at(3), shop, ana, mkt).with_status(Status::Failed),
            Event::template(at(3), shop, ana, mkt).with_status(Status::Failed),
        ];
        let mut lines = MessageLines::default();
        crate::replay::price_events(&book, ClassifyConfig::default(), &events, &mut lines).unwrap();
        assert_eq!(lines.0.len(), 3);
        let o = owners(&events, &lines.0);
        assert_eq!(o, [Some(0), None, Some(0), Some(1), Some(2), Some(2)]);
        let mut edits = FxHashMap::default();
        edits.insert(0, Edit::Move(60_000 * 10));
        edits.insert(2, Edit::Drop);
        let moved = apply(&events, &o, &edits);
        let times: Vec<i64> = moved
            .iter()
            .map(|e| (e.time_ms - at(0).timestamp_millis()) / 60_000)
            .collect();
        assert_eq!(times, [1, 3, 10, 12]);
        assert_eq!(moved[2].status, Status::Sent);
        assert_eq!(moved[3].status, Status::Read);
    }
}
