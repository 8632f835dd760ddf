//! Huawei-style access keys (AK/SK), for the request signatures of Huawei Cloud's SDKs. The AK
//! is stored as a hash like any API key; the SK is never stored: it is derived from the
//! server's secret and the AK whenever a signature is checked.

use rand::RngCore;
use sha2::Sha256;

use crate::core::access::Caller;
use crate::core::model::{Role, Scopes};
use crate::core::users::{hash, new_credential};
use crate::core::Core;
use crate::error::{Error, Result};
use crate::store::sql::users as sql;
use crate::store::Db;

/// A new AK/SK pair; the SK is shown once.
pub struct NewAccessKey {
    pub access_key: String,
    pub secret_key: String,
}

const AK_ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

fn access_key_hash(access_key: &str) -> [u8; 32] {
    hash(&format!("ak:{access_key}"))
}

/// The SK of an AK: 40 characters of HMAC-SHA256(server secret, AK).
pub fn secret_key(server_secret: &[u8; 32], access_key: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<Sha256>::new_from_slice(server_secret).expect("any key length works");
    mac.update(access_key.as_bytes());
    let bytes = mac.finalize().into_bytes();
    bytes
        .iter()
        .chain(bytes.iter())
        .take(40)
        .map(|b| AK_ALPHABET[(b & 31) as usize] as char)
        .collect()
}

/// Creates an AK/SK pair for `user_name` (the user is created when missing, as for keys).
pub fn create_access_key(
    db: &Db,
    server_secret: &[u8; 32],
    user_name: &str,
    role: Role,
    scopes: Option<Scopes>,
    label: &str,
) -> Result<NewAccessKey> {
    let mut raw = [0u8; 20];
    rand::thread_rng().fill_bytes(&mut raw);
    let access_key: String = raw
        .iter()
        .map(|b| AK_ALPHABET[(b & 31) as usize] as char)
        .collect();
    new_credential(
        db,
        user_name,
        role,
        scopes,
        label,
        &access_key_hash(&access_key),
        &access_key,
    )?;
    Ok(NewAccessKey {
        secret_key: secret_key(server_secret, &access_key),
        access_key,
    })
}

/// The caller an access key belongs to, and its secret key, for checking a signature.
pub async fn access_key_owner(core: &Core, access_key: &str) -> Result<(Caller, String)> {
    if access_key.is_empty() || access_key.len() > 64 {
        return Err(Error::InvalidCredentials);
    }
    let key_hash = access_key_hash(access_key);
    let owner = core
        .db
        .run(move |conn| Ok(sql::key_owner(conn, &key_hash)?))
        .await?;
    let (user, key_id, scopes) = owner.ok_or(Error::InvalidCredentials)?;
    Ok((
        Caller {
            user,
            key_id,
            scopes,
        },
        secret_key(&core.aksk_secret, access_key),
    ))
}
