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
