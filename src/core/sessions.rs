//! Web UI sessions: an API key is exchanged once for a cookie; the key itself is never kept
//! by the browser. A session lasts `SESSION_LIFETIME` at most, ends at sign-out, and dies with
//! the key it was made from. Its CSRF token must accompany every state-changing request.

use std::time::Duration;

use crate::core::access::Caller;
use crate::core::users::{authenticate, generate_secret, hash};
use crate::core::Core;
use crate::domain::now;
use crate::error::{Error, Result};
use crate::store::sql::sessions as sql;

pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);

/// A new session: the cookie value (shown once) and what the page needs.
pub struct NewSession {
    pub token: String,
    pub caller: Caller,
    pub csrf: String,
}

pub async fn sign_in(core: &Core, key: &str) -> Result<NewSession> {
    let caller = authenticate(core, key.trim()).await?;
    let token = generate_secret();
    let csrf = generate_secret();
    let (token_hash, key_id, csrf_saved) = (hash(&token), caller.key_id, csrf.clone());
    let expires_at = now().plus(SESSION_LIFETIME);
    core.db
        .write(move |tx| {
            sql::delete_expired(tx, &now())?;
            let session = sql::NewSession {
                token_hash: &token_hash,
                key_id,
                csrf: &csrf_saved,
                created_at: &now(),
                expires_at: &expires_at,
            };
            Ok(sql::insert(tx, &session)?)
        })
        .await?;
    Ok(NewSession {
        token,
        caller,
        csrf,
    })
}

/// The caller of a live session and its CSRF token.
pub async fn resume(core: &Core, token: &str) -> Result<(Caller, String)> {
    let token_hash = hash(token);
    let live = core
        .db
        .run(move |conn| Ok(sql::live(conn, &token_hash, &now())?))
        .await?;
    let (user, key_id, scopes, csrf) = live.ok_or(Error::InvalidCredentials)?;
    Ok((
        Caller {
            user,
            key_id,
            scopes,
        },
        csrf,
    ))
}

pub async fn sign_out(core: &Core, token: &str) -> Result<()> {
    let token_hash = hash(token);
    core.db
        .write(move |tx| Ok(sql::delete(tx, &token_hash)?))
        .await
}
