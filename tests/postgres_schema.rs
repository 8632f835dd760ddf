//! attache's schema on PostgreSQL, through the real binary: the migrations, recorded as on
//! SQLite; nodes that start together on an empty database; a database written by a newer
//! attache refused and left as it was; and the database down at start. Skipped without
//! PostgreSQL's server binaries, unless `ATTACHE_REQUIRE_POSTGRES=1` (CI).

mod common;

use common::binary::attache;
use common::postgres;

fn database_name(url: &str) -> &str {
    url.rsplit('/').next().unwrap()
}

/// `attache user list` on a data directory of its own and the database `url`.
fn user_list(url: &str) -> (bool, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    attache(&["user", "list", "--data-dir", data, "--database", url])
}

#[test]
fn every_migration_is_applied_once_and_recorded_even_by_nodes_starting_together() {
    let Some(cluster) = postgres::cluster_or_skip() else {
        return;
    };
    let url = cluster.create_database();
    let started: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || user_list(&url))
        })
        .collect();
    for run in started {
        let (ok, _, err) = run.join().unwrap();
        assert!(ok, "{err}");
    }
    let latest = attache::store::migrate::latest();
    let history = cluster.psql(
        database_name(&url),
        "SELECT count(*), min(version), max(version) FROM refinery_schema_history",
    );
    assert_eq!(history.trim(), format!("{latest}|1|{latest}"));
}

#[test]
fn a_database_from_a_newer_attache_is_refused_and_left_unchanged() {
    let Some(cluster) = postgres::cluster_or_skip() else {
        return;
    };
    let url = cluster.create_database();
    let name = database_name(&url);
    assert!(user_list(&url).0);
    cluster.psql(
        name,
        "INSERT INTO refinery_schema_history (version, name, applied_on, checksum)
         VALUES (999, 'from_the_future', '2030-01-01T00:00:00Z', '1')",
    );
    let tables = "SELECT string_agg(table_name, ',' ORDER BY table_name)
                  FROM information_schema.tables WHERE table_schema = 'public'";
    let before = cluster.psql(name, tables);
    let (ok, _, err) = user_list(&url);
    assert!(!ok, "a newer schema must be refused");
    assert!(err.contains("schema version 999"), "{err}");
    assert!(err.contains("newer attache"), "{err}");
    assert_eq!(cluster.psql(name, tables), before);
}

#[test]
fn a_database_that_does_not_answer_is_a_clear_error_not_a_hang() {
    let Some(mut cluster) = postgres::cluster_or_skip() else {
        return;
    };
    // The cluster trusts local connections; the password is there to be kept out of messages.
    let url = cluster
        .create_database()
        .replace("attache@", "attache:s3cret-word@");
    cluster.stop();
    let started = std::time::Instant::now();
    let (ok, _, err) = user_list(&url);
    assert!(!ok);
    assert!(
        err.contains("PostgreSQL attache@127.0.0.1"),
        "names the database: {err}"
    );
    assert!(
        !err.contains("s3cret-word"),
        "the password is never printed: {err}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
}

/// The sweep (and `gc`) run on one node at a time: while one node's lock holds the duty no
/// other takes it; released, or with its holder gone (a node killed closes its connection),
/// the next node does.
#[actix_web::test]
async fn a_duty_is_held_by_one_node_at_a_time_and_passes_on_when_its_holder_goes() {
    use attache::store::duty::{Duty, DutyLock};
    use attache::store::{Database, Db};
    let Some(cluster) = postgres::cluster_or_skip() else {
        return;
    };
    let url = cluster.create_database();
    let db = Db::open(&Database::Postgres(url)).unwrap();
    let (a, b) = (
        DutyLock::new(&db, Duty::Sweep),
        DutyLock::new(&db, Duty::Sweep),
    );
    assert!(a.try_take().await.unwrap(), "the first node takes the duty");
    assert!(
        !b.try_take().await.unwrap(),
        "not while another node holds it"
    );
    a.release().await.unwrap();
    assert!(
        b.try_take().await.unwrap(),
        "released, the next node takes it"
    );
    assert!(!a.try_take().await.unwrap());
    drop(b);
    let started = std::time::Instant::now();
    while !a.try_take().await.unwrap() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "a holder that is gone lets go of the duty"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
