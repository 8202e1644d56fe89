//! A link's own columns in typed selections and queries: each mistake an error at the name,
//! saying the fix.
use link_runtime::{Linkable, Selection, define_link, query};

#[derive(Linkable)]
#[linkable(module = "shop")]
pub struct Item {
    pub id: String,
    pub title: String,
}

#[derive(Linkable)]
#[linkable(module = "tagging")]
pub struct Tag {
    pub id: String,
    pub label: String,
}

define_link! {
    pub ItemTag: Item [is_list] => Tag [is_list],
    extra_columns { weight: f64 = 1.0, label: Option<String> },
}

define_link! {
    pub ItemTopTag: Item => Tag [alias = "top_tag"],
    extra_columns { rank: i32 = 0 },
}

/// The column's type is `f64`.
#[derive(Selection)]
#[selection(model = Tag, through = ItemTag)]
struct WrongType {
    id: String,
    #[selection(link_column)]
    weight: f32,
}

/// No such column: rustc's own "no field", with the columns it has.
#[derive(Selection)]
#[selection(model = Tag, through = ItemTag)]
struct Misspelled {
    id: String,
    #[selection(link_column)]
    wieght: f64,
}

/// A link column without the link it is read from.
#[derive(Selection)]
#[selection(model = Tag)]
struct NoThrough {
    id: String,
    #[selection(link_column)]
    weight: f64,
}

/// `label` is a field of the tag too, and the tag's field wins.
#[derive(Selection)]
#[selection(model = Tag, through = ItemTag)]
struct Shadowed {
    id: String,
    #[selection(link_column)]
    label: Option<String>,
}

#[derive(Selection)]
#[selection(model = Tag, through = ItemTopTag)]
struct RankedTag {
    id: String,
    #[selection(link_column)]
    rank: i32,
}

/// A selection reading `ItemTopTag`'s columns, under a field of `ItemTag`.
#[derive(Selection)]
#[selection(model = Item)]
struct WrongLink {
    id: String,
    #[selection(link = ItemTag)]
    tags: Vec<RankedTag>,
}

#[derive(Selection)]
#[selection(model = Item)]
struct ItemId {
    id: String,
}

/// A row of the item–tag table, read from the link's entry point.
#[derive(Selection)]
#[selection(model = item_tag::Model)]
struct ItemTagRow {
    id: String,
    left: String,
    weight: f64,
}

fn main() {
    // A selection read through a link, as a query's root.
    let _ = query!(RankedTag);
    // A row's sides are read, not filtered through: its key column is.
    let _ = query!(ItemTagRow, filter = item.title == "Shirt");
    // A link column at the root, which no link row reached.
    let _ = query!(ItemId, filter = link.weight > 1.0);
    // A misspelled column through a link.
    let _ = query!(ItemId, filter = tags.link.wieght > 1.0);
    // A value of the wrong type for the column.
    let _ = query!(ItemId, filter = top_tag.link.rank == "first");
}
