//! The Waldur dialect's routes under `/api`.

use std::sync::Arc;

use actix_governor::Governor;
use actix_web::http::Method;
use actix_web::middleware::{from_fn, Condition};
use actix_web::web;

use crate::api::{openapi, problem, waldur};
use crate::ratelimit;
use crate::testing::faults;

use super::{under, Layers};

const GET: Method = Method::GET;
const HEAD: Method = Method::HEAD;
const POST: Method = Method::POST;
const PUT: Method = Method::PUT;
const PATCH: Method = Method::PATCH;
const DELETE: Method = Method::DELETE;

/// Waldur, with Django REST framework error bodies. Its paths keep Waldur's trailing slashes,
/// and its lists also answer HEAD. Each route is recorded in `known`: what the scope answers
/// where none takes a request (a redirect to the path with its slash, or a 405) depends on it.
#[rustfmt::skip]
pub(super) fn scope(cfg: &mut web::ServiceConfig, layers: &Layers) {
    let mut known = waldur::Known::default();
    let api = under("/api")
        .on(&mut known, GET, "/api/support-attachments/", waldur::list_attachments)
        .on(&mut known, HEAD, "/api/support-attachments/", waldur::list_attachments)
        .on(&mut known, POST, "/api/support-attachments/", waldur::create_attachment)
        .on(&mut known, GET, "/api/support-attachments/{uuid}/", waldur::retrieve_attachment)
        .on(&mut known, HEAD, "/api/support-attachments/{uuid}/", waldur::retrieve_attachment)
        .on(&mut known, DELETE, "/api/support-attachments/{uuid}/", waldur::destroy_attachment)
        .on(&mut known, GET, "/api/support-comments/", waldur::list_comments)
        .on(&mut known, HEAD, "/api/support-comments/", waldur::list_comments)
        .on(&mut known, GET, "/api/support-comments/{uuid}/", waldur::retrieve_comment)
        .on(&mut known, HEAD, "/api/support-comments/{uuid}/", waldur::retrieve_comment)
        .on(&mut known, PUT, "/api/support-comments/{uuid}/", waldur::update_comment)
        .on(&mut known, PATCH, "/api/support-comments/{uuid}/", waldur::partial_update_comment)
        .on(&mut known, DELETE, "/api/support-comments/{uuid}/", waldur::destroy_comment)
        .on(&mut known, GET, "/api/support-issues/", waldur::list_issues)
        .on(&mut known, HEAD, "/api/support-issues/", waldur::list_issues)
        .on(&mut known, POST, "/api/support-issues/", waldur::create_issue)
        // Before `{uuid}/`, so that its 405 names POST alone.
        .on(&mut known, POST, "/api/support-issues/bulk_update/", waldur::bulk_update)
        .on(&mut known, GET, "/api/support-issues/{uuid}/", waldur::retrieve_issue)
        .on(&mut known, HEAD, "/api/support-issues/{uuid}/", waldur::retrieve_issue)
        .on(&mut known, PUT, "/api/support-issues/{uuid}/", waldur::unavailable_issue_change)
        .on(&mut known, PATCH, "/api/support-issues/{uuid}/", waldur::unavailable_issue_change)
        .on(&mut known, DELETE, "/api/support-issues/{uuid}/", waldur::unavailable_issue_change)
        .on(&mut known, POST, "/api/support-issues/{uuid}/comment/", waldur::comment_issue)
        .on(&mut known, POST, "/api/support-issues/{uuid}/set_status/", waldur::set_status)
        .on(&mut known, POST, "/api/support-issues/{uuid}/sync/", waldur::sync)
        .on(&mut known, POST, "/api/support-issues/{uuid}/attach_resource/", waldur::attach_resource)
        .on(&mut known, POST, "/api/support-issues/{uuid}/route_to_provider/", waldur::route_to_provider)
        .on(&mut known, POST, "/api/support-issues/{uuid}/reroute/", waldur::reroute)
        .on(&mut known, POST, "/api/support-issues/{uuid}/escalate/", waldur::escalate)
        .on(&mut known, GET, "/api/support-issue-statuses/", waldur::list_issue_statuses)
        .on(&mut known, HEAD, "/api/support-issue-statuses/", waldur::list_issue_statuses)
        .on(&mut known, GET, "/api/support-issue-statuses/{uuid}/", waldur::retrieve_issue_status)
        .on(&mut known, HEAD, "/api/support-issue-statuses/{uuid}/", waldur::retrieve_issue_status)
        .on(&mut known, GET, "/api/support-priorities/", waldur::list_priorities)
        .on(&mut known, HEAD, "/api/support-priorities/", waldur::list_priorities)
        .on(&mut known, GET, "/api/support-priorities/{uuid}/", waldur::retrieve_priority)
        .on(&mut known, HEAD, "/api/support-priorities/{uuid}/", waldur::retrieve_priority)
        .on(&mut known, GET, "/api/support-request-types/", waldur::list_request_types)
        .on(&mut known, HEAD, "/api/support-request-types/", waldur::list_request_types)
        .on(&mut known, GET, "/api/support-request-types/{uuid}/", waldur::retrieve_request_type)
        .on(&mut known, HEAD, "/api/support-request-types/{uuid}/", waldur::retrieve_request_type)
        .on(&mut known, GET, "/api/openapi.json", openapi::waldur);
    let known = Arc::new(known);
    let fallback = move |req| {
        let known = known.clone();
        async move { waldur::append_slash_or_405(req, &known).await }
    };
    cfg.service(
        api.scope()
            .default_service(web::to(fallback))
            .wrap(Condition::new(layers.limited, Governor::new(&layers.api)))
            .wrap(Condition::new(layers.test_mode, from_fn(faults::inject)))
            .wrap(from_fn(ratelimit::reset_header))
            .wrap(from_fn(problem::render::<waldur::Drf>)),
    );
}
