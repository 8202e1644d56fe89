//! Reading records across links. This step holds the typed loader (SPEC §9.7); the JSON graph
//! query builds on the same two-statements-per-hop resolution.

mod loader;
