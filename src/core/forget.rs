//! Deleted attachments leave every node's downloads cache at once. A node forgets its own
//! deletions before it answers them; with a shared PostgreSQL database it also announces
//! them (`NOTIFY`), and every node listens on a connection of its own and forgets what the
//! others deleted, within the time a notification takes to arrive (milliseconds). A node
//! whose listening connection broke forgets everything when it connects again, since it may
//! have missed some.
//!
//! Chosen over no cache (every small download one more database round trip, measured in
//! BENCHMARKS.md) and over polling a version (a second's staleness and a query per second
//! per node for nothing when nothing changes).

use std::sync::{Arc, Weak};
use std::time::Duration;

use crate::core::Core;
use crate::error::Result;
use crate::ids::Id;
use crate::store::notices::{self, Listener};

const CHANNEL: &str = "attache_forget";
/// Quiet seconds after which the listening connection checks that it still reaches the
/// database.
const PING_AFTER: u32 = 15;
/// What a notification says for "everything" (a sweep, a restored snapshot).
const EVERYTHING: &str = "*";

/// Forgets `ids` here, and on a shared database announces them to the other nodes.
pub async fn forget(core: &Core, ids: Vec<Id>) -> Result<()> {
    for id in &ids {
        core.open_blobs.forget(*id);
    }
    announce(core, ids.iter().map(Id::hex).collect()).await
}

/// Forgets every cached attachment, here and on every node.
pub async fn forget_all(core: &Core) -> Result<()> {
    core.open_blobs.forget_all();
    announce(core, vec![EVERYTHING.to_owned()]).await
}

async fn announce(core: &Core, payloads: Vec<String>) -> Result<()> {
    if !core.db.is_postgres() || payloads.is_empty() {
        return Ok(());
    }
    core.db
        .run(move |conn| notices::announce(conn, CHANNEL, &payloads))
        .await
}

/// On a shared database: a thread that listens for the other nodes' deletions for as long as
/// `core` lives.
pub fn spawn_listener(core: &Arc<Core>) {
    if !core.db.is_postgres() {
        return;
    }
    let weak = Arc::downgrade(core);
    let spawned = std::thread::Builder::new()
        .name("attache-forget".into())
        .spawn(move || listen(weak));
    if let Err(err) = spawned {
        tracing::error!(error = %err, "could not start listening for other nodes' deletions");
    }
}

fn listen(weak: Weak<Core>) {
    let mut failures = 0u32;
    loop {
        let Some(core) = weak.upgrade() else { return };
        let Some(connected) = Listener::connect(&core.db, CHANNEL) else {
            return;
        };
        drop(core);
        let mut listener = match connected {
            Ok(listener) => listener,
            Err(err) => {
                failures += 1;
                if failures == 1 || failures.is_multiple_of(60) {
                    tracing::warn!(error = %err, "listening for other nodes' deletions failed; retrying");
                }
                // Between attempts while the database does not answer: once a second, not a
                // busy loop (this is a thread of its own, not an async worker).
                std::thread::sleep(Duration::from_secs(1));
                continue;
            }
        };
        failures = 0;
        // What was deleted while nobody listened is not known: start from nothing.
        match weak.upgrade() {
            Some(core) => core.open_blobs.forget_all(),
            None => return,
        }
        let mut quiet = 0u32;
        loop {
            if quiet >= PING_AFTER {
                quiet = 0;
                if let Err(err) = listener.ping() {
                    tracing::warn!(error = %err, "the connection that listens for other nodes' deletions broke; reconnecting");
                    break;
                }
            }
            let next = listener.next(Duration::from_secs(1));
            let Some(core) = weak.upgrade() else { return };
            match next {
                Ok(Some(payload)) if payload == EVERYTHING => core.open_blobs.forget_all(),
                Ok(Some(payload)) => match Id::parse_uuid(&payload) {
                    Some(id) => core.open_blobs.forget(id),
                    None => core.open_blobs.forget_all(),
                },
                Ok(None) => quiet += 1,
                Err(err) => {
                    tracing::warn!(error = %err, "the connection that listens for other nodes' deletions broke; reconnecting");
                    break;
                }
            }
        }
    }
}
