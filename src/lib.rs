//! linq-hooks: a terminal dashboard for Linq webhook subscriptions, and a Linq-compatible
//! sandbox server to run it (and its tests) against.

pub mod api;
pub mod sandbox;
pub mod text;
