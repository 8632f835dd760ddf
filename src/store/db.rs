//! The metadata database's pool (SQLite, or PostgreSQL with `--database postgres://…`), and
//! the two helpers that run blocking work off the async workers: `run` and
//! `write` for SQL, bounded by a semaphore sized to the pool so that no thread ever waits
//! inside r2d2; `blocking` for other blocking I/O (hashing, fsync, file reads), bounded by its
//! own. A request that waits too long for SQL is answered 503 `busy`, never left hanging.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, TransactionBehavior};
use tokio::sync::Semaphore;

pub use super::database::Database;
use super::database::PgManager;
use crate::error::{Error, Result};
use crate::store::migrate;
use crate::store::sql::postgres::off_runtime;
use crate::store::sql::postgres::PgClient;
use crate::store::sql::{params, Conn};

pub use super::database::DATABASE_FILE;

/// How many blocking I/O jobs may run at once; more wait (asynchronously) for a permit.
const BLOCKING_PERMITS: usize = 32;
/// Connections, and so SQL jobs that may run at once.
const POOL_SIZE: u32 = 8;
/// How long a request waits for a connection before it is answered 503 `busy`.
const SQL_WAIT: Duration = Duration::from_secs(10);

/// The lock every write transaction on PostgreSQL takes first (`pg_advisory_xact_lock`): writes
/// are serialized across connections and nodes, as SQLite's `BEGIN IMMEDIATE` serializes
/// them, so the core's read-check-write steps (counts, numbers, quotas) hold on both.
const WRITE_LOCK: i64 = 0x6174_7461_6368_6501;

#[derive(Clone)]
enum Pool {
    Sqlite(r2d2::Pool<SqliteConnectionManager>),
    Postgres(r2d2::Pool<PgManager>),
}

#[derive(Clone)]
pub struct Db {
    pool: Pool,
    /// One per pooled connection: SQL jobs hold one while they run.
    sql_permits: Arc<Semaphore>,
    /// Blocking I/O that is not SQL.
    io_permits: Arc<Semaphore>,
    /// On PostgreSQL, how to open connections outside the pool.
    postgres: Option<Arc<PgManager>>,
    /// The schema version the database holds once opened (always `migrate::latest()`).
    pub schema_version: u32,
}

fn configure(conn: &mut Connection) -> rusqlite::Result<()> {
    // synchronous=FULL: a commit is on disk before we answer 2xx, power cut included.
    conn.execute_batch(
        "PRAGMA busy_timeout = 10000;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;",
    )
}

impl Db {
    /// Opens the metadata database `location` names and migrates it to the latest schema.
    pub fn open(location: &Database) -> anyhow::Result<Db> {
        match location {
            Database::Sqlite(path) => Db::open_sqlite(path),
            Database::Postgres(url) => Db::open_postgres(url),
        }
    }

    /// Opens (creating if needed) the SQLite file, switches it to WAL and migrates it to the
    /// latest schema, copying an existing one first. A database written by a newer attache is
    /// refused before anything opens it for writing.
    pub fn open_sqlite(path: &Path) -> anyhow::Result<Db> {
        migrate::refuse_newer(path)?;
        make_private(path).with_context(|| format!("making {} private", path.display()))?;
        let manager = SqliteConnectionManager::file(path).with_init(configure);
        let pool = r2d2::Pool::builder()
            .max_size(POOL_SIZE)
            .connection_timeout(SQL_WAIT)
            .build(manager)
            .with_context(|| format!("opening database {}", path.display()))?;
        let mut conn = pool.get()?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        anyhow::ensure!(
            mode.eq_ignore_ascii_case("wal"),
            "database refused WAL mode ({mode})"
        );
        let migrated = migrate::migrate(&mut conn, path, true)?;
        migrated.log();
        Ok(Db::with_pool(Pool::Sqlite(pool), migrated.to))
    }

    /// Connects to PostgreSQL and migrates its schema (one node at a time: the migration
    /// holds a lock in the database).
    fn open_postgres(url: &str) -> anyhow::Result<Db> {
        off_runtime(|| Db::connect_postgres(url))
    }

