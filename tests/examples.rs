//! The README's "Testing your integration against attache" examples, run as written: the
//! pytest fixtures in docs/testing/python and the Node test in docs/testing/node, each
//! starting this build of attache. Skipped without pytest or Node, unless
//! ATTACHE_REQUIRE_CLIENTS is set (as in `.ci/run`), when a missing tool is a failure.

mod common;

use std::process::Command;

use common::python::{output, python_with, shown};

fn docs(dir: &str) -> String {
    format!("{}/docs/testing/{dir}", env!("CARGO_MANIFEST_DIR"))
}

#[actix_web::test]
async fn the_pytest_example_passes() {
    let Some(python) = python_with("pytest") else {
        return;
    };
    let scratch = tempfile::tempdir().unwrap();
    let mut command = Command::new(python);
    command
        .args([
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            &docs("python"),
        ])
        .current_dir(scratch.path())
        .env("ATTACHE_BIN", env!("CARGO_BIN_EXE_attache"));
    let out = output(command).await;
    assert!(out.status.success(), "pytest failed\n{}", shown(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("2 passed"),
        "{}",
        shown(&out)
    );
}

#[actix_web::test]
async fn the_node_example_passes() {
    let node = Command::new("node").arg("--version").output();
    if !node.is_ok_and(|o| o.status.success()) {
        assert!(
            std::env::var_os("ATTACHE_REQUIRE_CLIENTS").is_none(),
            "node is not installed (apt-get install nodejs)"
        );
        eprintln!("SKIPPED: node is not installed");
        return;
    }
    let mut command = Command::new("node");
    command
        // The file itself: Node 18 (Debian's) expands a directory, Node 21 and later take globs.
        .args(["--test", &docs("node/attache.test.mjs")])
        .env("ATTACHE_BIN", env!("CARGO_BIN_EXE_attache"));
    let out = output(command).await;
    assert!(out.status.success(), "node --test failed\n{}", shown(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("# pass 2"),
        "{}",
        shown(&out)
    );
}
