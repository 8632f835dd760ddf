//! The schema version of a database, and the migrations that bring it to this build's.
//!
//! `migrations/V<n>__<name>.sql` are embedded at build time and applied in order, all of them
//! in one transaction, and recorded in `refinery_schema_history` (with checksums, so an edited
//! old migration is refused). Migration 1 is the schema attache 0.1.0 wrote, with its
//! `IF NOT EXISTS`: a 0.1.0 database has every table but no history, so migration 1 changes
//! nothing in it and only records version 1.
//!
//! A database that records a version this build does not know was written by a newer attache:
//! it is refused before anything opens it for writing. Before an existing database is
//! migrated, a consistent copy is written beside it (`attache.db.before-v<new version>`).

use std::fmt;
use std::fs::{self, File};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use refinery::{Migration, Runner};
use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::store::sql::maintenance::snapshot;

pub mod postgres;

mod embedded {
    refinery::embed_migrations!("migrations");
}

const HISTORY_TABLE: &str = "refinery_schema_history";

fn embedded() -> Vec<Migration> {
    embedded::migrations::runner().get_migrations().clone()
}

/// The newest schema version this build knows.
pub fn latest() -> u32 {
    latest_of(&embedded())
}

fn latest_of(migrations: &[Migration]) -> u32 {
    // embed_migrations! fails the build on a malformed migrations/ folder.
    migrations
        .iter()
        .map(|m| m.version())
        .max()
        .map_or(0, |v| v as u32)
}

/// The schema a database holds, as read before any migration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stored {
    /// A new database: no tables yet.
    Empty,
    /// Written by attache 0.1.0: schema 1, with no record of it.
    Unrecorded,
    /// A recorded schema version.
    Version(u32),
}

impl fmt::Display for Stored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stored::Empty => f.write_str("0"),
            Stored::Unrecorded => f.write_str("1"),
            Stored::Version(v) => write!(f, "{v}"),
        }
    }
}

/// What opening a database did to its schema.
#[derive(Debug)]
pub struct Migrated {
    pub from: Stored,
    pub to: u32,
    /// The copy of the database as it was, when one was made.
    pub copy: Option<PathBuf>,
}

impl Migrated {
    /// The log line an operator looks for after an upgrade.
    pub fn log(&self) {
        match (&self.from, &self.copy) {
            (Stored::Version(v), _) if *v == self.to => {
                tracing::debug!(schema = self.to, "schema is current")
            }
            (Stored::Empty, _) => tracing::info!("created schema {}", self.to),
            (from, copy) => tracing::info!(
                before = %copy.as_ref().map_or("no copy".into(), |c| c.display().to_string()),
                unrecorded_by_0_1_0 = *from == Stored::Unrecorded,
                "migrated schema {from} -> {}",
                self.to
            ),
        }
    }
}

fn stored_in(conn: &Connection) -> rusqlite::Result<Stored> {
    let table_exists = |name: &str| -> rusqlite::Result<bool> {
        conn.query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [name],
            |_| Ok(()),
        )
        .optional()
        .map(|found| found.is_some())
    };
    if table_exists(HISTORY_TABLE)? {
        let version: Option<u32> = conn.query_row(
            &format!("SELECT MAX(version) FROM {HISTORY_TABLE}"),
            [],
            |row| row.get(0),
        )?;
        if let Some(version) = version {
            return Ok(Stored::Version(version));
        }
    }
    Ok(if table_exists("users")? {
        Stored::Unrecorded
    } else {
        Stored::Empty
    })
}

/// Characters a path must not carry raw inside an SQLite `file:` URI.
const URI_UNSAFE: &AsciiSet = &CONTROLS.add(b'%').add(b'?').add(b'#').add(b' ');