    fn connect_postgres(url: &str) -> anyhow::Result<Db> {
        let manager = PgManager::new(url)?;
        let described = manager.describe();
        let alone = Arc::new(manager.clone());
        let pool = r2d2::Pool::builder()
            .max_size(POOL_SIZE)
            .connection_timeout(SQL_WAIT)
            // Checked when it breaks (`has_broken`), not with a round trip per checkout.
            .test_on_check_out(false)
            .build(manager)
            .with_context(|| format!("connecting to {described}"))?;
        let mut conn = pool.get()?;
        let migrated = migrate::postgres::migrate(conn.client())
            .with_context(|| format!("migrating {described}"))?;
        migrated.log();
        let mut db = Db::with_pool(Pool::Postgres(pool), migrated.to);
        db.postgres = Some(alone);
        Ok(db)
    }

    fn with_pool(pool: Pool, schema_version: u32) -> Db {
        Db {
            pool,
            sql_permits: Arc::new(Semaphore::new(POOL_SIZE as usize)),
            io_permits: Arc::new(Semaphore::new(BLOCKING_PERMITS)),
            schema_version,
            postgres: None,
        }
    }

    /// Runs `job` on the PostgreSQL database at `url` as it is, neither migrated nor changed
    /// (for `migrate-db`, to look at a target before it migrates it).
    pub fn inspect_postgres<R: Send>(
        url: &str,
        job: impl FnOnce(&Conn) -> crate::store::sql::Result<R> + Send,
    ) -> anyhow::Result<R> {
        off_runtime(|| {
            let manager = PgManager::new(url)?;
            let client = manager
                .connect_alone()
                .with_context(|| format!("connecting to {}", manager.describe()))?;
            let mut client = PgClient::new(client);
            let answer = job(&Conn::postgres(client.session()))?;
            Ok(answer)
        })
    }

