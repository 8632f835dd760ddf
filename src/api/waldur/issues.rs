//! `/api/support-issues/`: list (GET and HEAD, with Waldur's filters and ordering), create and
//! retrieve. Changing or deleting an issue answers as Waldur does when its helpdesk backend
//! does not allow it (`update_is_available` and `destroy_is_available` are false).

use std::collections::HashMap;

use actix_web::http::header::ContentType;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::core::access::Action;
use crate::core::tickets::{self, CategoryMatch, ListQuery, TextMatch, TicketSort};
use crate::core::{messages, users, Caller, Core};
use crate::domain::{Status, Ticket};
use crate::error::{Error, FieldError, Result};
use crate::ids::Id;

use super::errors::VIEW_LEVEL;
use super::filters::Filters;
use super::list::{list_response, ListParams};
use super::{issue_key, issue_url, staff_only, time, url, uuid, Data, ISSUE_TYPES, KEY_PREFIX};

/// The type an issue has when none was given: Waldur's first configured type.
const DEFAULT_TYPE: &str = ISSUE_TYPES[0];

/// What an issue shows that is not on the ticket itself.
struct Extra<'a> {
    description: Option<&'a str>,
    requester_name: Option<&'a str>,
}

/// Every key the official client's `Issue.from_dict` requires, with attache's values.
fn issue_json(core: &Core, caller: &Caller, t: &Ticket, extra: Extra) -> Value {
    let closed = t.status.is_done();
    json!({
        "url": issue_url(core, t.id),
        "uuid": t.id.hex(),
        "type": t.category.as_deref().unwrap_or(DEFAULT_TYPE),
        "key": issue_key(t),
        "summary": t.subject,
        "description": extra.description.unwrap_or_default(),
        "status": t.status.as_str(),
        "resolution": "",
        // Resolved for a resolved or closed ticket; neither resolved nor canceled otherwise.
        "resolved": if closed { Some(true) } else { None },
        "priority": t.priority.as_deref().unwrap_or_default(),
        "caller": url(core, "users", t.requester_id),
        "caller_uuid": t.requester_id.hex(),
        "caller_full_name": extra.requester_name,
        "reporter": url(core, "support-users", t.requester_id),
        "reporter_uuid": t.requester_id.hex(),
        "reporter_name": extra.requester_name,
        "created": time(t.created_at),
        "modified": time(t.updated_at),
        "update_is_available": false,
        "destroy_is_available": false,
        "add_comment_is_available": caller.may(Action::Reply(t)),
        "add_attachment_is_available": caller.may(Action::Attach(t)),
        "available_statuses": available_statuses(caller, t),
        "sla_breached": false,
        "sla_status": "",
        "is_escalated": t.escalation.is_some(),
        "is_routed": false,
        "escalation_reason": t.escalation.as_ref().map_or("", |e| e.reason.as_str()),
        "resource_type": null, "resource_name": null,
        "parent_issue": null, "provider_helpdesk": null,
        "backend_id": null, "backend_name": null,
        "assignee_uuid": null, "assignee_name": null,
        "customer_uuid": null, "customer_name": null,
        "project_uuid": null, "project_name": null,
        "order_uuid": null, "order_project_uuid": null,
        "order_customer_uuid": null, "order_resource_name": null,
        "feedback": null, "provider_ticket_info": null,
        "first_response_deadline": null, "resolution_deadline": null,
        "first_response_at": null,
        "escalated_at": t.escalation.as_ref().map(|e| time(e.at)),
    })
}

/// The statuses `set_status` takes for this issue from this caller, sorted by name: every
/// core status but the one it has, as Waldur's basic backend offers every status it knows
/// but the current one when no workflow is configured. None for a customer, who may not set
/// statuses (Waldur's list is the same for every user).
pub(super) fn available_statuses(caller: &Caller, t: &Ticket) -> Vec<&'static str> {
    if staff_only(caller).is_err() || !caller.may(Action::UpdateTicket(t)) {
        return Vec::new();
    }
    let mut names: Vec<&str> = Status::ALL
        .into_iter()
        .filter(|s| *s != t.status)
        .map(Status::as_str)
        .collect();
    names.sort_unstable();
    names
}

/// The values of `o`, as Waldur's issue filter declares them.
const ORDER: &[&str] = &[
    "created",
    "modified",
    "type",
    "key",
    "status",
    "priority",
    "summary",
    "customer_name",
    "project_name",
    "caller_first_name",
    "caller_last_name",
    "reporter_name",
    "assignee_name",
    "remote_id",
];

/// What attache sorts by for each value of `o`; `None` for fields it never records, which
/// leave the order as it is.
fn sort_key(name: &str) -> Option<TicketSort> {
    Some(match name {
        "created" => TicketSort::Created,
        "modified" => TicketSort::Updated,
        "type" => TicketSort::Category,
        "key" => TicketSort::Number,
        "status" => TicketSort::Status,
        "priority" => TicketSort::Priority,
        "summary" => TicketSort::Subject,
        // attache keeps one name per user.
        "caller_first_name" | "caller_last_name" | "reporter_name" => TicketSort::RequesterName,
        _ => return None,
    })
}

/// The sort keys for `o`. Waldur sorts by the key's number alone whenever `key` is asked for.
fn order(asked: Vec<(&str, bool)>) -> Vec<(TicketSort, bool)> {
    if asked.iter().any(|(name, _)| *name == "key") {
        let ascending = asked.contains(&("key", false));
        return vec![(TicketSort::Number, !ascending)];
    }
    asked
        .into_iter()
        .filter_map(|(name, descending)| Some((sort_key(name)?, descending)))
        .collect()
}

