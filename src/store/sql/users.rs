use super::{params, Conn, Result, Row};

use super::optional;
use crate::domain::{ApiKey, Role, Scopes, Timestamp, User};
use crate::ids::Id;

pub(super) fn user(row: &Row) -> Result<User> {
    let role: String = row.get("role")?;
    Ok(User {
        id: row.get("id")?,
        name: row.get("name")?,
        role: Role::parse(&role).unwrap_or(Role::Customer),
        created_at: row.get("created_at")?,
    })
}

pub fn insert_user(conn: &Conn, user: &User) -> Result<()> {
    conn.execute(
        "INSERT INTO users (id, name, role, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![user.id, user.name, user.role.as_str(), user.created_at],
    )?;
    Ok(())
}

pub fn user_by_name(conn: &Conn, name: &str) -> Result<Option<User>> {
    optional(conn.query_row("SELECT * FROM users WHERE name = ?1", params![name], user))
}

pub fn user_by_id(conn: &Conn, id: Id) -> Result<Option<User>> {
    optional(conn.query_row("SELECT * FROM users WHERE id = ?1", params![id], user))
}

pub fn list_users(conn: &Conn) -> Result<Vec<User>> {
    conn.query_map("SELECT * FROM users ORDER BY name", params![], user)
}

pub fn count_users(conn: &Conn) -> Result<i64> {
    conn.query_row("SELECT count(*) FROM users", params![], |r| r.get(0))
}

pub struct NewKey<'a> {
    pub id: Id,
    pub user_id: Id,
    pub key_hash: &'a [u8],
    pub prefix: &'a str,
    pub scopes: Scopes,
    pub label: &'a str,
    pub created_at: &'a Timestamp,
    /// For an AK/SK pair, how its SK is derived; `None` for an API key.
    pub sk_scheme: Option<u8>,
}

pub fn insert_key(conn: &Conn, key: &NewKey) -> Result<()> {
    conn.execute(
        "INSERT INTO api_keys (id, user_id, key_hash, prefix, scopes, label, created_at, sk_scheme)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            key.id,
            key.user_id,
            key.key_hash,
            key.prefix,
            key.scopes.to_db(),
            key.label,
            key.created_at,
            key.sk_scheme
        ],
    )?;
    Ok(())
}

/// The user and scopes of an unrevoked key, by the hash of its secret.
pub fn key_owner(conn: &Conn, key_hash: &[u8]) -> Result<Option<(User, Id, Scopes)>> {
    optional(conn.query_row(
        "SELECT u.*, k.id AS key_id, k.scopes AS scopes FROM api_keys k
         JOIN users u ON u.id = k.user_id
         WHERE k.key_hash = ?1 AND k.revoked_at IS NULL",
        params![key_hash],
        |row| {
            let scopes: String = row.get("scopes")?;
            Ok((user(row)?, row.get("key_id")?, Scopes::from_db(&scopes)))
        },
    ))
}

/// How the SK of an AK/SK pair is derived, by the AK's hash (`None`: no such unrevoked pair).
pub fn sk_scheme(conn: &Conn, key_hash: &[u8]) -> Result<Option<u8>> {
    optional(conn.query_row(
        "SELECT sk_scheme FROM api_keys WHERE key_hash = ?1 AND revoked_at IS NULL",
        params![key_hash],
        |row| row.get::<Option<u8>>(0),
    ))
    .map(Option::flatten)
}

pub fn list_keys(conn: &Conn, user_name: Option<&str>) -> Result<Vec<ApiKey>> {
    conn.query_map(
        "SELECT k.*, u.name AS user_name FROM api_keys k JOIN users u ON u.id = k.user_id
         WHERE u.name = ?1 OR ?1 IS NULL ORDER BY k.id",
        params![user_name],
        |row| {
            let scopes: String = row.get("scopes")?;
            Ok(ApiKey {
                id: row.get("id")?,
                user_name: row.get("user_name")?,
                prefix: row.get("prefix")?,
                scopes: Scopes::from_db(&scopes),
                label: row.get("label")?,
                created_at: row.get("created_at")?,
                revoked_at: row.get("revoked_at")?,
            })
        },
    )
}

/// Revokes keys whose prefix or id (as text) equals `key`; returns how many.
pub fn revoke_key(conn: &Conn, key: &str, id: Option<Id>, at: &Timestamp) -> Result<usize> {
    conn.execute(
        "UPDATE api_keys SET revoked_at = ?3
         WHERE revoked_at IS NULL AND (prefix = ?1 OR id = ?2)",
        params![key, id, at],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::now;
    use crate::store::db::memory;

    #[test]
    fn a_key_finds_its_user_until_revoked() {
        let conn = memory();
        let alice = User {
            id: Id::new(),
            name: "alice".into(),
            role: Role::Agent,
            created_at: now(),
        };
        insert_user(&conn, &alice).unwrap();
        let key_id = Id::new();
        let scopes = Scopes::parse(["tickets:read"]).unwrap();
        insert_key(
            &conn,
            &NewKey {
                id: key_id,
                user_id: alice.id,
                key_hash: b"hash",
                prefix: "atk_abc",
                scopes,
                label: "",
                created_at: &now(),
                sk_scheme: None,
            },
        )
        .unwrap();
        let (found, found_key, found_scopes) = key_owner(&conn, b"hash").unwrap().unwrap();
        assert_eq!(
            (found, found_key, found_scopes),
            (alice.clone(), key_id, scopes)
        );
        assert!(key_owner(&conn, b"other").unwrap().is_none());
        assert_eq!(revoke_key(&conn, "atk_abc", None, &now()).unwrap(), 1);
        assert!(key_owner(&conn, b"hash").unwrap().is_none());
        assert_eq!(list_keys(&conn, Some("alice")).unwrap().len(), 1);
        assert_eq!(list_keys(&conn, Some("bob")).unwrap().len(), 0);
    }
}
