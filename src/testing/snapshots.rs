//! Named states of the database for tests: `POST /_attache/snapshots/{name}` copies it (with
//! SQLite's online backup) to `test-snapshots/<name>.db` in the data directory (on PostgreSQL,
//! into a schema of its own: `store::sql::snapshots`), `…/restore`
//! copies it back into the live database. `reset` restores the state the server started in
//! (its fixtures, its demo data, or nothing), kept as the snapshot `INITIAL`.
//!
//! Only the database is copied: blob files are kept by content address, and in test mode a
//! file is not removed when its last attachment goes (see `core::attachments`), so every
//! snapshot still finds its files.

use std::path::PathBuf;

use rusqlite::Connection;

use crate::core::Core;
use crate::error::{Error, Result};
use crate::store::sql::maintenance as sql;
use crate::store::sql::snapshots as schemas;

/// The state the server started in; not a name a test can take (names start with a letter
/// or digit).
pub const INITIAL: &str = "_initial";

fn path_of(core: &Core, name: &str) -> PathBuf {
    core.config
        .data_dir
        .join("test-snapshots")
        .join(format!("{name}.db"))
}

/// 1 to 64 letters, digits, `-` and `_`, starting with a letter or digit.
pub fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// What the test double's snapshots are, in the error PostgreSQL gets (they copy the SQLite file).
const SNAPSHOTS: &str = "snapshots of the test double";

fn copy_out(conn: &mut Connection, path: &std::path::Path) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    Ok(sql::snapshot(conn, path)?)
}

pub async fn take(core: &Core, name: &str) -> Result<()> {
    if core.db.is_postgres() {
        let name = name.to_owned();
        return core.db.write(move |tx| Ok(schemas::take(tx, &name)?)).await;
    }
    let path = path_of(core, name);
    core.db
        .run_sqlite(SNAPSHOTS, move |conn| copy_out(conn, &path))
        .await
}

/// The same, before the server runs: the state `reset` returns to.
pub fn take_initial(core: &Core) -> Result<()> {
    if core.db.is_postgres() {
        return core.db.write_now(|tx| Ok(schemas::take(tx, INITIAL)?));
    }
    let path = path_of(core, INITIAL);
    core.db.sqlite_now(SNAPSHOTS, |conn| copy_out(conn, &path))
}

/// Copies a snapshot back over the live database; `not_found` if there is none by that name.
pub async fn restore(core: &Core, name: &str) -> Result<()> {
    if core.db.is_postgres() {
        let name = name.to_owned();
        core.db
            .write(move |tx| match schemas::exists(tx, &name)? {
                true => Ok(schemas::restore(tx, &name)?),
                false => Err(Error::NotFound("snapshot")),
            })
            .await?;
        return crate::core::forget::forget_all(core).await;
    }
    let path = path_of(core, name);
    if !path.exists() {
        return Err(Error::NotFound("snapshot"));
    }
    core.db
        .run_sqlite(SNAPSHOTS, move |conn| {
            Ok(sql::restore_snapshot(conn, &path)?)
        })
        .await?;
    // What the server keeps beside the database may name records that are gone now.
    crate::core::forget::forget_all(core).await?;
    Ok(())
}
