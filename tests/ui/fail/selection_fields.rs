//! A selection's fields and links checked against the model and its links: each mistake an
//! error at the name, saying the fix.
use link_runtime::{Linkable, Selection, define_link};

#[derive(Linkable)]
#[linkable(module = "shop")]
pub struct Item {
    pub id: String,
    pub title: String,
    pub price: i64,
}

#[derive(Linkable)]
#[linkable(module = "maker")]
pub struct Maker {
    pub id: String,
    pub name: String,
}

define_link! {
    pub ItemMaker: Item [is_list] => Maker,
}

#[derive(Selection)]
#[selection(model = Maker)]
struct MakerName {
    id: String,
    name: String,
}

#[derive(Selection)]
#[selection(model = Item)]
struct ItemTitle {
    id: String,
    title: String,
}

#[derive(Selection)]
#[selection(model = Item)]
struct Card {
    id: String,
    // A typo: rustc suggests the field.
    titel: String,
    // The wrong type for the field.
    price: String,
    // No link of Item is called so.
    #[selection(link)]
    makers: Option<MakerName>,
}

#[derive(Selection)]
#[selection(model = Item)]
struct WrongShapes {
    id: String,
    // An item has one maker: not a list.
    #[selection(link)]
    maker: Vec<MakerName>,
}

#[derive(Selection)]
#[selection(model = Maker)]
struct WrongTarget {
    id: String,
    // A maker's items, read as makers.
    #[selection(link)]
    items: Vec<MakerName>,
}

#[derive(Selection)]
#[selection(model = Item)]
struct PagedOne {
    id: String,
    // Only a list side can be paged.
    #[selection(link, take = 2)]
    maker: Option<MakerName>,
}

#[derive(Selection)]
#[selection(model = Maker)]
struct NotASelection {
    id: String,
    #[selection(link)]
    items: Vec<String>,
}

fn main() {
    let _ = ItemTitle { id: String::new(), title: String::new() };
}
