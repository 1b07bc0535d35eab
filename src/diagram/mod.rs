//! Whole bifurcation diagrams: every branch of critical points of L(·, λ) on a λ window, not
//! only the one from the λ = 0 start.
//!
//! Branches come from the λ = 0 start, from branch switching at located branch points
//! ([`switch`]: simple kernels by the reduced equation; multi-dimensional kernels by the
//! reduced map on the kernel, [`reduced`]), from many-start training, from deflated Newton
//! ([`deflation`]) and from a user's points. Each is followed both ways in λ; a census per λ
//! ([`census`]) counts the critical points by Morse index and checks Σ(−1)ᵏcₖ = 1. Branches
//! related by a symmetry of the model ([`symmetry`]) are reported as one orbit.

pub mod deflation;
pub mod reduced;
pub mod symmetry;
