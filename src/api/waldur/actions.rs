//! The actions on issues that Waldur allows to staff and support users only (attache's agents
//! and admins; anyone else gets a 403 before any lookup), as Waldur answers them with its
//! basic helpdesk backend:
//!
//! - `set_status` moves an issue to one of its `available_statuses` and answers the issue;
//! - `bulk_update` sets the status and the priority of several issues at once, checking every
//!   issue before changing any;
//! - `sync` has nothing to fetch (the basic backend owns its issues): 200 and no body;
//! - `escalate` records that the issue is escalated, when and why: 200 and no body;
//! - `attach_resource`, `route_to_provider` and `reroute` are refused where Waldur would refuse
//!   them for an issue with no resource and no routing, as every issue of attache is: it has
//!   no marketplace resources and no provider helpdesks, so any named is one that does not
//!   exist.

use actix_web::{web, HttpResponse};
use serde_json::{json, Map, Value};

use crate::core::escalations;
use crate::core::tickets::{self, Change};
use crate::core::{Caller, Core};
use crate::domain::Scope;
use crate::domain::{Status, Ticket};
use crate::error::{Error, FieldError, Result};
use crate::ids::Id;

use super::errors::VIEW_LEVEL;
use super::issues::{available_statuses, issue_value};
use super::request::{self, Failures};
use super::{issue_key, staff_only, uuid, Data};

/// A visible issue, after the staff check: what each action starts with.
async fn staff_issue(core: &Core, caller: &Caller, id: &str) -> Result<Ticket> {
    staff_only(caller)?;
    tickets::get(core, caller, uuid(id)?).await
}

/// The issue of an action only staff may take that changes it, and the action's one required
/// text field (`status`, `reason`), checked as DRF checks a `CharField`.
async fn staff_change(
    core: &Core,
    caller: &Caller,
    id: &str,
    body: &Value,
    field: &str,
) -> Result<(Ticket, String)> {
    let ticket = staff_issue(core, caller, id).await?;
    caller.require(Scope::TicketsWrite)?;
    let fields = request::fields(body)?;
    let mut failures = Failures::default();
    let text = failures.text(fields, field, true);
    failures.finish()?;
    Ok((ticket, text.unwrap_or_default()))
}

/// A 400 whose body is a bare list of one message, as Waldur's views raise them.
fn refused(message: impl Into<String>) -> Error {
    Error::Invalid(vec![FieldError::new("", VIEW_LEVEL, message)])
}

/// A 400 `{"detail": …}`, as Waldur's views write some refusals themselves.
fn detail(message: &str) -> Result<HttpResponse> {
    Ok(HttpResponse::BadRequest().json(json!({ "detail": message })))
}

/// The status `name` if this issue may move to it, as the caller sees it.
fn target_status(caller: &Caller, ticket: &Ticket, name: &str) -> Option<Status> {
    available_statuses(caller, ticket)
        .contains(&name)
        .then(|| Status::parse(name))
        .flatten()
}

