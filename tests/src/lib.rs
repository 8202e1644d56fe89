//! Fixtures shared by the workspace's integration tests: data models of several modules, links
//! of every cardinality, and an isolated database per test on each backend.

pub mod cascade;
pub mod db;
pub mod links;
pub mod models;
pub mod plans;

pub use db::{Backend, TestDb, test_databases};
