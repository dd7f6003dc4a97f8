//! Changing subscriptions as a whole: secret rotation (issue 20).

pub mod rotate;
