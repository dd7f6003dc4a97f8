//! linq-hooks: a terminal dashboard for Linq webhook subscriptions, and a Linq-compatible
//! sandbox server to run it (and its tests) against.

pub mod api;
pub mod app;
pub mod audit;
pub mod cli;
pub mod clipboard;
pub mod config;
pub mod diagnose;
pub mod evidence;
pub mod fleet;
pub mod interrupt;
pub mod lifecycle;
pub mod local_time;
pub mod logging;
pub mod payload;
pub mod private_files;
pub mod runtime;
pub mod sandbox;
pub mod signature;
pub mod terminal;
pub mod text;
pub mod ui;
pub mod validate;
