//! What a link event is: rows of one link attached or detached by one committed write. The
//! events are emitted by `events.rs`; these types sit below the registry, which holds their
//! channel.

/// How many events a slow subscriber may fall behind before it misses some.
pub(crate) const CHANNEL_CAPACITY: usize = 1024;

/// Whether rows were linked or unlinked.
///
/// Example: [more of the service](crate#more-of-the-service).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkEventKind {
    /// Rows created or revived (create, restore).
    Attached,
    /// Rows dismissed (dismiss, delete, repair).
    Detached,
}

/// One row an event is about.
///
/// Example: [more of the service](crate#more-of-the-service).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EventRow {
    /// The link row's id.
    pub id: String,
    /// The left record's id.
    pub left: String,
    /// The right record's id.
    pub right: String,
}

/// Rows of one link attached or detached by one committed write.
///
/// Example: [more of the service](crate#more-of-the-service).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LinkEvent {
    /// The link's name, e.g. `ProductBrand`.
    pub link: &'static str,
    /// Attached or detached.
    pub kind: LinkEventKind,
    /// The rows.
    pub rows: Vec<EventRow>,
}

impl LinkEvent {
    /// Medusa's event name, e.g. `ProductBrand.attached`.
    ///
    /// Example: [more of the service](crate#more-of-the-service).
    pub fn name(&self) -> String {
        let kind = match self.kind {
            LinkEventKind::Attached => "attached",
            LinkEventKind::Detached => "detached",
        };
        format!("{}.{kind}", self.link)
    }
}
