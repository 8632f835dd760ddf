//! Attachments: find, list, read, delete, and signed download URLs. How one comes in is
//! `ingest`.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::core::access::Caller;
use crate::core::events::record;
use crate::core::tickets::visible;
use crate::core::Core;
use crate::domain::{now, Attachment, EventKind, Scope, Sha256, Timestamp};
use crate::error::{Error, Result};
use crate::ids::Id;
use crate::signing::{Disposition, Grant};
use crate::store::blobs::Content;
use crate::store::sql::attachments as sql;
use crate::upload::sniff::inline_safe;

/// Path-segment encoding for file names in signed URLs: everything but unreserved characters.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The path and query of a signed URL: what `api::files` parses back into a grant.
pub(crate) fn signed_path(grant: &Grant, kid: &str, signature: &str) -> String {
    format!(
        "/files/{}/{}?exp={}&disp={}&kid={kid}&sig={signature}",
        grant.attachment_id,
        utf8_percent_encode(&grant.filename, SEGMENT),
        grant.expires,
        grant.disposition.as_str(),
    )
}

/// An attachment by its id alone, for dialects whose routes carry no ticket: visible when it
/// is on a ticket the caller sees, or is the caller's own upload on no ticket yet.
pub async fn find(core: &Core, caller: &Caller, id: Id) -> Result<Attachment> {
    caller.require(Scope::AttachmentsRead)?;
    let found = core
        .db
        .run(move |conn| Ok(sql::attachment_by_id(conn, id)?))
        .await?;
    let attachment = found.ok_or(Error::NotFound("attachment"))?;
    match attachment.ticket_id {
        Some(ticket_id) => {
            visible(core, caller, ticket_id)
                .await
                .map_err(|_| Error::NotFound("attachment"))?;
        }
        None if caller.sees().unattached(&attachment) => {}
        None => return Err(Error::NotFound("attachment")),
    }
    Ok(attachment)
}

/// One page of the attachments on tickets the caller sees (optionally one ticket, which is
/// an empty page when the caller does not see it; or none at all), newest first, and how
/// many there are in all.
pub async fn page(
    core: &Core,
    caller: &Caller,
    ticket_id: Option<Id>,
    nothing: bool,
    offset: u32,
    limit: u32,
) -> Result<(Vec<Attachment>, u64)> {
    caller.require(Scope::AttachmentsRead)?;
    if nothing {
        return Ok((Vec::new(), 0));
    }
    let filter = sql::AttachmentFilter {
        requester: caller.sees().requester(),
        ticket: ticket_id,
        limit,
        offset,
    };
    core.db
        .run(move |conn| {
            Ok((
                sql::list_on_tickets(conn, &filter)?,
                sql::count_on_tickets(conn, &filter)?,
            ))
        })
        .await
}

/// Opens the content of an attachment the caller was allowed to see.
pub async fn open(core: &Core, attachment: &Attachment) -> Result<Content> {
    let blobs = core.blobs.clone();
    let sha = attachment.sha256;
    core.db
        .blocking(move || Ok(blobs.open_content(&sha)?))
        .await
}

pub async fn list(core: &Core, caller: &Caller, ticket_id: Id) -> Result<Vec<Attachment>> {
    caller.require(Scope::AttachmentsRead)?;
    visible(core, caller, ticket_id).await?;
    core.db
        .run(move |conn| Ok(sql::list_for_ticket(conn, ticket_id)?))
        .await
}

/// An attachment of a ticket the caller may see; `not_found` for any other.
pub async fn get(core: &Core, caller: &Caller, ticket_id: Id, id: Id) -> Result<Attachment> {
    caller.require(Scope::AttachmentsRead)?;
    visible(core, caller, ticket_id).await?;
    find_on_ticket(core, ticket_id, id).await
}

