#!/usr/bin/env python3
"""Writes tests/fixtures/numpy_stream.json: reference values of numpy's *legacy* random
stream (np.random.seed / random_sample / randn) and of the paper's data recipes.

Run once from the crate root:  python3 scripts/make_numpy_fixture.py
Floats are stored as repr() strings (shortest round-trip form) so that the Rust test can
parse them exactly with str::parse::<f64> and compare bit for bit.
"""
import json
import pathlib

import numpy as np

W_LINEAR = np.array([1.0, 0.5, -0.3, 0.2, -0.1])
W_NONLINEAR = np.array([0.3, -0.7, 0.5, -0.2, 0.4])


def s(a):
    """Nested lists of repr strings."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        return repr(float(a))
    return [s(v) for v in a]


def paper(seed=77, n=500, d=5):
    np.random.seed(seed)
    X = np.random.randn(n, d)
    eps = np.random.randn(n)
    y = X @ W_LINEAR + 0.4 * np.tanh(1.5 * (X @ W_NONLINEAR)) + 0.05 * eps
    return X, eps, y


def toy(seed=42, n=2000):
    np.random.seed(seed)
    x = np.random.randn(n, 1)
    eps = np.random.randn(n)
    y = np.tanh(1.5 * x[:, 0]) + 0.02 * eps
    return x, eps, y


def main():
    out = {"numpy_version": np.__version__}

    np.random.seed(77)
    out["randn_seed77"] = s(np.random.randn(41))  # odd count: ends on a fresh pair
    np.random.seed(77)
    out["random_sample_seed77"] = s(np.random.random_sample(20))
    out["random_sample_by_seed"] = {}
    for seed in (0, 1, 4294967295):
        np.random.seed(seed)
        out["random_sample_by_seed"][str(seed)] = s(np.random.random_sample(5))
    # The cached second Gaussian survives an interleaved uniform draw.
    np.random.seed(77)
    g1 = np.random.randn()
    u = np.random.random_sample()
    g2 = np.random.randn()
    g3 = np.random.randn()
    out["mixed_seed77"] = {"randn_1": s(g1), "uniform": s(u), "randn_2": s(g2), "randn_3": s(g3)}

    X, eps, y = paper()
    out["paper"] = {
        "seed": 77, "n": 500,
        "x_head": s(X[:5]), "x_tail": s(X[-5:]),
        "eps_head": s(eps[:5]),
        "y_head": s(y[:5]), "y_tail": s(y[-5:]),
    }
    x, eps, y = toy()
    out["toy"] = {
        "seed": 42, "n": 2000,
        "x_head": s(x[:5]), "x_tail": s(x[-5:]),
        "eps_head": s(eps[:5]),
        "y_head": s(y[:5]), "y_tail": s(y[-5:]),
    }

    path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "numpy_stream.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
