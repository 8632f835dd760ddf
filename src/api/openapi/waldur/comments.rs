//! Waldur's comments: written on an issue with `POST …/comment/`, and read, changed and
//! deleted under `/api/support-comments/` (which takes no POST: Waldur answers 405).

use serde::Serialize;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema};
use utoipa::openapi::{Object, Type};
use utoipa::ToSchema;

use crate::api::waldur::{DRF_FALSE, DRF_TRUE};

use super::filters::CommentFilter;
use super::{Page, UUID};

#[derive(Serialize, ToSchema, Default)]
#[serde(default)]
pub(super) struct Comment {
    url: String,
    uuid: String,
    /// The issue's URL.
    issue: String,
    issue_key: String,
    description: String,
    /// False for a note that customers other than its author do not see.
    is_public: bool,
    author_name: String,
    author_uuid: String,
    /// `…/api/users/<uuid>/`.
    author_user: String,
    /// Always empty: attache keeps no e-mail addresses.
    author_email: String,
    /// Always empty: attache keeps no avatars.
    author_image: String,
    /// Always null.
    backend_id: Option<String>,
    /// Always null.
    remote_id: Option<String>,
    created: String,
    /// Whether the caller may change it (staff: attache's agents and admins).
    update_is_available: bool,
    destroy_is_available: bool,
}

#[derive(Serialize, ToSchema)]
pub(super) struct CommentRequest {
    #[schema(schema_with = drf_text)]
    description: String,
    #[schema(schema_with = drf_boolean)]
    is_public: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct PatchedCommentRequest {
    #[schema(schema_with = drf_text)]
    description: Option<String>,
    #[schema(schema_with = drf_boolean)]
    is_public: Option<bool>,
}

/// What Django REST framework's `CharField` takes: text that is not blank (it is trimmed),
/// or a number, which it turns into text.
pub(super) fn drf_text() -> Schema {
    OneOfBuilder::new()
        .description(Some(
            "Text, not blank, at most 64 KiB of UTF-8; or a number",
        ))
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(r"\S")),
        )
        .item(Object::with_type(Type::Number))
        .into()
}

/// What Django REST framework's `BooleanField` takes: a boolean, 0 or 1, or one of its
/// spellings of true and false. `is_public` defaults to true.
fn drf_boolean() -> Schema {
    let spellings: Vec<&str> = DRF_TRUE.iter().chain(DRF_FALSE).copied().collect();
    OneOfBuilder::new()
        .description(Some("A boolean, 0 or 1, or `true`, `yes`, `on`, `false`, `no`, `off` and their other spellings"))
        .item(Object::with_type(Type::Boolean))
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .enum_values(Some([0, 1])),
        )
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(spellings)),
        )
        .into()
}

/// Comments on an issue the caller sees; the author is the caller.
#[utoipa::path(post, path = "/api/support-issues/{uuid}/comment/", tag = "comments",
    request_body = CommentRequest,
    params(("uuid" = String, Path, description = UUID)),
    responses((status = 201, body = Comment)))]
pub(super) fn comment_issue() {}

/// Newest first. Customers see public comments and their own.
#[utoipa::path(get, path = "/api/support-comments/", tag = "comments",
    params(CommentFilter, Page),
    responses((status = 200, body = [Comment], headers(
        ("X-Result-Count" = u64, description = "Items in the whole list"),
        ("Link" = String, description = "first, prev, next and last pages")))))]
pub(super) fn list_comments() {}

#[utoipa::path(head, path = "/api/support-comments/", tag = "comments",
    params(CommentFilter, Page),
    responses((status = 200, description = "The list's headers, without the list")))]
pub(super) fn head_comments() {}

#[utoipa::path(get, path = "/api/support-comments/{uuid}/", tag = "comments",
    params(("uuid" = String, Path, description = UUID)),
    responses((status = 200, body = Comment)))]
pub(super) fn retrieve_comment() {}

#[utoipa::path(head, path = "/api/support-comments/{uuid}/", tag = "comments",
    params(("uuid" = String, Path, description = UUID)),
    responses((status = 200, description = "The comment's headers, without the comment")))]
pub(super) fn head_comment() {}

/// Staff only (403 for customers, before any lookup).
#[utoipa::path(put, path = "/api/support-comments/{uuid}/", tag = "comments",
    request_body = CommentRequest,
    params(("uuid" = String, Path, description = UUID)),
    responses((status = 200, body = Comment)))]
pub(super) fn update_comment() {}

/// Staff only; only the fields sent change.
#[utoipa::path(patch, path = "/api/support-comments/{uuid}/", tag = "comments",
    request_body = PatchedCommentRequest,
    params(("uuid" = String, Path, description = UUID)),
    responses((status = 200, body = Comment)))]
pub(super) fn partial_update_comment() {}

/// Staff only.
#[utoipa::path(delete, path = "/api/support-comments/{uuid}/", tag = "comments",
    params(("uuid" = String, Path, description = UUID)),
    responses((status = 204, description = "Deleted")))]
pub(super) fn destroy_comment() {}
