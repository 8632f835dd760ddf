//! How a file comes in, the same way for every dialect: check the caller (and the ticket, when
//! the route names it) → receive the bytes → commit. One entry point per use: `attach` to a
//! ticket, `stage_pending` for an upload that waits for the message that will carry it.
//!
//! Receiving is the dialect's part (its form, its field names): a closure handed an
//! `upload::Stager`, which holds the size limit (`--max-upload-bytes`) and enforces it from
//! Content-Length before any byte is read and as the bytes arrive. The commit is the disk
//! first, then the database: the blob is durable under its hash before the row that names it
//! commits, inside one write transaction, so that a concurrent delete cannot remove the file
//! in between; whether the content is new is the database's answer (`insert_blob_if_absent`).
//!
//! What one caller can hold is bounded: at most `--max-uploads-in-flight` uploads per key,
//! each receiving for at most `--upload-deadline`, and a customer's quotas (`core::quota`).

use std::future::Future;

use crate::core::access::Caller;
use crate::core::attachments::remove_blob_if_unreferenced;
use crate::core::events::record;
use crate::core::quota;
use crate::core::tickets::visible;
use crate::core::Core;
use crate::domain::{now, Attachment, EventKind, Scope, StagedUpload, Ticket, Timestamp};
use crate::error::{Error, Result};
use crate::ids::Id;
use crate::store::sql::attachments as sql;
use crate::upload::filename::sanitize;
use crate::upload::{Stager, UploadForm};

/// What a dialect's request brought: the staged file and the name its client gave it (`None`
/// when there was no file part), and the ticket its body named (HostUp's `ticketId`, Waldur's
/// `issue`) when the route does not name one.
pub struct Received {
    pub file: Option<(StagedUpload, Option<String>)>,
    pub ticket: Option<Id>,
    /// The id the attachment is to have (fixtures give theirs; requests never do).
    pub id: Option<Id>,
}

impl From<UploadForm> for Received {
    fn from(form: UploadForm) -> Received {
        Received::of_form(form, None)
    }
}

impl Received {
    /// A form's file, for the ticket the form named.
    pub fn of_form(form: UploadForm, ticket: Option<Id>) -> Received {
        Received {
            file: form.file,
            ticket,
            id: None,
        }
    }

    /// A file staged from bytes already in memory, named by its client.
    pub fn file(staged: StagedUpload, client_name: &str) -> Received {
        Received {
            file: Some((staged, Some(client_name.to_owned()))),
            ticket: None,
            id: None,
        }
    }
}

/// Attaches a file to a ticket: the route's `ticket_id`, checked before the body is read, or,
/// when the route names none, the ticket the body names, checked once it is in. Returns the
/// attachment and its ticket.
pub async fn attach<F, Fut>(
    core: &Core,
    caller: &Caller,
    ticket_id: Option<Id>,
    receive: F,
) -> Result<(Attachment, Ticket)>
where
    F: FnOnce(Stager) -> Fut,
    Fut: Future<Output = Result<Received>>,
{
    let checked = match ticket_id {
        Some(id) => Some(may_attach(core, caller, id).await?),
        None => {
            caller.require(Scope::AttachmentsWrite)?;
            None
        }
    };
    within_quota(core, caller, false).await?;
    let _slot = core
        .uploads_in_flight
        .enter(caller.key_id, core.config.max_uploads_in_flight)?;
    let received = within_deadline(core, receive(stager(core))).await?;
    let ticket = match (checked, received.ticket) {
        (Some(ticket), _) => ticket,
        (None, Some(id)) => may_attach(core, caller, id).await?,
        (None, None) => return Err(Error::NotFound("ticket")),
    };
    let (staged, name) = received.file.ok_or(Error::MissingFile)?;
    let to = Target {
        id: received.id,
        ticket_id: Some(ticket.id),
        pending_until: None,
    };
    let attachment = commit(core, caller, to, staged, name.as_deref()).await?;
    Ok((attachment, ticket))
}

/// Stages a pending upload: one that waits, for `--pending-ttl`, for the message that will
/// carry it (HostUp `satt_`, Huawei accessories), pinned to the ticket the body names, if any.
pub async fn stage_pending<F, Fut>(core: &Core, caller: &Caller, receive: F) -> Result<Attachment>
where
    F: FnOnce(Stager) -> Fut,
    Fut: Future<Output = Result<Received>>,
{
    caller.require(Scope::AttachmentsWrite)?;
    within_quota(core, caller, true).await?;
    let _slot = core
        .uploads_in_flight
        .enter(caller.key_id, core.config.max_uploads_in_flight)?;
    let received = within_deadline(core, receive(stager(core))).await?;
    if let Some(id) = received.ticket {
        may_attach(core, caller, id).await?;
    }
    let (staged, name) = received.file.ok_or(Error::MissingFile)?;
    let to = Target {
        id: received.id,
        ticket_id: received.ticket,
        pending_until: Some(now().plus(core.config.pending_ttl)),
    };
    commit(core, caller, to, staged, name.as_deref()).await
}

