//! Comments: `POST /api/support-issues/{uuid}/comment/` writes one; `/api/support-comments/`
//! lists (GET and HEAD), retrieves, changes (PUT, PATCH) and deletes them. A comment is a
//! message of the ticket other than the one it was opened with (that one is the issue's
//! description). Customers see public comments and their own; only staff (attache's agents
//! and admins) change or delete comments, as in Waldur. Creating one here is a 405: Waldur
//! disables it (see `paths`).

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::core::messages::{self, Carry, MessageChange, MessageQuery, MessageSort, NewMessage};
use crate::core::{tickets, users, Caller, Core};
use crate::domain::{Message, Ticket};
use crate::error::{Error, FieldError, Result};

use super::attachments::tickets_of;
use super::filters::Filters;
use super::list::{list_response, ListParams};
use super::request::{self, Failures};
use super::{issue_key, issue_url, time, url, uuid, Data};

fn comment_json(core: &Core, caller: &Caller, m: &Message, ticket: &Ticket, author: &str) -> Value {
    let may_change = caller.may_change_messages();
    json!({
        "url": url(core, "support-comments", m.id),
        "uuid": m.id.hex(),
        "issue": issue_url(core, ticket.id),
        "issue_key": issue_key(ticket),
        "description": m.body,
        "is_public": !m.internal,
        "author_name": author,
        "author_uuid": m.author_id.hex(),
        "author_user": url(core, "users", m.author_id),
        // attache keeps neither e-mail addresses nor avatars.
        "author_email": "",
        "author_image": "",
        "backend_id": null,
        "remote_id": null,
        "created": time(m.created_at),
        "update_is_available": may_change,
        "destroy_is_available": may_change,
    })
}

/// The comments of a page, each with its issue and its author's name.
async fn render(core: &Core, caller: &Caller, list: &[Message]) -> Result<Vec<Value>> {
    let issues = tickets_of(core, caller, list.iter().map(|m| m.ticket_id)).await?;
    let names = users::names(core, list.iter().map(|m| m.author_id).collect()).await?;
    Ok(list
        .iter()
        .filter_map(|m| {
            let author = names.get(&m.author_id).map_or("", String::as_str);
            Some(comment_json(
                core,
                caller,
                m,
                issues.get(&m.ticket_id)?,
                author,
            ))
        })
        .collect())
}

async fn respond(core: &Core, caller: &Caller, m: &Message, created: bool) -> Result<HttpResponse> {
    let item = render(core, caller, std::slice::from_ref(m)).await?;
    let item = item.into_iter().next().ok_or(Error::NotFound("message"))?;
    Ok(if created {
        HttpResponse::Created().json(item)
    } else {
        HttpResponse::Ok().json(item)
    })
}

/// A comment the caller may read: a message that did not open its ticket.
async fn comment(core: &Core, caller: &Caller, id: &str) -> Result<Message> {
    let message = messages::get(core, caller, uuid(id)?).await?;
    if message.opening {
        return Err(Error::NotFound("message"));
    }
    Ok(message)
}

/// A `CommentRequest`, read as Django REST framework's serializer reads it; `partial` for
/// PATCH, where `description` may be left out.
fn comment_request(body: &Value, partial: bool) -> Result<MessageChange> {
    let fields = request::fields(body)?;
    let mut failures = Failures::default();
    let change = MessageChange {
        body: failures.text(fields, "description", !partial),
        internal: match fields.get("is_public") {
            None => None,
            Some(Value::Null) => {
                failures.add("is_public", "This field may not be null.");
                None
            }
            Some(value) => match boolean(value) {
                Some(public) => Some(!public),
                None => {
                    failures.add("is_public", "Must be a valid boolean.");
                    None
                }
            },
        },
    };
    failures.finish()?;
    Ok(change)
}

/// The values Django REST framework's `BooleanField` takes, and no others.
fn boolean(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_f64() {
            Some(1.0) => Some(true),
            Some(0.0) => Some(false),
            _ => None,
        },
        Value::String(s) if DRF_TRUE.contains(&s.as_str()) => Some(true),
        Value::String(s) if DRF_FALSE.contains(&s.as_str()) => Some(false),
        _ => None,
    }
}

