//! # actbif
//!
//! Exact bifurcation analysis of neural-network loss landscapes under the activation
//! homotopy h(z, λ) = (1 − λ)z + λσ(z).
//!
//! At λ = 0 the network is linear and, with Tikhonov regularisation, its loss has a unique
//! minimum; at λ = 1 it is the nonlinear network. actbif follows the branch of critical points
//! that starts at that minimum, finds where its Hessian becomes singular, and classifies each
//! such point by its Lyapunov–Schmidt (normal-form) coefficients. Every derivative is exact
//! (closed forms or forward-mode automatic differentiation, to machine precision), and the
//! branch is followed by pseudo-arclength continuation, which passes through folds. The
//! paper's own method (finite differences, L-BFGS on a λ grid) is implemented alongside for
//! comparison.
//!
//! What exact computation shows for the paper's Appendix B model (m = 10, α = 4e-3) — run
//! `cargo run --release --example quickstart` — is a *fold*: the minimum branch reaches a
//! saddle-node at λ* ≈ 0.7501 (g_µ ≠ 0), turns back as an index-1 saddle to a second fold at
//! λ ≈ 0.0743, and becomes a second minimum that reaches λ = 1 (hysteresis). It does not
//! persist through a branch point, which the paper's analysis assumes.
//!
//! # The paper's notation in this crate
//!
//! | paper | crate |
//! |---|---|
//! | h(z, λ) = (1 − λ)z + λσ(z) (12) | [`activation::homotopy`] |
//! | σ with σ(0) = 0, σ′(0) = 1 | [`activation::Activation`], [`activation::Builtin`] (tanh, erf, softplus, sigmoid) |
//! | the network (12) with loss (13) and Tikhonov term (16), v fixed | [`models::two_layer::TwoLayer`] ([`models::two_layer::TwoLayer::paper`]: Appendix B) |
//! | Appendix B data | [`data::paper_teacher`], [`data::paper_output_weights`]; your own: [`data::load`] |
//! | L(θ, λ) and its derivatives | the [`Objective`] trait: [`models::two_layer::TwoLayer`] (structured, fast), [`derivatives::ad::AdObjective`] (any [`derivatives::ad::GenericLoss`]), [`derivatives::finite_diff`] (the paper's stencils) |
//! | H0 (15), H0,α (17) | [`models::two_layer::theory::directional::h0`], [`models::two_layer::theory::directional::h0_alpha`] |
//! | W0 = W0(0), the λ = 0 minimum (Prop 7.9) | [`models::two_layer::theory::linear_endpoint::w0`] (exact), [`models::two_layer::theory::linear_endpoint::w0_approx`] (the paper's α → 0 form) |
//! | λ1′(0) (18), (22); λ* ≈ α/\|λ1′(0)\| (19); K (23) | [`models::two_layer::theory::linear_endpoint::lambda1_prime`] ([`models::two_layer::theory::linear_endpoint::EndpointSlope`]), [`models::two_layer::theory::linear_endpoint::first_order_lambda_star`], [`models::two_layer::theory::linear_endpoint::fit_width_constant`] |
//! | the branch W0(λ) (Thm 7.6 (ii)) | [`continuation::trace`] → [`continuation::Branch`] (the paper's method: [`continuation::trace_paper`]) |
//! | λ*, θ* = W0(λ*) and the kernel vector v0 | [`continuation::Event`] (`lambda`, `theta`, `kernel`) |
//! | g_µ, g_aµ, g_aa, g_aaa (Lyapunov–Schmidt) | [`normal_form::coefficients`] → [`normal_form::Coefficients`], [`normal_form::Classification`] |
//! | (24)–(26) and (27)–(30) | [`models::two_layer::theory::directional::closed_form_coefficients`], [`models::two_layer::theory::directional::faa_di_bruno`] |
//! | a deeper network | [`models::deep::ThreeLayer`], [`models::deep::FixedSecondLayer`] (`examples/deep_network.rs`) |
//!
//! θ = vec(W) row-major (θ\[j·d + k\] = W\[j, k\]). The paper's v0 is called φ in
//! [`normal_form`]; its g_aaa (26) is the raw D⁴L\[φ⁴\], reported next to the reduced
//! coefficient (with the ψ20 correction) that decides the normal form.
//!
//! # Quick path
//!
//! Trace the paper's model at width m = 3 from its λ = 0 minimum to λ = 1 (for this width the
//! branch stays a minimum: no events). `examples/quickstart.rs` does the same for m = 10 from
//! a `.npy` file and prints the events and their coefficients.
//!
//! ```
//! use actbif::continuation::{trace, ContinuationParams, Status};
//! use actbif::models::two_layer::TwoLayer;
//! use actbif::models::two_layer::theory::linear_endpoint::w0;
//!
//! let model = TwoLayer::paper(3)?; // d = 5, N = 500, α = 4e-3, tanh
//! let theta0 = w0(&model)?.into_iter().collect::<ndarray::Array1<f64>>();
//! let branch = trace(&model, theta0.view(), 0.0, &ContinuationParams::default())?;
//! assert_eq!(branch.status, Status::ReachedLambdaMax);
//! assert!(branch.points.iter().all(|p| p.grad_norm <= 1e-12));
//! assert!(branch.events.is_empty());
//! // At width 10 there are events; each one's coefficients (g_µ, g_aa, ...) and normal form:
//! // actbif::normal_form::coefficients(&model, &branch.events[0], None, &Default::default())?
//! # Ok::<(), actbif::Error>(())
//! ```
//!
//! # Your own model
//!
//! Write the loss once, generic over `num_dual::DualNum`, as a
//! [`derivatives::ad::GenericLoss`] (see its pitchfork example); [`derivatives::ad::AdObjective`]
//! then provides every exact derivative, and everything above works unchanged. For example, a
//! single tanh unit with a bias, f(x) = h(wx + b, λ), on the B.1 toy data:
//!
//! ```
//! use actbif::activation::{homotopy, Builtin};
//! use actbif::continuation::{newton_critical_point, trace, ContinuationParams, Status};
//! use actbif::data::{toy, Dataset};
//! use actbif::derivatives::ad::{AdObjective, GenericLoss};
//! use num_dual::DualNum;
//!
//! struct Unit {
//!     data: Dataset,
//!     alpha: f64,
//! }
//!
//! impl GenericLoss for Unit {
//!     fn dim(&self) -> usize {
//!         2 // θ = (w, b)
//!     }
//!     fn loss<D: DualNum<Primitive = f64>>(&self, theta: &[D], lambda: D) -> D {
//!         let mut total = D::from(0.0);
//!         for (x, y) in self.data.x.column(0).iter().zip(&self.data.y) {
//!             let z = theta[0].clone() * *x + theta[1].clone();
//!             let r = homotopy(&Builtin::Tanh, z, lambda.clone()) - *y;
//!             total += r.clone() * r;
//!         }
//!         let reg = theta[0].clone().powi(2) + theta[1].clone().powi(2);
//!         total * (0.5 / self.data.n_samples() as f64) + reg * (0.5 * self.alpha)
//!     }
//! }
//!
//! let obj = AdObjective(Unit { data: toy(42, 200), alpha: 1e-2 });
//! // L(·, 0) is a ridge regression: Newton from zero finds its minimum.
//! let theta0 = newton_critical_point(&obj, ndarray::Array1::zeros(2).view(), 0.0, 1e-13)?;
//! let branch = trace(&obj, theta0.view(), 0.0, &ContinuationParams::default())?;
//! assert_eq!(branch.status, Status::ReachedLambdaMax);
//! assert!(branch.points.iter().all(|p| p.grad_norm <= 1e-12));
//! # Ok::<(), actbif::Error>(())
//! ```
//!
//! A network-sized example is [`models::deep::FixedSecondLayer`] (a three-layer network written
//! the same way) and `examples/deep_network.rs`, which traces it and classifies its folds.
#![warn(missing_docs)]

// Layers, top to bottom; a module uses only modules above it (checked by tests/layering.rs).
// Layers, top to bottom; a module uses only modules above it (checked by tests/layering.rs).
pub mod activation;
pub mod app;
pub mod continuation;
pub mod data;
pub mod derivatives;
pub mod diagram;
pub mod error;
pub mod experiments;
pub mod hessian;
pub mod io;
pub mod linalg;
pub mod models;
pub mod normal_form;
pub mod report;

pub use derivatives::Objective;
pub use error::{Error, Result};

/// README.md's Rust examples compile as doctests (so the README cannot drift from the API).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