    /// A PostgreSQL connection of its own, outside the pool; `None` on SQLite.
    pub fn connect_alone(&self) -> Option<Result<postgres::Client>> {
        let manager = self.postgres.as_ref()?;
        Some(manager.connect_alone().map_err(Error::from))
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.pool, Pool::Postgres(_))
    }

    /// Runs blocking I/O that is not SQL (hashing, fsync, file reads) on the blocking thread
    /// pool, bounded by its semaphore. Never `block_in_place`.
    pub async fn blocking<F, R>(&self, job: F) -> Result<R>
    where
        F: FnOnce() -> Result<R> + Send + 'static,
        R: Send + 'static,
    {
        let _permit = self
            .io_permits
            .acquire()
            .await
            .map_err(|e| Error::Internal(e.into()))?;
        spawn_blocking(job).await
    }

    /// Runs SQL off the async workers with a pooled connection. Waits at most `SQL_WAIT` for
    /// one of the pool's permits, then answers `busy`: with one permit per connection, the
    /// connection is free once the permit is held.
    pub async fn run<F, R>(&self, job: F) -> Result<R>
    where
        F: FnOnce(&Conn) -> Result<R> + Send + 'static,
        R: Send + 'static,
    {
        self.off_workers(move |db| db.run_here(job)).await
    }

    /// Runs SQL in a write transaction taken up front (`BEGIN IMMEDIATE` on SQLite, the write
    /// lock on PostgreSQL), so that the read-check-write steps inside it (counts, blob
    /// placement) are serialized across threads, processes and nodes.
    pub async fn write<F, R>(&self, job: F) -> Result<R>
    where
        F: FnOnce(&Conn) -> Result<R> + Send + 'static,
        R: Send + 'static,
    {
        self.off_workers(move |db| db.write_here(job)).await
    }

    /// Runs `job` on the blocking pool once one of the SQL permits is held.
    async fn off_workers<F, R>(&self, job: F) -> Result<R>
    where
        F: FnOnce(&Db) -> Result<R> + Send + 'static,
        R: Send + 'static,
    {
        let permit = tokio::time::timeout(SQL_WAIT, self.sql_permits.clone().acquire_owned());
        let _permit = match permit.await {
            Ok(permit) => permit.map_err(|e| Error::Internal(e.into()))?,
            Err(_) => {
                tracing::warn!("every database connection stayed busy for {SQL_WAIT:?}");
                return Err(Error::Busy { retry_after: 1 });
            }
        };
        let db = self.clone();
        spawn_blocking(move || job(&db)).await
    }

    /// Runs `job` on an SQLite connection of its own, for what only SQLite has (its backup
    /// API); on PostgreSQL, `Error::Unsupported` naming `what`.
    pub async fn run_sqlite<F, R>(&self, what: &'static str, job: F) -> Result<R>
    where
        F: FnOnce(&mut Connection) -> Result<R> + Send + 'static,
        R: Send + 'static,
    {
        self.off_workers(move |db| db.sqlite_now(what, job)).await
    }

    pub fn sqlite_now<F, R>(&self, what: &'static str, job: F) -> Result<R>
    where
        F: FnOnce(&mut Connection) -> Result<R>,
    {
        match &self.pool {
            Pool::Sqlite(pool) => job(&mut *pool.get()?),
            Pool::Postgres(_) => Err(Error::Internal(anyhow::anyhow!(
                "{what} needs the SQLite database; on PostgreSQL it is not available"
            ))),
        }
    }

    /// The same, for command-line tools that have no async runtime.
    pub fn run_now<F, R>(&self, job: F) -> Result<R>
    where
        F: FnOnce(&Conn) -> Result<R> + Send,
        R: Send,
    {
        match self.pool {
            Pool::Sqlite(_) => self.run_here(job),
            Pool::Postgres(_) => off_runtime(|| self.run_here(job)),
        }
    }

    pub fn write_now<F, R>(&self, job: F) -> Result<R>
    where
        F: FnOnce(&Conn) -> Result<R> + Send,
        R: Send,
    {
        match self.pool {
            Pool::Sqlite(_) => self.write_here(job),
            Pool::Postgres(_) => off_runtime(|| self.write_here(job)),
        }
    }

    /// `run_now` on this thread, which may block (not inside a runtime, or on the blocking pool).
    fn run_here<F, R>(&self, job: F) -> Result<R>
    where
        F: FnOnce(&Conn) -> Result<R>,
    {
        match &self.pool {
            Pool::Sqlite(pool) => job(&Conn::sqlite(&*pool.get()?)),
            Pool::Postgres(pool) => job(&Conn::postgres(pool.get()?.session())),
        }
    }

    fn write_here<F, R>(&self, job: F) -> Result<R>
    where
        F: FnOnce(&Conn) -> Result<R>,
    {
        match &self.pool {
            Pool::Sqlite(pool) => {
                let mut conn = pool.get()?;
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let value = job(&Conn::sqlite(&tx))?;
                tx.commit()?;
                Ok(value)
            }
            Pool::Postgres(pool) => {
                let mut client = pool.get()?;
                let tx = Conn::postgres(client.transaction()?);
                tx.execute("SELECT pg_advisory_xact_lock(?1)", params![WRITE_LOCK])?;
                let value = job(&tx)?;
                tx.into_postgres()
                    .expect("a PostgreSQL transaction")
                    .commit()?;
                Ok(value)
            }
        }
    }
}

/// Opens the SQLite database at `path` to read it, as it is: no migration, and `query_only`,
/// so no statement on it can write. For copying it elsewhere (`migrate-db`). Not opened
/// `SQLITE_OPEN_READ_ONLY`: such a connection creates the `-wal` and `-shm` files of a stopped
/// database but cannot remove them when it closes, and would leave them behind owned by
/// whoever ran the copy.
pub fn open_sqlite_for_reading(path: &Path) -> anyhow::Result<Connection> {
    use rusqlite::OpenFlags;
    // Without CREATE: a missing file is an error, not a new empty database.
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)
        .with_context(|| format!("opening {}", path.display()))?;
    conn.execute_batch("PRAGMA query_only = ON; PRAGMA busy_timeout = 10000;")
        .with_context(|| format!("opening {} to read", path.display()))?;
    Ok(conn)
}

/// The database holds every ticket, key hash and session: only attache's user may read it.
/// Created 0600 (SQLite gives its `-wal` and `-shm` the same mode), and an older one that
/// others could read is tightened.
fn make_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    for file in [
        path.to_path_buf(),
        sibling(path, "-wal"),
        sibling(path, "-shm"),
    ] {
        match std::fs::metadata(&file) {
            Ok(meta) if meta.permissions().mode() & 0o077 != 0 => {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?
            }
            _ => {}
        }
    }
    Ok(())
}

fn sibling(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

async fn spawn_blocking<F, R>(job: F) -> Result<R>
where
    F: FnOnce() -> Result<R> + Send + 'static,
    R: Send + 'static,
{
    actix_web::rt::task::spawn_blocking(job)
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!("blocking job failed: {e}")))?
}

/// An in-memory SQLite database with every migration applied, for the SQL unit tests.
#[cfg(test)]
pub fn memory() -> Conn<'static> {
    let mut conn = Connection::open_in_memory().unwrap();
    configure(&mut conn).unwrap();
    migrate::apply_all(&mut conn);
    // Leaked: a unit test's database lives as long as the test process.
    Conn::sqlite(Box::leak(Box::new(conn)))
}
