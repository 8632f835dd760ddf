//! Who is calling, and what they may see and do: the rules of SPEC §3, written once. Every
//! dialect, the store's filters and the UI's `/v1/me` ask `Caller`; none reads a role or a
//! scope to decide for itself.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::domain::{Attachment, Message, Role, Scope, Scopes, Ticket, User};
use crate::error::{Error, Result};
use crate::ids::Id;

/// An authenticated principal: the user behind the credential and the key's scopes.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user: User,
    pub key_id: Id,
    pub scopes: Scopes,
}

/// Which tickets a caller sees: admins and agents all of them, a customer the tickets they
/// opened (and their own uploads on no ticket yet).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sees {
    All,
    Own(Id),
}

impl Sees {
    /// The requester the store's listings filter on, if any.
    pub fn requester(self) -> Option<Id> {
        match self {
            Sees::All => None,
            Sees::Own(user) => Some(user),
        }
    }

    pub fn ticket(self, ticket: &Ticket) -> bool {
        self.requester()
            .is_none_or(|user| ticket.requester_id == user)
    }

    /// An upload on no ticket yet.
    pub fn unattached(self, upload: &Attachment) -> bool {
        self.requester()
            .is_none_or(|user| upload.uploaded_by == user)
    }
}

/// What a caller may do to a record it sees, as user interfaces and the vendors'
/// `*_is_available` flags ask it.
#[derive(Clone, Copy, Debug)]
pub enum Action<'a> {
    UpdateTicket(&'a Ticket),
    Reply(&'a Ticket),
    Attach(&'a Ticket),
    DeleteAttachment(&'a Attachment),
}

/// What `/v1/me` and the UI's session report: the caller's access, computed here so that no
/// client works it out from the role or the scope names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccessView {
    /// `all` tickets, or only the caller's `own`.
    pub tickets: &'static str,
    /// Every scope, and whether this caller may act under it. `admin` implies no other.
    pub may: BTreeMap<&'static str, bool>,
}

impl Caller {
    pub fn sees(&self) -> Sees {
        match self.user.role {
            Role::Admin | Role::Agent => Sees::All,
            Role::Customer => Sees::Own(self.user.id),
        }
    }

    /// Whether the key lets the caller act under `scope`.
    pub fn holds(&self, scope: Scope) -> bool {
        self.scopes.contains(scope)
    }

    pub fn require(&self, scope: Scope) -> Result<()> {
        if self.holds(scope) {
            Ok(())
        } else {
            Err(Error::InsufficientScope(scope.as_str()))
        }
    }

    /// A ticket the caller may not see is reported exactly like a missing one.
    pub fn may_see(&self, ticket: &Ticket) -> bool {
        self.sees().ticket(ticket)
    }

    /// Internal messages are for agents and admins, and for their author.
    pub fn may_read(&self, message: &Message) -> bool {
        !message.internal || self.sees() == Sees::All || message.author_id == self.user.id
    }

    /// Agents and admins may change and delete the messages they may read; customers none.
    pub fn may_change_messages(&self) -> bool {
        self.holds(Scope::TicketsWrite) && self.user.role != Role::Customer
    }

    /// Deleting a whole ticket (with everyone's messages and files on it) is for agents and
    /// admins; the scope is checked apart.
    pub fn may_delete_tickets(&self) -> bool {
        self.user.role != Role::Customer
    }

    /// Customers may delete or bind only what they uploaded; agents and admins anything they
    /// see. The scope is checked apart, so that a missing scope answers 403 before a lookup.
    pub fn may_delete(&self, attachment: &Attachment) -> bool {
        self.user.role != Role::Customer || attachment.uploaded_by == self.user.id
    }

    /// Whether the key and the role both let the caller take `action`.
    pub fn may(&self, action: Action) -> bool {
        match action {
            Action::UpdateTicket(t) | Action::Reply(t) => {
                self.holds(Scope::TicketsWrite) && self.may_see(t)
            }
            Action::Attach(t) => self.holds(Scope::AttachmentsWrite) && self.may_see(t),
            Action::DeleteAttachment(a) => {
                self.holds(Scope::AttachmentsDelete) && self.may_delete(a)
            }
        }
    }

    pub fn access(&self) -> AccessView {
        AccessView {
            tickets: match self.sees() {
                Sees::All => "all",
                Sees::Own(_) => "own",
            },
            may: Scopes::ALL
                .iter()
                .map(|scope| (scope.as_str(), self.holds(scope)))
                .collect(),
        }
    }
}

/// The keys that presented secrets were verified to belong to, so the rate limit, which runs
/// before authentication, can count a request against its key only once the key is proven:
/// an unverified or invalid credential counts against the client's address. A bounded LRU of
/// SHA-256 fingerprints; a secret that fell out is counted by address until verified again.
pub struct VerifiedKeys {
    keys: std::sync::Mutex<hashlink::LruCache<[u8; 32], Id>>,
}

impl Default for VerifiedKeys {
    fn default() -> Self {
        VerifiedKeys {
            keys: std::sync::Mutex::new(hashlink::LruCache::new(10_000)),
        }
    }
}

impl VerifiedKeys {
    fn fingerprint(secret: &str) -> [u8; 32] {
        use sha2::Digest;
        sha2::Sha256::digest(secret.as_bytes()).into()
    }

    pub fn remember(&self, secret: &str, key_id: Id) {
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        keys.insert(Self::fingerprint(secret), key_id);
    }

    /// The key `secret` was verified to belong to, if it was.
    pub fn key_of(&self, secret: &str) -> Option<Id> {
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        keys.get(&Self::fingerprint(secret)).copied()
    }
}
