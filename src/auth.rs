//! The extractor that turns any accepted credential into a `Caller`:
//! `Authorization: Bearer <key>`, `Authorization: Token <key>` or `X-Auth-Token: <key>`.

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;

use crate::core::{users, Caller, Core};
use crate::error::{Error, Result};

/// The presented secret, if any. An `Authorization` scheme attache does not know is ignored
/// when `X-Auth-Token` is present (Huawei's SDK signs requests that also carry a token).
pub fn credential(req: &HttpRequest) -> Option<std::result::Result<String, ()>> {
    let header = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
    let from_authorization = header(AUTHORIZATION.as_str()).map(|value| {
        let (scheme, rest) = value.trim().split_once(' ').ok_or(())?;
        if scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token") {
            Ok(rest.trim().to_owned())
        } else {
            Err(())
        }
    });
    match (from_authorization, header("x-auth-token")) {
        (Some(Ok(key)), _) => Some(Ok(key)),
        (_, Some(token)) => Some(Ok(token.trim().to_owned())),
        (other, None) => other,
    }
}

/// Authenticates a request once; the caller is cached in the request's extensions.
pub async fn caller(req: &HttpRequest) -> Result<Caller> {
    if let Some(caller) = req.extensions().get::<Caller>() {
        return Ok(caller.clone());
    }
    let core = req
        .app_data::<web::Data<Core>>()
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("no Core in app data")))?;
    let secret = match credential(req) {
        None => return Err(Error::Unauthenticated),
        Some(Err(())) => return Err(Error::InvalidCredentials),
        Some(Ok(secret)) => secret,
    };
    let caller = users::authenticate(core, &secret).await?;
    req.extensions_mut().insert(caller.clone());
    Ok(caller)
}

impl FromRequest for Caller {
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Caller>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { caller(&req).await })
    }
}
