-- What the nodes of one install share when its metadata is in PostgreSQL (several nodes behind
-- one address): the keys that sign download URLs, server secrets (the one Huawei-style secret
-- keys are derived from), and the signatures of AK/SK-signed requests already served, so that
-- a request replayed to another node is refused too. A single node on SQLite keeps its keys in
-- the files of its data directory (`signing-keys`, `aksk-secret`) and the signatures it has
-- seen in memory, and leaves these tables empty; `attache migrate-db` copies the files here.
CREATE TABLE signing_keys (
    seq        INTEGER PRIMARY KEY,
    kid        TEXT NOT NULL UNIQUE,
    secret     BLOB NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE server_secrets (
    name   TEXT PRIMARY KEY,
    secret BLOB NOT NULL
);
CREATE TABLE seen_signatures (
    signature  BLOB PRIMARY KEY,
    expires_at TEXT NOT NULL
);
CREATE INDEX seen_signatures_by_expiry ON seen_signatures (expires_at);
