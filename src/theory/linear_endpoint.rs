//! The linear endpoint λ = 0: W0, λ1′(0) and the width-scaling fit.
