//! Subscriptions as a file: `export` writes the account as a document, `plan` compares a
//! document with an account (pure), `apply` makes the plan's changes through the client,
//! four at a time, audited. A plan is data that the CLI prints and the dashboard can show.
//! `rotate` replaces a subscription's signing secret without losing an event.

pub mod apply;
pub mod check;
pub mod document;
pub mod export;
pub mod export_file;
pub mod order;
pub mod plan;
pub mod rotate;
