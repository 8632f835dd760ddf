//! Who is calling, and what they may do.

use crate::domain::{Attachment, Role, Scope, Scopes, Ticket, User};
use crate::error::{Error, Result};
use crate::ids::Id;

/// An authenticated principal: the user behind the credential and the key's scopes.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user: User,
    pub key_id: Id,
    pub scopes: Scopes,
}

impl Caller {
    pub fn require(&self, scope: Scope) -> Result<()> {
        if self.scopes.contains(scope) {
            Ok(())
        } else {
            Err(Error::InsufficientScope(scope.as_str()))
        }
    }

    /// A ticket the caller may not see is reported exactly like a missing one.
    pub fn may_see(&self, ticket: &Ticket) -> bool {
        self.user.role.sees_all_tickets() || ticket.requester_id == self.user.id
    }

    /// Customers may delete only what they uploaded; agents and admins anything they see.
    pub fn may_delete(&self, attachment: &Attachment) -> bool {
        self.user.role != Role::Customer || attachment.uploaded_by == self.user.id
    }

    /// Whether a key with `attachments:delete` would let this caller delete it (for UIs and
    /// the vendors' `destroy_is_available`).
    pub fn can_delete(&self, attachment: &Attachment) -> bool {
        self.scopes.contains(Scope::AttachmentsDelete) && self.may_delete(attachment)
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
