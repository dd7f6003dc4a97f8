//! The Linq client: the only place that speaks HTTP to Linq.

pub mod client;
pub mod error;
pub mod model;

pub use client::{ApiKey, ClientConfig, LinqClient, Probe, RawList, Renewal};
pub use error::ApiError;
pub use model::*;
