//! What a ticket listing matches and sorts by, beyond who may see it: the criteria of the
//! dialects' filters, which `tickets::TicketFilter` turns into SQL.

use crate::domain::Status;
use crate::ids::Id;

/// What a listing matches beyond who may see it, for dialects that filter on more than the
/// status and the subject; every field set narrows the list.
#[derive(Default, Clone, Debug)]
pub struct TicketMatch {
    /// Matches no ticket at all (a filter naming something that does not exist).
    pub nothing: bool,
    /// Closed tickets only, or only those not closed.
    pub closed: Option<bool>,
    /// Escalated tickets only, or only those never escalated.
    pub escalated: Option<bool>,
    pub number: Option<i64>,
    /// This one ticket (Huawei's `incident_id` filter).
    pub id: Option<Id>,
    /// Opened by this user (a filter, apart from what a customer may see).
    pub requester: Option<Id>,
    /// Case-insensitive substrings of the requester's name, all of them.
    pub requester_name_contains: Vec<String>,
    pub category: Option<CategoryMatch>,
    /// Tickets of one priority (`or_none`: also those without one).
    pub priority: Option<CategoryMatch>,
    /// Any of these statuses (a dialect's name for several core statuses); empty: any.
    pub statuses: Vec<Status>,
    /// Tickets of this department only (HostUp's `departmentSlug`).
    pub department: Option<String>,
    pub text: Option<TextMatch>,
}

/// Tickets of one category (or priority); `or_none` also takes those without one (for a
/// dialect that shows them under a default name).
#[derive(Clone, Debug)]
pub struct CategoryMatch {
    pub name: String,
    pub or_none: bool,
}

/// A case-insensitive substring of the subject, or of the ticket's key: `key_prefix`
/// followed by its number.
#[derive(Clone, Debug)]
pub struct TextMatch {
    pub needle: String,
    pub key_prefix: String,
}

/// What a ticket listing sorts by (each key ascending or descending, then by id).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TicketSort {
    Created,
    Updated,
    Category,
    Number,
    Status,
    Priority,
    Subject,
    RequesterName,
}

impl TicketSort {
    pub(super) fn column(self) -> &'static str {
        match self {
            TicketSort::Created => "t.created_at",
            TicketSort::Updated => "t.updated_at",
            TicketSort::Category => "t.category",
            TicketSort::Number => "t.number",
            TicketSort::Status => "t.status",
            TicketSort::Priority => "t.priority",
            TicketSort::Subject => "t.subject",
            TicketSort::RequesterName => "u.name",
        }
    }
}
