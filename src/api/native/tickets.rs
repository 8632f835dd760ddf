//! Tickets under `/v1`, as TopTickets has them: offset paging on bare arrays, its filters,
//! its fields and its status and priority names (src/domain/status.rs has the status table).

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::fields::{self, Nullable};
use super::views::TicketView;
use crate::api::native_id;
use crate::core::tickets::{self, CategoryMatch, TextMatch, TicketMatch};
use crate::core::{messages, Caller, Core};
use crate::domain::Ticket;
use crate::error::{Error, Result};
use crate::ids::Id;

type Data = web::Data<Core>;

/// TopTickets' default page and its largest.
const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 500;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Items to skip (default 0).
    #[param(value_type = Option<u64>, maximum = 4294967295_u64)]
    offset: Option<u32>,
    /// Items to return, 1 to 500 (default 100); more is refused with 422.
    #[param(value_type = Option<u64>, minimum = 1, maximum = 500)]
    limit: Option<u32>,
    /// `new`, `open`, `pending`, `resolved` or `closed`.
    #[param(pattern = "^(new|open|pending|resolved|closed)$")]
    status: Option<String>,
    /// `low`, `medium`, `high` or `urgent`.
    #[param(pattern = "^(low|medium|high|urgent)$")]
    priority: Option<String>,
    /// Tickets of this customer.
    #[param(format = Uuid)]
    customer_id: Option<String>,
    /// Tickets of this category, exactly.
    category: Option<String>,
    /// Case-insensitive search in the subject and the display id (`TKT-12`).
    search: Option<String>,
    /// attache has no assignment: `true` matches every ticket, `false` none.
    unassigned: Option<bool>,
    /// attache has no assignment: matches no ticket.
    #[param(format = Uuid)]
    assigned_user_id: Option<String>,
    /// attache has no assignment: matches no ticket.
    #[param(format = Uuid)]
    assigned_team_id: Option<String>,
    /// attache: case-insensitive search in the subject.
    q: Option<String>,
    /// attache: from the `Link: rel="next"` of the previous page, instead of `offset`.
    #[param(format = Uuid)]
    cursor: Option<String>,
}

fn uuid_param(text: Option<&str>, name: &str) -> Result<Option<Id>> {
    text.map(|t| {
        Id::parse_uuid(t).ok_or_else(|| {
            Error::invalid(
                &format!("/{name}"),
                "invalid_id",
                format!("`{name}` is not a UUID."),
            )
        })
    })
    .transpose()
}

/// What the parameters ask of the core.
fn list_query(p: &ListParams) -> Result<tickets::ListQuery> {
    let limit = p.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Error::invalid(
            "/limit",
            "invalid_limit",
            format!("`limit` is 1 to {MAX_LIMIT}."),
        ));
    }
    let customer = uuid_param(p.customer_id.as_deref(), "customer_id")?;
    let assigned = [
        uuid_param(p.assigned_user_id.as_deref(), "assigned_user_id")?,
        uuid_param(p.assigned_team_id.as_deref(), "assigned_team_id")?,
    ];
    let matches = TicketMatch {
        nothing: assigned.iter().any(Option::is_some) || p.unassigned == Some(false),
        requester: customer,
        statuses: match p.status.as_deref() {
            Some(name) => fields::statuses_named(name, "/status")?,
            None => Vec::new(),
        },
        priority: match p.priority.as_deref() {
            Some(name) => Some(CategoryMatch {
                // A query parameter's enum error is FastAPI's 422; only the body's is 400.
                name: fields::priority(name, "/priority")
                    .map_err(|_| {
                        Error::invalid(
                            "/priority",
                            "invalid_priority_filter",
                            "value is not a valid enumeration member; permitted: 'low', 'medium', 'high', 'urgent'",
                        )
                    })?
                    .to_owned(),
                or_none: name == fields::DEFAULT_PRIORITY,
            }),
            None => None,
        },
        category: p.category.clone().map(|name| CategoryMatch {
            or_none: name.is_empty(),
            name,
        }),
        text: p
            .search
            .clone()
            .filter(|s| !s.is_empty())
            .map(|needle| TextMatch {
                needle,
                key_prefix: "TKT-".to_owned(),
            }),
        ..Default::default()
    };
    Ok(tickets::ListQuery {
        q: p.q.clone(),
        limit: Some(limit),
        offset: p.offset,
        cursor: uuid_param(p.cursor.as_deref(), "cursor")?,
        matches,
        ..Default::default()
    })
}

