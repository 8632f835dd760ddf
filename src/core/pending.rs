//! Pending uploads: files uploaded before the message that will carry them (HostUp `satt_`,
//! Huawei accessories). They come in through `ingest::stage_pending`, may be pinned to a
//! ticket or to none, belong to their uploader alone, become a ticket's attachments when a
//! message binds them (`messages::insert`), and are swept, blob included when nothing else
//! names it, once `--pending-ttl` passes.

use std::time::Duration;

use crate::core::attachments::remove_blob_if_unreferenced;
use crate::core::Core;
use crate::domain::now;
use crate::error::Result;
use crate::store::duty::DutyLock;
use crate::store::sql::attachments as sql;
use crate::store::sql::shared;

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
        super::forget::forget_all(core).await?;
    }
    for sha in orphaned {
        remove_blob_if_unreferenced(core, sha).await?;
    }
    Ok(count)
}

/// `sweep`, when no other node is sweeping (or running `gc`): the sweep is a duty (see
/// `store::duty`). With a shared database the sweeping node also drops the AK/SK signatures
/// whose window has passed.
pub async fn sweep_as_duty(core: &Core, duty: &DutyLock) -> Result<usize> {
    if !duty.try_take().await? {
        return Ok(0);
    }
    let swept = sweep(core).await;
    let forgotten = match core.db.is_postgres() {
        true => core
            .db
            .run(|conn| Ok(shared::forget_signatures_before(conn, &now())?))
            .await
            .map(|_| ()),
        false => Ok(()),
    };
    let released = duty.release().await;
    let swept = swept?;
    forgotten?;
    released?;
    Ok(swept)
}

/// How often the server sweeps: often enough that an upload outlives its TTL by little.
pub fn sweep_interval(core: &Core) -> Duration {
    (core.config.pending_ttl / 4).clamp(Duration::from_millis(200), Duration::from_secs(60))
}
