//! Messages on a ticket, and binding uploads to them. Every way a message can carry uploads
//! (native `attachment_ids`, HostUp replies, Huawei cases, Waldur) goes through `insert`.

use rusqlite::Transaction;

use crate::core::access::Caller;
use crate::core::tickets::{check_body, visible};
use crate::core::Core;
use crate::domain::{now, Attachment, Message, Scope};
use crate::error::{Error, FieldError, Result};
use crate::ids::Id;
use crate::store::sql::{attachments as attachment_sql, tickets as sql};

/// Which uploads a new message carries besides those it names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Carry {
    /// Only the uploads named in `attachment_ids`.
    Named,
    /// Also the caller's pending uploads pinned to the ticket (HostUp replies).
    NamedAndPinned,
}

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

pub async fn create(
    core: &Core,
    caller: &Caller,
    ticket_id: Id,
    body: String,
    attachment_ids: Vec<Id>,
    carry: Carry,
) -> Result<Message> {
    caller.require(Scope::TicketsWrite)?;
    check_body("/body", &body)?;
    visible(core, caller, ticket_id).await?;
    let caller = caller.clone();
    let limit = core.config.max_attachments_per_ticket;
    let message = core
        .db
        .write(move |tx| {
            let message = insert(tx, &caller, ticket_id, body, &attachment_ids, carry, limit)?;
            sql::touch_ticket(tx, ticket_id, &message.created_at)?;
            Ok(message)
        })
        .await?;
    Ok(message)
}

/// Whether `caller` may put `upload` on a message of `ticket_id`: it is on no message yet,
/// and either already on that ticket or a pending upload on no ticket. Pending uploads are
/// their uploader's alone; customers may bind only what they uploaded.
fn bindable(upload: &Attachment, caller: &Caller, ticket_id: Id) -> bool {
    let placed =
        upload.ticket_id == Some(ticket_id) || (upload.ticket_id.is_none() && upload.is_pending());
    let owner = if upload.is_pending() {
        upload.uploaded_by == caller.user.id
    } else {
        caller.may_delete(upload)
    };
    upload.message_id.is_none() && placed && owner
}

/// Stores a message inside a write transaction and binds the uploads it carries. Refuses the
/// whole message when any named upload cannot be bound.
pub(crate) fn insert(
    tx: &Transaction,
    caller: &Caller,
    ticket_id: Id,
    body: String,
    named: &[Id],
    carry: Carry,
    max_attachments: u64,
) -> Result<Message> {
    let mut ids = named.to_vec();
    if carry == Carry::NamedAndPinned {
        for id in attachment_sql::pending_pinned(tx, caller.user.id, ticket_id)? {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    if body.trim().is_empty() && ids.is_empty() {
        return Err(Error::invalid(
            "/body",
            "empty_message",
            "A message needs a body or attachments.",
        ));
    }
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
    for (i, id) in ids.iter().enumerate() {
        match attachment_sql::attachment_by_id(tx, *id)?.filter(|a| bindable(a, caller, ticket_id))
        {
            Some(mut upload) => {
                attachment_sql::bind_to_message(tx, upload.id, ticket_id, message.id)?;
                upload.ticket_id = Some(ticket_id);
                upload.message_id = Some(message.id);
                upload.pending_until = None;
                message.attachments.push(upload);
            }
            None => errors.push(FieldError::new(
                format!("/attachment_ids/{i}"),
                "not_bindable",
                "No upload of yours with this id is waiting for this ticket.",
            )),
        }
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors)); // the transaction rolls the message back
    }
    if attachment_sql::count_for_ticket(tx, ticket_id)? > max_attachments {
        return Err(Error::TooManyAttachments {
            limit: max_attachments,
        });
    }
    Ok(message)
}