/// Where a commit puts an upload: its id (a new one unless given), its ticket, if any, and
/// until when it waits for a message, if it does.
struct Target {
    id: Option<Id>,
    ticket_id: Option<Id>,
    pending_until: Option<Timestamp>,
}

/// The whole body must arrive within `--upload-deadline`, however slowly it trickles: the
/// idle timeout alone lets a client hold a socket and a temporary file for hours. The staged
/// file, if any, is dropped with the receiving future, which removes it.
async fn within_deadline<T>(core: &Core, receive: impl Future<Output = Result<T>>) -> Result<T> {
    let deadline = core.config.upload_deadline;
    actix_web::rt::time::timeout(deadline, receive)
        .await
        .map_err(|_| Error::UploadTimeout {
            seconds: deadline.as_secs(),
        })?
}

/// A caller already at a quota is refused before its body is read; the commit checks again
/// with the file's size.
async fn within_quota(core: &Core, caller: &Caller, pending: bool) -> Result<()> {
    let (quotas, caller) = (core.config.quotas, caller.clone());
    core.db
        .run(move |conn| quota::check_upload(conn, &quotas, &caller, pending, 0))
        .await
}

fn stager(core: &Core) -> Stager {
    Stager::new(
        core.db.clone(),
        core.blobs.clone(),
        core.config.max_upload_bytes,
    )
}

/// Checks that the caller may upload to this ticket and that it has room; the same count is
/// checked again at commit.
async fn may_attach(core: &Core, caller: &Caller, ticket_id: Id) -> Result<Ticket> {
    caller.require(Scope::AttachmentsWrite)?;
    let ticket = visible(core, caller, ticket_id).await?;
    let limit = core.config.max_attachments_per_ticket;
    if ticket.attachment_count as u64 >= limit {
        return Err(Error::TooManyAttachments { limit });
    }
    Ok(ticket)
}

/// The one commit of an upload: the blob placed under its hash and its rows recorded in one
/// write transaction, after the per-ticket cap is checked again.
async fn commit(
    core: &Core,
    caller: &Caller,
    to: Target,
    staged: StagedUpload,
    client_name: Option<&str>,
) -> Result<Attachment> {
    let Target {
        id,
        ticket_id,
        pending_until,
    } = to;
    let attachment = Attachment {
        id: id.unwrap_or_default(),
        ticket_id,
        message_id: None,
        sha256: staged.sha256,
        filename: sanitize(client_name.unwrap_or_default()),
        content_type: staged.content_type.to_owned(),
        size_bytes: staged.size as i64,
        uploaded_by: caller.user.id,
        created_at: now(),
        pending_until,
    };
    let limit = core.config.max_attachments_per_ticket;
    let (quotas, uploader) = (core.config.quotas, caller.clone());
    let (blobs, sha) = (core.blobs.clone(), staged.sha256);
    let (placed_new, staged) = core
        .db
        .blocking(move || Ok((blobs.place_early(&staged.file, &staged.sha256)?, staged)))
        .await?;
    let blobs = core.blobs.clone();
    let committed = core
        .db
        .write(move |tx| {
            if let Some(ticket_id) = ticket_id {
                if sql::count_for_ticket(tx, ticket_id)? >= limit {
                    return Err(Error::TooManyAttachments { limit });
                }
            }
            let pending = attachment.pending_until.is_some();
            quota::check_upload(tx, &quotas, &uploader, pending, staged.size)?;
            blobs.place(staged.file, &staged.sha256)?;
            let new_blob = sql::insert_blob_if_absent(
                tx,
                &staged.sha256,
                staged.size as i64,
                staged.content_type,
                &attachment.created_at,
            )?;
            sql::insert_attachment(tx, &attachment)?;
            if let (Some(ticket_id), false) = (attachment.ticket_id, pending) {
                let (kind, name) = (EventKind::AttachmentAdded, &attachment.filename);
                record(tx, ticket_id, kind, &uploader, name)?;
            }
            Ok((attachment, new_blob))
        })
        .await;
    match committed {
        Ok((attachment, new_blob)) => {
            core.metrics
                .uploaded(attachment.size_bytes as u64, !new_blob);
            Ok(attachment)
        }
        Err(err) => {
            if placed_new {
                // Refused (a full ticket, say): the file placed early names no row. If the
                // removal fails too, `gc` finds the orphan.
                let _ = remove_blob_if_unreferenced(core, sha).await;
            }
            Err(err)
        }
    }
}
