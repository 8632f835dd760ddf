//! Quotas per customer: how many uploads they may leave waiting for a message, how many bytes
//! their uploads may hold, and how many tickets they may open in an hour. Customers are the
//! callers a helpdesk does not vouch for; agents and admins (staff, and the integrations that
//! run as them) have none. A quota of 0 is no quota.
//!
//! Each quota is checked twice: before an upload's body is read (a caller already at a quota
//! is refused for the price of one query) and again inside the write transaction that commits,
//! where SQLite's single writer makes the count exact however many requests race. Stored bytes
//! are counted per upload, not per distinct blob, so a customer's quota says nothing about
//! what other users stored (deduplication stays invisible).

use std::time::Duration;

use crate::store::sql::Conn;

use crate::core::access::Caller;
use crate::core::Core;
use crate::domain::{now, Role};
use crate::error::{Error, Result};
use crate::store::sql::{attachments, tickets};

/// The window of `--quota-tickets-per-hour`.
const TICKET_WINDOW: Duration = Duration::from_secs(3600);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quotas {
    /// Uploads waiting for a message (HostUp `satt_`, Huawei accessories) at once.
    pub pending_uploads: u64,
    /// Bytes of all the customer's uploads, pending or attached, counted per upload.
    pub stored_bytes: u64,
    /// Tickets opened in any hour.
    pub tickets_per_hour: u64,
}

/// Which quota a refusal is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quota {
    PendingUploads,
    StoredBytes,
    TicketsPerHour,
}

impl Quota {
    /// The flag that sets it, for messages that tell an operator what to change.
    pub fn flag(self) -> &'static str {
        match self {
            Quota::PendingUploads => "--quota-pending-uploads",
            Quota::StoredBytes => "--quota-stored-bytes",
            Quota::TicketsPerHour => "--quota-tickets-per-hour",
        }
    }
}

fn applies(caller: &Caller) -> bool {
    caller.user.role == Role::Customer
}

fn exceeded(quota: Quota, limit: u64) -> Error {
    Error::QuotaExceeded {
        quota,
        limit,
        retry_after: None,
    }
}

/// Refuses an upload of `size` bytes (0 before the body is in) that would take the caller
/// past a quota; `pending` for an upload that waits for a message.
pub fn check_upload(
    conn: &Conn,
    quotas: &Quotas,
    caller: &Caller,
    pending: bool,
    size: u64,
) -> Result<()> {
    if !applies(caller) {
        return Ok(());
    }
    let usage = attachments::usage_of(conn, caller.user.id)?;
    if pending && quotas.pending_uploads > 0 && usage.pending >= quotas.pending_uploads {
        return Err(exceeded(Quota::PendingUploads, quotas.pending_uploads));
    }
    let limit = quotas.stored_bytes;
    let over = if size == 0 {
        usage.bytes >= limit
    } else {
        usage.bytes.saturating_add(size) > limit
    };
    if limit > 0 && over {
        return Err(exceeded(Quota::StoredBytes, limit));
    }
    Ok(())
}

/// Refuses a ticket past `--quota-tickets-per-hour`, with the seconds until the oldest ticket
/// of the last hour leaves the window.
pub fn check_ticket(conn: &Conn, quotas: &Quotas, caller: &Caller) -> Result<()> {
    let limit = quotas.tickets_per_hour;
    if !applies(caller) || limit == 0 {
        return Ok(());
    }
    let now = now();
    let since = now.minus(TICKET_WINDOW);
    let (count, oldest) = tickets::opened_since(conn, caller.user.id, &since)?;
    if count < limit {
        return Ok(());
    }
    let free_at = oldest.map_or(now, |t| t.plus(TICKET_WINDOW));
    Err(Error::QuotaExceeded {
        quota: Quota::TicketsPerHour,
        limit,
        retry_after: Some((free_at.unix() - now.unix()).max(1) as u64),
    })
}

/// The caller's `--quota-tickets-per-hour` and how many tickets it leaves them in the last
/// hour; `None` when no such quota applies to them (staff, or no quota set).
pub async fn tickets_left(core: &Core, caller: &Caller) -> Result<Option<(u64, u64)>> {
    let limit = core.config.quotas.tickets_per_hour;
    if !applies(caller) || limit == 0 {
        return Ok(None);
    }
    let (user, since) = (caller.user.id, now().minus(TICKET_WINDOW));
    let (count, _) = core
        .db
        .run(move |conn| Ok(tickets::opened_since(conn, user, &since)?))
        .await?;
    Ok(Some((limit, limit.saturating_sub(count))))
}