/// One ticket with its description.
async fn view(core: &Core, caller: &Caller, ticket: Ticket) -> Result<TicketView> {
    let description = messages::opening_of(core, caller, &ticket).await?;
    Ok(TicketView::new(ticket, description))
}

/// The tickets with their descriptions (the bodies they were opened with).
async fn views(core: &Core, caller: &Caller, list: Vec<Ticket>) -> Result<Vec<TicketView>> {
    let ids = list.iter().map(|t| t.id).collect();
    let mut openings = messages::openings(core, caller, ids).await?;
    Ok(list
        .into_iter()
        .map(|t| {
            let description = openings.remove(&t.id).unwrap_or_default();
            TicketView::new(t, description)
        })
        .collect())
}

/// The next page's URL: the same query, one page on (by `offset` if this page was asked by
/// offset, else by cursor).
fn next_link(core: &Core, query: &str, p: &ListParams, page: &tickets::Page) -> Option<String> {
    let cursor = page.next_cursor?;
    let mut pairs: Vec<String> = query
        .split('&')
        .filter(|pair| {
            let key = pair.split('=').next().unwrap_or_default();
            !pair.is_empty() && key != "offset" && key != "cursor"
        })
        .map(str::to_owned)
        .collect();
    match p.offset {
        Some(offset) => {
            let next = offset.saturating_add(p.limit.unwrap_or(DEFAULT_LIMIT));
            pairs.push(format!("offset={next}"));
        }
        None => pairs.push(format!("cursor={cursor}")),
    }
    let query = pairs.join("&");
    Some(format!(
        "<{}/v1/tickets?{query}>; rel=\"next\"",
        core.public_url
    ))
}

#[utoipa::path(get, path = "/v1/tickets", tag = "tickets", params(ListParams),
    responses((status = 200, body = [TicketView],
        description = "Newest first, a bare array; the end is a page shorter than `limit`. `Link: rel=\"next\"` when there is more (an attache addition)")))]
pub async fn list_tickets(
    core: Data,
    caller: Caller,
    req: actix_web::HttpRequest,
    params: web::Query<ListParams>,
) -> Result<HttpResponse> {
    let params = params.into_inner();
    let query = list_query(&params)?;
    let page = tickets::list(&core, &caller, query).await?;
    let mut res = HttpResponse::Ok();
    if let Some(link) = next_link(&core, req.query_string(), &params, &page) {
        res.insert_header((header::LINK, link));
    }
    Ok(res.json(views(&core, &caller, page.tickets).await?))
}

/// A new ticket; the description (or attache's `body`) becomes its opening message.
#[derive(Deserialize, ToSchema)]
pub struct NewTicket {
    /// 1 to 500 characters, not all spaces.
    #[schema(pattern = r"\S", max_length = 500)]
    subject: String,
    description: Option<String>,
    /// attache's name for `description`.
    body: Option<String>,
    /// `new` unless given.
    #[schema(pattern = "^(new|open|pending|resolved|closed)$")]
    status: Option<String>,
    /// `medium` unless given.
    #[schema(pattern = "^(low|medium|high|urgent)$")]
    priority: Option<String>,
    #[schema(max_length = 100)]
    category: Option<String>,
    /// Only the caller's own id: attache opens tickets for the caller.
    #[schema(format = Uuid)]
    customer_id: Option<String>,
    #[schema(format = DateTime)]
    due_date: Option<String>,
}

