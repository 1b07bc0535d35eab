//! # actbif
//!
//! Exact bifurcation analysis of neural-network loss landscapes under the activation
//! homotopy h(z, λ) = (1 − λ)z + λσ(z).
#![warn(missing_docs)]

pub mod activation;
pub mod continuation;
pub mod data;
pub mod deep;
pub mod derivatives;
pub mod error;
pub mod experiments;
pub mod linalg;
pub mod model;
pub mod normal_form;
pub mod report;
pub mod theory;

pub use derivatives::Objective;
pub use error::{Error, Result};