/// The strings DRF's `BooleanField` reads as true, and as false.
pub const DRF_TRUE: &[&str] = &[
    "t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "1",
];
pub const DRF_FALSE: &[&str] = &[
    "f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "0",
];

/// The core calls `description` the message's body.
fn as_description(err: Error) -> Error {
    match err {
        Error::Invalid(errors) => Error::Invalid(
            errors
                .into_iter()
                .map(|e| FieldError {
                    pointer: e.pointer.replacen("/body", "/description", 1),
                    ..e
                })
                .collect(),
        ),
        other => other,
    }
}

pub async fn comment_issue(
    core: Data,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse> {
    let ticket = tickets::get(&core, &caller, uuid(&id)?).await?;
    let change = comment_request(&body, false)?;
    let new = NewMessage {
        body: change.body.unwrap_or_default(),
        attachment_ids: Vec::new(),
        carry: Carry::Named,
        internal: change.internal.unwrap_or(false),
        sensitive: false,
    };
    let message = messages::post(&core, &caller, ticket.id, new)
        .await
        .map_err(as_description)?;
    respond(&core, &caller, &message, true).await
}

pub async fn list_comments(core: Data, caller: Caller, req: HttpRequest) -> Result<HttpResponse> {
    let params = ListParams::parse(&req)?;
    let mut f = Filters::new(&params);
    let issue = f.uuid("issue_uuid").and(f.link("issue", "support-issues"));
    let author = f.link("author_user", "users");
    f.never_true(&["remote_id_is_set"]);
    let mut order: Vec<(MessageSort, bool)> = f
        .ordering(&["created", "modified"])
        .into_iter()
        .map(|(name, descending)| match name {
            "modified" => (MessageSort::Updated, descending),
            _ => (MessageSort::Created, descending),
        })
        .collect();
    if order.is_empty() {
        order.push((MessageSort::Created, true));
    }
    let query = MessageQuery {
        ticket: issue.id(),
        author: author.id(),
        body_contains: f.text("description"),
        author_name_contains: f.text("author_name"),
        internal: f.boolean("is_public").map(|public| !public),
        order,
        limit: params.page_size,
        offset: params.offset(),
        ..Default::default()
    };
    let nothing = f.finish()? || issue.is_nothing() || author.is_nothing();
    let query = MessageQuery { nothing, ..query };
    let (list, total) = messages::page(&core, &caller, query).await?;
    let items = render(&core, &caller, &list).await?;
    list_response(&req, &core, &params, items, total)
}

pub async fn retrieve_comment(
    core: Data,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    let message = comment(&core, &caller, &id).await?;
    respond(&core, &caller, &message, false).await
}

/// PUT and PATCH: staff only (403 before any lookup), then 404, then the body's 400.
async fn change(
    core: Data,
    caller: Caller,
    id: &str,
    body: &Value,
    partial: bool,
) -> Result<HttpResponse> {
    if !caller.may_change_messages() {
        return Err(Error::Forbidden("Only staff change comments."));
    }
    let message = comment(&core, &caller, id).await?;
    let change = comment_request(body, partial)?;
    let message = messages::edit(&core, &caller, message.id, change)
        .await
        .map_err(as_description)?;
    respond(&core, &caller, &message, false).await
}

pub async fn update_comment(
    core: Data,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse> {
    change(core, caller, &id, &body, false).await
}

pub async fn partial_update_comment(
    core: Data,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse> {
    change(core, caller, &id, &body, true).await
}

pub async fn destroy_comment(
    core: Data,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    if !caller.may_change_messages() {
        return Err(Error::Forbidden("Only staff delete comments."));
    }
    let message = comment(&core, &caller, &id).await?;
    messages::delete(&core, &caller, message.id).await?;
    Ok(HttpResponse::NoContent().finish())
}
