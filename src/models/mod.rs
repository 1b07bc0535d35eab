//! Model families, one folder (or file) each: the loss definition, its structured derivatives
//! and its closed forms. Each implements [`crate::Objective`] (directly, or through
//! [`crate::derivatives::ad::GenericLoss`] and [`crate::derivatives::ad::AdObjective`]).

pub mod deep;
pub mod mlp;
pub mod two_layer;
pub mod two_layer_trained;
