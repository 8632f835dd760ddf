//! A ticket's status: one core vocabulary that every dialect maps its own words onto.

use serde::Serialize;

/// Where a ticket stands. The set is the union of the distinct states the vendors' clients
/// can tell apart, so that each dialect maps its vocabulary onto it without losing a value
/// its clients set or filter on; each dialect shows the core value under its own name
/// (docs/dialects.md repeats this table):
///
/// | core             | meaning                                   | TopTickets (`/v1`) | HostUp           | Waldur (free text) | Huawei OSM (int) |
/// |------------------|-------------------------------------------|--------------------|------------------|--------------------|------------------|
/// | `new`            | opened, nobody has worked on it yet       | `new`              | `open`           | `new`              | 0                |
/// | `open`           | being worked on (attache 0.1's `open`)    | `open`             | `open`           | `open`             | 0                |
/// | `in_progress`    | an agent has taken it up                  | `open`             | `in_progress`    | `in_progress`      | 1                |
/// | `customer_reply` | the customer answered, staff's turn       | `open`             | `customer_reply` | `customer_reply`   | 1                |
/// | `pending`        | waiting on the customer (0.1's `pending`) | `pending`          | `answered`       | `pending`          | 17               |
/// | `on_hold`        | parked, nobody's turn                     | `pending`          | `on_hold`        | `on_hold`          | 5                |
/// | `resolved`       | solved, may still be reopened             | `resolved`         | `closed`         | `resolved`         | 2                |
/// | `closed`         | finished (0.1's `closed`)                 | `closed`           | `closed`         | `closed`           | 3                |
///
/// Every TopTickets and HostUp value is the name of exactly one core value (HostUp's
/// `answered` is `pending`; its `unknown` is never answered), so what a client sets reads
/// back as it was set. The three values of attache 0.1 (`open`, `pending`, `closed`) keep
/// their meaning in every dialect, and their answers in every dialect but HostUp's, which
/// says `answered` for `pending`, as its documents do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    New,
    Open,
    InProgress,
    CustomerReply,
    Pending,
    OnHold,
    Resolved,
    Closed,
}

impl Status {
    pub const ALL: [Status; 8] = [
        Status::New,
        Status::Open,
        Status::InProgress,
        Status::CustomerReply,
        Status::Pending,
        Status::OnHold,
        Status::Resolved,
        Status::Closed,
    ];

    /// The core name, as stored (the CHECK of `tickets.status`, migrations/V4).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Open => "open",
            Status::InProgress => "in_progress",
            Status::CustomerReply => "customer_reply",
            Status::Pending => "pending",
            Status::OnHold => "on_hold",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
        }
    }

    /// A core name.
    pub fn parse(text: &str) -> Option<Self> {
        Status::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Finished: resolved or closed.
    pub fn is_done(self) -> bool {
        matches!(self, Status::Resolved | Status::Closed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_reads_back_from_its_name() {
        for status in Status::ALL {
            assert_eq!(Status::parse(status.as_str()), Some(status));
            let json = serde_json::to_value(status).unwrap();
            assert_eq!(json, status.as_str());
        }
        assert_eq!(Status::parse("answered"), None);
    }
}
