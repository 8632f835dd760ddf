//! The records of the domain: users, keys, scopes, tickets, messages, attachments.

use serde::Serialize;

use crate::domain::{CcAddresses, Sha256, Status, Timestamp};
use crate::ids::Id;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Agent,
    Customer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Agent => "agent",
            Role::Customer => "customer",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "admin" => Some(Role::Admin),
            "agent" => Some(Role::Agent),
            "customer" => Some(Role::Customer),
            _ => None,
        }
    }

    /// The scopes a key of this role may carry (and gets by default).
    pub fn allowed_scopes(self) -> Scopes {
        match self {
            Role::Admin => Scopes::ALL,
            Role::Agent | Role::Customer => Scopes(Scopes::ALL.0 & !Scope::Admin.bit()),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    TicketsRead,
    TicketsWrite,
    /// Deleting whole tickets (TopTickets `tickets:delete`); never implied by another scope.
    TicketsDelete,
    AttachmentsRead,
    AttachmentsWrite,
    AttachmentsDelete,
    Admin,
}

const ALL_SCOPES: [Scope; 7] = [
    Scope::TicketsRead,
    Scope::TicketsWrite,
    Scope::TicketsDelete,
    Scope::AttachmentsRead,
    Scope::AttachmentsWrite,
    Scope::AttachmentsDelete,
    Scope::Admin,
];

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::TicketsRead => "tickets:read",
            Scope::TicketsWrite => "tickets:write",
            Scope::TicketsDelete => "tickets:delete",
            Scope::AttachmentsRead => "attachments:read",
            Scope::AttachmentsWrite => "attachments:write",
            Scope::AttachmentsDelete => "attachments:delete",
            Scope::Admin => "admin",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of scopes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Scopes(u8);

impl Scopes {
    pub const ALL: Scopes = Scopes(0b111_1111);

    pub fn contains(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }

    pub fn is_subset_of(self, other: Scopes) -> bool {
        self.0 & !other.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Scope> {
        ALL_SCOPES.into_iter().filter(move |s| self.contains(*s))
    }

    /// Parses canonical names and the vendor aliases (`read:support`, `write:support`).
    /// Returns the name that is not a scope on failure.
    pub fn parse<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Scopes, String> {
        let mut bits = 0u8;
        for name in names.into_iter().map(str::trim).filter(|n| !n.is_empty()) {
            bits |= match name {
                "read:support" => Scope::TicketsRead.bit() | Scope::AttachmentsRead.bit(),
                "write:support" => Scope::TicketsWrite.bit() | Scope::AttachmentsWrite.bit(),
                _ => ALL_SCOPES
                    .into_iter()
                    .find(|s| s.as_str() == name)
                    .ok_or_else(|| name.to_owned())?
                    .bit(),
            };
        }
        Ok(Scopes(bits))
    }

    /// Space-separated canonical names, as stored.
    pub fn to_db(self) -> String {
        self.iter().map(Scope::as_str).collect::<Vec<_>>().join(" ")
    }

    pub fn from_db(text: &str) -> Scopes {
        Scopes::parse(text.split(' ')).unwrap_or_default()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: Id,
    pub name: String,
    pub role: Role,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug)]
pub struct ApiKey {
    pub id: Id,
    pub user_name: String,
    pub prefix: String,
    pub scopes: Scopes,
    pub label: String,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ticket {
    pub id: Id,
    pub number: i64,
    pub subject: String,
    pub status: Status,
    /// Free-form, as the vendor dialects send them (HostUp `priority`, `departmentSlug`).
    pub priority: Option<String>,
    pub department: Option<String>,
    /// The vendor's kind of ticket (Waldur `type`).
    pub category: Option<String>,
    pub requester_id: Id,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// When the status last became `resolved`; kept while it stays resolved or closed.
    pub resolved_at: Option<Timestamp>,
    /// When the status last became `closed`; cleared when the ticket is reopened.
    pub closed_at: Option<Timestamp>,
    /// When it is due (TopTickets `due_date`), as the client set it.
    pub due_date: Option<Timestamp>,
    /// Whom news of it is copied to (HostUp `ccEmails`).
    pub cc_addresses: CcAddresses,
    /// Why it has its priority (HostUp `criticalReason`): with `critical`, an alert.
    pub priority_reason: Option<String>,
    /// When and why it was escalated (Waldur's escalate action), once; `None` if never.
    pub escalation: Option<Escalation>,
    pub attachment_count: i64,
}

/// A ticket raised to more senior attention: when, and why (as the escalating user wrote it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Escalation {
    pub at: Timestamp,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub id: Id,
    pub ticket_id: Id,
    pub author_id: Id,
    pub body: String,
    pub created_at: Timestamp,
    /// The last edit; the creation until the message is edited.
    pub updated_at: Timestamp,
    /// A note for agents and admins: customers other than its author never see it.
    pub internal: bool,
    /// Written with the ticket: the dialects show it as the ticket's description.
    pub opening: bool,
    /// Its author marked it as sensitive (HostUp `encrypted`); it is stored as sent.
    pub sensitive: bool,
    pub attachments: Vec<Attachment>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    pub id: Id,
    pub ticket_id: Option<Id>,
    pub message_id: Option<Id>,
    pub sha256: Sha256,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub uploaded_by: Id,
    pub created_at: Timestamp,
    /// Set while this is an upload no message carries yet and that expires unless one does.
    pub pending_until: Option<Timestamp>,
}

impl Attachment {
    pub fn is_pending(&self) -> bool {
        self.pending_until.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_aliases_and_refuse_unknown_names() {
        let s = Scopes::parse(["read:support", "attachments:delete"]).unwrap();
        assert_eq!(
            s.to_db(),
            "tickets:read attachments:read attachments:delete"
        );
        assert_eq!(Scopes::from_db(&s.to_db()), s);
        assert_eq!(Scopes::parse(["tickets:read", "root"]), Err("root".into()));
        assert!(!Role::Customer.allowed_scopes().contains(Scope::Admin));
        assert!(Role::Admin.allowed_scopes().contains(Scope::Admin));
    }
}