/// Reads the schema version of the database at `path` without changing anything: with no
/// `-wal` beside it the file is complete and is opened `immutable` (no lock, no `-shm`, no
/// `-wal` created); with one, it is opened read-only so the log's last commits count.
pub fn stored_version(path: &Path) -> Result<Stored> {
    let wal = path.with_file_name(format!("{}-wal", file_name(path)));
    let absolute = std::path::absolute(path)?;
    let encoded = utf8_percent_encode(
        absolute
            .to_str()
            .context("the database path is not UTF-8")?,
        URI_UNSAFE,
    );
    let uri = if wal.exists() {
        format!("file:{encoded}?mode=ro")
    } else {
        format!("file:{encoded}?mode=ro&immutable=1")
    };
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(&uri, flags)
        .with_context(|| format!("opening {} to read its schema version", path.display()))?;
    stored_in(&conn).with_context(|| format!("reading the schema version of {}", path.display()))
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

/// Refuses a database written by a newer attache, before anything opens it for writing.
pub fn refuse_newer(path: &Path) -> Result<()> {
    if !path.exists() {
        return Ok(());
    }
    refuse_unknown(stored_version(path)?, path, latest())
}

fn refuse_unknown(stored: Stored, path: &Path, latest: u32) -> Result<()> {
    match stored {
        Stored::Version(v) if v > latest => bail!(
            "{} holds schema version {v}, written by a newer attache; this attache ({}) knows \
             schema versions up to {latest}. Nothing was changed. Run the newer attache, or go \
             back to the copy it made before upgrading ({}.before-v{v}).",
            path.display(),
            env!("CARGO_PKG_VERSION"),
            file_name(path),
        ),
        _ => Ok(()),
    }
}

/// Brings the database on `conn` (the file at `path`) to the latest schema in one transaction.
/// With `copy_first`, an existing database that needs a migration is first copied beside it.
pub fn migrate(conn: &mut Connection, path: &Path, copy_first: bool) -> Result<Migrated> {
    migrate_with(conn, path, copy_first, &embedded())
}

fn migrate_with(
    conn: &mut Connection,
    path: &Path,
    copy_first: bool,
    migrations: &[Migration],
) -> Result<Migrated> {
    let from = stored_in(conn).context("reading the schema version")?;
    let to = latest_of(migrations);
    refuse_unknown(from, path, to)?;
    let needed = match from {
        Stored::Empty | Stored::Unrecorded => true,
        Stored::Version(v) => v < to,
    };
    let copy = if needed && copy_first && from != Stored::Empty {
        Some(copy_before(conn, path, to)?)
    } else {
        None
    };
    // Even with nothing to apply, the runner checks the recorded history against the embedded
    // migrations, so an edited old migration is refused here.
    let kept = copy.as_ref().map_or(String::new(), |c| {
        format!("; the database as it was is also in {}", c.display())
    });
    without_foreign_keys(conn, |conn| {
        Runner::new(migrations)
            .set_grouped(true)
            .run(conn)
            .map(|_| ())
            .with_context(|| {
                format!("migrating schema {from} -> {to} failed and was rolled back{kept}")
            })
    })?;
    Ok(Migrated { from, to, copy })
}

/// Runs `job` with foreign keys off, as table rebuilds need (a drop with them on deletes the
/// rows that refer to the table), then checks every reference holds. The pragma is a no-op in
/// a transaction, so it is set around the migrations' one transaction.
fn without_foreign_keys(
    conn: &mut Connection,
    job: impl FnOnce(&mut Connection) -> Result<()>,
) -> Result<()> {
    let was_on: bool = conn.query_row("PRAGMA foreign_keys", [], |row| row.get(0))?;
    conn.execute_batch("PRAGMA foreign_keys = OFF")?;
    let result = job(conn).and_then(|()| {
        let broken: Option<String> = conn
            .query_row("PRAGMA foreign_key_check", [], |row| row.get(0))
            .optional()?;
        let gone =
            |table| anyhow::anyhow!("after the migrations, a row of {table} refers to nothing");
        broken.map_or(Ok(()), |table| Err(gone(table)))
    });
    if was_on {
        conn.execute_batch("PRAGMA foreign_keys = ON")?;
    }
    result
}

/// Migrates a database file that nothing else has open (a backup being restored), with no
/// copy: the backup it came from is the copy.
pub fn migrate_file(path: &Path) -> Result<Migrated> {
    refuse_newer(path)?;
    let mut conn = Connection::open(path)?;
    let migrated = migrate(&mut conn, path, false)?;
    // Closing the only connection folds its WAL back in and removes `-wal` and `-shm`.
    conn.close().map_err(|(_, e)| e)?;
    Ok(migrated)
}

/// Writes a consistent copy of the database to `<file>.before-v<to>` (mode 0600, synced),
/// replacing an older one: it is always the state this upgrade starts from.
fn copy_before(conn: &Connection, path: &Path, to: u32) -> Result<PathBuf> {
    let target = path.with_file_name(format!("{}.before-v{to}", file_name(path)));
    let partial = path.with_file_name(format!("{}.before-v{to}.partial", file_name(path)));
    let _ = fs::remove_file(&partial);
    let result = (|| -> Result<()> {
        snapshot(conn, &partial)?;
        fs::set_permissions(&partial, fs::Permissions::from_mode(0o600))?;
        File::open(&partial)?.sync_all()?;
        fs::rename(&partial, &target)?;
        if let Some(dir) = target.parent() {
            File::open(dir)?.sync_all()?;
        }
        Ok(())
    })();
    result.with_context(|| format!("copying the database to {} first", target.display()))?;
    Ok(target)
}

/// A database on `conn` with every migration applied, for the SQL unit tests.
#[cfg(test)]
pub fn apply_all(conn: &mut Connection) {
    without_foreign_keys(conn, |conn| {
        Runner::new(&embedded()).set_grouped(true).run(conn)?;
        Ok(())
    })
    .unwrap();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(extra: &[(&str, &str)]) -> Vec<Migration> {
        let mut all = embedded();
        all.extend(
            extra
                .iter()
                .map(|(name, sql)| Migration::unapplied(name, sql).unwrap()),
        );
        all
    }

    /// A database file at the current schema, holding one user.
    fn current_db(dir: &Path) -> (Connection, PathBuf) {
        let path = dir.join("attache.db");
        let mut conn = Connection::open(&path).unwrap();
        migrate(&mut conn, &path, true).unwrap();
        conn.execute(
            "INSERT INTO users (id, name, role, created_at) VALUES (x'01', 'dana', 'customer', 't')",
            [],
        )
        .unwrap();
        (conn, path)
    }

    fn has_table(conn: &Connection, name: &str) -> bool {
        conn.query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE name = ?1",
            [name],
            |r| r.get::<_, i64>(0),
        )
        .unwrap()
            == 1
    }

    #[test]
    fn a_later_migration_copies_the_database_first_then_applies_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let (mut conn, path) = current_db(dir.path());
        let next = latest() + 1;
        let added = with(&[(
            &format!("V{next}__notes"),
            "CREATE TABLE notes (id INTEGER);",
        )]);
        let migrated = migrate_with(&mut conn, &path, true, &added).unwrap();
        assert_eq!(
            (migrated.from, migrated.to),
            (Stored::Version(latest()), next)
        );
        assert!(has_table(&conn, "notes"));
        assert_eq!(stored_in(&conn).unwrap(), Stored::Version(next));
        let copy = migrated.copy.unwrap();
        assert_eq!(copy, dir.path().join(format!("attache.db.before-v{next}")));
        assert_eq!(stored_version(&copy).unwrap(), Stored::Version(latest()));
        let old = Connection::open(&copy).unwrap();
        assert!(!has_table(&old, "notes"));
        let users: i64 = old
            .query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))
            .unwrap();
        assert_eq!(users, 1);
    }

    #[test]
    fn a_failing_migration_leaves_the_database_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let (mut conn, path) = current_db(dir.path());
        let (v2, v3) = (latest() + 1, latest() + 2);
        let broken = with(&[
            (&format!("V{v2}__notes"), "CREATE TABLE notes (id INTEGER);"),
            (
                &format!("V{v3}__broken"),
                "ALTER TABLE nowhere ADD COLUMN x TEXT;",
            ),
        ]);
        let err = migrate_with(&mut conn, &path, true, &broken).unwrap_err();
        assert!(format!("{err:#}").contains("rolled back"), "{err:#}");
        assert_eq!(stored_in(&conn).unwrap(), Stored::Version(latest()));
        assert!(
            !has_table(&conn, "notes"),
            "one transaction: the first step is undone too"
        );
        let users: i64 = conn
            .query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))
            .unwrap();
        assert_eq!(users, 1);
    }

    #[test]
    fn an_edited_migration_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (mut conn, path) = current_db(dir.path());
        let edited = vec![Migration::unapplied("V1__initial", "CREATE TABLE other (x);").unwrap()];
        assert!(migrate_with(&mut conn, &path, true, &edited).is_err());
        assert!(!has_table(&conn, "other"));
    }

    #[test]
    fn reading_the_version_creates_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let (conn, path) = current_db(dir.path());
        conn.close().unwrap();
        let before: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(stored_version(&path).unwrap(), Stored::Version(latest()));
        let after: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(before, after);
    }
}
