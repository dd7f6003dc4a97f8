//! Screen geometry: computed in `app::geometry` (the app pages and hit-tests with it, and
//! `app` never imports `ui`); drawing takes it from there.

pub use crate::app::geometry::{areas, banner_rows, list_rows_area, Areas};