/// Waldur's issue filters, as a core query; `nothing` when one names nothing attache has.
fn issue_query(params: &ListParams) -> Result<ListQuery> {
    let mut f = Filters::new(params);
    let requester = f
        .link("caller", "users")
        .and(f.link("reporter", "support-users"));
    f.never_found(
        &[
            "customer_uuid",
            "project_uuid",
            "resource_uuid",
            "provider_uuid",
        ],
        &[
            ("customer", "customers"),
            ("project", "projects"),
            ("assignee", "support-users"),
        ],
    );
    f.never_set(&[
        "assignee_name",
        "remote_id",
        "resolution_year_month",
        "resource_external_ip",
        "resource_internal_ip",
    ]);
    f.never_true(&["is_parent", "is_routed", "sla_breached"]);
    let asked = f.ordering(ORDER);
    let mut query = ListQuery {
        q: f.text("summary"),
        limit: Some(params.page_size),
        offset: Some(params.offset()),
        order: order(asked),
        ..Default::default()
    };
    // Waldur's statuses are free text: one attache does not have matches nothing.
    if let Some(status) = f.text("status") {
        query.status = Status::parse(&status);
        f.nothing |= query.status.is_none();
    }
    if let Some(key) = f.text("key") {
        let number = key
            .strip_prefix(KEY_PREFIX)
            .and_then(|n| n.parse::<i64>().ok());
        query.matches.number = number.filter(|n| format!("{KEY_PREFIX}{n}") == key);
        f.nothing |= query.matches.number.is_none();
    }
    query.matches.category = f.text("type").map(|name| CategoryMatch {
        or_none: name == DEFAULT_TYPE,
        name,
    });
    query.matches.text = f.text("query").map(|needle| TextMatch {
        needle,
        key_prefix: KEY_PREFIX.to_owned(),
    });
    query.matches.requester_name_contains = ["reporter_name", "caller_full_name"]
        .iter()
        .filter_map(|name| f.text(name))
        .collect();
    query.matches.closed = f.boolean("is_open").map(|open| !open);
    query.matches.escalated = f.boolean("is_escalated");
    query.matches.requester = requester.id();
    let nothing = f.finish()? || requester.is_nothing();
    query.matches.nothing = nothing;
    Ok(query)
}

/// The descriptions and requesters' names of some tickets.
async fn extras(
    core: &Core,
    caller: &Caller,
    tickets: &[Ticket],
) -> Result<(HashMap<Id, String>, HashMap<Id, String>)> {
    let ids = tickets.iter().map(|t| t.id).collect();
    let descriptions = messages::openings(core, caller, ids).await?;
    let names = users::names(core, tickets.iter().map(|t| t.requester_id).collect()).await?;
    Ok((descriptions, names))
}

fn with_extras(
    core: &Core,
    caller: &Caller,
    t: &Ticket,
    (descriptions, names): &(HashMap<Id, String>, HashMap<Id, String>),
) -> Value {
    let extra = Extra {
        description: descriptions.get(&t.id).map(String::as_str),
        requester_name: names.get(&t.requester_id).map(String::as_str),
    };
    issue_json(core, caller, t, extra)
}

pub async fn list_issues(core: Data, caller: Caller, req: HttpRequest) -> Result<HttpResponse> {
    let params = ListParams::parse(&req)?;
    let (page, total) = tickets::page(&core, &caller, issue_query(&params)?).await?;
    let extras = extras(&core, &caller, &page).await?;
    let items = page
        .iter()
        .map(|t| with_extras(&core, &caller, t, &extras))
        .collect();
    list_response(&req, &core, &params, items, total)
}

/// One issue as Waldur shows it.
pub(super) async fn issue_value(core: &Core, caller: &Caller, ticket: &Ticket) -> Result<Value> {
    let extras = extras(core, caller, std::slice::from_ref(ticket)).await?;
    Ok(with_extras(core, caller, ticket, &extras))
}

pub async fn retrieve_issue(
    core: Data,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    let ticket = tickets::get(&core, &caller, uuid(&id)?).await?;
    Ok(HttpResponse::Ok().json(issue_value(&core, &caller, &ticket).await?))
}

#[derive(Deserialize)]
pub struct NewIssue {
    summary: String,
    #[serde(default)]
    description: String,
    #[serde(rename = "type")]
    kind: Option<String>,
    priority: Option<String>,
}

pub async fn create_issue(
    core: Data,
    caller: Caller,
    body: web::Json<NewIssue>,
) -> Result<HttpResponse> {
    let body = body.into_inner();
    let new = tickets::NewTicket {
        subject: body.summary,
        message: Some(body.description),
        priority: body.priority,
        category: Some(body.kind.unwrap_or_else(|| DEFAULT_TYPE.to_owned())),
        ..Default::default()
    };
    let ticket = tickets::create(&core, &caller, new).await?;
    Ok(HttpResponse::Created()
        .content_type(ContentType::json())
        .json(issue_value(&core, &caller, &ticket).await?))
}

/// PUT, PATCH and DELETE of an issue: Waldur allows them to staff and support users only
/// (403 before any lookup), and then only when its helpdesk backend does, which for attache's
/// issues it does not: 400 `["Updating is not available."]` or `["Destroying is not
/// available."]`.
pub async fn unavailable_issue_change(
    core: Data,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    staff_only(&caller)?;
    tickets::get(&core, &caller, uuid(&id)?).await?;
    let message = if req.method() == actix_web::http::Method::DELETE {
        "Destroying is not available."
    } else {
        "Updating is not available."
    };
    Err(Error::Invalid(vec![FieldError::new(
        "", VIEW_LEVEL, message,
    )]))
}
