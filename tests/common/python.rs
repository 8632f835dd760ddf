//! The Python tools some tests drive (pinned in tests/clients/requirements.txt): `.ci/run`
//! installs them and sets ATTACHE_CLIENTS_PYTHON; without them those tests say they are
//! skipped, unless ATTACHE_REQUIRE_CLIENTS is set, when a missing tool is a failure.

use std::process::{Command, Output};

/// The Python that has `module`, or `None` (with a note) when the test must be skipped.
pub fn python_with(module: &str) -> Option<String> {
    let python = std::env::var("ATTACHE_CLIENTS_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let found = Command::new(&python)
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return Some(python);
    }
    if std::env::var_os("ATTACHE_REQUIRE_CLIENTS").is_some() {
        panic!("{python} cannot import {module}; install tests/clients/requirements.txt");
    }
    eprintln!("SKIPPED: {module} is not installed for {python} (pip install -r tests/clients/requirements.txt, then set ATTACHE_CLIENTS_PYTHON)");
    None
}

/// Runs `command` off the async workers (the server under test shares them) and returns its
/// output.
pub async fn output(mut command: Command) -> Output {
    actix_web::rt::task::spawn_blocking(move || command.output().expect("starting Python"))
        .await
        .unwrap()
}

/// Stdout and stderr, for a failure message.
pub fn shown(out: &Output) -> String {
    format!(
        "--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
