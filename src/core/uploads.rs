//! Pending uploads: files uploaded before the message that will carry them (HostUp `satt_`,
//! Huawei accessories). They may be pinned to a ticket or to none, belong to their uploader
//! alone, and are swept, blob included when nothing else names it, once `--pending-ttl` passes.

use std::time::Duration;

use time::OffsetDateTime;

use crate::core::access::Caller;
use crate::core::attachments::{commit, prepare_upload, remove_blob_if_unreferenced};
use crate::core::model::{format_time, now, Attachment, Scope};
use crate::core::Core;
use crate::error::Result;
use crate::ids::Id;
use crate::store::sql::attachments as sql;
use crate::upload::StagedUpload;

/// Checks, before any byte is read, that the caller may upload (to `ticket_id` when given).
pub async fn prepare(core: &Core, caller: &Caller, ticket_id: Option<Id>) -> Result<()> {
    caller.require(Scope::AttachmentsWrite)?;
    if let Some(ticket_id) = ticket_id {
        prepare_upload(core, caller, ticket_id).await?;
    }
    Ok(())
}

pub async fn create(
    core: &Core,
    caller: &Caller,
    ticket_id: Option<Id>,
    staged: StagedUpload,
    client_name: Option<&str>,
) -> Result<Attachment> {
    let until = format_time(OffsetDateTime::now_utc() + core.config.pending_ttl);
    commit(core, caller, ticket_id, Some(until), staged, client_name).await
}

/// Deletes the pending uploads whose time ran out, and their blobs when nothing else names
/// them. Returns how many uploads went.
pub async fn sweep(core: &Core) -> Result<usize> {
    let expired = core
        .db
        .write(|tx| {
            let expired = sql::expired_pending(tx, &now())?;
            let mut orphaned = Vec::new();
            for (id, sha) in &expired {
                sql::delete_attachment(tx, *id)?;
                if sql::delete_blob_if_unreferenced(tx, sha)? {
                    orphaned.push(*sha);
                }
            }
            Ok((expired.len(), orphaned))
        })
        .await?;
    let (count, orphaned) = expired;
    if count > 0 {
        core.open_blobs.forget_all();
    }
    for sha in orphaned {
        remove_blob_if_unreferenced(core, sha).await?;
    }
    Ok(count)
}

/// How often the server sweeps: often enough that an upload outlives its TTL by little.
pub fn sweep_interval(core: &Core) -> Duration {
    (core.config.pending_ttl / 4).clamp(Duration::from_millis(200), Duration::from_secs(60))
}
