//! What `/api` answers where no route of the Waldur dialect takes the request: a path that
//! lacks its trailing slash is redirected (Django's `APPEND_SLASH`: a 301 to the path with
//! the slash and the same query, for every method, before any authentication); a method a
//! known path does not take is Django REST framework's 405, after authentication, with
//! `Allow`; anything else is the dialect's 404.

use actix_web::dev::ResourceDef;
use actix_web::http::header::{ALLOW, LOCATION};
use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse};

use crate::auth;
use crate::error::{Error, Result};

/// The dialect's routes: each path pattern, with the methods it takes.
#[derive(Default)]
pub struct Known {
    routes: Vec<(ResourceDef, Vec<Method>)>,
}

impl Known {
    /// Records that `path` (a route pattern) takes `method`.
    pub fn add(&mut self, path: &str, method: Method) {
        match self
            .routes
            .iter_mut()
            .find(|(def, _)| def.pattern() == Some(path))
        {
            Some((_, methods)) => methods.push(method),
            None => self.routes.push((ResourceDef::new(path), vec![method])),
        }
    }

    fn methods(&self, path: &str) -> Option<&[Method]> {
        self.routes
            .iter()
            .find(|(def, _)| def.is_match(path))
            .map(|(_, methods)| methods.as_slice())
    }
}

/// The scope's default service (see the module's comment).
pub async fn append_slash_or_405(req: HttpRequest, known: &Known) -> Result<HttpResponse> {
    let path = req.path();
    if !path.ends_with('/') {
        let slashed = format!("{path}/");
        if known.methods(&slashed).is_some() {
            let location = match req.query_string() {
                "" => slashed,
                query => format!("{slashed}?{query}"),
            };
            return Ok(HttpResponse::MovedPermanently()
                .insert_header((LOCATION, location))
                .finish());
        }
    }
    let Some(methods) = known.methods(path) else {
        return Err(Error::NotFound("resource"));
    };
    auth::caller(&req).await?;
    let allow = methods
        .iter()
        .map(Method::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    // A bare 405: the dialect's renderer writes DRF's `Method "PUT" not allowed.`.
    Ok(HttpResponse::MethodNotAllowed()
        .insert_header((ALLOW, allow))
        .finish())
}
