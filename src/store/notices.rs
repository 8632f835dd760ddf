//! Notices between the nodes of one PostgreSQL install (`NOTIFY` / `LISTEN`): what one node
//! announces inside the database reaches every node listening on that channel. The SQL of
//! `core::forget`, which uses them to keep the downloads caches in step.

use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;

use crate::error::Result;
use crate::store::sql::postgres::off_runtime;
use crate::store::sql::{params, Conn};
use crate::store::Db;

/// Sends each payload on `channel` (PostgreSQL only; the caller checks).
pub fn announce(conn: &Conn, channel: &str, payloads: &[String]) -> Result<()> {
    for payload in payloads {
        conn.execute("SELECT pg_notify(?1, ?2)", params![channel, payload])?;
    }
    Ok(())
}

/// A connection of its own that listens on one channel. Blocking: for a thread of its own.
pub struct Listener {
    client: Option<postgres::Client>,
}

impl Listener {
    /// Connects and starts listening on `channel` (a fixed name, not input); `None` on SQLite.
    pub fn connect(db: &Db, channel: &'static str) -> Option<Result<Listener>> {
        let connected = db.connect_alone()?;
        Some(connected.and_then(|mut client| {
            client.batch_execute(&format!("LISTEN {channel}"))?;
            Ok(Listener {
                client: Some(client),
            })
        }))
    }

    /// The next notice's payload, or `None` when none came within `wait`.
    pub fn next(&mut self, wait: Duration) -> Result<Option<String>> {
        let client = self.client.as_mut().expect("a client until dropped");
        // A new wait each time: a `TimeoutIter` does not re-arm its timer after it ran out,
        // so a kept one would return at once ever after, and spin without giving its runtime
        // a chance to read the socket (notices stopped after the first idle second).
        let next = client.notifications().timeout_iter(wait).next()?;
        Ok(next.map(|note| note.payload().to_owned()))
    }

    /// Asks the database something: a connection that only reads never learns that its peer
    /// is gone (a failover, a firewall dropping idle connections).
    pub fn ping(&mut self) -> Result<()> {
        let client = self.client.as_mut().expect("a client until dropped");
        client.simple_query("SELECT 1")?;
        Ok(())
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            off_runtime(move || drop(client));
        }
    }
}
