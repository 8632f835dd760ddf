//! Escalating a ticket: raising it to more senior attention, once, with a reason. Who may is
//! whoever may change the ticket (a dialect may narrow it, as Waldur's does to staff).

use crate::core::access::{Action, Caller};
use crate::core::events::record;
use crate::core::tickets::{check_body, visible};
use crate::core::Core;
use crate::domain::{now, Escalation, EventKind, Scope, Ticket};
use crate::error::{Error, FieldError, Result};
use crate::ids::Id;
use crate::store::sql::escalations as sql;

/// The code of the refusal to escalate a ticket a second time.
pub const ALREADY_ESCALATED: &str = "already_escalated";

/// Escalates a ticket the caller may change, for `reason` (not blank); records a change of
/// its `escalation`. A ticket is escalated once: a second time is refused (400
/// `already_escalated`) and changes nothing.
pub async fn escalate(core: &Core, caller: &Caller, id: Id, reason: &str) -> Result<Ticket> {
    caller.require(Scope::TicketsWrite)?;
    let mut ticket = visible(core, caller, id).await?;
    if !caller.may(Action::UpdateTicket(&ticket)) {
        return Err(Error::Forbidden("You may not change this ticket."));
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::invalid(
            "/reason",
            "blank",
            "Say why it is escalated.",
        ));
    }
    check_body("/reason", reason)?;
    let escalation = Escalation {
        at: now(),
        reason: reason.to_owned(),
    };
    let saved = escalation.clone();
    let caller = caller.clone();
    let escalated = core
        .db
        .write(move |tx| {
            let escalated = sql::escalate_ticket(tx, id, &saved)?;
            if escalated {
                record(tx, id, EventKind::Changed, &caller, "escalation")?;
            }
            Ok(escalated)
        })
        .await?;
    if !escalated {
        return Err(already_escalated());
    }
    ticket.updated_at = escalation.at;
    ticket.escalation = Some(escalation);
    Ok(ticket)
}

fn already_escalated() -> Error {
    Error::Invalid(vec![FieldError::new(
        "",
        ALREADY_ESCALATED,
        "This ticket is already escalated.",
    )])
}
