//! attache as a test double (`--test-mode`): what a developer testing their own integration
//! needs and no vendor's API gives them. A clean state per test (`POST /_attache/reset`, named
//! snapshots), a journal of what their code sent, the vendor's failure modes on demand (fault
//! rules, `Prefer: code=503`), and a clock they can move. Without `--test-mode` none of it
//! exists: `/_attache/` is not routed and `Prefer` headers change nothing. `--fixtures` seeds
//! the start state (`fixtures`), `--deterministic` makes ids, secrets and the clock follow a
//! seed (`deterministic`).

pub mod control;
pub mod deterministic;
pub mod faults;
pub mod fixtures;
pub mod journal;
pub mod snapshots;

use std::sync::Arc;

/// The test double's state, shared by all workers (app data, present only in test mode).
#[derive(Default)]
pub struct TestMode {
    pub journal: journal::Journal,
    pub faults: faults::Faults,
}

impl TestMode {
    pub fn new() -> Arc<TestMode> {
        Arc::new(TestMode::default())
    }
}

/// Which API a path belongs to, as the journal and fault rules name them.
pub fn dialect_of(path: &str) -> &'static str {
    if path.starts_with("/api/v2/support") {
        "hostup"
    } else if path.starts_with("/v2/servicerequest") {
        "huawei"
    } else if path.starts_with("/api/") {
        "waldur"
    } else if path.starts_with("/v1/") || path == "/v1" {
        "native"
    } else if path.starts_with("/files/") {
        "files"
    } else if path.starts_with("/_attache/") {
        "control"
    } else {
        "other"
    }
}

/// `*` matches any run of characters (slashes included), everything else itself. (A crate
/// such as globset brings character classes and alternation that a path pattern here does
/// not need, and a regex engine's build time.)
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let pieces: Vec<&str> = parts.collect();
    let Some((last, middle)) = pieces.split_last() else {
        return rest.is_empty();
    };
    for piece in middle {
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::glob_matches;

    #[test]
    fn globs_match_with_stars_anywhere() {
        assert!(glob_matches(
            "/api/v2/support/attachments",
            "/api/v2/support/attachments"
        ));
        assert!(!glob_matches(
            "/api/v2/support/attachments",
            "/api/v2/support/attachments/x"
        ));
        assert!(glob_matches("/api/*", "/api/support-issues/"));
        assert!(glob_matches(
            "*/attachments*",
            "/v1/tickets/1/attachments/2"
        ));
        assert!(glob_matches(
            "/v1/*/attachments",
            "/v1/tickets/1/attachments"
        ));
        assert!(!glob_matches("/v1/*/attachments", "/v1/tickets/1/messages"));
        assert!(glob_matches("*", ""));
        assert!(!glob_matches("/a*a", "/a"));
        assert!(glob_matches("/a*a", "/aa"));
    }
}
