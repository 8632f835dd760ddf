//! Users and API keys. Keys are `atk_` + 32 Crockford base32 characters (160 random bits);
//! only their SHA-256 is stored.

use sha2::{Digest, Sha256};

use crate::core::access::Caller;
use crate::core::Core;
use crate::domain::{now, ApiKey, Role, Scopes, User};
use crate::error::{Error, Result};
use crate::ids::Id;
use crate::store::sql::users as sql;
use crate::store::sql::Conn;
use crate::store::Db;

const KEY_PREFIX: &str = "atk_";
/// How much of a key `key list` shows, to tell keys apart.
const SHOWN_PREFIX_LEN: usize = 12;

/// A new key's secret; shown once, never stored.
pub struct NewKey {
    pub secret: String,
    pub user: User,
    pub scopes: Scopes,
}

pub(crate) fn hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

pub(crate) fn generate_secret() -> String {
    let mut bytes = [0u8; 32];
    crate::random::fill(&mut bytes);
    let body: String = bytes
        .iter()
        .map(|b| crate::ids::CROCKFORD[(b & 31) as usize] as char)
        .collect();
    format!("{KEY_PREFIX}{body}")
}

/// A user name as given, trimmed: 1 to 100 printable characters.
fn user_name(name: &str) -> Result<&str> {
    let name = name.trim();
    if name.is_empty() || name.len() > 100 || name.chars().any(char::is_control) {
        return Err(Error::invalid(
            "/name",
            "invalid_name",
            "A user name is 1 to 100 printable characters.",
        ));
    }
    Ok(name)
}

/// Records a new user. Call inside a write transaction, after checking the name is free.
fn insert_user(tx: &Conn, name: &str, role: Role) -> Result<User> {
    let user = User {
        id: Id::new(),
        name: name.to_owned(),
        role,
        created_at: now(),
    };
    sql::insert_user(tx, &user)?;
    Ok(user)
}

pub fn add_user(db: &Db, name: &str, role: Role) -> Result<User> {
    let name = user_name(name)?;
    db.write_now(|tx| {
        if sql::user_by_name(tx, name)?.is_some() {
            return Err(Error::invalid(
                "/name",
                "already_exists",
                format!("User {name} already exists."),
            ));
        }
        insert_user(tx, name, role)
    })
}

pub fn list_users(db: &Db) -> Result<Vec<User>> {
    db.run_now(|conn| Ok(sql::list_users(conn)?))
}

pub fn count_users(db: &Db) -> Result<i64> {
    db.run_now(|conn| Ok(sql::count_users(conn)?))
}

/// On a store with no user yet, creates `admin` and its key in one write transaction and
/// returns the key; `None` when there is a user already. Nodes that start together on one
/// empty database make one admin between them, not one each.
pub fn create_first_admin(db: &Db) -> Result<Option<NewKey>> {
    let secret = generate_secret();
    let scopes = Role::Admin.allowed_scopes();
    db.write_now(|tx| {
        if sql::count_users(tx)? > 0 {
            return Ok(None);
        }
        let user = insert_user(tx, "admin", Role::Admin)?;
        let key = sql::NewKey {
            id: Id::new(),
            user_id: user.id,
            key_hash: &hash(&secret),
            prefix: &secret[..SHOWN_PREFIX_LEN],
            scopes,
            label: "first admin",
            created_at: &now(),
            sk_scheme: None,
        };
        sql::insert_key(tx, &key)?;
        Ok(Some(NewKey {
            secret: secret.clone(),
            user,
            scopes,
        }))
    })
}

/// Creates a key for `user_name`, creating the user with `role` when missing (the scripting
/// contract of `attache key create`). `scopes: None` means all the user's role may have.
pub fn create_key(
    db: &Db,
    user_name: &str,
    role: Role,
    scopes: Option<Scopes>,
    label: &str,
) -> Result<NewKey> {
    add_key(db, user_name, role, scopes, label, generate_secret())
}

/// Whether a key someone chose (a fixture's) reads as a key: `atk_` and 16 to 196 letters,
/// digits, `-` or `_`, which every header carries as they are.
pub fn check_key(secret: &str) -> Result<()> {
    let body = secret.strip_prefix(KEY_PREFIX).unwrap_or_default();
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if !(16..=196).contains(&body.len()) || !body.chars().all(allowed) {
        return Err(Error::invalid(
            "/key",
            "invalid_key",
            "A key is `atk_` and 16 to 196 letters, digits, `-` or `_`.",
        ));
    }
    Ok(())
}

