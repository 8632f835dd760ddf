//! The value types every layer shares: the records the core works with and the store returns,
//! a content hash, and an upload staged on disk. A leaf: it imports nothing from `core`,
//! `upload` or `store`, so each of them may import it without a cycle.

mod content;
mod email;
mod event;
mod model;
mod status;
pub mod time;

pub use content::{Sha256, StagedUpload};
pub use email::{CcAddresses, CcProblem, EmailAddress};
pub use event::{Contact, EventKind, TicketEvent};
pub use model::*;
pub use status::Status;
pub use time::{format_time, freeze_clock, now, Timestamp};
