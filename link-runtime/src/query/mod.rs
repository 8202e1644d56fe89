//! Reading records across links (SPEC §9).
//!
//! - [`Links::graph`](crate::Links::graph) answers a [`GraphQuery`] with JSON records and their
//!   linked records nested under each link's name, in a fixed number of statements.
//! - The typed loader ([`Links::load_right`](crate::Links::load_right),
//!   [`Links::load_left`](crate::Links::load_left),
//!   [`Links::load_read_only`](crate::Links::load_read_only)) gives Rust callers their models
//!   grouped per parent.
//! - Typed queries ([`Selection`], [`Query`], [`query!`](crate::query!)) read the same graph
//!   into Rust structs whose fields, links, filters and order the compiler checks.
//! - [`ExternalModels`] serves records that live outside our databases.

pub(crate) mod filter;
mod graph;
mod loader;
pub(crate) mod paths;
mod request;
pub(crate) mod typed;

pub use crate::external::{BoxError, ExternalModels, ListRequest};
#[doc(hidden)]
pub use crate::source::{EntitySource, RecordSource};
pub use paths::AllowList;
pub use request::{Graph, GraphQuery, Page, PageInfo};
pub use typed::{Cond, Paged, Query, Selection};
