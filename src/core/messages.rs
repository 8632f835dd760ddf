//! Messages on a ticket, and binding uploads to them. Every way a message can carry uploads
//! (native `attachment_ids`, HostUp replies, Huawei cases, Waldur) goes through `insert`.
//! Internal messages are hidden from customers other than their author; only agents and
//! admins change or delete messages.

use std::collections::HashMap;

use crate::store::sql::Conn;

use crate::core::access::Caller;
use crate::core::events::record;
use crate::core::tickets::{check_body, visible};
use crate::core::Core;
use crate::domain::{now, Attachment, EventKind, Message, Scope};
use crate::error::{Error, FieldError, Result};
use crate::ids::Id;
use crate::store::sql::{attachments as attachment_sql, messages as sql, tickets as ticket_sql};

pub use crate::store::sql::messages::{MessageFilter as MessageQuery, MessageSort};

/// Which uploads a new message carries besides those it names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Carry {
    /// Only the uploads named in `attachment_ids`.
    Named,
    /// Also the caller's pending uploads pinned to the ticket (HostUp replies).
    NamedAndPinned,
}

/// The messages the caller may read, oldest first, each with its attachments.
pub async fn list(core: &Core, caller: &Caller, ticket_id: Id) -> Result<Vec<Message>> {
    caller.require(Scope::TicketsRead)?;
    visible(core, caller, ticket_id).await?;
    let caller = caller.clone();
    core.db
        .run(move |conn| {
            let mut messages = sql::list_messages(conn, ticket_id)?;
            messages.retain(|m| caller.may_read(m));
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

/// A message for everyone who sees the ticket.
pub async fn create(
    core: &Core,
    caller: &Caller,
    ticket_id: Id,
    body: String,
    attachment_ids: Vec<Id>,
    carry: Carry,
) -> Result<Message> {
    let new = NewMessage {
        body,
        attachment_ids,
        carry,
        internal: false,
        sensitive: false,
    };
    post(core, caller, ticket_id, new).await
}

/// What a reply takes.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub body: String,
    pub attachment_ids: Vec<Id>,
    pub carry: Carry,
    /// Hidden from customers other than its author.
    pub internal: bool,
    /// Marked sensitive by its author (HostUp `encrypted`).
    pub sensitive: bool,
}

/// Adds a message to a ticket the caller sees.
pub async fn post(core: &Core, caller: &Caller, ticket_id: Id, new: NewMessage) -> Result<Message> {
    caller.require(Scope::TicketsWrite)?;
    check_body("/body", &new.body)?;
    visible(core, caller, ticket_id).await?;
    let caller = caller.clone();
    let limit = core.config.max_attachments_per_ticket;
    let message = core
        .db
        .write(move |tx| {
            let draft = Draft {
                body: new.body,
                internal: new.internal,
                opening: false,
                sensitive: new.sensitive,
            };
            let ids = &new.attachment_ids;
            let message = insert(tx, &caller, ticket_id, draft, ids, new.carry, limit)?;
            ticket_sql::touch_ticket(tx, ticket_id, &message.created_at)?;
            Ok(message)
        })
        .await?;
    Ok(message)
}

/// A message the caller may read, by its id alone, else `not_found`.
pub async fn get(core: &Core, caller: &Caller, id: Id) -> Result<Message> {
    caller.require(Scope::TicketsRead)?;
    let found = core
        .db
        .run(move |conn| Ok(sql::message_by_id(conn, id)?))
        .await?;
    let message = found
        .filter(|m| caller.may_read(m))
        .ok_or(Error::NotFound("message"))?;
    visible(core, caller, message.ticket_id)
        .await
        .map_err(|_| Error::NotFound("message"))?;
    Ok(message)
}

/// One page of the messages `query` covers among those the caller may read, and how many
/// it covers in all. Unless `query` asks for them, the messages tickets opened with are left
/// out (dialects show those as the tickets' descriptions).
pub async fn page(
    core: &Core,
    caller: &Caller,
    query: MessageQuery,
) -> Result<(Vec<Message>, u64)> {
    caller.require(Scope::TicketsRead)?;
    let customer = caller.sees().requester();
    let filter = MessageQuery {
        requester: customer,
        reader: customer,
        limit: query.limit.clamp(1, super::tickets::MAX_PAGE),
        ..query
    };
    core.db
        .run(move |conn| {
            Ok((
                sql::list_matching(conn, &filter)?,
                sql::count_matching(conn, &filter)?,
            ))
        })
        .await
}

/// The body each ticket was opened with, for those of `tickets` that have one.
pub async fn openings(
    core: &Core,
    caller: &Caller,
    tickets: Vec<Id>,
) -> Result<HashMap<Id, String>> {
    caller.require(Scope::TicketsRead)?;
    let bodies = core
        .db
        .run(move |conn| Ok(sql::opening_bodies(conn, &tickets)?))
        .await?;
    Ok(bodies.into_iter().collect())
}

/// The body `ticket` was opened with (empty if none), for a caller who sees it: what a
/// dialect answers after opening or changing a ticket, which a write-only key may do.
pub async fn opening_of(
    core: &Core,
    caller: &Caller,
    ticket: &crate::domain::Ticket,
) -> Result<String> {
    if !caller.may_see(ticket) {
        return Err(Error::NotFound("ticket"));
    }
    let id = ticket.id;
    let bodies = core
        .db
        .run(move |conn| Ok(sql::opening_bodies(conn, &[id])?))
        .await?;
    Ok(bodies
        .into_iter()
        .next()
        .map(|(_, body)| body)
        .unwrap_or_default())
}

/// What an edit changes; `None` keeps it.
#[derive(Debug, Default, Clone)]
pub struct MessageChange {
    pub body: Option<String>,
    pub internal: Option<bool>,
}

/// The message before a change or a deletion by the caller: agents and admins only (`403`
/// before any lookup), on a message they may read.
async fn changeable(core: &Core, caller: &Caller, id: Id) -> Result<Message> {
    caller.require(Scope::TicketsWrite)?;
    if !caller.may_change_messages() {
        return Err(Error::Forbidden("Only agents and admins change messages."));
    }
    get(core, caller, id).await
}

pub async fn edit(core: &Core, caller: &Caller, id: Id, change: MessageChange) -> Result<Message> {
    let mut message = changeable(core, caller, id).await?;
    if let Some(body) = change.body {
        check_body("/body", &body)?;
        message.body = body;
    }
    if let Some(internal) = change.internal {
        message.internal = internal;
    }
    if message.body.trim().is_empty() {
        let on_it = message.id;
        let carried = core
            .db
            .run(move |conn| Ok(attachment_sql::count_on_message(conn, on_it)?))
            .await?;
        if carried == 0 {
            return Err(empty_message());
        }
    }
    message.updated_at = now();
    let saved = message.clone();
    let caller = caller.clone();
    core.db
        .write(move |tx| {
            sql::update_message(tx, &saved)?;
            noted(tx, &saved, EventKind::MessageEdited, &caller)
        })
        .await?;
    Ok(message)
}

/// Deletes a message; the attachments it carried stay on the ticket.
pub async fn delete(core: &Core, caller: &Caller, id: Id) -> Result<()> {
    let message = changeable(core, caller, id).await?;
    let caller = caller.clone();
    core.db
        .write(move |tx| {
            sql::delete_message(tx, message.id)?;
            noted(tx, &message, EventKind::MessageDeleted, &caller)
        })
        .await
}

/// Records `kind` about a message in its ticket's events, unless it is a note for staff.
fn noted(tx: &Conn, message: &Message, kind: EventKind, caller: &Caller) -> Result<()> {
    if message.internal {
        return Ok(());
    }
    record(tx, message.ticket_id, kind, caller, &message.id.hex())
}

fn empty_message() -> Error {
    Error::invalid(
        "/body",
        "empty_message",
        "A message needs a body or attachments.",
    )
}

/// A message about to be stored.
pub(crate) struct Draft {
    pub body: String,
    pub internal: bool,
    /// Written with its ticket.
    pub opening: bool,
    /// Marked sensitive by its author.
    pub sensitive: bool,
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
    tx: &Conn,
    caller: &Caller,
    ticket_id: Id,
    draft: Draft,
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
    if draft.body.trim().is_empty() && ids.is_empty() {
        return Err(empty_message());
    }
    let at = now();
    let mut message = Message {
        id: Id::new(),
        ticket_id,
        author_id: caller.user.id,
        body: draft.body,
        created_at: at,
        updated_at: at,
        internal: draft.internal,
        opening: draft.opening,
        sensitive: draft.sensitive,
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
    if !message.internal {
        if !message.opening {
            record(tx, ticket_id, EventKind::Replied, caller, &message.id.hex())?;
        }
        for upload in &message.attachments {
            record(
                tx,
                ticket_id,
                EventKind::AttachmentAdded,
                caller,
                &upload.filename,
            )?;
        }
    }
    Ok(message)
}
