//! The column-by-column access a link table's generated sea-orm entity delegates to.
//!
//! `define_link!` writes the entity's `Model` and `ActiveModel` with named fields, so users build
//! and read them as they would any sea-orm entity's. It implements sea-orm's `ModelTrait` and
//! `ActiveModelTrait` by handing the field a column names to these traits as a `&dyn`, instead
//! of a `match` per method as sea-orm's derives write it: the code below is compiled once per
//! column type, not once per link, and a link expands to a fraction of the code.

use sea_orm::sea_query::ValueType;
use sea_orm::{ActiveValue, DbErr, Value};

/// A field of a link table's `Model`, reached by column.
pub trait ModelField {
    /// The field's value (`ModelTrait::get`).
    fn value(&self) -> Value;
    /// Writes `value` if it has the field's type (`ModelTrait::try_set`).
    fn try_set(&mut self, value: Value) -> Result<(), DbErr>;
}

impl<T> ModelField for T
where
    T: Into<Value> + ValueType + Clone,
{
    fn value(&self) -> Value {
        self.clone().into()
    }

    fn try_set(&mut self, value: Value) -> Result<(), DbErr> {
        *self = typed(value)?;
        Ok(())
    }
}

/// A field of a link table's `ActiveModel`, reached by column: each method is the
/// `ActiveModelTrait` method of the same name, for one column.
pub trait ActiveField {
    /// Takes the value, leaving the field `NotSet`.
    fn take(&mut self) -> ActiveValue<Value>;
    /// The value, with its state.
    fn get(&self) -> ActiveValue<Value>;
    /// Sets `value` unless it equals the current one. Panics if `value` has another type, as
    /// sea-orm's `ActiveModelTrait::set` documents.
    fn set_if_not_equals(&mut self, value: Value);
    /// Sets `value` if it has the field's type.
    fn try_set(&mut self, value: Value) -> Result<(), DbErr>;
    /// Makes the field `NotSet`.
    fn not_set(&mut self);
    /// Whether the field is `NotSet`.
    fn is_not_set(&self) -> bool;
    /// Marks an `Unchanged` value `Set`.
    fn reset(&mut self);
}

impl<T> ActiveField for ActiveValue<T>
where
    T: Into<Value> + ValueType + Clone + PartialEq,
{
    fn take(&mut self) -> ActiveValue<Value> {
        std::mem::replace(self, ActiveValue::NotSet).into_wrapped_value()
    }

    fn get(&self) -> ActiveValue<Value> {
        self.clone().into_wrapped_value()
    }

    fn set_if_not_equals(&mut self, value: Value) {
        ActiveValue::set_if_not_equals(self, value.unwrap());
    }

    fn try_set(&mut self, value: Value) -> Result<(), DbErr> {
        *self = ActiveValue::Set(typed(value)?);
        Ok(())
    }

    fn not_set(&mut self) {
        *self = ActiveValue::NotSet;
    }

    fn is_not_set(&self) -> bool {
        ActiveValue::is_not_set(self)
    }

    fn reset(&mut self) {
        ActiveValue::reset(self);
    }
}

/// The value of an `ActiveModel` field that converting it into a `Model` needs, or sea-orm's
/// `AttrNotSet` error naming the field.
pub fn required<T: Into<Value>>(value: ActiveValue<T>, field: &str) -> Result<T, DbErr> {
    match value {
        ActiveValue::Set(value) | ActiveValue::Unchanged(value) => Ok(value),
        ActiveValue::NotSet => Err(DbErr::AttrNotSet(field.to_owned())),
    }
}

fn typed<T: ValueType>(value: Value) -> Result<T, DbErr> {
    T::try_from(value).map_err(|err| DbErr::Type(err.to_string()))
}
