//! Lyapunov–Schmidt coefficients at a located event and normal-form classification.
//!
//! At an event (θ*, λ*) with unit kernel vector φ of the symmetric Hessian H, write
//! θ = θ* + aφ + w(a, µ), w ⟂ φ, λ = λ* + µ, and let w solve the range equation
//! (I − φφᵀ)∇L = 0. The reduced equation g(a, µ) = φᵀ∇L(θ* + aφ + w(a, µ), λ* + µ) has
//!
//! * g_µ = φᵀ∂λ∇L (the imperfection: g_µ ≠ 0 makes the event a fold),
//! * g_aµ = φᵀ(∂λH)φ + D³L\[φ, φ, ψ01\], with Hψ01 = −(I − φφᵀ)∂λ∇L, ψ01 ⟂ φ,
//! * g_aa = D³L\[φ³\],
//! * g_aaa = D⁴L\[φ⁴\] + 3D³L\[φ, φ, ψ20\], with Hψ20 = −(I − φφᵀ)D³L\[φ, φ, ·\], ψ20 ⟂ φ.
//!
//! The paper's (26) drops the ψ20 term ("raw" g_aaa = D⁴L\[φ⁴\]); it is exact only when
//! D³L\[φ, φ, ·\] is parallel to φ. Both are reported. The ψ's come from the bordered system
//! \[H φ; φᵀ 0\], which is regular at a simple kernel.
//!
//! [`potential`] holds the paper's reduced-potential slices and polynomial fits (B.2, B.3).

pub mod potential;

pub use potential::{
    fit_polynomial, potential_slices, transversality, PolyBasis, PolyFit, PotentialSlice,
    PotentialSlices, TransversalityFit,
};

mod branch_check;
mod classify;
mod compute;
mod raw;
mod types;

pub use branch_check::{branch_check, branch_check_with, BranchCheck, BranchCheckOptions};
pub use compute::{coefficients, coefficients_with};
pub(crate) use raw::event_point;
pub use types::{
    Classification, ClosedForm, CoefficientOptions, Coefficients, Smallness, ThreeWay,
};
