//! The native API under `/v1` (the TopTickets shape): translate, call the core, render.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub mod comments;
pub mod errors;
mod fields;
pub mod tickets;
mod views;

pub use comments::{
    create_comment, delete_comment, get_comment, list_comments, update_comment, CommentChange,
    NewComment,
};
pub use tickets::{
    create_ticket, delete_ticket, get_ticket, list_tickets, update_ticket, NewTicket, TicketChange,
};
pub use views::{AttachmentView, CommentView, MessageView, TicketView, Viewer};

use super::native_id;
use crate::core::access::AccessView;
use crate::core::messages::Carry;
use crate::core::{attachments, ingest, messages, Caller, Core};
use crate::domain::Scope;
use crate::error::{Error, Result};
use crate::ids::Id;
use crate::upload::sniff::ALLOWED;

type Data = web::Data<Core>;

#[utoipa::path(get, path = "/v1/tickets/{id}/messages", tag = "messages", params(("id" = String, Path, format = Uuid, description = "The ticket id")),
    responses((status = 200, body = [MessageView], description = "Oldest first, with attachments")))]
pub async fn list_messages(
    core: Data,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    let list = messages::list(&core, &caller, native_id(&id, "ticket")?).await?;
    let viewer = Viewer::new(&core, &caller, &[], &list.iter().collect::<Vec<_>>()).await?;
    Ok(HttpResponse::Ok().json(
        list.into_iter()
            .map(|m| viewer.message(m))
            .collect::<Vec<_>>(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct NewMessage {
    #[serde(default)]
    body: String,
    /// Uploads on this ticket, not yet on a message, that this message carries.
    #[serde(default)]
    attachment_ids: Vec<String>,
}

#[utoipa::path(post, path = "/v1/tickets/{id}/messages", tag = "messages", request_body = NewMessage,
    params(("id" = String, Path, format = Uuid, description = "The ticket id")),
    responses((status = 201, body = MessageView)))]
pub async fn create_message(
    core: Data,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<NewMessage>,
) -> Result<HttpResponse> {
    let body = body.into_inner();
    let ticket_id = native_id(&id, "ticket")?;
    let mut ids = Vec::new();
    for (i, text) in body.attachment_ids.iter().enumerate() {
        ids.push(Id::parse_uuid(text).ok_or_else(|| {
            Error::invalid(
                &format!("/attachment_ids/{i}"),
                "invalid_id",
                "Not an attachment id.",
            )
        })?);
    }
    let message = messages::create(&core, &caller, ticket_id, body.body, ids, Carry::Named).await?;
    let viewer = Viewer::new(&core, &caller, &[], &[&message]).await?;
    Ok(HttpResponse::Created().json(viewer.message(message)))
}

#[utoipa::path(get, path = "/v1/tickets/{ticket_id}/attachments", tag = "attachments",
    params(("ticket_id" = String, Path, format = Uuid, description = "The ticket id"),
        comments::Paging),
    responses((status = 200, body = [AttachmentView], description = "A bare array")))]
pub async fn list_attachments(
    core: Data,
    caller: Caller,
    id: web::Path<String>,
    paging: web::Query<comments::Paging>,
) -> Result<HttpResponse> {
    let list = attachments::list(&core, &caller, native_id(&id, "ticket")?).await?;
    let list = paging.apply(list)?;
    let viewer = Viewer::new(&core, &caller, &list.iter().collect::<Vec<_>>(), &[]).await?;
    Ok(HttpResponse::Ok().json(
        list.into_iter()
            .map(|a| viewer.attachment(a))
            .collect::<Vec<_>>(),
    ))
}

#[utoipa::path(post, path = "/v1/tickets/{ticket_id}/attachments", tag = "attachments",
    params(("ticket_id" = String, Path, format = Uuid, description = "The ticket id")),
    request_body(content = crate::api::openapi::FileForm, content_type = "multipart/form-data",
        description = "One part named `file`"),
    responses((status = 201, body = AttachmentView),
              (status = 400, description = "file_too_large, unsupported_file_type, empty_file, missing_file, too_many_attachments")))]
pub async fn upload_attachment(
    core: Data,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Payload,
) -> Result<HttpResponse> {
    let ticket_id = native_id(&id, "ticket")?;
    let (attachment, _) = ingest::attach(&core, &caller, Some(ticket_id), |stager| async move {
        Ok(stager.read_form(&req, body, &[]).await?.into())
    })
    .await?;
    let viewer = Viewer::new(&core, &caller, &[&attachment], &[]).await?;
    Ok(HttpResponse::Created().json(viewer.attachment(attachment)))
}

