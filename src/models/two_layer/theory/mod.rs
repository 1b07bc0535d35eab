//! Closed forms of the paper's §7 for the two-layer model.
//!
//! * [`directional`]: H0 (15), H0,α (17), the directional-derivative formulas (27)–(30) and the
//!   reduced coefficients (25)–(26) with their term decomposition;
//! * [`linear_endpoint`]: the minimiser W0 at λ = 0 (Sylvester solution), λ1′(0) by degenerate
//!   perturbation theory and the paper's approximations (18), (22), Remark 7.8, the first-order
//!   prediction λ* ≈ α/|λ1′(0)| and the width fit λ1′(0) = K/m + K2/m².

pub mod directional;
pub mod linear_endpoint;

use serde::{Deserialize, Serialize};

/// A closed-form value with its named terms (e.g. (25): 3E\[Df·D²f\] and E\[r·D³f\]).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Decomposed {
    /// The sum of the terms.
    pub value: f64,
    /// Named terms, e.g. `("3E[Df·D2f]", 0.001)`.
    pub terms: Vec<(String, f64)>,
}

/// The paper's closed forms (25) for g_aa = D³L\[φ³\] and (26) for raw g_aaa = D⁴L\[φ⁴\].
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ClosedFormCoefficients {
    /// (25): 3E\[Df·D²f\] + E\[r·D³f\].
    pub g_aa: Decomposed,
    /// (26): 3E\[(D²f)²\] + 4E\[Df·D³f\] + E\[r·D⁴f\].
    pub g_aaa: Decomposed,
}

/// The paper's width constant K (§8: α·m* = |K|).
pub const PAPER_K: f64 = -0.0705;
