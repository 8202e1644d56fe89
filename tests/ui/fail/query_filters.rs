//! `query!`'s filters and order checked against the models and links: unknown fields, fields
//! the link does not declare filterable, read-only links, order through a list, values of the
//! wrong type, `like` on a number.
use link_runtime::{Linkable, Selection, define_link, query};

#[derive(Linkable)]
#[linkable(module = "shop")]
pub struct Item {
    pub id: String,
    pub title: String,
    pub price: i64,
    pub maker_id: Option<String>,
}

#[derive(Linkable)]
#[linkable(module = "maker")]
pub struct Maker {
    pub id: String,
    pub name: String,
    pub country: String,
}

define_link! {
    pub ItemMaker: Item [is_list] => Maker [filterable(name)],
}

define_link! {
    pub ItemOrigin: Item [field = maker_id] => Maker [alias = "origin"],
    read_only,
}

#[derive(Selection)]
#[selection(model = Item)]
struct ItemTitle {
    id: String,
    title: String,
}

#[derive(Selection)]
#[selection(model = Maker)]
struct MakerName {
    id: String,
    name: String,
}

fn main() {
    // Unknown field: rustc's "did you mean".
    let _ = query!(ItemTitle, filter = titel == "x");
    // Unknown link.
    let _ = query!(ItemTitle, filter = makr.name == "x");
    // A field the link does not declare filterable.
    let _ = query!(ItemTitle, filter = maker.country == "x");
    // Through a read-only link.
    let _ = query!(ItemTitle, filter = origin.name == "x");
    // Order through a list side.
    let _ = query!(MakerName, order = [items.id]);
    // A string for an integer field.
    let _ = query!(ItemTitle, filter = price == "10");
    // `like` on a number.
    let _ = query!(ItemTitle, filter = price.like("1%"));
    // Not a filter.
    let _ = query!(ItemTitle, filter = title.starts_with("x"), sort = [title]);
}
