"""actbif.Mlp: derivatives against finite differences, the depth-2 network against TwoLayer
(an independent code path), its branch, and its bad-input errors."""

import numpy as np
import pytest

import actbif

LAM = 0.6
# Central differences with h = 1e-5 on O(1) quantities: truncation h²/6·|f‴| ~ 1e-11 and
# rounding ε|f|/h ~ 1e-11, so 1e-7 relative passes any correct term and fails a wrong one.
H = 1e-5
RTOL = 1e-7
# Two independent exact codes for the same loss differ only by rounding: O(n·ε) relative.
SAME_RTOL = 1e-12


def rel(a, b):
    return np.linalg.norm(np.ravel(a) - np.ravel(b)) / max(np.linalg.norm(np.ravel(b)), 1e-300)


@pytest.fixture(scope="module")
def deep():
    x, y = actbif.paper_data(seed=5, n=40)
    model = actbif.Mlp(x, y, layers=[5, 4, 3, 1], trained=[0, 1], alpha=1e-2)
    rng = np.random.default_rng(1)
    theta = 0.3 * rng.standard_normal(model.n_params)
    u = rng.standard_normal(model.n_params)
    return model, theta, u / np.linalg.norm(u)


def test_shapes_and_repr(deep):
    model, _, _ = deep
    assert model.layers == [5, 4, 3, 1]
    assert model.trained == [0, 1]
    assert model.n_params == 5 * 4 + 4 * 3
    assert "Mlp(layers=[5, 4, 3, 1]" in repr(model)


def test_gradient_hvp_d3_d4_against_fd(deep):
    model, theta, u = deep
    n = model.n_params
    e = np.eye(n)
    g = model.gradient(theta, LAM)
    fd_g = np.array(
        [(model.loss(theta + H * e[k], LAM) - model.loss(theta - H * e[k], LAM)) / (2 * H) for k in range(n)]
    )
    assert rel(g, fd_g) <= RTOL
    hu = model.hvp(theta, LAM, u)
    fd_hu = (model.gradient(theta + H * u, LAM) - model.gradient(theta - H * u, LAM)) / (2 * H)
    assert rel(hu, fd_hu) <= RTOL
    assert rel(model.hessian(theta, LAM) @ u, hu) <= SAME_RTOL * 100
    d3v = model.d3_vec(theta, LAM, u)
    quad = lambda t: u @ model.hvp(t, LAM, u)
    fd_d3v = np.array([(quad(theta + H * e[k]) - quad(theta - H * e[k])) / (2 * H) for k in range(n)])
    assert rel(d3v, fd_d3v) <= RTOL
    assert abs(model.d3(theta, LAM, u) - d3v @ u) <= 1e-12 * max(1.0, abs(d3v @ u))
    fd_d4 = (model.d3(theta + H * u, LAM, u) - model.d3(theta - H * u, LAM, u)) / (2 * H)
    assert abs(model.d4(theta, LAM, u) - fd_d4) <= RTOL * max(1.0, abs(fd_d4))
    gl = model.grad_lambda(theta, LAM)
    fd_gl = (model.gradient(theta, LAM + H) - model.gradient(theta, LAM - H)) / (2 * H)
    assert rel(gl, fd_gl) <= RTOL


def test_depth_two_is_the_two_layer_model():
    x, y = actbif.paper_data(seed=3, n=50)
    two = actbif.TwoLayer(x, y, width=4, alpha=4e-3)
    mlp = actbif.Mlp(x, y, layers=[5, 4, 1], trained=[0], alpha=4e-3,
                     weights=[np.zeros((4, 5)), two.v[None, :].copy()])
    theta = np.random.default_rng(2).standard_normal(two.n_params) * 0.5
    assert abs(mlp.loss(theta, LAM) - two.loss(theta, LAM)) <= SAME_RTOL * abs(two.loss(theta, LAM))
    assert rel(mlp.gradient(theta, LAM), two.gradient(theta, LAM)) <= SAME_RTOL
    assert rel(mlp.hessian(theta, LAM), two.hessian(theta, LAM)) <= SAME_RTOL


def test_paper_branch_through_the_mlp():
    """The m = 10 paper model as the MLP [5, 10, 1] finds the same first fold as TwoLayer."""
    x, y = actbif.paper_data()
    two = actbif.TwoLayer(x, y, width=10)
    mlp = actbif.Mlp(x, y, layers=[5, 10, 1], trained=[0],
                     weights=[np.zeros((10, 5)), two.v[None, :].copy()])
    b = mlp.trace(progress=False)
    ref = two.trace(progress=False)
    assert b.status == "reached_lambda_max"
    assert [e.kind for e in b.events] == [e.kind for e in ref.events]
    # Both are located to rounding (residual ~1e-15) on the same system: 1e-10 is slack.
    assert abs(b.events[0].lambda_star - ref.events[0].lambda_star) <= 1e-10
    c = b.coefficients(0)
    assert c.classification == ref.coefficients(0).classification
    assert '"model": "mlp"' in b.to_json(indent=1)


def test_digits_data():
    x, y = actbif.digits_data()
    assert x.shape == (1797, 64) and y.shape == (1797,)
    assert abs(y.mean()) < 1e-12 and abs(y.std() - 1.0) < 1e-12


def test_bad_input():
    x, y = actbif.paper_data(n=20)
    with pytest.raises(ValueError, match="first width"):
        actbif.Mlp(x, y, layers=[4, 3, 1])
    with pytest.raises(ValueError, match="out of range"):
        actbif.Mlp(x, y, layers=[5, 3, 1], trained=[2])
    with pytest.raises(ValueError, match="non-negative"):
        actbif.Mlp(x, y, layers=[5, -3, 1])
    with pytest.raises(ValueError, match="weights"):
        actbif.Mlp(x, y, layers=[5, 3, 1], weights=[np.zeros((3, 5))])
    several = actbif.Mlp(x, y, layers=[5, 3, 1], trained=[0, 1])
    with pytest.raises(ValueError, match="isolated"):
        several.start_point()
    with pytest.raises(ValueError, match="theta0"):
        several.trace(lambda0=0.5, progress=False)
    with pytest.raises(ValueError, match="theta0"):
        several.trace(theta0=np.zeros(3), lambda0=0.5, progress=False)
