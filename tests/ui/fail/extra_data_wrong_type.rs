//! Extra-column data of the wrong type, and a column the link does not have.
use link_tests::links::*;

fn main() {
    let _wrong_type = product_brand::Data::default().featured("yes");
    let _unknown = product_brand::Data::default().colour("red".to_string());
}
