//! Finite-difference baselines (the paper's method): forward-difference Hessian of the
//! analytic gradient (ε = 1e-5), central differences, and the third/fourth-order stencils.
//! For comparison and benchmarking only.

/// The paper's forward-difference step ε = 1e-5.
pub const PAPER_FD_STEP: f64 = 1e-5;
