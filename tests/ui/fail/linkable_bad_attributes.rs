//! Every mistake of one #[derive(Linkable)] input is reported at once, each at its token.
use link_runtime::Linkable;

#[derive(Linkable)]
#[linkable(modul = "cms", primary_key = "slug")]
pub struct Page {
    pub id: String,
    pub title: String,
}

#[derive(Linkable)]
#[linkable(module = "cms")]
pub struct Untitled(String);

#[derive(Linkable)]
#[linkable(module = "cms")]
pub enum Kind {
    A,
}

#[derive(Linkable)]
pub struct NoModule {
    pub id: String,
}

#[derive(Linkable)]
#[linkable(module = "cms")]
pub struct NoKey {
    pub title: String,
}

#[derive(Linkable)]
#[linkable(module = "my-blog", name = "blogPost")]
pub struct Post {
    pub id: String,
}

fn main() {}
