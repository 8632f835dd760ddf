//! Taking a message back (Huawei OSM's withdraw): its author, and only its author, removes a
//! message they wrote on a ticket they still see, with the files it carried, for everyone.
//! The withdrawal stays in the ticket's events, so a second attempt is told the message was
//! withdrawn rather than that it never existed. (A note for staff leaves no event, as
//! everywhere: once withdrawn, it is as if it never existed.)

use crate::core::access::Caller;
use crate::core::attachments::remove_blob_if_unreferenced;
use crate::core::events::record;
use crate::core::tickets::visible;
use crate::core::Core;
use crate::domain::{EventKind, Scope};
use crate::error::{Error, Result};
use crate::ids::Id;
use crate::store::sql::{attachments as attachment_sql, events as event_sql, messages as sql};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Withdrawal {
    Withdrawn,
    /// It was withdrawn before: nothing changed.
    AlreadyWithdrawn,
}

/// Withdraws message `id` of ticket `ticket_id`. `not_found` for a ticket the caller does not
/// see or a message not on it that was never withdrawn; `forbidden` for someone else's
/// message, and for the message the ticket opened with (its description).
pub async fn withdraw(core: &Core, caller: &Caller, ticket_id: Id, id: Id) -> Result<Withdrawal> {
    caller.require(Scope::TicketsWrite)?;
    visible(core, caller, ticket_id).await?;
    let caller = caller.clone();
    let (outcome, removed, blobs) = core
        .db
        .write(move |tx| {
            let found = sql::message_by_id(tx, id)?
                .filter(|m| m.ticket_id == ticket_id && caller.may_read(m));
            let Some(message) = found else {
                let kind = EventKind::MessageWithdrawn;
                return if event_sql::has_event(tx, ticket_id, kind, &id.hex())? {
                    Ok((Withdrawal::AlreadyWithdrawn, Vec::new(), Vec::new()))
                } else {
                    Err(Error::NotFound("message"))
                };
            };
            if message.author_id != caller.user.id {
                return Err(Error::Forbidden("Only its author withdraws a message."));
            }
            if message.opening {
                return Err(Error::Forbidden(
                    "The message a ticket opened with is its description: it stays.",
                ));
            }
            let carried: Vec<_> = attachment_sql::list_for_ticket(tx, ticket_id)?
                .into_iter()
                .filter(|a| a.message_id == Some(id))
                .collect();
            for attachment in &carried {
                attachment_sql::delete_attachment(tx, attachment.id)?;
            }
            sql::delete_message(tx, id)?;
            let mut gone = Vec::new();
            for attachment in &carried {
                let sha = attachment.sha256;
                if !gone.contains(&sha) && attachment_sql::delete_blob_if_unreferenced(tx, &sha)? {
                    gone.push(sha);
                }
            }
            if !message.internal {
                let kind = EventKind::MessageWithdrawn;
                record(tx, ticket_id, kind, &caller, &id.hex())?;
            }
            let removed = carried.iter().map(|a| a.id).collect();
            Ok((Withdrawal::Withdrawn, removed, gone))
        })
        .await?;
    super::forget::forget(core, removed).await?;
    for sha in blobs {
        remove_blob_if_unreferenced(core, sha).await?;
    }
    Ok(outcome)
}
