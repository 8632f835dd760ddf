//! TopTickets' names for attache's values, both ways: statuses (the table in
//! src/domain/status.rs), priorities, times, and fields that may be sent as `null`.

use serde::{Deserialize, Deserializer};

use crate::domain::{Status, Timestamp};
use crate::error::{Error, FieldError, Result};

pub const PRIORITIES: [&str; 4] = ["low", "medium", "high", "urgent"];
/// What a ticket with no priority shows (TopTickets' "normal").
pub const DEFAULT_PRIORITY: &str = "medium";

/// The error code TopTickets documents under 400 rather than 422 (src/api/native/errors.rs).
pub const INVALID_PRIORITY: &str = "invalid_priority";

/// A core status under its TopTickets name.
pub fn status_name(status: Status) -> &'static str {
    match status {
        Status::New => "new",
        Status::Open | Status::InProgress | Status::CustomerReply => "open",
        Status::Pending | Status::OnHold => "pending",
        Status::Resolved => "resolved",
        Status::Closed => "closed",
    }
}

fn invalid_status(pointer: &str) -> Error {
    Error::invalid(
        pointer,
        "invalid_status",
        "value is not a valid enumeration member; permitted: 'new', 'open', 'pending', 'resolved', 'closed'",
    )
}

/// The core status a client sets with a TopTickets name.
pub fn status(name: &str, pointer: &str) -> Result<Status> {
    match name {
        "new" | "open" | "pending" | "resolved" | "closed" => {
            Status::parse(name).ok_or_else(|| invalid_status(pointer))
        }
        _ => Err(invalid_status(pointer)),
    }
}

/// The core statuses a TopTickets status filter names (all those shown under that name).
pub fn statuses_named(name: &str, pointer: &str) -> Result<Vec<Status>> {
    status(name, pointer)?;
    Ok(Status::ALL
        .into_iter()
        .filter(|s| status_name(*s) == name)
        .collect())
}

/// A TopTickets priority, checked.
pub fn priority<'a>(name: &'a str, pointer: &str) -> Result<&'a str> {
    if PRIORITIES.contains(&name) {
        return Ok(name);
    }
    Err(Error::Invalid(vec![FieldError::new(
        pointer,
        INVALID_PRIORITY,
        "value is not a valid enumeration member; permitted: 'low', 'medium', 'high', 'urgent'",
    )]))
}

/// A stored priority under its TopTickets name: none is `medium`, HostUp's `critical` is
/// `urgent`, and any other free text another dialect stored is `medium`.
pub fn priority_name(stored: Option<&str>) -> &'static str {
    match stored {
        Some("critical") => "urgent",
        Some(p) => PRIORITIES
            .into_iter()
            .find(|known| *known == p)
            .unwrap_or(DEFAULT_PRIORITY),
        None => DEFAULT_PRIORITY,
    }
}

/// An RFC 3339 time.
pub fn time(text: &str, pointer: &str) -> Result<Timestamp> {
    Timestamp::parse(text).ok_or_else(|| {
        Error::invalid(
            pointer,
            "invalid_datetime",
            "Not an ISO 8601 date-time with an offset, such as 2025-01-15T10:30:00Z.",
        )
    })
}

/// A field that may be absent (`None`), `null` (`Some(None)`) or a value.
#[derive(Debug, Default)]
pub struct Nullable<T>(pub Option<Option<T>>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nullable<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Ok(Nullable(Some(Option::deserialize(d)?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_toptickets_status_is_one_core_status_and_reads_back() {
        for name in ["new", "open", "pending", "resolved", "closed"] {
            let core = status(name, "/status").unwrap();
            assert_eq!(status_name(core), name);
            assert!(statuses_named(name, "/status").unwrap().contains(&core));
        }
        for core in Status::ALL {
            let shown = status_name(core);
            assert!(statuses_named(shown, "/status").unwrap().contains(&core));
        }
        assert!(status("in_progress", "/status").is_err());
    }
}
