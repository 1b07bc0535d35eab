"""solver="matrix-free": the Woodbury/Krylov path of the engine, from Python, against the dense
path on the paper model (an independent linear-algebra path for the same equations)."""

import json

import actbif

# Both paths locate the fold to rounding (residual ~1e-15) on the same defining system; the
# Rust agreement test uses the same 1e-10 bound.
EVENT_TOL = 1e-10
# Coefficients: Krylov solves at relative tolerance ~1e-10 enter ψ01, ψ20 linearly.
COEFF_RTOL = 1e-8


def test_matrix_free_matches_dense_at_m10():
    model = actbif.TwoLayer.paper(10)
    dense = model.trace(progress=False, solver="dense")
    mf = model.trace(progress=False, solver="matrix-free")
    assert mf.status == "reached_lambda_max"
    assert [e.kind for e in mf.events] == [e.kind for e in dense.events] == ["fold", "fold"]
    for a, b in zip(mf.events, dense.events):
        assert abs(a.lambda_star - b.lambda_star) <= EVENT_TOL
    ca, cb = mf.coefficients(0), dense.coefficients(0)
    # g_aa changes sign with the orientation of φ, which each path fixes on its own.
    assert abs(abs(ca.g_aa) - abs(cb.g_aa)) <= COEFF_RTOL * abs(cb.g_aa)
    assert json.loads(mf.to_json())["solver"] == "matrix_free"
    assert json.loads(dense.to_json())["solver"] == "dense"
