//! The OpenAPI document served at `/openapi.json`, generated from the route annotations.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::native;

#[derive(OpenApi)]
#[openapi(
    info(title = "attache", description = "Helpdesk ticket attachments: native API (TopTickets shape)."),
    paths(
        native::list_tickets, native::create_ticket, native::get_ticket, native::update_ticket,
        native::list_messages, native::create_message,
        native::list_attachments, native::upload_attachment, native::get_attachment,
        native::delete_attachment, native::download_url,
        native::restrictions, native::me,
    ),
    components(schemas(
        native::TicketView, native::AttachmentView, native::MessageView, native::NewTicket,
        native::TicketChange, native::NewMessage, native::DownloadView, native::RestrictionsView,
        native::MeView, native::UserView,
    )),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}
