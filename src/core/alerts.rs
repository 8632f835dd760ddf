//! Alerts: a ticket opened at the alert priority with a reason wakes someone, so each
//! requester raises at most one an hour (HostUp's rule for its critical tickets).

use crate::core::access::Caller;
use crate::domain::now;
use crate::error::{Error, Result};
use crate::store::sql::tickets as sql;
use crate::store::sql::Conn;

/// The priority at which a ticket opened with a reason is an alert: someone is woken for it,
/// so each requester raises at most one an `ALERT_WINDOW` (HostUp's rule for its critical
/// tickets). A ticket at that priority without a reason (free text another dialect sent) is
/// no alert.
pub const ALERT_PRIORITY: &str = "critical";
const ALERT_WINDOW: std::time::Duration = std::time::Duration::from_secs(3600);

/// Refuses a second alert of the caller's within the window, with the seconds until it ends.
pub(crate) fn check_alert(conn: &Conn, caller: &Caller) -> Result<()> {
    let at = now();
    let since = at.minus(ALERT_WINDOW);
    let last = sql::last_alert_since(conn, caller.user.id, ALERT_PRIORITY, &since)?;
    match last {
        Some(last) => Err(Error::AlertLimited {
            retry_after: (last.plus(ALERT_WINDOW).unix() - at.unix()).max(1) as u64,
        }),
        None => Ok(()),
    }
}
