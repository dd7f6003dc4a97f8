//! The Linq client: the only place that speaks HTTP to Linq.

pub mod client;
pub mod error;
pub mod key;
pub mod model;

pub use client::{
    body_digest, first_rows, start_readers, ClientConfig, FirstRows, FirstScreen, LinqClient,
    Listed, Probe, RawList, Renewal,
};
pub use error::ApiError;
pub use key::ApiKey;
pub use model::*;
