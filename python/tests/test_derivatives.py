"""Exact derivatives against central finite differences of lower-order ones."""

import numpy as np
import pytest

import actbif

LAM = 0.6


@pytest.fixture(scope="module")
def setup():
    x, y = actbif.paper_data(seed=3, n=60)
    model = actbif.TwoLayer(x, y, width=3, alpha=1e-2, activation="tanh")
    rng = np.random.default_rng(0)
    theta = 0.4 * rng.standard_normal(model.n_params)
    u = rng.standard_normal(model.n_params)
    u /= np.linalg.norm(u)
    return model, theta, u


def central(f, h):
    """(f(h) − f(−h)) / 2h: error h²/6·f‴ plus rounding ε|f|/h."""
    return (f(h) - f(-h)) / (2 * h)


# Step and tolerance: with h = 1e-5 the truncation h²/6·|f‴| ~ 1e-11 and rounding
# ε·|f|/h ~ 1e-11 for the O(1) quantities here, so 1e-7 relative leaves a wide margin while
# any wrong term (an O(1) error) fails.
H = 1e-5
RTOL = 1e-7


def rel(a, b):
    return np.linalg.norm(np.ravel(a) - np.ravel(b)) / max(np.linalg.norm(np.ravel(b)), 1e-300)


def test_gradient(setup):
    model, theta, _ = setup
    n = model.n_params
    g = model.gradient(theta, LAM)
    fd = np.array(
        [central(lambda h: model.loss(theta + h * np.eye(n)[k], LAM), H) for k in range(n)]
    )
    assert rel(g, fd) <= RTOL


def test_hessian_and_hvp(setup):
    model, theta, u = setup
    n = model.n_params
    h = model.hessian(theta, LAM)
    assert h.shape == (n, n)
    fd = np.column_stack(
        [central(lambda t: model.gradient(theta + t * np.eye(n)[k], LAM), H) for k in range(n)]
    )
    assert rel(h, fd) <= RTOL
    fd_hv = central(lambda t: model.gradient(theta + t * u, LAM), H)
    assert rel(model.hvp(theta, LAM, u), fd_hv) <= RTOL


def test_grad_lambda(setup):
    model, theta, _ = setup
    fd = central(lambda t: model.gradient(theta, LAM + t), H)
    assert rel(model.grad_lambda(theta, LAM), fd) <= RTOL


def test_d3(setup):
    model, theta, u = setup
    n = model.n_params
    q = lambda t: u @ model.hvp(theta + t * u, LAM, u)  # uᵀH(θ + tu)u
    assert model.d3(theta, LAM, u) == pytest.approx(central(q, H), rel=RTOL)
    fd_vec = np.array(
        [central(lambda t: u @ model.hvp(theta + t * np.eye(n)[k], LAM, u), H) for k in range(n)]
    )
    assert rel(model.d3_vec(theta, LAM, u), fd_vec) <= RTOL


def test_d4(setup):
    model, theta, u = setup
    # d/dt D³L(θ + tu)[u, u, u]; the exact d3 is the lower-order reference.
    fd = central(lambda t: model.d3(theta + t * u, LAM, u), H)
    assert model.d4(theta, LAM, u) == pytest.approx(fd, rel=RTOL)


def test_views_are_read_without_copy_semantics_issues(setup):
    """Non-contiguous float64 views are accepted and give the same values."""
    model, theta, u = setup
    big = np.zeros(2 * model.n_params)
    big[::2] = theta
    view = big[::2]
    assert not view.flags["C_CONTIGUOUS"]
    assert np.array_equal(model.gradient(view, LAM), model.gradient(theta, LAM))
    ro = theta.copy()
    ro.setflags(write=False)
    assert model.loss(ro, LAM) == model.loss(theta, LAM)
