//! The PostgreSQL the tests start (tests/common/postgres.rs): a cluster of its own, databases
//! kept apart, migrations-postgres/ applied in order, and a server that never outlives the
//! thread that started it. Skipped without PostgreSQL's server binaries, unless
//! `ATTACHE_REQUIRE_POSTGRES=1` (CI).

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::postgres;

/// migrations-postgres/V<n>__<name>.sql, in version order.
fn migrations() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations-postgres");
    let mut files: Vec<(u32, PathBuf)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            let version = name[1..name.find("__").unwrap()].parse().unwrap();
            (version, path)
        })
        .collect();
    files.sort();
    files.into_iter().map(|(_, path)| path).collect()
}

fn database_name(url: &str) -> &str {
    url.rsplit('/').next().unwrap()
}

const TABLES: &str = "SELECT table_name FROM information_schema.tables \
                      WHERE table_schema = 'public' ORDER BY table_name";

#[test]
fn migrations_apply_in_order_to_a_database_of_their_own() {
    let Some(cluster) = postgres::cluster_or_skip() else {
        return;
    };
    let migrated = cluster.create_database();
    let other = cluster.create_database();
    assert_ne!(migrated, other);
    let port = cluster.port;
    assert!(migrated.starts_with(&format!("postgres://attache@127.0.0.1:{port}/attache_")));

    let files = migrations();
    assert_eq!(files.len(), 8, "{files:?}");
    for file in &files {
        cluster.psql_file(database_name(&migrated), file);
    }

    let tables = cluster.psql(database_name(&migrated), TABLES);
    assert_eq!(
        tables.lines().collect::<Vec<_>>(),
        [
            "api_keys",
            "attachments",
            "blobs",
            "messages",
            "meta",
            "seen_signatures",
            "server_secrets",
            "sessions",
            "signing_keys",
            "ticket_contacts",
            "ticket_events",
            "tickets",
            "users"
        ]
    );
    let escalation = cluster.psql(
        database_name(&migrated),
        "SELECT data_type FROM information_schema.columns \
         WHERE table_name = 'tickets' AND column_name = 'escalation_reason'",
    );
    assert_eq!(escalation.trim(), "text", "V7 ran last");
    assert_eq!(cluster.psql(database_name(&other), TABLES), "");
}

#[test]
fn a_failing_statement_fails_the_test() {
    let Some(cluster) = postgres::cluster_or_skip() else {
        return;
    };
    let url = cluster.create_database();
    let failed = std::panic::catch_unwind(|| {
        cluster.psql(
            database_name(&url),
            "CREATE TABLE t (id BIGINT); SELECT nope FROM t",
        );
    });
    assert!(failed.is_err(), "psql's error was not noticed");
}

#[test]
fn the_server_dies_with_the_thread_that_started_it() {
    if postgres::cluster_or_skip().is_none() {
        return;
    }
    let (pid, folder) = std::thread::spawn(|| {
        let cluster = postgres::start_cluster();
        let started = (cluster.pid().unwrap(), cluster.folder().to_owned());
        // As if the thread ended without dropping it (a panic that aborts, a lost handle).
        std::mem::forget(cluster);
        started
    })
    .join()
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut status = 0;
    // SAFETY: waitpid writes only into `status`; the pid is a child of this process.
    while unsafe { libc::waitpid(pid as libc::pid_t, &mut status, libc::WNOHANG) } == 0 {
        assert!(
            Instant::now() < deadline,
            "postgres {pid} outlived its thread"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::fs::remove_dir_all(folder).unwrap();
}

#[test]
fn a_stopped_or_killed_cluster_refuses_connections_until_resumed() {
    let Some(mut cluster) = postgres::cluster_or_skip() else {
        return;
    };
    let url = cluster.create_database();
    let database = database_name(&url);
    cluster.psql(
        database,
        "CREATE TABLE kept (n BIGINT); INSERT INTO kept VALUES (7)",
    );
    cluster.stop();
    assert!(std::net::TcpStream::connect(("127.0.0.1", cluster.port)).is_err());
    cluster.resume();
    assert_eq!(cluster.psql(database, "SELECT n FROM kept").trim(), "7");
    cluster.kill();
    assert!(std::net::TcpStream::connect(("127.0.0.1", cluster.port)).is_err());
    cluster.resume();
    assert_eq!(
        cluster.psql(database, "SELECT count(*) FROM kept").trim(),
        "1"
    );
}

#[test]
fn the_shared_cluster_gives_each_caller_a_database_of_its_own() {
    let asked = std::env::var("ATTACHE_TEST_DATABASE").is_ok_and(|v| v == "postgres");
    let Some(first) = postgres::test_database() else {
        assert!(!asked, "ATTACHE_TEST_DATABASE=postgres but no database");
        return;
    };
    let second = postgres::test_database().unwrap();
    assert_ne!(first, second);
    let port = first.split(':').nth(2).unwrap().split('/').next().unwrap();
    assert_eq!(
        second.split(':').nth(2).unwrap().split('/').next(),
        Some(port)
    );
}