#[utoipa::path(get, path = "/v1/tickets/{ticket_id}/attachments/{id}", tag = "attachments",
    params(("ticket_id" = String, Path, format = Uuid, description = "The ticket id"),
        ("id" = String, Path, format = Uuid, description = "The attachment id")),
    responses((status = 200, body = AttachmentView)))]
pub async fn get_attachment(
    core: Data,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse> {
    let (ticket, id) = path.into_inner();
    let found = attachments::get(
        &core,
        &caller,
        native_id(&ticket, "ticket")?,
        native_id(&id, "attachment")?,
    )
    .await?;
    let viewer = Viewer::new(&core, &caller, &[&found], &[]).await?;
    Ok(HttpResponse::Ok().json(viewer.attachment(found)))
}

#[utoipa::path(delete, path = "/v1/tickets/{ticket_id}/attachments/{id}", tag = "attachments",
    params(("ticket_id" = String, Path, format = Uuid, description = "The ticket id"),
        ("id" = String, Path, format = Uuid, description = "The attachment id")),
    responses((status = 204, description = "Deleted; the file goes with its last attachment")))]
pub async fn delete_attachment(
    core: Data,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse> {
    let (ticket, id) = path.into_inner();
    attachments::delete(
        &core,
        &caller,
        native_id(&ticket, "ticket")?,
        native_id(&id, "attachment")?,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Serialize, ToSchema)]
pub struct DownloadView {
    signed_url: String,
    expires_at: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DownloadParams {
    /// Ask for `Content-Disposition: inline` (honoured for raster images, PDF and video only).
    #[serde(default)]
    inline: bool,
}

#[utoipa::path(get, path = "/v1/tickets/{ticket_id}/attachments/{id}/download", tag = "attachments",
    params(("ticket_id" = String, Path, format = Uuid, description = "The ticket id"),
        ("id" = String, Path, format = Uuid, description = "The attachment id"),
        DownloadParams), responses((status = 200, body = DownloadView)))]
pub async fn download_url(
    core: Data,
    caller: Caller,
    path: web::Path<(String, String)>,
    params: web::Query<DownloadParams>,
) -> Result<HttpResponse> {
    let (ticket, id) = path.into_inner();
    let signed = attachments::signed_url(
        &core,
        &caller,
        native_id(&ticket, "ticket")?,
        native_id(&id, "attachment")?,
        params.inline,
    )
    .await?;
    Ok(HttpResponse::Ok().json(DownloadView {
        signed_url: signed.url,
        expires_at: signed.expires_at.to_string(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct RestrictionsView {
    max_file_size_bytes: u64,
    max_attachments_per_ticket: u64,
    allowed_content_types: Vec<&'static str>,
}

#[utoipa::path(get, path = "/v1/attachment-restrictions", tag = "attachments",
    responses((status = 200, body = RestrictionsView)))]
pub async fn restrictions(core: Data, _caller: Caller) -> HttpResponse {
    HttpResponse::Ok().json(RestrictionsView {
        max_file_size_bytes: core.config.max_upload_bytes,
        max_attachments_per_ticket: core.config.max_attachments_per_ticket,
        allowed_content_types: ALLOWED.to_vec(),
    })
}

#[derive(Serialize, ToSchema)]
pub struct UserView {
    #[schema(value_type = String, format = Uuid)]
    id: Id,
    name: String,
    role: String,
}

#[derive(Serialize, ToSchema)]
pub struct MeView {
    user: UserView,
    /// The key's scopes, as granted.
    scopes: Vec<&'static str>,
    /// What the caller may see (`tickets`: `all` or `own`) and do (`may`: every scope, true
    /// or false); `admin` implies no other scope. User interfaces read this, not `scopes`.
    #[schema(value_type = Object)]
    access: AccessView,
}

#[utoipa::path(get, path = "/v1/me", tag = "account", responses((status = 200, body = MeView)))]
pub async fn me(caller: Caller) -> HttpResponse {
    HttpResponse::Ok().json(MeView {
        user: UserView {
            id: caller.user.id,
            name: caller.user.name.clone(),
            role: caller.user.role.as_str().to_owned(),
        },
        scopes: caller.scopes.iter().map(Scope::as_str).collect(),
        access: caller.access(),
    })
}
