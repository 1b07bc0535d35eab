//! Output helpers of the experiments: atomic writes and the markdown table (re-exported from
//! [`crate::io`] and [`crate::report`]; figures are built with the `report` types directly,
//! see `experiments::common::series` and `LossContour`).

pub use crate::io::{write_atomic, write_json_atomic};
pub use crate::report::Table;
