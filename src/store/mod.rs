//! Everything that touches the disk: SQLite (`db`, `sql`), blob files (`blobs`) and the signing
//! key file (`signing_keys`). SQL lives only below this module.

pub mod blobs;
pub mod database;
pub mod db;
pub mod duty;
pub mod migrate;
pub mod notices;
pub mod signing_keys;
pub mod sql;

pub use blobs::Blobs;
pub use database::Database;
pub use db::Db;
