//! The paper's printed constants of B.6 (Remark 7.16 / (40)), shared by the B.6 table
//! ([`super::exp6_constants`]) and its Fig. 5 bars ([`super::exp6_fig5`]).

use serde::Serialize;

/// The paper's printed values of Remark 7.16 / (40) (transcribed, not computed).
#[derive(Clone, Debug, Serialize)]
pub struct PaperConstants {
    /// λ* ≈ 0.72.
    pub lambda_star: f64,
    /// g_aa = −0.0028 with terms 3E[Df·D²f] = 0.0010, E[r·D³f] = −0.0038.
    pub g_aa: (f64, [f64; 2]),
    /// g_aaa = 0.622 with terms 0.552, −0.002, 0.072.
    pub g_aaa: (f64, [f64; 3]),
    /// |g_aa/g_aaa| = 0.0045.
    pub ratio: f64,
    /// FD relative errors claimed: 0.3 % (g_aa), 0.004 % (g_aaa).
    pub fd_rel_err: (f64, f64),
}

/// The paper's printed constants.
pub const PAPER: PaperConstants = PaperConstants {
    lambda_star: 0.72,
    g_aa: (-0.0028, [0.0010, -0.0038]),
    g_aaa: (0.622, [0.552, -0.002, 0.072]),
    ratio: 0.0045,
    fd_rel_err: (3e-3, 4e-5),
};