pub async fn set_status(
    core: Data,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse> {
    let (ticket, name) = staff_change(&core, &caller, &id, &body, "status").await?;
    let Some(status) = target_status(&caller, &ticket, &name) else {
        let mut failures = Failures::default();
        let from = ticket.status.as_str();
        let offered = available_statuses(&caller, &ticket).join(", ");
        let message = format!(
            "This issue cannot move from \"{from}\" to \"{name}\"; it can move to: {offered}."
        );
        failures.add("status", message);
        return Err(failures.into_error());
    };
    let change = Change {
        status: Some(status),
        ..Default::default()
    };
    let ticket = tickets::update(&core, &caller, ticket.id, change).await?;
    Ok(HttpResponse::Ok().json(issue_value(&core, &caller, &ticket).await?))
}

/// The basic backend has nothing to fetch: 200, no body.
pub async fn sync(core: Data, caller: Caller, id: web::Path<String>) -> Result<HttpResponse> {
    staff_issue(&core, &caller, &id).await?;
    Ok(HttpResponse::Ok().finish())
}

/// Escalates the issue for the `reason` sent: 200, no body. An issue is escalated once: a
/// second time is 400 `{"detail": "Issue is already escalated."}`.
pub async fn escalate(
    core: Data,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse> {
    let (ticket, reason) = staff_change(&core, &caller, &id, &body, "reason").await?;
    if ticket.escalation.is_some() {
        return detail(ALREADY_ESCALATED);
    }
    match escalations::escalate(&core, &caller, ticket.id, &reason).await {
        Ok(_) => Ok(HttpResponse::Ok().finish()),
        Err(Error::Invalid(errors))
            if errors
                .iter()
                .any(|e| e.code == escalations::ALREADY_ESCALATED) =>
        {
            detail(ALREADY_ESCALATED)
        }
        Err(other) => Err(other),
    }
}

/// attache's words for escalating twice (Waldur's are not known here).
const ALREADY_ESCALATED: &str = "Issue is already escalated.";

/// A hyperlink to an object attache does not have, read as DRF's `HyperlinkedRelatedField`.
fn missing_link(fields: &Map<String, Value>, name: &str) -> Error {
    let mut failures = Failures::default();
    match fields.get(name) {
        None => failures.add(name, "This field is required."),
        Some(Value::Null) => failures.add(name, "This field may not be null."),
        Some(Value::String(_)) => failures.add(name, "Invalid hyperlink - Object does not exist."),
        Some(_) => failures.add(name, "Incorrect type. Expected URL string."),
    }
    failures.into_error()
}

/// A uuid naming an object attache does not have, read as DRF's `SlugRelatedField`.
fn missing_uuid(fields: &Map<String, Value>, name: &str) -> Error {
    let mut failures = Failures::default();
    match fields.get(name) {
        None => failures.add(name, "This field is required."),
        Some(Value::Null) => failures.add(name, "This field may not be null."),
        Some(value) => {
            let text = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_owned);
            failures.add(name, format!("Object with uuid={text} does not exist."));
        }
    }
    failures.into_error()
}

/// attache's issues have no resource, so any resource named is one that does not exist.
pub async fn attach_resource(
    core: Data,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse> {
    staff_issue(&core, &caller, &id).await?;
    Err(missing_link(request::fields(&body)?, "resource"))
}

/// No issue is routed yet, and no provider helpdesk exists to route one to.
pub async fn route_to_provider(
    core: Data,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse> {
    staff_issue(&core, &caller, &id).await?;
    Err(missing_uuid(request::fields(&body)?, "provider_helpdesk"))
}

/// Only a routed issue is rerouted, and none is.
pub async fn reroute(core: Data, caller: Caller, id: web::Path<String>) -> Result<HttpResponse> {
    staff_issue(&core, &caller, &id).await?;
    detail("Issue is not routed to a provider yet.")
}

/// What a `BulkUpdateIssueRequest` asks.
struct BulkChange {
    ids: Vec<Id>,
    status: Option<String>,
    priority: Option<String>,
}

fn bulk_change(body: &Value) -> Result<BulkChange> {
    let fields = request::fields(body)?;
    let mut failures = Failures::default();
    let ids = failures.uuids(fields, "issue_uuids");
    let status = failures.text(fields, "status", false);
    let priority = failures.text(fields, "priority", false);
    match fields.get("assignee") {
        None | Some(Value::Null) => {}
        Some(_) => failures.add("assignee", "attache has no assignees to set."),
    }
    failures.finish()?;
    let mut ids = ids.unwrap_or_default();
    ids.sort_unstable_by_key(|id| *id.as_bytes());
    ids.dedup();
    Ok(BulkChange {
        ids,
        status,
        priority,
    })
}

/// Sets the status and the priority of every issue named that exists; 400 when none does, or
/// when one cannot take the status (then none is changed). Answers `{"updated_count": n}`.
pub async fn bulk_update(
    core: Data,
    caller: Caller,
    body: web::Json<Value>,
) -> Result<HttpResponse> {
    staff_only(&caller)?;
    caller.require(Scope::TicketsWrite)?;
    let asked = bulk_change(&body)?;
    let mut found = Vec::new();
    for id in asked.ids {
        match tickets::get(&core, &caller, id).await {
            Ok(ticket) => found.push(ticket),
            Err(Error::NotFound(_)) => {}
            Err(other) => return Err(other),
        }
    }
    if found.is_empty() {
        return Err(refused("No issues found with the given UUIDs."));
    }
    let mut changes = Vec::new();
    for ticket in &found {
        let status = match asked.status.as_deref() {
            None => None,
            Some(name) => Some(target_status(&caller, ticket, name).ok_or_else(|| {
                refused(format!(
                    "Issue {} cannot move from \"{}\" to \"{name}\".",
                    issue_key(ticket),
                    ticket.status.as_str()
                ))
            })?),
        };
        let change = Change {
            status,
            priority: asked.priority.clone().map(Some),
            ..Default::default()
        };
        changes.push((ticket.clone(), change));
    }
    if asked.status.is_some() || asked.priority.is_some() {
        // One transaction: all are changed or none.
        tickets::update_all(&core, &caller, changes).await?;
    }
    Ok(HttpResponse::Ok().json(json!({ "updated_count": found.len() })))
}
