//! What happened to a ticket, as the core records it for every dialect (Huawei OSM shows it
//! as a case's operate logs), and how to reach the ticket's requester about it.

use crate::domain::Timestamp;
use crate::ids::Id;

/// A kind of change, as stored (the CHECK of `ticket_events.kind`, migrations/V6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// The ticket was opened (with its first message and files, recorded apart).
    Created,
    /// A message was added (`detail`: its id, hex).
    Replied,
    /// The status moved, neither to closed nor back from done (`detail`: the new status).
    StatusChanged,
    /// The status became closed.
    Closed,
    /// A resolved or closed ticket was made active again (`detail`: the new status).
    Reopened,
    /// Subject, priority, category or due date (`detail`: which, comma-separated).
    Changed,
    /// A file came onto the ticket (`detail`: its name).
    AttachmentAdded,
    /// A file was taken off it (`detail`: its name).
    AttachmentDeleted,
    /// `detail`: the message's id, hex.
    MessageEdited,
    MessageDeleted,
    /// Its author took a message back (Huawei's withdraw).
    MessageWithdrawn,
    /// How to reach the requester changed.
    ContactChanged,
}

impl EventKind {
    pub const ALL: [EventKind; 12] = [
        EventKind::Created,
        EventKind::Replied,
        EventKind::StatusChanged,
        EventKind::Closed,
        EventKind::Reopened,
        EventKind::Changed,
        EventKind::AttachmentAdded,
        EventKind::AttachmentDeleted,
        EventKind::MessageEdited,
        EventKind::MessageDeleted,
        EventKind::MessageWithdrawn,
        EventKind::ContactChanged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Created => "created",
            EventKind::Replied => "replied",
            EventKind::StatusChanged => "status_changed",
            EventKind::Closed => "closed",
            EventKind::Reopened => "reopened",
            EventKind::Changed => "changed",
            EventKind::AttachmentAdded => "attachment_added",
            EventKind::AttachmentDeleted => "attachment_deleted",
            EventKind::MessageEdited => "message_edited",
            EventKind::MessageDeleted => "message_deleted",
            EventKind::MessageWithdrawn => "message_withdrawn",
            EventKind::ContactChanged => "contact_changed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// One recorded change; `id` orders a ticket's events as they happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TicketEvent {
    pub id: i64,
    pub ticket_id: Id,
    pub kind: EventKind,
    pub actor_id: Id,
    pub detail: String,
    pub created_at: Timestamp,
}

/// How to reach a ticket's requester about it; each part may be missing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Contact {
    /// The phone's country calling code (`86`, `+49`).
    pub calling_code: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// When they may be called, as free text (`0` any time, `09:00-18:00`).
    pub hours: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_from_its_name() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(EventKind::parse("deleted"), None);
    }
}
