//! Closed forms of the paper's §7 for the two-layer model: H0 (15), H0,α (17), W0 (Sylvester),
//! λ1′(0) (18)/(22), the directional-derivative formulas (27)–(30) and (25)–(26).
