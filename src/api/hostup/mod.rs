//! The HostUp dialect under `/api/v2/support`, as HostUp's v2 documents describe it:
//! `tkt_`/`tmsg_`/`satt_`/`tatt_` ids, camelCase JSON, cursor pages, problem+json errors.
//! Uploads are pending (`satt_`) until a reply carries them, then they are ticket attachments
//! (`tatt_`): the same id, spelled by state. docs/dialects.md lists what differs from HostUp.

mod attachments;
mod departments;
mod new_ticket;
mod tickets;
mod views;

pub use attachments::{download, upload};
pub use departments::departments;
pub use new_ticket::create_ticket;
pub use tickets::{close, list_tickets, reopen, reply, ticket_detail};

use crate::domain::Status;
use crate::error::{Error, Result};
use crate::ids::Id;

/// A ticket named by its `tkt_` id, as HostUp's clients name it.
fn ticket_id(text: &str) -> Result<Id> {
    Id::parse_prefixed("tkt", text).ok_or(Error::NotFound("ticket"))
}

/// `satt_` and `tatt_` name the same attachment in its two states; both resolve.
fn attachment_id(text: &str) -> Option<Id> {
    Id::parse_prefixed("tatt", text).or_else(|| Id::parse_prefixed("satt", text))
}

/// HostUp's priorities. `critical` is kept as such in the core (TopTickets shows it as
/// `urgent`); a ticket with none, or with another dialect's free text, shows `medium`.
pub const PRIORITIES: [&str; 5] = ["low", "medium", "high", "urgent", "critical"];
const DEFAULT_PRIORITY: &str = "medium";

fn priority_name(stored: Option<&str>) -> &'static str {
    stored
        .and_then(|p| PRIORITIES.into_iter().find(|known| *known == p))
        .unwrap_or(DEFAULT_PRIORITY)
}

/// HostUp's statuses a client may filter on (`unknown` only ever appears in answers, and
/// attache never answers it).
pub const STATUSES: [&str; 6] = [
    "open",
    "answered",
    "customer_reply",
    "in_progress",
    "on_hold",
    "closed",
];

/// A core status under its HostUp name (the table in src/domain/status.rs).
fn status_name(status: Status) -> &'static str {
    match status {
        Status::New | Status::Open => "open",
        Status::InProgress => "in_progress",
        Status::CustomerReply => "customer_reply",
        Status::Pending => "answered",
        Status::OnHold => "on_hold",
        Status::Resolved | Status::Closed => "closed",
    }
}

/// The core statuses a HostUp status filter names: all those shown under that name.
fn statuses_named(name: &str) -> Option<Vec<Status>> {
    STATUSES.contains(&name).then(|| {
        Status::ALL
            .into_iter()
            .filter(|s| status_name(*s) == name)
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_status_has_a_filterable_hostup_name() {
        for status in Status::ALL {
            let name = status_name(status);
            assert!(statuses_named(name).unwrap().contains(&status), "{name}");
        }
        assert_eq!(statuses_named("answered"), Some(vec![Status::Pending]));
        assert_eq!(statuses_named("unknown"), None);
        assert_eq!(statuses_named("pending"), None);
    }

    #[test]
    fn priorities_read_back_and_others_are_medium() {
        for p in PRIORITIES {
            assert_eq!(priority_name(Some(p)), p);
        }
        assert_eq!(priority_name(Some("P1")), "medium");
        assert_eq!(priority_name(None), "medium");
    }
}
