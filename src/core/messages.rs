//! Messages on a ticket, and binding earlier uploads to them.

use crate::core::access::Caller;
use crate::core::model::{now, Message, Scope};
use crate::core::tickets::{check_body, visible};
use crate::core::Core;
use crate::error::{Error, FieldError, Result};
use crate::ids::Id;
use crate::store::sql::{attachments as attachment_sql, tickets as sql};

/// Messages oldest first, each with its attachments.
pub async fn list(core: &Core, caller: &Caller, ticket_id: Id) -> Result<Vec<Message>> {
    caller.require(Scope::TicketsRead)?;
    visible(core, caller, ticket_id).await?;
    core.db
        .run(move |conn| {
            let mut messages = sql::list_messages(conn, ticket_id)?;
            for attachment in attachment_sql::list_for_ticket(conn, ticket_id)? {
                if let Some(m) = messages
                    .iter_mut()
                    .find(|m| Some(m.id) == attachment.message_id)
                {
                    m.attachments.push(attachment);
                }
            }
            Ok(messages)
        })
        .await
}

/// Stores a message; `attachment_ids` names uploads on this ticket, not yet on a message,
/// which the message then carries. Customers may bind only their own uploads.
pub async fn create(
    core: &Core,
    caller: &Caller,
    ticket_id: Id,
    body: String,
    attachment_ids: Vec<Id>,
) -> Result<Message> {
    caller.require(Scope::TicketsWrite)?;
    check_body("/body", &body)?;
    if body.trim().is_empty() && attachment_ids.is_empty() {
        return Err(Error::invalid(
            "/body",
            "empty_message",
            "A message needs a body or attachments.",
        ));
    }
    visible(core, caller, ticket_id).await?;
    let caller = caller.clone();
    core.db
        .write(move |tx| {
            let mut message = Message {
                id: Id::new(),
                ticket_id,
                author_id: caller.user.id,
                body,
                created_at: now(),
                attachments: Vec::new(),
            };
            sql::insert_message(tx, &message)?;
            let mut errors = Vec::new();
            for (i, id) in attachment_ids.iter().enumerate() {
                let bindable = attachment_sql::attachment_by_id(tx, *id)?.filter(|a| {
                    a.ticket_id == Some(ticket_id) && a.message_id.is_none() && caller.may_delete(a)
                });
                match bindable {
                    Some(mut attachment) => {
                        attachment_sql::bind_to_message(tx, attachment.id, message.id)?;
                        attachment.message_id = Some(message.id);
                        message.attachments.push(attachment);
                    }
                    None => errors.push(FieldError::new(
                        format!("/attachment_ids/{i}"),
                        "not_bindable",
                        "No upload of yours with this id is waiting on this ticket.",
                    )),
                }
            }
            if !errors.is_empty() {
                return Err(Error::Invalid(errors)); // rolls the message back too
            }
            sql::touch_ticket(tx, ticket_id, &message.created_at)?;
            Ok(message)
        })
        .await
}
