//! Tickets and replies: the cursor-paged list, create, detail, close and reopen, reply.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::new_ticket::upload_ids;
use super::views::{self, message_view};
use super::{departments, statuses_named, ticket_id};
use crate::core::messages::{self, Carry};
use crate::core::{tickets, Caller, Core};
use crate::domain::{Scope, Status};
use crate::error::{Error, Result};
use crate::ids::Id;

type Data = web::Data<Core>;

/// HostUp's page size: 20 unless asked, 1 to 100.
const DEFAULT_LIMIT: u32 = 20;
const MAX_LIMIT: u32 = 100;
const CURSOR_PREFIX: &str = "cur_";

/// Query parameters as text, so that each bad one is named by its `?pointer`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    limit: Option<String>,
    cursor: Option<String>,
    status: Option<String>,
    department_slug: Option<String>,
}

fn limit_of(text: Option<&str>) -> Result<u32> {
    let Some(text) = text else {
        return Ok(DEFAULT_LIMIT);
    };
    match text.trim().parse::<u32>() {
        Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        _ => Err(Error::invalid(
            "?limit",
            "out_of_range",
            format!("`limit` is an integer from 1 to {MAX_LIMIT}."),
        )),
    }
}

/// A cursor is opaque to clients: the last ticket of the previous page.
fn cursor_of(text: Option<&str>) -> Result<Option<Id>> {
    text.map(|t| {
        t.strip_prefix(CURSOR_PREFIX)
            .and_then(Id::parse_base32)
            .ok_or(Error::InvalidCursor)
    })
    .transpose()
}

fn matches_of(query: &ListQuery) -> Result<tickets::TicketMatch> {
    let statuses = match query.status.as_deref() {
        Some(name) => statuses_named(name).ok_or_else(|| {
            Error::invalid(
                "?status",
                "invalid_enum",
                "`status` is one of open, answered, customer_reply, in_progress, on_hold, closed.",
            )
        })?,
        None => Vec::new(),
    };
    let department = match query.department_slug.as_deref() {
        Some(slug) if departments::by_slug(slug).is_none() => {
            return Err(Error::invalid(
                "?departmentSlug",
                "unknown_department",
                "Not a slug from GET /api/v2/support/departments.",
            ))
        }
        other => other.map(str::to_owned),
    };
    Ok(tickets::TicketMatch {
        statuses,
        department,
        ..Default::default()
    })
}

/// The caller's tickets, newest first, a cursor page at a time.
pub async fn list_tickets(
    core: Data,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse> {
    let limit = limit_of(query.limit.as_deref())?;
    let cursor = cursor_of(query.cursor.as_deref())?;
    let list = tickets::ListQuery {
        matches: matches_of(&query)?,
        limit: Some(limit),
        cursor,
        ..Default::default()
    };
    let page = tickets::list(&core, &caller, list).await?;
    let next = page
        .next_cursor
        .map(|id| format!("{CURSOR_PREFIX}{}", id.base32()));
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "data": views::summaries(&core, page.tickets).await?,
        "hasMore": next.is_some(),
        "nextCursor": next,
    })))
}

/// A ticket named in a path: its `tkt_` id, or its number (HostUp's "migration allowance").
async fn path_ticket(core: &Core, caller: &Caller, text: &str) -> Result<Id> {
    let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    let Some(number) = text.parse::<i64>().ok().filter(|_| digits) else {
        return ticket_id(text);
    };
    let query = tickets::ListQuery {
        matches: tickets::TicketMatch {
            number: Some(number),
            ..Default::default()
        },
        limit: Some(1),
        ..Default::default()
    };
    let found = tickets::list(core, caller, query).await?;
    found
        .tickets
        .first()
        .map(|t| t.id)
        .ok_or(Error::NotFound("ticket"))
}

pub async fn ticket_detail(
    core: Data,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    let id = path_ticket(&core, &caller, &id).await?;
    Ok(HttpResponse::Ok().json(views::detail(&core, &caller, id).await?))
}

/// Moves a ticket to `status` (unless HostUp already shows it so) and answers its detail.
async fn act(core: &Core, caller: &Caller, id: &str, status: Status) -> Result<HttpResponse> {
    caller.require(Scope::TicketsWrite)?;
    let id = path_ticket(core, caller, id).await?;
    let ticket = tickets::visible(core, caller, id).await?;
    if ticket.status.is_done() != status.is_done() {
        let change = tickets::Change {
            status: Some(status),
            ..Default::default()
        };
        tickets::update(core, caller, id, change).await?;
    }
    Ok(HttpResponse::Ok().json(views::detail(core, caller, id).await?))
}

/// `POST /tickets/{id}/actions/close`: closed (a resolved ticket is already closed to HostUp).
pub async fn close(core: Data, caller: Caller, id: web::Path<String>) -> Result<HttpResponse> {
    act(&core, &caller, &id, Status::Closed).await
}

/// `POST /tickets/{id}/actions/reopen`: open again (an open ticket stays as it is).
pub async fn reopen(core: Data, caller: Caller, id: web::Path<String>) -> Result<HttpResponse> {
    act(&core, &caller, &id, Status::Open).await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reply {
    message: Option<String>,
    #[serde(default)]
    encrypted: bool,
    /// attache's own: `satt_` uploads this reply carries (besides those pinned to the ticket).
    #[serde(default)]
    attachment_ids: Vec<String>,
}

/// A reply; a closed ticket must be reopened first (409 `ticket_closed`, attache's choice).
pub async fn reply(
    core: Data,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<Reply>,
) -> Result<HttpResponse> {
    let body = body.into_inner();
    let Some(message) = body.message else {
        return Err(Error::invalid(
            "/message",
            "missing_required",
            "`message` is required.",
        ));
    };
    let ids = upload_ids(&body.attachment_ids)?;
    caller.require(Scope::TicketsWrite)?;
    let id = path_ticket(&core, &caller, &id).await?;
    if tickets::visible(&core, &caller, id).await?.status.is_done() {
        return Err(Error::TicketClosed);
    }
    let new = messages::NewMessage {
        body: message,
        attachment_ids: ids,
        carry: Carry::NamedAndPinned,
        internal: false,
        sensitive: body.encrypted,
    };
    let message = messages::post(&core, &caller, id, new).await?;
    Ok(HttpResponse::Created().json(message_view(&core, message, Some(&caller.user))))
}