#[utoipa::path(post, path = "/v1/tickets", tag = "tickets", request_body = NewTicket,
    responses((status = 201, body = TicketView)))]
pub async fn create_ticket(
    core: Data,
    caller: Caller,
    body: web::Json<NewTicket>,
) -> Result<HttpResponse> {
    let body = body.into_inner();
    if let Some(customer) = uuid_param(body.customer_id.as_deref(), "customer_id")? {
        if customer != caller.user.id {
            return Err(Error::invalid(
                "/customer_id",
                "not_the_caller",
                "attache opens tickets for the caller only: `customer_id` is your own id or absent.",
            ));
        }
    }
    let new = tickets::NewTicket {
        subject: body.subject,
        message: body.description.or(body.body),
        priority: body
            .priority
            .as_deref()
            .map(|p| fields::priority(p, "/priority").map(str::to_owned))
            .transpose()?,
        category: body.category,
        status: Some(match body.status.as_deref() {
            Some(name) => fields::status(name, "/status")?,
            None => crate::domain::Status::New,
        }),
        due_date: body
            .due_date
            .as_deref()
            .map(|d| fields::time(d, "/due_date"))
            .transpose()?,
        ..Default::default()
    };
    let ticket = tickets::create(&core, &caller, new).await?;
    Ok(HttpResponse::Created().json(view(&core, &caller, ticket).await?))
}

#[utoipa::path(get, path = "/v1/tickets/{id}", tag = "tickets", params(("id" = String, Path, format = Uuid, description = "The ticket id")), responses((status = 200, body = TicketView)))]
pub async fn get_ticket(core: Data, caller: Caller, id: web::Path<String>) -> Result<HttpResponse> {
    let ticket = tickets::get(&core, &caller, native_id(&id, "ticket")?).await?;
    Ok(HttpResponse::Ok().json(view(&core, &caller, ticket).await?))
}

/// The fields to change, at least one; `null` clears `category` and `due_date`.
#[derive(Deserialize, ToSchema)]
#[schema(min_properties = 1)]
pub struct TicketChange {
    #[schema(pattern = r"\S", max_length = 500)]
    subject: Option<String>,
    #[schema(pattern = "^(new|open|pending|resolved|closed)$")]
    status: Option<String>,
    #[schema(pattern = "^(low|medium|high|urgent)$")]
    priority: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 100)]
    category: Nullable<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    due_date: Nullable<String>,
}

#[utoipa::path(patch, path = "/v1/tickets/{id}", tag = "tickets", request_body = TicketChange,
    params(("id" = String, Path, format = Uuid, description = "The ticket id")),
    responses((status = 200, body = TicketView)))]
pub async fn update_ticket(
    core: Data,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<TicketChange>,
) -> Result<HttpResponse> {
    let body = body.into_inner();
    let due_date = match body.due_date.0 {
        Some(Some(text)) => Some(Some(fields::time(&text, "/due_date")?)),
        Some(None) => Some(None),
        None => None,
    };
    let change = tickets::Change {
        subject: body.subject,
        status: body
            .status
            .as_deref()
            .map(|s| fields::status(s, "/status"))
            .transpose()?,
        priority: body
            .priority
            .as_deref()
            .map(|p| fields::priority(p, "/priority").map(|p| Some(p.to_owned())))
            .transpose()?,
        category: body.category.0,
        due_date,
    };
    let ticket = tickets::update(&core, &caller, native_id(&id, "ticket")?, change).await?;
    Ok(HttpResponse::Ok().json(view(&core, &caller, ticket).await?))
}

#[utoipa::path(delete, path = "/v1/tickets/{id}", tag = "tickets",
    params(("id" = String, Path, format = Uuid, description = "The ticket id")),
    responses((status = 204, description = "Deleted, with its comments and attachments; agents and admins only, with `tickets:delete`")))]
pub async fn delete_ticket(
    core: Data,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    tickets::delete(&core, &caller, native_id(&id, "ticket")?).await?;
    Ok(HttpResponse::NoContent().finish())
}
