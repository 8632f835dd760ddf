//! The extractor that turns any accepted credential into a `Caller`:
//! `Authorization: Bearer <key>`, `Authorization: Token <key>`, `X-Auth-Token: <key>`, and on
//! the HostUp routes the `hostup_session` cookie (whose value is a key), and everywhere the web
//! UI's `attache_session` cookie. Writes made with a cookie are guarded against cross-site
//! request forgery: the UI's by its session's CSRF token, HostUp's by an origin check.

pub mod aksk;

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;

use crate::core::{access_keys, sessions, users, Caller, Core};
use crate::error::{Error, Result};
use sha2::Digest;
use subtle::ConstantTimeEq;

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

/// The web UI's session cookie, accepted on every route.
pub const UI_COOKIE: &str = "attache_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The HostUp dashboard's cookie, accepted on the HostUp routes.
pub const HOSTUP_COOKIE: &str = "hostup_session";
const HOSTUP_PREFIX: &str = "/api/v2/support";

/// Authenticates a request once; the caller is cached in the request's extensions.
pub async fn caller(req: &HttpRequest) -> Result<Caller> {
    if let Some(caller) = req.extensions().get::<Caller>() {
        return Ok(caller.clone());
    }
    let core = req
        .app_data::<web::Data<Core>>()
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("no Core in app data")))?;
    let caller = match credential(req) {
        Some(Ok(secret)) => {
            let caller = users::authenticate(core, &secret).await?;
            core.verified_keys.remember(&secret, caller.key_id);
            caller
        }
        Some(Err(())) => return Err(Error::InvalidCredentials),
        None => match (req.cookie(UI_COOKIE), hostup_cookie(req)) {
            (Some(cookie), _) => {
                let (caller, csrf) = sessions::resume(core, cookie.value()).await?;
                check_csrf_token(req, &csrf)?;
                caller
            }
            (None, Some(secret)) => {
                check_same_origin(req)?;
                users::authenticate(core, &secret).await?
            }
            (None, None) => return Err(Error::Unauthenticated),
        },
    };
    req.extensions_mut().insert(caller.clone());
    Ok(caller)
}

/// How far `X-Sdk-Date` may be from our clock (Huawei's gateway allows 15 minutes).
const SDK_DATE_SKEW: i64 = 15 * 60;

/// Authenticates a request on the Huawei routes: the SDK's AK/SK signature (over `body`, for
/// routes that read one), or any other accepted credential. `X-Auth-Token` wins when both
/// are present, as the SPEC says.
pub async fn huawei_caller(req: &HttpRequest, body: Option<&[u8]>) -> Result<Caller> {
    let hash = body.map(|b| hex::encode(sha2::Sha256::digest(b)));
    huawei_auth(req).await?.verify(req, hash.as_deref()).await
}

/// A Huawei request's credential, checked as far as it can be before its body is read.
pub enum HuaweiAuth {
    /// A token or key: checked in full.
    Verified(Caller),
    /// An AK/SK signature whose key exists and whose date is within the window; the
    /// signature itself covers the body, so it is checked once the body is in.
    Signed(Box<PendingSignature>),
}

pub struct PendingSignature {
    caller: Caller,
    auth: aksk::Authorization,
    date: String,
    signed_at: i64,
    secret_key: String,
}

/// Checks a Huawei request's credential before any body byte is read: a token in full, an
/// AK/SK signature as far as its key and date (see `HuaweiAuth::verify` for the rest).
pub async fn huawei_auth(req: &HttpRequest) -> Result<HuaweiAuth> {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let signed = header("authorization").filter(|a| a.trim_start().starts_with(aksk::ALGORITHM));
    let Some(signed) = signed.filter(|_| !req.headers().contains_key("x-auth-token")) else {
        return caller(req).await.map(HuaweiAuth::Verified);
    };
    if let Some(caller) = req.extensions().get::<Caller>() {
        return Ok(HuaweiAuth::Verified(caller.clone()));
    }
    let auth = aksk::parse_authorization(signed).ok_or(Error::InvalidCredentials)?;
    let date = header("x-sdk-date").ok_or(Error::InvalidCredentials)?;
    let signed_at = aksk::parse_sdk_date(date).ok_or(Error::InvalidCredentials)?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if (now - signed_at).abs() > SDK_DATE_SKEW
        || !auth.signed_headers.iter().any(|h| h == "x-sdk-date")
    {
        return Err(Error::InvalidCredentials);
    }
    let core = core_of(req)?;
    let (caller, secret_key) = access_keys::access_key_owner(core, &auth.access_key).await?;
    Ok(HuaweiAuth::Signed(Box::new(PendingSignature {
        caller,
        date: date.to_owned(),
        auth,
        signed_at,
        secret_key,
    })))
}

