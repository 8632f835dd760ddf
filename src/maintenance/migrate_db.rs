//! `attache migrate-db --to postgres://…`: copies a single node's SQLite install into an empty
//! PostgreSQL database, so that several nodes can serve it. Every table's rows, ids and values
//! as they are, and the node's key files (`signing-keys`, `aksk-secret`) into the tables the
//! nodes share keys in, so that download URLs and AK/SK pairs made before keep working.
//!
//! The server must be stopped: the copy is one read snapshot of attache.db, on a connection
//! that cannot write, and it is refused (nothing kept) if anyone wrote to the file while it was being copied. The
//! target is written in one transaction, so it is either the whole copy or left empty.

use super::*;
use crate::signing::SigningKey;
use crate::store::db::open_sqlite_for_reading;
use crate::store::migrate::{self, Stored};
use crate::store::signing_keys::{read_keys, read_secret};
use crate::store::sql::copy::{self, TABLES};
use crate::store::sql::shared;

/// Rows read and inserted at a time (fewer for wide tables: see `batch_rows`).
const BATCH_ROWS: usize = 500;
/// Parameters in one INSERT, well below PostgreSQL's 65,535.
const BATCH_PARAMS: usize = 20_000;

/// Copies the SQLite install of `store` into the empty PostgreSQL database at `to`; says what
/// it copied and what to do next.
pub fn migrate_db(store: &StoreAt, to: &str) -> Result<String> {
    let url = match Database::parse(to, store.data_dir)? {
        Database::Postgres(url) => url,
        Database::Sqlite(_) => bail!(
            "--to takes the PostgreSQL database to copy into: postgres://user@host:port/dbname"
        ),
    };
    ensure!(
        !store.database.is_postgres(),
        "migrate-db copies the SQLite database of --data-dir into --to; --database names {} \
         (leave it out, or say --database sqlite)",
        store.database
    );
    ensure_store(store)?;
    let source = store.data_dir.join(DATABASE);
    let latest = migrate::latest();
    migrate::refuse_newer(&source)?;
    match migrate::stored_version(&source)? {
        Stored::Version(v) if v == latest => {}
        stored => bail!(
            "{} holds schema version {stored} and this attache copies version {latest}: run \
             this attache on it once (for example `attache fsck`), which migrates it, then \
             migrate-db",
            source.display()
        ),
    }
    let keys = KeyFiles::read(store.data_dir)?;
    let target = Database::Postgres(url.clone());
    refuse_occupied(&Db::inspect_postgres(&url, occupied)?, &target)?;
    let db = Db::open(&target)?;
    let copied = db
        .write_now(|tx| {
            copy_all(&source, tx, &keys, &target).map_err(crate::error::Error::Internal)
        })
        .map_err(|e| match e {
            crate::error::Error::Internal(inner) => inner,
            other => anyhow::Error::new(other),
        })
        .with_context(|| {
            format!("copying into {target} (rolled back: it holds attache's empty tables only)")
        })?;
    Ok(summary(&source, &target, store.blobs, &copied, &keys))
}

/// What the single node keeps in files and the nodes keep in the database.
struct KeyFiles {
    signing_keys: Vec<SigningKey>,
    aksk_secret: Option<[u8; 32]>,
}

impl KeyFiles {
    fn read(data_dir: &Path) -> Result<KeyFiles> {
        let path = data_dir.join(SIGNING_KEYS);
        let signing_keys = read_keys(&path)
            .with_context(|| format!("reading {}", path.display()))?
            .unwrap_or_default();
        let path = data_dir.join(AKSK_SECRET);
        let aksk_secret =
            read_secret(&path).with_context(|| format!("reading {}", path.display()))?;
        Ok(KeyFiles {
            signing_keys,
            aksk_secret,
        })
    }
}

/// The tables of attache's that hold rows, with how many.
fn occupied(conn: &Conn) -> crate::store::sql::Result<Vec<(&'static str, u64)>> {
    let mut found = Vec::new();
    for table in TABLES {
        if copy::table_exists(conn, table)? {
            let rows = copy::count(conn, table)?;
            if rows > 0 {
                found.push((table, rows));
            }
        }
    }
    Ok(found)
}

fn refuse_occupied(occupied: &[(&str, u64)], target: &Database) -> Result<()> {
    if occupied.is_empty() {
        return Ok(());
    }
    let tables: Vec<String> = occupied
        .iter()
        .map(|(table, rows)| format!("{table} ({rows})"))
        .collect();
    bail!(
        "{target} already holds attache data: {}. migrate-db copies only into an empty database \
         (create one with `createdb`); nothing was changed",
        tables.join(", ")
    )
}

