//! What the nodes of one PostgreSQL install share (migration 8): URL-signing keys, server
//! secrets, and the AK/SK signatures already served. A single SQLite node keeps the first two
//! in files and the third in memory (`store::signing_keys`, `core::access_keys`).

use super::{optional, params, Conn, Result};
use crate::domain::Timestamp;
use crate::signing::SigningKey;

/// Every signing key, oldest first (the last one signs).
pub fn signing_keys(conn: &Conn) -> Result<Vec<SigningKey>> {
    conn.query_map(
        "SELECT kid, secret FROM signing_keys ORDER BY seq",
        params![],
        |r| {
            Ok(SigningKey {
                kid: r.get("kid")?,
                secret: r.get("secret")?,
            })
        },
    )
}

pub fn insert_signing_key(conn: &Conn, key: &SigningKey, at: &Timestamp) -> Result<()> {
    conn.execute(
        "INSERT INTO signing_keys (kid, secret, created_at) VALUES (?1, ?2, ?3)",
        params![key.kid, key.secret, at],
    )?;
    Ok(())
}

/// The newest signing key's position: it changes with every rotation, on any node.
pub fn newest_signing_key(conn: &Conn) -> Result<Option<i64>> {
    conn.query_row("SELECT max(seq) FROM signing_keys", params![], |r| r.get(0))
}

pub fn server_secret(conn: &Conn, name: &str) -> Result<Option<[u8; 32]>> {
    optional(conn.query_row(
        "SELECT secret FROM server_secrets WHERE name = ?1",
        params![name],
        |r| r.get(0),
    ))
}

/// Stores `secret` as `name` unless one is there already (another node made it first).
pub fn insert_server_secret(conn: &Conn, name: &str, secret: &[u8; 32]) -> Result<()> {
    conn.execute(
        "INSERT INTO server_secrets (name, secret) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING",
        params![name, secret],
    )?;
    Ok(())
}

/// Records a signature served until `expires_at`; `false` if some node served it already.
pub fn first_sighting(conn: &Conn, signature: &[u8], expires_at: &Timestamp) -> Result<bool> {
    let inserted = conn.execute(
        "INSERT INTO seen_signatures (signature, expires_at) VALUES (?1, ?2)
         ON CONFLICT (signature) DO NOTHING",
        params![signature, expires_at],
    )?;
    Ok(inserted == 1)
}

pub fn forget_signatures_before(conn: &Conn, now: &Timestamp) -> Result<usize> {
    conn.execute(
        "DELETE FROM seen_signatures WHERE expires_at < ?1",
        params![now],
    )
}