fn core_of(req: &HttpRequest) -> Result<&web::Data<Core>> {
    req.app_data::<web::Data<Core>>()
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("no Core in app data")))
}

impl HuaweiAuth {
    /// Who the credential names; for a signature, not yet proven.
    pub fn caller(&self) -> &Caller {
        match self {
            HuaweiAuth::Verified(caller) => caller,
            HuaweiAuth::Signed(pending) => &pending.caller,
        }
    }

    /// Finishes the check once the body is in: `body_sha256` is the SHA-256 (hex) of the body
    /// the route read, `None` for a route that reads none.
    pub async fn verify(self, req: &HttpRequest, body_sha256: Option<&str>) -> Result<Caller> {
        let pending = match self {
            HuaweiAuth::Verified(caller) => return Ok(caller),
            HuaweiAuth::Signed(pending) => pending,
        };
        let header = |name: &str| {
            req.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let request = aksk::Request {
            method: req.method().as_str(),
            path: req.uri().path(),
            query: req.query_string(),
            header: &header,
            body: None,
        };
        let PendingSignature {
            caller,
            auth,
            date,
            signed_at,
            secret_key,
        } = *pending;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        // A signature covers the request and its second, not a nonce: the SDK's identical
        // reads within one second (polling a case's status) sign alike. A replayed read
        // returns what the signer already got, so only requests that change something are
        // accepted once.
        let once = !req.method().is_safe();
        if !aksk::verify_hashed(&request, &auth, &date, &secret_key, body_sha256) {
            return Err(Error::InvalidCredentials);
        }
        let until = signed_at + SDK_DATE_SKEW;
        if once && !access_keys::first_use(core_of(req)?, &auth.signature, until, now).await? {
            return Err(Error::InvalidCredentials);
        }
        req.extensions_mut().insert(caller.clone());
        Ok(caller)
    }
}

/// A state-changing request made with the UI's session cookie must carry the session's CSRF
/// token in `X-CSRF-Token`, which another site's page cannot read or send.
fn check_csrf_token(req: &HttpRequest, expected: &str) -> Result<()> {
    if req.method().is_safe() {
        return Ok(());
    }
    let given = req
        .headers()
        .get(CSRF_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if !bool::from(given.ct_eq(expected.as_bytes())) {
        return Err(Error::Forbidden(
            "Requests made with the session cookie need its X-CSRF-Token.",
        ));
    }
    Ok(())
}

fn hostup_cookie(req: &HttpRequest) -> Option<String> {
    if !req.path().starts_with(HOSTUP_PREFIX) {
        return None;
    }
    req.cookie(HOSTUP_COOKIE).map(|c| c.value().to_owned())
}

/// A state-changing request carried by a cookie must not come from another site: browsers
/// say where a request comes from (`Origin`, `Sec-Fetch-Site`); other clients send neither.
fn check_same_origin(req: &HttpRequest) -> Result<()> {
    if req.method().is_safe() {
        return Ok(());
    }
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let cross_site = matches!(header("sec-fetch-site"), Some("cross-site" | "same-site"));
    let foreign_origin = header("origin").is_some_and(|origin| {
        let host = origin.split("://").nth(1).unwrap_or(origin);
        Some(host) != header("host")
    });
    if cross_site || foreign_origin {
        return Err(Error::Forbidden(
            "Requests made with a session cookie must come from this site.",
        ));
    }
    Ok(())
}

impl FromRequest for Caller {
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Caller>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { caller(&req).await })
    }
}