/// Rows copied per table, in the order copied.
struct Copied {
    tables: Vec<(&'static str, u64)>,
}

/// Copies every table and the key files inside the target's transaction `tx`, and checks the
/// counts. Any error rolls the whole copy back.
fn copy_all(source: &Path, tx: &Conn, keys: &KeyFiles, target: &Database) -> Result<Copied> {
    // Checked again under the write lock: another migrate-db may have filled it meanwhile.
    refuse_occupied(&occupied(tx)?, target)
        .context("the target database was written to while migrate-db began")?;
    let conn = open_sqlite_for_reading(source)?;
    let from = Conn::sqlite(&conn);
    let version = copy::begin_snapshot(&from).context("taking a read snapshot")?;
    let mut tables = Vec::new();
    for table in TABLES {
        let rows = copy_table(&from, tx, table)?;
        tables.push((table, rows));
    }
    for table in TABLES {
        for column in copy::identity_columns(tx, table)? {
            copy::move_identity_past_max(tx, table, &column)?;
        }
    }
    copy_key_files(tx, keys, &mut tables)?;
    for (table, expected) in &tables {
        let found = copy::count(tx, table)?;
        ensure!(
            found == *expected,
            "{table}: {expected} rows copied but {found} in the target"
        );
    }
    let after = copy::end_snapshot(&from)?;
    ensure!(
        after == version,
        "{} was written to while it was being copied: stop the server (and every command on \
         its data directory), then run migrate-db again",
        source.display()
    );
    Ok(Copied { tables })
}

/// Copies `table` in batches of rows; answers how many, the source's count.
fn copy_table(from: &Conn, to: &Conn, table: &'static str) -> Result<u64> {
    let columns = copy::columns(from, table)?;
    let mut theirs = copy::columns(to, table)?;
    let mut ours = columns.clone();
    ours.sort();
    theirs.sort();
    ensure!(
        ours == theirs,
        "{table} has columns {ours:?} in SQLite but {theirs:?} in PostgreSQL"
    );
    let limit = batch_rows(columns.len());
    let (mut after, mut copied) = (0, 0u64);
    loop {
        let batch = copy::read_batch(from, table, &columns, after, limit)
            .with_context(|| format!("reading {table}"))?;
        let Some(last) = batch.last() else { break };
        after = last.rowid;
        let rows: Vec<_> = batch.into_iter().map(|row| row.values).collect();
        copied += copy::insert_rows(to, table, &columns, &rows)
            .with_context(|| format!("copying {table}"))? as u64;
    }
    let expected = copy::count(from, table)?;
    ensure!(
        copied == expected,
        "{table}: {expected} rows in SQLite but {copied} copied"
    );
    Ok(copied)
}

fn batch_rows(columns: usize) -> usize {
    (BATCH_PARAMS / columns.max(1)).clamp(1, BATCH_ROWS)
}

/// The signing keys, oldest first after any the table held, and the AK/SK secret; adds them to
/// the counts in `tables` and checks that they read back as the files had them.
fn copy_key_files(tx: &Conn, keys: &KeyFiles, tables: &mut [(&str, u64)]) -> Result<()> {
    let created = crate::domain::now();
    for key in &keys.signing_keys {
        shared::insert_signing_key(tx, key, &created)
            .with_context(|| format!("copying signing key {}", key.kid))?;
    }
    let stored = shared::signing_keys(tx)?;
    let newest = &stored[stored.len() - keys.signing_keys.len()..];
    let same = newest
        .iter()
        .zip(&keys.signing_keys)
        .all(|(a, b)| a.kid == b.kid && a.secret == b.secret);
    ensure!(
        same,
        "the signing keys read back differently from {SIGNING_KEYS}"
    );
    add_rows(tables, "signing_keys", keys.signing_keys.len());
    if let Some(secret) = &keys.aksk_secret {
        ensure!(
            shared::server_secret(tx, AKSK_SECRET)?.is_none(),
            "the SQLite database already holds a server secret named {AKSK_SECRET}"
        );
        shared::insert_server_secret(tx, AKSK_SECRET, secret)?;
        ensure!(
            shared::server_secret(tx, AKSK_SECRET)?.as_ref() == Some(secret),
            "the AK/SK secret read back differently from {AKSK_SECRET}"
        );
        add_rows(tables, "server_secrets", 1);
    }
    Ok(())
}

fn add_rows(tables: &mut [(&str, u64)], table: &str, rows: usize) {
    if let Some((_, count)) = tables.iter_mut().find(|(t, _)| *t == table) {
        *count += rows as u64;
    }
}

fn summary(
    source: &Path,
    target: &Database,
    blobs: &BlobLocation,
    copied: &Copied,
    keys: &KeyFiles,
) -> String {
    let mut out = format!(
        "copied {} into {target} (schema version {}), in one transaction:\n",
        source.display(),
        migrate::latest()
    );
    for (table, rows) in &copied.tables {
        out.push_str(&format!("  {table:<16} {rows:>8}\n"));
    }
    out.push_str(&format!(
        "  from {SIGNING_KEYS}: {}; from {AKSK_SECRET}: {}\n",
        count(keys.signing_keys.len(), "signing key", "signing keys"),
        match keys.aksk_secret {
            Some(_) => "the AK/SK secret",
            None => "nothing (no such file)",
        }
    ));
    out.push_str("every table's row count matches the source.\n\nnext:\n");
    out.push_str(&format!(
        "  - start every node with --database set to that URL (or ATTACHE_DATABASE); {} is \
         left as it was, and a node started without --database would still use it\n",
        source.display()
    ));
    match blobs {
        BlobLocation::Local => out.push_str(
            "  - the files are not in the database: this install keeps them in its data \
             directory (--blob-store local). Copy them first with `attache migrate-blobs --to \
             s3://…` and start every node with that --blob-store, or put the data directory on \
             storage every node mounts",
        ),
        BlobLocation::Object(_) => out.push_str(&format!(
            "  - the files stay where they are ({blobs}): start every node with the same \
             --blob-store and its credentials"
        )),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_tables_copy_in_smaller_batches() {
        assert_eq!(batch_rows(4), BATCH_ROWS);
        assert_eq!(batch_rows(100), 200);
        assert_eq!(batch_rows(0), BATCH_ROWS);
    }
}
