//! Lyapunov–Schmidt coefficients at a located event and normal-form classification.