async fn find_on_ticket(core: &Core, ticket_id: Id, id: Id) -> Result<Attachment> {
    let found = core
        .db
        .run(move |conn| Ok(sql::attachment_by_id(conn, id)?))
        .await?;
    found
        .filter(|a| a.ticket_id == Some(ticket_id))
        .ok_or(Error::NotFound("attachment"))
}

pub async fn delete(core: &Core, caller: &Caller, ticket_id: Id, id: Id) -> Result<()> {
    caller.require(Scope::AttachmentsDelete)?;
    visible(core, caller, ticket_id).await?;
    let attachment = find_on_ticket(core, ticket_id, id).await?;
    remove(core, caller, attachment).await
}

/// Deletes an attachment found by id alone (see `find`).
pub async fn delete_by_id(core: &Core, caller: &Caller, id: Id) -> Result<()> {
    caller.require(Scope::AttachmentsDelete)?;
    let attachment = find(core, caller, id).await?;
    remove(core, caller, attachment).await
}

async fn remove(core: &Core, caller: &Caller, attachment: Attachment) -> Result<()> {
    if !caller.may_delete(&attachment) {
        return Err(Error::Forbidden(
            "Customers may delete only the files they uploaded.",
        ));
    }
    let (id, sha) = (attachment.id, attachment.sha256);
    let caller = caller.clone();
    let last = core
        .db
        .write(move |tx| {
            sql::delete_attachment(tx, id)?;
            if let (Some(ticket_id), false) = (attachment.ticket_id, attachment.is_pending()) {
                let (kind, name) = (EventKind::AttachmentDeleted, &attachment.filename);
                record(tx, ticket_id, kind, &caller, name)?;
            }
            Ok(sql::delete_blob_if_unreferenced(tx, &sha)?)
        })
        .await?;
    super::forget::forget(core, vec![id]).await?;
    if last {
        remove_blob_if_unreferenced(core, sha).await?;
    }
    Ok(())
}

/// Removes a blob's file when no row names it. Runs inside a write transaction, so an upload
/// of the same content either committed before (and the row keeps the file) or will place
/// its own copy after. A crash before this runs leaves an orphan file for `gc`.
///
/// In test mode the file stays: a snapshot or `reset` may bring back rows that name it.
pub async fn remove_blob_if_unreferenced(core: &Core, sha: Sha256) -> Result<()> {
    if core.config.test_mode {
        return Ok(());
    }
    let blobs = core.blobs.clone();
    core.db
        .write(move |tx| {
            if !sql::blob_row_exists(tx, &sha)? {
                blobs.remove(&sha)?;
            }
            Ok(())
        })
        .await
}

/// A download URL that needs no credential, valid for `--url-ttl`.
pub struct SignedUrl {
    pub url: String,
    pub expires_at: Timestamp,
}

/// The server's clock in seconds (moved in test mode; see `domain::time`).
pub(crate) fn unix_now() -> i64 {
    crate::domain::now().unix()
}

/// Signs a download URL. `inline` is honoured only for types that are safe to show in place.
pub async fn signed_url(
    core: &Core,
    caller: &Caller,
    ticket_id: Id,
    id: Id,
    inline: bool,
) -> Result<SignedUrl> {
    let attachment = get(core, caller, ticket_id, id).await?;
    Ok(sign(core, &attachment, inline))
}

pub fn sign(core: &Core, attachment: &Attachment, inline: bool) -> SignedUrl {
    let expires = unix_now() + core.config.url_ttl.as_secs() as i64;
    let disposition = if inline && inline_safe(&attachment.content_type) {
        Disposition::Inline
    } else {
        Disposition::Attachment
    };
    let grant = Grant {
        attachment_id: attachment.id,
        filename: attachment.filename.clone(),
        expires,
        disposition,
    };
    let (kid, sig) = core.keyring.current().sign(&grant);
    let url = format!("{}{}", core.public_url, signed_path(&grant, &kid, &sig));
    let expires_at = Timestamp::from_unix(expires).unwrap_or_else(now);
    SignedUrl { url, expires_at }
}
