//! TopTickets comments on core messages: replies and internal notes, without the message a
//! ticket was opened with (its `description`). Customers never see others' internal notes;
//! only agents and admins edit or delete comments (src/core/messages.rs).

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::views::{CommentView, Viewer};
use crate::api::native_id;
use crate::core::messages::{self, Carry, MessageChange, NewMessage};
use crate::core::{Caller, Core};
use crate::domain::Message;
use crate::error::{Error, Result};
use crate::ids::Id;

type Data = web::Data<Core>;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// Items to skip (default 0).
    #[param(value_type = Option<u64>, maximum = 4294967295_u64)]
    offset: Option<u32>,
    /// Items to return, 1 to 500 (default 100); more is refused with 422.
    #[param(value_type = Option<u64>, minimum = 1, maximum = 500)]
    limit: Option<u32>,
}

impl Paging {
    /// The page of `items` asked for.
    pub fn apply<T>(&self, items: Vec<T>) -> Result<Vec<T>> {
        let limit = self.limit.unwrap_or(100);
        if !(1..=500).contains(&limit) {
            return Err(Error::invalid(
                "/limit",
                "invalid_limit",
                "`limit` is 1 to 500.",
            ));
        }
        let offset = self.offset.unwrap_or(0) as usize;
        Ok(items
            .into_iter()
            .skip(offset)
            .take(limit as usize)
            .collect())
    }
}

async fn render(core: &Core, caller: &Caller, list: Vec<Message>) -> Result<Vec<CommentView>> {
    let viewer = Viewer::new(core, caller, &[], &list.iter().collect::<Vec<_>>()).await?;
    Ok(list.into_iter().map(|m| viewer.comment(m)).collect())
}

#[utoipa::path(get, path = "/v1/tickets/{ticket_id}/comments", tag = "comments",
    params(("ticket_id" = String, Path, format = Uuid, description = "The ticket id"), Paging),
    responses((status = 200, body = [CommentView], description = "Oldest first, a bare array")))]
pub async fn list_comments(
    core: Data,
    caller: Caller,
    id: web::Path<String>,
    paging: web::Query<Paging>,
) -> Result<HttpResponse> {
    let mut list = messages::list(&core, &caller, native_id(&id, "ticket")?).await?;
    list.retain(|m| !m.opening);
    let page = paging.apply(list)?;
    Ok(HttpResponse::Ok().json(render(&core, &caller, page).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct NewComment {
    #[schema(pattern = r"\S")]
    content: String,
    /// An internal note, hidden from customers (default false).
    #[serde(default)]
    is_internal: bool,
}

#[utoipa::path(post, path = "/v1/tickets/{ticket_id}/comments", tag = "comments",
    request_body = NewComment,
    params(("ticket_id" = String, Path, format = Uuid, description = "The ticket id")),
    responses((status = 201, body = CommentView)))]
pub async fn create_comment(
    core: Data,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<NewComment>,
) -> Result<HttpResponse> {
    let body = body.into_inner();
    let new = NewMessage {
        body: body.content,
        attachment_ids: Vec::new(),
        carry: Carry::Named,
        internal: body.is_internal,
        sensitive: false,
    };
    let message = messages::post(&core, &caller, native_id(&id, "ticket")?, new)
        .await
        .map_err(content_pointer)?;
    let mut views = render(&core, &caller, vec![message]).await?;
    Ok(HttpResponse::Created().json(views.pop()))
}

/// Field errors about the message's `/body` are about the comment's `/content`.
fn content_pointer(err: Error) -> Error {
    match err {
        Error::Invalid(mut errors) => {
            for e in &mut errors {
                if e.pointer == "/body" {
                    e.pointer = "/content".to_owned();
                }
            }
            Error::Invalid(errors)
        }
        other => other,
    }
}

/// A comment of the ticket in the path that the caller may read, else `Comment not found`.
async fn comment_of(core: &Core, caller: &Caller, path: &(String, String)) -> Result<Message> {
    let ticket = native_id(&path.0, "ticket")?;
    crate::core::tickets::get(core, caller, ticket).await?;
    let id: Id = native_id(&path.1, "comment")?;
    let message = messages::get(core, caller, id).await.map_err(|e| match e {
        Error::NotFound(_) => Error::NotFound("comment"),
        other => other,
    })?;
    if message.ticket_id != ticket || message.opening {
        return Err(Error::NotFound("comment"));
    }
    Ok(message)
}

#[utoipa::path(get, path = "/v1/tickets/{ticket_id}/comments/{id}", tag = "comments",
    params(("ticket_id" = String, Path, format = Uuid, description = "The ticket id"),
        ("id" = String, Path, format = Uuid, description = "The comment id")),
    responses((status = 200, body = CommentView)))]
pub async fn get_comment(
    core: Data,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse> {
    let message = comment_of(&core, &caller, &path).await?;
    let mut views = render(&core, &caller, vec![message]).await?;
    Ok(HttpResponse::Ok().json(views.pop()))
}

/// The fields to change.
#[derive(Deserialize, ToSchema)]
#[schema(min_properties = 1)]
pub struct CommentChange {
    #[schema(pattern = r"\S")]
    content: Option<String>,
    is_internal: Option<bool>,
}

#[utoipa::path(patch, path = "/v1/tickets/{ticket_id}/comments/{id}", tag = "comments",
    request_body = CommentChange,
    params(("ticket_id" = String, Path, format = Uuid, description = "The ticket id"),
        ("id" = String, Path, format = Uuid, description = "The comment id")),
    responses((status = 200, body = CommentView)))]
pub async fn update_comment(
    core: Data,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: web::Json<CommentChange>,
) -> Result<HttpResponse> {
    let body = body.into_inner();
    if body.content.is_none() && body.is_internal.is_none() {
        return Err(Error::invalid(
            "",
            "nothing_to_change",
            "Send `content`, `is_internal` or both.",
        ));
    }
    let message = comment_of(&core, &caller, &path).await?;
    let change = MessageChange {
        body: body.content,
        internal: body.is_internal,
    };
    let edited = messages::edit(&core, &caller, message.id, change)
        .await
        .map_err(content_pointer)?;
    let mut views = render(&core, &caller, vec![edited]).await?;
    Ok(HttpResponse::Ok().json(views.pop()))
}

#[utoipa::path(delete, path = "/v1/tickets/{ticket_id}/comments/{id}", tag = "comments",
    params(("ticket_id" = String, Path, format = Uuid, description = "The ticket id"),
        ("id" = String, Path, format = Uuid, description = "The comment id")),
    responses((status = 204, description = "Deleted; files it carried stay on the ticket")))]
pub async fn delete_comment(
    core: Data,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse> {
    let message = comment_of(&core, &caller, &path).await?;
    messages::delete(&core, &caller, message.id).await?;
    Ok(HttpResponse::NoContent().finish())
}
