//! A selection reads its model's key (the graph always does), and names its model.
use link_runtime::{Linkable, Selection};

#[derive(Linkable)]
#[linkable(module = "shop")]
pub struct Item {
    pub id: String,
    pub title: String,
}

#[derive(Selection)]
#[selection(model = Item)]
struct NoKey {
    title: String,
}

#[derive(Selection)]
struct NoModel {
    id: String,
}

#[derive(Selection)]
#[selection(model = Item, modle = Item)]
struct Typo {
    id: String,
    #[selection(take = 3)]
    title: String,
}

fn main() {}
