//! Web UI sessions.

use super::{params, Conn, Result};

use super::optional;
use super::users::user;
use crate::domain::{Scopes, Timestamp, User};
use crate::ids::Id;

pub struct NewSession<'a> {
    pub token_hash: &'a [u8],
    pub key_id: Id,
    pub csrf: &'a str,
    pub created_at: &'a Timestamp,
    pub expires_at: &'a Timestamp,
}

pub fn insert(conn: &Conn, s: &NewSession) -> Result<()> {
    conn.execute(
        "INSERT INTO sessions (id, token_hash, key_id, csrf, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            Id::new(),
            s.token_hash,
            s.key_id,
            s.csrf,
            s.created_at,
            s.expires_at
        ],
    )?;
    Ok(())
}

/// The user, key, scopes and CSRF token of a live session whose key is not revoked.
pub fn live(
    conn: &Conn,
    token_hash: &[u8],
    now: &Timestamp,
) -> Result<Option<(User, Id, Scopes, String)>> {
    optional(conn.query_row(
        "SELECT u.*, k.id AS key_id, k.scopes AS scopes, s.csrf AS csrf
         FROM sessions s JOIN api_keys k ON k.id = s.key_id JOIN users u ON u.id = k.user_id
         WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND k.revoked_at IS NULL",
        params![token_hash, now],
        |row| {
            let scopes: String = row.get("scopes")?;
            Ok((
                user(row)?,
                row.get("key_id")?,
                Scopes::from_db(&scopes),
                row.get("csrf")?,
            ))
        },
    ))
}

pub fn delete(conn: &Conn, token_hash: &[u8]) -> Result<()> {
    conn.execute(
        "DELETE FROM sessions WHERE token_hash = ?1",
        params![token_hash],
    )?;
    Ok(())
}

pub fn delete_expired(conn: &Conn, now: &Timestamp) -> Result<usize> {
    conn.execute("DELETE FROM sessions WHERE expires_at <= ?1", params![now])
}