/// Records a key whose secret is given, as `create_key` records a new one: fixtures give
/// theirs so that tests can hard-code them (see `check_key`).
pub fn add_key(
    db: &Db,
    user_name: &str,
    role: Role,
    scopes: Option<Scopes>,
    label: &str,
    secret: String,
) -> Result<NewKey> {
    check_key(&secret)?;
    let (user, scopes) = new_credential(
        db,
        user_name,
        role,
        scopes,
        label,
        Credential {
            key_hash: &hash(&secret),
            prefix: &secret[..SHOWN_PREFIX_LEN],
            sk_scheme: None,
        },
    )?;
    Ok(NewKey {
        secret,
        user,
        scopes,
    })
}

/// Records a credential (by its hash) for `user_name`, creating the user when missing and
/// checking that the role may hold the scopes.
/// What identifies a new credential: the hash it is found by, the prefix `key list` shows, and
/// for an AK/SK pair how its SK is derived.
pub(crate) struct Credential<'a> {
    pub key_hash: &'a [u8],
    pub prefix: &'a str,
    pub sk_scheme: Option<u8>,
}

pub(crate) fn new_credential(
    db: &Db,
    name: &str,
    role: Role,
    scopes: Option<Scopes>,
    label: &str,
    credential: Credential,
) -> Result<(User, Scopes)> {
    let name = user_name(name)?;
    // One transaction: two commands (or nodes) making the first key of one new user at once
    // make one user, not one each or an error.
    db.write_now(|tx| {
        let user = match sql::user_by_name(tx, name)? {
            Some(user) => user,
            None => insert_user(tx, name, role)?,
        };
        let allowed = user.role.allowed_scopes();
        let scopes = scopes.unwrap_or(allowed);
        if !scopes.is_subset_of(allowed) {
            return Err(Error::invalid(
                "/scopes",
                "scope_not_allowed",
                format!("A {} may not hold the admin scope.", user.role.as_str()),
            ));
        }
        let key = sql::NewKey {
            id: Id::new(),
            user_id: user.id,
            key_hash: credential.key_hash,
            prefix: credential.prefix,
            scopes,
            label,
            created_at: &now(),
            sk_scheme: credential.sk_scheme,
        };
        sql::insert_key(tx, &key)?;
        Ok((user, scopes))
    })
}

pub fn list_keys(db: &Db, user_name: Option<&str>) -> Result<Vec<ApiKey>> {
    db.run_now(|conn| Ok(sql::list_keys(conn, user_name)?))
}

/// Revokes by shown prefix or key id; returns how many keys it revoked.
pub fn revoke_key(db: &Db, key: &str) -> Result<usize> {
    let id = Id::parse_uuid(key);
    db.write_now(|tx| Ok(sql::revoke_key(tx, key, id, &now())?))
}

/// The names of the given users (for showing who uploaded or wrote what).
pub async fn names(core: &Core, ids: Vec<Id>) -> Result<std::collections::HashMap<Id, String>> {
    let users = by_id(core, ids).await?;
    Ok(users.into_iter().map(|(id, u)| (id, u.name)).collect())
}

/// The given users that exist (for showing who uploaded or wrote what, and in which role).
pub async fn by_id(core: &Core, ids: Vec<Id>) -> Result<std::collections::HashMap<Id, User>> {
    core.db
        .run(move |conn| {
            let mut users = std::collections::HashMap::new();
            for id in ids {
                if let (std::collections::hash_map::Entry::Vacant(slot), Some(user)) =
                    (users.entry(id), sql::user_by_id(conn, id)?)
                {
                    slot.insert(user);
                }
            }
            Ok(users)
        })
        .await
}

/// Turns a presented secret into a caller, or `invalid_credentials`.
pub async fn authenticate(core: &Core, secret: &str) -> Result<Caller> {
    if !secret.starts_with(KEY_PREFIX) || secret.len() > 200 {
        return Err(Error::InvalidCredentials);
    }
    let key_hash = hash(secret);
    let owner = core
        .db
        .run(move |conn| Ok(sql::key_owner(conn, &key_hash)?))
        .await?;
    let (user, key_id, scopes) = owner.ok_or(Error::InvalidCredentials)?;
    Ok(Caller {
        user,
        key_id,
        scopes,
    })
}
